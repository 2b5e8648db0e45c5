/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ingest_sirekap_meta.c — the side table of per-station metadata (Sirekap's
 * ts, psu, status flags and image URLs; a CSV's timestamp column), filled
 * while ingesting in input order and mapped to the finalized table's rows
 * through (src_file, src_line), so the canonical sort needs no hook.
 */
#define _POSIX_C_SOURCE 200809L
#include "ingest_sirekap.h"
#include "presets.h"

#include <stdlib.h>
#include <string.h>

/* Every table row's key in the records: (file, line) order. */
static int key_cmp(uint32_t fa, uint64_t la, uint32_t fb, uint64_t lb)
{
    if (fa != fb) return fa < fb ? -1 : 1;
    return la < lb ? -1 : la > lb;
}

static int rec_cmp(const void *a, const void *b)
{
    const saksi_meta_rec *x = a, *y = b;
    return key_cmp(x->file, x->line, y->file, y->line);
}

saksi_station_meta *saksi_meta_alloc(int kind)
{
    saksi_station_meta *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->kind = kind;
    m->text_cap = 4096;
    if (!(m->text = malloc(m->text_cap))) {
        free(m);
        return NULL;
    }
    m->text[0] = 0;
    m->text_len = 1;
    return m;
}

void saksi_meta_free(saksi_station_meta *m)
{
    if (!m) return;
    free(m->rec);
    free(m->text);
    free(m->rec_of_row);
    free(m);
}

saksi_status saksi_meta_text(saksi_station_meta *m, const char *s, size_t n, size_t *off,
                             saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    *off = 0;
    if (n == 0) goto out;
    if (m->text_len + n + 1 > m->text_cap) {
        size_t cap = m->text_cap;
        while (m->text_len + n + 1 > cap)
            cap *= 2;
        char *t = realloc(m->text, cap);
        if (!t) SAKSI_ALLOC_FAIL("the metadata text");
        m->text = t;
        m->text_cap = cap;
    }
    memcpy(m->text + m->text_len, s, n);
    m->text[m->text_len + n] = 0;
    *off = m->text_len;
    m->text_len += n + 1;
out:
    return rc;
}

saksi_status saksi_meta_push(saksi_station_meta *m, const saksi_meta_rec *r, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (m->n && key_cmp(m->rec[m->n - 1].file, m->rec[m->n - 1].line, r->file, r->line) >= 0)
        m->unsorted = 1;
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 4096;
        saksi_meta_rec *x = saksi_realloc_array(m->rec, cap, sizeof *x);
        if (!x) SAKSI_ALLOC_FAIL("the metadata table");
        m->rec = x;
        m->cap = cap;
    }
    m->rec[m->n++] = *r;
out:
    return rc;
}

saksi_status saksi_meta_add_timestamp(saksi_station_meta *m, uint32_t file, uint64_t line,
                                      const char *s, size_t n, saksi_error *err)
{
    saksi_meta_rec r = {
        .file = file, .line = line, .ts = SAKSI_META_NO_TS, .status_suara = -1, .status_adm = -1};
    int64_t ts;
    if (saksi_parse_timestamp(s, n, &ts)) r.ts = ts;
    return saksi_meta_push(m, &r, err);
}

saksi_status saksi_meta_attach(saksi_station_meta *m, const saksi_table *t, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    free(m->rec_of_row);
    m->rec_of_row = saksi_malloc_array(t->n ? t->n : 1, sizeof *m->rec_of_row);
    if (!m->rec_of_row) SAKSI_ALLOC_FAIL("the metadata index");
    m->nrows = t->n;
    if (m->unsorted) {
        qsort(m->rec, m->n, sizeof *m->rec, rec_cmp);
        m->unsorted = 0;
    }
    for (size_t i = 0; i < t->n; i++) {
        size_t lo = 0, hi = m->n;
        uint32_t f = t->src_file[i];
        uint64_t l = t->src_line[i];
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (key_cmp(m->rec[mid].file, m->rec[mid].line, f, l) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        m->rec_of_row[i] =
            lo < m->n && key_cmp(m->rec[lo].file, m->rec[lo].line, f, l) == 0 ? lo : SIZE_MAX;
    }
out:
    return rc;
}

const saksi_meta_rec *saksi_meta_row(const saksi_station_meta *m, size_t i)
{
    if (!m || !m->rec_of_row || i >= m->nrows || m->rec_of_row[i] == SIZE_MAX) return NULL;
    return &m->rec[m->rec_of_row[i]];
}
