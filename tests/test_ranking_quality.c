/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_ranking_quality.c — how well the one ranked list finds planted
 * anomalies (issue 5, "Done means"): on a generated election with every
 * documented kind planted, per kind the recall at K (K = the stations
 * planted with that kind; the ranking restricted to them and the clean
 * stations, other kinds set aside) and the AUC of the ranking against the
 * labels (unranked stations tie at the bottom, ties count one half).
 * Measured twice: through the engine as it stands (its families), and with
 * stand-in station tests from the peer beta-binomial (tests/report_world.h)
 * feeding the anomaly evidence, as the station families will. Integrity
 * kinds must all be in their classes and found; the statistical kinds must
 * rank better than chance wherever station tests exist.
 * SAKSI_CLEAN_RUNS=N additionally audits N clean 823,236-station elections
 * with the stand-in tests and counts the runs whose anomaly class is empty.
 * LABELS: unit
 */
#include "report_world.h"

#define STATIONS   100000
#define PLANT_RATE 0.002

typedef struct metrics {
    size_t planted, in_class[SAKSI_NCLASSES];
    double recall, auc;
} metrics;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* score[i]: nranked + 1 - rank for ranked stations, 0 for the others. */
static void measure(const saksi_table *t, const saksi_results *res, const int *kind_of,
                    metrics m[SAKSI_NPLANT])
{
    uint64_t *score = calloc(t->n, sizeof *score), *neg = malloc(t->n * sizeof *neg);
    size_t nneg = 0;
    for (size_t k = 0; k < res->nranked; k++)
        score[res->ranked[k].station] = res->nranked - k;
    for (size_t i = 0; i < t->n; i++)
        if (kind_of[i] < 0) neg[nneg++] = score[i];
    qsort(neg, nneg, sizeof *neg, cmp_u64);
    memset(m, 0, SAKSI_NPLANT * sizeof *m);
    for (int kind = 0; kind < SAKSI_NPLANT; kind++) {
        double wins = 0;
        uint64_t *pos = malloc(t->n * sizeof *pos);
        size_t np = 0;
        for (size_t i = 0; i < t->n; i++) {
            if (kind_of[i] != kind) continue;
            pos[np++] = score[i];
            m[kind].in_class[res->klass[i]]++;
            /* negatives below and tied (binary searches in the sorted scores) */
            size_t lo = 0, hi = nneg;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (neg[mid] < score[i])
                    lo = mid + 1;
                else
                    hi = mid;
            }
            size_t below = lo;
            hi = nneg;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (neg[mid] <= score[i])
                    lo = mid + 1;
                else
                    hi = mid;
            }
            wins += (double)below + 0.5 * (double)(lo - below);
        }
        m[kind].planted = np;
        m[kind].auc = np && nneg ? wins / ((double)np * (double)nneg) : NAN;
        /* recall at K = np among the ranked positives and negatives */
        size_t found = 0, seen = 0, pi = 0, ni = nneg;
        qsort(pos, np, sizeof *pos, cmp_u64);
        pi = np;
        while (seen < np && (pi > 0 || ni > 0)) {
            uint64_t ps = pi ? pos[pi - 1] : 0, ns = ni ? neg[ni - 1] : 0;
            if (ps == 0 && ns == 0) break; /* only unranked stations are left */
            if (ps >= ns) {
                found++;
                pi--;
            } else {
                ni--;
            }
            seen++;
        }
        m[kind].recall = np ? (double)found / (double)np : NAN;
        free(pos);
    }
    free(score);
    free(neg);
}

