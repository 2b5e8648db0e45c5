/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_anomaly.c — the anomaly evidence (analysis/anomaly.c): the Cauchy
 * combination against known answers, the ceiling that keeps a p of 1 from
 * cancelling evidence, weighted BH with region flags worked by hand, the
 * unexplained votes against an independent beta-binomial, the anomaly
 * class in the one ranking (votes at stake, order, reasons in en and id),
 * the null behaviour on uniform p-values, --class-priority parsing, and
 * every error path (allocation failures by link-time wrapping).
 * LABELS: unit
 * WRAP: saksi_malloc_array saksi_calloc_array saksi_realloc_array
 */
#include "test_support.h"

#include "station_fixture.h"

/* ------------------------------------------------------------------ */
/* Allocation faults: the at-th allocation (from 1) fails when armed.  */
/* ------------------------------------------------------------------ */

void *__real_saksi_malloc_array(size_t n, size_t size);
void *__real_saksi_calloc_array(size_t n, size_t size);
void *__real_saksi_realloc_array(void *p, size_t n, size_t size);
static int alloc_fail_at, alloc_calls;

static int alloc_fails(void)
{
    return alloc_fail_at > 0 && ++alloc_calls == alloc_fail_at;
}
void *__wrap_saksi_malloc_array(size_t n, size_t size)
{
    return alloc_fails() ? NULL : __real_saksi_malloc_array(n, size);
}
void *__wrap_saksi_calloc_array(size_t n, size_t size)
{
    return alloc_fails() ? NULL : __real_saksi_calloc_array(n, size);
}
void *__wrap_saksi_realloc_array(void *p, size_t n, size_t size)
{
    return alloc_fails() ? NULL : __real_saksi_realloc_array(p, n, size);
}

/* ------------------------------------------------------------------ */
/* A small table: stations with 13-digit ids (levels from the prefixes) */
/* ------------------------------------------------------------------ */

static saksi_table *make_table(const char *const *ids, size_t n, void (*edit)(size_t, int32_t *))
{
    saksi_error err = {0};
    int present[SAKSI_NFIXED];
    const char *labels[] = {"01", "02", "03"};
    for (int f = 0; f < SAKSI_NFIXED; f++)
        present[f] = 1;
    saksi_table *t = saksi_table_alloc(present, 3, labels);
    assert_non_null(t);
    for (size_t k = 0; k < n; k++) {
        int32_t v[SAKSI_NFIXED + 3];
        clean_station(v);
        if (edit) edit(k, v);
        assert_int_equal(
            saksi_table_append(t, ids[k], strlen(ids[k]), NULL, v, 0, k + 2, NULL, &err), SAKSI_OK);
    }
    assert_int_equal(saksi_table_finalize(t, &err), SAKSI_OK);
    return t;
}

/* Results with clean masks for t (no rule failed). */
static void clean_results(saksi_results *res, const saksi_table *t)
{
    memset(res, 0, sizeof *res);
    res->eval_mask = calloc(t->n, 4);
    res->fail_mask = calloc(t->n, 4);
    res->neg_mask = calloc(t->n, 4);
    res->enabled = calloc(t->n, 4);
    assert_int_equal(saksi_rules_load(NULL, (saksi_rules **)&res->rules, &(saksi_error){0}),
                     SAKSI_OK);
}

static void free_results(saksi_results *res)
{
    saksi_rules_free((saksi_rules *)res->rules);
    saksi_results_free(res);
}

/* One calibrated column "turnout" with the given p per station. */
static void one_column(saksi_results *res, const saksi_table *t, const double *p)
{
    saksi_station_test *c;
    res->station_tests = saksi_station_tests_alloc(t->n, t->ncand);
    assert_non_null(res->station_tests);
    assert_int_equal(saksi_station_tests_add(res->station_tests, "turnout", -1, 1, &c, NULL),
                     SAKSI_OK);
    for (size_t i = 0; i < t->n; i++) {
        c->p[i] = p[i];
        c->observed[i] = 0.8;
        c->expected[i] = 0.8;
    }
}

/* ------------------------------------------------------------------ */
/* Cauchy combination                                                  */
/* ------------------------------------------------------------------ */

/* Known answers from Liu & Xie (2020) eq. 2 evaluated with Python's math
 * module: T = sum w tan((1/2 - p) pi) / sum w, p = 1/2 - atan(T) / pi. */
