/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * family_evidence.h — the engine's entry to host/family_evidence.c: the
 * families' station p-values and figures handed to the ranking and the
 * report (res->station_tests, res->figures).
 */
#ifndef SAKSI_FAMILY_EVIDENCE_H
#define SAKSI_FAMILY_EVIDENCE_H

#include "analysis.h"

/* After every family ran and saksi_region_tests_finish flagged their
 * regions: replaces res->station_tests (from the station baselines; left
 * NULL when they did not run) and res->figures. */
saksi_status saksi_family_evidence(const saksi_table *t, saksi_results *res, saksi_error *err);

#endif
