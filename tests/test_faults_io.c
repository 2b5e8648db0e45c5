/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_faults_io.c — I/O failures on read and on write (issue 7 §3): an
 * input that cannot be opened or read (EIO in the middle, EINTR), a rules
 * file and a column map whose reads fail, and every step of writing the
 * report failing in turn (creating the temporary, a full disk on the
 * buffered CSV writes and on report.h5 — real ENOSPC from /dev/full —,
 * fwrite, fflush, fsync of the file and of the directory, fclose, rename),
 * plus the CLI under a file-size limit (EFBIG) and with unusable paths.
 * Each must end in the right status and exit code with a message naming
 * the file and the reason, leave no temporary, and keep what was under the
 * real names: a file is either the previous report's, untouched, or the
 * new run's, complete. The failing calls are wrapped at link time; a
 * failed read or getline is made real (the stream's error flag set by the
 * C library itself) by pointing the stream's descriptor at a directory.
 * LABELS: unit
 * WRAP: read open fread getline fwrite fflush fsync fclose rename
 */
#define _GNU_SOURCE /* getline */
#include "reliability_support.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/resource.h>

/* ------------------------------------------------------------------ */
/* Wrapped calls                                                       */
/* ------------------------------------------------------------------ */

/* The armed fault: the at-th call (from 1) of fn fails with errno err.
 * "open" counts only opens of report temporaries; "open-full" makes such
 * a temporary's descriptor /dev/full (writes fail with ENOSPC). */
static struct {
    int armed;
    const char *fn;
    int at, calls, err;
} F;

static void arm(const char *fn, int at, int err)
{
    F.armed = 1;
    F.fn = fn;
    F.at = at;
    F.calls = 0;
    F.err = err;
}

static void disarm(void)
{
    F.armed = 0;
}

static int hit(const char *fn)
{
    if (!F.armed || strcmp(fn, F.fn) != 0) return 0;
    return ++F.calls == F.at;
}

/* Make the next read on f fail inside the C library: its descriptor now
 * refers to a directory (read gives EISDIR and the stream's error flag is
 * set, as for a real read error); errno is then set to the armed one. */
static void break_stream(FILE *f)
{
    int d = open("/", O_RDONLY | O_DIRECTORY);
    assert_true(d >= 0);
    assert_true(dup2(d, fileno(f)) >= 0);
    close(d);
}

#define DECLARE(fn) __typeof__(fn) __real_##fn, __wrap_##fn
DECLARE(read);
DECLARE(fread);
DECLARE(getline);
DECLARE(fwrite);
DECLARE(fflush);
DECLARE(fsync);
DECLARE(fclose);
DECLARE(rename);
int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);

ssize_t __wrap_read(int fd, void *buf, size_t n)
{
    if (hit("read")) {
        errno = F.err;
        return -1;
    }
    return __real_read(fd, buf, n);
}

int __wrap_open(const char *path, int flags, ...)
{
    int mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, int);
        va_end(ap);
    }
    int tmp = strstr(path, ".tmp-") != NULL;
    if (tmp && hit("open")) {
        errno = F.err;
        return -1;
    }
    int fd = __real_open(path, flags, mode);
    if (fd >= 0 && tmp && hit("open-full")) {
        /* The temporary exists on disk, but its writes go to /dev/full. */
        int full = __real_open("/dev/full", O_WRONLY);
        assert_true(full >= 0);
        dup2(full, fd);
        close(full);
    }
    return fd;
}

size_t __wrap_fread(void *p, size_t size, size_t n, FILE *f)
{
    if (hit("fread")) {
        break_stream(f);
        size_t got = __real_fread(p, size, n, f);
        errno = F.err;
        return got;
    }
    return __real_fread(p, size, n, f);
}

ssize_t __wrap_getline(char **line, size_t *cap, FILE *f)
{
    if (hit("getline")) {
        break_stream(f);
        ssize_t got = __real_getline(line, cap, f);
        errno = F.err;
        return got;
    }
    return __real_getline(line, cap, f);
}

size_t __wrap_fwrite(const void *p, size_t size, size_t n, FILE *f)
{
    if (hit("fwrite")) { /* a short write: half of it */
        size_t got = __real_fwrite(p, size, n / 2, f);
        errno = F.err;
        return got;
    }
    return __real_fwrite(p, size, n, f);
}

int __wrap_fflush(FILE *f)
{
    if (hit("fflush")) {
        errno = F.err;
        return EOF;
    }
    return __real_fflush(f);
}

