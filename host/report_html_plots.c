/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_html_plots.c — the plot sections of report.html: turnout and
 * share histograms, the fingerprint heat-map, digit bars against the
 * calibrated and classical expectations, and the integer-percent spike
 * profile; each drawn from the view (so from report.h5 alone), embedded
 * as a PNG data URI, with a bilingual caption and legend. A figure whose
 * family did not run says so instead of drawing nothing.
 */
#include "report_html_text.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void saksi_html_png(FILE *f, const saksi_png *png, const char *alt)
{
    fprintf(f, "<img width=\"%d\" height=\"%d\" alt=\"", png->width, png->height);
    saksi_html_escape(f, alt);
    fputs("\" src=\"data:image/png;base64,", f);
    /* RFC 4648 base64, padded */
    for (size_t k = 0; k < png->len; k += 3) {
        uint32_t n = (uint32_t)png->data[k] << 16;
        size_t left = png->len - k;
        if (left > 1) n |= (uint32_t)png->data[k + 1] << 8;
        if (left > 2) n |= png->data[k + 2];
        fputc(b64[n >> 18 & 63], f);
        fputc(b64[n >> 12 & 63], f);
        fputc(left > 1 ? b64[n >> 6 & 63] : '=', f);
        fputc(left > 2 ? b64[n & 63] : '=', f);
    }
    fputs("\">", f);
}

static void legend(FILE *f, int bars, int expected, int classical)
{
    fputs("<br>", f);
    if (bars)
        fprintf(f, "<span class=\"swatch\" style=\"background:#%06x\"></span>teramati / observed",
                SAKSI_PLOT_BAR);
    if (expected)
        fprintf(f,
                "<span class=\"swatch\" style=\"background:#%06x;height:.25em\"></span>"
                "harapan terkalibrasi / calibrated expectation",
                SAKSI_PLOT_EXPECTED);
    if (classical)
        fputs("<span class=\"dash\"></span>harapan klasik, tidak dikalibrasi untuk hitungan ini "
              "/ classical expectation, not calibrated for these counts",
              f);
}

static void absent(FILE *f, const char *id, const char *en)
{
    fputs("<p class=\"none\">", f);
    saksi_html_escape(f, id);
    fputs(" / ", f);
    saksi_html_escape(f, en);
    fputs("</p>\n", f);
}

/* ", nasional / national" or ", province 32". */
static void region_name(FILE *f, int level, const char *code)
{
    if (level == SAKSI_LEVEL_NATIONAL) {
        fputs(", nasional / national", f);
        return;
    }
    fputs(", ", f);
    saksi_html_escape(f, saksi_level_name(level));
    fputs(" ", f);
    saksi_html_escape(f, code);
}

/* ------------------------------------------------------------------ */

static saksi_status histograms(FILE *f, const saksi_view *v, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_vtable *h = saksi_view_find(v, "histograms");
    int64_t count[SAKSI_VIEW_PCT_BINS];
    saksi_png png = {0};
    char name[SAKSI_VIEW_NAME] = "";
    saksi_html_heading(f, 3, "hist", "Histogram partisipasi dan perolehan",
                       "Turnout and share histograms");
    if (!h || h->nrows == 0) {
        absent(f, "Tidak ada histogram dalam laporan ini.", "No histograms in this report.");
        goto out;
    }
    /* rows come in runs of SAKSI_VIEW_PCT_BINS per histogram name */
    for (size_t r = 0; r < h->nrows; r++) {
        const char *hist = saksi_vt_s(h, r, "hist");
        int64_t bin = saksi_vt_i(h, r, "bin", -1);
        if (strcmp(hist, name) != 0) {
            snprintf(name, sizeof name, "%s", hist);
            memset(count, 0, sizeof count);
        }
        if (bin >= 0 && bin < SAKSI_VIEW_PCT_BINS) count[bin] = saksi_vt_i(h, r, "count", 0);
        if (r + 1 < h->nrows && strcmp(saksi_vt_s(h, r + 1, "hist"), name) == 0) continue;
        SAKSI_TRY(saksi_plot_percent_hist(count, SAKSI_VIEW_PCT_BINS, &png, err));
        fputs("<figure>", f);
        saksi_html_png(f, &png, name);
        saksi_png_free(&png);
        fputs("<figcaption>", f);
        if (strcmp(name, "turnout") == 0)
            fputs("Partisipasi: pengguna hak pilih (atau suara total) / DPT, per 1 poin persen; "
                  "batang terakhir: di atas 100%. / Turnout: voters (or total votes) over "
                  "registered, in 1-point bins; last bar: above 100%.",
                  f);
        else {
            fputs("Perolehan cand_", f);
            saksi_html_escape(f, strncmp(name, "share_", 6) == 0 ? name + 6 : name);
            fputs(" dari suara sah, per 1 poin persen. / Share of valid votes of cand_", f);
            saksi_html_escape(f, strncmp(name, "share_", 6) == 0 ? name + 6 : name);
            fputs(", in 1-point bins.", f);
        }
        fputs(" Sumbu y: jumlah TPS / y axis: stations.</figcaption></figure>\n", f);
    }
out:
    saksi_png_free(&png);
    return rc;
}

