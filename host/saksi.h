/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * saksi.h — the one public header of libsaksi, a forensic audit engine for
 * polling-station election results. It declares the station table, the
 * quarantine list, the audit engine and its report, the election simulator
 * and the OpenCL device listing.
 *
 * Conventions: functions return a saksi_status (0 = ok) and fill a
 * caller-owned saksi_error with a message naming file, line and field where
 * the input is at fault. The library never prints and never exits. Objects
 * made by *_alloc / *_read are released by the matching *_free, which
 * accepts NULL.
 */
#ifndef SAKSI_H
#define SAKSI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "saksi_shared.h"

#define SAKSI_VERSION_STRING "0.1.0"

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

typedef enum saksi_status {
    SAKSI_OK = 0,
    SAKSI_ERR_NOMEM,       /* an allocation failed                              */
    SAKSI_ERR_NOINPUT,     /* an input file is missing or unreadable            */
    SAKSI_ERR_IO,          /* a read, write, fsync or rename failed             */
    SAKSI_ERR_CANTCREAT,   /* an output file or directory cannot be created     */
    SAKSI_ERR_DATA,        /* malformed input header, rules file or column map  */
    SAKSI_ERR_STRICT,      /* --strict and at least one record was quarantined  */
    SAKSI_ERR_USAGE,       /* an invalid option or configuration value          */
    SAKSI_ERR_NODEVICE,    /* no OpenCL platform or no device matched           */
    SAKSI_ERR_OPENCL,      /* an OpenCL call or program build failed            */
    SAKSI_ERR_SELFTEST,    /* the device disagreed with the CPU reference       */
    SAKSI_ERR_HDF5,        /* an HDF5 call failed                               */
    SAKSI_ERR_LIMIT,       /* input beyond a documented limit                   */
    SAKSI_ERR_INTERRUPTED, /* saksi_request_stop() was called during the run    */
    SAKSI_ERR_INTERNAL,    /* a broken invariant: a bug in saksi                */
    SAKSI_NSTATUS
} saksi_status;

/* A failure as recorded where it happened. message is always terminated. */
typedef struct saksi_error {
    saksi_status status;
    const char *src_file; /* source file of saksi that recorded it */
    int src_line;
    char message[1024];
} saksi_error;

/* Short, static, English description of a status. */
const char *saksi_strerror(saksi_status status);

/* Ask a running audit to stop at its next batch boundary; it then returns
 * SAKSI_ERR_INTERRUPTED after removing its temporary files. Only sets a
 * flag, so it is safe to call from a signal handler. */
void saksi_request_stop(void);
/* Clear a stop request (for the next run in the same process). */
void saksi_clear_stop(void);

/* ------------------------------------------------------------------ */
/* Station table                                                       */
/* ------------------------------------------------------------------ */

/* Region levels. Level 0 is the whole input (one region). */
enum saksi_level {
    SAKSI_LEVEL_NATIONAL,
    SAKSI_LEVEL_PROVINCE,
    SAKSI_LEVEL_REGENCY,
    SAKSI_LEVEL_DISTRICT,
    SAKSI_LEVEL_VILLAGE,
    SAKSI_NLEVELS
};

/* The regions of one level, in canonical (sorted) order. Region r holds
 * stations [first[r], first[r] + count[r]) of the finalized table, and
 * its parent at the level above is parent[r]. code[r] is the region's own
 * code (the code prefix for 13-digit TPS ids, else the region column's
 * value; "" when unknown). */
typedef struct saksi_regions {
    size_t n;
    char **code;
    uint32_t *parent;
    size_t *first;
    size_t *count;
} saksi_regions;

/* Station strata that behave differently by law; they are separate strata
 * for every distribution test (DESIGN §4). Assigned by the rules file. */
enum saksi_stratum {
    SAKSI_STRATUM_REGULAR,
    SAKSI_STRATUM_SPECIAL,
    SAKSI_STRATUM_OVERSEAS,
    SAKSI_STRATUM_NOKEN,
    SAKSI_NSTRATA
};

/*
 * The station table: structure-of-arrays int32 columns.
 *
 * A column exists for every canonical field present in the input header
 * and for every candidate. Column slot s of station i is
 * cols[s * stride + i]; slot_of_field[f] is the slot of field f, or -1 when
 * the input has no such column (every cell of it counts as missing);
 * candidate k is field SAKSI_NFIXED + k. Empty cells are SAKSI_MISSING.
 *
 * After saksi_table_finalize() the rows are in canonical order (by region
 * codes at each level, then station id), stride == n, so every region at
 * every level is a contiguous run of rows and the input order does not
 * matter.
 */