static void print_metrics(const char *what, const metrics m[SAKSI_NPLANT])
{
    fprintf(stderr,
            "\n%s\n| kind | planted | recall@K | AUC | integrity | anomaly | "
            "transcription | incomplete | none |\n|---|---:|---:|---:|---:|---:|---:|"
            "---:|---:|\n",
            what);
    for (int k = 0; k < SAKSI_NPLANT; k++)
        fprintf(stderr, "| %s | %zu | %.3f | %.3f | %zu | %zu | %zu | %zu | %zu |\n",
                saksi_plant_kind_name(k), m[k].planted, m[k].recall, m[k].auc,
                m[k].in_class[SAKSI_CLASS_INTEGRITY], m[k].in_class[SAKSI_CLASS_ANOMALY],
                m[k].in_class[SAKSI_CLASS_TRANSCRIPTION], m[k].in_class[SAKSI_CLASS_INCOMPLETE],
                m[k].in_class[SAKSI_CLASS_NONE]);
}

/* The kind planted at each station of t (-1: clean), from the labels. */
static int *kinds(const saksi_table *t, const saksi_sim_label *labels, size_t nlabels)
{
    int *k = malloc(t->n * sizeof *k);
    for (size_t i = 0; i < t->n; i++)
        k[i] = -1;
    size_t i = 0;
    for (size_t l = 0; l < nlabels; l++) {
        /* labels are in station order, as the table */
        while (i < t->n && strcmp(saksi_table_id(t, i), labels[l].station_id) < 0)
            i++;
        assert_true(i < t->n);
        assert_string_equal(saksi_table_id(t, i), labels[l].station_id);
        k[i] = labels[l].kind;
    }
    return k;
}

/* The generator's special TPS (prisons, hospitals: turnout 0.35) carry no
 * mark in the data, so against regular peers every one of them is a true
 * turnout anomaly; they are left out here (special_rate 0) and measured on
 * their own in the notes. */
static void sim_config(saksi_sim_config *sc, size_t stations, double rate, uint64_t seed)
{
    saksi_sim_config_init(sc);
    sc->stations = stations;
    sc->seed = seed;
    sc->model.special_rate = getenv("SAKSI_WITH_SPECIAL") ? sc->model.special_rate : 0.0;
    for (int k = 0; k < SAKSI_NPLANT; k++)
        sc->plant_rate[k] = rate;
}

/* The rule kinds land in their classes and are all found. */
static void assert_rule_kinds(const metrics m[SAKSI_NPLANT])
{
    assert_true(m[SAKSI_PLANT_SUM_MISMATCH].planted > 100);
    /* a sum mismatch is integrity, or transcription where one digit of
     * another field explains it (measured: 13 of 207) */
    assert_int_equal(m[SAKSI_PLANT_SUM_MISMATCH].in_class[SAKSI_CLASS_INTEGRITY] +
                         m[SAKSI_PLANT_SUM_MISMATCH].in_class[SAKSI_CLASS_TRANSCRIPTION],
                     m[SAKSI_PLANT_SUM_MISMATCH].planted);
    assert_true(m[SAKSI_PLANT_SUM_MISMATCH].in_class[SAKSI_CLASS_INTEGRITY] >=
                0.9 * m[SAKSI_PLANT_SUM_MISMATCH].planted);
    assert_int_equal(m[SAKSI_PLANT_OVER_REGISTRATION].in_class[SAKSI_CLASS_INTEGRITY],
                     m[SAKSI_PLANT_OVER_REGISTRATION].planted);
    assert_int_equal(m[SAKSI_PLANT_MISSING_ZERO].in_class[SAKSI_CLASS_INCOMPLETE],
                     m[SAKSI_PLANT_MISSING_ZERO].planted);
    /* a misread digit: transcription when the repair is unique or clearly
     * best, else integrity; never unranked */
    const metrics *tr = &m[SAKSI_PLANT_TRANSCRIPTION];
    assert_int_equal(tr->in_class[SAKSI_CLASS_NONE], 0);
    assert_true(tr->in_class[SAKSI_CLASS_TRANSCRIPTION] >= 0.9 * tr->planted);
    for (int k = SAKSI_PLANT_SUM_MISMATCH; k <= SAKSI_PLANT_MISSING_ZERO; k++)
        assert_true(m[k].auc > 0.999);
}

/* AUC of the combined evidence itself (the Cauchy combination of every
 * station's calibrated p, recomputed here for all stations, not only the
 * ranked ones): how well the evidence separates each kind from clean. */
