/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_html_build.c — builds the report view from a finished audit: the
 * candidates and the margin, class counts, turnout and share histograms
 * and the national fingerprint (integer bins from the table), the figures
 * the families handed over (digit bars, spike profiles, fingerprints),
 * the ranked list with reasons in both languages, the region ranking with
 * coverage and drill-down, the test families' inflation factors, and the
 * station tests behind the anomaly score.
 */
#include "report_html.h"

#include "digits.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define VIEW_SCHEMA "saksi-report-view/1"

typedef struct builder {
    const saksi_table *t;
    const saksi_results *res;
    saksi_view *v;
    saksi_rollup roll;
} builder;

static saksi_status attr_u(builder *b, const char *key, uint64_t val, saksi_error *err)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, val);
    return saksi_view_set_attr(b->v, key, buf, err);
}

/* A parameter as text: 6 significant digits (0.05, not 0.050000000000000003). */
static saksi_status attr_f(builder *b, const char *key, double val, saksi_error *err)
{
    char buf[64];
    saksi_format_double(buf, sizeof buf, val, 6);
    return saksi_view_set_attr(b->v, key, buf, err);
}

static const char *cand_label(const saksi_table *t, int c)
{
    return c >= 0 && (size_t)c < t->ncand ? t->cand_label[c] : "";
}

/* ------------------------------------------------------------------ */

static saksi_status build_summary(builder *b, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_table *t = b->t;
    const saksi_results *res = b->res;
    saksi_vtable *cand, *cls;
    size_t row;
    int64_t total = 0;
    static const saksi_vspec ccols[] = {
        {"label", SAKSI_V_STR}, {"votes", SAKSI_V_I64}, {"share", SAKSI_V_F64}};
    static const saksi_vspec kcols[] = {{"code", SAKSI_V_I32},
                                        {"name", SAKSI_V_STR},
                                        {"stations", SAKSI_V_I64},
                                        {"votes_at_stake", SAKSI_V_I64}};
    SAKSI_TRY(saksi_view_set_attr(b->v, "view_schema", VIEW_SCHEMA, err));
    SAKSI_TRY(attr_u(b, "stations", t->n, err));
    SAKSI_TRY(attr_u(b, "ncand", t->ncand, err));
    SAKSI_TRY(saksi_view_set_attr(b->v, "first", cand_label(t, b->roll.first), err));
    SAKSI_TRY(saksi_view_set_attr(b->v, "second", cand_label(t, b->roll.second), err));
    SAKSI_TRY(attr_u(b, "margin", (uint64_t)b->roll.margin, err));
    for (int l = 0; l < SAKSI_NLEVELS; l++) {
        char key[32];
        snprintf(key, sizeof key, "regions_%s", saksi_level_name(l));
        SAKSI_TRY(attr_u(b, key, t->regions[l].n, err));
    }
    const saksi_anomaly *a = res->anomaly;
    SAKSI_TRY(attr_u(b, "anomaly_m", a ? a->m : 0, err));
    SAKSI_TRY(attr_u(b, "anomaly_flagged", a ? a->nflagged : 0, err));
    SAKSI_TRY(attr_u(b, "anomaly_in_flagged_regions", a ? a->in_flagged_regions : 0, err));
    SAKSI_TRY(attr_f(b, "anomaly_alpha", a ? a->alpha : SAKSI_ANOMALY_ALPHA, err));
    SAKSI_TRY(attr_f(b, "anomaly_interval", SAKSI_ANOMALY_PI_LEVEL, err));

    SAKSI_TRY(saksi_view_add_table(b->v, "candidates", ccols, 3, &cand, err));
    for (size_t c = 0; c < t->ncand; c++)
        total += b->roll.cand_votes[c];
    for (size_t c = 0; c < t->ncand; c++) {
        SAKSI_TRY(saksi_vt_append(cand, &row, err));
        SAKSI_TRY(saksi_vt_set_s(cand, row, 0, t->cand_label[c], err));
        saksi_vt_set_i(cand, row, 1, b->roll.cand_votes[c]);
        saksi_vt_set_f(cand, row, 2, total ? (double)b->roll.cand_votes[c] / (double)total : NAN);
    }
    SAKSI_TRY(saksi_view_add_table(b->v, "classes", kcols, 4, &cls, err));
    const saksi_rollup_region *nat = &b->roll.level[SAKSI_LEVEL_NATIONAL][0];
    for (int k = 0; k < SAKSI_NCLASSES; k++) {
        SAKSI_TRY(saksi_vt_append(cls, &row, err));
        saksi_vt_set_i(cls, row, 0, k);
        SAKSI_TRY(saksi_vt_set_s(cls, row, 1, saksi_class_name(k), err));
        saksi_vt_set_i(cls, row, 2, t->n ? nat->by_class[k] : 0);
        saksi_vt_set_i(cls, row, 3, t->n ? nat->votes[k] : 0);
    }
out:
    return rc;
}

