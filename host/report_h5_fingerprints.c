/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_h5_fingerprints.c — the /fingerprints section of report.h5: the
 * turnout x winner-share histograms as integer datasets with their bin
 * edges (nation and every province, per stratum), the stations left out
 * and why, the fraud-model fits with their bootstrap and clean-election
 * null, the model's national fingerprints, and the shape statistics per
 * level (docs/report-schema.md).
 */
#include "report_h5.h"

#include "fingerprint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define H5_FAIL(fmt, ...)                                                                          \
    do {                                                                                           \
        char why_[512];                                                                            \
        SAKSI_FAIL(SAKSI_ERR_HDF5, "%s: HDF5 " fmt ": %s", __VA_ARGS__,                            \
                   saksi_h5_reason(why_, sizeof why_));                                            \
    } while (0)

enum { ARR_I32, ARR_F64 };

/* An n-dimensional dataset written in one call: chunked by its last two
 * dimensions (one histogram per chunk), shuffle + deflate + fletcher32, no
 * timestamps, like every table of the report. */
static saksi_status write_array(const saksi_h5_file *f, hid_t loc, const char *path, int rank,
                                const hsize_t *dims, int kind, const void *data, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, dset = H5I_INVALID_HID;
    hsize_t chunk[4];
    hsize_t total = 1;
    for (int k = 0; k < rank; k++) {
        chunk[k] = k >= rank - 2 ? (dims[k] ? dims[k] : 1) : 1;
        total *= dims[k];
    }
    space = H5Screate_simple(rank, dims, NULL);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (space < 0 || dcpl < 0) H5_FAIL("cannot make the dataspace of %s", f->path, path);
    if (total > 0 &&
        (H5Pset_chunk(dcpl, rank, chunk) < 0 || H5Pset_shuffle(dcpl) < 0 ||
         (f->deflate_level > 0 && H5Pset_deflate(dcpl, (unsigned)f->deflate_level) < 0) ||
         H5Pset_fletcher32(dcpl) < 0))
        H5_FAIL("cannot set the storage of %s", f->path, path);
    if (H5Pset_obj_track_times(dcpl, 0) < 0)
        H5_FAIL("cannot switch off timestamps of %s", f->path, path);
    dset = H5Dcreate2(loc, path, kind == ARR_I32 ? H5T_STD_I32LE : H5T_IEEE_F64LE, space,
                      H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (dset < 0) H5_FAIL("cannot create %s", f->path, path);
    if (total > 0 && H5Dwrite(dset, kind == ARR_I32 ? H5T_NATIVE_INT32 : H5T_NATIVE_DOUBLE, H5S_ALL,
                              H5S_ALL, H5P_DEFAULT, data) < 0)
        H5_FAIL("cannot write %s", f->path, path);
out:
    rc = saksi_h5_close(dset, H5Dclose, rc, f, path, err);
    rc = saksi_h5_close(dcpl, H5Pclose, rc, f, "a dataset property list", err);
    return saksi_h5_close(space, H5Sclose, rc, f, "a dataspace", err);
}

/* Counts as int32 (the report's integer type); beyond it is a limit. */
static saksi_status to_i32(const saksi_h5_file *f, const uint32_t *v, size_t n, int32_t *out,
                           const char *what, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    for (size_t k = 0; k < n; k++) {
        if (v[k] > INT32_MAX)
            SAKSI_FAIL(SAKSI_ERR_LIMIT, "%s: a count of %s (%u) beyond int32", f->path, what, v[k]);
        out[k] = (int32_t)v[k];
    }
out:
    return rc;
}

static saksi_status write_histograms(const saksi_h5_file *f, hid_t g, const saksi_fingerprints *fp,
                                     saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const size_t nbins = (size_t)fp->nb_turnout * (size_t)fp->nb_share;
    const size_t nh = fp->nprov * SAKSI_NSTRATA;
    int32_t *buf = saksi_malloc_array((nh > SAKSI_NSTRATA ? nh : SAKSI_NSTRATA) * nbins, 4);
    uint32_t *nat = saksi_calloc_array(SAKSI_NSTRATA * nbins, sizeof *nat);
    double *edges = saksi_malloc_array(SAKSI_FP_MAX_BINS + 1, sizeof *edges);
    if (!buf || !nat || !edges) SAKSI_ALLOC_FAIL("fingerprint datasets");
    /* Bin k holds [k / nb, (k + 1) / nb); the last one is closed. */
    hsize_t de[1] = {(hsize_t)fp->nb_turnout + 1};
    for (int k = 0; k <= fp->nb_turnout; k++)
        edges[k] = (double)k / fp->nb_turnout;
    SAKSI_TRY(write_array(f, g, "turnout_edges", 1, de, ARR_F64, edges, err));
    de[0] = (hsize_t)fp->nb_share + 1;
    for (int k = 0; k <= fp->nb_share; k++)
        edges[k] = (double)k / fp->nb_share;
    SAKSI_TRY(write_array(f, g, "share_edges", 1, de, ARR_F64, edges, err));

    /* The nation is the sum of its provinces, in integers. */
    for (size_t h = 0; h < nh; h++)
        for (size_t b = 0; b < nbins; b++)
            nat[(h % SAKSI_NSTRATA) * nbins + b] += fp->hist[h * nbins + b];
    SAKSI_TRY(to_i32(f, nat, SAKSI_NSTRATA * nbins, buf, "/fingerprints/national", err));
    hsize_t d3[3] = {SAKSI_NSTRATA, (hsize_t)fp->nb_turnout, (hsize_t)fp->nb_share};
    SAKSI_TRY(write_array(f, g, "national", 3, d3, ARR_I32, buf, err));
    SAKSI_TRY(to_i32(f, fp->hist, nh * nbins, buf, "/fingerprints/province", err));
    hsize_t d4[4] = {fp->nprov, SAKSI_NSTRATA, (hsize_t)fp->nb_turnout, (hsize_t)fp->nb_share};
    SAKSI_TRY(write_array(f, g, "province", 4, d4, ARR_I32, buf, err));
    if (fp->fitted && fp->model_hist) {
        SAKSI_TRY(to_i32(f, fp->model_hist, 2 * nbins, buf, "/fingerprints/model_national", err));
        hsize_t dm[3] = {2, (hsize_t)fp->nb_turnout, (hsize_t)fp->nb_share};
        SAKSI_TRY(write_array(f, g, "model_national", 3, dm, ARR_I32, buf, err));
    }
out:
    free(buf);
    free(nat);
    free(edges);
    return rc;
}

/* /fingerprints/excluded: stations without a bin, by province (-1: the
 * nation), stratum and reason; only non-zero counts. */
static saksi_status write_excluded(const saksi_h5_file *f, hid_t g, const saksi_table *t,
                                   const saksi_fingerprints *fp, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_h5_table tb = {0};
    enum { X_PROV, X_CODE, X_STRATUM, X_REASON, X_COUNT, NX };
    uint64_t nat[SAKSI_NSTRATA * SAKSI_FP_NREASONS] = {0};
    size_t rows = 0, code_w = 1;
    for (size_t p = 0; p < fp->nprov; p++) {
        size_t l = strlen(t->regions[SAKSI_LEVEL_PROVINCE].code[p]);
        code_w = l > code_w ? l : code_w;
        for (size_t k = 0; k < SAKSI_NSTRATA * SAKSI_FP_NREASONS; k++) {
            uint32_t c = fp->reasons[p * SAKSI_NSTRATA * SAKSI_FP_NREASONS + k];
            nat[k] += c;
            rows += c > 0;
        }
    }
    for (size_t k = 0; k < SAKSI_NSTRATA * SAKSI_FP_NREASONS; k++)
        rows += nat[k] > 0;
    const saksi_h5_col cols[NX] = {{"province", SAKSI_H5_I32, 0},
                                   {"code", SAKSI_H5_STR, code_w},
                                   {"stratum", SAKSI_H5_STR, 8},
                                   {"reason", SAKSI_H5_STR, 17},
                                   {"stations", SAKSI_H5_I64, 0}};
    SAKSI_TRY(saksi_h5_table_open(&tb, f, g, "/fingerprints", "excluded", cols, NX, rows, err));
    for (size_t p = 0; p <= fp->nprov; p++) {
        /* p == 0: the nation; p >= 1: province p - 1. */
        for (size_t k = 0; k < SAKSI_NSTRATA * SAKSI_FP_NREASONS; k++) {
            uint64_t c =
                p == 0 ? nat[k] : fp->reasons[(p - 1) * SAKSI_NSTRATA * SAKSI_FP_NREASONS + k];
            unsigned char *row;
            if (!c) continue;
            SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
            saksi_h5_put_i32(&tb, row, X_PROV, (int32_t)p - 1);
            saksi_h5_put_str(&tb, row, X_CODE,
                             p ? t->regions[SAKSI_LEVEL_PROVINCE].code[p - 1] : "");
            saksi_h5_put_str(&tb, row, X_STRATUM, saksi_stratum_name((int)(k / SAKSI_FP_NREASONS)));
            saksi_h5_put_str(&tb, row, X_REASON,
                             saksi_fp_reason_name(-(int)(k % SAKSI_FP_NREASONS) - 1));
            saksi_h5_put_i64(&tb, row, X_COUNT, (int64_t)c);
        }
    }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    return rc;
}

static const char *fit_code(const saksi_table *t, const saksi_fp_report *r)
{
    return t->regions[r->level].code[r->region];
}

/* /fingerprints/fit: one row per fit (the nation, then each province). */
static saksi_status write_fit(const saksi_h5_file *f, hid_t g, const saksi_table *t,
                              const saksi_fingerprints *fp, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_h5_table tb = {0};
    static const char *const num[] = {"turnout_mode",
                                      "turnout_sd",
                                      "share_mode",
                                      "share_sd",
                                      "theta",
                                      "objective",
                                      "f_i",
                                      "f_e",
                                      "f_i_lo",
                                      "f_i_hi",
                                      "f_e_lo",
                                      "f_e_hi",
                                      "null_f_i_median",
                                      "null_f_i_p95",
                                      "null_f_e_median",
                                      "null_f_e_p95",
                                      "p_f_i",
                                      "p_f_e"};
    enum { NNUM = sizeof num / sizeof num[0], NFIX = 7 };
    saksi_h5_col cols[NFIX + NNUM];
    size_t code_w = 1, skip_w = 1;
    for (size_t k = 0; k < fp->nfits; k++) {
        size_t a = strlen(fit_code(t, &fp->fit[k])), b = strlen(fp->fit[k].skip);
        code_w = a > code_w ? a : code_w;
        skip_w = b > skip_w ? b : skip_w;
    }
    cols[0] = (saksi_h5_col){"level", SAKSI_H5_STR, 8};
    cols[1] = (saksi_h5_col){"region", SAKSI_H5_I32, 0};
    cols[2] = (saksi_h5_col){"code", SAKSI_H5_STR, code_w};
    cols[3] = (saksi_h5_col){"stations", SAKSI_H5_I64, 0};
    cols[4] = (saksi_h5_col){"replicates", SAKSI_H5_I32, 0};
    cols[5] = (saksi_h5_col){"null_runs", SAKSI_H5_I32, 0};
    cols[6] = (saksi_h5_col){"skip_reason", SAKSI_H5_STR, skip_w};
    for (size_t k = 0; k < NNUM; k++)
        cols[NFIX + k] = (saksi_h5_col){num[k], SAKSI_H5_F64, 0};
    SAKSI_TRY(
        saksi_h5_table_open(&tb, f, g, "/fingerprints", "fit", cols, NFIX + NNUM, fp->nfits, err));
    for (size_t k = 0; k < fp->nfits; k++) {
        const saksi_fp_report *r = &fp->fit[k];
        unsigned char *row;
        const double v[NNUM] = {r->fair.a0,
                                r->fair.sa,
                                r->fair.v0,
                                r->fair.sv,
                                r->fair.theta,
                                r->objective,
                                r->fi,
                                r->fe,
                                r->fi_lo,
                                r->fi_hi,
                                r->fe_lo,
                                r->fe_hi,
                                r->null_fi_median,
                                r->null_fi_p95,
                                r->null_fe_median,
                                r->null_fe_p95,
                                r->p_fi,
                                r->p_fe};
        int skipped = *r->skip != 0;
        SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
        saksi_h5_put_str(&tb, row, 0, saksi_level_name(r->level));
        saksi_h5_put_i32(&tb, row, 1, (int32_t)r->region);
        saksi_h5_put_str(&tb, row, 2, fit_code(t, r));
        saksi_h5_put_i64(&tb, row, 3, (int64_t)r->stations);
        saksi_h5_put_i32(&tb, row, 4, (int32_t)r->reps);
        saksi_h5_put_i32(&tb, row, 5, (int32_t)r->null_runs);
        saksi_h5_put_str(&tb, row, 6, r->skip);
        /* A skipped fit has no clean part and no objective. */
        for (size_t c = 0; c < NNUM; c++)
            saksi_h5_put_f64(&tb, row, NFIX + c, skipped && c < 6 ? NAN : v[c]);
    }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    return rc;
}

/* /fingerprints/fit_bootstrap and /fingerprints/fit_null: every replicate
 * of every fit, the full distributions behind the intervals and p. */
static saksi_status write_runs(const saksi_h5_file *f, hid_t g, const saksi_fingerprints *fp,
                               const char *name, const double *fi, const double *fe, size_t nrun,
                               saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_h5_table tb = {0};
    const saksi_h5_col cols[5] = {{"fit", SAKSI_H5_I32, 0},
                                  {"replicate", SAKSI_H5_I32, 0},
                                  {"level", SAKSI_H5_STR, 8},
                                  {"f_i", SAKSI_H5_F64, 0},
                                  {"f_e", SAKSI_H5_F64, 0}};
    SAKSI_TRY(
        saksi_h5_table_open(&tb, f, g, "/fingerprints", name, cols, 5, fp->nfits * nrun, err));
    for (size_t k = 0; k < fp->nfits; k++)
        for (size_t b = 0; b < nrun; b++) {
            unsigned char *row;
            SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
            saksi_h5_put_i32(&tb, row, 0, (int32_t)k);
            saksi_h5_put_i32(&tb, row, 1, (int32_t)b);
            saksi_h5_put_str(&tb, row, 2, saksi_level_name(fp->fit[k].level));
            saksi_h5_put_f64(&tb, row, 3, fi[k * nrun + b]);
            saksi_h5_put_f64(&tb, row, 4, fe[k * nrun + b]);
        }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    return rc;
}

/* /shape/<level>: one row per region, every statistic with its interval. */
static saksi_status write_shape(const saksi_h5_file *f, hid_t root, const saksi_table *t,
                                const saksi_fingerprints *fp, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    hid_t g = H5I_INVALID_HID;
    saksi_h5_table tb = {0};
    enum { NFIX = 4, NCOL = NFIX + 3 * SAKSI_SHAPE_NSTATS };
    char names[3 * SAKSI_SHAPE_NSTATS][40];
    saksi_h5_col cols[NCOL];
    SAKSI_TRY(saksi_h5_group(f, root, "shape", &g, err));
    SAKSI_TRY(saksi_h5_attr_str(f, g, "/shape", "note",
                                "descriptive: bootstrap percentile intervals, no p-values, never "
                                "flagged (DESIGN 4); regular stations with a bin",
                                err));
    for (int k = 0; k < SAKSI_SHAPE_NSTATS; k++) {
        snprintf(names[3 * k], sizeof names[0], "%s", saksi_shape_name(k));
        snprintf(names[3 * k + 1], sizeof names[0], "%s_lo", saksi_shape_name(k));
        snprintf(names[3 * k + 2], sizeof names[0], "%s_hi", saksi_shape_name(k));
    }
    for (int l = SAKSI_LEVEL_NATIONAL; l <= SAKSI_LEVEL_DISTRICT; l++) {
        const saksi_shape_level *sl = &fp->shape[l];
        size_t code_w = 1, skip_w = 1;
        for (size_t r = 0; r < sl->n; r++) {
            size_t a = strlen(t->regions[l].code[sl->row[r].region]), b = strlen(sl->row[r].skip);
            code_w = a > code_w ? a : code_w;
            skip_w = b > skip_w ? b : skip_w;
        }
        cols[0] = (saksi_h5_col){"region", SAKSI_H5_I32, 0};
        cols[1] = (saksi_h5_col){"code", SAKSI_H5_STR, code_w};
        cols[2] = (saksi_h5_col){"n", SAKSI_H5_I64, 0};
        cols[3] = (saksi_h5_col){"skip_reason", SAKSI_H5_STR, skip_w};
        for (int k = 0; k < 3 * SAKSI_SHAPE_NSTATS; k++)
            cols[NFIX + k] = (saksi_h5_col){names[k], SAKSI_H5_F64, 0};
        SAKSI_TRY(
            saksi_h5_table_open(&tb, f, g, "/shape", saksi_level_name(l), cols, NCOL, sl->n, err));
        for (size_t r = 0; r < sl->n; r++) {
            const saksi_shape_row *s = &sl->row[r];
            unsigned char *row;
            SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
            saksi_h5_put_i32(&tb, row, 0, (int32_t)s->region);
            saksi_h5_put_str(&tb, row, 1, t->regions[l].code[s->region]);
            saksi_h5_put_i64(&tb, row, 2, s->n);
            saksi_h5_put_str(&tb, row, 3, s->skip);
            for (int k = 0; k < SAKSI_SHAPE_NSTATS; k++) {
                saksi_h5_put_f64(&tb, row, NFIX + 3 * k, s->value[k]);
                saksi_h5_put_f64(&tb, row, NFIX + 3 * k + 1, s->lo[k]);
                saksi_h5_put_f64(&tb, row, NFIX + 3 * k + 2, s->hi[k]);
            }
        }
        SAKSI_TRY(saksi_h5_table_close(&tb, err));
    }
out:
    saksi_h5_table_release(&tb);
    return saksi_h5_close(g, H5Gclose, rc, f, "/shape", err);
}

/* The group's attributes: what the axes are and how the fit was made. */
static saksi_status write_attrs(const saksi_h5_file *f, hid_t g, const saksi_table *t,
                                const saksi_fingerprints *fp, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    char buf[512];
    const char *tf = fp->turnout_field >= 0 ? saksi_field_name(fp->turnout_field) : "none";
    snprintf(buf, sizeof buf, "%s / registered (the national leader's share: cand_%s / valid)", tf,
             fp->leader >= 0 ? t->cand_label[fp->leader] : "none");
    SAKSI_TRY(saksi_h5_attr_str(f, g, "/fingerprints", "axes", buf, err));
    SAKSI_TRY(saksi_h5_attr_str(f, g, "/fingerprints", "leader",
                                fp->leader >= 0 ? t->cand_label[fp->leader] : "", err));
    SAKSI_TRY(saksi_h5_attr_str(f, g, "/fingerprints", "bins",
                                "bin k holds [k/nb, (k+1)/nb), the last is closed; datasets are "
                                "[stratum][turnout][share] and [province][stratum][turnout][share] "
                                "(province = row of /regions/province)",
                                err));
    /* saksi_format_double: a '.' even when a host program set a
     * decimal-comma LC_NUMERIC (report.h5 must not depend on the locale). */
    char sd[32];
    saksi_format_double(sd, sizeof sd, SAKSI_FP_EXTREME_SD, 3);
    snprintf(buf, sizeof buf,
             "%s; Klimek et al. 2012 model, alpha %d, extreme sd %s; objective: multinomial "
             "negative log-likelihood of the stations' bins; p = (1 + #null >= fit) / (1 + runs); "
             "reported, never flagged",
             fp->fitted ? "fitted" : "not fitted (--fingerprint-fit)", fp->alpha, sd);
    SAKSI_TRY(saksi_h5_attr_str(f, g, "/fingerprints", "fit", buf, err));
    snprintf(buf, sizeof buf, "%s; %zu simulator seed(s) refused and replaced", fp->null_mode,
             fp->null_retried);
    SAKSI_TRY(saksi_h5_attr_str(f, g, "/fingerprints", "null", buf, err));
    snprintf(buf, sizeof buf, "%u", fp->model_reps);
    SAKSI_TRY(saksi_h5_attr_str(f, g, "/fingerprints", "model_replicates", buf, err));
out:
    return rc;
}

saksi_status saksi_h5_write_fingerprints(const saksi_h5_file *f, hid_t root, const saksi_table *t,
                                         const saksi_results *res, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_fingerprints *fp = res->fingerprints;
    hid_t g = H5I_INVALID_HID;
    if (!fp) goto out; /* the family did not run */
    SAKSI_TRY(saksi_h5_group(f, root, "fingerprints", &g, err));
    SAKSI_TRY(write_attrs(f, g, t, fp, err));
    SAKSI_TRY(write_histograms(f, g, fp, err));
    SAKSI_TRY(write_excluded(f, g, t, fp, err));
    if (fp->fitted) {
        SAKSI_TRY(write_fit(f, g, t, fp, err));
        SAKSI_TRY(write_runs(f, g, fp, "fit_bootstrap", fp->boot_fi, fp->boot_fe, fp->nboot, err));
        SAKSI_TRY(write_runs(f, g, fp, "fit_null", fp->null_fi, fp->null_fe, fp->nnull, err));
    }
    SAKSI_TRY(write_shape(f, root, t, fp, err));
out:
    return saksi_h5_close(g, H5Gclose, rc, f, "/fingerprints", err);
}
