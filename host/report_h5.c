/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_h5.c — writes report.h5 (schema: docs/report-schema.md): the narrow
 * stations table, per-level region tables, rules, findings, repairs, the
 * ranked list, quarantine, provenance and name legends. The file is built
 * in memory and published atomically (saksi_atomic_*) only when everything
 * succeeded.
 */
#define _POSIX_C_SOURCE 200809L
#include "report_h5.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Written as the root attribute report_schema; bump on any change a
 * reader would notice. */
#define REPORT_SCHEMA "saksi-report/1"
#define REPORT_NOTICE                                                                              \
    "Findings are leads for investigation, never proof of fraud. Each row says which rule or "     \
    "test flagged it and by how much; see the limits of every test in the documentation."

/* Growth step of the in-memory file (HDF5 core driver). HDF5 zeroes each
 * step as it grows, so a large step costs page faults even for a tiny
 * report (16 MiB: ~50 ms here); the national report is about 1 MB, and a
 * larger one grows by mremap in glibc's realloc, without copying. */
#define CORE_INCREMENT ((size_t)1 << 20)

/* Names of enum saksi_edit, as the /legend/edit table gives them. */
static const char *const edit_names[SAKSI_NEDITS] = {"change", "drop", "insert", "swap"};

static const char *edit_name(int e)
{
    return e >= 0 && e < SAKSI_NEDITS ? edit_names[e] : "";
}

/* A uint32 bit mask stored in an int32 member: same 32 bits. */
static int32_t bits32(uint32_t u)
{
    int32_t s;
    memcpy(&s, &u, sizeof s);
    return s;
}

static size_t max_sz(size_t a, size_t b)
{
    return a > b ? a : b;
}

/* Everything the table writers share. */
typedef struct report_ctx {
    saksi_h5_file file;
    const saksi_table *t;
    const saksi_quarantine *q;
    const saksi_results *res;
    const saksi_provenance *prov;
    size_t id_width; /* every station_id column */
    size_t nrules;
} report_ctx;

/* Name of field f of table t into buf ("cand_<label>" for candidates). */
static int field_name(const saksi_table *t, int f, char *buf, size_t len)
{
    if (f >= 0 && f < SAKSI_NFIXED) {
        snprintf(buf, len, "%s", saksi_field_name(f));
        return 0;
    }
    if (f >= SAKSI_NFIXED && (size_t)(f - SAKSI_NFIXED) < t->ncand) {
        snprintf(buf, len, "cand_%s", t->cand_label[f - SAKSI_NFIXED]);
        return 0;
    }
    buf[0] = 0;
    return -1;
}

static saksi_status check_station(const report_ctx *c, size_t row, const char *what,
                                  saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (row >= c->t->n)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "%s: %s refers to station row %zu of %zu", c->file.path,
                   what, row, c->t->n);
out:
    return rc;
}

/* ---------------------------------------------------------------- */

static saksi_status write_root_attrs(report_ctx *c, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_provenance *p = c->prov;
    hid_t root = c->file.id;
    const char *created = p->created_utc ? p->created_utc : "";
    const char *backend = p->backend ? p->backend : "";
    const char *device = p->device ? p->device : "";
    char seed[32];
    snprintf(seed, sizeof seed, "%" PRIu64, p->seed);
    /* Time, backend and device are the only things that differ between two
     * runs of the same input and seed; they share one attribute so that
     * --reproducible pins exactly one place. */
    static const char env_fmt[] = "created_utc=%s;backend=%s;device=%s";
    size_t env_len = sizeof env_fmt + strlen(created) + strlen(backend) + strlen(device);
    char *env = malloc(env_len);
    if (!env)
        SAKSI_ALLOC_FAIL("the run_environment attribute");
    snprintf(env, env_len, env_fmt, created, backend, device);
    const char *const attrs[][2] = {
        {"report_schema", REPORT_SCHEMA},
        {"saksi_version", p->version},
        {"libraries", p->libraries},
        {"parameters", p->parameters},
        {"seed", seed},
        {"rules_source", p->rules_source},
        {"run_environment", env},
        {"notice", REPORT_NOTICE},
    };
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
        SAKSI_TRY(saksi_h5_attr_str(&c->file, root, "/", attrs[i][0], attrs[i][1], err));
out:
    free(env);
    return rc;
}

/* One legend table: code -> name for codes [0, n). */
static saksi_status write_legend(report_ctx *c, hid_t g, const char *name, int n,
                                 const char *(*name_of)(int), saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_h5_table tb = {
        .dset = H5I_INVALID_HID, .ftype = H5I_INVALID_HID, .mtype = H5I_INVALID_HID};
    size_t w = 1;
    for (int k = 0; k < n; k++)
        w = max_sz(w, strlen(name_of(k)));
    const saksi_h5_col cols[] = {{"code", SAKSI_H5_I32, 0}, {"name", SAKSI_H5_STR, w}};
    SAKSI_TRY(saksi_h5_table_open(&tb, &c->file, g, "/legend", name, cols, 2, (size_t)n, err));
    for (int k = 0; k < n; k++) {
        unsigned char *row;
        SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
        saksi_h5_put_i32(&tb, row, 0, k);
        saksi_h5_put_str(&tb, row, 1, name_of(k));
    }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    return rc;
}

