/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_sirekap.c — the Sirekap JSON reader on hand-written documents of the
 * published schema: the mapping of chart and administrasi, nulls and absent
 * blocks as missing (counted), the spurious "null" key, metadata, a code
 * that names another TPS; every kind of malformed document quarantined with
 * its file, line, column and reason; directory, JSON Lines, zip and tar
 * inputs; format detection.
 * LABELS: unit
 */
#include "realdata_support.h"
#include "scratch_dir.h"
#include "ingest_sirekap.h"

/* The first document of the raw sample (3101011001001.json), as published. */
static const char doc_good[] =
    "{\"mode\": \"hhcw\", \"chart\": {\"null\": null, \"100025\": 83, \"100026\": 107, "
    "\"100027\": 38}, \"images\": [\"https://sirekap-obj-formc.kpu.go.id/2851/pemilu/ppwp/31/01/"
    "01/10/01/3101011001001-20240214-205639--4f9b.jpg\", null, \"https://sirekap-obj-formc.kpu."
    "go.id/2851/pemilu/ppwp/31/01/01/10/01/3101011001001-20240214-205701--8d32.jpg\"], "
    "\"administrasi\": {\"suara_sah\": 228, \"suara_total\": 233, \"pemilih_dpt_j\": 292, "
    "\"pemilih_dpt_l\": 147, \"pemilih_dpt_p\": 145, \"pengguna_dpt_j\": 292, \"pengguna_dpt_l\": "
    "147, \"pengguna_dpt_p\": 145, \"pengguna_dptb_j\": 1, \"pengguna_dptb_l\": 0, "
    "\"pengguna_dptb_p\": 1, \"suara_tidak_sah\": 5, \"pengguna_total_j\": 292, "
    "\"pengguna_total_l\": 147, \"pengguna_total_p\": 145, \"pengguna_non_dpt_j\": 0, "
    "\"pengguna_non_dpt_l\": 0, \"pengguna_non_dpt_p\": 0}, \"psu\": null, \"ts\": \"2024-02-16 "
    "16:25:10\", \"status_suara\": true, \"status_adm\": true}";
/* No numbers yet (153-byte documents of the sample), */
static const char doc_empty[] =
    "{\"chart\": null, \"images\": [null, null, null], \"administrasi\": null, \"psu\": null, "
    "\"ts\": \"2024-02-15 07:00:44\", \"status_suara\": false, \"status_adm\": false}";
/* an image of another TPS, a null count, no administrasi member at all, a psu. */
static const char doc_other[] =
    "{\"chart\": {\"100025\": 10, \"100026\": null, \"100027\": 5}, \"images\": [\"https://x/"
    "3101011001009-20240214-1.jpg\"], \"psu\": \"ulang\", \"ts\": null}";

typedef struct run {
    saksi_table *t;
    saksi_quarantine *q;
    saksi_station_meta *m;
    saksi_ingest_stats st;
    saksi_error e;
    saksi_status rc;
} run;

static void read_input(run *r, const char *path)
{
    memset(r, 0, sizeof *r);
    r->q = saksi_quarantine_alloc();
    r->m = saksi_meta_alloc(SAKSI_META_SIREKAP);
    r->rc = saksi_ingest_sirekap(path, NULL, r->q, r->m, &r->t, &r->st, &r->e);
    if (r->rc == SAKSI_OK) assert_int_equal(saksi_meta_attach(r->m, r->t, &r->e), SAKSI_OK);
}

static void done(run *r)
{
    saksi_table_free(r->t);
    saksi_quarantine_free(r->q);
    saksi_meta_free(r->m);
}

static size_t row_of(const saksi_table *t, const char *id)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(saksi_table_id(t, i), id) == 0) return i;
    fail_msg("no station %s", id);
    return 0;
}

