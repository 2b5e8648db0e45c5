/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * saksi_shared.h — fixed-width types, field numbering, the counter-based RNG
 * and the integer rule evaluator, written once and compiled both as host C11
 * and as OpenCL C 1.2. Every kernel and its plain-C twin call these same
 * functions, which is what makes their integer outputs identical.
 */
#ifndef SAKSI_SHARED_H
#define SAKSI_SHARED_H

#ifdef __OPENCL_VERSION__
typedef uint saksi_u32;
typedef int saksi_i32;
typedef ulong saksi_u64;
typedef long saksi_i64;
#define SAKSI_INLINE static inline
#define SAKSI_CONSTANT __constant
#define SAKSI_GLOBAL __global
#else
#include <stdint.h>
typedef uint32_t saksi_u32;
typedef int32_t saksi_i32;
typedef uint64_t saksi_u64;
typedef int64_t saksi_i64;
#define SAKSI_INLINE static inline
#define SAKSI_CONSTANT
#define SAKSI_GLOBAL
#endif

/* A cell that was empty in the input. Missing is not zero: every consumer
 * checks for it. INT32_MIN is reserved for it, so the parser treats the
 * literal -2147483648 as out of range. */
#define SAKSI_MISSING ((saksi_i32)(-2147483647 - 1))

/* Canonical integer fields of a station (DESIGN §3). Candidate columns
 * follow at SAKSI_NFIXED + k. The order is part of the report schema. */
enum saksi_field {
    SAKSI_F_REGISTERED,
    SAKSI_F_REGISTERED_MALE,
    SAKSI_F_REGISTERED_FEMALE,
    SAKSI_F_VALID,
    SAKSI_F_INVALID,
    SAKSI_F_TOTAL,
    SAKSI_F_VOTERS_DPT,
    SAKSI_F_VOTERS_DPT_MALE,
    SAKSI_F_VOTERS_DPT_FEMALE,
    SAKSI_F_VOTERS_DPTB,
    SAKSI_F_VOTERS_DPTB_MALE,
    SAKSI_F_VOTERS_DPTB_FEMALE,
    SAKSI_F_VOTERS_DPK,
    SAKSI_F_VOTERS_DPK_MALE,
    SAKSI_F_VOTERS_DPK_FEMALE,
    SAKSI_F_VOTERS_TOTAL,
    SAKSI_F_VOTERS_TOTAL_MALE,
    SAKSI_F_VOTERS_TOTAL_FEMALE,
    SAKSI_F_BALLOTS_RECEIVED,
    SAKSI_F_BALLOTS_USED,
    SAKSI_F_BALLOTS_SPOILED,
    SAKSI_F_BALLOTS_UNUSED,
    SAKSI_NFIXED
};

/* Bit of neg_mask that stands for "some candidate column is negative";
 * bits 0..SAKSI_NFIXED-1 stand for the fixed fields. */
#define SAKSI_NEG_CAND_BIT 31u

/* ---------------------------------------------------------------------
 * Philox4x32-10 (Salmon, Moraes, Dror & Shaw, SC'11), the counter-based
 * generator of Random123. Output depends only on (counter, key), so a draw
 * keyed by (seed, station hash, replicate) is the same on every device,
 * work-group size and thread count. Checked against Random123's kat_vectors
 * in tests/test_rng.c (host) and tests/test_opencl.c (device).
 * ------------------------------------------------------------------- */
typedef struct saksi_philox_ctr {
    saksi_u32 v[4];
} saksi_philox_ctr;

SAKSI_INLINE saksi_philox_ctr saksi_philox_round(saksi_philox_ctr c, saksi_u32 k0, saksi_u32 k1)
{
    saksi_u64 p0 = (saksi_u64)0xD2511F53u * (saksi_u64)c.v[0];
    saksi_u64 p1 = (saksi_u64)0xCD9E8D57u * (saksi_u64)c.v[2];
    saksi_philox_ctr r;
    r.v[0] = (saksi_u32)(p1 >> 32) ^ c.v[1] ^ k0;
    r.v[1] = (saksi_u32)p1;
    r.v[2] = (saksi_u32)(p0 >> 32) ^ c.v[3] ^ k1;
    r.v[3] = (saksi_u32)p0;
    return r;
}

