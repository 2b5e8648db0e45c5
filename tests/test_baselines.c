/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_baselines.c — station baselines: the rate definitions and skip
 * reasons on the hand-made station of station_fixture.h, the integrity
 * exclusion masks, the robust z by hand, the logit-normal binomial against
 * brute-force numerical integration, and a simulated election: thread
 * count invariance, skip accounting, a planted outlier.
 * LABELS: unit
 */
#include "test_support.h"

#include "station_fixture.h"
#include "turnout.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

static int edit_kind;

static void edit(size_t k, int32_t *v, char *id)
{
    (void)id;
    if (k != 1) return;
    switch (edit_kind) {
    case 1:
        v[SAKSI_F_VOTERS_DPT] = SAKSI_MISSING;
        break;
    case 2:
        v[SAKSI_F_REGISTERED] = 0;
        break;
    case 3:
        v[SAKSI_NFIXED] = 250;
        break; /* cand_01 above valid: range and integrity */
    case 4:
        v[SAKSI_F_INVALID] = -4;
        break;
    default:
        break;
    }
}

static void test_rates_and_masks(void **state)
{
    (void)state;
    fixture fx = {0};
    edit_kind = 0;
    fixture_run(&fx, 3, edit);
    int32_t x, n;
    /* The clean station, by hand: turnout 200/250, invalid 4/204, added
     * (3 + 1)/204, cand_01 100/200. */
    assert_int_equal(saksi_baseline_rate(fx.t, SAKSI_BM_TURNOUT, 0, &x, &n), SAKSI_BSKIP_NONE);
    assert_int_equal(x, 200);
    assert_int_equal(n, 250);
    assert_int_equal(saksi_baseline_rate(fx.t, SAKSI_BM_INVALID, 0, &x, &n), SAKSI_BSKIP_NONE);
    assert_true(x == 4 && n == 204);
    assert_int_equal(saksi_baseline_rate(fx.t, SAKSI_BM_ADDED, 0, &x, &n), SAKSI_BSKIP_NONE);
    assert_true(x == 4 && n == 204);
    assert_int_equal(saksi_baseline_rate(fx.t, SAKSI_BM_CAND0, 0, &x, &n), SAKSI_BSKIP_NONE);
    assert_true(x == 100 && n == 200);
    assert_int_equal(saksi_baseline_rate(fx.t, SAKSI_BM_CAND0 + 3, 0, &x, &n), SAKSI_BSKIP_ABSENT);
    char name[32];
    saksi_baseline_measure_name(fx.t, SAKSI_BM_CAND0 + 2, name, sizeof name);
    assert_string_equal(name, "cand_03");
    saksi_baseline_measure_name(fx.t, SAKSI_BM_ADDED, name, sizeof name);
    assert_string_equal(name, "added");

    /* Masks: the rules (indonesia.rules order) naming each measure's fields. */
    uint32_t mt = saksi_baseline_rule_mask(fx.rules, fx.t, SAKSI_BM_TURNOUT);
    uint32_t mc = saksi_baseline_rule_mask(fx.rules, fx.t, SAKSI_BM_CAND0);
    uint32_t mi = saksi_baseline_rule_mask(fx.rules, fx.t, SAKSI_BM_INVALID);
    uint32_t ma = saksi_baseline_rule_mask(fx.rules, fx.t, SAKSI_BM_ADDED);
    const uint32_t B = 1;
    assert_true(mt & B << R_DPT_LE && mt & B << R_LISTS && mt & B << R_REG_SEX &&
                mt & B << R_DPT_SEX && mt & B << R_300 && mt & B << R_RES);
    assert_false(mt & B << R_CAND);
    assert_true(mc & B << R_CAND && mc & B << R_VIT);
    assert_false(mc & B << R_DPT_LE);
    assert_true(mi & B << R_VIT && mi & B << R_TVT && mi & B << R_TBU && mi & B << R_CAP);
    assert_false(mi & B << R_CAND);
    assert_true(ma & B << R_LISTS && ma & B << R_DPTB_SEX && ma & B << R_DPK_SEX &&
                ma & B << R_TOT_SEX);
    assert_false(ma & B << R_REG_SEX);
    fixture_done(&fx);

    /* Skip reasons at station 1 under each edit. */
    const struct {
        int kind;
        size_t m;
        int why;
    } cases[] = {{1, SAKSI_BM_TURNOUT, SAKSI_BSKIP_MISSING},
                 {2, SAKSI_BM_TURNOUT, SAKSI_BSKIP_SIZE},
                 {3, SAKSI_BM_CAND0, SAKSI_BSKIP_RANGE},
                 {4, SAKSI_BM_INVALID, SAKSI_BSKIP_RANGE}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        fixture f2 = {0};
        edit_kind = cases[c].kind;
        fixture_run(&f2, 3, edit);
        /* canonical order keeps the ids' order here */
        assert_int_equal(saksi_baseline_rate(f2.t, cases[c].m, 1, &x, &n), cases[c].why);
        assert_int_equal(saksi_baseline_rate(f2.t, cases[c].m, 0, &x, &n), SAKSI_BSKIP_NONE);
        fixture_done(&f2);
    }
    assert_string_equal(saksi_baseline_skip_name(SAKSI_BSKIP_NONE), "");
    assert_non_null(strstr(saksi_baseline_skip_name(SAKSI_BSKIP_STRATUM), "noken"));
    assert_string_equal(saksi_baseline_skip_name(99), "?");
}

static void test_robust_z(void **state)
{
    (void)state;
    /* Peers 0.1..0.5 (and the station itself, 0.6, at index 5): median
     * 0.3, absolute deviations 0.2 0.1 0 0.1 0.2, MAD 0.1, scale 0.14826
     * (above the binomial sd sqrt(0.21/100) = 0.0458): z = 0.3 / 0.14826. */
    const double s[] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
    assert_close(saksi_robust_z(0.6, 100, s, 6, 5), 0.3 / (SAKSI_MAD_SCALE * 0.1), 1e-12);
    /* The same peers with the station in the middle of the array. */
    const double s2[] = {0.1, 0.2, 0.3, 0.3, 0.4, 0.5};
    assert_close(saksi_robust_z(0.3, 100, s2, 6, 2), 0.0, 1e-15);
    /* Four peers: median 0.25, deviations 0.15 0.05 0.05 0.15, MAD 0.1. */
    const double s4[] = {0.1, 0.2, 0.3, 0.4};
    assert_close(saksi_robust_z(0.5, 100, s4, 4, SIZE_MAX), 0.25 / (SAKSI_MAD_SCALE * 0.1), 1e-12);
    /* All peers at 0.5: MAD 0, the binomial sd sqrt(0.25/100) = 0.05. */
    const double s5[] = {0.5, 0.5, 0.5, 0.5, 0.5};
    assert_close(saksi_robust_z(0.6, 100, s5, 5, SIZE_MAX), 2.0, 1e-12);
    /* Peers at 0: the sd is kept off zero with half a count, 0.005. */
    const double s0[] = {0, 0, 0};
    assert_close(saksi_robust_z(0.01, 100, s0, 3, SIZE_MAX), 0.01 / sqrt(0.005 * 0.995 / 100),
                 1e-12);
    /* Fewer than two peers: no z. */
    assert_true(isnan(saksi_robust_z(0.5, 100, s, 2, 0)));
}

static double expit(double u)
{
    return 1.0 / (1.0 + exp(-u));
}

/* P(X <= x) for X ~ Bin(n, expit(a + s sinh(asinh Z + eps))), Z standard
 * normal, by a trapezoid over z in [-12, 12] with 48,001 points and the
 * binomial CDF by direct summation: slow and independent of the
 * Gauss-Hermite code (and of its closed form of the sinh-arcsinh). */
static double brute_lower(int x, int n, double a, double s, double eps)
{
    const int steps = 48000;
    double h = 24.0 / steps, sum = 0.0;
    for (int j = 0; j <= steps; j++) {
        double z = -12.0 + j * h, p = expit(a + s * sinh(asinh(z) + eps)), cdf = 0.0;
        for (int y = 0; y <= x; y++)
            cdf += exp(lgamma(n + 1.0) - lgamma(y + 1.0) - lgamma(n - y + 1.0) + y * log(p) +
                       (n - y) * log1p(-p));
        double w = (j == 0 || j == steps) ? 0.5 : 1.0;
        sum += w * cdf * exp(-0.5 * z * z);
    }
    return sum * h / sqrt(2.0 * 3.14159265358979323846);
}

/* The same with Student's t (nu degrees of freedom) for the latent logit:
 * a trapezoid over z in [-400, 400] (the t's tails are polynomial). */
static double brute_lower_t(int x, int n, double a, double s, double nu)
{
    const int steps = 400000;
    double h = 800.0 / steps, sum = 0.0;
    for (int j = 0; j <= steps; j++) {
        double z = -400.0 + j * h, p = expit(a + s * z), cdf = 0.0;
        if (p <= 0.0 || p >= 1.0) {
            cdf = p <= 0.0 ? 1.0 : 0.0;
        } else {
            for (int y = 0; y <= x; y++)
                cdf += exp(lgamma(n + 1.0) - lgamma(y + 1.0) - lgamma(n - y + 1.0) + y * log(p) +
                           (n - y) * log1p(-p));
        }
        double w = (j == 0 || j == steps) ? 0.5 : 1.0;
        sum += w * cdf * gsl_ran_tdist_pdf(z, nu);
    }
    return sum * h;
}

