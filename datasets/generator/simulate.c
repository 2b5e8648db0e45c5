/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * simulate.c — the station model of the synthetic election: defaults and
 * validation of the configuration, calibration of the intercepts to the
 * national targets, the draw of one station with every field consistent by
 * construction, and the in-memory entry point that fills a station table.
 */
#define _POSIX_C_SOURCE 200809L
#include "generator.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Ballots reserve of a regular TPS: ceil(2% of registered), PKPU 25/2023. */
#define RESERVE_NUM 2
#define RESERVE_DEN 100
/* Registered at a regular TPS is 1 + floor(REGULAR_SIZE_SPAN * Beta), so
 * 1..300: a regular TPS serves at most 300 voters (PKPU 7/2022). */
#define REGULAR_SIZE_SPAN 300.0
/* Intercept calibration: midpoint rule for E[logistic(mu + sd Z)], and the
 * sample used for the softmax of the candidates. */
#define CALIB_GRID_HALF_WIDTH 10.0
#define CALIB_GRID_STEPS      4000
#define CALIB_SAMPLE          512
#define CALIB_MAX_ITER        500
#define CALIB_TOLERANCE       1e-7
#define SQRT_2PI              2.5066282746310002

void saksi_sim_config_init(saksi_sim_config *c)
{
    memset(c, 0, sizeof *c);
    c->seed = 2024;
    c->stations = SAKSI_SIM_DEFAULT_STATIONS;
    c->provinces = 38;
    c->overseas = 1;
    c->ncand = 3;
    saksi_sim_model *m = &c->model;
    /* KPU 2024 national result: Anies-Muhaimin 24.95%, Prabowo-Gibran
     * 58.59%, Ganjar-Mahfud 16.47%. */
    m->share[0] = 0.25;
    m->share[1] = 0.58;
    m->share[2] = 0.17;
    /* Sirekap crawl, stations passing every identity: voters_dpt/registered
     * 0.796, invalid/total 0.020; DPTb and DPK as the brief (crawl: 1.1%,
     * 1.5%), see datasets/README.md. */
    m->turnout = 0.80;
    m->invalid = 0.022;
    m->dptb = 0.015;
    m->dpk = 0.005;
    m->spoiled = 0.01;
    m->male = 0.5;
    m->female_turnout_logit = 0.05;
    /* Random-effect sds: region levels from the crawl's nested means; the
     * village and station levels (and the district multipliers below)
     * tuned so that the quartiles of the within-district dispersion ratio
     * and the median within-village ratio match the crawl's
     * (datasets/README.md, "Calibration"). */
    m->turnout_sd = (saksi_sim_effects){0.30, 0.25, 0.20, 0.26, 0.31};
    m->share_sd = (saksi_sim_effects){0.45, 0.40, 0.25, 0.25, 0.27};
    m->invalid_sd = (saksi_sim_effects){0.30, 0.25, 0.20, 0.20, 0.50};
    m->added_sd = (saksi_sim_effects){0.40, 0.30, 0.30, 0.30, 0.50};
    m->dispersion_district_sdlog.turnout = 0.29;
    m->dispersion_district_sdlog.share = 0.22;
    /* Registered: crawl's domestic mean 243, mode 280-289, a tail to 100. */
    m->size_a = 5.5;
    m->size_b = 1.2;
    m->size_regency_sd = 0.1;
    /* Overseas in the crawl: registered median 480 (quartiles 203, 1000),
     * DPT turnout 0.24, DPTb 15% and DPK 22% of voters. */
    m->overseas_size_median = 480.0;
    m->overseas_size_sdlog = 0.95;
    m->overseas_turnout = 0.24;
    m->overseas_added = 0.37;
    m->overseas_dptb_of_added = 0.41;
    /* Noken: the crawl's few numeric noken stations show turnout 0.95. */
    m->noken_turnout = 0.95;
    m->noken_bloc = 0.4;
    m->noken_invalid = 0.005;
    m->noken_added = 0.02;
    /* TPS lokasi khusus (prisons, hospitals): a few per thousand. */
    m->special_rate = 0.003;
    m->special_turnout = 0.35;
    m->special_added = 0.6;
    m->special_dptb_of_added = 0.95;
    m->special_size_min = 20;
    m->special_size_max = 150;
}

