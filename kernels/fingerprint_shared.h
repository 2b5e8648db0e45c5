/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fingerprint_shared.h — the integer arithmetic of the fingerprint family,
 * compiled both as host C11 (analysis/fingerprint_*.c, the plain-C twins)
 * and as OpenCL C (kernels/fingerprint.cl): a station's turnout x winner-
 * share bin by 64-bit integer division, and one draw of Klimek et al.'s
 * fraud model with integer-only samplers fed by Philox4x32-10 words.
 */
#ifndef SAKSI_FINGERPRINT_SHARED_H
#define SAKSI_FINGERPRINT_SHARED_H

#ifndef SAKSI_SHARED_H
#include "saksi_shared.h"
#endif

/* ---------------------------------------------------------------------
 * Binning. A station's code is its bin t * nbins_share + s (>= 0), or one
 * of the negative reasons below. Bin k of a rate x / n holds
 * [k / nb, (k + 1) / nb); the last bin is closed, [(nb - 1) / nb, 1], so
 * that 100% turnout or share is counted, not clipped or dropped.
 * ------------------------------------------------------------------- */
enum saksi_fp_code {
    SAKSI_FP_MISSING = -1,       /* a needed cell is missing (or its column absent) */
    SAKSI_FP_NEGATIVE = -2,      /* a needed cell is negative                       */
    SAKSI_FP_NO_REGISTERED = -3, /* registered is 0: no turnout                     */
    SAKSI_FP_TURNOUT_ABOVE = -4, /* turnout count above registered (> 100%)         */
    SAKSI_FP_NO_VALID = -5,      /* no valid votes: no winner share                 */
    SAKSI_FP_SHARE_ABOVE = -6    /* the leader's votes above the valid votes        */
};
#define SAKSI_FP_NREASONS 6

/* Largest bins per axis: a bin index must fit 16 bits in the simulated
 * draws (255 * 255 < 0xFFFF, which marks "no bin"). */
#define SAKSI_FP_MAX_BINS 255
#define SAKSI_FP_NO_BIN   0xFFFFu

/* floor(nb * x / n) for 0 <= x <= n, n >= 1, the value n put in the last
 * bin. 64-bit: x * nb cannot overflow for int32 counts. */
SAKSI_INLINE saksi_i32 saksi_fp_axis_bin(saksi_i64 x, saksi_i64 n, saksi_i32 nb)
{
    saksi_i64 k = x * (saksi_i64)nb / n;
    return (saksi_i32)(k < nb ? k : nb - 1);
}

/* Code of one station from its four counts (SAKSI_MISSING allowed). */
SAKSI_INLINE saksi_i32 saksi_fp_station_code(saksi_i32 registered, saksi_i32 turnout,
                                             saksi_i32 leader, saksi_i32 valid,
                                             saksi_i32 nb_turnout, saksi_i32 nb_share)
{
    if (registered == SAKSI_MISSING || turnout == SAKSI_MISSING || leader == SAKSI_MISSING ||
        valid == SAKSI_MISSING)
        return SAKSI_FP_MISSING;
    if (registered < 0 || turnout < 0 || leader < 0 || valid < 0) return SAKSI_FP_NEGATIVE;
    if (registered == 0) return SAKSI_FP_NO_REGISTERED;
    if (turnout > registered) return SAKSI_FP_TURNOUT_ABOVE;
    if (valid == 0) return SAKSI_FP_NO_VALID;
    if (leader > valid) return SAKSI_FP_SHARE_ABOVE;
    return saksi_fp_axis_bin(turnout, registered, nb_turnout) * nb_share +
           saksi_fp_axis_bin(leader, valid, nb_share);
}

/* ---------------------------------------------------------------------
 * Integer samplers. A distribution on [0, 1] is a table of
 * SAKSI_FP_CELLS thresholds computed on the host: cell k (width
 * 1 / SAKSI_FP_CELLS) is drawn when thr[k - 1] <= u < thr[k] for a
 * uniform 32-bit word u (thr[-1] = 0; the last cell also takes u above
 * every threshold). SAKSI_FP_FINE_BITS more random bits place the draw
 * uniformly inside its cell, giving a rate in Q16 fixed point (units of
 * 1 / 65536). No floating point on the device.
 * ------------------------------------------------------------------- */
#define SAKSI_FP_CELLS     1024
#define SAKSI_FP_FINE_BITS 6
#define SAKSI_FP_Q_BITS    16
#define SAKSI_FP_Q         ((saksi_i64)1 << SAKSI_FP_Q_BITS)

/* The four tables of one parameter set, in this order, each
 * SAKSI_FP_CELLS words. */
