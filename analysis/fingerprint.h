/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fingerprint.h — internal interface of the fingerprint family (DESIGN §4
 * "Distribution shape and fingerprints"): turnout x winner-share histograms
 * (Klimek, Yegorov, Hanel & Thurner 2012, PNAS 109:16469), the fit of their
 * fraud model's incremental and extreme fractions (f_i, f_e) with its
 * bootstrap and its null over clean simulated elections, and the shape
 * statistics per region (skew, kurtosis, Hartigan's dip, turnout-share
 * correlation, Sobyanin-Sukhovolsky slope) with bootstrap intervals.
 * Plain C and GSL: the device runs plug in through saksi_fp_backend.
 */
#ifndef SAKSI_FINGERPRINT_H
#define SAKSI_FINGERPRINT_H

#include "analysis.h"
#include "fingerprint_shared.h"

/* ------------------------------------------------------------------ */
/* Documented defaults                                                 */
/* ------------------------------------------------------------------ */

/* 100 x 100 bins: one percentage point per bin on each axis, the
 * resolution of Klimek et al.'s figures. */
#define SAKSI_FP_DEFAULT_BINS 100
/* Klimek et al.'s extreme fraud leaves a fraction 1 - x of the non-voters
 * and opponents with x = 1 - |N(0, 0.075)| (the width used by their
 * fitting code, as ported in the Election Forensics Toolkit's
 * ComputeKlimekModel). */
#define SAKSI_FP_EXTREME_SD 0.075
/* Opponents lose a fraction x^alpha of their votes where a fraction x of
 * the non-voters is stuffed. The model's alpha is not fitted here; 2 says
 * that taking votes away is rarer than adding ballots. An integer >= 1. */
#define SAKSI_FP_DEFAULT_ALPHA 2
/* The model is simulated with enough replicates per station that a fit
 * draws at least this many stations (a small province gets more
 * replicates, so its simulated fingerprint is not noisier than its
 * observed one by much), and at most SAKSI_FP_MAX_REPS per station. */
#define SAKSI_FP_MIN_DRAWS 100000
#define SAKSI_FP_MAX_REPS  32
/* Fits need this many usable stations; a fingerprint of fewer is mostly
 * empty bins. */
#define SAKSI_FP_FIT_MIN_STATIONS 500
/* Coarse-to-fine grid over the simplex f_i, f_e >= 0, f_i + f_e <= 1, in
 * units of 1 / SAKSI_FP_GRID_DENOM: the first level steps by
 * SAKSI_FP_GRID_STEP0 units (1/8), each next one by a quarter of the last
 * over +- one previous step around the best point; four levels end at
 * 1/512. Dyadic units make each f an exact threshold k * 2^23 on the
 * 32-bit fraud word. */
#define SAKSI_FP_GRID_BITS   9
#define SAKSI_FP_GRID_DENOM  (1 << SAKSI_FP_GRID_BITS)
#define SAKSI_FP_GRID_STEP0  64
#define SAKSI_FP_GRID_LEVELS 4
/* Device grid passes hold at most this many histogram cells at once
 * (points x bins; 64 MiB of uint32); more fits go to later passes. */
#define SAKSI_FP_GRID_MAX_CELLS ((size_t)1 << 24)
/* Bootstrap replicates of each fit and clean simulated elections of its
 * null (DESIGN §4: "reported beside their distribution under clean
 * simulated elections"). 20 + 20 keep the opt-in stage to minutes on the
 * 823k demo; the intervals and p-values are then coarse (p >= 1/21). */
#define SAKSI_FP_DEFAULT_FIT_BOOTSTRAP 20
/* Seeds tried per clean election: the simulator refuses about one seed in
 * ten at full size (a village too large for the TPS code); eight refusals
 * in a row would have odds near 1e-8. */
#define SAKSI_FP_NULL_SEED_TRIES 8
#define SAKSI_FP_DEFAULT_NULL_RUNS     20
/* Shape statistics: regions need this many usable stations. Each
 * bootstrap replicate costs ~0.23 s of CPU at four levels of the
 * 823k-station demo (the dip, ~20-40 ns per station and replicate), which
 * made 100 replicates three quarters of a default audit. The default, 20,
 * gives rough 95% percentile intervals (between the extreme order
 * statistics of 20: the statistics are descriptive and never flag);
 * --shape-bootstrap 100 puts the percentiles between the 2nd/3rd and
 * 97th/98th order statistics, for publication. */
