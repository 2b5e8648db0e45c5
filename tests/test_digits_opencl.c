/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_digits_opencl.c — the digit histogram kernel on a real device (PoCL
 * on a machine without a GPU; this test never skips) against its plain-C
 * twin saksi_digits_hist_cpu(): identical integers for several work-group
 * and batch sizes, row ranges and starting contents, with missing and
 * negative counts in the table; the family's rows identical byte for byte
 * on either path; the device's limits; and a device that disagrees with
 * the twin (a kernel directory with a broken copy of digits.cl): fatal
 * under --backend opencl, a fall-back under auto.
 * LABELS: opencl
 */
#include "test_support.h"

#include "digits.h"
#include "opencl_private.h" /* the device's local memory */
#include "saksi_opencl.h"

static saksi_cl *open_device(const char *kernel_dir)
{
    saksi_cl_options o;
    saksi_cl *cl = NULL;
    saksi_error err = {0};
    saksi_cl_options_init(&o);
    o.allow_cpu = 1;
    o.cache_dir = ""; /* every build from source: a broken copy must not come from a cache */
    o.kernel_dir = kernel_dir;
    if (saksi_cl_open(&o, &cl, &err) != SAKSI_OK) fail_msg("saksi_cl_open: %s", err.message);
    return cl;
}

static saksi_table *simulated(uint64_t seed, size_t stations)
{
    saksi_sim_config sc;
    saksi_table *t = NULL;
    saksi_error err = {0};
    saksi_sim_config_init(&sc);
    sc.seed = seed;
    sc.stations = stations;
    assert_int_equal(saksi_simulate_table(&sc, &t, NULL, NULL, NULL, &err), SAKSI_OK);
    return t;
}

/* A mask with about four numbers in five set, from Philox. */
static uint8_t *some_mask(const saksi_table *t)
{
    uint8_t *m = malloc(t->n * t->ncand);
    for (size_t c = 0; c < t->ncand; c++)
        for (size_t i = 0; i < t->n; i++) {
            saksi_philox_ctr x = {{(saksi_u32)i, (saksi_u32)c, 0xd161u, 0}};
            m[c * t->n + i] = saksi_philox4x32_10(x, 3u, 2024u).v[0] % 5 != 0;
        }
    return m;
}

static void test_equivalence(void **state)
{
    (void)state;
    saksi_cl *cl = open_device(NULL);
    saksi_table *t = simulated(21, 40000);
    saksi_error err = {0};
    /* missing, negative and huge counts where the mask is set: no bins */
    for (size_t i = 0; i < t->n; i += 97)
        t->cols[(size_t)t->first_cand_slot * t->stride + i] = SAKSI_MISSING;
    for (size_t i = 5; i < t->n; i += 89)
        t->cols[(size_t)(t->first_cand_slot + 1) * t->stride + i] = -3;
    t->cols[(size_t)(t->first_cand_slot + 2) * t->stride + 7] = 2147483647;
    uint8_t *mask = some_mask(t);
    size_t nbins = t->regions[SAKSI_LEVEL_DISTRICT].n * t->ncand * SAKSI_DIGIT_HIST;
    uint32_t *cpu = malloc(nbins * sizeof *cpu), *dev = malloc(nbins * sizeof *dev);
    const size_t locals[] = {16, 64, 256};
    const size_t batches[] = {1000, 4096, 0};
    const size_t ranges[][2] = {{0, 40000}, {1234, 23456}, {39999, 40000}, {500, 500}};
    for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
        size_t begin = ranges[r][0], end = ranges[r][1] < t->n ? ranges[r][1] : t->n;
        for (size_t k = 0; k < nbins; k++)
            cpu[k] = (uint32_t)(k % 7); /* both add into what is there */
        saksi_digits_hist_cpu(t, begin, end, mask, cpu);
        for (size_t l = 0; l < sizeof locals / sizeof locals[0]; l++)
            for (size_t b = 0; b < sizeof batches / sizeof batches[0]; b++) {
                for (size_t k = 0; k < nbins; k++)
                    dev[k] = (uint32_t)(k % 7);
                if (saksi_cl_digits_histogram(cl, t, begin, end, mask, batches[b], locals[l], dev,
                                              &err) != SAKSI_OK)
                    fail_msg("digits_histogram: %s", err.message);
                if (memcmp(dev, cpu, nbins * sizeof *dev) != 0)
                    fail_msg("device differs from the twin: rows [%zu, %zu), local %zu, batch %zu",
                             begin, end, locals[l], batches[b]);
            }
    }
    /* the whole table counts something in every district */
    uint64_t total = 0;
    for (size_t k = 0; k < nbins; k++)
        total += cpu[k];
    assert_true(total > 40000);
    free(cpu);
    free(dev);
    free(mask);
    saksi_table_free(t);
    saksi_cl_close(cl);
}

