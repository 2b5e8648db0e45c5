/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_report.c — report.h5 read back with the HDF5 C API (members, types,
 * packing, storage, values including an int64 above 2^31 and a string id of
 * maximal length) and with h5py; empty tables; byte-identical rewrites;
 * failures that leave neither the real name nor a temporary. The fixture is
 * tests/report_fixture.h. With SAKSI_REPORT_MEASURE set it also measures a
 * national-scale write (not a timed test: it asserts no time).
 * LABELS: unit
 */
#include "report_fixture.h"

#include "report_h5.h"

#include <signal.h>
#include <sys/resource.h>

/* ------------------------------------------------------------------ */
/* report.h5                                                           */
/* ------------------------------------------------------------------ */

static void write_h5(fixture *fx, const char *dir, const char *name,
                     const saksi_report_h5_options *opt, char *path, size_t len)
{
    saksi_error err = {0};
    snprintf(path, len, "%s/%s", dir, name);
    saksi_status rc = saksi_report_h5_with(path, fx->t, &fx->q, &fx->res, &fx->prov, opt, &err);
    if (rc != SAKSI_OK)
        fail_msg("saksi_report_h5: %s", err.message);
}

static const char *const station_cols[] = {"station_id", "province", "regency", "district",
                                           "village",    "stratum",  "class",   "eval_mask",
                                           "fail_mask",  "neg_mask"};

static void test_h5_round_trip(void **state)
{
    (void)state;
    fixture *fx = fixture_new();
    char *dir = test_mkdtemp("report");
    char path[4200];
    write_h5(fx, dir, "report.h5", NULL, path, sizeof path);
    assert_int_equal(count_tmp(dir), 0);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);

    check_attr(f, "report_schema", "saksi-report/1");
    check_attr(f, "saksi_version", "0.1.0");
    check_attr(f, "seed", "2024");
    check_attr(f, "parameters", "seed=2024;strict=0");
    check_attr(f, "rules_source", "built-in indonesia.rules");
    check_attr(f, "run_environment", "created_utc=2024-02-14T00:00:00Z;backend=cpu;device=");

    /* /stations: rows in canonical order (see fixture_new). */
    hid_t d = open_dset(f, "/stations", 6);
    check_members(d, station_cols, "siiiiiiiii", strlen(LONG_ID));
    check_storage(d);
    str128 ids[6];
    int64_t v[6];
    read_str(d, "station_id", ids);
    assert_string_equal(ids[0].s, "1101012001001");
    assert_string_equal(ids[5].s, LONG_ID); /* maximal length, not cut */
    read_i64(d, "province", v);
    const int64_t prov_idx[6] = {0, 0, 1, 1, 1, 2};
    assert_memory_equal(v, prov_idx, sizeof v);
    read_i64(d, "district", v);
    const int64_t dist_idx[6] = {0, 0, 1, 1, 2, 3};
    assert_memory_equal(v, dist_idx, sizeof v);
    read_i64(d, "class", v);
    const int64_t cls[6] = {0, SAKSI_CLASS_INTEGRITY, SAKSI_CLASS_TRANSCRIPTION, 0,
                            0, SAKSI_CLASS_INTEGRITY};
    assert_memory_equal(v, cls, sizeof v);
    read_i64(d, "fail_mask", v);
    assert_int_equal(v[2], 3);
    read_i64(d, "neg_mask", v);
    assert_int_equal(v[5], INT32_MIN); /* bit 31 as the int32 bit pattern */
    assert_int_equal(v[0], 0);
    /* Raw rows in the file layout: the 13-byte id of row 0 is NUL-padded
     * with zeros to the 34-byte member. */
    hid_t ft = H5Dget_type(d);
    size_t rs = H5Tget_size(ft);
    assert_int_equal(rs, strlen(LONG_ID) + 9 * 4);
    unsigned char *raw = malloc(6 * rs);
    assert_true(H5Dread(d, ft, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) >= 0);
    for (size_t b = 13; b < strlen(LONG_ID); b++)
        assert_int_equal(raw[b], 0);
    free(raw);
    H5Tclose(ft);
    H5Dclose(d);

    d = open_dset(f, "/findings", 3);
    check_members(
        d,
        (const char *const[]){"station", "station_id", "rule", "discrepancy", "probably_unentered"},
        "isili", strlen(LONG_ID));
    check_storage(d);
    read_i64(d, "discrepancy", v);
    assert_true(v[0] == BIG_DISCREPANCY && v[1] == -7 && v[2] == 12);
    read_i64(d, "probably_unentered", v);
    assert_true(v[0] == 0 && v[2] == 1);
    read_str(d, "station_id", ids);
    assert_string_equal(ids[0].s, "1101012001002");
    H5Dclose(d);

    d = open_dset(f, "/repairs", 2);
    check_members(d,
                  (const char *const[]){"station", "station_id", "order", "field", "reported",
                                        "repaired", "edit", "weight"},
                  "isisiiid", 0);
    check_storage(d);
    read_str(d, "field", ids);
    assert_string_equal(ids[0].s, "cand_02");
    assert_string_equal(ids[1].s, "valid");
    double w[2];
    read_f64(d, "weight", w);
    assert_close(w[0], 0.75, 0);
    assert_close(w[1], 0.25, 0);
    read_i64(d, "order", v);
    assert_true(v[0] == 0 && v[1] == 1);
    read_i64(d, "reported", v);
    assert_true(v[0] == 170 && v[1] == 100);
    H5Dclose(d);

    d = open_dset(f, "/ranked", 3);
    check_members(d,
                  (const char *const[]){"rank", "station", "station_id", "class", "primary_rule",
                                        "rules", "discrepancy", "votes_at_stake", "score", "repair",
                                        "alternatives"},
                  "iisiiilldii", strlen(LONG_ID));
    check_storage(d);
    read_i64(d, "rank", v);
    assert_true(v[0] == 1 && v[1] == 2 && v[2] == 3);
    read_i64(d, "repair", v);
    assert_true(v[0] == -1 && v[1] == -1 && v[2] == 0);
    read_i64(d, "votes_at_stake", v);
    assert_true(v[0] == BIG_DISCREPANCY && v[1] == -5 && v[2] == 60);
    read_i64(d, "primary_rule", v);
    assert_true(v[0] == 0 && v[1] == -1);
    read_str(d, "station_id", ids);
    assert_string_equal(ids[1].s, LONG_ID);
    H5Dclose(d);

    d = open_dset(f, "/quarantine", 2);
    check_members(
        d,
        (const char *const[]){"file", "line", "column", "reason", "field", "station_id", "detail"},
        "iliisss", 0);
    check_storage(d);
    read_i64(d, "line", v);
    assert_true(v[0] == (int64_t)BIG_LINE && v[1] == 7);
    read_i64(d, "reason", v);
    assert_true(v[0] == SAKSI_Q_NOT_INTEGER && v[1] == SAKSI_Q_FIELD_COUNT);
    read_str(d, "detail", ids);
    assert_string_equal(ids[0].s, QDETAIL);
    H5Dclose(d);

    size_t nr = fx->rules->nrules;
    d = open_dset(f, "/rules", nr);
    check_members(d, (const char *const[]){"index", "name", "class", "text", "evaluated", "failed"},
                  "isisii", 0);
    str128 *names = calloc(nr, sizeof *names);
    read_str(d, "name", names);
    assert_string_equal(names[0].s, "cand_sum_valid");
    assert_string_equal(names[1].s, "valid_invalid_total");
    free(names);
    int64_t *cnt = calloc(nr, sizeof *cnt);
    read_i64(d, "failed", cnt);
    assert_true(cnt[0] == 2 && cnt[1] == 1 && cnt[2] == 0);
    read_i64(d, "class", cnt);
    assert_int_equal(cnt[0], SAKSI_CLASS_INTEGRITY);
    free(cnt);
    H5Dclose(d);

    const char *groups[] = {"/", "/legend", "/regions", "/provenance"};
    for (size_t k = 0; k < 4; k++) {
        hid_t g = H5Gopen2(f, groups[k], H5P_DEFAULT);
        assert_true(g >= 0);
        check_no_times(g);
        H5Gclose(g);
    }

    d = open_dset(f, "/legend/class", SAKSI_NCLASSES);
    read_str(d, "name", ids);
    assert_string_equal(ids[SAKSI_CLASS_TRANSCRIPTION].s, "transcription");
    H5Dclose(d);
    d = open_dset(f, "/legend/edit", SAKSI_NEDITS);
    read_str(d, "name", ids);
    assert_string_equal(ids[SAKSI_EDIT_SWAP].s, "swap");
    H5Dclose(d);
    H5Fclose(f);
    test_rmtree(dir);
    fixture_free(fx);
}

