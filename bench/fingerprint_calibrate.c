/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fingerprint_calibrate.c — the heavy runs of the fingerprint family, kept
 * out of the tests: the fit of Klimek et al.'s (f_i, f_e) and the national
 * shape statistics over many clean simulated elections (their distribution
 * is the null the report reads a fit against), its power against extreme
 * fraud planted in a few regencies, the fit of a real file beside its
 * clean-election null, and the stage's timing in a whole audit.
 *
 *   fingerprint_calibrate [--stations N] [--runs K] [--power-runs P]
 *                         [--seed S] [--real FILE --map MAP]
 *                         [--audit FILE] [--backend cpu|opencl] [--skip-calibration]
 *                         [--kernels FILE]
 */
#define _POSIX_C_SOURCE 200809L
#include "family_fingerprints.h"
#include "opencl_fingerprint.h"

#include <math.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>

static void die(const saksi_error *err)
{
    fprintf(stderr, "fingerprint_calibrate: %s\n", err->message);
    exit(1);
}
#define CHECK(call)                                                                                \
    do {                                                                                           \
        saksi_error e_ = {0};                                                                      \
        saksi_error *err = &e_;                                                                    \
        if ((call) != SAKSI_OK) die(err);                                                          \
    } while (0)

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Type-7 quantile of the finite values of v[0..n-1]. */
static double quant(const double *v, size_t n, double p)
{
    double *t = malloc((n ? n : 1) * sizeof *t);
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (isfinite(v[k])) t[m++] = v[k];
    qsort(t, m, sizeof *t, cmp_double);
    double q = saksi_dispersion_quantile(t, m, p);
    free(t);
    return q;
}

/* A clean (or planted) simulated election with its strata. The simulator
 * refuses about one seed in ten at full size (a village beyond the TPS
 * code's 999 stations): such a seed is replaced by the next one, and
 * counted. */
static size_t refused_seeds;
static saksi_table *simulate(size_t stations, uint64_t seed, const saksi_rules *rules)
{
    saksi_sim_config c;
    saksi_table *t = NULL;
    saksi_sim_label *labels = NULL;
    size_t nlabels = 0;
    saksi_error serr = {0};
    saksi_sim_config_init(&c);
    c.stations = stations;
    c.seed = seed;
    saksi_status st;
    while ((st = saksi_simulate_table(&c, &t, &labels, &nlabels, NULL, &serr)) == SAKSI_ERR_LIMIT) {
        refused_seeds++;
        c.seed += 1000003;
    }
    if (st != SAKSI_OK) die(&serr);
    free(labels);
    uint32_t *enabled = malloc(t->n * sizeof *enabled);
    CHECK(saksi_rules_apply_scopes(rules, t, enabled, err));
    free(enabled);
    return t;
}

/* National and provincial fits (no bootstrap, no null) and the national
 * shape statistics of one table: fits[0] the nation, fits[1 + p] province
 * p. */
static void fit_table(const saksi_table *t, const saksi_fp_backend *be, uint64_t seed,
                      saksi_fp_fit *fits, double shape[SAKSI_SHAPE_NSTATS])
{
    const int leader = saksi_fp_leader(t);
    const int32_t *cols[4];
    const size_t nh = t->regions[SAKSI_LEVEL_PROVINCE].n * SAKSI_NSTRATA;
    uint32_t *hist = calloc(nh * 10000, 4), *reasons = calloc(nh * SAKSI_FP_NREASONS, 4);
    int32_t *code = malloc(t->n * sizeof *code);
    saksi_fp_columns(t, saksi_fp_turnout_field(t), leader, cols);
    saksi_fp_bin_cpu(t, cols, 100, 100, 0, t->n, code, hist, reasons);
    for (int by_prov = 0; by_prov <= 1; by_prov++) {
        saksi_fp_fitset fs;
        CHECK(saksi_fp_fitset_from_table(t, code, cols, by_prov, NULL, &fs, err));
        CHECK(saksi_fp_fitset_prepare(&fs, seed, 100, 100, SAKSI_FP_DEFAULT_ALPHA, err));
        CHECK(be->bind(be->ctx, &fs, err));
        CHECK(saksi_fp_fit_all(&fs, be, 0, NULL, fits + by_prov, err));
        be->release(be->ctx);
        saksi_fp_fitset_free(&fs);
    }
    if (shape) {
        uint8_t *use = calloc(t->n, 1);
        double *x = calloc(t->n, 8), *s = calloc(t->n, 8), *y = calloc(t->n, 8);
        for (size_t i = 0; i < t->n; i++)
            if (code[i] >= 0 && t->stratum[i] == SAKSI_STRATUM_REGULAR) {
                use[i] = 1;
                x[i] = (double)cols[1][i] / cols[0][i];
                s[i] = (double)cols[2][i] / cols[3][i];
                y[i] = (double)cols[2][i] / cols[0][i];
            }
        saksi_shape_level lv[SAKSI_NLEVELS];
        CHECK(saksi_shape_all(t, use, x, s, y, 0, seed, lv, err));
        memcpy(shape, lv[0].row[0].value, SAKSI_SHAPE_NSTATS * sizeof *shape);
        saksi_shape_free(lv);
        free(use), free(x), free(s), free(y);
    }
    free(hist), free(reasons), free(code);
}

