/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sim_checks.h — helpers of the simulator tests, written independently of
 * the generator: the identities of DESIGN §3 in plain arithmetic, a
 * single-digit-edit enumerator, and readers of stations.csv / labels.csv.
 */
#ifndef SAKSI_SIM_CHECKS_H
#define SAKSI_SIM_CHECKS_H

#include "test_support.h"

#include "analysis.h"
#include "../datasets/generator/generator.h"

/* The 2% reserve, ceil(2 r / 100), in integers. */
static inline int64_t reserve_of(int64_t r)
{
    return (2 * r + 99) / 100;
}

/* 1 when one edit of a's decimal digits (change, drop, insert one digit,
 * swap two adjacent ones), read as a number, gives b. Written with strings
 * and strtol, separately from plant.c. */
static inline int edit_reach(long a, long b)
{
    char s[32], e[40];
    snprintf(s, sizeof s, "%ld", a);
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        for (char d = '0'; d <= '9'; d++) {
            strcpy(e, s);
            e[i] = d;
            if (d != s[i] && strtol(e, NULL, 10) == b) return 1;
        }
        if (n > 1) {
            snprintf(e, sizeof e, "%.*s%s", (int)i, s, s + i + 1);
            if (strtol(e, NULL, 10) == b) return 1;
        }
        if (i + 1 < n && s[i] != s[i + 1]) {
            strcpy(e, s);
            e[i] = s[i + 1];
            e[i + 1] = s[i];
            if (strtol(e, NULL, 10) == b) return 1;
        }
    }
    for (size_t i = 0; i <= n; i++)
        for (char d = '0'; d <= '9'; d++) {
            snprintf(e, sizeof e, "%.*s%c%s", (int)i, s, d, s + i);
            if (strtol(e, NULL, 10) == b) return 1;
        }
    return 0;
}

/*
 * Every identity of DESIGN §3 / datasets/rules/indonesia.rules for one
 * station (x indexed by saksi_field, candidates after SAKSI_NFIXED), with
 * the rules' exceptions for Papua (91-96: no fixed reserve, here between
 * none and ceil(2%)) and overseas (99: no reserve, no 300 limit). Returns
 * NULL when all hold, else the first that fails.
 */
static inline const char *identity_failure(const int32_t *x, size_t ncand, int prov)
{
    int64_t sum = 0;
    for (int f = 0; f < SAKSI_NFIXED + (int)ncand; f++)
        if (x[f] < 0) return "negative value";
    for (size_t k = 0; k < ncand; k++)
        sum += x[SAKSI_NFIXED + k];
    int64_t reg = x[SAKSI_F_REGISTERED], res = reserve_of(reg);
    if (reg < 1) return "registered < 1";
    if (sum != x[SAKSI_F_VALID]) return "sum(cand) != valid";
    if (x[SAKSI_F_VALID] + x[SAKSI_F_INVALID] != x[SAKSI_F_TOTAL])
        return "valid + invalid != total";
    if (x[SAKSI_F_TOTAL] != x[SAKSI_F_VOTERS_TOTAL]) return "total != voters_total";
    if (x[SAKSI_F_TOTAL] != x[SAKSI_F_BALLOTS_USED]) return "total != ballots_used";
    if ((int64_t)x[SAKSI_F_VOTERS_DPT] + x[SAKSI_F_VOTERS_DPTB] + x[SAKSI_F_VOTERS_DPK] !=
        x[SAKSI_F_VOTERS_TOTAL])
        return "dpt + dptb + dpk != voters_total";
    static const int lists[5] = {SAKSI_F_REGISTERED, SAKSI_F_VOTERS_DPT, SAKSI_F_VOTERS_DPTB,
                                 SAKSI_F_VOTERS_DPK, SAKSI_F_VOTERS_TOTAL};
    for (int l = 0; l < 5; l++)
        if ((int64_t)x[lists[l] + 1] + x[lists[l] + 2] != x[lists[l]])
            return "male + female != list";
    if (x[SAKSI_F_VOTERS_DPT] > reg) return "voters_dpt > registered";
    if ((int64_t)x[SAKSI_F_BALLOTS_USED] + x[SAKSI_F_BALLOTS_SPOILED] + x[SAKSI_F_BALLOTS_UNUSED] !=
        x[SAKSI_F_BALLOTS_RECEIVED])
        return "received != used + spoiled + unused";
    int64_t recv = x[SAKSI_F_BALLOTS_RECEIVED];
    if (prov == 99) {
        if (recv != reg) return "overseas: received != registered";
        return NULL;
    }
    if (prov >= 91 && prov <= 96) {
        if (recv < reg || recv > reg + res)
            return "papua: received outside registered + 0..ceil(2%)";
    } else if (recv != reg + res) {
        return "received != registered + ceil(2%)";
    }
    if (x[SAKSI_F_TOTAL] > reg + res) return "total > registered + ceil(2%)";
    if (reg > 300) return "registered > 300";
    return NULL;
}

static inline int prov_of(const char *id)
{
    return (id[0] - '0') * 10 + (id[1] - '0');
}

