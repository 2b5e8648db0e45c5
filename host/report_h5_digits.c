/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_h5_digits.c — the digit family's section of report.h5 (/digits):
 * the national digit histograms of every candidate and test beside their
 * calibrated expectation (peer beta-binomial), the binomial sensitivity
 * variant and the classical Benford/uniform expectation, the national
 * tests with Nigrini's MAD, and why numbers were not tested. The region
 * tests themselves are rows of /region_tests/<level>.
 */
#include "report_h5.h"

#include "digits.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const test_label[SAKSI_DT_COUNT] = {
    [SAKSI_DT_LAST] = "last_digit",
    [SAKSI_DT_SECOND_2D] = "second_digit_10_99",
    [SAKSI_DT_SECOND_3D] = "second_digit_100_999",
    [SAKSI_DT_FIRST] = "first_digit",
};

static const char classical_note[] =
    "classical expectations (uniform last digit, Benford first and second digit) and Nigrini's "
    "MAD bands: not calibrated for these counts";

/* Longest candidate label (at least 1). */
static size_t label_width(const saksi_table *t)
{
    size_t w = 1;
    for (size_t c = 0; c < t->ncand; c++)
        w = strlen(t->cand_label[c]) > w ? strlen(t->cand_label[c]) : w;
    return w;
}

enum { H_CAND, H_LABEL, H_TEST, H_DIGIT, H_OBS, H_EXP, H_Z, H_EXPB, H_ZB, H_CLASS, NH };

static saksi_status write_histograms(const saksi_h5_file *f, hid_t g, const saksi_table *t,
                                     const saksi_digits_result *d, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_h5_table tb = {0};
    const saksi_h5_col cols[NH] = {
        [H_CAND] = {"candidate", SAKSI_H5_I32, 0},
        [H_LABEL] = {"candidate_label", SAKSI_H5_STR, label_width(t)},
        [H_TEST] = {"test", SAKSI_H5_STR, strlen("second_digit_100_999")},
        [H_DIGIT] = {"digit", SAKSI_H5_I32, 0},
        [H_OBS] = {"observed", SAKSI_H5_I64, 0},
        [H_EXP] = {"expected", SAKSI_H5_F64, 0},
        [H_Z] = {"z", SAKSI_H5_F64, 0},
        [H_EXPB] = {"expected_binomial", SAKSI_H5_F64, 0},
        [H_ZB] = {"z_binomial", SAKSI_H5_F64, 0},
        [H_CLASS] = {"expected_classical", SAKSI_H5_F64, 0},
    };
    SAKSI_TRY(saksi_h5_table_open(&tb, f, g, "/digits", "national", cols, NH,
                                  d->ncand * SAKSI_DT_COUNT * SAKSI_DIGIT_BINS, err));
    for (size_t c = 0; c < d->ncand; c++)
        for (int k = 0; k < SAKSI_DT_COUNT; k++) {
            const saksi_digits_national *nat = &d->national[c * SAKSI_DT_COUNT + k];
            const saksi_digit_acc *a = &nat->acc[SAKSI_DIGITS_BB];
            const saksi_digit_acc *b = &nat->acc[SAKSI_DIGITS_BINOMIAL];
            for (int dg = 0; dg < SAKSI_DIGIT_BINS; dg++) {
                unsigned char *row;
                SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
                saksi_h5_put_i32(&tb, row, H_CAND, (int32_t)c);
                saksi_h5_put_str(&tb, row, H_LABEL, t->cand_label[c]);
                saksi_h5_put_str(&tb, row, H_TEST, test_label[k]);
                saksi_h5_put_i32(&tb, row, H_DIGIT, dg);
                saksi_h5_put_i64(&tb, row, H_OBS, a->o[dg]);
                saksi_h5_put_f64(&tb, row, H_EXP, a->e[dg]);
                saksi_h5_put_f64(&tb, row, H_Z, saksi_digits_z(a, dg));
                /* the binomial variant has no first digit (descriptive) */
                saksi_h5_put_f64(&tb, row, H_EXPB, b->n ? b->e[dg] : NAN);
                saksi_h5_put_f64(&tb, row, H_ZB, b->n ? saksi_digits_z(b, dg) : NAN);
                saksi_h5_put_f64(&tb, row, H_CLASS, nat->classical[dg] * (double)a->n);
            }
        }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    return rc;
}

enum {
    T_CAND,
    T_LABEL,
    T_TEST,
    T_N,
    T_W,
    T_DF,
    T_P,
    T_EFF,
    T_LO,
    T_HI,
    T_WB,
    T_PB,
    T_MADC,
    T_BAND,
    T_MAD,
    NT
};

