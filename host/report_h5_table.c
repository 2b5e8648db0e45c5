/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_h5_table.c — the typed-table helper behind report.h5: packed
 * compound types built from a column list, chunked datasets with shuffle +
 * deflate + fletcher32 and no timestamps, block-wise H5Dwrite through
 * hyperslabs, timestamp-free groups and string attributes. Every HDF5 return
 * value is checked and becomes SAKSI_ERR_HDF5 naming the object.
 */
#include "report_h5.h"

#include <stdlib.h>
#include <string.h>

/* Record an HDF5 failure with the innermost message of HDF5's error stack;
 * must follow the failing call directly (every API call clears the stack). */
#define H5_FAIL(fmt, ...)                                                                          \
    do {                                                                                           \
        char why_[512];                                                                            \
        SAKSI_FAIL(SAKSI_ERR_HDF5, "%s: HDF5 " fmt ": %s", __VA_ARGS__,                            \
                   saksi_h5_reason(why_, sizeof why_));                                            \
    } while (0)

static herr_t first_reason(unsigned n, const H5E_error2_t *e, void *data)
{
    char *buf = data;
    /* Walking upward, entry 0 is where the error was first detected. */
    if (n == 0 && e->desc)
        snprintf(buf, 512, "%s", e->desc);
    return 0;
}

const char *saksi_h5_reason(char *buf, size_t len)
{
    char tmp[512] = "";
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, first_reason, tmp);
    snprintf(buf, len, "%s", tmp[0] ? tmp : "no detail from HDF5");
    return buf;
}

saksi_status saksi_h5_close(hid_t id, herr_t (*close_fn)(hid_t), saksi_status rc,
                            const saksi_h5_file *file, const char *what, saksi_error *err)
{
    char why[512];
    if (id < 0 || close_fn(id) >= 0 || rc != SAKSI_OK)
        return rc;
    return saksi_error_set(err, SAKSI_ERR_HDF5, __FILE__, __LINE__, "%s: HDF5 cannot close %s: %s",
                           file->path, what, saksi_h5_reason(why, sizeof why));
}

