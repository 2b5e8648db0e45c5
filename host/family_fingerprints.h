/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * family_fingerprints.h — the engine's entry to the fingerprint family
 * (host/family_fingerprints.c): turnout x winner-share fingerprints, shape
 * statistics and, opt-in, the fraud-model fit with its null.
 */
#ifndef SAKSI_FAMILY_FINGERPRINTS_H
#define SAKSI_FAMILY_FINGERPRINTS_H

#include "fingerprint.h"
#include "saksi_opencl.h"

/* Run the family on a finalized table whose strata are set: fills
 * res->fingerprints (replacing any earlier one) and appends its rows to
 * res->region_tests. cl NULL: the plain-C twins; else the device (a
 * self-tested handle). *fit_seconds receives the wall time of the fit
 * stage (0 when cfg->fingerprint_fit is off). */
saksi_status saksi_family_fingerprints(const saksi_table *t, const saksi_config *cfg, saksi_cl *cl,
                                       saksi_results *res, double *fit_seconds, saksi_error *err);

/* The national fit's numbers for the run summary (NaN when not fitted). */
void saksi_family_fingerprints_summary(const saksi_results *res, saksi_summary *s);

#endif /* SAKSI_FAMILY_FINGERPRINTS_H */
