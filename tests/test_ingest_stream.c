/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_ingest_stream.c — the ingest's stream: missing and unreadable files,
 * gzip and xz inputs (told by magic, multi-member, corrupt, truncated),
 * bytes and SHA-256 of the file as stored, stop requests and progress.
 * LABELS: unit
 */
#include "ingest_support.h"

/* ------------------------------------------------------------------ */
/* Storage: missing files, compression, SHA-256                        */
/* ------------------------------------------------------------------ */

static void test_unreadable(void **state)
{
    (void)state;
    result r;
    const char *absent = at("absent.csv");
    run(&r, absent, NULL);
    assert_int_equal(r.rc, SAKSI_ERR_NOINPUT);
    assert_non_null(strstr(r.err.message, absent));
    assert_non_null(strstr(r.err.message, "No such file or directory"));
    done(&r);
    run(&r, dir, NULL);
    assert_int_equal(r.rc, SAKSI_ERR_NOINPUT);
    assert_non_null(strstr(r.err.message, "Is a directory"));
    done(&r);
    /* a read error: /proc/self/mem opens, but reading address 0 fails (EIO) */
    run(&r, "/proc/self/mem", NULL);
    assert_int_equal(r.rc, SAKSI_ERR_IO);
    assert_non_null(strstr(r.err.message, "/proc/self/mem: read error after 0 bytes"));
    done(&r);
    saksi_table *t = (saksi_table *)&r; /* must be overwritten with NULL */
    saksi_error err = {0};
    assert_int_equal(saksi_ingest_csv(FIXTURES "good.csv", NULL, NULL, &t, NULL, &err),
                     SAKSI_ERR_USAGE);
    assert_null(t);
}

static void test_sha_and_bytes(void **state)
{
    (void)state;
    result r;
    run_ok(&r, FIXTURES "bad.csv", NULL);
    assert_storage(&r, FIXTURES "bad.csv");
    done(&r);
    /* read through a 7-byte buffer, the file hashes the same */
    saksi_ingest_options opt = {.buffer_bytes = 7};
    run_ok(&r, FIXTURES "good.csv", &opt);
    assert_storage(&r, FIXTURES "good.csv");
    done(&r);
}

static void test_compressed(void **state)
{
    (void)state;
    const char *files[] = {"good.csv", "bad.csv"};
    for (int f = 0; f < 2; f++) {
        char src[4200];
        snprintf(src, sizeof src, FIXTURES "%s", files[f]);
        const char *gz = at("in.gz"), *xz = at("in.xz"), *cat = at("cat.gz");
        /* names without .gz/.xz on purpose: the format is told by magic */
        const char *xz_noext = at("in_xz.csv");
        assert_int_equal(test_run("gzip -9 -c '%s' > '%s'", src, gz), 0);
        assert_int_equal(test_run("xz -c '%s' > '%s' && cp '%s' '%s'", src, xz, xz, xz_noext), 0);
        /* two gzip members one after the other: the first 30 bytes, then the rest */
        assert_int_equal(test_run("(head -c 30 '%s' | gzip -c; tail -c +31 '%s' | gzip -c) > '%s'",
                                  src, src, cat),
                         0);
        result plain, r;
        run_ok(&plain, src, NULL);
        const char *variants[] = {gz, xz, xz_noext, cat};
        for (int v = 0; v < 4; v++) {
            for (size_t buf = 0; buf <= 7; buf += 7) {
                saksi_ingest_options opt = {.buffer_bytes = buf};
                run_ok(&r, variants[v], &opt);
                assert_same(&plain, &r, 0);
                assert_storage(&r, variants[v]);
                done(&r);
            }
        }
        done(&plain);
    }
}

