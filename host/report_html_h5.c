/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_html_h5.c — the /report group of report.h5: every table of the
 * report view as a flat compound dataset (scalar members, strings as wide
 * as their longest value) and its attributes as string attributes, so that
 * report.html and the CSVs can be drawn again from the file alone.
 */
#include "report_html.h"
#include "report_h5.h"

#include <string.h>

static saksi_status write_table(const saksi_h5_file *f, hid_t g, const saksi_vtable *tb,
                                saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_h5_table h = {
        .dset = H5I_INVALID_HID, .ftype = H5I_INVALID_HID, .mtype = H5I_INVALID_HID};
    saksi_h5_col cols[SAKSI_H5_MAX_COLS];
    if (tb->ncols > SAKSI_H5_MAX_COLS)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "%s: /report/%s has %zu columns", f->path, tb->name,
                   tb->ncols);
    for (size_t c = 0; c < tb->ncols; c++) {
        const saksi_vcol *col = &tb->col[c];
        size_t w = 1;
        for (size_t r = 0; col->kind == SAKSI_V_STR && r < tb->nrows; r++) {
            size_t len = strlen(col->s[r]);
            w = len > w ? len : w;
        }
        /* the view's kinds are saksi_h5_kind's, in the same order */
        cols[c] = (saksi_h5_col){col->name, col->kind, col->kind == SAKSI_V_STR ? w : 0};
    }
    SAKSI_TRY(saksi_h5_table_open(&h, f, g, "/report", tb->name, cols, tb->ncols, tb->nrows, err));
    for (size_t r = 0; r < tb->nrows; r++) {
        unsigned char *row;
        SAKSI_TRY(saksi_h5_table_row(&h, &row, err));
        for (size_t c = 0; c < tb->ncols; c++) {
            const saksi_vcol *col = &tb->col[c];
            switch (col->kind) {
            case SAKSI_V_I32:
                if (col->i[r] < INT32_MIN || col->i[r] > INT32_MAX)
                    SAKSI_FAIL(SAKSI_ERR_LIMIT, "%s: /report/%s.%s row %zu beyond int32", f->path,
                               tb->name, col->name, r);
                saksi_h5_put_i32(&h, row, c, (int32_t)col->i[r]);
                break;
            case SAKSI_V_I64:
                saksi_h5_put_i64(&h, row, c, col->i[r]);
                break;
            case SAKSI_V_F64:
                saksi_h5_put_f64(&h, row, c, col->f[r]);
                break;
            default:
                saksi_h5_put_str(&h, row, c, col->s[r]);
                break;
            }
        }
    }
    SAKSI_TRY(saksi_h5_table_close(&h, err));
out:
    saksi_h5_table_release(&h);
    return rc;
}

saksi_status saksi_h5_write_report_view(const saksi_h5_file *f, hid_t root, const saksi_table *t,
                                        const saksi_results *res, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_view *v = NULL;
    hid_t g = H5I_INVALID_HID;
    SAKSI_TRY(saksi_view_build(t, res, &v, err));
    SAKSI_TRY(saksi_h5_group(f, root, "report", &g, err));
    for (size_t a = 0; a < v->nattrs; a++)
        SAKSI_TRY(saksi_h5_attr_str(f, g, "/report", v->key[a], v->val[a], err));
    for (size_t k = 0; k < v->ntables; k++)
        SAKSI_TRY(write_table(f, g, v->table[k], err));
out:
    saksi_view_free(v);
    return saksi_h5_close(g, H5Gclose, rc, f, "/report", err);
}
