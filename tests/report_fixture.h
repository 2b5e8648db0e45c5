/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_fixture.h — shared by tests/test_report.c and test_report_text.c:
 * six stations with results, quarantine and provenance filled in by hand
 * (every expected value in the tests is derived from it), helpers to run
 * the independent Python readers of tests/read_report.py, and HDF5 C API
 * read-back helpers that use the test's own memory types.
 */
#ifndef SAKSI_REPORT_FIXTURE_H
#define SAKSI_REPORT_FIXTURE_H

#include "test_support.h"

#include "report.h"

#include <dirent.h>
#include <hdf5.h>
#include <inttypes.h>

#define READER "/usr/bin/python3 " SAKSI_SOURCE_DIR "/tests/read_report.py"

/* ------------------------------------------------------------------ */
/* Fixture                                                             */
/* ------------------------------------------------------------------ */

/* 34 bytes: the longest id, so every station_id member is 34 wide. */
#define LONG_ID         "LN-KUALA-LUMPUR-MALAYSIA-POS-00001"
#define BIG_DISCREPANCY INT64_C(3000000000)  /* above 2^31 - 1 */
#define BIG_LINE        UINT64_C(5000000000) /* above 2^32 */
#define QDETAIL         "12,5 \"approx\"\nsee form"

typedef struct fixture {
    saksi_table *t;
    saksi_rules *rules;
    saksi_results res;
    saksi_finding findings[3];
    saksi_repair repairs[2];
    saksi_rank_row ranked[3];
    uint32_t eval[6], fail[6], neg[6], enabled[6];
    uint8_t klass[6];
    saksi_qrecord qrec[2];
    char *qfiles[1];
    saksi_quarantine q;
    const char *in_paths[1];
    unsigned char sha[1][32];
    uint64_t in_bytes[1], in_records[1];
    saksi_provenance prov;
} fixture;

static inline void add_station(saksi_table *t, const char *id, const char *const *regions,
                               int32_t c1, int32_t c2, uint64_t line)
{
    int32_t v[SAKSI_NFIXED + 2];
    for (size_t k = 0; k < SAKSI_NFIXED + 2; k++)
        v[k] = SAKSI_MISSING;
    v[SAKSI_F_REGISTERED] = 200;
    v[SAKSI_F_VALID] = c1 + c2;
    v[SAKSI_NFIXED] = c1;
    v[SAKSI_NFIXED + 1] = c2;
    saksi_error err = {0};
    assert_int_equal(saksi_table_append(t, id, strlen(id), regions, v, 0, line, NULL, &err),
                     SAKSI_OK);
}

/*
 * After finalize the rows are in code order:
 *   0 1101012001001   1 1101012001002   2 3201010001001
 *   3 3201010001002   4 3201020002001   5 LONG_ID (regions 99/9901/...)
 * Provinces 11, 32, 99 are regions 0, 1, 2.
 */
