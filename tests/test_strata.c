/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_strata.c — `--strata FILE` (host/strata.c): the simulator's
 * strata.csv names exactly its special TPS, the file sets their stratum
 * as the in-memory simulation does, and every malformed file is an error
 * naming file, line and field.
 * LABELS: unit
 */
#include "test_support.h"

#include "saksi_internal.h"

#include <string.h>

/* strata.csv lists the special TPS, one per line, and applying it to the
 * same election read from stations.csv marks the rows the in-memory table
 * marks (saksi_simulate_table). */
static void test_simulated_strata(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("strata-sim");
    char path[4200];
    saksi_error err = {0};
    saksi_sim_config c;
    saksi_sim_config_init(&c);
    c.stations = 20000;
    c.seed = 11;
    saksi_sim_summary sum;
    assert_int_equal(saksi_simulate_write(&c, dir, &sum, &err), SAKSI_OK);
    assert_true(sum.special_stations > 20); /* 0.3% of 20,000 */

    saksi_table *mem = NULL;
    assert_int_equal(saksi_simulate_table(&c, &mem, NULL, NULL, NULL, &err), SAKSI_OK);
    size_t marked = 0;
    for (size_t i = 0; i < mem->n; i++)
        marked += mem->stratum[i] == SAKSI_STRATUM_SPECIAL;
    assert_int_equal(marked, sum.special_stations);

    snprintf(path, sizeof path, "%s/stations.csv", dir);
    saksi_ingest_options o = {0};
    saksi_table *t = NULL;
    saksi_quarantine *q = saksi_quarantine_alloc();
    assert_int_equal(saksi_ingest_csv(path, &o, q, &t, NULL, &err), SAKSI_OK);
    snprintf(path, sizeof path, "%s/strata.csv", dir);
    size_t listed = 0, applied = 0;
    assert_int_equal(saksi_strata_apply(path, t, &listed, &applied, &err), SAKSI_OK);
    assert_int_equal(listed, sum.special_stations);
    assert_int_equal(applied, sum.special_stations);
    assert_int_equal(t->n, mem->n);
    for (size_t i = 0; i < t->n; i++) {
        assert_string_equal(saksi_table_id(t, i), saksi_table_id(mem, i));
        assert_int_equal(t->stratum[i] == SAKSI_STRATUM_SPECIAL,
                         mem->stratum[i] == SAKSI_STRATUM_SPECIAL);
    }
    saksi_quarantine_free(q);
    saksi_table_free(t);
    saksi_table_free(mem);
    test_rmtree(dir);
}

/* A table of three stations; the file's text; the expected status and a
 * piece of the message. */
static void expect(const char *text, saksi_status want, const char *msg, size_t want_applied)
{
    char *dir = test_mkdtemp("strata-err");
    char csv[4200], strata[4200];
    snprintf(csv, sizeof csv, "%s/s.csv", dir);
    snprintf(strata, sizeof strata, "%s/strata.csv", dir);
    assert_int_equal(test_write_file(csv, "station_id,registered,cand_01\n"
                                          "1101012001001,200,5\n"
                                          "1101012001002,200,6\n"
                                          "9901010001001,200,7\n"),
                     0);
    assert_int_equal(test_write_file(strata, text), 0);
    saksi_ingest_options o = {0};
    saksi_table *t = NULL;
    saksi_quarantine *q = saksi_quarantine_alloc();
    saksi_error err = {0};
    assert_int_equal(saksi_ingest_csv(csv, &o, q, &t, NULL, &err), SAKSI_OK);
    size_t listed = 0, applied = 0;
    saksi_status rc = saksi_strata_apply(strata, t, &listed, &applied, &err);
    if (rc != want || (msg && !strstr(err.message, msg)))
        fail_msg("status %d (want %d): \"%s\" lacks \"%s\"", rc, want, err.message,
                 msg ? msg : "");
    if (rc == SAKSI_OK) {
        assert_int_equal(applied, want_applied);
        assert_int_equal(t->stratum[1], SAKSI_STRATUM_SPECIAL);
        assert_int_equal(t->stratum[0], SAKSI_STRATUM_REGULAR);
    }
    saksi_quarantine_free(q);
    saksi_table_free(t);
    test_rmtree(dir);
}

static void test_files(void **state)
{
    (void)state;
    /* one listed station absent from the table: counted, not an error */
    expect("station_id,stratum\n1101012001002,special\n1101012001999,special\n", SAKSI_OK, NULL,
           1);
    expect("station_id,stratum\r\n1101012001002,special\r\n\r\n", SAKSI_OK, NULL, 1);
    expect("id,stratum\n1101012001002,special\n", SAKSI_ERR_DATA,
           "line 1: the header must be station_id,stratum", 0);
    expect("station_id,stratum\n1101012001002,prison\n", SAKSI_ERR_DATA,
           "line 2: field stratum: unknown stratum \"prison\"", 0);
    expect("station_id,stratum\n1101012001002\n", SAKSI_ERR_DATA, "line 2: expected 2 fields",
           0);
    expect("station_id,stratum\n,special\n", SAKSI_ERR_DATA, "line 2: field station_id is empty",
           0);
    expect("station_id,stratum\n1101012001002,special\n1101012001002,noken\n", SAKSI_ERR_DATA,
           "line 3: station 1101012001002 is already listed on line 2", 0);
    expect("", SAKSI_ERR_DATA, "empty", 0);
}

static void test_missing_file(void **state)
{
    (void)state;
    saksi_error err = {0};
    size_t listed, applied;
    saksi_table *t = NULL;
    assert_int_equal(
        saksi_strata_apply("/nonexistent/strata.csv", t, &listed, &applied, &err),
        SAKSI_ERR_NOINPUT);
    assert_non_null(strstr(err.message, "/nonexistent/strata.csv"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simulated_strata),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
