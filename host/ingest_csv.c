/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ingest_csv.c — streams a canonical station CSV (DESIGN §3) into a station
 * table, applying the record policy of DESIGN §4: a record that cannot be
 * parsed goes to the quarantine with file, line, column and reason; empty is
 * missing, never zero; impossible but well-formed values stay in the table.
 *
 * The parser is hand-rolled for speed: records without a quote (nearly all)
 * are found with memchr and their counts converted in one pass with no
 * per-field allocation; records with quotes, records split across read
 * chunks and invalid UTF-8 take a slower, byte-exact path.
 */
#define _POSIX_C_SOURCE 200809L /* sysconf */
#include "ingest_archive.h"
#include "ingest_csv_internal.h"
#include "ingest_sirekap.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Defaults of saksi_ingest_options (saksi.h). */
#define INGEST_DEFAULT_BUFFER_BYTES   ((size_t)4 << 20)
#define INGEST_DEFAULT_MAX_LINE_BYTES ((size_t)1 << 20)
/* Bytes of an offending cell quoted in a quarantine detail. */
#define INGEST_DETAIL_CELL_BYTES 64
/* Stop accumulating digits at this magnitude: it is above INT32_MAX, so
 * the value is out of range, and v * 10 + 9 cannot wrap a uint64. */
#define INGEST_DIGIT_CAP 10000000000ull


/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

/* Length of a cell's text as quoted in a detail: at most
 * INGEST_DETAIL_CELL_BYTES, not cutting a UTF-8 sequence. */
static int detail_len(span s)
{
    size_t n = s.len;
    if (n > INGEST_DETAIL_CELL_BYTES) {
        n = INGEST_DETAIL_CELL_BYTES;
        while (n > 0 && ((unsigned char)s.p[n] & 0xC0) == 0x80)
            n--;
    }
    return (int)n;
}


/*
 * Convert one count. Leading and trailing ASCII spaces are allowed; an
 * empty cell is missing; then an optional sign and decimal digits only.
 * *pp is left at the first byte after the cell's text (the caller checks
 * that it is the delimiter). The literal -2147483648 is out of range:
 * INT32_MIN is SAKSI_MISSING.
 */
static inline int parse_count(const char **pp, const char *e, int32_t *out, char delim)
{
    const char *p = *pp;
    while (p < e && *p == ' ')
        p++;
    if (p == e || *p == delim) {
        *pp = p;
        *out = SAKSI_MISSING;
        return CELL_MISSING;
    }
    int neg = *p == '-';
    if (*p == '-' || *p == '+') p++;
    const char *d0 = p;
    uint64_t v = 0;
    while (p < e && (unsigned)(*p - '0') < 10u) {
        if (v < INGEST_DIGIT_CAP) v = v * 10 + (uint64_t)(*p - '0');
        p++;
    }
    if (p == d0) {
        *pp = p;
        return CELL_NOT_INTEGER;
    }
    while (p < e && *p == ' ')
        p++;
    *pp = p;
    if (v > (uint64_t)INT32_MAX) return CELL_OVERFLOW;
    *out = neg ? -(int32_t)v : (int32_t)v;
    return CELL_OK;
}

/* ------------------------------------------------------------------ */
/* Quarantine                                                          */
/* ------------------------------------------------------------------ */

/* Quarantine the current record: col is 0-based, or SIZE_MAX for the whole
 * record; id may be empty. */
