/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * figures.c — the plot data that the test families hand to the report
 * (digit bars, integer-percent spike profiles, fingerprints): growing
 * lists of copies, owned by saksi_results and written to report.h5, from
 * which report.html is drawn.
 */
#include "analysis.h"

#include <stdlib.h>
#include <string.h>

/* Make room for one more element of size sz in *arr (n used, *cap held). */
static saksi_status grow(void **arr, size_t n, size_t *cap, size_t sz, const char *what,
                         saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (n < *cap) goto out;
    size_t c2 = *cap ? 2 * *cap : 16;
    void *a2 = saksi_realloc_array(*arr, c2, sz);
    if (!a2) SAKSI_ALLOC_FAIL(what);
    *arr = a2;
    *cap = c2;
out:
    return rc;
}

saksi_status saksi_figures_add_digits(saksi_figures *f, const saksi_fig_digits *d, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    void *arr = f->digits;
    SAKSI_TRY(grow(&arr, f->ndigits, &f->cap_digits, sizeof *d, "digit figures", err));
    f->digits = arr;
    f->digits[f->ndigits++] = *d;
out:
    return rc;
}

saksi_status saksi_figures_add_spikes(saksi_figures *f, const saksi_fig_spikes *s, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    void *arr = f->spikes;
    SAKSI_TRY(grow(&arr, f->nspikes, &f->cap_spikes, sizeof *s, "spike figures", err));
    f->spikes = arr;
    f->spikes[f->nspikes++] = *s;
out:
    return rc;
}

saksi_status saksi_figures_add_fingerprint(saksi_figures *f, const saksi_fig_fingerprint *fp,
                                           saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    void *arr = f->fingerprints;
    int32_t *copy = NULL;
    size_t cells = (size_t)fp->nx * fp->ny;
    if (fp->nx == 0 || fp->ny == 0 || !fp->count)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "a fingerprint of %u x %u bins without counts", fp->nx,
                   fp->ny);
    if (!(copy = saksi_malloc_array(cells, sizeof *copy))) SAKSI_ALLOC_FAIL("a fingerprint");
    memcpy(copy, fp->count, cells * sizeof *copy);
    SAKSI_TRY(
        grow(&arr, f->nfingerprints, &f->cap_fingerprints, sizeof *fp, "fingerprint figures", err));
    f->fingerprints = arr;
    f->fingerprints[f->nfingerprints] = *fp;
    f->fingerprints[f->nfingerprints++].count = copy;
    copy = NULL;
out:
    free(copy);
    return rc;
}

void saksi_figures_free(saksi_figures *f)
{
    if (!f) return;
    for (size_t k = 0; k < f->nfingerprints; k++)
        free(f->fingerprints[k].count);
    free(f->digits);
    free(f->spikes);
    free(f->fingerprints);
    memset(f, 0, sizeof *f);
}
