/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_colmap.c — column maps: "canonical=input" pairs from --map and from
 * map files (comments, blanks, BOM, CRLF), lookups, and every error with
 * its file and line; the shipped Sirekap (gigit) map.
 * LABELS: unit
 */
#include "test_support.h"

#include "saksi.h"

static char *tmpdir;

static int setup(void **state)
{
    (void)state;
    tmpdir = test_mkdtemp("colmap");
    return tmpdir ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    test_rmtree(tmpdir);
    return 0;
}

/* Write text to tmpdir/name; returns the path (static buffer). */
static const char *write_map(const char *name, const char *text)
{
    static char path[4200];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    assert_int_equal(test_write_file(path, text), 0);
    return path;
}

static void test_pairs_and_lookup(void **state)
{
    (void)state;
    saksi_error err = {0};
    saksi_colmap *m = saksi_colmap_alloc();
    assert_non_null(m);
    assert_int_equal(saksi_colmap_add(m, "registered=DPT", &err), SAKSI_OK);
    /* blanks around both names are not part of them */
    assert_int_equal(saksi_colmap_add(m, "  cand_01 =\tPaslon 1 ", &err), SAKSI_OK);
    /* the input name may itself contain '=' (split at the first one) */
    assert_int_equal(saksi_colmap_add(m, "station_id=kode=tps", &err), SAKSI_OK);
    assert_string_equal(saksi_colmap_canonical(m, "DPT"), "registered");
    assert_string_equal(saksi_colmap_canonical(m, "Paslon 1"), "cand_01");
    assert_string_equal(saksi_colmap_canonical(m, "kode=tps"), "station_id");
    /* unmapped names are returned as they are */
    assert_string_equal(saksi_colmap_canonical(m, "valid"), "valid");
    assert_string_equal(saksi_colmap_canonical(m, "dpt"), "dpt");
    assert_string_equal(saksi_colmap_canonical(NULL, "x"), "x");
    saksi_colmap_free(m);
    saksi_colmap_free(NULL);
}

static void test_pair_errors(void **state)
{
    (void)state;
    saksi_error err = {0};
    saksi_colmap *m = saksi_colmap_alloc();
    assert_int_equal(saksi_colmap_add(m, "registered", &err), SAKSI_ERR_DATA);
    assert_non_null(strstr(err.message, "expected canonical=input"));
    assert_int_equal(saksi_colmap_add(m, "=DPT", &err), SAKSI_ERR_DATA);
    assert_int_equal(saksi_colmap_add(m, "registered=  ", &err), SAKSI_ERR_DATA);
    assert_non_null(strstr(err.message, "non-empty"));
    /* not a canonical name (a typo must not silently map to nothing) */
    assert_int_equal(saksi_colmap_add(m, "registred=DPT", &err), SAKSI_ERR_DATA);
    assert_non_null(strstr(err.message, "'registred' is not a canonical column name"));
    assert_int_equal(saksi_colmap_add(m, "cand_=X", &err), SAKSI_ERR_DATA);
    /* duplicates: the same canonical twice, the same input twice */
    assert_int_equal(saksi_colmap_add(m, "registered=DPT", &err), SAKSI_OK);
    assert_int_equal(saksi_colmap_add(m, "registered=DPT2", &err), SAKSI_ERR_DATA);
    assert_non_null(strstr(err.message, "'registered' is already mapped from 'DPT' (--map)"));
    assert_int_equal(saksi_colmap_add(m, "valid=DPT", &err), SAKSI_ERR_DATA);
    assert_non_null(strstr(err.message, "input column 'DPT' is already mapped to 'registered'"));
    assert_int_equal(saksi_colmap_add(NULL, "a=b", &err), SAKSI_ERR_USAGE);
    assert_int_equal(saksi_colmap_add(m, NULL, &err), SAKSI_ERR_USAGE);
    /* the failed pairs left no entry behind */
    assert_string_equal(saksi_colmap_canonical(m, "DPT2"), "DPT2");
    assert_string_equal(saksi_colmap_canonical(m, "DPT"), "registered");
    saksi_colmap_free(m);
}

static void test_file(void **state)
{
    (void)state;
    saksi_error err = {0};
    saksi_colmap *m = saksi_colmap_alloc();
    /* BOM, CRLF, comments at line start and after a pair, blank lines */
    const char *path = write_map("ok.map", "\xEF\xBB\xBF# a comment\r\n"
                                           "\r\n"
                                           "station_id = kode_tps   # the 13-digit code\r\n"
                                           "   \t \r\n"
                                           "cand_01=paslon_01\n"
                                           "registered=dpt_j");
    assert_int_equal(saksi_colmap_read(m, path, &err), SAKSI_OK);
    assert_string_equal(saksi_colmap_canonical(m, "kode_tps"), "station_id");
    assert_string_equal(saksi_colmap_canonical(m, "paslon_01"), "cand_01");
    assert_string_equal(saksi_colmap_canonical(m, "dpt_j"), "registered");
    /* a --map pair after the file that repeats one of its mappings */
    assert_int_equal(saksi_colmap_add(m, "registered=DPT", &err), SAKSI_ERR_DATA);
    assert_non_null(strstr(err.message, "ok.map:6"));
    saksi_colmap_free(m);
}

