/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_sim_plant.c — planted anomalies of the simulator against their
 * ground-truth labels: every reported value present in stations.csv, every
 * change labelled (the true values are clean), each kind behaving as
 * documented, the realised rates, and the engine's built-in rules flagging
 * exactly the integrity kinds.
 * LABELS: unit
 */
#include "sim_checks.h"

/* ------------------------------------------------------------------ */
/* Planted anomalies                                                    */
/* ------------------------------------------------------------------ */

#define PLANT_STATIONS 60000
#define PLANT_RATE     0.02

/* Checks of one planted station: rows x (reported) and t (true: x with the
 * labels reverted), its labels l[0..m). */
static void check_planted(const csv_station *st, const csv_label *l, size_t m)
{
    int32_t t[SAKSI_NFIXED + SAKSI_SIM_MAX_CAND];
    const int32_t *x = st->x;
    int prov = prov_of(st->id), kind = l[0].kind;
    size_t primary = 0;
    memcpy(t, x, sizeof t);
    for (size_t j = 0; j < m; j++) {
        /* at most one kind per station; the reported value is in the CSV
         * and differs from the true one */
        assert_int_equal(l[j].kind, kind);
        assert_int_equal(x[l[j].field], l[j].reported);
        assert_true(l[j].truth != l[j].reported);
        t[l[j].field] = (int32_t)l[j].truth;
        primary += (size_t)l[j].primary;
    }
    assert_true(primary >= 1);
    /* the true station was clean: every change is labelled */
    const char *why = identity_failure(t, 3, prov);
    if (why)
        fail_msg("station %s (%s): true values fail %s", st->id, saksi_plant_kind_name(kind), why);
    const char *now = identity_failure(x, 3, prov);
    int64_t csum = (int64_t)x[SAKSI_NFIXED] + x[SAKSI_NFIXED + 1] + x[SAKSI_NFIXED + 2];
    switch (kind) {
    case SAKSI_PLANT_SUM_MISMATCH:
        assert_int_equal(m, 1);
        assert_true(l[0].field >= SAKSI_NFIXED);
        assert_true(labs(l[0].reported - l[0].truth) >= 2 &&
                    labs(l[0].reported - l[0].truth) <= SAKSI_SIM_SUM_MISMATCH_MAX);
        assert_false(edit_reach(l[0].reported, l[0].truth));
        assert_false(edit_reach(l[0].truth, l[0].reported));
        assert_true(csum != x[SAKSI_F_VALID]);
        break;
    case SAKSI_PLANT_TRANSCRIPTION:
        assert_int_equal(m, 1);
        assert_true(edit_reach(l[0].truth, l[0].reported));
        assert_non_null(now); /* every field sits in some equality */
        break;
    case SAKSI_PLANT_OVER_REGISTRATION:
        if (x[SAKSI_F_REGISTERED] > 300) {
            /* inflated list: only the 300 limit breaks */
            assert_true(prov != 99);
            assert_non_null(now);
            assert_string_equal(now, "registered > 300");
        } else {
            /* phantom DPT voters; every equality still holds */
            assert_true(x[SAKSI_F_VOTERS_DPT] > x[SAKSI_F_REGISTERED]);
            assert_non_null(now);
            assert_string_equal(now, "voters_dpt > registered");
        }
        break;
    case SAKSI_PLANT_MISSING_ZERO:
        assert_int_equal(x[SAKSI_F_REGISTERED], 0);
        assert_int_equal(x[SAKSI_F_REGISTERED_MALE], 0);
        assert_int_equal(x[SAKSI_F_REGISTERED_FEMALE], 0);
        assert_true(x[SAKSI_F_VALID] >= 1);
        break;
    case SAKSI_PLANT_BALLOT_STUFFING:
        /* extra ballots with every identity and bound kept */
        if (now) fail_msg("station %s stuffed: %s", st->id, now);
        assert_true(csum > (int64_t)t[SAKSI_NFIXED] + t[SAKSI_NFIXED + 1] + t[SAKSI_NFIXED + 2]);
        break;
    case SAKSI_PLANT_VOTE_TRANSFER:
        assert_null(now);
        assert_int_equal(m, 2);
        assert_int_equal(l[0].reported - l[0].truth, -(l[1].reported - l[1].truth));
        break;
    default: /* rounding */
        if (now) fail_msg("station %s rounded: %s", st->id, now);
        for (int k = 0; k < 3; k++)
            assert_int_equal(x[SAKSI_NFIXED + k] % 5, 0);
        break;
    }
}

