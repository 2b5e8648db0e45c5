/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * presets.h — private: the parsed form of a preset (datasets/presets/NAME.preset,
 * a data file naming a layout's columns and parsing options), its binding to
 * one input header, and the cell conversions the options allow. The CSV
 * ingest asks for a binding and applies it; it knows nothing of the syntax.
 */
#ifndef SAKSI_PRESETS_H
#define SAKSI_PRESETS_H

#include "ingest_internal.h"

/* Most sources a preset describes in one file (the data and one [compare]
 * section), terms per expression, alternatives per term. */
#define SAKSI_PRESET_MAX_SOURCES 2
#define SAKSI_PRESET_MAX_TERMS   16
#define SAKSI_PRESET_MAX_ALTS    8

/* One term of a mapping: the first of its alternative column names that the
 * header has, with a sign; or a literal (station_id parts only). */
typedef struct saksi_preset_term {
    int sign;    /* +1 or -1 */
    int literal; /* 1: alt[0] is text, not a column */
    size_t nalt;
    char *alt[SAKSI_PRESET_MAX_ALTS];
} saksi_preset_term;

/* canonical = term (+|-) term ... */
typedef struct saksi_preset_map {
    char *canonical;
    size_t nterm;
    saksi_preset_term term[SAKSI_PRESET_MAX_TERMS];
    unsigned line; /* in the preset file, for messages */
} saksi_preset_map;

typedef struct saksi_preset_source {
    char label[64]; /* "source = ..." (default "primary" / "compare") */
    size_t nmap, cap;
    saksi_preset_map *map;
    int cand_rest; /* candidates = rest */
} saksi_preset_source;

struct saksi_preset {
    char name[128];
    char origin[512];              /* "built-in datasets/presets/NAME.preset" or the path */
    char delimiter;                /* default ',' */
    char thousands;                /* 0: none */
    char decimal;                  /* 0: none; else a zero fraction after it is accepted */
    size_t header_row;             /* 1-based line of the header; default 1 */
    char *rules;                   /* rules name or path, or NULL */
    char *members;                 /* archive members to read (glob), or NULL: every member */
    char *filter_col, *filter_val; /* keep rows whose column equals the value */
    char *timestamp;               /* column with a "YYYY-MM-DD hh:mm:ss" time, or NULL */
    int registered_optional;
    size_t nmissing, nmissing_prefix, nignore;
    /* missing tokens that are integers ("-1"): such a count is missing */
    size_t nmissing_num;
    int32_t missing_num[8];
    char **missing, **missing_prefix, **ignore;
    size_t nsrc;
    saksi_preset_source src[SAKSI_PRESET_MAX_SOURCES];
};

/* Roles of an input column under a binding. */
enum saksi_bind_role {
    SAKSI_BIND_IGNORE,
    SAKSI_BIND_CANON, /* canon[j] is its canonical name (id, region, field, cand_) */
    SAKSI_BIND_TERM,  /* read as a count for an expression only */
    SAKSI_BIND_KEEP   /* text kept: an id part, the filter or the timestamp */
};

/* An expression bound to column indices. */
typedef struct saksi_bind_expr {
    int field; /* saksi_field, or SAKSI_NFIXED + k for candidate label cand[k] */
    char *canonical;
    size_t nterm;
    int sign[SAKSI_PRESET_MAX_TERMS];
    size_t col[SAKSI_PRESET_MAX_TERMS];
} saksi_bind_expr;

typedef struct saksi_preset_binding {
    size_t ncol;
    int *role;            /* ncol: enum saksi_bind_role */
    char **canon;         /* ncol: canonical name for SAKSI_BIND_CANON, else NULL */
    unsigned char *owned; /* ncol: canon[j] was allocated by the binding */
    size_t nexpr;
    saksi_bind_expr *expr;
    /* station_id = parts: column index, or SIZE_MAX with literal text */
    size_t nid;
    size_t id_col[SAKSI_PRESET_MAX_TERMS];
    const char *id_lit[SAKSI_PRESET_MAX_TERMS];
    size_t filter_col, ts_col; /* SIZE_MAX: none */
} saksi_preset_binding;

/* Bind source s of preset p to a header of n column names. A mapping with
 * no term present leaves its field absent; one with some terms present and
 * others not is SAKSI_ERR_DATA naming the preset line and the column. */
saksi_status saksi_preset_bind(const saksi_preset *p, size_t s, const char *const *names, size_t n,
                               saksi_preset_binding *b, saksi_error *err);
void saksi_preset_binding_free(saksi_preset_binding *b);

/* Results of saksi_preset_cell. */
enum { SAKSI_PCELL_VALUE, SAKSI_PCELL_MISSING, SAKSI_PCELL_NOT_INTEGER, SAKSI_PCELL_OVERFLOW };

/* A count cell under the preset's options (missing tokens and prefixes,
 * thousands separator in groups of three, a zero decimal fraction), for
 * cells the plain parser rejected. */
int saksi_preset_cell(const saksi_preset *p, const char *s, size_t n, int32_t *v);

/* Seconds since 1970-01-01 (the clock as written, no zone) of
 * "YYYY-MM-DD hh:mm:ss" (or 'T' between); 0 when it is not one. */
int saksi_parse_timestamp(const char *s, size_t n, int64_t *out);

/* The embedded data files (cmake/embed_dir.cmake): presets and rules. */
typedef struct saksi_embedded_file {
    const char *name; /* file name without its extension */
    const char *text;
    size_t len;
} saksi_embedded_file;
extern const saksi_embedded_file saksi_embedded_presets[];
extern const size_t saksi_embedded_presets_n;
extern const saksi_embedded_file saksi_embedded_rules[];
extern const size_t saksi_embedded_rules_n;

/* Text of a rules file named by a preset: an embedded datasets/rules/NAME.rules,
 * or a path. *text malloc'd; *source names it. */
saksi_status saksi_preset_rules_text(const char *rules, char **text, size_t *len, char *source,
                                     size_t source_len, saksi_error *err);

#endif /* SAKSI_PRESETS_H */
