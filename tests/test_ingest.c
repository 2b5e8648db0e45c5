/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_ingest.c — the canonical CSV ingest: the hand-checked fixtures in
 * datasets/fixtures (expected values written beside them in its README),
 * every quarantine reason, CSV dialect details (BOM, CRLF, quotes, blank
 * lines), bounded buffers down to 1 byte, header errors and column maps.
 * Storage (missing files, gzip, xz, SHA-256), stop requests and progress
 * are in test_ingest_stream.c.
 * LABELS: unit
 */
#include "ingest_support.h"

/* ------------------------------------------------------------------ */
/* The fixtures                                                        */
/* ------------------------------------------------------------------ */

/* datasets/fixtures/good.csv, values read off the file by hand (its
 * README has the same table). */
static void test_good_fixture(void **state)
{
    (void)state;
    result r;
    run_ok(&r, FIXTURES "good.csv", NULL);
    assert_int_equal(r.st.records, 6);
    assert_int_equal(r.st.accepted, 6);
    assert_int_equal(r.st.quarantined, 0);
    assert_int_equal(r.st.missing_cells, 2); /* valid and total of ...002 */
    assert_int_equal(r.st.blank_lines, 0);
    assert_string_equal(r.st.ignored_columns, "note");
    static const struct {
        const char *id;
        int32_t v[6]; /* registered, valid, invalid, total, cand_01, cand_02 */
        uint64_t line;
        const char *province, *regency, *district;
    } want[] = {
        {"3171010001001", {250, 200, 5, 205, 120, 80}, 2, "31", "3171", "317101"},
        {"3171010001002", {240, M, 3, M, 100, 90}, 3, "31", "3171", "317101"},
        {"3171010001003", {230, 190, -2, 188, 95, 95}, 4, "31", "3171", "317101"},
        {"X-1", {300, 2147483647, 0, -2147483647, 1, 2}, 5, "Jawa Barat", "Bandung", ""},
        {"3171010001005", {100, 90, 0, 90, 45, 45}, 6, "31", "3171", "317101"},
        /* after the quoted note that spans lines 6 and 7 */
        {"3171010001006", {80, 70, 1, 71, 35, 35}, 8, "31", "3171", "317101"},
    };
    static const int fields[6] = {SAKSI_F_REGISTERED, SAKSI_F_VALID, SAKSI_F_INVALID,
                                  SAKSI_F_TOTAL,      SAKSI_NFIXED,  SAKSI_NFIXED + 1};
    const saksi_table *t = r.t;
    assert_int_equal(t->ncand, 2);
    assert_string_equal(t->cand_label[0], "01");
    assert_string_equal(t->cand_label[1], "02");
    assert_int_equal(t->slot_of_field[SAKSI_F_VOTERS_DPT], -1);
    for (size_t w = 0; w < sizeof want / sizeof *want; w++) {
        size_t i = row_of(t, want[w].id);
        for (int k = 0; k < 6; k++)
            assert_int_equal(saksi_table_get(t, fields[k], i), want[w].v[k]);
        assert_int_equal(t->src_line[i], want[w].line);
        const saksi_regions *rg = t->regions;
        assert_string_equal(rg[1].code[t->region_of[1][i]], want[w].province);
        assert_string_equal(rg[2].code[t->region_of[2][i]], want[w].regency);
        assert_string_equal(rg[3].code[t->region_of[3][i]], want[w].district);
    }
    /* an absent field reads as missing */
    assert_int_equal(saksi_table_get(t, SAKSI_F_VOTERS_DPT, 0), M);
    done(&r);
}

/* datasets/fixtures/bad.csv: one record per quarantine reason between good
 * ones; lines, columns and details by hand (README). */
