/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * compare.c — the engine's real-data glue: loads a preset, tells the input's
 * format and reads it (CSV, Sirekap JSON, KawalPemilu JSON), reads a second
 * source of the same stations when there is one (--compare, a preset's
 * [compare] section, KawalPemilu's KPU numbers) and compares the two, picks
 * the run's rules, and adds the cross-source rows to the ranking.
 */
#define _POSIX_C_SOURCE 200809L
#include "compare.h"
#include "ingest_sirekap.h"
#include "presets.h"

#include <stdlib.h>
#include <string.h>

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s && s[1] ? s + 1 : path;
}

/* Read one source of path in format fmt into *t. */
static saksi_status read_source(saksi_realdata *rd, int fmt, size_t source, const saksi_colmap *map,
                                const char *path, saksi_quarantine *q, saksi_station_meta *meta,
                                const saksi_config *cfg, saksi_table **t, saksi_ingest_stats *st,
                                saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_json_options jo = {0};
    if (cfg->progress) {
        jo.progress_cb = cfg->progress_cb;
        jo.progress_ctx = cfg->progress_ctx;
    }
    if (fmt == SAKSI_FORMAT_SIREKAP) {
        SAKSI_TRY(saksi_ingest_sirekap(path, &jo, q, meta, t, st, err));
    } else if (fmt == SAKSI_FORMAT_KAWAL) {
        SAKSI_TRY(saksi_ingest_kawal(path, (int)source, &jo, q, meta, t, st, err));
    } else {
        saksi_ingest_options opt = {0};
        opt.map = map;
        opt.preset = rd->preset;
        opt.preset_source = source;
        opt.meta = meta;
        if (cfg->progress) {
            opt.progress_cb = cfg->progress_cb;
            opt.progress_ctx = cfg->progress_ctx;
        }
        SAKSI_TRY(saksi_ingest_csv(path, &opt, q, t, st, err));
    }
out:
    return rc;
}

static int pick_format(const saksi_config *cfg, const char *path, int *fmt, saksi_error *err)
{
    if (cfg->input_format && strcmp(cfg->input_format, "auto") != 0) {
        *fmt = saksi_format_lookup(cfg->input_format);
        if (*fmt < 0)
            return saksi_error_set(err, SAKSI_ERR_USAGE, __FILE__, __LINE__,
                                   "unknown input format '%s' (auto, csv, sirekap, kawalpemilu)",
                                   cfg->input_format);
        return SAKSI_OK;
    }
    return saksi_detect_format(path, fmt, err);
}