typedef struct calibration {
    size_t runs, nprov;
    double *fi, *fe;   /* [run] national */
    double *pfi, *pfe; /* [run][province] */
    char **codes;      /* province codes of the simulation */
    double *shape;     /* [run][stat] */
} calibration;

static void calibrate(size_t stations, size_t runs, uint64_t seed, const saksi_rules *rules,
                      const saksi_fp_backend *be, calibration *cal)
{
    printf("== calibration: %zu clean simulated elections of %zu stations (seed %llu + k)\n", runs,
           stations, (unsigned long long)seed);
    memset(cal, 0, sizeof *cal);
    cal->runs = runs;
    cal->fi = calloc(runs, 8), cal->fe = calloc(runs, 8), cal->shape = calloc(runs, 8 * 8);
    for (size_t k = 0; k < runs; k++) {
        double t0 = saksi_now();
        saksi_table *t = simulate(stations, seed + 0x9E3779B97F4A7C15ull * k, rules);
        size_t np = t->regions[SAKSI_LEVEL_PROVINCE].n;
        if (!cal->pfi) {
            cal->nprov = np;
            cal->pfi = calloc(runs * np, 8), cal->pfe = calloc(runs * np, 8);
            cal->codes = calloc(np, sizeof *cal->codes);
            for (size_t p = 0; p < np; p++)
                cal->codes[p] = strdup(t->regions[SAKSI_LEVEL_PROVINCE].code[p]);
        }
        /* fit_table writes the nation to both[0], the provinces from
         * both[1]. */
        saksi_fp_fit *both = calloc(np + 1, sizeof *both), nat;
        fit_table(t, be, seed, both, cal->shape + k * SAKSI_SHAPE_NSTATS);
        nat = both[0];
        cal->fi[k] = nat.fi;
        cal->fe[k] = nat.fe;
        for (size_t p = 0; p < np; p++) {
            cal->pfi[k * np + p] = both[1 + p].fi;
            cal->pfe[k * np + p] = both[1 + p].fe;
        }
        printf("run %2zu: national f_i %.4f f_e %.4f | turnout dip %.5f share dip %.5f corr "
               "%+.3f slope %.3f | %.1f s\n",
               k, nat.fi, nat.fe, cal->shape[k * 8 + SAKSI_SHAPE_TURNOUT_DIP],
               cal->shape[k * 8 + SAKSI_SHAPE_SHARE_DIP],
               cal->shape[k * 8 + SAKSI_SHAPE_CORRELATION],
               cal->shape[k * 8 + SAKSI_SHAPE_SOBYANIN], saksi_now() - t0);
        free(both);
        saksi_table_free(t);
        fflush(stdout);
    }
    printf("national f_i: median %.4f p95 %.4f max %.4f\n", quant(cal->fi, runs, 0.5),
           quant(cal->fi, runs, 0.95), quant(cal->fi, runs, 1.0));
    printf("national f_e: median %.4f p95 %.4f max %.4f\n", quant(cal->fe, runs, 0.5),
           quant(cal->fe, runs, 0.95), quant(cal->fe, runs, 1.0));
    printf("province f_i (all runs pooled): median %.4f p95 %.4f; f_e: median %.4f p95 %.4f "
           "max %.4f\n",
           quant(cal->pfi, runs * cal->nprov, 0.5), quant(cal->pfi, runs * cal->nprov, 0.95),
           quant(cal->pfe, runs * cal->nprov, 0.5), quant(cal->pfe, runs * cal->nprov, 0.95),
           quant(cal->pfe, runs * cal->nprov, 1.0));
    for (int s = 0; s < SAKSI_SHAPE_NSTATS; s++) {
        double *v = malloc(runs * 8);
        for (size_t k = 0; k < runs; k++)
            v[k] = cal->shape[k * SAKSI_SHAPE_NSTATS + s];
        printf("national %-18s clean: median %+.5f [p2.5 %+.5f, p97.5 %+.5f]\n",
               saksi_shape_name(s), quant(v, runs, 0.5), quant(v, runs, 0.025),
               quant(v, runs, 0.975));
        free(v);
    }
}

