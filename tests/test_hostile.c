/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_hostile.c — hostile numbers (issue 7 §6): counts at the int32
 * limits and 100 candidates of 2147483647 votes, whose sums only fit 64
 * bits, audited on the CPU path and on OpenCL (PoCL): every discrepancy is
 * the exact 64-bit value computed here, the two paths give the same bytes,
 * and a rules file whose coefficients could overflow 64 bits is refused
 * while the largest that cannot is evaluated exactly. Then a decimal-comma
 * locale (de_DE.UTF-8, or one compiled with localedef into a private
 * LOCPATH) in the process and in the CLI's environment: every number in
 * ranked.csv, report.h5 and the JSON summary keeps its decimal point, byte
 * for byte as in the C locale. The sanitizer build (.ci/sanitize) runs this
 * too: no undefined behaviour on any of it.
 * LABELS: opencl
 */
#include "reliability_support.h"

#include <inttypes.h>
#include <locale.h>

#define M     2147483647LL /* INT32_MAX; -M is the smallest count (INT32_MIN is missing) */
#define NCAND 100

static char *dir;
static char input[4300];

/* Three stations of 100 candidates: all at +M (H1), all at -M (H2), and
 * +M/-M alternating with every other count 0 (H3). */
static int write_input(void)
{
    FILE *f = fopen(input, "wb");
    if (!f) return -1;
    fprintf(f, "station_id,province,registered,valid,invalid,total,voters_total");
    for (int k = 0; k < NCAND; k++)
        fprintf(f, ",cand_%03d", k);
    fputc('\n', f);
    for (int s = 0; s < 3; s++) {
        long long v = s == 0 ? M : s == 1 ? -M : 0;
        fprintf(f, "H%d,P%d,%lld,%lld,%lld,%lld,%lld", s + 1, s == 2 ? 2 : 1, v, v, v, v, v);
        for (int k = 0; k < NCAND; k++)
            fprintf(f, ",%lld", s < 2 ? v : (k % 2 ? -M : M));
        fputc('\n', f);
    }
    return fclose(f) == 0 ? 0 : -1;
}

static int group_setup(void **state)
{
    (void)state;
    dir = test_mkdtemp("hostile");
    if (!dir) return -1;
    snprintf(input, sizeof input, "%s/hostile.csv", dir);
    return write_input();
}

static int group_teardown(void **state)
{
    (void)state;
    test_rmtree(dir);
    return 0;
}

/* The value after "key=" on the dump line that starts with prefix, as
 * int64; fails when absent. */
static int64_t dump_value(const char *dump, const char *line_prefix)
{
    for (const char *p = dump; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, line_prefix, strlen(line_prefix)) == 0)
            return strtoll(p + strlen(line_prefix), NULL, 10);
    fail_msg("no line %s in the report dump", line_prefix);
    return 0;
}

static char *h5_dump(const char *path)
{
    char dump[4400];
    snprintf(dump, sizeof dump, "%s.dump", path);
    if (test_run("/usr/bin/python3 '%s/tests/read_report.py' h5 '%s' > '%s'", SAKSI_SOURCE_DIR,
                 path, dump) != 0)
        fail_msg("h5py could not read %s (is python3-h5py installed?)", path);
    return test_read_file(dump, NULL);
}

/* Row of /findings for station id and rule name, from the dump. */
static int64_t finding(const char *dump, const char *id, const char *rule)
{
    char key[128];
    int64_t rule_index = -1;
    for (int r = 0; r < 64 && rule_index < 0; r++) {
        snprintf(key, sizeof key, "/rules[%d].name=%s\n", r, rule);
        if (strstr(dump, key)) rule_index = r;
    }
    if (rule_index < 0) fail_msg("no rule %s", rule);
    for (int k = 0; k < 1000; k++) {
        snprintf(key, sizeof key, "/findings[%d].station_id=%s\n", k, id);
        if (!strstr(dump, key)) continue;
        snprintf(key, sizeof key, "/findings[%d].rule=", k);
        if (dump_value(dump, key) != rule_index) continue;
        snprintf(key, sizeof key, "/findings[%d].discrepancy=", k);
        return dump_value(dump, key);
    }
    fail_msg("no finding of %s at %s", rule, id);
    return 0;
}

static void audit(const char *out, const char *options, int want_exit)
{
    int st = test_run("'%s' audit '%s' -o '%s/%s' --reproducible -q %s 2> '%s/%s.stderr'",
                      SAKSI_CLI, input, dir, out, options, dir, out);
    if (st != want_exit) fail_msg("saksi audit %s: exit %d, expected %d", options, st, want_exit);
}

