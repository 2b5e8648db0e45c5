/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * turnout.cl — the data-parallel part of the turnout and vote-share family:
 * per station, whether turnout and the national leader's share sit at an
 * integer percentage (Kobak, Shpilkin & Pshenichnikov 2016), by integer
 * cross-multiplication only. The plain-C twin is
 * saksi_kobak_membership_cpu() in analysis/kobak.c; both call
 * saksi_ipct_code() from turnout_shared.h.
 */
#pragma OPENCL FP_CONTRACT OFF

#ifndef SAKSI_SHARED_H
#include "saksi_shared.h"
#endif
#ifndef SAKSI_TURNOUT_SHARED_H
#include "turnout_shared.h"
#endif

/* One work-item classifies one station of the batch. cols holds four
 * columns of the batch, each `stride` rows: turnout numerator, turnout
 * denominator, leader's votes, share denominator; bit c of `present` is 0
 * when column c is absent from the input (every cell then counts as
 * missing). It writes the station's packed codes to out[gid]. */
__kernel void turnout_integer_percent(__global const int *cols, ulong stride, ulong n, uint present,
                                      int tol_num, int tol_den, __global uint *out)
{
    ulong gid = get_global_id(0);
    if (gid >= n) return;
    int v[4];
    for (int c = 0; c < 4; c++)
        v[c] = ((present >> c) & 1u) ? cols[(ulong)c * stride + gid] : SAKSI_MISSING;
    out[gid] = saksi_ipct_pack(saksi_ipct_code(v[0], v[1], tol_num, tol_den),
                               saksi_ipct_code(v[2], v[3], tol_num, tol_den));
}