int __wrap_fsync(int fd)
{
    if (hit("fsync")) {
        errno = F.err;
        return -1;
    }
    return __real_fsync(fd);
}

/* A failing fclose still closes the stream (C11 7.21.5.1). */
int __wrap_fclose(FILE *f)
{
    if (hit("fclose")) {
        __real_fclose(f);
        errno = F.err;
        return EOF;
    }
    return __real_fclose(f);
}

int __wrap_rename(const char *from, const char *to)
{
    if (hit("rename")) {
        errno = F.err;
        return -1;
    }
    return __real_rename(from, to);
}

/* ------------------------------------------------------------------ */
/* Fixtures: two elections, so that "the previous report" differs from */
/* the new one in every file                                           */
/* ------------------------------------------------------------------ */

static char *dir;
static char input[4300], old_input[4300];
static rel_reference new_ref, old_ref;

static int group_setup(void **state)
{
    (void)state;
    char sub[4200], out[4400];
    saksi_config cfg;
    saksi_error err = {0};
    dir = test_mkdtemp("faults-io");
    if (!dir) return -1;
    snprintf(sub, sizeof sub, "%s/new", dir);
    if (mkdir(sub, 0777) != 0 || rel_make_input(sub, 300, 21, 0.03) != 0) return -1;
    snprintf(input, sizeof input, "%s/input.csv", sub);
    snprintf(sub, sizeof sub, "%s/old", dir);
    if (mkdir(sub, 0777) != 0 || rel_make_input(sub, 200, 22, 0.03) != 0) return -1;
    snprintf(old_input, sizeof old_input, "%s/input.csv", sub);
    rel_config(&cfg);
    snprintf(out, sizeof out, "%s/new-ref", dir);
    if (rel_audit(&cfg, input, out, &err) != SAKSI_OK) return -1;
    rel_reference_read(&new_ref, out);
    snprintf(out, sizeof out, "%s/old-ref", dir);
    if (rel_audit(&cfg, old_input, out, &err) != SAKSI_OK) return -1;
    rel_reference_read(&old_ref, out);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    rel_reference_free(&new_ref);
    rel_reference_free(&old_ref);
    test_rmtree(dir);
    return 0;
}

/* Copy the previous report into out (created). */
static void put_old_report(const char *out)
{
    assert_int_equal(
        test_run("rm -rf '%s' && mkdir -p '%s' && cp '%s/old-ref/'* '%s/'", out, out, dir, out), 0);
}

/* The outputs whose bytes differ between the two elections (a class with
 * no station is a header alone in both): only of these can one tell
 * whether the file is the old or the new. */
static int distinct_outputs(void)
{
    int mask = 0;
    for (int k = 0; k < REL_NOUTPUTS; k++)
        if (old_ref.len[k] != new_ref.len[k] ||
            memcmp(old_ref.data[k], new_ref.data[k], new_ref.len[k]) != 0)
            mask |= 1 << k;
    return mask;
}

/* Every output in out is the old report's file or the new one's, whole;
 * no temporary. Returns a mask: bit k set when output k is the new one
 * (and not also the old one's bytes). */
static int check_old_or_new(const char *out, const char *what)
{
    int newer = 0;
    char path[4400];
    if (rel_count_tmp(out) != 0) fail_msg("%s: a temporary is left in %s", what, out);
    for (int k = 0; k < REL_NOUTPUTS; k++) {
        size_t len = 0;
        snprintf(path, sizeof path, "%s/%s", out, rel_outputs[k]);
        char *data = test_read_file(path, &len);
        if (!data) fail_msg("%s: %s is gone (the previous report must stay)", what, rel_outputs[k]);
        if (len == new_ref.len[k] && memcmp(data, new_ref.data[k], len) == 0)
            newer |= (1 << k) & distinct_outputs();
        else if (len != old_ref.len[k] || memcmp(data, old_ref.data[k], len) != 0)
            fail_msg("%s: %s is neither the previous report's nor the new one's", what,
                     rel_outputs[k]);
        free(data);
    }
    return newer;
}

/* Ingest and run undisturbed, then write the report with fn's at-th call
 * failing with errno e. */
