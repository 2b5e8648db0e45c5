/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * calibrate.c — the model behind `saksi calibrate` (DESIGN §5): a
 * hierarchical overdispersed model of a clean election fitted to an input
 * (random-effect sds per level by nested moments, intercepts per stratum,
 * a dispersion multiplier per district), and the simulation of clean
 * elections on the input's own station list (ids, regions, strata, sizes,
 * ballots received and missing cells), with the samplers and keyed
 * Philox streams of the election simulator (datasets/generator).
 */
#include "analysis.h"

#include "../datasets/generator/generator.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Stream purposes of the calibration's draws: (replicate << 8) | kind. */
#define PURPOSE_EFFECT  0x41
#define PURPOSE_STATION 0x42
#define PURPOSE_SHARES  0x43
/* Monte Carlo sample of the effects for the candidates' intercepts (as the
 * simulator calibrates its own, simulate.c CALIB_SAMPLE). */
#define SHARE_SAMPLE 512
#define SHARE_ITER   200
/* Midpoint rule for E[logistic(mu + sd Z)] and the bisection on mu. */
#define GRID_HALF  10.0
#define GRID_STEPS 2000
/* Ballot reserve of a regular TPS, ceil(2%), PKPU 25/2023. */
#define RESERVE_NUM 2
#define RESERVE_DEN 100
/* Defaults where the input cannot say (no such column, no usable station):
 * the simulator's national targets (datasets/README.md). */
#define DEFAULT_TURNOUT 0.80
#define DEFAULT_INVALID 0.022
#define DEFAULT_ADDED   0.05
#define DEFAULT_SPOILED 0.01
#define DEFAULT_DPTB    0.75

static double elogit(double x, double n)
{
    return log((x + 0.5) / (n - x + 0.5));
}

/*
 * Sampling variance of the empirical logit of X ~ Binomial(n, p), summed
 * exactly over mu +- EVAR_SPAN sd. The delta method's 1/(x + 1/2) +
 * 1/(n - x + 1/2) overstates it for rare counts (invalid votes: about 5 a
 * station), and subtracting too much sampling variance took the station
 * sd of the invalid share from the generator's 0.50 down to 0.31 (60,000
 * simulated stations); the exact sum recovers it.
 */
#define EVAR_SPAN 10.0
static double evar_exact(int32_t n, double p)
{
    double mu = n * p, sd = sqrt(n * p * (1 - p));
    int32_t lo = (int32_t)fmax(0.0, floor(mu - EVAR_SPAN * sd - 2));
    int32_t hi = (int32_t)fmin((double)n, ceil(mu + EVAR_SPAN * sd + 2));
    double lp = log(p), lq = log1p(-p), lgn = lgamma(n + 1.0), m1 = 0, m2 = 0, tot = 0;
    if (!(p > 0 && p < 1)) return 0.0;
    for (int32_t k = lo; k <= hi; k++) {
        double w = exp(lgn - lgamma(k + 1.0) - lgamma(n - k + 1.0) + k * lp + (n - k) * lq);
        double e = elogit(k, n);
        tot += w;
        m1 += w * e;
        m2 += w * e * e;
    }
    m1 /= tot;
    return m2 / tot - m1 * m1;
}

static int32_t get(const saksi_table *t, int f, size_t i)
{
    return saksi_table_get(t, f, i);
}

static int have(int32_t v)
{
    return v != SAKSI_MISSING && v >= 0;
}

/* Count x of size n of quantity q at station i; 0 when not usable. */
static int q_rate(const saksi_table *t, int q, size_t i, int32_t *x, int32_t *n)
{
    int32_t a, b, c, d;
    switch (q) {
    case SAKSI_CALIB_TURNOUT:
        a = get(t, SAKSI_F_VOTERS_DPT, i);
        if (!have(a)) a = get(t, SAKSI_F_VOTERS_TOTAL, i);
        if (!have(a)) a = get(t, SAKSI_F_TOTAL, i);
        b = get(t, SAKSI_F_REGISTERED, i);
        break;
    case SAKSI_CALIB_INVALID:
        a = get(t, SAKSI_F_INVALID, i);
        c = get(t, SAKSI_F_VALID, i);
        b = have(a) && have(c) ? a + c : SAKSI_MISSING;
        break;
    default:
        a = get(t, SAKSI_F_VOTERS_DPTB, i);
        c = get(t, SAKSI_F_VOTERS_DPK, i);
        a = have(a) && have(c) ? a + c : SAKSI_MISSING;
        b = get(t, SAKSI_F_BALLOTS_RECEIVED, i);
        c = get(t, SAKSI_F_VOTERS_DPT, i);
        d = get(t, SAKSI_F_BALLOTS_SPOILED, i);
        b = have(b) && have(c) && have(d) ? b - c - d : SAKSI_MISSING;
        break;
    }
    if (!have(a) || !have(b) || b < 1 || a > b) return 0;
    *x = a;
    *n = b;
    return 1;
}

