/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * betabin.c — the beta-binomial distribution that every station-level null
 * of saksi rests on (DESIGN §4 "Null models"): its pmf by recurrence, the
 * two-sided mid-p of an observed count, and the method-of-moments fit of
 * mean and intra-class correlation from a set of (count, size) pairs, with
 * O(1) leave-one-out from running sums.
 */
#include "analysis.h"

#include <math.h>
#include <string.h>

/* Below this intra-class correlation the beta-binomial is a binomial to
 * double precision for n <= 10^4, and a, b = mu (1-rho)/rho overflow. */
#define RHO_BINOMIAL 1e-12

void saksi_bb_sums_add_sized(saksi_bb_sums *s, double x, double n, double size, double sign)
{
    s->k += sign;
    s->n += sign * n;
    s->nn += sign * n * n;
    s->x += sign * x;
    s->xx_n += sign * x * x / n;
    s->nl += size > 0.0 ? sign * n * log(size) : 0.0;
}

void saksi_bb_sums_add(saksi_bb_sums *s, double x, double n, double sign)
{
    saksi_bb_sums_add_sized(s, x, n, n, sign);
}

/*
 * Method of moments for the beta-binomial (Kleinman 1973, JASA 68:46-54):
 * with N = sum n_i, p = sum x_i / N and S = sum n_i (x_i/n_i - p)^2,
 *   E[S] = p (1 - p) [ sum (1 - n_i/N) + rho sum (n_i - 1)(1 - n_i/N) ],
 * solved for rho. S = sum x_i^2/n_i - N p^2, and the two sums are
 * K - 1 and N - K + 1 - (sum n_i^2) / N, all from running sums.
 */
int saksi_bb_fit(const saksi_bb_sums *s, saksi_bb *out)
{
    memset(out, 0, sizeof *out);
    if (s->k < 2.0 || s->n <= 0.0)
        return 0;
    double p = s->x / s->n;
    double S = s->xx_n - s->n * p * p;
    double a = s->k - 1.0;                   /* sum (1 - n_i/N)          */
    double b = s->n - s->k + 1.0 - s->nn / s->n; /* sum (n_i - 1)(1 - n_i/N) */
    out->mu = p;
    out->size_log = s->nl / s->n;
    out->ok = 1;
    if (p <= 0.0 || p >= 1.0 || b <= 0.0) {
        out->rho = 0.0; /* a degenerate rate: no spread to measure */
        return 1;
    }
    double rho = (S / (p * (1.0 - p)) - a) / b;
    /* The estimator can fall outside the parameter space [0, 1) by chance:
     * an under-dispersed sample means rho = 0 (binomial), not negative. */
    out->rho = rho < 0.0 ? 0.0 : rho > 1.0 - 1e-9 ? 1.0 - 1e-9 : rho;
    return 1;
}

void saksi_bb_shrink(const saksi_bb *local, double k_local, const saksi_bb *wide, double k0,
                     saksi_bb *out)
{
    if (!local->ok) {
        *out = *wide;
        return;
    }
    if (!wide->ok) {
        *out = *local;
        return;
    }
    double w = k_local / (k_local + k0);
    out->ok = 1;
    out->mu = w * local->mu + (1.0 - w) * wide->mu;
    out->rho = w * local->rho + (1.0 - w) * wide->rho;
    out->size_log = w * local->size_log + (1.0 - w) * wide->size_log;
}

double saksi_shrunk_peers(double k_local, double k_wide, double k0)
{
    if (k_local < 2.0) return k_wide;
    if (k_wide < 1.0) return k_local;
    double w = k_local / (k_local + k0);
    return 1.0 / (w * w / k_local + (1.0 - w) * (1.0 - w) / k_wide);
}

