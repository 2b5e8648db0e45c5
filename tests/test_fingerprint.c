/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_fingerprint.c — known answers of the fingerprint family: station
 * bins by hand, the histograms of a small table, the turnout definition and
 * the leader, the integer samplers against CDFs computed here with libm's
 * erf, the fraud model's moments against their closed forms, the fit
 * recovering (f_i, f_e) planted in its own model, resampling, and the error
 * paths.
 * LABELS: unit
 */
#include "fingerprint_fixture.h"

#include <math.h>

#define PI 3.14159265358979323846

/* Standard normal CDF and density, from libm (independent of GSL's). */
static double Phi(double z)
{
    return 0.5 * (1.0 + erf(z / sqrt(2.0)));
}
static double phi(double z)
{
    return exp(-0.5 * z * z) / sqrt(2.0 * PI);
}

/* ------------------------------------------------------------------ */
/* Bins                                                                */
/* ------------------------------------------------------------------ */

static void test_station_codes(void **state)
{
    (void)state;
    const int32_t M = SAKSI_MISSING;
    /* 200/250 = 0.80 -> turnout bin 80; 120/196 = 0.612 -> share bin 61. */
    assert_int_equal(saksi_fp_station_code(250, 200, 120, 196, 100, 100), 80 * 100 + 61);
    /* 100% on both axes goes to the closed last bin, not out of range. */
    assert_int_equal(saksi_fp_station_code(250, 250, 196, 196, 100, 100), 99 * 100 + 99);
    /* Exact boundaries go up: 125/250 = 0.50 -> 50; 50/100 -> 50. */
    assert_int_equal(saksi_fp_station_code(250, 125, 50, 100, 100, 100), 50 * 100 + 50);
    /* 1/3 = 0.333 -> 33 on both. */
    assert_int_equal(saksi_fp_station_code(3, 1, 1, 3, 100, 100), 33 * 100 + 33);
    /* 7 x 3 bins: 7 * 200 / 250 = 5.6 -> 5; 3 * 120 / 196 = 1.84 -> 1. */
    assert_int_equal(saksi_fp_station_code(250, 200, 120, 196, 7, 3), 5 * 3 + 1);
    /* Zero turnout with votes cast by added voters: turnout bin 0. */
    assert_int_equal(saksi_fp_station_code(250, 0, 3, 4, 100, 100), 0 * 100 + 75);
    /* Reasons, in their order of precedence. */
    assert_int_equal(saksi_fp_station_code(M, -1, 1, 1, 100, 100), SAKSI_FP_MISSING);
    assert_int_equal(saksi_fp_station_code(250, 200, M, 196, 100, 100), SAKSI_FP_MISSING);
    assert_int_equal(saksi_fp_station_code(250, -1, 1, 1, 100, 100), SAKSI_FP_NEGATIVE);
    assert_int_equal(saksi_fp_station_code(0, 0, 0, 0, 100, 100), SAKSI_FP_NO_REGISTERED);
    assert_int_equal(saksi_fp_station_code(250, 251, 1, 2, 100, 100), SAKSI_FP_TURNOUT_ABOVE);
    assert_int_equal(saksi_fp_station_code(250, 0, 0, 0, 100, 100), SAKSI_FP_NO_VALID);
    assert_int_equal(saksi_fp_station_code(250, 200, 197, 196, 100, 100), SAKSI_FP_SHARE_ABOVE);
    assert_string_equal(saksi_fp_reason_name(SAKSI_FP_TURNOUT_ABOVE), "turnout_above_100");
    assert_string_equal(saksi_fp_reason_name(SAKSI_FP_MISSING), "missing");
    assert_string_equal(saksi_fp_reason_name(0), "?");
    assert_string_equal(saksi_fp_reason_name(-7), "?");
}

/* Two provinces (11, 12); stations chosen so each bin is hand-checkable. */
static const fx_station small[] = {
    {"1101010001001", 250, 200, 196, 120, 76},          /* 80 x 61 */
    {"1101010001002", 250, 200, 196, 120, 76},          /* 80 x 61 again */
    {"1101010001003", 100, 50, 50, 25, 25},             /* 50 x 50 */
    {"1101010001004", 100, 101, 90, 45, 45},            /* turnout above 100% */
    {"1201010001001", 300, 150, 150, 150, 0},           /* 50 x 99 */
    {"1201010001002", 300, 0, 0, 0, 0},                 /* no valid votes */
    {"1201010001003", 0, 0, 0, 0, 0},                   /* no registered */
    {"1201010001004", 200, SAKSI_MISSING, 100, 50, 50}, /* missing */
};

