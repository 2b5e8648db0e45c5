/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * presets_bind.c — applies a parsed preset to one input header (which column
 * gives which canonical field, which columns add up to one, how the station
 * id is assembled, which rows are kept) and converts the cells that only the
 * preset's options make readable ("1.827" with a dot thousands separator,
 * "12.0", "-" for no result).
 */
#define _POSIX_C_SOURCE 200809L
#include "presets.h"

#include <stdlib.h>
#include <string.h>

/* Stop accumulating digits above int32: the cell is then out of range. */
#define CELL_DIGIT_CAP 10000000000ull

static size_t find_col(const char *const *names, size_t n, const char *name)
{
    /* "$N": the N-th column (1-based), for a column without a usable name */
    if (name[0] == '$' && name[1]) {
        char *end;
        unsigned long k = strtoul(name + 1, &end, 10);
        return !*end && k >= 1 && k <= n ? (size_t)k - 1 : SIZE_MAX;
    }
    for (size_t j = 0; j < n; j++)
        if (strcmp(names[j], name) == 0) return j;
    return SIZE_MAX;
}

/* First alternative of t present in the header, or SIZE_MAX. */
static size_t term_col(const saksi_preset_term *t, const char *const *names, size_t n)
{
    for (size_t a = 0; a < t->nalt; a++) {
        size_t j = find_col(names, n, t->alt[a]);
        if (j != SIZE_MAX) return j;
    }
    return SIZE_MAX;
}

static int is_ignored(const saksi_preset *p, const char *name)
{
    for (size_t k = 0; k < p->nignore; k++)
        if (strcmp(p->ignore[k], name) == 0) return 1;
    return 0;
}

static saksi_status bind_map(const saksi_preset *p, const saksi_preset_map *m,
                             const char *const *names, size_t n, saksi_preset_binding *b,
                             saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t col[SAKSI_PRESET_MAX_TERMS], present = 0, columns = 0, absent = SIZE_MAX;
    for (size_t t = 0; t < m->nterm; t++) {
        if (m->term[t].literal) {
            col[t] = SIZE_MAX;
            continue;
        }
        columns++;
        col[t] = term_col(&m->term[t], names, n);
        if (col[t] != SIZE_MAX)
            present++;
        else if (absent == SIZE_MAX)
            absent = t;
    }
    if (present == 0 && columns > 0) goto out; /* the layout has no such field */
    if (present < columns)
        SAKSI_FAIL(SAKSI_ERR_DATA,
                   "%s:%u: '%s' adds up columns but '%s' is not in the header (the others are)",
                   p->origin, m->line, m->canonical, m->term[absent].alt[0]);
    int arg, kind = saksi_colkind_of(m->canonical, &arg);
    int simple = m->nterm == 1 && m->term[0].sign > 0 && !m->term[0].literal;
    if (kind == SAKSI_COL_ID && !simple) {
        if (m->nterm > SAKSI_PRESET_MAX_TERMS) SAKSI_FAIL(SAKSI_ERR_INTERNAL, "too many id parts");
        for (size_t t = 0; t < m->nterm; t++) {
            if (m->term[t].sign < 0)
                SAKSI_FAIL(SAKSI_ERR_DATA, "%s:%u: station_id parts are joined with ' + '",
                           p->origin, m->line);
            b->id_col[b->nid] = col[t];
            b->id_lit[b->nid] = m->term[t].literal ? m->term[t].alt[0] : NULL;
            b->nid++;
            if (col[t] != SIZE_MAX && b->role[col[t]] == SAKSI_BIND_IGNORE)
                b->role[col[t]] = SAKSI_BIND_KEEP;
        }
        goto out;
    }
    if (simple && b->role[col[0]] != SAKSI_BIND_CANON) {
        if (b->role[col[0]] == SAKSI_BIND_KEEP && kind != SAKSI_COL_REGION)
            goto as_expr; /* kept text is not a count: read it as a term too */
        b->role[col[0]] = SAKSI_BIND_CANON;
        b->canon[col[0]] = m->canonical;
        goto out;
    }
as_expr:
    if (kind != SAKSI_COL_FIELD && kind != SAKSI_COL_CAND)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s:%u: only counts can add up columns, not '%s'", p->origin,
                   m->line, m->canonical);
    saksi_bind_expr *e = &b->expr[b->nexpr++];
    e->field = kind == SAKSI_COL_FIELD ? arg : -1;
    e->canonical = m->canonical;
    e->nterm = m->nterm;
    for (size_t t = 0; t < m->nterm; t++) {
        e->sign[t] = m->term[t].sign;
        e->col[t] = col[t];
        if (b->role[col[t]] != SAKSI_BIND_CANON) b->role[col[t]] = SAKSI_BIND_TERM;
    }
out:
    return rc;
}

