/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tally.c — a simulated station's tally sheet from its drawn counts: the
 * candidates' split of the valid votes (noken bloc or multinomial) and the
 * fixed fields of the canonical table, consistent with every identity of
 * the C.Hasil form. Shared by the election simulator (simulate.c) and the
 * calibration run's simulator fitted to an input (analysis/calibrate.c).
 */
#include "generator.h"

#include <string.h>

void saksi_sim_votes(saksi_sim_stream *s, int32_t valid, const double *pi, size_t k,
                     double bloc_rate, int32_t *cand)
{
    if (k == 0) return;
    memset(cand, 0, k * sizeof *cand);
    if (bloc_rate > 0.0 && saksi_sim_uniform(s) < bloc_rate) {
        /* noken bloc: the community's agreement gives one candidate every vote */
        double u = saksi_sim_uniform(s), acc = 0.0;
        size_t win = k - 1;
        for (size_t c = 0; c + 1 < k; c++) {
            acc += pi[c];
            if (u < acc) {
                win = c;
                break;
            }
        }
        cand[win] = valid;
        return;
    }
    saksi_sim_multinomial(s, valid, pi, k, cand);
}

void saksi_sim_tally_fields(const saksi_sim_tally *c, int32_t *x)
{
    int32_t added = c->added_male + c->added_female, voters = c->dpt_male + c->dpt_female + added;
    x[SAKSI_F_REGISTERED] = c->registered_male + c->registered_female;
    x[SAKSI_F_REGISTERED_MALE] = c->registered_male;
    x[SAKSI_F_REGISTERED_FEMALE] = c->registered_female;
    x[SAKSI_F_VALID] = voters - c->invalid;
    x[SAKSI_F_INVALID] = c->invalid;
    x[SAKSI_F_TOTAL] = voters;
    x[SAKSI_F_VOTERS_DPT] = c->dpt_male + c->dpt_female;
    x[SAKSI_F_VOTERS_DPT_MALE] = c->dpt_male;
    x[SAKSI_F_VOTERS_DPT_FEMALE] = c->dpt_female;
    x[SAKSI_F_VOTERS_DPTB] = c->dptb_male + c->dptb_female;
    x[SAKSI_F_VOTERS_DPTB_MALE] = c->dptb_male;
    x[SAKSI_F_VOTERS_DPTB_FEMALE] = c->dptb_female;
    x[SAKSI_F_VOTERS_DPK] = added - c->dptb_male - c->dptb_female;
    x[SAKSI_F_VOTERS_DPK_MALE] = c->added_male - c->dptb_male;
    x[SAKSI_F_VOTERS_DPK_FEMALE] = c->added_female - c->dptb_female;
    x[SAKSI_F_VOTERS_TOTAL] = voters;
    x[SAKSI_F_VOTERS_TOTAL_MALE] = c->dpt_male + c->added_male;
    x[SAKSI_F_VOTERS_TOTAL_FEMALE] = c->dpt_female + c->added_female;
    x[SAKSI_F_BALLOTS_RECEIVED] = c->received;
    x[SAKSI_F_BALLOTS_USED] = voters;
    x[SAKSI_F_BALLOTS_SPOILED] = c->spoiled;
    x[SAKSI_F_BALLOTS_UNUSED] = c->received - voters - c->spoiled;
}
