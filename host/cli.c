/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli.c — the saksi command line: audit, simulate, devices. The only code
 * that prints or exits; it maps library statuses to sysexits codes and
 * shows progress on stderr only when stderr is a terminal.
 */
#define _POSIX_C_SOURCE 200809L
#include "saksi.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* sysexits.h values (BSD), spelled out so the build needs no BSD header. */
enum {
    EX_OK_ = 0,
    EX_USAGE_ = 64,
    EX_DATAERR_ = 65,
    EX_NOINPUT_ = 66,
    EX_UNAVAILABLE_ = 69,
    EX_SOFTWARE_ = 70,
    EX_OSERR_ = 71,
    EX_CANTCREAT_ = 73,
    EX_IOERR_ = 74,
    EX_INTERRUPTED_ = 130 /* 128 + SIGINT, as shells report it */
};

static int exit_code(saksi_status s)
{
    switch (s) {
    case SAKSI_OK:
        return EX_OK_;
    case SAKSI_ERR_USAGE:
        return EX_USAGE_;
    case SAKSI_ERR_DATA:
    case SAKSI_ERR_STRICT:
    case SAKSI_ERR_LIMIT:
        return EX_DATAERR_;
    case SAKSI_ERR_NOINPUT:
        return EX_NOINPUT_;
    case SAKSI_ERR_NODEVICE:
    case SAKSI_ERR_OPENCL:
    case SAKSI_ERR_SELFTEST:
        return EX_UNAVAILABLE_;
    case SAKSI_ERR_NOMEM:
        return EX_OSERR_;
    case SAKSI_ERR_CANTCREAT:
        return EX_CANTCREAT_;
    case SAKSI_ERR_IO:
    case SAKSI_ERR_HDF5:
        return EX_IOERR_;
    case SAKSI_ERR_INTERRUPTED:
        return EX_INTERRUPTED_;
    default:
        return EX_SOFTWARE_;
    }
}

static int fail(const saksi_error *err)
{
    fprintf(stderr, "saksi: %s\n", err->message[0] ? err->message : saksi_strerror(err->status));
    return exit_code(err->status);
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "saksi: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'saksi --help'.\n");
    return EX_USAGE_;
}