void saksi_sim_config_equal_shares(saksi_sim_config *c)
{
    for (size_t k = 0; k < SAKSI_SIM_MAX_CAND; k++)
        c->model.share[k] = k < c->ncand ? 1.0 / (double)c->ncand : 0.0;
}

/* ------------------------------------------------------------------ */
/* Validation and calibration                                          */
/* ------------------------------------------------------------------ */

static int is_rate(double x)
{
    return x > 0.0 && x < 1.0;
}

static int effects_ok(const saksi_sim_effects *e)
{
    return e->province >= 0.0 && e->regency >= 0.0 && e->district >= 0.0 && e->village >= 0.0 &&
           e->station >= 0.0 && e->province < 10.0 && e->regency < 10.0 && e->district < 10.0 &&
           e->village < 10.0 && e->station < 10.0;
}

static saksi_status validate(const saksi_sim_config *c, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_sim_model *m = &c->model;
    double sum = 0.0;
    if (c->ncand < 1 || c->ncand > SAKSI_SIM_MAX_CAND)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "ncand must be 1..%d, not %zu", SAKSI_SIM_MAX_CAND, c->ncand);
    for (size_t k = 0; k < c->ncand; k++) {
        if (!(m->share[k] > 0.0))
            SAKSI_FAIL(SAKSI_ERR_USAGE, "share of candidate %zu must be positive", k + 1);
        sum += m->share[k];
    }
    if (fabs(sum - 1.0) > 1e-6)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "candidate shares sum to %.9g, not 1", sum);
    const double rates[] = {m->turnout,
                            m->invalid,
                            m->dptb,
                            m->dpk,
                            m->spoiled,
                            m->male,
                            m->overseas_turnout,
                            m->overseas_added,
                            m->overseas_dptb_of_added,
                            m->noken_turnout,
                            m->noken_invalid,
                            m->noken_added,
                            m->special_turnout,
                            m->special_added,
                            m->special_dptb_of_added};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
        if (!is_rate(rates[i]))
            SAKSI_FAIL(SAKSI_ERR_USAGE, "model rate %zu is %g, outside (0, 1)", i, rates[i]);
    if (m->dptb + m->dpk >= 0.5)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "dptb + dpk must stay below half of the voters");
    if (!(m->noken_bloc >= 0.0 && m->noken_bloc <= 1.0) ||
        !(m->special_rate >= 0.0 && m->special_rate <= 1.0))
        SAKSI_FAIL(SAKSI_ERR_USAGE, "noken_bloc and special_rate must be in [0, 1]");
    if (!effects_ok(&m->turnout_sd) || !effects_ok(&m->share_sd) || !effects_ok(&m->invalid_sd) ||
        !effects_ok(&m->added_sd) || !(m->size_regency_sd >= 0.0 && m->size_regency_sd < 10.0) ||
        !(m->dispersion_district_sdlog.turnout >= 0.0 &&
          m->dispersion_district_sdlog.turnout < 3.0) ||
        !(m->dispersion_district_sdlog.share >= 0.0 && m->dispersion_district_sdlog.share < 3.0))
        SAKSI_FAIL(SAKSI_ERR_USAGE, "random-effect sds must be in [0, 10)");
    if (!(fabs(m->station_sd_size_slope) <= 4.0))
        SAKSI_FAIL(SAKSI_ERR_USAGE, "station_sd_size_slope must be in [-4, 4]");
    if (!(m->size_a > 0.0 && m->size_b > 0.0 && m->overseas_size_median >= 1.0 &&
          m->overseas_size_sdlog >= 0.0 && m->overseas_size_sdlog < 3.0))
        SAKSI_FAIL(SAKSI_ERR_USAGE, "station size parameters out of range");
    if (m->special_size_min < 1 || m->special_size_max < m->special_size_min ||
        m->special_size_max > 300)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "special TPS sizes must satisfy 1 <= min <= max <= 300");
    sum = 0.0;
    for (int k = 0; k < SAKSI_NPLANT; k++) {
        if (!(c->plant_rate[k] >= 0.0 && c->plant_rate[k] <= 1.0))
            SAKSI_FAIL(SAKSI_ERR_USAGE, "plant rate of %s must be in [0, 1]",
                       saksi_plant_kind_name(k));
        sum += c->plant_rate[k];
    }
    if (sum > 1.0)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "plant rates sum to %g: at most one kind per station", sum);
