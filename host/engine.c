/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * engine.c — drives an audit: ingest, rules, the integrity family on the
 * chosen backend (OpenCL after a self-test against the CPU twin, or the
 * CPU twin itself), transcription repair, ranking, the region-level
 * families on the same device handle, and the report, timing every stage.
 */
#define _POSIX_C_SOURCE 200809L
#include "compare.h"
#include "digits.h"
#include "family_evidence.h"
#include "family_fingerprints.h"
#include "report.h"
#include "report_html.h"
#include "saksi_opencl.h"
#include "turnout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Stations checked twice, on the device and on the CPU twin, before the
 * device's results are trusted (hashcat's self-test idea). */
#define SELFTEST_STATIONS 65536

struct saksi_engine {
    saksi_config cfg;
    saksi_colmap *map;
    saksi_quarantine *q;
    saksi_table *t;
    saksi_ingest_stats ingest;
    char *input_path;
    saksi_rules *rules;
    int32_t *prog;
    size_t prog_len;
    saksi_results res;
    int ran;
    saksi_summary summary;
    const char *rule_names[SAKSI_MAX_RULES];
    char backend_used[16];
    char backend_reason[sizeof((saksi_error *)0)->message + 128];
    char device[128];
    saksi_realdata *rd; /* preset, metadata, second source (issue 6) */
    /* The device of this run when the integrity family ran on OpenCL
     * (opened once, self-tested, shared by every family); NULL on the CPU
     * path. */
    saksi_cl *cl;
    saksi_region_family *region_families;
    saksi_flagged_region *flagged_regions;
};

saksi_engine *saksi_engine_alloc(const saksi_config *cfg)
{
    saksi_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->cfg = *cfg;
    e->q = saksi_quarantine_alloc();
    e->map = saksi_colmap_alloc();
    if (!e->q || !e->map) {
        saksi_engine_free(e);
        return NULL;
    }
    return e;
}

void saksi_engine_free(saksi_engine *e)
{
    if (!e)
        return;
    saksi_results_free(&e->res);
    saksi_cl_close(e->cl);
    free(e->region_families);
    free(e->flagged_regions);
    free(e->prog);
    saksi_rules_free(e->rules);
    saksi_table_free(e->t);
    saksi_quarantine_free(e->q);
    saksi_colmap_free(e->map);
    saksi_realdata_free(e->rd);
    free(e->input_path);
    free(e);
}

/* A stop request is honoured between stages too, not only inside the
 * stages that check per batch (reads, kernel batches, repair, report
 * tables): the sort that ends the ingest and the ranking do not. */
static saksi_status check_stop(const char *before, saksi_error *err)
{
    if (!saksi_stop_requested())
        return SAKSI_OK;
    return saksi_error_set(err, SAKSI_ERR_INTERRUPTED, __FILE__, __LINE__,
                           "stopped on request before %s", before);
}

saksi_status saksi_engine_ingest(saksi_engine *e, const char *path, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    double t0 = saksi_now();
    if (e->t)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "one input file per audit (already read %s)", e->input_path);
    if (e->cfg.map_path)
        SAKSI_TRY(saksi_colmap_read(e->map, e->cfg.map_path, err));
    for (size_t k = 0; e->cfg.map_pairs && e->cfg.map_pairs[k]; k++)
        SAKSI_TRY(saksi_colmap_add(e->map, e->cfg.map_pairs[k], err));
    if (!(e->input_path = saksi_strdup(path)))
        SAKSI_ALLOC_FAIL("input path");
    SAKSI_TRY(saksi_realdata_ingest(&e->rd, &e->cfg, e->map, path, e->q, &e->t, &e->ingest, err));
    e->summary.timing.ingest = saksi_now() - t0;
    SAKSI_TRY(check_stop("the audit (after reading and sorting the input)", err));
out:
    return rc;
}

saksi_status saksi_engine_adopt_table(saksi_engine *e, saksi_table *t, const char *name,
                                      saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (e->t)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "one input per audit (already read %s)", e->input_path);
    if (!t || !t->region_of[0])
        SAKSI_FAIL(SAKSI_ERR_USAGE, "saksi_engine_adopt_table needs a finalized table");
    if (!(e->input_path = saksi_strdup(name ? name : "(in memory)")))
        SAKSI_ALLOC_FAIL("input name");
    memset(&e->ingest, 0, sizeof e->ingest);
    e->ingest.records = e->ingest.accepted = t->n;
    e->t = t;
