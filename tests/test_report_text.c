/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_report_text.c — the text outputs: RFC 4180 quoting, ranked.csv and
 * quarantine.csv read back with Python's csv module, the JSON summary read
 * back with Python's json (escapes, UTF-8, null), and a '.' decimal point
 * under a decimal-comma LC_NUMERIC. The fixture is tests/report_fixture.h.
 * LABELS: unit
 */
#include "report_fixture.h"

#include <locale.h>

/* ------------------------------------------------------------------ */
/* CSV and JSON                                                        */
/* ------------------------------------------------------------------ */

static void test_csv_field_quoting(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    const char *in[] = {"plain", "a,b", "say \"hi\"", "l1\nl2", "cr\r", "", NULL};
    for (size_t k = 0; k < sizeof in / sizeof in[0]; k++) {
        saksi_csv_field(f, in[k]);
        fputc('|', f);
    }
    fclose(f);
    /* RFC 4180 §2.6-2.7, by hand. */
    assert_string_equal(buf, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"l1\nl2\"|\"cr\r\"|||");
    free(buf);
}

/* s as a JSON string the way Python's json.dumps writes ASCII text. */
static void json_quote(char *dst, size_t len, const char *s)
{
    size_t n = 0;
    dst[n++] = '"';
    for (; *s && n + 8 < len; s++) {
        if (*s == '"' || *s == '\\')
            dst[n++] = '\\', dst[n++] = *s;
        else if (*s == '\n')
            dst[n++] = '\\', dst[n++] = 'n';
        else
            dst[n++] = *s;
    }
    dst[n++] = '"';
    dst[n] = 0;
}

static void test_ranked_csv(void **state)
{
    (void)state;
    fixture *fx = fixture_new();
    char *dir = test_mkdtemp("report");
    char path[4200], reason[3][2048], q[3][2100], line[8192];
    snprintf(path, sizeof path, "%s/ranked.csv", dir);
    saksi_error err = {0};
    assert_int_equal(saksi_report_ranked_csv(path, fx->t, &fx->res, "en", &err), SAKSI_OK);
    assert_int_equal(count_tmp(dir), 0);
    for (int k = 0; k < 3; k++) {
        saksi_rank_reason(fx->t, &fx->res, &fx->ranked[k], "en", reason[k], sizeof reason[k]);
        json_quote(q[k], sizeof q[k], reason[k]);
    }
    int st;
    char *out = capture(&st, READER " csv '%s' 2>&1", path);
    assert_int_equal(st, 0);
    assert_line(out, "[\"rank\", \"station_id\", \"province\", \"regency\", \"district\", "
                     "\"village\", \"class\", \"rules\", \"primary_rule\", \"discrepancy\", "
                     "\"votes_at_stake\", \"repair_field\", \"reported\", \"repaired\", "
                     "\"alternatives\", \"repair_weight\", \"reason\"]");
    /* Rows from the fixture's ranked list; region codes from the ids. */
    snprintf(line, sizeof line,
             "[\"1\", \"1101012001002\", \"11\", \"1101\", \"110101\", \"1101012001\", "
             "\"integrity\", \"cand_sum_valid\", \"cand_sum_valid\", \"3000000000\", "
             "\"3000000000\", \"\", \"\", \"\", \"0\", \"\", %s]",
             q[0]);
    assert_line(out, line);
    snprintf(line, sizeof line,
             "[\"2\", \"" LONG_ID "\", \"99\", \"9901\", \"990101\", \"9901010001\", "
             "\"integrity\", \"\", \"\", \"0\", \"-5\", \"\", \"\", \"\", \"0\", \"\", %s]",
             q[1]);
    assert_line(out, line);
    snprintf(line, sizeof line,
             "[\"3\", \"3201010001001\", \"32\", \"3201\", \"320101\", \"3201010001\", "
             "\"transcription\", \"cand_sum_valid|valid_invalid_total\", \"cand_sum_valid\", "
             "\"-7\", \"60\", \"cand_02\", \"170\", \"110\", \"2\", \"0.75\", %s]",
             q[2]);
    assert_line(out, line);
    int lines = 0;
    for (char *p = out; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 4);
    free(out);

    /* Bahasa Indonesia: same rows, the reason in the other language. */
    char idr[2048];
    assert_int_equal(saksi_report_ranked_csv(path, fx->t, &fx->res, "id", &err), SAKSI_OK);
    saksi_rank_reason(fx->t, &fx->res, &fx->ranked[0], "id", idr, sizeof idr);
    assert_string_not_equal(idr, reason[0]);
    char *text = test_read_file(path, NULL);
    assert_non_null(strstr(text, idr));
    free(text);
    test_rmtree(dir);
    fixture_free(fx);
}

