/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_rules.c — libFuzzer target for the integrity rules language
 * (saksi_rules_parse) and for what a rules file can make the engine do: a
 * rules text that parses is compiled and evaluated on one of three fixed
 * tables (ordinary stations; the int32 extremes and missing cells; 100
 * candidates of 2147483647 votes), with repair and ranking, and with some
 * option bits the report is written. The first input byte picks options;
 * the rest is the rules file. Signed overflow in the rule arithmetic is
 * undefined behaviour that UBSan turns into a finding.
 */
#include "fuzz_support.h"

/* Option bits of the first byte. */
#define OPT_TABLE_MASK 0x03u /* fixture 0, 1, 2 (3 reads as 0) */
#define OPT_REPORT     0x04u
#define OPT_LANG_ID    0x08u
#define NFIXTURES      3

static const char fixture_plain[] =
    "station_id,registered,registered_male,registered_female,valid,invalid,total,"
    "voters_dpt,voters_dptb,voters_dpk,voters_total,ballots_received,ballots_used,"
    "ballots_spoiled,ballots_unused,cand_01,cand_02,cand_03\n"
    "3171010001001,250,120,130,200,5,205,190,10,5,205,255,205,2,48,120,60,20\n"
    "3171010001002,240,120,120,190,3,193,180,10,3,193,245,193,0,52,100,80,10\n"
    "3171010002001,230,115,115,190,2,192,190,2,0,192,235,192,1,42,95,95,0\n"
    "9401010001001,300,150,150,300,0,300,300,0,0,300,306,300,0,6,300,0,0\n"
    "9901010001001,50,25,25,,,,,,,,,,,,10,,5\n"
    "3271010001001,100,50,50,90,1,91,88,2,1,91,102,91,0,11,45,45,0\n";

static const char fixture_extremes[] =
    "station_id,province,registered,registered_male,registered_female,valid,invalid,total,"
    "voters_dpt,voters_total,ballots_received,ballots_used,ballots_spoiled,ballots_unused,"
    "cand_01,cand_02,cand_03\n"
    "A1,P,2147483647,2147483647,2147483647,2147483647,2147483647,2147483647,2147483647,"
    "2147483647,2147483647,2147483647,2147483647,2147483647,2147483647,2147483647,2147483647\n"
    "A2,P,-2147483647,-2147483647,-2147483647,-2147483647,-2147483647,-2147483647,-2147483647,"
    "-2147483647,-2147483647,-2147483647,-2147483647,-2147483647,-2147483647,-2147483647,"
    "-2147483647\n"
    "A3,Q,2147483647,-2147483647,2147483647,-2147483647,2147483647,-2147483647,2147483647,"
    "-2147483647,2147483647,-2147483647,2147483647,-2147483647,2147483647,-2147483647,"
    "2147483647\n"
    "A4,Q,,,,,,,,,,,,,,,\n"
    "A5,,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n";

/* The 100-candidate table is built at first use. */
static char *fixture_wide(void)
{
    size_t cap = 64 * 1024, n = 0;
    char *s = malloc(cap);
    FUZZ_CHECK(s != NULL, "fixture");
    n += (size_t)snprintf(s + n, cap - n, "station_id,registered,valid,total");
    for (int k = 0; k < 100; k++)
        n += (size_t)snprintf(s + n, cap - n, ",cand_%03d", k);
    n += (size_t)snprintf(s + n, cap - n, "\n");
    for (int i = 0; i < 4; i++) {
        const char *v = i == 1 ? "-2147483647" : i == 2 ? "1" : "2147483647";
        n += (size_t)snprintf(s + n, cap - n, "W%d,%s,%s,%s", i, v, v, v);
        for (int k = 0; k < 100; k++)
            n += (size_t)snprintf(s + n, cap - n, ",%s", i == 3 && k % 2 ? "-2147483647" : v);
        n += (size_t)snprintf(s + n, cap - n, "\n");
    }
    return s;
}

static char fixture_path[NFIXTURES][64];

static void make_fixtures(void)
{
    if (fixture_path[0][0]) return;
    char *wide = fixture_wide();
    const char *text[NFIXTURES] = {fixture_plain, fixture_extremes, wide};
    for (int k = 0; k < NFIXTURES; k++)
        FUZZ_CHECK(
            fuzz_memfile(text[k], strlen(text[k]), fixture_path[k], sizeof fixture_path[k]) >= 0,
            "fixture memfd"); /* kept open for the life of the process */
    free(wide);
}

int saksi_fuzz_rules(const uint8_t *data, size_t size)
{
    char path[64];
    saksi_error err = {0};
    saksi_rules *rules = NULL;
    if (size < 1) return 0;
    make_fixtures();
    unsigned opt = data[0];
    unsigned table = (opt & OPT_TABLE_MASK) % NFIXTURES;

    /* The parser on its own: a success has rules within the limits. */
    saksi_status s = saksi_rules_parse((const char *)data + 1, size - 1, "fuzz", &rules, &err);
    if (s != SAKSI_OK) {
        fuzz_check_error(s, &err, "rules parse");
        FUZZ_CHECK(s == SAKSI_ERR_DATA || s == SAKSI_ERR_NOMEM, "parse status %d", (int)s);
        return 0;
    }
    FUZZ_CHECK(rules->nrules >= 1 && rules->nrules <= SAKSI_MAX_RULES, "%zu rules", rules->nrules);
    for (size_t r = 0; r < rules->nrules; r++)
        FUZZ_CHECK(rules->rule[r].nterms <= SAKSI_MAX_TERMS &&
                       rules->rule[r].nlhs <= rules->rule[r].nterms &&
                       rules->rule[r].nguard <= SAKSI_MAX_TERMS,
                   "rule %zu has %zu terms", r, rules->rule[r].nterms);
    saksi_rules_free(rules);

    /* The same text as a rules file, through the engine. */
    int fd = fuzz_memfile(data + 1, size - 1, path, sizeof path);
    FUZZ_CHECK(fd >= 0, "memfd");
    saksi_config cfg;
    fuzz_config(&cfg);
    cfg.rules_path = path;
    cfg.lang = opt & OPT_LANG_ID ? "id" : "en";
    saksi_engine *e = saksi_engine_alloc(&cfg);
    FUZZ_CHECK(e != NULL, "engine allocation");
    s = saksi_engine_ingest(e, fixture_path[table], &err);
    FUZZ_CHECK(s == SAKSI_OK, "fixture %u: %s", table, err.message);
    s = saksi_engine_run(e, &err);
    /* The one refusal a parsed rules file may still meet: coefficients
     * whose sums could overflow int64 on this table. */
    if (s != SAKSI_OK) {
        fuzz_check_error(s, &err, "run");
        FUZZ_CHECK(s == SAKSI_ERR_DATA && strstr(err.message, "beyond 64 bits"),
                   "rules parsed alone but the run failed: %s", err.message);
    }
    if (s == SAKSI_OK && (opt & OPT_REPORT)) {
        const char *dir = fuzz_out_dir();
        s = saksi_engine_write_report(e, dir, &err);
        FUZZ_CHECK(s == SAKSI_OK, "report: %s", err.message);
        FUZZ_CHECK(fuzz_count_temporaries(dir) == 0, "temporaries left in %s", dir);
    }
    saksi_engine_free(e);
    close(fd);
    return 0;
}

#ifndef SAKSI_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return saksi_fuzz_rules(data, size);
}
#endif