static const qwant bad_fixture[] = {
    {3, 0, SAKSI_Q_FIELD_COUNT, "", "A02", "expected 5 fields, found 4"},
    {4, 0, SAKSI_Q_FIELD_COUNT, "", "A03", "expected 5 fields, found 6"},
    {5, 3, SAKSI_Q_NOT_INTEGER, "valid", "A04", "\"1.827\" is not an integer count"},
    {6, 4, SAKSI_Q_NOT_INTEGER, "cand_01", "A05", "\"12a\" is not an integer count"},
    {7, 2, SAKSI_Q_NOT_INTEGER, "registered", "A06", "\"1e3\" is not an integer count"},
    {8, 2, SAKSI_Q_OVERFLOW, "registered", "A07", "\"2147483648\" " RANGE_MSG},
    {9, 3, SAKSI_Q_OVERFLOW, "valid", "A08", "\"-2147483648\" " RANGE_MSG},
    /* "A10,100,9" is 9 bytes: the 0xFF is byte 10 */
    {11, 3, SAKSI_Q_ENCODING, "valid", "A10", "invalid UTF-8: byte 0xFF at byte 10 of the record"},
    {12, 1, SAKSI_Q_DUPLICATE_ID, "station_id", "A01", "duplicate of line 2"},
    {13, 1, SAKSI_Q_MISSING_ID, "station_id", "", "empty station id"},
    {14, 1, SAKSI_Q_MISSING_ID, "station_id", "", "empty station id"},
    {15, 3, SAKSI_Q_BAD_QUOTE, "valid", "A11", STRAY_MSG},
    {16, 3, SAKSI_Q_BAD_QUOTE, "valid", "A12", STRAY_MSG},
    {18, 5, SAKSI_Q_BAD_QUOTE, "cand_02", "A14",
     "quoted field never closed: the record runs to the end of the input"},
};

static void test_bad_fixture(void **state)
{
    (void)state;
    result r;
    run_ok(&r, FIXTURES "bad.csv", NULL);
    /* lines 2..18 are 17 records (line 19 lies inside line 18's quote) */
    assert_int_equal(r.st.records, 17);
    assert_int_equal(r.st.accepted, 3);
    assert_int_equal(r.st.quarantined, 14);
    assert_int_equal(r.st.missing_cells, 1);
    assert_string_equal(r.st.ignored_columns, "");
    assert_quarantine(r.q, bad_fixture, sizeof bad_fixture / sizeof *bad_fixture);
    assert_string_equal(r.q->files[r.q->rec[0].file], FIXTURES "bad.csv");
    const saksi_table *t = r.t;
    size_t i = row_of(t, "A01");
    assert_int_equal(saksi_table_get(t, SAKSI_F_REGISTERED, i), 100);
    assert_int_equal(t->src_line[i], 2);
    i = row_of(t, "A09"); /* the int32 extremes that are not reserved */
    assert_int_equal(saksi_table_get(t, SAKSI_F_REGISTERED, i), 2147483647);
    assert_int_equal(saksi_table_get(t, SAKSI_F_VALID, i), -2147483647);
    i = row_of(t, "A13"); /* negative kept (a finding), empty is missing */
    assert_int_equal(saksi_table_get(t, SAKSI_F_REGISTERED, i), -5);
    assert_int_equal(saksi_table_get(t, SAKSI_F_VALID, i), M);
    assert_int_equal(saksi_table_get(t, SAKSI_NFIXED + 1, i), 50);
    done(&r);
}

/* ------------------------------------------------------------------ */
/* Dialect: BOM, CRLF, quotes, blank lines, buffer sizes               */
/* ------------------------------------------------------------------ */

/* good.csv rewritten with a BOM and CRLF line ends (the newline inside the
 * quoted note becomes CRLF too; the note is ignored) gives the same. */
