/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_h5_region_tests.c — the per-level region test tables of report.h5
 * (/region_tests/<level>): one row per (region, test, candidate) of every
 * region-level family, with effect, interval, p, q, lambda, m, flag and
 * skip reason (DESIGN §4-6).
 */
#include "report_h5.h"

#include <string.h>

enum {
    C_REGION, C_CODE, C_TEST, C_CAND, C_DESCR, C_N, C_STAT, C_EFF, C_LO, C_HI, C_FLOOR, C_P,
    C_Q, C_LAMBDA, C_M, C_FLAG, C_SKIP, NCOLS
};

/* Longest string of a column over the rows of one level (at least 1). */
static size_t width_of(const saksi_table *t, const saksi_region_tests *rt, int level, int col)
{
    size_t w = 1;
    for (size_t k = 0; k < rt->n; k++) {
        const saksi_region_test *r = &rt->row[k];
        if (r->level != level)
            continue;
        const char *s = col == C_CODE ? t->regions[level].code[r->region]
                        : col == C_TEST ? r->test
                                        : (r->skip ? r->skip : "");
        size_t len = strlen(s);
        if (len > w)
            w = len;
    }
    return w;
}

saksi_status saksi_h5_write_region_tests(const saksi_h5_file *f, hid_t root,
                                         const saksi_table *t, const saksi_results *res,
                                         saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    static const saksi_region_tests none = {0};
    const saksi_region_tests *rt = res->region_tests ? res->region_tests : &none;
    hid_t g = -1;
    saksi_h5_table tb = {0};
    SAKSI_TRY(saksi_h5_group(f, root, "region_tests", &g, err));
    for (int l = 0; l < SAKSI_NLEVELS; l++) {
        size_t nrows = 0;
        for (size_t k = 0; k < rt->n; k++)
            nrows += rt->row[k].level == l;
        saksi_h5_col cols[NCOLS] = {
            [C_REGION] = {"region", SAKSI_H5_I32, 0},
            [C_CODE] = {"code", SAKSI_H5_STR, width_of(t, rt, l, C_CODE)},
            [C_TEST] = {"test", SAKSI_H5_STR, width_of(t, rt, l, C_TEST)},
            [C_CAND] = {"candidate", SAKSI_H5_I32, 0},
            [C_DESCR] = {"descriptive", SAKSI_H5_I32, 0},
            [C_N] = {"n", SAKSI_H5_I64, 0},
            [C_STAT] = {"statistic", SAKSI_H5_F64, 0},
            [C_EFF] = {"effect", SAKSI_H5_F64, 0},
            [C_LO] = {"effect_lo", SAKSI_H5_F64, 0},
            [C_HI] = {"effect_hi", SAKSI_H5_F64, 0},
            [C_FLOOR] = {"effect_floor", SAKSI_H5_F64, 0},
            [C_P] = {"p", SAKSI_H5_F64, 0},
            [C_Q] = {"q", SAKSI_H5_F64, 0},
            [C_LAMBDA] = {"lambda", SAKSI_H5_F64, 0},
            [C_M] = {"m", SAKSI_H5_I64, 0},
            [C_FLAG] = {"flagged", SAKSI_H5_I32, 0},
            [C_SKIP] = {"skip_reason", SAKSI_H5_STR, width_of(t, rt, l, C_SKIP)},
        };
        SAKSI_TRY(saksi_h5_table_open(&tb, f, g, "/region_tests", saksi_level_name(l), cols,
                                      NCOLS, nrows, err));
        for (size_t k = 0; k < rt->n; k++) {
            const saksi_region_test *r = &rt->row[k];
            unsigned char *row;
            if (r->level != l)
                continue;
            SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
            saksi_h5_put_i32(&tb, row, C_REGION, (int32_t)r->region);
            saksi_h5_put_str(&tb, row, C_CODE, t->regions[l].code[r->region]);
            saksi_h5_put_str(&tb, row, C_TEST, r->test);
            saksi_h5_put_i32(&tb, row, C_CAND, r->candidate);
            saksi_h5_put_i32(&tb, row, C_DESCR, r->descriptive);
            saksi_h5_put_i64(&tb, row, C_N, r->n);
            saksi_h5_put_f64(&tb, row, C_STAT, r->statistic);
            saksi_h5_put_f64(&tb, row, C_EFF, r->effect);
            saksi_h5_put_f64(&tb, row, C_LO, r->effect_lo);
            saksi_h5_put_f64(&tb, row, C_HI, r->effect_hi);
            saksi_h5_put_f64(&tb, row, C_FLOOR, r->effect_floor);
            saksi_h5_put_f64(&tb, row, C_P, r->p);
            saksi_h5_put_f64(&tb, row, C_Q, r->q);
            saksi_h5_put_f64(&tb, row, C_LAMBDA, r->lambda);
            saksi_h5_put_i64(&tb, row, C_M, r->m);
            saksi_h5_put_i32(&tb, row, C_FLAG, r->flagged);
            saksi_h5_put_str(&tb, row, C_SKIP, r->skip ? r->skip : "");
        }
        SAKSI_TRY(saksi_h5_table_close(&tb, err));
    }
out:
    saksi_h5_table_release(&tb);
    return saksi_h5_close(g, H5Gclose, rc, f, "/region_tests", err);
}
