/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_rank.c — classes by rule, votes at stake, the ranking order and the
 * reasons, on hand-made stations whose expected rows were worked out by
 * hand from datasets/rules/indonesia.rules and DESIGN §5.
 * LABELS: unit
 */
#include "test_support.h"

#include "station_fixture.h"

static void edit_mixed(size_t k, int32_t *v, char *id)
{
    (void)id;
    switch (k) {
    case 0: /* over 300, otherwise consistent: 301 + ceil(6.02) = 308 */
        v[SAKSI_F_REGISTERED] = 301;
        v[SAKSI_F_REGISTERED_MALE] = 171;
        v[SAKSI_F_BALLOTS_RECEIVED] = 308;
        v[SAKSI_F_BALLOTS_UNUSED] = 103;
        break;
    case 1: /* transcription: total 204 read as 284 */
        v[SAKSI_F_TOTAL] = 284;
        break;
    case 2: /* two misreads, no repair: sum 24 vs valid 200 */
        v[SAKSI_NFIXED] = 1;
        v[SAKSI_NFIXED + 1] = 3;
        break;
    case 3: /* registered not entered (0, 0, 0) */
        v[SAKSI_F_REGISTERED] = v[SAKSI_F_REGISTERED_MALE] = v[SAKSI_F_REGISTERED_FEMALE] = 0;
        break;
    case 4: /* negative candidate: sum 160 vs 200 */
        v[SAKSI_NFIXED + 2] = -20;
        break;
    default:
        break;
    }
}

static void test_classes_and_order(void **state)
{
    (void)state;
    fixture fx = {0};
    fixture_run(&fx, 12, edit_mixed);
    fixture_analyse(&fx);
    const saksi_results *res = &fx.res;
    assert_int_equal(res->nranked, 5);
    /* integrity by votes at stake: 176 (row 2), 40 (row 4: |160 - 200| beats
     * the 20 of the negative cell), 0 (row 0: 301 - 300 registered voters,
     * no vote); then transcription (row 1, |284 - 204| = 80); then
     * incomplete (row 3). */
    const size_t station[] = {2, 4, 0, 1, 3};
    const int klass[] = {SAKSI_CLASS_INTEGRITY, SAKSI_CLASS_INTEGRITY, SAKSI_CLASS_INTEGRITY,
                         SAKSI_CLASS_TRANSCRIPTION, SAKSI_CLASS_INCOMPLETE};
    const int64_t stake[] = {176, 40, 0, 80, 0};
    const int primary[] = {R_CAND, R_CAND, R_300, R_VIT, R_DPT_LE};
    for (size_t k = 0; k < 5; k++) {
        const saksi_rank_row *row = &res->ranked[k];
        assert_int_equal(row->station, station[k]);
        assert_int_equal(row->klass, klass[k]);
        assert_int_equal(row->votes_at_stake, stake[k]);
        assert_int_equal(row->primary_rule, primary[k]);
    }
    assert_int_equal(res->ranked[0].discrepancy, -176);
    assert_int_equal(res->ranked[3].alternatives, 1);
    /* Station 3's failures are all "0 on one side". */
    size_t unentered = 0;
    for (size_t f = 0; f < res->nfindings; f++)
        if (res->findings[f].station == 3)
            unentered += res->findings[f].probably_unentered;
    /* voters_dpt_le_dpt (200 <= 0), ballots_reserve (255 == 0 + 0) and
     * registered_not_zero (0 >= 1): all have a 0 alone on one side. */
    assert_int_equal(unentered, 3);
    assert_int_equal(res->rule_failed[R_CAND], 2);
    assert_int_equal(res->rule_evaluated[R_CAND], 12);
    assert_int_equal(res->rule_evaluated[R_CAP], 11); /* guard false at row 3 */

    char buf[512];
    saksi_rank_reason(fx.t, res, &res->ranked[3], "en", buf, sizeof buf);
    assert_string_equal(buf, "total = 284 but every identity holds with 204: probable misread "
                             "(change of one digit; 1 alternative(s), weight 1)");
    saksi_rank_reason(fx.t, res, &res->ranked[3], "id", buf, sizeof buf);
    assert_non_null(strstr(buf, "kemungkinan salah baca"));
    saksi_rank_reason(fx.t, res, &res->ranked[0], "en", buf, sizeof buf);
    assert_string_equal(buf, "rule cand_sum_valid (sum(cand) == valid) broken by 176 votes");
    saksi_rank_reason(fx.t, res, &res->ranked[2], "en", buf, sizeof buf);
    assert_string_equal(buf, "rule registered_le_300 (registered <= 300) broken by 1 registered "
                             "voters");
    saksi_rank_reason(fx.t, res, &res->ranked[4], "en", buf, sizeof buf);
    assert_non_null(strstr(buf, "probably not entered"));
    fixture_done(&fx);
}

/* A configured priority reorders classes; ties fall back to the station id. */
static void test_priority_and_ties(void **state)
{
    (void)state;
    fixture fx = {0};
    fixture_run(&fx, 12, edit_mixed);
    saksi_config cfg;
    saksi_error err = {0};
    saksi_config_init(&cfg);
    cfg.class_priority[0] = SAKSI_CLASS_INCOMPLETE;
    cfg.class_priority[1] = SAKSI_CLASS_TRANSCRIPTION;
    cfg.class_priority[2] = SAKSI_CLASS_INTEGRITY;
    cfg.class_priority[3] = 0;
    fx.res.rules = fx.rules;
    fx.res.enabled = fx.enabled;
    fx.res.eval_mask = fx.eval;
    fx.res.fail_mask = fx.fail;
    fx.res.neg_mask = fx.neg;
    fx.enabled = fx.eval = fx.fail = fx.neg = NULL;
    saksi_repair_options ro = {0.9, 5};
    assert_int_equal(saksi_repair_all(fx.t, fx.prog, &fx.res, &ro, &err), SAKSI_OK);
    assert_int_equal(saksi_rank_build(fx.t, fx.prog, &fx.res, &cfg, &err), SAKSI_OK);
    assert_int_equal(fx.res.ranked[0].station, 3);
    assert_int_equal(fx.res.ranked[1].station, 1);
    assert_int_equal(fx.res.ranked[2].station, 2);
    fixture_done(&fx);
    assert_string_equal(saksi_class_name(SAKSI_CLASS_CROSS_SOURCE), "cross-source");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classes_and_order),
        cmocka_unit_test(test_priority_and_ties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
