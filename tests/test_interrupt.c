/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_interrupt.c — stopping a run (issue 7 §5). The CLI's SIGINT/SIGTERM
 * handler only sets the stop flag; the library checks it per read block,
 * between stages, per integrity batch, in repair and the families' loops,
 * between report tables, per 4096 CSV rows and before any file takes its
 * name, then removes its temporaries and returns
 * SAKSI_ERR_INTERRUPTED (exit 130). Checked three ways:
 *  - in the library, a stop requested at every stage the engine reports
 *    through its progress callback (found by an undisturbed run, so new
 *    families are covered as they land), inside the integrity batches and
 *    inside each file the report writes (a wrapped saksi_atomic_open /
 *    saksi_integrity_cpu);
 *  - the CLI on a 60,000-station simulated election, sent SIGINT or
 *    SIGTERM at delays spread over its run: exit 130 (or 0 when it had
 *    finished), no temporary left, and whatever is under a report's real
 *    name is the complete file;
 *  - the CLI killed with SIGKILL (a crash) at such delays: never a partial
 *    file under a real name, and the next run into the directory removes
 *    the dead run's temporaries.
 * LABELS: unit
 * WRAP: saksi_atomic_open saksi_integrity_cpu
 */
#include "reliability_support.h"

#include "report.h"

#include <signal.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* Wrapped: request a stop when a given file is opened or at the Nth   */
/* integrity batch                                                     */
/* ------------------------------------------------------------------ */

static const char *stop_at_file; /* basename whose opening requests a stop */
static int stop_at_batch;        /* 1-based integrity batch that requests it */
static int batches;

saksi_status __real_saksi_atomic_open(saksi_atomic_file *a, const char *path, saksi_error *err);
saksi_status __wrap_saksi_atomic_open(saksi_atomic_file *a, const char *path, saksi_error *err);
saksi_status __wrap_saksi_atomic_open(saksi_atomic_file *a, const char *path, saksi_error *err)
{
    const char *base = strrchr(path, '/');
    if (stop_at_file && strcmp(base ? base + 1 : path, stop_at_file) == 0) saksi_request_stop();
    return __real_saksi_atomic_open(a, path, err);
}

void __real_saksi_integrity_cpu(const int32_t *prog, const saksi_table *t, const uint32_t *enabled,
                                size_t begin, size_t end, uint32_t *eval, uint32_t *fail,
                                uint32_t *neg);
void __wrap_saksi_integrity_cpu(const int32_t *prog, const saksi_table *t, const uint32_t *enabled,
                                size_t begin, size_t end, uint32_t *eval, uint32_t *fail,
                                uint32_t *neg);
void __wrap_saksi_integrity_cpu(const int32_t *prog, const saksi_table *t, const uint32_t *enabled,
                                size_t begin, size_t end, uint32_t *eval, uint32_t *fail,
                                uint32_t *neg)
{
    if (++batches == stop_at_batch) saksi_request_stop();
    __real_saksi_integrity_cpu(prog, t, enabled, begin, end, eval, fail, neg);
}

/* ------------------------------------------------------------------ */
/* Fixtures                                                            */
/* ------------------------------------------------------------------ */

/* Big enough that every stage lasts long enough to aim a signal at (the
 * shortest, ranking, a few ms); since the station baselines and the other
 * issue-4/5 families joined the run, 60,000 stations take about 3 s on the
 * CPU path (150,000 took 8 s, and the test ran two minutes). */
enum { BIG_STATIONS = 60000 };

static char *dir;
static char small_input[4300], big_input[4300];
static rel_reference small_ref, big_ref;

