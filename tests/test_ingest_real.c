/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_ingest_real.c — ingests the real Sirekap 2024 per-TPS file of the
 * Gigit Pemilu crawl (../shared/datasets/real/id2024-sirekap-gigit, xz, read
 * in place) through datasets/maps/sirekap-gigit.map, and checks the counts of
 * its SOURCE.md and of an independent plain scan of the same file.
 * LABELS: real
 */
#include "test_support.h"

#include "saksi.h"

#include <openssl/sha.h>

#define GIGIT "/datasets/real/id2024-sirekap-gigit/derived/tps_pilpres2024_36prov.csv.xz"

/* What a naive scan (xz -dc, split on commas: the file has no quotes)
 * finds, independent of the ingest's reader and parser. */
typedef struct scan {
    long long rows;
    long long dotted; /* rows with a '.' in a paslon cell */
    long long dotted_line[64];
    long long complete; /* rows with all three paslon cells, none dotted */
    long long sum_complete[3];
    long long sum_all[3]; /* every non-empty, non-dotted paslon cell */
    long long held[3];    /* ... of those, the cells in dotted rows */
    int quotes;           /* any '"' in the file */
} scan;

/* The n-th comma-separated field of line (0-based); *len its length. */
static const char *field(const char *line, int n, size_t *len)
{
    const char *p = line;
    for (int i = 0; i < n; i++) {
        p = strchr(p, ',');
        if (!p) return NULL;
        p++;
    }
    *len = strcspn(p, ",\n");
    return p;
}

static void naive_scan(const char *path, scan *s)
{
    memset(s, 0, sizeof *s);
    char cmd[4500];
    snprintf(cmd, sizeof cmd, "xz -dc '%s'", path);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    int col[3] = {-1, -1, -1};
    long long lineno = 0;
    while (getline(&line, &cap, f) > 0) {
        lineno++;
        if (strchr(line, '"')) s->quotes = 1;
        if (lineno == 1) {
            static const char *const names[3] = {"paslon_01", "paslon_02", "paslon_03"};
            for (int n = 0; n < 64; n++) {
                size_t len;
                const char *c = field(line, n, &len);
                if (!c) break;
                for (int k = 0; k < 3; k++)
                    if (len == strlen(names[k]) && strncmp(c, names[k], len) == 0) col[k] = n;
            }
            continue;
        }
        s->rows++;
        const char *c[3];
        size_t len[3];
        int dotted = 0, present = 0;
        for (int k = 0; k < 3; k++) {
            c[k] = field(line, col[k], &len[k]);
            assert_non_null(c[k]);
            if (memchr(c[k], '.', len[k]))
                dotted = 1;
            else if (len[k] > 0)
                present++;
        }
        if (dotted && s->dotted < 64) s->dotted_line[s->dotted] = lineno;
        s->dotted += dotted;
        for (int k = 0; k < 3; k++) {
            if (len[k] == 0 || memchr(c[k], '.', len[k])) continue;
            long long v = atoll(c[k]);
            s->sum_all[k] += v;
            if (dotted)
                s->held[k] += v;
            else if (present == 3)
                s->sum_complete[k] += v;
        }
        if (!dotted && present == 3) s->complete++;
    }
    free(line);
    assert_int_equal(pclose(f), 0);
}

static void test_gigit(void **state)
{
    (void)state;
    const char *shared = test_shared_dir();
    if (!shared) skip();
    char path[4400];
    snprintf(path, sizeof path, "%s" GIGIT, shared);

    scan s;
    naive_scan(path, &s);
    assert_false(s.quotes); /* so the naive comma split is exact */
    /* SOURCE.md: 443,968 TPS rows; 36 Luar Negeri rows with a dot
     * thousands separator; 328,526 rows with all three paslon numbers and
     * their sums 18,457,533 / 37,268,898 / 8,332,058 (the dotted rows are
     * not numbers there either). The naive scan reproduces them. */
    assert_int_equal(s.rows, 443968);
    assert_int_equal(s.dotted, 36);
    assert_int_equal(s.complete, 328526);
    assert_int_equal(s.sum_complete[0], 18457533);
    assert_int_equal(s.sum_complete[1], 37268898);
    assert_int_equal(s.sum_complete[2], 8332058);

    saksi_error err = {0};
    saksi_colmap *m = saksi_colmap_alloc();
    assert_int_equal(
        saksi_colmap_read(m, SAKSI_SOURCE_DIR "/datasets/maps/sirekap-gigit.map", &err), SAKSI_OK);
    saksi_quarantine *q = saksi_quarantine_alloc();
    saksi_ingest_options opt = {.map = m};
    saksi_table *t = NULL;
    saksi_ingest_stats st;
    saksi_status rc = saksi_ingest_csv(path, &opt, q, &t, &st, &err);
    if (rc != SAKSI_OK) fail_msg("ingest failed: %s", err.message);

    assert_int_equal(st.records, 443968);
    assert_int_equal(st.quarantined, 36);
    assert_int_equal(st.accepted, 443968 - 36);
    assert_int_equal(t->n, st.accepted);
    assert_string_equal(st.ignored_columns,
                        "prov_kode,kab_kode,kec_kode,desa_kode,tps_no,prov_slug,kab_slug,kec_slug,"
                        "desa_slug,tps_slug,sirekap_ts,n_c_hasil_images,source_path");
    /* each dotted row, on the line the scan found it, as not an integer */
    assert_int_equal(q->n, 36);
    for (size_t i = 0; i < q->n; i++) {
        assert_int_equal(q->rec[i].reason, SAKSI_Q_NOT_INTEGER);
        assert_int_equal(q->rec[i].line, s.dotted_line[i]);
        assert_true(strncmp(q->rec[i].field, "paslon_0", 8) == 0);
        assert_true(strncmp(q->rec[i].station_id, "99", 2) == 0); /* Luar Negeri */
        assert_non_null(strchr(q->rec[i].detail, '.'));
    }

    /* sums over the accepted stations: every non-missing cell equals the
     * scan's total less what the quarantined rows held; the complete
     * stations give SOURCE.md's sums */
    long long sum[3] = {0}, sum_complete[3] = {0}, complete = 0;
    for (size_t i = 0; i < t->n; i++) {
        int32_t v[3];
        int present = 0;
        for (int k = 0; k < 3; k++) {
            v[k] = saksi_table_get(t, SAKSI_NFIXED + k, i);
            if (v[k] != SAKSI_MISSING) {
                sum[k] += v[k];
                present++;
            }
        }
        if (present == 3) {
            complete++;
            for (int k = 0; k < 3; k++)
                sum_complete[k] += v[k];
        }
    }
    for (int k = 0; k < 3; k++)
        assert_int_equal(sum[k], s.sum_all[k] - s.held[k]);
    assert_int_equal(complete, 328526);
    assert_int_equal(sum_complete[0], 18457533);
    assert_int_equal(sum_complete[1], 37268898);
    assert_int_equal(sum_complete[2], 8332058);

    /* 36 provinces (SOURCE.md), derived from the 13-digit codes */
    assert_int_equal(t->regions[SAKSI_LEVEL_PROVINCE].n, 36);

    /* bytes and SHA-256 of the .xz as stored, hashed here in one call */
    size_t len = 0;
    char *data = test_read_file(path, &len);
    unsigned char sha[32];
    SHA256((const unsigned char *)data, len, sha);
    assert_int_equal(st.bytes, len);
    assert_memory_equal(st.sha256, sha, 32);
    free(data);

    saksi_table_free(t);
    saksi_quarantine_free(q);
    saksi_colmap_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gigit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
