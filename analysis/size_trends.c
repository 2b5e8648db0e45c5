/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * size_trends.c — the station's size in its baseline (DESIGN §4 "Station
 * baselines": the predictive distribution of the station's count given its
 * size). Within districts, stations of different size differ in two ways:
 * their rate (the mean trend) and how far they scatter about it (the
 * dispersion trend). Each is a slope on the log of the registered size,
 * per measure and stratum, estimated robustly, its variance clustered by
 * district, and shrunk toward 0 by its own noise; both act on the peer
 * fits after they are widened and before their latent variance is
 * moderated (baselines.c measure_run).
 */
#include "turnout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TREND_ITERATIONS    20
#define SIZE_SPREAD_MIN     1e-6
#define TREND_HUBER         3.0
#define TREND_MIN_DISTRICTS 20
/* The dispersion trend is estimated and applied on d taken between these
 * quantiles of the stratum's: a station of extreme size (a 3-voter TPS in
 * a district of 250s) moves the slope no more than one at the quantile,
 * and its variance is not extrapolated beyond the sizes that estimated it.
 * Applied at every size, on 20 simulated elections with the effect (where
 * it does go on) the smallest stations' PIT sd came out 0.980 for turnout
 * against 1.004 with the bound, and on Sirekap the factors of its tiniest
 * TPS reached the beta-binomial's reach. */
#define DISPERSION_D_LOW  0.01
#define DISPERSION_D_HIGH 0.99

/* Per station: its log size less its peers' (NaN: not used), count, size. */
typedef struct trend_data {
    double *d;
    int32_t *x, *n;
} trend_data;

/*
 * Station i's part in a stratum's estimating equation at the parameters
 * theta (k of them, the slope last): its score u[k], its information
 * info[k * k], and its weight w, the slope's information per unit d^2 (the
 * slope is taken as unmeasurable where its information, with the other
 * parameter profiled out, is under SIZE_SPREAD_MIN of the sum of w: sizes
 * that differ by under 0.1% are rounding). 0 when it takes no part.
 */
typedef int (*trend_term)(const void *ctx, size_t i, const double *theta, double *u, double *info,
                          double *w);

/* The clustered sandwich's inverse information, k = 1 or 2; 0 when it is
 * singular. */
static int invert(int k, const double *a, double *inv)
{
    if (k == 1) {
        if (!(a[0] > 0.0)) return 0;
        inv[0] = 1.0 / a[0];
        return 1;
    }
    double det = a[0] * a[3] - a[1] * a[2];
    if (!(det > 0.0) || !(a[0] > 0.0)) return 0;
    inv[0] = a[3] / det;
    inv[1] = -a[1] / det;
    inv[2] = -a[2] / det;
    inv[3] = a[0] / det;
    return 1;
}

/*
 * Solve every stratum's estimating equation by Newton from theta's start
 * (steps of the parameters longer than 1 scaled back to 1: the dispersion
 * level starts far from its answer on some inputs) until no step exceeds
 * tol or TREND_ITERATIONS, and its slope's
 * variance by the sandwich, clustered by district (a district's stations
 * share their peers), with the factor G / (G - 1). On fewer than
 * TREND_MIN_DISTRICTS districts se2 is HUGE_VAL: one district's sandwich
 * is 0 by construction (Newton zeroes the score), and the 11 stations of
 * audit-tiny.csv got a size slope of 1.7.
 */
