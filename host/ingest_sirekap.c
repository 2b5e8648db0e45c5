/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ingest_sirekap.c — reads KPU Sirekap per-TPS JSON (DESIGN §3.2) with yajl's
 * event parser, one bounded document at a time: chart -> candidate columns,
 * administrasi -> canonical fields, ts/psu/status/images -> the metadata side
 * table. Nulls, absent blocks and the spurious "null" chart key are missing,
 * counted; a document whose image URLs name another TPS is a finding. A
 * malformed document (syntax, wrong type, duplicate key, non-integer or
 * out-of-range count, broken UTF-8, nesting) is quarantined with its name,
 * line, column and reason. yajl was chosen over jansson by measurement
 * (docs/real-data.md: 7x the documents per second on the real sample).
 */
#define _POSIX_C_SOURCE 200809L
#include "ingest_sirekap_internal.h"
#include "presets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

/* Longest image list kept per document (Sirekap has 3 slots). */
#define MAX_IMAGES_TEXT 2048
/* A 13-digit Sirekap TPS code. */
#define TPS_CODE_LEN 13

enum top_key {
    TK_OTHER,
    TK_CHART,
    TK_ADM,
    TK_IMAGES,
    TK_PSU,
    TK_TS,
    TK_SUARA,
    TK_STATUS_ADM,
    TK_MODE,
    TK_CODE,
    TK_N
};
static const char *const top_names[TK_N] = {"",   "chart",        "administrasi", "images", "psu",
                                            "ts", "status_suara", "status_adm",   "mode",   "kode"};

/* administrasi keys and their canonical fields (SOURCE.md of the sample:
 * pengguna_non_dpt is the DPK of the web page). */
static const struct {
    const char *key;
    int field;
} adm_keys[] = {
    {"suara_sah", SAKSI_F_VALID},
    {"suara_tidak_sah", SAKSI_F_INVALID},
    {"suara_total", SAKSI_F_TOTAL},
    {"pemilih_dpt_j", SAKSI_F_REGISTERED},
    {"pemilih_dpt_l", SAKSI_F_REGISTERED_MALE},
    {"pemilih_dpt_p", SAKSI_F_REGISTERED_FEMALE},
    {"pengguna_dpt_j", SAKSI_F_VOTERS_DPT},
    {"pengguna_dpt_l", SAKSI_F_VOTERS_DPT_MALE},
    {"pengguna_dpt_p", SAKSI_F_VOTERS_DPT_FEMALE},
    {"pengguna_dptb_j", SAKSI_F_VOTERS_DPTB},
    {"pengguna_dptb_l", SAKSI_F_VOTERS_DPTB_MALE},
    {"pengguna_dptb_p", SAKSI_F_VOTERS_DPTB_FEMALE},
    {"pengguna_non_dpt_j", SAKSI_F_VOTERS_DPK},
    {"pengguna_non_dpt_l", SAKSI_F_VOTERS_DPK_MALE},
    {"pengguna_non_dpt_p", SAKSI_F_VOTERS_DPK_FEMALE},
    {"pengguna_total_j", SAKSI_F_VOTERS_TOTAL},
    {"pengguna_total_l", SAKSI_F_VOTERS_TOTAL_MALE},
    {"pengguna_total_p", SAKSI_F_VOTERS_TOTAL_FEMALE},
};
#define NADM (sizeof adm_keys / sizeof *adm_keys)

enum vtype { V_NULL, V_BOOL, V_NUM, V_STR, V_MAP, V_ARR };

typedef struct reader {
    saksi_quarantine *q;
    saksi_station_meta *meta;
    saksi_ingest_stats *st;
    saksi_rows rows;
    uint32_t file;
    size_t max_depth;
    yajl_handle h;
    /* the document being parsed */
    size_t depth;
    int top, seen_top;
    int adm_key; /* index in adm_keys, -1 unknown */
    uint32_t seen_adm;
    char key2[64]; /* the chart key being read */
    int ncand_seen;
    int cand_seen[SAKSI_ROWS_MAX_CAND];
    int32_t vals[SAKSI_NFIXED + SAKSI_ROWS_MAX_CAND];
    saksi_meta_rec rec;
    char psu[128], mode[32], code[64], images[MAX_IMAGES_TEXT];
    size_t images_len;
    char image_code[TPS_CODE_LEN + 1];
    /* the first problem */
    int reason;
    char detail[256];
} reader;

static int fail(reader *r, int reason, const char *fmt, const char *arg)
{
    if (r->reason < 0) {
        r->reason = reason;
        snprintf(r->detail, sizeof r->detail, fmt, arg);
    }
    return 0; /* cancels the parse */
}

