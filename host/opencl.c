/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * opencl.c — the OpenCL runtime handle (one context, one in-order queue,
 * one program per engine) and the runs on it: the integrity family in
 * batches with buffers reused across batches, and Philox for the
 * known-answer tests. Every OpenCL error becomes SAKSI_ERR_OPENCL naming
 * the call and the error code.
 */
#include "opencl_private.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* OpenCL 1.2 error codes (cl.h), the later core ones and the common
 * extension ones, so that a message never shows a bare number. */
static const struct {
    cl_int code;
    const char *name;
} error_names[] = {
    {0, "CL_SUCCESS"},
    {-1, "CL_DEVICE_NOT_FOUND"},
    {-2, "CL_DEVICE_NOT_AVAILABLE"},
    {-3, "CL_COMPILER_NOT_AVAILABLE"},
    {-4, "CL_MEM_OBJECT_ALLOCATION_FAILURE"},
    {-5, "CL_OUT_OF_RESOURCES"},
    {-6, "CL_OUT_OF_HOST_MEMORY"},
    {-7, "CL_PROFILING_INFO_NOT_AVAILABLE"},
    {-8, "CL_MEM_COPY_OVERLAP"},
    {-9, "CL_IMAGE_FORMAT_MISMATCH"},
    {-10, "CL_IMAGE_FORMAT_NOT_SUPPORTED"},
    {-11, "CL_BUILD_PROGRAM_FAILURE"},
    {-12, "CL_MAP_FAILURE"},
    {-13, "CL_MISALIGNED_SUB_BUFFER_OFFSET"},
    {-14, "CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST"},
    {-15, "CL_COMPILE_PROGRAM_FAILURE"},
    {-16, "CL_LINKER_NOT_AVAILABLE"},
    {-17, "CL_LINK_PROGRAM_FAILURE"},
    {-18, "CL_DEVICE_PARTITION_FAILED"},
    {-19, "CL_KERNEL_ARG_INFO_NOT_AVAILABLE"},
    {-30, "CL_INVALID_VALUE"},
    {-31, "CL_INVALID_DEVICE_TYPE"},
    {-32, "CL_INVALID_PLATFORM"},
    {-33, "CL_INVALID_DEVICE"},
    {-34, "CL_INVALID_CONTEXT"},
    {-35, "CL_INVALID_QUEUE_PROPERTIES"},
    {-36, "CL_INVALID_COMMAND_QUEUE"},
    {-37, "CL_INVALID_HOST_PTR"},
    {-38, "CL_INVALID_MEM_OBJECT"},
    {-39, "CL_INVALID_IMAGE_FORMAT_DESCRIPTOR"},
    {-40, "CL_INVALID_IMAGE_SIZE"},
    {-41, "CL_INVALID_SAMPLER"},
    {-42, "CL_INVALID_BINARY"},
    {-43, "CL_INVALID_BUILD_OPTIONS"},
    {-44, "CL_INVALID_PROGRAM"},
    {-45, "CL_INVALID_PROGRAM_EXECUTABLE"},
    {-46, "CL_INVALID_KERNEL_NAME"},
    {-47, "CL_INVALID_KERNEL_DEFINITION"},
    {-48, "CL_INVALID_KERNEL"},
    {-49, "CL_INVALID_ARG_INDEX"},
    {-50, "CL_INVALID_ARG_VALUE"},
    {-51, "CL_INVALID_ARG_SIZE"},
    {-52, "CL_INVALID_KERNEL_ARGS"},
    {-53, "CL_INVALID_WORK_DIMENSION"},
    {-54, "CL_INVALID_WORK_GROUP_SIZE"},
    {-55, "CL_INVALID_WORK_ITEM_SIZE"},
    {-56, "CL_INVALID_GLOBAL_OFFSET"},
    {-57, "CL_INVALID_EVENT_WAIT_LIST"},
    {-58, "CL_INVALID_EVENT"},
    {-59, "CL_INVALID_OPERATION"},
    {-60, "CL_INVALID_GL_OBJECT"},
    {-61, "CL_INVALID_BUFFER_SIZE"},
    {-62, "CL_INVALID_MIP_LEVEL"},
    {-63, "CL_INVALID_GLOBAL_WORK_SIZE"},
    {-64, "CL_INVALID_PROPERTY"},
    {-65, "CL_INVALID_IMAGE_DESCRIPTOR"},
    {-66, "CL_INVALID_COMPILER_OPTIONS"},
    {-67, "CL_INVALID_LINKER_OPTIONS"},
    {-68, "CL_INVALID_DEVICE_PARTITION_COUNT"},
    {-69, "CL_INVALID_PIPE_SIZE"},
    {-70, "CL_INVALID_DEVICE_QUEUE"},
    {-71, "CL_INVALID_SPEC_ID"},
    {-72, "CL_MAX_SIZE_RESTRICTION_EXCEEDED"},
    {-1000, "CL_INVALID_GL_SHAREGROUP_REFERENCE_KHR"},
    {-1001, "CL_PLATFORM_NOT_FOUND_KHR"},
    {-1057, "CL_DEVICE_PARTITION_FAILED_EXT"},
    {-1058, "CL_INVALID_PARTITION_COUNT_EXT"},
    {-1059, "CL_INVALID_PARTITION_NAME_EXT"},
    {-1092, "CL_EGL_RESOURCE_NOT_ACQUIRED_KHR"},
    {-1093, "CL_INVALID_EGL_OBJECT_KHR"},
    {-1094, "CL_INVALID_ACCELERATOR_INTEL"},
};

