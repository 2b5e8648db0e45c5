/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_moderation.c — the moderation prior of the station baselines
 * (analysis/moderation.c, Smyth 2004 section 6.2): trigamma's inverse at
 * known values, the prior's d0 and s0^2 recovered from variances drawn
 * from a known scaled inverse chi-square, and each fallback; the df of
 * a fit whose district scale is unknown, by hand.
 * LABELS: unit
 */
#include "test_support.h"

#include "turnout.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_psi.h>

static void test_trigamma_inverse(void **state)
{
    (void)state;
    /* trigamma(1) = pi^2 / 6 and trigamma(1/2) = pi^2 / 2 (Abramowitz &
     * Stegun 6.4.2, 6.4.4) */
    const double pi = 3.14159265358979323846;
    assert_float_equal(saksi_trigamma_inverse(pi * pi / 6.0), 1.0, 1e-7);
    assert_float_equal(saksi_trigamma_inverse(pi * pi / 2.0), 0.5, 1e-7);
    /* round trips across the range the baselines meet (d0 / 2 ~ 2..100) */
    const double xs[] = {0.05, 2.0, 3.85, 7.0, 80.0, 5000.0};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        double x = saksi_trigamma_inverse(gsl_sf_psi_1(xs[i]));
        if (fabs(x - xs[i]) > 1e-6 * xs[i]) fail_msg("trigamma inverse of %g: %g", xs[i], x);
    }
}

/* Variances of `fits` fits: true sigma^2 = s0 d0 / chi2(d0), then the
 * fit's s2 = sigma^2 chi2(nu) / nu, nu cycling through 20, 40 and 80. */
static saksi_prior_sums draw(gsl_rng *r, size_t fits, double d0, double s0)
{
    const double nus[3] = {20.0, 40.0, 80.0};
    saksi_prior_sums ps = {0};
    for (size_t i = 0; i < fits; i++) {
        double nu = nus[i % 3];
        double sigma2 = s0 * d0 / gsl_ran_chisq(r, d0);
        saksi_prior_add(&ps, sigma2 * gsl_ran_chisq(r, nu) / nu, nu);
    }
    return ps;
}

static void test_recovers_prior(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    /* The values the baselines met on clean elections: turnout d0 ~ 8,
     * shares ~ 13, s0^2 ~ 0.12-0.18. Over 20 draws of 20,000 fits (seeds
     * 1-20) the estimates averaged 8.02 (sd 0.105) and 13.03 (sd 0.21),
     * s0^2 0.9985 and 0.9990 of the truth (sds 0.5% and 0.35%): the
     * bounds are about 4-5 sds. */
    const double d0s[2] = {8.0, 13.0}, s0s[2] = {0.12, 0.18}, tol[2] = {0.5, 1.0};
    for (int c = 0; c < 2; c++) {
        saksi_prior_sums ps = draw(r, 20000, d0s[c], s0s[c]);
        double d0, s0;
        assert_int_equal(saksi_prior_fit(&ps, 10.0, &d0, &s0), 1);
        if (fabs(d0 - d0s[c]) > tol[c]) fail_msg("d0 %g, drawn with %g", d0, d0s[c]);
        if (fabs(s0 / s0s[c] - 1.0) > 0.02) fail_msg("s0^2 %g, drawn with %g", s0, s0s[c]);
    }
    gsl_rng_free(r);
}

