/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ingest_internal.h — private interfaces between the ingest modules: the
 * streaming reader (plain, gzip or xz file; SHA-256 of the stored bytes;
 * bounded buffers) in ingest_reader.c, the canonical-name classifier in
 * colmap.c, and the CSV parser in ingest_csv.c that uses both.
 */
#ifndef SAKSI_INGEST_INTERNAL_H
#define SAKSI_INGEST_INTERNAL_H

#include "saksi_internal.h"

/* What a canonical header name stands for (DESIGN §3). */
enum saksi_colkind {
    SAKSI_COL_UNKNOWN, /* not canonical: the ingest ignores the column and says so */
    SAKSI_COL_ID,      /* station_id */
    SAKSI_COL_REGION,  /* province, regency, district, village; *arg = level 1..4 */
    SAKSI_COL_FIELD,   /* a fixed integer field; *arg = enum saksi_field */
    SAKSI_COL_CAND     /* cand_<label> with a non-empty label; *arg = 0 */
};

/* Classify a canonical name; *arg as described above (0 when none). */
int saksi_colkind_of(const char *name, int *arg);

/* Prefix of candidate columns in the canonical header. */
#define SAKSI_CAND_PREFIX "cand_"

/* The streaming reader: hands out the decompressed bytes of one file in
 * chunks of at most buffer_bytes, hashing and counting the stored bytes as
 * they are read. */
typedef struct saksi_reader saksi_reader;

/* Which stored format the reader detected from the magic bytes. */
enum saksi_compression { SAKSI_COMP_NONE, SAKSI_COMP_GZIP, SAKSI_COMP_XZ };

/* Open path (SAKSI_ERR_NOINPUT naming it and strerror when it cannot be
 * opened) with read buffers of buffer_bytes (> 0). */
saksi_status saksi_reader_open(saksi_reader **out, const char *path, size_t buffer_bytes,
                               saksi_error *err);
/* The next chunk of decompressed bytes: *data, *len (valid until the next
 * call); *len == 0 at the end of the input. Checks saksi_stop_requested()
 * before each read (SAKSI_ERR_INTERRUPTED). A read error is SAKSI_ERR_IO, a
 * corrupt or truncated compressed stream SAKSI_ERR_DATA. */
saksi_status saksi_reader_next(saksi_reader *r, const char **data, size_t *len, saksi_error *err);
/* Stored bytes read so far, and the stored file size (0 when unknown). */
uint64_t saksi_reader_bytes(const saksi_reader *r);
uint64_t saksi_reader_size(const saksi_reader *r);
int saksi_reader_compression(const saksi_reader *r);
/* SHA-256 of the stored bytes; valid once saksi_reader_next returned *len == 0. */
void saksi_reader_sha256(saksi_reader *r, unsigned char sha[32]);
void saksi_reader_close(saksi_reader *r);

#endif /* SAKSI_INGEST_INTERNAL_H */
