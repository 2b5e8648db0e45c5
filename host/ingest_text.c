/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ingest_text.c — byte-level helpers of the CSV ingest: ASCII and UTF-8
 * validation, the quote-aware record scanner that finds where a record ends,
 * and the RFC 4180 splitter for records that contain quotes.
 */
#include "ingest_internal.h"

#include <string.h>

/* Offset of the first byte that is not plain ASCII text (>= 0x80, or a
 * NUL), or len. Eight bytes at a time: a word has a zero byte exactly when
 * (w - 0x01..01) & ~w & 0x80..80 is non-zero (the "haszero" bit trick). */
size_t saksi_ascii_prefix(const char *s, size_t len)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if ((w & highs) | ((w - ones) & ~w & highs)) break;
    }
    for (; i < len; i++)
        if ((unsigned char)s[i] >= 0x80 || s[i] == 0) return i;
    return len;
}

/* Offset of the first byte that does not belong to a valid UTF-8 sequence
 * (overlong forms, surrogates and code points above U+10FFFF rejected, as
 * in Unicode Table 3-7), or len. A NUL byte counts as invalid too: ids and
 * names become C strings downstream, where it would cut them short. */
size_t saksi_utf8_invalid_at(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = saksi_ascii_prefix(str, len);
    while (i < len) {
        unsigned c = s[i];
        if (c == 0) return i;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF)
            n = 1;
        else if (c >= 0xE0 && c <= 0xEF)
            n = 2;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 3;
        else
            return i;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
        else if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
        if (len - i - 1 < n || s[i + 1] < lo || s[i + 1] > hi) return i;
        for (size_t k = 2; k <= n; k++)
            if ((s[i + k] & 0xC0) != 0x80) return i;
        i += n + 1;
    }
    return len;
}

/* Occurrences of byte c in [p, e). */
uint64_t saksi_count_byte(const char *p, const char *e, char c)
{
    uint64_t n = 0;
    while (p < e && (p = memchr(p, c, (size_t)(e - p))) != NULL) {
        n++;
        p++;
    }
    return n;
}

/*
 * Advance the record scanner over [p, e) from state *qs. Returns the '\n'
 * that ends the record, or NULL when the record goes on past e. Newlines
 * inside quotes are added to *nl; *sawq is set when a '"' is seen anywhere
 * (such records take the quote-aware splitter).
 */
const char *saksi_csv_scan(int *qs, const char *p, const char *e, uint64_t *nl, int *sawq,
                           char delim)
{
    while (p < e) {
        if (*qs == QS_QUOTED) {
            const char *q = memchr(p, '"', (size_t)(e - p));
            *nl += saksi_count_byte(p, q ? q : e, '\n');
            if (!q) return NULL;
            *qs = QS_QUOTE_SEEN;
            p = q + 1;
            continue;
        }
        char c = *p++;
        if (c == '\n') return p - 1;
        if (c == delim) {
            *qs = QS_FIELD_START;
        } else if (c == '"') {
            *sawq = 1;
            /* At a field start a quote opens a quoted field; right after a
             * closing quote it is an escaped quote; elsewhere it is stray
             * (literal here, reported by the splitter). */
            if (*qs != QS_UNQUOTED) *qs = QS_QUOTED;
        } else if (c != ' ' || *qs == QS_QUOTE_SEEN) {
            *qs = QS_UNQUOTED;
        }
    }
    return NULL;
}

/* 1-based column of the byte at offset off of a record (quote-aware). */
size_t saksi_csv_column_at(const char *s, size_t off, char delim)
{
    int qs = QS_FIELD_START, sawq = 0;
    uint64_t nl = 0;
    size_t col = 1;
    for (size_t i = 0; i < off; i++) {
        int before = qs;
        saksi_csv_scan(&qs, s + i, s + i + 1, &nl, &sawq, delim);
        if (before != QS_QUOTED && s[i] == delim) col++;
    }
    return col;
}

/*
 * Split a record with quotes into fields (RFC 4180, spaces around a quoted
 * field allowed), unescaping quoted fields into g->scratch, which holds at
 * least len bytes. The first maxstore fields go to out[]. Returns the field
 * count; *stray receives the 0-based column of the first stray quote (in
 * an unquoted field, or text after a closing quote), SIZE_MAX if none.
 */
size_t saksi_csv_split_quoted(char *scratch, const char *s, const char *e, saksi_span *out,
                              size_t maxstore, size_t *stray, char delim)
{
    char *w = scratch;
    const char *p = s;
    *stray = SIZE_MAX;
    for (size_t j = 0;; j++) {
        const char *f0 = p, *t = p;
        while (t < e && *t == ' ')
            t++;
        saksi_span cell;
        if (t < e && *t == '"') {
            cell.p = w;
            for (t++;;) {
                /* scan() closed every quote before the record ended */
                const char *qq = memchr(t, '"', (size_t)(e - t));
                if (!qq) qq = e;
                memcpy(w, t, (size_t)(qq - t));
                w += qq - t;
                t = qq + 1;
                if (t >= e || *t != '"') break;
                *w++ = '"';
                t++;
            }
            cell.len = (size_t)(w - cell.p);
            while (t < e && *t == ' ')
                t++;
            if (t < e && *t != delim && *stray == SIZE_MAX) *stray = j;
            p = t < e ? memchr(t, delim, (size_t)(e - t)) : NULL;
        } else {
            p = memchr(f0, delim, (size_t)(e - f0));
            cell = (saksi_span){f0, (size_t)((p ? p : e) - f0)};
            if (*stray == SIZE_MAX && memchr(cell.p, '"', cell.len)) *stray = j;
        }
        if (j < maxstore) out[j] = cell;
        if (!p) return j + 1;
        p++;
    }
}