static void score_auc(const saksi_table *t, const saksi_station_tests *st, const int *kind_of,
                      double auc[SAKSI_NPLANT])
{
    double *pc = malloc(t->n * sizeof *pc), buf[SAKSI_SIM_MAX_CAND + 1];
    for (size_t i = 0; i < t->n; i++) {
        size_t m = 0;
        for (size_t k = 0; k < st->ntests; k++)
            if (!isnan(st->test[k].p[i])) buf[m++] = fmin(st->test[k].p[i], SAKSI_ANOMALY_P_CEIL);
        pc[i] = m ? saksi_cauchy_combine(buf, NULL, m) : 1.0;
    }
    fprintf(stderr, "AUC of the combined p over all stations:");
    for (int kind = 0; kind < SAKSI_NPLANT; kind++) {
        double wins = 0, np = 0, nn = 0;
        /* O(n log n) would do; n^2 / 2 over 100k is too slow, so rank */
        double *all = malloc(t->n * sizeof *all);
        size_t na = 0;
        for (size_t i = 0; i < t->n; i++)
            if (kind_of[i] < 0) all[na++] = pc[i];
        qsort(all, na, sizeof *all, cmp_double);
        for (size_t i = 0; i < t->n; i++) {
            if (kind_of[i] != kind) continue;
            np++;
            /* negatives with a larger p (weaker evidence) than this positive */
            size_t lo = 0, hi = na;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (all[mid] <= pc[i])
                    lo = mid + 1;
                else
                    hi = mid;
            }
            wins += (double)(na - lo);
        }
        nn = (double)na;
        auc[kind] = wins / (np * nn);
        fprintf(stderr, " %s %.3f", saksi_plant_kind_name(kind), auc[kind]);
        free(all);
    }
    fprintf(stderr, "\n");
    free(pc);
}

static void test_engine_ranking(void **state)
{
    (void)state;
    saksi_sim_config sc;
    saksi_table *t = NULL;
    saksi_sim_label *labels = NULL;
    size_t nlabels = 0;
    saksi_error err = {0};
    saksi_config cfg;
    metrics m[SAKSI_NPLANT];
    sim_config(&sc, STATIONS, PLANT_RATE, 505);
    assert_int_equal(saksi_simulate_table(&sc, &t, &labels, &nlabels, NULL, &err), SAKSI_OK);
    int *kind_of = kinds(t, labels, nlabels);
    saksi_config_init(&cfg);
    cfg.backend = SAKSI_BACKEND_CPU;
    saksi_engine *e = saksi_engine_alloc(&cfg);
    assert_int_equal(saksi_engine_adopt_table(e, t, "quality", &err), SAKSI_OK);
    assert_int_equal(saksi_engine_run(e, &err), SAKSI_OK);
    const saksi_results *res = saksi_engine_results(e);
    measure(saksi_engine_table(e), res, kind_of, m);
    print_metrics("engine (the families on this branch's main)", m);
    assert_rule_kinds(m);
    /* no anomaly above them: every rule kind in the top K */
    for (int k = SAKSI_PLANT_SUM_MISMATCH; k <= SAKSI_PLANT_MISSING_ZERO; k++)
        if (!res->station_tests) assert_close(m[k].recall, 1.0, 0);
    /* wherever station tests exist, their evidence separates the kinds that
     * move rates from clean stations (the ranked list itself holds only the
     * q < 0.05 few: its AUC is mostly the tie of the unranked) */
    if (res->station_tests && res->station_tests->ntests > 0) {
        double auc[SAKSI_NPLANT];
        score_auc(saksi_engine_table(e), res->station_tests, kind_of, auc);
        assert_true(auc[SAKSI_PLANT_BALLOT_STUFFING] > 0.65);
        assert_true(auc[SAKSI_PLANT_VOTE_TRANSFER] > 0.55);
        assert_true(m[SAKSI_PLANT_BALLOT_STUFFING].in_class[SAKSI_CLASS_ANOMALY] > 0);
    }
    saksi_engine_free(e);
    free(kind_of);
    free(labels);
}

