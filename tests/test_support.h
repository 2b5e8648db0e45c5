/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_support.h — helpers shared by the cmocka tests: a floating-point
 * tolerance assert (Debian's cmocka 1.1.5 has none), temporary directories,
 * paths to the source tree and ../shared, and running the CLI.
 */
#ifndef SAKSI_TEST_SUPPORT_H
#define SAKSI_TEST_SUPPORT_H

#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* |a - b| <= tol, with both values in the failure message. */
#define assert_close(a, b, tol)                                                                    \
    do {                                                                                           \
        double a_ = (a), b_ = (b), t_ = (tol);                                                     \
        if (!(fabs(a_ - b_) <= t_))                                                                \
            fail_msg("%s = %.17g, expected %s = %.17g within %g", #a, a_, #b, b_, t_);            \
    } while (0)

/* A fresh directory under $TMPDIR (or /tmp); the caller removes it with
 * test_rmtree(). */
static inline char *test_mkdtemp(const char *tag)
{
    const char *base = getenv("TMPDIR");
    char *path = malloc(4096);
    snprintf(path, 4096, "%s/saksi-%s-XXXXXX", base && *base ? base : "/tmp", tag);
    if (!mkdtemp(path)) {
        free(path);
        return NULL;
    }
    return path;
}

static inline void test_rmtree(char *path)
{
    if (!path)
        return;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", path);
    free(path);
}

/* Write a whole file; returns 0 on success. */
static inline int test_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t len = strlen(text);
    int ok = fwrite(text, 1, len, f) == len;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* Read a whole file into a malloc'd, NUL-terminated buffer. */
static inline char *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
    }
    fclose(f);
    buf[n] = 0;
    if (len)
        *len = n;
    return buf;
}

/* Path of a real dataset under ../shared/datasets/real, or NULL (with a
 * message saying so) when the shared folder is absent. */
static inline const char *test_shared_dir(void)
{
    const char *d = getenv("SAKSI_SHARED_DIR");
    static char buf[4096];
    if (!d || !*d) {
        snprintf(buf, sizeof buf, "%s/../shared", SAKSI_SOURCE_DIR);
        d = buf;
    }
    struct stat st;
    if (stat(d, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "note: %s is absent; real-data tests are skipped\n", d);
        return NULL;
    }
    return d;
}

/* Run a shell command; returns its exit status (or -1). */
static inline int test_run(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

/* Put the German UTF-8 locale (a decimal comma) in effect for category:
 * the system's (1), or one compiled with localedef into dir, which LOCPATH
 * then names for this process and its children (2); 0 when neither works
 * (Debian: package locales, which .ci/setup installs; a fresh system has
 * no de_DE generated). */
static inline int test_comma_locale(int category, const char *dir)
{
    if (setlocale(category, "de_DE.UTF-8")) return 1;
    /* localedef exits 1 on mere warnings */
    if (test_run("mkdir -p '%s' && localedef -i de_DE -f UTF-8 '%s/de_DE.UTF-8' >/dev/null 2>&1",
                 dir, dir) > 1)
        return 0;
    setenv("LOCPATH", dir, 1);
    return setlocale(category, "de_DE.UTF-8") ? 2 : 0;
}

#endif /* SAKSI_TEST_SUPPORT_H */