static void test_bom_crlf(void **state)
{
    (void)state;
    size_t len = 0;
    char *text = test_read_file(FIXTURES "good.csv", &len);
    char *crlf = malloc(2 * len + 4);
    size_t n = 0;
    memcpy(crlf, "\xEF\xBB\xBF", 3);
    n = 3;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') crlf[n++] = '\r';
        crlf[n++] = text[i];
    }
    const char *path = tmp_write("good_crlf.csv", crlf, n);
    /* and without the final line end */
    const char *path2 = tmp_write("good_crlf_noeol.csv", crlf, n - 2);
    result a, b, c;
    run_ok(&a, FIXTURES "good.csv", NULL);
    /* 1 to 3 bytes per read split the BOM and the CRLF pairs */
    const size_t buffers[] = {0, 1, 2, 3, 7};
    for (size_t k = 0; k < sizeof buffers / sizeof *buffers; k++) {
        saksi_ingest_options opt = {.buffer_bytes = buffers[k]};
        run_ok(&b, path, &opt);
        run_ok(&c, path2, &opt);
        assert_same(&a, &b, 0);
        assert_same(&a, &c, 0);
        done(&b);
        done(&c);
    }
    done(&a);
    free(text);
    free(crlf);
}

static void test_quotes(void **state)
{
    (void)state;
    /* quoted id with a comma, doubled quotes and a newline; quoted counts;
     * spaces around quotes; a quoted empty count is missing */
    const char *path = tmp_text("quotes.csv", "station_id,registered,cand_a,note\n"
                                              "\"S,1\",\"12\",  \"3\"  ,\"a \"\"b\"\"\nc\nd\"\n"
                                              "\"S \"\"2\"\"\",5,\"\",x\n"
                                              "S3,\"1,827\",1,y\n"
                                              "S4,\"7\n\",1,z\n"
                                              "S5,1,2,\"\"\n"
                                              "S6,1,2\n");
    result r;
    run_ok(&r, path, NULL);
    assert_int_equal(r.st.records, 6);
    assert_int_equal(r.st.accepted, 3); /* S,1  S "2"  S5 */
    assert_int_equal(r.st.missing_cells, 1);
    size_t i = row_of(r.t, "S,1");
    assert_int_equal(saksi_table_get(r.t, SAKSI_F_REGISTERED, i), 12);
    assert_int_equal(saksi_table_get(r.t, SAKSI_NFIXED, i), 3);
    assert_int_equal(r.t->src_line[i], 2);
    i = row_of(r.t, "S \"2\"");
    assert_int_equal(saksi_table_get(r.t, SAKSI_NFIXED, i), M);
    /* the first record spans lines 2-4, so S "2" is on line 5 */
    assert_int_equal(r.t->src_line[i], 5);
    i = row_of(r.t, "S5");
    assert_int_equal(r.t->src_line[i], 9);
    const qwant want[] = {
        /* a quoted thousands separator is still not an integer */
        {6, 2, SAKSI_Q_NOT_INTEGER, "registered", "S3", "\"1,827\" is not an integer count"},
        /* a newline inside a quoted count: record on lines 7-8 */
        {7, 2, SAKSI_Q_NOT_INTEGER, "registered", "S4", "\"7\n\" is not an integer count"},
        {10, 0, SAKSI_Q_FIELD_COUNT, "", "S6", "expected 4 fields, found 3"},
    };
    /* the quarantine turns the newline of the detail into a space */
    qwant w2[3];
    memcpy(w2, want, sizeof want);
    w2[1].detail = "\"7 \" is not an integer count";
    assert_quarantine(r.q, w2, 3);
    done(&r);
}

/* Blank lines (empty or a lone CR) hold no record: counted apart, and the
 * lines after them keep their numbers. */
static void test_blank_lines(void **state)
{
    (void)state;
    const char *path = tmp_text("blank.csv", "\n\nstation_id,registered,cand_1\n"
                                             "A,1,1\n\r\n\nB,2,x\n\n");
    result r;
    run_ok(&r, path, NULL);
    assert_int_equal(r.st.blank_lines, 5);
    assert_int_equal(r.st.records, 2);
    assert_int_equal(r.t->src_line[row_of(r.t, "A")], 4);
    const qwant want[] = {
        {7, 3, SAKSI_Q_NOT_INTEGER, "cand_1", "B", "\"x\" is not an integer count"}};
    assert_quarantine(r.q, want, 1);
    done(&r);
}