const char *saksi_cl_error_name(cl_int code)
{
    for (size_t i = 0; i < sizeof error_names / sizeof error_names[0]; i++)
        if (error_names[i].code == code)
            return error_names[i].name;
    return "unknown OpenCL error";
}

void saksi_cl_options_init(saksi_cl_options *o)
{
    memset(o, 0, sizeof *o);
    o->platform_index = -1;
    o->device_index = -1;
}

/* The device facts the runtime needs later: names for the cache key and
 * the report, limits for local sizes and buffer sizes. */
static saksi_status query_device(saksi_cl *cl, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    cl_device_type type = 0;
    const struct {
        cl_device_info param;
        const char *name;
        char *buf;
        size_t len;
    } strings[] = {
        {CL_DEVICE_NAME, "CL_DEVICE_NAME", cl->device_name, sizeof cl->device_name},
        {CL_DEVICE_VERSION, "CL_DEVICE_VERSION", cl->device_version, sizeof cl->device_version},
        {CL_DRIVER_VERSION, "CL_DRIVER_VERSION", cl->driver_version, sizeof cl->driver_version},
    };
    const struct {
        cl_device_info param;
        const char *name;
        void *value;
        size_t size;
    } values[] = {
        {CL_DEVICE_TYPE, "CL_DEVICE_TYPE", &type, sizeof type},
        {CL_DEVICE_MAX_WORK_GROUP_SIZE, "CL_DEVICE_MAX_WORK_GROUP_SIZE", &cl->max_work_group,
         sizeof cl->max_work_group},
        {CL_DEVICE_MAX_MEM_ALLOC_SIZE, "CL_DEVICE_MAX_MEM_ALLOC_SIZE", &cl->max_alloc,
         sizeof cl->max_alloc},
        {CL_DEVICE_MAX_CONSTANT_BUFFER_SIZE, "CL_DEVICE_MAX_CONSTANT_BUFFER_SIZE",
         &cl->max_constant, sizeof cl->max_constant},
        {CL_DEVICE_LOCAL_MEM_SIZE, "CL_DEVICE_LOCAL_MEM_SIZE", &cl->local_mem,
         sizeof cl->local_mem},
    };

    SAKSI_CL_CHECK(saksi_cl_platform_string(cl->platform, CL_PLATFORM_NAME, cl->platform_name,
                                            sizeof cl->platform_name),
                   "clGetPlatformInfo(CL_PLATFORM_NAME)");
    SAKSI_CL_CHECK(saksi_cl_platform_string(cl->platform, CL_PLATFORM_VERSION,
                                            cl->platform_version, sizeof cl->platform_version),
                   "clGetPlatformInfo(CL_PLATFORM_VERSION)");
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        SAKSI_CL_CHECK(saksi_cl_device_string(cl->device, strings[i].param, strings[i].buf,
                                              strings[i].len),
                       "clGetDeviceInfo(%s)", strings[i].name);
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        SAKSI_CL_CHECK(clGetDeviceInfo(cl->device, values[i].param, values[i].size,
                                       values[i].value, NULL),
                       "clGetDeviceInfo(%s)", values[i].name);
    cl->is_cpu = (type & CL_DEVICE_TYPE_CPU) != 0;
out:
    return rc;
}

