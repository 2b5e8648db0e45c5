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

/* What a rule's discrepancy counts. Only votes are votes at stake: a
 * broken L + P = J of the register or of the attendance lists is a
 * finding, but no vote for any candidate moved. */
enum saksi_rule_unit {
    SAKSI_UNIT_VOTES,
    SAKSI_UNIT_VOTERS,
    SAKSI_UNIT_REGISTERED,
    SAKSI_UNIT_BALLOTS,
    SAKSI_NUNITS
};
const char *saksi_rule_unit_name(int unit);

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
    int unit;       /* enum saksi_rule_unit: what its discrepancy counts */
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

    struct saksi_region_tests *region_tests; /* every region-level family's rows */
    /* real-data readers' state: metadata and the cross-source comparison
     * (analysis/compare.h); borrowed from the engine, not freed here */
    struct saksi_realdata *realdata;
    struct saksi_digits_result *digits;      /* the digit family's national view (digits.h) */
    struct saksi_fingerprints *fingerprints; /* fingerprint family (fingerprint.h), or NULL */
    struct saksi_turnout *turnout; /* station baselines and integer percentages (turnout.h) */
} saksi_results;

/* Release what the digit family keeps (analysis/digits_regions.c). */
void saksi_digits_result_free(struct saksi_digits_result *d);
/* Release the fingerprint family's results (NULL accepted). */
void saksi_fingerprints_free(struct saksi_fingerprints *fp);
/* Releases res->turnout (analysis/baselines.c); accepts NULL. */
void saksi_turnout_free(struct saksi_turnout *tr);

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

/* ------------------------------------------------------------------ */
/* Beta-binomial null (analysis/betabin.c)                             */
/* ------------------------------------------------------------------ */

/* Running sums of (count x, size n) pairs: K, sum n, sum n^2, sum x,
 * sum x^2/n. Adding with sign -1 removes a station (leave one out). */
typedef struct saksi_bb_sums {
    double k, n, nn, x, xx_n;
} saksi_bb_sums;

/* A fitted beta-binomial: mean rate mu and intra-class correlation rho
 * (Var x = n mu (1-mu) (1 + (n-1) rho); rho = 0 is the binomial). */
typedef struct saksi_bb {
    int ok; /* 0 when fewer than two stations */
    double mu, rho;
} saksi_bb;

void saksi_bb_sums_add(saksi_bb_sums *s, double x, double n, double sign);
/* Method-of-moments fit (Kleinman 1973); returns ok. */
int saksi_bb_fit(const saksi_bb_sums *s, saksi_bb *out);
/* local shrunk toward wide with weight k_local / (k_local + k0). */
void saksi_bb_shrink(const saksi_bb *local, double k_local, const saksi_bb *wide, double k0,
                     saksi_bb *out);
/* pmf of BetaBin(n, mu, rho) into p[0..n]. */
void saksi_bb_pmf(int n, double mu, double rho, double *p);
/* ------------------------------------------------------------------ */
/* Peer expectations (analysis/peers.c)                                */
/* ------------------------------------------------------------------ */

/* A rate at station i: *x of *n (e.g. votes of a candidate of valid).
 * Returns 0 when the station has no usable value (missing, n < 1, x
 * outside 0..n): it is then neither tested nor anyone's peer. */
typedef int (*saksi_rate_fn)(const saksi_table *t, size_t i, const void *ctx, int32_t *x,
                             int32_t *n);
/* ctx = const int[2] {count field, size field}. */
int saksi_rate_field_ratio(const saksi_table *t, size_t i, const void *ctx, int32_t *x,
                           int32_t *n);

/* District stations weigh k / (k + K0) against the regency's, so a
 * district of 10 peers counts half. */
#define SAKSI_PEER_SHRINK_K0 10.0

typedef struct saksi_peer_options {
    double shrink_k0;
} saksi_peer_options;
void saksi_peer_options_init(saksi_peer_options *o);

/* out[i] for every station: the beta-binomial of its district peers of
 * the same stratum, leaving station i out, shrunk toward its regency's
 * (leaving i out too). exclude (optional) marks stations that are no one's
 * peer (e.g. failing an integrity rule on these fields). out[i].ok = 0
 * where the station has no usable rate or no peers. */
saksi_status saksi_peers_fit(const saksi_table *t, saksi_rate_fn rate, const void *ctx,
                             const uint8_t *exclude, const saksi_peer_options *opt, saksi_bb *out,
                             saksi_error *err);

/* Two-sided mid-p of x under the pmf p[0..n]:
 * 2 min(P(X < x) + P(X = x)/2, P(X > x) + P(X = x)/2), at most 1. */
double saksi_bb_midp(int x, int n, const double *p);

/* ------------------------------------------------------------------ */
/* Inference (analysis/inference.c)                                    */
/* ------------------------------------------------------------------ */

/* p-values are kept in [SAKSI_P_FLOOR, 1 - SAKSI_P_FLOOR] before being
 * combined (DESIGN §5: "p clamped away from 0 and 1"). */
#define SAKSI_P_FLOOR 1e-300

/* BH q-values of n p-values (NaN = untested, excluded from m); w optional
 * weights for weighted BH. *m_out receives m. */
saksi_status saksi_bh(const double *p, const double *w, size_t n, double *q, size_t *m_out,
                      saksi_error *err);
