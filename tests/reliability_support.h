/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * reliability_support.h — helpers of the fault, interruption, determinism,
 * hostile-input and limits tests (issue 7): a small simulated election with
 * planted anomalies and some unparseable records, one library audit of it,
 * and the checks every fault must pass — no temporary left behind and
 * nothing under a report's real name unless it is the complete file, byte
 * for byte the same as an undisturbed run's.
 */
#ifndef SAKSI_RELIABILITY_SUPPORT_H
#define SAKSI_RELIABILITY_SUPPORT_H

#include "test_support.h"

#include "saksi.h"

#include <dirent.h>
#include <errno.h>

/* A fresh directory for a test that runs hundreds of audits: in /dev/shm
 * when it is writable (each audit fsyncs six times, which on a virtual
 * disk costs more than the audit), else where test_mkdtemp puts it. */
static inline char *rel_mkdtemp(const char *tag)
{
    if (access("/dev/shm", W_OK) != 0) return test_mkdtemp(tag);
    char *path = malloc(4096);
    snprintf(path, 4096, "/dev/shm/saksi-%s-XXXXXX", tag);
    if (!mkdtemp(path)) {
        free(path);
        return test_mkdtemp(tag);
    }
    return path;
}

/* The files an audit writes, in the order it writes them: report.h5, the
 * CSVs from the results, then what is drawn from report.h5 as written
 * (saksi_report_render_files: one CSV per class, regions.csv, report.html). */
#define REL_NOUTPUTS 10
static const char *const rel_outputs[REL_NOUTPUTS] = {"report.h5",
                                                      "ranked.csv",
                                                      "quarantine.csv",
                                                      "class_integrity.csv",
                                                      "class_anomaly.csv",
                                                      "class_transcription.csv",
                                                      "class_incomplete.csv",
                                                      "class_cross-source.csv",
                                                      "regions.csv",
                                                      "report.html"};

/* Records appended to a simulated stations.csv so that the quarantine,
 * its report table and quarantine.csv have rows: a count that is not an
 * integer, a wrong field count and a duplicate id (of the first station,
 * which rel_make_input passes in). */
static inline void rel_append_bad_records(FILE *f, const char *first_id, size_t nfields)
{
    fprintf(f, "9999999999991");
    for (size_t k = 1; k < nfields; k++)
        fprintf(f, ",%s", k == 2 ? "1.827" : "5");
    fprintf(f, "\n9999999999992,1,2\n%s", first_id);
    for (size_t k = 1; k < nfields; k++)
        fprintf(f, ",1");
    fputc('\n', f);
}

/*
 * A small election in dir: simulate `stations` stations (seed, every kind of
 * anomaly planted at `plant` each), then write dir/input.csv: the simulated
 * file with three unparseable records appended. Returns 0 on success.
 */
static inline int rel_make_input(const char *dir, size_t stations, uint64_t seed, double plant)
{
    saksi_sim_config sc;
    saksi_error err = {0};
    char sim[4600], path[4700], line[8192], first_id[64] = "";
    saksi_sim_config_init(&sc);
    sc.seed = seed;
    sc.stations = stations;
    for (int k = 0; k < SAKSI_NPLANT; k++)
        sc.plant_rate[k] = plant;
    snprintf(sim, sizeof sim, "%s/sim", dir);
    if (saksi_simulate(&sc, sim, &err) != SAKSI_OK) {
        fprintf(stderr, "simulate: %s\n", err.message);
        return -1;
    }
    snprintf(path, sizeof path, "%s/stations.csv", sim);
    FILE *in = fopen(path, "rb");
    snprintf(path, sizeof path, "%s/input.csv", dir);
    FILE *out = fopen(path, "wb");
    if (!in || !out) return -1;
    size_t nfields = 0, lineno = 0;
    while (fgets(line, sizeof line, in)) {
        if (lineno == 0)
            for (const char *c = line; *c; c++)
                nfields += *c == ',';
        if (lineno == 1) snprintf(first_id, sizeof first_id, "%.*s", (int)strcspn(line, ","), line);
        fputs(line, out);
        lineno++;
    }
    rel_append_bad_records(out, first_id, nfields + 1);
    fclose(in);
    return fclose(out) == 0 ? 0 : -1;
}