static saksi_status write_legends(report_ctx *c, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    hid_t g = H5I_INVALID_HID;
    SAKSI_TRY(saksi_h5_group(&c->file, c->file.id, "legend", &g, err));
    SAKSI_TRY(write_legend(c, g, "class", SAKSI_NCLASSES, saksi_class_name, err));
    SAKSI_TRY(write_legend(c, g, "stratum", SAKSI_NSTRATA, saksi_stratum_name, err));
    SAKSI_TRY(write_legend(c, g, "edit", SAKSI_NEDITS, edit_name, err));
    SAKSI_TRY(write_legend(c, g, "quarantine_reason", SAKSI_NQREASONS, saksi_qreason_name, err));
out:
    rc = saksi_h5_close(g, H5Gclose, rc, &c->file, "group /legend", err);
    return rc;
}

/* ---------------------------------------------------------------- */

enum {
    ST_ID,
    ST_LEVEL1,
    ST_STRATUM = ST_LEVEL1 + SAKSI_NLEVELS - 1,
    ST_CLASS,
    ST_EVAL,
    ST_FAIL,
    ST_NEG,
    ST_NCOLS
};

static saksi_status write_stations(report_ctx *c, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_table *t = c->t;
    const saksi_results *res = c->res;
    saksi_h5_table tb = {
        .dset = H5I_INVALID_HID, .ftype = H5I_INVALID_HID, .mtype = H5I_INVALID_HID};
    saksi_h5_col cols[ST_NCOLS] = {
        [ST_ID] = {"station_id", SAKSI_H5_STR, c->id_width},
        [ST_STRATUM] = {"stratum", SAKSI_H5_I32, 0},
        [ST_CLASS] = {"class", SAKSI_H5_I32, 0},
        [ST_EVAL] = {"eval_mask", SAKSI_H5_I32, 0},
        [ST_FAIL] = {"fail_mask", SAKSI_H5_I32, 0},
        [ST_NEG] = {"neg_mask", SAKSI_H5_I32, 0},
    };
    for (int l = 1; l < SAKSI_NLEVELS; l++)
        cols[ST_LEVEL1 + l - 1] = (saksi_h5_col){saksi_level_name(l), SAKSI_H5_I32, 0};
    SAKSI_TRY(
        saksi_h5_table_open(&tb, &c->file, c->file.id, "", "stations", cols, ST_NCOLS, t->n, err));
    for (size_t i = 0; i < t->n; i++) {
        unsigned char *row;
        SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
        saksi_h5_put_str(&tb, row, ST_ID, saksi_table_id(t, i));
        for (int l = 1; l < SAKSI_NLEVELS; l++)
            saksi_h5_put_i32(&tb, row, (size_t)(ST_LEVEL1 + l - 1), (int32_t)t->region_of[l][i]);
        saksi_h5_put_i32(&tb, row, ST_STRATUM, t->stratum ? t->stratum[i] : 0);
        saksi_h5_put_i32(&tb, row, ST_CLASS, res->klass[i]);
        saksi_h5_put_i32(&tb, row, ST_EVAL, bits32(res->eval_mask[i]));
        saksi_h5_put_i32(&tb, row, ST_FAIL, bits32(res->fail_mask[i]));
        saksi_h5_put_i32(&tb, row, ST_NEG, bits32(res->neg_mask[i]));
    }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    return rc;
}

/* ---------------------------------------------------------------- */

enum {
    RG_CODE,
    RG_PARENT,
    RG_FIRST,
    RG_COUNT,
    RG_FAILING,
    RG_NEGATIVE,
    RG_CLASS0,
    RG_FINDINGS = RG_CLASS0 + SAKSI_NCLASSES - 1,
    RG_VOTES,
    RG_NCOLS
};

/* Per-region counts of one level, accumulated over stations, findings and
 * ranked rows through region_of (so contiguity is not assumed). */
typedef struct region_agg {
    int32_t failing, negative, findings;
    int32_t by_class[SAKSI_NCLASSES];
    int64_t votes_abs;
} region_agg;