/*
 * A shrunk fit's variance is a weighted sum of two estimates, so its
 * precision is Satterthwaite's, (a + c)^2 / (a^2 / (k_l - 1) + c^2 / (k_w
 * - 1)) df with a = w rho_local and c = (1 - w) rho_wide, not the
 * saksi_shrunk_peers of its mean: a special TPS's fit from 3 regency peers
 * shrunk toward 16 of its province has a mean worth 6.5 stations and a
 * variance on ~10 df. With the mean's count the predictive t of the
 * special TPS's shares was too heavy, their PIT's sd 0.977-0.979 on clean
 * elections (1.020-1.029 with no t at all); with this, 0.996-1.004.
 */
double saksi_shrunk_variance_peers(const saksi_bb *local, double k_local, const saksi_bb *wide,
                                   double k_wide, double k0)
{
    double w = local->ok ? k_local / (k_local + k0) : 0.0;
    double a = w * local->rho, c = wide->ok ? (1.0 - w) * wide->rho : 0.0;
    double den = (k_local > 1.0 ? a * a / (k_local - 1.0) : 0.0) +
                 (k_wide > 1.0 ? c * c / (k_wide - 1.0) : 0.0);
    return den > 0.0 ? 1.0 + (a + c) * (a + c) / den : 0.0;
}

/*
 * A shrunk fit's latent variance, w rho_local + (1 - w) rho_wide, holds
 * the error of the local mean (the wide fit's spread includes the local
 * means' spread about it, and (1 - w) of it is the empirical-Bayes error)
 * but not the error of the wide mean itself. That mean, sum x / N, weighs
 * each station by its size n, so under the beta-binomial its variance in
 * rho's units is rho sum n^2 / N^2 + (1 - rho) / N (latent plus
 * binomial): rho / k and 1 / N for k stations of one size, and 2.5 times
 * the latent part for the simulator's overseas missions, whose sizes are
 * lognormal with sdlog 0.95 (their PIT sd 1.015 with rho / k, N).
 * Negligible for a regular station (a regency of hundreds,
 * (1 - w)^2 ~ 0.01), it is not for a stratum whose fit is its regency's
 * or province's: a special TPS's turnout, from ~16 province peers, was
 * 1.7% too narrow in sd on clean elections (the PIT's probit sd 1.017;
 * with this term 0.995). A regency of one district is the local fit
 * itself: w = 0 there (saksi_peers_fit), and the whole error is added
 * (an overseas mission's turnout: 1.022 -> 1.005).
 */
double saksi_bb_wide_error(const saksi_bb *shrunk, const saksi_bb *local, double k_local,
                           const saksi_bb *wide, const saksi_bb_sums *ws, double k0)
{
    if (!wide->ok || !(ws->k >= 1.0) || !(ws->n >= 1.0)) return shrunk->rho;
    double w = local->ok ? k_local / (k_local + k0) : 0.0;
    double error = wide->rho * ws->nn / (ws->n * ws->n) + (1.0 - wide->rho) / ws->n;
    double rho = shrunk->rho + (1.0 - w) * (1.0 - w) * error;
    /* below 1 always but at fits of rho near 1 (never seen): kept as it is */
    return rho < 1.0 ? rho : shrunk->rho;
}

double saksi_clustered_peers(double f, double k, double q)
{
    return 1.0 / (f * q / (k * k) + (1.0 - f) / k);
}

/*
 * saksi_bb_shrink for a station judged by the peers of its district
 * outside its own village (k peers in villages of sizes m_v, q = sum
 * m_v^2). Latent effects village + station of variance W within the
 * district, share f of it the village's; binomial noise b per station;
 * district means spread B about the regency's, k0 = (W + b) / B.
 *
 * - The peers' spread sees the village part only between villages: the
 *   fit's latent variance has expectation W ((1 - f) + f (k - q/k) /
 *   (k - 1)) (the clustered sample variance), so W is the fit's over that.
 * - Their mean errs by f W q / k^2 + ((1 - f) W + b) / k, the error of
 *   saksi_clustered_peers(f W / (W + b), k, q) independent stations; the
 *   empirical-Bayes weight of the district is k_e / (k_e + k0), and the
 *   shrunk mean's error (1 - w) B = (W + b) / (k_e + k0).
 * - The predictive's latent variance is W plus that error; *within = W
 *   keeps the error apart, so that moderation (baselines.c) pulls W alone
 *   toward the stratum's prior.
 *
 * Where the village share is 0 or fewer than 2 peers remain,
 * saksi_bb_shrink with k_local = k (and *within its rho).
 */