static void test_histograms_cpu(void **state)
{
    (void)state;
    saksi_table *t = fx_table(small, sizeof small / sizeof small[0]);
    /* Station 1201010001001 is a special TPS: its own stratum. */
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(saksi_table_id(t, i), "1201010001001") == 0)
            t->stratum[i] = SAKSI_STRATUM_SPECIAL;
    const int32_t *cols[4];
    assert_int_equal(saksi_fp_turnout_field(t), SAKSI_F_VOTERS_DPT);
    /* Leader: cand 01 has 120+120+25+45+150+50 = 510 > 76+76+25+45+50 = 272. */
    assert_int_equal(saksi_fp_leader(t), 0);
    saksi_fp_columns(t, SAKSI_F_VOTERS_DPT, 0, cols);
    size_t nh = 2 * SAKSI_NSTRATA, nb = 100 * 100;
    uint32_t *hist = calloc(nh * nb, 4), *reasons = calloc(nh * SAKSI_FP_NREASONS, 4);
    int32_t code[8];
    saksi_fp_bin_cpu(t, cols, 100, 100, 0, t->n, code, hist, reasons);
    const size_t reg0 = 0 * SAKSI_NSTRATA + SAKSI_STRATUM_REGULAR;
    const size_t reg1 = 1 * SAKSI_NSTRATA + SAKSI_STRATUM_REGULAR;
    const size_t spc1 = 1 * SAKSI_NSTRATA + SAKSI_STRATUM_SPECIAL;
    assert_int_equal(hist[reg0 * nb + 8061], 2);
    assert_int_equal(hist[reg0 * nb + 5050], 1);
    assert_int_equal(hist[spc1 * nb + 5099], 1);
    uint64_t total = 0;
    for (size_t k = 0; k < nh * nb; k++)
        total += hist[k];
    assert_int_equal(total, 4);
    assert_int_equal(reasons[reg0 * SAKSI_FP_NREASONS + 3], 1); /* turnout above */
    assert_int_equal(reasons[reg1 * SAKSI_FP_NREASONS + 4], 1); /* no valid */
    assert_int_equal(reasons[reg1 * SAKSI_FP_NREASONS + 2], 1); /* no registered */
    assert_int_equal(reasons[reg1 * SAKSI_FP_NREASONS + 0], 1); /* missing */
    /* A partial range writes its codes from code[0]. */
    saksi_fp_bin_cpu(t, cols, 100, 100, 2, 4, code, hist, reasons);
    assert_int_equal(code[0], 5050);
    assert_int_equal(code[1], SAKSI_FP_TURNOUT_ABOVE);

    /* The fit set: regular stations with a bin, by province. */
    saksi_fp_fitset fs;
    saksi_error err = {0};
    int32_t full[8];
    saksi_fp_bin_cpu(t, cols, 100, 100, 0, t->n, full, hist, reasons);
    assert_int_equal(saksi_fp_fitset_from_table(t, full, cols, 1, NULL, &fs, &err), SAKSI_OK);
    assert_int_equal(fs.n, 3);
    assert_int_equal(fs.count[0], 3);
    assert_int_equal(fs.count[1], 0); /* its one binned station is special */
    assert_int_equal(fs.first[1], 3);
    assert_close(fs.turnout[0], 0.8, 1e-15);
    assert_close(fs.share[0], 120.0 / 196.0, 1e-15);
    saksi_fp_fitset_free(&fs);
    uint8_t mask[2] = {0, 1};
    assert_int_equal(saksi_fp_fitset_from_table(t, full, cols, 0, mask, &fs, &err), SAKSI_OK);
    assert_int_equal(fs.n, 0);
    saksi_fp_fitset_free(&fs);
    free(hist);
    free(reasons);
    saksi_table_free(t);
}

static void test_turnout_field(void **state)
{
    (void)state;
    int present[SAKSI_NFIXED] = {0};
    const char *labels[] = {"A"};
    present[SAKSI_F_REGISTERED] = 1;
    saksi_table *t = saksi_table_alloc(present, 1, labels);
    assert_int_equal(saksi_fp_turnout_field(t), -1);
    saksi_table_free(t);
    present[SAKSI_F_VOTERS_TOTAL] = 1;
    t = saksi_table_alloc(present, 1, labels);
    assert_int_equal(saksi_fp_turnout_field(t), SAKSI_F_VOTERS_TOTAL);
    saksi_table_free(t);
    present[SAKSI_F_TOTAL] = 1; /* total wins over voters_total ... */
    t = saksi_table_alloc(present, 1, labels);
    assert_int_equal(saksi_fp_turnout_field(t), SAKSI_F_TOTAL);
    saksi_table_free(t);
    present[SAKSI_F_VOTERS_DPT] = 1; /* ... and the DPT list over both */
    t = saksi_table_alloc(present, 1, labels);
    assert_int_equal(saksi_fp_turnout_field(t), SAKSI_F_VOTERS_DPT);
    saksi_table_free(t);
}

