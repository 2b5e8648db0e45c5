/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_csv_classes.c — the CSVs drawn from the report view: ranked.csv
 * (the same bytes as report_csv.c writes from the results), one file per
 * class with the anomaly's p, q and interval beside, and regions.csv with
 * the region ranking of every level, its coverage and its drill-down; and
 * saksi_report_render, which draws every file from report.h5 alone.
 */
#include "report_html.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

static const char *const ranked_header =
    "rank,station_id,province,regency,district,village,class,rules,primary_rule,discrepancy,"
    "votes_at_stake,repair_field,reported,repaired,alternatives,repair_weight,reason";

/* A floating cell with a '.' decimal point; empty for NaN (not computed). */
static void csv_f(FILE *f, double v, int precision)
{
    char buf[64];
    if (isnan(v)) return;
    saksi_format_double(buf, sizeof buf, v, precision);
    fputs(buf, f);
}

/* One row of ranked.csv (and of the class files, which add columns). */
static void ranked_row(FILE *f, const saksi_vtable *r, size_t k, const char *lang)
{
    static const char *const strs1[] = {"station_id", "province", "regency", "district",
                                        "village",    "class",    "rules",   "primary_rule"};
    fprintf(f, "%" PRId64, saksi_vt_i(r, k, "rank", 0));
    for (size_t c = 0; c < sizeof strs1 / sizeof strs1[0]; c++) {
        fputc(',', f);
        saksi_csv_field(f, saksi_vt_s(r, k, strs1[c]));
    }
    fprintf(f, ",%" PRId64 ",%" PRId64 ",", saksi_vt_i(r, k, "discrepancy", 0),
            saksi_vt_i(r, k, "votes_at_stake", 0));
    const char *field = saksi_vt_s(r, k, "repair_field");
    if (*field) {
        int64_t rep = saksi_vt_i(r, k, "reported", SAKSI_MISSING);
        int64_t fix = saksi_vt_i(r, k, "repaired", SAKSI_MISSING);
        saksi_csv_field(f, field);
        fputc(',', f);
        if (rep != SAKSI_MISSING) /* missing is not zero: an empty cell */
            fprintf(f, "%" PRId64, rep);
        fputc(',', f);
        if (fix != SAKSI_MISSING) fprintf(f, "%" PRId64, fix);
    } else {
        fputs(",,", f);
    }
    fprintf(f, ",%" PRId64 ",", saksi_vt_i(r, k, "alternatives", 0));
    if (*field) csv_f(f, saksi_vt_f(r, k, "repair_weight", NAN), 6);
    fputc(',', f);
    saksi_csv_field(f, saksi_vt_s(r, k, strcmp(lang, "id") == 0 ? "reason_id" : "reason_en"));
}

static saksi_status check_lang(const char *lang, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (!lang || (strcmp(lang, "en") != 0 && strcmp(lang, "id") != 0))
        SAKSI_FAIL(SAKSI_ERR_USAGE, "report language must be en or id, not '%s'",
                   lang ? lang : "(null)");
out:
    return rc;
}

saksi_status saksi_report_view_ranked_csv(const char *path, const saksi_view *v, const char *lang,
                                          saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_atomic_file a = {.f = NULL};
    const saksi_vtable *r = saksi_view_find(v, "ranked");
    SAKSI_TRY(check_lang(lang, err));
    SAKSI_TRY(saksi_atomic_open(&a, path, err));
    fprintf(a.f, "%s\n", ranked_header);
    for (size_t k = 0; r && k < r->nrows; k++) {
        ranked_row(a.f, r, k, lang);
        fputc('\n', a.f);
    }
    SAKSI_TRY(saksi_atomic_commit(&a, err));
out:
    saksi_atomic_abort(&a);
    return rc;
}

saksi_status saksi_report_class_csvs(const char *dir, const saksi_view *v, const char *lang,
                                     saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_atomic_file a = {.f = NULL};
    const saksi_vtable *r = saksi_view_find(v, "ranked");
    char path[4096];
    SAKSI_TRY(check_lang(lang, err));
    for (int c = SAKSI_CLASS_NONE + 1; c < SAKSI_NCLASSES; c++) {
        const char *name = saksi_class_name(c);
        if (snprintf(path, sizeof path, "%s/class_%s.csv", dir, name) >= (int)sizeof path)
            SAKSI_FAIL(SAKSI_ERR_CANTCREAT, "output path too long: %s/class_%s.csv", dir, name);
        SAKSI_TRY(saksi_atomic_open(&a, path, err));
        fprintf(a.f, "%s,p,q,unexplained_lo,unexplained_hi,beneficiary\n", ranked_header);
        for (size_t k = 0; r && k < r->nrows; k++) {
            if (strcmp(saksi_vt_s(r, k, "class"), name) != 0) continue;
            ranked_row(a.f, r, k, lang);
            fputc(',', a.f);
            csv_f(a.f, saksi_vt_f(r, k, "p", NAN), 6);
            fputc(',', a.f);
            csv_f(a.f, saksi_vt_f(r, k, "q", NAN), 6);
            if (c == SAKSI_CLASS_ANOMALY)
                fprintf(a.f, ",%" PRId64 ",%" PRId64 ",", saksi_vt_i(r, k, "votes_lo", 0),
                        saksi_vt_i(r, k, "votes_hi", 0));
            else
                fputs(",,,", a.f);
            saksi_csv_field(a.f, saksi_vt_s(r, k, "beneficiary"));
            fputc('\n', a.f);
        }
        SAKSI_TRY(saksi_atomic_commit(&a, err));
    }
out:
    saksi_atomic_abort(&a);
    return rc;
}

