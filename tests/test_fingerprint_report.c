/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_fingerprint_report.c — the fingerprint family through the CLI: the
 * national histogram of report.h5 against one computed here by awk from
 * stations.csv (floating-point floor on the same counts), the provinces
 * and districts adding up to it, the fit, bootstrap and null tables, the
 * region-test rows (descriptive shape rows, never-flagged fit rows), the
 * JSON summary, and the CLI's usage errors.
 * LABELS: unit
 */
#include "test_support.h"

#include "saksi.h"

#include <hdf5.h>
#include <hdf5_hl.h>

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = test_mkdtemp("fprep");
    if (!dir) return -1;
    if (test_run("%s simulate -o '%s/in' --stations 5000 --seed 8 2>/dev/null", SAKSI_CLI, dir))
        return -1;
    return test_run("%s audit '%s/in/stations.csv' -o '%s/fit' --backend cpu --fingerprint-fit "
                    "--fingerprint-bootstrap 3 --fingerprint-null-runs 3 --shape-bootstrap 20 "
                    "--json -q >'%s/fit.json'",
                    SAKSI_CLI, dir, dir, dir);
}

static int teardown(void **state)
{
    (void)state;
    test_rmtree(dir);
    return 0;
}

/* n values of a numeric member of a compound dataset (HDF5 converts by
 * member name). */
static double *read_f64(hid_t f, const char *dset, const char *field, size_t *n)
{
    hid_t d = H5Dopen2(f, dset, H5P_DEFAULT);
    assert_true(d >= 0);
    hid_t s = H5Dget_space(d);
    hsize_t dims[1];
    assert_int_equal(H5Sget_simple_extent_dims(s, dims, NULL), 1);
    hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(double));
    H5Tinsert(mt, field, 0, H5T_NATIVE_DOUBLE);
    double *v = malloc((dims[0] ? dims[0] : 1) * sizeof *v);
    assert_true(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Tclose(mt);
    H5Sclose(s);
    H5Dclose(d);
    *n = (size_t)dims[0];
    return v;
}

