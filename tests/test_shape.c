/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_shape.c — known answers of the shape statistics: Hartigan's dip
 * against the published values of R's diptest (its tests/ex1.Rout.save),
 * skewness and kurtosis by hand and against GSL's sample-sd forms,
 * correlation and slope against GSL, and saksi_shape_all's rows against an
 * independent recomputation of their bootstrap in this file.
 * LABELS: unit
 */
#include "fingerprint_fixture.h"

#include <gsl/gsl_fit.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>

static void test_dip_published(void **state)
{
    (void)state;
    size_t work[4 * 100];
    /* Hartigan & Hartigan (1985)'s statistics-faculty data (R diptest's
     * `statfaculty`): dip() reports 2n D = 7.5, so D = 7.5 / 126. */
    static const double statfaculty[63] = {
        30, 33, 35, 36, 37, 37, 39, 39, 39, 39, 39, 40, 40, 40, 40, 41, 42, 43, 43, 43, 44,
        44, 45, 45, 46, 46, 47, 47, 48, 48, 48, 49, 50, 50, 51, 52, 52, 53, 53, 53, 53, 53,
        54, 54, 57, 57, 59, 60, 60, 60, 61, 61, 61, 61, 62, 62, 62, 62, 63, 66, 70, 72, 72};
    assert_close(saksi_shape_dip(statfaculty, 63, work), 7.5 / 126.0, 1e-15);
    /* diptest's ex1: dip(c(1,1,2,2)) == 1/4, the largest possible. */
    const double two_point[] = {1, 1, 2, 2};
    assert_close(saksi_shape_dip(two_point, 4, work), 0.25, 1e-15);
    /* dip(cumsum(0:3)) == 1/(2n) = 1/8 exactly. */
    const double cum[] = {0, 1, 3, 6};
    assert_close(saksi_shape_dip(cum, 4, work), 0.125, 1e-15);
    /* dip(c(0,2:3,5:6)) and its mirror 6 - x: 2n D = 1.3333 -> 2/15. */
    const double x5[] = {0, 2, 3, 5, 6}, m5[] = {0, 1, 3, 4, 6};
    assert_close(saksi_shape_dip(x5, 5, work), 2.0 / 15.0, 1e-15);
    assert_close(saksi_shape_dip(m5, 5, work), 2.0 / 15.0, 1e-15);
    /* Yong Lu's example c(1, rep(2, 9)): 0.05. */
    const double lu[] = {1, 2, 2, 2, 2, 2, 2, 2, 2, 2};
    assert_close(saksi_shape_dip(lu, 10, work), 0.05, 1e-15);
    /* Fewer than four values or all equal: 0 (diptest's convention). */
    assert_close(saksi_shape_dip(cum, 3, work), 0.0, 0);
    const double same[] = {4, 4, 4, 4, 4};
    assert_close(saksi_shape_dip(same, 5, work), 0.0, 0);
    /* Equally spaced points are as unimodal as n points can be: the
     * empirical CDF is within 1/(2n) of the uniform, so D = 1/(2n). */
    double grid[100];
    for (int k = 0; k < 100; k++)
        grid[k] = k;
    assert_close(saksi_shape_dip(grid, 100, work), 1.0 / 200.0, 1e-15);
    /* Two far clusters of 50: the dip approaches its maximum 1/4. */
    for (int k = 0; k < 100; k++)
        grid[k] = k < 50 ? k * 0.01 : 100 + k * 0.01;
    assert_true(saksi_shape_dip(grid, 100, work) > 0.24);
}

