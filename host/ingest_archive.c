/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ingest_archive.c — streams the members of a zip (stored or deflate, data
 * descriptors and zip64 sizes included) or a tar (ustar, pax and GNU long
 * names) over the streaming reader, so an archive is read once, in bounded
 * buffers, with the SHA-256 of the file as stored. Not an archive: the file
 * is its own single member.
 */
#define _POSIX_C_SOURCE 200809L
#include "ingest_archive.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define TAR_BLOCK 512
/* Bytes looked at before deciding the kind: one tar header. */
#define PEEK_BYTES TAR_BLOCK
/* Largest pax extended header or GNU long-name body read into memory. */
#define TAR_MAX_META ((size_t)1 << 20)
/* Decompressed bytes handed out per read of a deflated zip member. */
#define ZIP_OUT_BYTES ((size_t)256 << 10)

#define ZIP_LOCAL      0x04034b50u
#define ZIP_CENTRAL    0x02014b50u
#define ZIP_END        0x06054b50u
#define ZIP64_END      0x06064b50u
#define ZIP_DESCRIPTOR 0x08074b50u

struct saksi_archive {
    saksi_reader *r;
    char *path;
    int kind;
    /* the source: first the peeked bytes, then the reader's chunks */
    char *front;
    size_t front_len, front_pos;
    const char *cd;
    size_t clen, cpos;
    int eof;
    uint64_t consumed; /* decompressed bytes taken from the source */
    /* the current member */
    char *name;
    int in_member, member_done, method, descriptor, zip64;
    uint64_t remaining; /* stored / tar bytes left */
    uint64_t padding;   /* tar: bytes to the next block */
    uint32_t crc_expect, crc;
    uint64_t usize_expect, produced;
    z_stream z;
    int z_ready;
    unsigned char *out;
    char *meta; /* pax / GNU long name of the next member */
    int ended;
    size_t chunk; /* the reader's largest chunk */
};

saksi_reader *saksi_archive_reader(saksi_archive *a)
{
    return a->r;
}

int saksi_archive_kind(const saksi_archive *a)
{
    return a->kind;
}

int saksi_archive_glob(const char *pat, const char *s)
{
    if (!pat || !*pat) return 1;
    /* iterative matcher with one backtrack point for the last '*' */
    const char *star = NULL, *mark = NULL;
    while (*s) {
        if (*pat == '*') {
            star = pat++;
            mark = s;
        } else if (*pat == '?' || *pat == *s) {
            pat++;
            s++;
        } else if (star) {
            pat = star + 1;
            s = ++mark;
        } else {
            return 0;
        }
    }
    while (*pat == '*')
        pat++;
    return *pat == 0;
}

/* Make source bytes available; sets eof at the end of the input. */
static saksi_status src_fill(saksi_archive *a, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (a->front_pos < a->front_len || a->cpos < a->clen || a->eof) goto out;
    SAKSI_TRY(saksi_reader_next(a->r, &a->cd, &a->clen, err));
    a->cpos = 0;
    if (a->clen == 0) a->eof = 1;
out:
    return rc;
}

/* The available source bytes (possibly fewer than wanted), not consumed. */
static saksi_status src_peek(saksi_archive *a, const char **p, size_t *n, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    SAKSI_TRY(src_fill(a, err));
    if (a->front_pos < a->front_len) {
        /* the reader checks for a stop before each read; so do the peeked bytes */
        if (saksi_stop_requested())
            SAKSI_FAIL(SAKSI_ERR_INTERRUPTED, "%s: reading stopped on request", a->path);
        /* the peeked bytes go out in the reader's chunk size, so a caller
         * sees the same blocks (and progress steps) as from the reader */
        *p = a->front + a->front_pos;
        *n = a->front_len - a->front_pos;
        if (*n > a->chunk) *n = a->chunk;
    } else {
        *p = a->cd + a->cpos;
        *n = a->clen - a->cpos;
    }
out:
    return rc;
}

static void src_take(saksi_archive *a, size_t n)
{
    if (a->front_pos < a->front_len)
        a->front_pos += n;
    else
        a->cpos += n;
    a->consumed += n;
}

/* Copy exactly n bytes into buf (NULL: discard); *got < n at the end. */
static saksi_status src_get(saksi_archive *a, void *buf, uint64_t n, uint64_t *got,
                            saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    *got = 0;
    while (*got < n) {
        const char *p;
        size_t avail;
        SAKSI_TRY(src_peek(a, &p, &avail, err));
        if (avail == 0) break;
        size_t take = n - *got < avail ? (size_t)(n - *got) : avail;
        if (buf) memcpy((char *)buf + *got, p, take);
        src_take(a, take);
        *got += take;
    }
out:
    return rc;
}