static saksi_status fingerprints(FILE *f, const saksi_view *v, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_vtable *pan = saksi_view_find(v, "fingerprint_panels");
    const saksi_vtable *cells = saksi_view_find(v, "fingerprint_cells");
    int64_t *count = NULL;
    saksi_png png = {0};
    saksi_html_heading(f, 3, "fingerprint", "Sidik jari pemilu (Klimek 2012)",
                       "Election fingerprint (Klimek 2012)");
    if (!pan || pan->nrows == 0 || !cells) {
        absent(f, "Sidik jari tidak dihitung.", "No fingerprint was computed.");
        goto out;
    }
    for (size_t p = 0; p < pan->nrows && p < SAKSI_HTML_MAX_PANELS; p++) {
        int64_t panel = saksi_vt_i(pan, p, "panel", -1);
        int64_t nx = saksi_vt_i(pan, p, "nx", 0), ny = saksi_vt_i(pan, p, "ny", 0);
        if (nx < 1 || ny < 1 || nx > 1000 || ny > 1000)
            SAKSI_FAIL(SAKSI_ERR_DATA, "fingerprint panel %lld has %lld x %lld bins",
                       (long long)panel, (long long)nx, (long long)ny);
        free(count);
        if (!(count = saksi_calloc_array((size_t)(nx * ny), sizeof *count)))
            SAKSI_ALLOC_FAIL("a fingerprint");
        for (size_t r = 0; r < cells->nrows; r++) {
            int64_t x = saksi_vt_i(cells, r, "x", -1), y = saksi_vt_i(cells, r, "y", -1);
            if (saksi_vt_i(cells, r, "panel", -1) == panel && x >= 0 && x < nx && y >= 0 && y < ny)
                count[x * ny + y] += saksi_vt_i(cells, r, "count", 0);
        }
        SAKSI_TRY(saksi_plot_heatmap(count, (size_t)nx, (size_t)ny, &png, err));
        fputs("<figure>", f);
        saksi_html_png(f, &png, "fingerprint");
        saksi_png_free(&png);
        fputs("<figcaption>Wilayah / region", f);
        region_name(f, (int)saksi_vt_i(pan, p, "level", 0), saksi_vt_s(pan, p, "code"));
        fputs(": sumbu x partisipasi, sumbu y perolehan pemimpin nasional (calon dengan suara "
              "terbanyak), warna log(1 + jumlah TPS). / x axis turnout, y axis the national "
              "leader's share of valid votes, colour log(1 + stations). ",
              f);
        double fi = saksi_vt_f(pan, p, "f_i", NAN), fe = saksi_vt_f(pan, p, "f_e", NAN);
        if (isfinite(fi)) {
            fputs("f_i = ", f);
            saksi_html_num(f, fi, 3);
            fputs(" (95% pemilu bersih / clean elections: ", f);
            saksi_html_num(f, saksi_vt_f(pan, p, "f_i_null95", NAN), 3);
            fputs("), f_e = ", f);
            saksi_html_num(f, fe, 3);
            fputs(" (", f);
            saksi_html_num(f, saksi_vt_f(pan, p, "f_e_null95", NAN), 3);
            fputs(").", f);
        } else {
            fputs("Fraksi f_i, f_e belum dihitung dalam laporan ini. / The fractions f_i, f_e "
                  "were not fitted in this report.",
                  f);
        }
        fputs("</figcaption></figure>\n", f);
    }
out:
    free(count);
    saksi_png_free(&png);
    return rc;
}

