/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * saksi_opencl.h — internal interface of the OpenCL runtime (opencl.c, the
 * only file that includes CL/cl.h). One context, one in-order queue and
 * one program per engine; kernels created once; buffers sized for the
 * largest batch and reused.
 */
#ifndef SAKSI_OPENCL_H
#define SAKSI_OPENCL_H

#include "analysis.h"

typedef struct saksi_cl saksi_cl;

typedef struct saksi_cl_options {
    int platform_index, device_index; /* -1, -1: the first GPU or accelerator,
                                         else (allow_cpu) the first device */
    int allow_cpu;          /* accept a CPU device (PoCL) when none is given */
    const char *kernel_dir; /* read the .cl files from here; NULL: embedded */
    const char *cache_dir;  /* program binary cache; NULL: default; "": off */
} saksi_cl_options;

/* Open a device and build the program (from the cache when it holds a
 * binary for this device, driver, options and source). The build log is
 * part of the error message on failure. */
saksi_status saksi_cl_open(const saksi_cl_options *opt, saksi_cl **out, saksi_error *err);
void saksi_cl_close(saksi_cl *cl);

const char *saksi_cl_device_name(const saksi_cl *cl);
int saksi_cl_device_is_cpu(const saksi_cl *cl);
/* 1 when the program came from the binary cache. */
int saksi_cl_from_cache(const saksi_cl *cl);

/* Run integrity_check over stations [0, t->n) in batches of batch_rows
 * with the given work-group size (0: the kernel's fixed default); fills
 * eval/fail/neg exactly as saksi_integrity_cpu(). */
saksi_status saksi_cl_integrity(saksi_cl *cl, const int32_t *prog, size_t prog_len,
                                const saksi_table *t, const uint32_t *enabled, size_t batch_rows,
                                size_t local_size, uint32_t *eval, uint32_t *fail, uint32_t *neg,
                                saksi_error *err);

/* Philox4x32-10 on the device for n (counter, key) pairs: ctr is 4n words,
 * key 2n words, out 4n words (for the known-answer tests). */
saksi_status saksi_cl_philox(saksi_cl *cl, const uint32_t *ctr, const uint32_t *key, size_t n,
                             uint32_t *out, saksi_error *err);

#endif /* SAKSI_OPENCL_H */
