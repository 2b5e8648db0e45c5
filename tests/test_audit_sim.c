/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_audit_sim.c — the whole audit on generated elections against their
 * ground truth (issue 2, "Done means"): every planted sum mismatch,
 * over-registration, transcription error and missing zero is ranked; every
 * planted transcription error whose repair is unique is repaired to the
 * true value; a clean election has no station flagged by integrity rules.
 * Read through the public surface: the CSV written by saksi_simulate_write,
 * the engine, and the ranked.csv it writes.
 * LABELS: unit
 */
#include "test_support.h"

#include "saksi.h"

#include <hdf5.h>

#define STATIONS   60000
#define PLANT_RATE 0.004

typedef struct ranked_row {
    char id[32];
    char klass[32];
    char field[32];
    long reported, repaired, alternatives;
} ranked_row;

/* ranked.csv columns 2, 7, 12, 13, 14, 15 (the reason, last, may hold
 * commas: it is never reached). Returns the rows, *n their count. */
static ranked_row *read_ranked(const char *path, size_t *n)
{
    char *text = test_read_file(path, NULL);
    assert_non_null(text);
    size_t cap = 1024, k = 0;
    ranked_row *rows = calloc(cap, sizeof *rows);
    char *line = strchr(text, '\n') + 1; /* skip the header */
    while (*line) {
        char *end = strchr(line, '\n');
        *end = 0;
        char *f[16] = {0};
        char *p = line;
        for (int c = 0; c < 16 && p; c++) {
            f[c] = p;
            p = strchr(p, ',');
            if (p) *p++ = 0;
        }
        if (k == cap) rows = realloc(rows, (cap *= 2) * sizeof *rows);
        ranked_row *r = &rows[k++];
        memset(r, 0, sizeof *r);
        snprintf(r->id, sizeof r->id, "%s", f[1]);
        snprintf(r->klass, sizeof r->klass, "%s", f[6]);
        snprintf(r->field, sizeof r->field, "%s", f[11]);
        r->reported = *f[12] ? atol(f[12]) : -1;
        r->repaired = *f[13] ? atol(f[13]) : -1;
        r->alternatives = atol(f[14]);
        line = end + 1;
    }
    free(text);
    *n = k;
    return rows;
}

static const ranked_row *find(const ranked_row *rows, size_t n, const char *id)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(rows[k].id, id) == 0) return &rows[k];
    return NULL;
}

/* Field name as ranked.csv writes it. */
static void field_name(int field, char *buf, size_t len)
{
    if (field >= SAKSI_NFIXED)
        snprintf(buf, len, "cand_%02d", field - SAKSI_NFIXED + 1);
    else
        snprintf(buf, len, "%s", saksi_field_name(field));
}

/* report.h5 /baselines/measures carries the baseline null's estimates from
 * the data, and on a generated election they are the simulator's: the
 * village share of the within-district latent variance is 0.26^2 / (0.26^2
 * + 0.31^2) = 0.413 for turnout and 0.25^2 / (0.25^2 + 0.27^2) = 0.462 for a
 * candidate's log-weight (datasets/generator/simulate.c, turnout_sd and
 * share_sd, village and station; the share's logit mixes three candidates'
 * effects in the same proportion), within sampling error at 60,000
 * stations; the district shrinkage k0 is positive and finite. */
