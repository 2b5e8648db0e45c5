/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * digits.h — internal interface of the digit family (DESIGN §4 "Digit
 * tests", issue 3): the plain-C twin of kernels/digits.cl, the per-count
 * digit probabilities from the peer beta-binomial, the statistics (Wald
 * omnibus with the exact covariance, per-digit Z, the one-sided 0/5 excess
 * from the Poisson-binomial, effect sizes with intervals, the classical
 * Benford/uniform expectations) and the per-region analysis that turns
 * histograms into region-test rows. Plain C and GSL: no OpenCL, no HDF5.
 */
#ifndef SAKSI_DIGITS_H
#define SAKSI_DIGITS_H

#include "analysis.h"
#include "digits_shared.h"

/* ------------------------------------------------------------------ */
/* Documented thresholds                                               */
/* ------------------------------------------------------------------ */

/* Power guard (DESIGN §4): a (region, candidate) needs this many numbers
 * in a test's range to be tested; the default of saksi_config's
 * digits_min_numbers. With 50 numbers a 0/5 share of 20% has a null sd
 * of 5.7 points, so only a gross excess can reach q < 0.05 in a family
 * of thousands of districts; below that a test only spends the FDR. */
#define SAKSI_DIGITS_MIN_NUMBERS 50

/* Effect floors (DESIGN §4 "Effect sizes"): a region is flagged only when
 * q < alpha and its effect exceeds the floor. Both floors correspond to
 * about 2.5% of a region's numbers rounded to a multiple of 5: rounding a
 * fraction f moves 0.8 f of the numbers onto 0/5 (+80 f points) and gives
 * the last digit w = 2 f (Cohen's w of a shift of 0.4 f onto each of 0 and
 * 5, 0.1 f off the eight others). Below them a national or provincial
 * deviation, significant at n ~ 10^5, is too small to act on and is at
 * the scale where any model of the null can be off. */
#define SAKSI_DIGITS_FLOOR_05_PP 2.0  /* excess 0/5 share, percentage points */
#define SAKSI_DIGITS_FLOOR_W     0.05 /* Cohen's w of a digit distribution   */

/* The 0/5 tail is the exact Poisson-binomial (banded dynamic programme)
 * up to this many numbers; above it, and where the observed count lies
 * beyond the band, the Lugannani-Rice saddlepoint approximation, validated
 * against the exact tail in tests/test_digits_stats.c. The programme costs
 * numbers x band (12 sd each side): at 2,000 numbers about 10^6
 * operations, so districts and most regencies are exact; above, where the
 * saddlepoint's relative error is far below 1%, the programme's cost grew
 * to a quarter of the family's time (measured on 150k stations). */
#define SAKSI_DIGITS_PB_EXACT_MAX 2000
/* Half-width of the band of the exact programme, in null sds (mass
 * outside below 1e-32), plus a few cells for tiny regions. */
#define SAKSI_DIGITS_PB_BAND_SD  12.0
#define SAKSI_DIGITS_PB_BAND_MIN 16

/* Eigenvalues of the digit covariance below this fraction of the largest
 * are zero (Moore-Penrose pseudo-inverse): the digits of n numbers sum to
 * n, so the 10x10 covariance has rank 9 at most (8 for the first digit,
 * which is never 0). 1e-9 is far above double rounding at n ~ 10^6 and far
 * below any digit a null makes possible in a region of 50 numbers. */
#define SAKSI_DIGITS_EIG_RTOL 1e-9

/* The Wald test's chi-square reference needs no cell with a tiny expected
 * count: digits expected fewer than this many times share one cell
 * (Cochran 1954, Biometrics 10:417-451, "expected counts of 5"). Without
 * it one count 4 null sds into its tail, where any model of the share is
 * least exact, made a digit expected 0.01 times show up once and gave a
 * clean simulated regency p < 1e-20 (measured). */
#define SAKSI_DIGITS_MIN_EXPECTED 5.0

/* The interval of Cohen's w inverts the noncentral chi-square exactly up
 * to this noncentrality; above it the normal approximation of the
 * noncentral chi-square (mean df + lambda, variance 2 (df + 2 lambda)),
 * whose skewness is then below 0.15. */
#define SAKSI_DIGITS_NCX2_EXACT_MAX 400.0

/* A number's digits are tested only within this many sds of its null's
 * mean (saksi_digits_range), and conditional on it. Counts further out are
 * share outliers; there the null's shape is least exact, and its tails
 * decide the digit probabilities of a block (the last digit of a decade
 * in the steep flank, the tens of a hundred): on Sirekap 2024 the 0.1%
 * tails of the peer beta-binomial hold 1.5 to 4.5 times their share, on
 * the simulator 0.6 to 1.8 times (measured; /work/notes/issue-3.md). */
#ifndef SAKSI_DIGITS_TRIM_SD
#define SAKSI_DIGITS_TRIM_SD 3.0
#endif

/* Two-sided level of every effect interval. */
#define SAKSI_DIGITS_CI_LEVEL 0.95

/* ------------------------------------------------------------------ */
/* The histogram twin (digits_hist.c)                                  */
/* ------------------------------------------------------------------ */

/*
 * Add the digit bins of stations [begin, end) of t into hist, exactly as
 * digits_histogram on a device: for every candidate c whose mask byte
 * mask[c * t->n + i] is non-zero, saksi_digit_bins() of its count goes
 * into hist[(district * ncand + c) * SAKSI_DIGIT_HIST + bin], district =
 * t->region_of[SAKSI_LEVEL_DISTRICT][i]. hist has t->regions[district].n
 * * ncand * SAKSI_DIGIT_HIST counters; the caller zeroes it.
 */
void saksi_digits_hist_cpu(const saksi_table *t, size_t begin, size_t end, const uint8_t *mask,
                           uint32_t *hist);

/* ------------------------------------------------------------------ */
/* Which numbers are tested (digits_expect.c)                          */
/* ------------------------------------------------------------------ */

/* Why (station, candidate) numbers were or were not tested, over the
 * whole table. */
typedef struct saksi_digits_counts {
    uint64_t numbers;      /* (station, candidate) pairs                        */
    uint64_t tested;       /* mask set: a count, its size and a peer null        */
    uint64_t unusable;     /* count or valid missing, negative, or count > size  */
    uint64_t inconsistent; /* the station breaks an identity on its candidate or
                              valid fields: probably misread, an integrity finding */
    uint64_t noken;        /* noken stratum: bloc votes are agreed, not counted   */
    uint64_t no_peers;     /* no station of its stratum to fit a null from       */
    uint64_t trimmed;      /* beyond SAKSI_DIGITS_TRIM_SD null sds: a share
                              outlier (the station baseline's finding), not a digit */
    /* tested numbers whose null gives the observed test range no mass in
     * double precision (peer beta-binomial, binomial variant): left out of
     * that test and of its histogram */
    uint64_t outside_support[2];
} saksi_digits_counts;

/* exclude[i] = 1 when station i breaks an evaluated rule whose terms name
 * a candidate column or valid (res->rules, res->fail_mask): its numbers
 * are no one's peer and are not tested. */
saksi_status saksi_digits_exclusions(const saksi_table *t, const saksi_results *res,
                                     uint8_t *exclude, saksi_error *err);

/* Largest size (valid votes) of a station whose counts the digit tests
 * model. The expectations need the null's pmf over a window up to the size
 * wide, per number: a station claiming 2,147,483,647 valid votes made the
 * family allocate 16 GB and run for minutes (found by fuzz_rules). A TPS
 * serves at most 300 voters, an overseas box a few thousand; a larger
 * size is not a station's and is left out, as a station with no usable rate. */
#define SAKSI_DIGITS_MAX_SIZE 100000

/* The rate of candidate *ctx (an int) at station i: its count of valid, or
 * of the sum of the candidate columns when valid is missing; 0 (no usable
 * rate) when that size is above SAKSI_DIGITS_MAX_SIZE. */
int saksi_digits_rate(const saksi_table *t, size_t i, const void *ctx, int32_t *x, int32_t *n);

/* Peer nulls of candidate c for every station (DESIGN §4: district, leave
 * one out, shrunk to the regency, per stratum; excluded stations are no
 * one's peer). bb has t->n entries. */
saksi_status saksi_digits_peers(const saksi_table *t, int c, const uint8_t *exclude,
                                const saksi_peer_options *po, saksi_bb *bb, saksi_error *err);

/* mask[c * t->n + i] = 1 for every number that is tested: a usable count
 * (saksi_digits_rate), the station not excluded and not noken, a peer
 * null, and the count inside saksi_digits_range. counts (may be NULL) is
 * filled. */
saksi_status saksi_digits_masks(const saksi_table *t, const uint8_t *exclude,
                                const saksi_peer_options *po, uint8_t *mask,
                                saksi_digits_counts *counts, saksi_error *err);

/*
 * Digit probabilities of one count under its null (DESIGN §4: exactly from
 * the pmf), each conditional on the digits to its left: the last digit
 * given the rest of the number (its decade), the second digit of a
 * 3-digit count given its first, the first digit given the number of
 * digits. A digit test then asks what the digit itself says, not how big
 * the count is (that is the station baseline's question), and the answer
 * rests only on the null's local slope within the block, not on its tails:
 * conditioning on the whole range (X >= 10, 100 <= X <= 999) made a
 * candidate's rare large counts, deep in the tail of its beta-binomial,
 * flag clean simulated regencies at p < 1e-20 (measured; see
 * /work/notes/issue-3.md).
 */
typedef struct saksi_digit_probs {
    int in[SAKSI_DT_COUNT];  /* x lies in the test's range and the null gives its block mass */
    int bin[SAKSI_DT_COUNT]; /* the observed digit's bin, or -1 when x is outside the range */
    double p[SAKSI_DT_COUNT][SAKSI_DIGIT_BINS];
    /* The 0/5 test (with the last digit): P(X is a multiple of 5 | X in
     * x's rounding basin), the basin being the five counts nearest the
     * multiple of 5 closest to x (cut to the tested counts). Human rounding
     * moves a count to the centre of its basin; under a locally linear pmf
     * the centre holds exactly a fifth of the basin, so unlike the decade's
     * digits 0 and 5 (whose share moves with the pmf's slope, 0.2 (1 - 2
     * slope)) it does not depend on the null's local slope to first
     * order. NaN unless in[SAKSI_DT_LAST]. */
    double q05;
} saksi_digit_probs;

/* From the pmf of the count's null over x's window (pmf[k - lo] for k in
 * saksi_digits_window; normalised or not: only ratios within a block
 * matter), the counts [a, b] it is tested within (saksi_digits_range) and
 * its observed x: for every test whose range holds x, P(digit = d | the
 * digits to its left, a <= X <= b). A block the pmf gives no mass
 * (underflow far in a tail, a degenerate null) or an x outside [a, b]
 * leaves in[t] = 0 with bin[t] >= 0. */
void saksi_digits_probs(int32_t x, int32_t a, int32_t b, const double *pmf, int32_t lo,
                        unsigned tests, saksi_digit_probs *out);

/* The counts a number's digits are tested within: its null's mean +-
 * SAKSI_DIGITS_TRIM_SD sds, inside [0, n]. Every block is cut to it and
 * every probability is conditional on it (a fixed rule of the null, so
 * the conditional test stays exact). */
void saksi_digits_range(int32_t n, double mu, double rho, int32_t *a, int32_t *b);

/* The counts whose pmf saksi_digits_probs needs for x and the tests in
 * the bit mask `tests` (bit t for test t): the union of their blocks, cut
 * to [a, b] ([10, 99] for x = 47 with the first digit, [40, 49] without,
 * when [a, b] holds them). x = 0 gives [0, 0]. */
void saksi_digits_window(int32_t x, int32_t a, int32_t b, unsigned tests, int32_t *lo, int32_t *hi);

/* Every test, and those of the binomial variant (the first digit is
 * descriptive and shown against the peer null only). */
#define SAKSI_DIGITS_ALL_TESTS      ((1u << SAKSI_DT_COUNT) - 1u)
#define SAKSI_DIGITS_BINOMIAL_TESTS (SAKSI_DIGITS_ALL_TESTS & ~(1u << SAKSI_DT_FIRST))

/* The pmf of BetaBin(n, mu, rho) over [lo, hi] into w[0..hi-lo], up to a
 * constant factor: saksi_bb_pmf's ratio recurrence started at 1 at lo
 * (the digit probabilities are ratios within a block, so the whole pmf
 * and its normalisation, 70% of the family's time, are not needed). */
void saksi_digits_pmf_window(int32_t n, double mu, double rho, int32_t lo, int32_t hi, double *w);

/* ------------------------------------------------------------------ */
/* Statistics (digits_stats.c)                                         */
/* ------------------------------------------------------------------ */

#define SAKSI_DIGITS_NPP 55 /* upper triangle of a 10x10 matrix */

/* Sums over the numbers of one (region, candidate, test, null): observed
 * digit counts, expected counts sum p_s, and sum p_s p_s^T (upper
 * triangle, row-major: (0,0) (0,1) .. (0,9) (1,1) ..). */
/* Tilt directions an accumulator carries (mean, spread, skew). */
#define SAKSI_DIGITS_NTILT 3

typedef struct saksi_digit_acc {
    uint64_t n;
    int64_t o[SAKSI_DIGIT_BINS];
    double e[SAKSI_DIGIT_BINS];
    double pp[SAKSI_DIGITS_NPP];
    /* Nuisance directions profiled out of the Wald test: the change of the
     * expected counts when every number's pmf tilts within its block, to
     * first order sum_s p_sd (d - m_s) (the mean digit), to second order
     * sum_s p_sd ((d - m_s)^2 - v_s) (its spread), to third
     * sum_s p_sd ((d - m_s)^3 - k3_s) (its skew). */
    double tilt[SAKSI_DIGITS_NTILT][SAKSI_DIGIT_BINS];
} saksi_digit_acc;

/* Index of (i, j), i <= j, in the upper triangle. */
static inline int saksi_digits_tri(int i, int j)
{
    return i * SAKSI_DIGIT_BINS - i * (i - 1) / 2 + (j - i);
}

/* One number with probabilities p[0..9] (expectation only; the observed
 * digits come from the histogram). */
void saksi_digit_acc_add(saksi_digit_acc *a, const double *p);
void saksi_digit_acc_merge(saksi_digit_acc *a, const saksi_digit_acc *b);
/* Null variance of the count of digit d: sum p_d (1 - p_d). */
double saksi_digit_acc_var(const saksi_digit_acc *a, int d);

/* A Wald test of a digit distribution. */
typedef struct saksi_digits_wald {
    double W;             /* (o - e)^T Sigma^+ (o - e) */
    int df;               /* rank of Sigma */
    double p;             /* P(chi2_df >= W) */
    double w, w_lo, w_hi; /* Cohen's w = sqrt(max(W - df, 0) / n) and its interval
                             (NaN until saksi_digits_wald_interval) */
} saksi_digits_wald;

typedef struct saksi_digits_ws saksi_digits_ws; /* eigen workspace */
saksi_digits_ws *saksi_digits_ws_alloc(void);
void saksi_digits_ws_free(saksi_digits_ws *ws);

/* Wald statistic with Sigma = sum_s (diag p_s - p_s p_s^T) = diag(e) - PP
 * over the cells of SAKSI_DIGITS_MIN_EXPECTED pooling, by its
 * Moore-Penrose pseudo-inverse (eigenvalues below SAKSI_DIGITS_EIG_RTOL of
 * the largest dropped; df = the rank left, cells - 1 in general), with
 * the first `nprofile` (0, 1 or 2) tilt directions of the accumulator
 * profiled out: W = min over theta of (r - B theta)^T Sigma^+ (r - B theta),
 * df reduced by each direction removed, referred to chi-square(df). A
 * null whose local slope (and curvature) within each block is off by a
 * common amount shifts the digits along exactly these directions; a digit
 * preference (heaping on 0 and 5, avoided digits) does not. df = 0 (all
 * mass in one cell, or n = 0) gives p = NaN. */
void saksi_digits_wald_test(const saksi_digit_acc *a, int nprofile, saksi_digits_ws *ws,
                            saksi_digits_wald *out);

/* Directions profiled out per test: the mean digit and its spread for the
 * last digit and the tens of 2-digit counts, also the skew for the tens of
 * 3-digit counts (docs/digits.md, model decisions 5, 7 and 8), none for
 * the descriptive first digit. */
extern const int saksi_digits_nprofile[SAKSI_DT_COUNT];
/* The interval of w (left NaN by saksi_digits_wald_test, which is called
 * for many more rows than need one): the noncentrality interval of W
 * (saksi_ncx2_interval) divided by the n numbers, square-rooted. */
void saksi_digits_wald_interval(saksi_digits_wald *w, uint64_t n);

/* Per-digit Z: (o_d - e_d) / sqrt(sum p_d (1 - p_d)); NaN when the
 * variance is 0. */
double saksi_digits_z(const saksi_digit_acc *a, int d);

/* Noncentral chi-square cdf P(X <= x) with df degrees of freedom and
 * noncentrality lambda, as a Poisson mixture of central chi-squares
 * summed outward from the Poisson mode. */
double saksi_ncx2_cdf(double x, int df, double lambda);
/* Interval [lo, hi] of the noncentrality given an observed W (exact
 * inversion up to SAKSI_DIGITS_NCX2_EXACT_MAX, normal approximation
 * above), at two-sided level `level`. */
void saksi_ncx2_interval(double W, int df, double level, double *lo, double *hi);

/* Wilson score interval of a proportion o/n at two-sided level `level`. */
void saksi_wilson(double o, double n, double level, double *lo, double *hi);

/* One-sided mid-p of an excess: P(S > o) + P(S = o) / 2 for S the sum of
 * independent Bernoulli(q[i]) (q[i] NaN entries skipped). Exact (banded
 * dynamic programme) up to SAKSI_DIGITS_PB_EXACT_MAX numbers when o lies
 * inside the band, else saksi_pbinom_midp_saddle. *exact (may be NULL)
 * says which. */
saksi_status saksi_pbinom_midp(const double *q, size_t n, uint64_t o, double *p, int *exact,
                               saksi_error *err);
/* The banded programme alone (NaN when o lies outside the band). */
saksi_status saksi_pbinom_midp_dp(const double *q, size_t n, uint64_t o, double *p,
                                  saksi_error *err);
/* Lugannani-Rice saddlepoint approximation of the same mid-p, without
 * continuity correction (which for a lattice variable approximates the
 * mid-p: Butler 2007, Saddlepoint Approximations with Applications, 1.2.5). */
double saksi_pbinom_midp_saddle(const double *q, size_t n, uint64_t o);

/* Classical expectations, "not calibrated for these counts": uniform for
 * the last digit, Benford's second digit for both second-digit tests (as
 * Mebane's 2BL test), Benford's first digit. */
void saksi_digits_classical(int test, double *p);
/* Nigrini's mean absolute deviation sum_d |o_d / n - p_d| / k over the k
 * digits the test can take; NaN when n = 0. */
double saksi_digits_mad(const int64_t *o, uint64_t n, const double *p, int test);
/* Nigrini's (2012, Table 7.1) conformity band of a MAD for the first and
 * second digit ("close conformity", ...); "no published band" for the last
 * digit. */
const char *saksi_digits_nigrini(int test, double mad);

/* ------------------------------------------------------------------ */
/* Per-region analysis (digits_regions.c)                              */
/* ------------------------------------------------------------------ */

/* The two nulls of every digit test. */
enum saksi_digits_null { SAKSI_DIGITS_BB, SAKSI_DIGITS_BINOMIAL, SAKSI_DIGITS_NNULL };

typedef struct saksi_digits_options {
    size_t min_numbers;       /* power guard; default SAKSI_DIGITS_MIN_NUMBERS */
    saksi_peer_options peers; /* shrinkage of the peer fit */
    size_t threads;           /* candidates analysed in parallel; 0: one per online
                                 processor (at most one per candidate). The
                                 results are the same bytes for any number. */
} saksi_digits_options;

void saksi_digits_options_init(saksi_digits_options *o);

/* The national histogram of one (candidate, test) with both nulls. */
typedef struct saksi_digits_national {
    saksi_digit_acc acc[SAKSI_DIGITS_NNULL];
    saksi_digits_wald wald[SAKSI_DIGITS_NNULL];
    double classical[SAKSI_DIGIT_BINS];
    double mad_classical, mad_calibrated;
} saksi_digits_national;

/* What the family keeps for the report besides its region-test rows. */
typedef struct saksi_digits_result {
    size_t ncand;
    saksi_digits_national *national; /* ncand * SAKSI_DT_COUNT, [c * SAKSI_DT_COUNT + t] */
    saksi_digits_counts counts;
    char backend[16];       /* "opencl" or "cpu" */
    char backend_note[256]; /* why */
    size_t min_numbers;
} saksi_digits_result;

void saksi_digits_result_free(saksi_digits_result *d);

/* Test names of the region-test rows: the omnibus (candidates combined by
 * Cauchy, BH family, flags), the per-candidate components (their own
 * family, never flagged: the flag comes from the omnibus), the binomial
 * sensitivity variant (omnibus, never flagged) and the descriptive first
 * digit. */
enum saksi_digits_kind { SAKSI_DK_05, SAKSI_DK_LAST, SAKSI_DK_2D, SAKSI_DK_3D, SAKSI_DK_COUNT };
extern const char *const saksi_digits_test_name[SAKSI_DK_COUNT];
extern const char *const saksi_digits_cand_name[SAKSI_DK_COUNT];
extern const char *const saksi_digits_binom_name[SAKSI_DK_COUNT];
extern const char *const saksi_digits_first_name;

/*
 * The per-region statistics of every level (national, province, regency,
 * district) from the district histograms hist (as saksi_digits_hist_cpu
 * fills them for the same mask): for every candidate the peer nulls again,
 * each tested number's digit probabilities under both nulls summed per
 * district and up the hierarchy, then per (region, candidate, test) the
 * Wald test, the 0/5 excess and effects, and per region the candidates
 * combined. Rows are appended to rows (not finished: BH and lambda are
 * saksi_region_tests_finish's). out is filled (free with
 * saksi_digits_result_free). SAKSI_ERR_INTERNAL when hist does not match
 * the mask.
 */
saksi_status saksi_digits_analyse(const saksi_table *t, const uint8_t *exclude, const uint8_t *mask,
                                  const uint32_t *hist, const saksi_digits_options *opt,
                                  saksi_region_tests *rows, saksi_digits_result *out,
                                  saksi_error *err);

/* ------------------------------------------------------------------ */
/* In an audit (host/family_digits.c, host/summary_regions.c)          */
/* ------------------------------------------------------------------ */

struct saksi_cl;

/*
 * The digit family on a finished integrity run (res->rules, fail_mask):
 * exclusions, masks, histograms on cl (NULL: the CPU twin; under backend
 * auto a device that fails or disagrees with the twin in the self-test
 * falls back to the twin, under backend opencl that is SAKSI_ERR_SELFTEST
 * or the device's error), then saksi_digits_analyse. Rows are appended to
 * res->region_tests (allocated when NULL), the rest kept in res->digits.
 */
saksi_status saksi_family_digits(const saksi_table *t, saksi_results *res, const saksi_config *cfg,
                                 struct saksi_cl *cl, saksi_error *err);

/* The summary's view of finished region tests: one entry per (test,
 * level) family in order of first appearance (*fam, *nfam), every flagged
 * row counted (*nflagged) and the first SAKSI_SUMMARY_MAX_FLAGGED of them
 * by level then q listed (*flag, *nlisted). Arrays malloc'd, caller frees;
 * strings point into t and the rows. */
saksi_status saksi_region_tests_summarize(const saksi_table *t, const saksi_region_tests *rt,
                                          saksi_region_family **fam, size_t *nfam,
                                          saksi_flagged_region **flag, size_t *nlisted,
                                          size_t *nflagged, saksi_error *err);

#endif /* SAKSI_DIGITS_H */