/* Student's t on the log scale. Reference: log of the smaller tail, F(z)
 * for z < 0 and 1 - F(z) for z > 0, = log(I_x(nu/2, 1/2) / 2), x = nu /
 * (nu + z^2), computed with mpmath 1.3.0 (betainc, 50 digits), to 2e-11
 * relative (the Cornish-Fisher part within |z| < 5 beyond 30 df; the
 * continued fraction elsewhere is within 2e-13). GSL's gsl_cdf_tdist_P,
 * used before for every z, is off by up to 9e-7 relative against the
 * same reference where F is 1e-8 to 1e-21 (its Cornish-Fisher expansion
 * out to |z| = sqrt(10 nu)); where F > 1e-7 it agrees with this code to
 * 1e-10, checked on a grid. */
static void test_student(void **state)
{
    (void)state;
    static const double ref[][3] = {
        {2, -1e6, -28.324168296489994},       {2, -200, -11.289819412796671},
        {2, -19.864, -6.6747579987818951},    {2, -4.5, -3.7722195857767463},
        {2, -1.96, -2.3588522650399813},      {2, -0.3, -0.92572804753140038},
        {2, 0.3, -0.92572804753140038},       {2, 2.5, -2.7363592459048446},
        {2, 11, -5.5012414821211489},         {2.5, -1e6, -34.86819793946795},
        {2.5, -200, -13.575275723044851},     {2.5, -19.864, -7.807835937382163},
        {2.5, -4.5, -4.203242694248047},      {2.5, -1.96, -2.5074740008395947},
        {2.5, -0.3, -0.93223927205831925},    {2.5, 0.3, -0.93223927205831925},
        {2.5, 2.5, -2.9510461090142199},      {2.5, 11, -6.3440561687372909},
        {5, -1e6, -66.827296554018608},       {5, -200, -24.241598437861288},
        {5, -19.864, -12.721277549519884},    {5, -4.5, -5.7446769176876153},
        {5, -1.96, -2.9253860948177728},      {5, -0.3, -0.94642906009447934},
        {5, 0.3, -0.94642906009447934},       {5, 2.5, -3.6028834378183236},
        {5, 11, -9.8260432435169692},         {12.7, -1e6, -161.52721580436628},
        {12.7, -200, -53.36074095114991},     {12.7, -19.864, -24.216878846086421},
        {12.7, -4.5, -8.0592955008464772},    {12.7, -1.96, -3.3199261973122084},
        {12.7, -0.3, -0.95577109888731389},   {12.7, 0.3, -0.95577109888731389},
        {12.7, 2.5, -4.3064386276022438},     {12.7, 11, -17.11441187279709},
        {40, -1e6, -481.61246084678052},      {40, -200, -140.94424725402922},
        {40, -19.864, -50.433691057320602},   {40, -4.5, -10.459577911041779},
        {40, -1.96, -3.5580578089811243},     {40, -0.3, -0.96007189629316311},
        {40, 0.3, -0.96007189629316311},      {40, 2.5, -4.7902744410393236},
        {40, 11, -30.485048307634392},        {300, -1e6, -3292.857459338026},
        {300, -200, -738.81659291959713},     {300, -19.864, -129.41982754747656},
        {300, -4.5, -12.233274240859967},     {300, -1.96, -3.6706220921934372},
        {300, -0.3, -0.96183097679479231},    {300, 0.3, -0.96183097679479231},
        {300, 2.5, -5.039566607216627},       {300, 11, -53.983844689606083},
        {9999, -1e6, -92100.217488093212},    {9999, -200, -8052.197374150613},
        {9999, -19.864, -197.38706322053388}, {9999, -4.5, -12.581187192666576},
        {9999, -1.96, -3.6884091046413899},   {9999, -0.3, -0.96209465748862031},
        {9999, 0.3, -0.96209465748862031},    {9999, 2.5, -5.0803695987681094},
        {9999, 11, -63.455808297476051},
    };
    for (size_t k = 0; k < sizeof ref / sizeof *ref; k++) {
        saksi_student t = saksi_student_of(ref[k][0]);
        double z = ref[k][1], l = saksi_student_log_cdf(z, &t);
        double tail = z < 0.0 ? l : log(-expm1(l));
        if (!(fabs(tail - ref[k][2]) <= 2e-11 * fmax(1.0, fabs(ref[k][2]))))
            fail_msg("nu %g z %g: log tail %.17g, mpmath %.17g", ref[k][0], z, tail, ref[k][2]);
    }
    const double nus[] = {2.0, 2.5, 5.0, 12.7, 40.0, 300.0, 9999.0};
    for (size_t k = 0; k < sizeof nus / sizeof *nus; k++) {
        saksi_student t = saksi_student_of(nus[k]);
        for (double z = -60.0; z <= 60.0; z += 0.173) {
            double want = gsl_cdf_tdist_P(z, nus[k]), got = exp(saksi_student_log_cdf(z, &t));
            if (want > 1e-7 && !(fabs(got - want) <= 1e-10 * want))
                fail_msg("nu %g z %g: F %.17g, GSL %.17g", nus[k], z, got, want);
            /* the density on the log scale, to 1e-10: GSL's pow() of
             * (1 + z^2/nu) to the power (nu + 1) / 2 loses digits at large
             * nu (2e-12 off mpmath at nu = 9999, z = -0.661, where this
             * code is 1e-14 off), and below e^-700 its double is
             * subnormal */
            double lpdf = log(gsl_ran_tdist_pdf(z, nus[k])), lgot = saksi_student_log_pdf(z, &t);
            if (lpdf > -700.0 && !(fabs(lgot - lpdf) <= 1e-10 * fmax(1.0, fabs(lpdf))))
                fail_msg("nu %g z %g: log density %.17g, GSL %.17g", nus[k], z, lgot, lpdf);
        }
        assert_close(exp(saksi_student_log_cdf(0.0, &t)), 0.5, 1e-16); /* F(0) = 1/2 */
    }
}