static void test_mapping(void **state)
{
    (void)state;
    assert_int_equal(mkdir(at("d1"), 0777), 0);
    assert_int_equal(mkdir(at("d1/31"), 0777), 0);
    assert_int_equal(test_write_file(at("d1/31/3101011001001.json"), doc_good), 0);
    assert_int_equal(test_write_file(at("d1/31/3101011001002.json"), doc_empty), 0);
    assert_int_equal(test_write_file(at("d1/3101011001003.json"), doc_other), 0);
    assert_int_equal(test_write_file(at("d1/notes.txt"), "not a document"), 0);
    run r;
    read_input(&r, at("d1"));
    assert_int_equal(r.rc, SAKSI_OK);
    assert_int_equal(r.st.documents, 3);
    assert_int_equal(r.st.records, 3);
    assert_int_equal(r.st.accepted, 3);
    assert_int_equal(r.t->ncand, 3);
    assert_string_equal(r.t->cand_label[0], "01"); /* 100025 = paslon 01 */
    assert_string_equal(r.t->cand_label[2], "03");
    size_t a = row_of(r.t, "3101011001001"), b = row_of(r.t, "3101011001002"),
           c = row_of(r.t, "3101011001003");
    /* values as written in doc_good */
    assert_int_equal(saksi_table_get(r.t, SAKSI_NFIXED + 0, a), 83);
    assert_int_equal(saksi_table_get(r.t, SAKSI_NFIXED + 1, a), 107);
    assert_int_equal(saksi_table_get(r.t, SAKSI_F_VALID, a), 228);
    assert_int_equal(saksi_table_get(r.t, SAKSI_F_INVALID, a), 5);
    assert_int_equal(saksi_table_get(r.t, SAKSI_F_TOTAL, a), 233);
    assert_int_equal(saksi_table_get(r.t, SAKSI_F_REGISTERED_FEMALE, a), 145);
    assert_int_equal(saksi_table_get(r.t, SAKSI_F_VOTERS_DPTB_FEMALE, a), 1);
    assert_int_equal(saksi_table_get(r.t, SAKSI_F_VOTERS_DPK, a), 0);
    assert_int_equal(saksi_table_get(r.t, SAKSI_F_VOTERS_TOTAL, a), 292);
    assert_int_equal(r.t->slot_of_field[SAKSI_F_BALLOTS_USED], -1);
    /* missing is not zero */
    assert_int_equal(saksi_table_get(r.t, SAKSI_NFIXED + 0, b), SAKSI_MISSING);
    assert_int_equal(saksi_table_get(r.t, SAKSI_F_REGISTERED, b), SAKSI_MISSING);
    assert_int_equal(saksi_table_get(r.t, SAKSI_NFIXED + 1, c), SAKSI_MISSING);
    assert_int_equal(saksi_table_get(r.t, SAKSI_NFIXED + 2, c), 5);
    /* 13-digit codes give the regions */
    assert_string_equal(r.t->regions[SAKSI_LEVEL_VILLAGE].code[r.t->region_of[4][a]], "3101011001");
    /* metadata */
    const saksi_meta_rec *ma = saksi_meta_row(r.m, a), *mb = saksi_meta_row(r.m, b),
                         *mc = saksi_meta_row(r.m, c);
    assert_non_null(ma);
    assert_true(ma->ts == 1708100710); /* calendar.timegm((2024,2,16,16,25,10)) */
    assert_int_equal(ma->status_suara, 1);
    assert_int_equal(ma->nimages, 2);
    assert_int_equal(ma->nimages_null, 1);
    assert_int_equal(ma->flags, SAKSI_META_NULL_KEY);
    assert_string_equal(saksi_meta_str(r.m, ma->mode), "hhcw");
    assert_non_null(strstr(saksi_meta_str(r.m, ma->images), "3101011001001-20240214-205701"));
    assert_int_equal(mb->flags, SAKSI_META_ADM_ABSENT | SAKSI_META_CHART_ABSENT);
    assert_int_equal(mb->status_adm, 0);
    assert_int_equal(mc->flags, SAKSI_META_ADM_ABSENT | SAKSI_META_CODE_MISMATCH | SAKSI_META_PSU);
    assert_string_equal(saksi_meta_str(r.m, mc->code_seen), "3101011001009");
    assert_string_equal(saksi_meta_str(r.m, mc->psu), "ulang");
    assert_true(mc->ts == SAKSI_META_NO_TS);
    assert_int_equal(mc->null_values, 1);
    assert_int_equal(r.m->adm_absent, 2);
    assert_int_equal(r.m->chart_absent, 1);
    assert_int_equal(r.m->null_keys, 1);
    assert_int_equal(r.m->code_mismatch, 1);
    done(&r);
}