/* Entries of dir whose name holds ".tmp-" (the atomic writer's temporaries). */
static inline int rel_count_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d) return 0;
    for (struct dirent *de; (de = readdir(d)) != NULL;)
        n += strstr(de->d_name, ".tmp-") != NULL;
    closedir(d);
    return n;
}

/* Remove the files names[0..n) (and any temporary) from dir. */
static inline void rel_clear_names(const char *dir, const char *const *names, int n)
{
    DIR *d = opendir(dir);
    char path[8192];
    if (!d) return;
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        int ours = strstr(de->d_name, ".tmp-") != NULL;
        for (int k = 0; k < n; k++)
            ours |= strcmp(de->d_name, names[k]) == 0;
        if (!ours) continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        unlink(path);
    }
    closedir(d);
}

/* Remove the audit's outputs (and any temporary) from dir. */
static inline void rel_clear_outputs(const char *dir)
{
    rel_clear_names(dir, rel_outputs, REL_NOUTPUTS);
}

/* The bytes of an undisturbed run's outputs (the audit's, unless names
 * says otherwise). */
#define REL_MAXFILES 16
typedef struct rel_reference {
    const char *const *names;
    int n;
    char *data[REL_MAXFILES];
    size_t len[REL_MAXFILES];
} rel_reference;

static inline void rel_reference_read_names(rel_reference *r, const char *dir,
                                            const char *const *names, int n)
{
    char path[8192];
    r->names = names;
    r->n = n;
    for (int k = 0; k < n; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        r->data[k] = test_read_file(path, &r->len[k]);
        if (!r->data[k]) fail_msg("reference run wrote no %s", path);
    }
}

static inline void rel_reference_read(rel_reference *r, const char *dir)
{
    rel_reference_read_names(r, dir, rel_outputs, REL_NOUTPUTS);
}

static inline void rel_reference_free(rel_reference *r)
{
    for (int k = 0; k < r->n; k++)
        free(r->data[k]);
}

/* After a disturbed run into dir: no temporary, and every output present
 * under its real name is the reference's bytes. Returns how many are
 * present; fails the test (naming what) otherwise. */
static inline int rel_check_outputs(const char *dir, const rel_reference *ref, const char *what)
{
    char path[8192];
    int present = 0;
    if (rel_count_tmp(dir) != 0) fail_msg("%s: temporary files left in %s", what, dir);
    for (int k = 0; k < ref->n; k++) {
        size_t len = 0;
        snprintf(path, sizeof path, "%s/%s", dir, ref->names[k]);
        char *data = test_read_file(path, &len);
        if (!data) continue;
        present++;
        if (len != ref->len[k] || memcmp(data, ref->data[k], len) != 0)
            fail_msg("%s: %s is present but not the complete file (%zu bytes, expected %zu)", what,
                     ref->names[k], len, ref->len[k]);
        free(data);
    }
    return present;
}

/* A configuration for a reproducible CPU audit of rel_make_input's file. */
static inline void rel_config(saksi_config *cfg)
{
    saksi_config_init(cfg);
    cfg->backend = SAKSI_BACKEND_CPU;
    cfg->reproducible = 1;
}

/* One audit through the library, as the CLI runs it: ingest, run, write. */
static inline saksi_status rel_audit(const saksi_config *cfg, const char *input, const char *out,
                                     saksi_error *err)
{
    saksi_engine *e = saksi_engine_alloc(cfg);
    saksi_status st;
    if (!e) { /* the CLI's message for it */
        err->status = SAKSI_ERR_NOMEM;
        snprintf(err->message, sizeof err->message, "out of memory allocating the engine");
        return SAKSI_ERR_NOMEM;
    }
    st = saksi_engine_ingest(e, input, err);
    if (st == SAKSI_OK) st = saksi_engine_run(e, err);
    if (st == SAKSI_OK) st = saksi_engine_write_report(e, out, err);
    saksi_engine_free(e);
    return st;
}

#endif /* SAKSI_RELIABILITY_SUPPORT_H */
