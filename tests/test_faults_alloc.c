/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_faults_alloc.c — allocation failure at every allocation site a small
 * audit reaches. The allocators saksi calls are wrapped at link time; a
 * first run counts the calls of a whole audit (simulated election with
 * planted anomalies and quarantined records, read gzip-compressed through a
 * column map and a rules file, CPU path, report written), then the audit is
 * repeated once per call N with the Nth call failing. Every run must end in
 * SAKSI_ERR_NOMEM with a message, free every block it allocated (a count of
 * live blocks from the wrappers), leave no temporary, and leave under a
 * report's real name only a complete file (the undisturbed run's bytes).
 * The same sweep covers the OpenCL runtime's allocations (PoCL) and the
 * simulator's; and the ingest's second thread failing to start changes
 * nothing in the report.
 * LABELS: unit
 * WRAP: malloc calloc realloc posix_memalign strdup strndup free getline
 * WRAP: EVP_MD_CTX_new pthread_create
 */
#define _GNU_SOURCE /* strndup, getline */
#include "reliability_support.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <openssl/evp.h>
#include <pthread.h>

/* ------------------------------------------------------------------ */
/* Wrapped allocators: count, fail the Nth, track live blocks          */
/* ------------------------------------------------------------------ */

static struct {
    int counting;          /* calls are counted (and may fail) only inside a run */
    long calls;            /* allocation calls since the run began */
    long fail_at;          /* 1-based call that fails; 0: none */
    long live;             /* blocks allocated in the run and not yet freed */
    const char *failed_fn; /* which allocator was made to fail */
} A;

/* The ingest builds the table in a second thread: the wrappers' books
 * are kept under a lock (pthread_mutex_lock does not allocate). */
static pthread_mutex_t books = PTHREAD_MUTEX_INITIALIZER;

/* Live blocks: an open-addressing set of addresses (0 empty, 1 deleted). */
#define LIVE_CAP ((size_t)1 << 18)
static uintptr_t live_set[LIVE_CAP];

static size_t slot_of(uintptr_t p)
{
    return (size_t)((p >> 4) * 0x9E3779B97F4A7C15ull) & (LIVE_CAP - 1);
}

static void live_add_locked(void *p)
{
    if (!p || !A.counting) return;
    size_t s = slot_of((uintptr_t)p);
    while (live_set[s] > 1)
        s = (s + 1) & (LIVE_CAP - 1);
    live_set[s] = (uintptr_t)p;
    A.live++;
}

static void live_remove_locked(void *p)
{
    if (!p) return;
    for (size_t s = slot_of((uintptr_t)p); live_set[s] != 0; s = (s + 1) & (LIVE_CAP - 1))
        if (live_set[s] == (uintptr_t)p) {
            live_set[s] = 1;
            A.live--;
            return;
        }
}

/* Distinct call sites (return addresses) seen by the counting run. */
#define MAX_SITES 4096
static void *sites[MAX_SITES];
static size_t nsites;

static void note_site(void *site)
{
    for (size_t k = 0; k < nsites; k++)
        if (sites[k] == site) return;
    if (nsites < MAX_SITES) sites[nsites++] = site;
}

/* With SAKSI_FAULT_SITES set, the call sites of the counting run on
 * stderr, as "site OBJECT OFFSET" for addr2line -f -i -e OBJECT OFFSET. */
static void print_sites(size_t n)
{
    if (!getenv("SAKSI_FAULT_SITES")) return;
    for (size_t k = 0; k < n; k++) {
        Dl_info di;
        if (dladdr(sites[k], &di) && di.dli_fname)
            fprintf(stderr, "site %s 0x%lx\n", di.dli_fname,
                    (unsigned long)((uintptr_t)sites[k] - (uintptr_t)di.dli_fbase - 1));
    }
}

/* 1 when this call is the one that must fail. With SAKSI_FAULT_TRACE set
 * in the environment, the failing call's stack goes to stderr (to find a
 * site that swallows the failure: SAKSI_FAULT_AT=N starts each sweep at call N). */