saksi_status saksi_archive_open(saksi_archive **out, const char *path, size_t buffer_bytes,
                                saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_archive *a = calloc(1, sizeof *a);
    *out = NULL;
    if (!a || !(a->path = saksi_strdup(path)) || !(a->front = malloc(PEEK_BYTES)))
        SAKSI_ALLOC_FAIL("the archive reader");
    SAKSI_TRY(saksi_reader_open(&a->r, path, buffer_bytes, err));
    a->chunk = buffer_bytes;
    /* Peek the first block: a zip starts with a local header (or is an
     * empty archive), a tar carries "ustar" at offset 257. */
    while (a->front_len < PEEK_BYTES) {
        if (a->cpos == a->clen) {
            SAKSI_TRY(saksi_reader_next(a->r, &a->cd, &a->clen, err));
            a->cpos = 0;
            if (a->clen == 0) {
                a->eof = 1;
                break;
            }
        }
        size_t take = PEEK_BYTES - a->front_len < a->clen - a->cpos ? PEEK_BYTES - a->front_len
                                                                    : a->clen - a->cpos;
        memcpy(a->front + a->front_len, a->cd + a->cpos, take);
        a->front_len += take;
        a->cpos += take;
    }
    const unsigned char *f = (const unsigned char *)a->front;
    if (a->front_len >= 4 && f[0] == 'P' && f[1] == 'K' &&
        ((f[2] == 3 && f[3] == 4) || (f[2] == 5 && f[3] == 6)))
        a->kind = SAKSI_ARCHIVE_ZIP;
    else if (a->front_len == TAR_BLOCK && memcmp(a->front + 257, "ustar", 5) == 0)
        a->kind = SAKSI_ARCHIVE_TAR;
    *out = a;
    a = NULL;
out:
    saksi_archive_close(a);
    return rc;
}

static uint32_t le16(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
    return le16(p) | le16(p + 2) << 16;
}

static uint64_t le64(const unsigned char *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static saksi_status set_name(saksi_archive *a, const char *s, size_t n, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (n > SAKSI_ARCHIVE_MAX_NAME)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s: member name of %zu bytes", a->path, n);
    char *c = realloc(a->name, n + 1);
    if (!c) SAKSI_ALLOC_FAIL("a member name");
    memcpy(c, s, n);
    c[n] = 0;
    a->name = c;
out:
    return rc;
}

/* Read the rest of the input so that bytes and SHA-256 cover it all. */
static saksi_status drain(saksi_archive *a, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    uint64_t got;
    do
        SAKSI_TRY(src_get(a, NULL, UINT64_MAX, &got, err));
    while (got);
    a->ended = 1;
out:
    return rc;
}

/* ------------------------------------------------------------------ */
/* zip                                                                 */
/* ------------------------------------------------------------------ */

static saksi_status zip_header(saksi_archive *a, int *found, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    unsigned char h[30];
    char *var = NULL;
    uint64_t got, at = a->consumed;
    *found = 0;
    SAKSI_TRY(src_get(a, h, 4, &got, err));
    if (got == 0) SAKSI_FAIL(SAKSI_ERR_DATA, "%s: zip ends without a central directory", a->path);
    uint32_t sig = got == 4 ? le32(h) : 0;
    if (sig == ZIP_CENTRAL || sig == ZIP_END || sig == ZIP64_END) {
        SAKSI_TRY(drain(a, err));
        goto out;
    }
    if (sig != ZIP_LOCAL)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s: no zip local header at byte %llu", a->path,
                   (unsigned long long)at);
    SAKSI_TRY(src_get(a, h + 4, 26, &got, err));
    if (got != 26)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s: truncated zip header at byte %llu", a->path,
                   (unsigned long long)at);
    uint32_t flags = le16(h + 6), nlen = le16(h + 26), xlen = le16(h + 28);
    a->method = (int)le16(h + 8);
    a->crc_expect = le32(h + 14);
    uint64_t csize = le32(h + 18);
    a->usize_expect = le32(h + 22);
    var = malloc((size_t)nlen + xlen + 1);
    if (!var) SAKSI_ALLOC_FAIL("a zip header");
    SAKSI_TRY(src_get(a, var, (uint64_t)nlen + xlen, &got, err));
    if (got != (uint64_t)nlen + xlen)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s: truncated zip header at byte %llu", a->path,
                   (unsigned long long)at);
    SAKSI_TRY(set_name(a, var, nlen, err));
    a->zip64 = 0;
    /* zip64 extra field (id 1): the 64-bit sizes of the fields set to ~0 */
    for (size_t x = nlen; x + 4 <= (size_t)nlen + xlen;) {
        const unsigned char *e = (const unsigned char *)var + x;
        size_t id = le16(e), sz = le16(e + 2), k = 4;
        if (id == 1) {
            a->zip64 = 1;
            if (a->usize_expect == 0xFFFFFFFFu && k + 8 <= sz + 4)
                a->usize_expect = le64(e + k), k += 8;
            if (csize == 0xFFFFFFFFu && k + 8 <= sz + 4) csize = le64(e + k);
        }
        x += 4 + sz;
    }
    if (flags & 1u) SAKSI_FAIL(SAKSI_ERR_DATA, "%s: member %s is encrypted", a->path, a->name);
    if (a->method != 0 && a->method != 8)
        SAKSI_FAIL(SAKSI_ERR_DATA,
                   "%s: member %s uses compression method %d (only stored and "
                   "deflate are read)",
                   a->path, a->name, a->method);
    a->descriptor = (flags & 8u) != 0;
    if (a->descriptor && a->method == 0)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s: stored member %s has no size in its header", a->path,
                   a->name);
    a->remaining = csize;
    a->crc = 0;
    a->produced = 0;
    if (a->method == 8) {
        if (!a->z_ready) {
            if (inflateInit2(&a->z, -MAX_WBITS) != Z_OK) /* raw deflate (zip) */
                SAKSI_ALLOC_FAIL("the zip decoder");
            a->z_ready = 1;
        } else if (inflateReset(&a->z) != Z_OK) {
            SAKSI_FAIL(SAKSI_ERR_INTERNAL, "%s: inflateReset failed", a->path);
        }
        if (!a->out && !(a->out = malloc(ZIP_OUT_BYTES))) SAKSI_ALLOC_FAIL("the zip output buffer");
    }
    *found = 1;
