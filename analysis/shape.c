/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * shape.c — descriptive shape statistics of turnout and the winner's share
 * per region (DESIGN §4 "Distribution shape and fingerprints"): moment
 * skewness and excess kurtosis, Hartigan & Hartigan's dip, the turnout-
 * share correlation and the Sobyanin-Sukhovolsky slope, each with a
 * percentile-bootstrap interval driven by Philox4x32-10. At this many
 * stations they reject for nearly every heterogeneous region, so they are
 * reported, never tested or flagged here.
 */
#define _POSIX_C_SOURCE 200809L
#include "fingerprint.h"

#include <math.h>
#include <pthread.h>
#include <unistd.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

const char *saksi_shape_name(int stat)
{
    static const char *const names[SAKSI_SHAPE_NSTATS] = {
        "turnout_skew",   "turnout_kurtosis", "turnout_dip",        "share_skew",
        "share_kurtosis", "share_dip",        "turnout_share_corr", "sobyanin_slope",
    };
    return stat >= 0 && stat < SAKSI_SHAPE_NSTATS ? names[stat] : "?";
}

int saksi_shape_uses_leader(int stat)
{
    return stat >= SAKSI_SHAPE_SHARE_SKEW;
}

/* ------------------------------------------------------------------ */
/* Moments, correlation, slope                                         */
/* ------------------------------------------------------------------ */

static double weight_of(const uint32_t *c, size_t i)
{
    return c ? (double)c[i] : 1.0;
}

/* Central moments 2..4 of x weighted by c, in index order. */
static int moments(const double *x, const uint32_t *c, size_t n, double *m2, double *m3, double *m4)
{
    double w = 0.0, s = 0.0;
    for (size_t i = 0; i < n; i++) {
        w += weight_of(c, i);
        s += weight_of(c, i) * x[i];
    }
    if (w <= 0.0) return 0;
    double mean = s / w, a2 = 0.0, a3 = 0.0, a4 = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - mean, d2 = d * d, wi = weight_of(c, i);
        a2 += wi * d2;
        a3 += wi * d2 * d;
        a4 += wi * d2 * d2;
    }
    *m2 = a2 / w;
    *m3 = a3 / w;
    *m4 = a4 / w;
    return *m2 > 0.0;
}

double saksi_shape_skew(const double *x, const uint32_t *c, size_t n)
{
    double m2, m3, m4;
    if (!moments(x, c, n, &m2, &m3, &m4)) return NAN;
    return m3 / (m2 * sqrt(m2));
}

double saksi_shape_kurtosis(const double *x, const uint32_t *c, size_t n)
{
    double m2, m3, m4;
    if (!moments(x, c, n, &m2, &m3, &m4)) return NAN;
    return m4 / (m2 * m2) - 3.0;
}

/* Weighted sums for correlation and slope: sxx, syy, sxy about the means. */
static int comoments(const double *x, const double *y, const uint32_t *c, size_t n, double *sxx,
                     double *syy, double *sxy)
{
    double w = 0.0, sx = 0.0, sy = 0.0;
    for (size_t i = 0; i < n; i++) {
        double wi = weight_of(c, i);
        w += wi;
        sx += wi * x[i];
        sy += wi * y[i];
    }
    if (w <= 0.0) return 0;
    double mx = sx / w, my = sy / w;
    *sxx = *syy = *sxy = 0.0;
    for (size_t i = 0; i < n; i++) {
        double wi = weight_of(c, i), dx = x[i] - mx, dy = y[i] - my;
        *sxx += wi * dx * dx;
        *syy += wi * dy * dy;
        *sxy += wi * dx * dy;
    }
    return 1;
}

double saksi_shape_correlation(const double *x, const double *y, const uint32_t *c, size_t n)
{
    double sxx, syy, sxy;
    if (!comoments(x, y, c, n, &sxx, &syy, &sxy) || sxx <= 0.0 || syy <= 0.0) return NAN;
    return sxy / sqrt(sxx * syy);
}

