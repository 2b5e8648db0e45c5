/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hierarchy.c — the region tree of the synthetic election: 38 provinces
 * with their real codes and sizes plus the overseas province 99, regencies,
 * districts, villages and stations with realistic counts per parent, and
 * the random effects of every region, each drawn from a stream keyed by the
 * region's own code.
 */
#define _POSIX_C_SOURCE 200809L
#include "generator.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * Real sizes per province. Stations, regencies, kota among them, districts,
 * villages and kelurahan among them are counted on the Sirekap 2024 crawl
 * ../shared/datasets/real/id2024-sirekap-gigit (derived CSV, 36 provinces;
 * a village or district counts when it holds at least one TPS there). The
 * crawl lacks Jawa Barat, Jawa Tengah and Jawa Timur: their rows are KPU's
 * 2024 TPS counts and the Kemendagri region counts (approximate). Together:
 * 822,390 stations (KPU: 823,236), 514 regencies, 7,274 districts and
 * 83,641 villages in the country, 2,446 stations at 97 overseas missions.
 */
typedef struct prov_info {
    int code;
    const char *name;
    int stations, regencies, kota, districts, villages, kelurahan;
} prov_info;

static const prov_info provinces[] = {
    {11, "Aceh", 16014, 23, 5, 289, 6479, 0},
    {12, "Sumatera Utara", 45839, 33, 8, 455, 6102, 693},
    {13, "Sumatera Barat", 17569, 19, 7, 179, 1265, 230},
    {14, "Riau", 19360, 12, 2, 172, 1861, 271},
    {15, "Jambi", 11160, 11, 2, 144, 1585, 171},
    {16, "Sumatera Selatan", 25985, 17, 4, 241, 3249, 394},
    {17, "Bengkulu", 6210, 10, 1, 129, 1513, 172},
    {18, "Lampung", 25825, 15, 2, 229, 2651, 205},
    {19, "Kepulauan Bangka Belitung", 4116, 7, 1, 47, 393, 84},
    {21, "Kepulauan Riau", 5914, 7, 2, 80, 419, 144},
    {31, "DKI Jakarta", 30766, 6, 5, 44, 267, 267},
    {32, "Jawa Barat", 140457, 27, 9, 627, 5957, 645},
    {33, "Jawa Tengah", 117299, 35, 6, 576, 8562, 753},
    {34, "DI Yogyakarta", 11932, 5, 1, 78, 438, 46},
    {35, "Jawa Timur", 120666, 38, 9, 666, 8501, 777},
    {36, "Banten", 33324, 8, 4, 155, 1552, 314},
    {51, "Bali", 12790, 9, 1, 57, 715, 80},
    {52, "Nusa Tenggara Barat", 16243, 10, 2, 117, 1166, 145},
    {53, "Nusa Tenggara Timur", 16746, 22, 1, 315, 3442, 305},
    {61, "Kalimantan Barat", 17626, 14, 2, 174, 2145, 99},
    {62, "Kalimantan Tengah", 7826, 14, 1, 136, 1570, 138},
    {63, "Kalimantan Selatan", 13584, 13, 2, 156, 2016, 144},
    {64, "Kalimantan Timur", 11441, 10, 3, 105, 1038, 197},
    {65, "Kalimantan Utara", 2295, 5, 1, 55, 482, 35},
    {71, "Sulawesi Utara", 8236, 15, 4, 171, 1837, 332},
    {72, "Sulawesi Tengah", 9462, 13, 1, 175, 2017, 175},
    {73, "Sulawesi Selatan", 26357, 24, 3, 313, 3059, 793},
    {74, "Sulawesi Tenggara", 8154, 17, 2, 221, 2285, 377},
    {75, "Gorontalo", 3539, 6, 1, 77, 729, 72},
    {76, "Sulawesi Barat", 4219, 6, 0, 69, 648, 73},
    {81, "Maluku", 5613, 11, 2, 118, 1233, 35},
    {82, "Maluku Utara", 4189, 10, 2, 118, 1184, 118},
    {91, "Papua", 3102, 9, 1, 105, 990, 51},
    {92, "Papua Barat", 1918, 7, 0, 86, 821, 21},
    {93, "Papua Selatan", 1752, 4, 0, 82, 682, 13},
    {94, "Papua Tengah", 4474, 8, 0, 131, 1195, 36},
    {95, "Papua Pegunungan", 5788, 8, 0, 250, 2589, 10},
    {96, "Papua Barat Daya", 2154, 6, 1, 132, 1011, 74},
};
#define NPROV_DOMESTIC (sizeof provinces / sizeof provinces[0])

