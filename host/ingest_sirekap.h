/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ingest_sirekap.h — private: the JSON readers of real election data (KPU
 * Sirekap per-TPS documents, KawalPemilu 2019 hierarchy nodes) and the side
 * table of per-station metadata they and the CSV presets fill (Sirekap's ts,
 * psu, status flags and form-image URLs), written into report.h5.
 */
#ifndef SAKSI_INGEST_SIREKAP_H
#define SAKSI_INGEST_SIREKAP_H

#include "ingest_internal.h"

/* Flags of a document (saksi_meta_rec.flags). */
enum {
    SAKSI_META_ADM_ABSENT = 1,    /* "administrasi" null or absent     */
    SAKSI_META_CHART_ABSENT = 2,  /* "chart" null or absent            */
    SAKSI_META_NULL_KEY = 4,      /* chart had the spurious "null" key */
    SAKSI_META_CODE_MISMATCH = 8, /* an image URL names another TPS    */
    SAKSI_META_PSU = 16           /* "psu" (re-vote) is not null       */
};

/* "No timestamp" in saksi_meta_rec.ts. */
#define SAKSI_META_NO_TS INT64_MIN

/* One station's metadata, keyed by (file, line) as the table keeps them
 * (line = the document's ordinal in an archive, directory or JSON Lines). */
typedef struct saksi_meta_rec {
    uint32_t file;
    uint64_t line;
    int64_t ts; /* seconds since 1970 of the clock as written (WIB for Sirekap) */
    int8_t status_suara, status_adm; /* -1 null or absent, 0 false, 1 true */
    uint8_t flags;                   /* SAKSI_META_* */
    uint8_t nimages, nimages_null;
    uint32_t null_values;                /* JSON nulls among the counts */
    size_t psu, mode, images, code_seen; /* offsets in the text arena; 0 = "" */
} saksi_meta_rec;

struct saksi_station_meta {
    int kind; /* enum saksi_meta_kind */
    size_t n, cap;
    saksi_meta_rec *rec;
    char *text; /* arena of terminated strings; text[0] = "" */
    size_t text_len, text_cap;
    int unsorted; /* records were pushed out of (file, line) order */
    size_t nrows;
    size_t *rec_of_row; /* after attach: record of table row i, or SIZE_MAX */
    /* counters for the summary */
    uint64_t documents, null_values, adm_absent, chart_absent, null_keys, code_mismatch, psu;
};
typedef struct saksi_station_meta saksi_station_meta;

enum saksi_meta_kind { SAKSI_META_CSV, SAKSI_META_SIREKAP, SAKSI_META_KAWAL };

saksi_station_meta *saksi_meta_alloc(int kind);
void saksi_meta_free(saksi_station_meta *m);
/* Copy s[0..n) into the arena; *off its offset (0 for an empty string). */
saksi_status saksi_meta_text(saksi_station_meta *m, const char *s, size_t n, size_t *off,
                             saksi_error *err);
/* Append a record (any order; attach sorts them). */
saksi_status saksi_meta_push(saksi_station_meta *m, const saksi_meta_rec *r, saksi_error *err);
/* A CSV timestamp cell: a record with ts (SAKSI_META_NO_TS when it does
 * not parse) for the station of (file, line). */
saksi_status saksi_meta_add_timestamp(saksi_station_meta *m, uint32_t file, uint64_t line,
                                      const char *s, size_t n, saksi_error *err);
/* Map every table row to its record through (src_file, src_line). */
saksi_status saksi_meta_attach(saksi_station_meta *m, const saksi_table *t, saksi_error *err);
/* The record of table row i, or NULL. */
const saksi_meta_rec *saksi_meta_row(const saksi_station_meta *m, size_t i);
static inline const char *saksi_meta_str(const saksi_station_meta *m, size_t off)
{
    return m->text + off;
}

/* Input formats told apart by saksi_detect_format. */
enum saksi_format { SAKSI_FORMAT_CSV, SAKSI_FORMAT_SIREKAP, SAKSI_FORMAT_KAWAL };
const char *saksi_format_name(int format);
/* "csv", "sirekap" or "kawalpemilu" (also "sirekap-json" ...), else -1. */
int saksi_format_lookup(const char *name);
/* A directory, or a file (archive or not) whose first member starts with
 * '{': Sirekap unless its first document has "parentIds" (KawalPemilu);
 * anything else is CSV. */
saksi_status saksi_detect_format(const char *path, int *format, saksi_error *err);

/* Options of the JSON readers. */
typedef struct saksi_json_options {
    size_t buffer_bytes;  /* read buffer; 0: 4 MiB */
    size_t max_doc_bytes; /* longest document / JSON line; 0: 1 MiB */
    size_t max_depth;     /* deepest nesting accepted; 0: SAKSI_JSON_MAX_DEPTH */
    void (*progress_cb)(void *ctx, const char *stage, double fraction);
    void *progress_ctx;
} saksi_json_options;

/* Sirekap and KawalPemilu documents nest 3 deep; deeper is malformed. */
#define SAKSI_JSON_MAX_DEPTH 16

/*
 * Read Sirekap TPS JSON (DESIGN §3.2) into a new finalized table: path is a
 * directory tree of <kode>.json files (read in sorted order), a zip or tar
 * of them, or JSON Lines (one document per line, with its code in a
 * "kode"/"kode_tps"/"station_id" member, else from its image URLs). Each
 * chart key becomes a candidate column cand_<id>; administrasi maps to the
 * canonical fields. Malformed documents go to q with the file (an archive
 * member as "archive:member") and the byte position; metadata to meta.
 */
saksi_status saksi_ingest_sirekap(const char *path, const saksi_json_options *opt,
                                  saksi_quarantine *q, saksi_station_meta *meta, saksi_table **out,
                                  saksi_ingest_stats *stats, saksi_error *err);

/*
 * Read KawalPemilu 2019 hierarchy nodes (c/<id>.json, as in the
 * kawalpemilu2019-extract tar.xz files, or a directory of them): every TPS
 * of every depth-4 (desa) node becomes a station "<desa id>-<tps no>" with
 * regions from parentIds. source 0 reads KawalPemilu's digitised numbers
 * (data), source 1 the KPU Situng numbers captured beside them (kpu).
 */
saksi_status saksi_ingest_kawal(const char *path, int source, const saksi_json_options *opt,
                                saksi_quarantine *q, saksi_station_meta *meta, saksi_table **out,
                                saksi_ingest_stats *stats, saksi_error *err);

#endif /* SAKSI_INGEST_SIREKAP_H */
