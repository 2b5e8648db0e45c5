/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * turnout.h — internal interface of the turnout and vote-share family
 * (issue 4): station baselines against the overdispersed peer null
 * (baselines.c), Kobak's integer percentages (kobak.c) with the exact
 * Poisson-binomial null (poibin.c), and the results the report writers and
 * the anomaly score (issue 5) read. Plain C and GSL: no OpenCL, no HDF5.
 */
#ifndef SAKSI_TURNOUT_H
#define SAKSI_TURNOUT_H

#include "analysis.h"
#include "turnout_shared.h"

/* ------------------------------------------------------------------ */
/* Poisson-binomial distribution (poibin.c)                            */
/* ------------------------------------------------------------------ */

/* The dynamic programme keeps the sum's distribution within mean +- this
 * many sds plus 16 cells (DESIGN §4); the mass it drops is reported
 * (about 1e-30). */
#define SAKSI_POIBIN_WINDOW_SD 12.0
/* DP work (trials x window cells) above which the saddlepoint is used:
 * 2e7 cells take about 30 ms here; a regency (1,600 stations, sd 12) needs
 * 5e5, a province (21,000, sd 45) 2.3e7, the nation (823k, sd 280) 5.5e9. */
#define SAKSI_POIBIN_DP_BUDGET 2e7

enum saksi_poibin_method { SAKSI_POIBIN_DP, SAKSI_POIBIN_SADDLEPOINT, SAKSI_NPOIBIN };
const char *saksi_poibin_method_name(int method);

/* One-sided test of an observed count against a Poisson-binomial. */
typedef struct saksi_poibin_test {
    double mean, var; /* of the sum */
    double tail;      /* P(S >= observed), exact (DP) or saddlepoint */
    double point;     /* P(S == observed) */
    double midp;      /* P(S > observed) + P(S == observed) / 2 */
    int method;       /* enum saksi_poibin_method */
    double dropped;   /* DP: probability mass dropped outside the window */
} saksi_poibin_test;

/* Mean and variance of the sum of Bernoulli(p[i]). */
void saksi_poibin_moments(const double *p, size_t n, double *mean, double *var);

/* Windowed dynamic programme: the distribution of the sum over a window
 * of cells. *first is the value of pmf[0]; *len cells are filled (pmf
 * must hold saksi_poibin_dp_cells(p, n) cells, or n + 1 for the whole
 * support; a smaller cap drops the top cells). *dropped receives
 * the mass dropped outside. Returns SAKSI_ERR_NOMEM only. */
saksi_status saksi_poibin_dp(const double *p, size_t n, double *pmf, size_t cap, int64_t *first,
                             size_t *len, double *dropped, saksi_error *err);

/* Cells the DP window needs for these trials (for sizing pmf). */
size_t saksi_poibin_dp_cells(const double *p, size_t n);

/* Saddlepoint approximation of P(S >= k) (Lugannani-Rice with Daniels'
 * second continuity correction for a lattice variable; Butler 2007,
 * Saddlepoint Approximations with Applications, section 1.2.5). Exact at
 * the ends (k <= 0: 1; k above the number of non-zero trials: 0). */
double saksi_poibin_saddle_tail(const double *p, size_t n, int64_t k);

/* The test of `observed`: DP when its work fits SAKSI_POIBIN_DP_BUDGET and
 * the observed count lies in its window, else the saddlepoint. */
saksi_status saksi_poibin_test_run(const double *p, size_t n, int64_t observed,
                                   saksi_poibin_test *out, saksi_error *err);

/* ------------------------------------------------------------------ */
/* Student's t on the log scale (student.c)                            */
/* ------------------------------------------------------------------ */

/* Student's t with nu > 0 degrees of freedom and its log B(nu/2, 1/2). */
typedef struct saksi_student {
    double nu, log_beta;
} saksi_student;
saksi_student saksi_student_of(double nu);
/* log P(T <= z), accurate far into either tail (checked against GSL's
 * gsl_cdf_tdist_P in tests/test_baselines.c). */
double saksi_student_log_cdf(double z, const saksi_student *t);
/* log of the density at z. */
double saksi_student_log_pdf(double z, const saksi_student *t);

/* ------------------------------------------------------------------ */
/* Logit-normal binomial (lnbin.c)                                     */
/* ------------------------------------------------------------------ */

