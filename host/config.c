/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * config.c — the documented defaults of every audit parameter, and the
 * one-line rendering of the parameters that decide the report's numbers
 * (written into its provenance).
 */
#include "saksi_internal.h"

#include <stdio.h>
#include <string.h>

/* Default ranking priority of DESIGN §5: integrity findings first (facts),
 * then anomalies, then misread digits, then probably-missing data. */
static const int default_priority[SAKSI_NCLASSES] = {
    SAKSI_CLASS_INTEGRITY, SAKSI_CLASS_ANOMALY, SAKSI_CLASS_TRANSCRIPTION,
    SAKSI_CLASS_INCOMPLETE, SAKSI_CLASS_CROSS_SOURCE, SAKSI_CLASS_NONE};

void saksi_config_init(saksi_config *c)
{
    memset(c, 0, sizeof *c);
    c->backend = SAKSI_BACKEND_AUTO;
    c->platform_index = -1;
    c->device_index = -1;
    c->batch_rows = 65536; /* PoCL: 64k batches ran 4x faster than one of 1M */
    c->seed = 2024;
    c->repair_min_weight = 0.9;
    c->repair_max_alternatives = 5;
    c->lang = "en";
    memcpy(c->class_priority, default_priority, sizeof default_priority);
    c->fingerprint_bins = 100;      /* one percentage point per bin (Klimek et al. 2012) */
    c->fingerprint_bootstrap = 20;  /* SAKSI_FP_DEFAULT_FIT_BOOTSTRAP, analysis/fingerprint.h */
    c->fingerprint_null_runs = 20;  /* SAKSI_FP_DEFAULT_NULL_RUNS */
    c->shape_bootstrap = 20;        /* SAKSI_SHAPE_DEFAULT_BOOTSTRAP */
    c->null_model = SAKSI_NULL_CALIBRATED;
    c->region_alpha = 0.05;     /* DESIGN §4: flagged only when q < 0.05 */
    c->digits_min_numbers = 50; /* SAKSI_DIGITS_MIN_NUMBERS, analysis/digits.h */
    c->baselines = 1;
    c->integer_percent = 1;
    c->integer_tolerance = SAKSI_IPCT_DEFAULT_TOLERANCE;
    c->integer_leader = -1;
    c->integer_share_total = 0;
    c->baseline_size_trend = 1;
    c->baseline_size_dispersion = 1;
}

void saksi_config_parameters(const saksi_config *c, char *buf, size_t len)
{
    char weight[32];
    int n;
    saksi_format_double(weight, sizeof weight, c->repair_min_weight, 17);
    n = snprintf(buf, len,
                 "rules=%s;strata=%s;map=%s;strict=%d;seed=%llu;repair_min_weight=%s;"
                 "repair_max_alternatives=%zu;class_priority=",
                 c->rules_path ? c->rules_path : "built-in", c->strata_path ? c->strata_path : "none",
                 c->map_path ? c->map_path : "none",
                 c->strict, (unsigned long long)c->seed, weight, c->repair_max_alternatives);
    for (int k = 0; k < SAKSI_NCLASSES && c->class_priority[k] && n > 0 && (size_t)n < len; k++)
        n += snprintf(buf + n, len - (size_t)n, "%s%s", k ? "," : "",
                      saksi_class_name(c->class_priority[k]));
    for (size_t k = 0; c->map_pairs && c->map_pairs[k] && n > 0 && (size_t)n < len; k++)
        n += snprintf(buf + n, len - (size_t)n, ";map_pair=%s", c->map_pairs[k]);
    if (n > 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n,
                      ";fingerprint_bins=%zu;fingerprint_fit=%d;fingerprint_bootstrap=%zu;"
                      "fingerprint_null_runs=%zu;shape_bootstrap=%zu",
                      c->fingerprint_bins, c->fingerprint_fit, c->fingerprint_bootstrap,
                      c->fingerprint_null_runs, c->shape_bootstrap);
    char alpha[32];
    saksi_format_double(alpha, sizeof alpha, c->region_alpha, 17);
    if (n > 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, ";null=%s;region_alpha=%s;digits_min_numbers=%zu",
                      c->null_model == SAKSI_NULL_EMPIRICAL ? "empirical" : "calibrated", alpha,
                      c->digits_min_numbers);
    char tol[32];
    saksi_format_double(tol, sizeof tol, c->integer_tolerance, 17);
    if (n > 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n,
                      ";baselines=%d;baseline_null=%d;baseline_size_trend=%d;"
                      "baseline_size_dispersion=%d;integer_percent=%d;"
                      "integer_tolerance=%s;integer_leader=%d;integer_share_total=%d",
                      c->baselines, c->baseline_null, c->baseline_size_trend,
                      c->baseline_size_dispersion, c->integer_percent, tol, c->integer_leader,
                      c->integer_share_total);
}
