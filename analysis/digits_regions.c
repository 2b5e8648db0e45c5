/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * digits_regions.c — the digit family per region at every level (DESIGN §4
 * "Digit tests", §5): for each candidate, each tested number's digit
 * probabilities under its peer beta-binomial (and under the binomial, the
 * sensitivity variant) are summed per district in row order and up the
 * hierarchy, beside the observed histograms of the kernel or its twin;
 * then per (region, candidate, test) the Wald omnibus, the 0/5 excess and
 * their effects, and per region the candidates combined (Cauchy) into the
 * row that BH and the flag use.
 */
#define _POSIX_C_SOURCE 200809L
#include "digits.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* pi to double precision (M_PI is not C11). */
#define PI_ 3.14159265358979323846

const char *const saksi_digits_test_name[SAKSI_DK_COUNT] = {
    "digit_05", "last_digit", "second_digit_10_99", "second_digit_100_999"};
const char *const saksi_digits_cand_name[SAKSI_DK_COUNT] = {
    "digit_05_cand", "last_digit_cand", "second_digit_10_99_cand", "second_digit_100_999_cand"};
const char *const saksi_digits_binom_name[SAKSI_DK_COUNT] = {
    "digit_05_binomial", "last_digit_binomial", "second_digit_10_99_binomial",
    "second_digit_100_999_binomial"};
const char *const saksi_digits_first_name = "first_digit_cand";

/* The test of the histogram each kind reads. */
static const int kind_test[SAKSI_DK_COUNT] = {SAKSI_DT_LAST, SAKSI_DT_LAST, SAKSI_DT_SECOND_2D,
                                              SAKSI_DT_SECOND_3D};

static const char skip_few[] = "fewer numbers than digits_min_numbers";
static const char skip_none[] = "no candidate has digits_min_numbers numbers";
static const char skip_degenerate[] = "the null puts every number on one digit";

void saksi_digits_options_init(saksi_digits_options *o)
{
    memset(o, 0, sizeof *o);
    o->min_numbers = SAKSI_DIGITS_MIN_NUMBERS;
    saksi_peer_options_init(&o->peers);
}

void saksi_digits_result_free(saksi_digits_result *d)
{
    if (!d) return;
    free(d->national);
    memset(d, 0, sizeof *d);
}

/* One statistic of one (region, candidate): a Wald test, or the 0/5
 * excess in the same fields (W = z, w = excess points). */
typedef struct cell_stat {
    uint64_t n;
    saksi_digits_wald wald;
    const char *skip;
} cell_stat;

/* Everything kept per (level, region, candidate) until the rows are built
 * (the candidates are analysed one after another). */
typedef struct cell {
    cell_stat s[SAKSI_DT_COUNT][SAKSI_DIGITS_NNULL];
    cell_stat z05[SAKSI_DIGITS_NNULL];
} cell;

typedef saksi_digit_acc acc_set[SAKSI_DT_COUNT][SAKSI_DIGITS_NNULL];

typedef struct dctx {
    const saksi_table *t;
    const uint8_t *mask;
    const uint32_t *hist;
    const saksi_digits_options *opt;
    int c;
    const saksi_bb *bb;
    double *q05[SAKSI_DIGITS_NNULL];
    double *pmf;
    cell *cells[SAKSI_LEVEL_DISTRICT + 1]; /* regions[l].n * ncand, shared: each candidate
                                              writes only its own cells */
    saksi_digits_ws *ws;
    saksi_digits_result *out;             /* national[] shared the same way */
    uint64_t outside[SAKSI_DIGITS_NNULL]; /* this worker's outside-support numbers */
} dctx;

static size_t min_numbers(const dctx *x)
{
    return x->opt->min_numbers > 0 ? x->opt->min_numbers : 1;
}

/* The tests computed under each null. */
static const unsigned null_tests[SAKSI_DIGITS_NNULL] = {SAKSI_DIGITS_ALL_TESTS,
                                                        SAKSI_DIGITS_BINOMIAL_TESTS};

/* Expected digits of one district's tested numbers for candidate x->c,
 * and its observed digits from the histogram less the numbers whose null
 * gives their range no mass. */