static void test_moments(void **state)
{
    (void)state;
    /* x = {1,2,3,4,10}: mean 4, deviations -3 -2 -1 0 6; m2 = 50/5 = 10,
     * m3 = 180/5 = 36, m4 = 1394/5 = 278.8; g1 = 36 / 10^1.5,
     * g2 = 278.8 / 100 - 3 = -0.212. */
    const double x[] = {1, 2, 3, 4, 10};
    assert_close(saksi_shape_skew(x, NULL, 5), 36.0 / pow(10.0, 1.5), 1e-14);
    assert_close(saksi_shape_kurtosis(x, NULL, 5), -0.212, 1e-14);
    /* Counts weigh like repeats: {1 x2, 3, 10 x3}. */
    const double u[] = {1, 2, 3, 10};
    const uint32_t c[] = {2, 0, 1, 3};
    const double rep[] = {1, 1, 3, 10, 10, 10};
    assert_close(saksi_shape_skew(u, c, 4), saksi_shape_skew(rep, NULL, 6), 1e-14);
    assert_close(saksi_shape_kurtosis(u, c, 4), saksi_shape_kurtosis(rep, NULL, 6), 1e-14);
    /* No variation, no weight: NaN. */
    const double k[] = {2, 2, 2};
    assert_true(isnan(saksi_shape_skew(k, NULL, 3)));
    assert_true(isnan(saksi_shape_kurtosis(k, NULL, 3)));
    const uint32_t zero[] = {0, 0, 0};
    assert_true(isnan(saksi_shape_skew(x, zero, 3)));

    /* Against GSL on 1,000 values: GSL standardises by the sample sd
     * (divisor n-1, s^2 = m2 n/(n-1)), so skew_gsl = g1 ((n-1)/n)^1.5 and
     * kurt_gsl + 3 = (g2 + 3) ((n-1)/n)^2. */
    enum { N = 1000 };
    static double a[N], b[N], y[N];
    for (int i = 0; i < N; i++) {
        double t = (double)i / N;
        a[i] = 0.7 + 0.1 * sin(37.0 * t) + 0.05 * t * t;
        b[i] = 0.5 + 0.2 * cos(11.0 * t) - 0.3 * a[i] * t;
        y[i] = a[i] * b[i];
    }
    double f = (N - 1.0) / N;
    assert_close(saksi_shape_skew(a, NULL, N) * pow(f, 1.5), gsl_stats_skew(a, 1, N), 1e-12);
    assert_close((saksi_shape_kurtosis(a, NULL, N) + 3.0) * f * f,
                 gsl_stats_kurtosis(a, 1, N) + 3.0, 1e-12);
    assert_close(saksi_shape_correlation(a, b, NULL, N), gsl_stats_correlation(a, 1, b, 1, N),
                 1e-12);
    double c0, c1, cov00, cov01, cov11, sumsq;
    gsl_fit_linear(a, 1, y, 1, N, &c0, &c1, &cov00, &cov01, &cov11, &sumsq);
    assert_close(saksi_shape_slope(a, y, NULL, N), c1, 1e-12);
    assert_true(isnan(saksi_shape_slope(k, x, NULL, 3)));
    assert_true(isnan(saksi_shape_correlation(x, k, NULL, 3)));
    assert_string_equal(saksi_shape_name(SAKSI_SHAPE_SOBYANIN), "sobyanin_slope");
    assert_string_equal(saksi_shape_name(99), "?");
}

static int cmp_double(const void *p, const void *q)
{
    double x = *(const double *)p, y = *(const double *)q;
    return (x > y) - (x < y);
}

/* R's type-7 quantile of sorted v. */
static double q7(const double *v, size_t n, double p)
{
    double h = (n - 1) * p;
    size_t i = (size_t)floor(h);
    return i + 1 < n ? v[i] + (h - i) * (v[i + 1] - v[i]) : v[n - 1];
}