saksi_status saksi_cl_open(const saksi_cl_options *opt, saksi_cl **out, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_cl *cl = NULL;
    cl_int e;

    *out = NULL;
    cl = calloc(1, sizeof *cl);
    if (!cl)
        SAKSI_ALLOC_FAIL("the OpenCL runtime");
    SAKSI_TRY(saksi_cl_select_device(opt, &cl->platform, &cl->device, err));
    SAKSI_TRY(query_device(cl, err));
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)cl->platform, 0};
    /* No notification callback: the library never prints, and every call
     * that fails reports its own error code. */
    cl->ctx = clCreateContext(props, 1, &cl->device, NULL, NULL, &e);
    SAKSI_CL_CHECK(e, "clCreateContext(%s)", cl->device_name);
    cl->queue = clCreateCommandQueue(cl->ctx, cl->device, 0, &e);
    SAKSI_CL_CHECK(e, "clCreateCommandQueue(%s)", cl->device_name);
    SAKSI_TRY(saksi_cl_build_program(cl, opt, err));
    *out = cl;
    cl = NULL;
out:
    saksi_cl_close(cl);
    return rc;
}

void saksi_cl_close(saksi_cl *cl)
{
    if (!cl)
        return;
    for (int k = SAKSI_NKERNELS - 1; k >= 0; k--)
        if (cl->kernel[k])
            clReleaseKernel(cl->kernel[k]);
    if (cl->program)
        clReleaseProgram(cl->program);
    if (cl->queue)
        clReleaseCommandQueue(cl->queue);
    if (cl->ctx)
        clReleaseContext(cl->ctx);
    free(cl);
}

const char *saksi_cl_device_name(const saksi_cl *cl)
{
    return cl->device_name;
}

int saksi_cl_device_is_cpu(const saksi_cl *cl)
{
    return cl->is_cpu;
}

int saksi_cl_from_cache(const saksi_cl *cl)
{
    return cl->from_cache;
}

const char *saksi_cl_cache_note(const saksi_cl *cl)
{
    return cl->cache_note;
}

static saksi_status set_arg(cl_kernel k, const char *kname, cl_uint index, size_t size,
                            const void *value, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    SAKSI_CL_CHECK(clSetKernelArg(k, index, size, value), "clSetKernelArg(%s, %u)", kname,
                   (unsigned)index);
out:
    return rc;
}

/* The work-group size of a run: the caller's (determinism tests), else the
 * kernel's fixed default unless the device allows less. */
static saksi_status pick_local(const saksi_cl *cl, cl_kernel k, const char *kname,
                               size_t requested, size_t fixed, size_t *local, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t limit = 0;
    SAKSI_CL_CHECK(clGetKernelWorkGroupInfo(k, cl->device, CL_KERNEL_WORK_GROUP_SIZE, sizeof limit,
                                            &limit, NULL),
                   "clGetKernelWorkGroupInfo(%s, CL_KERNEL_WORK_GROUP_SIZE)", kname);
    if (requested > limit)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "work-group size %zu exceeds %s's limit of %zu on %s",
                   requested, kname, limit, cl->device_name);
    *local = requested ? requested : fixed < limit ? fixed : limit;
out:
    return rc;
}

/* The global range: n rounded up to a multiple of the local size (OpenCL
 * 1.2 requires it); the kernels return early for gid >= n. */
static size_t global_range(size_t n, size_t local)
{
    return (n + local - 1) / local * local;
}

static void release_buffers(cl_mem *b, size_t n)
{
    for (size_t i = n; i-- > 0;)
        if (b[i])
            clReleaseMemObject(b[i]);
}

/* Buffers of one integrity run, in creation order. */
enum { B_PROG, B_FIELDS, B_COLS, B_ENABLED, B_EVAL, B_FAIL, B_NEG, NBUF };

