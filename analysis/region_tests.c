/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * region_tests.c — the rows of every region-level test family and what is
 * done to them together (DESIGN §4-5): one BH family per (test, level),
 * never pooled across levels; the inflation factor per family; flags only
 * where q < alpha and the effect clears its documented floor.
 */
#include "analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

saksi_status saksi_region_tests_push(saksi_region_tests *rt, const saksi_region_test *row,
                                     saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (rt->n == rt->cap) {
        size_t cap = rt->cap ? rt->cap * 2 : 1024;
        saksi_region_test *r2 = saksi_realloc_array(rt->row, cap, sizeof *r2);
        if (!r2)
            SAKSI_ALLOC_FAIL("region tests");
        rt->row = r2;
        rt->cap = cap;
    }
    rt->row[rt->n++] = *row;
out:
    return rc;
}

void saksi_region_tests_free(saksi_region_tests *rt)
{
    if (!rt)
        return;
    free(rt->row);
    memset(rt, 0, sizeof *rt);
}

static int testable(const saksi_region_test *r)
{
    return !r->descriptive && !(r->skip && *r->skip) && !isnan(r->p);
}

saksi_status saksi_region_tests_finish(saksi_region_tests *rt, double alpha, int empirical,
                                       saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    double *p = saksi_malloc_array(rt->n ? rt->n : 1, sizeof *p);
    double *q = saksi_malloc_array(rt->n ? rt->n : 1, sizeof *q);
    size_t *idx = saksi_malloc_array(rt->n ? rt->n : 1, sizeof *idx);
    double *scratch = saksi_malloc_array(rt->n ? rt->n : 1, sizeof *scratch);
    unsigned char *done = saksi_calloc_array(rt->n ? rt->n : 1, 1);
    if (!p || !q || !idx || !done || !scratch)
        SAKSI_ALLOC_FAIL("region test families");
    for (size_t a = 0; a < rt->n; a++) {
        if (done[a])
            continue;
        /* Gather the family (test, level) of row a, in row order. */
        size_t m = 0, tested;
        for (size_t b = a; b < rt->n; b++) {
            if (done[b] || rt->row[b].level != rt->row[a].level ||
                strcmp(rt->row[b].test, rt->row[a].test) != 0)
                continue;
            done[b] = 1;
            idx[m] = b;
            p[m++] = testable(&rt->row[b]) ? rt->row[b].p : NAN;
        }
        double lambda = saksi_lambda_from_p_ws(p, m, scratch);
        if (empirical)
            for (size_t k = 0; k < m; k++)
                p[k] = saksi_p_deflate(p[k], lambda);
        SAKSI_TRY(saksi_bh(p, NULL, m, q, &tested, err));
        for (size_t k = 0; k < m; k++) {
            saksi_region_test *r = &rt->row[idx[k]];
            r->lambda = lambda;
            r->m = (uint32_t)tested;
            if (!testable(r)) {
                r->p = r->q = NAN;
                r->flagged = 0;
                continue;
            }
            r->p = p[k];
            r->q = q[k];
            r->flagged = r->q < alpha && r->effect > r->effect_floor;
        }
    }
out:
    free(p);
    free(q);
    free(idx);
    free(done);
    free(scratch);
    return rc;
}