#define SAKSI_SHAPE_MIN_STATIONS      20
#define SAKSI_SHAPE_DEFAULT_BOOTSTRAP 20
/* Regions are shared out to one thread per online CPU, at most this many
 * (each holds scratch arrays the size of the nation, ~100 bytes a
 * station). The results do not depend on the count. */
#define SAKSI_SHAPE_MAX_THREADS 8
/* Two-sided level of every bootstrap interval. */
#define SAKSI_FP_INTERVAL 0.95

/* Counter tags of the other random streams of this family (the fraud
 * model's is SAKSI_FP_TAG_MODEL). */
#define SAKSI_FP_TAG_FIT_BOOT   0x46420000u /* "FB": resampling stations of a fit */
#define SAKSI_FP_TAG_SHAPE_BOOT 0x53420000u /* "SB": resampling stations of a region */

/* ------------------------------------------------------------------ */
/* The observed fingerprints (fingerprint_bin.c)                       */
/* ------------------------------------------------------------------ */

/* Name of an exclusion reason (code -1 .. -SAKSI_FP_NREASONS). */
const char *saksi_fp_reason_name(int code);

/* The turnout numerator: voters_dpt (pengguna DPT / DPT, DESIGN §4) when
 * the input has that column, else total, else voters_total; -1 when none. */
int saksi_fp_turnout_field(const saksi_table *t);
/* Candidate with the most votes over the table (lowest index on a tie):
 * the national leader, fixed before any test; -1 without candidates. */
int saksi_fp_leader(const saksi_table *t);

/* The four count columns of the binning (registered, turnout numerator,
 * leader, valid) as arrays of t->n values; NULL for a column the input
 * lacks (every station then has code SAKSI_FP_MISSING). */
void saksi_fp_columns(const saksi_table *t, int turnout_field, int leader, const int32_t *cols[4]);

/* Histogram of a station: province * SAKSI_NSTRATA + stratum. */
static inline int32_t saksi_fp_hist_of(const saksi_table *t, size_t i)
{
    return (int32_t)(t->region_of[SAKSI_LEVEL_PROVINCE][i] * SAKSI_NSTRATA + t->stratum[i]);
}

/* Plain-C twin of fingerprint_bin for stations [begin, end): code[i]
 * (indexed from begin), hist[h * nb_t * nb_s + bin] += 1 and
 * reasons[h * SAKSI_FP_NREASONS + reason] += 1 with h =
 * saksi_fp_hist_of(). */
void saksi_fp_bin_cpu(const saksi_table *t, const int32_t *const cols[4], int nb_turnout,
                      int nb_share, size_t begin, size_t end, int32_t *code, uint32_t *hist,
                      uint32_t *reasons);

/* ------------------------------------------------------------------ */
/* The fraud model and its fit (fingerprint_sim.c, fingerprint_fit.c)  */
/* ------------------------------------------------------------------ */

/* The clean ("fair") part of the model of one fit, estimated from the
 * observed stations as Klimek et al. do: turnout a ~ N(a0, sa) and share
 * v ~ N(v0, sv), truncated to [0, 1], centred on the mode (the half-sample
 * mode, Bickel & Fruehwirth 2006) with the root-mean-square deviation of
 * the stations below the mode (fraud moves stations up and right, so the
 * lower half is the clean one); theta, the width of the incremental x, is
 * the square root of the RMS deviation of the shares above the mode (the
 * rule of their fitting code as ported in the EFToolkit). */
typedef struct saksi_fp_fair {
    double a0, sa, v0, sv, theta;
} saksi_fp_fair;

/* Smallest standard deviation the samplers accept (a region where every
 * station has the same rate): a quarter of a sampler cell. */
#define SAKSI_FP_MIN_SD (0.25 / SAKSI_FP_CELLS)

/* Estimate from n rates: turnout[] and share[] of one fit. */
saksi_status saksi_fp_fair_estimate(const double *turnout, const double *share, size_t n,
                                    saksi_fp_fair *out, saksi_error *err);
/* Half-sample mode of n sorted values. */
double saksi_fp_half_sample_mode(const double *sorted, size_t n);
/* The four sampler tables of a fair part (SAKSI_FP_SET_WORDS words). */
void saksi_fp_tables(const saksi_fp_fair *fair, uint32_t *tables);
/* Threshold of a fraction f in [0, 1] on the 32-bit fraud word. */
uint64_t saksi_fp_threshold(double f);

/*
 * The stations of one family of fits (the nation as one fit, or one fit per
 * province): the stations of fit g are [first[g], first[g] + count[g]).
 * Filled by the caller (registered, hash, bin, turnout, share, fit, first,
 * count, n, nfits), completed by saksi_fp_fitset_prepare.
 */
