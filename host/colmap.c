/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * colmap.c — column maps that adapt another CSV header to the canonical names
 * of DESIGN §3 ("canonical=input" pairs from --map or a map file), and the
 * classifier of canonical names shared with the CSV ingest.
 */
#define _POSIX_C_SOURCE 200809L
#include "ingest_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One mapping and where it came from, for duplicate messages. */
typedef struct colmap_entry {
    char *canonical;
    char *input;
    char *origin; /* "--map" or "path:line" */
} colmap_entry;

struct saksi_colmap {
    size_t n, cap;
    colmap_entry *e;
};

static const char *const region_names[SAKSI_NLEVELS] = {
    NULL, "province", "regency", "district", "village",
};

int saksi_colkind_of(const char *name, int *arg)
{
    *arg = 0;
    if (strcmp(name, "station_id") == 0) return SAKSI_COL_ID;
    for (int l = SAKSI_LEVEL_PROVINCE; l < SAKSI_NLEVELS; l++) {
        if (strcmp(name, region_names[l]) == 0) {
            *arg = l;
            return SAKSI_COL_REGION;
        }
    }
    int f = saksi_field_lookup(name);
    if (f >= 0) {
        *arg = f;
        return SAKSI_COL_FIELD;
    }
    size_t plen = strlen(SAKSI_CAND_PREFIX);
    if (strncmp(name, SAKSI_CAND_PREFIX, plen) == 0 && name[plen] != '\0') return SAKSI_COL_CAND;
    return SAKSI_COL_UNKNOWN;
}

saksi_colmap *saksi_colmap_alloc(void)
{
    return calloc(1, sizeof(saksi_colmap));
}

void saksi_colmap_free(saksi_colmap *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->e[i].canonical);
        free(m->e[i].input);
        free(m->e[i].origin);
    }
    free(m->e);
    free(m);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Trim blanks at both ends of [*s, *s + *len). */
static void trim(const char **s, size_t *len)
{
    while (*len > 0 && is_blank(**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && is_blank((*s)[*len - 1]))
        (*len)--;
}

/* Add one pair of text[0..len) (not necessarily terminated); origin says
 * where it came from in messages ("--map" or "file:line"). */
static saksi_status add_pair(saksi_colmap *m, const char *text, size_t len, const char *origin,
                             saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    colmap_entry ent = {0};
    const char *eq = memchr(text, '=', len);
    if (!eq)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s: expected canonical=input, got '%.*s'", origin, (int)len,
                   text);
    const char *c = text, *in = eq + 1;
    size_t clen = (size_t)(eq - text), inlen = len - clen - 1;
    trim(&c, &clen);
    trim(&in, &inlen);
    if (clen == 0 || inlen == 0)
        SAKSI_FAIL(SAKSI_ERR_DATA,
                   "%s: expected canonical=input with both names non-empty, got '%.*s'", origin,
                   (int)len, text);
    ent.canonical = strndup(c, clen);
    ent.input = strndup(in, inlen);
    ent.origin = saksi_strdup(origin);
    if (!ent.canonical || !ent.input || !ent.origin) SAKSI_ALLOC_FAIL("a column map entry");
    int arg;
    if (saksi_colkind_of(ent.canonical, &arg) == SAKSI_COL_UNKNOWN)
        SAKSI_FAIL(SAKSI_ERR_DATA,
                   "%s: '%s' is not a canonical column name (station_id, province, regency, "
                   "district, village, registered, valid, ..., cand_<label>; DESIGN §3)",
                   origin, ent.canonical);
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->e[i].canonical, ent.canonical) == 0)
            SAKSI_FAIL(SAKSI_ERR_DATA,
                       "%s: duplicate mapping: '%s' is already mapped from '%s' (%s)", origin,
                       ent.canonical, m->e[i].input, m->e[i].origin);
        if (strcmp(m->e[i].input, ent.input) == 0)
            SAKSI_FAIL(SAKSI_ERR_DATA,
                       "%s: duplicate mapping: input column '%s' is already mapped to '%s' (%s)",
                       origin, ent.input, m->e[i].canonical, m->e[i].origin);
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 16;
        colmap_entry *e = saksi_realloc_array(m->e, cap, sizeof *e);
        if (!e) SAKSI_ALLOC_FAIL("the column map");
        m->e = e;
        m->cap = cap;
    }
    m->e[m->n++] = ent;
    ent = (colmap_entry){0};
out:
    free(ent.canonical);
    free(ent.input);
    free(ent.origin);
    return rc;
}

saksi_status saksi_colmap_add(saksi_colmap *m, const char *pair, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (!m || !pair) SAKSI_FAIL(SAKSI_ERR_USAGE, "saksi_colmap_add: NULL argument");
    rc = add_pair(m, pair, strlen(pair), "--map", err);
out:
    return rc;
}

saksi_status saksi_colmap_read(saksi_colmap *m, const char *path, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    FILE *f = NULL;
    char *line = NULL, *origin = NULL;
    size_t cap = 0;
    if (!m || !path) SAKSI_FAIL(SAKSI_ERR_USAGE, "saksi_colmap_read: NULL argument");
    f = fopen(path, "rb");
    if (!f) SAKSI_FAIL(SAKSI_ERR_NOINPUT, "cannot open column map %s: %s", path, strerror(errno));
    size_t olen = strlen(path) + 32;
    origin = malloc(olen);
    if (!origin) SAKSI_ALLOC_FAIL("a message buffer");
    ssize_t got;
    /* getline returns -1 at the end and on an error alike: errno, cleared
     * before each call, tells a failed allocation (ENOMEM) from the end, so
     * a map is never silently cut short. */
    for (unsigned long lineno = 1; (errno = 0, got = getline(&line, &cap, f)) >= 0; lineno++) {
        const char *s = line;
        size_t len = (size_t)got;
        /* A UTF-8 byte order mark at the start of the file is not a name. */
        if (lineno == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
            s += 3;
            len -= 3;
        }
        /* '#' starts a comment; canonical names never contain it. */
        const char *hash = memchr(s, '#', len);
        if (hash) len = (size_t)(hash - s);
        while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
            len--;
        trim(&s, &len);
        if (len == 0) continue;
        snprintf(origin, olen, "%s:%lu", path, lineno);
        SAKSI_TRY(add_pair(m, s, len, origin, err));
    }
    if (errno == ENOMEM && !ferror(f))
        SAKSI_FAIL(SAKSI_ERR_NOMEM, "out of memory reading column map %s", path);
    if (ferror(f))
        SAKSI_FAIL(SAKSI_ERR_IO, "error reading column map %s: %s", path, strerror(errno));
out:
    free(line);
    free(origin);
    if (f) fclose(f);
    return rc;
}

const char *saksi_colmap_canonical(const saksi_colmap *m, const char *input_name)
{
    if (m)
        for (size_t i = 0; i < m->n; i++)
            if (strcmp(m->e[i].input, input_name) == 0) return m->e[i].canonical;
    return input_name;
}
