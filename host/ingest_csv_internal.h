/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ingest_csv_internal.h — private to the CSV ingest: its parser state and
 * the preset side of it (ingest_csv_preset.c: the binding of a preset to the
 * header, sums, composite ids, the row filter, archive members), kept apart
 * so that ingest_csv.c stays the plain parser.
 */
#ifndef SAKSI_INGEST_CSV_INTERNAL_H
#define SAKSI_INGEST_CSV_INTERNAL_H

#include "presets.h"

/* ROLE_KEEP: text a preset needs (id part, filter, timestamp); ROLE_TERM:
 * a count that a preset adds into another field. Roles from ROLE_VALUE
 * on are counts, parsed into *dst. */
enum role { ROLE_IGNORE, ROLE_ID, ROLE_REGION, ROLE_KEEP, ROLE_VALUE, ROLE_TERM };

/* Cell conversion results. */
enum cell { CELL_OK, CELL_MISSING, CELL_NOT_INTEGER, CELL_OVERFLOW };

typedef struct column {
    int role;
    int arg; /* ROLE_VALUE: field index (candidates from SAKSI_NFIXED); ROLE_REGION: level */
    const char *name; /* the input header name, for messages */
    int32_t *dst;     /* counts: where the cell's value goes */
} column;

/* A field a preset computes as a signed sum of columns. */
typedef struct expr {
    int field;
    size_t nterm;
    int sign[SAKSI_PRESET_MAX_TERMS];
    size_t col[SAKSI_PRESET_MAX_TERMS];
} expr;

typedef saksi_span span;

/* The first problem found in a record, in column order. */
typedef struct problem {
    int reason; /* enum saksi_qreason, or -1 for none */
    size_t col; /* 0-based column */
    span text;  /* offending cell */
} problem;

typedef struct ingest {
    const char *path;
    uint32_t file;
    saksi_quarantine *q;
    saksi_table *t;
    saksi_ingest_stats *st;
    const saksi_ingest_options *opt;
    size_t max_line;
    saksi_stage *stage; /* hands stations to the table, maybe in a second thread */

    /* header */
    int have_header, first_record;
    size_t ncol;
    column *col;
    char *names;   /* storage of the column names */
    size_t id_col; /* column of station_id */
    int nregions;  /* region columns present */
    int32_t *values;
    span *cell; /* per column: id and region cells of the current record */

    /* scratch for quoted records: unescaped fields and region strings */
    char *scratch, *regbuf;
    size_t scratch_cap;
    span *fields;

    /* a record that began in an earlier chunk */
    char *carry;
    size_t carry_len, carry_cap;
    int in_record, skipping, sawq, qs;
    uint64_t rec_line, rec_len, rec_nl;
    uint64_t line; /* line on which the next record starts */

    /* preset (NULL for the canonical CSV) */
    const saksi_preset *pre;
    char delim;
    saksi_preset_binding bind;
    int32_t *termv; /* per column: counts read only for an expression */
    expr *expr;
    size_t nexpr;
    char *idbuf;       /* an id assembled from parts */
    char *header_text; /* the first member's header, to check the others' */
    size_t header_len;
    int repeat_header;
    const char *member; /* current archive member, for messages */
} ingest;

static inline span trim(span s)
{
    while (s.len > 0 && s.p[0] == ' ') {
        s.p++;
        s.len--;
    }
    while (s.len > 0 && s.p[s.len - 1] == ' ')
        s.len--;
    return s;
}

/* The station id of a complete record: its column, or a preset's parts. */
saksi_status saksi_csvp_record_id(ingest *g, span *id, saksi_error *err);
/* The preset's sums into g->values; a sum outside int32 sets *bad. */
void saksi_csvp_eval_exprs(ingest *g, problem *bad);
/* 1 (and counted) when the preset's filter leaves the row out. */
int saksi_csvp_filtered_out(ingest *g);
/* Bind the preset to the header's names. */
saksi_status saksi_csvp_bind_header(ingest *g, saksi_error *err);
/* Apply the binding after the columns are classified. */
saksi_status saksi_csvp_apply_binding(ingest *g, int *present, size_t *claim, const char **labels,
                                      size_t *ncand, int *have_id, uint64_t line, saksi_error *err);
/* Whether an archive member is read. */
int saksi_csvp_member_wanted(const saksi_preset *pre, const char *name);

#endif /* SAKSI_INGEST_CSV_INTERNAL_H */
