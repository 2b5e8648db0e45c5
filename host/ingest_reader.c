/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ingest_reader.c — the streaming reader under the CSV ingest: opens a plain,
 * gzip or xz file (told apart by magic bytes, not by name), hands out its
 * decompressed bytes in bounded chunks, and hashes (SHA-256) and counts the
 * bytes as stored in the same pass, so the input is read exactly once.
 */
#define _POSIX_C_SOURCE 200809L
#include "ingest_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lzma.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* The stored-bytes buffer is never smaller than this, so that the magic
 * bytes (6 for xz) are seen in the first read whatever buffer_bytes is. */
#define READER_MIN_STORED_BYTES 64

static const unsigned char gzip_magic[2] = {0x1F, 0x8B};
static const unsigned char xz_magic[6] = {0xFD, '7', 'z', 'X', 'Z', 0x00};

struct saksi_reader {
    int fd;
    char *path;
    int comp;          /* enum saksi_compression */
    size_t chunk;      /* largest chunk handed out (buffer_bytes) */
    unsigned char *in; /* stored bytes */
    size_t in_cap, in_len, in_pos;
    int in_eof;         /* read() returned 0 */
    unsigned char *out; /* decompressed bytes (compressed inputs only) */
    uint64_t bytes, size;
    EVP_MD_CTX *md;
    z_stream z;
    int z_ready, z_member_end;
    lzma_stream x;
    int x_ready, done;
};

uint64_t saksi_reader_bytes(const saksi_reader *r)
{
    return r->bytes;
}

uint64_t saksi_reader_size(const saksi_reader *r)
{
    return r->size;
}

int saksi_reader_compression(const saksi_reader *r)
{
    return r->comp;
}

/* Read the next block of stored bytes into r->in (replacing what is there),
 * hashing it. Sets in_eof at the end of the file. */
static saksi_status fill(saksi_reader *r, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (saksi_stop_requested())
        SAKSI_FAIL(SAKSI_ERR_INTERRUPTED, "%s: reading stopped on request", r->path);
    ssize_t got;
    do
        got = read(r->fd, r->in, r->in_cap);
    while (got < 0 && errno == EINTR);
    if (got < 0)
        SAKSI_FAIL(SAKSI_ERR_IO, "%s: read error after %llu bytes: %s", r->path,
                   (unsigned long long)r->bytes, strerror(errno));
    r->in_len = (size_t)got;
    r->in_pos = 0;
    if (got == 0) {
        r->in_eof = 1;
    } else {
        r->bytes += (uint64_t)got;
        if (EVP_DigestUpdate(r->md, r->in, (size_t)got) != 1)
            SAKSI_FAIL(SAKSI_ERR_INTERNAL, "%s: SHA-256 update failed", r->path);
    }
out:
    return rc;
}