static void test_cauchy_known(void **state)
{
    (void)state;
    assert_close(saksi_cauchy_combine((double[]){0.03}, NULL, 1), 0.03, 1e-15);
    assert_close(saksi_cauchy_combine((double[]){0.07, 0.07, 0.07}, NULL, 3), 0.07, 1e-15);
    assert_close(saksi_cauchy_combine((double[]){0.01, 0.5}, NULL, 2), 0.019980299664053736, 1e-15);
    assert_close(saksi_cauchy_combine((double[]){0.02, 0.03, 0.6, 0.9}, NULL, 4),
                 0.05464504198951642, 1e-15);
    assert_close(saksi_cauchy_combine((double[]){0.2, 0.4}, (double[]){3, 1}, 2),
                 0.23292007736566162, 1e-15);
    assert_close(saksi_cauchy_combine((double[]){NAN, 0.01, NAN, 0.5}, NULL, 4),
                 0.019980299664053736, 1e-15);
    assert_true(isnan(saksi_cauchy_combine((double[]){NAN}, NULL, 1)));
    /* the masking that the ceiling prevents: a p of (almost) 1 beside
     * 1e-10 drags the plain combination to 0.9999999999999998 */
    assert_true(saksi_cauchy_combine((double[]){1e-10, 1.0}, NULL, 2) > 0.99);
}

/* With the ceiling 1 - 1e-3 the same pair combines to 2.0000012757e-10
 * (the Python value of cc([1e-10, 0.999])), and a station whose only
 * other test says p = 1 is still found. */
static void test_ceiling(void **state)
{
    (void)state;
    static const char *const ids[] = {"3201010001001", "3201010001002"};
    saksi_table *t = make_table(ids, 2, NULL);
    saksi_results res;
    saksi_station_test *c;
    clean_results(&res, t);
    one_column(&res, t, (double[]){1e-10, 0.5});
    assert_int_equal(saksi_station_tests_add(res.station_tests, "invalid", -1, 1, &c, NULL),
                     SAKSI_OK);
    c->p[0] = 1.0;
    c->p[1] = 0.5;
    /* an uncalibrated column never enters: a p of 1e-30 there changes nothing */
    assert_int_equal(
        saksi_station_tests_add(res.station_tests, "turnout_binomial", -1, 0, &c, NULL), SAKSI_OK);
    c->p[1] = 1e-30;
    assert_int_equal(saksi_anomaly_build(t, &res, NULL, NULL), SAKSI_OK);
    const saksi_anomaly *a = res.anomaly;
    assert_int_equal(a->m, 2);
    assert_int_equal(a->nrows, 1);
    assert_int_equal(a->row[0].station, 0);
    assert_close(a->row[0].p, 2.0000012757037666e-10, 1e-22);
    assert_int_equal(a->row[0].ntests, 2);
    assert_int_equal(a->row[0].top_test, 0);
    /* m = 2, the other p is 0.5: q = min(2 * 2e-10 / 1, 2 * 0.5 / 2) */
    assert_close(a->row[0].q, 4.0000025514075332e-10, 1e-21);
    free_results(&res);
    saksi_table_free(t);
}

/* ------------------------------------------------------------------ */
/* Weighted BH                                                         */
/* ------------------------------------------------------------------ */

/* Four stations, p = 0.001, 0.02, 0.03, 0.5; the first two in regency
 * 3201, flagged by a region test. Raw weights 2, 2, 1, 1 -> mean 1.5 ->
 * 4/3, 4/3, 2/3, 2/3; p / w = 0.00075, 0.015, 0.045, 0.75; BH with m = 4:
 * q = 4 * 0.00075 / 1 = 0.003, 4 * 0.015 / 2 = 0.03, 4 * 0.045 / 3 = 0.06,
 * 4 * 0.75 / 4 = 0.75 (monotone already). Unweighted: q = 0.004, 0.04,
 * 0.04, 0.5: the weights move the third station out of the class. */
static const char *const ids4[] = {"3201010001001", "3201010001002", "3202010001001",
                                   "3202010001002"};