/* Counts: signs, leading zeros, spaces, and what is not an integer. */
static void test_counts(void **state)
{
    (void)state;
    const char *path = tmp_text("counts.csv", "station_id,registered,cand_1\n"
                                              "a,+0,-0\n"
                                              "b,00012, 7 \n"
                                              "c,-2147483647,2147483647\n"
                                              "d,+,1\n"
                                              "e,-,1\n"
                                              "f,1 2,1\n"
                                              "g,0x10,1\n"
                                              "h,99999999999999999999999,1\n"
                                              "i,- 5,1\n"
                                              "j,\t5,1\n"
                                              "k,5-,1\n"
                                              "l,99999999999999999999999x,1\n");
    result r;
    run_ok(&r, path, NULL);
    assert_int_equal(r.st.accepted, 3);
    const saksi_table *t = r.t;
    assert_int_equal(saksi_table_get(t, SAKSI_F_REGISTERED, row_of(t, "a")), 0);
    assert_int_equal(saksi_table_get(t, SAKSI_NFIXED, row_of(t, "a")), 0);
    assert_int_equal(saksi_table_get(t, SAKSI_F_REGISTERED, row_of(t, "b")), 12);
    assert_int_equal(saksi_table_get(t, SAKSI_NFIXED, row_of(t, "b")), 7);
    assert_int_equal(saksi_table_get(t, SAKSI_F_REGISTERED, row_of(t, "c")), -2147483647);
    const qwant want[] = {
        {5, 2, SAKSI_Q_NOT_INTEGER, "registered", "d", "\"+\" is not an integer count"},
        {6, 2, SAKSI_Q_NOT_INTEGER, "registered", "e", "\"-\" is not an integer count"},
        {7, 2, SAKSI_Q_NOT_INTEGER, "registered", "f", "\"1 2\" is not an integer count"},
        {8, 2, SAKSI_Q_NOT_INTEGER, "registered", "g", "\"0x10\" is not an integer count"},
        {9, 2, SAKSI_Q_OVERFLOW, "registered", "h", "\"99999999999999999999999\" " RANGE_MSG},
        {10, 2, SAKSI_Q_NOT_INTEGER, "registered", "i", "\"- 5\" is not an integer count"},
        /* only spaces are trimmed; the tab shows as a space in the detail */
        {11, 2, SAKSI_Q_NOT_INTEGER, "registered", "j", "\" 5\" is not an integer count"},
        {12, 2, SAKSI_Q_NOT_INTEGER, "registered", "k", "\"5-\" is not an integer count"},
        /* not an integer takes precedence over out of range */
        {13, 2, SAKSI_Q_NOT_INTEGER, "registered", "l",
         "\"99999999999999999999999x\" is not an integer count"},
    };
    assert_quarantine(r.q, want, sizeof want / sizeof *want);
    done(&r);
}

/* UTF-8: valid multi-byte text passes; overlong forms, surrogates, bytes
 * that never occur and truncated sequences are quarantined in their column. */
static void test_encoding(void **state)
{
    (void)state;
    const char *path = tmp_text("utf8.csv", "station_id,registered,cand_1,note\n"
                                            "TPS-\xC3\xA9,1,1,Jawa Tengah \xE2\x80\x93 Kudus\n"
                                            "b,1,1,\xC0\xAF\n"
                                            "c,1,1,\xED\xA0\x80\n"
                                            "d,1,1,\xF5\x80\x80\x80\n"
                                            "e,1,1,\xE2\x82\n"
                                            "f\xFF,1,1,x\n"
                                            "g,1,1,\xF0\x9F\x98\x80\n");
    result r;
    run_ok(&r, path, NULL);
    assert_int_equal(r.st.accepted, 2);
    row_of(r.t, "TPS-\xC3\xA9");
    row_of(r.t, "g");
    const qwant want[] = {
        {3, 4, SAKSI_Q_ENCODING, "note", "b", "invalid UTF-8: byte 0xC0 at byte 7 of the record"},
        {4, 4, SAKSI_Q_ENCODING, "note", "c", "invalid UTF-8: byte 0xED at byte 7 of the record"},
        {5, 4, SAKSI_Q_ENCODING, "note", "d", "invalid UTF-8: byte 0xF5 at byte 7 of the record"},
        {6, 4, SAKSI_Q_ENCODING, "note", "e", "invalid UTF-8: byte 0xE2 at byte 7 of the record"},
        /* a broken id is not copied into the report */
        {7, 1, SAKSI_Q_ENCODING, "station_id", "",
         "invalid UTF-8: byte 0xFF at byte 2 of the record"},
    };
    assert_quarantine(r.q, want, sizeof want / sizeof *want);
    done(&r);
}