static void test_h5_regions_and_provenance(void **state)
{
    (void)state;
    fixture *fx = fixture_new();
    char *dir = test_mkdtemp("report");
    char path[4200];
    write_h5(fx, dir, "report.h5", NULL, path, sizeof path);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);

    hid_t d = open_dset(f, "/regions/province", 3);
    check_members(d,
                  (const char *const[]){"code", "parent", "first", "count", "stations_failing",
                                        "stations_negative", "class_integrity", "class_anomaly",
                                        "class_transcription", "class_incomplete",
                                        "class_cross_source", "findings", "votes_at_stake_abs"},
                  "siiiiiiiiiiil", 2);
    check_storage(d);
    str128 codes[4];
    int64_t v[4];
    read_str(d, "code", codes);
    assert_string_equal(codes[0].s, "11");
    assert_string_equal(codes[2].s, "99");
    /* By hand: province 11 = rows 0-1 (row 1 fails rule 0, integrity, one
     * finding, 3e9 at stake); 32 = rows 2-4 (row 2 transcription, two
     * findings, 60 at stake); 99 = row 5 (negative cell, integrity, -5). */
    const struct {
        const char *col;
        int64_t expect[3];
    } cols[] = {
        {"first", {0, 2, 5}},
        {"count", {2, 3, 1}},
        {"stations_failing", {1, 1, 0}},
        {"stations_negative", {0, 0, 1}},
        {"class_integrity", {1, 0, 1}},
        {"class_transcription", {0, 1, 0}},
        {"findings", {1, 2, 0}},
        {"votes_at_stake_abs", {BIG_DISCREPANCY, 60, 5}},
    };
    for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
        read_i64(d, cols[k].col, v);
        for (int r = 0; r < 3; r++)
            if (v[r] != cols[k].expect[r])
                fail_msg("/regions/province.%s[%d] = %" PRId64 ", expected %" PRId64, cols[k].col,
                         r, v[r], cols[k].expect[r]);
    }
    H5Dclose(d);

    d = open_dset(f, "/regions/village", 4);
    read_str(d, "code", codes);
    assert_string_equal(codes[1].s, "3201010001");
    assert_string_equal(codes[3].s, "9901010001");
    read_i64(d, "parent", v); /* districts 110101, 320101, 320102, 990101 */
    assert_true(v[0] == 0 && v[1] == 1 && v[2] == 2 && v[3] == 3);
    read_i64(d, "count", v);
    assert_true(v[0] == 2 && v[1] == 2 && v[2] == 1 && v[3] == 1);
    H5Dclose(d);
    H5Dclose(open_dset(f, "/regions/regency", 3));
    d = open_dset(f, "/regions/district", 4);
    read_i64(d, "parent", v); /* regencies 1101, 3201, 3201, 9901 */
    assert_true(v[0] == 0 && v[1] == 1 && v[2] == 1 && v[3] == 2);
    H5Dclose(d);

    d = open_dset(f, "/provenance/inputs", 1);
    check_members(d, (const char *const[]){"index", "path", "sha256", "bytes", "records"}, "issll",
                  0);
    read_str(d, "sha256", codes);
    assert_string_equal(codes[0].s,
                        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    read_i64(d, "bytes", v);
    assert_int_equal(v[0], INT64_C(123456789012));
    read_str(d, "path", codes);
    assert_string_equal(codes[0].s, "data/in,put.csv");
    H5Dclose(d);
    d = open_dset(f, "/quarantine_files", 1);
    read_str(d, "path", codes);
    assert_string_equal(codes[0].s, "data/in,put.csv");
    H5Dclose(d);
    H5Fclose(f);
    test_rmtree(dir);
    fixture_free(fx);
}

