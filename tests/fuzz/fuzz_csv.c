/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_csv.c — libFuzzer target for the canonical-CSV ingest and everything
 * the engine runs on what it accepts. The first input byte picks options;
 * the rest is the file. The same bytes are read with a tiny read buffer
 * (records split across chunks) and with the default one: both must give
 * the same table, counters and quarantine (a differential oracle for the
 * streaming parser). Then the whole audit runs on the CPU path, and with
 * some option bits writes its report, which must appear whole or not at
 * all. Families added to saksi_engine_run are fuzzed here without a change.
 */
#include "fuzz_support.h"

/* Option bits of the first byte. */
#define OPT_BUFFER_MASK 0x0Fu /* read buffer of 1 + 3 * value bytes in pass A */
#define OPT_STRICT      0x10u /* --strict */
#define OPT_REPORT      0x20u /* write report.h5, ranked.csv, quarantine.csv */
#define OPT_SHORT_LINES 0x40u /* a third pass with a small max_line_bytes */
#define OPT_LANG_ID     0x80u /* reasons in Bahasa Indonesia */

/* Pass B's read buffer: larger than any input run_fuzz.sh lets libFuzzer
 * make (-max_len=8192), so the whole file is one chunk. */
#define PASS_B_BUFFER ((size_t)64 * 1024)

static void check_stats(const saksi_ingest_stats *s, const saksi_table *t,
                        const saksi_quarantine *q)
{
    FUZZ_CHECK(s->records == s->accepted + s->quarantined,
               "records %llu accepted %llu "
               "quarantined %llu",
               (unsigned long long)s->records, (unsigned long long)s->accepted,
               (unsigned long long)s->quarantined);
    FUZZ_CHECK(t->n == s->accepted, "table %zu rows, %llu accepted", t->n,
               (unsigned long long)s->accepted);
    FUZZ_CHECK(q->n == s->quarantined, "quarantine %zu, counted %llu", q->n,
               (unsigned long long)s->quarantined);
    FUZZ_CHECK(memchr(s->ignored_columns, 0, sizeof s->ignored_columns) != NULL,
               "ignored_columns unterminated");
    for (size_t k = 0; k < q->n; k++) {
        FUZZ_CHECK(q->rec[k].reason >= 0 && q->rec[k].reason < SAKSI_NQREASONS, "reason %d",
                   q->rec[k].reason);
        FUZZ_CHECK(q->rec[k].line >= 2, "quarantined line %llu is the header's or before",
                   (unsigned long long)q->rec[k].line);
    }
    /* Canonical order: every region of every level is a contiguous run. */
    for (int l = 0; l < SAKSI_NLEVELS; l++) {
        size_t covered = 0;
        for (size_t r = 0; r < t->regions[l].n; r++) {
            FUZZ_CHECK(t->regions[l].first[r] == covered, "level %d region %zu starts at %zu", l, r,
                       t->regions[l].first[r]);
            covered += t->regions[l].count[r];
        }
        FUZZ_CHECK(covered == t->n, "level %d covers %zu of %zu rows", l, covered, t->n);
    }
}

/* Pass A and pass B must agree on everything they read. */
static void check_same(const saksi_table *a, const saksi_table *b, const saksi_ingest_stats *sa,
                       const saksi_ingest_stats *sb, const saksi_quarantine *qa,
                       const saksi_quarantine *qb)
{
    FUZZ_CHECK(sa->records == sb->records && sa->accepted == sb->accepted &&
                   sa->quarantined == sb->quarantined && sa->missing_cells == sb->missing_cells &&
                   sa->blank_lines == sb->blank_lines && sa->bytes == sb->bytes &&
                   memcmp(sa->sha256, sb->sha256, 32) == 0,
               "counters differ between read buffers");
    FUZZ_CHECK(strcmp(sa->ignored_columns, sb->ignored_columns) == 0, "ignored '%s' vs '%s'",
               sa->ignored_columns, sb->ignored_columns);
    for (size_t k = 0; k < qa->n; k++)
        FUZZ_CHECK(qa->rec[k].line == qb->rec[k].line && qa->rec[k].column == qb->rec[k].column &&
                       qa->rec[k].reason == qb->rec[k].reason &&
                       strcmp(qa->rec[k].detail, qb->rec[k].detail) == 0 &&
                       strcmp(qa->rec[k].station_id, qb->rec[k].station_id) == 0,
                   "quarantine record %zu differs: line %llu/%llu reason %d/%d", k,
                   (unsigned long long)qa->rec[k].line, (unsigned long long)qb->rec[k].line,
                   qa->rec[k].reason, qb->rec[k].reason);
    FUZZ_CHECK(a->n == b->n && a->nslots == b->nslots && a->ncand == b->ncand, "shapes differ");
    for (size_t i = 0; i < a->n; i++)
        FUZZ_CHECK(strcmp(saksi_table_id(a, i), saksi_table_id(b, i)) == 0, "row %zu id", i);
    for (size_t s = 0; s < a->nslots; s++)
        FUZZ_CHECK(
            memcmp(a->cols + s * a->stride, b->cols + s * b->stride, a->n * sizeof *a->cols) == 0,
            "slot %zu differs", s);
    for (int l = 1; l < SAKSI_NLEVELS; l++) {
        FUZZ_CHECK(a->regions[l].n == b->regions[l].n, "level %d regions", l);
        for (size_t r = 0; r < a->regions[l].n; r++)
            FUZZ_CHECK(strcmp(a->regions[l].code[r], b->regions[l].code[r]) == 0,
                       "level %d region %zu code", l, r);
    }
}