/* The "test" member of /region_tests/<level>, as fixed-width strings. */
static char *read_tests(hid_t f, const char *dset, size_t width, size_t *n)
{
    hid_t d = H5Dopen2(f, dset, H5P_DEFAULT);
    hid_t s = H5Dget_space(d);
    hsize_t dims[1];
    H5Sget_simple_extent_dims(s, dims, NULL);
    hid_t st = H5Tcopy(H5T_C_S1);
    H5Tset_size(st, width);
    H5Tset_strpad(st, H5T_STR_NULLPAD);
    H5Tset_cset(st, H5T_CSET_UTF8);
    hid_t mt = H5Tcreate(H5T_COMPOUND, width);
    H5Tinsert(mt, "test", 0, st);
    char *v = calloc(dims[0] + 1, width);
    assert_true(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Tclose(mt);
    H5Tclose(st);
    H5Sclose(s);
    H5Dclose(d);
    *n = (size_t)dims[0];
    return v;
}

static void test_histogram_against_awk(void **state)
{
    (void)state;
    /* awk, independently: leader = most votes; a station counts when it is
     * regular (not 94, 95, 99), registered > 0, voters_dpt <= registered,
     * valid > 0, leader <= valid; bins by floor(100 x), 100% in bin 99. */
    assert_int_equal(
        test_run("awk -F, 'FNR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }"
                 " NR == FNR { for (k = 1; k <= 3; k++) s[k] += $h[\"cand_0\" k]; next }"
                 " FNR == 2 && !L { L = 1; for (k = 2; k <= 3; k++) if (s[k] > s[L]) L = k }"
                 " { p = substr($1, 1, 2); if (p == \"94\" || p == \"95\" || p == \"99\") next;"
                 "   r = $h[\"registered\"]; t = $h[\"voters_dpt\"]; v = $h[\"valid\"];"
                 "   w = $h[\"cand_0\" L]; if (r <= 0 || t > r || v <= 0 || w > v) next;"
                 "   a = int(100 * t / r); if (a > 99) a = 99; b = int(100 * w / v);"
                 "   if (b > 99) b = 99; c[a * 100 + b]++ }"
                 " END { for (k in c) print k, c[k] }' '%s/in/stations.csv' "
                 "'%s/in/stations.csv' | sort -n >'%s/awk.txt'",
                 dir, dir, dir),
        0);
    char path[4096];
    snprintf(path, sizeof path, "%s/fit/report.h5", dir);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    static int32_t nat[SAKSI_NSTRATA][100][100];
    assert_true(H5LTread_dataset_int(f, "/fingerprints/national", &nat[0][0][0]) >= 0);
    snprintf(path, sizeof path, "%s/awk.txt", dir);
    FILE *a = fopen(path, "r");
    assert_non_null(a);
    long bin, count, total = 0, lines = 0;
    while (fscanf(a, "%ld %ld", &bin, &count) == 2) {
        if (nat[SAKSI_STRATUM_REGULAR][bin / 100][bin % 100] != count)
            fail_msg("bin %ld: report %d, awk %ld", bin, nat[0][bin / 100][bin % 100], count);
        total += count;
        lines++;
    }
    fclose(a);
    long sum = 0;
    for (int i = 0; i < 100; i++)
        for (int j = 0; j < 100; j++)
            sum += nat[SAKSI_STRATUM_REGULAR][i][j];
    assert_true(lines > 100);
    assert_int_equal(sum, total);

    /* The provinces add up to the nation. */
    hsize_t dims[4];
    assert_true(H5LTget_dataset_info(f, "/fingerprints/province", dims, NULL, NULL) >= 0);
    int32_t *prov = malloc(dims[0] * dims[1] * dims[2] * dims[3] * 4);
    assert_true(H5LTread_dataset_int(f, "/fingerprints/province", prov) >= 0);
    long psum = 0;
    for (hsize_t p = 0; p < dims[0]; p++)
        for (int k = 0; k < 100 * 100; k++)
            psum += prov[(p * SAKSI_NSTRATA + SAKSI_STRATUM_REGULAR) * 10000 + k];
    assert_int_equal(psum, total);
    free(prov);
    double edges[101];
    assert_true(H5LTread_dataset_double(f, "/fingerprints/turnout_edges", edges) >= 0);
    assert_close(edges[37], 0.37, 1e-15);
    assert_close(edges[100], 1.0, 0);

    /* Every usable station is in exactly one district. */
    size_t n;
    double *dn = read_f64(f, "/shape/district", "n", &n);
    double dsum = 0;
    for (size_t k = 0; k < n; k++)
        dsum += dn[k];
    assert_close(dsum, (double)total, 0);
    free(dn);
    double *natn = read_f64(f, "/shape/national", "n", &n);
    assert_int_equal(n, 1);
    assert_close(natn[0], (double)total, 0);
    free(natn);
    H5Fclose(f);
}

static void test_fit_tables(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/fit/report.h5", dir);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    size_t nfit, nprov, nb, nn;
    double *fe = read_f64(f, "/fingerprints/fit", "f_e", &nfit);
    double *pfe = read_f64(f, "/fingerprints/fit", "p_f_e", &nfit);
    double *runs = read_f64(f, "/fingerprints/fit", "null_runs", &nfit);
    double *pcode = read_f64(f, "/regions/province", "count", &nprov);
    assert_int_equal(nfit, 1 + nprov);
    /* The nation is fitted, p from 3 clean runs is k / 4. */
    assert_true(fe[0] >= 0 && fe[0] <= 1);
    assert_close(runs[0], 3, 0);
    assert_close(pfe[0] * 4, floor(pfe[0] * 4 + 0.5), 1e-12);
    assert_true(pfe[0] >= 0.25 && pfe[0] <= 1);
    double *bfe = read_f64(f, "/fingerprints/fit_bootstrap", "f_e", &nb);
    double *nfe = read_f64(f, "/fingerprints/fit_null", "f_e", &nn);
    assert_int_equal(nb, 3 * nfit);
    assert_int_equal(nn, 3 * nfit);
    for (size_t k = 0; k < 3; k++)
        assert_true(bfe[k] >= 0 && bfe[k] <= 1 && nfe[k] >= 0 && nfe[k] <= 1);
    free(fe), free(pfe), free(runs), free(pcode), free(bfe), free(nfe);
    assert_true(H5Lexists(f, "/fingerprints/model_national", H5P_DEFAULT) > 0);

    /* Region-test rows: shape rows descriptive with no p; fit rows with a
     * calibrated p, an infinite floor and never a flag. */
    size_t nrow;
    char *tests = read_tests(f, "/region_tests/national", 32, &nrow);
    double *descr = read_f64(f, "/region_tests/national", "descriptive", &nrow);
    double *p = read_f64(f, "/region_tests/national", "p", &nrow);
    double *floor_ = read_f64(f, "/region_tests/national", "effect_floor", &nrow);
    double *flag = read_f64(f, "/region_tests/national", "flagged", &nrow);
    int seen_dip = 0, seen_fe = 0;
    for (size_t k = 0; k < nrow; k++) {
        const char *name = tests + 32 * k;
        if (strncmp(name, "turnout_dip", 32) == 0) {
            seen_dip = 1;
            assert_close(descr[k], 1, 0);
            assert_true(isnan(p[k]));
        }
        if (strncmp(name, "fingerprint_fe", 32) == 0) {
            seen_fe = 1;
            assert_close(descr[k], 0, 0);
            assert_true(p[k] > 0 && p[k] <= 1);
            assert_true(isinf(floor_[k]));
            assert_close(flag[k], 0, 0);
        }
    }
    assert_true(seen_dip && seen_fe);
    free(tests), free(descr), free(p), free(floor_), free(flag);
    H5Fclose(f);

    assert_int_equal(
        test_run("/usr/bin/python3 -c 'import json, sys; d = json.load(open(sys.argv[1]));"
                 " f = d[\"fingerprint\"]; assert f[\"fitted\"] is True;"
                 " assert 0 <= f[\"f_e\"] <= 1 and 0 < f[\"p_f_e\"] <= 1;"
                 " assert d[\"timing_s\"][\"fingerprint_fit\"] > 0' '%s/fit.json'",
                 dir),
        0);
}

static void test_without_fit_and_usage(void **state)
{
    (void)state;
    assert_int_equal(test_run("%s audit '%s/in/stations.csv' -o '%s/nofit' --backend cpu "
                              "--shape-bootstrap 5 --json -q >'%s/nofit.json'",
                              SAKSI_CLI, dir, dir, dir),
                     0);
    char path[4096];
    snprintf(path, sizeof path, "%s/nofit/report.h5", dir);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    assert_true(H5Lexists(f, "/fingerprints/national", H5P_DEFAULT) > 0);
    assert_true(H5Lexists(f, "/fingerprints/fit", H5P_DEFAULT) == 0);
    H5Fclose(f);
    assert_int_equal(test_run("/usr/bin/python3 -c 'import json, sys;"
                              " f = json.load(open(sys.argv[1]))[\"fingerprint\"];"
                              " assert f[\"fitted\"] is False and f[\"f_e\"] is None' "
                              "'%s/nofit.json'",
                              dir),
                     0);
    static const char *const bad[] = {"--fingerprint-bins 0", "--fingerprint-bins 256",
                                      "--fingerprint-bins x", "--shape-bootstrap -1",
                                      "--fingerprint-null-runs"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        if (test_run("%s audit '%s/in/stations.csv' -o '%s/bad' %s 2>/dev/null", SAKSI_CLI, dir,
                     dir, bad[k]) != 64)
            fail_msg("'%s' is not a usage error", bad[k]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_histogram_against_awk),
        cmocka_unit_test(test_fit_tables),
        cmocka_unit_test(test_without_fit_and_usage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
