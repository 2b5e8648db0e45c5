/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_digits_family.c — the digit family end to end on the CPU twin: the
 * histograms of a hand-made table (counted by hand), which numbers are
 * tested and why not (one station per reason), the region statistics of a
 * simulated election against independent computations in the test (full
 * pmf by saksi_bb_pmf, the 0/5 tail by an O(n^2) programme, the Cauchy
 * combination by its formula), power guards, rounding planted in one
 * district, error paths, and the audit through the engine and the CLI
 * (summary, JSON, report.h5 /digits).
 * LABELS: unit
 */
#include "test_support.h"

#include "digits.h"
#include "report.h"

#include <hdf5.h>

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

#define NC 2

/* A table with registered, valid, invalid, total and two candidates. */
static saksi_table *small_table(void)
{
    int present[SAKSI_NFIXED] = {0};
    present[SAKSI_F_REGISTERED] = present[SAKSI_F_VALID] = 1;
    present[SAKSI_F_INVALID] = present[SAKSI_F_TOTAL] = 1;
    const char *labels[NC] = {"01", "02"};
    saksi_table *t = saksi_table_alloc(present, NC, labels);
    assert_non_null(t);
    return t;
}

/* valid = a + b unless given; invalid 2; total = valid + 2. */
static void add(saksi_table *t, const char *id, int32_t a, int32_t b, int32_t valid)
{
    int32_t v[SAKSI_NFIXED + NC];
    saksi_error err = {0};
    static uint64_t line = 2;
    for (int f = 0; f < SAKSI_NFIXED + NC; f++)
        v[f] = SAKSI_MISSING;
    v[SAKSI_NFIXED] = a;
    v[SAKSI_NFIXED + 1] = b;
    v[SAKSI_F_VALID] = valid >= 0 ? valid : a + b;
    v[SAKSI_F_INVALID] = 2;
    v[SAKSI_F_TOTAL] = v[SAKSI_F_VALID] + 2;
    v[SAKSI_F_REGISTERED] = v[SAKSI_F_TOTAL] + 40;
    assert_int_equal(saksi_table_append(t, id, strlen(id), NULL, v, 0, line++, NULL, &err),
                     SAKSI_OK);
}

/* Rules, scopes (strata) and the integrity twin over t. */
typedef struct run {
    saksi_table *t;
    saksi_rules *rules;
    int32_t *prog;
    saksi_results res;
} run;

static void integrity(run *r)
{
    saksi_error err = {0};
    size_t len;
    size_t n = r->t->n;
    assert_int_equal(saksi_rules_load(NULL, &r->rules, &err), SAKSI_OK);
    assert_int_equal(saksi_rules_compile(r->rules, r->t, &r->prog, &len, &err), SAKSI_OK);
    r->res.rules = r->rules;
    r->res.enabled = calloc(n, 4);
    r->res.eval_mask = calloc(n, 4);
    r->res.fail_mask = calloc(n, 4);
    r->res.neg_mask = calloc(n, 4);
    assert_int_equal(saksi_rules_apply_scopes(r->rules, r->t, r->res.enabled, &err), SAKSI_OK);
    saksi_integrity_cpu(r->prog, r->t, r->res.enabled, 0, n, r->res.eval_mask, r->res.fail_mask,
                        r->res.neg_mask);
}

static void run_free(run *r)
{
    r->res.rules = NULL;
    saksi_results_free(&r->res);
    free(r->prog);
    saksi_rules_free(r->rules);
    saksi_table_free(r->t);
}

static run simulated(uint64_t seed, size_t stations)
{
    run r = {0};
    saksi_sim_config sc;
    saksi_error err = {0};
    saksi_sim_config_init(&sc);
    sc.seed = seed;
    sc.stations = stations;
    assert_int_equal(saksi_simulate_table(&sc, &r.t, NULL, NULL, NULL, &err), SAKSI_OK);
    return r;
}

/* The family's pieces on the CPU twin: exclusions, masks, histograms,
 * analysis; the caller frees mask, exclude and hist. */
typedef struct pieces {
    uint8_t *exclude, *mask;
    uint32_t *hist;
    size_t nbins;
    saksi_digits_counts counts;
    saksi_region_tests rows;
    saksi_digits_result d;
} pieces;

