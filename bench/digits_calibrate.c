/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * digits_calibrate.c — calibration and power of the digit family (issue 3,
 * DESIGN §5 "Calibration"); a driver, not a test. On R clean simulated
 * elections it reports, per (test, level), the share of raw p-values below
 * 0.05, 0.01 and 0.001 with 2 binomial SEs, lambda, and the runs in which BH
 * flagged a region. With --power it plants human digit preferences (a
 * district's stations rounded to multiples of 5 with probability DOSE) in
 * a random 5% of districts and reports the detection rate by dose.
 *
 * With --bench it times the family on the README demo election (823,236
 * stations, seed 2024, every anomaly kind planted at 0.2%) on the CPU twin
 * and on OpenCL (PoCL here): masks, histograms, statistics, all levels.
 *
 *   build/digits_calibrate [--runs R] [--stations N] [--seed S] [--power]
 *                          [--min-numbers K] [--verbose]
 *   build/digits_calibrate --bench [--stations N]
 */
#define _POSIX_C_SOURCE 200809L
#include "digits.h"
#include "saksi_opencl.h"
#include "../datasets/generator/generator.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define MAX_FAMILIES 64
#define NALPHA       3
static const double alphas[NALPHA] = {0.05, 0.01, 0.001};

/* Doses of --power: the share of a district's stations whose counts are
 * rounded; planted districts are this fraction of all. */
#define NDOSE 5
static const double doses[NDOSE] = {0.05, 0.10, 0.15, 0.20, 0.30};
#define PLANT_DISTRICT_RATE    0.05
#define PURPOSE_PLANT_DISTRICT 901u
#define PURPOSE_PLANT_STATION  902u

typedef struct family {
    const char *test;
    int level;
    uint64_t m, below[NALPHA];
    int runs_flagged;
    double lambda_sum;
    int lambda_runs;
    double lambda_min, lambda_max;
} family;

static family fam[MAX_FAMILIES];
static size_t nfam;
static int verbose; /* --verbose: print every flag of a clean region */

static void die(const char *what, const saksi_error *err)
{
    fprintf(stderr, "digits_calibrate: %s: %s\n", what, err->message);
    exit(1);
}

static family *family_of(const char *test, int level)
{
    for (size_t k = 0; k < nfam; k++)
        if (fam[k].level == level && strcmp(fam[k].test, test) == 0) return &fam[k];
    if (nfam == MAX_FAMILIES) {
        fprintf(stderr, "digits_calibrate: too many families\n");
        exit(1);
    }
    fam[nfam] = (family){test, level, 0, {0}, 0, 0.0, 0, INFINITY, -INFINITY};
    return &fam[nfam++];
}

/* Round every candidate count of station i to the nearest multiple of 5,
 * keeping every identity: valid becomes the new sum and invalid absorbs
 * the change, so total, voters and ballots stay (down to a multiple of 5
 * when invalid would turn negative). 0 when it cannot be planted. */
static int round_station(saksi_table *t, size_t i)
{
    int32_t *valid = &t->cols[(size_t)t->slot_of_field[SAKSI_F_VALID] * t->stride + i];
    int32_t *invalid = &t->cols[(size_t)t->slot_of_field[SAKSI_F_INVALID] * t->stride + i];
    for (int mode = 0; mode < 2; mode++) {
        int32_t nv[SAKSI_SIM_MAX_CAND], sum = 0, changed = 0;
        for (size_t c = 0; c < t->ncand; c++) {
            int32_t x = t->cols[(size_t)(t->first_cand_slot + (int)c) * t->stride + i], r = x % 5;
            nv[c] = mode == 0 && 2 * r > 5 ? x + 5 - r : x - r;
            changed |= nv[c] != x;
            sum += nv[c];
        }
        if (!changed) return 0;
        int32_t inv = *invalid - (sum - *valid);
        if (inv < 0) continue;
        for (size_t c = 0; c < t->ncand; c++)
            t->cols[(size_t)(t->first_cand_slot + (int)c) * t->stride + i] = nv[c];
        *valid = sum;
        *invalid = inv;
        return 1;
    }
    return 0;
}

/* Planted dose per district (-1: clean), from the run's seed. */
static void plant(saksi_table *t, uint64_t seed, int *dose_of, size_t *planted)
{
    const saksi_regions *dg = &t->regions[SAKSI_LEVEL_DISTRICT];
    size_t k = 0;
    for (size_t d = 0; d < dg->n; d++) {
        saksi_sim_stream s;
        saksi_sim_stream_init(&s, seed, saksi_hash_bytes(dg->code[d], strlen(dg->code[d])),
                              PURPOSE_PLANT_DISTRICT);
        dose_of[d] = -1;
        if (t->stratum[dg->first[d]] != SAKSI_STRATUM_REGULAR ||
            saksi_sim_uniform(&s) >= PLANT_DISTRICT_RATE)
            continue;
        dose_of[d] = (int)(k++ % NDOSE);
        for (size_t i = dg->first[d]; i < dg->first[d] + dg->count[d]; i++) {
            saksi_sim_stream st;
            saksi_sim_stream_init(&st, seed, t->id_hash[i], PURPOSE_PLANT_STATION);
            if (saksi_sim_uniform(&st) < doses[dose_of[d]]) *planted += (size_t)round_station(t, i);
        }
    }
}

typedef struct power_count {
    size_t districts[NDOSE], testable[NDOSE], flagged[SAKSI_DK_COUNT][NDOSE], any[NDOSE];
    size_t clean, clean_flagged;
} power_count;

static void run_one(const saksi_sim_config *sc, const saksi_digits_options *opt, int power,
                    power_count *pw, double *secs)
{
    saksi_error err = {0};
    saksi_table *t = NULL;
    saksi_rules *rules = NULL;
    int32_t *prog = NULL;
    size_t prog_len, planted = 0;
    saksi_results res = {0};
    saksi_region_tests rt = {0};
    saksi_digits_result dr;
    saksi_digits_counts counts;
    if (saksi_simulate_table(sc, &t, NULL, NULL, NULL, &err) != SAKSI_OK) die("simulate", &err);
    if (saksi_rules_load(NULL, &rules, &err) != SAKSI_OK ||
        saksi_rules_compile(rules, t, &prog, &prog_len, &err) != SAKSI_OK)
        die("rules", &err);
    res.rules = rules;
    res.enabled = calloc(t->n, 4);
    res.eval_mask = calloc(t->n, 4);
    res.fail_mask = calloc(t->n, 4);
    res.neg_mask = calloc(t->n, 4);
    if (saksi_rules_apply_scopes(rules, t, res.enabled, &err) != SAKSI_OK) die("scopes", &err);
    int *dose_of = calloc(t->regions[SAKSI_LEVEL_DISTRICT].n, sizeof *dose_of);
    if (power) plant(t, sc->seed, dose_of, &planted);
    saksi_integrity_cpu(prog, t, res.enabled, 0, t->n, res.eval_mask, res.fail_mask, res.neg_mask);

    double t0 = saksi_now();
    uint8_t *exclude = malloc(t->n), *mask = malloc(t->n * t->ncand);
    size_t nbins = t->regions[SAKSI_LEVEL_DISTRICT].n * t->ncand * SAKSI_DIGIT_HIST;
    uint32_t *hist = calloc(nbins, sizeof *hist);
    if (saksi_digits_exclusions(t, &res, exclude, &err) != SAKSI_OK ||
        saksi_digits_masks(t, exclude, &opt->peers, mask, &counts, &err) != SAKSI_OK)
        die("masks", &err);
    saksi_digits_hist_cpu(t, 0, t->n, mask, hist);
    if (saksi_digits_analyse(t, exclude, mask, hist, opt, &rt, &dr, &err) != SAKSI_OK ||
        saksi_region_tests_finish(&rt, 0.05, 0, &err) != SAKSI_OK)
        die("analyse", &err);
    *secs = saksi_now() - t0;

    int flagged_here[MAX_FAMILIES] = {0};
    for (size_t k = 0; k < rt.n; k++) {
        const saksi_region_test *r = &rt.row[k];
        family *f = family_of(r->test, r->level);
        if (!power && !isnan(r->p)) {
            f->m++;
            for (int a = 0; a < NALPHA; a++)
                f->below[a] += r->p < alphas[a];
        }
        if (r->flagged) flagged_here[f - fam] = 1;
        if (r->flagged && verbose &&
            (!power || dose_of[r->region] < 0 || r->level != SAKSI_LEVEL_DISTRICT))
            printf("# flagged: seed %llu %s %s %s cand %d n %u statistic %.4g p %.3g q %.3g "
                   "effect %.4g [%.4g, %.4g]\n",
                   (unsigned long long)sc->seed, r->test, saksi_level_name(r->level),
                   t->regions[r->level].code[r->region], r->candidate, r->n, r->statistic, r->p,
                   r->q, r->effect, r->effect_lo, r->effect_hi);
    }
    /* lambda per family and run (the same on each of its rows) */
    int seen[MAX_FAMILIES] = {0};
    for (size_t k = 0; k < rt.n; k++) {
        const saksi_region_test *r = &rt.row[k];
        family *f = family_of(r->test, r->level);
        if (seen[f - fam] || isnan(r->lambda) || r->descriptive) continue;
        seen[f - fam] = 1;
        f->lambda_sum += r->lambda;
        f->lambda_runs++;
        f->lambda_min = r->lambda < f->lambda_min ? r->lambda : f->lambda_min;
        f->lambda_max = r->lambda > f->lambda_max ? r->lambda : f->lambda_max;
    }
    for (size_t k = 0; k < nfam; k++)
        fam[k].runs_flagged += flagged_here[k];

    if (power) {
        const saksi_regions *dg = &t->regions[SAKSI_LEVEL_DISTRICT];
        uint8_t *any = calloc(dg->n, 1);
        for (size_t k = 0; k < rt.n; k++) {
            const saksi_region_test *r = &rt.row[k];
            if (r->level == SAKSI_LEVEL_DISTRICT && dose_of[r->region] >= 0 &&
                strcmp(r->test, saksi_digits_test_name[SAKSI_DK_05]) == 0 && !*r->skip)
                pw->testable[dose_of[r->region]]++; /* passed the power guard */
            if (r->level != SAKSI_LEVEL_DISTRICT || !r->flagged) continue;
            any[r->region] = 1;
            for (int kind = 0; kind < SAKSI_DK_COUNT; kind++)
                if (strcmp(r->test, saksi_digits_test_name[kind]) == 0 && dose_of[r->region] >= 0)
                    pw->flagged[kind][dose_of[r->region]]++;
        }
        for (size_t d = 0; d < dg->n; d++) {
            if (dose_of[d] >= 0) {
                pw->districts[dose_of[d]]++;
                pw->any[dose_of[d]] += any[d];
            } else {
                pw->clean++;
                pw->clean_flagged += any[d];
            }
        }
        free(any);
    }
    saksi_digits_result_free(&dr);
    saksi_region_tests_free(&rt);
    free(hist);
    free(mask);
    free(exclude);
    free(dose_of);
    free(res.enabled);
    free(res.eval_mask);
    free(res.fail_mask);
    free(res.neg_mask);
    free(prog);
    saksi_rules_free(rules);
    saksi_table_free(t);
}

/* Processor seconds of this process (every thread), user + system: a
 * figure that a machine shared with other jobs does not inflate. */
static double cpu_seconds(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + 1e-6 * (double)u.ru_utime.tv_usec +
           (double)u.ru_stime.tv_sec + 1e-6 * (double)u.ru_stime.tv_usec;
}

static double last_cpu; /* processor seconds of the best repetition of BEST_OF */

/* /proc/loadavg's first field, for the record ("?" elsewhere). */
static const char *load_average(void)
{
    static char buf[32] = "?";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%31s", buf) != 1) snprintf(buf, sizeof buf, "?");
        fclose(f);
    }
    return buf;
}