/* ------------------------------------------------------------------ */
/* Nested moments                                                      */
/* ------------------------------------------------------------------ */

/*
 * Random-effect sds of one quantity from y[i] (empirical logits) with
 * sampling variances v[i] at the stations where use[i]: the pooled spread
 * of stations within villages, of village means within districts, ...,
 * of province means in the nation, each minus what the levels below and
 * the sampling contribute (for k independent means x_r of variances V_r,
 * E sum (x_r - mean)^2 = (1 - 1/k) sum V_r). ssd/dfd (optional, per
 * district) receive the within-village spread net of sampling and its
 * degrees of freedom, for the district multipliers.
 */
static saksi_status components(const saksi_table *t, const double *y, const double *v,
                               const uint8_t *use, double sd[SAKSI_NLEVELS], double *ssd,
                               double *dfd, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    double *mean[SAKSI_NLEVELS] = {NULL}, *noise[SAKSI_NLEVELS] = {NULL};
    double *acc = NULL, *accn = NULL;
    uint32_t *cnt[SAKSI_NLEVELS] = {NULL};
    const int V = SAKSI_LEVEL_VILLAGE, D = SAKSI_LEVEL_DISTRICT;
    for (int l = 0; l < SAKSI_NLEVELS; l++) {
        size_t nr = t->regions[l].n ? t->regions[l].n : 1;
        mean[l] = saksi_calloc_array(nr, sizeof *mean[l]);
        noise[l] = saksi_calloc_array(nr, sizeof *noise[l]);
        cnt[l] = saksi_calloc_array(nr, sizeof *cnt[l]);
        if (!mean[l] || !noise[l] || !cnt[l]) SAKSI_ALLOC_FAIL("variance components");
        sd[l] = 0.0;
    }
    /* stations within villages */
    for (size_t i = 0; i < t->n; i++)
        if (use[i]) {
            uint32_t r = t->region_of[V][i];
            mean[V][r] += y[i];
            noise[V][r] += v[i];
            cnt[V][r]++;
        }
    double ss = 0, es = 0, df = 0;
    for (size_t r = 0; r < t->regions[V].n; r++)
        if (cnt[V][r]) mean[V][r] /= cnt[V][r];
    for (size_t i = 0; i < t->n; i++)
        if (use[i]) {
            uint32_t r = t->region_of[V][i];
            double m = cnt[V][r], dev = y[i] - mean[V][r];
            ss += dev * dev;
            es += (1.0 - 1.0 / m) * v[i];
            df += 1.0 - 1.0 / m;
            if (ssd) {
                ssd[t->region_of[D][i]] += dev * dev - (1.0 - 1.0 / m) * v[i];
                dfd[t->region_of[D][i]] += 1.0 - 1.0 / m;
            }
        }
    double s2 = df > 0 && ss > es ? (ss - es) / df : 0.0;
    sd[0] = sqrt(s2);
    for (size_t r = 0; r < t->regions[V].n; r++)
        if (cnt[V][r])
            noise[V][r] = (cnt[V][r] * s2 + noise[V][r]) / ((double)cnt[V][r] * cnt[V][r]);
    /* each level's means within its parents, from the village up */
    for (int l = V; l >= SAKSI_LEVEL_PROVINCE; l--) {
        const saksi_regions *rg = &t->regions[l];
        size_t np = t->regions[l - 1].n;
        free(acc);
        free(accn);
        acc = saksi_calloc_array(np ? np : 1, sizeof *acc);
        accn = saksi_calloc_array(np ? np : 1, sizeof *accn);
        if (!acc || !accn) SAKSI_ALLOC_FAIL("variance components");
        for (size_t r = 0; r < rg->n; r++)
            if (cnt[l][r]) {
                acc[rg->parent[r]] += mean[l][r];
                accn[rg->parent[r]] += noise[l][r];
                cnt[l - 1][rg->parent[r]]++;
            }
        for (size_t p = 0; p < np; p++)
            if (cnt[l - 1][p]) mean[l - 1][p] = acc[p] / cnt[l - 1][p];
        ss = es = df = 0;
        for (size_t r = 0; r < rg->n; r++)
            if (cnt[l][r]) {
                double k = cnt[l - 1][rg->parent[r]], dev = mean[l][r] - mean[l - 1][rg->parent[r]];
                ss += dev * dev;
                es += (1.0 - 1.0 / k) * noise[l][r];
                df += 1.0 - 1.0 / k;
            }
        double sl2 = df > 0 && ss > es ? (ss - es) / df : 0.0;
        sd[l] = sqrt(sl2);
        for (size_t p = 0; p < np; p++)
            if (cnt[l - 1][p]) {
                double k = cnt[l - 1][p];
                noise[l - 1][p] = (k * sl2 + accn[p]) / (k * k);
            }
    }
out:
    for (int l = 0; l < SAKSI_NLEVELS; l++) {
        free(mean[l]);
        free(noise[l]);
        free(cnt[l]);
    }
    free(acc);
    free(accn);
    return rc;
}