static void test_weighted_bh(void **state)
{
    (void)state;
    saksi_table *t = make_table(ids4, 4, NULL);
    saksi_results res;
    saksi_anomaly_options opt;
    saksi_anomaly_options_init(&opt);
    opt.keep_p = 1.0; /* keep every row to read its q */
    clean_results(&res, t);
    one_column(&res, t, (double[]){0.001, 0.02, 0.03, 0.5});
    res.region_tests = calloc(1, sizeof *res.region_tests);
    saksi_region_test rt = {.test = "last_digit",
                            .level = SAKSI_LEVEL_REGENCY,
                            .region = 0,
                            .candidate = -1,
                            .p = 1e-6,
                            .q = 1e-6,
                            .flagged = 1,
                            .skip = ""};
    assert_string_equal(t->regions[SAKSI_LEVEL_REGENCY].code[0], "3201");
    assert_int_equal(saksi_region_tests_push(res.region_tests, &rt, NULL), SAKSI_OK);
    assert_int_equal(saksi_anomaly_build(t, &res, &opt, NULL), SAKSI_OK);
    const saksi_anomaly *a = res.anomaly;
    const double q[] = {0.003, 0.03, 0.06, 0.75}, w[] = {4.0 / 3, 4.0 / 3, 2.0 / 3, 2.0 / 3};
    assert_int_equal(a->nrows, 4);
    assert_int_equal(a->in_flagged_regions, 2);
    assert_int_equal(a->nflagged, 2);
    for (size_t k = 0; k < 4; k++) {
        assert_close(a->row[k].q, q[k], 1e-12);
        assert_close(a->row[k].weight, w[k], 1e-12);
    }
    /* a flag weight of 1 is plain BH */
    opt.flag_weight = 1.0;
    assert_int_equal(saksi_anomaly_build(t, &res, &opt, NULL), SAKSI_OK);
    const double q0[] = {0.004, 0.04, 0.04, 0.5};
    for (size_t k = 0; k < 4; k++)
        assert_close(res.anomaly->row[k].q, q0[k], 1e-12);
    assert_int_equal(res.anomaly->nflagged, 3);
    free_results(&res);
    saksi_table_free(t);
}

/* ------------------------------------------------------------------ */
/* Unexplained votes                                                   */
/* ------------------------------------------------------------------ */

/* pmf of BetaBin(n, mu, rho) from the closed form C(n,k) B(k+a, n-k+b) /
 * B(a, b) with lgamma: independent of the library's ratio recurrence. */
static double bb_pmf_closed(int n, int k, double mu, double rho)
{
    double a = mu * (1 - rho) / rho, b = (1 - mu) * (1 - rho) / rho;
    double lc = lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0);
    double lb = lgamma(k + a) + lgamma(n - k + b) - lgamma(n + a + b);
    double lb0 = lgamma(a) + lgamma(b) - lgamma(a + b);
    return exp(lc + lb - lb0);
}

static void test_unexplained(void **state)
{
    (void)state;
    double e;
    int64_t v, lo, hi;
    /* Binomial(10, 1/2): P(X <= 1) = 11/1024 < 0.05 <= P(X <= 2) = 56/1024,
     * P(X <= 7) = 968/1024 < 0.95 <= P(X <= 8) = 1013/1024: quantiles 2 and
     * 8; x = 9 -> expected 5, votes 4, interval 9 - 8 = 1 to 9 - 2 = 7. */
    saksi_bb bin = {.ok = 1, .mu = 0.5, .rho = 0.0};
    saksi_anomaly_unexplained(9, 10, &bin, 0.9, &e, &v, &lo, &hi);
    assert_close(e, 5.0, 1e-12);
    assert_int_equal(v, 4);
    assert_int_equal(lo, 1);
    assert_int_equal(hi, 7);
    /* below expectation: every part is 0 (positive parts) */
    saksi_anomaly_unexplained(1, 10, &bin, 0.9, &e, &v, &lo, &hi);
    assert_int_equal(v, 0);
    assert_int_equal(lo, 0);
    assert_int_equal(hi, 0);
    /* overdispersed: quantiles from the closed form */
    saksi_bb bb = {.ok = 1, .mu = 0.56, .rho = 0.04};
    int n = 230, x = 190, qlo = -1, qhi = -1;
    double acc = 0;
    for (int k = 0; k <= n; k++) {
        acc += bb_pmf_closed(n, k, bb.mu, bb.rho);
        if (qlo < 0 && acc >= 0.05) qlo = k;
        if (qhi < 0 && acc >= 0.95) qhi = k;
    }
    saksi_anomaly_unexplained(x, n, &bb, 0.9, &e, &v, &lo, &hi);
    assert_close(e, 128.8, 1e-9); /* 230 * 0.56 */
    assert_int_equal(v, 61);      /* 190 - 128.8 = 61.2 */
    assert_int_equal(lo, x - qhi);
    assert_int_equal(hi, x - qlo);
    assert_true(lo < v && v < hi);
    /* no null: NaN expected, nothing at stake */
    saksi_bb none = {0};
    saksi_anomaly_unexplained(9, 10, &none, 0.9, &e, &v, &lo, &hi);
    assert_true(isnan(e));
    assert_int_equal(v + lo + hi, 0);
}

