/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_digits_faults.c — the error paths of the digit histogram on a
 * device, provoked by wrapping OpenCL calls at link time (cmocka's
 * chef_wrap pattern, as test_opencl_faults.c): each call failing with a
 * chosen code, first or in a later batch, must come back as
 * SAKSI_ERR_OPENCL naming the call, with every buffer released; a stop
 * request as SAKSI_ERR_INTERRUPTED; and in the family a failing device is
 * fatal under --backend opencl and a fall-back to the CPU twin under auto.
 * Calls not armed go through to the real driver (PoCL).
 * LABELS: unit
 * WRAP: clCreateBuffer clReleaseMemObject clSetKernelArg clGetKernelWorkGroupInfo
 * WRAP: clEnqueueWriteBuffer clEnqueueNDRangeKernel clEnqueueReadBuffer
 */
#include "test_support.h"

#include "digits.h"
#include "saksi_opencl.h"

#include <CL/cl.h>

static struct {
    const char *name;
    int at, calls;
    cl_int code;
} fault;

static int live_buffers;

static void arm(const char *name, int at, cl_int code)
{
    fault.name = name;
    fault.at = at;
    fault.calls = 0;
    fault.code = code;
}

static int should_fail(const char *name)
{
    if (!fault.name || strcmp(fault.name, name) != 0) return 0;
    ++fault.calls;
    return fault.at == 0 || fault.calls == fault.at;
}

#define DECLARE(fn) __typeof__(fn) __real_##fn, __wrap_##fn

DECLARE(clCreateBuffer);
cl_mem __wrap_clCreateBuffer(cl_context c, cl_mem_flags f, size_t s, void *h, cl_int *e)
{
    if (should_fail("clCreateBuffer")) {
        *e = fault.code;
        return NULL;
    }
    cl_mem m = __real_clCreateBuffer(c, f, s, h, e);
    live_buffers += m != NULL;
    return m;
}

DECLARE(clReleaseMemObject);
cl_int __wrap_clReleaseMemObject(cl_mem m)
{
    cl_int e = __real_clReleaseMemObject(m);
    live_buffers -= e == CL_SUCCESS;
    return e;
}

DECLARE(clSetKernelArg);
cl_int __wrap_clSetKernelArg(cl_kernel k, cl_uint i, size_t s, const void *v)
{
    return should_fail("clSetKernelArg") ? fault.code : __real_clSetKernelArg(k, i, s, v);
}

DECLARE(clGetKernelWorkGroupInfo);
cl_int __wrap_clGetKernelWorkGroupInfo(cl_kernel k, cl_device_id d, cl_kernel_work_group_info i,
                                       size_t s, void *v, size_t *r)
{
    return should_fail("clGetKernelWorkGroupInfo")
               ? fault.code
               : __real_clGetKernelWorkGroupInfo(k, d, i, s, v, r);
}

DECLARE(clEnqueueWriteBuffer);
cl_int __wrap_clEnqueueWriteBuffer(cl_command_queue q, cl_mem m, cl_bool b, size_t o, size_t s,
                                   const void *p, cl_uint n, const cl_event *w, cl_event *ev)
{
    return should_fail("clEnqueueWriteBuffer")
               ? fault.code
               : __real_clEnqueueWriteBuffer(q, m, b, o, s, p, n, w, ev);
}

DECLARE(clEnqueueNDRangeKernel);
cl_int __wrap_clEnqueueNDRangeKernel(cl_command_queue q, cl_kernel k, cl_uint d, const size_t *o,
                                     const size_t *g, const size_t *l, cl_uint n, const cl_event *w,
                                     cl_event *ev)
{
    return should_fail("clEnqueueNDRangeKernel")
               ? fault.code
               : __real_clEnqueueNDRangeKernel(q, k, d, o, g, l, n, w, ev);
}

DECLARE(clEnqueueReadBuffer);
cl_int __wrap_clEnqueueReadBuffer(cl_command_queue q, cl_mem m, cl_bool b, size_t o, size_t s,
                                  void *p, cl_uint n, const cl_event *w, cl_event *ev)
{
    return should_fail("clEnqueueReadBuffer")
               ? fault.code
               : __real_clEnqueueReadBuffer(q, m, b, o, s, p, n, w, ev);
}

/* ------------------------------------------------------------------ */

typedef struct world {
    saksi_cl *cl;
    saksi_table *t;
    uint8_t *mask;
    uint32_t *hist;
    saksi_results res;
    saksi_rules *rules;
    int32_t *prog;
} world;