/* Per-district multiplier of the station sd: its own within-village
 * spread over the pooled one, shrunk toward 1 (SAKSI_CALIB_SCALE_K0). */
static void district_scale(size_t nd, const double *ssd, const double *dfd, double s2,
                           double *scale)
{
    for (size_t d = 0; d < nd; d++) {
        double ratio = s2 > 0 && dfd[d] > 0 ? ssd[d] / dfd[d] / s2 : 1.0;
        if (ratio < 0) ratio = 0; /* more sampling noise than spread: no extra dispersion */
        scale[d] = sqrt((dfd[d] * ratio + SAKSI_CALIB_SCALE_K0) / (dfd[d] + SAKSI_CALIB_SCALE_K0));
    }
}

/* ------------------------------------------------------------------ */
/* Intercepts                                                          */
/* ------------------------------------------------------------------ */

static double logistic(double x)
{
    return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
}

static double mean_logistic(double mu, double sd)
{
    double h = 2.0 * GRID_HALF / GRID_STEPS, acc = 0.0, norm = 0.0;
    for (int k = 0; k < GRID_STEPS; k++) {
        double z = -GRID_HALF + (k + 0.5) * h, w = exp(-0.5 * z * z);
        acc += w * logistic(mu + sd * z);
        norm += w;
    }
    return acc / norm;
}

