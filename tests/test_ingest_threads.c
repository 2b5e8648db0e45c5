/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_ingest_threads.c — the ingest gives the same table, counters and
 * quarantine (in line order) whether the table is built in the parsing
 * thread or in a second one, across batch boundaries, with duplicates and
 * bad records mixed in. The expected counts are those written into the
 * generated file.
 * LABELS: unit
 */
#include "test_support.h"

#include "saksi_internal.h"

#define RECORDS 20000

static int is_dup_row(int k)
{
    return k > 0 && k % 997 == 0;
}

static int is_bad_row(int k)
{
    return !is_dup_row(k) && k % 1499 == 1;
}

/* Every 997th record repeats the id of record k / 2 (a duplicate when that
 * record was itself accepted, else a new station), every 1499th has a
 * non-integer count; the rest are plain stations. */
static void write_input(const char *path, size_t *dups, size_t *bad)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "station_id,registered,cand_01,cand_02\n");
    *dups = *bad = 0;
    for (int k = 0; k < RECORDS; k++) {
        if (is_dup_row(k)) {
            fprintf(f, "S%06d,100,1,2\n", k / 2);
            *dups += !is_dup_row(k / 2) && !is_bad_row(k / 2);
        } else if (is_bad_row(k)) {
            fprintf(f, "S%06d,1x0,1,2\n", k);
            (*bad)++;
        } else {
            fprintf(f, "S%06d,%d,%d,%d\n", k, 100 + k % 200, k % 50, k % 70);
        }
    }
    fclose(f);
}

static void ingest(const char *path, int threads, saksi_table **t, saksi_quarantine **q,
                   saksi_ingest_stats *st)
{
    saksi_error err = {0};
    saksi_ingest_options o = {0};
    o.threads = threads;
    *q = saksi_quarantine_alloc();
    assert_int_equal(saksi_ingest_csv(path, &o, *q, t, st, &err), SAKSI_OK);
}

static void test_one_or_two_threads(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("ingest-threads");
    char path[4200];
    size_t dups, bad;
    snprintf(path, sizeof path, "%s/in.csv", dir);
    write_input(path, &dups, &bad);
    saksi_table *t1, *t2;
    saksi_quarantine *q1, *q2;
    saksi_ingest_stats s1, s2;
    ingest(path, 1, &t1, &q1, &s1);
    ingest(path, 2, &t2, &q2, &s2);
    assert_int_equal(s1.records, RECORDS);
    assert_int_equal(s1.quarantined, dups + bad);
    assert_int_equal(s1.accepted, RECORDS - dups - bad);
    assert_int_equal(s2.accepted, s1.accepted);
    assert_int_equal(s2.quarantined, s1.quarantined);
    assert_memory_equal(s1.sha256, s2.sha256, 32);
    assert_int_equal(t1->n, t2->n);
    assert_memory_equal(t1->cols, t2->cols, t1->n * t1->nslots * sizeof *t1->cols);
    for (size_t i = 0; i < t1->n; i++)
        assert_string_equal(saksi_table_id(t1, i), saksi_table_id(t2, i));
    assert_int_equal(q1->n, q2->n);
    for (size_t k = 0; k < q1->n; k++) {
        assert_int_equal(q1->rec[k].line, q2->rec[k].line);
        assert_int_equal(q1->rec[k].reason, q2->rec[k].reason);
        assert_string_equal(q1->rec[k].detail, q2->rec[k].detail);
        if (k > 0) /* in line order, duplicates and parse errors interleaved */
            assert_true(q1->rec[k].line > q1->rec[k - 1].line);
    }
    /* Record k sits on line k + 2 (the header is line 1): the first
     * duplicate is record 997 (line 999), a repeat of S000498 (line 500). */
    size_t k = 0;
    while (q1->rec[k].reason != SAKSI_Q_DUPLICATE_ID)
        k++;
    assert_int_equal(q1->rec[k].line, 999);
    assert_string_equal(q1->rec[k].detail, "duplicate of line 500");
    saksi_table_free(t1);
    saksi_table_free(t2);
    saksi_quarantine_free(q1);
    saksi_quarantine_free(q2);
    test_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_or_two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
