/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * calibrate.c — `saksi calibrate` (DESIGN §5): audit the input once, fit a
 * hierarchical overdispersed model of a clean election to it, simulate K
 * clean elections on its own stations, audit each with every test family,
 * and report each test's realised type-I rate per level with an interval,
 * marking the tests outside tolerance (calibration.csv, .html).
 */
#define _POSIX_C_SOURCE 200809L
#include "report_html_text.h"

#include <errno.h>
#include <gsl/gsl_cdf.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The alphas at which the share of p below alpha is measured, and the
 * tolerance alpha +- CALIB_TOLERANCE_SE binomial SE (DESIGN §5). */
static const double alphas[] = {0.05, 0.01, 0.001};
#define NALPHA             ((int)(sizeof alphas / sizeof alphas[0]))
#define CALIB_TOLERANCE_SE 2.0
/* BH level of the family-wise check: at least one flag in no more than
 * CALIB_FLAG_RATE of the runs. */
#define CALIB_FDR_Q     0.05
#define CALIB_FLAG_RATE 0.05
/* Interval level of the reported rates (Clopper-Pearson). */
#define CALIB_CI 0.95

enum fam_kind { FAM_REGION, FAM_STATION, FAM_ANOMALY, FAM_CLASS };
static const char *const kind_names[] = {"region", "station", "anomaly", "class"};

typedef struct family {
    int kind;
    char test[96];
    int level;      /* enum saksi_level; -1 for station-level families */
    uint64_t units; /* p-values seen over all runs */
    uint64_t below[NALPHA];
    uint64_t runs_flagged; /* runs with at least one q < CALIB_FDR_Q (or class member) */
    int flagged_now;
} family;

typedef struct tally {
    size_t n, cap;
    family *f;
} tally;

static saksi_status family_of(tally *t, int kind, const char *test, int level, family **out,
                              saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    for (size_t k = 0; k < t->n; k++)
        if (t->f[k].kind == kind && t->f[k].level == level && strcmp(t->f[k].test, test) == 0) {
            *out = &t->f[k];
            goto out;
        }
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 32;
        family *f2 = saksi_realloc_array(t->f, cap, sizeof *f2);
        if (!f2) SAKSI_ALLOC_FAIL("calibration families");
        t->f = f2;
        t->cap = cap;
    }
    *out = &t->f[t->n++];
    memset(*out, 0, sizeof **out);
    (*out)->kind = kind;
    (*out)->level = level;
    snprintf((*out)->test, sizeof(*out)->test, "%s", test);
out:
    return rc;
}

static void count_p(family *f, double p)
{
    f->units++;
    for (int a = 0; a < NALPHA; a++)
        f->below[a] += p < alphas[a];
}

