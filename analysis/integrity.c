/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * integrity.c — the plain-C twin of kernels/integrity.cl and the CPU path of
 * the integrity family. Both call saksi_integrity_station() from
 * saksi_shared.h, so the masks are the same integers by construction; the
 * equivalence tests check that the device agrees.
 */
#include "analysis.h"

void saksi_integrity_cpu(const int32_t *prog, const saksi_table *t, const uint32_t *enabled,
                         size_t begin, size_t end, uint32_t *eval, uint32_t *fail, uint32_t *neg)
{
    for (size_t i = begin; i < end; i++)
        saksi_integrity_station(prog, t->field_of_slot, (saksi_i32)t->nslots, t->cols, t->stride,
                                i, enabled[i], &eval[i], &fail[i], &neg[i]);
}
