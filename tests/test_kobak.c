/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_kobak.c — integer percentages (Kobak, Shpilkin & Pshenichnikov
 * 2016): membership by cross-multiplication on hand cases, reachability,
 * the own-rate binomial probability against a brute-force sum, the
 * national leader, and the region tests, spike profile and skip reasons on
 * small tables, recounted independently here.
 * LABELS: unit
 */
#include "test_support.h"

#include "turnout.h"

#define TOL(points) ((int32_t)((points)*SAKSI_IPCT_TOL_DEN + 0.5))

static void test_code_hand(void **state)
{
    (void)state;
    const int32_t D = SAKSI_IPCT_TOL_DEN;
    /* 1/4 = 25%, 0/7 = 0%, 7/7 = 100%: exact. */
    assert_int_equal(saksi_ipct_code(1, 4, 0, D), 25);
    assert_int_equal(saksi_ipct_code(0, 7, 0, D), 0);
    assert_int_equal(saksi_ipct_code(7, 7, 0, D), 100);
    /* 1/3 = 33.33%: not an integer; within 0.34 points of 33; 2/3 =
     * 66.67% is 0.333 from 67. */
    assert_int_equal(saksi_ipct_code(1, 3, 0, D), SAKSI_IPCT_NOT_INTEGER);
    assert_int_equal(saksi_ipct_code(1, 3, TOL(0.34), D), 33);
    assert_int_equal(saksi_ipct_code(1, 3, TOL(0.33), D), SAKSI_IPCT_NOT_INTEGER);
    assert_int_equal(saksi_ipct_code(2, 3, TOL(0.34), D), 67);
    /* 1/200 = 0.5%: a tie goes to the lower percent, and it is within
     * 0.5 points (the bound is inclusive). */
    assert_int_equal(saksi_ipct_code(1, 200, TOL(0.5), D), 0);
    assert_int_equal(saksi_ipct_code(1, 200, TOL(0.4999), D), SAKSI_IPCT_NOT_INTEGER);
    /* Sirekap-sized: 201 of 250 = 80.4%; 200 of 250 = 80%. */
    assert_int_equal(saksi_ipct_code(200, 250, 0, D), 80);
    assert_int_equal(saksi_ipct_code(201, 250, 0, D), SAKSI_IPCT_NOT_INTEGER);
    assert_int_equal(saksi_ipct_code(201, 250, TOL(0.4), D), 80);
    /* Russia-sized, where exact integers need n | 100 x: 1658 of 1950 is
     * 85.03% (0.0256 points from 85). */
    assert_int_equal(saksi_ipct_code(1658, 1950, 0, D), SAKSI_IPCT_NOT_INTEGER);
    assert_int_equal(saksi_ipct_code(1658, 1950, TOL(0.03), D), 85);
    assert_int_equal(saksi_ipct_code(1658, 1950, TOL(0.025), D), SAKSI_IPCT_NOT_INTEGER);
    /* Unusable rates say why. */
    assert_int_equal(saksi_ipct_code(SAKSI_MISSING, 10, 0, D), SAKSI_IPCT_MISSING);
    assert_int_equal(saksi_ipct_code(3, SAKSI_MISSING, 0, D), SAKSI_IPCT_MISSING);
    assert_int_equal(saksi_ipct_code(0, 0, 0, D), SAKSI_IPCT_SIZE);
    assert_int_equal(saksi_ipct_code(-1, 10, 0, D), SAKSI_IPCT_RANGE);
    assert_int_equal(saksi_ipct_code(11, 10, 0, D), SAKSI_IPCT_RANGE);
    /* No overflow at the int32 limit: 2147483647 of 2147483647 = 100%. */
    assert_int_equal(saksi_ipct_code(2147483647, 2147483647, 0, D), 100);
    assert_int_equal(saksi_ipct_pack(80, SAKSI_IPCT_MISSING), 80u | (102u << 8));
}

