/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_rollup.c — region roll-ups (analysis/rollup.c): coverage, classes
 * and votes at stake per region against the national first-second margin,
 * region tests run and flagged, the region ranking and its drill-down, on
 * six hand-made stations in two provinces whose every expected figure is
 * worked out by hand below.
 * LABELS: unit
 */
#include "test_support.h"

#include "station_fixture.h"

/* Stations (canonical order = id order):
 *  0 3201010001001 clean (100, 80, 20)
 *  1 3201010001002 cand_01 = 137: integrity, |237 - 200| = 37 votes
 *  2 3201010001003 clean
 *  3 3202010001001 total 284 for 204: transcription, 80 votes
 *  4 3301010001001 every candidate missing: no data, not complete
 *  5 3301010001002 invalid missing: data, not complete
 * National: cand_01 100 + 137 + 100 + 100 + 100 = 537, cand_02 5 x 80 =
 * 400, cand_03 5 x 20 = 100: first cand_01, second cand_02, margin 137. */
static const char *const ids[] = {"3201010001001", "3201010001002", "3201010001003",
                                  "3202010001001", "3301010001001", "3301010001002"};

static void edit(size_t k, int32_t *v)
{
    if (k == 1) v[SAKSI_NFIXED] = 137;
    if (k == 3) v[SAKSI_F_TOTAL] = 284;
    if (k == 4) v[SAKSI_NFIXED] = v[SAKSI_NFIXED + 1] = v[SAKSI_NFIXED + 2] = SAKSI_MISSING;
    if (k == 5) v[SAKSI_F_INVALID] = SAKSI_MISSING;
}

typedef struct setup {
    saksi_table *t;
    saksi_rules *rules;
    int32_t *prog;
    saksi_results res;
} setup;

static void analyse(setup *s)
{
    saksi_error err = {0};
    saksi_config cfg;
    int present[SAKSI_NFIXED];
    const char *labels[] = {"01", "02", "03"};
    size_t len, n = 6;
    saksi_config_init(&cfg);
    for (int f = 0; f < SAKSI_NFIXED; f++)
        present[f] = 1;
    s->t = saksi_table_alloc(present, 3, labels);
    for (size_t k = 0; k < n; k++) {
        int32_t v[SAKSI_NFIXED + 3];
        clean_station(v);
        edit(k, v);
        assert_int_equal(
            saksi_table_append(s->t, ids[k], strlen(ids[k]), NULL, v, 0, k + 2, NULL, &err),
            SAKSI_OK);
    }
    assert_int_equal(saksi_table_finalize(s->t, &err), SAKSI_OK);
    assert_int_equal(saksi_rules_load(NULL, &s->rules, &err), SAKSI_OK);
    assert_int_equal(saksi_rules_compile(s->rules, s->t, &s->prog, &len, &err), SAKSI_OK);
    saksi_results *res = &s->res;
    res->rules = s->rules;
    res->enabled = calloc(n, 4);
    res->eval_mask = calloc(n, 4);
    res->fail_mask = calloc(n, 4);
    res->neg_mask = calloc(n, 4);
    assert_int_equal(saksi_rules_apply_scopes(s->rules, s->t, res->enabled, &err), SAKSI_OK);
    saksi_integrity_cpu(s->prog, s->t, res->enabled, 0, n, res->eval_mask, res->fail_mask,
                        res->neg_mask);
    saksi_repair_options ro = {cfg.repair_min_weight, cfg.repair_max_alternatives};
    assert_int_equal(saksi_repair_all(s->t, s->prog, res, &ro, &err), SAKSI_OK);
    assert_int_equal(saksi_rank_build(s->t, s->prog, res, &cfg, &err), SAKSI_OK);
    assert_int_equal(res->nranked, 2);
    assert_int_equal(res->ranked[0].station, 1);
    assert_int_equal(res->ranked[1].station, 3);
    assert_int_equal(res->ranked[1].klass, SAKSI_CLASS_TRANSCRIPTION);
}

