/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_cli.c — the saksi command line end to end: the golden run on the
 * hand-checked fixture (datasets/fixtures/audit-tiny.csv, expected rows in
 * datasets/fixtures/README.md), exit codes of every error path (sysexits),
 * --strict, the backends, and simulate.
 * LABELS: unit opencl
 */
#include "test_support.h"

/* Run the CLI from the source directory; stdout/stderr into files of dir. */
static int cli(const char *dir, const char *env, const char *args)
{
    return test_run("cd '%s' && %s '%s' %s >'%s/stdout' 2>'%s/stderr'", SAKSI_SOURCE_DIR,
                    env ? env : "", SAKSI_CLI, args, dir, dir);
}

static char *slurp(const char *dir, const char *name)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return test_read_file(path, NULL);
}

static void assert_file_equal(const char *path, const char *golden)
{
    char g[4200];
    snprintf(g, sizeof g, "%s/%s", SAKSI_SOURCE_DIR, golden);
    char *a = test_read_file(path, NULL), *b = test_read_file(g, NULL);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b);
    free(a);
    free(b);
}

static int exists(const char *dir, const char *name)
{
    char path[4200];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

#define TINY "datasets/fixtures/audit-tiny.csv"

/* The golden run: ranked.csv and quarantine.csv byte for byte, and the
 * JSON summary's counts (11 stations accepted of 13 records). */
static void test_golden_run(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("cli");
    char args[4400], path[4200];
    snprintf(args, sizeof args, "audit " TINY " -o '%s/out' --json --backend cpu", dir);
    assert_int_equal(cli(dir, NULL, args), 0);
    snprintf(path, sizeof path, "%s/out/ranked.csv", dir);
    assert_file_equal(path, "datasets/fixtures/audit-tiny.ranked.csv");
    snprintf(path, sizeof path, "%s/out/quarantine.csv", dir);
    assert_file_equal(path, "datasets/fixtures/audit-tiny.quarantine.csv");
    assert_true(exists(dir, "out/report.h5"));
    char *json = slurp(dir, "stdout");
    assert_non_null(strstr(json, "\"accepted\": 11"));
    assert_non_null(strstr(json, "\"quarantined\": 2"));
    assert_non_null(strstr(json, "\"integrity\": 3"));
    assert_non_null(strstr(json, "\"transcription\": 2"));
    assert_non_null(strstr(json, "\"incomplete\": 1"));
    free(json);
    /* The JSON is valid (parsed by an independent parser). */
    assert_int_equal(test_run("/usr/bin/python3 -m json.tool '%s/stdout' >/dev/null", dir), 0);
    char *err = slurp(dir, "stderr");
    assert_non_null(strstr(err, "11 stations read (2 quarantined)"));
    assert_non_null(strstr(err, "report in"));
    free(err);

    /* Bahasa Indonesia reasons. */
    snprintf(args, sizeof args, "audit " TINY " -o '%s/id' --lang id --backend cpu -q", dir);
    assert_int_equal(cli(dir, NULL, args), 0);
    char *ranked = slurp(dir, "id/ranked.csv");
    assert_non_null(strstr(ranked, "kemungkinan salah baca"));
    assert_non_null(strstr(ranked, "selisih 47 suara"));
    free(ranked);
    test_rmtree(dir);
}

/* --strict: quarantined records are fatal (65) after quarantine.csv is
 * written, and no report appears. */
static void test_strict(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("cli");
    char args[4400];
    snprintf(args, sizeof args, "audit " TINY " -o '%s/out' --strict --backend cpu", dir);
    assert_int_equal(cli(dir, NULL, args), 65);
    assert_true(exists(dir, "out/quarantine.csv"));
    assert_false(exists(dir, "out/report.h5"));
    assert_false(exists(dir, "out/ranked.csv"));
    char *err = slurp(dir, "stderr");
    assert_non_null(strstr(err, "2 record(s) quarantined under --strict"));
    assert_non_null(strstr(err, "audit-tiny.csv line 9 column 2"));
    free(err);
    test_rmtree(dir);
}

static void test_error_exits(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("cli");
    char args[4400];
    /* No such input: 66, naming the path. */
    snprintf(args, sizeof args, "audit /nonexistent/x.csv -o '%s/out'", dir);
    assert_int_equal(cli(dir, NULL, args), 66);
    char *err = slurp(dir, "stderr");
    assert_non_null(strstr(err, "/nonexistent/x.csv"));
    free(err);
    /* Output under a regular file: 73. */
    snprintf(args, sizeof args, "audit " TINY " -o '%s/stdout/sub' --backend cpu", dir);
    assert_int_equal(cli(dir, NULL, args), 73);
    /* Malformed header (no registered column): 65 naming the file. */
    char bad[4200];
    snprintf(bad, sizeof bad, "%s/bad.csv", dir);
    assert_int_equal(test_write_file(bad, "station_id,cand_01\nA,1\n"), 0);
    snprintf(args, sizeof args, "audit '%s' -o '%s/out' --backend cpu", bad, dir);
    assert_int_equal(cli(dir, NULL, args), 65);
    err = slurp(dir, "stderr");
    assert_non_null(strstr(err, "bad.csv"));
    free(err);
    /* A broken rules file: 65 with file and line. */
    char rules[4200];
    snprintf(rules, sizeof rules, "%s/x.rules", dir);
    assert_int_equal(test_write_file(rules, "rule a integrity : valid == totl\n"), 0);
    snprintf(args, sizeof args, "audit " TINY " -o '%s/out' --rules '%s' --backend cpu", dir, rules);
    assert_int_equal(cli(dir, NULL, args), 65);
    err = slurp(dir, "stderr");
    assert_non_null(strstr(err, "x.rules:1: unknown field 'totl'"));
    free(err);
    /* Usage errors: 64. */
    assert_int_equal(cli(dir, NULL, "audit " TINY), 64);
    assert_int_equal(cli(dir, NULL, "audit " TINY " -o x --frobnicate"), 64);
    assert_int_equal(cli(dir, NULL, "audit " TINY " -o x --backend gpu"), 64);
    assert_int_equal(cli(dir, NULL, "audit " TINY " -o x --device 1"), 64);
    assert_int_equal(cli(dir, NULL, "audit " TINY " -o x --integer-leader 0"), 64);
    assert_int_equal(cli(dir, NULL, "audit " TINY " -o x --integer-tolerance abc"), 64);
    assert_int_equal(cli(dir, NULL, "audit " TINY " -o x --baseline-null binomial"), 64);
    char *usage = slurp(dir, "stderr");
    assert_non_null(strstr(usage, "--baseline-null takes logit-normal or beta-binomial"));
    free(usage);
    /* the family refuses what the parser cannot know: a leader past the
     * candidates, a tolerance off the exact 0.0001 grid */
    snprintf(args, sizeof args, "audit %s -o '%s/o2' --integer-leader 9", TINY, dir);
    assert_int_equal(cli(dir, NULL, args), 64);
    usage = slurp(dir, "stderr");
    assert_non_null(strstr(usage, "candidate 9 (counting from 1), but the input has 2"));
    free(usage);
    snprintf(args, sizeof args, "audit %s -o '%s/o3' --integer-tolerance 0.00005", TINY, dir);
    assert_int_equal(cli(dir, NULL, args), 64);
    assert_int_equal(cli(dir, NULL, "frobnicate"), 64);
    assert_int_equal(cli(dir, NULL, ""), 64);
    assert_int_equal(cli(dir, NULL, "--help"), 0);
    char *out = slurp(dir, "stdout");
    assert_non_null(strstr(out, "not proof of fraud"));
    free(out);
    assert_int_equal(cli(dir, NULL, "--version"), 0);
    out = slurp(dir, "stdout");
    assert_non_null(strstr(out, "saksi 0.1.0"));
    assert_non_null(strstr(out, "HDF5 1."));
    free(out);
    test_rmtree(dir);
}

/* No OpenCL platform (the ICD loader pointed at an empty vendor folder):
 * --backend opencl fails with 69, auto runs the CPU path and says why. */
static void test_backends_without_platform(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("cli");
    char args[4400], env[4300];
    snprintf(env, sizeof env, "mkdir -p '%s/vendors' && OCL_ICD_VENDORS='%s/vendors'", dir, dir);
    snprintf(args, sizeof args, "audit " TINY " -o '%s/out' --backend opencl", dir);
    assert_int_equal(cli(dir, env, args), 69);
    char *err = slurp(dir, "stderr");
    assert_non_null(strstr(err, "OpenCL"));
    free(err);
    assert_false(exists(dir, "out/report.h5"));
    snprintf(args, sizeof args, "audit " TINY " -o '%s/out'", dir);
    assert_int_equal(cli(dir, env, args), 0);
    err = slurp(dir, "stderr");
    assert_non_null(strstr(err, "cpu path"));
    free(err);
    assert_int_equal(cli(dir, env, "devices"), 0);
    char *out = slurp(dir, "stdout");
    assert_non_null(strstr(out, "no OpenCL platform found"));
    free(out);
    test_rmtree(dir);
}

/* A kernel that does not compile: --backend opencl fails (69) with the
 * build log in the message; auto on an explicitly chosen device falls back
 * to the CPU path and still writes the same ranked list. */
static void test_kernel_build_failure(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("cli");
    char args[4600], path[4200];
    assert_int_equal(test_run("mkdir -p '%s/k' && cp '%s'/kernels/*.cl '%s'/kernels/*.h '%s/k/'",
                              dir, SAKSI_SOURCE_DIR, SAKSI_SOURCE_DIR, dir),
                     0);
    snprintf(path, sizeof path, "%s/k/integrity.cl", dir);
    assert_int_equal(test_write_file(path, "__kernel void integrity_check(void) { syntax error }\n"),
                     0);
    snprintf(args, sizeof args,
             "audit " TINY " -o '%s/out' --backend opencl --kernel-dir '%s/k' --cache-dir ''", dir,
             dir);
    assert_int_equal(cli(dir, NULL, args), 69);
    char *err = slurp(dir, "stderr");
    assert_non_null(strstr(err, "build"));
    assert_non_null(strstr(err, "error"));
    free(err);
    snprintf(args, sizeof args,
             "audit " TINY " -o '%s/out' --device 0:0 --kernel-dir '%s/k' --cache-dir ''", dir,
             dir);
    assert_int_equal(cli(dir, NULL, args), 0);
    err = slurp(dir, "stderr");
    assert_non_null(strstr(err, "cpu path"));
    free(err);
    snprintf(path, sizeof path, "%s/out/ranked.csv", dir);
    assert_file_equal(path, "datasets/fixtures/audit-tiny.ranked.csv");
    test_rmtree(dir);
}

/* --no-size-trend and --no-size-dispersion reach the baselines: the
 * report's parameters say so and every measure's slope is exactly 0
 * (read back with h5py); without them the parameters say 1. */
static void test_no_size_trend(void **state)
{
    (void)state;
    static const char *const flag[2] = {"trend", "dispersion"};
    char *dir = test_mkdtemp("cli");
    char args[4400];
    for (int k = 0; k < 2; k++)
        for (int on = 0; on < 2; on++) {
            snprintf(args, sizeof args, "audit " TINY " -o '%s/t%d%d' --backend cpu -q%s%s", dir, k,
                     on, on ? "" : " --no-size-", on ? "" : flag[k]);
            assert_int_equal(cli(dir, NULL, args), 0);
            assert_int_equal(
                test_run(
                    "/usr/bin/python3 -c \"import h5py,sys; f=h5py.File('%s/t%d%d/report.h5'); "
                    "p=f.attrs['parameters']; p=p.decode() if isinstance(p,bytes) else p; "
                    "t=f['/baselines/measures']['size_%s']; "
                    "sys.exit(0 if 'baseline_size_%s=%d' in p and (%d or (t==0).all()) "
                    "else 1)\"",
                    dir, k, on, flag[k], flag[k], on, on),
                0);
        }
    test_rmtree(dir);
}

/* The OpenCL path (PoCL) and the CPU path give the same bytes under
 * --reproducible: ranked.csv and report.h5. */
static void test_opencl_equals_cpu(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("cli");
    char args[4600];
    snprintf(args, sizeof args,
             "simulate -o '%s/sim' --stations 20000 --seed 11 --plant all=0.01", dir);
    assert_int_equal(cli(dir, NULL, args), 0);
    snprintf(args, sizeof args,
             "audit '%s/sim/stations.csv' -o '%s/cpu' --backend cpu --reproducible -q", dir, dir);
    assert_int_equal(cli(dir, NULL, args), 0);
    snprintf(args, sizeof args,
             "audit '%s/sim/stations.csv' -o '%s/cl' --backend opencl --reproducible -q "
             "--local-size 64 --batch-rows 7000",
             dir, dir);
    assert_int_equal(cli(dir, NULL, args), 0);
    assert_int_equal(test_run("cmp -s '%s/cpu/ranked.csv' '%s/cl/ranked.csv'", dir, dir), 0);
    assert_int_equal(test_run("cmp -s '%s/cpu/report.h5' '%s/cl/report.h5'", dir, dir), 0);
    /* simulate is deterministic: the same seed gives the same file. */
    snprintf(args, sizeof args,
             "simulate -o '%s/sim2' --stations 20000 --seed 11 --plant all=0.01", dir);
    assert_int_equal(cli(dir, NULL, args), 0);
    assert_int_equal(test_run("cmp -s '%s/sim/stations.csv' '%s/sim2/stations.csv'", dir, dir), 0);
    assert_int_equal(test_run("cmp -s '%s/sim/labels.csv' '%s/sim2/labels.csv'", dir, dir), 0);
    assert_int_equal(cli(dir, NULL, "simulate -o x --plant nonsense=0.1"), 64);
    assert_int_equal(cli(dir, NULL, "simulate -o x --plant all=2"), 64);
    test_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_run),
        cmocka_unit_test(test_strict),
        cmocka_unit_test(test_error_exits),
        cmocka_unit_test(test_backends_without_platform),
        cmocka_unit_test(test_kernel_build_failure),
        cmocka_unit_test(test_opencl_equals_cpu),
        cmocka_unit_test(test_no_size_trend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
