/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * opencl_fingerprint.h — the fingerprint family's runs on an OpenCL device
 * (host/opencl_fingerprint.c): the binning of every station and the fraud
 * model's backend (draws and grid histograms kept on the device between
 * calls). Their plain-C twins are in analysis/fingerprint_bin.c and
 * analysis/fingerprint_sim.c and give the same integers.
 */
#ifndef SAKSI_OPENCL_FINGERPRINT_H
#define SAKSI_OPENCL_FINGERPRINT_H

#include "fingerprint.h"
#include "saksi_opencl.h"

/* Fixed work-group sizes of the three kernels (DESIGN §7), lowered only
 * where the device allows less. The simulation and the grid do far more
 * work per item than the binning, so smaller groups balance better. */
#define SAKSI_CL_FP_BIN_LOCAL      256
#define SAKSI_CL_FP_SIMULATE_LOCAL 64
#define SAKSI_CL_FP_GRID_LOCAL     64

/* Bin stations [0, t->n) in batches of batch_rows (0: the default batch)
 * with the given work-group size (0: the kernel's fixed one): code[i],
 * and hist / reasons accumulated exactly as saksi_fp_bin_cpu() does (the
 * caller zeroes them; nprov * SAKSI_NSTRATA histograms). */
saksi_status saksi_cl_fp_bin(saksi_cl *cl, const saksi_table *t, const int32_t *const cols[4],
                             int nb_turnout, int nb_share, size_t batch_rows, size_t local_size,
                             int32_t *code, uint32_t *hist, uint32_t *reasons, saksi_error *err);

/* A fraud-model backend on the device (local_size 0: the kernels' fixed
 * sizes); free it with saksi_cl_fp_backend_free before closing cl. */
saksi_status saksi_cl_fp_backend(saksi_cl *cl, size_t local_size, saksi_fp_backend *be,
                                 saksi_error *err);
void saksi_cl_fp_backend_free(saksi_fp_backend *be);

#endif /* SAKSI_OPENCL_FINGERPRINT_H */