/* Gauss-Hermite nodes: 16 for the moments of expit(a + sZ) (a smooth
 * integrand: the variance to 2e-6 relative at rho 0.2), 10 for the
 * mode-centred tail integrals (1e-5 relative on the small side, checked
 * against brute-force integration in tests/test_baselines.c). */
#define SAKSI_LNB_MOMENT_NODES 16
#define SAKSI_LNB_TAIL_NODES   10

typedef struct saksi_lnb_rule {
    double mt[SAKSI_LNB_MOMENT_NODES], mw[SAKSI_LNB_MOMENT_NODES];
    double tt[SAKSI_LNB_TAIL_NODES], tw[SAKSI_LNB_TAIL_NODES];
} saksi_lnb_rule;

saksi_status saksi_lnb_rule_init(saksi_lnb_rule *r, saksi_error *err);
/* The latent logit is a + s g(Z), g(z) = sinh(asinh z + eps): eps = 0 the
 * logit-normal, eps < 0 a heavier lower tail (lnbin.c). */
/* (a, s) of the law with mean m and variance v (0 < v < m(1-m) is capped
 * below it); s = 0 when v = 0. On entry (*a, *s) with *s > 0 is a starting
 * point (the previous station's solution: neighbours differ little); *s
 * <= 0 asks for the default start. Returns 0 when m is 0 or 1. */
int saksi_lnb_match(double m, double v, double eps, const saksi_lnb_rule *r, double *a, double *s);
/* The mean and variance of expit(a + s Z), Z standard normal (the moment
 * nodes: as saksi_lnb_match, whose inverse it is at eps = 0). */
void saksi_lnb_moments(double a, double s, const saksi_lnb_rule *r, double *m, double *v);
/* P(X <= x) for X ~ Bin(n, expit(a + s g(Z))), Z standard normal (nu = 0)
 * or Student's t with nu degrees of freedom (nu > 0: the peer fit's own
 * uncertainty when it rests on few peers). */
double saksi_lnb_lower(int32_t x, int32_t n, double a, double s, double eps, double nu,
                       const saksi_lnb_rule *r);
/* The smaller tail beyond x and P(X = x): P(X < x) (returns 0) or P(X >
 * x) (returns 1). mean = n E p picks the side tried first: x's side of
 * it, unless that tail with half of P(X = x) exceeds 1/2. */
int saksi_lnb_tail(int32_t x, int32_t n, double a, double s, double eps, double nu, double mean,
                   const saksi_lnb_rule *r, double *beyond, double *point);
/* Two-sided mid-p of x, from saksi_lnb_tail (mean as there). */
double saksi_lnb_midp(int32_t x, int32_t n, double a, double s, double eps, double nu,
                      double mean, const saksi_lnb_rule *r);
/* The eps of g(Z)'s skewness gamma (Z normal); beyond the family's reach
 * (|gamma| > 1.40) the farthest it reaches. */
double saksi_lnb_eps_of_skew(double gamma);
/* The skewness of a candidate's latent logit implied by the softmax
 * (share_skew.c): q[0..k) the peers' votes per candidate, self the
 * candidate, s2 the logit's variance. 0 with fewer than two others. */
double saksi_share_logit_skew(const double *q, size_t k, size_t self, double s2,
                              const saksi_lnb_rule *r);

/* ------------------------------------------------------------------ */
/* Station baselines (baselines.c)                                     */
/* ------------------------------------------------------------------ */

/* Measures: turnout, invalid share, added-voter share, then one share per
 * candidate (measure SAKSI_BM_CAND0 + k). */
enum saksi_baseline_measure { SAKSI_BM_TURNOUT, SAKSI_BM_INVALID, SAKSI_BM_ADDED, SAKSI_BM_CAND0 };

/* Why a measure was not tested at a station (0: tested). */
enum saksi_baseline_skip {
    SAKSI_BSKIP_NONE,
    SAKSI_BSKIP_ABSENT,    /* the input has no column for it                 */
    SAKSI_BSKIP_MISSING,   /* a cell it needs is empty                       */
    SAKSI_BSKIP_SIZE,      /* its denominator is below 1                     */
    SAKSI_BSKIP_RANGE,     /* negative, or the count exceeds its denominator */
    SAKSI_BSKIP_INTEGRITY, /* a rule on its fields fails at the station      */
    SAKSI_BSKIP_NO_PEERS,  /* fewer than two usable peers in district and regency */
    SAKSI_BSKIP_STRATUM,   /* not tested in this stratum (noken candidate shares) */
    SAKSI_NBSKIP
};
const char *saksi_baseline_skip_name(int reason);