typedef struct saksi_table {
    size_t n;      /* stations */
    size_t stride; /* distance between two slots in cols */
    size_t nslots; /* columns held */
    int32_t *cols; /* nslots * stride cells */
    int slot_of_field[SAKSI_NFIXED];
    int32_t *field_of_slot; /* nslots entries: the saksi_field of each slot */

    size_t ncand;      /* candidate columns */
    char **cand_label; /* label after "cand_", e.g. "01" */
    int first_cand_slot;

    /* station ids: id of station i is id_chars + id_off[i], terminated */
    char *id_chars;
    size_t *id_off;
    size_t id_maxlen; /* longest id in bytes, for fixed-length report strings */
    uint64_t *id_hash;  /* FNV-1a 64 of the id: RNG key and duplicate check */
    uint64_t *src_line; /* input line of each station, for messages */
    uint32_t *src_file; /* index into the engine's input list */
    uint8_t *stratum;   /* enum saksi_stratum */

    uint32_t *region_of[SAKSI_NLEVELS]; /* per station, region index per level */
    saksi_regions regions[SAKSI_NLEVELS];

    /* private growth state of the ingest, released by finalize */
    struct saksi_table_build *build;
} saksi_table;

/* Name of field f (canonical CSV header, e.g. "voters_dpt_male"). */
const char *saksi_field_name(int field);
/* Field of a canonical header name, or -1. Candidates are not listed here. */
int saksi_field_lookup(const char *name);
/* Name of a level ("national", "province", ...). */
const char *saksi_level_name(int level);
/* Name of a stratum ("regular", "special", "overseas", "noken"). */
const char *saksi_stratum_name(int stratum);

/* A new empty table expecting the given fields (present[f] != 0) and
 * candidate labels. Returns NULL when out of memory. */
saksi_table *saksi_table_alloc(const int present[SAKSI_NFIXED], size_t ncand,
                               const char *const *cand_labels);
void saksi_table_free(saksi_table *t);

/* Append one station. values[f] for every field f < SAKSI_NFIXED + ncand
 * (SAKSI_MISSING when empty; ignored for absent fields); regions[l] for
 * levels 1..4 may be NULL (derived from a 13-digit id, else unknown).
 * Returns SAKSI_OK, SAKSI_ERR_NOMEM, or SAKSI_ERR_DATA when the id is a
 * duplicate, in which case *first_line receives the line of the first. */
saksi_status saksi_table_append(saksi_table *t, const char *id, size_t idlen,
                                const char *const regions[SAKSI_NLEVELS], const int32_t *values,
                                uint32_t src_file, uint64_t src_line, uint64_t *first_line,
                                saksi_error *err);

/* Sort into canonical order and build the region index of every level. */
saksi_status saksi_table_finalize(saksi_table *t, saksi_error *err);

/* Value of field f at station i (SAKSI_MISSING when absent or empty). */
static inline int32_t saksi_table_get(const saksi_table *t, int field, size_t i)
{
    int s = field < SAKSI_NFIXED ? t->slot_of_field[field] : t->first_cand_slot + (field - SAKSI_NFIXED);
    return s < 0 ? SAKSI_MISSING : t->cols[(size_t)s * t->stride + i];
}
static inline const char *saksi_table_id(const saksi_table *t, size_t i)
{
    return t->id_chars + t->id_off[i];
}

/* ------------------------------------------------------------------ */
/* Quarantine                                                          */
/* ------------------------------------------------------------------ */

/* Why a record could not be read (DESIGN §4 "Record policy"). */
enum saksi_qreason {
    SAKSI_Q_FIELD_COUNT,   /* wrong number of fields                  */
    SAKSI_Q_NOT_INTEGER,   /* a count that is not an integer          */
    SAKSI_Q_OVERFLOW,      /* a count outside int32 (reserved MIN too) */
    SAKSI_Q_ENCODING,      /* not valid UTF-8                         */
    SAKSI_Q_DUPLICATE_ID,  /* station id seen before                  */
    SAKSI_Q_MISSING_ID,    /* empty station id                        */
    SAKSI_Q_LINE_TOO_LONG, /* beyond the configured line limit        */
    SAKSI_Q_BAD_QUOTE,     /* unterminated or stray quote             */
    SAKSI_Q_MALFORMED,     /* JSON: syntax, truncation, nesting too deep */
    SAKSI_Q_WRONG_TYPE,    /* JSON: a member of the wrong type        */
    SAKSI_Q_DUPLICATE_KEY, /* JSON: a member given twice              */
    SAKSI_Q_CODE_TOO_LONG, /* station id or region longer than SAKSI_MAX_CODE_BYTES */
    SAKSI_NQREASONS
};

/* Longest station id, region code or column name accepted, in bytes.
 * Report tables store ids and codes as fixed-length strings as wide as the
 * longest one, so one 900 KB id in an input of 2,000 stations made a 5 GB
 * report in memory (measured, tests/test_limits.c). Real codes are short
 * but not tiny: a TPS code has 13 digits, while the region paths the
 * russia-kobak preset composes (region/commission, in Cyrillic, two bytes a
 * letter) reach 268 bytes in Kobak's 2024 file, which an earlier limit of
 * 256 quarantined (55 stations of Kherson); 1024 leaves room for longer
 * names in other languages and still bounds a row. */
#define SAKSI_MAX_CODE_BYTES 1024

typedef struct saksi_qrecord {
    uint32_t file;      /* index into saksi_quarantine.files */
    uint64_t line;      /* 1-based physical line where the record starts */
    uint32_t column;    /* 1-based field number, 0 for the whole record */
    int reason;         /* enum saksi_qreason */
    const char *field;  /* header name of the column, or "" */
    const char *station_id; /* as read, or "" */
    const char *detail; /* human-readable: the offending text, truncated */
} saksi_qrecord;