static saksi_status quarantine(ingest *g, uint64_t line, size_t col, int reason, span id,
                               saksi_error *err, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static saksi_status quarantine(ingest *g, uint64_t line, size_t col, int reason, span id,
                               saksi_error *err, const char *fmt, ...)
{
    char detail[256], idbuf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    id = trim(id);
    size_t n = id.len < sizeof idbuf - 1 ? id.len : sizeof idbuf - 1;
    if (saksi_utf8_invalid_at(id.p, n) < n)
        n = 0; /* an id with broken bytes is not shown: the report stays UTF-8 */
    memcpy(idbuf, id.p, n);
    idbuf[n] = '\0';
    g->st->quarantined++;
    return saksi_quarantine_add(g->q, g->file, line, col == SIZE_MAX ? 0 : (uint32_t)(col + 1),
                                reason, col < g->ncol ? g->col[col].name : "", idbuf, detail, err);
}

/* The station id of a record known only by a prefix (too long, or running
 * to the end of the input): found when it lies before any quote. */
static span prefix_id(const ingest *g, const char *s, size_t len)
{
    const char *p = s, *e = s + len;
    for (size_t j = 0; p < e; j++) {
        const char *c = memchr(p, g->delim, (size_t)(e - p));
        if (!c || memchr(p, '"', (size_t)(c - p))) break;
        if (j == g->id_col) return (span){p, (size_t)(c - p)};
        p = c + 1;
    }
    return (span){"", 0};
}

/* ------------------------------------------------------------------ */
/* Splitting and converting records                                    */
/* ------------------------------------------------------------------ */

/* Make sure the scratch buffers hold a record of len bytes. */
static saksi_status reserve_scratch(ingest *g, size_t len, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t need = len + SAKSI_NLEVELS + 1;
    if (need <= g->scratch_cap) goto out;
    size_t cap = g->scratch_cap ? g->scratch_cap : 4096;
    while (cap < need)
        cap *= 2;
    char *s = realloc(g->scratch, cap);
    if (!s) SAKSI_ALLOC_FAIL("the record scratch buffer");
    g->scratch = s;
    s = realloc(g->regbuf, cap);
    if (!s) SAKSI_ALLOC_FAIL("the region scratch buffer");
    g->regbuf = s;
    g->scratch_cap = cap;
out:
    return rc;
}

/* A count cell the plain parser rejected (r), read again under the
 * preset's options (thousands separator, "-" for missing, ...). */
static int preset_retry(const ingest *g, span cell, int32_t *dst, int r)
{
    if (!g->pre)
        return r;
    switch (saksi_preset_cell(g->pre, cell.p, cell.len, dst)) {
    case SAKSI_PCELL_VALUE:
        return CELL_OK;
    case SAKSI_PCELL_MISSING:
        *dst = SAKSI_MISSING;
        return CELL_MISSING;
    case SAKSI_PCELL_OVERFLOW:
        return CELL_OVERFLOW;
    default:
        return CELL_NOT_INTEGER;
    }
}

/* Record cell j of the current record (a count is converted). Quoted
 * cells are converted here too, so a count must fill its whole cell. */
static inline void take_cell(ingest *g, size_t j, span cell, uint64_t *missing, problem *bad)
{
    const column *c = &g->col[j];
    if (c->role >= ROLE_VALUE) {
        const char *p = cell.p, *e = cell.p + cell.len;
        int r = parse_count(&p, e, c->dst, g->delim);
        if (p != e) r = CELL_NOT_INTEGER;
        if (r == CELL_NOT_INTEGER || r == CELL_OVERFLOW) r = preset_retry(g, cell, c->dst, r);
        if (r == CELL_MISSING)
            (*missing)++;
        else if (r != CELL_OK && bad->reason < 0)
            *bad = (problem){r == CELL_OVERFLOW ? SAKSI_Q_OVERFLOW : SAKSI_Q_NOT_INTEGER, j, cell};
    } else if (c->role != ROLE_IGNORE) {
        g->cell[j] = cell;
        if (c->role == ROLE_ID && trim(cell).len == 0 && bad->reason < 0)
            *bad = (problem){SAKSI_Q_MISSING_ID, j, cell};
    }
}

/* The fast path: split and convert a record without quotes in one pass.
 * Counts are parsed in place (the digit loop finds the comma); other cells
 * are skipped with memchr. Returns the field count. */
static size_t split_plain(ingest *g, const char *s, const char *e, uint64_t *missing, problem *bad)
{
    const char *p = s;
    for (size_t j = 0; j < g->ncol; j++) {
        const column *c = &g->col[j];
        const char *f = p;
        if (c->role >= ROLE_VALUE) {
            int r = parse_count(&p, e, c->dst, g->delim);
            if (p < e && *p != g->delim) {
                r = CELL_NOT_INTEGER;
                p = memchr(p, g->delim, (size_t)(e - p));
                if (!p) p = e;
            }
            if (r == CELL_NOT_INTEGER || r == CELL_OVERFLOW)
                r = preset_retry(g, (span){f, (size_t)(p - f)}, c->dst, r);
            if (r == CELL_MISSING)
                (*missing)++;
            else if (r != CELL_OK && bad->reason < 0)
                *bad = (problem){r == CELL_OVERFLOW ? SAKSI_Q_OVERFLOW : SAKSI_Q_NOT_INTEGER,
                                 j,
                                 {f, (size_t)(p - f)}};
        } else {
            p = memchr(p, g->delim, (size_t)(e - p));
            if (!p) p = e;
            if (c->role != ROLE_IGNORE) {
                span cell = {f, (size_t)(p - f)};
                g->cell[j] = cell;
                if (c->role == ROLE_ID && trim(cell).len == 0 && bad->reason < 0)
                    *bad = (problem){SAKSI_Q_MISSING_ID, j, cell};
            }
        }
        if (p == e) return j + 1;
        p++;
    }
    /* more fields than the header has: count them for the message */
    return g->ncol + 1 + (size_t)saksi_count_byte(p, e, g->delim);
}

/* Threads for the ingest: the option, else two where two CPUs are online
 * (the parser and the table then overlap). */
static int ingest_threads(const saksi_ingest_options *opt)
{
    if (opt->threads > 0) return opt->threads;
    return sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1;
}

/* Hand the station of a parsed record to the table. */
static saksi_status append(ingest *g, uint64_t line, uint64_t missing, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    /* Region cells as terminated strings; an empty one is "not given". */
    const char *regions[SAKSI_NLEVELS] = {NULL};
    if (g->nregions) {
        char *w = g->regbuf;
        for (size_t j = 0; j < g->ncol; j++) {
            if (g->col[j].role != ROLE_REGION) continue;
            span c = trim(g->cell[j]);
            if (c.len == 0) continue;
            memcpy(w, c.p, c.len);
            w[c.len] = '\0';
            regions[g->col[j].arg] = w;
            w += c.len + 1;
        }
    }
    span id;
    SAKSI_TRY(saksi_csvp_record_id(g, &id, err));
    /* Duplicates are found by the table, and quarantined at the end. */
    SAKSI_TRY(saksi_stage_push(g->stage, id.p, id.len, regions, g->values, line, missing, err));
    if (g->opt->meta && g->bind.ts_col != SIZE_MAX) {
        span c = g->cell[g->bind.ts_col];
        SAKSI_TRY(saksi_meta_add_timestamp(g->opt->meta, g->file, line, c.p, c.len, err));
    }
out:
    return rc;
}

static saksi_status header(ingest *g, const char *s, size_t len, uint64_t line, saksi_error *err);

/* A record whose length exceeds max_line_bytes: only its first bytes were
 * kept. */
static saksi_status too_long(ingest *g, const char *prefix, size_t plen, uint64_t full_len,
                             uint64_t line, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    g->first_record = 0;
    if (!g->have_header)
        SAKSI_FAIL(SAKSI_ERR_LIMIT,
                   "%s: line %llu: the header is longer than %zu bytes (max_line_bytes)", g->path,
                   (unsigned long long)line, g->max_line);
    g->st->records++;
    rc = quarantine(g, line, SIZE_MAX, SAKSI_Q_LINE_TOO_LONG, prefix_id(g, prefix, plen), err,
                    "record of %llu bytes is longer than max_line_bytes (%zu)",
                    (unsigned long long)full_len, g->max_line);
out:
    return rc;
}

/* Quarantine a record for its first bad cell. */
static saksi_status bad_cell(ingest *g, uint64_t line, const problem *bad, span id,
                             saksi_error *err)
{
    int n = detail_len(bad->text);
    switch (bad->reason) {
    case SAKSI_Q_NOT_INTEGER:
        return quarantine(g, line, bad->col, bad->reason, id, err,
                          "\"%.*s\" is not an integer count", n, bad->text.p);
    case SAKSI_Q_OVERFLOW:
        return quarantine(g, line, bad->col, bad->reason, id, err,
                          "\"%.*s\" is outside the int32 range -2147483647..2147483647", n,
                          bad->text.p);
    case SAKSI_Q_MISSING_ID:
        return quarantine(g, line, bad->col, bad->reason, id, err, "empty station id");
    default:
        return quarantine(g, line, bad->col, bad->reason, id, err,
                          "stray quote (inside an unquoted field, or text after a closing quote)");
    }
}

/*
 * One complete record s[0..len) (without its '\n'), starting on line.
 * sawq: it contains a quote. The first problem wins, in this order: too
 * long, broken encoding, field count, then the leftmost bad cell, then a
 * duplicate id.
 */
static saksi_status record(ingest *g, const char *s, size_t len, int sawq, uint64_t line,
                           saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    int first = g->first_record;
    if (len > g->max_line) return too_long(g, s, g->max_line, len, line, err);
    if (first) {
        g->first_record = 0;
        /* A UTF-8 byte order mark is not part of the first column's name. */
        if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
            s += 3;
            len -= 3;
        }
    }
    if (len > 0 && s[len - 1] == '\r') len--;
    if (len == 0) {
        g->st->blank_lines++;
        goto out;
    }
    if (!g->have_header && g->pre && line < g->pre->header_row) goto out;
    if (g->repeat_header) {
        /* every member of an archive repeats the first one's header */
        if (len != g->header_len || memcmp(s, g->header_text, len) != 0)
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s: line %llu: the header differs from the first member's",
                       g->member ? g->member : g->path, (unsigned long long)line);
        g->repeat_header = 0;
        goto out;
    }
    if (!g->have_header) {
        rc = header(g, s, len, line, err);
        goto out;
    }
    g->st->records++;
    /* region cells are copied out as terminated strings */
    if (g->nregions) SAKSI_TRY(reserve_scratch(g, len, err));
    size_t bad_utf8 = saksi_ascii_prefix(s, len) < len ? saksi_utf8_invalid_at(s, len) : len;
    uint64_t missing = 0;
    problem bad = {.reason = -1};
    size_t nf;
    if (sawq) {
        SAKSI_TRY(reserve_scratch(g, len, err));
        size_t stray;
        nf = saksi_csv_split_quoted(g->scratch, s, s + len, g->fields, g->ncol, &stray, g->delim);
        size_t upto = nf < g->ncol ? nf : g->ncol;
        for (size_t j = 0; j < upto && j < stray; j++)
            take_cell(g, j, g->fields[j], &missing, &bad);
        if (stray < upto && (bad.reason < 0 || stray < bad.col))
            bad = (problem){SAKSI_Q_BAD_QUOTE, stray, g->fields[stray]};
        for (size_t j = stray; j < upto; j++) /* the id, for the message */
            if (g->col[j].role == ROLE_ID) g->cell[j] = g->fields[j];
    } else {
        nf = split_plain(g, s, s + len, &missing, &bad);
    }
    span id = g->id_col < nf ? g->cell[g->id_col] : (span){"", 0};
    if (nf == g->ncol && bad_utf8 == len && g->pre) {
        if (saksi_csvp_filtered_out(g)) goto out;
        for (size_t k = 0; k < g->pre->nmissing_num; k++) /* a count the preset reads as missing */
            for (size_t j = 0; j < g->ncol; j++)
                if (g->col[j].role >= ROLE_VALUE && *g->col[j].dst == g->pre->missing_num[k]) {
                    *g->col[j].dst = SAKSI_MISSING;
                    missing++;
                }
        if (bad.reason < 0) saksi_csvp_eval_exprs(g, &bad);
        if (g->bind.nid && bad.reason < 0) {
            SAKSI_TRY(saksi_csvp_record_id(g, &id, err));
            if (id.len == 0) bad = (problem){SAKSI_Q_MISSING_ID, g->id_col, id};
        }
    }
    if (bad_utf8 < len) {
        size_t col = saksi_csv_column_at(s, bad_utf8, g->delim) - 1;
        if (s[bad_utf8] == 0)
            rc = quarantine(g, line, col, SAKSI_Q_ENCODING, id, err,
                            "NUL byte at byte %zu of the record", bad_utf8 + 1);
        else
            rc = quarantine(g, line, col, SAKSI_Q_ENCODING, id, err,
                            "invalid UTF-8: byte 0x%02X at byte %zu of the record",
                            (unsigned)(unsigned char)s[bad_utf8], bad_utf8 + 1);
    } else if (nf != g->ncol) {
        rc = quarantine(g, line, SIZE_MAX, SAKSI_Q_FIELD_COUNT, id, err,
                        "expected %zu fields, found %zu", g->ncol, nf);
    } else if (bad.reason >= 0) {
        rc = bad_cell(g, line, &bad, id, err);
    } else {
        rc = append(g, line, missing, err);
    }
