/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_quarantine.c — the quarantine list: reason names, file registration,
 * copying and truncation of its strings, growth past its first blocks, and
 * its error paths.
 * LABELS: unit
 */
#include "test_support.h"

#include "saksi.h"

static void test_reason_names(void **state)
{
    (void)state;
    /* The names are the report's vocabulary (quarantine.csv, HDF5). */
    static const char *const want[SAKSI_NQREASONS] = {
        "field_count",  "not_integer", "overflow",      "encoding",
        "duplicate_id", "missing_id",  "line_too_long", "bad_quote",
        "malformed",    "wrong_type",  "duplicate_key",
    };
    for (int r = 0; r < SAKSI_NQREASONS; r++)
        assert_string_equal(saksi_qreason_name(r), want[r]);
    assert_string_equal(saksi_qreason_name(-1), "unknown");
    assert_string_equal(saksi_qreason_name(SAKSI_NQREASONS), "unknown");
}

static void test_files_and_records(void **state)
{
    (void)state;
    saksi_error err = {0};
    saksi_quarantine *q = saksi_quarantine_alloc();
    assert_non_null(q);
    uint32_t a = 99, b = 99;
    assert_int_equal(saksi_quarantine_add_file(q, "a.csv", &a, &err), SAKSI_OK);
    assert_int_equal(saksi_quarantine_add_file(q, "b.csv.xz", &b, &err), SAKSI_OK);
    assert_int_equal(a, 0);
    assert_int_equal(b, 1);
    assert_int_equal(q->nfiles, 2);
    assert_string_equal(q->files[1], "b.csv.xz");

    char field[16] = "valid", id[16] = "3171010001001", detail[64] = "\"1.827\" is not";
    assert_int_equal(
        saksi_quarantine_add(q, b, 441786, 13, SAKSI_Q_NOT_INTEGER, field, id, detail, &err),
        SAKSI_OK);
    /* NULL strings become "" */
    assert_int_equal(saksi_quarantine_add(q, a, 7, 0, SAKSI_Q_FIELD_COUNT, NULL, NULL, NULL, &err),
                     SAKSI_OK);
    /* the strings were copied: changing the caller's buffers changes nothing */
    strcpy(field, "XXXX");
    strcpy(id, "YYYY");
    strcpy(detail, "ZZZZ");
    assert_int_equal(q->n, 2);
    assert_int_equal(q->rec[0].file, 1);
    assert_int_equal(q->rec[0].line, 441786);
    assert_int_equal(q->rec[0].column, 13);
    assert_int_equal(q->rec[0].reason, SAKSI_Q_NOT_INTEGER);
    assert_string_equal(q->rec[0].field, "valid");
    assert_string_equal(q->rec[0].station_id, "3171010001001");
    assert_string_equal(q->rec[0].detail, "\"1.827\" is not");
    assert_string_equal(q->rec[1].field, "");
    assert_string_equal(q->rec[1].station_id, "");
    assert_string_equal(q->rec[1].detail, "");
    saksi_quarantine_free(q);
}

static void test_truncation_and_control_chars(void **state)
{
    (void)state;
    saksi_error err = {0};
    saksi_quarantine *q = saksi_quarantine_alloc();
    uint32_t f;
    assert_int_equal(saksi_quarantine_add_file(q, "x.csv", &f, &err), SAKSI_OK);
    /* 100 euro signs, 3 bytes each (E2 82 AC): 300 bytes. The 200-byte
     * limit falls inside the 67th sign (byte 200 = 66*3 + 2), so 66 signs
     * (198 bytes) are kept, then "...". */
    char euros[301];
    for (int i = 0; i < 100; i++)
        memcpy(euros + 3 * i, "\xE2\x82\xAC", 3);
    euros[300] = '\0';
    assert_int_equal(saksi_quarantine_add(q, f, 1, 1, SAKSI_Q_NOT_INTEGER, "c", euros, euros, &err),
                     SAKSI_OK);
    assert_int_equal(strlen(q->rec[0].detail), 198 + 3);
    assert_memory_equal(q->rec[0].detail, euros, 198);
    assert_string_equal(q->rec[0].detail + 198, "...");
    assert_int_equal(strlen(q->rec[0].station_id), 198 + 3);
    /* exactly 200 ASCII bytes fit without "..." */
    char two_hundred[201];
    memset(two_hundred, 'x', 200);
    two_hundred[200] = '\0';
    assert_int_equal(
        saksi_quarantine_add(q, f, 2, 1, SAKSI_Q_NOT_INTEGER, "c", "", two_hundred, &err),
        SAKSI_OK);
    assert_string_equal(q->rec[1].detail, two_hundred);
    /* a newline and a tab from a quoted field print as spaces */
    assert_int_equal(
        saksi_quarantine_add(q, f, 3, 2, SAKSI_Q_NOT_INTEGER, "c", "a\nb", "1\t2\r\n3", &err),
        SAKSI_OK);
    assert_string_equal(q->rec[2].station_id, "a b");
    assert_string_equal(q->rec[2].detail, "1 2  3");
    saksi_quarantine_free(q);
}

