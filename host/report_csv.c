/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_csv.c — ranked.csv and quarantine.csv: a header row, RFC 4180
 * quoting, integers as plain decimals and floating values with a '.' decimal
 * point whatever the locale; each file written atomically.
 */
#include "report.h"

#include <inttypes.h>
#include <string.h>

void saksi_csv_field(FILE *f, const char *s)
{
    if (!s)
        s = "";
    /* RFC 4180 §2.6-2.7: a field holding a comma, quote or line break is
     * quoted, and a quote inside it doubled. */
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

/* An int32 cell, empty when missing (missing is not zero). */
static void csv_i32(FILE *f, int32_t v)
{
    if (v != SAKSI_MISSING)
        fprintf(f, "%" PRId32, v);
}

/* Rows written between two checks of a stop request: a national
 * ranked.csv of 800,000 rows stops within a few milliseconds. */
#define CSV_STOP_CHECK_ROWS 4096

static saksi_status check_stop(const char *path, size_t row, saksi_error *err)
{
    if (row % CSV_STOP_CHECK_ROWS != 0 || !saksi_stop_requested())
        return SAKSI_OK;
    return saksi_error_set(err, SAKSI_ERR_INTERRUPTED, __FILE__, __LINE__,
                           "%s: interrupted while writing (row %zu)", path, row);
}

static const char *const ranked_header =
    "rank,station_id,province,regency,district,village,class,rules,primary_rule,discrepancy,"
    "votes_at_stake,repair_field,reported,repaired,alternatives,repair_weight,reason\n";

/* Names of the rules in mask, joined by '|' (never a CSV delimiter in any
 * locale's spreadsheet). */
static void rule_list(const saksi_rules *rules, uint32_t mask, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t r = 0; rules && r < rules->nrules && r < 32; r++) {
        if (!(mask >> r & 1u))
            continue;
        int w = snprintf(buf + used, len - used, "%s%s", used ? "|" : "", rules->rule[r].name);
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
}

static void ranked_row(FILE *f, const saksi_table *t, const saksi_results *res, size_t k,
                       const char *lang)
{
    const saksi_rank_row *rr = &res->ranked[k];
    const saksi_repair *rp = rr->repair != SIZE_MAX ? &res->repairs[rr->repair] : NULL;
    /* Room for every rule name (at most SAKSI_MAX_RULES of 63 bytes). */
    char buf[SAKSI_MAX_RULES * 64 + 64];
    fprintf(f, "%zu,", k + 1);
    saksi_csv_field(f, saksi_table_id(t, rr->station));
    for (int l = 1; l < SAKSI_NLEVELS; l++) {
        fputc(',', f);
        saksi_csv_field(f, t->regions[l].code[t->region_of[l][rr->station]]);
    }
    fputc(',', f);
    saksi_csv_field(f, saksi_class_name(rr->klass));
    fputc(',', f);
    rule_list(res->rules, rr->rules, buf, sizeof buf);
    saksi_csv_field(f, buf);
    fputc(',', f);
    if (rr->primary_rule >= 0)
        saksi_csv_field(f, res->rules->rule[rr->primary_rule].name);
    fprintf(f, ",%" PRId64 ",%" PRId64 ",", rr->discrepancy, rr->votes_at_stake);
    if (rp) {
        if (rp->field >= SAKSI_NFIXED)
            snprintf(buf, sizeof buf, "cand_%s", t->cand_label[rp->field - SAKSI_NFIXED]);
        else
            snprintf(buf, sizeof buf, "%s", saksi_field_name(rp->field));
        saksi_csv_field(f, buf);
        fputc(',', f);
        csv_i32(f, rp->reported);
        fputc(',', f);
        csv_i32(f, rp->repaired);
    } else {
        fputs(",,", f);
    }
    fprintf(f, ",%" PRIu32 ",", rr->alternatives);
    if (rp) {
        saksi_format_double(buf, sizeof buf, rp->weight, 6);
        fputs(buf, f);
    }
    fputc(',', f);
    saksi_rank_reason(t, res, rr, lang, buf, sizeof buf);
    saksi_csv_field(f, buf);
    fputs("\n", f);
}

saksi_status saksi_report_ranked_csv(const char *path, const saksi_table *t,
                                     const saksi_results *res, const char *lang, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_atomic_file a = {.f = NULL};
    /* Checked before anything is written, so that a bad call leaves no file. */
    for (size_t k = 0; k < res->nranked; k++) {
        const saksi_rank_row *rr = &res->ranked[k];
        int field = rr->repair != SIZE_MAX && rr->repair < res->nrepairs
                        ? res->repairs[rr->repair].field
                        : 0;
        if (rr->station >= t->n || (rr->repair != SIZE_MAX && rr->repair >= res->nrepairs) ||
            rr->primary_rule < -1 ||
            (rr->primary_rule >= 0 &&
             (!res->rules || (size_t)rr->primary_rule >= res->rules->nrules)) ||
            field < 0 || (size_t)field >= SAKSI_NFIXED + t->ncand)
            SAKSI_FAIL(SAKSI_ERR_INTERNAL,
                       "%s: ranked row %zu refers to a station, rule, repair "
                       "or field that does not exist",
                       path, k);
    }
    SAKSI_TRY(saksi_atomic_open(&a, path, err));
    fputs(ranked_header, a.f);
    for (size_t k = 0; k < res->nranked; k++) {
        SAKSI_TRY(check_stop(path, k, err));
        ranked_row(a.f, t, res, k, lang);
    }
    SAKSI_TRY(saksi_atomic_commit(&a, err));
out:
    saksi_atomic_abort(&a);
    return rc;
}

saksi_status saksi_report_quarantine_csv(const char *path, const saksi_quarantine *q,
                                         saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_atomic_file a = {.f = NULL};
    size_t n = q ? q->n : 0;
    for (size_t k = 0; k < n; k++)
        if (q->rec[k].file >= q->nfiles)
            SAKSI_FAIL(SAKSI_ERR_INTERNAL,
                       "%s: quarantine record %zu names file %" PRIu32 " of %zu", path, k,
                       q->rec[k].file, q->nfiles);
    SAKSI_TRY(saksi_atomic_open(&a, path, err));
    fputs("file,line,column,field,reason,station_id,detail\n", a.f);
    for (size_t k = 0; k < n; k++) {
        const saksi_qrecord *r = &q->rec[k];
        SAKSI_TRY(check_stop(path, k, err));
        saksi_csv_field(a.f, q->files[r->file]);
        fprintf(a.f, ",%" PRIu64 ",%" PRIu32 ",", r->line, r->column);
        saksi_csv_field(a.f, r->field);
        fputc(',', a.f);
        saksi_csv_field(a.f, saksi_qreason_name(r->reason));
        fputc(',', a.f);
        saksi_csv_field(a.f, r->station_id);
        fputc(',', a.f);
        saksi_csv_field(a.f, r->detail);
        fputs("\n", a.f);
    }
    SAKSI_TRY(saksi_atomic_commit(&a, err));
out:
    saksi_atomic_abort(&a);
    return rc;
}