int saksi_bb_shrink_villages(const saksi_bb *local, const saksi_bb_sums *sums, double q, double f,
                             const saksi_bb *wide, double k0, saksi_bb *out, double *within)
{
    double k = sums->k;
    if (!local->ok || !wide->ok || !(f > 0.0) || k < 2.0) {
        saksi_bb_shrink(local, k, wide, k0, out);
        *within = out->rho;
        return 0;
    }
    double spread = (1.0 - f) + f * (k - q / k) / (k - 1.0);
    double W = local->rho / spread;
    if (!(W < 1.0)) W = local->rho; /* beyond a beta-binomial's reach (never seen) */
    double noise = (1.0 - W) * k / sums->n; /* b in rho's units, (1 - rho) / n, mean n */
    double k_e = saksi_clustered_peers(f * W / (W + noise), k, q);
    double w = k_e / (k_e + k0);
    out->ok = 1;
    out->mu = w * local->mu + (1.0 - w) * wide->mu;
    out->size_log = w * local->size_log + (1.0 - w) * wide->size_log;
    out->rho = W + (W + noise) / (k_e + k0);
    *within = W;
    return 1;
}

/* pmf of BetaBin(n, mu, rho) into p[0..n] by the ratio recurrence
 * p(k+1)/p(k) = (n-k)/(k+1) * (k+a)/(n-k-1+b), a = mu (1-rho)/rho,
 * b = (1-mu)(1-rho)/rho, then normalised (the sum is 1 up to rounding). */
void saksi_bb_pmf(int n, double mu, double rho, double *p)
{
    if (n == 0) {
        p[0] = 1.0;
        return;
    }
    if (mu <= 0.0 || mu >= 1.0) {
        for (int k = 0; k <= n; k++)
            p[k] = 0.0;
        p[mu <= 0.0 ? 0 : n] = 1.0;
        return;
    }
    int binomial = rho < RHO_BINOMIAL;
    double a = binomial ? 0.0 : mu * (1.0 - rho) / rho;
    double b = binomial ? 0.0 : (1.0 - mu) * (1.0 - rho) / rho;
    /* Unnormalised: p(0) = 1, then the recurrence, rescaled if it grows
     * (terms far below the mode may then underflow to 0: they are). */
    double total = 0.0;
    p[0] = 1.0;
    for (int k = 0; k < n; k++) {
        double r = binomial ? ((double)(n - k) / (k + 1)) * (mu / (1.0 - mu))
                            : ((double)(n - k) / (k + 1)) * ((k + a) / (n - k - 1 + b));
        p[k + 1] = p[k] * r;
        if (p[k + 1] > 1e250) { /* rescale everything so far */
            for (int j = 0; j <= k + 1; j++)
                p[j] *= 1e-250;
        }
    }
    for (int k = 0; k <= n; k++)
        total += p[k];
    for (int k = 0; k <= n; k++)
        p[k] /= total;
}

double saksi_bb_midp(int x, int n, const double *p)
{
    double below = 0.0, above = 0.0;
    for (int k = 0; k < x; k++)
        below += p[k];
    for (int k = x + 1; k <= n; k++)
        above += p[k];
    double lo = below + 0.5 * p[x], hi = above + 0.5 * p[x];
    double two = 2.0 * (lo < hi ? lo : hi);
    return two > 1.0 ? 1.0 : two;
}
