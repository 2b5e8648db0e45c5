/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * baselines_calibrate.c — calibration, power and speed of the turnout
 * family (issue 4), measured on simulated elections (not a test: it takes
 * minutes). Calibration: clean elections, seeds varied; the share of
 * station baseline p-values and of integer-percent region p-values below
 * 0.05 / 0.01 / 0.001, with standard errors across runs, and how often BH
 * at q = 0.05 flags anything; and the moments of the randomized PIT's
 * probit, which say whether a miss is the null's centre, width, skew or
 * tails (overall and by villages per district). Power: ballot stuffing, vote transfer and
 * integer-percent targets planted in a few regencies; the AUC of station
 * p-values against the labels and whether the planted regencies are
 * flagged. Bench: every stage timed on the demo election. Real: one
 * input file, the national integer-percent figures.
 *
 *   saksi_baselines_calibrate calibrate [--runs K] [--stations N] [--seed S]
 *                                       [--beta-binomial] [--unmarked] [--t-peers DF]
 *                                       [--dispersion-sdlog S] [--leave-one-out]
 *                                       [--shares S1,S2,...]
 *                                       [--prior-df D] [--no-size-trend]
 *                                       [--station-sd-size-slope G] [--no-size-dispersion]
 *   saksi_baselines_calibrate power [--stations N] [--seed S] [--regencies K] [--rate R]
 *                                   [--by-village] [--leave-one-out]
 *   saksi_baselines_calibrate bench [--stations N] [--repeat K] [--no-opencl]
 *   saksi_baselines_calibrate real --input FILE [--map FILE | --preset NAME] [--tolerance T]
 *                                  [--share-total]
 */
#include "saksi_opencl.h"
#include "turnout.h"
#include "../datasets/generator/generator.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* CPU seconds (user + system, every thread) used so far: on a shared
 * machine wall time says more about the neighbours than about saksi. */
static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec * 1e-6;
}

static const double alphas[3] = {0.05, 0.01, 0.001};

typedef struct opts {
    const char *mode, *input, *map, *preset;
    size_t runs, stations, regencies;
    uint64_t seed;
    double rate, tolerance;
    int share_total, opencl, repeat;
    int null;          /* enum saksi_baseline_null */
    int unmarked;      /* leave special TPS in the regular stratum */
    long t_peers;      /* --t-peers: the baselines' Student's t cutoff; -1: the default */
    double prior_df;   /* --prior-df: the fallback moderation prior's df; NaN: the default */
    int leave_one_out; /* regular stations' fits keep their village mates (the
                          engine leaves the village out) */
    int by_village;    /* power: plant whole villages, not single stations */
    int no_size_trend; /* the peers' rate as it is, whatever the station's size */
    int no_size_dispersion; /* the peers' variance as it is, whatever the station's size */
} opts;

/* The station-baseline options a run asks for. */
static saksi_baseline_options baseline_options(const opts *o)
{
    saksi_baseline_options bo;
    saksi_baseline_options_init(&bo);
    bo.null = o->null;
    if (o->t_peers >= 0) bo.t_peers = (size_t)o->t_peers;
    if (!isnan(o->prior_df)) bo.prior_df = o->prior_df;
    if (o->leave_one_out) bo.peers.leave_out_village = 0;
    if (o->no_size_trend) bo.size_trend = 0;
    if (o->no_size_dispersion) bo.size_dispersion = 0;
    return bo;
}

/* --dispersion-sdlog: the simulator's spread (sd of log) of the districts'
 * dispersion of turnout and shares; NaN: its defaults (0.29, 0.22). 0
 * makes every district as heterogeneous as its neighbours, which tells the
 * null's shape from its moderation. */
static double dispersion_sdlog = NAN;

/* --station-sd-size-slope: the simulator's slope of a regular station's
 * effect variance on its log size (saksi_sim_model station_sd_size_slope);
 * 0, its default, draws one variance at every size. */
static double station_sd_size_slope;

/* --shares: the candidates' national shares (their count with them); the
 * simulator's three (0.25, 0.58, 0.17) otherwise. More than three
 * candidates is where the shares' skew is approximate (share_skew.c). */
static double sim_shares[SAKSI_SIM_MAX_CAND];
static size_t sim_ncand;

static void die(const saksi_error *err)
{
    fprintf(stderr, "saksi_baselines_calibrate: %s\n", err->message);
    exit(1);
}

/* Integrity masks and strata as the engine makes them. */
typedef struct audit {
    saksi_rules *rules;
    int32_t *prog;
    saksi_results res;
    saksi_summary sum;
} audit;

static void audit_prepare(saksi_table *t, audit *a)
{
    saksi_error err = {0};
    size_t len;
    memset(a, 0, sizeof *a);
    if (saksi_rules_load(NULL, &a->rules, &err) ||
        saksi_rules_compile(a->rules, t, &a->prog, &len, &err))
        die(&err);
    a->res.rules = a->rules;
    a->res.enabled = malloc(t->n * sizeof(uint32_t));
    a->res.eval_mask = malloc(t->n * sizeof(uint32_t));
    a->res.fail_mask = malloc(t->n * sizeof(uint32_t));
    a->res.neg_mask = malloc(t->n * sizeof(uint32_t));
    if (saksi_rules_apply_scopes(a->rules, t, a->res.enabled, &err)) die(&err);
    saksi_integrity_cpu(a->prog, t, a->res.enabled, 0, t->n, a->res.eval_mask, a->res.fail_mask,
                        a->res.neg_mask);
}

static void audit_run(const saksi_table *t, audit *a, const saksi_config *cfg, saksi_cl *cl)
{
    saksi_error err = {0};
    if (saksi_family_baselines(t, cfg, cl, &a->res, &a->sum, &err) ||
        saksi_region_tests_finish(a->res.region_tests, cfg->region_alpha,
                                  cfg->null_model == SAKSI_NULL_EMPIRICAL, &err))
        die(&err);
}

/* The family with station baselines run under explicit options (null
 * shape, randomized p-values) instead of the engine's defaults. */
static void audit_run_with(const saksi_table *t, audit *a, const saksi_baseline_options *bo)
{
    saksi_error err = {0};
    saksi_config cfg;
    saksi_config_init(&cfg);
    cfg.baselines = 0;
    audit_run(t, a, &cfg, NULL);
    if (saksi_baselines_run(t, a->rules, a->res.fail_mask, bo, &a->res.turnout->baselines, &err))
        die(&err);
}

