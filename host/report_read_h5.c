/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_read_h5.c — reads the report view back from an existing report.h5
 * (`saksi report out/report.h5`): every compound table under /report, its
 * attributes, the root attributes (provenance) and /provenance/inputs, by
 * member name and class, so that report.html and the CSVs are drawn again
 * without recomputing anything.
 */
#include "report_html.h"
#include "report_h5.h"

#include <stdlib.h>
#include <string.h>

/* Rows read per H5Dread: bounds the buffer (a national ranked list with
 * two reasons per row would be hundreds of MB at once). */
#define READ_BLOCK_ROWS 16384

#define H5R_FAIL(code, fmt, ...)                                                                   \
    do {                                                                                           \
        char why_[512];                                                                            \
        SAKSI_FAIL(code, "%s: " fmt ": %s", path, __VA_ARGS__,                                     \
                   saksi_h5_reason(why_, sizeof why_));                                            \
    } while (0)

/* One member of a table as read: its memory type and place in a row. */
typedef struct member {
    char *name; /* H5free_memory */
    int kind;   /* enum saksi_vkind */
    size_t off, width;
    hid_t mtype;
} member;

static saksi_status read_rows(const char *path, const char *name, hid_t dset, hid_t mtype,
                              const member *m, size_t nm, size_t row_size, size_t nrows,
                              saksi_vtable *tb, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
    size_t block = nrows < READ_BLOCK_ROWS ? nrows : READ_BLOCK_ROWS, maxw = 1;
    unsigned char *buf = saksi_malloc_array(block ? block : 1, row_size);
    char *str = NULL;
    for (size_t k = 0; k < nm; k++)
        maxw = m[k].width > maxw ? m[k].width : maxw;
    str = malloc(maxw + 1);
    if (!buf || !str) SAKSI_ALLOC_FAIL("a report table buffer");
    if ((fspace = H5Dget_space(dset)) < 0)
        H5R_FAIL(SAKSI_ERR_HDF5, "cannot get the dataspace of /report/%s", name);
    for (size_t first = 0; first < nrows; first += block) {
        hsize_t start = first, count = nrows - first < block ? nrows - first : block;
        if ((mspace = H5Screate_simple(1, &count, NULL)) < 0 ||
            H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, NULL, &count, NULL) < 0 ||
            H5Dread(dset, mtype, mspace, fspace, H5P_DEFAULT, buf) < 0)
            H5R_FAIL(SAKSI_ERR_HDF5, "cannot read rows %zu.. of %s", first, name);
        H5Sclose(mspace);
        mspace = H5I_INVALID_HID;
        for (size_t r = 0; r < count; r++) {
            size_t row;
            const unsigned char *src = buf + r * row_size;
            SAKSI_TRY(saksi_vt_append(tb, &row, err));
            for (size_t k = 0; k < nm; k++) {
                if (m[k].kind == SAKSI_V_F64) {
                    double d;
                    memcpy(&d, src + m[k].off, sizeof d);
                    saksi_vt_set_f(tb, row, k, d);
                } else if (m[k].kind == SAKSI_V_STR) {
                    memcpy(str, src + m[k].off, m[k].width);
                    str[m[k].width] = 0; /* a value as wide as its column has no NUL */
                    SAKSI_TRY(saksi_vt_set_s(tb, row, k, str, err));
                } else {
                    int64_t i;
                    memcpy(&i, src + m[k].off, sizeof i);
                    saksi_vt_set_i(tb, row, k, i);
                }
            }
        }
    }
out:
    if (mspace >= 0) H5Sclose(mspace);
    if (fspace >= 0) H5Sclose(fspace);
    free(buf);
    free(str);
    return rc;
}

