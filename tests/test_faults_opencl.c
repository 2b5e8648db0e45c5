/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_faults_opencl.c — OpenCL failing in the middle of an audit, through
 * the engine (tests/test_opencl_faults.c covers each runtime call on its
 * own, tests/test_cli.c no platform and a broken kernel through the CLI):
 * the device running out of resources at a kernel launch after the
 * self-test passed, and a device whose results disagree with the CPU
 * reference in the self-test. With --backend auto (and a device named, so
 * that PoCL's CPU device is used) the audit falls back to the CPU path,
 * says why, and writes the CPU run's report byte for byte; with --backend
 * opencl it fails with SAKSI_ERR_OPENCL or SAKSI_ERR_SELFTEST (exit 69)
 * naming the call and the code. Runs on PoCL.
 * LABELS: opencl
 * WRAP: clEnqueueNDRangeKernel clEnqueueReadBuffer
 */
#include "reliability_support.h"

#include <CL/cl.h>

/* The armed faults: the at-th kernel launch fails with code; or the
 * corrupt-th blocking read has one bit of its first word flipped. */
static struct {
    int launch_at, launches;
    cl_int code;
    int corrupt_at, reads;
} F;

#define DECLARE(fn) __typeof__(fn) __real_##fn, __wrap_##fn
DECLARE(clEnqueueNDRangeKernel);
DECLARE(clEnqueueReadBuffer);

cl_int __wrap_clEnqueueNDRangeKernel(cl_command_queue q, cl_kernel k, cl_uint d, const size_t *o,
                                     const size_t *g, const size_t *l, cl_uint n, const cl_event *w,
                                     cl_event *ev)
{
    if (++F.launches == F.launch_at) return F.code;
    return __real_clEnqueueNDRangeKernel(q, k, d, o, g, l, n, w, ev);
}

cl_int __wrap_clEnqueueReadBuffer(cl_command_queue q, cl_mem m, cl_bool b, size_t o, size_t s,
                                  void *p, cl_uint n, const cl_event *w, cl_event *ev)
{
    cl_int e = __real_clEnqueueReadBuffer(q, m, b, o, s, p, n, w, ev);
    if (e == CL_SUCCESS && ++F.reads == F.corrupt_at && b && s >= sizeof(uint32_t))
        ((uint32_t *)p)[0] ^= 1u << 5; /* as a faulty device or driver might */
    return e;
}

static void arm(int launch_at, cl_int code, int corrupt_at)
{
    F.launch_at = launch_at;
    F.launches = 0;
    F.code = code;
    F.corrupt_at = corrupt_at;
    F.reads = 0;
}

/* ------------------------------------------------------------------ */

enum { STATIONS = 2000, BATCH = 500 };

static char *dir;
static char input[4300], cache[4300];
static rel_reference cpu_ref;

static int group_setup(void **state)
{
    (void)state;
    char out[4400];
    saksi_config cfg;
    saksi_error err = {0};
    dir = rel_mkdtemp("faults-opencl");
    if (!dir || rel_make_input(dir, STATIONS, 31, 0.01) != 0) return -1;
    snprintf(input, sizeof input, "%s/input.csv", dir);
    snprintf(cache, sizeof cache, "%s/clcache", dir);
    rel_config(&cfg);
    snprintf(out, sizeof out, "%s/cpu", dir);
    if (rel_audit(&cfg, input, out, &err) != SAKSI_OK) return -1;
    rel_reference_read(&cpu_ref, out);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    rel_reference_free(&cpu_ref);
    test_rmtree(dir);
    return 0;
}

/* An audit on OpenCL device 0:0 (PoCL) with the backend given; the
 * summary's backend and reason into used/why. */
static saksi_status audit(int backend, const char *out, char *used, char *why, size_t len,
                          saksi_error *err)
{
    saksi_config cfg;
    rel_config(&cfg);
    cfg.backend = backend;
    cfg.platform_index = 0;
    cfg.device_index = 0;
    cfg.batch_rows = BATCH;
    cfg.cache_dir = cache;
    saksi_engine *e = saksi_engine_alloc(&cfg);
    assert_non_null(e);
    saksi_status st = saksi_engine_ingest(e, input, err);
    if (st == SAKSI_OK) st = saksi_engine_run(e, err);
    if (st == SAKSI_OK) {
        const saksi_summary *s = saksi_engine_summary(e);
        snprintf(used, len, "%s", s->backend_used);
        snprintf(why, len, "%s", s->backend_reason);
        st = saksi_engine_write_report(e, out, err);
    }
    saksi_engine_free(e);
    return st;
}

/* Launches: the self-test's Philox (1) and its integrity batches (the
 * first 2,000 stations in batches of 500: 4), then the run's 4 batches.
 * Launch 7 is the run's second batch: the self-test has passed. */
#define MID_RUN_LAUNCH 7

static void test_out_of_resources_mid_run(void **state)
{
    (void)state;
    char out[4400], used[1200], why[1200];
    saksi_error err = {0};

    /* Undisturbed, the device runs and its report is the CPU's. */
    arm(0, CL_SUCCESS, 0);
    snprintf(out, sizeof out, "%s/ocl", dir);
    assert_int_equal(audit(SAKSI_BACKEND_AUTO, out, used, why, sizeof used, &err), SAKSI_OK);
    assert_string_equal(used, "opencl");
    /* (later launches are other families' kernels) */
    assert_true(F.launches >= 1 + 2 * (STATIONS / BATCH));
    assert_int_equal(rel_check_outputs(out, &cpu_ref, "opencl"), REL_NOUTPUTS);

    /* auto: falls back to the CPU path and says why. */
    arm(MID_RUN_LAUNCH, CL_OUT_OF_RESOURCES, 0);
    snprintf(out, sizeof out, "%s/auto-oor", dir);
    assert_int_equal(audit(SAKSI_BACKEND_AUTO, out, used, why, sizeof used, &err), SAKSI_OK);
    assert_string_equal(used, "cpu");
    assert_non_null(strstr(why, "clEnqueueNDRangeKernel(integrity_check, 500 rows"));
    assert_non_null(strstr(why, "CL_OUT_OF_RESOURCES (-5)"));
    assert_non_null(strstr(why, "ran the plain-C path"));
    assert_int_equal(rel_check_outputs(out, &cpu_ref, "auto after a failed launch"), REL_NOUTPUTS);

    /* opencl: the run fails (the CLI's exit 69) and writes nothing. */
    arm(MID_RUN_LAUNCH, CL_OUT_OF_RESOURCES, 0);
    snprintf(out, sizeof out, "%s/opencl-oor", dir);
    assert_int_equal(audit(SAKSI_BACKEND_OPENCL, out, used, why, sizeof used, &err),
                     SAKSI_ERR_OPENCL);
    assert_non_null(strstr(err.message, "clEnqueueNDRangeKernel(integrity_check, 500 rows"));
    assert_non_null(strstr(err.message, "CL_OUT_OF_RESOURCES (-5)"));
    assert_int_equal(access(out, F_OK), -1);
    arm(0, CL_SUCCESS, 0);
}

static void test_selftest_disagreement(void **state)
{
    (void)state;
    char out[4400], used[1200], why[1200];
    saksi_error err = {0};
    /* Blocking reads: Philox's output (1), then the self-test's eval mask
     * of its first batch (2): a flipped bit there is a device that
     * disagrees with the CPU twin. */
    arm(0, CL_SUCCESS, 2);
    snprintf(out, sizeof out, "%s/auto-selftest", dir);
    assert_int_equal(audit(SAKSI_BACKEND_AUTO, out, used, why, sizeof used, &err), SAKSI_OK);
    assert_string_equal(used, "cpu");
    assert_non_null(strstr(why, "disagrees with the CPU reference in the self-test"));
    assert_int_equal(rel_check_outputs(out, &cpu_ref, "auto after a failed self-test"),
                     REL_NOUTPUTS);

    arm(0, CL_SUCCESS, 2);
    snprintf(out, sizeof out, "%s/opencl-selftest", dir);
    assert_int_equal(audit(SAKSI_BACKEND_OPENCL, out, used, why, sizeof used, &err),
                     SAKSI_ERR_SELFTEST);
    assert_non_null(strstr(err.message, "disagrees with the CPU reference in the self-test"));
    assert_int_equal(access(out, F_OK), -1);

    /* Philox's known-answer vectors failing (its read corrupted) is a
     * disagreement too. */
    arm(0, CL_SUCCESS, 1);
    assert_int_equal(audit(SAKSI_BACKEND_OPENCL, out, used, why, sizeof used, &err),
                     SAKSI_ERR_SELFTEST);
    arm(0, CL_SUCCESS, 0);
}

/* Every kernel launch of the run failing in turn (the integrity batches,
 * the digit histograms, the fingerprint binning, the integer-percent
 * membership of issue 4, as they are reached): --backend opencl fails with
 * SAKSI_ERR_OPENCL naming the call and the code and writes nothing;
 * --backend auto falls back for that family and writes the CPU run's
 * report byte for byte. */
static void test_every_launch_fails(void **state)
{
    (void)state;
    char out[4400], used[1200], why[1200];
    saksi_error err = {0};
    arm(0, CL_SUCCESS, 0);
    snprintf(out, sizeof out, "%s/count", dir);
    assert_int_equal(audit(SAKSI_BACKEND_OPENCL, out, used, why, sizeof used, &err), SAKSI_OK);
    const int total = F.launches;
    for (int n = 1; n <= total; n++) {
        char tag[64];
        snprintf(tag, sizeof tag, "launch %d of %d", n, total);
        arm(n, CL_OUT_OF_RESOURCES, 0);
        snprintf(out, sizeof out, "%s/launch-opencl-%d", dir, n);
        memset(&err, 0, sizeof err);
        saksi_status st = audit(SAKSI_BACKEND_OPENCL, out, used, why, sizeof used, &err);
        if (st != SAKSI_ERR_OPENCL || !strstr(err.message, "clEnqueueNDRangeKernel(") ||
            !strstr(err.message, "CL_OUT_OF_RESOURCES (-5)"))
            fail_msg("%s, --backend opencl: status %d, \"%s\"", tag, st, err.message);
        if (access(out, F_OK) != -1) fail_msg("%s, --backend opencl: %s was written", tag, out);
        arm(n, CL_OUT_OF_RESOURCES, 0);
        snprintf(out, sizeof out, "%s/launch-auto-%d", dir, n);
        st = audit(SAKSI_BACKEND_AUTO, out, used, why, sizeof used, &err);
        if (st != SAKSI_OK) fail_msg("%s, --backend auto: status %d, %s", tag, st, err.message);
        assert_int_equal(rel_check_outputs(out, &cpu_ref, tag), REL_NOUTPUTS);
        rel_clear_outputs(out);
        rmdir(out);
    }
    arm(0, CL_SUCCESS, 0);
    fprintf(stderr, "every one of %d kernel launches failed in turn, with both backends\n", total);
    /* the integrity batches and at least one kernel of another family */
    assert_true(total > 1 + 2 * (STATIONS / BATCH));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_out_of_resources_mid_run),
        cmocka_unit_test(test_every_launch_fails),
        cmocka_unit_test(test_selftest_disagreement),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
