/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_html_view.c — the view container of the investigator's report:
 * named tables of int, float and string columns and string attributes,
 * grown row by row, strings kept in an arena (a national ranked list has
 * hundreds of thousands of reasons), and lookups by name that tolerate
 * absent tables and columns.
 */
#include "report_html.h"

#include <stdlib.h>
#include <string.h>

/* Strings of the view live in blocks of this size (a longer string gets a
 * block of its own). */
#define ARENA_BLOCK ((size_t)1 << 20)

typedef struct saksi_varena {
    struct saksi_varena *next;
    size_t used, cap;
    char data[];
} saksi_varena;

static const char empty_string[] = "";

static char *arena_copy(saksi_view *v, const char *s)
{
    size_t len = strlen(s) + 1;
    if (len == 1) return (char *)empty_string;
    saksi_varena *a = v->arena;
    if (!a || a->cap - a->used < len) {
        size_t cap = len > ARENA_BLOCK ? len : ARENA_BLOCK;
        saksi_varena *b = malloc(sizeof *b + cap);
        if (!b) return NULL;
        b->next = v->arena;
        b->used = 0;
        b->cap = cap;
        v->arena = a = b;
    }
    char *d = a->data + a->used;
    memcpy(d, s, len);
    a->used += len;
    return d;
}

saksi_view *saksi_view_alloc(void)
{
    return calloc(1, sizeof(saksi_view));
}

static void table_free(saksi_vtable *tb)
{
    if (!tb) return;
    for (size_t c = 0; c < tb->ncols; c++) {
        free(tb->col[c].i);
        free(tb->col[c].f);
        free(tb->col[c].s);
    }
    free(tb);
}

void saksi_view_free(saksi_view *v)
{
    if (!v) return;
    for (size_t k = 0; k < v->ntables; k++)
        table_free(v->table[k]);
    for (size_t k = 0; k < v->nattrs; k++) {
        free(v->key[k]);
        free(v->val[k]);
    }
    for (saksi_varena *a = v->arena, *next; a; a = next) {
        next = a->next;
        free(a);
    }
    free(v);
}

saksi_status saksi_view_add_table(saksi_view *v, const char *name, const saksi_vspec *cols,
                                  size_t ncols, saksi_vtable **out, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_vtable *tb = NULL;
    if (saksi_view_find(v, name) || v->ntables == SAKSI_VIEW_MAX_TABLES ||
        ncols > SAKSI_VIEW_MAX_COLS || strlen(name) >= SAKSI_VIEW_NAME)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "report view: cannot add table %s (%zu columns, %zu tables)",
                   name, ncols, v->ntables);
    if (!(tb = calloc(1, sizeof *tb))) SAKSI_ALLOC_FAIL("a report view table");
    snprintf(tb->name, sizeof tb->name, "%s", name);
    tb->view = v;
    for (size_t c = 0; c < ncols; c++) {
        if (strlen(cols[c].name) >= SAKSI_VIEW_NAME || cols[c].kind < SAKSI_V_I32 ||
            cols[c].kind > SAKSI_V_STR)
            SAKSI_FAIL(SAKSI_ERR_INTERNAL, "report view: bad column %s of %s", cols[c].name, name);
        snprintf(tb->col[c].name, sizeof tb->col[c].name, "%s", cols[c].name);
        tb->col[c].kind = cols[c].kind;
    }
    tb->ncols = ncols;
    v->table[v->ntables++] = tb;
    if (out) *out = tb;
    tb = NULL;
out:
    table_free(tb);
    return rc;
}

saksi_status saksi_vt_append(saksi_vtable *tb, size_t *row, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (tb->nrows == tb->cap) {
        size_t cap = tb->cap ? 2 * tb->cap : 64;
        for (size_t c = 0; c < tb->ncols; c++) {
            saksi_vcol *col = &tb->col[c];
            if (col->kind == SAKSI_V_F64) {
                double *f2 = saksi_realloc_array(col->f, cap, sizeof *f2);
                if (!f2) SAKSI_ALLOC_FAIL("a report view column");
                col->f = f2;
            } else if (col->kind == SAKSI_V_STR) {
                char **s2 = saksi_realloc_array(col->s, cap, sizeof *s2);
                if (!s2) SAKSI_ALLOC_FAIL("a report view column");
                col->s = s2;
            } else {
                int64_t *i2 = saksi_realloc_array(col->i, cap, sizeof *i2);
                if (!i2) SAKSI_ALLOC_FAIL("a report view column");
                col->i = i2;
            }
        }
        tb->cap = cap;
    }
    for (size_t c = 0; c < tb->ncols; c++) {
        saksi_vcol *col = &tb->col[c];
        if (col->kind == SAKSI_V_F64)
            col->f[tb->nrows] = 0.0;
        else if (col->kind == SAKSI_V_STR)
            col->s[tb->nrows] = (char *)empty_string;
        else
            col->i[tb->nrows] = 0;
    }
    *row = tb->nrows++;
out:
    return rc;
}

