/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dispersion.c — measures how much more turnout and the leader's share vary
 * between the stations of a region than a binomial allows (the ratio of
 * analysis.h), per region and as quartiles over regions. Used to calibrate
 * the election simulator against Sirekap 2024 and to check it.
 */
#define _POSIX_C_SOURCE 200809L
#include "analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MIN_STATIONS 8

void saksi_dispersion_options_init(saksi_dispersion_options *o)
{
    o->level = SAKSI_LEVEL_DISTRICT;
    o->min_stations = DEFAULT_MIN_STATIONS;
    o->consistent_only = 1;
}

double saksi_dispersion_quantile(const double *v, size_t n, double prob)
{
    if (n == 0) return NAN;
    double h = (double)(n - 1) * prob, lo = floor(h);
    size_t i = (size_t)lo;
    if (i + 1 >= n) return v[n - 1];
    return v[i] + (h - lo) * (v[i + 1] - v[i]);
}

void saksi_dispersion_free(saksi_dispersion *d)
{
    if (!d) return;
    for (int r = 0; r < SAKSI_NDISP; r++) {
        free(d->rate[r].ratio);
        d->rate[r].ratio = NULL;
    }
}

/* Value of field f, or SAKSI_MISSING. */
static int32_t get(const saksi_table *t, int f, size_t i)
{
    return saksi_table_get(t, f, i);
}

static int have(int32_t v)
{
    return v != SAKSI_MISSING;
}

/* a == b where both are present; 1 (no evidence against) otherwise. */
static int eq_if_present(int64_t a, int64_t b, int present)
{
    return !present || a == b;
}

enum usable { USE_OK, USE_MISSING, USE_RANGE, USE_INCONSISTENT };

/* Turnout: x = voters_total (else total) of n = registered. Identities
 * checked where their cells exist: lists add up to voters_total, L + P for
 * registered and voters_total, voters_dpt <= registered, total ==
 * voters_total, valid + invalid == total. */
static int turnout_of(const saksi_table *t, size_t i, int consistent, int64_t *x, int64_t *n)
{
    int32_t reg = get(t, SAKSI_F_REGISTERED, i), vt = get(t, SAKSI_F_VOTERS_TOTAL, i);
    int32_t tot = get(t, SAKSI_F_TOTAL, i);
    int32_t num = have(vt) ? vt : tot;
    if (!have(reg) || !have(num) || reg < 1) return have(reg) && reg < 0 ? USE_RANGE : USE_MISSING;
    if (num < 0 || num > reg) return USE_RANGE;
    *x = num;
    *n = reg;
    if (!consistent) return USE_OK;
    int32_t dpt = get(t, SAKSI_F_VOTERS_DPT, i), dptb = get(t, SAKSI_F_VOTERS_DPTB, i);
    int32_t dpk = get(t, SAKSI_F_VOTERS_DPK, i);
    int32_t rm = get(t, SAKSI_F_REGISTERED_MALE, i), rf = get(t, SAKSI_F_REGISTERED_FEMALE, i);
    int32_t tm = get(t, SAKSI_F_VOTERS_TOTAL_MALE, i), tf = get(t, SAKSI_F_VOTERS_TOTAL_FEMALE, i);
    int32_t val = get(t, SAKSI_F_VALID, i), inv = get(t, SAKSI_F_INVALID, i);
    int ok = eq_if_present((int64_t)dpt + dptb + dpk, vt,
                           have(dpt) && have(dptb) && have(dpk) && have(vt)) &&
             eq_if_present((int64_t)rm + rf, reg, have(rm) && have(rf)) &&
             eq_if_present((int64_t)tm + tf, vt, have(tm) && have(tf) && have(vt)) &&
             (!have(dpt) || dpt <= reg) && eq_if_present(tot, vt, have(tot) && have(vt)) &&
             eq_if_present((int64_t)val + inv, tot, have(val) && have(inv) && have(tot));
    return ok ? USE_OK : USE_INCONSISTENT;
}

/* Leader's share: x = cand_leader of n = valid; every candidate present
 * and summing to valid, and valid + invalid == total where present. */
static int share_of(const saksi_table *t, size_t i, int leader, int consistent, int64_t *x,
                    int64_t *n)
{
    int32_t val = get(t, SAKSI_F_VALID, i), c = get(t, SAKSI_NFIXED + leader, i);
    if (!have(val) || !have(c) || val < 1) return have(val) && val < 0 ? USE_RANGE : USE_MISSING;
    if (c < 0 || c > val) return USE_RANGE;
    *x = c;
    *n = val;
    if (!consistent) return USE_OK;
    int64_t sum = 0;
    for (size_t k = 0; k < t->ncand; k++) {
        int32_t v = get(t, SAKSI_NFIXED + (int)k, i);
        if (!have(v)) return USE_INCONSISTENT;
        sum += v;
    }
    int32_t inv = get(t, SAKSI_F_INVALID, i), tot = get(t, SAKSI_F_TOTAL, i);
    int ok = sum == val && eq_if_present((int64_t)val + inv, tot, have(inv) && have(tot));
    return ok ? USE_OK : USE_INCONSISTENT;
}