static saksi_status aggregate_level(const report_ctx *c, int l, region_agg *agg, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_table *t = c->t;
    const saksi_results *res = c->res;
    for (size_t i = 0; i < t->n; i++) {
        region_agg *a = &agg[t->region_of[l][i]];
        a->failing += res->fail_mask[i] != 0;
        a->negative += res->neg_mask[i] != 0;
        if (res->klass[i] < SAKSI_NCLASSES)
            a->by_class[res->klass[i]]++;
    }
    for (size_t k = 0; k < res->nfindings; k++)
        agg[t->region_of[l][res->findings[k].station]].findings++;
    for (size_t k = 0; k < res->nranked; k++) {
        int64_t v = res->ranked[k].votes_at_stake;
        if (v == INT64_MIN)
            SAKSI_FAIL(SAKSI_ERR_LIMIT, "%s: votes at stake of ranked row %zu out of range",
                       c->file.path, k);
        agg[t->region_of[l][res->ranked[k].station]].votes_abs += v < 0 ? -v : v;
    }
out:
    return rc;
}

static saksi_status write_region_level(report_ctx *c, hid_t g, int l, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_regions *rg = &c->t->regions[l];
    saksi_h5_table tb = {
        .dset = H5I_INVALID_HID, .ftype = H5I_INVALID_HID, .mtype = H5I_INVALID_HID};
    char class_col[SAKSI_NCLASSES][64];
    region_agg *agg = saksi_calloc_array(rg->n, sizeof *agg);
    if (!agg)
        SAKSI_ALLOC_FAIL("region counts");
    SAKSI_TRY(aggregate_level(c, l, agg, err));
    size_t w = 1;
    for (size_t r = 0; r < rg->n; r++)
        w = max_sz(w, strlen(rg->code[r]));
    saksi_h5_col cols[RG_NCOLS] = {
        [RG_CODE] = {"code", SAKSI_H5_STR, w},
        [RG_PARENT] = {"parent", SAKSI_H5_I32, 0},
        [RG_FIRST] = {"first", SAKSI_H5_I32, 0},
        [RG_COUNT] = {"count", SAKSI_H5_I32, 0},
        [RG_FAILING] = {"stations_failing", SAKSI_H5_I32, 0},
        [RG_NEGATIVE] = {"stations_negative", SAKSI_H5_I32, 0},
        [RG_FINDINGS] = {"findings", SAKSI_H5_I32, 0},
        [RG_VOTES] = {"votes_at_stake_abs", SAKSI_H5_I64, 0},
    };
    for (int k = 1; k < SAKSI_NCLASSES; k++) {
        snprintf(class_col[k], sizeof class_col[k], "class_%s", saksi_class_name(k));
        for (char *p = class_col[k]; *p; p++)
            if (*p == '-')
                *p = '_'; /* "cross-source": member names stay identifiers (R, pandas) */
        cols[RG_CLASS0 + k - 1] = (saksi_h5_col){class_col[k], SAKSI_H5_I32, 0};
    }
    SAKSI_TRY(saksi_h5_table_open(&tb, &c->file, g, "/regions", saksi_level_name(l), cols, RG_NCOLS,
                                  rg->n, err));
    for (size_t r = 0; r < rg->n; r++) {
        unsigned char *row;
        SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
        saksi_h5_put_str(&tb, row, RG_CODE, rg->code[r]);
        saksi_h5_put_i32(&tb, row, RG_PARENT, (int32_t)rg->parent[r]);
        saksi_h5_put_i32(&tb, row, RG_FIRST, (int32_t)rg->first[r]);
        saksi_h5_put_i32(&tb, row, RG_COUNT, (int32_t)rg->count[r]);
        saksi_h5_put_i32(&tb, row, RG_FAILING, agg[r].failing);
        saksi_h5_put_i32(&tb, row, RG_NEGATIVE, agg[r].negative);
        for (int k = 1; k < SAKSI_NCLASSES; k++)
            saksi_h5_put_i32(&tb, row, (size_t)(RG_CLASS0 + k - 1), agg[r].by_class[k]);
        saksi_h5_put_i32(&tb, row, RG_FINDINGS, agg[r].findings);
        saksi_h5_put_i64(&tb, row, RG_VOTES, agg[r].votes_abs);
    }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    free(agg);
    return rc;
}

static saksi_status write_regions(report_ctx *c, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    hid_t g = H5I_INVALID_HID;
    SAKSI_TRY(saksi_h5_group(&c->file, c->file.id, "regions", &g, err));
    for (int l = 1; l < SAKSI_NLEVELS; l++)
        SAKSI_TRY(write_region_level(c, g, l, err));
out:
    rc = saksi_h5_close(g, H5Gclose, rc, &c->file, "group /regions", err);
    return rc;
}

/* ---------------------------------------------------------------- */