double saksi_shape_slope(const double *x, const double *y, const uint32_t *c, size_t n)
{
    double sxx, syy, sxy;
    if (!comoments(x, y, c, n, &sxx, &syy, &sxy) || sxx <= 0.0) return NAN;
    return sxy / sxx;
}

/* ------------------------------------------------------------------ */
/* Hartigan's dip                                                      */
/* ------------------------------------------------------------------ */

/*
 * The dip (Hartigan & Hartigan 1985) by algorithm AS 217 (P. M. Hartigan
 * 1985), written here with 0-based indices and the two corrections R's
 * diptest carries (the symmetric distance formula, Yong Lu 2003; the exit
 * when neither end of the modal interval moves, Maechler 1994). Distances
 * are counted in observations and divided by 2n at the end.
 *
 * mn[j]: previous vertex of the greatest convex minorant through x[0..j];
 * mj[k]: next vertex of the least concave majorant through x[k..n-1].
 */
double saksi_shape_dip(const double *x, size_t n, size_t *work)
{
    if (n < 4 || x[0] == x[n - 1]) return 0.0;
    size_t *mn = work, *mj = work + n, *G = work + 2 * n, *L = work + 3 * n;
    mn[0] = 0;
    for (size_t j = 1; j < n; j++) {
        mn[j] = j - 1;
        for (;;) {
            size_t a = mn[j], b = mn[a];
            if (a == 0 || (x[j] - x[a]) * (double)(a - b) < (x[a] - x[b]) * (double)(j - a)) break;
            mn[j] = b;
        }
    }
    mj[n - 1] = n - 1;
    for (size_t k = n - 1; k-- > 0;) {
        mj[k] = k + 1;
        for (;;) {
            size_t a = mj[k], b = mj[a];
            /* (x[k] - x[a]) (a - b) < (x[a] - x[b]) (k - a), both index
             * differences negative: multiply out with the signs flipped. */
            if (a == n - 1 || (x[a] - x[k]) * (double)(b - a) < (x[b] - x[a]) * (double)(a - k))
                break;
            mj[k] = b;
        }
    }

    size_t low = 0, high = n - 1;
    double dip = 1.0;
    for (;;) {
        /* Vertices of the minorant from high down to low, of the majorant
         * from low up to high. */
        size_t cx = 0, cv = 0;
        G[cx++] = high;
        while (G[cx - 1] > low)
            G[cx] = mn[G[cx - 1]], cx++;
        L[cv++] = low;
        while (L[cv - 1] < high)
            L[cv] = mj[L[cv - 1]], cv++;

        /* Largest distance between the two hulls on [low, high]. */
        size_t ig = cx - 1, ih = cv - 1, iv = 1;
        ptrdiff_t ix = (ptrdiff_t)cx - 2;
        double d = 0.0;
        if (cx != 2 || cv != 2) {
            do {
                size_t gx = G[ix], lv = L[iv];
                if (gx > lv) {
                    size_t g1 = G[ix + 1];
                    double dx = (double)(lv - g1 + 1) -
                                (x[lv] - x[g1]) * (double)(gx - g1) / (x[gx] - x[g1]);
                    iv++;
                    if (dx >= d) {
                        d = dx;
                        ig = (size_t)ix + 1;
                        ih = iv - 1;
                    }
                } else {
                    size_t l1 = L[iv - 1];
                    double dx = (x[gx] - x[l1]) * (double)(lv - l1) / (x[lv] - x[l1]) -
                                (double)(gx - l1 - 1);
                    ix--;
                    if (dx >= d) {
                        d = dx;
                        ig = (size_t)(ix + 1);
                        ih = iv;
                    }
                }
                if (ix < 0) ix = 0;
                if (iv > cv - 1) iv = cv - 1;
            } while (G[ix] != L[iv]);
        } else {
            d = 1.0;
        }
        if (d < dip) break;

        /* The dips of the minorant and the majorant on [low, high]. */
        double dip_l = 0.0, dip_u = 0.0;
        for (size_t j = ig; j + 1 < cx; j++) {
            double best = 1.0;
            size_t jb = G[j + 1], je = G[j];
            if (je - jb > 1 && x[je] != x[jb]) {
                double C = (double)(je - jb) / (x[je] - x[jb]);
                for (size_t r = jb; r <= je; r++) {
                    double t = (double)(r - jb + 1) - (x[r] - x[jb]) * C;
                    if (t > best) best = t;
                }
            }
            if (best > dip_l) dip_l = best;
        }
        for (size_t k = ih; k + 1 < cv; k++) {
            double best = 1.0;
            size_t kb = L[k], ke = L[k + 1];
            if (ke - kb > 1 && x[ke] != x[kb]) {
                double C = (double)(ke - kb) / (x[ke] - x[kb]);
                for (size_t r = kb; r <= ke; r++) {
                    double t = (x[r] - x[kb]) * C - (double)(r - kb) + 1.0;
                    if (t > best) best = t;
                }
            }
            if (best > dip_u) dip_u = best;
        }
        double dnew = dip_u > dip_l ? dip_u : dip_l;
        if (dnew > dip) dip = dnew;
        if (low == G[ig] && high == L[ih]) break;
        low = G[ig];
        high = L[ih];
    }
    return dip / (2.0 * (double)n);
}