/* Everything one audited simulation says about the tests. */
static saksi_status tally_run(tally *ty, const saksi_table *t, const saksi_results *res,
                              saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    family *f;
    double *q = NULL;
    for (size_t k = 0; k < ty->n; k++)
        ty->f[k].flagged_now = 0;
    for (size_t k = 0; res->region_tests && k < res->region_tests->n; k++) {
        const saksi_region_test *r = &res->region_tests->row[k];
        if (r->descriptive || (r->skip && *r->skip) || isnan(r->p)) continue;
        SAKSI_TRY(family_of(ty, FAM_REGION, r->test, r->level, &f, err));
        count_p(f, r->p);
        f->flagged_now |= r->q < CALIB_FDR_Q;
    }
    const saksi_station_tests *st = res->station_tests;
    if (st && st->ntests && !(q = saksi_malloc_array(st->n ? st->n : 1, sizeof *q)))
        SAKSI_ALLOC_FAIL("station q-values");
    for (size_t k = 0; st && k < st->ntests; k++) {
        const saksi_station_test *c = &st->test[k];
        char name[96];
        snprintf(name, sizeof name, "%s%s%s%s", c->test, c->candidate >= 0 ? " cand_" : "",
                 c->candidate >= 0 ? t->cand_label[c->candidate] : "",
                 c->calibrated ? "" : " (sensitivity)");
        SAKSI_TRY(family_of(ty, FAM_STATION, name, -1, &f, err));
        for (size_t i = 0; i < st->n; i++)
            if (!isnan(c->p[i])) count_p(f, c->p[i]);
        /* one BH family per station test: does it flag anything? */
        SAKSI_TRY(saksi_bh(c->p, NULL, st->n, q, NULL, err));
        for (size_t i = 0; i < st->n && !f->flagged_now; i++)
            f->flagged_now = q[i] < CALIB_FDR_Q;
    }
    SAKSI_TRY(
        family_of(ty, FAM_ANOMALY, "anomaly (weighted BH of the Cauchy combination)", -1, &f, err));
    f->units += res->anomaly ? res->anomaly->m : 0;
    for (size_t k = 0; res->anomaly && k < res->anomaly->nrows; k++)
        f->below[NALPHA - 1] += res->anomaly->row[k].p < alphas[NALPHA - 1];
    for (size_t k = 0; k < res->nranked; k++)
        f->flagged_now |= res->ranked[k].klass == SAKSI_CLASS_ANOMALY;
    /* rule classes on clean simulations: facts, so only whether any occur */
    for (int c = SAKSI_CLASS_INTEGRITY; c < SAKSI_NCLASSES; c++) {
        if (c == SAKSI_CLASS_ANOMALY) continue;
        char name[64];
        snprintf(name, sizeof name, "class %s", saksi_class_name(c));
        SAKSI_TRY(family_of(ty, FAM_CLASS, name, -1, &f, err));
        for (size_t k = 0; k < res->nranked && !f->flagged_now; k++)
            f->flagged_now = res->ranked[k].klass == c;
    }
    for (size_t k = 0; k < ty->n; k++)
        ty->f[k].runs_flagged += ty->f[k].flagged_now != 0;
out:
    free(q);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Rates, intervals, tolerance                                         */
/* ------------------------------------------------------------------ */

/* Clopper-Pearson interval of k successes in n. */
static void cp_interval(uint64_t k, uint64_t n, double *lo, double *hi)
{
    double a = 1.0 - CALIB_CI;
    *lo = n == 0 ? NAN : k == 0 ? 0.0 : gsl_cdf_beta_Pinv(a / 2, (double)k, (double)(n - k + 1));
    *hi = n == 0   ? NAN
          : k == n ? 1.0
                   : gsl_cdf_beta_Pinv(1 - a / 2, (double)(k + 1), (double)(n - k));
}

/* 1 when the share below alpha a is within alpha +- 2 SE; -1 when not
 * measured. The anomaly family records only its smallest alpha (rows are
 * kept below SAKSI_ANOMALY_KEEP_P). */
static int within_alpha(const family *f, int a)
{
    if (f->kind == FAM_CLASS || f->units == 0 || (f->kind == FAM_ANOMALY && a < NALPHA - 1))
        return -1;
    double rate = (double)f->below[a] / (double)f->units;
    double se = sqrt(alphas[a] * (1 - alphas[a]) / (double)f->units);
    return fabs(rate - alphas[a]) <= CALIB_TOLERANCE_SE * se;
}

static int within_flags(const family *f, size_t runs)
{
    return runs == 0 || (double)f->runs_flagged / (double)runs <= CALIB_FLAG_RATE;
}

static int family_ok(const family *f, size_t runs)
{
    for (int a = 0; a < NALPHA; a++)
        if (within_alpha(f, a) == 0) return 0;
    return within_flags(f, runs);
}

static void csv_num(FILE *o, double v)
{
    char buf[64];
    if (isnan(v)) return;
    saksi_format_double(buf, sizeof buf, v, 6);
    fputs(buf, o);
}

static saksi_status write_csv(const char *path, const tally *ty, size_t runs, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_atomic_file a = {.f = NULL};
    SAKSI_TRY(saksi_atomic_open(&a, path, err));
    fputs("kind,test,level,runs,units,alpha,below,rate,rate_lo,rate_hi,tolerance_lo,"
          "tolerance_hi,within_tolerance,runs_flagged,flag_rate,flag_lo,flag_hi,flag_within\n",
          a.f);
    for (size_t k = 0; k < ty->n; k++) {
        const family *f = &ty->f[k];
        double flo, fhi;
        cp_interval(f->runs_flagged, runs, &flo, &fhi);
        for (int al = 0; al < NALPHA; al++) {
            int w = within_alpha(f, al);
            if (w < 0 && al > 0) continue; /* one row for families without a per-alpha measure */
            fprintf(a.f, "%s,", kind_names[f->kind]);
            saksi_csv_field(a.f, f->test);
            fprintf(a.f, ",%s,%zu,%" PRIu64 ",",
                    f->level >= 0 ? saksi_level_name(f->level) : "station", runs, f->units);
            if (w >= 0) {
                double lo, hi, se = sqrt(alphas[al] * (1 - alphas[al]) / (double)f->units);
                cp_interval(f->below[al], f->units, &lo, &hi);
                csv_num(a.f, alphas[al]);
                fprintf(a.f, ",%" PRIu64 ",", f->below[al]);
                csv_num(a.f, (double)f->below[al] / (double)f->units);
                fputc(',', a.f);
                csv_num(a.f, lo);
                fputc(',', a.f);
                csv_num(a.f, hi);
                fputc(',', a.f);
                csv_num(a.f, alphas[al] - CALIB_TOLERANCE_SE * se);
                fputc(',', a.f);
                csv_num(a.f, alphas[al] + CALIB_TOLERANCE_SE * se);
                fprintf(a.f, ",%s,", w ? "yes" : "NO");
            } else {
                fputs(",,,,,,,,", a.f);
            }
            fprintf(a.f, "%" PRIu64 ",", f->runs_flagged);
            csv_num(a.f, runs ? (double)f->runs_flagged / (double)runs : NAN);
            fputc(',', a.f);
            csv_num(a.f, flo);
            fputc(',', a.f);
            csv_num(a.f, fhi);
            fprintf(a.f, ",%s\n", within_flags(f, runs) ? "yes" : "NO");
        }
    }
    SAKSI_TRY(saksi_atomic_commit(&a, err));
out:
    saksi_atomic_abort(&a);
    return rc;
}

static saksi_status write_model_csv(const char *path, const saksi_table *t,
                                    const saksi_calib_model *m, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_atomic_file a = {.f = NULL};
    static const char *const qn[SAKSI_CALIB_NQ] = {"turnout", "invalid", "added"};
    SAKSI_TRY(saksi_atomic_open(&a, path, err));
    fputs("parameter,quantity,level,value\n", a.f);
    for (size_t q = 0; q < SAKSI_CALIB_NQ + m->ncand; q++) {
        char name[64];
        if (q < SAKSI_CALIB_NQ)
            snprintf(name, sizeof name, "%s", qn[q]);
        else
            snprintf(name, sizeof name, "share cand_%s", t->cand_label[q - SAKSI_CALIB_NQ]);
        for (int l = 0; l < SAKSI_NLEVELS; l++) {
            fprintf(a.f, "sd,%s,%s,", name, l ? saksi_level_name(l) : "station");
            csv_num(a.f, q < SAKSI_CALIB_NQ ? m->sd[q][l] : m->sd_share[q - SAKSI_CALIB_NQ][l]);
            fputc('\n', a.f);
        }
        for (int s = 0; q < SAKSI_CALIB_NQ && s < SAKSI_NSTRATA; s++) {
            fprintf(a.f, "intercept,%s,%s,", name, saksi_stratum_name(s));
            csv_num(a.f, m->mu[q][s]);
            fputc('\n', a.f);
        }
        if (q >= SAKSI_CALIB_NQ) {
            fprintf(a.f, "intercept,%s,all,", name);
            csv_num(a.f, m->mu_share[q - SAKSI_CALIB_NQ]);
            fputc('\n', a.f);
        }
    }
    const struct {
        const char *name;
        double v;
    } fixed[] = {{"female_turnout_logit", m->female_turnout_logit},
                 {"spoiled", m->spoiled},
                 {"male_added", m->male_added},
                 {"noken_bloc", m->noken_bloc},
                 {"fitted_stations", (double)m->fitted_stations}};
    for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++) {
        fprintf(a.f, "%s,,,", fixed[k].name);
        csv_num(a.f, fixed[k].v);
        fputc('\n', a.f);
    }
    SAKSI_TRY(saksi_atomic_commit(&a, err));
out:
    saksi_atomic_abort(&a);
    return rc;
}

