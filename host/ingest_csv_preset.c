/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ingest_csv_preset.c — the preset side of the CSV ingest: binding a preset
 * to the header (its text and term columns, sums, a station id made of
 * parts), evaluating the sums, the row filter and which archive members are
 * read. The parser (ingest_csv.c) calls these only when a preset is given.
 */
#include "ingest_archive.h"
#include "ingest_csv_internal.h"

#include <stdlib.h>
#include <string.h>

/* The station id of a complete record: its column, or a preset's parts
 * joined; empty when every column part is empty. */
saksi_status saksi_csvp_record_id(ingest *g, span *id, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_preset_binding *b = &g->bind;
    if (b->nid == 0) {
        *id = trim(g->cell[g->id_col]);
        goto out;
    }
    size_t need = 1;
    for (size_t k = 0; k < b->nid; k++)
        need += b->id_lit[k] ? strlen(b->id_lit[k]) : g->cell[b->id_col[k]].len;
    char *w = realloc(g->idbuf, need);
    if (!w) SAKSI_ALLOC_FAIL("a station id");
    g->idbuf = w;
    size_t given = 0;
    for (size_t k = 0; k < b->nid; k++) {
        span c =
            b->id_lit[k] ? (span){b->id_lit[k], strlen(b->id_lit[k])} : trim(g->cell[b->id_col[k]]);
        given += !b->id_lit[k] && c.len > 0;
        memcpy(w, c.p, c.len);
        w += c.len;
    }
    if (given == 0) w = g->idbuf; /* every part empty: no id */
    *id = (span){g->idbuf, (size_t)(w - g->idbuf)};
out:
    return rc;
}

/* Fields a preset adds up from columns; a missing term makes the sum
 * missing, a sum outside int32 is a bad record. */
void saksi_csvp_eval_exprs(ingest *g, problem *bad)
{
    for (size_t k = 0; k < g->nexpr; k++) {
        const expr *x = &g->expr[k];
        int64_t sum = 0;
        int miss = 0;
        for (size_t t = 0; t < x->nterm && !miss; t++) {
            int32_t v = *g->col[x->col[t]].dst;
            miss = v == SAKSI_MISSING;
            sum += x->sign[t] * (int64_t)v;
        }
        if (miss)
            g->values[x->field] = SAKSI_MISSING;
        else if (sum > INT32_MAX || sum < -(int64_t)INT32_MAX)
            *bad = (problem){SAKSI_Q_OVERFLOW, x->col[0], {"(a sum of columns)", 18}};
        else
            g->values[x->field] = (int32_t)sum;
    }
}

/* A row the preset's filter leaves out: not a record. */
int saksi_csvp_filtered_out(ingest *g)
{
    if (g->bind.filter_col == SIZE_MAX) return 0;
    span v = trim(g->cell[g->bind.filter_col]);
    const char *want = g->pre->filter_val;
    if (v.len == strlen(want) && memcmp(v.p, want, v.len) == 0) return 0;
    g->st->records--;
    g->st->filtered++;
    return 1;
}

/* Bind the preset to the header's names (g->col[].name). */
saksi_status saksi_csvp_bind_header(ingest *g, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const char **names = saksi_calloc_array(g->ncol, sizeof *names);
    if (!names) SAKSI_ALLOC_FAIL("the header names");
    for (size_t j = 0; j < g->ncol; j++)
        names[j] = g->col[j].name;
    SAKSI_TRY(saksi_preset_bind(g->pre, g->opt->preset_source, names, g->ncol, &g->bind, err));
out:
    free(names);
    return rc;
}

/* After the columns are classified: the preset's text and term columns,
 * its sums (a field given by a sum and by a column is an error) and a
 * station id made of parts. */
saksi_status saksi_csvp_apply_binding(ingest *g, int *present, size_t *claim, const char **labels,
                                      size_t *ncand, int *have_id, uint64_t line, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_preset_binding *b = &g->bind;
    for (size_t j = 0; j < g->ncol; j++) {
        if (b->role[j] == SAKSI_BIND_TERM) g->col[j].role = ROLE_TERM;
        if (b->role[j] == SAKSI_BIND_KEEP && g->col[j].role == ROLE_IGNORE)
            g->col[j].role = ROLE_KEEP;
    }
    g->expr = saksi_calloc_array(b->nexpr + 1, sizeof *g->expr);
    if (!g->expr) SAKSI_ALLOC_FAIL("the preset's sums");
    for (size_t k = 0; k < b->nexpr; k++) {
        const saksi_bind_expr *x = &b->expr[k];
        expr *e = &g->expr[g->nexpr++];
        e->nterm = x->nterm;
        memcpy(e->sign, x->sign, sizeof e->sign);
        memcpy(e->col, x->col, sizeof e->col);
        if (x->field < 0) {
            e->field = SAKSI_NFIXED + (int)*ncand;
            labels[(*ncand)++] = x->canonical + strlen(SAKSI_CAND_PREFIX);
            continue;
        }
        e->field = x->field;
        if (claim[x->field] != SIZE_MAX)
            SAKSI_FAIL(SAKSI_ERR_DATA,
                       "%s: line %llu: '%s' is given both by column %zu and by a sum (%s)", g->path,
                       (unsigned long long)line, x->canonical, claim[x->field] + 1, g->pre->origin);
        present[x->field] = 1;
    }
    if (b->nid) {
        *have_id = 1;
        g->id_col = b->id_col[0] != SIZE_MAX ? b->id_col[0] : 0;
        for (size_t k = 0; k < b->nid; k++)
            if (b->id_col[k] != SIZE_MAX) {
                g->id_col = b->id_col[k];
                break;
            }
    }
out:
    return rc;
}

/* Which archive members are read: the preset's glob, else every file but
 * macOS resource forks and hidden files. */
int saksi_csvp_member_wanted(const saksi_preset *pre, const char *name)
{
    if (pre && pre->members) return saksi_archive_glob(pre->members, name);
    const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    return strncmp(name, "__MACOSX/", 9) != 0 && base[0] != '.';
}