out:
    return rc;
}

const saksi_results *saksi_engine_results(const saksi_engine *e)
{
    return e->ran ? &e->res : NULL;
}

const saksi_table *saksi_engine_table(const saksi_engine *e)
{
    return e->t;
}

/* ------------------------------------------------------------------ */
/* The integrity family on a backend                                   */
/* ------------------------------------------------------------------ */

static saksi_status results_alloc(saksi_results *res, size_t n, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    res->enabled = saksi_malloc_array(n, sizeof *res->enabled);
    res->eval_mask = saksi_malloc_array(n, sizeof *res->eval_mask);
    res->fail_mask = saksi_malloc_array(n, sizeof *res->fail_mask);
    res->neg_mask = saksi_malloc_array(n, sizeof *res->neg_mask);
    if (!res->enabled || !res->eval_mask || !res->fail_mask || !res->neg_mask)
        SAKSI_ALLOC_FAIL("integrity masks");
out:
    return rc;
}

/* Device against CPU twin on the first stations, and Philox against its
 * published vectors (Random123 kat_vectors). 0 when they agree. */
static saksi_status device_selftest(saksi_engine *e, saksi_cl *cl, int *agrees, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_table *t = e->t;
    size_t m = t->n < SELFTEST_STATIONS ? t->n : SELFTEST_STATIONS;
    uint32_t *dev = NULL, *cpu = NULL;
    static const uint32_t ctr[12] = {0, 0, 0, 0, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
                                     0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344};
    static const uint32_t key[6] = {0, 0, 0xffffffff, 0xffffffff, 0xa4093822, 0x299f31d0};
    static const uint32_t kat[12] = {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8,
                                     0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd,
                                     0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1};
    uint32_t out[12];
    *agrees = 0;
    SAKSI_TRY(saksi_cl_philox(cl, ctr, key, 3, out, err));
    if (memcmp(out, kat, sizeof kat) != 0)
        goto out;
    dev = saksi_malloc_array(3 * (m ? m : 1), sizeof *dev);
    cpu = saksi_malloc_array(3 * (m ? m : 1), sizeof *cpu);
    if (!dev || !cpu)
        SAKSI_ALLOC_FAIL("self-test");
    /* A view of the first m stations: same columns, same stride. */
    saksi_table view = *t;
    view.n = m;
    SAKSI_TRY(saksi_cl_integrity(cl, e->prog, e->prog_len, &view, e->res.enabled, e->cfg.batch_rows,
                                 e->cfg.local_size, dev, dev + m, dev + 2 * m, err));
    saksi_integrity_cpu(e->prog, &view, e->res.enabled, 0, m, cpu, cpu + m, cpu + 2 * m);
    *agrees = memcmp(dev, cpu, 3 * m * sizeof *dev) == 0;
out:
    free(dev);
    free(cpu);
    return rc;
}

static void set_backend(saksi_engine *e, const char *used, const char *device, const char *why)
{
    snprintf(e->backend_used, sizeof e->backend_used, "%s", used);
    snprintf(e->device, sizeof e->device, "%s", device);
    snprintf(e->backend_reason, sizeof e->backend_reason, "%s", why);
}

/* Run on OpenCL. *fallback_ok says whether a failure may fall back to the
 * CPU path (backend auto) rather than end the run. */
