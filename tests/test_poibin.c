/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_poibin.c — the Poisson-binomial null of the integer-percent test:
 * mean, variance, pmf and tails of the windowed dynamic programme against
 * brute-force enumeration of all 2^n outcomes, the saddlepoint against the
 * programme, the choice between them, and hand-computed small cases.
 * LABELS: unit
 */
#include "test_support.h"

#include "turnout.h"

/* Every outcome of n <= 20 trials: exact pmf by enumeration, independent
 * of the DP's recurrence. */
static void brute(const double *p, int n, double *pmf)
{
    for (int s = 0; s <= n; s++)
        pmf[s] = 0.0;
    for (uint32_t mask = 0; mask < (1u << n); mask++) {
        double pr = 1.0;
        int s = 0;
        for (int i = 0; i < n; i++) {
            if (mask >> i & 1u) {
                pr *= p[i];
                s++;
            } else {
                pr *= 1.0 - p[i];
            }
        }
        pmf[s] += pr;
    }
}

/* The whole distribution by the plain O(n^2) recurrence, untrimmed: the
 * reference for sums too long to enumerate. */
static void full_dp(const double *p, size_t n, double *pmf)
{
    pmf[0] = 1.0;
    for (size_t j = 0; j < n; j++) {
        pmf[j + 1] = pmf[j] * p[j];
        for (size_t s = j; s > 0; s--)
            pmf[s] = pmf[s] * (1.0 - p[j]) + pmf[s - 1] * p[j];
        pmf[0] *= 1.0 - p[j];
    }
}

/* A fixed pseudo-random sequence in (0, 1) (LCG; only needs to vary). */
static double lcg(uint64_t *st)
{
    *st = *st * 6364136223846793005ull + 1442695040888963407ull;
    return ((*st >> 11) + 0.5) / 9007199254740992.0;
}

static void test_hand_cases(void **state)
{
    (void)state;
    saksi_error err = {0};
    saksi_poibin_test t;
    /* Two trials 0.5 and 0.2 (by hand): P(0) = 0.4, P(1) = 0.5, P(2) = 0.1;
     * observed 1: tail P(S >= 1) = 0.6, mid-p 0.1 + 0.25 = 0.35. */
    const double p2[] = {0.5, 0.2};
    assert_int_equal(saksi_poibin_test_run(p2, 2, 1, &t, &err), SAKSI_OK);
    assert_int_equal(t.method, SAKSI_POIBIN_DP);
    assert_close(t.mean, 0.7, 1e-15);
    assert_close(t.var, 0.25 + 0.16, 1e-15);
    assert_close(t.tail, 0.6, 1e-15);
    assert_close(t.point, 0.5, 1e-15);
    assert_close(t.midp, 0.35, 1e-15);
    /* Certain trials shift the sum: {1, 1, 0.5}: S in {2, 3} each 1/2. */
    const double p3[] = {1.0, 1.0, 0.5, 0.0};
    assert_int_equal(saksi_poibin_test_run(p3, 4, 3, &t, &err), SAKSI_OK);
    assert_close(t.tail, 0.5, 1e-15);
    assert_close(t.midp, 0.25, 1e-15);
    assert_int_equal(saksi_poibin_test_run(p3, 4, 2, &t, &err), SAKSI_OK);
    assert_close(t.tail, 1.0, 1e-15);
    assert_close(t.midp, 0.75, 1e-15);
    /* Observed 0 of no trials: certain. */
    assert_int_equal(saksi_poibin_test_run(p3, 0, 0, &t, &err), SAKSI_OK);
    assert_close(t.tail, 1.0, 0);
    assert_close(t.midp, 0.5, 0);
}

