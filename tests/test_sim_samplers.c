/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_sim_samplers.c — the simulator's random streams and samplers
 * (datasets/generator/distributions.c) against their keying, moments and
 * exact pmfs, and its single-digit-edit test against an independent
 * enumerator.
 * LABELS: unit
 */
#include "sim_checks.h"

/* ------------------------------------------------------------------ */
/* Samplers                                                             */
/* ------------------------------------------------------------------ */

#define DRAWS 200000
#define NSE   5.0 /* tolerance in standard errors of the estimate */

/* The stream keys Philox with the seed and counts (entity, purpose, block). */
static void test_stream_keying(void **state)
{
    (void)state;
    saksi_sim_stream s;
    saksi_sim_stream_init(&s, 0x0123456789abcdefull, 0xfedcba9876543210ull, 5);
    saksi_philox_ctr c0 = {{0x76543210u, 0xfedcba98u, 5u, 0u}},
                     c1 = {{0x76543210u, 0xfedcba98u, 5u, 1u}};
    saksi_philox_ctr b0 = saksi_philox4x32_10(c0, 0x89abcdefu, 0x01234567u);
    saksi_philox_ctr b1 = saksi_philox4x32_10(c1, 0x89abcdefu, 0x01234567u);
    for (int j = 0; j < 4; j++)
        assert_int_equal(saksi_sim_u32(&s), b0.v[j]);
    assert_int_equal(saksi_sim_u32(&s), b1.v[0]);
    /* a station's stream is keyed by the FNV-1a hash of its id */
    assert_int_equal(saksi_sim_code_hash(1101012001001ull, 13),
                     saksi_hash_bytes("1101012001001", 13));
    char buf[16];
    saksi_sim_code_string(7501, 4, buf);
    assert_string_equal(buf, "7501");
    saksi_sim_code_string(99, 6, buf);
    assert_string_equal(buf, "000099");
}

/* Binomial mean and variance against n p and n p q. The sample mean has
 * standard error sqrt(npq / N); the sample variance about
 * sqrt((mu4 - s^4) / N) with the binomial fourth central moment
 * mu4 = npq (1 + 3 (n - 2) p q). Cases cover both tails of inversion (p
 * above 1/2 by symmetry) and Knuth's splitting (n > 1024). */
static void test_binomial_moments(void **state)
{
    (void)state;
    const struct {
        int32_t n;
        double p;
    } cases[] = {{10, 0.3},    {250, 0.8},    {300, 0.5}, {1000, 0.02},
                 {5000, 0.37}, {100000, 0.6}, {1, 0.3}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int32_t n = cases[c].n;
        double p = cases[c].p, q = 1.0 - p, s1 = 0.0, s2 = 0.0;
        saksi_sim_stream s;
        saksi_sim_stream_init(&s, 99, c, SAKSI_SIM_STREAM_TEST);
        for (int i = 0; i < DRAWS; i++) {
            int32_t x = saksi_sim_binomial(&s, n, p);
            assert_true(x >= 0 && x <= n);
            s1 += x;
            s2 += (double)x * x;
        }
        double mean = s1 / DRAWS, var = (s2 - DRAWS * mean * mean) / (DRAWS - 1);
        double v = n * p * q, mu4 = v * (1.0 + 3.0 * (n - 2) * p * q);
        printf("Bin(%d, %.2f): mean %.4f (np %.4f), var %.4f (npq %.4f)\n", n, p, mean, n * p, var,
               v);
        assert_close(mean, n * p, NSE * sqrt(v / DRAWS));
        assert_close(var, v, NSE * sqrt((mu4 - v * v) / DRAWS));
    }
    saksi_sim_stream s;
    saksi_sim_stream_init(&s, 1, 2, SAKSI_SIM_STREAM_TEST);
    assert_int_equal(saksi_sim_binomial(&s, 0, 0.5), 0);
    assert_int_equal(saksi_sim_binomial(&s, 7, 0.0), 0);
    assert_int_equal(saksi_sim_binomial(&s, 7, 1.0), 7);
}

