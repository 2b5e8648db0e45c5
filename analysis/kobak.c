/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kobak.c — integer percentages (Kobak, Shpilkin & Pshenichnikov 2016,
 * Ann. Appl. Stat. 10:54-73, arXiv:1410.6059; DESIGN §4): per station,
 * whether turnout or the national leader's share is an integer percentage;
 * its probability under the binomial at the station's own observed rate,
 * as in the paper (the one null DESIGN allows to use the station's own
 * value); per region and level the union count against the exact
 * Poisson-binomial, the spike profile per percent, and the reachability
 * of each percent.
 */
#include "turnout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Stations with at most this many registered voters reach many integer
 * percentages only approximately or not at all (a TPS holds <= 300). */
#define SMALL_STATION 300
/* The binomial walk stops this many sds from the mode: beyond, the pmf is
 * below 1e-32 of its peak. */
#define WALK_SD 12.0

void saksi_kobak_options_init(saksi_kobak_options *o)
{
    memset(o, 0, sizeof *o);
    o->tol_num = (int32_t)(SAKSI_IPCT_DEFAULT_TOLERANCE * SAKSI_IPCT_TOL_DEN + 0.5);
    o->leader = -1;
    o->share_total = 0;
    o->min_stations = SAKSI_IPCT_MIN_STATIONS;
    o->coverage_floor = SAKSI_IPCT_COVERAGE_FLOOR;
    o->floor_fraction = SAKSI_IPCT_FLOOR_FRACTION;
    o->floor_min = SAKSI_IPCT_FLOOR_MIN;
    o->max_level = SAKSI_IPCT_MAX_LEVEL;
}

int saksi_kobak_national_leader(const saksi_table *t)
{
    int best = -1;
    int64_t most = -1;
    for (size_t k = 0; k < t->ncand; k++) {
        int64_t sum = 0;
        for (size_t i = 0; i < t->n; i++) {
            int32_t v = saksi_table_get(t, SAKSI_NFIXED + (int)k, i);
            if (v != SAKSI_MISSING && v > 0) sum += v;
        }
        if (sum > most) { /* ties keep the lower index: fixed, not data-chosen */
            most = sum;
            best = (int)k;
        }
    }
    return best;
}

static int present(const saksi_table *t, int f)
{
    return f >= 0 &&
           (f >= SAKSI_NFIXED ? (size_t)(f - SAKSI_NFIXED) < t->ncand : t->slot_of_field[f] >= 0);
}

/* Turnout = voters on the permanent list / the list (DESIGN §4); without
 * the list counts, the ballots issued (Russia's turnout: Kobak's "given",
 * ballots_used in the russia-kobak preset), else total, else voters_total,
 * over registered. The leader's share is of valid votes, or of valid +
 * invalid (Kobak's "received") on request, which needs a total column. */
void saksi_kobak_fields(const saksi_table *t, const saksi_kobak_options *opt, int leader,
                        int field[4])
{
    field[0] = present(t, SAKSI_F_VOTERS_DPT)     ? SAKSI_F_VOTERS_DPT
               : present(t, SAKSI_F_BALLOTS_USED) ? SAKSI_F_BALLOTS_USED
               : present(t, SAKSI_F_TOTAL)        ? SAKSI_F_TOTAL
               : present(t, SAKSI_F_VOTERS_TOTAL) ? SAKSI_F_VOTERS_TOTAL
                                                  : -1;
    field[1] = present(t, SAKSI_F_REGISTERED) ? SAKSI_F_REGISTERED : -1;
    field[2] = leader >= 0 && (size_t)leader < t->ncand ? SAKSI_NFIXED + leader : -1;
    int den = opt->share_total ? SAKSI_F_TOTAL : SAKSI_F_VALID;
    field[3] = present(t, den) ? den : -1;
}