out:
    return rc;
}

/* E[logistic(mu + sd Z)], Z standard normal, by the midpoint rule. */
static double mean_logistic(double mu, double sd)
{
    double h = 2.0 * CALIB_GRID_HALF_WIDTH / CALIB_GRID_STEPS, acc = 0.0;
    for (int i = 0; i < CALIB_GRID_STEPS; i++) {
        double z = -CALIB_GRID_HALF_WIDTH + (i + 0.5) * h;
        acc += exp(-0.5 * z * z) * saksi_sim_logistic(mu + sd * z);
    }
    return acc * h / SQRT_2PI;
}

/* The intercept whose mean rate over the random effects is target. */
static double solve_intercept(double target, double sd)
{
    double lo = -40.0, hi = 40.0;
    for (int it = 0; it < 200 && hi - lo > CALIB_TOLERANCE; it++) {
        double mid = 0.5 * (lo + hi);
        if (mean_logistic(mid, sd) < target)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

static double total_sd(const saksi_sim_effects *e, int with_province)
{
    double v = e->regency * e->regency + e->district * e->district + e->village * e->village +
               e->station * e->station;
    if (with_province) v += e->province * e->province;
    return sqrt(v);
}

/* Stations of regency r: regions are laid out in order, so they are one
 * contiguous run from its first village to its last. */
static size_t regency_stations(const saksi_sim_hier *h, size_t r)
{
    const saksi_sim_level *L2 = &h->level[2], *L3 = &h->level[3], *L4 = &h->level[4];
    uint32_t d0 = L2->first[r], d1 = d0 + L2->count[r] - 1;
    uint32_t v0 = L3->first[d0], v1 = L3->first[d1] + L3->count[d1] - 1;
    return L4->first[v1] + L4->count[v1] - L4->first[v0];
}

/* Candidate intercepts: the national shares, as the station-weighted mean
 * over regencies of the mean softmax over a fixed sample of the effects
 * below the regency, must equal the targets (fixed point on log ratios).
 * Taking the drawn province and regency effects as they are, not their
 * distribution, is what makes the national shares land on target: a
 * province has only 5 to 38 regencies to average its draws over. */
static saksi_status calibrate_shares(saksi_sim_gen *g, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_sim_config *c = &g->cfg;
    const saksi_sim_level *L2 = &g->h.level[2];
    const saksi_sim_effects *e = &c->model.share_sd;
    size_t k = c->ncand;
    double *z = saksi_malloc_array(CALIB_SAMPLE * k, sizeof *z);
    double *w = saksi_malloc_array(L2->n, sizeof *w);
    double sd = sqrt(e->district * e->district + e->village * e->village + e->station * e->station);
    double wsum = 0.0;
    saksi_sim_stream s;
    if (!z || !w) SAKSI_ALLOC_FAIL("calibration sample");
    saksi_sim_stream_init(&s, c->seed, 0, SAKSI_SIM_STREAM_CALIBRATE);
    for (size_t i = 0; i < CALIB_SAMPLE * k; i++)
        z[i] = sd * saksi_sim_normal(&s);
    for (size_t r = 0; r < L2->n; r++) {
        w[r] = (double)regency_stations(&g->h, r);
        wsum += w[r];
    }
    for (size_t j = 0; j < k; j++)
        g->mu_share[j] = log(c->model.share[j]);
    for (int it = 0; it < CALIB_MAX_ITER; it++) {
        double est[SAKSI_SIM_MAX_CAND] = {0}, worst = 0.0;
        for (size_t r = 0; r < L2->n; r++) {
            double mu[SAKSI_SIM_MAX_CAND], er[SAKSI_SIM_MAX_CAND] = {0};
            for (size_t j = 0; j < k; j++)
                mu[j] = g->mu_share[j] + L2->fx[r].share[j];
            for (size_t i = 0; i < CALIB_SAMPLE; i++) {
                double x[SAKSI_SIM_MAX_CAND], sum = 0.0, top = -HUGE_VAL;
                for (size_t j = 0; j < k; j++)
                    top = mu[j] + z[i * k + j] > top ? mu[j] + z[i * k + j] : top;
                for (size_t j = 0; j < k; j++) {
                    x[j] = exp(mu[j] + z[i * k + j] - top);
                    sum += x[j];
                }
                for (size_t j = 0; j < k; j++)
                    er[j] += x[j] / sum;
            }
            for (size_t j = 0; j < k; j++)
                est[j] += w[r] * er[j] / CALIB_SAMPLE;
        }
        for (size_t j = 0; j < k; j++) {
            double step = log(c->model.share[j] / (est[j] / wsum));
            g->mu_share[j] += step;
            worst = fabs(step) > worst ? fabs(step) : worst;
        }
        if (worst < CALIB_TOLERANCE) break;
    }
out:
    free(z);
    free(w);
    return rc;
}

/*
 * Added voters (DPTb + DPK) are drawn as Binomial(pool, q), pool being the
 * ballots left after the DPT voters and the spoiled ones, so that they can
 * never exceed the ballots at hand (the model's own cap, not a clip). With
 * turnout t, reserve factor f = received / registered and added share A of
 * voters, the pool is about (f - t) registered and A / (1 - A) t registered
 * voters are wanted: q = A t / ((1 - A)(f - t)).
 */
static double pool_rate(double added, double turnout, double reserve_factor)
{
    double q = added * turnout / ((1.0 - added) * (reserve_factor - turnout));
    return q < 0.999 ? q : 0.999; /* a parameter bound: the pool cannot be used twice */
}

saksi_status saksi_sim_gen_init(saksi_sim_gen *g, const saksi_sim_config *c, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_sim_model *m = &c->model;
    memset(g, 0, sizeof *g);
    SAKSI_TRY(validate(c, err));
    g->cfg = *c;
    SAKSI_TRY(saksi_sim_hier_build(c, &g->h, err));

    double t[4] = {m->turnout, m->special_turnout, m->overseas_turnout, m->noken_turnout};
    double a[4] = {m->dptb + m->dpk, m->special_added, m->overseas_added, m->noken_added};
    double inv[4] = {m->invalid, m->invalid, m->invalid, m->noken_invalid};
    double f[4] = {1.0 + (double)RESERVE_NUM / RESERVE_DEN, 1.0 + (double)RESERVE_NUM / RESERVE_DEN,
                   1.0, 1.0 + 0.5 * RESERVE_NUM / RESERVE_DEN};
    g->mean_regular_size = 1.0 + REGULAR_SIZE_SPAN * m->size_a / (m->size_a + m->size_b);
    g->dptb_of_added[SAKSI_SIM_ST_REGULAR] = m->dptb / (m->dptb + m->dpk);
    g->dptb_of_added[SAKSI_SIM_ST_SPECIAL] = m->special_dptb_of_added;
    g->dptb_of_added[SAKSI_SIM_ST_OVERSEAS] = m->overseas_dptb_of_added;
    g->dptb_of_added[SAKSI_SIM_ST_NOKEN] = g->dptb_of_added[SAKSI_SIM_ST_REGULAR];
    for (int kind = 0; kind < 4; kind++) {
        /* overseas and noken provinces carry no own province effect */
        int prov = kind == SAKSI_SIM_ST_REGULAR || kind == SAKSI_SIM_ST_SPECIAL;
        g->reserve_factor[kind] = f[kind];
        g->mu_turnout[kind] = solve_intercept(t[kind], total_sd(&m->turnout_sd, prov));
        g->mu_invalid[kind] = solve_intercept(inv[kind], total_sd(&m->invalid_sd, prov));
        g->mu_added[kind] =
            solve_intercept(pool_rate(a[kind], t[kind], f[kind]), total_sd(&m->added_sd, prov));
    }
    SAKSI_TRY(calibrate_shares(g, err));
out:
    if (rc != SAKSI_OK) saksi_sim_gen_free(g);
    return rc;
}

void saksi_sim_gen_free(saksi_sim_gen *g)
{
    if (!g) return;
    saksi_sim_hier_free(&g->h);
}

/* ------------------------------------------------------------------ */
/* One station                                                          */
/* ------------------------------------------------------------------ */

static int32_t ceil_reserve(int32_t n)
{
    return (int32_t)saksi_ceil_div((saksi_i64)n * RESERVE_NUM, RESERVE_DEN);
}

/* Registered voters of a station of the given kind. */
static int32_t draw_registered(const saksi_sim_gen *g, saksi_sim_stream *s, int kind,
                               size_t regency)
{
    const saksi_sim_model *m = &g->cfg.model;
    if (kind == SAKSI_SIM_ST_SPECIAL)
        return m->special_size_min +
               (int32_t)saksi_sim_below(s,
                                        (uint32_t)(m->special_size_max - m->special_size_min + 1));
    if (kind == SAKSI_SIM_ST_OVERSEAS)
        return 1 + (int32_t)floor(m->overseas_size_median *
                                  exp(m->overseas_size_sdlog * saksi_sim_normal(s)));
    /* B < 1 makes 1 + floor(300 B) at most 300; B rounds to 1 only when the
     * second gamma is below 1e-16 of the first, and such a draw is redrawn
     * (rejection keeps the distribution; nothing is clipped) */
    double b;
    do
        b = saksi_sim_beta(s, g->h.size_a[regency], m->size_b);
    while (b >= 1.0);
    return 1 + (int32_t)floor(REGULAR_SIZE_SPAN * b);
}

void saksi_sim_gen_station(const saksi_sim_gen *g, size_t v, uint32_t t, saksi_sim_station *st)
{
    const saksi_sim_config *c = &g->cfg;
    const saksi_sim_model *m = &c->model;
    const saksi_sim_hier *h = &g->h;
    uint32_t d = h->level[4].parent[v], r = h->level[3].parent[d], p = h->level[2].parent[r];
    const saksi_sim_fx *fx = &h->level[4].fx[v];
    int32_t *x = st->v;
    saksi_sim_stream s;

    memset(st, 0, sizeof *st);
    st->code = h->level[4].code[v] * 1000 + t + 1;
    saksi_sim_code_string(st->code, SAKSI_SIM_STATION_WIDTH, st->id);
    st->hash = saksi_hash_bytes(st->id, SAKSI_SIM_STATION_WIDTH);
    st->prov_kind = h->prov_kind[p];
    saksi_sim_stream_init(&s, c->seed, st->hash, SAKSI_SIM_STREAM_STATION);

    double u_special = saksi_sim_uniform(&s);
    int kind = st->prov_kind == SAKSI_SIM_PROV_OVERSEAS ? SAKSI_SIM_ST_OVERSEAS
               : st->prov_kind == SAKSI_SIM_PROV_NOKEN  ? SAKSI_SIM_ST_NOKEN
               : u_special < m->special_rate            ? SAKSI_SIM_ST_SPECIAL
                                                        : SAKSI_SIM_ST_REGULAR;
    st->kind = kind;

    /* Registered (DPT) and its L/P split. */
    int32_t n = draw_registered(g, &s, kind, r);
    int32_t n_m = saksi_sim_binomial(&s, n, m->male), n_f = n - n_m;

    /* Ballots received: DPT plus ceil(2%) at a regular TPS; Papua and noken
     * provinces receive a reserve of 0..ceil(2%) (no fixed rule there);
     * overseas boxes none. */
    int32_t reserve = ceil_reserve(n);
    if (st->prov_kind == SAKSI_SIM_PROV_OVERSEAS)
        reserve = 0;
    else if (st->prov_kind == SAKSI_SIM_PROV_PAPUA || st->prov_kind == SAKSI_SIM_PROV_NOKEN)
        reserve = (int32_t)saksi_sim_below(&s, (uint32_t)reserve + 1);
    int32_t received = n + reserve;

    /* The station's own effects, their sd following its size at a regular
     * station (station_sd_size_slope). */
    double by_size = kind == SAKSI_SIM_ST_REGULAR && m->station_sd_size_slope != 0.0
                         ? pow(n / g->mean_regular_size, 0.5 * m->station_sd_size_slope)
                         : 1.0;
    double e_t = by_size * fx->scale_turnout * m->turnout_sd.station * saksi_sim_normal(&s);
    double e_i = by_size * m->invalid_sd.station * saksi_sim_normal(&s);
    double e_a = by_size * m->added_sd.station * saksi_sim_normal(&s);
    double eta[SAKSI_SIM_MAX_CAND], top = -HUGE_VAL, sum = 0.0, pi[SAKSI_SIM_MAX_CAND];
    for (size_t k = 0; k < c->ncand; k++) {
        eta[k] = g->mu_share[k] + fx->share[k] +
                 by_size * fx->scale_share * m->share_sd.station * saksi_sim_normal(&s);
        top = eta[k] > top ? eta[k] : top;
    }
    for (size_t k = 0; k < c->ncand; k++) {
        pi[k] = exp(eta[k] - top);
        sum += pi[k];
    }
    for (size_t k = 0; k < c->ncand; k++)
        pi[k] /= sum;

    /* DPT voters, men and women with their own turnout. */
    double lt = g->mu_turnout[kind] + fx->turnout + e_t, half = 0.5 * m->female_turnout_logit;
    int32_t vd_m = saksi_sim_binomial(&s, n_m, saksi_sim_logistic(lt - half));
    int32_t vd_f = saksi_sim_binomial(&s, n_f, saksi_sim_logistic(lt + half));
    int32_t vd = vd_m + vd_f;

    /* Spoiled ballots, then added voters from the ballots still at hand:
     * both binomial on what is left, so used + spoiled <= received. */
    int32_t spoiled = saksi_sim_binomial(&s, received - vd, m->spoiled);
    int32_t pool = received - vd - spoiled;
    int32_t added =
        saksi_sim_binomial(&s, pool, saksi_sim_logistic(g->mu_added[kind] + fx->added + e_a));
    int32_t a_m = saksi_sim_binomial(&s, added, m->male), a_f = added - a_m;
    double pb = g->dptb_of_added[kind];
    int32_t b_m = saksi_sim_binomial(&s, a_m, pb), b_f = saksi_sim_binomial(&s, a_f, pb);
    int32_t voters = vd + added;

    /* Invalid and valid votes, then the candidates. */
    int32_t invalid =
        saksi_sim_binomial(&s, voters, saksi_sim_logistic(g->mu_invalid[kind] + fx->invalid + e_i));
    int32_t valid = voters - invalid;
    int32_t *cand = x + SAKSI_NFIXED;
    saksi_sim_votes(&s, valid, pi, c->ncand, kind == SAKSI_SIM_ST_NOKEN ? m->noken_bloc : 0.0,
                    cand);
    saksi_sim_tally_fields(
        &(saksi_sim_tally){n_m, n_f, vd_m, vd_f, a_m, a_f, b_m, b_f, invalid, received, spoiled},
        x);
}

/* ------------------------------------------------------------------ */
/* Driver                                                               */
/* ------------------------------------------------------------------ */

static void summary_add(saksi_sim_summary *sum, const saksi_sim_station *st, size_t ncand)
{
    const int32_t *x = st->v;
    sum->stations++;
    sum->overseas_stations += st->kind == SAKSI_SIM_ST_OVERSEAS;
    sum->noken_stations += st->kind == SAKSI_SIM_ST_NOKEN;
    sum->special_stations += st->kind == SAKSI_SIM_ST_SPECIAL;
    sum->registered += (uint64_t)x[SAKSI_F_REGISTERED];
    sum->voters_total += (uint64_t)x[SAKSI_F_VOTERS_TOTAL];
    sum->voters_dptb += (uint64_t)x[SAKSI_F_VOTERS_DPTB];
    sum->voters_dpk += (uint64_t)x[SAKSI_F_VOTERS_DPK];
    sum->valid += (uint64_t)x[SAKSI_F_VALID];
    sum->invalid += (uint64_t)x[SAKSI_F_INVALID];
    for (size_t k = 0; k < ncand; k++)
        sum->cand_votes[k] += (uint64_t)x[SAKSI_NFIXED + k];
    if (st->kind != SAKSI_SIM_ST_OVERSEAS && x[SAKSI_F_REGISTERED] > sum->max_registered_regular)
        sum->max_registered_regular = x[SAKSI_F_REGISTERED];
}

saksi_status saksi_sim_run(const saksi_sim_gen *g, saksi_sim_sink sink, void *ctx,
                           saksi_sim_labels *labels, saksi_sim_summary *summary, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_sim_hier *h = &g->h;
    saksi_sim_summary local;
    saksi_sim_summary *sum = summary ? summary : &local;
    saksi_sim_station st;
    double t0 = saksi_now();
    int plant = 0;
    memset(sum, 0, sizeof *sum);
    for (int k = 0; k < SAKSI_NPLANT; k++)
        plant |= g->cfg.plant_rate[k] > 0.0;
    if (plant && !labels) SAKSI_FAIL(SAKSI_ERR_INTERNAL, "plant rates set but no label list");
    sum->regions[0] = 1;
    for (int l = 1; l < SAKSI_NLEVELS; l++) {
        sum->regions[l] = h->level[l].n;
        sum->overseas_regions[l] = h->overseas_regions[l];
    }
    for (size_t v = 0; v < h->level[4].n; v++) {
        for (uint32_t t = 0; t < h->level[4].count[v]; t++) {
            saksi_sim_gen_station(g, v, t, &st);
            summary_add(sum, &st, g->cfg.ncand);
            if (plant) {
                int kind = -1, skip = -1;
                SAKSI_TRY(saksi_sim_plant(g, &st, labels, &kind, &skip, err));
                if (kind >= 0) sum->planted[kind]++;
                if (skip >= 0) sum->skipped[skip]++;
            }
            SAKSI_TRY(sink(ctx, &st, err));
        }
        if (saksi_stop_requested()) SAKSI_FAIL(SAKSI_ERR_INTERRUPTED, "simulation interrupted");
    }
    sum->nlabels = labels ? labels->n : 0;
out:
    sum->seconds = saksi_now() - t0;
    return rc;
}

/* ------------------------------------------------------------------ */
/* In-memory entry point                                                */
/* ------------------------------------------------------------------ */

typedef struct table_sink {
    saksi_table *t;
    uint64_t line;
    uint8_t *special; /* per appended station: a special TPS (strata.csv's rows) */
    size_t cap;
} table_sink;

static saksi_status append_station(void *ctx, const saksi_sim_station *st, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    table_sink *ts = ctx;
    uint64_t first = 0;
    if (ts->line == ts->cap) {
        size_t cap = ts->cap ? 2 * ts->cap : 1 << 16;
        uint8_t *s2 = saksi_realloc_array(ts->special, cap, 1);
        if (!s2) SAKSI_ALLOC_FAIL("special TPS marks");
        ts->special = s2;
        ts->cap = cap;
    }
    ts->special[ts->line] = st->kind == SAKSI_SIM_ST_SPECIAL;
    /* line numbers as stations.csv would have them (header is line 1) */
    SAKSI_TRY(saksi_table_append(ts->t, st->id, SAKSI_SIM_STATION_WIDTH, NULL, st->v, 0,
                                 ++ts->line + 1, &first, err));
out:
    return rc;
}

saksi_status saksi_simulate_table(const saksi_sim_config *c, saksi_table **table,
                                  saksi_sim_label **labels, size_t *nlabels,
                                  saksi_sim_summary *summary, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_sim_gen g;
    saksi_sim_labels lab = {0};
    table_sink ts = {0};
    char names[SAKSI_SIM_MAX_CAND][4];
    const char *cand[SAKSI_SIM_MAX_CAND];
    int present[SAKSI_NFIXED];
    int have_gen = 0;
    *table = NULL;
    if (labels) *labels = NULL;
    if (nlabels) *nlabels = 0;
    SAKSI_TRY(saksi_sim_gen_init(&g, c, err));
    have_gen = 1;
    for (int f = 0; f < SAKSI_NFIXED; f++)
        present[f] = 1;
    for (size_t k = 0; k < c->ncand; k++) {
        names[k][0] = (char)('0' + (k + 1) / 10);
        names[k][1] = (char)('0' + (k + 1) % 10);
        names[k][2] = 0;
        cand[k] = names[k];
    }
    ts.t = saksi_table_alloc(present, c->ncand, cand);
    if (!ts.t) SAKSI_ALLOC_FAIL("station table");
    SAKSI_TRY(saksi_sim_run(&g, append_station, &ts, &lab, summary, err));
    SAKSI_TRY(saksi_table_finalize(ts.t, err));
    /* What `--strata strata.csv` does for the same election on file. */
    for (size_t i = 0; i < ts.t->n; i++)
        if (ts.special[ts.t->src_line[i] - 2]) ts.t->stratum[i] = SAKSI_STRATUM_SPECIAL;
    *table = ts.t;
    ts.t = NULL;
    if (labels) {
        *labels = lab.label;
        lab.label = NULL;
    }
    if (nlabels) *nlabels = lab.n;
out:
    saksi_table_free(ts.t);
    free(ts.special);
    free(lab.label);
    if (have_gen) saksi_sim_gen_free(&g);
    return rc;
}