static void html_rate(FILE *f, uint64_t k, uint64_t n)
{
    double lo, hi;
    if (n == 0) return;
    cp_interval(k, n, &lo, &hi);
    saksi_html_num(f, (double)k / (double)n, 3);
    fputs(" [", f);
    saksi_html_num(f, lo, 3);
    fputs(", ", f);
    saksi_html_num(f, hi, 3);
    fputs("]", f);
}

static saksi_status write_html(const char *path, const char *input, const tally *ty, size_t runs,
                               const saksi_calib_model *m, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_atomic_file a = {.f = NULL};
    SAKSI_TRY(saksi_atomic_open(&a, path, err));
    FILE *f = a.f;
    fputs("<!DOCTYPE html>\n<html lang=\"id\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\">\n<title>saksi: kalibrasi / calibration</title>\n<style>\n",
          f);
    fputs(saksi_html_style, f);
    fputs("</style>\n</head>\n<body>\n", f);
    saksi_html_heading(f, 1, "top", "saksi: kalibrasi pada pemilu bersih tersimulasi",
                       "saksi: calibration on simulated clean elections");
    fputs("<p>Masukan / input: <span class=\"mono\">", f);
    saksi_html_escape(f, input);
    fprintf(f,
            "</span>. %zu pemilu bersih disimulasikan dari model hierarkis yang disesuaikan "
            "dengan masukan (efek acak per tingkat, dispersi per kecamatan, ukuran TPS dan "
            "sel kosong dari masukan sendiri), masing-masing diaudit dengan semua uji. / %zu "
            "clean elections simulated from a hierarchical model fitted to the input (random "
            "effects per level, dispersion per district, the input's own station sizes and "
            "missing cells), each audited with every test. Model: %zu TPS reguler konsisten "
            "/ consistent regular stations (calibration_model.csv).</p>\n",
            runs, runs, m->fitted_stations);
    fputs("<div class=\"limits\"><p>Toleransi: bagian p &lt; &alpha; dalam &alpha; &plusmn; 2 SE "
          "untuk &alpha; = 0.05, 0.01, 0.001, dan BH pada q = 0.05 menandai sesuatu di paling "
          "banyak 5% simulasi. Baris bertanda <span class=\"flag\">DI LUAR</span> tidak memenuhi. "
          "Nilai p dalam satu simulasi saling bergantung (efek wilayah bersama), sehingga "
          "interval binomial terlalu sempit. <span class=\"en\">/ Tolerance: the share of p below "
          "alpha within alpha +- 2 SE for alpha = 0.05, 0.01, 0.001, and BH at q = 0.05 "
          "flagging anything in at most 5% of the runs. Rows marked <span class=\"flag\">OUTSIDE"
          "</span> fail. p-values within one run are dependent (shared region effects), so the "
          "binomial intervals are too narrow.</span></p></div>\n<table><tr><th>Jenis / kind</th>"
          "<th>Uji / test</th><th>Tingkat / level</th><th>Unit</th>",
          f);
    for (int al = 0; al < NALPHA; al++) {
        fputs("<th>p &lt; ", f);
        saksi_html_num(f, alphas[al], 3);
        fputs(" [95%]</th>", f);
    }
    fputs("<th>Simulasi dengan tanda / runs flagged [95%]</th><th></th></tr>\n", f);
    for (size_t k = 0; k < ty->n; k++) {
        const family *x = &ty->f[k];
        int ok = family_ok(x, runs);
        fprintf(f, "<tr><td>%s</td><td>", kind_names[x->kind]);
        saksi_html_escape(f, x->test);
        fprintf(f, "</td><td>%s</td><td class=\"n\">%" PRIu64 "</td>",
                x->level >= 0 ? saksi_level_name(x->level) : "station", x->units);
        for (int al = 0; al < NALPHA; al++) {
            int w = within_alpha(x, al);
            fprintf(f, "<td class=\"n%s\">", w == 0 ? " flag" : "");
            if (w >= 0) html_rate(f, x->below[al], x->units);
            fputs("</td>", f);
        }
        fprintf(f, "<td class=\"n%s\">", within_flags(x, runs) ? "" : " flag");
        html_rate(f, x->runs_flagged, runs);
        fprintf(f, "</td><td%s>%s</td></tr>\n", ok ? "" : " class=\"flag\"",
                ok ? "ok" : "DI LUAR / OUTSIDE");
    }
    fputs("</table>\n</body>\n</html>\n", f);
    SAKSI_TRY(saksi_atomic_commit(&a, err));
out:
    saksi_atomic_abort(&a);
    return rc;
}

