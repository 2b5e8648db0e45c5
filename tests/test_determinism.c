/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_determinism.c — the same input and seed give byte-identical
 * ranked.csv, quarantine.csv and report.h5 under --reproducible (DESIGN §7,
 * issue 7 §4), whatever runs them: the CPU path or OpenCL on PoCL, any
 * work-group size (--local-size), any batch size (--batch-rows), and the
 * stations of the input in another order. Host threads: the engine and the
 * CLI have no thread setting; only the ingest has one (a second thread
 * builds the table, saksi_ingest_options.threads, 2 when two CPUs are
 * online, as in these CLI runs), so the tables read with 1 and with 2
 * threads are compared here cell by cell. A shuffled input
 * has another SHA-256, which report.h5 records in /provenance/inputs: there
 * every other cell must be equal (read back with h5py).
 * Runs the CLI on a simulated election with every kind of anomaly planted.
 * LABELS: opencl
 */
#define _GNU_SOURCE /* memmem */
#include "reliability_support.h"

#include <ctype.h>

enum { STATIONS = 3000 };

static char *dir;
static char plain_dir[4300], shuffled_dir[4300], cache[4300];
static rel_reference ref; /* the CPU run's outputs */

/* A simulated election (every anomaly kind planted) plus two records that
 * cannot be parsed, written to dir/a/input.csv in the simulator's order and
 * to dir/b/input.csv with the station rows shuffled (the unparseable records
 * stay last, so their line numbers, which quarantine.csv reports, are the
 * same; a duplicate id is left out because its detail names the line of the
 * first occurrence, which a shuffle moves). */
static int make_inputs(void)
{
    saksi_sim_config sc;
    saksi_error err = {0};
    char path[4400];
    saksi_sim_config_init(&sc);
    sc.stations = STATIONS;
    sc.seed = 77;
    for (int k = 0; k < SAKSI_NPLANT; k++)
        sc.plant_rate[k] = 0.01;
    snprintf(path, sizeof path, "%s/sim", dir);
    if (saksi_simulate(&sc, path, &err) != SAKSI_OK) return -1;
    snprintf(path, sizeof path, "%s/sim/stations.csv", dir);
    size_t len;
    char *text = test_read_file(path, &len);
    if (!text) return -1;
    /* Split into lines (the simulator writes no quoted newlines). */
    size_t n = 0, cap = STATIONS + 16;
    char **line = malloc(cap * sizeof *line);
    for (char *p = text; *p; n++) {
        line[n] = p;
        p = strchr(p, '\n');
        *p++ = '\0';
    }
    size_t nfields = 1;
    for (const char *c = line[0]; *c; c++)
        nfields += *c == ',';
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) { /* Fisher-Yates with a fixed LCG (Knuth MMIX constants) */
            uint64_t s = 12345;
            for (size_t i = n - 1; i > 1; i--) {
                s = s * 6364136223846793005ull + 1442695040888963407ull;
                size_t j = 1 + (size_t)((s >> 33) % i);
                char *t = line[i];
                line[i] = line[j];
                line[j] = t;
            }
        }
        snprintf(path, sizeof path, "%s/input.csv", pass ? shuffled_dir : plain_dir);
        FILE *f = fopen(path, "wb");
        if (!f) return -1;
        for (size_t i = 0; i < n; i++)
            fprintf(f, "%s\n", line[i]);
        fprintf(f, "9999999999991"); /* a count that is not an integer */
        for (size_t k = 1; k < nfields; k++)
            fprintf(f, ",%s", k == 2 ? "1.827" : "5");
        fprintf(f, "\n9999999999992,1,2\n"); /* too few fields */
        if (fclose(f) != 0) return -1;
    }
    free(line);
    free(text);
    return 0;
}

/* The CLI in the input's directory (the input path, recorded in the
 * report, is "input.csv" in both), writing into dir/<out>; its JSON
 * summary must name the backend the options ask for. */
static void audit(const char *in_dir, const char *out, const char *options)
{
    char json[4400], want[64];
    snprintf(json, sizeof json, "%s/%s.json", dir, out);
    int st = test_run("cd '%s' && '%s' audit input.csv -o '%s/%s' --reproducible --seed 2024 "
                      "--cache-dir '%s' -q --json %s > '%s'",
                      in_dir, SAKSI_CLI, dir, out, cache, options, json);
    if (st != 0) fail_msg("saksi audit %s exited with %d", options, st);
    char *text = test_read_file(json, NULL);
    assert_non_null(text);
    snprintf(want, sizeof want, "\"backend_used\": \"%s\"",
             strstr(options, "--backend opencl") ? "opencl" : "cpu");
    if (!strstr(text, want)) fail_msg("saksi audit %s: the summary lacks %s", options, want);
    free(text);
}