out:
    return rc;
}

/* ------------------------------------------------------------------ */
/* The header                                                          */
/* ------------------------------------------------------------------ */

/* "'name'" or "'name' (mapped to 'canonical')" for messages. */
static void describe(char *buf, size_t len, const char *name, const char *canon)
{
    if (strcmp(name, canon) == 0)
        snprintf(buf, len, "'%s'", name);
    else
        snprintf(buf, len, "'%s' (mapped to '%s')", name, canon);
}

/* List the ignored columns in stats->ignored_columns: comma-separated,
 * ending in "..." when they do not fit. */
static void list_ignored(ingest *g)
{
    char *dst = g->st->ignored_columns, name[64];
    size_t cap = sizeof g->st->ignored_columns, used = 0, total = 0;
    for (int pass = 0; pass < 2; pass++) {
        /* pass 0 measures; pass 1 keeps room for ",..." only when
         * everything will not fit */
        size_t limit = total <= cap ? cap - 1 : cap - 1 - 4;
        for (size_t j = 0; j < g->ncol; j++) {
            if (g->col[j].role != ROLE_IGNORE) continue;
            const char *s = g->col[j].name;
            if (!*s) { /* an unnamed column is named by its number */
                snprintf(name, sizeof name, "(column %zu)", j + 1);
                s = name;
            }
            size_t n = strlen(s) + (used ? 1 : 0);
            if (pass == 0) {
                total += strlen(s) + 1;
                continue;
            }
            if (used + n > limit) {
                memcpy(dst + used, used ? ",..." : "...", used ? 5 : 4);
                return;
            }
            snprintf(dst + used, cap - used, "%s%s", used ? "," : "", s);
            used += n;
        }
    }
}