/* A count: an integer in -2147483647..2147483647, or null. */
static int take_count(reader *r, int type, const char *s, size_t n, int32_t *out, const char *what)
{
    char txt[40];
    snprintf(txt, sizeof txt, "%.*s", (int)(n < 32 ? n : 32), s ? s : "");
    if (type == V_NULL) {
        *out = SAKSI_MISSING;
        r->rec.null_values++;
        return 1;
    }
    if (type != V_NUM) return fail(r, SAKSI_Q_WRONG_TYPE, "%s is not a number or null", what);
    size_t i = s[0] == '-';
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return fail(r, SAKSI_Q_NOT_INTEGER, "\"%s\" is not an integer count", txt);
        if (v < 10000000000ull) v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > INT32_MAX) return fail(r, SAKSI_Q_OVERFLOW, "\"%s\" is outside the int32 range", txt);
    *out = s[0] == '-' ? -(int32_t)v : (int32_t)v;
    return 1;
}

/* The 13-digit TPS code at the start of an image file name
 * (".../ppwp/31/01/01/10/01/3101011001001-20240214-....jpg"). */
static void image_code(reader *r, const char *s, size_t n)
{
    const char *slash = NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '/') slash = s + i;
    const char *b = slash ? slash + 1 : s;
    size_t m = (size_t)(s + n - b), k = 0;
    while (k < m && k < TPS_CODE_LEN && b[k] >= '0' && b[k] <= '9')
        k++;
    if (k != TPS_CODE_LEN || (k < m && b[k] != '-')) return;
    if (!r->image_code[0]) {
        memcpy(r->image_code, b, TPS_CODE_LEN);
        r->image_code[TPS_CODE_LEN] = 0;
    } else if (memcmp(r->image_code, b, TPS_CODE_LEN) != 0) {
        r->rec.flags |= SAKSI_META_CODE_MISMATCH; /* two codes among the images */
    }
}

static void copy_text(char *dst, size_t cap, const char *s, size_t n)
{
    size_t k = n < cap - 1 ? n : cap - 1;
    memcpy(dst, s, k);
    dst[k] = 0;
}

/* A value (or the start of a map/array) at the current position. */
static int value(reader *r, int type, const char *s, size_t n, int b)
{
    if (r->depth == 0)
        return type == V_MAP ? 1
                             : fail(r, SAKSI_Q_WRONG_TYPE, "%s", "the document is not an object");
    if (r->depth == 1) {
        switch (r->top) {
        case TK_CHART:
            if (type == V_NULL) r->rec.flags |= SAKSI_META_CHART_ABSENT;
            return type == V_MAP || type == V_NULL
                       ? 1
                       : fail(r, SAKSI_Q_WRONG_TYPE, "%s", "chart is not an object or null");
        case TK_ADM:
            if (type == V_NULL) r->rec.flags |= SAKSI_META_ADM_ABSENT;
            return type == V_MAP || type == V_NULL
                       ? 1
                       : fail(r, SAKSI_Q_WRONG_TYPE, "%s", "administrasi is not an object or null");
        case TK_IMAGES:
            return type == V_ARR || type == V_NULL
                       ? 1
                       : fail(r, SAKSI_Q_WRONG_TYPE, "%s", "images is not an array or null");
        case TK_PSU:
            if (type != V_NULL) {
                r->rec.flags |= SAKSI_META_PSU;
                if (type == V_STR || type == V_NUM)
                    copy_text(r->psu, sizeof r->psu, s, n);
                else
                    snprintf(r->psu, sizeof r->psu, "%s",
                             type == V_BOOL ? (b ? "true" : "false") : "(object)");
            }
            return 1;
        case TK_TS:
            if (type == V_STR) {
                int64_t ts;
                if (saksi_parse_timestamp(s, n, &ts)) r->rec.ts = ts;
                return 1;
            }
            return type == V_NULL ? 1 : fail(r, SAKSI_Q_WRONG_TYPE, "%s", "ts is not a string");
        case TK_SUARA:
        case TK_STATUS_ADM:
            if (type == V_BOOL)
                *(r->top == TK_SUARA ? &r->rec.status_suara : &r->rec.status_adm) = (int8_t)b;
            return type == V_BOOL || type == V_NULL
                       ? 1
                       : fail(r, SAKSI_Q_WRONG_TYPE, "%s", "a status_* member is not a boolean");
        case TK_MODE:
            if (type == V_STR) copy_text(r->mode, sizeof r->mode, s, n);
            return 1;
        case TK_CODE:
            if (type == V_STR || type == V_NUM) copy_text(r->code, sizeof r->code, s, n);
            return 1;
        default:
            return 1;
        }
    }
    if (r->depth == 2 && r->top == TK_CHART) {
        if (strcmp(r->key2, "null") == 0) {
            r->rec.flags |= SAKSI_META_NULL_KEY; /* Sirekap's spurious key: nothing */
            return 1;
        }
        /* Sirekap's PPWP candidate ids are the paslon numbers of the
         * gigit CSV and of the web page (SOURCE.md of the raw sample) */
        static const char *const paslon[][2] = {
            {"100025", "01"}, {"100026", "02"}, {"100027", "03"}};
        const char *label = r->key2;
        for (size_t p = 0; p < sizeof paslon / sizeof *paslon; p++)
            if (strcmp(label, paslon[p][0]) == 0) label = paslon[p][1];
        int k = saksi_rows_cand(&r->rows, label, strlen(label));
        if (k < 0) return fail(r, SAKSI_Q_WRONG_TYPE, "more than 32 chart keys (%s)", r->key2);
        if (r->cand_seen[k])
            return fail(r, SAKSI_Q_DUPLICATE_KEY, "chart key \"%s\" given twice", r->key2);
        r->cand_seen[k] = 1;
        return take_count(r, type, s, n, &r->vals[SAKSI_NFIXED + k], "a chart value");
    }
    if (r->depth == 2 && r->top == TK_ADM) {
        if (r->adm_key < 0) return 1; /* an administrasi member saksi has no field for */
        return take_count(r, type, s, n, &r->vals[adm_keys[r->adm_key].field],
                          adm_keys[r->adm_key].key);
    }
    if (r->depth == 2 && r->top == TK_IMAGES) {
        if (type == V_NULL) {
            r->rec.nimages_null++;
            return 1;
        }
        if (type != V_STR)
            return fail(r, SAKSI_Q_WRONG_TYPE, "%s", "an image is not a string or null");
        r->rec.nimages++;
        image_code(r, s, n);
        if (r->images_len + n + 2 < sizeof r->images) {
            if (r->images_len) r->images[r->images_len++] = ' ';
            memcpy(r->images + r->images_len, s, n);
            r->images_len += n;
            r->images[r->images_len] = 0;
        }
    }
    return 1;
}

