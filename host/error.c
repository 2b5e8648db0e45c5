/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * error.c — status strings, failure recording, the stop flag, and the few
 * allocation and formatting helpers every module uses.
 */
#define _DEFAULT_SOURCE /* madvise(MADV_HUGEPAGE), posix_memalign */
#include "saksi_internal.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static const char *const status_text[SAKSI_NSTATUS] = {
    [SAKSI_OK] = "success",
    [SAKSI_ERR_NOMEM] = "out of memory",
    [SAKSI_ERR_NOINPUT] = "input missing or unreadable",
    [SAKSI_ERR_IO] = "input/output error",
    [SAKSI_ERR_CANTCREAT] = "cannot create output",
    [SAKSI_ERR_DATA] = "malformed input",
    [SAKSI_ERR_STRICT] = "records quarantined under --strict",
    [SAKSI_ERR_USAGE] = "invalid option or configuration",
    [SAKSI_ERR_NODEVICE] = "no OpenCL device",
    [SAKSI_ERR_OPENCL] = "OpenCL failure",
    [SAKSI_ERR_SELFTEST] = "device self-test disagreed with the CPU reference",
    [SAKSI_ERR_HDF5] = "HDF5 failure",
    [SAKSI_ERR_LIMIT] = "input beyond a limit",
    [SAKSI_ERR_INTERRUPTED] = "interrupted",
    [SAKSI_ERR_INTERNAL] = "internal error",
};

const char *saksi_strerror(saksi_status status)
{
    if ((unsigned)status >= SAKSI_NSTATUS)
        return "unknown status";
    return status_text[status];
}

saksi_status saksi_error_set(saksi_error *err, saksi_status status, const char *src_file,
                             int src_line, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->status = status;
        err->src_file = src_file;
        err->src_line = src_line;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

/* sig_atomic_t so that a signal handler may set it (C11 7.14.1.1). */
static volatile sig_atomic_t stop_flag;

void saksi_request_stop(void)
{
    stop_flag = 1;
}

void saksi_clear_stop(void)
{
    stop_flag = 0;
}

int saksi_stop_requested(void)
{
    return stop_flag != 0;
}

double saksi_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void *saksi_malloc_array(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return malloc(n && size ? n * size : 1);
}

void *saksi_calloc_array(size_t n, size_t size)
{
    return calloc(n ? n : 1, size ? size : 1);
}

void *saksi_realloc_array(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return realloc(p, n && size ? n * size : 1);
}

/* Large blocks are aligned to 2 MiB and the kernel is advised to back them
 * with transparent huge pages: the columns of a national table span tens of
 * thousands of 4 KiB pages, and first-touch page faults cost more than
 * parsing them (measured on the ingest: 100k faults, 40% of its time). */
#define HUGE_PAGE ((size_t)2 << 20)

void *saksi_alloc_large(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n && size ? n * size : 1;
    if (bytes < HUGE_PAGE)
        return malloc(bytes);
    void *p = NULL;
    if (posix_memalign(&p, HUGE_PAGE, bytes) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, bytes & ~(HUGE_PAGE - 1), MADV_HUGEPAGE); /* a hint only */
#endif
    return p;
}

char *saksi_strdup(const char *s)
{
    size_t len = strlen(s) + 1;
    char *d = malloc(len);
    if (d)
        memcpy(d, s, len);
    return d;
}

uint64_t saksi_hash_bytes(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = SAKSI_FNV_OFFSET;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= SAKSI_FNV_PRIME;
    }
    return h;
}

void saksi_format_double(char *buf, size_t len, double v, int precision)
{
    /* snprintf follows LC_NUMERIC; the CLI never calls setlocale, but a
     * host program might. Replace a decimal comma so that reports always
     * carry a point (DESIGN §6, issue 5: numbers never with a comma). */
    snprintf(buf, len, "%.*g", precision, v);
    for (char *c = buf; *c; c++)
        if (*c == ',')
            *c = '.';
}