/* ------------------------------------------------------------------ */
/* stations.csv and labels.csv, read back independently                 */
/* ------------------------------------------------------------------ */

static inline int field_of_name(const char *s)
{
    /* Canonical names of the fixed fields, in saksi_field order (DESIGN §3). */
    static const char *const names[SAKSI_NFIXED] = {"registered",        "registered_male",
                                                    "registered_female", "valid",
                                                    "invalid",           "total",
                                                    "voters_dpt",        "voters_dpt_male",
                                                    "voters_dpt_female", "voters_dptb",
                                                    "voters_dptb_male",  "voters_dptb_female",
                                                    "voters_dpk",        "voters_dpk_male",
                                                    "voters_dpk_female", "voters_total",
                                                    "voters_total_male", "voters_total_female",
                                                    "ballots_received",  "ballots_used",
                                                    "ballots_spoiled",   "ballots_unused"};

    for (int f = 0; f < SAKSI_NFIXED; f++)
        if (strcmp(s, names[f]) == 0) return f;
    if (strncmp(s, "cand_", 5) == 0) return SAKSI_NFIXED + atoi(s + 5) - 1;
    return -1;
}

typedef struct csv_station {
    char id[16];
    int32_t x[SAKSI_NFIXED + SAKSI_SIM_MAX_CAND];
} csv_station;

/* Rows of stations.csv (every field must be present in the header). */
static inline csv_station *read_stations(const char *path, size_t ncand, size_t *n)
{
    size_t len = 0;
    char *text = test_read_file(path, &len);
    assert_non_null(text);
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    int col_field[64], ncol = 0, seen[SAKSI_NFIXED + SAKSI_SIM_MAX_CAND] = {0};
    for (char *p = line;; ncol++) {
        char *comma = strchr(p, ',');
        if (comma) *comma = 0;
        col_field[ncol] = ncol == 0 ? -2 : field_of_name(p);
        if (col_field[ncol] >= 0) seen[col_field[ncol]] = 1;
        if (!comma) break;
        p = comma + 1;
    }
    ncol++;
    for (int f = 0; f < SAKSI_NFIXED + (int)ncand; f++)
        assert_true(seen[f]);
    size_t cap = 1024, m = 0;
    csv_station *rows = malloc(cap * sizeof *rows);
    while ((line = strtok_r(NULL, "\n", &save))) {
        if (m == cap) rows = realloc(rows, (cap *= 2) * sizeof *rows);
        char *p = line;
        for (int c = 0; c < ncol; c++) {
            char *end = strchr(p, ',');
            if (end) *end = 0;
            if (c == 0)
                snprintf(rows[m].id, sizeof rows[m].id, "%s", p);
            else if (col_field[c] >= 0)
                rows[m].x[col_field[c]] = (int32_t)strtol(p, NULL, 10);
            p = end ? end + 1 : p;
        }
        m++;
    }
    free(text);
    *n = m;
    return rows;
}

typedef struct csv_label {
    char id[16];
    int kind, field, primary;
    long truth, reported;
} csv_label;

static inline csv_label *read_labels(const char *path, size_t *n)
{
    char *text = test_read_file(path, NULL);
    assert_non_null(text);
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    assert_string_equal(line, "station_id,kind,field,true_value,reported_value,primary,note");
    size_t cap = 1024, m = 0;
    csv_label *l = malloc(cap * sizeof *l);
    while ((line = strtok_r(NULL, "\n", &save))) {
        char id[16], kind[32], field[32];
        if (m == cap) l = realloc(l, (cap *= 2) * sizeof *l);
        assert_int_equal(sscanf(line, "%15[^,],%31[^,],%31[^,],%ld,%ld,%d", id, kind, field,
                                &l[m].truth, &l[m].reported, &l[m].primary),
                         6);
        snprintf(l[m].id, sizeof l[m].id, "%s", id);
        l[m].kind = saksi_plant_kind_lookup(kind);
        l[m].field = field_of_name(field);
        assert_true(l[m].kind >= 0 && l[m].field >= 0);
        m++;
    }
    free(text);
    *n = m;
    return l;
}

static inline size_t find_station(const csv_station *rows, size_t n, const char *id)
{
    size_t lo = 0, hi = n; /* stations.csv is in code order */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(rows[mid].id, id);
        if (c == 0) return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    fail_msg("station %s of labels.csv not in stations.csv", id);
    return 0;
}

static inline char *simulate_to(const saksi_sim_config *c, const char *tag, saksi_sim_summary *sum)
{
    char *dir = test_mkdtemp(tag);
    char out[4200];
    saksi_error err = {0};
    assert_non_null(dir);
    snprintf(out, sizeof out, "%s/out", dir); /* created by the simulator */
    if (saksi_simulate_write(c, out, sum, &err) != SAKSI_OK) fail_msg("simulate: %s", err.message);
    return dir;
}

static inline int files_equal(const char *a, const char *b)
{
    size_t la = 0, lb = 0;
    char *x = test_read_file(a, &la), *y = test_read_file(b, &lb);
    int eq = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return eq;
}

#endif /* SAKSI_SIM_CHECKS_H */