/* The whole pmf of Bin(10, 0.3): Pearson chi-square of 200,000 draws
 * against the exact probabilities C(10,k) 0.3^k 0.7^(10-k), with k >= 7
 * pooled (expected counts >= 5): 8 cells, 7 df, 0.999 quantile 24.32. */
static void test_binomial_pmf(void **state)
{
    (void)state;
    double obs[8] = {0}, chi = 0.0;
    saksi_sim_stream s;
    saksi_sim_stream_init(&s, 7, 7, SAKSI_SIM_STREAM_TEST);
    for (int i = 0; i < DRAWS; i++) {
        int32_t x = saksi_sim_binomial(&s, 10, 0.3);
        obs[x < 7 ? x : 7] += 1.0;
    }
    double pk = pow(0.7, 10), tail = 1.0;
    for (int k = 0; k < 8; k++) {
        double e = k < 7 ? pk : tail;
        chi += (obs[k] - DRAWS * e) * (obs[k] - DRAWS * e) / (DRAWS * e);
        tail -= pk;
        pk *= (10.0 - k) / (k + 1.0) * (0.3 / 0.7);
    }
    printf("Bin(10, 0.3) chi-square %.2f on 7 df\n", chi);
    assert_true(chi < 24.32);
}

/* Gamma(a): mean a, variance a, fourth central moment 3a^2 + 6a. */
static void test_gamma_beta_normal(void **state)
{
    (void)state;
    const double shapes[] = {0.5, 1.0, 2.5, 50.0};
    saksi_sim_stream s;
    for (size_t c = 0; c < 4; c++) {
        double a = shapes[c], s1 = 0.0, s2 = 0.0;
        saksi_sim_stream_init(&s, 3, c, SAKSI_SIM_STREAM_TEST);
        for (int i = 0; i < DRAWS; i++) {
            double x = saksi_sim_gamma(&s, a);
            assert_true(x > 0.0);
            s1 += x;
            s2 += x * x;
        }
        double mean = s1 / DRAWS, var = (s2 - DRAWS * mean * mean) / (DRAWS - 1);
        assert_close(mean, a, NSE * sqrt(a / DRAWS));
        assert_close(var, a, NSE * sqrt((2.0 * a * a + 6.0 * a) / DRAWS));
    }
    /* Beta(2, 5): mean 2/7, variance 10 / (49 * 8); the variance of a
     * Beta is below 1/4, so sd of the sample mean < sqrt(var / N) */
    double s1 = 0.0, s2 = 0.0;
    saksi_sim_stream_init(&s, 4, 0, SAKSI_SIM_STREAM_TEST);
    for (int i = 0; i < DRAWS; i++) {
        double x = saksi_sim_beta(&s, 2.0, 5.0);
        assert_true(x > 0.0 && x < 1.0);
        s1 += x;
        s2 += x * x;
    }
    double var_b = 10.0 / (49.0 * 8.0), mean = s1 / DRAWS;
    assert_close(mean, 2.0 / 7.0, NSE * sqrt(var_b / DRAWS));
    assert_close((s2 - DRAWS * mean * mean) / (DRAWS - 1), var_b, 0.02 * var_b);
    /* normal: mean 0 (se 1/sqrt N), variance 1 (se sqrt(2/N)) */
    s1 = s2 = 0.0;
    saksi_sim_stream_init(&s, 5, 0, SAKSI_SIM_STREAM_TEST);
    for (int i = 0; i < DRAWS; i++) {
        double x = saksi_sim_normal(&s);
        s1 += x;
        s2 += x * x;
    }
    assert_close(s1 / DRAWS, 0.0, NSE / sqrt(DRAWS));
    assert_close(s2 / DRAWS, 1.0, NSE * sqrt(2.0 / DRAWS));
    /* uniform on [0, 1): mean 1/2, se sqrt(1/12 / N) */
    s1 = 0.0;
    saksi_sim_stream_init(&s, 6, 0, SAKSI_SIM_STREAM_TEST);
    for (int i = 0; i < DRAWS; i++) {
        double u = saksi_sim_uniform(&s);
        assert_true(u >= 0.0 && u < 1.0);
        s1 += u;
    }
    assert_close(s1 / DRAWS, 0.5, NSE * sqrt(1.0 / 12.0 / DRAWS));
}