/* Nothing to report: every table is still there, with 0 rows. */
static void write_empty(const char *path)
{
    int present[SAKSI_NFIXED] = {0};
    present[SAKSI_F_REGISTERED] = 1;
    const char *labels[] = {"01"};
    saksi_table *t = saksi_table_alloc(present, 1, labels);
    saksi_error err = {0};
    assert_int_equal(saksi_table_finalize(t, &err), SAKSI_OK);
    saksi_results res = {0};
    saksi_provenance prov = {.version = "0.1.0", .seed = 1};
    if (saksi_report_h5(path, t, NULL, &res, &prov, &err) != SAKSI_OK)
        fail_msg("%s", err.message);
    saksi_table_free(t);
}

static void test_h5_empty_tables(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("report");
    char path[4200];
    snprintf(path, sizeof path, "%s/empty.h5", dir);
    write_empty(path);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    const char *names[] = {
        "/stations",         "/rules",          "/findings",         "/repairs",
        "/ranked",           "/quarantine",     "/quarantine_files", "/provenance/inputs",
        "/regions/province", "/regions/village"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        hid_t d = open_dset(f, names[k], 0);
        check_storage(d);
        H5Dclose(d);
    }
    hid_t d = open_dset(f, "/stations", 0);
    check_members(d, station_cols, "siiiiiiiii", 1); /* "" is one NUL byte wide */
    H5Dclose(d);
    check_attr(f, "run_environment", "created_utc=;backend=;device=");
    H5Fclose(f);
    test_rmtree(dir);
}