/* Cauchy combination (Liu & Xie 2020); w optional. NaN entries skipped. */
double saksi_cauchy_combine(const double *p, const double *w, size_t n);
/* Simes combination. NaN entries skipped. */
double saksi_simes_combine(const double *p, size_t n);
/* Inflation factor lambda from p-values via chi-square(1) quantiles. */
double saksi_lambda_from_p(const double *p, size_t n);
/* p after dividing its chi-square(1) statistic by lambda (when > 1). */
double saksi_p_deflate(double p, double lambda);

/* ------------------------------------------------------------------ */
/* Region-level tests (analysis/region_tests.c)                        */
/* ------------------------------------------------------------------ */

/* One test of one region at one level (issues 3 and 4): a row of the
 * per-level region tables of the report. Strings are static. */
typedef struct saksi_region_test {
    const char *test;  /* e.g. "last_digit", "integer_percent"            */
    int level;         /* enum saksi_level                                 */
    uint32_t region;   /* index in t->regions[level]                       */
    int candidate;     /* candidate index, -1 for omnibus / not per cand.  */
    int descriptive;   /* 1: reported only, never a p-value or a flag      */
    uint32_t n;        /* numbers or stations tested                       */
    double statistic;  /* the test's statistic                             */
    double effect, effect_lo, effect_hi; /* effect size and its interval   */
    double effect_floor; /* documented minimum effect for a flag           */
    double p, q;       /* NaN when skipped or descriptive                  */
    double lambda;     /* inflation factor of its (test, level) family     */
    uint32_t m;        /* tests in its BH family (test, level)             */
    int flagged;       /* q < alpha and effect > effect_floor              */
    const char *skip;  /* why it was not tested; "" when tested            */
} saksi_region_test;

typedef struct saksi_region_tests {
    size_t n, cap;
    saksi_region_test *row;
} saksi_region_tests;

saksi_status saksi_region_tests_push(saksi_region_tests *rt, const saksi_region_test *row,
                                     saksi_error *err);
/* Per (test, level) family: lambda; with empirical != 0 p deflated by it
 * (--null empirical); BH q-values with m; flags where q < alpha and the
 * effect exceeds its floor. Descriptive and skipped rows get NaN. */
saksi_status saksi_region_tests_finish(saksi_region_tests *rt, double alpha, int empirical,
                                       saksi_error *err);
void saksi_region_tests_free(saksi_region_tests *rt);

/* ------------------------------------------------------------------ */
/* Overdispersion of station rates within regions (dispersion.c)       */
/* ------------------------------------------------------------------ */

/*
 * How much more station rates vary within a region than a binomial allows
 * (DESIGN §4 "Null models"). For a region with m usable stations, counts
 * x_s out of n_s and pooled rate p = sum x / sum n, the ratio is
 *
 *     sd_s(x_s / n_s) / sqrt(p (1 - p) * mean_s(1 / n_s))
 *
 * (sample sd with m - 1), about 1 when every station draws from one
 * binomial rate. Measured for turnout (voters_total, else total, over
 * registered) and for the national leader's share of valid votes; the
 * simulator is tuned to the medians measured on Sirekap 2024.
 */
enum saksi_disp_rate { SAKSI_DISP_TURNOUT, SAKSI_DISP_SHARE, SAKSI_NDISP };

typedef struct saksi_dispersion_options {
    int level;           /* regions to group by; default SAKSI_LEVEL_DISTRICT */
    size_t min_stations; /* usable stations a region needs; default 8, at least 2 */
    int consistent_only; /* use a station only where the identities among the
                            fields it uses hold (OCR errors would inflate the sd);
                            default 1 */
} saksi_dispersion_options;

void saksi_dispersion_options_init(saksi_dispersion_options *o);

typedef struct saksi_dispersion_stat {
    size_t regions;  /* regions where the ratio was computed */
    size_t stations; /* usable stations in those regions */
    size_t excluded_missing;      /* a needed cell missing, or denominator < 1 */
    size_t excluded_range;        /* negative, or count above its denominator */
    size_t excluded_inconsistent; /* an identity among its fields fails */
    size_t small_regions;         /* regions with too few usable stations */
    size_t degenerate_regions;    /* pooled rate 0 or 1: no binomial sd */
    double q1, median, q3;        /* of the ratios (type-7 quantiles); NaN if none */
    double *ratio;                /* per region of the level; NaN where not computed */
} saksi_dispersion_stat;

typedef struct saksi_dispersion {
    int level;
    size_t nregions; /* regions of the level in the table */
    int leader;      /* candidate whose share is measured (most votes in the
                        table), -1 when there is none */
    saksi_dispersion_stat rate[SAKSI_NDISP];
} saksi_dispersion;

/* Measure on a finalized table; *out is filled (its ratio arrays malloc'd,
 * released by saksi_dispersion_free). opt may be NULL for the defaults. */
saksi_status saksi_dispersion_measure(const saksi_table *t, const saksi_dispersion_options *opt,
                                      saksi_dispersion *out, saksi_error *err);
void saksi_dispersion_free(saksi_dispersion *d);

/* Type-7 quantile (linear between order statistics, R's default) of the
 * n sorted values v; NaN when n == 0. */
double saksi_dispersion_quantile(const double *v, size_t n, double prob);

#endif /* SAKSI_ANALYSIS_H */