static int group_setup(void **state)
{
    (void)state;
    char sub[4200], out[4400];
    dir = rel_mkdtemp("interrupt");
    if (!dir) return -1;
    snprintf(sub, sizeof sub, "%s/small", dir);
    if (mkdir(sub, 0777) != 0 || rel_make_input(sub, 400, 3, 0.02) != 0) return -1;
    snprintf(small_input, sizeof small_input, "%s/input.csv", sub);
    snprintf(sub, sizeof sub, "%s/big", dir);
    if (mkdir(sub, 0777) != 0 || rel_make_input(sub, BIG_STATIONS, 4, 0.002) != 0) return -1;
    snprintf(big_input, sizeof big_input, "%s/input.csv", sub);

    saksi_config cfg;
    saksi_error err = {0};
    rel_config(&cfg);
    snprintf(out, sizeof out, "%s/small-ref", dir);
    if (rel_audit(&cfg, small_input, out, &err) != SAKSI_OK) return -1;
    rel_reference_read(&small_ref, out);
    snprintf(out, sizeof out, "%s/big-ref", dir);
    if (test_run("'%s' audit '%s' -o '%s' --backend cpu --reproducible -q", SAKSI_CLI, big_input,
                 out) != 0)
        return -1;
    rel_reference_read(&big_ref, out);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    rel_reference_free(&small_ref);
    rel_reference_free(&big_ref);
    test_rmtree(dir);
    return 0;
}

/* ------------------------------------------------------------------ */
/* In the library: every stage                                         */
/* ------------------------------------------------------------------ */

static const char *stop_at_stage;

/* Every stage the engine reports through its progress callback, in
 * order: the stages of families that land later are covered without a
 * change here. */
static char stages[32][32];
static int nstages, recording;

static void on_progress(void *ctx, const char *stage, double fraction)
{
    (void)ctx;
    (void)fraction;
    if (recording && (nstages == 0 || strcmp(stages[nstages - 1], stage) != 0) && nstages < 32)
        snprintf(stages[nstages++], sizeof stages[0], "%s", stage);
    if (stop_at_stage && strcmp(stage, stop_at_stage) == 0) saksi_request_stop();
}

typedef struct stop_case {
    const char *stage;    /* progress stage that requests the stop, or NULL */
    const char *file;     /* output file whose opening requests it, or NULL */
    int batch;            /* integrity batch that requests it, or 0 */
    int before_ingest;    /* requested before the ingest starts */
    const char *want;     /* in the message: where it stopped ("" for any) */
    int complete_outputs; /* report files already whole when it stops */
} stop_case;

/* One audit of the small input with the stop requested as k says. */
static void run_case(const stop_case *k, const char *tag)
{
    char out[4400];
    saksi_config cfg;
    saksi_error err = {0};
    snprintf(out, sizeof out, "%s/%s", dir, tag);
    rel_config(&cfg);
    cfg.batch_rows = 50; /* 400 stations: 8 integrity batches */
    cfg.progress = 1;
    cfg.progress_cb = on_progress;
    stop_at_stage = k->stage;
    stop_at_file = k->file;
    stop_at_batch = k->batch;
    batches = 0;
    saksi_clear_stop();
    if (k->before_ingest) saksi_request_stop();
    saksi_status st = rel_audit(&cfg, small_input, out, &err);
    saksi_clear_stop();
    stop_at_stage = stop_at_file = NULL;
    stop_at_batch = 0;
    if (st != SAKSI_ERR_INTERRUPTED || !err.message[0] || !strstr(err.message, k->want))
        fail_msg("%s: status %d, \"%s\" lacks \"%s\"", tag, st, err.message, k->want);
    int present = rel_check_outputs(out, &small_ref, tag);
    assert_int_equal(present, k->complete_outputs);
    fprintf(stderr, "%s: %s\n", tag, err.message);
}

