/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_peers.c — peer expectations: leave-one-out district fits shrunk to
 * the regency, strata kept apart, excluded stations no one's peer; the
 * leave-village-out variant, and inputs without villages. The
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
    saksi_bb b = {.ok = 1, .mu = p, .rho = (S / (p * (1 - p)) - (k - 1)) / (N - k + 1 - NN / N)};
    if (b.rho < 0)
        b.rho = 0;
    return b;
}

/* A table of k stations, valid votes x[i] of 100 registered each; each
 * station's regions from regions[i] when given, else from its TPS id. */
static saksi_table *table_of_regions(const char *const *ids,
                                     const char *const (*regions)[SAKSI_NLEVELS], const int32_t *x,
                                     int k)
{
    int present[SAKSI_NFIXED] = {0};
    present[SAKSI_F_REGISTERED] = present[SAKSI_F_VALID] = 1;
    const char *labels[] = {"01"};
    saksi_table *t = saksi_table_alloc(present, 1, labels);
    saksi_error err = {0};
    for (int i = 0; i < k; i++) {
        int32_t v[SAKSI_NFIXED + 1];
        for (int f = 0; f <= SAKSI_NFIXED; f++)
            v[f] = SAKSI_MISSING;
        v[SAKSI_F_REGISTERED] = 100;
        v[SAKSI_F_VALID] = x[i];
        assert_int_equal(saksi_table_append(t, ids[i], strlen(ids[i]), regions ? regions[i] : NULL,
                                            v, 0, 2, NULL, &err),
                         SAKSI_OK);
    }
    assert_int_equal(saksi_table_finalize(t, &err), SAKSI_OK);
    return t;
}

static saksi_table *table_of(const char *const *ids, const int32_t *x, int k)
{
    return table_of_regions(ids, NULL, x, k);
}

/* Peer fits of every station of t (valid of registered), leaving the
 * village out or the station; stations marked in excl are no one's peer. */
static double village_share = 0.0; /* fit_all's saksi_peer_options.village_share */

static void fit_all(const saksi_table *t, int leave_out_village, const uint8_t *excl,
                    saksi_bb *out)
{
    saksi_peer_options opt;
    saksi_peer_options_init(&opt);
    opt.leave_out_village = leave_out_village;
    opt.village_share = village_share;
    const int fields[2] = {SAKSI_F_VALID, SAKSI_F_REGISTERED};
    saksi_error err = {0};
    assert_int_equal(saksi_peers_fit(t, saksi_rate_field_ratio, fields, excl, &opt, out, NULL, NULL, &err),
                     SAKSI_OK);
}

/* The fit of a station whose district peers are {10, 20} and regency
 * peers {10, 20, 50, 60}, of 100 each: the district's shrunk toward the
 * regency's with weight 2 / (2 + k0). */
static void assert_fit_of_10_20_in_10_20_50_60(const saksi_bb *fit)
{
    const int n2[] = {100, 100}, n4[] = {100, 100, 100, 100};
    const int xa[] = {10, 20}, xr[] = {10, 20, 50, 60};
    saksi_bb a = fit_pairs(xa, n2, 2), r = fit_pairs(xr, n4, 4);
    double w = 2.0 / (2.0 + SAKSI_PEER_SHRINK_K0);
    assert_true(fit->ok);
    assert_close(fit->mu, w * a.mu + (1 - w) * r.mu, 1e-14);
    assert_close(fit->rho, w * a.rho + (1 - w) * r.rho, 1e-14);
    /* By hand: regency p = 140/400 = 0.35, S = 66 - 49 = 17,
     * rho = (17 / 0.2275 - 3) / 297. */
    assert_close(r.rho, (17.0 / 0.2275 - 3.0) / 297.0, 1e-14);
}