/* Ten rounds with the Weyl key schedule (W0 = golden ratio, W1 = sqrt(3)-1). */
SAKSI_INLINE saksi_philox_ctr saksi_philox4x32_10(saksi_philox_ctr c, saksi_u32 k0, saksi_u32 k1)
{
    for (int i = 0; i < 10; i++) {
        c = saksi_philox_round(c, k0, k1);
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    return c;
}

/* 64-bit FNV-1a step, used to key random streams by station id. */
#define SAKSI_FNV_OFFSET 0xcbf29ce484222325ul
#define SAKSI_FNV_PRIME 0x100000001b3ul

/* ---------------------------------------------------------------------
 * Integrity rule programs. The rules file (analysis/rules.c) compiles to a
 * flat int32 array so that the kernel can read it from constant memory:
 *
 *   prog[0] nrules, prog[1] ncand, prog[2] slot of the first candidate
 *   prog[3 + r] offset of rule r
 *   rule: op, nterms, guard_op, guard_nterms, terms..., guard terms...
 *   term: kind, slot, mul, num, den     (SAKSI_TERM_WORDS words)
 *
 * nterms < 0 marks a rule that names a column absent from the input: it is
 * never evaluable (and carries no terms).
 *
 * A rule holds when  sum(terms) OP 0. Slots index the station's columns as
 * laid out in the column block (slot s of station i at cols[s*stride + i]).
 * ------------------------------------------------------------------- */
#define SAKSI_PROG_HEADER 3
#define SAKSI_RULE_HEADER 4
#define SAKSI_TERM_WORDS 5
#define SAKSI_MAX_RULES 32

enum saksi_rule_op { SAKSI_OP_EQ, SAKSI_OP_LE, SAKSI_OP_GE };

enum saksi_term_kind {
    SAKSI_TERM_FIELD,    /* mul * x                         */
    SAKSI_TERM_CEIL,     /* mul * ceil(x * num / den), den>0 */
    SAKSI_TERM_CONST,    /* mul                              */
    SAKSI_TERM_CAND_SUM  /* mul * (sum of candidate columns) */
};

/* Outcome of one rule at one station. */
enum saksi_rule_outcome {
    SAKSI_RULE_MISSING, /* a referenced cell is missing: not evaluable */
    SAKSI_RULE_NA,      /* the rule's guard is false here            */
    SAKSI_RULE_HOLDS,
    SAKSI_RULE_FAILS
};

/* ceil(a / b) for b > 0 on any sign of a, in 64-bit integers. */
SAKSI_INLINE saksi_i64 saksi_ceil_div(saksi_i64 a, saksi_i64 b)
{
    return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

/* Sum of terms [t, t + nterms) for station i; returns 0 when a cell is
 * missing. Values are int32, sums are int64, so no term can overflow. */
SAKSI_INLINE int saksi_terms_sum(SAKSI_CONSTANT const saksi_i32 *prog, saksi_i32 t, saksi_i32 nterms,
                                 SAKSI_GLOBAL const saksi_i32 *cols, saksi_u64 stride, saksi_u64 i,
                                 saksi_i64 *sum)
{
    saksi_i64 s = 0;
    for (saksi_i32 k = 0; k < nterms; k++, t += SAKSI_TERM_WORDS) {
        saksi_i32 kind = prog[t], slot = prog[t + 1];
        saksi_i64 mul = prog[t + 2], x = 0;
        if (kind == SAKSI_TERM_CONST) {
            x = 1;
        } else if (kind == SAKSI_TERM_CAND_SUM) {
            saksi_i32 first = prog[2], ncand = prog[1];
            for (saksi_i32 c = 0; c < ncand; c++) {
                saksi_i32 v = cols[(saksi_u64)(first + c) * stride + i];
                if (v == SAKSI_MISSING)
                    return 0;
                x += v;
            }
        } else {
            saksi_i32 v = cols[(saksi_u64)slot * stride + i];
            if (v == SAKSI_MISSING)
                return 0;
            x = v;
            if (kind == SAKSI_TERM_CEIL)
                x = saksi_ceil_div(x * prog[t + 3], prog[t + 4]);
        }
        s += mul * x;
    }
    *sum = s;
    return 1;
}

SAKSI_INLINE int saksi_compare(saksi_i32 op, saksi_i64 d)
{
    return op == SAKSI_OP_EQ ? d == 0 : op == SAKSI_OP_LE ? d <= 0 : d >= 0;
}

/* Evaluate rule r at station i. *disc receives sum(terms) (left minus right
 * side), meaningful for HOLDS and FAILS. */
SAKSI_INLINE int saksi_rule_eval(SAKSI_CONSTANT const saksi_i32 *prog, saksi_i32 r,
                                 SAKSI_GLOBAL const saksi_i32 *cols, saksi_u64 stride, saksi_u64 i,
                                 saksi_i64 *disc)
{
    saksi_i32 off = prog[SAKSI_PROG_HEADER + r];
    saksi_i32 op = prog[off], nterms = prog[off + 1];
    saksi_i32 gop = prog[off + 2], gnterms = prog[off + 3];
    saksi_i32 t = off + SAKSI_RULE_HEADER;
    saksi_i64 d = 0, g = 0;
    if (nterms < 0) /* the rule names a column the input does not have */
        return SAKSI_RULE_MISSING;
    if (gnterms > 0) {
        if (!saksi_terms_sum(prog, t + nterms * SAKSI_TERM_WORDS, gnterms, cols, stride, i, &g))
            return SAKSI_RULE_MISSING;
        if (!saksi_compare(gop, g))
            return SAKSI_RULE_NA;
    }
    if (!saksi_terms_sum(prog, t, nterms, cols, stride, i, &d))
        return SAKSI_RULE_MISSING;
    *disc = d;
    return saksi_compare(op, d) ? SAKSI_RULE_HOLDS : SAKSI_RULE_FAILS;
}

/* The integrity step for one station: which enabled rules were evaluated
 * and which failed, and which columns hold a negative value. field_of_slot
 * maps a slot to its saksi_field (>= SAKSI_NFIXED for candidates). */
SAKSI_INLINE void saksi_integrity_station(SAKSI_CONSTANT const saksi_i32 *prog,
                                          SAKSI_CONSTANT const saksi_i32 *field_of_slot,
                                          saksi_i32 nslots, SAKSI_GLOBAL const saksi_i32 *cols,
                                          saksi_u64 stride, saksi_u64 i, saksi_u32 enabled,
                                          saksi_u32 *eval_mask, saksi_u32 *fail_mask,
                                          saksi_u32 *neg_mask)
{
    saksi_u32 ev = 0, fl = 0, ng = 0;
    saksi_i32 nrules = prog[0];
    for (saksi_i32 r = 0; r < nrules; r++) {
        saksi_i64 d = 0;
        if (!((enabled >> r) & 1u))
            continue;
        int o = saksi_rule_eval(prog, r, cols, stride, i, &d);
        if (o >= SAKSI_RULE_HOLDS)
            ev |= 1u << r;
        if (o == SAKSI_RULE_FAILS)
            fl |= 1u << r;
    }
    for (saksi_i32 s = 0; s < nslots; s++) {
        saksi_i32 v = cols[(saksi_u64)s * stride + i];
        if (v != SAKSI_MISSING && v < 0) {
            saksi_i32 f = field_of_slot[s];
            ng |= f < SAKSI_NFIXED ? 1u << f : 1u << SAKSI_NEG_CAND_BIT;
        }
    }
    *eval_mask = ev;
    *fail_mask = fl;
    *neg_mask = ng;
}

#endif /* SAKSI_SHARED_H */
