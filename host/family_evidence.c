/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * family_evidence.c — what the families hand to the ranking and the report
 * (issue 5's interfaces): the station baselines' p-values become the
 * calibrated station-test columns the anomaly score combines, with each
 * candidate's peer null for the unexplained votes; the integer-percent
 * spike profiles and the fingerprints become figures. Runs after the
 * region tests are finished, so a figure can follow a region flag.
 */
#include "family_evidence.h"

#include "fingerprint.h"
#include "turnout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* P(X <= x) for the votes of candidate c at station i under the
 * baselines' logit-normal null of the same mean and dispersion (the
 * normal latent: the interval is predictive, not a test). */
static double logitnormal_cdf(const saksi_station_tests *st, size_t i, size_t c, int32_t x,
                              int32_t n)
{
    const saksi_bb *b = &st->share_null[i * st->ncand + c];
    const saksi_lnb_rule *rule = st->share_cdf_ctx;
    double a = 0.0, s = 0.0;
    if (!saksi_lnb_match(b->mu, b->rho * b->mu * (1.0 - b->mu), 0.0, rule, &a, &s))
        return b->mu <= 0.0 ? 1.0 : x >= n ? 1.0 : 0.0; /* every peer at 0% or at 100% */
    return saksi_lnb_lower(x, n, a, s, 0.0, 0.0, rule);
}

/* One column per baseline measure; the candidates' fits as share nulls. */
static saksi_status station_tests(const saksi_table *t, saksi_results *res, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_baselines *b = res->turnout ? res->turnout->baselines : NULL;
    saksi_station_tests *st = NULL;
    if (!b) goto out;
    if (!(st = saksi_station_tests_alloc(t->n, t->ncand))) SAKSI_ALLOC_FAIL("station tests");
    SAKSI_TRY(saksi_station_tests_alloc_shares(st, err));
    for (size_t m = 0; m < b->nmeasures; m++) {
        static const char *const names[SAKSI_BM_CAND0] = {"turnout", "invalid", "added"};
        int cand = m >= SAKSI_BM_CAND0 ? (int)(m - SAKSI_BM_CAND0) : -1;
        saksi_station_test *col;
        /* Both nulls of the baselines are the overdispersed peer null of
         * DESIGN §4 (the logit-normal default, the beta-binomial variant). */
        SAKSI_TRY(saksi_station_tests_add(st, cand < 0 ? names[m] : "share", cand, 1, &col, err));
        const size_t off = m * t->n;
        for (size_t i = 0; i < t->n; i++) {
            int32_t x, n;
            if (b->skip[off + i] != SAKSI_BSKIP_NONE) continue;
            saksi_baseline_rate(t, m, i, &x, &n);
            col->p[i] = b->p[off + i];
            col->effect[i] = b->z[off + i];
            col->observed[i] = (double)x / n;
            col->expected[i] = b->expected[off + i] / n;
            if (cand >= 0)
                st->share_null[i * t->ncand + (size_t)cand] =
                    (saksi_bb){.ok = 1, .mu = col->expected[i], .rho = b->rho[off + i]};
        }
    }
    if (b->null == SAKSI_BASELINE_LOGITNORMAL) {
        st->share_cdf = logitnormal_cdf;
        st->share_cdf_ctx = &res->turnout->rule;
    }
    saksi_station_tests_free(res->station_tests);
    res->station_tests = st;
    st = NULL;
out:
    saksi_station_tests_free(st);
    return rc;
}

/* Is (test, level, region) flagged among the finished region tests? */
static int region_flagged(const saksi_region_tests *rt, const char *test, int level,
                          uint32_t region)
{
    for (size_t k = 0; rt && k < rt->n; k++) {
        const saksi_region_test *r = &rt->row[k];
        if (r->flagged && r->level == level && r->region == region && strcmp(r->test, test) == 0)
            return 1;
    }
    return 0;
}

/* The spike profile of the nation and of every province whose
 * integer-percent test is flagged, both rates. */
