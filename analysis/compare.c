/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * compare.c — per-station, per-field comparison of two sources of the same
 * election (KawalPemilu vs KPU Situng 2019; Sirekap crawls of 20 Feb and 17
 * Mar 2024), who each difference favours, and the class cross-source rows
 * of the ranked list (DESIGN §3 item 4, §5). Votes at stake of a station:
 * the sum over candidates of |other - primary| — every vote the two sources
 * disagree on, whichever way.
 */
#include "compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Open-addressing index of the other table's ids. */
typedef struct id_index {
    size_t mask;
    size_t *slot; /* row + 1, 0 empty */
} id_index;

static saksi_status index_build(const saksi_table *b, id_index *ix, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t cap = 16;
    while (cap < 2 * b->n + 2)
        cap *= 2;
    ix->mask = cap - 1;
    ix->slot = saksi_calloc_array(cap, sizeof *ix->slot);
    if (!ix->slot) SAKSI_ALLOC_FAIL("the station index of the other source");
    for (size_t j = 0; j < b->n; j++) {
        size_t h = (size_t)b->id_hash[j] & ix->mask;
        while (ix->slot[h])
            h = (h + 1) & ix->mask;
        ix->slot[h] = j + 1;
    }
out:
    return rc;
}

static size_t index_find(const id_index *ix, const saksi_table *b, const char *id, uint64_t hash)
{
    for (size_t h = (size_t)hash & ix->mask; ix->slot[h]; h = (h + 1) & ix->mask) {
        size_t j = ix->slot[h] - 1;
        if (b->id_hash[j] == hash && strcmp(saksi_table_id(b, j), id) == 0) return j;
    }
    return SIZE_MAX;
}

/* Field of table b matching field f of a (candidates by label), or -1. */
static int other_field(const saksi_table *a, const saksi_table *b, int f, const int *cand_other)
{
    if (f < SAKSI_NFIXED) return a->slot_of_field[f] >= 0 && b->slot_of_field[f] >= 0 ? f : -1;
    int k = cand_other[f - SAKSI_NFIXED];
    return k < 0 ? -1 : SAKSI_NFIXED + k;
}

static saksi_status push_diff(saksi_cmp *c, size_t *cap, const saksi_cmp_diff *d, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (c->ndiff == *cap) {
        *cap = *cap ? 2 * *cap : 1024;
        saksi_cmp_diff *x = saksi_realloc_array(c->diff, *cap, sizeof *x);
        if (!x) SAKSI_ALLOC_FAIL("the differences");
        c->diff = x;
    }
    c->diff[c->ndiff++] = *d;
out:
    return rc;
}

/* Compare station i of a with row j of b; appends its differences and,
 * when there are any, its summary. */
static saksi_status compare_station(const saksi_table *a, const saksi_table *b, size_t i, size_t j,
                                    saksi_cmp *c, size_t *dcap, size_t *scap, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_cmp_station s = {.station = i, .beneficiary = -1, .loser = -1};
    int nf = SAKSI_NFIXED + (int)a->ncand;
    for (int f = 0; f < nf; f++) {
        int g = other_field(a, b, f, c->cand_other);
        if (g < 0) continue;
        int32_t va = saksi_table_get(a, f, i), vb = saksi_table_get(b, g, j);
        if (va == vb) continue;
        saksi_cmp_diff d = {i, j, f, va, vb};
        SAKSI_TRY(push_diff(c, dcap, &d, err));
        if (va == SAKSI_MISSING) {
            s.fields_filled++;
        } else if (vb == SAKSI_MISSING) {
            s.fields_emptied++;
        } else {
            s.fields_changed++;
            if (f >= SAKSI_NFIXED) {
                int64_t delta = (int64_t)vb - va;
                s.votes_at_stake += delta < 0 ? -delta : delta;
                if (delta > 0 && delta > s.gain) {
                    s.gain = delta;
                    s.beneficiary = f - SAKSI_NFIXED;
                }
                if (delta < 0 && -delta > s.loss) {
                    s.loss = -delta;
                    s.loser = f - SAKSI_NFIXED;
                }
            }
        }
    }
    if (s.fields_changed + s.fields_filled + s.fields_emptied == 0) goto out;
    c->field_changes += s.fields_changed;
    c->field_fills += s.fields_filled;
    c->field_empties += s.fields_emptied;
    c->cand_changed += s.votes_at_stake > 0;
    if (s.fields_changed)
        c->changed++;
    else if (s.fields_filled)
        c->filled_only++;
    if (c->nst == *scap) {
        *scap = *scap ? 2 * *scap : 1024;
        saksi_cmp_station *x = saksi_realloc_array(c->st, *scap, sizeof *x);
        if (!x) SAKSI_ALLOC_FAIL("the compared stations");
        c->st = x;
    }
    c->st[c->nst++] = s;
out:
    return rc;
}