static void test_logit_normal(void **state)
{
    (void)state;
    saksi_lnb_rule r;
    saksi_error err = {0};
    assert_int_equal(saksi_lnb_rule_init(&r, &err), SAKSI_OK);
    /* Moments: the matched (a, s) reproduce m and v (trapezoid check), for
     * turnout-, invalid- and share-like rates and a rho of 0.2 (election
     * rates have rho below 0.1): the variance to 1e-5 relative (16 nodes
     * give 1.6e-6 at rho 0.2; at rho 0.8, s ~ 7 and they give 5%). */
    const double mv[][2] = {{0.8, 0.0030}, {0.022, 0.00015}, {0.58, 0.004}, {0.5, 0.05}};
    for (size_t c = 0; c < 4; c++) {
        double a = 0, s = 0;
        assert_true(saksi_lnb_match(mv[c][0], mv[c][1], 0.0, &r, &a, &s));
        double m1 = 0, m2 = 0, h = 0.001;
        for (double z = -12; z <= 12; z += h) {
            double w = exp(-0.5 * z * z) * h / sqrt(2 * 3.14159265358979323846),
                   p = expit(a + s * z);
            m1 += w * p;
            m2 += w * p * p;
        }
        assert_close(m1, mv[c][0], 1e-9);
        assert_close(m2 - m1 * m1, mv[c][1], 1e-9 + 1e-5 * mv[c][1]);
        /* saksi_lnb_moments, the inverse, against the same trapezoid, at
         * (a, s) and shifted by 0.4 on the logit (a size trend's move):
         * the 16 nodes' error, 1.3e-8 at worst in the mean */
        for (int sh = 0; sh < 2; sh++) {
            double mm, vm, t1 = 0, t2 = 0;
            saksi_lnb_moments(a + 0.4 * sh, s, &r, &mm, &vm);
            for (double z = -12; z <= 12; z += h) {
                double w = exp(-0.5 * z * z) * h / sqrt(2 * 3.14159265358979323846),
                       p = expit(a + 0.4 * sh + s * z);
                t1 += w * p;
                t2 += w * p * p;
            }
            assert_close(mm, t1, 5e-8);
            assert_close(vm, t2 - t1 * t1, 1e-9 + 1e-5 * vm);
        }
        /* A warm start from a neighbour gives the same solution. */
        double a2 = a + 0.1, s2 = s * 1.1;
        assert_true(saksi_lnb_match(mv[c][0], mv[c][1], 0.0, &r, &a2, &s2));
        assert_close(a2, a, 1e-9);
        assert_close(s2, s, 1e-9);
    }
    /* Degenerate inputs. */
    double a = 0, s = 0;
    assert_false(saksi_lnb_match(0.0, 0.01, 0.0, &r, &a, &s));
    assert_true(saksi_lnb_match(0.3, 0.0, 0.0, &r, &a, &s));
    assert_close(s, 0.0, 0);
    assert_close(a, log(0.3 / 0.7), 1e-15);

    /* Tails against brute force, relative 1e-5 (10 nodes) down to 1e-12. */
    const struct {
        int x, n;
        double a, s;
    } cases[] = {{150, 250, 1.5, 0.4}, {100, 250, 1.5, 0.4},  {230, 250, 1.5, 0.4},
                 {0, 200, -3.8, 0.55}, {12, 200, -3.8, 0.55}, {30, 200, -3.8, 0.55},
                 {90, 200, 0.3, 0.35}, {5, 40, 0.0, 2.0},     {600, 700, 1.0, 0.2}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double got = saksi_lnb_lower(cases[c].x, cases[c].n, cases[c].a, cases[c].s, 0.0, 0, &r);
        double want = brute_lower(cases[c].x, cases[c].n, cases[c].a, cases[c].s, 0.0);
        /* An upper tail as the code takes it: P(X > x) = P(n - X <= n - x - 1),
         * n - X having logit -a - sZ. */
        double up = saksi_lnb_lower(cases[c].n - cases[c].x - 1, cases[c].n, -cases[c].a,
                                    cases[c].s, 0.0, 0, &r);
        double tail = want < 0.5 ? want : 1.0 - want, gtail = want < 0.5 ? got : up;
        if (!(fabs(gtail - tail) <= 1e-5 * tail + 1e-15))
            fail_msg("case %zu: P(X <= %d) = %.12e, brute force %.12e", c, cases[c].x, got, want);
        /* The large side is not what the code uses: near the edge of the
         * support (x = n - 1) its integrand has an exponential tail the
         * nodes integrate to 0.7% only. */
        assert_close(got + up, 1.0, 1e-2);
    }
    /* Student's t mixing, small sides, 1e-3 relative (10 nodes: the t's
     * log-density is far from quadratic; measured 6e-4 at nu = 5). */
    const struct {
        int x, n;
        double a, s, nu;
    } tcases[] = {{12, 60, 1.5, 0.4, 5}, {58, 60, 1.5, 0.4, 5}, {2, 100, -3.8, 0.55, 20}};
    for (size_t c = 0; c < 3; c++) {
        double want =
            brute_lower_t(tcases[c].x, tcases[c].n, tcases[c].a, tcases[c].s, tcases[c].nu);
        double got = want < 0.5
                         ? saksi_lnb_lower(tcases[c].x, tcases[c].n, tcases[c].a, tcases[c].s, 0.0,
                                           tcases[c].nu, &r)
                         : 1.0 - saksi_lnb_lower(tcases[c].n - tcases[c].x - 1, tcases[c].n,
                                                 -tcases[c].a, tcases[c].s, 0.0, tcases[c].nu, &r);
        double tail = want < 0.5 ? want : 1.0 - want, gtail = want < 0.5 ? got : 1.0 - got;
        if (!(fabs(gtail - tail) <= 1e-3 * tail))
            fail_msg("t case %zu: small side %.10e, brute force %.10e", c, gtail, tail);
        /* heavier than the normal's */
        double normal = saksi_lnb_lower(tcases[c].x, tcases[c].n, tcases[c].a, tcases[c].s, 0.0, 0, &r);
        assert_true(want < 0.5 ? got > normal : got < normal);
    }

    /* Ends and the binomial limit. */
    assert_close(saksi_lnb_lower(-1, 10, 0.0, 1.0, 0.0, 0, &r), 0.0, 0);
    assert_close(saksi_lnb_lower(10, 10, 0.0, 1.0, 0.0, 0, &r), 1.0, 0);
    assert_close(saksi_lnb_lower(3, 10, 0.0, 0.0, 0.0, 0, &r), 176.0 / 1024.0, 1e-14); /* Bin(10, 1/2) */
    /* Mid-p: two sides of one value sum to 1 (2 min(t, 1 - t) is symmetric),
     * and an observation at the mean is near 1. */
    double am = 0, sm = 0;
    assert_true(saksi_lnb_match(0.8, 0.003, 0.0, &r, &am, &sm));
    double p1 = saksi_lnb_midp(200, 250, am, sm, 0.0, 0, 250 * 0.8, &r);
    assert_true(p1 > 0.9 && p1 <= 1.0);
    double lo = saksi_lnb_midp(120, 250, 1.5, 0.4, 0.0, 0, 200, &r);
    double beyond, point;
    saksi_lnb_tail(120, 250, 1.5, 0.4, 0.0, 0, 200, &r, &beyond, &point);
    assert_close(lo, 2.0 * (beyond + 0.5 * point), 1e-15);
    assert_close(beyond, saksi_lnb_lower(119, 250, 1.5, 0.4, 0.0, 0, &r), 1e-15);
}

/*
 * The tail's two probabilities from one integrand's nodes (lnbin.c
 * lower_pair: P(X <= x - 1) as P(X <= x)'s integrand tilted by e^-u)
 * against brute force, below and above the mean, normal, skewed and t
 * mixing, shares and small counts: each probability within 1e-6 relative,
 * or 3 times the error of the two integrals apart (saksi_lnb_lower, each
 * on its own mode) where that is larger. Measured: 7e-7 at worst where
 * the nodes are shared (x and n - x at least PAIR_MIN_COUNT); 1.4e-4 for
 * a count of 4 at its median, P = 0.4, and 7e-5 for the t on 5 df at P =
 * 0.3 — counts under PAIR_MIN_COUNT, so the integrals apart, whose nodes
 * meet the Beta's exponential tail there, far from any p-value that
 * matters. Where the latent sd is under ~0.3 of the binomial part's logit
 * sd, (1 / (x + 1) + 1 / (n - x))^1/2, both miss by up to a few percent
 * (docs/turnout.md, "Limits").
 */
static void test_paired_tail(void **state)
{
    (void)state;
    saksi_lnb_rule r;
    saksi_error err = {0};
    assert_int_equal(saksi_lnb_rule_init(&r, &err), SAKSI_OK);
    const struct {
        int x, n;
        double a, s, eps, nu;
    } cases[] = {{20, 220, -1.1, 0.37, 0.0, 0.0},  {40, 220, -1.1, 0.37, 0.0, 0.0},
                 {15, 220, -1.1, 0.37, -0.3, 0.0}, {85, 220, -1.1, 0.37, -0.3, 0.0},
                 {1, 200, -3.9, 0.5, 0.0, 0.0},    {4, 200, -3.9, 0.5, 0.0, 0.0},
                 {12, 200, -3.9, 0.5, 0.2, 0.0},   {240, 250, 1.5, 0.4, 0.0, 0.0},
                 {20, 220, -1.1, 0.37, 0.0, 8.0},  {3, 200, -3.9, 0.5, 0.0, 5.0}};
    double worst = 0.0, worst_apart = 0.0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int x = cases[c].x, n = cases[c].n;
        double a = cases[c].a, s = cases[c].s, eps = cases[c].eps, nu = cases[c].nu;
        double mean = 0.0, h = 0.001, beyond, point, f0, f1;
        for (double z = -12; z <= 12; z += h) /* the mean decides the side */
            mean += n * expit(a + s * sinh(asinh(z) + eps)) * exp(-0.5 * z * z) * h /
                    sqrt(2 * 3.14159265358979323846);
        int below = !saksi_lnb_tail(x, n, a, s, eps, nu, mean, &r, &beyond, &point);
        if (below) {
            f0 = nu > 0.0 ? brute_lower_t(x - 1, n, a, s, nu) : brute_lower(x - 1, n, a, s, eps);
            f1 = nu > 0.0 ? brute_lower_t(x, n, a, s, nu) : brute_lower(x, n, a, s, eps);
        } else { /* P(X > x) and P(X >= x) */
            f0 = 1.0 - (nu > 0.0 ? brute_lower_t(x, n, a, s, nu) : brute_lower(x, n, a, s, eps));
            f1 = 1.0 -
                 (nu > 0.0 ? brute_lower_t(x - 1, n, a, s, nu) : brute_lower(x - 1, n, a, s, eps));
        }
        /* the two integrals apart, each on its own mode */
        double sa = below ? a : -a, se = below ? eps : -eps;
        int y = below ? x : n - x;
        double g0 = saksi_lnb_lower(y - 1, n, sa, s, se, nu, &r);
        double g1 = saksi_lnb_lower(y, n, sa, s, se, nu, &r);
        double e0 = fabs(beyond / f0 - 1.0), e1 = fabs((beyond + point) / f1 - 1.0);
        double o0 = fabs(g0 / f0 - 1.0), o1 = fabs(g1 / f1 - 1.0);
        if (!(e0 <= fmax(1e-6, 3.0 * o0) && e1 <= fmax(1e-6, 3.0 * o1)))
            fail_msg("case %zu: %.10e and %.10e against brute force %.10e and %.10e", c, beyond,
                     beyond + point, f0, f1);
        worst = fmax(worst, fmax(e0, e1));
        worst_apart = fmax(worst_apart, fmax(o0, o1));
    }
    fprintf(stderr, "paired tail: worst relative error %.2g (the integrals apart: %.2g)\n", worst,
            worst_apart);
    /* A Sirekap station's added voters, 1 of 152 where the fit expects
     * 1.53 (a latent logit sd of 8.9 on 141 df): brute force gives a mid-p
     * of 0.0213, as 1 - P(X <= 1) + P(X = 1) / 2 — x lies above the
     * median, 0, though below the mean, so the small tail is the upper
     * one (saksi_lnb_tail turns to it: 0.02126, 0.4% off). Before, the
     * lower side (the mean's) left 1 - 0.987 to the nodes' 1e-3 and gave
     * 0.0254; the shared nodes of lower_pair, had they served a count
     * under PAIR_MIN_COUNT, 0.055. */
    const double ea = -26.01294803, es = 8.900582034, enu = 140.7125466;
    double f0 = brute_lower_t(0, 152, ea, es, enu), f1 = brute_lower_t(1, 152, ea, es, enu);
    double mid = 0.5 * (f0 + f1), want = 2.0 * (mid < 0.5 ? mid : 1.0 - mid);
    double beyond, point;
    assert_close(want, 0.0213, 0.0001);
    assert_int_equal(saksi_lnb_tail(1, 152, ea, es, 0.0, enu, 1.5268, &r, &beyond, &point), 1);
    double got = saksi_lnb_midp(1, 152, ea, es, 0.0, enu, 1.5268, &r);
    assert_true(fabs(got / want - 1.0) < 0.01);
}