/* Parse the header row: which column is which canonical field. */
static saksi_status header(ingest *g, const char *s, size_t len, uint64_t line, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const char **canon = NULL, **labels = NULL;
    size_t bad = saksi_utf8_invalid_at(s, len);
    if (bad < len)
        SAKSI_FAIL(SAKSI_ERR_DATA,
                   "%s: line %llu: the header is not valid UTF-8 (byte 0x%02X in column %zu)",
                   g->path, (unsigned long long)line, (unsigned)(unsigned char)s[bad],
                   saksi_csv_column_at(s, bad, g->delim));
    SAKSI_TRY(reserve_scratch(g, len, err));
    size_t stray, n = saksi_csv_split_quoted(g->scratch, s, s + len, NULL, 0, &stray, g->delim);
    g->fields = saksi_calloc_array(n, sizeof *g->fields);
    g->cell = saksi_calloc_array(n, sizeof *g->cell);
    g->col = saksi_calloc_array(n, sizeof *g->col);
    g->names = malloc(len + n);
    canon = saksi_calloc_array(n, sizeof *canon);
    labels = saksi_calloc_array(2 * n + 1, sizeof *labels); /* columns, then sums */
    if (!g->fields || !g->cell || !g->col || !g->names || !canon || !labels)
        SAKSI_ALLOC_FAIL("the header");
    saksi_csv_split_quoted(g->scratch, s, s + len, g->fields, n, &stray, g->delim);
    if (stray != SIZE_MAX)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s: line %llu: column %zu of the header has a stray quote",
                   g->path, (unsigned long long)line, stray + 1);
    g->ncol = n;
    char *w = g->names;
    int have_id = 0, present[SAKSI_NFIXED] = {0};
    size_t claim[SAKSI_NFIXED + SAKSI_NLEVELS + 1], ncand = 0;
    for (size_t i = 0; i < sizeof claim / sizeof *claim; i++)
        claim[i] = SIZE_MAX;
    for (size_t j = 0; j < n; j++) {
        span name = trim(g->fields[j]);
        memcpy(w, name.p, name.len);
        w[name.len] = '\0';
        g->col[j].name = w;
        w += name.len + 1;
    }
    if (g->pre) SAKSI_TRY(saksi_csvp_bind_header(g, err));
    for (size_t j = 0; j < n; j++) {
        if (g->pre)
            canon[j] = g->bind.canon[j] ? g->bind.canon[j] : "";
        else
            canon[j] = saksi_colmap_canonical(g->opt->map, g->col[j].name);
        int arg, kind = saksi_colkind_of(canon[j], &arg);
        /* claim[]: the column holding each fixed field, region level and
         * the id; candidates are compared by name */
        size_t prev = SIZE_MAX, *slot = NULL;
        if (kind == SAKSI_COL_FIELD) {
            g->col[j].role = ROLE_VALUE;
            present[arg] = 1;
            slot = &claim[arg];
        } else if (kind == SAKSI_COL_REGION) {
            g->col[j].role = ROLE_REGION;
            g->nregions++;
            slot = &claim[SAKSI_NFIXED + arg];
        } else if (kind == SAKSI_COL_ID) {
            g->col[j].role = ROLE_ID;
            g->id_col = j;
            have_id = 1;
            slot = &claim[SAKSI_NFIXED + SAKSI_NLEVELS];
        } else if (kind == SAKSI_COL_CAND) {
            for (size_t k = 0; k < j; k++)
                if (g->col[k].role == ROLE_VALUE && g->col[k].arg >= SAKSI_NFIXED &&
                    strcmp(canon[k], canon[j]) == 0)
                    prev = k;
            g->col[j].role = ROLE_VALUE;
            arg = SAKSI_NFIXED + (int)ncand;
            labels[ncand++] = canon[j] + strlen(SAKSI_CAND_PREFIX);
        }
        g->col[j].arg = arg;
        if (slot) {
            prev = *slot;
            *slot = j;
        }
        if (prev != SIZE_MAX) {
            char a[300], b[300];
            describe(a, sizeof a, g->col[prev].name, canon[prev]);
            describe(b, sizeof b, g->col[j].name, canon[j]);
            SAKSI_FAIL(
                SAKSI_ERR_DATA,
                "%s: line %llu: columns %zu %s and %zu %s both give the canonical field '%s'",
                g->path, (unsigned long long)line, prev + 1, a, j + 1, b, canon[j]);
        }
    }
    if (g->pre)
        SAKSI_TRY(saksi_csvp_apply_binding(g, present, claim, labels, &ncand, &have_id, line, err));
    if (!have_id)
        SAKSI_FAIL(
            SAKSI_ERR_DATA,
            "%s: line %llu: the header has no station_id column (map one: --map station_id=NAME)",
            g->path, (unsigned long long)line);
    int need_registered = !g->pre || (!g->pre->registered_optional && g->opt->preset_source == 0);
    if (!present[SAKSI_F_REGISTERED] && need_registered)
        SAKSI_FAIL(
            SAKSI_ERR_DATA,
            "%s: line %llu: the header has no registered column (map one: --map registered=NAME)",
            g->path, (unsigned long long)line);
    if (ncand == 0)
        SAKSI_FAIL(SAKSI_ERR_DATA,
                   "%s: line %llu: the header has no candidate column cand_<label> (map one: --map "
                   "cand_01=NAME)",
                   g->path, (unsigned long long)line);
    g->values = saksi_malloc_array(SAKSI_NFIXED + ncand, sizeof *g->values);
    if (!g->values) SAKSI_ALLOC_FAIL("the record values");
    for (size_t f = 0; f < SAKSI_NFIXED + ncand; f++)
        g->values[f] = SAKSI_MISSING;
    g->termv = saksi_malloc_array(n, sizeof *g->termv);
    if (!g->termv) SAKSI_ALLOC_FAIL("the record values");
    for (size_t j = 0; j < n; j++) {
        g->termv[j] = SAKSI_MISSING;
        g->col[j].dst = g->col[j].role == ROLE_TERM ? &g->termv[j] : &g->values[g->col[j].arg];
    }
    g->t = saksi_table_alloc(present, ncand, labels);
    if (!g->t) SAKSI_ALLOC_FAIL("the station table");
    SAKSI_TRY(saksi_stage_open(&g->stage, g->t, SAKSI_NFIXED + ncand, g->file, ingest_threads(g->opt),
                               err));
    list_ignored(g);
    if (!(g->header_text = malloc(len ? len : 1))) SAKSI_ALLOC_FAIL("the header");
    memcpy(g->header_text, s, len);
    g->header_len = len;
    g->have_header = 1;