static int group_setup(void **state)
{
    (void)state;
    dir = rel_mkdtemp("determinism");
    if (!dir) return -1;
    snprintf(plain_dir, sizeof plain_dir, "%s/a", dir);
    snprintf(shuffled_dir, sizeof shuffled_dir, "%s/b", dir);
    snprintf(cache, sizeof cache, "%s/clcache", dir);
    if (mkdir(plain_dir, 0777) != 0 || mkdir(shuffled_dir, 0777) != 0 || make_inputs() != 0)
        return -1;
    char out[4400];
    audit(plain_dir, "ref", "--backend cpu");
    snprintf(out, sizeof out, "%s/ref", dir);
    rel_reference_read(&ref, out);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    rel_reference_free(&ref);
    test_rmtree(dir);
    return 0;
}

/* Every output of run `out` equals the CPU reference byte for byte. */
static void assert_identical(const char *out, const char *what)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, out);
    if (rel_check_outputs(path, &ref, what) != REL_NOUTPUTS)
        fail_msg("%s: an output is missing in %s", what, path);
}

/* The reference has content worth comparing: ranked stations of several
 * classes, repairs, quarantined records. */
static void test_reference_is_rich(void **state)
{
    (void)state;
    const char *ranked = ref.data[1];
    size_t rows = 0;
    for (const char *p = ranked; (p = strchr(p, '\n')) != NULL; p++)
        rows++;
    assert_true(rows > 50);
    assert_non_null(strstr(ranked, ",integrity,"));
    assert_non_null(strstr(ranked, ",transcription,"));
    assert_non_null(strstr(ref.data[2], "not_integer"));
    assert_non_null(strstr(ref.data[2], "field_count"));
}

static void test_cpu_batch_and_auto(void **state)
{
    (void)state;
    static const char *const variants[] = {"--backend cpu --batch-rows 1000",
                                           "--backend cpu --batch-rows 1", "--backend auto"};
    for (size_t k = 0; k < sizeof variants / sizeof variants[0]; k++) {
        char out[32];
        snprintf(out, sizeof out, "cpu%zu", k);
        audit(plain_dir, out, variants[k]);
        assert_identical(out, variants[k]);
    }
}

/* PoCL: the kernels under several work-group and batch sizes. */
static void test_opencl_local_and_batch_sizes(void **state)
{
    (void)state;
    static const char *const variants[] = {
        "--backend opencl",
        "--backend opencl --local-size 1",
        "--backend opencl --local-size 16 --batch-rows 777",
        "--backend opencl --local-size 128 --batch-rows 65536",
        "--backend opencl --local-size 256 --batch-rows 13",
    };
    for (size_t k = 0; k < sizeof variants / sizeof variants[0]; k++) {
        char out[32];
        snprintf(out, sizeof out, "ocl%zu", k);
        audit(plain_dir, out, variants[k]);
        assert_identical(out, variants[k]);
    }
}

/* h5py's dump of every attribute, dataset and cell of a report. */
static char *h5_dump(const char *path)
{
    char cmd[8800], dump[4400];
    snprintf(dump, sizeof dump, "%s.dump", path);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/read_report.py' h5 '%s' > '%s'",
             SAKSI_SOURCE_DIR, path, dump);
    if (test_run("%s", cmd) != 0)
        fail_msg("h5py could not read %s (is python3-h5py installed?)", path);
    return test_read_file(dump, NULL);
}

/* The 64 hex digits after "SHA-256 " in an HTML report, zeroed (the
 * reference's are zeroed in place too: it is read only by this test after
 * the byte-for-byte ones). Returns how many were masked. */
static size_t mask_sha256(char *text, size_t len)
{
    static const char tag[] = "SHA-256 ";
    size_t n = 0;
    for (char *p = text; (p = memmem(p, len - (size_t)(p - text), tag, sizeof tag - 1)) != NULL;) {
        p += sizeof tag - 1;
        for (int k = 0; k < 64 && p < text + len && isxdigit((unsigned char)*p); k++)
            *p++ = '0';
        n++;
    }
    return n;
}

/* The same stations in another order: the CSV outputs are the same bytes;
 * report.h5 and report.html differ only in the input's SHA-256. */