enum saksi_fp_table {
    SAKSI_FP_TAB_TURNOUT, /* fair turnout a: normal truncated to [0, 1]          */
    SAKSI_FP_TAB_SHARE,   /* fair winner share v: normal truncated to [0, 1]     */
    SAKSI_FP_TAB_INCR,    /* incremental fraud x: |N(0, theta)| truncated to [0, 1] */
    SAKSI_FP_TAB_EXTREME, /* extreme fraud x: 1 - |N(0, sigma_e)|, on [0, 1]       */
    SAKSI_FP_NTABLES
};
#define SAKSI_FP_SET_WORDS (SAKSI_FP_NTABLES * SAKSI_FP_CELLS)

/* Smallest k with u < thr[k], or the last cell: a binary search over a
 * non-decreasing table, the same steps on every device. */
SAKSI_INLINE saksi_u32 saksi_fp_cell(SAKSI_GLOBAL const saksi_u32 *thr, saksi_u32 u)
{
    saksi_u32 lo = 0, hi = SAKSI_FP_CELLS - 1;
    while (lo < hi) {
        saksi_u32 mid = (lo + hi) >> 1;
        if (u < thr[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* A Q16 rate: the cell of u, then fine bits within it. */
SAKSI_INLINE saksi_i64 saksi_fp_draw_q16(SAKSI_GLOBAL const saksi_u32 *thr, saksi_u32 u,
                                         saksi_u32 fine)
{
    return ((saksi_i64)saksi_fp_cell(thr, u) << SAKSI_FP_FINE_BITS) |
           (saksi_i64)(fine & ((1u << SAKSI_FP_FINE_BITS) - 1u));
}

/* Counter words of the fraud model's stream: (station hash, replicate,
 * tag | block). The tag keeps these draws apart from every other stream
 * keyed by the same seed and station (the simulator puts small purpose
 * numbers where this puts the replicate, and small block numbers where
 * this puts the tag). */
#define SAKSI_FP_TAG_MODEL 0x46500000u /* "FP" */

/* One simulated draw of a station: the fraud word u and the three bins
 * the station would land in if clean (b_clean), under incremental fraud
 * (b_incr) or under extreme fraud (b_extreme). Which applies is decided
 * later by comparing u with the thresholds of f_i and f_e, so one draw
 * serves every grid point (common random numbers: the fit's objective is
 * then a smooth function of (f_i, f_e)). */
typedef struct saksi_fp_draw {
    saksi_u32 u;
    saksi_u32 b_clean, b_incr, b_extreme; /* SAKSI_FP_NO_BIN: no votes, no share */
} saksi_fp_draw;

/* Bin of a simulated station with t of n turning out and w of t for the
 * winner (the model has no invalid votes: valid = t). */
SAKSI_INLINE saksi_u32 saksi_fp_sim_bin(saksi_i64 t, saksi_i64 n, saksi_i64 w, saksi_i32 nb_turnout,
                                        saksi_i32 nb_share)
{
    if (t <= 0) return SAKSI_FP_NO_BIN;
    return (saksi_u32)(saksi_fp_axis_bin(t, n, nb_turnout) * nb_share +
                       saksi_fp_axis_bin(w, t, nb_share));
}

/* The counts of one draw: the fraud word u, and the turnout t and the
 * winner's votes w of the station clean, under incremental and under
 * extreme fraud. */
typedef struct saksi_fp_counts {
    saksi_u32 u;
    saksi_i64 t, w, t_incr, w_incr, t_extreme, w_extreme;
} saksi_fp_counts;

/* x^alpha in Q16, alpha >= 1, by repeated Q16 products (floors). */
SAKSI_INLINE saksi_i64 saksi_fp_pow_q16(saksi_i64 x, saksi_i32 alpha)
{
    saksi_i64 xa = x;
    for (saksi_i32 k = 1; k < alpha; k++)
        xa = (xa * x) >> SAKSI_FP_Q_BITS;
    return xa;
}

/*
 * One draw of the fraud model at a station with n registered voters:
 * tables is the station's parameter set (SAKSI_FP_SET_WORDS words), key the
 * seed, (hash, replicate) the counter. Two Philox blocks: words 0-3 pick
 * the turnout, share, fraud and incremental-x cells; words 4-5 the
 * extreme-x cell and the fine bits of all four. Clean: turnout t =
 * round(n a), winner w = round(t v). Fraud of magnitude x (Klimek et al.
 * 2012): a fraction x of the n - t non-voters is added as ballots for the
 * winner, and a fraction x^alpha of the t - w opponents' votes is moved to
 * the winner. Q16 fixed point with integers only.
 */
SAKSI_INLINE saksi_fp_counts saksi_fp_model_counts(SAKSI_GLOBAL const saksi_u32 *tables,
                                                   saksi_i32 n, saksi_u64 hash, saksi_u32 replicate,
                                                   saksi_u32 key0, saksi_u32 key1, saksi_i32 alpha)
{
    saksi_philox_ctr c0, c1;
    c0.v[0] = (saksi_u32)hash;
    c0.v[1] = (saksi_u32)(hash >> 32);
    c0.v[2] = replicate;
    c0.v[3] = SAKSI_FP_TAG_MODEL;
    c1 = c0;
    c1.v[3] = SAKSI_FP_TAG_MODEL | 1u;
    c0 = saksi_philox4x32_10(c0, key0, key1);
    c1 = saksi_philox4x32_10(c1, key0, key1);
    saksi_u32 fine = c1.v[1];
    const saksi_i64 round_half = SAKSI_FP_Q >> 1; /* "half" is a type in OpenCL C */
    saksi_i64 a = saksi_fp_draw_q16(tables + SAKSI_FP_TAB_TURNOUT * SAKSI_FP_CELLS, c0.v[0], fine);
    saksi_i64 v = saksi_fp_draw_q16(tables + SAKSI_FP_TAB_SHARE * SAKSI_FP_CELLS, c0.v[1],
                                    fine >> SAKSI_FP_FINE_BITS);
    saksi_i64 xi = saksi_fp_draw_q16(tables + SAKSI_FP_TAB_INCR * SAKSI_FP_CELLS, c0.v[3],
                                     fine >> (2 * SAKSI_FP_FINE_BITS));
    saksi_i64 xe = saksi_fp_draw_q16(tables + SAKSI_FP_TAB_EXTREME * SAKSI_FP_CELLS, c1.v[0],
                                     fine >> (3 * SAKSI_FP_FINE_BITS));
    saksi_fp_counts r;
    r.u = c0.v[2];
    /* a < 2^16, so t = (n a + 2^15) >> 16 <= n; likewise w <= t. */
    r.t = ((saksi_i64)n * a + round_half) >> SAKSI_FP_Q_BITS;
    r.w = (r.t * v + round_half) >> SAKSI_FP_Q_BITS;
    saksi_i64 stuffed = (((saksi_i64)n - r.t) * xi) >> SAKSI_FP_Q_BITS;
    saksi_i64 stolen = ((r.t - r.w) * saksi_fp_pow_q16(xi, alpha)) >> SAKSI_FP_Q_BITS;
    r.t_incr = r.t + stuffed;
    r.w_incr = r.w + stuffed + stolen;
    stuffed = (((saksi_i64)n - r.t) * xe) >> SAKSI_FP_Q_BITS;
    stolen = ((r.t - r.w) * saksi_fp_pow_q16(xe, alpha)) >> SAKSI_FP_Q_BITS;
    r.t_extreme = r.t + stuffed;
    r.w_extreme = r.w + stuffed + stolen;
    return r;
}

/* The draw as bins (what the grid needs). */
SAKSI_INLINE saksi_fp_draw saksi_fp_simulate_draw(SAKSI_GLOBAL const saksi_u32 *tables, saksi_i32 n,
                                                  saksi_u64 hash, saksi_u32 replicate,
                                                  saksi_u32 key0, saksi_u32 key1, saksi_i32 alpha,
                                                  saksi_i32 nb_turnout, saksi_i32 nb_share)
{
    saksi_fp_counts c = saksi_fp_model_counts(tables, n, hash, replicate, key0, key1, alpha);
    saksi_fp_draw d;
    d.u = c.u;
    d.b_clean = saksi_fp_sim_bin(c.t, n, c.w, nb_turnout, nb_share);
    d.b_incr = saksi_fp_sim_bin(c.t_incr, n, c.w_incr, nb_turnout, nb_share);
    d.b_extreme = saksi_fp_sim_bin(c.t_extreme, n, c.w_extreme, nb_turnout, nb_share);
    return d;
}

/* Grid points carry f_i and f_e as thresholds on the fraud word: the
 * station is incremental when u < ti, extreme when ti <= u < ti + te
 * (64-bit: ti + te may reach 2^32, "every station"), clean otherwise. */
SAKSI_INLINE saksi_u32 saksi_fp_classify(saksi_u32 u, saksi_u64 ti, saksi_u64 ti_te,
                                         saksi_u32 b_clean, saksi_u32 b_incr, saksi_u32 b_extreme)
{
    if ((saksi_u64)u < ti) return b_incr;
    if ((saksi_u64)u < ti_te) return b_extreme;
    return b_clean;
}

#endif /* SAKSI_FINGERPRINT_SHARED_H */