out:
    free(canon);
    free(labels);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Streaming: records across chunk boundaries                          */
/* ------------------------------------------------------------------ */

/* Keep [p, e) of a record that goes on in the next chunk: at most
 * max_line bytes are kept; past that the record is only measured. */
static saksi_status carry_append(ingest *g, const char *p, const char *e, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t take = (size_t)(e - p);
    g->rec_len += take;
    if (g->carry_len + take > g->max_line) {
        take = g->max_line - g->carry_len;
        g->skipping = 1;
    }
    if (g->carry_len + take > g->carry_cap) {
        size_t cap = g->carry_cap ? g->carry_cap : 4096;
        while (cap < g->carry_len + take)
            cap *= 2;
        char *c = realloc(g->carry, cap);
        if (!c) SAKSI_ALLOC_FAIL("the record carry buffer");
        g->carry = c;
        g->carry_cap = cap;
    }
    memcpy(g->carry + g->carry_len, p, take);
    g->carry_len += take;
out:
    return rc;
}

/* The carried record ended (at a '\n' or the end of the input). */
static saksi_status end_carried(ingest *g, saksi_error *err)
{
    uint64_t line = g->rec_line;
    g->in_record = 0;
    g->line = g->rec_line + g->rec_nl + 1;
    if (g->skipping) return too_long(g, g->carry, g->carry_len, g->rec_len, line, err);
    return record(g, g->carry, g->carry_len, g->sawq, line, err);
}

