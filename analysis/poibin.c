/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * poibin.c — the Poisson-binomial distribution (the sum of independent,
 * non-identical Bernoulli trials), the exact null of the integer-percent
 * count (DESIGN §4): a dynamic programme restricted to mean +- 12 sd, and
 * a lattice saddlepoint approximation for regions too large for it,
 * checked against the programme in tests/test_poibin.c. Never a normal
 * approximation.
 */
#include "turnout.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Cells kept beyond mean +- 12 sd. A sum of rare trials is Poisson-like,
 * with a right tail far heavier than a normal's in sd units (16 trials of
 * p <= 0.02 put 1e-13 beyond mean + 12 sd); 16 more cells bring what is
 * dropped to about 1e-30 (measured in tests/test_poibin.c). */
#define WINDOW_MARGIN 16

const char *saksi_poibin_method_name(int method)
{
    static const char *const names[SAKSI_NPOIBIN] = {"dp", "saddlepoint"};
    return method >= 0 && method < SAKSI_NPOIBIN ? names[method] : "?";
}

void saksi_poibin_moments(const double *p, size_t n, double *mean, double *var)
{
    double m = 0.0, v = 0.0;
    for (size_t i = 0; i < n; i++) {
        m += p[i];
        v += p[i] * (1.0 - p[i]);
    }
    *mean = m;
    *var = v;
}

/* Window [lo, hi] of the sum after trials with running mean m, variance v. */
static void window(double m, double v, int64_t *lo, int64_t *hi)
{
    double s = sqrt(v);
    *lo = (int64_t)floor(m - SAKSI_POIBIN_WINDOW_SD * s) - WINDOW_MARGIN;
    *hi = (int64_t)ceil(m + SAKSI_POIBIN_WINDOW_SD * s) + WINDOW_MARGIN;
    if (*lo < 0) *lo = 0;
}

size_t saksi_poibin_dp_cells(const double *p, size_t n)
{
    double m, v;
    int64_t lo, hi;
    saksi_poibin_moments(p, n, &m, &v);
    window(m, v, &lo, &hi);
    /* The running sd never exceeds the final one, so no running window is
     * wider than the final window; one more cell for the step in flight. */
    return (size_t)(hi - lo + 2);
}

/*
 * The distribution of S_j = sum of the first j trials, one trial at a time:
 * P(S_j = s) = P(S_{j-1} = s)(1 - p_j) + P(S_{j-1} = s - 1) p_j. Only cells
 * within the running mean +- 12 running sd are kept; S never decreases, so
 * mass that falls below the window could climb back, but it is below
 * Phi(-12) ~ 1e-33 per step and is reported in *dropped.
 */
saksi_status saksi_poibin_dp(const double *p, size_t n, double *pmf, size_t cap, int64_t *first,
                             size_t *len, double *dropped, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    int64_t lo = 0;
    size_t w = 1;
    double m = 0.0, v = 0.0, lost = 0.0;
    if (cap < 2) SAKSI_FAIL(SAKSI_ERR_INTERNAL, "Poisson-binomial window of %zu cells", cap);
    pmf[0] = 1.0;
    for (size_t j = 0; j < n; j++) {
        double pj = p[j], qj = 1.0 - pj;
        if (pj <= 0.0) continue;
        if (pj >= 1.0) { /* a certain success shifts everything by one */
            lo++;
            m += 1.0;
            continue;
        }
        if (w + 1 > cap) { /* the top cell cannot grow: drop it */
            lost += pmf[w - 1];
            w--;
        }
        pmf[w] = pmf[w - 1] * pj;
        for (size_t s = w - 1; s > 0; s--)
            pmf[s] = pmf[s] * qj + pmf[s - 1] * pj;
        pmf[0] *= qj;
        w++;
        m += pj;
        v += pj * qj;
        int64_t wlo, whi;
        window(m, v, &wlo, &whi);
        if (wlo > lo) {
            size_t cut = (size_t)(wlo - lo) < w ? (size_t)(wlo - lo) : w - 1;
            for (size_t s = 0; s < cut; s++)
                lost += pmf[s];
            memmove(pmf, pmf + cut, (w - cut) * sizeof *pmf);
            w -= cut;
            lo += (int64_t)cut;
        }
        while (w > 1 && lo + (int64_t)w - 1 > whi) {
            lost += pmf[w - 1];
            w--;
        }
    }
    *first = lo;
    *len = w;
    *dropped = lost;
out:
    return rc;
}

/* ------------------------------------------------------------------ */
/* Saddlepoint                                                         */
/* ------------------------------------------------------------------ */

/* Cumulant generating function K(t) = sum log(1 - p + p e^t) and its
 * first two derivatives, over trials with 0 < p < 1, written so that
 * nothing overflows for large |t|. */
static void cgf(const double *p, size_t n, double t, double *k0, double *k1, double *k2)
{
    double a = 0.0, b = 0.0, c = 0.0;
    for (size_t i = 0; i < n; i++) {
        double pi = p[i];
        if (pi <= 0.0 || pi >= 1.0) continue;
        double q; /* tilted success probability p e^t / (1 - p + p e^t) */
        if (t > 0.0) {
            double r = (1.0 - pi) / pi * exp(-t);
            a += t + log(pi) + log1p(r);
            q = 1.0 / (1.0 + r);
        } else {
            double r = pi / (1.0 - pi) * exp(t);
            a += log1p(-pi) + log1p(r);
            q = r / (1.0 + r);
        }
        b += q;
        c += q * (1.0 - q);
    }
    *k0 = a;
    *k1 = b;
    *k2 = c;
}

