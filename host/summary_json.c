/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * summary_json.c — saksi_summary_write_json: the summary of a finished audit
 * as one JSON object (RFC 8259): strings escaped and valid UTF-8, numbers
 * with a '.' decimal point whatever the locale, non-finite numbers as null.
 */
#include "saksi_internal.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

/* Significant digits of floating values in the summary. */
#define JSON_DIGITS 6

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one
 * (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || c > 0xF4)
        return 0;
    for (size_t k = 1; k < n; k++)
        if ((s[k] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) || (c == 0xF0 && s[1] < 0x90) ||
        (c == 0xF4 && s[1] > 0x8F))
        return 0;
    return n;
}

/* A JSON string; NULL is written as null. Bytes that are not UTF-8 (a
 * device name from a driver, say) become U+FFFD so the output always
 * parses. */
static void json_string(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        unsigned c = *p;
        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc((int)c, f);
        } else if (c == '\n') {
            fputs("\\n", f);
        } else if (c == '\t') {
            fputs("\\t", f);
        } else if (c == '\r') {
            fputs("\\r", f);
        } else if (c < 0x20 || c == 0x7F) {
            fprintf(f, "\\u%04x", c);
        } else {
            size_t n = utf8_len(p);
            if (n == 0) {
                fputs("\\ufffd", f);
                p++;
                continue;
            }
            fwrite(p, 1, n, f);
            p += n;
            continue;
        }
        p++;
    }
    fputc('"', f);
}

static void json_double(FILE *f, double v)
{
    char buf[64];
    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    /* The summary holds timings in seconds: 6 significant digits are a
     * microsecond or better, and read well. */
    saksi_format_double(buf, sizeof buf, v, JSON_DIGITS);
    fputs(buf, f);
}

static void json_key(FILE *f, const char *key, int *first)
{
    if (!*first)
        fputc(',', f);
    *first = 0;
    fputs("\n  ", f);
    json_string(f, key);
    fputs(": ", f);
}

static void write_ingest(FILE *f, const saksi_ingest_stats *st)
{
    static const char hex[] = "0123456789abcdef";
    char sha[65];
    for (int b = 0; b < 32; b++) {
        sha[2 * b] = hex[st->sha256[b] >> 4];
        sha[2 * b + 1] = hex[st->sha256[b] & 15];
    }
    sha[64] = 0;
    fprintf(f,
            "{\"bytes\": %" PRIu64 ", \"records\": %" PRIu64 ", \"accepted\": %" PRIu64
            ", \"quarantined\": %" PRIu64 ", \"missing_cells\": %" PRIu64 ", \"sha256\": ",
            st->bytes, st->records, st->accepted, st->quarantined, st->missing_cells);
    json_string(f, sha);
    fputc('}', f);
}

static void write_timing(FILE *f, const saksi_timing *tm)
{
    const struct {
        const char *name;
        double v;
    } stages[] = {
        {"ingest", tm->ingest}, {"integrity", tm->integrity},
        {"repair", tm->repair},         {"rank", tm->rank},         {"digits", tm->digits},
        {"report_h5", tm->report_h5},
        {"report_csv", tm->report_csv}, {"report_html", tm->report_html},
        {"total", tm->total},
        {"fingerprints", tm->fingerprints}, {"fingerprint_fit", tm->fingerprint_fit},
        {"baselines", tm->baselines},
    };
    fputc('{', f);
    for (size_t k = 0; k < sizeof stages / sizeof stages[0]; k++) {
        fputs(k ? ", " : "", f);
        json_string(f, stages[k].name);
        fputs(": ", f);
        json_double(f, stages[k].v);
    }
    fputc('}', f);
}

/* The region tests: every (test, level) family, then the flagged regions
 * listed (the count of all of them beside). */
static void write_regions(FILE *f, const saksi_summary *s, int *first)
{
    json_key(f, "region_tests", first);
    fputc('[', f);
    for (size_t k = 0; k < s->nregion_families; k++) {
        const saksi_region_family *r = &s->region_families[k];
        fputs(k ? ",\n    {\"test\": " : "\n    {\"test\": ", f);
        json_string(f, r->test);
        fputs(", \"level\": ", f);
        json_string(f, saksi_level_name(r->level));
        fprintf(f, ", \"m\": %zu, \"flagged\": %zu, \"lambda\": ", r->m, r->flagged);
        json_double(f, r->lambda);
        fputc('}', f);
    }
    fputs(s->nregion_families ? "\n  ]" : "]", f);
    json_key(f, "flagged_regions", first);
    fprintf(f, "{\"count\": %zu, \"listed\": [", s->nflagged_regions);
    for (size_t k = 0; k < s->nflagged_listed; k++) {
        const saksi_flagged_region *r = &s->flagged_regions[k];
        fputs(k ? ",\n    {\"level\": " : "\n    {\"level\": ", f);
        json_string(f, saksi_level_name(r->level));
        fputs(", \"code\": ", f);
        json_string(f, r->code);
        fputs(", \"test\": ", f);
        json_string(f, r->test);
        fprintf(f, ", \"candidate\": %d, \"n\": %u, \"effect\": ", r->candidate, r->n);
        json_double(f, r->effect);
        fputs(", \"effect_lo\": ", f);
        json_double(f, r->effect_lo);
        fputs(", \"effect_hi\": ", f);
        json_double(f, r->effect_hi);
        fputs(", \"q\": ", f);
        json_double(f, r->q);
        fputc('}', f);
    }
    fputs(s->nflagged_listed ? "\n  ]}" : "]}", f);
}

