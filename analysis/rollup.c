/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rollup.c — per region and level (DESIGN §5): coverage (share of TPS with
 * data, with complete data), the ranked stations by class, the votes at
 * stake summed and set against the contest's margin, the region tests run
 * and flagged, and the region ranking with a drill-down to each region's
 * top stations in the one ranked list.
 */
#include "analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int saksi_station_has_data(const saksi_table *t, size_t i)
{
    for (size_t c = 0; c < t->ncand; c++)
        if (saksi_table_get(t, (int)(SAKSI_NFIXED + c), i) != SAKSI_MISSING) return 1;
    return 0;
}

int saksi_station_complete(const saksi_table *t, size_t i)
{
    for (size_t s = 0; s < t->nslots; s++)
        if (t->cols[s * t->stride + i] == SAKSI_MISSING) return 0;
    return 1;
}

/* National totals of the reported counts (missing and negative cells left
 * out: they are findings, not votes), and the first two candidates. */
static void national_margin(const saksi_table *t, saksi_rollup *r)
{
    r->first = r->second = -1;
    for (size_t c = 0; c < t->ncand; c++) {
        int64_t sum = 0;
        for (size_t i = 0; i < t->n; i++) {
            int32_t v = saksi_table_get(t, (int)(SAKSI_NFIXED + c), i);
            if (v != SAKSI_MISSING && v > 0) sum += v;
        }
        r->cand_votes[c] = sum;
        if (r->first < 0 || sum > r->cand_votes[r->first]) {
            r->second = r->first;
            r->first = (int)c;
        } else if (r->second < 0 || sum > r->cand_votes[r->second]) {
            r->second = (int)c;
        }
    }
    r->margin = r->second >= 0 ? r->cand_votes[r->first] - r->cand_votes[r->second] : 0;
}

static int tested(const saksi_region_test *x)
{
    return !x->descriptive && !(x->skip && *x->skip) && !isnan(x->p);
}

static uint32_t ranked_count(const saksi_rollup_region *g)
{
    uint32_t n = 0;
    for (int k = SAKSI_CLASS_NONE + 1; k < SAKSI_NCLASSES; k++)
        n += g->by_class[k];
    return n;
}

/* Sort key of one region (qsort has no context argument in C11). */
typedef struct region_key {
    uint32_t flagged, ranked, index;
    int64_t votes;
    const char *code;
} region_key;

