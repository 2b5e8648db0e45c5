/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_opencl.c — the OpenCL runtime on a real device (PoCL on a machine
 * without a GPU; this test never skips): device listing and selection,
 * Philox on the device against Random123's vectors and the host, the
 * integrity kernel against its plain-C twin saksi_integrity_cpu() for
 * several work-group and batch sizes, the program binary cache, kernels
 * loaded from a directory, and a failed build carrying its log.
 * LABELS: opencl
 */
#include "test_support.h"

#include "saksi_opencl.h"

#include <dirent.h>
#include <openssl/evp.h>

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

#define assert_ok(call)                                                                            \
    do {                                                                                           \
        saksi_error e_ = {0};                                                                      \
        saksi_error *err = &e_;                                                                    \
        saksi_status s_ = (call);                                                                  \
        if (s_ != SAKSI_OK)                                                                        \
            fail_msg("%s: %s: %s", #call, saksi_strerror(s_), e_.message);                         \
    } while (0)

static saksi_cl_options options(const char *cache_dir)
{
    saksi_cl_options o;
    saksi_cl_options_init(&o);
    o.allow_cpu = 1;
    o.cache_dir = cache_dir;
    return o;
}

static saksi_cl *open_or_fail(const saksi_cl_options *o)
{
    saksi_cl *cl = NULL;
    assert_ok(saksi_cl_open(o, &cl, err));
    assert_non_null(cl);
    return cl;
}

/* Number of "*.bin" files in dir (the cache entries). */
static int count_bins(const char *dir, char *last, size_t len)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        if (l > 4 && strcmp(e->d_name + l - 4, ".bin") == 0) {
            n++;
            if (last)
                snprintf(last, len, "%s/%s", dir, e->d_name);
        }
    }
    closedir(d);
    return n;
}

static const char *const kernel_files[] = {"saksi_shared.h", "integrity.cl", "rng.cl",
                                           "digits_shared.h", "digits.cl",
                                           "fingerprint_shared.h", "fingerprint.cl",
                                           "turnout_shared.h", "turnout.cl"};

/* A copy of the source tree's kernels in a fresh directory; `extra`, when
 * given, is appended to integrity.cl. */
static char *kernel_copy(const char *extra)
{
    char *dir = test_mkdtemp("kernels");
    assert_non_null(dir);
    for (size_t i = 0; i < sizeof kernel_files / sizeof kernel_files[0]; i++) {
        char src[4096], dst[4096];
        snprintf(src, sizeof src, "%s/kernels/%s", SAKSI_SOURCE_DIR, kernel_files[i]);
        snprintf(dst, sizeof dst, "%s/%s", dir, kernel_files[i]);
        char *text = test_read_file(src, NULL);
        assert_non_null(text);
        size_t need = strlen(text) + (extra ? strlen(extra) : 0) + 1;
        char *all = malloc(need);
        snprintf(all, need, "%s%s", text,
                 extra && strcmp(kernel_files[i], "integrity.cl") == 0 ? extra : "");
        assert_int_equal(test_write_file(dst, all), 0);
        free(all);
        free(text);
    }
    return dir;
}

/* ------------------------------------------------------------------ */
/* A table holding every kind of violation                             */
/* ------------------------------------------------------------------ */

enum { NCAND = 3, NVAL = SAKSI_NFIXED + NCAND };

typedef struct fixture {
    saksi_rules *rules;
    saksi_table *t;
    int32_t *prog;
    size_t prog_len;
    uint32_t *enabled;
    uint32_t *eval, *fail, *neg; /* from saksi_integrity_cpu */
} fixture;

/* Deterministic draws: Philox keyed by the station and a draw number. */
static uint32_t draw(size_t k, uint32_t j)
{
    saksi_philox_ctr c = {{(saksi_u32)k, j, 0x7e57u, 0}};
    return saksi_philox4x32_10(c, 0x0c1u, 0x2024u).v[0];
}

/* A station whose every identity holds (the arithmetic of
 * datasets/rules/indonesia.rules): registered R in [20, 300] split by sex,
 * voters by list, ballots received R + ceil(2% R). */