static saksi_status write_rules(report_ctx *c, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_results *res = c->res;
    saksi_h5_table tb = {
        .dset = H5I_INVALID_HID, .ftype = H5I_INVALID_HID, .mtype = H5I_INVALID_HID};
    size_t wn = 1, wt = 1;
    for (size_t r = 0; r < c->nrules; r++) {
        wn = max_sz(wn, strlen(res->rules->rule[r].name));
        wt = max_sz(wt, strlen(res->rules->rule[r].text));
    }
    const saksi_h5_col cols[] = {
        {"index", SAKSI_H5_I32, 0}, {"name", SAKSI_H5_STR, wn},     {"class", SAKSI_H5_I32, 0},
        {"text", SAKSI_H5_STR, wt}, {"evaluated", SAKSI_H5_I32, 0}, {"failed", SAKSI_H5_I32, 0},
    };
    SAKSI_TRY(saksi_h5_table_open(&tb, &c->file, c->file.id, "", "rules", cols, 6, c->nrules, err));
    for (size_t r = 0; r < c->nrules; r++) {
        const saksi_rule *rule = &res->rules->rule[r];
        unsigned char *row;
        SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
        saksi_h5_put_i32(&tb, row, 0, (int32_t)r);
        saksi_h5_put_str(&tb, row, 1, rule->name);
        saksi_h5_put_i32(&tb, row, 2, rule->klass);
        saksi_h5_put_str(&tb, row, 3, rule->text);
        saksi_h5_put_i32(&tb, row, 4, (int32_t)res->rule_evaluated[r]);
        saksi_h5_put_i32(&tb, row, 5, (int32_t)res->rule_failed[r]);
    }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    return rc;
}

static saksi_status write_findings(report_ctx *c, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_results *res = c->res;
    saksi_h5_table tb = {
        .dset = H5I_INVALID_HID, .ftype = H5I_INVALID_HID, .mtype = H5I_INVALID_HID};
    const saksi_h5_col cols[] = {
        {"station", SAKSI_H5_I32, 0},
        {"station_id", SAKSI_H5_STR, c->id_width},
        {"rule", SAKSI_H5_I32, 0},
        {"discrepancy", SAKSI_H5_I64, 0},
        {"probably_unentered", SAKSI_H5_I32, 0},
    };
    SAKSI_TRY(saksi_h5_table_open(&tb, &c->file, c->file.id, "", "findings", cols, 5,
                                  res->nfindings, err));
    for (size_t k = 0; k < res->nfindings; k++) {
        const saksi_finding *fd = &res->findings[k];
        unsigned char *row;
        if (fd->rule < 0 || (size_t)fd->rule >= c->nrules)
            SAKSI_FAIL(SAKSI_ERR_INTERNAL, "%s: finding %zu names rule %d of %zu", c->file.path, k,
                       fd->rule, c->nrules);
        SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
        saksi_h5_put_i32(&tb, row, 0, (int32_t)fd->station);
        saksi_h5_put_str(&tb, row, 1, saksi_table_id(c->t, fd->station));
        saksi_h5_put_i32(&tb, row, 2, fd->rule);
        saksi_h5_put_i64(&tb, row, 3, fd->discrepancy);
        saksi_h5_put_i32(&tb, row, 4, fd->probably_unentered != 0);
    }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    return rc;
}

static saksi_status write_repairs(report_ctx *c, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_results *res = c->res;
    saksi_h5_table tb = {
        .dset = H5I_INVALID_HID, .ftype = H5I_INVALID_HID, .mtype = H5I_INVALID_HID};
    char name[128];
    size_t wf = 1;
    for (size_t k = 0; k < res->nrepairs; k++) {
        if (field_name(c->t, res->repairs[k].field, name, sizeof name) != 0)
            SAKSI_FAIL(SAKSI_ERR_INTERNAL, "%s: repair %zu names field %d", c->file.path, k,
                       res->repairs[k].field);
        wf = max_sz(wf, strlen(name));
    }
    const saksi_h5_col cols[] = {
        {"station", SAKSI_H5_I32, 0},  {"station_id", SAKSI_H5_STR, c->id_width},
        {"order", SAKSI_H5_I32, 0},    {"field", SAKSI_H5_STR, wf},
        {"reported", SAKSI_H5_I32, 0}, {"repaired", SAKSI_H5_I32, 0},
        {"edit", SAKSI_H5_I32, 0},     {"weight", SAKSI_H5_F64, 0},
    };
    SAKSI_TRY(
        saksi_h5_table_open(&tb, &c->file, c->file.id, "", "repairs", cols, 8, res->nrepairs, err));
    for (size_t k = 0; k < res->nrepairs; k++) {
        const saksi_repair *rp = &res->repairs[k];
        unsigned char *row;
        if (rp->order > INT32_MAX)
            SAKSI_FAIL(SAKSI_ERR_LIMIT, "%s: repair %zu has order %" PRIu32, c->file.path, k,
                       rp->order);
        field_name(c->t, rp->field, name, sizeof name);
        SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
        saksi_h5_put_i32(&tb, row, 0, (int32_t)rp->station);
        saksi_h5_put_str(&tb, row, 1, saksi_table_id(c->t, rp->station));
        saksi_h5_put_i32(&tb, row, 2, (int32_t)rp->order);
        saksi_h5_put_str(&tb, row, 3, name);
        saksi_h5_put_i32(&tb, row, 4, rp->reported);
        saksi_h5_put_i32(&tb, row, 5, rp->repaired);
        saksi_h5_put_i32(&tb, row, 6, rp->edit);
        saksi_h5_put_f64(&tb, row, 7, rp->weight);
    }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    return rc;
}