/* Candidate with the most votes over the table (lowest index on a tie). */
static int find_leader(const saksi_table *t)
{
    int best = -1;
    int64_t top = -1;
    for (size_t k = 0; k < t->ncand; k++) {
        int64_t sum = 0;
        for (size_t i = 0; i < t->n; i++) {
            int32_t v = get(t, SAKSI_NFIXED + (int)k, i);
            if (have(v) && v > 0) sum += v;
        }
        if (sum > top) {
            top = sum;
            best = (int)k;
        }
    }
    return best;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One rate over every region of the level. xs/ns/ys are scratch arrays of
 * the largest region's size. */
static saksi_status measure_rate(const saksi_table *t, const saksi_dispersion_options *o, int which,
                                 int leader, saksi_dispersion_stat *st, double *ys, double *invn,
                                 double *sorted, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_regions *rg = &t->regions[o->level];
    size_t nsorted = 0;
    st->ratio = saksi_malloc_array(rg->n, sizeof *st->ratio);
    if (!st->ratio) SAKSI_ALLOC_FAIL("dispersion ratios");
    for (size_t r = 0; r < rg->n; r++) {
        size_t m = 0;
        int64_t sx = 0, sn = 0;
        st->ratio[r] = NAN;
        for (size_t i = rg->first[r]; i < rg->first[r] + rg->count[r]; i++) {
            int64_t x = 0, n = 0;
            int u = which == SAKSI_DISP_TURNOUT
                        ? turnout_of(t, i, o->consistent_only, &x, &n)
                        : share_of(t, i, leader, o->consistent_only, &x, &n);
            if (u == USE_MISSING)
                st->excluded_missing++;
            else if (u == USE_RANGE)
                st->excluded_range++;
            else if (u == USE_INCONSISTENT)
                st->excluded_inconsistent++;
            if (u != USE_OK) continue;
            ys[m] = (double)x / (double)n;
            invn[m] = 1.0 / (double)n;
            sx += x;
            sn += n;
            m++;
        }
        if (m < o->min_stations) {
            st->small_regions++;
            continue;
        }
        double p = (double)sx / (double)sn, mean = 0.0, ss = 0.0, minv = 0.0;
        if (sx == 0 || sx == sn) {
            st->degenerate_regions++;
            continue;
        }
        /* two passes in a fixed order: same bytes every run */
        for (size_t j = 0; j < m; j++) {
            mean += ys[j];
            minv += invn[j];
        }
        mean /= (double)m;
        minv /= (double)m;
        for (size_t j = 0; j < m; j++)
            ss += (ys[j] - mean) * (ys[j] - mean);
        double sd = sqrt(ss / (double)(m - 1));
        st->ratio[r] = sd / sqrt(p * (1.0 - p) * minv);
        sorted[nsorted++] = st->ratio[r];
        st->regions++;
        st->stations += m;
    }
    qsort(sorted, nsorted, sizeof *sorted, cmp_double);
    st->q1 = saksi_dispersion_quantile(sorted, nsorted, 0.25);
    st->median = saksi_dispersion_quantile(sorted, nsorted, 0.5);
    st->q3 = saksi_dispersion_quantile(sorted, nsorted, 0.75);
out:
    return rc;
}

saksi_status saksi_dispersion_measure(const saksi_table *t, const saksi_dispersion_options *opt,
                                      saksi_dispersion *out, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_dispersion_options o;
    double *ys = NULL, *invn = NULL, *sorted = NULL;
    size_t biggest = 0;
    memset(out, 0, sizeof *out);
    if (opt)
        o = *opt;
    else
        saksi_dispersion_options_init(&o);
    if (o.level < SAKSI_LEVEL_NATIONAL || o.level >= SAKSI_NLEVELS)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "dispersion level %d is not a region level", o.level);
    if (o.min_stations < 2)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "dispersion needs at least 2 stations per region, not %zu",
                   o.min_stations);
    if (t->build || t->regions[o.level].n == 0)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "dispersion needs a finalized table");
    const saksi_regions *rg = &t->regions[o.level];
    for (size_t r = 0; r < rg->n; r++)
        biggest = rg->count[r] > biggest ? rg->count[r] : biggest;
    ys = saksi_malloc_array(biggest, sizeof *ys);
    invn = saksi_malloc_array(biggest, sizeof *invn);
    sorted = saksi_malloc_array(rg->n, sizeof *sorted);
    if (!ys || !invn || !sorted) SAKSI_ALLOC_FAIL("dispersion scratch");
    out->level = o.level;
    out->nregions = rg->n;
    out->leader = find_leader(t);
    SAKSI_TRY(measure_rate(t, &o, SAKSI_DISP_TURNOUT, out->leader, &out->rate[SAKSI_DISP_TURNOUT],
                           ys, invn, sorted, err));
    if (out->leader >= 0) {
        SAKSI_TRY(measure_rate(t, &o, SAKSI_DISP_SHARE, out->leader, &out->rate[SAKSI_DISP_SHARE],
                               ys, invn, sorted, err));
    } else {
        saksi_dispersion_stat *s = &out->rate[SAKSI_DISP_SHARE];
        s->q1 = s->median = s->q3 = NAN;
    }
out:
    free(ys);
    free(invn);
    free(sorted);
    if (rc != SAKSI_OK) saksi_dispersion_free(out);
    return rc;
}
