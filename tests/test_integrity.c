/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_integrity.c — the integrity family's plain-C twin with the built-in
 * Indonesian rules on hand-made stations: each identity failing alone,
 * the 2% reserve rounding, guards, exceptions, missing cells and negative
 * values. Expected masks computed by hand from datasets/rules/indonesia.rules.
 * LABELS: unit
 */
#include "test_support.h"

#include "station_fixture.h"

#define ALL_BUT_ZERO ((1u << NR) - 1u)

/* Station k breaks exactly one identity (ids sort in k order). */
static void edit_one(size_t k, int32_t *v, char *id)
{
    (void)id;
    switch (k) {
    case 0: break;                                          /* clean              */
    case 1: v[SAKSI_NFIXED + 1] = 30; break;                /* 01+02+03 = 150     */
    case 2: v[SAKSI_F_INVALID] = 5; break;                  /* breaks R_VIT only?  */
    case 3: v[SAKSI_F_BALLOTS_UNUSED] = 49; break;          /* balance            */
    case 4: v[SAKSI_F_REGISTERED_MALE] = 121; break;        /* L + P = 251        */
    case 5: v[SAKSI_F_VOTERS_DPTB] = SAKSI_MISSING; break;  /* lists + dptb sex n/a */
    case 6: v[SAKSI_NFIXED + 2] = -20; break;               /* negative + sum     */
    case 7: /* registered 0 while valid > 0: 7 rules touch registered */
        v[SAKSI_F_REGISTERED] = v[SAKSI_F_REGISTERED_MALE] = v[SAKSI_F_REGISTERED_FEMALE] = 0;
        break;
    case 8: /* registered 251: reserve ceil(5.02) = 6, received must be 257 */
        v[SAKSI_F_REGISTERED] = 251;
        v[SAKSI_F_REGISTERED_MALE] = 121;
        v[SAKSI_F_BALLOTS_RECEIVED] = 257;
        v[SAKSI_F_BALLOTS_UNUSED] = 52;
        break;
    case 9: v[SAKSI_F_REGISTERED] = 301; v[SAKSI_F_REGISTERED_MALE] = 171;
        v[SAKSI_F_BALLOTS_RECEIVED] = 308; v[SAKSI_F_BALLOTS_UNUSED] = 103; break;
    }
}

static void test_each_identity(void **state)
{
    (void)state;
    fixture fx = {0};
    fixture_run(&fx, 10, edit_one);
    /* The zero guard (valid >= 1) holds everywhere, so every rule is evaluated
     * where its cells exist. */
    assert_int_equal(fx.eval[0], ALL_BUT_ZERO);
    assert_int_equal(fx.fail[0], 0);
    assert_int_equal(fx.fail[1], 1u << R_CAND);
    /* invalid 5: valid + invalid = 205 != total 204; nothing else names invalid. */
    assert_int_equal(fx.fail[2], 1u << R_VIT);
    assert_int_equal(fx.fail[3], 1u << R_BAL);
    assert_int_equal(fx.fail[4], 1u << R_REG_SEX);
    assert_int_equal(fx.eval[5], ALL_BUT_ZERO & ~(1u << R_LISTS) & ~(1u << R_DPTB_SEX));
    assert_int_equal(fx.fail[5], 0);
    assert_int_equal(fx.neg[6], 1u << SAKSI_NEG_CAND_BIT);
    assert_int_equal(fx.fail[6], 1u << R_CAND);
    assert_int_equal(fx.neg[0] | fx.neg[1], 0);
    /* registered 0: voters_dpt 200 > 0, reserve 0 != 255, capacity guard
     * (registered >= 1) false so not evaluated, zero rule fails. */
    assert_int_equal(fx.fail[7], (1u << R_DPT_LE) | (1u << R_RES) | (1u << R_ZERO));
    assert_int_equal(fx.eval[7] & (1u << R_CAP), 0);
    assert_int_equal(fx.fail[8], 0);
    /* registered 301: over 300, and capacity 301 + 7 = 308 still holds. */
    assert_int_equal(fx.fail[9], 1u << R_300);
    fixture_done(&fx);
}

/* Overseas (99) and Papua (91-96) exceptions switch rules off. */
static void edit_regions(size_t k, int32_t *v, char *id)
{
    if (k == 0) {
        memcpy(id, "99", 2); /* overseas box of 900 voters */
        v[SAKSI_F_REGISTERED] = 900;
        v[SAKSI_F_REGISTERED_MALE] = 770;
        v[SAKSI_F_BALLOTS_RECEIVED] = 255;
    } else {
        memcpy(id, "94", 2); /* Papua Tengah: no reserve rule */
        v[SAKSI_F_BALLOTS_RECEIVED] = 260;
        v[SAKSI_F_BALLOTS_UNUSED] = 55;
    }
}

static void test_exceptions(void **state)
{
    (void)state;
    fixture fx = {0};
    fixture_run(&fx, 2, edit_regions);
    /* Row 0 is the 94 station (ids sort "94..." < "99..."). */
    assert_int_equal(fx.enabled[0], (1u << NR) - 1u - (1u << R_RES));
    assert_int_equal(fx.fail[0], 0);
    assert_int_equal(fx.t->stratum[0], SAKSI_STRATUM_NOKEN);
    assert_int_equal(fx.enabled[1],
                     (1u << NR) - 1u - (1u << R_RES) - (1u << R_CAP) - (1u << R_300));
    assert_int_equal(fx.fail[1], 0);
    assert_int_equal(fx.t->stratum[1], SAKSI_STRATUM_OVERSEAS);
    fixture_done(&fx);
}

/* 64-bit sums: values near INT32_MAX overflow int32 but not the check. */
static void edit_huge(size_t k, int32_t *v, char *id)
{
    (void)id;
    v[SAKSI_NFIXED] = INT32_MAX;
    v[SAKSI_NFIXED + 1] = INT32_MAX;
    v[SAKSI_NFIXED + 2] = 2;
    v[SAKSI_F_VALID] = k == 0 ? 0 : INT32_MAX; /* the true sum is 2^32 */
}

static void test_wide_sums(void **state)
{
    (void)state;
    fixture fx = {0};
    fixture_run(&fx, 2, edit_huge);
    assert_true(fx.fail[0] & (1u << R_CAND));
    assert_true(fx.fail[1] & (1u << R_CAND));
    saksi_i64 d = 0;
    assert_int_equal(saksi_rule_eval(fx.prog, R_CAND, fx.t->cols, fx.t->stride, 0, &d),
                     SAKSI_RULE_FAILS);
    assert_true(d == 4294967296LL); /* (2^31 - 1) * 2 + 2 - 0 */
    fixture_done(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_identity),
        cmocka_unit_test(test_exceptions),
        cmocka_unit_test(test_wide_sums),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
