/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * saksi_internal.h — declarations shared by the modules of libsaksi but not
 * part of its public API: the error-recording macros and small helpers.
 * Includes neither OpenCL nor HDF5.
 */
#ifndef SAKSI_INTERNAL_H
#define SAKSI_INTERNAL_H

#include "saksi.h"

#include <stdarg.h>

/* Record a failure in *err (if err is not NULL) and return status. The
 * message is printf-formatted; src_file/src_line name where in saksi it
 * was detected. */
saksi_status saksi_error_set(saksi_error *err, saksi_status status, const char *src_file,
                             int src_line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Inside a function with `saksi_status rc` and `saksi_error *err` in scope
 * and one `out:` cleanup label: record and jump to the cleanup. */
#define SAKSI_FAIL(code, ...)                                                                      \
    do {                                                                                           \
        rc = saksi_error_set(err, (code), __FILE__, __LINE__, __VA_ARGS__);                        \
        goto out;                                                                                  \
    } while (0)

/* Run a call that returns saksi_status; on failure jump to the cleanup
 * (the callee has already recorded the message). */
#define SAKSI_TRY(call)                                                                            \
    do {                                                                                           \
        rc = (call);                                                                               \
        if (rc != SAKSI_OK)                                                                        \
            goto out;                                                                              \
    } while (0)

#define SAKSI_ALLOC_FAIL(what) SAKSI_FAIL(SAKSI_ERR_NOMEM, "out of memory allocating %s", (what))

/* 1 when saksi_request_stop() has been called. */
int saksi_stop_requested(void);

/* Monotonic wall clock in seconds. */
double saksi_now(void);

/* malloc of n * size with overflow check; NULL on overflow or failure. */
void *saksi_calloc_array(size_t n, size_t size);
void *saksi_malloc_array(size_t n, size_t size);
void *saksi_realloc_array(void *p, size_t n, size_t size);

/* n * size bytes for a large array (huge-page aligned and advised when
 * over 2 MiB); uninitialised; NULL on overflow or failure; free() it. */
void *saksi_alloc_large(size_t n, size_t size);

/* strdup that returns NULL on failure. */
char *saksi_strdup(const char *s);
/* mkdir -p dir (host/atomic_file.c): SAKSI_ERR_CANTCREAT naming the part
 * that cannot be made, or when dir exists and is not a directory. */
saksi_status saksi_make_dirs(const char *dir, saksi_error *err);
/* --strata (host/strata.c): set the stratum of every station the CSV
 * station_id,stratum at path names; counts the entries and those found. */
saksi_status saksi_strata_apply(const char *path, saksi_table *t, size_t *listed,
                                size_t *applied, saksi_error *err);

/* FNV-1a 64 of a byte string (the station-id hash, see saksi_shared.h). */
uint64_t saksi_hash_bytes(const void *data, size_t len);

/* The parameters that decide the report's numbers, "key=value;...", for
 * provenance. Backend, device, batch and work-group sizes are left out:
 * they change no result. */
void saksi_config_parameters(const saksi_config *c, char *buf, size_t len);

/* Format a double with a '.' decimal point whatever the C locale. */
void saksi_format_double(char *buf, size_t len, double v, int precision);

#endif /* SAKSI_INTERNAL_H */
