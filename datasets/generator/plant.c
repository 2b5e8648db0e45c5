/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * plant.c — planted anomalies of the synthetic election with their ground
 * truth: each kind (saksi.h, datasets/README.md) rewrites the true values
 * of one station into reported ones, and every field it changed becomes a
 * label. The draws come from the station's own PLANT stream.
 */
#define _POSIX_C_SOURCE 200809L
#include "generator.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[SAKSI_NPLANT] = {
    [SAKSI_PLANT_SUM_MISMATCH] = "sum_mismatch",
    [SAKSI_PLANT_TRANSCRIPTION] = "transcription",
    [SAKSI_PLANT_OVER_REGISTRATION] = "over_registration",
    [SAKSI_PLANT_MISSING_ZERO] = "missing_zero",
    [SAKSI_PLANT_BALLOT_STUFFING] = "ballot_stuffing",
    [SAKSI_PLANT_VOTE_TRANSFER] = "vote_transfer",
    [SAKSI_PLANT_ROUNDING] = "rounding",
};

/* Tries at drawing a value that satisfies a kind before it is skipped. */
#define PLANT_MAX_TRIES 64
/* sum_mismatch: |change| in SUM_MISMATCH_MIN..SAKSI_SIM_SUM_MISMATCH_MAX */
#define SUM_MISMATCH_MIN 2
/* transcription: probabilities of the edit kinds (swap takes the rest), and
 * of following the OCR confusion table when the digit has a partner */
#define EDIT_P_CHANGE   0.60
#define EDIT_P_LEADING  0.15
#define EDIT_P_DROP     0.15
#define OCR_CONFUSION_P 0.85
/* over_registration: registered inflated to 301..300 + OVERREG_MAX_EXCESS;
 * phantom voters beyond the first one that breaks the rule: 0..this */
#define OVERREG_LIMIT         300
#define OVERREG_MAX_EXCESS    100
#define OVERREG_PHANTOM_EXTRA 10
/* vote_transfer: at most this fraction of the donor's votes */
#define TRANSFER_MAX_FRAC 0.5
/* rounding: to multiples of this */
#define ROUND_TO 5

const char *saksi_plant_kind_name(int kind)
{
    return kind >= 0 && kind < SAKSI_NPLANT ? kind_names[kind] : "?";
}

int saksi_plant_kind_lookup(const char *name)
{
    for (int k = 0; k < SAKSI_NPLANT; k++)
        if (strcmp(name, kind_names[k]) == 0) return k;
    return -1;
}

/* ------------------------------------------------------------------ */
/* Single-digit edits                                                   */
/* ------------------------------------------------------------------ */

static int to_digits(int64_t v, char *buf)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    for (int i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = 0;
    return n;
}

