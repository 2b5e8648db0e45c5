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
    const char *version;      /* saksi_version_string() */
    const char *libraries;    /* linked library versions, one line */
    const char *parameters;   /* the effective configuration, "key=value;..." */
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

/* Write report.h5 at path (via a temporary name, fsync and rename). */
saksi_status saksi_report_h5(const char *path, const saksi_table *t, const saksi_quarantine *q,
                             const saksi_results *res, const saksi_provenance *prov,
                             saksi_error *err);

/* ranked.csv: rank, station_id, province, regency, district, village,
 * class, rules, primary_rule, discrepancy, votes_at_stake, repair_field,
 * reported, repaired, alternatives, repair_weight, reason. */
saksi_status saksi_report_ranked_csv(const char *path, const saksi_table *t,
                                     const saksi_results *res, const char *lang,
                                     saksi_error *err);

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

#endif /* SAKSI_REPORT_H */
