/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * share_skew.c — the skewness of a candidate's latent logit when the
 * shares are a softmax of per-candidate effects (the simulator's model,
 * and Aitchison's logistic-normal with an isotropic covariance: eta_j =
 * log q_j + e_j, e_j independent N(0, sigma^2), share_k = exp eta_k / sum
 * exp eta_j). The logit of share
 * k is eta_k - LSE(eta_j, j != k), LSE the log-sum-exp of the others: a
 * convex function of normals, right-skewed, so the logit is left-skewed.
 * With two candidates it is normal; with three, a minor candidate's latent
 * logit at a station sd of 0.37 has skewness about -0.02 — small, yet
 * where the predictive's law is symmetric it left the minor candidates'
 * randomized p 1-6% liberal on clean elections (the PIT's probit skewed
 * -0.013 to -0.017, and its sd 1.002-1.004; measured in a model of the
 * softmax alone, known mean and variance, the same: skew -0.016, sd
 * 1.001-1.003). With this skewness in the null's law (lnbin.c) the PIT's
 * skew is -0.002 to -0.003 (SE 0.003) on 20 clean elections of 200k.
 *
 * The skewness is derived from the structure, not fitted to the stations'
 * third moments: a vote transfer skews a share the same way, and a null
 * that learned its skew from the data would learn the fraud.
 */
#include "turnout.h"

#include <math.h>

#define SQRT2   1.41421356237309504880
#define SQRT_PI 1.77245385090551602730

/* log(1 + e^x) without overflow. */
static double softplus(double x)
{
    return x > 0.0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

/*
 * The others' LSE is written as the largest other's effect plus the
 * softplus of the rest's against it: LSE = eta_top + softplus(D + delta),
 * D = log(rest / top), delta = e_rest - e_top, where the rest's own LSE is
 * taken as normal on sigma^2 sum v_j^2 (v_j its members' weights, the
 * first-order variance; exact with three candidates, where the rest is one
 * candidate). e_top = alpha delta + an independent normal, alpha =
 * -sigma^2 / tau^2, tau^2 = Var delta, so the third cumulant of the LSE is
 * that of alpha delta + softplus(D + delta): one integral over delta, by
 * the 10 Gauss-Hermite nodes of the tail rule. For three candidates it is
 * the cumulant itself (against a two-dimensional sum in
 * tests/test_baselines.c: within 4e-6 relative at a station sd of 0.55;
 * 16 nodes cost a third more for 1e-6).
 *
 * With more candidates the rest's own skew is missing from the integral,
 * and it is not small where the rest holds a party as large as the top
 * one. Its leading order is added back: to order sigma^4 the third
 * cumulant of the LSE of independent N(0, sigma^2) effects with weights w
 * is 3 sigma^4 (sum w^3 - (sum w^2)^2) (the LSE's gradient is w and its
 * Hessian diag(w) - w w'; for y = a'x + x'Bx/2, k3 = 3 a'SBSa + ...), and
 * the integral's two-part model has 3 sigma^4 w_t w_r (w_t - w_r vv)^2
 * (top and rest of weights w_t, w_r, the rest's variance sigma^2 vv);
 * their difference is 0 with three candidates. Against a tensor
 * Gauss-Hermite sum over the others (numpy, 24 nodes a dimension), four
 * and five candidates at station sds of 0.37 and 0.55: 92-113% of the
 * cumulant, where the integral alone gave 25-111% (25-40% for others of
 * 0.45, 0.45 and 0.05). sigma^2 comes from the logit's variance, s2 =
 * sigma^2 (1 + sum w_j^2) to first order (w_j the others' weights).
 */
double saksi_share_logit_skew(const double *q, size_t k, size_t self, double s2,
                              const saksi_lnb_rule *r)
{
    double total = 0.0, top = 0.0, ww = 0.0, www = 0.0, vv = 0.0;
    size_t others = 0, itop = self;
    if (!(s2 > 0.0) || !isfinite(s2)) return 0.0;
    for (size_t j = 0; j < k; j++)
        if (j != self && q[j] > 0.0) {
            others++;
            total += q[j];
            if (q[j] > top) {
                top = q[j];
                itop = j;
            }
        }
    if (others < 2) return 0.0;
    double rest = total - top;
    for (size_t j = 0; j < k; j++)
        if (j != self && q[j] > 0.0) {
            double w = q[j] / total;
            ww += w * w;
            www += w * w * w;
            if (j != itop) vv += (q[j] / rest) * (q[j] / rest);
        }
    double sigma2 = s2 / (1.0 + ww), tau2 = sigma2 * (1.0 + vv), alpha = -sigma2 / tau2;
    double wt = top / total, wr = rest / total;
    double rest_skew =
        3.0 * sigma2 * sigma2 * (www - ww * ww - wt * wr * (wt - wr * vv) * (wt - wr * vv));
    double d = log(rest / top), tau = sqrt(tau2), m = 0.0, m3 = 0.0, y[SAKSI_LNB_TAIL_NODES];
    for (size_t i = 0; i < SAKSI_LNB_TAIL_NODES; i++) {
        double delta = SQRT2 * tau * r->tt[i];
        y[i] = alpha * delta + softplus(d + delta);
        m += r->tw[i] / SQRT_PI * y[i];
    }
    for (size_t i = 0; i < SAKSI_LNB_TAIL_NODES; i++) {
        double c = y[i] - m;
        m3 += r->tw[i] / SQRT_PI * c * c * c;
    }
    return -(m3 + rest_skew) / (s2 * sqrt(s2));
}
