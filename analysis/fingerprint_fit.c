/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fingerprint_fit.c — fits the incremental and extreme fraud fractions
 * (f_i, f_e) of Klimek et al.'s model to observed fingerprints: one set of
 * draws per station (common random numbers), then a coarse-to-fine search
 * over a dyadic grid of the simplex, every fit of a family in lockstep so a
 * device sees many grid points per pass. The objective is the observed
 * stations' multinomial likelihood under the simulated fingerprint, or the
 * pixel-wise squared difference of the two (enum saksi_fp_objective), on
 * the host in a fixed order from integer histograms.
 */
#include "fingerprint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Grid points of one level for every fit. */
typedef struct grid {
    size_t npoints, cap;
    uint32_t *point_first, *point_count; /* per fit */
    uint32_t *ki, *ke;                   /* per point, grid units */
    uint64_t *thr;                       /* per point: ti, ti + te */
} grid;

static saksi_status grid_push(grid *gr, uint32_t ki, uint32_t ke, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (gr->npoints == gr->cap) {
        size_t cap = gr->cap ? 2 * gr->cap : 256;
        uint32_t *a = saksi_realloc_array(gr->ki, cap, sizeof *a);
        if (a) gr->ki = a;
        uint32_t *b = saksi_realloc_array(gr->ke, cap, sizeof *b);
        if (b) gr->ke = b;
        uint64_t *c = saksi_realloc_array(gr->thr, 2 * cap, sizeof *c);
        if (c) gr->thr = c;
        if (!a || !b || !c) SAKSI_ALLOC_FAIL("fingerprint grid points");
        gr->cap = cap;
    }
    /* k / 512 of the fraud word's range is exactly k * 2^23. */
    const unsigned shift = 32 - SAKSI_FP_GRID_BITS;
    gr->ki[gr->npoints] = ki;
    gr->ke[gr->npoints] = ke;
    gr->thr[2 * gr->npoints] = (uint64_t)ki << shift;
    gr->thr[2 * gr->npoints + 1] = (uint64_t)(ki + ke) << shift;
    gr->npoints++;
out:
    return rc;
}

/* The points of level `level` around (bi, be) (ignored at level 0). */
static saksi_status level_points(grid *gr, int level, uint32_t bi, uint32_t be, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const int64_t D = SAKSI_FP_GRID_DENOM;
    if (level == 0) {
        for (int64_t i = 0; i <= D; i += SAKSI_FP_GRID_STEP0)
            for (int64_t e = 0; i + e <= D; e += SAKSI_FP_GRID_STEP0)
                SAKSI_TRY(grid_push(gr, (uint32_t)i, (uint32_t)e, err));
        goto out;
    }
    int64_t step = SAKSI_FP_GRID_STEP0, prev;
    for (int l = 0; l < level; l++)
        step /= 4;
    prev = step * 4;
    for (int64_t i = (int64_t)bi - prev; i <= (int64_t)bi + prev; i += step)
        for (int64_t e = (int64_t)be - prev; e <= (int64_t)be + prev; e += step)
            if (i >= 0 && e >= 0 && i + e <= D)
                SAKSI_TRY(grid_push(gr, (uint32_t)i, (uint32_t)e, err));
out:
    return rc;
}

/* Is point p better than the best so far (objective, then less fraud in
 * total, then less extreme, then less incremental: a deterministic
 * order)? */
static int better(double d, uint32_t ki, uint32_t ke, const saksi_fp_fit *best)
{
    if (d != best->objective) return d < best->objective;
    if (ki + ke != best->ki + best->ke) return ki + ke < best->ki + best->ke;
    if (ke != best->ke) return ke < best->ke;
    return ki < best->ki;
}

/* The objective of one fit's simulated histogram h against its observed
 * one (weighted counts obs), in bin order. */
static double objective(int kind, const uint32_t *h, const uint64_t *obs, uint64_t reps,
                        size_t nbins)
{
    if (kind == SAKSI_FP_OBJ_SQUARES) {
        uint64_t d = 0;
        for (size_t b = 0; b < nbins; b++) {
            int64_t x = (int64_t)h[b] - (int64_t)(reps * obs[b]);
            d += (uint64_t)(x * x);
        }
        return (double)d;
    }
    uint64_t total = 0;
    for (size_t b = 0; b < nbins; b++)
        total += h[b];
    const double log_norm = log((double)total + SAKSI_FP_LIKELIHOOD_EPS * (double)nbins);
    double nll = 0.0;
    for (size_t b = 0; b < nbins; b++)
        if (obs[b])
            nll -= (double)obs[b] * (log((double)h[b] + SAKSI_FP_LIKELIHOOD_EPS) - log_norm);
    return nll;
}

/* Run the grid passes of one level: fits in batches of at most
 * SAKSI_FP_GRID_MAX_CELLS histogram cells, each point's objective compared
 * with its fit's best. */