/* ------------------------------------------------------------------ */
/* The anomaly class in the ranking                                    */
/* ------------------------------------------------------------------ */

/* Twelve stations; station 3 (id ...004) has cand_02 = 160 of 200 where
 * its peers predict 40% (expected 80): p = 1e-9 on its share test. Station
 * 7 breaks cand_sum_valid (cand_01 = 137 with valid 200: no single-digit
 * edit of any field repairs it) and has p = 1e-9
 * too: class by rules first. Every other p is 0.5. */
static void edit_rank(size_t k, int32_t *v)
{
    if (k == 3) {
        v[SAKSI_NFIXED] = 30;
        v[SAKSI_NFIXED + 1] = 160;
        v[SAKSI_NFIXED + 2] = 10;
    }
    if (k == 7) v[SAKSI_NFIXED] = 137;
}

static void rank_setup(fixture *fx)
{
    static const char *ids[12];
    static char buf[12][16];
    for (size_t k = 0; k < 12; k++) {
        snprintf(buf[k], sizeof buf[k], "3201010001%03zu", k + 1);
        ids[k] = buf[k];
    }
    saksi_error err = {0};
    size_t len;
    fx->t = make_table(ids, 12, edit_rank);
    assert_int_equal(saksi_rules_load(NULL, &fx->rules, &err), SAKSI_OK);
    assert_int_equal(saksi_rules_compile(fx->rules, fx->t, &fx->prog, &len, &err), SAKSI_OK);
    saksi_results *res = &fx->res;
    res->rules = fx->rules;
    res->enabled = calloc(12, 4);
    res->eval_mask = calloc(12, 4);
    res->fail_mask = calloc(12, 4);
    res->neg_mask = calloc(12, 4);
    assert_int_equal(saksi_rules_apply_scopes(fx->rules, fx->t, res->enabled, &err), SAKSI_OK);
    saksi_integrity_cpu(fx->prog, fx->t, res->enabled, 0, 12, res->eval_mask, res->fail_mask,
                        res->neg_mask);
    saksi_station_test *c;
    res->station_tests = saksi_station_tests_alloc(12, 3);
    assert_int_equal(saksi_station_tests_add(res->station_tests, "share", 1, 1, &c, &err),
                     SAKSI_OK);
    assert_int_equal(saksi_station_tests_alloc_shares(res->station_tests, &err), SAKSI_OK);
    for (size_t i = 0; i < 12; i++) {
        c->p[i] = i == 3 || i == 7 ? 1e-9 : 0.5;
        c->observed[i] = (double)saksi_table_get(fx->t, SAKSI_NFIXED + 1, i) / 200.0;
        c->expected[i] = 0.4;
        for (size_t k = 0; k < 3; k++)
            res->station_tests->share_null[i * 3 + k] = (saksi_bb){.ok = 1, .mu = k == 1 ? 0.4 : 0.3, .rho = 0.0};
    }
}

