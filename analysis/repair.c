/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * repair.c — transcription repair (DESIGN §4). For a station that fails an
 * identity, every single edit of every field (change, drop or insert one
 * digit, swap two adjacent digits) is tried; the edits after which every
 * evaluable rule holds are kept and ranked by an OCR confusion prior times
 * the plausibility of the repaired value among the station's district peers.
 */
#include "analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * OCR confusion prior: the relative weight of each way a handwritten digit
 * on form C.Hasil is misread. The pairs are the confusions reported for
 * Sirekap by KPU and KawalPemilu volunteers (1/7, 3/8, 0/8, 5/6, 4/9) and a
 * stray leading digit (a tick or a box edge read as "1"). The magnitudes
 * are priors, not fitted values: a confusable pair is ten times likelier
 * than any other substitution.
 */
#define PRIOR_CONFUSABLE 1.0
#define PRIOR_OTHER_CHANGE 0.1
#define PRIOR_STRAY_LEADING 0.5 /* reported has an extra first digit */
#define PRIOR_STRAY_INNER 0.1   /* reported has an extra digit elsewhere */
#define PRIOR_LOST_DIGIT 0.1    /* reported lost a digit */
#define PRIOR_SWAP 0.2          /* two adjacent digits transposed */

/* Plausibility: a repaired value z robust deviations from its peers gets
 * exp(-z^2 / 2); z is capped so that a far value still ranks. */
#define PLAUS_Z_CAP 10.0
#define PEERS_MIN 3      /* fewer district peers: no plausibility term */
#define MAD_TO_SD 1.4826 /* MAD of a normal sample times this is its sd */

#define MAX_DIGITS 10 /* int32 has at most 10 decimal digits */

static int confusable(int a, int b)
{
    static const int pairs[][2] = {{1, 7}, {3, 8}, {0, 8}, {5, 6}, {4, 9}};
    for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++)
        if ((pairs[k][0] == a && pairs[k][1] == b) || (pairs[k][0] == b && pairs[k][1] == a))
            return 1;
    return 0;
}

/* A candidate value reached by one edit of the reported digits. */
typedef struct edit_cand {
    int32_t value;
    int kind;
    double prior;
} edit_cand;

/* Value of a digit string (no leading zero unless it is "0"); -1 if it
 * does not fit int32. */
static int64_t digits_value(const char *d, size_t len)
{
    if (len == 0 || len > MAX_DIGITS || (len > 1 && d[0] == '0'))
        return -1;
    int64_t v = 0;
    for (size_t k = 0; k < len; k++)
        v = v * 10 + (d[k] - '0');
    return v <= INT32_MAX ? v : -1;
}

static void push(edit_cand *c, size_t *n, int64_t v, int32_t reported, int kind, double prior)
{
    if (v < 0 || v == reported)
        return;
    c[*n].value = (int32_t)v;
    c[*n].kind = kind;
    c[*n].prior = prior;
    (*n)++;
}

/* Every single edit of a non-negative value; at most 9*10 + 10 + 11*10 + 9
 * candidates for a 10-digit value. Duplicate values are kept: each is a
 * distinct way to misread and adds its prior. */
static size_t enumerate_edits(int32_t reported, edit_cand *c)
{
    char d[MAX_DIGITS + 1], e[MAX_DIGITS + 2];
    size_t len = (size_t)snprintf(d, sizeof d, "%d", reported), n = 0;
    for (size_t p = 0; p < len; p++) { /* change one digit */
        for (int b = 0; b <= 9; b++) {
            int a = d[p] - '0';
            if (b == a)
                continue;
            memcpy(e, d, len);
            e[p] = (char)('0' + b);
            push(c, &n, digits_value(e, len), reported, SAKSI_EDIT_CHANGE,
                 confusable(a, b) ? PRIOR_CONFUSABLE : PRIOR_OTHER_CHANGE);
        }
    }
    for (size_t p = 0; len > 1 && p < len; p++) { /* drop one digit */
        memcpy(e, d, p);
        memcpy(e + p, d + p + 1, len - p - 1);
        push(c, &n, digits_value(e, len - 1), reported, SAKSI_EDIT_DROP,
             p == 0 ? PRIOR_STRAY_LEADING : PRIOR_STRAY_INNER);
    }
    for (size_t p = 0; p <= len; p++) { /* insert one digit */
        for (int b = 0; b <= 9; b++) {
            memcpy(e, d, p);
            e[p] = (char)('0' + b);
            memcpy(e + p + 1, d + p, len - p);
            push(c, &n, digits_value(e, len + 1), reported, SAKSI_EDIT_INSERT, PRIOR_LOST_DIGIT);
        }
    }
    for (size_t p = 0; p + 1 < len; p++) { /* swap adjacent digits */
        if (d[p] == d[p + 1])
            continue;
        memcpy(e, d, len);
        e[p] = d[p + 1];
        e[p + 1] = d[p];
        push(c, &n, digits_value(e, len), reported, SAKSI_EDIT_SWAP, PRIOR_SWAP);
    }
    return n;
}