/* Parse one chunk of the input. */
static saksi_status feed(ingest *g, const char *p, const char *e, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (g->in_record) {
        const char *end = saksi_csv_scan(&g->qs, p, e, &g->rec_nl, &g->sawq, g->delim);
        SAKSI_TRY(carry_append(g, p, end ? end : e, err));
        if (!end) goto out;
        SAKSI_TRY(end_carried(g, err));
        p = end + 1;
    }
    /* The next quote in the chunk: records before it need no quote logic. */
    const char *nextq = memchr(p, '"', (size_t)(e - p));
    while (p < e) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        if (nl && (!nextq || nextq > nl)) {
            SAKSI_TRY(record(g, p, (size_t)(nl - p), 0, g->line, err));
            g->line++;
            p = nl + 1;
            continue;
        }
        int qs = QS_FIELD_START, sawq = 0;
        uint64_t inner = 0;
        const char *end = saksi_csv_scan(&qs, p, e, &inner, &sawq, g->delim);
        if (!end) {
            g->in_record = 1;
            g->skipping = 0;
            g->qs = qs;
            g->sawq = sawq;
            g->rec_nl = inner;
            g->rec_line = g->line;
            g->rec_len = 0;
            g->carry_len = 0;
            SAKSI_TRY(carry_append(g, p, e, err));
            break;
        }
        SAKSI_TRY(record(g, p, (size_t)(end - p), sawq, g->line, err));
        g->line += 1 + inner;
        p = end + 1;
        if (nextq && nextq < p) nextq = memchr(p, '"', (size_t)(e - p));
    }
