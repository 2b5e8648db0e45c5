/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_h5_realdata.c — the real-data sections of report.h5: /sirekap (the
 * per-document metadata Sirekap publishes beside the counts: ts, psu, status
 * flags, form-image URLs, missing blocks, a code that names another TPS),
 * /cross_source (every field two sources give differently, and per station
 * who it favours), and /coverage/<level> (per region: share of stations with
 * any numbers, with complete numbers, and the spread of upload times —
 * early uploads are not a random sample, DESIGN §5).
 */
#include "compare.h"
#include "ingest_sirekap.h"
#include "report_h5.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t max_sz(size_t a, size_t b)
{
    return a > b ? a : b;
}

static void ts_text(int64_t ts, char *buf, size_t len)
{
    if (ts == SAKSI_META_NO_TS) {
        buf[0] = 0;
        return;
    }
    /* civil from days (H. Hinnant), the inverse of saksi_parse_timestamp */
    int64_t days = ts >= 0 ? ts / 86400 : (ts - 86399) / 86400, sec = ts - days * 86400;
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
    if (y < 0 || y > 9999) { /* not a date a polling station writes */
        buf[0] = 0;
        return;
    }
    snprintf(buf, len, "%04d-%02u-%02u %02d:%02d:%02d", (int)y, m % 13, d % 32,
             (int)(sec / 3600) % 24, (int)(sec / 60 % 60), (int)(sec % 60));
}

/* ------------------------------------------------------------------ */
/* /sirekap/documents                                                  */
/* ------------------------------------------------------------------ */

enum {
    D_ID,
    D_TS,
    D_TS_TEXT,
    D_SUARA,
    D_ADM,
    D_PSU,
    D_MODE,
    D_FLAGS,
    D_NULLS,
    D_NIMG,
    D_NIMGNULL,
    D_CODE,
    D_IMAGES,
    D_NCOLS
};