static int setup(void **state)
{
    world *w = calloc(1, sizeof *w);
    saksi_cl_options o;
    saksi_error err = {0};
    saksi_sim_config sc;
    size_t len;
    saksi_cl_options_init(&o);
    o.allow_cpu = 1;
    o.cache_dir = "";
    if (saksi_cl_open(&o, &w->cl, &err) != SAKSI_OK) fail_msg("saksi_cl_open: %s", err.message);
    saksi_sim_config_init(&sc);
    sc.seed = 31;
    sc.stations = 6000;
    assert_int_equal(saksi_simulate_table(&sc, &w->t, NULL, NULL, NULL, &err), SAKSI_OK);
    w->mask = malloc(w->t->n * w->t->ncand);
    memset(w->mask, 1, w->t->n * w->t->ncand);
    w->hist = calloc(w->t->regions[SAKSI_LEVEL_DISTRICT].n * w->t->ncand * SAKSI_DIGIT_HIST, 4);
    assert_int_equal(saksi_rules_load(NULL, &w->rules, &err), SAKSI_OK);
    assert_int_equal(saksi_rules_compile(w->rules, w->t, &w->prog, &len, &err), SAKSI_OK);
    w->res.rules = w->rules;
    w->res.enabled = calloc(w->t->n, 4);
    w->res.eval_mask = calloc(w->t->n, 4);
    w->res.fail_mask = calloc(w->t->n, 4);
    w->res.neg_mask = calloc(w->t->n, 4);
    assert_int_equal(saksi_rules_apply_scopes(w->rules, w->t, w->res.enabled, &err), SAKSI_OK);
    saksi_integrity_cpu(w->prog, w->t, w->res.enabled, 0, w->t->n, w->res.eval_mask,
                        w->res.fail_mask, w->res.neg_mask);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;
    w->res.rules = NULL;
    saksi_results_free(&w->res);
    saksi_rules_free(w->rules);
    free(w->prog);
    free(w->mask);
    free(w->hist);
    saksi_table_free(w->t);
    saksi_cl_close(w->cl);
    free(w);
    return 0;
}

static void test_each_call(void **state)
{
    world *w = *state;
    static const struct {
        const char *call;
        int at;
    } cases[] = {
        {"clGetKernelWorkGroupInfo", 1}, {"clCreateBuffer", 1},
        {"clCreateBuffer", 6},           {"clSetKernelArg", 1},
        {"clSetKernelArg", 9},           {"clEnqueueWriteBuffer", 1},
        {"clEnqueueWriteBuffer", 12},    {"clEnqueueNDRangeKernel", 1},
        {"clEnqueueNDRangeKernel", 2},   {"clEnqueueReadBuffer", 1},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        saksi_error err = {0};
        arm(cases[k].call, cases[k].at, CL_OUT_OF_RESOURCES);
        /* batches of 1000 rows: later calls fail in a later batch */
        saksi_status rc =
            saksi_cl_digits_histogram(w->cl, w->t, 0, w->t->n, w->mask, 1000, 0, w->hist, &err);
        arm(NULL, 0, CL_SUCCESS);
        if (rc != SAKSI_ERR_OPENCL)
            fail_msg("%s #%d: status %d (%s)", cases[k].call, cases[k].at, rc, err.message);
        assert_non_null(strstr(err.message, cases[k].call));
        assert_non_null(strstr(err.message, "CL_OUT_OF_RESOURCES"));
        assert_int_equal(live_buffers, 0);
    }
}

static void test_stop(void **state)
{
    world *w = *state;
    saksi_error err = {0};
    saksi_request_stop();
    assert_int_equal(
        saksi_cl_digits_histogram(w->cl, w->t, 0, w->t->n, w->mask, 1000, 0, w->hist, &err),
        SAKSI_ERR_INTERRUPTED);
    saksi_clear_stop();
    assert_int_equal(live_buffers, 0);
}

static void test_family_fallback(void **state)
{
    world *w = *state;
    saksi_error err = {0};
    saksi_config cfg;
    saksi_config_init(&cfg);
    cfg.backend = SAKSI_BACKEND_OPENCL;
    arm("clEnqueueNDRangeKernel", 0, CL_INVALID_WORK_GROUP_SIZE);
    assert_int_equal(saksi_family_digits(w->t, &w->res, &cfg, w->cl, &err), SAKSI_ERR_OPENCL);
    assert_non_null(strstr(err.message, "CL_INVALID_WORK_GROUP_SIZE"));
    cfg.backend = SAKSI_BACKEND_AUTO;
    assert_int_equal(saksi_family_digits(w->t, &w->res, &cfg, w->cl, &err), SAKSI_OK);
    arm(NULL, 0, CL_SUCCESS);
    assert_string_equal(w->res.digits->backend, "cpu");
    assert_non_null(strstr(w->res.digits->backend_note, "CL_INVALID_WORK_GROUP_SIZE"));
    assert_true(w->res.region_tests->n > 0);
    assert_int_equal(live_buffers, 0);
    /* an interrupted device run is never a fall-back */
    saksi_request_stop();
    assert_int_equal(saksi_family_digits(w->t, &w->res, &cfg, w->cl, &err), SAKSI_ERR_INTERRUPTED);
    saksi_clear_stop();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_call),
        cmocka_unit_test(test_stop),
        cmocka_unit_test(test_family_fallback),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