static saksi_status district_pass(dctx *x, size_t d, acc_set acc, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_table *t = x->t;
    const saksi_regions *rg = &t->regions[SAKSI_LEVEL_DISTRICT];
    const uint8_t *m = x->mask + (size_t)x->c * t->n;
    int64_t outside[SAKSI_DT_COUNT][SAKSI_DIGITS_NNULL][SAKSI_DIGIT_BINS];
    memset(outside, 0, sizeof outside);
    for (size_t i = rg->first[d]; i < rg->first[d] + rg->count[d]; i++) {
        int32_t v, n;
        for (int u = 0; u < SAKSI_DIGITS_NNULL; u++)
            x->q05[u][i] = NAN;
        if (!m[i]) continue;
        if (!saksi_digits_rate(t, i, &x->c, &v, &n) || !x->bb[i].ok)
            SAKSI_FAIL(SAKSI_ERR_INTERNAL, "digit mask set for station %zu without a null", i);
        int32_t a, b;
        saksi_digits_range(n, x->bb[i].mu, x->bb[i].rho, &a, &b);
        if (v < a || v > b)
            SAKSI_FAIL(SAKSI_ERR_INTERNAL, "digit mask set for station %zu outside its range", i);
        for (int u = 0; u < SAKSI_DIGITS_NNULL; u++) {
            saksi_digit_probs pr;
            int32_t lo, hi;
            unsigned tests = null_tests[u];
            saksi_digits_window(v, a, b, tests, &lo, &hi);
            saksi_digits_pmf_window(n, x->bb[i].mu, u == SAKSI_DIGITS_BB ? x->bb[i].rho : 0.0, lo,
                                    hi, x->pmf);
            saksi_digits_probs(v, a, b, x->pmf, lo, tests, &pr);
            for (int k = 0; k < SAKSI_DT_COUNT; k++) {
                if (pr.bin[k] < 0) continue;
                if (pr.in[k]) {
                    saksi_digit_acc_add(&acc[k][u], pr.p[k]);
                } else {
                    outside[k][u][pr.bin[k] % SAKSI_DIGIT_BINS]++;
                    x->outside[u]++;
                }
            }
            if (pr.in[SAKSI_DT_LAST]) x->q05[u][i] = pr.q05;
        }
    }
    const uint32_t *h = x->hist + (d * t->ncand + (size_t)x->c) * SAKSI_DIGIT_HIST;
    for (int k = 0; k < SAKSI_DT_COUNT; k++)
        for (int u = 0; u < SAKSI_DIGITS_NNULL; u++) {
            int64_t total = 0;
            if (!(null_tests[u] & (1u << k)))
                continue; /* not computed under this null: stays empty */
            for (int b = 0; b < SAKSI_DIGIT_BINS; b++) {
                acc[k][u].o[b] = (int64_t)h[k * SAKSI_DIGIT_BINS + b] - outside[k][u][b];
                total += acc[k][u].o[b];
            }
            if (total != (int64_t)acc[k][u].n)
                SAKSI_FAIL(SAKSI_ERR_INTERNAL,
                           "digit histogram of district %zu, candidate %d, test %d holds %lld "
                           "numbers, the expectation %llu",
                           d, x->c, k, (long long)total, (unsigned long long)acc[k][u].n);
        }
out:
    return rc;
}

/* The 0/5 excess of one (region, candidate, null): z and the exact or
 * saddlepoint mid-p, the excess share in points with a Wilson interval. */