/* ------------------------------------------------------------------ */
/* Samplers                                                            */
/* ------------------------------------------------------------------ */

static void test_cell_search(void **state)
{
    (void)state;
    uint32_t thr[SAKSI_FP_CELLS];
    /* Cells 0: [0,10), 1: [10,20), 2: empty, 3: [20,30), the rest empty
     * except the last, which takes everything from 30 up. */
    for (int k = 0; k < SAKSI_FP_CELLS; k++)
        thr[k] = 30;
    thr[0] = 10;
    thr[1] = 20;
    thr[2] = 20;
    thr[SAKSI_FP_CELLS - 1] = 0xFFFFFFFFu;
    assert_int_equal(saksi_fp_cell(thr, 0), 0);
    assert_int_equal(saksi_fp_cell(thr, 9), 0);
    assert_int_equal(saksi_fp_cell(thr, 10), 1);
    assert_int_equal(saksi_fp_cell(thr, 19), 1);
    assert_int_equal(saksi_fp_cell(thr, 20), 3);
    assert_int_equal(saksi_fp_cell(thr, 29), 3);
    assert_int_equal(saksi_fp_cell(thr, 30), SAKSI_FP_CELLS - 1);
    assert_int_equal(saksi_fp_cell(thr, 0xFFFFFFFFu), SAKSI_FP_CELLS - 1);
    /* Q16: cell 3 and fine bits 5 -> 3 * 64 + 5; only 6 fine bits count. */
    assert_int_equal(saksi_fp_draw_q16(thr, 25, 5 | 0x40), 3 * 64 + 5);
    /* Thresholds of fractions. */
    assert_int_equal(saksi_fp_threshold(0.0), 0);
    assert_int_equal(saksi_fp_threshold(-1.0), 0);
    assert_true(saksi_fp_threshold(1.0) == (uint64_t)1 << 32);
    assert_true(saksi_fp_threshold(0.5) == (uint64_t)1 << 31);
    assert_true(saksi_fp_threshold(1.0 / 512) == (uint64_t)1 << 23);
}

static void test_tables(void **state)
{
    (void)state;
    saksi_fp_fair f = {0.5, 0.1, 0.3, 0.05, 0.125};
    uint32_t *tab = malloc(SAKSI_FP_SET_WORDS * sizeof *tab);
    saksi_fp_tables(&f, tab);
    for (int t = 0; t < SAKSI_FP_NTABLES; t++) {
        const uint32_t *thr = tab + t * SAKSI_FP_CELLS;
        for (int k = 1; k < SAKSI_FP_CELLS; k++)
            assert_true(thr[k] >= thr[k - 1]);
        assert_int_equal(thr[SAKSI_FP_CELLS - 1], 0xFFFFFFFFu);
    }
    /* Turnout N(0.5, 0.1) on [0, 1] is symmetric: half below 0.5 (the end
     * of cell 511). */
    assert_close((double)tab[511], 2147483648.0, 1.0);
    /* Share N(0.3, 0.05) truncated: F(0.25) at the end of cell 255, from
     * erf: (Phi(-1) - Phi(-6)) / (Phi(14) - Phi(-6)). */
    double F = (Phi(-1.0) - Phi(-6.0)) / (Phi(14.0) - Phi(-6.0));
    assert_close((double)tab[SAKSI_FP_CELLS + 255], floor(F * 4294967296.0), 2.0);
    /* Incremental |N(0, 0.125)| on [0, 1]: F(0.125) = (2 Phi(1) - 1) /
     * (2 Phi(8) - 1) at the end of cell 127. */
    F = (2 * Phi(1.0) - 1) / (2 * Phi(8.0) - 1);
    assert_close((double)tab[2 * SAKSI_FP_CELLS + 127], floor(F * 4294967296.0), 2.0);
    /* Extreme 1 - |N(0, 0.075)|: P(x <= 0.875) = P(|Z| >= 0.125 / 0.075),
     * at the end of cell 895. */
    double c = 0.125 / SAKSI_FP_EXTREME_SD, z1 = 1.0 / SAKSI_FP_EXTREME_SD;
    F = 1.0 - (2 * Phi(c) - 1) / (2 * Phi(z1) - 1);
    assert_close((double)tab[3 * SAKSI_FP_CELLS + 895], floor(F * 4294967296.0), 2.0);
    free(tab);
}

