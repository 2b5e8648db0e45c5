/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ingest_archive.h — private: members of a zip or tar archive (plain, or
 * inside gzip/xz) read as one stream over saksi_reader, so that the CSV,
 * Sirekap JSON and KawalPemilu readers take the archives the sources ship
 * (Kobak's .csv.zip, the PKW zips, the Sirekap sample zip, KawalPemilu's
 * .tar.xz) without unpacking them. A file that is no archive is one member.
 */
#ifndef SAKSI_INGEST_ARCHIVE_H
#define SAKSI_INGEST_ARCHIVE_H

#include "ingest_internal.h"

enum saksi_archive_kind { SAKSI_ARCHIVE_NONE, SAKSI_ARCHIVE_ZIP, SAKSI_ARCHIVE_TAR };

/* Longest member name kept (longer names are an error). */
#define SAKSI_ARCHIVE_MAX_NAME 4096

typedef struct saksi_archive saksi_archive;

/* Open path with a saksi_reader of buffer_bytes and tell what it holds:
 * a zip (local-header magic of the stored bytes), a tar (ustar magic of
 * the decompressed bytes) or neither. */
saksi_status saksi_archive_open(saksi_archive **out, const char *path, size_t buffer_bytes,
                                saksi_error *err);
int saksi_archive_kind(const saksi_archive *a);
/* Advance to the next regular-file member (directories, links and pax or
 * GNU metadata entries are skipped; the rest of the current member is
 * skipped too). *name is valid until the next call; *more is 0 at the end
 * of the archive, after which the rest of the file has been read (bytes
 * and SHA-256 then cover the whole file). For SAKSI_ARCHIVE_NONE the one
 * member is named by the path. */
saksi_status saksi_archive_next(saksi_archive *a, const char **name, int *more, saksi_error *err);
/* The next bytes of the current member; *len == 0 at its end. A zip
 * member's CRC-32 and size are checked at its end (SAKSI_ERR_DATA). */
saksi_status saksi_archive_read(saksi_archive *a, const char **data, size_t *len, saksi_error *err);
/* The underlying reader (stored bytes, size, SHA-256). */
saksi_reader *saksi_archive_reader(saksi_archive *a);
void saksi_archive_close(saksi_archive *a);

/* 1 when name matches the shell glob pattern ('*' and '?'; '*' also
 * matches '/'); an empty or NULL pattern matches everything. */
int saksi_archive_glob(const char *pattern, const char *name);

#endif /* SAKSI_INGEST_ARCHIVE_H */