/* A fixed-length, NUL-padded UTF-8 string type of width bytes, or < 0. */
static hid_t string_type(size_t width)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0)
        return t;
    if (H5Tset_size(t, width) < 0 || H5Tset_strpad(t, H5T_STR_NULLPAD) < 0 ||
        H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

static size_t kind_size(int kind, size_t width)
{
    switch (kind) {
    case SAKSI_H5_I32:
        return 4;
    case SAKSI_H5_I64:
    case SAKSI_H5_F64:
        return 8;
    default:
        return width;
    }
}

/* Insert member c at off into the file type (little-endian standard types)
 * and the memory type (native types at the same packed offset). */
static saksi_status insert_member(saksi_h5_table *tb, const saksi_h5_col *c, size_t off,
                                  saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    hid_t str = H5I_INVALID_HID;
    hid_t ft, mt;
    switch (c->kind) {
    case SAKSI_H5_I32:
        ft = H5T_STD_I32LE, mt = H5T_NATIVE_INT32;
        break;
    case SAKSI_H5_I64:
        ft = H5T_STD_I64LE, mt = H5T_NATIVE_INT64;
        break;
    case SAKSI_H5_F64:
        ft = H5T_IEEE_F64LE, mt = H5T_NATIVE_DOUBLE;
        break;
    default:
        str = string_type(c->width);
        if (str < 0)
            H5_FAIL("cannot make the string type of %s.%s", tb->file->path, tb->name, c->name);
        ft = mt = str;
    }
    if (H5Tinsert(tb->ftype, c->name, off, ft) < 0 || H5Tinsert(tb->mtype, c->name, off, mt) < 0)
        H5_FAIL("cannot add member %s to the type of %s", tb->file->path, c->name, tb->name);
out:
    return saksi_h5_close(str, H5Tclose, rc, tb->file, "a string type", err);
}

/* Dataset creation properties: chunked, shuffle + deflate + fletcher32 (in
 * that pipeline order: the checksum covers the compressed bytes), no fill
 * pass (every row is written), no timestamps (byte-reproducible). */
static hid_t make_dcpl(const saksi_h5_file *f, hsize_t chunk)
{
    hid_t p = H5Pcreate(H5P_DATASET_CREATE);
    if (p < 0)
        return p;
    if (H5Pset_chunk(p, 1, &chunk) < 0 || H5Pset_shuffle(p) < 0 ||
        (f->deflate_level > 0 && H5Pset_deflate(p, (unsigned)f->deflate_level) < 0) ||
        H5Pset_fletcher32(p) < 0 || H5Pset_fill_time(p, H5D_FILL_TIME_NEVER) < 0 ||
        H5Pset_obj_track_times(p, 0) < 0) {
        H5Pclose(p);
        return H5I_INVALID_HID;
    }
    return p;
}

saksi_status saksi_h5_table_open(saksi_h5_table *tb, const saksi_h5_file *file, hid_t loc,
                                 const char *loc_path, const char *name, const saksi_h5_col *cols,
                                 size_t ncols, size_t nrows, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID;
    memset(tb, 0, sizeof *tb);
    tb->dset = tb->ftype = tb->mtype = H5I_INVALID_HID;
    tb->file = file;
    snprintf(tb->name, sizeof tb->name, "%s/%s", loc_path, name);
    if (ncols == 0 || ncols > SAKSI_H5_MAX_COLS)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "%s: %s has %zu columns", file->path, tb->name, ncols);
    tb->ncols = ncols;
    for (size_t c = 0; c < ncols; c++) {
        if (cols[c].kind == SAKSI_H5_STR && cols[c].width == 0)
            SAKSI_FAIL(SAKSI_ERR_INTERNAL, "%s: %s.%s has width 0", file->path, tb->name,
                       cols[c].name);
        tb->kind[c] = cols[c].kind;
        tb->width[c] = cols[c].width;
        tb->off[c] = tb->row_size;
        tb->row_size += kind_size(cols[c].kind, cols[c].width);
    }
    tb->ftype = H5Tcreate(H5T_COMPOUND, tb->row_size);
    tb->mtype = H5Tcreate(H5T_COMPOUND, tb->row_size);
    if (tb->ftype < 0 || tb->mtype < 0)
        H5_FAIL("cannot create the type of %s", file->path, tb->name);
    for (size_t c = 0; c < ncols; c++)
        SAKSI_TRY(insert_member(tb, &cols[c], tb->off[c], err));

    tb->nrows = nrows;
    /* A chunk never larger than the table: small tables stay small. The
     * extent is unlimited so that an empty table (0 rows) can still be
     * chunked and filtered like every other. */
    tb->block_rows = nrows < file->chunk_rows ? (nrows ? nrows : 1) : file->chunk_rows;
    hsize_t dims = nrows, maxdims = H5S_UNLIMITED;
    space = H5Screate_simple(1, &dims, &maxdims);
    if (space < 0)
        H5_FAIL("cannot create the dataspace of %s", file->path, tb->name);
    dcpl = make_dcpl(file, tb->block_rows);
    if (dcpl < 0)
        H5_FAIL("cannot set the storage properties of %s", file->path, tb->name);
    tb->dset = H5Dcreate2(loc, name, tb->ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (tb->dset < 0)
        H5_FAIL("cannot create dataset %s", file->path, tb->name);
    tb->buf = saksi_calloc_array(tb->block_rows, tb->row_size);
    if (!tb->buf)
        SAKSI_ALLOC_FAIL("a report.h5 row block");
out:
    rc = saksi_h5_close(dcpl, H5Pclose, rc, file, "a dataset property list", err);
    rc = saksi_h5_close(space, H5Sclose, rc, file, "a dataspace", err);
    if (rc != SAKSI_OK)
        saksi_h5_table_release(tb);
    return rc;
}

/* Write the rows built so far at their place in the dataset. */
static saksi_status flush_block(saksi_h5_table *tb, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
    if (tb->in_buf == 0)
        return SAKSI_OK;
    hsize_t start = tb->written, count = tb->in_buf;
    fspace = H5Dget_space(tb->dset);
    if (fspace < 0 || H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, NULL, &count, NULL) < 0)
        H5_FAIL("cannot select rows %zu.. of %s", tb->file->path, tb->written, tb->name);
    mspace = H5Screate_simple(1, &count, NULL);
    if (mspace < 0)
        H5_FAIL("cannot create a memory space for %s", tb->file->path, tb->name);
    if (H5Dwrite(tb->dset, tb->mtype, mspace, fspace, H5P_DEFAULT, tb->buf) < 0)
        H5_FAIL("cannot write rows %zu..%zu of %s", tb->file->path, tb->written,
                tb->written + tb->in_buf - 1, tb->name);
    memset(tb->buf, 0, tb->in_buf * tb->row_size);
    tb->written += tb->in_buf;
    tb->in_buf = 0;
out:
    rc = saksi_h5_close(mspace, H5Sclose, rc, tb->file, "a memory dataspace", err);
    return saksi_h5_close(fspace, H5Sclose, rc, tb->file, "a file dataspace", err);
}