static saksi_status integrity_opencl(saksi_engine *e, int fallback_ok, int *done, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_cl *cl = NULL;
    saksi_error local = {0};
    saksi_error *use = fallback_ok ? &local : err;
    int agrees = 0, explicit_device = e->cfg.platform_index >= 0;
    char why[sizeof local.message + 128];
    saksi_cl_options opt = {e->cfg.platform_index, e->cfg.device_index,
                            !fallback_ok || explicit_device, e->cfg.kernel_dir, e->cfg.cache_dir};
    *done = 0;
    rc = saksi_cl_open(&opt, &cl, use);
    if (rc == SAKSI_OK)
        rc = device_selftest(e, cl, &agrees, use);
    if (rc == SAKSI_OK && !agrees)
        rc = saksi_error_set(use, SAKSI_ERR_SELFTEST, __FILE__, __LINE__,
                             "device %s disagrees with the CPU reference in the self-test",
                             saksi_cl_device_name(cl));
    if (rc == SAKSI_OK)
        rc = saksi_cl_integrity(cl, e->prog, e->prog_len, e->t, e->res.enabled, e->cfg.batch_rows,
                                e->cfg.local_size, e->res.eval_mask, e->res.fail_mask,
                                e->res.neg_mask, use);
    if (rc == SAKSI_OK) {
        snprintf(why, sizeof why, "%s OpenCL device%s, self-test passed",
                 fallback_ok ? "auto: a GPU/accelerator" : "--backend opencl:",
                 saksi_cl_device_is_cpu(cl) ? " (a CPU: slower than the plain-C path)" : "");
        set_backend(e, "opencl", saksi_cl_device_name(cl), why);
        *done = 1;
        e->cl = cl; /* kept for the other families of this run */
        cl = NULL;
    } else if (fallback_ok && rc != SAKSI_ERR_INTERRUPTED && rc != SAKSI_ERR_NOMEM) {
        snprintf(why, sizeof why, "auto: %s; ran the plain-C path",
                 rc == SAKSI_ERR_NODEVICE
                     ? "no GPU or accelerator OpenCL device (on a CPU the plain-C twin is faster)"
                     : local.message);
        set_backend(e, "cpu", "", why);
        rc = SAKSI_OK;
    } else if (fallback_ok) {
        *err = local;
    }
    saksi_cl_close(cl);
    return rc;
}

static saksi_status run_integrity(saksi_engine *e, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    int done = 0;
    if (e->cfg.backend == SAKSI_BACKEND_CPU)
        set_backend(e, "cpu", "", "--backend cpu");
    else
        SAKSI_TRY(integrity_opencl(e, e->cfg.backend == SAKSI_BACKEND_AUTO, &done, err));
    /* The CPU path in batches of batch_rows, like the kernel's, so that a
     * stop request ends a national check within one batch. */
    const size_t n = e->t->n, batch = e->cfg.batch_rows ? e->cfg.batch_rows : n;
    for (size_t first = 0; !done && first < n; first += batch) {
        if (saksi_stop_requested())
            SAKSI_FAIL(SAKSI_ERR_INTERRUPTED,
                       "integrity check interrupted after %zu of %zu stations", first, n);
        saksi_integrity_cpu(e->prog, e->t, e->res.enabled, first,
                            n - first < batch ? n : first + batch, e->res.eval_mask,
                            e->res.fail_mask, e->res.neg_mask);
    }
out:
    return rc;
}

/* ------------------------------------------------------------------ */
/* Run                                                                 */
/* ------------------------------------------------------------------ */

static void fill_summary(saksi_engine *e)
{
    saksi_summary *s = &e->summary;
    s->ingest = e->ingest;
    s->stations = e->t->n;
    for (int l = 0; l < SAKSI_NLEVELS; l++)
        s->regions[l] = e->t->regions[l].n;
    memset(s->by_class, 0, sizeof s->by_class);
    for (size_t k = 0; k < e->res.nranked; k++)
        s->by_class[e->res.ranked[k].klass]++;
    s->by_class[SAKSI_CLASS_NONE] = e->t->n - e->res.nranked;
    s->nrules = e->rules->nrules;
    for (size_t r = 0; r < e->rules->nrules; r++)
        e->rule_names[r] = e->rules->rule[r].name;
    s->rule_names = e->rule_names;
    s->rule_failed = e->res.rule_failed;
    s->rule_evaluated = e->res.rule_evaluated;
    s->negative_stations = 0;
    for (size_t i = 0; i < e->t->n; i++)
        s->negative_stations += e->res.neg_mask[i] != 0;
    s->repaired = s->by_class[SAKSI_CLASS_TRANSCRIPTION];
    s->backend_used = e->backend_used;
    s->backend_reason = e->backend_reason;
    s->device = e->device;
    saksi_family_fingerprints_summary(&e->res, s);
    saksi_realdata_summary(e->rd, s);
    s->anomaly_tested = e->res.anomaly ? e->res.anomaly->m : 0;
    s->anomaly_flagged = e->res.anomaly ? e->res.anomaly->nflagged : 0;
}

static saksi_status summarize_regions(saksi_engine *e, saksi_error *err)
{
    saksi_summary *s = &e->summary;
    free(e->region_families);
    free(e->flagged_regions);
    e->region_families = NULL;
    e->flagged_regions = NULL;
    saksi_status rc = saksi_region_tests_summarize(e->t, e->res.region_tests, &e->region_families,
                                                   &s->nregion_families, &e->flagged_regions,
                                                   &s->nflagged_listed, &s->nflagged_regions, err);
    s->region_families = e->region_families;
    s->flagged_regions = e->flagged_regions;
    return rc;
}

