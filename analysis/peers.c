/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * peers.c — per-station expectations from the station's peers (DESIGN §4
 * "Null models"): the beta-binomial fitted to its district, leaving the
 * station itself out, shrunk toward its regency (also leaving it out) when
 * the district is small, within its stratum. Never the tested station's
 * own value, never the tested region's pooled rate.
 */
#include "analysis.h"

#include <stdlib.h>
#include <string.h>

int saksi_rate_field_ratio(const saksi_table *t, size_t i, const void *ctx, int32_t *x,
                           int32_t *n)
{
    const int *f = ctx; /* {count field, size field} */
    int32_t c = saksi_table_get(t, f[0], i), s = saksi_table_get(t, f[1], i);
    if (c == SAKSI_MISSING || s == SAKSI_MISSING || s < 1 || c < 0 || c > s)
        return 0;
    *x = c;
    *n = s;
    return 1;
}

void saksi_peer_options_init(saksi_peer_options *o)
{
    o->shrink_k0 = SAKSI_PEER_SHRINK_K0;
    o->leave_out_village = 0;
    o->village_share = 0.0;
    o->wide_error = 0;
}

int saksi_station_has_village(const saksi_table *t, size_t i)
{
    return t->regions[SAKSI_LEVEL_VILLAGE].code[t->region_of[SAKSI_LEVEL_VILLAGE][i]][0] != '\0';
}

double saksi_station_size(const saksi_table *t, size_t i, int32_t n)
{
    int32_t r = t->slot_of_field[SAKSI_F_REGISTERED] >= 0
                    ? saksi_table_get(t, SAKSI_F_REGISTERED, i)
                    : SAKSI_MISSING;
    return r != SAKSI_MISSING && r >= 1 ? r : n;
}

/* Sums of the regular stations of the village that starts at station
 * first (and ends before end) that are someone's peer. */
static void village_sums(const saksi_table *t, size_t first, size_t end, saksi_rate_fn rate,
                         const void *ctx, const uint8_t *exclude, saksi_bb_sums *v)
{
    const uint32_t *vil = t->region_of[SAKSI_LEVEL_VILLAGE];
    memset(v, 0, sizeof *v);
    for (size_t j = first; j < end && vil[j] == vil[first]; j++) {
        int32_t x, n;
        if (t->stratum[j] == SAKSI_STRATUM_REGULAR && !(exclude && exclude[j]) &&
            rate(t, j, ctx, &x, &n))
            saksi_bb_sums_add_sized(v, x, n, saksi_station_size(t, j, n), 1.0);
    }
}

/* a - b, term by term. */
static void sums_less(saksi_bb_sums *a, const saksi_bb_sums *b)
{
    a->k -= b->k;
    a->n -= b->n;
    a->nn -= b->nn;
    a->x -= b->x;
    a->xx_n -= b->xx_n;
    a->nl -= b->nl;
}

/* Sums of one regency's usable stations per district and stratum, and
 * per district the sum over its villages of their regular peers squared
 * (squares, the q of saksi_bb_shrink_villages; stations of no known
 * village count as villages of their own): a village's k^2 grows by
 * 2 c + 1 with its (c + 1)-th peer. */
static void regency_sums(const saksi_table *t, size_t reg, saksi_rate_fn rate, const void *ctx,
                         const uint8_t *exclude, saksi_bb_sums *dist, saksi_bb_sums *wide,
                         double *squares)
{
    const saksi_regions *rg = &t->regions[SAKSI_LEVEL_REGENCY];
    const saksi_regions *dg = &t->regions[SAKSI_LEVEL_DISTRICT];
    const uint32_t *vil = t->region_of[SAKSI_LEVEL_VILLAGE];
    size_t first = rg->first[reg], end = first + rg->count[reg];
    size_t d0 = t->region_of[SAKSI_LEVEL_DISTRICT][first];
    double c = 0.0; /* regular peers so far in station i's village */
    memset(wide, 0, SAKSI_NSTRATA * sizeof *wide);
    for (size_t i = first; i < end; i++) {
        size_t d = t->region_of[SAKSI_LEVEL_DISTRICT][i] - d0;
        if (i == dg->first[d + d0]) {
            memset(&dist[d * SAKSI_NSTRATA], 0, SAKSI_NSTRATA * sizeof *dist);
            squares[d] = 0.0;
        }
        if (i == first || vil[i] != vil[i - 1]) c = 0.0;
        int32_t x, n;
        if ((exclude && exclude[i]) || !rate(t, i, ctx, &x, &n))
            continue;
        double size = saksi_station_size(t, i, n);
        saksi_bb_sums_add_sized(&dist[d * SAKSI_NSTRATA + t->stratum[i]], x, n, size, 1.0);
        saksi_bb_sums_add_sized(&wide[t->stratum[i]], x, n, size, 1.0);
        if (t->stratum[i] != SAKSI_STRATUM_REGULAR) continue;
        if (!saksi_station_has_village(t, i)) {
            squares[d] += 1.0;
            continue;
        }
        squares[d] += 2.0 * c + 1.0;
        c += 1.0;
    }
}