static saksi_status write_with_fault(const char *out, const char *fn, int at, int e,
                                     saksi_error *err)
{
    saksi_config cfg;
    rel_config(&cfg);
    saksi_engine *eng = saksi_engine_alloc(&cfg);
    assert_non_null(eng);
    assert_int_equal(saksi_engine_ingest(eng, input, err), SAKSI_OK);
    assert_int_equal(saksi_engine_run(eng, err), SAKSI_OK);
    arm(fn, at, e);
    saksi_status st = saksi_engine_write_report(eng, out, err);
    int reached = F.calls >= at;
    disarm();
    saksi_engine_free(eng);
    if (!reached) fail_msg("%s was called %d times while writing, not %d", fn, F.calls, at);
    return st;
}

/* ------------------------------------------------------------------ */
/* Writing the report                                                  */
/* ------------------------------------------------------------------ */

static void test_every_write_step_fails(void **state)
{
    (void)state;
    /* Calls while writing: the outputs in rel_outputs' order (report.h5,
     * ranked.csv, quarantine.csv, then the five class CSVs, regions.csv
     * and report.html drawn from report.h5); each file: open its
     * temporary, write, fflush, fsync, fclose, rename, fsync of the
     * directory (so file k's fsync is call 2k + 1, its directory's 2k + 2).
     * `newer` is the mask of outputs that must then be the new run's. */
    static const struct {
        const char *fn;
        int at, err;
        saksi_status status;
        const char *want;
        int newer;
    } cases[] = {
        {"open", 1, EACCES, SAKSI_ERR_CANTCREAT, "report.h5: cannot create", 0},
        {"open", 2, EMFILE, SAKSI_ERR_CANTCREAT, "ranked.csv: cannot create", 1},
        {"open-full", 1, 0, SAKSI_ERR_IO, "No space left on device", 0},
        {"open-full", 2, 0, SAKSI_ERR_IO, "No space left on device", 1},
        {"open-full", 3, 0, SAKSI_ERR_IO, "No space left on device", 3},
        {"fwrite", 1, ENOSPC, SAKSI_ERR_IO, "No space left on device", 0},
        {"fflush", 2, EIO, SAKSI_ERR_IO, "ranked.csv: writing", 1},
        {"fsync", 1, EIO, SAKSI_ERR_IO, "Input/output error", 0},
        {"fsync", 3, EIO, SAKSI_ERR_IO, "Input/output error", 1},
        {"fclose", 1, ENOSPC, SAKSI_ERR_IO, "No space left on device", 0},
        {"fclose", 3, EDQUOT, SAKSI_ERR_IO, "quota", 3},
        {"rename", 1, EXDEV, SAKSI_ERR_IO, "cannot rename", 0},
        {"rename", 3, EIO, SAKSI_ERR_IO, "quarantine.csv: cannot rename", 3},
        /* The file is in place when its directory's fsync fails: the run
         * still says so (durability is not certain). */
        {"fsync", 2, EIO, SAKSI_ERR_IO, "fsync of directory", 1},
        /* The files drawn from report.h5 (issue 5) */
        {"open", 4, EACCES, SAKSI_ERR_CANTCREAT, "class_integrity.csv: cannot create", 7},
        {"open-full", 9, 0, SAKSI_ERR_IO, "No space left on device", 0xff},
        {"fclose", 10, ENOSPC, SAKSI_ERR_IO, "No space left on device", 0x1ff},
        {"rename", 10, EIO, SAKSI_ERR_IO, "report.html: cannot rename", 0x1ff},
        {"fsync", 20, EIO, SAKSI_ERR_IO, "fsync of directory", 0x3ff},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char out[4400], tag[96];
        saksi_error err = {0};
        snprintf(out, sizeof out, "%s/w%zu", dir, c);
        snprintf(tag, sizeof tag, "%s #%d (%s)", cases[c].fn, cases[c].at,
                 cases[c].err ? strerror(cases[c].err) : "/dev/full");
        put_old_report(out);
        saksi_status st = write_with_fault(out, cases[c].fn, cases[c].at, cases[c].err, &err);
        if (st != cases[c].status || !strstr(err.message, cases[c].want))
            fail_msg("%s: status %d, \"%s\" lacks \"%s\"", tag, st, err.message, cases[c].want);
        int newer = check_old_or_new(out, tag);
        if (newer != (cases[c].newer & distinct_outputs()))
            fail_msg("%s: new files mask %#x, expected %#x", tag, newer,
                     cases[c].newer & distinct_outputs());
    }
    /* Unarmed, the same write replaces them all. */
    char out[4400];
    saksi_error err = {0};
    snprintf(out, sizeof out, "%s/w-ok", dir);
    put_old_report(out);
    assert_int_equal(write_with_fault(out, "none", 0, 0, &err), SAKSI_OK);
    assert_int_equal(check_old_or_new(out, "unarmed"), distinct_outputs());
    /* Most outputs differ between the elections, report.html included. */
    assert_true((distinct_outputs() & 0x307) == 0x307);
}