out:
    free(var);
    return rc;
}

/* After a member's data: its data descriptor, then the CRC and size check. */
static saksi_status zip_finish(saksi_archive *a, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (a->descriptor) {
        unsigned char d[24];
        uint64_t got;
        size_t want = a->zip64 ? 20 : 12;
        SAKSI_TRY(src_get(a, d, 4, &got, err));
        size_t have = (size_t)got;
        if (got == 4 && le32(d) == ZIP_DESCRIPTOR) have = 0; /* the optional signature */
        SAKSI_TRY(src_get(a, d + have, want - have, &got, err));
        if (have + got != want)
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s: truncated data descriptor of %s", a->path, a->name);
        a->crc_expect = le32(d);
        a->usize_expect = a->zip64 ? le64(d + 12) : le32(d + 8);
    }
    if (a->crc != a->crc_expect || a->produced != a->usize_expect)
        SAKSI_FAIL(SAKSI_ERR_DATA,
                   "%s: member %s is corrupt (CRC-32 %08x, expected %08x; %llu bytes, expected "
                   "%llu)",
                   a->path, a->name, a->crc, a->crc_expect, (unsigned long long)a->produced,
                   (unsigned long long)a->usize_expect);
out:
    return rc;
}

static saksi_status zip_read(saksi_archive *a, const char **data, size_t *len, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const char *p;
    size_t avail;
    *len = 0;
    while (*len == 0 && !a->member_done) {
        SAKSI_TRY(src_peek(a, &p, &avail, err));
        if (a->method == 0) {
            if (a->remaining == 0) {
                a->member_done = 1;
                break;
            }
            if (avail == 0)
                SAKSI_FAIL(SAKSI_ERR_DATA, "%s: member %s is truncated", a->path, a->name);
            *len = a->remaining < avail ? (size_t)a->remaining : avail;
            *data = p;
            src_take(a, *len);
            a->remaining -= *len;
        } else {
            if (avail == 0)
                SAKSI_FAIL(SAKSI_ERR_DATA, "%s: member %s is truncated", a->path, a->name);
            a->z.next_in = (unsigned char *)(uintptr_t)p;
            a->z.avail_in = avail > UINT_MAX ? UINT_MAX : (uInt)avail;
            a->z.next_out = a->out;
            a->z.avail_out = (uInt)ZIP_OUT_BYTES;
            int zr = inflate(&a->z, Z_NO_FLUSH);
            src_take(a, (size_t)((const char *)a->z.next_in - p));
            *len = ZIP_OUT_BYTES - a->z.avail_out;
            *data = (const char *)a->out;
            if (zr == Z_STREAM_END)
                a->member_done = 1;
            else if (zr == Z_MEM_ERROR)
                SAKSI_FAIL(SAKSI_ERR_NOMEM, "%s: out of memory inflating %s", a->path, a->name);
            else if (zr != Z_OK && zr != Z_BUF_ERROR)
                SAKSI_FAIL(SAKSI_ERR_DATA, "%s: member %s: corrupt deflate data: %s", a->path,
                           a->name, a->z.msg ? a->z.msg : "inflate failed");
        }
        a->crc = (uint32_t)crc32(a->crc, (const Bytef *)*data, (uInt)*len);
        a->produced += *len;
    }
    if (*len == 0 && a->member_done && a->in_member) {
        a->in_member = 0;
        SAKSI_TRY(zip_finish(a, err));
    }
out:
    return rc;
}