static void test_dp_against_enumeration(void **state)
{
    (void)state;
    uint64_t st = 7;
    double p[16], exact[17], pmf[64];
    saksi_error err = {0};
    for (int rep = 0; rep < 40; rep++) {
        int n = 1 + rep % 16;
        for (int i = 0; i < n; i++)
            p[i] = rep % 5 == 0 ? 0.02 * lcg(&st) : lcg(&st);
        brute(p, n, exact);
        double mean = 0, var = 0, m, v;
        for (int s = 0; s <= n; s++)
            mean += s * exact[s];
        for (int s = 0; s <= n; s++)
            var += (s - mean) * (s - mean) * exact[s];
        saksi_poibin_moments(p, (size_t)n, &m, &v);
        assert_close(m, mean, 1e-12);
        assert_close(v, var, 1e-12);
        int64_t first;
        size_t len, cap = saksi_poibin_dp_cells(p, (size_t)n);
        double dropped;
        assert_true(cap <= 64);
        assert_true(cap >= 2);
        assert_int_equal(saksi_poibin_dp(p, (size_t)n, pmf, cap, &first, &len, &dropped, &err),
                         SAKSI_OK);
        /* Whatever the window leaves out is below 1e-28. */
        assert_true(dropped < 1e-28);
        for (int s = 0; s <= n; s++) {
            double got = s >= first && s < first + (int64_t)len ? pmf[s - first] : 0.0;
            assert_close(got, exact[s], 1e-14);
        }
        for (int k = 0; k <= n + 1; k++) {
            saksi_poibin_test t;
            double tail = 0.0, point = k <= n ? exact[k] : 0.0;
            for (int s = k; s <= n; s++)
                tail += exact[s];
            assert_int_equal(saksi_poibin_test_run(p, (size_t)n, k, &t, &err), SAKSI_OK);
            if (t.method == SAKSI_POIBIN_DP) {
                assert_close(t.tail, tail, 1e-13);
                assert_close(t.midp, tail - 0.5 * point, 1e-13);
            } else { /* beyond the window: saddlepoint, a tiny tail */
                assert_true(tail < 1e-12);
            }
        }
    }
}

/* The saddlepoint against the exact programme on larger sums: the upper
 * tail P(S >= k) (the test's side) within 0.1% relative wherever it is
 * below 1/2 up to mean + 12 sd, within 10% beyond (tails below 1e-25, at
 * the edge of the support); the lower side, 1 - P(S >= k), within 1e-3
 * absolute (there p is near 1 and decides nothing). */
static void test_saddlepoint_against_dp(void **state)
{
    (void)state;
    uint64_t st = 11;
    const size_t sizes[] = {50, 400, 3000};
    for (size_t z = 0; z < 3; z++) {
        size_t n = sizes[z];
        double *p = malloc(n * sizeof *p);
        for (size_t i = 0; i < n; i++)
            p[i] = 0.02 + 0.3 * lcg(&st); /* integer-percent probabilities: 2-32% */
        double *pmf = malloc((n + 1) * sizeof *pmf), worst = 0, worst_low = 0, worst_far = 0;
        int64_t first = 0;
        size_t len = n + 1;
        full_dp(p, n, pmf);
        double m, v;
        saksi_poibin_moments(p, n, &m, &v);
        for (int64_t k = first + 1; k < first + (int64_t)len; k++) {
            double tail = 0.0;
            for (int64_t s = k; s < first + (int64_t)len; s++)
                tail += pmf[s - first];
            if (tail < 1e-250) continue;
            double sp = saksi_poibin_saddle_tail(p, n, k);
            if (tail <= 0.5 && (double)k <= m + 12.0 * sqrt(v)) {
                double rel = fabs(sp - tail) / tail;
                worst = rel > worst ? rel : worst;
            } else if (tail <= 0.5) { /* beyond the DP window, where the test uses it */
                double rel = fabs(sp - tail) / tail;
                worst_far = rel > worst_far ? rel : worst_far;
            } else {
                worst_low = fabs(sp - tail) > worst_low ? fabs(sp - tail) : worst_low;
            }
        }
        printf("n = %zu (mean %.1f): saddlepoint upper tail worst relative error %.2e within "
               "mean + 12 sd, %.2e beyond; lower side worst absolute error %.2e\n",
               n, m, worst, worst_far, worst_low);
        assert_true(worst < 1e-3);
        assert_true(worst_far < 0.1);
        assert_true(worst_low < 1e-3);
        assert_true(v > 0.0);
        free(p);
        free(pmf);
    }
}

/* The windowed DP on a sum too wide to hold: the dropped mass is
 * negligible and the window tail matches the full programme. */
