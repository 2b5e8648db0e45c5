/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_integrity.c — the integrity family's plain-C twin with the built-in
 * Indonesian rules on hand-made stations: each identity failing alone,
 * the 2% reserve rounding, guards, exceptions, missing cells and negative
 * values. Expected masks computed by hand from datasets/rules/indonesia.rules.
 * LABELS: unit
 */
#include "test_support.h"

#include "analysis.h"

enum { R_CAND, R_VIT, R_TVT, R_TBU, R_LISTS, R_DPT_LE, R_REG_SEX, R_DPT_SEX, R_DPTB_SEX,
       R_DPK_SEX, R_TOT_SEX, R_BAL, R_RES, R_CAP, R_300, R_ZERO, NR };

/* A consistent station: registered 250 (120 + 130), 3 candidates 100 + 80 +
 * 20 = 200 valid, 4 invalid, 204 total; voters 200 DPT + 3 DPTb + 1 DPK;
 * ballots received 250 + ceil(5.0) = 255 = 204 used + 1 spoiled + 50 unused. */
static void clean_station(int32_t *v)
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
} fixture;

/* Build a table of n stations made by edit(k, v), run the CPU twin. */
static void run(fixture *fx, size_t n, void (*edit)(size_t k, int32_t *v, char *id))
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

static void done(fixture *fx)
{
    free(fx->prog);
    free(fx->enabled);
    free(fx->eval);
    free(fx->fail);
    free(fx->neg);
    saksi_table_free(fx->t);
    saksi_rules_free(fx->rules);
}

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
    run(&fx, 10, edit_one);
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
    done(&fx);
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
    run(&fx, 2, edit_regions);
    /* Row 0 is the 94 station (ids sort "94..." < "99..."). */
    assert_int_equal(fx.enabled[0], (1u << NR) - 1u - (1u << R_RES));
    assert_int_equal(fx.fail[0], 0);
    assert_int_equal(fx.t->stratum[0], SAKSI_STRATUM_NOKEN);
    assert_int_equal(fx.enabled[1],
                     (1u << NR) - 1u - (1u << R_RES) - (1u << R_CAP) - (1u << R_300));
    assert_int_equal(fx.fail[1], 0);
    assert_int_equal(fx.t->stratum[1], SAKSI_STRATUM_OVERSEAS);
    done(&fx);
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
    run(&fx, 2, edit_huge);
    assert_true(fx.fail[0] & (1u << R_CAND));
    assert_true(fx.fail[1] & (1u << R_CAND));
    saksi_i64 d = 0;
    assert_int_equal(saksi_rule_eval(fx.prog, R_CAND, fx.t->cols, fx.t->stride, 0, &d),
                     SAKSI_RULE_FAILS);
    assert_true(d == 4294967296LL); /* (2^31 - 1) * 2 + 2 - 0 */
    done(&fx);
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