/* --unmarked: the in-memory simulation marks special TPS as `--strata`
 * would (simulate.c); a real run without a strata file leaves them among
 * the regular peers. */
static void unmark_special(saksi_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->stratum[i] == SAKSI_STRATUM_SPECIAL) t->stratum[i] = SAKSI_STRATUM_REGULAR;
}

/* Special TPS (prisons, hospitals) are their own stratum by law (DESIGN
 * §4), but a TPS code does not say which they are; the in-memory
 * simulation marks them as `--strata strata.csv` would. Their count. */
static size_t count_special(const saksi_table *t)
{
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++)
        k += t->stratum[i] == SAKSI_STRATUM_SPECIAL;
    return k;
}

static void audit_done(audit *a)
{
    saksi_results_free(&a->res);
    free(a->prog);
    saksi_rules_free(a->rules);
}

static saksi_table *simulate(size_t stations, uint64_t seed)
{
    saksi_sim_config c;
    saksi_error err = {0};
    saksi_table *t = NULL;
    saksi_sim_config_init(&c);
    c.stations = stations;
    c.seed = seed;
    if (!isnan(dispersion_sdlog))
        c.model.dispersion_district_sdlog.turnout = c.model.dispersion_district_sdlog.share =
            dispersion_sdlog;
    c.model.station_sd_size_slope = station_sd_size_slope;
    if (sim_ncand) {
        c.ncand = sim_ncand;
        for (size_t k = 0; k < SAKSI_SIM_MAX_CAND; k++)
            c.model.share[k] = k < sim_ncand ? sim_shares[k] : 0.0;
    }
    if (saksi_simulate_table(&c, &t, NULL, NULL, NULL, &err)) die(&err);
    return t;
}

/* ------------------------------------------------------------------ */
/* Calibration                                                         */
/* ------------------------------------------------------------------ */

enum { MAXM = 3 + SAKSI_SIM_MAX_CAND };

/* Bands of villages per district for the PIT by district make-up: 1,
 * 2-3, 4-7, 8-15, 16 and more. */
#define NBANDS 5
static const char *const VILLAGE_BANDS = "1 / 2-3 / 4-7 / 8-15 / 16+";

static int village_band(int villages)
{
    int b = 0;
    while (b < NBANDS - 1 && villages >= 2 << b)
        b++;
    return b;
}

/* Registered voters of a regular station, in NBANDS bands. */
static const char *const SIZE_BANDS = "1-150 / 151-200 / 201-250 / 251-280 / 281+";
static int size_band(int64_t registered)
{
    static const int64_t upper[NBANDS - 1] = {150, 200, 250, 280};
    int b = 0;
    while (b < NBANDS - 1 && registered > upper[b])
        b++;
    return b;
}

typedef struct calib {
    /* per run: share below alpha; station measures (mid-p, randomized p),
     * then region levels */
    double st[MAXM][3], st_rand[MAXM][3], reg[SAKSI_NLEVELS][3], reg_rand[SAKSI_NLEVELS][3];
    size_t st_n[MAXM], reg_n[SAKSI_NLEVELS];
    /* per stratum: tested, mid-p below alpha, randomized below alpha */
    size_t by_stratum[MAXM][SAKSI_NSTRATA][7];
    size_t bh_by_stratum[MAXM][SAKSI_NSTRATA]; /* BH-flagged stations */
    /* regular stratum, mid-p below alpha with the count below (0) or above
     * (1) its expectation: a symmetric null puts alpha / 2 on each side */
    size_t by_side[MAXM][2][3], by_side_rand[MAXM][2][3]; /* mid-p, randomized */
    /* regular stratum: moments of z = probit of the randomized PIT (the
     * count's one-sided randomized tail), standard normal under a right
     * null; a null whose predictive sd is 1% too wide gives sd 0.99 */
    double pit_sums[MAXM][5]; /* count, sums of z, z^2, z^3, z^4 */
    /* the same by villages in the station's district (VILLAGE_BANDS) */
    double pit_by_villages[MAXM][NBANDS][5];
    /* the same by the station's registered voters (SIZE_BANDS) */
    double pit_by_size[MAXM][NBANDS][5];
    /* the same by stratum */
    double pit_by_stratum[MAXM][SAKSI_NSTRATA][5];
    double village_share[MAXM]; /* of the regular stratum's latent variance */
    double shrink_k0[MAXM];     /* of the district fits */
    double prior_df[MAXM];      /* d0 of the regular stratum's moderation */
    double size_trend[MAXM];    /* the regular stratum's slope on log size */
    double size_dispersion[MAXM]; /* and of its log latent variance */
    int st_bh[MAXM], reg_bh[SAKSI_NLEVELS], reg_flag[SAKSI_NLEVELS];
} calib;

/* 1 when BH at q = 0.05 over every station flags any; flagged stations
 * are counted by stratum into by[]. */
static int any_bh(const saksi_table *t, const double *p, size_t n, size_t *by)
{
    double *q = malloc((n ? n : 1) * sizeof *q);
    size_t m;
    saksi_error err = {0};
    int any = 0;
    if (saksi_bh(p, NULL, n, q, &m, &err)) die(&err);
    for (size_t i = 0; i < n; i++)
        if (!isnan(q[i]) && q[i] < 0.05) {
            any = 1;
            by[t->stratum[i]]++;
        }
    free(q);
    return any;
}

/* z = probit of a randomized PIT u, added to the sums of z^0..z^4 (on
 * the side u lies, for precision in the upper tail). */
static void pit_add(double *sums, double u)
{
    double z = u < 0.5 ? gsl_cdf_ugaussian_Pinv(u) : gsl_cdf_ugaussian_Qinv(1.0 - u), zk = 1.0;
    for (int k = 0; k < 5; k++, zk *= z)
        sums[k] += zk;
}

/* Mean, sd, skewness and excess kurtosis from the sums of z^0..z^4. */
static void pit_moments(const double *sums, double mom[4])
{
    double n = sums[0], mu = sums[1] / n, e2 = sums[2] / n, e3 = sums[3] / n, e4 = sums[4] / n;
    double v = e2 - mu * mu;
    double m3 = e3 - 3.0 * mu * e2 + 2.0 * mu * mu * mu;
    double m4 = e4 - 4.0 * mu * e3 + 6.0 * mu * mu * e2 - 3.0 * mu * mu * mu * mu;
    mom[0] = mu;
    mom[1] = sqrt(v);
    mom[2] = m3 / (v * sqrt(v));
    mom[3] = m4 / (v * v) - 3.0;
}