saksi_status saksi_reader_open(saksi_reader **out, const char *path, size_t buffer_bytes,
                               saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_reader *r = NULL;
    *out = NULL;
    if (buffer_bytes == 0) SAKSI_FAIL(SAKSI_ERR_USAGE, "reader buffer of 0 bytes");
    r = calloc(1, sizeof *r);
    if (!r) SAKSI_ALLOC_FAIL("the reader");
    r->fd = -1;
    r->path = saksi_strdup(path);
    if (!r->path) SAKSI_ALLOC_FAIL("the input path");
    r->fd = open(path, O_RDONLY);
    if (r->fd < 0) SAKSI_FAIL(SAKSI_ERR_NOINPUT, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(r->fd, &st) != 0)
        SAKSI_FAIL(SAKSI_ERR_NOINPUT, "cannot stat %s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        SAKSI_FAIL(SAKSI_ERR_NOINPUT, "cannot read %s: %s", path, strerror(EISDIR));
    r->size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    r->chunk = buffer_bytes;
    r->in_cap = buffer_bytes < READER_MIN_STORED_BYTES ? READER_MIN_STORED_BYTES : buffer_bytes;
    r->in = malloc(r->in_cap);
    r->md = EVP_MD_CTX_new();
    if (!r->in || !r->md) SAKSI_ALLOC_FAIL("the read buffer");
    if (EVP_DigestInit_ex(r->md, EVP_sha256(), NULL) != 1)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "SHA-256 initialisation failed");
    SAKSI_TRY(fill(r, err));
    /* A short first read (a pipe) could split the magic; plain files give
     * the whole block, which is at least READER_MIN_STORED_BYTES. */
    if (r->in_len >= sizeof gzip_magic && memcmp(r->in, gzip_magic, sizeof gzip_magic) == 0)
        r->comp = SAKSI_COMP_GZIP;
    else if (r->in_len >= sizeof xz_magic && memcmp(r->in, xz_magic, sizeof xz_magic) == 0)
        r->comp = SAKSI_COMP_XZ;
    if (r->comp != SAKSI_COMP_NONE) {
        r->out = malloc(r->chunk);
        if (!r->out) SAKSI_ALLOC_FAIL("the decompression buffer");
    }
    if (r->comp == SAKSI_COMP_GZIP) {
        /* 16 + MAX_WBITS: expect a gzip header and trailer (zlib manual). */
        if (inflateInit2(&r->z, 16 + MAX_WBITS) != Z_OK) SAKSI_ALLOC_FAIL("the gzip decoder");
        r->z_ready = 1;
    } else if (r->comp == SAKSI_COMP_XZ) {
        r->x = (lzma_stream)LZMA_STREAM_INIT;
        /* No memory limit: the file's own dictionary size decides, and
         * LZMA_CONCATENATED accepts what `xz` writes for appended files. */
        lzma_ret lr = lzma_stream_decoder(&r->x, UINT64_MAX, LZMA_CONCATENATED);
        if (lr != LZMA_OK)
            SAKSI_FAIL(lr == LZMA_MEM_ERROR ? SAKSI_ERR_NOMEM : SAKSI_ERR_INTERNAL,
                       "%s: cannot start the xz decoder (liblzma error %d)", path, (int)lr);
        r->x_ready = 1;
    }
    *out = r;
    r = NULL;
out:
    saksi_reader_close(r);
    return rc;
}

/* Decompress the next gzip output into r->out. */
static saksi_status next_gzip(saksi_reader *r, size_t *len, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    *len = 0;
    while (!r->done && *len == 0) {
        if (r->in_pos == r->in_len && !r->in_eof) SAKSI_TRY(fill(r, err));
        if (r->z_member_end) {
            /* gzip allows members one after another (`cat a.gz b.gz`). */
            if (r->in_pos == r->in_len) {
                r->done = 1;
                break;
            }
            if (inflateReset(&r->z) != Z_OK)
                SAKSI_FAIL(SAKSI_ERR_INTERNAL, "%s: inflateReset failed", r->path);
            r->z_member_end = 0;
        }
        r->z.next_in = r->in + r->in_pos;
        r->z.avail_in = (uInt)(r->in_len - r->in_pos > UINT_MAX ? UINT_MAX : r->in_len - r->in_pos);
        /* zlib counts in uInt: a chunk beyond 4 GiB is filled in parts */
        uInt room = r->chunk > UINT_MAX ? UINT_MAX : (uInt)r->chunk;
        r->z.next_out = r->out;
        r->z.avail_out = room;
        int zr = inflate(&r->z, Z_NO_FLUSH);
        r->in_pos = r->in_len - r->z.avail_in;
        *len = room - r->z.avail_out;
        if (zr == Z_STREAM_END) {
            r->z_member_end = 1;
        } else if (zr == Z_MEM_ERROR) {
            SAKSI_FAIL(SAKSI_ERR_NOMEM, "%s: out of memory in the gzip decoder", r->path);
        } else if (zr == Z_BUF_ERROR || (zr == Z_OK && *len == 0)) {
            if (r->in_eof && r->in_pos == r->in_len)
                SAKSI_FAIL(SAKSI_ERR_DATA, "%s: truncated gzip stream (%llu bytes stored)", r->path,
                           (unsigned long long)r->bytes);
        } else if (zr != Z_OK) {
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s: corrupt gzip data near stored byte %llu: %s", r->path,
                       (unsigned long long)(r->bytes - (r->in_len - r->in_pos)),
                       r->z.msg ? r->z.msg : "inflate failed");
        }
    }
