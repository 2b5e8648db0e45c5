/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * distributions.c — keyed Philox4x32-10 streams and the samplers the
 * election generator draws from: uniform, normal, gamma, beta, Dirichlet,
 * binomial and multinomial. Every sampler is exact up to double rounding
 * and consumes its stream in a fixed order, so output is byte-identical
 * from run to run.
 */
#define _POSIX_C_SOURCE 200809L
#include "generator.h"

#include <math.h>
#include <pthread.h>

void saksi_sim_stream_init(saksi_sim_stream *s, uint64_t seed, uint64_t entity, uint32_t purpose)
{
    s->key[0] = (saksi_u32)seed;
    s->key[1] = (saksi_u32)(seed >> 32);
    s->ctr.v[0] = (saksi_u32)entity;
    s->ctr.v[1] = (saksi_u32)(entity >> 32);
    s->ctr.v[2] = purpose;
    s->ctr.v[3] = 0;
    s->pos = 4;
    s->have_spare = 0;
    s->spare = 0.0;
}

saksi_u32 saksi_sim_u32(saksi_sim_stream *s)
{
    if (s->pos == 4) {
        saksi_philox_ctr out = saksi_philox4x32_10(s->ctr, s->key[0], s->key[1]);
        for (int j = 0; j < 4; j++)
            s->buf[j] = out.v[j];
        s->ctr.v[3]++;
        s->pos = 0;
    }
    return s->buf[s->pos++];
}

double saksi_sim_uniform(saksi_sim_stream *s)
{
    /* 27 + 26 bits, the construction of genrand_res53 (Matsumoto). */
    saksi_u32 a = saksi_sim_u32(s) >> 5, b = saksi_sim_u32(s) >> 6;
    return ((double)a * 67108864.0 + (double)b) * (1.0 / 9007199254740992.0);
}

double saksi_sim_uniform_pos(saksi_sim_stream *s)
{
    saksi_u32 a = saksi_sim_u32(s) >> 5, b = saksi_sim_u32(s) >> 6;
    return ((double)a * 67108864.0 + (double)b + 0.5) * (1.0 / 9007199254740992.0);
}

uint32_t saksi_sim_below(saksi_sim_stream *s, uint32_t n)
{
    /* Reject the top partial copy of [0, n) so every value is equally likely. */
    saksi_u32 limit = (saksi_u32)(UINT32_MAX - (UINT32_MAX % n + 1) % n);
    for (;;) {
        saksi_u32 x = saksi_sim_u32(s);
        if (x <= limit) return x % n;
    }
}

double saksi_sim_normal(saksi_sim_stream *s)
{
    if (s->have_spare) {
        s->have_spare = 0;
        return s->spare;
    }
    /* Marsaglia polar method: only log and sqrt, no trigonometry. */
    for (;;) {
        double x = 2.0 * saksi_sim_uniform(s) - 1.0, y = 2.0 * saksi_sim_uniform(s) - 1.0;
        double r2 = x * x + y * y;
        if (r2 >= 1.0 || r2 == 0.0) continue;
        double f = sqrt(-2.0 * log(r2) / r2);
        s->spare = y * f;
        s->have_spare = 1;
        return x * f;
    }
}

double saksi_sim_gamma(saksi_sim_stream *s, double shape)
{
    if (shape < 1.0) {
        /* Gamma(a) = Gamma(a + 1) * U^(1/a) (Marsaglia & Tsang 2000, sec. 6). */
        double g = saksi_sim_gamma(s, shape + 1.0);
        return g * pow(saksi_sim_uniform_pos(s), 1.0 / shape);
    }
    double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x = saksi_sim_normal(s), v = 1.0 + c * x;
        if (v <= 0.0) continue;
        v = v * v * v;
        double u = saksi_sim_uniform_pos(s), x2 = x * x;
        /* the squeeze, then the exact test */
        if (u < 1.0 - 0.0331 * x2 * x2) return d * v;
        if (log(u) < 0.5 * x2 + d * (1.0 - v + log(v))) return d * v;
    }
}

double saksi_sim_beta(saksi_sim_stream *s, double a, double b)
{
    double x = saksi_sim_gamma(s, a), y = saksi_sim_gamma(s, b);
    return x / (x + y);
}

void saksi_sim_dirichlet(saksi_sim_stream *s, const double *alpha, size_t k, double *out)
{
    double sum = 0.0;
    for (size_t i = 0; i < k; i++) {
        out[i] = saksi_sim_gamma(s, alpha[i]);
        sum += out[i];
    }
    for (size_t i = 0; i < k; i++)
        out[i] /= sum;
}