/* A file system that cannot sync directories (EINVAL) is not an error. */
static void test_directory_fsync_einval_is_fine(void **state)
{
    (void)state;
    char out[4400];
    saksi_error err = {0};
    snprintf(out, sizeof out, "%s/einval", dir);
    put_old_report(out);
    assert_int_equal(write_with_fault(out, "fsync", 2, EINVAL, &err), SAKSI_OK);
    assert_int_equal(check_old_or_new(out, "EINVAL"), distinct_outputs());
}

/* ------------------------------------------------------------------ */
/* Reading the inputs                                                  */
/* ------------------------------------------------------------------ */

static saksi_status ingest_with_fault(const saksi_config *cfg, const char *path, const char *fn,
                                      int at, int e, saksi_error *err)
{
    saksi_engine *eng = saksi_engine_alloc(cfg);
    assert_non_null(eng);
    arm(fn, at, e);
    saksi_status st = saksi_engine_ingest(eng, path, err);
    if (st == SAKSI_OK) st = saksi_engine_run(eng, err);
    int reached = F.calls >= at;
    disarm();
    saksi_engine_free(eng);
    if (!reached) fail_msg("%s was called %d times, not %d", fn, F.calls, at);
    return st;
}

static void test_input_read_errors(void **state)
{
    (void)state;
    saksi_config cfg;
    saksi_error err = {0};
    rel_config(&cfg);
    /* EIO on the first read, and in the middle of the file (read buffers
     * of the library ingest: 1 KiB). */
    assert_int_equal(ingest_with_fault(&cfg, input, "read", 1, EIO, &err), SAKSI_ERR_IO);
    assert_non_null(strstr(err.message, "read error after 0 bytes: Input/output error"));
    assert_non_null(strstr(err.message, input));
    saksi_quarantine *q = saksi_quarantine_alloc();
    saksi_table *t = (saksi_table *)&t;
    saksi_ingest_options opt = {0};
    opt.buffer_bytes = 1024;
    arm("read", 7, EIO);
    assert_int_equal(saksi_ingest_csv(input, &opt, q, &t, NULL, &err), SAKSI_ERR_IO);
    disarm();
    assert_null(t);
    assert_non_null(strstr(err.message, "read error after 6144 bytes: Input/output error"));
    /* EINTR is retried: the same table as an undisturbed read. */
    saksi_table *t2 = NULL;
    saksi_quarantine *q2 = saksi_quarantine_alloc();
    arm("read", 3, EINTR);
    assert_int_equal(saksi_ingest_csv(input, &opt, q, &t, NULL, &err), SAKSI_OK);
    disarm();
    assert_int_equal(saksi_ingest_csv(input, &opt, q2, &t2, NULL, &err), SAKSI_OK);
    assert_int_equal(t->n, t2->n);
    for (size_t s = 0; s < t->nslots; s++)
        assert_memory_equal(t->cols + s * t->stride, t2->cols + s * t2->stride,
                            t->n * sizeof *t->cols);
    saksi_table_free(t);
    saksi_table_free(t2);
    saksi_quarantine_free(q);
    saksi_quarantine_free(q2);

    /* The rules file's fread and the column map's getline fail. */
    char rules[4400], map[4400];
    snprintf(rules, sizeof rules, "%s/datasets/rules/indonesia.rules", SAKSI_SOURCE_DIR);
    snprintf(map, sizeof map, "%s/input.map", dir);
    assert_int_equal(test_write_file(map, "registered = registered\n"), 0);
    cfg.rules_path = rules;
    assert_int_equal(ingest_with_fault(&cfg, input, "fread", 1, EIO, &err), SAKSI_ERR_IO);
    assert_non_null(strstr(err.message, "cannot read rules file"));
    assert_non_null(strstr(err.message, rules));
    cfg.rules_path = NULL;
    cfg.map_path = map;
    assert_int_equal(ingest_with_fault(&cfg, input, "getline", 1, EIO, &err), SAKSI_ERR_IO);
    assert_non_null(strstr(err.message, "error reading column map"));
    assert_non_null(strstr(err.message, map));
}