/* ------------------------------------------------------------------ */
/* tar                                                                 */
/* ------------------------------------------------------------------ */

/* Size field: octal, or base-256 when the high bit of the first byte is set. */
static int tar_number(const unsigned char *f, size_t n, uint64_t *v)
{
    *v = 0;
    if (f[0] & 0x80) {
        for (size_t i = 1; i < n; i++) {
            if (*v >> 56) return 0;
            *v = *v << 8 | f[i];
        }
        return 1;
    }
    size_t i = 0;
    while (i < n && f[i] == ' ')
        i++;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++)
        *v = *v * 8 + (uint64_t)(f[i] - '0');
    return i == n || f[i] == 0 || f[i] == ' ';
}

/* The path of a pax extended header body ("LEN key=value\n" records). */
static void pax_path(const char *b, size_t n, const char **path, size_t *plen)
{
    size_t i = 0;
    while (i < n) {
        size_t len = 0, j = i;
        while (j < n && b[j] >= '0' && b[j] <= '9')
            len = len * 10 + (size_t)(b[j++] - '0');
        if (len == 0 || i + len > n || j >= n || b[j] != ' ') return;
        const char *kv = b + j + 1, *end = b + i + len - 1; /* before '\n' */
        if (end - kv > 5 && memcmp(kv, "path=", 5) == 0) {
            *path = kv + 5;
            *plen = (size_t)(end - kv - 5);
        }
        i += len;
    }
}

static saksi_status tar_header(saksi_archive *a, int *found, int *regular, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    unsigned char h[TAR_BLOCK];
    uint64_t got, at = a->consumed, size;
    *found = *regular = 0;
    SAKSI_TRY(src_get(a, h, TAR_BLOCK, &got, err));
    if (got == 0)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s: tar ends without its end-of-archive blocks", a->path);
    if (got != TAR_BLOCK)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s: truncated tar header at byte %llu", a->path,
                   (unsigned long long)at);
    unsigned sum = 0, zero = 1;
    for (size_t i = 0; i < TAR_BLOCK; i++) {
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
        zero &= h[i] == 0;
    }
    if (zero) {
        SAKSI_TRY(drain(a, err));
        goto out;
    }
    uint64_t chk;
    if (!tar_number(h + 148, 8, &chk) || chk != sum)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s: bad tar header checksum at byte %llu", a->path,
                   (unsigned long long)at);
    if (!tar_number(h + 124, 12, &size))
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s: bad tar member size at byte %llu", a->path,
                   (unsigned long long)at);
    char type = (char)h[156];
    a->remaining = size;
    a->padding = (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK;
    *found = 1;
    if (type == 'x' || type == 'L') {
        if (size > TAR_MAX_META)
            SAKSI_FAIL(SAKSI_ERR_LIMIT, "%s: tar metadata entry of %llu bytes", a->path,
                       (unsigned long long)size);
        char *m = malloc((size_t)size + 1);
        if (!m) SAKSI_ALLOC_FAIL("tar metadata");
        free(a->meta);
        a->meta = m;
        SAKSI_TRY(src_get(a, m, size, &got, err));
        if (got < size) SAKSI_FAIL(SAKSI_ERR_DATA, "%s: truncated tar metadata", a->path);
        SAKSI_TRY(src_get(a, NULL, a->padding, &got, err));
        m[size] = 0;
        if (type == 'x') {
            const char *p = NULL;
            size_t pl = 0;
            pax_path(m, (size_t)size, &p, &pl);
            if (p) memmove(m, p, pl);
            m[p ? pl : 0] = 0;
        }
        a->remaining = a->padding = 0;
        goto out;
    }
    if (a->meta && a->meta[0]) {
        SAKSI_TRY(set_name(a, a->meta, strlen(a->meta), err));
    } else {
        char nm[256 + 1 + 100];
        size_t pl = strnlen((const char *)h + 345, 155), nl = strnlen((const char *)h, 100), n = 0;
        if (pl && memcmp(h + 257, "ustar", 5) == 0) {
            memcpy(nm, h + 345, pl);
            nm[pl] = '/';
            n = pl + 1;
        }
        memcpy(nm + n, h, nl);
        SAKSI_TRY(set_name(a, nm, n + nl, err));
    }
    if (a->meta) a->meta[0] = 0;
    *regular = type == '0' || type == 0 || type == '7';
out:
    return rc;
}

