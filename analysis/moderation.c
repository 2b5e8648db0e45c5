/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * moderation.c — the prior of the station baselines' moderated variances
 * (Smyth 2004, "Linear models and empirical Bayes methods for assessing
 * differential expression in microarray experiments", SAGMB 3:3, section
 * 6.2; limma's fitFDist): the fits' latent variances s2 on nu degrees of
 * freedom are taken as draws around a scaled inverse chi-square with
 * scale s0^2 on d0 degrees of freedom, whose two parameters come from the
 * moments of log s2.
 */
#include "turnout.h"

#include <gsl/gsl_sf_psi.h>
#include <math.h>

void saksi_prior_add(saksi_prior_sums *ps, double s2, double nu)
{
    ps->k += 1.0;
    ps->mean += s2;
    /* A fit on under 2 df says too little to enter the log moments (its
     * log variance's own variance, trigamma(nu / 2), exceeds 1.6): left
     * out by its df, which leaves the rest a fair sample. A fit with no
     * latent variance is left out by its value, which does not. */
    if (!(nu >= 2.0)) {
        ps->few += 1.0;
        return;
    }
    if (!(s2 > 0.0)) {
        ps->bad += 1.0;
        return;
    }
    double e = log(s2) - gsl_sf_psi(nu / 2.0) + log(nu / 2.0);
    ps->e += e;
    ps->ee += e * e;
    ps->tri += gsl_sf_psi_1(nu / 2.0);
}

double saksi_trigamma_inverse(double y)
{
    if (y > 1e7) return 1.0 / sqrt(y); /* trigamma(x) ~ 1 / x^2 near 0 */
    if (y < 1e-6) return 1.0 / y;      /* trigamma(x) ~ 1 / x for large x */
    double x = 0.5 + 1.0 / y;
    for (int it = 0; it < 50; it++) {
        double tri = gsl_sf_psi_1(x), dif = tri * (1.0 - tri / y) / gsl_sf_psi_n(2, x);
        x += dif;
        if (-dif / x < 1e-8) break;
    }
    return x;
}

int saksi_prior_fit(const saksi_prior_sums *ps, double fallback, double *d0, double *s0)
{
    *d0 = fallback;
    *s0 = ps->k > 0.0 ? ps->mean / ps->k : NAN;
    double n = ps->k - ps->few - ps->bad;
    if (n < SAKSI_PRIOR_MIN_FITS || ps->bad > 0.01 * (ps->k - ps->few)) return 0;
    double mean = ps->e / n;
    double scatter = (ps->ee - n * mean * mean) / (n - 1.0) - ps->tri / n;
    if (!(scatter > 0.0)) return 0;
    *d0 = 2.0 * saksi_trigamma_inverse(scatter);
    *s0 = exp(mean + gsl_sf_psi(*d0 / 2.0) - log(*d0 / 2.0));
    return 1;
}

/*
 * A fit that rests on peers of other districts carries their mean scale,
 * not its district's own (a special TPS's: its district holds none of its
 * stratum, so its fit is its regency's or province's). Districts differ
 * in how heterogeneous their stations are, by as much as the regular
 * stratum's prior says (a scaled inverse chi-square on d0r df), so the
 * part u of the station's latent variance that scales with its district
 * is uncertain on d0r df, and Satterthwaite's sum with the fit's own
 * uncertainty gives 1 / (1 / df + u^2 / d0r) df. A mixture of scales keeps
 * the mean variance, the fit's, so rho is divided by the added part of
 * the t's inflation nu / (nu - 2): the tails grow, the spread does not.
 * Only above 4 df, where the t's kurtosis is finite; a smaller result is
 * held at 4.
 */
double saksi_unknown_scale_df(double df, double u, double d0r, double *rho)
{
    if (!(u > 0.0) || !(d0r > 0.0) || !(df > 4.0)) return df;
    double nu = 1.0 / (1.0 / df + u * u / d0r);
    if (nu < 4.0) nu = 4.0;
    *rho *= (df / (df - 2.0)) / (nu / (nu - 2.0));
    return nu;
}