void saksi_kobak_membership_cpu(const saksi_table *t, const int field[4], int32_t tol_num,
                                int32_t tol_den, size_t begin, size_t end, uint32_t *code)
{
    /* A field naming a candidate the table lacks is absent, as the kernel's
     * host side (opencl_turnout.c) has it; saksi_table_get would read past
     * the columns (ASan, test_kobak_opencl's absent-column case). */
    int f[4];
    for (int c = 0; c < 4; c++)
        f[c] = field[c] >= SAKSI_NFIXED && (size_t)(field[c] - SAKSI_NFIXED) >= t->ncand
                   ? -1
                   : field[c];
    for (size_t i = begin; i < end; i++) {
        int32_t v[4];
        for (int c = 0; c < 4; c++)
            v[c] = f[c] >= 0 ? saksi_table_get(t, f[c], i) : SAKSI_MISSING;
        code[i] = saksi_ipct_pack(saksi_ipct_code(v[0], v[1], tol_num, tol_den),
                                  saksi_ipct_code(v[2], v[3], tol_num, tol_den));
    }
}

int saksi_ipct_reachable(int32_t n, int k, int32_t tol_num, int32_t tol_den)
{
    /* Some x in [0, n] with |100 x - k n| tol_den <= tol_num n: the
     * smallest x with 100 x tol_den >= (k tol_den - tol_num) n is
     * ceil((k tol_den - tol_num) n / (100 tol_den)); reachable when it is
     * within [0, n] and 100 x tol_den <= (k tol_den + tol_num) n. */
    int64_t den = (int64_t)100 * tol_den;
    int64_t a = ((int64_t)k * tol_den - tol_num) * n;
    int64_t x = a <= 0 ? 0 : (a + den - 1) / den;
    return x <= n && x * den <= ((int64_t)k * tol_den + tol_num) * n;
}

/*
 * P(Bin(n, x/n) is an integer percentage): the pmf at the observed count
 * from log-gamma, then the ratio recurrence outward to 12 sd; each count
 * on the integer-percent lattice (saksi_ipct_code) adds its mass, to the
 * total and to per_percent[k]. p = 0 or 1 is certain (0% and 100% are
 * integers).
 */
double saksi_kobak_station_prob(int32_t x, int32_t n, int32_t tol_num, int32_t tol_den,
                                double *per_percent)
{
    if (x <= 0 || x >= n) {
        int k = x <= 0 ? 0 : 100;
        if (per_percent) per_percent[k] += 1.0;
        return 1.0;
    }
    double p = (double)x / n, q = 1.0 - p;
    double sd = sqrt(n * p * q), reach = WALK_SD * sd + 2.0;
    /* In 64 bits: x + reach passes INT32_MAX for a count near it (found
     * by fuzz_csv, tests/fuzz/regressions/csv/kobak-walk-near-int32-max). */
    int64_t lo = (int64_t)x - (int64_t)reach, hi = (int64_t)x + (int64_t)reach;
    if (lo < 0) lo = 0;
    if (hi > n) hi = n;
    double lmode =
        lgamma(n + 1.0) - lgamma(x + 1.0) - lgamma(n - x + 1.0) + x * log(p) + (n - x) * log(q);
    double odds = p / q, total = 0.0;
    /* Upward from the observed count, then downward: pmf(y+1)/pmf(y) =
     * (n - y)/(y + 1) p/q. */
    double f = exp(lmode);
    for (int64_t y = x; y <= hi; y++) { /* y = n = INT32_MAX must not wrap */
        int32_t c = saksi_ipct_code((int32_t)y, n, tol_num, tol_den);
        if (c <= 100) {
            total += f;
            if (per_percent) per_percent[c] += f;
        }
        f *= (double)(n - y) / (y + 1.0) * odds;
    }
    f = exp(lmode);
    for (int32_t y = x; y > lo; y--) {
        f *= (double)y / (n - y + 1.0) / odds; /* pmf(y-1) */
        int32_t c = saksi_ipct_code(y - 1, n, tol_num, tol_den);
        if (c <= 100) {
            total += f;
            if (per_percent) per_percent[c] += f;
        }
    }
    return total > 1.0 ? 1.0 : total;
}