static saksi_status analyse(run *r, const saksi_digits_options *opt, pieces *p, saksi_error *err)
{
    const saksi_table *t = r->t;
    memset(p, 0, sizeof *p);
    p->exclude = malloc(t->n);
    p->mask = malloc(t->n * t->ncand);
    p->nbins = t->regions[SAKSI_LEVEL_DISTRICT].n * t->ncand * SAKSI_DIGIT_HIST;
    p->hist = calloc(p->nbins, sizeof *p->hist);
    assert_int_equal(saksi_digits_exclusions(t, &r->res, p->exclude, err), SAKSI_OK);
    assert_int_equal(saksi_digits_masks(t, p->exclude, &opt->peers, p->mask, &p->counts, err),
                     SAKSI_OK);
    saksi_digits_hist_cpu(t, 0, t->n, p->mask, p->hist);
    return saksi_digits_analyse(t, p->exclude, p->mask, p->hist, opt, &p->rows, &p->d, err);
}

static void pieces_free(pieces *p)
{
    free(p->exclude);
    free(p->mask);
    free(p->hist);
    saksi_region_tests_free(&p->rows);
    saksi_digits_result_free(&p->d);
}

static const saksi_region_test *find_row(const saksi_region_tests *rt, const char *test, int level,
                                         size_t region, int cand)
{
    for (size_t k = 0; k < rt->n; k++) {
        const saksi_region_test *r = &rt->row[k];
        if (r->level == level && r->region == region && r->candidate == cand &&
            strcmp(r->test, test) == 0)
            return r;
    }
    fail_msg("no row %s level %d region %zu candidate %d", test, level, region, cand);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Histograms                                                          */
/* ------------------------------------------------------------------ */

static void test_hist_by_hand(void **state)
{
    (void)state;
    saksi_table *t = small_table();
    saksi_error err = {0};
    add(t, "3201010001001", 47, 105, -1);
    add(t, "3201010001002", 10, 7, -1);
    add(t, "3201020001001", 999, 1000, -1);
    assert_int_equal(saksi_table_finalize(t, &err), SAKSI_OK);
    uint8_t mask[3 * NC];
    memset(mask, 1, sizeof mask);
    mask[1 * t->n + 2] = 0; /* candidate 02 of the third station: not tested */
    uint32_t hist[2 * NC * SAKSI_DIGIT_HIST] = {0};
    saksi_digits_hist_cpu(t, 0, t->n, mask, hist);
#define H(d, c, test, digit) hist[((d)*NC + (c)) * SAKSI_DIGIT_HIST + (test)*10 + (digit)]
    /* district 0, candidate 01: 47 and 10 */
    assert_int_equal(H(0, 0, SAKSI_DT_LAST, 7), 1);
    assert_int_equal(H(0, 0, SAKSI_DT_LAST, 0), 1);
    assert_int_equal(H(0, 0, SAKSI_DT_SECOND_2D, 7), 1);
    assert_int_equal(H(0, 0, SAKSI_DT_FIRST, 4), 1);
    assert_int_equal(H(0, 0, SAKSI_DT_FIRST, 1), 1);
    /* candidate 02: 105 and 7 */
    assert_int_equal(H(0, 1, SAKSI_DT_LAST, 5), 1);
    assert_int_equal(H(0, 1, SAKSI_DT_SECOND_3D, 0), 1);
    assert_int_equal(H(0, 1, SAKSI_DT_FIRST, 1), 1);
    assert_int_equal(H(0, 1, SAKSI_DT_FIRST, 7), 1);
    /* district 1: 999 for 01; 1000 for 02 is masked out */
    assert_int_equal(H(1, 0, SAKSI_DT_LAST, 9), 1);
    assert_int_equal(H(1, 0, SAKSI_DT_SECOND_3D, 9), 1);
    assert_int_equal(H(1, 0, SAKSI_DT_FIRST, 9), 1);
#define H2(d, c, test, digit) H(d, c, test, digit)
    uint32_t total = 0;
    for (size_t k = 0; k < sizeof hist / sizeof hist[0]; k++)
        total += hist[k];
    assert_int_equal(H2(0, 0, SAKSI_DT_SECOND_2D, 0), 1); /* 10 */
    assert_int_equal(total, 6 + 4 + 3); /* three bins each for 47, 10, 105, 999; one for 7 */
    saksi_table_free(t);
}

/* ------------------------------------------------------------------ */
/* Exclusions and masks                                                */
/* ------------------------------------------------------------------ */

static void test_masks_reasons(void **state)
{
    (void)state;
    run r = {.t = small_table()};
    saksi_error err = {0};
    /* Regency 3201, district 320101: eight ordinary stations around 100 of
     * 200 for candidate 01, then one per reason. */
    const int32_t base[8] = {96, 104, 99, 101, 93, 107, 100, 102};
    for (int k = 0; k < 8; k++) {
        char id[16];
        snprintf(id, sizeof id, "32010100010%02d", k + 1);
        add(r.t, id, base[k], 200 - base[k], -1);
    }
    add(r.t, "3201010001020", 90, 100, 200);            /* 190 != valid: inconsistent */
    add(r.t, "3201010001021", SAKSI_MISSING, 100, 200); /* 01 missing: unusable; 02 inconsistent */
    add(r.t, "3201010001022", 199, 1, -1);              /* far beyond 3 sd: trimmed */
    add(r.t, "9401010001001", 60, 40, -1);              /* noken province */
    add(r.t, "9901010001001", 60, 40, -1);              /* overseas, alone: no peers */
    assert_int_equal(saksi_table_finalize(r.t, &err), SAKSI_OK);
    integrity(&r);
    uint8_t *exclude = malloc(r.t->n), *mask = malloc(r.t->n * NC);
    saksi_digits_counts k;
    saksi_peer_options po;
    saksi_peer_options_init(&po);
    assert_int_equal(saksi_digits_exclusions(r.t, &r.res, exclude, &err), SAKSI_OK);
    assert_int_equal(saksi_digits_masks(r.t, exclude, &po, mask, &k, &err), SAKSI_OK);
    /* 13 stations x 2 candidates. Candidate 01: 001..008 tested, 020
     * inconsistent, 021 unusable, 022 trimmed (199 of 200 against peers
     * near 100), noken, no peers. Candidate 02: 001..008 and 021 (its sum
     * is not evaluable, so it breaks no identity) tested, 020 inconsistent,
     * 022 trimmed (1 of 200), noken, no peers. */
    assert_int_equal(k.numbers, 26);
    assert_int_equal(k.unusable, 1);
    assert_int_equal(k.inconsistent, 2);
    assert_int_equal(k.noken, 2);
    assert_int_equal(k.no_peers, 2);
    assert_int_equal(k.trimmed, 2);
    assert_int_equal(k.tested, 17);
    assert_int_equal(k.numbers,
                     k.tested + k.unusable + k.inconsistent + k.noken + k.no_peers + k.trimmed);
    /* canonical rows: 3201010001001..008, 020, 021, 022, 9401.., 9901.. */
    assert_int_equal(mask[0], 1);
    assert_int_equal(mask[8], 0);
    assert_int_equal(exclude[8], 1);
    assert_int_equal(exclude[0], 0);
    free(exclude);
    free(mask);
    run_free(&r);
}

static void test_exclusions_need_integrity(void **state)
{
    (void)state;
    saksi_table *t = small_table();
    saksi_error err = {0};
    add(t, "3201010001001", 47, 105, -1);
    assert_int_equal(saksi_table_finalize(t, &err), SAKSI_OK);
    saksi_results res = {0};
    uint8_t ex[1];
    assert_int_equal(saksi_digits_exclusions(t, &res, ex, &err), SAKSI_ERR_INTERNAL);
    assert_non_null(strstr(err.message, "before the integrity family"));
    saksi_table_free(t);
}

/* ------------------------------------------------------------------ */
/* Region statistics                                                   */
/* ------------------------------------------------------------------ */

/* P(S > o) + P(S = o) / 2 by the plain O(n^2) programme. */
static double midp_plain(const double *q, size_t n, long o)
{
    double *f = calloc(n + 2, sizeof *f);
    size_t m = 0;
    f[0] = 1.0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = m + 1; j > 0; j--)
            f[j] = f[j] * (1 - q[i]) + f[j - 1] * q[i];
        f[0] *= 1 - q[i];
        m++;
    }
    double above = 0.0;
    for (long j = o + 1; j <= (long)m; j++)
        above += f[j];
    double p = above + 0.5 * (o <= (long)m ? f[o] : 0.0);
    free(f);
    return p;
}