static void test_corrupt_compressed(void **state)
{
    (void)state;
    const char *xz = at("c.xz"), *gz = at("c.gz");
    const char *trunc_xz = at("t.xz"), *trunc_gz = at("t.gz");
    const char *junk_xz = at("j.xz");
    assert_int_equal(test_run("xz -c '%s' > '%s'", FIXTURES "good.csv", xz), 0);
    assert_int_equal(test_run("gzip -c '%s' > '%s'", FIXTURES "good.csv", gz), 0);
    assert_int_equal(test_run("head -c 60 '%s' > '%s'", xz, trunc_xz), 0);
    assert_int_equal(test_run("head -c 60 '%s' > '%s'", gz, trunc_gz), 0);
    assert_int_equal(test_run("(cat '%s'; echo trailing) > '%s'", xz, junk_xz), 0);
    result r;
    run(&r, trunc_xz, NULL);
    assert_int_equal(r.rc, SAKSI_ERR_DATA);
    assert_non_null(strstr(r.err.message, "truncated xz stream"));
    done(&r);
    run(&r, trunc_gz, NULL);
    assert_int_equal(r.rc, SAKSI_ERR_DATA);
    assert_non_null(strstr(r.err.message, "truncated gzip stream"));
    done(&r);
    run(&r, junk_xz, NULL);
    assert_int_equal(r.rc, SAKSI_ERR_DATA);
    assert_non_null(strstr(r.err.message, junk_xz));
    done(&r);
    /* flip bytes inside the deflate data: the CRC or the code breaks */
    size_t len = 0;
    char *data = test_read_file(gz, &len);
    for (size_t i = 20; i < 40 && i < len; i++)
        data[i] = (char)~data[i];
    const char *bad_gz = tmp_write("bad.gz", data, len);
    run(&r, bad_gz, NULL);
    assert_int_equal(r.rc, SAKSI_ERR_DATA);
    assert_non_null(strstr(r.err.message, "gzip"));
    done(&r);
    free(data);
}

/* ------------------------------------------------------------------ */
/* Stop requests and progress                                          */
/* ------------------------------------------------------------------ */

static void test_stop(void **state)
{
    (void)state;
    saksi_request_stop();
    result r;
    run(&r, FIXTURES "good.csv", NULL);
    saksi_clear_stop();
    assert_int_equal(r.rc, SAKSI_ERR_INTERRUPTED);
    done(&r);
    run_ok(&r, FIXTURES "good.csv", NULL);
    done(&r);
}

typedef struct progress {
    int calls;
    double last;
    int monotone;
} progress;

static void on_progress(void *ctx, const char *stage, double fraction)
{
    progress *p = ctx;
    assert_string_equal(stage, "ingest");
    if (fraction < p->last) p->monotone = 0;
    p->last = fraction;
    p->calls++;
}

/* A stop requested from the progress callback ends the ingest at the next
 * read block. */
static void stop_on_progress(void *ctx, const char *stage, double fraction)
{
    (void)stage;
    (void)fraction;
    (*(int *)ctx)++;
    saksi_request_stop();
}

static void test_progress(void **state)
{
    (void)state;
    size_t len = 0;
    free(test_read_file(FIXTURES "good.csv", &len));
    progress p = {0, 0.0, 1};
    saksi_ingest_options opt = {.buffer_bytes = 64, .progress_cb = on_progress, .progress_ctx = &p};
    result r;
    run_ok(&r, FIXTURES "good.csv", &opt);
    /* one call per 64-byte block */
    assert_int_equal(p.calls, (int)((len + 63) / 64));
    assert_true(p.monotone);
    assert_close(p.last, 1.0, 0.0);
    done(&r);

    int calls = 0;
    saksi_ingest_options stop = {
        .buffer_bytes = 64, .progress_cb = stop_on_progress, .progress_ctx = &calls};
    run(&r, FIXTURES "good.csv", &stop);
    saksi_clear_stop();
    assert_int_equal(r.rc, SAKSI_ERR_INTERRUPTED);
    assert_int_equal(calls, 1);
    done(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unreadable), cmocka_unit_test(test_sha_and_bytes),
        cmocka_unit_test(test_compressed), cmocka_unit_test(test_corrupt_compressed),
        cmocka_unit_test(test_stop),       cmocka_unit_test(test_progress),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