static saksi_status write_documents(const saksi_h5_file *f, hid_t root, const saksi_table *t,
                                    const saksi_station_meta *m, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    hid_t g = H5I_INVALID_HID;
    saksi_h5_table tb = {
        .dset = H5I_INVALID_HID, .ftype = H5I_INVALID_HID, .mtype = H5I_INVALID_HID};
    size_t n = 0, wp = 1, wm = 1, wc = 1, wi = 1;
    char buf[64];
    for (size_t i = 0; i < t->n; i++) {
        const saksi_meta_rec *r = saksi_meta_row(m, i);
        if (!r) continue;
        n++;
        wp = max_sz(wp, strlen(saksi_meta_str(m, r->psu)));
        wm = max_sz(wm, strlen(saksi_meta_str(m, r->mode)));
        wc = max_sz(wc, strlen(saksi_meta_str(m, r->code_seen)));
        wi = max_sz(wi, strlen(saksi_meta_str(m, r->images)));
    }
    saksi_h5_col cols[D_NCOLS] = {
        [D_ID] = {"station_id", SAKSI_H5_STR, t->id_maxlen ? t->id_maxlen : 1},
        [D_TS] = {"ts", SAKSI_H5_I64, 0},
        [D_TS_TEXT] = {"ts_text", SAKSI_H5_STR, 19},
        [D_SUARA] = {"status_suara", SAKSI_H5_I32, 0},
        [D_ADM] = {"status_adm", SAKSI_H5_I32, 0},
        [D_PSU] = {"psu", SAKSI_H5_STR, wp},
        [D_MODE] = {"mode", SAKSI_H5_STR, wm},
        [D_FLAGS] = {"flags", SAKSI_H5_I32, 0},
        [D_NULLS] = {"null_values", SAKSI_H5_I32, 0},
        [D_NIMG] = {"images_n", SAKSI_H5_I32, 0},
        [D_NIMGNULL] = {"images_null", SAKSI_H5_I32, 0},
        [D_CODE] = {"code_seen", SAKSI_H5_STR, wc},
        [D_IMAGES] = {"images", SAKSI_H5_STR, wi},
    };
    SAKSI_TRY(saksi_h5_group(f, root, "sirekap", &g, err));
    SAKSI_TRY(saksi_h5_attr_str(f, g, "/sirekap", "flags",
                                "1 administrasi null or absent; 2 chart null or absent; 4 spurious "
                                "\"null\" chart key; 8 an image URL or the document's own code "
                                "names another TPS (code_seen); 16 psu not null",
                                err));
    SAKSI_TRY(saksi_h5_table_open(&tb, f, g, "/sirekap", "documents", cols, D_NCOLS, n, err));
    for (size_t i = 0; i < t->n; i++) {
        const saksi_meta_rec *r = saksi_meta_row(m, i);
        unsigned char *row;
        if (!r) continue;
        SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
        ts_text(r->ts, buf, sizeof buf);
        saksi_h5_put_str(&tb, row, D_ID, saksi_table_id(t, i));
        saksi_h5_put_i64(&tb, row, D_TS, r->ts);
        saksi_h5_put_str(&tb, row, D_TS_TEXT, buf);
        saksi_h5_put_i32(&tb, row, D_SUARA, r->status_suara);
        saksi_h5_put_i32(&tb, row, D_ADM, r->status_adm);
        saksi_h5_put_str(&tb, row, D_PSU, saksi_meta_str(m, r->psu));
        saksi_h5_put_str(&tb, row, D_MODE, saksi_meta_str(m, r->mode));
        saksi_h5_put_i32(&tb, row, D_FLAGS, r->flags);
        saksi_h5_put_i32(&tb, row, D_NULLS, (int32_t)r->null_values);
        saksi_h5_put_i32(&tb, row, D_NIMG, r->nimages);
        saksi_h5_put_i32(&tb, row, D_NIMGNULL, r->nimages_null);
        saksi_h5_put_str(&tb, row, D_CODE, saksi_meta_str(m, r->code_seen));
        saksi_h5_put_str(&tb, row, D_IMAGES, saksi_meta_str(m, r->images));
    }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    rc = saksi_h5_close(g, H5Gclose, rc, f, "group /sirekap", err);
    return rc;
}

/* ------------------------------------------------------------------ */
/* /cross_source                                                       */
/* ------------------------------------------------------------------ */

static void field_label(const saksi_table *t, int fld, char *buf, size_t len)
{
    if (fld >= SAKSI_NFIXED)
        snprintf(buf, len, "cand_%s", t->cand_label[fld - SAKSI_NFIXED]);
    else
        snprintf(buf, len, "%s", saksi_field_name(fld));
}

enum { F_ID, F_FIELD, F_KIND, F_A, F_B, F_DIFF, F_NCOLS };
enum { S_ID, S_CHANGED, S_FILLED, S_EMPTIED, S_VOTES, S_BEN, S_GAIN, S_LOSER, S_LOSS, S_NCOLS };

