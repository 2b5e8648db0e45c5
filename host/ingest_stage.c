/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ingest_stage.c — hands parsed stations to the station table, in a second
 * thread when asked: the parser fills one batch while the other is being
 * appended (double buffering), so parsing and table building overlap on two
 * cores. The table sees the stations in the same order either way, so the
 * result does not depend on the thread count.
 */
#define _POSIX_C_SOURCE 200809L
#include "ingest_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Stations per batch: large enough that handing over costs nothing, small
 * enough that both batches stay in cache (4096 x ~30 cells). */
#define STAGE_BATCH 4096

typedef struct batch {
    size_t n;
    int32_t *values;              /* STAGE_BATCH * nvalues */
    uint64_t *line;               /* input line of each station */
    uint64_t *missing;            /* its empty cells */
    size_t *id_off, *id_len;      /* into text */
    size_t (*reg_off)[SAKSI_NLEVELS]; /* into text; SIZE_MAX: not given */
    char *text;                   /* ids and region strings, terminated */
    size_t text_len, text_cap;
} batch;

struct saksi_stage {
    saksi_table *t;
    size_t nvalues;
    uint32_t file;
    int threaded;
    batch b[2];
    int fill; /* the batch the parser fills */

    /* appender results, read after close */
    uint64_t accepted, missing;
    saksi_stage_dup *dups;
    size_t ndups, dups_cap;
    saksi_status rc;
    saksi_error err;

    /* thread state */
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    batch *pending; /* handed over, not yet taken */
    batch *working; /* being appended */
    int done;       /* no more batches */
};

static void batch_free(batch *b)
{
    free(b->values);
    free(b->line);
    free(b->missing);
    free(b->id_off);
    free(b->id_len);
    free(b->reg_off);
    free(b->text);
}

static int batch_alloc(batch *b, size_t nvalues)
{
    b->values = saksi_malloc_array(STAGE_BATCH, nvalues * sizeof *b->values);
    b->line = saksi_malloc_array(STAGE_BATCH, sizeof *b->line);
    b->missing = saksi_malloc_array(STAGE_BATCH, sizeof *b->missing);
    b->id_off = saksi_malloc_array(STAGE_BATCH, sizeof *b->id_off);
    b->id_len = saksi_malloc_array(STAGE_BATCH, sizeof *b->id_len);
    b->reg_off = saksi_malloc_array(STAGE_BATCH, sizeof *b->reg_off);
    return b->values && b->line && b->missing && b->id_off && b->id_len && b->reg_off ? 0 : -1;
}

/* Copy s[0..len) and a terminator into the batch's text; offset or
 * SIZE_MAX when out of memory. */
static size_t text_put(batch *b, const char *s, size_t len)
{
    if (b->text_len + len + 1 > b->text_cap) {
        size_t cap = b->text_cap ? b->text_cap : 1 << 16;
        while (cap < b->text_len + len + 1)
            cap *= 2;
        char *t = realloc(b->text, cap);
        if (!t)
            return SIZE_MAX;
        b->text = t;
        b->text_cap = cap;
    }
    size_t off = b->text_len;
    memcpy(b->text + off, s, len);
    b->text[off + len] = 0;
    b->text_len += len + 1;
    return off;
}

static int dup_push(saksi_stage *s, uint64_t line, uint64_t first, const char *id, size_t len)
{
    if (s->ndups == s->dups_cap) {
        size_t cap = s->dups_cap ? s->dups_cap * 2 : 64;
        saksi_stage_dup *d = saksi_realloc_array(s->dups, cap, sizeof *d);
        if (!d)
            return -1;
        s->dups = d;
        s->dups_cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, id, len);
    copy[len] = 0;
    s->dups[s->ndups++] = (saksi_stage_dup){line, first, copy};
    return 0;
}

/* Append every station of a batch; stops at the first failure other
 * than a duplicate id, recording it in s->rc / s->err. */
static void append_batch(saksi_stage *s, batch *b)
{
    for (size_t k = 0; k < b->n && s->rc == SAKSI_OK; k++) {
        const char *regions[SAKSI_NLEVELS] = {NULL};
        for (int l = 1; l < SAKSI_NLEVELS; l++)
            if (b->reg_off[k][l] != SIZE_MAX)
                regions[l] = b->text + b->reg_off[k][l];
        const char *id = b->text + b->id_off[k];
        uint64_t first = 0;
        saksi_error aerr;
        saksi_status rc = saksi_table_append(s->t, id, b->id_len[k], regions,
                                             b->values + k * s->nvalues, s->file, b->line[k],
                                             &first, &aerr);
        if (rc == SAKSI_ERR_DATA && first != 0) {
            if (dup_push(s, b->line[k], first, id, b->id_len[k]) != 0)
                s->rc = saksi_error_set(&s->err, SAKSI_ERR_NOMEM, __FILE__, __LINE__,
                                        "out of memory listing duplicate station ids");
        } else if (rc != SAKSI_OK) {
            s->rc = rc;
            s->err = aerr;
        } else {
            s->accepted++;
            s->missing += b->missing[k];
        }
    }
    b->n = 0;
    b->text_len = 0;
}

