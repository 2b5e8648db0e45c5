/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_colmap.c — libFuzzer target for column maps: the map file reader
 * (saksi_colmap_read), "--map" pairs (saksi_colmap_add) and what a map does
 * to the ingest. The first input byte picks options; the rest is the map
 * file. When it is accepted, a CSV whose header holds every input name it
 * maps (plus the option's extra columns) is read through it and audited.
 */
#include "fuzz_support.h"

/* Option bits of the first byte. */
#define OPT_PAIRS   0x01u /* also add every line as a --map pair */
#define OPT_EXTRA   0x02u /* header also holds station_id and registered unmapped */
#define OPT_REVERSE 0x04u /* header in reverse order */

/* A growing text buffer. */
typedef struct textbuf {
    char *p;
    size_t len, cap;
} textbuf;

static void reserve(textbuf *t, size_t more)
{
    if (t->len + more <= t->cap) return;
    t->cap = 2 * (t->len + more);
    t->p = realloc(t->p, t->cap);
    FUZZ_CHECK(t->p != NULL, "text buffer");
}

/* Append s[0..n) as one CSV field (RFC 4180 quoting), after a comma unless
 * it starts a record. */
static void put_field(textbuf *t, int first, const char *s, size_t n)
{
    reserve(t, 2 * n + 4);
    char *w = t->p + t->len;
    if (!first) *w++ = ',';
    *w++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') *w++ = '"';
        *w++ = s[i];
    }
    *w++ = '"';
    t->len = (size_t)(w - t->p);
}

static void put_newline(textbuf *t)
{
    reserve(t, 1);
    t->p[t->len++] = '\n';
}

/* The input names of a map text, as saksi_colmap_read reads it. */
static size_t input_names(const char *text, size_t size, const char **name, size_t *nlen,
                          size_t max)
{
    size_t n = 0;
    for (size_t pos = 0; pos < size && n < max;) {
        const char *line = text + pos, *nl = memchr(line, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - line) : size - pos;
        pos += len + 1;
        const char *hash = memchr(line, '#', len);
        if (hash) len = (size_t)(hash - line);
        const char *eq = memchr(line, '=', len);
        if (!eq) continue;
        const char *in = eq + 1;
        size_t il = len - (size_t)(in - line);
        while (il && (*in == ' ' || *in == '\t'))
            in++, il--;
        while (il && (in[il - 1] == ' ' || in[il - 1] == '\t' || in[il - 1] == '\r'))
            il--;
        name[n] = in;
        nlen[n++] = il;
    }
    return n;
}

static void audit_through(const char *map_path, const char *text_of_map, size_t size, unsigned opt)
{
    enum { MAXN = 64 };
    const char *name[MAXN];
    size_t nlen[MAXN];
    textbuf csv = {0};
    char csv_path[64];
    size_t n = input_names(text_of_map, size, name, nlen, MAXN - 2);
    if (opt & OPT_EXTRA) {
        name[n] = "station_id", nlen[n++] = 10;
        name[n] = "registered", nlen[n++] = 10;
    }
    if (n == 0) return;
    for (size_t k = 0; k < n; k++) {
        size_t j = opt & OPT_REVERSE ? n - 1 - k : k;
        put_field(&csv, k == 0, name[j], nlen[j]);
    }
    put_newline(&csv);
    /* Two records: the first column 1 and 2, every other count 7 (a
     * duplicate id is a quarantine, not a failure). */
    for (int r = 1; r <= 2; r++) {
        for (size_t k = 0; k < n; k++)
            put_field(&csv, k == 0, k == 0 ? (r == 1 ? "1" : "2") : "7", 1);
        put_newline(&csv);
    }

    int fd = fuzz_memfile(csv.p, csv.len, csv_path, sizeof csv_path);
    FUZZ_CHECK(fd >= 0, "memfd");
    saksi_config cfg;
    saksi_error err = {0};
    saksi_config_init(&cfg);
    cfg.backend = SAKSI_BACKEND_CPU;
    cfg.map_path = map_path;
    saksi_engine *e = saksi_engine_alloc(&cfg);
    FUZZ_CHECK(e != NULL, "engine allocation");
    saksi_status s = saksi_engine_ingest(e, csv_path, &err);
    if (s == SAKSI_OK) s = saksi_engine_run(e, &err);
    if (s != SAKSI_OK) fuzz_check_error(s, &err, "audit through the map");
    saksi_engine_free(e);
    close(fd);
    free(csv.p);
}

int saksi_fuzz_colmap(const uint8_t *data, size_t size)
{
    char path[64];
    saksi_error err = {0};
    if (size < 1) return 0;
    unsigned opt = data[0];
    const char *text = (const char *)data + 1;
    size -= 1;
    int fd = fuzz_memfile(text, size, path, sizeof path);
    FUZZ_CHECK(fd >= 0, "memfd");

    saksi_colmap *m = saksi_colmap_alloc();
    FUZZ_CHECK(m != NULL, "colmap allocation");
    saksi_status s = saksi_colmap_read(m, path, &err);
    if (s != SAKSI_OK) {
        fuzz_check_error(s, &err, "map file");
        FUZZ_CHECK(s == SAKSI_ERR_DATA, "map status %d: %s", (int)s, err.message);
    } else {
        /* Every input name maps to a canonical name that classifies. */
        const char *name[64];
        size_t nlen[64];
        size_t n = input_names(text, size, name, nlen, 64);
        for (size_t k = 0; k < n; k++) {
            char buf[256];
            if (nlen[k] >= sizeof buf || memchr(name[k], 0, nlen[k])) continue;
            memcpy(buf, name[k], nlen[k]);
            buf[nlen[k]] = 0;
            FUZZ_CHECK(saksi_colmap_canonical(m, buf) != NULL, "no canonical name");
        }
        audit_through(path, text, size, opt);
    }
    saksi_colmap_free(m);

    if (opt & OPT_PAIRS) {
        m = saksi_colmap_alloc();
        FUZZ_CHECK(m != NULL, "colmap allocation");
        for (size_t pos = 0; pos < size;) {
            const char *nl = memchr(text + pos, '\n', size - pos);
            size_t len = nl ? (size_t)(nl - text - pos) : size - pos;
            char *pair = strndup(text + pos, len);
            FUZZ_CHECK(pair != NULL, "pair");
            s = saksi_colmap_add(m, pair, &err);
            if (s != SAKSI_OK) fuzz_check_error(s, &err, "--map pair");
            free(pair);
            pos += len + 1;
        }
        saksi_colmap_free(m);
    }
    close(fd);
    return 0;
}

#ifndef SAKSI_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return saksi_fuzz_colmap(data, size);
}
#endif
