/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_html.h — private to the investigator's report (issue 5): the
 * "view", a set of small named tables and attributes holding everything
 * report.html, the per-class CSVs and regions.csv show. It is built from a
 * finished audit, written to report.h5 under /report, and read back from
 * there, so `saksi report out/report.h5` re-renders every file without
 * recomputing anything (DESIGN §6).
 */
#ifndef SAKSI_REPORT_HTML_H
#define SAKSI_REPORT_HTML_H

#include "report.h"

/* Column kinds; the same order as report_h5.h's enum saksi_h5_kind. */
enum saksi_vkind { SAKSI_V_I32, SAKSI_V_I64, SAKSI_V_F64, SAKSI_V_STR };

#define SAKSI_VIEW_MAX_COLS   24 /* = SAKSI_H5_MAX_COLS */
#define SAKSI_VIEW_MAX_TABLES 32
#define SAKSI_VIEW_MAX_ATTRS  64
#define SAKSI_VIEW_NAME       48

typedef struct saksi_vcol {
    char name[SAKSI_VIEW_NAME];
    int kind;   /* enum saksi_vkind */
    int64_t *i; /* I32 and I64 */
    double *f;  /* F64 */
    char **s;   /* STR: NUL-terminated copies, never NULL */
} saksi_vcol;

typedef struct saksi_vtable {
    struct saksi_view *view; /* the view whose arena holds its strings */
    char name[SAKSI_VIEW_NAME];
    size_t nrows, cap, ncols;
    saksi_vcol col[SAKSI_VIEW_MAX_COLS];
} saksi_vtable;

typedef struct saksi_view {
    size_t ntables;
    saksi_vtable *table[SAKSI_VIEW_MAX_TABLES];
    size_t nattrs;
    char *key[SAKSI_VIEW_MAX_ATTRS], *val[SAKSI_VIEW_MAX_ATTRS];
    struct saksi_varena *arena; /* private: storage of the table strings */
} saksi_view;

/* A column as declared: name and kind. */
typedef struct saksi_vspec {
    const char *name;
    int kind;
} saksi_vspec;

saksi_view *saksi_view_alloc(void);
void saksi_view_free(saksi_view *v);
/* A new empty table; *out points at it. SAKSI_ERR_INTERNAL for a second
 * table of the same name or too many tables or columns. */
saksi_status saksi_view_add_table(saksi_view *v, const char *name, const saksi_vspec *cols,
                                  size_t ncols, saksi_vtable **out, saksi_error *err);
/* Append a zeroed row (strings ""); *row receives its index. */
saksi_status saksi_vt_append(saksi_vtable *tb, size_t *row, saksi_error *err);
void saksi_vt_set_i(saksi_vtable *tb, size_t row, size_t col, int64_t v);
void saksi_vt_set_f(saksi_vtable *tb, size_t row, size_t col, double v);
saksi_status saksi_vt_set_s(saksi_vtable *tb, size_t row, size_t col, const char *s,
                            saksi_error *err);
/* Set or replace an attribute (copied). */
saksi_status saksi_view_set_attr(saksi_view *v, const char *key, const char *val, saksi_error *err);

/* Lookups: NULL / -1 / the default when absent, so that a report written
 * before a family existed still renders (its section then says so). */
const saksi_vtable *saksi_view_find(const saksi_view *v, const char *name);
int saksi_vt_col(const saksi_vtable *tb, const char *name);
int64_t saksi_vt_i(const saksi_vtable *tb, size_t row, const char *col, int64_t dflt);
double saksi_vt_f(const saksi_vtable *tb, size_t row, const char *col, double dflt);
const char *saksi_vt_s(const saksi_vtable *tb, size_t row, const char *col);
const char *saksi_view_attr(const saksi_view *v, const char *key);

/* ------------------------------------------------------------------ */
/* Building, storing, reading                                          */
/* ------------------------------------------------------------------ */

/* Rows of the ranked list shown in report.html. */
#define SAKSI_HTML_TOP_ROWS 100
/* Regions listed per level in the region ranking of report.html. */
#define SAKSI_HTML_TOP_REGIONS 15
/* Histogram bins: bin k < 100 holds rates in [k%, k+1%), bin 100 rates of
 * exactly 100% and bin 101 rates above 100% (turnout with added voters);
 * bins by 64-bit integer division, never floating point. */
#define SAKSI_VIEW_PCT_BINS 102
/* Fingerprint: 1-point bins of turnout x winner share. */
#define SAKSI_VIEW_FP_BINS 100

/* Everything the report shows, from a finished audit (deterministic: the
 * same table and results give the same view). */
saksi_status saksi_view_build(const saksi_table *t, const saksi_results *res, saksi_view **out,
                              saksi_error *err);

/* Digit bars of the regions the digit family flagged, smallest q first
 * (at most a few): *out malloc'd, *n panels; none when the family did not
 * run or flagged nothing. */
saksi_status saksi_view_digit_regions(const saksi_table *t, const saksi_results *res,
                                      saksi_fig_digits **out, size_t *n, saksi_error *err);

/* Read /report, the root attributes and /provenance/inputs of report.h5.
 * SAKSI_ERR_NOINPUT when the file cannot be opened, SAKSI_ERR_DATA when it
 * has no /report group (written before issue 5). */
saksi_status saksi_view_read_h5(const char *path, saksi_view **out, saksi_error *err);

/* ------------------------------------------------------------------ */
/* Rendering                                                           */
/* ------------------------------------------------------------------ */

/* report.html: one self-contained file (no scripts, no network), headings
 * in Bahasa Indonesia and English, reasons in lang ("en" or "id"). */
saksi_status saksi_report_html_write(const char *path, const saksi_view *v, const char *lang,
                                     saksi_error *err);
/* ranked.csv from the view (the same bytes as saksi_report_ranked_csv). */
saksi_status saksi_report_view_ranked_csv(const char *path, const saksi_view *v, const char *lang,
                                          saksi_error *err);
/* One CSV per class, "class_<name>.csv" in dir, the ranked.csv columns
 * plus the anomaly's p, q and interval. */
saksi_status saksi_report_class_csvs(const char *dir, const saksi_view *v, const char *lang,
                                     saksi_error *err);
/* regions.csv: the region ranking of every level with coverage. */
saksi_status saksi_report_regions_csv(const char *path, const saksi_view *v, saksi_error *err);

/* Read report_h5 and write into dir (which must exist) the class CSVs,
 * regions.csv and report.html, and ranked.csv too when with_ranked. */
saksi_status saksi_report_render_files(const char *report_h5, const char *dir, const char *lang,
                                       int with_ranked, saksi_error *err);

/* Text with &, <, >, " and ' escaped for HTML. */
void saksi_html_escape(FILE *f, const char *s);

#endif /* SAKSI_REPORT_HTML_H */
