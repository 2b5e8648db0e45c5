/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * digits.cl — the digit family's histogram: per (district segment,
 * candidate) counts of the last digit, the second digit of 2- and 3-digit
 * counts and the first digit, integer-exact. The plain-C twin is
 * saksi_digits_hist_cpu() in analysis/digits_hist.c; both bin with
 * saksi_digit_bins() from digits_shared.h.
 */
#pragma OPENCL FP_CONTRACT OFF

#ifndef SAKSI_SHARED_H
#include "saksi_shared.h"
#endif
#ifndef SAKSI_DIGITS_SHARED_H
#include "digits_shared.h"
#endif

/* One work-group counts one segment: a run of at most a few hundred rows
 * of the batch that all lie in one district (the host cuts the batch at
 * district boundaries). Its work-items stride over the segment's rows; for
 * each row and candidate whose mask byte is set they read the count
 * (cols[c * stride + row]) and increment its bins in a local histogram of
 * ncand * SAKSI_DIGIT_HIST counters. Then each work-item adds its share of
 * the non-zero local bins to the district's global histogram with one
 * atomic add per bin (the Khronos OpenCL-SDK histogram pattern). Integer
 * additions commute, so the totals do not depend on the work-group size,
 * the batch size or the order in which groups run. */
__kernel void digits_histogram(__global const int *cols, ulong stride, int ncand,
                               __global const uchar *mask, ulong nseg,
                               __global const uint *seg_first, __global const uint *seg_count,
                               __global const uint *seg_region, __global uint *hist,
                               __local uint *local_hist)
{
    const ulong g = get_group_id(0);
    const uint lid = (uint)get_local_id(0), lsize = (uint)get_local_size(0);
    const uint nbins = (uint)ncand * SAKSI_DIGIT_HIST;
    for (uint b = lid; b < nbins; b += lsize)
        local_hist[b] = 0;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (g < nseg) {
        const ulong first = seg_first[g];
        const uint count = seg_count[g];
        for (uint r = lid; r < count; r += lsize) {
            const ulong row = first + r;
            for (int c = 0; c < ncand; c++) {
                if (!mask[(ulong)c * stride + row]) continue;
                saksi_i32 bin[SAKSI_DT_COUNT];
                saksi_digit_bins(cols[(ulong)c * stride + row], bin);
                for (int t = 0; t < SAKSI_DT_COUNT; t++)
                    if (bin[t] >= 0)
                        atomic_inc(&local_hist[(uint)c * SAKSI_DIGIT_HIST + (uint)bin[t]]);
            }
        }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (g < nseg) {
        __global uint *dst = hist + (ulong)seg_region[g] * nbins;
        for (uint b = lid; b < nbins; b += lsize)
            if (local_hist[b]) atomic_add(&dst[b], local_hist[b]);
    }
}