static void clean_station(size_t k, int32_t *v)
{
    int32_t R = 20 + (int32_t)(draw(k, 0) % 281);
    int32_t dpt = R * 7 / 10, dptb = (int32_t)(draw(k, 1) % 4), dpk = (int32_t)(draw(k, 2) % 3);
    int32_t total = dpt + dptb + dpk, invalid = (int32_t)(draw(k, 3) % 6), valid = total - invalid;
    int32_t spoiled = (int32_t)(draw(k, 4) % 3), received = R + (2 * R + 99) / 100;
    v[SAKSI_F_REGISTERED] = R;
    v[SAKSI_F_REGISTERED_MALE] = R / 2;
    v[SAKSI_F_REGISTERED_FEMALE] = R - R / 2;
    v[SAKSI_F_VALID] = valid;
    v[SAKSI_F_INVALID] = invalid;
    v[SAKSI_F_TOTAL] = total;
    v[SAKSI_F_VOTERS_DPT] = dpt;
    v[SAKSI_F_VOTERS_DPT_MALE] = dpt / 3;
    v[SAKSI_F_VOTERS_DPT_FEMALE] = dpt - dpt / 3;
    v[SAKSI_F_VOTERS_DPTB] = dptb;
    v[SAKSI_F_VOTERS_DPTB_MALE] = dptb / 2;
    v[SAKSI_F_VOTERS_DPTB_FEMALE] = dptb - dptb / 2;
    v[SAKSI_F_VOTERS_DPK] = dpk;
    v[SAKSI_F_VOTERS_DPK_MALE] = dpk;
    v[SAKSI_F_VOTERS_DPK_FEMALE] = 0;
    v[SAKSI_F_VOTERS_TOTAL] = total;
    v[SAKSI_F_VOTERS_TOTAL_MALE] = v[SAKSI_F_VOTERS_DPT_MALE] + dptb / 2 + dpk;
    v[SAKSI_F_VOTERS_TOTAL_FEMALE] = total - v[SAKSI_F_VOTERS_TOTAL_MALE];
    v[SAKSI_F_BALLOTS_RECEIVED] = received;
    v[SAKSI_F_BALLOTS_USED] = total;
    v[SAKSI_F_BALLOTS_SPOILED] = spoiled;
    v[SAKSI_F_BALLOTS_UNUSED] = received - total - spoiled;
    v[SAKSI_NFIXED] = valid / 2;
    v[SAKSI_NFIXED + 1] = valid / 3;
    v[SAKSI_NFIXED + 2] = valid - valid / 2 - valid / 3;
}

/* Station k: clean, or broken in one of the ways the kernel must treat
 * exactly as the CPU twin. */
enum { K_CLEAN, K_NUDGE, K_NUDGE2, K_MISSING, K_NEGATIVE, K_ZERO_REG, K_OVER_300, K_WRAP,
       K_EXTREME, K_ALL_MISSING, K_BOUNDARY, NKINDS };

static void station(size_t k, int32_t *v)
{
    static const int32_t nudges[] = {1, -1, 7, -7, 100, -100, 10, 3};
    clean_station(k, v);
    uint32_t f1 = draw(k, 10) % NVAL, f2 = draw(k, 11) % NVAL;
    int32_t d1 = nudges[draw(k, 12) % 8], d2 = nudges[draw(k, 13) % 8];
    switch (k % NKINDS) {
    case K_CLEAN:
        break;
    case K_NUDGE: /* one field off: the identities naming it fail */
        v[f1] += d1;
        break;
    case K_NUDGE2:
        v[f1] += d1;
        v[f2] += d2;
        break;
    case K_MISSING: /* rules naming a missing cell are not evaluated */
        v[f1] = SAKSI_MISSING;
        if (draw(k, 14) & 1)
            v[f2] = SAKSI_MISSING;
        break;
    case K_NEGATIVE:
        v[f1] = -v[f1] - 1;
        break;
    case K_ZERO_REG: /* registered 0 with votes: the incomplete rule */
        v[SAKSI_F_REGISTERED] = v[SAKSI_F_REGISTERED_MALE] = v[SAKSI_F_REGISTERED_FEMALE] = 0;
        break;
    case K_OVER_300:
        v[SAKSI_F_REGISTERED] += 301 - v[SAKSI_F_REGISTERED] % 100;
        break;
    case K_WRAP:
        /* Candidates (2^31 - 1) + (2^31 - 1) + 2 = 2^32: equal to valid = 0
         * modulo 2^32, so only a 64-bit sum sees the mismatch. */
        v[SAKSI_NFIXED] = INT32_MAX;
        v[SAKSI_NFIXED + 1] = INT32_MAX;
        v[SAKSI_NFIXED + 2] = 2;
        v[SAKSI_F_VALID] = 0;
        break;
    case K_EXTREME: /* extremes in random fields, ceil(x*2/100) of a huge x */
        v[f1] = (draw(k, 15) & 1) ? INT32_MAX - (int32_t)(draw(k, 16) % 3) : -INT32_MAX;
        v[f2] = INT32_MAX;
        v[SAKSI_F_REGISTERED] = INT32_MAX - (int32_t)(draw(k, 17) % 100);
        break;
    case K_ALL_MISSING:
        for (int f = 0; f < NVAL; f++)
            v[f] = SAKSI_MISSING;
        break;
    case K_BOUNDARY: /* total at capacity R + ceil(2% R), or one above */
        v[SAKSI_F_TOTAL] = v[SAKSI_F_BALLOTS_RECEIVED] + (int32_t)(draw(k, 18) & 1);
        break;
    }
}

