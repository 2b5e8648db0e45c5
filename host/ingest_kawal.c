/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ingest_kawal.c — reads KawalPemilu 2019 hierarchy nodes (c/<id>.json of
 * kawalpemilu2019-extract, read straight from its .tar.xz files): each TPS
 * listed in a desa node's children becomes a station "<desa id>-<tps no>",
 * with KawalPemilu's digitised sums (data[tps].sum) or the KPU Situng
 * numbers captured beside them (kpu[tps]) as the two sources, DPT by sex
 * from children, regions from parentIds: the same station ids and regions
 * as the kawalpemilu2019 preset of the derived CSV, so the two compare.
 * A node is at most ~130 kB (measured: c/42260.json, DI Yogyakarta), so
 * each is parsed whole with yajl's tree API, one document at a time.
 */
#define _POSIX_C_SOURCE 200809L
#include "ingest_sirekap_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

/* Depth of a desa (kelurahan) node: 0 national .. 4 desa. */
#define DESA_DEPTH 4
/* Largest TPS number accepted in a desa node. */
#define MAX_TPS_NO 100000

/* The vote fields of a sum and their canonical fields (pas1 = Jokowi-Ma'ruf
 * = cand_01, pas2 = Prabowo-Sandi = cand_02, as in the preset). */
static const struct {
    const char *key;
    int field;
} sum_keys[] = {{"pas1", SAKSI_NFIXED + 0},
                {"pas2", SAKSI_NFIXED + 1},
                {"sah", SAKSI_F_VALID},
                {"tSah", SAKSI_F_INVALID},
                {"jum", SAKSI_F_TOTAL}};
#define NSUM (sizeof sum_keys / sizeof *sum_keys)

typedef struct kreader {
    saksi_quarantine *q;
    saksi_station_meta *meta;
    saksi_ingest_stats *st;
    saksi_rows rows;
    uint32_t file;
    int source;
} kreader;

static yajl_val member(yajl_val obj, const char *key)
{
    if (!YAJL_IS_OBJECT(obj)) return NULL;
    for (size_t k = 0; k < obj->u.object.len; k++)
        if (strcmp(obj->u.object.keys[k], key) == 0) return obj->u.object.values[k];
    return NULL;
}

/* A count: an integer in int32 (not INT32_MIN), or null/absent (missing).
 * Returns 0 (with *why) for anything else. */
static int count(yajl_val v, int32_t *out, const char **why)
{
    *out = SAKSI_MISSING;
    if (!v || YAJL_IS_NULL(v)) return 1;
    if (!YAJL_IS_INTEGER(v)) {
        *why =
            YAJL_IS_NUMBER(v) ? "a count that is not an integer" : "a count that is not a number";
        return 0;
    }
    long long x = YAJL_GET_INTEGER(v);
    if (x > INT32_MAX || x < -(long long)INT32_MAX) {
        *why = "a count outside the int32 range";
        return 0;
    }
    *out = (int32_t)x;
    return 1;
}

/* The entry of tps number no in data or kpu (an object keyed by number, or
 * an array indexed by it). */
static yajl_val entry(yajl_val v, long long no)
{
    char key[32];
    if (YAJL_IS_ARRAY(v))
        return no >= 0 && (size_t)no < v->u.array.len ? v->u.array.values[no] : NULL;
    snprintf(key, sizeof key, "%lld", no);
    return member(v, key);
}

static saksi_status bad(kreader *r, const saksi_doc *d, int reason, const char *why,
                        saksi_error *err)
{
    return saksi_doc_quarantine(r->q, r->st, d, 0, reason, "", why, err);
}