out:
    return rc;
}

/* The end of the input: the last record may lack its '\n', or be inside an
 * unterminated quote (reported as such even when it is also too long: the
 * quote is the cause). */
static saksi_status finish(ingest *g, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (g->in_record && g->qs == QS_QUOTED) {
        g->in_record = 0;
        if (!g->have_header)
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s: line %llu: the header has an unterminated quote",
                       g->path, (unsigned long long)g->rec_line);
        /* the column whose quote never closes, when it lies in the prefix kept */
        int qs = QS_FIELD_START, sawq = 0;
        uint64_t nl = 0;
        size_t open = SIZE_MAX;
        for (size_t i = 0; i < g->carry_len; i++) {
            int before = qs;
            saksi_csv_scan(&qs, g->carry + i, g->carry + i + 1, &nl, &sawq, g->delim);
            if (qs == QS_QUOTED && before == QS_FIELD_START) open = i;
        }
        size_t col = qs == QS_QUOTED && open != SIZE_MAX ? saksi_csv_column_at(g->carry, open, g->delim) - 1
                                                         : SIZE_MAX;
        g->st->records++;
        rc =
            quarantine(g, g->rec_line, col, SAKSI_Q_BAD_QUOTE, prefix_id(g, g->carry, g->carry_len),
                       err, "quoted field never closed: the record runs to the end of the input");
        goto out;
    }
    if (g->in_record) SAKSI_TRY(end_carried(g, err));
    if (!g->have_header)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s: no header row (the input is empty)", g->path);
out:
    return rc;
}

/* Append what the stage holds, quarantine its duplicates (sorted by line
 * among the member's records from q_start on) and count its stations. */
static saksi_status close_stage(ingest *g, size_t q_start, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_stage_result res = {0};
    if (!g->stage) goto out;
    rc = saksi_stage_close(g->stage, &res, err);
    for (size_t k = 0; rc == SAKSI_OK && k < res.ndups; k++)
        rc = quarantine(g, res.dups[k].line, g->id_col, SAKSI_Q_DUPLICATE_ID,
                        (span){res.dups[k].id, strlen(res.dups[k].id)}, err,
                        "duplicate of line %llu", (unsigned long long)res.dups[k].first);
    saksi_stage_dups_free(res.dups, res.ndups);
    saksi_stage_free(g->stage);
    g->stage = NULL;
    if (rc != SAKSI_OK) goto out;
    g->st->accepted += res.accepted;
    g->st->missing_cells += res.missing;
    saksi_quarantine_sort_lines(g->q, q_start);
out:
    return rc;
}

