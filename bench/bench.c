/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench.c — the benchmark (not a test): on the bundled default election
 * (823,236 simulated stations, seed 2024) it times every stage of an audit
 * and prints stations/s, MB/s and ratios, the OpenCL path (PoCL here) cold
 * and warm against the plain-C path, and the whole CLI run's wall time and
 * peak memory.
 *
 * Every family's stage comes from one engine run (its own timings); the
 * opt-in fingerprint fit only with --fingerprint-fit (minutes).
 *
 *   build/saksi_bench [--dir DIR] [--stations N] [--repeat K] [--no-opencl]
 *                     [--fingerprint-fit]
 */
#define _DEFAULT_SOURCE /* wait4 */
#include "report.h"
#include "saksi_opencl.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The README demo plants every kind at this rate: --plant all=0.002. */
#define BENCH_PLANT_RATE 0.002

typedef struct bench_opts {
    const char *dir;
    size_t stations;
    int repeat;
    int opencl;
    int fingerprint_fit;
} bench_opts;

static void die(const saksi_error *err)
{
    fprintf(stderr, "saksi_bench: %s\n", err->message);
    exit(1);
}

/* Best (smallest) of k timings of fn(ctx). */
#define BEST_OF(k, secs, stmt)                                                                     \
    do {                                                                                           \
        secs = 1e300;                                                                              \
        for (int rep_ = 0; rep_ < (k); rep_++) {                                                   \
            double t0_ = saksi_now();                                                              \
            stmt;                                                                                  \
            double dt_ = saksi_now() - t0_;                                                        \
            if (dt_ < secs)                                                                        \
                secs = dt_;                                                                        \
        }                                                                                          \
    } while (0)

static void row(const char *stage, double secs, size_t stations, double bytes)
{
    printf("%-34s %9.3f s %12.0f stations/s", stage, secs, stations / secs);
    if (bytes > 0)
        printf(" %9.1f MB/s", bytes / secs / 1e6);
    printf("\n");
}

static double file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (double)st.st_size : 0.0;
}

static double sha256_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    static unsigned char buf[1 << 22];
    unsigned char md[32];
    unsigned int len;
    size_t got;
    if (!f)
        return 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        EVP_DigestUpdate(ctx, buf, got);
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    fclose(f);
    return md[0];
}

/* Seconds to open the OpenCL program with no cache at all: in a child
 * process with PoCL's own kernel cache off (PoCL reads that setting once,
 * at start) and an empty saksi cache directory. */
static double cold_open(const char *cache)
{
    int fd[2];
    double secs = -1.0;
    if (pipe(fd) != 0)
        return -1.0;
    pid_t pid = fork();
    if (pid == 0) {
        saksi_error err = {0};
        saksi_cl *cl = NULL;
        saksi_cl_options co = {-1, -1, 1, NULL, cache};
        setenv("POCL_KERNEL_CACHE", "0", 1);
        double t0 = saksi_now();
        double dt = saksi_cl_open(&co, &cl, &err) == SAKSI_OK ? saksi_now() - t0 : -1.0;
        saksi_cl_close(cl);
        _exit(write(fd[1], &dt, sizeof dt) == sizeof dt ? 0 : 1);
    }
    close(fd[1]);
    if (pid > 0 && read(fd[0], &secs, sizeof secs) != sizeof secs)
        secs = -1.0;
    close(fd[0]);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    return secs;
}

static int remove_tree(const char *path)
{
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    return system(cmd);
}

