/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_digits_stats.c — the digit family's building blocks against
 * independent computations: the bins (hand), the digit probabilities of a
 * count under a hand-made pmf, the windowed pmf against saksi_bb_pmf, the
 * Wald statistic against Pearson's chi-square and against an explicit
 * inverse over nine free digits, the pooling of small cells, the
 * noncentral chi-square and Wilson intervals against mpmath 1.3.0
 * (30 digits), the Poisson-binomial tail against brute-force enumeration
 * and GSL's binomial, the saddlepoint against the exact programme, and
 * the classical expectations against Nigrini (2012) Table 5.1.
 * LABELS: unit
 */
#include "test_support.h"

#include "digits.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>

static int setup(void **state)
{
    (void)state;
    gsl_set_error_handler_off();
    return 0;
}

/* ------------------------------------------------------------------ */
/* Bins and windows                                                    */
/* ------------------------------------------------------------------ */

static void expect_bins(int32_t x, int last, int d2, int d3, int first)
{
    saksi_i32 bin[SAKSI_DT_COUNT];
    saksi_digit_bins(x, bin);
    assert_int_equal(bin[SAKSI_DT_LAST], last < 0 ? -1 : SAKSI_DT_LAST * 10 + last);
    assert_int_equal(bin[SAKSI_DT_SECOND_2D], d2 < 0 ? -1 : SAKSI_DT_SECOND_2D * 10 + d2);
    assert_int_equal(bin[SAKSI_DT_SECOND_3D], d3 < 0 ? -1 : SAKSI_DT_SECOND_3D * 10 + d3);
    assert_int_equal(bin[SAKSI_DT_FIRST], first < 0 ? -1 : SAKSI_DT_FIRST * 10 + first);
}

static void test_bins(void **state)
{
    (void)state;
    /* By hand: digits of each number. */
    expect_bins(SAKSI_MISSING, -1, -1, -1, -1);
    expect_bins(-5, -1, -1, -1, -1);
    expect_bins(0, -1, -1, -1, -1);
    expect_bins(7, -1, -1, -1, 7);
    expect_bins(10, 0, 0, -1, 1);
    expect_bins(47, 7, 7, -1, 4);
    expect_bins(99, 9, 9, -1, 9);
    expect_bins(100, 0, -1, 0, 1);
    expect_bins(305, 5, -1, 0, 3);
    expect_bins(999, 9, -1, 9, 9);
    expect_bins(1000, 0, -1, -1, 1);
    expect_bins(2147483647, 7, -1, -1, 2);
}

static void test_window(void **state)
{
    (void)state;
    int32_t lo, hi;
    /* first digit: the counts with as many digits as x, up to n */
    saksi_digits_window(47, 0, 300, SAKSI_DIGITS_ALL_TESTS, &lo, &hi);
    assert_int_equal(lo, 10);
    assert_int_equal(hi, 99);
    saksi_digits_window(150, 0, 230, SAKSI_DIGITS_ALL_TESTS, &lo, &hi);
    assert_int_equal(lo, 100);
    assert_int_equal(hi, 230);
    saksi_digits_window(7, 0, 300, SAKSI_DIGITS_ALL_TESTS, &lo, &hi);
    assert_int_equal(lo, 1);
    assert_int_equal(hi, 9);
    /* without the first digit: the decade, or the first digit's hundred */
    saksi_digits_window(47, 0, 300, SAKSI_DIGITS_BINOMIAL_TESTS, &lo, &hi);
    assert_int_equal(lo, 40);
    assert_int_equal(hi, 49);
    saksi_digits_window(150, 0, 230, SAKSI_DIGITS_BINOMIAL_TESTS, &lo, &hi);
    assert_int_equal(lo, 100);
    assert_int_equal(hi, 199);
    saksi_digits_window(1234, 0, 1240, SAKSI_DIGITS_BINOMIAL_TESTS, &lo, &hi);
    assert_int_equal(lo, 1230);
    assert_int_equal(hi, 1239);
    /* the last digit's window holds the 0/5 basin too: 48 is nearest 50,
     * basin 48..52 */
    saksi_digits_window(48, 0, 300, 1u << SAKSI_DT_LAST, &lo, &hi);
    assert_int_equal(lo, 40);
    assert_int_equal(hi, 52);
    saksi_digits_window(48, 45, 51, 1u << SAKSI_DT_LAST, &lo, &hi); /* cut to [a, b] */
    assert_int_equal(lo, 45);
    assert_int_equal(hi, 51);
    saksi_digits_window(0, 0, 10, SAKSI_DIGITS_ALL_TESTS, &lo, &hi);
    assert_int_equal(lo, 0);
    assert_int_equal(hi, 0);
}

/* ------------------------------------------------------------------ */
/* Digit probabilities                                                 */
/* ------------------------------------------------------------------ */

