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
    size_t anomaly_row;     /* 1 + index into res->anomaly->row of the station's
                               combined evidence; 0 when it has none (issue 5) */
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
    /* Issue 5: station-level calibrated p-values (filled by the station
     * families), the combined anomaly evidence built from them, and the
     * plot data the families hand to the report. NULL when absent. */
    struct saksi_station_tests *station_tests;
    struct saksi_anomaly *anomaly;
    struct saksi_figures *figures;
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
    double k, n, nn, x, xx_n, nl; /* nl: sum n log size, the sizes' centre */
} saksi_bb_sums;

/* A fitted beta-binomial: mean rate mu and intra-class correlation rho
 * (Var x = n mu (1-mu) (1 + (n-1) rho); rho = 0 is the binomial). */
typedef struct saksi_bb {
    int ok; /* 0 when fewer than two stations */
    double mu, rho;
    double size_log; /* the peers' mean log size (saksi_station_size), weighed by n as
                        mu is: mu is their rate at about this size (size_trends.c) */
} saksi_bb;

/* Station (x, n) added to the sums (sign -1 takes it out), its size
 * (saksi_station_size) for the centre; saksi_bb_sums_add takes n as it. */
void saksi_bb_sums_add_sized(saksi_bb_sums *s, double x, double n, double size, double sign);
void saksi_bb_sums_add(saksi_bb_sums *s, double x, double n, double sign);
/* Method-of-moments fit (Kleinman 1973); returns ok. */
int saksi_bb_fit(const saksi_bb_sums *s, saksi_bb *out);
/* local shrunk toward wide with weight k_local / (k_local + k0). */
void saksi_bb_shrink(const saksi_bb *local, double k_local, const saksi_bb *wide, double k0,
                     saksi_bb *out);
/* The stations such a shrunk fit rests on: its mean has the variance of
 * the mean of 1 / (w^2 / k_local + (1 - w)^2 / k_wide) independent ones
 * (k_wide below 2 local peers, whose fit is the wide one's). */
double saksi_shrunk_peers(double k_local, double k_wide, double k0);
/* The stations a shrunk fit's variance rests on, one more than its
 * Satterthwaite df: w rho_local + (1 - w) rho_wide from the local fit's
 * k_local - 1 df and the wide fit's k_wide - 1. 0 when neither has a df.
 * betabin.c. */
double saksi_shrunk_variance_peers(const saksi_bb *local, double k_local, const saksi_bb *wide,
                                   double k_wide, double k0);
/* The rho of shrunk (saksi_bb_shrink of local and wide) with the error
 * of the wide fit's mean added: (1 - w)^2 (rho_w sum n^2 / N^2 + (1 -
 * rho_w) / N) from the wide peers' sums ws, w = k_local / (k_local + k0)
 * (0 when local is not ok). Nothing added when the wide fit is not ok,
 * rests on under one station, or the sum would reach 1. betabin.c. */
double saksi_bb_wide_error(const saksi_bb *shrunk, const saksi_bb *local, double k_local,
                           const saksi_bb *wide, const saksi_bb_sums *ws, double k0);
/* The mean of k stations in villages (q: the sum of the villages' sizes
 * squared) whose variance has share f between villages errs like the mean
 * of this many independent stations: 1 / (f q / k^2 + (1 - f) / k); k when
 * f = 0, the number of villages when f = 1 and they are of equal size. */
double saksi_clustered_peers(double f, double k, double q);
/* saksi_bb_shrink for peers that come in villages (q: the sum of their
 * villages' sizes squared; f: the village share of the latent variance),
 * judging a station of another village: see betabin.c. *within: the part
 * of out->rho that is the peers' spread (the rest is the shrunk mean's
 * error). 1 when the villages were weighed, 0 for saksi_bb_shrink's
 * fallback. */
int saksi_bb_shrink_villages(const saksi_bb *local, const saksi_bb_sums *sums, double q, double f,
                             const saksi_bb *wide, double k0, saksi_bb *out, double *within);
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
 * district of 10 peers counts half. The digit tests use it as it is; the
 * station baselines estimate their own from the data (baselines.c
 * district_k0: within / between districts, 2-4 on simulated elections)
 * and keep this one where the data cannot tell. */
#define SAKSI_PEER_SHRINK_K0 10.0

