/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rank.c — classes by rule, findings, votes at stake and the one ranked
 * list (DESIGN §5), with a plain-language reason per row in English or
 * Bahasa Indonesia. Integrity findings are facts, not p-values.
 */
#include "analysis.h"
#include "compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const class_names[SAKSI_NCLASSES] = {
    "none", "integrity", "anomaly", "transcription", "incomplete", "cross-source"};

const char *saksi_class_name(int klass)
{
    return klass >= 0 && klass < SAKSI_NCLASSES ? class_names[klass] : "?";
}

int saksi_class_lookup(const char *name)
{
    for (int k = 0; name && k < SAKSI_NCLASSES; k++)
        if (strcmp(name, class_names[k]) == 0)
            return k;
    return -1;
}

saksi_status saksi_class_priority_parse(const char *list, int priority[SAKSI_NCLASSES],
                                        saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    static const int defaults[] = {SAKSI_CLASS_INTEGRITY, SAKSI_CLASS_ANOMALY,
                                   SAKSI_CLASS_TRANSCRIPTION, SAKSI_CLASS_INCOMPLETE,
                                   SAKSI_CLASS_CROSS_SOURCE};
    int out[SAKSI_NCLASSES] = {0}, used[SAKSI_NCLASSES] = {0}, n = 0;
    const char *p = list ? list : "";
    while (*p) {
        char name[32];
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof name)
            SAKSI_FAIL(SAKSI_ERR_USAGE, "--class-priority: empty or overlong class name in '%s'",
                       list);
        memcpy(name, p, len);
        name[len] = 0;
        int k = saksi_class_lookup(name);
        if (k <= SAKSI_CLASS_NONE)
            SAKSI_FAIL(SAKSI_ERR_USAGE, "--class-priority: unknown class '%s' (integrity, anomaly, "
                       "transcription, incomplete, cross-source)", name);
        if (used[k])
            SAKSI_FAIL(SAKSI_ERR_USAGE, "--class-priority: '%s' named twice", name);
        used[k] = 1;
        out[n++] = k;
        p += len;
        if (*p == ',' && !*++p)
            SAKSI_FAIL(SAKSI_ERR_USAGE, "--class-priority: trailing comma in '%s'", list);
    }
    for (size_t d = 0; d < sizeof defaults / sizeof defaults[0]; d++)
        if (!used[defaults[d]])
            out[n++] = defaults[d];
    memcpy(priority, out, sizeof out);
out:
    return rc;
}

static const char *const edit_names[SAKSI_NEDITS] = {"change", "drop", "insert", "swap"};

/* Sum of one side of a rule at station i: lhs = terms [0, nlhs), rhs =
 * the negated rest. *fields_zero says every cell on that side is 0 (and
 * there is at least one). Returns 0 when a cell is missing. */
static int side_sum(const saksi_table *t, const saksi_rule *rule, size_t i, int rhs, int64_t *sum,
                    int *fields_zero)
{
    size_t begin = rhs ? rule->nlhs : 0, end = rhs ? rule->nterms : rule->nlhs;
    int64_t s = 0;
    int cells = 0, zero = 1;
    for (size_t k = begin; k < end; k++) {
        const saksi_rule_term *x = &rule->term[k];
        int64_t v = 0;
        if (x->kind == SAKSI_TERM_CONST) {
            v = 1;
        } else if (x->kind == SAKSI_TERM_CAND_SUM) {
            for (size_t c = 0; c < t->ncand; c++) {
                int32_t cv = saksi_table_get(t, (int)(SAKSI_NFIXED + c), i);
                if (cv == SAKSI_MISSING)
                    return 0;
                v += cv;
            }
            cells++;
            zero &= v == 0;
        } else {
            int32_t cv = saksi_table_get(t, x->field, i);
            if (cv == SAKSI_MISSING)
                return 0;
            v = x->kind == SAKSI_TERM_CEIL ? saksi_ceil_div((int64_t)cv * x->num, x->den) : cv;
            cells++;
            zero &= cv == 0;
        }
        s += (int64_t)x->mul * v;
    }
    *sum = rhs ? -s : s;
    *fields_zero = cells > 0 && zero;
    return 1;
}

/* One side all zeros and the other positive: in Sirekap a 0 there is far
 * more often a field left blank than a count of zero. */
