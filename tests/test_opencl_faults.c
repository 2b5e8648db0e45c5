/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_opencl_faults.c — the OpenCL runtime's error paths, provoked by
 * wrapping OpenCL calls at link time (cmocka's chef_wrap pattern): no
 * platform, no device, and each kind of call failing with a chosen code,
 * before and in the middle of a run. Every failure must come back as
 * SAKSI_ERR_OPENCL (SAKSI_ERR_NOMEM for CL_OUT_OF_HOST_MEMORY) naming the
 * call and the code, with every OpenCL object released (counted by the
 * wrappers). Calls not armed to fail go through
 * to the real driver (PoCL), so this includes CL/cl.h, as only the runtime
 * otherwise does.
 * LABELS: unit
 * WRAP: clGetPlatformIDs clGetPlatformInfo clGetDeviceIDs clGetDeviceInfo
 * WRAP: clCreateContext clReleaseContext clCreateCommandQueue clReleaseCommandQueue
 * WRAP: clCreateProgramWithSource clCreateProgramWithBinary clBuildProgram clReleaseProgram
 * WRAP: clGetProgramInfo clCreateKernel clReleaseKernel clCreateBuffer clReleaseMemObject
 * WRAP: clSetKernelArg clGetKernelWorkGroupInfo clEnqueueWriteBuffer clEnqueueNDRangeKernel
 * WRAP: clEnqueueReadBuffer
 */
#include "test_support.h"

#include "opencl_private.h" /* SAKSI_NKERNELS */
#include "saksi_opencl.h"

#include <CL/cl.h>

/* ------------------------------------------------------------------ */
/* Fault injection and object counting                                 */
/* ------------------------------------------------------------------ */

/* The armed fault: the at-th call (from 1; 0: every call) of `name`
 * returns `code`. */
static struct {
    const char *name;
    int at, calls;
    cl_int code;
} fault;

static void arm(const char *name, int at, cl_int code)
{
    fault.name = name;
    fault.at = at;
    fault.calls = 0;
    fault.code = code;
}

static void disarm(void)
{
    fault.name = NULL;
}

static int should_fail(const char *name)
{
    if (!fault.name || strcmp(fault.name, name) != 0)
        return 0;
    ++fault.calls;
    return fault.at == 0 || fault.calls == fault.at;
}

/* OpenCL objects alive, by kind: created through a wrapper minus released. */
enum { L_CONTEXT, L_QUEUE, L_PROGRAM, L_KERNEL, L_MEM, NLIVE };
static int live[NLIVE];

static void assert_nothing_alive(void)
{
    static const char *const kind[NLIVE] = {"context", "queue", "program", "kernel", "buffer"};
    for (int k = 0; k < NLIVE; k++)
        if (live[k] != 0)
            fail_msg("%d %s object(s) not released", live[k], kind[k]);
}

/* Each wrapper has the type of the function it wraps, so that the
 * compiler checks the signature against cl.h. */
#define DECLARE(fn) __typeof__(fn) __real_##fn, __wrap_##fn

DECLARE(clGetPlatformIDs);
cl_int __wrap_clGetPlatformIDs(cl_uint n, cl_platform_id *p, cl_uint *np)
{
    if (should_fail("clGetPlatformIDs")) {
        if (np && fault.code == CL_SUCCESS)
            *np = 0; /* a loader that reports success and no platform */
        return fault.code;
    }
    return __real_clGetPlatformIDs(n, p, np);
}

DECLARE(clGetPlatformInfo);
cl_int __wrap_clGetPlatformInfo(cl_platform_id p, cl_platform_info i, size_t s, void *v, size_t *r)
{
    return should_fail("clGetPlatformInfo") ? fault.code : __real_clGetPlatformInfo(p, i, s, v, r);
}

DECLARE(clGetDeviceIDs);
cl_int __wrap_clGetDeviceIDs(cl_platform_id p, cl_device_type t, cl_uint n, cl_device_id *d,
                             cl_uint *nd)
{
    return should_fail("clGetDeviceIDs") ? fault.code : __real_clGetDeviceIDs(p, t, n, d, nd);
}

DECLARE(clGetDeviceInfo);
cl_int __wrap_clGetDeviceInfo(cl_device_id d, cl_device_info i, size_t s, void *v, size_t *r)
{
    return should_fail("clGetDeviceInfo") ? fault.code : __real_clGetDeviceInfo(d, i, s, v, r);
}

DECLARE(clCreateContext);
cl_context __wrap_clCreateContext(const cl_context_properties *p, cl_uint n, const cl_device_id *d,
                                  void(CL_CALLBACK *cb)(const char *, const void *, size_t, void *),
                                  void *u, cl_int *e)
{
    if (should_fail("clCreateContext")) {
        *e = fault.code;
        return NULL;
    }
    cl_context c = __real_clCreateContext(p, n, d, cb, u, e);
    live[L_CONTEXT] += c != NULL;
    return c;
}

DECLARE(clReleaseContext);
cl_int __wrap_clReleaseContext(cl_context c)
{
    cl_int e = __real_clReleaseContext(c);
    live[L_CONTEXT] -= e == CL_SUCCESS;
    return e;
}

DECLARE(clCreateCommandQueue);
cl_command_queue __wrap_clCreateCommandQueue(cl_context c, cl_device_id d,
                                             cl_command_queue_properties p, cl_int *e)
{
    if (should_fail("clCreateCommandQueue")) {
        *e = fault.code;
        return NULL;
    }
    cl_command_queue q = __real_clCreateCommandQueue(c, d, p, e);
    live[L_QUEUE] += q != NULL;
    return q;
}

DECLARE(clReleaseCommandQueue);
cl_int __wrap_clReleaseCommandQueue(cl_command_queue q)
{
    cl_int e = __real_clReleaseCommandQueue(q);
    live[L_QUEUE] -= e == CL_SUCCESS;
    return e;
}

DECLARE(clCreateProgramWithSource);
cl_program __wrap_clCreateProgramWithSource(cl_context c, cl_uint n, const char **s,
                                            const size_t *l, cl_int *e)
{
    if (should_fail("clCreateProgramWithSource")) {
        *e = fault.code;
        return NULL;
    }
    cl_program p = __real_clCreateProgramWithSource(c, n, s, l, e);
    live[L_PROGRAM] += p != NULL;
    return p;
}

DECLARE(clCreateProgramWithBinary);
cl_program __wrap_clCreateProgramWithBinary(cl_context c, cl_uint n, const cl_device_id *d,
                                            const size_t *l, const unsigned char **b, cl_int *st,
                                            cl_int *e)
{
    if (should_fail("clCreateProgramWithBinary")) {
        *e = fault.code;
        return NULL;
    }
    cl_program p = __real_clCreateProgramWithBinary(c, n, d, l, b, st, e);
    live[L_PROGRAM] += p != NULL;
    return p;
}

DECLARE(clBuildProgram);
cl_int __wrap_clBuildProgram(cl_program p, cl_uint n, const cl_device_id *d, const char *o,
                             void(CL_CALLBACK *cb)(cl_program, void *), void *u)
{
    return should_fail("clBuildProgram") ? fault.code : __real_clBuildProgram(p, n, d, o, cb, u);
}

DECLARE(clReleaseProgram);
cl_int __wrap_clReleaseProgram(cl_program p)
{
    cl_int e = __real_clReleaseProgram(p);
    live[L_PROGRAM] -= e == CL_SUCCESS;
    return e;
}

DECLARE(clGetProgramInfo);
cl_int __wrap_clGetProgramInfo(cl_program p, cl_program_info i, size_t s, void *v, size_t *r)
{
    return should_fail("clGetProgramInfo") ? fault.code : __real_clGetProgramInfo(p, i, s, v, r);
}

DECLARE(clCreateKernel);
cl_kernel __wrap_clCreateKernel(cl_program p, const char *name, cl_int *e)
{
    if (should_fail("clCreateKernel")) {
        *e = fault.code;
        return NULL;
    }
    cl_kernel k = __real_clCreateKernel(p, name, e);
    live[L_KERNEL] += k != NULL;
    return k;
}

DECLARE(clReleaseKernel);
cl_int __wrap_clReleaseKernel(cl_kernel k)
{
    cl_int e = __real_clReleaseKernel(k);
    live[L_KERNEL] -= e == CL_SUCCESS;
    return e;
}

DECLARE(clCreateBuffer);
cl_mem __wrap_clCreateBuffer(cl_context c, cl_mem_flags f, size_t s, void *h, cl_int *e)
{
    if (should_fail("clCreateBuffer")) {
        *e = fault.code;
        return NULL;
    }
    cl_mem m = __real_clCreateBuffer(c, f, s, h, e);
    live[L_MEM] += m != NULL;
    return m;
}

DECLARE(clReleaseMemObject);
cl_int __wrap_clReleaseMemObject(cl_mem m)
{
    cl_int e = __real_clReleaseMemObject(m);
    live[L_MEM] -= e == CL_SUCCESS;
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
                                     const size_t *g, const size_t *l, cl_uint n,
                                     const cl_event *w, cl_event *ev)
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
/* A small table for the runs                                          */
/* ------------------------------------------------------------------ */

enum { NST = 10, BATCH = 4 }; /* three batches: 4 + 4 + 2 */

static saksi_rules *rules;
static saksi_table *table;
static int32_t *prog;
static size_t prog_len;
static uint32_t enabled[NST], cpu_ev[NST], cpu_fl[NST], cpu_ng[NST];

static int group_setup(void **state)
{
    (void)state;
    saksi_error err = {0};
    int present[SAKSI_NFIXED];
    const char *labels[2] = {"01", "02"};
    for (int f = 0; f < SAKSI_NFIXED; f++)
        present[f] = 1;
    if (saksi_rules_load(NULL, &rules, &err) != SAKSI_OK ||
        !(table = saksi_table_alloc(present, 2, labels)))
        return -1;
    for (int k = 0; k < NST; k++) {
        int32_t v[SAKSI_NFIXED + 2];
        char id[16];
        for (int f = 0; f < SAKSI_NFIXED + 2; f++)
            v[f] = 10 * f + k; /* arbitrary counts: many rules fail, none is missing */
        snprintf(id, sizeof id, "32%011d", k);
        if (saksi_table_append(table, id, strlen(id), NULL, v, 0, (uint64_t)k + 2, NULL, &err) !=
            SAKSI_OK)
            return -1;
    }
    if (saksi_table_finalize(table, &err) != SAKSI_OK ||
        saksi_rules_compile(rules, table, &prog, &prog_len, &err) != SAKSI_OK ||
        saksi_rules_apply_scopes(rules, table, enabled, &err) != SAKSI_OK)
        return -1;
    saksi_integrity_cpu(prog, table, enabled, 0, NST, cpu_ev, cpu_fl, cpu_ng);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    free(prog);
    saksi_table_free(table);
    saksi_rules_free(rules);
    return 0;
}

static saksi_cl_options options(const char *cache_dir)
{
    saksi_cl_options o;
    saksi_cl_options_init(&o);
    o.allow_cpu = 1;
    o.cache_dir = cache_dir;
    return o;
}

/* Open, run the integrity check in three batches and Philox, close. */
static saksi_status open_and_run(const char *cache_dir, saksi_error *err)
{
    saksi_cl_options o = options(cache_dir);
    saksi_cl *cl = NULL;
    uint32_t ev[NST], fl[NST], ng[NST], words[8];
    const uint32_t ctr[8] = {0}, key[4] = {0};
    saksi_status s = saksi_cl_open(&o, &cl, err);
    if (s == SAKSI_OK)
        s = saksi_cl_integrity(cl, prog, prog_len, table, enabled, BATCH, 0, ev, fl, ng, err);
    /* A run that succeeds must still give the twin's masks. */
    if (s == SAKSI_OK && (memcmp(ev, cpu_ev, sizeof ev) || memcmp(fl, cpu_fl, sizeof fl) ||
                          memcmp(ng, cpu_ng, sizeof ng)))
        fail_msg("masks differ from the CPU twin");
    if (s == SAKSI_OK)
        s = saksi_cl_philox(cl, ctr, key, 2, words, err);
    saksi_cl_close(cl);
    return s;
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

/* The host running out of memory is SAKSI_ERR_NOMEM (exit 71) whichever
 * call says so; every other code is SAKSI_ERR_OPENCL (exit 69). */
static saksi_status expected_status(cl_int code)
{
    return code == CL_OUT_OF_HOST_MEMORY ? SAKSI_ERR_NOMEM : SAKSI_ERR_OPENCL;
}

/* No platform, as the Khronos ICD loader says it (CL_PLATFORM_NOT_FOUND_KHR)
 * and as a loader that answers success with zero platforms. */
static void test_no_platform(void **state)
{
    (void)state;
    const cl_int codes[2] = {-1001, CL_SUCCESS};
    for (int c = 0; c < 2; c++) {
        saksi_device_info *list = (saksi_device_info *)&list; /* must be reset */
        size_t n = 99;
        saksi_error err = {0};
        arm("clGetPlatformIDs", 1, codes[c]);
        assert_int_equal(saksi_devices_list(&list, &n, &err), SAKSI_OK);
        assert_int_equal(n, 0);
        assert_null(list);
        arm("clGetPlatformIDs", 1, codes[c]);
        saksi_cl_options o = options("");
        saksi_cl *cl = (saksi_cl *)&cl;
        assert_int_equal(saksi_cl_open(&o, &cl, &err), SAKSI_ERR_NODEVICE);
        assert_null(cl);
        assert_non_null(strstr(err.message, "no OpenCL platform found"));
        disarm();
        assert_nothing_alive();
    }
}

/* A platform without devices. */
static void test_no_device(void **state)
{
    (void)state;
    saksi_device_info *list = NULL;
    size_t n = 99;
    saksi_error err = {0};
    arm("clGetDeviceIDs", 0, CL_DEVICE_NOT_FOUND);
    assert_int_equal(saksi_devices_list(&list, &n, &err), SAKSI_OK);
    assert_int_equal(n, 0);
    assert_null(list);
    saksi_cl_options o = options("");
    saksi_cl *cl = NULL;
    assert_int_equal(saksi_cl_open(&o, &cl, &err), SAKSI_ERR_NODEVICE);
    assert_non_null(strstr(err.message, "no OpenCL device found on 1 platform"));
    disarm();
}

/* Listing fails with the code named. */
static void test_list_errors(void **state)
{
    (void)state;
    static const struct {
        const char *fn;
        int at;
        cl_int code;
        const char *want;
    } cases[] = {
        {"clGetPlatformIDs", 1, CL_OUT_OF_HOST_MEMORY,
         "clGetPlatformIDs failed: CL_OUT_OF_HOST_MEMORY (-6)"},
        {"clGetPlatformIDs", 2, CL_OUT_OF_HOST_MEMORY,
         "clGetPlatformIDs(1) failed: CL_OUT_OF_HOST_MEMORY (-6)"},
        {"clGetDeviceIDs", 1, CL_INVALID_PLATFORM,
         "clGetDeviceIDs(platform 0) failed: CL_INVALID_PLATFORM (-32)"},
        {"clGetDeviceIDs", 2, CL_OUT_OF_RESOURCES,
         "clGetDeviceIDs(platform 0) failed: CL_OUT_OF_RESOURCES (-5)"},
        {"clGetPlatformInfo", 1, CL_INVALID_VALUE,
         "clGetPlatformInfo(0, CL_PLATFORM_NAME) failed: CL_INVALID_VALUE (-30)"},
        {"clGetDeviceInfo", 1, CL_INVALID_DEVICE,
         "clGetDeviceInfo(0:0, CL_DEVICE_NAME) failed: CL_INVALID_DEVICE (-33)"},
        {"clGetDeviceInfo", 7, CL_INVALID_DEVICE,
         "clGetDeviceInfo(0:0, CL_DEVICE_TYPE) failed: CL_INVALID_DEVICE (-33)"},
        {"clGetDeviceInfo", 10, -9999, "failed: unknown OpenCL error (-9999)"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        saksi_device_info *list = NULL;
        size_t n = 99;
        saksi_error err = {0};
        arm(cases[c].fn, cases[c].at, cases[c].code);
        assert_int_equal(saksi_devices_list(&list, &n, &err), expected_status(cases[c].code));
        disarm();
        if (!strstr(err.message, cases[c].want))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", c, err.message, cases[c].want);
        assert_null(list);
        assert_int_equal(n, 0);
    }
}

/* The brief's case: a buffer allocation failing in the middle of a run
 * (the column buffer, after prog and field_of_slot were made). The error
 * names the call and the code, no buffer survives, and the runtime still
 * works afterwards. */
static void test_buffer_fails_mid_run(void **state)
{
    (void)state;
    saksi_cl_options o = options("");
    saksi_cl *cl = NULL;
    saksi_error err = {0};
    uint32_t ev[NST], fl[NST], ng[NST];
    assert_int_equal(saksi_cl_open(&o, &cl, &err), SAKSI_OK);
    arm("clCreateBuffer", 3, CL_OUT_OF_RESOURCES);
    assert_int_equal(saksi_cl_integrity(cl, prog, prog_len, table, enabled, BATCH, 0, ev, fl, ng,
                                        &err),
                     SAKSI_ERR_OPENCL);
    disarm();
    assert_non_null(strstr(err.message, "clCreateBuffer(cols, "));
    assert_non_null(strstr(err.message, "failed: CL_OUT_OF_RESOURCES (-5)"));
    assert_int_equal(live[L_MEM], 0);
    assert_int_equal(saksi_cl_integrity(cl, prog, prog_len, table, enabled, BATCH, 0, ev, fl, ng,
                                        &err),
                     SAKSI_OK);
    assert_memory_equal(ev, cpu_ev, sizeof ev);
    assert_memory_equal(fl, cpu_fl, sizeof fl);
    assert_memory_equal(ng, cpu_ng, sizeof ng);
    saksi_cl_close(cl);
    assert_nothing_alive();
}

/* Each kind of call failing at open or during a run (the nth call, so
 * that some objects exist when it fails). */
static void test_each_call_fails(void **state)
{
    (void)state;
    /* With 2 candidates the table has 24 slots: a batch is 24 column
     * writes and one mask write, so write 27 is the second batch's. */
    static const struct {
        const char *fn;
        int at;
        cl_int code;
        const char *want;
    } cases[] = {
        {"clGetDeviceInfo", 1, CL_INVALID_DEVICE, "CL_DEVICE_TYPE) failed: CL_INVALID_DEVICE"},
        {"clGetPlatformInfo", 3, CL_OUT_OF_HOST_MEMORY,
         "clGetPlatformInfo(CL_PLATFORM_VERSION) failed: CL_OUT_OF_HOST_MEMORY"},
        {"clCreateContext", 1, CL_DEVICE_NOT_AVAILABLE,
         "clCreateContext(" /* device name */},
        {"clCreateCommandQueue", 1, CL_OUT_OF_RESOURCES, "clCreateCommandQueue("},
        {"clCreateProgramWithSource", 1, CL_OUT_OF_HOST_MEMORY,
         "clCreateProgramWithSource(embedded kernels) failed: CL_OUT_OF_HOST_MEMORY"},
        {"clBuildProgram", 1, CL_COMPILER_NOT_AVAILABLE,
         "failed: CL_COMPILER_NOT_AVAILABLE (-3); build log:\n"},
        {"clCreateKernel", 2, CL_OUT_OF_RESOURCES,
         "clCreateKernel(rng_philox) failed: CL_OUT_OF_RESOURCES"},
        {"clGetKernelWorkGroupInfo", 1, CL_INVALID_KERNEL,
         "clGetKernelWorkGroupInfo(integrity_check, CL_KERNEL_WORK_GROUP_SIZE) failed"},
        {"clCreateBuffer", 1, CL_MEM_OBJECT_ALLOCATION_FAILURE,
         "clCreateBuffer(prog, "},
        {"clCreateBuffer", 7, CL_OUT_OF_RESOURCES, "clCreateBuffer(neg_mask, "},
        {"clCreateBuffer", 9, CL_OUT_OF_RESOURCES, "clCreateBuffer(key, 16 bytes) failed"},
        {"clSetKernelArg", 6, CL_INVALID_ARG_VALUE,
         "clSetKernelArg(integrity_check, 6) failed: CL_INVALID_ARG_VALUE"},
        {"clSetKernelArg", 15, CL_INVALID_ARG_SIZE,
         "clSetKernelArg(rng_philox, 2) failed: CL_INVALID_ARG_SIZE"},
        {"clEnqueueWriteBuffer", 27, CL_OUT_OF_RESOURCES,
         "clEnqueueWriteBuffer(cols, slot 1) failed: CL_OUT_OF_RESOURCES"},
        {"clEnqueueWriteBuffer", 25, CL_OUT_OF_RESOURCES,
         "clEnqueueWriteBuffer(enabled) failed"},
        {"clEnqueueNDRangeKernel", 2, CL_OUT_OF_RESOURCES,
         "clEnqueueNDRangeKernel(integrity_check, 4 rows, local "},
        {"clEnqueueNDRangeKernel", 4, CL_INVALID_WORK_GROUP_SIZE,
         "clEnqueueNDRangeKernel(rng_philox, 2 blocks) failed: CL_INVALID_WORK_GROUP_SIZE"},
        {"clEnqueueReadBuffer", 8, CL_OUT_OF_RESOURCES,
         "clEnqueueReadBuffer(fail_mask) failed: CL_OUT_OF_RESOURCES"},
        {"clEnqueueReadBuffer", 10, CL_OUT_OF_HOST_MEMORY, "clEnqueueReadBuffer(out) failed"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        saksi_error err = {0};
        arm(cases[c].fn, cases[c].at, cases[c].code);
        saksi_status s = open_and_run("", &err);
        int reached = fault.calls >= cases[c].at;
        disarm();
        if (!reached)
            fail_msg("case %zu: %s was called %d times, not %d", c, cases[c].fn, fault.calls,
                     cases[c].at);
        if (s != expected_status(cases[c].code) || !strstr(err.message, cases[c].want))
            fail_msg("case %zu: status %d, \"%s\" lacks \"%s\"", c, s, err.message, cases[c].want);
        assert_non_null(strstr(err.message, cases[c].fn));
        assert_nothing_alive();
    }
    /* Unarmed, the same run succeeds. */
    saksi_error err = {0};
    assert_int_equal(open_and_run("", &err), SAKSI_OK);
    assert_nothing_alive();
}

/* A cache entry that the driver refuses at any step, or a binary that
 * cannot be fetched for storing, costs a source build and never the run. */
static void test_cache_fallbacks(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("faultcache");
    saksi_cl_options o = options(dir);
    saksi_cl *cl = NULL;
    saksi_error err = {0};

    arm("clGetProgramInfo", 1, CL_INVALID_PROGRAM);
    assert_int_equal(saksi_cl_open(&o, &cl, &err), SAKSI_OK);
    disarm();
    assert_non_null(strstr(saksi_cl_cache_note(cl), "not cached in"));
    assert_non_null(strstr(saksi_cl_cache_note(cl), "the driver gives no program binary"));
    saksi_cl_close(cl);
    assert_int_equal(open_and_run(dir, &err), SAKSI_OK); /* stores the entry */

    static const struct {
        const char *fn;
        int at;
        const char *want;
    } cases[] = {
        {"clCreateProgramWithBinary", 1,
         "cached binary rejected by clCreateProgramWithBinary (CL_INVALID_BINARY)"},
        {"clBuildProgram", 1, "cached binary rejected by clBuildProgram (CL_INVALID_BINARY)"},
        {"clCreateKernel", 2, "cached binary rejected by clCreateKernel (CL_INVALID_BINARY)"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        arm(cases[c].fn, cases[c].at, CL_INVALID_BINARY);
        assert_int_equal(saksi_cl_open(&o, &cl, &err), SAKSI_OK);
        disarm();
        assert_int_equal(saksi_cl_from_cache(cl), 0);
        if (!strstr(saksi_cl_cache_note(cl), cases[c].want))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", c, saksi_cl_cache_note(cl), cases[c].want);
        /* The rejected program and its kernels are gone: one of each kind
         * remains, the source-built ones (one per kernel). */
        assert_int_equal(live[L_PROGRAM], 1);
        assert_int_equal(live[L_KERNEL], SAKSI_NKERNELS);
        saksi_cl_close(cl);
        assert_nothing_alive();
    }
    test_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_platform),
        cmocka_unit_test(test_no_device),
        cmocka_unit_test(test_list_errors),
        cmocka_unit_test(test_buffer_fails_mid_run),
        cmocka_unit_test(test_each_call_fails),
        cmocka_unit_test(test_cache_fallbacks),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
