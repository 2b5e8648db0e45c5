/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fingerprint_null.c — the null of the fraud fit: clean elections of the
 * same shape, simulated by saksi_simulate_table (hierarchical random
 * effects, overdispersion within districts, calibrated to Sirekap 2024)
 * with the input's turnout, shares and size, each run through exactly the
 * fit the input got. Heterogeneity alone makes the model fit f_i > 0 (and
 * sometimes f_e > 0); these fits say how much, so an observed (f_i, f_e)
 * is read against them, never against zero.
 */
#include "fingerprint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The simulator's default size: its provinces have their real 2024 sizes
 * at this many stations. */
#define FULL_SIZE SAKSI_SIM_DEFAULT_STATIONS
/* Codes match when at least this share of the input's usable stations lie
 * in provinces the simulator also has (an Indonesian input). */
#define CODE_MATCH_SHARE 0.5

/* Usable regular stations per province and pooled rates of a table. */
typedef struct shape_of {
    size_t n, nprov;
    size_t *per_prov;
    double turnout, leader_share;
    double share[SAKSI_SIM_MAX_CAND];
} shape_of;

static saksi_status measure(const saksi_table *t, const int32_t *code, const int32_t *const cols[4],
                            shape_of *sh, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    int64_t sum_t = 0, sum_n = 0, sum_w = 0, sum_v = 0, sum_valid = 0;
    int64_t sum_c[SAKSI_SIM_MAX_CAND] = {0};
    sh->nprov = t->regions[SAKSI_LEVEL_PROVINCE].n;
    sh->n = 0;
    sh->per_prov = saksi_calloc_array(sh->nprov ? sh->nprov : 1, sizeof *sh->per_prov);
    if (!sh->per_prov) SAKSI_ALLOC_FAIL("province sizes");
    for (size_t i = 0; i < t->n; i++) {
        if (code[i] < 0 || t->stratum[i] != SAKSI_STRATUM_REGULAR) continue;
        sh->n++;
        sh->per_prov[t->region_of[SAKSI_LEVEL_PROVINCE][i]]++;
        sum_t += cols[1][i];
        sum_n += cols[0][i];
        sum_w += cols[2][i];
        sum_v += cols[3][i];
        int complete = t->ncand <= SAKSI_SIM_MAX_CAND;
        for (size_t k = 0; k < t->ncand && complete; k++) {
            int32_t v = saksi_table_get(t, SAKSI_NFIXED + (int)k, i);
            complete = v != SAKSI_MISSING && v >= 0;
        }
        if (!complete) continue;
        sum_valid += cols[3][i];
        for (size_t k = 0; k < t->ncand; k++)
            sum_c[k] += saksi_table_get(t, SAKSI_NFIXED + (int)k, i);
    }
    sh->turnout = sum_n > 0 ? (double)sum_t / (double)sum_n : NAN;
    sh->leader_share = sum_v > 0 ? (double)sum_w / (double)sum_v : NAN;
    for (size_t k = 0; k < SAKSI_SIM_MAX_CAND; k++)
        sh->share[k] = sum_valid > 0 ? (double)sum_c[k] / (double)sum_valid : 0.0;
out:
    return rc;
}

/* The simulator's model shaped like the input: its turnout, its candidates'
 * shares (or the leader against the rest when there are more candidates
 * than the simulator draws), nothing planted. Returns the leader's index
 * in the simulation. */
static int sim_config(const saksi_table *t, int leader, const shape_of *in, uint64_t seed,
                      size_t stations, saksi_sim_config *c)
{
    int lead = 0;
    saksi_sim_config_init(c);
    c->seed = seed;
    c->stations = stations;
    /* Rates outside (0.02, 0.98) would leave the simulator's logit
     * calibration nothing to work with; no real turnout or share is
     * there (a documented guard, not a change to the data). */
    c->model.turnout = fmin(fmax(in->turnout, 0.02), 0.98);
    if (t->ncand >= 2 && t->ncand <= SAKSI_SIM_MAX_CAND) {
        double total = 0.0;
        c->ncand = t->ncand;
        for (size_t k = 0; k < t->ncand; k++)
            total += c->model.share[k] = fmax(in->share[k], 1e-3);
        for (size_t k = 0; k < t->ncand; k++)
            c->model.share[k] /= total;
        lead = leader;
    } else {
        double s = fmin(fmax(in->leader_share, 0.02), 0.98);
        c->ncand = 2;
        c->model.share[0] = s;
        c->model.share[1] = 1.0 - s;
        for (size_t k = 2; k < SAKSI_SIM_MAX_CAND; k++)
            c->model.share[k] = 0.0;
    }
    return lead;
}