/* ------------------------------------------------------------------ */
/* Histograms and the national fingerprint                             */
/* ------------------------------------------------------------------ */

/* Percent bin of x of n (n >= 1, x >= 0) by integer division. */
static int pct_bin(int64_t x, int64_t n)
{
    if (x > n) return SAKSI_VIEW_PCT_BINS - 1;
    return (int)((100 * x) / n);
}

/* Turnout numerator of station i: voters_total, else total (the ballots
 * cast), as in the fingerprint literature (Klimek et al. 2012). */
static int32_t turnout_votes(const saksi_table *t, size_t i)
{
    int32_t v = saksi_table_get(t, SAKSI_F_VOTERS_TOTAL, i);
    return v != SAKSI_MISSING ? v : saksi_table_get(t, SAKSI_F_TOTAL, i);
}

static saksi_status add_hist(builder *b, saksi_vtable *h, const char *name, const int64_t *count,
                             saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t row;
    for (int k = 0; k < SAKSI_VIEW_PCT_BINS; k++) {
        SAKSI_TRY(saksi_vt_append(h, &row, err));
        SAKSI_TRY(saksi_vt_set_s(h, row, 0, name, err));
        saksi_vt_set_i(h, row, 1, k);
        saksi_vt_set_i(h, row, 2, count[k]);
    }
out:
    return rc;
}

static saksi_status build_histograms(builder *b, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_table *t = b->t;
    saksi_vtable *h;
    int64_t count[SAKSI_VIEW_PCT_BINS];
    char name[64];
    static const saksi_vspec cols[] = {
        {"hist", SAKSI_V_STR}, {"bin", SAKSI_V_I32}, {"count", SAKSI_V_I64}};
    SAKSI_TRY(saksi_view_add_table(b->v, "histograms", cols, 3, &h, err));
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < t->n; i++) {
        int32_t x = turnout_votes(t, i), n = saksi_table_get(t, SAKSI_F_REGISTERED, i);
        if (x != SAKSI_MISSING && n != SAKSI_MISSING && x >= 0 && n >= 1) count[pct_bin(x, n)]++;
    }
    SAKSI_TRY(add_hist(b, h, "turnout", count, err));
    for (size_t c = 0; c < t->ncand; c++) {
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < t->n; i++) {
            int32_t x = saksi_table_get(t, (int)(SAKSI_NFIXED + c), i);
            int32_t n = saksi_table_get(t, SAKSI_F_VALID, i);
            if (x != SAKSI_MISSING && n != SAKSI_MISSING && x >= 0 && n >= 1)
                count[pct_bin(x, n)]++;
        }
        snprintf(name, sizeof name, "share_%s", t->cand_label[c]);
        SAKSI_TRY(add_hist(b, h, name, count, err));
    }
out:
    return rc;
}

static saksi_status add_fingerprint(builder *b, saksi_vtable *pan, saksi_vtable *cells,
                                    int32_t panel, const saksi_fig_fingerprint *fp,
                                    const char *source, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_table *t = b->t;
    size_t row;
    if (fp->level < 0 || fp->level >= SAKSI_NLEVELS || fp->region >= t->regions[fp->level].n)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "fingerprint figure names %s region %u",
                   saksi_level_name(fp->level), fp->region);
    SAKSI_TRY(saksi_vt_append(pan, &row, err));
    saksi_vt_set_i(pan, row, 0, panel);
    saksi_vt_set_i(pan, row, 1, fp->level);
    SAKSI_TRY(saksi_vt_set_s(pan, row, 2, t->regions[fp->level].code[fp->region], err));
    saksi_vt_set_i(pan, row, 3, fp->nx);
    saksi_vt_set_i(pan, row, 4, fp->ny);
    saksi_vt_set_f(pan, row, 5, fp->f_i);
    saksi_vt_set_f(pan, row, 6, fp->f_e);
    saksi_vt_set_f(pan, row, 7, fp->f_i_null95);
    saksi_vt_set_f(pan, row, 8, fp->f_e_null95);
    SAKSI_TRY(saksi_vt_set_s(pan, row, 9, source, err));
    for (uint32_t x = 0; x < fp->nx; x++)
        for (uint32_t y = 0; y < fp->ny; y++) {
            int32_t c = fp->count[(size_t)x * fp->ny + y];
            if (c == 0) continue; /* sparse: most cells of a fingerprint are empty */
            SAKSI_TRY(saksi_vt_append(cells, &row, err));
            saksi_vt_set_i(cells, row, 0, panel);
            saksi_vt_set_i(cells, row, 1, x);
            saksi_vt_set_i(cells, row, 2, y);
            saksi_vt_set_i(cells, row, 3, c);
        }