static int cb_null(void *c)
{
    return value(c, V_NULL, NULL, 0, 0);
}
static int cb_bool(void *c, int b)
{
    return value(c, V_BOOL, NULL, 0, b);
}
static int cb_number(void *c, const char *s, size_t n)
{
    return value(c, V_NUM, s, n, 0);
}
static int cb_string(void *c, const unsigned char *s, size_t n)
{
    return value(c, V_STR, (const char *)s, n, 0);
}

static int open_level(reader *r, int type)
{
    if (!value(r, type, NULL, 0, 0)) return 0;
    if (++r->depth > r->max_depth)
        return fail(r, SAKSI_Q_MALFORMED, "%s", "nested deeper than the limit");
    return 1;
}
static int cb_start_map(void *c)
{
    return open_level(c, V_MAP);
}
static int cb_start_array(void *c)
{
    return open_level(c, V_ARR);
}
static int cb_end(void *c)
{
    ((reader *)c)->depth--;
    return 1;
}

static int cb_key(void *c, const unsigned char *k, size_t n)
{
    reader *r = c;
    char key[64];
    copy_text(key, sizeof key, (const char *)k, n);
    if (r->depth == 1) {
        r->top = TK_OTHER;
        for (int t = 1; t < TK_N; t++)
            if (strcmp(key, top_names[t]) == 0 && strlen(top_names[t]) == n) r->top = t;
        if (!strcmp(key, "kode_tps") || !strcmp(key, "station_id")) r->top = TK_CODE;
        if (r->top != TK_OTHER) {
            if (r->seen_top & (1 << r->top))
                return fail(r, SAKSI_Q_DUPLICATE_KEY, "member \"%s\" given twice", key);
            r->seen_top |= 1 << r->top;
        }
    } else if (r->depth == 2 && r->top == TK_CHART) {
        if (n >= sizeof r->key2)
            return fail(r, SAKSI_Q_WRONG_TYPE, "chart key \"%s...\" is too long", key);
        memcpy(r->key2, key, n + 1);
    } else if (r->depth == 2 && r->top == TK_ADM) {
        r->adm_key = -1;
        for (size_t a = 0; a < NADM; a++)
            if (strlen(adm_keys[a].key) == n && memcmp(adm_keys[a].key, k, n) == 0)
                r->adm_key = (int)a;
        if (r->adm_key >= 0) {
            if (r->seen_adm & (1u << r->adm_key))
                return fail(r, SAKSI_Q_DUPLICATE_KEY, "administrasi member \"%s\" given twice",
                            key);
            r->seen_adm |= 1u << r->adm_key;
        }
    }
    return 1;
}

