/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_html.c — report.html: one self-contained offline page (no
 * scripts, no network: a content security policy forbids every fetch but
 * data: images), headings in Bahasa Indonesia and English, drawn from the
 * report view alone: provenance, the limits box, the summary and margin,
 * the top of the ranked list with reasons, the per-province table, the
 * region ranking with drill-down, the test families, and the plots.
 */
#include "report_html_text.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void saksi_html_heading(FILE *f, int level, const char *anchor, const char *id, const char *en)
{
    fprintf(f, "<h%d%s%s%s>", level, anchor ? " id=\"" : "", anchor ? anchor : "",
            anchor ? "\"" : "");
    saksi_html_escape(f, id);
    fputs(" <span class=\"en\">/ ", f);
    saksi_html_escape(f, en);
    fprintf(f, "</span></h%d>\n", level);
}

void saksi_html_num(FILE *f, double v, int precision)
{
    char buf[64];
    if (isnan(v)) return;
    saksi_format_double(buf, sizeof buf, v, precision);
    fputs(buf, f);
}

void saksi_html_pct(FILE *f, double a, double b)
{
    char buf[64];
    if (!(b > 0)) return;
    snprintf(buf, sizeof buf, "%.1f%%", 100.0 * a / b);
    for (char *c = buf; *c; c++)
        if (*c == ',') *c = '.';
    fputs(buf, f);
}

static void td_i(FILE *f, int64_t v)
{
    fprintf(f, "<td class=\"n\">%" PRId64 "</td>", v);
}

static void td_s(FILE *f, const char *s)
{
    fputs("<td>", f);
    saksi_html_escape(f, s);
    fputs("</td>", f);
}

static void th2(FILE *f, const char *id, const char *en)
{
    fputs("<th>", f);
    saksi_html_escape(f, id);
    fputs("<br><span class=\"en\">", f);
    saksi_html_escape(f, en);
    fputs("</span></th>", f);
}

/* ------------------------------------------------------------------ */

static void head(FILE *f, const saksi_view *v)
{
    fputs("<!DOCTYPE html>\n<html lang=\"id\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "img-src data:; style-src 'unsafe-inline'\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>saksi: laporan audit / audit report</title>\n<style>\n",
          f);
    fputs(saksi_html_style, f);
    fputs("</style>\n</head>\n<body>\n", f);
    saksi_html_heading(f, 1, "top", "saksi: laporan audit hasil TPS",
                       "saksi: polling-station audit report");
    fputs("<p class=\"notice\">Temuan adalah petunjuk untuk diselidiki, bukan bukti kecurangan. "
          "<span class=\"en\">/ Findings are leads for investigation, never proof of fraud."
          "</span></p>\n",
          f);
    fputs("<nav><a href=\"#limits\">Batasan / Limits</a><a href=\"#summary\">Ringkasan / "
          "Summary</a><a href=\"#ranked\">Peringkat / Ranked list</a><a href=\"#provinces\">"
          "Provinsi / Provinces</a><a href=\"#regions\">Wilayah / Regions</a><a href=\"#tests\">"
          "Uji / Tests</a><a href=\"#plots\">Grafik / Plots</a></nav>\n",
          f);
    /* provenance: what the numbers came from */
    fputs("<table class=\"prov\">", f);
    const char *rows[][3] = {
        {"Versi / version", "root_saksi_version", NULL},
        {"Benih / seed", "root_seed", NULL},
        {"Aturan / rules", "root_rules_source", NULL},
        {"Parameter / parameters", "root_parameters", NULL},
        {"Lingkungan / environment", "root_run_environment", NULL},
    };
    const saksi_vtable *in = saksi_view_find(v, "inputs");
    for (size_t r = 0; in && r < in->nrows; r++) {
        fputs("<tr><th>Masukan / input</th><td class=\"mono\">", f);
        saksi_html_escape(f, saksi_vt_s(in, r, "path"));
        fputs("<br>SHA-256 ", f);
        saksi_html_escape(f, saksi_vt_s(in, r, "sha256"));
        fprintf(f, "<br>%" PRId64 " records, %" PRId64 " bytes</td></tr>",
                saksi_vt_i(in, r, "records", 0), saksi_vt_i(in, r, "bytes", 0));
    }
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        fputs("<tr><th>", f);
        saksi_html_escape(f, rows[k][0]);
        fputs("</th><td class=\"mono\">", f);
        saksi_html_escape(f, saksi_view_attr(v, rows[k][1]));
        fputs("</td></tr>", f);
    }
    fputs("</table>\n", f);
}

