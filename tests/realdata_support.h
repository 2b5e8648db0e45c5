/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * realdata_support.h — helpers of the real-data reader tests: small zip
 * (stored, with or without a data descriptor, or deflated) and tar
 * archives written byte by byte from the formats' specifications (PKWARE
 * APPNOTE 4.3.7, POSIX ustar), so the readers are tested on archives that
 * no saksi code produced.
 */
#ifndef SAKSI_REALDATA_SUPPORT_H
#define SAKSI_REALDATA_SUPPORT_H

#include "test_support.h"

#include <zlib.h>

static inline void put16(FILE *f, unsigned v)
{
    fputc((int)(v & 255), f);
    fputc((int)(v >> 8 & 255), f);
}

static inline void put32(FILE *f, unsigned long v)
{
    put16(f, (unsigned)(v & 0xFFFF));
    put16(f, (unsigned)(v >> 16 & 0xFFFF));
}

/* A zip of n members; deflate != 0 compresses them (raw deflate) and
 * writes the sizes in a data descriptor after each member (flag bit 3),
 * as streaming zip writers do. */
static inline int test_write_zip(const char *path, const char *const *names,
                                 const char *const *texts, size_t n, int deflated)
{
    FILE *f = fopen(path, "wb");
    long off[16];
    unsigned long crc[16], csz[16];
    if (!f || n > 16) return -1;
    for (size_t k = 0; k < n; k++) {
        size_t len = strlen(texts[k]);
        unsigned char *out = malloc(len + 64);
        unsigned long cs = len;
        crc[k] = crc32(0, (const Bytef *)texts[k], (uInt)len);
        if (deflated) {
            z_stream z = {0};
            deflateInit2(&z, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
            z.next_in = (Bytef *)texts[k];
            z.avail_in = (uInt)len;
            z.next_out = out;
            z.avail_out = (uInt)(len + 64);
            deflate(&z, Z_FINISH);
            cs = z.total_out;
            deflateEnd(&z);
        } else {
            memcpy(out, texts[k], len);
        }
        csz[k] = cs;
        off[k] = ftell(f);
        put32(f, 0x04034b50);
        put16(f, 20);
        put16(f, deflated ? 8 : 0); /* flags: bit 3 = data descriptor */
        put16(f, deflated ? 8 : 0);
        put16(f, 0);
        put16(f, 0);
        put32(f, deflated ? 0 : crc[k]);
        put32(f, deflated ? 0 : cs);
        put32(f, deflated ? 0 : len);
        put16(f, (unsigned)strlen(names[k]));
        put16(f, 0);
        fputs(names[k], f);
        fwrite(out, 1, cs, f);
        if (deflated) {
            put32(f, 0x08074b50);
            put32(f, crc[k]);
            put32(f, cs);
            put32(f, len);
        }
        free(out);
    }
    long cd = ftell(f);
    for (size_t k = 0; k < n; k++) {
        put32(f, 0x02014b50);
        put16(f, 20);
        put16(f, 20);
        put16(f, deflated ? 8 : 0);
        put16(f, deflated ? 8 : 0);
        put16(f, 0);
        put16(f, 0);
        put32(f, crc[k]);
        put32(f, csz[k]);
        put32(f, strlen(texts[k]));
        put16(f, (unsigned)strlen(names[k]));
        put16(f, 0);
        put16(f, 0);
        put16(f, 0);
        put16(f, 0);
        put32(f, 0);
        put32(f, (unsigned long)off[k]);
        fputs(names[k], f);
    }
    long end = ftell(f);
    put32(f, 0x06054b50);
    put16(f, 0);
    put16(f, 0);
    put16(f, (unsigned)n);
    put16(f, (unsigned)n);
    put32(f, (unsigned long)(end - cd));
    put32(f, (unsigned long)cd);
    put16(f, 0);
    return fclose(f);
}

/* A ustar archive of n members (names < 100 bytes). */
static inline int test_write_tar(const char *path, const char *const *names,
                                 const char *const *texts, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    for (size_t k = 0; k < n; k++) {
        unsigned char h[512] = {0};
        size_t len = strlen(texts[k]);
        snprintf((char *)h, 100, "%s", names[k]);
        snprintf((char *)h + 100, 8, "%07o", 0644);
        snprintf((char *)h + 108, 8, "%07o", 0);
        snprintf((char *)h + 116, 8, "%07o", 0);
        snprintf((char *)h + 124, 12, "%011lo", (unsigned long)len & 077777777777ul);
        snprintf((char *)h + 136, 12, "%011o", 0);
        h[156] = '0';
        memcpy(h + 257, "ustar", 6);
        memcpy(h + 263, "00", 2);
        memset(h + 148, ' ', 8);
        unsigned sum = 0;
        for (size_t i = 0; i < 512; i++)
            sum += h[i];
        snprintf((char *)h + 148, 8, "%06o", sum);
        fwrite(h, 1, 512, f);
        fwrite(texts[k], 1, len, f);
        static const unsigned char zero[512];
        fwrite(zero, 1, (512 - len % 512) % 512, f);
    }
    static const unsigned char zero[1024];
    fwrite(zero, 1, 1024, f);
    return fclose(f);
}

#endif /* SAKSI_REALDATA_SUPPORT_H */