/* Read the compound dataset loc/name into a new view table `as`. */
static saksi_status read_table(const char *path, hid_t loc, const char *name, const char *as,
                               saksi_view *v, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    hid_t dset = H5I_INVALID_HID, ftype = H5I_INVALID_HID, space = H5I_INVALID_HID;
    hid_t mtype = H5I_INVALID_HID;
    member m[SAKSI_VIEW_MAX_COLS];
    saksi_vspec spec[SAKSI_VIEW_MAX_COLS];
    int nm = 0;
    size_t row_size = 0;
    saksi_vtable *tb;
    memset(m, 0, sizeof m);
    for (int k = 0; k < SAKSI_VIEW_MAX_COLS; k++)
        m[k].mtype = H5I_INVALID_HID;
    if ((dset = H5Dopen2(loc, name, H5P_DEFAULT)) < 0 || (ftype = H5Dget_type(dset)) < 0 ||
        (space = H5Dget_space(dset)) < 0)
        H5R_FAIL(SAKSI_ERR_DATA, "cannot open table %s", name);
    if (H5Tget_class(ftype) != H5T_COMPOUND)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s: %s is not a table", path, name);
    int nmembers = H5Tget_nmembers(ftype);
    hssize_t npoints = H5Sget_simple_extent_npoints(space);
    if (nmembers < 1 || nmembers > SAKSI_VIEW_MAX_COLS || npoints < 0)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s: table %s has %d members", path, name, nmembers);
    for (nm = 0; nm < nmembers; nm++) {
        member *x = &m[nm];
        H5T_class_t cls = H5Tget_member_class(ftype, (unsigned)nm);
        hid_t mt = H5Tget_member_type(ftype, (unsigned)nm);
        size_t size = mt >= 0 ? H5Tget_size(mt) : 0;
        x->name = H5Tget_member_name(ftype, (unsigned)nm);
        if (!x->name || mt < 0) {
            if (mt >= 0) H5Tclose(mt);
            H5R_FAIL(SAKSI_ERR_DATA, "cannot read member %d of %s", nm, name);
        }
        if (cls == H5T_INTEGER) {
            x->kind = size <= 4 ? SAKSI_V_I32 : SAKSI_V_I64;
            x->width = 8;
            x->mtype = H5Tcopy(H5T_NATIVE_INT64);
            H5Tclose(mt);
        } else if (cls == H5T_FLOAT) {
            x->kind = SAKSI_V_F64;
            x->width = 8;
            x->mtype = H5Tcopy(H5T_NATIVE_DOUBLE);
            H5Tclose(mt);
        } else if (cls == H5T_STRING && !H5Tis_variable_str(mt)) {
            x->kind = SAKSI_V_STR;
            x->width = size;
            x->mtype = mt; /* the file's own fixed-length string */
        } else {
            H5Tclose(mt);
            SAKSI_FAIL(SAKSI_ERR_DATA,
                       "%s: member %s of %s is neither a number nor a fixed "
                       "string",
                       path, x->name, name);
        }
        if (x->mtype < 0) H5R_FAIL(SAKSI_ERR_HDF5, "cannot make a memory type for %s", name);
        x->off = row_size;
        row_size += x->width;
        spec[nm] = (saksi_vspec){x->name, x->kind};
    }
    if ((mtype = H5Tcreate(H5T_COMPOUND, row_size)) < 0)
        H5R_FAIL(SAKSI_ERR_HDF5, "cannot make the memory type of %s", name);
    for (int k = 0; k < nm; k++)
        if (H5Tinsert(mtype, m[k].name, m[k].off, m[k].mtype) < 0)
            H5R_FAIL(SAKSI_ERR_HDF5, "cannot make the memory type of %s", name);
    SAKSI_TRY(saksi_view_add_table(v, as, spec, (size_t)nm, &tb, err));
    SAKSI_TRY(
        read_rows(path, name, dset, mtype, m, (size_t)nm, row_size, (size_t)npoints, tb, err));
out:
    for (int k = 0; k < SAKSI_VIEW_MAX_COLS; k++) {
        if (m[k].mtype >= 0) H5Tclose(m[k].mtype);
        if (m[k].name) H5free_memory(m[k].name);
    }
    if (mtype >= 0) H5Tclose(mtype);
    if (space >= 0) H5Sclose(space);
    if (ftype >= 0) H5Tclose(ftype);
    if (dset >= 0) H5Dclose(dset);
    return rc;
}

typedef struct iter_ctx {
    const char *path;
    const char *prefix;
    saksi_view *v;
    saksi_error *err;
    saksi_status rc;
    hid_t loc;
} iter_ctx;

