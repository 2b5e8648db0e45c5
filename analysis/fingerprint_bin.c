/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fingerprint_bin.c — the observed side of the fingerprint family: which
 * counts make turnout and the winner's share, the plain-C twin of the
 * fingerprint_bin kernel (a bin per station by 64-bit integer division,
 * per-province and per-stratum histograms), and the stations a fit uses.
 */
#include "fingerprint.h"

#include <stdlib.h>
#include <string.h>

const char *saksi_fp_reason_name(int code)
{
    static const char *const names[SAKSI_FP_NREASONS] = {
        "missing",           /* SAKSI_FP_MISSING       */
        "negative",          /* SAKSI_FP_NEGATIVE      */
        "no_registered",     /* SAKSI_FP_NO_REGISTERED */
        "turnout_above_100", /* SAKSI_FP_TURNOUT_ABOVE */
        "no_valid_votes",    /* SAKSI_FP_NO_VALID      */
        "share_above_100",   /* SAKSI_FP_SHARE_ABOVE  */
    };
    return code <= -1 && code >= -SAKSI_FP_NREASONS ? names[-code - 1] : "?";
}

int saksi_fp_turnout_field(const saksi_table *t)
{
    /* DESIGN §4: pengguna DPT / DPT, total / registered only where the
     * lists are absent. A table either has the DPT-voter column or not;
     * within it, a missing cell is missing (that station is excluded), it
     * never falls back station by station, so every station of one run
     * measures the same rate. */
    static const int order[] = {SAKSI_F_VOTERS_DPT, SAKSI_F_TOTAL, SAKSI_F_VOTERS_TOTAL};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
        if (t->slot_of_field[order[k]] >= 0) return order[k];
    return -1;
}

int saksi_fp_leader(const saksi_table *t)
{
    int best = -1;
    int64_t top = -1;
    for (size_t k = 0; k < t->ncand; k++) {
        const int32_t *col = t->cols + (size_t)(t->first_cand_slot + (int)k) * t->stride;
        int64_t sum = 0;
        for (size_t i = 0; i < t->n; i++)
            if (col[i] != SAKSI_MISSING && col[i] > 0) sum += col[i];
        if (sum > top) {
            top = sum;
            best = (int)k;
        }
    }
    return best;
}

static const int32_t *column(const saksi_table *t, int field)
{
    if (field < 0) return NULL;
    int s = field < SAKSI_NFIXED ? t->slot_of_field[field]
                                 : t->first_cand_slot + (field - SAKSI_NFIXED);
    return s < 0 ? NULL : t->cols + (size_t)s * t->stride;
}

void saksi_fp_columns(const saksi_table *t, int turnout_field, int leader, const int32_t *cols[4])
{
    cols[0] = column(t, SAKSI_F_REGISTERED);
    cols[1] = column(t, turnout_field);
    cols[2] = leader >= 0 ? column(t, SAKSI_NFIXED + leader) : NULL;
    cols[3] = column(t, SAKSI_F_VALID);
}

static int32_t cell(const int32_t *col, size_t i)
{
    return col ? col[i] : SAKSI_MISSING;
}

void saksi_fp_bin_cpu(const saksi_table *t, const int32_t *const cols[4], int nb_turnout,
                      int nb_share, size_t begin, size_t end, int32_t *code, uint32_t *hist,
                      uint32_t *reasons)
{
    const size_t nbins = (size_t)nb_turnout * (size_t)nb_share;
    for (size_t i = begin; i < end; i++) {
        int32_t c = saksi_fp_station_code(cell(cols[0], i), cell(cols[1], i), cell(cols[2], i),
                                          cell(cols[3], i), nb_turnout, nb_share);
        size_t h = (size_t)saksi_fp_hist_of(t, i);
        code[i - begin] = c;
        if (c >= 0)
            hist[h * nbins + (size_t)c]++;
        else
            reasons[h * SAKSI_FP_NREASONS + (size_t)(-c - 1)]++;
    }
}

/* A fit uses regular stations with a bin (special, overseas and noken
 * stations behave differently by law: DESIGN §4 makes them strata). */
static int used(const saksi_table *t, const int32_t *code, const uint8_t *prov_mask, size_t i)
{
    return code[i] >= 0 && t->stratum[i] == SAKSI_STRATUM_REGULAR &&
           (!prov_mask || prov_mask[t->region_of[SAKSI_LEVEL_PROVINCE][i]]);
}

saksi_status saksi_fp_fitset_from_table(const saksi_table *t, const int32_t *code,
                                        const int32_t *const cols[4], int by_province,
                                        const uint8_t *prov_mask, saksi_fp_fitset *fs,
                                        saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t n = 0, nfits = by_province ? t->regions[SAKSI_LEVEL_PROVINCE].n : 1;
    for (size_t i = 0; i < t->n; i++)
        n += used(t, code, prov_mask, i);
    SAKSI_TRY(saksi_fp_fitset_alloc(fs, n, nfits, err));
    /* Table rows are in canonical order, so the stations of a province are
     * contiguous and provinces come in index order: fit g's stations start
     * where those of the fits before it end (empty fits included). */
    for (size_t i = 0; i < t->n; i++)
        if (used(t, code, prov_mask, i))
            fs->count[by_province ? t->region_of[SAKSI_LEVEL_PROVINCE][i] : 0]++;
    for (size_t g = 1; g < nfits; g++)
        fs->first[g] = fs->first[g - 1] + fs->count[g - 1];
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (!used(t, code, prov_mask, i)) continue;
        fs->fit[k] = by_province ? t->region_of[SAKSI_LEVEL_PROVINCE][i] : 0;
        fs->registered[k] = cols[0][i];
        fs->hash[k] = t->id_hash[i];
        fs->bin[k] = (uint32_t)code[i];
        fs->turnout[k] = (double)cols[1][i] / (double)cols[0][i];
        fs->share[k] = (double)cols[2][i] / (double)cols[3][i];
        k++;
    }
out:
    return rc;
}