static void test_reachable(void **state)
{
    (void)state;
    const int32_t D = SAKSI_IPCT_TOL_DEN;
    /* n = 250: k% of 250 = 2.5 k voters, a whole number only for even k. */
    for (int k = 0; k <= 100; k++)
        assert_int_equal(saksi_ipct_reachable(250, k, 0, D), k % 2 == 0);
    /* n = 7: only 0% and 100% are exact; within 0.5 points, 1/7 = 14.29%
     * reaches 14 but nothing reaches 15. */
    for (int k = 1; k < 100; k++)
        assert_false(saksi_ipct_reachable(7, k, 0, D));
    assert_true(saksi_ipct_reachable(7, 0, 0, D));
    assert_true(saksi_ipct_reachable(7, 100, 0, D));
    assert_true(saksi_ipct_reachable(7, 14, TOL(0.5), D));
    assert_false(saksi_ipct_reachable(7, 15, TOL(0.5), D));
    /* Brute force over x for every size up to 300 and three tolerances. */
    const int32_t tols[3] = {0, TOL(0.05), TOL(0.3)};
    for (int32_t n = 1; n <= 300; n++)
        for (int q = 0; q < 3; q++)
            for (int k = 0; k <= 100; k++) {
                int any = 0;
                for (int32_t x = 0; x <= n && !any; x++)
                    any = saksi_ipct_code(x, n, tols[q], D) == k;
                if (any != saksi_ipct_reachable(n, k, tols[q], D))
                    fail_msg("n %d k %d tol %d: brute %d", n, k, tols[q], any);
            }
}

/* P(Bin(n, x/n) in the lattice) by summing the pmf from log-gamma over
 * every count, with membership by the modulus (100 y mod n == 0 for an
 * exact integer; |100 y - k n| within the tolerance otherwise). */
static double brute_prob(int32_t x, int32_t n, double tol, double *per)
{
    double p = (double)x / n, sum = 0.0;
    for (int32_t y = 0; y <= n; y++) {
        double f = x == 0   ? (y == 0)
                   : x == n ? (y == n)
                            : exp(lgamma(n + 1.0) - lgamma(y + 1.0) - lgamma(n - y + 1.0) +
                                  y * log(p) + (n - y) * log(1 - p));
        double pct = 100.0 * y / n;
        long k = lround(pct);
        int in = tol == 0.0 ? (100L * y) % n == 0 : fabs(pct - (double)k) <= tol + 1e-12;
        if (in) {
            sum += f;
            per[k] += f;
        }
    }
    return sum;
}

static void test_station_prob(void **state)
{
    (void)state;
    const struct {
        int32_t x, n;
        double tol;
    } cases[] = {{200, 250, 0},      {13, 250, 0},    {171, 213, 0},  {150, 300, 0},
                 {1, 3, 0},          {0, 250, 0},     {250, 250, 0},  {1650, 1950, 0},
                 {1658, 1950, 0.03}, {201, 250, 0.4}, {97, 131, 0.1}, {5, 9, 0.2}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double per[101] = {0}, brute_per[101] = {0};
        double got = saksi_kobak_station_prob(cases[c].x, cases[c].n, TOL(cases[c].tol),
                                              SAKSI_IPCT_TOL_DEN, per);
        double want = brute_prob(cases[c].x, cases[c].n, cases[c].tol, brute_per);
        assert_close(got, want, 1e-12);
        double sum = 0.0;
        for (int k = 0; k <= 100; k++) {
            assert_close(per[k], brute_per[k], 1e-12);
            sum += per[k];
        }
        assert_close(sum, got, 1e-12);
    }
    /* n = 100: every count is an integer percentage. */
    assert_close(saksi_kobak_station_prob(37, 100, 0, SAKSI_IPCT_TOL_DEN, NULL), 1.0, 1e-12);
}

/* A table of the given stations; cols: registered, voters_dpt, valid, then
 * two candidates (SAKSI_MISSING for empty). */
static saksi_table *small_table(size_t n, const char *const *ids, const int32_t (*v)[5])
{
    int present[SAKSI_NFIXED] = {0};
    present[SAKSI_F_REGISTERED] = present[SAKSI_F_VOTERS_DPT] = present[SAKSI_F_VALID] = 1;
    const char *labels[] = {"01", "02"};
    saksi_table *t = saksi_table_alloc(present, 2, labels);
    saksi_error err = {0};
    for (size_t i = 0; i < n; i++) {
        int32_t row[SAKSI_NFIXED + 2];
        for (int f = 0; f < SAKSI_NFIXED + 2; f++)
            row[f] = SAKSI_MISSING;
        row[SAKSI_F_REGISTERED] = v[i][0];
        row[SAKSI_F_VOTERS_DPT] = v[i][1];
        row[SAKSI_F_VALID] = v[i][2];
        row[SAKSI_NFIXED] = v[i][3];
        row[SAKSI_NFIXED + 1] = v[i][4];
        assert_int_equal(
            saksi_table_append(t, ids[i], strlen(ids[i]), NULL, row, 0, i + 2, NULL, &err),
            SAKSI_OK);
    }
    assert_int_equal(saksi_table_finalize(t, &err), SAKSI_OK);
    return t;
}