/* Moments of sinh(asinh Z + eps), Z standard normal, by a trapezoid on
 * [-14, 14]: mean, variance, skewness. */
static void sas_moments(double eps, double *mean, double *var, double *skew)
{
    const int steps = 56000;
    double h = 28.0 / steps, m[4] = {0};
    for (int pass = 0; pass < 2; pass++)
        for (int j = 0; j <= steps; j++) {
            double z = -14.0 + j * h, y = sinh(asinh(z) + eps) - (pass ? m[0] : 0.0);
            double w = (j == 0 || j == steps ? 0.5 : 1.0) * h * exp(-0.5 * z * z) /
                       sqrt(2.0 * 3.14159265358979323846);
            if (pass == 0) {
                m[0] += w * y;
            } else {
                m[2] += w * y * y;
                m[3] += w * y * y * y;
            }
        }
    *mean = m[0];
    *var = m[2];
    *skew = m[3] / pow(m[2], 1.5);
}

/* The skewed mixing law (lnbin.c: logit p = a + s sinh(asinh Z + eps))
 * against brute force, and the softmax's skew of a share's latent logit
 * (share_skew.c) against a two- and a three-dimensional sum. */
static void test_skewed_mixing(void **state)
{
    (void)state;
    saksi_lnb_rule r;
    saksi_error err = {0};
    assert_int_equal(saksi_lnb_rule_init(&r, &err), SAKSI_OK);

    /* eps of a skewness: the trapezoid's skewness of the law returned is
     * the one asked for (to 1e-8 relative), odd in gamma; 0 for 0; beyond the family's reach (1.40 at eps 2, the
     * bound) the farthest it reaches. */
    const double gammas[] = {-0.02, 0.1, -0.8, 1.2};
    for (size_t c = 0; c < 4; c++) {
        double eps = saksi_lnb_eps_of_skew(gammas[c]), mean, var, skew;
        sas_moments(eps, &mean, &var, &skew);
        if (!(fabs(skew - gammas[c]) <= 1e-8 * fabs(gammas[c])))
            fail_msg("gamma %g: eps %.9f has skewness %.9f", gammas[c], eps, skew);
        assert_close(saksi_lnb_eps_of_skew(-gammas[c]), -eps, 1e-12);
    }
    assert_close(saksi_lnb_eps_of_skew(0.0), 0.0, 0);
    assert_close(saksi_lnb_eps_of_skew(1.42), 2.0, 0);
    /* Near 0 the slope is 3 (E[Z^2 R] - E[R]), R = sqrt(1 + Z^2): 1.6947
     * (numpy's trapezoid, 1.69467254). */
    assert_close(saksi_lnb_eps_of_skew(0.001), 0.001 / 1.69467254, 1e-9);

    /* Matching with a skew: the matched (a, s) reproduce m and v under the
     * skewed law (trapezoid), to 1e-5 and 2e-5 relative: the 16 nodes
     * integrate the non-polynomial sqrt(1 + z^2) less well (measured: the
     * mean 7e-7 off at eps -0.05, 4.6e-6 at -0.3; the variance 2.4e-6 and
     * 8.7e-6). */
    const double mv[][3] = {{0.25, 0.004, -0.05}, {0.17, 0.002, -0.3}, {0.58, 0.004, 0.1}};
    for (size_t c = 0; c < 3; c++) {
        double a = 0, s = 0, m1 = 0, m2 = 0, h = 0.001;
        assert_true(saksi_lnb_match(mv[c][0], mv[c][1], mv[c][2], &r, &a, &s));
        for (double z = -12; z <= 12; z += h) {
            double w = exp(-0.5 * z * z) * h / sqrt(2 * 3.14159265358979323846),
                   p = expit(a + s * sinh(asinh(z) + mv[c][2]));
            m1 += w * p;
            m2 += w * p * p;
        }
        assert_close(m1, mv[c][0], 1e-5 * mv[c][0]);
        assert_close(m2 - m1 * m1, mv[c][1], 2e-5 * mv[c][1]);
    }

    /* Tails: both sides through saksi_lnb_tail (the upper side mirrors the
     * law, eps to -eps), against brute force to 1e-5 relative, and a
     * negative eps makes the lower tail heavier than the symmetric law's. */
    const struct {
        int x, n;
        double a, s, eps;
    } cases[] = {{40, 220, -1.1, 0.45, -0.05}, {85, 220, -1.1, 0.45, -0.05},
                 {12, 220, -1.6, 0.5, -0.3},   {70, 220, -1.6, 0.5, -0.3},
                 {150, 250, 0.3, 0.4, 0.2},    {100, 250, 0.3, 0.4, 0.2}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double mean = 0.0, h = 0.001, beyond, point;
        for (double z = -12; z <= 12; z += h)
            mean += cases[c].n * expit(cases[c].a + cases[c].s * sinh(asinh(z) + cases[c].eps)) *
                    exp(-0.5 * z * z) * h / sqrt(2 * 3.14159265358979323846);
        int below = !saksi_lnb_tail(cases[c].x, cases[c].n, cases[c].a, cases[c].s, cases[c].eps,
                                    0.0, mean, &r, &beyond, &point);
        assert_int_equal(below, cases[c].x <= mean); /* tails: the side of the mean */
        double want = below ? brute_lower(cases[c].x - 1, cases[c].n, cases[c].a, cases[c].s,
                                          cases[c].eps)
                            : 1.0 - brute_lower(cases[c].x, cases[c].n, cases[c].a, cases[c].s,
                                                cases[c].eps);
        if (!(fabs(beyond - want) <= 1e-5 * want + 1e-15))
            fail_msg("case %zu (%s): beyond %.12e, brute force %.12e", c, below ? "below" : "above",
                     beyond, want);
        double sym_beyond, sym_point;
        saksi_lnb_tail(cases[c].x, cases[c].n, cases[c].a, cases[c].s, 0.0, 0.0, mean, &r,
                       &sym_beyond, &sym_point);
        assert_true((cases[c].eps < 0.0) == below ? beyond > sym_beyond : beyond < sym_beyond);
    }

    /* The softmax's skew, three candidates: the candidate's logit is e_k -
     * LSE(log q_j + e_j, j != k), e_j independent N(0, sigma^2), sigma^2 =
     * s2 / (1 + sum w_j^2) (the model's first-order variance, w_j the
     * others' weights), so its skewness is -k3(LSE) / s2^1.5 with k3 the
     * third cumulant of the LSE of the two others: here by a trapezoid over
     * both effects on [-10, 10] sd (1,001 points each). Shares as
     * Indonesia 2024's (0.25, 0.58, 0.17), a minor candidate and the
     * leader, and the logit variances of a station sd of 0.37 and 0.55 on
     * every candidate; 1e-5 relative (the code's 10 nodes: 4e-6 at sd
     * 0.55). Monte Carlo (numpy, 4 million draws) gave k3 0.00259 for the
     * minor candidate at 0.37. */
    const double q[3] = {25.0, 58.0, 17.0};
    const struct {
        size_t self;
        double sigma;
    } sc[] = {{0, 0.37}, {0, 0.55}, {1, 0.37}, {2, 0.55}};
    for (size_t c = 0; c < 4; c++) {
        size_t o1 = sc[c].self == 0 ? 1 : 0, o2 = sc[c].self == 2 ? 1 : 2;
        double tot = q[o1] + q[o2], w1 = q[o1] / tot, w2 = q[o2] / tot;
        double sigma2 = sc[c].sigma * sc[c].sigma, s2 = sigma2 * (1.0 + w1 * w1 + w2 * w2);
        const int steps = 1000;
        double h = 20.0 / steps, mom[3] = {0}, mean = 0.0;
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i <= steps; i++)
                for (int j = 0; j <= steps; j++) {
                    double z1 = -10.0 + i * h, z2 = -10.0 + j * h;
                    double w = (i == 0 || i == steps ? 0.5 : 1.0) * (j == 0 || j == steps ? 0.5 : 1.0) *
                               h * h * exp(-0.5 * (z1 * z1 + z2 * z2)) / (2.0 * 3.14159265358979323846);
                    double y = log(q[o1] * exp(sc[c].sigma * z1) + q[o2] * exp(sc[c].sigma * z2));
                    if (pass == 0) {
                        mean += w * y;
                    } else {
                        mom[1] += w * (y - mean) * (y - mean);
                        mom[2] += w * (y - mean) * (y - mean) * (y - mean);
                    }
                }
        double want = -mom[2] / pow(s2, 1.5), got = saksi_share_logit_skew(q, 3, sc[c].self, s2, &r);
        if (!(fabs(got - want) <= 1e-5 * fabs(want)))
            fail_msg("case %zu: skewness %.9f, two-dimensional sum %.9f", c, got, want);
        assert_true(got < 0.0); /* a convex LSE: the logit is left-skewed */
        if (c == 0) assert_close(mom[2], 0.00259, 0.0001); /* the Monte Carlo's */
    }
    /* Four candidates: the integral treats the rest (two others) as one
     * normal and adds back the leading order of its own skew
     * (share_skew.c), so it is not exact: against a trapezoid over the
     * three others' effects on [-8, 8] sd (161 points each), within 10%
     * (measured 92-108% of it; the integral alone, without the rest's
     * skew, gave 30-40% for others of 45, 45 and 5, where the rest is as
     * large as the top, and 88-93% for 40, 30 and 20). */
    const double q4[2][4] = {{45.0, 45.0, 5.0, 5.0}, {40.0, 30.0, 20.0, 10.0}};
    for (size_t c = 0; c < 4; c++) {
        const double *qc = q4[c / 2], sigma = c % 2 ? 0.55 : 0.37, tot = qc[0] + qc[1] + qc[2];
        const size_t self = 3;
        double ww = 0.0;
        for (int j = 0; j < 3; j++)
            ww += (qc[j] / tot) * (qc[j] / tot);
        double s2 = sigma * sigma * (1.0 + ww);
        const int steps = 160;
        double h = 16.0 / steps, mean = 0.0, m3 = 0.0, g[161], ez[161];
        for (int i = 0; i <= steps; i++) {
            double z = -8.0 + i * h;
            g[i] = (i == 0 || i == steps ? 0.5 : 1.0) * h * exp(-0.5 * z * z) /
                   sqrt(2.0 * 3.14159265358979323846);
            ez[i] = exp(sigma * z);
        }
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i <= steps; i++)
                for (int j = 0; j <= steps; j++)
                    for (int l = 0; l <= steps; l++) {
                        double y = log(qc[0] * ez[i] + qc[1] * ez[j] + qc[2] * ez[l]);
                        double w = g[i] * g[j] * g[l];
                        if (pass == 0)
                            mean += w * y;
                        else
                            m3 += w * (y - mean) * (y - mean) * (y - mean);
                    }
        double want = -m3 / pow(s2, 1.5), got = saksi_share_logit_skew(qc, 4, self, s2, &r);
        if (!(fabs(got / want - 1.0) <= 0.1))
            fail_msg("four candidates, case %zu: skewness %.6f, three-dimensional sum %.6f", c, got,
                     want);
    }
    /* Two candidates: the logit is e_1 - e_2, normal. A candidate with no
     * votes among the peers is no one's rival: with (25, 58, 0) it is two. */
    const double two[3] = {25.0, 58.0, 0.0};
    assert_close(saksi_share_logit_skew(q, 2, 0, 0.2, &r), 0.0, 0);
    assert_close(saksi_share_logit_skew(two, 3, 0, 0.2, &r), 0.0, 0);
    assert_close(saksi_share_logit_skew(q, 3, 0, 0.0, &r), 0.0, 0);
}