saksi_status saksi_preset_bind(const saksi_preset *p, size_t s, const char *const *names, size_t n,
                               saksi_preset_binding *b, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    memset(b, 0, sizeof *b);
    b->filter_col = b->ts_col = SIZE_MAX;
    if (s >= p->nsrc) SAKSI_FAIL(SAKSI_ERR_USAGE, "%s has no source %zu", p->origin, s);
    b->ncol = n;
    b->role = saksi_calloc_array(n ? n : 1, sizeof *b->role);
    b->canon = saksi_calloc_array(n ? n : 1, sizeof *b->canon);
    b->owned = saksi_calloc_array(n ? n : 1, sizeof *b->owned);
    b->expr = saksi_calloc_array(p->src[0].nmap + p->src[s].nmap + 1, sizeof *b->expr);
    if (!b->role || !b->canon || !b->owned || !b->expr) SAKSI_ALLOC_FAIL("a preset binding");
    /* Text columns first, so that a count mapping of the same column is
     * read as a term. */
    if (p->filter_col) {
        b->filter_col = find_col(names, n, p->filter_col);
        if (b->filter_col == SIZE_MAX)
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s: filter column '%s' is not in the header", p->origin,
                       p->filter_col);
        b->role[b->filter_col] = SAKSI_BIND_KEEP;
    }
    if (p->timestamp && (b->ts_col = find_col(names, n, p->timestamp)) != SIZE_MAX)
        b->role[b->ts_col] = SAKSI_BIND_KEEP;
    /* The id and regions come from the primary source's mappings. */
    for (size_t k = 0; k < p->src[0].nmap; k++) {
        int arg, kind = saksi_colkind_of(p->src[0].map[k].canonical, &arg);
        if (kind == SAKSI_COL_ID || kind == SAKSI_COL_REGION)
            SAKSI_TRY(bind_map(p, &p->src[0].map[k], names, n, b, err));
    }
    for (size_t k = 0; k < p->src[s].nmap; k++) {
        const saksi_preset_map *own = &p->src[s].map[k];
        int arg, kind = saksi_colkind_of(own->canonical, &arg);
        if (kind == SAKSI_COL_ID || kind == SAKSI_COL_REGION) {
            if (s > 0)
                SAKSI_FAIL(SAKSI_ERR_DATA,
                           "%s:%u: [compare] takes the station id and regions from the data "
                           "section",
                           p->origin, own->line);
            continue;
        }
        SAKSI_TRY(bind_map(p, own, names, n, b, err));
    }
    if (p->src[s].cand_rest) {
        static const char prefix[] = SAKSI_CAND_PREFIX;
        for (size_t j = 0; j < n; j++) {
            if (b->role[j] != SAKSI_BIND_IGNORE || is_ignored(p, names[j]) || !names[j][0])
                continue;
            char *c = malloc(sizeof prefix + strlen(names[j]));
            if (!c) SAKSI_ALLOC_FAIL("a candidate name");
            memcpy(c, prefix, sizeof prefix - 1);
            strcpy(c + sizeof prefix - 1, names[j]);
            b->canon[j] = c;
            b->role[j] = SAKSI_BIND_CANON;
            b->owned[j] = 1;
        }
    }
out:
    return rc;
}

void saksi_preset_binding_free(saksi_preset_binding *b)
{
    if (!b) return;
    for (size_t j = 0; b->owned && j < b->ncol; j++)
        if (b->owned[j]) free(b->canon[j]);
    free(b->owned);
    free(b->role);
    free(b->canon);
    free(b->expr);
    memset(b, 0, sizeof *b);
}

/* ------------------------------------------------------------------ */
/* Cells                                                               */
/* ------------------------------------------------------------------ */

int saksi_preset_cell(const saksi_preset *p, const char *s, size_t n, int32_t *v)
{
    while (n && s[0] == ' ')
        s++, n--;
    while (n && s[n - 1] == ' ')
        n--;
    if (n == 0) return SAKSI_PCELL_MISSING;
    for (size_t k = 0; k < p->nmissing; k++)
        if (strlen(p->missing[k]) == n && memcmp(p->missing[k], s, n) == 0)
            return SAKSI_PCELL_MISSING;
    for (size_t k = 0; k < p->nmissing_prefix; k++) {
        size_t l = strlen(p->missing_prefix[k]);
        if (l <= n && memcmp(p->missing_prefix[k], s, l) == 0) return SAKSI_PCELL_MISSING;
    }
    size_t i = 0;
    int neg = s[0] == '-';
    if (s[0] == '-' || s[0] == '+') i++;
    uint64_t x = 0;
    size_t group = 0, digits = 0;
    int grouped = 0;
    for (; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            if (x < CELL_DIGIT_CAP) x = x * 10 + (uint64_t)(c - '0');
            group++;
            digits++;
        } else if (p->thousands && c == p->thousands) {
            /* groups of exactly three after the first of one to three */
            if (group == 0 || group > 3 || (grouped && group != 3)) return SAKSI_PCELL_NOT_INTEGER;
            grouped = 1;
            group = 0;
        } else {
            break;
        }
    }
    if (digits == 0 || (grouped && group != 3)) return SAKSI_PCELL_NOT_INTEGER;
    if (i < n) {
        /* a decimal fraction of zeros only ("12.0") is an integer */
        if (!p->decimal || s[i] != p->decimal || i + 1 == n) return SAKSI_PCELL_NOT_INTEGER;
        for (i++; i < n; i++)
            if (s[i] != '0') return SAKSI_PCELL_NOT_INTEGER;
    }
    if (x > (uint64_t)INT32_MAX) return SAKSI_PCELL_OVERFLOW;
    *v = neg ? -(int32_t)x : (int32_t)x;
    return SAKSI_PCELL_VALUE;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int saksi_parse_timestamp(const char *s, size_t n, int64_t *out)
{
    static const char shape[] = "dddd-dd-dd dd:dd:dd";
    unsigned f[6] = {0};
    while (n && s[0] == ' ')
        s++, n--;
    while (n && s[n - 1] == ' ')
        n--;
    if (n != sizeof shape - 1) return 0;
    for (size_t i = 0, k = 0; i < n; i++) {
        if (shape[i] == 'd') {
            if (s[i] < '0' || s[i] > '9') return 0;
            f[k] = f[k] * 10 + (unsigned)(s[i] - '0');
        } else {
            if (s[i] != shape[i] && !(i == 10 && s[i] == 'T')) return 0;
            k++;
        }
    }
    static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > mdays[f[1] - 1] || f[3] > 23 || f[4] > 59 ||
        f[5] > 60)
        return 0;
    *out = days_from_civil(f[0], f[1], f[2]) * 86400 + f[3] * 3600 + f[4] * 60 + f[5];
    return 1;
}