static const char help_text[] =
    "usage: saksi audit INPUT -o DIR [options]\n"
    "       saksi simulate -o DIR [--seed N] [--stations N] [--plant KIND=RATE ...]\n"
    "                      [--region-columns]\n"
    "       saksi report REPORT.h5 [-o DIR] [--lang en|id]\n"
    "       saksi calibrate INPUT.csv -o DIR [--runs K] [--seed N] [audit options]\n"
    "       saksi devices\n"
    "       saksi --help | --version\n"
    "\n"
    "audit: check every station of a canonical station CSV (DESIGN.md section 3) and write\n"
    "DIR/report.h5, DIR/ranked.csv, DIR/quarantine.csv, DIR/report.html (one offline page\n"
    "with plots), DIR/class_<class>.csv and DIR/regions.csv. Findings are leads for\n"
    "investigation, not proof of fraud.\n"
    "  -o, --out DIR          output directory (created if needed)\n"
    "  --map CANON=INPUT      use input column INPUT as canonical column CANON (repeatable)\n"
    "  --map-file FILE        column map file, one CANON=INPUT per line\n"
    "  --rules FILE           integrity rules (default: built-in Indonesian C.Hasil rules)\n"
    "  --strata FILE          CSV station_id,stratum: strata no region code tells (special\n"
    "                         TPS; `saksi simulate` writes strata.csv)\n"
    "  --preset NAME|FILE     a layout's columns and parsing options (datasets/presets:\n"
    "                         sirekap-gigit, kawalpemilu2019, russia-kobak, poland-pkw,\n"
    "                         albania2013), or a preset file\n"
    "  --format F             auto (default), csv, sirekap (JSON per TPS: directory, zip,\n"
    "                         tar or JSON Lines) or kawalpemilu (2019 node JSON, e.g. .tar.xz)\n"
    "  --compare OTHER        a second source of the same stations: report each field that\n"
    "                         differs (class cross-source)\n"
    "  --strict               any quarantined record is fatal (exit 65, quarantine.csv written)\n"
    "  --backend B            auto (default: OpenCL on a GPU/accelerator after a self-test,\n"
    "                         else the plain-C path), opencl, or cpu\n"
    "  --device P:D           OpenCL platform and device index (see 'saksi devices')\n"
    "  --kernel-dir DIR       load the .cl kernels from DIR instead of the embedded copy\n"
    "  --cache-dir DIR        OpenCL program cache ('' disables; default ~/.cache/saksi)\n"
    "  --batch-rows N         stations per kernel batch (default 65536)\n"
    "  --local-size N         OpenCL work-group size (default: each kernel's own)\n"
    "  --seed N               seed of every random draw (default 2024)\n"
    "  --null M               region-test nulls: calibrated (default: the peer model) or\n"
    "                         empirical (p deflated by each test family's lambda when > 1)\n"
    "  --digits-min N         digit tests: numbers a region needs per candidate (default 50)\n"
    "  --reproducible         pin creation time and device in the report: same bytes anywhere\n"
    "  --fingerprint-fit      fit Klimek et al.'s fraud fractions (f_i, f_e) nationally and per\n"
    "                         province, with bootstrap and a null of clean simulated elections\n"
    "                         (opt-in: minutes on a national election)\n"
    "  --fingerprint-bins N   turnout and share bins of the fingerprints, 1..255 (default 100)\n"
    "  --fingerprint-bootstrap N  bootstrap replicates of each fit (default 20)\n"
    "  --fingerprint-null-runs N  clean simulated elections of the fit's null (default 20)\n"
    "  --integer-tolerance T  integer-percent tolerance in points (default 0.05)\n"
    "  --integer-leader N     candidate (1 = first column) whose share the integer-percent\n"
    "                         test uses (default: the national leader)\n"
    "  --integer-share-total  leader's share of all votes cast, not of valid (Kobak's notebooks)\n"
    "  --baseline-null KIND   logit-normal (default) or beta-binomial (sensitivity variant)\n"
    "  --no-size-trend        station expectations at the peers' rate, whatever the\n"
    "                         station's registered size (sensitivity variant)\n"
    "  --no-size-dispersion   station variances at the peers' spread, whatever the\n"
    "                         station's registered size (sensitivity variant)\n"
    "  --shape-bootstrap N    bootstrap replicates of the shape statistics (default 20;\n"
    "                         100 for publication, ~0.23 s CPU each at 823k stations)\n"
    "  --lang en|id           language of the reasons in ranked.csv (default en)\n"
    "  --class-priority LIST  order of the classes in the ranking, e.g. anomaly,integrity\n"
    "                         (default integrity,anomaly,transcription,incomplete)\n"
    "  --json                 print the run summary as JSON on stdout\n"
    "  -q, --quiet            no summary line on stderr\n"
    "\n"
    "report: draw ranked.csv, the class CSVs, regions.csv and report.html again from an\n"
    "existing report.h5 without recomputing (into DIR, default the file's directory).\n"
    "\n"
    "calibrate: fit a hierarchical overdispersed model of a clean election to INPUT, audit K\n"
    "(default 20) clean elections simulated on its own stations, and write each test's\n"
    "realised type-I rate per level: DIR/calibration.csv, calibration_model.csv,\n"
    "calibration.html.\n"
    "\n"
    "exit status: 0 ok, 64 usage, 65 bad data or --strict, 66 no input, 69 OpenCL\n"
    "unavailable, 70 internal, 71 out of memory, 73 cannot create output, 74 I/O,\n"
    "130 interrupted.\n";

static void on_signal(int sig)
{
    (void)sig;
    saksi_request_stop(); /* only sets a flag: HDF5 and OpenCL are not signal-safe */
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static void show_progress(void *ctx, const char *stage, double fraction)
{
    (void)ctx;
    fprintf(stderr, "\rsaksi: %-12s %5.1f%%", stage, 100.0 * fraction);
    fflush(stderr);
}

/* Value of an option that takes one: "--opt VALUE" or "--opt=VALUE". */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    size_t len = strlen(name);
    if (strncmp(argv[*i], name, len) == 0 && argv[*i][len] == '=') return argv[*i] + len + 1;
    if (strcmp(argv[*i], name) == 0 && *i + 1 < argc) return argv[++*i];
    return NULL;
}