/* Mean of a normal (mu, sd) truncated to [0, 1] and its variance. */
static void truncated_moments(double mu, double sd, double *mean, double *var)
{
    double a = -mu / sd, b = (1.0 - mu) / sd, Z = Phi(b) - Phi(a);
    double r = (phi(a) - phi(b)) / Z;
    *mean = mu + sd * r;
    *var = sd * sd * (1.0 + (a * phi(a) - b * phi(b)) / Z - r * r);
}

/* E[X] and E[X^2] of X = s |Z| truncated to X <= 1. */
static void half_moments(double s, double *m1, double *m2)
{
    double c = 1.0 / s, Z = 2.0 * Phi(c) - 1.0;
    *m1 = s * sqrt(2.0 / PI) * (1.0 - exp(-0.5 * c * c)) / Z;
    *m2 = s * s * (1.0 - 2.0 * c * phi(c) / Z);
}

static void test_model_moments(void **state)
{
    (void)state;
    const size_t N = 40000;
    const int32_t n = 1000000; /* large: the integer floors add < 1e-5 */
    saksi_fp_fair f = {0.7, 0.08, 0.55, 0.1, 0.15};
    uint32_t *tab = malloc(SAKSI_FP_SET_WORDS * sizeof *tab);
    saksi_fp_tables(&f, tab);
    double sa = 0, saa = 0, sv = 0, sxi = 0, sxi2 = 0, sxe = 0, sxe2 = 0;
    size_t below = 0;
    const uint64_t thr = saksi_fp_threshold(0.3);
    for (size_t k = 0; k < N; k++) {
        saksi_fp_counts c = saksi_fp_model_counts(tab, n, 0x1234567ull * (k + 1), 7, 2024, 0, 2);
        double a = (double)c.t / n, v = (double)c.w / (double)c.t;
        sa += a;
        saa += a * a;
        sv += v;
        /* Stuffing x = stuffed / non-voters; stealing x^2 = stolen / opponents. */
        sxi += (double)(c.t_incr - c.t) / (double)(n - c.t);
        sxi2 += (double)(c.w_incr - c.w - (c.t_incr - c.t)) / (double)(c.t - c.w);
        sxe += (double)(c.t_extreme - c.t) / (double)(n - c.t);
        sxe2 += (double)(c.w_extreme - c.w - (c.t_extreme - c.t)) / (double)(c.t - c.w);
        below += c.u < thr;
        /* Invariants: nobody beyond the register, the winner within the votes. */
        assert_true(c.t >= 0 && c.t <= n && c.w >= 0 && c.w <= c.t);
        assert_true(c.t_incr <= n && c.w_incr <= c.t_incr && c.t_extreme <= n &&
                    c.w_extreme <= c.t_extreme);
    }
    double ma, va, mv, vv, m1, m2;
    truncated_moments(f.a0, f.sa, &ma, &va);
    truncated_moments(f.v0, f.sv, &mv, &vv);
    /* 4 standard errors of a mean of N draws. */
    assert_close(sa / N, ma, 4 * sqrt(va / N));
    assert_close(saa / N - (sa / N) * (sa / N), va, 0.05 * va);
    assert_close(sv / N, mv, 4 * sqrt(vv / N));
    half_moments(f.theta, &m1, &m2);
    assert_close(sxi / N, m1, 4 * sqrt((m2 - m1 * m1) / N));
    /* alpha = 2: opponents lose x^2; E[x^2] within 4 SE (sd of x^2 <= 2 E[x^2]). */
    assert_close(sxi2 / N, m2, 4 * 2 * m2 / sqrt((double)N));
    half_moments(SAKSI_FP_EXTREME_SD, &m1, &m2);
    assert_close(sxe / N, 1.0 - m1, 4 * sqrt((m2 - m1 * m1) / N));
    /* E[(1 - Y)^2] = 1 - 2 E[Y] + E[Y^2]. */
    assert_close(sxe2 / N, 1.0 - 2 * m1 + m2, 4 * sqrt(4 * (m2 - m1 * m1) / N) + 1e-4);
    /* The fraud word is uniform: P(u < threshold(0.3)) = 0.3. */
    assert_close((double)below / N, 0.3, 4 * sqrt(0.21 / N));
    free(tab);
}

/* ------------------------------------------------------------------ */
/* Fit                                                                 */
/* ------------------------------------------------------------------ */

