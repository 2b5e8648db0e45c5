/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * generator.h — internal interface of the synthetic election generator
 * (saksi simulate): the keyed random streams and samplers, the region
 * hierarchy with its random effects, the per-station model, the planted
 * anomalies and the writers. Not part of the public API.
 */
#ifndef SAKSI_GENERATOR_H
#define SAKSI_GENERATOR_H

#include "saksi_internal.h"

/* ------------------------------------------------------------------ */
/* Random streams and samplers (distributions.c)                        */
/* ------------------------------------------------------------------ */

/* Purposes of the streams: a stream is keyed by (seed, entity, purpose),
 * so a draw never depends on the order in which entities are generated. */
enum saksi_sim_purpose {
    SAKSI_SIM_STREAM_ALLOC = 1, /* hierarchy shape below a province       */
    SAKSI_SIM_STREAM_EFFECT,    /* random effects of a region              */
    SAKSI_SIM_STREAM_STATION,   /* everything drawn for one station        */
    SAKSI_SIM_STREAM_PLANT,     /* the planted anomaly of one station      */
    SAKSI_SIM_STREAM_CALIBRATE, /* intercept calibration sample            */
    SAKSI_SIM_STREAM_TEST       /* reserved for the sampler tests          */
};

/* A Philox4x32-10 stream: key = seed, counter = (entity hash, purpose,
 * block). Each block gives four 32-bit words, used in order. */
typedef struct saksi_sim_stream {
    saksi_u32 key[2];
    saksi_philox_ctr ctr;
    saksi_u32 buf[4];
    int pos;        /* next word of buf; 4 = refill */
    int have_spare; /* the polar method makes normals in pairs */
    double spare;
} saksi_sim_stream;

void saksi_sim_stream_init(saksi_sim_stream *s, uint64_t seed, uint64_t entity, uint32_t purpose);
saksi_u32 saksi_sim_u32(saksi_sim_stream *s);
/* Uniform on [0, 1) with 53 random bits. */
double saksi_sim_uniform(saksi_sim_stream *s);
/* Uniform on (0, 1): never 0, so safe under log(). */
double saksi_sim_uniform_pos(saksi_sim_stream *s);
/* Uniform integer on [0, n), n >= 1, without modulo bias (rejection). */
uint32_t saksi_sim_below(saksi_sim_stream *s, uint32_t n);
/* Standard normal (Marsaglia polar method). */
double saksi_sim_normal(saksi_sim_stream *s);
/* Gamma(shape, 1), shape > 0 (Marsaglia & Tsang 2000; shape < 1 boosted
 * by U^(1/shape)). */
double saksi_sim_gamma(saksi_sim_stream *s, double shape);
/* Beta(a, b) as a ratio of gammas. */
double saksi_sim_beta(saksi_sim_stream *s, double a, double b);
/* Dirichlet(alpha[0..k-1]) into out. */
void saksi_sim_dirichlet(saksi_sim_stream *s, const double *alpha, size_t k, double *out);
/* Binomial(n, p), exact: inversion searched outward from the mode for
 * n <= SAKSI_SIM_BINOM_INVERSION_MAX, above that Knuth's beta splitting
 * (TAOCP vol. 2, 3.4.1) down to that size. p outside [0, 1] is a bug. */
int32_t saksi_sim_binomial(saksi_sim_stream *s, int32_t n, double p);
/* Multinomial(n, p[0..k-1]) by sequential binomials; p sums to 1. */
void saksi_sim_multinomial(saksi_sim_stream *s, int32_t n, const double *p, size_t k, int32_t *out);

#define SAKSI_SIM_BINOM_INVERSION_MAX 1024

/* A station's drawn counts (tally.c). */
typedef struct saksi_sim_tally {
    int32_t registered_male, registered_female; /* DPT */
    int32_t dpt_male, dpt_female;               /* DPT voters */
    int32_t added_male, added_female;           /* DPTb + DPK voters */
    int32_t dptb_male, dptb_female;             /* of them on the DPTb */
    int32_t invalid, received, spoiled;         /* votes, ballots */
} saksi_sim_tally;
/* The candidates' k counts of valid votes: with probability bloc_rate
 * (0: never, and no draw) one candidate, drawn by pi, takes every vote (a
 * noken bloc), else Multinomial(valid, pi). */