static const yajl_callbacks callbacks = {
    cb_null,      cb_bool, NULL,   NULL,           cb_number, cb_string,
    cb_start_map, cb_key,  cb_end, cb_start_array, cb_end,
};

/* The station code of a document: its file name ("<kode>.json"), else its
 * own member, else its image URLs. */
static void station_code(const saksi_doc *d, const reader *r, char *out, size_t cap)
{
    const char *b = strrchr(d->name, '/');
    const char *colon = strrchr(d->name, ':');
    b = b && (!colon || b > colon) ? b + 1 : colon ? colon + 1 : d->name;
    size_t n = strcspn(b, ".");
    out[0] = 0;
    if (!d->jsonl && n > 0)
        snprintf(out, cap, "%.*s", (int)n, b);
    else if (r->code[0])
        snprintf(out, cap, "%s", r->code);
    else if (r->image_code[0])
        snprintf(out, cap, "%s", r->image_code);
}

static void reset_doc(reader *r)
{
    r->depth = 0;
    r->top = TK_OTHER;
    r->seen_top = 0;
    r->seen_adm = 0;
    r->adm_key = -1;
    r->reason = -1;
    r->detail[0] = r->psu[0] = r->mode[0] = r->code[0] = r->images[0] = r->image_code[0] = 0;
    r->images_len = 0;
    memset(r->cand_seen, 0, sizeof r->cand_seen);
    for (size_t f = 0; f < SAKSI_NFIXED + SAKSI_ROWS_MAX_CAND; f++)
        r->vals[f] = SAKSI_MISSING;
    r->rec = (saksi_meta_rec){.ts = SAKSI_META_NO_TS, .status_suara = -1, .status_adm = -1};
}

saksi_status saksi_doc_yajl_error(struct yajl_handle_t *h, saksi_quarantine *q,
                                  saksi_ingest_stats *st, const saksi_doc *d, const char *station,
                                  saksi_error *err)
{
    unsigned char *msg = yajl_get_error(h, 0, (const unsigned char *)d->text, d->len);
    char detail[256];
    snprintf(detail, sizeof detail, "%s", msg ? (const char *)msg : "malformed JSON");
    for (char *p = detail; *p; p++)
        if (*p == '\n') *p = ' ';
    size_t off = yajl_get_bytes_consumed(h);
    /* broken UTF-8 has its own reason (the record policy's "broken encoding") */
    int reason =
        strstr(detail, "UTF8") || strstr(detail, "utf8") ? SAKSI_Q_ENCODING : SAKSI_Q_MALFORMED;
    if (msg) yajl_free_error(h, msg);
    return saksi_doc_quarantine(q, st, d, off, reason, station, detail, err);
}