static void progress(const saksi_config *cfg, double fraction)
{
    if (cfg->progress && cfg->progress_cb)
        cfg->progress_cb(cfg->progress_ctx, "calibrate", fraction);
}

saksi_status saksi_calibrate(const saksi_config *cfg, const char *input, const char *dir,
                             size_t runs, saksi_calibration_summary *sum, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_config inner = *cfg;
    saksi_engine *e0 = NULL, *e = NULL;
    saksi_calib_model model = {0};
    saksi_table *sim = NULL;
    tally ty = {0};
    char path[4096];
    double t0 = saksi_now();
    if (runs == 0 || runs > 0xffffff)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "--runs must be 1..16777216, not %zu", runs);
    SAKSI_TRY(saksi_make_dirs(dir, err));
    inner.progress = 0; /* the runs inside report through this function */
    if (!(e0 = saksi_engine_alloc(&inner))) SAKSI_ALLOC_FAIL("an engine");
    SAKSI_TRY(saksi_engine_ingest(e0, input, err));
    SAKSI_TRY(saksi_engine_run(e0, err));
    const saksi_table *t = saksi_engine_table(e0);
    SAKSI_TRY(saksi_calib_fit(t, saksi_engine_results(e0), &model, err));
    for (size_t r = 0; r < runs; r++) {
        char name[64];
        progress(cfg, (double)r / (double)runs);
        if (saksi_stop_requested())
            SAKSI_FAIL(SAKSI_ERR_INTERRUPTED, "calibration interrupted after %zu of %zu runs", r,
                       runs);
        SAKSI_TRY(saksi_calib_simulate(t, &model, cfg->seed, (uint32_t)r, &sim, err));
        if (!(e = saksi_engine_alloc(&inner))) SAKSI_ALLOC_FAIL("an engine");
        snprintf(name, sizeof name, "calibration run %zu", r + 1);
        SAKSI_TRY(saksi_engine_adopt_table(e, sim, name, err));
        sim = NULL; /* the engine owns it */
        SAKSI_TRY(saksi_engine_run(e, err));
        SAKSI_TRY(tally_run(&ty, saksi_engine_table(e), saksi_engine_results(e), err));
        saksi_engine_free(e);
        e = NULL;
    }
    progress(cfg, 1.0);
    snprintf(path, sizeof path, "%s/calibration.csv", dir);
    SAKSI_TRY(write_csv(path, &ty, runs, err));
    snprintf(path, sizeof path, "%s/calibration_model.csv", dir);
    SAKSI_TRY(write_model_csv(path, t, &model, err));
    snprintf(path, sizeof path, "%s/calibration.html", dir);
    SAKSI_TRY(write_html(path, input, &ty, runs, &model, err));
    if (sum) {
        memset(sum, 0, sizeof *sum);
        sum->runs = runs;
        sum->stations = t->n;
        sum->fitted_stations = model.fitted_stations;
        sum->families = ty.n;
        for (size_t k = 0; k < ty.n; k++)
            sum->outside += !family_ok(&ty.f[k], runs);
        sum->seconds = saksi_now() - t0;
    }
out:
    saksi_table_free(sim);
    saksi_engine_free(e);
    saksi_engine_free(e0);
    saksi_calib_model_free(&model);
    free(ty.f);
    return rc;
}