static void test_loo_and_shrink(void **state)
{
    (void)state;
    /* Regency 3201: district 320101 (A) with 10, 20, 30 of 100, district
     * 320102 (B) with 50, 60 of 100; plus an overseas-stratum station in A
     * (70 of 100) and a station with a missing count. */
    const char *ids[] = {"3201010001001", "3201010001002", "3201010001003", "3201020001001",
                         "3201020001002", "3201010001009", "3201010001008"};
    const int32_t x[] = {10, 20, 30, 50, 60, 70, SAKSI_MISSING};
    saksi_table *t = table_of(ids, x, 7);
    /* canonical rows: A001 A002 A003 A008(missing) A009(overseas) B001 B002 */
    t->stratum[4] = SAKSI_STRATUM_OVERSEAS;
    saksi_bb out[7];
    fit_all(t, 0, NULL, out);

    /* Station A003: district peers {10, 20}, regency peers {10, 20, 50, 60}. */
    assert_fit_of_10_20_in_10_20_50_60(&out[2]);

    /* Station B002: district peer {50} alone (no fit), regency {10,20,30,50}. */
    const int n4[] = {100, 100, 100, 100}, xb[] = {10, 20, 30, 50};
    saksi_bb rb = fit_pairs(xb, n4, 4);
    assert_close(out[6].mu, rb.mu, 1e-14);
    assert_close(out[6].rho, rb.rho, 1e-14);
    /* The missing station has no rate; the overseas one has no peers. */
    assert_false(out[3].ok);
    assert_false(out[4].ok);

    /* Excluding A001 removes it from everyone's peers. */
    uint8_t excl[7] = {1, 0, 0, 0, 0, 0, 0};
    fit_all(t, 0, excl, out);
    const int xr2[] = {20, 50, 60};
    saksi_bb r2 = fit_pairs(xr2, n4, 3);
    /* A003's district peers are now {20} alone: the regency fit stands. */
    assert_close(out[2].mu, r2.mu, 1e-14);
    /* A001 itself is still tested against everyone else in its strata. */
    assert_true(out[0].ok);
    saksi_table_free(t);
}

/* Leave-village-out: regency 3201, district A (320101) with village 1
 * {10, 20}, village 2 {30, 40}, village 3 {50} and an overseas station in
 * village 1 (70); district B (320102) village 1 {60, 80}. Every count of
 * 100. */