saksi_status saksi_cl_integrity(saksi_cl *cl, const int32_t *prog, size_t prog_len,
                                const saksi_table *t, const uint32_t *enabled, size_t batch_rows,
                                size_t local_size, uint32_t *eval, uint32_t *fail, uint32_t *neg,
                                saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    cl_mem b[NBUF] = {0};
    cl_kernel k = cl->kernel[SAKSI_K_INTEGRITY_CHECK];
    const char *kname = "integrity_check";
    const size_t n = t->n, nslots = t->nslots, row_bytes = nslots * sizeof(cl_int);
    size_t local = 0, cap;
    int enqueued = 0;
    cl_int e;

    if (n == 0)
        goto out;
    if (prog_len < SAKSI_PROG_HEADER || prog[0] < 0 || prog[0] > SAKSI_MAX_RULES || nslots == 0 ||
        nslots > INT_MAX)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "integrity program of %zu words with %d rules, %zu slots",
                   prog_len, prog_len ? (int)prog[0] : -1, nslots);
    if (prog_len * sizeof(cl_int) > cl->max_constant || row_bytes > cl->max_constant)
        SAKSI_FAIL(SAKSI_ERR_LIMIT,
                   "integrity program (%zu words) or slot map (%zu slots) exceeds the %llu "
                   "bytes of constant memory of %s",
                   prog_len, nslots, (unsigned long long)cl->max_constant, cl->device_name);
    SAKSI_TRY(pick_local(cl, k, kname, local_size, SAKSI_CL_INTEGRITY_LOCAL, &local, err));

    /* One batch of columns must fit one allocation of the device; a smaller
     * batch only means more batches. */
    cap = batch_rows ? batch_rows : SAKSI_CL_DEFAULT_BATCH;
    cap = cap < n ? cap : n;
    if ((cl_ulong)cap * row_bytes > cl->max_alloc)
        cap = (size_t)(cl->max_alloc / row_bytes);
    if (cap == 0) /* cannot happen within the spec's minimum; clCreateBuffer then says so */
        cap = 1;

    const size_t bytes[NBUF] = {prog_len * sizeof(cl_int), row_bytes,  cap * row_bytes,
                                cap * sizeof(cl_uint),     cap * sizeof(cl_uint),
                                cap * sizeof(cl_uint),     cap * sizeof(cl_uint)};
    const cl_mem_flags flags[NBUF] = {CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                                      CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                                      CL_MEM_READ_ONLY,
                                      CL_MEM_READ_ONLY,
                                      CL_MEM_WRITE_ONLY,
                                      CL_MEM_WRITE_ONLY,
                                      CL_MEM_WRITE_ONLY};
    void *const init[NBUF] = {(void *)prog, (void *)t->field_of_slot};
    static const char *const bname[NBUF] = {"prog", "field_of_slot", "cols", "enabled",
                                            "eval_mask", "fail_mask", "neg_mask"};
    for (int i = 0; i < NBUF; i++) {
        b[i] = clCreateBuffer(cl->ctx, flags[i], bytes[i], init[i], &e);
        SAKSI_CL_CHECK(e, "clCreateBuffer(%s, %zu bytes)", bname[i], bytes[i]);
    }

    const cl_int nslots_arg = (cl_int)nslots;
    const cl_ulong stride = cap;
    SAKSI_TRY(set_arg(k, kname, 0, sizeof(cl_mem), &b[B_PROG], err));
    SAKSI_TRY(set_arg(k, kname, 1, sizeof(cl_mem), &b[B_FIELDS], err));
    SAKSI_TRY(set_arg(k, kname, 2, sizeof nslots_arg, &nslots_arg, err));
    SAKSI_TRY(set_arg(k, kname, 3, sizeof(cl_mem), &b[B_COLS], err));
    SAKSI_TRY(set_arg(k, kname, 4, sizeof stride, &stride, err));
    for (cl_uint i = B_ENABLED; i < NBUF; i++)
        SAKSI_TRY(set_arg(k, kname, i + 3, sizeof(cl_mem), &b[i], err)); /* args 6..9 */

    for (size_t first = 0; first < n; first += cap) {
        if (saksi_stop_requested())
            SAKSI_FAIL(SAKSI_ERR_INTERRUPTED,
                       "integrity check interrupted after %zu of %zu stations", first, n);
        const size_t m = n - first < cap ? n - first : cap;
        const cl_ulong rows = m;
        enqueued = 1;
        /* The table is slot-major with stride t->stride, the device buffer
         * slot-major with stride cap: one contiguous copy per slot. The
         * writes need not block: the queue is in order and the table
         * outlives the run. */
        for (size_t s = 0; s < nslots; s++)
            SAKSI_CL_CHECK(clEnqueueWriteBuffer(cl->queue, b[B_COLS], CL_FALSE,
                                                s * cap * sizeof(cl_int), m * sizeof(cl_int),
                                                t->cols + s * t->stride + first, 0, NULL, NULL),
                           "clEnqueueWriteBuffer(cols, slot %zu)", s);
        SAKSI_CL_CHECK(clEnqueueWriteBuffer(cl->queue, b[B_ENABLED], CL_FALSE, 0,
                                            m * sizeof(cl_uint), enabled + first, 0, NULL, NULL),
                       "clEnqueueWriteBuffer(enabled)");
        SAKSI_TRY(set_arg(k, kname, 5, sizeof rows, &rows, err));
        const size_t global = global_range(m, local);
        SAKSI_CL_CHECK(clEnqueueNDRangeKernel(cl->queue, k, 1, NULL, &global, &local, 0, NULL,
                                              NULL),
                       "clEnqueueNDRangeKernel(%s, %zu rows, local %zu)", kname, m, local);
        /* Blocking reads: nothing may still write into the caller's arrays
         * once this function has returned, even on an error. */
        uint32_t *const dst[3] = {eval + first, fail + first, neg + first};
        for (int i = 0; i < 3; i++)
            SAKSI_CL_CHECK(clEnqueueReadBuffer(cl->queue, b[B_EVAL + i], CL_TRUE, 0,
                                               m * sizeof(cl_uint), dst[i], 0, NULL, NULL),
                           "clEnqueueReadBuffer(%s)", bname[B_EVAL + i]);
    }
