/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * analysis.h — internal interface of the analysis layer: integrity rules,
 * the plain-C twins of the kernels, transcription repair and ranking, and
 * the result structures the report writers read. Plain C and GSL only: no
 * OpenCL, no HDF5 here.
 */
#ifndef SAKSI_ANALYSIS_H
#define SAKSI_ANALYSIS_H

#include "saksi_internal.h"

/* ------------------------------------------------------------------ */
/* Integrity rules (analysis/rules.c)                                  */
/* ------------------------------------------------------------------ */

/* One term of a rule in field space, before compilation to slots. */
typedef struct saksi_rule_term {
    int kind;  /* enum saksi_term_kind */
    int field; /* saksi_field; unused for CONST and CAND_SUM */
    int32_t mul, num, den;
} saksi_rule_term;

#define SAKSI_MAX_TERMS 16
#define SAKSI_MAX_SCOPE 64

/* "except RULE where LEVEL in CODE..." and "stratum NAME where ..." */
typedef struct saksi_rule_scope {
    int rule;    /* rule index for an exception; -1 for a stratum */
    int stratum; /* enum saksi_stratum for a stratum; -1 otherwise */
    int level;   /* enum saksi_level, or SAKSI_NLEVELS for a station-id prefix */
    size_t ncodes;
    char **codes;
} saksi_rule_scope;

typedef struct saksi_rule {
    char name[64];
    char text[256]; /* the rule as written, for reasons in the report */
    int klass;      /* SAKSI_CLASS_INTEGRITY or SAKSI_CLASS_INCOMPLETE */
    int op;         /* enum saksi_rule_op, applied to lhs - rhs */
    size_t nterms;  /* lhs terms, then rhs terms with negated mul */
    size_t nlhs;    /* the first nlhs terms are the left side */
    saksi_rule_term term[SAKSI_MAX_TERMS];
    int guard_op; /* guard: "when ..." (nguard == 0: always) */
    size_t nguard;
    saksi_rule_term guard[SAKSI_MAX_TERMS];
} saksi_rule;

typedef struct saksi_rules {
    size_t nrules;
    saksi_rule rule[SAKSI_MAX_RULES];
    size_t nscopes;
    saksi_rule_scope scope[SAKSI_MAX_SCOPE];
    char source[256]; /* file name or "built-in indonesia.rules" */
} saksi_rules;

/* Parse rules text; messages name source, line and token. */
saksi_status saksi_rules_parse(const char *text, size_t len, const char *source,
                               saksi_rules **out, saksi_error *err);
/* Read a rules file (NULL path: the built-in Indonesian rules). */
saksi_status saksi_rules_load(const char *path, saksi_rules **out, saksi_error *err);
void saksi_rules_free(saksi_rules *r);

/* Compile for a table's slot layout into the flat program of
 * saksi_shared.h (*prog malloc'd, caller frees). */
saksi_status saksi_rules_compile(const saksi_rules *r, const saksi_table *t, int32_t **prog,
                                 size_t *prog_len, saksi_error *err);

/* Per-station rule-enable masks (exceptions) and strata (into t->stratum)
 * from the rules' region scopes. enabled has t->n entries. */
saksi_status saksi_rules_apply_scopes(const saksi_rules *r, saksi_table *t, uint32_t *enabled,
                                      saksi_error *err);

/* 1 when every field the rule references is a column of t. */
int saksi_rule_columns_present(const saksi_rule *rule, const saksi_table *t);

/* ------------------------------------------------------------------ */
/* Integrity family: plain-C twin of kernels/integrity.cl              */
/* ------------------------------------------------------------------ */

/* Masks for stations [begin, end) of t, exactly as integrity_check() on a
 * device: bit r of eval/fail for rule r, neg bits per saksi_shared.h. */
void saksi_integrity_cpu(const int32_t *prog, const saksi_table *t, const uint32_t *enabled,
                         size_t begin, size_t end, uint32_t *eval, uint32_t *fail, uint32_t *neg);