static void check_null_estimates(const char *out)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/report.h5", out);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t d = H5Dopen2(f, "/baselines/measures", H5P_DEFAULT);
    assert_true(d >= 0);
    hid_t s = H5Dget_space(d);
    hsize_t rows = 0;
    H5Sget_simple_extent_dims(s, &rows, NULL);
    assert_int_equal(rows, 6); /* turnout, invalid, added, three candidates */
    struct {
        double share, k0, d0;
    } v[6];
    hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof v[0]);
    H5Tinsert(mt, "village_share", 0, H5T_NATIVE_DOUBLE);
    H5Tinsert(mt, "shrink_k0", sizeof(double), H5T_NATIVE_DOUBLE);
    H5Tinsert(mt, "prior_df", 2 * sizeof(double), H5T_NATIVE_DOUBLE);
    assert_true(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Tclose(mt);
    H5Sclose(s);
    H5Dclose(d);
    H5Fclose(f);
    if (fabs(v[0].share - 0.413) > 0.08) fail_msg("turnout village share %g", v[0].share);
    for (int m = 3; m < 6; m++)
        if (fabs(v[m].share - 0.462) > 0.08)
            fail_msg("cand %d village share %g", m - 2, v[m].share);
    /* Small counts on the rate scale: the simulator's village and station
     * effects make the village share of invalid votes 0.20^2 / (0.20^2 +
     * 0.50^2) = 0.138 and of added voters 0.30^2 / (0.30^2 + 0.50^2) =
     * 0.265 (simulate.c); empirical logits of counts near 0 gave 0.25 and
     * 0.86. */
    if (fabs(v[1].share - 0.138) > 0.08) fail_msg("invalid village share %g", v[1].share);
    if (fabs(v[2].share - 0.265) > 0.08) fail_msg("added village share %g", v[2].share);
    for (int m = 0; m < 6; m++)
        assert_true(v[m].k0 > 0.0 && isfinite(v[m].k0));
    /* The moderation prior's d0: districts' latent variances scatter by
     * the simulator's lognormal multiplier, sd of the log 2 x 0.29 for
     * turnout and 2 x 0.22 for shares (simulate.c,
     * dispersion_district_sdlog), and a scaled inverse chi-square with that
     * log-variance has d0 = 2 trigammaInverse(4 a^2): 6.9 and 11.3. The
     * estimate runs ~1 high (the fits' df are approximate); at 60,000
     * stations it fell within 7.3-8.4 and 10.5-13.1. */
    if (fabs(v[0].d0 - 6.9) > 2.5) fail_msg("turnout prior df %g", v[0].d0);
    for (int m = 3; m < 6; m++)
        if (fabs(v[m].d0 - 11.3) > 3.5) fail_msg("cand %d prior df %g", m - 2, v[m].d0);
}

