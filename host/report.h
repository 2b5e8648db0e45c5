/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report.h — internal interface of the report writers (HDF5, CSV, JSON)
 * and of the atomic-file helper they share. report_h5.c is the only file
 * that includes hdf5.h.
 */
#ifndef SAKSI_REPORT_H
#define SAKSI_REPORT_H

#include "analysis.h"

/* Where the numbers came from: written as root attributes and an inputs
 * table of report.h5, and into the JSON summary. */
typedef struct saksi_provenance {
    const char *version;    /* saksi_version_string() */
    const char *libraries;  /* linked library versions, one line */
    const char *parameters; /* the effective configuration, "key=value;..." */
    uint64_t seed;
    const char *backend;      /* "opencl" or "cpu" */
    const char *device;       /* device name; "" on the cpu path */
    const char *created_utc;  /* ISO 8601; pinned by --reproducible */
    const char *rules_source; /* rules file name or the built-in's name */
    size_t ninputs;
    const char *const *input_paths;
    const unsigned char (*input_sha256)[32];
    const uint64_t *input_bytes;
    const uint64_t *input_records;
} saksi_provenance;

/* Storage layout of report.h5's tables, chosen by measurement on an
 * 823,236-row national table (docs/report-schema.md, "Storage"): the
 * single-threaded deflate is the slowest stage of the write; level 1 writes
 * the whole report in 0.13 s at 1.07 MB, level 6 saves 0.4 MB for 1.8x the
 * time. 16,384 rows keep a /stations chunk (~0.8 MB) inside HDF5's default
 * 1 MiB chunk cache for readers. */
#define SAKSI_H5_CHUNK_ROWS    16384
#define SAKSI_H5_DEFLATE_LEVEL 1

typedef struct saksi_report_h5_options {
    size_t chunk_rows; /* rows per chunk (and per H5Dwrite); SAKSI_H5_CHUNK_ROWS */
    int deflate_level; /* 0..9; SAKSI_H5_DEFLATE_LEVEL */
} saksi_report_h5_options;

void saksi_report_h5_options_init(saksi_report_h5_options *o);

/* Write report.h5 at path (via a temporary name, fsync and rename); the
 * schema is docs/report-schema.md. On failure nothing appears under path
 * and the temporary is removed. HDF5 failures are SAKSI_ERR_HDF5 naming
 * the object; a results structure that contradicts the table (a row out of
 * range) is SAKSI_ERR_INTERNAL; a count beyond int32 is SAKSI_ERR_LIMIT. */
saksi_status saksi_report_h5(const char *path, const saksi_table *t, const saksi_quarantine *q,
                             const saksi_results *res, const saksi_provenance *prov,
                             saksi_error *err);
/* The same with an explicit storage layout (opt NULL: the defaults). */
saksi_status saksi_report_h5_with(const char *path, const saksi_table *t, const saksi_quarantine *q,
                                  const saksi_results *res, const saksi_provenance *prov,
                                  const saksi_report_h5_options *opt, saksi_error *err);

/* ranked.csv: rank, station_id, province, regency, district, village,
 * class, rules, primary_rule, discrepancy, votes_at_stake, repair_field,
 * reported, repaired, alternatives, repair_weight, reason. */
saksi_status saksi_report_ranked_csv(const char *path, const saksi_table *t,
                                     const saksi_results *res, const char *lang, saksi_error *err);

/* quarantine.csv: file, line, column, field, reason, station_id, detail. */
saksi_status saksi_report_quarantine_csv(const char *path, const saksi_quarantine *q,
                                         saksi_error *err);

/* Atomic output: write to "<path>.tmp-<pid>", then commit = fflush, fsync,
 * fclose, rename over path and fsync the directory; abort = close and
 * unlink. A crash never leaves a half file under the real name. */
typedef struct saksi_atomic_file {
    char path[4096];
    char tmp[4200];
    FILE *f;
} saksi_atomic_file;

saksi_status saksi_atomic_open(saksi_atomic_file *a, const char *path, saksi_error *err);
saksi_status saksi_atomic_commit(saksi_atomic_file *a, saksi_error *err);
void saksi_atomic_abort(saksi_atomic_file *a);
/* Remove the "NAME.tmp-PID" files in dir left by runs whose pid is no
 * longer alive. */
void saksi_atomic_clean_stale(const char *dir);

/* "HDF5 1.10.8" — the linked HDF5 library's version, for --version. */
void saksi_report_h5_library_version(char *buf, size_t len);

/* Write a CSV field, quoting it when it holds a comma, quote or newline. */
void saksi_csv_field(FILE *f, const char *s);

/* The results of the engine's last successful run (NULL before one) and
 * its table: for the calibration run, which audits simulated elections. */
const saksi_results *saksi_engine_results(const saksi_engine *e);
const saksi_table *saksi_engine_table(const saksi_engine *e);

#endif /* SAKSI_REPORT_H */