static int64_t from_digits(const char *s, int n)
{
    int64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* 1 when one edit of a's digits, read as a number, gives b. */
static int one_way(int64_t a, int64_t b)
{
    char s[24], e[24];
    int n = to_digits(a, s);
    for (int i = 0; i < n; i++) {
        memcpy(e, s, (size_t)n);
        for (char d = '0'; d <= '9'; d++) { /* change */
            if (d == s[i]) continue;
            e[i] = d;
            if (from_digits(e, n) == b) return 1;
        }
        if (n > 1) { /* drop */
            memcpy(e, s, (size_t)i);
            memcpy(e + i, s + i + 1, (size_t)(n - i - 1));
            if (from_digits(e, n - 1) == b) return 1;
        }
        if (i + 1 < n && s[i] != s[i + 1]) { /* swap */
            memcpy(e, s, (size_t)n);
            e[i] = s[i + 1];
            e[i + 1] = s[i];
            if (from_digits(e, n) == b) return 1;
        }
    }
    for (int i = 0; i <= n; i++) { /* insert */
        memcpy(e, s, (size_t)i);
        memcpy(e + i + 1, s + i, (size_t)(n - i));
        for (char d = '0'; d <= '9'; d++) {
            e[i] = d;
            if (from_digits(e, n + 1) == b) return 1;
        }
    }
    return 0;
}

int saksi_sim_single_edit(int64_t a, int64_t b)
{
    if (a < 0 || b < 0 || a == b) return 0;
    return one_way(a, b) || one_way(b, a);
}

/* The digit an OCR engine most often reads instead of d, or -1. */
static int ocr_partner(int d, saksi_sim_stream *s)
{
    switch (d) {
    case 0:
        return 8;
    case 1:
        return 7;
    case 3:
        return 8;
    case 4:
        return 9;
    case 5:
        return 6;
    case 6:
        return 5;
    case 7:
        return 1;
    case 8:
        return saksi_sim_uniform(s) < 0.5 ? 3 : 0;
    case 9:
        return 4;
    default:
        return -1;
    }
}

/* One single-digit edit of v, written without a leading zero; returns the
 * edited value, or -1 when this draw gives none (retry). */
static int64_t draw_edit(int64_t v, saksi_sim_stream *s, const char **what)
{
    char d[24], e[24];
    int n = to_digits(v, d), m = n;
    double u = saksi_sim_uniform(s);
    if (u < EDIT_P_CHANGE) {
        int i = (int)saksi_sim_below(s, (uint32_t)n), old = d[i] - '0';
        int p = ocr_partner(old, s);
        int nd = p >= 0 && saksi_sim_uniform(s) < OCR_CONFUSION_P
                     ? p
                     : (old + 1 + (int)saksi_sim_below(s, 9)) % 10;
        memcpy(e, d, (size_t)n);
        e[i] = (char)('0' + nd);
        *what = "edit=change";
    } else if (u < EDIT_P_CHANGE + EDIT_P_LEADING) {
        /* a stray mark read as a leading digit */
        e[0] = (char)('1' + saksi_sim_below(s, 9));
        memcpy(e + 1, d, (size_t)n);
        m = n + 1;
        *what = "edit=insert";
    } else if (u < EDIT_P_CHANGE + EDIT_P_LEADING + EDIT_P_DROP) {
        if (n < 2) return -1;
        int i = (int)saksi_sim_below(s, (uint32_t)n);
        memcpy(e, d, (size_t)i);
        memcpy(e + i, d + i + 1, (size_t)(n - i - 1));
        m = n - 1;
        *what = "edit=drop";
    } else {
        if (n < 2) return -1;
        int i = (int)saksi_sim_below(s, (uint32_t)(n - 1));
        memcpy(e, d, (size_t)n);
        e[i] = d[i + 1];
        e[i + 1] = d[i];
        *what = "edit=swap";
    }
    if (m > 1 && e[0] == '0') return -1; /* "05" is not how a count is written */
    int64_t r = from_digits(e, m);
    return r == v || r > INT32_MAX ? -1 : r;
}

/* ------------------------------------------------------------------ */
/* The kinds                                                            */
/* ------------------------------------------------------------------ */

typedef struct plant_ctx {
    const saksi_sim_gen *g;
    saksi_sim_station *st;
    saksi_sim_stream s;
    uint64_t primary; /* bit f: field f is what the kind acts on */
    char note[48];
} plant_ctx;

#define CAND(k) (SAKSI_NFIXED + (int)(k))

static int is_overseas(const plant_ctx *p)
{
    return p->st->kind == SAKSI_SIM_ST_OVERSEAS;
}

static int32_t capacity(int32_t registered)
{
    return registered + (int32_t)saksi_ceil_div((saksi_i64)registered * 2, 100);
}

static int plant_sum_mismatch(plant_ctx *p)
{
    int32_t *x = p->st->v;
    size_t k = saksi_sim_below(&p->s, (uint32_t)p->g->cfg.ncand);
    int32_t old = x[CAND(k)];
    for (int it = 0; it < PLANT_MAX_TRIES; it++) {
        int32_t mag =
            SUM_MISMATCH_MIN +
            (int32_t)saksi_sim_below(&p->s, SAKSI_SIM_SUM_MISMATCH_MAX - SUM_MISMATCH_MIN + 1);
        int32_t r = saksi_sim_uniform(&p->s) < 0.5 ? old - mag : old + mag;
        if (r < 0 || saksi_sim_single_edit(old, r)) continue;
        x[CAND(k)] = r;
        p->primary = 1ull << CAND(k);
        snprintf(p->note, sizeof p->note, "delta=%+d", (int)(r - old));
        return 1;
    }
    return 0;
}

static int plant_transcription(plant_ctx *p)
{
    int32_t *x = p->st->v;
    int nf = SAKSI_NFIXED + (int)p->g->cfg.ncand;
    int f = (int)saksi_sim_below(&p->s, (uint32_t)nf);
    for (int it = 0; it < PLANT_MAX_TRIES; it++) {
        const char *what = "";
        int64_t r = draw_edit(x[f], &p->s, &what);
        if (r < 0) continue;
        x[f] = (int32_t)r;
        p->primary = 1ull << f;
        snprintf(p->note, sizeof p->note, "%s", what);
        return 1;
    }
    return 0;
}

/* Registered inflated above 300 with everything that follows from it. */
static int overreg_inflate(plant_ctx *p)
{
    int32_t *x = p->st->v;
    if (is_overseas(p)) /* overseas boxes have no 300 limit */
        return 0;
    int32_t n = x[SAKSI_F_REGISTERED];
    int32_t r = OVERREG_LIMIT + 1 + (int32_t)saksi_sim_below(&p->s, OVERREG_MAX_EXCESS);
    /* L/P scaled with the list, rounded to nearest */
    int32_t male = (int32_t)floor((double)x[SAKSI_F_REGISTERED_MALE] * r / n + 0.5);
    x[SAKSI_F_REGISTERED] = r;
    x[SAKSI_F_REGISTERED_MALE] = male;
    x[SAKSI_F_REGISTERED_FEMALE] = r - male;
    /* ballots follow the list: DPT + ceil(2%) where that rule holds, the
     * same reserve as before in Papua (no fixed reserve there) */
    int32_t recv = p->st->prov_kind == SAKSI_SIM_PROV_REGULAR
                       ? capacity(r)
                       : x[SAKSI_F_BALLOTS_RECEIVED] + (r - n);
    x[SAKSI_F_BALLOTS_UNUSED] += recv - x[SAKSI_F_BALLOTS_RECEIVED];
    x[SAKSI_F_BALLOTS_RECEIVED] = recv;
    p->primary = 1ull << SAKSI_F_REGISTERED;
    snprintf(p->note, sizeof p->note, "registered above %d", OVERREG_LIMIT);
    return 1;
}

/* Phantom DPT voters beyond the list, with ballots for one candidate. */
static int overreg_phantom(plant_ctx *p)
{
    int32_t *x = p->st->v;
    int32_t need = x[SAKSI_F_REGISTERED] - x[SAKSI_F_VOTERS_DPT] + 1;
    int32_t room = x[SAKSI_F_BALLOTS_UNUSED];
    if (room < need) return 0;
    int32_t extra = room - need < OVERREG_PHANTOM_EXTRA ? room - need : OVERREG_PHANTOM_EXTRA;
    int32_t k = need + (int32_t)saksi_sim_below(&p->s, (uint32_t)extra + 1);
    int32_t km = (int32_t)saksi_sim_below(&p->s, (uint32_t)k + 1);
    size_t c = saksi_sim_below(&p->s, (uint32_t)p->g->cfg.ncand);
    x[SAKSI_F_VOTERS_DPT] += k;
    x[SAKSI_F_VOTERS_DPT_MALE] += km;
    x[SAKSI_F_VOTERS_DPT_FEMALE] += k - km;
    x[SAKSI_F_VOTERS_TOTAL] += k;
    x[SAKSI_F_VOTERS_TOTAL_MALE] += km;
    x[SAKSI_F_VOTERS_TOTAL_FEMALE] += k - km;
    x[SAKSI_F_TOTAL] += k;
    x[SAKSI_F_VALID] += k;
    x[CAND(c)] += k;
    x[SAKSI_F_BALLOTS_USED] += k;
    x[SAKSI_F_BALLOTS_UNUSED] -= k;
    p->primary = 1ull << SAKSI_F_VOTERS_DPT;
    snprintf(p->note, sizeof p->note, "phantom=%d for cand_%02d", (int)k, (int)c + 1);
    return 1;
}

static int plant_over_registration(plant_ctx *p)
{
    if (saksi_sim_uniform(&p->s) < 0.5) return overreg_inflate(p) || overreg_phantom(p);
    return overreg_phantom(p) || overreg_inflate(p);
}

static int plant_missing_zero(plant_ctx *p)
{
    int32_t *x = p->st->v;
    if (x[SAKSI_F_VALID] < 1 || x[SAKSI_F_REGISTERED] < 1) return 0;
    x[SAKSI_F_REGISTERED] = x[SAKSI_F_REGISTERED_MALE] = x[SAKSI_F_REGISTERED_FEMALE] = 0;
    p->primary = 1ull << SAKSI_F_REGISTERED;
    snprintf(p->note, sizeof p->note, "registered not entered");
    return 1;
}

/* Move delta voters (either sign) through every sum that holds them: the
 * DPT list (women first when removing, as rounding does), totals, valid,
 * ballots used and unused. Returns 0, changing nothing, when a bound of
 * the form would break (DPT voters within 0..registered, unused >= 0, total
 * within capacity). */
static int shift_voters(plant_ctx *p, int32_t delta)
{
    int32_t *x = p->st->v;
    int fsex = SAKSI_F_VOTERS_DPT_FEMALE, tsex = SAKSI_F_VOTERS_TOTAL_FEMALE;
    if (delta < 0 && x[fsex] < -delta) {
        fsex = SAKSI_F_VOTERS_DPT_MALE;
        tsex = SAKSI_F_VOTERS_TOTAL_MALE;
    }
    if (x[fsex] + delta < 0 || x[tsex] + delta < 0 || x[SAKSI_F_VOTERS_DPT] + delta < 0 ||
        x[SAKSI_F_VOTERS_DPT] + delta > x[SAKSI_F_REGISTERED] || x[SAKSI_F_BALLOTS_UNUSED] < delta)
        return 0;
    if (!is_overseas(p) && x[SAKSI_F_TOTAL] + delta > capacity(x[SAKSI_F_REGISTERED])) return 0;
    x[fsex] += delta;
    x[tsex] += delta;
    x[SAKSI_F_VOTERS_DPT] += delta;
    x[SAKSI_F_VOTERS_TOTAL] += delta;
    x[SAKSI_F_TOTAL] += delta;
    x[SAKSI_F_VALID] += delta;
    x[SAKSI_F_BALLOTS_USED] += delta;
    x[SAKSI_F_BALLOTS_UNUSED] -= delta;
    return 1;
}

static int plant_ballot_stuffing(plant_ctx *p)
{
    int32_t *x = p->st->v;
    int32_t room = x[SAKSI_F_REGISTERED] - x[SAKSI_F_VOTERS_DPT];
    if (x[SAKSI_F_BALLOTS_UNUSED] < room) room = x[SAKSI_F_BALLOTS_UNUSED];
    if (!is_overseas(p) && capacity(x[SAKSI_F_REGISTERED]) - x[SAKSI_F_TOTAL] < room)
        room = capacity(x[SAKSI_F_REGISTERED]) - x[SAKSI_F_TOTAL];
    if (room < 1) return 0;
    int32_t k = 1 + (int32_t)saksi_sim_below(&p->s, (uint32_t)room);
    size_t c = saksi_sim_below(&p->s, (uint32_t)p->g->cfg.ncand);
    if (!shift_voters(p, k)) return 0; /* cannot happen within room; kept as a guard */
    x[CAND(c)] += k;
    p->primary = 1ull << CAND(c);
    snprintf(p->note, sizeof p->note, "k=%d", (int)k);
    return 1;
}

static int plant_vote_transfer(plant_ctx *p)
{
    int32_t *x = p->st->v;
    size_t nc = p->g->cfg.ncand, donors = 0;
    if (nc < 2) return 0;
    size_t to = saksi_sim_below(&p->s, (uint32_t)nc);
    for (size_t k = 0; k < nc; k++)
        donors += k != to && x[CAND(k)] >= 1;
    if (donors == 0) return 0;
    size_t pick = saksi_sim_below(&p->s, (uint32_t)donors), from = 0;
    for (size_t k = 0; k < nc; k++)
        if (k != to && x[CAND(k)] >= 1 && pick-- == 0) {
            from = k;
            break;
        }
    int32_t most = (int32_t)ceil(TRANSFER_MAX_FRAC * x[CAND(from)]);
    int32_t m = 1 + (int32_t)saksi_sim_below(&p->s, (uint32_t)most);
    x[CAND(from)] -= m;
    x[CAND(to)] += m;
    p->primary = (1ull << CAND(to)) | (1ull << CAND(from));
    snprintf(p->note, sizeof p->note, "m=%d from cand_%02d", (int)m, (int)from + 1);
    return 1;
}

static int plant_rounding(plant_ctx *p)
{
    int32_t *x = p->st->v;
    size_t nc = p->g->cfg.ncand;
    for (int mode = 0; mode < 2; mode++) { /* nearest, then down if bounds break */
        int32_t delta = 0, nv[SAKSI_SIM_MAX_CAND];
        for (size_t k = 0; k < nc; k++) {
            int32_t r = x[CAND(k)] % ROUND_TO;
            nv[k] = mode == 0 && 2 * r > ROUND_TO ? x[CAND(k)] + ROUND_TO - r : x[CAND(k)] - r;
            delta += nv[k] - x[CAND(k)];
        }
        int changed = 0;
        for (size_t k = 0; k < nc; k++)
            changed |= nv[k] != x[CAND(k)];
        if (!changed) return 0;
        if (!shift_voters(p, delta)) continue;
        p->primary = 0;
        for (size_t k = 0; k < nc; k++) {
            if (nv[k] != x[CAND(k)]) p->primary |= 1ull << CAND(k);
            x[CAND(k)] = nv[k];
        }
        snprintf(p->note, sizeof p->note, mode == 0 ? "to nearest %d" : "down to %d", ROUND_TO);
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Entry point                                                          */
/* ------------------------------------------------------------------ */

static saksi_status push_label(saksi_sim_labels *l, const saksi_sim_label *lab, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        saksi_sim_label *p = saksi_realloc_array(l->label, cap, sizeof *p);
        if (!p) SAKSI_ALLOC_FAIL("labels");
        l->label = p;
        l->cap = cap;
    }
    l->label[l->n++] = *lab;
out:
    return rc;
}

saksi_status saksi_sim_plant(const saksi_sim_gen *g, saksi_sim_station *st,
                             saksi_sim_labels *labels, int *planted, int *skipped, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    plant_ctx p = {.g = g, .st = st};
    int32_t orig[SAKSI_NFIXED + SAKSI_SIM_MAX_CAND];
    int nf = SAKSI_NFIXED + (int)g->cfg.ncand, kind = -1, ok = 0;
    *planted = *skipped = -1;
    saksi_sim_stream_init(&p.s, g->cfg.seed, st->hash, SAKSI_SIM_STREAM_PLANT);
    double u = saksi_sim_uniform(&p.s), acc = 0.0;
    for (int k = 0; k < SAKSI_NPLANT; k++) {
        acc += g->cfg.plant_rate[k];
        if (u < acc) {
            kind = k;
            break;
        }
    }
    if (kind < 0) goto out;
    memcpy(orig, st->v, sizeof orig);
    switch (kind) {
    case SAKSI_PLANT_SUM_MISMATCH:
        ok = plant_sum_mismatch(&p);
        break;
    case SAKSI_PLANT_TRANSCRIPTION:
        ok = plant_transcription(&p);
        break;
    case SAKSI_PLANT_OVER_REGISTRATION:
        ok = plant_over_registration(&p);
        break;
    case SAKSI_PLANT_MISSING_ZERO:
        ok = plant_missing_zero(&p);
        break;
    case SAKSI_PLANT_BALLOT_STUFFING:
        ok = plant_ballot_stuffing(&p);
        break;
    case SAKSI_PLANT_VOTE_TRANSFER:
        ok = plant_vote_transfer(&p);
        break;
    default:
        ok = plant_rounding(&p);
        break;
    }
    if (!ok) {
        memcpy(st->v, orig, sizeof orig);
        *skipped = kind;
        goto out;
    }
    *planted = kind;
    for (int f = 0; f < nf; f++) {
        if (st->v[f] == orig[f]) continue;
        saksi_sim_label lab;
        memset(&lab, 0, sizeof lab);
        memcpy(lab.station_id, st->id, sizeof st->id);
        lab.kind = kind;
        lab.field = f;
        lab.true_value = orig[f];
        lab.reported_value = st->v[f];
        lab.primary = (int)((p.primary >> f) & 1u);
        snprintf(lab.note, sizeof lab.note, "%s", lab.primary ? p.note : "follows");
        SAKSI_TRY(push_label(labels, &lab, err));
    }
out:
    return rc;
}