/* Province p of a calibration by code, or SIZE_MAX. */
static size_t cal_province(const calibration *cal, const char *code)
{
    for (size_t p = 0; p < cal->nprov; p++)
        if (strcmp(cal->codes[p], code) == 0) return p;
    return SIZE_MAX;
}

/* Extreme fraud in m regular regencies spread evenly over the regency
 * list, in elections of the calibration's size: the fitted f_e against the
 * clean runs' 95th percentile, nationally and in the planted regencies'
 * provinces (against the clean fits of the same province code). */
static void power(size_t stations, size_t runs, uint64_t seed, const saksi_rules *rules,
                  const saksi_fp_backend *be, const calibration *cal)
{
    static const size_t settings[] = {1, 3, 10};
    const double nat95 = quant(cal->fe, cal->runs, 0.95);
    printf("== power: extreme fraud (turnout and leader's share pushed to 100%% minus 0..2 "
           "votes) in m regencies, %zu elections each; clean national f_e p95 = %.4f\n",
           runs, nat95);
    for (size_t si = 0; si < sizeof settings / sizeof settings[0]; si++) {
        size_t m = settings[si], det_nat = 0, det_prov = 0, prov_tests = 0;
        double sum_fe = 0, sum_share = 0;
        for (size_t k = 0; k < runs; k++) {
            saksi_table *t = simulate(stations, seed + 7919 * (k + 1) + 104729 * m, rules);
            const saksi_regions *rg = &t->regions[SAKSI_LEVEL_REGENCY];
            uint32_t regs[16];
            size_t nr = 0;
            /* Regencies of regular provinces (noken 94, 95 and overseas 99
             * are other strata), spread over the list. */
            for (size_t j = 0; j < rg->n && nr < m; j += rg->n / m) {
                size_t r = j;
                while (r < rg->n && t->stratum[rg->first[r]] != SAKSI_STRATUM_REGULAR)
                    r++;
                if (r < rg->n) regs[nr++] = (uint32_t)r;
            }
            size_t planted = saksi_fp_plant_extreme(t, regs, nr, saksi_fp_leader(t));
            size_t np = t->regions[SAKSI_LEVEL_PROVINCE].n;
            saksi_fp_fit *fits = calloc(np + 1, sizeof *fits);
            fit_table(t, be, seed, fits, NULL);
            size_t usable = 0;
            for (size_t i = 0; i < t->n; i++)
                usable += t->stratum[i] == SAKSI_STRATUM_REGULAR;
            sum_fe += fits[0].fe;
            sum_share += (double)planted / (double)usable;
            det_nat += fits[0].fe > nat95;
            /* Each planted province once. */
            uint8_t *seen = calloc(np, 1);
            for (size_t j = 0; j < nr; j++) {
                size_t p = t->region_of[SAKSI_LEVEL_PROVINCE][rg->first[regs[j]]];
                size_t q = cal_province(cal, t->regions[SAKSI_LEVEL_PROVINCE].code[p]);
                if (seen[p] || q == SIZE_MAX || !isfinite(fits[1 + p].fe)) continue;
                seen[p] = 1;
                double *v = malloc(cal->runs * 8);
                for (size_t c = 0; c < cal->runs; c++)
                    v[c] = cal->pfe[c * cal->nprov + q];
                double p95 = quant(v, cal->runs, 0.95);
                prov_tests++;
                det_prov += fits[1 + p].fe > p95;
                if (k == 0)
                    printf("  m=%zu run 0: province %s f_e %.4f vs its clean p95 %.4f\n", m,
                           t->regions[SAKSI_LEVEL_PROVINCE].code[p], fits[1 + p].fe, p95);
                free(v);
            }
            free(seen);
            free(fits);
            saksi_table_free(t);
        }
        printf("m=%2zu regencies: planted share of regular stations %.4f, mean national f_e %.4f; "
               "national f_e > clean p95 in %zu/%zu; planted provinces' f_e > their clean p95 "
               "in %zu/%zu\n",
               m, sum_share / runs, sum_fe / runs, det_nat, runs, det_prov, prov_tests);
        fflush(stdout);
    }
}

