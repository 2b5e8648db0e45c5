/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_h5.h — private to report_h5*.c: a writer of flat compound tables
 * over the plain H5D API (scalar int32/int64/float64 and fixed-length string
 * members, packed, chunked, shuffle + deflate + fletcher32, no timestamps),
 * groups and string attributes, each failure a SAKSI_ERR_HDF5 naming the
 * object. The only header besides the .c files that includes hdf5.h.
 */
#ifndef SAKSI_REPORT_H5_H
#define SAKSI_REPORT_H5_H

#include "report.h"

#include <hdf5.h>

enum saksi_h5_kind { SAKSI_H5_I32, SAKSI_H5_I64, SAKSI_H5_F64, SAKSI_H5_STR };

/* One member of a table. */
typedef struct saksi_h5_col {
    const char *name;
    int kind;     /* enum saksi_h5_kind */
    size_t width; /* STR: bytes, NUL-padded, no terminator needed (>= 1) */
} saksi_h5_col;

#define SAKSI_H5_MAX_COLS 32

/* The file being written and its storage layout. */
typedef struct saksi_h5_file {
    hid_t id;
    const char *path; /* the real name, for messages */
    size_t chunk_rows;
    int deflate_level;
} saksi_h5_file;

/*
 * A table being written. Rows are built in a zeroed buffer whose layout is
 * the packed file layout at explicit offsets (no compiler padding can
 * reach the file), then written a block of chunk_rows at a time.
 */
typedef struct saksi_h5_table {
    const saksi_h5_file *file;
    char name[256]; /* object path, for messages */
    size_t ncols;
    int kind[SAKSI_H5_MAX_COLS];
    size_t off[SAKSI_H5_MAX_COLS];
    size_t width[SAKSI_H5_MAX_COLS];
    size_t row_size;
    size_t nrows;      /* declared at open */
    size_t block_rows; /* rows per H5Dwrite */
    unsigned char *buf;
    size_t in_buf;  /* rows built in buf */
    size_t written; /* rows written to the file */
    int overflow;   /* a string longer than its column: a bug, reported at close */
    hid_t dset, ftype, mtype;
} saksi_h5_table;

/* Create dataset `name` under loc (whose path is loc_path, "" for the
 * root) with nrows rows; nrows may be 0. */
saksi_status saksi_h5_table_open(saksi_h5_table *tb, const saksi_h5_file *file, hid_t loc,
                                 const char *loc_path, const char *name, const saksi_h5_col *cols,
                                 size_t ncols, size_t nrows, saksi_error *err);
/* The next row to fill (zeroed), writing the previous block when full. */
saksi_status saksi_h5_table_row(saksi_h5_table *tb, unsigned char **row, saksi_error *err);
void saksi_h5_put_i32(saksi_h5_table *tb, unsigned char *row, size_t col, int32_t v);
void saksi_h5_put_i64(saksi_h5_table *tb, unsigned char *row, size_t col, int64_t v);
void saksi_h5_put_f64(saksi_h5_table *tb, unsigned char *row, size_t col, double v);
/* Copies s without a terminator; the rest of the column stays zero. */
void saksi_h5_put_str(saksi_h5_table *tb, unsigned char *row, size_t col, const char *s);
/* Write what is left, check that exactly nrows rows were given, close. */
saksi_status saksi_h5_table_close(saksi_h5_table *tb, saksi_error *err);
/* Release whatever is open without writing (error paths); idempotent. */
void saksi_h5_table_release(saksi_h5_table *tb);

/* Create a group without timestamps; *out must be closed with H5Gclose. */
saksi_status saksi_h5_group(const saksi_h5_file *file, hid_t loc, const char *name, hid_t *out,
                            saksi_error *err);
/* A scalar fixed-length UTF-8 string attribute sized to the value. */
saksi_status saksi_h5_attr_str(const saksi_h5_file *file, hid_t obj, const char *obj_name,
                               const char *name, const char *value, saksi_error *err);

/* Close id with close_fn on a cleanup path (nothing when id < 0). Returns
 * rc, or SAKSI_ERR_HDF5 naming `what` when rc was SAKSI_OK and the close
 * failed: a later failure never overwrites the first. */
saksi_status saksi_h5_close(hid_t id, herr_t (*close_fn)(hid_t), saksi_status rc,
                            const saksi_h5_file *file, const char *what, saksi_error *err);

/* The innermost message on HDF5's error stack (why a call failed). */
const char *saksi_h5_reason(char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* Sections written by the families, each in its own report_h5_*.c     */
/* ------------------------------------------------------------------ */

/* A section of report.h5 beyond the integrity tables: it writes its
 * groups under root. Listed once, in report_h5.c's write_all. */
typedef saksi_status (*saksi_h5_section_fn)(const saksi_h5_file *f, hid_t root,
                                            const saksi_table *t, const saksi_results *res,
                                            saksi_error *err);

/* /region_tests/<level>: every region-level test row (report_h5_region_tests.c). */
saksi_status saksi_h5_write_region_tests(const saksi_h5_file *f, hid_t root,
                                         const saksi_table *t, const saksi_results *res,
                                         saksi_error *err);
/* /fingerprints: histograms, fits and shape tables (report_h5_fingerprints.c). */
saksi_status saksi_h5_write_fingerprints(const saksi_h5_file *f, hid_t root, const saksi_table *t,
                                         const saksi_results *res, saksi_error *err);

/* /coverage/<level>, /sirekap/documents and /cross_source (report_h5_realdata.c). */
saksi_status saksi_h5_write_realdata(const saksi_h5_file *f, hid_t root, const saksi_table *t,
                                     const saksi_results *res, saksi_error *err);
/* Station i has any count / every column present (for coverage). */
void saksi_coverage_flags(const saksi_table *t, size_t i, uint8_t *any, uint8_t *complete);
/* /digits: national digit histograms with both expectations, national
 * tests with Nigrini's MAD, untested-number counts (report_h5_digits.c). */
saksi_status saksi_h5_write_digits(const saksi_h5_file *f, hid_t root, const saksi_table *t,
                                   const saksi_results *res, saksi_error *err);
/* /report: the view report.html and the CSVs are drawn from (report_html_h5.c). */
saksi_status saksi_h5_write_report_view(const saksi_h5_file *f, hid_t root,
                                        const saksi_table *t, const saksi_results *res,
                                        saksi_error *err);

/* /baselines and /integer_percent: the turnout family (report_h5_baselines.c). */
saksi_status saksi_h5_write_baselines(const saksi_h5_file *f, hid_t root, const saksi_table *t,
                                      const saksi_results *res, saksi_error *err);

#endif /* SAKSI_REPORT_H5_H */
