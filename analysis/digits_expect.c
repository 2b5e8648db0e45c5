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

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* 1 when a term names a candidate column or valid. */
static int term_on_votes(const saksi_rule_term *term)
{
    if (term->kind == SAKSI_TERM_CAND_SUM) return 1;
    if (term->kind == SAKSI_TERM_CONST) return 0;
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
            if (term_on_votes(&rule->term[k])) on_votes |= 1u << r;
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
    if (v == SAKSI_MISSING || v < 0) return 0;
    if (size == SAKSI_MISSING) {
        /* Sirekap often has the candidates' boxes but not suara sah: their
         * sum is then the size the count was drawn from. */
        int64_t sum = 0;
        for (size_t k = 0; k < t->ncand; k++) {
            int32_t y = saksi_table_get(t, SAKSI_NFIXED + (int)k, i);
            if (y == SAKSI_MISSING || y < 0) return 0;
            sum += y;
        }
        if (sum > INT32_MAX) return 0;
        size = (int32_t)sum;
    }
    if (size < 1 || v > size || size > SAKSI_DIGITS_MAX_SIZE) return 0;
    *x = v;
    *n = size;
    return 1;
}

saksi_status saksi_digits_peers(const saksi_table *t, int c, const uint8_t *exclude,
                                const saksi_peer_options *po, saksi_bb *bb, saksi_error *err)
{
    return saksi_peers_fit(t, saksi_digits_rate, &c, exclude, po, bb, NULL, NULL, err);
}

static int in_range(int32_t x, int32_t n, const saksi_bb *bb)
{
    int32_t a, b;
    saksi_digits_range(n, bb->mu, bb->rho, &a, &b);
    return x >= a && x <= b;
}

saksi_status saksi_digits_masks(const saksi_table *t, const uint8_t *exclude,
                                const saksi_peer_options *po, uint8_t *mask,
                                saksi_digits_counts *counts, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_digits_counts k = {0};
    saksi_bb *bb = saksi_malloc_array(t->n ? t->n : 1, sizeof *bb);
    if (!bb) SAKSI_ALLOC_FAIL("digit peer nulls");
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
            else if (!in_range(x, n, &bb[i]))
                k.trimmed++;
            else {
                m[i] = 1;
                k.tested++;
            }
        }
    }
    if (counts) *counts = k;
out:
    free(bb);
    return rc;
}

/* The block of counts that share x's digits left of test t's digit, and
 * the width of one digit's share of it (digits_shared.h for the tests). */
static void block_of(int32_t x, int t, int32_t *start, int32_t *width)
{
    if (t == SAKSI_DT_LAST || t == SAKSI_DT_SECOND_2D) {
        *start = x / 10 * 10; /* the digits left of the last one */
        *width = 1;
    } else if (t == SAKSI_DT_SECOND_3D) {
        *start = x / 100 * 100; /* the first digit */
        *width = 10;
    } else {
        int32_t w = 1; /* the number of digits */
        while (x / w >= 10)
            w *= 10;
        *start = 0;
        *width = w;
    }
}

void saksi_digits_range(int32_t n, double mu, double rho, int32_t *a, int32_t *b)
{
    double m = n * mu, sd = sqrt(n * mu * (1.0 - mu) * (1.0 + (n - 1) * rho));
    double lo = ceil(m - SAKSI_DIGITS_TRIM_SD * sd), hi = floor(m + SAKSI_DIGITS_TRIM_SD * sd);
    if (!(mu > 0.0 && mu < 1.0)) lo = hi = mu >= 1.0 ? n : 0; /* all mass on one count */
    *a = lo < 0.0 ? 0 : lo > n ? n : (int32_t)lo;
    *b = hi > n ? n : hi < 0.0 ? 0 : (int32_t)hi;
}

void saksi_digits_window(int32_t x, int32_t a, int32_t b, unsigned tests, int32_t *lo, int32_t *hi)
{
    saksi_i32 bin[SAKSI_DT_COUNT];
    int64_t a0 = x, b0 = x;
    saksi_digit_bins(x, bin);
    for (int t = 0; t < SAKSI_DT_COUNT; t++) {
        int32_t start, width;
        if (bin[t] < 0 || !(tests & (1u << t))) continue;
        block_of(x, t, &start, &width);
        int64_t k0 = t == SAKSI_DT_FIRST ? width : start;
        int64_t k1 = (int64_t)start + 10 * (int64_t)width - 1;
        if (t == SAKSI_DT_LAST) { /* and the 0/5 basin of x (saksi_digits_probs) */
            int64_t centre = (x + 2) / 5 * 5;
            k0 = centre - 2 < k0 ? centre - 2 : k0;
            k1 = centre + 2 > k1 ? centre + 2 : k1;
        }
        a0 = k0 < a0 ? k0 : a0;
        b0 = k1 > b0 ? k1 : b0;
    }
    *lo = (int32_t)(a0 > a ? a0 : a);
    *hi = (int32_t)(b0 < b ? b0 : b);
}