out:
    return rc;
}

/* Decompress the next xz output into r->out. */
static saksi_status next_xz(saksi_reader *r, size_t *len, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    *len = 0;
    while (!r->done && *len == 0) {
        if (r->in_pos == r->in_len && !r->in_eof) SAKSI_TRY(fill(r, err));
        r->x.next_in = r->in + r->in_pos;
        r->x.avail_in = r->in_len - r->in_pos;
        r->x.next_out = r->out;
        r->x.avail_out = r->chunk;
        lzma_ret lr = lzma_code(&r->x, r->in_eof ? LZMA_FINISH : LZMA_RUN);
        r->in_pos = r->in_len - r->x.avail_in;
        *len = r->chunk - r->x.avail_out;
        if (lr == LZMA_STREAM_END)
            r->done = 1;
        else if (lr == LZMA_MEM_ERROR)
            SAKSI_FAIL(SAKSI_ERR_NOMEM, "%s: out of memory in the xz decoder", r->path);
        else if (lr == LZMA_BUF_ERROR && r->in_eof)
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s: truncated xz stream (%llu bytes stored)", r->path,
                       (unsigned long long)r->bytes);
        else if (lr != LZMA_OK && lr != LZMA_BUF_ERROR)
            SAKSI_FAIL(SAKSI_ERR_DATA,
                       "%s: corrupt xz data near stored byte %llu (liblzma error %d)", r->path,
                       (unsigned long long)(r->bytes - (r->in_len - r->in_pos)), (int)lr);
    }
out:
    return rc;
}

saksi_status saksi_reader_next(saksi_reader *r, const char **data, size_t *len, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    *data = NULL;
    *len = 0;
    if (r->comp == SAKSI_COMP_GZIP) {
        SAKSI_TRY(next_gzip(r, len, err));
        *data = (const char *)r->out;
    } else if (r->comp == SAKSI_COMP_XZ) {
        SAKSI_TRY(next_xz(r, len, err));
        *data = (const char *)r->out;
    } else {
        if (r->in_pos == r->in_len && !r->in_eof) SAKSI_TRY(fill(r, err));
        size_t n = r->in_len - r->in_pos;
        *len = n < r->chunk ? n : r->chunk;
        *data = (const char *)r->in + r->in_pos;
        r->in_pos += *len;
    }
    /* Decoding may stop before the file ends (trailing bytes after an xz
     * stream are an error to liblzma; a plain file is read to EOF anyway):
     * read the rest so that bytes and SHA-256 cover the whole file. */
    while (*len == 0 && !r->in_eof) {
        SAKSI_TRY(fill(r, err));
        if (r->in_len > 0 && r->comp != SAKSI_COMP_NONE)
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s: unexpected data after the end of the compressed stream",
                       r->path);
    }
out:
    return rc;
}

void saksi_reader_sha256(saksi_reader *r, unsigned char sha[32])
{
    unsigned int n = 32;
    EVP_DigestFinal_ex(r->md, sha, &n);
}

void saksi_reader_close(saksi_reader *r)
{
    if (!r) return;
    if (r->z_ready) inflateEnd(&r->z);
    if (r->x_ready) lzma_end(&r->x);
    if (r->fd >= 0) close(r->fd);
    EVP_MD_CTX_free(r->md);
    free(r->in);
    free(r->out);
    free(r->path);
    free(r);
}