static saksi_status write_cross(const saksi_h5_file *f, hid_t root, const saksi_table *t,
                                const saksi_cmp *c, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    hid_t g = H5I_INVALID_HID;
    saksi_h5_table tb = {
        .dset = H5I_INVALID_HID, .ftype = H5I_INVALID_HID, .mtype = H5I_INVALID_HID};
    char name[128], sum[512];
    size_t wf = 1, wl = 1;
    for (size_t k = 0; k < c->ndiff; k++) {
        field_label(t, c->diff[k].field, name, sizeof name);
        wf = max_sz(wf, strlen(name));
    }
    for (size_t k = 0; k < t->ncand; k++)
        wl = max_sz(wl, strlen(t->cand_label[k]));
    size_t wid = t->id_maxlen ? t->id_maxlen : 1;
    saksi_h5_col fc[F_NCOLS] = {
        [F_ID] = {"station_id", SAKSI_H5_STR, wid}, [F_FIELD] = {"field", SAKSI_H5_STR, wf},
        [F_KIND] = {"kind", SAKSI_H5_STR, 7},       [F_A] = {"primary", SAKSI_H5_I32, 0},
        [F_B] = {"other", SAKSI_H5_I32, 0},         [F_DIFF] = {"difference", SAKSI_H5_I64, 0},
    };
    saksi_h5_col sc[S_NCOLS] = {
        [S_ID] = {"station_id", SAKSI_H5_STR, wid},
        [S_CHANGED] = {"fields_changed", SAKSI_H5_I32, 0},
        [S_FILLED] = {"fields_filled", SAKSI_H5_I32, 0},
        [S_EMPTIED] = {"fields_emptied", SAKSI_H5_I32, 0},
        [S_VOTES] = {"votes_at_stake", SAKSI_H5_I64, 0},
        [S_BEN] = {"beneficiary", SAKSI_H5_STR, wl},
        [S_GAIN] = {"gain", SAKSI_H5_I64, 0},
        [S_LOSER] = {"loser", SAKSI_H5_STR, wl},
        [S_LOSS] = {"loss", SAKSI_H5_I64, 0},
    };
    SAKSI_TRY(saksi_h5_group(f, root, "cross_source", &g, err));
    snprintf(sum, sizeof sum,
             "primary=%s;other=%s;matched=%zu;only_primary=%zu;only_other=%zu;changed=%zu;"
             "any_difference=%zu;fields_compared=%zu",
             c->label[0], c->label[1], c->matched, c->only_primary, c->only_other, c->changed,
             c->nst, c->fields_compared);
    SAKSI_TRY(saksi_h5_attr_str(f, g, "/cross_source", "summary", sum, err));
    SAKSI_TRY(
        saksi_h5_table_open(&tb, f, g, "/cross_source", "fields", fc, F_NCOLS, c->ndiff, err));
    for (size_t k = 0; k < c->ndiff; k++) {
        const saksi_cmp_diff *d = &c->diff[k];
        unsigned char *row;
        int ma = d->primary == SAKSI_MISSING, mb = d->other_value == SAKSI_MISSING;
        SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
        field_label(t, d->field, name, sizeof name);
        saksi_h5_put_str(&tb, row, F_ID, saksi_table_id(t, d->station));
        saksi_h5_put_str(&tb, row, F_FIELD, name);
        saksi_h5_put_str(&tb, row, F_KIND, ma ? "filled" : mb ? "emptied" : "changed");
        saksi_h5_put_i32(&tb, row, F_A, d->primary);
        saksi_h5_put_i32(&tb, row, F_B, d->other_value);
        saksi_h5_put_i64(&tb, row, F_DIFF, ma || mb ? 0 : (int64_t)d->other_value - d->primary);
    }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
    saksi_h5_table_release(&tb);
    SAKSI_TRY(
        saksi_h5_table_open(&tb, f, g, "/cross_source", "stations", sc, S_NCOLS, c->nst, err));
    for (size_t k = 0; k < c->nst; k++) {
        const saksi_cmp_station *s = &c->st[k];
        unsigned char *row;
        SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
        saksi_h5_put_str(&tb, row, S_ID, saksi_table_id(t, s->station));
        saksi_h5_put_i32(&tb, row, S_CHANGED, (int32_t)s->fields_changed);
        saksi_h5_put_i32(&tb, row, S_FILLED, (int32_t)s->fields_filled);
        saksi_h5_put_i32(&tb, row, S_EMPTIED, (int32_t)s->fields_emptied);
        saksi_h5_put_i64(&tb, row, S_VOTES, s->votes_at_stake);
        saksi_h5_put_str(&tb, row, S_BEN, s->beneficiary >= 0 ? t->cand_label[s->beneficiary] : "");
        saksi_h5_put_i64(&tb, row, S_GAIN, s->gain);
        saksi_h5_put_str(&tb, row, S_LOSER, s->loser >= 0 ? t->cand_label[s->loser] : "");
        saksi_h5_put_i64(&tb, row, S_LOSS, s->loss);
    }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    rc = saksi_h5_close(g, H5Gclose, rc, f, "group /cross_source", err);
    return rc;
}

