/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fingerprint_sim.c — the fraud model of Klimek, Yegorov, Hanel & Thurner
 * (2012) on the host side: the clean part estimated from the observed
 * stations, its integer sampler tables, the stations of a family of fits
 * and their draws, and the plain-C twins of the fingerprint_simulate and
 * fingerprint_grid kernels behind the CPU backend.
 */
#include "fingerprint.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* The clean part                                                      */
/* ------------------------------------------------------------------ */

double saksi_fp_half_sample_mode(const double *x, size_t n)
{
    /* Bickel & Fruehwirth (2006): keep the half of the sample with the
     * smallest range until three values are left. Deterministic; the
     * first window wins a tie. */
    while (n > 3) {
        size_t h = (n + 1) / 2, best = 0;
        double width = x[h - 1] - x[0];
        for (size_t j = 1; j + h <= n; j++) {
            double w = x[j + h - 1] - x[j];
            if (w < width) {
                width = w;
                best = j;
            }
        }
        x += best;
        n = h;
    }
    if (n == 0) return NAN;
    if (n == 1) return x[0];
    if (n == 2) return 0.5 * (x[0] + x[1]);
    double lo = x[1] - x[0], hi = x[2] - x[1];
    return lo < hi ? 0.5 * (x[0] + x[1]) : lo > hi ? 0.5 * (x[1] + x[2]) : x[1];
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Mode of v (sorted in place) and the RMS deviations below and above it. */
static void mode_spread(double *v, size_t n, double *mode, double *below, double *above)
{
    double s_lo = 0.0, s_hi = 0.0;
    size_t n_lo = 0, n_hi = 0;
    qsort(v, n, sizeof *v, cmp_double);
    *mode = saksi_fp_half_sample_mode(v, n);
    for (size_t i = 0; i < n; i++) {
        double d = v[i] - *mode;
        if (d < 0) {
            s_lo += d * d;
            n_lo++;
        } else if (d > 0) {
            s_hi += d * d;
            n_hi++;
        }
    }
    *below = n_lo ? sqrt(s_lo / (double)n_lo) : 0.0;
    *above = n_hi ? sqrt(s_hi / (double)n_hi) : 0.0;
}

saksi_status saksi_fp_fair_estimate(const double *turnout, const double *share, size_t n,
                                    saksi_fp_fair *out, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    double *v = saksi_malloc_array(n ? n : 1, sizeof *v), above;
    if (!v) SAKSI_ALLOC_FAIL("the fair-part estimate");
    memcpy(v, turnout, n * sizeof *v);
    mode_spread(v, n, &out->a0, &out->sa, &above);
    memcpy(v, share, n * sizeof *v);
    mode_spread(v, n, &out->v0, &out->sv, &above);
    out->theta = sqrt(above);
    /* Floors: a region where every station has the same rate still gets a
     * sampler (a spike a quarter of a cell wide). */
    out->sa = fmax(out->sa, SAKSI_FP_MIN_SD);
    out->sv = fmax(out->sv, SAKSI_FP_MIN_SD);
    out->theta = fmax(out->theta, SAKSI_FP_MIN_SD);
out:
    free(v);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Sampler tables                                                      */
/* ------------------------------------------------------------------ */

/* A CDF value in [0, 1] as a threshold on a 32-bit word. */
static uint32_t word_of(double F)
{
    double w = floor(F * 4294967296.0);
    return w <= 0.0 ? 0u : w >= 4294967295.0 ? 0xFFFFFFFFu : (uint32_t)w;
}

enum dist { D_NORMAL, D_HALF, D_ONE_MINUS_HALF };

/* CDF at x in [0, 1] of: a normal (mu, sd) truncated to [0, 1]; |N(0, sd)|
 * truncated to [0, 1]; 1 - |N(0, sd)| truncated to [0, 1]. */
static double cdf(int kind, double mu, double sd, double x)
{
    if (kind == D_NORMAL) {
        double lo = gsl_cdf_gaussian_P(-mu, sd), hi = gsl_cdf_gaussian_P(1.0 - mu, sd);
        return hi > lo ? (gsl_cdf_gaussian_P(x - mu, sd) - lo) / (hi - lo) : (x >= mu ? 1.0 : 0.0);
    }
    double z = gsl_cdf_gaussian_P(1.0, sd) - 0.5;
    if (kind == D_HALF) return (gsl_cdf_gaussian_P(x, sd) - 0.5) / z;
    return 1.0 - (gsl_cdf_gaussian_P(1.0 - x, sd) - 0.5) / z;
}

static void table(int kind, double mu, double sd, uint32_t *thr)
{
    for (int k = 0; k < SAKSI_FP_CELLS - 1; k++)
        thr[k] = word_of(cdf(kind, mu, sd, (double)(k + 1) / SAKSI_FP_CELLS));
    thr[SAKSI_FP_CELLS - 1] = 0xFFFFFFFFu;
}

void saksi_fp_tables(const saksi_fp_fair *f, uint32_t *tables)
{
    table(D_NORMAL, f->a0, f->sa, tables + SAKSI_FP_TAB_TURNOUT * SAKSI_FP_CELLS);
    table(D_NORMAL, f->v0, f->sv, tables + SAKSI_FP_TAB_SHARE * SAKSI_FP_CELLS);
    table(D_HALF, 0.0, f->theta, tables + SAKSI_FP_TAB_INCR * SAKSI_FP_CELLS);
    table(D_ONE_MINUS_HALF, 0.0, SAKSI_FP_EXTREME_SD,
          tables + SAKSI_FP_TAB_EXTREME * SAKSI_FP_CELLS);
}

uint64_t saksi_fp_threshold(double f)
{
    if (!(f > 0.0)) return 0;
    if (f >= 1.0) return (uint64_t)1 << 32;
    return (uint64_t)floor(f * 4294967296.0 + 0.5);
}

/* ------------------------------------------------------------------ */
/* Fit sets                                                            */
/* ------------------------------------------------------------------ */

saksi_status saksi_fp_fitset_alloc(saksi_fp_fitset *fs, size_t n, size_t nfits, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t m = n ? n : 1, g = nfits ? nfits : 1;
    memset(fs, 0, sizeof *fs);
    fs->n = n;
    fs->nfits = nfits;
    fs->fit = saksi_calloc_array(m, sizeof *fs->fit);
    fs->registered = saksi_calloc_array(m, sizeof *fs->registered);
    fs->hash = saksi_calloc_array(m, sizeof *fs->hash);
    fs->bin = saksi_calloc_array(m, sizeof *fs->bin);
    fs->turnout = saksi_calloc_array(m, sizeof *fs->turnout);
    fs->share = saksi_calloc_array(m, sizeof *fs->share);
    fs->reps = saksi_calloc_array(m, sizeof *fs->reps);
    fs->draw_first = saksi_calloc_array(m, sizeof *fs->draw_first);
    fs->first = saksi_calloc_array(g, sizeof *fs->first);
    fs->count = saksi_calloc_array(g, sizeof *fs->count);
    fs->fair = saksi_calloc_array(g, sizeof *fs->fair);
    fs->tables = saksi_calloc_array(g * SAKSI_FP_SET_WORDS, sizeof *fs->tables);
    fs->fit_reps = saksi_calloc_array(g, sizeof *fs->fit_reps);
    fs->skip = saksi_calloc_array(g, sizeof *fs->skip);
    if (!fs->fit || !fs->registered || !fs->hash || !fs->bin || !fs->turnout || !fs->share ||
        !fs->reps || !fs->draw_first || !fs->first || !fs->count || !fs->fair || !fs->tables ||
        !fs->fit_reps || !fs->skip)
        SAKSI_ALLOC_FAIL("a fingerprint fit set");
out:
    if (rc != SAKSI_OK) saksi_fp_fitset_free(fs);
    return rc;
}

void saksi_fp_fitset_free(saksi_fp_fitset *fs)
{
    if (!fs) return;
    free(fs->fit);
    free(fs->registered);
    free(fs->hash);
    free(fs->bin);
    free(fs->turnout);
    free(fs->share);
    free(fs->reps);
    free(fs->draw_first);
    free(fs->first);
    free(fs->count);
    free(fs->fair);
    free(fs->tables);
    free(fs->fit_reps);
    free((void *)fs->skip);
    memset(fs, 0, sizeof *fs);
}

saksi_status saksi_fp_fitset_prepare(saksi_fp_fitset *fs, uint64_t seed, int nb_turnout,
                                     int nb_share, int alpha, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (nb_turnout < 1 || nb_share < 1 || nb_turnout > SAKSI_FP_MAX_BINS ||
        nb_share > SAKSI_FP_MAX_BINS || alpha < 1)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "fingerprint bins %d x %d (1..%d each), alpha %d (>= 1)",
                   nb_turnout, nb_share, SAKSI_FP_MAX_BINS, alpha);
    fs->nb_turnout = nb_turnout;
    fs->nb_share = nb_share;
    fs->alpha = alpha;
    fs->objective = SAKSI_FP_OBJ_LIKELIHOOD;
    fs->key0 = (uint32_t)seed;
    fs->key1 = (uint32_t)(seed >> 32);
    fs->ndraws = 0;
    for (size_t g = 0; g < fs->nfits; g++) {
        size_t c = fs->count[g];
        fs->skip[g] = "";
        if (c < SAKSI_FP_FIT_MIN_STATIONS) {
            fs->skip[g] = "fewer than 500 usable regular stations";
            fs->fit_reps[g] = 0;
        } else {
            size_t r = (SAKSI_FP_MIN_DRAWS + c - 1) / c;
            fs->fit_reps[g] = (uint32_t)(r > SAKSI_FP_MAX_REPS ? SAKSI_FP_MAX_REPS : r);
            SAKSI_TRY(saksi_fp_fair_estimate(fs->turnout + fs->first[g], fs->share + fs->first[g],
                                             c, &fs->fair[g], err));
            saksi_fp_tables(&fs->fair[g], fs->tables + g * SAKSI_FP_SET_WORDS);
        }
        for (size_t i = fs->first[g]; i < fs->first[g] + c; i++) {
            fs->reps[i] = fs->fit_reps[g];
            fs->draw_first[i] = fs->ndraws;
            fs->ndraws += fs->fit_reps[g];
        }
    }
out:
    return rc;
}

/* ------------------------------------------------------------------ */
/* Plain-C twins of the kernels                                        */
/* ------------------------------------------------------------------ */

void saksi_fp_simulate_cpu(const saksi_fp_fitset *fs, uint32_t rep_base, size_t begin, size_t end,
                           uint32_t *draws)
{
    for (size_t i = begin; i < end; i++) {
        const uint32_t *tab = fs->tables + (size_t)fs->fit[i] * SAKSI_FP_SET_WORDS;
        uint32_t *out = draws + 3 * fs->draw_first[i];
        for (uint32_t r = 0; r < fs->reps[i]; r++, out += 3) {
            saksi_fp_draw d =
                saksi_fp_simulate_draw(tab, fs->registered[i], fs->hash[i], rep_base + r, fs->key0,
                                       fs->key1, fs->alpha, fs->nb_turnout, fs->nb_share);
            out[0] = d.u;
            out[1] = d.b_clean | (d.b_incr << 16);
            out[2] = d.b_extreme;
        }
    }
}

void saksi_fp_grid_cpu(const saksi_fp_fitset *fs, const uint32_t *draws, size_t fit_begin,
                       size_t fit_end, const uint32_t *weight, const uint32_t *point_first,
                       const uint32_t *point_count, const uint64_t *thr, uint32_t point_base,
                       uint32_t *hist)
{
    const size_t nbins = (size_t)fs->nb_turnout * (size_t)fs->nb_share;
    for (size_t g = fit_begin; g < fit_end; g++) {
        for (uint32_t p = point_first[g]; p < point_first[g] + point_count[g]; p++) {
            uint32_t *h = hist + (size_t)(p - point_base) * nbins;
            uint64_t ti = thr[2 * (size_t)p], tie = thr[2 * (size_t)p + 1];
            for (size_t i = fs->first[g]; i < fs->first[g] + fs->count[g]; i++) {
                if (!weight[i]) continue;
                const uint32_t *d = draws + 3 * fs->draw_first[i];
                for (uint32_t r = 0; r < fs->reps[i]; r++, d += 3) {
                    uint32_t b = saksi_fp_classify(d[0], ti, tie, d[1] & 0xFFFFu, d[1] >> 16, d[2]);
                    if (b != SAKSI_FP_NO_BIN) h[b] += weight[i];
                }
            }
        }
    }
}

/* ------------------------------------------------------------------ */
/* The CPU backend                                                     */
/* ------------------------------------------------------------------ */

/*
 * The backend does not classify every draw at every grid point as the
 * kernel does: it sorts each fit's draws by their fraud word once per
 * simulation, so at a point (ti, ti + te) only the draws with u < ti + te
 * (a prefix) move from their clean bin to a fraud bin. The histograms are
 * the same integers as saksi_fp_grid_cpu's (the tests compare them), at a
 * cost that grows with f_i + f_e instead of with every draw: the fine grid
 * levels sit near the best point, usually small fractions.
 */
typedef struct cpu_ctx {
    const saksi_fp_fitset *fs;
    uint32_t *draws;   /* 3 words per draw */
    uint32_t *station; /* per draw: its station */
    uint32_t *order;   /* per fit's range of draws: draw indices by fraud word */
    uint32_t *tmp;     /* radix scratch */
    uint32_t *clean;   /* nbins: a fit's clean histogram */
    size_t *count;     /* 65,536 radix counters */
} cpu_ctx;

/* Draws [d0, d1) of a fit: those of its stations, which are contiguous. */
static void fit_draws(const saksi_fp_fitset *fs, size_t g, size_t *d0, size_t *d1)
{
    if (fs->count[g] == 0) {
        *d0 = *d1 = 0;
        return;
    }
    size_t last = fs->first[g] + fs->count[g] - 1;
    *d0 = fs->draw_first[fs->first[g]];
    *d1 = fs->draw_first[last] + fs->reps[last];
}

/* order[d0..d1) = draws d0..d1-1 sorted by fraud word (two stable 16-bit
 * counting passes; equal words keep draw order). */
static void sort_by_word(const uint32_t *draws, size_t d0, size_t d1, uint32_t *order,
                         uint32_t *tmp, size_t *count)
{
    uint32_t *src = tmp, *dst = order;
    for (size_t d = d0; d < d1; d++)
        tmp[d] = (uint32_t)d;
    for (int pass = 0; pass < 2; pass++) {
        memset(count, 0, ((size_t)1 << 16) * sizeof *count);
        for (size_t k = d0; k < d1; k++)
            count[(draws[3 * (size_t)src[k]] >> (16 * pass)) & 0xFFFFu]++;
        size_t at = d0;
        for (size_t b = 0; b < (1u << 16); b++) {
            size_t c = count[b];
            count[b] = at;
            at += c;
        }
        for (size_t k = d0; k < d1; k++)
            dst[count[(draws[3 * (size_t)src[k]] >> (16 * pass)) & 0xFFFFu]++] = src[k];
        uint32_t *x = src;
        src = dst;
        dst = x;
    }
    /* After two passes the sorted indices are back in tmp (src). */
    memcpy(order + d0, src + d0, (d1 - d0) * sizeof *order);
}

static saksi_status cpu_bind(void *ctx, const saksi_fp_fitset *fs, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    cpu_ctx *c = ctx;
    const size_t m = fs->ndraws ? fs->ndraws : 1;
    free(c->draws), free(c->station), free(c->order), free(c->tmp), free(c->clean);
    free(c->count);
    c->fs = fs;
    c->count = saksi_malloc_array((size_t)1 << 16, sizeof *c->count);
    c->draws = saksi_malloc_array(3 * m, sizeof *c->draws);
    c->station = saksi_malloc_array(m, sizeof *c->station);
    c->order = saksi_malloc_array(m, sizeof *c->order);
    c->tmp = saksi_malloc_array(m, sizeof *c->tmp);
    c->clean = saksi_malloc_array((size_t)fs->nb_turnout * (size_t)fs->nb_share, sizeof *c->clean);
    if (!c->draws || !c->station || !c->order || !c->tmp || !c->clean || !c->count)
        SAKSI_ALLOC_FAIL("the fraud model's draws");
    if (fs->ndraws > UINT32_MAX)
        SAKSI_FAIL(SAKSI_ERR_LIMIT, "%zu model draws exceed the 32-bit draw index", fs->ndraws);
    for (size_t i = 0; i < fs->n; i++)
        for (uint32_t r = 0; r < fs->reps[i]; r++)
            c->station[fs->draw_first[i] + r] = (uint32_t)i;
out:
    return rc;
}

static saksi_status cpu_simulate(void *ctx, uint32_t rep_base, saksi_error *err)
{
    cpu_ctx *c = ctx;
    if (!c->fs)
        return saksi_error_set(err, SAKSI_ERR_INTERNAL, __FILE__, __LINE__,
                               "fingerprint simulation before a fit set was bound");
    saksi_fp_simulate_cpu(c->fs, rep_base, 0, c->fs->n, c->draws);
    for (size_t g = 0; g < c->fs->nfits; g++) {
        size_t d0, d1;
        fit_draws(c->fs, g, &d0, &d1);
        sort_by_word(c->draws, d0, d1, c->order, c->tmp, c->count);
    }
    return SAKSI_OK;
}

static saksi_status cpu_grid(void *ctx, size_t fit_begin, size_t fit_end, const uint32_t *weight,
                             const uint32_t *point_first, const uint32_t *point_count,
                             const uint64_t *thr, uint32_t point_base, size_t npoints,
                             uint32_t *hist, saksi_error *err)
{
    cpu_ctx *c = ctx;
    (void)npoints;
    if (!c->fs)
        return saksi_error_set(err, SAKSI_ERR_INTERNAL, __FILE__, __LINE__,
                               "fingerprint grid before a fit set was bound");
    const size_t nbins = (size_t)c->fs->nb_turnout * (size_t)c->fs->nb_share;
    const uint32_t *dr = c->draws;
    for (size_t g = fit_begin; g < fit_end; g++) {
        if (point_count[g] == 0) continue;
        size_t d0, d1;
        fit_draws(c->fs, g, &d0, &d1);
        memset(c->clean, 0, nbins * sizeof *c->clean);
        for (size_t d = d0; d < d1; d++) {
            uint32_t w = weight[c->station[d]], b = dr[3 * d + 1] & 0xFFFFu;
            if (w && b != SAKSI_FP_NO_BIN) c->clean[b] += w;
        }
        for (uint32_t p = point_first[g]; p < point_first[g] + point_count[g]; p++) {
            uint32_t *h = hist + (size_t)(p - point_base) * nbins;
            const uint64_t ti = thr[2 * (size_t)p], tie = thr[2 * (size_t)p + 1];
            memcpy(h, c->clean, nbins * sizeof *h);
            for (size_t k = d0; k < d1; k++) {
                size_t d = c->order[k];
                uint32_t u = dr[3 * d];
                if ((uint64_t)u >= tie) break;
                uint32_t w = weight[c->station[d]];
                if (!w) continue;
                uint32_t b0 = dr[3 * d + 1] & 0xFFFFu;
                uint32_t bf = (uint64_t)u < ti ? dr[3 * d + 1] >> 16 : dr[3 * d + 2];
                if (b0 != SAKSI_FP_NO_BIN) h[b0] -= w;
                if (bf != SAKSI_FP_NO_BIN) h[bf] += w;
            }
        }
    }
    return SAKSI_OK;
}

static saksi_status cpu_read_draws(void *ctx, uint32_t *out, saksi_error *err)
{
    cpu_ctx *c = ctx;
    (void)err;
    memcpy(out, c->draws, 3 * c->fs->ndraws * sizeof *out);
    return SAKSI_OK;
}

static void cpu_release(void *ctx)
{
    cpu_ctx *c = ctx;
    free(c->draws), free(c->station), free(c->order), free(c->tmp), free(c->clean);
    free(c->count);
    memset(c, 0, sizeof *c);
}

saksi_status saksi_fp_backend_cpu(saksi_fp_backend *be, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    memset(be, 0, sizeof *be);
    cpu_ctx *c = calloc(1, sizeof *c);
    if (!c) SAKSI_ALLOC_FAIL("the fingerprint CPU backend");
    be->ctx = c;
    be->bind = cpu_bind;
    be->simulate = cpu_simulate;
    be->grid = cpu_grid;
    be->read_draws = cpu_read_draws;
    be->release = cpu_release;
out:
    return rc;
}

void saksi_fp_backend_cpu_free(saksi_fp_backend *be)
{
    if (!be || !be->ctx) return;
    cpu_release(be->ctx);
    free(be->ctx);
    memset(be, 0, sizeof *be);
}

/* ------------------------------------------------------------------ */
/* Resampling                                                          */
/* ------------------------------------------------------------------ */

void saksi_fp_resample(const saksi_fp_fitset *fs, uint64_t seed, uint32_t fit_key,
                       uint32_t replicate, uint32_t *weight)
{
    memset(weight, 0, fs->n * sizeof *weight);
    for (size_t g = 0; g < fs->nfits; g++) {
        size_t c = fs->count[g];
        saksi_philox_ctr ctr = {
            {0, (uint32_t)g, replicate, SAKSI_FP_TAG_FIT_BOOT | (fit_key & 0xFFFFu)}};
        saksi_philox_ctr out = {{0, 0, 0, 0}};
        for (size_t k = 0; k < c; k++) {
            if (k % 4 == 0) {
                ctr.v[0] = (uint32_t)(k / 4);
                out = saksi_philox4x32_10(ctr, (uint32_t)seed, (uint32_t)(seed >> 32));
            }
            /* Multiply-shift (Lemire 2019) maps a word onto [0, c): each
             * station's chance is off by at most c / 2^32 relative (2e-4
             * at 823k stations), negligible for a bootstrap. */
            size_t j = (size_t)(((uint64_t)out.v[k % 4] * c) >> 32);
            weight[fs->first[g] + j]++;
        }
    }
}