/* A fit set of m stations of n registered, the model's own fair part, and
 * observed bins drawn from the model at (ki, ke) with other replicates. */
static void model_fitset(saksi_fp_fitset *fs, size_t m, uint32_t ki, uint32_t ke)
{
    saksi_error err = {0};
    saksi_fp_fair f = {0.75, 0.06, 0.5, 0.08, 0.2};
    assert_int_equal(saksi_fp_fitset_alloc(fs, m, 1, &err), SAKSI_OK);
    fs->count[0] = m;
    for (size_t i = 0; i < m; i++) {
        fs->registered[i] = 200 + (int32_t)(i % 100);
        fs->hash[i] = 0x9E3779B97F4A7C15ull * (i + 1);
        fs->turnout[i] = 0.75; /* replaced below by the true fair part */
        fs->share[i] = 0.5;
    }
    assert_int_equal(saksi_fp_fitset_prepare(fs, 99, 100, 100, 2, &err), SAKSI_OK);
    fs->fair[0] = f;
    saksi_fp_tables(&f, fs->tables);
    uint64_t ti = (uint64_t)ki << 23, tie = (uint64_t)(ki + ke) << 23;
    for (size_t i = 0; i < m; i++) {
        saksi_fp_draw d = saksi_fp_simulate_draw(fs->tables, fs->registered[i], fs->hash[i], 100000,
                                                 fs->key0, fs->key1, 2, 100, 100);
        uint32_t b = saksi_fp_classify(d.u, ti, tie, d.b_clean, d.b_incr, d.b_extreme);
        fs->bin[i] = b == SAKSI_FP_NO_BIN ? 0 : b;
    }
}

static void test_fit_recovers(void **state)
{
    (void)state;
    saksi_error err = {0};
    saksi_fp_backend be;
    assert_int_equal(saksi_fp_backend_cpu(&be, &err), SAKSI_OK);
    static const uint32_t truth[][2] = {{0, 0}, {64, 16}, {128, 5}, {20, 40}};
    for (size_t c = 0; c < sizeof truth / sizeof truth[0]; c++)
        for (int obj = 0; obj < 2; obj++) {
            saksi_fp_fitset fs;
            saksi_fp_fit fit;
            model_fitset(&fs, 20000, truth[c][0], truth[c][1]);
            fs.objective = obj;
            /* 20,000 stations: 5 replicates reach SAKSI_FP_MIN_DRAWS. */
            assert_int_equal(fs.fit_reps[0], 5);
            assert_int_equal(be.bind(be.ctx, &fs, &err), SAKSI_OK);
            assert_int_equal(saksi_fp_fit_all(&fs, &be, 0, NULL, &fit, &err), SAKSI_OK);
            double fi = truth[c][0] / 512.0, fe = truth[c][1] / 512.0;
            if (getenv("FP_VERBOSE"))
                fprintf(stderr, "case %zu objective %d: fit (%g, %g), planted (%g, %g)\n", c, obj,
                        fit.fi, fit.fe, fi, fe);
            /* Within two grid steps of the second level (1/32) for f_i, and
             * 1/128 for f_e, whose stations sit alone near 100%. */
            if (fabs(fit.fi - fi) > 2.0 / 32 || fabs(fit.fe - fe) > 1.0 / 128)
                fail_msg("case %zu objective %d: fit (%g, %g), planted (%g, %g)", c, obj, fit.fi,
                         fit.fe, fi, fe);
            assert_int_equal(fit.ki, (uint32_t)lrint(fit.fi * 512));
            /* The objective at the best point, recomputed here from the
             * model's histogram there. */
            uint32_t *h = calloc(100 * 100, 4);
            static uint64_t obs[100 * 100];
            memset(obs, 0, sizeof obs);
            assert_int_equal(saksi_fp_model_hist(&fs, &be, 0, fit.ki, fit.ke, h, &err), SAKSI_OK);
            for (size_t i = 0; i < fs.n; i++)
                obs[fs.bin[i]]++;
            if (obj == SAKSI_FP_OBJ_SQUARES) {
                uint64_t d = 0;
                for (size_t b = 0; b < 100 * 100; b++) {
                    int64_t x = (int64_t)h[b] - 5 * (int64_t)obs[b];
                    d += (uint64_t)(x * x);
                }
                assert_true((double)d == fit.objective);
            } else {
                double total = 0, nll = 0;
                for (size_t b = 0; b < 100 * 100; b++)
                    total += h[b];
                for (size_t b = 0; b < 100 * 100; b++)
                    nll -= obs[b] * log((h[b] + 0.05) / (total + 0.05 * 10000));
                assert_close(fit.objective, nll, 1e-9 * nll);
            }
            free(h);
            be.release(be.ctx);
            saksi_fp_fitset_free(&fs);
        }
    saksi_fp_backend_cpu_free(&be);
}

