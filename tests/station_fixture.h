/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * station_fixture.h — hand-made stations under the built-in Indonesian
 * rules, shared by the integrity, repair and ranking tests: a consistent
 * station, a table of n edited copies of it, and the integrity masks.
 */
#ifndef SAKSI_STATION_FIXTURE_H
#define SAKSI_STATION_FIXTURE_H

#include "analysis.h"

/* Rule indices of datasets/rules/indonesia.rules, in file order. */
enum { R_CAND, R_VIT, R_TVT, R_TBU, R_LISTS, R_DPT_LE, R_REG_SEX, R_DPT_SEX, R_DPTB_SEX,
       R_DPK_SEX, R_TOT_SEX, R_BAL, R_RES, R_CAP, R_300, R_ZERO, NR };

/* A consistent station: registered 250 (120 + 130), 3 candidates 100 + 80 +
 * 20 = 200 valid, 4 invalid, 204 total; voters 200 DPT + 3 DPTb + 1 DPK;
 * ballots received 250 + ceil(5.0) = 255 = 204 used + 1 spoiled + 50 unused. */
static inline void clean_station(int32_t *v)
{
    int32_t base[SAKSI_NFIXED] = {
        [SAKSI_F_REGISTERED] = 250,       [SAKSI_F_REGISTERED_MALE] = 120,
        [SAKSI_F_REGISTERED_FEMALE] = 130, [SAKSI_F_VALID] = 200,
        [SAKSI_F_INVALID] = 4,            [SAKSI_F_TOTAL] = 204,
        [SAKSI_F_VOTERS_DPT] = 200,       [SAKSI_F_VOTERS_DPT_MALE] = 95,
        [SAKSI_F_VOTERS_DPT_FEMALE] = 105, [SAKSI_F_VOTERS_DPTB] = 3,
        [SAKSI_F_VOTERS_DPTB_MALE] = 1,   [SAKSI_F_VOTERS_DPTB_FEMALE] = 2,
        [SAKSI_F_VOTERS_DPK] = 1,         [SAKSI_F_VOTERS_DPK_MALE] = 1,
        [SAKSI_F_VOTERS_DPK_FEMALE] = 0,  [SAKSI_F_VOTERS_TOTAL] = 204,
        [SAKSI_F_VOTERS_TOTAL_MALE] = 97, [SAKSI_F_VOTERS_TOTAL_FEMALE] = 107,
        [SAKSI_F_BALLOTS_RECEIVED] = 255, [SAKSI_F_BALLOTS_USED] = 204,
        [SAKSI_F_BALLOTS_SPOILED] = 1,    [SAKSI_F_BALLOTS_UNUSED] = 50,
    };
    memcpy(v, base, sizeof base);
    v[SAKSI_NFIXED] = 100;
    v[SAKSI_NFIXED + 1] = 80;
    v[SAKSI_NFIXED + 2] = 20;
}

typedef struct fixture {
    saksi_rules *rules;
    saksi_table *t;
    int32_t *prog;
    uint32_t *enabled, *eval, *fail, *neg;
    saksi_results res; /* filled by fixture_analyse() */
} fixture;

/* Build a table of n stations made by edit(k, v), run the CPU twin. */
static inline void fixture_run(fixture *fx, size_t n, void (*edit)(size_t k, int32_t *v, char *id))
{
    saksi_error err = {0};
    int present[SAKSI_NFIXED];
    for (int f = 0; f < SAKSI_NFIXED; f++)
        present[f] = 1;
    const char *labels[] = {"01", "02", "03"};
    assert_int_equal(saksi_rules_load(NULL, &fx->rules, &err), SAKSI_OK);
    fx->t = saksi_table_alloc(present, 3, labels);
    for (size_t k = 0; k < n; k++) {
        int32_t v[SAKSI_NFIXED + 3];
        char id[32];
        clean_station(v);
        snprintf(id, sizeof id, "32010100010%02zu", k);
        edit(k, v, id);
        assert_int_equal(saksi_table_append(fx->t, id, strlen(id), NULL, v, 0, k + 2, NULL, &err),
                         SAKSI_OK);
    }
    assert_int_equal(saksi_table_finalize(fx->t, &err), SAKSI_OK);
    size_t len;
    assert_int_equal(saksi_rules_compile(fx->rules, fx->t, &fx->prog, &len, &err), SAKSI_OK);
    fx->enabled = calloc(n, 4);
    fx->eval = calloc(n, 4);
    fx->fail = calloc(n, 4);
    fx->neg = calloc(n, 4);
    assert_int_equal(saksi_rules_apply_scopes(fx->rules, fx->t, fx->enabled, &err), SAKSI_OK);
    saksi_integrity_cpu(fx->prog, fx->t, fx->enabled, 0, n, fx->eval, fx->fail, fx->neg);
}

/* Repairs and the ranked list under the default configuration. */
static inline void fixture_analyse(fixture *fx)
{
    saksi_config cfg;
    saksi_error err = {0};
    saksi_config_init(&cfg);
    fx->res.rules = fx->rules;
    fx->res.enabled = fx->enabled;
    fx->res.eval_mask = fx->eval;
    fx->res.fail_mask = fx->fail;
    fx->res.neg_mask = fx->neg;
    fx->enabled = fx->eval = fx->fail = fx->neg = NULL; /* owned by res now */
    saksi_repair_options ro = {cfg.repair_min_weight, cfg.repair_max_alternatives};
    assert_int_equal(saksi_repair_all(fx->t, fx->prog, &fx->res, &ro, &err), SAKSI_OK);
    assert_int_equal(saksi_rank_build(fx->t, fx->prog, &fx->res, &cfg, &err), SAKSI_OK);
}

static inline void fixture_done(fixture *fx)
{
    saksi_results_free(&fx->res);
    free(fx->prog);
    free(fx->enabled);
    free(fx->eval);
    free(fx->fail);
    free(fx->neg);
    saksi_table_free(fx->t);
    saksi_rules_free(fx->rules);
}

#endif /* SAKSI_STATION_FIXTURE_H */