/* Read every wanted member of the input (the file itself when it is no
 * archive) through the parser; each member is a quarantine file of its own
 * ("archive:member") and repeats the first one's header. */
static saksi_status read_members(ingest *g, saksi_archive *a, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_reader *r = saksi_archive_reader(a);
    uint64_t size = saksi_reader_size(r);
    int kind = saksi_archive_kind(a);
    size_t members = 0, q_start = 0;
    char *qname = NULL;
    for (;;) {
        const char *name, *data;
        size_t len;
        int more;
        SAKSI_TRY(saksi_archive_next(a, &name, &more, err));
        if (!more) break;
        if (kind != SAKSI_ARCHIVE_NONE && !saksi_csvp_member_wanted(g->pre, name)) continue;
        free(qname);
        qname = malloc(strlen(g->path) + strlen(name) + 2);
        if (!qname) SAKSI_ALLOC_FAIL("a member name");
        if (kind == SAKSI_ARCHIVE_NONE)
            strcpy(qname, g->path);
        else
            sprintf(qname, "%s:%s", g->path, name);
        SAKSI_TRY(saksi_quarantine_add_file(g->q, qname, &g->file, err));
        g->member = g->q->files[g->file];
        q_start = g->q->n;
        if (g->have_header) /* the next member's stations, under its own file */
            SAKSI_TRY(saksi_stage_open(&g->stage, g->t, SAKSI_NFIXED + g->t->ncand, g->file,
                                       ingest_threads(g->opt), err));
        g->line = 1;
        g->first_record = 1;
        g->in_record = 0;
        g->repeat_header = g->have_header;
        members++;
        for (;;) {
            SAKSI_TRY(saksi_archive_read(a, &data, &len, err));
            if (len == 0) break;
            SAKSI_TRY(feed(g, data, data + len, err));
            if (g->opt->progress_cb && size)
                g->opt->progress_cb(g->opt->progress_ctx, "ingest",
                                    (double)saksi_reader_bytes(r) / (double)size);
        }
        SAKSI_TRY(finish(g, err));
        SAKSI_TRY(close_stage(g, q_start, err));
    }
    if (members == 0)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s: no archive member matches '%s'", g->path,
                   g->pre && g->pre->members ? g->pre->members : "*");
out:
    free(qname);
    return rc;
}

saksi_status saksi_ingest_csv(const char *path, const saksi_ingest_options *opt,
                              saksi_quarantine *q, saksi_table **out, saksi_ingest_stats *stats,
                              saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_archive *a = NULL;
    saksi_ingest_stats local;
    saksi_ingest_options defaults = {0};
    ingest g = {0};
    if (out) *out = NULL;
    if (!path || !q || !out)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "saksi_ingest_csv: path, quarantine and out are required");
    if (!stats) stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!opt) opt = &defaults;
    g.path = path;
    g.q = q;
    g.st = stats;
    g.opt = opt;
    g.max_line = opt->max_line_bytes ? opt->max_line_bytes : INGEST_DEFAULT_MAX_LINE_BYTES;
    g.line = 1;
    g.first_record = 1;
    g.pre = opt->preset;
    g.delim = g.pre ? g.pre->delimiter : ',';
    g.bind.filter_col = g.bind.ts_col = SIZE_MAX;
    SAKSI_TRY(saksi_archive_open(
        &a, path, opt->buffer_bytes ? opt->buffer_bytes : INGEST_DEFAULT_BUFFER_BYTES, err));
    SAKSI_TRY(read_members(&g, a, err));
    stats->bytes = saksi_reader_bytes(saksi_archive_reader(a));
    saksi_reader_sha256(saksi_archive_reader(a), stats->sha256);
    SAKSI_TRY(saksi_table_finalize(g.t, err));
    *out = g.t;
    g.t = NULL;
out:
    saksi_archive_close(a);
    saksi_preset_binding_free(&g.bind);
    free(g.termv);
    free(g.expr);
    free(g.idbuf);
    free(g.header_text);
    saksi_stage_free(g.stage);
    saksi_table_free(g.t);
    free(g.col);
    free(g.names);
    free(g.cell);
    free(g.fields);
    free(g.values);
    free(g.scratch);
    free(g.regbuf);
    free(g.carry);
    return rc;
}