static void audit(const char *dir, const saksi_sim_config *sc, ranked_row **rows, size_t *n)
{
    saksi_error err = {0};
    char csv[4200], out[4200], ranked[4300], strata[4200];
    assert_int_equal(saksi_simulate(sc, dir, &err), SAKSI_OK);
    snprintf(csv, sizeof csv, "%s/stations.csv", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(strata, sizeof strata, "%s/strata.csv", dir);
    saksi_config cfg;
    saksi_config_init(&cfg);
    cfg.backend = SAKSI_BACKEND_CPU;
    cfg.strata_path = strata; /* the special TPS are their own peers (DESIGN §4) */
    saksi_engine *e = saksi_engine_alloc(&cfg);
    assert_non_null(e);
    if (saksi_engine_ingest(e, csv, &err) || saksi_engine_run(e, &err) ||
        saksi_engine_write_report(e, out, &err))
        fail_msg("%s", err.message);
    assert_int_equal(saksi_engine_summary(e)->ingest.quarantined, 0);
    saksi_engine_free(e);
    check_null_estimates(out);
    snprintf(ranked, sizeof ranked, "%s/ranked.csv", out);
    *rows = read_ranked(ranked, n);
}

static void test_planted_anomalies_found(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("audit-sim");
    saksi_sim_config sc;
    saksi_sim_config_init(&sc);
    sc.stations = STATIONS;
    sc.seed = 77;
    sc.plant_rate[SAKSI_PLANT_SUM_MISMATCH] = PLANT_RATE;
    sc.plant_rate[SAKSI_PLANT_TRANSCRIPTION] = PLANT_RATE;
    sc.plant_rate[SAKSI_PLANT_OVER_REGISTRATION] = PLANT_RATE;
    sc.plant_rate[SAKSI_PLANT_MISSING_ZERO] = PLANT_RATE;
    ranked_row *rows;
    size_t n;
    audit(dir, &sc, &rows, &n);

    saksi_table *t = NULL;
    saksi_sim_label *labels = NULL;
    size_t nlabels = 0;
    saksi_error err = {0};
    assert_int_equal(saksi_simulate_table(&sc, &t, &labels, &nlabels, NULL, &err), SAKSI_OK);
    size_t planted[SAKSI_NPLANT] = {0}, unique = 0, unique_right = 0, transcribed = 0;
    size_t ambiguous = 0, ambiguous_right = 0; /* classed by weight >= 0.9, not uniqueness */
    for (size_t k = 0; k < nlabels; k++) {
        const saksi_sim_label *l = &labels[k];
        if (!l->primary) continue;
        planted[l->kind]++;
        const ranked_row *r = find(rows, n, l->station_id);
        if (!r)
            fail_msg("planted %s at %s not ranked", saksi_plant_kind_name(l->kind), l->station_id);
        if (l->kind == SAKSI_PLANT_MISSING_ZERO) assert_string_equal(r->klass, "incomplete");
        if (l->kind != SAKSI_PLANT_TRANSCRIPTION) continue;
        char name[64];
        field_name(l->field, name, sizeof name);
        int right = strcmp(r->field, name) == 0 && r->repaired == l->true_value;
        if (strcmp(r->klass, "transcription") == 0) {
            transcribed++;
            ambiguous_right += r->alternatives > 1 && right;
            ambiguous += r->alternatives > 1;
        }
        if (r->alternatives == 1) {
            unique++;
            /* The unique repair is the true value of the misread field. */
            if (strcmp(r->field, name) != 0 || r->repaired != l->true_value ||
                r->reported != l->reported_value)
                fail_msg("%s: unique repair %s %ld -> %ld, planted %s %d -> %d", l->station_id,
                         r->field, r->reported, r->repaired, name, l->true_value,
                         l->reported_value);
            assert_string_equal(r->klass, "transcription");
            unique_right++;
        }
    }
    /* Enough of each kind planted for the test to mean something: about
     * STATIONS * PLANT_RATE = 240 each. */
    for (int k = 0; k < 4; k++)
        assert_true(planted[k] > 150);
    assert_true(unique > planted[SAKSI_PLANT_TRANSCRIPTION] / 2);
    assert_int_equal(unique_right, unique);
    /* Classed transcription by weight alone: the top repair should be the
     * truth in the large majority (the weight is a posterior-like score). */
    assert_true(ambiguous_right * 10 >= ambiguous * 8);
    fprintf(stderr,
            "planted: %zu sum_mismatch, %zu transcription (%zu with a unique repair, all right; "
            "%zu classed transcription, of which %zu by weight >= 0.9 with %zu right), "
            "%zu over_registration, %zu missing_zero; all ranked\n",
            planted[0], planted[1], unique, transcribed, ambiguous, ambiguous_right, planted[2],
            planted[3]);
    free(labels);
    saksi_table_free(t);
    free(rows);
    test_rmtree(dir);
}

/* A clean election: no station ranked at all, neither by an integrity
 * rule nor by the anomaly class (weighted BH over the station baselines,
 * q < 0.05, with the special TPS in their own stratum). */
static void test_clean_election_quiet(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("audit-clean");
    saksi_sim_config sc;
    saksi_sim_config_init(&sc);
    sc.stations = STATIONS;
    sc.seed = 78;
    ranked_row *rows;
    size_t n;
    audit(dir, &sc, &rows, &n);
    assert_int_equal(n, 0);
    free(rows);
    test_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_planted_anomalies_found),
        cmocka_unit_test(test_clean_election_quiet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