static int cmp_region(const void *pa, const void *pb)
{
    const region_key *x = pa, *y = pb;
    if (x->flagged != y->flagged) return x->flagged > y->flagged ? -1 : 1;
    if (x->votes != y->votes) return x->votes > y->votes ? -1 : 1;
    if (x->ranked != y->ranked) return x->ranked > y->ranked ? -1 : 1;
    int c = strcmp(x->code, y->code);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* flags[i]: bit 0 with data, bit 1 complete (computed once for all levels) */
static saksi_status build_level(const saksi_table *t, const saksi_results *res, int l,
                                const uint8_t *flags, saksi_rollup *r, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_regions *rg = &t->regions[l];
    saksi_rollup_region *g = saksi_calloc_array(rg->n ? rg->n : 1, sizeof *g);
    uint32_t *order = saksi_malloc_array(rg->n ? rg->n : 1, sizeof *order);
    region_key *key = saksi_malloc_array(rg->n ? rg->n : 1, sizeof *key);
    if (!g || !order || !key) SAKSI_ALLOC_FAIL("region roll-up");
    for (size_t k = 0; k < rg->n; k++) {
        g[k].region = (uint32_t)k;
        g[k].min_q = NAN;
    }
    for (size_t i = 0; i < t->n; i++) {
        saksi_rollup_region *x = &g[t->region_of[l][i]];
        x->stations++;
        x->with_data += flags[i] & 1u;
        x->complete += (uint32_t)(flags[i] >> 1 & 1u);
    }
    for (size_t k = 0; k < res->nranked; k++) {
        const saksi_rank_row *row = &res->ranked[k];
        if (row->station >= t->n || row->klass <= SAKSI_CLASS_NONE || row->klass >= SAKSI_NCLASSES)
            SAKSI_FAIL(SAKSI_ERR_INTERNAL, "ranked row %zu: station %zu of %zu, class %d", k,
                       row->station, t->n, row->klass);
        saksi_rollup_region *x = &g[t->region_of[l][row->station]];
        int64_t v = row->votes_at_stake < 0 ? -row->votes_at_stake : row->votes_at_stake;
        x->by_class[row->klass]++;
        x->votes[row->klass] += v;
        x->votes_total += v;
        if (row->klass == SAKSI_CLASS_ANOMALY && res->anomaly && row->anomaly_row > 0 &&
            row->anomaly_row <= res->anomaly->nrows) {
            x->anomaly_lo += res->anomaly->row[row->anomaly_row - 1].votes_lo;
            x->anomaly_hi += res->anomaly->row[row->anomaly_row - 1].votes_hi;
        }
        if (x->ntop < SAKSI_ROLLUP_TOP) /* the list is in rank order already */
            x->top[x->ntop++] = k;
    }
    for (size_t k = 0; res->region_tests && k < res->region_tests->n; k++) {
        const saksi_region_test *x = &res->region_tests->row[k];
        if (x->level != l || !tested(x)) continue;
        if (x->region >= rg->n)
            SAKSI_FAIL(SAKSI_ERR_INTERNAL, "region test %zu names %s %u of %zu", k,
                       saksi_level_name(l), x->region, rg->n);
        saksi_rollup_region *y = &g[x->region];
        y->tests_run++;
        y->tests_flagged += x->flagged != 0;
        if (!isnan(x->q) && (isnan(y->min_q) || x->q < y->min_q)) y->min_q = x->q;
    }
    for (size_t k = 0; k < rg->n; k++) {
        g[k].by_class[SAKSI_CLASS_NONE] = g[k].stations - ranked_count(&g[k]);
        g[k].share_of_margin = r->margin > 0 ? (double)g[k].votes_total / (double)r->margin : NAN;
    }
    for (size_t k = 0; k < rg->n; k++)
        key[k] = (region_key){g[k].tests_flagged, ranked_count(&g[k]), (uint32_t)k,
                              g[k].votes_total, rg->code[k]};
    qsort(key, rg->n, sizeof *key, cmp_region);
    for (size_t k = 0; k < rg->n; k++) {
        order[k] = key[k].index;
        g[order[k]].rank = (uint32_t)(k + 1);
    }
    r->n[l] = rg->n;
    r->level[l] = g;
    r->order[l] = order;
    g = NULL;
    order = NULL;
out:
    free(g);
    free(order);
    free(key);
    return rc;
}

saksi_status saksi_rollup_build(const saksi_table *t, const saksi_results *res, saksi_rollup *out,
                                saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    uint8_t *flags = NULL;
    memset(out, 0, sizeof *out);
    out->ncand = t->ncand;
    out->cand_votes = saksi_calloc_array(t->ncand ? t->ncand : 1, sizeof *out->cand_votes);
    if (!out->cand_votes) SAKSI_ALLOC_FAIL("candidate totals");
    national_margin(t, out);
    if (!(flags = saksi_malloc_array(t->n ? t->n : 1, 1))) SAKSI_ALLOC_FAIL("coverage flags");
    for (size_t i = 0; i < t->n; i++)
        flags[i] = (uint8_t)(saksi_station_has_data(t, i) | saksi_station_complete(t, i) << 1);
    for (int l = 0; l < SAKSI_NLEVELS; l++)
        SAKSI_TRY(build_level(t, res, l, flags, out, err));
out:
    free(flags);
    if (rc != SAKSI_OK) saksi_rollup_free(out);
    return rc;
}

void saksi_rollup_free(saksi_rollup *r)
{
    if (!r) return;
    free(r->cand_votes);
    for (int l = 0; l < SAKSI_NLEVELS; l++) {
        free(r->level[l]);
        free(r->order[l]);
    }
    memset(r, 0, sizeof *r);
}