/* Overseas: one regency per mission, each with one district and one
 * village (code 0001), as the crawl codes them. */
static const prov_info overseas = {99, "Luar Negeri", 2446, 97, 0, 97, 97, 0};

/* Shapes of the gamma weights that spread children over parents, chosen so
 * that the coefficients of variation of the counts per parent match the
 * crawl's: over its domestic regions 0.55 districts per regency, 0.61
 * villages per district, 1.80 stations per village (within a province
 * 0.42, 0.47, 1.25 on average); kelurahan and kota factors as measured. */
#define DISTRICT_SHAPE           4.0
#define KOTA_DISTRICT_FACTOR     0.6 /* kota have fewer districts than kabupaten */
#define VILLAGE_SHAPE            3.5
#define STATION_SHAPE            1.0
#define KELURAHAN_STATION_FACTOR 4.5  /* crawl: 24.3 TPS per kelurahan, 5.3 per desa */
#define KOTA_KELURAHAN_PROB      0.85 /* share of kelurahan among a kota's villages */
#define OVERSEAS_STATION_SHAPE   0.6  /* a few missions (Kuala Lumpur) hold most boxes */

/* Code capacities of the 13-digit TPS code PP KK CC DDDD TTT. */
#define MAX_KABUPATEN            70  /* KK 01..70 */
#define MAX_KOTA                 29  /* KK 71..99 */
#define MAX_DISTRICTS            99  /* CC 01..99 */
#define MAX_VILLAGE_KIND         999 /* DDDD 1001..1999 kelurahan, 2001..2999 desa */
#define MAX_STATIONS_PER_VILLAGE 999 /* TTT 001..999 */

static const int code_width[SAKSI_NLEVELS] = {0, 2, 4, 6, 10};

int saksi_sim_code_width(int level)
{
    return level >= 1 && level < SAKSI_NLEVELS ? code_width[level] : SAKSI_SIM_STATION_WIDTH;
}

void saksi_sim_code_string(uint64_t code, int width, char *buf)
{
    for (int i = width - 1; i >= 0; i--) {
        buf[i] = (char)('0' + code % 10);
        code /= 10;
    }
    buf[width] = 0;
}

uint64_t saksi_sim_code_hash(uint64_t code, int width)
{
    char buf[24];
    saksi_sim_code_string(code, width, buf);
    return saksi_hash_bytes(buf, (size_t)width);
}

static int prov_kind_of(int code)
{
    if (code == 99) return SAKSI_SIM_PROV_OVERSEAS;
    if (code == 94 || code == 95) return SAKSI_SIM_PROV_NOKEN;
    if (code >= 91 && code <= 96) return SAKSI_SIM_PROV_PAPUA;
    return SAKSI_SIM_PROV_REGULAR;
}

/* ------------------------------------------------------------------ */
/* Largest-remainder allocation                                         */
/* ------------------------------------------------------------------ */

typedef struct frac_item {
    double frac;
    uint32_t index;
} frac_item;