static int fail_now_locked(const char *fn, void *site)
{
    if (!A.counting) return 0;
    if (A.fail_at == 0) note_site(site);
    if (++A.calls != A.fail_at) return 0;
    A.failed_fn = fn;
    if (getenv("SAKSI_FAULT_TRACE")) {
        void *frames[16];
        int n = backtrace(frames, 16);
        backtrace_symbols_fd(frames, n, 2);
    }
    return 1;
}

static void live_add(void *p)
{
    pthread_mutex_lock(&books);
    live_add_locked(p);
    pthread_mutex_unlock(&books);
}

static void live_remove(void *p)
{
    pthread_mutex_lock(&books);
    live_remove_locked(p);
    pthread_mutex_unlock(&books);
}

static int fail_now(const char *fn, void *site)
{
    pthread_mutex_lock(&books);
    int f = fail_now_locked(fn, site);
    pthread_mutex_unlock(&books);
    return f;
}

#define DECLARE(fn) __typeof__(fn) __real_##fn, __wrap_##fn
DECLARE(malloc);
DECLARE(calloc);
DECLARE(realloc);
DECLARE(posix_memalign);
DECLARE(strdup);
DECLARE(strndup);
DECLARE(free);
DECLARE(getline);
DECLARE(EVP_MD_CTX_new);

void *__wrap_malloc(size_t n)
{
    if (fail_now("malloc", __builtin_return_address(0))) return NULL;
    void *p = __real_malloc(n);
    live_add(p);
    return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
    if (fail_now("calloc", __builtin_return_address(0))) return NULL;
    void *p = __real_calloc(n, size);
    live_add(p);
    return p;
}

void *__wrap_realloc(void *old, size_t n)
{
    if (fail_now("realloc", __builtin_return_address(0)))
        return NULL; /* old stays valid, as with the real realloc */
    void *p = __real_realloc(old, n);
    if (p) {
        live_remove(old);
        live_add(p);
    }
    return p;
}

int __wrap_posix_memalign(void **out, size_t align, size_t n)
{
    if (fail_now("posix_memalign", __builtin_return_address(0))) return ENOMEM;
    int e = __real_posix_memalign(out, align, n);
    if (e == 0) live_add(*out);
    return e;
}

char *__wrap_strdup(const char *s)
{
    if (fail_now("strdup", __builtin_return_address(0))) return NULL;
    char *p = __real_strdup(s);
    live_add(p);
    return p;
}

char *__wrap_strndup(const char *s, size_t n)
{
    if (fail_now("strndup", __builtin_return_address(0))) return NULL;
    char *p = __real_strndup(s, n);
    live_add(p);
    return p;
}

void __wrap_free(void *p)
{
    live_remove(p);
    __real_free(p);
}

/* getline grows its buffer with the C library's own malloc (not wrapped
 * here); a failure is -1 with errno ENOMEM. */
ssize_t __wrap_getline(char **line, size_t *cap, FILE *f)
{
    if (fail_now("getline", __builtin_return_address(0))) {
        errno = ENOMEM;
        return -1;
    }
    return __real_getline(line, cap, f);
}

EVP_MD_CTX *__wrap_EVP_MD_CTX_new(void)
{
    return fail_now("EVP_MD_CTX_new", __builtin_return_address(0)) ? NULL : __real_EVP_MD_CTX_new();
}

/* pthread_create failing (EAGAIN: no more threads) when armed. */
static int fail_threads, thread_calls;
DECLARE(pthread_create);
int __wrap_pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    thread_calls++;
    if (fail_threads) return EAGAIN;
    return __real_pthread_create(th, attr, fn, arg);
}

static void run_begin(long fail_at)
{
    memset(live_set, 0, sizeof live_set);
    A.calls = 0;
    A.live = 0;
    A.fail_at = fail_at;
    A.failed_fn = NULL;
    A.counting = 1;
}

static void run_end(void)
{
    A.counting = 0;
}