static saksi_status excess05(dctx *x, int level, size_t r, const saksi_digit_acc *a, int u,
                             cell_stat *s, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_regions *rg = &x->t->regions[level];
    const double *q = x->q05[u] + rg->first[r];
    double o = (double)(a->o[0] + a->o[5]), e = 0.0, v = 0.0, n = (double)a->n;
    double lo, hi, p;
    uint64_t m = 0;
    for (size_t i = 0; i < rg->count[r]; i++) { /* in row order: the same sums every run */
        if (isnan(q[i])) continue;
        e += q[i];
        v += q[i] * (1.0 - q[i]);
        m++;
    }
    if (m != a->n)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "0/5 test of %s %zu: %llu basins for %llu numbers",
                   saksi_level_name(level), r, (unsigned long long)m, (unsigned long long)a->n);
    s->wald.df = 1;
    s->wald.W = v > 0.0 ? (o - e) / sqrt(v) : NAN;
    SAKSI_TRY(saksi_pbinom_midp(q, rg->count[r], (uint64_t)o, &p, NULL, err));
    s->wald.p = p;
    saksi_wilson(o, n, SAKSI_DIGITS_CI_LEVEL, &lo, &hi);
    s->wald.w = 100.0 * (o - e) / n;
    s->wald.w_lo = 100.0 * (lo - e / n);
    s->wald.w_hi = 100.0 * (hi - e / n);
out:
    return rc;
}

/* Statistics of one (level, region) for candidate x->c. */
static saksi_status region_stats(dctx *x, int level, size_t r, acc_set acc, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    cell *cl = &x->cells[level][r * x->t->ncand + (size_t)x->c];
    for (int k = 0; k < SAKSI_DT_COUNT; k++)
        for (int u = 0; u < SAKSI_DIGITS_NNULL; u++) {
            cell_stat *s = &cl->s[k][u];
            s->n = acc[k][u].n;
            s->skip = "";
            s->wald = (saksi_digits_wald){NAN, 0, NAN, NAN, NAN, NAN};
            if (s->n < min_numbers(x) && level != SAKSI_LEVEL_NATIONAL) {
                s->skip = skip_few;
                continue;
            }
            saksi_digits_wald_test(&acc[k][u], saksi_digits_nprofile[k], x->ws, &s->wald);
            if (s->wald.df == 0)
                s->skip = skip_degenerate;
            else if (s->n < min_numbers(x))
                s->skip = skip_few;
        }
    for (int u = 0; u < SAKSI_DIGITS_NNULL; u++) {
        cell_stat *s = &cl->z05[u];
        *s = (cell_stat){acc[SAKSI_DT_LAST][u].n, {NAN, 0, NAN, NAN, NAN, NAN}, ""};
        if (s->n < min_numbers(x))
            s->skip = skip_few;
        else
            SAKSI_TRY(excess05(x, level, r, &acc[SAKSI_DT_LAST][u], u, s, err));
    }
    if (level == SAKSI_LEVEL_NATIONAL) {
        for (int k = 0; k < SAKSI_DT_COUNT; k++) {
            saksi_digits_national *nat = &x->out->national[(size_t)x->c * SAKSI_DT_COUNT + k];
            saksi_digit_acc *b = &acc[k][SAKSI_DIGITS_BB];
            for (int u = 0; u < SAKSI_DIGITS_NNULL; u++) {
                nat->acc[u] = acc[k][u];
                saksi_digits_wald_test(&acc[k][u], saksi_digits_nprofile[k], x->ws, &nat->wald[u]);
                saksi_digits_wald_interval(&nat->wald[u], acc[k][u].n);
            }
            saksi_digits_classical(k, nat->classical);
            nat->mad_classical = saksi_digits_mad(b->o, b->n, nat->classical, k);
            double e[SAKSI_DIGIT_BINS];
            for (int d = 0; d < SAKSI_DIGIT_BINS; d++)
                e[d] = b->n ? b->e[d] / (double)b->n : NAN;
            nat->mad_calibrated = saksi_digits_mad(b->o, b->n, e, k);
        }
    }
out:
    return rc;
}

/* Sums of region r at `level` (its districts, or its children's sums),
 * then its statistics. */
