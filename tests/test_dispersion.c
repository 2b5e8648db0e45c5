/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_dispersion.c — known answers for the within-region overdispersion
 * ratio of analysis/dispersion.c on a tiny hand-made table, its exclusion
 * counts, its quantiles and its error paths.
 * LABELS: unit
 */
#include "test_support.h"

#include "analysis.h"

/* Fields of the tiny table; every other field is absent (missing). */
static const int used_fields[] = {SAKSI_F_REGISTERED, SAKSI_F_VALID,       SAKSI_F_INVALID,
                                  SAKSI_F_TOTAL,      SAKSI_F_VOTERS_DPT,  SAKSI_F_VOTERS_DPTB,
                                  SAKSI_F_VOTERS_DPK, SAKSI_F_VOTERS_TOTAL};

#define M SAKSI_MISSING

/* id, registered, voters_total, voters_dpt, total, valid, invalid, cand_01, cand_02 */
typedef struct row {
    const char *id;
    int32_t reg, vt, dpt, total, valid, invalid, c1, c2;
} row;

static const row rows[] = {
    /* district 110101: three clean stations at turnout 0.5, 0.6, 0.7 */
    {"1101010001001", 100, 50, 50, 50, 50, 0, 20, 30},
    {"1101010001002", 100, 60, 60, 60, 60, 0, 30, 30},
    {"1101010001003", 100, 70, 70, 70, 70, 0, 21, 49},
    /* voter lists do not add up (59 + 0 + 0 != 60): out of turnout only */
    {"1101010001004", 100, 60, 59, 60, 60, 0, 24, 36},
    /* registered missing: out of turnout; candidates sum to 70 != 80: out of share */
    {"1101010001005", M, 80, 80, 80, 80, 0, 60, 10},
    /* district 110102 */
    {"1101020001001", 100, 40, 40, 40, 40, 0, 20, 20},
    {"1101020001002", 100, 60, 60, 60, 60, 0, 30, 30},
    {"1101020001003", 200, 100, 100, 100, 100, 0, 40, 60},
    {"1101020001004", 200, 100, 100, 100, 100, 0, 60, 40},
    /* voters above registered: out of range for turnout; valid missing */
    {"1101020001005", 100, 120, 120, 120, M, M, 60, 60},
    /* district 110103: two stations, below min_stations = 3 */
    {"1101030001001", 100, 50, 50, 50, 50, 0, 10, 40},
    {"1101030001002", 100, 55, 55, 55, 55, 0, 15, 40},
    /* district 110104: nobody voted: pooled turnout 0, no valid votes */
    {"1101040001001", 100, 0, 0, 0, 0, 0, 0, 0},
    {"1101040001002", 100, 0, 0, 0, 0, 0, 0, 0},
    {"1101040001003", 100, 0, 0, 0, 0, 0, 0, 0},
};

static saksi_table *tiny_table(int finalize)
{
    int present[SAKSI_NFIXED] = {0};
    const char *labels[2] = {"01", "02"};
    for (size_t i = 0; i < sizeof used_fields / sizeof used_fields[0]; i++)
        present[used_fields[i]] = 1;
    saksi_table *t = saksi_table_alloc(present, 2, labels);
    assert_non_null(t);
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        int32_t v[SAKSI_NFIXED + 2];
        for (int f = 0; f < SAKSI_NFIXED + 2; f++)
            v[f] = SAKSI_MISSING;
        v[SAKSI_F_REGISTERED] = rows[r].reg;
        v[SAKSI_F_VOTERS_TOTAL] = rows[r].vt;
        v[SAKSI_F_VOTERS_DPT] = rows[r].dpt;
        v[SAKSI_F_VOTERS_DPTB] = 0;
        v[SAKSI_F_VOTERS_DPK] = 0;
        v[SAKSI_F_TOTAL] = rows[r].total;
        v[SAKSI_F_VALID] = rows[r].valid;
        v[SAKSI_F_INVALID] = rows[r].invalid;
        v[SAKSI_NFIXED] = rows[r].c1;
        v[SAKSI_NFIXED + 1] = rows[r].c2;
        uint64_t first = 0;
        saksi_error err = {0};
        assert_int_equal(
            saksi_table_append(t, rows[r].id, strlen(rows[r].id), NULL, v, 0, r + 2, &first, &err),
            SAKSI_OK);
    }
    if (finalize) {
        saksi_error err = {0};
        assert_int_equal(saksi_table_finalize(t, &err), SAKSI_OK);
    }
    return t;
}

