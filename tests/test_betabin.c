/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_betabin.c — the beta-binomial null: pmf against closed forms, the
 * method-of-moments fit against hand arithmetic, leave-one-out by sums,
 * shrinkage, the wide mean's error against the pmf's variances, and mid-p
 * values against direct sums.
 * LABELS: unit
 */
#include "test_support.h"

#include "analysis.h"

/* BetaBin(3, a=2, b=3), i.e. mu = 2/5 and rho = 1/(a+b+1) = 1/6:
 * pmf(k) = C(3,k) B(k+2, 6-k) / B(2,3) with B(2,3) = 1/12 gives
 * 12/42, 12/35, 36/140, 12/105 (hand arithmetic with factorials). */
static void test_pmf_closed_form(void **state)
{
    (void)state;
    double p[4];
    saksi_bb_pmf(3, 0.4, 1.0 / 6.0, p);
    assert_close(p[0], 12.0 / 42.0, 1e-14);
    assert_close(p[1], 12.0 / 35.0, 1e-14);
    assert_close(p[2], 36.0 / 140.0, 1e-14);
    assert_close(p[3], 12.0 / 105.0, 1e-14);
    /* a = b = 1 (mu = 1/2, rho = 1/3) is uniform on 0..n. */
    double u[11];
    saksi_bb_pmf(10, 0.5, 1.0 / 3.0, u);
    for (int k = 0; k <= 10; k++)
        assert_close(u[k], 1.0 / 11.0, 1e-14);
    /* rho = 0 is the binomial: Bin(4, 0.25) pmf(1) = 4 * 0.25 * 0.75^3. */
    double bn[5];
    saksi_bb_pmf(4, 0.25, 0.0, bn);
    assert_close(bn[1], 4 * 0.25 * 0.421875, 1e-15);
    assert_close(bn[4], 0.00390625, 1e-16);
    /* Degenerate rates put all mass at an end. */
    saksi_bb_pmf(4, 0.0, 0.1, bn);
    assert_close(bn[0], 1.0, 0.0);
    /* Large n with a rescale: the mass still sums to 1 and the mean is n mu. */
    static double big[3001];
    saksi_bb_pmf(3000, 0.9, 0.01, big);
    double sum = 0, mean = 0;
    for (int k = 0; k <= 3000; k++) {
        sum += big[k];
        mean += k * big[k];
    }
    assert_close(sum, 1.0, 1e-12);
    assert_close(mean, 2700.0, 1e-8);
}

/* Three stations of 100 with 10, 20, 30: p = 0.2, S = 100 (0.01 + 0 +
 * 0.01) = 2, sums K - 1 = 2 and N - K + 1 - sum n^2 / N = 198, so
 * rho = (2 / 0.16 - 2) / 198 = 10.5 / 198 (hand arithmetic). */
static void test_fit_by_hand(void **state)
{
    (void)state;
    saksi_bb_sums s = {0};
    saksi_bb fit;
    saksi_bb_sums_add(&s, 10, 100, 1);
    saksi_bb_sums_add(&s, 20, 100, 1);
    saksi_bb_sums_add(&s, 30, 100, 1);
    assert_true(saksi_bb_fit(&s, &fit));
    assert_close(fit.mu, 0.2, 1e-15);
    assert_close(fit.rho, 10.5 / 198.0, 1e-14);
    /* Leave the third out by subtraction: 10/100 and 20/100 give p = 0.15,
     * S = 100 (0.0025 + 0.0025) = 0.5, sums 1 and 200 - 2 + 1 - 100 = 99,
     * rho = (0.5 / 0.1275 - 1) / 99. */
    saksi_bb_sums_add(&s, 30, 100, -1);
    assert_true(saksi_bb_fit(&s, &fit));
    assert_close(fit.mu, 0.15, 1e-15);
    assert_close(fit.rho, (0.5 / 0.1275 - 1.0) / 99.0, 1e-13);
    /* Identical rates are under-dispersed: rho is 0 (binomial), not < 0. */
    saksi_bb_sums u = {0};
    for (int k = 0; k < 5; k++)
        saksi_bb_sums_add(&u, 50, 200, 1);
    assert_true(saksi_bb_fit(&u, &fit));
    assert_close(fit.rho, 0.0, 0.0);
    /* One station is not enough. */
    saksi_bb_sums one = {0};
    saksi_bb_sums_add(&one, 5, 10, 1);
    assert_false(saksi_bb_fit(&one, &fit));
}