saksi_status saksi_compare_tables(const saksi_table *a, const saksi_table *b, saksi_cmp *c,
                                  saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    id_index ix = {0};
    size_t dcap = 0, scap = 0;
    char label[2][64];
    memcpy(label, c->label, sizeof label);
    memset(c, 0, sizeof *c);
    memcpy(c->label, label, sizeof label);
    c->cand_other = saksi_malloc_array(a->ncand ? a->ncand : 1, sizeof *c->cand_other);
    if (!c->cand_other) SAKSI_ALLOC_FAIL("the candidate match");
    for (size_t k = 0; k < a->ncand; k++) {
        c->cand_other[k] = -1;
        for (size_t m = 0; m < b->ncand; m++)
            if (strcmp(a->cand_label[k], b->cand_label[m]) == 0) c->cand_other[k] = (int)m;
        c->fields_compared += c->cand_other[k] >= 0;
    }
    for (int f = 0; f < SAKSI_NFIXED; f++)
        c->fields_compared += other_field(a, b, f, c->cand_other) >= 0;
    SAKSI_TRY(index_build(b, &ix, err));
    size_t found = 0;
    for (size_t i = 0; i < a->n; i++) {
        size_t j = index_find(&ix, b, saksi_table_id(a, i), a->id_hash[i]);
        if (j == SIZE_MAX) {
            c->only_primary++;
            continue;
        }
        found++;
        SAKSI_TRY(compare_station(a, b, i, j, c, &dcap, &scap, err));
    }
    c->matched = found;
    c->only_other = b->n - found;
out:
    free(ix.slot);
    return rc;
}

void saksi_compare_free(saksi_cmp *c)
{
    if (!c) return;
    free(c->diff);
    free(c->st);
    free(c->cand_other);
    char label[2][64];
    memcpy(label, c->label, sizeof label);
    memset(c, 0, sizeof *c);
    memcpy(c->label, label, sizeof label);
}

const saksi_cmp_station *saksi_compare_station(const saksi_cmp *c, size_t station)
{
    size_t lo = 0, hi = c ? c->nst : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->st[mid].station < station)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < (c ? c->nst : 0) && c->st[lo].station == station ? &c->st[lo] : NULL;
}

/* ------------------------------------------------------------------ */
/* Ranking                                                             */
/* ------------------------------------------------------------------ */

typedef struct sort_row {
    saksi_rank_row row;
    int class_rank;
    const char *id;
} sort_row;

/* The ranking's order (analysis/rank.c): class priority, votes at stake,
 * score, station id. */
static int cmp_rows(const void *x, const void *y)
{
    const sort_row *a = x, *b = y;
    if (a->class_rank != b->class_rank) return a->class_rank < b->class_rank ? -1 : 1;
    if (a->row.votes_at_stake != b->row.votes_at_stake)
        return a->row.votes_at_stake > b->row.votes_at_stake ? -1 : 1;
    if (a->row.score != b->row.score) return a->row.score > b->row.score ? -1 : 1;
    return strcmp(a->id, b->id);
}

