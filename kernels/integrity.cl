/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * integrity.cl — the integrity family: every arithmetic identity of the
 * rules file at every station, in exact 64-bit integer arithmetic. The
 * plain-C twin is saksi_integrity_cpu() in analysis/integrity.c; both call
 * saksi_integrity_station() from saksi_shared.h.
 */
#pragma OPENCL FP_CONTRACT OFF

#ifndef SAKSI_SHARED_H
#include "saksi_shared.h"
#endif

/* One work-item checks one station of the batch: it reads that station's
 * cells of every slot (cols[s * stride + gid], stride = batch rows) and its
 * rule-enable mask, and writes its evaluated, failed and negative masks. */
__kernel void integrity_check(__constant const int *prog, __constant const int *field_of_slot,
                              int nslots, __global const int *cols, ulong stride, ulong n,
                              __global const uint *enabled, __global uint *eval_mask,
                              __global uint *fail_mask, __global uint *neg_mask)
{
    ulong gid = get_global_id(0);
    if (gid >= n)
        return;
    uint ev, fl, ng;
    saksi_integrity_station(prog, field_of_slot, nslots, cols, stride, gid, enabled[gid], &ev, &fl,
                            &ng);
    eval_mask[gid] = ev;
    fail_mask[gid] = fl;
    neg_mask[gid] = ng;
}
