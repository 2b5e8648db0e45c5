/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_table.c — the station table: canonical order whatever the input
 * order, region indices per level from 13-digit TPS codes and from region
 * columns, duplicate ids, missing cells.
 * LABELS: unit
 */
#include "test_support.h"

#include "saksi_internal.h"

static saksi_table *new_table(void)
{
    int present[SAKSI_NFIXED] = {0};
    present[SAKSI_F_REGISTERED] = 1;
    present[SAKSI_F_VALID] = 1;
    const char *labels[] = {"01", "02"};
    saksi_table *t = saksi_table_alloc(present, 2, labels);
    assert_non_null(t);
    return t;
}

static void append(saksi_table *t, const char *id, const char *const *regions, int32_t reg,
                   int32_t c1, int32_t c2, uint64_t line)
{
    int32_t v[SAKSI_NFIXED + 2];
    for (size_t k = 0; k < SAKSI_NFIXED + 2; k++)
        v[k] = SAKSI_MISSING;
    v[SAKSI_F_REGISTERED] = reg;
    v[SAKSI_NFIXED] = c1;
    v[SAKSI_NFIXED + 1] = c2;
    saksi_error err = {0};
    assert_int_equal(saksi_table_append(t, id, strlen(id), regions, v, 0, line, NULL, &err),
                     SAKSI_OK);
}

/* Stations of two provinces given in scrambled order: after finalize they
 * are sorted by code, every level's regions are contiguous runs, and the
 * columns moved with their rows. Expected values by hand from the codes. */
static void test_canonical_order_from_tps_codes(void **state)
{
    (void)state;
    saksi_table *t = new_table();
    append(t, "3201010001002", NULL, 202, 2, 20, 2);
    append(t, "1101012001001", NULL, 101, 1, 10, 3);
    append(t, "3201010001001", NULL, 201, 3, 30, 4);
    append(t, "3201020002001", NULL, 211, 4, 40, 5);
    append(t, "1101012001002", NULL, 102, SAKSI_MISSING, 50, 6);
    saksi_error err = {0};
    assert_int_equal(saksi_table_finalize(t, &err), SAKSI_OK);

    const char *order[] = {"1101012001001", "1101012001002", "3201010001001", "3201010001002",
                           "3201020002001"};
    const int32_t reg[] = {101, 102, 201, 202, 211};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(saksi_table_id(t, i), order[i]);
        assert_int_equal(saksi_table_get(t, SAKSI_F_REGISTERED, i), reg[i]);
    }
    /* Missing stays missing; an absent column reads as missing too. */
    assert_int_equal(saksi_table_get(t, SAKSI_NFIXED, 1), SAKSI_MISSING);
    assert_int_equal(saksi_table_get(t, SAKSI_NFIXED + 1, 1), 50);
    assert_int_equal(saksi_table_get(t, SAKSI_F_TOTAL, 0), SAKSI_MISSING);
    assert_int_equal(t->src_line[1], 6);

    /* Levels: provinces 11, 32; regencies 1101, 3201; districts 110101,
     * 320101, 320102; villages 1101012001, 3201010001, 3201020002. */
    assert_int_equal(t->regions[SAKSI_LEVEL_NATIONAL].n, 1);
    assert_int_equal(t->regions[SAKSI_LEVEL_PROVINCE].n, 2);
    assert_int_equal(t->regions[SAKSI_LEVEL_REGENCY].n, 2);
    assert_int_equal(t->regions[SAKSI_LEVEL_DISTRICT].n, 3);
    assert_int_equal(t->regions[SAKSI_LEVEL_VILLAGE].n, 3);
    const saksi_regions *d = &t->regions[SAKSI_LEVEL_DISTRICT];
    assert_string_equal(d->code[0], "110101");
    assert_string_equal(d->code[1], "320101");
    assert_string_equal(d->code[2], "320102");
    assert_int_equal(d->first[1], 2);
    assert_int_equal(d->count[1], 2);
    assert_int_equal(d->parent[2], 1); /* regency 3201 */
    assert_int_equal(t->region_of[SAKSI_LEVEL_PROVINCE][4], 1);
    assert_int_equal(t->regions[SAKSI_LEVEL_NATIONAL].count[0], 5);
    assert_int_equal(t->id_maxlen, 13);
    saksi_table_free(t);
}

/* The same stations in another input order give the same table. */
static void test_input_order_does_not_matter(void **state)
{
    (void)state;
    const char *ids[] = {"9901010001003", "1101012001001", "9901010001001", "5101010001001"};
    saksi_table *a = new_table(), *b = new_table();
    for (int k = 0; k < 4; k++)
        append(a, ids[k], NULL, 100 + k, k, k, (uint64_t)k + 2);
    for (int k = 3; k >= 0; k--)
        append(b, ids[k], NULL, 100 + k, k, k, (uint64_t)k + 2);
    saksi_error err = {0};
    assert_int_equal(saksi_table_finalize(a, &err), SAKSI_OK);
    assert_int_equal(saksi_table_finalize(b, &err), SAKSI_OK);
    assert_int_equal(a->n, b->n);
    assert_memory_equal(a->cols, b->cols, a->nslots * a->n * sizeof *a->cols);
    for (size_t i = 0; i < a->n; i++)
        assert_string_equal(saksi_table_id(a, i), saksi_table_id(b, i));
    saksi_table_free(a);
    saksi_table_free(b);
}

