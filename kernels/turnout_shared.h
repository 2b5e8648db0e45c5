/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * turnout_shared.h — the integer arithmetic of the turnout and vote-share
 * family, written once for host C11 and OpenCL C 1.2: whether a rate x / n
 * is an integer percentage within a tolerance (Kobak, Shpilkin &
 * Pshenichnikov 2016), by cross-multiplication only. turnout.cl and its
 * plain-C twin saksi_kobak_membership_cpu() both call these functions.
 */
#ifndef SAKSI_TURNOUT_SHARED_H
#define SAKSI_TURNOUT_SHARED_H

#ifndef SAKSI_SHARED_H
#include "saksi_shared.h"
#endif

/* Codes of one rate of one station in the membership output: 0..100 is
 * the integer percentage the rate sits at; the others say why it is not. */
#define SAKSI_IPCT_NOT_INTEGER 101 /* usable, between two integer percents      */
#define SAKSI_IPCT_MISSING     102 /* a cell missing or absent                  */
#define SAKSI_IPCT_SIZE        103 /* denominator below 1                       */
#define SAKSI_IPCT_RANGE       104 /* negative, or count above its denominator  */

/* Tolerances are tol_num / tol_den percentage points; tol_den is fixed so
 * that a tolerance is an exact integer (resolution 0.0001 point). */
#define SAKSI_IPCT_TOL_DEN 10000

/*
 * The code of rate x / n: with 100 x = q n + r (0 <= r < n) the nearest
 * integer percentage is q at distance r / n points, or q + 1 at distance
 * (n - r) / n (a tie goes to q). The rate is at that percentage when
 * distance * tol_den <= tol_num * n, all in 64-bit integers: 100 x <=
 * 100 (2^31 - 1) and tol_num n < 2^31 2^31 fit. tol_num = 0 asks for an
 * exact integer percentage, reachable only when n divides 100 x.
 */
SAKSI_INLINE saksi_i32 saksi_ipct_code(saksi_i32 x, saksi_i32 n, saksi_i32 tol_num,
                                       saksi_i32 tol_den)
{
    if (x == SAKSI_MISSING || n == SAKSI_MISSING) return SAKSI_IPCT_MISSING;
    if (n < 1) return SAKSI_IPCT_SIZE;
    if (x < 0 || x > n) return SAKSI_IPCT_RANGE;
    saksi_i64 h = (saksi_i64)100 * x, nn = n;
    saksi_i64 q = h / nn, r = h - q * nn;
    saksi_i64 k = q, d = r;
    if (2 * r > nn) {
        k = q + 1;
        d = nn - r;
    }
    return d * (saksi_i64)tol_den <= (saksi_i64)tol_num * nn ? (saksi_i32)k
                                                             : SAKSI_IPCT_NOT_INTEGER;
}

/* Both rates of one station packed into one word: the turnout code in bits
 * 0..7, the leader's share code in bits 8..15. */
SAKSI_INLINE saksi_u32 saksi_ipct_pack(saksi_i32 turnout_code, saksi_i32 share_code)
{
    return (saksi_u32)turnout_code | ((saksi_u32)share_code << 8);
}

#endif /* SAKSI_TURNOUT_SHARED_H */
