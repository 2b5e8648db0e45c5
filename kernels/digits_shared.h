/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * digits_shared.h — the bins of the digit family (DESIGN §4 "Digit tests"),
 * written once for host C11 and OpenCL C 1.2: which digit of a count falls
 * into which bin of a (region, candidate) histogram, in integer arithmetic
 * only. kernels/digits.cl and its plain-C twin saksi_digits_hist_cpu() both
 * call saksi_digit_bins(), so their integers agree on every device.
 */
#ifndef SAKSI_DIGITS_SHARED_H
#define SAKSI_DIGITS_SHARED_H

#ifndef SAKSI_SHARED_H
#include "saksi_shared.h"
#endif

/* The digit tests of one count. Each has ten bins (digit 0..9); the
 * histogram of one (region, candidate) is SAKSI_DT_COUNT * 10 counters,
 * test-major. The share ending in 0 or 5 is bins 0 and 5 of SAKSI_DT_LAST. */
enum saksi_digit_test {
    SAKSI_DT_LAST,      /* last digit of counts >= SAKSI_DIGIT_LAST_MIN         */
    SAKSI_DT_SECOND_2D, /* second digit of counts 10..99 (their last digit)     */
    SAKSI_DT_SECOND_3D, /* second digit of counts 100..999 (their tens digit)   */
    SAKSI_DT_FIRST,     /* first digit of counts >= 1 (bin 0 stays empty)       */
    SAKSI_DT_COUNT
};

#define SAKSI_DIGIT_BINS 10
#define SAKSI_DIGIT_HIST (SAKSI_DT_COUNT * SAKSI_DIGIT_BINS)

/* Counts below 10 are left out of the last-digit and 0/5 tests: a single
 * digit is the candidate's share at a tiny station, not a digit habit, and
 * zeros (the strongholds of others) are where any model of the share is
 * least exact (Beber & Scacco 2012 use counts of two digits and more). */
#define SAKSI_DIGIT_LAST_MIN 10

/* bin[t] = t * 10 + digit for every test t whose range holds x, else -1.
 * Negative counts (and SAKSI_MISSING) fall in no range. */
SAKSI_INLINE void saksi_digit_bins(saksi_i32 x, saksi_i32 *bin)
{
    for (int t = 0; t < SAKSI_DT_COUNT; t++)
        bin[t] = -1;
    if (x < 1) return;
    if (x >= SAKSI_DIGIT_LAST_MIN) bin[SAKSI_DT_LAST] = SAKSI_DT_LAST * SAKSI_DIGIT_BINS + x % 10;
    if (x >= 10 && x <= 99)
        bin[SAKSI_DT_SECOND_2D] = SAKSI_DT_SECOND_2D * SAKSI_DIGIT_BINS + x % 10;
    if (x >= 100 && x <= 999)
        bin[SAKSI_DT_SECOND_3D] = SAKSI_DT_SECOND_3D * SAKSI_DIGIT_BINS + (x / 10) % 10;
    saksi_i32 lead = x;
    while (lead >= 10)
        lead /= 10;
    bin[SAKSI_DT_FIRST] = SAKSI_DT_FIRST * SAKSI_DIGIT_BINS + lead;
}

#endif /* SAKSI_DIGITS_SHARED_H */