saksi_status saksi_h5_table_row(saksi_h5_table *tb, unsigned char **row, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (tb->in_buf == tb->block_rows)
        SAKSI_TRY(flush_block(tb, err));
    if (tb->written + tb->in_buf >= tb->nrows)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "%s: more rows than the %zu declared for %s", tb->file->path,
                   tb->nrows, tb->name);
    *row = tb->buf + tb->in_buf * tb->row_size;
    tb->in_buf++;
out:
    return rc;
}

void saksi_h5_put_i32(saksi_h5_table *tb, unsigned char *row, size_t col, int32_t v)
{
    memcpy(row + tb->off[col], &v, sizeof v);
}

void saksi_h5_put_i64(saksi_h5_table *tb, unsigned char *row, size_t col, int64_t v)
{
    memcpy(row + tb->off[col], &v, sizeof v);
}

void saksi_h5_put_f64(saksi_h5_table *tb, unsigned char *row, size_t col, double v)
{
    memcpy(row + tb->off[col], &v, sizeof v);
}

void saksi_h5_put_str(saksi_h5_table *tb, unsigned char *row, size_t col, const char *s)
{
    size_t len = s ? strlen(s) : 0;
    if (len > tb->width[col]) {
        /* Widths are measured before the table is opened, so this is a
         * bug; never truncate silently. */
        tb->overflow = 1;
        len = tb->width[col];
    }
    memcpy(row + tb->off[col], s ? s : "", len);
}

saksi_status saksi_h5_table_close(saksi_h5_table *tb, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    SAKSI_TRY(flush_block(tb, err));
    if (tb->written != tb->nrows)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "%s: %zu rows given for %s, %zu declared", tb->file->path,
                   tb->written, tb->name, tb->nrows);
    if (tb->overflow)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "%s: a string longer than its column in %s", tb->file->path,
                   tb->name);
    hid_t d = tb->dset, ft = tb->ftype, mt = tb->mtype;
    tb->dset = tb->ftype = tb->mtype = H5I_INVALID_HID;
    if (H5Dclose(d) < 0)
        H5_FAIL("cannot close dataset %s", tb->file->path, tb->name);
    rc = saksi_h5_close(ft, H5Tclose, rc, tb->file, "a file type", err);
    rc = saksi_h5_close(mt, H5Tclose, rc, tb->file, "a memory type", err);
out:
    saksi_h5_table_release(tb);
    return rc;
}

void saksi_h5_table_release(saksi_h5_table *tb)
{
    if (tb->dset >= 0)
        H5Dclose(tb->dset);
    if (tb->ftype >= 0)
        H5Tclose(tb->ftype);
    if (tb->mtype >= 0)
        H5Tclose(tb->mtype);
    tb->dset = tb->ftype = tb->mtype = H5I_INVALID_HID;
    free(tb->buf);
    tb->buf = NULL;
}

saksi_status saksi_h5_group(const saksi_h5_file *file, hid_t loc, const char *name, hid_t *out,
                            saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    *out = H5I_INVALID_HID;
    if (gcpl < 0 || H5Pset_obj_track_times(gcpl, 0) < 0)
        H5_FAIL("cannot set the properties of group %s", file->path, name);
    *out = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    if (*out < 0)
        H5_FAIL("cannot create group %s", file->path, name);
out:
    return saksi_h5_close(gcpl, H5Pclose, rc, file, "a group property list", err);
}

saksi_status saksi_h5_attr_str(const saksi_h5_file *file, hid_t obj, const char *obj_name,
                               const char *name, const char *value, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    hid_t type = H5I_INVALID_HID, space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
    const char *v = value ? value : "";
    size_t len = strlen(v);
    /* HDF5 has no zero-size string: "" is one NUL byte. */
    size_t width = len ? len : 1;
    char *buf = calloc(width, 1);
    if (!buf)
        SAKSI_ALLOC_FAIL("an attribute value");
    memcpy(buf, v, len);
    type = string_type(width);
    space = H5Screate(H5S_SCALAR);
    if (type < 0 || space < 0)
        H5_FAIL("cannot make the type of attribute %s of %s", file->path, name, obj_name);
    attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0)
        H5_FAIL("cannot create attribute %s of %s", file->path, name, obj_name);
    if (H5Awrite(attr, type, buf) < 0)
        H5_FAIL("cannot write attribute %s of %s", file->path, name, obj_name);
    hid_t a = attr;
    attr = H5I_INVALID_HID;
    if (H5Aclose(a) < 0)
        H5_FAIL("cannot close attribute %s of %s", file->path, name, obj_name);
out:
    if (attr >= 0)
        H5Aclose(attr); /* only on an error path */
    rc = saksi_h5_close(space, H5Sclose, rc, file, "an attribute dataspace", err);
    rc = saksi_h5_close(type, H5Tclose, rc, file, "an attribute type", err);
    free(buf);
    return rc;
}
