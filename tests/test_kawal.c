/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_kawal.c — the KawalPemilu 2019 node reader on hand-written nodes of
 * the published format (SOURCE.md of id2019-kawalpemilu): stations from a
 * desa node's children, KawalPemilu's sums (source 0) and KPU's (source 1,
 * a list or an object), -1 DPT as missing, placeholders left out, nodes of
 * other depths read but holding no station, malformed nodes quarantined;
 * and the audit comparing the two sources (class cross-source).
 * LABELS: unit
 */
#include "realdata_support.h"
#include "scratch_dir.h"
#include "ingest_sirekap.h"

/* A desa node (id 42260 under 41863/42221/42259) with three TPS; TPS 2 has
 * no KawalPemilu numbers; data["0"] is the empty placeholder; TPS 9 is in
 * data but not in children. kpu is a list indexed by TPS number. */
static const char desa[] =
    "{\"parentIds\":[0,41863,42221,42259],\"name\":\"CATURTUNGGAL\",\"id\":42260,\"depth\":4,"
    "\"children\":[[1,111,109],[2,104,112],[3,-1,-1]],"
    "\"data\":{\"0\":{},\"1\":{\"sum\":{\"pas1\":144,\"pas2\":78,\"sah\":222,\"tSah\":3,\"jum\":"
    "225,"
    "\"janggal\":0},\"ts\":1556089889057},\"3\":{\"sum\":{\"pas1\":10,\"pas2\":20,\"sah\":30,"
    "\"tSah\":null,\"jum\":31}},\"9\":{\"sum\":{\"pas1\":1}}},"
    "\"kpu\":[null,{\"pas1\":144,\"jum\":225,\"tSah\":3,\"sah\":222,\"pas2\":78},"
    "{\"pas1\":50,\"pas2\":60,\"sah\":110,\"tSah\":0,\"jum\":110},"
    "{\"pas1\":12,\"pas2\":18,\"sah\":30,\"tSah\":1,\"jum\":31}]}";
/* A district node: no station. A desa node with kpu as an object. */
static const char kec[] = "{\"parentIds\":[0,41863,42221],\"id\":42259,\"depth\":3,"
                          "\"children\":[[42260,\"CATURTUNGGAL\",3,100,100]],\"data\":{}}";
static const char desa2[] =
    "{\"parentIds\":[0,41863,42221,42259],\"id\":42261,\"depth\":4,\"children\":[[1,5,6]],"
    "\"data\":{\"1\":{\"sum\":{\"pas1\":4,\"pas2\":5,\"sah\":9,\"tSah\":0,\"jum\":9}}},"
    "\"kpu\":{\"1\":{\"pas1\":4,\"pas2\":5,\"sah\":9,\"tSah\":0,\"jum\":9}}}";

static size_t row_of(const saksi_table *t, const char *id)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(saksi_table_id(t, i), id) == 0) return i;
    fail_msg("no station %s", id);
    return 0;
}