static void *appender(void *arg)
{
    saksi_stage *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->pending && !s->done)
            pthread_cond_wait(&s->cv, &s->mu);
        if (!s->pending)
            break;
        s->working = s->pending;
        s->pending = NULL;
        pthread_mutex_unlock(&s->mu);
        append_batch(s, s->working);
        pthread_mutex_lock(&s->mu);
        s->working = NULL;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

saksi_status saksi_stage_open(saksi_stage **out, saksi_table *t, size_t nvalues, uint32_t file,
                              int threads, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_stage *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        SAKSI_ALLOC_FAIL("the ingest stage");
    s->t = t;
    s->nvalues = nvalues;
    s->file = file;
    s->threaded = threads > 1;
    for (int k = 0; k < 2; k++)
        if (batch_alloc(&s->b[k], nvalues) != 0)
            SAKSI_ALLOC_FAIL("the ingest batches");
    if (s->threaded) {
        if (pthread_mutex_init(&s->mu, NULL) != 0 || pthread_cond_init(&s->cv, NULL) != 0)
            SAKSI_FAIL(SAKSI_ERR_NOMEM, "cannot initialise the ingest thread's lock");
        /* A thread that cannot start is not an error: append inline. */
        s->started = pthread_create(&s->thread, NULL, appender, s) == 0;
        if (!s->started) {
            pthread_cond_destroy(&s->cv);
            pthread_mutex_destroy(&s->mu);
            s->threaded = 0;
        }
    }
    *out = s;
    s = NULL;
out:
    saksi_stage_free(s);
    return rc;
}

/* Hand the full batch over (threaded) or append it now; then the parser
 * fills the other one. A failure of the appender surfaces here. */
static saksi_status hand_over(saksi_stage *s, saksi_error *err)
{
    saksi_status rc;
    batch *b = &s->b[s->fill];
    if (!s->threaded) {
        append_batch(s, b);
        rc = s->rc;
    } else {
        pthread_mutex_lock(&s->mu);
        while (s->pending || s->working) /* the appender is idle: the other batch is free */
            pthread_cond_wait(&s->cv, &s->mu);
        rc = s->rc; /* read while the appender waits */
        if (rc == SAKSI_OK) {
            s->pending = b;
            s->fill ^= 1;
            pthread_cond_broadcast(&s->cv);
        }
        pthread_mutex_unlock(&s->mu);
    }
    if (rc != SAKSI_OK && err)
        *err = s->err;
    return rc;
}

saksi_status saksi_stage_push(saksi_stage *s, const char *id, size_t idlen,
                              const char *const regions[SAKSI_NLEVELS], const int32_t *values,
                              uint64_t line, uint64_t missing, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    batch *b = &s->b[s->fill];
    size_t k = b->n;
    if ((b->id_off[k] = text_put(b, id, idlen)) == SIZE_MAX)
        SAKSI_ALLOC_FAIL("the ingest batch");
    b->id_len[k] = idlen;
    for (int l = 0; l < SAKSI_NLEVELS; l++) {
        b->reg_off[k][l] = SIZE_MAX;
        if (l > 0 && regions && regions[l] &&
            (b->reg_off[k][l] = text_put(b, regions[l], strlen(regions[l]))) == SIZE_MAX)
            SAKSI_ALLOC_FAIL("the ingest batch");
    }
    memcpy(b->values + k * s->nvalues, values, s->nvalues * sizeof *values);
    b->line[k] = line;
    b->missing[k] = missing;
    b->n++;
    if (b->n == STAGE_BATCH)
        SAKSI_TRY(hand_over(s, err));
out:
    return rc;
}

/* Wait for the appender to finish everything handed over and stop it. */
static void join(saksi_stage *s)
{
    if (!s->started)
        return;
    pthread_mutex_lock(&s->mu);
    s->done = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    s->started = 0;
}

saksi_status saksi_stage_close(saksi_stage *s, saksi_stage_result *res, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (s->b[s->fill].n > 0)
        SAKSI_TRY(hand_over(s, err));
    join(s);
    if (s->rc != SAKSI_OK) {
        if (err)
            *err = s->err;
        rc = s->rc;
        goto out;
    }
    res->accepted = s->accepted;
    res->missing = s->missing;
    res->dups = s->dups;
    res->ndups = s->ndups;
    s->dups = NULL; /* the caller frees them with saksi_stage_dups_free */
    s->ndups = 0;
out:
    return rc;
}

void saksi_stage_dups_free(saksi_stage_dup *dups, size_t n)
{
    for (size_t k = 0; k < n; k++)
        free(dups[k].id);
    free(dups);
}

void saksi_stage_free(saksi_stage *s)
{
    if (!s)
        return;
    join(s);
    for (int k = 0; k < 2; k++)
        batch_free(&s->b[k]);
    saksi_stage_dups_free(s->dups, s->ndups);
    free(s);
}