/* Families whose inflation factor is above SAKSI_HTML_LAMBDA_WARN. */
static void lambda_warnings(FILE *f, const saksi_view *v)
{
    const saksi_vtable *lim = saksi_view_find(v, "limits");
    const saksi_vtable *st = saksi_view_find(v, "station_tests");
    int any = 0;
    for (int which = 0; which < 2; which++) {
        const saksi_vtable *tb = which ? st : lim;
        for (size_t r = 0; tb && r < tb->nrows; r++) {
            double lambda = saksi_vt_f(tb, r, "lambda", NAN);
            if (!(lambda > SAKSI_HTML_LAMBDA_WARN)) continue;
            fputs(any ? ", "
                      : "<li>&lambda; &gt; 1.3 (statistik uji lebih besar daripada "
                        "model nol; nilai p terlalu kecil / test statistics larger than "
                        "the null predicts; p-values too small): ",
                  f);
            any = 1;
            saksi_html_escape(f, saksi_vt_s(tb, r, "test"));
            if (which == 0) {
                fputs(" (", f);
                saksi_html_escape(f, saksi_level_name((int)saksi_vt_i(tb, r, "level", 0)));
                fputs(")", f);
            } else if (*saksi_vt_s(tb, r, "candidate")) {
                fputs(" cand_", f);
                saksi_html_escape(f, saksi_vt_s(tb, r, "candidate"));
            }
            fputs(" &lambda; = ", f);
            saksi_html_num(f, lambda, 3);
        }
    }
    if (any) fputs("</li>\n", f);
}

static void limits(FILE *f, const saksi_view *v)
{
    fputs("<div class=\"limits\">\n", f);
    saksi_html_heading(f, 2, "limits", "Batasan", "Limits");
    fputs("<ul>\n<li><b>Temuan adalah petunjuk, bukan bukti.</b> <span class=\"en\">Findings are "
          "leads, not proof: each row says which rule or test flagged it and by how much; a "
          "field visit or the C1 form decides.</span></li>\n",
          f);
    for (size_t k = 0; k < saksi_html_nlimits; k++) {
        fputs("<li>", f);
        saksi_html_escape(f, saksi_html_limits[k].id);
        fputs(" <span class=\"en\">", f);
        saksi_html_escape(f, saksi_html_limits[k].en);
        fputs("</span></li>\n", f);
    }
    lambda_warnings(f, v);
    fputs("</ul>\n</div>\n", f);
}