/* Every array of two baseline runs, byte for byte. */
static void assert_same(const saksi_baselines *a, const saksi_baselines *b)
{
    size_t cells = a->n * a->nmeasures;
    assert_int_equal(a->nmeasures, b->nmeasures);
    assert_memory_equal(a->p, b->p, cells * sizeof *a->p);
    assert_memory_equal(a->z, b->z, cells * sizeof *a->z);
    assert_memory_equal(a->expected, b->expected, cells * sizeof *a->expected);
    assert_memory_equal(a->skip, b->skip, cells);
}

static void test_simulated(void **state)
{
    (void)state;
    saksi_sim_config c;
    saksi_error err = {0};
    saksi_table *t = NULL;
    saksi_sim_config_init(&c);
    c.stations = 20000;
    c.seed = 3;
    assert_int_equal(saksi_simulate_table(&c, &t, NULL, NULL, NULL, &err), SAKSI_OK);
    saksi_rules *rules = NULL;
    int32_t *prog = NULL;
    size_t len;
    uint32_t *en = calloc(t->n, 4), *ev = calloc(t->n, 4), *fl = calloc(t->n, 4),
             *ng = calloc(t->n, 4);
    assert_int_equal(saksi_rules_load(NULL, &rules, &err), SAKSI_OK);
    assert_int_equal(saksi_rules_compile(rules, t, &prog, &len, &err), SAKSI_OK);
    assert_int_equal(saksi_rules_apply_scopes(rules, t, en, &err), SAKSI_OK);
    /* A planted outlier: station s fills its DPT list (turnout 100%). */
    size_t s = t->n / 3;
    while (t->stratum[s] != SAKSI_STRATUM_REGULAR ||
           saksi_table_get(t, SAKSI_F_VOTERS_DPT, s) >
               saksi_table_get(t, SAKSI_F_REGISTERED, s) * 9 / 10)
        s++;
    int32_t reg = saksi_table_get(t, SAKSI_F_REGISTERED, s);
    t->cols[(size_t)t->slot_of_field[SAKSI_F_VOTERS_DPT] * t->stride + s] = reg;
    saksi_integrity_cpu(prog, t, en, 0, t->n, ev, fl, ng);

    saksi_baseline_options o;
    saksi_baseline_options_init(&o);
    o.threads = 1;
    o.randomized = 1;
    saksi_baselines *one = NULL, *two = NULL, *bb = NULL;
    assert_int_equal(saksi_baselines_run(t, rules, fl, &o, &one, &err), SAKSI_OK);
    o.threads = 2;
    assert_int_equal(saksi_baselines_run(t, rules, fl, &o, &two, &err), SAKSI_OK);
    assert_same(one, two);
    assert_memory_equal(one->pit, two->pit, t->n * one->nmeasures * sizeof(double));

    /* The edited station broke voters_lists and voters_dpt_sex: its
     * turnout is skipped for integrity, its shares are tested. */
    assert_int_equal(one->skip[SAKSI_BM_TURNOUT * t->n + s], SAKSI_BSKIP_INTEGRITY);
    assert_int_equal(one->skip[SAKSI_BM_CAND0 * t->n + s], SAKSI_BSKIP_NONE);

    for (size_t m = 0; m < one->nmeasures; m++) {
        size_t tot = 0, tested = 0;
        for (int r = 0; r < SAKSI_NBSKIP; r++)
            tot += one->skipped[m][r];
        assert_int_equal(tot, t->n);
        assert_int_equal(one->tested[m], one->skipped[m][SAKSI_BSKIP_NONE]);
        for (size_t i = 0; i < t->n; i++) {
            size_t k = m * t->n + i;
            if (one->skip[k] != SAKSI_BSKIP_NONE) {
                assert_true(isnan(one->p[k]) && isnan(one->z[k]) && isnan(one->pit[k]));
                continue;
            }
            tested++;
            int32_t x, n;
            saksi_baseline_rate(t, m, i, &x, &n);
            assert_true(one->p[k] >= 0.0 && one->p[k] <= 1.0);
            assert_true(one->pit[k] >= 0.0 && one->pit[k] <= 1.0);
            assert_true(one->expected[k] >= 0.0 && one->expected[k] <= n);
            if (m >= SAKSI_BM_CAND0) assert_true(t->stratum[i] != SAKSI_STRATUM_NOKEN);
        }
        assert_int_equal(tested, one->tested[m]);
        assert_true(tested > t->n * 9 / 10 || m == SAKSI_BM_TURNOUT); /* a few > 300 in 99 */
    }
    /* Noken candidates are skipped with their reason. */
    size_t noken = 0;
    for (size_t i = 0; i < t->n; i++)
        noken += t->stratum[i] == SAKSI_STRATUM_NOKEN;
    assert_true(noken > 0);
    assert_int_equal(one->skipped[SAKSI_BM_CAND0][SAKSI_BSKIP_STRATUM], noken);

    /* Restore the identities around the outlier (an honest stuffing of the
     * list with the leader's votes) and it is found: tiny p, large z. */
    saksi_baselines_free(one);
    saksi_baselines_free(two);
    o.threads = 0;
    o.randomized = 0;
    int32_t add = reg - (saksi_table_get(t, SAKSI_F_VOTERS_TOTAL, s) -
                         saksi_table_get(t, SAKSI_F_VOTERS_DPTB, s) -
                         saksi_table_get(t, SAKSI_F_VOTERS_DPK, s));
    t->cols[(size_t)t->slot_of_field[SAKSI_F_VOTERS_DPT] * t->stride + s] -= add; /* back */
    const int bump[] = {SAKSI_F_VOTERS_DPT,        SAKSI_F_VOTERS_DPT_MALE, SAKSI_F_VOTERS_TOTAL,
                        SAKSI_F_VOTERS_TOTAL_MALE, SAKSI_F_TOTAL,           SAKSI_F_VALID,
                        SAKSI_F_BALLOTS_USED,      SAKSI_NFIXED + 1};
    for (size_t b = 0; b < sizeof bump / sizeof bump[0]; b++) {
        int slot = bump[b] < SAKSI_NFIXED ? t->slot_of_field[bump[b]]
                                          : t->first_cand_slot + bump[b] - SAKSI_NFIXED;
        t->cols[(size_t)slot * t->stride + s] += add;
    }
    t->cols[(size_t)t->slot_of_field[SAKSI_F_BALLOTS_UNUSED] * t->stride + s] -= add;
    saksi_integrity_cpu(prog, t, en, 0, t->n, ev, fl, ng);
    if (fl[s] != 0) /* unused ballots may not cover it: then this check is moot */
        fail_msg("the restored station still fails rules %#x", fl[s]);
    assert_int_equal(saksi_baselines_run(t, rules, fl, &o, &one, &err), SAKSI_OK);
    size_t k = SAKSI_BM_TURNOUT * t->n + s;
    assert_int_equal(one->skip[k], SAKSI_BSKIP_NONE);
    printf("planted full turnout: p = %.3g, z = %.2f\n", one->p[k], one->z[k]);
    assert_true(one->p[k] < 1e-4);
    assert_true(one->z[k] > 2.5);
    o.null = SAKSI_BASELINE_BETABINOMIAL;
    assert_int_equal(saksi_baselines_run(t, rules, fl, &o, &bb, &err), SAKSI_OK);
    assert_int_equal(bb->null, SAKSI_BASELINE_BETABINOMIAL);
    assert_true(bb->p[k] < 1e-4);
    assert_memory_equal(bb->z, one->z, t->n * one->nmeasures * sizeof(double)); /* same peers */
    assert_string_equal(saksi_baseline_null_name(SAKSI_BASELINE_BETABINOMIAL), "beta-binomial");

    /* Errors: an unknown null. */
    saksi_baselines *none = NULL;
    o.null = 7;
    assert_int_equal(saksi_baselines_run(t, rules, fl, &o, &none, &err), SAKSI_ERR_USAGE);
    assert_null(none);
    saksi_baselines_free(one);
    saksi_baselines_free(bb);
    free(en);
    free(ev);
    free(fl);
    free(ng);
    free(prog);
    saksi_rules_free(rules);
    saksi_table_free(t);
}