static void test_quarantine_csv(void **state)
{
    (void)state;
    fixture *fx = fixture_new();
    char *dir = test_mkdtemp("report");
    char path[4200];
    snprintf(path, sizeof path, "%s/quarantine.csv", dir);
    saksi_error err = {0};
    assert_int_equal(saksi_report_quarantine_csv(path, &fx->q, &err), SAKSI_OK);
    char *text = test_read_file(path, NULL);
    /* By hand from the fixture: the path and both details hold commas,
     * the first detail quotes and a line break. */
    assert_string_equal(text, "file,line,column,field,reason,station_id,detail\n"
                              "\"data/in,put.csv\",5000000000,3,cand_01,not_integer,"
                              "3201010001009,\"12,5 \"\"approx\"\"\nsee form\"\n"
                              "\"data/in,put.csv\",7,0,,field_count,,\"3 fields, expected 5\"\n");
    free(text);
    int st;
    char *out = capture(&st, READER " csv '%s' 2>&1", path);
    assert_int_equal(st, 0);
    assert_line(out, "[\"data/in,put.csv\", \"5000000000\", \"3\", \"cand_01\", \"not_integer\", "
                     "\"3201010001009\", \"12,5 \\\"approx\\\"\\nsee form\"]");
    assert_line(out, "[\"data/in,put.csv\", \"7\", \"0\", \"\", \"field_count\", \"\", "
                     "\"3 fields, expected 5\"]");
    free(out);

    /* No quarantine: the header alone. */
    assert_int_equal(saksi_report_quarantine_csv(path, NULL, &err), SAKSI_OK);
    text = test_read_file(path, NULL);
    assert_string_equal(text, "file,line,column,field,reason,station_id,detail\n");
    free(text);
    test_rmtree(dir);
    fixture_free(fx);
}

static void test_csv_failures(void **state)
{
    (void)state;
    fixture *fx = fixture_new();
    char *dir = test_mkdtemp("report");
    char path[4200], bad[4200];
    saksi_error err = {0};
    snprintf(path, sizeof path, "%s/ranked.csv", dir);
    snprintf(bad, sizeof bad, "%s/missing/ranked.csv", dir);
    assert_int_equal(saksi_report_ranked_csv(bad, fx->t, &fx->res, "en", &err),
                     SAKSI_ERR_CANTCREAT);
    assert_int_equal(saksi_report_quarantine_csv(bad, &fx->q, &err), SAKSI_ERR_CANTCREAT);
    fx->ranked[2].repair = 5;
    assert_int_equal(saksi_report_ranked_csv(path, fx->t, &fx->res, "en", &err),
                     SAKSI_ERR_INTERNAL);
    assert_non_null(strstr(err.message, "ranked row 2"));
    fx->ranked[2].repair = 0;
    fx->repairs[0].field = -1;
    assert_int_equal(saksi_report_ranked_csv(path, fx->t, &fx->res, "en", &err),
                     SAKSI_ERR_INTERNAL);
    fx->repairs[0].field = SAKSI_NFIXED + 1;
    fx->qrec[0].file = 2;
    snprintf(path, sizeof path, "%s/quarantine.csv", dir);
    assert_int_equal(saksi_report_quarantine_csv(path, &fx->q, &err), SAKSI_ERR_INTERNAL);
    assert_non_null(strstr(err.message, "record 0 names file 2"));
    assert_false(exists(path));
    assert_int_equal(count_tmp(dir), 0);
    test_rmtree(dir);
    fixture_free(fx);
}

static saksi_summary sample_summary(void)
{
    static const char *const names[] = {"cand_sum_valid", "odd \"name\"\\\n\t\x01 \xc3\xa9 \xff"};
    static const size_t failed[] = {2, 1}, evaluated[] = {6, 6};
    saksi_summary s = {0};
    s.ingest = (saksi_ingest_stats){
        .bytes = 1234, .records = 7, .accepted = 6, .quarantined = 1, .missing_cells = 3};
    for (int b = 0; b < 32; b++)
        s.ingest.sha256[b] = (unsigned char)(0xf0 + (b & 15));
    s.stations = 6;
    const size_t regions[SAKSI_NLEVELS] = {1, 3, 3, 4, 4};
    memcpy(s.regions, regions, sizeof regions);
    s.by_class[SAKSI_CLASS_NONE] = 3, s.by_class[SAKSI_CLASS_INTEGRITY] = 2;
    s.by_class[SAKSI_CLASS_TRANSCRIPTION] = 1;
    s.nrules = 2, s.rule_names = names, s.rule_failed = failed, s.rule_evaluated = evaluated;
    s.negative_stations = 1, s.repaired = 1;
    s.backend_used = "cpu";
    s.backend_reason = "no GPU: the CPU path is faster than PoCL";
    s.device = NULL;
    s.timing.ingest = 0.5, s.timing.total = 1.25;
    return s;
}