/* Provinces: ordinary ones and those with exceptions in the rules file
 * (94 and 95 noken, 91-96 no reserve rule, 99 overseas). */
static const char *const provinces[] = {"11", "31", "32", "91", "94", "95", "99"};

static void make_fixture(fixture *fx, size_t n, const int present[SAKSI_NFIXED])
{
    saksi_error err = {0};
    const char *labels[NCAND] = {"01", "02", "03"};
    memset(fx, 0, sizeof *fx);
    assert_int_equal(saksi_rules_load(NULL, &fx->rules, &err), SAKSI_OK);
    fx->t = saksi_table_alloc(present, NCAND, labels);
    assert_non_null(fx->t);
    for (size_t k = 0; k < n; k++) {
        int32_t v[NVAL];
        char id[32];
        station(k, v);
        snprintf(id, sizeof id, "%s%011zu", provinces[k % 7], k);
        if (saksi_table_append(fx->t, id, strlen(id), NULL, v, 0, k + 2, NULL, &err) != SAKSI_OK)
            fail_msg("append %s: %s", id, err.message);
    }
    assert_int_equal(saksi_table_finalize(fx->t, &err), SAKSI_OK);
    assert_int_equal(saksi_rules_compile(fx->rules, fx->t, &fx->prog, &fx->prog_len, &err),
                     SAKSI_OK);
    fx->enabled = calloc(n + 1, 4);
    fx->eval = calloc(n + 1, 4);
    fx->fail = calloc(n + 1, 4);
    fx->neg = calloc(n + 1, 4);
    assert_int_equal(saksi_rules_apply_scopes(fx->rules, fx->t, fx->enabled, &err), SAKSI_OK);
    /* Every 13th station also has random rules switched off, so that the
     * enable masks travel to the device as data, not as a constant. */
    for (size_t i = 0; i < n; i += 13)
        fx->enabled[i] &= draw(i, 20);
    saksi_integrity_cpu(fx->prog, fx->t, fx->enabled, 0, n, fx->eval, fx->fail, fx->neg);
}

static void free_fixture(fixture *fx)
{
    free(fx->prog);
    free(fx->enabled);
    free(fx->eval);
    free(fx->fail);
    free(fx->neg);
    saksi_table_free(fx->t);
    saksi_rules_free(fx->rules);
}

/* Run the kernel and compare every station's three masks with the twin. */
static void check_device(saksi_cl *cl, const fixture *fx, size_t batch, size_t local)
{
    size_t n = fx->t->n;
    uint32_t *ev = calloc(n + 1, 4), *fl = calloc(n + 1, 4), *ng = calloc(n + 1, 4);
    memset(ev, 0xAB, 4 * n); /* so that an unwritten row cannot pass */
    memset(fl, 0xAB, 4 * n);
    memset(ng, 0xAB, 4 * n);
    saksi_error err = {0};
    saksi_status s = saksi_cl_integrity(cl, fx->prog, fx->prog_len, fx->t, fx->enabled, batch,
                                        local, ev, fl, ng, &err);
    if (s != SAKSI_OK)
        fail_msg("batch %zu local %zu: %s", batch, local, err.message);
    for (size_t i = 0; i < n; i++)
        if (ev[i] != fx->eval[i] || fl[i] != fx->fail[i] || ng[i] != fx->neg[i])
            fail_msg("batch %zu local %zu station %zu (%s): device %08x/%08x/%08x, cpu "
                     "%08x/%08x/%08x",
                     batch, local, i, saksi_table_id(fx->t, i), ev[i], fl[i], ng[i], fx->eval[i],
                     fx->fail[i], fx->neg[i]);
    free(ev);
    free(fl);
    free(ng);
}

/* ------------------------------------------------------------------ */
/* Group state: one runtime opened once, one table built once          */
/* ------------------------------------------------------------------ */

enum { NSTATIONS = 3000 };

static saksi_cl *shared_cl;
static fixture shared_fx;
static char *shared_cache;