void saksi_sim_votes(saksi_sim_stream *s, int32_t valid, const double *pi, size_t k,
                     double bloc_rate, int32_t *cand);
/* The canonical fixed fields x[0..SAKSI_NFIXED) of the tally. */
void saksi_sim_tally_fields(const saksi_sim_tally *c, int32_t *x);

/* Logistic function and its inverse, used for every rate of the model. */
double saksi_sim_logistic(double x);
double saksi_sim_logit(double p);

/* ------------------------------------------------------------------ */
/* Hierarchy and random effects (hierarchy.c)                           */
/* ------------------------------------------------------------------ */

/* How a province behaves by law (the rules file names the same codes). */
enum saksi_sim_prov_kind {
    SAKSI_SIM_PROV_REGULAR,
    SAKSI_SIM_PROV_PAPUA,   /* 91, 92, 93, 96: no fixed 2% reserve       */
    SAKSI_SIM_PROV_NOKEN,   /* 94, 95: noken, and no fixed 2% reserve    */
    SAKSI_SIM_PROV_OVERSEAS /* 99: large boxes, no reserve              */
};

/* Additive random effects of one region (or one station), one per modelled
 * quantity: turnout, invalid and added-voter logits, candidate log-ratios. */
typedef struct saksi_sim_fx {
    double turnout, invalid, added;
    double share[SAKSI_SIM_MAX_CAND];
    /* the district's multiplier of the village and station sds of turnout
     * and of the shares (1 above the district level) */
    double scale_turnout, scale_share;
} saksi_sim_fx;

/* One level of the hierarchy: regions in canonical (code) order. For
 * villages, first/count index stations (station t of village v is station
 * number first[v] + t, code village*1000 + t + 1). */
typedef struct saksi_sim_level {
    size_t n;
    uint64_t *code;   /* numeric code: PP, PPKK, PPKKCC, PPKKCCDDDD */
    uint32_t *parent; /* index at the level above */
    uint32_t *first;  /* first child at the level below */
    uint32_t *count;  /* children at the level below */
    saksi_sim_fx *fx; /* cumulative effects: this region's plus its parents' */
} saksi_sim_level;

typedef struct saksi_sim_hier {
    saksi_sim_level level[SAKSI_NLEVELS]; /* levels 1..4 are used */
    size_t nstations;
    uint8_t *prov_kind; /* per province: enum saksi_sim_prov_kind */
    double *size_a;     /* per regency: shape a of the registered-size beta */
    size_t overseas_regions[SAKSI_NLEVELS];
    size_t overseas_stations;
} saksi_sim_hier;

/* Build the hierarchy for c (scaled to c->stations) and draw the random
 * effects of every region. */
saksi_status saksi_sim_hier_build(const saksi_sim_config *c, saksi_sim_hier *h, saksi_error *err);
void saksi_sim_hier_free(saksi_sim_hier *h);

/* Zero-padded decimal code of width digits into buf (width + 1 bytes). */
void saksi_sim_code_string(uint64_t code, int width, char *buf);
/* FNV-1a hash of a code written with width digits: the key of its streams
 * (for a station it equals the table's id_hash). */
uint64_t saksi_sim_code_hash(uint64_t code, int width);
/* Digits of a code at a level (2, 4, 6, 10) and of a station (13). */
int saksi_sim_code_width(int level);
#define SAKSI_SIM_STATION_WIDTH 13

/* Growing label list. */
typedef struct saksi_sim_labels {
    size_t n, cap;
    saksi_sim_label *label;
} saksi_sim_labels;

/* ------------------------------------------------------------------ */
/* Station model (simulate.c)                                           */
/* ------------------------------------------------------------------ */

enum saksi_sim_station_kind {
    SAKSI_SIM_ST_REGULAR,
    SAKSI_SIM_ST_SPECIAL,
    SAKSI_SIM_ST_OVERSEAS,
    SAKSI_SIM_ST_NOKEN
};

/* One station: its code and every field (candidates at SAKSI_NFIXED + k). */
typedef struct saksi_sim_station {
    uint64_t code;
    uint64_t hash;
    char id[SAKSI_SIM_STATION_WIDTH + 1];
    int kind;      /* enum saksi_sim_station_kind */
    int prov_kind; /* enum saksi_sim_prov_kind */
    int32_t v[SAKSI_NFIXED + SAKSI_SIM_MAX_CAND];
} saksi_sim_station;