static saksi_status write_ranked(report_ctx *c, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_results *res = c->res;
    saksi_h5_table tb = {
        .dset = H5I_INVALID_HID, .ftype = H5I_INVALID_HID, .mtype = H5I_INVALID_HID};
    const saksi_h5_col cols[] = {
        {"rank", SAKSI_H5_I32, 0},
        {"station", SAKSI_H5_I32, 0},
        {"station_id", SAKSI_H5_STR, c->id_width},
        {"class", SAKSI_H5_I32, 0},
        {"primary_rule", SAKSI_H5_I32, 0},
        {"rules", SAKSI_H5_I32, 0},
        {"discrepancy", SAKSI_H5_I64, 0},
        {"votes_at_stake", SAKSI_H5_I64, 0},
        {"score", SAKSI_H5_F64, 0},
        {"repair", SAKSI_H5_I32, 0},
        {"alternatives", SAKSI_H5_I32, 0},
    };
    SAKSI_TRY(
        saksi_h5_table_open(&tb, &c->file, c->file.id, "", "ranked", cols, 11, res->nranked, err));
    for (size_t k = 0; k < res->nranked; k++) {
        const saksi_rank_row *rr = &res->ranked[k];
        unsigned char *row;
        if (rr->repair != SIZE_MAX && rr->repair >= res->nrepairs)
            SAKSI_FAIL(SAKSI_ERR_INTERNAL, "%s: ranked row %zu names repair %zu of %zu",
                       c->file.path, k, rr->repair, res->nrepairs);
        if (rr->primary_rule < -1 || rr->primary_rule >= (int)c->nrules)
            SAKSI_FAIL(SAKSI_ERR_INTERNAL, "%s: ranked row %zu names rule %d of %zu", c->file.path,
                       k, rr->primary_rule, c->nrules);
        if (rr->alternatives > INT32_MAX)
            SAKSI_FAIL(SAKSI_ERR_LIMIT, "%s: ranked row %zu has %" PRIu32 " alternatives",
                       c->file.path, k, rr->alternatives);
        SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
        saksi_h5_put_i32(&tb, row, 0, (int32_t)(k + 1));
        saksi_h5_put_i32(&tb, row, 1, (int32_t)rr->station);
        saksi_h5_put_str(&tb, row, 2, saksi_table_id(c->t, rr->station));
        saksi_h5_put_i32(&tb, row, 3, rr->klass);
        saksi_h5_put_i32(&tb, row, 4, rr->primary_rule);
        saksi_h5_put_i32(&tb, row, 5, bits32(rr->rules));
        saksi_h5_put_i64(&tb, row, 6, rr->discrepancy);
        saksi_h5_put_i64(&tb, row, 7, rr->votes_at_stake);
        saksi_h5_put_f64(&tb, row, 8, rr->score);
        saksi_h5_put_i32(&tb, row, 9, rr->repair == SIZE_MAX ? -1 : (int32_t)rr->repair);
        saksi_h5_put_i32(&tb, row, 10, (int32_t)rr->alternatives);
    }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    return rc;
}

/* ---------------------------------------------------------------- */