static void test_standin_ranking(void **state)
{
    (void)state;
    saksi_sim_config sc;
    saksi_sim_label *labels = NULL;
    size_t nlabels = 0;
    saksi_error err = {0};
    metrics m[SAKSI_NPLANT];
    world w = {0};
    sim_config(&sc, STATIONS, PLANT_RATE, 505);
    assert_int_equal(saksi_simulate_table(&sc, &w.t, &labels, &nlabels, NULL, &err), SAKSI_OK);
    int *kind_of = kinds(w.t, labels, nlabels);
    world_audit(&w, 0);
    measure(w.t, &w.res, kind_of, m);
    print_metrics("stand-in station tests (peer beta-binomial turnout and shares)", m);
    assert_rule_kinds(m);
    assert_true(m[SAKSI_PLANT_BALLOT_STUFFING].in_class[SAKSI_CLASS_ANOMALY] > 0);
    assert_true(m[SAKSI_PLANT_VOTE_TRANSFER].in_class[SAKSI_CLASS_ANOMALY] > 0);
    /* clean stations in the anomaly class: few (q < 0.05 bounds their
     * share among the flagged) */
    size_t clean_flagged = 0, flagged = 0;
    for (size_t i = 0; i < w.t->n; i++) {
        flagged += w.res.klass[i] == SAKSI_CLASS_ANOMALY;
        clean_flagged += w.res.klass[i] == SAKSI_CLASS_ANOMALY && kind_of[i] < 0;
    }
    size_t by_stratum[SAKSI_NSTRATA] = {0};
    for (size_t i = 0; i < w.t->n; i++)
        if (w.res.klass[i] == SAKSI_CLASS_ANOMALY && kind_of[i] < 0) by_stratum[w.t->stratum[i]]++;
    fprintf(stderr,
            "anomaly class: %zu stations, %zu of them clean (%.3f); clean by stratum "
            "%zu %zu %zu %zu\n",
            flagged, clean_flagged, flagged ? (double)clean_flagged / flagged : 0.0, by_stratum[0],
            by_stratum[1], by_stratum[2], by_stratum[3]);
    double auc[SAKSI_NPLANT];
    score_auc(w.t, w.res.station_tests, kind_of, auc);
    /* the evidence separates the kinds that move rates (measured 0.76 and
     * 0.65; most planted k and m are a few votes: no station test sees
     * them); rounding moves a count by at most 2: for the digit tests */
    assert_true(auc[SAKSI_PLANT_BALLOT_STUFFING] > 0.7);
    assert_true(auc[SAKSI_PLANT_VOTE_TRANSFER] > 0.6);
    assert_true(auc[SAKSI_PLANT_ROUNDING] < 0.55);
    for (size_t k = 0; k < w.res.station_tests->ntests; k++) {
        const saksi_station_test *c = &w.res.station_tests->test[k];
        size_t n = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
        for (size_t i = 0; i < w.t->n; i++) {
            if (kind_of[i] >= 0 || w.t->stratum[i] != SAKSI_STRATUM_REGULAR || isnan(c->p[i]))
                continue;
            n++;
            b3 += c->p[i] < 1e-3;
            b4 += c->p[i] < 1e-4;
            b5 += c->p[i] < 1e-5;
            b6 += c->p[i] < 1e-6;
        }
        fprintf(stderr,
                "stand-in %s %d: clean regular %zu, p<1e-3 %zu (exp %.0f), <1e-4 %zu, "
                "<1e-5 %zu, <1e-6 %zu\n",
                c->test, c->candidate, n, b3, n * 1e-3, b4, b5, b6);
    }
    /* BH at 0.05 would keep clean stations near 5% of the class if the
     * p-values were calibrated in their far tails; the stand-in's
     * moment-fitted beta-binomial has lighter tails than the generator's
     * logit-normal mixture (measured: 15 of 47 clean). The bound here is
     * the stand-in's; FDR 0.05 is the station families' to reach. */
    assert_true(clean_flagged <= 0.5 * flagged);
    world_free(&w);
    free(kind_of);
    free(labels);
}