static saksi_status tar_read(saksi_archive *a, const char **data, size_t *len, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const char *p;
    size_t avail;
    uint64_t got;
    *len = 0;
    if (a->remaining == 0) {
        if (a->in_member) {
            SAKSI_TRY(src_get(a, NULL, a->padding, &got, err));
            a->padding = 0;
            a->in_member = 0;
        }
        goto out;
    }
    SAKSI_TRY(src_peek(a, &p, &avail, err));
    if (avail == 0) SAKSI_FAIL(SAKSI_ERR_DATA, "%s: member %s is truncated", a->path, a->name);
    *len = a->remaining < avail ? (size_t)a->remaining : avail;
    *data = p;
    src_take(a, *len);
    a->remaining -= *len;
out:
    return rc;
}

/* ------------------------------------------------------------------ */
/* members                                                             */
/* ------------------------------------------------------------------ */

saksi_status saksi_archive_read(saksi_archive *a, const char **data, size_t *len, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    *data = NULL;
    *len = 0;
    if (!a->in_member) goto out;
    if (a->kind == SAKSI_ARCHIVE_ZIP) {
        SAKSI_TRY(zip_read(a, data, len, err));
    } else if (a->kind == SAKSI_ARCHIVE_TAR) {
        SAKSI_TRY(tar_read(a, data, len, err));
    } else {
        const char *p;
        size_t avail;
        SAKSI_TRY(src_peek(a, &p, &avail, err));
        *data = p;
        *len = avail;
        src_take(a, avail);
        if (avail == 0) {
            a->in_member = 0;
            a->ended = 1;
        }
    }
out:
    return rc;
}

saksi_status saksi_archive_next(saksi_archive *a, const char **name, int *more, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const char *d;
    size_t n;
    *more = 0;
    *name = NULL;
    while (a->in_member) { /* skip the rest of the current member */
        SAKSI_TRY(saksi_archive_read(a, &d, &n, err));
        if (n == 0 && a->in_member && a->kind != SAKSI_ARCHIVE_ZIP) break;
    }
    while (!a->ended) {
        int found = 0, regular = 0;
        if (a->kind == SAKSI_ARCHIVE_NONE) {
            if (a->consumed > 0 || a->name) break;
            SAKSI_TRY(set_name(a, a->path, strlen(a->path), err));
            regular = found = 1;
        } else if (a->kind == SAKSI_ARCHIVE_ZIP) {
            SAKSI_TRY(zip_header(a, &found, err));
            size_t nl = found ? strlen(a->name) : 0;
            regular = found && !(nl && a->name[nl - 1] == '/');
        } else {
            SAKSI_TRY(tar_header(a, &found, &regular, err));
        }
        if (!found) break;
        a->in_member = 1;
        a->member_done = 0;
        if (regular) {
            *name = a->name;
            *more = 1;
            goto out;
        }
        while (a->in_member) { /* a directory, link or metadata entry */
            SAKSI_TRY(saksi_archive_read(a, &d, &n, err));
            if (n == 0 && a->in_member && a->kind != SAKSI_ARCHIVE_ZIP) break;
        }
    }
    if (!a->ended) SAKSI_TRY(drain(a, err));
out:
    return rc;
}

void saksi_archive_close(saksi_archive *a)
{
    if (!a) return;
    if (a->z_ready) inflateEnd(&a->z);
    saksi_reader_close(a->r);
    free(a->front);
    free(a->path);
    free(a->name);
    free(a->out);
    free(a->meta);
    free(a);
}