/* The moment fit recovers rho from a large simulated beta-binomial sample:
 * n = 250, mu = 0.3, rho = 0.02 drawn exactly by inverting the pmf with a
 * fixed low-discrepancy sequence (u_k = (k + 0.5) / K), so the sample
 * moments match the model's to O(1/K). */
static void test_fit_recovers_rho(void **state)
{
    (void)state;
    static double p[251], cdf[251];
    saksi_bb_pmf(250, 0.3, 0.02, p);
    cdf[0] = p[0];
    for (int k = 1; k <= 250; k++)
        cdf[k] = cdf[k - 1] + p[k];
    saksi_bb_sums s = {0};
    const int K = 20000;
    for (int i = 0; i < K; i++) {
        double u = (i + 0.5) / K;
        int x = 0;
        while (x < 250 && cdf[x] < u)
            x++;
        saksi_bb_sums_add(&s, x, 250, 1);
    }
    saksi_bb fit;
    assert_true(saksi_bb_fit(&s, &fit));
    assert_close(fit.mu, 0.3, 2e-4);
    assert_close(fit.rho, 0.02, 5e-4);
    assert_close(fit.size_log, log(250.0), 1e-11); /* one size, 20,000 sums' rounding */
    /* sizes 100 and 300: sum n log n / sum n = (100 log 100 + 300 log 300)
     * / 400, the size-weighted mean log size, and leaving the 300 out
     * gives log 100 */
    saksi_bb_sums two = {0};
    saksi_bb_sums_add(&two, 30, 100, 1);
    saksi_bb_sums_add(&two, 60, 300, 1);
    saksi_bb_sums_add(&two, 40, 100, 1);
    assert_true(saksi_bb_fit(&two, &fit));
    assert_close(fit.size_log, (200.0 * log(100.0) + 300.0 * log(300.0)) / 500.0, 1e-14);
    saksi_bb_sums_add(&two, 60, 300, -1);
    assert_true(saksi_bb_fit(&two, &fit));
    assert_close(fit.size_log, log(100.0), 1e-12);
}

static void test_shrink_and_midp(void **state)
{
    (void)state;
    saksi_bb local = {.ok = 1, .mu = 0.5, .rho = 0.1}, wide = {.ok = 1, .mu = 0.3, .rho = 0.02},
             out, none = {0};
    /* 10 local stations against k0 = 10: halfway; with 30 wide peers the
     * mean of the mix rests on 1 / (0.25 / 10 + 0.25 / 30) = 30 stations,
     * and on the wide fit's 30 where fewer than 2 are local. */
    local.size_log = log(200.0);
    wide.size_log = log(400.0);
    saksi_bb_shrink(&local, 10, &wide, 10, &out);
    assert_close(out.mu, 0.4, 1e-15);
    assert_close(out.rho, 0.06, 1e-15);
    /* the peers' log size is mixed as the mean is: halfway */
    assert_close(out.size_log, 0.5 * log(80000.0), 1e-14);
    assert_close(saksi_shrunk_peers(10, 30, 10), 30.0, 1e-13);
    assert_close(saksi_shrunk_peers(1, 30, 10), 30.0, 0.0);
    saksi_bb_shrink(&none, 0, &wide, 10, &out);
    assert_close(out.mu, 0.3, 0.0);

    /* Uniform on 0..10: x = 0 has P(X<0) + P/2 = 1/22, so mid-p = 2/22;
     * the middle x = 5 gets min(5.5/11, 5.5/11) * 2 = 1. */
    double u[11];
    saksi_bb_pmf(10, 0.5, 1.0 / 3.0, u);
    assert_close(saksi_bb_midp(0, 10, u), 2.0 / 22.0, 1e-14);
    assert_close(saksi_bb_midp(5, 10, u), 1.0, 1e-14);
    assert_close(saksi_bb_midp(8, 10, u), 2.0 * (2.0 / 11.0 + 0.5 / 11.0), 1e-14);
}