static void test_probs_uniform(void **state)
{
    (void)state;
    double pmf[301];
    saksi_digit_probs pr;
    for (int k = 0; k <= 300; k++)
        pmf[k] = 1.0 / 301; /* uniform on 0..300 */
    /* x = 147: last digit given 140..149: 1/10 each; tens given 100..199:
     * 1/10 each; first given 100..300: 100/201 on 1, 100/201 on 2, 1/201 on 3. */
    saksi_digits_probs(147, 0, 300, pmf, 0, SAKSI_DIGITS_ALL_TESTS, &pr);
    assert_true(pr.in[SAKSI_DT_LAST] && pr.in[SAKSI_DT_SECOND_3D] && pr.in[SAKSI_DT_FIRST]);
    assert_false(pr.in[SAKSI_DT_SECOND_2D]);
    for (int d = 0; d < 10; d++) {
        assert_close(pr.p[SAKSI_DT_LAST][d], 0.1, 1e-15);
        assert_close(pr.p[SAKSI_DT_SECOND_3D][d], 0.1, 1e-15);
    }
    assert_close(pr.p[SAKSI_DT_FIRST][0], 0.0, 0.0);
    assert_close(pr.p[SAKSI_DT_FIRST][1], 100.0 / 201, 1e-15);
    assert_close(pr.p[SAKSI_DT_FIRST][2], 100.0 / 201, 1e-15);
    assert_close(pr.p[SAKSI_DT_FIRST][3], 1.0 / 201, 1e-15);
    assert_int_equal(pr.bin[SAKSI_DT_LAST], 7);
    /* 147's rounding basin 143..147 (nearest multiple 145): 1/5 */
    assert_close(pr.q05, 0.2, 1e-15);
    /* 11's basin 8..12 is cut to the tested counts 10..12: 1/3 */
    saksi_digits_probs(11, 0, 300, pmf, 0, SAKSI_DIGITS_ALL_TESTS, &pr);
    assert_close(pr.q05, 1.0 / 3, 1e-15);
    /* ... and to the range [a, b] = [146, 300]: 145 is outside, q = 0 */
    saksi_digits_probs(147, 146, 300, pmf, 0, SAKSI_DIGITS_ALL_TESTS, &pr);
    assert_close(pr.q05, 0.0, 0.0);
    /* an x outside [a, b] is tested by nothing */
    saksi_digits_probs(147, 150, 300, pmf, 0, SAKSI_DIGITS_ALL_TESTS, &pr);
    assert_false(pr.in[SAKSI_DT_LAST]);
    assert_true(isnan(pr.q05));
    /* x = 296, n = 300: the decade 290..299 is whole; x = 300 falls in a
     * partial decade {300}: all mass on 0. */
    saksi_digits_probs(300, 0, 300, pmf, 0, SAKSI_DIGITS_ALL_TESTS, &pr);
    assert_close(pr.p[SAKSI_DT_LAST][0], 1.0, 1e-15);
    /* x = 43, n = 47: decade 40..47 has 8 counts: 1/8 on 0..7. */
    saksi_digits_probs(43, 0, 47, pmf, 0, SAKSI_DIGITS_ALL_TESTS, &pr);
    assert_close(pr.p[SAKSI_DT_LAST][7], 1.0 / 8, 1e-15);
    assert_close(pr.p[SAKSI_DT_LAST][8], 0.0, 0.0);
    assert_close(pr.p[SAKSI_DT_SECOND_2D][3], 1.0 / 8, 1e-15);
    /* first digit of 43 given 10..47: 10/38 on 1..3, 8/38 on 4 */
    assert_close(pr.p[SAKSI_DT_FIRST][1], 10.0 / 38, 1e-15);
    assert_close(pr.p[SAKSI_DT_FIRST][4], 8.0 / 38, 1e-15);
}

static void test_probs_sloped(void **state)
{
    (void)state;
    /* pmf proportional to k on 0..300 (unnormalised: only ratios count).
     * Last digit of 47 given 40..49: (40 + d) / 445. Tens of 250 given
     * 200..299: sum_{j} (200 + 10 d + j) / sum = (2045 + 100 d) / 24950. */
    double pmf[301];
    saksi_digit_probs pr;
    for (int k = 0; k <= 300; k++)
        pmf[k] = k;
    saksi_digits_probs(47, 0, 300, pmf, 0, SAKSI_DIGITS_ALL_TESTS, &pr);
    for (int d = 0; d < 10; d++)
        assert_close(pr.p[SAKSI_DT_LAST][d], (40.0 + d) / 445.0, 1e-15);
    saksi_digits_probs(250, 0, 300, pmf, 0, SAKSI_DIGITS_ALL_TESTS, &pr);
    for (int d = 0; d < 10; d++)
        assert_close(pr.p[SAKSI_DT_SECOND_3D][d], (2045.0 + 100.0 * d) / 24950.0, 1e-15);
    /* A window starting at lo: the same numbers from pmf[k - lo]. */
    saksi_digits_probs(250, 0, 300, pmf + 100, 100, SAKSI_DIGITS_BINOMIAL_TESTS, &pr);
    for (int d = 0; d < 10; d++)
        assert_close(pr.p[SAKSI_DT_SECOND_3D][d], (2045.0 + 100.0 * d) / 24950.0, 1e-15);
    assert_false(pr.in[SAKSI_DT_FIRST]); /* not asked for */
    assert_int_equal(pr.bin[SAKSI_DT_FIRST], -1);
}