out:
    return rc;
}

/* The fingerprints the family handed over, or else the national one from
 * the table: turnout x the national leader's share of valid votes, in
 * 1-point bins; stations above 100% turnout are left out of it. */
static saksi_status build_fingerprints(builder *b, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_table *t = b->t;
    const saksi_figures *fig = b->res->figures;
    saksi_vtable *pan, *cells;
    int32_t *count = NULL;
    static const saksi_vspec pcols[] = {{"panel", SAKSI_V_I32},      {"level", SAKSI_V_I32},
                                        {"code", SAKSI_V_STR},       {"nx", SAKSI_V_I32},
                                        {"ny", SAKSI_V_I32},         {"f_i", SAKSI_V_F64},
                                        {"f_e", SAKSI_V_F64},        {"f_i_null95", SAKSI_V_F64},
                                        {"f_e_null95", SAKSI_V_F64}, {"source", SAKSI_V_STR}};
    static const saksi_vspec ccols[] = {
        {"panel", SAKSI_V_I32}, {"x", SAKSI_V_I32}, {"y", SAKSI_V_I32}, {"count", SAKSI_V_I32}};
    SAKSI_TRY(saksi_view_add_table(b->v, "fingerprint_panels", pcols, 10, &pan, err));
    SAKSI_TRY(saksi_view_add_table(b->v, "fingerprint_cells", ccols, 4, &cells, err));
    if (fig && fig->nfingerprints) {
        for (size_t k = 0; k < fig->nfingerprints; k++)
            SAKSI_TRY(
                add_fingerprint(b, pan, cells, (int32_t)k, &fig->fingerprints[k], "family", err));
        goto out;
    }
    if (b->roll.first < 0 || t->n == 0) goto out;
    /* the leader's field, always a candidate column (>= SAKSI_NFIXED) */
    int leader_field = SAKSI_NFIXED + (b->roll.first & 0xffff);
    count = saksi_calloc_array(SAKSI_VIEW_FP_BINS * SAKSI_VIEW_FP_BINS, sizeof *count);
    if (!count) SAKSI_ALLOC_FAIL("the fingerprint");
    for (size_t i = 0; i < t->n; i++) {
        int32_t x = turnout_votes(t, i), n = saksi_table_get(t, SAKSI_F_REGISTERED, i);
        int32_t w = saksi_table_get(t, leader_field, i);
        int32_t v = saksi_table_get(t, SAKSI_F_VALID, i);
        if (x == SAKSI_MISSING || n == SAKSI_MISSING || w == SAKSI_MISSING || v == SAKSI_MISSING ||
            n < 1 || v < 1 || x < 0 || x > n || w < 0 || w > v)
            continue;
        /* 100% falls in the last bin: the bins are [k, k+1) but the top one is closed */
        int bx = (int)((int64_t)SAKSI_VIEW_FP_BINS * x / n),
            by = (int)((int64_t)SAKSI_VIEW_FP_BINS * w / v);
        bx = bx == SAKSI_VIEW_FP_BINS ? SAKSI_VIEW_FP_BINS - 1 : bx;
        by = by == SAKSI_VIEW_FP_BINS ? SAKSI_VIEW_FP_BINS - 1 : by;
        count[bx * SAKSI_VIEW_FP_BINS + by]++;
    }
    saksi_fig_fingerprint fp = {
        SAKSI_LEVEL_NATIONAL, 0, SAKSI_VIEW_FP_BINS, SAKSI_VIEW_FP_BINS, count, NAN, NAN, NAN, NAN};
    SAKSI_TRY(add_fingerprint(b, pan, cells, 0, &fp, "table", err));
out:
    free(count);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Figures handed over by the families                                 */
/* ------------------------------------------------------------------ */

static saksi_status check_region(const saksi_table *t, int level, uint32_t region, const char *what,
                                 saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (level < 0 || level >= SAKSI_NLEVELS || region >= t->regions[level].n)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "%s figure names level %d region %u", what, level, region);
out:
    return rc;
}

/* The digit family's national histograms (res->digits, issue 3): per
 * candidate the last digit and the second digit of 10..99 and of
 * 100..999, observed against the peer beta-binomial's expected counts and
 * the classical expectation (the descriptive first digit is left out of
 * the plots). Panels are numbered from 1000 to stay apart from figures. */