static void summary(FILE *f, const saksi_view *v)
{
    const saksi_vtable *cls = saksi_view_find(v, "classes");
    const saksi_vtable *cand = saksi_view_find(v, "candidates");
    saksi_html_heading(f, 2, "summary", "Ringkasan", "Summary");
    fputs("<p>", f);
    saksi_html_escape(f, saksi_view_attr(v, "stations"));
    fputs(" TPS / stations; ", f);
    saksi_html_escape(f, saksi_view_attr(v, "regions_province"));
    fputs(" provinsi / provinces, ", f);
    saksi_html_escape(f, saksi_view_attr(v, "regions_regency"));
    fputs(" kabupaten-kota / regencies, ", f);
    saksi_html_escape(f, saksi_view_attr(v, "regions_district"));
    fputs(" kecamatan / districts, ", f);
    saksi_html_escape(f, saksi_view_attr(v, "regions_village"));
    fputs(" desa-kelurahan / villages.</p>\n<table><tr>", f);
    th2(f, "Kelas", "Class");
    th2(f, "TPS", "Stations");
    th2(f, "Suara dipertaruhkan", "Votes at stake");
    fputs("</tr>\n", f);
    for (size_t r = 0; cls && r < cls->nrows; r++) {
        fputs("<tr>", f);
        td_s(f, saksi_vt_s(cls, r, "name"));
        td_i(f, saksi_vt_i(cls, r, "stations", 0));
        td_i(f, saksi_vt_i(cls, r, "votes_at_stake", 0));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n<table><tr>", f);
    th2(f, "Calon", "Candidate");
    th2(f, "Suara", "Votes");
    th2(f, "Bagian", "Share");
    fputs("</tr>\n", f);
    for (size_t r = 0; cand && r < cand->nrows; r++) {
        fputs("<tr><td>cand_", f);
        saksi_html_escape(f, saksi_vt_s(cand, r, "label"));
        fputs("</td>", f);
        td_i(f, saksi_vt_i(cand, r, "votes", 0));
        fputs("<td class=\"n\">", f);
        saksi_html_pct(f, saksi_vt_f(cand, r, "share", NAN), 1.0);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n<p>Selisih nasional peringkat 1 dan 2 / national first-second margin: cand_",
          f);
    saksi_html_escape(f, saksi_view_attr(v, "first"));
    fputs(" &minus; cand_", f);
    saksi_html_escape(f, saksi_view_attr(v, "second"));
    fputs(" = <b>", f);
    saksi_html_escape(f, saksi_view_attr(v, "margin"));
    fputs("</b> suara / votes. Anomali: ", f);
    saksi_html_escape(f, saksi_view_attr(v, "anomaly_m"));
    fputs(" TPS diuji / stations tested, ", f);
    saksi_html_escape(f, saksi_view_attr(v, "anomaly_flagged"));
    fputs(" dengan / with q &lt; ", f);
    saksi_html_escape(f, saksi_view_attr(v, "anomaly_alpha"));
    fputs(" (BH berbobot / weighted BH; ", f);
    saksi_html_escape(f, saksi_view_attr(v, "anomaly_in_flagged_regions"));
    fputs(" TPS di wilayah yang ditandai / stations in flagged regions).</p>\n", f);
}

static void ranked(FILE *f, const saksi_view *v, const char *lang)
{
    const saksi_vtable *r = saksi_view_find(v, "ranked");
    int id = strcmp(lang, "id") == 0;
    saksi_html_heading(f, 2, "ranked", "Daftar peringkat TPS", "Ranked stations");
    size_t n = r ? r->nrows : 0;
    fprintf(f,
            "<p>%zu baris teratas dari %zu / the top %zu of %zu rows; daftar lengkap dan per "
            "kelas / the whole list and one per class: ranked.csv, class_*.csv.</p>\n",
            n < SAKSI_HTML_TOP_ROWS ? n : (size_t)SAKSI_HTML_TOP_ROWS, n,
            n < SAKSI_HTML_TOP_ROWS ? n : (size_t)SAKSI_HTML_TOP_ROWS, n);
    if (n == 0) {
        fputs("<p class=\"none\">Tidak ada TPS dalam daftar. / No station is listed.</p>\n", f);
        return;
    }
    fputs("<table><tr>", f);
    th2(f, "#", "rank");
    th2(f, "Kelas", "Class");
    th2(f, "TPS", "Station");
    th2(f, "Wilayah", "Region");
    th2(f, "Suara dipertaruhkan", "Votes at stake");
    th2(f, "Alasan", "Reason");
    fputs("</tr>\n", f);
    for (size_t k = 0; k < n && k < SAKSI_HTML_TOP_ROWS; k++) {
        int64_t rank = saksi_vt_i(r, k, "rank", (int64_t)k + 1);
        fprintf(f, "<tr id=\"rk%" PRId64 "\">", rank);
        td_i(f, rank);
        td_s(f, saksi_vt_s(r, k, "class"));
        fputs("<td class=\"mono\">", f);
        saksi_html_escape(f, saksi_vt_s(r, k, "station_id"));
        fputs("</td><td class=\"mono\">", f);
        saksi_html_escape(f, saksi_vt_s(r, k, "village"));
        fputs("</td><td class=\"n\">", f);
        fprintf(f, "%" PRId64, saksi_vt_i(r, k, "votes_at_stake", 0));
        if (strcmp(saksi_vt_s(r, k, "class"), "anomaly") == 0)
            fprintf(f, "<br>(%" PRId64 "&ndash;%" PRId64 ")", saksi_vt_i(r, k, "votes_lo", 0),
                    saksi_vt_i(r, k, "votes_hi", 0));
        fputs("</td>", f);
        td_s(f, saksi_vt_s(r, k, id ? "reason_id" : "reason_en"));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n<p>Untuk kelas anomali: suara tak terjelaskan (bukan \"curang\"), dengan "
          "interval prediktif 90%. / For the anomaly class: unexplained votes (never "
          "\"fraudulent\"), with a 90% predictive interval.</p>\n",
          f);
}

/* ------------------------------------------------------------------ */
/* Regions                                                             */
/* ------------------------------------------------------------------ */

/* The drill-down of a region row: its top stations, linked to their rows
 * in the ranked table when shown there. */
static void top_stations(FILE *f, const saksi_vtable *g, size_t row)
{
    const char *ids = saksi_vt_s(g, row, "top_stations"), *ranks = saksi_vt_s(g, row, "top_ranks");
    fputs("<td class=\"mono\">", f);
    while (*ids) {
        size_t li = strcspn(ids, "|"), lr = strcspn(ranks, "|");
        char id[128], rk[32];
        snprintf(id, sizeof id, "%.*s", (int)(li < 127 ? li : 127), ids);
        snprintf(rk, sizeof rk, "%.*s", (int)(lr < 31 ? lr : 31), ranks);
        long rank = strtol(rk, NULL, 10);
        if (rank >= 1 && rank <= SAKSI_HTML_TOP_ROWS) fprintf(f, "<a href=\"#rk%ld\">", rank);
        saksi_html_escape(f, id);
        fprintf(f, " (#%ld)", rank);
        if (rank >= 1 && rank <= SAKSI_HTML_TOP_ROWS) fputs("</a>", f);
        ids += li + (ids[li] == '|');
        ranks += lr + (ranks[lr] == '|');
        if (*ids) fputs("<br>", f);
    }
    fputs("</td>", f);
}

static void region_header(FILE *f)
{
    fputs("<tr>", f);
    th2(f, "Peringkat", "Rank");
    th2(f, "Kode", "Code");
    th2(f, "TPS", "Stations");
    th2(f, "Ada data", "With data");
    th2(f, "Lengkap", "Complete");
    th2(f, "Integritas / anomali / transkripsi / tak lengkap",
        "Integrity / anomaly / transcription / incomplete");
    th2(f, "Suara dipertaruhkan", "Votes at stake");
    th2(f, "% selisih", "% of margin");
    th2(f, "Uji ditandai / dijalankan (q min)", "Tests flagged / run (min q)");
    th2(f, "TPS teratas", "Top stations");
    fputs("</tr>\n", f);
}

static void region_row(FILE *f, const saksi_vtable *g, size_t r)
{
    double n = (double)saksi_vt_i(g, r, "stations", 0);
    int64_t flagged = saksi_vt_i(g, r, "tests_flagged", 0);
    fputs("<tr>", f);
    td_i(f, saksi_vt_i(g, r, "rank", 0));
    fputs("<td class=\"mono\">", f);
    saksi_html_escape(f, *saksi_vt_s(g, r, "code") ? saksi_vt_s(g, r, "code") : "?");
    fputs("</td>", f);
    td_i(f, (int64_t)n);
    fputs("<td class=\"n\">", f);
    saksi_html_pct(f, (double)saksi_vt_i(g, r, "with_data", 0), n);
    fputs("</td><td class=\"n\">", f);
    saksi_html_pct(f, (double)saksi_vt_i(g, r, "complete", 0), n);
    fprintf(f, "</td><td class=\"n\">%" PRId64 " / %" PRId64 " / %" PRId64 " / %" PRId64 "</td>",
            saksi_vt_i(g, r, "integrity", 0), saksi_vt_i(g, r, "anomaly", 0),
            saksi_vt_i(g, r, "transcription", 0), saksi_vt_i(g, r, "incomplete", 0));
    td_i(f, saksi_vt_i(g, r, "votes_at_stake", 0));
    fputs("<td class=\"n\">", f);
    saksi_html_pct(f, saksi_vt_f(g, r, "share_of_margin", NAN), 1.0);
    fprintf(f, "</td><td class=\"n%s\">%" PRId64 " / %" PRId64, flagged ? " flag" : "", flagged,
            saksi_vt_i(g, r, "tests_run", 0));
    double q = saksi_vt_f(g, r, "min_q", NAN);
    if (!isnan(q)) {
        fputs(" (", f);
        saksi_html_num(f, q, 2);
        fputs(")", f);
    }
    fputs("</td>", f);
    top_stations(f, g, r);
    fputs("</tr>\n", f);
}

/* Every province, in code order. */
static void provinces(FILE *f, const saksi_view *v)
{
    const saksi_vtable *g = saksi_view_find(v, "regions");
    saksi_html_heading(f, 2, "provinces", "Per provinsi", "Per province");
    fputs("<p>Cakupan: bagian TPS dengan data / dengan data lengkap. % selisih: suara "
          "dipertaruhkan dibanding selisih nasional peringkat 1 dan 2 (Pilpres diputuskan "
          "secara nasional). / Coverage: share of stations with data / with complete data. % "
          "of margin: votes at stake against the national first-second margin (the presidential "
          "race is decided nationally).</p>\n<table>",
          f);
    region_header(f);
    /* rows of a level are in rank order; list them by code: an insertion
     * pass over the few dozen provinces */
    const char *last = "";
    for (;;) {
        size_t best = SIZE_MAX;
        for (size_t r = 0; g && r < g->nrows; r++) {
            if (saksi_vt_i(g, r, "level", -1) != SAKSI_LEVEL_PROVINCE) continue;
            const char *c = saksi_vt_s(g, r, "code");
            if (strcmp(c, last) > 0 &&
                (best == SIZE_MAX || strcmp(c, saksi_vt_s(g, best, "code")) < 0))
                best = r;
        }
        if (best == SIZE_MAX) break;
        region_row(f, g, best);
        last = saksi_vt_s(g, best, "code");
    }
    fputs("</table>\n", f);
}

static void regions(FILE *f, const saksi_view *v)
{
    const saksi_vtable *g = saksi_view_find(v, "regions");
    static const char *const names_id[SAKSI_NLEVELS] = {"Nasional", "Provinsi", "Kabupaten/kota",
                                                        "Kecamatan", "Desa/kelurahan"};
    saksi_html_heading(f, 2, "regions", "Peringkat wilayah", "Region ranking");
    fprintf(f,
            "<p>Per tingkat: uji wilayah yang ditandai, lalu suara dipertaruhkan; %d teratas "
            "per tingkat, dengan TPS teratas tiap wilayah. Semua wilayah: regions.csv. / Per "
            "level: flagged region tests, then votes at stake; the top %d per level, each "
            "with its top stations. Every region: regions.csv.</p>\n",
            SAKSI_HTML_TOP_REGIONS, SAKSI_HTML_TOP_REGIONS);
    for (int l = SAKSI_LEVEL_PROVINCE; l < SAKSI_NLEVELS; l++) {
        saksi_html_heading(f, 3, NULL, names_id[l], saksi_level_name(l));
        fputs("<table>", f);
        region_header(f);
        size_t shown = 0;
        for (size_t r = 0; g && r < g->nrows && shown < SAKSI_HTML_TOP_REGIONS; r++) {
            if (saksi_vt_i(g, r, "level", -1) != l) continue;
            region_row(f, g, r);
            shown++;
        }
        fputs("</table>\n", f);
    }
}

static void tests(FILE *f, const saksi_view *v)
{
    const saksi_vtable *st = saksi_view_find(v, "station_tests");
    const saksi_vtable *lim = saksi_view_find(v, "limits");
    saksi_html_heading(f, 2, "tests", "Uji", "Tests");
    saksi_html_heading(f, 3, NULL, "Uji per TPS (dasar skor anomali)",
                       "Station tests (what the anomaly score combines)");
    if (!st || st->nrows == 0) {
        fputs("<p class=\"none\">Tidak ada uji per TPS dalam laporan ini: kelas anomali kosong "
              "karena tidak ada bukti. / No station test in this report: the anomaly class is "
              "empty for want of evidence.</p>\n",
              f);
    } else {
        fputs("<table><tr>", f);
        th2(f, "Uji", "Test");
        th2(f, "Terkalibrasi", "Calibrated");
        th2(f, "Diuji", "Tested");
        th2(f, "p &lt; 0.05", "p < 0.05");
        th2(f, "p &lt; 0.001", "p < 0.001");
        th2(f, "&lambda;", "lambda");
        fputs("</tr>\n", f);
        for (size_t r = 0; r < st->nrows; r++) {
            fputs("<tr><td>", f);
            saksi_html_escape(f, saksi_vt_s(st, r, "test"));
            if (*saksi_vt_s(st, r, "candidate")) {
                fputs(" cand_", f);
                saksi_html_escape(f, saksi_vt_s(st, r, "candidate"));
            }
            fprintf(f, "</td><td>%s</td>",
                    saksi_vt_i(st, r, "calibrated", 0) ? "ya / yes"
                                                       : "tidak (sensitivitas) / no (sensitivity)");
            td_i(f, saksi_vt_i(st, r, "tested", 0));
            td_i(f, saksi_vt_i(st, r, "below_05", 0));
            td_i(f, saksi_vt_i(st, r, "below_001", 0));
            fputs("<td class=\"n\">", f);
            saksi_html_num(f, saksi_vt_f(st, r, "lambda", NAN), 3);
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
    }
    saksi_html_heading(f, 3, NULL, "Uji wilayah per (uji, tingkat)",
                       "Region tests per (test, level)");
    if (!lim || lim->nrows == 0) {
        fputs("<p class=\"none\">Tidak ada uji wilayah dalam laporan ini. / No region test in this "
              "report.</p>\n",
              f);
        return;
    }
    fputs("<table><tr>", f);
    th2(f, "Uji", "Test");
    th2(f, "Tingkat", "Level");
    th2(f, "Baris", "Rows");
    th2(f, "m (BH)", "m (BH)");
    th2(f, "Ditandai", "Flagged");
    th2(f, "Dilewati", "Skipped");
    th2(f, "&lambda;", "lambda");
    fputs("</tr>\n", f);
    for (size_t r = 0; r < lim->nrows; r++) {
        fputs("<tr>", f);
        td_s(f, saksi_vt_s(lim, r, "test"));
        td_s(f, saksi_level_name((int)saksi_vt_i(lim, r, "level", 0)));
        td_i(f, saksi_vt_i(lim, r, "rows", 0));
        td_i(f, saksi_vt_i(lim, r, "m", 0));
        td_i(f, saksi_vt_i(lim, r, "flagged", 0));
        td_i(f, saksi_vt_i(lim, r, "skipped", 0));
        fputs("<td class=\"n\">", f);
        if (saksi_vt_i(lim, r, "descriptive", 0))
            fputs("deskriptif / descriptive", f);
        else
            saksi_html_num(f, saksi_vt_f(lim, r, "lambda", NAN), 3);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

saksi_status saksi_report_html_write(const char *path, const saksi_view *v, const char *lang,
                                     saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_atomic_file a = {.f = NULL};
    if (!lang || (strcmp(lang, "en") != 0 && strcmp(lang, "id") != 0))
        SAKSI_FAIL(SAKSI_ERR_USAGE, "report language must be en or id, not '%s'",
                   lang ? lang : "(null)");
    SAKSI_TRY(saksi_atomic_open(&a, path, err));
    head(a.f, v);
    limits(a.f, v);
    summary(a.f, v);
    ranked(a.f, v, lang);
    provinces(a.f, v);
    regions(a.f, v);
    tests(a.f, v);
    SAKSI_TRY(saksi_html_plots(a.f, v, err));
    fputs("<p class=\"en\">saksi ", a.f);
    saksi_html_escape(a.f, saksi_view_attr(v, "root_saksi_version"));
    fputs(" &middot; ", a.f);
    saksi_html_escape(a.f, saksi_view_attr(v, "root_notice"));
    fputs("</p>\n</body>\n</html>\n", a.f);
    SAKSI_TRY(saksi_atomic_commit(&a, err));
out:
    saksi_atomic_abort(&a);
    return rc;
}
