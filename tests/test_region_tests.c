/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_region_tests.c — region test families: BH per (test, level) and
 * never across, effect floors, descriptive and skipped rows left out.
 * LABELS: unit
 */
#include "test_support.h"

#include "analysis.h"

static void push(saksi_region_tests *rt, const char *test, int level, double p, double effect,
                 int descriptive, const char *skip)
{
    saksi_region_test r = {.test = test, .level = level, .candidate = -1, .p = p,
                           .effect = effect, .effect_floor = 1.0, .descriptive = descriptive,
                           .skip = skip};
    saksi_error err = {0};
    assert_int_equal(saksi_region_tests_push(rt, &r, &err), SAKSI_OK);
}

static void test_families(void **state)
{
    (void)state;
    saksi_region_tests rt = {0};
    /* Family (a, province): p .01 .04 .03 .005 -> q .02 .04 .04 .02 (the
     * hand-worked BH example of test_inference.c). */
    push(&rt, "a", 1, 0.01, 5.0, 0, "");
    push(&rt, "a", 1, 0.04, 5.0, 0, "");
    push(&rt, "b", 1, 0.001, 5.0, 0, ""); /* another test: its own family */
    push(&rt, "a", 1, 0.03, 5.0, 0, "");
    push(&rt, "a", 1, 0.005, 0.5, 0, ""); /* below the effect floor */
    push(&rt, "a", 2, 0.01, 5.0, 0, "");  /* another level: alone, q = p */
    push(&rt, "a", 1, 0.0001, 5.0, 1, ""); /* descriptive */
    push(&rt, "a", 1, 0.0001, 5.0, 0, "fewer than 50 numbers");
    saksi_error err = {0};
    assert_int_equal(saksi_region_tests_finish(&rt, 0.05, 0, &err), SAKSI_OK);
    const double q[] = {0.02, 0.04, 0.001, 0.04, 0.02, 0.01};
    for (int k = 0; k < 6; k++)
        assert_close(rt.row[k].q, q[k], 1e-15);
    assert_int_equal(rt.row[0].m, 4);
    assert_int_equal(rt.row[2].m, 1);
    assert_int_equal(rt.row[5].m, 1);
    assert_true(rt.row[0].flagged);
    assert_false(rt.row[4].flagged); /* q .02 but effect .5 < floor 1 */
    assert_true(isnan(rt.row[6].q) && isnan(rt.row[6].p) && !rt.row[6].flagged);
    assert_true(isnan(rt.row[7].q) && !rt.row[7].flagged);
    /* lambda of family (a, 1) from its 4 p-values, same for all its rows. */
    assert_close(rt.row[1].lambda, rt.row[0].lambda, 0.0);
    saksi_region_tests_free(&rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_families),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