static void test_library_stops_at_every_stage(void **state)
{
    (void)state;
    static const stop_case cases[] = {
        {NULL, NULL, 0, 1, "reading stopped on request", 0},
        {NULL, NULL, 2, 0, "integrity check interrupted after 100 of", 0},
        {NULL, "report.h5", 0, 0, "report.h5: interrupted while writing", 0},
        {NULL, "ranked.csv", 0, 0, "ranked.csv: interrupted while writing (row 0)", 1},
        {NULL, "quarantine.csv", 0, 0, "quarantine.csv: interrupted while writing (row 0)", 2},
        /* The files drawn from report.h5 have no check in their loops: the
         * atomic writer's commit stops them (before that check, a stop
         * here let the run finish with exit 0). */
        {NULL, "class_integrity.csv", 0, 0, "class_integrity.csv: interrupted while writing", 3},
        {NULL, "regions.csv", 0, 0, "regions.csv: interrupted while writing", 8},
        {NULL, "report.html", 0, 0, "report.html: interrupted while writing", 9},
    };
    char out[4400];
    saksi_config cfg;
    saksi_error err = {0};
    /* The undisturbed run names the stages. */
    rel_config(&cfg);
    cfg.progress = 1;
    cfg.progress_cb = on_progress;
    recording = 1;
    snprintf(out, sizeof out, "%s/stages", dir);
    assert_int_equal(rel_audit(&cfg, small_input, out, &err), SAKSI_OK);
    recording = 0;
    assert_true(nstages >= 4); /* ingest, integrity, repair, rank at least */
    for (int k = 0; k < nstages; k++) {
        stop_case c = {stages[k], NULL, 0, 0, "", 0};
        char tag[64];
        snprintf(tag, sizeof tag, "stage-%.32s", stages[k]);
        run_case(&c, tag);
    }
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char tag[64];
        snprintf(tag, sizeof tag, "case-%zu", c);
        run_case(&cases[c], tag);
    }
    /* The flag cleared, the same engine code runs to the end. */
    snprintf(out, sizeof out, "%s/after", dir);
    rel_config(&cfg);
    assert_int_equal(rel_audit(&cfg, small_input, out, &err), SAKSI_OK);
    assert_int_equal(rel_check_outputs(out, &small_ref, "after"), REL_NOUTPUTS);
}

/* ------------------------------------------------------------------ */
/* The CLI and real signals                                            */
/* ------------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Start the CLI auditing the big input into out (stderr to errfile),
 * send sig after delay_ms, and return its wait status. */
