/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * opencl_digits.c — the digit family's histogram kernel on the OpenCL
 * runtime: the batch cut into single-district segments on the host, one
 * work-group per segment, the per-district histograms kept on the device
 * across batches and read back once. Gives exactly the integers of
 * saksi_digits_hist_cpu().
 */
#include "opencl_private.h"

#include "digits.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static saksi_status set_arg(cl_kernel k, cl_uint index, size_t size, const void *value,
                            saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    SAKSI_CL_CHECK(clSetKernelArg(k, index, size, value), "clSetKernelArg(digits_histogram, %u)",
                   (unsigned)index);
out:
    return rc;
}

/* The caller's work-group size (determinism tests), else the fixed one
 * unless the device allows less. */
static saksi_status pick_local(const saksi_cl *cl, cl_kernel k, size_t requested, size_t *local,
                               saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t limit = 0;
    SAKSI_CL_CHECK(clGetKernelWorkGroupInfo(k, cl->device, CL_KERNEL_WORK_GROUP_SIZE, sizeof limit,
                                            &limit, NULL),
                   "clGetKernelWorkGroupInfo(digits_histogram, CL_KERNEL_WORK_GROUP_SIZE)");
    if (requested > limit)
        SAKSI_FAIL(SAKSI_ERR_USAGE,
                   "work-group size %zu exceeds digits_histogram's limit of %zu on %s", requested,
                   limit, cl->device_name);
    *local = requested ? requested : SAKSI_CL_DIGITS_LOCAL < limit ? SAKSI_CL_DIGITS_LOCAL : limit;
out:
    return rc;
}

/* Cut rows [b0, b0 + m) into segments of one district and at most
 * seg_max rows; returns their number. */
static size_t cut_segments(const saksi_table *t, size_t b0, size_t m, size_t seg_max,
                           cl_uint *first, cl_uint *count, cl_uint *region)
{
    const uint32_t *district = t->region_of[SAKSI_LEVEL_DISTRICT];
    size_t nseg = 0;
    for (size_t r = 0; r < m;) {
        size_t s = r;
        uint32_t d = district[b0 + r];
        while (r < m && r - s < seg_max && district[b0 + r] == d)
            r++;
        first[nseg] = (cl_uint)s;
        count[nseg] = (cl_uint)(r - s);
        region[nseg] = d;
        nseg++;
    }
    return nseg;
}

/* Buffers of one run, in creation order. */
enum { B_COLS, B_MASK, B_FIRST, B_COUNT, B_REGION, B_HIST, NBUF };

