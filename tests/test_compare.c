/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_compare.c — the cross-source comparison: per station and field what
 * changed, was filled in or emptied, votes at stake (sum over candidates of
 * |difference|, hand arithmetic below), who gains and who loses, matching by
 * id and by candidate label, the class cross-source rows and their place in
 * the ranking, the reason text, and `saksi audit --compare` end to end.
 * LABELS: unit
 */
#include "realdata_support.h"
#include "scratch_dir.h"
#include "compare.h"

/* A: the primary; B: the other source (candidates in another order, one
 * station only in each, one more column). */
static const char csv_a[] = "station_id,registered,valid,cand_01,cand_02\n"
                            "S1,100,90,40,50\n"
                            "S2,100,90,40,50\n"
                            "S3,100,,40,50\n"
                            "S4,100,90,40,50\n"
                            "S5,100,80,40,40\n";
static const char csv_b[] = "station_id,registered,valid,cand_02,cand_01,invalid\n"
                            "S1,100,90,50,40,1\n" /* same (invalid: not in A) */
                            "S2,100,90,47,43,0\n" /* 01 +3, 02 -3: favours 01 */
                            "S3,100,90,50,40,0\n" /* valid filled in */
                            "S4,101,,50,40,0\n"   /* registered +1, valid emptied */
                            "S6,1,1,1,0,0\n";

static saksi_table *read_csv(const char *path)
{
    saksi_quarantine *q = saksi_quarantine_alloc();
    saksi_table *t = NULL;
    saksi_error e = {0};
    assert_int_equal(saksi_ingest_csv(path, NULL, q, &t, NULL, &e), SAKSI_OK);
    saksi_quarantine_free(q);
    return t;
}

static size_t row_of(const saksi_table *t, const char *id)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(saksi_table_id(t, i), id) == 0) return i;
    fail_msg("no station %s", id);
    return 0;
}

static void test_differences(void **state)
{
    (void)state;
    assert_int_equal(test_write_file(at("a.csv"), csv_a), 0);
    assert_int_equal(test_write_file(at("b.csv"), csv_b), 0);
    saksi_table *a = read_csv(at("a.csv")), *b = read_csv(at("b.csv"));
    saksi_cmp c = {.label = {"A", "B"}};
    saksi_error e = {0};
    assert_int_equal(saksi_compare_tables(a, b, &c, &e), SAKSI_OK);
    assert_int_equal(c.matched, 4);
    assert_int_equal(c.only_primary, 1);    /* S5 */
    assert_int_equal(c.only_other, 1);      /* S6 */
    assert_int_equal(c.fields_compared, 4); /* registered, valid, cand_01, cand_02 */
    assert_int_equal(c.nst, 3);             /* S2, S3, S4 */
    assert_int_equal(c.changed, 2);         /* S2 (candidates), S4 (registered) */
    assert_int_equal(c.filled_only, 1);     /* S3 */
    assert_int_equal(c.cand_changed, 1);
    assert_int_equal(c.field_changes, 3);
    assert_int_equal(c.field_fills, 1);
    assert_int_equal(c.field_empties, 1);
    const saksi_cmp_station *s2 = saksi_compare_station(&c, row_of(a, "S2"));
    assert_non_null(s2);
    assert_int_equal(s2->votes_at_stake, 6); /* |43 - 40| + |47 - 50| */
    assert_int_equal(s2->beneficiary, 0);
    assert_int_equal(s2->gain, 3);
    assert_int_equal(s2->loser, 1);
    assert_int_equal(s2->loss, 3);
    const saksi_cmp_station *s4 = saksi_compare_station(&c, row_of(a, "S4"));
    assert_int_equal(s4->votes_at_stake, 0); /* no candidate differs */
    assert_int_equal(s4->fields_emptied, 1);
    assert_null(saksi_compare_station(&c, row_of(a, "S1")));
    char reason[512];
    saksi_compare_reason(a, &c, row_of(a, "S2"), "en", reason, sizeof reason);
    assert_string_equal(reason, "B differs from A in 2 field(s): cand_01 40 -> 43 (+3) cand_02 "
                                "50 -> 47 (-3); favours cand_01 (+3 votes)");
    saksi_compare_reason(a, &c, row_of(a, "S2"), "id", reason, sizeof reason);
    assert_non_null(strstr(reason, "menguntungkan cand_01"));

    /* ranking: S2 and S4 get cross-source rows; S2 first (6 votes) */
    saksi_results res = {0};
    saksi_config cfg;
    saksi_config_init(&cfg);
    res.klass = calloc(a->n, 1);
    assert_int_equal(saksi_compare_rank(a, &c, &res, &cfg, &e), SAKSI_OK);
    assert_int_equal(res.nranked, 2);
    assert_int_equal(res.ranked[0].station, row_of(a, "S2"));
    assert_int_equal(res.ranked[0].klass, SAKSI_CLASS_CROSS_SOURCE);
    assert_int_equal(res.ranked[0].votes_at_stake, 6);
    assert_int_equal(res.klass[row_of(a, "S4")], SAKSI_CLASS_CROSS_SOURCE);
    /* a station already ranked in a class that comes first keeps it; one
     * in a class that comes after cross-source takes it */
    free(res.ranked);
    res.ranked = calloc(2, sizeof *res.ranked);
    res.ranked[0] = (saksi_rank_row){.station = row_of(a, "S2"),
                                     .klass = SAKSI_CLASS_INTEGRITY,
                                     .votes_at_stake = 1,
                                     .repair = SIZE_MAX};
    res.ranked[1] =
        (saksi_rank_row){.station = row_of(a, "S4"), .klass = SAKSI_CLASS_NONE, .repair = SIZE_MAX};
    res.nranked = 2;
    cfg.class_priority[0] = SAKSI_CLASS_CROSS_SOURCE;
    cfg.class_priority[4] = SAKSI_CLASS_INTEGRITY;
    assert_int_equal(saksi_compare_rank(a, &c, &res, &cfg, &e), SAKSI_OK);
    assert_int_equal(res.nranked, 2);
    assert_int_equal(res.ranked[0].klass, SAKSI_CLASS_CROSS_SOURCE);
    assert_int_equal(res.ranked[0].votes_at_stake, 6);
    saksi_config_init(&cfg);
    res.ranked[0].klass = SAKSI_CLASS_INTEGRITY;
    res.ranked[0].votes_at_stake = 1;
    assert_int_equal(saksi_compare_rank(a, &c, &res, &cfg, &e), SAKSI_OK);
    size_t k2 = res.ranked[0].station == row_of(a, "S2") ? 0 : 1;
    assert_int_equal(res.ranked[k2].klass, SAKSI_CLASS_INTEGRITY);
    assert_int_equal(res.ranked[k2].votes_at_stake, 1);
    free(res.ranked);
    free(res.klass);
    saksi_compare_free(&c);
    saksi_table_free(a);
    saksi_table_free(b);
}

