/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_support.h — helpers shared by the libFuzzer targets in tests/fuzz and
 * by tests/test_fuzz_regressions.c, which replays their corpus and every
 * crash ever found through the same functions: fuzz bytes as a file (a
 * memfd, no disk), a private output directory, and an invariant check that
 * aborts, so that a wrong answer is a finding just like a crash.
 */
#ifndef SAKSI_FUZZ_SUPPORT_H
#define SAKSI_FUZZ_SUPPORT_H

#define _GNU_SOURCE /* memfd_create */
#include "report.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Every harness: saksi_fuzz_<name>(data, size) returns 0 (libFuzzer's
 * contract) and aborts on a broken invariant. */
int saksi_fuzz_csv(const uint8_t *data, size_t size);
int saksi_fuzz_colmap(const uint8_t *data, size_t size);
int saksi_fuzz_rules(const uint8_t *data, size_t size);
int saksi_fuzz_sirekap(const uint8_t *data, size_t size);

/* Abort with a message: libFuzzer saves the input as a crash artifact. */
#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz invariant broken at %s:%d: %s\n  ", __FILE__, __LINE__, #cond);  \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* An in-memory file holding data, readable by name as /proc/self/fd/N (the
 * readers open files by path). Returns the fd (close it), or -1. */
static inline int fuzz_memfile(const void *data, size_t size, char *path, size_t len)
{
    int fd = memfd_create("saksi-fuzz", MFD_CLOEXEC);
    if (fd < 0) return -1;
    const char *p = data;
    while (size > 0) {
        ssize_t w = write(fd, p, size);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        p += w;
        size -= (size_t)w;
    }
    snprintf(path, len, "/proc/self/fd/%d", fd);
    return fd;
}

/* Remove every file in dir (the harness's output directory holds files
 * only). */
static inline void fuzz_empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[4096 + 512];
    if (!d) return;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        unlink(path);
    }
    closedir(d);
}

static char fuzz_dir_path[4096];

static void fuzz_dir_remove(void)
{
    fuzz_empty_dir(fuzz_dir_path);
    rmdir(fuzz_dir_path);
}

/* A private output directory for this process (in /dev/shm when it is
 * there: no disk traffic), emptied on each call and removed at exit. */
static inline const char *fuzz_out_dir(void)
{
    if (!fuzz_dir_path[0]) {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "%s/saksi-fuzz-XXXXXX", base);
        if (!mkdtemp(fuzz_dir_path)) {
            perror("saksi fuzz: mkdtemp");
            abort();
        }
        atexit(fuzz_dir_remove);
    }
    fuzz_empty_dir(fuzz_dir_path);
    return fuzz_dir_path;
}

/* Names in dir that are temporaries of the atomic writer (".tmp-"). */
static inline int fuzz_count_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    if (!d) return 0;
    while ((de = readdir(d)) != NULL)
        n += strstr(de->d_name, ".tmp-") != NULL;
    closedir(d);
    return n;
}

/* The audit configuration of the harnesses: the CPU path, reproducible,
 * and the fingerprint histograms at 8 bins a side with 2 shape bootstrap
 * replicates. At the defaults (100 x 100 bins per province and stratum,
 * deflated into report.h5; 20 replicates) a 5-line input took ~60 ms
 * under ASan and coverage, and fuzz_csv ran 16 inputs a second; the code
 * paths are the same at any bin and replicate count. */
static inline void fuzz_config(saksi_config *cfg)
{
    saksi_config_init(cfg);
    cfg->backend = SAKSI_BACKEND_CPU;
    cfg->reproducible = 1;
    cfg->fingerprint_bins = 8;
    cfg->shape_bootstrap = 2;
}

/* A saksi_error that is filled whenever a call fails. */
static inline void fuzz_check_error(saksi_status st, const saksi_error *err, const char *what)
{
    FUZZ_CHECK(st > SAKSI_OK && st < SAKSI_NSTATUS, "%s: status %d", what, (int)st);
    FUZZ_CHECK(err->status == st, "%s: status %d but error records %d", what, (int)st,
               (int)err->status);
    FUZZ_CHECK(err->message[0] != 0, "%s: status %d with an empty message", what, (int)st);
    FUZZ_CHECK(memchr(err->message, 0, sizeof err->message) != NULL, "%s: unterminated", what);
    /* A hostile input must never look like a bug in saksi or a crash in a
     * resource: only statuses that describe the input (or a stop). */
    FUZZ_CHECK(st != SAKSI_ERR_INTERNAL, "%s: internal error: %s", what, err->message);
}

#endif /* SAKSI_FUZZ_SUPPORT_H */