static void test_leader_and_membership(void **state)
{
    (void)state;
    const char *ids[] = {"3201010001001", "3201010001002", "3201010001003", "3201010001004"};
    const int32_t v[4][5] = {{250, 200, 190, 100, 90},
                             {200, 150, 140, 40, SAKSI_MISSING},
                             {SAKSI_MISSING, 120, 100, 30, 70},
                             {0, 0, 0, 0, 0}};
    saksi_table *t = small_table(4, ids, v);
    /* Candidate 01: 170 votes, 02: 160. */
    assert_int_equal(saksi_kobak_national_leader(t), 0);
    saksi_kobak_options o;
    saksi_kobak_options_init(&o);
    int f[4];
    saksi_kobak_fields(t, &o, 0, f);
    assert_int_equal(f[0], SAKSI_F_VOTERS_DPT);
    assert_int_equal(f[1], SAKSI_F_REGISTERED);
    assert_int_equal(f[2], SAKSI_NFIXED);
    assert_int_equal(f[3], SAKSI_F_VALID);
    o.share_total = 1; /* no total column */
    saksi_kobak_fields(t, &o, 0, f);
    assert_int_equal(f[3], -1);
    o.share_total = 0;
    saksi_kobak_fields(t, &o, 0, f);
    uint32_t code[4];
    saksi_kobak_membership_cpu(t, f, 0, SAKSI_IPCT_TOL_DEN, 0, 4, code);
    /* 200/250 = 80%, 100/190 = 52.6%; 150/200 = 75%, 40/140 = 28.6%;
     * registered missing; 0/0 sizes. */
    assert_int_equal(code[0], saksi_ipct_pack(80, SAKSI_IPCT_NOT_INTEGER));
    assert_int_equal(code[1], saksi_ipct_pack(75, SAKSI_IPCT_NOT_INTEGER));
    assert_int_equal(code[2], saksi_ipct_pack(SAKSI_IPCT_MISSING, 30));
    assert_int_equal(code[3], saksi_ipct_pack(SAKSI_IPCT_SIZE, SAKSI_IPCT_SIZE));
    int absent[4] = {-1, SAKSI_F_REGISTERED, SAKSI_NFIXED + 1, SAKSI_F_VALID};
    saksi_kobak_membership_cpu(t, absent, 0, SAKSI_IPCT_TOL_DEN, 0, 4, code);
    assert_int_equal(code[0] & 0xFF, SAKSI_IPCT_MISSING);
    assert_int_equal(code[1] >> 8, SAKSI_IPCT_MISSING); /* cand_02 empty there */
    saksi_table_free(t);
}

/* Membership by floating point, independently of the integer code. */
static int is_integer_pct(int32_t x, int32_t n, double tol)
{
    double pct = 100.0 * x / n;
    return tol == 0.0 ? (100L * x) % n == 0 : fabs(pct - (double)lround(pct)) <= tol + 1e-12;
}

/* Run the whole analysis on a simulated table and recount it here, with
 * exact integers and with the default tolerance. */