/* ------------------------------------------------------------------ */
/* Results of an audit, read by the report writers                     */
/* ------------------------------------------------------------------ */

/* One failed rule at one station. */
typedef struct saksi_finding {
    size_t station; /* row of the finalized table */
    int rule;
    int64_t discrepancy;     /* left side minus right side */
    int probably_unentered;  /* one side is all zeros: likely "not entered" */
} saksi_finding;

enum saksi_edit {
    SAKSI_EDIT_CHANGE, /* one digit replaced       */
    SAKSI_EDIT_DROP,   /* one digit removed        */
    SAKSI_EDIT_INSERT, /* one digit inserted       */
    SAKSI_EDIT_SWAP,   /* two adjacent digits swapped */
    SAKSI_NEDITS
};

/* A single edit of one field that makes every evaluable identity hold. */
typedef struct saksi_repair {
    size_t station;
    int field;        /* saksi_field (candidates >= SAKSI_NFIXED) */
    int32_t reported; /* value in the input */
    int32_t repaired; /* value after the edit */
    int edit;         /* enum saksi_edit */
    double weight;    /* normalised score among the station's alternatives */
    uint32_t order;   /* 0 for the station's best repair, then 1, 2, ... */
    uint32_t alternatives; /* repairs found for the station (>= those kept) */
} saksi_repair;

/* One row of the ranked list. */
typedef struct saksi_rank_row {
    size_t station;
    int klass;              /* enum saksi_class */
    int primary_rule;       /* the rule that explains the class, -1 if none */
    uint32_t rules;         /* every failed rule (fail mask) */
    int64_t discrepancy;    /* of the primary rule */
    int64_t votes_at_stake; /* DESIGN §5, per class */
    double score;           /* anomaly evidence; 0 for rule classes */
    size_t repair;          /* index of the top repair in repairs[], or SIZE_MAX */
    uint32_t alternatives;  /* repairs found for the station */
} saksi_rank_row;

typedef struct saksi_results {
    const saksi_rules *rules;
    uint32_t *enabled;   /* n: rule-enable masks after exceptions */
    uint32_t *eval_mask; /* n */
    uint32_t *fail_mask; /* n */
    uint32_t *neg_mask;  /* n */
    uint8_t *klass;      /* n: enum saksi_class, SAKSI_CLASS_NONE when clean */

    size_t nfindings;
    saksi_finding *findings; /* by station, then rule */

    /* Every repair found: for each repaired station its alternatives in
     * rank order (best first), stations in table order. */
    size_t nrepairs;
    saksi_repair *repairs;

    size_t nranked;
    saksi_rank_row *ranked; /* in rank order */

    size_t rule_failed[SAKSI_MAX_RULES];
    size_t rule_evaluated[SAKSI_MAX_RULES];
} saksi_results;

/* ------------------------------------------------------------------ */
/* Transcription repair (analysis/repair.c) and ranking (rank.c)       */
/* ------------------------------------------------------------------ */

typedef struct saksi_repair_options {
    double min_weight;       /* transcription when unique or weight >= this */
    size_t max_alternatives; /* kept per station */
} saksi_repair_options;

/* Find repairs for every station with a failed equality; fills
 * res->repairs / nrepairs. */
saksi_status saksi_repair_all(const saksi_table *t, const int32_t *prog, saksi_results *res,
                              const saksi_repair_options *opt, saksi_error *err);

/* Classify stations, collect findings and build the ranked list. */
saksi_status saksi_rank_build(const saksi_table *t, const int32_t *prog, saksi_results *res,
                              const saksi_config *cfg, saksi_error *err);

/* Plain-language reason for a ranked row, in English ("en") or Bahasa
 * Indonesia ("id"); numbers always with a decimal point. */
void saksi_rank_reason(const saksi_table *t, const saksi_results *res, const saksi_rank_row *row,
                       const char *lang, char *buf, size_t len);

void saksi_results_free(saksi_results *res);

#endif /* SAKSI_ANALYSIS_H */