/* Fewer usable district peers than this: the robust z uses the regency's
 * (leave one out, same stratum); a median/MAD of 7 values is too noisy. */
#define SAKSI_BASELINE_Z_MIN_PEERS 8
/* Normal-consistent MAD scale (1 / Phi^-1(3/4)). */
#define SAKSI_MAD_SCALE 1.482602218505602

/* The shape of the peer null. Both take the mean and dispersion of the
 * peers' beta-binomial fit (saksi_peers_fit); the default gives the latent
 * rate a logit-normal shape with those two moments, the other is the
 * beta-binomial itself (DESIGN's wording; a sensitivity variant, measured
 * miscalibrated in the tails on simulated elections: README). */
enum saksi_baseline_null {
    SAKSI_BASELINE_LOGITNORMAL,
    SAKSI_BASELINE_BETABINOMIAL,
    SAKSI_NBASELINE_NULLS
};
const char *saksi_baseline_null_name(int null);

/* A regency with fewer usable peers of the station's stratum than this
 * (special TPS: about two per regency) borrows from its province, then
 * the nation, by the same shrinkage as district to regency. */
#define SAKSI_BASELINE_MIN_FIT_PEERS 10

/* When the latent variance of a station's fit rests on fewer effective
 * degrees of freedom than this (baselines.c satterthwaite_df: the peers
 * and their villages, the latent share of their variance), the latent
 * logit gets Student's t with them; beyond it the normal, which agrees
 * with t to 3% in the tail even 6 sds out. In effect always t. Measured
 * on 20 clean elections of 200,000 stations
 * (saksi_baselines_calibrate calibrate --t-peers DF): with the normal
 * from 60 df up, BH over every station flagged a clean one in 1-3 of 20
 * runs per candidate share (a deviant village plus a deviant station:
 * p = 6e-10 where a dozen villages carry the district's spread); with t
 * throughout, in 0 of 20 for every measure. */
#define SAKSI_BASELINE_T_PEERS 10000

/* Degrees of freedom of the stratum's typical latent variance in the
 * moderated fit (baselines.c moderate(); Smyth 2004) where they cannot be
 * estimated from the fits' log variances (saksi_prior_fit: small counts, few
 * fits), and always for invalid and added voters: a district fit of
 * ~100 peers of turnout rests on ~40 df, one of invalid votes on ~25, an
 * overseas mission's on ~3. Estimated on clean simulated elections:
 * turnout ~7.7, shares ~12-14. */
#define SAKSI_BASELINE_PRIOR_DF 10.0

/* Measures run on this many threads at most (one measure per thread at a
 * time; results do not depend on it). */
#define SAKSI_BASELINE_MAX_THREADS 8

typedef struct saksi_baseline_options {
    saksi_peer_options peers;
    size_t z_min_peers;   /* SAKSI_BASELINE_Z_MIN_PEERS */
    int null;             /* enum saksi_baseline_null */
    size_t threads;       /* 0: the online CPUs, at most SAKSI_BASELINE_MAX_THREADS */
    size_t min_fit_peers; /* SAKSI_BASELINE_MIN_FIT_PEERS */
    size_t t_peers;       /* SAKSI_BASELINE_T_PEERS; 0: never Student's t */
    double prior_df;      /* the fallback d0, SAKSI_BASELINE_PRIOR_DF; 0: no moderation */
    int size_trend;       /* 1 (default): expectations follow the stations' size
                             (size_trends.c mean_trend); 0: the peers' rate as it is */
    int size_dispersion;  /* 1 (default): latent variances follow the stations' size
                             (size_trends.c dispersion_trend); 0: the peers' as it is */
    int randomized;       /* also fill pit (calibration diagnostics only) */
    uint64_t seed;        /* of pit's uniforms */
} saksi_baseline_options;
void saksi_baseline_options_init(saksi_baseline_options *o);