static void test_window(void **state)
{
    (void)state;
    saksi_error err = {0};
    size_t n = 20000;
    double *p = malloc(n * sizeof *p), *full = malloc((n + 1) * sizeof *full);
    uint64_t st = 3;
    for (size_t i = 0; i < n; i++)
        p[i] = 0.1 * lcg(&st);
    size_t cap = saksi_poibin_dp_cells(p, n), len_w;
    double *win = malloc(cap * sizeof *win), dropped;
    int64_t first_w;
    assert_true(cap < n / 4);
    assert_int_equal(saksi_poibin_dp(p, n, win, cap, &first_w, &len_w, &dropped, &err), SAKSI_OK);
    full_dp(p, n, full);
    printf("window %zu cells for %zu trials, dropped %.3g\n", cap, n, dropped);
    assert_true(dropped < 1e-28);
    for (size_t k = 0; k < len_w; k++)
        assert_close(win[k], full[first_w + (int64_t)k], 1e-15);
    /* The test itself picks the DP here (n x window = 20000 x ~650). */
    saksi_poibin_test t;
    assert_int_equal(saksi_poibin_test_run(p, n, first_w + (int64_t)len_w / 2, &t, &err), SAKSI_OK);
    assert_int_equal(t.method, SAKSI_POIBIN_DP);
    /* Far beyond the window: the saddlepoint answers. */
    assert_int_equal(saksi_poibin_test_run(p, n, first_w + (int64_t)len_w + 100, &t, &err),
                     SAKSI_OK);
    assert_int_equal(t.method, SAKSI_POIBIN_SADDLEPOINT);
    assert_true(t.tail < 1e-30 && t.tail >= 0.0);
    assert_string_equal(saksi_poibin_method_name(t.method), "saddlepoint");
    assert_string_equal(saksi_poibin_method_name(99), "?");
    free(p);
    free(full);
    free(win);
}

/* Large sums go to the saddlepoint, whose mid-p agrees with the exact
 * programme run with a window wide enough. */
static void test_large_region(void **state)
{
    (void)state;
    saksi_error err = {0};
    size_t n = 200000;
    double *p = malloc(n * sizeof *p);
    uint64_t st = 5;
    for (size_t i = 0; i < n; i++)
        p[i] = 0.05 + 0.1 * lcg(&st);
    double m, v;
    saksi_poibin_moments(p, n, &m, &v);
    int64_t obs = (int64_t)(m + 2.5 * sqrt(v));
    saksi_poibin_test t;
    assert_int_equal(saksi_poibin_test_run(p, n, obs, &t, &err), SAKSI_OK);
    assert_int_equal(t.method, SAKSI_POIBIN_SADDLEPOINT);
    /* The windowed DP (exact within mean +- 12 sd) as the reference. */
    size_t cap = saksi_poibin_dp_cells(p, n), len;
    double *pmf = malloc(cap * sizeof *pmf), dropped, above = 0.0;
    int64_t first;
    assert_int_equal(saksi_poibin_dp(p, n, pmf, cap, &first, &len, &dropped, &err), SAKSI_OK);
    for (int64_t s = obs + 1; s < first + (int64_t)len; s++)
        above += pmf[s - first];
    double midp = above + 0.5 * pmf[obs - first];
    assert_close(t.midp, midp, 1e-4 * midp);
    free(p);
    free(pmf);
}

static void test_errors(void **state)
{
    (void)state;
    saksi_error err = {0};
    double p[1] = {0.5}, pmf[1];
    int64_t first;
    size_t len;
    double dropped;
    assert_int_equal(saksi_poibin_dp(p, 1, pmf, 1, &first, &len, &dropped, &err),
                     SAKSI_ERR_INTERNAL);
    assert_non_null(strstr(err.message, "window of 1 cells"));
    /* Saddlepoint at the ends is exact. */
    assert_close(saksi_poibin_saddle_tail(p, 1, 0), 1.0, 0);
    assert_close(saksi_poibin_saddle_tail(p, 1, 2), 0.0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_cases),
        cmocka_unit_test(test_dp_against_enumeration),
        cmocka_unit_test(test_saddlepoint_against_dp),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_large_region),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
