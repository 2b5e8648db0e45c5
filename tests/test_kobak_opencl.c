/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_kobak_opencl.c — turnout.cl against its plain-C twin on PoCL (or any
 * device): the integer-percent codes of every station must be the same
 * integers, for several tolerances, work-group sizes and batch sizes, on a
 * simulated election and on hand-made edge rows; then the family through
 * the device gives the same report rows as through the twin. Never skips:
 * no device is a failure.
 * LABELS: opencl
 */
#include "test_support.h"

#include "saksi_opencl.h"
#include "turnout.h"

static saksi_cl *open_device(void)
{
    saksi_cl_options o;
    saksi_cl *cl = NULL;
    saksi_error err = {0};
    saksi_cl_options_init(&o);
    o.allow_cpu = 1;
    o.cache_dir = "";
    if (saksi_cl_open(&o, &cl, &err) != SAKSI_OK)
        fail_msg("no usable OpenCL device (this test never skips; install pocl-opencl-icd): %s",
                 err.message);
    return cl;
}

/* Edge rows: every code path of saksi_ipct_code, including the int32
 * extremes, in both rates. */
static saksi_table *edge_table(void)
{
    int present[SAKSI_NFIXED] = {0};
    present[SAKSI_F_REGISTERED] = present[SAKSI_F_VOTERS_DPT] = present[SAKSI_F_VALID] = 1;
    const char *labels[] = {"01"};
    saksi_table *t = saksi_table_alloc(present, 1, labels);
    const int32_t rows[][4] = {
        {250, 200, 190, 95},
        {250, 201, 190, 96},
        {3, 1, 3, 2},
        {200, 1, 200, 1},
        {0, 0, 0, 0},
        {-5, 3, 10, -1},
        {10, 11, 10, 10},
        {SAKSI_MISSING, 5, 7, SAKSI_MISSING},
        {2147483647, 2147483647, 2147483647, 1073741823},
        {1950, 1658, 1658, 1409},
        {7, 1, 7, 0},
        {1, 1, 1, 0},
    };
    saksi_error err = {0};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int32_t v[SAKSI_NFIXED + 1];
        for (int f = 0; f <= SAKSI_NFIXED; f++)
            v[f] = SAKSI_MISSING;
        v[SAKSI_F_REGISTERED] = rows[i][0];
        v[SAKSI_F_VOTERS_DPT] = rows[i][1];
        v[SAKSI_F_VALID] = rows[i][2];
        v[SAKSI_NFIXED] = rows[i][3];
        char id[32];
        snprintf(id, sizeof id, "32010100010%02zu", i);
        assert_int_equal(saksi_table_append(t, id, strlen(id), NULL, v, 0, i + 2, NULL, &err),
                         SAKSI_OK);
    }
    assert_int_equal(saksi_table_finalize(t, &err), SAKSI_OK);
    return t;
}

static void compare(saksi_cl *cl, const saksi_table *t, const int f[4], int32_t tol, size_t batch,
                    size_t local)
{
    uint32_t *dev = malloc((t->n ? t->n : 1) * sizeof *dev);
    uint32_t *cpu = malloc((t->n ? t->n : 1) * sizeof *cpu);
    saksi_error err = {0};
    memset(dev, 0xAB, (t->n ? t->n : 1) * sizeof *dev);
    saksi_status s = saksi_cl_turnout(cl, t, f, tol, SAKSI_IPCT_TOL_DEN, batch, local, dev, &err);
    if (s != SAKSI_OK) fail_msg("saksi_cl_turnout: %s", err.message);
    saksi_kobak_membership_cpu(t, f, tol, SAKSI_IPCT_TOL_DEN, 0, t->n, cpu);
    for (size_t i = 0; i < t->n; i++)
        if (dev[i] != cpu[i])
            fail_msg("station %zu (tol %d, batch %zu, local %zu): device %08x, CPU %08x", i, tol,
                     batch, local, dev[i], cpu[i]);
    free(dev);
    free(cpu);
}

