/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_report_html.c — the investigator's report: the view survives
 * report.h5 unchanged; report.html's structure (self-contained, no script,
 * no URL, bilingual headings, every section, one valid PNG per plot of the
 * sizes it declares, the ranked rows with reasons in the chosen language,
 * a '.' decimal point under a comma locale); the class CSVs, regions.csv
 * and ranked.csv drawn from the view (the latter byte-equal to the results'
 * writer); the CLI's audit twice and `saksi report` giving identical bytes;
 * and the error paths.
 * LABELS: unit
 */
#include "report_world.h"

#include "plot.h"

#include <locale.h>

/* ------------------------------------------------------------------ */
/* View round trip                                                     */
/* ------------------------------------------------------------------ */

/* b (read back) holds every table of a (built), and /provenance/inputs. */
static void assert_same_view(const saksi_view *a, const saksi_view *b)
{
    assert_int_equal(a->ntables + 1, b->ntables);
    for (size_t k = 0; k < a->ntables; k++) {
        const saksi_vtable *x = a->table[k], *y = saksi_view_find(b, x->name);
        assert_non_null(y);
        assert_int_equal(x->ncols, y->ncols);
        assert_int_equal(x->nrows, y->nrows);
        for (size_t c = 0; c < x->ncols; c++) {
            int yc = saksi_vt_col(y, x->col[c].name);
            assert_true(yc >= 0);
            assert_int_equal(x->col[c].kind, y->col[yc].kind);
            for (size_t r = 0; r < x->nrows; r++) {
                if (x->col[c].kind == SAKSI_V_STR)
                    assert_string_equal(x->col[c].s[r], y->col[yc].s[r]);
                else if (x->col[c].kind == SAKSI_V_F64)
                    assert_memory_equal(&x->col[c].f[r], &y->col[yc].f[r], sizeof(double));
                else
                    assert_int_equal(x->col[c].i[r], y->col[yc].i[r]);
            }
        }
    }
    for (size_t k = 0; k < a->nattrs; k++)
        assert_string_equal(a->val[k], saksi_view_attr(b, a->key[k]));
}

static void test_roundtrip(void **state)
{
    (void)state;
    world w;
    saksi_view *built = NULL, *read = NULL;
    saksi_error err = {0};
    world_build(&w, 3000, 11);
    assert_int_equal(saksi_view_build(w.t, &w.res, &built, &err), SAKSI_OK);
    assert_int_equal(saksi_view_read_h5(w.h5, &read, &err), SAKSI_OK);
    assert_same_view(built, read);
    /* and the file's provenance came along */
    assert_string_equal(saksi_view_attr(read, "root_saksi_version"), "test");
    assert_string_equal(saksi_vt_s(saksi_view_find(read, "inputs"), 0, "path"), "world.csv");
    /* what the world holds: every class, anomaly rows with intervals */
    const saksi_vtable *cls = saksi_view_find(read, "classes");
    for (int c = SAKSI_CLASS_INTEGRITY; c <= SAKSI_CLASS_INCOMPLETE; c++)
        assert_true(saksi_vt_i(cls, (size_t)c, "stations", 0) > 0);
    size_t anomalies = 0;
    for (size_t k = 0; k < w.res.nranked; k++)
        anomalies += w.res.ranked[k].klass == SAKSI_CLASS_ANOMALY;
    assert_int_equal(saksi_vt_i(cls, SAKSI_CLASS_ANOMALY, "stations", 0), anomalies);
    assert_true(anomalies > 0);
    saksi_view_free(built);
    saksi_view_free(read);
    world_free(&w);
}

/* ------------------------------------------------------------------ */
/* report.html                                                         */
/* ------------------------------------------------------------------ */