static void test_probs_outside_support(void **state)
{
    (void)state;
    double pmf[101] = {0};
    saksi_digit_probs pr;
    pmf[5] = 1.0; /* all mass on 5 */
    saksi_digits_probs(57, 0, 100, pmf, 0, SAKSI_DIGITS_ALL_TESTS, &pr);
    assert_false(pr.in[SAKSI_DT_LAST]);
    assert_int_equal(pr.bin[SAKSI_DT_LAST], 7);
    assert_false(pr.in[SAKSI_DT_FIRST]); /* 10..99 has no mass either */
    saksi_digits_probs(0, 0, 100, pmf, 0, SAKSI_DIGITS_ALL_TESTS, &pr);
    for (int t = 0; t < SAKSI_DT_COUNT; t++)
        assert_int_equal(pr.bin[t], -1);
}

/* ------------------------------------------------------------------ */
/* The windowed pmf                                                    */
/* ------------------------------------------------------------------ */

static void check_window(int n, double mu, double rho, int lo, int hi)
{
    double *full = calloc((size_t)n + 1, sizeof *full),
           *w = calloc((size_t)(hi - lo) + 1, sizeof *w);
    saksi_bb_pmf(n, mu, rho, full);
    saksi_digits_pmf_window(n, mu, rho, lo, hi, w);
    /* same shape: w[k - lo] / w[0] = full[k] / full[lo] wherever both are
     * normal numbers */
    for (int k = lo; k <= hi; k++) {
        if (full[k] < 1e-290 || full[lo] < 1e-290) continue;
        double a = w[k - lo] / w[0], b = full[k] / full[lo];
        assert_close(a / b, 1.0, 1e-11);
    }
    free(full);
    free(w);
}

static void test_pmf_window(void **state)
{
    (void)state;
    check_window(250, 0.3, 0.05, 100, 250);
    check_window(250, 0.3, 0.05, 40, 49);
    check_window(200, 0.55, 0.0, 100, 199);     /* binomial */
    check_window(5000, 0.9, 0.001, 4000, 4999); /* rises by > 1e250: rescaled */
    double w[11];
    saksi_digits_pmf_window(10, 0.0, 0.1, 0, 10, w); /* all mass on 0 */
    assert_close(w[0], 1.0, 0.0);
    assert_close(w[3], 0.0, 0.0);
    saksi_digits_pmf_window(10, 1.0, 0.1, 5, 10, w); /* all mass on n */
    assert_close(w[5], 1.0, 0.0);
    assert_close(w[0], 0.0, 0.0);
}

/* ------------------------------------------------------------------ */
/* Accumulators and the Wald test                                      */
/* ------------------------------------------------------------------ */

static void add_n(saksi_digit_acc *a, const double *p, int times)
{
    for (int k = 0; k < times; k++)
        saksi_digit_acc_add(a, p);
}

static void test_acc(void **state)
{
    (void)state;
    saksi_digit_acc a = {0}, b = {0};
    double p[10] = {0.5, 0.5};
    saksi_digit_acc_add(&a, p);
    saksi_digit_acc_add(&a, p);
    /* two numbers with p = (0.5, 0.5, 0, ...): e = (1, 1), pp(0,0) = 0.5,
     * pp(0,1) = 0.5; var of digit 0 = 1 - 0.5 = 0.5 */
    assert_int_equal(a.n, 2);
    assert_close(a.e[0], 1.0, 0.0);
    assert_close(a.pp[saksi_digits_tri(0, 1)], 0.5, 0.0);
    assert_close(saksi_digit_acc_var(&a, 0), 0.5, 1e-15);
    a.o[0] = 2;
    assert_close(saksi_digits_z(&a, 0), 1.0 / sqrt(0.5), 1e-15);
    assert_true(isnan(saksi_digits_z(&a, 5))); /* no variance */
    b.o[1] = 3;
    saksi_digit_acc_add(&b, p);
    saksi_digit_acc_merge(&b, &a);
    assert_int_equal(b.n, 3);
    assert_int_equal(b.o[1], 3);
    assert_close(b.e[1], 1.5, 0.0);
    /* the triangle index: (0,0)=0, (0,9)=9, (1,1)=10, (9,9)=54 */
    assert_int_equal(saksi_digits_tri(0, 0), 0);
    assert_int_equal(saksi_digits_tri(0, 9), 9);
    assert_int_equal(saksi_digits_tri(1, 1), 10);
    assert_int_equal(saksi_digits_tri(9, 9), 54);
}