/* A real file: the family with its fit, bootstrap and null, as an audit
 * runs it. */
static void real_file(const char *path, const char *map_path, size_t boot, size_t nulls,
                      const saksi_rules *rules)
{
    saksi_colmap *map = saksi_colmap_alloc();
    saksi_quarantine *q = saksi_quarantine_alloc();
    saksi_ingest_options o = {0};
    saksi_table *t = NULL;
    saksi_config cfg;
    saksi_results res = {0};
    double fit_s, t0 = saksi_now();
    if (map_path) CHECK(saksi_colmap_read(map, map_path, err));
    o.map = map;
    CHECK(saksi_ingest_csv(path, &o, q, &t, NULL, err));
    uint32_t *enabled = malloc(t->n * sizeof *enabled);
    CHECK(saksi_rules_apply_scopes(rules, t, enabled, err));
    free(enabled);
    saksi_config_init(&cfg);
    cfg.fingerprint_fit = 1;
    cfg.fingerprint_bootstrap = boot;
    cfg.fingerprint_null_runs = nulls;
    printf("== real: %s (%zu stations, read in %.1f s); fit with %zu bootstrap replicates and %zu "
           "clean elections\n",
           path, t->n, saksi_now() - t0, boot, nulls);
    t0 = saksi_now();
    CHECK(saksi_family_fingerprints(t, &cfg, NULL, &res, &fit_s, err));
    const saksi_fingerprints *fp = res.fingerprints;
    printf("family %.1f s, of which the fit %.1f s; null: %s\n", saksi_now() - t0, fit_s,
           fp->null_mode);
    printf("%-9s %-4s %8s %7s %7s %17s %7s %7s %17s %7s %7s %s\n", "level", "code", "stations",
           "f_i", "[95%", "boot]", "null95", "p", "f_e [95% boot]", "null95", "p", "skip");
    for (size_t f = 0; f < fp->nfits; f++) {
        const saksi_fp_report *r = &fp->fit[f];
        printf("%-9s %-4s %8zu %7.4f [%.4f, %.4f] %7.4f %7.3f  %7.4f [%.4f, %.4f] %7.4f %7.3f %s\n",
               saksi_level_name(r->level), t->regions[r->level].code[r->region], r->stations, r->fi,
               r->fi_lo, r->fi_hi, r->null_fi_p95, r->p_fi, r->fe, r->fe_lo, r->fe_hi,
               r->null_fe_p95, r->p_fe, r->skip);
    }
    const saksi_shape_row *s = &fp->shape[SAKSI_LEVEL_NATIONAL].row[0];
    for (int k = 0; k < SAKSI_SHAPE_NSTATS; k++)
        printf("national %-18s %+.5f [%+.5f, %+.5f]\n", saksi_shape_name(k), s->value[k], s->lo[k],
               s->hi[k]);
    saksi_results_free(&res);
    saksi_table_free(t);
    saksi_quarantine_free(q);
    saksi_colmap_free(map);
}