static inline fixture *fixture_new(void)
{
    fixture *fx = calloc(1, sizeof *fx);
    int present[SAKSI_NFIXED] = {0};
    present[SAKSI_F_REGISTERED] = present[SAKSI_F_VALID] = 1;
    const char *labels[] = {"01", "02"};
    fx->t = saksi_table_alloc(present, 2, labels);
    assert_non_null(fx->t);
    const char *const abroad[SAKSI_NLEVELS] = {NULL, "99", "9901", "990101", "9901010001"};
    add_station(fx->t, "3201010001002", NULL, 50, 60, 2);
    add_station(fx->t, LONG_ID, abroad, 5, 6, 3);
    add_station(fx->t, "1101012001001", NULL, 70, 80, 4);
    add_station(fx->t, "3201020002001", NULL, 90, 10, 5);
    add_station(fx->t, "1101012001002", NULL, 10, 20, 6);
    add_station(fx->t, "3201010001001", NULL, 100, 170, 7);
    saksi_error err = {0};
    assert_int_equal(saksi_table_finalize(fx->t, &err), SAKSI_OK);
    assert_string_equal(saksi_table_id(fx->t, 5), LONG_ID);
    assert_int_equal(fx->t->id_maxlen, strlen(LONG_ID));
    assert_int_equal(saksi_rules_load(NULL, &fx->rules, &err), SAKSI_OK);

    saksi_results *r = &fx->res;
    r->rules = fx->rules;
    for (int i = 0; i < 6; i++)
        fx->eval[i] = fx->enabled[i] = 0x3;
    fx->fail[1] = 0x1;
    fx->fail[2] = 0x3;
    fx->neg[5] = 1u << SAKSI_NEG_CAND_BIT; /* bit 31: stored as int32 -2^31 */
    fx->klass[1] = SAKSI_CLASS_INTEGRITY;
    fx->klass[2] = SAKSI_CLASS_TRANSCRIPTION;
    fx->klass[5] = SAKSI_CLASS_INTEGRITY;
    r->enabled = fx->enabled, r->eval_mask = fx->eval, r->fail_mask = fx->fail;
    r->neg_mask = fx->neg, r->klass = fx->klass;

    fx->findings[0] = (saksi_finding){1, 0, BIG_DISCREPANCY, 0};
    fx->findings[1] = (saksi_finding){2, 0, -7, 0};
    fx->findings[2] = (saksi_finding){2, 1, 12, 1};
    r->findings = fx->findings, r->nfindings = 3;

    fx->repairs[0] = (saksi_repair){2, SAKSI_NFIXED + 1, 170, 110, SAKSI_EDIT_CHANGE, 0.75, 0, 2};
    fx->repairs[1] = (saksi_repair){2, SAKSI_F_VALID, 100, 160, SAKSI_EDIT_CHANGE, 0.25, 1, 2};
    r->repairs = fx->repairs, r->nrepairs = 2;

    fx->ranked[0] = (saksi_rank_row){
        1, SAKSI_CLASS_INTEGRITY, 0, 0x1, BIG_DISCREPANCY, BIG_DISCREPANCY, 0.0, SIZE_MAX, 0, 0};
    fx->ranked[1] = (saksi_rank_row){5, SAKSI_CLASS_INTEGRITY, -1, 0, 0, -5, 0.0, SIZE_MAX, 0, 0};
    fx->ranked[2] = (saksi_rank_row){2, SAKSI_CLASS_TRANSCRIPTION, 0, 0x3, -7, 60, 0.0, 0, 2, 0};
    r->ranked = fx->ranked, r->nranked = 3;
    r->rule_failed[0] = 2, r->rule_failed[1] = 1;
    r->rule_evaluated[0] = r->rule_evaluated[1] = 6;

    fx->qfiles[0] = "data/in,put.csv";
    fx->qrec[0] =
        (saksi_qrecord){0, BIG_LINE, 3, SAKSI_Q_NOT_INTEGER, "cand_01", "3201010001009", QDETAIL};
    fx->qrec[1] = (saksi_qrecord){0, 7, 0, SAKSI_Q_FIELD_COUNT, "", "", "3 fields, expected 5"};
    fx->q = (saksi_quarantine){.n = 2, .rec = fx->qrec, .nfiles = 1, .files = fx->qfiles};

    fx->in_paths[0] = "data/in,put.csv";
    for (int b = 0; b < 32; b++)
        fx->sha[0][b] = (unsigned char)b;
    fx->in_bytes[0] = UINT64_C(123456789012);
    fx->in_records[0] = 7;
    fx->prov = (saksi_provenance){.version = "0.1.0",
                                  .libraries = "hdf5 1.10.8",
                                  .parameters = "seed=2024;strict=0",
                                  .seed = 2024,
                                  .backend = "cpu",
                                  .device = "",
                                  .created_utc = "2024-02-14T00:00:00Z",
                                  .rules_source = "built-in indonesia.rules",
                                  .ninputs = 1,
                                  .input_paths = fx->in_paths,
                                  .input_sha256 = (const unsigned char(*)[32])fx->sha,
                                  .input_bytes = fx->in_bytes,
                                  .input_records = fx->in_records};
    return fx;
}

static inline void fixture_free(fixture *fx)
{
    saksi_table_free(fx->t);
    saksi_rules_free(fx->rules);
    free(fx);
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static inline int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Entries of dir whose name contains ".tmp-". */
static inline int count_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    assert_non_null(d);
    for (struct dirent *de; (de = readdir(d)) != NULL;)
        n += strstr(de->d_name, ".tmp-") != NULL;
    closedir(d);
    return n;
}

/* Run a command, return its stdout (malloc'd) and exit status. */
static inline char *capture(int *status, const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap + 1);
    while ((got = fread(buf + n, 1, cap - n, p)) > 0) {
        n += got;
        if (n == cap)
            buf = realloc(buf, (cap *= 2) + 1);
    }
    buf[n] = 0;
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return buf;
}

/* out holds line as a whole line. */
static inline void assert_line(const char *out, const char *line)
{
    size_t len = strlen(line);
    for (const char *p = out; (p = strstr(p, line)) != NULL; p++)
        if ((p == out || p[-1] == '\n') && (p[len] == '\n' || p[len] == 0))
            return;
    fail_msg("line not found: %s\n--- in output:\n%s", line, out);
}

/* ------------------------------------------------------------------ */
/* HDF5 read-back helpers (the test's own structs, not the writer's)   */
/* ------------------------------------------------------------------ */

static inline hid_t open_dset(hid_t f, const char *name, hsize_t expect_rows)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0)
        fail_msg("dataset %s missing", name);
    hid_t s = H5Dget_space(d);
    hsize_t dims = 0;
    assert_int_equal(H5Sget_simple_extent_ndims(s), 1);
    H5Sget_simple_extent_dims(s, &dims, NULL);
    H5Sclose(s);
    if (dims != expect_rows)
        fail_msg("%s has %llu rows, expected %llu", name, (unsigned long long)dims,
                 (unsigned long long)expect_rows);
    return d;
}

