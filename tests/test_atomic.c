/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_atomic.c — atomic output files: a committed file appears whole, an
 * aborted or failed one leaves neither the real name nor a temporary, a
 * failed write keeps the previous file, and stale temporaries of dead runs
 * are removed while those of live processes stay.
 * LABELS: unit
 */
#include "test_support.h"

#include "report.h"

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>

/* Number of entries of dir whose name contains ".tmp-". */
static int count_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    assert_non_null(d);
    for (struct dirent *de; (de = readdir(d)) != NULL;)
        n += strstr(de->d_name, ".tmp-") != NULL;
    closedir(d);
    return n;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void test_commit_publishes_whole_file(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("atomic");
    char path[4200], expect_tmp[4300];
    snprintf(path, sizeof path, "%s/out.csv", dir);
    snprintf(expect_tmp, sizeof expect_tmp, "%s.tmp-%ld", path, (long)getpid());
    saksi_atomic_file a;
    saksi_error err = {0};
    assert_int_equal(saksi_atomic_open(&a, path, &err), SAKSI_OK);
    assert_string_equal(a.tmp, expect_tmp);
    fputs("a,b\n1,2\n", a.f);
    /* Before commit only the temporary exists. */
    assert_false(exists(path));
    assert_true(exists(expect_tmp));
    assert_int_equal(saksi_atomic_commit(&a, &err), SAKSI_OK);
    size_t len;
    char *text = test_read_file(path, &len);
    assert_string_equal(text, "a,b\n1,2\n");
    free(text);
    assert_int_equal(count_tmp(dir), 0);
    /* Abort after commit is a no-op: the published file stays. */
    saksi_atomic_abort(&a);
    assert_true(exists(path));
    test_rmtree(dir);
}

static void test_abort_leaves_nothing(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("atomic");
    char path[4200];
    snprintf(path, sizeof path, "%s/out.csv", dir);
    saksi_atomic_file a;
    saksi_error err = {0};
    assert_int_equal(saksi_atomic_open(&a, path, &err), SAKSI_OK);
    fputs("half a file", a.f);
    saksi_atomic_abort(&a);
    assert_false(exists(path));
    assert_int_equal(count_tmp(dir), 0);
    test_rmtree(dir);
}

static void test_open_in_missing_directory_fails(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("atomic");
    char path[4200];
    snprintf(path, sizeof path, "%s/no/such/dir/out.csv", dir);
    saksi_atomic_file a;
    saksi_error err = {0};
    assert_int_equal(saksi_atomic_open(&a, path, &err), SAKSI_ERR_CANTCREAT);
    assert_non_null(strstr(err.message, "No such file or directory"));
    assert_null(a.f);
    saksi_atomic_abort(&a); /* safe after a failed open */

    /* A path longer than the struct holds is refused, not truncated. */
    char *longp = malloc(5000);
    memset(longp, 'x', 4999);
    longp[4999] = 0;
    assert_int_equal(saksi_atomic_open(&a, longp, &err), SAKSI_ERR_CANTCREAT);
    assert_non_null(strstr(err.message, "too long"));
    free(longp);

    /* Commit of something never opened is a bug, reported as one. */
    memset(&a, 0, sizeof a);
    assert_int_equal(saksi_atomic_commit(&a, &err), SAKSI_ERR_INTERNAL);
    test_rmtree(dir);
}

/* The real name is a directory: rename fails, the temporary is removed and
 * the directory is untouched. */
static void test_failed_rename_removes_temporary(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("atomic");
    char path[4200], inner[4300];
    snprintf(path, sizeof path, "%s/out.csv", dir);
    snprintf(inner, sizeof inner, "%s/keep", path);
    assert_int_equal(mkdir(path, 0755), 0);
    assert_int_equal(test_write_file(inner, "kept"), 0);
    saksi_atomic_file a;
    saksi_error err = {0};
    assert_int_equal(saksi_atomic_open(&a, path, &err), SAKSI_OK);
    fputs("x\n", a.f);
    assert_int_equal(saksi_atomic_commit(&a, &err), SAKSI_ERR_IO);
    assert_non_null(strstr(err.message, "cannot rename"));
    assert_int_equal(count_tmp(dir), 0);
    assert_true(exists(inner));

    test_rmtree(dir);
}