static void test_analyse_independent(void **state)
{
    (void)state;
    run r = simulated(5, 20000);
    saksi_error err = {0};
    saksi_digits_options opt;
    pieces p;
    saksi_digits_options_init(&opt);
    integrity(&r);
    if (analyse(&r, &opt, &p, &err) != SAKSI_OK) fail_msg("analyse: %s", err.message);
    const saksi_table *t = r.t;
    /* 4 x (omnibus + 3 candidates) + 3 first digits + 4 binomial rows per
     * region at each of the four levels */
    size_t regions = 0;
    for (int l = 0; l <= SAKSI_LEVEL_DISTRICT; l++)
        regions += t->regions[l].n;
    assert_int_equal(p.rows.n, regions * (4 * 4 + 3 + 4));

    /* National last digit of candidate 01: counted straight from the table. */
    int64_t o[10] = {0};
    for (size_t i = 0; i < t->n; i++) {
        int32_t x = saksi_table_get(t, SAKSI_NFIXED, i);
        if (p.mask[i] && x >= 10) o[x % 10]++;
    }
    const saksi_digits_national *nat = &p.d.national[0 * SAKSI_DT_COUNT + SAKSI_DT_LAST];
    for (int d = 0; d < 10; d++)
        assert_int_equal(nat->acc[SAKSI_DIGITS_BB].o[d], o[d]);

    /* The 0/5 test of candidate 01 in the largest district, recomputed from
     * the full pmf (saksi_bb_pmf) with the range and the basins written
     * out here, and the tail by the plain programme. */
    const saksi_regions *dg = &t->regions[SAKSI_LEVEL_DISTRICT];
    size_t best = 0;
    for (size_t d = 1; d < dg->n; d++)
        if (dg->count[d] > dg->count[best]) best = d;
    saksi_bb *bb = malloc(t->n * sizeof *bb);
    assert_int_equal(saksi_digits_peers(t, 0, p.exclude, &opt.peers, bb, &err), SAKSI_OK);
    double *q = malloc(dg->count[best] * sizeof *q), *pmf = malloc(4096 * sizeof *pmf), e = 0;
    size_t m = 0;
    long o05 = 0;
    for (size_t i = dg->first[best]; i < dg->first[best] + dg->count[best]; i++) {
        int32_t x = saksi_table_get(t, SAKSI_NFIXED, i), n = saksi_table_get(t, SAKSI_F_VALID, i);
        if (!p.mask[i] || x < 10) continue;
        double mean = n * bb[i].mu;
        double sd = sqrt(n * bb[i].mu * (1 - bb[i].mu) * (1 + (n - 1) * bb[i].rho));
        long a = (long)ceil(mean - 3 * sd), b = (long)floor(mean + 3 * sd);
        a = a < 10 ? 10 : a;
        b = b > n ? n : b;
        long centre = (x + 2) / 5 * 5, k0 = centre - 2 < a ? a : centre - 2;
        long k1 = centre + 2 > b ? b : centre + 2;
        saksi_bb_pmf(n, bb[i].mu, bb[i].rho, pmf);
        double mass = 0;
        for (long k = k0; k <= k1; k++)
            mass += pmf[k];
        q[m] = pmf[centre] / mass;
        e += q[m++];
        o05 += x % 5 == 0;
    }
    const saksi_region_test *row =
        find_row(&p.rows, saksi_digits_cand_name[SAKSI_DK_05], SAKSI_LEVEL_DISTRICT, best, 0);
    assert_int_equal(row->n, m);
    assert_close(row->p, midp_plain(q, m, o05), 1e-9);
    assert_close(row->effect, 100.0 * (o05 - e) / m, 1e-9);
    assert_true(row->effect_lo <= row->effect && row->effect <= row->effect_hi);
    assert_true(isinf(row->effect_floor)); /* a component never flags */

    /* The omnibus is the Cauchy combination of the candidates' p-values. */
    for (size_t d = 0; d < dg->n; d++) {
        const saksi_region_test *om = find_row(&p.rows, "last_digit", SAKSI_LEVEL_DISTRICT, d, -1);
        double T = 0;
        int k = 0;
        for (int c = 0; c < 3; c++) {
            const saksi_region_test *cr =
                find_row(&p.rows, "last_digit_cand", SAKSI_LEVEL_DISTRICT, d, c);
            if (isnan(cr->p)) continue;
            T += tan((0.5 - cr->p) * 3.14159265358979323846);
            k++;
        }
        if (k == 0) {
            assert_true(isnan(om->p));
            assert_string_equal(om->skip, "no candidate has digits_min_numbers numbers");
            continue;
        }
        assert_close(om->p, 0.5 - atan(T / k) / 3.14159265358979323846, 1e-12);
        assert_close(om->effect_floor, SAKSI_DIGITS_FLOOR_W, 0.0);
    }
    /* First digits are descriptive: a statistic, no p. */
    row = find_row(&p.rows, saksi_digits_first_name, SAKSI_LEVEL_NATIONAL, 0, 1);
    assert_true(row->descriptive);
    assert_true(isnan(row->p));
    assert_true(row->statistic > 0);
    free(q);
    free(pmf);
    free(bb);
    pieces_free(&p);
    run_free(&r);
}

