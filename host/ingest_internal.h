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

/* ------------------------------------------------------------------ */
/* CSV text helpers (ingest_text.c)                                    */
/* ------------------------------------------------------------------ */

/* A piece of a record: not terminated. */
typedef struct saksi_span {
    const char *p;
    size_t len;
} saksi_span;

/* States of the record scanner: where a '\n' ends the record and where a
 * '"' opens a quoted field (only at the start of a field, after spaces). */
enum saksi_qstate { QS_FIELD_START, QS_UNQUOTED, QS_QUOTED, QS_QUOTE_SEEN };

/* Offset of the first byte >= 0x80 or NUL in s[0..len), or len. */
size_t saksi_ascii_prefix(const char *s, size_t len);
/* Offset of the first byte that is not part of a valid UTF-8 sequence, or
 * is a NUL, or len. */
size_t saksi_utf8_invalid_at(const char *s, size_t len);
/* Occurrences of byte c in [p, e). */
uint64_t saksi_count_byte(const char *p, const char *e, char c);
/* Advance the record scanner over [p, e) from state *qs (enum
 * saksi_qstate): returns the '\n' ending the record, or NULL when the
 * record goes on past e. Adds newlines inside quotes to *nl; sets *sawq
 * when any '"' is seen. Fields are separated by delim: ',' in the canonical
 * CSV; a preset may name another (';' in the PKW files). */
const char *saksi_csv_scan(int *qs, const char *p, const char *e, uint64_t *nl, int *sawq,
                           char delim);
/* 1-based column of the byte at offset off of a record (quote-aware). */
size_t saksi_csv_column_at(const char *s, size_t off, char delim);
/* Split a record with quotes into fields, unescaping quoted fields into
 * scratch (room for e - s bytes). The first maxstore fields go to out[].
 * Returns the field count; *stray: 0-based column of the first stray
 * quote, SIZE_MAX if none. */
size_t saksi_csv_split_quoted(char *scratch, const char *s, const char *e, saksi_span *out,
                              size_t maxstore, size_t *stray, char delim);

/* ------------------------------------------------------------------ */
/* Handing parsed stations to the table (ingest_stage.c)               */
/* ------------------------------------------------------------------ */

typedef struct saksi_stage saksi_stage;

/* A duplicate station id met while appending: its line, the line of the
 * first station with that id, and the id (malloc'd). */
typedef struct saksi_stage_dup {
    uint64_t line, first;
    char *id;
} saksi_stage_dup;

typedef struct saksi_stage_result {
    uint64_t accepted, missing; /* stations appended, their empty cells */
    saksi_stage_dup *dups;      /* in line order; free with saksi_stage_dups_free */
    size_t ndups;
} saksi_stage_result;

/* A stage appending to t stations of nvalues cells (SAKSI_NFIXED + ncand)
 * read from input file `file`; threads > 1 appends in a second thread. */
saksi_status saksi_stage_open(saksi_stage **out, saksi_table *t, size_t nvalues, uint32_t file,
                              int threads, saksi_error *err);
/* Queue one station (copied). */
saksi_status saksi_stage_push(saksi_stage *s, const char *id, size_t idlen,
                              const char *const regions[SAKSI_NLEVELS], const int32_t *values,
                              uint64_t line, uint64_t missing, saksi_error *err);
/* Append what is queued, stop the thread, give the counts and duplicates. */
saksi_status saksi_stage_close(saksi_stage *s, saksi_stage_result *res, saksi_error *err);
void saksi_stage_dups_free(saksi_stage_dup *dups, size_t n);
void saksi_stage_free(saksi_stage *s);

/* Sort the quarantine records from index `from` on by line (the stage's
 * duplicates are reported after the parser's own records). */
void saksi_quarantine_sort_lines(saksi_quarantine *q, size_t from);

#endif /* SAKSI_INGEST_INTERNAL_H */
