/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fingerprint.cl — the fingerprint family on the device: turnout x winner-
 * share histograms of the stations (Klimek, Yegorov, Hanel & Thurner 2012),
 * the draws of the fraud model, and the model's histograms at many grid
 * points of (f_i, f_e). Integer arithmetic only; the plain-C twins are in
 * analysis/fingerprint_bin.c and analysis/fingerprint_sim.c, and both call
 * the functions of fingerprint_shared.h. Histograms are sums of integer
 * atomic adds, which commute: the same counts on any work-group size.
 */
#pragma OPENCL FP_CONTRACT OFF

#ifndef SAKSI_SHARED_H
#include "saksi_shared.h"
#endif
#ifndef SAKSI_FINGERPRINT_SHARED_H
#include "fingerprint_shared.h"
#endif

/* One work-item bins one station of the batch: it reads the station's
 * registered, turnout, leader and valid counts (cols[k * stride + gid] for
 * k = 0..3), its histogram (hist_of[gid], -1 for none), writes its code
 * (bin or negative reason) and adds 1 to hist[hist_of * nbins + bin], or to
 * reasons[hist_of * SAKSI_FP_NREASONS + reason] when it has no bin. */
__kernel void fingerprint_bin(__global const int *cols, ulong stride, ulong n,
                              __global const int *hist_of, int nb_turnout, int nb_share,
                              __global int *code, __global uint *hist, __global uint *reasons)
{
    ulong gid = get_global_id(0);
    if (gid >= n) return;
    int c = saksi_fp_station_code(cols[gid], cols[stride + gid], cols[2 * stride + gid],
                                  cols[3 * stride + gid], nb_turnout, nb_share);
    code[gid] = c;
    int h = hist_of[gid];
    if (h < 0) return;
    if (c >= 0)
        atomic_inc(&hist[(ulong)h * (ulong)(nb_turnout * nb_share) + (ulong)c]);
    else
        atomic_inc(&reasons[(ulong)h * SAKSI_FP_NREASONS + (ulong)(-c - 1)]);
}

/* One work-item simulates one station: reps[gid] draws with replicates
 * rep_base + 0.. from the parameter set tables[set[gid] * SAKSI_FP_SET_WORDS
 * ..], written as three words each (u, b_clean | b_incr << 16, b_extreme)
 * from draws[3 * first[gid]]. */
__kernel void fingerprint_simulate(__global const uint *tables, __global const uint *set,
                                   __global const int *registered, __global const ulong *hash,
                                   __global const uint *reps, __global const ulong *first, ulong n,
                                   uint rep_base, uint key0, uint key1, int alpha, int nb_turnout,
                                   int nb_share, __global uint *draws)
{
    ulong gid = get_global_id(0);
    if (gid >= n) return;
    __global const uint *tab = tables + (ulong)set[gid] * SAKSI_FP_SET_WORDS;
    ulong out = 3 * first[gid];
    for (uint r = 0; r < reps[gid]; r++, out += 3) {
        saksi_fp_draw d = saksi_fp_simulate_draw(tab, registered[gid], hash[gid], rep_base + r,
                                                 key0, key1, alpha, nb_turnout, nb_share);
        draws[out] = d.u;
        draws[out + 1] = d.b_clean | (d.b_incr << 16);
        draws[out + 2] = d.b_extreme;
    }
}

/* One work-item takes one station's draws (reps[gid] of them from
 * draws[3 * first[gid]]) to every grid point of its fit: for point p in
 * [point_first[fit[gid]], + point_count[fit[gid]]), classified by the
 * thresholds thr[2p], thr[2p + 1], it adds weight[gid] to
 * hist[(p - point_base) * nbins + bin]. Draws without a bin add nothing. */
__kernel void fingerprint_grid(__global const uint *draws, __global const uint *reps,
                               __global const ulong *first, __global const uint *fit,
                               __global const uint *weight, __global const uint *point_first,
                               __global const uint *point_count, __global const ulong *thr, ulong n,
                               uint point_base, uint nbins, __global uint *hist)
{
    ulong gid = get_global_id(0);
    if (gid >= n) return;
    uint w = weight[gid];
    if (w == 0) return;
    uint p0 = point_first[fit[gid]], np = point_count[fit[gid]];
    for (uint r = 0; r < reps[gid]; r++) {
        ulong d = 3 * (first[gid] + r);
        uint u = draws[d], b01 = draws[d + 1], b2 = draws[d + 2];
        for (uint p = p0; p < p0 + np; p++) {
            uint b = saksi_fp_classify(u, thr[2 * p], thr[2 * p + 1], b01 & 0xFFFFu, b01 >> 16, b2);
            if (b != SAKSI_FP_NO_BIN) atomic_add(&hist[(ulong)(p - point_base) * nbins + b], w);
        }
    }
}