/* Each malformed document and the reason, line and column it must get. */
static void test_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int reason;
        unsigned line;
        const char *detail;
    } bad[] = {
        {"{\"chart\": {\"100025\": 83,", SAKSI_Q_MALFORMED, 1, "premature EOF"},
        {"{\"chart\": \"83\"}", SAKSI_Q_WRONG_TYPE, 1, "chart is not"},
        {"{\"chart\": {\"100025\": \"83\"}}", SAKSI_Q_WRONG_TYPE, 1, "not a number"},
        {"{\"chart\": {\"100025\": 99999999999}}", SAKSI_Q_OVERFLOW, 1, "int32"},
        {"{\"chart\": {\"100025\": 1.5}}", SAKSI_Q_NOT_INTEGER, 1, "1.5"},
        {"{\"chart\": {\"100025\": 1e3}}", SAKSI_Q_NOT_INTEGER, 1, "1e3"},
        {"{\"administrasi\": {\"suara_sah\": true}}", SAKSI_Q_WRONG_TYPE, 1, "suara_sah"},
        {"{\"x\": [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}", SAKSI_Q_MALFORMED, 1, "nested"},
        {"{\"ts\": \"2024-02-16\xff\"}", SAKSI_Q_ENCODING, 1, "UTF8"},
        {"{\"ts\": \"a\",\n \"ts\": \"b\"}", SAKSI_Q_DUPLICATE_KEY, 2, "\"ts\" given twice"},
        {"{\"chart\": {\"100025\": 1, \"100025\": 2}}", SAKSI_Q_DUPLICATE_KEY, 1, "100025"},
        {"{\"administrasi\": {\"suara_sah\": 1,\n\n \"suara_sah\": 2}}", SAKSI_Q_DUPLICATE_KEY, 3,
         "suara_sah"},
        {"[1, 2]", SAKSI_Q_WRONG_TYPE, 1, "not an object"},
        {"{\"chart\": null} trailing", SAKSI_Q_MALFORMED, 1, "trailing garbage"},
        {"{\"status_suara\": \"yes\"}", SAKSI_Q_WRONG_TYPE, 1, "status"},
        {"{\"images\": [3]}", SAKSI_Q_WRONG_TYPE, 1, "image"},
        {"{// comment\n}", SAKSI_Q_MALFORMED, 1, ""},
    };
    size_t n = sizeof bad / sizeof *bad;
    char name[64];
    assert_int_equal(mkdir(at("d2"), 0777), 0);
    for (size_t k = 0; k < n; k++) {
        snprintf(name, sizeof name, "d2/31010110010%02zu.json", k);
        assert_int_equal(test_write_file(at(name), bad[k].text), 0);
    }
    assert_int_equal(test_write_file(at("d2/3101011001099.json"), doc_good), 0);
    run r;
    read_input(&r, at("d2"));
    assert_int_equal(r.rc, SAKSI_OK);
    assert_int_equal(r.st.records, n + 1);
    assert_int_equal(r.st.accepted, 1);
    assert_int_equal(r.st.quarantined, n);
    assert_int_equal(r.q->n, n);
    for (size_t k = 0; k < n; k++) { /* the walk is in name order: k */
        const saksi_qrecord *q = &r.q->rec[k];
        snprintf(name, sizeof name, "31010110010%02zu.json", k);
        if (q->reason != bad[k].reason || q->line != bad[k].line ||
            !strstr(q->detail, bad[k].detail) || !strstr(r.q->files[q->file], name))
            fail_msg("document %zu (%s): reason %s line %llu detail '%s' file %s", k, bad[k].text,
                     saksi_qreason_name(q->reason), (unsigned long long)q->line, q->detail,
                     r.q->files[q->file]);
        assert_true(q->column >= 1);
    }
    /* the overflow is found at the end of the number: offset 32, the '}'
     * after its eleven digits (offsets 21..31), column 33 */
    assert_int_equal(r.q->rec[3].column, 33);
    done(&r);
}