typedef struct saksi_quarantine {
    size_t n;
    saksi_qrecord *rec;
    size_t nfiles;
    char **files;
    struct saksi_qarena *arena; /* private string storage */
} saksi_quarantine;

const char *saksi_qreason_name(int reason);
saksi_quarantine *saksi_quarantine_alloc(void);
void saksi_quarantine_free(saksi_quarantine *q);
/* Register an input file name; returns its index in *file_index. */
saksi_status saksi_quarantine_add_file(saksi_quarantine *q, const char *path, uint32_t *file_index,
                                       saksi_error *err);
/* Append a record; strings are copied (detail and station_id truncated to
 * 200 bytes, control characters turned into spaces). */
saksi_status saksi_quarantine_add(saksi_quarantine *q, uint32_t file, uint64_t line, uint32_t column,
                                  int reason, const char *field, const char *station_id,
                                  const char *detail, saksi_error *err);

/* ------------------------------------------------------------------ */
/* Ingest                                                              */
/* ------------------------------------------------------------------ */

/* A column map: input header name -> canonical name (DESIGN §3). */
typedef struct saksi_colmap saksi_colmap;
saksi_colmap *saksi_colmap_alloc(void);
void saksi_colmap_free(saksi_colmap *m);
/* Add "canonical=input" (as given to --map). */
saksi_status saksi_colmap_add(saksi_colmap *m, const char *pair, saksi_error *err);
/* Read a map file: one "canonical=input" per line, '#' comments. */
saksi_status saksi_colmap_read(saksi_colmap *m, const char *path, saksi_error *err);
/* Canonical name for an input header (the header itself when unmapped). */
const char *saksi_colmap_canonical(const saksi_colmap *m, const char *input_name);

/* A preset: a layout's column map and parsing options, read from a data
 * file (datasets/presets/NAME.preset, embedded at build time, or a path;
 * syntax in datasets/presets/README.md). */
typedef struct saksi_preset saksi_preset;
/* NAME (no '/' or '.') of a built-in preset, or the path of a preset file. */
saksi_status saksi_preset_load(const char *name_or_path, saksi_preset **out, saksi_error *err);
/* Parse preset text; origin names it in messages. */
saksi_status saksi_preset_parse(const char *text, size_t len, const char *origin,
                                saksi_preset **out, saksi_error *err);
void saksi_preset_free(saksi_preset *p);
const char *saksi_preset_name(const saksi_preset *p);
const char *saksi_preset_origin(const saksi_preset *p);
/* Sources the preset describes: 1, or 2 with a [compare] section (a
 * second source's columns of the same file), and their labels. */
size_t saksi_preset_nsources(const saksi_preset *p);
const char *saksi_preset_source_label(const saksi_preset *p, size_t s);

/* Per-station metadata beside the counts (Sirekap's ts, psu, status_* and
 * image URLs; a CSV preset's timestamp column): host/ingest_sirekap.h. */
struct saksi_station_meta;

/* Zero-initialise, then set what differs from the defaults (0 = default). */
typedef struct saksi_ingest_options {
    const saksi_colmap *map; /* may be NULL */
    size_t buffer_bytes;     /* read buffer; 0: 4 MiB */
    size_t max_line_bytes;   /* longest record accepted; 0: 1 MiB */
    /* NULL, or called after each read block with stage "ingest" and the
     * fraction of the stored file read so far */
    void (*progress_cb)(void *ctx, const char *stage, double fraction);
    void *progress_ctx;
    const saksi_preset *preset; /* NULL: canonical CSV (with map) */
    size_t preset_source;       /* which of the preset's sources to read */
    struct saksi_station_meta *meta; /* NULL, or collects per-station metadata */
    /* 1: parse and build the table in one thread; 2: the table is built in
     * a second thread while parsing goes on; 0: 2 when two CPUs are online.
     * The table is the same either way. */
    int threads;
} saksi_ingest_options;

/* Ingest counters, reported in the summary. records == accepted +
 * quarantined, always. */
typedef struct saksi_ingest_stats {
    uint64_t bytes;        /* bytes of the file as stored (compressed size for .gz/.xz) */
    uint64_t records;      /* data records seen (not the header, not blank lines) */
    uint64_t accepted;     /* stations appended to the table */
    uint64_t quarantined;  /* records sent to quarantine */
    uint64_t missing_cells; /* empty count cells (SAKSI_MISSING) among accepted records */
    uint64_t blank_lines;  /* empty lines, skipped: they hold no record */
    unsigned char sha256[32]; /* of the file as stored */
    /* input columns with no canonical name (read, then ignored), comma-
     * separated, ending in "..." when they do not fit; "" when none */
    char ignored_columns[512];
    /* rows a preset's filter left out (not records: KawalPemilu's "0"
     * placeholder TPS, for instance) */
    uint64_t filtered;
    /* JSON readers: documents read (a file, a line, an archive member) */
    uint64_t documents;
} saksi_ingest_stats;