static void test_sources(void **state)
{
    (void)state;
    static const char *const names[] = {"c/42259.json", "c/42260.json", "c/42261.json",
                                        "c/bad.json", "c/wrong.json"};
    static const char *const texts[] = {kec, desa, desa2, "{\"depth\": 4, \"id\": ",
                                        "{\"parentIds\":[0,1,2,3],\"id\":5,\"depth\":4,"
                                        "\"children\":[[1,2,3]],\"data\":{\"1\":{\"sum\":{"
                                        "\"pas1\":\"x\"}}}}"};
    assert_int_equal(test_write_tar(at("c.tar"), names, texts, 5), 0);
    int fmt = -1;
    saksi_error e = {0};
    assert_int_equal(saksi_detect_format(at("c.tar"), &fmt, &e), SAKSI_OK);
    assert_int_equal(fmt, SAKSI_FORMAT_KAWAL);
    for (int source = 0; source < 2; source++) {
        saksi_quarantine *q = saksi_quarantine_alloc();
        saksi_station_meta *m = saksi_meta_alloc(SAKSI_META_KAWAL);
        saksi_table *t = NULL;
        saksi_ingest_stats st;
        assert_int_equal(saksi_ingest_kawal(at("c.tar"), source, NULL, q, m, &t, &st, &e),
                         SAKSI_OK);
        assert_int_equal(st.documents, 5);
        /* the truncated node is quarantined in both; node 5's "x" only
         * where its KawalPemilu sum is read (it has no kpu numbers: missing) */
        assert_int_equal(st.accepted, source ? 5 : 4);
        assert_int_equal(st.quarantined, source ? 1 : 2);
        assert_int_equal(q->rec[0].reason, SAKSI_Q_MALFORMED);
        assert_int_equal(t->ncand, 2);
        size_t a = row_of(t, "42260-1"), b = row_of(t, "42260-2"), c = row_of(t, "42260-3");
        assert_int_equal(saksi_table_get(t, SAKSI_F_REGISTERED, a), 220);
        assert_int_equal(saksi_table_get(t, SAKSI_F_REGISTERED, c), SAKSI_MISSING);
        assert_int_equal(saksi_table_get(t, SAKSI_NFIXED + 0, a), 144);
        assert_int_equal(saksi_table_get(t, SAKSI_NFIXED + 0, b), source ? 50 : SAKSI_MISSING);
        assert_int_equal(saksi_table_get(t, SAKSI_NFIXED + 0, c), source ? 12 : 10);
        assert_int_equal(saksi_table_get(t, SAKSI_F_INVALID, c), source ? 1 : SAKSI_MISSING);
        assert_int_equal(saksi_table_get(t, SAKSI_F_TOTAL, row_of(t, "42261-1")), 9);
        assert_string_equal(t->regions[SAKSI_LEVEL_DISTRICT].code[t->region_of[3][a]], "42259");
        assert_string_equal(t->regions[SAKSI_LEVEL_VILLAGE].code[t->region_of[4][a]], "42260");
        assert_int_equal(saksi_meta_attach(m, t, &e), SAKSI_OK);
        if (source == 0) /* ts 1556089889057 ms UTC, shown in WIB (+7 h) */
            assert_true(saksi_meta_row(m, a)->ts == 1556089889 + 7 * 3600);
        saksi_table_free(t);
        saksi_quarantine_free(q);
        saksi_meta_free(m);
    }
}

/* The audit compares KawalPemilu with KPU: TPS 42260-3 differs (pas1 10 vs
 * 12, pas2 20 vs 18) in favour of cand_01 by 2 votes, 4 votes at stake. */
static void test_audit_compares(void **state)
{
    (void)state;
    static const char *const names[] = {"c/42260.json", "c/42261.json"};
    static const char *const texts[] = {desa, desa2};
    assert_int_equal(test_write_tar(at("d.tar"), names, texts, 2), 0);
    char out[4200];
    snprintf(out, sizeof out, "%s/out", dir);
    assert_int_equal(test_run("'%s' audit '%s' -o '%s' --backend cpu -q --json > '%s/s.json'",
                              SAKSI_CLI, at("d.tar"), out, dir),
                     0);
    char *json = test_read_file(at("s.json"), NULL);
    assert_non_null(strstr(json, "\"input_format\": \"kawalpemilu-json\""));
    assert_non_null(strstr(json, "\"matched\": 4, \"differing\": 1"));
    free(json);
    char *ranked = test_read_file(at("out/ranked.csv"), NULL);
    assert_non_null(ranked);
    const char *row = strstr(ranked, "42260-3");
    assert_non_null(row);
    assert_non_null(strstr(row, "cross-source"));
    assert_non_null(strstr(row, "cand_01 10 -> 12 (+2)"));
    assert_non_null(strstr(row, "favours cand_01 (+2 votes)"));
    free(ranked);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sources),
        cmocka_unit_test(test_audit_compares),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