static void test_lines_and_archives(void **state)
{
    (void)state;
    /* JSON Lines: the code comes from a member, else the images */
    char text[8192];
    snprintf(text, sizeof text, "{\"kode\": \"3101011001001\", %s\n\n{\"chart\": [}\n%s\n",
             doc_good + 1, doc_other);
    assert_int_equal(test_write_file(at("docs.jsonl"), text), 0);
    run r;
    read_input(&r, at("docs.jsonl"));
    assert_int_equal(r.rc, SAKSI_OK);
    assert_int_equal(r.st.accepted, 2);
    assert_int_equal(r.q->n, 1);
    assert_int_equal(r.q->rec[0].line, 3); /* the line of the bad document */
    assert_int_equal(r.q->rec[0].reason, SAKSI_Q_WRONG_TYPE);
    row_of(r.t, "3101011001001");
    row_of(r.t, "3101011001009"); /* from its image */
    /* a document's own code differing from its image's is a finding */
    assert_int_equal(r.m->code_mismatch, 0);
    done(&r);

    static const char *const names[] = {"t/3101011001001.json", "t/3101011001002.json",
                                        "t/readme.md"};
    static const char *const texts[] = {doc_good, doc_empty, "# hi"};
    for (int kind = 0; kind < 3; kind++) {
        const char *path = at(kind == 2 ? "docs.tar" : "docs.zip");
        if (kind == 2)
            assert_int_equal(test_write_tar(path, names, texts, 3), 0);
        else
            assert_int_equal(test_write_zip(path, names, texts, 3, kind), 0);
        int fmt = -1;
        saksi_error e = {0};
        assert_int_equal(saksi_detect_format(path, &fmt, &e), SAKSI_OK);
        assert_int_equal(fmt, SAKSI_FORMAT_SIREKAP);
        read_input(&r, path);
        assert_int_equal(r.rc, SAKSI_OK);
        assert_int_equal(r.st.documents, 2);
        assert_int_equal(r.t->n, 2);
        assert_int_equal(saksi_table_get(r.t, SAKSI_F_TOTAL, row_of(r.t, "3101011001001")), 233);
        done(&r);
    }
    /* duplicates: the same code twice is quarantined */
    static const char *const dup_names[] = {"a/3101011001001.json", "b/3101011001001.json"};
    static const char *const dup_texts[] = {doc_good, doc_good};
    assert_int_equal(test_write_zip(at("dup.zip"), dup_names, dup_texts, 2, 0), 0);
    read_input(&r, at("dup.zip"));
    assert_int_equal(r.st.accepted, 1);
    assert_int_equal(r.st.quarantined, 1);
    assert_int_equal(r.q->rec[0].reason, SAKSI_Q_DUPLICATE_ID);
    done(&r);
    /* an oversized document is quarantined, not read */
    saksi_json_options o = {.max_doc_bytes = 64};
    saksi_quarantine *q = saksi_quarantine_alloc();
    saksi_table *t = NULL;
    saksi_ingest_stats st;
    saksi_error e = {0};
    assert_int_equal(saksi_ingest_sirekap(at("docs.zip"), &o, q, NULL, &t, &st, &e), SAKSI_OK);
    assert_int_equal(st.quarantined, 2);
    assert_int_equal(q->rec[0].reason, SAKSI_Q_LINE_TOO_LONG);
    saksi_table_free(t);
    saksi_quarantine_free(q);
    /* a CSV is a CSV; a missing input is an error */
    int fmt = -1;
    assert_int_equal(test_write_file(at("x.csv"), "station_id,registered,cand_1\nA,1,1\n"), 0);
    assert_int_equal(saksi_detect_format(at("x.csv"), &fmt, &e), SAKSI_OK);
    assert_int_equal(fmt, SAKSI_FORMAT_CSV);
    assert_int_equal(saksi_detect_format(at("nothing"), &fmt, &e), SAKSI_ERR_NOINPUT);
    read_input(&r, at("nothing"));
    assert_int_equal(r.rc, SAKSI_ERR_NOINPUT);
    done(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mapping),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_lines_and_archives),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