static saksi_status run_level(const saksi_fp_fitset *fs, const saksi_fp_backend *be,
                              const uint32_t *weight, const uint64_t *obs, const grid *gr,
                              saksi_fp_fit *best, uint32_t **hist, size_t *hist_cap,
                              saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const size_t nbins = (size_t)fs->nb_turnout * (size_t)fs->nb_share;
    size_t g0 = 0;
    while (g0 < fs->nfits) {
        size_t g1 = g0, np = 0;
        /* At least one fit per pass, however many points it has. */
        while (g1 < fs->nfits &&
               (g1 == g0 || (np + gr->point_count[g1]) * nbins <= SAKSI_FP_GRID_MAX_CELLS))
            np += gr->point_count[g1++];
        if (np > 0) {
            if (np * nbins > *hist_cap) {
                free(*hist);
                *hist_cap = np * nbins;
                *hist = saksi_malloc_array(*hist_cap, sizeof **hist);
                if (!*hist) {
                    *hist_cap = 0;
                    SAKSI_ALLOC_FAIL("fingerprint grid histograms");
                }
            }
            memset(*hist, 0, np * nbins * sizeof **hist);
            uint32_t base = gr->point_first[g0];
            SAKSI_TRY(be->grid(be->ctx, g0, g1, weight, gr->point_first, gr->point_count, gr->thr,
                               base, np, *hist, err));
            for (size_t g = g0; g < g1; g++)
                for (uint32_t p = gr->point_first[g]; p < gr->point_first[g] + gr->point_count[g];
                     p++) {
                    double d = objective(fs->objective, *hist + (size_t)(p - base) * nbins,
                                         obs + g * nbins, fs->fit_reps[g], nbins);
                    if (better(d, gr->ki[p], gr->ke[p], &best[g])) {
                        best[g].objective = d;
                        best[g].ki = gr->ki[p];
                        best[g].ke = gr->ke[p];
                    }
                }
        }
        g0 = g1;
    }
out:
    return rc;
}

saksi_status saksi_fp_fit_all(const saksi_fp_fitset *fs, const saksi_fp_backend *be,
                              uint32_t rep_base, const uint32_t *weight, saksi_fp_fit *out,
                              saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const size_t nbins = (size_t)fs->nb_turnout * (size_t)fs->nb_share;
    uint32_t *ones = NULL, *hist = NULL;
    uint64_t *obs = NULL;
    size_t hist_cap = 0;
    grid gr = {0};

    for (size_t g = 0; g < fs->nfits; g++)
        out[g] = (saksi_fp_fit){NAN, NAN, INFINITY, 0, 0};
    if (!weight) {
        ones = saksi_malloc_array(fs->n ? fs->n : 1, sizeof *ones);
        if (!ones) SAKSI_ALLOC_FAIL("fit weights");
        for (size_t i = 0; i < fs->n; i++)
            ones[i] = 1;
        weight = ones;
    }
    obs = saksi_calloc_array((fs->nfits ? fs->nfits : 1) * nbins, sizeof *obs);
    gr.point_first = saksi_calloc_array(fs->nfits ? fs->nfits : 1, sizeof *gr.point_first);
    gr.point_count = saksi_calloc_array(fs->nfits ? fs->nfits : 1, sizeof *gr.point_count);
    if (!obs || !gr.point_first || !gr.point_count) SAKSI_ALLOC_FAIL("fit histograms");
    for (size_t i = 0; i < fs->n; i++)
        obs[(size_t)fs->fit[i] * nbins + fs->bin[i]] += weight[i];

    SAKSI_TRY(be->simulate(be->ctx, rep_base, err));
    for (int level = 0; level < SAKSI_FP_GRID_LEVELS; level++) {
        if (saksi_stop_requested())
            SAKSI_FAIL(SAKSI_ERR_INTERRUPTED, "fingerprint fit interrupted at grid level %d",
                       level);
        gr.npoints = 0;
        for (size_t g = 0; g < fs->nfits; g++) {
            gr.point_first[g] = (uint32_t)gr.npoints;
            if (fs->fit_reps[g] > 0) SAKSI_TRY(level_points(&gr, level, out[g].ki, out[g].ke, err));
            gr.point_count[g] = (uint32_t)gr.npoints - gr.point_first[g];
        }
        SAKSI_TRY(run_level(fs, be, weight, obs, &gr, out, &hist, &hist_cap, err));
    }
    for (size_t g = 0; g < fs->nfits; g++)
        if (fs->fit_reps[g] > 0) {
            out[g].fi = (double)out[g].ki / SAKSI_FP_GRID_DENOM;
            out[g].fe = (double)out[g].ke / SAKSI_FP_GRID_DENOM;
        }
out:
    free(ones);
    free(obs);
    free(hist);
    free(gr.point_first);
    free(gr.point_count);
    free(gr.ki);
    free(gr.ke);
    free(gr.thr);
    return rc;
}

saksi_status saksi_fp_model_hist(const saksi_fp_fitset *fs, const saksi_fp_backend *be, size_t g,
                                 uint32_t ki, uint32_t ke, uint32_t *hist, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    uint32_t *ones = saksi_malloc_array(fs->n ? fs->n : 1, sizeof *ones);
    uint32_t *pf = saksi_calloc_array(fs->nfits, sizeof *pf);
    uint32_t *pc = saksi_calloc_array(fs->nfits, sizeof *pc);
    grid gr = {0};
    if (!ones || !pf || !pc) SAKSI_ALLOC_FAIL("a model fingerprint");
    if (g >= fs->nfits || ki + ke > SAKSI_FP_GRID_DENOM)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "model fingerprint of fit %zu of %zu at (%u, %u)", g,
                   fs->nfits, ki, ke);
    for (size_t i = 0; i < fs->n; i++)
        ones[i] = 1;
    SAKSI_TRY(grid_push(&gr, ki, ke, err));
    pc[g] = 1;
    SAKSI_TRY(be->grid(be->ctx, g, g + 1, ones, pf, pc, gr.thr, 0, 1, hist, err));
out:
    free(ones);
    free(pf);
    free(pc);
    free(gr.ki);
    free(gr.ke);
    free(gr.thr);
    return rc;
}

void saksi_fingerprints_free(saksi_fingerprints *fp)
{
    if (!fp) return;
    free(fp->code);
    free(fp->hist);
    free(fp->reasons);
    saksi_shape_free(fp->shape);
    free(fp->fit);
    free(fp->boot_fi);
    free(fp->boot_fe);
    free(fp->null_fi);
    free(fp->null_fe);
    free(fp->model_hist);
    free(fp);
}