saksi_status saksi_cl_digits_histogram(saksi_cl *cl, const saksi_table *t, size_t begin, size_t end,
                                       const uint8_t *mask, size_t batch_rows, size_t local_size,
                                       uint32_t *hist, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    cl_mem b[NBUF] = {0};
    cl_kernel k = cl->kernel[SAKSI_K_DIGITS_HISTOGRAM];
    const size_t ncand = t->ncand, nd = t->regions[SAKSI_LEVEL_DISTRICT].n;
    const size_t hist_bytes = nd * ncand * SAKSI_DIGIT_HIST * sizeof(cl_uint);
    const size_t local_bytes = ncand * SAKSI_DIGIT_HIST * sizeof(cl_uint);
    cl_uint *seg = NULL;
    size_t local = 0, cap;
    int enqueued = 0;
    cl_int e;

    if (end <= begin || ncand == 0) goto out;
    if (end > t->n || ncand > INT_MAX)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "digit histogram of rows [%zu, %zu) of a %zu-row table",
                   begin, end, t->n);
    if (local_bytes > cl->local_mem || hist_bytes > cl->max_alloc)
        SAKSI_FAIL(SAKSI_ERR_LIMIT,
                   "digit histograms of %zu candidates need %zu bytes of local memory and %zu "
                   "bytes in one buffer; %s has %llu and %llu",
                   ncand, local_bytes, hist_bytes, cl->device_name,
                   (unsigned long long)cl->local_mem, (unsigned long long)cl->max_alloc);
    SAKSI_TRY(pick_local(cl, k, local_size, &local, err));
    const size_t seg_max = SAKSI_CL_DIGITS_SEGMENT_ITEMS * local;

    cap = batch_rows ? batch_rows : SAKSI_CL_DEFAULT_BATCH;
    cap = cap < end - begin ? cap : end - begin;
    if ((cl_ulong)cap * ncand * sizeof(cl_int) > cl->max_alloc)
        cap = (size_t)(cl->max_alloc / (ncand * sizeof(cl_int)));
    if (cap == 0) cap = 1;
    if (!(seg = saksi_malloc_array(3 * cap, sizeof *seg))) SAKSI_ALLOC_FAIL("digit segments");

    const size_t bytes[NBUF] = {cap * ncand * sizeof(cl_int), cap * ncand,
                                cap * sizeof(cl_uint),        cap * sizeof(cl_uint),
                                cap * sizeof(cl_uint),        hist_bytes};
    const cl_mem_flags flags[NBUF] = {CL_MEM_READ_ONLY, CL_MEM_READ_ONLY,
                                      CL_MEM_READ_ONLY, CL_MEM_READ_ONLY,
                                      CL_MEM_READ_ONLY, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR};
    static const char *const bname[NBUF] = {"cols",      "mask",       "seg_first",
                                            "seg_count", "seg_region", "hist"};
    for (int i = 0; i < NBUF; i++) {
        b[i] = clCreateBuffer(cl->ctx, flags[i], bytes[i], i == B_HIST ? hist : NULL, &e);
        SAKSI_CL_CHECK(e, "clCreateBuffer(%s, %zu bytes)", bname[i], bytes[i]);
    }
    const cl_ulong stride = cap;
    const cl_int ncand_arg = (cl_int)ncand;
    SAKSI_TRY(set_arg(k, 0, sizeof(cl_mem), &b[B_COLS], err));
    SAKSI_TRY(set_arg(k, 1, sizeof stride, &stride, err));
    SAKSI_TRY(set_arg(k, 2, sizeof ncand_arg, &ncand_arg, err));
    SAKSI_TRY(set_arg(k, 3, sizeof(cl_mem), &b[B_MASK], err));
    SAKSI_TRY(set_arg(k, 5, sizeof(cl_mem), &b[B_FIRST], err));
    SAKSI_TRY(set_arg(k, 6, sizeof(cl_mem), &b[B_COUNT], err));
    SAKSI_TRY(set_arg(k, 7, sizeof(cl_mem), &b[B_REGION], err));
    SAKSI_TRY(set_arg(k, 8, sizeof(cl_mem), &b[B_HIST], err));
    SAKSI_TRY(set_arg(k, 9, local_bytes, NULL, err));

    for (size_t b0 = begin; b0 < end; b0 += cap) {
        if (saksi_stop_requested())
            SAKSI_FAIL(SAKSI_ERR_INTERRUPTED, "digit histograms interrupted after %zu of %zu rows",
                       b0 - begin, end - begin);
        const size_t m = end - b0 < cap ? end - b0 : cap;
        enqueued = 1;
        /* Candidate columns and masks, one contiguous copy per candidate;
         * the table outlives the run, so these writes need not block. */
        for (size_t c = 0; c < ncand; c++) {
            const int32_t *col = t->cols + (size_t)(t->first_cand_slot + (int)c) * t->stride + b0;
            SAKSI_CL_CHECK(clEnqueueWriteBuffer(cl->queue, b[B_COLS], CL_FALSE,
                                                c * cap * sizeof(cl_int), m * sizeof(cl_int), col,
                                                0, NULL, NULL),
                           "clEnqueueWriteBuffer(cols, candidate %zu)", c);
            SAKSI_CL_CHECK(clEnqueueWriteBuffer(cl->queue, b[B_MASK], CL_FALSE, c * cap, m,
                                                mask + c * t->n + b0, 0, NULL, NULL),
                           "clEnqueueWriteBuffer(mask, candidate %zu)", c);
        }
        /* The segment arrays are reused by the next batch: blocking writes. */
        const size_t nseg = cut_segments(t, b0, m, seg_max, seg, seg + cap, seg + 2 * cap);
        for (int i = 0; i < 3; i++)
            SAKSI_CL_CHECK(clEnqueueWriteBuffer(cl->queue, b[B_FIRST + i], CL_TRUE, 0,
                                                nseg * sizeof(cl_uint), seg + (size_t)i * cap, 0,
                                                NULL, NULL),
                           "clEnqueueWriteBuffer(%s)", bname[B_FIRST + i]);
        const cl_ulong nseg_arg = nseg;
        SAKSI_TRY(set_arg(k, 4, sizeof nseg_arg, &nseg_arg, err));
        const size_t global = nseg * local;
        SAKSI_CL_CHECK(
            clEnqueueNDRangeKernel(cl->queue, k, 1, NULL, &global, &local, 0, NULL, NULL),
            "clEnqueueNDRangeKernel(digits_histogram, %zu segments, local %zu)", nseg, local);
    }
    SAKSI_CL_CHECK(
        clEnqueueReadBuffer(cl->queue, b[B_HIST], CL_TRUE, 0, hist_bytes, hist, 0, NULL, NULL),
        "clEnqueueReadBuffer(hist)");
out:
    /* Writes enqueued without blocking may still read the caller's table. */
    if (rc != SAKSI_OK && enqueued) clFinish(cl->queue);
    for (int i = NBUF - 1; i >= 0; i--)
        if (b[i]) clReleaseMemObject(b[i]);
    free(seg);
    return rc;
}