/* Run the CLI audit as a child; wall time and its peak resident memory. */
static int whole_run(const char *csv, const char *strata, const char *out, double *wall,
                     double *peak_mib)
{
    double t0 = saksi_now();
    pid_t pid = fork();
    if (pid == 0) {
        execl(SAKSI_CLI, "saksi", "audit", csv, "--strata", strata, "-o", out, "--quiet",
              (char *)NULL);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0)
        return -1;
    *wall = saksi_now() - t0;
    *peak_mib = ru.ru_maxrss / 1024.0; /* Linux reports KiB */
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(int argc, char **argv)
{
    bench_opts o = {"build/bench-data", 823236, 3, 1, 0};
    saksi_error err = {0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            o.dir = argv[++i];
        else if (strcmp(argv[i], "--stations") == 0 && i + 1 < argc)
            o.stations = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            o.repeat = atoi(argv[++i]);
        else if (strcmp(argv[i], "--no-opencl") == 0)
            o.opencl = 0;
        else if (strcmp(argv[i], "--fingerprint-fit") == 0)
            o.fingerprint_fit = 1;
        else {
            fprintf(stderr, "usage: saksi_bench [--dir DIR] [--stations N] [--repeat K] "
                            "[--no-opencl] [--fingerprint-fit]\n");
            return 64;
        }
    }
    char csv[4096], out[4096], strata[4096];
    snprintf(csv, sizeof csv, "%s/stations.csv", o.dir);
    snprintf(strata, sizeof strata, "%s/strata.csv", o.dir);
    snprintf(out, sizeof out, "%s/report", o.dir);

    /* The data: the demo election of the README (the default simulation
     * with every anomaly kind planted at 0.2% of stations), made once. */
    saksi_sim_config sc;
    saksi_sim_config_init(&sc);
    sc.stations = o.stations;
    for (int k = 0; k < SAKSI_NPLANT; k++)
        sc.plant_rate[k] = BENCH_PLANT_RATE;
    double secs;
    if (file_size(csv) == 0 || file_size(strata) == 0) {
        double t0 = saksi_now();
        if (saksi_simulate(&sc, o.dir, &err) != SAKSI_OK)
            die(&err);
        printf("generated %s in %.2f s\n", csv, saksi_now() - t0);
    }
    double bytes = file_size(csv);
    char libs[512];
    saksi_library_versions(libs, sizeof libs);
    printf("saksi %s bench on %s (%.1f MB), best of %d\n%s\n\n", saksi_version_string(), csv,
           bytes / 1e6, o.repeat, libs);

    /* Ingest. */
    saksi_table *t = NULL;
    saksi_ingest_stats st;
    BEST_OF(o.repeat, secs, {
        saksi_quarantine *q = saksi_quarantine_alloc();
        saksi_table_free(t);
        t = NULL;
        saksi_ingest_options io = {0};
        if (saksi_ingest_csv(csv, &io, q, &t, &st, &err) != SAKSI_OK)
            die(&err);
        saksi_quarantine_free(q);
    });
    size_t n = t->n;
    row("ingest (parse, SHA-256, finalize)", secs, n, bytes);
    BEST_OF(o.repeat, secs, sha256_file(csv));
    row("  of which SHA-256 alone", secs, n, bytes);

    /* Integrity on the CPU twin. */
    saksi_rules *rules = NULL;
    int32_t *prog = NULL;
    size_t prog_len;
    if (saksi_rules_load(NULL, &rules, &err) || saksi_rules_compile(rules, t, &prog, &prog_len, &err))
        die(&err);
    saksi_results res = {0};
    res.rules = rules;
    res.enabled = malloc(n * 4);
    res.eval_mask = malloc(n * 4);
    res.fail_mask = malloc(n * 4);
    res.neg_mask = malloc(n * 4);
    if (saksi_rules_apply_scopes(rules, t, res.enabled, &err))
        die(&err);
    BEST_OF(o.repeat, secs,
            saksi_integrity_cpu(prog, t, res.enabled, 0, n, res.eval_mask, res.fail_mask,
                                res.neg_mask));
    double cpu_integrity = secs;
    row("integrity, plain C", secs, n, 0);

    /* Integrity on OpenCL: cold (empty cache), warm (cached binary). */
    if (o.opencl) {
        char cache[4200];
        snprintf(cache, sizeof cache, "%s/cl-cache", o.dir);
        if (remove_tree(cache) != 0)
            fprintf(stderr, "note: could not clear %s\n", cache);
        saksi_cl_options co = {-1, -1, 1, NULL, cache};
        saksi_cl *cl = NULL;
        double cold = cold_open(cache); /* fills the saksi cache */
        double t0 = saksi_now();
        if (saksi_cl_open(&co, &cl, &err) != SAKSI_OK)
            die(&err);
        double warm = saksi_now() - t0;
        uint32_t *e2 = malloc(n * 4), *f2 = malloc(n * 4), *g2 = malloc(n * 4);
        BEST_OF(o.repeat, secs,
                if (saksi_cl_integrity(cl, prog, prog_len, t, res.enabled, SAKSI_CL_DEFAULT_BATCH, 0, e2,
                                       f2, g2, &err))
                    die(&err));
        printf("%-34s %9.3f s (program build, no cache)\n", "OpenCL open, cold", cold);
        printf("%-34s %9.3f s (program from cache)\n", "OpenCL open, warm", warm);
        row("integrity, OpenCL kernel+transfers", secs, n, 0);
        printf("%-34s %9.1fx  on %s%s\n", "  OpenCL time / plain-C time", secs / cpu_integrity,
               saksi_cl_device_name(cl), saksi_cl_device_is_cpu(cl) ? " (CPU device)" : "");
        int same = memcmp(e2, res.eval_mask, n * 4) == 0 && memcmp(f2, res.fail_mask, n * 4) == 0 &&
                   memcmp(g2, res.neg_mask, n * 4) == 0;
        printf("%-34s %s\n", "  masks identical to plain C", same ? "yes" : "NO");
        free(e2);
        free(f2);
        free(g2);
        saksi_cl_close(cl);
    }

    /* Repair and ranking. */
    saksi_config cfg;
    saksi_config_init(&cfg);
    saksi_repair_options ro = {cfg.repair_min_weight, cfg.repair_max_alternatives};
    BEST_OF(o.repeat, secs, {
        free(res.repairs);
        res.repairs = NULL;
        if (saksi_repair_all(t, prog, &res, &ro, &err))
            die(&err);
    });
    row("transcription repair", secs, n, 0);
    BEST_OF(1, secs, if (saksi_rank_build(t, prog, &res, &cfg, &err)) die(&err));
    row("classes and ranking", secs, n, 0);
    printf("%-34s %zu ranked, %zu repairs\n", "", res.nranked, res.nrepairs);

    /* The families and the report writers, through the engine (its own
     * stage timings, the default configuration of `saksi audit`). */
    {
        cfg.backend = SAKSI_BACKEND_CPU;
        cfg.strata_path = strata;
        cfg.fingerprint_fit = o.fingerprint_fit;
        saksi_engine *e = saksi_engine_alloc(&cfg);
        if (!e || saksi_engine_ingest(e, csv, &err) || saksi_engine_run(e, &err) ||
            saksi_engine_write_report(e, out, &err))
            die(&err);
        const saksi_timing *tm = &saksi_engine_summary(e)->timing;
        printf("\nengine stages (plain-C path, one run):\n");
        row("digits (histograms, exact nulls)", tm->digits, n, 0);
        row("fingerprints and shape statistics", tm->fingerprints - tm->fingerprint_fit, n, 0);
        if (o.fingerprint_fit) row("  fingerprint fit (opt-in)", tm->fingerprint_fit, n, 0);
        row("station baselines, integer percent", tm->baselines, n, 0);
        row("anomaly evidence and ranking", tm->rank, n, 0);
        row("report.h5", tm->report_h5, n, 0);
        row("ranked.csv + quarantine.csv", tm->report_csv, n, 0);
        row("report.html, class CSVs, regions", tm->report_html, n, 0);
        saksi_engine_free(e);
    }

    /* The whole CLI run: wall time and peak memory. */
    double wall = 0, peak = 0;
    int code = whole_run(csv, strata, out, &wall, &peak);
    printf("\n%-34s %9.3f s %12.0f stations/s %9.1f MB/s\n", "whole 'saksi audit' (CLI)", wall,
           n / wall, bytes / wall / 1e6);
    printf("%-34s %9.1f MiB (exit %d)\n", "  peak resident memory", peak, code);

    saksi_results_free(&res);
    free(prog);
    saksi_rules_free(rules);
    saksi_table_free(t);
    return 0;
}