/* Steele, Lea & Flood's splitmix64 finaliser: a well-mixed 64-bit hash. */
static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static void calib_one(const saksi_table *t, const audit *a, calib *c)
{
    const saksi_baselines *b = a->res.turnout->baselines;
    memset(c, 0, sizeof *c);
    const saksi_regions *vr = &t->regions[SAKSI_LEVEL_VILLAGE];
    int *villages = calloc(t->regions[SAKSI_LEVEL_DISTRICT].n, sizeof *villages);
    if (!villages) {
        fprintf(stderr, "saksi_baselines_calibrate: out of memory\n");
        exit(1);
    }
    for (size_t v = 0; v < vr->n; v++)
        villages[vr->parent[v]]++;
    for (size_t m = 0; m < b->nmeasures && m < MAXM; m++) {
        const double *p = b->p + m * b->n, *pit = b->pit ? b->pit + m * b->n : NULL;
        size_t k = 0, below[3] = {0}, below_r[3] = {0};
        for (size_t i = 0; i < b->n; i++) {
            if (isnan(p[i])) continue;
            k++;
            /* the randomized two-sided p */
            double pr = pit ? 2.0 * (pit[i] < 0.5 ? pit[i] : 1.0 - pit[i]) : NAN;
            size_t *bs = c->by_stratum[m][t->stratum[i]];
            bs[0]++;
            if (pit && pit[i] > 0.0 && pit[i] < 1.0)
                pit_add(c->pit_by_stratum[m][t->stratum[i]], pit[i]);
            for (int j = 0; j < 3; j++) {
                below[j] += p[i] < alphas[j];
                below_r[j] += pr < alphas[j];
                bs[1 + j] += p[i] < alphas[j];
                bs[4 + j] += pr < alphas[j];
            }
            if (t->stratum[i] == SAKSI_STRATUM_REGULAR) {
                int32_t x, n;
                saksi_baseline_rate(t, m, i, &x, &n);
                int above = x > b->expected[m * b->n + i];
                if (pit && pit[i] > 0.0 && pit[i] < 1.0) {
                    int band = village_band(villages[t->region_of[SAKSI_LEVEL_DISTRICT][i]]);
                    pit_add(c->pit_sums[m], pit[i]);
                    pit_add(c->pit_by_villages[m][band], pit[i]);
                    pit_add(c->pit_by_size[m][size_band(saksi_table_get(t, SAKSI_F_REGISTERED, i))],
                            pit[i]);
                }
                for (int j = 0; j < 3; j++) {
                    c->by_side[m][above][j] += p[i] < alphas[j];
                    c->by_side_rand[m][above][j] += pr < alphas[j];
                }
            }
        }
        c->st_n[m] = k;
        for (int j = 0; j < 3; j++) {
            c->st[m][j] = k ? (double)below[j] / k : NAN;
            c->st_rand[m][j] = k && pit ? (double)below_r[j] / k : NAN;
        }
        c->st_bh[m] = any_bh(t, p, b->n, c->bh_by_stratum[m]);
        c->village_share[m] = b->village_share[m];
        c->shrink_k0[m] = b->shrink_k0[m];
        c->prior_df[m] = b->prior_df[m];
        c->size_trend[m] = b->size_trend[m];
        c->size_dispersion[m] = b->size_dispersion[m];
    }
    free(villages);
    const saksi_region_tests *rt = a->res.region_tests;
    size_t below[SAKSI_NLEVELS][3] = {{0}};
    for (size_t r = 0; r < rt->n; r++) {
        const saksi_region_test *row = &rt->row[r];
        if (strcmp(row->test, "integer_percent") || isnan(row->p)) continue;
        c->reg_n[row->level]++;
        for (int j = 0; j < 3; j++)
            below[row->level][j] += row->p < alphas[j];
        c->reg_bh[row->level] |= row->q < 0.05;
        c->reg_flag[row->level] |= row->flagged;
    }
    /* The randomized one-sided p, P(S > s) + U P(S = s) (P(S = s) = 2
     * (tail - mid-p)): uniform exactly when the null is right, which
     * tells the null from the mid-p's discreteness (a district's count of
     * integer-percent stations is a few). U from the region's index and
     * the run's registered total: fixed per run, no state. */
    const saksi_kobak *k = a->res.turnout->kobak;
    size_t below_r[SAKSI_NLEVELS][3] = {{0}};
    uint64_t salt = 0;
    for (size_t i = 0; i < t->n; i++)
        salt += (uint64_t)saksi_table_get(t, SAKSI_F_REGISTERED, i);
    for (size_t r = 0; r < k->nregions; r++) {
        const saksi_kobak_region *kr = &k->regions[r];
        if (kr->skip[0] || isnan(kr->test.midp)) continue;
        double point = 2.0 * (kr->test.tail - kr->test.midp);
        double u = (double)(splitmix64(salt ^ (r * 0x9e3779b97f4a7c15ull)) >> 11) * 0x1p-53;
        double pr = kr->test.tail - (1.0 - u) * point;
        for (int j = 0; j < 3; j++)
            below_r[kr->level][j] += pr < alphas[j];
    }
    for (int l = 0; l < SAKSI_NLEVELS; l++)
        for (int j = 0; j < 3; j++) {
            c->reg[l][j] = c->reg_n[l] ? (double)below[l][j] / c->reg_n[l] : NAN;
            c->reg_rand[l][j] = c->reg_n[l] ? (double)below_r[l][j] / c->reg_n[l] : NAN;
        }
}

/* Mean and SE across runs of one share, and the pooled binomial SE. */
static void summarise(const char *what, size_t runs, const double *share, const size_t *n,
                      size_t stride_s, size_t stride_n, double alpha)
{
    double sum = 0, sum2 = 0;
    size_t tot = 0, k = 0;
    for (size_t r = 0; r < runs; r++) {
        double v = share[r * stride_s];
        if (isnan(v)) continue;
        sum += v;
        sum2 += v * v;
        tot += n[r * stride_n];
        k++;
    }
    if (!k) {
        printf("  %-22s alpha %-6g untested\n", what, alpha);
        return;
    }
    double mean = sum / k, sd = k > 1 ? sqrt((sum2 - k * mean * mean) / (k - 1)) : NAN;
    double se_runs = sd / sqrt((double)k), se_pool = sqrt(alpha * (1 - alpha) / (double)tot);
    double se = se_runs > se_pool ? se_runs : se_pool;
    printf("  %-22s alpha %-6g share %.5f  SE(runs) %.5f SE(binomial) %.5f  %s\n", what, alpha,
           mean, se_runs, se_pool, fabs(mean - alpha) <= 2 * se ? "within 2 SE" : "OUTSIDE 2 SE");
}

