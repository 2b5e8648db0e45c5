/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * write_csv.c — writes a simulated election as stations.csv (the canonical
 * header of DESIGN §3) and labels.csv: integers formatted by hand into one
 * large buffer, files written under a temporary name and renamed.
 */
#define _POSIX_C_SOURCE 200809L
#include "generator.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Output buffer; a row is far below ROW_MAX bytes (13-digit id, four
 * region codes, at most 22 + 16 fields of 11 characters). */
#define WRITER_BUFFER (8u << 20)
#define ROW_MAX       1024u

saksi_status saksi_sim_writer_open(saksi_sim_writer *w, const char *path, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    memset(w, 0, sizeof *w);
    w->path = path;
    w->buf = malloc(WRITER_BUFFER);
    if (!w->buf) SAKSI_ALLOC_FAIL("output buffer");
    w->cap = WRITER_BUFFER;
    w->f = fopen(path, "wb");
    if (!w->f) SAKSI_FAIL(SAKSI_ERR_CANTCREAT, "%s: cannot create: %s", path, strerror(errno));
out:
    if (rc != SAKSI_OK) {
        free(w->buf);
        w->buf = NULL;
    }
    return rc;
}

static saksi_status writer_flush(saksi_sim_writer *w, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (w->len && fwrite(w->buf, 1, w->len, w->f) != w->len)
        SAKSI_FAIL(SAKSI_ERR_IO, "%s: write failed: %s", w->path, strerror(errno));
    w->len = 0;
out:
    return rc;
}

saksi_status saksi_sim_writer_close(saksi_sim_writer *w, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (w->f) {
        rc = writer_flush(w, err);
        if (fclose(w->f) != 0 && rc == SAKSI_OK)
            rc = saksi_error_set(err, SAKSI_ERR_IO, __FILE__, __LINE__, "%s: close failed: %s",
                                 w->path, strerror(errno));
        w->f = NULL;
    }
    free(w->buf);
    w->buf = NULL;
    return rc;
}

saksi_status saksi_sim_writer_reserve(saksi_sim_writer *w, size_t need, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (need > w->cap)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "row of %zu bytes exceeds the output buffer", need);
    if (w->len + need > w->cap) SAKSI_TRY(writer_flush(w, err));
out:
    return rc;
}

void saksi_sim_writer_str(saksi_sim_writer *w, const char *s)
{
    size_t n = strlen(s);
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

void saksi_sim_writer_char(saksi_sim_writer *w, char c)
{
    w->buf[w->len++] = c;
}

void saksi_sim_writer_int(saksi_sim_writer *w, int64_t v)
{
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) w->buf[w->len++] = '-';
    while (n)
        w->buf[w->len++] = tmp[--n];
}

const char *saksi_sim_field_name(int field, char *buf)
{
    if (field < SAKSI_NFIXED) return saksi_field_name(field);
    snprintf(buf, 32, "cand_%02d", field - SAKSI_NFIXED + 1);
    return buf;
}

/* Column order of stations.csv: registered and its split, the candidates,
 * then the other fields in saksi_field order. */
static size_t column_order(const saksi_sim_config *c, int *order)
{
    size_t n = 0;
    order[n++] = SAKSI_F_REGISTERED;
    order[n++] = SAKSI_F_REGISTERED_MALE;
    order[n++] = SAKSI_F_REGISTERED_FEMALE;
    for (size_t k = 0; k < c->ncand; k++)
        order[n++] = SAKSI_NFIXED + (int)k;
    for (int f = SAKSI_F_REGISTERED_FEMALE + 1; f < SAKSI_NFIXED; f++)
        order[n++] = f;
    return n;
}

saksi_status saksi_sim_write_station_header(saksi_sim_writer *w, const saksi_sim_config *c,
                                            saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    int order[SAKSI_NFIXED + SAKSI_SIM_MAX_CAND];
    size_t n = column_order(c, order);
    char name[32];
    SAKSI_TRY(saksi_sim_writer_reserve(w, ROW_MAX, err));
    saksi_sim_writer_str(w, "station_id");
    if (c->with_region_columns) saksi_sim_writer_str(w, ",province,regency,district,village");
    for (size_t i = 0; i < n; i++) {
        saksi_sim_writer_char(w, ',');
        saksi_sim_writer_str(w, saksi_sim_field_name(order[i], name));
    }
    saksi_sim_writer_char(w, '\n');
out:
    return rc;
}

saksi_status saksi_sim_write_station(saksi_sim_writer *w, const saksi_sim_config *c,
                                     const saksi_sim_station *st, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    int order[SAKSI_NFIXED + SAKSI_SIM_MAX_CAND];
    size_t n = column_order(c, order);
    SAKSI_TRY(saksi_sim_writer_reserve(w, ROW_MAX, err));
    memcpy(w->buf + w->len, st->id, SAKSI_SIM_STATION_WIDTH);
    w->len += SAKSI_SIM_STATION_WIDTH;
    if (c->with_region_columns) {
        /* the code prefixes PP, PPKK, PPKKCC, PPKKCCDDDD */
        static const size_t prefix[4] = {2, 4, 6, 10};
        for (int l = 0; l < 4; l++) {
            saksi_sim_writer_char(w, ',');
            memcpy(w->buf + w->len, st->id, prefix[l]);
            w->len += prefix[l];
        }
    }
    for (size_t i = 0; i < n; i++) {
        saksi_sim_writer_char(w, ',');
        saksi_sim_writer_int(w, st->v[order[i]]);
    }
    saksi_sim_writer_char(w, '\n');
out:
    return rc;
}