static void check_summary_file(const char *path)
{
    int st;
    char *out = capture(&st, "/usr/bin/python3 -m json.tool '%s' >/dev/null 2>&1", path);
    assert_int_equal(st, 0);
    free(out);
    out = capture(&st, READER " json '%s' 2>&1", path);
    assert_int_equal(st, 0);
    assert_line(out, "stations=6");
    assert_line(out, "ingest.records=7");
    assert_line(
        out, "ingest.sha256=\"f0f1f2f3f4f5f6f7f8f9fafbfcfdfefff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff\"");
    assert_line(out, "regions.village=4");
    assert_line(out, "by_class.integrity=2");
    assert_line(out, "by_class.cross-source=0");
    assert_line(out, "rules[0].failed=2");
    /* Escapes: quote, backslash, newline, tab, U+0001; UTF-8 é kept; the
     * stray byte 0xff becomes U+FFFD (json.dumps writes non-ASCII as \u). */
    assert_line(out, "rules[1].name=\"odd \\\"name\\\"\\\\\\n\\t\\u0001 \\u00e9 \\ufffd\"");
    assert_line(out, "device=null");
    assert_line(out, "backend_used=\"cpu\"");
    assert_line(out, "timing_s.ingest=0.5");
    assert_line(out, "timing_s.total=1.25");
    free(out);
}

static void test_summary_json(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("report");
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    saksi_summary s = sample_summary();
    saksi_error err = {0};
    FILE *f = fopen(path, "w");
    assert_int_equal(saksi_summary_write_json(&s, f, &err), SAKSI_OK);
    fclose(f);
    check_summary_file(path);

    /* A stream that cannot be written: SAKSI_ERR_IO. */
    f = fopen(path, "r");
    assert_int_equal(saksi_summary_write_json(&s, f, &err), SAKSI_ERR_IO);
    fclose(f);
    s.rule_failed = NULL;
    f = fopen(path, "a");
    assert_int_equal(saksi_summary_write_json(&s, f, &err), SAKSI_ERR_INTERNAL);
    fclose(f);
    test_rmtree(dir);
}

/* LC_NUMERIC with a decimal comma: the CSV weight and the JSON timings
 * still carry a point. The locale comes from the system or is compiled
 * into a private LOCPATH with localedef. */
static void test_decimal_point_under_comma_locale(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("report");
    if (!test_comma_locale(LC_NUMERIC, dir))
        fail_msg("no de_DE.UTF-8 locale and localedef could not make one (package locales)");
    char probe[16];
    snprintf(probe, sizeof probe, "%.2f", 0.75);
    assert_string_equal(probe, "0,75"); /* the premise: this locale writes a comma */

    fixture *fx = fixture_new();
    char path[4200];
    snprintf(path, sizeof path, "%s/ranked.csv", dir);
    saksi_error err = {0};
    saksi_status rc = saksi_report_ranked_csv(path, fx->t, &fx->res, "en", &err);
    saksi_summary s = sample_summary();
    char jpath[4200];
    snprintf(jpath, sizeof jpath, "%s/summary.json", dir);
    FILE *f = fopen(jpath, "w");
    saksi_status rj = saksi_summary_write_json(&s, f, &err);
    fclose(f);
    setlocale(LC_NUMERIC, "C");
    unsetenv("LOCPATH"); /* where test_comma_locale set it: not for the tests after */
    unsetenv("LOCPATH");
    assert_int_equal(rc, SAKSI_OK);
    assert_int_equal(rj, SAKSI_OK);
    char *text = test_read_file(path, NULL);
    assert_non_null(strstr(text, ",2,0.75,"));
    assert_null(strstr(text, "0,75"));
    free(text);
    check_summary_file(jpath);
    test_rmtree(dir);
    fixture_free(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_field_quoting),
        cmocka_unit_test(test_ranked_csv),
        cmocka_unit_test(test_quarantine_csv),
        cmocka_unit_test(test_csv_failures),
        cmocka_unit_test(test_summary_json),
        cmocka_unit_test(test_decimal_point_under_comma_locale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