/* Member names and kinds ('i' int32, 'l' int64, 'd' float64, 's' string
 * of width sw) of a dataset's file type, which must be packed. */
static inline void check_members(hid_t d, const char *const *names, const char *kinds, size_t sw)
{
    hid_t t = H5Dget_type(d);
    size_t n = strlen(kinds), sum = 0;
    assert_int_equal(H5Tget_class(t), H5T_COMPOUND);
    assert_int_equal(H5Tget_nmembers(t), (int)n);
    for (unsigned k = 0; k < n; k++) {
        char *name = H5Tget_member_name(t, k);
        hid_t m = H5Tget_member_type(t, k);
        assert_string_equal(name, names[k]);
        H5free_memory(name);
        size_t size = H5Tget_size(m);
        assert_int_equal(H5Tget_member_offset(t, k), sum); /* packed */
        sum += size;
        switch (kinds[k]) {
        case 'i':
        case 'l':
            assert_int_equal(H5Tget_class(m), H5T_INTEGER);
            assert_int_equal(H5Tget_sign(m), H5T_SGN_2); /* no unsigned members */
            assert_int_equal(size, kinds[k] == 'i' ? 4 : 8);
            break;
        case 'd':
            assert_int_equal(H5Tget_class(m), H5T_FLOAT);
            assert_int_equal(size, 8);
            break;
        default:
            assert_int_equal(H5Tget_class(m), H5T_STRING);
            assert_false(H5Tis_variable_str(m));
            assert_int_equal(H5Tget_strpad(m), H5T_STR_NULLPAD);
            if (sw)
                assert_int_equal(size, sw);
        }
        H5Tclose(m);
    }
    assert_int_equal(H5Tget_size(t), sum);
    H5Tclose(t);
}

/* No access, modification, change or birth time stored on the object
 * (HDF5 1.10 API: they read as 0 when the object header holds none). */
static inline void check_no_times(hid_t obj)
{
    H5O_info_t oi;
    assert_true(H5Oget_info2(obj, &oi, H5O_INFO_TIME) >= 0);
    assert_true(oi.atime == 0 && oi.mtime == 0 && oi.ctime == 0 && oi.btime == 0);
}

/* Chunked, shuffle + deflate + fletcher32, no timestamps. */
static inline void check_storage(hid_t d)
{
    hid_t p = H5Dget_create_plist(d);
    assert_int_equal(H5Pget_layout(p), H5D_CHUNKED);
    assert_int_equal(H5Pget_nfilters(p), 3);
    const H5Z_filter_t expect[3] = {H5Z_FILTER_SHUFFLE, H5Z_FILTER_DEFLATE, H5Z_FILTER_FLETCHER32};
    for (unsigned k = 0; k < 3; k++) {
        unsigned flags, cd[8];
        size_t ncd = 8;
        char name[64];
        assert_int_equal(H5Pget_filter2(p, k, &flags, &ncd, cd, sizeof name, name, NULL),
                         expect[k]);
    }
    H5Pclose(p);
    check_no_times(d);
}

/* Read one int64-convertible member of every row (HDF5 converts). */
static inline void read_i64(hid_t d, const char *member, int64_t *out)
{
    hid_t m = H5Tcreate(H5T_COMPOUND, sizeof(int64_t));
    H5Tinsert(m, member, 0, H5T_NATIVE_INT64);
    assert_true(H5Dread(d, m, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0);
    H5Tclose(m);
}

static inline void read_f64(hid_t d, const char *member, double *out)
{
    hid_t m = H5Tcreate(H5T_COMPOUND, sizeof(double));
    H5Tinsert(m, member, 0, H5T_NATIVE_DOUBLE);
    assert_true(H5Dread(d, m, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0);
    H5Tclose(m);
}

/* Strings of a member, each NUL-terminated in a 128-byte slot. */
typedef struct str128 {
    char s[128];
} str128;

static inline void read_str(hid_t d, const char *member, str128 *out)
{
    hid_t st = H5Tcopy(H5T_C_S1);
    H5Tset_size(st, sizeof(str128));
    H5Tset_strpad(st, H5T_STR_NULLTERM);
    H5Tset_cset(st, H5T_CSET_UTF8); /* HDF5 converts no character sets */
    hid_t m = H5Tcreate(H5T_COMPOUND, sizeof(str128));
    H5Tinsert(m, member, 0, st);
    assert_true(H5Dread(d, m, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0);
    H5Tclose(m);
    H5Tclose(st);
}

static inline void check_attr(hid_t f, const char *name, const char *expect)
{
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    if (a < 0)
        fail_msg("attribute %s missing", name);
    hid_t t = H5Aget_type(a);
    size_t w = H5Tget_size(t);
    char *buf = calloc(w + 1, 1);
    assert_true(H5Aread(a, t, buf) >= 0);
    assert_string_equal(buf, expect);
    free(buf);
    H5Tclose(t);
    H5Aclose(a);
}

#endif /* SAKSI_REPORT_FIXTURE_H */