static void test_wald_pearson(void **state)
{
    (void)state;
    /* 100 numbers, each uniform over the ten digits: the Wald form with
     * Sigma = n (diag p - p p^T) is Pearson's sum (o - e)^2 / e = (25 +
     * 25) / 10 = 5 on 9 df; P(chi2_9 >= 5) = 0.834308260193407552 (mpmath). */
    saksi_digit_acc a = {0};
    double p[10];
    for (int d = 0; d < 10; d++)
        p[d] = 0.1;
    add_n(&a, p, 100);
    for (int d = 0; d < 10; d++)
        a.o[d] = 10;
    a.o[0] = 15;
    a.o[1] = 5;
    saksi_digits_ws *ws = saksi_digits_ws_alloc();
    saksi_digits_wald w;
    saksi_digits_wald_test(&a, 0, ws, &w);
    assert_close(w.W, 5.0, 1e-10);
    assert_int_equal(w.df, 9);
    assert_close(w.p, 0.834308260193407552, 1e-12);
    assert_close(w.w, 0.0, 0.0); /* W below df: no excess */
    assert_true(isnan(w.w_lo));  /* the interval comes on request */
    saksi_digits_wald_interval(&w, a.n);
    assert_close(w.w_lo, 0.0, 0.0);
    assert_true(w.w_hi > 0.0);
    saksi_digits_ws_free(ws);
}

/* x^T S^{-1} x by Gauss-Jordan with partial pivoting on a k x k copy. */
static double quad_inverse(double S[10][10], const double *x, int k)
{
    double A[10][11];
    for (int i = 0; i < k; i++) {
        for (int j = 0; j < k; j++)
            A[i][j] = S[i][j];
        A[i][k] = x[i];
    }
    for (int c = 0; c < k; c++) {
        int piv = c;
        for (int r = c + 1; r < k; r++)
            if (fabs(A[r][c]) > fabs(A[piv][c])) piv = r;
        for (int j = 0; j <= k; j++) {
            double tmp = A[c][j];
            A[c][j] = A[piv][j];
            A[piv][j] = tmp;
        }
        for (int r = 0; r < k; r++) {
            if (r == c) continue;
            double f = A[r][c] / A[c][c];
            for (int j = c; j <= k; j++)
                A[r][j] -= f * A[c][j];
        }
    }
    double q = 0.0;
    for (int i = 0; i < k; i++)
        q += x[i] * A[i][k] / A[i][i];
    return q;
}

/* x' S^-1 y over the first n digits, by polarisation of quad_inverse. */
static double inner_inverse(double S[10][10], const double *x, const double *y, int n)
{
    double plus[10], minus[10];
    for (int d = 0; d < 10; d++) {
        plus[d] = x[d] + y[d];
        minus[d] = x[d] - y[d];
    }
    return (quad_inverse(S, plus, n) - quad_inverse(S, minus, n)) / 4.0;
}