/* Region index of a district code in the finalized table. */
static size_t district(const saksi_table *t, const char *code)
{
    const saksi_regions *rg = &t->regions[SAKSI_LEVEL_DISTRICT];
    for (size_t r = 0; r < rg->n; r++)
        if (strcmp(rg->code[r], code) == 0) return r;
    fail_msg("district %s not in the table", code);
    return 0;
}

/*
 * Expected ratios, by hand and checked with Python's fractions module:
 * district 110101 turnout: rates 0.5 0.6 0.7, sd 0.1, p = 180/300 = 0.6,
 *   mean(1/n) = 0.01, ratio = 0.1 / sqrt(0.24 * 0.01) = sqrt(25/6) = 2.0412414523;
 * district 110102 turnout: rates 0.4 0.6 0.5 0.5, var 0.02/3, p = 0.5,
 *   mean(1/n) = 0.0075, ratio = sqrt((0.02/3) / 0.001875) = sqrt(32/9) = 1.8856180832;
 * share of cand_02 (the leader: 385 votes against 330),
 *   110101: 30/50 30/60 49/70 36/60, var 0.02/3, p = 145/240,
 *   mean(1/n) = (1/50 + 1/60 + 1/70 + 1/60)/4, ratio = 1.2841485900;
 *   110102: 20/40 30/60 60/100 40/100, var 0.02/3, p = 0.5,
 *   mean(1/n) = (1/40 + 1/60 + 1/100 + 1/100)/4, ratio = 1.3151918984.
 * Quartiles of two values a < b (type 7): a + 0.25 (b - a), (a + b)/2, a + 0.75 (b - a).
 */
static void test_known_answer(void **state)
{
    (void)state;
    saksi_table *t = tiny_table(1);
    saksi_dispersion_options o;
    saksi_dispersion d;
    saksi_error err = {0};
    saksi_dispersion_options_init(&o);
    assert_int_equal(o.level, SAKSI_LEVEL_DISTRICT);
    assert_int_equal(o.min_stations, 8);
    assert_int_equal(o.consistent_only, 1);
    o.min_stations = 3;
    assert_int_equal(saksi_dispersion_measure(t, &o, &d, &err), SAKSI_OK);
    assert_int_equal(d.leader, 1);
    assert_int_equal(d.nregions, 4);

    const saksi_dispersion_stat *tu = &d.rate[SAKSI_DISP_TURNOUT];
    assert_close(tu->ratio[district(t, "110101")], 2.041241452319315, 1e-12);
    assert_close(tu->ratio[district(t, "110102")], 1.8856180831641267, 1e-12);
    assert_true(isnan(tu->ratio[district(t, "110103")]));
    assert_true(isnan(tu->ratio[district(t, "110104")]));
    assert_int_equal(tu->regions, 2);
    assert_int_equal(tu->stations, 7);
    assert_int_equal(tu->excluded_missing, 1);      /* 1101010001005 */
    assert_int_equal(tu->excluded_range, 1);        /* 1101020001005 */
    assert_int_equal(tu->excluded_inconsistent, 1); /* 1101010001004 */
    assert_int_equal(tu->small_regions, 1);         /* 110103 */
    assert_int_equal(tu->degenerate_regions, 1);    /* 110104 */
    assert_close(tu->q1, 1.9245239254529238, 1e-12);
    assert_close(tu->median, 1.963429767741721, 1e-12);
    assert_close(tu->q3, 2.002335610030518, 1e-12);

    const saksi_dispersion_stat *sh = &d.rate[SAKSI_DISP_SHARE];
    assert_close(sh->ratio[district(t, "110101")], 1.2841485900347789, 1e-12);
    assert_close(sh->ratio[district(t, "110102")], 1.3151918984428583, 1e-12);
    assert_int_equal(sh->regions, 2);
    assert_int_equal(sh->stations, 8);
    assert_int_equal(sh->excluded_missing, 4);      /* 1101020001005, three in 110104 */
    assert_int_equal(sh->excluded_inconsistent, 1); /* 1101010001005 */
    assert_int_equal(sh->excluded_range, 0);
    assert_int_equal(sh->small_regions, 2); /* 110103 (2 stations), 110104 (none) */
    assert_close(sh->median, 1.2996702442388186, 1e-12);
    saksi_dispersion_free(&d);

    /* Without the consistency filter the two inconsistent stations count:
     * turnout 110101 rates 0.5 0.6 0.7 0.6 give sqrt((0.02/3)/0.0024) = 5/3;
     * share 110101 adds 10/80, ratio 3.5390480817 (Python fractions). */
    o.consistent_only = 0;
    assert_int_equal(saksi_dispersion_measure(t, &o, &d, &err), SAKSI_OK);
    assert_close(d.rate[SAKSI_DISP_TURNOUT].ratio[district(t, "110101")], 5.0 / 3.0, 1e-12);
    assert_close(d.rate[SAKSI_DISP_SHARE].ratio[district(t, "110101")], 3.5390480817228647, 1e-12);
    assert_int_equal(d.rate[SAKSI_DISP_TURNOUT].excluded_inconsistent, 0);
    saksi_dispersion_free(&d);

    /* Default options (min 8 stations): no district qualifies. */
    assert_int_equal(saksi_dispersion_measure(t, NULL, &d, &err), SAKSI_OK);
    assert_int_equal(d.rate[SAKSI_DISP_TURNOUT].regions, 0);
    assert_true(isnan(d.rate[SAKSI_DISP_TURNOUT].median));
    saksi_dispersion_free(&d);
    saksi_table_free(t);
}

