/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ingest_sirekap_docs.c — what the JSON readers share: walking the
 * documents of an input (a directory tree in sorted order, the members of a
 * zip or tar, or the lines of a JSON Lines file) one bounded document at a
 * time; the row store that collects stations until the candidate columns
 * are known; the format detection; and yajl's errors as quarantine records
 * with file, line and column.
 */
#define _POSIX_C_SOURCE 200809L
#include "ingest_archive.h"
#include "ingest_sirekap_internal.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_BUFFER_BYTES  ((size_t)4 << 20)
#define DEFAULT_MAX_DOC_BYTES ((size_t)1 << 20)

static const char *const format_names[] = {"csv", "sirekap-json", "kawalpemilu-json"};

const char *saksi_format_name(int format)
{
    return format >= 0 && format <= SAKSI_FORMAT_KAWAL ? format_names[format] : "?";
}

int saksi_format_lookup(const char *name)
{
    if (!strcmp(name, "csv")) return SAKSI_FORMAT_CSV;
    if (!strcmp(name, "sirekap") || !strcmp(name, "sirekap-json")) return SAKSI_FORMAT_SIREKAP;
    if (!strcmp(name, "kawalpemilu") || !strcmp(name, "kawalpemilu-json") || !strcmp(name, "kawal"))
        return SAKSI_FORMAT_KAWAL;
    return -1;
}

/* ------------------------------------------------------------------ */
/* Documents                                                           */
/* ------------------------------------------------------------------ */

typedef struct walk {
    const char *path;
    saksi_json_options opt;
    saksi_doc_fn fn;
    void *ctx;
    saksi_ingest_stats *st;
    char *buf;
    size_t cap;
    uint64_t ordinal;
    EVP_MD_CTX *md; /* directory inputs: SHA-256 over (name, file SHA-256) */
    int stop;       /* the callback asked to stop (detection) */
} walk;

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A member or file that holds one JSON document. */
static int is_json_name(const char *name)
{
    return ends_with(name, ".json") || ends_with(name, ".json.gz") || ends_with(name, ".json.xz");
}

/* Hand the document in w->buf[0..len) to the callback; too long ones are
 * quarantined by it (truncated = 1). */
static saksi_status emit(walk *w, const char *name, size_t len, int truncated, uint64_t line,
                         int jsonl, saksi_error *err)
{
    saksi_doc d = {.name = name,
                   .text = w->buf,
                   .len = len,
                   .truncated = truncated,
                   .ordinal = ++w->ordinal,
                   .line = line,
                   .jsonl = jsonl};
    w->st->documents++;
    saksi_status rc = w->fn(w->ctx, &d, err);
    if (rc == SAKSI_OK && d.stop) w->stop = 1;
    return rc;
}

/* Read a whole member into w->buf, keeping at most max_doc_bytes. */
static saksi_status slurp_member(walk *w, saksi_archive *a, size_t *len, int *truncated,
                                 saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    *len = 0;
    *truncated = 0;
    for (;;) {
        const char *data;
        size_t n;
        SAKSI_TRY(saksi_archive_read(a, &data, &n, err));
        if (n == 0) break;
        size_t take = n;
        if (*len + take > w->opt.max_doc_bytes) {
            take = w->opt.max_doc_bytes - *len;
            *truncated = 1;
        }
        memcpy(w->buf + *len, data, take);
        *len += take;
    }
out:
    return rc;
}

/* JSON Lines: every non-blank line a document. */
static saksi_status lines(walk *w, saksi_archive *a, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t len = 0;
    int skipping = 0;
    uint64_t line = 1;
    for (;;) {
        const char *p, *e;
        size_t n;
        SAKSI_TRY(saksi_archive_read(a, &p, &n, err));
        if (n == 0) {
            if (len || skipping) SAKSI_TRY(emit(w, w->path, len, skipping, line, 1, err));
            break;
        }
        for (e = p + n; p < e;) {
            const char *nl = memchr(p, '\n', (size_t)(e - p));
            size_t take = (size_t)((nl ? nl : e) - p);
            if (len + take > w->opt.max_doc_bytes) {
                take = w->opt.max_doc_bytes - len;
                skipping = 1;
            }
            memcpy(w->buf + len, p, take);
            len += take;
            if (!nl) break;
            while (len && (w->buf[len - 1] == '\r' || w->buf[len - 1] == ' '))
                len--;
            if (len || skipping) SAKSI_TRY(emit(w, w->path, len, skipping, line, 1, err));
            line++;
            len = 0;
            skipping = 0;
            p = nl + 1;
            if (w->stop) goto out;
        }
    }
out:
    return rc;
}