static void test_cli_compare(void **state)
{
    (void)state;
    assert_int_equal(test_write_file(at("a.csv"), csv_a), 0);
    assert_int_equal(test_write_file(at("b.csv"), csv_b), 0);
    assert_int_equal(test_run("'%s' audit '%s' --compare '%s' -o '%s/out' --backend cpu -q --json"
                              " > '%s/s.json'",
                              SAKSI_CLI, at("a.csv"), at("b.csv"), dir, dir),
                     0);
    char *json = test_read_file(at("s.json"), NULL);
    assert_non_null(strstr(json, "\"matched\": 4, \"differing\": 2, \"only_primary\": 1, "
                                 "\"only_other\": 1, \"field_diffs\": 3, \"filled\": 2, "
                                 "\"any_difference\": 3, \"candidates_differ\": 1"));
    assert_non_null(strstr(json, "\"cross-source\": 2"));
    free(json);
    char *ranked = test_read_file(at("out/ranked.csv"), NULL);
    assert_non_null(strstr(ranked, "favours cand_01 (+3 votes)"));
    free(ranked);
    /* the report's cross-source tables, read back with h5py */
    assert_int_equal(
        test_run("/usr/bin/python3 -c \"import h5py,sys; f=h5py.File('%s/out/report.h5'); "
                 "d=f['/cross_source/fields'][:]; s=f['/cross_source/stations'][:]; "
                 "sys.exit(0 if len(d)==5 and len(s)==3 and int(s['votes_at_stake']."
                 "sum())==6 else 1)\"",
                 dir),
        0);
    /* a missing second source is an input error */
    assert_int_equal(test_run("'%s' audit '%s' --compare '%s/none.csv' -o '%s/out2' -q 2>/dev/null",
                              SAKSI_CLI, at("a.csv"), dir, dir),
                     66);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_differences),
        cmocka_unit_test(test_cli_compare),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