static int is_opt(const char *arg, const char *name)
{
    size_t len = strlen(name);
    return strncmp(arg, name, len) == 0 && (arg[len] == 0 || arg[len] == '=');
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || errno || s[0] == '-') return 0;
    *out = (size_t)v;
    return 1;
}

static void print_summary_line(const saksi_summary *s, const char *dir)
{
    fprintf(stderr,
            "saksi: %zu stations read (%llu quarantined); %zu integrity, %zu transcription, "
            "%zu incomplete; %s path (%s); %.2f s\n",
            s->stations, (unsigned long long)s->ingest.quarantined,
            s->by_class[SAKSI_CLASS_INTEGRITY], s->by_class[SAKSI_CLASS_TRANSCRIPTION],
            s->by_class[SAKSI_CLASS_INCOMPLETE], s->backend_used, s->backend_reason,
            s->timing.total);
    fprintf(stderr, "saksi: %zu region test(s) flagged (q < alpha and effect above its floor)\n",
            s->nflagged_regions);
    fprintf(stderr, "saksi: %zu anomaly (of %zu stations with station tests)\n",
            s->by_class[SAKSI_CLASS_ANOMALY], s->anomaly_tested);
    fprintf(stderr,
            "saksi: report in %s/report.h5, %s/report.html, %s/ranked.csv, %s/regions.csv, "
            "%s/class_*.csv, %s/quarantine.csv\n",
            dir, dir, dir, dir, dir, dir);
}