/* One file or archive: its members (or its lines). */
static saksi_status read_file(walk *w, const char *path, const char *shown, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_archive *a = NULL;
    char *name = NULL;
    SAKSI_TRY(saksi_archive_open(&a, path, w->opt.buffer_bytes, err));
    int kind = saksi_archive_kind(a);
    for (;;) {
        const char *member;
        int more;
        size_t len;
        int trunc;
        SAKSI_TRY(saksi_archive_next(a, &member, &more, err));
        if (!more || w->stop) break;
        if (kind == SAKSI_ARCHIVE_NONE && !is_json_name(path)) {
            SAKSI_TRY(lines(w, a, err));
            continue;
        }
        if (kind != SAKSI_ARCHIVE_NONE && !is_json_name(member)) continue;
        free(name);
        if (!(name = malloc(strlen(shown) + strlen(member) + 2)))
            SAKSI_ALLOC_FAIL("a document name");
        if (kind == SAKSI_ARCHIVE_NONE)
            strcpy(name, shown);
        else
            sprintf(name, "%s:%s", shown, member);
        SAKSI_TRY(slurp_member(w, a, &len, &trunc, err));
        SAKSI_TRY(emit(w, name, len, trunc, 1, 0, err));
    }
    if (!w->stop) {
        unsigned char sha[32];
        saksi_reader *r = saksi_archive_reader(a);
        w->st->bytes += saksi_reader_bytes(r);
        saksi_reader_sha256(r, sha);
        if (w->md) {
            if (EVP_DigestUpdate(w->md, shown, strlen(shown) + 1) != 1 ||
                EVP_DigestUpdate(w->md, sha, sizeof sha) != 1)
                SAKSI_FAIL(SAKSI_ERR_INTERNAL, "SHA-256 update failed");
        } else {
            memcpy(w->st->sha256, sha, sizeof sha);
        }
    }
out:
    free(name);
    saksi_archive_close(a);
    return rc;
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name); /* byte order: the same on every locale */
}

/* A directory tree, entries in byte order, recursively. */
static saksi_status read_dir(walk *w, const char *dir, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    struct dirent **list = NULL;
    char *path = NULL;
    int n = scandir(dir, &list, NULL, name_cmp);
    if (n < 0) SAKSI_FAIL(SAKSI_ERR_NOINPUT, "cannot read directory %s: %s", dir, strerror(errno));
    for (int k = 0; k < n && !w->stop; k++) {
        const char *e = list[k]->d_name;
        if (e[0] == '.') continue;
        free(path);
        if (!(path = malloc(strlen(dir) + strlen(e) + 2))) SAKSI_ALLOC_FAIL("a path");
        sprintf(path, "%s/%s", dir, e);
        struct stat st;
        if (stat(path, &st) != 0)
            SAKSI_FAIL(SAKSI_ERR_NOINPUT, "cannot stat %s: %s", path, strerror(errno));
        if (S_ISDIR(st.st_mode))
            SAKSI_TRY(read_dir(w, path, err));
        else if (S_ISREG(st.st_mode) && is_json_name(e))
            SAKSI_TRY(read_file(w, path, path, err));
    }
out:
    for (int k = 0; list && k < n; k++)
        free(list[k]);
    free(list);
    free(path);
    return rc;
}

