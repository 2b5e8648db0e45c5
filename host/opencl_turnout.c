/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * opencl_turnout.c — the turnout family's kernel on the device: integer-
 * percent membership of every station (turnout.cl), in batches of the four
 * columns it reads, with buffers created once and reused. The same codes
 * as saksi_kobak_membership_cpu(), checked in tests/test_kobak_opencl.c.
 */
#include "opencl_private.h"
#include "turnout.h"

#include <string.h>

/* Buffers of one run, in creation order. */
enum { B_COLS, B_OUT, NBUF };

static saksi_status arg(cl_kernel k, cl_uint index, size_t size, const void *value,
                        saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    SAKSI_CL_CHECK(clSetKernelArg(k, index, size, value),
                   "clSetKernelArg(turnout_integer_percent, %u)", (unsigned)index);
out:
    return rc;
}

saksi_status saksi_cl_turnout(saksi_cl *cl, const saksi_table *t, const int fields[4],
                              int32_t tol_num, int32_t tol_den, size_t batch_rows,
                              size_t local_size, uint32_t *code, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    cl_mem b[NBUF] = {0};
    cl_kernel k = cl->kernel[SAKSI_K_TURNOUT_INTEGER_PERCENT];
    const size_t n = t->n;
    size_t limit = 0, local, cap;
    int enqueued = 0;
    cl_int e;

    if (n == 0) goto out;
    if (tol_den < 1 || tol_num < 0)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "integer-percent tolerance %d/%d", tol_num, tol_den);
    SAKSI_CL_CHECK(clGetKernelWorkGroupInfo(k, cl->device, CL_KERNEL_WORK_GROUP_SIZE, sizeof limit,
                                            &limit, NULL),
                   "clGetKernelWorkGroupInfo(turnout_integer_percent)");
    if (local_size > limit)
        SAKSI_FAIL(SAKSI_ERR_USAGE,
                   "work-group size %zu exceeds turnout_integer_percent's limit of %zu on %s",
                   local_size, limit, cl->device_name);
    local = local_size                       ? local_size
            : SAKSI_CL_TURNOUT_LOCAL < limit ? SAKSI_CL_TURNOUT_LOCAL
                                             : limit;
    cap = batch_rows ? batch_rows : SAKSI_CL_DEFAULT_BATCH;
    cap = cap < n ? cap : n;
    if ((cl_ulong)cap * 4 * sizeof(cl_int) > cl->max_alloc)
        cap = (size_t)(cl->max_alloc / (4 * sizeof(cl_int)));
    if (cap == 0) cap = 1;

    const size_t bytes[NBUF] = {4 * cap * sizeof(cl_int), cap * sizeof(cl_uint)};
    const cl_mem_flags flags[NBUF] = {CL_MEM_READ_ONLY, CL_MEM_WRITE_ONLY};
    static const char *const bname[NBUF] = {"turnout columns", "turnout codes"};
    for (int i = 0; i < NBUF; i++) {
        b[i] = clCreateBuffer(cl->ctx, flags[i], bytes[i], NULL, &e);
        SAKSI_CL_CHECK(e, "clCreateBuffer(%s, %zu bytes)", bname[i], bytes[i]);
    }
    cl_uint present = 0;
    int slot[4];
    for (int c = 0; c < 4; c++) {
        int f = fields[c];
        slot[c] = f < 0              ? -1
                  : f < SAKSI_NFIXED ? t->slot_of_field[f]
                                     : t->first_cand_slot + (f - SAKSI_NFIXED);
        if (f >= SAKSI_NFIXED && (size_t)(f - SAKSI_NFIXED) >= t->ncand) slot[c] = -1;
        if (slot[c] >= 0) present |= 1u << c;
    }
    const cl_ulong stride = cap;
    const cl_int tn = tol_num, td = tol_den;
    SAKSI_TRY(arg(k, 0, sizeof(cl_mem), &b[B_COLS], err));
    SAKSI_TRY(arg(k, 1, sizeof stride, &stride, err));
    SAKSI_TRY(arg(k, 3, sizeof present, &present, err));
    SAKSI_TRY(arg(k, 4, sizeof tn, &tn, err));
    SAKSI_TRY(arg(k, 5, sizeof td, &td, err));
    SAKSI_TRY(arg(k, 6, sizeof(cl_mem), &b[B_OUT], err));

    for (size_t first = 0; first < n; first += cap) {
        if (saksi_stop_requested())
            SAKSI_FAIL(SAKSI_ERR_INTERRUPTED,
                       "integer-percent membership interrupted after %zu of %zu stations", first,
                       n);
        const size_t m = n - first < cap ? n - first : cap;
        const cl_ulong rows = m;
        enqueued = 1;
        /* Non-blocking writes of each present column: the queue is in
         * order and the table outlives the run. */
        for (int c = 0; c < 4; c++)
            if (slot[c] >= 0)
                SAKSI_CL_CHECK(clEnqueueWriteBuffer(
                                   cl->queue, b[B_COLS], CL_FALSE, (size_t)c * cap * sizeof(cl_int),
                                   m * sizeof(cl_int),
                                   t->cols + (size_t)slot[c] * t->stride + first, 0, NULL, NULL),
                               "clEnqueueWriteBuffer(turnout column %d)", c);
        SAKSI_TRY(arg(k, 2, sizeof rows, &rows, err));
        const size_t global = (m + local - 1) / local * local;
        SAKSI_CL_CHECK(
            clEnqueueNDRangeKernel(cl->queue, k, 1, NULL, &global, &local, 0, NULL, NULL),
            "clEnqueueNDRangeKernel(turnout_integer_percent, %zu rows, local %zu)", m, local);
        SAKSI_CL_CHECK(clEnqueueReadBuffer(cl->queue, b[B_OUT], CL_TRUE, 0, m * sizeof(cl_uint),
                                           code + first, 0, NULL, NULL),
                       "clEnqueueReadBuffer(turnout codes)");
    }
out:
    if (rc != SAKSI_OK && enqueued) clFinish(cl->queue);
    for (int i = NBUF; i-- > 0;)
        if (b[i]) clReleaseMemObject(b[i]);
    return rc;
}