/* ------------------------------------------------------------------ */
/* Per region, with bootstrap intervals                                */
/* ------------------------------------------------------------------ */

/* A value and its position, sorted by value then position: the same order
 * on every libc, with no global sort key (workers sort concurrently). */
typedef struct keyed {
    double v;
    size_t i;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
    const keyed *p = a, *q = b;
    if (p->v != q->v) return (p->v > q->v) - (p->v < q->v);
    return (p->i > q->i) - (p->i < q->i);
}

typedef struct scratch {
    double *x, *s, *y; /* the region's usable values, table order */
    double *sx, *ss;   /* sorted copies */
    size_t *px, *ps;   /* their sort permutations */
    keyed *pairs;      /* for sorting */
    double *buf;       /* an expanded sorted resample */
    size_t *work;      /* 4n for the dip */
    uint32_t *count;   /* resample multiplicities */
    double *boot;      /* nboot * SAKSI_SHAPE_NSTATS */
} scratch;

static void sort_by(scratch *sc, const double *v, size_t n, size_t *perm, double *sorted)
{
    for (size_t i = 0; i < n; i++)
        sc->pairs[i] = (keyed){v[i], i};
    qsort(sc->pairs, n, sizeof *sc->pairs, cmp_keyed);
    for (size_t i = 0; i < n; i++) {
        perm[i] = sc->pairs[i].i;
        sorted[i] = sc->pairs[i].v;
    }
}

/* The sorted resample of a sorted sample: each value repeated as often as
 * it was drawn, in O(n). */
static void expand(const double *sorted, const size_t *perm, const uint32_t *count, size_t n,
                   double *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (uint32_t r = 0; r < count[perm[i]]; r++)
            out[k++] = sorted[i];
}

/* The six moment statistics in two passes (the public one-statistic
 * functions above are their independent reference in the tests). */