static void test_rank_anomaly(void **state)
{
    (void)state;
    fixture fx = {0};
    saksi_config cfg;
    saksi_error err = {0};
    char buf[1024];
    saksi_config_init(&cfg);
    rank_setup(&fx);
    saksi_repair_options ro = {cfg.repair_min_weight, cfg.repair_max_alternatives};
    assert_int_equal(saksi_repair_all(fx.t, fx.prog, &fx.res, &ro, &err), SAKSI_OK);
    assert_int_equal(saksi_anomaly_build(fx.t, &fx.res, NULL, &err), SAKSI_OK);
    assert_int_equal(saksi_rank_build(fx.t, fx.prog, &fx.res, &cfg, &err), SAKSI_OK);
    const saksi_results *res = &fx.res;
    assert_int_equal(res->anomaly->nflagged, 2);
    assert_int_equal(res->nranked, 2);
    /* default priority: integrity (station 7: |237 - 200| = 37 votes), then
     * anomaly (station 3) */
    assert_int_equal(res->ranked[0].station, 7);
    assert_int_equal(res->ranked[0].klass, SAKSI_CLASS_INTEGRITY);
    assert_int_equal(res->ranked[0].votes_at_stake, 37);
    assert_int_equal(res->ranked[1].station, 3);
    assert_int_equal(res->ranked[1].klass, SAKSI_CLASS_ANOMALY);
    assert_int_equal(res->klass[3], SAKSI_CLASS_ANOMALY);
    /* m = 12 with p = 1e-9 twice and 0.5 ten times: q = 12 * 1e-9 / 2 = 6e-9
     * (to 1e-7 relative: saksi_cauchy_combine evaluates tan((1/2 - p) pi)
     * near pi/2 for p above 1e-15, which costs ~3e-8 relative at 1e-9) */
    assert_close(res->anomaly->row[0].q, 6e-9, 6e-16);
    /* beneficiary cand_02: 160 - 200 * 0.4 = 80 unexplained votes; the
     * Binomial(200, 0.4) 5% and 95% quantiles are 69 and 91 (R:
     * qbinom(c(.05, .95), 200, .4)), so the interval is 69 to 91 */
    const saksi_anomaly_row *ar = &res->anomaly->row[res->ranked[1].anomaly_row - 1];
    assert_int_equal(ar->beneficiary, 1);
    assert_int_equal(res->ranked[1].votes_at_stake, 80);
    assert_int_equal(ar->votes_lo, 160 - 91);
    assert_int_equal(ar->votes_hi, 160 - 69);
    assert_close(res->ranked[1].score, 9.0, 1e-7); /* -log10(1e-9), same precision note */
    saksi_rank_reason(fx.t, res, &res->ranked[1], "en", buf, sizeof buf);
    assert_string_equal(buf, "share of cand_02 80.0% vs district 40.0% (p = 1e-9); 1 test(s) "
                             "combined: p = 1e-9, q = 6e-9; unexplained votes for cand_02: 80 "
                             "(90%: 69 to 91)");
    saksi_rank_reason(fx.t, res, &res->ranked[1], "id", buf, sizeof buf);
    assert_string_equal(buf, "perolehan cand_02 80.0% vs kecamatan 40.0% (p = 1e-9); 1 uji "
                             "digabung: p = 1e-9, q = 6e-9; suara tak terjelaskan untuk cand_02: "
                             "80 (90%: 69 s.d. 91)");
    saksi_rank_reason(fx.t, res, &res->ranked[0], "en", buf, sizeof buf);
    assert_non_null(strstr(buf, "rule cand_sum_valid"));
    assert_non_null(strstr(buf, "; also departs from its district peers (q = 6e-9)"));

    /* anomaly first when asked */
    assert_int_equal(saksi_class_priority_parse("anomaly", cfg.class_priority, &err), SAKSI_OK);
    assert_int_equal(saksi_rank_build(fx.t, fx.prog, &fx.res, &cfg, &err), SAKSI_OK);
    assert_int_equal(res->ranked[0].station, 3);
    assert_int_equal(res->ranked[1].station, 7);
    fixture_done(&fx);
}

/* A family's own null shape: the interval comes from its cdf. Here the
 * cdf is Binomial(n, mu) summed with lgamma, an independent route to the
 * same 69 and 91 as the rho = 0 beta-binomial above; a cdf shifted by 5
 * counts moves the interval by 5. */
static int cdf_shift;
static double binom_cdf(const saksi_station_tests *st, size_t i, size_t c, int32_t x, int32_t n)
{
    double mu = st->share_null[i * st->ncand + c].mu, acc = 0;
    for (int32_t k = 0; k <= x - cdf_shift && k <= n; k++)
        acc += exp(lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0) + k * log(mu) +
                   (n - k) * log1p(-mu));
    return acc;
}

