/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_world.h — shared by the report tests (test_report_html.c,
 * test_report_browser.c): a small generated election with every planted
 * kind, audited by the rules and repairs, with station tests computed here
 * from the peer beta-binomial (a stand-in for the station families until
 * they land: turnout and each candidate's share, two-sided mid-p), region
 * test rows and figures, written to report.h5 and drawn.
 */
#ifndef SAKSI_REPORT_WORLD_H
#define SAKSI_REPORT_WORLD_H

#include "test_support.h"

#include "report_html.h"

typedef struct world {
    saksi_table *t;
    saksi_rules *rules;
    int32_t *prog;
    saksi_results res;
    saksi_quarantine *q;
    saksi_provenance prov;
    const char *paths[1];
    unsigned char sha[1][32];
    uint64_t bytes[1], records[1];
    char *dir; /* temporary directory holding report.h5 and the drawn files */
    char h5[4200];
} world;

/* One station test column from the peer beta-binomial of x_field of
 * n_field (leave one out, the district shrunk to the regency). */
static inline void world_column(world *w, const char *test, int candidate, int x_field, int n_field,
                                saksi_bb *keep)
{
    const saksi_table *t = w->t;
    saksi_station_test *c;
    saksi_error err = {0};
    saksi_peer_options po;
    int ctx[2] = {x_field, n_field};
    saksi_bb *bb = calloc(t->n, sizeof *bb);
    double *pmf = malloc(4096 * sizeof *pmf);
    saksi_peer_options_init(&po);
    assert_int_equal(saksi_peers_fit(t, saksi_rate_field_ratio, ctx, NULL, &po, bb, NULL, NULL, &err),
                     SAKSI_OK);
    assert_int_equal(saksi_station_tests_add(w->res.station_tests, test, candidate, 1, &c, &err),
                     SAKSI_OK);
    for (size_t i = 0; i < t->n; i++) {
        int32_t x, n;
        if (keep) keep[i * t->ncand] = bb[i];
        /* noken stations may vote as one bloc: their shares are no
         * beta-binomial, and the stand-in leaves them untested */
        if (!bb[i].ok || !saksi_rate_field_ratio(t, i, ctx, &x, &n) || n >= 4096 ||
            (candidate >= 0 && t->stratum[i] == SAKSI_STRATUM_NOKEN))
            continue;
        saksi_bb_pmf(n, bb[i].mu, bb[i].rho, pmf);
        c->p[i] = saksi_bb_midp(x, n, pmf);
        c->observed[i] = (double)x / n;
        c->expected[i] = bb[i].mu;
        double sd = sqrt(n * bb[i].mu * (1 - bb[i].mu) * (1 + (n - 1) * bb[i].rho));
        c->effect[i] = sd > 0 ? (x - n * bb[i].mu) / sd : 0;
    }
    free(bb);
    free(pmf);
}

static inline void world_figures(world *w)
{
    saksi_error err = {0};
    const saksi_table *t = w->t;
    saksi_figures *f = w->res.figures = calloc(1, sizeof *f);
    saksi_fig_digits d = {.test = "last_digit", .level = 0, .region = 0, .candidate = 0};
    for (size_t i = 0; i < t->n; i++) {
        int32_t v = saksi_table_get(t, SAKSI_NFIXED, i);
        if (v != SAKSI_MISSING && v >= 0) d.observed[v % 10]++;
    }
    for (int k = 0; k < 10; k++) {
        d.expected[k] = d.observed[k] * 0.9 + 10; /* figure data only: any shape draws */
        d.classical[k] = 0.1;
    }
    assert_int_equal(saksi_figures_add_digits(f, &d, &err), SAKSI_OK);
    d.level = 1;
    d.candidate = -1;
    d.test = "second_digit_10_99";
    assert_int_equal(saksi_figures_add_digits(f, &d, &err), SAKSI_OK);
    saksi_fig_spikes s = {.rate = "turnout", .level = 0, .region = 0};
    for (size_t i = 0; i < t->n; i++) {
        int32_t x = saksi_table_get(t, SAKSI_F_VOTERS_DPT, i);
        int32_t n = saksi_table_get(t, SAKSI_F_REGISTERED, i);
        if (x >= 0 && n > 0 && x <= n && (100 * x) % n == 0) s.observed[100 * x / n]++;
    }
    for (int p = 0; p < SAKSI_FIG_PERCENTS; p++)
        s.expected[p] = s.observed[p] > 0 ? s.observed[p] - 0.5 : NAN;
    assert_int_equal(saksi_figures_add_spikes(f, &s, &err), SAKSI_OK);
    int32_t grid[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 1000};
    saksi_fig_fingerprint fp = {1, 0, 4, 4, grid, 0.012, 0.001, 0.02, 0.003};
    assert_int_equal(saksi_figures_add_fingerprint(f, &fp, &err), SAKSI_OK);
}

/* Region tests: a last-digit row per province (p from its index), one
 * flagged with a tiny p, and a descriptive row. */
static inline void world_region_tests(world *w)
{
    saksi_error err = {0};
    saksi_region_tests *rt = w->res.region_tests = calloc(1, sizeof *rt);
    const saksi_regions *pr = &w->t->regions[SAKSI_LEVEL_PROVINCE];
    for (size_t r = 0; r < pr->n; r++) {
        saksi_region_test row = {.test = "last_digit",
                                 .level = 1,
                                 .region = (uint32_t)r,
                                 .candidate = -1,
                                 .n = 100,
                                 .statistic = 1.0,
                                 .effect = 2.0,
                                 .effect_floor = 1.0,
                                 .p = r == 0 ? 1e-9 : (double)(r + 1) / (pr->n + 1),
                                 .skip = ""};
        assert_int_equal(saksi_region_tests_push(rt, &row, &err), SAKSI_OK);
    }
    saksi_region_test d = {.test = "skew",
                           .level = 1,
                           .region = 0,
                           .candidate = -1,
                           .descriptive = 1,
                           .p = NAN,
                           .skip = ""};
    assert_int_equal(saksi_region_tests_push(rt, &d, &err), SAKSI_OK);
    assert_int_equal(saksi_region_tests_finish(rt, 0.05, 0, &err), SAKSI_OK);
}

/* Audit w->t: rules, repairs, the stand-in station tests, the anomaly
 * evidence and the ranking; with extras, region tests and figures too. */
static inline void world_audit(world *w, int extras)
{
    saksi_error err = {0};
    saksi_config cfg;
    size_t len;
    assert_int_equal(saksi_rules_load(NULL, &w->rules, &err), SAKSI_OK);
    assert_int_equal(saksi_rules_compile(w->rules, w->t, &w->prog, &len, &err), SAKSI_OK);
    saksi_results *res = &w->res;
    size_t n = w->t->n;
    res->rules = w->rules;
    res->enabled = calloc(n, 4);
    res->eval_mask = calloc(n, 4);
    res->fail_mask = calloc(n, 4);
    res->neg_mask = calloc(n, 4);
    assert_int_equal(saksi_rules_apply_scopes(w->rules, w->t, res->enabled, &err), SAKSI_OK);
    saksi_integrity_cpu(w->prog, w->t, res->enabled, 0, n, res->eval_mask, res->fail_mask,
                        res->neg_mask);
    saksi_config_init(&cfg);
    saksi_repair_options ro = {cfg.repair_min_weight, cfg.repair_max_alternatives};
    assert_int_equal(saksi_repair_all(w->t, w->prog, res, &ro, &err), SAKSI_OK);

    res->station_tests = saksi_station_tests_alloc(n, w->t->ncand);
    assert_int_equal(saksi_station_tests_alloc_shares(res->station_tests, &err), SAKSI_OK);
    world_column(w, "turnout", -1, SAKSI_F_VOTERS_DPT, SAKSI_F_REGISTERED, NULL);
    for (size_t c = 0; c < w->t->ncand; c++)
        world_column(w, "share", (int)c, (int)(SAKSI_NFIXED + c), SAKSI_F_VALID,
                     res->station_tests->share_null + c);
    if (extras) {
        world_region_tests(w);
        world_figures(w);
    }
    assert_int_equal(saksi_anomaly_build(w->t, res, NULL, &err), SAKSI_OK);
    assert_int_equal(saksi_rank_build(w->t, w->prog, res, &cfg, &err), SAKSI_OK);
}

/* Build, audit and write report.h5 into a fresh directory. */
static inline void world_build(world *w, size_t stations, uint64_t seed)
{
    saksi_error err = {0};
    saksi_sim_config sc;
    memset(w, 0, sizeof *w);
    saksi_sim_config_init(&sc);
    sc.stations = stations;
    sc.provinces = 6;
    sc.seed = seed;
    for (int k = 0; k < SAKSI_NPLANT; k++)
        sc.plant_rate[k] = 0.01;
    assert_int_equal(saksi_simulate_table(&sc, &w->t, NULL, NULL, NULL, &err), SAKSI_OK);
    world_audit(w, 1);
    size_t n = w->t->n;
    w->q = saksi_quarantine_alloc();
    uint32_t fi;
    assert_int_equal(saksi_quarantine_add_file(w->q, "world.csv", &fi, &err), SAKSI_OK);
    w->paths[0] = "world.csv";
    w->bytes[0] = 1234;
    w->records[0] = n;
    w->prov = (saksi_provenance){.version = "test",
                                 .libraries = "libs",
                                 .parameters = "p=1",
                                 .seed = seed,
                                 .backend = "cpu",
                                 .device = "",
                                 .created_utc = "pinned",
                                 .rules_source = w->rules->source,
                                 .ninputs = 1,
                                 .input_paths = w->paths,
                                 .input_sha256 = (const unsigned char(*)[32])w->sha,
                                 .input_bytes = w->bytes,
                                 .input_records = w->records};
    w->dir = test_mkdtemp("world");
    snprintf(w->h5, sizeof w->h5, "%s/report.h5", w->dir);
    assert_int_equal(saksi_report_h5(w->h5, w->t, w->q, &w->res, &w->prov, &err), SAKSI_OK);
}

static inline void world_free(world *w)
{
    saksi_results_free(&w->res);
    free(w->prog);
    saksi_rules_free(w->rules);
    saksi_table_free(w->t);
    saksi_quarantine_free(w->q);
    if (!w->dir) return;
    if (getenv("SAKSI_TEST_KEEP")) { /* to look at the drawn files */
        fprintf(stderr, "note: kept %s\n", w->dir);
        free(w->dir);
    } else {
        test_rmtree(w->dir);
    }
}

#endif /* SAKSI_REPORT_WORLD_H */