typedef struct saksi_peer_options {
    double shrink_k0;
    int leave_out_village; /* regular stations: leave the whole village out (0: the station) */
    double village_share;  /* with it: the village share of the latent variance within districts */
    int wide_error;        /* a predictive: add the wide fit's mean error (saksi_bb_wide_error) */
} saksi_peer_options;
void saksi_peer_options_init(saksi_peer_options *o);

/* 1 when station i's village is known (a village code from its TPS id or
 * the input's village column). Inputs without villages (Russia's and
 * Albania's files name no level below the TIK or commune, Poland's none
 * below the gmina) put a whole district in one unnamed village: there is
 * no village to leave out. */
int saksi_station_has_village(const saksi_table *t, size_t i);
/* Station i's size as a covariate of its rates: its registered voters,
 * which no vote changes (stuffing moves a share's denominator, and a
 * covariate that fraud moves would explain the fraud away); the
 * measure's own n where registered is absent or below 1. */
double saksi_station_size(const saksi_table *t, size_t i, int32_t n);

/* out[i] for every station: the beta-binomial of its district peers of
 * the same stratum, leaving station i out, shrunk toward its regency's
 * (leaving i out too). With leave_out_village a station of the regular
 * stratum whose village is known leaves out its whole village instead:
 * its village mates share its village effect, so as peers they pull its
 * expectation toward it and make the fit depend on the station's own
 * deviation (a deviant village widened the fit that judged it: p-values
 * 6% conservative at 0.05 and 27% at 0.001 on clean simulated elections).
 * Out of the fit, the village effect must be in the predictive instead,
 * and the peers, in villages, weigh less than their number:
 * saksi_bb_shrink_villages with the option's village_share. exclude (optional)
 * marks stations that are no one's peer (e.g. failing an integrity rule on
 * these fields). out[i].ok = 0 where the station has no usable rate or no
 * peers. Optional per station: peers[i], the stations its fit rests on
 * (saksi_shrunk_peers; a leave-village-out fit's, its local peers), and
 * within[i], the part of out[i].rho that is the peers' spread (all of it
 * but where saksi_bb_shrink_villages keeps the mean's error apart). */
saksi_status saksi_peers_fit(const saksi_table *t, saksi_rate_fn rate, const void *ctx,
                             const uint8_t *exclude, const saksi_peer_options *opt, saksi_bb *out,
                             double *peers, double *within, saksi_error *err);

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
/* The same with the caller's scratch of n doubles: no allocation, so no
 * failure to hide (saksi_lambda_from_p gives NaN when it cannot allocate). */
double saksi_lambda_from_p_ws(const double *p, size_t n, double *scratch);
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

/* ------------------------------------------------------------------ */
/* Station-level evidence (filled by the station families, issue 4)    */
/* ------------------------------------------------------------------ */

/*
 * One station-level test over every station of the table: a column of
 * p-values with the effect and the two rates a reason quotes ("turnout
 * 99.6% vs district 78.1%"). A family adds one column per test (and per
 * candidate where the test is per candidate) with saksi_station_tests_add
 * and fills the arrays; NaN marks a station the test did not reach.
 */
typedef struct saksi_station_test {
    const char *test;   /* static name: "turnout", "share", "invalid", "added", ... */
    int candidate;      /* candidate index for per-candidate tests, else -1 */
    int calibrated;     /* 1: p from the overdispersed peer null (beta-binomial of the
                           district peers, DESIGN §4): it enters the anomaly score;
                           0: a labelled sensitivity variant (pure binomial), reported only */
    double *p;          /* n: two-sided p (mid-p), NaN where untested */
    double *effect;     /* n: signed effect (robust z), NaN where untested */
    double *observed;   /* n: the station's rate in [0, 1], NaN where untested */
    double *expected;   /* n: the rate its peers predict (mean of the null) */
} saksi_station_test;

typedef struct saksi_station_tests {
    size_t n;     /* stations of the table */
    size_t ncand; /* candidates of the table */
    size_t ntests, cap;
    saksi_station_test *test;
    /* Peer null of each candidate's share of share_size_field (valid votes),
     * n * ncand, station-major; NULL when no family fitted it. ok = 0 where a
     * station has no null. The anomaly's "unexplained votes" come from it. */
    saksi_bb *share_null;
    int share_size_field; /* SAKSI_F_VALID by default */
    /* Optional: P(X <= x) for the votes X of candidate c at station i of
     * size n under a null of another shape (a logit-normal binomial with
     * share_null's mean and dispersion, say); NULL: the beta-binomial of
     * share_null. The predictive interval of the unexplained votes then
     * comes from it. */
    double (*share_cdf)(const struct saksi_station_tests *st, size_t i, size_t c, int32_t x,
                        int32_t n);
    void *share_cdf_ctx;
} saksi_station_tests;