static void trend_solve(const saksi_table *t, const trend_data *td, int k, trend_term term,
                        const void *ctx, double tol, double theta[SAKSI_NSTRATA][2],
                        double se2[SAKSI_NSTRATA])
{
    const uint32_t *dist = t->region_of[SAKSI_LEVEL_DISTRICT];
    double info[SAKSI_NSTRATA][4], meat[SAKSI_NSTRATA][4], clusters[SAKSI_NSTRATA];
    int ok[SAKSI_NSTRATA];
    for (int it = 0, moving = 1; it < TREND_ITERATIONS && moving; it++) {
        double u[SAKSI_NSTRATA][2] = {{0}}, ug[SAKSI_NSTRATA][2] = {{0}}, w[SAKSI_NSTRATA] = {0};
        memset(info, 0, sizeof info);
        memset(meat, 0, sizeof meat);
        memset(clusters, 0, sizeof clusters);
        for (size_t i = 0; i <= t->n; i++) {
            if (i == t->n || (i > 0 && dist[i] != dist[i - 1])) /* close a district */
                for (int c = 0; c < SAKSI_NSTRATA; c++) {
                    for (int a = 0; a < k; a++)
                        for (int b = 0; b < k; b++)
                            meat[c][a * k + b] += ug[c][a] * ug[c][b];
                    clusters[c] += ug[c][k - 1] != 0.0;
                    ug[c][0] = ug[c][1] = 0.0;
                }
            if (i == t->n) break;
            if (isnan(td->d[i])) continue;
            int s = t->stratum[i];
            double ui[2], hi[4], wi;
            if (!term(ctx, i, theta[s], ui, hi, &wi)) continue;
            for (int a = 0; a < k; a++) {
                u[s][a] += ui[a];
                ug[s][a] += ui[a];
            }
            for (int a = 0; a < k * k; a++)
                info[s][a] += hi[a];
            w[s] += wi;
        }
        moving = 0;
        for (int c = 0; c < SAKSI_NSTRATA; c++) {
            double inv[4], step[2] = {0}, len = 0.0;
            /* the slope's information with the level profiled out */
            double slope = k == 1 ? info[c][0] : info[c][3] - info[c][1] * info[c][2] / info[c][0];
            ok[c] = slope > SIZE_SPREAD_MIN * w[c] && invert(k, info[c], inv);
            if (!ok[c]) continue;
            for (int a = 0; a < k; a++) {
                for (int b = 0; b < k; b++)
                    step[a] += inv[a * k + b] * u[c][b];
                len = fmax(len, fabs(step[a]));
            }
            for (int a = 0; a < k; a++) {
                theta[c][a] += len > 1.0 ? step[a] / len : step[a];
                moving |= fabs(step[a]) > tol;
            }
        }
    }
    for (int c = 0; c < SAKSI_NSTRATA; c++) {
        double inv[4], g = clusters[c], v = 0.0;
        if (!ok[c] || g < TREND_MIN_DISTRICTS || !invert(k, info[c], inv)) {
            se2[c] = HUGE_VAL;
            continue;
        }
        int last = k - 1; /* (inv meat inv) at the slope's diagonal */
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
                v += inv[last * k + a] * meat[c][a * k + b] * inv[b * k + last];
        se2[c] = v * g / (g - 1.0);
    }
}

/* A slope shrunk toward 0 by its own noise, beta (1 - se^2 / beta^2) when
 * positive (James-Stein's positive part): a stratum where no trend is
 * measurable gets none. */
static double shrunk(double beta, double se2)
{
    double b2 = beta * beta;
    return b2 > se2 && isfinite(b2) ? beta * (1.0 - se2 / b2) : 0.0;
}

/* Huber's psi at TREND_HUBER. */
static double huber(double r)
{
    return fabs(r) < TREND_HUBER ? r : copysign(TREND_HUBER, r);
}

/* ------------------------------------------------------------------ */
/* The mean                                                            */
/* ------------------------------------------------------------------ */

typedef struct mean_ctx {
    const trend_data *td;
    const saksi_bb *fit;
} mean_ctx;

/* The quasi-likelihood score psi(r) sqrt(h) d, r the Pearson residual. */
static int mean_term(const void *ctx, size_t i, const double *theta, double *u, double *info,
                     double *w)
{
    const mean_ctx *c = ctx;
    const saksi_bb *f = &c->fit[i];
    double n = c->td->n[i], d = c->td->d[i], phi = 1.0 + (n - 1.0) * f->rho;
    double mm = 1.0 / (1.0 + (1.0 - f->mu) / f->mu * exp(-theta[0] * d));
    double h = n * mm * (1.0 - mm) / phi, pearson = (c->td->x[i] - n * mm) / sqrt(h * phi * phi);
    /* a station far off its peers (an unmarked special TPS, a misread, a
     * fraud) moves beta no more than one at TREND_HUBER */
    u[0] = huber(pearson) * sqrt(h) * d;
    info[0] = (fabs(pearson) < TREND_HUBER) * h * d * d;
    *w = h;
    return 1;
}