/*
 * Stream a canonical station CSV (DESIGN §3), plain or gzip/xz-compressed
 * (told by its magic bytes), into a new table. Records that cannot be
 * parsed go to q (required; the file is registered there and its index is
 * the table's src_file) with file, line, column and reason. The header,
 * after the column map, decides which fields exist: a column with no
 * canonical name is ignored and listed in stats->ignored_columns; a
 * missing station_id or registered column, no cand_ column, or two columns
 * giving the same canonical field is SAKSI_ERR_DATA. A file that cannot be
 * opened is SAKSI_ERR_NOINPUT, a read error SAKSI_ERR_IO, a stop request
 * SAKSI_ERR_INTERRUPTED. stats may be NULL. On success *out is a finalized
 * table; on failure *out is NULL (records already quarantined stay in q).
 */
saksi_status saksi_ingest_csv(const char *path, const saksi_ingest_options *opt, saksi_quarantine *q,
                              saksi_table **out, saksi_ingest_stats *stats, saksi_error *err);

/* ------------------------------------------------------------------ */
/* Election simulator                                                  */
/* ------------------------------------------------------------------ */

/* Kinds of planted anomaly, with a ground-truth label per changed field.
 * Precisely (datasets/README.md has the same list, with the rules each
 * kind breaks):
 *  - sum_mismatch: one candidate count changed by 2..SAKSI_SIM_SUM_MISMATCH_MAX
 *    votes either way, to a value that is not one single-digit edit (change,
 *    drop, insert one digit, swap two adjacent digits) of the true value in
 *    either direction; nothing else changes, so sum(cand) != valid.
 *  - transcription: one single-digit edit of one field (every field takes
 *    part in at least one equality), written without a leading zero; a
 *    changed digit follows the OCR confusions 1<->7, 3<->8, 0<->8, 5<->6,
 *    4<->9 most of the time, and a stray leading digit is a common edit.
 *  - over_registration: either registered inflated to 301..400 with its L/P
 *    split, ballots_received and ballots_unused made consistent (only
 *    registered <= 300 fails; never overseas), or phantom DPT voters: the
 *    DPT voters raised above registered by extra ballots for one candidate
 *    with every equality kept (voters_dpt <= registered fails).
 *  - missing_zero: registered and its L/P entered as 0 while votes exist.
 *  - ballot_stuffing: k extra DPT voters and ballots for one candidate,
 *    every equality and inequality kept (k bounded by the unused ballots,
 *    the DPT non-voters and the capacity).
 *  - vote_transfer: m votes moved from one candidate to another.
 *  - rounding: every candidate count moved to the nearest multiple of 5,
 *    and valid, total, voters and ballots re-made consistent.
 * A kind that a station cannot carry (no headroom, a single candidate, ...)
 * leaves it clean; the summary counts those as skipped. */
enum saksi_plant_kind {
    SAKSI_PLANT_SUM_MISMATCH,  /* a candidate count off by a non-digit amount */
    SAKSI_PLANT_TRANSCRIPTION, /* one digit of one field misread (OCR)         */
    SAKSI_PLANT_OVER_REGISTRATION, /* registered above capacity / DPT users > DPT */
    SAKSI_PLANT_MISSING_ZERO,  /* a field entered as 0 (not entered)           */
    SAKSI_PLANT_BALLOT_STUFFING, /* extra ballots for one candidate, sums kept */
    SAKSI_PLANT_VOTE_TRANSFER, /* votes moved between candidates, sums kept    */
    SAKSI_PLANT_ROUNDING,      /* counts rounded to end in 0 or 5              */
    SAKSI_NPLANT
};

/* Name of a kind as written in labels.csv ("sum_mismatch", ...), and back
 * (-1 when unknown). */
const char *saksi_plant_kind_name(int kind);
int saksi_plant_kind_lookup(const char *name);

/* Most candidates the simulator draws; also the largest sum_mismatch. */
#define SAKSI_SIM_MAX_CAND 16
#define SAKSI_SIM_SUM_MISMATCH_MAX 50

/* Standard deviations of one random effect at each level (normal, on the
 * logit or log-ratio scale); a station's value is the sum down its path. */
typedef struct saksi_sim_effects {
    double province, regency, district, village, station;
} saksi_sim_effects;

/*
 * The election model. Rates are national targets for regular stations;
 * intercepts are calibrated to them once per run (the mean over the random
 * effects, not the rate at zero effect). Defaults, measured on Sirekap 2024
 * or taken from KPU figures, are documented in datasets/README.md.
 */