static void test_threads_same_bytes(void **state)
{
    (void)state;
    /* One worker or three (one per candidate): the same rows, bit for bit. */
    run r = simulated(9, 8000);
    saksi_error err = {0};
    saksi_digits_options opt;
    pieces a, b;
    saksi_digits_options_init(&opt);
    integrity(&r);
    opt.threads = 1;
    assert_int_equal(analyse(&r, &opt, &a, &err), SAKSI_OK);
    opt.threads = 3;
    assert_int_equal(analyse(&r, &opt, &b, &err), SAKSI_OK);
    assert_int_equal(a.rows.n, b.rows.n);
    for (size_t k = 0; k < a.rows.n; k++) {
        const saksi_region_test *x = &a.rows.row[k], *y = &b.rows.row[k];
        const double fx[] = {x->statistic, x->effect, x->effect_lo, x->effect_hi, x->p};
        const double fy[] = {y->statistic, y->effect, y->effect_lo, y->effect_hi, y->p};
        assert_int_equal(memcmp(fx, fy, sizeof fx), 0);
        assert_string_equal(x->test, y->test);
    }
    assert_int_equal(a.d.counts.outside_support[0], b.d.counts.outside_support[0]);
    pieces_free(&a);
    pieces_free(&b);
    run_free(&r);
}