static void test_leave_out_village(void **state)
{
    (void)state;
    const char *ids[] = {"3201010001001", "3201010001002", "3201010002001", "3201010002002",
                         "3201010003001", "3201010001009", "3201020001001", "3201020001002"};
    const int32_t x[] = {10, 20, 30, 40, 50, 70, 60, 80};
    saksi_table *t = table_of(ids, x, 8);
    /* canonical rows: A1-001 A1-002 A1-009 A2-001 A2-002 A3-001 B1-001 B1-002 */
    t->stratum[2] = SAKSI_STRATUM_OVERSEAS;
    saksi_bb out[8];
    fit_all(t, 1, NULL, out);
    const int n3[] = {100, 100, 100}, n5[] = {100, 100, 100, 100, 100};
    double w = 3.0 / (3.0 + SAKSI_PEER_SHRINK_K0);
    /* A1-001: district peers {30, 40, 50} (its village mate 20 left out),
     * regency {30, 40, 50, 60, 80}. */
    const int xa[] = {30, 40, 50}, xr[] = {30, 40, 50, 60, 80};
    saksi_bb a = fit_pairs(xa, n3, 3), r = fit_pairs(xr, n5, 5);
    assert_close(out[0].mu, w * a.mu + (1 - w) * r.mu, 1e-14);
    assert_close(out[0].rho, w * a.rho + (1 - w) * r.rho, 1e-14);
    assert_close(out[1].mu, out[0].mu, 1e-14); /* its mate: the same peers */
    /* A3-001, alone in its village: peers {10, 20, 30, 40}, as leave-one-out. */
    const int xa3[] = {10, 20, 30, 40}, xr3[] = {10, 20, 30, 40, 60, 80};
    const int n4[] = {100, 100, 100, 100}, n6[] = {100, 100, 100, 100, 100, 100};
    saksi_bb a3 = fit_pairs(xa3, n4, 4), r3 = fit_pairs(xr3, n6, 6);
    double w4 = 4.0 / (4.0 + SAKSI_PEER_SHRINK_K0);
    assert_close(out[5].mu, w4 * a3.mu + (1 - w4) * r3.mu, 1e-14);
    assert_close(out[5].rho, w4 * a3.rho + (1 - w4) * r3.rho, 1e-14);
    /* The overseas station keeps leave-one-out in its own stratum: alone. */
    assert_false(out[2].ok);
    /* District B is one village: nothing local is left, the regency's
     * other villages {10, 20, 30, 40, 50} stand. */
    const int xb[] = {10, 20, 30, 40, 50};
    saksi_bb rb = fit_pairs(xb, n5, 5);
    assert_close(out[6].mu, rb.mu, 1e-14);
    assert_close(out[7].rho, rb.rho, 1e-14);
    /* With a village share (f = 0.5) the peers' villages count: A1-001's
     * peers are villages 2 {30, 40} and 3 {50}, q = 2^2 + 1^2 = 5, and its
     * mate's the same; A3-001's are villages 1 {10, 20} and 2 {30, 40},
     * q = 8. The numbers themselves: test_betabin's hand arithmetic. */
    village_share = 0.5;
    fit_all(t, 1, NULL, out);
    village_share = 0.0;
    saksi_bb_sums sa = {0}, sa3 = {0};
    for (int i = 0; i < 3; i++)
        saksi_bb_sums_add(&sa, xa[i], 100, 1.0);
    for (int i = 0; i < 4; i++)
        saksi_bb_sums_add(&sa3, xa3[i], 100, 1.0);
    saksi_bb want, want3;
    double within;
    saksi_bb_shrink_villages(&a, &sa, 5.0, 0.5, &r, SAKSI_PEER_SHRINK_K0, &want, &within);
    saksi_bb_shrink_villages(&a3, &sa3, 8.0, 0.5, &r3, SAKSI_PEER_SHRINK_K0, &want3, &within);
    assert_close(out[0].mu, want.mu, 1e-14);
    assert_close(out[0].rho, want.rho, 1e-14);
    assert_close(out[1].rho, want.rho, 1e-14);
    assert_close(out[5].mu, want3.mu, 1e-14);
    assert_close(out[5].rho, want3.rho, 1e-14);
    /* Three peers in two villages weigh less than three: the district
     * counts for less than with f = 0 */
    assert_true(fabs(want.mu - r.mu) < w * fabs(a.mu - r.mu));
    /* District B, one village: the regency's other villages, as before. */
    assert_close(out[6].mu, rb.mu, 1e-14);
    assert_close(out[7].rho, rb.rho, 1e-14);
    /* An excluded mate is no one's peer and is itself judged by the others
     * outside its village (it is not left out twice). */
    uint8_t excl[8] = {0, 1, 0, 0, 0, 0, 0, 0};
    fit_all(t, 1, excl, out);
    assert_close(out[0].mu, w * a.mu + (1 - w) * r.mu, 1e-14);
    assert_close(out[1].mu, w * a.mu + (1 - w) * r.mu, 1e-14);
    saksi_table_free(t);
}

/* An input that names no villages (Russia's files: region and TIK only;
 * Poland's: down to the gmina) puts each district in one unnamed village.
 * Leaving that out would leave a station no peers at all (it did: 96,585
 * of 97,699 Russian 2018 stations went untested); with no village to
 * leave out, leave-village-out is leave-one-out. Regency R: district D1
 * {10, 20, 30}, district D2 {50, 60}. */
static void test_no_village_codes(void **state)
{
    (void)state;
    const char *ids[] = {"R/1", "R/2", "R/3", "R/4", "R/5"};
    static const char *const regions[5][SAKSI_NLEVELS] = {
        {NULL, "P", "R", "D1", NULL}, {NULL, "P", "R", "D1", NULL}, {NULL, "P", "R", "D1", NULL},
        {NULL, "P", "R", "D2", NULL}, {NULL, "P", "R", "D2", NULL}};
    const int32_t x[] = {10, 20, 30, 50, 60};
    saksi_table *t = table_of_regions(ids, regions, x, 5);
    for (size_t i = 0; i < 5; i++)
        assert_false(saksi_station_has_village(t, i));
    saksi_bb out[5];
    fit_all(t, 1, NULL, out);
    for (size_t i = 0; i < 5; i++)
        assert_true(out[i].ok);
    /* R/3: district peers {10, 20}, regency {10, 20, 50, 60} */
    assert_fit_of_10_20_in_10_20_50_60(&out[2]);
    saksi_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loo_and_shrink),
        cmocka_unit_test(test_leave_out_village),
        cmocka_unit_test(test_no_village_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