static saksi_status digit_family_panels(builder *b, saksi_vtable *d, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_digits_result *dr = b->res->digits;
    static const struct {
        int test;
        const char *name;
    } shown[] = {{SAKSI_DT_LAST, "last_digit"},
                 {SAKSI_DT_SECOND_2D, "second_digit_10_99"},
                 {SAKSI_DT_SECOND_3D, "second_digit_100_999"}};
    size_t row;
    int64_t panel = 1000;
    if (!dr || !dr->national) goto out;
    for (size_t c = 0; c < dr->ncand && c < b->t->ncand; c++)
        for (size_t k = 0; k < sizeof shown / sizeof shown[0]; k++, panel++) {
            const saksi_digits_national *nat = &dr->national[c * SAKSI_DT_COUNT + shown[k].test];
            const saksi_digit_acc *acc = &nat->acc[SAKSI_DIGITS_BB];
            if (acc->n == 0) continue; /* no number in the range: nothing to draw */
            for (int dg = 0; dg < SAKSI_FIG_DIGITS; dg++) {
                SAKSI_TRY(saksi_vt_append(d, &row, err));
                saksi_vt_set_i(d, row, 0, panel);
                SAKSI_TRY(saksi_vt_set_s(d, row, 1, shown[k].name, err));
                saksi_vt_set_i(d, row, 2, SAKSI_LEVEL_NATIONAL);
                SAKSI_TRY(saksi_vt_set_s(d, row, 3, b->t->regions[0].code[0], err));
                SAKSI_TRY(saksi_vt_set_s(d, row, 4, b->t->cand_label[c], err));
                saksi_vt_set_i(d, row, 5, dg);
                saksi_vt_set_f(d, row, 6, (double)acc->o[dg]);
                saksi_vt_set_f(d, row, 7, acc->e[dg]);
                saksi_vt_set_f(d, row, 8, nat->classical[dg] * (double)acc->n);
            }
        }
out:
    return rc;
}

/* Rows of one digit panel. */
static saksi_status digit_rows(builder *b, saksi_vtable *d, int64_t panel,
                               const saksi_fig_digits *g, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_table *t = b->t;
    size_t row;
    SAKSI_TRY(check_region(t, g->level, g->region, "a digit", err));
    for (int dg = 0; dg < SAKSI_FIG_DIGITS; dg++) {
        SAKSI_TRY(saksi_vt_append(d, &row, err));
        saksi_vt_set_i(d, row, 0, panel);
        SAKSI_TRY(saksi_vt_set_s(d, row, 1, g->test ? g->test : "", err));
        saksi_vt_set_i(d, row, 2, g->level);
        SAKSI_TRY(saksi_vt_set_s(d, row, 3, t->regions[g->level].code[g->region], err));
        SAKSI_TRY(saksi_vt_set_s(d, row, 4, cand_label(t, g->candidate), err));
        saksi_vt_set_i(d, row, 5, dg);
        saksi_vt_set_f(d, row, 6, g->observed[dg]);
        saksi_vt_set_f(d, row, 7, g->expected[dg]);
        saksi_vt_set_f(d, row, 8, g->classical[dg]);
    }
out:
    return rc;
}

/* The regions the digit family flagged (2000..), its national panels
 * (1000..), then any figure a family handed over (0..). */
static saksi_status build_digits(builder *b, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_figures *fig = b->res->figures;
    saksi_fig_digits *regions = NULL;
    size_t nregions = 0;
    saksi_vtable *d;
    static const saksi_vspec cols[] = {
        {"panel", SAKSI_V_I32},    {"test", SAKSI_V_STR},      {"level", SAKSI_V_I32},
        {"code", SAKSI_V_STR},     {"candidate", SAKSI_V_STR}, {"digit", SAKSI_V_I32},
        {"observed", SAKSI_V_F64}, {"expected", SAKSI_V_F64},  {"classical", SAKSI_V_F64}};
    SAKSI_TRY(saksi_view_add_table(b->v, "digits", cols, 9, &d, err));
    SAKSI_TRY(saksi_view_digit_regions(b->t, b->res, &regions, &nregions, err));
    for (size_t k = 0; k < nregions; k++)
        SAKSI_TRY(digit_rows(b, d, 2000 + (int64_t)k, &regions[k], err));
    SAKSI_TRY(digit_family_panels(b, d, err));
    for (size_t k = 0; fig && k < fig->ndigits; k++)
        SAKSI_TRY(digit_rows(b, d, (int64_t)k, &fig->digits[k], err));
out:
    free(regions);
    return rc;
}