void saksi_vt_set_i(saksi_vtable *tb, size_t row, size_t col, int64_t v)
{
    tb->col[col].i[row] = v;
}

void saksi_vt_set_f(saksi_vtable *tb, size_t row, size_t col, double v)
{
    tb->col[col].f[row] = v;
}

saksi_status saksi_vt_set_s(saksi_vtable *tb, size_t row, size_t col, const char *s,
                            saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    char *copy = arena_copy(tb->view, s ? s : "");
    if (!copy) SAKSI_ALLOC_FAIL("a report view string");
    tb->col[col].s[row] = copy;
out:
    return rc;
}

saksi_status saksi_view_set_attr(saksi_view *v, const char *key, const char *val, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    char *k = NULL, *s = saksi_strdup(val ? val : "");
    size_t at = v->nattrs;
    for (size_t a = 0; a < v->nattrs; a++)
        if (strcmp(v->key[a], key) == 0) at = a;
    if (!s) SAKSI_ALLOC_FAIL("a report view attribute");
    if (at == v->nattrs) {
        if (v->nattrs == SAKSI_VIEW_MAX_ATTRS)
            SAKSI_FAIL(SAKSI_ERR_INTERNAL, "report view: more than %d attributes (adding %s)",
                       SAKSI_VIEW_MAX_ATTRS, key);
        if (!(k = saksi_strdup(key))) SAKSI_ALLOC_FAIL("a report view attribute");
        v->key[at] = k;
        v->val[at] = NULL;
        v->nattrs++;
        k = NULL;
    }
    free(v->val[at]);
    v->val[at] = s;
    s = NULL;
out:
    free(k);
    free(s);
    return rc;
}

const saksi_vtable *saksi_view_find(const saksi_view *v, const char *name)
{
    for (size_t k = 0; v && k < v->ntables; k++)
        if (strcmp(v->table[k]->name, name) == 0) return v->table[k];
    return NULL;
}

int saksi_vt_col(const saksi_vtable *tb, const char *name)
{
    for (size_t c = 0; tb && c < tb->ncols; c++)
        if (strcmp(tb->col[c].name, name) == 0) return (int)c;
    return -1;
}

int64_t saksi_vt_i(const saksi_vtable *tb, size_t row, const char *col, int64_t dflt)
{
    int c = saksi_vt_col(tb, col);
    if (c < 0 || row >= tb->nrows) return dflt;
    if (tb->col[c].kind == SAKSI_V_F64) return (int64_t)tb->col[c].f[row];
    return tb->col[c].kind == SAKSI_V_STR ? dflt : tb->col[c].i[row];
}

double saksi_vt_f(const saksi_vtable *tb, size_t row, const char *col, double dflt)
{
    int c = saksi_vt_col(tb, col);
    if (c < 0 || row >= tb->nrows) return dflt;
    if (tb->col[c].kind == SAKSI_V_F64) return tb->col[c].f[row];
    return tb->col[c].kind == SAKSI_V_STR ? dflt : (double)tb->col[c].i[row];
}

const char *saksi_vt_s(const saksi_vtable *tb, size_t row, const char *col)
{
    int c = saksi_vt_col(tb, col);
    if (c < 0 || row >= tb->nrows || tb->col[c].kind != SAKSI_V_STR) return "";
    return tb->col[c].s[row];
}

const char *saksi_view_attr(const saksi_view *v, const char *key)
{
    for (size_t a = 0; v && a < v->nattrs; a++)
        if (strcmp(v->key[a], key) == 0) return v->val[a];
    return "";
}