static size_t count_of(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* RFC 4648 base64 decoding, independent of the writer's encoder. */
static unsigned char *unbase64(const char *s, size_t len, size_t *out)
{
    unsigned char *d = malloc(len * 3 / 4 + 3);
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (size_t k = 0; k < len && s[k] != '='; k++) {
        const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const char *p = strchr(a, s[k]);
        assert_non_null(p);
        acc = acc << 6 | (uint32_t)(p - a);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            d[n++] = (unsigned char)(acc >> bits);
        }
    }
    *out = n;
    return d;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Every <img>: a PNG (signature, IHDR) of the width and height it declares. */
static size_t check_images(const char *html)
{
    size_t n = 0;
    for (const char *p = html; (p = strstr(p, "<img width=\"")) != NULL; n++) {
        int w, h;
        assert_int_equal(sscanf(p, "<img width=\"%d\" height=\"%d\"", &w, &h), 2);
        const char *src = strstr(p, "src=\"data:image/png;base64,");
        assert_non_null(src);
        src += strlen("src=\"data:image/png;base64,");
        const char *end = strchr(src, '"');
        size_t len;
        unsigned char *png = unbase64(src, (size_t)(end - src), &len);
        assert_true(len > 33);
        assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
        assert_memory_equal(png + 12, "IHDR", 4);
        assert_int_equal(be32(png + 16), (uint32_t)w);
        assert_int_equal(be32(png + 20), (uint32_t)h);
        free(png);
        p = end;
    }
    return n;
}

static void test_html_structure(void **state)
{
    (void)state;
    world w;
    saksi_error err = {0};
    char path[4400];
    world_build(&w, 3000, 11);
    assert_int_equal(saksi_report_render_files(w.h5, w.dir, "en", 1, &err), SAKSI_OK);
    snprintf(path, sizeof path, "%s/report.html", w.dir);
    char *html = test_read_file(path, NULL);
    assert_non_null(html);
    /* self-contained: nothing to run, nothing to fetch */
    assert_true(strncmp(html, "<!DOCTYPE html>\n<html lang=\"id\">", 32) == 0);
    assert_non_null(strstr(html, "content=\"default-src 'none'; img-src data:; style-src "
                                 "'unsafe-inline'\""));
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "http://"));
    assert_null(strstr(html, "https://"));
    assert_null(strstr(html, "<link"));
    assert_null(strstr(html, "src=\"file"));
    assert_non_null(strstr(html, "</html>\n"));
    /* every section, with bilingual headings */
    const char *sections[] = {"limits", "summary", "ranked",      "provinces", "regions", "tests",
                              "plots",  "hist",    "fingerprint", "digits",    "spikes"};
    for (size_t k = 0; k < sizeof sections / sizeof sections[0]; k++) {
        char id[64];
        snprintf(id, sizeof id, " id=\"%s\">", sections[k]);
        assert_non_null(strstr(html, id));
    }
    assert_non_null(strstr(html, "Batasan <span class=\"en\">/ Limits</span>"));
    assert_non_null(strstr(html, "Daftar peringkat TPS <span class=\"en\">/ Ranked stations"));
    assert_non_null(strstr(html, "bukan bukti kecurangan"));
    assert_non_null(strstr(html, "never proof of fraud"));
    /* plots: turnout + one share histogram per candidate, the family's
     * fingerprint, two digit panels, one spike profile */
    assert_int_equal(check_images(html), 1 + w.t->ncand + 1 + 2 + 1);
    /* the ranked table: the top rows, anchored, reasons in English */
    size_t rows = w.res.nranked < SAKSI_HTML_TOP_ROWS ? w.res.nranked : SAKSI_HTML_TOP_ROWS;
    assert_int_equal(count_of(html, "<tr id=\"rk"), rows);
    assert_non_null(strstr(html, "<tr id=\"rk1\">"));
    char last[32];
    snprintf(last, sizeof last, "<tr id=\"rk%zu\">", rows + 1);
    assert_null(strstr(html, last));
    assert_non_null(strstr(html, "unexplained votes for cand_"));
    assert_null(strstr(html, "suara tak terjelaskan untuk"));
    /* one row per province (and the header) between the province and the
     * region sections */
    const char *a = strstr(html, " id=\"provinces\">"), *b = strstr(html, " id=\"regions\">");
    size_t trs = 0;
    for (const char *p = a; (p = strstr(p, "<tr>")) != NULL && p < b; p++)
        trs++;
    assert_int_equal(trs, 1 + w.t->regions[SAKSI_LEVEL_PROVINCE].n);
    /* "fraudulent" only ever as "never fraudulent" */
    assert_true(count_of(html, "fraudulent") > 0);
    assert_int_equal(count_of(html, "fraudulent"), count_of(html, "never \"fraudulent\""));
    free(html);

    /* Indonesian reasons */
    assert_int_equal(saksi_report_render_files(w.h5, w.dir, "id", 0, &err), SAKSI_OK);
    html = test_read_file(path, NULL);
    assert_non_null(strstr(html, "suara tak terjelaskan untuk cand_"));
    free(html);
    world_free(&w);
}

/* ------------------------------------------------------------------ */
/* CSVs                                                                */
/* ------------------------------------------------------------------ */