static int run_and_signal(const char *out, const char *errfile, int sig, int delay_ms)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        FILE *e = freopen(errfile, "w", stderr);
        (void)e;
        execl(SAKSI_CLI, SAKSI_CLI, "audit", big_input, "-o", out, "--backend", "cpu",
              "--reproducible", "-q", (char *)NULL);
        _exit(127);
    }
    struct timespec ts = {delay_ms / 1000, (long)(delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    kill(pid, sig);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

/* Where the run stopped, from its message. */
static const char *stage_of(const char *msg)
{
    if (strstr(msg, "reading stopped")) return "ingest";
    if (strstr(msg, "integrity check")) return "integrity";
    if (strstr(msg, "repair")) return "repair";
    if (strstr(msg, "digit")) return "digits";
    if (strstr(msg, "fingerprint")) return "fingerprints";
    if (strstr(msg, "baselines") || strstr(msg, "shape") || strstr(msg, "integer percent"))
        return "baselines";
    if (strstr(msg, "interrupted while writing") || strstr(msg, "writing")) return "report";
    if (strstr(msg, "before")) return "between stages";
    return "?";
}

/* Milliseconds from exec to the start of each stage of the big run, and
 * to its end, measured on a run of the reference (the machine's load
 * decides them, so the signals below aim at fractions of them). */
enum {
    ST_INGEST,
    ST_INTEGRITY,
    ST_REPAIR,
    ST_DIGITS,
    ST_FINGERPRINTS,
    ST_BASELINES,
    ST_RANK,
    ST_H5,
    ST_CSV,
    ST_HTML,
    NSTAGES
};
static double stage_start_ms[NSTAGES + 1];

static void measure_stages(void)
{
    /* The engine's order (host/engine.c): the families, then the ranking
     * with the anomaly evidence, then the files; the keys of timing_s. */
    static const char *const keys[NSTAGES] = {
        "\"ingest\": ",       "\"integrity\": ",  "\"repair\": ", "\"digits\": ",
        "\"fingerprints\": ", "\"baselines\": ",  "\"rank\": ",   "\"report_h5\": ",
        "\"report_csv\": ",   "\"report_html\": "};
    char out[4400], json[4400];
    snprintf(out, sizeof out, "%s/timed", dir);
    snprintf(json, sizeof json, "%s/timed.json", dir);
    /* The first run reads the input from disk; the second, timed, from
     * the page cache like the runs that follow. */
    assert_int_equal(
        test_run("'%s' audit '%s' -o '%s' --backend cpu -q", SAKSI_CLI, big_input, out), 0);
    double t0 = now_s();
    assert_int_equal(
        test_run("'%s' audit '%s' -o '%s' --backend cpu --reproducible -q --json > '%s'", SAKSI_CLI,
                 big_input, out, json),
        0);
    double wall = 1000.0 * (now_s() - t0);
    char *text = test_read_file(json, NULL);
    assert_non_null(text);
    double sum = 0, ms[NSTAGES];
    const char *timing = strstr(text, "\"timing_s\"");
    assert_non_null(timing);
    for (int k = 0; k < NSTAGES; k++) {
        const char *p = strstr(timing, keys[k]);
        assert_non_null(p);
        ms[k] = 1000.0 * strtod(p + strlen(keys[k]), NULL);
        sum += ms[k];
    }
    free(text);
    /* What the stages do not account for is start-up (loading, parsing
     * the options) and exit. */
    double at = wall > sum ? (wall - sum) / 2 : 0;
    for (int k = 0; k < NSTAGES; k++) {
        stage_start_ms[k] = at;
        at += ms[k];
    }
    stage_start_ms[NSTAGES] = at;
    fprintf(stderr, "big run: %.0f ms wall; stages start at", wall);
    for (int k = 0; k <= NSTAGES; k++)
        fprintf(stderr, " %.0f", stage_start_ms[k]);
    fprintf(stderr, " ms\n");
}

static void test_cli_sigint_sigterm(void **state)
{
    (void)state;
    /* Aim at the middle of every stage, and at the start of the report. */
    static const struct {
        int sig, stage;
        double frac;
    } runs[] = {
        {SIGINT, ST_INGEST, 0.5},     {SIGINT, ST_INTEGRITY, 0.5},    {SIGINT, ST_REPAIR, 0.5},
        {SIGINT, ST_DIGITS, 0.5},     {SIGINT, ST_FINGERPRINTS, 0.5}, {SIGINT, ST_BASELINES, 0.5},
        {SIGINT, ST_RANK, 0.5},       {SIGINT, ST_H5, 0.3},           {SIGINT, ST_H5, 0.8},
        {SIGINT, ST_CSV, 0.5},        {SIGINT, ST_HTML, 0.5},         {SIGTERM, ST_INGEST, 0.3},
        {SIGTERM, ST_BASELINES, 0.5}, {SIGTERM, ST_H5, 0.5},
    };
    int interrupted[2] = {0, 0};
    measure_stages();
    for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++) {
        char out[4400], errfile[4400], tag[96];
        int st = runs[k].stage;
        int delay = (int)(stage_start_ms[st] +
                          runs[k].frac * (stage_start_ms[st + 1] - stage_start_ms[st]));
        snprintf(out, sizeof out, "%s/sig%zu", dir, k);
        snprintf(errfile, sizeof errfile, "%s/sig%zu.stderr", dir, k);
        snprintf(tag, sizeof tag, "%s after %d ms", runs[k].sig == SIGINT ? "SIGINT" : "SIGTERM",
                 delay);
        int status = run_and_signal(out, errfile, runs[k].sig, delay);
        /* No file when the signal came before the child redirected its
         * stderr. */
        char *msg = test_read_file(errfile, NULL);
        if (!msg) msg = strdup("");
        /* Killed by the signal itself only if it came before the handler
         * was installed, when nothing can have been written. */
        if (WIFSIGNALED(status)) {
            assert_int_equal(WTERMSIG(status), runs[k].sig);
            assert_int_equal(rel_check_outputs(out, &big_ref, tag), 0);
            fprintf(stderr, "%s: killed before the handler was installed\n", tag);
        } else {
            int code = WEXITSTATUS(status);
            if (code != 130 && code != 0) fail_msg("%s: exit %d, not 130 or 0: %s", tag, code, msg);
            int present = rel_check_outputs(out, &big_ref, tag);
            if (code == 0) {
                assert_int_equal(present, REL_NOUTPUTS);
                fprintf(stderr, "%s: finished first (exit 0)\n", tag);
            } else {
                interrupted[runs[k].sig == SIGTERM]++;
                fprintf(stderr, "%s: exit 130 in %s, %d complete file(s): %s", tag, stage_of(msg),
                        present, msg);
            }
        }
        free(msg);
    }
    /* Signals aimed at the ingest land long before the run ends. */
    assert_true(interrupted[0] > 0);
    assert_true(interrupted[1] > 0);
}

/* A crash: SIGKILL cannot be caught, so only temporaries may remain, and
 * the next run into the directory removes them. */
static void test_cli_sigkill_and_stale_cleanup(void **state)
{
    (void)state;
    static const struct {
        int stage;
        double frac;
    } at[] = {{ST_INGEST, 0.5}, {ST_BASELINES, 0.5}, {ST_H5, 0.3}, {ST_H5, 0.8}, {ST_HTML, 0.5}};
    enum { NKILL = sizeof at / sizeof at[0] };
    int left = 0;
    if (stage_start_ms[NSTAGES] == 0) measure_stages();
    for (size_t k = 0; k < NKILL; k++) {
        char out[4400], errfile[4400], tag[64];
        int st = at[k].stage;
        int delay =
            (int)(stage_start_ms[st] + at[k].frac * (stage_start_ms[st + 1] - stage_start_ms[st]));
        snprintf(out, sizeof out, "%s/kill%zu", dir, k);
        snprintf(errfile, sizeof errfile, "%s/kill%zu.stderr", dir, k);
        snprintf(tag, sizeof tag, "SIGKILL after %d ms", delay);
        int status = run_and_signal(out, errfile, SIGKILL, delay);
        assert_true(WIFSIGNALED(status) || WEXITSTATUS(status) == 0);
        /* Real names: absent or complete. Temporaries may be there. */
        int tmp = rel_count_tmp(out);
        left += tmp;
        char probe[4500];
        for (int f = 0; f < REL_NOUTPUTS; f++) {
            size_t len = 0;
            snprintf(probe, sizeof probe, "%s/%s", out, rel_outputs[f]);
            char *data = test_read_file(probe, &len);
            if (data && (len != big_ref.len[f] || memcmp(data, big_ref.data[f], len) != 0))
                fail_msg("%s: partial %s under its real name", tag, rel_outputs[f]);
            free(data);
        }
        fprintf(stderr, "%s: %d temporaries left\n", tag, tmp);
    }
    /* A dead run's temporary (a pid that has exited) and a live one's (our
     * own parent's pid: that process exists) in one directory. */
    char out[4400], dead[4500], live[4500];
    snprintf(out, sizeof out, "%s/stale", dir);
    assert_int_equal(mkdir(out, 0777), 0);
    pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, NULL, 0);
    snprintf(dead, sizeof dead, "%s/report.h5.tmp-%ld", out, (long)child);
    snprintf(live, sizeof live, "%s/ranked.csv.tmp-%ld", out, (long)getppid());
    assert_int_equal(test_write_file(dead, "half a report"), 0);
    assert_int_equal(test_write_file(live, "another run is writing this"), 0);
    assert_int_equal(test_run("'%s' audit '%s' -o '%s' --backend cpu --reproducible -q", SAKSI_CLI,
                              small_input, out),
                     0);
    assert_int_equal(access(dead, F_OK), -1);
    assert_int_equal(access(live, F_OK), 0);
    unlink(live);
    assert_int_equal(rel_check_outputs(out, &small_ref, "after stale cleanup"), REL_NOUTPUTS);
    /* And the killed runs' leftovers go with the next run there. */
    for (size_t k = 0; k < NKILL; k++) {
        snprintf(out, sizeof out, "%s/kill%zu", dir, k);
        assert_int_equal(test_run("'%s' audit '%s' -o '%s' --backend cpu --reproducible -q",
                                  SAKSI_CLI, small_input, out),
                         0);
        assert_int_equal(rel_count_tmp(out), 0);
    }
    fprintf(stderr, "SIGKILL runs left %d temporaries; the next runs removed them all\n", left);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_library_stops_at_every_stage),
        cmocka_unit_test(test_cli_sigint_sigterm),
        cmocka_unit_test(test_cli_sigkill_and_stale_cleanup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