out:
    /* After a failure, writes enqueued without blocking may still read the
     * caller's table: let them finish before the caller may free it. */
    if (rc != SAKSI_OK && enqueued)
        clFinish(cl->queue);
    release_buffers(b, NBUF);
    return rc;
}

saksi_status saksi_cl_philox(saksi_cl *cl, const uint32_t *ctr, const uint32_t *key, size_t n,
                             uint32_t *out_words, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    cl_mem b[3] = {0};
    cl_kernel k = cl->kernel[SAKSI_K_RNG_PHILOX];
    const char *kname = "rng_philox";
    size_t local = 0;
    cl_int e;

    if (n == 0)
        goto out;
    SAKSI_TRY(pick_local(cl, k, kname, 0, SAKSI_CL_PHILOX_LOCAL, &local, err));
    const size_t bytes[3] = {4 * n * sizeof(cl_uint), 2 * n * sizeof(cl_uint),
                             4 * n * sizeof(cl_uint)};
    const cl_mem_flags flags[3] = {CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                                   CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, CL_MEM_WRITE_ONLY};
    void *const init[3] = {(void *)ctr, (void *)key, NULL};
    static const char *const bname[3] = {"ctr", "key", "out"};
    for (int i = 0; i < 3; i++) {
        b[i] = clCreateBuffer(cl->ctx, flags[i], bytes[i], init[i], &e);
        SAKSI_CL_CHECK(e, "clCreateBuffer(%s, %zu bytes)", bname[i], bytes[i]);
    }
    const cl_ulong count = n;
    SAKSI_TRY(set_arg(k, kname, 0, sizeof(cl_mem), &b[0], err));
    SAKSI_TRY(set_arg(k, kname, 1, sizeof(cl_mem), &b[1], err));
    SAKSI_TRY(set_arg(k, kname, 2, sizeof count, &count, err));
    SAKSI_TRY(set_arg(k, kname, 3, sizeof(cl_mem), &b[2], err));
    const size_t global = global_range(n, local);
    SAKSI_CL_CHECK(clEnqueueNDRangeKernel(cl->queue, k, 1, NULL, &global, &local, 0, NULL, NULL),
                   "clEnqueueNDRangeKernel(%s, %zu blocks)", kname, n);
    SAKSI_CL_CHECK(clEnqueueReadBuffer(cl->queue, b[2], CL_TRUE, 0, bytes[2], out_words, 0, NULL,
                                       NULL),
                   "clEnqueueReadBuffer(out)");
out:
    release_buffers(b, 3);
    return rc;
}
