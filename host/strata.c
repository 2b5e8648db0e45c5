/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * strata.c — `--strata FILE`: the stratum of stations that no region code
 * tells (DESIGN §4: special TPS in prisons, hospitals or campuses behave
 * differently by law, and are their own peers). The file is data, a CSV of
 * `station_id,stratum`, as a KPU list of TPS lokasi khusus would be; it
 * overrides the rules file's region scopes for the stations it names.
 */
#define _POSIX_C_SOURCE 200809L /* getline */
#include "saksi_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

typedef struct listed {
    uint64_t hash;
    size_t line;
    int stratum;
    char *id;
} listed;

static int cmp_listed(const void *a, const void *b)
{
    const listed *x = a, *y = b;
    if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int stratum_lookup(const char *name)
{
    for (int s = 0; s < SAKSI_NSTRATA; s++)
        if (strcmp(name, saksi_stratum_name(s)) == 0) return s;
    return -1;
}

/* One data line "id,stratum" (CR tolerated) into *out. */
static saksi_status parse_line(const char *path, size_t line, char *s, listed *out,
                               saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t len = strlen(s);
    if (len && s[len - 1] == '\r') s[--len] = '\0';
    char *comma = strchr(s, ',');
    if (!comma || strchr(comma + 1, ','))
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s: line %zu: expected 2 fields (station_id,stratum)", path,
                   line);
    *comma = '\0';
    if (!*s) SAKSI_FAIL(SAKSI_ERR_DATA, "%s: line %zu: field station_id is empty", path, line);
    if ((out->stratum = stratum_lookup(comma + 1)) < 0)
        SAKSI_FAIL(SAKSI_ERR_DATA,
                   "%s: line %zu: field stratum: unknown stratum \"%.64s\" (regular, special, "
                   "overseas, noken)",
                   path, line, comma + 1);
    out->line = line;
    out->hash = saksi_hash_bytes(s, strlen(s));
    if (!(out->id = saksi_strdup(s))) SAKSI_ALLOC_FAIL("a strata entry");
out:
    return rc;
}

/* Read every entry, sorted by (hash, id); a station listed twice is an
 * error (two strata for one TPS cannot both be right). */
static saksi_status read_file(const char *path, listed **out, size_t *nout, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0, ecap = 0, line = 0;
    listed *e = NULL;
    if (!f) SAKSI_FAIL(SAKSI_ERR_NOINPUT, "cannot open strata file %s: %s", path, strerror(errno));
    ssize_t got;
    while ((got = getline(&buf, &cap, f)) >= 0) {
        line++;
        if (got > 0 && buf[got - 1] == '\n') buf[--got] = '\0';
        if (line == 1) {
            if (strcmp(buf, "station_id,stratum") != 0 && strcmp(buf, "station_id,stratum\r") != 0)
                SAKSI_FAIL(SAKSI_ERR_DATA, "%s: line 1: the header must be station_id,stratum",
                           path);
            continue;
        }
        if (got == 0 || (got == 1 && buf[0] == '\r')) continue; /* a blank line */
        if (n == ecap) {
            size_t c2 = ecap ? 2 * ecap : 256;
            listed *e2 = saksi_realloc_array(e, c2, sizeof *e2);
            if (!e2) SAKSI_ALLOC_FAIL("strata entries");
            e = e2;
            ecap = c2;
        }
        e[n].id = NULL;
        SAKSI_TRY(parse_line(path, line, buf, &e[n], err));
        n++;
    }
    if (ferror(f)) SAKSI_FAIL(SAKSI_ERR_IO, "cannot read strata file %s", path);
    if (line == 0) SAKSI_FAIL(SAKSI_ERR_DATA, "%s: empty (no header station_id,stratum)", path);
    if (n) qsort(e, n, sizeof *e, cmp_listed);
    for (size_t k = 1; k < n; k++)
        if (e[k].hash == e[k - 1].hash && strcmp(e[k].id, e[k - 1].id) == 0)
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s: line %zu: station %s is already listed on line %zu",
                       path, e[k].line, e[k].id, e[k - 1].line);
    *out = e;
    *nout = n;
    e = NULL;
    n = 0;
out:
    for (size_t k = 0; k < n; k++)
        free(e[k].id);
    free(e);
    free(buf);
    if (f) fclose(f);
    return rc;
}

saksi_status saksi_strata_apply(const char *path, saksi_table *t, size_t *listed_out,
                                size_t *applied_out, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    listed *e = NULL;
    size_t n = 0, applied = 0;
    SAKSI_TRY(read_file(path, &e, &n, err));
    for (size_t i = 0; i < t->n && n; i++) {
        const char *id = t->id_chars + t->id_off[i];
        size_t lo = 0, hi = n; /* first entry with hash >= the station's */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (e[mid].hash < t->id_hash[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        for (; lo < n && e[lo].hash == t->id_hash[i]; lo++)
            if (strcmp(e[lo].id, id) == 0) {
                t->stratum[i] = (uint8_t)e[lo].stratum;
                applied++;
                break;
            }
    }
    *listed_out = n;
    *applied_out = applied;
out:
    for (size_t k = 0; k < n; k++)
        free(e[k].id);
    free(e);
    return rc;
}