/*
 * Larger stations differ from their smaller neighbours: on Sirekap 2024,
 * within districts, the larger half of the TPS by DPT (0.28 higher in mean
 * log size) has turnout 0.066 lower in pooled log-odds, invalid votes
 * 0.039 higher, added voters 0.129 lower, cand_01 0.031 higher and cand_03
 * 0.032 lower. The peers' pooled rate is their rate at their own mean log
 * size (size_log, weighed by n as the rate is), so a station larger than
 * its peers was judged against the rate of smaller ones. The size is the
 * station's register (saksi_station_size), never a count that votes move:
 * with the measure's own n (valid votes for a share, voters for added
 * voters) a stuffed station's larger n explained part of its stuffing away
 * (the combined evidence's AUC for ballot stuffing 0.736 -> 0.729 on the
 * ranking test), and in an election where fraud raised turnout and the
 * leader together it would have explained that too.
 *
 * Per stratum, logit mu_i + beta (log size_i - size_log_i) with beta the
 * quasi-likelihood estimate, made robust: the score sum psi(r) sqrt(h) d,
 * r the station's Pearson residual (x - n mu) / sqrt(n mu (1 - mu) phi),
 * h = n mu (1 - mu) / phi, d its log size less its peers', phi = 1 + (n -
 * 1) rho the beta-binomial's inflation, and psi Huber's at 3 (Cantoni &
 * Ronchetti 2001), solved by Newton from 0. Without psi, unmarked special
 * TPS (small, most of their voters added) made the regular stratum's
 * added-voter slope -1.26 on a simulated election of 20,000 stations; with
 * it -0.27 (and 0 once --strata names them). It costs a slope of counts
 * near 4 a little: -0.477 found where -0.5 was generated (-0.487 without
 * psi; psi at 4: -0.484, and -0.37 on the unmarked election). The
 * simulator draws rates without a trend: |beta| <= 0.009 there, the mean
 * of 20 elections.
 *
 * The peers' spread held the trend's: beta^2 times the variance of log
 * size within districts, a share of the stratum's mean within-district
 * logit variance that is taken out of every fit's within-district part.
 * The station's mean and variance are then those of its matched
 * logit-normal moved on the logit scale, which keeps every fit within the
 * beta-binomial's reach (scaling rho by the delta method took tiny Sirekap
 * stations beyond it).
 */
