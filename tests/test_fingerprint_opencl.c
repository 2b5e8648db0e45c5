/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_fingerprint_opencl.c — the fingerprint kernels on a real device
 * (PoCL on a machine without a GPU; this test never skips) against their
 * plain-C twins, for several work-group and batch sizes: station codes and
 * histograms, the fraud model's draws, the grid histograms with resampling
 * weights, whole fits, and a whole audit whose report.h5 must be the same
 * bytes on the device as on the CPU.
 * LABELS: opencl
 */
#include "fingerprint_fixture.h"

#include "opencl_fingerprint.h"

#define assert_ok(call)                                                                            \
    do {                                                                                           \
        saksi_error e_ = {0};                                                                      \
        saksi_error *err = &e_;                                                                    \
        saksi_status s_ = (call);                                                                  \
        if (s_ != SAKSI_OK) fail_msg("%s: %s: %s", #call, saksi_strerror(s_), e_.message);         \
    } while (0)

static saksi_cl *cl;
static saksi_table *tab;

static int setup(void **state)
{
    (void)state;
    saksi_cl_options o;
    saksi_error err = {0};
    saksi_cl_options_init(&o);
    o.allow_cpu = 1;
    o.cache_dir = "";
    if (saksi_cl_open(&o, &cl, &err) != SAKSI_OK) {
        fprintf(stderr, "test_fingerprint_opencl: cannot open a device: %s\n", err.message);
        return -1;
    }
    /* A clean election with every exclusion reason mixed in, and extreme
     * fraud in two regencies. */
    tab = fx_simulated(12000, 5);
    uint32_t regs[2] = {3, 7};
    fx_plant_extreme(tab, regs, 2, saksi_fp_leader(tab));
    int32_t *reg = tab->cols + (size_t)tab->slot_of_field[SAKSI_F_REGISTERED] * tab->stride;
    int32_t *dpt = tab->cols + (size_t)tab->slot_of_field[SAKSI_F_VOTERS_DPT] * tab->stride;
    int32_t *valid = tab->cols + (size_t)tab->slot_of_field[SAKSI_F_VALID] * tab->stride;
    for (size_t i = 0; i < tab->n; i += 97) {
        switch ((i / 97) % 5) {
        case 0:
            dpt[i] = SAKSI_MISSING;
            break;
        case 1:
            dpt[i] = reg[i] + 1;
            break;
        case 2:
            valid[i] = 0;
            break;
        case 3:
            reg[i] = 0;
            break;
        default:
            dpt[i] = -3;
            break;
        }
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    saksi_cl_close(cl);
    saksi_table_free(tab);
    return 0;
}

static void test_bin_kernel(void **state)
{
    (void)state;
    const int leader = saksi_fp_leader(tab);
    const int32_t *cols[4];
    saksi_fp_columns(tab, SAKSI_F_VOTERS_DPT, leader, cols);
    const size_t n = tab->n, nh = tab->regions[SAKSI_LEVEL_PROVINCE].n * SAKSI_NSTRATA;
    static const int bins[][2] = {{100, 100}, {37, 255}};
    static const size_t local[] = {0, 1, 48, 64, 256}, batch[] = {0, 1000, 4097};
    for (size_t b = 0; b < 2; b++) {
        const size_t nb = (size_t)bins[b][0] * bins[b][1];
        int32_t *code = malloc(n * 4), *dcode = malloc(n * 4);
        uint32_t *hist = calloc(nh * nb, 4), *reasons = calloc(nh * SAKSI_FP_NREASONS, 4);
        uint32_t *dhist = malloc(nh * nb * 4), *dreasons = malloc(nh * SAKSI_FP_NREASONS * 4);
        saksi_fp_bin_cpu(tab, cols, bins[b][0], bins[b][1], 0, n, code, hist, reasons);
        size_t excluded = 0;
        for (size_t k = 0; k < nh * SAKSI_FP_NREASONS; k++)
            excluded += reasons[k];
        assert_true(excluded >= 5 * (n / 97 / 5)); /* every reason occurs */
        for (size_t l = 0; l < sizeof local / sizeof local[0]; l++)
            for (size_t s = 0; s < sizeof batch / sizeof batch[0]; s++) {
                memset(dhist, 0xAB, nh * nb * 4); /* the device must zero them */
                assert_ok(saksi_cl_fp_bin(cl, tab, cols, bins[b][0], bins[b][1], batch[s], local[l],
                                          dcode, dhist, dreasons, err));
                assert_memory_equal(code, dcode, n * 4);
                assert_memory_equal(hist, dhist, nh * nb * 4);
                assert_memory_equal(reasons, dreasons, nh * SAKSI_FP_NREASONS * 4);
            }
        free(code), free(dcode), free(hist), free(reasons), free(dhist), free(dreasons);
    }
    /* A work-group beyond the device's limit is a usage error. */
    int32_t *code = malloc(n * 4);
    uint32_t *hist = calloc(nh * 10000, 4), *reasons = calloc(nh * SAKSI_FP_NREASONS, 4);
    saksi_error err = {0};
    assert_int_equal(
        saksi_cl_fp_bin(cl, tab, cols, 100, 100, 0, (size_t)1 << 30, code, hist, reasons, &err),
        SAKSI_ERR_USAGE);
    free(code), free(hist), free(reasons);
}

/* The province fit set of the fixture. */
static void fitset(saksi_fp_fitset *fs, int32_t **code)
{
    const int leader = saksi_fp_leader(tab);
    const int32_t *cols[4];
    saksi_fp_columns(tab, SAKSI_F_VOTERS_DPT, leader, cols);
    size_t nh = tab->regions[SAKSI_LEVEL_PROVINCE].n * SAKSI_NSTRATA;
    uint32_t *hist = calloc(nh * 10000, 4), *reasons = calloc(nh * SAKSI_FP_NREASONS, 4);
    *code = malloc(tab->n * 4);
    saksi_fp_bin_cpu(tab, cols, 100, 100, 0, tab->n, *code, hist, reasons);
    assert_ok(saksi_fp_fitset_from_table(tab, *code, cols, 1, NULL, fs, err));
    assert_ok(saksi_fp_fitset_prepare(fs, 2024, 100, 100, 2, err));
    free(hist), free(reasons);
}

static void test_model_kernels(void **state)
{
    (void)state;
    saksi_fp_fitset fs;
    int32_t *code;
    fitset(&fs, &code);
    saksi_fp_backend cpu, dev;
    assert_ok(saksi_fp_backend_cpu(&cpu, err));
    assert_ok(cpu.bind(cpu.ctx, &fs, err));
    assert_ok(cpu.simulate(cpu.ctx, 3, err));
    uint32_t *want = malloc(3 * fs.ndraws * 4), *got = malloc(3 * fs.ndraws * 4);
    assert_ok(cpu.read_draws(cpu.ctx, want, err));
    /* Weights of a resample; grid points of several fits at once. */
    uint32_t *w = malloc(fs.n * 4);
    saksi_fp_resample(&fs, 9, 1, 2, w);
    uint32_t *pf = calloc(fs.nfits, 4), *pc = calloc(fs.nfits, 4);
    uint64_t thr[2 * 16];
    size_t np = 0;
    for (size_t g = 0; g < fs.nfits && np < 16; g++) {
        if (fs.fit_reps[g] == 0) continue;
        pf[g] = (uint32_t)np;
        for (int k = 0; k < 4 && np < 16; k++, np++) {
            thr[2 * np] = (uint64_t)(k * 40) << 23;
            thr[2 * np + 1] = thr[2 * np] + ((uint64_t)(k * 25) << 23);
            pc[g]++;
        }
    }
    size_t g_end = 0;
    for (size_t g = 0; g < fs.nfits; g++)
        if (pc[g]) g_end = g + 1;
    assert_true(np >= 8);
    const size_t nb = 100 * 100;
    uint32_t *hw = calloc(np * nb, 4), *hg = malloc(np * nb * 4);
    assert_ok(cpu.grid(cpu.ctx, 0, g_end, w, pf, pc, thr, 0, np, hw, err));
    static const size_t local[] = {0, 1, 16, 100};
    for (size_t l = 0; l < sizeof local / sizeof local[0]; l++) {
        assert_ok(saksi_cl_fp_backend(cl, local[l], &dev, err));
        assert_ok(dev.bind(dev.ctx, &fs, err));
        assert_ok(dev.simulate(dev.ctx, 3, err));
        assert_ok(dev.read_draws(dev.ctx, got, err));
        assert_memory_equal(want, got, 3 * fs.ndraws * 4);
        memset(hg, 0, np * nb * 4);
        assert_ok(dev.grid(dev.ctx, 0, g_end, w, pf, pc, thr, 0, np, hg, err));
        assert_memory_equal(hw, hg, np * nb * 4);
        saksi_cl_fp_backend_free(&dev);
    }
    /* Whole fits: the same grid points chosen, the same objectives. */
    saksi_fp_fit *a = calloc(fs.nfits, sizeof *a), *b = calloc(fs.nfits, sizeof *b);
    assert_ok(saksi_cl_fp_backend(cl, 0, &dev, err));
    assert_ok(dev.bind(dev.ctx, &fs, err));
    assert_ok(saksi_fp_fit_all(&fs, &cpu, 0, w, a, err));
    assert_ok(saksi_fp_fit_all(&fs, &dev, 0, w, b, err));
    for (size_t g = 0; g < fs.nfits; g++) {
        assert_int_equal(a[g].ki, b[g].ki);
        assert_int_equal(a[g].ke, b[g].ke);
        assert_true(a[g].objective == b[g].objective ||
                    (isinf(a[g].objective) && isinf(b[g].objective)));
    }
    /* Unbound or misused: errors, not crashes. */
    saksi_error err = {0};
    dev.release(dev.ctx);
    assert_int_equal(dev.simulate(dev.ctx, 0, &err), SAKSI_ERR_INTERNAL);
    assert_int_equal(dev.read_draws(dev.ctx, got, &err), SAKSI_ERR_INTERNAL);
    assert_int_equal(dev.grid(dev.ctx, 0, 1, w, pf, pc, thr, 0, 1, hg, &err), SAKSI_ERR_INTERNAL);
    /* (the backend freed first: a failed call zeroes *be, so freeing it
     * after would free nothing and leak it; LeakSanitizer) */
    saksi_cl_fp_backend_free(&dev);
    assert_int_equal(saksi_cl_fp_backend(cl, (size_t)1 << 30, &dev, &err), SAKSI_ERR_USAGE);
    saksi_cl_fp_backend_free(&dev);
    saksi_fp_backend_cpu_free(&cpu);
    saksi_fp_fitset_free(&fs);
    free(a), free(b), free(want), free(got), free(w), free(pf), free(pc), free(hw), free(hg);
    free(code);
}

/* The CLI on both backends: report.h5 must be the same bytes. */
static void test_audit_same_bytes(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("fpcl");
    assert_non_null(dir);
    assert_int_equal(
        test_run("%s simulate -o '%s/in' --stations 6000 --seed 3 2>/dev/null", SAKSI_CLI, dir), 0);
    const char *opts = "--reproducible --fingerprint-fit --fingerprint-bootstrap 2 "
                       "--fingerprint-null-runs 2 --shape-bootstrap 10 --cache-dir '' -q";
    assert_int_equal(test_run("%s audit '%s/in/stations.csv' -o '%s/cpu' --backend cpu %s",
                              SAKSI_CLI, dir, dir, opts),
                     0);
    assert_int_equal(test_run("%s audit '%s/in/stations.csv' -o '%s/cl' --backend opencl %s",
                              SAKSI_CLI, dir, dir, opts),
                     0);
    assert_int_equal(test_run("cmp -s '%s/cpu/report.h5' '%s/cl/report.h5'", dir, dir), 0);
    test_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bin_kernel),
        cmocka_unit_test(test_model_kernels),
        cmocka_unit_test(test_audit_same_bytes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