saksi_status saksi_json_docs(const char *path, const saksi_json_options *opt, saksi_doc_fn fn,
                             void *ctx, saksi_ingest_stats *stats, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    walk w = {.path = path, .fn = fn, .ctx = ctx, .st = stats};
    if (opt) w.opt = *opt;
    if (!w.opt.buffer_bytes) w.opt.buffer_bytes = DEFAULT_BUFFER_BYTES;
    if (!w.opt.max_doc_bytes) w.opt.max_doc_bytes = DEFAULT_MAX_DOC_BYTES;
    if (!(w.buf = malloc(w.opt.max_doc_bytes + 1))) SAKSI_ALLOC_FAIL("the document buffer");
    struct stat st;
    if (stat(path, &st) != 0)
        SAKSI_FAIL(SAKSI_ERR_NOINPUT, "cannot open %s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        unsigned int n = 32;
        if (!(w.md = EVP_MD_CTX_new()) || EVP_DigestInit_ex(w.md, EVP_sha256(), NULL) != 1)
            SAKSI_FAIL(SAKSI_ERR_INTERNAL, "SHA-256 initialisation failed");
        SAKSI_TRY(read_dir(&w, path, err));
        EVP_DigestFinal_ex(w.md, stats->sha256, &n);
    } else {
        SAKSI_TRY(read_file(&w, path, path, err));
    }
out:
    EVP_MD_CTX_free(w.md);
    free(w.buf);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Format detection                                                    */
/* ------------------------------------------------------------------ */

typedef struct sniff {
    int format;
} sniff;

static saksi_status sniff_doc(void *ctx, saksi_doc *d, saksi_error *err)
{
    (void)err;
    sniff *s = ctx;
    /* KawalPemilu nodes carry the hierarchy; Sirekap documents never do. */
    s->format = SAKSI_FORMAT_SIREKAP;
    for (size_t i = 0; i + 11 <= d->len; i++)
        if (memcmp(d->text + i, "\"parentIds\"", 11) == 0) {
            s->format = SAKSI_FORMAT_KAWAL;
            break;
        }
    d->stop = 1;
    return SAKSI_OK;
}

saksi_status saksi_detect_format(const char *path, int *format, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_archive *a = NULL;
    struct stat st;
    *format = SAKSI_FORMAT_CSV;
    if (stat(path, &st) != 0)
        SAKSI_FAIL(SAKSI_ERR_NOINPUT, "cannot open %s: %s", path, strerror(errno));
    int json = S_ISDIR(st.st_mode);
    if (!json) {
        const char *member, *data;
        size_t n = 0;
        int more;
        SAKSI_TRY(saksi_archive_open(&a, path, (size_t)64 << 10, err));
        int kind = saksi_archive_kind(a);
        do {
            SAKSI_TRY(saksi_archive_next(a, &member, &more, err));
        } while (more && kind != SAKSI_ARCHIVE_NONE && !is_json_name(member) &&
                 !ends_with(member, ".csv"));
        if (more) SAKSI_TRY(saksi_archive_read(a, &data, &n, err));
        size_t i = 0;
        if (n >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) i = 3;
        while (i < n && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t'))
            i++;
        json = more && i < n && data[i] == '{';
    }
    if (json) {
        sniff s = {SAKSI_FORMAT_SIREKAP};
        saksi_ingest_stats tmp = {0};
        saksi_json_options o = {.buffer_bytes = (size_t)64 << 10};
        SAKSI_TRY(saksi_json_docs(path, &o, sniff_doc, &s, &tmp, err));
        *format = s.format;
    }
out:
    saksi_archive_close(a);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Quarantine of a document                                            */
/* ------------------------------------------------------------------ */

saksi_status saksi_doc_quarantine(saksi_quarantine *q, saksi_ingest_stats *st, const saksi_doc *d,
                                  size_t offset, int reason, const char *station,
                                  const char *detail, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    uint32_t file;
    /* line and column of the offset within the document (1-based) */
    uint64_t line = d->line;
    size_t col = 1;
    for (size_t i = 0; i < offset && i < d->len; i++) {
        if (d->text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    SAKSI_TRY(saksi_quarantine_add_file(q, d->name, &file, err));
    st->quarantined++;
    SAKSI_TRY(saksi_quarantine_add(q, file, line, (uint32_t)col, reason, "", station ? station : "",
                                   detail, err));
out:
    return rc;
}

/* ------------------------------------------------------------------ */
/* Row store                                                           */
/* ------------------------------------------------------------------ */

int saksi_rows_cand(saksi_rows *r, const char *label, size_t len)
{
    for (size_t k = 0; k < r->ncand; k++)
        if (strlen(r->cand[k]) == len && memcmp(r->cand[k], label, len) == 0) return (int)k;
    if (r->ncand == SAKSI_ROWS_MAX_CAND || len >= sizeof r->cand[0]) return -1;
    memcpy(r->cand[r->ncand], label, len);
    r->cand[r->ncand][len] = 0;
    return (int)r->ncand++;
}

/* Copy s into the row store's text arena; *off its offset. */
static saksi_status rows_text(saksi_rows *r, const char *s, size_t *off, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t n = strlen(s);
    if (r->id_len + n + 1 > r->id_cap) {
        size_t cap = r->id_cap ? 2 * r->id_cap : 65536;
        while (cap < r->id_len + n + 1)
            cap *= 2;
        char *c = realloc(r->ids, cap);
        if (!c) SAKSI_ALLOC_FAIL("the station ids");
        r->ids = c;
        r->id_cap = cap;
    }
    memcpy(r->ids + r->id_len, s, n + 1);
    *off = r->id_len;
    r->id_len += n + 1;
out:
    return rc;
}

saksi_status saksi_rows_push(saksi_rows *r, const char *id, const char *const *regions,
                             const int32_t *values, uint32_t file, uint64_t line, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t w = SAKSI_NFIXED + SAKSI_ROWS_MAX_CAND;
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 4096;
        int32_t *v = saksi_realloc_array(r->vals, cap, w * sizeof *v);
        uint64_t *l = saksi_realloc_array(r->line, cap, sizeof *l);
        if (v) r->vals = v;
        if (l) r->line = l;
        size_t *o = saksi_realloc_array(r->id_off, cap, SAKSI_NLEVELS * sizeof *o);
        if (o) r->id_off = o;
        if (!v || !l || !o) SAKSI_ALLOC_FAIL("the station rows");
        r->cap = cap;
    }
    /* id_off holds, per row, the id and the region codes of levels 1..4
     * (SIZE_MAX: not given) */
    size_t *off = r->id_off + r->n * SAKSI_NLEVELS;
    SAKSI_TRY(rows_text(r, id, &off[0], err));
    for (int l = 1; l < SAKSI_NLEVELS; l++) {
        off[l] = SIZE_MAX;
        if (regions && regions[l]) SAKSI_TRY(rows_text(r, regions[l], &off[l], err));
    }
    memcpy(r->vals + r->n * w, values, w * sizeof *values);
    r->line[r->n++] = line;
    r->file = file;
out:
    return rc;
}

saksi_status saksi_rows_table(saksi_rows *r, const int present[SAKSI_NFIXED], saksi_quarantine *q,
                              saksi_table **out, saksi_ingest_stats *st, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const char *labels[SAKSI_ROWS_MAX_CAND];
    size_t w = SAKSI_NFIXED + SAKSI_ROWS_MAX_CAND;
    int32_t *v = NULL;
    saksi_table *t = NULL;
    for (size_t k = 0; k < r->ncand; k++)
        labels[k] = r->cand[k];
    t = saksi_table_alloc(present, r->ncand, labels);
    v = saksi_malloc_array(w, sizeof *v);
    if (!t || !v) SAKSI_ALLOC_FAIL("the station table");
    for (size_t i = 0; i < r->n; i++) {
        memcpy(v, r->vals + i * w, w * sizeof *v);
        const size_t *off = r->id_off + i * SAKSI_NLEVELS;
        const char *id = r->ids + off[0];
        uint64_t first = 0;
        saksi_error aerr;
        const char *regions[SAKSI_NLEVELS] = {NULL};
        for (int l = 1; l < SAKSI_NLEVELS; l++)
            regions[l] = off[l] == SIZE_MAX ? NULL : r->ids + off[l];
        rc = saksi_table_append(t, id, strlen(id), regions, v, r->file, r->line[i], &first, &aerr);
        if (rc == SAKSI_ERR_DATA && first != 0) {
            char detail[128];
            snprintf(detail, sizeof detail, "duplicate of document %llu",
                     (unsigned long long)first);
            st->quarantined++;
            SAKSI_TRY(saksi_quarantine_add(q, r->file, r->line[i], 0, SAKSI_Q_DUPLICATE_ID, "", id,
                                           detail, err));
            rc = SAKSI_OK;
            continue;
        }
        if (rc != SAKSI_OK) {
            if (err) *err = aerr;
            goto out;
        }
        st->accepted++;
    }
    SAKSI_TRY(saksi_table_finalize(t, err));
    *out = t;
    t = NULL;
out:
    free(v);
    saksi_table_free(t);
    return rc;
}

void saksi_rows_free(saksi_rows *r)
{
    free(r->vals);
    free(r->line);
    free(r->id_off);
    free(r->ids);
    memset(r, 0, sizeof *r);
}