/* The intercept whose mean rate over N(0, sd^2) effects is target. */
static double intercept(double target, double sd)
{
    double lo = -30.0, hi = 30.0;
    for (int it = 0; it < 100; it++) {
        double mid = 0.5 * (lo + hi);
        if (mean_logistic(mid, sd) < target)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

static double total_sd(const double *sd)
{
    double v = 0;
    for (int l = 0; l < SAKSI_NLEVELS; l++)
        v += sd[l] * sd[l];
    return sqrt(v);
}

/* Candidates' intercepts: the mean softmax over a fixed sample of the
 * effects equals the input's pooled shares (fixed point on log ratios, as
 * the simulator's calibrate_shares). */
static saksi_status share_intercepts(saksi_calib_model *m, const double *target, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t k = m->ncand;
    double *z = saksi_malloc_array(SHARE_SAMPLE * k, sizeof *z);
    saksi_sim_stream s;
    if (!z) SAKSI_ALLOC_FAIL("the share calibration sample");
    saksi_sim_stream_init(&s, 0, 0, PURPOSE_SHARES);
    for (size_t j = 0; j < k; j++) {
        double sdj = total_sd(m->sd_share[j]);
        for (size_t i = 0; i < SHARE_SAMPLE; i++)
            z[i * k + j] = sdj * saksi_sim_normal(&s);
        m->mu_share[j] = log(target[j]);
    }
    for (int it = 0; it < SHARE_ITER; it++) {
        double est[SAKSI_CALIB_MAX_CAND] = {0}, worst = 0;
        for (size_t i = 0; i < SHARE_SAMPLE; i++) {
            double x[SAKSI_CALIB_MAX_CAND], top = -HUGE_VAL, sum = 0;
            for (size_t j = 0; j < k; j++)
                top = fmax(top, m->mu_share[j] + z[i * k + j]);
            for (size_t j = 0; j < k; j++)
                sum += x[j] = exp(m->mu_share[j] + z[i * k + j] - top);
            for (size_t j = 0; j < k; j++)
                est[j] += x[j] / sum / SHARE_SAMPLE;
        }
        for (size_t j = 0; j < k; j++) {
            double step = log(target[j] / est[j]);
            m->mu_share[j] += step;
            worst = fmax(worst, fabs(step));
        }
        if (worst < 1e-10) break;
    }
out:
    free(z);
    return rc;
}

/* Fit the candidates: centred log-ratio of each count with an approximate
 * sampling variance; the sd of independent per-candidate effects is the
 * clr sd over sqrt(1 - 1/K) (equal variances). */
static saksi_status fit_shares(const saksi_table *t, saksi_calib_model *m, uint8_t *use, double *y,
                               double *v, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t k = m->ncand, nd = m->ndistricts;
    double *ssd = saksi_calloc_array(nd ? nd : 1, sizeof *ssd);
    double *dfd = saksi_calloc_array(nd ? nd : 1, sizeof *dfd);
    double *sumd = saksi_calloc_array(nd ? nd : 1, sizeof *sumd);
    double *sumf = saksi_calloc_array(nd ? nd : 1, sizeof *sumf);
    double target[SAKSI_CALIB_MAX_CAND] = {0}, tot = 0, s2 = 0;
    if (!ssd || !dfd || !sumd || !sumf) SAKSI_ALLOC_FAIL("share fit");
    for (size_t i = 0; i < t->n; i++) {
        int ok = use[i];
        for (size_t j = 0; ok && j < k; j++)
            ok = have(get(t, (int)(SAKSI_NFIXED + j), i));
        use[i] = (uint8_t)(ok && have(get(t, SAKSI_F_VALID, i)) && get(t, SAKSI_F_VALID, i) > 0);
        for (size_t j = 0; use[i] && j < k; j++) {
            target[j] += get(t, (int)(SAKSI_NFIXED + j), i);
            tot += get(t, (int)(SAKSI_NFIXED + j), i);
        }
    }
    for (size_t j = 0; j < k; j++) {
        double sd[SAKSI_NLEVELS];
        for (size_t i = 0; i < t->n; i++) {
            if (!use[i]) continue;
            double lm = 0, inv = 0;
            for (size_t c = 0; c < k; c++) {
                double x = get(t, (int)(SAKSI_NFIXED + c), i) + 0.5;
                lm += log(x) / (double)k;
                inv += 1.0 / x;
            }
            double xj = get(t, (int)(SAKSI_NFIXED + j), i) + 0.5;
            y[i] = log(xj) - lm;
            v[i] = (1.0 - 2.0 / (double)k) / xj + inv / ((double)k * (double)k);
        }
        memset(ssd, 0, nd * sizeof *ssd);
        memset(dfd, 0, nd * sizeof *dfd);
        SAKSI_TRY(components(t, y, v, use, sd, ssd, dfd, err));
        for (int l = 0; l < SAKSI_NLEVELS; l++)
            m->sd_share[j][l] = sd[l] / sqrt(1.0 - 1.0 / (double)k);
        for (size_t d = 0; d < nd; d++) {
            sumd[d] += ssd[d];
            sumf[d] += dfd[d];
        }
        s2 += sd[0] * sd[0] / (double)k;
    }
    district_scale(nd, sumd, sumf, s2, m->scale_share);
    for (size_t j = 0; j < k; j++) /* a candidate with no votes at all keeps a tiny share */
        target[j] = tot > 0 && target[j] > 0 ? target[j] / tot : 1e-9;
    SAKSI_TRY(share_intercepts(m, target, err));
out:
    free(ssd);
    free(dfd);
    free(sumd);
    free(sumf);
    return rc;
}

/* v[i]: the exact sampling variance of station i's empirical logit at the
 * pooled rate of its village's usable stations (a rate from the station
 * alone would carry its own noise into its variance). */
static saksi_status sampling_variances(const saksi_table *t, int q, const uint8_t *use, double *v,
                                       saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_regions *vg = &t->regions[SAKSI_LEVEL_VILLAGE];
    double *sx = saksi_calloc_array(vg->n ? vg->n : 1, sizeof *sx);
    double *sn = saksi_calloc_array(vg->n ? vg->n : 1, sizeof *sn);
    int32_t x, n;
    if (!sx || !sn) SAKSI_ALLOC_FAIL("village rates");
    for (size_t i = 0; i < t->n; i++)
        if (use[i] && q_rate(t, q, i, &x, &n)) {
            sx[t->region_of[SAKSI_LEVEL_VILLAGE][i]] += x;
            sn[t->region_of[SAKSI_LEVEL_VILLAGE][i]] += n;
        }
    for (size_t i = 0; i < t->n; i++) {
        if (!use[i] || !q_rate(t, q, i, &x, &n)) continue;
        uint32_t r = t->region_of[SAKSI_LEVEL_VILLAGE][i];
        /* half a count keeps an all-zero (or all-n) village off the boundary */
        double p = (sx[r] + 0.5) / (sn[r] + 1.0);
        v[i] = evar_exact(n, p);
    }
out:
    free(sx);
    free(sn);
    return rc;
}

/* Pooled ratios of the model's fixed parts over clean stations. */
static void fit_fixed(const saksi_table *t, saksi_calib_model *m)
{
    double fm[2] = {0}, fn[2] = {0}, sp = 0, spn = 0, am = 0, an = 0, bloc = 0, noken = 0;
    double db[SAKSI_NSTRATA] = {0}, dn[SAKSI_NSTRATA] = {0};
    for (size_t i = 0; i < t->n; i++) {
        if (!m->clean[i]) continue;
        int s = t->stratum ? t->stratum[i] : SAKSI_STRATUM_REGULAR;
        int32_t vm = get(t, SAKSI_F_VOTERS_DPT_MALE, i), vf = get(t, SAKSI_F_VOTERS_DPT_FEMALE, i);
        int32_t nm = get(t, SAKSI_F_REGISTERED_MALE, i), nf = get(t, SAKSI_F_REGISTERED_FEMALE, i);
        if (have(vm) && have(vf) && have(nm) && have(nf) && vm <= nm && vf <= nf) {
            fm[0] += vm, fn[0] += nm, fm[1] += vf, fn[1] += nf;
        }
        int32_t rec = get(t, SAKSI_F_BALLOTS_RECEIVED, i), vd = get(t, SAKSI_F_VOTERS_DPT, i);
        int32_t spo = get(t, SAKSI_F_BALLOTS_SPOILED, i);
        if (have(rec) && have(vd) && have(spo) && rec >= vd) sp += spo, spn += rec - vd;
        int32_t b = get(t, SAKSI_F_VOTERS_DPTB, i), k = get(t, SAKSI_F_VOTERS_DPK, i);
        int32_t bm = get(t, SAKSI_F_VOTERS_DPTB_MALE, i), km = get(t, SAKSI_F_VOTERS_DPK_MALE, i);
        if (have(b) && have(k)) {
            db[s] += b, dn[s] += b + k;
            if (have(bm) && have(km)) am += bm + km, an += b + k;
        }
        int32_t valid = get(t, SAKSI_F_VALID, i);
        if (s == SAKSI_STRATUM_NOKEN && have(valid) && valid > 0) {
            noken++;
            for (size_t c = 0; c < t->ncand; c++)
                bloc += get(t, (int)(SAKSI_NFIXED + c), i) == valid;
        }
    }
    m->female_turnout_logit =
        fn[0] > 0 && fn[1] > 0 && fm[0] > 0 && fm[1] > 0 && fm[0] < fn[0] && fm[1] < fn[1]
            ? elogit(fm[1], fn[1]) - elogit(fm[0], fn[0])
            : 0.0;
    m->spoiled = spn > 0 && sp > 0 ? sp / spn : DEFAULT_SPOILED;
    m->male_added = an > 0 ? am / an : 0.5;
    for (int s = 0; s < SAKSI_NSTRATA; s++)
        m->dptb_of_added[s] = dn[s] > 0 ? db[s] / dn[s] : dn[0] > 0 ? db[0] / dn[0] : DEFAULT_DPTB;
    m->noken_bloc = noken > 0 ? bloc / noken : 0.0;
}

saksi_status saksi_calib_fit(const saksi_table *t, const saksi_results *res, saksi_calib_model *m,
                             saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    static const double fallback[SAKSI_CALIB_NQ] = {DEFAULT_TURNOUT, DEFAULT_INVALID,
                                                    DEFAULT_ADDED};
    double *y = NULL, *v = NULL, *ssd = NULL, *dfd = NULL;
    uint8_t *use = NULL;
    memset(m, 0, sizeof *m);
    if (t->ncand > SAKSI_CALIB_MAX_CAND)
        SAKSI_FAIL(SAKSI_ERR_LIMIT,
                   "calibration simulates at most %d candidates, the input has "
                   "%zu",
                   SAKSI_CALIB_MAX_CAND, t->ncand);
    m->ncand = t->ncand;
    m->ndistricts = t->regions[SAKSI_LEVEL_DISTRICT].n;
    size_t nd = m->ndistricts ? m->ndistricts : 1, n = t->n ? t->n : 1;
    y = saksi_malloc_array(n, sizeof *y);
    v = saksi_malloc_array(n, sizeof *v);
    use = saksi_malloc_array(n, 1);
    ssd = saksi_calloc_array(nd, sizeof *ssd);
    dfd = saksi_calloc_array(nd, sizeof *dfd);
    m->clean = saksi_malloc_array(n, 1);
    m->scale_turnout = saksi_malloc_array(nd, sizeof *m->scale_turnout);
    m->scale_share = saksi_malloc_array(nd, sizeof *m->scale_share);
    if (!y || !v || !use || !ssd || !dfd || !m->clean || !m->scale_turnout || !m->scale_share)
        SAKSI_ALLOC_FAIL("the calibration model");
    for (size_t i = 0; i < t->n; i++)
        m->clean[i] = !(res && res->fail_mask && (res->fail_mask[i] || res->neg_mask[i]));
    for (size_t d = 0; d < nd; d++)
        m->scale_turnout[d] = m->scale_share[d] = 1.0;

    for (int q = 0; q < SAKSI_CALIB_NQ; q++) {
        double sx[SAKSI_NSTRATA] = {0}, sn[SAKSI_NSTRATA] = {0};
        size_t nuse = 0;
        for (size_t i = 0; i < t->n; i++) {
            int32_t x, c;
            int s = t->stratum ? t->stratum[i] : SAKSI_STRATUM_REGULAR;
            use[i] = 0;
            if (!m->clean[i] || !q_rate(t, q, i, &x, &c)) continue;
            sx[s] += x;
            sn[s] += c;
            if (s != SAKSI_STRATUM_REGULAR)
                continue; /* the sds rest on regular stations: the others are strata by law */
            use[i] = 1;
            nuse++;
            y[i] = elogit(x, c);
        }
        SAKSI_TRY(sampling_variances(t, q, use, v, err));
        if (q == SAKSI_CALIB_TURNOUT) {
            if (nuse < 2)
                SAKSI_FAIL(SAKSI_ERR_DATA,
                           "calibration needs two or more consistent regular "
                           "stations with a turnout; the input has %zu",
                           nuse);
            m->fitted_stations = nuse;
        }
        SAKSI_TRY(
            components(t, y, v, use, m->sd[q], q == SAKSI_CALIB_TURNOUT ? ssd : NULL, dfd, err));
        if (q == SAKSI_CALIB_TURNOUT)
            district_scale(m->ndistricts, ssd, dfd, m->sd[q][0] * m->sd[q][0], m->scale_turnout);
        for (int s = 0; s < SAKSI_NSTRATA; s++) {
            double rate = sn[s] > 0 ? sx[s] / sn[s] : sn[0] > 0 ? sx[0] / sn[0] : fallback[q];
            rate = rate < 1e-6 ? 1e-6 : rate > 1 - 1e-6 ? 1 - 1e-6 : rate;
            m->mu[q][s] = intercept(rate, total_sd(m->sd[q]));
        }
    }
    if (t->ncand >= 2) {
        for (size_t i = 0; i < t->n; i++)
            use[i] = m->clean[i] && (!t->stratum || t->stratum[i] == SAKSI_STRATUM_REGULAR);
        SAKSI_TRY(fit_shares(t, m, use, y, v, err));
    }
    fit_fixed(t, m);
out:
    free(y);
    free(v);
    free(use);
    free(ssd);
    free(dfd);
    if (rc != SAKSI_OK) saksi_calib_model_free(m);
    return rc;
}

void saksi_calib_model_free(saksi_calib_model *m)
{
    if (!m) return;
    free(m->clean);
    free(m->scale_turnout);
    free(m->scale_share);
    memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------------ */
/* Simulation on the input's own stations                              */
/* ------------------------------------------------------------------ */

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Median registered of the stations that have one: the size of a station
 * whose own registered is missing (its output cell stays missing). */
static saksi_status median_registered(const saksi_table *t, int32_t *out, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    int32_t *r = saksi_malloc_array(t->n ? t->n : 1, sizeof *r);
    size_t k = 0;
    if (!r) SAKSI_ALLOC_FAIL("registered sizes");
    for (size_t i = 0; i < t->n; i++) {
        int32_t x = get(t, SAKSI_F_REGISTERED, i);
        if (have(x) && x >= 1) r[k++] = x;
    }
    qsort(r, k, sizeof *r, cmp_i32);
    *out = k ? r[k / 2] : 1;
out:
    free(r);
    return rc;
}

/* Random effects of every region at levels 1..4, nq quantities each. */
static saksi_status draw_effects(const saksi_table *t, const saksi_calib_model *m, uint64_t seed,
                                 uint32_t replicate, double *fx[SAKSI_NLEVELS], saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t nq = SAKSI_CALIB_NQ + m->ncand;
    for (int l = SAKSI_LEVEL_PROVINCE; l < SAKSI_NLEVELS; l++) {
        const saksi_regions *rg = &t->regions[l];
        size_t cells = rg->n * nq;
        if (!(fx[l] = saksi_malloc_array(cells > 0 ? cells : 1, sizeof *fx[l])))
            SAKSI_ALLOC_FAIL("region effects");
        for (size_t r = 0; r < rg->n; r++) {
            saksi_sim_stream s;
            /* keyed by the region's code and level: the same region gets the
             * same draws whatever else the input holds */
            uint64_t key = saksi_hash_bytes(rg->code[r], strlen(rg->code[r])) ^
                           (0x9E3779B97F4A7C15ull * (uint64_t)l);
            saksi_sim_stream_init(&s, seed, key, replicate << 8 | PURPOSE_EFFECT);
            double st = 1.0, ss = 1.0;
            if (l == SAKSI_LEVEL_VILLAGE && m->ndistricts == t->regions[SAKSI_LEVEL_DISTRICT].n) {
                st = m->scale_turnout[rg->parent[r]];
                ss = m->scale_share[rg->parent[r]];
            }
            for (size_t q = 0; q < nq; q++) {
                double sd = q < SAKSI_CALIB_NQ ? m->sd[q][l] : m->sd_share[q - SAKSI_CALIB_NQ][l];
                double sc = q == SAKSI_CALIB_TURNOUT ? st : q >= SAKSI_CALIB_NQ ? ss : 1.0;
                fx[l][r * nq + q] = sc * sd * saksi_sim_normal(&s);
            }
        }
    }
out:
    return rc;
}

static int32_t binom(saksi_sim_stream *s, int32_t n, double p)
{
    return n > 0 ? saksi_sim_binomial(s, n, p) : 0;
}

/* Every field of station i drawn from the model (the input's register,
 * L/P split and, at a clean station, ballots received kept). */
static void draw_station(const saksi_table *t, const saksi_calib_model *m, double *const *fx,
                         int32_t fallback_n, uint64_t seed, uint32_t replicate, size_t i,
                         int32_t *x)
{
    size_t nq = SAKSI_CALIB_NQ + m->ncand, k = m->ncand;
    int s = t->stratum ? t->stratum[i] : SAKSI_STRATUM_REGULAR;
    saksi_sim_stream st;
    double eta[SAKSI_CALIB_NQ + SAKSI_CALIB_MAX_CAND];
    size_t d = t->region_of[SAKSI_LEVEL_DISTRICT][i];
    double sct = d < m->ndistricts ? m->scale_turnout[d] : 1.0;
    double scs = d < m->ndistricts ? m->scale_share[d] : 1.0;
    saksi_sim_stream_init(&st, seed, t->id_hash[i], replicate << 8 | PURPOSE_STATION);
    for (size_t q = 0; q < nq; q++) {
        eta[q] = q < SAKSI_CALIB_NQ ? m->mu[q][s] : m->mu_share[q - SAKSI_CALIB_NQ];
        for (int l = SAKSI_LEVEL_PROVINCE; l < SAKSI_NLEVELS; l++)
            eta[q] += fx[l][(size_t)t->region_of[l][i] * nq + q];
        double sd = q < SAKSI_CALIB_NQ ? m->sd[q][0] : m->sd_share[q - SAKSI_CALIB_NQ][0];
        double sc = q == SAKSI_CALIB_TURNOUT ? sct : q >= SAKSI_CALIB_NQ ? scs : 1.0;
        eta[q] += sc * sd * saksi_sim_normal(&st);
    }
    int32_t n = get(t, SAKSI_F_REGISTERED, i);
    if (!have(n) || n < 1) n = fallback_n;
    int32_t n_m = get(t, SAKSI_F_REGISTERED_MALE, i), n_f = get(t, SAKSI_F_REGISTERED_FEMALE, i);
    if (!have(n_m) || !have(n_f) || n_m + n_f != n) n_m = binom(&st, n, 0.5);
    n_f = n - n_m;
    int32_t received = get(t, SAKSI_F_BALLOTS_RECEIVED, i);
    if (!m->clean[i] || !have(received) || received < n)
        received = s == SAKSI_STRATUM_OVERSEAS
                       ? n
                       : n + (int32_t)saksi_ceil_div((saksi_i64)n * RESERVE_NUM, RESERVE_DEN);
    double half = 0.5 * m->female_turnout_logit;
    int32_t vd_m = binom(&st, n_m, logistic(eta[SAKSI_CALIB_TURNOUT] - half));
    int32_t vd_f = binom(&st, n_f, logistic(eta[SAKSI_CALIB_TURNOUT] + half));
    int32_t vd = vd_m + vd_f;
    int32_t spoiled = binom(&st, received - vd, m->spoiled);
    int32_t added = binom(&st, received - vd - spoiled, logistic(eta[SAKSI_CALIB_ADDED]));
    int32_t a_m = binom(&st, added, m->male_added), a_f = added - a_m;
    int32_t b_m = binom(&st, a_m, m->dptb_of_added[s]), b_f = binom(&st, a_f, m->dptb_of_added[s]);
    int32_t voters = vd + added;
    int32_t invalid = binom(&st, voters, logistic(eta[SAKSI_CALIB_INVALID]));
    int32_t valid = voters - invalid;
    int32_t *cand = x + SAKSI_NFIXED;
    double pi[SAKSI_CALIB_MAX_CAND], top = -HUGE_VAL, sum = 0;
    for (size_t c = 0; c < k; c++)
        top = fmax(top, eta[SAKSI_CALIB_NQ + c]);
    for (size_t c = 0; c < k; c++)
        sum += pi[c] = exp(eta[SAKSI_CALIB_NQ + c] - top);
    for (size_t c = 0; c < k; c++)
        pi[c] /= sum;
    saksi_sim_votes(&st, valid, pi, k, s == SAKSI_STRATUM_NOKEN ? m->noken_bloc : 0.0, cand);
    saksi_sim_tally_fields(
        &(saksi_sim_tally){n_m, n_f, vd_m, vd_f, a_m, a_f, b_m, b_f, invalid, received, spoiled},
        x);
}

saksi_status saksi_calib_simulate(const saksi_table *t, const saksi_calib_model *m, uint64_t seed,
                                  uint32_t replicate, saksi_table **out, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    double *fx[SAKSI_NLEVELS] = {NULL};
    int32_t *x = NULL, fallback_n = 1;
    saksi_table *o = NULL;
    int present[SAKSI_NFIXED];
    *out = NULL;
    if (m->ncand != t->ncand || !m->clean || !m->scale_turnout)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "calibration model for %zu candidates, table has %zu",
                   m->ncand, t->ncand);
    if (replicate > 0xffffff)
        SAKSI_FAIL(SAKSI_ERR_LIMIT, "at most 16,777,216 calibration replicates");
    for (int f = 0; f < SAKSI_NFIXED; f++)
        present[f] = t->slot_of_field[f] >= 0;
    SAKSI_TRY(median_registered(t, &fallback_n, err));
    SAKSI_TRY(draw_effects(t, m, seed, replicate, fx, err));
    x = saksi_malloc_array(SAKSI_NFIXED + t->ncand, sizeof *x);
    o = saksi_table_alloc(present, t->ncand, (const char *const *)t->cand_label);
    if (!x || !o) SAKSI_ALLOC_FAIL("a simulated election");
    for (size_t i = 0; i < t->n; i++) {
        const char *regions[SAKSI_NLEVELS] = {NULL};
        memset(x, 0, (SAKSI_NFIXED + t->ncand) * sizeof *x);
        draw_station(t, m, fx, fallback_n, seed, replicate, i, x);
        /* the input's missing cells stay missing: its own missingness */
        for (size_t f = 0; f < SAKSI_NFIXED + t->ncand; f++)
            if (get(t, (int)f, i) == SAKSI_MISSING) x[f] = SAKSI_MISSING;
        for (int l = SAKSI_LEVEL_PROVINCE; l < SAKSI_NLEVELS; l++)
            regions[l] = t->regions[l].code[t->region_of[l][i]];
        const char *id = saksi_table_id(t, i);
        SAKSI_TRY(saksi_table_append(o, id, strlen(id), regions, x, 0, (uint64_t)i + 2, NULL, err));
    }
    SAKSI_TRY(saksi_table_finalize(o, err));
    *out = o;
    o = NULL;
out:
    for (int l = 0; l < SAKSI_NLEVELS; l++)
        free(fx[l]);
    free(x);
    saksi_table_free(o);
    return rc;
}
