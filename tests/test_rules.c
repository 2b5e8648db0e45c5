/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_rules.c — the rules language: the built-in Indonesian rules, the
 * compiled program words, region scopes, and every parse error with its
 * line number.
 * LABELS: unit
 */
#include "test_support.h"

#include "analysis.h"

static void test_builtin_rules(void **state)
{
    (void)state;
    saksi_rules *r = NULL;
    saksi_error err = {0};
    assert_int_equal(saksi_rules_load(NULL, &r, &err), SAKSI_OK);
    /* datasets/rules/indonesia.rules defines 16 rules, 2 strata, 3 exceptions. */
    assert_int_equal(r->nrules, 16);
    assert_int_equal(r->nscopes, 5);
    assert_string_equal(r->rule[0].name, "cand_sum_valid");
    assert_string_equal(r->rule[0].text, "sum(cand) == valid");
    assert_int_equal(r->rule[0].klass, SAKSI_CLASS_INTEGRITY);
    assert_int_equal(r->rule[15].klass, SAKSI_CLASS_INCOMPLETE);
    assert_string_equal(r->rule[15].name, "registered_not_zero");
    assert_int_equal(r->rule[15].nguard, 2); /* valid - 1 >= 0 */
    /* ballots_reserve: received - registered - ceil(registered*2/100) == 0 */
    const saksi_rule *br = &r->rule[12];
    assert_string_equal(br->name, "ballots_reserve");
    assert_int_equal(br->nterms, 3);
    assert_int_equal(br->nlhs, 1);
    assert_int_equal(br->term[2].kind, SAKSI_TERM_CEIL);
    assert_int_equal(br->term[2].mul, -1);
    assert_int_equal(br->term[2].num, 2);
    assert_int_equal(br->term[2].den, 100);
    saksi_rules_free(r);
}

/* The program words of a two-rule file, encoded by hand from the layout
 * documented in saksi_shared.h. */
static void test_compile_words(void **state)
{
    (void)state;
    const char *text = "rule a integrity : sum(cand) == valid\n"
                       "rule b incomplete: 2*valid - 3 <= ceil(registered*2/100) when valid >= 1\n"
                       "rule c integrity : ballots_used == total\n";
    saksi_rules *r = NULL;
    saksi_error err = {0};
    assert_int_equal(saksi_rules_parse(text, strlen(text), "t.rules", &r, &err), SAKSI_OK);
    int present[SAKSI_NFIXED] = {0};
    present[SAKSI_F_REGISTERED] = 1; /* slot 0 */
    present[SAKSI_F_VALID] = 1;      /* slot 1 */
    present[SAKSI_F_TOTAL] = 1;      /* slot 2; ballots_used absent */
    const char *labels[] = {"x", "y"}; /* slots 3, 4 */
    saksi_table *t = saksi_table_alloc(present, 2, labels);
    int32_t *prog = NULL;
    size_t len = 0;
    assert_int_equal(saksi_rules_compile(r, t, &prog, &len, &err), SAKSI_OK);
    const int32_t expect[] = {
        3, 2, 3, 6, 20, 49, /* header: nrules, ncand, first cand slot; offsets */
        /* a */ SAKSI_OP_EQ, 2, 0, 0, SAKSI_TERM_CAND_SUM, 0, 1, 0, 1, SAKSI_TERM_FIELD, 1, -1, 0, 1,
        /* b */ SAKSI_OP_LE, 3, SAKSI_OP_GE, 2, SAKSI_TERM_FIELD, 1, 2, 0, 1, SAKSI_TERM_CONST, 0, -3,
        0, 1, SAKSI_TERM_CEIL, 0, -1, 2, 100, SAKSI_TERM_FIELD, 1, 1, 0, 1, SAKSI_TERM_CONST, 0, -1,
        0, 1,
        /* c: names an absent column, never evaluable */ SAKSI_OP_EQ, -1, 0, 0};
    assert_int_equal(len, sizeof expect / sizeof expect[0]);
    assert_memory_equal(prog, expect, sizeof expect);
    free(prog);
    saksi_table_free(t);
    saksi_rules_free(r);
}