saksi_status saksi_sim_write_labels(const char *path, const saksi_sim_labels *labels,
                                    saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_sim_writer w;
    char name[32];
    SAKSI_TRY(saksi_sim_writer_open(&w, path, err));
    SAKSI_TRY(saksi_sim_writer_reserve(&w, ROW_MAX, err));
    saksi_sim_writer_str(&w, "station_id,kind,field,true_value,reported_value,primary,note\n");
    for (size_t i = 0; i < labels->n; i++) {
        const saksi_sim_label *l = &labels->label[i];
        SAKSI_TRY(saksi_sim_writer_reserve(&w, ROW_MAX, err));
        saksi_sim_writer_str(&w, l->station_id);
        saksi_sim_writer_char(&w, ',');
        saksi_sim_writer_str(&w, saksi_plant_kind_name(l->kind));
        saksi_sim_writer_char(&w, ',');
        saksi_sim_writer_str(&w, saksi_sim_field_name(l->field, name));
        saksi_sim_writer_char(&w, ',');
        saksi_sim_writer_int(&w, l->true_value);
        saksi_sim_writer_char(&w, ',');
        saksi_sim_writer_int(&w, l->reported_value);
        saksi_sim_writer_char(&w, ',');
        saksi_sim_writer_int(&w, l->primary);
        saksi_sim_writer_char(&w, ',');
        /* notes hold no comma or quote; they are our own short strings */
        saksi_sim_writer_str(&w, l->note);
        saksi_sim_writer_char(&w, '\n');
    }
out:
    if (w.buf || w.f) {
        saksi_status rc2 = saksi_sim_writer_close(&w, rc == SAKSI_OK ? err : NULL);
        if (rc == SAKSI_OK) rc = rc2;
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Entry points                                                         */
/* ------------------------------------------------------------------ */

typedef struct csv_sink {
    saksi_sim_writer w;
    saksi_sim_writer strata; /* special TPS: the stratum no region code tells */
    const saksi_sim_config *c;
} csv_sink;

static saksi_status write_row(void *ctx, const saksi_sim_station *st, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    csv_sink *cs = ctx;
    SAKSI_TRY(saksi_sim_write_station(&cs->w, cs->c, st, err));
    if (st->kind == SAKSI_SIM_ST_SPECIAL) {
        SAKSI_TRY(saksi_sim_writer_reserve(&cs->strata, ROW_MAX, err));
        saksi_sim_writer_str(&cs->strata, st->id);
        saksi_sim_writer_str(&cs->strata, ",special\n");
    }
out:
    return rc;
}

saksi_status saksi_simulate_write(const saksi_sim_config *c, const char *dir,
                                  saksi_sim_summary *summary, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_sim_gen g;
    saksi_sim_labels lab = {0};
    csv_sink cs = {.c = c};
    /* temporary and final name of stations.csv, labels.csv and strata.csv */
    char *path[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
    static const char *const names[6] = {"stations.csv.tmp", "stations.csv", "labels.csv.tmp",
                                         "labels.csv",       "strata.csv.tmp", "strata.csv"};
    int have_gen = 0;
    double t0 = saksi_now();
    for (int i = 0; i < 6; i++) {
        size_t len = strlen(dir) + strlen(names[i]) + 2;
        path[i] = malloc(len);
        if (!path[i]) SAKSI_ALLOC_FAIL("output path");
        snprintf(path[i], len, "%s/%s", dir, names[i]);
    }
    SAKSI_TRY(saksi_sim_gen_init(&g, c, err));
    have_gen = 1;
    SAKSI_TRY(saksi_make_dirs(dir, err));
    SAKSI_TRY(saksi_sim_writer_open(&cs.w, path[0], err));
    SAKSI_TRY(saksi_sim_write_station_header(&cs.w, c, err));
    SAKSI_TRY(saksi_sim_writer_open(&cs.strata, path[4], err));
    SAKSI_TRY(saksi_sim_writer_reserve(&cs.strata, ROW_MAX, err));
    saksi_sim_writer_str(&cs.strata, "station_id,stratum\n");
    SAKSI_TRY(saksi_sim_run(&g, write_row, &cs, &lab, summary, err));
    SAKSI_TRY(saksi_sim_writer_close(&cs.w, err));
    SAKSI_TRY(saksi_sim_writer_close(&cs.strata, err));
    SAKSI_TRY(saksi_sim_write_labels(path[2], &lab, err));
    for (int i = 0; i < 6; i += 2)
        if (rename(path[i], path[i + 1]) != 0)
            SAKSI_FAIL(SAKSI_ERR_IO, "%s: cannot rename to %s: %s", path[i], path[i + 1],
                       strerror(errno));
    if (summary) summary->seconds = saksi_now() - t0;
out:
    if (cs.w.f) saksi_sim_writer_close(&cs.w, NULL);
    if (cs.strata.f) saksi_sim_writer_close(&cs.strata, NULL);
    free(cs.w.buf);
    free(cs.strata.buf);
    if (rc != SAKSI_OK && path[0] && path[2] && path[4]) {
        remove(path[0]);
        remove(path[2]);
        remove(path[4]);
    }
    for (int i = 0; i < 6; i++)
        free(path[i]);
    free(lab.label);
    if (have_gen) saksi_sim_gen_free(&g);
    return rc;
}

saksi_status saksi_simulate(const saksi_sim_config *c, const char *dir, saksi_error *err)
{
    return saksi_simulate_write(c, dir, NULL, err);
}