static void test_power_guard(void **state)
{
    (void)state;
    run r = simulated(6, 5000);
    saksi_error err = {0};
    saksi_digits_options opt;
    pieces p;
    saksi_digits_options_init(&opt);
    opt.min_numbers = 1000000; /* more than the whole nation holds */
    integrity(&r);
    assert_int_equal(analyse(&r, &opt, &p, &err), SAKSI_OK);
    for (size_t k = 0; k < p.rows.n; k++) {
        const saksi_region_test *row = &p.rows.row[k];
        assert_true(isnan(row->p));
        assert_true(*row->skip);
    }
    /* the national histograms are still there for the report */
    assert_true(p.d.national[0].acc[SAKSI_DIGITS_BB].n > 0);
    assert_false(isnan(p.d.national[0].wald[SAKSI_DIGITS_BB].W));
    pieces_free(&p);
    run_free(&r);
}

static void test_analyse_mismatch(void **state)
{
    (void)state;
    run r = simulated(7, 3000);
    saksi_error err = {0};
    saksi_digits_options opt;
    pieces p;
    saksi_digits_options_init(&opt);
    integrity(&r);
    assert_int_equal(analyse(&r, &opt, &p, &err), SAKSI_OK);
    saksi_region_tests rows = {0};
    saksi_digits_result d;
    p.hist[SAKSI_DT_LAST * 10 + 3]++; /* a number the masks never saw */
    assert_int_equal(saksi_digits_analyse(r.t, p.exclude, p.mask, p.hist, &opt, &rows, &d, &err),
                     SAKSI_ERR_INTERNAL);
    assert_non_null(strstr(err.message, "holds"));
    p.hist[SAKSI_DT_LAST * 10 + 3]--;
    /* a mask set where the count is missing */
    size_t i = 0;
    r.t->cols[(size_t)r.t->first_cand_slot * r.t->stride + i] = SAKSI_MISSING;
    p.mask[i] = 1;
    assert_int_equal(saksi_digits_analyse(r.t, p.exclude, p.mask, p.hist, &opt, &rows, &d, &err),
                     SAKSI_ERR_INTERNAL);
    assert_non_null(strstr(err.message, "without a null"));
    saksi_region_tests_free(&rows);
    pieces_free(&p);
    run_free(&r);
}