static void test_shape_all(void **state)
{
    (void)state;
    saksi_table *t = fx_simulated(3000, 11);
    const size_t n = t->n, B = 30;
    uint8_t *use = calloc(n, 1);
    double *x = calloc(n, sizeof *x), *s = calloc(n, sizeof *s), *y = calloc(n, sizeof *y);
    const int32_t *cols[4];
    saksi_fp_columns(t, SAKSI_F_VOTERS_DPT, saksi_fp_leader(t), cols);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (t->stratum[i] != SAKSI_STRATUM_REGULAR || cols[3][i] == 0) continue;
        use[i] = 1;
        x[i] = (double)cols[1][i] / cols[0][i];
        s[i] = (double)cols[2][i] / cols[3][i];
        y[i] = (double)cols[2][i] / cols[0][i];
        m++;
    }
    saksi_shape_level out[SAKSI_NLEVELS], again[SAKSI_NLEVELS];
    saksi_error err = {0};
    assert_int_equal(saksi_shape_all(t, use, x, s, y, B, 77, out, &err), SAKSI_OK);
    assert_int_equal(saksi_shape_all(t, use, x, s, y, B, 77, again, &err), SAKSI_OK);
    /* Threads share the regions out as they come: the numbers must not
     * care. */
    for (int l = 0; l <= SAKSI_LEVEL_DISTRICT; l++) {
        assert_int_equal(out[l].n, t->regions[l].n);
        assert_memory_equal(out[l].row, again[l].row, out[l].n * sizeof *out[l].row);
    }
    saksi_shape_free(again);

    /* The nation against the one-statistic functions. */
    const saksi_shape_row *r = &out[SAKSI_LEVEL_NATIONAL].row[0];
    double *gx = malloc(m * sizeof *gx), *gs = malloc(m * sizeof *gs), *gy = malloc(m * 8);
    size_t *work = malloc(4 * m * sizeof *work);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (use[i]) gx[k] = x[i], gs[k] = s[i], gy[k] = y[i], k++;
    assert_int_equal(r->n, m);
    assert_string_equal(r->skip, "");
    assert_close(r->value[SAKSI_SHAPE_TURNOUT_SKEW], saksi_shape_skew(gx, NULL, m), 1e-12);
    assert_close(r->value[SAKSI_SHAPE_SHARE_KURTOSIS], saksi_shape_kurtosis(gs, NULL, m), 1e-12);
    assert_close(r->value[SAKSI_SHAPE_CORRELATION], saksi_shape_correlation(gx, gs, NULL, m),
                 1e-12);
    assert_close(r->value[SAKSI_SHAPE_SOBYANIN], saksi_shape_slope(gx, gy, NULL, m), 1e-12);

    /* Its bootstrap recomputed here from the documented stream: counter
     * (block, region 0, replicate, "SB" | level 0), key = seed; index
     * (word * m) >> 32. */
    double *bs = malloc(B * sizeof *bs), *bd = malloc(B * 8);
    uint32_t *cnt = malloc(m * sizeof *cnt);
    for (size_t b = 0; b < B; b++) {
        memset(cnt, 0, m * sizeof *cnt);
        saksi_philox_ctr w = {{0}};
        for (size_t j = 0; j < m; j++) {
            if (j % 4 == 0) {
                saksi_philox_ctr ctr = {{(uint32_t)(j / 4), 0, (uint32_t)b, 0x53420000u}};
                w = saksi_philox4x32_10(ctr, 77, 0);
            }
            cnt[((uint64_t)w.v[j % 4] * m) >> 32]++;
        }
        bs[b] = saksi_shape_skew(gx, cnt, m);
        /* The resample itself, sorted. */
        size_t e = 0;
        double *tmp = malloc(m * sizeof *tmp);
        for (size_t j = 0; j < m; j++)
            for (uint32_t c = 0; c < cnt[j]; c++)
                tmp[e++] = gx[j];
        qsort(tmp, e, sizeof *tmp, cmp_double);
        bd[b] = saksi_shape_dip(tmp, e, work);
        free(tmp);
    }
    qsort(bs, B, sizeof *bs, cmp_double);
    qsort(bd, B, sizeof *bd, cmp_double);
    assert_close(r->lo[SAKSI_SHAPE_TURNOUT_SKEW], q7(bs, B, 0.025), 1e-12);
    assert_close(r->hi[SAKSI_SHAPE_TURNOUT_SKEW], q7(bs, B, 0.975), 1e-12);
    assert_close(r->lo[SAKSI_SHAPE_TURNOUT_DIP], q7(bd, B, 0.025), 1e-15);
    assert_close(r->hi[SAKSI_SHAPE_TURNOUT_DIP], q7(bd, B, 0.975), 1e-15);
    assert_true(r->lo[SAKSI_SHAPE_TURNOUT_DIP] < r->hi[SAKSI_SHAPE_TURNOUT_DIP]);

    /* Small regions are skipped with the reason, their values NaN. */
    size_t skipped = 0;
    for (size_t d = 0; d < out[SAKSI_LEVEL_DISTRICT].n; d++) {
        const saksi_shape_row *q = &out[SAKSI_LEVEL_DISTRICT].row[d];
        if (q->n < SAKSI_SHAPE_MIN_STATIONS) {
            assert_string_equal(q->skip, "fewer than 20 usable regular stations");
            assert_true(isnan(q->value[0]) && isnan(q->lo[0]));
            skipped++;
        } else {
            assert_string_equal(q->skip, "");
        }
    }
    assert_true(skipped > 0);
    saksi_shape_free(out);
    /* A stop request is honoured. */
    saksi_request_stop();
    assert_int_equal(saksi_shape_all(t, use, x, s, y, B, 77, out, &err), SAKSI_ERR_INTERRUPTED);
    saksi_clear_stop();
    free(gx), free(gs), free(gy), free(work), free(bs), free(bd), free(cnt);
    free(use), free(x), free(s), free(y);
    saksi_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dip_published),
        cmocka_unit_test(test_moments),
        cmocka_unit_test(test_shape_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