/* A NUL byte is not text: it would cut an id or a name short as a C
 * string downstream. */
static void test_nul_bytes(void **state)
{
    (void)state;
    static const char text[] = "station_id,registered,cand_1\n"
                               "a,1,1\n"
                               "b,1\0,1\n"
                               "c\0d,1,1\n"
                               "e,1,1\n";
    result r;
    run_ok(&r, tmp_write("nul.csv", text, sizeof text - 1), NULL);
    assert_int_equal(r.st.accepted, 2);
    const qwant want[] = {
        {3, 2, SAKSI_Q_ENCODING, "registered", "b", "NUL byte at byte 4 of the record"},
        {4, 1, SAKSI_Q_ENCODING, "station_id", "", "NUL byte at byte 2 of the record"},
    };
    assert_quarantine(r.q, want, 2);
    done(&r);
    /* in the header it is a data error */
    static const char head[] = "station_id,regis\0tered,cand_1\n";
    run(&r, tmp_write("nulh.csv", head, sizeof head - 1), NULL);
    assert_int_equal(r.rc, SAKSI_ERR_DATA);
    assert_non_null(strstr(r.err.message, "byte 0x00 in column 2"));
    done(&r);
}

/* Region cells longer than the header (their scratch space is sized by
 * the record, not by the header) and empty region cells. */
static void test_long_regions(void **state)
{
    (void)state;
    /* Records longer than the 4 KiB the scratch buffers start with (a long
     * ignored note), regions as long as codes may be (SAKSI_MAX_CODE_BYTES)
     * and one byte longer: that record is quarantined, since every row of
     * the report's region tables would be as wide. */
    static char text[32768], prov[SAKSI_MAX_CODE_BYTES + 2], note[5001];
    memset(prov, 'P', SAKSI_MAX_CODE_BYTES);
    prov[SAKSI_MAX_CODE_BYTES] = '\0';
    memset(note, 'n', 5000);
    note[5000] = '\0';
    snprintf(text, sizeof text,
             "station_id,province,regency,registered,cand_1,note\n"
             "S1,%s,R,1,1,%s\n"
             "3201010001001,,,2,2,\n"
             "S2,\"%s\",R2,3,3,\"%s\"\n"
             "S3,%sQ,R3,4,4,\n",
             prov, note, prov, note, prov);
    result r;
    run_ok(&r, tmp_text("regions.csv", text), NULL);
    const saksi_table *t = r.t;
    size_t i = row_of(t, "S1");
    assert_string_equal(t->regions[1].code[t->region_of[1][i]], prov);
    assert_string_equal(t->regions[2].code[t->region_of[2][i]], "R");
    i = row_of(t, "S2");
    assert_string_equal(t->regions[1].code[t->region_of[1][i]], prov);
    assert_string_equal(t->regions[2].code[t->region_of[2][i]], "R2");
    /* empty cells: levels come from the 13-digit id */
    i = row_of(t, "3201010001001");
    assert_string_equal(t->regions[1].code[t->region_of[1][i]], "32");
    assert_string_equal(t->regions[2].code[t->region_of[2][i]], "3201");
    assert_string_equal(t->regions[4].code[t->region_of[4][i]], "3201010001");
    assert_int_equal(t->regions[1].n, 2);
    assert_int_equal(t->n, 3);
    assert_int_equal(r.q->n, 1);
    assert_int_equal(r.q->rec[0].line, 5);
    assert_int_equal(r.q->rec[0].column, 2);
    assert_int_equal(r.q->rec[0].reason, SAKSI_Q_CODE_TOO_LONG);
    assert_string_equal(r.q->rec[0].station_id, "S3");
    char want[96];
    snprintf(want, sizeof want, "is %d bytes long, more than SAKSI_MAX_CODE_BYTES",
             SAKSI_MAX_CODE_BYTES + 1);
    assert_non_null(strstr(r.q->rec[0].detail, want));
    done(&r);
}