/* Below this intra-class correlation saksi_bb_pmf treats the
 * beta-binomial as the binomial (RHO_BINOMIAL of analysis/betabin.c). */
#define WINDOW_RHO_BINOMIAL 1e-12

void saksi_digits_pmf_window(int32_t n, double mu, double rho, int32_t lo, int32_t hi, double *w)
{
    if (mu <= 0.0 || mu >= 1.0) { /* all mass on 0 or n */
        int32_t at = mu <= 0.0 ? 0 : n;
        for (int32_t k = lo; k <= hi; k++)
            w[k - lo] = k == at ? 1.0 : 0.0;
        return;
    }
    /* The ratio recurrence of saksi_bb_pmf, p(k+1)/p(k) = (n-k)/(k+1) *
     * (k+a)/(n-k-1+b), started at 1 at lo; a window that rises by more
     * than 1e250 is rescaled as saksi_bb_pmf does. */
    int binomial = rho < WINDOW_RHO_BINOMIAL;
    double a = binomial ? 0.0 : mu * (1.0 - rho) / rho;
    double b = binomial ? 0.0 : (1.0 - mu) * (1.0 - rho) / rho;
    double odds = mu / (1.0 - mu);
    w[0] = 1.0;
    for (int32_t k = lo; k < hi; k++) {
        /* one division per step: the recurrence is the family's hot loop */
        double r = binomial ? (double)(n - k) * odds / (double)(k + 1)
                            : ((double)(n - k) * (k + a)) / ((double)(k + 1) * (n - k - 1 + b));
        w[k + 1 - lo] = w[k - lo] * r;
        if (w[k + 1 - lo] > 1e250)
            for (int32_t j = lo; j <= k + 1; j++)
                w[j - lo] *= 1e-250;
    }
}

void saksi_digits_probs(int32_t x, int32_t a, int32_t b, const double *pmf, int32_t lo,
                        unsigned tests, saksi_digit_probs *out)
{
    saksi_digit_bins(x, out->bin);
    for (int t = 0; t < SAKSI_DT_COUNT; t++) {
        int32_t start, width;
        out->in[t] = 0;
        if (out->bin[t] < 0) continue;
        if (!(tests & (1u << t))) {
            out->bin[t] = -1; /* not asked for: as if outside the range */
            continue;
        }
        block_of(x, t, &start, &width);
        double s[SAKSI_DIGIT_BINS], mass = 0.0;
        for (int d = 0; d < SAKSI_DIGIT_BINS; d++) {
            int32_t k0 = start + d * width, k1 = k0 + width - 1;
            k0 = k0 < a ? a : k0;
            k1 = k1 > b ? b : k1;
            s[d] = 0.0;
            if (t == SAKSI_DT_FIRST && d == 0) continue; /* no number starts with 0 */
            for (int32_t k = k0; k <= k1; k++)
                s[d] += pmf[k - lo];
            mass += s[d];
        }
        if (!(mass > 0.0) || x < a || x > b)
            continue; /* no mass in double precision: outside the null's support */
        for (int d = 0; d < SAKSI_DIGIT_BINS; d++)
            out->p[t][d] = s[d] / mass;
        out->in[t] = 1;
    }
    out->q05 = NAN;
    if (out->in[SAKSI_DT_LAST]) {
        /* x's rounding basin: the five counts nearest the multiple of 5
         * closest to x, within the tested counts */
        int32_t centre = (x + 2) / 5 * 5, k0 = centre - 2, k1 = centre + 2;
        k0 = k0 < SAKSI_DIGIT_LAST_MIN ? SAKSI_DIGIT_LAST_MIN : k0 < a ? a : k0;
        k1 = k1 > b ? b : k1;
        double mass = 0.0;
        for (int32_t k = k0; k <= k1; k++)
            mass += pmf[k - lo];
        if (mass > 0.0)
            out->q05 = (centre >= k0 && centre <= k1 ? pmf[centre - lo] : 0.0) / mass;
        else
            out->in[SAKSI_DT_LAST] = 0; /* outside the support: as the digit itself */
    }
}