/*
 * Peers in villages (saksi_bb_shrink_villages), by hand: 4 local peers of
 * 100 each in two villages of 2 (q = 8), fitted rho 0.1 at mu 0.5; the
 * village share f = 0.5; the regency's fit mu 0.3, rho 0.02; k0 = 2.
 *   spread = 0.5 + 0.5 (4 - 8/4) / 3 = 5/6, so W = 0.1 / (5/6) = 0.12
 *   b = (1 - 0.12) / 100 = 0.0088, latent share 0.12 / 0.1288
 *   k_e = 1 / (0.5 (0.12 / 0.1288) 8 / 16 + (1 - 0.5 (0.12 / 0.1288)) / 4)
 *       = 161 / 59 (2.73 stations' worth where there are 4)
 *   w = k_e / (k_e + 2) = 161 / 279
 *   mu = 0.3 + 0.2 (161 / 279) = 0.415412186...
 *   rho = W + (W + b) / (k_e + k0) = 0.12 + 0.1288 (59 / 279) = 0.147237276...
 * With f = 0 it is saksi_bb_shrink with k_local = 4.
 */
static void test_shrink_villages(void **state)
{
    (void)state;
    saksi_bb_sums sums = {0};
    for (int i = 0; i < 4; i++)
        saksi_bb_sums_add(&sums, 50, 100, 1.0); /* only k and n are read */
    saksi_bb local = {.ok = 1, .mu = 0.5, .rho = 0.1}, wide = {.ok = 1, .mu = 0.3, .rho = 0.02};
    saksi_bb out, plain;
    double within;
    assert_int_equal(saksi_bb_shrink_villages(&local, &sums, 8.0, 0.5, &wide, 2.0, &out, &within),
                     1);
    assert_close(out.mu, 0.3 + 0.2 * 161.0 / 279.0, 1e-14);
    assert_close(out.rho, 0.12 + 0.1288 * 59.0 / 279.0, 1e-14);
    assert_close(within, 0.12, 1e-15);
    assert_int_equal(saksi_bb_shrink_villages(&local, &sums, 8.0, 0.0, &wide, 2.0, &out, &within),
                     0);
    saksi_bb_shrink(&local, 4.0, &wide, 2.0, &plain);
    assert_close(out.mu, plain.mu, 0.0);
    assert_close(out.rho, plain.rho, 0.0);
    assert_close(within, plain.rho, 0.0);
    /* The clustered count: f = 0 is k; f = 1 with 4 equal villages of 5
     * is the 4 villages; f = 0.5, sizes 2 and 2: 1 / (0.25 + 0.125) = 8/3. */
    assert_close(saksi_clustered_peers(0.0, 20.0, 100.0), 20.0, 1e-14);
    assert_close(saksi_clustered_peers(1.0, 20.0, 100.0), 4.0, 1e-14);
    assert_close(saksi_clustered_peers(0.5, 4.0, 8.0), 8.0 / 3.0, 1e-14);
}

/*
 * The error of a wide fit's size-weighted mean (saksi_bb_wide_error):
 * stations of 100, 100, 200 and 400 at mu 0.3, rho 0.1. By hand, sum n^2
 * / N^2 = 220,000 / 640,000 = 0.34375 and the error in rho's units is
 * 0.1 x 0.34375 + 0.9 / 800 = 0.0355. Independently, from the pmf: the
 * variance of sum x / N is sum Var(x_i) / N^2, each Var(x_i) summed from
 * saksi_bb_pmf, over mu (1 - mu). Shrunk with w = 3 / (3 + 1.5) = 2/3 it
 * adds 0.0355 / 9 to the shrunk rho 0.05.
 */
