/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * digits_expect.c — which numbers the digit family tests and what their
 * digits should look like: the exclusions (misread stations, noken bloc
 * votes, no peers), the peer beta-binomial of each candidate's share of
 * valid votes (DESIGN §4 "Null models"), and each count's digit
 * probabilities summed exactly from that pmf, conditional on the range of
 * the test (DESIGN §4 "Digit tests": never Benford, never a Monte Carlo
 * where the exact sum serves).
 */
#include "digits.h"

#include <stdlib.h>
#include <string.h>

/* 1 when a term names a candidate column or valid. */
static int term_on_votes(const saksi_rule_term *term)
{
    if (term->kind == SAKSI_TERM_CAND_SUM)
        return 1;
    if (term->kind == SAKSI_TERM_CONST)
        return 0;
    return term->field == SAKSI_F_VALID || term->field >= SAKSI_NFIXED;
}

saksi_status saksi_digits_exclusions(const saksi_table *t, const saksi_results *res,
                                     uint8_t *exclude, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    uint32_t on_votes = 0;
    if (!res->rules || !res->fail_mask)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "digit exclusions before the integrity family ran");
    for (size_t r = 0; r < res->rules->nrules; r++) {
        const saksi_rule *rule = &res->rules->rule[r];
        for (size_t k = 0; k < rule->nterms; k++)
            if (term_on_votes(&rule->term[k]))
                on_votes |= 1u << r;
    }
    for (size_t i = 0; i < t->n; i++)
        exclude[i] = (res->fail_mask[i] & on_votes) != 0;
out:
    return rc;
}

int saksi_digits_rate(const saksi_table *t, size_t i, const void *ctx, int32_t *x, int32_t *n)
{
    int c = *(const int *)ctx;
    int32_t v = saksi_table_get(t, SAKSI_NFIXED + c, i);
    int32_t size = saksi_table_get(t, SAKSI_F_VALID, i);
    if (v == SAKSI_MISSING || v < 0)
        return 0;
    if (size == SAKSI_MISSING) {
        /* Sirekap often has the candidates' boxes but not suara sah: their
         * sum is then the size the count was drawn from. */
        int64_t sum = 0;
        for (size_t k = 0; k < t->ncand; k++) {
            int32_t y = saksi_table_get(t, SAKSI_NFIXED + (int)k, i);
            if (y == SAKSI_MISSING || y < 0)
                return 0;
            sum += y;
        }
        if (sum > INT32_MAX)
            return 0;
        size = (int32_t)sum;
    }
    if (size < 1 || v > size)
        return 0;
    *x = v;
    *n = size;
    return 1;
}

saksi_status saksi_digits_peers(const saksi_table *t, int c, const uint8_t *exclude,
                                const saksi_peer_options *po, saksi_bb *bb, saksi_error *err)
{
    return saksi_peers_fit(t, saksi_digits_rate, &c, exclude, po, bb, err);
}

saksi_status saksi_digits_masks(const saksi_table *t, const uint8_t *exclude,
                                const saksi_peer_options *po, uint8_t *mask,
                                saksi_digits_counts *counts, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_digits_counts k = {0};
    saksi_bb *bb = saksi_malloc_array(t->n ? t->n : 1, sizeof *bb);
    if (!bb)
        SAKSI_ALLOC_FAIL("digit peer nulls");
    for (size_t c = 0; c < t->ncand; c++) {
        int ci = (int)c;
        uint8_t *m = mask + c * t->n;
        SAKSI_TRY(saksi_digits_peers(t, ci, exclude, po, bb, err));
        for (size_t i = 0; i < t->n; i++) {
            int32_t x, n;
            m[i] = 0;
            k.numbers++;
            if (!saksi_digits_rate(t, i, &ci, &x, &n))
                k.unusable++;
            else if (exclude && exclude[i])
                k.inconsistent++;
            else if (t->stratum[i] == SAKSI_STRATUM_NOKEN)
                k.noken++;
            else if (!bb[i].ok)
                k.no_peers++;
            else {
                m[i] = 1;
                k.tested++;
            }
        }
    }
    if (counts)
        *counts = k;
out:
    free(bb);
    return rc;
}

void saksi_digits_probs(int32_t x, int32_t n, const double *pmf, saksi_digit_probs *out)
{
    saksi_digit_bins(x, out->bin);
    for (int t = 0; t < SAKSI_DT_COUNT; t++) {
        int32_t lo, width; /* the block of counts sharing x's prefix, and the width of a digit */
        out->in[t] = 0;
        if (out->bin[t] < 0)
            continue;
        if (t == SAKSI_DT_LAST || t == SAKSI_DT_SECOND_2D) {
            lo = x / 10 * 10; /* the digits left of the last one */
            width = 1;
        } else if (t == SAKSI_DT_SECOND_3D) {
            lo = x / 100 * 100; /* the first digit */
            width = 10;
        } else {
            width = 1; /* the number of digits */
            while (x / width >= 10)
                width *= 10;
            lo = 0;
        }
        double s[SAKSI_DIGIT_BINS], mass = 0.0;
        for (int d = 0; d < SAKSI_DIGIT_BINS; d++) {
            int32_t k0 = lo + d * width, k1 = k0 + width - 1 < n ? k0 + width - 1 : n;
            s[d] = 0.0;
            if (t == SAKSI_DT_FIRST && d == 0)
                continue; /* no number starts with 0 */
            for (int32_t k = k0; k <= k1; k++)
                s[d] += pmf[k];
            mass += s[d];
        }
        if (!(mass > 0.0))
            continue; /* no mass in double precision: outside the null's support */
        for (int d = 0; d < SAKSI_DIGIT_BINS; d++)
            out->p[t][d] = s[d] / mass;
        out->in[t] = 1;
    }
}