/* Per station and measure, measure-major: entry [m * n + i]. */
typedef struct saksi_baselines {
    size_t n, nmeasures;             /* stations, 3 + ncand */
    int turnout_field;               /* numerator of turnout: voters_dpt, else total, else
                                        voters_total; -1 when none */
    double *p;                       /* two-sided mid-p; NaN when skipped */
    double *z;                       /* robust z (NaN when skipped or no peer scale) */
    double *expected;                /* n mu of the peer fit; NaN when skipped */
    double *rho;                     /* dispersion of the peer fit; NaN when skipped (the
                                        anomaly's predictive interval, analysis/anomaly.c) */
    double *pit;                     /* with opt->randomized: the randomized PIT
                                        F(x-1) + U f(x) under the station's null, exactly
                                        uniform when the null is right; 2 min(pit, 1 - pit)
                                        is the randomized two-sided p (a diagnostic that
                                        separates the model's fit from the mid-p's
                                        discreteness); else NULL */
    uint8_t *skip;                   /* enum saksi_baseline_skip */
    size_t *tested;                  /* per measure */
    double *village_share;           /* per measure: the village part of the regular
                                        stratum's within-district latent variance
                                        (baselines.c nested_anova) */
    double *shrink_k0;               /* per measure: k0 of the district fits' shrinkage
                                        toward the regency (baselines.c district_k0) */
    double *prior_df;                /* per measure: d0 of the regular stratum's moderation
                                        prior (saksi_prior_fit, moderation.c) */
    double *share_skew;              /* per measure: the mean skewness of the regular
                                        stratum's latent logits (a share's, from the
                                        softmax, share_skew.c; 0 for the rest) */
    double *size_trend;              /* per measure: the regular stratum's slope of the
                                        logit rate on log size within districts, shrunk
                                        (size_trends.c mean_trend); 0: none */
    double *size_dispersion;         /* per measure: the regular stratum's slope of the
                                        log latent variance on log size within
                                        districts, shrunk (size_trends.c
                                        dispersion_trend); 0: none */
    size_t (*skipped)[SAKSI_NBSKIP]; /* per measure and reason */
    int null;                        /* enum saksi_baseline_null */
    double seconds;
} saksi_baselines;

/* Name of measure m into buf ("turnout", "invalid", "added", "cand_01"). */
void saksi_baseline_measure_name(const saksi_table *t, size_t m, char *buf, size_t len);
/* Count and size of measure m at station i, by the definitions of
 * baselines.c; returns SAKSI_BSKIP_NONE or why there is no usable rate. */
int saksi_baseline_rate(const saksi_table *t, size_t m, size_t i, int32_t *x, int32_t *n);
/* Rules (bit r) whose terms name a field of measure m: a station failing
 * one of them is no one's peer and its measure is skipped. */
uint32_t saksi_baseline_rule_mask(const saksi_rules *r, const saksi_table *t, size_t m);

/* Run every measure on t. fail (t->n masks, may be NULL) with rules says
 * which rules fail where. *out is malloc'd (saksi_baselines_free). */
saksi_status saksi_baselines_run(const saksi_table *t, const saksi_rules *rules,
                                 const uint32_t *fail, const saksi_baseline_options *opt,
                                 saksi_baselines **out, saksi_error *err);
void saksi_baselines_free(saksi_baselines *b);

/* The station's size in its baseline (size_trends.c), measure m, on the
 * widened peer fits: with mean, fit's mu (and rho, within) follow the
 * station's registered size, the slope per stratum into trend; with
 * dispersion, vscale (t->n) gets each station's factor on its
 * within-district latent variance (1 elsewhere), whose part outside the
 * village share (village, per stratum) follows the size with the slope
 * per stratum into slope. */
saksi_status saksi_size_trends(const saksi_table *t, size_t m, const uint8_t *skip,
                               const saksi_lnb_rule *rule, int mean, int dispersion,
                               const double *village, saksi_bb *fit, double *within, double *vscale,
                               double *trend, double *slope, saksi_error *err);

/* The moderation prior (moderation.c; Smyth 2004, section 6.2): sums over
 * a stratum's fits, then its degrees of freedom d0 and scale s0^2. */
typedef struct saksi_prior_sums {
    double k, few, bad, e, ee, tri, mean; /* fits; those under 2 df; those with no latent
                                             variance; over the rest the sums of e = log s2 -
                                             digamma(nu / 2) + log(nu / 2), of e^2 and of
                                             trigamma(nu / 2); the sum of every s2 */
} saksi_prior_sums;

/* Fewer usable fits than this: the fixed prior. */
#define SAKSI_PRIOR_MIN_FITS 50.0

void saksi_prior_add(saksi_prior_sums *ps, double s2, double nu);