static size_t lines_of(const char *s)
{
    return count_of(s, "\n");
}

static void test_csvs(void **state)
{
    (void)state;
    world w;
    saksi_error err = {0};
    char path[4400], ref[4400];
    world_build(&w, 3000, 12);
    assert_int_equal(saksi_report_render_files(w.h5, w.dir, "en", 1, &err), SAKSI_OK);

    /* ranked.csv drawn from report.h5 = ranked.csv written from the results */
    snprintf(path, sizeof path, "%s/ranked.csv", w.dir);
    snprintf(ref, sizeof ref, "%s/ranked_ref.csv", w.dir);
    assert_int_equal(saksi_report_ranked_csv(ref, w.t, &w.res, "en", &err), SAKSI_OK);
    char *a = test_read_file(path, NULL), *b = test_read_file(ref, NULL);
    assert_string_equal(a, b);
    assert_int_equal(lines_of(a), 1 + w.res.nranked);
    free(a);
    free(b);
    assert_int_equal(saksi_report_render_files(w.h5, w.dir, "id", 1, &err), SAKSI_OK);
    assert_int_equal(saksi_report_ranked_csv(ref, w.t, &w.res, "id", &err), SAKSI_OK);
    a = test_read_file(path, NULL);
    b = test_read_file(ref, NULL);
    assert_string_equal(a, b);
    free(a);
    free(b);

    /* one file per class with its rows; the anomaly file has p, q and the
     * interval of every row */
    size_t by_class[SAKSI_NCLASSES] = {0};
    for (size_t k = 0; k < w.res.nranked; k++)
        by_class[w.res.ranked[k].klass]++;
    for (int c = SAKSI_CLASS_INTEGRITY; c < SAKSI_NCLASSES; c++) {
        snprintf(path, sizeof path, "%s/class_%s.csv", w.dir, saksi_class_name(c));
        a = test_read_file(path, NULL);
        assert_non_null(a);
        assert_int_equal(lines_of(a), 1 + by_class[c]);
        assert_true(strncmp(a, "rank,station_id,", 16) == 0);
        assert_non_null(strstr(a, ",reason,p,q,unexplained_lo,unexplained_hi,beneficiary\n"));
        if (c == SAKSI_CLASS_ANOMALY) {
            /* the last five fields of the first row: p, q, lo, hi, beneficiary */
            char *row = strchr(a, '\n') + 1, *end = strchr(row, '\n'), *f = end;
            assert_non_null(strstr(row, ",anomaly,"));
            for (int k = 0; k < 5; k++) {
                char *prev = f - 1;
                while (*prev != ',')
                    prev--;
                assert_true(f - prev > 1); /* not empty */
                f = prev;
            }
        }
        free(a);
    }

    /* regions.csv: every region of every level, national first */
    snprintf(path, sizeof path, "%s/regions.csv", w.dir);
    a = test_read_file(path, NULL);
    size_t regions = 0;
    for (int l = 0; l < SAKSI_NLEVELS; l++)
        regions += w.t->regions[l].n;
    assert_int_equal(lines_of(a), 1 + regions);
    char first[256];
    snprintf(first, sizeof first, "national,1,%s,,%zu,%zu,", w.t->regions[0].code[0], w.t->n,
             w.t->n);
    assert_non_null(strstr(a, first));
    free(a);
    world_free(&w);
}

/* ------------------------------------------------------------------ */
/* Locale                                                              */
/* ------------------------------------------------------------------ */

/* Under a comma-decimal locale (de_DE) no number of the page has a comma
 * between two digits (reasons use ", " with a space). */