static void test_h5_byte_identical(void **state)
{
    (void)state;
    fixture *fx = fixture_new();
    char *dir = test_mkdtemp("report");
    char a[4200], b[4200];
    write_h5(fx, dir, "a.h5", NULL, a, sizeof a);
    /* HDF5 timestamps have a resolution of one second: were any object
     * tracking times, the second file would differ. */
    sleep(1);
    write_h5(fx, dir, "b.h5", NULL, b, sizeof b);
    size_t la, lb;
    char *x = test_read_file(a, &la), *y = test_read_file(b, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(x, y, la);
    free(x);
    free(y);
    test_rmtree(dir);
    fixture_free(fx);
}

/* Two-row chunks make /stations three blocks and three chunks; the rows
 * read back are the same bytes as with one chunk. */
static void test_h5_small_chunks_same_values(void **state)
{
    (void)state;
    fixture *fx = fixture_new();
    char *dir = test_mkdtemp("report");
    char a[4200], b[4200];
    saksi_report_h5_options o = {.chunk_rows = 2, .deflate_level = 9};
    write_h5(fx, dir, "default.h5", NULL, a, sizeof a);
    write_h5(fx, dir, "small.h5", &o, b, sizeof b);
    unsigned char *rows[2];
    size_t rs = 0;
    const char *paths[2] = {a, b};
    const hsize_t chunk_expect[2] = {6, 2}; /* default: min(6 rows, 16384) */
    for (int k = 0; k < 2; k++) {
        hid_t f = H5Fopen(paths[k], H5F_ACC_RDONLY, H5P_DEFAULT);
        hid_t d = open_dset(f, "/stations", 6);
        hid_t p = H5Dget_create_plist(d);
        hsize_t chunk = 0;
        assert_int_equal(H5Pget_chunk(p, 1, &chunk), 1);
        assert_int_equal(chunk, chunk_expect[k]);
        H5Pclose(p);
        hid_t ft = H5Dget_type(d);
        rs = H5Tget_size(ft);
        rows[k] = malloc(6 * rs);
        assert_true(H5Dread(d, ft, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows[k]) >= 0);
        H5Tclose(ft);
        H5Dclose(d);
        H5Fclose(f);
    }
    assert_memory_equal(rows[0], rows[1], 6 * rs);
    free(rows[0]);
    free(rows[1]);
    test_rmtree(dir);
    fixture_free(fx);
}

static void test_h5_readable_by_h5py(void **state)
{
    (void)state;
    fixture *fx = fixture_new();
    char *dir = test_mkdtemp("report");
    char path[4200], empty[4200];
    write_h5(fx, dir, "report.h5", NULL, path, sizeof path);
    int st;
    char *out = capture(&st, READER " h5 '%s' 2>&1", path);
    if (st != 0)
        fail_msg("h5py could not read report.h5 (is python3-h5py installed?):\n%s", out);
    assert_line(out, "attr run_environment=created_utc=2024-02-14T00:00:00Z;backend=cpu;device=");
    assert_line(out, "attr seed=2024");
    assert_line(out, "dataset /stations rows=6 fields=station_id:|S34,province:<i4,regency:<i4,"
                     "district:<i4,village:<i4,stratum:<i4,class:<i4,eval_mask:<i4,"
                     "fail_mask:<i4,neg_mask:<i4");
    assert_line(out, "storage /stations chunks=(6,) compression=gzip shuffle=True "
                     "fletcher32=True maxshape=(None,)");
    assert_line(out, "dataset /ranked rows=3 fields=rank:<i4,station:<i4,station_id:|S34,"
                     "class:<i4,primary_rule:<i4,rules:<i4,discrepancy:<i8,votes_at_stake:<i8,"
                     "score:<f8,repair:<i4,alternatives:<i4");
    assert_line(out, "/stations[5].station_id=" LONG_ID);
    assert_line(out, "/stations[5].neg_mask=-2147483648");
    assert_line(out, "/findings[0].discrepancy=3000000000");
    assert_line(out, "/quarantine[0].line=5000000000");
    assert_line(out, "/quarantine[0].detail=12,5 \"approx\"");
    assert_line(out, "/repairs[0].weight=0.75");
    assert_line(out, "/regions/province[0].votes_at_stake_abs=3000000000");
    assert_line(out, "/provenance/inputs[0].sha256="
                     "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    free(out);

    snprintf(empty, sizeof empty, "%s/empty.h5", dir);
    write_empty(empty);
    out = capture(&st, READER " h5 '%s' 2>&1", empty);
    if (st != 0)
        fail_msg("h5py could not read an empty report.h5:\n%s", out);
    assert_line(out, "dataset /findings rows=0 fields=station:<i4,station_id:|S1,rule:<i4,"
                     "discrepancy:<i8,probably_unentered:<i4");
    assert_line(out, "storage /stations chunks=(1,) compression=gzip shuffle=True "
                     "fletcher32=True maxshape=(None,)");
    free(out);
    test_rmtree(dir);
    fixture_free(fx);
}

/* Write, expect failure with code and a message part, and check that
 * neither the real name nor a temporary is left (or that the previous file
 * under the real name, if any, is untouched). */
static void expect_h5_fail(fixture *fx, const char *dir, const char *path,
                           const saksi_report_h5_options *opt, saksi_status code, const char *part)
{
    saksi_error err = {0};
    char *before = exists(path) ? test_read_file(path, NULL) : NULL;
    saksi_status rc = saksi_report_h5_with(path, fx->t, &fx->q, &fx->res, &fx->prov, opt, &err);
    if (rc != code)
        fail_msg("status %d, expected %d: %s", rc, code, err.message);
    if (!strstr(err.message, part))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, part);
    assert_int_equal(count_tmp(dir), 0);
    if (before) {
        char *after = test_read_file(path, NULL);
        assert_string_equal(after, before);
        free(after);
        free(before);
    } else {
        assert_false(exists(path));
    }
}

static void test_h5_failures_leave_nothing(void **state)
{
    (void)state;
    fixture *fx = fixture_new();
    char *dir = test_mkdtemp("report");
    char path[4200];

    snprintf(path, sizeof path, "%s/missing/report.h5", dir);
    expect_h5_fail(fx, dir, path, NULL, SAKSI_ERR_CANTCREAT, "No such file or directory");

    /* The real name is a directory: everything is written, rename fails. */
    snprintf(path, sizeof path, "%s/isdir.h5", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    expect_h5_fail(fx, dir, path, NULL, SAKSI_ERR_IO, "cannot rename");

    /* A previous report survives a run that fails half-way through (the
     * ranked list names a repair that does not exist: detected after
     * /stations and /findings are already in the temporary). */
    snprintf(path, sizeof path, "%s/report.h5", dir);
    assert_int_equal(test_write_file(path, "previous report"), 0);
    fx->ranked[2].repair = 7;
    expect_h5_fail(fx, dir, path, NULL, SAKSI_ERR_INTERNAL, "names repair 7");
    fx->ranked[2].repair = 0;

    saksi_request_stop();
    expect_h5_fail(fx, dir, path, NULL, SAKSI_ERR_INTERRUPTED, "interrupted");
    saksi_clear_stop();

    saksi_report_h5_options o = {.chunk_rows = 16, .deflate_level = 10};
    expect_h5_fail(fx, dir, path, &o, SAKSI_ERR_USAGE, "deflate level 10");
    o = (saksi_report_h5_options){.chunk_rows = 0, .deflate_level = 1};
    expect_h5_fail(fx, dir, path, &o, SAKSI_ERR_USAGE, "chunk rows 0");

    /* A path with no room left for ".tmp-<pid>" in the 4200-byte name. */
    char *longp = malloc(4200);
    int n = snprintf(longp, 4200, "%s/", dir);
    memset(longp + n, 'x', 4195 - (size_t)n);
    longp[4195] = 0;
    expect_h5_fail(fx, dir, longp, NULL, SAKSI_ERR_CANTCREAT, "too long");
    free(longp);
    test_rmtree(dir);
    fixture_free(fx);
}

/* Call saksi_report_h5 with stderr captured (and, if fsize_limit, a file
 * size limit: EFBIG, as on a full disk); returns what was printed. */
static char *write_capturing_stderr(fixture *fx, const char *path, const char *errpath,
                                    rlim_t fsize_limit, saksi_status *rc, saksi_error *err)
{
    struct rlimit old, small;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small = old;
    small.rlim_cur = fsize_limit;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    fflush(stderr);
    int saved = dup(2);
    FILE *cap = fopen(errpath, "w");
    dup2(fileno(cap), 2);
    if (fsize_limit)
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    *rc = saksi_report_h5(path, fx->t, &fx->q, &fx->res, &fx->prov, err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fclose(cap);
    signal(SIGXFSZ, old_handler);
    return test_read_file(errpath, NULL);
}

/* Two failures, one in the file system and one inside HDF5 (an attribute
 * above the 64 KiB an object header holds): each is reported with its
 * reason, nothing is printed (HDF5's printer is off during the write and
 * restored after), the previous report stays, no temporary is left. */
static void test_h5_write_failure_is_silent_and_atomic(void **state)
{
    (void)state;
    fixture *fx = fixture_new();
    char *dir = test_mkdtemp("report");
    char path[4200], errpath[4200];
    snprintf(path, sizeof path, "%s/report.h5", dir);
    snprintf(errpath, sizeof errpath, "%s/stderr.txt", dir);
    assert_int_equal(test_write_file(path, "previous report"), 0);
    H5E_auto2_t func0 = NULL, func1 = NULL;
    void *data0 = NULL, *data1 = NULL;
    H5Eget_auto2(H5E_DEFAULT, &func0, &data0);
    assert_non_null(func0); /* HDF5's default printer is on in this test */

    saksi_error err = {0};
    saksi_status rc;
    char *printed = write_capturing_stderr(fx, path, errpath, 2048, &rc, &err);
    if (rc != SAKSI_ERR_IO || !strstr(err.message, "File too large"))
        fail_msg("status %d: %s", rc, err.message);
    assert_string_equal(printed, "");
    free(printed);

    char *big = malloc(70001);
    memset(big, 'p', 70000);
    big[70000] = 0;
    fx->prov.parameters = big;
    printed = write_capturing_stderr(fx, path, errpath, 0, &rc, &err);
    if (rc != SAKSI_ERR_HDF5 || !strstr(err.message, "HDF5 cannot create attribute parameters of /"))
        fail_msg("status %d: %s", rc, err.message);
    assert_string_equal(printed, "");
    free(printed);
    free(big);

    H5Eget_auto2(H5E_DEFAULT, &func1, &data1);
    assert_ptr_equal(func1, func0);
    assert_ptr_equal(data1, data0);
    assert_int_equal(count_tmp(dir), 0);
    char *after = test_read_file(path, NULL);
    assert_string_equal(after, "previous report");
    free(after);
    test_rmtree(dir);
    fixture_free(fx);
}

/* The typed-table helper's own guards: rows beyond or short of the count
 * declared, a string wider than its member, a failing close. They catch
 * bugs in the writer, so they are provoked here directly. */
static void test_h5_table_helper_guards(void **state)
{
    (void)state;
    H5E_auto2_t func0 = NULL;
    void *data0 = NULL;
    H5Eget_auto2(H5E_DEFAULT, &func0, &data0);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_core(fapl, 1 << 20, 0);
    saksi_h5_file file = {.path = "mem.h5", .chunk_rows = 4, .deflate_level = 1};
    file.id = H5Fcreate("mem.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    assert_true(file.id >= 0);
    const saksi_h5_col cols[] = {{"n", SAKSI_H5_I32, 0}, {"s", SAKSI_H5_STR, 3}};
    saksi_h5_table tb;
    saksi_error err = {0};
    unsigned char *row;

    assert_int_equal(saksi_h5_table_open(&tb, &file, file.id, "", "one", cols, 2, 1, &err),
                     SAKSI_OK);
    assert_int_equal(saksi_h5_table_row(&tb, &row, &err), SAKSI_OK);
    assert_int_equal(saksi_h5_table_row(&tb, &row, &err), SAKSI_ERR_INTERNAL);
    assert_non_null(strstr(err.message, "more rows than the 1 declared for /one"));
    saksi_h5_table_release(&tb);

    assert_int_equal(saksi_h5_table_open(&tb, &file, file.id, "", "two", cols, 2, 2, &err),
                     SAKSI_OK);
    assert_int_equal(saksi_h5_table_row(&tb, &row, &err), SAKSI_OK);
    assert_int_equal(saksi_h5_table_close(&tb, &err), SAKSI_ERR_INTERNAL);
    assert_non_null(strstr(err.message, "1 rows given for /two, 2 declared"));

    assert_int_equal(saksi_h5_table_open(&tb, &file, file.id, "", "wide", cols, 2, 1, &err),
                     SAKSI_OK);
    assert_int_equal(saksi_h5_table_row(&tb, &row, &err), SAKSI_OK);
    saksi_h5_put_str(&tb, row, 1, "abcd"); /* member is 3 bytes */
    assert_int_equal(saksi_h5_table_close(&tb, &err), SAKSI_ERR_INTERNAL);
    assert_non_null(strstr(err.message, "a string longer than its column in /wide"));

    /* An existing name: HDF5 refuses, the message names the object. */
    assert_int_equal(saksi_h5_table_open(&tb, &file, file.id, "", "one", cols, 2, 1, &err),
                     SAKSI_ERR_HDF5);
    assert_non_null(strstr(err.message, "cannot create dataset /one"));
    const saksi_h5_col zero[] = {{"s", SAKSI_H5_STR, 0}};
    assert_int_equal(saksi_h5_table_open(&tb, &file, file.id, "", "z", zero, 1, 1, &err),
                     SAKSI_ERR_INTERNAL);

    /* A failed close is recorded, unless an earlier failure is. */
    hid_t bogus = H5Screate(H5S_SCALAR);
    H5Sclose(bogus);
    assert_int_equal(saksi_h5_close(bogus, H5Sclose, SAKSI_OK, &file, "a thing", &err),
                     SAKSI_ERR_HDF5);
    assert_non_null(strstr(err.message, "mem.h5: HDF5 cannot close a thing"));
    assert_int_equal(saksi_h5_close(bogus, H5Sclose, SAKSI_ERR_IO, &file, "a thing", &err),
                     SAKSI_ERR_IO);
    H5Fclose(file.id);
    H5Pclose(fapl);
    H5Eset_auto2(H5E_DEFAULT, func0, data0);
}

/* Results that contradict the table or exceed a stored type are refused
 * with a message, and leave no file. */
static void test_h5_bad_results_rejected(void **state)
{
    (void)state;
    fixture *fx = fixture_new();
    char *dir = test_mkdtemp("report");
    char path[4200];
    snprintf(path, sizeof path, "%s/report.h5", dir);

    fx->findings[0].station = 6;
    expect_h5_fail(fx, dir, path, NULL, SAKSI_ERR_INTERNAL, "a finding refers to station row 6");
    fx->findings[0].station = 1;
    fx->findings[1].rule = 40;
    expect_h5_fail(fx, dir, path, NULL, SAKSI_ERR_INTERNAL, "finding 1 names rule 40");
    fx->findings[1].rule = 0;
    fx->repairs[1].station = 9;
    expect_h5_fail(fx, dir, path, NULL, SAKSI_ERR_INTERNAL, "a repair refers to station row 9");
    fx->repairs[1].station = 2;
    fx->ranked[0].station = 6;
    expect_h5_fail(fx, dir, path, NULL, SAKSI_ERR_INTERNAL, "a ranked row refers to station");
    fx->ranked[0].station = 1;
    fx->repairs[1].field = SAKSI_NFIXED + 2; /* two candidates: 0 and 1 */
    expect_h5_fail(fx, dir, path, NULL, SAKSI_ERR_INTERNAL, "repair 1 names field");
    fx->repairs[1].field = SAKSI_F_VALID;
    fx->repairs[1].order = UINT32_C(0x80000000);
    expect_h5_fail(fx, dir, path, NULL, SAKSI_ERR_LIMIT, "repair 1 has order 2147483648");
    fx->repairs[1].order = 1;
    fx->ranked[1].primary_rule = 40;
    expect_h5_fail(fx, dir, path, NULL, SAKSI_ERR_INTERNAL, "ranked row 1 names rule 40");
    fx->ranked[1].primary_rule = -1;
    fx->ranked[1].alternatives = UINT32_C(0x80000000);
    expect_h5_fail(fx, dir, path, NULL, SAKSI_ERR_LIMIT, "2147483648 alternatives");
    fx->ranked[1].alternatives = 0;
    fx->ranked[1].votes_at_stake = INT64_MIN;
    expect_h5_fail(fx, dir, path, NULL, SAKSI_ERR_LIMIT, "votes at stake");
    fx->ranked[1].votes_at_stake = -5;
    fx->qrec[1].file = 1;
    expect_h5_fail(fx, dir, path, NULL, SAKSI_ERR_INTERNAL, "quarantine record 1 has file 1");
    fx->qrec[1].file = 0;
    fx->qrec[1].line = UINT64_MAX;
    expect_h5_fail(fx, dir, path, NULL, SAKSI_ERR_LIMIT, "line beyond int64");
    fx->qrec[1].line = 7;
    fx->qrec[1].column = UINT32_MAX;
    expect_h5_fail(fx, dir, path, NULL, SAKSI_ERR_LIMIT, "column beyond int32");
    fx->qrec[1].column = 0;
    fx->in_bytes[0] = UINT64_MAX;
    expect_h5_fail(fx, dir, path, NULL, SAKSI_ERR_LIMIT, "size beyond int64");
    fx->in_bytes[0] = 1;
    uint32_t keep = fx->t->region_of[SAKSI_LEVEL_REGENCY][3];
    fx->t->region_of[SAKSI_LEVEL_REGENCY][3] = 77;
    expect_h5_fail(fx, dir, path, NULL, SAKSI_ERR_INTERNAL, "station row 3 is in regency 77");
    fx->t->region_of[SAKSI_LEVEL_REGENCY][3] = keep;
    fx->res.klass = NULL;
    expect_h5_fail(fx, dir, path, NULL, SAKSI_ERR_INTERNAL, "without station masks");
    fx->res.klass = fx->klass;
    /* Every mutation undone: the same call now succeeds. */
    saksi_error err = {0};
    assert_int_equal(saksi_report_h5(path, fx->t, &fx->q, &fx->res, &fx->prov, &err), SAKSI_OK);
    test_rmtree(dir);
    fixture_free(fx);
}

/* ------------------------------------------------------------------ */
/* Measurement (not a timed test)                                      */
/* ------------------------------------------------------------------ */

/* National-scale write, run only with SAKSI_REPORT_MEASURE set to a list
 * of chunk_rows:deflate_level pairs ("16384:1,65536:6"): 823,236 stations
 * in 38 x 14 x 14 x 11 regions with 13-digit ids, 20,000 findings and
 * ranked rows, 5,000 repairs. Prints the best of three write times and the
 * sizes; asserts only that the file reads back with every row. */
#define M_STATIONS 823236
#define M_FINDINGS 20000

static void test_measure_large_write(void **state)
{
    (void)state;
    const char *spec = getenv("SAKSI_REPORT_MEASURE");
    if (!spec || !*spec) {
        skip();
        return;
    }
    int present[SAKSI_NFIXED] = {0};
    present[SAKSI_F_REGISTERED] = present[SAKSI_F_VALID] = 1;
    const char *labels[] = {"01", "02", "03"};
    saksi_table *t = saksi_table_alloc(present, 3, labels);
    int32_t vals[SAKSI_NFIXED + 3];
    for (size_t k = 0; k < SAKSI_NFIXED + 3; k++)
        vals[k] = 100;
    saksi_error err = {0};
    size_t villages = 38 * 14 * 14 * 11, n = 0;
    double t0 = saksi_now();
    for (size_t v = 0; v < villages; v++) {
        /* 10 stations per village, 11 in the first few: 823,236 in all. */
        size_t per = 10 + (v < M_STATIONS - villages * 10);
        for (size_t s = 0; s < per; s++, n++) {
            char id[32];
            snprintf(id, sizeof id, "%02zu%02zu%02zu%04zu%03zu", 11 + v / (14 * 14 * 11),
                     1 + v / (14 * 11) % 14, 1 + v / 11 % 14, 1001 + v % 11, 1 + s);
            assert_int_equal(saksi_table_append(t, id, 13, NULL, vals, 0, n + 2, NULL, &err),
                             SAKSI_OK);
        }
    }
    assert_int_equal(n, M_STATIONS);
    assert_int_equal(saksi_table_finalize(t, &err), SAKSI_OK);
    fprintf(stderr, "measure: table of %zu stations built in %.2f s\n", n, saksi_now() - t0);

    saksi_rules *rules = NULL;
    assert_int_equal(saksi_rules_load(NULL, &rules, &err), SAKSI_OK);
    saksi_results res = {.rules = rules};
    res.eval_mask = calloc(n, 4), res.fail_mask = calloc(n, 4), res.neg_mask = calloc(n, 4);
    res.klass = calloc(n, 1);
    res.findings = calloc(M_FINDINGS, sizeof *res.findings);
    res.ranked = calloc(M_FINDINGS, sizeof *res.ranked);
    res.repairs = calloc(M_FINDINGS / 4, sizeof *res.repairs);
    /* Not every rule is evaluable everywhere (missing cells): clear each
     * of the last four rules' bits with probability 1/8 from a hash of
     * the row, so the masks carry real-looking entropy for deflate. */
    for (size_t i = 0; i < n; i++) {
        uint64_t h = saksi_hash_bytes(&i, sizeof i);
        res.eval_mask[i] = 0x1fff;
        for (int b = 0; b < 4; b++)
            if ((h >> (3 * b) & 7) == 0)
                res.eval_mask[i] &= ~(1u << (9 + b));
    }
    for (size_t k = 0; k < M_FINDINGS; k++) {
        size_t i = k * 41; /* every 41st station fails one rule */
        res.fail_mask[i] = (uint32_t)(saksi_hash_bytes(&k, sizeof k) & 0x1fff) | 1u << (k % 4);
        res.klass[i] = k % 4 ? SAKSI_CLASS_INTEGRITY : SAKSI_CLASS_TRANSCRIPTION;
        res.findings[k] = (saksi_finding){i, (int)(k % 4), (int64_t)(k % 97) - 48, 0};
        res.ranked[k] = (saksi_rank_row){i,
                                         res.klass[i],
                                         (int)(k % 4),
                                         res.fail_mask[i],
                                         (int64_t)(k % 97) - 48,
                                         (int64_t)(k % 89),
                                         0.0,
                                         SIZE_MAX,
                                         0,
                                         0};
        if (k % 4 == 0) {
            res.repairs[k / 4] = (saksi_repair){i, SAKSI_NFIXED, 170, 110, 0, 1.0, 0, 1};
            res.ranked[k].repair = k / 4;
            res.ranked[k].alternatives = 1;
        }
    }
    res.nfindings = res.nranked = M_FINDINGS;
    res.nrepairs = M_FINDINGS / 4;
    saksi_provenance prov = {.version = "0.1.0", .seed = 2024, .backend = "cpu"};

    char *dir = test_mkdtemp("measure");
    char path[4200], *list = saksi_strdup(spec), *save = NULL;
    snprintf(path, sizeof path, "%s/report.h5", dir);
    for (char *item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        saksi_report_h5_options o;
        saksi_report_h5_options_init(&o);
        sscanf(item, "%zu:%d", &o.chunk_rows, &o.deflate_level);
        double best = 1e30;
        for (int rep = 0; rep < 3; rep++) {
            double a = saksi_now();
            if (saksi_report_h5_with(path, t, NULL, &res, &prov, &o, &err) != SAKSI_OK)
                fail_msg("%s", err.message);
            double b = saksi_now() - a;
            best = b < best ? b : best;
        }
        struct stat st;
        stat(path, &st);
        hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        hid_t d = open_dset(f, "/stations", M_STATIONS);
        hsize_t stored = H5Dget_storage_size(d);
        hid_t ft = H5Dget_type(d);
        size_t raw = H5Tget_size(ft) * M_STATIONS;
        H5Tclose(ft);
        double r0 = saksi_now();
        unsigned char *buf = malloc(raw);
        ft = H5Dget_type(d);
        assert_true(H5Dread(d, ft, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
        double rt = saksi_now() - r0;
        free(buf);
        H5Tclose(ft);
        H5Dclose(d);
        H5Dclose(open_dset(f, "/findings", M_FINDINGS));
        H5Fclose(f);
        fprintf(stderr,
                "measure: chunk %6zu deflate %d: write %.3f s (best of 3), file %.2f MB, "
                "/stations %.2f MB of %.2f MB raw, read /stations %.3f s\n",
                o.chunk_rows, o.deflate_level, best, st.st_size / 1e6, stored / 1e6, raw / 1e6, rt);
    }
    double a = saksi_now();
    snprintf(path, sizeof path, "%s/ranked.csv", dir);
    assert_int_equal(saksi_report_ranked_csv(path, t, &res, "en", &err), SAKSI_OK);
    fprintf(stderr, "measure: ranked.csv of %d rows in %.3f s\n", M_FINDINGS, saksi_now() - a);
    free(list);
    test_rmtree(dir);
    free(res.eval_mask), free(res.fail_mask), free(res.neg_mask), free(res.klass);
    free(res.findings), free(res.ranked), free(res.repairs);
    saksi_rules_free(rules);
    saksi_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h5_round_trip),
        cmocka_unit_test(test_h5_regions_and_provenance),
        cmocka_unit_test(test_h5_empty_tables),
        cmocka_unit_test(test_h5_byte_identical),
        cmocka_unit_test(test_h5_small_chunks_same_values),
        cmocka_unit_test(test_h5_readable_by_h5py),
        cmocka_unit_test(test_h5_failures_leave_nothing),
        cmocka_unit_test(test_h5_write_failure_is_silent_and_atomic),
        cmocka_unit_test(test_h5_table_helper_guards),
        cmocka_unit_test(test_h5_bad_results_rejected),
        cmocka_unit_test(test_measure_large_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