static saksi_status write_tests(const saksi_h5_file *f, hid_t g, const saksi_table *t,
                                const saksi_digits_result *d, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_h5_table tb = {0};
    const saksi_h5_col cols[NT] = {
        [T_CAND] = {"candidate", SAKSI_H5_I32, 0},
        [T_LABEL] = {"candidate_label", SAKSI_H5_STR, label_width(t)},
        [T_TEST] = {"test", SAKSI_H5_STR, strlen("second_digit_100_999")},
        [T_N] = {"n", SAKSI_H5_I64, 0},
        [T_W] = {"wald", SAKSI_H5_F64, 0},
        [T_DF] = {"df", SAKSI_H5_I32, 0},
        [T_P] = {"p", SAKSI_H5_F64, 0},
        [T_EFF] = {"cohen_w", SAKSI_H5_F64, 0},
        [T_LO] = {"cohen_w_lo", SAKSI_H5_F64, 0},
        [T_HI] = {"cohen_w_hi", SAKSI_H5_F64, 0},
        [T_WB] = {"wald_binomial", SAKSI_H5_F64, 0},
        [T_PB] = {"p_binomial", SAKSI_H5_F64, 0},
        [T_MADC] = {"mad_classical", SAKSI_H5_F64, 0},
        [T_BAND] = {"nigrini_band", SAKSI_H5_STR, strlen("marginally acceptable conformity")},
        [T_MAD] = {"mad_calibrated", SAKSI_H5_F64, 0},
    };
    SAKSI_TRY(saksi_h5_table_open(&tb, f, g, "/digits", "national_tests", cols, NT,
                                  d->ncand * SAKSI_DT_COUNT, err));
    for (size_t c = 0; c < d->ncand; c++)
        for (int k = 0; k < SAKSI_DT_COUNT; k++) {
            const saksi_digits_national *nat = &d->national[c * SAKSI_DT_COUNT + k];
            const saksi_digits_wald *w = &nat->wald[SAKSI_DIGITS_BB];
            const saksi_digits_wald *wb = &nat->wald[SAKSI_DIGITS_BINOMIAL];
            unsigned char *row;
            SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
            saksi_h5_put_i32(&tb, row, T_CAND, (int32_t)c);
            saksi_h5_put_str(&tb, row, T_LABEL, t->cand_label[c]);
            saksi_h5_put_str(&tb, row, T_TEST, test_label[k]);
            saksi_h5_put_i64(&tb, row, T_N, (int64_t)nat->acc[SAKSI_DIGITS_BB].n);
            saksi_h5_put_f64(&tb, row, T_W, w->W);
            saksi_h5_put_i32(&tb, row, T_DF, w->df);
            /* the first digit is descriptive: no p-value */
            saksi_h5_put_f64(&tb, row, T_P, k == SAKSI_DT_FIRST ? NAN : w->p);
            saksi_h5_put_f64(&tb, row, T_EFF, w->w);
            saksi_h5_put_f64(&tb, row, T_LO, w->w_lo);
            saksi_h5_put_f64(&tb, row, T_HI, w->w_hi);
            saksi_h5_put_f64(&tb, row, T_WB, wb->W);
            saksi_h5_put_f64(&tb, row, T_PB, wb->p);
            saksi_h5_put_f64(&tb, row, T_MADC, nat->mad_classical);
            saksi_h5_put_str(&tb, row, T_BAND, saksi_digits_nigrini(k, nat->mad_classical));
            saksi_h5_put_f64(&tb, row, T_MAD, nat->mad_calibrated);
        }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    return rc;
}

static saksi_status write_counts(const saksi_h5_file *f, hid_t g, const saksi_digits_result *d,
                                 saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_h5_table tb = {0};
    const saksi_digits_counts *k = &d->counts;
    char trimmed[96], sds[32];
    saksi_format_double(sds, sizeof sds, SAKSI_DIGITS_TRIM_SD, 6); /* '.' whatever the locale */
    snprintf(trimmed, sizeof trimmed, "trimmed: beyond %s null sds, a share outlier, not a digit",
             sds);
    const struct {
        const char *what;
        uint64_t n;
    } rows[] = {
        {"numbers", k->numbers},
        {"tested", k->tested},
        {"unusable: count or valid missing, negative, or count above valid", k->unusable},
        {"inconsistent: the station breaks an identity on its candidate or valid fields",
         k->inconsistent},
        {"noken: bloc votes are agreed, not counted", k->noken},
        {"no peers: no station of its stratum to fit a null from", k->no_peers},
        {trimmed, k->trimmed},
        {"outside support: the peer null gives the digit's block no mass",
         k->outside_support[SAKSI_DIGITS_BB]},
        {"outside support of the binomial variant", k->outside_support[SAKSI_DIGITS_BINOMIAL]},
    };
    size_t nrows = sizeof rows / sizeof rows[0], w = 1;
    for (size_t r = 0; r < nrows; r++)
        w = strlen(rows[r].what) > w ? strlen(rows[r].what) : w;
    const saksi_h5_col cols[2] = {{"what", SAKSI_H5_STR, w}, {"numbers", SAKSI_H5_I64, 0}};
    SAKSI_TRY(saksi_h5_table_open(&tb, f, g, "/digits", "counts", cols, 2, nrows, err));
    for (size_t r = 0; r < nrows; r++) {
        unsigned char *row;
        SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
        saksi_h5_put_str(&tb, row, 0, rows[r].what);
        saksi_h5_put_i64(&tb, row, 1, (int64_t)rows[r].n);
    }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    return rc;
}

saksi_status saksi_h5_write_digits(const saksi_h5_file *f, hid_t root, const saksi_table *t,
                                   const saksi_results *res, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_digits_result *d = res->digits;
    hid_t g = -1;
    if (!d) goto out; /* the family did not run (library use without it) */
    if (d->ncand != t->ncand)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "%s: digit results for %zu candidates, table has %zu",
                   f->path, d->ncand, t->ncand);
    SAKSI_TRY(saksi_h5_group(f, root, "digits", &g, err));
    SAKSI_TRY(saksi_h5_attr_str(f, g, "/digits", "classical", classical_note, err));
    SAKSI_TRY(write_histograms(f, g, t, d, err));
    SAKSI_TRY(write_tests(f, g, t, d, err));
    SAKSI_TRY(write_counts(f, g, d, err));
out:
    return saksi_h5_close(g, H5Gclose, rc, f, "/digits", err);
}
