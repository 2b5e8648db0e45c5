/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * family_fingerprints.c — the fingerprint family in an audit: every
 * station binned by turnout x the leader's share (on the device or its
 * plain-C twin), the shape statistics of every region with bootstrap
 * intervals as descriptive rows, and, when asked (--fingerprint-fit), the
 * fit of Klimek et al.'s fraud fractions nationally and per province with
 * its bootstrap and its null over clean simulated elections.
 */
#include "family_fingerprints.h"
#include "opencl_fingerprint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void options_from(const saksi_config *cfg, saksi_fp_options *o)
{
    o->nb_turnout = o->nb_share = (int)cfg->fingerprint_bins;
    o->seed = cfg->seed;
    o->shape_bootstrap = cfg->shape_bootstrap;
    o->fit = cfg->fingerprint_fit;
    o->fit_bootstrap = cfg->fingerprint_bootstrap;
    o->null_runs = cfg->fingerprint_null_runs;
    o->alpha = SAKSI_FP_DEFAULT_ALPHA;
}

static saksi_status push(saksi_results *res, const saksi_region_test *row, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (!res->region_tests && !(res->region_tests = calloc(1, sizeof *res->region_tests)))
        SAKSI_ALLOC_FAIL("region tests");
    SAKSI_TRY(saksi_region_tests_push(res->region_tests, row, err));
out:
    return rc;
}

/* Shape statistics as descriptive rows: reported with their bootstrap
 * interval, never a p-value, never a flag (DESIGN §4). */
static saksi_status shape_rows(const saksi_fingerprints *fp, saksi_results *res, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    for (int l = SAKSI_LEVEL_NATIONAL; l <= SAKSI_LEVEL_DISTRICT; l++)
        for (size_t r = 0; r < fp->shape[l].n; r++) {
            const saksi_shape_row *s = &fp->shape[l].row[r];
            for (int k = 0; k < SAKSI_SHAPE_NSTATS; k++) {
                saksi_region_test row = {
                    .test = saksi_shape_name(k),
                    .level = l,
                    .region = s->region,
                    .candidate = saksi_shape_uses_leader(k) ? fp->leader : -1,
                    .descriptive = 1,
                    .n = s->n,
                    .statistic = s->value[k],
                    .effect = s->value[k],
                    .effect_lo = s->lo[k],
                    .effect_hi = s->hi[k],
                    .effect_floor = NAN,
                    .p = NAN,
                    .q = NAN,
                    .lambda = NAN,
                    .skip = s->skip,
                };
                SAKSI_TRY(push(res, &row, err));
            }
        }
out:
    return rc;
}

/* The fit's rows: f_e and f_i with the excess over the clean elections'
 * median as effect, the bootstrap interval shifted likewise, and the
 * calibrated p from the clean elections. The effect floor is infinite:
 * the fit is reported beside its null and never flags by itself. */