/* Region columns: the same village name in two districts is two villages. */
static void test_region_columns_nest(void **state)
{
    (void)state;
    saksi_table *t = new_table();
    const char *r1[SAKSI_NLEVELS] = {NULL, "Jawa Barat", "Bogor", "Cibinong", "Sukamaju"};
    const char *r2[SAKSI_NLEVELS] = {NULL, "Jawa Barat", "Bogor", "Citeureup", "Sukamaju"};
    const char *r3[SAKSI_NLEVELS] = {NULL, "Aceh", NULL, NULL, NULL};
    append(t, "A-1", r1, 100, 1, 1, 2);
    append(t, "A-2", r2, 100, 1, 1, 3);
    append(t, "A-3", r1, 100, 1, 1, 4);
    append(t, "B-1", r3, 100, 1, 1, 5);
    saksi_error err = {0};
    assert_int_equal(saksi_table_finalize(t, &err), SAKSI_OK);
    assert_int_equal(t->regions[SAKSI_LEVEL_PROVINCE].n, 2);
    assert_string_equal(t->regions[SAKSI_LEVEL_PROVINCE].code[0], "Aceh");
    assert_int_equal(t->regions[SAKSI_LEVEL_VILLAGE].n, 3);
    assert_string_equal(t->regions[SAKSI_LEVEL_VILLAGE].code[0], ""); /* Aceh's unknown */
    assert_string_equal(saksi_table_id(t, 0), "B-1");
    assert_string_equal(saksi_table_id(t, 1), "A-1");
    assert_string_equal(saksi_table_id(t, 2), "A-3");
    assert_string_equal(saksi_table_id(t, 3), "A-2");
    assert_int_equal(t->region_of[SAKSI_LEVEL_VILLAGE][1], t->region_of[SAKSI_LEVEL_VILLAGE][2]);
    assert_int_not_equal(t->region_of[SAKSI_LEVEL_VILLAGE][2],
                         t->region_of[SAKSI_LEVEL_VILLAGE][3]);
    saksi_table_free(t);
}

static void test_duplicate_id(void **state)
{
    (void)state;
    saksi_table *t = new_table();
    append(t, "3201010001001", NULL, 1, 1, 1, 7);
    int32_t v[SAKSI_NFIXED + 2] = {0};
    uint64_t first = 0;
    saksi_error err = {0};
    assert_int_equal(saksi_table_append(t, "3201010001001", 13, NULL, v, 0, 9, &first, &err),
                     SAKSI_ERR_DATA);
    assert_int_equal(first, 7);
    assert_non_null(strstr(err.message, "line 7"));
    assert_int_equal(t->n, 1);
    saksi_table_free(t);
}

/* Growth past the first allocation keeps every row. */
static void test_growth_and_empty(void **state)
{
    (void)state;
    saksi_table *t = new_table();
    char id[32];
    for (int k = 0; k < 10000; k++) {
        snprintf(id, sizeof id, "ID%05d", 9999 - k);
        append(t, id, NULL, k, k, 2 * k, (uint64_t)k + 2);
    }
    saksi_error err = {0};
    assert_int_equal(saksi_table_finalize(t, &err), SAKSI_OK);
    assert_int_equal(t->n, 10000);
    /* ID00000 came last with registered 9999. */
    assert_string_equal(saksi_table_id(t, 0), "ID00000");
    assert_int_equal(saksi_table_get(t, SAKSI_F_REGISTERED, 0), 9999);
    assert_int_equal(saksi_table_get(t, SAKSI_NFIXED + 1, 0), 2 * 9999);
    saksi_table_free(t);

    t = new_table();
    assert_int_equal(saksi_table_finalize(t, &err), SAKSI_OK);
    assert_int_equal(t->n, 0);
    assert_int_equal(saksi_table_finalize(t, &err), SAKSI_ERR_INTERNAL);
    saksi_table_free(t);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(saksi_field_name(SAKSI_F_VOTERS_DPTB_FEMALE), "voters_dptb_female");
    assert_int_equal(saksi_field_lookup("ballots_unused"), SAKSI_F_BALLOTS_UNUSED);
    assert_int_equal(saksi_field_lookup("cand_01"), -1);
    assert_string_equal(saksi_level_name(SAKSI_LEVEL_DISTRICT), "district");
    assert_string_equal(saksi_stratum_name(SAKSI_STRATUM_NOKEN), "noken");
    assert_string_equal(saksi_field_name(99), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical_order_from_tps_codes),
        cmocka_unit_test(test_input_order_does_not_matter),
        cmocka_unit_test(test_region_columns_nest),
        cmocka_unit_test(test_duplicate_id),
        cmocka_unit_test(test_growth_and_empty),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