static int cmd_audit(int argc, char **argv, int calibrate)
{
    saksi_config cfg;
    size_t runs = SAKSI_CALIBRATE_DEFAULT_RUNS;
    saksi_error err = {0};
    const char *input = NULL, *out = NULL;
    const char **pairs = calloc((size_t)argc + 1, sizeof *pairs);
    size_t npairs = 0;
    int json = 0, quiet = 0, rc = EX_OK_;
    saksi_engine *e = NULL;
    if (!pairs) return EX_OSERR_;
    saksi_config_init(&cfg);
    cfg.map_pairs = pairs;
    /* the options that take a path or a name as it is */
    const struct {
        const char *name, **field;
    } text[] = {{"--map-file", &cfg.map_path},     {"--strata", &cfg.strata_path},
                {"--rules", &cfg.rules_path},      {"--preset", &cfg.preset},
                {"--compare", &cfg.compare_path},  {"--format", &cfg.input_format},
                {"--kernel-dir", &cfg.kernel_dir}, {"--cache-dir", &cfg.cache_dir}};
    const size_t ntext = sizeof text / sizeof *text;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v;
        size_t n, t = 0;
        while (t < ntext && !is_opt(a, text[t].name))
            t++;
        if (t < ntext) {
            if (!(*text[t].field = opt_value(argc, argv, &i, text[t].name))) goto missing;
        } else if (strcmp(a, "-o") == 0 || is_opt(a, "--out")) {
            if (!(out = strcmp(a, "-o") == 0 ? (i + 1 < argc ? argv[++i] : NULL)
                                             : opt_value(argc, argv, &i, "--out")))
                goto missing;
        } else if (is_opt(a, "--map")) {
            if (!(pairs[npairs++] = opt_value(argc, argv, &i, "--map"))) goto missing;
        } else if (strcmp(a, "--strict") == 0) {
            cfg.strict = 1;
        } else if (is_opt(a, "--backend")) {
            if (!(v = opt_value(argc, argv, &i, "--backend"))) goto missing;
            if (strcmp(v, "auto") == 0)
                cfg.backend = SAKSI_BACKEND_AUTO;
            else if (strcmp(v, "opencl") == 0)
                cfg.backend = SAKSI_BACKEND_OPENCL;
            else if (strcmp(v, "cpu") == 0)
                cfg.backend = SAKSI_BACKEND_CPU;
            else {
                rc = usage_error("--backend takes auto, opencl or cpu, not '%s'", v);
                goto done;
            }
        } else if (is_opt(a, "--device")) {
            unsigned p, d;
            char tail;
            if (!(v = opt_value(argc, argv, &i, "--device"))) goto missing;
            if (sscanf(v, "%u:%u%c", &p, &d, &tail) != 2) {
                rc = usage_error("--device takes PLATFORM:DEVICE indices, not '%s'", v);
                goto done;
            }
            cfg.platform_index = (int)p;
            cfg.device_index = (int)d;
        } else if (is_opt(a, "--batch-rows") || is_opt(a, "--local-size") || is_opt(a, "--seed")) {
            const char *name = is_opt(a, "--seed")         ? "--seed"
                               : is_opt(a, "--batch-rows") ? "--batch-rows"
                                                           : "--local-size";
            if (!(v = opt_value(argc, argv, &i, name))) goto missing;
            if (!parse_size(v, &n) || (n == 0 && strcmp(name, "--batch-rows") == 0)) {
                rc = usage_error("invalid number '%s'", v);
                goto done;
            }
            if (strcmp(name, "--seed") == 0)
                cfg.seed = n;
            else if (strcmp(name, "--batch-rows") == 0)
                cfg.batch_rows = n;
            else
                cfg.local_size = n;
        } else if (strcmp(a, "--fingerprint-fit") == 0) {
            cfg.fingerprint_fit = 1;
        } else if (is_opt(a, "--fingerprint-bins") || is_opt(a, "--fingerprint-bootstrap") ||
                   is_opt(a, "--fingerprint-null-runs") || is_opt(a, "--shape-bootstrap")) {
            static const char *const names[] = {"--fingerprint-bins", "--fingerprint-bootstrap",
                                                "--fingerprint-null-runs", "--shape-bootstrap"};
            size_t *const fields[] = {&cfg.fingerprint_bins, &cfg.fingerprint_bootstrap,
                                      &cfg.fingerprint_null_runs, &cfg.shape_bootstrap};
            int which = 0;
            while (!is_opt(a, names[which]))
                which++;
            if (!(v = opt_value(argc, argv, &i, names[which]))) goto missing;
            if (!parse_size(v, &n) || (which == 0 && (n < 1 || n > 255))) {
                rc = usage_error("invalid number '%s'", v);
                goto done;
            }
            *fields[which] = n;
        } else if (is_opt(a, "--null")) {
            if (!(v = opt_value(argc, argv, &i, "--null"))) goto missing;
            if (strcmp(v, "calibrated") == 0)
                cfg.null_model = SAKSI_NULL_CALIBRATED;
            else if (strcmp(v, "empirical") == 0)
                cfg.null_model = SAKSI_NULL_EMPIRICAL;
            else {
                rc = usage_error("--null takes calibrated or empirical, not '%s'", v);
                goto done;
            }
        } else if (is_opt(a, "--integer-tolerance")) {
            char *end;
            if (!(v = opt_value(argc, argv, &i, "--integer-tolerance"))) goto missing;
            double tol = strtod(v, &end);
            /* the family checks the range and the 0.0001 grid (exact integer test) */
            if (end == v || *end || !(tol >= 0.0)) {
                rc = usage_error("--integer-tolerance takes points, e.g. 0.05, not '%s'", v);
                goto done;
            }
            cfg.integer_tolerance = tol;
        } else if (is_opt(a, "--integer-leader")) {
            if (!(v = opt_value(argc, argv, &i, "--integer-leader"))) goto missing;
            if (!parse_size(v, &n) || n == 0 || n > INT32_MAX) {
                rc = usage_error("--integer-leader takes a candidate number from 1, not '%s'", v);
                goto done;
            }
            cfg.integer_leader = (int)n - 1;
        } else if (strcmp(a, "--integer-share-total") == 0) {
            cfg.integer_share_total = 1;
        } else if (strcmp(a, "--no-size-trend") == 0) {
            cfg.baseline_size_trend = 0;
        } else if (strcmp(a, "--no-size-dispersion") == 0) {
            cfg.baseline_size_dispersion = 0;
        } else if (is_opt(a, "--baseline-null")) {
            if (!(v = opt_value(argc, argv, &i, "--baseline-null"))) goto missing;
            if (strcmp(v, "logit-normal") == 0)
                cfg.baseline_null = 0; /* saksi.h: 0 logit-normal, 1 beta-binomial */
            else if (strcmp(v, "beta-binomial") == 0)
                cfg.baseline_null = 1;
            else {
                rc =
                    usage_error("--baseline-null takes logit-normal or beta-binomial, not '%s'", v);
                goto done;
            }
        } else if (is_opt(a, "--digits-min")) {
            if (!(v = opt_value(argc, argv, &i, "--digits-min"))) goto missing;
            if (!parse_size(v, &n) || n == 0) {
                rc = usage_error("--digits-min takes a positive number, not '%s'", v);
                goto done;
            }
            cfg.digits_min_numbers = n;
        } else if (strcmp(a, "--reproducible") == 0) {
            cfg.reproducible = 1;
        } else if (is_opt(a, "--lang")) {
            if (!(v = opt_value(argc, argv, &i, "--lang"))) goto missing;
            if (strcmp(v, "en") != 0 && strcmp(v, "id") != 0) {
                rc = usage_error("--lang takes en or id, not '%s'", v);
                goto done;
            }
            cfg.lang = v;
        } else if (is_opt(a, "--class-priority")) {
            if (!(v = opt_value(argc, argv, &i, "--class-priority"))) goto missing;
            if (saksi_class_priority_parse(v, cfg.class_priority, &err) != SAKSI_OK) {
                rc = usage_error("%s", err.message);
                goto done;
            }
        } else if (calibrate && is_opt(a, "--runs")) {
            if (!(v = opt_value(argc, argv, &i, "--runs"))) goto missing;
            if (!parse_size(v, &runs) || runs == 0) {
                rc = usage_error("--runs takes a positive number, not '%s'", v);
                goto done;
            }
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            rc = usage_error("unknown option '%s'", a);
            goto done;
        } else if (!input) {
            input = a;
        } else {
            rc = usage_error("one input file per audit; '%s' is a second one", a);
            goto done;
        }
        continue;
    missing:
        rc = usage_error("option '%s' needs a value", a);
        goto done;
    }
    if (!input) {
        rc = usage_error("%s",
                         calibrate ? "calibrate needs an input CSV" : "audit needs an input CSV");
        goto done;
    }
    if (!out) {
        rc = usage_error("%s", calibrate ? "calibrate needs -o DIR" : "audit needs -o DIR");
        goto done;
    }
    if (isatty(STDERR_FILENO) && !quiet) {
        cfg.progress = 1;
        cfg.progress_cb = show_progress;
    }
    install_signals();
    if (calibrate) {
        saksi_calibration_summary cs;
        if (saksi_calibrate(&cfg, input, out, runs, &cs, &err) != SAKSI_OK) {
            if (cfg.progress) fprintf(stderr, "\r%40s\r", "");
            rc = fail(&err);
            goto done;
        }
        if (cfg.progress) fprintf(stderr, "\r%40s\r", "");
        if (!quiet)
            fprintf(stderr,
                    "saksi: %zu clean elections of %zu stations simulated and audited (model on "
                    "%zu consistent regular stations); %zu of %zu test families outside "
                    "tolerance; %.2f s: %s/calibration.csv, %s/calibration.html\n",
                    cs.runs, cs.stations, cs.fitted_stations, cs.outside, cs.families, cs.seconds,
                    out, out);
        goto done;
    }
    if (!(e = saksi_engine_alloc(&cfg))) {
        fprintf(stderr, "saksi: out of memory\n");
        rc = EX_OSERR_;
        goto done;
    }
    saksi_status st = saksi_engine_ingest(e, input, &err);
    if (st == SAKSI_OK) st = saksi_engine_run(e, &err);
    if (st == SAKSI_ERR_STRICT) {
        saksi_error qerr = {0};
        if (saksi_engine_write_quarantine(e, out, &qerr) == SAKSI_OK)
            fprintf(stderr, "saksi: quarantined records listed in %s/quarantine.csv\n", out);
        else
            fprintf(stderr, "saksi: %s\n", qerr.message);
    }
    if (st == SAKSI_OK) st = saksi_engine_write_report(e, out, &err);
    if (cfg.progress) fprintf(stderr, "\r%40s\r", "");
    if (st != SAKSI_OK) {
        rc = fail(&err);
        goto done;
    }
    const saksi_summary *s = saksi_engine_summary(e);
    if (!quiet) print_summary_line(s, out);
    if (json && saksi_summary_write_json(s, stdout, &err) != SAKSI_OK) rc = fail(&err);