static saksi_status build_spikes(builder *b, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_table *t = b->t;
    const saksi_figures *fig = b->res->figures;
    saksi_vtable *s;
    size_t row;
    static const saksi_vspec cols[] = {{"panel", SAKSI_V_I32},   {"rate", SAKSI_V_STR},
                                       {"level", SAKSI_V_I32},   {"code", SAKSI_V_STR},
                                       {"percent", SAKSI_V_I32}, {"observed", SAKSI_V_F64},
                                       {"expected", SAKSI_V_F64}};
    SAKSI_TRY(saksi_view_add_table(b->v, "spikes", cols, 7, &s, err));
    for (size_t k = 0; fig && k < fig->nspikes; k++) {
        const saksi_fig_spikes *g = &fig->spikes[k];
        SAKSI_TRY(check_region(t, g->level, g->region, "a spike", err));
        for (int p = 0; p < SAKSI_FIG_PERCENTS; p++) {
            SAKSI_TRY(saksi_vt_append(s, &row, err));
            saksi_vt_set_i(s, row, 0, (int64_t)k);
            SAKSI_TRY(saksi_vt_set_s(s, row, 1, g->rate ? g->rate : "", err));
            saksi_vt_set_i(s, row, 2, g->level);
            SAKSI_TRY(saksi_vt_set_s(s, row, 3, t->regions[g->level].code[g->region], err));
            saksi_vt_set_i(s, row, 4, p);
            saksi_vt_set_f(s, row, 5, g->observed[p]);
            saksi_vt_set_f(s, row, 6, g->expected[p]);
        }
    }
out:
    return rc;
}

/* ------------------------------------------------------------------ */
/* The ranked list                                                     */
/* ------------------------------------------------------------------ */

enum {
    RK_RANK,
    RK_ID,
    RK_PROV,
    RK_REG,
    RK_DIST,
    RK_VILL,
    RK_CLASS,
    RK_RULES,
    RK_PRIMARY,
    RK_DISC,
    RK_VOTES,
    RK_FIELD,
    RK_REPORTED,
    RK_REPAIRED,
    RK_ALT,
    RK_WEIGHT,
    RK_REASON_EN,
    RK_REASON_ID,
    RK_P,
    RK_Q,
    RK_LO,
    RK_HI,
    RK_BENEF,
    RK_NCOLS
};

/* Names of the rules in mask joined by '|', as ranked.csv has them. */
static void rule_list(const saksi_rules *rules, uint32_t mask, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t r = 0; rules && r < rules->nrules && r < 32; r++) {
        if (!(mask >> r & 1u)) continue;
        int w = snprintf(buf + used, len - used, "%s%s", used ? "|" : "", rules->rule[r].name);
        if (w < 0 || (size_t)w >= len - used) break;
        used += (size_t)w;
    }
}

