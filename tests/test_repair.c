/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_repair.c — transcription repair on hand-made stations under the
 * built-in rules: unique repairs found and right, ambiguous ones listed
 * with weights, stations no single edit can fix left without a repair.
 * Every expected repair set below was enumerated by hand.
 * LABELS: unit
 */
#include "test_support.h"

#include "station_fixture.h"

/* Row k of the fixture is station 32010100010kk (ids sort in k order);
 * rows >= 5 are clean peers of the same district. */
static void edit_misreads(size_t k, int32_t *v, char *id)
{
    (void)id;
    switch (k) {
    case 0: /* cand_02 80 read as 30 (3<->8): the sum is 150, valid 200 */
        v[SAKSI_NFIXED + 1] = 30;
        break;
    case 1: /* total 204 read as 284 (0<->8): three identities fail */
        v[SAKSI_F_TOTAL] = 284;
        break;
    case 2: /* registered_male 120 read as 1120 (stray leading 1) */
        v[SAKSI_F_REGISTERED_MALE] = 1120;
        break;
    case 3: /* cand_01 100 -> 1 and cand_02 80 -> 3: sum 24, needs +176, which no
             * single edit of 1, 3, 20 or 200 gives (an edit of 1 or 3 reaches at
             * most 91; of 20, 120..920 or 200..290; of 200, never 24) */
        v[SAKSI_NFIXED] = 1;
        v[SAKSI_NFIXED + 1] = 3;
        break;
    case 4: /* voters_dpk 1 -> 7 (1<->7): lists sum 210 != 204, dpk sex 1 + 0 != 7 */
        v[SAKSI_F_VOTERS_DPK] = 7;
        break;
    default:
        break;
    }
}

static const saksi_repair *top_repair(const fixture *fx, size_t station)
{
    for (size_t r = 0; r < fx->res.nrepairs; r++)
        if (fx->res.repairs[r].station == station && fx->res.repairs[r].order == 0)
            return &fx->res.repairs[r];
    return NULL;
}

static void test_unique_repairs(void **state)
{
    (void)state;
    fixture fx = {0};
    fixture_run(&fx, 20, edit_misreads);
    fixture_analyse(&fx);

    /* Station 0: only cand_sum_valid fails (sum 150, valid 200); the fields
     * in it are the three candidates and valid. Single edits adding 50:
     * cand_01 100 -> 150 (0->5), cand_02 30 -> 80 (3->8), cand_03 20 -> 70
     * (2->7); valid 200 -> 150 needs two digits. So three alternatives, and
     * the confusable 3<->8 giving the peers' exact share wins: the others
     * sit over 6 binomial sd from identical peers, exp(-18) or less. */
    const saksi_repair *r0 = top_repair(&fx, 0);
    assert_non_null(r0);
    assert_int_equal(r0->alternatives, 3);
    assert_int_equal(r0->field, SAKSI_NFIXED + 1);
    assert_int_equal(r0->reported, 30);
    assert_int_equal(r0->repaired, 80);
    assert_int_equal(r0->edit, SAKSI_EDIT_CHANGE);
    assert_true(r0->weight > 0.9);
    assert_int_equal(fx.res.klass[0], SAKSI_CLASS_TRANSCRIPTION);

    /* Station 1: total is the only field in all three failing rules;
     * 284 -> 204 is its only edit that restores them. */
    const saksi_repair *r1 = top_repair(&fx, 1);
    assert_non_null(r1);
    assert_int_equal(r1->alternatives, 1);
    assert_int_equal(r1->field, SAKSI_F_TOTAL);
    assert_int_equal(r1->repaired, 204);
    assert_close(r1->weight, 1.0, 1e-12);

    /* Station 2: registered_sex fails; 1120 -> 120 by dropping the leading
     * digit; registered 250 -> 1250 would break registered_le_300 and
     * dpt/reserve rules, female 130 -> -870 impossible. */
    const saksi_repair *r2 = top_repair(&fx, 2);
    assert_non_null(r2);
    assert_int_equal(r2->alternatives, 1);
    assert_int_equal(r2->field, SAKSI_F_REGISTERED_MALE);
    assert_int_equal(r2->repaired, 120);
    assert_int_equal(r2->edit, SAKSI_EDIT_DROP);

    /* Station 3: two misread fields, no single edit: integrity, no repair. */
    assert_null(top_repair(&fx, 3));
    assert_int_equal(fx.res.klass[3], SAKSI_CLASS_INTEGRITY);

    /* Station 4: voters_dpk is the only field of both failing rules. */
    const saksi_repair *r4 = top_repair(&fx, 4);
    assert_non_null(r4);
    assert_int_equal(r4->field, SAKSI_F_VOTERS_DPK);
    assert_int_equal(r4->repaired, 1);
    assert_int_equal(r4->alternatives, 1);

    /* Clean peers get neither repairs nor a class. */
    for (size_t i = 5; i < 20; i++) {
        assert_null(top_repair(&fx, i));
        assert_int_equal(fx.res.klass[i], SAKSI_CLASS_NONE);
    }
    /* Weights of one station's alternatives sum to 1. */
    double sum = 0.0;
    for (size_t r = 0; r < fx.res.nrepairs; r++)
        if (fx.res.repairs[r].station == 0)
            sum += fx.res.repairs[r].weight;
    assert_close(sum, 1.0, 1e-12);
    fixture_done(&fx);
}