/* One clean election: simulate, scope strata with the built-in Indonesian
 * rules (the simulator's noken, overseas and special stations), bin. */
static saksi_status simulate(const saksi_sim_config *c, const saksi_rules *rules, int lead,
                             int nb_t, int nb_s, saksi_table **out, int32_t **code,
                             saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_sim_label *labels = NULL;
    size_t nlabels = 0;
    uint32_t *enabled = NULL, *hist = NULL, *reasons = NULL;
    saksi_table *t = NULL;
    const int32_t *cols[4];
    *code = NULL;
    SAKSI_TRY(saksi_simulate_table(c, &t, &labels, &nlabels, NULL, err));
    enabled = saksi_malloc_array(t->n ? t->n : 1, sizeof *enabled);
    size_t nh = t->regions[SAKSI_LEVEL_PROVINCE].n * SAKSI_NSTRATA;
    hist = saksi_calloc_array(nh * (size_t)nb_t * (size_t)nb_s, sizeof *hist);
    reasons = saksi_calloc_array(nh * SAKSI_FP_NREASONS, sizeof *reasons);
    *code = saksi_malloc_array(t->n ? t->n : 1, sizeof **code);
    if (!enabled || !hist || !reasons || !*code) SAKSI_ALLOC_FAIL("a clean simulated election");
    SAKSI_TRY(saksi_rules_apply_scopes(rules, t, enabled, err));
    saksi_fp_columns(t, saksi_fp_turnout_field(t), lead, cols);
    saksi_fp_bin_cpu(t, cols, nb_t, nb_s, 0, t->n, *code, hist, reasons);
    *out = t;
    t = NULL;
out:
    if (rc != SAKSI_OK) {
        free(*code);
        *code = NULL;
    }
    saksi_table_free(t);
    free(labels);
    free(enabled);
    free(hist);
    free(reasons);
    return rc;
}

/* simulate() with the seed c->seed, else the next seeds: the simulator
 * refuses some seeds whose hierarchy would not fit the 13-digit TPS code
 * (a village of over 999 stations: SAKSI_ERR_LIMIT, about 1 seed in 10 at
 * full size). A refused seed is replaced by seed + step, at most
 * SAKSI_FP_NULL_SEED_TRIES times; *retried counts the replacements. */
static saksi_status simulate_retry(saksi_sim_config *c, uint64_t step, const saksi_rules *rules,
                                   int lead, int nb_t, int nb_s, saksi_table **out,
                                   int32_t **code, size_t *retried, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    for (int attempt = 0;; attempt++) {
        rc = simulate(c, rules, lead, nb_t, nb_s, out, code, err);
        if (rc != SAKSI_ERR_LIMIT || attempt + 1 >= SAKSI_FP_NULL_SEED_TRIES)
            break;
        c->seed += step;
        (*retried)++;
    }
    return rc;
}

/* Which simulated province stands for each input province (SIZE_MAX:
 * none), and the mask of simulated provinces in the national null. */
typedef struct matching {
    int by_code;
    size_t *sim_of; /* per input province */
    uint8_t *mask;  /* per simulated province */
    size_t nsim;
} matching;

static void match_by_code(const saksi_table *in, const saksi_table *sim, matching *m)
{
    const saksi_regions *a = &in->regions[SAKSI_LEVEL_PROVINCE];
    const saksi_regions *b = &sim->regions[SAKSI_LEVEL_PROVINCE];
    memset(m->mask, 0, m->nsim);
    for (size_t p = 0; p < a->n; p++) {
        m->sim_of[p] = SIZE_MAX;
        for (size_t q = 0; q < b->n; q++)
            if (strcmp(a->code[p], b->code[q]) == 0) {
                m->sim_of[p] = q;
                m->mask[q] = 1;
                break;
            }
    }
}

static const size_t *rank_sizes;
static int cmp_size_desc(const void *x, const void *y)
{
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    if (rank_sizes[i] != rank_sizes[j]) return rank_sizes[i] < rank_sizes[j] ? 1 : -1;
    return (i > j) - (i < j);
}

