/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ingest_support.h — helpers of the ingest tests (test_ingest.c,
 * test_ingest_stream.c): temporary input files, one ingest with the
 * invariants every input must keep, and comparisons of two ingests.
 */
#ifndef SAKSI_INGEST_SUPPORT_H
#define SAKSI_INGEST_SUPPORT_H

#include "scratch_dir.h"
#include "test_support.h"

#include "saksi.h"

#include <openssl/sha.h>

#define FIXTURES SAKSI_SOURCE_DIR "/datasets/fixtures/"
#define M        SAKSI_MISSING

/* Write len bytes (may hold any byte but NUL handling is the caller's). */
static inline const char *tmp_write(const char *name, const char *text, size_t len)
{
    const char *path = at(name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

static inline const char *tmp_text(const char *name, const char *text)
{
    return tmp_write(name, text, strlen(text));
}

typedef struct result {
    saksi_status rc;
    saksi_error err;
    saksi_quarantine *q;
    saksi_table *t;
    saksi_ingest_stats st;
} result;

/* Ingest path and check the invariants that hold for every input. */
static inline void run(result *r, const char *path, const saksi_ingest_options *opt)
{
    memset(r, 0, sizeof *r);
    r->q = saksi_quarantine_alloc();
    assert_non_null(r->q);
    r->rc = saksi_ingest_csv(path, opt, r->q, &r->t, &r->st, &r->err);
    if (r->rc != SAKSI_OK) {
        assert_null(r->t);
        return;
    }
    /* nothing is silently dropped */
    assert_int_equal(r->st.records, r->st.accepted + r->st.quarantined);
    assert_int_equal(r->st.quarantined, r->q->n);
    assert_int_equal(r->st.accepted, r->t->n);
}

static inline void done(result *r)
{
    saksi_table_free(r->t);
    saksi_quarantine_free(r->q);
    r->t = NULL;
    r->q = NULL;
}

static inline void run_ok(result *r, const char *path, const saksi_ingest_options *opt)
{
    run(r, path, opt);
    if (r->rc != SAKSI_OK) fail_msg("ingest of %s failed: %s", path, r->err.message);
}

/* Row of a station id, or fail. */
static inline size_t row_of(const saksi_table *t, const char *id)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(saksi_table_id(t, i), id) == 0) return i;
    fail_msg("station %s not in the table", id);
    return 0;
}

/* Two ingests of the same records (different storage or buffering) give
 * the same table, counters and quarantine. */
static inline void assert_same(const result *a, const result *b, int same_storage)
{
    assert_int_equal(a->rc, SAKSI_OK);
    assert_int_equal(b->rc, SAKSI_OK);
    assert_int_equal(a->st.records, b->st.records);
    assert_int_equal(a->st.accepted, b->st.accepted);
    assert_int_equal(a->st.quarantined, b->st.quarantined);
    assert_int_equal(a->st.missing_cells, b->st.missing_cells);
    assert_int_equal(a->st.blank_lines, b->st.blank_lines);
    assert_string_equal(a->st.ignored_columns, b->st.ignored_columns);
    if (same_storage) {
        assert_int_equal(a->st.bytes, b->st.bytes);
        assert_memory_equal(a->st.sha256, b->st.sha256, 32);
    }
    const saksi_table *s = a->t, *t = b->t;
    assert_int_equal(s->n, t->n);
    assert_int_equal(s->nslots, t->nslots);
    assert_int_equal(s->ncand, t->ncand);
    for (size_t k = 0; k < s->ncand; k++)
        assert_string_equal(s->cand_label[k], t->cand_label[k]);
    for (int f = 0; f < SAKSI_NFIXED; f++)
        assert_int_equal(s->slot_of_field[f], t->slot_of_field[f]);
    for (size_t i = 0; i < s->n; i++) {
        assert_string_equal(saksi_table_id(s, i), saksi_table_id(t, i));
        assert_int_equal(s->src_line[i], t->src_line[i]);
        for (int f = 0; f < SAKSI_NFIXED + (int)s->ncand; f++)
            assert_int_equal(saksi_table_get(s, f, i), saksi_table_get(t, f, i));
        for (int l = 1; l < SAKSI_NLEVELS; l++)
            assert_string_equal(s->regions[l].code[s->region_of[l][i]],
                                t->regions[l].code[t->region_of[l][i]]);
    }
    assert_int_equal(a->q->n, b->q->n);
    for (size_t i = 0; i < a->q->n; i++) {
        const saksi_qrecord *x = &a->q->rec[i], *y = &b->q->rec[i];
        assert_int_equal(x->line, y->line);
        assert_int_equal(x->column, y->column);
        assert_int_equal(x->reason, y->reason);
        assert_string_equal(x->field, y->field);
        assert_string_equal(x->station_id, y->station_id);
        assert_string_equal(x->detail, y->detail);
    }
}

typedef struct qwant {
    uint64_t line;
    uint32_t column;
    int reason;
    const char *field, *id, *detail;
} qwant;

static inline void assert_quarantine(const saksi_quarantine *q, const qwant *want, size_t n)
{
    assert_int_equal(q->n, n);
    for (size_t i = 0; i < n; i++) {
        const saksi_qrecord *r = &q->rec[i];
        if (r->line != want[i].line || r->column != want[i].column || r->reason != want[i].reason ||
            strcmp(r->field, want[i].field) != 0 || strcmp(r->station_id, want[i].id) != 0 ||
            strcmp(r->detail, want[i].detail) != 0)
            fail_msg("quarantine %zu: got line %llu col %u %s field '%s' id '%s' '%s'; expected "
                     "line %llu col %u %s field '%s' id '%s' '%s'",
                     i, (unsigned long long)r->line, r->column, saksi_qreason_name(r->reason),
                     r->field, r->station_id, r->detail, (unsigned long long)want[i].line,
                     want[i].column, saksi_qreason_name(want[i].reason), want[i].field, want[i].id,
                     want[i].detail);
    }
}

#define RANGE_MSG "is outside the int32 range -2147483647..2147483647"
#define STRAY_MSG "stray quote (inside an unquoted field, or text after a closing quote)"
/* bytes and SHA-256 are those of the file as stored, computed here in one
 * call over the whole file (independent of the streaming path). */
static inline void assert_storage(const result *r, const char *path)
{
    size_t len = 0;
    char *data = test_read_file(path, &len);
    unsigned char sha[32];
    SHA256((const unsigned char *)data, len, sha);
    assert_int_equal(r->st.bytes, len);
    assert_memory_equal(r->st.sha256, sha, 32);
    free(data);
}

#endif /* SAKSI_INGEST_SUPPORT_H */