static void test_quantile(void **state)
{
    (void)state;
    const double v[] = {1.0, 2.0, 3.0, 4.0};
    /* R: quantile(1:4, c(.25, .5, .75)) = 1.75 2.50 3.25 (type 7) */
    assert_close(saksi_dispersion_quantile(v, 4, 0.25), 1.75, 1e-15);
    assert_close(saksi_dispersion_quantile(v, 4, 0.5), 2.5, 1e-15);
    assert_close(saksi_dispersion_quantile(v, 4, 0.75), 3.25, 1e-15);
    assert_close(saksi_dispersion_quantile(v, 4, 1.0), 4.0, 1e-15);
    assert_close(saksi_dispersion_quantile(v, 1, 0.5), 1.0, 1e-15);
    assert_true(isnan(saksi_dispersion_quantile(v, 0, 0.5)));
}

static void test_errors(void **state)
{
    (void)state;
    saksi_table *t = tiny_table(1);
    saksi_dispersion_options o;
    saksi_dispersion d;
    saksi_error err = {0};
    saksi_dispersion_options_init(&o);
    o.level = SAKSI_NLEVELS;
    assert_int_equal(saksi_dispersion_measure(t, &o, &d, &err), SAKSI_ERR_USAGE);
    assert_non_null(strstr(err.message, "level"));
    saksi_dispersion_options_init(&o);
    o.min_stations = 1;
    assert_int_equal(saksi_dispersion_measure(t, &o, &d, &err), SAKSI_ERR_USAGE);
    assert_non_null(strstr(err.message, "at least 2"));
    saksi_table_free(t);

    t = tiny_table(0); /* not finalized: no region index yet */
    assert_int_equal(saksi_dispersion_measure(t, NULL, &d, &err), SAKSI_ERR_USAGE);
    assert_non_null(strstr(err.message, "finalized"));
    saksi_table_free(t);
    saksi_dispersion_free(NULL);
}

/* A table without candidates has no leader: the share is not measured. */
static void test_no_candidates(void **state)
{
    (void)state;
    int present[SAKSI_NFIXED] = {0};
    present[SAKSI_F_REGISTERED] = present[SAKSI_F_TOTAL] = 1;
    saksi_table *t = saksi_table_alloc(present, 0, NULL);
    saksi_error err = {0};
    saksi_dispersion_options o;
    saksi_dispersion d;
    assert_non_null(t);
    /* turnout 0.4 0.5 0.6 out of 100: ratio sqrt(0.01 / (0.25 * 0.01)) = 2 */
    const char *ids[3] = {"1101010001001", "1101010001002", "1101010001003"};
    for (int i = 0; i < 3; i++) {
        int32_t v[SAKSI_NFIXED];
        uint64_t first = 0;
        for (int f = 0; f < SAKSI_NFIXED; f++)
            v[f] = SAKSI_MISSING;
        v[SAKSI_F_REGISTERED] = 100;
        v[SAKSI_F_TOTAL] = 40 + 10 * i;
        assert_int_equal(
            saksi_table_append(t, ids[i], 13, NULL, v, 0, (uint64_t)i + 2, &first, &err), SAKSI_OK);
    }
    assert_int_equal(saksi_table_finalize(t, &err), SAKSI_OK);
    saksi_dispersion_options_init(&o);
    o.min_stations = 3;
    assert_int_equal(saksi_dispersion_measure(t, &o, &d, &err), SAKSI_OK);
    assert_int_equal(d.leader, -1);
    assert_close(d.rate[SAKSI_DISP_TURNOUT].median, 2.0, 1e-12);
    assert_true(isnan(d.rate[SAKSI_DISP_SHARE].median));
    assert_null(d.rate[SAKSI_DISP_SHARE].ratio);
    saksi_dispersion_free(&d);
    saksi_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answer),
        cmocka_unit_test(test_quantile),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_no_candidates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