static void test_equivalence(void **state)
{
    (void)state;
    saksi_cl *cl = open_device();
    saksi_sim_config c;
    saksi_error err = {0};
    saksi_table *sim = NULL;
    saksi_sim_config_init(&c);
    c.stations = 30000;
    c.seed = 5;
    assert_int_equal(saksi_simulate_table(&c, &sim, NULL, NULL, NULL, &err), SAKSI_OK);
    saksi_table *edge = edge_table();
    saksi_kobak_options o;
    saksi_kobak_options_init(&o);
    int f[4];
    const int32_t tols[] = {0, 300, 5000}; /* 0, 0.03 and 0.5 points */
    const size_t batches[] = {0, 4096, 7};
    const size_t locals[] = {0, 1, 64};
    for (int which = 0; which < 2; which++) {
        const saksi_table *t = which ? edge : sim;
        saksi_kobak_fields(t, &o, which ? 0 : saksi_kobak_national_leader(t), f);
        for (size_t a = 0; a < 3; a++)
            for (size_t b = 0; b < 3; b++)
                for (size_t l = 0; l < 3; l++) {
                    if (!which && batches[b] == 7)
                        continue; /* 4,000 launches of 7 rows: slow on PoCL, nothing new */
                    compare(cl, t, f, tols[a], batches[b], locals[l]);
                }
    }
    /* Absent columns count as missing on both sides. */
    int absent[4] = {-1, SAKSI_F_REGISTERED, SAKSI_NFIXED + 5, -1};
    compare(cl, edge, absent, 0, 0, 0);
    /* Kobak's share of total: no total column here. */
    o.share_total = 1;
    saksi_kobak_fields(edge, &o, 0, f);
    compare(cl, edge, f, 0, 0, 0);
    saksi_table_free(edge);
    saksi_table_free(sim);
    saksi_cl_close(cl);
}

/* The whole family through the device and through the twin: identical
 * region rows, byte for byte. */
static void test_family_same_rows(void **state)
{
    (void)state;
    saksi_cl *cl = open_device();
    saksi_sim_config c;
    saksi_error err = {0};
    saksi_table *t = NULL;
    saksi_sim_config_init(&c);
    c.stations = 8000;
    c.seed = 9;
    assert_int_equal(saksi_simulate_table(&c, &t, NULL, NULL, NULL, &err), SAKSI_OK);
    saksi_config cfg;
    saksi_config_init(&cfg);
    cfg.baselines = 0;
    saksi_results a = {0}, b = {0};
    assert_int_equal(saksi_family_baselines(t, &cfg, (struct saksi_cl *)cl, &a, NULL, &err),
                     SAKSI_OK);
    assert_int_equal(saksi_family_baselines(t, &cfg, NULL, &b, NULL, &err), SAKSI_OK);
    assert_int_equal(saksi_region_tests_finish(a.region_tests, 0.05, 0, &err), SAKSI_OK);
    assert_int_equal(saksi_region_tests_finish(b.region_tests, 0.05, 0, &err), SAKSI_OK);
    assert_int_equal(a.region_tests->n, b.region_tests->n);
    assert_memory_equal(a.turnout->kobak->code, b.turnout->kobak->code, t->n * sizeof(uint32_t));
    for (size_t r = 0; r < a.region_tests->n; r++) {
        const saksi_region_test *x = &a.region_tests->row[r], *y = &b.region_tests->row[r];
        assert_int_equal(x->n, y->n);
        assert_memory_equal(&x->statistic, &y->statistic, sizeof(double));
        assert_memory_equal(&x->p, &y->p, sizeof(double));
        assert_memory_equal(&x->q, &y->q, sizeof(double));
    }
    saksi_results_free(&a);
    saksi_results_free(&b);
    saksi_table_free(t);
    saksi_cl_close(cl);
}

static void test_errors(void **state)
{
    (void)state;
    saksi_cl *cl = open_device();
    saksi_table *t = edge_table();
    saksi_error err = {0};
    uint32_t code[16];
    int f[4] = {SAKSI_F_VOTERS_DPT, SAKSI_F_REGISTERED, SAKSI_NFIXED, SAKSI_F_VALID};
    assert_int_equal(
        saksi_cl_turnout(cl, t, f, 0, SAKSI_IPCT_TOL_DEN, 0, (size_t)1 << 30, code, &err),
        SAKSI_ERR_USAGE);
    assert_non_null(strstr(err.message, "turnout_integer_percent's limit"));
    assert_int_equal(saksi_cl_turnout(cl, t, f, -1, SAKSI_IPCT_TOL_DEN, 0, 0, code, &err),
                     SAKSI_ERR_INTERNAL);
    /* No stations: nothing to do. */
    saksi_table empty = *t;
    empty.n = 0;
    assert_int_equal(saksi_cl_turnout(cl, &empty, f, 0, SAKSI_IPCT_TOL_DEN, 0, 0, code, &err),
                     SAKSI_OK);
    /* A stop request ends the run between batches. */
    saksi_request_stop();
    assert_int_equal(saksi_cl_turnout(cl, t, f, 0, SAKSI_IPCT_TOL_DEN, 0, 0, code, &err),
                     SAKSI_ERR_INTERRUPTED);
    saksi_clear_stop();
    saksi_table_free(t);
    saksi_cl_close(cl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equivalence),
        cmocka_unit_test(test_family_same_rows),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