static int probably_unentered(const saksi_table *t, const saksi_rule *rule, size_t i)
{
    int64_t l, r;
    int lz, rz;
    if (!side_sum(t, rule, i, 0, &l, &lz) || !side_sum(t, rule, i, 1, &r, &rz))
        return 0;
    return (lz && r > 0) || (rz && l > 0);
}

/* How far a failing rule is off, as a non-negative count. */
static int64_t excess(int op, int64_t d)
{
    if (op == SAKSI_OP_LE)
        return d;
    if (op == SAKSI_OP_GE)
        return -d;
    return d < 0 ? -d : d;
}

static saksi_status collect_findings(const saksi_table *t, const int32_t *prog, saksi_results *res,
                                     saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_rules *rules = res->rules;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < t->n; i++) {
        for (size_t r = 0; r < rules->nrules; r++) {
            uint32_t bit = 1u << r;
            res->rule_evaluated[r] += (res->eval_mask[i] & bit) != 0;
            if (!(res->fail_mask[i] & bit))
                continue;
            res->rule_failed[r]++;
            if (n == cap) {
                cap = cap ? cap * 2 : 1024;
                saksi_finding *f2 = saksi_realloc_array(res->findings, cap, sizeof *f2);
                if (!f2)
                    SAKSI_ALLOC_FAIL("findings");
                res->findings = f2;
            }
            saksi_finding *f = &res->findings[n++];
            f->station = i;
            f->rule = (int)r;
            f->discrepancy = 0;
            saksi_rule_eval(prog, (saksi_i32)r, t->cols, t->stride, i, &f->discrepancy);
            f->probably_unentered = probably_unentered(t, &rules->rule[r], i);
        }
    }
    res->nfindings = n;
out:
    return rc;
}

/* Largest negative value of a station, as a positive count. */
static int64_t negative_excess(const saksi_table *t, size_t i)
{
    int64_t worst = 0;
    for (size_t s = 0; s < t->nslots; s++) {
        int32_t v = t->cols[s * t->stride + i];
        if (v != SAKSI_MISSING && v < 0 && -(int64_t)v > worst)
            worst = -(int64_t)v;
    }
    return worst;
}

/* Ballots a station can have cast: ballots_received when given, else the
 * register plus the 2% reserve (DESIGN §4); -1 when neither is known. */
static int64_t station_capacity(const saksi_table *t, size_t i)
{
    int32_t rec = saksi_table_get(t, SAKSI_F_BALLOTS_RECEIVED, i);
    int32_t reg = saksi_table_get(t, SAKSI_F_REGISTERED, i);
    if (rec != SAKSI_MISSING && rec >= 0)
        return rec;
    if (reg != SAKSI_MISSING && reg >= 1)
        return reg + saksi_ceil_div((int64_t)reg * 2, 100);
    return -1;
}

/* Fields whose value is a count of votes cast (a misread there moves
 * votes); the register and the ballot stock are not. */
static int field_counts_votes(int field)
{
    switch (field) {
    case SAKSI_F_REGISTERED:
    case SAKSI_F_REGISTERED_MALE:
    case SAKSI_F_REGISTERED_FEMALE:
    case SAKSI_F_BALLOTS_RECEIVED:
    case SAKSI_F_BALLOTS_SPOILED:
    case SAKSI_F_BALLOTS_UNUSED:
        return 0;
    default:
        return 1;
    }
}

/* Class, primary rule, discrepancy and votes at stake of one station whose
 * findings are fs[0..nf) and whose top repair (if any) is rep. The primary
 * rule is the failed integrity rule with the largest excess, a rule
 * counting votes before one counting the register or the ballot stock;
 * votes at stake is the largest excess among the failed vote rules (a
 * lower bound on the votes the broken identities involve, DESIGN §5). */