/* A write that fails half-way (file size limit: EFBIG, as on a full disk)
 * is reported, removes the temporary and keeps the previous file. */
static void test_failed_write_keeps_previous_file(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("atomic");
    char path[4200];
    snprintf(path, sizeof path, "%s/out.csv", dir);
    assert_int_equal(test_write_file(path, "previous\n"), 0);

    saksi_atomic_file a;
    saksi_error err = {0};
    assert_int_equal(saksi_atomic_open(&a, path, &err), SAKSI_OK);
    struct rlimit old, small;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small = old;
    small.rlim_cur = 1024;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    for (int k = 0; k < 1000; k++)
        fputs("0123456789012345678901234567890123456789\n", a.f);
    saksi_status rc = saksi_atomic_commit(&a, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_handler);

    assert_int_equal(rc, SAKSI_ERR_IO);
    assert_non_null(strstr(err.message, "writing"));
    assert_int_equal(count_tmp(dir), 0);
    char *text = test_read_file(path, NULL);
    assert_string_equal(text, "previous\n");
    free(text);
    test_rmtree(dir);
}

/* pid of a process that has exited and been reaped. */
static pid_t dead_pid(void)
{
    pid_t p = fork();
    assert_true(p >= 0);
    if (p == 0)
        _exit(0);
    int st;
    assert_int_equal(waitpid(p, &st, 0), p);
    return p;
}

static void test_clean_stale(void **state)
{
    (void)state;
    char *dir = test_mkdtemp("atomic");
    char dead[4300], mine[4300], parent[4300], word[4300], dead_dir[4300], plain[4300];
    pid_t d = dead_pid();
    /* kill(d, 0) must say ESRCH, or the premise of the test is gone. */
    assert_int_equal(kill(d, 0), -1);
    snprintf(dead, sizeof dead, "%s/report.h5.tmp-%ld", dir, (long)d);
    snprintf(mine, sizeof mine, "%s/ranked.csv.tmp-%ld", dir, (long)getpid());
    snprintf(parent, sizeof parent, "%s/ranked.csv.tmp-%ld", dir, (long)getppid());
    snprintf(word, sizeof word, "%s/notes.tmp-abc", dir);
    snprintf(plain, sizeof plain, "%s/report.h5", dir);
    assert_int_equal(test_write_file(dead, "x"), 0);
    assert_int_equal(test_write_file(mine, "x"), 0);
    assert_int_equal(test_write_file(parent, "x"), 0);
    assert_int_equal(test_write_file(word, "x"), 0);
    assert_int_equal(test_write_file(plain, "x"), 0);
    /* A directory with a dead pid's name is not ours to remove. */
    pid_t d2 = dead_pid();
    snprintf(dead_dir, sizeof dead_dir, "%s/sub.tmp-%ld", dir, (long)d2);
    assert_int_equal(mkdir(dead_dir, 0755), 0);

    saksi_atomic_clean_stale(dir);
    assert_false(exists(dead));
    assert_true(exists(mine));
    assert_true(exists(parent));
    assert_true(exists(word));
    assert_true(exists(plain));
    assert_true(exists(dead_dir));
    /* A directory that does not exist is simply nothing to clean. */
    char none[4300];
    snprintf(none, sizeof none, "%s/none", dir);
    saksi_atomic_clean_stale(none);
    test_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_publishes_whole_file),
        cmocka_unit_test(test_abort_leaves_nothing),
        cmocka_unit_test(test_open_in_missing_directory_fails),
        cmocka_unit_test(test_failed_rename_removes_temporary),
        cmocka_unit_test(test_failed_write_keeps_previous_file),
        cmocka_unit_test(test_clean_stale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