static void test_file_errors(void **state)
{
    (void)state;
    saksi_error err = {0};
    saksi_colmap *m = saksi_colmap_alloc();
    char want[4400];

    const char *path = write_map("bad1.map", "station_id=kode_tps\n# fine\nregistered dpt_j\n");
    assert_int_equal(saksi_colmap_read(m, path, &err), SAKSI_ERR_DATA);
    snprintf(want, sizeof want, "%s:3: expected canonical=input, got 'registered dpt_j'", path);
    assert_string_equal(err.message, want);
    saksi_colmap_free(m);

    m = saksi_colmap_alloc();
    path = write_map("bad2.map", "registered=dpt_j\n\nvalid=suara_sah\nregistered=dpt\n");
    assert_int_equal(saksi_colmap_read(m, path, &err), SAKSI_ERR_DATA);
    /* names the line of the duplicate and the line of the first */
    snprintf(want, sizeof want,
             "%s:4: duplicate mapping: 'registered' is already mapped from 'dpt_j' (%s:1)", path,
             path);
    assert_string_equal(err.message, want);
    saksi_colmap_free(m);

    m = saksi_colmap_alloc();
    path = write_map("bad3.map", "cand_01=p1\ncand_02=p1\n");
    assert_int_equal(saksi_colmap_read(m, path, &err), SAKSI_ERR_DATA);
    snprintf(want, sizeof want,
             "%s:2: duplicate mapping: input column 'p1' is already mapped to 'cand_01' (%s:1)",
             path, path);
    assert_string_equal(err.message, want);
    saksi_colmap_free(m);

    m = saksi_colmap_alloc();
    path = write_map("bad4.map", "\n\nvoters=pengguna_total_j\n");
    assert_int_equal(saksi_colmap_read(m, path, &err), SAKSI_ERR_DATA);
    assert_non_null(strstr(err.message, "bad4.map:3: 'voters' is not a canonical column name"));
    saksi_colmap_free(m);

    m = saksi_colmap_alloc();
    snprintf(want, sizeof want, "%s/absent.map", tmpdir);
    assert_int_equal(saksi_colmap_read(m, want, &err), SAKSI_ERR_NOINPUT);
    assert_non_null(strstr(err.message, "absent.map"));
    assert_non_null(strstr(err.message, "No such file or directory"));
    /* a directory opens but cannot be read */
    assert_int_equal(saksi_colmap_read(m, tmpdir, &err), SAKSI_ERR_IO);
    assert_int_equal(saksi_colmap_read(NULL, want, &err), SAKSI_ERR_USAGE);
    saksi_colmap_free(m);
}

/* The shipped map for the real gigit CSV: every line is well formed and
 * maps the Sirekap names DESIGN §3 and the dataset's SOURCE.md give. */
static void test_gigit_map(void **state)
{
    (void)state;
    saksi_error err = {0};
    saksi_colmap *m = saksi_colmap_alloc();
    assert_int_equal(
        saksi_colmap_read(m, SAKSI_SOURCE_DIR "/datasets/maps/sirekap-gigit.map", &err), SAKSI_OK);
    static const char *const pairs[][2] = {
        {"kode_tps", "station_id"},
        {"paslon_01", "cand_01"},
        {"paslon_02", "cand_02"},
        {"paslon_03", "cand_03"},
        {"dpt_j", "registered"},
        {"dpt_l", "registered_male"},
        {"dpt_p", "registered_female"},
        {"pengguna_dpt_j", "voters_dpt"},
        {"pengguna_dptb_l", "voters_dptb_male"},
        {"pengguna_dpk_p", "voters_dpk_female"},
        {"pengguna_total_j", "voters_total"},
        {"suara_sah", "valid"},
        {"suara_tidak_sah", "invalid"},
        {"suara_total", "total"},
        /* not mapped: the region parts of the code, the slugs */
        {"prov_kode", "prov_kode"},
        {"source_path", "source_path"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++)
        assert_string_equal(saksi_colmap_canonical(m, pairs[i][0]), pairs[i][1]);
    saksi_colmap_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pairs_and_lookup),
        cmocka_unit_test(test_pair_errors),
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_gigit_map),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