/* SAKSI_CLEAN_RUNS=N: N clean national elections (seeds 1..N) audited by
 * the engine, or by the stand-in station tests when the engine has no
 * station family; how many have an empty anomaly class (DESIGN §5: BH at
 * 0.05 flags anything in no more than 5% of runs). SAKSI_WITH_SPECIAL keeps
 * the generator's unmarked special TPS. */
static void test_clean_runs(void **state)
{
    (void)state;
    const char *env = getenv("SAKSI_CLEAN_RUNS");
    const char *first_env = getenv("SAKSI_CLEAN_FIRST"); /* first seed; default 1 */
    int runs = env ? atoi(env) : 0, first = first_env ? atoi(first_env) : 1;
    if (runs <= 0) skip();
    int empty = 0, done = 0;
    for (int r = first; done < runs; r++) {
        saksi_sim_config sc;
        saksi_error err = {0};
        saksi_config cfg;
        world w = {0};
        saksi_table *t = NULL;
        sim_config(&sc, SAKSI_SIM_DEFAULT_STATIONS, 0.0, (uint64_t)r);
        saksi_status st = saksi_simulate_table(&sc, &t, NULL, NULL, NULL, &err);
        if (st == SAKSI_ERR_LIMIT) { /* the simulator's own limit (seed 5: a village of
                                      * 1,177 stations overflows its 3-digit code) */
            fprintf(stderr, "seed %d not simulated: %s\n", r, err.message);
            continue;
        }
        assert_int_equal(st, SAKSI_OK);
        done++;
        saksi_config_init(&cfg);
        cfg.backend = SAKSI_BACKEND_CPU;
        saksi_engine *e = saksi_engine_alloc(&cfg);
        assert_int_equal(saksi_engine_adopt_table(e, t, "clean", &err), SAKSI_OK);
        if (saksi_engine_run(e, &err) != SAKSI_OK)
            fail_msg("seed %d: %s", r, err.message);
        const saksi_results *res = saksi_engine_results(e);
        const char *how = "engine";
        if (!res->station_tests) { /* no station family: the stand-in */
            how = "stand-in";
            saksi_engine_free(e);
            e = NULL;
            assert_int_equal(saksi_simulate_table(&sc, &w.t, NULL, NULL, NULL, &err), SAKSI_OK);
            world_audit(&w, 0);
            res = &w.res;
            t = w.t;
        } else {
            t = (saksi_table *)saksi_engine_table(e);
        }
        size_t flagged = 0;
        double qmin = NAN;
        for (size_t i = 0; i < t->n; i++)
            flagged += res->klass[i] == SAKSI_CLASS_ANOMALY;
        for (size_t k = 0; k < res->anomaly->nrows; k++)
            if (isnan(qmin) || res->anomaly->row[k].q < qmin) qmin = res->anomaly->row[k].q;
        empty += flagged == 0;
        for (size_t k = 0; k < res->nranked; k++) { /* what flagged a clean station */
            char why[1024];
            if (res->ranked[k].klass != SAKSI_CLASS_ANOMALY) continue;
            saksi_rank_reason(t, res, &res->ranked[k], "en", why, sizeof why);
            fprintf(stderr, "  %s (%s): %s\n", saksi_table_id(t, res->ranked[k].station),
                    saksi_stratum_name(t->stratum[res->ranked[k].station]), why);
        }
        fprintf(stderr,
                "clean run %d (seed %d, %s): %zu stations, %zu tested, anomaly class %zu, "
                "smallest q %g\n",
                r, r, how, t->n, res->anomaly->m, flagged, qmin);
        saksi_engine_free(e);
        world_free(&w);
    }
    fprintf(stderr, "clean runs with an empty anomaly class: %d of %d\n", empty, runs);
    assert_true(empty >= 0.95 * runs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_ranking),
        cmocka_unit_test(test_standin_ranking),
        cmocka_unit_test(test_clean_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
