/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ingest_sirekap_internal.h — private to the JSON readers: the document
 * walk, the row store and the quarantine of a document
 * (ingest_sirekap_docs.c), shared by ingest_sirekap.c and ingest_kawal.c.
 */
#ifndef SAKSI_INGEST_SIREKAP_INTERNAL_H
#define SAKSI_INGEST_SIREKAP_INTERNAL_H

#include "ingest_sirekap.h"

/* One document handed to a reader. */
typedef struct saksi_doc {
    const char *name; /* file, "archive:member", or the JSON Lines file */
    const char *text;
    size_t len;
    int truncated;    /* longer than max_doc_bytes: text holds the start */
    uint64_t ordinal; /* 1-based, over the whole input */
    uint64_t line;    /* JSON Lines: its line; else 1 */
    int jsonl;        /* a line of a JSON Lines file (its name is the file's) */
    int stop;         /* set by the callback to end the walk */
} saksi_doc;

typedef saksi_status (*saksi_doc_fn)(void *ctx, saksi_doc *d, saksi_error *err);

/* Call fn for every document of path (a directory tree in byte order of
 * names, a zip or tar's *.json members, a *.json file, or JSON Lines).
 * Adds bytes, documents and the SHA-256 to stats (for a directory: SHA-256
 * over each file's name and SHA-256, in walk order). */
saksi_status saksi_json_docs(const char *path, const saksi_json_options *opt, saksi_doc_fn fn,
                             void *ctx, saksi_ingest_stats *stats, saksi_error *err);

/* Quarantine document d (its name registered as a file) at byte offset,
 * turned into line and column. */
saksi_status saksi_doc_quarantine(saksi_quarantine *q, saksi_ingest_stats *st, const saksi_doc *d,
                                  size_t offset, int reason, const char *station,
                                  const char *detail, saksi_error *err);

/* Stations collected before the candidate columns are known. */
#define SAKSI_ROWS_MAX_CAND 32
typedef struct saksi_rows {
    size_t n, cap;
    int32_t *vals; /* n x (SAKSI_NFIXED + SAKSI_ROWS_MAX_CAND) */
    uint64_t *line;
    size_t *id_off; /* n x SAKSI_NLEVELS: id, then region codes */
    char *ids;
    size_t id_len, id_cap;
    uint32_t file;
    size_t ncand;
    char cand[SAKSI_ROWS_MAX_CAND][32];
} saksi_rows;

/* Index of candidate label (added when new), or -1 when there are too many. */
int saksi_rows_cand(saksi_rows *r, const char *label, size_t len);
saksi_status saksi_rows_push(saksi_rows *r, const char *id, const char *const *regions,
                             const int32_t *values, uint32_t file, uint64_t line, saksi_error *err);
/* Build the finalized table; duplicates are quarantined. */
saksi_status saksi_rows_table(saksi_rows *r, const int present[SAKSI_NFIXED], saksi_quarantine *q,
                              saksi_table **out, saksi_ingest_stats *st, saksi_error *err);
void saksi_rows_free(saksi_rows *r);

/* yajl's parse error of doc d as a quarantine record. */
struct yajl_handle_t;
saksi_status saksi_doc_yajl_error(struct yajl_handle_t *h, saksi_quarantine *q,
                                  saksi_ingest_stats *st, const saksi_doc *d, const char *station,
                                  saksi_error *err);

#endif /* SAKSI_INGEST_SIREKAP_INTERNAL_H */