static void progress(const saksi_engine *e, const char *stage, double fraction)
{
    if (e->cfg.progress && e->cfg.progress_cb)
        e->cfg.progress_cb(e->cfg.progress_ctx, stage, fraction);
}

saksi_status saksi_engine_run(saksi_engine *e, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    double t0;
    if (!e->t)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "no input was read");
    if (e->cfg.strict && e->q->n > 0) {
        const saksi_qrecord *q = &e->q->rec[0];
        SAKSI_FAIL(SAKSI_ERR_STRICT,
                   "%zu record(s) quarantined under --strict; first: %s line %llu column %u "
                   "(%s): %s",
                   e->q->n, e->q->files[q->file], (unsigned long long)q->line, q->column,
                   saksi_qreason_name(q->reason), q->detail);
    }
    saksi_results_free(&e->res);
    saksi_cl_close(e->cl);
    e->cl = NULL;
    free(e->prog);
    e->prog = NULL;
    saksi_rules_free(e->rules);
    e->rules = NULL;

    t0 = saksi_now();
    SAKSI_TRY(check_stop("the integrity check", err));
    progress(e, "integrity", 0.0);
    SAKSI_TRY(saksi_realdata_rules(e->rd, e->cfg.rules_path, &e->rules, err));
    SAKSI_TRY(saksi_rules_compile(e->rules, e->t, &e->prog, &e->prog_len, err));
    e->res.rules = e->rules;
    SAKSI_TRY(results_alloc(&e->res, e->t->n, err));
    SAKSI_TRY(saksi_rules_apply_scopes(e->rules, e->t, e->res.enabled, err));
    if (e->cfg.strata_path)
        SAKSI_TRY(saksi_strata_apply(e->cfg.strata_path, e->t, &e->summary.strata_listed,
                                     &e->summary.strata_applied, err));
    SAKSI_TRY(run_integrity(e, err));
    e->summary.timing.integrity = saksi_now() - t0;

    t0 = saksi_now();
    SAKSI_TRY(check_stop("transcription repair", err));
    progress(e, "repair", 0.0);
    saksi_repair_options ro = {e->cfg.repair_min_weight, e->cfg.repair_max_alternatives};
    SAKSI_TRY(saksi_repair_all(e->t, e->prog, &e->res, &ro, err));
    e->summary.timing.repair = saksi_now() - t0;

    t0 = saksi_now();
    SAKSI_TRY(check_stop("the digit tests", err));
    progress(e, "digits", 0.0);
    SAKSI_TRY(saksi_family_digits(e->t, &e->res, &e->cfg, e->cl, err));
    e->summary.timing.digits = saksi_now() - t0;

    t0 = saksi_now();
    SAKSI_TRY(check_stop("the fingerprint tests", err));
    progress(e, "fingerprints", 0.0);
    SAKSI_TRY(saksi_family_fingerprints(e->t, &e->cfg, e->cl, &e->res,
                                        &e->summary.timing.fingerprint_fit, err));
    e->summary.timing.fingerprints = saksi_now() - t0;

    t0 = saksi_now();
    SAKSI_TRY(check_stop("the station baselines", err));
    progress(e, "baselines", 0.0);
    SAKSI_TRY(saksi_family_baselines(e->t, &e->cfg, e->cl, &e->res, &e->summary, err));
    e->summary.timing.baselines = saksi_now() - t0;

    /* Every region family has its rows: BH per (test, level), lambda, flags. */
    if (e->res.region_tests)
        SAKSI_TRY(saksi_region_tests_finish(e->res.region_tests, e->cfg.region_alpha,
                                            e->cfg.null_model == SAKSI_NULL_EMPIRICAL, err));

    /* After every family and their region flags: the anomaly evidence
     * combines the station families' calibrated p-values, weighted by the
     * flags, and enters the one ranking (issue 5). */
    t0 = saksi_now();
    SAKSI_TRY(check_stop("ranking", err));
    progress(e, "rank", 0.0);
    SAKSI_TRY(saksi_family_evidence(e->t, &e->res, err));
    SAKSI_TRY(saksi_anomaly_build(e->t, &e->res, NULL, err));
    SAKSI_TRY(saksi_rank_build(e->t, e->prog, &e->res, &e->cfg, err));
    SAKSI_TRY(saksi_realdata_rank(e->rd, e->t, &e->res, &e->cfg, err));
    e->summary.timing.rank = saksi_now() - t0;
    SAKSI_TRY(summarize_regions(e, err));
    fill_summary(e);
    e->ran = 1;
