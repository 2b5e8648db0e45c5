/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * digits_hist.c — the plain-C twin of kernels/digits.cl: the digit
 * histograms per (district, candidate), which is also the fast path on a
 * CPU (DESIGN §7). Same bins, from the same saksi_digit_bins().
 */
#include "digits.h"

void saksi_digits_hist_cpu(const saksi_table *t, size_t begin, size_t end, const uint8_t *mask,
                           uint32_t *hist)
{
    const size_t ncand = t->ncand;
    const uint32_t *district = t->region_of[SAKSI_LEVEL_DISTRICT];
    for (size_t c = 0; c < ncand; c++) {
        const int32_t *col = t->cols + (size_t)(t->first_cand_slot + (int)c) * t->stride;
        const uint8_t *m = mask + c * t->n;
        for (size_t i = begin; i < end; i++) {
            if (!m[i]) continue;
            saksi_i32 bin[SAKSI_DT_COUNT];
            uint32_t *h = hist + ((size_t)district[i] * ncand + c) * SAKSI_DIGIT_HIST;
            saksi_digit_bins(col[i], bin);
            for (int k = 0; k < SAKSI_DT_COUNT; k++)
                if (bin[k] >= 0) h[bin[k]]++;
        }
    }
}