saksi_status saksi_peers_fit(const saksi_table *t, saksi_rate_fn rate, const void *ctx,
                             const uint8_t *exclude, const saksi_peer_options *opt, saksi_bb *out,
                             double *peers, double *within, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_regions *rg = &t->regions[SAKSI_LEVEL_REGENCY];
    size_t maxd = 0;
    saksi_bb_sums *dist = NULL, wide[SAKSI_NSTRATA];
    double *squares = NULL;
    /* Districts per regency, for the scratch sums. */
    for (size_t r = 0; r < rg->n; r++) {
        size_t first = rg->first[r], last = first + rg->count[r] - 1;
        size_t nd = t->region_of[SAKSI_LEVEL_DISTRICT][last] -
                    t->region_of[SAKSI_LEVEL_DISTRICT][first] + 1;
        if (nd > maxd)
            maxd = nd;
    }
    dist = saksi_calloc_array(maxd * SAKSI_NSTRATA, sizeof *dist);
    squares = saksi_calloc_array(maxd, sizeof *squares);
    if (!dist || !squares)
        SAKSI_ALLOC_FAIL("peer sums");
    for (size_t r = 0; r < rg->n; r++) {
        size_t first = rg->first[r], end = first + rg->count[r];
        size_t d0 = t->region_of[SAKSI_LEVEL_DISTRICT][first];
        const uint32_t *vil = t->region_of[SAKSI_LEVEL_VILLAGE];
        saksi_bb_sums village = {0};
        regency_sums(t, r, rate, ctx, exclude, dist, wide, squares);
        for (size_t i = first; i < end; i++) {
            int32_t x, n;
            if (opt->leave_out_village && (i == first || vil[i] != vil[i - 1]))
                village_sums(t, i, end, rate, ctx, exclude, &village);
            memset(&out[i], 0, sizeof out[i]);
            if (!rate(t, i, ctx, &x, &n))
                continue;
            int s = t->stratum[i], self = !(exclude && exclude[i]);
            saksi_bb_sums local = dist[(t->region_of[SAKSI_LEVEL_DISTRICT][i] - d0) *
                                           SAKSI_NSTRATA + s];
            saksi_bb_sums reg = wide[s];
            int village_out = opt->leave_out_village && s == SAKSI_STRATUM_REGULAR &&
                              saksi_station_has_village(t, i);
            if (village_out) {
                sums_less(&local, &village); /* the station among them when it is a peer */
                sums_less(&reg, &village);
            } else if (self) { /* leave the station out of its own null */
                double size = saksi_station_size(t, i, n);
                saksi_bb_sums_add_sized(&local, x, n, size, -1.0);
                saksi_bb_sums_add_sized(&reg, x, n, size, -1.0);
            }
            saksi_bb lf, wf;
            double spread;
            int villages = 0;
            saksi_bb_fit(&local, &lf);
            saksi_bb_fit(&reg, &wf);
            if (village_out) {
                double q = squares[t->region_of[SAKSI_LEVEL_DISTRICT][i] - d0] -
                           village.k * village.k;
                villages = saksi_bb_shrink_villages(&lf, &local, q, opt->village_share, &wf,
                                                    opt->shrink_k0, &out[i], &spread);
            } else {
                saksi_bb_shrink(&lf, local.k, &wf, opt->shrink_k0, &out[i]);
                spread = out[i].rho;
                /* A regency of one district (of the stratum; an overseas
                 * mission): the local fit is the wide one, no shrinkage
                 * holds the local mean's error, and all of it is the
                 * wide mean's (w = 0). */
                if (opt->wide_error)
                    out[i].rho = saksi_bb_wide_error(&out[i], &lf, reg.k == local.k ? 0.0 : local.k,
                                                     &wf, &reg, opt->shrink_k0);
            }
            if (within) within[i] = spread;
            if (peers) /* a leave-village-out fit's W rests on its local peers alone */
                peers[i] = villages ? local.k : saksi_shrunk_peers(local.k, reg.k, opt->shrink_k0);
        }
    }
out:
    free(dist);
    free(squares);
    return rc;
}