/* Round every third station of district d to multiples of 5, keeping the
 * identities (valid re-summed, invalid absorbing the change). */
static size_t round_district(saksi_table *t, size_t d)
{
    const saksi_regions *dg = &t->regions[SAKSI_LEVEL_DISTRICT];
    size_t done = 0;
    for (size_t i = dg->first[d]; i < dg->first[d] + dg->count[d]; i += 3) {
        int32_t *valid = &t->cols[(size_t)t->slot_of_field[SAKSI_F_VALID] * t->stride + i];
        int32_t *inv = &t->cols[(size_t)t->slot_of_field[SAKSI_F_INVALID] * t->stride + i];
        int32_t nv[3], sum = 0;
        for (int c = 0; c < 3; c++) {
            int32_t x = t->cols[(size_t)(t->first_cand_slot + c) * t->stride + i];
            nv[c] = x / 5 * 5; /* down: invalid can only grow */
            sum += nv[c];
        }
        for (int c = 0; c < 3; c++)
            t->cols[(size_t)(t->first_cand_slot + c) * t->stride + i] = nv[c];
        *inv += *valid - sum;
        *valid = sum;
        done++;
    }
    return done;
}

static void test_planted_rounding(void **state)
{
    (void)state;
    run r = simulated(3, 30000);
    saksi_error err = {0};
    saksi_digits_options opt;
    pieces p;
    const saksi_regions *dg = &r.t->regions[SAKSI_LEVEL_DISTRICT];
    size_t best = 0;
    for (size_t d = 1; d < dg->n; d++)
        if (dg->count[d] > dg->count[best] && dg->code[d][0] != '9') best = d;
    assert_true(round_district(r.t, best) > 30);
    saksi_digits_options_init(&opt);
    integrity(&r);
    assert_int_equal(analyse(&r, &opt, &p, &err), SAKSI_OK);
    assert_int_equal(saksi_region_tests_finish(&p.rows, 0.05, 0, &err), SAKSI_OK);
    const saksi_region_test *row =
        find_row(&p.rows, saksi_digits_test_name[SAKSI_DK_05], SAKSI_LEVEL_DISTRICT, best, -1);
    /* a third of the numbers moved onto 0/5: about +25 points */
    assert_true(row->flagged);
    assert_true(row->effect > 10.0);
    assert_true(row->q < 1e-6);
    assert_int_equal(p.d.counts.inconsistent, 0); /* identities kept */
    pieces_free(&p);
    run_free(&r);
}

/* ------------------------------------------------------------------ */
/* In an audit                                                         */
/* ------------------------------------------------------------------ */

static long h5_rows(const char *path, const char *dset)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t d = H5Dopen2(f, dset, H5P_DEFAULT);
    assert_true(d >= 0);
    hid_t s = H5Dget_space(d);
    hsize_t dims[1];
    H5Sget_simple_extent_dims(s, dims, NULL);
    H5Sclose(s);
    H5Dclose(d);
    H5Fclose(f);
    return (long)dims[0];
}