/* A record longer than max_line_bytes is quarantined and the next record
 * is read normally, whether the long one fits in the read buffer or not,
 * and whether its extra length hides quoted newlines. */
static void test_line_too_long(void **state)
{
    (void)state;
    char text[2048];
    char pad[201];
    memset(pad, 'p', 200);
    pad[200] = '\0';
    snprintf(text, sizeof text,
             "station_id,registered,cand_1,note\n"
             "A,1,1,short\n"
             "B,2,2,%s\n"           /* 2+2+2+200 = 206 bytes */
             "C,3,3,\"%s\n%s\n\"\n" /* 6 + 1 + 200 + 1 + 200 + 1 + 1 = 410 bytes, 3 lines */
             "D,4,4,ok\n"
             "E,5,x,ok\n",
             pad, pad, pad);
    const char *path = tmp_text("long.csv", text);
    const size_t buffers[] = {0, 7, 64, 300, 1 << 16};
    for (size_t b = 0; b < sizeof buffers / sizeof *buffers; b++) {
        saksi_ingest_options opt = {.max_line_bytes = 100, .buffer_bytes = buffers[b]};
        result r;
        run_ok(&r, path, &opt);
        assert_int_equal(r.st.records, 5);
        assert_int_equal(r.st.accepted, 2);
        assert_int_equal(r.t->src_line[row_of(r.t, "D")], 7);
        const qwant want[] = {
            {3, 0, SAKSI_Q_LINE_TOO_LONG, "", "B",
             "record of 206 bytes is longer than max_line_bytes (100)"},
            {4, 0, SAKSI_Q_LINE_TOO_LONG, "", "C",
             "record of 410 bytes is longer than max_line_bytes (100)"},
            {8, 3, SAKSI_Q_NOT_INTEGER, "cand_1", "E", "\"x\" is not an integer count"},
        };
        assert_quarantine(r.q, want, 3);
        done(&r);
    }
}

/* A read buffer far smaller than a record, down to one byte, gives the same
 * table, counters and quarantine as the default 4 MiB (the BOM, CRLF pairs
 * and quotes then fall across chunk boundaries). */
static void test_tiny_buffers(void **state)
{
    (void)state;
    const char *files[] = {FIXTURES "good.csv", FIXTURES "bad.csv", FIXTURES "mapped.csv"};
    saksi_error err = {0};
    saksi_colmap *m = saksi_colmap_alloc();
    assert_int_equal(saksi_colmap_read(m, FIXTURES "mapped.map", &err), SAKSI_OK);
    const size_t buffers[] = {1, 2, 3, 7, 64, 1000};
    for (size_t f = 0; f < 3; f++) {
        saksi_ingest_options def = {.map = m};
        result a;
        run_ok(&a, files[f], &def);
        for (size_t b = 0; b < sizeof buffers / sizeof *buffers; b++) {
            saksi_ingest_options opt = {.map = m, .buffer_bytes = buffers[b]};
            result r;
            run_ok(&r, files[f], &opt);
            assert_same(&a, &r, 1);
            done(&r);
        }
        done(&a);
    }
    saksi_colmap_free(m);
}

/* ------------------------------------------------------------------ */
/* Header                                                              */
/* ------------------------------------------------------------------ */