/* The CPU backend's sorted-prefix grid gives saksi_fp_grid_cpu's integers
 * (every draw classified at every point), weights with zeros included. */
static void test_backend_matches_twin(void **state)
{
    (void)state;
    saksi_error err = {0};
    saksi_fp_fitset fs;
    saksi_fp_backend be;
    assert_int_equal(saksi_fp_fitset_alloc(&fs, 3000, 3, &err), SAKSI_OK);
    size_t counts[3] = {1200, 600, 1200};
    for (size_t g = 0, k = 0; g < 3; g++) {
        fs.first[g] = k;
        fs.count[g] = counts[g];
        for (size_t j = 0; j < counts[g]; j++, k++) {
            fs.fit[k] = (uint32_t)g;
            fs.registered[k] = 50 + (int32_t)(k % 250);
            fs.hash[k] = 0xABCDEF12345ull * (k + 3);
            fs.turnout[k] = 0.5 + 0.3 * (double)(k % 17) / 17;
            fs.share[k] = 0.2 + 0.6 * (double)(k % 23) / 23;
        }
    }
    assert_int_equal(saksi_fp_fitset_prepare(&fs, 8, 60, 40, 3, &err), SAKSI_OK);
    assert_int_equal(saksi_fp_backend_cpu(&be, &err), SAKSI_OK);
    assert_int_equal(be.bind(be.ctx, &fs, &err), SAKSI_OK);
    assert_int_equal(be.simulate(be.ctx, 11, &err), SAKSI_OK);
    uint32_t *draws = malloc(3 * fs.ndraws * 4), *w = malloc(fs.n * 4);
    assert_int_equal(be.read_draws(be.ctx, draws, &err), SAKSI_OK);
    saksi_fp_resample(&fs, 3, 0, 1, w); /* about a third of the weights are 0 */
    uint32_t pf[3] = {0, 5, 10}, pc[3] = {5, 5, 5};
    uint64_t thr[30];
    static const uint32_t pts[5][2] = {{0, 0}, {512, 0}, {0, 512}, {100, 300}, {7, 1}};
    for (int p = 0; p < 15; p++) {
        thr[2 * p] = (uint64_t)pts[p % 5][0] << 23;
        thr[2 * p + 1] = (uint64_t)(pts[p % 5][0] + pts[p % 5][1]) << 23;
    }
    const size_t nb = 60 * 40;
    uint32_t *a = calloc(15 * nb, 4), *b = calloc(15 * nb, 4);
    saksi_fp_grid_cpu(&fs, draws, 0, 3, w, pf, pc, thr, 0, a);
    assert_int_equal(be.grid(be.ctx, 0, 3, w, pf, pc, thr, 0, 15, b, &err), SAKSI_OK);
    assert_memory_equal(a, b, 15 * nb * 4);
    /* A later batch of fits, its points counted from point_base. */
    memset(b, 0, 15 * nb * 4);
    assert_int_equal(be.grid(be.ctx, 1, 3, w, pf, pc, thr, 5, 10, b, &err), SAKSI_OK);
    assert_memory_equal(a + 5 * nb, b, 10 * nb * 4);
    free(a), free(b), free(draws), free(w);
    saksi_fp_backend_cpu_free(&be);
    saksi_fp_fitset_free(&fs);
}