/* An empty set for a table of n stations and ncand candidates; NULL when
 * out of memory. */
saksi_station_tests *saksi_station_tests_alloc(size_t n, size_t ncand);
/* Append a column whose four arrays are allocated and set to NaN; *col
 * (may be NULL) points at it until the next add. */
saksi_status saksi_station_tests_add(saksi_station_tests *st, const char *test, int candidate,
                                     int calibrated, saksi_station_test **col, saksi_error *err);
/* Allocate share_null (n * ncand, every ok = 0). */
saksi_status saksi_station_tests_alloc_shares(saksi_station_tests *st, saksi_error *err);
void saksi_station_tests_free(saksi_station_tests *st);

/* ------------------------------------------------------------------ */
/* Anomaly evidence and class (analysis/anomaly.c)                     */
/* ------------------------------------------------------------------ */

/* q-value below which a station with no rule class is class anomaly. */
#define SAKSI_ANOMALY_ALPHA 0.05
/* p-values are clamped to [SAKSI_P_FLOOR, SAKSI_ANOMALY_P_CEIL] before the
 * Cauchy combination: a mid-p of exactly 1 (common for small counts) has
 * tan((1/2 - p) pi) = -1.6e16 and would cancel any evidence beside it. With
 * the ceiling at 1 - 1e-3 a p of 1 weighs -318, a p of 1e-9 weighs +3.2e8. */
#define SAKSI_ANOMALY_P_CEIL (1.0 - 1e-3)
/* Weighted BH (Genovese, Roeder & Wasserman 2006): a station inside a
 * region flagged by a region-level test weighs this much more than one
 * outside, before the weights are normalised to mean 1. Region flags are
 * prior weight, never evidence (DESIGN §5). */
#define SAKSI_ANOMALY_FLAG_WEIGHT 2.0
/* Predictive interval of the unexplained votes. */
#define SAKSI_ANOMALY_PI_LEVEL 0.90
/* Rows kept for the report beyond the class: stations with p below this. */
#define SAKSI_ANOMALY_KEEP_P 1e-3

typedef struct saksi_anomaly_options {
    double alpha;       /* SAKSI_ANOMALY_ALPHA */
    double p_ceil;      /* SAKSI_ANOMALY_P_CEIL */
    double flag_weight; /* SAKSI_ANOMALY_FLAG_WEIGHT; 1 switches the weights off */
    double pi_level;    /* SAKSI_ANOMALY_PI_LEVEL */
    double keep_p;      /* SAKSI_ANOMALY_KEEP_P */
} saksi_anomaly_options;
void saksi_anomaly_options_init(saksi_anomaly_options *o);

/* The combined evidence of one station (kept when q < alpha or p < keep_p). */
typedef struct saksi_anomaly_row {
    size_t station;
    double p;            /* Cauchy combination of its calibrated p-values */
    double q;            /* weighted BH across stations */
    double weight;       /* its weighted-BH weight (mean 1 over tested stations) */
    uint32_t ntests;     /* calibrated p-values combined */
    int32_t top_test;    /* column of res->station_tests with its smallest p */
    int32_t beneficiary; /* candidate with the largest excess over its peers, -1 none */
    double expected;     /* peer-predicted votes of the beneficiary (NaN: none) */
    int64_t votes;       /* unexplained votes: observed - expected, positive part */
    int64_t votes_lo, votes_hi; /* pi_level predictive interval, positive parts */
} saksi_anomaly_row;

typedef struct saksi_anomaly {
    double alpha;
    size_t m;           /* stations tested (at least one calibrated p) */
    size_t nflagged;    /* stations with q < alpha (before rule classes) */
    size_t in_flagged_regions; /* tested stations weighted up by a region flag */
    size_t nrows;
    saksi_anomaly_row *row; /* station order */
} saksi_anomaly;

/* Combine, weight and adjust (DESIGN §5) from res->station_tests and
 * res->region_tests into res->anomaly (replacing any). No station tests:
 * an empty result with m = 0. opt NULL: the defaults. */
saksi_status saksi_anomaly_build(const saksi_table *t, saksi_results *res,
                                 const saksi_anomaly_options *opt, saksi_error *err);
void saksi_anomaly_free(saksi_anomaly *a);

