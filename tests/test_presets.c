/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_presets.c — presets: the syntax and its errors, the cell options
 * (thousands separator in groups of three, zero decimal fraction, missing
 * tokens), timestamps, the binding to a header (sums, composite ids,
 * candidates = rest, filter, header row, ';'), CSV members of zip and tar
 * archives, and every built-in preset and rules file parsing.
 * LABELS: unit
 */
#include "realdata_support.h"
#include "scratch_dir.h"
#include "analysis.h"
#include "ingest_archive.h"
#include "presets.h"

static saksi_status parse(const char *text, saksi_preset **p, saksi_error *e)
{
    return saksi_preset_parse(text, strlen(text), "test.preset", p, e);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"colour = red\n", "neither an option"},
        {"registered = a\nregistered = b\n", "mapped twice"},
        {"registered = 'x' + a\n", "literal is allowed in station_id only"},
        {"[other]\n", "only section is [compare]"},
        {"encoding = latin1\n", "not supported"},
        {"thousands = .\ndecimal = .\n", "are the same"},
        {"delimiter = none\n", "cannot be none"},
        {"delimiter = ;;\n", "not one character"},
        {"header_row = 0\n", "header_row"},
        {"filter = a = 1\n", "filter = COLUMN == VALUE"},
        {"candidates = all\n", "candidates = rest"},
        {"[compare]\n[compare]\n", "second [compare]"},
        {"[compare]\nthousands = .\n", "belongs before [compare]"},
        {"registered\n", "key = value"},
        {"station_id = a |  | b\n", "empty column name"},
        {"optional = valid\n", "optional = registered"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        saksi_preset *p = NULL;
        saksi_error e = {0};
        saksi_status rc = parse(bad[k].text, &p, &e);
        if (rc != SAKSI_ERR_DATA) fail_msg("'%s' gave status %d (%s)", bad[k].text, rc, e.message);
        assert_null(p);
        if (!strstr(e.message, bad[k].msg))
            fail_msg("'%s': message '%s' lacks '%s'", bad[k].text, e.message, bad[k].msg);
        assert_non_null(strstr(e.message, "test.preset"));
    }
    saksi_preset *p = NULL;
    saksi_error e = {0};
    assert_int_equal(saksi_preset_load("no-such-preset", &p, &e), SAKSI_ERR_USAGE);
    assert_non_null(strstr(e.message, "sirekap-gigit")); /* lists the built-in ones */
    assert_int_equal(saksi_preset_load("/nonexistent/x.preset", &p, &e), SAKSI_ERR_NOINPUT);
}