static saksi_status build_ranked(builder *b, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_table *t = b->t;
    const saksi_results *res = b->res;
    saksi_vtable *r;
    size_t row;
    char buf[SAKSI_MAX_RULES * 64 + 1024];
    static const saksi_vspec cols[RK_NCOLS] = {{"rank", SAKSI_V_I32},
                                               {"station_id", SAKSI_V_STR},
                                               {"province", SAKSI_V_STR},
                                               {"regency", SAKSI_V_STR},
                                               {"district", SAKSI_V_STR},
                                               {"village", SAKSI_V_STR},
                                               {"class", SAKSI_V_STR},
                                               {"rules", SAKSI_V_STR},
                                               {"primary_rule", SAKSI_V_STR},
                                               {"discrepancy", SAKSI_V_I64},
                                               {"votes_at_stake", SAKSI_V_I64},
                                               {"repair_field", SAKSI_V_STR},
                                               {"reported", SAKSI_V_I32},
                                               {"repaired", SAKSI_V_I32},
                                               {"alternatives", SAKSI_V_I32},
                                               {"repair_weight", SAKSI_V_F64},
                                               {"reason_en", SAKSI_V_STR},
                                               {"reason_id", SAKSI_V_STR},
                                               {"p", SAKSI_V_F64},
                                               {"q", SAKSI_V_F64},
                                               {"votes_lo", SAKSI_V_I64},
                                               {"votes_hi", SAKSI_V_I64},
                                               {"beneficiary", SAKSI_V_STR}};
    SAKSI_TRY(saksi_view_add_table(b->v, "ranked", cols, RK_NCOLS, &r, err));
    for (size_t k = 0; k < res->nranked; k++) {
        const saksi_rank_row *rr = &res->ranked[k];
        const saksi_repair *rp =
            rr->repair != SIZE_MAX && rr->repair < res->nrepairs ? &res->repairs[rr->repair] : NULL;
        const saksi_anomaly_row *ar =
            res->anomaly && rr->anomaly_row > 0 && rr->anomaly_row <= res->anomaly->nrows
                ? &res->anomaly->row[rr->anomaly_row - 1]
                : NULL;
        if (rr->station >= t->n || (rr->repair != SIZE_MAX && !rp) ||
            (rr->primary_rule >= 0 &&
             (!res->rules || (size_t)rr->primary_rule >= res->rules->nrules)))
            SAKSI_FAIL(SAKSI_ERR_INTERNAL,
                       "ranked row %zu refers to a station, rule or repair "
                       "that does not exist",
                       k);
        SAKSI_TRY(saksi_vt_append(r, &row, err));
        saksi_vt_set_i(r, row, RK_RANK, (int64_t)k + 1);
        SAKSI_TRY(saksi_vt_set_s(r, row, RK_ID, saksi_table_id(t, rr->station), err));
        for (int l = 1; l < SAKSI_NLEVELS; l++)
            SAKSI_TRY(saksi_vt_set_s(r, row, (size_t)(RK_PROV + l - 1),
                                     t->regions[l].code[t->region_of[l][rr->station]], err));
        SAKSI_TRY(saksi_vt_set_s(r, row, RK_CLASS, saksi_class_name(rr->klass), err));
        rule_list(res->rules, rr->rules, buf, sizeof buf);
        SAKSI_TRY(saksi_vt_set_s(r, row, RK_RULES, buf, err));
        SAKSI_TRY(saksi_vt_set_s(
            r, row, RK_PRIMARY,
            rr->primary_rule >= 0 ? res->rules->rule[rr->primary_rule].name : "", err));
        saksi_vt_set_i(r, row, RK_DISC, rr->discrepancy);
        saksi_vt_set_i(r, row, RK_VOTES, rr->votes_at_stake);
        if (rp) {
            if (rp->field >= SAKSI_NFIXED && (size_t)(rp->field - SAKSI_NFIXED) < t->ncand)
                snprintf(buf, sizeof buf, "cand_%s", t->cand_label[rp->field - SAKSI_NFIXED]);
            else if (rp->field >= 0 && rp->field < SAKSI_NFIXED)
                snprintf(buf, sizeof buf, "%s", saksi_field_name(rp->field));
            else
                SAKSI_FAIL(SAKSI_ERR_INTERNAL, "repair of ranked row %zu names field %d", k,
                           rp->field);
            SAKSI_TRY(saksi_vt_set_s(r, row, RK_FIELD, buf, err));
        }
        saksi_vt_set_i(r, row, RK_REPORTED, rp ? rp->reported : SAKSI_MISSING);
        saksi_vt_set_i(r, row, RK_REPAIRED, rp ? rp->repaired : SAKSI_MISSING);
        saksi_vt_set_i(r, row, RK_ALT, rr->alternatives);
        saksi_vt_set_f(r, row, RK_WEIGHT, rp ? rp->weight : NAN);
        saksi_rank_reason(t, res, rr, "en", buf, sizeof buf);
        SAKSI_TRY(saksi_vt_set_s(r, row, RK_REASON_EN, buf, err));
        saksi_rank_reason(t, res, rr, "id", buf, sizeof buf);
        SAKSI_TRY(saksi_vt_set_s(r, row, RK_REASON_ID, buf, err));
        saksi_vt_set_f(r, row, RK_P, ar ? ar->p : NAN);
        saksi_vt_set_f(r, row, RK_Q, ar ? ar->q : NAN);
        saksi_vt_set_i(r, row, RK_LO, ar ? ar->votes_lo : 0);
        saksi_vt_set_i(r, row, RK_HI, ar ? ar->votes_hi : 0);
        SAKSI_TRY(saksi_vt_set_s(r, row, RK_BENEF, ar ? cand_label(t, ar->beneficiary) : "", err));
    }
out:
    return rc;
}

/* ------------------------------------------------------------------ */
/* Regions, limits and station tests                                   */
/* ------------------------------------------------------------------ */

enum {
    RG_LEVEL,
    RG_RANK,
    RG_CODE,
    RG_PARENT,
    RG_STATIONS,
    RG_DATA,
    RG_COMPLETE,
    RG_INTEGRITY,
    RG_ANOMALY,
    RG_TRANSCRIPTION,
    RG_INCOMPLETE,
    RG_CROSS,
    RG_VOTES,
    RG_VOTES_ANOMALY,
    RG_LO,
    RG_HI,
    RG_MARGIN,
    RG_RUN,
    RG_FLAGGED,
    RG_MINQ,
    RG_TOP_IDS,
    RG_TOP_RANKS,
    RG_NCOLS
};