/* ------------------------------------------------------------------ */
/* The audit                                                           */
/* ------------------------------------------------------------------ */

static char *dir;
static char input[4300], mapfile[4300], rules[4300], outdir[4300], cache[4300];

/* The simulated input with its header's station_id and registered renamed
 * (the map file names them back), gzip-compressed. */
static int group_setup(void **state)
{
    (void)state;
    char plain[4300];
    dir = rel_mkdtemp("faults-alloc");
    if (!dir || rel_make_input(dir, 60, 11, 0.05) != 0) return -1;
    snprintf(plain, sizeof plain, "%s/input.csv", dir);
    snprintf(input, sizeof input, "%s/input.csv.gz", dir);
    snprintf(mapfile, sizeof mapfile, "%s/input.map", dir);
    snprintf(rules, sizeof rules, "%s/datasets/rules/indonesia.rules", SAKSI_SOURCE_DIR);
    snprintf(outdir, sizeof outdir, "%s/out", dir);
    snprintf(cache, sizeof cache, "%s/clcache", dir);
    if (test_run("sed -i '1s/^station_id,/kode_tps,/; 1s/,registered,/,dpt,/' '%s' && "
                 "gzip -n -k '%s'",
                 plain, plain) != 0 ||
        test_write_file(mapfile, "# the header's own names\nstation_id = kode_tps\n"
                                 "registered = dpt\n") != 0)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    test_rmtree(dir);
    return 0;
}

static void config(saksi_config *cfg, int backend)
{
    rel_config(cfg);
    cfg->backend = backend;
    cfg->map_path = mapfile;
    cfg->rules_path = rules;
    cfg->cache_dir = cache;
}

/* Where the allocations are counted (and one made to fail): the whole
 * audit, or only saksi_engine_run (for OpenCL: the ingest and the report
 * are the CPU sweep's, allocation for allocation). */
static int run_only;

/* One audit with the fail_at-th allocation failing; the status. */
static saksi_status audit_failing(int backend, long fail_at, saksi_error *err)
{
    saksi_config cfg;
    saksi_status st;
    config(&cfg, backend);
    rel_clear_outputs(outdir);
    memset(err, 0, sizeof *err);
    if (!run_only) {
        run_begin(fail_at);
        st = rel_audit(&cfg, input, outdir, err);
        run_end();
        return st;
    }
    saksi_engine *e = saksi_engine_alloc(&cfg);
    assert_non_null(e);
    assert_int_equal(saksi_engine_ingest(e, input, err), SAKSI_OK);
    run_begin(fail_at);
    st = saksi_engine_run(e, err);
    run_end();
    if (st == SAKSI_OK) st = saksi_engine_write_report(e, outdir, err);
    saksi_engine_free(e); /* frees every block counted in the run, or A.live says */
    return st;
}

/* Count, then fail each call in turn. Returns the number of calls.
 * recoverable: a run may instead succeed, with the undisturbed run's
 * reports byte for byte (the OpenCL program cache is best effort by
 * design: failing to read or store it costs a build, not the run). */