saksi_status saksi_report_regions_csv(const char *path, const saksi_view *v, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_atomic_file a = {.f = NULL};
    const saksi_vtable *g = saksi_view_find(v, "regions");
    static const char *const ints[] = {"integrity",         "anomaly",        "transcription",
                                       "incomplete",        "cross_source",   "votes_at_stake",
                                       "unexplained_votes", "unexplained_lo", "unexplained_hi"};
    SAKSI_TRY(saksi_atomic_open(&a, path, err));
    fputs("level,rank,code,parent,stations,with_data,complete,coverage_data,coverage_complete,"
          "integrity,anomaly,transcription,incomplete,cross_source,votes_at_stake,"
          "unexplained_votes,unexplained_lo,unexplained_hi,share_of_margin,tests_run,"
          "tests_flagged,min_q,top_stations\n",
          a.f);
    for (size_t r = 0; g && r < g->nrows; r++) {
        int64_t n = saksi_vt_i(g, r, "stations", 0);
        saksi_csv_field(a.f, saksi_level_name((int)saksi_vt_i(g, r, "level", 0)));
        fprintf(a.f, ",%" PRId64 ",", saksi_vt_i(g, r, "rank", 0));
        saksi_csv_field(a.f, saksi_vt_s(g, r, "code"));
        fputc(',', a.f);
        saksi_csv_field(a.f, saksi_vt_s(g, r, "parent"));
        fprintf(a.f, ",%" PRId64 ",%" PRId64 ",%" PRId64 ",", n, saksi_vt_i(g, r, "with_data", 0),
                saksi_vt_i(g, r, "complete", 0));
        csv_f(a.f, n ? (double)saksi_vt_i(g, r, "with_data", 0) / (double)n : NAN, 6);
        fputc(',', a.f);
        csv_f(a.f, n ? (double)saksi_vt_i(g, r, "complete", 0) / (double)n : NAN, 6);
        for (size_t c = 0; c < sizeof ints / sizeof ints[0]; c++)
            fprintf(a.f, ",%" PRId64, saksi_vt_i(g, r, ints[c], 0));
        fputc(',', a.f);
        csv_f(a.f, saksi_vt_f(g, r, "share_of_margin", NAN), 6);
        fprintf(a.f, ",%" PRId64 ",%" PRId64 ",", saksi_vt_i(g, r, "tests_run", 0),
                saksi_vt_i(g, r, "tests_flagged", 0));
        csv_f(a.f, saksi_vt_f(g, r, "min_q", NAN), 6);
        fputc(',', a.f);
        saksi_csv_field(a.f, saksi_vt_s(g, r, "top_stations"));
        fputc('\n', a.f);
    }
    SAKSI_TRY(saksi_atomic_commit(&a, err));
out:
    saksi_atomic_abort(&a);
    return rc;
}

saksi_status saksi_report_render_files(const char *report_h5, const char *dir, const char *lang,
                                       int with_ranked, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_view *v = NULL;
    char path[4096];
    SAKSI_TRY(check_lang(lang, err));
    SAKSI_TRY(saksi_view_read_h5(report_h5, &v, err));
    if (with_ranked) {
        if (snprintf(path, sizeof path, "%s/ranked.csv", dir) >= (int)sizeof path)
            SAKSI_FAIL(SAKSI_ERR_CANTCREAT, "output path too long: %s/ranked.csv", dir);
        SAKSI_TRY(saksi_report_view_ranked_csv(path, v, lang, err));
    }
    SAKSI_TRY(saksi_report_class_csvs(dir, v, lang, err));
    if (snprintf(path, sizeof path, "%s/regions.csv", dir) >= (int)sizeof path)
        SAKSI_FAIL(SAKSI_ERR_CANTCREAT, "output path too long: %s/regions.csv", dir);
    SAKSI_TRY(saksi_report_regions_csv(path, v, err));
    if (snprintf(path, sizeof path, "%s/report.html", dir) >= (int)sizeof path)
        SAKSI_FAIL(SAKSI_ERR_CANTCREAT, "output path too long: %s/report.html", dir);
    SAKSI_TRY(saksi_report_html_write(path, v, lang, err));
out:
    saksi_view_free(v);
    return rc;
}

saksi_status saksi_report_render(const char *report_h5, const char *dir, const char *lang,
                                 saksi_error *err)
{
    return saksi_report_render_files(report_h5, dir, lang, 1, err);
}