typedef struct saksi_sim_model {
    double turnout;   /* voters_dpt / registered; 0.80                      */
    double share[SAKSI_SIM_MAX_CAND]; /* of valid votes, the first ncand positive
                         and summing to 1; 0.25 0.58 0.17 (set them, or call
                         saksi_sim_config_equal_shares, for another ncand) */
    double invalid;   /* invalid / total; 0.022                             */
    double dptb, dpk; /* voters_dptb and voters_dpk / voters_total; 0.015, 0.005 */
    double spoiled;   /* probability that a ballot left after the DPT voters is
                         spoiled; 0.01                                     */
    double male;      /* registered_male / registered; 0.5                  */
    double female_turnout_logit; /* women's minus men's turnout logit; 0.05 */
    saksi_sim_effects turnout_sd, share_sd, invalid_sd, added_sd;
    /* per district, the village and station sds of turnout and of the shares
     * are multiplied by a lognormal factor with mean 1 and these sdlogs */
    struct {
        double turnout, share;
    } dispersion_district_sdlog;
    /* at a regular station of registered n, the station effects' variances
     * (turnout, shares, invalid, added) are multiplied by (n / n_mean)^this,
     * n_mean the mean regular size 1 + 300 size_a / (size_a + size_b); 0
     * (default): one variance at every size. Sirekap 2024's within-district
     * latent variance falls with size at about -1.4 for turnout and -1.0
     * for the leader's share (docs/turnout.md, "The station's size, its
     * spread"). */
    double station_sd_size_slope;
    /* registered at a regular station = 1 + floor(300 * Beta(a, size_b)),
     * a = size_a * lognormal(size_regency_sd) per regency (mean kept) */
    double size_a, size_b, size_regency_sd;
    /* overseas (99): registered = 1 + floor(lognormal(median, sdlog)); its
     * own turnout and added-voter share; received = registered (no reserve) */
    double overseas_size_median, overseas_size_sdlog;
    double overseas_turnout, overseas_added, overseas_dptb_of_added;
    /* noken (94, 95): turnout, share of stations voting as one bloc for one
     * candidate, invalid rate, added-voter share */
    double noken_turnout, noken_bloc, noken_invalid, noken_added;
    /* special TPS (prisons, hospitals): rate among regular stations, size
     * range, DPT turnout, added-voter share (mostly DPTb) */
    double special_rate, special_turnout, special_added, special_dptb_of_added;
    int special_size_min, special_size_max;
} saksi_sim_model;

typedef struct saksi_sim_config {
    uint64_t seed;       /* default 2024 */
    size_t stations;     /* target count; default 823,236; at most SAKSI_SIM_MAX_STATIONS */
    size_t provinces;    /* default 38 (real Indonesian codes, the first N by code) */
    int overseas;        /* add the overseas province 99; default 1 */
    size_t ncand;        /* default 3, at most SAKSI_SIM_MAX_CAND */
    double plant_rate[SAKSI_NPLANT]; /* per-station probability of each kind; default 0;
                                        their sum must not exceed 1 */
    int with_region_columns; /* also write province..village columns */
    saksi_sim_model model;
} saksi_sim_config;

#define SAKSI_SIM_DEFAULT_STATIONS 823236
#define SAKSI_SIM_MAX_STATIONS 5000000

void saksi_sim_config_init(saksi_sim_config *c);
/* Equal national shares for the first c->ncand candidates. */
void saksi_sim_config_equal_shares(saksi_sim_config *c);

/* One field changed by a planted anomaly. */
typedef struct saksi_sim_label {
    char station_id[16];
    int kind;               /* enum saksi_plant_kind */
    int field;              /* saksi_field; candidate k is SAKSI_NFIXED + k */
    int32_t true_value;     /* as simulated */
    int32_t reported_value; /* as written to the table / stations.csv */
    int primary;            /* 1: the field the anomaly acts on; 0: changed to keep sums */
    char note[48];          /* e.g. "edit=change", "k=12" */
} saksi_sim_label;

/* What a simulation produced (hierarchy counts include the overseas
 * province, which is also counted on its own). */
typedef struct saksi_sim_summary {
    size_t regions[SAKSI_NLEVELS];          /* [0] = 1 */
    size_t overseas_regions[SAKSI_NLEVELS]; /* of them, under province 99 */
    size_t stations, overseas_stations, noken_stations, special_stations;
    size_t planted[SAKSI_NPLANT]; /* stations carrying each kind */
    size_t skipped[SAKSI_NPLANT]; /* drawn but not applicable: left clean */
    size_t nlabels;
    uint64_t registered, voters_total, voters_dptb, voters_dpk, valid, invalid;
    uint64_t cand_votes[SAKSI_SIM_MAX_CAND];
    int32_t max_registered_regular; /* largest registered outside province 99 */
    double seconds;               /* wall time */
} saksi_sim_summary;

/* Simulate an election; write stations.csv and labels.csv (header only
 * when nothing is planted) into dir, creating dir if needed. Each file is
 * written under a temporary name and renamed. Deterministic for a given
 * configuration. summary may be NULL. */
saksi_status saksi_simulate_write(const saksi_sim_config *c, const char *dir,
                                  saksi_sim_summary *summary, saksi_error *err);
/* saksi_simulate_write without a summary. */
saksi_status saksi_simulate(const saksi_sim_config *c, const char *dir, saksi_error *err);
/* Simulate into a finalized station table (every field present, candidates
 * "01".."NN") and the label list (malloc'd, caller frees; NULL with 0 when
 * nothing was planted). The same configuration gives the same values as
 * stations.csv. summary may be NULL. */
saksi_status saksi_simulate_table(const saksi_sim_config *c, saksi_table **table,
                                  saksi_sim_label **labels, size_t *nlabels,
                                  saksi_sim_summary *summary, saksi_error *err);

