/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * opencl_fingerprint.c — runs of the fingerprint kernels: the binning in
 * batches with buffers reused across batches, and the fraud model's
 * backend, whose draws stay on the device from the simulation to every
 * grid pass of a fit. Every OpenCL error becomes SAKSI_ERR_OPENCL naming
 * the call.
 */
#include "opencl_fingerprint.h"
#include "opencl_private.h"

#include <stdlib.h>
#include <string.h>

static saksi_status set_arg(cl_kernel k, const char *kname, cl_uint index, size_t size,
                            const void *value, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    SAKSI_CL_CHECK(clSetKernelArg(k, index, size, value), "clSetKernelArg(%s, %u)", kname,
                   (unsigned)index);
out:
    return rc;
}

/* The caller's work-group size (determinism tests), else the kernel's
 * fixed one unless the device allows less. */
static saksi_status pick_local(const saksi_cl *cl, cl_kernel k, const char *kname, size_t requested,
                               size_t fixed, size_t *local, saksi_error *err)
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

/* Items [offset, end) as an NDRange: OpenCL 1.2 wants the global size a
 * multiple of the local size; the kernels return for gid >= end. */
static saksi_status run(saksi_cl *cl, cl_kernel k, const char *kname, size_t offset, size_t end,
                        size_t local, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (end <= offset) goto out;
    size_t global = (end - offset + local - 1) / local * local;
    SAKSI_CL_CHECK(clEnqueueNDRangeKernel(cl->queue, k, 1, &offset, &global, &local, 0, NULL, NULL),
                   "clEnqueueNDRangeKernel(%s, items %zu..%zu, local %zu)", kname, offset, end,
                   local);
out:
    return rc;
}

static saksi_status buffer(saksi_cl *cl, cl_mem *b, cl_mem_flags flags, size_t bytes,
                           const void *init, const char *name, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    cl_int e;
    *b = clCreateBuffer(cl->ctx, init ? flags | CL_MEM_COPY_HOST_PTR : flags, bytes ? bytes : 4,
                        (void *)init, &e);
    SAKSI_CL_CHECK(e, "clCreateBuffer(%s, %zu bytes)", name, bytes);
out:
    return rc;
}

static saksi_status zero(saksi_cl *cl, cl_mem b, size_t bytes, const char *name, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const cl_uint z = 0;
    SAKSI_CL_CHECK(clEnqueueFillBuffer(cl->queue, b, &z, sizeof z, 0, bytes, 0, NULL, NULL),
                   "clEnqueueFillBuffer(%s, %zu bytes)", name, bytes);
out:
    return rc;
}

static void release(cl_mem *b, size_t n)
{
    for (size_t i = n; i-- > 0;)
        if (b[i]) {
            clReleaseMemObject(b[i]);
            b[i] = NULL;
        }
}

/* ------------------------------------------------------------------ */
/* Binning                                                             */
/* ------------------------------------------------------------------ */

enum { BB_COLS, BB_HIST_OF, BB_CODE, BB_HIST, BB_REASONS, NBB };