static void test_cells(void **state)
{
    (void)state;
    saksi_preset *p = NULL;
    saksi_error e = {0};
    if (parse("delimiter = ;\nthousands = .\ndecimal = ,\nmissing = -\nmissing = NA\n"
              "missing_prefix = Data sedang diproses\n",
              &p, &e) != SAKSI_OK)
        fail_msg("%s", e.message);
    static const struct {
        const char *s;
        int r;
        int32_t v;
    } cases[] = {
        /* the gigit Luar Negeri cells: a dot every three digits */
        {"1.827", SAKSI_PCELL_VALUE, 1827},
        {"1.234.567", SAKSI_PCELL_VALUE, 1234567},
        {" 12 ", SAKSI_PCELL_VALUE, 12},
        {"-3", SAKSI_PCELL_VALUE, -3},
        {"12,00", SAKSI_PCELL_VALUE, 12}, /* a zero fraction is an integer */
        {"1.827,0", SAKSI_PCELL_VALUE, 1827},
        {"12,5", SAKSI_PCELL_NOT_INTEGER, 0},
        {"1.82", SAKSI_PCELL_NOT_INTEGER, 0},     /* not a group of three */
        {"1234.567", SAKSI_PCELL_NOT_INTEGER, 0}, /* first group longer than three */
        {"1..827", SAKSI_PCELL_NOT_INTEGER, 0},
        {".827", SAKSI_PCELL_NOT_INTEGER, 0},
        {"12,", SAKSI_PCELL_NOT_INTEGER, 0},
        {"12a", SAKSI_PCELL_NOT_INTEGER, 0},
        {"2.147.483.648", SAKSI_PCELL_OVERFLOW, 0},
        {"-", SAKSI_PCELL_MISSING, 0},
        {"NA", SAKSI_PCELL_MISSING, 0},
        {"", SAKSI_PCELL_MISSING, 0},
        {"Data sedang diproses lihat C1 di: https://x", SAKSI_PCELL_MISSING, 0},
        {"Data sedang", SAKSI_PCELL_NOT_INTEGER, 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        int32_t v = -999;
        int r = saksi_preset_cell(p, cases[k].s, strlen(cases[k].s), &v);
        if (r != cases[k].r) fail_msg("'%s': result %d, expected %d", cases[k].s, r, cases[k].r);
        if (r == SAKSI_PCELL_VALUE) assert_int_equal(v, cases[k].v);
    }
    /* numeric missing tokens are kept for the value check */
    assert_int_equal(p->nmissing_num, 0);
    saksi_preset_free(p);
    assert_int_equal(parse("missing = -1\n", &p, &e), SAKSI_OK);
    assert_int_equal(p->nmissing_num, 1);
    assert_int_equal(p->missing_num[0], -1);
    saksi_preset_free(p);
}

static void test_timestamps(void **state)
{
    (void)state;
    int64_t t;
    /* expected values: Python calendar.timegm((2024,2,14,13,0,0)) and
     * calendar.timegm((2000,2,29,23,59,59)) */
    assert_true(saksi_parse_timestamp("2024-02-14 13:00:00", 19, &t));
    assert_true(t == 1707915600);
    assert_true(saksi_parse_timestamp(" 2000-02-29T23:59:59 ", 21, &t));
    assert_true(t == 951868799);
    static const char *const bad[] = {"2024-02-30 00:00:00", "2024-13-01 00:00:00",
                                      "2024-02-14 24:00:00", "2024-02-14",
                                      "2024/02/14 13:00:00", ""};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++)
        assert_false(saksi_parse_timestamp(bad[k], strlen(bad[k]), &t));
}

/* Ingest path with the preset text; returns the status. */
static saksi_status ingest(const char *path, const char *preset_text, size_t source,
                           saksi_table **t, saksi_ingest_stats *st, saksi_quarantine **q,
                           saksi_error *e)
{
    saksi_preset *p = NULL;
    saksi_status rc = parse(preset_text, &p, e);
    if (rc != SAKSI_OK) return rc;
    *q = saksi_quarantine_alloc();
    saksi_ingest_options opt = {.preset = p, .preset_source = source};
    rc = saksi_ingest_csv(path, &opt, *q, t, st, e);
    saksi_preset_free(p);
    return rc;
}

static size_t row_of(const saksi_table *t, const char *id)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(saksi_table_id(t, i), id) == 0) return i;
    fail_msg("no station %s", id);
    return 0;
}

static const char layout[] = "title line before the header\n"
                             "kel;tps;keep;l;p;A;B;votes x;votes y;note\n"
                             "K1;1;1;10;12;5;6;3;4;a\n"
                             "K1;2;1;-1;7;;6;1.000;2;b\n"
                             "K1;3;0;1;1;1;1;1;1;placeholder\n"
                             "K2;1;1;3;4;1;2;9;x;c\n"
                             ";;1;1;1;1;1;1;1;d\n";

static const char layout_preset[] = "# a layout with everything a preset can say\n"
                                    "delimiter = ;\n"
                                    "header_row = 2\n"
                                    "thousands = .\n"
                                    "missing = -1\n"
                                    "filter = keep == 1\n"
                                    "station_id = kel + '-' + tps\n"
                                    "village = kel\n"
                                    "registered = l + p\n"
                                    "registered_male = l\n"
                                    "valid = A + B\n"
                                    "candidates = rest\n"
                                    "ignore = note | keep\n"
                                    "[compare]\n"
                                    "source = second\n"
                                    "cand_votes x = votes x | votes z\n"
                                    "cand_A = A\n";

