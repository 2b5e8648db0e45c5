/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * inference.c — turning p-values into decisions (DESIGN §5): Benjamini-
 * Hochberg q-values (plain and weighted), the Cauchy and Simes combinations
 * of dependent p-values, and the inflation factor lambda of a test family.
 */
#include "analysis.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* pi to double precision (M_PI is not C11). */
#define SAKSI_PI 3.14159265358979323846

typedef struct pv {
    double p;
    size_t i;
} pv;

static int cmp_pv(const void *a, const void *b)
{
    const pv *x = a, *y = b;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i); /* stable: ties keep input order */
}

/*
 * BH step-up adjusted p-values (Benjamini & Hochberg 1995): with the m
 * tested p-values sorted, q_(k) = min_{j >= k} m p_(j) / j, capped at 1.
 * NaN marks an untested unit (skipped): it gets NaN and does not count in
 * m. w (optional, mean 1 over the tested units) gives weighted BH
 * (Genovese, Roeder & Wasserman 2006): p_i / w_i in place of p_i.
 */
saksi_status saksi_bh(const double *p, const double *w, size_t n, double *q, size_t *m_out,
                      saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    pv *s = saksi_malloc_array(n ? n : 1, sizeof *s);
    size_t m = 0;
    if (!s)
        SAKSI_ALLOC_FAIL("q-values");
    for (size_t i = 0; i < n; i++) {
        q[i] = NAN;
        if (isnan(p[i]))
            continue;
        double pi = w ? (w[i] > 0.0 ? p[i] / w[i] : INFINITY) : p[i];
        s[m++] = (pv){pi, i};
    }
    qsort(s, m, sizeof *s, cmp_pv);
    double run = 1.0;
    for (size_t k = m; k-- > 0;) {
        double v = s[k].p * (double)m / (double)(k + 1);
        if (v < run)
            run = v;
        q[s[k].i] = run;
    }
    if (m_out)
        *m_out = m;
out:
    free(s);
    return rc;
}

/* Keep p inside (0, 1) for the combinations: tan and the Simes ratio
 * are unbounded at the ends, and a p of exactly 0 from a tail sum that
 * underflowed is "smaller than double precision can say". */
static double clamp_p(double p)
{
    if (p < SAKSI_P_FLOOR)
        return SAKSI_P_FLOOR;
    if (p > 1.0 - SAKSI_P_FLOOR)
        return 1.0 - SAKSI_P_FLOOR;
    return p;
}

/*
 * Cauchy combination (Liu & Xie 2020, JASA 115:393-402): T = sum w_i
 * tan((1/2 - p_i) pi) / sum w_i is standard Cauchy under the null whatever
 * the dependence between the p_i (asymptotically in the tail), so
 * p = 1/2 - arctan(T) / pi. NaN entries are skipped; NaN if none is left.
 */
double saksi_cauchy_combine(const double *p, const double *w, size_t n)
{
    double t = 0.0, wsum = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(p[i]))
            continue;
        double wi = w ? w[i] : 1.0;
        double pi = clamp_p(p[i]);
        /* For tiny p, tan((1/2 - p) pi) = 1 / tan(p pi) loses nothing. */
        t += wi * (pi < 1e-15 ? 1.0 / (pi * SAKSI_PI) : tan((0.5 - pi) * SAKSI_PI));
        wsum += wi;
    }
    if (wsum <= 0.0)
        return NAN;
    t /= wsum;
    double pc = t > 1e15 ? 1.0 / (t * SAKSI_PI) : 0.5 - atan(t) / SAKSI_PI;
    return clamp_p(pc);
}

/* Simes (1986): min_k m p_(k) / k, valid under positive dependence. */
double saksi_simes_combine(const double *p, size_t n)
{
    double *s = saksi_malloc_array(n ? n : 1, sizeof *s), best = NAN;
    size_t m = 0;
    if (!s)
        return NAN; /* the caller treats NaN as "not combined" */
    for (size_t i = 0; i < n; i++)
        if (!isnan(p[i]))
            s[m++] = p[i];
    for (size_t i = 1; i < m; i++) { /* insertion sort: m is a few candidates */
        double v = s[i];
        size_t j = i;
        while (j > 0 && s[j - 1] > v) {
            s[j] = s[j - 1];
            j--;
        }
        s[j] = v;
    }
    for (size_t k = 0; k < m; k++) {
        double v = s[k] * (double)m / (double)(k + 1);
        if (isnan(best) || v < best)
            best = v;
    }
    free(s);
    return isnan(best) ? NAN : best > 1.0 ? 1.0 : best;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * Inflation factor (Devlin & Roeder 1999): lambda = median of the observed
 * statistics / median of the null, with each p-value mapped to its
 * chi-square(1) quantile so that tests of any kind share one scale
 * (median chi2_1 = 0.45494). NaN entries are skipped; NaN when none.
 */
double saksi_lambda_from_p(const double *p, size_t n)
{
    double *s = saksi_malloc_array(n ? n : 1, sizeof *s);
    if (!s)
        return NAN;
    double lambda = saksi_lambda_from_p_ws(p, n, s);
    free(s);
    return lambda;
}

double saksi_lambda_from_p_ws(const double *p, size_t n, double *s)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(p[i]))
            s[m++] = clamp_p(p[i]);
    double lambda = NAN;
    if (m > 0) {
        /* The chi-square(1) quantile is monotone in p, so the median of the
         * statistics is the quantile of the middle p-values: two quantiles
         * instead of one per p (gsl_cdf_chisq_Qinv costs ~5 us; 4.9M
         * station p-values took 25 s). */
        qsort(s, m, sizeof *s, cmp_double);
        double a = gsl_cdf_chisq_Qinv(s[m / 2], 1.0);
        double med = m % 2 ? a : 0.5 * (gsl_cdf_chisq_Qinv(s[m / 2 - 1], 1.0) + a);
        lambda = med / gsl_cdf_chisq_Pinv(0.5, 1.0);
    }
    return lambda;
}

/* --null empirical: divide the chi-square(1) statistic of p by lambda
 * (only when lambda > 1: a conservative family is left alone). */
double saksi_p_deflate(double p, double lambda)
{
    if (isnan(p) || isnan(lambda) || lambda <= 1.0)
        return p;
    return gsl_cdf_chisq_Q(gsl_cdf_chisq_Qinv(clamp_p(p), 1.0) / lambda, 1.0);
}