saksi_status saksi_realdata_ingest(saksi_realdata **rdp, const saksi_config *cfg,
                                   const saksi_colmap *map, const char *path, saksi_quarantine *q,
                                   saksi_table **t, saksi_ingest_stats *stats, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_realdata *rd = calloc(1, sizeof *rd);
    saksi_quarantine *q2 = NULL;
    *rdp = NULL;
    if (!rd) SAKSI_ALLOC_FAIL("the real-data state");
    if (cfg->preset) SAKSI_TRY(saksi_preset_load(cfg->preset, &rd->preset, err));
    SAKSI_TRY(pick_format(cfg, path, &rd->format, err));
    rd->meta = saksi_meta_alloc(rd->format == SAKSI_FORMAT_CSV     ? SAKSI_META_CSV
                                : rd->format == SAKSI_FORMAT_KAWAL ? SAKSI_META_KAWAL
                                                                   : SAKSI_META_SIREKAP);
    if (!rd->meta) SAKSI_ALLOC_FAIL("the station metadata");
    SAKSI_TRY(read_source(rd, rd->format, 0, map, path, q, rd->meta, cfg, t, stats, err));
    SAKSI_TRY(saksi_meta_attach(rd->meta, *t, err));

    /* the second source */
    const char *other = cfg->compare_path;
    size_t source = 0;
    int fmt = rd->format;
    snprintf(rd->cmp.label[0], sizeof rd->cmp.label[0], "%s",
             rd->preset ? saksi_preset_source_label(rd->preset, 0) : base_name(path));
    if (rd->format == SAKSI_FORMAT_KAWAL)
        snprintf(rd->cmp.label[0], sizeof rd->cmp.label[0], "KawalPemilu");
    if (other) {
        SAKSI_TRY(pick_format(cfg, other, &fmt, err));
        snprintf(rd->cmp.label[0], sizeof rd->cmp.label[0], "%s", base_name(path));
        snprintf(rd->cmp.label[1], sizeof rd->cmp.label[1], "%s", base_name(other));
        if (fmt == SAKSI_FORMAT_KAWAL && rd->format == SAKSI_FORMAT_KAWAL) source = 0;
    } else if (rd->preset && saksi_preset_nsources(rd->preset) > 1 &&
               rd->format == SAKSI_FORMAT_CSV) {
        other = path;
        source = 1;
        snprintf(rd->cmp.label[1], sizeof rd->cmp.label[1], "%s",
                 saksi_preset_source_label(rd->preset, 1));
    } else if (rd->format == SAKSI_FORMAT_KAWAL) {
        other = path;
        source = 1;
        snprintf(rd->cmp.label[1], sizeof rd->cmp.label[1], "KPU Situng");
    }
    if (other) {
        /* its unreadable records are listed apart, not twice in the primary's */
        if (!(q2 = saksi_quarantine_alloc()) || !(rd->other_path = saksi_strdup(other)))
            SAKSI_ALLOC_FAIL("the second source");
        SAKSI_TRY(read_source(rd, fmt, source, map, other, q2, NULL, cfg, &rd->other,
                              &rd->other_stats, err));
        SAKSI_TRY(saksi_compare_tables(*t, rd->other, &rd->cmp, err));
        rd->has_compare = 1;
    }
    *rdp = rd;
    rd = NULL;
out:
    saksi_quarantine_free(q2);
    saksi_realdata_free(rd);
    return rc;
}

saksi_status saksi_realdata_rules(const saksi_realdata *rd, const char *rules_path,
                                  saksi_rules **out, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    char *text = NULL, source[600];
    size_t len = 0;
    if (rules_path || !rd || !rd->preset || !rd->preset->rules)
        return saksi_rules_load(rules_path, out, err);
    if (strcmp(rd->preset->rules, "indonesia") == 0) return saksi_rules_load(NULL, out, err);
    SAKSI_TRY(saksi_preset_rules_text(rd->preset->rules, &text, &len, source, sizeof source, err));
    SAKSI_TRY(saksi_rules_parse(text, len, source, out, err));
out:
    free(text);
    return rc;
}

saksi_status saksi_realdata_rank(saksi_realdata *rd, const saksi_table *t, saksi_results *res,
                                 const saksi_config *cfg, saksi_error *err)
{
    res->realdata = rd;
    if (!rd || !rd->has_compare) return SAKSI_OK;
    return saksi_compare_rank(t, &rd->cmp, res, cfg, err);
}

void saksi_realdata_summary(const saksi_realdata *rd, saksi_summary *s)
{
    s->input_format = "csv";
    s->preset = "";
    if (!rd) return;
    s->input_format = saksi_format_name(rd->format);
    s->preset = rd->preset ? saksi_preset_name(rd->preset) : "";
    if (rd->meta) {
        s->json_null_values = rd->meta->null_values;
        s->adm_absent = rd->meta->adm_absent;
        s->chart_absent = rd->meta->chart_absent;
        s->null_chart_keys = rd->meta->null_keys;
        s->code_mismatch = rd->meta->code_mismatch;
    }
    if (rd->has_compare) {
        s->compare_matched = rd->cmp.matched;
        s->compare_differing = rd->cmp.changed;
        s->compare_only_primary = rd->cmp.only_primary;
        s->compare_only_other = rd->cmp.only_other;
        s->compare_field_diffs = rd->cmp.field_changes;
        s->compare_filled = rd->cmp.field_fills + rd->cmp.field_empties;
        s->compare_any = rd->cmp.nst;
        s->compare_cand_changed = rd->cmp.cand_changed;
    }
}

void saksi_realdata_free(saksi_realdata *rd)
{
    if (!rd) return;
    saksi_preset_free(rd->preset);
    saksi_meta_free(rd->meta);
    saksi_table_free(rd->other);
    saksi_compare_free(&rd->cmp);
    free(rd->other_path);
    free(rd);
}
