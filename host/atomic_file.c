/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * atomic_file.c — output files that appear whole or not at all: written under
 * "<path>.tmp-<pid>", flushed, fsynced, renamed over the real name and the
 * directory fsynced; on failure the temporary is removed. Also removes the
 * temporaries of runs that died (their pid no longer exists), and makes the
 * output directories (mkdir -p).
 */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* The suffix every temporary carries; saksi_atomic_clean_stale looks for it. */
#define TMP_SUFFIX ".tmp-"

/* Room for "<path>.tmp-<pid>" whatever path fits a->path: no truncation. */
_Static_assert(sizeof(((saksi_atomic_file *)0)->tmp) >=
                   sizeof(((saksi_atomic_file *)0)->path) + sizeof TMP_SUFFIX + 20,
               "saksi_atomic_file.tmp too small");

/* Directory part of path into buf ("." when path has no slash). */
static void dir_of(char *buf, size_t len, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(buf, len, ".");
    } else if (slash == path) {
        snprintf(buf, len, "/");
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= len)
            n = len - 1;
        memcpy(buf, path, n);
        buf[n] = 0;
    }
}

/* fsync a directory so that a rename inside it survives a crash. EINVAL
 * means the file system cannot sync directories (some network and FUSE
 * file systems): there is nothing more we can do, so it is not an error. */
static saksi_status fsync_dir(const char *path, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    char dir[4096];
    int fd = -1;
    dir_of(dir, sizeof dir, path);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        SAKSI_FAIL(SAKSI_ERR_IO, "%s: cannot open directory %s to sync it: %s", path, dir,
                   strerror(errno));
    if (fsync(fd) != 0 && errno != EINVAL)
        SAKSI_FAIL(SAKSI_ERR_IO, "%s: fsync of directory %s failed: %s", path, dir,
                   strerror(errno));
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

saksi_status saksi_atomic_open(saksi_atomic_file *a, const char *path, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    int fd = -1;
    memset(a, 0, sizeof *a);
    if (strlen(path) >= sizeof a->path)
        SAKSI_FAIL(SAKSI_ERR_CANTCREAT, "output path too long (%zu bytes): %.200s...", strlen(path),
                   path);
    memcpy(a->path, path, strlen(path) + 1);
    snprintf(a->tmp, sizeof a->tmp, "%s" TMP_SUFFIX "%ld", path, (long)getpid());
    fd = open(a->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        SAKSI_FAIL(SAKSI_ERR_CANTCREAT, "%s: cannot create %s: %s", path, a->tmp, strerror(errno));
    a->f = fdopen(fd, "wb");
    if (!a->f) {
        int e = errno;
        close(fd);
        unlink(a->tmp);
        SAKSI_FAIL(SAKSI_ERR_CANTCREAT, "%s: cannot open a stream on %s: %s", path, a->tmp,
                   strerror(e));
    }
out:
    if (rc != SAKSI_OK)
        a->tmp[0] = 0;
    return rc;
}

saksi_status saksi_atomic_commit(saksi_atomic_file *a, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    FILE *f = a->f;
    a->f = NULL;
    if (!f)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "%s: commit of a file that is not open", a->path);
    /* ferror catches an earlier failed write that fflush would not repeat;
     * errno still holds that write's reason when nothing failed since. */
    int e = errno;
    int bad = ferror(f) != 0;
    if (!bad && (fflush(f) != 0 || fsync(fileno(f)) != 0)) {
        bad = 1;
        e = errno;
    }
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad)
        SAKSI_FAIL(SAKSI_ERR_IO, "%s: writing %s failed: %s", a->path, a->tmp,
                   e ? strerror(e) : "write error");
    /* A stop requested while the file was written (SIGINT, SIGTERM) is
     * honoured here, the last moment before it appears under its name:
     * writers without a check of their own in their loops (the class CSVs,
     * regions.csv, report.html, which take seconds on a national file) then
     * stop too, with no file, instead of finishing as if no signal came. */
    if (saksi_stop_requested())
        SAKSI_FAIL(SAKSI_ERR_INTERRUPTED, "%s: interrupted while writing", a->path);
    if (rename(a->tmp, a->path) != 0)
        SAKSI_FAIL(SAKSI_ERR_IO, "%s: cannot rename %s over it: %s", a->path, a->tmp,
                   strerror(errno));
    a->tmp[0] = 0;
    /* The file is in place now; a failed directory sync only weakens
     * durability, but the caller is told. */
    SAKSI_TRY(fsync_dir(a->path, err));
out:
    if (a->tmp[0])
        unlink(a->tmp);
    a->tmp[0] = 0;
    return rc;
}

void saksi_atomic_abort(saksi_atomic_file *a)
{
    if (a->f) {
        fclose(a->f);
        a->f = NULL;
    }
    if (a->tmp[0]) {
        unlink(a->tmp);
        a->tmp[0] = 0;
    }
}

/* pid of a name ending in ".tmp-<digits>", or 0 when it is not one. */
static pid_t tmp_pid(const char *name)
{
    const char *p = NULL;
    for (const char *s = strstr(name, TMP_SUFFIX); s; s = strstr(s + 1, TMP_SUFFIX))
        p = s;
    if (!p || p == name)
        return 0;
    p += strlen(TMP_SUFFIX);
    if (*p < '1' || *p > '9')
        return 0;
    char *end;
    errno = 0;
    long v = strtol(p, &end, 10);
    if (errno != 0 || *end != 0 || v <= 0 || (long)(pid_t)v != v)
        return 0;
    return (pid_t)v;
}

void saksi_atomic_clean_stale(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        pid_t pid = tmp_pid(de->d_name);
        if (pid == 0 || pid == getpid())
            continue;
        /* ESRCH: no such process, so no run can still be writing it. EPERM
         * means it exists under another user: leave it. */
        if (kill(pid, 0) == 0 || errno != ESRCH)
            continue;
        char full[8192];
        int w = snprintf(full, sizeof full, "%s/%s", dir, de->d_name);
        if (w < 0 || (size_t)w >= sizeof full)
            continue;
        struct stat st;
        if (lstat(full, &st) == 0 && S_ISREG(st.st_mode))
            unlink(full);
    }
    closedir(d);
}

saksi_status saksi_make_dirs(const char *dir, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    char path[4096];
    struct stat st;
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        SAKSI_FAIL(SAKSI_ERR_CANTCREAT, "output directory name too long");
    for (char *p = path + 1;; p++) {
        if (*p && *p != '/') continue;
        char c = *p;
        *p = 0;
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            SAKSI_FAIL(SAKSI_ERR_CANTCREAT, "%s: cannot create directory: %s", path,
                       strerror(errno));
        *p = c;
        if (!c) break;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        SAKSI_FAIL(SAKSI_ERR_CANTCREAT, "%s: cannot create directory: a file of that name exists",
                   dir);
out:
    return rc;
}
