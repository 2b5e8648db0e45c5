/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_fuzz_regressions.c — replays, through the same harness functions the
 * libFuzzer targets use (tests/fuzz/fuzz_*.c, built here without libFuzzer),
 * every seed of tests/fuzz/corpus/<target>/ and every input that once broke
 * saksi, kept in tests/fuzz/regressions/<target>/ (README.md there says what
 * each found and what fixed it). A harness aborts on a crash or a broken
 * invariant, so this fails whenever a fixed bug comes back; under the
 * sanitizer build (.ci/sanitize) it also checks them for memory errors.
 * LABELS: unit
 */
#define _GNU_SOURCE /* memfd_create, in fuzz_support.h */
#include "test_support.h"

#include "fuzz/fuzz_support.h"

#include <dirent.h>
#include <errno.h>
#include <time.h>

typedef int (*harness_fn)(const uint8_t *, size_t);

/* Seconds above which a replayed input is named on stderr, and above which
 * it fails the test: every input here runs in well under a second, and the
 * slow-input findings took minutes (rules/digits-size-2147483647: 3 min in
 * the digit family, then 6 min in the station baselines' pmf), so a
 * threshold far above normal (and above a sanitizer build's slowdown)
 * still catches one coming back. */
#define SLOW_INPUT_S      1.0
#define SLOW_INPUT_FAIL_S 60.0

static double test_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every file of SAKSI_SOURCE_DIR/tests/fuzz/<kind>/<target> through
 * fn, in name order; returns how many. */
static size_t replay(const char *kind, const char *target, harness_fn fn)
{
    char dir[4096], path[8192];
    char *names[4096];
    size_t n = 0;
    snprintf(dir, sizeof dir, "%s/tests/fuzz/%s/%s", SAKSI_SOURCE_DIR, kind, target);
    DIR *d = opendir(dir);
    /* A target with no finding yet has no regressions directory in a
     * clone (git keeps no empty directory); its corpus must be there. */
    if (!d && errno == ENOENT && strcmp(kind, "regressions") == 0) return 0;
    if (!d) fail_msg("cannot open %s", dir);
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < sizeof names / sizeof names[0])
        if (de->d_name[0] != '.' && strcmp(de->d_name, "README.md") != 0)
            names[n++] = strdup(de->d_name);
    closedir(d);
    qsort(names, n, sizeof names[0], by_name);
    for (size_t k = 0; k < n; k++) {
        size_t len = 0;
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        char *data = test_read_file(path, &len);
        assert_non_null(data);
        double t0 = test_now();
        fn((const uint8_t *)data, len);
        double dt = test_now() - t0;
        /* An input that takes long is a finding too (libFuzzer's -timeout);
         * name it so that it is easy to see. */
        if (dt > SLOW_INPUT_S) fprintf(stderr, "  %s/%s: %.2f s\n", target, names[k], dt);
        if (dt > SLOW_INPUT_FAIL_S)
            fail_msg("%s/%s/%s took %.0f s (a hang or a size blow-up)", kind, target, names[k], dt);
        free(data);
        free(names[k]);
    }
    return n;
}

static void check_target(const char *target, harness_fn fn)
{
    size_t seeds = replay("corpus", target, fn);
    size_t found = replay("regressions", target, fn);
    fprintf(stderr, "fuzz_%s: %zu seeds and %zu regression inputs replayed\n", target, seeds,
            found);
    /* An empty corpus would make this test and the fuzz run pointless. */
    assert_true(seeds >= 5);
}

static void test_csv(void **state)
{
    (void)state;
    check_target("csv", saksi_fuzz_csv);
}

static void test_colmap(void **state)
{
    (void)state;
    check_target("colmap", saksi_fuzz_colmap);
}

static void test_rules(void **state)
{
    (void)state;
    check_target("rules", saksi_fuzz_rules);
}

static void test_sirekap(void **state)
{
    (void)state;
    check_target("sirekap", saksi_fuzz_sirekap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_colmap),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_sirekap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