/* x with trigamma(x) = y > 0 (Smyth's trigammaInverse: Newton's method
 * from 0.5 + 1 / y, which converges from above). */
double saksi_trigamma_inverse(double y);

/* e has variance trigamma(nu / 2) + trigamma(d0 / 2) and mean log s0^2 +
 * log(d0 / 2) - digamma(d0 / 2): d0 and s0^2 by those moments. The
 * fallback d0 with s0^2 the arithmetic mean of s2 instead when the log
 * moments cannot be taken (over 1% of the fits on 2 df or more with no
 * latent variance, or fewer than SAKSI_PRIOR_MIN_FITS such fits with
 * one: small counts' fits come without df), and when the scatter is no more than the
 * fits' own: Smyth makes d0 infinite there, every fit the prior's, but for
 * the baselines that says the Satterthwaite df undercount the fits'
 * precision (added voters, whose latent variance is 86% between
 * villages), not that districts agree; on clean elections an infinite d0
 * let BH flag a clean station's added voters in 4 of 20 runs. 1 when
 * estimated, 0 for the fallback. */
int saksi_prior_fit(const saksi_prior_sums *ps, double fallback, double *d0, double *s0);
/* The df of a predictive t whose district scale is unknown: df the fit's
 * own, u the part of its latent variance that scales with the district
 * (its within-district share times the weight of peers beyond the
 * district), d0r the regular stratum's prior df. Updates *rho so that the
 * latent variance stays the fit's. moderation.c. */
double saksi_unknown_scale_df(double df, double u, double d0r, double *rho);

/* Robust z of rate r (size n) against sorted peer rates s[0..k) with
 * s[self] left out (self = SIZE_MAX: none): (r - median) / max(MAD scale,
 * binomial sd at the median). NaN when fewer than 2 peers remain. */
double saksi_robust_z(double r, int32_t n, const double *s, size_t k, size_t self);

/* ------------------------------------------------------------------ */
/* Integer percentages (kobak.c)                                       */
/* ------------------------------------------------------------------ */

/* Power guard: regions with fewer tested stations are skipped. */
#define SAKSI_IPCT_MIN_STATIONS 30
/* Coverage floor (DESIGN §5): tested / stations of the region. */
#define SAKSI_IPCT_COVERAGE_FLOOR 0.5
/* Effect floor: the excess must exceed this share of tested stations and
 * at least SAKSI_IPCT_FLOOR_MIN stations (a national test at 823k
 * stations detects 0.1%; only an excess of 1% is worth a visit). */
#define SAKSI_IPCT_FLOOR_FRACTION 0.01
#define SAKSI_IPCT_FLOOR_MIN      3.0
/* Deepest level tested (villages hold about 10 stations). */
#define SAKSI_IPCT_MAX_LEVEL SAKSI_LEVEL_DISTRICT
/* The two rates of the union. */
enum saksi_ipct_rate { SAKSI_IPCT_TURNOUT, SAKSI_IPCT_SHARE, SAKSI_NIPCT_RATES };

/*
 * The tolerance. A station "reports an integer percentage" when its rate is
 * within tol of k% (|100 x - k n| <= tol n). The default, 0.05 points, is a
 * rate that shows as a whole percent with one decimal (80.0%). Measured on
 * Kobak's own files (README): with it the own-rate binomial null finds the
 * excess his papers report in every election from 2007 to 2024; with exact
 * equality (tol 0) at Russian sizes (1,000-3,000 voters) only stations whose
 * size divides 100 x qualify, and the null, centred on each station's own
 * lattice point, expects more than is observed in four of six elections.
 * The papers' exact wording could not be consulted here; tol 0 remains.
 */
typedef struct saksi_kobak_options {
    int32_t tol_num; /* tolerance in 1/SAKSI_IPCT_TOL_DEN points (default 0.05 points) */
    int leader;      /* candidate index; -1: the national leader */
    int share_total; /* 1: share of total (valid + invalid) as Kobak's notebooks;
                        0: of valid (DESIGN) */
    size_t min_stations;
    double coverage_floor, floor_fraction, floor_min;
    int max_level;
} saksi_kobak_options;
void saksi_kobak_options_init(saksi_kobak_options *o);