static void test_limits(void **state)
{
    (void)state;
    saksi_cl *cl = open_device(NULL);
    saksi_table *t = simulated(22, 2000);
    saksi_error err = {0};
    uint8_t *mask = some_mask(t);
    size_t nbins = t->regions[SAKSI_LEVEL_DISTRICT].n * t->ncand * SAKSI_DIGIT_HIST;
    uint32_t *h = calloc(nbins, sizeof *h);
    assert_int_equal(saksi_cl_digits_histogram(cl, t, 0, t->n, mask, 0, 1u << 20, h, &err),
                     SAKSI_ERR_USAGE);
    assert_non_null(strstr(err.message, "exceeds digits_histogram's limit"));
    assert_int_equal(saksi_cl_digits_histogram(cl, t, 10, t->n + 1, mask, 0, 0, h, &err),
                     SAKSI_ERR_INTERNAL);
    assert_int_equal(saksi_cl_digits_histogram(cl, t, 10, 10, mask, 0, 0, h, &err), SAKSI_OK);
    free(h);
    free(mask);
    saksi_table_free(t);

    /* So many candidates that their local histogram (160 bytes a
     * candidate) outgrows the device's local memory, read off the device:
     * PoCL gives 512 KiB on some CPUs and 1 MiB on others (an EPYC with
     * AVX-512), where a fixed 4,000 candidates fit. */
    const int many = (int)(cl->local_mem / (SAKSI_DIGIT_HIST * sizeof(uint32_t))) + 1;
    int present[SAKSI_NFIXED] = {0};
    present[SAKSI_F_VALID] = 1;
    char **labels = malloc(many * sizeof *labels);
    for (int c = 0; c < many; c++) {
        labels[c] = malloc(12);
        snprintf(labels[c], 12, "%d", c);
    }
    t = saksi_table_alloc(present, many, (const char *const *)labels);
    int32_t *v = malloc((SAKSI_NFIXED + many) * sizeof *v);
    for (int f = 0; f < SAKSI_NFIXED + many; f++)
        v[f] = 1;
    assert_int_equal(saksi_table_append(t, "3201010001001", 13, NULL, v, 0, 2, NULL, &err),
                     SAKSI_OK);
    assert_int_equal(saksi_table_finalize(t, &err), SAKSI_OK);
    mask = calloc(many, 1);
    h = calloc((size_t)many * SAKSI_DIGIT_HIST, sizeof *h);
    assert_int_equal(saksi_cl_digits_histogram(cl, t, 0, 1, mask, 0, 0, h, &err), SAKSI_ERR_LIMIT);
    assert_non_null(strstr(err.message, "local memory"));
    for (int c = 0; c < many; c++)
        free(labels[c]);
    free(labels);
    free(v);
    free(h);
    free(mask);
    saksi_table_free(t);
    saksi_cl_close(cl);
}

/* Integrity masks of the built-in rules on t (what the family reads). */
static void integrity(saksi_table *t, saksi_results *res, saksi_rules **rules, int32_t **prog)
{
    saksi_error err = {0};
    size_t len;
    memset(res, 0, sizeof *res);
    assert_int_equal(saksi_rules_load(NULL, rules, &err), SAKSI_OK);
    assert_int_equal(saksi_rules_compile(*rules, t, prog, &len, &err), SAKSI_OK);
    res->rules = *rules;
    res->enabled = calloc(t->n, 4);
    res->eval_mask = calloc(t->n, 4);
    res->fail_mask = calloc(t->n, 4);
    res->neg_mask = calloc(t->n, 4);
    assert_int_equal(saksi_rules_apply_scopes(*rules, t, res->enabled, &err), SAKSI_OK);
    saksi_integrity_cpu(*prog, t, res->enabled, 0, t->n, res->eval_mask, res->fail_mask,
                        res->neg_mask);
}