/* ------------------------------------------------------------------ */
/* District peers                                                      */
/* ------------------------------------------------------------------ */

/* Robust centre and scale of one field among a district's stations, both
 * of the ratio field/registered (turnout-like, comparable across station
 * sizes) and of the raw count (used for the registered family and where a
 * station's registered count is unusable). Computed lazily: only districts
 * with failing stations and only the fields that get edited. */
typedef struct robust {
    int ok;
    double median, scale;
} robust;

typedef struct peer_stat {
    int done;
    robust ratio, raw;
} peer_stat;

typedef struct repair_ctx {
    const saksi_table *t;
    const int32_t *prog;
    saksi_results *res;
    size_t nfields;
    peer_stat *stats; /* districts * nfields */
    double *work;     /* one district's values */
    size_t work_cap;
} repair_ctx;

/* The k-th smallest of v[0..n) (v is reordered: Hoare's quickselect with a
 * median-of-three pivot). Sorting every district's values for a median was
 * most of the repair time on real data. */
static double select_kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        double a = v[lo], b = v[mid], c = v[hi];
        double pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                double x = v[i];
                v[i] = v[j];
                v[j] = x;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

static double median_of(double *v, size_t n)
{
    double upper = select_kth(v, n, n / 2);
    if (n % 2)
        return upper;
    /* select_kth left v[0..n/2) <= upper: the lower middle is their max. */
    double lower = v[0];
    for (size_t k = 1; k < n / 2; k++)
        if (v[k] > lower)
            lower = v[k];
    return 0.5 * (lower + upper);
}

static int uses_ratio(int field)
{
    return field != SAKSI_F_REGISTERED && field != SAKSI_F_REGISTERED_MALE &&
           field != SAKSI_F_REGISTERED_FEMALE;
}

/* Station size for ratios: registered when present and >= 1, else 0. */
static double station_size(const saksi_table *t, size_t i)
{
    int32_t r = saksi_table_get(t, SAKSI_F_REGISTERED, i);
    return r != SAKSI_MISSING && r >= 1 ? (double)r : 0.0;
}

/* Median and MAD-based sd of v[0..m) (v is reordered). */
static robust robust_of(double *v, size_t m)
{
    robust r = {0};
    if (m < PEERS_MIN)
        return r;
    r.median = median_of(v, m);
    for (size_t k = 0; k < m; k++)
        v[k] = fabs(v[k] - r.median);
    r.scale = MAD_TO_SD * median_of(v, m);
    r.ok = 1;
    return r;
}

static saksi_status peer_stat_get(repair_ctx *cx, size_t district, int field,
                                  const peer_stat **out, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_table *t = cx->t;
    peer_stat *ps = &cx->stats[district * cx->nfields + (size_t)field];
    if (ps->done)
        goto out;
    size_t first = t->regions[SAKSI_LEVEL_DISTRICT].first[district];
    size_t count = t->regions[SAKSI_LEVEL_DISTRICT].count[district];
    if (count > cx->work_cap) {
        double *w = saksi_realloc_array(cx->work, count, sizeof *w);
        if (!w)
            SAKSI_ALLOC_FAIL("repair peers");
        cx->work = w;
        cx->work_cap = count;
    }
    /* Peers that fail a rule could be misread themselves: leave them out. */
    for (int pass = 0; pass < 2; pass++) {
        size_t m = 0;
        for (size_t i = first; i < first + count; i++) {
            int32_t v = saksi_table_get(t, field, i);
            double size = station_size(t, i);
            if (cx->res->fail_mask[i] || v == SAKSI_MISSING || v < 0 || (pass && size == 0.0))
                continue;
            cx->work[m++] = pass ? v / size : (double)v;
        }
        if (pass)
            ps->ratio = uses_ratio(field) ? robust_of(cx->work, m) : (robust){0};
        else
            ps->raw = robust_of(cx->work, m);
    }
    ps->done = 1;
out:
    *out = ps;
    return rc;
}