static void test_planted(void **state)
{
    (void)state;
    saksi_sim_config c;
    saksi_sim_summary sum;
    saksi_sim_config_init(&c);
    c.stations = PLANT_STATIONS;
    for (int k = 0; k < SAKSI_NPLANT; k++)
        c.plant_rate[k] = PLANT_RATE;
    char *dir = simulate_to(&c, "plant", &sum);
    char sp[4300], lp[4300];
    snprintf(sp, sizeof sp, "%s/out/stations.csv", dir);
    snprintf(lp, sizeof lp, "%s/out/labels.csv", dir);
    size_t n = 0, nl = 0;
    csv_station *rows = read_stations(sp, 3, &n);
    csv_label *l = read_labels(lp, &nl);
    unsigned char *labelled = calloc(n, 1);
    size_t per_kind[SAKSI_NPLANT] = {0};
    assert_int_equal(n, PLANT_STATIONS);
    assert_int_equal(nl, sum.nlabels);
    /* labels come grouped by station */
    for (size_t j = 0; j < nl;) {
        size_t e = j + 1;
        while (e < nl && strcmp(l[e].id, l[j].id) == 0)
            e++;
        size_t i = find_station(rows, n, l[j].id);
        assert_false(labelled[i]);
        labelled[i] = 1;
        check_planted(&rows[i], l + j, e - j);
        per_kind[l[j].kind]++;
        j = e;
    }
    /* unlabelled stations are clean */
    for (size_t i = 0; i < n; i++) {
        const char *why = labelled[i] ? NULL : identity_failure(rows[i].x, 3, prov_of(rows[i].id));
        if (why) fail_msg("unlabelled station %s fails %s", rows[i].id, why);
    }
    /* Each kind is drawn with probability 0.02: 1200 expected of 60,000,
     * binomial sd sqrt(60000 * 0.02 * 0.98) = 34.3; allow 5 sd. Kinds that
     * need headroom may skip some stations: then planted + skipped. */
    for (int k = 0; k < SAKSI_NPLANT; k++) {
        printf("%-18s planted %5zu skipped %4zu\n", saksi_plant_kind_name(k), sum.planted[k],
               sum.skipped[k]);
        assert_int_equal(per_kind[k], sum.planted[k]);
        assert_true(sum.planted[k] > 0);
        assert_true(fabs((double)(sum.planted[k] + sum.skipped[k]) - 1200.0) < 5.0 * 34.3);
    }
    /* these never lack room (vote_transfer does at a noken bloc station
     * whose only candidate with votes was drawn as the beneficiary) */
    assert_int_equal(sum.skipped[SAKSI_PLANT_SUM_MISMATCH], 0);
    assert_int_equal(sum.skipped[SAKSI_PLANT_TRANSCRIPTION], 0);
    assert_int_equal(sum.skipped[SAKSI_PLANT_MISSING_ZERO], 0);
    free(labelled);
    free(rows);
    free(l);
    test_rmtree(dir);
}

static void test_kind_names(void **state)
{
    (void)state;
    for (int k = 0; k < SAKSI_NPLANT; k++)
        assert_int_equal(saksi_plant_kind_lookup(saksi_plant_kind_name(k)), k);
    assert_string_equal(saksi_plant_kind_name(SAKSI_PLANT_SUM_MISMATCH), "sum_mismatch");
    assert_string_equal(saksi_plant_kind_name(SAKSI_NPLANT), "?");
    assert_int_equal(saksi_plant_kind_lookup("no_such_kind"), -1);
}

/* The engine's own evaluator of the built-in rules (datasets/rules/
 * indonesia.rules, analysis/integrity.c) agrees: clean stations pass every
 * rule, each integrity kind fails at least one, and the kinds that keep
 * every sum (stuffing, transfer, rounding) pass them all. */
static void test_engine_rules(void **state)
{
    (void)state;
    saksi_sim_config c;
    saksi_table *t = NULL;
    saksi_sim_label *lab = NULL;
    size_t nlab = 0;
    saksi_rules *rules = NULL;
    int32_t *prog = NULL;
    size_t plen = 0;
    saksi_error err = {0};
    saksi_sim_config_init(&c);
    c.stations = PLANT_STATIONS;
    for (int k = 0; k < SAKSI_NPLANT; k++)
        c.plant_rate[k] = PLANT_RATE;
    assert_int_equal(saksi_simulate_table(&c, &t, &lab, &nlab, NULL, &err), SAKSI_OK);
    assert_int_equal(saksi_rules_load(NULL, &rules, &err), SAKSI_OK);
    assert_int_equal(saksi_rules_compile(rules, t, &prog, &plen, &err), SAKSI_OK);
    uint32_t *en = calloc(t->n, 4), *ev = calloc(t->n, 4), *fl = calloc(t->n, 4),
             *ng = calloc(t->n, 4);
    int *kind = malloc(t->n * sizeof *kind);
    assert_int_equal(saksi_rules_apply_scopes(rules, t, en, &err), SAKSI_OK);
    saksi_integrity_cpu(prog, t, en, 0, t->n, ev, fl, ng);
    for (size_t i = 0; i < t->n; i++)
        kind[i] = -1;
    for (size_t j = 0, i = 0; j < nlab; j++) { /* labels and rows both in id order */
        while (strcmp(saksi_table_id(t, i), lab[j].station_id) != 0)
            i++;
        kind[i] = lab[j].kind;
    }
    size_t flagged[SAKSI_NPLANT] = {0}, planted[SAKSI_NPLANT] = {0}, clean_flagged = 0;
    for (size_t i = 0; i < t->n; i++) {
        int bad = fl[i] != 0 || ng[i] != 0;
        if (kind[i] < 0) {
            clean_flagged += (size_t)bad;
            continue;
        }
        planted[kind[i]]++;
        flagged[kind[i]] += (size_t)bad;
    }
    assert_int_equal(clean_flagged, 0);
    for (int k = 0; k < SAKSI_NPLANT; k++) {
        printf("%-18s %5zu stations, %5zu fail a built-in rule\n", saksi_plant_kind_name(k),
               planted[k], flagged[k]);
        int keeps_sums = k == SAKSI_PLANT_BALLOT_STUFFING || k == SAKSI_PLANT_VOTE_TRANSFER ||
                         k == SAKSI_PLANT_ROUNDING;
        assert_int_equal(flagged[k], keeps_sums ? 0 : planted[k]);
    }
    free(en);
    free(ev);
    free(fl);
    free(ng);
    free(kind);
    free(prog);
    free(lab);
    saksi_rules_free(rules);
    saksi_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_planted),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_engine_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