static saksi_status region_pass(dctx *x, int level, size_t r, acc_set acc, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_table *t = x->t;
    const saksi_regions *rg = &t->regions[level];
    acc_set *child = NULL;
    memset(acc, 0, sizeof(acc_set));
    if (level == SAKSI_LEVEL_DISTRICT) {
        SAKSI_TRY(district_pass(x, r, acc, err));
    } else {
        const saksi_regions *cg = &t->regions[level + 1];
        size_t first = rg->first[r], end = first + rg->count[r];
        size_t c0 = t->region_of[level + 1][first], c1 = t->region_of[level + 1][end - 1];
        if (cg->first[c0] != first || cg->first[c1] + cg->count[c1] != end)
            SAKSI_FAIL(SAKSI_ERR_INTERNAL, "%s %zu is not a union of whole %ss",
                       saksi_level_name(level), r, saksi_level_name(level + 1));
        if (!(child = malloc(sizeof *child))) SAKSI_ALLOC_FAIL("digit sums");
        for (size_t ch = c0; ch <= c1; ch++) {
            SAKSI_TRY(region_pass(x, level + 1, ch, *child, err));
            for (int k = 0; k < SAKSI_DT_COUNT; k++)
                for (int u = 0; u < SAKSI_DIGITS_NNULL; u++)
                    saksi_digit_acc_merge(&acc[k][u], &(*child)[k][u]);
        }
    }
    SAKSI_TRY(region_stats(x, level, r, acc, err));
out:
    free(child);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Rows                                                                */
/* ------------------------------------------------------------------ */

static const cell_stat *stat_of(const cell *cl, int kind, int u)
{
    return kind == SAKSI_DK_05 ? &cl->z05[u] : &cl->s[kind_test[kind]][u];
}

static saksi_region_test base_row(const char *test, int level, size_t r, int cand)
{
    saksi_region_test row;
    memset(&row, 0, sizeof row);
    row.test = test;
    row.level = level;
    row.region = (uint32_t)r;
    row.candidate = cand;
    row.statistic = row.effect = row.effect_lo = row.effect_hi = NAN;
    row.p = row.q = row.lambda = NAN;
    row.skip = "";
    return row;
}

/* A statistic's row; Wald effects get their interval here (only rows
 * that are written need one). */
static saksi_region_test stat_row(const char *test, int level, size_t r, int cand, int kind,
                                  cell_stat *s, double floor_)
{
    saksi_region_test row = base_row(test, level, r, cand);
    if (kind != SAKSI_DK_05 && isnan(s->wald.w_lo) && !isnan(s->wald.W))
        saksi_digits_wald_interval(&s->wald, s->n);
    row.n = (uint32_t)s->n;
    row.statistic = s->wald.W;
    row.effect = s->wald.w;
    row.effect_lo = s->wald.w_lo;
    row.effect_hi = s->wald.w_hi;
    row.effect_floor = floor_;
    row.p = *s->skip ? NAN : s->wald.p;
    row.skip = s->skip;
    return row;
}

/* The candidates of one region combined (Cauchy; Liu & Xie 2020): valid
 * whatever the dependence between the candidates' digits, which share
 * each station's valid total. The effect is that of the most significant
 * candidate. */
static saksi_region_test omnibus_row(const char *test, int level, size_t r, int kind, int u,
                                     cell *cells, size_t ncand, double floor_)
{
    saksi_region_test row = base_row(test, level, r, -1);
    double p[SAKSI_SIM_MAX_CAND * 4];
    double *pv = ncand <= sizeof p / sizeof p[0] ? p : malloc(ncand * sizeof *pv);
    size_t best = SIZE_MAX;
    uint64_t n = 0;
    row.effect_floor = floor_;
    if (!pv) { /* cannot combine: say so rather than guess */
        row.skip = "out of memory combining candidates";
        return row;
    }
    for (size_t c = 0; c < ncand; c++) {
        const cell_stat *s = stat_of(&cells[c], kind, u);
        pv[c] = *s->skip ? NAN : s->wald.p;
        if (isnan(pv[c])) continue;
        n += s->n;
        if (best == SIZE_MAX || pv[c] < pv[best]) best = c;
    }
    if (best == SIZE_MAX) {
        row.skip = skip_none;
    } else {
        cell_stat *s = (cell_stat *)stat_of(&cells[best], kind, u);
        if (kind != SAKSI_DK_05 && isnan(s->wald.w_lo)) saksi_digits_wald_interval(&s->wald, s->n);
        row.n = (uint32_t)n;
        row.p = saksi_cauchy_combine(pv, NULL, ncand);
        row.statistic = tan((0.5 - row.p) * PI_); /* the combined Cauchy statistic */
        row.effect = s->wald.w;
        row.effect_lo = s->wald.w_lo;
        row.effect_hi = s->wald.w_hi;
    }
    if (pv != p) free(pv);
    return row;
}

static saksi_status push_rows(const dctx *x, saksi_region_tests *rows, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const size_t ncand = x->t->ncand;
    for (int level = 0; level <= SAKSI_LEVEL_DISTRICT; level++) {
        for (size_t r = 0; r < x->t->regions[level].n; r++) {
            cell *cells = &x->cells[level][r * ncand];
            saksi_region_test row;
            for (int kind = 0; kind < SAKSI_DK_COUNT; kind++) {
                double floor_ =
                    kind == SAKSI_DK_05 ? SAKSI_DIGITS_FLOOR_05_PP : SAKSI_DIGITS_FLOOR_W;
                row = omnibus_row(saksi_digits_test_name[kind], level, r, kind, SAKSI_DIGITS_BB,
                                  cells, ncand, floor_);
                SAKSI_TRY(saksi_region_tests_push(rows, &row, err));
                for (size_t c = 0; c < ncand; c++) {
                    /* components: the flag is the omnibus row's */
                    row =
                        stat_row(saksi_digits_cand_name[kind], level, r, (int)c, kind,
                                 (cell_stat *)stat_of(&cells[c], kind, SAKSI_DIGITS_BB), INFINITY);
                    SAKSI_TRY(saksi_region_tests_push(rows, &row, err));
                }
            }
            for (size_t c = 0; c < ncand; c++) {
                row = stat_row(saksi_digits_first_name, level, r, (int)c, SAKSI_DK_LAST,
                               &cells[c].s[SAKSI_DT_FIRST][SAKSI_DIGITS_BB], INFINITY);
                row.descriptive = 1;
                row.p = NAN;
                SAKSI_TRY(saksi_region_tests_push(rows, &row, err));
            }
            for (int kind = 0; kind < SAKSI_DK_COUNT; kind++) {
                /* sensitivity variant: reported with p, q and lambda, never a flag */
                row = omnibus_row(saksi_digits_binom_name[kind], level, r, kind,
                                  SAKSI_DIGITS_BINOMIAL, cells, ncand, INFINITY);
                SAKSI_TRY(saksi_region_tests_push(rows, &row, err));
            }
        }
    }
out:
    return rc;
}

/* ------------------------------------------------------------------ */
/* Entry point                                                         */
/* ------------------------------------------------------------------ */

/* One worker: candidates first, first + step, ... with its own scratch
 * (peer nulls, pmf window, 0/5 basins, eigen workspace). The candidates
 * share nothing but disjoint cells, so the results do not depend on how
 * many workers run or in which order they finish. */
typedef struct worker {
    dctx x;
    const uint8_t *exclude;
    size_t first, step;
    int32_t nmax;
    saksi_status rc;
    saksi_error err;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    saksi_status rc = SAKSI_OK;
    saksi_error *err = &w->err;
    dctx *x = &w->x;
    const saksi_table *t = x->t;
    saksi_bb *bb = saksi_malloc_array(t->n ? t->n : 1, sizeof *bb);
    acc_set *top = malloc(sizeof *top);
    x->pmf = saksi_malloc_array((size_t)w->nmax + 1, sizeof *x->pmf);
    x->ws = saksi_digits_ws_alloc();
    for (int u = 0; u < SAKSI_DIGITS_NNULL; u++)
        x->q05[u] = saksi_malloc_array(t->n ? t->n : 1, sizeof *x->q05[u]);
    if (!bb || !top || !x->pmf || !x->ws || !x->q05[0] || !x->q05[1])
        SAKSI_ALLOC_FAIL("digit statistics");
    x->bb = bb;
    for (size_t c = w->first; c < t->ncand; c += w->step) {
        if (saksi_stop_requested())
            SAKSI_FAIL(SAKSI_ERR_INTERRUPTED, "digit tests interrupted at candidate %zu", c);
        x->c = (int)c;
        SAKSI_TRY(saksi_digits_peers(t, x->c, w->exclude, &x->opt->peers, bb, err));
        SAKSI_TRY(region_pass(x, SAKSI_LEVEL_NATIONAL, 0, *top, err));
    }
out:
    for (int u = 0; u < SAKSI_DIGITS_NNULL; u++)
        free(x->q05[u]);
    saksi_digits_ws_free(x->ws);
    free(x->pmf);
    free(top);
    free(bb);
    w->rc = rc;
    return NULL;
}

static size_t workers_for(const saksi_digits_options *opt, size_t ncand)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n = opt->threads ? opt->threads : cpus > 0 ? (size_t)cpus : 1;
    n = n < ncand ? n : ncand;
    return n ? n : 1;
}