static int group_setup(void **state)
{
    (void)state;
    saksi_device_info *list = NULL;
    size_t n = 0;
    saksi_error err = {0};
    if (saksi_devices_list(&list, &n, &err) != SAKSI_OK || n == 0) {
        fprintf(stderr, "test_opencl: no OpenCL platform or device found%s%s. This test never "
                        "skips: install an ICD such as pocl-opencl-icd.\n",
                err.message[0] ? ": " : "", err.message);
        free(list);
        return -1;
    }
    free(list);
    shared_cache = test_mkdtemp("clcache");
    saksi_cl_options o = options(shared_cache);
    if (saksi_cl_open(&o, &shared_cl, &err) != SAKSI_OK) {
        fprintf(stderr, "test_opencl: cannot open a device: %s\n", err.message);
        return -1;
    }
    int present[SAKSI_NFIXED];
    for (int f = 0; f < SAKSI_NFIXED; f++)
        present[f] = 1;
    make_fixture(&shared_fx, NSTATIONS, present);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    saksi_cl_close(shared_cl);
    free_fixture(&shared_fx);
    test_rmtree(shared_cache);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Devices                                                             */
/* ------------------------------------------------------------------ */

static void test_devices_list(void **state)
{
    (void)state;
    saksi_device_info *list = NULL;
    size_t n = 0;
    assert_ok(saksi_devices_list(&list, &n, err));
    assert_true(n >= 1);
    for (size_t i = 0; i < n; i++) {
        assert_true(strlen(list[i].platform_name) > 0);
        assert_true(strlen(list[i].device_name) > 0);
        /* CL_DEVICE_VERSION is "OpenCL <major>.<minor> <vendor info>" (spec 4.2). */
        assert_true(strncmp(list[i].version, "OpenCL ", 7) == 0);
        assert_true(list[i].compute_units >= 1);
        assert_true(list[i].max_work_group >= 1);
        assert_true(list[i].global_mem > 0);
        /* In ICD order: platforms ascending, devices numbered from 0 in each. */
        if (i > 0) {
            const saksi_device_info *a = &list[i - 1], *b = &list[i];
            assert_true(b->platform > a->platform ||
                        (b->platform == a->platform && b->device == a->device + 1));
        } else {
            assert_int_equal(list[0].device, 0);
        }
    }
    free(list);
}

/* The automatic choice is the first GPU or accelerator in the listing,
 * else (allow_cpu) the first device; an explicit P:D is that entry. */
static void test_select(void **state)
{
    (void)state;
    saksi_device_info *list = NULL;
    size_t n = 0, pick = 0, accel = SIZE_MAX;
    assert_ok(saksi_devices_list(&list, &n, err));
    for (size_t i = n; i-- > 0;)
        if (!list[i].is_cpu)
            accel = i;
    pick = accel != SIZE_MAX ? accel : 0;
    assert_string_equal(saksi_cl_device_name(shared_cl), list[pick].device_name);
    assert_int_equal(saksi_cl_device_is_cpu(shared_cl), list[pick].is_cpu);

    saksi_cl_options o = options("");
    o.platform_index = (int)list[n - 1].platform;
    o.device_index = (int)list[n - 1].device;
    saksi_cl *cl = open_or_fail(&o);
    assert_string_equal(saksi_cl_device_name(cl), list[n - 1].device_name);
    assert_string_equal(saksi_cl_cache_note(cl), "program cache off");
    assert_int_equal(saksi_cl_from_cache(cl), 0);
    saksi_cl_close(cl);

    saksi_error err = {0};
    cl = NULL;
    o.device_index = 9999;
    assert_int_equal(saksi_cl_open(&o, &cl, &err), SAKSI_ERR_NODEVICE);
    assert_null(cl);
    assert_non_null(strstr(err.message, "9999 does not exist"));
    o.platform_index = 9999;
    assert_int_equal(saksi_cl_open(&o, &cl, &err), SAKSI_ERR_NODEVICE);
    assert_non_null(strstr(err.message, "platform 9999 does not exist"));
    o.platform_index = -1;
    o.device_index = 0;
    assert_int_equal(saksi_cl_open(&o, &cl, &err), SAKSI_ERR_USAGE);

    /* Without allow_cpu only a GPU or accelerator will do. */
    o = options("");
    o.allow_cpu = 0;
    saksi_status s = saksi_cl_open(&o, &cl, &err);
    if (accel == SIZE_MAX) {
        assert_int_equal(s, SAKSI_ERR_NODEVICE);
        assert_non_null(strstr(err.message, "no OpenCL GPU or accelerator"));
    } else {
        assert_int_equal(s, SAKSI_OK);
        assert_string_equal(saksi_cl_device_name(cl), list[accel].device_name);
    }
    saksi_cl_close(cl);
    saksi_cl_close(NULL); /* accepted, as every _free */
    free(list);
}

/* ------------------------------------------------------------------ */
/* Philox on the device                                                */
/* ------------------------------------------------------------------ */

static void test_philox_kat(void **state)
{
    (void)state;
    /* Random123 tests/kat_vectors, the three "philox4x32 10" lines. */
    const uint32_t ctr[12] = {0,          0,          0,          0,
                              0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
                              0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344};
    const uint32_t key[6] = {0, 0, 0xffffffff, 0xffffffff, 0xa4093822, 0x299f31d0};
    const uint32_t want[12] = {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8,
                               0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd,
                               0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1};
    uint32_t got[12] = {0};
    assert_ok(saksi_cl_philox(shared_cl, ctr, key, 3, got, err));
    for (int i = 0; i < 12; i++)
        if (got[i] != want[i])
            fail_msg("vector %d word %d: device %08x, Random123 %08x", i / 4, i % 4, got[i],
                     want[i]);
    assert_ok(saksi_cl_philox(shared_cl, ctr, key, 0, got, err)); /* nothing to do */
}

/* 100,000 counters and keys: the device equals the host word for word. */
static void test_philox_host(void **state)
{
    (void)state;
    const size_t n = 100000;
    uint32_t *ctr = malloc(16 * n), *key = malloc(8 * n), *dev = malloc(16 * n);
    for (size_t i = 0; i < n; i++) {
        ctr[4 * i] = (uint32_t)i;
        ctr[4 * i + 1] = (uint32_t)(i * 0x9E3779B9u);
        ctr[4 * i + 2] = ~(uint32_t)i;
        ctr[4 * i + 3] = (uint32_t)(i >> 3) ^ 0x243f6a88u;
        key[2 * i] = (uint32_t)(i * 7u);
        key[2 * i + 1] = 0xa4093822u + (uint32_t)i;
    }
    assert_ok(saksi_cl_philox(shared_cl, ctr, key, n, dev, err));
    for (size_t i = 0; i < n; i++) {
        saksi_philox_ctr c;
        memcpy(c.v, ctr + 4 * i, 16);
        saksi_philox_ctr h = saksi_philox4x32_10(c, key[2 * i], key[2 * i + 1]);
        if (memcmp(h.v, dev + 4 * i, 16) != 0)
            fail_msg("counter %zu: device %08x... host %08x...", i, dev[4 * i], h.v[0]);
    }
    free(ctr);
    free(key);
    free(dev);
}

/* ------------------------------------------------------------------ */
/* Integrity kernel against its CPU twin                               */
/* ------------------------------------------------------------------ */

/* The table really holds what the equivalence claims to cover: every rule
 * failing somewhere, holding somewhere, and enabled but not evaluable
 * somewhere; every field negative somewhere; a sum that only 64 bits see. */
static void test_fixture_coverage(void **state)
{
    (void)state;
    const fixture *fx = &shared_fx;
    size_t nrules = fx->rules->nrules;
    for (size_t r = 0; r < nrules; r++) {
        uint32_t bit = 1u << r;
        int failed = 0, held = 0, skipped = 0;
        for (size_t i = 0; i < fx->t->n; i++) {
            failed |= (fx->fail[i] & bit) != 0;
            held |= (fx->eval[i] & bit) && !(fx->fail[i] & bit);
            skipped |= (fx->enabled[i] & bit) && !(fx->eval[i] & bit);
        }
        if (!failed || !held || !skipped)
            fail_msg("rule %s: failed %d held %d skipped %d", fx->rules->rule[r].name, failed,
                     held, skipped);
    }
    uint32_t neg = 0;
    for (size_t i = 0; i < fx->t->n; i++)
        neg |= fx->neg[i];
    assert_int_equal(neg, ((1u << SAKSI_NFIXED) - 1u) | (1u << SAKSI_NEG_CAND_BIT));
    /* Find a K_WRAP station: candidates 2^31-1, 2^31-1, 2 and valid 0. */
    size_t wraps = 0;
    for (size_t i = 0; i < fx->t->n; i++) {
        if (saksi_table_get(fx->t, SAKSI_NFIXED, i) == INT32_MAX &&
            saksi_table_get(fx->t, SAKSI_NFIXED + 2, i) == 2 &&
            saksi_table_get(fx->t, SAKSI_F_VALID, i) == 0 && (fx->enabled[i] & 1u)) {
            assert_true(fx->fail[i] & 1u); /* rule 0 is cand_sum_valid */
            wraps++;
        }
    }
    assert_true(wraps > 100);
}

static void test_integrity_equivalence(void **state)
{
    (void)state;
    const size_t locals[] = {1, 7, 64, 256, 0};
    const size_t batches[] = {1, 1000, NSTATIONS, 0};
    for (size_t l = 0; l < sizeof locals / sizeof locals[0]; l++)
        for (size_t b = 0; b < sizeof batches / sizeof batches[0]; b++)
            check_device(shared_cl, &shared_fx, batches[b], locals[l]);
    /* A batch that does not divide the table, and one larger than it. */
    check_device(shared_cl, &shared_fx, 777, 7);
    check_device(shared_cl, &shared_fx, 5 * NSTATIONS, 64);
}

/* Another column layout: no sex splits, no voter lists, no ballots. */
static void test_integrity_sparse_table(void **state)
{
    (void)state;
    int present[SAKSI_NFIXED] = {0};
    present[SAKSI_F_REGISTERED] = present[SAKSI_F_VALID] = present[SAKSI_F_INVALID] = 1;
    present[SAKSI_F_TOTAL] = 1;
    fixture fx;
    make_fixture(&fx, 500, present);
    assert_int_equal(fx.t->nslots, 4 + NCAND);
    check_device(shared_cl, &fx, 0, 0);
    check_device(shared_cl, &fx, 33, 7);
    free_fixture(&fx);
}

static void test_integrity_errors(void **state)
{
    (void)state;
    const fixture *fx = &shared_fx;
    size_t n = fx->t->n;
    uint32_t *ev = calloc(n, 4), *fl = calloc(n, 4), *ng = calloc(n, 4);
    saksi_error err = {0};

    /* A stop request is honoured before the next batch. */
    saksi_request_stop();
    saksi_status s = saksi_cl_integrity(shared_cl, fx->prog, fx->prog_len, fx->t, fx->enabled,
                                        1000, 0, ev, fl, ng, &err);
    saksi_clear_stop();
    assert_int_equal(s, SAKSI_ERR_INTERRUPTED);
    assert_non_null(strstr(err.message, "after 0 of 3000 stations"));

    /* A work-group size beyond the device's limit. */
    s = saksi_cl_integrity(shared_cl, fx->prog, fx->prog_len, fx->t, fx->enabled, 0,
                           (size_t)1 << 30, ev, fl, ng, &err);
    assert_int_equal(s, SAKSI_ERR_USAGE);
    assert_non_null(strstr(err.message, "exceeds integrity_check's limit"));

    /* A program that is not one. */
    s = saksi_cl_integrity(shared_cl, fx->prog, 2, fx->t, fx->enabled, 0, 0, ev, fl, ng, &err);
    assert_int_equal(s, SAKSI_ERR_INTERNAL);

    /* A program larger than constant memory (2^28 words = 1 GiB; PoCL
     * offers 512 KiB, the OpenCL 1.2 minimum is 64 KiB). */
    size_t huge = (size_t)1 << 28;
    int32_t *big = calloc(huge, 4);
    assert_non_null(big);
    s = saksi_cl_integrity(shared_cl, big, huge, fx->t, fx->enabled, 0, 0, ev, fl, ng, &err);
    assert_int_equal(s, SAKSI_ERR_LIMIT);
    assert_non_null(strstr(err.message, "constant memory"));
    free(big);
    free(ev);
    free(fl);
    free(ng);
}

/* An empty table is no work, not an error. */
static void test_integrity_empty(void **state)
{
    (void)state;
    saksi_error e = {0};
    int present[SAKSI_NFIXED] = {[SAKSI_F_REGISTERED] = 1, [SAKSI_F_VALID] = 1};
    const char *labels[1] = {"01"};
    saksi_table *t = saksi_table_alloc(present, 1, labels);
    assert_int_equal(saksi_table_finalize(t, &e), SAKSI_OK);
    assert_int_equal(t->n, 0);
    uint32_t one = 0;
    assert_ok(saksi_cl_integrity(shared_cl, shared_fx.prog, shared_fx.prog_len, t, &one, 0, 0,
                                 &one, &one, &one, err));
    saksi_table_free(t);
}

/* ------------------------------------------------------------------ */
/* Program binary cache                                                */
/* ------------------------------------------------------------------ */

static void test_cache_cold_then_warm(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("cache");
    char bin[4200];
    saksi_cl_options o = options(dir);

    double t0 = saksi_now();
    saksi_cl *cold = open_or_fail(&o);
    double t1 = saksi_now();
    assert_int_equal(saksi_cl_from_cache(cold), 0);
    assert_non_null(strstr(saksi_cl_cache_note(cold), "built from source; cached as"));
    assert_int_equal(count_bins(dir, bin, sizeof bin), 1);
    assert_non_null(strstr(saksi_cl_cache_note(cold), bin));

    saksi_cl *warm = open_or_fail(&o);
    double t2 = saksi_now();
    assert_int_equal(saksi_cl_from_cache(warm), 1);
    assert_non_null(strstr(saksi_cl_cache_note(warm), "loaded from cache"));
    assert_int_equal(count_bins(dir, NULL, 0), 1);
    fprintf(stderr, "open: cold %.3f s, from cache %.3f s\n", t1 - t0, t2 - t1);

    /* Both programs give the twin's masks. */
    check_device(cold, &shared_fx, 1000, 0);
    check_device(warm, &shared_fx, 1000, 0);
    saksi_cl_close(cold);
    saksi_cl_close(warm);
    test_rmtree(dir);
}

/* Write a cache file in saksi's layout (magic, length, SHA-256) around
 * bytes that are not a program. */
static void write_fake_binary(const char *path)
{
    unsigned char junk[256], md[32];
    unsigned int mdlen = 0;
    uint64_t len = sizeof junk;
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)(i * 37u + 11u);
    assert_int_equal(EVP_Digest(junk, sizeof junk, md, &mdlen, EVP_sha256(), NULL), 1);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite("SAKSICL1", 8, 1, f);
    fwrite(&len, 8, 1, f);
    fwrite(md, 32, 1, f);
    fwrite(junk, sizeof junk, 1, f);
    fclose(f);
}