static void test_wald_free_digits(void **state)
{
    (void)state;
    /* Two kinds of numbers with different digit probabilities: the
     * pseudo-inverse Wald equals the form over the first nine digits with
     * the 9x9 covariance inverted explicitly (the tenth is their sum). */
    double p1[10] = {0.20, 0.15, 0.12, 0.10, 0.09, 0.08, 0.08, 0.07, 0.06, 0.05};
    double p2[10] = {0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.11, 0.13, 0.14, 0.17};
    int64_t o[10] = {55, 37, 26, 30, 22, 19, 25, 26, 17, 13};
    saksi_digit_acc a = {0};
    add_n(&a, p1, 150);
    add_n(&a, p2, 120);
    memcpy(a.o, o, sizeof o);
    double S[10][10], r[10];
    for (int i = 0; i < 10; i++) {
        double ei = 150 * p1[i] + 120 * p2[i];
        r[i] = (double)o[i] - ei;
        for (int j = 0; j < 10; j++)
            S[i][j] = (i == j ? ei : 0.0) - 150 * p1[i] * p1[j] - 120 * p2[i] * p2[j];
    }
    double expect = quad_inverse(S, r, 9);
    saksi_digits_ws *ws = saksi_digits_ws_alloc();
    saksi_digits_wald w;
    saksi_digits_wald_test(&a, 0, ws, &w);
    assert_int_equal(w.df, 9);
    assert_close(w.W, expect, 1e-9 * expect);
    assert_close(w.p, gsl_cdf_chisq_Q(expect, 9), 1e-12);
    assert_close(w.w, sqrt((expect - 9.0) / 270.0), 1e-9);

    /* Profiling the mean-digit tilt b_d = sum_s p_sd (d - m_s) out:
     * W' = W - (b' S^-1 r)^2 / (b' S^-1 b) over the nine free digits, on
     * 8 df (the profile likelihood of a Gaussian shift along b). */
    double m1 = 0, m2 = 0, b[10], Sr = 0, Sb = 0, bb = 0;
    for (int d = 0; d < 10; d++) {
        m1 += d * p1[d];
        m2 += d * p2[d];
    }
    for (int d = 0; d < 10; d++)
        b[d] = 150 * p1[d] * (d - m1) + 120 * p2[d] * (d - m2);
    /* S^-1 r and S^-1 b by solving with quad_inverse's elimination:
     * x' S^-1 y = ((x + y)' S^-1 (x + y) - (x - y)' S^-1 (x - y)) / 4 */
    double plus[10], minus[10];
    for (int d = 0; d < 10; d++) {
        plus[d] = r[d] + b[d];
        minus[d] = r[d] - b[d];
    }
    Sr = (quad_inverse(S, plus, 9) - quad_inverse(S, minus, 9)) / 4.0; /* b' S^-1 r */
    bb = quad_inverse(S, b, 9);                                        /* b' S^-1 b */
    Sb = expect - Sr * Sr / bb;
    saksi_digits_wald_test(&a, 1, ws, &w);
    assert_int_equal(w.df, 8);
    assert_close(w.W, Sb, 1e-9 * Sb);
    assert_close(w.p, gsl_cdf_chisq_Q(Sb, 8), 1e-12);
    /* The mean, spread and skew tilts (b_k,d = sum_s p_sd (t_k(d) - E_s t_k),
     * t = (d - m_s), (d - m_s)^2, (d - m_s)^3) out together: the
     * generalised least-squares residual W - g' G^-1 g, G_jk = b_j' S^-1 b_k,
     * g_k = b_k' S^-1 r, solved here by LU, independently of the code's
     * Gram-Schmidt. */
    double B[3][10] = {{0}};
    const double *ps[2] = {p1, p2};
    const double ns[2] = {150, 120};
    for (int s2 = 0; s2 < 2; s2++) {
        double m = 0, v = 0, k3 = 0;
        for (int d = 0; d < 10; d++)
            m += d * ps[s2][d];
        for (int d = 0; d < 10; d++) {
            v += (d - m) * (d - m) * ps[s2][d];
            k3 += (d - m) * (d - m) * (d - m) * ps[s2][d];
        }
        for (int d = 0; d < 10; d++) {
            double t = d - m;
            B[0][d] += ns[s2] * ps[s2][d] * t;
            B[1][d] += ns[s2] * ps[s2][d] * (t * t - v);
            B[2][d] += ns[s2] * ps[s2][d] * (t * t * t - k3);
        }
    }
    for (int k = 2; k <= 3; k++) {
        gsl_matrix *G = gsl_matrix_alloc(k, k);
        gsl_vector *g = gsl_vector_alloc(k), *x = gsl_vector_alloc(k);
        gsl_permutation *perm = gsl_permutation_alloc(k);
        int sign;
        for (int i = 0; i < k; i++) {
            gsl_vector_set(g, i, inner_inverse(S, B[i], r, 9));
            for (int j = 0; j < k; j++)
                gsl_matrix_set(G, i, j, inner_inverse(S, B[i], B[j], 9));
        }
        gsl_linalg_LU_decomp(G, perm, &sign);
        gsl_linalg_LU_solve(G, perm, g, x);
        double gx = 0.0;
        for (int i = 0; i < k; i++)
            gx += gsl_vector_get(g, i) * gsl_vector_get(x, i);
        double profiled = expect - gx;
        saksi_digits_wald_test(&a, k, ws, &w);
        assert_int_equal(w.df, 9 - k);
        assert_close(w.W, profiled, 1e-8 * profiled);
        assert_close(w.p, gsl_cdf_chisq_Q(profiled, 9 - k), 1e-10);
        gsl_matrix_free(G);
        gsl_vector_free(g);
        gsl_vector_free(x);
        gsl_permutation_free(perm);
    }
    saksi_digits_ws_free(ws);
}