/* Best of k wall-clock timings of stmt, in seconds. */
#define BEST_OF(k, secs, stmt)                                                                     \
    do {                                                                                           \
        secs = 1e300;                                                                              \
        for (int rep_ = 0; rep_ < (k); rep_++) {                                                   \
            double t0_ = saksi_now(), c0_ = cpu_seconds();                                         \
            stmt;                                                                                  \
            double dt_ = saksi_now() - t0_;                                                        \
            if (dt_ < secs) {                                                                      \
                secs = dt_;                                                                        \
                last_cpu = cpu_seconds() - c0_;                                                    \
            }                                                                                      \
        }                                                                                          \
    } while (0)

static int bench(size_t stations)
{
    saksi_sim_config sc;
    saksi_error err = {0};
    saksi_table *t = NULL;
    saksi_rules *rules = NULL;
    int32_t *prog = NULL;
    size_t prog_len;
    saksi_results res = {0};
    saksi_cl *cl = NULL;
    saksi_cl_options co;
    saksi_config cfg;
    saksi_digits_options opt;
    double secs;
    saksi_sim_config_init(&sc);
    sc.stations = stations;
    for (int k = 0; k < SAKSI_NPLANT; k++)
        sc.plant_rate[k] = 0.002; /* the README demo: --plant all=0.002 */
    if (saksi_simulate_table(&sc, &t, NULL, NULL, NULL, &err) != SAKSI_OK) die("simulate", &err);
    if (saksi_rules_load(NULL, &rules, &err) != SAKSI_OK ||
        saksi_rules_compile(rules, t, &prog, &prog_len, &err) != SAKSI_OK)
        die("rules", &err);
    res.rules = rules;
    res.enabled = calloc(t->n, 4);
    res.eval_mask = calloc(t->n, 4);
    res.fail_mask = calloc(t->n, 4);
    res.neg_mask = calloc(t->n, 4);
    if (saksi_rules_apply_scopes(rules, t, res.enabled, &err) != SAKSI_OK) die("scopes", &err);
    saksi_integrity_cpu(prog, t, res.enabled, 0, t->n, res.eval_mask, res.fail_mask, res.neg_mask);
    saksi_digits_options_init(&opt);
    saksi_config_init(&cfg);
    uint8_t *exclude = malloc(t->n), *mask = malloc(t->n * t->ncand);
    size_t nbins = t->regions[SAKSI_LEVEL_DISTRICT].n * t->ncand * SAKSI_DIGIT_HIST;
    uint32_t *hist = calloc(nbins, sizeof *hist);
    saksi_digits_counts counts;
    size_t regions = 0;
    for (int l = 0; l <= SAKSI_LEVEL_DISTRICT; l++)
        regions += t->regions[l].n;
    printf("# digit family on %zu stations (%zu candidates, %zu regions at the four levels)\n",
           t->n, t->ncand, regions);
    BEST_OF(3, secs, {
        saksi_digits_exclusions(t, &res, exclude, &err);
        saksi_digits_masks(t, exclude, &opt.peers, mask, &counts, &err);
    });
    printf("%-44s %8.3f s (%.3f processor s)\n", "exclusions, peer fits, masks", secs, last_cpu);
    BEST_OF(5, secs, {
        memset(hist, 0, nbins * sizeof *hist);
        saksi_digits_hist_cpu(t, 0, t->n, mask, hist);
    });
    double cpu_hist = secs;
    printf("%-44s %8.3f s %10.0f stations/s\n", "histograms, CPU twin", secs, t->n / secs);
    printf("# machine: %ld online processors, load average now %s\n", sysconf(_SC_NPROCESSORS_ONLN),
           load_average());
    saksi_cl_options_init(&co);
    co.allow_cpu = 1;
    if (saksi_cl_open(&co, &cl, &err) == SAKSI_OK) {
        uint32_t *dev = calloc(nbins, sizeof *dev);
        BEST_OF(3, secs, {
            memset(dev, 0, nbins * sizeof *dev);
            if (saksi_cl_digits_histogram(cl, t, 0, t->n, mask, 0, 0, dev, &err) != SAKSI_OK)
                die("kernel", &err);
        });
        printf("%-44s %8.3f s %10.0f stations/s (%.1fx the twin; %s)\n",
               "histograms, OpenCL kernel (warm)", secs, t->n / secs, secs / cpu_hist,
               saksi_cl_device_name(cl));
        if (memcmp(dev, hist, nbins * sizeof *dev) != 0)
            fprintf(stderr, "digits_calibrate: the kernel disagrees with the twin\n");
        free(dev);
    } else {
        printf("%-44s (no OpenCL device: %s)\n", "histograms, OpenCL kernel", err.message);
    }
    saksi_region_tests rt = {0};
    saksi_digits_result dr;
    BEST_OF(1, secs, {
        if (saksi_digits_analyse(t, exclude, mask, hist, &opt, &rt, &dr, &err) != SAKSI_OK)
            die("analyse", &err);
    });
    printf("%-44s %8.3f s (%zu rows; %.3f processor s)\n", "statistics, every test, four levels",
           secs, rt.n, last_cpu);
    saksi_digits_result_free(&dr);
    saksi_region_tests_free(&rt);
    for (int path = 0; path < 2; path++) {
        if (path == 1 && !cl) break;
        cfg.backend = path ? SAKSI_BACKEND_OPENCL : SAKSI_BACKEND_CPU;
        BEST_OF(1, secs, {
            saksi_region_tests_free(res.region_tests);
            if (saksi_family_digits(t, &res, &cfg, path ? cl : NULL, &err) != SAKSI_OK)
                die("family", &err);
        });
        printf("%-44s %8.3f s %10.0f stations/s (%.3f processor s)\n",
               path ? "whole family, OpenCL path (PoCL)" : "whole family, CPU path", secs,
               t->n / secs, last_cpu);
    }
    saksi_cl_close(cl);
    free(exclude);
    free(mask);
    free(hist);
    res.rules = NULL;
    saksi_results_free(&res);
    free(prog);
    saksi_rules_free(rules);
    saksi_table_free(t);
    return 0;
}