/* Two villages of three stations in one district; cand_01 of 200 valid
 * votes 60, 70, 80 in the first and 110, 120, 130 in the second. */
static const int32_t village_votes[6] = {60, 70, 80, 110, 120, 130};
/* the same two villages for a minor candidate: 1, 9, 4 and 8, 20, 15 */
static const int32_t minor_votes[6] = {1, 9, 4, 8, 20, 15};
static const int32_t *cand_votes = village_votes;

static int split_districts; /* 1: the two groups are districts of one regency */

static void edit_villages(size_t k, int32_t *v, char *id)
{
    if (split_districts)
        snprintf(id, 32, "32010%zu0001%03zu", 1 + k / 3, 1 + k % 3);
    else
        snprintf(id, 32, "320101000%zu%03zu", 1 + k / 3, 1 + k % 3);
    v[SAKSI_NFIXED] = cand_votes[k];
    v[SAKSI_NFIXED + 1] = 180 - cand_votes[k]; /* cand_01 + cand_02 stay 180 */
}

/* The village share of six stations of 200 votes in two villages of three
 * (votes[k] for the candidate), by the textbook two-pass one-way ANOVA
 * below, on empirical logits (logit = 1) or on the rate scale with the
 * unbiased binomial variance r (1 - r) / (n - 1); both components must be
 * present in the design. *msw: MS_within; *vv: the village variance. */
static double hand_village_share(const int32_t votes[6], int logit, double *msw, double *vv)
{
    double y[6], bv = 0.0, mean[2] = {0}, grand = 0.0, w = 0.0, b = 0.0;
    for (int i = 0; i < 6; i++) {
        double r = logit ? (votes[i] + 0.5) / 201.0 : votes[i] / 200.0;
        y[i] = logit ? log(r / (1.0 - r)) : r;
        bv += (logit ? 1.0 / (201.0 * r * (1.0 - r)) : r * (1.0 - r) / 199.0) / 6.0;
        mean[i / 3] += y[i] / 3.0;
        grand += y[i] / 6.0;
    }
    for (int i = 0; i < 6; i++)
        w += (y[i] - mean[i / 3]) * (y[i] - mean[i / 3]);
    for (int j = 0; j < 2; j++)
        b += 3.0 * (mean[j] - grand) * (mean[j] - grand);
    *msw = w / 4.0;
    *vv = (b / 1.0 - *msw) / 3.0;
    double vs = *msw - bv;
    assert_true(*vv > 0.0 && vs > 0.0);
    return *vv / (*vv + vs);
}

/* The village layer's share of the latent variance, against the textbook
 * two-pass one-way ANOVA computed here from the definitions (Searle,
 * Casella & McCulloch 1992, Variance Components, section 3.5): empirical
 * logits y = log((x + 1/2) / (n - x + 1/2)) with binomial variance
 * 1 / ((n + 1) r (1 - r)), r = (x + 1/2) / (n + 1); MS_within on 4 df,
 * MS_between on 1 df, m0 = (6 - (9 + 9) / 6) / 1 = 3; the village
 * variance (MS_b - MS_w) / m0, the station's MS_w less the mean binomial
 * variance. */
static void test_village_layer(void **state)
{
    (void)state;
    fixture fx = {0};
    split_districts = 0;
    fixture_run(&fx, 6, edit_villages);
    double msw, vv, share = hand_village_share(village_votes, 1, &msw, &vv);
    saksi_baseline_options o;
    saksi_baseline_options_init(&o);
    o.threads = 1;
    o.min_fit_peers = 2; /* six stations: judged by their regency, not widened to the province */
    saksi_baselines *bl = NULL;
    saksi_error err = {0};
    assert_int_equal(saksi_baselines_run(fx.t, fx.rules, fx.fail, &o, &bl, &err), SAKSI_OK);
    assert_int_equal(bl->tested[SAKSI_BM_CAND0], 6);
    assert_float_equal(bl->village_share[SAKSI_BM_CAND0], share, 1e-12);
    /* about 0.95: the villages differ by ~1 logit, stations within by ~0.2 */
    assert_true(bl->village_share[SAKSI_BM_CAND0] > 0.9);
    /* Each station is judged by the other village's three (leave-village-
     * out; the regency is the same district): its expectation is their
     * pooled rate, not one that leans toward its own village. */
    double vx[2] = {0}, vn[2] = {0};
    for (size_t i = 0; i < 6; i++) {
        int32_t x, n;
        assert_int_equal(saksi_baseline_rate(fx.t, SAKSI_BM_CAND0, i, &x, &n), SAKSI_BSKIP_NONE);
        vx[i / 3] += x;
        vn[i / 3] += n;
    }
    for (size_t i = 0; i < 6; i++) {
        int32_t x, n;
        saksi_baseline_rate(fx.t, SAKSI_BM_CAND0, i, &x, &n);
        size_t other = 1 - i / 3;
        assert_float_equal(bl->expected[SAKSI_BM_CAND0 * bl->n + i], n * vx[other] / vn[other],
                           1e-9);
    }
    /* one district in one regency: no between-district variance to weigh,
     * the configured k0 */
    assert_float_equal(bl->shrink_k0[SAKSI_BM_CAND0], SAKSI_PEER_SHRINK_K0, 0.0);
    saksi_baselines_free(bl);
    /* Leave one out instead (the calibration driver's --leave-one-out):
     * the station's own village mates are back among its peers, and its
     * expectation is the pooled rate of the other five. */
    o.peers.leave_out_village = 0;
    assert_int_equal(saksi_baselines_run(fx.t, fx.rules, fx.fail, &o, &bl, &err), SAKSI_OK);
    for (size_t i = 0; i < 6; i++) {
        int32_t x, n;
        saksi_baseline_rate(fx.t, SAKSI_BM_CAND0, i, &x, &n);
        double others = (vx[0] + vx[1] - x) / (vn[0] + vn[1] - n);
        assert_float_equal(bl->expected[SAKSI_BM_CAND0 * bl->n + i], n * others, 1e-9);
    }
    saksi_baselines_free(bl);
    o.peers.leave_out_village = 1;
    fixture_done(&fx);

    /* The same six stations as two districts of one village each: the
     * district shrinkage k0 = MS_within / between-district variance, the
     * weight of a group mean, from the same sums; no village share. */
    fixture f2 = {0};
    split_districts = 1;
    fixture_run(&f2, 6, edit_villages);
    assert_int_equal(saksi_baselines_run(f2.t, f2.rules, f2.fail, &o, &bl, &err), SAKSI_OK);
    assert_float_equal(bl->shrink_k0[SAKSI_BM_CAND0], msw / vv, 1e-9);
    assert_true(bl->shrink_k0[SAKSI_BM_CAND0] < 0.1); /* ~0.02: the districts differ a lot */
    assert_float_equal(bl->village_share[SAKSI_BM_CAND0], 0.0, 0.0);
    saksi_baselines_free(bl);
    fixture_done(&f2);
}

/*
 * A minor candidate's village share is taken on the rate scale (its
 * stations hold under 20 votes for it on average: baselines.c
 * rate_scale), where the empirical logits' delta-method variance fails:
 * the same two-pass ANOVA as test_village_layer on y = x / n with the
 * unbiased binomial variance r (1 - r) / (n - 1), here 9.5 votes a station
 * of 200: 0.685, where the logits would give 0.647.
 */
static void test_village_layer_small_counts(void **state)
{
    (void)state;
    fixture fx = {0};
    split_districts = 0;
    cand_votes = minor_votes;
    fixture_run(&fx, 6, edit_villages);
    cand_votes = village_votes;
    double msw, vv,
        share[2] = {hand_village_share(minor_votes, 0, &msw, &vv),
                    hand_village_share(minor_votes, 1, &msw, &vv)};
    saksi_baseline_options o;
    saksi_baseline_options_init(&o);
    o.threads = 1;
    o.min_fit_peers = 2;
    saksi_baselines *bl = NULL;
    saksi_error err = {0};
    assert_int_equal(saksi_baselines_run(fx.t, fx.rules, fx.fail, &o, &bl, &err), SAKSI_OK);
    assert_float_equal(bl->village_share[SAKSI_BM_CAND0], share[0], 1e-12);
    assert_true(fabs(share[1] - share[0]) > 0.01);
    /* cand_02 (171 of 200, 29 against) keeps the logits */
    assert_true(bl->village_share[SAKSI_BM_CAND0 + 1] > 0.0);
    saksi_baselines_free(bl);
    fixture_done(&fx);
}