/* ------------------------------------------------------------------ */
/* /coverage/<level>                                                   */
/* ------------------------------------------------------------------ */

enum {
    V_CODE,
    V_STATIONS,
    V_ANY,
    V_COMPLETE,
    V_SHARE_ANY,
    V_SHARE_COMPLETE,
    V_TS_N,
    V_TS_MIN,
    V_TS_Q1,
    V_TS_MED,
    V_TS_Q3,
    V_TS_MAX,
    V_TS_MIN_TEXT,
    V_TS_MAX_TEXT,
    V_NCOLS
};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Lower order statistic at probability p of n sorted values. */
static int64_t order_stat(const int64_t *v, size_t n, double p)
{
    return v[(size_t)(p * (double)(n - 1))];
}

static saksi_status write_coverage_level(const saksi_h5_file *f, hid_t g, const saksi_table *t,
                                         const saksi_station_meta *m, int l, const uint8_t *any,
                                         const uint8_t *complete, int64_t *ts, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_regions *rg = &t->regions[l];
    saksi_h5_table tb = {
        .dset = H5I_INVALID_HID, .ftype = H5I_INVALID_HID, .mtype = H5I_INVALID_HID};
    size_t w = 1;
    char lo[64], hi[64];
    for (size_t r = 0; r < rg->n; r++)
        w = max_sz(w, strlen(rg->code[r]));
    saksi_h5_col cols[V_NCOLS] = {
        [V_CODE] = {"code", SAKSI_H5_STR, w},
        [V_STATIONS] = {"stations", SAKSI_H5_I32, 0},
        [V_ANY] = {"with_any_numbers", SAKSI_H5_I32, 0},
        [V_COMPLETE] = {"with_complete_numbers", SAKSI_H5_I32, 0},
        [V_SHARE_ANY] = {"share_any", SAKSI_H5_F64, 0},
        [V_SHARE_COMPLETE] = {"share_complete", SAKSI_H5_F64, 0},
        [V_TS_N] = {"ts_n", SAKSI_H5_I32, 0},
        [V_TS_MIN] = {"ts_min", SAKSI_H5_I64, 0},
        [V_TS_Q1] = {"ts_q1", SAKSI_H5_I64, 0},
        [V_TS_MED] = {"ts_median", SAKSI_H5_I64, 0},
        [V_TS_Q3] = {"ts_q3", SAKSI_H5_I64, 0},
        [V_TS_MAX] = {"ts_max", SAKSI_H5_I64, 0},
        [V_TS_MIN_TEXT] = {"ts_min_text", SAKSI_H5_STR, 19},
        [V_TS_MAX_TEXT] = {"ts_max_text", SAKSI_H5_STR, 19},
    };
    SAKSI_TRY(saksi_h5_table_open(&tb, f, g, "/coverage", saksi_level_name(l), cols, V_NCOLS, rg->n,
                                  err));
    for (size_t r = 0; r < rg->n; r++) {
        size_t a = 0, c = 0, nts = 0, b = rg->first[r], e = b + rg->count[r];
        unsigned char *row;
        for (size_t i = b; i < e; i++) {
            a += any[i];
            c += complete[i];
            const saksi_meta_rec *mr = saksi_meta_row(m, i);
            if (mr && mr->ts != SAKSI_META_NO_TS) ts[nts++] = mr->ts;
        }
        qsort(ts, nts, sizeof *ts, cmp_i64);
        double cnt = (double)rg->count[r];
        SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
        saksi_h5_put_str(&tb, row, V_CODE, rg->code[r]);
        saksi_h5_put_i32(&tb, row, V_STATIONS, (int32_t)rg->count[r]);
        saksi_h5_put_i32(&tb, row, V_ANY, (int32_t)a);
        saksi_h5_put_i32(&tb, row, V_COMPLETE, (int32_t)c);
        saksi_h5_put_f64(&tb, row, V_SHARE_ANY, cnt > 0 ? (double)a / cnt : 0.0);
        saksi_h5_put_f64(&tb, row, V_SHARE_COMPLETE, cnt > 0 ? (double)c / cnt : 0.0);
        saksi_h5_put_i32(&tb, row, V_TS_N, (int32_t)nts);
        int64_t none = SAKSI_META_NO_TS;
        saksi_h5_put_i64(&tb, row, V_TS_MIN, nts ? ts[0] : none);
        saksi_h5_put_i64(&tb, row, V_TS_Q1, nts ? order_stat(ts, nts, 0.25) : none);
        saksi_h5_put_i64(&tb, row, V_TS_MED, nts ? order_stat(ts, nts, 0.5) : none);
        saksi_h5_put_i64(&tb, row, V_TS_Q3, nts ? order_stat(ts, nts, 0.75) : none);
        saksi_h5_put_i64(&tb, row, V_TS_MAX, nts ? ts[nts - 1] : none);
        ts_text(nts ? ts[0] : none, lo, sizeof lo);
        ts_text(nts ? ts[nts - 1] : none, hi, sizeof hi);
        saksi_h5_put_str(&tb, row, V_TS_MIN_TEXT, lo);
        saksi_h5_put_str(&tb, row, V_TS_MAX_TEXT, hi);
    }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    return rc;
}