static void test_wald_pooling(void **state)
{
    (void)state;
    /* 60 numbers with p = (.2 .2 .2 .1 .1 .1 .06 .03 .01 0): expected
     * 12 12 12 6 6 6 3.6 1.8 0.6 0. Digits 6..8 (6.0 in all, >= 5) share
     * one cell; digit 9 is impossible and unobserved: no cell. Cells:
     * {0} {1} {2} {3} {4} {5} {6,7,8}: 7 cells, 6 df. */
    double p[10] = {0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.06, 0.03, 0.01, 0.0};
    int64_t o[10] = {15, 10, 9, 5, 8, 4, 3, 4, 2, 0};
    int cell[10] = {0, 1, 2, 3, 4, 5, 6, 6, 6, -1};
    saksi_digit_acc a = {0};
    add_n(&a, p, 60);
    memcpy(a.o, o, sizeof o);
    double S[10][10] = {{0}}, r[10] = {0};
    for (int i = 0; i < 10; i++) {
        if (cell[i] < 0) continue;
        r[cell[i]] += (double)o[i] - 60 * p[i];
        for (int j = 0; j < 10; j++)
            if (cell[j] >= 0) S[cell[i]][cell[j]] += (i == j ? 60 * p[i] : 0.0) - 60 * p[i] * p[j];
    }
    double expect = quad_inverse(S, r, 6); /* drop the last cell */
    saksi_digits_ws *ws = saksi_digits_ws_alloc();
    saksi_digits_wald w;
    saksi_digits_wald_test(&a, 0, ws, &w);
    assert_int_equal(w.df, 6);
    assert_close(w.W, expect, 1e-9 * expect);
    /* A rest cell still below 5 joins the kept cell with the smallest
     * expectation: 12 12 12 6 6 6 and the rest 6 * ... made 4.0 by moving
     * mass to digit 0: p = (.2333 .2 .2 .1 .1 .1 .04 .02 .0067 0). */
    double q[10] = {0.7 / 3, 0.2, 0.2, 0.1, 0.1, 0.1, 0.04, 0.02, 0.02 / 3, 0.0};
    saksi_digit_acc b = {0};
    add_n(&b, q, 60);
    memcpy(b.o, o, sizeof o);
    saksi_digits_wald_test(&b, 0, ws, &w);
    assert_int_equal(w.df, 5); /* {0} {1} {2} {3,6,7,8} {4} {5}: the rest joined digit 3 */
    saksi_digits_ws_free(ws);
}

static void test_wald_degenerate(void **state)
{
    (void)state;
    saksi_digits_ws *ws = saksi_digits_ws_alloc();
    saksi_digits_wald w;
    saksi_digit_acc a = {0};
    saksi_digits_wald_test(&a, 0, ws, &w); /* no numbers */
    assert_int_equal(w.df, 0);
    assert_true(isnan(w.p));
    double p[10] = {0, 0, 0, 1.0};
    add_n(&a, p, 80);
    a.o[3] = 80;
    saksi_digits_wald_test(&a, 0, ws, &w); /* every number surely ends in 3 */
    assert_int_equal(w.df, 0);
    assert_true(isnan(w.p));
    saksi_digits_ws_free(ws);
}

/* ------------------------------------------------------------------ */
/* Intervals                                                           */
/* ------------------------------------------------------------------ */

static void test_ncx2(void **state)
{
    (void)state;
    /* mpmath: sum_j Pois(j; lambda/2) P(chi2_{df+2j} <= x) */
    assert_close(saksi_ncx2_cdf(15, 9, 3), 0.742846259626690415, 1e-12);
    assert_close(saksi_ncx2_cdf(20, 5, 10), 0.781070388285035791, 1e-12);
    assert_close(saksi_ncx2_cdf(15, 9, 0), gsl_cdf_chisq_P(15, 9), 1e-15);
    double lo, hi;
    /* mpmath roots of F(30; 9, l) = 0.975 and 0.025 */
    saksi_ncx2_interval(30, 9, 0.95, &lo, &hi);
    assert_close(lo, 6.03509128545886797, 1e-7);
    assert_close(hi, 45.9505333145929634, 1e-7);
    /* W at the centre of chi2_9: the lower end is 0 */
    saksi_ncx2_interval(8, 9, 0.95, &lo, &hi);
    assert_close(lo, 0.0, 0.0);
    assert_close(saksi_ncx2_cdf(8, 9, hi), 0.025, 1e-9);
    /* W below the 2.5% point: both ends 0 */
    saksi_ncx2_interval(1, 9, 0.95, &lo, &hi);
    assert_close(hi, 0.0, 0.0);
    /* above the exact range, the normal approximation: (W - df - l)^2 =
     * z^2 2 (df + 2 l) solved by hand for W = 1009, df = 9: l^2 - (2000 +
     * 4 z^2) l + 10^6 - 18 z^2 = 0 */
    double z = 1.959963984540054, b = 2000 + 4 * z * z, c = 1e6 - 18 * z * z;
    saksi_ncx2_interval(1009, 9, 0.95, &lo, &hi);
    assert_close(lo, 0.5 * (b - sqrt(b * b - 4 * c)), 1e-8);
    assert_close(hi, 0.5 * (b + sqrt(b * b - 4 * c)), 1e-8);
    saksi_ncx2_interval(NAN, 9, 0.95, &lo, &hi);
    assert_true(isnan(lo) && isnan(hi));
}