static void classify(const saksi_table *t, const saksi_results *res, size_t i,
                     const saksi_finding *fs, size_t nf, const saksi_repair *rep,
                     double min_weight, saksi_rank_row *row)
{
    const saksi_rules *rules = res->rules;
    int64_t worst = -1;
    int worst_votes = 0;
    row->primary_rule = -1;
    row->discrepancy = 0;
    row->votes_at_stake = 0;
    row->klass = SAKSI_CLASS_INCOMPLETE;
    for (size_t k = 0; k < nf; k++) {
        const saksi_rule *rule = &rules->rule[fs[k].rule];
        if (rule->klass != SAKSI_CLASS_INTEGRITY || fs[k].probably_unentered)
            continue;
        int votes = rule->unit == SAKSI_UNIT_VOTES;
        int64_t e = excess(rule->op, fs[k].discrepancy);
        if (votes && e > row->votes_at_stake)
            row->votes_at_stake = e;
        if (votes > worst_votes || (votes == worst_votes && e > worst)) {
            worst = e;
            worst_votes = votes;
            row->primary_rule = fs[k].rule;
            row->discrepancy = fs[k].discrepancy;
        }
    }
    if (worst >= 0) {
        row->klass = SAKSI_CLASS_INTEGRITY;
    } else if (nf > 0) {
        row->primary_rule = fs[0].rule;
        row->discrepancy = fs[0].discrepancy;
    }
    if (res->neg_mask[i]) {
        int64_t e = negative_excess(t, i);
        row->klass = SAKSI_CLASS_INTEGRITY;
        if (e > row->votes_at_stake)
            row->votes_at_stake = e;
    }
    /* No station moves more votes than it has ballots: a discrepancy of
     * 140,000 at a TPS of 250 voters is a misread number, and the votes
     * really at stake there are at most its capacity. */
    int64_t cap = station_capacity(t, i);
    if (cap >= 0 && row->votes_at_stake > cap)
        row->votes_at_stake = cap;
    /* A repair explains every failed rule; it decides the class when it is
     * unique or clearly the best, and the station has no negative cell. */
    if (rep && !res->neg_mask[i] && (rep->alternatives == 1 || rep->weight >= min_weight)) {
        int64_t d = (int64_t)rep->reported - rep->repaired;
        row->klass = SAKSI_CLASS_TRANSCRIPTION;
        row->votes_at_stake = field_counts_votes(rep->field) ? (d < 0 ? -d : d) : 0;
        if (row->primary_rule < 0 && nf > 0) {
            row->primary_rule = fs[0].rule;
            row->discrepancy = fs[0].discrepancy;
        }
    }
}

typedef struct sort_row {
    saksi_rank_row row;
    int class_rank;
    const char *id;
} sort_row;

static int cmp_rows(const void *a, const void *b)
{
    const sort_row *x = a, *y = b;
    if (x->class_rank != y->class_rank)
        return x->class_rank < y->class_rank ? -1 : 1;
    if (x->row.votes_at_stake != y->row.votes_at_stake)
        return x->row.votes_at_stake > y->row.votes_at_stake ? -1 : 1;
    if (x->row.score != y->row.score)
        return x->row.score > y->row.score ? -1 : 1;
    return strcmp(x->id, y->id);
}