/* Ingest path with the given read buffer and line limit. */
static saksi_status ingest(const char *path, size_t buffer, size_t max_line, saksi_quarantine **q,
                           saksi_table **t, saksi_ingest_stats *st, saksi_error *err)
{
    saksi_ingest_options opt = {0};
    opt.buffer_bytes = buffer;
    opt.max_line_bytes = max_line;
    *q = saksi_quarantine_alloc();
    FUZZ_CHECK(*q != NULL, "quarantine allocation");
    saksi_status s = saksi_ingest_csv(path, &opt, *q, t, st, err);
    if (s != SAKSI_OK) {
        fuzz_check_error(s, err, "ingest");
        FUZZ_CHECK(*t == NULL, "a failed ingest returned a table");
    } else {
        check_stats(st, *t, *q);
    }
    return s;
}

/* The whole audit as the CLI runs it, on the CPU path. */
static void audit(const char *path, unsigned opt)
{
    saksi_config cfg;
    saksi_error err = {0};
    fuzz_config(&cfg);
    cfg.strict = (opt & OPT_STRICT) != 0;
    cfg.lang = opt & OPT_LANG_ID ? "id" : "en";
    saksi_engine *e = saksi_engine_alloc(&cfg);
    FUZZ_CHECK(e != NULL, "engine allocation");
    saksi_status s = saksi_engine_ingest(e, path, &err);
    if (s == SAKSI_OK) s = saksi_engine_run(e, &err);
    if (s == SAKSI_OK && (opt & OPT_REPORT)) {
        const char *dir = fuzz_out_dir();
        s = saksi_engine_write_report(e, dir, &err);
        FUZZ_CHECK(fuzz_count_temporaries(dir) == 0, "temporaries left in %s", dir);
        if (s == SAKSI_OK) {
            char f[4200];
            snprintf(f, sizeof f, "%s/report.h5", dir);
            FUZZ_CHECK(access(f, R_OK) == 0, "report.h5 missing after success");
        }
    }
    if (s == SAKSI_OK) {
        const saksi_summary *sum = saksi_engine_summary(e);
        size_t classes = 0;
        for (int k = 0; k < SAKSI_NCLASSES; k++)
            classes += sum->by_class[k];
        FUZZ_CHECK(classes == sum->stations, "classes sum to %zu of %zu stations", classes,
                   sum->stations);
        /* The JSON summary of hostile names must be writable. */
        FILE *null = fopen("/dev/null", "w");
        FUZZ_CHECK(null != NULL, "/dev/null");
        FUZZ_CHECK(saksi_summary_write_json(sum, null, &err) == SAKSI_OK, "json: %s", err.message);
        fclose(null);
    } else {
        fuzz_check_error(s, &err, "audit");
    }
    saksi_engine_free(e);
}

int saksi_fuzz_csv(const uint8_t *data, size_t size)
{
    char path[64];
    saksi_error err = {0};
    saksi_quarantine *qa = NULL, *qb = NULL, *qc = NULL;
    saksi_table *ta = NULL, *tb = NULL, *tc = NULL;
    saksi_ingest_stats sa, sb, sc;
    if (size < 1) return 0;
    unsigned opt = data[0];
    int fd = fuzz_memfile(data + 1, size - 1, path, sizeof path);
    FUZZ_CHECK(fd >= 0, "memfd");

    saksi_status a = ingest(path, 1 + 3 * (opt & OPT_BUFFER_MASK), 0, &qa, &ta, &sa, &err);
    /* One chunk holds the whole input in pass B (the default 4 MiB buffer
     * would too, but costs ASan a 512 KiB shadow fill per call). */
    saksi_status b = ingest(path, PASS_B_BUFFER, 0, &qb, &tb, &sb, &err);
    FUZZ_CHECK(a == b, "status %d with a small read buffer, %d with the default", a, b);
    if (a == SAKSI_OK) check_same(ta, tb, &sa, &sb, qa, qb);
    if (opt & OPT_SHORT_LINES)
        ingest(path, 1 + (opt & OPT_BUFFER_MASK), 8 + 4 * (opt & OPT_BUFFER_MASK), &qc, &tc, &sc,
               &err);
    if (b == SAKSI_OK) audit(path, opt);

    saksi_table_free(ta);
    saksi_table_free(tb);
    saksi_table_free(tc);
    saksi_quarantine_free(qa);
    saksi_quarantine_free(qb);
    saksi_quarantine_free(qc);
    close(fd);
    return 0;
}

#ifndef SAKSI_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return saksi_fuzz_csv(data, size);
}
#endif