double saksi_sim_logistic(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

double saksi_sim_logit(double p)
{
    return log(p / (1.0 - p));
}

/* log(k!) for k <= SAKSI_SIM_BINOM_INVERSION_MAX, filled once (pthread_once
 * keeps it safe when several threads simulate). A running sum of log(k) in
 * a fixed order, so the table is the same bytes on every run. */
static double log_fact[SAKSI_SIM_BINOM_INVERSION_MAX + 1];
static pthread_once_t log_fact_once = PTHREAD_ONCE_INIT;

static void log_fact_init(void)
{
    double acc = 0.0;
    log_fact[0] = 0.0;
    for (int k = 1; k <= SAKSI_SIM_BINOM_INVERSION_MAX; k++) {
        acc += log((double)k);
        log_fact[k] = acc;
    }
}

/*
 * Binomial(n, p) for n <= SAKSI_SIM_BINOM_INVERSION_MAX, p <= 1/2: inversion
 * of one uniform, with the cumulative sum taken outward from the mode
 * (mode, mode-1, mode+1, mode-2, ...), which visits about 1.6 sd terms
 * instead of n p. Successive terms follow from the pmf ratio; the mode's
 * pmf from the log-factorial table. Mass lost to double rounding (below
 * 1e-15) goes to the mode.
 */
static int32_t binomial_inversion(saksi_sim_stream *s, int32_t n, double p)
{
    double q = 1.0 - p, r = p / q;
    int32_t m = (int32_t)floor((double)(n + 1) * p);
    if (m > n) m = n;
    double pm = exp(log_fact[n] - log_fact[m] - log_fact[n - m] + (double)m * log(p) +
                    (double)(n - m) * log1p(-p));
    double u = saksi_sim_uniform(s) - pm;
    if (u < 0.0) return m;
    int32_t lo = m, hi = m;
    double plo = pm, phi = pm;
    while (lo > 0 || hi < n) {
        if (lo > 0) {
            /* pmf(k-1) = pmf(k) * k / ((n - k + 1) r) */
            plo *= (double)lo / ((double)(n - lo + 1) * r);
            lo--;
            u -= plo;
            if (u < 0.0) return lo;
        }
        if (hi < n) {
            /* pmf(k+1) = pmf(k) * (n - k) r / (k + 1) */
            phi *= (double)(n - hi) * r / (double)(hi + 1);
            hi++;
            u -= phi;
            if (u < 0.0) return hi;
        }
    }
    return m;
}

int32_t saksi_sim_binomial(saksi_sim_stream *s, int32_t n, double p)
{
    pthread_once(&log_fact_once, log_fact_init);
    if (n <= 0 || p <= 0.0) return 0;
    if (p >= 1.0) return n;
    if (p > 0.5) return n - saksi_sim_binomial(s, n, 1.0 - p);
    /* Knuth's splitting (TAOCP vol. 2, 3.4.1 exercise 27 / algorithm in the
     * text): the a-th smallest of n uniforms is Beta(a, n + 1 - a); count
     * the uniforms below p on whichever side of it p falls. Exact, and it
     * halves n per step, so inversion only ever sees small n. */
    int32_t acc = 0;
    while (n > SAKSI_SIM_BINOM_INVERSION_MAX) {
        int32_t a = 1 + n / 2, b = n + 1 - a;
        double x = saksi_sim_beta(s, (double)a, (double)b);
        if (x >= p) {
            n = a - 1;
            p = p / x;
        } else {
            acc += a;
            n = b - 1;
            p = (p - x) / (1.0 - x);
        }
    }
    if (p <= 0.0 || n == 0) return acc;
    if (p >= 1.0) return acc + n;
    if (p > 0.5) return acc + n - binomial_inversion(s, n, 1.0 - p);
    return acc + binomial_inversion(s, n, p);
}

void saksi_sim_multinomial(saksi_sim_stream *s, int32_t n, const double *p, size_t k, int32_t *out)
{
    double rest = 1.0;
    for (size_t i = 0; i + 1 < k; i++) {
        /* conditional probability of category i among those left */
        double pi = rest > 0.0 ? p[i] / rest : 0.0;
        if (pi > 1.0) pi = 1.0; /* rounding of rest: p[i] is the whole remainder */
        out[i] = saksi_sim_binomial(s, n, pi);
        n -= out[i];
        rest -= p[i];
    }
    out[k - 1] = n;
}