done:
    saksi_engine_free(e);
    free(pairs);
    return rc;
}

static int cmd_devices(void)
{
    saksi_device_info *list = NULL;
    size_t n = 0;
    saksi_error err = {0};
    if (saksi_devices_list(&list, &n, &err) != SAKSI_OK) return fail(&err);
    if (n == 0) printf("no OpenCL platform found (is an ICD such as pocl-opencl-icd installed?)\n");
    for (size_t k = 0; k < n; k++) {
        const saksi_device_info *d = &list[k];
        printf("%u:%u  %s | %s | %s | driver %s | %s | %u compute units | %.1f GiB | "
               "max work-group %zu\n",
               d->platform, d->device, d->platform_name, d->device_name, d->version, d->driver,
               d->is_cpu ? "CPU" : "GPU/accelerator", d->compute_units,
               (double)d->global_mem / (1024.0 * 1024.0 * 1024.0), d->max_work_group);
    }
    free(list);
    return EX_OK_;
}

static const char simulate_help[] =
    "usage: saksi simulate -o DIR [--seed N] [--stations N] [--candidates N]\n"
    "                      [--plant KIND=RATE ...] [--region-columns]\n"
    "Writes DIR/stations.csv (a synthetic election in the canonical CSV) and\n"
    "DIR/labels.csv (ground truth of planted anomalies). KIND is one of\n"
    "sum_mismatch, transcription, over_registration, missing_zero,\n"
    "ballot_stuffing, vote_transfer, rounding, or all; RATE a per-station probability.\n"
    "Default: 823,236 stations, seed 2024, nothing planted.\n";