/*
 * The leave-village-out fit (saksi_bb_shrink_villages) against its
 * definition, by simulation: a district effect of variance B = 1 / k0
 * (k0 = 3), peers in villages of sizes 3, 5, 2, 6 (k = 16, q = 74) with
 * latent village and station effects of total variance W = 1 (village
 * share f), no binomial noise, and a new station in a village of its own.
 * Over 200,000 districts: the peers' mean errs by 1 / k_e
 * (saksi_clustered_peers), their sample variance over the clustered
 * spread estimates W, and the shrunk mean w (peers' mean), w = k_e / (k_e
 * + k0), misses the new station by W + 1 / (k_e + k0) on average. Each
 * mean to ~0.3%, so 2% is over 5 SE.
 */
static void test_shrink_villages_simulated(void **state)
{
    (void)state;
    const int sizes[4] = {3, 5, 2, 6};
    const double fs[2] = {0.4, 0.9}, k0 = 3.0;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 11);
    for (int c = 0; c < 2; c++) {
        double f = fs[c], k_e = saksi_clustered_peers(f, 16.0, 74.0), w = k_e / (k_e + k0);
        double spread = (1.0 - f) + f * (16.0 - 74.0 / 16.0) / 15.0;
        double mean_err = 0.0, within = 0.0, miss = 0.0;
        const int reps = 200000;
        for (int rep = 0; rep < reps; rep++) {
            double d = gsl_ran_gaussian(r, sqrt(1.0 / k0)), y[16], sum = 0.0, ss = 0.0;
            int k = 0;
            for (int v = 0; v < 4; v++) {
                double u = gsl_ran_gaussian(r, sqrt(f));
                for (int j = 0; j < sizes[v]; j++)
                    y[k++] = d + u + gsl_ran_gaussian(r, sqrt(1.0 - f));
            }
            for (int j = 0; j < 16; j++)
                sum += y[j];
            double mean = sum / 16.0;
            for (int j = 0; j < 16; j++)
                ss += (y[j] - mean) * (y[j] - mean);
            double y0 = d + gsl_ran_gaussian(r, sqrt(f)) + gsl_ran_gaussian(r, sqrt(1.0 - f));
            mean_err += (mean - d) * (mean - d);
            within += ss / 15.0 / spread;
            miss += (y0 - w * mean) * (y0 - w * mean);
        }
        assert_float_equal(mean_err / reps, 1.0 / k_e, 0.02 / k_e);
        assert_float_equal(within / reps, 1.0, 0.02);
        assert_float_equal(miss / reps, 1.0 + 1.0 / (k_e + k0), 0.02);
    }
    gsl_rng_free(r);
}

/*
 * The prior df of small counts, chosen by the predictive likelihood.
 * Invalid votes of 204 voters at ~2%, drawn on the logit scale around
 * district means that differ by sd 0.2, over 4 regencies x 100 districts
 * x 4 villages x 20 stations, with a station sd that is
 * - the same in every district (0.5, the simulator's): the prior's d0 is
 *   infinite, and the search ends at 1024 for it; seeds 1-6 chose
 *   142-1013, and their randomized p fell below 0.05 / 0.01 for
 *   0.0488-0.0525 / 0.0092-0.0107 of stations (fixed d0 = 10:
 *   0.0458-0.0479 / 0.0083-0.0094, all conservative);
 * - drawn per district from a scaled inverse chi-square on 4 df (scale
 *   0.25): heavy-tailed districts, which call for a small d0; seeds 1-6
 *   all chose the search's floor, 1. The likelihood's optimum is not the
 *   generating d0: the predictive is Student's t on nu + d0 df, with nu
 *   the fits' Satterthwaite df, an approximation.
 */
#define PLL_REGENCIES 4
#define PLL_DISTRICTS 100
#define PLL_VILLAGES  4
#define PLL_STATIONS  20
#define PLL_N         (PLL_REGENCIES * PLL_DISTRICTS * PLL_VILLAGES * PLL_STATIONS)

static double pll_sd[PLL_REGENCIES * PLL_DISTRICTS], pll_mean[PLL_REGENCIES * PLL_DISTRICTS];
static gsl_rng *pll_rng;

static void edit_small_counts(size_t k, int32_t *v, char *id)
{
    size_t s = k % PLL_STATIONS, vil = k / PLL_STATIONS % PLL_VILLAGES,
           d = k / (PLL_STATIONS * PLL_VILLAGES) % PLL_DISTRICTS,
           r = k / (PLL_STATIONS * PLL_VILLAGES * PLL_DISTRICTS);
    size_t dist = r * PLL_DISTRICTS + d;
    snprintf(id, 32, "32%02zu%02zu%04zu%03zu", r + 1, d + 1, vil + 1, s + 1);
    double eta = pll_mean[dist] + pll_sd[dist] * gsl_ran_gaussian(pll_rng, 1.0);
    int32_t x = (int32_t)gsl_ran_binomial(pll_rng, 1.0 / (1.0 + exp(-eta)), 204);
    v[SAKSI_F_INVALID] = x;
    v[SAKSI_F_VALID] = 204 - x;
    v[SAKSI_NFIXED] = 100 - (x - 4); /* the candidates still sum to valid */
}

/* The stations made by make (drawing from pll_rng, freed here), and their
 * baselines with the randomized PIT; integrity masks or none. */
static saksi_baselines *pll_baselines(fixture *fx, void (*make)(size_t, int32_t *, char *),
                                      int masks, int size_trend, int size_dispersion)
{
    fixture_run(fx, PLL_N, make);
    gsl_rng_free(pll_rng);
    saksi_baseline_options o;
    saksi_baseline_options_init(&o);
    o.randomized = 1;
    o.size_trend = size_trend;
    o.size_dispersion = size_dispersion;
    saksi_baselines *bl = NULL;
    saksi_error err = {0};
    assert_int_equal(saksi_baselines_run(fx->t, fx->rules, masks ? fx->fail : NULL, &o, &bl, &err),
                     SAKSI_OK);
    assert_int_equal(bl->tested[SAKSI_BM_INVALID], PLL_N);
    return bl;
}

/* The probit of a PIT, accurate in both tails. */
static double pit_probit(double u)
{
    return u < 0.5 ? gsl_cdf_ugaussian_Pinv(u) : gsl_cdf_ugaussian_Qinv(1.0 - u);
}

/* The chosen d0 of invalid votes; the share of randomized p below 0.05
 * and 0.01, the mean and skewness of the probit of the randomized PIT,
 * and the number of stations below their expectation whose PIT is above
 * one half. */
static double pll_prior_df(int heterogeneous, unsigned long seed, double below[5])
{
    pll_rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(pll_rng, seed);
    for (size_t d = 0; d < PLL_REGENCIES * PLL_DISTRICTS; d++) {
        double s2 = heterogeneous ? 4.0 * 0.25 / gsl_ran_chisq(pll_rng, 4.0) : 0.25;
        pll_sd[d] = sqrt(s2);
        pll_mean[d] = log(0.02 / 0.98) + 0.2 * gsl_ran_gaussian(pll_rng, 1.0);
    }
    fixture fx = {0};
    saksi_baselines *bl = pll_baselines(&fx, edit_small_counts, 1, 1, 1);
    double z1 = 0.0, z2 = 0.0, z3 = 0.0;
    below[0] = below[1] = below[4] = 0.0;
    for (size_t i = 0; i < PLL_N; i++) {
        int32_t x, n;
        saksi_baseline_rate(fx.t, SAKSI_BM_INVALID, i, &x, &n);
        double u = bl->pit[SAKSI_BM_INVALID * bl->n + i], p = 2.0 * (u < 0.5 ? u : 1.0 - u);
        double z = pit_probit(u);
        below[0] += (p < 0.05) / (double)PLL_N;
        below[1] += (p < 0.01) / (double)PLL_N;
        z1 += z / PLL_N;
        z2 += z * z / PLL_N;
        z3 += z * z * z / PLL_N;
        below[4] += x <= bl->expected[SAKSI_BM_INVALID * bl->n + i] && u > 0.5;
    }
    double var = z2 - z1 * z1;
    below[2] = z1;
    below[3] = (z3 - 3.0 * z1 * z2 + 2.0 * z1 * z1 * z1) / (var * sqrt(var));
    double d0 = bl->prior_df[SAKSI_BM_INVALID];
    saksi_baselines_free(bl);
    fixture_done(&fx);
    return d0;
}

/* Binomial SEs at 32,000 stations: 0.0012 at 0.05, 0.00056 at 0.01, and
 * for a standard normal's mean 0.0056 and skewness 0.014; the bounds are
 * ~4 SE (the stations of a district share their fit, so the SE is
 * somewhat larger). The PIT carries its side: counts of mean ~4 are
 * skewed right, so a count between the predictive's median and its mean
 * lies below the expectation with a PIT above one half (2,528 of 32,000
 * stations here). Rebuilt from the two-sided p and the side of the
 * expectation, as the calibration driver once did, every such PIT would
 * be below one half, and the probit's mean read -0.02 and its skewness
 * +0.04 to +0.07 (seeds 1-3). */