/* With only valid and candidates present there is no invalid/total to
 * pin valid down, so a sum mismatch of 10 has three single-edit repairs:
 * cand_02 80 -> 70, cand_03 30 -> 20, valid 200 -> 210. */
static void edit_ambiguous(size_t k, int32_t *v, char *id)
{
    (void)id;
    if (k == 0)
        v[SAKSI_NFIXED + 2] = 30;
}

static void test_ambiguous(void **state)
{
    (void)state;
    fixture fx = {0};
    fixture_run(&fx, 12, edit_ambiguous);
    /* Blank the other columns: rebuild the masks on valid + candidates only. */
    saksi_table *t = fx.t;
    for (size_t s = 0; s < (size_t)t->first_cand_slot; s++)
        if (t->field_of_slot[s] != SAKSI_F_VALID)
            for (size_t i = 0; i < t->n; i++)
                t->cols[s * t->stride + i] = SAKSI_MISSING;
    saksi_integrity_cpu(fx.prog, t, fx.enabled, 0, t->n, fx.eval, fx.fail, fx.neg);
    assert_int_equal(fx.fail[0], 1u << R_CAND);
    fixture_analyse(&fx);
    int seen[3] = {0};
    for (size_t r = 0; r < fx.res.nrepairs; r++) {
        const saksi_repair *rp = &fx.res.repairs[r];
        assert_int_equal(rp->station, 0);
        assert_int_equal(rp->alternatives, 3);
        if (rp->field == SAKSI_NFIXED + 1 && rp->repaired == 70)
            seen[0] = 1;
        else if (rp->field == SAKSI_NFIXED + 2 && rp->repaired == 20)
            seen[1] = 1;
        else if (rp->field == SAKSI_F_VALID && rp->repaired == 210)
            seen[2] = 1;
        else
            fail_msg("unexpected repair field %d -> %d", rp->field, rp->repaired);
    }
    assert_int_equal(fx.res.nrepairs, 3);
    assert_true(seen[0] && seen[1] && seen[2]);
    /* All three priors are 0.1 (no confusable pair) and registered is
     * missing, so raw counts decide: cand_03 = 20 is exactly its peers'
     * value (z = 0), cand_02 = 70 is 10 / (sqrt(80) + 1) = 1.01 sd off and
     * valid = 210 is 10 / (sqrt(200) + 1) = 0.66 sd off. */
    assert_int_equal(fx.res.repairs[0].field, SAKSI_NFIXED + 2);
    assert_int_equal(fx.res.repairs[1].field, SAKSI_F_VALID);
    double z1 = 10.0 / (sqrt(80.0) + 1.0), z2 = 10.0 / (sqrt(200.0) + 1.0);
    double w0 = 1.0, w1 = exp(-0.5 * z2 * z2), w2 = exp(-0.5 * z1 * z1);
    assert_close(fx.res.repairs[0].weight, w0 / (w0 + w1 + w2), 1e-12);
    assert_close(fx.res.repairs[2].weight, w2 / (w0 + w1 + w2), 1e-12);
    fixture_done(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unique_repairs),
        cmocka_unit_test(test_ambiguous),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