static saksi_status write_quarantine(report_ctx *c, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    static const saksi_quarantine empty;
    const saksi_quarantine *q = c->q ? c->q : &empty;
    saksi_h5_table tb = {
        .dset = H5I_INVALID_HID, .ftype = H5I_INVALID_HID, .mtype = H5I_INVALID_HID};
    size_t wf = 1, ws = 1, wd = 1, wp = 1;
    for (size_t k = 0; k < q->n; k++) {
        const saksi_qrecord *r = &q->rec[k];
        if (r->file >= q->nfiles || r->reason < 0 || r->reason >= SAKSI_NQREASONS)
            SAKSI_FAIL(SAKSI_ERR_INTERNAL,
                       "%s: quarantine record %zu has file %" PRIu32 " of %zu, reason %d",
                       c->file.path, k, r->file, q->nfiles, r->reason);
        if (r->line > INT64_MAX)
            SAKSI_FAIL(SAKSI_ERR_LIMIT, "%s: quarantine record %zu: line beyond int64",
                       c->file.path, k);
        if (r->column > INT32_MAX)
            SAKSI_FAIL(SAKSI_ERR_LIMIT, "%s: quarantine record %zu: column beyond int32",
                       c->file.path, k);
        wf = max_sz(wf, strlen(r->field ? r->field : ""));
        ws = max_sz(ws, strlen(r->station_id ? r->station_id : ""));
        wd = max_sz(wd, strlen(r->detail ? r->detail : ""));
    }
    for (size_t k = 0; k < q->nfiles; k++)
        wp = max_sz(wp, strlen(q->files[k]));
    const saksi_h5_col cols[] = {
        {"file", SAKSI_H5_I32, 0},    {"line", SAKSI_H5_I64, 0},   {"column", SAKSI_H5_I32, 0},
        {"reason", SAKSI_H5_I32, 0},  {"field", SAKSI_H5_STR, wf}, {"station_id", SAKSI_H5_STR, ws},
        {"detail", SAKSI_H5_STR, wd},
    };
    SAKSI_TRY(saksi_h5_table_open(&tb, &c->file, c->file.id, "", "quarantine", cols, 7, q->n, err));
    for (size_t k = 0; k < q->n; k++) {
        const saksi_qrecord *r = &q->rec[k];
        unsigned char *row;
        SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
        saksi_h5_put_i32(&tb, row, 0, (int32_t)r->file);
        saksi_h5_put_i64(&tb, row, 1, (int64_t)r->line);
        saksi_h5_put_i32(&tb, row, 2, (int32_t)r->column);
        saksi_h5_put_i32(&tb, row, 3, r->reason);
        saksi_h5_put_str(&tb, row, 4, r->field);
        saksi_h5_put_str(&tb, row, 5, r->station_id);
        saksi_h5_put_str(&tb, row, 6, r->detail);
    }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));

    const saksi_h5_col fcols[] = {{"index", SAKSI_H5_I32, 0}, {"path", SAKSI_H5_STR, wp}};
    SAKSI_TRY(saksi_h5_table_open(&tb, &c->file, c->file.id, "", "quarantine_files", fcols, 2,
                                  q->nfiles, err));
    for (size_t k = 0; k < q->nfiles; k++) {
        unsigned char *row;
        SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
        saksi_h5_put_i32(&tb, row, 0, (int32_t)k);
        saksi_h5_put_str(&tb, row, 1, q->files[k]);
    }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    return rc;
}

static saksi_status write_provenance(report_ctx *c, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_provenance *p = c->prov;
    hid_t g = H5I_INVALID_HID;
    saksi_h5_table tb = {
        .dset = H5I_INVALID_HID, .ftype = H5I_INVALID_HID, .mtype = H5I_INVALID_HID};
    size_t wp = 1;
    for (size_t k = 0; k < p->ninputs; k++) {
        wp = max_sz(wp, strlen(p->input_paths[k]));
        if (p->input_bytes[k] > INT64_MAX || p->input_records[k] > INT64_MAX)
            SAKSI_FAIL(SAKSI_ERR_LIMIT, "%s: input %s: size beyond int64", c->file.path,
                       p->input_paths[k]);
    }
    SAKSI_TRY(saksi_h5_group(&c->file, c->file.id, "provenance", &g, err));
    const saksi_h5_col cols[] = {
        {"index", SAKSI_H5_I32, 0}, {"path", SAKSI_H5_STR, wp},   {"sha256", SAKSI_H5_STR, 64},
        {"bytes", SAKSI_H5_I64, 0}, {"records", SAKSI_H5_I64, 0},
    };
    SAKSI_TRY(
        saksi_h5_table_open(&tb, &c->file, g, "/provenance", "inputs", cols, 5, p->ninputs, err));
    for (size_t k = 0; k < p->ninputs; k++) {
        static const char hex[] = "0123456789abcdef";
        char sha[65];
        for (int b = 0; b < 32; b++) {
            sha[2 * b] = hex[p->input_sha256[k][b] >> 4];
            sha[2 * b + 1] = hex[p->input_sha256[k][b] & 15];
        }
        sha[64] = 0;
        unsigned char *row;
        SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
        saksi_h5_put_i32(&tb, row, 0, (int32_t)k);
        saksi_h5_put_str(&tb, row, 1, p->input_paths[k]);
        saksi_h5_put_str(&tb, row, 2, sha);
        saksi_h5_put_i64(&tb, row, 3, (int64_t)p->input_bytes[k]);
        saksi_h5_put_i64(&tb, row, 4, (int64_t)p->input_records[k]);
    }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    rc = saksi_h5_close(g, H5Gclose, rc, &c->file, "group /provenance", err);
    return rc;
}

/* ---------------------------------------------------------------- */

/* Everything the tables index must fit their int32 members, and every
 * station row the results name must exist: checked before the file is
 * created, so that a bad call leaves nothing behind. */