static saksi_status on_node(void *ctx, saksi_doc *d, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    kreader *r = ctx;
    char errbuf[256], text[64], id[64], reg[SAKSI_NLEVELS][24];
    yajl_val root = NULL;
    const char *why = NULL;
    if (d->truncated) {
        r->st->records++;
        return bad(r, d, SAKSI_Q_LINE_TOO_LONG, "document longer than max_doc_bytes", err);
    }
    /* yajl_tree wants a terminated string; the walk's buffer has room */
    ((char *)d->text)[d->len] = 0;
    root = yajl_tree_parse(d->text, errbuf, sizeof errbuf);
    if (!root) {
        r->st->records++;
        for (char *p = errbuf; *p; p++)
            if (*p == '\n') *p = ' ';
        SAKSI_TRY(
            bad(r, d, strstr(errbuf, "UTF8") ? SAKSI_Q_ENCODING : SAKSI_Q_MALFORMED, errbuf, err));
        goto out;
    }
    yajl_val depth = member(root, "depth"), nid = member(root, "id");
    if (!YAJL_IS_OBJECT(root) || !YAJL_IS_INTEGER(depth) || !YAJL_IS_INTEGER(nid)) {
        r->st->records++;
        SAKSI_TRY(bad(r, d, SAKSI_Q_WRONG_TYPE, "not a node: no integer depth and id", err));
        goto out;
    }
    if (YAJL_GET_INTEGER(depth) != DESA_DEPTH)
        goto out; /* national, province, regency and district nodes hold no TPS */
    yajl_val parents = member(root, "parentIds"), children = member(root, "children");
    yajl_val data = member(root, "data"), kpu = member(root, "kpu");
    if (!YAJL_IS_ARRAY(parents) || parents->u.array.len != DESA_DEPTH || !YAJL_IS_ARRAY(children)) {
        r->st->records++;
        SAKSI_TRY(
            bad(r, d, SAKSI_Q_WRONG_TYPE, "a desa node without parentIds[4] or children", err));
        goto out;
    }
    for (int l = 1; l < SAKSI_NLEVELS; l++) {
        yajl_val p = l < DESA_DEPTH ? parents->u.array.values[l] : nid;
        if (!YAJL_IS_INTEGER(p)) {
            r->st->records++;
            SAKSI_TRY(bad(r, d, SAKSI_Q_WRONG_TYPE, "a parent id that is not an integer", err));
            goto out;
        }
        snprintf(reg[l], sizeof reg[l], "%lld", YAJL_GET_INTEGER(p));
    }
    const char *regions[SAKSI_NLEVELS] = {NULL, reg[1], reg[2], reg[3], reg[4]};
    for (size_t c = 0; c < children->u.array.len; c++) {
        yajl_val ch = children->u.array.values[c];
        int32_t vals[SAKSI_NFIXED + SAKSI_ROWS_MAX_CAND];
        for (size_t f = 0; f < sizeof vals / sizeof *vals; f++)
            vals[f] = SAKSI_MISSING;
        r->st->records++;
        if (!YAJL_IS_ARRAY(ch) || ch->u.array.len != 3 || !YAJL_IS_INTEGER(ch->u.array.values[0]) ||
            YAJL_GET_INTEGER(ch->u.array.values[0]) < 0 ||
            YAJL_GET_INTEGER(ch->u.array.values[0]) > MAX_TPS_NO) {
            SAKSI_TRY(
                bad(r, d, SAKSI_Q_WRONG_TYPE, "a child that is not [tpsNo, dpt_l, dpt_p]", err));
            continue;
        }
        long long no = YAJL_GET_INTEGER(ch->u.array.values[0]);
        snprintf(id, sizeof id, "%s-%lld", reg[4], no);
        int32_t l, p;
        yajl_val src = r->source == 0 ? entry(data, no) : entry(kpu, no);
        yajl_val sum = r->source == 0 ? member(src, "sum") : src;
        int ok = count(ch->u.array.values[1], &l, &why) && count(ch->u.array.values[2], &p, &why);
        for (size_t k = 0; ok && k < NSUM; k++)
            ok = count(member(sum, sum_keys[k].key), &vals[sum_keys[k].field], &why);
        if (!ok) {
            SAKSI_TRY(saksi_doc_quarantine(r->q, r->st, d, 0, SAKSI_Q_WRONG_TYPE, id, why, err));
            continue;
        }
        /* -1 is KawalPemilu's "unknown DPT" (Luar Negeri): missing */
        l = l == -1 ? SAKSI_MISSING : l;
        p = p == -1 ? SAKSI_MISSING : p;
        vals[SAKSI_F_REGISTERED_MALE] = l;
        vals[SAKSI_F_REGISTERED_FEMALE] = p;
        vals[SAKSI_F_REGISTERED] =
            l == SAKSI_MISSING || p == SAKSI_MISSING ? SAKSI_MISSING : (int32_t)((int64_t)l + p);
        uint64_t line = d->ordinal * (MAX_TPS_NO + 1) + (uint64_t)no;
        SAKSI_TRY(saksi_rows_push(&r->rows, id, regions, vals, r->file, line, err));
        if (r->meta) {
            yajl_val ts = member(src, "ts");
            saksi_meta_rec m = {.file = r->file,
                                .line = line,
                                .ts = SAKSI_META_NO_TS,
                                .status_suara = -1,
                                .status_adm = -1};
            /* KawalPemilu's ts is ms since 1970 UTC; kept in WIB (UTC+7)
             * like Sirekap's clock */
            if (YAJL_IS_INTEGER(ts)) m.ts = YAJL_GET_INTEGER(ts) / 1000 + 7 * 3600;
            snprintf(text, sizeof text, "%s", d->name);
            SAKSI_TRY(saksi_meta_text(r->meta, text, strlen(text), &m.code_seen, err));
            SAKSI_TRY(saksi_meta_push(r->meta, &m, err));
            r->meta->documents++;
        }
    }
out:
    yajl_tree_free(root);
    return rc;
}

saksi_status saksi_ingest_kawal(const char *path, int source, const saksi_json_options *opt,
                                saksi_quarantine *q, saksi_station_meta *meta, saksi_table **out,
                                saksi_ingest_stats *stats, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_ingest_stats local;
    kreader r = {.q = q, .meta = meta, .source = source};
    int present[SAKSI_NFIXED] = {0};
    if (out) *out = NULL;
    if (!path || !q || !out || (source != 0 && source != 1))
        SAKSI_FAIL(SAKSI_ERR_USAGE, "saksi_ingest_kawal: path, quarantine, out and source 0/1");
    if (!stats) stats = &local;
    memset(stats, 0, sizeof *stats);
    r.st = stats;
    SAKSI_TRY(saksi_quarantine_add_file(q, path, &r.file, err));
    r.rows.file = r.file;
    saksi_rows_cand(&r.rows, "01", 2);
    saksi_rows_cand(&r.rows, "02", 2);
    SAKSI_TRY(saksi_json_docs(path, opt, on_node, &r, stats, err));
    present[SAKSI_F_REGISTERED] = present[SAKSI_F_REGISTERED_MALE] = 1;
    present[SAKSI_F_REGISTERED_FEMALE] = 1;
    for (size_t k = 0; k < NSUM; k++)
        if (sum_keys[k].field < SAKSI_NFIXED) present[sum_keys[k].field] = 1;
    SAKSI_TRY(saksi_rows_table(&r.rows, present, q, out, stats, err));
out:
    saksi_rows_free(&r.rows);
    return rc;
}
