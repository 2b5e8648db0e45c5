/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * saksi_opencl.h — internal interface of the OpenCL runtime (host/opencl*.c,
 * the only files that include CL/cl.h). One context, one in-order queue and
 * one program per engine; kernels created once; buffers sized for the
 * largest batch and reused. A saksi_cl is used by one thread at a time.
 */
#ifndef SAKSI_OPENCL_H
#define SAKSI_OPENCL_H

#include "analysis.h"

typedef struct saksi_cl saksi_cl;

/* Stations per integrity batch when the caller passes 0; a batch is also
 * cut to fit the device's largest allocation. 65,536 stations (6.5 MB of
 * columns at 25 slots) stay in the CPU cache between upload and kernel:
 * on PoCL 3.1 (2-core EPYC) 823k stations took 70-110 ms in 64k batches
 * against 280-330 ms in one 1M batch; a GPU pays ~13 extra launches. */
#define SAKSI_CL_DEFAULT_BATCH ((size_t)1 << 16)
/* Fixed work-group sizes (DESIGN §7: one fixed local size per kernel),
 * lowered only when the device's limit for the kernel is smaller. */
#define SAKSI_CL_INTEGRITY_LOCAL 256
#define SAKSI_CL_PHILOX_LOCAL 64
/* digits_histogram: one work-group per single-district segment of at most
 * SAKSI_CL_DIGITS_SEGMENT_ITEMS rows per work-item. A district holds ~110
 * stations on average (Indonesia 2024), so 64 work-items with up to 4 rows
 * each count most districts in one group. */
#define SAKSI_CL_DIGITS_LOCAL 64
#define SAKSI_CL_DIGITS_SEGMENT_ITEMS 4

typedef struct saksi_cl_options {
    int platform_index, device_index; /* -1, -1: the first GPU or accelerator,
                                         else (allow_cpu) the first device */
    int allow_cpu;          /* accept a CPU device (PoCL) when none is given */
    const char *kernel_dir; /* read saksi_shared.h and the .cl files from here;
                               NULL: the copies embedded at build time */
    const char *cache_dir;  /* program binary cache; NULL: $XDG_CACHE_HOME/saksi,
                               else $HOME/.cache/saksi; "": off */
} saksi_cl_options;

/* -1, -1, no CPU, embedded kernels, default cache. */
void saksi_cl_options_init(saksi_cl_options *o);

/* Open a device and build the program (from the cache when it holds a
 * binary for this device, driver, options and source). Returns SAKSI_OK
 * and *out, SAKSI_ERR_NODEVICE when no platform or no device matches,
 * SAKSI_ERR_USAGE for a device index without a platform index,
 * SAKSI_ERR_NOINPUT when a kernel_dir file is missing, or
 * SAKSI_ERR_OPENCL naming the failed call and its error code; the build
 * log is part of the message when the build fails. A cache that cannot be
 * read or written only costs a source build (see saksi_cl_cache_note). */
saksi_status saksi_cl_open(const saksi_cl_options *opt, saksi_cl **out, saksi_error *err);
void saksi_cl_close(saksi_cl *cl);

const char *saksi_cl_device_name(const saksi_cl *cl);
int saksi_cl_device_is_cpu(const saksi_cl *cl);
/* 1 when the program came from the binary cache. */
int saksi_cl_from_cache(const saksi_cl *cl);
/* One line on what the cache did: "program loaded from cache PATH",
 * "program built from source; cached as PATH", "...; not cached in DIR:
 * REASON", "program cache off", or a rejected binary's reason first. */
const char *saksi_cl_cache_note(const saksi_cl *cl);

/* Run integrity_check over stations [0, t->n) in batches of batch_rows
 * (0: SAKSI_CL_DEFAULT_BATCH) with the given work-group size (0: the
 * kernel's fixed default; above the device's limit: SAKSI_ERR_USAGE);
 * fills eval/fail/neg (t->n entries each) exactly as saksi_integrity_cpu().
 * enabled holds t->n rule-enable masks. Checks saksi_stop_requested()
 * before each batch: SAKSI_ERR_INTERRUPTED. */
saksi_status saksi_cl_integrity(saksi_cl *cl, const int32_t *prog, size_t prog_len,
                                const saksi_table *t, const uint32_t *enabled, size_t batch_rows,
                                size_t local_size, uint32_t *eval, uint32_t *fail, uint32_t *neg,
                                saksi_error *err);

/* Philox4x32-10 on the device for n (counter, key) pairs: ctr is 4n words,
 * key 2n words, out 4n words (for the known-answer tests). */
saksi_status saksi_cl_philox(saksi_cl *cl, const uint32_t *ctr, const uint32_t *key, size_t n,
                             uint32_t *out, saksi_error *err);

/* Digit histograms (kernels/digits.cl) of stations [begin, end) added into
 * hist exactly as saksi_digits_hist_cpu() (analysis/digits.h) does: mask
 * has ncand * t->n bytes, hist t->regions[district].n * ncand *
 * SAKSI_DIGIT_HIST counters. batch_rows and local_size as for
 * saksi_cl_integrity. SAKSI_ERR_LIMIT when the candidates' local histogram
 * or the district histograms exceed the device's limits. */
saksi_status saksi_cl_digits_histogram(saksi_cl *cl, const saksi_table *t, size_t begin,
                                       size_t end, const uint8_t *mask, size_t batch_rows,
                                       size_t local_size, uint32_t *hist, saksi_error *err);

/* Integer-percent membership (turnout.cl) over stations [0, t->n): fields
 * holds the saksi_field of the turnout numerator and denominator, the
 * leader's votes and the share denominator (-1: absent); tolerance
 * tol_num / tol_den points; batches and work-group size as for
 * saksi_cl_integrity. Fills code[t->n] exactly as
 * saksi_kobak_membership_cpu() (host/opencl_turnout.c). */
#define SAKSI_CL_TURNOUT_LOCAL 256
saksi_status saksi_cl_turnout(saksi_cl *cl, const saksi_table *t, const int fields[4],
                              int32_t tol_num, int32_t tol_den, size_t batch_rows,
                              size_t local_size, uint32_t *code, saksi_error *err);

#endif /* SAKSI_OPENCL_H */