static void test_engine(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("digits-engine");
    char sim[4200], out[4200], path[4300];
    saksi_sim_config sc;
    saksi_error err = {0};
    saksi_sim_config_init(&sc);
    sc.seed = 11;
    sc.stations = 8000;
    snprintf(sim, sizeof sim, "%s/sim", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    assert_int_equal(saksi_simulate(&sc, sim, &err), SAKSI_OK);
    saksi_config cfg;
    saksi_config_init(&cfg);
    cfg.backend = SAKSI_BACKEND_CPU;
    cfg.reproducible = 1;
    saksi_engine *e = saksi_engine_alloc(&cfg);
    snprintf(path, sizeof path, "%s/stations.csv", sim);
    assert_int_equal(saksi_engine_ingest(e, path, &err), SAKSI_OK);
    assert_int_equal(saksi_engine_run(e, &err), SAKSI_OK);
    assert_int_equal(saksi_engine_write_report(e, out, &err), SAKSI_OK);
    const saksi_summary *s = saksi_engine_summary(e);
    int found = 0;
    for (size_t k = 0; k < s->nregion_families; k++) {
        const saksi_region_family *f = &s->region_families[k];
        if (strcmp(f->test, "digit_05") == 0 && f->level == SAKSI_LEVEL_DISTRICT) {
            found = 1;
            assert_true(f->m > 10);
            assert_false(isnan(f->lambda));
        }
    }
    assert_true(found);
    assert_true(s->timing.digits > 0.0);
    snprintf(path, sizeof path, "%s/report.h5", out);
    assert_int_equal(h5_rows(path, "/digits/national"), 3 * SAKSI_DT_COUNT * 10);
    assert_int_equal(h5_rows(path, "/digits/national_tests"), 3 * SAKSI_DT_COUNT);
    assert_int_equal(h5_rows(path, "/digits/counts"), 9);
    /* JSON: every family and the flagged list */
    snprintf(path, sizeof path, "%s/summary.json", dir);
    FILE *f = fopen(path, "w");
    assert_int_equal(saksi_summary_write_json(s, f, &err), SAKSI_OK);
    fclose(f);
    char *json = test_read_file(path, NULL);
    assert_non_null(strstr(json, "\"region_tests\": ["));
    assert_non_null(strstr(json, "{\"test\": \"digit_05\", \"level\": \"district\", \"m\": "));
    assert_non_null(strstr(json, "\"flagged_regions\": {\"count\": "));
    assert_non_null(strstr(json, "\"digits\": "));
    free(json);
    saksi_engine_free(e);

    /* The CLI: flags and their errors. */
    snprintf(path, sizeof path, "%s/stations.csv", sim);
    assert_int_equal(test_run("'%s' audit '%s' -o '%s/cli' -q --backend cpu --null empirical "
                              "--digits-min 5000 --json > '%s/cli.json'",
                              SAKSI_CLI, path, dir, dir),
                     0);
    snprintf(out, sizeof out, "%s/cli.json", dir);
    json = test_read_file(out, NULL);
    /* with 5000 numbers needed no district is tested */
    assert_non_null(strstr(json, "{\"test\": \"digit_05\", \"level\": \"district\", \"m\": 0,"));
    free(json);
    assert_int_equal(
        test_run("'%s' audit '%s' -o '%s/x' -q --null bogus 2>/dev/null", SAKSI_CLI, path, dir),
        64);
    assert_int_equal(
        test_run("'%s' audit '%s' -o '%s/x' -q --digits-min 0 2>/dev/null", SAKSI_CLI, path, dir),
        64);
    test_rmtree(dir);
}

static void test_report_without_digits(void **state)
{
    (void)state;
    /* A section with no digit results writes nothing and fails nothing;
     * one whose candidates disagree with the table is a bug. */
    run r = simulated(8, 2000);
    saksi_error err = {0};
    integrity(&r);
    r.res.klass = calloc(r.t->n, 1);
    char *dir = test_mkdtemp("digits-report");
    char path[4200];
    snprintf(path, sizeof path, "%s/report.h5", dir);
    saksi_provenance prov = {.version = "0",
                             .libraries = "",
                             .parameters = "",
                             .backend = "cpu",
                             .device = "",
                             .created_utc = "",
                             .rules_source = ""};
    saksi_quarantine q = {0};
    assert_int_equal(saksi_report_h5(path, r.t, &q, &r.res, &prov, &err), SAKSI_OK);
    r.res.digits = calloc(1, sizeof *r.res.digits);
    r.res.digits->ncand = 7;
    assert_int_equal(saksi_report_h5(path, r.t, &q, &r.res, &prov, &err), SAKSI_ERR_INTERNAL);
    assert_non_null(strstr(err.message, "digit results for 7 candidates"));
    test_rmtree(dir);
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hist_by_hand),
        cmocka_unit_test(test_masks_reasons),
        cmocka_unit_test(test_exclusions_need_integrity),
        cmocka_unit_test(test_analyse_independent),
        cmocka_unit_test(test_threads_same_bytes),
        cmocka_unit_test(test_power_guard),
        cmocka_unit_test(test_analyse_mismatch),
        cmocka_unit_test(test_planted_rounding),
        cmocka_unit_test(test_engine),
        cmocka_unit_test(test_report_without_digits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