/* ------------------------------------------------------------------ */
/* OpenCL devices                                                      */
/* ------------------------------------------------------------------ */

enum saksi_backend { SAKSI_BACKEND_AUTO, SAKSI_BACKEND_OPENCL, SAKSI_BACKEND_CPU };

typedef struct saksi_device_info {
    unsigned platform, device; /* indices, as given to --device P:D */
    char platform_name[128];
    char device_name[128];
    char version[128];  /* device OpenCL version */
    char driver[64];
    int is_cpu;         /* CL_DEVICE_TYPE_CPU */
    uint64_t global_mem;
    uint32_t compute_units;
    size_t max_work_group;
} saksi_device_info;

/* List OpenCL devices into a malloc'd array (caller frees). *n = 0 and
 * SAKSI_OK when the ICD loader finds no platform. */
saksi_status saksi_devices_list(saksi_device_info **list, size_t *n, saksi_error *err);

/* ------------------------------------------------------------------ */
/* Audit                                                               */
/* ------------------------------------------------------------------ */

/* Station classes (DESIGN §5), in the default ranking priority. */
enum saksi_class {
    SAKSI_CLASS_NONE,
    SAKSI_CLASS_INTEGRITY,
    SAKSI_CLASS_ANOMALY,
    SAKSI_CLASS_TRANSCRIPTION,
    SAKSI_CLASS_INCOMPLETE,
    SAKSI_CLASS_CROSS_SOURCE,
    SAKSI_NCLASSES
};
const char *saksi_class_name(int klass);
/* Class of a name ("anomaly", ...), or -1. */
int saksi_class_lookup(const char *name);
/* Parse a --class-priority list such as "anomaly,integrity": the named
 * classes rank first, in that order, then the others in the default order
 * (integrity, anomaly, transcription, incomplete, cross-source).
 * SAKSI_ERR_USAGE names an unknown or repeated class. */
saksi_status saksi_class_priority_parse(const char *list, int priority[SAKSI_NCLASSES],
                                        saksi_error *err);

/* Null of the region tests (DESIGN §4 "Effect sizes and inflation"):
 * calibrated (the peer model's p-values as they are) or empirical (each
 * (test, level) family's p-values deflated by its inflation factor lambda
 * when lambda > 1, --null empirical). */
enum saksi_null_model { SAKSI_NULL_CALIBRATED, SAKSI_NULL_EMPIRICAL };

/* Default integer-percent tolerance in points (saksi_config.integer_tolerance). */
#define SAKSI_IPCT_DEFAULT_TOLERANCE 0.05

typedef struct saksi_config {
    const char *rules_path;  /* NULL: the built-in Indonesian rules      */
    const char *map_path;    /* column map file, or NULL                  */
    const char *strata_path; /* CSV station_id,stratum overriding the rules'
                                region strata (special TPS), or NULL        */
    const char *const *map_pairs; /* NULL-terminated "canonical=input" list */
    int strict;              /* any quarantined record is fatal          */
    int backend;             /* enum saksi_backend                        */
    int platform_index, device_index; /* -1: first GPU/accelerator        */
    const char *kernel_dir;  /* load .cl from here instead of the embedded copy */
    const char *cache_dir;   /* OpenCL program binaries; NULL: default, "" off */
    size_t batch_rows;       /* stations per kernel batch; default 65536    */
    size_t local_size;       /* work-group size; 0: each kernel's fixed default */
    int reproducible;        /* pin time and device in the report          */
    uint64_t seed;           /* for every random draw; default 2024         */
    double repair_min_weight; /* class transcription when unique or >= this; 0.9 */
    size_t repair_max_alternatives; /* listed per station; default 5          */
    int class_priority[SAKSI_NCLASSES]; /* rank order; default DESIGN §5    */
    const char *lang;        /* reasons in ranked.csv: "en" (default) or "id" */
    int progress;            /* report progress through the callback      */
    const char *preset;      /* preset name or path (--preset), or NULL    */
    const char *compare_path; /* second source of the same stations (--compare), or NULL */
    const char *input_format; /* "auto" (NULL), "csv", "sirekap", "kawalpemilu" */
    void (*progress_cb)(void *ctx, const char *stage, double fraction);
    void *progress_ctx;
    /* fingerprint family (issue 4): turnout x winner-share fingerprints,
     * shape statistics, and the opt-in fit of Klimek et al.'s model */
    int fingerprint_fit;          /* fit (f_i, f_e) with bootstrap and null; default 0 */
    size_t fingerprint_bins;      /* bins per axis, 1..255; default 100 */
    size_t fingerprint_bootstrap; /* bootstrap replicates of each fit; default 20 */
    size_t fingerprint_null_runs; /* clean simulated elections of the fit's null; default 20 */
    size_t shape_bootstrap;       /* bootstrap replicates of the shape statistics; default 20 */
    int null_model;          /* enum saksi_null_model of the region tests;
                                SAKSI_NULL_CALIBRATED                      */
    double region_alpha;     /* a region is flagged when q < this and its
                                effect clears its floor; 0.05              */
    size_t digits_min_numbers; /* power guard of the digit tests: numbers a
                                (region, candidate) needs; 50              */
    /* Turnout and vote-share family (issue 4; docs in analysis/turnout.h) */
    int baselines;            /* station baselines (DESIGN §4); default 1 */
    int integer_percent;      /* Kobak integer percentages; default 1 */
    double integer_tolerance; /* points a rate may miss an integer percent by, a
                                 multiple of 0.0001; default 0.05: the rate shown
                                 with one decimal is a whole percent (Kobak et al.;
                                 analysis/turnout.h); 0: exact equality */
    int integer_leader;       /* candidate index fixed in advance; -1 (default):
                                 the national leader, most valid votes in the input */
    int integer_share_total;  /* 1: leader / (valid + invalid), Kobak's notebooks
                                 (needs a total column); 0 (default): / valid */
    int baseline_null;        /* shape of the station-baseline peer null: 0 (default)
                                 logit-normal binomial, 1 beta-binomial (variant) */
    int baseline_size_trend;  /* 1 (default): station expectations follow the
                                 registered size (analysis/size_trends.c);
                                 0: the peers' rate as it is (sensitivity) */
    int baseline_size_dispersion; /* 1 (default): station variances follow the
                                     registered size (analysis/size_trends.c);
                                     0: the peers' variance as it is (sensitivity) */
} saksi_config;