static void test_fallbacks(void **state)
{
    (void)state;
    double d0, s0;
    /* Every fit the same variance: the scatter of log s2 (0) is below the
     * fits' own (trigamma(20)), so the fixed d0 and the mean. */
    saksi_prior_sums same = {0};
    for (int i = 0; i < 100; i++)
        saksi_prior_add(&same, 0.25, 40.0);
    assert_int_equal(saksi_prior_fit(&same, 10.0, &d0, &s0), 0);
    assert_float_equal(d0, 10.0, 0.0);
    assert_float_equal(s0, 0.25, 1e-12);
    /* 2 of 100 fits with no latent variance (over 1%): no log moments;
     * the mean of 98 x 0.3 and two zeros is 0.294. */
    saksi_prior_sums zeros = {0};
    for (int i = 0; i < 100; i++)
        saksi_prior_add(&zeros, i < 2 ? 0.0 : (i % 2 ? 0.2 : 0.4), 40.0);
    assert_float_equal(zeros.bad, 2.0, 0.0);
    assert_int_equal(saksi_prior_fit(&zeros, 10.0, &d0, &s0), 0);
    assert_float_equal(d0, 10.0, 0.0);
    assert_float_equal(s0, 0.294, 1e-12);
    /* A fit under 2 df is left out of the moments (not counted bad); 48
     * usable fits are too few. */
    saksi_prior_sums few = {0};
    saksi_prior_add(&few, 0.3, 1.5);
    assert_float_equal(few.few, 1.0, 0.0);
    assert_float_equal(few.bad, 0.0, 0.0);
    for (int i = 0; i < 48; i++)
        saksi_prior_add(&few, i % 2 ? 0.1 : 0.9, 40.0);
    assert_int_equal(saksi_prior_fit(&few, 6.0, &d0, &s0), 0);
    assert_float_equal(d0, 6.0, 0.0);
    /* Left out by their df, fits do not bias the rest (a leave-village-out
     * fit in a district of 2 villages rests on ~1 df): 20,000 fits drawn
     * with d0 = 8 and 2,000 more on 1.5 df, 9% of all, of variance 0 or 5
     * — the prior is estimated, the same as from the 20,000 alone. */
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    saksi_prior_sums mixed = draw(r, 20000, 8.0, 0.12), alone = mixed;
    for (int i = 0; i < 2000; i++)
        saksi_prior_add(&mixed, i % 2 ? 0.0 : 5.0, 1.5);
    double d0a, s0a;
    assert_int_equal(saksi_prior_fit(&mixed, 10.0, &d0, &s0), 1);
    assert_int_equal(saksi_prior_fit(&alone, 10.0, &d0a, &s0a), 1);
    assert_float_equal(d0, d0a, 0.0);
    assert_float_equal(s0, s0a, 0.0);
    gsl_rng_free(r);
}

static void test_unknown_scale_df(void **state)
{
    (void)state;
    /* By hand: a fit on 30 df, 0.6 of its latent variance scaling with
     * its district, districts' scales on 7.3 df (Sirekap-like turnout):
     * 1 / (1/30 + 0.36/7.3) = 1 / 0.0826484 = 12.0995 df, and rho times
     * (30/28) / (12.0995/10.0995) = 1.0714286 / 1.1980296 = 0.894325, so
     * that the t's variance, rho nu / (nu - 2), stays the fit's. */
    double rho = 0.1, nu = saksi_unknown_scale_df(30.0, 0.6, 7.3, &rho);
    assert_float_equal(nu, 12.0995, 1e-4);
    assert_float_equal(rho, 0.0894325, 1e-7);
    assert_float_equal(rho * nu / (nu - 2.0), 0.1 * 30.0 / 28.0, 1e-12);
    /* held at 4 df: 1 / (1/5 + 1/1) = 0.83 -> 4; rho times (5/3) / 2 */
    rho = 0.1;
    assert_float_equal(saksi_unknown_scale_df(5.0, 1.0, 1.0, &rho), 4.0, 0.0);
    assert_float_equal(rho, 0.1 * 5.0 / 6.0, 1e-15);
    /* no term: nothing scales with the district, no prior df, or the
     * fit's own t already at 4 df or fewer */
    const double cases[3][3] = {{30.0, 0.0, 7.3}, {30.0, 0.6, 0.0}, {3.0, 0.6, 7.3}};
    for (int k = 0; k < 3; k++) {
        rho = 0.1;
        assert_float_equal(saksi_unknown_scale_df(cases[k][0], cases[k][1], cases[k][2], &rho),
                           cases[k][0], 0.0);
        assert_float_equal(rho, 0.1, 0.0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trigamma_inverse),
        cmocka_unit_test(test_recovers_prior),
        cmocka_unit_test(test_fallbacks),
        cmocka_unit_test(test_unknown_scale_df),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