static void mean_trend(const saksi_table *t, const trend_data *td, const saksi_lnb_rule *rule,
                       saksi_bb *fit, double *within, double *trend)
{
    const uint32_t *dist = t->region_of[SAKSI_LEVEL_DISTRICT];
    /* the variance of log size within districts, and the fits' mean
     * within-district logit variance, per stratum */
    double vl[SAKSI_NSTRATA] = {0}, dfl[SAKSI_NSTRATA] = {0}, s2[SAKSI_NSTRATA] = {0},
           k[SAKSI_NSTRATA] = {0};
    for (size_t first = 0; first < t->n;) {
        size_t end = first;
        double dk[SAKSI_NSTRATA] = {0}, dl[SAKSI_NSTRATA] = {0}, dll[SAKSI_NSTRATA] = {0};
        for (; end < t->n && dist[end] == dist[first]; end++) {
            int s = t->stratum[end];
            if (isnan(td->d[end])) continue;
            double l = td->d[end] + fit[end].size_log;
            dk[s] += 1.0;
            dl[s] += l;
            dll[s] += l * l;
            s2[s] += within[end] / (fit[end].mu * (1.0 - fit[end].mu));
            k[s] += 1.0;
        }
        for (int s = 0; s < SAKSI_NSTRATA; s++)
            if (dk[s] > 1.0) {
                vl[s] += dll[s] - dl[s] * dl[s] / dk[s];
                dfl[s] += dk[s] - 1.0;
            }
        first = end;
    }
    double theta[SAKSI_NSTRATA][2] = {{0}}, se2[SAKSI_NSTRATA], keep[SAKSI_NSTRATA];
    mean_ctx ctx = {td, fit};
    trend_solve(t, td, 1, mean_term, &ctx, 1e-10, theta, se2);
    for (int s = 0; s < SAKSI_NSTRATA; s++) {
        trend[s] = shrunk(theta[s][0], se2[s]);
        double part = dfl[s] > 0.0 && k[s] > 0.0
                          ? trend[s] * trend[s] * (vl[s] / dfl[s]) / (s2[s] / k[s])
                          : 0.0;
        keep[s] = part < 0.5 ? 1.0 - part : 0.5; /* never seen beyond 0.1 */
    }
    double a = 0.0, sd = 0.0; /* the previous station's logit-normal, a start */
    for (size_t i = 0; i < t->n; i++) {
        int s = t->stratum[i];
        if (isnan(td->d[i]) || trend[s] == 0.0) continue;
        double w = within[i] * keep[s], rho = fit[i].rho - within[i] + w, mu, v;
        saksi_lnb_match(fit[i].mu, rho * fit[i].mu * (1.0 - fit[i].mu), 0.0, rule, &a, &sd);
        saksi_lnb_moments(a + trend[s] * td->d[i], sd, rule, &mu, &v);
        if (!(mu > 0.0 && mu < 1.0)) continue; /* beyond double precision: as it was */
        fit[i].mu = mu;
        fit[i].rho = v / (mu * (1.0 - mu));
        within[i] = rho > 0.0 ? w * fit[i].rho / rho : 0.0;
    }
}

/* ------------------------------------------------------------------ */
/* The dispersion                                                      */
/* ------------------------------------------------------------------ */

typedef struct dispersion_ctx {
    const saksi_table *t;
    const trend_data *td;
    const saksi_bb *fit;
    const double *within;
    const double *dc;      /* d within the stratum's quantiles */
    const double *village; /* per stratum: the village share of the latent variance */
    double kappa, kin;     /* E psi(Z)^2 and E Z^2 [|Z| < c] for Z standard normal */
} dispersion_ctx;

/* The latent variance's factor at d: the village part as it is, the
 * station's own part times exp(gamma d). */
static double size_factor(double village, double gamma, double d)
{
    return village + (1.0 - village) * exp(gamma * d);
}

/*
 * Huber's proposal 2 for a variance (Huber 1981, 7.7) on the Pearson
 * residual r of the count: the latent logit variance v = exp(alpha) (f +
 * (1 - f) exp(gamma d)), f the village share, enters the count's variance
 * V = n b (1 + (n - 1) (e + b v)), b = mu (1 - mu) and e the fit's own
 * mean error; the score is (s / 2) (psi(r)^2 - kappa) (1, q), s = n (n -
 * 1) b^2 v / V the latent share of V and q = d log v / d gamma; the
 * information (s^2 / 2) E Z^2 [|Z| < c] (1, q)(1, q)'.
 */