static void test_resample_and_skip(void **state)
{
    (void)state;
    saksi_error err = {0};
    saksi_fp_fitset fs;
    assert_int_equal(saksi_fp_fitset_alloc(&fs, 1200, 2, &err), SAKSI_OK);
    fs.count[0] = 1000;
    fs.first[1] = 1000;
    fs.count[1] = 200; /* below SAKSI_FP_FIT_MIN_STATIONS */
    for (size_t i = 0; i < fs.n; i++) {
        fs.fit[i] = i < 1000 ? 0 : 1;
        fs.registered[i] = 250;
        fs.hash[i] = i + 1;
        fs.turnout[i] = 0.6 + 0.0001 * (double)(i % 300);
        fs.share[i] = 0.4 + 0.0002 * (double)(i % 200);
    }
    assert_int_equal(saksi_fp_fitset_prepare(&fs, 1, 100, 100, 2, &err), SAKSI_OK);
    assert_string_equal(fs.skip[0], "");
    assert_string_equal(fs.skip[1], "fewer than 500 usable regular stations");
    assert_int_equal(fs.fit_reps[0], 32); /* ceil(100000 / 1000) = 100, capped */
    assert_int_equal(fs.fit_reps[1], 0);
    assert_int_equal(fs.ndraws, 32000);
    uint32_t *w = malloc(fs.n * sizeof *w), *w2 = malloc(fs.n * sizeof *w2);
    saksi_fp_resample(&fs, 5, 0, 3, w);
    saksi_fp_resample(&fs, 5, 0, 3, w2);
    assert_memory_equal(w, w2, fs.n * sizeof *w);
    uint64_t s0 = 0, s1 = 0;
    for (size_t i = 0; i < fs.n; i++)
        *(i < 1000 ? &s0 : &s1) += w[i];
    assert_int_equal(s0, 1000);
    assert_int_equal(s1, 200);
    saksi_fp_resample(&fs, 5, 0, 4, w2);
    assert_true(memcmp(w, w2, fs.n * sizeof *w) != 0);

    saksi_fp_backend be;
    saksi_fp_fit fit[2];
    assert_int_equal(saksi_fp_backend_cpu(&be, &err), SAKSI_OK);
    /* Before a bind: an internal error, not a crash. */
    assert_int_equal(saksi_fp_fit_all(&fs, &be, 0, NULL, fit, &err), SAKSI_ERR_INTERNAL);
    assert_int_equal(be.bind(be.ctx, &fs, &err), SAKSI_OK);
    assert_int_equal(saksi_fp_fit_all(&fs, &be, 0, w, fit, &err), SAKSI_OK);
    assert_true(isfinite(fit[0].fi) && isfinite(fit[0].fe));
    assert_true(isnan(fit[1].fi) && isnan(fit[1].fe));
    uint32_t *h = calloc(100 * 100, 4);
    assert_int_equal(saksi_fp_model_hist(&fs, &be, 2, 0, 0, h, &err), SAKSI_ERR_INTERNAL);
    assert_int_equal(saksi_fp_model_hist(&fs, &be, 0, 500, 13, h, &err), SAKSI_ERR_INTERNAL);
    /* A stop request ends the fit with its own status. */
    saksi_request_stop();
    assert_int_equal(saksi_fp_fit_all(&fs, &be, 0, NULL, fit, &err), SAKSI_ERR_INTERRUPTED);
    saksi_clear_stop();
    /* Bad bins and alpha are usage errors. */
    assert_int_equal(saksi_fp_fitset_prepare(&fs, 1, 0, 100, 2, &err), SAKSI_ERR_USAGE);
    assert_int_equal(saksi_fp_fitset_prepare(&fs, 1, 100, 256, 2, &err), SAKSI_ERR_USAGE);
    assert_int_equal(saksi_fp_fitset_prepare(&fs, 1, 100, 100, 0, &err), SAKSI_ERR_USAGE);
    free(h);
    free(w);
    free(w2);
    saksi_fp_backend_cpu_free(&be);
    saksi_fp_fitset_free(&fs);
}

/* Planted extreme fraud lands at 100% x 100% and the national fit sees it:
 * under the likelihood f_e rises from the clean election's value to about
 * the planted share; pixel-wise squares overshoot it (fingerprint.h). */
