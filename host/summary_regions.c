/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * summary_regions.c — what the run summary (and --json) says about the
 * region tests of every family: per (test, level) BH family its size m,
 * flags and inflation factor lambda, and the flagged regions, the most
 * significant first (DESIGN §5: report m beside every q).
 */
#include "digits.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_flag(const void *a, const void *b)
{
    const saksi_flagged_region *x = a, *y = b;
    if (x->level != y->level) return x->level < y->level ? -1 : 1;
    if (x->q != y->q) return x->q < y->q ? -1 : 1;
    int c = strcmp(x->test, y->test);
    return c ? c : strcmp(x->code, y->code);
}

saksi_status saksi_region_tests_summarize(const saksi_table *t, const saksi_region_tests *rt,
                                          saksi_region_family **fam, size_t *nfam,
                                          saksi_flagged_region **flag, size_t *nlisted,
                                          size_t *nflagged, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t nf = 0, ng = 0, n = rt ? rt->n : 0;
    saksi_region_family *f = saksi_malloc_array(n ? n : 1, sizeof *f);
    saksi_flagged_region *g = saksi_malloc_array(n ? n : 1, sizeof *g);
    *fam = NULL;
    *flag = NULL;
    *nfam = *nlisted = *nflagged = 0;
    if (!f || !g) SAKSI_ALLOC_FAIL("region test summary");
    for (size_t k = 0; k < n; k++) {
        const saksi_region_test *r = &rt->row[k];
        size_t j = 0;
        while (j < nf && !(f[j].level == r->level && strcmp(f[j].test, r->test) == 0))
            j++;
        if (j == nf) f[nf++] = (saksi_region_family){r->test, r->level, 0, 0, NAN};
        if (!isnan(r->p) && !r->descriptive) {
            f[j].m = r->m; /* the same on every row of the family */
            f[j].lambda = r->lambda;
        }
        if (!r->flagged) continue;
        f[j].flagged++;
        g[ng++] =
            (saksi_flagged_region){r->test,      r->level,     t->regions[r->level].code[r->region],
                                   r->candidate, r->n,         r->effect,
                                   r->effect_lo, r->effect_hi, r->q};
    }
    qsort(g, ng, sizeof *g, cmp_flag);
    *nflagged = ng;
    *nlisted = ng < SAKSI_SUMMARY_MAX_FLAGGED ? ng : SAKSI_SUMMARY_MAX_FLAGGED;
    *fam = f;
    *nfam = nf;
    *flag = g;
    f = NULL;
    g = NULL;
out:
    free(f);
    free(g);
    return rc;
}