/* exp(-z^2/2) of the repaired value among its peers, on the ratio scale
 * when both the peers and this station allow it, else on raw counts. The
 * scale is floored at the binomial sd of a share at this station's size
 * (ratios) or at the Poisson sd of the median (counts): a district whose
 * stations agree exactly must not make every other value impossible. */
static double plausibility(const peer_stat *ps, int32_t value, double size)
{
    int ratio = ps->ratio.ok && size > 0.0;
    const robust *r = ratio ? &ps->ratio : &ps->raw;
    if (!r->ok)
        return 1.0;
    double x = ratio ? value / size : (double)value, floor_sd;
    if (ratio) {
        double p = r->median < 0.0 ? 0.0 : r->median > 1.0 ? 1.0 : r->median;
        floor_sd = sqrt((p * (1.0 - p) + 1.0 / size) / size);
    } else {
        floor_sd = sqrt(r->median) + 1.0;
    }
    double sd = r->scale > floor_sd ? r->scale : floor_sd;
    double z = fabs(x - r->median) / sd;
    if (z > PLAUS_Z_CAP)
        z = PLAUS_Z_CAP;
    return exp(-0.5 * z * z);
}

/* ------------------------------------------------------------------ */
/* One station                                                         */
/* ------------------------------------------------------------------ */

/* Slot-indexed mask of the fields each failing rule references; a single
 * edit can only change the outcome of rules that reference its field, so
 * it must lie in every failing rule. */
static void rule_slots(const int32_t *prog, int r, unsigned char *uses, size_t nslots)
{
    int32_t off = prog[SAKSI_PROG_HEADER + r], nterms = prog[off + 1];
    int32_t gn = prog[off + 3];
    memset(uses, 0, nslots);
    if (nterms < 0)
        return;
    for (int32_t k = 0; k < nterms + gn; k++) {
        const int32_t *term = prog + off + SAKSI_RULE_HEADER + k * SAKSI_TERM_WORDS;
        if (term[0] == SAKSI_TERM_FIELD || term[0] == SAKSI_TERM_CEIL) {
            uses[term[1]] = 1;
        } else if (term[0] == SAKSI_TERM_CAND_SUM) {
            for (int32_t c = 0; c < prog[1]; c++)
                uses[prog[2] + c] = 1;
        }
    }
}

/* Every enabled rule holds (or stays not applicable) for vals. */
static int all_hold(const int32_t *prog, const int32_t *vals, uint32_t enabled, uint32_t fail)
{
    /* The failing rules first: they reject almost every candidate. */
    for (int pass = 0; pass < 2; pass++) {
        for (int32_t r = 0; r < prog[0]; r++) {
            uint32_t bit = 1u << r;
            if (!(enabled & bit) || ((fail & bit) != 0) != (pass == 0))
                continue;
            saksi_i64 d;
            if (saksi_rule_eval(prog, r, vals, 1, 0, &d) == SAKSI_RULE_FAILS)
                return 0;
        }
    }
    return 1;
}

static int cmp_repair(const void *a, const void *b)
{
    const saksi_repair *x = a, *y = b;
    if (x->weight != y->weight)
        return x->weight > y->weight ? -1 : 1;
    if (x->field != y->field)
        return x->field < y->field ? -1 : 1;
    return (x->repaired > y->repaired) - (x->repaired < y->repaired);
}

/* Append rep to res->repairs, growing it. */
static saksi_status repairs_push(saksi_results *res, size_t *cap, const saksi_repair *rep,
                                 saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (res->nrepairs == *cap) {
        size_t c = *cap ? *cap * 2 : 1024;
        saksi_repair *r2 = saksi_realloc_array(res->repairs, c, sizeof *r2);
        if (!r2)
            SAKSI_ALLOC_FAIL("repairs");
        res->repairs = r2;
        *cap = c;
    }
    res->repairs[res->nrepairs++] = *rep;
out:
    return rc;
}