static int frac_cmp(const void *a, const void *b)
{
    const frac_item *x = a, *y = b;
    if (x->frac != y->frac) return x->frac < y->frac ? 1 : -1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* out[i] = 1 + the largest-remainder share of (total - n) by weight w[i]
 * over the n units not yet fixed (fixed[i] != 0 keeps out[i]). */
static saksi_status share_out(size_t total, size_t m, const double *w, const unsigned char *fixed,
                              uint32_t *out, frac_item *items, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    double wsum = 0.0;
    size_t n = 0, given = 0;
    for (size_t i = 0; i < m; i++)
        if (!fixed[i]) {
            wsum += w[i];
            n++;
        }
    size_t rest = total - n;
    for (size_t i = 0, k = 0; i < m; i++) {
        if (fixed[i]) continue;
        double q = wsum > 0.0 ? (double)rest * (w[i] / wsum) : 0.0, f = floor(q);
        out[i] = 1 + (uint32_t)f;
        given += (size_t)f;
        items[k].frac = q - f;
        items[k++].index = (uint32_t)i;
    }
    if (given > rest) SAKSI_FAIL(SAKSI_ERR_INTERNAL, "allocation gave %zu of %zu", given, rest);
    qsort(items, n, sizeof *items, frac_cmp);
    for (size_t j = 0; j < rest - given; j++)
        out[items[j % n].index]++;
out:
    return rc;
}

/* out[i] = 1 + the largest-remainder share of (total - m) by weight w[i]:
 * every unit gets at least one child, the rest follow the weights, and the
 * result is a deterministic function of the weights. A unit never gets
 * more than cap (0: no cap) — the code has only so many digits (999 TPS in
 * a village): a unit over it is held at cap and the excess is shared out
 * again among the others, by their weights. total >= m >= 1. */
static saksi_status allocate(size_t total, size_t m, const double *w, size_t cap, uint32_t *out,
                             saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    frac_item *items = saksi_malloc_array(m, sizeof *items);
    unsigned char *fixed = saksi_calloc_array(m, 1);
    if (!items || !fixed) SAKSI_ALLOC_FAIL("allocation weights");
    if (cap && total > m * cap)
        SAKSI_FAIL(SAKSI_ERR_LIMIT, "%zu children do not fit %zu units of at most %zu", total, m,
                   cap);
    size_t left = total, nfixed = 0;
    for (;;) {
        SAKSI_TRY(share_out(left, m, w, fixed, out, items, err));
        size_t over = 0;
        for (size_t i = 0; cap && i < m; i++)
            if (!fixed[i] && out[i] > cap) {
                out[i] = (uint32_t)cap;
                fixed[i] = 1;
                left -= cap;
                nfixed++;
                over++;
            }
        if (!over || nfixed == m) break;
    }
out:
    free(items);
    free(fixed);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Building the tree                                                    */
/* ------------------------------------------------------------------ */

static saksi_status level_alloc(saksi_sim_level *lv, size_t n, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    lv->n = n;
    lv->code = saksi_calloc_array(n, sizeof *lv->code);
    lv->parent = saksi_calloc_array(n, sizeof *lv->parent);
    lv->first = saksi_calloc_array(n, sizeof *lv->first);
    lv->count = saksi_calloc_array(n, sizeof *lv->count);
    lv->fx = saksi_calloc_array(n, sizeof *lv->fx);
    if (!lv->code || !lv->parent || !lv->first || !lv->count || !lv->fx)
        SAKSI_ALLOC_FAIL("region level");
out:
    return rc;
}

void saksi_sim_hier_free(saksi_sim_hier *h)
{
    if (!h) return;
    for (int l = 0; l < SAKSI_NLEVELS; l++) {
        free(h->level[l].code);
        free(h->level[l].parent);
        free(h->level[l].first);
        free(h->level[l].count);
        free(h->level[l].fx);
    }
    free(h->prov_kind);
    free(h->size_a);
    memset(h, 0, sizeof *h);
}

/* Sizes of one province after scaling to the requested station count. */
typedef struct prov_plan {
    prov_info real;
    size_t stations, regencies, kota, districts, villages, kelurahan;
} prov_plan;

static size_t scaled(int real, double f, size_t lo, size_t hi)
{
    double x = floor((double)real * f + 0.5);
    size_t v = x < 1.0 ? 1 : (size_t)x;
    return v < lo ? lo : v > hi ? hi : v;
}

/* Province plans: stations by largest remainder over the real counts,
 * every other level scaled by min(1, stations / default) and kept between
 * one per parent and one per station. */
static saksi_status plan_provinces(const saksi_sim_config *c, prov_plan *plan, size_t np,
                                   saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    double *w = saksi_malloc_array(np, sizeof *w);
    uint32_t *st = saksi_malloc_array(np, sizeof *st);
    if (!w || !st) SAKSI_ALLOC_FAIL("province plan");
    for (size_t p = 0; p < np; p++) {
        plan[p].real = p < c->provinces ? provinces[p] : overseas;
        w[p] = plan[p].real.stations;
    }
    SAKSI_TRY(allocate(c->stations, np, w, 0, st, err));
    double f = c->stations < SAKSI_SIM_DEFAULT_STATIONS
                   ? (double)c->stations / (double)SAKSI_SIM_DEFAULT_STATIONS
                   : 1.0;
    for (size_t p = 0; p < np; p++) {
        prov_plan *pp = &plan[p];
        const prov_info *r = &pp->real;
        pp->stations = st[p];
        pp->regencies = scaled(r->regencies, f, 1, pp->stations);
        pp->kota = (size_t)floor((double)r->kota * (double)pp->regencies / r->regencies + 0.5);
        if (r->code == 99) {
            /* a mission is a regency with one district and one village */
            pp->districts = pp->villages = pp->regencies;
        } else {
            pp->districts = scaled(r->districts, f, pp->regencies, pp->stations);
            pp->villages = scaled(r->villages, f, pp->districts, pp->stations);
        }
        pp->kelurahan =
            (size_t)floor((double)r->kelurahan * (double)pp->villages / r->villages + 0.5);
        /* missions are numbered 01..99 whatever their kind */
        if (r->code == 99 ? pp->regencies > MAX_DISTRICTS
                          : pp->regencies - pp->kota > MAX_KABUPATEN || pp->kota > MAX_KOTA)
            SAKSI_FAIL(SAKSI_ERR_LIMIT, "province %d: %zu regencies do not fit the code", r->code,
                       pp->regencies);
    }
out:
    free(w);
    free(st);
    return rc;
}

/* Lay out the regions under one province into the level arrays, starting
 * at the indices in next[] (advanced on return). */
static saksi_status build_province(const saksi_sim_config *c, const prov_plan *pp, size_t pidx,
                                   saksi_sim_hier *h, size_t next[SAKSI_NLEVELS], saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    int overseas_prov = pp->real.code == 99;
    size_t nr = pp->regencies, nd = pp->districts, nv = pp->villages;
    double *w = saksi_malloc_array(nv > nr ? nv : nr, sizeof *w);
    uint32_t *dcount = saksi_malloc_array(nr, sizeof *dcount);
    uint32_t *vcount = saksi_malloc_array(nd, sizeof *vcount);
    uint32_t *scount = saksi_malloc_array(nv, sizeof *scount);
    uint8_t *kel = saksi_calloc_array(nv, sizeof *kel);
    saksi_sim_stream s;
    if (!w || !dcount || !vcount || !scount || !kel) SAKSI_ALLOC_FAIL("province layout");
    saksi_sim_stream_init(&s, c->seed, saksi_sim_code_hash((uint64_t)pp->real.code, 2),
                          SAKSI_SIM_STREAM_ALLOC);

    /* districts per regency; the last pp->kota regencies are kota */
    for (size_t r = 0; r < nr; r++)
        w[r] =
            saksi_sim_gamma(&s, DISTRICT_SHAPE) * (r >= nr - pp->kota ? KOTA_DISTRICT_FACTOR : 1.0);
    SAKSI_TRY(allocate(nd, nr, w, MAX_DISTRICTS, dcount, err));
    /* villages per district */
    for (size_t d = 0; d < nd; d++)
        w[d] = saksi_sim_gamma(&s, VILLAGE_SHAPE);
    SAKSI_TRY(allocate(nv, nd, w, 2 * MAX_VILLAGE_KIND, vcount, err));

    /* kelurahan: most villages of a kota, the rest spread over kabupaten */
    size_t vkota = 0, d0 = 0;
    for (size_t r = 0; r < nr; r++) {
        for (size_t d = d0; d < d0 + dcount[r]; d++)
            if (r >= nr - pp->kota) vkota += vcount[d];
        d0 += dcount[r];
    }
    double pkota = vkota ? (double)pp->kelurahan / (double)vkota : 0.0;
    pkota = pkota < KOTA_KELURAHAN_PROB ? pkota : KOTA_KELURAHAN_PROB; /* a probability */
    double pkab =
        nv > vkota ? ((double)pp->kelurahan - pkota * (double)vkota) / (double)(nv - vkota) : 0.0;
    pkab = pkab < 0.0 ? 0.0 : pkab > 1.0 ? 1.0 : pkab; /* a probability, not data */

    /* walk regencies -> districts -> villages, assigning codes */
    size_t di = 0, vi = 0;
    for (size_t r = 0; r < nr; r++) {
        int is_kota = r >= nr - pp->kota;
        size_t ri = next[2]++;
        uint64_t kk = is_kota ? 71 + (r - (nr - pp->kota)) : r + 1;
        h->level[2].code[ri] = (uint64_t)pp->real.code * 100 + kk;
        h->level[2].parent[ri] = (uint32_t)pidx;
        h->level[2].first[ri] = (uint32_t)next[3];
        h->level[2].count[ri] = dcount[r];
        if (dcount[r] > MAX_DISTRICTS)
            SAKSI_FAIL(SAKSI_ERR_LIMIT, "regency %llu: %u districts do not fit the code",
                       (unsigned long long)h->level[2].code[ri], dcount[r]);
        for (size_t dd = 0; dd < dcount[r]; dd++, di++) {
            size_t dj = next[3]++;
            h->level[3].code[dj] = h->level[2].code[ri] * 100 + dd + 1;
            h->level[3].parent[dj] = (uint32_t)ri;
            h->level[3].first[dj] = (uint32_t)next[4];
            h->level[3].count[dj] = vcount[di];
            /* kelurahan first (1001..), then desa (2001..) */
            size_t nkel = 0;
            for (size_t v = 0; v < vcount[di]; v++)
                if (!overseas_prov && saksi_sim_uniform(&s) < (is_kota ? pkota : pkab)) nkel++;
            if (nkel > MAX_VILLAGE_KIND || vcount[di] - nkel > MAX_VILLAGE_KIND)
                SAKSI_FAIL(SAKSI_ERR_LIMIT, "district %llu: %u villages do not fit the code",
                           (unsigned long long)h->level[3].code[dj], vcount[di]);
            for (size_t v = 0; v < vcount[di]; v++, vi++) {
                size_t vj = next[4]++;
                uint64_t dddd = overseas_prov ? 1 : v < nkel ? 1001 + v : 2001 + (v - nkel);
                h->level[4].code[vj] = h->level[3].code[dj] * 10000 + dddd;
                h->level[4].parent[vj] = (uint32_t)dj;
                kel[vi] = !overseas_prov && v < nkel;
            }
        }
    }
    /* stations per village: kelurahan (urban) hold several times more */
    for (size_t v = 0; v < nv; v++)
        w[v] = saksi_sim_gamma(&s, overseas_prov ? OVERSEAS_STATION_SHAPE : STATION_SHAPE) *
               (kel[v] ? KELURAHAN_STATION_FACTOR : 1.0);
    SAKSI_TRY(allocate(pp->stations, nv, w, MAX_STATIONS_PER_VILLAGE, scount, err));
    size_t v0 = next[4] - nv;
    for (size_t v = 0; v < nv; v++) {
        if (scount[v] > MAX_STATIONS_PER_VILLAGE)
            SAKSI_FAIL(SAKSI_ERR_LIMIT, "village %llu: %u stations do not fit the code",
                       (unsigned long long)h->level[4].code[v0 + v], scount[v]);
        h->level[4].first[v0 + v] = (uint32_t)h->nstations;
        h->level[4].count[v0 + v] = scount[v];
        h->nstations += scount[v];
    }
out:
    free(w);
    free(dcount);
    free(vcount);
    free(scount);
    free(kel);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Random effects                                                       */
/* ------------------------------------------------------------------ */

static double level_sd(const saksi_sim_effects *e, int level)
{
    switch (level) {
    case SAKSI_LEVEL_PROVINCE:
        return e->province;
    case SAKSI_LEVEL_REGENCY:
        return e->regency;
    case SAKSI_LEVEL_DISTRICT:
        return e->district;
    default:
        return e->village;
    }
}

/* The region's own effects, from its own stream (so they depend on its code
 * and the seed only), added to its parent's cumulative effects. */
static void draw_effects(const saksi_sim_config *c, int level, size_t i, saksi_sim_hier *h)
{
    const saksi_sim_model *m = &c->model;
    saksi_sim_level *lv = &h->level[level];
    saksi_sim_stream s;
    saksi_sim_fx own;
    saksi_sim_stream_init(&s, c->seed, saksi_sim_code_hash(lv->code[i], code_width[level]),
                          SAKSI_SIM_STREAM_EFFECT);
    /* a village inherits its district's dispersion multipliers */
    double st = 1.0, ss = 1.0;
    if (level == SAKSI_LEVEL_VILLAGE) {
        const saksi_sim_fx *dist = &h->level[level - 1].fx[lv->parent[i]];
        st = dist->scale_turnout;
        ss = dist->scale_share;
    }
    own.turnout = st * level_sd(&m->turnout_sd, level) * saksi_sim_normal(&s);
    own.invalid = level_sd(&m->invalid_sd, level) * saksi_sim_normal(&s);
    own.added = level_sd(&m->added_sd, level) * saksi_sim_normal(&s);
    for (size_t k = 0; k < c->ncand; k++)
        own.share[k] = ss * level_sd(&m->share_sd, level) * saksi_sim_normal(&s);
    if (level == SAKSI_LEVEL_DISTRICT) {
        /* districts differ in how heterogeneous their villages and stations
         * are (lognormal with mean 1): the spread of the real dispersion
         * ratios over districts is wider than sampling alone gives */
        double a = m->dispersion_district_sdlog.turnout, b = m->dispersion_district_sdlog.share;
        st = exp(a * saksi_sim_normal(&s) - 0.5 * a * a);
        ss = exp(b * saksi_sim_normal(&s) - 0.5 * b * b);
    }
    own.scale_turnout = st;
    own.scale_share = ss;
    if (level == SAKSI_LEVEL_REGENCY) {
        /* lognormal with mean 1: regencies differ in how full their TPS are */
        double sd = m->size_regency_sd;
        h->size_a[i] = m->size_a * exp(sd * saksi_sim_normal(&s) - 0.5 * sd * sd);
    }
    saksi_sim_fx *fx = &lv->fx[i];
    if (level == SAKSI_LEVEL_PROVINCE) {
        *fx = own;
        return;
    }
    const saksi_sim_fx *up = &h->level[level - 1].fx[lv->parent[i]];
    fx->scale_turnout = own.scale_turnout;
    fx->scale_share = own.scale_share;
    fx->turnout = up->turnout + own.turnout;
    fx->invalid = up->invalid + own.invalid;
    fx->added = up->added + own.added;
    for (size_t k = 0; k < c->ncand; k++)
        fx->share[k] = up->share[k] + own.share[k];
}

/* Province effects centred on their station-weighted mean, so that the
 * calibrated intercepts hit the national targets whatever 38 draws came
 * out. Overseas and noken provinces have their own turnout, invalid and
 * added-voter targets, so their own effects on those are zero. */
static void centre_provinces(const saksi_sim_config *c, saksi_sim_hier *h)
{
    saksi_sim_level *pl = &h->level[1];
    double wsum = 0.0, wall = 0.0, t = 0.0, inv = 0.0, add = 0.0, sh[SAKSI_SIM_MAX_CAND] = {0};
    for (size_t p = 0; p < pl->n; p++) {
        double w = 0.0;
        for (uint32_t r = pl->first[p]; r < pl->first[p] + pl->count[p]; r++)
            for (uint32_t d = h->level[2].first[r]; d < h->level[2].first[r] + h->level[2].count[r];
                 d++)
                for (uint32_t v = h->level[3].first[d];
                     v < h->level[3].first[d] + h->level[3].count[d]; v++)
                    w += h->level[4].count[v];
        int own =
            h->prov_kind[p] == SAKSI_SIM_PROV_REGULAR || h->prov_kind[p] == SAKSI_SIM_PROV_PAPUA;
        if (own) {
            wsum += w;
            t += w * pl->fx[p].turnout;
            inv += w * pl->fx[p].invalid;
            add += w * pl->fx[p].added;
        }
        wall += w;
        for (size_t k = 0; k < c->ncand; k++)
            sh[k] += w * pl->fx[p].share[k];
    }
    for (size_t p = 0; p < pl->n; p++) {
        saksi_sim_fx *fx = &pl->fx[p];
        int own =
            h->prov_kind[p] == SAKSI_SIM_PROV_REGULAR || h->prov_kind[p] == SAKSI_SIM_PROV_PAPUA;
        if (own && wsum > 0.0) {
            fx->turnout -= t / wsum;
            fx->invalid -= inv / wsum;
            fx->added -= add / wsum;
        } else if (!own) {
            fx->turnout = fx->invalid = fx->added = 0.0;
        }
        for (size_t k = 0; k < c->ncand; k++)
            fx->share[k] -= sh[k] / wall;
    }
}

saksi_status saksi_sim_hier_build(const saksi_sim_config *c, saksi_sim_hier *h, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t np = c->provinces + (c->overseas ? 1 : 0);
    size_t tot[SAKSI_NLEVELS] = {0}, next[SAKSI_NLEVELS] = {0};
    prov_plan *plan = NULL;
    memset(h, 0, sizeof *h);
    if (c->provinces < 1 || c->provinces > NPROV_DOMESTIC)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "provinces must be 1..%zu, not %zu", NPROV_DOMESTIC,
                   c->provinces);
    if (c->stations < np || c->stations > SAKSI_SIM_MAX_STATIONS)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "stations must be %zu..%d for %zu provinces, not %zu", np,
                   SAKSI_SIM_MAX_STATIONS, np, c->stations);
    plan = saksi_calloc_array(np, sizeof *plan);
    if (!plan) SAKSI_ALLOC_FAIL("province plan");
    SAKSI_TRY(plan_provinces(c, plan, np, err));
    for (size_t p = 0; p < np; p++) {
        tot[2] += plan[p].regencies;
        tot[3] += plan[p].districts;
        tot[4] += plan[p].villages;
    }
    SAKSI_TRY(level_alloc(&h->level[1], np, err));
    for (int l = 2; l < SAKSI_NLEVELS; l++)
        SAKSI_TRY(level_alloc(&h->level[l], tot[l], err));
    h->prov_kind = saksi_calloc_array(np, sizeof *h->prov_kind);
    h->size_a = saksi_calloc_array(tot[2], sizeof *h->size_a);
    if (!h->prov_kind || !h->size_a) SAKSI_ALLOC_FAIL("province kinds");
    for (size_t p = 0; p < np; p++) {
        h->level[1].code[p] = (uint64_t)plan[p].real.code;
        h->level[1].first[p] = (uint32_t)next[2];
        h->level[1].count[p] = (uint32_t)plan[p].regencies;
        h->prov_kind[p] = (uint8_t)prov_kind_of(plan[p].real.code);
        size_t before = h->nstations;
        size_t at[SAKSI_NLEVELS];
        memcpy(at, next, sizeof at);
        SAKSI_TRY(build_province(c, &plan[p], p, h, next, err));
        if (plan[p].real.code == 99) {
            h->overseas_regions[1] = 1;
            for (int l = 2; l < SAKSI_NLEVELS; l++)
                h->overseas_regions[l] = next[l] - at[l];
            h->overseas_stations = h->nstations - before;
        }
    }
    if (h->nstations != c->stations)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "hierarchy holds %zu stations, not %zu", h->nstations,
                   c->stations);
    for (int l = 1; l < SAKSI_NLEVELS; l++) {
        for (size_t i = 0; i < h->level[l].n; i++)
            draw_effects(c, l, i, h);
        if (l == SAKSI_LEVEL_PROVINCE) centre_provinces(c, h);
    }
out:
    free(plan);
    if (rc != SAKSI_OK) saksi_sim_hier_free(h);
    return rc;
}