static void test_share_cdf(void **state)
{
    (void)state;
    fixture fx = {0};
    saksi_error err = {0};
    rank_setup(&fx);
    fx.res.station_tests->share_cdf = binom_cdf;
    for (cdf_shift = 0; cdf_shift <= 5; cdf_shift += 5) {
        assert_int_equal(saksi_anomaly_build(fx.t, &fx.res, NULL, &err), SAKSI_OK);
        const saksi_anomaly_row *ar = saksi_anomaly_find(fx.res.anomaly, 3);
        assert_non_null(ar);
        assert_int_equal(ar->beneficiary, 1);
        assert_int_equal(ar->votes, 80); /* the mean is share_null's: 200 * 0.4 */
        assert_int_equal(ar->votes_lo, 160 - 91 - cdf_shift);
        assert_int_equal(ar->votes_hi, 160 - 69 - cdf_shift);
    }
    fixture_done(&fx);
}

/* ------------------------------------------------------------------ */
/* Null behaviour                                                      */
/* ------------------------------------------------------------------ */

/* 20,000 simulated stations, four calibrated columns of independent
 * uniform p-values (Philox words): the combined p is uniform (its share
 * below 0.05 and 0.01 within 3 binomial SE of alpha), and BH at 0.05
 * flags nothing (probability of a flag under the global null <= 0.05). */
static void test_null_uniform(void **state)
{
    (void)state;
    saksi_sim_config sc;
    saksi_table *t = NULL;
    saksi_results res;
    saksi_error err = {0};
    saksi_sim_config_init(&sc);
    sc.stations = 20000;
    sc.provinces = 4;
    sc.overseas = 0;
    assert_int_equal(saksi_simulate_table(&sc, &t, NULL, NULL, NULL, &err), SAKSI_OK);
    clean_results(&res, t);
    res.station_tests = saksi_station_tests_alloc(t->n, t->ncand);
    const char *names[] = {"turnout", "invalid", "added", "share"};
    for (uint32_t k = 0; k < 4; k++) {
        saksi_station_test *c;
        assert_int_equal(
            saksi_station_tests_add(res.station_tests, names[k], k == 3 ? 0 : -1, 1, &c, &err),
            SAKSI_OK);
        for (size_t i = 0; i < t->n; i += 2) {
            saksi_philox_ctr ctr = {{(saksi_u32)i, k, 0, 0}};
            saksi_philox_ctr r = saksi_philox4x32_10(ctr, 0x5a4b5349u, 5u);
            c->p[i] = ((double)r.v[0] + 0.5) / 4294967296.0;
            c->p[i + 1] = ((double)r.v[1] + 0.5) / 4294967296.0;
        }
    }
    assert_int_equal(saksi_anomaly_build(t, &res, NULL, &err), SAKSI_OK);
    assert_int_equal(res.anomaly->m, t->n);
    assert_int_equal(res.anomaly->nflagged, 0);
    /* the share below alpha, recomputed here from the columns */
    size_t below05 = 0, below01 = 0;
    double buf[4];
    for (size_t i = 0; i < t->n; i++) {
        for (int k = 0; k < 4; k++)
            buf[k] = res.station_tests->test[k].p[i] > SAKSI_ANOMALY_P_CEIL
                         ? SAKSI_ANOMALY_P_CEIL
                         : res.station_tests->test[k].p[i];
        double pc = saksi_cauchy_combine(buf, NULL, 4);
        below05 += pc < 0.05;
        below01 += pc < 0.01;
    }
    double n = (double)t->n;
    assert_close(below05 / n, 0.05, 3 * sqrt(0.05 * 0.95 / n));
    assert_close(below01 / n, 0.01, 3 * sqrt(0.01 * 0.99 / n));
    /* rows kept: p < 1e-3 only, about 20 of 20,000 */
    assert_true(res.anomaly->nrows < 60);
    for (size_t k = 0; k < res.anomaly->nrows; k++)
        assert_true(res.anomaly->row[k].p < SAKSI_ANOMALY_KEEP_P);
    free_results(&res);
    saksi_table_free(t);
}

/* ------------------------------------------------------------------ */
/* --class-priority                                                    */
/* ------------------------------------------------------------------ */