static saksi_status repair_station(repair_ctx *cx, size_t i, const saksi_repair_options *opt,
                                   saksi_repair **found, size_t *found_cap, size_t *cap,
                                   saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_table *t = cx->t;
    const int32_t *prog = cx->prog;
    uint32_t fail = cx->res->fail_mask[i], enabled = cx->res->enabled[i];
    size_t nslots = t->nslots, nfound = 0;
    unsigned char common[SAKSI_NFIXED + 256], uses[SAKSI_NFIXED + 256];
    int32_t vals[SAKSI_NFIXED + 256];
    edit_cand cands[256];
    double total = 0.0, size = station_size(t, i);

    if (nslots > sizeof vals / sizeof vals[0])
        goto out; /* more candidates than a form holds: no repair attempted */
    memset(common, 1, nslots);
    for (int32_t r = 0; r < prog[0]; r++) {
        if (!(fail & (1u << r)))
            continue;
        rule_slots(prog, r, uses, nslots);
        for (size_t s = 0; s < nslots; s++)
            common[s] &= uses[s];
    }
    for (size_t s = 0; s < nslots; s++)
        vals[s] = t->cols[s * t->stride + i];

    for (size_t s = 0; s < nslots; s++) {
        int32_t reported = vals[s];
        if (!common[s] || reported == SAKSI_MISSING || reported < 0)
            continue;
        int field = t->field_of_slot[s];
        const peer_stat *ps;
        SAKSI_TRY(peer_stat_get(cx, t->region_of[SAKSI_LEVEL_DISTRICT][i], field, &ps, err));
        size_t nc = enumerate_edits(reported, cands);
        for (size_t k = 0; k < nc; k++) {
            vals[s] = cands[k].value;
            int ok = all_hold(prog, vals, enabled, fail);
            vals[s] = reported;
            if (!ok)
                continue;
            double score = cands[k].prior * plausibility(ps, cands[k].value, size);
            /* Two edits reaching the same value are one repair: add priors. */
            size_t j = 0;
            while (j < nfound && !((*found)[j].field == field &&
                                   (*found)[j].repaired == cands[k].value))
                j++;
            if (j == nfound) {
                if (nfound == *found_cap) {
                    size_t c = *found_cap ? *found_cap * 2 : 16;
                    saksi_repair *f2 = saksi_realloc_array(*found, c, sizeof *f2);
                    if (!f2)
                        SAKSI_ALLOC_FAIL("repair candidates");
                    *found = f2;
                    *found_cap = c;
                }
                (*found)[nfound++] = (saksi_repair){.station = i, .field = field,
                                                    .reported = reported,
                                                    .repaired = cands[k].value,
                                                    .edit = cands[k].kind, .weight = 0.0};
            }
            (*found)[j].weight += score;
            total += score;
        }
    }
    if (nfound == 0)
        goto out;
    for (size_t j = 0; j < nfound; j++)
        (*found)[j].weight = total > 0.0 ? (*found)[j].weight / total : 1.0 / (double)nfound;
    qsort(*found, nfound, sizeof **found, cmp_repair);
    for (size_t j = 0; j < nfound && j < opt->max_alternatives; j++) {
        (*found)[j].order = (uint32_t)j;
        (*found)[j].alternatives = (uint32_t)nfound;
        SAKSI_TRY(repairs_push(cx->res, cap, &(*found)[j], err));
    }
out:
    return rc;
}

saksi_status saksi_repair_all(const saksi_table *t, const int32_t *prog, saksi_results *res,
                              const saksi_repair_options *opt, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_repair *found = NULL;
    size_t found_cap = 0, cap = 0;
    repair_ctx cx = {.t = t, .prog = prog, .res = res, .nfields = SAKSI_NFIXED + t->ncand};
    size_t ndistricts = t->regions[SAKSI_LEVEL_DISTRICT].n;
    cx.stats = saksi_calloc_array(ndistricts * cx.nfields, sizeof *cx.stats);
    if (!cx.stats)
        SAKSI_ALLOC_FAIL("repair peer statistics");
    res->nrepairs = 0;
    for (size_t i = 0; i < t->n; i++) {
        /* Checked on every 4096th row, failing or not: a check behind the
         * "failing" test ran only where a failing station fell on such a
         * row, i.e. almost never. */
        if ((i & 0xFFF) == 0 && saksi_stop_requested())
            SAKSI_FAIL(SAKSI_ERR_INTERRUPTED, "interrupted during transcription repair");
        if (!res->fail_mask[i])
            continue;
        SAKSI_TRY(repair_station(&cx, i, opt, &found, &found_cap, &cap, err));
    }
out:
    free(found);
    free(cx.stats);
    free(cx.work);
    return rc;
}
