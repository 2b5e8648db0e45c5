/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * family_baselines.c — the turnout and vote-share family as the engine runs
 * it (issue 4): station baselines against the peer beta-binomial, then
 * Kobak's integer percentages with the membership step on the OpenCL
 * device when one is open (else its plain-C twin) and the exact
 * Poisson-binomial null on the host; region rows into the shared
 * region-test list (the engine finishes them: BH per test and level);
 * figures for the summary.
 */
#include "saksi_opencl.h"
#include "turnout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The tolerance as an exact count of 1/SAKSI_IPCT_TOL_DEN points. */
static saksi_status tolerance(double tol, int32_t *num, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    double scaled = tol * SAKSI_IPCT_TOL_DEN;
    if (!(tol >= 0.0 && tol <= 50.0))
        SAKSI_FAIL(SAKSI_ERR_USAGE, "integer-percent tolerance %g points is outside [0, 50]", tol);
    if (fabs(scaled - floor(scaled + 0.5)) > 1e-6)
        SAKSI_FAIL(SAKSI_ERR_USAGE,
                   "integer-percent tolerance %g points is not a multiple of 0.0001 (the "
                   "membership test is exact integer arithmetic)",
                   tol);
    *num = (int32_t)floor(scaled + 0.5);
out:
    return rc;
}

static saksi_status run_kobak(const saksi_table *t, const saksi_config *cfg, struct saksi_cl *cl,
                              saksi_results *res, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_kobak_options ko;
    saksi_kobak *k = NULL;
    saksi_kobak_options_init(&ko);
    SAKSI_TRY(tolerance(cfg->integer_tolerance, &ko.tol_num, err));
    ko.leader = cfg->integer_leader;
    ko.share_total = cfg->integer_share_total;
    SAKSI_TRY(saksi_kobak_alloc(t, &ko, &k, err));
    double t0 = saksi_now();
    if (cl) {
        /* Under backend auto a device failure falls back to the twin (the
         * same integers), as the other families do; a failed launch used to
         * end the audit (found by test_faults_opencl, every launch failing). */
        saksi_error local = {0};
        int fallback_ok = cfg->backend == SAKSI_BACKEND_AUTO;
        rc = saksi_cl_turnout(cl, t, k->field, k->tol_num, k->tol_den, cfg->batch_rows,
                              cfg->local_size, k->code, fallback_ok ? &local : err);
        if (rc != SAKSI_OK) {
            if (!fallback_ok || rc == SAKSI_ERR_INTERRUPTED || rc == SAKSI_ERR_NOMEM) {
                if (fallback_ok) *err = local;
                goto out;
            }
            rc = SAKSI_OK;
            cl = NULL;
        }
    }
    if (!cl)
        saksi_kobak_membership_cpu(t, k->field, k->tol_num, k->tol_den, 0, t->n, k->code);
    k->seconds_membership = saksi_now() - t0;
    SAKSI_TRY(saksi_kobak_analyse(t, &ko, k, res->region_tests, err));
    res->turnout->kobak = k;
    k = NULL;
out:
    saksi_kobak_free(k);
    return rc;
}

static void fill_summary(const saksi_table *t, const saksi_results *res, saksi_summary *sum)
{
    const saksi_turnout *tr = res->turnout;
    sum->baseline_tested = sum->baseline_skipped = 0;
    sum->integer_leader = -1;
    sum->integer_tested = sum->integer_observed = 0;
    sum->integer_expected = sum->integer_p = NAN;
    if (tr->baselines) {
        const saksi_baselines *b = tr->baselines;
        for (size_t m = 0; m < b->nmeasures; m++) {
            sum->baseline_tested += b->tested[m];
            for (int r = SAKSI_BSKIP_MISSING; r < SAKSI_NBSKIP; r++)
                sum->baseline_skipped += b->skipped[m][r];
        }
    }
    if (tr->kobak) {
        const saksi_kobak *k = tr->kobak;
        sum->integer_leader = k->leader;
        for (size_t r = 0; r < k->nregions; r++) {
            const saksi_kobak_region *kr = &k->regions[r];
            if (kr->level != SAKSI_LEVEL_NATIONAL) continue;
            sum->integer_tested = kr->tested;
            sum->integer_observed = kr->observed;
            sum->integer_expected = kr->expected;
            sum->integer_p = *kr->skip ? NAN : kr->test.midp;
        }
    }
    (void)t;
}

saksi_status saksi_family_baselines(const saksi_table *t, const saksi_config *cfg,
                                    struct saksi_cl *cl, saksi_results *res, saksi_summary *sum,
                                    saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_turnout_free(res->turnout);
    res->turnout = calloc(1, sizeof *res->turnout);
    if (!res->turnout) SAKSI_ALLOC_FAIL("turnout results");
    if (!res->region_tests && !(res->region_tests = calloc(1, sizeof *res->region_tests)))
        SAKSI_ALLOC_FAIL("region tests");
    SAKSI_TRY(saksi_lnb_rule_init(&res->turnout->rule, err));
    if (cfg->baselines) {
        saksi_baseline_options bo;
        saksi_baseline_options_init(&bo);
        bo.null = cfg->baseline_null;
        bo.size_trend = cfg->baseline_size_trend;
        bo.size_dispersion = cfg->baseline_size_dispersion;
        SAKSI_TRY(
            saksi_baselines_run(t, res->rules, res->fail_mask, &bo, &res->turnout->baselines, err));
    }
    /* Its rows join res->region_tests; the caller's saksi_region_tests_finish
     * gives every family its q-values (per test and level) and flags. */
    if (cfg->integer_percent && t->ncand > 0) SAKSI_TRY(run_kobak(t, cfg, cl, res, err));
    if (sum) fill_summary(t, res, sum);
out:
    return rc;
}