/* A whole audit of FILE: the fingerprint stage and its fit timed. */
static void audit(const char *path, int backend, int fit)
{
    saksi_config cfg;
    saksi_error err = {0};
    saksi_config_init(&cfg);
    cfg.backend = backend;
    cfg.fingerprint_fit = fit;
    cfg.cache_dir = "";
    saksi_engine *e = saksi_engine_alloc(&cfg);
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    if (saksi_engine_ingest(e, path, &err) != SAKSI_OK || saksi_engine_run(e, &err) != SAKSI_OK)
        die(&err);
    getrusage(RUSAGE_SELF, &r1);
    const saksi_summary *s = saksi_engine_summary(e);
    /* The machine is shared: the process's CPU time beside the wall
     * times says how much of them was waiting. */
    double cpu = (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) +
                 1e-6 * (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) +
                 (double)(r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
                 1e-6 * (double)(r1.ru_stime.tv_usec - r0.ru_stime.tv_usec);
    char load[64] = "?";
    FILE *la = fopen("/proc/loadavg", "r");
    if (la) {
        if (!fgets(load, sizeof load, la)) snprintf(load, sizeof load, "?");
        load[strcspn(load, "\n")] = 0;
        fclose(la);
    }
    printf("  (ingest + run: process CPU %.1f s; wall ingest %.2f s; load average %s)\n", cpu,
           s->timing.ingest, load);
    printf("audit %s backend %s%s: %zu stations; fingerprints %.2f s (of which the fit %.2f s); "
           "integrity %.2f s; f_i %.4f f_e %.4f (clean p95 %.4f / %.4f)\n",
           path, s->backend_used, fit ? " --fingerprint-fit" : "", s->stations,
           s->timing.fingerprints, s->timing.fingerprint_fit, s->timing.integrity,
           s->fingerprint.fi, s->fingerprint.fe, s->fingerprint.fi_null_p95,
           s->fingerprint.fe_null_p95);
    fflush(stdout);
    saksi_engine_free(e);
}

/* Best of three wall times of fn. */
#define BEST3(t, stmt)                                                                             \
    do {                                                                                           \
        t = 1e30;                                                                                  \
        for (int r_ = 0; r_ < 3; r_++) {                                                           \
            double t0_ = saksi_now();                                                              \
            stmt;                                                                                  \
            double d_ = saksi_now() - t0_;                                                         \
            t = d_ < t ? d_ : t;                                                                   \
        }                                                                                          \
    } while (0)

/* The three kernels against their twins on FILE: binning every station,
 * the national fit set's draws, one coarse grid level of it. */
static void kernels(const char *path, const saksi_rules *rules)
{
    saksi_quarantine *q = saksi_quarantine_alloc();
    saksi_ingest_options o = {0};
    saksi_table *t = NULL;
    saksi_cl *cl = NULL;
    saksi_cl_options co;
    CHECK(saksi_ingest_csv(path, &o, q, &t, NULL, err));
    uint32_t *enabled = malloc(t->n * sizeof *enabled);
    CHECK(saksi_rules_apply_scopes(rules, t, enabled, err));
    free(enabled);
    saksi_cl_options_init(&co);
    co.allow_cpu = 1;
    co.cache_dir = "";
    CHECK(saksi_cl_open(&co, &cl, err));
    const int leader = saksi_fp_leader(t);
    const int32_t *cols[4];
    saksi_fp_columns(t, saksi_fp_turnout_field(t), leader, cols);
    const size_t nh = t->regions[SAKSI_LEVEL_PROVINCE].n * SAKSI_NSTRATA, nb = 10000;
    uint32_t *hist = calloc(nh * nb, 4), *reasons = calloc(nh * SAKSI_FP_NREASONS, 4);
    int32_t *code = malloc(t->n * 4);
    double tc, td;
    BEST3(tc, {
        memset(hist, 0, nh * nb * 4);
        memset(reasons, 0, nh * SAKSI_FP_NREASONS * 4);
        saksi_fp_bin_cpu(t, cols, 100, 100, 0, t->n, code, hist, reasons);
    });
    BEST3(td, CHECK(saksi_cl_fp_bin(cl, t, cols, 100, 100, 0, 0, code, hist, reasons, err)));
    printf("kernels on %s (%zu stations), best of 3, device %s:\n", path, t->n,
           saksi_cl_device_name(cl));
    printf("  binning:    plain C %.3f s (%.1f M stations/s), OpenCL %.3f s (ratio %.1f)\n", tc,
           t->n / tc / 1e6, td, td / tc);
    saksi_fp_fitset fs;
    CHECK(saksi_fp_fitset_from_table(t, code, cols, 0, NULL, &fs, err));
    CHECK(saksi_fp_fitset_prepare(&fs, 2024, 100, 100, SAKSI_FP_DEFAULT_ALPHA, err));
    saksi_fp_backend cpu, dev;
    CHECK(saksi_fp_backend_cpu(&cpu, err));
    CHECK(saksi_cl_fp_backend(cl, 0, &dev, err));
    CHECK(cpu.bind(cpu.ctx, &fs, err));
    CHECK(dev.bind(dev.ctx, &fs, err));
    uint32_t *dw = malloc(3 * fs.ndraws * 4);
    BEST3(tc, CHECK(cpu.simulate(cpu.ctx, 0, err)));
    BEST3(td, {
        CHECK(dev.simulate(dev.ctx, 0, err));
        CHECK(dev.read_draws(dev.ctx, dw, err));
    });
    free(dw);
    printf("  model draws (%zu; plain C incl. its sort, OpenCL incl. reading them back): plain C "
           "%.3f s (%.1f M draws/s), OpenCL %.3f s (ratio %.1f)\n",
           fs.ndraws, tc, fs.ndraws / tc / 1e6, td, td / tc);
    /* The coarse level: 45 points over the simplex. */
    uint32_t pf = 0, pc = 0, *w = malloc(fs.n * 4);
    uint64_t thr[2 * 45];
    for (int i = 0; i <= 512; i += 64)
        for (int e = 0; i + e <= 512; e += 64, pc++) {
            thr[2 * pc] = (uint64_t)i << 23;
            thr[2 * pc + 1] = (uint64_t)(i + e) << 23;
        }
    for (size_t i = 0; i < fs.n; i++)
        w[i] = 1;
    uint32_t *h = calloc(pc * nb, 4);
    BEST3(tc, CHECK(cpu.grid(cpu.ctx, 0, 1, w, &pf, &pc, thr, 0, pc, h, err)));
    BEST3(td, CHECK(dev.grid(dev.ctx, 0, 1, w, &pf, &pc, thr, 0, pc, h, err)));
    printf("  grid level 0 (%u points x %zu draws): plain C (sorted prefix) %.3f s, OpenCL %.3f s "
           "(ratio %.1f)\n",
           pc, fs.ndraws, tc, td, td / tc);
    saksi_cl_fp_backend_free(&dev);
    saksi_fp_backend_cpu_free(&cpu);
    saksi_fp_fitset_free(&fs);
    saksi_cl_close(cl);
    free(h), free(w), free(hist), free(reasons), free(code);
    saksi_table_free(t);
    saksi_quarantine_free(q);
}

int main(int argc, char **argv)
{
    size_t stations = SAKSI_SIM_DEFAULT_STATIONS, runs = 20, power_runs = 10;
    uint64_t seed = 2024;
    const char *real = NULL, *map = NULL, *audit_file = NULL, *kernel_file = NULL;
    int backend = SAKSI_BACKEND_CPU, skip_cal = 0, audit_fit = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--skip-calibration") == 0) {
            skip_cal = 1;
            continue;
        }
        if (strcmp(a, "--no-fit") == 0) {
            audit_fit = 0;
            continue;
        }
        if (!v) {
            fprintf(stderr, "fingerprint_calibrate: %s needs a value\n", a);
            return 64;
        }
        i++;
        if (strcmp(a, "--stations") == 0)
            stations = strtoull(v, NULL, 10);
        else if (strcmp(a, "--runs") == 0)
            runs = strtoull(v, NULL, 10);
        else if (strcmp(a, "--power-runs") == 0)
            power_runs = strtoull(v, NULL, 10);
        else if (strcmp(a, "--seed") == 0)
            seed = strtoull(v, NULL, 10);
        else if (strcmp(a, "--real") == 0)
            real = v;
        else if (strcmp(a, "--map") == 0)
            map = v;
        else if (strcmp(a, "--audit") == 0)
            audit_file = v;
        else if (strcmp(a, "--kernels") == 0)
            kernel_file = v;
        else if (strcmp(a, "--backend") == 0)
            backend = strcmp(v, "opencl") == 0 ? SAKSI_BACKEND_OPENCL : SAKSI_BACKEND_CPU;
        else {
            fprintf(stderr, "fingerprint_calibrate: unknown option %s\n", a);
            return 64;
        }
    }
    saksi_rules *rules = NULL;
    saksi_fp_backend be;
    CHECK(saksi_rules_load(NULL, &rules, err));
    CHECK(saksi_fp_backend_cpu(&be, err));
    if (kernel_file) kernels(kernel_file, rules);
    if (audit_file) audit(audit_file, backend, audit_fit);
    if (real)
        real_file(real, map, SAKSI_FP_DEFAULT_FIT_BOOTSTRAP, SAKSI_FP_DEFAULT_NULL_RUNS, rules);
    if (!skip_cal) {
        calibration cal;
        calibrate(stations, runs, seed, rules, &be, &cal);
        if (power_runs) power(stations, power_runs, seed, rules, &be, &cal);
        for (size_t p = 0; p < cal.nprov; p++)
            free(cal.codes[p]);
        free(cal.codes), free(cal.fi), free(cal.fe), free(cal.pfi), free(cal.pfe);
        free(cal.shape);
    }
    if (refused_seeds)
        printf("(%zu simulator seeds refused and replaced by the next)\n", refused_seeds);
    saksi_fp_backend_cpu_free(&be);
    saksi_rules_free(rules);
    return 0;
}
