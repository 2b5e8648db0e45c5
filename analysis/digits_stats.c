/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * digits_stats.c — the statistics of the digit family (DESIGN §4 "Digit
 * tests", "Effect sizes"): the Wald omnibus of a digit distribution with
 * the exact covariance of a sum of non-identical categorical numbers and
 * its pseudo-inverse, per-digit Z, Cohen's w with a noncentral chi-square
 * interval, the one-sided 0/5 excess from the Poisson-binomial (exact
 * banded programme or Lugannani-Rice saddlepoint) with a Wilson interval,
 * and the classical Benford/uniform expectations with Nigrini's MAD.
 */
#include "digits.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* pi to double precision (M_PI is not C11). */
#define SAKSI_DIGITS_PI 3.14159265358979323846

/* ------------------------------------------------------------------ */
/* Accumulators                                                        */
/* ------------------------------------------------------------------ */

const int saksi_digits_nprofile[SAKSI_DT_COUNT] = {
    [SAKSI_DT_LAST] = 2, [SAKSI_DT_SECOND_2D] = 2, [SAKSI_DT_SECOND_3D] = 3, [SAKSI_DT_FIRST] = 0};

void saksi_digit_acc_add(saksi_digit_acc *a, const double *p)
{
    int k = 0;
    double m = 0.0, v = 0.0, s3 = 0.0;
    a->n++;
    for (int i = 0; i < SAKSI_DIGIT_BINS; i++)
        m += i * p[i];
    for (int i = 0; i < SAKSI_DIGIT_BINS; i++) {
        v += (i - m) * (i - m) * p[i];
        s3 += (i - m) * (i - m) * (i - m) * p[i];
    }
    for (int i = 0; i < SAKSI_DIGIT_BINS; i++) {
        a->e[i] += p[i];
        a->tilt[0][i] += p[i] * (i - m);
        a->tilt[1][i] += p[i] * ((i - m) * (i - m) - v);
        a->tilt[2][i] += p[i] * ((i - m) * (i - m) * (i - m) - s3);
        for (int j = i; j < SAKSI_DIGIT_BINS; j++)
            a->pp[k++] += p[i] * p[j];
    }
}

void saksi_digit_acc_merge(saksi_digit_acc *a, const saksi_digit_acc *b)
{
    a->n += b->n;
    for (int i = 0; i < SAKSI_DIGIT_BINS; i++) {
        a->o[i] += b->o[i];
        a->e[i] += b->e[i];
    }
    for (int k = 0; k < SAKSI_DIGITS_NPP; k++)
        a->pp[k] += b->pp[k];
    for (int k = 0; k < SAKSI_DIGITS_NTILT; k++)
        for (int i = 0; i < SAKSI_DIGIT_BINS; i++)
            a->tilt[k][i] += b->tilt[k][i];
}

double saksi_digit_acc_var(const saksi_digit_acc *a, int d)
{
    double v = a->e[d] - a->pp[saksi_digits_tri(d, d)];
    return v > 0.0 ? v : 0.0;
}

double saksi_digits_z(const saksi_digit_acc *a, int d)
{
    double v = saksi_digit_acc_var(a, d);
    return v > 0.0 ? ((double)a->o[d] - a->e[d]) / sqrt(v) : NAN;
}

/* ------------------------------------------------------------------ */
/* Wald omnibus                                                        */
/* ------------------------------------------------------------------ */

struct saksi_digits_ws {
    gsl_matrix *a, *evec;
    gsl_vector *eval;
    gsl_eigen_symmv_workspace *w;
};

saksi_digits_ws *saksi_digits_ws_alloc(void)
{
    saksi_digits_ws *ws = calloc(1, sizeof *ws);
    if (!ws) return NULL;
    ws->a = gsl_matrix_alloc(SAKSI_DIGIT_BINS, SAKSI_DIGIT_BINS);
    ws->evec = gsl_matrix_alloc(SAKSI_DIGIT_BINS, SAKSI_DIGIT_BINS);
    ws->eval = gsl_vector_alloc(SAKSI_DIGIT_BINS);
    ws->w = gsl_eigen_symmv_alloc(SAKSI_DIGIT_BINS);
    if (!ws->a || !ws->evec || !ws->eval || !ws->w) {
        saksi_digits_ws_free(ws);
        return NULL;
    }
    return ws;
}

void saksi_digits_ws_free(saksi_digits_ws *ws)
{
    if (!ws) return;
    if (ws->w) gsl_eigen_symmv_free(ws->w);
    if (ws->eval) gsl_vector_free(ws->eval);
    if (ws->evec) gsl_matrix_free(ws->evec);
    if (ws->a) gsl_matrix_free(ws->a);
    free(ws);
}

/* A tilt direction whose whitened length falls below this fraction of its
 * own length once the earlier directions are taken off it lies in their
 * span: it removes no degree of freedom. */
#define PROFILE_RTOL 1e-10

/* Cells of the Wald test: digits whose expected count reaches
 * SAKSI_DIGITS_MIN_EXPECTED keep their own cell, the others share one
 * cell, which joins the smallest kept cell when it stays below the
 * minimum itself. group[d] is the cell of digit d (-1: a digit the null
 * makes impossible and that was not observed); returns the cells. */
static int pool_cells(const saksi_digit_acc *a, int group[SAKSI_DIGIT_BINS])
{
    int k = 0, rest = -1;
    double e_rest = 0.0;
    int64_t o_rest = 0;
    for (int d = 0; d < SAKSI_DIGIT_BINS; d++) {
        if (a->e[d] >= SAKSI_DIGITS_MIN_EXPECTED) {
            group[d] = k++;
        } else {
            group[d] = -2; /* pooled, cell decided below */
            e_rest += a->e[d];
            o_rest += a->o[d];
        }
    }
    if (e_rest > 0.0 || o_rest > 0) {
        if (e_rest >= SAKSI_DIGITS_MIN_EXPECTED || k == 0) {
            rest = k++;
        } else { /* join the kept cell with the smallest expectation */
            double best = INFINITY;
            for (int d = 0; d < SAKSI_DIGIT_BINS; d++)
                if (group[d] >= 0 && a->e[d] < best) {
                    best = a->e[d];
                    rest = group[d];
                }
        }
    }
    for (int d = 0; d < SAKSI_DIGIT_BINS; d++)
        if (group[d] == -2) group[d] = a->e[d] > 0.0 || a->o[d] > 0 ? rest : -1;
    return k;
}

void saksi_digits_wald_test(const saksi_digit_acc *a, int nprofile, saksi_digits_ws *ws,
                            saksi_digits_wald *out)
{
    double r[SAKSI_DIGIT_BINS] = {0}, top = 0.0, W = 0.0;
    double tilt[SAKSI_DIGITS_NTILT][SAKSI_DIGIT_BINS] = {{0}};
    double rho[SAKSI_DIGIT_BINS], beta[SAKSI_DIGITS_NTILT][SAKSI_DIGIT_BINS];
    int group[SAKSI_DIGIT_BINS], df = 0;
    out->W = out->p = out->w = out->w_lo = out->w_hi = NAN;
    out->df = 0;
    if (a->n == 0) return;
    pool_cells(a, group);
    /* Sigma = diag(e) - sum p p^T, the covariance of the digit counts of
     * independent numbers with digit probabilities p_s, summed over the
     * digits of each cell (A Sigma A^T for the pooling matrix A); unused
     * rows stay zero and their eigenvalues are dropped below. */
    gsl_matrix_set_zero(ws->a);
    for (int i = 0; i < SAKSI_DIGIT_BINS; i++) {
        if (group[i] < 0) continue;
        r[group[i]] += (double)a->o[i] - a->e[i];
        for (int k = 0; k < SAKSI_DIGITS_NTILT; k++)
            tilt[k][group[i]] += a->tilt[k][i];
        for (int j = 0; j < SAKSI_DIGIT_BINS; j++) {
            if (group[j] < 0) continue;
            double v = (i == j ? a->e[i] : 0.0) -
                       a->pp[i <= j ? saksi_digits_tri(i, j) : saksi_digits_tri(j, i)];
            size_t gi = (size_t)group[i], gj = (size_t)group[j];
            gsl_matrix_set(ws->a, gi, gj, gsl_matrix_get(ws->a, gi, gj) + v);
        }
    }
    if (gsl_eigen_symmv(ws->a, ws->eval, ws->evec, ws->w) != GSL_SUCCESS) return;
    for (int k = 0; k < SAKSI_DIGIT_BINS; k++)
        if (gsl_vector_get(ws->eval, (size_t)k) > top) top = gsl_vector_get(ws->eval, (size_t)k);
    /* Moore-Penrose, whitened: rho_j = (v_j . r) / sqrt(l_j) over the kept
     * eigenpairs, so W = |rho|^2. The eigenvalues come out in no set order,
     * but GSL's order depends only on the matrix: the same bytes every run. */
    int kept = 0, removed = 0;
    for (int k = 0; k < SAKSI_DIGIT_BINS; k++) {
        double l = gsl_vector_get(ws->eval, (size_t)k);
        if (!(top > 0.0) || l <= SAKSI_DIGITS_EIG_RTOL * top) continue;
        double pr = 0.0, pb[SAKSI_DIGITS_NTILT] = {0.0};
        for (int i = 0; i < SAKSI_DIGIT_BINS; i++) {
            double v = gsl_matrix_get(ws->evec, (size_t)i, (size_t)k);
            pr += v * r[i];
            for (int t = 0; t < SAKSI_DIGITS_NTILT; t++)
                pb[t] += v * tilt[t][i];
        }
        rho[kept] = pr / sqrt(l);
        for (int t = 0; t < SAKSI_DIGITS_NTILT; t++)
            beta[t][kept] = pb[t] / sqrt(l);
        kept++;
    }
    /* Profile the tilts out: Gram-Schmidt on the whitened directions, rho
     * projected off each; a direction (numerically) inside the span of the
     * previous one, or absent, removes nothing. */
    for (int k = 0; k < nprofile && k < SAKSI_DIGITS_NTILT; k++) {
        double raw = 0.0, len = 0.0, dot = 0.0;
        for (int j = 0; j < kept; j++)
            raw += beta[k][j] * beta[k][j];
        for (int prev = 0; prev < k; prev++) {
            double d = 0.0;
            for (int j = 0; j < kept; j++)
                d += beta[k][j] * beta[prev][j];
            for (int j = 0; j < kept; j++)
                beta[k][j] -= d * beta[prev][j];
        }
        for (int j = 0; j < kept; j++)
            len += beta[k][j] * beta[k][j];
        if (!(len > 0.0) || len <= PROFILE_RTOL * raw) {
            for (int j = 0; j < kept; j++)
                beta[k][j] = 0.0; /* removes nothing, and no later direction uses it */
            continue;
        }
        for (int j = 0; j < kept; j++) {
            beta[k][j] /= sqrt(len);
            dot += beta[k][j] * rho[j];
        }
        for (int j = 0; j < kept; j++)
            rho[j] -= dot * beta[k][j];
        removed++;
    }
    for (int j = 0; j < kept; j++)
        W += rho[j] * rho[j];
    df = kept - removed;
    if (df <= 0) return;
    out->W = W;
    out->df = df;
    out->p = gsl_cdf_chisq_Q(W, df);
    out->w = sqrt((W > df ? W - df : 0.0) / (double)a->n);
}

void saksi_digits_wald_interval(saksi_digits_wald *w, uint64_t n)
{
    double lo, hi;
    if (w->df < 1 || n == 0) return;
    saksi_ncx2_interval(w->W, w->df, SAKSI_DIGITS_CI_LEVEL, &lo, &hi);
    w->w_lo = sqrt(lo / (double)n);
    w->w_hi = sqrt(hi / (double)n);
}

/* ------------------------------------------------------------------ */
/* Noncentral chi-square                                               */
/* ------------------------------------------------------------------ */

/* F(x; df, lambda) and F(x; df + 2, lambda) in one pass over the Poisson
 * mixture: P(chi2_{v+2} <= x) = P(chi2_v <= x) - g_v with g_v the
 * chi-square density term (x/2)^{v/2} e^{-x/2} / Gamma(v/2 + 1), so one
 * call of the incomplete gamma and a recurrence give every term. Terms
 * run over the Poisson mode +- 12 sd (+ 12): the weights left out sum
 * below 1e-30. */
static void ncx2_pair(double x, int df, double lambda, double *f0, double *f2)
{
    double h = 0.5 * lambda, half = 0.5 * x;
    if (x <= 0.0) {
        *f0 = *f2 = 0.0;
        return;
    }
    long mode = (long)floor(h), spread = (long)ceil(12.0 * sqrt(h)) + 12;
    long jlo = mode - spread > 0 ? mode - spread : 0, jhi = mode + spread;
    double v = df + 2.0 * (double)jlo;
    double P = gsl_cdf_chisq_P(x, v);
    double g = exp(0.5 * v * log(half) - half - gsl_sf_lngamma(0.5 * v + 1.0));
    double wgt = h > 0.0 ? exp(-h + (double)jlo * log(h) - gsl_sf_lngamma((double)jlo + 1.0))
                         : (jlo == 0 ? 1.0 : 0.0);
    double s0 = 0.0, s2 = 0.0;
    for (long j = jlo; j <= jhi; j++) {
        double Pnext = P - g; /* P(chi2_{v+2} <= x) */
        if (Pnext < 0.0) Pnext = 0.0;
        s0 += wgt * P;
        s2 += wgt * Pnext;
        g *= half / (0.5 * v + 1.0);
        v += 2.0;
        P = Pnext;
        wgt *= h / (double)(j + 1);
        if (h == 0.0) break;
    }
    *f0 = s0 > 1.0 ? 1.0 : s0;
    *f2 = s2 > 1.0 ? 1.0 : s2;
}

double saksi_ncx2_cdf(double x, int df, double lambda)
{
    double f0, f2;
    if (lambda <= 0.0) return x <= 0.0 ? 0.0 : gsl_cdf_chisq_P(x, df);
    ncx2_pair(x, df, lambda, &f0, &f2);
    return f0;
}

/* The noncentrality where F(W; df, lambda) = target (F falls with lambda):
 * Newton with dF/dlambda = -(F_df - F_{df+2}) / 2, kept inside a bracket
 * that bisection narrows whenever a Newton step leaves it. */
static double ncx2_root(double W, int df, double target)
{
    double lo = 0.0, hi = W + 10.0 * sqrt(W + df) + 20.0, f0, f2;
    for (int k = 0; k < 60; k++) { /* widen until F(hi) < target */
        ncx2_pair(W, df, hi, &f0, &f2);
        if (f0 < target) break;
        lo = hi;
        hi *= 2.0;
    }
    double lam = W > df ? W - df : 0.5 * (lo + hi);
    if (lam <= lo || lam >= hi) lam = 0.5 * (lo + hi);
    for (int it = 0; it < 100; it++) {
        ncx2_pair(W, df, lam, &f0, &f2);
        double f = f0 - target;
        if (f > 0.0)
            lo = lam;
        else
            hi = lam;
        if (fabs(f) < 1e-12 || hi - lo < 1e-10 * (1.0 + hi)) break;
        double d = -0.5 * (f0 - f2), next = d < 0.0 ? lam - f / d : NAN;
        lam = next > lo && next < hi ? next : 0.5 * (lo + hi);
    }
    return lam;
}

void saksi_ncx2_interval(double W, int df, double level, double *lo, double *hi)
{
    double a = 0.5 * (1.0 - level);
    double lam = W - df;
    if (!(W >= 0.0) || df < 1) {
        *lo = *hi = NAN;
        return;
    }
    if (lam > SAKSI_DIGITS_NCX2_EXACT_MAX) {
        /* (W - df - l)^2 = z^2 2 (df + 2 l), solved for l. */
        double z = gsl_cdf_ugaussian_Qinv(a), z2 = z * z;
        double b = 2.0 * lam + 4.0 * z2, c = lam * lam - 2.0 * z2 * df;
        double disc = sqrt(b * b - 4.0 * c);
        *lo = 0.5 * (b - disc);
        *hi = 0.5 * (b + disc);
        if (*lo < 0.0) *lo = 0.0;
        return;
    }
    double central = gsl_cdf_chisq_P(W, df);
    *lo = central <= 1.0 - a ? 0.0 : ncx2_root(W, df, 1.0 - a);
    *hi = central <= a ? 0.0 : ncx2_root(W, df, a);
}

void saksi_wilson(double o, double n, double level, double *lo, double *hi)
{
    if (!(n > 0.0)) {
        *lo = *hi = NAN;
        return;
    }
    double z = gsl_cdf_ugaussian_Qinv(0.5 * (1.0 - level)), z2 = z * z;
    double centre = (o + 0.5 * z2) / (n + z2);
    double half = z * sqrt(o * (n - o) / n + 0.25 * z2) / (n + z2);
    *lo = centre - half < 0.0 ? 0.0 : centre - half;
    *hi = centre + half > 1.0 ? 1.0 : centre + half;
}

/* ------------------------------------------------------------------ */
/* Poisson-binomial tail                                               */
/* ------------------------------------------------------------------ */

saksi_status saksi_pbinom_midp_dp(const double *q, size_t n, uint64_t o, double *p,
                                  saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    double mu = 0.0, var = 0.0, *buf = NULL;
    size_t m = 0;
    *p = NAN;
    for (size_t i = 0; i < n; i++) {
        if (isnan(q[i])) continue;
        mu += q[i];
        var += q[i] * (1.0 - q[i]);
        m++;
    }
    double band = ceil(SAKSI_DIGITS_PB_BAND_SD * sqrt(var)) + SAKSI_DIGITS_PB_BAND_MIN;
    if ((double)o < mu - band || (double)o > mu + band || o > m)
        goto out; /* beyond the band: the caller takes the saddlepoint */
    /* Two arrays of m + 2 cells, cell j + 1 holding P(S = j): cell 0 stays
     * 0 so that the update reads no special case at the band's foot. */
    buf = saksi_calloc_array(2 * (m + 2), sizeof *buf);
    if (!buf) SAKSI_ALLOC_FAIL("Poisson-binomial programme");
    double *f = buf, *g = buf + m + 2;
    /* f over the band [lo, hi] of the partial sums; what leaves the band
     * (12 null sds of the whole sum) is below 1e-32. */
    size_t lo = 0, hi = 0;
    double part = 0.0;
    f[1] = 1.0;
    for (size_t i = 0; i < n; i++) {
        double qi = q[i];
        if (isnan(qi)) continue;
        part += qi;
        /* g[j] = f[j] (1 - q) + f[j - 1] q, out of place so it vectorises */
        for (size_t j = lo + 1; j <= hi + 2; j++)
            g[j] = f[j] * (1.0 - qi) + f[j - 1] * qi;
        hi++;
        double want_lo = part - band, want_hi = part + band;
        while (lo < hi && (double)lo < want_lo)
            g[1 + lo++] = 0.0;
        while (hi > lo && (double)hi > want_hi)
            g[1 + hi--] = 0.0;
        g[lo] = 0.0; /* the cell below the band, read by the next update */
        double *swap = f;
        f = g;
        g = swap;
    }
    double above = 0.0;
    for (size_t j = hi; j > o && j >= lo; j--)
        above += f[j + 1];
    double at = o >= lo && o <= hi ? f[o + 1] : 0.0;
    double midp = above + 0.5 * at;
    *p = midp > 1.0 ? 1.0 : midp < 0.0 ? 0.0 : midp;
out:
    free(buf);
    return rc;
}

/* log(1 + e^x) without overflow. */
static double softplus(double x)
{
    return x > 0.0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

static double logistic(double x)
{
    return x >= 0.0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
}

/* Within this many sds of the mean the saddlepoint formula is replaced by
 * its limit (measured: at z = 1.6e-6 its two terms of 6e5 cancelled to a
 * negative number). */
#define SADDLE_NEAR_MEAN 0.05

/* K'(t) and K''(t) of the non-constant numbers, by their logits. */
static void cgf_derivs(const double *lq, size_t m, double t, double *K1, double *K2)
{
    double s1 = 0.0, s2 = 0.0;
    for (size_t i = 0; i < m; i++) {
        double s = logistic(t + lq[i]);
        s1 += s;
        s2 += s * (1.0 - s);
    }
    *K1 = s1;
    *K2 = s2;
}

double saksi_pbinom_midp_saddle(const double *q, size_t n, uint64_t o)
{
    /* Numbers with q = 0 or 1 are constants: take them out first. */
    double ones = 0.0, mu = 0.0, k2 = 0.0, k3 = 0.0, logp_all = 0.0, logq_none = 0.0, K0 = 0.0;
    size_t m = 0;
    double *lq = saksi_malloc_array(n ? n : 1, sizeof *lq);
    double result = NAN;
    if (!lq) return NAN; /* the caller reports a NaN p as not computed */
    for (size_t i = 0; i < n; i++) {
        double qi = q[i];
        if (isnan(qi) || qi <= 0.0) continue;
        if (qi >= 1.0) {
            ones += 1.0;
            continue;
        }
        lq[m++] = log(qi) - log1p(-qi);
        mu += qi;
        k2 += qi * (1.0 - qi);
        k3 += qi * (1.0 - qi) * (1.0 - 2.0 * qi);
        logp_all += log(qi);
        logq_none += log1p(-qi);
    }
    double x = (double)o - ones;
    if (x < 0.0) {
        result = 1.0;
        goto out;
    }
    if (x > (double)m) {
        result = 0.0;
        goto out;
    }
    if (x == 0.0) { /* P(S > 0) + P(S = 0) / 2 */
        result = 1.0 - 0.5 * exp(logq_none);
        goto out;
    }
    if (x == (double)m) {
        result = 0.5 * exp(logp_all);
        goto out;
    }
    double z = (x - mu) / sqrt(k2);
    if (fabs(z) < SADDLE_NEAR_MEAN) {
        /* Near the mean 1/u - 1/w cancels to rounding noise: the one-term
         * Edgeworth expansion, Q(z) + skewness (z^2 - 1) phi(z) / 6, which
         * is Lugannani-Rice's own limit there. */
        double skew = k3 / pow(k2, 1.5);
        result = gsl_cdf_ugaussian_Q(z) +
                 skew * (z * z - 1.0) * exp(-0.5 * z * z) / sqrt(2.0 * SAKSI_DIGITS_PI) / 6.0;
        goto out;
    }
    /* Solve K'(t) = x by Newton inside a bracket (K' rises from 0 to m). */
    double t = z / sqrt(k2), tlo = -800.0, thi = 800.0, K1, K2 = 0.0;
    for (int it = 0; it < 200; it++) {
        cgf_derivs(lq, m, t, &K1, &K2);
        double f = K1 - x;
        if (f > 0.0)
            thi = t;
        else
            tlo = t;
        if (fabs(f) < 1e-10 * (1.0 + x) || thi - tlo < 1e-14) break;
        double next = K2 > 0.0 ? t - f / K2 : NAN;
        t = next > tlo && next < thi ? next : 0.5 * (tlo + thi);
    }
    cgf_derivs(lq, m, t, &K1, &K2);
    for (size_t i = 0; i < m; i++)
        K0 += softplus(t + lq[i]);
    K0 += logq_none; /* K(t) = sum log(1 - q + q e^t) */
    double r = 2.0 * (t * x - K0);
    double w = (t > 0.0 ? 1.0 : -1.0) * sqrt(r > 0.0 ? r : 0.0);
    double u = t * sqrt(K2);
    if (fabs(w) < 1e-8 || fabs(u) < 1e-12) {
        result = gsl_cdf_ugaussian_Q(z);
        goto out;
    }
    /* Lugannani & Rice (1980): P ~ 1 - Phi(w) + phi(w) (1/u - 1/w). */
    result = gsl_cdf_ugaussian_Q(w) +
             exp(-0.5 * w * w) / sqrt(2.0 * SAKSI_DIGITS_PI) * (1.0 / u - 1.0 / w);
    result = result < 0.0 ? 0.0 : result > 1.0 ? 1.0 : result;
out:
    free(lq);
    return result;
}

saksi_status saksi_pbinom_midp(const double *q, size_t n, uint64_t o, double *p, int *exact,
                               saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += !isnan(q[i]);
    *p = NAN;
    if (m <= SAKSI_DIGITS_PB_EXACT_MAX) SAKSI_TRY(saksi_pbinom_midp_dp(q, n, o, p, err));
    if (exact) *exact = !isnan(*p);
    if (isnan(*p)) *p = saksi_pbinom_midp_saddle(q, n, o);
out:
    return rc;
}

/* ------------------------------------------------------------------ */
/* Classical expectations                                              */
/* ------------------------------------------------------------------ */

void saksi_digits_classical(int test, double *p)
{
    for (int d = 0; d < SAKSI_DIGIT_BINS; d++) {
        if (test == SAKSI_DT_LAST) {
            p[d] = 0.1;
        } else if (test == SAKSI_DT_FIRST) {
            p[d] = d == 0 ? 0.0 : log10(1.0 + 1.0 / d);
        } else { /* Benford's second digit: sum over first digits k */
            p[d] = 0.0;
            for (int k = 1; k <= 9; k++)
                p[d] += log10(1.0 + 1.0 / (10.0 * k + d));
        }
    }
}

double saksi_digits_mad(const int64_t *o, uint64_t n, const double *p, int test)
{
    if (n == 0) return NAN;
    int first = test == SAKSI_DT_FIRST ? 1 : 0;
    double s = 0.0;
    for (int d = first; d < SAKSI_DIGIT_BINS; d++)
        s += fabs((double)o[d] / (double)n - p[d]);
    return s / (SAKSI_DIGIT_BINS - first);
}

const char *saksi_digits_nigrini(int test, double mad)
{
    /* Nigrini (2012), Benford's Law, Wiley, Table 7.1. */
    static const double first[3] = {0.006, 0.012, 0.015}, second[3] = {0.008, 0.010, 0.012};
    static const char *const label[4] = {"close conformity", "acceptable conformity",
                                         "marginally acceptable conformity", "nonconformity"};
    if (test == SAKSI_DT_LAST) return "no published band";
    if (isnan(mad)) return "";
    const double *b = test == SAKSI_DT_FIRST ? first : second;
    int k = 0;
    while (k < 3 && mad > b[k])
        k++;
    return label[k];
}