static int dispersion_term(const void *ctx, size_t i, const double *theta, double *u, double *info,
                           double *w)
{
    const dispersion_ctx *c = ctx;
    const saksi_bb *f = &c->fit[i];
    double n = c->td->n[i], d = c->dc[i], b = f->mu * (1.0 - f->mu);
    double vil = c->village[c->t->stratum[i]], mix = size_factor(vil, theta[1], d);
    double v = exp(theta[0]) * mix, e = f->rho - c->within[i];
    double q = (1.0 - vil) * exp(theta[1] * d) * d / mix;
    double var = n * b * (1.0 + (n - 1.0) * (e + b * v));
    double r = (c->td->x[i] - n * f->mu) / sqrt(var), p = huber(r);
    double s = n * (n - 1.0) * b * b * v / var, g = 0.5 * s * (p * p - c->kappa);
    double h = 0.5 * s * s * c->kin;
    if (!(s > 0.0) || !isfinite(g) || !isfinite(q)) return 0;
    u[0] = g;
    u[1] = g * q;
    info[0] = h;
    info[1] = info[2] = h * q;
    info[3] = h * q * q;
    *w = h;
    return 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * Small stations scatter more about their peers than large ones: on
 * Sirekap 2024 the within-district latent logit variance of turnout (the
 * residual about the district's mean, 1.4826 MAD squared less the
 * binomial) is 0.67 at DPT up to 100, 0.31 at 100-150, 0.20 at 150-200,
 * 0.15 at 200-230 and 0.11 from 260 up, about size^-1.4; the leader's
 * share's about size^-1.0. The peers' fitted variance is their mean, so
 * small stations were judged too narrowly (turnout p < .05 at 11.4% in the
 * smallest DPT fifth against 4.6% in the largest) and large ones too
 * widely. A village's shared effect is the village's, whatever the size
 * of its stations; a station's own effect is what varies with its size.
 * Per stratum, the latent variance at station i is taken as exp(alpha)
 * (f + (1 - f) exp(gamma d_i)), f the village share of the within-district
 * latent variance (baselines.c nested_anova), gamma by Huber's proposal 2
 * (dispersion_term) from (log of the fits' mean logit variance, 0),
 * shrunk as the mean trend's slope. The station's fitted within-district
 * variance is then multiplied by vscale_i, its f + (1 - f) exp(gamma d_i)
 * over the mean of the same over its district's stations of the stratum,
 * weighed by n_j - 1 (the fit's variance is its peers' mean, so weighed:
 * saksi_bb_fit; unweighted, the PIT's sd stayed 1.2% wide on simulated
 * elections with the effect). Moderation (baselines.c moderate) pulls the
 * unscaled variance toward its prior and scales the result, so the prior,
 * a mean over districts, does not undo it (moderated_rho, where a factor
 * that would take a fit to the beta-binomial's reach takes it 99% of the
 * way). On 20 simulated elections with station_sd_size_slope -1.2 the
 * estimate is -1.07 to -1.22 over the six measures; with exp(alpha +
 * gamma d), the whole within-district variance on the slope, it was -0.70
 * to -1.07, and the PIT's sd by size bent (turnout 1.016 at 1-150 voters,
 * 0.993 at 151-200, 1.008 above 280) where the village part stays flat.
 */
static saksi_status dispersion_trend(const saksi_table *t, const trend_data *td,
                                     const saksi_bb *fit, const double *within,
                                     const double *village, double *vscale, double *slope,
                                     saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const uint32_t *dist = t->region_of[SAKSI_LEVEL_DISTRICT];
    double *dc = saksi_malloc_array(t->n + 1, sizeof *dc), *sorted = NULL;
    double lo[SAKSI_NSTRATA], hi[SAKSI_NSTRATA], se2[SAKSI_NSTRATA];
    double theta[SAKSI_NSTRATA][2] = {{0}}, s2[SAKSI_NSTRATA] = {0}, k[SAKSI_NSTRATA] = {0};
    if (!dc || !(sorted = saksi_malloc_array(t->n + 1, sizeof *sorted)))
        SAKSI_ALLOC_FAIL("dispersion trend");
    for (int s = 0; s < SAKSI_NSTRATA; s++) {
        size_t c = 0;
        for (size_t i = 0; i < t->n; i++)
            if (!isnan(td->d[i]) && t->stratum[i] == s) {
                sorted[c++] = td->d[i];
                s2[s] += within[i] / (fit[i].mu * (1.0 - fit[i].mu));
            }
        k[s] = (double)c;
        lo[s] = hi[s] = 0.0;
        if (!c) continue;
        qsort(sorted, c, sizeof *sorted, cmp_double);
        lo[s] = sorted[(size_t)floor(DISPERSION_D_LOW * (double)(c - 1))];
        hi[s] = sorted[(size_t)ceil(DISPERSION_D_HIGH * (double)(c - 1))];
        /* the start: the fits' mean logit variance; none, no trend */
        theta[s][0] = s2[s] > 0.0 ? log(s2[s] / k[s]) : NAN;
    }
    for (size_t i = 0; i < t->n; i++) {
        int s = t->stratum[i];
        dc[i] = isnan(td->d[i]) || isnan(theta[s][0]) ? NAN : fmin(fmax(td->d[i], lo[s]), hi[s]);
    }
    /* psi at c: E psi(Z)^2 = 1 - 2 (c phi(c) + Q(c)) + 2 c^2 Q(c) */
    double c = TREND_HUBER, q = 0.5 * erfc(c / sqrt(2.0));
    double phi = exp(-0.5 * c * c) / sqrt(2.0 * 3.14159265358979323846);
    double kin = 1.0 - 2.0 * (c * phi + q);
    dispersion_ctx ctx = {t, td, fit, within, dc, village, kin + 2.0 * c * c * q, kin};
    trend_data use = {dc, td->x, td->n};
    /* Fisher scoring converges linearly here, ~0.4 of the distance a
     * sweep: to 1e-6, a thirtieth of a simulated election's SE, in about
     * half the sweeps that 1e-10 takes (a sweep is ~0.1 CPU s at 823k
     * stations) */
    trend_solve(t, &use, 2, dispersion_term, &ctx, 1e-6, theta, se2);
    for (int s = 0; s < SAKSI_NSTRATA; s++)
        slope[s] = isnan(theta[s][0]) ? 0.0 : shrunk(theta[s][1], se2[s]);
    /* vscale: the size factor over its district's mean, weighed by n - 1
     * as the fit's moment estimator weighs its peers' rho (saksi_bb_fit) */
    for (size_t first = 0; first < t->n;) {
        size_t end = first;
        double sum[SAKSI_NSTRATA] = {0}, cnt[SAKSI_NSTRATA] = {0};
        for (; end < t->n && dist[end] == dist[first]; end++) {
            int s = t->stratum[end];
            vscale[end] = 1.0;
            if (isnan(dc[end]) || slope[s] == 0.0) continue;
            vscale[end] = size_factor(village[s], slope[s], dc[end]);
            sum[s] += (td->n[end] - 1.0) * vscale[end];
            cnt[s] += td->n[end] - 1.0;
        }
        for (size_t i = first; i < end; i++) {
            int s = t->stratum[i];
            if (isnan(dc[i]) || slope[s] == 0.0 || !(cnt[s] > 0.0)) continue;
            vscale[i] /= sum[s] / cnt[s];
        }
        first = end;
    }
out:
    free(dc);
    free(sorted);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Both                                                                */
/* ------------------------------------------------------------------ */

saksi_status saksi_size_trends(const saksi_table *t, size_t m, const uint8_t *skip,
                               const saksi_lnb_rule *rule, int mean, int dispersion,
                               const double *village, saksi_bb *fit, double *within, double *vscale,
                               double *trend, double *slope, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    trend_data td = {0};
    for (int s = 0; s < SAKSI_NSTRATA; s++)
        trend[s] = slope[s] = 0.0;
    for (size_t i = 0; i < t->n; i++)
        vscale[i] = 1.0;
    if (!mean && !dispersion) return SAKSI_OK;
    td.d = saksi_malloc_array(t->n + 1, sizeof *td.d);
    td.x = saksi_malloc_array(t->n + 1, sizeof *td.x);
    td.n = saksi_malloc_array(t->n + 1, sizeof *td.n);
    if (!td.d || !td.x || !td.n) SAKSI_ALLOC_FAIL("size trends");
    for (size_t i = 0; i < t->n; i++) {
        td.d[i] = NAN;
        if (skip[i] != SAKSI_BSKIP_NONE || !fit[i].ok || !(fit[i].mu > 0.0 && fit[i].mu < 1.0))
            continue;
        saksi_baseline_rate(t, m, i, &td.x[i], &td.n[i]);
        td.d[i] = log(saksi_station_size(t, i, td.n[i])) - fit[i].size_log;
    }
    if (mean) mean_trend(t, &td, rule, fit, within, trend);
    if (dispersion) SAKSI_TRY(dispersion_trend(t, &td, fit, within, village, vscale, slope, err));
out:
    free(td.d);
    free(td.x);
    free(td.n);
    return rc;
}