saksi_status saksi_digits_analyse(const saksi_table *t, const uint8_t *exclude, const uint8_t *mask,
                                  const uint32_t *hist, const saksi_digits_options *opt,
                                  saksi_region_tests *rows, saksi_digits_result *out,
                                  saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    dctx x = {.t = t, .mask = mask, .hist = hist, .opt = opt, .out = out};
    worker *w = NULL;
    pthread_t *tid = NULL;
    size_t nw = workers_for(opt, t->ncand), started = 0;
    int32_t nmax = 0;

    gsl_set_error_handler_off(); /* GSL reports through return values, never aborts */
    memset(out, 0, sizeof *out);
    out->ncand = t->ncand;
    out->min_numbers = opt->min_numbers;
    if (t->regions[SAKSI_LEVEL_NATIONAL].n != 1)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "table with %zu national regions",
                   t->regions[SAKSI_LEVEL_NATIONAL].n);
    for (size_t c = 0; c < t->ncand; c++)
        for (size_t i = 0; i < t->n; i++) {
            int32_t v, n;
            int ci = (int)c;
            if (mask[c * t->n + i] && saksi_digits_rate(t, i, &ci, &v, &n) && n > nmax) nmax = n;
        }
    out->national =
        saksi_calloc_array(t->ncand ? t->ncand * SAKSI_DT_COUNT : 1, sizeof *out->national);
    for (int l = 0; l <= SAKSI_LEVEL_DISTRICT; l++)
        x.cells[l] = saksi_calloc_array(t->regions[l].n * (t->ncand ? t->ncand : 1), sizeof(cell));
    w = saksi_calloc_array(nw, sizeof *w);
    tid = saksi_calloc_array(nw, sizeof *tid);
    if (!out->national || !x.cells[0] || !x.cells[1] || !x.cells[2] || !x.cells[3] || !w || !tid)
        SAKSI_ALLOC_FAIL("digit statistics");
    for (size_t k = 0; k < nw; k++)
        w[k] = (worker){.x = x, .exclude = exclude, .first = k, .step = nw, .nmax = nmax};
    /* Worker 0 runs here; a thread that cannot be started leaves its
     * candidates to a second pass on this thread. */
    for (size_t k = 1; k < nw; k++) {
        if (pthread_create(&tid[k], NULL, work, &w[k]) != 0) break;
        started = k;
    }
    work(&w[0]);
    for (size_t k = 1; k <= started; k++)
        pthread_join(tid[k], NULL);
    for (size_t k = started + 1; k < nw; k++)
        work(&w[k]);
    for (size_t k = 0; k < nw; k++) {
        if (w[k].rc != SAKSI_OK) {
            rc = w[k].rc;
            if (err) *err = w[k].err;
            goto out;
        }
        for (int u = 0; u < SAKSI_DIGITS_NNULL; u++)
            out->counts.outside_support[u] += w[k].x.outside[u];
    }
    SAKSI_TRY(push_rows(&x, rows, err));
out:
    for (int l = 0; l <= SAKSI_LEVEL_DISTRICT; l++)
        free(x.cells[l]);
    free(w);
    free(tid);
    if (rc != SAKSI_OK) saksi_digits_result_free(out);
    return rc;
}