/* Defaults documented field by field above. */
void saksi_config_init(saksi_config *c);

typedef struct saksi_engine saksi_engine;

/* Per-stage wall time in seconds (monotonic clock). */
typedef struct saksi_timing {
    double ingest, integrity, repair, rank, report_h5, report_csv, total;
    double fingerprints;    /* fingerprints and shape statistics, the fit included */
    double fingerprint_fit; /* of which the opt-in fraud-model fit */
    double digits; /* the digit family (issue 3) */
    double baselines; /* station baselines and integer percentages */
    double report_html; /* report.html, class CSVs and regions.csv (issue 5) */
} saksi_timing;

/* One BH family of region tests, (test, level), for the summary. */
typedef struct saksi_region_family {
    const char *test;
    int level;      /* enum saksi_level */
    size_t m;       /* regions tested in the family */
    size_t flagged; /* q < region_alpha and effect above its floor */
    double lambda;  /* inflation factor; NaN when nothing was tested */
} saksi_region_family;

/* One flagged region test. Strings live as long as the engine. */
typedef struct saksi_flagged_region {
    const char *test;
    int level;        /* enum saksi_level */
    const char *code; /* the region's code */
    int candidate;    /* -1: candidates combined */
    uint32_t n;       /* numbers or stations tested */
    double effect, effect_lo, effect_hi, q;
} saksi_flagged_region;

/* Flagged regions listed in the summary, the most significant first
 * within each level (every one of them is in report.h5). */
#define SAKSI_SUMMARY_MAX_FLAGGED 100

/* What a finished audit reports, for the CLI's message and --json. */
typedef struct saksi_summary {
    saksi_ingest_stats ingest;
    size_t stations;
    size_t regions[SAKSI_NLEVELS];
    size_t by_class[SAKSI_NCLASSES];
    size_t nrules;
    const char *const *rule_names;    /* nrules names                   */
    const size_t *rule_failed;        /* stations failing each rule      */
    const size_t *rule_evaluated;     /* stations where it was evaluable */
    size_t negative_stations;         /* stations with a negative value  */
    size_t repaired;                  /* stations with a unique or >= weight repair */
    const char *backend_used;         /* "opencl" or "cpu"               */
    const char *backend_reason;       /* why that path ran, one line      */
    const char *device;               /* device name, "" for cpu          */
    saksi_timing timing;
    struct {
        int fitted;                  /* --fingerprint-fit ran            */
        double fi, fe;               /* the national fit                 */
        double fi_null_p95, fe_null_p95; /* 95th percentiles over clean elections */
        double p_fi, p_fe;           /* calibrated against them          */
    } fingerprint;
    /* real-data readers (issue 6) */
    const char *input_format;  /* "csv", "sirekap-json" or "kawalpemilu-json" */
    const char *preset;        /* preset name, "" for none                     */
    uint64_t json_null_values; /* JSON nulls read as missing                    */
    uint64_t adm_absent;       /* Sirekap documents without an administrasi block */
    uint64_t chart_absent;     /* ... without a chart                           */
    uint64_t null_chart_keys;  /* spurious "null" chart keys (read as nothing)  */
    uint64_t code_mismatch;    /* documents whose image URLs name another TPS   */
    /* cross-source comparison (--compare, or a preset's [compare] source) */
    size_t compare_matched;    /* stations in both sources                      */
    size_t compare_differing;  /* of them, with at least one field different    */
    size_t compare_only_primary, compare_only_other; /* in one source only     */
    uint64_t compare_field_diffs; /* (station, field) pairs that differ         */
    uint64_t compare_filled;   /* (station, field) missing in one, present in the other */
    size_t compare_any;        /* stations with any difference, fills included */
    size_t compare_cand_changed; /* stations whose candidate counts differ      */
    size_t nregion_families;                   /* (test, level) BH families  */
    const saksi_region_family *region_families; /* by test, then level        */
    size_t nflagged_regions;                   /* flagged rows, all families */
    size_t nflagged_listed;                    /* at most SAKSI_SUMMARY_MAX_FLAGGED */
    const saksi_flagged_region *flagged_regions; /* by level, then q          */
    /* Turnout and vote-share family (issue 4); zero when not run */
    size_t baseline_tested;   /* station-measure mid-p values computed */
    size_t baseline_skipped;  /* station-measures skipped with a reason (absent columns not counted) */
    int integer_leader;       /* candidate index of the leader whose share is tested, -1 none */
    size_t integer_tested;    /* stations in the national integer-percent test */
    size_t integer_observed;  /* of them with turnout or the leader's share at an integer percent */
    double integer_expected;  /* its exact Poisson-binomial expectation (NaN when not run) */
    double integer_p;         /* one-sided mid-p of the national test (NaN when skipped) */
    size_t strata_listed;             /* stations named by --strata */
    size_t strata_applied;            /* of them found in the table (stratum set) */
    size_t anomaly_tested;            /* stations with a calibrated p-value */
    size_t anomaly_flagged;           /* of them with weighted-BH q < 0.05  */
} saksi_summary;