static void test_locale(void **state)
{
    (void)state;
    world w;
    saksi_error err = {0};
    char path[4400];
    world_build(&w, 2000, 13);
    snprintf(path, sizeof path, "%s/locale", w.dir);
    if (!test_comma_locale(LC_ALL, path))
        fail_msg("no de_DE.UTF-8 locale and localedef could not make one (package locales)");
    char probe[16];
    snprintf(probe, sizeof probe, "%.1f", 0.5);
    assert_string_equal(probe, "0,5"); /* the locale is really in force */
    assert_int_equal(saksi_report_render_files(w.h5, w.dir, "en", 1, &err), SAKSI_OK);
    setlocale(LC_ALL, "C");
    unsetenv("LOCPATH"); /* where test_comma_locale set it: not for the tests after */
    snprintf(path, sizeof path, "%s/report.html", w.dir);
    char *s = test_read_file(path, NULL);
    size_t decimals = 0;
    for (const char *p = s + 1; *p && p[1]; p++) {
        int digits = p[-1] >= '0' && p[-1] <= '9' && p[1] >= '0' && p[1] <= '9';
        if (digits && *p == ',') fail_msg("report.html: a decimal comma near \"%.20s\"", p - 10);
        decimals += digits && *p == '.';
    }
    assert_true(decimals > 10); /* percentages, q-values, lambdas are there */
    free(s);
    /* regions.csv: a decimal comma would add a field to a line */
    snprintf(path, sizeof path, "%s/regions.csv", w.dir);
    s = test_read_file(path, NULL);
    for (char *line = s; *line;) {
        char *nl = strchr(line, '\n');
        size_t commas = 0;
        for (char *p = line; p < nl; p++)
            commas += *p == ',';
        assert_int_equal(commas, 22);
        line = nl + 1;
    }
    free(s);
    world_free(&w);
}

/* ------------------------------------------------------------------ */
/* The CLI: determinism and saksi report                               */
/* ------------------------------------------------------------------ */

static const char *const drawn[] = {"report.html",         "regions.csv",
                                    "ranked.csv",          "class_integrity.csv",
                                    "class_anomaly.csv",   "class_transcription.csv",
                                    "class_incomplete.csv"};

static void assert_same_file(const char *d1, const char *d2, const char *name)
{
    char p1[4400], p2[4400];
    size_t n1 = 0, n2 = 0;
    snprintf(p1, sizeof p1, "%s/%s", d1, name);
    snprintf(p2, sizeof p2, "%s/%s", d2, name);
    char *a = test_read_file(p1, &n1), *b = test_read_file(p2, &n2);
    if (!a || !b || n1 != n2 || memcmp(a, b, n1) != 0)
        fail_msg("%s differs between %s and %s", name, d1, d2);
    free(a);
    free(b);
}

static void test_cli(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("rhtml");
    char d1[4200], d2[4200], d3[4200];
    snprintf(d1, sizeof d1, "%s/a", dir);
    snprintf(d2, sizeof d2, "%s/b", dir);
    snprintf(d3, sizeof d3, "%s/c", dir);
    assert_int_equal(test_run("'%s' simulate -o '%s/sim' --stations 4000 --seed 5 "
                              "--plant all=0.005 2>/dev/null",
                              SAKSI_CLI, dir),
                     0);
    /* the same input and seed twice: the same bytes, every file */
    for (int k = 0; k < 2; k++)
        assert_int_equal(test_run("'%s' audit '%s/sim/stations.csv' -o '%s' --reproducible "
                                  "--backend cpu -q",
                                  SAKSI_CLI, dir, k ? d2 : d1),
                         0);
    assert_same_file(d1, d2, "report.h5");
    for (size_t k = 0; k < sizeof drawn / sizeof drawn[0]; k++)
        assert_same_file(d1, d2, drawn[k]);
    /* the digit family's national panels are drawn */
    char hpath[4400];
    snprintf(hpath, sizeof hpath, "%s/report.html", d1);
    char *h = test_read_file(hpath, NULL);
    assert_non_null(strstr(h, "<figcaption>last_digit, nasional / national, cand_01:"));
    assert_non_null(strstr(h, "<figcaption>second_digit_10_99, nasional / national, cand_03:"));
    free(h);
    /* saksi report draws the same files from report.h5 alone */
    assert_int_equal(test_run("mkdir '%s' && '%s' report '%s/report.h5' -o '%s' 2>/dev/null", d3,
                              SAKSI_CLI, d1, d3),
                     0);
    for (size_t k = 0; k < sizeof drawn / sizeof drawn[0]; k++)
        assert_same_file(d1, d3, drawn[k]);
    /* beside the file by default, and in Indonesian on request */
    assert_int_equal(test_run("'%s' report '%s/report.h5' --lang id 2>/dev/null", SAKSI_CLI, d2),
                     0);
    char path[4400];
    snprintf(path, sizeof path, "%s/ranked.csv", d2);
    char *s = test_read_file(path, NULL);
    assert_non_null(strstr(s, "dilanggar"));
    free(s);
    /* --class-priority reorders: incomplete rows first */
    assert_int_equal(test_run("'%s' audit '%s/sim/stations.csv' -o '%s/p' --backend cpu -q "
                              "--class-priority incomplete,integrity",
                              SAKSI_CLI, dir, dir),
                     0);
    snprintf(path, sizeof path, "%s/p/ranked.csv", dir);
    s = test_read_file(path, NULL);
    assert_non_null(strstr(s, "\n1,"));
    assert_non_null(strstr(strstr(s, "\n1,"), ",incomplete,"));
    free(s);

    /* errors: usage 64, no input 66, no /report 65 */
    assert_int_equal(test_run("'%s' report 2>/dev/null", SAKSI_CLI), 64);
    assert_int_equal(test_run("'%s' report '%s/report.h5' --lang fr 2>/dev/null", SAKSI_CLI, d1),
                     64);
    assert_int_equal(test_run("'%s' report a.h5 b.h5 2>/dev/null", SAKSI_CLI), 64);
    assert_int_equal(test_run("'%s' report '%s/report.h5' --bogus 2>/dev/null", SAKSI_CLI, d1), 64);
    assert_int_equal(test_run("'%s' report '%s/nothing.h5' 2>/dev/null", SAKSI_CLI, dir), 66);
    assert_int_equal(
        test_run("'%s' audit x.csv -o '%s/q' --class-priority bogus 2>/dev/null", SAKSI_CLI, dir),
        64);
    assert_int_equal(test_run("'%s' audit x.csv -o '%s/q' --runs 3 2>/dev/null", SAKSI_CLI, dir),
                     64);
    assert_int_equal(test_run("/usr/bin/python3 -c \"import h5py; h5py.File('%s/old.h5', 'w')"
                              ".create_group('stations')\"",
                              dir),
                     0);
    assert_int_equal(test_run("'%s' report '%s/old.h5' 2>'%s/err'", SAKSI_CLI, dir, dir), 65);
    snprintf(path, sizeof path, "%s/err", dir);
    s = test_read_file(path, NULL);
    assert_non_null(strstr(s, "has no /report group"));
    free(s);
    test_rmtree(dir);
}