static void expect_data_error(const char *name, const char *text, const saksi_colmap *m,
                              const char *message_part)
{
    const char *path = tmp_text(name, text);
    saksi_ingest_options opt = {.map = m};
    result r;
    run(&r, path, &opt);
    if (r.rc != SAKSI_ERR_DATA || !strstr(r.err.message, message_part))
        fail_msg("%s: status %d '%s', expected SAKSI_ERR_DATA with '%s'", name, r.rc, r.err.message,
                 message_part);
    /* the message names the file */
    assert_non_null(strstr(r.err.message, path));
    done(&r);
}

static void test_header_errors(void **state)
{
    (void)state;
    expect_data_error("h1.csv", "id,registered,cand_1\nA,1,1\n", NULL,
                      "line 1: the header has no station_id column");
    expect_data_error("h2.csv", "station_id,dpt,cand_1\nA,1,1\n", NULL,
                      "line 1: the header has no registered column");
    expect_data_error("h3.csv", "station_id,registered,paslon_1\n", NULL,
                      "line 1: the header has no candidate column");
    expect_data_error("h4.csv", "station_id,registered,cand_1,valid,registered\n", NULL,
                      "line 1: columns 2 'registered' and 5 'registered' both give the canonical "
                      "field 'registered'");
    expect_data_error("h5.csv", "station_id,cand_1,registered,cand_1\n", NULL,
                      "columns 2 'cand_1' and 4 'cand_1' both give the canonical field 'cand_1'");
    /* a blank line before the header moves it to line 2 */
    expect_data_error("h6.csv", "\nstation_id,province,registered,cand_1,province\n", NULL,
                      "line 2: columns 2 'province' and 5 'province'");
    saksi_error err = {0};
    saksi_colmap *m = saksi_colmap_alloc();
    assert_int_equal(saksi_colmap_add(m, "registered=DPT", &err), SAKSI_OK);
    expect_data_error("h7.csv", "station_id,registered,DPT,cand_1\n", m,
                      "columns 2 'registered' and 3 'DPT' (mapped to 'registered') both give the "
                      "canonical field 'registered'");
    saksi_colmap_free(m);
    expect_data_error("h8.csv", "station_id,regis\"tered,cand_1\n", NULL,
                      "line 1: column 2 of the header has a stray quote");
    expect_data_error("h9.csv", "station_id,\"registered,cand_1\nA,1,1\n", NULL,
                      "line 1: the header has an unterminated quote");
    expect_data_error("h10.csv", "station_id,registered,cand_\xE9\n", NULL,
                      "line 1: the header is not valid UTF-8 (byte 0xE9 in column 3)");
    expect_data_error("h11.csv", "", NULL, "no header row (the input is empty)");
    expect_data_error("h12.csv", "\xEF\xBB\xBF\r\n\n", NULL, "no header row");
    /* a header-only file with a bad header is not valid either */
    expect_data_error("h13.csv", "station_id,cand_1\n", NULL, "no registered column");

    /* a header longer than max_line_bytes is beyond a limit */
    const char *path = tmp_text("h14.csv", "station_id,registered,cand_1,a_long_ignored_column\n");
    saksi_ingest_options opt = {.max_line_bytes = 20};
    result r;
    run(&r, path, &opt);
    assert_int_equal(r.rc, SAKSI_ERR_LIMIT);
    assert_non_null(strstr(r.err.message, "the header is longer than 20 bytes"));
    done(&r);
}

/* A valid header and no records is a valid, empty input. */
static void test_header_only(void **state)
{
    (void)state;
    result r;
    run_ok(&r, tmp_text("ho.csv", "station_id,registered,cand_1\n\n"), NULL);
    assert_int_equal(r.t->n, 0);
    assert_int_equal(r.st.records, 0);
    assert_int_equal(r.st.blank_lines, 1);
    done(&r);
    run_ok(&r, tmp_text("ho2.csv", "station_id,registered,cand_1"), NULL);
    assert_int_equal(r.t->n, 0);
    done(&r);
}

