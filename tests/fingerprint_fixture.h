/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fingerprint_fixture.h — helpers of the fingerprint and shape tests: small
 * hand-made tables (registered, voters_dpt, valid and two candidates, ids
 * that are 13-digit TPS codes so provinces come from their prefixes), a
 * simulated election with its strata, and extreme fraud planted in chosen
 * regencies.
 */
#ifndef SAKSI_FINGERPRINT_FIXTURE_H
#define SAKSI_FINGERPRINT_FIXTURE_H

#include "test_support.h"

#include "fingerprint.h"

/* One station of a hand-made table. */
typedef struct fx_station {
    const char *id;
    int32_t registered, voters_dpt, valid, c1, c2;
} fx_station;

/* A finalized table of the given stations; fields registered, voters_dpt,
 * valid, cand 01 and 02 (others absent). */
static inline saksi_table *fx_table(const fx_station *st, size_t n)
{
    int present[SAKSI_NFIXED] = {0};
    present[SAKSI_F_REGISTERED] = present[SAKSI_F_VOTERS_DPT] = present[SAKSI_F_VALID] = 1;
    const char *labels[] = {"01", "02"};
    saksi_error err = {0};
    saksi_table *t = saksi_table_alloc(present, 2, labels);
    assert_non_null(t);
    for (size_t k = 0; k < n; k++) {
        int32_t v[SAKSI_NFIXED + 2];
        for (int f = 0; f < SAKSI_NFIXED + 2; f++)
            v[f] = SAKSI_MISSING;
        v[SAKSI_F_REGISTERED] = st[k].registered;
        v[SAKSI_F_VOTERS_DPT] = st[k].voters_dpt;
        v[SAKSI_F_VALID] = st[k].valid;
        v[SAKSI_NFIXED] = st[k].c1;
        v[SAKSI_NFIXED + 1] = st[k].c2;
        if (saksi_table_append(t, st[k].id, strlen(st[k].id), NULL, v, 0, k + 2, NULL, &err) !=
            SAKSI_OK)
            fail_msg("append %s: %s", st[k].id, err.message);
    }
    if (saksi_table_finalize(t, &err) != SAKSI_OK) fail_msg("finalize: %s", err.message);
    return t;
}

/* A clean simulated election of n stations (seed), strata set by the
 * built-in rules. */
static inline saksi_table *fx_simulated(size_t n, uint64_t seed)
{
    saksi_sim_config c;
    saksi_sim_config_init(&c);
    c.stations = n;
    c.seed = seed;
    saksi_table *t = NULL;
    saksi_sim_label *labels = NULL;
    size_t nlabels = 0;
    saksi_rules *rules = NULL;
    saksi_error err = {0};
    if (saksi_simulate_table(&c, &t, &labels, &nlabels, NULL, &err) != SAKSI_OK)
        fail_msg("simulate: %s", err.message);
    free(labels);
    uint32_t *enabled = malloc(t->n * sizeof *enabled);
    assert_non_null(enabled);
    assert_int_equal(saksi_rules_load(NULL, &rules, &err), SAKSI_OK);
    assert_int_equal(saksi_rules_apply_scopes(rules, t, enabled, &err), SAKSI_OK);
    saksi_rules_free(rules);
    free(enabled);
    return t;
}

/* Extreme fraud in the given regencies: saksi_fp_plant_extreme. */
static inline size_t fx_plant_extreme(saksi_table *t, const uint32_t *regencies, size_t nreg,
                                      int leader)
{
    return saksi_fp_plant_extreme(t, regencies, nreg, leader);
}

#endif /* SAKSI_FINGERPRINT_FIXTURE_H */
