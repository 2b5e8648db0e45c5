/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_sirekap.c — libFuzzer target for the JSON readers: Sirekap documents
 * (JSON Lines, one document per line) and KawalPemilu nodes, read by the
 * engine as `saksi audit --format ...` reads them, then audited on the CPU
 * path, with some option bits writing the report. The archive reader (zip,
 * tar, gzip, xz: told by magic bytes) is under it too. The first input byte
 * picks options; the rest is the file.
 */
#include "fuzz_support.h"

/* Option bits of the first byte. */
#define OPT_FORMAT_MASK 0x03u /* 0 sirekap, 1 kawalpemilu, 2 auto, 3 sirekap */
#define OPT_REPORT      0x04u
#define OPT_STRICT      0x08u

static const char *const formats[4] = {"sirekap", "kawalpemilu", "auto", "sirekap"};

int saksi_fuzz_sirekap(const uint8_t *data, size_t size)
{
    char path[64];
    saksi_error err = {0};
    if (size < 1) return 0;
    unsigned opt = data[0];
    int fd = fuzz_memfile(data + 1, size - 1, path, sizeof path);
    FUZZ_CHECK(fd >= 0, "memfd");
    saksi_config cfg;
    fuzz_config(&cfg);
    cfg.input_format = formats[opt & OPT_FORMAT_MASK];
    cfg.strict = (opt & OPT_STRICT) != 0;
    saksi_engine *e = saksi_engine_alloc(&cfg);
    FUZZ_CHECK(e != NULL, "engine allocation");
    saksi_status s = saksi_engine_ingest(e, path, &err);
    if (s == SAKSI_OK) s = saksi_engine_run(e, &err);
    if (s == SAKSI_OK && (opt & OPT_REPORT)) {
        const char *dir = fuzz_out_dir();
        s = saksi_engine_write_report(e, dir, &err);
        FUZZ_CHECK(fuzz_count_temporaries(dir) == 0, "temporaries left in %s", dir);
    }
    if (s == SAKSI_OK) {
        const saksi_summary *sum = saksi_engine_summary(e);
        size_t classes = 0;
        for (int k = 0; k < SAKSI_NCLASSES; k++)
            classes += sum->by_class[k];
        FUZZ_CHECK(classes == sum->stations, "classes sum to %zu of %zu stations", classes,
                   sum->stations);
        FUZZ_CHECK(sum->ingest.records == sum->ingest.accepted + sum->ingest.quarantined,
                   "records %llu, accepted %llu, quarantined %llu",
                   (unsigned long long)sum->ingest.records,
                   (unsigned long long)sum->ingest.accepted,
                   (unsigned long long)sum->ingest.quarantined);
        FILE *null = fopen("/dev/null", "w");
        FUZZ_CHECK(null != NULL, "/dev/null");
        FUZZ_CHECK(saksi_summary_write_json(sum, null, &err) == SAKSI_OK, "json: %s", err.message);
        fclose(null);
    } else {
        fuzz_check_error(s, &err, "audit");
    }
    saksi_engine_free(e);
    close(fd);
    return 0;
}

#ifndef SAKSI_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return saksi_fuzz_sirekap(data, size);
}
#endif