static void moment_stats(const double *x, const double *s, const double *y, const uint32_t *c,
                         size_t n, double *v)
{
    double w = 0.0, sx = 0.0, ss = 0.0, sy = 0.0;
    for (size_t i = 0; i < n; i++) {
        double wi = weight_of(c, i);
        w += wi;
        sx += wi * x[i];
        ss += wi * s[i];
        sy += wi * y[i];
    }
    double mx = sx / w, ms = ss / w, my = sy / w;
    double x2 = 0.0, x3 = 0.0, x4 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, xs = 0.0, xy = 0.0;
    for (size_t i = 0; i < n; i++) {
        double wi = weight_of(c, i);
        double dx = x[i] - mx, ds = s[i] - ms, dy = y[i] - my;
        double dx2 = dx * dx, ds2 = ds * ds;
        x2 += wi * dx2;
        x3 += wi * dx2 * dx;
        x4 += wi * dx2 * dx2;
        s2 += wi * ds2;
        s3 += wi * ds2 * ds;
        s4 += wi * ds2 * ds2;
        xs += wi * dx * ds;
        xy += wi * dx * dy;
    }
    int vx = x2 > 0.0, vs = s2 > 0.0;
    x2 /= w, x3 /= w, x4 /= w, s2 /= w, s3 /= w, s4 /= w;
    v[SAKSI_SHAPE_TURNOUT_SKEW] = vx ? x3 / (x2 * sqrt(x2)) : NAN;
    v[SAKSI_SHAPE_TURNOUT_KURTOSIS] = vx ? x4 / (x2 * x2) - 3.0 : NAN;
    v[SAKSI_SHAPE_SHARE_SKEW] = vs ? s3 / (s2 * sqrt(s2)) : NAN;
    v[SAKSI_SHAPE_SHARE_KURTOSIS] = vs ? s4 / (s2 * s2) - 3.0 : NAN;
    v[SAKSI_SHAPE_CORRELATION] = vx && vs ? (xs / w) / sqrt(x2 * s2) : NAN;
    v[SAKSI_SHAPE_SOBYANIN] = vx ? (xy / w) / x2 : NAN;
}