static void test_shuffled_rows(void **state)
{
    (void)state;
    static const char *const variants[] = {"--backend cpu", "--backend opencl --local-size 32"};
    char path[4400];
    snprintf(path, sizeof path, "%s/ref/report.h5", dir);
    char *want = h5_dump(path);
    for (size_t k = 0; k < sizeof variants / sizeof variants[0]; k++) {
        char out[32];
        snprintf(out, sizeof out, "shuf%zu", k);
        audit(shuffled_dir, out, variants[k]);
        for (int f = 1; f < REL_NOUTPUTS; f++) { /* the CSV files and report.html */
            size_t len = 0;
            snprintf(path, sizeof path, "%s/%s/%s", dir, out, rel_outputs[f]);
            char *got = test_read_file(path, &len);
            assert_non_null(got);
            /* report.html names the input's SHA-256 once, as report.h5 does;
             * every other byte must be the same. */
            size_t masked = strcmp(rel_outputs[f], "report.html") == 0
                                ? mask_sha256(got, len) + mask_sha256(ref.data[f], ref.len[f])
                                : 0;
            if (len != ref.len[f] || memcmp(got, ref.data[f], len) != 0)
                fail_msg("%s: %s differs after shuffling the rows", variants[k], rel_outputs[f]);
            if (strcmp(rel_outputs[f], "report.html") == 0) assert_int_equal(masked, 2);
            free(got);
        }
        snprintf(path, sizeof path, "%s/%s/report.h5", dir, out);
        char *got = h5_dump(path);
        /* Compare line by line; only the sha256 cell may differ. */
        const char *a = want, *b = got;
        size_t differing = 0, lines = 0;
        while (*a || *b) {
            size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
            if (la != lb || memcmp(a, b, la) != 0) {
                if (strncmp(a, "/provenance/inputs[0].sha256=", 29) != 0 ||
                    strncmp(b, "/provenance/inputs[0].sha256=", 29) != 0)
                    fail_msg("%s: report.h5 differs after shuffling:\n  %.*s\n  %.*s", variants[k],
                             (int)la, a, (int)lb, b);
                differing++;
            }
            lines++;
            a += la + (a[la] != 0);
            b += lb + (b[lb] != 0);
        }
        assert_int_equal(differing, 1); /* the shuffled file is another file */
        assert_true(lines > 1000);      /* every cell of every table was compared */
        free(got);
    }
    free(want);
}

/* The ingest's one thread setting: 1 and 2 threads give the same table
 * and quarantine, on the input in both orders. */
static void test_ingest_threads(void **state)
{
    (void)state;
    const char *dirs[2] = {plain_dir, shuffled_dir};
    for (int d = 0; d < 2; d++) {
        char path[4400];
        saksi_table *t[2] = {NULL, NULL};
        saksi_quarantine *q[2];
        saksi_error err = {0};
        snprintf(path, sizeof path, "%s/input.csv", dirs[d]);
        for (int k = 0; k < 2; k++) {
            saksi_ingest_options opt = {0};
            opt.threads = k + 1;
            opt.buffer_bytes = 4096; /* many batches handed between the threads */
            q[k] = saksi_quarantine_alloc();
            assert_int_equal(saksi_ingest_csv(path, &opt, q[k], &t[k], NULL, &err), SAKSI_OK);
        }
        assert_int_equal(t[0]->n, t[1]->n);
        assert_int_equal(t[0]->nslots, t[1]->nslots);
        for (size_t i = 0; i < t[0]->n; i++)
            assert_string_equal(saksi_table_id(t[0], i), saksi_table_id(t[1], i));
        for (size_t sl = 0; sl < t[0]->nslots; sl++)
            assert_memory_equal(t[0]->cols + sl * t[0]->stride, t[1]->cols + sl * t[1]->stride,
                                t[0]->n * sizeof *t[0]->cols);
        for (int l = 1; l < SAKSI_NLEVELS; l++) {
            assert_int_equal(t[0]->regions[l].n, t[1]->regions[l].n);
            assert_memory_equal(t[0]->region_of[l], t[1]->region_of[l],
                                t[0]->n * sizeof *t[0]->region_of[l]);
        }
        assert_int_equal(q[0]->n, q[1]->n);
        for (size_t r = 0; r < q[0]->n; r++) {
            assert_int_equal(q[0]->rec[r].line, q[1]->rec[r].line);
            assert_string_equal(q[0]->rec[r].detail, q[1]->rec[r].detail);
        }
        for (int k = 0; k < 2; k++) {
            saksi_table_free(t[k]);
            saksi_quarantine_free(q[k]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_is_rich),
        cmocka_unit_test(test_cpu_batch_and_auto),
        cmocka_unit_test(test_opencl_local_and_batch_sizes),
        cmocka_unit_test(test_shuffled_rows),
        cmocka_unit_test(test_ingest_threads),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