/* The PIT's sd by band (pooled over the runs): by registered voters
 * (by_size) or by villages in the district. */
static void print_bands(const calib *c, size_t runs, size_t m, int by_size)
{
    printf("        its sd by %s, %s:", by_size ? "registered voters" : "villages in the district",
           by_size ? SIZE_BANDS : VILLAGE_BANDS);
    for (int band = 0; band < NBANDS; band++) {
        double tot[5] = {0}, mom[4];
        for (size_t r = 0; r < runs; r++) {
            const double *sums =
                by_size ? c[r].pit_by_size[m][band] : c[r].pit_by_villages[m][band];
            for (int k = 0; k < 5; k++)
                tot[k] += sums[k];
        }
        if (tot[0] < 2.0) {
            printf(" -");
            continue;
        }
        pit_moments(tot, mom);
        printf(" %.4f (%.0f; k %+.3f)", mom[1], tot[0], mom[3]);
    }
    printf("\n");
}

/* The PIT's moments: mean over runs and its SE (the runs' spread). */
static void print_pit(const calib *c, size_t runs, size_t m)
{
    double sum[4] = {0}, sum2[4] = {0};
    for (size_t r = 0; r < runs; r++) {
        double mom[4];
        pit_moments(c[r].pit_sums[m], mom);
        for (int k = 0; k < 4; k++) {
            sum[k] += mom[k];
            sum2[k] += mom[k] * mom[k];
        }
    }
    printf("      probit of the randomized PIT (normal: 0, 1, 0, 0):");
    const char *name[4] = {"mean", "sd", "skew", "excess kurtosis"};
    for (int k = 0; k < 4; k++) {
        double mean = sum[k] / runs, var = (sum2[k] - runs * mean * mean) / (runs - 1.0);
        printf(" %s %+.4f (SE %.4f)%s", name[k], mean, runs > 1 && var > 0 ? sqrt(var / runs) : NAN,
               k < 3 ? "," : "\n");
    }
    print_bands(c, runs, m, 0);
    print_bands(c, runs, m, 1);
}

/* A small stratum's PIT moments, pooled over the runs (one run holds
 * too few of its stations for a spread over runs). */
static void print_stratum_pit(const calib *c, size_t runs, size_t m, int st)
{
    double tot[5] = {0}, mom[4];
    for (size_t r = 0; r < runs; r++)
        for (int k = 0; k < 5; k++)
            tot[k] += c[r].pit_by_stratum[m][st][k];
    if (tot[0] < 2.0) return;
    pit_moments(tot, mom);
    printf("      probit of the randomized PIT, pooled: mean %+.4f, sd %.4f, skew %+.3f, excess "
           "kurtosis %+.3f\n",
           mom[0], mom[1], mom[2], mom[3]);
}