static void done(setup *s)
{
    saksi_results_free(&s->res);
    free(s->prog);
    saksi_rules_free(s->rules);
    saksi_table_free(s->t);
}

static void test_coverage_helpers(void **state)
{
    (void)state;
    setup s = {0};
    analyse(&s);
    const int data[] = {1, 1, 1, 1, 0, 1}, complete[] = {1, 1, 1, 1, 0, 0};
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(saksi_station_has_data(s.t, i), data[i]);
        assert_int_equal(saksi_station_complete(s.t, i), complete[i]);
    }
    done(&s);
}

static void test_rollup(void **state)
{
    (void)state;
    setup s = {0};
    saksi_rollup r;
    saksi_error err = {0};
    analyse(&s);
    /* province 33 flagged by one region test, tested by two; province 32
     * tested once, not flagged; a skipped and a descriptive row count
     * nowhere */
    s.res.region_tests = calloc(1, sizeof *s.res.region_tests);
    const saksi_region_test rows[] = {
        {.test = "last_digit", .level = 1, .region = 1, .p = 1e-5, .q = 2e-5, .flagged = 1},
        {.test = "integer_percent", .level = 1, .region = 1, .p = 0.3, .q = 0.6},
        {.test = "last_digit", .level = 1, .region = 0, .p = 0.2, .q = 0.4},
        {.test = "last_digit", .level = 1, .region = 0, .p = NAN, .skip = "too few numbers"},
        {.test = "skew", .level = 1, .region = 0, .descriptive = 1, .p = NAN},
    };
    for (size_t k = 0; k < 5; k++)
        assert_int_equal(saksi_region_tests_push(s.res.region_tests, &rows[k], &err), SAKSI_OK);
    assert_int_equal(saksi_rollup_build(s.t, &s.res, &r, &err), SAKSI_OK);

    assert_int_equal(r.cand_votes[0], 537);
    assert_int_equal(r.cand_votes[1], 400);
    assert_int_equal(r.cand_votes[2], 100);
    assert_int_equal(r.first, 0);
    assert_int_equal(r.second, 1);
    assert_int_equal(r.margin, 137);

    /* national: everything */
    assert_int_equal(r.n[0], 1);
    const saksi_rollup_region *nat = &r.level[0][0];
    assert_int_equal(nat->stations, 6);
    assert_int_equal(nat->with_data, 5);
    assert_int_equal(nat->complete, 4);
    assert_int_equal(nat->votes_total, 37 + 80);
    assert_int_equal(nat->by_class[SAKSI_CLASS_NONE], 4);
    assert_close(nat->share_of_margin, 117.0 / 137.0, 1e-15);

    /* provinces: 32 (index 0) and 33 (index 1) */
    const saksi_rollup_region *p32 = &r.level[1][0], *p33 = &r.level[1][1];
    assert_int_equal(p32->stations, 4);
    assert_int_equal(p32->with_data, 4);
    assert_int_equal(p32->complete, 4);
    assert_int_equal(p32->by_class[SAKSI_CLASS_INTEGRITY], 1);
    assert_int_equal(p32->by_class[SAKSI_CLASS_TRANSCRIPTION], 1);
    assert_int_equal(p32->votes[SAKSI_CLASS_INTEGRITY], 37);
    assert_int_equal(p32->votes[SAKSI_CLASS_TRANSCRIPTION], 80);
    assert_int_equal(p32->tests_run, 1);
    assert_int_equal(p32->tests_flagged, 0);
    assert_close(p32->min_q, 0.4, 0);
    assert_int_equal(p32->ntop, 2);
    assert_int_equal(p32->top[0], 0); /* ranked rows 0 and 1, in rank order */
    assert_int_equal(p32->top[1], 1);
    assert_int_equal(p33->stations, 2);
    assert_int_equal(p33->with_data, 1);
    assert_int_equal(p33->complete, 0);
    assert_int_equal(p33->votes_total, 0);
    assert_close(p33->share_of_margin, 0.0, 0);
    assert_int_equal(p33->tests_run, 2);
    assert_int_equal(p33->tests_flagged, 1);
    assert_close(p33->min_q, 2e-5, 0);
    assert_int_equal(p33->ntop, 0);
    /* flagged tests first: 33 before 32 despite fewer votes at stake */
    assert_int_equal(r.order[1][0], 1);
    assert_int_equal(p33->rank, 1);
    assert_int_equal(p32->rank, 2);

    /* regencies 3201, 3202, 3301: no flags, so votes at stake: 3202 (80),
     * 3201 (37), 3301 (0) */
    assert_int_equal(r.n[2], 3);
    assert_int_equal(r.order[2][0], 1);
    assert_int_equal(r.order[2][1], 0);
    assert_int_equal(r.order[2][2], 2);
    assert_true(isnan(r.level[2][2].min_q));
    assert_int_equal(r.level[2][1].top[0], 1); /* 3202's only ranked row */
    saksi_rollup_free(&r);
    saksi_rollup_free(NULL);
    done(&s);
}

