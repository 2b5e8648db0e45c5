/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_dispersion_real.c — the overdispersion ratio measured on the real
 * Sirekap 2024 crawl (443,968 TPS), checked against an independent awk
 * computation, and the default simulated election checked against it: the
 * simulator's medians must lie inside the real interquartile ranges and
 * within 15% of the real medians.
 * LABELS: real
 */
#include "test_support.h"

#include "analysis.h"

#define REAL_CSV "datasets/real/id2024-sirekap-gigit/derived/tps_pilpres2024_36prov.csv.xz"

/* Columns of the derived CSV (SOURCE.md) and the canonical field of each. */
static const struct {
    const char *column;
    int field;
} column_map[] = {
    {"paslon_01", SAKSI_NFIXED + 0},
    {"paslon_02", SAKSI_NFIXED + 1},
    {"paslon_03", SAKSI_NFIXED + 2},
    {"dpt_j", SAKSI_F_REGISTERED},
    {"dpt_l", SAKSI_F_REGISTERED_MALE},
    {"dpt_p", SAKSI_F_REGISTERED_FEMALE},
    {"pengguna_dpt_j", SAKSI_F_VOTERS_DPT},
    {"pengguna_dpt_l", SAKSI_F_VOTERS_DPT_MALE},
    {"pengguna_dpt_p", SAKSI_F_VOTERS_DPT_FEMALE},
    {"pengguna_dptb_j", SAKSI_F_VOTERS_DPTB},
    {"pengguna_dptb_l", SAKSI_F_VOTERS_DPTB_MALE},
    {"pengguna_dptb_p", SAKSI_F_VOTERS_DPTB_FEMALE},
    {"pengguna_dpk_j", SAKSI_F_VOTERS_DPK},
    {"pengguna_dpk_l", SAKSI_F_VOTERS_DPK_MALE},
    {"pengguna_dpk_p", SAKSI_F_VOTERS_DPK_FEMALE},
    {"pengguna_total_j", SAKSI_F_VOTERS_TOTAL},
    {"pengguna_total_l", SAKSI_F_VOTERS_TOTAL_MALE},
    {"pengguna_total_p", SAKSI_F_VOTERS_TOTAL_FEMALE},
    {"suara_sah", SAKSI_F_VALID},
    {"suara_tidak_sah", SAKSI_F_INVALID},
    {"suara_total", SAKSI_F_TOTAL},
};
#define NMAP        (sizeof column_map / sizeof column_map[0])
#define MAX_COLUMNS 64

/* A cell as a count: digits only; empty and anything else (36 overseas
 * cells are written "1.827" with a thousands dot) are missing here. */
static int32_t cell_value(const char *s, size_t len, size_t *odd)
{
    int64_t v = 0;
    if (len == 0 || len > 9) return len ? (++*odd, SAKSI_MISSING) : SAKSI_MISSING;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            ++*odd;
            return SAKSI_MISSING;
        }
        v = v * 10 + (s[i] - '0');
    }
    return (int32_t)v;
}

/* A small dedicated reader (the ingest module lives on another branch):
 * plain comma-separated fields, no quotes in this file. */
static saksi_table *read_real(const char *path, size_t *rows, size_t *odd)
{
    char cmd[4400], line[4096];
    snprintf(cmd, sizeof cmd, "xz -dc '%s'", path);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    int present[SAKSI_NFIXED] = {0};
    const char *labels[3] = {"01", "02", "03"};
    int field_of_col[MAX_COLUMNS];
    int id_col = -1, ncol = 0;
    for (size_t m = 0; m < NMAP; m++)
        if (column_map[m].field < SAKSI_NFIXED) present[column_map[m].field] = 1;
    saksi_table *t = saksi_table_alloc(present, 3, labels);
    assert_non_null(t);
    assert_non_null(fgets(line, sizeof line, f));
    for (char *tok = strtok(line, ",\r\n"); tok && ncol < MAX_COLUMNS;
         tok = strtok(NULL, ",\r\n")) {
        field_of_col[ncol] = -1;
        if (strcmp(tok, "kode_tps") == 0) id_col = ncol;
        for (size_t m = 0; m < NMAP; m++)
            if (strcmp(tok, column_map[m].column) == 0) field_of_col[ncol] = column_map[m].field;
        ncol++;
    }
    assert_int_equal(id_col, 0);
    *rows = *odd = 0;
    uint64_t lineno = 1;
    while (fgets(line, sizeof line, f)) {
        int32_t v[SAKSI_NFIXED + 3];
        const char *id = line;
        size_t idlen = 0;
        char *p = line;
        lineno++;
        for (int i = 0; i < SAKSI_NFIXED + 3; i++)
            v[i] = SAKSI_MISSING;
        for (int c = 0; c < ncol; c++) {
            char *end = p;
            while (*end && *end != ',' && *end != '\n' && *end != '\r')
                end++;
            if (c == id_col) {
                id = p;
                idlen = (size_t)(end - p);
            } else if (field_of_col[c] >= 0) {
                v[field_of_col[c]] = cell_value(p, (size_t)(end - p), odd);
            }
            if (*end != ',') break;
            p = end + 1;
        }
        uint64_t first = 0;
        saksi_error err = {0};
        if (saksi_table_append(t, id, idlen, NULL, v, 0, lineno, &first, &err) != SAKSI_OK)
            fail_msg("line %llu: %s", (unsigned long long)lineno, err.message);
        ++*rows;
    }
    assert_int_equal(pclose(f), 0);
    saksi_error err = {0};
    assert_int_equal(saksi_table_finalize(t, &err), SAKSI_OK);
    return t;
}