static saksi_status check_inputs(const report_ctx *c, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_table *t = c->t;
    const saksi_results *res = c->res;
    if (t->n > INT32_MAX)
        SAKSI_FAIL(SAKSI_ERR_LIMIT, "%s: %zu stations; report.h5 indexes rows as int32",
                   c->file.path, t->n);
    for (int l = 1; l < SAKSI_NLEVELS; l++)
        if (t->regions[l].n > INT32_MAX)
            SAKSI_FAIL(SAKSI_ERR_LIMIT, "%s: %zu regions at level %s", c->file.path,
                       t->regions[l].n, saksi_level_name(l));
    if (t->n && (!res->klass || !res->eval_mask || !res->fail_mask || !res->neg_mask))
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "%s: results without station masks", c->file.path);
    if (res->nfindings > INT32_MAX || res->nrepairs > INT32_MAX || res->nranked > INT32_MAX)
        SAKSI_FAIL(SAKSI_ERR_LIMIT, "%s: more than 2^31 findings, repairs or ranked rows",
                   c->file.path);
    for (int l = 1; l < SAKSI_NLEVELS; l++)
        for (size_t i = 0; i < t->n; i++)
            if (t->region_of[l][i] >= t->regions[l].n)
                SAKSI_FAIL(SAKSI_ERR_INTERNAL, "%s: station row %zu is in %s %" PRIu32 " of %zu",
                           c->file.path, i, saksi_level_name(l), t->region_of[l][i],
                           t->regions[l].n);
    for (size_t k = 0; k < res->nfindings; k++)
        SAKSI_TRY(check_station(c, res->findings[k].station, "a finding", err));
    for (size_t k = 0; k < res->nrepairs; k++)
        SAKSI_TRY(check_station(c, res->repairs[k].station, "a repair", err));
    for (size_t k = 0; k < res->nranked; k++)
        SAKSI_TRY(check_station(c, res->ranked[k].station, "a ranked row", err));
out:
    return rc;
}

static saksi_status check_stop(const report_ctx *c, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (saksi_stop_requested())
        SAKSI_FAIL(SAKSI_ERR_INTERRUPTED, "%s: interrupted while writing", c->file.path);
out:
    return rc;
}

static saksi_status write_all(report_ctx *c, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    static saksi_status (*const writers[])(report_ctx *, saksi_error *) = {
        write_root_attrs, write_legends, write_stations, write_regions,    write_rules,
        write_findings,   write_repairs, write_ranked,   write_quarantine, write_provenance,
    };
    /* The families' sections: one line each. */
    static const saksi_h5_section_fn sections[] = {
        saksi_h5_write_region_tests,
        saksi_h5_write_fingerprints,
        saksi_h5_write_realdata,
        saksi_h5_write_digits,
        saksi_h5_write_baselines,
        saksi_h5_write_report_view,
    };
    for (size_t k = 0; k < sizeof writers / sizeof writers[0]; k++) {
        SAKSI_TRY(check_stop(c, err));
        SAKSI_TRY(writers[k](c, err));
    }
    for (size_t k = 0; k < sizeof sections / sizeof sections[0]; k++) {
        SAKSI_TRY(check_stop(c, err));
        SAKSI_TRY(sections[k](&c->file, c->file.id, c->t, c->res, err));
    }
out:
    return rc;
}

void saksi_report_h5_options_init(saksi_report_h5_options *o)
{
    o->chunk_rows = SAKSI_H5_CHUNK_ROWS;
    o->deflate_level = SAKSI_H5_DEFLATE_LEVEL;
}

saksi_status saksi_report_h5(const char *path, const saksi_table *t, const saksi_quarantine *q,
                             const saksi_results *res, const saksi_provenance *prov,
                             saksi_error *err)
{
    return saksi_report_h5_with(path, t, q, res, prov, NULL, err);
}

/* Build the whole file in memory (HDF5's core driver, no backing store)
 * and hand back its image. HDF5 never touches the disk: a disk that fills
 * up fails in our own write, where it is clean to handle. (With the sec2
 * driver, an H5Fclose whose flush fails leaves HDF5 1.10 holding a broken
 * file that crashes the process at exit.) */