/* One candidate: no second, no margin, shares NaN. Equal votes at stake
 * and flags: ranked count, then code. */
static void test_no_margin_and_ties(void **state)
{
    (void)state;
    saksi_error err = {0};
    int present[SAKSI_NFIXED] = {0};
    present[SAKSI_F_REGISTERED] = 1;
    const char *labels[] = {"01"};
    saksi_table *t = saksi_table_alloc(present, 1, labels);
    const char *tid[] = {"3302010001001", "3301010001001"};
    for (size_t k = 0; k < 2; k++) {
        int32_t v[SAKSI_NFIXED + 1];
        for (int f = 0; f < SAKSI_NFIXED + 1; f++)
            v[f] = SAKSI_MISSING;
        v[SAKSI_F_REGISTERED] = 100;
        v[SAKSI_NFIXED] = 50;
        assert_int_equal(saksi_table_append(t, tid[k], 13, NULL, v, 0, k + 2, NULL, &err),
                         SAKSI_OK);
    }
    assert_int_equal(saksi_table_finalize(t, &err), SAKSI_OK);
    saksi_results res = {0};
    saksi_rollup r;
    assert_int_equal(saksi_rollup_build(t, &res, &r, &err), SAKSI_OK);
    assert_int_equal(r.first, 0);
    assert_int_equal(r.second, -1);
    assert_int_equal(r.margin, 0);
    assert_true(isnan(r.level[0][0].share_of_margin));
    /* only present columns count for completeness: registered and cand_01 */
    assert_int_equal(r.level[0][0].complete, 2);
    /* regencies 3301 (index 0) and 3302 tie on everything: code order */
    assert_int_equal(r.order[2][0], 0);
    assert_int_equal(r.level[2][1].rank, 2);
    saksi_rollup_free(&r);

    /* a ranked row that names a station beyond the table is a bug */
    saksi_rank_row bad = {.station = 7, .klass = SAKSI_CLASS_INTEGRITY};
    res.ranked = &bad;
    res.nranked = 1;
    assert_int_equal(saksi_rollup_build(t, &res, &r, &err), SAKSI_ERR_INTERNAL);
    assert_non_null(strstr(err.message, "ranked row 0: station 7 of 2"));
    /* a region test naming a region beyond the level too */
    res.nranked = 0;
    saksi_region_tests rt = {0};
    saksi_region_test row = {.test = "x", .level = 2, .region = 9, .p = 0.5, .q = 0.5};
    assert_int_equal(saksi_region_tests_push(&rt, &row, &err), SAKSI_OK);
    res.region_tests = &rt;
    assert_int_equal(saksi_rollup_build(t, &res, &r, &err), SAKSI_ERR_INTERNAL);
    assert_non_null(strstr(err.message, "region test 0 names regency 9 of 2"));
    saksi_region_tests_free(&rt);
    saksi_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coverage_helpers),
        cmocka_unit_test(test_rollup),
        cmocka_unit_test(test_no_margin_and_ties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