/* The row of a station, or NULL. */
const saksi_anomaly_row *saksi_anomaly_find(const saksi_anomaly *a, size_t station);

/* Unexplained votes of x observed against BetaBin(n, mu, rho): expected =
 * n mu; votes = round(x - expected) (positive part); the interval from the
 * lower and upper (1 - level)/2 quantiles of the predictive distribution,
 * x - q_hi .. x - q_lo (positive parts). */
void saksi_anomaly_unexplained(int32_t x, int32_t n, const saksi_bb *null, double level,
                               double *expected, int64_t *votes, int64_t *lo, int64_t *hi);

/* ------------------------------------------------------------------ */
/* Figures the families hand to the report (issue 5)                   */
/* ------------------------------------------------------------------ */

#define SAKSI_FIG_DIGITS 10
#define SAKSI_FIG_PERCENTS 101

/* Digit bars of one region (and candidate): observed counts against the
 * calibrated expectation and the classical one ("not calibrated for these
 * counts", DESIGN §4). */
typedef struct saksi_fig_digits {
    const char *test; /* static: "last_digit", "second_digit_10_99", ... */
    int level;
    uint32_t region;
    int candidate;    /* -1: all candidates together */
    double observed[SAKSI_FIG_DIGITS];
    double expected[SAKSI_FIG_DIGITS];  /* from the peer beta-binomial */
    double classical[SAKSI_FIG_DIGITS]; /* uniform or Benford */
} saksi_fig_digits;

/* Integer-percent spike profile of one region: stations whose rate is
 * exactly p percent (observed) and the expected count, p = 0..100. */
typedef struct saksi_fig_spikes {
    const char *rate; /* static: "turnout", "share", "union" */
    int level;
    uint32_t region;
    double observed[SAKSI_FIG_PERCENTS];
    double expected[SAKSI_FIG_PERCENTS];
} saksi_fig_spikes;

/* Turnout x winner-share fingerprint of one region (Klimek 2012): counts
 * of stations in nx turnout bins by ny share bins, x-major, with the
 * fitted fraud fractions beside their clean-simulation distribution. */
typedef struct saksi_fig_fingerprint {
    int level;
    uint32_t region;
    uint32_t nx, ny;
    int32_t *count; /* nx * ny, owned */
    double f_i, f_e;          /* fitted incremental / extreme fractions; NaN when not fitted */
    double f_i_null95, f_e_null95; /* their 95th percentile under clean simulations */
} saksi_fig_fingerprint;

typedef struct saksi_figures {
    size_t ndigits, cap_digits;
    saksi_fig_digits *digits;
    size_t nspikes, cap_spikes;
    saksi_fig_spikes *spikes;
    size_t nfingerprints, cap_fingerprints;
    saksi_fig_fingerprint *fingerprints;
} saksi_figures;

/* Append a copy (the fingerprint's count array is copied too). */
saksi_status saksi_figures_add_digits(saksi_figures *f, const saksi_fig_digits *d,
                                      saksi_error *err);
saksi_status saksi_figures_add_spikes(saksi_figures *f, const saksi_fig_spikes *s,
                                      saksi_error *err);
saksi_status saksi_figures_add_fingerprint(saksi_figures *f, const saksi_fig_fingerprint *fp,
                                           saksi_error *err);
void saksi_figures_free(saksi_figures *f);

/* ------------------------------------------------------------------ */
/* Region roll-ups, coverage and the region ranking (rollup.c)         */
/* ------------------------------------------------------------------ */

/* Top stations listed under each region (drill-down). */
#define SAKSI_ROLLUP_TOP 5

/* A station "with data" has at least one candidate count; "complete" has
 * every column of the table filled (DESIGN §5 coverage). */
int saksi_station_has_data(const saksi_table *t, size_t i);
int saksi_station_complete(const saksi_table *t, size_t i);

typedef struct saksi_rollup_region {
    uint32_t region;
    uint32_t stations, with_data, complete;
    uint32_t by_class[SAKSI_NCLASSES];
    int64_t votes[SAKSI_NCLASSES]; /* votes at stake summed per class */
    int64_t votes_total;           /* over every class */
    int64_t anomaly_lo, anomaly_hi; /* sums of the anomaly intervals */
    uint32_t tests_run, tests_flagged; /* region-level tests of this region */
    double min_q;                  /* smallest q among them, NaN when none */
    double share_of_margin;        /* votes_total / the contest's margin; NaN when no margin */
    uint32_t rank;                 /* 1-based within the level */
    uint32_t ntop;
    size_t top[SAKSI_ROLLUP_TOP];  /* indices into res->ranked, best first */
} saksi_rollup_region;