out:
    return rc;
}

const saksi_summary *saksi_engine_summary(const saksi_engine *e)
{
    return &e->summary;
}

/* ------------------------------------------------------------------ */
/* Report                                                              */
/* ------------------------------------------------------------------ */

static saksi_status join(char *buf, size_t len, const char *dir, const char *name,
                         saksi_error *err)
{
    if (snprintf(buf, len, "%s/%s", dir, name) >= (int)len)
        return saksi_error_set(err, SAKSI_ERR_CANTCREAT, __FILE__, __LINE__,
                               "output path too long: %s/%s", dir, name);
    return SAKSI_OK;
}

saksi_status saksi_engine_write_quarantine(saksi_engine *e, const char *dir, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    char path[4096];
    SAKSI_TRY(saksi_make_dirs(dir, err));
    SAKSI_TRY(join(path, sizeof path, dir, "quarantine.csv", err));
    SAKSI_TRY(saksi_report_quarantine_csv(path, e->q, err));
out:
    return rc;
}

saksi_status saksi_engine_write_report(saksi_engine *e, const char *dir, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    char path[4096], params[4096], libs[1024], created[64];
    double t0 = saksi_now();
    if (!e->ran)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "saksi_engine_write_report before a successful run");
    SAKSI_TRY(check_stop("writing the report", err));
    SAKSI_TRY(saksi_make_dirs(dir, err));
    saksi_atomic_clean_stale(dir);

    saksi_config_parameters(&e->cfg, params, sizeof params);
    saksi_library_versions(libs, sizeof libs);
    if (e->cfg.reproducible) {
        snprintf(created, sizeof created, "pinned by --reproducible");
    } else {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    /* the second source, when compared, is an input too */
    const char *inputs[2] = {e->input_path, e->rd ? e->rd->other_path : NULL};
    unsigned char sha[2][32];
    uint64_t in_bytes[2] = {e->ingest.bytes}, in_records[2] = {e->ingest.records};
    memcpy(sha[0], e->ingest.sha256, 32);
    if (inputs[1]) {
        memcpy(sha[1], e->rd->other_stats.sha256, 32);
        in_bytes[1] = e->rd->other_stats.bytes;
        in_records[1] = e->rd->other_stats.records;
    }
    saksi_provenance prov = {
        .version = saksi_version_string(),
        .libraries = libs,
        .parameters = params,
        .seed = e->cfg.seed,
        .backend = e->cfg.reproducible ? "pinned" : e->backend_used,
        .device = e->cfg.reproducible ? "pinned" : e->device,
        .created_utc = created,
        .rules_source = e->rules->source,
        .ninputs = inputs[1] ? 2 : 1,
        .input_paths = inputs,
        .input_sha256 = (const unsigned char(*)[32])sha,
        .input_bytes = in_bytes,
        .input_records = in_records,
    };
    SAKSI_TRY(join(path, sizeof path, dir, "report.h5", err));
    SAKSI_TRY(saksi_report_h5(path, e->t, e->q, &e->res, &prov, err));
    e->summary.timing.report_h5 = saksi_now() - t0;

    t0 = saksi_now();
    SAKSI_TRY(check_stop("writing ranked.csv", err));
    SAKSI_TRY(join(path, sizeof path, dir, "ranked.csv", err));
    SAKSI_TRY(saksi_report_ranked_csv(path, e->t, &e->res, e->cfg.lang, err));
    SAKSI_TRY(saksi_engine_write_quarantine(e, dir, err));
    e->summary.timing.report_csv = saksi_now() - t0;

    /* report.html, class_*.csv and regions.csv, drawn from report.h5 as
     * written: what `saksi report` would draw from the same file. */
    t0 = saksi_now();
    SAKSI_TRY(join(path, sizeof path, dir, "report.h5", err));
    SAKSI_TRY(saksi_report_render_files(path, dir, e->cfg.lang, 0, err));
    e->summary.timing.report_html = saksi_now() - t0;
    const saksi_timing *tm = &e->summary.timing;
    e->summary.timing.total = tm->ingest + tm->integrity + tm->repair + tm->rank + tm->digits +
                              tm->fingerprints + tm->baselines + tm->report_h5 + tm->report_csv +
                              tm->report_html;
out:
    return rc;
}
