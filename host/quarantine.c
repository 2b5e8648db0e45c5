/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * quarantine.c — the list of input records that could not be parsed (DESIGN §4
 * "Record policy"): one entry per record with file, line, column, reason,
 * field, station id and a short detail. Strings live in a private arena of
 * large blocks, so a million entries cost a few allocations, not millions.
 */
#include "ingest_internal.h"

#include <stdlib.h>
#include <string.h>

/* Longest detail and station id kept, in bytes (saksi.h promises 200 for
 * the detail); longer text is cut at a UTF-8 boundary and ends in "...". */
#define QUARANTINE_TEXT_MAX 200
/* Size of one arena block. A block holds many strings, each at most
 * QUARANTINE_TEXT_MAX + 4 bytes, or one longer field name on its own. */
#define QUARANTINE_BLOCK_BYTES ((size_t)64 * 1024)
/* First capacity of the record array; it doubles from there. */
#define QUARANTINE_FIRST_CAP 64

typedef struct qblock {
    struct qblock *next;
    size_t used, cap;
    char data[];
} qblock;

struct saksi_qarena {
    qblock *head; /* the block being filled; older blocks follow */
};

static const char *const reason_names[SAKSI_NQREASONS] = {
    [SAKSI_Q_FIELD_COUNT] = "field_count",     [SAKSI_Q_NOT_INTEGER] = "not_integer",
    [SAKSI_Q_OVERFLOW] = "overflow",           [SAKSI_Q_ENCODING] = "encoding",
    [SAKSI_Q_DUPLICATE_ID] = "duplicate_id",   [SAKSI_Q_MISSING_ID] = "missing_id",
    [SAKSI_Q_LINE_TOO_LONG] = "line_too_long", [SAKSI_Q_BAD_QUOTE] = "bad_quote",
    [SAKSI_Q_MALFORMED] = "malformed",         [SAKSI_Q_WRONG_TYPE] = "wrong_type",
    [SAKSI_Q_DUPLICATE_KEY] = "duplicate_key",
};

const char *saksi_qreason_name(int reason)
{
    if (reason < 0 || reason >= SAKSI_NQREASONS) return "unknown";
    return reason_names[reason];
}

saksi_quarantine *saksi_quarantine_alloc(void)
{
    saksi_quarantine *q = calloc(1, sizeof *q);
    if (!q) return NULL;
    q->arena = calloc(1, sizeof *q->arena);
    if (!q->arena) {
        free(q);
        return NULL;
    }
    return q;
}

void saksi_quarantine_free(saksi_quarantine *q)
{
    if (!q) return;
    if (q->arena) {
        qblock *b = q->arena->head;
        while (b) {
            qblock *next = b->next;
            free(b);
            b = next;
        }
        free(q->arena);
    }
    for (size_t i = 0; i < q->nfiles; i++)
        free(q->files[i]);
    free(q->files);
    free(q->rec);
    free(q);
}

saksi_status saksi_quarantine_add_file(saksi_quarantine *q, const char *path, uint32_t *file_index,
                                       saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    char *copy = NULL;
    if (!q || !path || !file_index)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "saksi_quarantine_add_file: NULL argument");
    if (q->nfiles >= UINT32_MAX)
        SAKSI_FAIL(SAKSI_ERR_LIMIT, "more than %u input files", (unsigned)UINT32_MAX);
    copy = saksi_strdup(path);
    if (!copy) SAKSI_ALLOC_FAIL("a quarantine file name");
    char **files = saksi_realloc_array(q->files, q->nfiles + 1, sizeof *files);
    if (!files) SAKSI_ALLOC_FAIL("the quarantine file list");
    q->files = files;
    q->files[q->nfiles] = copy;
    copy = NULL;
    *file_index = (uint32_t)q->nfiles++;
out:
    free(copy);
    return rc;
}

/* Length of the longest prefix of s[0..len) that fits in max bytes without
 * cutting a UTF-8 sequence in two (continuation bytes are 10xxxxxx). */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max) return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* Room for n bytes in the arena, or NULL when out of memory. */
static char *arena_take(struct saksi_qarena *a, size_t n)
{
    qblock *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > QUARANTINE_BLOCK_BYTES ? n : QUARANTINE_BLOCK_BYTES;
        b = malloc(sizeof *b + cap);
        if (!b) return NULL;
        b->next = a->head;
        b->used = 0;
        b->cap = cap;
        a->head = b;
    }
    char *p = b->data + b->used;
    b->used += n;
    return p;
}

/* Copy text into the arena for a report: at most max bytes (0: no limit)
 * cut at a UTF-8 boundary with "..." appended, and control characters (a
 * newline from a quoted field, a tab) turned into spaces so that every
 * entry prints on one line. Invalid UTF-8 is left to the ingest, which
 * never hands it here. */
static const char *arena_copy(struct saksi_qarena *a, const char *s, size_t max)
{
    if (!s || !*s) return "";
    size_t len = strlen(s);
    size_t keep = max ? utf8_cut(s, len, max) : len;
    int cut = keep < len;
    char *d = arena_take(a, keep + (cut ? 3 : 0) + 1);
    if (!d) return NULL;
    for (size_t i = 0; i < keep; i++) {
        unsigned char c = (unsigned char)s[i];
        d[i] = (c < 0x20 || c == 0x7F) ? ' ' : (char)c;
    }
    if (cut) memcpy(d + keep, "...", 3);
    d[keep + (cut ? 3 : 0)] = '\0';
    return d;
}

saksi_status saksi_quarantine_add(saksi_quarantine *q, uint32_t file, uint64_t line,
                                  uint32_t column, int reason, const char *field,
                                  const char *station_id, const char *detail, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (!q) SAKSI_FAIL(SAKSI_ERR_USAGE, "saksi_quarantine_add: NULL quarantine");
    if (file >= q->nfiles)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "quarantine: file index %u not registered (%zu files)",
                   (unsigned)file, q->nfiles);
    if (reason < 0 || reason >= SAKSI_NQREASONS)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "quarantine: reason %d out of range", reason);
    /* The record array doubles; its capacity is the next power of two at
     * or above n, so it is not stored. */
    if (q->n == 0 || (q->n >= QUARANTINE_FIRST_CAP && (q->n & (q->n - 1)) == 0)) {
        size_t cap = q->n < QUARANTINE_FIRST_CAP ? QUARANTINE_FIRST_CAP : 2 * q->n;
        saksi_qrecord *rec = saksi_realloc_array(q->rec, cap, sizeof *rec);
        if (!rec) SAKSI_ALLOC_FAIL("the quarantine list");
        q->rec = rec;
    }
    saksi_qrecord r = {.file = file, .line = line, .column = column, .reason = reason};
    r.field = arena_copy(q->arena, field, 0);
    r.station_id = arena_copy(q->arena, station_id, QUARANTINE_TEXT_MAX);
    r.detail = arena_copy(q->arena, detail, QUARANTINE_TEXT_MAX);
    if (!r.field || !r.station_id || !r.detail) SAKSI_ALLOC_FAIL("quarantine text");
    q->rec[q->n++] = r;
out:
    return rc;
}

static int cmp_line(const void *a, const void *b)
{
    const saksi_qrecord *x = a, *y = b;
    if (x->file != y->file) return x->file < y->file ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

void saksi_quarantine_sort_lines(saksi_quarantine *q, size_t from)
{
    /* Lines are unique within a file (one record is quarantined once), so
     * the order is total and qsort's instability cannot show. */
    if (from < q->n) qsort(q->rec + from, q->n - from, sizeof *q->rec, cmp_line);
}