static saksi_status fit_rows(const saksi_fingerprints *fp, saksi_results *res, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    for (size_t f = 0; f < fp->nfits; f++) {
        const saksi_fp_report *r = &fp->fit[f];
        for (int which = 0; which < 2; which++) {
            double v = which ? r->fi : r->fe, med = which ? r->null_fi_median : r->null_fe_median;
            double lo = which ? r->fi_lo : r->fe_lo, hi = which ? r->fi_hi : r->fe_hi;
            saksi_region_test row = {
                .test = which ? "fingerprint_fi" : "fingerprint_fe",
                .level = r->level,
                .region = r->region,
                .candidate = fp->leader,
                .descriptive = 0,
                .n = (uint32_t)r->stations,
                .statistic = v,
                .effect = v - med,
                .effect_lo = lo - med,
                .effect_hi = hi - med,
                .effect_floor = INFINITY,
                .p = which ? r->p_fi : r->p_fe,
                .q = NAN,
                .lambda = NAN,
                .skip = *r->skip ? r->skip : (r->null_runs ? "" : "no clean simulated election"),
            };
            SAKSI_TRY(push(res, &row, err));
        }
    }
out:
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Percentile interval of the finite values of v[0..n-1]. */
static void interval(const double *v, size_t n, double *tmp, double *lo, double *hi)
{
    size_t m = 0;
    for (size_t b = 0; b < n; b++)
        if (isfinite(v[b])) tmp[m++] = v[b];
    qsort(tmp, m, sizeof *tmp, cmp_double);
    double a = (1.0 - SAKSI_FP_INTERVAL) / 2.0;
    *lo = saksi_dispersion_quantile(tmp, m, a);
    *hi = saksi_dispersion_quantile(tmp, m, 1.0 - a);
}

/* National (by_prov 0) or provincial fits, their bootstrap, and for the
 * nation the model's fingerprints at the fit and at f = 0. */
static saksi_status fit_family(const saksi_table *t, saksi_fingerprints *fp,
                               const saksi_fp_options *o, const saksi_fp_backend *be, int by_prov,
                               saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_fp_fitset fs = {0};
    saksi_fp_fit *fits = NULL, *bfits = NULL;
    uint32_t *w = NULL;
    const int32_t *cols[4];
    const size_t nbins = (size_t)fp->nb_turnout * (size_t)fp->nb_share;
    saksi_fp_columns(t, fp->turnout_field, fp->leader, cols);
    SAKSI_TRY(saksi_fp_fitset_from_table(t, fp->code, cols, by_prov, NULL, &fs, err));
    SAKSI_TRY(saksi_fp_fitset_prepare(&fs, o->seed, o->nb_turnout, o->nb_share, o->alpha, err));
    fits = saksi_calloc_array(fs.nfits ? fs.nfits : 1, sizeof *fits);
    bfits = saksi_calloc_array(fs.nfits ? fs.nfits : 1, sizeof *bfits);
    w = saksi_malloc_array(fs.n ? fs.n : 1, sizeof *w);
    if (!fits || !bfits || !w) SAKSI_ALLOC_FAIL("fingerprint fits");
    SAKSI_TRY(be->bind(be->ctx, &fs, err));
    SAKSI_TRY(saksi_fp_fit_all(&fs, be, 0, NULL, fits, err));
    for (size_t g = 0; g < fs.nfits; g++) {
        saksi_fp_report *r = &fp->fit[by_prov ? 1 + g : 0];
        r->level = by_prov ? SAKSI_LEVEL_PROVINCE : SAKSI_LEVEL_NATIONAL;
        r->region = (uint32_t)g;
        r->stations = fs.count[g];
        r->reps = fs.fit_reps[g];
        r->fair = fs.fair[g];
        r->fi = fits[g].fi;
        r->fe = fits[g].fe;
        r->objective = fits[g].objective;
        r->skip = fs.skip[g];
    }
    if (!by_prov && fs.fit_reps[0] > 0) {
        SAKSI_TRY(saksi_fp_model_hist(&fs, be, 0, fits[0].ki, fits[0].ke, fp->model_hist, err));
        SAKSI_TRY(saksi_fp_model_hist(&fs, be, 0, 0, 0, fp->model_hist + nbins, err));
        fp->model_reps = fs.fit_reps[0];
    }
    for (size_t b = 0; b < o->fit_bootstrap; b++) {
        /* Fresh model draws too (replicates b * SAKSI_FP_MAX_REPS + ...),
         * so the interval carries the simulation's noise as well as the
         * sampling of stations; the clean part stays as estimated. */
        saksi_fp_resample(&fs, o->seed, (uint32_t)by_prov, (uint32_t)b, w);
        SAKSI_TRY(saksi_fp_fit_all(&fs, be, (uint32_t)(b + 1) * SAKSI_FP_MAX_REPS, w, bfits, err));
        for (size_t g = 0; g < fs.nfits; g++) {
            size_t f = by_prov ? 1 + g : 0;
            fp->boot_fi[f * fp->nboot + b] = bfits[g].fi;
            fp->boot_fe[f * fp->nboot + b] = bfits[g].fe;
        }
    }
out:
    if (be->release) be->release(be->ctx);
    saksi_fp_fitset_free(&fs);
    free(fits);
    free(bfits);
    free(w);
    return rc;
}

static saksi_status run_fit(const saksi_table *t, saksi_fingerprints *fp, const saksi_fp_options *o,
                            saksi_cl *cl, size_t local_size, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_fp_backend be = {0};
    double *tmp = NULL;
    const size_t nbins = (size_t)fp->nb_turnout * (size_t)fp->nb_share;
    fp->fitted = 1;
    fp->alpha = o->alpha;
    fp->nfits = 1 + fp->nprov;
    fp->nboot = o->fit_bootstrap;
    fp->nnull = o->null_runs;
    size_t nb = fp->nfits * (fp->nboot ? fp->nboot : 1),
           nn = fp->nfits * (fp->nnull ? fp->nnull : 1);
    fp->fit = saksi_calloc_array(fp->nfits, sizeof *fp->fit);
    fp->boot_fi = saksi_malloc_array(nb, sizeof *fp->boot_fi);
    fp->boot_fe = saksi_malloc_array(nb, sizeof *fp->boot_fe);
    fp->null_fi = saksi_malloc_array(nn, sizeof *fp->null_fi);
    fp->null_fe = saksi_malloc_array(nn, sizeof *fp->null_fe);
    fp->model_hist = saksi_calloc_array(2 * nbins, sizeof *fp->model_hist);
    tmp = saksi_malloc_array((fp->nboot > fp->nnull ? fp->nboot : fp->nnull) + 1, sizeof *tmp);
    if (!fp->fit || !fp->boot_fi || !fp->boot_fe || !fp->null_fi || !fp->null_fe ||
        !fp->model_hist || !tmp)
        SAKSI_ALLOC_FAIL("fingerprint fit results");
    for (size_t k = 0; k < nb; k++)
        fp->boot_fi[k] = fp->boot_fe[k] = NAN;
    for (size_t k = 0; k < nn; k++)
        fp->null_fi[k] = fp->null_fe[k] = NAN;
    for (size_t f = 0; f < fp->nfits; f++) {
        saksi_fp_report *r = &fp->fit[f];
        r->skip = "";
        r->fi = r->fe = r->fi_lo = r->fi_hi = r->fe_lo = r->fe_hi = NAN;
        r->null_fi_median = r->null_fi_p95 = r->null_fe_median = r->null_fe_p95 = NAN;
        r->p_fi = r->p_fe = NAN;
    }
    fp->null_mode = "not run";
    if (cl)
        SAKSI_TRY(saksi_cl_fp_backend(cl, local_size, &be, err));
    else
        SAKSI_TRY(saksi_fp_backend_cpu(&be, err));
    SAKSI_TRY(fit_family(t, fp, o, &be, 0, err));
    SAKSI_TRY(fit_family(t, fp, o, &be, 1, err));
    for (size_t f = 0; f < fp->nfits; f++) {
        saksi_fp_report *r = &fp->fit[f];
        interval(fp->boot_fi + f * fp->nboot, fp->nboot, tmp, &r->fi_lo, &r->fi_hi);
        interval(fp->boot_fe + f * fp->nboot, fp->nboot, tmp, &r->fe_lo, &r->fe_hi);
    }
    SAKSI_TRY(saksi_fp_null(t, fp, o, &be, err));
out:
    if (cl)
        saksi_cl_fp_backend_free(&be);
    else
        saksi_fp_backend_cpu_free(&be);
    free(tmp);
    return rc;
}

/* Shape statistics of the regular stations with a bin. */
static saksi_status shapes(const saksi_table *t, saksi_fingerprints *fp, const saksi_fp_options *o,
                           saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const size_t m = t->n ? t->n : 1;
    const int32_t *cols[4];
    uint8_t *use = saksi_calloc_array(m, 1);
    double *x = saksi_malloc_array(m, sizeof *x), *s = saksi_malloc_array(m, sizeof *s);
    double *y = saksi_malloc_array(m, sizeof *y);
    if (!use || !x || !s || !y) SAKSI_ALLOC_FAIL("shape statistics inputs");
    saksi_fp_columns(t, fp->turnout_field, fp->leader, cols);
    for (size_t i = 0; i < t->n; i++) {
        if (fp->code[i] < 0 || t->stratum[i] != SAKSI_STRATUM_REGULAR) continue;
        use[i] = 1;
        x[i] = (double)cols[1][i] / (double)cols[0][i];
        s[i] = (double)cols[2][i] / (double)cols[3][i];
        y[i] = (double)cols[2][i] / (double)cols[0][i];
    }
    fp->shape_bootstrap = o->shape_bootstrap;
    SAKSI_TRY(saksi_shape_all(t, use, x, s, y, o->shape_bootstrap, o->seed, fp->shape, err));
out:
    free(use);
    free(x);
    free(s);
    free(y);
    return rc;
}

saksi_status saksi_family_fingerprints(const saksi_table *t, const saksi_config *cfg, saksi_cl *cl,
                                       saksi_results *res, double *fit_seconds, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_fp_options o;
    saksi_fingerprints *fp = NULL;
    const int32_t *cols[4];
    options_from(cfg, &o);
    *fit_seconds = 0.0;
    if (o.nb_turnout < 1 || o.nb_turnout > SAKSI_FP_MAX_BINS)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "fingerprint bins %d per axis: 1..%d", o.nb_turnout,
                   SAKSI_FP_MAX_BINS);
    if (!(fp = calloc(1, sizeof *fp))) SAKSI_ALLOC_FAIL("fingerprints");
    fp->leader = saksi_fp_leader(t);
    fp->turnout_field = saksi_fp_turnout_field(t);
    fp->nb_turnout = o.nb_turnout;
    fp->nb_share = o.nb_share;
    fp->nprov = t->regions[SAKSI_LEVEL_PROVINCE].n;
    fp->null_mode = "not run";
    const size_t nh = fp->nprov * SAKSI_NSTRATA, nbins = (size_t)o.nb_turnout * o.nb_share;
    fp->code = saksi_malloc_array(t->n ? t->n : 1, sizeof *fp->code);
    fp->hist = saksi_calloc_array((nh ? nh : 1) * nbins, sizeof *fp->hist);
    fp->reasons = saksi_calloc_array((nh ? nh : 1) * SAKSI_FP_NREASONS, sizeof *fp->reasons);
    if (!fp->code || !fp->hist || !fp->reasons) SAKSI_ALLOC_FAIL("fingerprints");
    saksi_fp_columns(t, fp->turnout_field, fp->leader, cols);
    if (cl) {
        /* Under backend auto a device failure falls back to the twin (the
         * same integers), as the other families do; a failed launch used to
         * end the audit (found by test_faults_opencl, every launch failing). */
        saksi_error local = {0};
        int fallback_ok = cfg->backend == SAKSI_BACKEND_AUTO;
        rc = saksi_cl_fp_bin(cl, t, cols, o.nb_turnout, o.nb_share, cfg->batch_rows,
                             cfg->local_size, fp->code, fp->hist, fp->reasons,
                             fallback_ok ? &local : err);
        if (rc != SAKSI_OK) {
            if (!fallback_ok || rc == SAKSI_ERR_INTERRUPTED || rc == SAKSI_ERR_NOMEM) {
                if (fallback_ok) *err = local;
                goto out;
            }
            rc = SAKSI_OK;
            memset(fp->hist, 0, (nh ? nh : 1) * nbins * sizeof *fp->hist);
            memset(fp->reasons, 0, (nh ? nh : 1) * SAKSI_FP_NREASONS * sizeof *fp->reasons);
            cl = NULL; /* the fit below on the twin too */
        }
    }
    if (!cl)
        saksi_fp_bin_cpu(t, cols, o.nb_turnout, o.nb_share, 0, t->n, fp->code, fp->hist,
                         fp->reasons);
    SAKSI_TRY(shapes(t, fp, &o, err));
    SAKSI_TRY(shape_rows(fp, res, err));
    if (o.fit) {
        double t0 = saksi_now();
        SAKSI_TRY(run_fit(t, fp, &o, cl, cfg->local_size, err));
        SAKSI_TRY(fit_rows(fp, res, err));
        *fit_seconds = saksi_now() - t0;
    }
    saksi_fingerprints_free(res->fingerprints);
    res->fingerprints = fp;
    fp = NULL;
out:
    saksi_fingerprints_free(fp);
    return rc;
}

void saksi_family_fingerprints_summary(const saksi_results *res, saksi_summary *s)
{
    const saksi_fingerprints *fp = res->fingerprints;
    const saksi_fp_report *r = fp && fp->fitted && fp->nfits ? &fp->fit[0] : NULL;
    s->fingerprint.fitted = r != NULL;
    s->fingerprint.fi = r ? r->fi : NAN;
    s->fingerprint.fe = r ? r->fe : NAN;
    s->fingerprint.fi_null_p95 = r ? r->null_fi_p95 : NAN;
    s->fingerprint.fe_null_p95 = r ? r->null_fe_p95 : NAN;
    s->fingerprint.p_fi = r ? r->p_fi : NAN;
    s->fingerprint.p_fe = r ? r->p_fe : NAN;
}