/* Statistics of the sample weighted by count (NULL: the sample itself). */
static void statistics(scratch *sc, size_t n, const uint32_t *count, double *v)
{
    moment_stats(sc->x, sc->s, sc->y, count, n, v);
    if (count) {
        expand(sc->sx, sc->px, count, n, sc->buf);
        v[SAKSI_SHAPE_TURNOUT_DIP] = saksi_shape_dip(sc->buf, n, sc->work);
        expand(sc->ss, sc->ps, count, n, sc->buf);
        v[SAKSI_SHAPE_SHARE_DIP] = saksi_shape_dip(sc->buf, n, sc->work);
    } else {
        v[SAKSI_SHAPE_TURNOUT_DIP] = saksi_shape_dip(sc->sx, n, sc->work);
        v[SAKSI_SHAPE_SHARE_DIP] = saksi_shape_dip(sc->ss, n, sc->work);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Percentile interval of the finite values among v[0..n-1] (stride k). */
static void interval(const double *v, size_t n, size_t stride, double *tmp, double *lo, double *hi)
{
    size_t m = 0;
    for (size_t b = 0; b < n; b++)
        if (isfinite(v[b * stride])) tmp[m++] = v[b * stride];
    qsort(tmp, m, sizeof *tmp, cmp_double);
    double a = (1.0 - SAKSI_FP_INTERVAL) / 2.0;
    *lo = saksi_dispersion_quantile(tmp, m, a);
    *hi = saksi_dispersion_quantile(tmp, m, 1.0 - a);
}

static void one_region(scratch *sc, size_t n, size_t nboot, uint64_t seed, int level,
                       saksi_shape_row *row)
{
    sort_by(sc, sc->x, n, sc->px, sc->sx);
    sort_by(sc, sc->s, n, sc->ps, sc->ss);
    statistics(sc, n, NULL, row->value);
    for (size_t b = 0; b < nboot; b++) {
        saksi_philox_ctr ctr = {
            {0, row->region, (uint32_t)b, SAKSI_FP_TAG_SHAPE_BOOT | (uint32_t)level}};
        saksi_philox_ctr w = {{0, 0, 0, 0}};
        memset(sc->count, 0, n * sizeof *sc->count);
        for (size_t k = 0; k < n; k++) {
            if (k % 4 == 0) {
                ctr.v[0] = (uint32_t)(k / 4);
                w = saksi_philox4x32_10(ctr, (uint32_t)seed, (uint32_t)(seed >> 32));
            }
            /* Multiply-shift onto [0, n) (bias <= n / 2^32, negligible). */
            sc->count[((uint64_t)w.v[k % 4] * n) >> 32]++;
        }
        statistics(sc, n, sc->count, sc->boot + b * SAKSI_SHAPE_NSTATS);
    }
    for (int k = 0; k < SAKSI_SHAPE_NSTATS; k++)
        interval(sc->boot + k, nboot, SAKSI_SHAPE_NSTATS, sc->buf, &row->lo[k], &row->hi[k]);
}

static void scratch_free(scratch *sc)
{
    free(sc->x);
    free(sc->s);
    free(sc->y);
    free(sc->sx);
    free(sc->ss);
    free(sc->px);
    free(sc->ps);
    free(sc->pairs);
    free(sc->buf);
    free(sc->work);
    free(sc->count);
    free(sc->boot);
    memset(sc, 0, sizeof *sc);
}

static int scratch_alloc(scratch *sc, size_t n, size_t nboot)
{
    size_t m = n ? n : 1;
    memset(sc, 0, sizeof *sc);
    sc->x = saksi_malloc_array(m, sizeof *sc->x);
    sc->s = saksi_malloc_array(m, sizeof *sc->s);
    sc->y = saksi_malloc_array(m, sizeof *sc->y);
    sc->sx = saksi_malloc_array(m, sizeof *sc->sx);
    sc->ss = saksi_malloc_array(m, sizeof *sc->ss);
    sc->px = saksi_malloc_array(m, sizeof *sc->px);
    sc->ps = saksi_malloc_array(m, sizeof *sc->ps);
    sc->pairs = saksi_malloc_array(m, sizeof *sc->pairs);
    sc->buf = saksi_malloc_array(m > nboot ? m : nboot, sizeof *sc->buf);
    sc->work = saksi_malloc_array(4 * m, sizeof *sc->work);
    sc->count = saksi_malloc_array(m, sizeof *sc->count);
    sc->boot = saksi_malloc_array((nboot ? nboot : 1) * SAKSI_SHAPE_NSTATS, sizeof *sc->boot);
    if (sc->x && sc->s && sc->y && sc->sx && sc->ss && sc->px && sc->ps && sc->pairs && sc->buf &&
        sc->work && sc->count && sc->boot)
        return 1;
    scratch_free(sc);
    return 0;
}

/* The work shared by the threads: regions of every level, handed out one
 * at a time. Each region's numbers depend only on its stations and its
 * own random stream, so the thread count changes nothing. */
typedef struct shared_work {
    const saksi_table *t;
    const uint8_t *use;
    const double *x, *s, *y;
    size_t nboot;
    uint64_t seed;
    saksi_shape_level *out;
    size_t nitems, next, scratch_n;
    pthread_mutex_t lock;
    int failed;      /* out of memory in a worker */
    int interrupted; /* a stop request was seen */
} shared_work;

static void region_of_item(const shared_work *w, size_t item, int *level, size_t *r)
{
    int l = SAKSI_LEVEL_NATIONAL;
    while (item >= w->out[l].n)
        item -= w->out[l++].n;
    *level = l;
    *r = item;
}

static void compute(shared_work *w, scratch *sc, int l, size_t r)
{
    const saksi_regions *rg = &w->t->regions[l];
    saksi_shape_row *row = &w->out[l].row[r];
    size_t n = 0;
    for (size_t i = rg->first[r]; i < rg->first[r] + rg->count[r]; i++) {
        if (!w->use[i]) continue;
        sc->x[n] = w->x[i];
        sc->s[n] = w->s[i];
        sc->y[n] = w->y[i];
        n++;
    }
    row->region = (uint32_t)r;
    row->n = (uint32_t)n;
    row->skip = "";
    if (n < SAKSI_SHAPE_MIN_STATIONS) {
        row->skip = "fewer than 20 usable regular stations";
        for (int k = 0; k < SAKSI_SHAPE_NSTATS; k++)
            row->value[k] = row->lo[k] = row->hi[k] = NAN;
        return;
    }
    one_region(sc, n, w->nboot, w->seed, l, row);
}

static void *worker(void *arg)
{
    shared_work *w = arg;
    scratch sc;
    if (!scratch_alloc(&sc, w->scratch_n, w->nboot)) {
        pthread_mutex_lock(&w->lock);
        w->failed = 1;
        pthread_mutex_unlock(&w->lock);
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&w->lock);
        size_t item = w->next < w->nitems && !w->failed && !w->interrupted ? w->next++ : SIZE_MAX;
        if (saksi_stop_requested()) w->interrupted = 1;
        pthread_mutex_unlock(&w->lock);
        if (item == SIZE_MAX) break;
        int l;
        size_t r;
        region_of_item(w, item, &l, &r);
        compute(w, &sc, l, r);
    }
    scratch_free(&sc);
    return NULL;
}

/* Worker threads: one per online CPU, at most SAKSI_SHAPE_MAX_THREADS. */
static size_t thread_count(size_t nitems)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t k = cpus < 1 ? 1 : (size_t)cpus;
    k = k > SAKSI_SHAPE_MAX_THREADS ? SAKSI_SHAPE_MAX_THREADS : k;
    return k > nitems ? (nitems ? nitems : 1) : k;
}

