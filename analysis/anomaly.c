/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * anomaly.c — the anomaly evidence of DESIGN §5: per station the Cauchy
 * combination of its calibrated p-values only (clamped away from 0 and 1),
 * weighted Benjamini-Hochberg across stations with region flags as prior
 * weights (never as evidence), and the "unexplained votes" of the
 * beneficiary with a predictive interval. Also the station-test columns
 * the station families fill.
 */
#include "analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Station-test columns                                                */
/* ------------------------------------------------------------------ */

saksi_station_tests *saksi_station_tests_alloc(size_t n, size_t ncand)
{
    saksi_station_tests *st = calloc(1, sizeof *st);
    if (!st) return NULL;
    st->n = n;
    st->ncand = ncand;
    st->share_size_field = SAKSI_F_VALID;
    return st;
}

static double *nan_array(size_t n)
{
    double *a = saksi_malloc_array(n ? n : 1, sizeof *a);
    if (a)
        for (size_t i = 0; i < n; i++)
            a[i] = NAN;
    return a;
}

saksi_status saksi_station_tests_add(saksi_station_tests *st, const char *test, int candidate,
                                     int calibrated, saksi_station_test **col, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_station_test c = {test, candidate, calibrated, NULL, NULL, NULL, NULL};
    if (!test || (candidate >= 0 && (size_t)candidate >= st->ncand) || candidate < -1)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "station test %s: candidate %d of %zu", test ? test : "?",
                   candidate, st->ncand);
    if (st->ntests == st->cap) {
        size_t cap = st->cap ? 2 * st->cap : 8;
        saksi_station_test *t2 = saksi_realloc_array(st->test, cap, sizeof *t2);
        if (!t2) SAKSI_ALLOC_FAIL("station test columns");
        st->test = t2;
        st->cap = cap;
    }
    c.p = nan_array(st->n);
    c.effect = nan_array(st->n);
    c.observed = nan_array(st->n);
    c.expected = nan_array(st->n);
    if (!c.p || !c.effect || !c.observed || !c.expected) {
        free(c.p);
        free(c.effect);
        free(c.observed);
        free(c.expected);
        SAKSI_ALLOC_FAIL("a station test column");
    }
    st->test[st->ntests++] = c;
    if (col) *col = &st->test[st->ntests - 1];
out:
    return rc;
}

saksi_status saksi_station_tests_alloc_shares(saksi_station_tests *st, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    free(st->share_null);
    st->share_null = NULL;
    if (st->ncand && st->n > SIZE_MAX / st->ncand)
        SAKSI_FAIL(SAKSI_ERR_LIMIT, "%zu stations x %zu candidates", st->n, st->ncand);
    size_t cells = st->n * st->ncand;
    st->share_null = saksi_calloc_array(cells > 0 ? cells : 1, sizeof *st->share_null);
    if (!st->share_null) SAKSI_ALLOC_FAIL("share nulls");
out:
    return rc;
}

void saksi_station_tests_free(saksi_station_tests *st)
{
    if (!st) return;
    for (size_t k = 0; k < st->ntests; k++) {
        free(st->test[k].p);
        free(st->test[k].effect);
        free(st->test[k].observed);
        free(st->test[k].expected);
    }
    free(st->test);
    free(st->share_null);
    free(st);
}

/* ------------------------------------------------------------------ */
/* Unexplained votes                                                   */
/* ------------------------------------------------------------------ */

void saksi_anomaly_options_init(saksi_anomaly_options *o)
{
    o->alpha = SAKSI_ANOMALY_ALPHA;
    o->p_ceil = SAKSI_ANOMALY_P_CEIL;
    o->flag_weight = SAKSI_ANOMALY_FLAG_WEIGHT;
    o->pi_level = SAKSI_ANOMALY_PI_LEVEL;
    o->keep_p = SAKSI_ANOMALY_KEEP_P;
}

static int64_t positive_round(double v)
{
    return v > 0.0 ? (int64_t)llround(v) : 0;
}