/* Input provinces paired with simulated ones by rank of usable size. */
static saksi_status match_by_rank(const shape_of *in, const shape_of *sim, matching *m,
                                  saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t *a = saksi_malloc_array(in->nprov ? in->nprov : 1, sizeof *a);
    size_t *b = saksi_malloc_array(sim->nprov ? sim->nprov : 1, sizeof *b);
    if (!a || !b) SAKSI_ALLOC_FAIL("province matching");
    for (size_t p = 0; p < in->nprov; p++)
        a[p] = p;
    for (size_t q = 0; q < sim->nprov; q++)
        b[q] = q;
    rank_sizes = in->per_prov;
    qsort(a, in->nprov, sizeof *a, cmp_size_desc);
    rank_sizes = sim->per_prov;
    qsort(b, sim->nprov, sizeof *b, cmp_size_desc);
    memset(m->mask, 1, m->nsim);
    for (size_t k = 0; k < in->nprov; k++)
        m->sim_of[a[k]] = k < sim->nprov && sim->per_prov[b[k]] > 0 ? b[k] : SIZE_MAX;
out:
    free(a);
    free(b);
    return rc;
}

/* Fit one clean election and store its fits as null run k. */
static saksi_status fit_clean(const saksi_table *sim, const int32_t *code, int lead,
                              const matching *m, const saksi_fp_options *opt,
                              const saksi_fp_backend *be, saksi_fingerprints *fp, size_t k,
                              saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_fp_fitset fs = {0};
    saksi_fp_fit *fits = NULL;
    const int32_t *cols[4];
    saksi_fp_columns(sim, saksi_fp_turnout_field(sim), lead, cols);
    for (int by_prov = 0; by_prov <= 1; by_prov++) {
        saksi_fp_fitset_free(&fs);
        free(fits);
        fits = NULL;
        SAKSI_TRY(saksi_fp_fitset_from_table(sim, code, cols, by_prov, m->mask, &fs, err));
        SAKSI_TRY(saksi_fp_fitset_prepare(&fs, opt->seed, opt->nb_turnout, opt->nb_share,
                                          opt->alpha, err));
        fits = saksi_calloc_array(fs.nfits ? fs.nfits : 1, sizeof *fits);
        if (!fits) SAKSI_ALLOC_FAIL("null fits");
        SAKSI_TRY(be->bind(be->ctx, &fs, err));
        SAKSI_TRY(saksi_fp_fit_all(&fs, be, 0, NULL, fits, err));
        if (!by_prov) {
            fp->null_fi[k] = fits[0].fi;
            fp->null_fe[k] = fits[0].fe;
            continue;
        }
        for (size_t p = 0; p + 1 < fp->nfits; p++) {
            size_t q = m->sim_of[p];
            fp->null_fi[(p + 1) * fp->nnull + k] = q == SIZE_MAX ? NAN : fits[q].fi;
            fp->null_fe[(p + 1) * fp->nnull + k] = q == SIZE_MAX ? NAN : fits[q].fe;
        }
    }
out:
    if (be->release) be->release(be->ctx);
    saksi_fp_fitset_free(&fs);
    free(fits);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The null columns of one report from its row of null fits. */
static void summarise(saksi_fp_report *r, const double *fi, const double *fe, size_t k, double *tmp)
{
    const double *src[2] = {fi, fe};
    double obs[2] = {r->fi, r->fe}, med[2], p95[2], p[2];
    size_t m = 0;
    for (int s = 0; s < 2; s++) {
        size_t ge = 0;
        m = 0;
        for (size_t j = 0; j < k; j++)
            if (isfinite(src[s][j])) {
                tmp[m++] = src[s][j];
                ge += src[s][j] >= obs[s];
            }
        qsort(tmp, m, sizeof *tmp, cmp_double);
        med[s] = saksi_dispersion_quantile(tmp, m, 0.5);
        p95[s] = saksi_dispersion_quantile(tmp, m, 0.95);
        /* The Monte Carlo p-value of Davison & Hinkley (1997, eq. 4.11):
         * never 0, valid for any number of clean runs. */
        p[s] = m && isfinite(obs[s]) ? (1.0 + (double)ge) / (1.0 + (double)m) : NAN;
    }
    r->null_runs = m;
    r->null_fi_median = med[0];
    r->null_fi_p95 = p95[0];
    r->null_fe_median = med[1];
    r->null_fe_p95 = p95[1];
    r->p_fi = p[0];
    r->p_fe = p[1];
}

saksi_status saksi_fp_null(const saksi_table *t, saksi_fingerprints *fp,
                           const saksi_fp_options *opt, const saksi_fp_backend *be,
                           saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_rules *rules = NULL;
    saksi_table *sim = NULL;
    int32_t *code = NULL;
    shape_of in = {0}, pilot = {0};
    matching m = {0};
    saksi_sim_config c;
    double *tmp = NULL;
    const int32_t *cols[4];
    size_t stations;
    int lead;

    saksi_fp_columns(t, fp->turnout_field, fp->leader, cols);
    SAKSI_TRY(measure(t, fp->code, cols, &in, err));
    if (fp->leader < 0 || t->ncand < 2 || in.n == 0) {
        fp->null_mode = "none: fewer than two candidates or no usable station";
        goto out;
    }
    SAKSI_TRY(saksi_rules_load(NULL, &rules, err));
    tmp = saksi_malloc_array(opt->null_runs ? opt->null_runs : 1, sizeof *tmp);
    m.sim_of = saksi_malloc_array(in.nprov ? in.nprov : 1, sizeof *m.sim_of);
    if (!tmp || !m.sim_of) SAKSI_ALLOC_FAIL("the fingerprint null");

    /* A pilot at full size says whether the input's provinces are the
     * simulator's (by code) and how large they are there. */
    lead = sim_config(t, fp->leader, &in, opt->seed ^ 0x50494C4F54ull, FULL_SIZE, &c);
    SAKSI_TRY(simulate_retry(&c, 0x9E3779B97F4A7C15ull, rules, lead, opt->nb_turnout,
                             opt->nb_share, &sim, &code, &fp->null_retried, err));
    m.nsim = sim->regions[SAKSI_LEVEL_PROVINCE].n;
    m.mask = saksi_malloc_array(m.nsim ? m.nsim : 1, 1);
    if (!m.mask) SAKSI_ALLOC_FAIL("the fingerprint null");
    saksi_fp_columns(sim, saksi_fp_turnout_field(sim), lead, cols);
    SAKSI_TRY(measure(sim, code, cols, &pilot, err));
    match_by_code(t, sim, &m);
    size_t in_matched = 0, sim_matched = 0;
    for (size_t p = 0; p < in.nprov; p++)
        if (m.sim_of[p] != SIZE_MAX) {
            in_matched += in.per_prov[p];
            sim_matched += pilot.per_prov[m.sim_of[p]];
        }
    m.by_code = sim_matched > 0 && (double)in_matched >= CODE_MATCH_SHARE * (double)in.n;
    if (m.by_code) {
        /* Scale the simulated nation so that the matched provinces hold as
         * many stations as the input's. */
        double s = (double)FULL_SIZE * (double)in_matched / (double)sim_matched;
        stations = (size_t)fmin(fmax(s + 0.5, 1000.0), (double)SAKSI_SIM_MAX_STATIONS);
        fp->null_mode = "simulated nation scaled to the input's matching provinces; provinces "
                        "by code";
    } else {
        stations = in.n < 1000 ? 1000 : in.n;
        fp->null_mode = "simulated nation of the input's size; provinces by rank of size";
    }
    for (size_t k = 0; k < opt->null_runs; k++) {
        saksi_table_free(sim);
        sim = NULL;
        free(code);
        code = NULL;
        free(pilot.per_prov);
        pilot.per_prov = NULL;
        if (saksi_stop_requested())
            SAKSI_FAIL(SAKSI_ERR_INTERRUPTED, "fingerprint null interrupted at run %zu", k);
        /* Seeds spread by the golden-ratio increment: independent runs (a
         * refused seed moves on by the whole run count, to seeds no other
         * run uses). */
        lead = sim_config(t, fp->leader, &in, opt->seed + 0x9E3779B97F4A7C15ull * (k + 1), stations,
                          &c);
        SAKSI_TRY(simulate_retry(&c, 0x9E3779B97F4A7C15ull * (opt->null_runs + 1), rules, lead,
                                 opt->nb_turnout, opt->nb_share, &sim, &code, &fp->null_retried,
                                 err));
        if (sim->regions[SAKSI_LEVEL_PROVINCE].n != m.nsim)
            SAKSI_FAIL(SAKSI_ERR_INTERNAL, "simulated provinces changed from %zu to %zu", m.nsim,
                       sim->regions[SAKSI_LEVEL_PROVINCE].n);
        if (m.by_code) {
            match_by_code(t, sim, &m);
        } else {
            saksi_fp_columns(sim, saksi_fp_turnout_field(sim), lead, cols);
            SAKSI_TRY(measure(sim, code, cols, &pilot, err));
            SAKSI_TRY(match_by_rank(&in, &pilot, &m, err));
        }
        SAKSI_TRY(fit_clean(sim, code, lead, &m, opt, be, fp, k, err));
    }
    for (size_t f = 0; f < fp->nfits; f++)
        summarise(&fp->fit[f], fp->null_fi + f * fp->nnull, fp->null_fe + f * fp->nnull,
                  opt->null_runs, tmp);
out:
    saksi_table_free(sim);
    free(code);
    free(in.per_prov);
    free(pilot.per_prov);
    free(m.sim_of);
    free(m.mask);
    free(tmp);
    saksi_rules_free(rules);
    return rc;
}