typedef struct saksi_fp_fitset {
    size_t n, nfits;
    uint32_t *fit;       /* per station */
    int32_t *registered; /* per station */
    uint64_t *hash;      /* per station: the id hash, key of its draws */
    uint32_t *bin;       /* per station: its observed bin */
    double *turnout, *share;
    size_t *first, *count; /* per fit */
    /* prepared: */
    int nb_turnout, nb_share, alpha;
    int objective;        /* enum saksi_fp_objective; 0 (likelihood) unless set after prepare */
    uint32_t key0, key1;  /* the seed */
    saksi_fp_fair *fair;  /* per fit */
    uint32_t *tables;     /* per fit, SAKSI_FP_SET_WORDS each */
    uint32_t *fit_reps;   /* per fit */
    uint32_t *reps;       /* per station: its fit's replicates */
    uint64_t *draw_first; /* per station: its first draw */
    size_t ndraws;
    const char **skip; /* per fit: "" or why it is not fitted */
} saksi_fp_fitset;

/* Allocate the per-station and per-fit arrays for n stations and nfits
 * fits (zeroed). */
saksi_status saksi_fp_fitset_alloc(saksi_fp_fitset *fs, size_t n, size_t nfits, saksi_error *err);
/* Estimate each fit's fair part, build its tables, choose its replicates
 * and lay out the draws. */
saksi_status saksi_fp_fitset_prepare(saksi_fp_fitset *fs, uint64_t seed, int nb_turnout,
                                     int nb_share, int alpha, saksi_error *err);
void saksi_fp_fitset_free(saksi_fp_fitset *fs);

/*
 * Where the model runs: the plain-C twin (saksi_fp_backend_cpu) or a
 * device (host/opencl_fingerprint.c). bind() takes a prepared fitset
 * (which outlives the binding); simulate() makes its draws for replicates
 * rep_base + 0..reps-1 and keeps them; grid() adds, for the fits
 * [fit_begin, fit_end), weight[i] per draw of station i to
 * hist[(p - point_base) * nbins + bin] for every point p of its fit
 * (point_first/point_count per fit, thresholds thr[2p], thr[2p + 1]);
 * hist holds npoints * nbins zeroed cells. read_draws() copies the draws
 * out (3 words each) for the equivalence tests.
 */
typedef struct saksi_fp_backend {
    void *ctx;
    saksi_status (*bind)(void *ctx, const saksi_fp_fitset *fs, saksi_error *err);
    saksi_status (*simulate)(void *ctx, uint32_t rep_base, saksi_error *err);
    saksi_status (*grid)(void *ctx, size_t fit_begin, size_t fit_end, const uint32_t *weight,
                         const uint32_t *point_first, const uint32_t *point_count,
                         const uint64_t *thr, uint32_t point_base, size_t npoints, uint32_t *hist,
                         saksi_error *err);
    saksi_status (*read_draws)(void *ctx, uint32_t *out, saksi_error *err);
    void (*release)(void *ctx);
} saksi_fp_backend;

/* The plain-C backend; *be is usable until saksi_fp_backend_cpu_free. */
saksi_status saksi_fp_backend_cpu(saksi_fp_backend *be, saksi_error *err);
void saksi_fp_backend_cpu_free(saksi_fp_backend *be);

/* Plain-C twins of the two kernels (what the CPU backend runs). */
void saksi_fp_simulate_cpu(const saksi_fp_fitset *fs, uint32_t rep_base, size_t begin, size_t end,
                           uint32_t *draws);
void saksi_fp_grid_cpu(const saksi_fp_fitset *fs, const uint32_t *draws, size_t fit_begin,
                       size_t fit_end, const uint32_t *weight, const uint32_t *point_first,
                       const uint32_t *point_count, const uint64_t *thr, uint32_t point_base,
                       uint32_t *hist);

/* How far a simulated fingerprint is from the observed one. */
enum saksi_fp_objective {
    /* Multinomial negative log-likelihood of the observed stations' bins
     * under the simulated fingerprint, -sum_b O_b log p_b with p_b =
     * (H_b + eps) / (sum H + eps * bins): the default. Like any Poisson or
     * multinomial fit it matches the mass of a region of the fingerprint,
     * so a point mass of stations at 100% x 100% is fitted by about as
     * many extreme-fraud stations (tests/test_fingerprint.c measures it). */
    SAKSI_FP_OBJ_LIKELIHOOD,
    /* The pixel-wise sum of squared differences of the two fingerprints,
     * sum_b (H_b - reps O_b)^2, exact in 64-bit integers. Squares reward
     * matching peaks: where the model spreads what the data concentrate
     * (planted fraud at exactly 100%), it overshoots f_e about twofold. */
    SAKSI_FP_OBJ_SQUARES
};
/* eps of the likelihood: half a tenth of a simulated draw per bin, so a
 * bin the model never reaches costs about -log(0.05 / draws), and 10,000
 * bins add 500 pseudo-draws (under 0.5% of SAKSI_FP_MIN_DRAWS). */