/* A damaged file or a binary the driver rejects costs a source build,
 * which then replaces the entry. */
static void test_cache_bad_entries(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("cache");
    char bin[4200];
    saksi_cl_options o = options(dir);
    saksi_cl *cl = open_or_fail(&o);
    saksi_cl_close(cl);
    assert_int_equal(count_bins(dir, bin, sizeof bin), 1);

    /* Truncated: the length in the header no longer matches. */
    assert_int_equal(truncate(bin, 100), 0);
    cl = open_or_fail(&o);
    assert_int_equal(saksi_cl_from_cache(cl), 0);
    assert_non_null(strstr(saksi_cl_cache_note(cl), "damaged; program built from source; cached"));
    saksi_cl_close(cl);
    cl = open_or_fail(&o);
    assert_int_equal(saksi_cl_from_cache(cl), 1);
    saksi_cl_close(cl);

    /* Intact framing around junk: the driver says no. */
    write_fake_binary(bin);
    cl = open_or_fail(&o);
    assert_int_equal(saksi_cl_from_cache(cl), 0);
    assert_non_null(strstr(saksi_cl_cache_note(cl), "cached binary rejected by "));
    assert_non_null(strstr(saksi_cl_cache_note(cl), "program built from source; cached as"));
    check_device(cl, &shared_fx, 0, 0);
    saksi_cl_close(cl);
    cl = open_or_fail(&o);
    assert_int_equal(saksi_cl_from_cache(cl), 1);
    saksi_cl_close(cl);
    test_rmtree(dir);
}