/* ------------------------------------------------------------------ */
/* Error paths                                                         */
/* ------------------------------------------------------------------ */

static void test_errors(void **state)
{
    (void)state;
    saksi_error err = {0};
    saksi_view *v = saksi_view_alloc();
    saksi_vtable *tb;
    const saksi_vspec one[] = {{"x", SAKSI_V_I32}};
    assert_int_equal(saksi_view_add_table(v, "t", one, 1, &tb, &err), SAKSI_OK);
    assert_int_equal(saksi_view_add_table(v, "t", one, 1, &tb, &err), SAKSI_ERR_INTERNAL);
    assert_int_equal(saksi_view_add_table(v, "u", one, SAKSI_VIEW_MAX_COLS + 1, &tb, &err),
                     SAKSI_ERR_INTERNAL);
    const saksi_vspec bad[] = {{"x", 7}};
    assert_int_equal(saksi_view_add_table(v, "w", bad, 1, &tb, &err), SAKSI_ERR_INTERNAL);
    for (int k = 0; k < SAKSI_VIEW_MAX_ATTRS; k++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", k);
        assert_int_equal(saksi_view_set_attr(v, key, "v", &err), SAKSI_OK);
    }
    assert_int_equal(saksi_view_set_attr(v, "k3", "replaced", &err), SAKSI_OK);
    assert_string_equal(saksi_view_attr(v, "k3"), "replaced");
    assert_int_equal(saksi_view_set_attr(v, "one-too-many", "v", &err), SAKSI_ERR_INTERNAL);
    /* absent tables and columns read as defaults */
    assert_null(saksi_view_find(v, "nothing"));
    assert_int_equal(saksi_vt_i(NULL, 0, "x", 42), 42);
    assert_string_equal(saksi_vt_s(saksi_view_find(v, "t"), 0, "x"), "");
    assert_string_equal(saksi_view_attr(v, "nothing"), "");
    /* an HTML in a third language is refused before anything is written */
    assert_int_equal(saksi_report_html_write("/nonexistent/x.html", v, "fr", &err),
                     SAKSI_ERR_USAGE);
    /* an empty view still draws a page: every section says what is absent */
    char *dir = test_mkdtemp("rhtml-empty");
    char path[4400];
    snprintf(path, sizeof path, "%s/r.html", dir);
    assert_int_equal(saksi_report_html_write(path, v, "en", &err), SAKSI_OK);
    char *s = test_read_file(path, NULL);
    assert_non_null(strstr(s, "No histograms in this report."));
    assert_non_null(strstr(s, "The digit tests did not run in this report."));
    assert_non_null(strstr(s, "No station is listed."));
    free(s);
    snprintf(path, sizeof path, "%s/missing/r.html", dir);
    assert_int_equal(saksi_report_html_write(path, v, "en", &err), SAKSI_ERR_CANTCREAT);
    saksi_view_free(v);
    /* plots refuse impossible shapes */
    saksi_png png;
    int64_t c[4] = {0};
    assert_int_equal(saksi_plot_percent_hist(c, 4, &png, &err), SAKSI_ERR_INTERNAL);
    assert_int_equal(saksi_plot_spikes((double[]){1}, NULL, 1, &png, &err), SAKSI_ERR_INTERNAL);
    assert_int_equal(saksi_plot_heatmap(c, 0, 4, &png, &err), SAKSI_ERR_INTERNAL);
    assert_null(saksi_plot_glyph('Z'));
    /* a /report table that is not a compound: refused as bad data */
    snprintf(path, sizeof path, "%s/bad.h5", dir);
    assert_int_equal(test_run("/usr/bin/python3 -c \"import h5py, numpy; f = h5py.File('%s', 'w')"
                              "; f.create_group('report')['x'] = numpy.arange(3)\"",
                              path),
                     0);
    assert_int_equal(saksi_view_read_h5(path, &v, &err), SAKSI_ERR_DATA);
    assert_non_null(strstr(err.message, "is not a table"));
    test_rmtree(dir);
}