#define SAKSI_FP_LIKELIHOOD_EPS 0.05

/* Result of one fit. */
typedef struct saksi_fp_fit {
    double fi, fe;    /* the best grid point */
    double objective; /* its objective (enum saksi_fp_objective) */
    uint32_t ki, ke;  /* the same in grid units */
} saksi_fp_fit;

/* Fit every fit of a prepared fitset bound to be: simulate with replicates
 * from rep_base, weight each station by weight[i] (NULL: 1; a bootstrap
 * resample otherwise) in both the observed and the simulated fingerprint,
 * search the grid coarse to fine. out has fs->nfits entries; skipped fits
 * get NaN. */
saksi_status saksi_fp_fit_all(const saksi_fp_fitset *fs, const saksi_fp_backend *be,
                              uint32_t rep_base, const uint32_t *weight, saksi_fp_fit *out,
                              saksi_error *err);

/* The model's fingerprint of fit g at (ki, ke) grid units, summed over its
 * replicates, into hist (nbins zeroed cells), after saksi_fp_fit_all has
 * simulated (its draws are still bound). */
saksi_status saksi_fp_model_hist(const saksi_fp_fitset *fs, const saksi_fp_backend *be, size_t g,
                                 uint32_t ki, uint32_t ke, uint32_t *hist, saksi_error *err);

/* Resampling weights: for every fit, count[g] draws with replacement among
 * its stations, keyed by (seed, fit key, replicate). weight has fs->n
 * entries. */
void saksi_fp_resample(const saksi_fp_fitset *fs, uint64_t seed, uint32_t fit_key,
                       uint32_t replicate, uint32_t *weight);

/* For power studies (fingerprint_plant.c): extreme fraud in the regular
 * stations of the given regency indices — DPT voters raised to registered
 * minus 0..2 (by the id hash), the added voters' ballots and every
 * opponent's votes beyond 0..2 given to the leader, voters_total, total and
 * ballots_used raised alike. Returns the stations changed. */
size_t saksi_fp_plant_extreme(saksi_table *t, const uint32_t *regencies, size_t nreg, int leader);

/* ------------------------------------------------------------------ */
/* Shape statistics (shape.c)                                          */
/* ------------------------------------------------------------------ */

enum saksi_shape_stat {
    SAKSI_SHAPE_TURNOUT_SKEW,
    SAKSI_SHAPE_TURNOUT_KURTOSIS,
    SAKSI_SHAPE_TURNOUT_DIP,
    SAKSI_SHAPE_SHARE_SKEW,
    SAKSI_SHAPE_SHARE_KURTOSIS,
    SAKSI_SHAPE_SHARE_DIP,
    SAKSI_SHAPE_CORRELATION,
    SAKSI_SHAPE_SOBYANIN,
    SAKSI_SHAPE_NSTATS
};
/* Test name of a statistic in /region_tests ("turnout_skew", ...). */
const char *saksi_shape_name(int stat);
/* 1 when a statistic involves the leader's share (its row names the
 * leader as candidate). */
int saksi_shape_uses_leader(int stat);

/* Moment skewness g1 = m3 / m2^1.5 and excess kurtosis g2 = m4 / m2^2 - 3
 * of x weighted by integer counts c (NULL: all 1), central moments with
 * divisor sum(c); NaN when m2 = 0 or the total weight is 0. */
double saksi_shape_skew(const double *x, const uint32_t *c, size_t n);
double saksi_shape_kurtosis(const double *x, const uint32_t *c, size_t n);
/* Hartigan & Hartigan's (1985) dip of n sorted values (algorithm AS 217,
 * P. M. Hartigan 1985, with the corrections of R's diptest); 0 for n < 4
 * or constant data. work holds 4n size_t. */
double saksi_shape_dip(const double *sorted, size_t n, size_t *work);
/* Pearson correlation of (x, y) and the OLS slope of y on x, weighted by
 * counts c (NULL: 1); NaN without variation. */
double saksi_shape_correlation(const double *x, const double *y, const uint32_t *c, size_t n);
double saksi_shape_slope(const double *x, const double *y, const uint32_t *c, size_t n);