static void test_layout(void **state)
{
    (void)state;
    saksi_table *t = NULL;
    saksi_ingest_stats st;
    saksi_quarantine *q = NULL;
    saksi_error e = {0};
    assert_int_equal(test_write_file(at("layout.csv"), layout), 0);
    assert_int_equal(ingest(at("layout.csv"), layout_preset, 0, &t, &st, &q, &e), SAKSI_OK);
    /* 5 data rows: the placeholder (keep = 0) is filtered, not a record;
     * "x" is a bad count; the row without kel and tps has no id */
    assert_int_equal(st.filtered, 1);
    assert_int_equal(st.records, 4);
    assert_int_equal(st.accepted, 2);
    assert_int_equal(st.quarantined, 2);
    assert_int_equal(q->n, 2);
    assert_int_equal(q->rec[0].reason, SAKSI_Q_NOT_INTEGER);
    assert_int_equal(q->rec[0].line, 6);
    assert_int_equal(q->rec[1].reason, SAKSI_Q_MISSING_ID);
    assert_int_equal(t->ncand, 2); /* the rest: "votes x", "votes y" */
    assert_string_equal(t->cand_label[0], "votes x");
    assert_string_equal(t->cand_label[1], "votes y");
    size_t a = row_of(t, "K1-1"), b = row_of(t, "K1-2");
    /* K1-1: registered = 10 + 12, valid = 5 + 6 */
    assert_int_equal(saksi_table_get(t, SAKSI_F_REGISTERED, a), 22);
    assert_int_equal(saksi_table_get(t, SAKSI_F_REGISTERED_MALE, a), 10);
    assert_int_equal(saksi_table_get(t, SAKSI_F_VALID, a), 11);
    assert_int_equal(saksi_table_get(t, SAKSI_NFIXED + 0, a), 3);
    /* K1-2: l = -1 is missing, so registered is; an empty A makes valid
     * missing; "1.000" is 1000 */
    assert_int_equal(saksi_table_get(t, SAKSI_F_REGISTERED_MALE, b), SAKSI_MISSING);
    assert_int_equal(saksi_table_get(t, SAKSI_F_REGISTERED, b), SAKSI_MISSING);
    assert_int_equal(saksi_table_get(t, SAKSI_F_VALID, b), SAKSI_MISSING);
    assert_int_equal(saksi_table_get(t, SAKSI_NFIXED + 0, b), 1000);
    assert_string_equal(t->regions[SAKSI_LEVEL_VILLAGE].code[t->region_of[4][a]], "K1");
    saksi_table_free(t);
    saksi_quarantine_free(q);

    /* the [compare] source: its own counts, the data section's id */
    assert_int_equal(ingest(at("layout.csv"), layout_preset, 1, &t, &st, &q, &e), SAKSI_OK);
    assert_int_equal(st.accepted, 3); /* K2-1 is fine here: "x" is not read */
    assert_int_equal(t->ncand, 2);    /* in header order: A, then "votes x" */
    assert_string_equal(t->cand_label[0], "A");
    assert_string_equal(t->cand_label[1], "votes x");
    assert_int_equal(saksi_table_get(t, SAKSI_NFIXED + 1, row_of(t, "K2-1")), 9);
    assert_int_equal(t->slot_of_field[SAKSI_F_REGISTERED], -1);
    saksi_table_free(t);
    saksi_quarantine_free(q);
}