static void test_wilson(void **state)
{
    (void)state;
    double lo, hi;
    saksi_wilson(20, 100, 0.95, &lo, &hi); /* mpmath */
    assert_close(lo, 0.133366933331032514, 1e-12);
    assert_close(hi, 0.288829165593158897, 1e-12);
    saksi_wilson(0, 50, 0.95, &lo, &hi);
    assert_close(lo, 0.0, 0.0);
    saksi_wilson(1, 0, 0.95, &lo, &hi);
    assert_true(isnan(lo));
}

/* ------------------------------------------------------------------ */
/* Poisson-binomial                                                    */
/* ------------------------------------------------------------------ */

/* Deterministic q's in [a, b) (a Weyl sequence). */
static void fill_q(double *q, size_t n, double a, double b)
{
    double u = 0.5;
    for (size_t i = 0; i < n; i++) {
        u += 0.6180339887498949;
        u -= floor(u);
        q[i] = a + (b - a) * u;
    }
}

static void test_pbinom_bruteforce(void **state)
{
    (void)state;
    /* 14 numbers (one NaN, skipped): the distribution by enumerating all
     * 2^13 outcomes. */
    double q[14], dist[14] = {0};
    fill_q(q, 14, 0.05, 0.6);
    q[6] = NAN;
    for (unsigned mask = 0; mask < (1u << 13); mask++) {
        double pr = 1.0;
        int s = 0, bit = 0;
        for (int i = 0; i < 14; i++) {
            if (isnan(q[i])) continue;
            int on = (mask >> bit++) & 1;
            pr *= on ? q[i] : 1.0 - q[i];
            s += on;
        }
        dist[s] += pr;
    }
    for (uint64_t o = 0; o <= 13; o++) {
        double above = 0.0, p;
        for (int s = (int)o + 1; s <= 13; s++)
            above += dist[s];
        assert_int_equal(saksi_pbinom_midp_dp(q, 14, o, &p, NULL), SAKSI_OK);
        assert_close(p, above + 0.5 * dist[o], 1e-13);
    }
}

static void test_pbinom_binomial(void **state)
{
    (void)state;
    /* 1500 numbers with q = 0.2: the binomial's mid-p from GSL. */
    double *q = malloc(1500 * sizeof *q), p;
    for (int i = 0; i < 1500; i++)
        q[i] = 0.2;
    const unsigned os[] = {250, 300, 330, 360, 390};
    for (size_t k = 0; k < sizeof os / sizeof os[0]; k++) {
        double ref =
            gsl_cdf_binomial_Q(os[k], 0.2, 1500) + 0.5 * gsl_ran_binomial_pdf(os[k], 0.2, 1500);
        assert_int_equal(saksi_pbinom_midp_dp(q, 1500, os[k], &p, NULL), SAKSI_OK);
        assert_close(p / ref, 1.0, 1e-9);
    }
    free(q);
}

static void test_saddlepoint(void **state)
{
    (void)state;
    /* 2000 numbers with q in [0.15, 0.3): the saddlepoint against the exact
     * programme from 2 sd below to 4 sd above the mean. Measured relative
     * errors are below 0.2%; the test allows 1%. */
    size_t n = 2000;
    double *q = malloc(n * sizeof *q), mu = 0.0, var = 0.0;
    fill_q(q, n, 0.15, 0.3);
    for (size_t i = 0; i < n; i++) {
        mu += q[i];
        var += q[i] * (1 - q[i]);
    }
    const double ks[] = {-2.0, -1.0, 0.0, 0.3, 1.0, 2.0, 3.0, 4.0};
    for (size_t k = 0; k < sizeof ks / sizeof ks[0]; k++) {
        uint64_t o = (uint64_t)floor(mu + ks[k] * sqrt(var));
        double exact, approx = saksi_pbinom_midp_saddle(q, n, o);
        assert_int_equal(saksi_pbinom_midp_dp(q, n, o, &exact, NULL), SAKSI_OK);
        assert_close(approx / exact, 1.0, 0.01);
    }
    /* edges: o = 0 and o = all, and constants q = 0 and 1 */
    double small[4] = {0.5, 0.5, 1.0, 0.0};
    assert_close(saksi_pbinom_midp_saddle(small, 4, 0), 1.0, 0.0); /* S >= 1 surely */
    assert_close(saksi_pbinom_midp_saddle(small, 4, 1), 1.0 - 0.5 * 0.25, 1e-15);
    assert_close(saksi_pbinom_midp_saddle(small, 4, 3), 0.5 * 0.25, 1e-15);
    assert_close(saksi_pbinom_midp_saddle(small, 4, 4), 0.0, 0.0);
    free(q);
}