static long sweep(int backend, const char *what, int recoverable)
{
    saksi_error err;
    rel_reference ref;
    nsites = 0;
    saksi_status st = audit_failing(backend, 0, &err);
    if (st != SAKSI_OK) fail_msg("%s: undisturbed audit failed: %s", what, err.message);
    const long total = A.calls;
    const size_t distinct = nsites;
    if (A.live != 0) fail_msg("%s: undisturbed audit leaves %ld blocks allocated", what, A.live);
    rel_reference_read(&ref, outdir);
    long by_fn[16] = {0}, recovered = 0;
    static const char *const fns[] = {"malloc", "calloc",  "realloc", "posix_memalign",
                                      "strdup", "strndup", "getline", "EVP_MD_CTX_new"};
    const char *only = getenv("SAKSI_FAULT_AT");
    for (long n = only ? atol(only) : 1; n <= total; n++) {
        char tag[128];
        snprintf(tag, sizeof tag, "%s, allocation %ld of %ld", what, n, total);
        st = audit_failing(backend, n, &err);
        if (A.calls < n)
            fail_msg("%s: the run made only %ld calls (allocations differ between runs)", tag,
                     A.calls);
        if (st == SAKSI_OK && recoverable) {
            if (A.live != 0)
                fail_msg("%s (%s): recovered, but %ld blocks leaked", tag, A.failed_fn, A.live);
            if (rel_check_outputs(outdir, &ref, tag) != REL_NOUTPUTS)
                fail_msg("%s (%s): recovered, but the report is incomplete", tag, A.failed_fn);
            recovered++;
            continue;
        }
        if (st != SAKSI_ERR_NOMEM || err.status != SAKSI_ERR_NOMEM)
            fail_msg("%s (%s): status %d, not SAKSI_ERR_NOMEM: %s", tag, A.failed_fn, st,
                     err.message);
        if (!strstr(err.message, "memory"))
            fail_msg("%s (%s): unclear message \"%s\"", tag, A.failed_fn, err.message);
        if (A.live != 0)
            fail_msg("%s (%s): %ld blocks leaked (%s)", tag, A.failed_fn, A.live, err.message);
        rel_check_outputs(outdir, &ref, tag);
        for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++)
            by_fn[k] += strcmp(A.failed_fn, fns[k]) == 0;
    }
    print_sites(distinct);
    fprintf(stderr, "%s: %ld allocation calls from %zu call sites, each failed in turn:", what,
            total, distinct);
    for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++)
        if (by_fn[k]) fprintf(stderr, " %s %ld", fns[k], by_fn[k]);
    if (recovered) fprintf(stderr, "; %ld recovered with the same report", recovered);
    fputc('\n', stderr);
    rel_reference_free(&ref);
    rel_clear_outputs(outdir);
    return total;
}

static void test_every_allocation_of_a_cpu_audit(void **state)
{
    (void)state;
    long total = sweep(SAKSI_BACKEND_CPU, "cpu audit", 0);
    /* A real audit allocates at every stage; far fewer calls would mean the
     * wrappers are not in the path. */
    assert_true(total > 100);
}

/* With --backend opencl the runtime's own allocations (device lists,
 * program source and cache) are in the sweep too: those of
 * saksi_engine_run (the ingest and the report allocate as on the CPU
 * path, swept above). Runs on PoCL. */
static void test_every_allocation_of_an_opencl_audit(void **state)
{
    (void)state;
    run_only = 1;
    long total = sweep(SAKSI_BACKEND_OPENCL, "opencl run", 1);
    run_only = 0;
    assert_true(total >= 40);
}

/* The simulator behind `saksi simulate` (an input writer: a failure must
 * leave neither file). */
static void test_every_allocation_of_the_simulator(void **state)
{
    (void)state;
    saksi_sim_config sc;
    saksi_error err;
    char sim[4400];
    saksi_sim_config_init(&sc);
    sc.stations = 45;
    sc.seed = 5;
    for (int k = 0; k < SAKSI_NPLANT; k++)
        sc.plant_rate[k] = 0.05;
    snprintf(sim, sizeof sim, "%s/simfaults", dir);
    nsites = 0;
    run_begin(0);
    saksi_status st = saksi_simulate(&sc, sim, &err);
    run_end();
    assert_int_equal(st, SAKSI_OK);
    assert_int_equal(A.live, 0);
    const long total = A.calls;
    static const char *const files[2] = {"stations.csv", "labels.csv"};
    rel_reference ref;
    rel_reference_read_names(&ref, sim, files, 2);
    print_sites(nsites);
    const char *only = getenv("SAKSI_FAULT_AT");
    for (long n = only ? atol(only) : 1; n <= total; n++) {
        char tag[128];
        snprintf(tag, sizeof tag, "simulator, allocation %ld of %ld", n, total);
        rel_clear_names(sim, files, 2);
        memset(&err, 0, sizeof err);
        run_begin(n);
        st = saksi_simulate(&sc, sim, &err);
        run_end();
        if (st != SAKSI_ERR_NOMEM || !strstr(err.message, "memory") || A.live != 0)
            fail_msg("%s (%s): status %d, %ld leaked: %s", tag, A.failed_fn, st, A.live,
                     err.message);
        rel_check_outputs(sim, &ref, tag);
    }
    rel_reference_free(&ref);
    fprintf(stderr, "simulator: %ld allocation calls from %zu call sites, each failed in turn\n",
            total, nsites);
    assert_true(total > 10);
}