static void analyse_simulated(double tol)
{
    saksi_sim_config c;
    saksi_error err = {0};
    saksi_table *t = NULL;
    saksi_sim_config_init(&c);
    c.stations = 20000;
    c.seed = 77;
    assert_int_equal(saksi_simulate_table(&c, &t, NULL, NULL, NULL, &err), SAKSI_OK);
    /* Empty one district entirely (registered and valid missing: the power
     * guard) and 60% of the largest (the coverage floor). */
    uint32_t gone = t->region_of[SAKSI_LEVEL_DISTRICT][t->n / 2], big = 0;
    const saksi_regions *dg = &t->regions[SAKSI_LEVEL_DISTRICT];
    for (uint32_t d = 0; d < dg->n; d++)
        big = dg->count[d] > dg->count[big] ? d : big;
    assert_true(dg->count[big] >= 80 && big != gone);
    int s_reg = t->slot_of_field[SAKSI_F_REGISTERED], s_val = t->slot_of_field[SAKSI_F_VALID];
    for (size_t i = dg->first[gone]; i < dg->first[gone] + dg->count[gone]; i++)
        t->cols[(size_t)s_reg * t->stride + i] = t->cols[(size_t)s_val * t->stride + i] =
            SAKSI_MISSING;
    for (size_t i = dg->first[big]; i < dg->first[big] + dg->count[big] * 6 / 10; i++)
        t->cols[(size_t)s_reg * t->stride + i] = t->cols[(size_t)s_val * t->stride + i] =
            SAKSI_MISSING;

    saksi_kobak_options o;
    saksi_kobak_options_init(&o);
    assert_int_equal(o.tol_num, TOL(SAKSI_IPCT_DEFAULT_TOLERANCE));
    o.tol_num = TOL(tol);
    saksi_kobak *k = NULL;
    saksi_region_tests rt = {0};
    assert_int_equal(saksi_kobak_alloc(t, &o, &k, &err), SAKSI_OK);
    assert_int_equal(k->leader, saksi_kobak_national_leader(t));
    saksi_kobak_membership_cpu(t, k->field, k->tol_num, k->tol_den, 0, t->n, k->code);
    assert_int_equal(saksi_kobak_analyse(t, &o, k, &rt, &err), SAKSI_OK);
    assert_int_equal(saksi_region_tests_finish(&rt, 0.05, 0, &err), SAKSI_OK);

    /* Recount the nation: integer turnout (voters_dpt / registered) or
     * integer leader share (votes / valid), by the modulus. */
    size_t obs = 0, tested = 0, obs_t = 0;
    double expected = 0.0;
    for (size_t i = 0; i < t->n; i++) {
        int32_t reg = saksi_table_get(t, SAKSI_F_REGISTERED, i);
        int32_t dpt = saksi_table_get(t, SAKSI_F_VOTERS_DPT, i);
        int32_t val = saksi_table_get(t, SAKSI_F_VALID, i);
        int32_t ld = saksi_table_get(t, SAKSI_NFIXED + k->leader, i);
        int tu = reg != SAKSI_MISSING && reg >= 1 && dpt >= 0 && dpt <= reg;
        int su = val >= 1 && ld >= 0 && ld <= val;
        if (!tu && !su) continue;
        tested++;
        int ti = tu && is_integer_pct(dpt, reg, tol), si = su && is_integer_pct(ld, val, tol);
        obs += ti || si;
        obs_t += ti;
        double per[101] = {0};
        double pt = tu ? brute_prob(dpt, reg, tol, per) : 0.0;
        double ps = su ? brute_prob(ld, val, tol, per) : 0.0;
        expected += 1.0 - (1.0 - pt) * (1.0 - ps);
    }
    const saksi_kobak_region *nat = &k->regions[0];
    assert_int_equal(nat->level, SAKSI_LEVEL_NATIONAL);
    assert_int_equal(nat->tested, tested);
    assert_int_equal(nat->observed, obs);
    assert_int_equal(nat->observed_rate[SAKSI_IPCT_TURNOUT], obs_t);
    assert_close(nat->expected, expected, 1e-8 * expected);
    assert_int_equal(k->tested, tested);
    assert_true(tested < t->n); /* the emptied district */

    /* Region rows: every region of levels 0..3, in k->regions order; the
     * emptied district skipped for coverage, the national row tested. */
    size_t want = 0;
    for (int l = 0; l <= SAKSI_IPCT_MAX_LEVEL; l++)
        want += t->regions[l].n;
    assert_int_equal(rt.n, want);
    assert_int_equal(k->nregions, want);
    int saw_gone = 0, saw_big = 0;
    for (size_t r = 0; r < rt.n; r++) {
        const saksi_region_test *row = &rt.row[r];
        assert_string_equal(row->test, "integer_percent");
        assert_int_equal(row->level, k->regions[r].level);
        if (row->level == SAKSI_LEVEL_DISTRICT && row->region == gone) {
            saw_gone = 1;
            assert_non_null(strstr(row->skip, "fewer than 30"));
            assert_true(isnan(row->p));
        }
        if (row->level == SAKSI_LEVEL_DISTRICT && row->region == big) {
            saw_big = 1;
            assert_non_null(strstr(row->skip, "coverage below 50%"));
            assert_true(isnan(row->q));
        }
        if (!*row->skip) {
            assert_true(row->p >= 0.0 && row->p <= 1.0);
            if (!(row->q >= row->p * (1.0 - 1e-15))) /* m p / m rounds */
                fail_msg("row %zu: p %.17g q %.17g m %u", r, row->p, row->q, row->m);
            assert_close(row->effect, row->statistic - k->regions[r].expected, 1e-9);
            assert_true(row->effect_lo < row->effect && row->effect < row->effect_hi);
            double fl = 0.01 * row->n;
            assert_close(row->effect_floor, fl > 3.0 ? fl : 3.0, 1e-12);
        }
    }
    assert_true(saw_gone && saw_big);
    assert_true(isnan(rt.row[0].p) == 0);

    /* Spike profile: nation and provinces, both rates, 101 percents each;
     * the national observed counts sum to the per-rate observed. */
    assert_int_equal(k->nprofile, (1 + t->regions[SAKSI_LEVEL_PROVINCE].n) * 2 * 101);
    uint32_t sum_obs[2] = {0};
    double sum_exp[2] = {0};
    for (size_t q = 0; q < 2 * 101; q++) {
        const saksi_kobak_profile *pf = &k->profile[q];
        assert_int_equal(pf->level, SAKSI_LEVEL_NATIONAL);
        sum_obs[pf->rate] += pf->observed;
        sum_exp[pf->rate] += pf->expected;
        assert_true(pf->observed <= pf->reachable);
        assert_true(pf->reachable <= tested);
    }
    for (int r = 0; r < 2; r++) {
        assert_int_equal(sum_obs[r], nat->observed_rate[r]);
        assert_close(sum_exp[r], nat->expected_rate[r], 1e-8 * nat->expected_rate[r]);
    }
    /* Exactly, 50% of an even size is always reachable, of an odd one never. */
    size_t even = 0;
    for (size_t i = 0; tol == 0.0 && i < t->n; i++) {
        int32_t reg = saksi_table_get(t, SAKSI_F_REGISTERED, i);
        even += reg != SAKSI_MISSING && reg >= 1 && reg % 2 == 0 &&
                saksi_table_get(t, SAKSI_F_VOTERS_DPT, i) <= reg;
    }
    if (tol == 0.0) assert_int_equal(k->profile[50].reachable, even);

    saksi_region_tests_free(&rt);
    saksi_kobak_free(k);
    saksi_table_free(t);
}