static void run_calibrate(const opts *o)
{
    calib *c = calloc(o->runs, sizeof *c);
    size_t nm = 0, special = 0;
    saksi_baseline_options bo = baseline_options(o);
    bo.randomized = 1;
    double t_all = saksi_now();
    saksi_table *first = NULL;
    for (size_t r = 0; r < o->runs; r++) {
        saksi_table *t = simulate(o->stations, o->seed + r);
        if (o->unmarked) unmark_special(t);
        audit a;
        audit_prepare(t, &a);
        if (!o->unmarked) special += count_special(t);
        audit_run_with(t, &a, &bo);
        calib_one(t, &a, &c[r]);
        nm = a.res.turnout->baselines->nmeasures;
        fprintf(stderr, "run %zu/%zu seed %llu: %.1f s\n", r + 1, o->runs,
                (unsigned long long)(o->seed + r), saksi_now() - t_all);
        audit_done(&a);
        if (r == 0)
            first = t;
        else
            saksi_table_free(t);
    }
    printf("calibration: %zu clean elections of %zu stations, seeds %llu..%llu\n", o->runs,
           o->stations, (unsigned long long)o->seed, (unsigned long long)(o->seed + o->runs - 1));
    printf("special TPS %s (%zu over the runs)\n",
           o->unmarked ? "left in the regular stratum" : "in their own stratum", special);
    if (!isnan(dispersion_sdlog))
        printf("district dispersion: sd of log %g (turnout and shares; simulator default 0.29, "
               "0.22)\n",
               dispersion_sdlog);
    if (station_sd_size_slope != 0.0)
        printf("station effects' variance: slope %g on log registered (simulator default 0)\n",
               station_sd_size_slope);
    if (o->leave_one_out) printf("peers: leave one out (village mates kept)\n");
    if (o->no_size_trend) printf("expectations: the peers' rate, no size trend\n");
    if (o->no_size_dispersion) printf("variances: the peers' spread, no size dispersion\n");
    if (sim_ncand) {
        printf("candidates' national shares:");
        for (size_t k = 0; k < sim_ncand; k++)
            printf(" %g", sim_shares[k]);
        printf("\n");
    }
    if (!isnan(o->prior_df)) printf("fallback moderation prior: %g df\n", o->prior_df);
    printf("station baselines (two-sided mid-p; null: %s from the peers; Student's t below %zu "
           "df):\n",
           saksi_baseline_null_name(o->null), bo.t_peers);
    for (size_t m = 0; m < nm; m++) {
        char name[64], rname[80];
        saksi_baseline_measure_name(first, m, name, sizeof name);
        snprintf(rname, sizeof rname, "%s randomized", name);
        for (int j = 0; j < 3; j++)
            summarise(name, o->runs, &c[0].st[m][j], &c[0].st_n[m], sizeof *c / sizeof(double),
                      sizeof *c / sizeof(size_t), alphas[j]);
        for (int j = 0; j < 3; j++)
            summarise(rname, o->runs, &c[0].st_rand[m][j], &c[0].st_n[m],
                      sizeof *c / sizeof(double), sizeof *c / sizeof(size_t), alphas[j]);
        int bh = 0;
        double vs = 0.0, k0 = 0.0, d0 = 0.0, tr = 0.0, sd = 0.0;
        for (size_t r = 0; r < o->runs; r++) {
            bh += c[r].st_bh[m];
            vs += c[r].village_share[m] / o->runs;
            k0 += c[r].shrink_k0[m] / o->runs;
            d0 += c[r].prior_df[m] / o->runs;
            tr += c[r].size_trend[m] / o->runs;
            sd += c[r].size_dispersion[m] / o->runs;
        }
        printf("  %-22s village share of the regular latent variance %.3f, district shrinkage "
               "k0 %.2f, moderation prior df %.1f, size trend %+.3f, size dispersion %+.3f "
               "(means over runs)\n",
               name, vs, k0, d0, tr, sd);
        size_t fl[SAKSI_NSTRATA] = {0};
        for (size_t r = 0; r < o->runs; r++)
            for (int st = 0; st < SAKSI_NSTRATA; st++)
                fl[st] += c[r].bh_by_stratum[m][st];
        printf("  %-22s BH q<0.05 over all stations flags >= 1 in %d of %zu runs (flagged: "
               "%zu regular, %zu special, %zu overseas, %zu noken)\n",
               name, bh, o->runs, fl[0], fl[1], fl[2], fl[3]);
        for (int st = 0; st < SAKSI_NSTRATA; st++) {
            size_t tot[7] = {0};
            for (size_t r = 0; r < o->runs; r++)
                for (int q = 0; q < 7; q++)
                    tot[q] += c[r].by_stratum[m][st][q];
            if (!tot[0]) continue;
            printf("    %-9s %9zu tested; mid-p < .05/.01/.001: %.5f %.5f %.6f; randomized: "
                   "%.5f %.5f %.6f\n",
                   saksi_stratum_name(st), tot[0], (double)tot[1] / tot[0], (double)tot[2] / tot[0],
                   (double)tot[3] / tot[0], (double)tot[4] / tot[0], (double)tot[5] / tot[0],
                   (double)tot[6] / tot[0]);
            if (st != SAKSI_STRATUM_REGULAR) {
                print_stratum_pit(c, o->runs, m, st);
                continue;
            }
            print_pit(c, o->runs, m);
            for (int side = 0; side < 2; side++) {
                size_t k[3] = {0}, kr[3] = {0};
                for (size_t r = 0; r < o->runs; r++)
                    for (int j = 0; j < 3; j++) {
                        k[j] += c[r].by_side[m][side][j];
                        kr[j] += c[r].by_side_rand[m][side][j];
                    }
                printf(
                    "      %s the expectation: mid-p < .05/.01/.001 at %.3f %.3f %.3f of alpha / "
                    "2; randomized %.3f %.3f %.3f\n",
                    side ? "above" : "below", 2.0 * k[0] / (tot[0] * alphas[0]),
                    2.0 * k[1] / (tot[0] * alphas[1]), 2.0 * k[2] / (tot[0] * alphas[2]),
                    2.0 * kr[0] / (tot[0] * alphas[0]), 2.0 * kr[1] / (tot[0] * alphas[1]),
                    2.0 * kr[2] / (tot[0] * alphas[2]));
            }
        }
    }
    printf("integer_percent region tests (one-sided mid-p, exact Poisson-binomial):\n");
    for (int l = 0; l <= SAKSI_IPCT_MAX_LEVEL; l++) {
        char rname[64];
        snprintf(rname, sizeof rname, "%s randomized", saksi_level_name(l));
        for (int j = 0; j < 3; j++)
            summarise(saksi_level_name(l), o->runs, &c[0].reg[l][j], &c[0].reg_n[l],
                      sizeof *c / sizeof(double), sizeof *c / sizeof(size_t), alphas[j]);
        for (int j = 0; j < 3; j++)
            summarise(rname, o->runs, &c[0].reg_rand[l][j], &c[0].reg_n[l],
                      sizeof *c / sizeof(double), sizeof *c / sizeof(size_t), alphas[j]);
        int bh = 0, fl = 0;
        for (size_t r = 0; r < o->runs; r++) {
            bh += c[r].reg_bh[l];
            fl += c[r].reg_flag[l];
        }
        printf("  %-22s BH q<0.05 >= 1 region in %d of %zu runs; flagged (q and floor) in %d\n",
               saksi_level_name(l), bh, o->runs, fl);
    }
    saksi_table_free(first);
    free(c);
}

/* ------------------------------------------------------------------ */
/* Power                                                               */
/* ------------------------------------------------------------------ */

enum { K_STUFFING, K_TRANSFER, K_INTEGER, NKINDS };
static const char *const kind_names[NKINDS] = {"ballot_stuffing", "vote_transfer",
                                               "integer_target"};

static int32_t *cellp(saksi_table *t, int f, size_t i)
{
    int s = f < SAKSI_NFIXED ? t->slot_of_field[f] : t->first_cand_slot + (f - SAKSI_NFIXED);
    return &t->cols[(size_t)s * t->stride + i];
}

/* k more DPT voters, all for candidate c, every identity kept (the same
 * fields the simulator's ballot_stuffing changes). */
static int stuff(saksi_table *t, size_t i, int c, int32_t k)
{
    int32_t reg = *cellp(t, SAKSI_F_REGISTERED, i), dpt = *cellp(t, SAKSI_F_VOTERS_DPT, i);
    int32_t unused = *cellp(t, SAKSI_F_BALLOTS_UNUSED, i);
    int32_t regm = *cellp(t, SAKSI_F_REGISTERED_MALE, i),
            dm = *cellp(t, SAKSI_F_VOTERS_DPT_MALE, i);
    if (k < 1 || dpt + k > reg || k > unused) return 0;
    int32_t km = regm - dm < k ? regm - dm : k, kf = k - km;
    static const int add[] = {SAKSI_F_VOTERS_DPT, SAKSI_F_VOTERS_TOTAL, SAKSI_F_TOTAL,
                              SAKSI_F_VALID, SAKSI_F_BALLOTS_USED};
    for (size_t j = 0; j < sizeof add / sizeof add[0]; j++)
        *cellp(t, add[j], i) += k;
    *cellp(t, SAKSI_F_VOTERS_DPT_MALE, i) += km;
    *cellp(t, SAKSI_F_VOTERS_TOTAL_MALE, i) += km;
    *cellp(t, SAKSI_F_VOTERS_DPT_FEMALE, i) += kf;
    *cellp(t, SAKSI_F_VOTERS_TOTAL_FEMALE, i) += kf;
    *cellp(t, SAKSI_F_BALLOTS_UNUSED, i) -= k;
    *cellp(t, SAKSI_NFIXED + c, i) += k;
    return 1;
}