/* Solve K'(t) = s for s strictly between 0 and the number of trials:
 * Newton steps kept inside a shrinking bracket (K' is increasing). */
static double solve_saddle(const double *p, size_t n, double s, double *k0, double *k2)
{
    double lo = -1.0, hi = 1.0, t = 0.0, a, b, c;
    cgf(p, n, lo, &a, &b, &c);
    while (b > s) {
        hi = lo;
        lo *= 2.0;
        cgf(p, n, lo, &a, &b, &c);
    }
    cgf(p, n, hi, &a, &b, &c);
    while (b < s) {
        lo = hi;
        hi *= 2.0;
        cgf(p, n, hi, &a, &b, &c);
    }
    t = 0.5 * (lo + hi);
    for (int it = 0; it < 200; it++) {
        cgf(p, n, t, &a, &b, &c);
        if (b < s)
            lo = t;
        else
            hi = t;
        double step = c > 0.0 ? (b - s) / c : 0.0, next = t - step;
        if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
        if (fabs(next - t) <= 1e-14 * (1.0 + fabs(t)) || hi - lo <= 1e-15 * (1.0 + fabs(t))) {
            t = next;
            break;
        }
        t = next;
    }
    cgf(p, n, t, k0, &b, k2);
    return t;
}

/* Lugannani-Rice with Daniels' second continuity correction at the
 * continuity-corrected point s = k - 1/2 (not the mean). */
static double lr_tail(const double *p, size_t n, double s)
{
    double k0, k2;
    double t = solve_saddle(p, n, s, &k0, &k2);
    double arg = 2.0 * (t * s - k0);
    double w = (t > 0 ? 1.0 : -1.0) * sqrt(arg > 0.0 ? arg : 0.0);
    double u = 2.0 * sinh(0.5 * t) * sqrt(k2);
    double tail = gsl_cdf_ugaussian_Q(w) + gsl_ran_ugaussian_pdf(w) * (1.0 / u - 1.0 / w);
    return tail < 0.0 ? 0.0 : tail > 1.0 ? 1.0 : tail;
}

double saksi_poibin_saddle_tail(const double *p, size_t n, int64_t k)
{
    double m = 0.0, v = 0.0;
    int64_t certain = 0, possible = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] >= 1.0) {
            certain++;
        } else if (p[i] > 0.0) {
            possible++;
            m += p[i];
            v += p[i] * (1.0 - p[i]);
        }
    }
    k -= certain; /* the random part must reach k */
    if (k <= 0) return 1.0;
    if (k > possible) return 0.0;
    double s = (double)k - 0.5, sd = sqrt(v);
    /* The formula is 0/0 at the mean: interpolate between two points where
     * it is well conditioned (it is smooth there; error ~ (0.01 sd)^2). */
    double d = 0.01 * sd > 1e-3 ? 0.01 * sd : 1e-3;
    if (fabs(s - m) < d && m - d > 0.0 && m + d < (double)possible) {
        double a = lr_tail(p, n, m - d), b = lr_tail(p, n, m + d);
        return a + (b - a) * (s - (m - d)) / (2.0 * d);
    }
    return lr_tail(p, n, s);
}

/* ------------------------------------------------------------------ */
/* The test                                                            */
/* ------------------------------------------------------------------ */

saksi_status saksi_poibin_test_run(const double *p, size_t n, int64_t observed,
                                   saksi_poibin_test *out, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    double *pmf = NULL;
    memset(out, 0, sizeof *out);
    saksi_poibin_moments(p, n, &out->mean, &out->var);
    size_t cells = saksi_poibin_dp_cells(p, n);
    int dp = (double)n * (double)cells <= SAKSI_POIBIN_DP_BUDGET;
    if (dp) {
        int64_t first;
        size_t len;
        pmf = saksi_malloc_array(cells, sizeof *pmf);
        if (!pmf) SAKSI_ALLOC_FAIL("Poisson-binomial window");
        SAKSI_TRY(saksi_poibin_dp(p, n, pmf, cells, &first, &len, &out->dropped, err));
        if (observed < first || observed >= first + (int64_t)len) {
            /* Outside mean +- 12 sd: the window holds no cell for it, and
             * the saddlepoint is accurate in such far tails. */
            dp = 0;
        } else {
            double above = 0.0;
            for (size_t s = (size_t)(observed - first) + 1; s < len; s++)
                above += pmf[s];
            out->point = pmf[observed - first];
            out->tail = above + out->point;
            out->midp = above + 0.5 * out->point;
            out->method = SAKSI_POIBIN_DP;
        }
    }
    if (!dp) {
        double t0 = saksi_poibin_saddle_tail(p, n, observed);
        double t1 = saksi_poibin_saddle_tail(p, n, observed + 1);
        out->tail = t0;
        out->point = t0 - t1 > 0.0 ? t0 - t1 : 0.0;
        out->midp = 0.5 * (t0 + t1);
        out->method = SAKSI_POIBIN_SADDLEPOINT;
        out->dropped = 0.0;
    }
    if (out->tail > 1.0) out->tail = 1.0;
    if (out->midp > 1.0) out->midp = 1.0;
out:
    free(pmf);
    return rc;
}