static void test_analyse_exact(void **state)
{
    (void)state;
    analyse_simulated(0.0);
}

static void test_analyse_tolerance(void **state)
{
    (void)state;
    analyse_simulated(SAKSI_IPCT_DEFAULT_TOLERANCE);
}

static void test_errors(void **state)
{
    (void)state;
    const char *ids[] = {"3201010001001"};
    const int32_t v[1][5] = {{250, 200, 190, 100, 90}};
    saksi_table *t = small_table(1, ids, v);
    saksi_kobak_options o;
    saksi_kobak *k = NULL;
    saksi_error err = {0};
    saksi_kobak_options_init(&o);
    o.tol_num = -1;
    assert_int_equal(saksi_kobak_alloc(t, &o, &k, &err), SAKSI_ERR_USAGE);
    assert_null(k);
    assert_non_null(strstr(err.message, "tolerance"));
    o.tol_num = 0;
    o.leader = 2;
    assert_int_equal(saksi_kobak_alloc(t, &o, &k, &err), SAKSI_ERR_USAGE);
    assert_non_null(strstr(err.message, "has 2 candidates"));
    /* Through the family: a tolerance finer than 0.0001 points. */
    saksi_config cfg;
    saksi_config_init(&cfg);
    cfg.baselines = 0;
    cfg.integer_tolerance = 0.00005;
    saksi_results res = {0};
    assert_int_equal(saksi_family_baselines(t, &cfg, NULL, &res, NULL, &err), SAKSI_ERR_USAGE);
    assert_non_null(strstr(err.message, "multiple of 0.0001"));
    cfg.integer_tolerance = 51;
    assert_int_equal(saksi_family_baselines(t, &cfg, NULL, &res, NULL, &err), SAKSI_ERR_USAGE);
    /* A single station: every region is below the power guard. */
    cfg.integer_tolerance = 0.05;
    saksi_summary sum = {0};
    assert_int_equal(saksi_family_baselines(t, &cfg, NULL, &res, &sum, &err), SAKSI_OK);
    assert_int_equal(sum.integer_tested, 1);
    assert_int_equal(sum.integer_observed, 1); /* 200/250 = 80% */
    assert_true(isnan(sum.integer_p));
    saksi_results_free(&res);
    saksi_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_hand),     cmocka_unit_test(test_reachable),
        cmocka_unit_test(test_station_prob),  cmocka_unit_test(test_leader_and_membership),
        cmocka_unit_test(test_analyse_exact), cmocka_unit_test(test_analyse_tolerance),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