static int cmd_simulate(int argc, char **argv)
{
    saksi_sim_config sc;
    saksi_sim_summary sum;
    saksi_error err = {0};
    const char *out = NULL, *v;
    size_t n;
    saksi_sim_config_init(&sc);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-o") == 0 || is_opt(a, "--out")) {
            out = strcmp(a, "-o") == 0 ? (i + 1 < argc ? argv[++i] : NULL)
                                       : opt_value(argc, argv, &i, "--out");
            if (!out) return usage_error("option '%s' needs a value", a);
        } else if (is_opt(a, "--seed") || is_opt(a, "--stations") || is_opt(a, "--candidates")) {
            const char *name = is_opt(a, "--seed")       ? "--seed"
                               : is_opt(a, "--stations") ? "--stations"
                                                         : "--candidates";
            if (!(v = opt_value(argc, argv, &i, name)) || !parse_size(v, &n))
                return usage_error("option '%s' needs a number", a);
            if (strcmp(name, "--seed") == 0) {
                sc.seed = n;
            } else if (strcmp(name, "--stations") == 0) {
                sc.stations = n;
            } else {
                sc.ncand = n;
                saksi_sim_config_equal_shares(&sc);
            }
        } else if (is_opt(a, "--plant")) {
            char kind[64];
            double rate;
            char tail;
            if (!(v = opt_value(argc, argv, &i, "--plant")))
                return usage_error("option '%s' needs a value", a);
            const char *eq = strchr(v, '=');
            if (!eq || (size_t)(eq - v) >= sizeof kind ||
                sscanf(eq + 1, "%lf%c", &rate, &tail) != 1 || rate < 0 || rate > 1)
                return usage_error("--plant takes KIND=RATE with RATE in [0, 1], not '%s'", v);
            memcpy(kind, v, (size_t)(eq - v));
            kind[eq - v] = 0;
            int k = saksi_plant_kind_lookup(kind);
            if (strcmp(kind, "all") == 0) {
                for (k = 0; k < SAKSI_NPLANT; k++)
                    sc.plant_rate[k] = rate;
                continue;
            }
            if (k < 0) return usage_error("unknown anomaly kind '%s'", kind);
            sc.plant_rate[k] = rate;
        } else if (strcmp(a, "--region-columns") == 0) {
            sc.with_region_columns = 1;
        } else if (strcmp(a, "--help") == 0) {
            fputs(simulate_help, stdout);
            return EX_OK_;
        } else {
            return usage_error("unknown simulate option '%s'", a);
        }
    }
    if (!out) return usage_error("%s", "simulate needs -o DIR");
    install_signals();
    if (saksi_simulate_write(&sc, out, &sum, &err) != SAKSI_OK) return fail(&err);
    size_t planted = 0;
    for (int k = 0; k < SAKSI_NPLANT; k++)
        planted += sum.planted[k];
    fprintf(stderr,
            "saksi: simulated %zu stations (%zu provinces, %zu regencies, %zu districts, %zu "
            "villages; %zu planted anomalies) in %.2f s: %s/stations.csv, %s/labels.csv\n",
            sum.stations, sum.regions[SAKSI_LEVEL_PROVINCE], sum.regions[SAKSI_LEVEL_REGENCY],
            sum.regions[SAKSI_LEVEL_DISTRICT], sum.regions[SAKSI_LEVEL_VILLAGE], planted,
            sum.seconds, out, out);
    return EX_OK_;
}