static void test_binding_errors(void **state)
{
    (void)state;
    saksi_table *t = NULL;
    saksi_ingest_stats st;
    saksi_quarantine *q = NULL;
    saksi_error e = {0};
    assert_int_equal(test_write_file(at("b.csv"), "id,a,b,c\n1,2,3,4\n"), 0);
    /* a sum with one term present and one not */
    assert_int_equal(ingest(at("b.csv"), "station_id = id\nregistered = a + zz\ncand_1 = b\n", 0,
                            &t, &st, &q, &e),
                     SAKSI_ERR_DATA);
    assert_non_null(strstr(e.message, "'zz' is not in the header"));
    saksi_quarantine_free(q);
    /* a field given by a column and by a sum */
    assert_int_equal(ingest(at("b.csv"),
                            "station_id = id\nregistered = a + b\nvalid = c\n"
                            "cand_1 = b\n",
                            0, &t, &st, &q, &e),
                     SAKSI_OK);
    saksi_table_free(t);
    saksi_quarantine_free(q);
    assert_int_equal(test_write_file(at("c.csv"), "id,registered,b,c\n1,2,3,4\n"), 0);
    assert_int_equal(ingest(at("c.csv"),
                            "station_id = id\nregistered = registered\nvalid = b + c\n"
                            "cand_1 = b\nfilter = nope == 1\n",
                            0, &t, &st, &q, &e),
                     SAKSI_ERR_DATA);
    assert_non_null(strstr(e.message, "filter column 'nope'"));
    saksi_quarantine_free(q);
    /* overflow of a sum is a bad record */
    assert_int_equal(test_write_file(at("d.csv"), "id,a,b\n1,2147483647,1\n2,1,1\n"), 0);
    assert_int_equal(ingest(at("d.csv"), "station_id = id\nregistered = a + b\ncand_1 = b\n", 0, &t,
                            &st, &q, &e),
                     SAKSI_OK);
    assert_int_equal(st.accepted, 1);
    assert_int_equal(q->rec[0].reason, SAKSI_Q_OVERFLOW);
    saksi_table_free(t);
    saksi_quarantine_free(q);
    /* optional registered */
    assert_int_equal(ingest(at("d.csv"), "station_id = id\ncand_1 = b\n", 0, &t, &st, &q, &e),
                     SAKSI_ERR_DATA);
    saksi_quarantine_free(q);
    assert_int_equal(ingest(at("d.csv"), "optional = registered\nstation_id = id\ncand_1 = b\n", 0,
                            &t, &st, &q, &e),
                     SAKSI_OK);
    assert_int_equal(t->n, 2);
    saksi_table_free(t);
    saksi_quarantine_free(q);
}

