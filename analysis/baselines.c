/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * baselines.c — station baselines (DESIGN §4 "Station baselines"): for
 * turnout, each candidate's share of valid votes, the invalid share and
 * the added-voter share (DPTb + DPK), a two-sided mid-p from the
 * beta-binomial predictive distribution of the station's count given its
 * size and its district peers (leave one out, or the station's whole
 * village for turnout and shares of regular stations; shrunk to the
 * regency, per stratum: saksi_peers_fit), and the robust z (median/MAD of the same
 * peers, scale floored at the binomial sd) as the effect size with its
 * direction. Stations failing a rule on the fields of a measure are no
 * one's peer and that measure is skipped, with the reason.
 */
#include "turnout.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void saksi_baseline_options_init(saksi_baseline_options *o)
{
    memset(o, 0, sizeof *o);
    saksi_peer_options_init(&o->peers);
    o->peers.leave_out_village = 1; /* see saksi_peers_fit (analysis.h) */
    o->peers.wide_error = 1;        /* a predictive: saksi_bb_wide_error */
    o->z_min_peers = SAKSI_BASELINE_Z_MIN_PEERS;
    o->null = SAKSI_BASELINE_LOGITNORMAL;
    o->min_fit_peers = SAKSI_BASELINE_MIN_FIT_PEERS;
    o->t_peers = SAKSI_BASELINE_T_PEERS;
    o->prior_df = SAKSI_BASELINE_PRIOR_DF;
    o->size_trend = 1;
    o->size_dispersion = 1;
    o->seed = 2024;
}

const char *saksi_baseline_null_name(int null)
{
    static const char *const names[SAKSI_NBASELINE_NULLS] = {"logit-normal binomial",
                                                             "beta-binomial"};
    return null >= 0 && null < SAKSI_NBASELINE_NULLS ? names[null] : "?";
}

const char *saksi_baseline_skip_name(int reason)
{
    static const char *const names[SAKSI_NBSKIP] = {
        "",
        "column absent from the input",
        "a cell it needs is missing",
        "denominator below 1",
        "negative, or count above its denominator",
        "a rule on its fields fails at the station",
        "fewer than two usable peers in its district and regency (same stratum)",
        "not tested in this stratum: noken communities may vote as one bloc, so a candidate's "
        "share is not a binomial count",
    };
    return reason >= 0 && reason < SAKSI_NBSKIP ? names[reason] : "?";
}

static int has(const saksi_table *t, int f)
{
    return f >= SAKSI_NFIXED ? (size_t)(f - SAKSI_NFIXED) < t->ncand : t->slot_of_field[f] >= 0;
}

/* Turnout's numerator: the permanent-list voters (DESIGN's definition),
 * else the ballots issued (Russia's turnout), else total, else
 * voters_total, over registered: as saksi_kobak_fields. */
static int turnout_field(const saksi_table *t)
{
    return has(t, SAKSI_F_VOTERS_DPT)     ? SAKSI_F_VOTERS_DPT
           : has(t, SAKSI_F_BALLOTS_USED) ? SAKSI_F_BALLOTS_USED
           : has(t, SAKSI_F_TOTAL)        ? SAKSI_F_TOTAL
           : has(t, SAKSI_F_VOTERS_TOTAL) ? SAKSI_F_VOTERS_TOTAL
                                          : -1;
}

void saksi_baseline_measure_name(const saksi_table *t, size_t m, char *buf, size_t len)
{
    static const char *const fixed[SAKSI_BM_CAND0] = {"turnout", "invalid", "added"};
    if (m < SAKSI_BM_CAND0)
        snprintf(buf, len, "%s", fixed[m]);
    else if (m - SAKSI_BM_CAND0 < t->ncand)
        snprintf(buf, len, "cand_%s", t->cand_label[m - SAKSI_BM_CAND0]);
    else
        snprintf(buf, len, "?");
}

/* Fields a measure reads, for the integrity exclusion (-1 ends the list;
 * a fallback denominator made of parts names its parts). */
static void measure_fields(const saksi_table *t, size_t m, int f[8])
{
    int k = 0;
    if (m == SAKSI_BM_TURNOUT) {
        f[k++] = turnout_field(t);
        f[k++] = SAKSI_F_REGISTERED;
    } else if (m == SAKSI_BM_INVALID) {
        f[k++] = SAKSI_F_INVALID;
        f[k++] = has(t, SAKSI_F_TOTAL) ? SAKSI_F_TOTAL : SAKSI_F_VALID;
    } else if (m == SAKSI_BM_ADDED) {
        f[k++] = SAKSI_F_VOTERS_DPTB;
        f[k++] = SAKSI_F_VOTERS_DPK;
        f[k++] = has(t, SAKSI_F_VOTERS_TOTAL) ? SAKSI_F_VOTERS_TOTAL : SAKSI_F_VOTERS_DPT;
    } else {
        f[k++] = SAKSI_NFIXED + (int)(m - SAKSI_BM_CAND0);
        f[k++] = SAKSI_F_VALID; /* without valid the candidates' sum: every candidate */
    }
    f[k] = -1;
}

/* Value of a cell into *v (int64): SAKSI_BSKIP_MISSING, _RANGE (negative)
 * or _NONE. */
static int cell(const saksi_table *t, int f, size_t i, int64_t *v)
{
    int32_t c = saksi_table_get(t, f, i);
    if (c == SAKSI_MISSING) return SAKSI_BSKIP_MISSING;
    *v = c;
    return c < 0 ? SAKSI_BSKIP_RANGE : SAKSI_BSKIP_NONE;
}

/* x and n of a measure from its cells, then the range checks. A missing
 * cell is reported before a negative one (missing is not zero). */
static int rate_from(const saksi_table *t, size_t i, const int *xf, int nx, const int *nf, int nn,
                     int32_t *x, int32_t *n)
{
    int64_t xs = 0, ns = 0, v;
    int why = SAKSI_BSKIP_NONE;
    for (int k = 0; k < nx + nn; k++) {
        int f = k < nx ? xf[k] : nf[k - nx];
        int r = cell(t, f, i, &v);
        if (r == SAKSI_BSKIP_MISSING) return r;
        if (r != SAKSI_BSKIP_NONE) why = r;
        if (k < nx)
            xs += v;
        else
            ns += v;
    }
    if (why != SAKSI_BSKIP_NONE) return why;
    if (ns < 1) return SAKSI_BSKIP_SIZE;
    if (xs > ns || ns > INT32_MAX) return SAKSI_BSKIP_RANGE;
    *x = (int32_t)xs;
    *n = (int32_t)ns;
    return SAKSI_BSKIP_NONE;
}

/*
 * The definitions:
 *   turnout  voters_dpt (else ballots_used, total, voters_total) / registered
 *   invalid  invalid / total            (without total: valid + invalid)
 *   added    (dptb + dpk) / voters_total (without it: dpt + dptb + dpk)
 *   cand_k   cand_k / valid              (without valid: the candidates' sum)
 */
int saksi_baseline_rate(const saksi_table *t, size_t m, size_t i, int32_t *x, int32_t *n)
{
    int xf[2], nf[64], nx = 0, nn = 0;
    if (m == SAKSI_BM_TURNOUT) {
        xf[nx++] = turnout_field(t);
        nf[nn++] = SAKSI_F_REGISTERED;
        if (xf[0] < 0 || !has(t, SAKSI_F_REGISTERED)) return SAKSI_BSKIP_ABSENT;
    } else if (m == SAKSI_BM_INVALID) {
        if (!has(t, SAKSI_F_INVALID)) return SAKSI_BSKIP_ABSENT;
        xf[nx++] = SAKSI_F_INVALID;
        if (has(t, SAKSI_F_TOTAL)) {
            nf[nn++] = SAKSI_F_TOTAL;
        } else if (has(t, SAKSI_F_VALID)) {
            nf[nn++] = SAKSI_F_VALID;
            nf[nn++] = SAKSI_F_INVALID;
        } else {
            return SAKSI_BSKIP_ABSENT;
        }
    } else if (m == SAKSI_BM_ADDED) {
        if (!has(t, SAKSI_F_VOTERS_DPTB) || !has(t, SAKSI_F_VOTERS_DPK)) return SAKSI_BSKIP_ABSENT;
        xf[nx++] = SAKSI_F_VOTERS_DPTB;
        xf[nx++] = SAKSI_F_VOTERS_DPK;
        if (has(t, SAKSI_F_VOTERS_TOTAL)) {
            nf[nn++] = SAKSI_F_VOTERS_TOTAL;
        } else if (has(t, SAKSI_F_VOTERS_DPT)) {
            nf[nn++] = SAKSI_F_VOTERS_DPT;
            nf[nn++] = SAKSI_F_VOTERS_DPTB;
            nf[nn++] = SAKSI_F_VOTERS_DPK;
        } else {
            return SAKSI_BSKIP_ABSENT;
        }
    } else {
        size_t k = m - SAKSI_BM_CAND0;
        if (k >= t->ncand) return SAKSI_BSKIP_ABSENT;
        xf[nx++] = SAKSI_NFIXED + (int)k;
        if (has(t, SAKSI_F_VALID)) {
            nf[nn++] = SAKSI_F_VALID;
        } else {
            if (t->ncand > 64) return SAKSI_BSKIP_ABSENT;
            for (size_t c = 0; c < t->ncand; c++)
                nf[nn++] = SAKSI_NFIXED + (int)c;
        }
    }
    return rate_from(t, i, xf, nx, nf, nn, x, n);
}