/* Everything the station model needs besides the hierarchy: intercepts
 * calibrated once so that national rates match the model's targets. */
typedef struct saksi_sim_gen {
    saksi_sim_config cfg;
    saksi_sim_hier h;
    double mu_turnout[4]; /* per saksi_sim_station_kind */
    double mu_added[4];
    double mu_invalid[4];
    double mu_share[SAKSI_SIM_MAX_CAND];
    double dptb_of_added[4];
    double reserve_factor[4]; /* received / registered, for the added-pool rate */
    double mean_regular_size; /* station_sd_size_slope's n_mean, 1 + 300 a / (a + b) */
} saksi_sim_gen;

saksi_status saksi_sim_gen_init(saksi_sim_gen *g, const saksi_sim_config *c, saksi_error *err);
void saksi_sim_gen_free(saksi_sim_gen *g);
/* Draw station t (0-based) of village v. */
void saksi_sim_gen_station(const saksi_sim_gen *g, size_t v, uint32_t t, saksi_sim_station *st);

/* Receives every station in canonical order, after planting. */
typedef saksi_status (*saksi_sim_sink)(void *ctx, const saksi_sim_station *st, saksi_error *err);

/* Generate every station of c in canonical order (province, regency,
 * district, village, station code), plant anomalies into labels (which may
 * be NULL when no plant rate is set) and fill summary (may be NULL). */
saksi_status saksi_sim_run(const saksi_sim_gen *g, saksi_sim_sink sink, void *ctx,
                           saksi_sim_labels *labels, saksi_sim_summary *summary, saksi_error *err);

/* ------------------------------------------------------------------ */
/* Planted anomalies (plant.c)                                          */
/* ------------------------------------------------------------------ */

/* Decide and apply at most one planted anomaly to st (whose values are the
 * true ones on entry and the reported ones on return); append one label
 * per changed field. *planted receives the kind planted or -1; *skipped the
 * kind drawn that the station could not carry (left clean) or -1. */
saksi_status saksi_sim_plant(const saksi_sim_gen *g, saksi_sim_station *st,
                             saksi_sim_labels *labels, int *planted, int *skipped,
                             saksi_error *err);

/* 1 when b is reachable from a by one edit of a's decimal digits (change,
 * drop or insert one digit, swap two adjacent ones), read numerically (so
 * a leading zero is dropped), in either direction. */
int saksi_sim_single_edit(int64_t a, int64_t b);

/* ------------------------------------------------------------------ */
/* Output (write_csv.c)                                                 */
/* ------------------------------------------------------------------ */

/* Buffered writer with hand-rolled integer formatting. */
typedef struct saksi_sim_writer {
    FILE *f;
    const char *path; /* for messages */
    char *buf;
    size_t len, cap;
} saksi_sim_writer;

saksi_status saksi_sim_writer_open(saksi_sim_writer *w, const char *path, saksi_error *err);
/* Flush, close and check; frees the buffer whatever happens. */
saksi_status saksi_sim_writer_close(saksi_sim_writer *w, saksi_error *err);
/* Make room for at least need bytes (flushing); call before each row. */
saksi_status saksi_sim_writer_reserve(saksi_sim_writer *w, size_t need, saksi_error *err);
void saksi_sim_writer_str(saksi_sim_writer *w, const char *s);
void saksi_sim_writer_int(saksi_sim_writer *w, int64_t v);
void saksi_sim_writer_char(saksi_sim_writer *w, char c);

/* Header and rows of stations.csv and labels.csv. */
saksi_status saksi_sim_write_station_header(saksi_sim_writer *w, const saksi_sim_config *c,
                                            saksi_error *err);
saksi_status saksi_sim_write_station(saksi_sim_writer *w, const saksi_sim_config *c,
                                     const saksi_sim_station *st, saksi_error *err);
saksi_status saksi_sim_write_labels(const char *path, const saksi_sim_labels *labels,
                                    saksi_error *err);

/* Name of field f for a table with candidate labels "01", "02", ...:
 * "cand_02" for candidates. buf holds at least 32 bytes. */
const char *saksi_sim_field_name(int field, char *buf);

#endif /* SAKSI_GENERATOR_H */