saksi_status saksi_compare_rank(const saksi_table *t, const saksi_cmp *c, saksi_results *res,
                                const saksi_config *cfg, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    int class_rank[SAKSI_NCLASSES];
    size_t *row_of = NULL, add = 0, n = 0;
    sort_row *rows = NULL;
    for (int k = 0; k < SAKSI_NCLASSES; k++)
        class_rank[k] = SAKSI_NCLASSES;
    for (int k = 0; k < SAKSI_NCLASSES; k++)
        if (cfg->class_priority[k] > SAKSI_CLASS_NONE && cfg->class_priority[k] < SAKSI_NCLASSES)
            class_rank[cfg->class_priority[k]] = k;
    row_of = saksi_malloc_array(t->n ? t->n : 1, sizeof *row_of);
    if (!row_of) SAKSI_ALLOC_FAIL("the ranked rows");
    for (size_t i = 0; i < t->n; i++)
        row_of[i] = SIZE_MAX;
    for (size_t k = 0; k < res->nranked; k++)
        row_of[res->ranked[k].station] = k;
    for (size_t s = 0; s < c->nst; s++)
        add += c->st[s].fields_changed && row_of[c->st[s].station] == SIZE_MAX;
    rows = saksi_calloc_array(res->nranked + add + 1, sizeof *rows);
    if (!rows) SAKSI_ALLOC_FAIL("the ranked rows");
    for (size_t k = 0; k < res->nranked; k++)
        rows[n++].row = res->ranked[k];
    for (size_t s = 0; s < c->nst; s++) {
        const saksi_cmp_station *st = &c->st[s];
        if (!st->fields_changed) continue;
        size_t k = row_of[st->station];
        saksi_rank_row *r;
        if (k == SIZE_MAX) {
            r = &rows[n++].row;
            *r = (saksi_rank_row){.station = st->station, .primary_rule = -1, .repair = SIZE_MAX};
        } else {
            r = &rows[k].row;
            if (class_rank[r->klass] <= class_rank[SAKSI_CLASS_CROSS_SOURCE])
                continue; /* a class that ranks first keeps the station */
        }
        r->klass = SAKSI_CLASS_CROSS_SOURCE;
        r->votes_at_stake = st->votes_at_stake;
        res->klass[st->station] = SAKSI_CLASS_CROSS_SOURCE;
    }
    for (size_t k = 0; k < n; k++) {
        rows[k].class_rank = class_rank[rows[k].row.klass];
        rows[k].id = saksi_table_id(t, rows[k].row.station);
    }
    qsort(rows, n, sizeof *rows, cmp_rows);
    saksi_rank_row *ranked = saksi_realloc_array(res->ranked, n ? n : 1, sizeof *ranked);
    if (!ranked) SAKSI_ALLOC_FAIL("the ranked list");
    for (size_t k = 0; k < n; k++)
        ranked[k] = rows[k].row;
    res->ranked = ranked;
    res->nranked = n;
out:
    free(row_of);
    free(rows);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Reasons                                                             */
/* ------------------------------------------------------------------ */

static void field_label(const saksi_table *t, int f, char *buf, size_t len)
{
    if (f >= SAKSI_NFIXED)
        snprintf(buf, len, "cand_%s", t->cand_label[f - SAKSI_NFIXED]);
    else
        snprintf(buf, len, "%s", saksi_field_name(f));
}

void saksi_compare_reason(const saksi_table *t, const saksi_cmp *c, size_t station,
                          const char *lang, char *buf, size_t len)
{
    int id = lang && strcmp(lang, "id") == 0;
    const saksi_cmp_station *st = saksi_compare_station(c, station);
    size_t lo = 0, hi = c->ndiff, shown = 0;
    int n;
    char name[128];
    if (!st) {
        snprintf(buf, len, "%s", id ? "tidak ada perbedaan" : "no difference");
        return;
    }
    n = snprintf(buf, len,
                 id ? "%s berbeda dari %s pada %u isian:" : "%s differs from %s in %u field(s):",
                 c->label[1], c->label[0], st->fields_changed);
    while (lo < hi) { /* first difference of the station */
        size_t mid = lo + (hi - lo) / 2;
        if (c->diff[mid].station < station)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t k = lo; k < c->ndiff && c->diff[k].station == station && n > 0 && (size_t)n < len;
         k++) {
        const saksi_cmp_diff *d = &c->diff[k];
        if (d->primary == SAKSI_MISSING || d->other_value == SAKSI_MISSING) continue;
        if (shown++ == 4) {
            n += snprintf(buf + n, len - (size_t)n, " ...");
            break;
        }
        field_label(t, d->field, name, sizeof name);
        n += snprintf(buf + n, len - (size_t)n, " %s %d -> %d (%+lld)", name, d->primary,
                      d->other_value, (long long)d->other_value - d->primary);
    }
    if (n > 0 && (size_t)n < len && st->beneficiary >= 0)
        snprintf(buf + n, len - (size_t)n,
                 id ? "; menguntungkan cand_%s (+%lld suara)" : "; favours cand_%s (+%lld votes)",
                 t->cand_label[st->beneficiary], (long long)st->gain);
}