/* `saksi calibrate` (issue 5): the input audited once, one clean election
 * simulated on its stations and audited with every family, and the
 * calibration files written; a failure must leave none of them but whole. */
static void test_every_allocation_of_a_calibration(void **state)
{
    (void)state;
    static const char *const files[3] = {"calibration.csv", "calibration_model.csv",
                                         "calibration.html"};
    saksi_config cfg;
    saksi_error err;
    char cal[4400];
    config(&cfg, SAKSI_BACKEND_CPU);
    snprintf(cal, sizeof cal, "%s/calibration", dir);
    nsites = 0;
    run_begin(0);
    saksi_status st = saksi_calibrate(&cfg, input, cal, 1, NULL, &err);
    run_end();
    if (st != SAKSI_OK) fail_msg("undisturbed calibration failed: %s", err.message);
    assert_int_equal(A.live, 0);
    const long total = A.calls;
    const size_t distinct = nsites;
    rel_reference ref;
    rel_reference_read_names(&ref, cal, files, 3);
    print_sites(distinct);
    const char *only = getenv("SAKSI_FAULT_AT");
    for (long n = only ? atol(only) : 1; n <= total; n++) {
        char tag[128];
        snprintf(tag, sizeof tag, "calibration, allocation %ld of %ld", n, total);
        rel_clear_names(cal, files, 3);
        memset(&err, 0, sizeof err);
        run_begin(n);
        st = saksi_calibrate(&cfg, input, cal, 1, NULL, &err);
        run_end();
        if (st != SAKSI_ERR_NOMEM || !strstr(err.message, "memory") || A.live != 0)
            fail_msg("%s (%s): status %d, %ld leaked: %s", tag, A.failed_fn, st, A.live,
                     err.message);
        rel_check_outputs(cal, &ref, tag);
    }
    rel_reference_free(&ref);
    fprintf(stderr, "calibration: %ld allocation calls from %zu call sites, each failed in turn\n",
            total, distinct);
    assert_true(total > 100);
}

/* A thread that cannot be started is no failure: the ingest builds the
 * table in its own thread, and the report is the same. */
static void test_no_thread_for_the_ingest(void **state)
{
    (void)state;
    saksi_error err;
    rel_reference ref;
    assert_int_equal(audit_failing(SAKSI_BACKEND_CPU, 0, &err), SAKSI_OK);
    rel_reference_read(&ref, outdir);
    fail_threads = 1;
    thread_calls = 0;
    saksi_status st = audit_failing(SAKSI_BACKEND_CPU, 0, &err);
    fail_threads = 0;
    /* With two CPUs online the ingest asks for its thread. */
    if (sysconf(_SC_NPROCESSORS_ONLN) > 1) assert_true(thread_calls > 0);
    if (st != SAKSI_OK) fail_msg("without a second thread: %s", err.message);
    assert_int_equal(A.live, 0);
    assert_int_equal(rel_check_outputs(outdir, &ref, "no thread"), REL_NOUTPUTS);
    rel_reference_free(&ref);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_of_a_cpu_audit),
        cmocka_unit_test(test_every_allocation_of_an_opencl_audit),
        cmocka_unit_test(test_every_allocation_of_the_simulator),
        cmocka_unit_test(test_every_allocation_of_a_calibration),
        cmocka_unit_test(test_no_thread_for_the_ingest),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