saksi_status saksi_kobak_alloc(const saksi_table *t, const saksi_kobak_options *opt,
                               saksi_kobak **out, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_kobak *k = calloc(1, sizeof *k);
    *out = NULL;
    if (!k) SAKSI_ALLOC_FAIL("integer percentages");
    if (opt->tol_num < 0 || opt->tol_num > 50 * SAKSI_IPCT_TOL_DEN)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "integer-percent tolerance %d/%d points outside [0, 50]",
                   opt->tol_num, SAKSI_IPCT_TOL_DEN);
    if (opt->leader >= 0 && (size_t)opt->leader >= t->ncand)
        SAKSI_FAIL(SAKSI_ERR_USAGE,
                   "integer-percent leader: candidate %d (counting from 1), but the input has "
                   "%zu candidates",
                   opt->leader + 1, t->ncand);
    k->leader = opt->leader >= 0 ? opt->leader : saksi_kobak_national_leader(t);
    saksi_kobak_fields(t, opt, k->leader, k->field);
    k->tol_num = opt->tol_num;
    k->tol_den = SAKSI_IPCT_TOL_DEN;
    k->code = saksi_malloc_array(t->n ? t->n : 1, sizeof *k->code);
    for (int r = 0; r < SAKSI_NIPCT_RATES; r++)
        k->prob[r] = saksi_malloc_array(t->n ? t->n : 1, sizeof *k->prob[r]);
    if (!k->code || !k->prob[0] || !k->prob[1]) SAKSI_ALLOC_FAIL("integer percentages");
    *out = k;
    k = NULL;
out:
    saksi_kobak_free(k);
    return rc;
}

void saksi_kobak_free(saksi_kobak *k)
{
    if (!k) return;
    free(k->code);
    for (int r = 0; r < SAKSI_NIPCT_RATES; r++)
        free(k->prob[r]);
    free(k->regions);
    free(k->profile);
    free(k);
}

static int code_of(uint32_t packed, int rate)
{
    return (int)((packed >> (8 * rate)) & 0xFFu);
}

/* Probabilities per station and rate, and the expected side of the spike
 * profile for the nation (row 0) and each province (row 1 + p). */
static void station_probs(const saksi_table *t, saksi_kobak *k, double *prof_exp)
{
    for (size_t i = 0; i < t->n; i++) {
        uint32_t prov = t->region_of[SAKSI_LEVEL_PROVINCE][i];
        for (int r = 0; r < SAKSI_NIPCT_RATES; r++) {
            int c = code_of(k->code[i], r);
            if (c > SAKSI_IPCT_NOT_INTEGER) {
                k->prob[r][i] = NAN;
                k->unusable[r][c - SAKSI_IPCT_NOT_INTEGER]++;
                continue;
            }
            double per[101] = {0};
            int32_t x = saksi_table_get(t, k->field[2 * r], i);
            int32_t n = saksi_table_get(t, k->field[2 * r + 1], i);
            k->prob[r][i] = saksi_kobak_station_prob(x, n, k->tol_num, k->tol_den, per);
            double *nat = prof_exp + (size_t)r * 101;
            double *pro = prof_exp + ((1 + (size_t)prov) * SAKSI_NIPCT_RATES + r) * 101;
            for (int pc = 0; pc <= 100; pc++) {
                nat[pc] += per[pc];
                pro[pc] += per[pc];
            }
        }
    }
}

/* Union probability of station i (NaN when neither rate is usable). */
static double union_prob(const saksi_kobak *k, size_t i)
{
    double a = k->prob[SAKSI_IPCT_TURNOUT][i], b = k->prob[SAKSI_IPCT_SHARE][i];
    if (isnan(a) && isnan(b)) return NAN;
    if (isnan(a)) return b;
    if (isnan(b)) return a;
    /* Independent binomials for the two rates, as in the paper's
     * simulation. */
    return 1.0 - (1.0 - a) * (1.0 - b);
}

static int station_integer(const saksi_kobak *k, size_t i, int rate)
{
    return code_of(k->code[i], rate) <= 100;
}

/* One region: gather, test, push its row. buf holds its stations' union
 * probabilities. */