static void test_pbinom_dispatch(void **state)
{
    (void)state;
    size_t n = SAKSI_DIGITS_PB_EXACT_MAX + 1000;
    double *q = malloc(n * sizeof *q), p;
    int exact = -1;
    fill_q(q, n, 0.15, 0.25);
    assert_int_equal(saksi_pbinom_midp(q, 1000, 200, &p, &exact, NULL), SAKSI_OK);
    assert_int_equal(exact, 1);
    assert_int_equal(saksi_pbinom_midp(q, n, (uint64_t)(0.2 * n), &p, &exact, NULL), SAKSI_OK);
    assert_int_equal(exact, 0); /* too many numbers for the programme */
    assert_true(p > 0.3 && p < 0.7);
    /* far beyond the band: the programme declines, the saddlepoint answers */
    assert_int_equal(saksi_pbinom_midp_dp(q, 1000, 900, &p, NULL), SAKSI_OK);
    assert_true(isnan(p));
    assert_int_equal(saksi_pbinom_midp(q, 1000, 900, &p, &exact, NULL), SAKSI_OK);
    assert_int_equal(exact, 0);
    assert_true(p < 1e-100);
    free(q);
}

/* ------------------------------------------------------------------ */
/* Classical expectations                                              */
/* ------------------------------------------------------------------ */

static void test_classical(void **state)
{
    (void)state;
    double p[10];
    /* Nigrini (2012) Table 5.1, second digit, to five places (mpmath gives
     * 0.11967927, 0.08499735). */
    static const double second[10] = {0.11968, 0.11389, 0.10882, 0.10433, 0.10031,
                                      0.09668, 0.09337, 0.09035, 0.08757, 0.08500};
    saksi_digits_classical(SAKSI_DT_SECOND_2D, p);
    for (int d = 0; d < 10; d++)
        assert_close(p[d], second[d], 5e-6);
    saksi_digits_classical(SAKSI_DT_FIRST, p);
    assert_close(p[0], 0.0, 0.0);
    assert_close(p[1], 0.30102999566398120, 1e-15); /* log10 2 */
    assert_close(p[9], 0.04575749056067513, 1e-15); /* log10 10/9 */
    saksi_digits_classical(SAKSI_DT_LAST, p);
    assert_close(p[4], 0.1, 0.0);
    /* MAD by hand: counts 12 8 10 ... of 100 against 0.1: (0.02 + 0.02) / 10 */
    int64_t o[10] = {12, 8, 10, 10, 10, 10, 10, 10, 10, 10};
    assert_close(saksi_digits_mad(o, 100, p, SAKSI_DT_LAST), 0.004, 1e-15);
    assert_true(isnan(saksi_digits_mad(o, 0, p, SAKSI_DT_LAST)));
    /* first digit: nine digits, digit 0 ignored */
    int64_t f[10] = {5, 30, 18, 12, 10, 8, 7, 6, 5, 4};
    double b[10];
    saksi_digits_classical(SAKSI_DT_FIRST, b);
    double mad = 0.0;
    for (int d = 1; d < 10; d++)
        mad += fabs(f[d] / 100.0 - b[d]);
    assert_close(saksi_digits_mad(f, 100, b, SAKSI_DT_FIRST), mad / 9, 1e-15);
    assert_string_equal(saksi_digits_nigrini(SAKSI_DT_FIRST, 0.005), "close conformity");
    assert_string_equal(saksi_digits_nigrini(SAKSI_DT_FIRST, 0.010), "acceptable conformity");
    assert_string_equal(saksi_digits_nigrini(SAKSI_DT_FIRST, 0.013),
                        "marginally acceptable conformity");
    assert_string_equal(saksi_digits_nigrini(SAKSI_DT_FIRST, 0.02), "nonconformity");
    assert_string_equal(saksi_digits_nigrini(SAKSI_DT_SECOND_3D, 0.009), "acceptable conformity");
    assert_string_equal(saksi_digits_nigrini(SAKSI_DT_SECOND_3D, 0.013), "nonconformity");
    assert_string_equal(saksi_digits_nigrini(SAKSI_DT_LAST, 0.0), "no published band");
    assert_string_equal(saksi_digits_nigrini(SAKSI_DT_FIRST, NAN), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bins),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_probs_uniform),
        cmocka_unit_test(test_probs_sloped),
        cmocka_unit_test(test_probs_outside_support),
        cmocka_unit_test(test_pmf_window),
        cmocka_unit_test(test_acc),
        cmocka_unit_test(test_wald_pearson),
        cmocka_unit_test(test_wald_free_digits),
        cmocka_unit_test(test_wald_pooling),
        cmocka_unit_test(test_wald_degenerate),
        cmocka_unit_test(test_ncx2),
        cmocka_unit_test(test_wilson),
        cmocka_unit_test(test_pbinom_bruteforce),
        cmocka_unit_test(test_pbinom_binomial),
        cmocka_unit_test(test_saddlepoint),
        cmocka_unit_test(test_pbinom_dispatch),
        cmocka_unit_test(test_classical),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