/* The rows of panel `panel` of a per-panel table into obs/exp/cls[0..n). */
static void panel_series(const saksi_vtable *tb, size_t first, const char *index, size_t n,
                         double *obs, double *exp, double *cls)
{
    int64_t panel = saksi_vt_i(tb, first, "panel", -1);
    for (size_t k = 0; k < n; k++)
        obs[k] = exp[k] = NAN, cls ? cls[k] = NAN : 0;
    for (size_t r = first; r < tb->nrows && saksi_vt_i(tb, r, "panel", -2) == panel; r++) {
        int64_t k = saksi_vt_i(tb, r, index, -1);
        if (k < 0 || (size_t)k >= n) continue;
        obs[k] = saksi_vt_f(tb, r, "observed", NAN);
        exp[k] = saksi_vt_f(tb, r, "expected", NAN);
        if (cls) cls[k] = saksi_vt_f(tb, r, "classical", NAN);
    }
}

static saksi_status digits(FILE *f, const saksi_view *v, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_vtable *d = saksi_view_find(v, "digits");
    double obs[SAKSI_FIG_DIGITS], exp[SAKSI_FIG_DIGITS], cls[SAKSI_FIG_DIGITS];
    saksi_png png = {0};
    int shown = 0;
    saksi_html_heading(f, 3, "digits", "Uji digit", "Digit tests");
    if (!d || d->nrows == 0) {
        absent(f, "Uji digit tidak dijalankan dalam laporan ini.",
               "The digit tests did not run in this report.");
        goto out;
    }
    for (size_t r = 0; r < d->nrows && shown < SAKSI_HTML_MAX_PANELS; r++) {
        if (r > 0 && saksi_vt_i(d, r, "panel", -1) == saksi_vt_i(d, r - 1, "panel", -1)) continue;
        panel_series(d, r, "digit", SAKSI_FIG_DIGITS, obs, exp, cls);
        SAKSI_TRY(saksi_plot_digits(obs, exp, cls, &png, err));
        fputs("<figure>", f);
        saksi_html_png(f, &png, saksi_vt_s(d, r, "test"));
        saksi_png_free(&png);
        fputs("<figcaption>", f);
        saksi_html_escape(f, saksi_vt_s(d, r, "test"));
        region_name(f, (int)saksi_vt_i(d, r, "level", 0), saksi_vt_s(d, r, "code"));
        if (*saksi_vt_s(d, r, "candidate")) {
            fputs(", cand_", f);
            saksi_html_escape(f, saksi_vt_s(d, r, "candidate"));
        }
        fputs(": bagian angka per digit / share of numbers per digit.", f);
        legend(f, 1, 1, 1);
        fputs("</figcaption></figure>\n", f);
        shown++;
    }
out:
    saksi_png_free(&png);
    return rc;
}

static saksi_status spikes(FILE *f, const saksi_view *v, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_vtable *s = saksi_view_find(v, "spikes");
    double obs[SAKSI_FIG_PERCENTS], exp[SAKSI_FIG_PERCENTS];
    saksi_png png = {0};
    int shown = 0;
    saksi_html_heading(f, 3, "spikes", "Persentase bulat (Kobak dkk. 2016)",
                       "Integer percentages (Kobak et al. 2016)");
    if (!s || s->nrows == 0) {
        absent(f, "Profil persentase bulat tidak dihitung dalam laporan ini.",
               "The integer-percent profile was not computed in this report.");
        goto out;
    }
    for (size_t r = 0; r < s->nrows && shown < SAKSI_HTML_MAX_PANELS; r++) {
        if (r > 0 && saksi_vt_i(s, r, "panel", -1) == saksi_vt_i(s, r - 1, "panel", -1)) continue;
        panel_series(s, r, "percent", SAKSI_FIG_PERCENTS, obs, exp, NULL);
        SAKSI_TRY(saksi_plot_spikes(obs, exp, SAKSI_FIG_PERCENTS, &png, err));
        fputs("<figure>", f);
        saksi_html_png(f, &png, saksi_vt_s(s, r, "rate"));
        saksi_png_free(&png);
        fputs("<figcaption>", f);
        saksi_html_escape(f, saksi_vt_s(s, r, "rate"));
        region_name(f, (int)saksi_vt_i(s, r, "level", 0), saksi_vt_s(s, r, "code"));
        fputs(": TPS dengan persentase tepat bulat p, dan harapannya / stations at exactly p "
              "percent, and their expectation.",
              f);
        legend(f, 1, 1, 0);
        fputs("</figcaption></figure>\n", f);
        shown++;
    }
out:
    saksi_png_free(&png);
    return rc;
}

saksi_status saksi_html_plots(FILE *f, const saksi_view *v, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_html_heading(f, 2, "plots", "Grafik", "Plots");
    SAKSI_TRY(histograms(f, v, err));
    SAKSI_TRY(fingerprints(f, v, err));
    SAKSI_TRY(digits(f, v, err));
    SAKSI_TRY(spikes(f, v, err));
out:
    return rc;
}