static saksi_status region_test(const saksi_table *t, const saksi_kobak_options *opt,
                                saksi_kobak *k, int level, uint32_t r, double *buf,
                                saksi_kobak_region *out, saksi_region_tests *rt, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_regions *rg = &t->regions[level];
    size_t first = rg->first[r], end = first + rg->count[r], m = 0, small = 0;
    memset(out, 0, sizeof *out);
    out->level = level;
    out->region = r;
    out->stations = rg->count[r];
    out->skip = "";
    for (size_t i = first; i < end; i++) {
        double u = union_prob(k, i);
        if (isnan(u)) continue;
        buf[m++] = u;
        int it = station_integer(k, i, SAKSI_IPCT_TURNOUT),
            is = station_integer(k, i, SAKSI_IPCT_SHARE);
        out->observed += it || is;
        out->observed_rate[SAKSI_IPCT_TURNOUT] += it;
        out->observed_rate[SAKSI_IPCT_SHARE] += is;
        for (int q = 0; q < SAKSI_NIPCT_RATES; q++)
            if (!isnan(k->prob[q][i])) out->expected_rate[q] += k->prob[q][i];
        int32_t reg = saksi_table_get(t, SAKSI_F_REGISTERED, i);
        small += reg != SAKSI_MISSING && reg <= SMALL_STATION;
    }
    out->tested = m;
    out->small_share = m ? (double)small / (double)m : NAN;
    saksi_region_test row = {0};
    row.test = "integer_percent";
    row.level = level;
    row.region = r;
    row.candidate = -1;
    row.n = (uint32_t)m;
    row.p = row.q = row.lambda = NAN;
    row.statistic = out->observed;
    if (m < opt->min_stations) {
        out->skip = "fewer than 30 stations with a usable turnout or leader's share";
    } else if ((double)m < opt->coverage_floor * (double)out->stations) {
        out->skip = "coverage below 50% of the region's stations";
    } else {
        SAKSI_TRY(saksi_poibin_test_run(buf, m, out->observed, &out->test, err));
        out->expected = out->test.mean;
        out->variance = out->test.var;
        double half = 1.959963984540054 * sqrt(out->variance);
        row.effect = (double)out->observed - out->expected;
        row.effect_lo = row.effect - half;
        row.effect_hi = row.effect + half;
        double floor = opt->floor_fraction * (double)m;
        row.effect_floor = floor > opt->floor_min ? floor : opt->floor_min;
        row.p = out->test.midp;
    }
    if (*out->skip) {
        saksi_poibin_moments(buf, m, &out->expected, &out->variance);
        row.effect = row.effect_lo = row.effect_hi = NAN;
        row.effect_floor = NAN;
    }
    row.skip = out->skip;
    SAKSI_TRY(saksi_region_tests_push(rt, &row, err));
out:
    return rc;
}

/* Sizes up to this get their reachable percents cached as bit masks. */
#define REACH_CACHE_MAX 1000000

/* Bits 0..100 (two words) of the percents reachable at size n. */
static void reach_mask(int32_t n, int32_t tol_num, int32_t tol_den, uint64_t m[2])
{
    m[0] = m[1] = 0;
    for (int pc = 0; pc <= 100; pc++)
        if (saksi_ipct_reachable(n, pc, tol_num, tol_den)) m[pc / 64] |= (uint64_t)1 << (pc % 64);
}

/* The observed and reachable side of the spike profile. Reachability
 * depends only on the size, so it is cached per size (masks[2 n], with
 * masks[2 n + 1] bit 63 marking a size already computed; percent 100 is
 * bit 36 of the second word, so bit 63 is free). */
static saksi_status profile_counts(const saksi_table *t, const saksi_kobak *k, uint32_t *obs,
                                   uint32_t *reach, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    int32_t maxn = 0;
    for (int r = 0; r < SAKSI_NIPCT_RATES; r++)
        for (size_t i = 0; i < t->n; i++)
            if (code_of(k->code[i], r) <= SAKSI_IPCT_NOT_INTEGER) {
                int32_t n = saksi_table_get(t, k->field[2 * r + 1], i);
                maxn = n > maxn ? n : maxn;
            }
    size_t cached = maxn < REACH_CACHE_MAX ? (size_t)maxn + 1 : REACH_CACHE_MAX;
    uint64_t *masks = saksi_calloc_array(2 * cached, sizeof *masks);
    const uint64_t done = (uint64_t)1 << 63;
    if (!masks) SAKSI_ALLOC_FAIL("reachable percents");
    for (size_t i = 0; i < t->n; i++) {
        uint32_t prov = t->region_of[SAKSI_LEVEL_PROVINCE][i];
        for (int r = 0; r < SAKSI_NIPCT_RATES; r++) {
            int c = code_of(k->code[i], r);
            if (c > SAKSI_IPCT_NOT_INTEGER) continue;
            size_t nat = (size_t)r * 101, pro = ((1 + (size_t)prov) * SAKSI_NIPCT_RATES + r) * 101;
            if (c <= 100) {
                obs[nat + (size_t)c]++;
                obs[pro + (size_t)c]++;
            }
            int32_t n = saksi_table_get(t, k->field[2 * r + 1], i);
            uint64_t m[2];
            if ((size_t)n < cached) {
                if (!(masks[2 * (size_t)n + 1] & done)) {
                    reach_mask(n, k->tol_num, k->tol_den, &masks[2 * (size_t)n]);
                    masks[2 * (size_t)n + 1] |= done;
                }
                m[0] = masks[2 * (size_t)n];
                m[1] = masks[2 * (size_t)n + 1] & ~done;
            } else {
                reach_mask(n, k->tol_num, k->tol_den, m);
            }
            for (int pc = 0; pc <= 100; pc++) {
                if ((m[pc / 64] >> (pc % 64)) & 1u) {
                    reach[nat + (size_t)pc]++;
                    reach[pro + (size_t)pc]++;
                }
            }
        }
    }
out:
    free(masks);
    return rc;
}