static saksi_status on_doc(void *ctx, saksi_doc *d, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    reader *r = ctx;
    char code[64];
    reset_doc(r);
    r->st->records++;
    if (d->truncated) {
        station_code(d, r, code, sizeof code);
        return saksi_doc_quarantine(r->q, r->st, d, d->len, SAKSI_Q_LINE_TOO_LONG, code,
                                    "document longer than max_doc_bytes", err);
    }
    r->h = yajl_alloc(&callbacks, NULL, r);
    if (!r->h) SAKSI_ALLOC_FAIL("the JSON parser");
    yajl_status ys = yajl_parse(r->h, (const unsigned char *)d->text, d->len);
    if (ys == yajl_status_ok) ys = yajl_complete_parse(r->h);
    station_code(d, r, code, sizeof code);
    if (ys == yajl_status_client_canceled) {
        SAKSI_TRY(saksi_doc_quarantine(r->q, r->st, d, yajl_get_bytes_consumed(r->h), r->reason,
                                       code, r->detail, err));
        goto out;
    }
    if (ys != yajl_status_ok) {
        SAKSI_TRY(saksi_doc_yajl_error(r->h, r->q, r->st, d, code, err));
        goto out;
    }
    if (!code[0]) {
        SAKSI_TRY(saksi_doc_quarantine(r->q, r->st, d, 0, SAKSI_Q_MISSING_ID, "",
                                       "no station code in the name, the document or its images",
                                       err));
        goto out;
    }
    /* absent blocks are missing, like null ones */
    if (!(r->seen_top & (1 << TK_ADM))) r->rec.flags |= SAKSI_META_ADM_ABSENT;
    if (!(r->seen_top & (1 << TK_CHART))) r->rec.flags |= SAKSI_META_CHART_ABSENT;
    if ((r->image_code[0] && strcmp(r->image_code, code) != 0) ||
        (r->code[0] && strcmp(r->code, code) != 0))
        r->rec.flags |= SAKSI_META_CODE_MISMATCH;
    uint64_t line = d->jsonl ? d->line : d->ordinal;
    SAKSI_TRY(saksi_rows_push(&r->rows, code, NULL, r->vals, r->file, line, err));
    if (r->meta) {
        saksi_meta_rec *m = &r->rec;
        m->file = r->file;
        m->line = line;
        SAKSI_TRY(saksi_meta_text(r->meta, r->psu, strlen(r->psu), &m->psu, err));
        SAKSI_TRY(saksi_meta_text(r->meta, r->mode, strlen(r->mode), &m->mode, err));
        SAKSI_TRY(saksi_meta_text(r->meta, r->images, r->images_len, &m->images, err));
        const char *seen =
            r->image_code[0] && strcmp(r->image_code, code) ? r->image_code : r->code;
        SAKSI_TRY(saksi_meta_text(r->meta, seen, strlen(seen), &m->code_seen, err));
        SAKSI_TRY(saksi_meta_push(r->meta, m, err));
        r->meta->documents++;
        r->meta->null_values += m->null_values;
        r->meta->adm_absent += (m->flags & SAKSI_META_ADM_ABSENT) != 0;
        r->meta->chart_absent += (m->flags & SAKSI_META_CHART_ABSENT) != 0;
        r->meta->null_keys += (m->flags & SAKSI_META_NULL_KEY) != 0;
        r->meta->code_mismatch += (m->flags & SAKSI_META_CODE_MISMATCH) != 0;
        r->meta->psu += (m->flags & SAKSI_META_PSU) != 0;
    }
    for (size_t f = 0; f < SAKSI_NFIXED + r->rows.ncand; f++)
        r->st->missing_cells +=
            r->vals[f] == SAKSI_MISSING && (f >= SAKSI_NFIXED || f < SAKSI_F_BALLOTS_RECEIVED);
out:
    if (r->h) yajl_free(r->h);
    r->h = NULL;
    return rc;
}

saksi_status saksi_ingest_sirekap(const char *path, const saksi_json_options *opt,
                                  saksi_quarantine *q, saksi_station_meta *meta, saksi_table **out,
                                  saksi_ingest_stats *stats, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_ingest_stats local;
    reader r = {.q = q, .meta = meta};
    int present[SAKSI_NFIXED] = {0};
    if (out) *out = NULL;
    if (!path || !q || !out)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "saksi_ingest_sirekap: path, quarantine and out are required");
    if (!stats) stats = &local;
    memset(stats, 0, sizeof *stats);
    r.st = stats;
    r.max_depth = opt && opt->max_depth ? opt->max_depth : SAKSI_JSON_MAX_DEPTH;
    SAKSI_TRY(saksi_quarantine_add_file(q, path, &r.file, err));
    r.rows.file = r.file;
    SAKSI_TRY(saksi_json_docs(path, opt, on_doc, &r, stats, err));
    /* every field Sirekap's administrasi block defines is a column */
    for (size_t a = 0; a < NADM; a++)
        present[adm_keys[a].field] = 1;
    /* candidates in label order: 01, 02, 03 */
    for (size_t i = 1; i < r.rows.ncand; i++)
        for (size_t j = i; j > 0 && strcmp(r.rows.cand[j - 1], r.rows.cand[j]) > 0; j--) {
            char tmp[32];
            memcpy(tmp, r.rows.cand[j], sizeof tmp);
            memcpy(r.rows.cand[j], r.rows.cand[j - 1], sizeof tmp);
            memcpy(r.rows.cand[j - 1], tmp, sizeof tmp);
            size_t w = SAKSI_NFIXED + SAKSI_ROWS_MAX_CAND;
            for (size_t k = 0; k < r.rows.n; k++) {
                int32_t *v = r.rows.vals + k * w + SAKSI_NFIXED;
                int32_t x = v[j];
                v[j] = v[j - 1];
                v[j - 1] = x;
            }
        }
    SAKSI_TRY(saksi_rows_table(&r.rows, present, q, out, stats, err));
out:
    saksi_rows_free(&r.rows);
    return rc;
}