saksi_status saksi_shape_all(const saksi_table *t, const uint8_t *use, const double *x,
                             const double *s, const double *y, size_t nboot, uint64_t seed,
                             saksi_shape_level out[SAKSI_NLEVELS], saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    pthread_t tid[SAKSI_SHAPE_MAX_THREADS];
    size_t started = 0;
    shared_work w = {
        .t = t, .use = use, .x = x, .s = s, .y = y, .nboot = nboot, .seed = seed, .out = out};
    int locked = 0;
    memset(out, 0, SAKSI_NLEVELS * sizeof *out);
    for (int l = SAKSI_LEVEL_NATIONAL; l <= SAKSI_LEVEL_DISTRICT; l++) {
        out[l].n = t->regions[l].n;
        out[l].row = saksi_calloc_array(out[l].n ? out[l].n : 1, sizeof *out[l].row);
        if (!out[l].row) SAKSI_ALLOC_FAIL("shape statistics rows");
        w.nitems += out[l].n;
    }
    /* The largest region (the nation) bounds every scratch array. */
    for (size_t i = 0; i < t->n; i++)
        w.scratch_n += use[i] != 0;
    if (pthread_mutex_init(&w.lock, NULL) != 0)
        SAKSI_FAIL(SAKSI_ERR_NOMEM, "cannot create a mutex for the shape statistics");
    locked = 1;
    size_t nthreads = thread_count(w.nitems);
    for (; started < nthreads; started++)
        if (pthread_create(&tid[started], NULL, worker, &w) != 0) break;
    if (started == 0) worker(&w); /* no thread could start: do the work here */
    for (size_t k = 0; k < started; k++)
        pthread_join(tid[k], NULL);
    if (w.failed) SAKSI_ALLOC_FAIL("shape statistics scratch");
    if (w.interrupted) SAKSI_FAIL(SAKSI_ERR_INTERRUPTED, "shape statistics interrupted");
out:
    if (locked) pthread_mutex_destroy(&w.lock);
    if (rc != SAKSI_OK) saksi_shape_free(out);
    return rc;
}

void saksi_shape_free(saksi_shape_level out[SAKSI_NLEVELS])
{
    for (int l = 0; l < SAKSI_NLEVELS; l++) {
        free(out[l].row);
        out[l].row = NULL;
        out[l].n = 0;
    }
}