int main(int argc, char **argv)
{
    int runs = 20, power = 0;
    uint64_t seed0 = 1;
    size_t stations = 150000;
    saksi_digits_options opt;
    saksi_digits_options_init(&opt);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--stations") == 0 && i + 1 < argc)
            stations = (size_t)strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed0 = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--min-numbers") == 0 && i + 1 < argc)
            opt.min_numbers = (size_t)strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--power") == 0)
            power = 1;
        else if (strcmp(argv[i], "--verbose") == 0)
            verbose = 1;
        else if (strcmp(argv[i], "--bench") == 0)
            power = -1;
        else {
            fprintf(stderr, "usage: digits_calibrate [--runs R] [--stations N] [--seed S] "
                            "[--power] [--min-numbers K]\n");
            return 2;
        }
    }
    if (power < 0) return bench(stations == 150000 ? SAKSI_SIM_DEFAULT_STATIONS : stations);
    power_count pw = {0};
    double total = 0.0;
    for (int r = 0; r < runs; r++) {
        saksi_sim_config sc;
        double secs;
        saksi_sim_config_init(&sc);
        sc.seed = seed0 + (uint64_t)r;
        sc.stations = stations;
        run_one(&sc, &opt, power, &pw, &secs);
        total += secs;
        fprintf(stderr, "\rrun %d/%d (%.2f s digits)", r + 1, runs, secs);
    }
    fprintf(stderr, "\n");
    printf("# digits_calibrate: %d %s simulated elections of %zu stations, seeds %llu..%llu, "
           "min numbers %zu; mean digit-family time %.2f s\n",
           runs, power ? "planted" : "clean", stations, (unsigned long long)seed0,
           (unsigned long long)(seed0 + (uint64_t)runs - 1), opt.min_numbers, total / runs);
    if (power) {
        printf("%-22s", "dose (stations rounded)");
        for (int k = 0; k < NDOSE; k++)
            printf(" %8.0f%%", 100.0 * doses[k]);
        printf("\n%-22s", "planted districts");
        for (int k = 0; k < NDOSE; k++)
            printf(" %9zu", pw.districts[k]);
        printf("\n%-22s", "testable (guard)");
        for (int k = 0; k < NDOSE; k++)
            printf(" %9zu", pw.testable[k]);
        printf("\n# detection rate among all planted districts:\n");
        for (int kind = 0; kind < SAKSI_DK_COUNT; kind++) {
            printf("%-22s", saksi_digits_test_name[kind]);
            for (int k = 0; k < NDOSE; k++)
                printf(" %9.3f",
                       pw.districts[k] ? (double)pw.flagged[kind][k] / pw.districts[k] : NAN);
            printf("\n");
        }
        printf("%-22s", "any digit test");
        for (int k = 0; k < NDOSE; k++)
            printf(" %9.3f", pw.districts[k] ? (double)pw.any[k] / pw.districts[k] : NAN);
        printf("\n# digit_05 among the districts that pass the power guard:\n%-22s", "digit_05");
        for (int k = 0; k < NDOSE; k++)
            printf(" %9.3f",
                   pw.testable[k] ? (double)pw.flagged[SAKSI_DK_05][k] / pw.testable[k] : NAN);
        printf("\nclean districts flagged: %zu of %zu (%.4f)\n", pw.clean_flagged, pw.clean,
               pw.clean ? (double)pw.clean_flagged / pw.clean : NAN);
        return 0;
    }
    printf("%-30s %-9s %8s", "test", "level", "m");
    for (int a = 0; a < NALPHA; a++)
        printf("   p<%-5g (+-2SE) ok", alphas[a]);
    printf(" %8s %8s %8s %s\n", "lambda", "min", "max", "runs_flagged");
    for (size_t k = 0; k < nfam; k++) {
        family *f = &fam[k];
        if (f->m == 0) continue;
        printf("%-30s %-9s %8llu", f->test, saksi_level_name(f->level), (unsigned long long)f->m);
        for (int a = 0; a < NALPHA; a++) {
            double share = (double)f->below[a] / (double)f->m;
            double se = sqrt(alphas[a] * (1.0 - alphas[a]) / (double)f->m);
            int ok = fabs(share - alphas[a]) <= 2.0 * se;
            printf("   %7.4f (%6.4f) %s", share, 2.0 * se, ok ? "ok" : "NO");
        }
        printf(" %8.3f %8.3f %8.3f %d/%d\n", f->lambda_sum / f->lambda_runs, f->lambda_min,
               f->lambda_max, f->runs_flagged, runs);
    }
    return 0;
}
