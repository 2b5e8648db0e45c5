/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * compare.h — the cross-source comparison (DESIGN §3 item 4, §5 class
 * cross-source): two sources of the same stations (KawalPemilu vs KPU in
 * 2019; two crawls of Sirekap 2024) compared field by field, each difference
 * with its size and the candidate it favours, and the stations that differ
 * entered into the ranked list. Also the engine's real-data state, which
 * the report writers read through saksi_results.realdata.
 */
#ifndef SAKSI_COMPARE_H
#define SAKSI_COMPARE_H

#include "analysis.h"

/* One field of one station that the two sources give differently. */
typedef struct saksi_cmp_diff {
    size_t station;               /* row of the primary table */
    size_t other;                 /* row of the other table */
    int field;                    /* saksi_field, or SAKSI_NFIXED + k for primary candidate k */
    int32_t primary, other_value; /* SAKSI_MISSING where one source lacks it */
} saksi_cmp_diff;

/* Per station with at least one difference. */
typedef struct saksi_cmp_station {
    size_t station;
    uint32_t fields_changed; /* both present, different */
    uint32_t fields_filled;  /* missing in the primary, present in the other */
    uint32_t fields_emptied; /* present in the primary, missing in the other */
    int64_t votes_at_stake;  /* sum over candidates of |other - primary| */
    int beneficiary;         /* candidate with the largest gain (other - primary) > 0, or -1 */
    int64_t gain;            /* that gain */
    int loser;               /* candidate with the largest loss, or -1 */
    int64_t loss;            /* that loss (a positive count) */
} saksi_cmp_station;

typedef struct saksi_cmp {
    char label[2][64]; /* the sources' names: primary, other */
    size_t ndiff;
    saksi_cmp_diff *diff; /* by station, then field */
    size_t nst;
    saksi_cmp_station *st;                    /* by station */
    size_t matched, only_primary, only_other; /* stations */
    size_t changed, filled_only;              /* stations with a changed field; with only fills */
    size_t cand_changed;                      /* stations with a changed candidate count */
    uint64_t field_changes, field_fills, field_empties;
    size_t fields_compared; /* columns present in both */
    int *cand_other;        /* per primary candidate: the other's candidate index, or -1 */
} saksi_cmp;

/* Compare primary table a with b (both finalized); stations matched by id,
 * candidates by label, fixed fields by name. */
saksi_status saksi_compare_tables(const saksi_table *a, const saksi_table *b, saksi_cmp *out,
                                  saksi_error *err);
void saksi_compare_free(saksi_cmp *c);

/* Add class cross-source rows to res->ranked for stations with a changed
 * field: a station without a row gets one; a station ranked in a class that
 * comes after cross-source in cfg->class_priority takes that class; then
 * the list is sorted again in the ranking's order (class, votes at stake,
 * score, station id). */
saksi_status saksi_compare_rank(const saksi_table *t, const saksi_cmp *c, saksi_results *res,
                                const saksi_config *cfg, saksi_error *err);

/* The station's comparison, or NULL. */
const saksi_cmp_station *saksi_compare_station(const saksi_cmp *c, size_t station);

/* Reason of a cross-source row, in English or Bahasa Indonesia. */
void saksi_compare_reason(const saksi_table *t, const saksi_cmp *c, size_t station,
                          const char *lang, char *buf, size_t len);

/* The engine's real-data state (host/compare.c fills it): the preset, the
 * per-station metadata, the second source and its comparison. Owned by the
 * engine; saksi_results.realdata borrows it. */
typedef struct saksi_realdata {
    saksi_preset *preset;
    struct saksi_station_meta *meta;
    int format;         /* enum saksi_format (host/ingest_sirekap.h) */
    saksi_table *other; /* the second source, or NULL */
    saksi_ingest_stats other_stats;
    char *other_path;
    int has_compare;
    saksi_cmp cmp;
} saksi_realdata;

/* The engine's side (host/compare.c). */
/* Load the preset, read path in its format (CSV, Sirekap JSON, KawalPemilu
 * JSON) into *t, then the second source when there is one (cfg->compare_path,
 * a preset's [compare] section, or KawalPemilu's KPU numbers) and compare. */
saksi_status saksi_realdata_ingest(saksi_realdata **rd, const saksi_config *cfg,
                                   const saksi_colmap *map, const char *path, saksi_quarantine *q,
                                   saksi_table **t, saksi_ingest_stats *stats, saksi_error *err);
/* The rules of the run: cfg's path, else the preset's, else built-in. */
saksi_status saksi_realdata_rules(const saksi_realdata *rd, const char *rules_path,
                                  saksi_rules **out, saksi_error *err);
/* Cross-source rows into the ranked list (nothing without a comparison). */
saksi_status saksi_realdata_rank(saksi_realdata *rd, const saksi_table *t, saksi_results *res,
                                 const saksi_config *cfg, saksi_error *err);
void saksi_realdata_summary(const saksi_realdata *rd, saksi_summary *s);
void saksi_realdata_free(saksi_realdata *rd);

#endif /* SAKSI_COMPARE_H */