static saksi_status build_regions(builder *b, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_table *t = b->t;
    saksi_vtable *r;
    size_t row;
    char ids[SAKSI_ROLLUP_TOP * 64], ranks[SAKSI_ROLLUP_TOP * 16];
    static const saksi_vspec cols[RG_NCOLS] = {{"level", SAKSI_V_I32},
                                               {"rank", SAKSI_V_I32},
                                               {"code", SAKSI_V_STR},
                                               {"parent", SAKSI_V_STR},
                                               {"stations", SAKSI_V_I64},
                                               {"with_data", SAKSI_V_I64},
                                               {"complete", SAKSI_V_I64},
                                               {"integrity", SAKSI_V_I64},
                                               {"anomaly", SAKSI_V_I64},
                                               {"transcription", SAKSI_V_I64},
                                               {"incomplete", SAKSI_V_I64},
                                               {"cross_source", SAKSI_V_I64},
                                               {"votes_at_stake", SAKSI_V_I64},
                                               {"unexplained_votes", SAKSI_V_I64},
                                               {"unexplained_lo", SAKSI_V_I64},
                                               {"unexplained_hi", SAKSI_V_I64},
                                               {"share_of_margin", SAKSI_V_F64},
                                               {"tests_run", SAKSI_V_I64},
                                               {"tests_flagged", SAKSI_V_I64},
                                               {"min_q", SAKSI_V_F64},
                                               {"top_stations", SAKSI_V_STR},
                                               {"top_ranks", SAKSI_V_STR}};
    static const int class_col[SAKSI_NCLASSES] = {[SAKSI_CLASS_INTEGRITY] = RG_INTEGRITY,
                                                  [SAKSI_CLASS_ANOMALY] = RG_ANOMALY,
                                                  [SAKSI_CLASS_TRANSCRIPTION] = RG_TRANSCRIPTION,
                                                  [SAKSI_CLASS_INCOMPLETE] = RG_INCOMPLETE,
                                                  [SAKSI_CLASS_CROSS_SOURCE] = RG_CROSS};
    SAKSI_TRY(saksi_view_add_table(b->v, "regions", cols, RG_NCOLS, &r, err));
    for (int l = 0; l < SAKSI_NLEVELS; l++) {
        const saksi_regions *rg = &t->regions[l];
        for (size_t k = 0; k < b->roll.n[l]; k++) {
            uint32_t g = b->roll.order[l][k];
            const saksi_rollup_region *x = &b->roll.level[l][g];
            SAKSI_TRY(saksi_vt_append(r, &row, err));
            saksi_vt_set_i(r, row, RG_LEVEL, l);
            saksi_vt_set_i(r, row, RG_RANK, x->rank);
            SAKSI_TRY(saksi_vt_set_s(r, row, RG_CODE, rg->code[g], err));
            SAKSI_TRY(saksi_vt_set_s(r, row, RG_PARENT,
                                     l > 0 ? t->regions[l - 1].code[rg->parent[g]] : "", err));
            saksi_vt_set_i(r, row, RG_STATIONS, x->stations);
            saksi_vt_set_i(r, row, RG_DATA, x->with_data);
            saksi_vt_set_i(r, row, RG_COMPLETE, x->complete);
            for (int c = SAKSI_CLASS_NONE + 1; c < SAKSI_NCLASSES; c++)
                saksi_vt_set_i(r, row, (size_t)class_col[c], x->by_class[c]);
            saksi_vt_set_i(r, row, RG_VOTES, x->votes_total);
            saksi_vt_set_i(r, row, RG_VOTES_ANOMALY, x->votes[SAKSI_CLASS_ANOMALY]);
            saksi_vt_set_i(r, row, RG_LO, x->anomaly_lo);
            saksi_vt_set_i(r, row, RG_HI, x->anomaly_hi);
            saksi_vt_set_f(r, row, RG_MARGIN, x->share_of_margin);
            saksi_vt_set_i(r, row, RG_RUN, x->tests_run);
            saksi_vt_set_i(r, row, RG_FLAGGED, x->tests_flagged);
            saksi_vt_set_f(r, row, RG_MINQ, x->min_q);
            size_t ui = 0, ur = 0;
            ids[0] = ranks[0] = 0;
            for (uint32_t j = 0; j < x->ntop; j++) {
                size_t station = b->res->ranked[x->top[j]].station;
                ui += (size_t)snprintf(ids + ui, sizeof ids - ui, "%s%.60s", j ? "|" : "",
                                       saksi_table_id(t, station));
                ur += (size_t)snprintf(ranks + ur, sizeof ranks - ur, "%s%zu", j ? "|" : "",
                                       x->top[j] + 1);
            }
            SAKSI_TRY(saksi_vt_set_s(r, row, RG_TOP_IDS, ids, err));
            SAKSI_TRY(saksi_vt_set_s(r, row, RG_TOP_RANKS, ranks, err));
        }
    }
out:
    return rc;
}

/* One row per (test, level) family of the region tests: m, lambda, how
 * many rows were tested and flagged; the limits box names lambda > 1.3. */