static void print_stat(const char *what, const saksi_dispersion_stat *s)
{
    printf("  %-8s districts %zu stations %zu  q1 %.4f  median %.4f  q3 %.4f"
           "  (excluded: missing %zu, range %zu, inconsistent %zu; small districts %zu)\n",
           what, s->regions, s->stations, s->q1, s->median, s->q3, s->excluded_missing,
           s->excluded_range, s->excluded_inconsistent, s->small_regions);
}

static void test_real_and_simulated(void **state)
{
    (void)state;
    const char *shared = test_shared_dir();
    if (!shared) {
        skip();
        return;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", shared, REAL_CSV);
    size_t rows = 0, odd = 0;
    saksi_table *real = read_real(path, &rows, &odd);
    saksi_dispersion dr, ds;
    saksi_error err = {0};
    /* SOURCE.md: 443,968 TPS rows; 36 overseas cells carry a thousands dot */
    assert_int_equal(rows, 443968);
    assert_int_equal(odd, 36);
    assert_int_equal(saksi_dispersion_measure(real, NULL, &dr, &err), SAKSI_OK);
    printf("Sirekap 2024 crawl (%zu TPS), per district, consistent stations only:\n", rows);
    print_stat("turnout", &dr.rate[SAKSI_DISP_TURNOUT]);
    print_stat("share", &dr.rate[SAKSI_DISP_SHARE]);
    /* The leader is paslon 02 (37,268,898 votes in SOURCE.md). */
    assert_int_equal(dr.leader, 1);
    /* Independent computation: datasets/generator/dispersion.awk on the
     * same file (printed to 9 decimals; see datasets/README.md). */
    const saksi_dispersion_stat *rt = &dr.rate[SAKSI_DISP_TURNOUT],
                                *rs = &dr.rate[SAKSI_DISP_SHARE];
    assert_int_equal(rt->regions, 4280);
    assert_int_equal(rs->regions, 4343);
    assert_close(rt->q1, 1.924893223, 1e-8);
    assert_close(rt->median, 2.308742664, 1e-8);
    assert_close(rt->q3, 2.846681320, 1e-8);
    assert_close(rs->q1, 2.361855614, 1e-8);
    assert_close(rs->median, 2.794656539, 1e-8);
    assert_close(rs->q3, 3.338261627, 1e-8);
    saksi_table_free(real);

    /* The default simulated election against the real file. */
    saksi_sim_config c;
    saksi_table *sim = NULL;
    saksi_sim_config_init(&c);
    assert_int_equal(saksi_simulate_table(&c, &sim, NULL, NULL, NULL, &err), SAKSI_OK);
    assert_int_equal(saksi_dispersion_measure(sim, NULL, &ds, &err), SAKSI_OK);
    printf("default simulation (seed %llu, %zu stations):\n", (unsigned long long)c.seed, sim->n);
    print_stat("turnout", &ds.rate[SAKSI_DISP_TURNOUT]);
    print_stat("share", &ds.rate[SAKSI_DISP_SHARE]);
    for (int r = 0; r < SAKSI_NDISP; r++) {
        const saksi_dispersion_stat *a = &dr.rate[r], *b = &ds.rate[r];
        assert_true(b->median >= a->q1 && b->median <= a->q3);
        /* the brief's calibration target: within about 15% of the real median */
        assert_true(fabs(b->median / a->median - 1.0) <= 0.15);
    }
    saksi_dispersion_free(&dr);
    saksi_dispersion_free(&ds);
    saksi_table_free(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_and_simulated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