static void test_wide_error(void **state)
{
    (void)state;
    const int sizes[4] = {100, 100, 200, 400};
    static double p[401];
    saksi_bb_sums ws = {0};
    double var = 0.0;
    for (int i = 0; i < 4; i++) {
        saksi_bb_sums_add(&ws, 0.3 * sizes[i], sizes[i], 1.0); /* only k, n, nn are read */
        saksi_bb_pmf(sizes[i], 0.3, 0.1, p);
        double m1 = 0.0, m2 = 0.0;
        for (int k = 0; k <= sizes[i]; k++) {
            m1 += k * p[k];
            m2 += (double)k * k * p[k];
        }
        var += m2 - m1 * m1;
    }
    double from_pmf = var / (800.0 * 800.0) / (0.3 * 0.7);
    assert_close(from_pmf, 0.0355, 1e-9);
    saksi_bb wide = {.ok = 1, .mu = 0.3, .rho = 0.1}, local = {.ok = 1, .mu = 0.4, .rho = 0.04};
    saksi_bb shrunk = {.ok = 1, .mu = 0.35, .rho = 0.05};
    assert_close(saksi_bb_wide_error(&shrunk, &local, 3.0, &wide, &ws, 1.5), 0.05 + from_pmf / 9.0,
                 1e-12);
    /* no local peers (or a regency of one district): the whole error */
    assert_close(saksi_bb_wide_error(&shrunk, &local, 0.0, &wide, &ws, 1.5), 0.05 + from_pmf,
                 1e-12);
    /* nothing added: no wide fit, or a sum that would reach 1 */
    saksi_bb none = {0}, near = {.ok = 1, .mu = 0.35, .rho = 0.99};
    assert_close(saksi_bb_wide_error(&shrunk, &local, 3.0, &none, &ws, 1.5), 0.05, 0.0);
    assert_close(saksi_bb_wide_error(&near, &none, 0.0, &wide, &ws, 1.5), 0.99, 0.0);
}

/*
 * The df of a shrunk fit's variance (saksi_shrunk_variance_peers), by
 * hand: local rho 0.04 from 4 peers, wide rho 0.1 from 17, k0 = 2, so w =
 * 2/3, a = 0.0266667, c = 0.0333333, (a + c)^2 = 0.0036, and a^2 / 3 + c^2
 * / 16 = 0.000306481: 11.7462 df, 12.7462 stations. The mean's count for
 * the same fit is 1 / ((4/9) / 4 + (1/9) / 17) = 8.5 (saksi_shrunk_peers).
 * Without a local fit it is the wide fit's 17; with no spread, 0.
 */
static void test_shrunk_variance_peers(void **state)
{
    (void)state;
    saksi_bb local = {.ok = 1, .mu = 0.3, .rho = 0.04}, wide = {.ok = 1, .mu = 0.3, .rho = 0.1};
    saksi_bb none = {0}, flat = {.ok = 1, .mu = 0.3, .rho = 0.0};
    assert_close(saksi_shrunk_variance_peers(&local, 4.0, &wide, 17.0, 2.0),
                 1.0 + 0.0036 / (0.04 * 0.04 * 4.0 / 9.0 / 3.0 + 0.01 / 9.0 / 16.0), 1e-12);
    assert_close(saksi_shrunk_variance_peers(&local, 4.0, &wide, 17.0, 2.0), 12.7462, 1e-4);
    assert_close(saksi_shrunk_peers(4.0, 17.0, 2.0), 8.5, 1e-12);
    assert_close(saksi_shrunk_variance_peers(&none, 0.0, &wide, 17.0, 2.0), 17.0, 1e-12);
    assert_close(saksi_shrunk_variance_peers(&flat, 4.0, &flat, 17.0, 2.0), 0.0, 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pmf_closed_form),
        cmocka_unit_test(test_fit_by_hand),
        cmocka_unit_test(test_fit_recovers_rho),
        cmocka_unit_test(test_shrink_villages),
        cmocka_unit_test(test_shrink_and_midp),
        cmocka_unit_test(test_wide_error),
        cmocka_unit_test(test_shrunk_variance_peers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