static int plant(saksi_table *t, size_t i, int kind, int leader, saksi_sim_stream *s)
{
    int32_t reg = *cellp(t, SAKSI_F_REGISTERED, i), dpt = *cellp(t, SAKSI_F_VOTERS_DPT, i);
    if (kind == K_STUFFING) {
        /* a third to two thirds of the DPT non-voters */
        double f = 1.0 / 3 + saksi_sim_uniform(s) / 3;
        return stuff(t, i, leader, (int32_t)(f * (reg - dpt)));
    }
    if (kind == K_TRANSFER) {
        int donor = -1;
        for (size_t c = 0; c < t->ncand; c++)
            if ((int)c != leader && (donor < 0 || *cellp(t, SAKSI_NFIXED + (int)c, i) >
                                                      *cellp(t, SAKSI_NFIXED + donor, i)))
                donor = (int)c;
        int32_t d = *cellp(t, SAKSI_NFIXED + donor, i);
        int32_t m = (int32_t)((0.2 + 0.2 * saksi_sim_uniform(s)) * d); /* 20-40% of the donor's */
        if (m < 1) return 0;
        *cellp(t, SAKSI_NFIXED + donor, i) -= m;
        *cellp(t, SAKSI_NFIXED + leader, i) += m;
        return 1;
    }
    /* Integer target: stuff up to the next exactly reachable integer
     * turnout percentage (Kobak's "round number" falsification). */
    for (int32_t x = dpt + 1; x <= reg; x++)
        if (saksi_ipct_code(x, reg, 0, SAKSI_IPCT_TOL_DEN) <= 100)
            return stuff(t, i, leader, x - dpt);
    return 0;
}

/* AUC of "smaller p means planted": P(p_planted < p_clean) + ties / 2,
 * over stations with a p-value, by ranks. */
typedef struct lp {
    double p;
    int label;
} lp;

static int cmp_lp(const void *a, const void *b)
{
    const lp *x = a, *y = b;
    return (x->p > y->p) - (x->p < y->p);
}

static double auc(const double *p, const uint8_t *label, size_t n)
{
    lp *v = malloc(n * sizeof *v);
    size_t k = 0, pos = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(p[i])) {
            v[k++] = (lp){p[i], label[i]};
            pos += label[i];
        }
    qsort(v, k, sizeof *v, cmp_lp);
    double rank_sum = 0;
    for (size_t i = 0; i < k;) {
        size_t j = i;
        while (j < k && v[j].p == v[i].p)
            j++;
        double mid = 0.5 * (i + 1 + j); /* average rank of the tie block */
        for (size_t q = i; q < j; q++)
            if (v[q].label) rank_sum += mid;
        i = j;
    }
    size_t neg = k - pos;
    free(v);
    if (!pos || !neg) return NAN;
    /* planted with small p have small ranks: AUC = 1 - U / (pos neg) */
    double u = rank_sum - pos * (pos + 1) / 2.0;
    return 1.0 - u / ((double)pos * neg);
}

static void run_power(const opts *o)
{
    saksi_baseline_options bo = baseline_options(o);
    printf("power: %zu stations, seed %llu, %zu regencies planted at rate %.2f%s%s\n", o->stations,
           (unsigned long long)o->seed, o->regencies, o->rate,
           o->by_village ? ", whole villages" : "",
           o->leave_one_out ? "; peers: leave one out (village mates kept)" : "");
    for (int kind = 0; kind < NKINDS; kind++) {
        saksi_table *t = simulate(o->stations, o->seed);
        int leader = saksi_kobak_national_leader(t);
        const saksi_regions *rg = &t->regions[SAKSI_LEVEL_REGENCY];
        uint8_t *planted_reg = calloc(rg->n, 1), *label = calloc(t->n, 1);
        saksi_sim_stream s;
        saksi_sim_stream_init(&s, o->seed, 0x5eed0000u + (uint64_t)kind, SAKSI_SIM_STREAM_TEST);
        /* Regencies of ordinary provinces (not Papua, noken or overseas). */
        size_t chosen = 0, tries = 0, planted = 0;
        while (chosen < o->regencies && tries++ < 100000) {
            uint32_t r = saksi_sim_below(&s, (uint32_t)rg->n);
            const char *code = rg->code[r];
            if (planted_reg[r] || strncmp(code, "9", 1) == 0) continue;
            planted_reg[r] = 1;
            chosen++;
            /* --by-village: one draw per village (its stations are
             * contiguous), the whole village planted or none of it */
            const uint32_t *vil = t->region_of[SAKSI_LEVEL_VILLAGE];
            int take = 0;
            for (size_t i = rg->first[r]; i < rg->first[r] + rg->count[r]; i++) {
                if (!o->by_village || i == rg->first[r] || vil[i] != vil[i - 1])
                    take = saksi_sim_uniform(&s) < o->rate;
                if (take && plant(t, i, kind, leader, &s)) {
                    label[i] = 1;
                    planted++;
                }
            }
        }
        if (o->unmarked) unmark_special(t);
        audit a;
        audit_prepare(t, &a);
        size_t special = o->unmarked ? 0 : count_special(t);
        audit_run_with(t, &a, &bo);
        const saksi_baselines *b = a.res.turnout->baselines;
        printf("%s: %zu stations planted in %zu regencies (special TPS %s: %zu)\n",
               kind_names[kind], planted, chosen, o->unmarked ? "unmarked" : "marked", special);
        double *comb = malloc(t->n * sizeof *comb), *pm = malloc(b->nmeasures * sizeof *pm);
        for (size_t i = 0; i < t->n; i++) {
            for (size_t m = 0; m < b->nmeasures; m++)
                pm[m] = b->p[m * t->n + i];
            comb[i] = saksi_cauchy_combine(pm, NULL, b->nmeasures);
        }
        for (size_t m = 0; m < b->nmeasures; m++) {
            char name[64];
            saksi_baseline_measure_name(t, m, name, sizeof name);
            printf("  AUC %-10s %.4f\n", name, auc(b->p + m * t->n, label, t->n));
        }
        printf("  AUC %-10s %.4f\n", "cauchy", auc(comb, label, t->n));
        double *q = malloc(t->n * sizeof *q);
        size_t mt, hit = 0, fls = 0, fls_near = 0;
        saksi_error err = {0};
        if (saksi_bh(comb, NULL, t->n, q, &mt, &err)) die(&err);
        /* A clean station is judged by its district: one flagged where the
         * district holds planted stations was misjudged by fraudulent peers. */
        const uint32_t *dist = t->region_of[SAKSI_LEVEL_DISTRICT];
        uint8_t *dirty = calloc(t->regions[SAKSI_LEVEL_DISTRICT].n, 1);
        for (size_t i = 0; i < t->n; i++)
            if (label[i]) dirty[dist[i]] = 1;
        for (size_t i = 0; i < t->n; i++)
            if (!isnan(q[i]) && q[i] < 0.05) {
                if (label[i])
                    hit++;
                else {
                    fls++;
                    fls_near += dirty[dist[i]];
                }
            }
        printf("  stations BH q<0.05 on the Cauchy combination: %zu of %zu planted, %zu clean (%zu "
               "in a district with planted stations)\n",
               hit, planted, fls, fls_near);
        free(dirty);
        const saksi_region_tests *rt = a.res.region_tests;
        size_t fl[2][SAKSI_NLEVELS] = {{0}}, tot[2][SAKSI_NLEVELS] = {{0}};
        for (size_t r = 0; r < rt->n; r++) {
            const saksi_region_test *row = &rt->row[r];
            if (strcmp(row->test, "integer_percent") || row->level < SAKSI_LEVEL_REGENCY) continue;
            size_t first = t->regions[row->level].first[row->region];
            int in = planted_reg[t->region_of[SAKSI_LEVEL_REGENCY][first]];
            tot[in][row->level]++;
            fl[in][row->level] += row->flagged;
        }
        for (int l = SAKSI_LEVEL_REGENCY; l <= SAKSI_IPCT_MAX_LEVEL; l++)
            printf("  integer_percent %-8s flagged: %zu of %zu planted-regency regions, %zu of "
                   "%zu others\n",
                   saksi_level_name(l), fl[1][l], tot[1][l], fl[0][l], tot[0][l]);
        free(q);
        free(comb);
        free(pm);
        audit_done(&a);
        free(planted_reg);
        free(label);
        saksi_table_free(t);
    }
}