typedef struct saksi_rollup {
    size_t ncand;
    int64_t *cand_votes; /* ncand: national totals of the reported counts */
    int first, second;   /* candidates by national votes, -1 when absent */
    int64_t margin;      /* first - second: Pilpres is decided nationally */
    size_t n[SAKSI_NLEVELS];
    saksi_rollup_region *level[SAKSI_NLEVELS]; /* region order (t->regions) */
    uint32_t *order[SAKSI_NLEVELS];            /* region indices in rank order */
} saksi_rollup;

/* Region ranking per level: flagged region tests, then votes at stake,
 * then ranked stations, then code. */
saksi_status saksi_rollup_build(const saksi_table *t, const saksi_results *res, saksi_rollup *out,
                                saksi_error *err);
void saksi_rollup_free(saksi_rollup *r);

/* ------------------------------------------------------------------ */
/* Calibration model fitted to an input (analysis/calibrate.c)         */
/* ------------------------------------------------------------------ */

/* Quantities with random effects, each on the logit (or, for candidates,
 * log-ratio) scale. */
enum saksi_calib_q {
    SAKSI_CALIB_TURNOUT, /* DPT voters (else total) of registered */
    SAKSI_CALIB_INVALID, /* invalid of total */
    SAKSI_CALIB_ADDED,   /* DPTb + DPK of the ballots left after DPT voters and spoiled */
    SAKSI_CALIB_NQ
};

/* Most candidates the calibration simulates (the simulator's bound). */
#define SAKSI_CALIB_MAX_CAND 16
/* District dispersion multipliers are shrunk toward 1 with this many
 * degrees of freedom of prior weight (as the peers shrink a district of
 * 10 stations half-way, SAKSI_PEER_SHRINK_K0). */
#define SAKSI_CALIB_SCALE_K0 10.0

/*
 * A hierarchical overdispersed model of a clean election fitted to an
 * input (DESIGN §5 "Calibration"): per quantity a random-effect sd at each
 * level (index SAKSI_LEVEL_PROVINCE..VILLAGE; index 0 is the station),
 * moment estimates from the nested spread of empirical logits with the
 * binomial sampling variance removed; intercepts per stratum matching the
 * pooled rates; per district a multiplier of the village and station sds
 * of turnout and shares. Simulation keeps the input's own stations: ids,
 * regions, strata, registered (and its L/P split), ballots received and
 * which cells are missing.
 */
typedef struct saksi_calib_model {
    size_t ncand;
    double sd[SAKSI_CALIB_NQ][SAKSI_NLEVELS];
    double sd_share[SAKSI_CALIB_MAX_CAND][SAKSI_NLEVELS];
    double mu[SAKSI_CALIB_NQ][SAKSI_NSTRATA];
    double mu_share[SAKSI_CALIB_MAX_CAND];
    double female_turnout_logit; /* women's minus men's turnout logit */
    double spoiled;              /* of the ballots left after the DPT voters */
    double male_added;           /* men among DPTb + DPK */
    double dptb_of_added[SAKSI_NSTRATA];
    double noken_bloc;           /* noken stations voting as one bloc */
    size_t ndistricts;
    double *scale_turnout, *scale_share; /* per district of the input */
    uint8_t *clean;              /* per station of the input: failed no rule */
    size_t fitted_stations;      /* consistent regular stations the sds rest on */
} saksi_calib_model;

/* Fit to t, using only stations that fail no rule (res->fail_mask and
 * neg_mask; res may be NULL: every station). t->stratum as set by the
 * rules. SAKSI_ERR_DATA when fewer than two usable stations. */
saksi_status saksi_calib_fit(const saksi_table *t, const saksi_results *res, saksi_calib_model *m,
                             saksi_error *err);
void saksi_calib_model_free(saksi_calib_model *m);
/* One clean election on t's own stations: a new finalized table with t's
 * ids, regions, columns and missing cells, values drawn from m with
 * streams keyed by (seed, replicate, station or region). */
saksi_status saksi_calib_simulate(const saksi_table *t, const saksi_calib_model *m, uint64_t seed,
                                  uint32_t replicate, saksi_table **out, saksi_error *err);

#endif /* SAKSI_ANALYSIS_H */