static saksi_status build_limits(builder *b, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_region_tests *rt = b->res->region_tests;
    saksi_vtable *lim;
    unsigned char *done = NULL;
    static const saksi_vspec cols[] = {{"test", SAKSI_V_STR},        {"level", SAKSI_V_I32},
                                       {"descriptive", SAKSI_V_I32}, {"rows", SAKSI_V_I64},
                                       {"m", SAKSI_V_I64},           {"lambda", SAKSI_V_F64},
                                       {"flagged", SAKSI_V_I64},     {"skipped", SAKSI_V_I64}};
    SAKSI_TRY(saksi_view_add_table(b->v, "limits", cols, 8, &lim, err));
    if (!rt || rt->n == 0) goto out;
    if (!(done = saksi_calloc_array(rt->n, 1))) SAKSI_ALLOC_FAIL("test families");
    for (size_t a = 0; a < rt->n; a++) {
        if (done[a]) continue;
        const saksi_region_test *x = &rt->row[a];
        int64_t rows = 0, flagged = 0, skipped = 0, m = 0;
        double lambda = NAN;
        int descr = 1;
        for (size_t k = a; k < rt->n; k++) {
            const saksi_region_test *y = &rt->row[k];
            if (done[k] || y->level != x->level || strcmp(y->test, x->test) != 0) continue;
            done[k] = 1;
            rows++;
            flagged += y->flagged != 0;
            skipped += y->skip && *y->skip;
            descr &= y->descriptive != 0;
            if (!isnan(y->lambda)) lambda = y->lambda;
            if ((int64_t)y->m > m) m = y->m;
        }
        size_t row;
        SAKSI_TRY(saksi_vt_append(lim, &row, err));
        SAKSI_TRY(saksi_vt_set_s(lim, row, 0, x->test, err));
        saksi_vt_set_i(lim, row, 1, x->level);
        saksi_vt_set_i(lim, row, 2, descr);
        saksi_vt_set_i(lim, row, 3, rows);
        saksi_vt_set_i(lim, row, 4, m);
        saksi_vt_set_f(lim, row, 5, lambda);
        saksi_vt_set_i(lim, row, 6, flagged);
        saksi_vt_set_i(lim, row, 7, skipped);
    }
out:
    free(done);
    return rc;
}

/* The station tests behind the anomaly score: what was combined, how
 * often each came out below 0.05 and 0.001, and its lambda. */
static saksi_status build_station_tests(builder *b, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_station_tests *st = b->res->station_tests;
    saksi_vtable *s;
    double *scratch = NULL;
    static const saksi_vspec cols[] = {{"test", SAKSI_V_STR},       {"candidate", SAKSI_V_STR},
                                       {"calibrated", SAKSI_V_I32}, {"tested", SAKSI_V_I64},
                                       {"below_05", SAKSI_V_I64},   {"below_001", SAKSI_V_I64},
                                       {"lambda", SAKSI_V_F64}};
    SAKSI_TRY(saksi_view_add_table(b->v, "station_tests", cols, 7, &s, err));
    /* lambda with our own scratch: saksi_lambda_from_p turns a failed
     * allocation into NaN, a report with lambda missing (found by
     * test_faults_alloc, allocation by allocation). */
    if (st && st->ntests && !(scratch = saksi_malloc_array(st->n ? st->n : 1, sizeof *scratch)))
        SAKSI_ALLOC_FAIL("station-test lambda");
    for (size_t k = 0; st && k < st->ntests; k++) {
        const saksi_station_test *c = &st->test[k];
        int64_t n = 0, b05 = 0, b001 = 0;
        for (size_t i = 0; i < st->n; i++) {
            if (isnan(c->p[i])) continue;
            n++;
            b05 += c->p[i] < 0.05;
            b001 += c->p[i] < 0.001;
        }
        size_t row;
        SAKSI_TRY(saksi_vt_append(s, &row, err));
        SAKSI_TRY(saksi_vt_set_s(s, row, 0, c->test, err));
        SAKSI_TRY(saksi_vt_set_s(s, row, 1, cand_label(b->t, c->candidate), err));
        saksi_vt_set_i(s, row, 2, c->calibrated);
        saksi_vt_set_i(s, row, 3, n);
        saksi_vt_set_i(s, row, 4, b05);
        saksi_vt_set_i(s, row, 5, b001);
        saksi_vt_set_f(s, row, 6, saksi_lambda_from_p_ws(c->p, st->n, scratch));
    }
out:
    free(scratch);
    return rc;
}

saksi_status saksi_view_build(const saksi_table *t, const saksi_results *res, saksi_view **out,
                              saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    builder b = {t, res, NULL, {0}};
    *out = NULL;
    if (!(b.v = saksi_view_alloc())) SAKSI_ALLOC_FAIL("the report view");
    SAKSI_TRY(saksi_rollup_build(t, res, &b.roll, err));
    SAKSI_TRY(build_summary(&b, err));
    SAKSI_TRY(build_histograms(&b, err));
    SAKSI_TRY(build_fingerprints(&b, err));
    SAKSI_TRY(build_digits(&b, err));
    SAKSI_TRY(build_spikes(&b, err));
    SAKSI_TRY(build_ranked(&b, err));
    SAKSI_TRY(build_regions(&b, err));
    SAKSI_TRY(build_limits(&b, err));
    SAKSI_TRY(build_station_tests(&b, err));
    *out = b.v;
    b.v = NULL;
out:
    saksi_rollup_free(&b.roll);
    saksi_view_free(b.v);
    return rc;
}