/* ------------------------------------------------------------------ */
/* Bench and real data                                                 */
/* ------------------------------------------------------------------ */

static void report_national(const saksi_table *t, const audit *a)
{
    const saksi_kobak *k = a->res.turnout->kobak;
    char lname[64] = "none";
    if (k->leader >= 0) snprintf(lname, sizeof lname, "cand_%s", t->cand_label[k->leader]);
    printf("leader %s; turnout %s / %s; share / %s\n", lname,
           k->field[0] >= 0 ? saksi_field_name(k->field[0]) : "-",
           k->field[1] >= 0 ? saksi_field_name(k->field[1]) : "-",
           k->field[3] >= 0 ? saksi_field_name(k->field[3]) : "-");
    for (size_t r = 0; r < k->nregions; r++) {
        const saksi_kobak_region *kr = &k->regions[r];
        if (kr->level != SAKSI_LEVEL_NATIONAL) continue;
        printf("national: %zu stations tested of %zu; observed %u (%.3f%%), expected %.1f "
               "(%.3f%%), sd %.1f, excess %+.1f [%+.1f, %+.1f], p(mid) %.3g, P(S>=obs) %.3g "
               "(%s)\n",
               kr->tested, kr->stations, kr->observed, 100.0 * kr->observed / kr->tested,
               kr->expected, 100.0 * kr->expected / kr->tested, sqrt(kr->variance),
               kr->observed - kr->expected, kr->observed - kr->expected - 1.96 * sqrt(kr->variance),
               kr->observed - kr->expected + 1.96 * sqrt(kr->variance), kr->test.midp,
               kr->test.tail, saksi_poibin_method_name(kr->test.method));
        printf("  turnout integer: observed %u expected %.1f; share integer: observed %u "
               "expected %.1f; stations <= 300 registered: %.1f%%\n",
               kr->observed_rate[0], kr->expected_rate[0], kr->observed_rate[1],
               kr->expected_rate[1], 100.0 * kr->small_share);
    }
    size_t flagged[SAKSI_NLEVELS] = {0};
    const saksi_region_tests *rt = a->res.region_tests;
    for (size_t q = 0; q < rt->n; q++)
        if (strcmp(rt->row[q].test, "integer_percent") == 0 && rt->row[q].flagged)
            flagged[rt->row[q].level]++;
    for (int l = 0; l < SAKSI_NLEVELS; l++)
        if (flagged[l]) printf("  flagged %s regions: %zu\n", saksi_level_name(l), flagged[l]);
}

static void run_real(const opts *o)
{
    saksi_error err = {0};
    saksi_colmap *map = saksi_colmap_alloc();
    saksi_quarantine *q = saksi_quarantine_alloc();
    saksi_table *t = NULL;
    saksi_ingest_options io = {0};
    saksi_preset *pr = NULL;
    if (o->map && saksi_colmap_read(map, o->map, &err)) die(&err);
    if (o->preset && saksi_preset_load(o->preset, &pr, &err)) die(&err);
    io.map = map;
    io.preset = pr;
    if (saksi_ingest_csv(o->input, &io, q, &t, NULL, &err)) die(&err);
    saksi_config cfg;
    saksi_config_init(&cfg);
    cfg.integer_tolerance = o->tolerance;
    cfg.integer_share_total = o->share_total;
    cfg.baselines = 0;
    audit a;
    audit_prepare(t, &a);
    audit_run(t, &a, &cfg, NULL);
    printf("%s: %zu stations (%zu quarantined)\n", o->input, t->n, q->n);
    report_national(t, &a);
    audit_done(&a);
    saksi_table_free(t);
    saksi_quarantine_free(q);
    saksi_colmap_free(map);
    saksi_preset_free(pr);
}