/* Exceptions clear a rule's bit and strata are set, region by region. */
static void test_scopes(void **state)
{
    (void)state;
    const char *text = "rule a integrity : valid <= registered\n"
                       "rule b integrity : valid >= 0\n"
                       "stratum overseas where province in 99\n"
                       "stratum special where station in 3201010001\n"
                       "except b where regency in 1101 9901\n";
    saksi_rules *r = NULL;
    saksi_error err = {0};
    assert_int_equal(saksi_rules_parse(text, strlen(text), "t.rules", &r, &err), SAKSI_OK);
    int present[SAKSI_NFIXED] = {0};
    present[SAKSI_F_REGISTERED] = present[SAKSI_F_VALID] = 1;
    const char *labels[] = {"1"};
    saksi_table *t = saksi_table_alloc(present, 1, labels);
    const char *ids[] = {"1101012001001", "3201010001001", "9901010001001", "9902010001001"};
    int32_t v[SAKSI_NFIXED + 1] = {0};
    for (int k = 0; k < 4; k++)
        assert_int_equal(saksi_table_append(t, ids[k], 13, NULL, v, 0, 2, NULL, &err), SAKSI_OK);
    assert_int_equal(saksi_table_finalize(t, &err), SAKSI_OK);
    uint32_t enabled[4];
    assert_int_equal(saksi_rules_apply_scopes(r, t, enabled, &err), SAKSI_OK);
    assert_int_equal(enabled[0], 1u); /* 1101: b off */
    assert_int_equal(enabled[1], 3u);
    assert_int_equal(enabled[2], 1u); /* 9901: b off */
    assert_int_equal(enabled[3], 3u); /* 9902 */
    assert_int_equal(t->stratum[0], SAKSI_STRATUM_REGULAR);
    assert_int_equal(t->stratum[1], SAKSI_STRATUM_SPECIAL);
    assert_int_equal(t->stratum[2], SAKSI_STRATUM_OVERSEAS);
    assert_int_equal(t->stratum[3], SAKSI_STRATUM_OVERSEAS);
    saksi_table_free(t);
    saksi_rules_free(r);
}

/* Each malformed file fails with SAKSI_ERR_DATA and names file and line. */
static void test_parse_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *expect;
    } cases[] = {
        {"# ok\nrule a integrity : valid == totl\n", "t.rules:2: unknown field 'totl'"},
        {"rule a integrity : valid = total\n", "t.rules:1: unexpected character '='"},
        {"rule a integrity : valid total\n", "t.rules:1: expected ==, <= or >= but found 'total'"},
        {"rule a fatal : valid == total\n", "t.rules:1: rule class must be"},
        {"rule a integrity : valid == total\nrule a integrity : valid == total\n",
         "t.rules:2: rule 'a' defined twice"},
        {"rule a integrity : valid == total\nexcept b where province in 1\n",
         "t.rules:2: 'except' names unknown rule 'b'"},
        {"rule a integrity : valid == total\nexcept a where galaxy in 1\n",
         "t.rules:2: unknown level 'galaxy'"},
        {"rule a integrity : valid == total\nexcept a where province in\n",
         "t.rules:2: no codes after 'in'"},
        {"rule a integrity : valid == ceil(total*2/0)\n", "t.rules:1: ceil() divides by zero"},
        {"rule a integrity : valid == total ;\n", "t.rules:1: unexpected character ';'"},
        {"rule a integrity : valid == total total\n", "t.rules:1: unexpected 'total'"},
        {"stratum martian where province in 1\n", "t.rules:1: unknown stratum 'martian'"},
        {"frobnicate\n", "t.rules:1: expected rule, except or stratum"},
        {"# nothing\n", "t.rules: no rules"},
        {"rule a integrity : sum(votes) == total\n", "t.rules:1: expected 'cand'"},
        {"rule a integrity : valid == 99999999999\n", "t.rules:1: unknown field '99999999999'"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        saksi_rules *r = NULL;
        saksi_error err = {0};
        assert_int_equal(saksi_rules_parse(cases[k].text, strlen(cases[k].text), "t.rules", &r,
                                           &err),
                         SAKSI_ERR_DATA);
        assert_null(r);
        if (!strstr(err.message, cases[k].expect))
            fail_msg("case %zu: '%s' does not contain '%s'", k, err.message, cases[k].expect);
    }
    /* 33 rules: one over the 32 bits of the masks. */
    char big[33 * 48] = "";
    for (int k = 0; k < 33; k++) {
        char line[48];
        snprintf(line, sizeof line, "rule r%d integrity : valid == total\n", k);
        strcat(big, line);
    }
    saksi_rules *r = NULL;
    saksi_error err = {0};
    assert_int_equal(saksi_rules_parse(big, strlen(big), "t.rules", &r, &err), SAKSI_ERR_DATA);
    assert_non_null(strstr(err.message, "t.rules:33: more than 32 rules"));
    assert_int_equal(saksi_rules_load("/nonexistent/x.rules", &r, &err), SAKSI_ERR_NOINPUT);
    assert_non_null(strstr(err.message, "/nonexistent/x.rules"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_rules),
        cmocka_unit_test(test_compile_words),
        cmocka_unit_test(test_scopes),
        cmocka_unit_test(test_parse_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