/* below(7) uniform (chi-square, 6 df, 0.999 quantile 22.46); multinomial
 * sums to n with means n p_k (se sqrt(n p (1-p) / N)); Dirichlet sums to 1
 * with means alpha_k / sum(alpha) (variance below 1/4). */
static void test_discrete_and_vectors(void **state)
{
    (void)state;
    saksi_sim_stream s;
    double cnt[7] = {0}, chi = 0.0;
    saksi_sim_stream_init(&s, 8, 0, SAKSI_SIM_STREAM_TEST);
    for (int i = 0; i < DRAWS; i++)
        cnt[saksi_sim_below(&s, 7)] += 1.0;
    for (int k = 0; k < 7; k++)
        chi += (cnt[k] - DRAWS / 7.0) * (cnt[k] - DRAWS / 7.0) / (DRAWS / 7.0);
    assert_true(chi < 22.46);

    const double p[3] = {0.2, 0.5, 0.3};
    double m[3] = {0};
    int32_t out[3];
    saksi_sim_stream_init(&s, 9, 0, SAKSI_SIM_STREAM_TEST);
    for (int i = 0; i < DRAWS; i++) {
        saksi_sim_multinomial(&s, 200, p, 3, out);
        assert_int_equal(out[0] + out[1] + out[2], 200);
        for (int k = 0; k < 3; k++)
            m[k] += out[k];
    }
    for (int k = 0; k < 3; k++)
        assert_close(m[k] / DRAWS, 200 * p[k], NSE * sqrt(200 * p[k] * (1 - p[k]) / DRAWS));

    const double alpha[3] = {1.0, 2.0, 3.0};
    double d[3], dm[3] = {0};
    saksi_sim_stream_init(&s, 10, 0, SAKSI_SIM_STREAM_TEST);
    for (int i = 0; i < DRAWS; i++) {
        saksi_sim_dirichlet(&s, alpha, 3, d);
        assert_close(d[0] + d[1] + d[2], 1.0, 1e-12);
        for (int k = 0; k < 3; k++)
            dm[k] += d[k];
    }
    for (int k = 0; k < 3; k++)
        assert_close(dm[k] / DRAWS, alpha[k] / 6.0, NSE * sqrt(0.25 / DRAWS));
}

/* The library's own single-edit test on hand-made cases. */
static void test_single_edit(void **state)
{
    (void)state;
    assert_true(saksi_sim_single_edit(105, 5));   /* drop the 1 ("05") */
    assert_true(saksi_sim_single_edit(5, 105));   /* the other direction */
    assert_true(saksi_sim_single_edit(12, 21));   /* swap */
    assert_true(saksi_sim_single_edit(137, 737)); /* change 1 -> 7 */
    assert_true(saksi_sim_single_edit(38, 388));  /* insert */
    assert_false(saksi_sim_single_edit(10, 32));
    assert_false(saksi_sim_single_edit(0, 11));
    assert_false(saksi_sim_single_edit(250, 263));
    assert_false(saksi_sim_single_edit(7, 7));
    assert_false(saksi_sim_single_edit(-1, 1));
    /* and it agrees with the test's own enumerator on a range */
    for (long a = 0; a < 400; a += 7)
        for (long b = 0; b < 1200; b++)
            if (a != b)
                assert_int_equal(saksi_sim_single_edit(a, b), edit_reach(a, b) || edit_reach(b, a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_keying),        cmocka_unit_test(test_binomial_moments),
        cmocka_unit_test(test_binomial_pmf),         cmocka_unit_test(test_gamma_beta_normal),
        cmocka_unit_test(test_discrete_and_vectors), cmocka_unit_test(test_single_edit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