saksi_status saksi_summary_write_json(const saksi_summary *s, FILE *f, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    int first = 1;
    if (s->nrules && (!s->rule_names || !s->rule_failed || !s->rule_evaluated))
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "summary with %zu rules but no rule arrays", s->nrules);
    if ((s->nregion_families && !s->region_families) ||
        (s->nflagged_listed && !s->flagged_regions))
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "summary with region tests but no region arrays");
    fputc('{', f);
    json_key(f, "saksi_version", &first);
    json_string(f, SAKSI_VERSION_STRING);
    json_key(f, "ingest", &first);
    write_ingest(f, &s->ingest);
    json_key(f, "stations", &first);
    fprintf(f, "%zu", s->stations);

    json_key(f, "regions", &first);
    fputc('{', f);
    for (int l = 0; l < SAKSI_NLEVELS; l++) {
        fputs(l ? ", " : "", f);
        json_string(f, saksi_level_name(l));
        fprintf(f, ": %zu", s->regions[l]);
    }
    fputc('}', f);

    json_key(f, "by_class", &first);
    fputc('{', f);
    for (int k = 0; k < SAKSI_NCLASSES; k++) {
        fputs(k ? ", " : "", f);
        json_string(f, saksi_class_name(k));
        fprintf(f, ": %zu", s->by_class[k]);
    }
    fputc('}', f);

    json_key(f, "rules", &first);
    fputc('[', f);
    for (size_t r = 0; r < s->nrules; r++) {
        fputs(r ? ",\n    {\"name\": " : "\n    {\"name\": ", f);
        json_string(f, s->rule_names[r]);
        fprintf(f, ", \"evaluated\": %zu, \"failed\": %zu}", s->rule_evaluated[r],
                s->rule_failed[r]);
    }
    fputs(s->nrules ? "\n  ]" : "]", f);

    json_key(f, "anomaly", &first);
    fprintf(f, "{\"tested\": %zu, \"q_below_0.05\": %zu}", s->anomaly_tested,
            s->anomaly_flagged);
    json_key(f, "negative_stations", &first);
    fprintf(f, "%zu", s->negative_stations);
    json_key(f, "repaired", &first);
    fprintf(f, "%zu", s->repaired);
    json_key(f, "backend_used", &first);
    json_string(f, s->backend_used);
    json_key(f, "backend_reason", &first);
    json_string(f, s->backend_reason);
    json_key(f, "device", &first);
    json_string(f, s->device);
    write_regions(f, s, &first);
    json_key(f, "strata_file", &first);
    fprintf(f, "{\"listed\": %zu, \"applied\": %zu}", s->strata_listed, s->strata_applied);
    json_key(f, "real_data", &first); /* issue 6: readers and cross-source comparison */
    fprintf(f,
            "{\"input_format\": \"%s\", \"preset\": ", s->input_format ? s->input_format : "csv");
    json_string(f, s->preset ? s->preset : "");
    fprintf(f,
            ", \"documents\": %" PRIu64 ", \"filtered\": %" PRIu64 ", \"json_null_values\": %" PRIu64
            ", \"adm_absent\": %" PRIu64 ", \"chart_absent\": %" PRIu64
            ", \"null_chart_keys\": %" PRIu64 ", \"code_mismatch\": %" PRIu64
            ", \"compare\": {\"matched\": %zu, \"differing\": %zu, \"only_primary\": %zu"
            ", \"only_other\": %zu, \"field_diffs\": %" PRIu64 ", \"filled\": %" PRIu64
            ", \"any_difference\": %zu, \"candidates_differ\": %zu}}",
            s->ingest.documents, s->ingest.filtered, s->json_null_values, s->adm_absent,
            s->chart_absent, s->null_chart_keys, s->code_mismatch, s->compare_matched,
            s->compare_differing, s->compare_only_primary, s->compare_only_other,
            s->compare_field_diffs, s->compare_filled, s->compare_any, s->compare_cand_changed);
    json_key(f, "baselines", &first);
    fprintf(f, "{\"tested\": %zu, \"skipped\": %zu}", s->baseline_tested, s->baseline_skipped);
    json_key(f, "integer_percent", &first);
    fprintf(f, "{\"leader\": %d, \"tested\": %zu, \"observed\": %zu, \"expected\": ",
            s->integer_leader, s->integer_tested, s->integer_observed);
    json_double(f, s->integer_expected);
    fputs(", \"p\": ", f);
    json_double(f, s->integer_p);
    fputc('}', f);
    json_key(f, "timing_s", &first);
    write_timing(f, &s->timing);
    json_key(f, "fingerprint", &first);
    fprintf(f, "{\"fitted\": %s, \"f_i\": ", s->fingerprint.fitted ? "true" : "false");
    json_double(f, s->fingerprint.fi);
    fputs(", \"f_e\": ", f);
    json_double(f, s->fingerprint.fe);
    fputs(", \"f_i_null_p95\": ", f);
    json_double(f, s->fingerprint.fi_null_p95);
    fputs(", \"f_e_null_p95\": ", f);
    json_double(f, s->fingerprint.fe_null_p95);
    fputs(", \"p_f_i\": ", f);
    json_double(f, s->fingerprint.p_fi);
    fputs(", \"p_f_e\": ", f);
    json_double(f, s->fingerprint.p_fe);
    fputc('}', f);
    fputs("\n}\n", f);
    if (ferror(f) || fflush(f) != 0)
        SAKSI_FAIL(SAKSI_ERR_IO, "writing the JSON summary failed");
out:
    return rc;
}