saksi_status saksi_kobak_analyse(const saksi_table *t, const saksi_kobak_options *opt,
                                 saksi_kobak *k, saksi_region_tests *rt, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t nprov = t->regions[SAKSI_LEVEL_PROVINCE].n, rows = (1 + nprov) * SAKSI_NIPCT_RATES;
    double *prof_exp = saksi_calloc_array(rows * 101, sizeof *prof_exp);
    uint32_t *obs = saksi_calloc_array(rows * 101, sizeof *obs);
    uint32_t *reach = saksi_calloc_array(rows * 101, sizeof *reach);
    double *buf = saksi_malloc_array(t->n ? t->n : 1, sizeof *buf);
    int maxl = opt->max_level < SAKSI_NLEVELS ? opt->max_level : SAKSI_NLEVELS - 1;
    size_t nreg = 0;
    if (!prof_exp || !obs || !reach || !buf) SAKSI_ALLOC_FAIL("integer-percent profile");

    double t0 = saksi_now();
    station_probs(t, k, prof_exp);
    k->tested = 0;
    for (size_t i = 0; i < t->n; i++)
        k->tested += !isnan(union_prob(k, i));
    SAKSI_TRY(profile_counts(t, k, obs, reach, err));
    k->seconds_expectation = saksi_now() - t0;

    t0 = saksi_now();
    for (int l = 0; l <= maxl; l++)
        nreg += t->regions[l].n;
    k->regions = saksi_calloc_array(nreg ? nreg : 1, sizeof *k->regions);
    k->profile = saksi_calloc_array(rows * 101, sizeof *k->profile);
    if (!k->regions || !k->profile) SAKSI_ALLOC_FAIL("integer-percent regions");
    for (int l = 0; l <= maxl; l++) {
        for (uint32_t r = 0; r < t->regions[l].n; r++) {
            if (saksi_stop_requested())
                SAKSI_FAIL(SAKSI_ERR_INTERRUPTED, "integer percentages interrupted");
            SAKSI_TRY(region_test(t, opt, k, l, r, buf, &k->regions[k->nregions], rt, err));
            k->nregions++;
        }
    }
    k->seconds_null = saksi_now() - t0;

    for (size_t row = 0; row < rows; row++) {
        for (int pc = 0; pc <= 100; pc++) {
            saksi_kobak_profile *pf = &k->profile[k->nprofile++];
            size_t at = row * 101 + (size_t)pc;
            pf->level = row < SAKSI_NIPCT_RATES ? SAKSI_LEVEL_NATIONAL : SAKSI_LEVEL_PROVINCE;
            pf->region = row < SAKSI_NIPCT_RATES ? 0 : (uint32_t)(row / SAKSI_NIPCT_RATES - 1);
            pf->rate = (int)(row % SAKSI_NIPCT_RATES);
            pf->percent = pc;
            pf->observed = obs[at];
            pf->expected = prof_exp[at];
            pf->reachable = reach[at];
        }
    }
out:
    free(prof_exp);
    free(obs);
    free(reach);
    free(buf);
    return rc;
}
