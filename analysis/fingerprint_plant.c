/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fingerprint_plant.c — Klimek et al.'s "extreme fraud" planted into a
 * table, for power studies (tests/test_fingerprint*.c and
 * bench/fingerprint_calibrate.c): in the regular stations of chosen
 * regencies nearly every DPT non-voter becomes a voter for the leader and
 * nearly every opponent's vote moves to the leader, so turnout and the
 * leader's share sit at 100% minus a vote or two.
 */
#include "fingerprint.h"

/* Column of field f, or NULL. */
static int32_t *col(saksi_table *t, int f)
{
    int s = f < SAKSI_NFIXED ? t->slot_of_field[f] : t->first_cand_slot + (f - SAKSI_NFIXED);
    return s < 0 ? NULL : t->cols + (size_t)s * t->stride;
}

size_t saksi_fp_plant_extreme(saksi_table *t, const uint32_t *regencies, size_t nreg, int leader)
{
    size_t changed = 0;
    int32_t *reg = col(t, SAKSI_F_REGISTERED), *dpt = col(t, SAKSI_F_VOTERS_DPT);
    int32_t *valid = col(t, SAKSI_F_VALID),
            *lead = leader >= 0 ? col(t, SAKSI_NFIXED + leader) : NULL;
    /* Fields that grow with the added voters where the input has them. */
    int32_t *more[3] = {col(t, SAKSI_F_VOTERS_TOTAL), col(t, SAKSI_F_TOTAL),
                        col(t, SAKSI_F_BALLOTS_USED)};
    int32_t *unused = col(t, SAKSI_F_BALLOTS_UNUSED);
    if (!reg || !dpt || !valid || !lead) return 0;
    for (size_t i = 0; i < t->n; i++) {
        int hit = 0;
        for (size_t k = 0; k < nreg; k++)
            hit |= regencies[k] == t->region_of[SAKSI_LEVEL_REGENCY][i];
        if (!hit || t->stratum[i] != SAKSI_STRATUM_REGULAR || reg[i] == SAKSI_MISSING ||
            dpt[i] == SAKSI_MISSING || valid[i] == SAKSI_MISSING || lead[i] == SAKSI_MISSING)
            continue;
        /* A shortfall of 0..2 votes from 100%, fixed by the station id. */
        int32_t d = (int32_t)(t->id_hash[i] % 3);
        int32_t added = reg[i] - d - dpt[i];
        if (added <= 0) continue;
        dpt[i] += added;
        valid[i] += added;
        for (int k = 0; k < 3; k++)
            if (more[k] && more[k][i] != SAKSI_MISSING) more[k][i] += added;
        if (unused && unused[i] != SAKSI_MISSING)
            unused[i] -= added; /* may go negative: the fingerprint does not read it */
        int32_t moved = 0;
        for (size_t k = 0; k < t->ncand; k++) {
            int32_t *c = col(t, SAKSI_NFIXED + (int)k);
            if ((int)k == leader || c[i] == SAKSI_MISSING) continue;
            int32_t keep = c[i] > d ? d : c[i];
            moved += c[i] - keep;
            c[i] = keep;
        }
        lead[i] += added + moved;
        changed++;
    }
    return changed;
}