static void test_planted_extreme(void **state)
{
    (void)state;
    saksi_error err = {0};
    saksi_fp_backend be;
    assert_int_equal(saksi_fp_backend_cpu(&be, &err), SAKSI_OK);
    double fe[2][2];
    size_t planted = 0, usable = 0;
    for (int with = 0; with < 2; with++) {
        saksi_table *t = fx_simulated(20000, 31);
        int leader = saksi_fp_leader(t);
        if (with) {
            /* Three regencies in different provinces. */
            uint32_t regs[3] = {2, 12, 22};
            planted = fx_plant_extreme(t, regs, 3, leader);
            assert_true(planted > 100);
        }
        const int32_t *cols[4];
        saksi_fp_columns(t, SAKSI_F_VOTERS_DPT, leader, cols);
        size_t nh = t->regions[SAKSI_LEVEL_PROVINCE].n * SAKSI_NSTRATA;
        uint32_t *hist = calloc(nh * 10000, 4), *reasons = calloc(nh * SAKSI_FP_NREASONS, 4);
        int32_t *code = malloc(t->n * 4);
        saksi_fp_bin_cpu(t, cols, 100, 100, 0, t->n, code, hist, reasons);
        size_t top = 0;
        for (size_t i = 0; i < t->n; i++)
            top += code[i] >= 0 && code[i] / 100 >= 98 && code[i] % 100 >= 97 &&
                   t->stratum[i] == SAKSI_STRATUM_REGULAR;
        /* Clean: no regular station near 100% x 100%; planted: nearly all
         * of them (2 votes short of 100% is below 98% only at the few
         * stations with fewer than 100 registered). */
        assert_true(with ? top >= planted * 95 / 100 && top <= planted : top == 0);
        for (int obj = 0; obj < 2; obj++) {
            saksi_fp_fitset fs;
            saksi_fp_fit fit;
            assert_int_equal(saksi_fp_fitset_from_table(t, code, cols, 0, NULL, &fs, &err),
                             SAKSI_OK);
            assert_int_equal(saksi_fp_fitset_prepare(&fs, 4, 100, 100, 2, &err), SAKSI_OK);
            fs.objective = obj;
            assert_int_equal(be.bind(be.ctx, &fs, &err), SAKSI_OK);
            assert_int_equal(saksi_fp_fit_all(&fs, &be, 0, NULL, &fit, &err), SAKSI_OK);
            fe[with][obj] = fit.fe;
            usable = fs.n;
            be.release(be.ctx);
            saksi_fp_fitset_free(&fs);
        }
        free(hist), free(reasons), free(code);
        saksi_table_free(t);
    }
    double share = (double)planted / (double)usable;
    if (getenv("FP_VERBOSE"))
        fprintf(stderr, "f_e clean %g / %g, planted %g / %g (likelihood / squares; share %g)\n",
                fe[0][0], fe[0][1], fe[1][0], fe[1][1], share);
    assert_true(fe[0][0] < share / 4 && fe[0][1] < share / 4);
    assert_true(fe[1][0] > 0.75 * share && fe[1][0] < 1.25 * share);
    assert_true(fe[1][1] > 1.5 * share);
    saksi_fp_backend_cpu_free(&be);
}

/* ------------------------------------------------------------------ */
/* The clean part                                                      */
/* ------------------------------------------------------------------ */

static void test_fair_estimate(void **state)
{
    (void)state;
    /* Half-sample modes by hand: {1,2,2,3,10} keeps {1,2,2} (width 1, the
     * first of two) then the closer pair (2,2). */
    const double a[] = {1, 2, 2, 3, 10};
    assert_close(saksi_fp_half_sample_mode(a, 5), 2.0, 0);
    const double b[] = {1, 2, 4};
    assert_close(saksi_fp_half_sample_mode(b, 3), 1.5, 0);
    const double c[] = {1, 3};
    assert_close(saksi_fp_half_sample_mode(c, 2), 2.0, 0);
    assert_true(isnan(saksi_fp_half_sample_mode(c, 0)));
    /* Turnout {0.5, 0.6, 0.7 x3, 0.9}: mode 0.7 (the window of three
     * 0.7s), RMS below it sqrt((0.2^2 + 0.1^2) / 2) = sqrt(0.025).
     * Shares {0.2, 0.4 x3, 0.5, 0.8}: mode 0.4, RMS below 0.2, RMS above
     * sqrt((0.1^2 + 0.4^2) / 2) = sqrt(0.085), theta its square root. */
    const double tu[] = {0.9, 0.7, 0.5, 0.7, 0.6, 0.7};
    const double sh[] = {0.4, 0.8, 0.2, 0.4, 0.5, 0.4};
    saksi_fp_fair f;
    saksi_error err = {0};
    assert_int_equal(saksi_fp_fair_estimate(tu, sh, 6, &f, &err), SAKSI_OK);
    assert_close(f.a0, 0.7, 1e-15);
    assert_close(f.sa, sqrt(0.025), 1e-12);
    assert_close(f.v0, 0.4, 1e-15);
    assert_close(f.sv, 0.2, 1e-12);
    assert_close(f.theta, sqrt(sqrt(0.085)), 1e-12);
    /* Constant rates: the floors. */
    const double k[] = {0.5, 0.5, 0.5, 0.5};
    assert_int_equal(saksi_fp_fair_estimate(k, k, 4, &f, &err), SAKSI_OK);
    assert_close(f.sa, SAKSI_FP_MIN_SD, 0);
    assert_close(f.theta, SAKSI_FP_MIN_SD, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_station_codes),
        cmocka_unit_test(test_histograms_cpu),
        cmocka_unit_test(test_turnout_field),
        cmocka_unit_test(test_cell_search),
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_model_moments),
        cmocka_unit_test(test_fit_recovers),
        cmocka_unit_test(test_resample_and_skip),
        cmocka_unit_test(test_fair_estimate),
        cmocka_unit_test(test_planted_extreme),
        cmocka_unit_test(test_backend_matches_twin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