/* Per region and level. */
typedef struct saksi_kobak_region {
    int level;
    uint32_t region;
    size_t stations, tested;
    uint32_t observed, observed_rate[SAKSI_NIPCT_RATES];
    double expected, variance, expected_rate[SAKSI_NIPCT_RATES];
    double small_share; /* tested stations with <= 300 registered (many percents unreachable) */
    saksi_poibin_test test;
    const char *skip; /* "" when tested */
} saksi_kobak_region;

/* Spike profile: per region (national, provinces), rate and percent. */
typedef struct saksi_kobak_profile {
    int level;
    uint32_t region;
    int rate;    /* enum saksi_ipct_rate */
    int percent; /* 0..100 */
    uint32_t observed;
    double expected;
    uint32_t reachable; /* tested stations where this percent is reachable at all */
} saksi_kobak_profile;

typedef struct saksi_kobak {
    int leader;                       /* candidate fixed before testing */
    int field[2 * SAKSI_NIPCT_RATES]; /* turnout x, n; share x, n (saksi_field, -1 absent) */
    int32_t tol_num, tol_den;
    uint32_t *code;                  /* per station, packed (turnout_shared.h) */
    double *prob[SAKSI_NIPCT_RATES]; /* P(integer) under the own-rate binomial; NaN unusable */
    size_t tested;                   /* stations with at least one usable rate */
    size_t unusable[SAKSI_NIPCT_RATES][4]; /* by code - SAKSI_IPCT_NOT_INTEGER (1..3) */
    size_t nregions;
    saksi_kobak_region *regions;
    size_t nprofile;
    saksi_kobak_profile *profile;
    double seconds_membership, seconds_expectation, seconds_null;
} saksi_kobak;

/* The candidate with the most votes in the whole table (-1 when none). */
int saksi_kobak_national_leader(const saksi_table *t);

/* Fields of the two rates under opt into field[4] (-1 when absent). */
void saksi_kobak_fields(const saksi_table *t, const saksi_kobak_options *opt, int leader,
                        int field[4]);

/* Plain-C twin of turnout_integer_percent: codes of stations [begin, end). */
void saksi_kobak_membership_cpu(const saksi_table *t, const int field[4], int32_t tol_num,
                                int32_t tol_den, size_t begin, size_t end, uint32_t *code);

/* P(Bin(n, x/n) lands on an integer percent within the tolerance): the
 * binomial at the station's own observed rate, as in the paper. When
 * per_percent is not NULL, adds P(at percent k) to per_percent[k]. */
double saksi_kobak_station_prob(int32_t x, int32_t n, int32_t tol_num, int32_t tol_den,
                                double *per_percent);

/* 1 when percent k is reachable at size n within the tolerance. */
int saksi_ipct_reachable(int32_t n, int k, int32_t tol_num, int32_t tol_den);

/* Everything after the membership codes (which the caller fills into
 * k->code, from a device or the twin): probabilities, region tests into
 * rt, the spike profile. */
saksi_status saksi_kobak_analyse(const saksi_table *t, const saksi_kobak_options *opt,
                                 saksi_kobak *k, saksi_region_tests *rt, saksi_error *err);
/* A zeroed saksi_kobak with leader, fields, tolerance and the code array
 * allocated (caller fills code). */
saksi_status saksi_kobak_alloc(const saksi_table *t, const saksi_kobak_options *opt,
                               saksi_kobak **out, saksi_error *err);
void saksi_kobak_free(saksi_kobak *k);

/* ------------------------------------------------------------------ */
/* What the family leaves in saksi_results (res->turnout)              */
/* ------------------------------------------------------------------ */

typedef struct saksi_turnout {
    saksi_baselines *baselines; /* NULL when not run */
    saksi_kobak *kobak;         /* NULL when not run */
    saksi_lnb_rule rule;        /* quadrature of the logit-normal null, kept for the
                                   anomaly's predictive intervals (family_evidence.c) */
} saksi_turnout;

/* The family as the engine runs it (host/family_baselines.c): station
 * baselines, integer percentages (membership on cl when not NULL, else the
 * plain-C twin), region rows into res->region_tests (the caller then runs
 * saksi_region_tests_finish for BH per test and level), results into
 * res->turnout, figures into sum (may be NULL). */
struct saksi_cl;
saksi_status saksi_family_baselines(const saksi_table *t, const saksi_config *cfg,
                                    struct saksi_cl *cl, saksi_results *res, saksi_summary *sum,
                                    saksi_error *err);

#endif /* SAKSI_TURNOUT_H */