/* Smallest k with P(X <= k) >= prob (the usual discrete quantile). */
static int32_t quantile(const double *pmf, int32_t n, double prob)
{
    double acc = 0.0;
    for (int32_t k = 0; k <= n; k++) {
        acc += pmf[k];
        /* 1e-12: the normalised pmf sums to 1 only up to rounding */
        if (acc >= prob - 1e-12) return k;
    }
    return n;
}

/* Expected, votes and interval of x against BetaBin(n, null); pmf holds
 * n + 1 doubles. */
static void unexplained(int32_t x, int32_t n, const saksi_bb *null, double level, double *pmf,
                        double *expected, int64_t *votes, int64_t *lo, int64_t *hi)
{
    saksi_bb_pmf(n, null->mu, null->rho, pmf);
    int32_t qlo = quantile(pmf, n, 0.5 * (1.0 - level));
    int32_t qhi = quantile(pmf, n, 1.0 - 0.5 * (1.0 - level));
    *expected = (double)n * null->mu;
    *votes = positive_round((double)x - *expected);
    *lo = (int64_t)x - qhi > 0 ? (int64_t)x - qhi : 0;
    *hi = (int64_t)x - qlo > 0 ? (int64_t)x - qlo : 0;
}

void saksi_anomaly_unexplained(int32_t x, int32_t n, const saksi_bb *null, double level,
                               double *expected, int64_t *votes, int64_t *lo, int64_t *hi)
{
    double *pmf = saksi_malloc_array((size_t)(n < 0 ? 0 : n) + 1, sizeof *pmf);
    *expected = NAN;
    *votes = *lo = *hi = 0;
    if (!pmf || n < 0 || !null->ok)
        goto out; /* no null (or no memory): nothing can be said, and NaN says so */
    unexplained(x, n, null, level, pmf, expected, votes, lo, hi);
out:
    free(pmf);
}

/* Smallest k in [0, n] with cdf(k) >= prob, by bisection (the cdf is
 * monotone). */