static void test_family_same_bytes(void **state)
{
    (void)state;
    saksi_cl *cl = open_device(NULL);
    saksi_table *t = simulated(23, 20000);
    saksi_results a, b;
    saksi_rules *ra, *rb;
    int32_t *pa, *pb;
    saksi_error err = {0};
    saksi_config cfg;
    saksi_config_init(&cfg);
    cfg.batch_rows = 3000; /* several batches, and a self-test across them */
    cfg.local_size = 32;
    integrity(t, &a, &ra, &pa);
    integrity(t, &b, &rb, &pb);
    cfg.backend = SAKSI_BACKEND_OPENCL;
    if (saksi_family_digits(t, &a, &cfg, cl, &err) != SAKSI_OK)
        fail_msg("family on the device: %s", err.message);
    cfg.backend = SAKSI_BACKEND_CPU;
    assert_int_equal(saksi_family_digits(t, &b, &cfg, NULL, &err), SAKSI_OK);
    assert_string_equal(a.digits->backend, "opencl");
    assert_string_equal(b.digits->backend, "cpu");
    assert_int_equal(a.region_tests->n, b.region_tests->n);
    for (size_t k = 0; k < a.region_tests->n; k++) {
        const saksi_region_test *x = &a.region_tests->row[k], *y = &b.region_tests->row[k];
        const double fx[] = {x->statistic, x->effect, x->effect_lo, x->effect_hi, x->p};
        const double fy[] = {y->statistic, y->effect, y->effect_lo, y->effect_hi, y->p};
        assert_int_equal(memcmp(fx, fy, sizeof fx), 0); /* the same bytes */
        assert_int_equal(x->n, y->n);
        assert_int_equal(x->region, y->region);
        assert_string_equal(x->test, y->test);
        assert_string_equal(x->skip, y->skip);
    }
    assert_int_equal(memcmp(a.digits->national, b.digits->national,
                            t->ncand * SAKSI_DT_COUNT * sizeof *a.digits->national),
                     0);
    a.rules = b.rules = NULL;
    saksi_results_free(&a);
    saksi_results_free(&b);
    saksi_rules_free(ra);
    saksi_rules_free(rb);
    free(pa);
    free(pb);
    saksi_table_free(t);
    saksi_cl_close(cl);
}

/* A kernel directory whose digits.cl counts x + 1 instead of x. */
static char *broken_kernels(void)
{
    static const char *const files[] = {"saksi_shared.h",       "integrity.cl",
                                        "rng.cl",               "digits_shared.h",
                                        "digits.cl",            "fingerprint_shared.h",
                                        "fingerprint.cl",       "turnout_shared.h",
                                        "turnout.cl"};
    char *dir = test_mkdtemp("digits-kernels");
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char src[4096], dst[4096];
        snprintf(src, sizeof src, "%s/kernels/%s", SAKSI_SOURCE_DIR, files[i]);
        snprintf(dst, sizeof dst, "%s/%s", dir, files[i]);
        char *text = test_read_file(src, NULL);
        assert_non_null(text);
        if (strcmp(files[i], "digits.cl") == 0) {
            const char *call = "saksi_digit_bins(cols[(ulong)c * stride + row], bin);";
            char *at = strstr(text, call);
            assert_non_null(at);
            size_t need = strlen(text) + 8;
            char *edited = malloc(need);
            snprintf(edited, need,
                     "%.*ssaksi_digit_bins(cols[(ulong)c * stride + row] + 1, bin);%s",
                     (int)(at - text), text, at + strlen(call));
            free(text);
            text = edited;
        }
        assert_int_equal(test_write_file(dst, text), 0);
        free(text);
    }
    return dir;
}

static void test_selftest_disagreement(void **state)
{
    (void)state;
    char *dir = broken_kernels();
    saksi_cl *cl = open_device(dir);
    saksi_table *t = simulated(24, 5000);
    saksi_results res;
    saksi_rules *rules;
    int32_t *prog;
    saksi_error err = {0};
    saksi_config cfg;
    saksi_config_init(&cfg);
    integrity(t, &res, &rules, &prog);
    cfg.backend = SAKSI_BACKEND_OPENCL;
    assert_int_equal(saksi_family_digits(t, &res, &cfg, cl, &err), SAKSI_ERR_SELFTEST);
    assert_non_null(strstr(err.message, "disagrees with the CPU twin"));
    cfg.backend = SAKSI_BACKEND_AUTO;
    assert_int_equal(saksi_family_digits(t, &res, &cfg, cl, &err), SAKSI_OK);
    assert_string_equal(res.digits->backend, "cpu");
    assert_non_null(strstr(res.digits->backend_note, "disagrees"));
    res.rules = NULL;
    saksi_results_free(&res);
    saksi_rules_free(rules);
    free(prog);
    saksi_table_free(t);
    saksi_cl_close(cl);
    test_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equivalence),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_family_same_bytes),
        cmocka_unit_test(test_selftest_disagreement),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