static void test_priority_parse(void **state)
{
    (void)state;
    int pr[SAKSI_NCLASSES];
    saksi_error err = {0};
    assert_int_equal(saksi_class_priority_parse("anomaly,incomplete", pr, &err), SAKSI_OK);
    const int want[] = {SAKSI_CLASS_ANOMALY,       SAKSI_CLASS_INCOMPLETE,   SAKSI_CLASS_INTEGRITY,
                        SAKSI_CLASS_TRANSCRIPTION, SAKSI_CLASS_CROSS_SOURCE, SAKSI_CLASS_NONE};
    assert_memory_equal(pr, want, sizeof want);
    assert_int_equal(saksi_class_priority_parse("", pr, &err), SAKSI_OK);
    assert_int_equal(pr[0], SAKSI_CLASS_INTEGRITY);
    assert_int_equal(pr[1], SAKSI_CLASS_ANOMALY);
    const char *bad[] = {"anomaly,bogus", "anomaly,anomaly",   "integrity,", ",integrity",
                         "none",          "anomaly,,integrity"};
    const char *msg[] = {"unknown class 'bogus'", "'anomaly' named twice",
                         "trailing comma",        "empty",
                         "unknown class 'none'",  "empty"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_int_equal(saksi_class_priority_parse(bad[k], pr, &err), SAKSI_ERR_USAGE);
        assert_non_null(strstr(err.message, msg[k]));
    }
    assert_int_equal(saksi_class_lookup("cross-source"), SAKSI_CLASS_CROSS_SOURCE);
    assert_int_equal(saksi_class_lookup("Anomaly"), -1);
    assert_int_equal(saksi_class_lookup(NULL), -1);
}

/* ------------------------------------------------------------------ */
/* Error paths                                                         */
/* ------------------------------------------------------------------ */

static void test_errors(void **state)
{
    (void)state;
    saksi_table *t = make_table(ids4, 4, NULL);
    saksi_results res;
    saksi_error err = {0};
    saksi_anomaly_options opt;
    clean_results(&res, t);

    /* no station tests: an empty result, nothing flagged */
    assert_int_equal(saksi_anomaly_build(t, &res, NULL, &err), SAKSI_OK);
    assert_int_equal(res.anomaly->m, 0);
    assert_int_equal(res.anomaly->nrows, 0);
    assert_null(saksi_anomaly_find(res.anomaly, 0));
    assert_null(saksi_anomaly_find(NULL, 0));

    /* options out of range */
    const double bad[][2] = {{0, 0}, {1, 0}, {2, 0.5}, {3, 0.5}, {4, 1.0}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        saksi_anomaly_options_init(&opt);
        if (bad[k][0] == 0)
            opt.alpha = bad[k][1];
        else if (bad[k][0] == 1)
            opt.p_ceil = bad[k][1];
        else if (bad[k][0] == 2)
            opt.flag_weight = bad[k][1];
        else if (bad[k][0] == 3)
            opt.pi_level = bad[k][1] * 0.0;
        else
            opt.alpha = bad[k][1];
        assert_int_equal(saksi_anomaly_build(t, &res, &opt, &err), SAKSI_ERR_USAGE);
        assert_non_null(strstr(err.message, "anomaly options out of range"));
    }

    /* station tests for another table */
    res.station_tests = saksi_station_tests_alloc(5, 3);
    assert_int_equal(saksi_anomaly_build(t, &res, NULL, &err), SAKSI_ERR_INTERNAL);
    assert_non_null(strstr(err.message, "5 stations x 3 candidates, table has 4 x 3"));
    saksi_station_tests_free(res.station_tests);

    /* a column for a candidate that does not exist */
    res.station_tests = saksi_station_tests_alloc(4, 3);
    assert_int_equal(saksi_station_tests_add(res.station_tests, "share", 3, 1, NULL, &err),
                     SAKSI_ERR_INTERNAL);
    assert_int_equal(saksi_station_tests_add(res.station_tests, NULL, -1, 1, NULL, &err),
                     SAKSI_ERR_INTERNAL);
    assert_int_equal(saksi_station_tests_add(res.station_tests, "x", -2, 1, NULL, &err),
                     SAKSI_ERR_INTERNAL);

    /* an anomaly row naming a station beyond the table reaches the ranking */
    saksi_config cfg;
    saksi_config_init(&cfg);
    saksi_anomaly_free(res.anomaly);
    res.anomaly = calloc(1, sizeof *res.anomaly);
    res.anomaly->alpha = 0.05;
    res.anomaly->row = calloc(1, sizeof *res.anomaly->row);
    res.anomaly->nrows = 1;
    res.anomaly->row[0].station = 99;
    int32_t *prog = NULL;
    size_t len;
    assert_int_equal(saksi_rules_compile(res.rules, t, &prog, &len, &err), SAKSI_OK);
    assert_int_equal(saksi_rank_build(t, prog, &res, &cfg, &err), SAKSI_ERR_INTERNAL);
    assert_non_null(strstr(err.message, "anomaly row 0 names station 99 of 4"));
    free(prog);
    free_results(&res);
    saksi_table_free(t);
}

