/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * student.c — Student's t on the log scale, for the station baselines'
 * latent logit (lnbin.c): log F(z), and the log density, with log B(nu/2,
 * 1/2) computed once per station. GSL's gsl_cdf_tdist_P recomputes it on
 * every call (three gamma functions through gsl_sf_lnbeta), and the tail
 * integrals call the CDF some 60 times per station and measure: it was a
 * fifth of a whole audit's time (perf on Russia 2021: gsl_sf_gammastar_e
 * 16%, gsl_sf_log_1plusx_e 5%). The incomplete beta is the same continued
 * fraction GSL evaluates (modified Lentz), and the tail is kept on the log
 * scale, so a t far out neither underflows nor loses digits to 1 - F.
 * Near the centre of a t of many df GSL's cheaper shortcut stays (below).
 */
#include "turnout.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>

#define LOG_HALF -0.69314718055994530942

saksi_student saksi_student_of(double nu)
{
    /* GSL's lnbeta, not a difference of lgammas: at nu ~ 10^4 those are
     * ~4e4 each and their difference loses 4e-12 */
    saksi_student t = {nu, gsl_sf_lnbeta(0.5 * nu, 0.5)};
    return t;
}

/* The continued fraction of I_x(a, b) (its prefactor x^a (1-x)^b /
 * (a B(a, b)) apart), by the modified Lentz method; it converges fast for
 * x < (a + 1) / (a + b + 2), where it is used. */
static double beta_fraction(double a, double b, double x)
{
    const double tiny = 1e-300, eps = 4e-16;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    d = 1.0 / (fabs(d) < tiny ? tiny : d);
    double h = d;
    for (int m = 1; m <= 1000; m++) {
        for (int odd = 0; odd < 2; odd++) {
            double num = odd ? -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1.0))
                             : m * (b - m) * x / ((a + 2 * m - 1.0) * (a + 2 * m));
            d = 1.0 + num * d;
            c = 1.0 + num / c;
            d = 1.0 / (fabs(d) < tiny ? tiny : d);
            c = fabs(c) < tiny ? tiny : c;
            h *= d * c;
            if (odd && fabs(d * c - 1.0) < eps) return h;
        }
    }
    return h; /* not reached for a, b > 0 on the convergent side */
}

/* log P(|T| > |z|) = log I_x(nu/2, 1/2), x = nu / (nu + z^2). */
static double log_two_sided(double z, const saksi_student *t)
{
    double a = 0.5 * t->nu, b = 0.5, z2 = z * z, x = t->nu / (t->nu + z2), y = z2 / (t->nu + z2);
    if (x < (a + 1.0) / (a + b + 2.0))
        return a * log(x) + b * log(y) - log(a) - t->log_beta + log(beta_fraction(a, b, x));
    if (!(y > 0.0)) return 0.0; /* z = 0: the whole line */
    /* I_x(a, b) = 1 - I_y(b, a) */
    double ly = b * log(y) + a * log(x) - log(b) - t->log_beta + log(beta_fraction(b, a, y));
    return log1p(-exp(ly));
}

double saksi_student_log_cdf(double z, const saksi_student *t)
{
    /* Beyond 30 df and within 5 of the centre, GSL's own shortcut, a
     * Cornish-Fisher expansion to the normal, is within 2e-11 of the
     * fraction (tests/test_baselines.c) and several times cheaper: most
     * station fits rest on 30 to 100 df and most of a tail integral's
     * nodes lie there. GSL uses it out to sqrt(10 nu), where it is off by
     * up to 1e-6 relative (nu = 40, z = -19.9). */
    if (t->nu > 30.0 && z * z < 25.0) return log(gsl_cdf_tdist_P(z, t->nu));
    double l = log_two_sided(z, t);
    return z < 0.0 ? LOG_HALF + l : log1p(-0.5 * exp(l));
}

double saksi_student_log_pdf(double z, const saksi_student *t)
{
    return -0.5 * log(t->nu) - t->log_beta - 0.5 * (t->nu + 1.0) * log1p(z * z / t->nu);
}