/* Sums of 100 counts of 2^31 - 1 are exact in 64 bits, on both paths. */
static void test_int32_extremes_and_100_candidates(void **state)
{
    (void)state;
    char path[4400];
    audit("cpu", "--backend cpu", 0);
    audit("ocl", "--backend opencl", 0);
    snprintf(path, sizeof path, "%s/cpu/report.h5", dir);
    char *dump = h5_dump(path);
    /* cand_sum_valid: sum(cand) - valid (hand arithmetic, int64 here). */
    assert_int_equal(finding(dump, "H1", "cand_sum_valid"), NCAND * M - M);
    assert_int_equal(finding(dump, "H2", "cand_sum_valid"), -NCAND * M + M);
    /* valid + invalid - total */
    assert_int_equal(finding(dump, "H1", "valid_invalid_total"), M + M - M);
    assert_int_equal(finding(dump, "H2", "valid_invalid_total"), -M);
    /* registered <= 300: registered - 300 */
    assert_int_equal(finding(dump, "H1", "registered_le_300"), M - 300);
    /* H3: 50 candidates at +M and 50 at -M sum to 0, valid is 0: every
     * rule holds (the negative counts are findings of another kind). */
    snprintf(path, sizeof path, "/stations[2].station_id=H3\n");
    assert_non_null(strstr(dump, path));
    assert_int_equal(dump_value(dump, "/stations[2].fail_mask="), 0);
    /* Votes at stake of a region: the sum of its rows' |votes at stake|,
     * beyond int32 here. A row's is its largest vote-rule excess (99 M),
     * bounded by the station's capacity, registered + ceil(2% of it)
     * = M + 42,949,673 at H1; H2's negative register gives no bound. */
    int64_t p1 = dump_value(dump, "/regions/province[0].votes_at_stake_abs=");
    const int64_t cap_h1 = M + (2 * M + 99) / 100;
    assert_true(p1 > INT32_MAX);
    assert_int_equal(p1, cap_h1 + (NCAND * M - M));
    free(dump);
    /* The kernels' 64-bit sums are the CPU's: identical reports. */
    for (int k = 0; k < REL_NOUTPUTS; k++) {
        size_t a_len = 0, b_len = 0;
        snprintf(path, sizeof path, "%s/cpu/%s", dir, rel_outputs[k]);
        char *a = test_read_file(path, &a_len);
        snprintf(path, sizeof path, "%s/ocl/%s", dir, rel_outputs[k]);
        char *b = test_read_file(path, &b_len);
        assert_non_null(a);
        assert_non_null(b);
        if (a_len != b_len || memcmp(a, b, a_len) != 0)
            fail_msg("%s differs between the CPU path and OpenCL", rel_outputs[k]);
        free(a);
        free(b);
    }
}

/* A rule whose terms could leave int64 is refused with the rule named;
 * the largest coefficients that cannot are evaluated exactly. */
static void test_rule_coefficients_near_int64(void **state)
{
    (void)state;
    char rules[4400], opt[4500], path[4400];
    snprintf(rules, sizeof rules, "%s/big.rules", dir);
    /* 100 candidates: |sum(cand)| <= 100 M < 2^38; 2147483647 * that and
     * more overflows. */
    assert_int_equal(test_write_file(rules, "rule huge integrity: 2147483647 * sum(cand) == 0\n"),
                     0);
    snprintf(opt, sizeof opt, "--backend cpu --rules '%s'", rules);
    audit("huge", opt, 65);
    snprintf(path, sizeof path, "%s/huge.stderr", dir);
    char *msg = test_read_file(path, NULL);
    assert_non_null(
        strstr(msg, "rule huge: with 100 candidates its terms could sum beyond 64 bits"));
    free(msg);
    /* The bound is the sum of |coefficient| x the largest |term|:
     * 20,000,000 x 100 M (4.295e18) + M x M (4.612e18) = 8.907e18, under
     * 2^63 - 1 = 9.223e18: evaluated. With 30,000,000 it is 1.105e19:
     * refused. */
    assert_int_equal(test_write_file(rules, "rule edge integrity: 20000000 * sum(cand) - "
                                            "2147483647 * valid == 0\n"),
                     0);
    audit("edge", opt, 0);
    snprintf(path, sizeof path, "%s/edge/report.h5", dir);
    char *dump = h5_dump(path);
    /* H1: 2e7 x 100 M - M x M = -316,718,720,132,420,609; H2 its negative. */
    const int64_t h1 = 20000000LL * (NCAND * M) - M * M;
    assert_int_equal(finding(dump, "H1", "edge"), h1);
    assert_int_equal(finding(dump, "H2", "edge"), -h1);
    free(dump);
    assert_int_equal(test_write_file(rules, "rule over integrity: 30000000 * sum(cand) - "
                                            "2147483647 * valid == 0\n"),
                     0);
    audit("over", opt, 65);
}

/* ------------------------------------------------------------------ */
/* A decimal-comma locale                                              */
/* ------------------------------------------------------------------ */

/* Put a German UTF-8 locale in effect for this process: the system's, or
 * one compiled into dir/locale (then named in locpath, for the children's
 * LOCPATH). Returns the name for LC_ALL, or fails. */
static const char *german_locale(char *locpath, size_t len)
{
    snprintf(locpath, len, "%s/locale", dir);
    int how = test_comma_locale(LC_ALL, locpath);
    if (!how) fail_msg("no de_DE.UTF-8 locale and localedef could not make one (package locales)");
    if (how == 1) locpath[0] = 0;
    return "de_DE.UTF-8";
}