/* Every allocation of the build, the column adds and the figure lists
 * fails in turn: NOMEM each time, nothing leaks (ASan build), and the
 * result is whole once allocations succeed. */
static void test_alloc_failures(void **state)
{
    (void)state;
    saksi_table *t = make_table(ids4, 4, NULL);
    saksi_results res;
    saksi_error err = {0};
    clean_results(&res, t);
    one_column(&res, t, (double[]){1e-9, 0.02, 0.03, 0.5});
    assert_int_equal(saksi_station_tests_alloc_shares(res.station_tests, &err), SAKSI_OK);
    for (size_t k = 0; k < 12; k++)
        res.station_tests->share_null[k] = (saksi_bb){.ok = 1, .mu = 0.3, .rho = 0.01};
    int failures = 0;
    for (int at = 1;; at++) {
        alloc_fail_at = at;
        alloc_calls = 0;
        saksi_status rc = saksi_anomaly_build(t, &res, NULL, &err);
        alloc_fail_at = 0;
        if (rc == SAKSI_OK) break;
        assert_int_equal(rc, SAKSI_ERR_NOMEM);
        assert_non_null(strstr(err.message, "out of memory"));
        failures++;
    }
    assert_true(failures >= 8); /* every allocation of the build was reached */
    /* q = 4e-9, 0.04, 0.04, 0.5: three rows; station 0's largest excess
     * over 0.3 of 200 = 60 is cand_01 (100 - 60 = 40) */
    assert_int_equal(res.anomaly->nrows, 3);
    assert_int_equal(res.anomaly->row[0].beneficiary, 0);
    assert_int_equal(res.anomaly->row[0].votes, 40);

    for (int at = 1; at <= 5; at++) {
        alloc_fail_at = at;
        alloc_calls = 0;
        saksi_status rc = saksi_station_tests_add(res.station_tests, "x", -1, 1, NULL, &err);
        alloc_fail_at = 0;
        if (rc == SAKSI_OK) break;
        assert_int_equal(rc, SAKSI_ERR_NOMEM);
    }
    alloc_fail_at = 1;
    alloc_calls = 0;
    assert_int_equal(saksi_station_tests_alloc_shares(res.station_tests, &err), SAKSI_ERR_NOMEM);
    alloc_fail_at = 0;

    saksi_figures fig = {0};
    saksi_fig_digits d = {.test = "last_digit"};
    saksi_fig_spikes sp = {.rate = "turnout"};
    int32_t counts[4] = {1, 2, 3, 4};
    saksi_fig_fingerprint fp = {.nx = 2, .ny = 2, .count = counts};
    for (int which = 0; which < 3; which++)
        for (int at = 1; at <= 2; at++) {
            alloc_fail_at = at;
            alloc_calls = 0;
            saksi_status rc = which == 0   ? saksi_figures_add_digits(&fig, &d, &err)
                              : which == 1 ? saksi_figures_add_spikes(&fig, &sp, &err)
                                           : saksi_figures_add_fingerprint(&fig, &fp, &err);
            alloc_fail_at = 0;
            assert_true(rc == SAKSI_ERR_NOMEM || (rc == SAKSI_OK && at == 2 && which < 2));
        }
    for (int k = 0; k < 40; k++)
        assert_int_equal(saksi_figures_add_fingerprint(&fig, &fp, &err), SAKSI_OK);
    counts[0] = 99; /* the figure holds its own copy */
    assert_int_equal(fig.fingerprints[0].count[0], 1);
    assert_int_equal(fig.nfingerprints, 40);
    fp.count = NULL;
    assert_int_equal(saksi_figures_add_fingerprint(&fig, &fp, &err), SAKSI_ERR_INTERNAL);
    saksi_figures_free(&fig);
    saksi_figures_free(NULL);
    free_results(&res);
    saksi_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cauchy_known), cmocka_unit_test(test_ceiling),
        cmocka_unit_test(test_weighted_bh),  cmocka_unit_test(test_unexplained),
        cmocka_unit_test(test_rank_anomaly), cmocka_unit_test(test_share_cdf),
        cmocka_unit_test(test_null_uniform), cmocka_unit_test(test_priority_parse),
        cmocka_unit_test(test_errors),       cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
