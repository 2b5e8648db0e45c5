/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * family_digits.c — drives the digit family (issue 3) in an audit: which
 * numbers are tested, their histograms on the OpenCL device (after a
 * self-test against the CPU twin on the first stations) or on the twin
 * itself, then the per-region statistics, appended to res->region_tests
 * and kept in res->digits for the report.
 */
#include "saksi_opencl.h"

#include "digits.h"

#include <gsl/gsl_errno.h>
#include <stdlib.h>
#include <string.h>

/* Stations counted on both the device and the twin before the device's
 * histograms are trusted (as the integrity family's self-test). */
#define DIGITS_SELFTEST_STATIONS 65536

static void note(saksi_digits_result *d, const char *backend, const char *why)
{
    snprintf(d->backend, sizeof d->backend, "%s", backend);
    /* a long device error is cut: the note is one line of the report */
    size_t n = strlen(why) < sizeof d->backend_note ? strlen(why) : sizeof d->backend_note - 1;
    memcpy(d->backend_note, why, n);
    d->backend_note[n] = '\0';
}

/* The histograms on the device: the first stations on both paths, then
 * the rest on the device only, adding into the same histograms. *ok = 0
 * when the device disagreed with the twin. */
static saksi_status device_hist(saksi_cl *cl, const saksi_table *t, const uint8_t *mask,
                                const saksi_config *cfg, uint32_t *hist, size_t nbins, int *ok,
                                saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t m = t->n < DIGITS_SELFTEST_STATIONS ? t->n : DIGITS_SELFTEST_STATIONS;
    uint32_t *ref = saksi_calloc_array(nbins ? nbins : 1, sizeof *ref);
    *ok = 0;
    if (!ref) SAKSI_ALLOC_FAIL("digit self-test");
    memset(hist, 0, nbins * sizeof *hist);
    SAKSI_TRY(
        saksi_cl_digits_histogram(cl, t, 0, m, mask, cfg->batch_rows, cfg->local_size, hist, err));
    saksi_digits_hist_cpu(t, 0, m, mask, ref);
    if (memcmp(hist, ref, nbins * sizeof *hist) != 0) goto out;
    *ok = 1;
    SAKSI_TRY(saksi_cl_digits_histogram(cl, t, m, t->n, mask, cfg->batch_rows, cfg->local_size,
                                        hist, err));
out:
    free(ref);
    return rc;
}

/* Histograms on cl when given (falling back to the twin under backend
 * auto when the device fails or disagrees), else on the twin. */
static saksi_status histograms(const saksi_table *t, const uint8_t *mask, const saksi_config *cfg,
                               saksi_cl *cl, uint32_t *hist, size_t nbins, saksi_digits_result *d,
                               saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_error local = {0};
    int fallback_ok = cfg->backend == SAKSI_BACKEND_AUTO, ok = 0;
    char why[sizeof local.message + 64];
    if (cl) {
        rc = device_hist(cl, t, mask, cfg, hist, nbins, &ok, fallback_ok ? &local : err);
        if (rc == SAKSI_OK && ok) {
            note(d, "opencl", "device histograms, self-test against the CPU twin passed");
            goto out;
        }
        if (rc == SAKSI_OK)
            rc = saksi_error_set(fallback_ok ? &local : err, SAKSI_ERR_SELFTEST, __FILE__, __LINE__,
                                 "device %s disagrees with the CPU twin on the digit histograms",
                                 saksi_cl_device_name(cl));
        if (!fallback_ok || rc == SAKSI_ERR_INTERRUPTED || rc == SAKSI_ERR_NOMEM) {
            if (fallback_ok) *err = local;
            goto out;
        }
        snprintf(why, sizeof why, "auto: %s; ran the CPU twin", local.message);
        note(d, "cpu", why);
        rc = SAKSI_OK;
    } else {
        note(d, "cpu", "CPU twin (no OpenCL device in this run)");
    }
    memset(hist, 0, nbins * sizeof *hist);
    saksi_digits_hist_cpu(t, 0, t->n, mask, hist);
out:
    return rc;
}

saksi_status saksi_family_digits(const saksi_table *t, saksi_results *res, const saksi_config *cfg,
                                 struct saksi_cl *cl, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const size_t nbins = t->regions[SAKSI_LEVEL_DISTRICT].n * t->ncand * SAKSI_DIGIT_HIST;
    uint8_t *exclude = NULL, *mask = NULL;
    uint32_t *hist = NULL;
    saksi_digits_result *d = NULL;
    saksi_digits_counts counts;
    saksi_digits_options opt;

    gsl_set_error_handler_off(); /* GSL reports through return values, never aborts */
    saksi_digits_options_init(&opt);
    opt.min_numbers = cfg->digits_min_numbers;
    saksi_digits_result_free(res->digits);
    free(res->digits);
    res->digits = NULL;
    if (!res->region_tests && !(res->region_tests = calloc(1, sizeof *res->region_tests)))
        SAKSI_ALLOC_FAIL("region tests");
    exclude = saksi_malloc_array(t->n ? t->n : 1, 1);
    mask = saksi_malloc_array(t->n && t->ncand ? t->n * t->ncand : 1, 1);
    hist = saksi_calloc_array(nbins ? nbins : 1, sizeof *hist);
    d = calloc(1, sizeof *d);
    if (!exclude || !mask || !hist || !d) SAKSI_ALLOC_FAIL("digit family");
    SAKSI_TRY(saksi_digits_exclusions(t, res, exclude, err));
    SAKSI_TRY(saksi_digits_masks(t, exclude, &opt.peers, mask, &counts, err));
    saksi_digits_result tmp = {0};
    SAKSI_TRY(histograms(t, mask, cfg, cl, hist, nbins, &tmp, err));
    SAKSI_TRY(saksi_digits_analyse(t, exclude, mask, hist, &opt, res->region_tests, d, err));
    memcpy(counts.outside_support, d->counts.outside_support, sizeof counts.outside_support);
    d->counts = counts;
    memcpy(d->backend, tmp.backend, sizeof d->backend);
    memcpy(d->backend_note, tmp.backend_note, sizeof d->backend_note);
    res->digits = d;
    d = NULL;
out:
    saksi_digits_result_free(d);
    free(d);
    free(hist);
    free(mask);
    free(exclude);
    return rc;
}
