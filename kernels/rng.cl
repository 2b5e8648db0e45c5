/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rng.cl — Philox4x32-10 on the device, used by the known-answer tests that
 * check the device against Random123's published vectors and the host.
 */
#pragma OPENCL FP_CONTRACT OFF

#ifndef SAKSI_SHARED_H
#include "saksi_shared.h"
#endif

/* One work-item computes one block: it reads ctr[4*gid..], key[2*gid..]
 * and writes the four output words to out[4*gid..]. */
__kernel void rng_philox(__global const uint *ctr, __global const uint *key, ulong n,
                         __global uint *out)
{
    ulong gid = get_global_id(0);
    if (gid >= n)
        return;
    saksi_philox_ctr c;
    for (int j = 0; j < 4; j++)
        c.v[j] = ctr[4 * gid + j];
    c = saksi_philox4x32_10(c, key[2 * gid], key[2 * gid + 1]);
    for (int j = 0; j < 4; j++)
        out[4 * gid + j] = c.v[j];
}