/* saksi report REPORT.h5 [-o DIR] [--lang en|id] */
static int cmd_report(int argc, char **argv)
{
    const char *h5 = NULL, *out = NULL, *lang = "en", *v;
    saksi_error err = {0};
    char dir[4096];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-o") == 0 || is_opt(a, "--out")) {
            out = strcmp(a, "-o") == 0 ? (i + 1 < argc ? argv[++i] : NULL)
                                       : opt_value(argc, argv, &i, "--out");
            if (!out) return usage_error("option '%s' needs a value", a);
        } else if (is_opt(a, "--lang")) {
            if (!(v = opt_value(argc, argv, &i, "--lang")))
                return usage_error("option '%s' needs a value", a);
            if (strcmp(v, "en") != 0 && strcmp(v, "id") != 0)
                return usage_error("--lang takes en or id, not '%s'", v);
            lang = v;
        } else if (a[0] == '-' && a[1]) {
            return usage_error("unknown report option '%s'", a);
        } else if (!h5) {
            h5 = a;
        } else {
            return usage_error("one report.h5 per call; '%s' is a second one", a);
        }
    }
    if (!h5) return usage_error("%s", "report needs a report.h5");
    if (!out) { /* default: beside the file */
        const char *slash = strrchr(h5, '/');
        snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - h5) : 1, slash ? h5 : ".");
        if (slash == h5) snprintf(dir, sizeof dir, "/");
        out = dir;
    }
    if (saksi_report_render(h5, out, lang, &err) != SAKSI_OK) return fail(&err);
    fprintf(stderr,
            "saksi: drawn from %s: %s/report.html, %s/ranked.csv, %s/regions.csv, "
            "%s/class_*.csv\n",
            h5, out, out, out, out);
    return EX_OK_;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(help_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? EX_USAGE_ : EX_OK_;
    }
    if (strcmp(argv[1], "--version") == 0) {
        char libs[1024];
        saksi_library_versions(libs, sizeof libs);
        printf("saksi %s\n%s\n", saksi_version_string(), libs);
        return EX_OK_;
    }
    if (strcmp(argv[1], "audit") == 0) return cmd_audit(argc, argv, 0);
    if (strcmp(argv[1], "calibrate") == 0) return cmd_audit(argc, argv, 1);
    if (strcmp(argv[1], "report") == 0) return cmd_report(argc, argv);
    if (strcmp(argv[1], "simulate") == 0) return cmd_simulate(argc, argv);
    if (strcmp(argv[1], "devices") == 0) return cmd_devices();
    return usage_error("unknown command '%s'", argv[1]);
}
