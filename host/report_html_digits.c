/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_html_digits.c — digit bars of the regions the digit family
 * flagged (issue 3 keeps only the national histograms): for the flagged
 * omnibus rows with the smallest q, the region's observed digits of every
 * candidate against their calibrated expectation, computed with the
 * family's own functions (its exclusions, masks, peer nulls, windows and
 * conditional digit probabilities) so the bars match what it tested.
 */
#include "report_html.h"

#include "digits.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Flagged regions drawn at most (smallest q first). */
#define SAKSI_HTML_DIGIT_REGIONS 4

typedef struct pick {
    int test; /* SAKSI_DT_* */
    int kind; /* index into saksi_digits_test_name */
    int level;
    uint32_t region;
    double q;
} pick;

static int cmp_pick(const void *a, const void *b)
{
    const pick *x = a, *y = b;
    if (x->q != y->q) return x->q < y->q ? -1 : 1;
    if (x->level != y->level) return x->level < y->level ? -1 : 1;
    if (x->region != y->region) return x->region < y->region ? -1 : 1;
    return (x->test > y->test) - (x->test < y->test);
}

/* The digit test of an omnibus row name, or -1. */
static int test_of(const char *name, int *kind)
{
    static const int dt[SAKSI_DK_COUNT] = {-1, SAKSI_DT_LAST, SAKSI_DT_SECOND_2D,
                                           SAKSI_DT_SECOND_3D};
    for (int k = SAKSI_DK_LAST; k < SAKSI_DK_COUNT; k++)
        if (strcmp(name, saksi_digits_test_name[k]) == 0) {
            *kind = k;
            return dt[k];
        }
    return -1;
}

saksi_status saksi_view_digit_regions(const saksi_table *t, const saksi_results *res,
                                      saksi_fig_digits **out, size_t *nout, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    pick *p = NULL;
    size_t np = 0;
    uint8_t *exclude = NULL, *mask = NULL;
    saksi_bb *bb = NULL;
    double *pmf = NULL;
    saksi_fig_digits *fig = NULL;
    saksi_digits_options opt;
    *out = NULL;
    *nout = 0;
    if (!res->digits || !res->region_tests || !res->rules || !res->fail_mask) goto out;
    if (!(p = saksi_malloc_array(res->region_tests->n ? res->region_tests->n : 1, sizeof *p)))
        SAKSI_ALLOC_FAIL("digit regions");
    for (size_t k = 0; k < res->region_tests->n; k++) {
        const saksi_region_test *r = &res->region_tests->row[k];
        int kind, test = test_of(r->test, &kind);
        if (test < 0 || !r->flagged || r->level <= SAKSI_LEVEL_NATIONAL ||
            r->level >= SAKSI_NLEVELS || r->region >= t->regions[r->level].n)
            continue;
        p[np++] = (pick){test, kind, r->level, r->region, r->q};
    }
    if (np == 0) goto out;
    qsort(p, np, sizeof *p, cmp_pick);
    if (np > SAKSI_HTML_DIGIT_REGIONS) np = SAKSI_HTML_DIGIT_REGIONS;

    saksi_digits_options_init(&opt);
    size_t n = t->n ? t->n : 1, cells = n * (t->ncand ? t->ncand : 1);
    int32_t maxn = 1;
    exclude = saksi_malloc_array(n, 1);
    mask = saksi_malloc_array(cells, 1);
    bb = saksi_malloc_array(n, sizeof *bb);
    fig = saksi_calloc_array(np, sizeof *fig);
    if (!exclude || !mask || !bb || !fig) SAKSI_ALLOC_FAIL("digit regions");
    for (size_t i = 0; i < t->n; i++) {
        int32_t v = saksi_table_get(t, SAKSI_F_VALID, i);
        maxn = v != SAKSI_MISSING && v > maxn ? v : maxn;
    }
    for (size_t c = 0; c < t->ncand; c++) /* valid may be missing: the sum is the size */
        for (size_t i = 0; i < t->n; i++) {
            int32_t x, sz;
            int ci = (int)c;
            if (saksi_digits_rate(t, i, &ci, &x, &sz) && sz > maxn) maxn = sz;
        }
    if (!(pmf = saksi_malloc_array((size_t)maxn + 1, sizeof *pmf)))
        SAKSI_ALLOC_FAIL("digit regions");
    SAKSI_TRY(saksi_digits_exclusions(t, res, exclude, err));
    SAKSI_TRY(saksi_digits_masks(t, exclude, &opt.peers, mask, NULL, err));
    for (size_t k = 0; k < np; k++) {
        fig[k].test = saksi_digits_test_name[p[k].kind];
        fig[k].level = p[k].level;
        fig[k].region = p[k].region;
        fig[k].candidate = -1; /* the omnibus: every candidate's numbers */
    }
    for (size_t c = 0; c < t->ncand; c++) {
        int ci = (int)c;
        SAKSI_TRY(saksi_digits_peers(t, ci, exclude, &opt.peers, bb, err));
        for (size_t k = 0; k < np; k++) {
            const saksi_regions *rg = &t->regions[p[k].level];
            for (size_t i = rg->first[p[k].region];
                 i < rg->first[p[k].region] + rg->count[p[k].region]; i++) {
                int32_t v, sz, a, b, lo, hi;
                saksi_digit_probs pr;
                if (!mask[c * t->n + i] || !saksi_digits_rate(t, i, &ci, &v, &sz) || !bb[i].ok)
                    continue;
                saksi_digits_range(sz, bb[i].mu, bb[i].rho, &a, &b);
                unsigned tests = 1u << p[k].test;
                saksi_digits_window(v, a, b, tests, &lo, &hi);
                saksi_digits_pmf_window(sz, bb[i].mu, bb[i].rho, lo, hi, pmf);
                saksi_digits_probs(v, a, b, pmf, lo, tests, &pr);
                if (pr.bin[p[k].test] < 0 || !pr.in[p[k].test]) continue;
                fig[k].observed[pr.bin[p[k].test] % SAKSI_DIGIT_BINS] += 1.0;
                for (int d = 0; d < SAKSI_DIGIT_BINS; d++)
                    fig[k].expected[d] += pr.p[p[k].test][d];
            }
        }
    }
    for (size_t k = 0; k < np; k++) {
        double cls[SAKSI_DIGIT_BINS], total = 0;
        saksi_digits_classical(p[k].test, cls);
        for (int d = 0; d < SAKSI_DIGIT_BINS; d++)
            total += fig[k].observed[d];
        for (int d = 0; d < SAKSI_DIGIT_BINS; d++)
            fig[k].classical[d] = cls[d] * total;
    }
    *out = fig;
    *nout = np;
    fig = NULL;
out:
    free(p);
    free(exclude);
    free(mask);
    free(bb);
    free(pmf);
    free(fig);
    return rc;
}