saksi_status saksi_rank_build(const saksi_table *t, const int32_t *prog, saksi_results *res,
                              const saksi_config *cfg, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    sort_row *rows = NULL;
    int class_rank[SAKSI_NCLASSES];
    size_t nrows = 0, f = 0, r = 0, a = 0;
    const saksi_anomaly *an = res->anomaly;

    for (int k = 0; k < SAKSI_NCLASSES; k++)
        class_rank[k] = SAKSI_NCLASSES;
    for (int k = 0; k < SAKSI_NCLASSES; k++)
        if (cfg->class_priority[k] > SAKSI_CLASS_NONE && cfg->class_priority[k] < SAKSI_NCLASSES)
            class_rank[cfg->class_priority[k]] = k;

    memset(res->rule_failed, 0, sizeof res->rule_failed);
    memset(res->rule_evaluated, 0, sizeof res->rule_evaluated);
    SAKSI_TRY(collect_findings(t, prog, res, err));
    free(res->klass); /* a second build replaces the first */
    free(res->ranked);
    res->ranked = NULL;
    res->nranked = 0;
    res->klass = saksi_calloc_array(t->n, sizeof *res->klass);
    if (!res->klass)
        SAKSI_ALLOC_FAIL("station classes");
    for (size_t i = 0; i < t->n; i++)
        nrows += res->fail_mask[i] || res->neg_mask[i];
    for (size_t k = 0; an && k < an->nrows; k++) {
        size_t i = an->row[k].station;
        if (i >= t->n)
            SAKSI_FAIL(SAKSI_ERR_INTERNAL, "anomaly row %zu names station %zu of %zu", k, i, t->n);
        nrows += an->row[k].q < an->alpha && !res->fail_mask[i] && !res->neg_mask[i];
    }
    rows = saksi_calloc_array(nrows, sizeof *rows);
    if (!rows)
        SAKSI_ALLOC_FAIL("ranked list");

    /* Findings and repairs are in station order: walk them in step. */
    nrows = 0;
    for (size_t i = 0; i < t->n; i++) {
        size_t f0 = f;
        while (f < res->nfindings && res->findings[f].station == i)
            f++;
        const saksi_repair *rep = NULL;
        size_t rep_index = SIZE_MAX;
        while (r < res->nrepairs && res->repairs[r].station < i)
            r++;
        if (r < res->nrepairs && res->repairs[r].station == i) {
            rep = &res->repairs[r];
            rep_index = r;
        }
        const saksi_anomaly_row *ar = NULL;
        while (an && a < an->nrows && an->row[a].station < i)
            a++;
        if (an && a < an->nrows && an->row[a].station == i)
            ar = &an->row[a];
        int ruled = res->fail_mask[i] || res->neg_mask[i];
        if (!ruled && !(ar && ar->q < an->alpha))
            continue;
        sort_row *sr = &rows[nrows++];
        sr->row.station = i;
        sr->row.rules = res->fail_mask[i];
        sr->row.repair = rep_index;
        sr->row.alternatives = rep ? rep->alternatives : 0;
        sr->row.anomaly_row = ar ? a + 1 : 0;
        if (ruled) {
            /* No findings at all leaves res->findings NULL: NULL + 0 is undefined. */
            const saksi_finding *fs = f > f0 ? res->findings + f0 : NULL;
            classify(t, res, i, fs, f - f0, rep, cfg->repair_min_weight, &sr->row);
        } else {
            /* Class by rules first: anomaly only where no rule applies
             * (DESIGN §5); its votes at stake are the unexplained votes
             * and its score the strength of the combined evidence. */
            sr->row.klass = SAKSI_CLASS_ANOMALY;
            sr->row.primary_rule = -1;
            sr->row.votes_at_stake = ar->votes;
            sr->row.score = -log10(ar->p);
        }
        sr->class_rank = class_rank[sr->row.klass];
        sr->id = saksi_table_id(t, i);
        res->klass[i] = (uint8_t)sr->row.klass;
    }
    qsort(rows, nrows, sizeof *rows, cmp_rows);
    res->ranked = saksi_calloc_array(nrows, sizeof *res->ranked);
    if (!res->ranked)
        SAKSI_ALLOC_FAIL("ranked list");
    for (size_t k = 0; k < nrows; k++)
        res->ranked[k] = rows[k].row;
    res->nranked = nrows;
out:
    free(rows);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Reasons                                                             */
/* ------------------------------------------------------------------ */

/* "cand_01" for candidate columns, the canonical name otherwise. */
static void field_label(const saksi_table *t, int field, char *buf, size_t len)
{
    if (field >= SAKSI_NFIXED)
        snprintf(buf, len, "cand_%s", t->cand_label[field - SAKSI_NFIXED]);
    else
        snprintf(buf, len, "%s", saksi_field_name(field));
}

static void rule_reason(const saksi_table *t, const saksi_results *res, const saksi_rank_row *row,
                        int id, char *buf, size_t len);

/* A percentage with one decimal and a '.' whatever the locale. */
static void fmt_pct(char *buf, size_t len, double rate)
{
    snprintf(buf, len, "%.1f%%", 100.0 * rate);
    for (char *c = buf; *c; c++)
        if (*c == ',')
            *c = '.';
}

/* A p- or q-value with two significant digits and a short exponent:
 * "2e-9", "4.1e-12", "0.0012". */
static void fmt_p(char *buf, size_t len, double p)
{
    char tmp[32], *e;
    saksi_format_double(tmp, sizeof tmp, p, 2);
    if ((e = strchr(tmp, 'e')) != NULL) {
        char *d = e + 1, *src;
        if (*d == '-' || *d == '+')
            d++;
        for (src = d; *src == '0' && src[1]; src++)
            ;
        memmove(d, src, strlen(src) + 1);
        if (e[1] == '+')
            memmove(e + 1, e + 2, strlen(e + 2) + 1);
    }
    snprintf(buf, len, "%s", tmp);
}

/* What a station test measures, in words ("share of cand_02"). */
static void test_label(const saksi_table *t, const saksi_station_test *c, int id, char *buf,
                       size_t len)
{
    char cand[48] = "";
    if (c->candidate >= 0 && (size_t)c->candidate < t->ncand)
        snprintf(cand, sizeof cand, "cand_%s", t->cand_label[c->candidate]);
    if (strcmp(c->test, "turnout") == 0)
        snprintf(buf, len, "%s", id ? "partisipasi" : "turnout");
    else if (strcmp(c->test, "share") == 0)
        snprintf(buf, len, id ? "perolehan %s" : "share of %s", cand);
    else if (strcmp(c->test, "invalid") == 0)
        snprintf(buf, len, "%s", id ? "suara tidak sah" : "invalid votes");
    else if (strcmp(c->test, "added") == 0)
        snprintf(buf, len, "%s", id ? "pemilih tambahan (DPTb + DPK)" : "added voters (DPTb + DPK)");
    else
        snprintf(buf, len, "%s%s%s", c->test, *cand ? " " : "", cand);
}

/* "turnout 99.6% vs district 78.1% (p = 2e-9); 3 tests combined: p = ...,
 * q = ...; unexplained votes for cand_02: 45 (90%: 12 to 78)" */
static void anomaly_reason(const saksi_table *t, const saksi_results *res,
                           const saksi_anomaly_row *ar, int id, char *buf, size_t len)
{
    const saksi_station_tests *st = res->station_tests;
    char what[96], obs[32], exp[32], pv[32], qv[32];
    int n = 0;
    buf[0] = 0;
    if (st && ar->top_test >= 0 && (size_t)ar->top_test < st->ntests) {
        const saksi_station_test *c = &st->test[ar->top_test];
        test_label(t, c, id, what, sizeof what);
        fmt_pct(obs, sizeof obs, c->observed[ar->station]);
        fmt_pct(exp, sizeof exp, c->expected[ar->station]);
        fmt_p(pv, sizeof pv, c->p[ar->station]);
        n = snprintf(buf, len, id ? "%s %s vs kecamatan %s (p = %s); " : "%s %s vs district %s "
                     "(p = %s); ", what, obs, exp, pv);
    }
    if (n < 0 || (size_t)n >= len)
        return;
    fmt_p(pv, sizeof pv, ar->p);
    fmt_p(qv, sizeof qv, ar->q);
    n += snprintf(buf + n, len - (size_t)n,
                  id ? "%u uji digabung: p = %s, q = %s" : "%u test(s) combined: p = %s, q = %s",
                  ar->ntests, pv, qv);
    if (n < 0 || (size_t)n >= len || ar->beneficiary < 0 ||
        (size_t)ar->beneficiary >= t->ncand)
        return;
    char level[32];
    saksi_format_double(level, sizeof level, 100.0 * SAKSI_ANOMALY_PI_LEVEL, 6);
    snprintf(buf + n, len - (size_t)n,
             id ? "; suara tak terjelaskan untuk cand_%s: %lld (%s%%: %lld s.d. %lld)"
                : "; unexplained votes for cand_%s: %lld (%s%%: %lld to %lld)",
             t->cand_label[ar->beneficiary], (long long)ar->votes, level, (long long)ar->votes_lo,
             (long long)ar->votes_hi);
}

void saksi_rank_reason(const saksi_table *t, const saksi_results *res, const saksi_rank_row *row,
                       const char *lang, char *buf, size_t len)
{
    int id = lang && strcmp(lang, "id") == 0;
    const saksi_anomaly_row *ar =
        res->anomaly && row->anomaly_row > 0 && row->anomaly_row <= res->anomaly->nrows
            ? &res->anomaly->row[row->anomaly_row - 1]
            : NULL;
    if (row->klass == SAKSI_CLASS_ANOMALY) {
        if (ar)
            anomaly_reason(t, res, ar, id, buf, len);
        else
            snprintf(buf, len, "%s", id ? "anomali tanpa rincian" : "anomaly without details");
        return;
    }
    rule_reason(t, res, row, id, buf, len);
    size_t used = strlen(buf);
    /* A rule class comes first, but strong station evidence is worth a word. */
    if (ar && ar->q < res->anomaly->alpha && used + 1 < len) {
        char qv[32];
        fmt_p(qv, sizeof qv, ar->q);
        snprintf(buf + used, len - used,
                 id ? "; juga menyimpang dari kecamatan (q = %s)"
                    : "; also departs from its district peers (q = %s)", qv);
    }
}

/* The reason of a row classed by rules. */
static void rule_reason(const saksi_table *t, const saksi_results *res, const saksi_rank_row *row,
                        int id, char *buf, size_t len)
{
    const saksi_rules *rules = res->rules;
    const saksi_rule *rule = row->primary_rule >= 0 ? &rules->rule[row->primary_rule] : NULL;
    char field[64], weight[32];
    size_t nfailed = 0;
    for (size_t r = 0; r < rules->nrules; r++)
        nfailed += (row->rules >> r) & 1u;
    if (row->klass == SAKSI_CLASS_CROSS_SOURCE && res->realdata) {
        saksi_compare_reason(t, &res->realdata->cmp, row->station, id ? "id" : "en", buf, len);
        return;
    }

    if (row->klass == SAKSI_CLASS_TRANSCRIPTION && row->repair != SIZE_MAX) {
        const saksi_repair *rep = &res->repairs[row->repair];
        field_label(t, rep->field, field, sizeof field);
        saksi_format_double(weight, sizeof weight, rep->weight, 3);
        snprintf(buf, len,
                 id ? "%s = %d tetapi semua identitas terpenuhi dengan %d: kemungkinan salah baca "
                      "(%s satu digit; %u alternatif, bobot %s)"
                    : "%s = %d but every identity holds with %d: probable misread (%s of one "
                      "digit; %u alternative(s), weight %s)",
                 field, rep->reported, rep->repaired, edit_names[rep->edit], rep->alternatives,
                 weight);
        return;
    }
    if (row->klass == SAKSI_CLASS_INCOMPLETE) {
        snprintf(buf, len,
                 id ? "aturan %s (%s) tidak terpenuhi dengan nilai 0: kemungkinan belum diisi"
                    : "rule %s (%s) fails on a 0: probably not entered",
                 rule ? rule->name : "?", rule ? rule->text : "?");
        return;
    }
    if (!rule) {
        snprintf(buf, len, id ? "nilai negatif (%lld)" : "negative value (%lld)",
                 -(long long)row->votes_at_stake);
        return;
    }
    static const char *const unit_id[SAKSI_NUNITS] = {"suara", "pengguna hak pilih",
                                                       "pemilih terdaftar", "surat suara"};
    static const char *const unit_en[SAKSI_NUNITS] = {"votes", "voters", "registered voters",
                                                       "ballots"};
    int n = snprintf(buf, len,
                     id ? "aturan %s (%s) dilanggar: selisih %lld %s"
                        : "rule %s (%s) broken by %lld %s",
                     rule->name, rule->text, (long long)excess(rule->op, row->discrepancy),
                     (id ? unit_id : unit_en)[rule->unit]);
    if (n > 0 && (size_t)n < len && nfailed > 1)
        n += snprintf(buf + n, len - (size_t)n,
                      id ? "; %zu aturan lain juga dilanggar" : "; %zu other rule(s) broken",
                      nfailed - 1);
    if (n > 0 && (size_t)n < len && row->alternatives > 0 && row->repair != SIZE_MAX) {
        const saksi_repair *rep = &res->repairs[row->repair];
        field_label(t, rep->field, field, sizeof field);
        saksi_format_double(weight, sizeof weight, rep->weight, 3);
        snprintf(buf + n, len - (size_t)n,
                 id ? "; %u kemungkinan perbaikan, terbaik %s %d -> %d (bobot %s)"
                    : "; %u possible repairs, best %s %d -> %d (weight %s)",
                 row->alternatives, field, rep->reported, rep->repaired, weight);
    }
}

void saksi_results_free(saksi_results *res)
{
    if (!res)
        return;
    free(res->enabled);
    free(res->eval_mask);
    free(res->fail_mask);
    free(res->neg_mask);
    free(res->klass);
    free(res->findings);
    free(res->repairs);
    free(res->ranked);
    saksi_region_tests_free(res->region_tests);
    free(res->region_tests);
    saksi_fingerprints_free(res->fingerprints);
    saksi_digits_result_free(res->digits);
    free(res->digits);
    saksi_turnout_free(res->turnout);
    saksi_station_tests_free(res->station_tests);
    saksi_anomaly_free(res->anomaly);
    saksi_figures_free(res->figures);
    free(res->figures);
    memset(res, 0, sizeof *res);
}