/* ------------------------------------------------------------------ */
/* The CLI: exit codes                                                 */
/* ------------------------------------------------------------------ */

/* Run the CLI (stderr into dir/cli.stderr) and return its exit status. */
static int cli(const char *fmt, ...)
{
    char args[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return test_run("'%s' %s 2> '%s/cli.stderr'", SAKSI_CLI, args, dir);
}

static char *cli_stderr(void)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/cli.stderr", dir);
    return test_read_file(path, NULL);
}

static void test_cli_unusable_paths(void **state)
{
    (void)state;
    char out[4400], file[4400];
    snprintf(out, sizeof out, "%s/cli-out", dir);
    /* No such input: 66. */
    assert_int_equal(cli("audit '%s/absent.csv' -o '%s' --backend cpu", dir, out), 66);
    char *msg = cli_stderr();
    assert_non_null(strstr(msg, "No such file or directory"));
    free(msg);
    /* (A directory is an input now: a tree of Sirekap JSON documents.) A
     * path through a regular file: 66. */
    assert_int_equal(cli("audit '%s/x' -o '%s' --backend cpu", input, out), 66);
    msg = cli_stderr();
    assert_non_null(strstr(msg, "Not a directory"));
    free(msg);
    /* Unreadable (mode 000). Root reads it anyway: as root, the CLI runs
     * as nobody (setpriv, util-linux) with the directory made passable. */
    snprintf(file, sizeof file, "%s/unreadable.csv", dir);
    assert_int_equal(test_run("cp '%s' '%s' && chmod 000 '%s'", input, file, file), 0);
    const char *as = "";
    if (geteuid() == 0) {
        assert_int_equal(chmod(dir, 0711), 0);
        as = "setpriv --reuid=65534 --regid=65534 --clear-groups";
    }
    assert_int_equal(test_run("%s '%s' audit '%s' -o '%s' --backend cpu 2> '%s/cli.stderr'", as,
                              SAKSI_CLI, file, out, dir),
                     66);
    msg = cli_stderr();
    assert_non_null(strstr(msg, "Permission denied"));
    free(msg);
    /* The output directory cannot be made (a file is in the way): 73. */
    snprintf(file, sizeof file, "%s/a-file", dir);
    assert_int_equal(test_write_file(file, "x"), 0);
    assert_int_equal(cli("audit '%s' -o '%s/sub' --backend cpu", input, file), 73);
    msg = cli_stderr();
    assert_non_null(strstr(msg, "cannot create directory"));
    free(msg);
    /* A rules file that is a directory: fread fails for real (EISDIR). */
    assert_int_equal(cli("audit '%s' -o '%s' --backend cpu --rules '%s'", input, out, dir), 74);
    msg = cli_stderr();
    assert_non_null(strstr(msg, "cannot read rules file"));
    free(msg);
}

/* A file-size limit (RLIMIT_FSIZE) below the size of report.h5: the write
 * fails with EFBIG (SIGXFSZ ignored, as a shell's `ulimit -f` with a trap
 * would), exit 74, and the previous report stays whole. */
static void test_cli_file_size_limit(void **state)
{
    (void)state;
    char out[4400];
    snprintf(out, sizeof out, "%s/fsize", dir);
    put_old_report(out);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = {new_ref.len[0] / 2, new_ref.len[0] / 2};
        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(126);
        char errfile[4400];
        snprintf(errfile, sizeof errfile, "%s/fsize.stderr", dir);
        if (!freopen(errfile, "w", stderr)) _exit(126);
        execl(SAKSI_CLI, SAKSI_CLI, "audit", input, "-o", out, "--backend", "cpu", "--reproducible",
              "-q", (char *)NULL);
        _exit(127);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 74);
    char path[4400];
    snprintf(path, sizeof path, "%s/fsize.stderr", dir);
    char *msg = test_read_file(path, NULL);
    assert_non_null(strstr(msg, "report.h5"));
    assert_non_null(strstr(msg, "File too large"));
    free(msg);
    assert_int_equal(check_old_or_new(out, "RLIMIT_FSIZE"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_write_step_fails),
        cmocka_unit_test(test_directory_fsync_einval_is_fine),
        cmocka_unit_test(test_input_read_errors),
        cmocka_unit_test(test_cli_unusable_paths),
        cmocka_unit_test(test_cli_file_size_limit),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
