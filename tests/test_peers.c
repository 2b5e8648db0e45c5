/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_peers.c — peer expectations: leave-one-out district fits shrunk to
 * the regency, strata kept apart, excluded stations no one's peer. The
 * expected values are the hand-derived moment fits of test_betabin.c.
 * LABELS: unit
 */
#include "test_support.h"

#include "analysis.h"

/* Moment fit from explicit pairs, the independent reference. */
static saksi_bb fit_pairs(const int *x, const int *n, int k)
{
    double N = 0, X = 0, NN = 0, S = 0;
    for (int i = 0; i < k; i++) {
        N += n[i];
        X += x[i];
        NN += (double)n[i] * n[i];
    }
    double p = X / N;
    for (int i = 0; i < k; i++)
        S += n[i] * ((double)x[i] / n[i] - p) * ((double)x[i] / n[i] - p);
    saksi_bb b = {1, p, (S / (p * (1 - p)) - (k - 1)) / (N - k + 1 - NN / N)};
    if (b.rho < 0)
        b.rho = 0;
    return b;
}

static void test_loo_and_shrink(void **state)
{
    (void)state;
    int present[SAKSI_NFIXED] = {0};
    present[SAKSI_F_REGISTERED] = present[SAKSI_F_VALID] = 1;
    const char *labels[] = {"01"};
    saksi_table *t = saksi_table_alloc(present, 1, labels);
    /* Regency 3201: district 320101 (A) with 10, 20, 30 of 100, district
     * 320102 (B) with 50, 60 of 100; plus an overseas-stratum station in A
     * (70 of 100) and a station with a missing count. */
    const char *ids[] = {"3201010001001", "3201010001002", "3201010001003", "3201020001001",
                         "3201020001002", "3201010001009", "3201010001008"};
    const int32_t x[] = {10, 20, 30, 50, 60, 70, SAKSI_MISSING};
    saksi_error err = {0};
    for (int k = 0; k < 7; k++) {
        int32_t v[SAKSI_NFIXED + 1];
        for (int f = 0; f <= SAKSI_NFIXED; f++)
            v[f] = SAKSI_MISSING;
        v[SAKSI_F_REGISTERED] = 100;
        v[SAKSI_F_VALID] = x[k];
        assert_int_equal(saksi_table_append(t, ids[k], 13, NULL, v, 0, 2, NULL, &err), SAKSI_OK);
    }
    assert_int_equal(saksi_table_finalize(t, &err), SAKSI_OK);
    /* canonical rows: A001 A002 A003 A008(missing) A009(overseas) B001 B002 */
    t->stratum[4] = SAKSI_STRATUM_OVERSEAS;
    saksi_bb out[7];
    saksi_peer_options opt;
    saksi_peer_options_init(&opt);
    const int fields[2] = {SAKSI_F_VALID, SAKSI_F_REGISTERED};
    assert_int_equal(saksi_peers_fit(t, saksi_rate_field_ratio, fields, NULL, &opt, out, &err),
                     SAKSI_OK);

    /* Station A003: district peers {10, 20}, regency peers {10, 20, 50, 60}. */
    const int n2[] = {100, 100}, n4[] = {100, 100, 100, 100};
    const int xa[] = {10, 20}, xr[] = {10, 20, 50, 60};
    saksi_bb a = fit_pairs(xa, n2, 2), r = fit_pairs(xr, n4, 4);
    double w = 2.0 / (2.0 + SAKSI_PEER_SHRINK_K0);
    assert_true(out[2].ok);
    assert_close(out[2].mu, w * a.mu + (1 - w) * r.mu, 1e-14);
    assert_close(out[2].rho, w * a.rho + (1 - w) * r.rho, 1e-14);
    /* By hand: regency p = 140/400 = 0.35, S = 66 - 49 = 17,
     * rho = (17 / 0.2275 - 3) / 297. */
    assert_close(r.rho, (17.0 / 0.2275 - 3.0) / 297.0, 1e-14);

    /* Station B002: district peer {50} alone (no fit), regency {10,20,30,50}. */
    const int xb[] = {10, 20, 30, 50};
    saksi_bb rb = fit_pairs(xb, n4, 4);
    assert_close(out[6].mu, rb.mu, 1e-14);
    assert_close(out[6].rho, rb.rho, 1e-14);
    /* The missing station has no rate; the overseas one has no peers. */
    assert_false(out[3].ok);
    assert_false(out[4].ok);

    /* Excluding A001 removes it from everyone's peers. */
    uint8_t excl[7] = {1, 0, 0, 0, 0, 0, 0};
    assert_int_equal(saksi_peers_fit(t, saksi_rate_field_ratio, fields, excl, &opt, out, &err),
                     SAKSI_OK);
    const int xr2[] = {20, 50, 60};
    saksi_bb r2 = fit_pairs(xr2, n4, 3);
    /* A003's district peers are now {20} alone: the regency fit stands. */
    assert_close(out[2].mu, r2.mu, 1e-14);
    /* A001 itself is still tested against everyone else in its strata. */
    assert_true(out[0].ok);
    saksi_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loo_and_shrink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