/* Where the cache lives: the option, $XDG_CACHE_HOME/saksi,
 * $HOME/.cache/saksi, nowhere; and an unwritable one. */
static void test_cache_locations(void **state)
{
    (void)state;
    char *home = test_mkdtemp("home"), *xdg = test_mkdtemp("xdg");
    char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    char *old_xdg = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
    char path[4200];
    saksi_cl_options o = options(NULL);
    saksi_cl *cl;

    setenv("HOME", home, 1);
    setenv("XDG_CACHE_HOME", xdg, 1);
    cl = open_or_fail(&o);
    saksi_cl_close(cl);
    snprintf(path, sizeof path, "%s/saksi", xdg);
    assert_int_equal(count_bins(path, NULL, 0), 1);

    setenv("XDG_CACHE_HOME", "relative/path", 1); /* ignored, as the XDG spec says */
    cl = open_or_fail(&o);
    saksi_cl_close(cl);
    snprintf(path, sizeof path, "%s/.cache/saksi", home);
    assert_int_equal(count_bins(path, NULL, 0), 1);

    unsetenv("XDG_CACHE_HOME");
    unsetenv("HOME");
    cl = open_or_fail(&o);
    assert_non_null(strstr(saksi_cl_cache_note(cl), "neither $XDG_CACHE_HOME nor $HOME"));
    saksi_cl_close(cl);

    /* A directory that cannot be made (under a regular file). */
    snprintf(path, sizeof path, "%s/file", home);
    assert_int_equal(test_write_file(path, "x"), 0);
    strcat(path, "/cache");
    o.cache_dir = path;
    cl = open_or_fail(&o);
    assert_int_equal(saksi_cl_from_cache(cl), 0);
    assert_non_null(strstr(saksi_cl_cache_note(cl), "not cached in"));
    saksi_cl_close(cl);

    if (old_home)
        setenv("HOME", old_home, 1);
    if (old_xdg)
        setenv("XDG_CACHE_HOME", old_xdg, 1);
    free(old_home);
    free(old_xdg);
    test_rmtree(home);
    test_rmtree(xdg);
}

