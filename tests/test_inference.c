/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_inference.c — BH q-values, weighted BH, Cauchy and Simes
 * combinations and the inflation factor, against hand arithmetic.
 * LABELS: unit
 */
#include "test_support.h"

#include "analysis.h"

#include <gsl/gsl_cdf.h>

/* p = .01 .04 .03 .005 (and an untested NaN): sorted .005 .01 .03 .04,
 * m p_(k) / k = .02 .02 .04 .04, running minimum from the top gives
 * q = .02 .04 .04 .02 in input order (hand arithmetic). */
static void test_bh(void **state)
{
    (void)state;
    const double p[] = {0.01, 0.04, 0.03, 0.005, NAN};
    double q[5];
    size_t m;
    saksi_error err = {0};
    assert_int_equal(saksi_bh(p, NULL, 5, q, &m, &err), SAKSI_OK);
    assert_int_equal(m, 4);
    assert_close(q[0], 0.02, 1e-15);
    assert_close(q[1], 0.04, 1e-15);
    assert_close(q[2], 0.04, 1e-15);
    assert_close(q[3], 0.02, 1e-15);
    assert_true(isnan(q[4]));
    /* Weighted: weights 2, 0.5, 0.5, 1 make p/w = .005 .08 .06 .005:
     * sorted .005 .005 .06 .08 -> .01 .01 .08 .08. */
    const double w[] = {2.0, 0.5, 0.5, 1.0, 1.0};
    assert_int_equal(saksi_bh(p, w, 5, q, &m, &err), SAKSI_OK);
    assert_close(q[0], 0.01, 1e-15);
    assert_close(q[1], 0.08, 1e-15);
    assert_close(q[2], 0.08, 1e-15);
    assert_close(q[3], 0.01, 1e-15);
    /* Never above 1. */
    const double big[] = {0.9, 0.95};
    assert_int_equal(saksi_bh(big, NULL, 2, q, &m, &err), SAKSI_OK);
    assert_close(q[0], 0.95, 1e-15);
    assert_close(q[1], 0.95, 1e-15);
}

static void test_combinations(void **state)
{
    (void)state;
    /* Identical p-values combine to themselves (tan and arctan invert). */
    const double same[] = {0.01, 0.01, 0.01};
    assert_close(saksi_cauchy_combine(same, NULL, 3), 0.01, 1e-15);
    /* tan(0) = 0: p = 1/2 and 1/2 give 1/2; p = .25 and .75 cancel. */
    const double half[] = {0.5, 0.5}, sym[] = {0.25, 0.75};
    assert_close(saksi_cauchy_combine(half, NULL, 2), 0.5, 1e-15);
    assert_close(saksi_cauchy_combine(sym, NULL, 2), 0.5, 1e-15);
    /* One tiny p dominates: T ~ (1/(1e-20 pi)) / 2, p ~ 2e-20. */
    const double tiny[] = {1e-20, 0.5};
    assert_close(saksi_cauchy_combine(tiny, NULL, 2) / 2e-20, 1.0, 1e-9);
    /* Weights: weight 3 on .2 and 1 on .5: T = 3 tan(.3 pi) / 4. */
    const double pw[] = {0.2, 0.5}, ww[] = {3.0, 1.0};
    double t = 3.0 * tan(0.3 * 3.14159265358979323846) / 4.0;
    assert_close(saksi_cauchy_combine(pw, ww, 2), 0.5 - atan(t) / 3.14159265358979323846,
                 1e-15);
    const double none[] = {NAN};
    assert_true(isnan(saksi_cauchy_combine(none, NULL, 1)));

    /* Simes: .04 .01 .03 -> sorted .01 .03 .04 -> 3(.01)/1, 3(.03)/2,
     * 3(.04)/3 = .03 .045 .04: min .03. */
    const double sp[] = {0.04, 0.01, 0.03, NAN};
    assert_close(saksi_simes_combine(sp, 4), 0.03, 1e-15);
}

/* Uniform p-values give lambda near 1; p-values from a statistic scaled by
 * 2 (chi2_1 quantile doubled) give lambda 2 exactly at the median. */
static void test_lambda(void **state)
{
    (void)state;
    enum { N = 9999 };
    static double p[N], p2[N];
    for (int i = 0; i < N; i++)
        p[i] = (i + 0.5) / N;
    assert_close(saksi_lambda_from_p(p, N), 1.0, 1e-3);
    for (int i = 0; i < N; i++) {
        double x = gsl_cdf_chisq_Qinv(p[i], 1.0) * 2.0;
        p2[i] = gsl_cdf_chisq_Q(x, 1.0);
    }
    double lam = saksi_lambda_from_p(p2, N);
    assert_close(lam, 2.0, 1e-3);
    /* Deflating by lambda brings the median p back to 1/2. */
    assert_close(saksi_p_deflate(p2[N / 2], lam), p[N / 2], 1e-3);
    assert_close(saksi_p_deflate(0.3, 0.8), 0.3, 0.0); /* lambda < 1: unchanged */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bh),
        cmocka_unit_test(test_combinations),
        cmocka_unit_test(test_lambda),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