uint32_t saksi_baseline_rule_mask(const saksi_rules *r, const saksi_table *t, size_t m)
{
    int f[8];
    uint32_t mask = 0;
    measure_fields(t, m, f);
    for (size_t k = 0; r && k < r->nrules && k < 32; k++) {
        const saksi_rule *rule = &r->rule[k];
        for (size_t j = 0; j < rule->nterms; j++) {
            const saksi_rule_term *term = &rule->term[j];
            /* sum(cand) = valid names every candidate */
            int hit = term->kind == SAKSI_TERM_CAND_SUM && m >= SAKSI_BM_CAND0;
            if (term->kind == SAKSI_TERM_FIELD || term->kind == SAKSI_TERM_CEIL)
                for (int q = 0; f[q] >= 0; q++)
                    hit |= term->field == f[q];
            if (hit) {
                mask |= (uint32_t)1 << k;
                break;
            }
        }
    }
    return mask;
}

/* ------------------------------------------------------------------ */
/* Robust z                                                            */
/* ------------------------------------------------------------------ */

/* s without entry `self`, as an index map. */
static double at(const double *s, size_t self, size_t j)
{
    return s[j < self ? j : j + 1];
}

double saksi_robust_z(double r, int32_t n, const double *s, size_t k, size_t self)
{
    size_t K = self < k ? k - 1 : k;
    if (K < 2 || n < 1) return NAN;
    double med = K % 2 ? at(s, self, K / 2) : 0.5 * (at(s, self, K / 2 - 1) + at(s, self, K / 2));
    /* Deviations from the median, smallest first: a merge of the values
     * below the median (walking down) and those at or above it (walking
     * up); the median deviation is at ranks (K-1)/2 and K/2. */
    size_t b = 0;
    while (b < K && at(s, self, b) < med)
        b++;
    size_t a = b, taken = 0, want_lo = (K - 1) / 2, want_hi = K / 2;
    double dlo = 0.0, dhi = 0.0;
    while (taken <= want_hi) {
        double dl = a > 0 ? med - at(s, self, a - 1) : INFINITY;
        double dr = b < K ? at(s, self, b) - med : INFINITY;
        double d;
        if (dr <= dl) {
            d = dr;
            b++;
        } else {
            d = dl;
            a--;
        }
        if (taken == want_lo) dlo = d;
        if (taken == want_hi) dhi = d;
        taken++;
    }
    double mad = SAKSI_MAD_SCALE * 0.5 * (dlo + dhi);
    /* The binomial sd at the station's size and the peers' median rate,
     * kept off 0 and 1 by half a count so that it never vanishes. */
    double mb = med, lim = 0.5 / n;
    mb = mb < lim ? lim : mb > 1.0 - lim ? 1.0 - lim : mb;
    double bsd = sqrt(mb * (1.0 - mb) / n);
    return (r - med) / (mad > bsd ? mad : bsd);
}

/* ------------------------------------------------------------------ */
/* One measure                                                         */
/* ------------------------------------------------------------------ */

typedef struct rate_ctx {
    size_t m;
} rate_ctx;

static int rate_cb(const saksi_table *t, size_t i, const void *ctx, int32_t *x, int32_t *n)
{
    const rate_ctx *c = ctx;
    return saksi_baseline_rate(t, c->m, i, x, n) == SAKSI_BSKIP_NONE;
}

/* A peer rate, keyed for sorting into groups. */
typedef struct peer {
    uint32_t group; /* district offset in the regency * SAKSI_NSTRATA + stratum, or stratum */
    double r;
    size_t i;
} peer;