/* Many records with long strings: the record array is reallocated several
 * times and the arena spans many 64 KiB blocks; every string must stay. */
static void test_growth(void **state)
{
    (void)state;
    saksi_error err = {0};
    saksi_quarantine *q = saksi_quarantine_alloc();
    uint32_t f;
    assert_int_equal(saksi_quarantine_add_file(q, "big.csv", &f, &err), SAKSI_OK);
    enum { N = 5000 };
    char id[32], detail[220];
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, "ID%06d", i);
        memset(detail, 'a' + i % 26, 199);
        snprintf(detail + 199, sizeof detail - 199, "%d", i % 10);
        assert_int_equal(saksi_quarantine_add(q, f, (uint64_t)i + 2, 3, i % SAKSI_NQREASONS,
                                              "registered", id, detail, &err),
                         SAKSI_OK);
    }
    assert_int_equal(q->n, N);
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, "ID%06d", i);
        assert_string_equal(q->rec[i].station_id, id);
        assert_int_equal(q->rec[i].line, (uint64_t)i + 2);
        assert_int_equal(q->rec[i].reason, i % SAKSI_NQREASONS);
        assert_int_equal(strlen(q->rec[i].detail), 200);
        assert_int_equal(q->rec[i].detail[0], 'a' + i % 26);
        assert_int_equal(q->rec[i].detail[199], '0' + i % 10);
    }
    saksi_quarantine_free(q);
}

/* A field name longer than an arena block gets a block of its own. */
static void test_long_field_name(void **state)
{
    (void)state;
    saksi_error err = {0};
    saksi_quarantine *q = saksi_quarantine_alloc();
    uint32_t f;
    assert_int_equal(saksi_quarantine_add_file(q, "x.csv", &f, &err), SAKSI_OK);
    size_t n = 100000;
    char *name = malloc(n + 1);
    memset(name, 'n', n);
    name[n] = '\0';
    assert_int_equal(saksi_quarantine_add(q, f, 2, 1, SAKSI_Q_OVERFLOW, name, "s", "d", &err),
                     SAKSI_OK);
    assert_int_equal(saksi_quarantine_add(q, f, 3, 1, SAKSI_Q_OVERFLOW, "short", "s", "d", &err),
                     SAKSI_OK);
    assert_int_equal(strlen(q->rec[0].field), n);
    assert_string_equal(q->rec[1].field, "short");
    free(name);
    saksi_quarantine_free(q);
}

static void test_errors(void **state)
{
    (void)state;
    saksi_error err = {0};
    saksi_quarantine *q = saksi_quarantine_alloc();
    uint32_t f;
    /* no file registered yet: index 0 is out of range */
    assert_int_equal(saksi_quarantine_add(q, 0, 1, 1, SAKSI_Q_OVERFLOW, "a", "b", "c", &err),
                     SAKSI_ERR_INTERNAL);
    assert_non_null(strstr(err.message, "file index 0"));
    assert_int_equal(saksi_quarantine_add_file(q, "x.csv", &f, &err), SAKSI_OK);
    assert_int_equal(saksi_quarantine_add(q, f, 1, 1, SAKSI_NQREASONS, "a", "b", "c", &err),
                     SAKSI_ERR_INTERNAL);
    assert_int_equal(saksi_quarantine_add(q, f, 1, 1, -1, "a", "b", "c", &err), SAKSI_ERR_INTERNAL);
    assert_int_equal(saksi_quarantine_add(NULL, f, 1, 1, 0, "a", "b", "c", &err), SAKSI_ERR_USAGE);
    assert_int_equal(saksi_quarantine_add_file(q, NULL, &f, &err), SAKSI_ERR_USAGE);
    assert_int_equal(q->n, 0);
    saksi_quarantine_free(q);
    saksi_quarantine_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reason_names),
        cmocka_unit_test(test_files_and_records),
        cmocka_unit_test(test_truncation_and_control_chars),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_long_field_name),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