static saksi_status spike_figures(const saksi_results *res, saksi_figures *fig, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    static const char *const rate_names[SAKSI_NIPCT_RATES] = {"turnout", "share"};
    const saksi_kobak *k = res->turnout ? res->turnout->kobak : NULL;
    if (!k) goto out;
    /* profile rows are grouped by (level, region, rate), percents 0..100 in order */
    for (size_t j = 0; j + SAKSI_FIG_PERCENTS <= k->nprofile; j += SAKSI_FIG_PERCENTS) {
        const saksi_kobak_profile *p = &k->profile[j];
        if (p->level != SAKSI_LEVEL_NATIONAL &&
            !region_flagged(res->region_tests, "integer_percent", p->level, p->region))
            continue;
        saksi_fig_spikes s = {rate_names[p->rate], p->level, p->region, {0}, {0}};
        for (int pc = 0; pc < SAKSI_FIG_PERCENTS; pc++) {
            if (p[pc].percent != pc || p[pc].rate != p->rate || p[pc].region != p->region)
                SAKSI_FAIL(SAKSI_ERR_INTERNAL, "integer-percent profile row %zu out of order",
                           j + (size_t)pc);
            s.observed[pc] = p[pc].observed;
            s.expected[pc] = p[pc].expected;
        }
        SAKSI_TRY(saksi_figures_add_spikes(fig, &s, err));
    }
out:
    return rc;
}

/* The national fingerprint (regular stations, the fitted stratum), then
 * every province whose fit stands out from its clean elections (p < 0.05
 * for f_i or f_e). */
static saksi_status fingerprint_figures(const saksi_table *t, const saksi_results *res,
                                        saksi_figures *fig, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_fingerprints *fp = res->fingerprints;
    int32_t *count = NULL;
    if (!fp || fp->nprov == 0) goto out;
    const size_t nb = (size_t)fp->nb_turnout * (size_t)fp->nb_share;
    if (!(count = saksi_malloc_array(nb, sizeof *count))) SAKSI_ALLOC_FAIL("a fingerprint figure");
    for (size_t f = 0; f < 1 + fp->nprov; f++) {
        const saksi_fp_report *r = fp->fitted && f < fp->nfits ? &fp->fit[f] : NULL;
        if (f > 0 && !(r && !*r->skip && (r->p_fi < 0.05 || r->p_fe < 0.05))) continue;
        for (size_t c = 0; c < nb; c++) {
            uint64_t sum = 0;
            for (size_t p = f ? f - 1 : 0; p < (f ? f : fp->nprov); p++)
                sum += fp->hist[(p * SAKSI_NSTRATA + SAKSI_STRATUM_REGULAR) * nb + c];
            count[c] = (int32_t)sum; /* at most t->n stations, checked below */
            if (sum > INT32_MAX) SAKSI_FAIL(SAKSI_ERR_LIMIT, "fingerprint cell of %llu stations",
                                            (unsigned long long)sum);
        }
        int fitted = r && !*r->skip;
        saksi_fig_fingerprint g = {f ? SAKSI_LEVEL_PROVINCE : SAKSI_LEVEL_NATIONAL,
                                   f ? (uint32_t)(f - 1) : 0,
                                   (uint32_t)fp->nb_turnout,
                                   (uint32_t)fp->nb_share,
                                   count,
                                   fitted ? r->fi : NAN,
                                   fitted ? r->fe : NAN,
                                   fitted ? r->null_fi_p95 : NAN,
                                   fitted ? r->null_fe_p95 : NAN};
        SAKSI_TRY(saksi_figures_add_fingerprint(fig, &g, err));
    }
    (void)t;
out:
    free(count);
    return rc;
}

saksi_status saksi_family_evidence(const saksi_table *t, saksi_results *res, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_figures *fig = NULL;
    SAKSI_TRY(station_tests(t, res, err));
    if (!(fig = calloc(1, sizeof *fig))) SAKSI_ALLOC_FAIL("figures");
    SAKSI_TRY(spike_figures(res, fig, err));
    SAKSI_TRY(fingerprint_figures(t, res, fig, err));
    saksi_figures_free(res->figures);
    free(res->figures);
    res->figures = fig;
    fig = NULL;
out:
    saksi_figures_free(fig);
    free(fig);
    return rc;
}