static saksi_status build_image(report_ctx *c, const char *name, unsigned char **image,
                                size_t *size, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const char *path = c->file.path;
    char why[512];
    hid_t fcpl = H5I_INVALID_HID, fapl = H5I_INVALID_HID;
    *image = NULL;
    fcpl = H5Pcreate(H5P_FILE_CREATE);
    fapl = H5Pcreate(H5P_FILE_ACCESS);
    /* The file-creation list also creates the root group: no timestamps on
     * it either. CLOSE_STRONG: H5Fclose closes whatever an error path left
     * open. */
    if (fcpl < 0 || fapl < 0 || H5Pset_obj_track_times(fcpl, 0) < 0 ||
        H5Pset_fapl_core(fapl, CORE_INCREMENT, 0) < 0 ||
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0)
        SAKSI_FAIL(SAKSI_ERR_HDF5, "%s: HDF5 cannot set the file properties: %s", path,
                   saksi_h5_reason(why, sizeof why));
    c->file.id = H5Fcreate(name, H5F_ACC_TRUNC, fcpl, fapl);
    if (c->file.id < 0)
        SAKSI_FAIL(SAKSI_ERR_HDF5, "%s: HDF5 cannot create the file in memory: %s", path,
                   saksi_h5_reason(why, sizeof why));
    SAKSI_TRY(write_all(c, err));
    if (H5Fflush(c->file.id, H5F_SCOPE_GLOBAL) < 0)
        SAKSI_FAIL(SAKSI_ERR_HDF5, "%s: HDF5 cannot flush the file: %s", path,
                   saksi_h5_reason(why, sizeof why));
    ssize_t n = H5Fget_file_image(c->file.id, NULL, 0);
    if (n <= 0)
        SAKSI_FAIL(SAKSI_ERR_HDF5, "%s: HDF5 cannot size the file image: %s", path,
                   saksi_h5_reason(why, sizeof why));
    *image = malloc((size_t)n);
    if (!*image)
        SAKSI_ALLOC_FAIL("the report.h5 image");
    if (H5Fget_file_image(c->file.id, *image, (size_t)n) != n)
        SAKSI_FAIL(SAKSI_ERR_HDF5, "%s: HDF5 cannot copy the file image: %s", path,
                   saksi_h5_reason(why, sizeof why));
    *size = (size_t)n;
    hid_t f = c->file.id;
    c->file.id = H5I_INVALID_HID;
    if (H5Fclose(f) < 0)
        SAKSI_FAIL(SAKSI_ERR_HDF5, "%s: HDF5 cannot close the file: %s", path,
                   saksi_h5_reason(why, sizeof why));
out:
    if (c->file.id >= 0)
        H5Fclose(c->file.id);
    c->file.id = H5I_INVALID_HID;
    rc = saksi_h5_close(fapl, H5Pclose, rc, &c->file, "the file access properties", err);
    rc = saksi_h5_close(fcpl, H5Pclose, rc, &c->file, "the file creation properties", err);
    if (rc != SAKSI_OK) {
        free(*image);
        *image = NULL;
    }
    return rc;
}

saksi_status saksi_report_h5_with(const char *path, const saksi_table *t,
                                  const saksi_quarantine *q, const saksi_results *res,
                                  const saksi_provenance *prov,
                                  const saksi_report_h5_options *opt, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    H5E_auto2_t old_func = NULL;
    void *old_data = NULL;
    int auto_saved = 0;
    unsigned char *image = NULL;
    size_t size = 0;
    saksi_atomic_file a = {.f = NULL};
    saksi_report_h5_options defaults;
    saksi_report_h5_options_init(&defaults);
    if (!opt)
        opt = &defaults;
    report_ctx c = {.file = {.id = H5I_INVALID_HID, .path = path, .chunk_rows = opt->chunk_rows,
                             .deflate_level = opt->deflate_level},
                    .t = t, .q = q, .res = res, .prov = prov};
    if (opt->chunk_rows == 0 || opt->deflate_level < 0 || opt->deflate_level > 9)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "%s: chunk rows %zu, deflate level %d (1.. and 0..9)", path,
                   opt->chunk_rows, opt->deflate_level);
    c.nrules = res->rules ? res->rules->nrules : 0;
    c.id_width = t->id_maxlen ? t->id_maxlen : 1;
    SAKSI_TRY(check_inputs(&c, err));

    /* The library never prints: HDF5's own error printing is switched off
     * for the duration of the write (and restored for a host program that
     * uses HDF5 itself); failures are read off the stack instead. */
    if (H5Eget_auto2(H5E_DEFAULT, &old_func, &old_data) >= 0)
        auto_saved = 1;
    if (H5Eset_auto2(H5E_DEFAULT, NULL, NULL) < 0)
        SAKSI_FAIL(SAKSI_ERR_HDF5, "%s: HDF5 cannot switch off its error printing", path);
    /* The temporary's name doubles as the in-memory file's name: unique
     * among the files this process has open. */
    SAKSI_TRY(saksi_atomic_open(&a, path, err));
    SAKSI_TRY(build_image(&c, a.tmp, &image, &size, err));
    if (fwrite(image, 1, size, a.f) != size)
        SAKSI_FAIL(SAKSI_ERR_IO, "%s: writing %s failed: %s", path, a.tmp, strerror(errno));
    SAKSI_TRY(saksi_atomic_commit(&a, err));
out:
    saksi_atomic_abort(&a);
    free(image);
    if (auto_saved)
        H5Eset_auto2(H5E_DEFAULT, old_func, old_data);
    return rc;
}

void saksi_report_h5_library_version(char *buf, size_t len)
{
    unsigned maj = 0, min = 0, rel = 0;
    /* The linked library's version, which may be newer than the headers'. */
    if (H5get_libversion(&maj, &min, &rel) < 0)
        maj = H5_VERS_MAJOR, min = H5_VERS_MINOR, rel = H5_VERS_RELEASE;
    snprintf(buf, len, "HDF5 %u.%u.%u", maj, min, rel);
}