/* ------------------------------------------------------------------ */
/* Kernels from a directory, and a build that fails                    */
/* ------------------------------------------------------------------ */

static void test_kernel_dir(void **state)
{
    (void)state;
    char *cache = test_mkdtemp("cache");
    char *kdir = kernel_copy("\n/* edited copy */\n");
    saksi_cl_options o = options(cache);
    o.kernel_dir = kdir;
    saksi_cl *cl = open_or_fail(&o);
    /* The edited source is another cache key than the embedded one. */
    assert_int_equal(saksi_cl_from_cache(cl), 0);
    check_device(cl, &shared_fx, 1000, 64);
    saksi_cl_close(cl);
    cl = open_or_fail(&o);
    assert_int_equal(saksi_cl_from_cache(cl), 1);
    saksi_cl_close(cl);
    o.kernel_dir = NULL;
    cl = open_or_fail(&o);
    assert_int_equal(saksi_cl_from_cache(cl), 0);
    saksi_cl_close(cl);
    assert_int_equal(count_bins(cache, NULL, 0), 2);

    /* A kernel directory without the files. */
    char *empty = test_mkdtemp("empty");
    saksi_error err = {0};
    o.kernel_dir = empty;
    cl = NULL;
    assert_int_equal(saksi_cl_open(&o, &cl, &err), SAKSI_ERR_NOINPUT);
    assert_null(cl);
    assert_non_null(strstr(err.message, "saksi_shared.h"));
    test_rmtree(empty);
    test_rmtree(kdir);
    test_rmtree(cache);
}