/* Unknown columns are listed; a long list ends in "...". */
static void test_ignored_columns(void **state)
{
    (void)state;
    char text[8192] = "station_id,registered,cand_1";
    char expect[8192] = "";
    size_t n = strlen(text);
    for (int k = 0; k < 60; k++) {
        char name[32];
        snprintf(name, sizeof name, "unknown_column_%02d", k); /* 17 bytes */
        n += (size_t)snprintf(text + n, sizeof text - n, ",%s", name);
        snprintf(expect + strlen(expect), sizeof expect - strlen(expect), "%s%s", k ? "," : "",
                 name);
    }
    snprintf(text + n, sizeof text - n, "\n");
    result r;
    run_ok(&r, tmp_text("ign.csv", text), NULL);
    /* 18 bytes per name with its comma: 28 names (503 bytes) fit before ",..." in 511 */
    expect[28 * 18 - 1] = '\0';
    strcat(expect, ",...");
    assert_string_equal(r.st.ignored_columns, expect);
    assert_int_equal(strlen(r.st.ignored_columns), 28 * 18 - 1 + 4);
    done(&r);
}

/* Unnamed columns are listed by number. */
static void test_unnamed_columns(void **state)
{
    (void)state;
    result r;
    run_ok(&r, tmp_text("unnamed.csv", "station_id, ,registered,cand_1,\nA,x,1,1,\n"), NULL);
    assert_string_equal(r.st.ignored_columns, "(column 2),(column 5)");
    assert_int_equal(r.st.accepted, 1);
    done(&r);
}

/* The mapped fixture: a Sirekap-like header through mapped.map. */
static void test_mapped_fixture(void **state)
{
    (void)state;
    saksi_error err = {0};
    saksi_colmap *m = saksi_colmap_alloc();
    assert_int_equal(saksi_colmap_read(m, FIXTURES "mapped.map", &err), SAKSI_OK);
    saksi_ingest_options opt = {.map = m};
    result r;
    run_ok(&r, FIXTURES "mapped.csv", &opt);
    assert_int_equal(r.st.accepted, 3);
    assert_int_equal(r.st.quarantined, 1);
    assert_string_equal(r.st.ignored_columns, "prov_slug,sirekap_ts");
    const saksi_table *t = r.t;
    size_t i = row_of(t, "1101012001001");
    assert_int_equal(saksi_table_get(t, SAKSI_F_REGISTERED, i), 284);
    assert_int_equal(saksi_table_get(t, SAKSI_F_REGISTERED_MALE, i), 139);
    assert_int_equal(saksi_table_get(t, SAKSI_F_VALID, i), 165);
    assert_int_equal(saksi_table_get(t, SAKSI_NFIXED + 0, i), 144);
    assert_int_equal(saksi_table_get(t, SAKSI_NFIXED + 1, i), 19);
    assert_int_equal(saksi_table_get(t, SAKSI_NFIXED + 2, i), 2);
    i = row_of(t, "1101012001003");
    assert_int_equal(saksi_table_get(t, SAKSI_NFIXED + 2, i), M);
    assert_int_equal(r.st.missing_cells, 2); /* paslon_03 and suara_sah of ...003 */
    const qwant want[] = {{5, 4, SAKSI_Q_NOT_INTEGER, "paslon_02", "9949010001005",
                           "\"1.827\" is not an integer count"}};
    assert_quarantine(r.q, want, 1);
    done(&r);
    /* without the map the same file has no station_id */
    run(&r, FIXTURES "mapped.csv", NULL);
    assert_int_equal(r.rc, SAKSI_ERR_DATA);
    done(&r);
    saksi_colmap_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_fixture),    cmocka_unit_test(test_bad_fixture),
        cmocka_unit_test(test_bom_crlf),        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_blank_lines),     cmocka_unit_test(test_counts),
        cmocka_unit_test(test_encoding),        cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_long_regions),    cmocka_unit_test(test_unnamed_columns),
        cmocka_unit_test(test_line_too_long),   cmocka_unit_test(test_tiny_buffers),
        cmocka_unit_test(test_header_errors),   cmocka_unit_test(test_header_only),
        cmocka_unit_test(test_ignored_columns), cmocka_unit_test(test_mapped_fixture),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