/* One region's statistics. */
typedef struct saksi_shape_row {
    uint32_t region;
    uint32_t n; /* usable stations */
    double value[SAKSI_SHAPE_NSTATS];
    double lo[SAKSI_SHAPE_NSTATS], hi[SAKSI_SHAPE_NSTATS]; /* bootstrap interval */
    const char *skip;                                      /* "" when computed */
} saksi_shape_row;

typedef struct saksi_shape_level {
    size_t n; /* = regions of the level */
    saksi_shape_row *row;
} saksi_shape_level;

/* Every region of levels national..district: stations i with use[i] != 0,
 * turnout x[i] = T/N, share s[i] = W/V and y[i] = W/N (the Sobyanin-
 * Sukhovolsky ordinate); nboot percentile-bootstrap replicates keyed by
 * (seed, level, region). out[l] for l = 0..SAKSI_LEVEL_DISTRICT. */
saksi_status saksi_shape_all(const saksi_table *t, const uint8_t *use, const double *x,
                             const double *s, const double *y, size_t nboot, uint64_t seed,
                             saksi_shape_level out[SAKSI_NLEVELS], saksi_error *err);
void saksi_shape_free(saksi_shape_level out[SAKSI_NLEVELS]);

/* ------------------------------------------------------------------ */
/* The family's results (family_fingerprints.c fills them)             */
/* ------------------------------------------------------------------ */

/* One fit as reported: national (level 0) or one province. */
typedef struct saksi_fp_report {
    int level;
    uint32_t region;
    size_t stations;
    uint32_t reps;
    saksi_fp_fair fair;
    double fi, fe;
    double objective;
    double fi_lo, fi_hi, fe_lo, fe_hi; /* bootstrap percentile interval */
    size_t null_runs;                  /* clean elections whose fit exists */
    double null_fi_median, null_fi_p95, null_fe_median, null_fe_p95;
    double p_fi, p_fe; /* (1 + #{null >= observed}) / (1 + null_runs) */
    const char *skip;  /* "" when fitted */
} saksi_fp_report;

typedef struct saksi_fingerprints {
    int leader, turnout_field, nb_turnout, nb_share;
    size_t nprov;
    int32_t *code;     /* per station */
    uint32_t *hist;    /* [nprov][SAKSI_NSTRATA][nb_turnout * nb_share] */
    uint32_t *reasons; /* [nprov][SAKSI_NSTRATA][SAKSI_FP_NREASONS] */
    saksi_shape_level shape[SAKSI_NLEVELS];
    size_t shape_bootstrap;

    int fitted; /* the fit ran (--fingerprint-fit) */
    int alpha;
    size_t nfits;              /* 1 + nprov: national first, then provinces */
    saksi_fp_report *fit;      /* nfits */
    size_t nboot, nnull;       /* columns of the two arrays below */
    double *boot_fi, *boot_fe; /* [nfits][nboot], NaN where missing */
    double *null_fi, *null_fe; /* [nfits][nnull], NaN where missing */
    const char *null_mode;     /* how clean elections were shaped */
    size_t null_retried;       /* simulator seeds refused and replaced */
    uint32_t *model_hist;      /* national: [2][nbins], the fitted model and its fair part */
    uint32_t model_reps;
} saksi_fingerprints;

/* saksi_fingerprints_free() is declared in analysis.h (saksi_results_free
 * calls it). */

/* Options of the family, from saksi_config. */
typedef struct saksi_fp_options {
    int nb_turnout, nb_share;
    uint64_t seed;
    size_t shape_bootstrap;
    int fit;
    size_t fit_bootstrap, null_runs;
    int alpha;
} saksi_fp_options;

/* The null of the fits (fingerprint_null.c): runs clean elections of the
 * same shape through the same fit and fills fp->null_* and the reports'
 * null columns. rules (the engine's) scope the strata of the simulated
 * stations. */
saksi_status saksi_fp_null(const saksi_table *t, saksi_fingerprints *fp,
                           const saksi_fp_options *opt, const saksi_fp_backend *be,
                           saksi_error *err);

/* Build the fitset of the nation (by_province = 0) or of the provinces
 * from a table and its station codes: regular stations with a bin, in
 * provinces p with prov_mask[p] != 0 (prov_mask NULL: every province). */
saksi_status saksi_fp_fitset_from_table(const saksi_table *t, const int32_t *code,
                                        const int32_t *const cols[4], int by_province,
                                        const uint8_t *prov_mask, saksi_fp_fitset *fs,
                                        saksi_error *err);

#endif /* SAKSI_FINGERPRINT_H */