static int32_t cdf_quantile(const saksi_station_tests *st, size_t i, size_t c, int32_t n,
                            double prob)
{
    int32_t lo = 0, hi = n;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (st->share_cdf(st, i, c, mid, n) >= prob - 1e-12)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* The unexplained votes under the family's own null shape. */
static void cdf_unexplained(const saksi_station_tests *st, size_t i, size_t c, int32_t x, int32_t n,
                            double level, saksi_anomaly_row *row)
{
    int32_t qlo = cdf_quantile(st, i, c, n, 0.5 * (1.0 - level));
    int32_t qhi = cdf_quantile(st, i, c, n, 1.0 - 0.5 * (1.0 - level));
    row->expected = (double)n * st->share_null[i * st->ncand + c].mu;
    row->votes = positive_round((double)x - row->expected);
    row->votes_lo = (int64_t)x - qhi > 0 ? (int64_t)x - qhi : 0;
    row->votes_hi = (int64_t)x - qlo > 0 ? (int64_t)x - qlo : 0;
}

/* The beneficiary of station i: the candidate with the largest excess of
 * observed over peer-predicted votes (lowest index on ties). */
static saksi_status beneficiary(const saksi_table *t, const saksi_station_tests *st, size_t i,
                                double level, double **pmf, size_t *pmf_cap, saksi_anomaly_row *row,
                                saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    row->beneficiary = -1;
    row->expected = NAN;
    row->votes = row->votes_lo = row->votes_hi = 0;
    if (!st->share_null) goto out;
    int32_t n = saksi_table_get(t, st->share_size_field, i);
    if (n == SAKSI_MISSING || n < 0) goto out;
    double best = -HUGE_VAL;
    for (size_t c = 0; c < st->ncand; c++) {
        const saksi_bb *b = &st->share_null[i * st->ncand + c];
        int32_t x = saksi_table_get(t, (int)(SAKSI_NFIXED + c), i);
        if (!b->ok || x == SAKSI_MISSING || x < 0 || x > n) continue;
        double e = (double)x - (double)n * b->mu;
        if (e > best) {
            best = e;
            row->beneficiary = (int32_t)c;
        }
    }
    if (row->beneficiary < 0) goto out;
    if ((size_t)n + 1 > *pmf_cap) {
        double *p2 = saksi_realloc_array(*pmf, (size_t)n + 1, sizeof *p2);
        if (!p2) SAKSI_ALLOC_FAIL("a predictive distribution");
        *pmf = p2;
        *pmf_cap = (size_t)n + 1;
    }
    size_t c = (size_t)row->beneficiary;
    int32_t x = saksi_table_get(t, (int)(SAKSI_NFIXED + c), i);
    if (st->share_cdf) {
        cdf_unexplained(st, i, c, x, n, level, row);
        goto out;
    }
    unexplained(x, n, &st->share_null[i * st->ncand + c], level, *pmf, &row->expected, &row->votes,
                &row->votes_lo, &row->votes_hi);
out:
    return rc;
}

/* ------------------------------------------------------------------ */
/* Combination, weights, q-values                                      */
/* ------------------------------------------------------------------ */

/* Per station: the combined p of its calibrated columns, how many, and
 * the column with the smallest p. */
static void combine_station(const saksi_station_tests *st, size_t i, double p_ceil, double *buf,
                            double *p, uint32_t *ntests, int32_t *top)
{
    size_t m = 0;
    double best = HUGE_VAL;
    *top = -1;
    for (size_t k = 0; k < st->ntests; k++) {
        const saksi_station_test *c = &st->test[k];
        double v = c->p[i];
        if (!c->calibrated || isnan(v)) continue;
        if (v < best) {
            best = v;
            *top = (int32_t)k;
        }
        /* clamped away from 1 here (see SAKSI_ANOMALY_P_CEIL); the
         * combination clamps away from 0 itself */
        buf[m++] = v > p_ceil ? p_ceil : v;
    }
    *ntests = (uint32_t)m;
    *p = m ? saksi_cauchy_combine(buf, NULL, m) : NAN;
}

/* Per station a weight: flag_weight inside a region flagged by any
 * region-level test at any level, 1 elsewhere; then mean 1 over the
 * tested stations (the condition of weighted BH). */
static saksi_status region_weights(const saksi_table *t, const saksi_results *res, const double *p,
                                   double flag_weight, double *w, size_t *in_flagged,
                                   saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    uint8_t *flag[SAKSI_NLEVELS] = {NULL};
    size_t tested = 0;
    double sum = 0.0;
    *in_flagged = 0;
    for (int l = 0; l < SAKSI_NLEVELS; l++)
        if (!(flag[l] = saksi_calloc_array(t->regions[l].n ? t->regions[l].n : 1, 1)))
            SAKSI_ALLOC_FAIL("region flags");
    if (res->region_tests)
        for (size_t k = 0; k < res->region_tests->n; k++) {
            const saksi_region_test *r = &res->region_tests->row[k];
            if (r->flagged && r->level >= 0 && r->level < SAKSI_NLEVELS &&
                r->region < t->regions[r->level].n)
                flag[r->level][r->region] = 1;
        }
    for (size_t i = 0; i < t->n; i++) {
        int in = 0;
        for (int l = 0; l < SAKSI_NLEVELS && !in; l++)
            in = t->region_of[l] && flag[l][t->region_of[l][i]];
        w[i] = in ? flag_weight : 1.0;
        if (!isnan(p[i])) {
            tested++;
            sum += w[i];
            *in_flagged += (size_t)in;
        }
    }
    for (size_t i = 0; i < t->n && tested; i++)
        w[i] *= (double)tested / sum;
out:
    for (int l = 0; l < SAKSI_NLEVELS; l++)
        free(flag[l]);
    return rc;
}

saksi_status saksi_anomaly_build(const saksi_table *t, saksi_results *res,
                                 const saksi_anomaly_options *opt, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_anomaly_options defaults;
    const saksi_station_tests *st = res->station_tests;
    saksi_anomaly *a = NULL;
    double *p = NULL, *w = NULL, *q = NULL, *buf = NULL, *pmf = NULL;
    uint32_t *ntests = NULL;
    int32_t *top = NULL;
    size_t pmf_cap = 0, nrows = 0;
    saksi_anomaly_options_init(&defaults);
    if (!opt) opt = &defaults;
    if (!(opt->alpha > 0.0 && opt->alpha < 1.0) || !(opt->p_ceil > 0.5 && opt->p_ceil < 1.0) ||
        !(opt->flag_weight >= 1.0) || !(opt->pi_level > 0.0 && opt->pi_level < 1.0))
        SAKSI_FAIL(SAKSI_ERR_USAGE,
                   "anomaly options out of range (alpha %g, ceiling %g, flag "
                   "weight %g, interval %g)",
                   opt->alpha, opt->p_ceil, opt->flag_weight, opt->pi_level);
    if (st && (st->n != t->n || (st->share_null && st->ncand != t->ncand)))
        SAKSI_FAIL(SAKSI_ERR_INTERNAL,
                   "station tests for %zu stations x %zu candidates, table "
                   "has %zu x %zu",
                   st->n, st->ncand, t->n, t->ncand);
    saksi_anomaly_free(res->anomaly);
    res->anomaly = NULL;
    if (!(a = calloc(1, sizeof *a))) SAKSI_ALLOC_FAIL("anomaly results");
    a->alpha = opt->alpha;
    if (!st || st->ntests == 0 || t->n == 0) goto done;

    p = saksi_malloc_array(t->n, sizeof *p);
    w = saksi_malloc_array(t->n, sizeof *w);
    q = saksi_malloc_array(t->n, sizeof *q);
    buf = saksi_malloc_array(st->ntests, sizeof *buf);
    ntests = saksi_malloc_array(t->n, sizeof *ntests);
    top = saksi_malloc_array(t->n, sizeof *top);
    if (!p || !w || !q || !buf || !ntests || !top) SAKSI_ALLOC_FAIL("anomaly scores");
    for (size_t i = 0; i < t->n; i++)
        combine_station(st, i, opt->p_ceil, buf, &p[i], &ntests[i], &top[i]);
    SAKSI_TRY(region_weights(t, res, p, opt->flag_weight, w, &a->in_flagged_regions, err));
    SAKSI_TRY(saksi_bh(p, w, t->n, q, &a->m, err));

    for (size_t i = 0; i < t->n; i++) {
        a->nflagged += q[i] < opt->alpha;
        nrows += q[i] < opt->alpha || p[i] < opt->keep_p;
    }
    a->row = saksi_calloc_array(nrows ? nrows : 1, sizeof *a->row);
    if (!a->row) SAKSI_ALLOC_FAIL("anomaly rows");
    for (size_t i = 0; i < t->n; i++) {
        if (!(q[i] < opt->alpha || p[i] < opt->keep_p)) continue;
        saksi_anomaly_row *r = &a->row[a->nrows++];
        r->station = i;
        r->p = p[i];
        r->q = q[i];
        r->weight = w[i];
        r->ntests = ntests[i];
        r->top_test = top[i];
        SAKSI_TRY(beneficiary(t, st, i, opt->pi_level, &pmf, &pmf_cap, r, err));
    }
done:
    res->anomaly = a;
    a = NULL;
out:
    saksi_anomaly_free(a);
    free(p);
    free(w);
    free(q);
    free(buf);
    free(ntests);
    free(top);
    free(pmf);
    return rc;
}

void saksi_anomaly_free(saksi_anomaly *a)
{
    if (!a) return;
    free(a->row);
    free(a);
}

const saksi_anomaly_row *saksi_anomaly_find(const saksi_anomaly *a, size_t station)
{
    size_t lo = 0, hi = a ? a->nrows : 0;
    while (lo < hi) { /* rows are in station order */
        size_t mid = lo + (hi - lo) / 2;
        if (a->row[mid].station < station)
            lo = mid + 1;
        else
            hi = mid;
    }
    return a && lo < a->nrows && a->row[lo].station == station ? &a->row[lo] : NULL;
}