saksi_engine *saksi_engine_alloc(const saksi_config *cfg);
void saksi_engine_free(saksi_engine *e);

/* Read one input into the engine: a CSV (canonical, or shaped by
 * cfg->preset), Sirekap JSON (a directory tree of per-TPS documents, JSON
 * Lines, or a zip/tar of documents) or KawalPemilu 2019 node JSON (a tar,
 * e.g. .tar.xz, or a directory); cfg->input_format, or told from the
 * content. With cfg->compare_path, that second source is read too. */
saksi_status saksi_engine_ingest(saksi_engine *e, const char *path, saksi_error *err);
/* Use a finalized table (a simulation, say) as the engine's input instead
 * of a file. On success the engine owns it (freed with the engine); on
 * failure the caller still does. name labels it in the provenance. */
saksi_status saksi_engine_adopt_table(saksi_engine *e, saksi_table *t, const char *name,
                                      saksi_error *err);
/* Run every test family on the ingested table. */
saksi_status saksi_engine_run(saksi_engine *e, saksi_error *err);
/* Write report.h5, ranked.csv and quarantine.csv into dir (created if
 * needed); each file is written under a temporary name, fsynced and
 * renamed, so a crash never leaves a half report under the real name. */
saksi_status saksi_engine_write_report(saksi_engine *e, const char *dir, saksi_error *err);
/* Write only quarantine.csv into dir: what the CLI leaves behind when
 * --strict stops a run (SAKSI_ERR_STRICT from saksi_engine_run). */
saksi_status saksi_engine_write_quarantine(saksi_engine *e, const char *dir, saksi_error *err);
/* The summary of the last run; valid until the engine is freed. */
const saksi_summary *saksi_engine_summary(const saksi_engine *e);
/* Write the summary as one JSON object (numbers with a decimal point,
 * whatever the locale). */
saksi_status saksi_summary_write_json(const saksi_summary *s, FILE *f, saksi_error *err);

/* Draw ranked.csv, one CSV per class (class_<name>.csv), regions.csv and
 * report.html into dir (created if needed by the caller) again from an
 * existing report.h5, without recomputing (`saksi report`). lang: "en" or
 * "id" for the reasons. SAKSI_ERR_DATA when the file has no /report group
 * (written before issue 5). */
saksi_status saksi_report_render(const char *report_h5, const char *dir, const char *lang,
                                 saksi_error *err);

/* ------------------------------------------------------------------ */
/* Calibration (saksi calibrate)                                       */
/* ------------------------------------------------------------------ */

#define SAKSI_CALIBRATE_DEFAULT_RUNS 20

typedef struct saksi_calibration_summary {
    size_t runs;            /* clean elections simulated and audited */
    size_t stations;        /* stations of the input (and of each simulation) */
    size_t fitted_stations; /* consistent regular stations the model rests on */
    size_t families;        /* (test, level) families measured */
    size_t outside;         /* of them outside tolerance at some alpha */
    double seconds;
} saksi_calibration_summary;

/*
 * Fit a hierarchical overdispersed model of a clean election to input,
 * simulate `runs` clean elections on the input's own stations, audit each
 * with every test family of cfg, and write into dir (created if needed)
 * calibration.csv (per test and level: the realised share of p below
 * 0.05, 0.01 and 0.001 with a Clopper-Pearson interval and the tolerance
 * alpha +- 2 SE, and the share of runs in which BH at 0.05 flags
 * anything), calibration_model.csv (the fitted model) and
 * calibration.html. sum may be NULL.
 */
saksi_status saksi_calibrate(const saksi_config *cfg, const char *input, const char *dir,
                             size_t runs, saksi_calibration_summary *sum, saksi_error *err);

/* Version strings of saksi and the libraries it was built and linked with. */
const char *saksi_version_string(void);
void saksi_library_versions(char *buf, size_t len);

#endif /* SAKSI_H */