static void test_small_counts_prior_df(void **state)
{
    (void)state;
    double below[5], same = pll_prior_df(0, 2, below);
    printf("small counts' prior df, one heterogeneity: %.1f, p < .05 / .01: %.4f %.4f, PIT "
           "probit mean %+.4f skewness %+.4f\n",
           same, below[0], below[1], below[2], below[3]);
    assert_true(same > 100.0);
    assert_true(fabs(below[0] - 0.05) < 0.005 && fabs(below[1] - 0.01) < 0.0025);
    assert_true(fabs(below[2]) < 0.022 && fabs(below[3]) < 0.055);
    assert_true(below[4] > 1000.0);
    double differ = pll_prior_df(1, 2, below);
    printf("small counts' prior df, heterogeneous districts: %.2f\n", differ);
    assert_true(differ < 2.0);
}

/*
 * The size trend (size_trends.c mean_trend) on 32,000 stations laid out as
 * above, invalid votes drawn with logit p = district mean + beta (log r -
 * log 250) + 0.5 Z at registered sizes r = 250 exp(0.35 Z') and totals
 * n = 0.8 r (a generating slope the test knows). Its information at
 * beta = -0.5 is about sum n p (1 - p) d^2 / phi ~ 32,000 x 3.9 x 0.12 /
 * 2, an SE of ~0.012; the bound is 0.06, ~5 SE, and it holds the robust
 * score's small bias toward 0 (Huber's psi clips more of a skewed count's
 * upper side: -0.477 found here, -0.487 without psi). The PIT's probit
 * against log size tells whether the expectations follow the size:
 * without the trend its correlation is the shift's share of a count's
 * logit sd, about -0.5 x 0.35 / 0.75 ~ -0.2; with it, 0 within 0.03 (~5
 * SE at 32,000 stations). With no slope in the data the estimate's own
 * noise is shrunk away.
 */
static double trend_beta, trend_gamma, trend_rate = 0.02;

static void edit_trend(size_t k, int32_t *v, char *id)
{
    size_t s = k % PLL_STATIONS, vil = k / PLL_STATIONS % PLL_VILLAGES,
           d = k / (PLL_STATIONS * PLL_VILLAGES) % PLL_DISTRICTS,
           r = k / (PLL_STATIONS * PLL_VILLAGES * PLL_DISTRICTS);
    snprintf(id, 32, "32%02zu%02zu%04zu%03zu", r + 1, d + 1, vil + 1, s + 1);
    double l = 0.35 * gsl_ran_gaussian(pll_rng, 1.0);
    int32_t reg = (int32_t)lround(250.0 * exp(l)), n = (int32_t)lround(0.8 * reg);
    double sd = 0.5 * exp(0.5 * trend_gamma * l);
    double eta =
        pll_mean[r * PLL_DISTRICTS + d] + trend_beta * l + sd * gsl_ran_gaussian(pll_rng, 1.0);
    int32_t x = (int32_t)gsl_ran_binomial(pll_rng, 1.0 / (1.0 + exp(-eta)), (unsigned)n);
    v[SAKSI_F_INVALID] = x;
    v[SAKSI_F_TOTAL] = n;
    v[SAKSI_F_REGISTERED] = reg;
}

/* What a trend run measured: the PIT's probit against log size. */
typedef struct trend_result {
    double slope, gamma; /* the estimated mean and dispersion slopes */
    double corr;         /* the probit's correlation with log size */
    double sd[3];        /* its sd at registered below 215, 215-290, above 290 */
} trend_result;

/* Invalid votes at rate trend_rate with the mean slope beta and the
 * station sd's slope gamma generated; each trend on or off. */
static trend_result trend_run(double beta, double gamma, int mean, int dispersion)
{
    trend_result out;
    trend_beta = beta;
    trend_gamma = gamma;
    pll_rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(pll_rng, 11);
    for (size_t d = 0; d < PLL_REGENCIES * PLL_DISTRICTS; d++)
        pll_mean[d] = log(trend_rate / (1.0 - trend_rate)) + 0.2 * gsl_ran_gaussian(pll_rng, 1.0);
    fixture fx = {0};
    /* no integrity masks: the edited totals break the fixture's sums */
    saksi_baselines *bl = pll_baselines(&fx, edit_trend, 0, mean, dispersion);
    double sz = 0, sl = 0, szz = 0, sll = 0, szl = 0, band[3][3] = {{0}};
    for (size_t i = 0; i < PLL_N; i++) {
        double z = pit_probit(bl->pit[SAKSI_BM_INVALID * bl->n + i]);
        int32_t reg = (int32_t)saksi_table_get(fx.t, SAKSI_F_REGISTERED, i);
        double l = log(reg), *b = band[reg < 215 ? 0 : reg <= 290 ? 1 : 2];
        sz += z;
        sl += l;
        szz += z * z;
        sll += l * l;
        szl += z * l;
        b[0] += 1.0;
        b[1] += z;
        b[2] += z * z;
    }
    double k = PLL_N;
    out.corr = (szl - sz * sl / k) / sqrt((szz - sz * sz / k) * (sll - sl * sl / k));
    for (int j = 0; j < 3; j++)
        out.sd[j] = sqrt(band[j][2] / band[j][0] - pow(band[j][1] / band[j][0], 2));
    out.slope = bl->size_trend[SAKSI_BM_INVALID];
    out.gamma = bl->size_dispersion[SAKSI_BM_INVALID];
    saksi_baselines_free(bl);
    fixture_done(&fx);
    return out;
}

static void test_size_trend(void **state)
{
    (void)state;
    trend_rate = 0.02;
    trend_result on = trend_run(-0.5, 0.0, 1, 1), off = trend_run(-0.5, 0.0, 0, 1),
                 flat = trend_run(0.0, 0.0, 1, 1);
    printf("size trend: slope %+.4f (generated -0.5), PIT-size correlation %+.4f (%+.4f without "
           "the trend); no slope generated: %+.4f, correlation %+.4f\n",
           on.slope, on.corr, off.corr, flat.slope, flat.corr);
    assert_float_equal(on.slope, -0.5, 0.06);
    assert_float_equal(off.slope, 0.0, 0.0); /* off: nothing estimated */
    assert_true(off.corr < -0.1);
    assert_true(fabs(on.corr) < 0.03);
    assert_true(fabs(flat.slope) < 0.03 && fabs(flat.corr) < 0.03);
}

/*
 * The dispersion trend (size_trends.c dispersion_trend) on the same
 * layout, invalid votes at a rate of 0.3 (counts ~60, where the latent
 * variance, not the binomial, makes most of a count's spread) with the
 * station's logit sd 0.5 (r / 250)^(gamma / 2), gamma = -1.5. The trend
 * is estimated on the rate's scale (the count's variance through the
 * delta method, as the fits are), where the logistic compresses the
 * small stations' wider logits: the rate's latent variance falls as
 * r^-1.40 between r = 160 and 300 (by quadrature of Var logistic(logit
 * 0.3 + sd Z) at the two sds, numpy, 20,001 nodes). The estimate's
 * information is about sum s^2 d^2 / 2 with s ~ 0.8 the latent share of a
 * count's variance and d^2 ~ 0.12 (0.35^2): ~1,200, an SE of ~0.03; the
 * bound 0.15 is ~5 SE (-1.34 here). The PIT's probit tells whether the
 * variances follow the size: without the trend, a constant variance judged
 * small stations too narrowly and large ones too widely (sd 1.31 below r =
 * 215, 0.80 above 290 here); with it, 1 within 0.03 in each band (~10,000
 * stations each, SE 0.007). With no slope generated the estimate's noise
 * is shrunk away.
 */
static void test_size_dispersion(void **state)
{
    (void)state;
    trend_rate = 0.3;
    trend_result on = trend_run(0.0, -1.5, 1, 1), off = trend_run(0.0, -1.5, 1, 0),
                 flat = trend_run(0.0, 0.0, 1, 1);
    trend_rate = 0.02;
    printf("size dispersion: slope %+.4f (generated -1.5 on the logit, -1.40 on the rate), PIT sd "
           "by size %.4f %.4f %.4f (%.4f "
           "%.4f %.4f without it); none generated: %+.4f, sds %.4f %.4f %.4f\n",
           on.gamma, on.sd[0], on.sd[1], on.sd[2], off.sd[0], off.sd[1], off.sd[2], flat.gamma,
           flat.sd[0], flat.sd[1], flat.sd[2]);
    assert_float_equal(on.gamma, -1.40, 0.15);
    assert_float_equal(off.gamma, 0.0, 0.0); /* off: nothing estimated */
    assert_true(off.sd[0] > 1.2 && off.sd[2] < 0.9);
    for (int j = 0; j < 3; j++) {
        assert_float_equal(on.sd[j], 1.0, 0.03);
        assert_float_equal(flat.sd[j], 1.0, 0.03);
    }
    assert_true(fabs(flat.gamma) < 0.1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rates_and_masks),
        cmocka_unit_test(test_robust_z),
        cmocka_unit_test(test_student),
        cmocka_unit_test(test_logit_normal),
        cmocka_unit_test(test_skewed_mixing),
        cmocka_unit_test(test_paired_tail),
        cmocka_unit_test(test_simulated),
        cmocka_unit_test(test_village_layer),
        cmocka_unit_test(test_village_layer_small_counts),
        cmocka_unit_test(test_shrink_villages_simulated),
        cmocka_unit_test(test_small_counts_prior_df),
        cmocka_unit_test(test_size_trend),
        cmocka_unit_test(test_size_dispersion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