/* The digit bars of flagged regions: drawn from the digit family's own
 * functions, so every region's bars hold exactly the numbers its omnibus
 * row tested (row n), and the calibrated expectation sums to the same. */
static void test_digit_regions(void **state)
{
    (void)state;
    saksi_sim_config sc;
    saksi_config cfg;
    saksi_table *t = NULL;
    saksi_error err = {0};
    saksi_sim_config_init(&sc);
    sc.stations = 20000;
    sc.seed = 8;
    sc.plant_rate[SAKSI_PLANT_ROUNDING] = 0.05;
    assert_int_equal(saksi_simulate_table(&sc, &t, NULL, NULL, NULL, &err), SAKSI_OK);
    saksi_config_init(&cfg);
    cfg.backend = SAKSI_BACKEND_CPU;
    saksi_engine *e = saksi_engine_alloc(&cfg);
    assert_int_equal(saksi_engine_adopt_table(e, t, "rounded", &err), SAKSI_OK);
    assert_int_equal(saksi_engine_run(e, &err), SAKSI_OK);
    const saksi_results *res = saksi_engine_results(e);
    saksi_fig_digits *fig = NULL;
    size_t n = 0;
    assert_int_equal(saksi_view_digit_regions(saksi_engine_table(e), res, &fig, &n, &err),
                     SAKSI_OK);
    assert_true(n >= 1); /* 5% of stations rounded to 0 and 5: some region is flagged */
    double prev_q = 0;
    for (size_t k = 0; k < n; k++) {
        const saksi_region_test *row = NULL;
        for (size_t r = 0; r < res->region_tests->n && !row; r++) {
            const saksi_region_test *x = &res->region_tests->row[r];
            if (x->flagged && x->level == fig[k].level && x->region == fig[k].region &&
                strcmp(x->test, fig[k].test) == 0)
                row = x;
        }
        assert_non_null(row);
        assert_true(row->q >= prev_q); /* smallest q first */
        prev_q = row->q;
        double obs = 0, exp = 0, cls = 0;
        for (int d = 0; d < 10; d++) {
            obs += fig[k].observed[d];
            exp += fig[k].expected[d];
            cls += fig[k].classical[d];
        }
        assert_close(obs, (double)row->n, 0);
        assert_close(exp, (double)row->n, 1e-6 * row->n);
        assert_close(cls, (double)row->n, 1e-9 * row->n);
        /* rounding shows: more zeros and fives than the null expects */
        if (strcmp(fig[k].test, "last_digit") == 0)
            assert_true(fig[k].observed[0] + fig[k].observed[5] >
                        fig[k].expected[0] + fig[k].expected[5]);
    }
    free(fig);
    saksi_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),     cmocka_unit_test(test_html_structure),
        cmocka_unit_test(test_csvs),          cmocka_unit_test(test_locale),
        cmocka_unit_test(test_cli),           cmocka_unit_test(test_errors),
        cmocka_unit_test(test_digit_regions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