static void test_archives(void **state)
{
    (void)state;
    static const char *const names[] = {"x/one.csv", "x/two.csv", "x/readme.txt"};
    static const char *const texts[] = {"id,reg,v\nA,10,4\nB,11,5\n", "id,reg,v\nC,12,6\n",
                                        "not a csv"};
    static const char preset[] = "station_id = id\nregistered = reg\ncand_1 = v\n"
                                 "members = x/*.csv\n";
    for (int kind = 0; kind < 3; kind++) {
        const char *path = at(kind == 2 ? "a.tar" : "a.zip");
        if (kind == 2)
            assert_int_equal(test_write_tar(path, names, texts, 3), 0);
        else
            assert_int_equal(test_write_zip(path, names, texts, 3, kind), 0);
        saksi_table *t = NULL;
        saksi_ingest_stats st;
        saksi_quarantine *q = NULL;
        saksi_error e = {0};
        assert_int_equal(ingest(path, preset, 0, &t, &st, &q, &e), SAKSI_OK);
        assert_int_equal(t->n, 3);
        assert_int_equal(saksi_table_get(t, SAKSI_NFIXED, row_of(t, "C")), 6);
        /* each member is a file of its own for the quarantine */
        assert_int_equal(q->nfiles, 2);
        assert_non_null(strstr(q->files[1], ":x/two.csv"));
        saksi_table_free(t);
        saksi_quarantine_free(q);
    }
    /* a member whose header differs is an error */
    static const char *const texts2[] = {"id,reg,v\nA,10,4\n", "id,v,reg\nC,6,12\n", ""};
    assert_int_equal(test_write_zip(at("b.zip"), names, texts2, 2, 0), 0);
    saksi_table *t = NULL;
    saksi_ingest_stats st;
    saksi_quarantine *q = NULL;
    saksi_error e = {0};
    assert_int_equal(ingest(at("b.zip"), preset, 0, &t, &st, &q, &e), SAKSI_ERR_DATA);
    assert_non_null(strstr(e.message, "header differs"));
    saksi_quarantine_free(q);
    /* no member matches */
    assert_int_equal(ingest(at("b.zip"),
                            "station_id = id\nregistered = reg\ncand_1 = v\n"
                            "members = *.tsv\n",
                            0, &t, &st, &q, &e),
                     SAKSI_ERR_DATA);
    assert_non_null(strstr(e.message, "no archive member matches"));
    saksi_quarantine_free(q);
    /* a corrupt member: a flipped byte breaks its CRC-32 */
    size_t len;
    assert_int_equal(test_write_zip(at("a.zip"), names, texts, 3, 0), 0);
    char *z = test_read_file(at("a.zip"), &len);
    z[50] ^= 1; /* header 30 + name 9 + "id,reg,v\n" 9: the "1" of "A,10" becomes "0" */
    FILE *f = fopen(at("c.zip"), "wb");
    fwrite(z, 1, len, f);
    fclose(f);
    free(z);
    assert_int_equal(ingest(at("c.zip"), preset, 0, &t, &st, &q, &e), SAKSI_ERR_DATA);
    if (!strstr(e.message, "CRC-32")) fail_msg("%s", e.message);
    saksi_quarantine_free(q);
    /* a truncated tar */
    assert_int_equal(test_write_tar(at("d.tar"), names, texts, 3), 0);
    assert_int_equal(truncate(at("d.tar"), 700), 0);
    assert_int_equal(ingest(at("d.tar"), preset, 0, &t, &st, &q, &e), SAKSI_ERR_DATA);
    saksi_quarantine_free(q);
}

static void test_globs(void **state)
{
    (void)state;
    assert_true(saksi_archive_glob("*.csv", "a/b.csv"));
    assert_true(saksi_archive_glob("result/*.csv", "result/banyumas.csv"));
    assert_false(saksi_archive_glob("result/*.csv", "source/x.csv"));
    assert_true(saksi_archive_glob("a?c", "abc"));
    assert_false(saksi_archive_glob("a?c", "ac"));
    assert_true(saksi_archive_glob(NULL, "x"));
    assert_true(saksi_archive_glob("*a*b", "xxaxxb"));
    assert_false(saksi_archive_glob("*a*b", "xxaxxbc"));
}

/* Every built-in preset parses, and names built-in rules that parse. */
static void test_builtin(void **state)
{
    (void)state;
    assert_true(saksi_embedded_presets_n >= 5);
    for (size_t k = 0; k < saksi_embedded_presets_n; k++) {
        saksi_preset *p = NULL;
        saksi_error e = {0};
        if (saksi_preset_load(saksi_embedded_presets[k].name, &p, &e) != SAKSI_OK)
            fail_msg("%s: %s", saksi_embedded_presets[k].name, e.message);
        assert_string_equal(saksi_preset_name(p), saksi_embedded_presets[k].name);
        assert_non_null(p->rules);
        char *text = NULL, source[600];
        size_t len;
        saksi_rules *r = NULL;
        assert_int_equal(saksi_preset_rules_text(p->rules, &text, &len, source, sizeof source, &e),
                         SAKSI_OK);
        if (saksi_rules_parse(text, len, source, &r, &e) != SAKSI_OK)
            fail_msg("%s: %s", source, e.message);
        saksi_rules_free(r);
        free(text);
        saksi_preset_free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syntax_errors),  cmocka_unit_test(test_cells),
        cmocka_unit_test(test_timestamps),     cmocka_unit_test(test_layout),
        cmocka_unit_test(test_binding_errors), cmocka_unit_test(test_archives),
        cmocka_unit_test(test_globs),          cmocka_unit_test(test_builtin),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