static void test_build_failure(void **state)
{
    (void)state;
    char *kdir = kernel_copy("\n__kernel void broken(__global int *x)\n"
                             "{\n    x[0] = undefined_symbol_xyz;\n}\n");
    saksi_cl_options o = options("");
    o.kernel_dir = kdir;
    saksi_cl *cl = NULL;
    saksi_error err = {0};
    assert_int_equal(saksi_cl_open(&o, &cl, &err), SAKSI_ERR_OPENCL);
    assert_null(cl);
    assert_non_null(strstr(err.message, "clBuildProgram(kernels from"));
    assert_non_null(strstr(err.message, "CL_BUILD_PROGRAM_FAILURE (-11)"));
    assert_non_null(strstr(err.message, "build log:\n"));
    assert_non_null(strstr(err.message, "undefined_symbol_xyz"));
    test_rmtree(kdir);

    /* Hundreds of errors: the log is cut, and says so. */
    char *many = malloc(200 * 64 + 64);
    many[0] = '\0';
    for (int i = 0; i < 200; i++) {
        char line[64];
        snprintf(line, sizeof line, "__kernel void k%d(void) { undefined_%d = 1; }\n", i, i);
        strcat(many, line);
    }
    kdir = kernel_copy(many);
    o.kernel_dir = kdir;
    assert_int_equal(saksi_cl_open(&o, &cl, &err), SAKSI_ERR_OPENCL);
    assert_non_null(strstr(err.message, "undefined_0"));
    assert_non_null(strstr(err.message, "\n[build log truncated]"));
    assert_true(strlen(err.message) < sizeof err.message);
    free(many);
    test_rmtree(kdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_devices_list),
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_philox_kat),
        cmocka_unit_test(test_philox_host),
        cmocka_unit_test(test_fixture_coverage),
        cmocka_unit_test(test_integrity_equivalence),
        cmocka_unit_test(test_integrity_sparse_table),
        cmocka_unit_test(test_integrity_errors),
        cmocka_unit_test(test_integrity_empty),
        cmocka_unit_test(test_cache_cold_then_warm),
        cmocka_unit_test(test_cache_bad_entries),
        cmocka_unit_test(test_cache_locations),
        cmocka_unit_test(test_kernel_dir),
        cmocka_unit_test(test_build_failure),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