/* The JSON summary without its timings (they differ run to run). */
static void strip_timing(char *json)
{
    char *t = strstr(json, "\"timing_s\"");
    if (t) *t = 0;
}

static void test_decimal_comma_locale(void **state)
{
    (void)state;
    char c_out[4400], de_out[4400], locpath[4400], buf[64];
    saksi_config cfg;
    saksi_error err = {0};
    /* A realistic input: repairs have weights (floating point in ranked.csv
     * and report.h5), the parameters hold repair_min_weight=0.9. */
    char sub[4400];
    snprintf(sub, sizeof sub, "%s/sim", dir);
    assert_int_equal(mkdir(sub, 0777), 0);
    assert_int_equal(rel_make_input(sub, 400, 9, 0.03), 0);
    char sim_input[4500];
    snprintf(sim_input, sizeof sim_input, "%s/input.csv", sub);

    rel_config(&cfg);
    snprintf(c_out, sizeof c_out, "%s/locale-c", dir);
    snprintf(de_out, sizeof de_out, "%s/locale-de", dir);
    assert_int_equal(rel_audit(&cfg, sim_input, c_out, &err), SAKSI_OK);

    const char *de = german_locale(locpath, sizeof locpath);
    /* The locale is in effect: the C library itself writes a comma. */
    snprintf(buf, sizeof buf, "%.1f", 0.5);
    assert_string_equal(buf, "0,5");
    saksi_status st = rel_audit(&cfg, sim_input, de_out, &err);
    /* And the JSON summary, in this locale, from the same engine code. */
    saksi_engine *e = saksi_engine_alloc(&cfg);
    assert_non_null(e);
    assert_int_equal(saksi_engine_ingest(e, sim_input, &err), SAKSI_OK);
    assert_int_equal(saksi_engine_run(e, &err), SAKSI_OK);
    char json_path[4500];
    snprintf(json_path, sizeof json_path, "%s/de.json", dir);
    FILE *jf = fopen(json_path, "w");
    assert_int_equal(saksi_summary_write_json(saksi_engine_summary(e), jf, &err), SAKSI_OK);
    fclose(jf);
    saksi_engine_free(e);
    setlocale(LC_ALL, "C");
    unsetenv("LOCPATH"); /* the CLI gets it below only where it is asked for */
    assert_int_equal(st, SAKSI_OK);

    rel_reference ref;
    rel_reference_read(&ref, c_out);
    assert_int_equal(rel_check_outputs(de_out, &ref, "decimal-comma locale"), REL_NOUTPUTS);
    rel_reference_free(&ref);
    /* The summary has decimal numbers (timings) and they have points. */
    char *json = test_read_file(json_path, NULL);
    assert_non_null(json);
    const char *timing = strstr(json, "\"timing_s\": {\"ingest\": ");
    assert_non_null(timing);
    /* No digit,digit anywhere: a decimal comma (the separators of JSON
     * are followed by a space). */
    for (const char *c = json; c[0] && c[1] && c[2]; c++)
        if (c[1] == ',' && c[0] >= '0' && c[0] <= '9' && c[2] >= '0' && c[2] <= '9')
            fail_msg("a decimal comma in the JSON summary: %.20s", c);
    assert_non_null(strchr(timing, '.'));
    free(json);

    /* The CLI with LC_ALL in its environment: the same bytes as in C,
     * the JSON (timings aside) too. */
    char env[4600];
    snprintf(env, sizeof env, "%s%s LC_ALL=%s", locpath[0] ? "LOCPATH=" : "", locpath, de);
    for (int pass = 0; pass < 2; pass++) {
        assert_int_equal(test_run("%s '%s' audit '%s' -o '%s/cli%d' --backend cpu "
                                  "--reproducible -q --json > '%s/cli%d.json'",
                                  pass ? env : "LC_ALL=C", SAKSI_CLI, sim_input, dir, pass, dir,
                                  pass),
                         0);
    }
    snprintf(c_out, sizeof c_out, "%s/cli0", dir);
    snprintf(de_out, sizeof de_out, "%s/cli1", dir);
    rel_reference_read(&ref, c_out);
    assert_int_equal(rel_check_outputs(de_out, &ref, "LC_ALL for the CLI"), REL_NOUTPUTS);
    rel_reference_free(&ref);
    char p0[4500], p1[4500];
    snprintf(p0, sizeof p0, "%s/cli0.json", dir);
    snprintf(p1, sizeof p1, "%s/cli1.json", dir);
    char *j0 = test_read_file(p0, NULL), *j1 = test_read_file(p1, NULL);
    strip_timing(j0);
    strip_timing(j1);
    assert_string_equal(j0, j1);
    free(j0);
    free(j1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int32_extremes_and_100_candidates),
        cmocka_unit_test(test_rule_coefficients_near_int64),
        cmocka_unit_test(test_decimal_comma_locale),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
