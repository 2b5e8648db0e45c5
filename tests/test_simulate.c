/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_simulate.c — the synthetic election generator: determinism, the
 * hierarchy of the default
 * election, every identity of every clean station (checked here with plain
 * arithmetic, not the engine's rule evaluator), the strata, the planted
 * anomalies against their labels, the calibrated dispersion, and the
 * configuration errors.
 * LABELS: unit
 */
#include "test_support.h"

#include "analysis.h"
#include "sim_checks.h"

/* ------------------------------------------------------------------ */
/* The default election, generated once                                 */
/* ------------------------------------------------------------------ */

static saksi_table *deflt;
static saksi_sim_summary deflt_sum;

static int setup_default(void **state)
{
    (void)state;
    saksi_sim_config c;
    saksi_error err = {0};
    saksi_sim_config_init(&c);
    double t0 = saksi_now();
    if (saksi_simulate_table(&c, &deflt, NULL, NULL, &deflt_sum, &err) != SAKSI_OK) {
        fprintf(stderr, "simulate: %s\n", err.message);
        return -1;
    }
    printf("default election: %zu stations in memory in %.2f s\n", deflt->n, saksi_now() - t0);
    return 0;
}

static int teardown_default(void **state)
{
    (void)state;
    saksi_table_free(deflt);
    return 0;
}

static void row_values(const saksi_table *t, size_t i, int32_t *x)
{
    for (int f = 0; f < SAKSI_NFIXED + (int)t->ncand; f++)
        x[f] = saksi_table_get(t, f, i);
}

/* Coefficient of variation of the child counts of a level's regions. */
static double children_cv(const saksi_table *t, int level, int skip_overseas)
{
    const saksi_regions *up = &t->regions[level], *down = &t->regions[level + 1];
    double *cnt = calloc(up->n, sizeof *cnt), s = 0.0, s2 = 0.0;
    size_t m = 0;
    for (size_t r = 0; r < down->n; r++)
        cnt[down->parent[r]] += 1.0;
    for (size_t r = 0; r < up->n; r++) {
        if (skip_overseas && strncmp(up->code[r], "99", 2) == 0) continue;
        s += cnt[r];
        s2 += cnt[r] * cnt[r];
        m++;
    }
    free(cnt);
    double mean = s / (double)m;
    return sqrt(s2 / (double)m - mean * mean) / mean;
}

static void test_default_hierarchy(void **state)
{
    (void)state;
    const saksi_sim_summary *s = &deflt_sum;
    const saksi_table *t = deflt;
    printf("hierarchy: %zu provinces, %zu regencies, %zu districts, %zu villages, %zu stations\n",
           s->regions[1], s->regions[2], s->regions[3], s->regions[4], s->stations);
    printf("  of which overseas (99): %zu missions (regency = district = village), %zu stations\n",
           s->overseas_regions[2], s->overseas_stations);
    /* The table's own region index (from the 13-digit ids) agrees. */
    for (int l = 1; l < SAKSI_NLEVELS; l++)
        assert_int_equal(t->regions[l].n, s->regions[l]);
    assert_int_equal(s->stations, 823236);
    assert_int_equal(t->n, 823236);
    /* 38 real provinces plus 99; domestic counts as the brief (514, 7,277,
     * 83,763) within 1%; overseas a few thousand stations. */
    assert_int_equal(s->regions[1], 39);
    size_t reg = s->regions[2] - s->overseas_regions[2];
    size_t dis = s->regions[3] - s->overseas_regions[3];
    size_t vil = s->regions[4] - s->overseas_regions[4];
    printf("  domestic: %zu regencies, %zu districts, %zu villages\n", reg, dis, vil);
    assert_int_equal(reg, 514);
    assert_true(fabs((double)dis / 7277.0 - 1.0) < 0.01);
    assert_true(fabs((double)vil / 83763.0 - 1.0) < 0.01);
    assert_true(s->overseas_stations >= 1000 && s->overseas_stations <= 5000);
    /* Counts per parent vary as in the crawl: over its domestic regions
     * (datasets/README.md, awk) the cv of districts per regency is 0.55, of
     * villages per district 0.61, of stations per village 1.80; allow 25%. */
    double cv_d = children_cv(t, SAKSI_LEVEL_REGENCY, 1),
           cv_v = children_cv(t, SAKSI_LEVEL_DISTRICT, 1);
    double cv_s = 0.0;
    {
        const saksi_regions *v = &t->regions[SAKSI_LEVEL_VILLAGE];
        double a = 0.0, a2 = 0.0;
        for (size_t r = 0; r < v->n; r++) {
            a += (double)v->count[r];
            a2 += (double)v->count[r] * v->count[r];
        }
        double mean = a / (double)v->n;
        cv_s = sqrt(a2 / (double)v->n - mean * mean) / mean;
    }
    printf("  cv of children per parent: districts/regency %.2f, villages/district %.2f, "
           "stations/village %.2f\n",
           cv_d, cv_v, cv_s);
    assert_true(fabs(cv_d / 0.55 - 1.0) < 0.25);
    assert_true(fabs(cv_v / 0.61 - 1.0) < 0.25);
    assert_true(fabs(cv_s / 1.80 - 1.0) < 0.25);
    /* Codes: PP KK CC DDDD TTT with kelurahan 1001.. and desa 2001.. at
     * home, 0001 overseas; stations numbered from 001. */
    size_t kel = 0;
    for (size_t r = 0; r < t->regions[4].n; r++) {
        const char *code = t->regions[4].code[r];
        assert_int_equal(strlen(code), 10);
        if (strncmp(code, "99", 2) == 0) {
            assert_memory_equal(code + 6, "0001", 4);
            continue;
        }
        assert_true(code[6] == '1' || code[6] == '2');
        kel += code[6] == '1';
    }
    printf("  kelurahan: %zu of %zu domestic villages\n", kel, vil);
    /* the province table's kelurahan (crawl + Kemendagri) sum to 8,489 */
    assert_true(fabs((double)kel / 8489.0 - 1.0) < 0.1);
    for (size_t i = 0; i < t->n; i++) {
        const char *id = saksi_table_id(t, i);
        assert_int_equal(strlen(id), 13);
        assert_true(strcmp(id + 10, "000") > 0);
    }
}

static void test_default_identities(void **state)
{
    (void)state;
    const saksi_table *t = deflt;
    int32_t x[SAKSI_NFIXED + SAKSI_SIM_MAX_CAND];
    size_t failures = 0, near_cap = 0, regular = 0;
    int32_t max_regular = 0;
    for (size_t i = 0; i < t->n; i++) {
        const char *id = saksi_table_id(t, i);
        int prov = prov_of(id);
        row_values(t, i, x);
        const char *why = identity_failure(x, t->ncand, prov);
        if (why && failures++ < 5) printf("station %s: %s\n", id, why);
        if (prov != 99) {
            regular++;
            near_cap += x[SAKSI_F_REGISTERED] >= 281;
            max_regular = x[SAKSI_F_REGISTERED] > max_regular ? x[SAKSI_F_REGISTERED] : max_regular;
        }
    }
    assert_int_equal(failures, 0);
    /* DPT <= 300 at every regular station, and many close to it: the crawl
     * has 20.2% of its domestic stations at 281..300. */
    printf("registered: largest regular %d, share at 281..300 %.3f\n", max_regular,
           (double)near_cap / (double)regular);
    assert_true(max_regular <= 300 && max_regular >= 299);
    assert_true((double)near_cap / regular > 0.15 && (double)near_cap / regular < 0.35);
    assert_int_equal(deflt_sum.max_registered_regular, max_regular);
}

static void test_default_rates(void **state)
{
    (void)state;
    const saksi_table *t = deflt;
    uint64_t reg = 0, regm = 0, vt = 0, dptb = 0, dpk = 0, inv = 0, tot = 0, cand[3] = {0},
             valid = 0;
    for (size_t i = 0; i < t->n; i++) {
        reg += (uint64_t)saksi_table_get(t, SAKSI_F_REGISTERED, i);
        regm += (uint64_t)saksi_table_get(t, SAKSI_F_REGISTERED_MALE, i);
        vt += (uint64_t)saksi_table_get(t, SAKSI_F_VOTERS_TOTAL, i);
        dptb += (uint64_t)saksi_table_get(t, SAKSI_F_VOTERS_DPTB, i);
        dpk += (uint64_t)saksi_table_get(t, SAKSI_F_VOTERS_DPK, i);
        inv += (uint64_t)saksi_table_get(t, SAKSI_F_INVALID, i);
        tot += (uint64_t)saksi_table_get(t, SAKSI_F_TOTAL, i);
        valid += (uint64_t)saksi_table_get(t, SAKSI_F_VALID, i);
        for (int k = 0; k < 3; k++)
            cand[k] += (uint64_t)saksi_table_get(t, SAKSI_NFIXED + k, i);
    }
    double mean_reg = (double)reg / t->n;
    printf("national: registered %llu (mean %.1f), turnout %.4f, invalid %.4f, DPTb %.4f, DPK "
           "%.4f, male %.4f, shares %.4f %.4f %.4f\n",
           (unsigned long long)reg, mean_reg, (double)vt / reg, (double)inv / tot,
           (double)dptb / vt, (double)dpk / vt, (double)regm / reg, (double)cand[0] / valid,
           (double)cand[1] / valid, (double)cand[2] / valid);
    /* the same sums as the summary, computed from the table */
    assert_int_equal(reg, deflt_sum.registered);
    assert_int_equal(valid, deflt_sum.valid);
    /* KPU 2024: DPT 204.8 M, mean 248.8 per TPS; turnout (voters/DPT) 0.82 in
     * the crawl; shares 24.95 / 58.59 / 16.47; the brief's invalid 2-3%,
     * DPTb 1-2%, DPK about 0.5% */
    assert_true(fabs(mean_reg - 248.8) < 3.0);
    assert_true(fabs((double)vt / reg - 0.817) < 0.02);
    assert_true(fabs((double)cand[0] / valid - 0.25) < 0.01);
    assert_true(fabs((double)cand[1] / valid - 0.58) < 0.01);
    assert_true(fabs((double)cand[2] / valid - 0.17) < 0.01);
    assert_true((double)inv / tot >= 0.018 && (double)inv / tot <= 0.03);
    assert_true((double)dptb / vt >= 0.01 && (double)dptb / vt <= 0.02);
    assert_true((double)dpk / vt >= 0.003 && (double)dpk / vt <= 0.008);
    assert_true(fabs((double)regm / reg - 0.5) < 0.005);
}

static void test_default_strata(void **state)
{
    (void)state;
    const saksi_table *t = deflt;
    size_t noken = 0, bloc = 0, ovs = 0, ovs_big = 0;
    uint64_t nreg = 0, nvt = 0, oreg = 0, odptb = 0, ovt = 0;
    for (size_t i = 0; i < t->n; i++) {
        int prov = prov_of(saksi_table_id(t, i));
        int32_t reg = saksi_table_get(t, SAKSI_F_REGISTERED, i);
        int32_t vt = saksi_table_get(t, SAKSI_F_VOTERS_TOTAL, i);
        int32_t valid = saksi_table_get(t, SAKSI_F_VALID, i);
        if (prov == 94 || prov == 95) {
            noken++;
            nreg += (uint64_t)reg;
            nvt += (uint64_t)vt;
            for (int k = 0; k < 3; k++)
                bloc += valid > 0 && saksi_table_get(t, SAKSI_NFIXED + k, i) == valid;
        } else if (prov == 99) {
            ovs++;
            ovs_big += reg > 300;
            oreg += (uint64_t)reg;
            ovt += (uint64_t)vt;
            odptb += (uint64_t)saksi_table_get(t, SAKSI_F_VOTERS_DPTB, i);
        }
    }
    printf("noken: %zu stations, turnout %.3f, one candidate takes all at %.3f\n", noken,
           (double)nvt / nreg, (double)bloc / noken);
    printf("overseas: %zu stations, mean registered %.0f, %.2f above 300, turnout %.3f, DPTb of "
           "voters %.3f\n",
           ovs, (double)oreg / ovs, (double)ovs_big / ovs, (double)ovt / oreg, (double)odptb / ovt);
    printf("special TPS: %zu\n", deflt_sum.special_stations);
    assert_int_equal(noken, deflt_sum.noken_stations);
    assert_int_equal(ovs, deflt_sum.overseas_stations);
    /* noken: high turnout, whole stations for one candidate common */
    assert_true((double)nvt / nreg > 0.9);
    assert_true((double)bloc / noken > 0.3);
    /* overseas (crawl: mean 729, 61% above 300, turnout 0.39, DPTb 15%) */
    assert_true((double)oreg / ovs > 500 && (double)oreg / ovs < 1000);
    assert_true((double)ovs_big / ovs > 0.4);
    assert_true((double)ovt / oreg > 0.25 && (double)ovt / oreg < 0.5);
    assert_true((double)odptb / ovt > 0.08);
    /* special TPS: about 0.3% of regular stations (Binomial sd ~ 50) */
    double expect = 0.003 * (double)(t->n - noken - ovs);
    assert_true(fabs((double)deflt_sum.special_stations - expect) < 5.0 * sqrt(expect));
}

/* The measured real medians and quartiles (tests/test_dispersion_real.c,
 * datasets/README.md): turnout 1.925 / 2.309 / 2.847, share 2.362 / 2.795 /
 * 3.338. The default must sit inside the real IQR, within 15% of the real
 * median. */
static void test_default_dispersion(void **state)
{
    (void)state;
    saksi_dispersion d;
    saksi_error err = {0};
    assert_int_equal(saksi_dispersion_measure(deflt, NULL, &d, &err), SAKSI_OK);
    const double real_q1[2] = {1.924893223, 2.361855614}, real_med[2] = {2.308742664, 2.794656539};
    const double real_q3[2] = {2.846681320, 3.338261627};
    for (int r = 0; r < SAKSI_NDISP; r++) {
        const saksi_dispersion_stat *s = &d.rate[r];
        printf("dispersion %s: %zu districts, q1 %.3f median %.3f q3 %.3f (real %.3f %.3f %.3f)\n",
               r ? "share" : "turnout", s->regions, s->q1, s->median, s->q3, real_q1[r],
               real_med[r], real_q3[r]);
        assert_true(s->median >= real_q1[r] && s->median <= real_q3[r]);
        assert_true(fabs(s->median / real_med[r] - 1.0) < 0.15);
        assert_true(s->regions > 7000);
    }
    assert_int_equal(d.leader, 1);
    saksi_dispersion_free(&d);
}

static void test_determinism(void **state)
{
    (void)state;
    saksi_sim_config c;
    saksi_sim_config_init(&c);
    c.stations = 20000;
    c.seed = 11;
    c.with_region_columns = 1;
    for (int k = 0; k < SAKSI_NPLANT; k++)
        c.plant_rate[k] = 0.01;
    char *d1 = simulate_to(&c, "simA", NULL), *d2 = simulate_to(&c, "simB", NULL);
    c.seed = 12;
    char *d3 = simulate_to(&c, "simC", NULL);
    char a[4300], b[4300], e[4300];
    snprintf(a, sizeof a, "%s/out/stations.csv", d1);
    snprintf(b, sizeof b, "%s/out/stations.csv", d2);
    snprintf(e, sizeof e, "%s/out/stations.csv", d3);
    assert_true(files_equal(a, b));
    assert_false(files_equal(a, e));
    snprintf(a, sizeof a, "%s/out/labels.csv", d1);
    snprintf(b, sizeof b, "%s/out/labels.csv", d2);
    snprintf(e, sizeof e, "%s/out/labels.csv", d3);
    assert_true(files_equal(a, b));
    assert_false(files_equal(a, e));

    /* The region columns are the code prefixes. */
    snprintf(a, sizeof a, "%s/out/stations.csv", d1);
    char *text = test_read_file(a, NULL);
    assert_non_null(text);
    assert_memory_equal(text, "station_id,province,regency,district,village,registered,", 56);
    char *row = strchr(text, '\n') + 1;
    assert_memory_equal(row + 14, row, 2);
    assert_memory_equal(row + 17, row, 4);
    assert_memory_equal(row + 22, row, 6);
    assert_memory_equal(row + 29, row, 10);
    free(text);

    /* The in-memory path gives the same stations and labels as the files
     * (the table is finalized: rows in id order, as in the CSV). */
    c.seed = 11;
    saksi_table *t = NULL;
    saksi_sim_label *lab = NULL;
    size_t nlab = 0, n = 0, nl = 0;
    saksi_error err = {0};
    assert_int_equal(saksi_simulate_table(&c, &t, &lab, &nlab, NULL, &err), SAKSI_OK);
    csv_station *rows = read_stations(a, c.ncand, &n);
    snprintf(b, sizeof b, "%s/out/labels.csv", d1);
    csv_label *cl = read_labels(b, &nl);
    assert_int_equal(n, t->n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(rows[i].id, saksi_table_id(t, i));
        for (int f = 0; f < SAKSI_NFIXED + 3; f++)
            assert_int_equal(rows[i].x[f], saksi_table_get(t, f, i));
    }
    assert_int_equal(nl, nlab);
    assert_true(nl > 0);
    for (size_t i = 0; i < nl; i++) {
        assert_string_equal(cl[i].id, lab[i].station_id);
        assert_int_equal(cl[i].field, lab[i].field);
        assert_int_equal(cl[i].truth, lab[i].true_value);
        assert_int_equal(cl[i].reported, lab[i].reported_value);
    }
    /* and the library's own CSV ingest reads stations.csv back with nothing
     * quarantined and every cell equal */
    saksi_quarantine *q = saksi_quarantine_alloc();
    saksi_table *back = NULL;
    saksi_ingest_stats ist;
    assert_non_null(q);
    assert_int_equal(saksi_ingest_csv(a, NULL, q, &back, &ist, &err), SAKSI_OK);
    assert_int_equal(q->n, 0);
    assert_int_equal(back->n, t->n);
    for (size_t i = 0; i < t->n; i++) {
        assert_string_equal(saksi_table_id(back, i), saksi_table_id(t, i));
        for (int f = 0; f < SAKSI_NFIXED + 3; f++)
            assert_int_equal(saksi_table_get(back, f, i), saksi_table_get(t, f, i));
        /* the region columns agree with the id prefixes */
        for (int l = 1; l < SAKSI_NLEVELS; l++)
            assert_string_equal(back->regions[l].code[back->region_of[l][i]],
                                t->regions[l].code[t->region_of[l][i]]);
    }
    saksi_table_free(back);
    saksi_quarantine_free(q);
    free(rows);
    free(cl);
    free(lab);
    saksi_table_free(t);
    test_rmtree(d1);
    test_rmtree(d2);
    test_rmtree(d3);
}

/* ------------------------------------------------------------------ */
/* Scaling and configuration errors                                     */
/* ------------------------------------------------------------------ */

static void test_scale_down(void **state)
{
    (void)state;
    saksi_sim_config c;
    saksi_sim_summary s;
    saksi_table *t = NULL;
    saksi_error err = {0};
    saksi_sim_config_init(&c);
    /* 100,000 stations: f = 0.1215 of the default; every level shrinks in
     * proportion, at least one per parent */
    c.stations = 100000;
    assert_int_equal(saksi_simulate_table(&c, &t, NULL, NULL, &s, &err), SAKSI_OK);
    printf("100k: %zu provinces, %zu regencies, %zu districts, %zu villages\n", s.regions[1],
           s.regions[2], s.regions[3], s.regions[4]);
    double f = 100000.0 / 823236.0;
    assert_int_equal(s.regions[1], 39);
    assert_true(s.regions[2] >= 39 && s.regions[2] < 611 * f + 39);
    assert_true(fabs(s.regions[3] / (7371.0 * f) - 1.0) < 0.15);
    assert_true(fabs(s.regions[4] / (83745.0 * f) - 1.0) < 0.15);
    int32_t x[SAKSI_NFIXED + 3];
    for (size_t i = 0; i < t->n; i++) {
        row_values(t, i, x);
        assert_null(identity_failure(x, 3, prov_of(saksi_table_id(t, i))));
    }
    saksi_table_free(t);

    /* the smallest election: one station per province */
    c.stations = 39;
    assert_int_equal(saksi_simulate_table(&c, &t, NULL, NULL, &s, &err), SAKSI_OK);
    for (int l = 1; l < SAKSI_NLEVELS; l++)
        assert_int_equal(s.regions[l], 39);
    saksi_table_free(t);

    /* one province, no overseas, five candidates with equal shares */
    c.stations = 50;
    c.provinces = 1;
    c.overseas = 0;
    c.ncand = 5;
    saksi_sim_config_equal_shares(&c);
    assert_int_equal(saksi_simulate_table(&c, &t, NULL, NULL, &s, &err), SAKSI_OK);
    assert_int_equal(s.regions[1], 1);
    assert_int_equal(t->ncand, 5);
    assert_string_equal(t->cand_label[4], "05");
    assert_string_equal(t->regions[1].code[0], "11");
    for (size_t i = 0; i < t->n; i++) {
        int32_t y[SAKSI_NFIXED + 5];
        row_values(t, i, y);
        assert_null(identity_failure(y, 5, 11));
    }
    saksi_table_free(t);
}

static void expect_usage(const saksi_sim_config *c, const char *words)
{
    saksi_table *t = (saksi_table *)1;
    saksi_error err = {0};
    assert_int_equal(saksi_simulate_table(c, &t, NULL, NULL, NULL, &err), SAKSI_ERR_USAGE);
    assert_null(t);
    if (!strstr(err.message, words)) fail_msg("message '%s' lacks '%s'", err.message, words);
}

/*
 * station_sd_size_slope: a regular station's own effects' variance times
 * (n / n_mean)^slope, n_mean = 1 + 300 x 5.5 / 6.7 = 247. The variance of
 * the empirical turnout logit about its village's mean, small stations
 * (registered 100-180) against large (270-300): the station effect's
 * variance is 0.31^2 x E scale^2 = 0.096 x exp(0.29^2) = 0.105 at n_mean
 * (the district's lognormal scale, mean 1), and the binomial's 1 / (n p (1
 * - p)) at p = 0.8 is ~0.042 at n ~ 150 and ~0.022 at n ~ 285. With no
 * slope the ratio is (0.105 + 0.042) / (0.105 + 0.022) ~ 1.16; at slope -2
 * the station parts are 0.105 x (150 / 247)^-2 = 0.28 and 0.105 x (285 /
 * 247)^-2 = 0.079, a ratio of ~3.2 (both less the village mean's share,
 * the same in each band). About 4,000 stations in the smaller band: the
 * ratio's SE is ~3%.
 */
static double small_large_ratio(double slope)
{
    saksi_sim_config c;
    saksi_table *t = NULL;
    saksi_error err = {0};
    saksi_sim_config_init(&c);
    c.stations = 60000;
    c.seed = 5;
    c.model.special_rate = 0.0;
    c.model.station_sd_size_slope = slope;
    assert_int_equal(saksi_simulate_table(&c, &t, NULL, NULL, NULL, &err), SAKSI_OK);
    const saksi_regions *vr = &t->regions[SAKSI_LEVEL_VILLAGE];
    const uint32_t *vil = t->region_of[SAKSI_LEVEL_VILLAGE];
    double *sum = calloc(vr->n, sizeof *sum), *cnt = calloc(vr->n, sizeof *cnt), *y;
    y = malloc(t->n * sizeof *y);
    for (size_t i = 0; i < t->n; i++) {
        double n = saksi_table_get(t, SAKSI_F_REGISTERED, i),
               v = saksi_table_get(t, SAKSI_F_VOTERS_DPT, i);
        int prov = prov_of(saksi_table_id(t, i));
        y[i] = prov == 94 || prov == 95 || prov == 99 ? NAN : log((v + 0.5) / (n - v + 0.5));
        if (isnan(y[i])) continue;
        sum[vil[i]] += y[i];
        cnt[vil[i]] += 1.0;
    }
    double ss[2] = {0}, k[2] = {0};
    for (size_t i = 0; i < t->n; i++) {
        int32_t n = saksi_table_get(t, SAKSI_F_REGISTERED, i);
        int band = n >= 100 && n <= 180 ? 0 : n >= 270 && n <= 300 ? 1 : -1;
        if (isnan(y[i]) || band < 0 || cnt[vil[i]] < 2.0) continue;
        double r = y[i] - sum[vil[i]] / cnt[vil[i]];
        ss[band] += r * r * cnt[vil[i]] / (cnt[vil[i]] - 1.0);
        k[band] += 1.0;
    }
    printf("station_sd_size_slope %g: residual variance %.4f (%.0f small) / %.4f (%.0f large)\n",
           slope, ss[0] / k[0], k[0], ss[1] / k[1], k[1]);
    free(sum);
    free(cnt);
    free(y);
    saksi_table_free(t);
    return (ss[0] / k[0]) / (ss[1] / k[1]);
}

static void test_size_effect(void **state)
{
    (void)state;
    double flat = small_large_ratio(0.0), steep = small_large_ratio(-2.0);
    assert_true(flat > 1.0 && flat < 1.4);
    assert_true(steep > 2.5 && steep < 4.0);
}

static void test_config_errors(void **state)
{
    (void)state;
    saksi_sim_config c;
#define RESET() (saksi_sim_config_init(&c), c.stations = 1000)
    RESET();
    c.ncand = 0;
    expect_usage(&c, "ncand");
    RESET();
    c.ncand = SAKSI_SIM_MAX_CAND + 1;
    expect_usage(&c, "ncand");
    RESET();
    c.ncand = 5; /* shares 4 and 5 unset */
    expect_usage(&c, "share of candidate 4");
    RESET();
    c.model.share[1] = 0.68;
    expect_usage(&c, "sum to");
    RESET();
    c.model.turnout = 1.0;
    expect_usage(&c, "outside (0, 1)");
    RESET();
    c.model.dptb = 0.3;
    c.model.dpk = 0.3;
    expect_usage(&c, "half");
    RESET();
    c.model.noken_bloc = 1.5;
    expect_usage(&c, "noken_bloc");
    RESET();
    c.model.share_sd.village = -0.1;
    expect_usage(&c, "sds");
    RESET();
    c.model.size_a = 0.0;
    expect_usage(&c, "size");
    RESET();
    c.model.special_size_max = 301;
    expect_usage(&c, "special");
    RESET();
    c.model.station_sd_size_slope = 4.5;
    expect_usage(&c, "station_sd_size_slope");
    RESET();
    c.plant_rate[SAKSI_PLANT_ROUNDING] = -0.1;
    expect_usage(&c, "rounding");
    RESET();
    for (int k = 0; k < SAKSI_NPLANT; k++)
        c.plant_rate[k] = 0.2;
    expect_usage(&c, "at most one kind");
    RESET();
    c.stations = 38; /* 39 provinces with overseas */
    expect_usage(&c, "stations must be");
    RESET();
    c.stations = SAKSI_SIM_MAX_STATIONS + 1;
    expect_usage(&c, "stations must be");
    RESET();
    c.provinces = 0;
    expect_usage(&c, "provinces");
    RESET();
    c.provinces = 39;
    expect_usage(&c, "provinces");
#undef RESET
}

static void test_output_errors(void **state)
{
    (void)state;
    saksi_sim_config c;
    saksi_error err = {0};
    char path[4300];
    saksi_sim_config_init(&c);
    c.stations = 500;
    char *dir = test_mkdtemp("simerr");
    assert_non_null(dir);

    /* the output directory is a file */
    snprintf(path, sizeof path, "%s/file", dir);
    assert_int_equal(test_write_file(path, "x"), 0);
    assert_int_equal(saksi_simulate(&c, path, &err), SAKSI_ERR_CANTCREAT);
    assert_non_null(strstr(err.message, "file of that name"));
    /* its parents do not exist: made, as mkdir -p (the README's out/demo) */
    snprintf(path, sizeof path, "%s/no/such/dir", dir);
    assert_int_equal(saksi_simulate(&c, path, &err), SAKSI_OK);
    snprintf(path, sizeof path, "%s/no/such/dir/strata.csv", dir);
    assert_int_equal(access(path, F_OK), 0);
    /* a parent is a file */
    snprintf(path, sizeof path, "%s/file/dir", dir);
    assert_int_equal(saksi_simulate(&c, path, &err), SAKSI_ERR_CANTCREAT);
    assert_non_null(strstr(err.message, "cannot create directory"));
    /* labels.csv.tmp cannot be created: stations.csv.tmp is removed again */
    snprintf(path, sizeof path, "%s/out1/labels.csv.tmp", dir);
    assert_int_equal(test_run("mkdir -p '%s'", path), 0);
    snprintf(path, sizeof path, "%s/out1", dir);
    assert_int_equal(saksi_simulate(&c, path, &err), SAKSI_ERR_CANTCREAT);
    assert_non_null(strstr(err.message, "labels.csv.tmp"));
    snprintf(path, sizeof path, "%s/out1/stations.csv.tmp", dir);
    assert_int_not_equal(access(path, F_OK), 0);
    /* stations.csv is a non-empty directory: the rename fails */
    snprintf(path, sizeof path, "%s/out2/stations.csv/x", dir);
    assert_int_equal(test_run("mkdir -p '%s'", path), 0);
    snprintf(path, sizeof path, "%s/out2", dir);
    assert_int_equal(saksi_simulate(&c, path, &err), SAKSI_ERR_IO);
    assert_non_null(strstr(err.message, "rename"));
    /* a good run creates both files, labels.csv with its header only */
    snprintf(path, sizeof path, "%s/out3", dir);
    assert_int_equal(saksi_simulate(&c, path, &err), SAKSI_OK);
    snprintf(path, sizeof path, "%s/out3/labels.csv", dir);
    char *text = test_read_file(path, NULL);
    assert_non_null(text);
    assert_string_equal(text, "station_id,kind,field,true_value,reported_value,primary,note\n");
    free(text);
    /* writes that fail: stations.csv.tmp, then labels.csv.tmp, is /dev/full */
    snprintf(path, sizeof path, "%s/out5", dir);
    assert_int_equal(test_run("mkdir -p '%s' && ln -s /dev/full '%s/stations.csv.tmp'", path, path),
                     0);
    assert_int_equal(saksi_simulate(&c, path, &err), SAKSI_ERR_IO);
    assert_non_null(strstr(err.message, "stations.csv.tmp"));
    snprintf(path, sizeof path, "%s/out6", dir);
    assert_int_equal(test_run("mkdir -p '%s' && ln -s /dev/full '%s/labels.csv.tmp'", path, path),
                     0);
    assert_int_equal(saksi_simulate(&c, path, &err), SAKSI_ERR_IO);
    assert_non_null(strstr(err.message, "labels.csv.tmp"));
    /* a stop request ends the run with SAKSI_ERR_INTERRUPTED */
    snprintf(path, sizeof path, "%s/out7", dir);
    saksi_request_stop();
    assert_int_equal(saksi_simulate(&c, path, &err), SAKSI_ERR_INTERRUPTED);
    saksi_clear_stop();
    snprintf(path, sizeof path, "%s/out7/stations.csv", dir);
    assert_int_not_equal(access(path, F_OK), 0);
    /* bad configuration: nothing is created */
    c.ncand = 0;
    snprintf(path, sizeof path, "%s/out4", dir);
    assert_int_equal(saksi_simulate(&c, path, &err), SAKSI_ERR_USAGE);
    assert_int_not_equal(access(path, F_OK), 0);
    test_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest fast[] = {
        cmocka_unit_test(test_determinism),   cmocka_unit_test(test_scale_down),
        cmocka_unit_test(test_config_errors), cmocka_unit_test(test_output_errors),
        cmocka_unit_test(test_size_effect),
    };
    const struct CMUnitTest full[] = {
        cmocka_unit_test(test_default_hierarchy),  cmocka_unit_test(test_default_identities),
        cmocka_unit_test(test_default_rates),      cmocka_unit_test(test_default_strata),
        cmocka_unit_test(test_default_dispersion),
    };
    int failed = cmocka_run_group_tests_name("simulator", fast, NULL, NULL);
    failed +=
        cmocka_run_group_tests_name("default election", full, setup_default, teardown_default);
    return failed;
}