/* A fixed-length string attribute into the view as prefix + name. */
static herr_t read_attr(hid_t obj, const char *name, const H5A_info_t *info, void *data)
{
    iter_ctx *c = data;
    saksi_error *err = c->err;
    const char *path = c->path;
    saksi_status rc = SAKSI_OK;
    hid_t attr = H5I_INVALID_HID, type = H5I_INVALID_HID;
    char *buf = NULL, key[128];
    (void)info;
    if ((attr = H5Aopen(obj, name, H5P_DEFAULT)) < 0 || (type = H5Aget_type(attr)) < 0)
        H5R_FAIL(SAKSI_ERR_DATA, "cannot open attribute %s", name);
    if (H5Tget_class(type) != H5T_STRING || H5Tis_variable_str(type))
        goto out; /* not one of ours: ignored */
    size_t w = H5Tget_size(type);
    if (!(buf = calloc(w + 1, 1))) SAKSI_ALLOC_FAIL("an attribute");
    if (H5Aread(attr, type, buf) < 0) H5R_FAIL(SAKSI_ERR_HDF5, "cannot read attribute %s", name);
    snprintf(key, sizeof key, "%s%s", c->prefix, name);
    SAKSI_TRY(saksi_view_set_attr(c->v, key, buf, err));
out:
    free(buf);
    if (type >= 0) H5Tclose(type);
    if (attr >= 0) H5Aclose(attr);
    c->rc = rc;
    return rc == SAKSI_OK ? 0 : -1;
}

/* HDF5 1.10's names (Debian 12): H5Literate with H5L_info_t and
 * H5Oget_info_by_name2 with H5O_info_t. */
static herr_t read_member(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    iter_ctx *c = data;
    H5O_info_t oi;
    (void)info;
    if (H5Oget_info_by_name2(g, name, &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0 ||
        oi.type != H5O_TYPE_DATASET)
        return 0; /* only tables live in /report */
    c->rc = read_table(c->path, g, name, name, c->v, c->err);
    return c->rc == SAKSI_OK ? 0 : -1;
}

saksi_status saksi_view_read_h5(const char *path, saksi_view **out, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    H5E_auto2_t old_func = NULL;
    void *old_data = NULL;
    int auto_saved = 0;
    hid_t f = H5I_INVALID_HID, g = H5I_INVALID_HID;
    saksi_view *v = NULL;
    iter_ctx c = {path, "", NULL, err, SAKSI_OK, H5I_INVALID_HID};
    *out = NULL;
    /* the library never prints: HDF5's printer off while reading */
    if (H5Eget_auto2(H5E_DEFAULT, &old_func, &old_data) >= 0) auto_saved = 1;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (!(v = saksi_view_alloc())) SAKSI_ALLOC_FAIL("the report view");
    c.v = v;
    if ((f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0)
        H5R_FAIL(SAKSI_ERR_NOINPUT, "cannot open %s as HDF5", path);
    c.prefix = "root_";
    if (H5Aiterate2(f, H5_INDEX_NAME, H5_ITER_INC, NULL, read_attr, &c) < 0) {
        rc = c.rc != SAKSI_OK ? c.rc
                              : saksi_error_set(err, SAKSI_ERR_HDF5, __FILE__, __LINE__,
                                                "%s: cannot read the root attributes", path);
        goto out;
    }
    if (H5Lexists(f, "report", H5P_DEFAULT) <= 0)
        SAKSI_FAIL(SAKSI_ERR_DATA,
                   "%s has no /report group: it was written by a saksi without "
                   "the investigator's report; run the audit again",
                   path);
    if ((g = H5Gopen2(f, "report", H5P_DEFAULT)) < 0)
        H5R_FAIL(SAKSI_ERR_DATA, "cannot open %s", "/report");
    c.prefix = "";
    if (H5Aiterate2(g, H5_INDEX_NAME, H5_ITER_INC, NULL, read_attr, &c) < 0 ||
        H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, read_member, &c) < 0) {
        rc = c.rc != SAKSI_OK ? c.rc
                              : saksi_error_set(err, SAKSI_ERR_HDF5, __FILE__, __LINE__,
                                                "%s: cannot list /report", path);
        goto out;
    }
    if (H5Lexists(f, "provenance", H5P_DEFAULT) > 0 &&
        H5Lexists(f, "provenance/inputs", H5P_DEFAULT) > 0)
        SAKSI_TRY(read_table(path, f, "provenance/inputs", "inputs", v, err));
    *out = v;
    v = NULL;
out:
    if (g >= 0) H5Gclose(g);
    if (f >= 0) H5Fclose(f);
    if (auto_saved) H5Eset_auto2(H5E_DEFAULT, old_func, old_data);
    saksi_view_free(v);
    return rc;
}