static int cmp_peer(const void *a, const void *b)
{
    const peer *x = a, *y = b;
    if (x->group != y->group) return x->group < y->group ? -1 : 1;
    if (x->r != y->r) return x->r < y->r ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Scratch of one measure, sized once. */
typedef struct scratch {
    peer *dist, *reg;        /* sorted peers of one regency, by district and stratum / stratum */
    double *dr, *rr;         /* their rates in the same order */
    size_t *dpos, *rpos;     /* per station of the regency: its index in dist / reg */
    size_t *dfirst, *rfirst; /* per row of dist / reg: first row of its group */
    size_t *dcount, *rcount; /* per row: size of its group */
    double *pmf;
    saksi_bb *fit;
    const saksi_lnb_rule *rule;
    double last_a, last_s; /* the previous station's logit-normal, a start */
    double *keff;          /* per station: peers its fit rests on */
    double *within;        /* per station: the part of its fit's rho that is the peers' spread */
    double *csize;         /* per station: stations per village (nested_anova) */
    double *vscale;        /* per station: its size's factor on its within-district
                              variance (saksi_size_trends; 1: none) */
} scratch;

/* 1 when every candidate's cell of station i is present and not negative. */
static int all_candidates(const saksi_table *t, size_t i)
{
    for (size_t c = 0; c < t->ncand; c++) {
        int32_t v = saksi_table_get(t, SAKSI_NFIXED + (int)c, i);
        if (v == SAKSI_MISSING || v < 0) return 0;
    }
    return 1;
}

/*
 * The composition of a station's peers, for the skew of its share's latent
 * logit (share_skew.c): votes per candidate by district and stratum of the
 * stations whose every candidate cell is present, with valid votes, that
 * fail no rule on a share's fields (a misread count must not set another
 * station's shape); counted marks them. Built once for every share: n k
 * operations, where one per share would be n k^2.
 */
typedef struct peer_votes {
    double *sums;     /* (district * SAKSI_NSTRATA + stratum) * ncand + candidate */
    uint8_t *counted; /* per station */
} peer_votes;

/* Station i's row of pv->sums: its district and stratum. */
static double *peer_row(const peer_votes *pv, const saksi_table *t, size_t i)
{
    return pv->sums +
           (t->region_of[SAKSI_LEVEL_DISTRICT][i] * SAKSI_NSTRATA + t->stratum[i]) * t->ncand;
}

static void peer_votes_free(peer_votes *pv)
{
    free(pv->sums);
    free(pv->counted);
}

static int peer_votes_build(const saksi_table *t, const saksi_rules *rules, const uint32_t *fail,
                            peer_votes *pv)
{
    size_t k = t->ncand, nd = t->regions[SAKSI_LEVEL_DISTRICT].n;
    uint32_t mask = 0;
    for (size_t c = 0; c < k; c++)
        mask |= saksi_baseline_rule_mask(rules, t, SAKSI_BM_CAND0 + c);
    pv->sums = saksi_calloc_array(nd * SAKSI_NSTRATA * k + 1, sizeof *pv->sums);
    pv->counted = saksi_calloc_array(t->n ? t->n : 1, sizeof *pv->counted);
    if (!pv->sums || !pv->counted) return 0;
    for (size_t i = 0; i < t->n; i++) {
        int32_t x, n;
        if (saksi_baseline_rate(t, SAKSI_BM_CAND0, i, &x, &n) != SAKSI_BSKIP_NONE ||
            !all_candidates(t, i) || (fail && (fail[i] & mask)))
            continue;
        double *row = peer_row(pv, t, i);
        for (size_t c = 0; c < k; c++)
            row[c] += saksi_table_get(t, SAKSI_NFIXED + (int)c, i);
        pv->counted[i] = 1;
    }
    return 1;
}

/* The skewness the softmax gives the latent logit of station i's share of
 * candidate m (share_skew.c), from its district peers' votes per
 * candidate (itself left out) and its fit's logit variance rho / (mu (1 -
 * mu)). q: scratch of ncand. */
static double share_skew(const saksi_table *t, size_t m, size_t i, const peer_votes *pv,
                         const saksi_bb *fit, const saksi_lnb_rule *rule, double *q)
{
    size_t k = t->ncand;
    const double *row = peer_row(pv, t, i);
    for (size_t c = 0; c < k; c++)
        q[c] = row[c] - (pv->counted[i] ? saksi_table_get(t, SAKSI_NFIXED + (int)c, i) : 0);
    return saksi_share_logit_skew(q, k, m - SAKSI_BM_CAND0, fit->rho / (fit->mu * (1.0 - fit->mu)),
                                  rule);
}

/* Robust z of every tested station of regency reg. */
static void regency_z(const saksi_table *t, size_t m, size_t reg, const uint8_t *skip,
                      const saksi_baseline_options *opt, scratch *sc, double *z)
{
    const size_t zmin = opt->z_min_peers;
    const saksi_regions *rg = &t->regions[SAKSI_LEVEL_REGENCY];
    size_t first = rg->first[reg], end = first + rg->count[reg], k = 0;
    uint32_t d0 = t->region_of[SAKSI_LEVEL_DISTRICT][first];
    for (size_t i = first; i < end; i++) {
        int32_t x, n;
        if (skip[i] != SAKSI_BSKIP_NONE && skip[i] != SAKSI_BSKIP_NO_PEERS) continue;
        saksi_baseline_rate(t, m, i, &x, &n);
        double r = (double)x / n;
        uint32_t d = t->region_of[SAKSI_LEVEL_DISTRICT][i] - d0;
        sc->dist[k] = (peer){d * SAKSI_NSTRATA + t->stratum[i], r, i};
        sc->reg[k] = (peer){t->stratum[i], r, i};
        k++;
    }
    qsort(sc->dist, k, sizeof *sc->dist, cmp_peer);
    qsort(sc->reg, k, sizeof *sc->reg, cmp_peer);
    peer *const arr[2] = {sc->dist, sc->reg};
    double *const rates[2] = {sc->dr, sc->rr};
    size_t *const pos[2] = {sc->dpos, sc->rpos};
    size_t *const gfirst[2] = {sc->dfirst, sc->rfirst};
    size_t *const gcount[2] = {sc->dcount, sc->rcount};
    for (int w = 0; w < 2; w++) {
        for (size_t j = 0; j < k;) {
            size_t e = j;
            while (e < k && arr[w][e].group == arr[w][j].group)
                e++;
            for (size_t q = j; q < e; q++) {
                rates[w][q] = arr[w][q].r;
                pos[w][arr[w][q].i - first] = q;
                gfirst[w][q] = j;
                gcount[w][q] = e - j;
            }
            j = e;
        }
    }
    for (size_t i = first; i < end; i++) {
        int32_t x, n;
        if (skip[i] != SAKSI_BSKIP_NONE) continue;
        saksi_baseline_rate(t, m, i, &x, &n);
        size_t q = sc->dpos[i - first];
        int w = sc->dcount[q] - 1 >= zmin ? 0 : 1;
        if (w == 1) q = sc->rpos[i - first];
        size_t g = gfirst[w][q];
        z[i] = saksi_robust_z((double)x / n, n, rates[w] + g, gcount[w][q], q - g);
    }
}

/* The smaller tail beyond x and P(X = x) under the station's peer fit
 * (see saksi_lnb_tail), its latent logit skewed by eps (the logit-normal
 * only); 1 when the tail is above x. */
static int station_tail(int null, int32_t x, int32_t n, const saksi_bb *fit, double eps,
                        double nu, scratch *sc, double *beyond, double *point)
{
    double a = sc->last_a, s = sc->last_s, mean = n * fit->mu;
    /* A degenerate fit (every peer at 0% or 100%) and the beta-binomial
     * variant use the beta-binomial pmf; the logit-normal needs 0 < mu < 1. */
    if (null == SAKSI_BASELINE_LOGITNORMAL &&
        saksi_lnb_match(fit->mu, fit->rho * fit->mu * (1.0 - fit->mu), eps, sc->rule, &a, &s)) {
        sc->last_a = a;
        sc->last_s = s;
        return saksi_lnb_tail(x, n, a, s, eps, nu, mean, sc->rule, beyond, point);
    }
    if (!(fit->mu > 0.0 && fit->mu < 1.0)) {
        /* Every peer at 0% (or 100%): the null is a point mass at 0 (or n),
         * so nothing lies beyond x on the mean's side and P(X = x) is 0 or
         * 1. Computed here, not by a pmf of n + 1 terms: a hostile count of
         * 2147483647 made that a 16 GB array walked for minutes (found by
         * fuzz_rules; tests/fuzz/regressions/rules/digits-size-2147483647). */
        *beyond = 0.0;
        *point = x == (fit->mu <= 0.0 ? 0 : n) ? 1.0 : 0.0;
        return x > mean;
    }
    saksi_bb_pmf(n, fit->mu, fit->rho, sc->pmf);
    double b = 0.0;
    if (x <= mean)
        for (int32_t k = 0; k < x; k++)
            b += sc->pmf[k];
    else
        for (int32_t k = x + 1; k <= n; k++)
            b += sc->pmf[k];
    *beyond = b;
    *point = sc->pmf[x];
    return x > mean;
}

/*
 * Nested one-way ANOVA of the stations' empirical logits, per stratum:
 * child regions (villages, districts) as groups within parents (districts,
 * regencies); Henderson's method 1 (Searle, Casella & McCulloch 1992,
 * Variance Components, 3.5), m0 the mean effective group size. It gives
 * the latent variance between children and within them (the within mean
 * square less the mean binomial variance), and per station (csize, when
 * not NULL) its parent's stations per child of its stratum. Two uses:
 *
 * - The village layer (district, village). A district's peers come in
 *   villages, so their spread estimates the village part of the latent
 *   variance from the number of villages, not of stations: with a dozen
 *   villages of ~80 stations the latent variance rests on tens of degrees
 *   of freedom, not hundreds, and a plug-in normal made a clean station of
 *   a deviant village (3276061002008, seed 2) look like p = 6e-10 where
 *   Student's t on the right degrees of freedom gives ~1e-8.
 * - The district layer (regency, district): the shrinkage of a district's
 *   fit toward its regency weighs k / (k + k0) with k0 = within / between,
 *   the empirical-Bayes weight of a group mean (and then the shrunk fit's
 *   variance is the predictive's: within + (1 - w) between). A fixed
 *   k0 = 10 where the data say ~3 over-predicted the variance by ~3%.
 */
typedef struct anova_fit {
    double between, within, binom; /* latent variance between and within children;
                                      mean binomial variance; NaN: too few groups */
} anova_fit;

typedef struct anova_sums {
    double w, dfw, b, dfb, m0, binom, k; /* within SS and df, between SS and df, m0 and
                                            binomial-variance numerators, stations */
} anova_sums;

/* Invalid votes and added voters: about 4 per station. */
static int small_counts(size_t m)
{
    return m == SAKSI_BM_INVALID || m == SAKSI_BM_ADDED;
}

/* A station's value for the nested ANOVA, and its binomial variance: the
 * empirical logit of x / n (the model's scale) — or, where counts are
 * small (rate), the rate x / n with the unbiased x/n (1 - x/n) / (n - 1).
 * The empirical logit's +1/2 and delta-method variance fail for counts
 * near 0: on clean simulated elections it put the village share of added
 * voters at 0.86 and of invalid votes at 0.25, where the simulator's
 * effects make them 0.26 and 0.14 (0.30² / (0.30² + 0.50²), 0.20² /
 * (0.20² + 0.50²)); on the rate scale 0.30 and 0.14. The share is a ratio
 * of variances, about the same on either scale. */
static double anova_value(int rate, int32_t x, int32_t n, double *var)
{
    if (rate) {
        double r = (double)x / n;
        *var = n > 1 ? r * (1.0 - r) / (n - 1.0) : 0.0;
        return r;
    }
    double r = (x + 0.5) / (n + 1.0);
    *var = 1.0 / ((n + 1.0) * r * (1.0 - r));
    return log(r / (1.0 - r));
}

/*
 * Whether measure m's ANOVA takes the rate scale: the small counts always,
 * and a share whose regular stations hold fewer than RATE_SCALE_COUNT
 * votes for it (or against it) on average. A minor candidate's counts are
 * small too: in clean five-candidate elections (national shares 0.43,
 * 0.30, 0.14, 0.07, 0.06; 8 of 200k, `saksi_baselines_calibrate calibrate
 * --shares ...`) the empirical logits put the village share of the two
 * smallest (13-15 votes a station) at 0.535 where the simulator's is
 * 0.462, and their randomized p below 0.05 / 0.001 at 0.048 / 0.0009
 * (PIT sd 0.991); on the rate scale 0.445-0.451 and 0.049-0.050 /
 * 0.00098-0.00099. Where counts are larger the logits are the closer: at
 * 37 votes (Indonesia's smallest, 0.17) they give 0.466 and the rate scale
 * 0.455, which left that candidate 0.3% more liberal at 0.05 on 20 clean
 * elections.
 */
#define RATE_SCALE_COUNT 20.0
static int rate_scale(const saksi_table *t, size_t m, const uint8_t *skip)
{
    if (small_counts(m)) return 1;
    double x = 0.0, rest = 0.0, k = 0.0;
    for (size_t i = 0; i < t->n; i++) {
        int32_t xi, ni;
        if (skip[i] != SAKSI_BSKIP_NONE || t->stratum[i] != SAKSI_STRATUM_REGULAR) continue;
        saksi_baseline_rate(t, m, i, &xi, &ni);
        x += xi;
        rest += (double)ni - xi;
        k += 1.0;
    }
    return k > 0.0 && (x < RATE_SCALE_COUNT * k || rest < RATE_SCALE_COUNT * k);
}

static void nested_anova(const saksi_table *t, size_t m, int rate, const uint8_t *skip, int parent,
                         int child, double *csize, anova_fit fit[SAKSI_NSTRATA])
{
    const saksi_regions *pg = &t->regions[parent];
    const uint32_t *ch = t->region_of[child];
    anova_sums a[SAKSI_NSTRATA];
    memset(a, 0, sizeof a);
    for (size_t d = 0; d < pg->n; d++) {
        size_t first = pg->first[d], end = first + pg->count[d];
        /* per stratum: the parent's sums, and the current child's */
        double dk[SAKSI_NSTRATA] = {0}, dy[SAKSI_NSTRATA] = {0}, dm2[SAKSI_NSTRATA] = {0};
        double vk[SAKSI_NSTRATA] = {0}, vy[SAKSI_NSTRATA] = {0}, vyy[SAKSI_NSTRATA] = {0};
        double nch[SAKSI_NSTRATA] = {0};
        for (size_t i = first; i <= end; i++) {
            if (i == end || (i > first && ch[i] != ch[i - 1])) { /* close a child */
                for (int s = 0; s < SAKSI_NSTRATA; s++) {
                    if (vk[s] == 0.0) continue;
                    a[s].w += vyy[s] - vy[s] * vy[s] / vk[s];
                    a[s].dfw += vk[s] - 1.0;
                    a[s].b += vy[s] * vy[s] / vk[s];
                    dk[s] += vk[s];
                    dy[s] += vy[s];
                    dm2[s] += vk[s] * vk[s];
                    nch[s] += 1.0;
                    vk[s] = vy[s] = vyy[s] = 0.0;
                }
                if (i == end) break;
            }
            int32_t x, n;
            double bv;
            if (skip[i] != SAKSI_BSKIP_NONE) continue;
            saksi_baseline_rate(t, m, i, &x, &n);
            double y = anova_value(rate, x, n, &bv);
            int s = t->stratum[i];
            vk[s] += 1.0;
            vy[s] += y;
            vyy[s] += y * y;
            a[s].binom += bv;
            a[s].k += 1.0;
        }
        for (int s = 0; s < SAKSI_NSTRATA; s++) {
            if (dk[s] == 0.0) continue;
            a[s].b -= dy[s] * dy[s] / dk[s];
            a[s].dfb += nch[s] - 1.0;
            a[s].m0 += dk[s] - dm2[s] / dk[s];
        }
        if (csize)
            for (size_t i = first; i < end; i++)
                csize[i] = nch[t->stratum[i]] > 0.0 ? dk[t->stratum[i]] / nch[t->stratum[i]] : 1.0;
    }
    for (int s = 0; s < SAKSI_NSTRATA; s++) {
        fit[s].between = fit[s].within = fit[s].binom = NAN;
        if (a[s].dfw < 1.0 || a[s].dfb < 1.0) continue;
        double msw = a[s].w / a[s].dfw, msb = a[s].b / a[s].dfb, m0 = a[s].m0 / a[s].dfb;
        double vb = (msb - msw) / m0;
        fit[s].binom = a[s].binom / a[s].k;
        fit[s].between = vb > 0.0 ? vb : 0.0; /* Henderson's estimate can be negative */
        fit[s].within = msw > fit[s].binom ? msw - fit[s].binom : 0.0;
    }
}

/* The village share f of the latent variance within districts, 0..1 (0
 * when it cannot be estimated). */
static double village_share(const anova_fit *a)
{
    double tot = a->between + a->within;
    return tot > 0.0 ? a->between / tot : 0.0; /* NaN compares false: 0 */
}

/* The shrinkage constant of the district fits of the regular stratum:
 * within / between districts (rate-scale noise included, as in a sample
 * mean's variance); the configured k0 when the districts of a regency do
 * not differ measurably. */
static double district_k0(const anova_fit *a, double fallback)
{
    double k0 = (a->within + a->binom) / a->between;
    return k0 > 0.0 && isfinite(k0) ? k0 : fallback;
}

/*
 * Degrees of freedom of the fit's latent variance. A fit is itself
 * uncertain, and a normal whose variance is estimated predicts with
 * Student's t. The peers measure the latent variance v only through their
 * rates' total variance v + mu (1 - mu) / n, and its village part only
 * through their villages (keff / csize of them): Satterthwaite's
 * 1 / ((share f)^2 / (villages - 1) + (1 - share f)^2 / (keff - 1)) times
 * share^2, share = v / (v + mu (1 - mu) / n) the latent part of a rate's
 * variance and f the village part of the latent. Few where counts are
 * small and binomial noise dominates (invalid and added voters, ~4 per
 * station), tens where a district holds a dozen villages.
 */
static double satterthwaite_df(double keff, const saksi_bb *fit, int32_t n, double f, double csize)
{
    if (isnan(keff) || !(fit->mu > 0.0 && fit->mu < 1.0) || n < 1 || keff <= 1.0) return 0.0;
    double b = fit->mu * (1.0 - fit->mu), v = fit->rho * b, share = v / (v + b / n);
    double villages = keff / (csize > 1.0 ? csize : 1.0);
    double fv = share * f, fs = 1.0 - fv;
    double inv = fs * fs / (keff - 1.0) + (villages > 1.0 ? fv * fv / (villages - 1.0) : 0.0);
    if (villages <= 1.0 && fv > 0.0) inv += fv * fv; /* one village: its part on one df */
    double nu = share * share / inv;
    return nu > 0.0 ? nu : 0.0;
}

/* The degrees of freedom of a station's predictive t: the normal at
 * t_peers or more, at least 2. */
static double tail_df(double df, size_t t_peers)
{
    return df >= (double)t_peers ? 0.0 : df > 2.0 ? df : 2.0;
}

/* A fit whose latent variance (within-district part `within`, on nu df)
 * is moderated toward the prior s0^2 on d0 df: the logit-scale variance
 * s2 = (nu s2_fit + d0 s0^2) / (nu + d0), then times the station's size
 * factor f (saksi_size_trends), the rest of rho kept. No df on either
 * side: the fit's own s2. */
static double moderated_rho(const saksi_bb *fit, double within, double nu, double d0, double s0,
                            double f)
{
    double b = fit->mu * (1.0 - fit->mu), rest = fit->rho - within;
    double s2 = nu + d0 > 0.0 ? (nu * within / b + d0 * s0) / (nu + d0) : within / b;
    /* a size factor takes the fit at most 99% of the way to the
     * beta-binomial's reach (rho = 1), and never below its own: the
     * reach is the prior's to keep (within_reach), not the factor's */
    double own = s2 * b, scaled = f * own, room = 0.99 * (1.0 - rest);
    if (scaled > own && !(scaled < room)) scaled = own > room ? own : room;
    return scaled + rest;
}

/* 1 when the prior (d0, s0) keeps every tested station of the stratum
 * within the beta-binomial's reach (moderated rho < 1). */
static int within_reach(const saksi_table *t, const uint8_t *skip, const saksi_bb *fit,
                        const double *within, const double *nu, const double *vscale, int stratum,
                        double d0, double s0)
{
    for (size_t i = 0; i < t->n; i++)
        if (skip[i] == SAKSI_BSKIP_NONE && t->stratum[i] == stratum &&
            fit[i].mu * (1.0 - fit[i].mu) > 0.0 &&
            !(moderated_rho(&fit[i], within[i], nu[i], d0, s0, vscale[i]) < 1.0))
            return 0;
    return 1;
}

/* Stations of a stratum scored by the predictive likelihood: one in
 * `stride` by their id's hash, so at most about this many. */
#define PREDICTIVE_SAMPLE 8192
/* Fewer sampled stations than this: the fixed prior. */
#define PREDICTIVE_MIN 200

typedef struct predictive_ctx {
    const saksi_table *t;
    size_t m;
    const uint8_t *skip;
    const saksi_bb *fit;
    const double *within, *nu;
    const saksi_baseline_options *opt;
    scratch *sc;
    int stratum;
    uint64_t stride;
    double s0;
} predictive_ctx;

/* The grid of prior df tried: 1, 2, 4, ..., 1024 (the ceiling stands for
 * infinite). */
#define PREDICTIVE_GRID 11

/*
 * The d0 of the grid under which the stratum's counts are most probable,
 * each predicted by its own leave-one-out fit moderated with that d0: the
 * sum of log P(X = x) over the sampled stations is Geisser's
 * pseudo-likelihood, a cross-validated likelihood of d0. The grid values
 * are taken by falling likelihood, and the first that keeps every station
 * of the stratum, sampled or not, within the beta-binomial's reach is
 * chosen (rho >= 1: the prior's scale s0^2 is a mean over very different
 * districts, and a station whose own fit is wide can pass 1 with it; seen
 * on Sirekap, a station at a mean of 0.09); 0 when none does. A grid, not
 * a search that assumes one peak: with districts of heavy-tailed
 * dispersion the likelihood wobbles by a few units near the floor. A
 * factor 2 is fine enough: against a grid of factor sqrt 2 (and twice the
 * sample) it moved the share of randomized p below 0.05, 0.01 and 0.001
 * by under 0.0001 on 20 clean elections. Cost at 823k stations: ~1.3
 * CPU s per measure, 7% of the baselines.
 */
static double predictive_prior_df(const predictive_ctx *c)
{
    const saksi_table *t = c->t;
    double ll[PREDICTIVE_GRID] = {0};
    for (size_t i = 0; i < t->n; i++) {
        int32_t x = 0, n = 0;
        double b = c->fit[i].mu * (1.0 - c->fit[i].mu);
        if (c->skip[i] != SAKSI_BSKIP_NONE || t->stratum[i] != c->stratum || !(b > 0.0) ||
            (t->id_hash[i] >> 16) % c->stride != 0)
            continue;
        saksi_baseline_rate(t, c->m, i, &x, &n);
        for (int j = 0; j < PREDICTIVE_GRID; j++) {
            double d0 = exp2(j), beyond, point;
            saksi_bb f = c->fit[i];
            f.rho = moderated_rho(&c->fit[i], c->within[i], c->nu[i], d0, c->s0, c->sc->vscale[i]);
            if (!(f.rho < 1.0)) ll[j] = -HUGE_VAL; /* out, whatever the rest */
            if (ll[j] == -HUGE_VAL) continue;
            station_tail(c->opt->null, x, n, &f, 0.0, tail_df(c->nu[i] + d0, c->opt->t_peers),
                         c->sc, &beyond, &point);
            ll[j] += log(point > 1e-300 ? point : 1e-300);
        }
    }
    for (;;) {
        int best = -1; /* the most probable left; the smallest d0 of a tie */
        for (int j = 0; j < PREDICTIVE_GRID; j++)
            if (ll[j] > -HUGE_VAL && (best < 0 || ll[j] > ll[best])) best = j;
        if (best < 0) return 0.0;
        if (within_reach(t, c->skip, c->fit, c->within, c->nu, c->sc->vscale, c->stratum,
                         exp2(best), c->s0))
            return exp2(best);
        ll[best] = -HUGE_VAL;
    }
}

/*
 * Moderated latent variance (Smyth 2004, the empirical Bayes of limma):
 * a fit whose latent variance rests on nu degrees of freedom is pulled
 * toward the stratum's prior (the variance moderated is the fit's
 * within-district part, `within` from saksi_peers_fit; the error of a
 * leave-village-out fit's shrunk mean is added back as it is), a scaled
 * inverse chi-square with scale s0^2 on d0 degrees of freedom:
 * s2 = (nu s2_fit + d0 s0^2) / (nu + d0), on the logit scale
 * (s2 = rho / (mu (1 - mu)), the delta method; the simulator's and,
 * measured on Sirekap, real elections' station effects are about constant
 * there). The predictive t then has nu + d0 degrees of freedom. Without it
 * a fit of few peers with small counts (an overseas mission's invalid
 * votes: 11 peers of ~4 each) often estimates no latent variance at
 * all, and its null collapses to the binomial: a clean station 2.3 latent
 * sds out got p = 3e-9. d0 and s0^2 come from the fits
 * themselves (saksi_prior_fit) for turnout and the shares: districts
 * differ in how heterogeneous they are, and d0 says by how much (turnout
 * ~8, shares ~12-14 on clean elections). A fixed d0 = 10 toward the
 * arithmetic mean of the fits made regular turnout 14% conservative at
 * 0.05 and 38% at 0.001 on clean elections; estimated, 6% and 26%.
 *
 * Invalid votes and added voters (~4 per station) cannot take that
 * estimate: their fits' Satterthwaite df describe the scatter of their
 * variances poorly (estimates of d0 from 60 to infinite), and with it a
 * clean station's added voters (86% vs its district's 3.6%) got p = 1e-13
 * and was ranked in one of 22 clean national elections. Their fits enter
 * the sums without df (the mean only), and their d0 is the one under
 * which the stations' own counts are most probable, each predicted from
 * its peers (predictive_prior_df): heavy tails, from districts that differ
 * or from stations that do, call for a small d0, and a model that fits
 * calls for a large one. On 20 clean elections of 200,000 stations it
 * chose 840 on average for invalid votes (the simulator draws them with
 * one heterogeneity everywhere: d0 infinite) and 58 for added voters
 * (drawn from the ballots left over, not binomial on the voters); on
 * Sirekap 2024, 32 and 1 (2 before size_trend). The fixed d0 = 10 had made invalid votes 15%
 * conservative at 0.001 on clean elections, and d0 = 1000 made added
 * voters 25% liberal. Where the prior can be neither estimated nor chosen
 * (under PREDICTIVE_MIN stations to score, or 50 usable fits) the fixed
 * d0 and the mean remain: taking the mean as the scale of a scaled
 * inverse chi-square, (d0 - 2) / d0 of it, made them up to 2.2x liberal
 * at 0.001.
 */
static saksi_status moderate(const saksi_table *t, size_t m, int rate, const uint8_t *skip,
                             const saksi_baseline_options *opt, const anova_fit *villages,
                             double k0, scratch *sc, double *prior_df, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_bb *fit = sc->fit;
    const double *within = sc->within, nu0 = opt->prior_df;
    double *df = sc->keff;
    saksi_prior_sums ps[SAKSI_NSTRATA];
    double d0[SAKSI_NSTRATA] = {0}, s0[SAKSI_NSTRATA] = {0}, *peers = NULL;
    int estimated[SAKSI_NSTRATA];
    memset(ps, 0, sizeof ps);
    for (size_t i = 0; i < t->n; i++) {
        int32_t x, n;
        double b = fit[i].mu * (1.0 - fit[i].mu);
        if (skip[i] != SAKSI_BSKIP_NONE) continue;
        if (!(b > 0.0)) { /* every peer at 0% or 100%: the beta-binomial pmf, no t */
            df[i] = 0.0;
            continue;
        }
        saksi_baseline_rate(t, m, i, &x, &n);
        double nu = satterthwaite_df(df[i], &fit[i], n, village_share(&villages[t->stratum[i]]),
                                     sc->csize[i]);
        saksi_prior_add(&ps[t->stratum[i]], within[i] / b, small_counts(m) ? 0.0 : nu);
        df[i] = nu;
    }
    for (int s = 0; s < SAKSI_NSTRATA; s++)
        estimated[s] = saksi_prior_fit(&ps[s], nu0, &d0[s], &s0[s]);
    /* An estimated scale beyond the beta-binomial's reach at some station's
     * mean (s0^2 mu (1 - mu) >= 1, where the delta method fails: noken
     * turnout on Sirekap, logit variance 6.8 at mean 0.8) is not used
     * either. */
    for (size_t i = 0; i < t->n; i++)
        if (skip[i] == SAKSI_BSKIP_NONE &&
            !(s0[t->stratum[i]] * fit[i].mu * (1.0 - fit[i].mu) < 1.0))
            estimated[t->stratum[i]] = 0;
    for (int s = 0; s < SAKSI_NSTRATA; s++) {
        if (estimated[s]) continue;
        d0[s] = nu0; /* the fixed prior */
        s0[s] = ps[s].mean / ps[s].k;
        uint64_t stride = (uint64_t)(ps[s].k / PREDICTIVE_SAMPLE) + 1;
        if (small_counts(m) && nu0 > 0.0 && ps[s].k / stride >= PREDICTIVE_MIN) {
            predictive_ctx c = {t, m, skip, fit, within, df, opt, sc, s, stride, s0[s]};
            double chosen = predictive_prior_df(&c);
            if (chosen > 0.0) d0[s] = chosen;
        }
    }
    /* A prior that would still take some station of its stratum beyond
     * the beta-binomial's reach is weakened, its df halved until none is,
     * down to 0, where every fit stands on its own (within reach by
     * construction). The fixed prior's scale is the plain mean of the
     * fits' own, and one wild fit can make it huge: a fuzzed input of 15
     * stations reached rho = 29 at another station's mean of 0.44
     * (tests/fuzz/regressions/csv/baselines-prior-beyond-reach). */
    for (int s = 0; s < SAKSI_NSTRATA; s++)
        while (d0[s] > 0.0 && !within_reach(t, skip, fit, within, df, sc->vscale, s, d0[s], s0[s]))
            d0[s] = d0[s] > 1.0 / 1024.0 ? 0.5 * d0[s] : 0.0;
    *prior_df = d0[SAKSI_STRATUM_REGULAR];
    /* A fit of few district peers rests on wider ones: its district's
     * scale is unknown (saksi_unknown_scale_df). The regular stratum's
     * latent variance within districts, on the ANOVA's scale. */
    const anova_fit *rv = &villages[SAKSI_STRATUM_REGULAR];
    double local_var = rv->between + rv->within; /* NaN: unknown, no term */
    const uint32_t *district = t->region_of[SAKSI_LEVEL_DISTRICT];
    if (!(peers = saksi_calloc_array(t->regions[SAKSI_LEVEL_DISTRICT].n * SAKSI_NSTRATA + 1,
                                     sizeof *peers)))
        SAKSI_ALLOC_FAIL("district peers");
    for (size_t i = 0; i < t->n; i++)
        peers[district[i] * SAKSI_NSTRATA + t->stratum[i]] += skip[i] == SAKSI_BSKIP_NONE;
    for (size_t i = 0; i < t->n; i++) {
        int s = t->stratum[i];
        double b = fit[i].mu * (1.0 - fit[i].mu);
        if (skip[i] != SAKSI_BSKIP_NONE || !(b > 0.0)) continue;
        if (nu0 <= 0.0) { /* no moderation: the fit's own, at the station's size */
            fit[i].rho = moderated_rho(&fit[i], within[i], 0.0, 0.0, 0.0, sc->vscale[i]);
            continue;
        }
        double rho = moderated_rho(&fit[i], within[i], df[i], d0[s], s0[s], sc->vscale[i]);
        /* rho is a correlation; the prior was weakened until every
         * station is within reach (above), so this is a broken invariant */
        if (!(rho < 1.0))
            SAKSI_FAIL(SAKSI_ERR_INTERNAL, "moderated dispersion %g at mean %g", rho, fit[i].mu);
        df[i] += d0[s];
        double k = peers[district[i] * SAKSI_NSTRATA + s] - 1.0;
        /* its within-district share; NaN where local_var is */
        double w = local_var / (rate ? rho * b : rho / b);
        if (w > 0.0)
            df[i] = saksi_unknown_scale_df(df[i], k0 / (k + k0) * (w < 1.0 ? w : 1.0),
                                           d0[SAKSI_STRATUM_REGULAR], &rho);
        fit[i].rho = rho;
    }
out:
    free(peers);
    return rc;
}

/* 2 min(t, 1 - t), at most 1. */
static double two_sided(double t)
{
    double two = 2.0 * (t < 0.5 ? t : 1.0 - t);
    return two > 1.0 ? 1.0 : two < 0.0 ? 0.0 : two;
}

/* A uniform on [0, 1) for (station, measure), from Philox keyed by the
 * seed: the same on every run and thread count. */
static double station_uniform(uint64_t seed, uint64_t hash, size_t m)
{
    saksi_philox_ctr c = {{(uint32_t)hash, (uint32_t)(hash >> 32), (uint32_t)m, 0x70697421u}};
    c = saksi_philox4x32_10(c, (uint32_t)seed, (uint32_t)(seed >> 32));
    uint64_t w = ((uint64_t)c.v[0] << 32 | c.v[1]) >> 11;
    return (double)w * (1.0 / 9007199254740992.0);
}

/* Stations whose regency holds fewer than min peers of their stratum take
 * the province's fit (the nation's when the province has fewer too),
 * shrunk as saksi_peers_fit shrinks a district toward its regency, with
 * k0s[stratum] the empirical-Bayes constant of regencies within provinces
 * (the province's toward the nation keeps the configured k0). The fixed
 * k0 = 10 there over-shrank: special TPS's shares are 1-2 by the data;
 * on clean elections their PIT's sd was 0.983-0.985 with 10 and
 * 0.988-0.991 with it (before the size-weighted mean error, which
 * widened both by ~1%). */
static saksi_status widen(const saksi_table *t, size_t m, const uint8_t *skip,
                          const saksi_baseline_options *opt, const double *k0s, saksi_bb *fit,
                          double *keff, double *within, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_regions *pr = &t->regions[SAKSI_LEVEL_PROVINCE],
                        *rg = &t->regions[SAKSI_LEVEL_REGENCY];
    saksi_bb_sums *prov = saksi_calloc_array(pr->n * SAKSI_NSTRATA + 1, sizeof *prov);
    saksi_bb_sums nat[SAKSI_NSTRATA];
    const double need = (double)opt->min_fit_peers;
    memset(nat, 0, sizeof nat);
    if (!prov) SAKSI_ALLOC_FAIL("province peer sums");
    for (size_t i = 0; i < t->n; i++) {
        int32_t x, n;
        if (skip[i] != SAKSI_BSKIP_NONE) continue;
        saksi_baseline_rate(t, m, i, &x, &n);
        double size = saksi_station_size(t, i, n);
        saksi_bb_sums_add_sized(
            &prov[t->region_of[SAKSI_LEVEL_PROVINCE][i] * SAKSI_NSTRATA + t->stratum[i]], x, n,
            size, 1.0);
        saksi_bb_sums_add_sized(&nat[t->stratum[i]], x, n, size, 1.0);
    }
    for (size_t r = 0; r < rg->n; r++) {
        size_t first = rg->first[r], end = first + rg->count[r];
        double count[SAKSI_NSTRATA] = {0};
        for (size_t i = first; i < end; i++)
            count[t->stratum[i]] += skip[i] == SAKSI_BSKIP_NONE;
        for (size_t i = first; i < end; i++) {
            int32_t x, n;
            int s = t->stratum[i];
            if (skip[i] != SAKSI_BSKIP_NONE || count[s] - 1.0 >= need) continue;
            saksi_baseline_rate(t, m, i, &x, &n);
            saksi_bb_sums ps = prov[t->region_of[SAKSI_LEVEL_PROVINCE][i] * SAKSI_NSTRATA + s];
            saksi_bb_sums ns = nat[s];
            double size = saksi_station_size(t, i, n);
            saksi_bb_sums_add_sized(&ps, x, n, size, -1.0);
            saksi_bb_sums_add_sized(&ns, x, n, size, -1.0);
            saksi_bb pf, nf, wide;
            double kw = ps.k, k0 = opt->peers.shrink_k0;
            saksi_bb_fit(&ps, &pf);
            saksi_bb_fit(&ns, &nf);
            if (ps.k >= need) {
                wide = pf;
            } else {
                saksi_bb_shrink(&pf, ps.k, &nf, k0, &wide);
                kw = saksi_shrunk_peers(ps.k, ns.k, k0);
            }
            /* the regency's fit without its own mean's error: the
             * shrinkage's (1 - w) rho_wide holds it */
            saksi_bb local = {fit[i].ok, fit[i].mu, within[i], fit[i].size_log};
            saksi_bb_shrink(&local, count[s] - 1.0, &wide, k0s[s], &fit[i]);
            /* its variance's df (the mean's count where no fit has a
             * spread: the t then stands on that) */
            double kv = saksi_shrunk_variance_peers(&local, count[s] - 1.0, &wide, kw, k0s[s]);
            keff[i] = kv > 0.0 ? kv : saksi_shrunk_peers(count[s] - 1.0, kw, k0s[s]);
            within[i] = fit[i].rho; /* the wide mean's error apart, as saksi_peers_fit */
            /* the province's error (the nation's where the province is
             * empty): a province of few peers shrunk toward the nation
             * errs less, a rare case counted on the safe side */
            fit[i].rho = saksi_bb_wide_error(&fit[i], &local, count[s] - 1.0, &wide,
                                             ps.k >= 1.0 ? &ps : &ns, k0s[s]);
        }
    }
out:
    free(prov);
    return rc;
}

static saksi_status measure_run(const saksi_table *t, const saksi_rules *rules,
                                const uint32_t *fail, const saksi_baseline_options *opt,
                                const peer_votes *pv, saksi_baselines *b, size_t m, scratch *sc,
                                saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const size_t n = t->n;
    uint8_t *skip = b->skip + m * n;
    double *p = b->p + m * n, *z = b->z + m * n, *ex = b->expected + m * n, *rho = b->rho + m * n;
    saksi_bb *fit = sc->fit;
    double *q = NULL, skew_sum = 0.0;
    size_t regular = 0;
    uint32_t mask = saksi_baseline_rule_mask(rules, t, m);
    rate_ctx ctx = {m};
    sc->last_a = sc->last_s = 0.0;
    for (size_t i = 0; i < n; i++) {
        int32_t x, sz;
        int why = saksi_baseline_rate(t, m, i, &x, &sz);
        if (why == SAKSI_BSKIP_NONE && fail && (fail[i] & mask)) why = SAKSI_BSKIP_INTEGRITY;
        /* Noken communities may vote as one bloc, giving one candidate every
         * vote (the simulator does so at 40% of noken TPS): no binomial share
         * to test. */
        if (why == SAKSI_BSKIP_NONE && m >= SAKSI_BM_CAND0 && t->stratum[i] == SAKSI_STRATUM_NOKEN)
            why = SAKSI_BSKIP_STRATUM;
        skip[i] = (uint8_t)why;
        p[i] = z[i] = ex[i] = rho[i] = NAN;
        if (b->pit) b->pit[m * n + i] = NAN;
    }
    /* Every station that is not tested is no one's peer either. */
    anova_fit districts[SAKSI_NSTRATA];
    saksi_peer_options peers = opt->peers;
    int rate = rate_scale(t, m, skip);
    nested_anova(t, m, rate, skip, SAKSI_LEVEL_REGENCY, SAKSI_LEVEL_DISTRICT, NULL, districts);
    peers.shrink_k0 = district_k0(&districts[SAKSI_STRATUM_REGULAR], opt->peers.shrink_k0);
    b->shrink_k0[m] = peers.shrink_k0;
    anova_fit villages[SAKSI_NSTRATA];
    nested_anova(t, m, rate, skip, SAKSI_LEVEL_DISTRICT, SAKSI_LEVEL_VILLAGE, sc->csize, villages);
    b->village_share[m] = village_share(&villages[SAKSI_STRATUM_REGULAR]);
    peers.village_share = b->village_share[m];
    for (size_t i = 0; i < n; i++)
        sc->keff[i] = NAN;
    SAKSI_TRY(saksi_peers_fit(t, rate_cb, &ctx, skip, &peers, fit, sc->keff, sc->within, err));
    anova_fit regencies[SAKSI_NSTRATA]; /* for widen */
    double k0s[SAKSI_NSTRATA];
    nested_anova(t, m, rate, skip, SAKSI_LEVEL_PROVINCE, SAKSI_LEVEL_REGENCY, NULL, regencies);
    for (int s = 0; s < SAKSI_NSTRATA; s++)
        k0s[s] = district_k0(&regencies[s], opt->peers.shrink_k0);
    SAKSI_TRY(widen(t, m, skip, opt, k0s, fit, sc->keff, sc->within, err));
    double trend[SAKSI_NSTRATA], slope[SAKSI_NSTRATA], village[SAKSI_NSTRATA];
    for (int s = 0; s < SAKSI_NSTRATA; s++)
        village[s] = village_share(&villages[s]);
    SAKSI_TRY(saksi_size_trends(t, m, skip, sc->rule, opt->size_trend, opt->size_dispersion,
                                village, fit, sc->within, sc->vscale, trend, slope, err));
    b->size_trend[m] = trend[SAKSI_STRATUM_REGULAR];
    b->size_dispersion[m] = slope[SAKSI_STRATUM_REGULAR];
    for (size_t i = 0; i < n; i++)
        if (skip[i] == SAKSI_BSKIP_NONE && !fit[i].ok) skip[i] = SAKSI_BSKIP_NO_PEERS;
    for (size_t r = 0; r < t->regions[SAKSI_LEVEL_REGENCY].n; r++)
        regency_z(t, m, r, skip, opt, sc, z);
    /* From here sc->keff holds each fit's degrees of freedom. */
    SAKSI_TRY(moderate(t, m, rate, skip, opt, villages, peers.shrink_k0, sc, &b->prior_df[m], err));
    /* Three candidates or more (pv): a share's latent logit is skewed. */
    if (m < SAKSI_BM_CAND0) pv = NULL;
    if (pv && !(q = saksi_malloc_array(t->ncand, sizeof *q))) SAKSI_ALLOC_FAIL("peers' votes");
    for (size_t i = 0; i < n; i++) {
        int32_t x, sz;
        b->skipped[m][skip[i]]++;
        if (skip[i] != SAKSI_BSKIP_NONE) {
            z[i] = NAN;
            continue;
        }
        if (i % 65536 == 0 && saksi_stop_requested())
            SAKSI_FAIL(SAKSI_ERR_INTERRUPTED, "station baselines interrupted");
        saksi_baseline_rate(t, m, i, &x, &sz);
        double beyond, point, skew = pv ? share_skew(t, m, i, pv, &fit[i], sc->rule, q) : 0.0;
        int upper = station_tail(opt->null, x, sz, &fit[i], saksi_lnb_eps_of_skew(skew),
                                 tail_df(sc->keff[i], opt->t_peers), sc, &beyond, &point);
        if (t->stratum[i] == SAKSI_STRATUM_REGULAR) {
            skew_sum += skew;
            regular++;
        }
        p[i] = two_sided(beyond + 0.5 * point);
        if (b->pit) { /* beyond and point are on the side upper says */
            double v = beyond + station_uniform(opt->seed, t->id_hash[i], m) * point;
            b->pit[m * n + i] = upper ? 1.0 - v : v;
        }
        ex[i] = sz * fit[i].mu;
        rho[i] = fit[i].rho;
        b->tested[m]++;
    }
    b->share_skew[m] = regular ? skew_sum / (double)regular : 0.0;
out:
    free(q);
    return rc;
}

static void scratch_free(scratch *sc)
{
    free(sc->dist);
    free(sc->reg);
    free(sc->dr);
    free(sc->rr);
    free(sc->dpos);
    free(sc->rpos);
    free(sc->dfirst);
    free(sc->rfirst);
    free(sc->dcount);
    free(sc->rcount);
    free(sc->pmf);
    free(sc->fit);
    free(sc->keff);
    free(sc->within);
    free(sc->csize);
    free(sc->vscale);
    memset(sc, 0, sizeof *sc);
}

static int scratch_alloc(scratch *sc, size_t maxreg, int32_t maxsize, size_t n)
{
    sc->dist = saksi_malloc_array(maxreg, sizeof *sc->dist);
    sc->reg = saksi_malloc_array(maxreg, sizeof *sc->reg);
    sc->dr = saksi_malloc_array(maxreg, sizeof *sc->dr);
    sc->rr = saksi_malloc_array(maxreg, sizeof *sc->rr);
    sc->dpos = saksi_malloc_array(maxreg, sizeof *sc->dpos);
    sc->rpos = saksi_malloc_array(maxreg, sizeof *sc->rpos);
    sc->dfirst = saksi_malloc_array(maxreg, sizeof *sc->dfirst);
    sc->rfirst = saksi_malloc_array(maxreg, sizeof *sc->rfirst);
    sc->dcount = saksi_malloc_array(maxreg, sizeof *sc->dcount);
    sc->rcount = saksi_malloc_array(maxreg, sizeof *sc->rcount);
    sc->pmf = saksi_malloc_array((size_t)maxsize + 1, sizeof *sc->pmf);
    sc->fit = saksi_malloc_array(n ? n : 1, sizeof *sc->fit);
    sc->keff = saksi_malloc_array(n ? n : 1, sizeof *sc->keff);
    sc->within = saksi_malloc_array(n ? n : 1, sizeof *sc->within);
    sc->csize = saksi_malloc_array(n ? n : 1, sizeof *sc->csize);
    sc->vscale = saksi_malloc_array(n ? n : 1, sizeof *sc->vscale);
    return sc->dist && sc->reg && sc->dr && sc->rr && sc->dpos && sc->rpos && sc->dfirst &&
           sc->rfirst && sc->dcount && sc->rcount && sc->pmf && sc->fit && sc->keff && sc->within &&
           sc->csize && sc->vscale;
}

/* One worker: measures first, first + step, ... each with its own scratch
 * and error; the measures write disjoint parts of b. */
typedef struct worker {
    const saksi_table *t;
    const saksi_rules *rules;
    const uint32_t *fail;
    const saksi_baseline_options *opt;
    const peer_votes *pv; /* NULL: no share is skewed */
    saksi_baselines *b;
    size_t first, step, maxreg;
    int32_t maxsize;
    const saksi_lnb_rule *rule;
    saksi_status rc;
    size_t failed_measure;
    saksi_error err;
} worker;

static void *worker_run(void *arg)
{
    worker *w = arg;
    scratch sc = {0};
    saksi_error *err = &w->err;
    saksi_status rc = SAKSI_OK;
    /* Only the beta-binomial variant walks a pmf (the logit-normal's
     * degenerate fits are point masses): no array of the largest size else. */
    if (!scratch_alloc(&sc, w->maxreg, w->opt->null == SAKSI_BASELINE_BETABINOMIAL ? w->maxsize : 0,
                       w->t->n))
        SAKSI_ALLOC_FAIL("station baseline scratch");
    sc.rule = w->rule;
    for (size_t m = w->first; m < w->b->nmeasures; m += w->step) {
        w->failed_measure = m;
        SAKSI_TRY(measure_run(w->t, w->rules, w->fail, w->opt, w->pv, w->b, m, &sc, err));
    }
    w->failed_measure = SIZE_MAX;
out:
    scratch_free(&sc);
    w->rc = rc;
    return NULL;
}

saksi_status saksi_baselines_run(const saksi_table *t, const saksi_rules *rules,
                                 const uint32_t *fail, const saksi_baseline_options *opt,
                                 saksi_baselines **out, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_baselines *b = calloc(1, sizeof *b);
    saksi_lnb_rule rule;
    peer_votes pv = {NULL, NULL};
    worker w[SAKSI_BASELINE_MAX_THREADS];
    pthread_t tid[SAKSI_BASELINE_MAX_THREADS];
    size_t started = 0;
    double t0 = saksi_now();
    *out = NULL;
    if (!b) SAKSI_ALLOC_FAIL("station baselines");
    if (opt->null < 0 || opt->null >= SAKSI_NBASELINE_NULLS)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "station baseline null %d is not one of the %d kinds",
                   opt->null, SAKSI_NBASELINE_NULLS);
    const size_t n = t->n, nm = SAKSI_BM_CAND0 + t->ncand, cells = (n ? n : 1) * nm;
    b->n = n;
    b->nmeasures = nm;
    b->null = opt->null;
    b->turnout_field = turnout_field(t);
    b->p = saksi_malloc_array(cells, sizeof *b->p);
    b->z = saksi_malloc_array(cells, sizeof *b->z);
    b->expected = saksi_malloc_array(cells, sizeof *b->expected);
    b->rho = saksi_malloc_array(cells, sizeof *b->rho);
    b->skip = saksi_malloc_array(cells, sizeof *b->skip);
    b->tested = saksi_calloc_array(nm, sizeof *b->tested);
    b->village_share = saksi_calloc_array(nm, sizeof *b->village_share);
    b->shrink_k0 = saksi_calloc_array(nm, sizeof *b->shrink_k0);
    b->prior_df = saksi_calloc_array(nm, sizeof *b->prior_df);
    b->share_skew = saksi_calloc_array(nm, sizeof *b->share_skew);
    b->size_trend = saksi_calloc_array(nm, sizeof *b->size_trend);
    b->size_dispersion = saksi_calloc_array(nm, sizeof *b->size_dispersion);
    b->skipped = saksi_calloc_array(nm, sizeof *b->skipped);
    if (opt->randomized && !(b->pit = saksi_malloc_array(cells, sizeof *b->pit)))
        SAKSI_ALLOC_FAIL("randomized PIT");
    if (!b->p || !b->z || !b->expected || !b->rho || !b->skip || !b->tested || !b->village_share ||
        !b->shrink_k0 || !b->prior_df || !b->share_skew || !b->size_trend || !b->size_dispersion ||
        !b->skipped)
        SAKSI_ALLOC_FAIL("station baselines");
    SAKSI_TRY(saksi_lnb_rule_init(&rule, err));
    /* Two candidates: a share's latent logit is normal, one minus the other. */
    int skewed = t->ncand >= 3 && opt->null == SAKSI_BASELINE_LOGITNORMAL;
    if (skewed && !peer_votes_build(t, rules, fail, &pv)) SAKSI_ALLOC_FAIL("peers' votes");

    /* Scratch: the largest regency, and the largest size of any measure. */
    size_t maxreg = 1;
    int32_t maxsize = 1;
    for (size_t r = 0; r < t->regions[SAKSI_LEVEL_REGENCY].n; r++)
        if (t->regions[SAKSI_LEVEL_REGENCY].count[r] > maxreg)
            maxreg = t->regions[SAKSI_LEVEL_REGENCY].count[r];
    for (size_t m = 0; m < nm; m++)
        for (size_t i = 0; i < n; i++) {
            int32_t x, sz;
            if (saksi_baseline_rate(t, m, i, &x, &sz) == SAKSI_BSKIP_NONE && sz > maxsize)
                maxsize = sz;
        }

    size_t nt = opt->threads;
    if (nt == 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        nt = online > 0 ? (size_t)online : 1;
    }
    nt = nt > SAKSI_BASELINE_MAX_THREADS ? SAKSI_BASELINE_MAX_THREADS : nt;
    nt = nt > nm ? nm : nt;
    for (size_t k = 0; k < nt; k++)
        w[k] = (worker){t,      rules,  fail,  opt,   skewed ? &pv : NULL, b, k, nt, maxreg,
                        maxsize, &rule, SAKSI_OK, SIZE_MAX, {0}};
    /* Worker 0 runs on this thread; a thread that cannot start leaves its
     * measures to a second pass here. */
    for (size_t k = 1; k < nt; k++) {
        if (pthread_create(&tid[k], NULL, worker_run, &w[k]) != 0) break;
        started = k;
    }
    worker_run(&w[0]);
    for (size_t k = 1; k <= started; k++)
        pthread_join(tid[k], NULL);
    for (size_t k = started + 1; k < nt; k++)
        worker_run(&w[k]);
    /* Report the failure of the lowest measure, whatever the thread count. */
    size_t worst = SIZE_MAX;
    for (size_t k = 0; k < nt; k++)
        if (w[k].rc != SAKSI_OK &&
            (worst == SIZE_MAX || w[k].failed_measure < w[worst].failed_measure))
            worst = k;
    if (worst != SIZE_MAX) {
        rc = w[worst].rc;
        if (err) *err = w[worst].err;
        goto out;
    }
    b->seconds = saksi_now() - t0;
    *out = b;
    b = NULL;
out:
    peer_votes_free(&pv);
    saksi_baselines_free(b);
    return rc;
}

void saksi_baselines_free(saksi_baselines *b)
{
    if (!b) return;
    free(b->p);
    free(b->z);
    free(b->expected);
    free(b->rho);
    free(b->pit);
    free(b->skip);
    free(b->tested);
    free(b->village_share);
    free(b->shrink_k0);
    free(b->prior_df);
    free(b->share_skew);
    free(b->size_trend);
    free(b->size_dispersion);
    free(b->skipped);
    free(b);
}

void saksi_turnout_free(saksi_turnout *tr)
{
    if (!tr) return;
    saksi_baselines_free(tr->baselines);
    saksi_kobak_free(tr->kobak);
    free(tr);
}