/* Per station: any count present; every column of the table present. */
void saksi_coverage_flags(const saksi_table *t, size_t i, uint8_t *any, uint8_t *complete)
{
    int a = 0, c = 1;
    for (size_t s = 0; s < t->nslots; s++) {
        int miss = t->cols[s * t->stride + i] == SAKSI_MISSING;
        a |= !miss;
        c &= !miss;
    }
    *any = (uint8_t)a;
    *complete = (uint8_t)(c && t->nslots > 0);
}

static saksi_status write_coverage(const saksi_h5_file *f, hid_t root, const saksi_table *t,
                                   const saksi_station_meta *m, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    hid_t g = H5I_INVALID_HID;
    uint8_t *any = saksi_malloc_array(t->n + 1, 1), *complete = saksi_malloc_array(t->n + 1, 1);
    int64_t *ts = saksi_malloc_array(t->n + 1, sizeof *ts);
    if (!any || !complete || !ts) SAKSI_ALLOC_FAIL("coverage");
    for (size_t i = 0; i < t->n; i++)
        saksi_coverage_flags(t, i, &any[i], &complete[i]);
    SAKSI_TRY(saksi_h5_group(f, root, "coverage", &g, err));
    SAKSI_TRY(saksi_h5_attr_str(
        f, g, "/coverage", "definition",
        "with_any_numbers: at least one count present; with_complete_numbers: every column of "
        "the input present; ts_*: upload time (seconds since 1970 of the clock as written, WIB "
        "for Sirekap; INT64_MIN when none), order statistics of the region's stations",
        err));
    for (int l = 0; l < SAKSI_NLEVELS; l++)
        SAKSI_TRY(write_coverage_level(f, g, t, m, l, any, complete, ts, err));
out:
    free(any);
    free(complete);
    free(ts);
    rc = saksi_h5_close(g, H5Gclose, rc, f, "group /coverage", err);
    return rc;
}

saksi_status saksi_h5_write_realdata(const saksi_h5_file *f, hid_t root, const saksi_table *t,
                                     const saksi_results *res, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_realdata *rd = res->realdata;
    const saksi_station_meta *m = rd ? rd->meta : NULL;
    SAKSI_TRY(write_coverage(f, root, t, m, err));
    if (m && m->kind == SAKSI_META_SIREKAP) SAKSI_TRY(write_documents(f, root, t, m, err));
    if (rd && rd->has_compare) SAKSI_TRY(write_cross(f, root, t, &rd->cmp, err));
out:
    return rc;
}