static void run_bench(const opts *o)
{
    saksi_sim_config c;
    saksi_error err = {0};
    saksi_table *t = NULL;
    saksi_sim_config_init(&c);
    c.stations = o->stations;
    for (int k = 0; k < SAKSI_NPLANT; k++)
        c.plant_rate[k] = 0.002; /* the README demo: --plant all=0.002 */
    if (saksi_simulate_table(&c, &t, NULL, NULL, NULL, &err)) die(&err);
    audit a;
    audit_prepare(t, &a);
    saksi_config cfg;
    saksi_config_init(&cfg);
    printf("bench: %zu stations (demo election, seed 2024, every kind planted at 0.2%%), one "
           "thread\n",
           t->n);
    for (int rep = 0; rep < o->repeat; rep++) {
        double t0 = saksi_now(), c0 = cpu_seconds();
        audit_run(t, &a, &cfg, NULL);
        double all = saksi_now() - t0, cpu = cpu_seconds() - c0;
        const saksi_baselines *b = a.res.turnout->baselines;
        const saksi_kobak *k = a.res.turnout->kobak;
        printf("  family total %.3f s wall, %.3f s CPU: baselines %.3f s wall (%zu measures), "
               "membership (C) %.3f s, binomial expectation %.3f s, exact null + region rows "
               "%.3f s\n",
               all, cpu, b->seconds, b->nmeasures, k->seconds_membership, k->seconds_expectation,
               k->seconds_null);
        saksi_baseline_options bo;
        saksi_baseline_options_init(&bo);
        for (size_t th = 1; th <= 2; th++) {
            saksi_baselines *one = NULL;
            saksi_error err2 = {0};
            bo.threads = th;
            t0 = saksi_now();
            c0 = cpu_seconds();
            if (saksi_baselines_run(t, a.rules, a.res.fail_mask, &bo, &one, &err2)) die(&err2);
            printf("  baselines alone on %zu thread(s): %.3f s wall, %.3f s CPU\n", th,
                   saksi_now() - t0, cpu_seconds() - c0);
            saksi_baselines_free(one);
        }
    }
    if (o->opencl) {
        saksi_cl_options co;
        saksi_cl *cl = NULL;
        saksi_cl_options_init(&co);
        co.allow_cpu = 1;
        if (saksi_cl_open(&co, &cl, &err)) die(&err);
        const saksi_kobak *k = a.res.turnout->kobak;
        uint32_t *code = malloc(t->n * sizeof *code);
        for (int rep = 0; rep < o->repeat + 1; rep++) {
            double t0 = saksi_now();
            if (saksi_cl_turnout(cl, t, k->field, k->tol_num, k->tol_den, 0, 0, code, &err))
                die(&err);
            printf("  membership on %s: %.3f s%s; same codes as C: %s\n", saksi_cl_device_name(cl),
                   saksi_now() - t0, rep ? "" : " (first run)",
                   memcmp(code, k->code, t->n * sizeof *code) ? "NO" : "yes");
        }
        free(code);
        saksi_cl_close(cl);
    }
    report_national(t, &a);
    audit_done(&a);
    saksi_table_free(t);
}

int main(int argc, char **argv)
{
    opts o = {.runs = 20,
              .stations = 200000,
              .regencies = 5,
              .seed = 1,
              .rate = 0.3,
              .tolerance = SAKSI_IPCT_DEFAULT_TOLERANCE,
              .opencl = 1,
              .repeat = 2,
              .t_peers = -1,
              .prior_df = NAN};
    if (argc < 2) {
        fprintf(stderr, "usage: %s calibrate|power|bench|real [options]\n", argv[0]);
        return 64;
    }
    o.mode = argv[1];
    if (strcmp(o.mode, "bench") == 0) {
        o.stations = SAKSI_SIM_DEFAULT_STATIONS;
        o.seed = 2024;
    }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--no-opencl")) {
            o.opencl = 0;
            continue;
        }
        if (!strcmp(a, "--share-total")) {
            o.share_total = 1;
            continue;
        }
        if (!strcmp(a, "--beta-binomial")) {
            o.null = SAKSI_BASELINE_BETABINOMIAL;
            continue;
        }
        if (!strcmp(a, "--unmarked")) {
            o.unmarked = 1;
            continue;
        }
        if (!strcmp(a, "--leave-one-out")) {
            o.leave_one_out = 1;
            continue;
        }
        if (!strcmp(a, "--by-village")) {
            o.by_village = 1;
            continue;
        }
        if (!strcmp(a, "--no-size-trend")) {
            o.no_size_trend = 1;
            continue;
        }
        if (!strcmp(a, "--no-size-dispersion")) {
            o.no_size_dispersion = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "%s needs a value\n", a);
            return 64;
        }
        i++;
        if (!strcmp(a, "--runs"))
            o.runs = strtoul(v, NULL, 10);
        else if (!strcmp(a, "--t-peers"))
            o.t_peers = strtol(v, NULL, 10);
        else if (!strcmp(a, "--prior-df"))
            o.prior_df = strtod(v, NULL);
        else if (!strcmp(a, "--dispersion-sdlog"))
            dispersion_sdlog = strtod(v, NULL);
        else if (!strcmp(a, "--station-sd-size-slope"))
            station_sd_size_slope = strtod(v, NULL);
        else if (!strcmp(a, "--shares")) { /* the simulator checks them */
            const char *p = v;
            for (sim_ncand = 0; *p && sim_ncand < SAKSI_SIM_MAX_CAND; sim_ncand++) {
                char *end;
                sim_shares[sim_ncand] = strtod(p, &end);
                if (end == p) break;
                p = *end == ',' ? end + 1 : end;
            }
        }
        else if (!strcmp(a, "--stations"))
            o.stations = strtoul(v, NULL, 10);
        else if (!strcmp(a, "--seed"))
            o.seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--regencies"))
            o.regencies = strtoul(v, NULL, 10);
        else if (!strcmp(a, "--rate"))
            o.rate = strtod(v, NULL);
        else if (!strcmp(a, "--tolerance"))
            o.tolerance = strtod(v, NULL);
        else if (!strcmp(a, "--repeat"))
            o.repeat = atoi(v);
        else if (!strcmp(a, "--input"))
            o.input = v;
        else if (!strcmp(a, "--map"))
            o.map = v;
        else if (!strcmp(a, "--preset"))
            o.preset = v;
        else {
            fprintf(stderr, "unknown option %s\n", a);
            return 64;
        }
    }
    if (!strcmp(o.mode, "calibrate"))
        run_calibrate(&o);
    else if (!strcmp(o.mode, "power"))
        run_power(&o);
    else if (!strcmp(o.mode, "bench"))
        run_bench(&o);
    else if (!strcmp(o.mode, "real") && o.input)
        run_real(&o);
    else {
        fprintf(stderr, "unknown mode %s (real needs --input)\n", o.mode);
        return 64;
    }
    return 0;
}