saksi_status saksi_cl_fp_bin(saksi_cl *cl, const saksi_table *t, const int32_t *const cols[4],
                             int nb_turnout, int nb_share, size_t batch_rows, size_t local_size,
                             int32_t *code, uint32_t *hist, uint32_t *reasons, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    cl_mem b[NBB] = {0};
    cl_kernel k = cl->kernel[SAKSI_K_FINGERPRINT_BIN];
    const char *kname = "fingerprint_bin";
    const size_t n = t->n, nh = t->regions[SAKSI_LEVEL_PROVINCE].n * SAKSI_NSTRATA;
    const size_t nbins = (size_t)nb_turnout * (size_t)nb_share;
    int32_t *missing = NULL, *hist_of = NULL;
    size_t local = 0, cap;
    int enqueued = 0;

    if (n == 0) goto out;
    SAKSI_TRY(pick_local(cl, k, kname, local_size, SAKSI_CL_FP_BIN_LOCAL, &local, err));
    cap = batch_rows ? batch_rows : SAKSI_CL_DEFAULT_BATCH;
    cap = cap < n ? cap : n;
    if ((cl_ulong)cap * 4 * sizeof(cl_int) > cl->max_alloc)
        cap = (size_t)(cl->max_alloc / (4 * sizeof(cl_int)));
    missing = saksi_malloc_array(cap, sizeof *missing);
    hist_of = saksi_malloc_array(cap, sizeof *hist_of);
    if (!missing || !hist_of) SAKSI_ALLOC_FAIL("fingerprint batch");
    for (size_t i = 0; i < cap; i++)
        missing[i] = SAKSI_MISSING;

    const size_t bytes[NBB] = {4 * cap * sizeof(cl_int), cap * sizeof(cl_int), cap * sizeof(cl_int),
                               nh * nbins * sizeof(cl_uint),
                               nh * SAKSI_FP_NREASONS * sizeof(cl_uint)};
    const cl_mem_flags flags[NBB] = {CL_MEM_READ_ONLY, CL_MEM_READ_ONLY, CL_MEM_WRITE_ONLY,
                                     CL_MEM_READ_WRITE, CL_MEM_READ_WRITE};
    static const char *const bname[NBB] = {"cols", "hist_of", "code", "hist", "reasons"};
    for (int i = 0; i < NBB; i++)
        SAKSI_TRY(buffer(cl, &b[i], flags[i], bytes[i], NULL, bname[i], err));
    SAKSI_TRY(zero(cl, b[BB_HIST], bytes[BB_HIST], "hist", err));
    SAKSI_TRY(zero(cl, b[BB_REASONS], bytes[BB_REASONS], "reasons", err));

    const cl_ulong stride = cap;
    const cl_int nbt = nb_turnout, nbs = nb_share;
    SAKSI_TRY(set_arg(k, kname, 0, sizeof(cl_mem), &b[BB_COLS], err));
    SAKSI_TRY(set_arg(k, kname, 1, sizeof stride, &stride, err));
    SAKSI_TRY(set_arg(k, kname, 3, sizeof(cl_mem), &b[BB_HIST_OF], err));
    SAKSI_TRY(set_arg(k, kname, 4, sizeof nbt, &nbt, err));
    SAKSI_TRY(set_arg(k, kname, 5, sizeof nbs, &nbs, err));
    SAKSI_TRY(set_arg(k, kname, 6, sizeof(cl_mem), &b[BB_CODE], err));
    SAKSI_TRY(set_arg(k, kname, 7, sizeof(cl_mem), &b[BB_HIST], err));
    SAKSI_TRY(set_arg(k, kname, 8, sizeof(cl_mem), &b[BB_REASONS], err));

    for (size_t first = 0; first < n; first += cap) {
        if (saksi_stop_requested())
            SAKSI_FAIL(SAKSI_ERR_INTERRUPTED,
                       "fingerprint binning interrupted after %zu of %zu stations", first, n);
        const size_t m = n - first < cap ? n - first : cap;
        const cl_ulong rows = m;
        enqueued = 1;
        for (size_t i = 0; i < m; i++)
            hist_of[i] = saksi_fp_hist_of(t, first + i);
        for (int c = 0; c < 4; c++)
            SAKSI_CL_CHECK(clEnqueueWriteBuffer(cl->queue, b[BB_COLS], CL_FALSE,
                                                (size_t)c * cap * sizeof(cl_int),
                                                m * sizeof(cl_int),
                                                cols[c] ? cols[c] + first : missing, 0, NULL, NULL),
                           "clEnqueueWriteBuffer(cols, column %d)", c);
        /* Blocking: hist_of is rewritten for the next batch. */
        SAKSI_CL_CHECK(clEnqueueWriteBuffer(cl->queue, b[BB_HIST_OF], CL_TRUE, 0,
                                            m * sizeof(cl_int), hist_of, 0, NULL, NULL),
                       "clEnqueueWriteBuffer(hist_of)");
        SAKSI_TRY(set_arg(k, kname, 2, sizeof rows, &rows, err));
        SAKSI_TRY(run(cl, k, kname, 0, m, local, err));
        SAKSI_CL_CHECK(clEnqueueReadBuffer(cl->queue, b[BB_CODE], CL_TRUE, 0, m * sizeof(cl_int),
                                           code + first, 0, NULL, NULL),
                       "clEnqueueReadBuffer(code)");
    }
    SAKSI_CL_CHECK(
        clEnqueueReadBuffer(cl->queue, b[BB_HIST], CL_TRUE, 0, bytes[BB_HIST], hist, 0, NULL, NULL),
        "clEnqueueReadBuffer(hist)");
    SAKSI_CL_CHECK(clEnqueueReadBuffer(cl->queue, b[BB_REASONS], CL_TRUE, 0, bytes[BB_REASONS],
                                       reasons, 0, NULL, NULL),
                   "clEnqueueReadBuffer(reasons)");
out:
    /* Writes enqueued without blocking may still read the caller's table. */
    if (rc != SAKSI_OK && enqueued) clFinish(cl->queue);
    release(b, NBB);
    free(missing);
    free(hist_of);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The fraud model's backend                                           */
/* ------------------------------------------------------------------ */

enum { FB_TABLES, FB_FIT, FB_REGISTERED, FB_HASH, FB_REPS, FB_FIRST, FB_DRAWS, NFB };

typedef struct dev_ctx {
    saksi_cl *cl;
    size_t local_sim, local_grid;
    const saksi_fp_fitset *fs;
    cl_mem b[NFB];
} dev_ctx;

static void dev_release(void *ctx)
{
    dev_ctx *c = ctx;
    release(c->b, NFB);
    c->fs = NULL;
}

static saksi_status dev_bind(void *ctx, const saksi_fp_fitset *fs, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    dev_ctx *c = ctx;
    dev_release(c);
    const size_t n = fs->n ? fs->n : 1;
    const size_t bytes[NFB] = {fs->nfits * SAKSI_FP_SET_WORDS * sizeof(cl_uint),
                               n * sizeof(cl_uint),
                               n * sizeof(cl_int),
                               n * sizeof(cl_ulong),
                               n * sizeof(cl_uint),
                               n * sizeof(cl_ulong),
                               3 * (fs->ndraws ? fs->ndraws : 1) * sizeof(cl_uint)};
    const void *init[NFB] = {fs->tables,     fs->fit, fs->registered, fs->hash, fs->reps,
                             fs->draw_first, NULL};
    static const char *const bname[NFB] = {"tables", "fit",   "registered", "hash",
                                           "reps",   "first", "draws"};
    if (fs->n == 0 || fs->nfits == 0)
        init[FB_FIT] = init[FB_REGISTERED] = init[FB_HASH] = init[FB_REPS] = init[FB_FIRST] =
            init[FB_TABLES] = NULL;
    for (int i = 0; i < NFB; i++)
        SAKSI_TRY(buffer(c->cl, &c->b[i], i == FB_DRAWS ? CL_MEM_READ_WRITE : CL_MEM_READ_ONLY,
                         bytes[i] ? bytes[i] : 4, init[i], bname[i], err));
    c->fs = fs;
out:
    if (rc != SAKSI_OK) dev_release(c);
    return rc;
}

static saksi_status dev_simulate(void *ctx, uint32_t rep_base, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    dev_ctx *c = ctx;
    cl_kernel k = c->cl->kernel[SAKSI_K_FINGERPRINT_SIMULATE];
    const char *kname = "fingerprint_simulate";
    if (!c->fs) SAKSI_FAIL(SAKSI_ERR_INTERNAL, "fingerprint simulation before a fit set was bound");
    const saksi_fp_fitset *fs = c->fs;
    const cl_ulong n = fs->n;
    const cl_uint base = rep_base, k0 = fs->key0, k1 = fs->key1;
    const cl_int alpha = fs->alpha, nbt = fs->nb_turnout, nbs = fs->nb_share;
    static const int bufs[7] = {FB_TABLES, FB_FIT, FB_REGISTERED, FB_HASH, FB_REPS, FB_FIRST, -1};
    for (cl_uint i = 0; i < 6; i++)
        SAKSI_TRY(set_arg(k, kname, i, sizeof(cl_mem), &c->b[bufs[i]], err));
    SAKSI_TRY(set_arg(k, kname, 6, sizeof n, &n, err));
    SAKSI_TRY(set_arg(k, kname, 7, sizeof base, &base, err));
    SAKSI_TRY(set_arg(k, kname, 8, sizeof k0, &k0, err));
    SAKSI_TRY(set_arg(k, kname, 9, sizeof k1, &k1, err));
    SAKSI_TRY(set_arg(k, kname, 10, sizeof alpha, &alpha, err));
    SAKSI_TRY(set_arg(k, kname, 11, sizeof nbt, &nbt, err));
    SAKSI_TRY(set_arg(k, kname, 12, sizeof nbs, &nbs, err));
    SAKSI_TRY(set_arg(k, kname, 13, sizeof(cl_mem), &c->b[FB_DRAWS], err));
    SAKSI_TRY(run(c->cl, k, kname, 0, fs->n, c->local_sim, err));
out:
    return rc;
}

enum { GB_WEIGHT, GB_PFIRST, GB_PCOUNT, GB_THR, GB_HIST, NGB };

static saksi_status dev_grid(void *ctx, size_t fit_begin, size_t fit_end, const uint32_t *weight,
                             const uint32_t *point_first, const uint32_t *point_count,
                             const uint64_t *thr, uint32_t point_base, size_t npoints,
                             uint32_t *hist, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    dev_ctx *c = ctx;
    cl_mem b[NGB] = {0};
    cl_kernel k = c->cl->kernel[SAKSI_K_FINGERPRINT_GRID];
    const char *kname = "fingerprint_grid";
    if (!c->fs) SAKSI_FAIL(SAKSI_ERR_INTERNAL, "fingerprint grid before a fit set was bound");
    const saksi_fp_fitset *fs = c->fs;
    if (fit_end <= fit_begin || npoints == 0) goto out;
    const size_t nbins = (size_t)fs->nb_turnout * (size_t)fs->nb_share;
    const size_t s0 = fs->first[fit_begin];
    const size_t s1 = fs->first[fit_end - 1] + fs->count[fit_end - 1];
    const size_t npts_abs = (size_t)point_base + npoints; /* thr is indexed by absolute point */
    const size_t bytes[NGB] = {(fs->n ? fs->n : 1) * sizeof(cl_uint), fs->nfits * sizeof(cl_uint),
                               fs->nfits * sizeof(cl_uint), 2 * npts_abs * sizeof(cl_ulong),
                               npoints * nbins * sizeof(cl_uint)};
    const void *init[NGB] = {fs->n ? weight : NULL, point_first, point_count, thr, NULL};
    static const char *const bname[NGB] = {"weight", "point_first", "point_count", "thr",
                                           "grid_hist"};
    for (int i = 0; i < NGB; i++)
        SAKSI_TRY(buffer(c->cl, &b[i], i == GB_HIST ? CL_MEM_READ_WRITE : CL_MEM_READ_ONLY,
                         bytes[i], init[i], bname[i], err));
    SAKSI_TRY(zero(c->cl, b[GB_HIST], bytes[GB_HIST], "grid_hist", err));
    const cl_ulong end = s1;
    const cl_uint base = point_base, nb = (cl_uint)nbins;
    SAKSI_TRY(set_arg(k, kname, 0, sizeof(cl_mem), &c->b[FB_DRAWS], err));
    SAKSI_TRY(set_arg(k, kname, 1, sizeof(cl_mem), &c->b[FB_REPS], err));
    SAKSI_TRY(set_arg(k, kname, 2, sizeof(cl_mem), &c->b[FB_FIRST], err));
    SAKSI_TRY(set_arg(k, kname, 3, sizeof(cl_mem), &c->b[FB_FIT], err));
    for (cl_uint i = 0; i < GB_HIST; i++)
        SAKSI_TRY(set_arg(k, kname, 4 + i, sizeof(cl_mem), &b[i], err)); /* args 4..7 */
    SAKSI_TRY(set_arg(k, kname, 8, sizeof end, &end, err));
    SAKSI_TRY(set_arg(k, kname, 9, sizeof base, &base, err));
    SAKSI_TRY(set_arg(k, kname, 10, sizeof nb, &nb, err));
    SAKSI_TRY(set_arg(k, kname, 11, sizeof(cl_mem), &b[GB_HIST], err));
    SAKSI_TRY(run(c->cl, k, kname, s0, s1, c->local_grid, err));
    SAKSI_CL_CHECK(clEnqueueReadBuffer(c->cl->queue, b[GB_HIST], CL_TRUE, 0, bytes[GB_HIST], hist,
                                       0, NULL, NULL),
                   "clEnqueueReadBuffer(grid_hist)");
out:
    release(b, NGB);
    return rc;
}

static saksi_status dev_read_draws(void *ctx, uint32_t *out_words, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    dev_ctx *c = ctx;
    if (!c->fs) SAKSI_FAIL(SAKSI_ERR_INTERNAL, "fingerprint draws read before a fit set was bound");
    if (c->fs->ndraws)
        SAKSI_CL_CHECK(clEnqueueReadBuffer(c->cl->queue, c->b[FB_DRAWS], CL_TRUE, 0,
                                           3 * c->fs->ndraws * sizeof(cl_uint), out_words, 0, NULL,
                                           NULL),
                       "clEnqueueReadBuffer(draws)");
out:
    return rc;
}

saksi_status saksi_cl_fp_backend(saksi_cl *cl, size_t local_size, saksi_fp_backend *be,
                                 saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    dev_ctx *c = NULL;
    memset(be, 0, sizeof *be);
    c = calloc(1, sizeof *c);
    if (!c) SAKSI_ALLOC_FAIL("the fingerprint device backend");
    c->cl = cl;
    SAKSI_TRY(pick_local(cl, cl->kernel[SAKSI_K_FINGERPRINT_SIMULATE], "fingerprint_simulate",
                         local_size, SAKSI_CL_FP_SIMULATE_LOCAL, &c->local_sim, err));
    SAKSI_TRY(pick_local(cl, cl->kernel[SAKSI_K_FINGERPRINT_GRID], "fingerprint_grid", local_size,
                         SAKSI_CL_FP_GRID_LOCAL, &c->local_grid, err));
    be->ctx = c;
    be->bind = dev_bind;
    be->simulate = dev_simulate;
    be->grid = dev_grid;
    be->read_draws = dev_read_draws;
    be->release = dev_release;
    c = NULL;
out:
    free(c);
    return rc;
}

void saksi_cl_fp_backend_free(saksi_fp_backend *be)
{
    if (!be || !be->ctx) return;
    dev_release(be->ctx);
    free(be->ctx);
    memset(be, 0, sizeof *be);
}
