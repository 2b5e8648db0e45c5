/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * table.c — the station table: growth while ingesting, duplicate-id
 * detection, region interning per level, and the canonical sort that makes
 * every region a contiguous run of rows whatever the input order.
 */
#define _POSIX_C_SOURCE 200809L
#include "saksi_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const field_names[SAKSI_NFIXED] = {
    [SAKSI_F_REGISTERED] = "registered",
    [SAKSI_F_REGISTERED_MALE] = "registered_male",
    [SAKSI_F_REGISTERED_FEMALE] = "registered_female",
    [SAKSI_F_VALID] = "valid",
    [SAKSI_F_INVALID] = "invalid",
    [SAKSI_F_TOTAL] = "total",
    [SAKSI_F_VOTERS_DPT] = "voters_dpt",
    [SAKSI_F_VOTERS_DPT_MALE] = "voters_dpt_male",
    [SAKSI_F_VOTERS_DPT_FEMALE] = "voters_dpt_female",
    [SAKSI_F_VOTERS_DPTB] = "voters_dptb",
    [SAKSI_F_VOTERS_DPTB_MALE] = "voters_dptb_male",
    [SAKSI_F_VOTERS_DPTB_FEMALE] = "voters_dptb_female",
    [SAKSI_F_VOTERS_DPK] = "voters_dpk",
    [SAKSI_F_VOTERS_DPK_MALE] = "voters_dpk_male",
    [SAKSI_F_VOTERS_DPK_FEMALE] = "voters_dpk_female",
    [SAKSI_F_VOTERS_TOTAL] = "voters_total",
    [SAKSI_F_VOTERS_TOTAL_MALE] = "voters_total_male",
    [SAKSI_F_VOTERS_TOTAL_FEMALE] = "voters_total_female",
    [SAKSI_F_BALLOTS_RECEIVED] = "ballots_received",
    [SAKSI_F_BALLOTS_USED] = "ballots_used",
    [SAKSI_F_BALLOTS_SPOILED] = "ballots_spoiled",
    [SAKSI_F_BALLOTS_UNUSED] = "ballots_unused",
};

static const char *const level_names[SAKSI_NLEVELS] = {"national", "province", "regency",
                                                       "district", "village"};
static const char *const stratum_names[SAKSI_NSTRATA] = {"regular", "special", "overseas",
                                                         "noken"};

/* Code prefix lengths of a 13-digit Indonesian TPS id per level:
 * PP KK CC DDDD TTT (province, regency, district, village, station). */
static const size_t tps_prefix[SAKSI_NLEVELS] = {0, 2, 4, 6, 10};
#define TPS_ID_LEN 13

/* Largest table: region and row indices are stored as uint32. */
#define MAX_STATIONS ((size_t)UINT32_MAX - 1)

const char *saksi_field_name(int field)
{
    return field >= 0 && field < SAKSI_NFIXED ? field_names[field] : "?";
}

int saksi_field_lookup(const char *name)
{
    for (int f = 0; f < SAKSI_NFIXED; f++)
        if (strcmp(name, field_names[f]) == 0)
            return f;
    return -1;
}

const char *saksi_level_name(int level)
{
    return level >= 0 && level < SAKSI_NLEVELS ? level_names[level] : "?";
}

const char *saksi_stratum_name(int stratum)
{
    return stratum >= 0 && stratum < SAKSI_NSTRATA ? stratum_names[stratum] : "?";
}

/* ------------------------------------------------------------------ */
/* Open-addressing hash index of (key hash -> item + 1), 0 = empty.     */
/* ------------------------------------------------------------------ */

/* Slot and hash side by side: one cache line serves a probe. */
typedef struct hentry {
    uint64_t hash;
    uint32_t item; /* item + 1; 0 = empty */
} hentry;

typedef struct hindex {
    size_t cap; /* power of two */
    size_t n;
    hentry *e;
} hindex;

static int hindex_grow(hindex *h)
{
    size_t cap = h->cap ? h->cap * 2 : 1024;
    hentry *e = saksi_alloc_large(cap, sizeof *e);
    if (!e)
        return -1;
    memset(e, 0, cap * sizeof *e);
    for (size_t i = 0; i < h->cap; i++) {
        if (!h->e[i].item)
            continue;
        size_t j = h->e[i].hash & (cap - 1);
        while (e[j].item)
            j = (j + 1) & (cap - 1);
        e[j] = h->e[i];
    }
    free(h->e);
    h->e = e;
    h->cap = cap;
    return 0;
}

static void hindex_free(hindex *h)
{
    free(h->e);
    memset(h, 0, sizeof *h);
}

/* ------------------------------------------------------------------ */
/* Build state                                                         */
/* ------------------------------------------------------------------ */

/* Regions of one level while ingesting, in order of first appearance. */
typedef struct level_build {
    size_t n, cap;
    char **code;
    uint32_t *parent;
    hindex index;
} level_build;

/* Rows are kept in fixed chunks while ingesting, so that growth never
 * copies (a doubling realloc of the columns was a third of the ingest
 * time), and row-major, so that an append is one store stream. Finalize
 * makes the slot-major columns in canonical order. */
#ifndef SAKSI_TABLE_CHUNK_SHIFT /* the fuzz build uses 64-row chunks: crossings in tiny inputs */
#define SAKSI_TABLE_CHUNK_SHIFT 16
#endif
#define CHUNK_SHIFT SAKSI_TABLE_CHUNK_SHIFT
#define CHUNK_ROWS ((size_t)1 << CHUNK_SHIFT)
#define CHUNK_MASK (CHUNK_ROWS - 1)

typedef struct row_meta {
    size_t id_off;  /* in t->id_chars */
    uint64_t hash;  /* of the id */
    uint64_t line;  /* input line */
    uint32_t file;  /* input file */
    uint32_t leaf;  /* village-level build region */
} row_meta;

struct saksi_table_build {
    size_t nchunks, chunk_cap;
    int32_t **vals;  /* per chunk: CHUNK_ROWS rows of nslots cells */
    row_meta **meta; /* per chunk: CHUNK_ROWS rows */
    size_t id_len, id_cap;
    hindex ids;
    level_build level[SAKSI_NLEVELS];
    /* cache of the previous row's regions: consecutive rows share them */
    char *last_codes[SAKSI_NLEVELS];
    uint32_t last_leaf;
    int have_last;
};

static uint64_t region_key(uint32_t parent, const char *code, size_t len)
{
    uint64_t h = saksi_hash_bytes(code, len);
    return h ^ ((uint64_t)parent * 0x9E3779B97F4A7C15u);
}

/* Index of region (parent, code) at a level, added when new; -1 on ENOMEM. */
static int64_t level_intern(level_build *lv, uint32_t parent, const char *code, size_t len)
{
    uint64_t h = region_key(parent, code, len);
    if (lv->index.cap) {
        for (size_t j = h & (lv->index.cap - 1); lv->index.e[j].item;
             j = (j + 1) & (lv->index.cap - 1)) {
            uint32_t r = lv->index.e[j].item - 1;
            if (lv->index.e[j].hash == h && lv->parent[r] == parent &&
                strncmp(lv->code[r], code, len) == 0 && lv->code[r][len] == 0)
                return r;
        }
    }
    if ((lv->index.n + 1) * 2 > lv->index.cap && hindex_grow(&lv->index) != 0)
        return -1;
    if (lv->n == lv->cap) {
        size_t cap = lv->cap ? lv->cap * 2 : 64;
        char **code2 = saksi_realloc_array(lv->code, cap, sizeof *code2);
        if (!code2)
            return -1;
        lv->code = code2;
        uint32_t *parent2 = saksi_realloc_array(lv->parent, cap, sizeof *parent2);
        if (!parent2)
            return -1;
        lv->parent = parent2;
        lv->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, code, len);
    copy[len] = 0;
    size_t r = lv->n++;
    lv->code[r] = copy;
    lv->parent[r] = parent;
    size_t j = h & (lv->index.cap - 1);
    while (lv->index.e[j].item)
        j = (j + 1) & (lv->index.cap - 1);
    lv->index.e[j] = (hentry){h, (uint32_t)(r + 1)};
    lv->index.n++;
    return (int64_t)r;
}

static void build_free(struct saksi_table_build *b)
{
    if (!b)
        return;
    hindex_free(&b->ids);
    for (int l = 0; l < SAKSI_NLEVELS; l++) {
        level_build *lv = &b->level[l];
        for (size_t r = 0; r < lv->n; r++)
            free(lv->code[r]);
        free(lv->code);
        free(lv->parent);
        hindex_free(&lv->index);
        free(b->last_codes[l]);
    }
    for (size_t c = 0; c < b->nchunks; c++) {
        free(b->vals[c]);
        free(b->meta[c]);
    }
    free(b->vals);
    free(b->meta);
    free(b);
}

/* ------------------------------------------------------------------ */
/* Allocation                                                          */
/* ------------------------------------------------------------------ */

saksi_table *saksi_table_alloc(const int present[SAKSI_NFIXED], size_t ncand,
                               const char *const *cand_labels)
{
    saksi_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->build = calloc(1, sizeof *t->build);
    t->field_of_slot = saksi_malloc_array(SAKSI_NFIXED + ncand, sizeof *t->field_of_slot);
    t->cand_label = saksi_calloc_array(ncand, sizeof *t->cand_label);
    if (!t->build || !t->field_of_slot || !t->cand_label)
        goto fail;
    size_t s = 0;
    for (int f = 0; f < SAKSI_NFIXED; f++) {
        t->slot_of_field[f] = present[f] ? (int)s : -1;
        if (present[f])
            t->field_of_slot[s++] = f;
    }
    t->first_cand_slot = (int)s;
    t->ncand = ncand;
    for (size_t k = 0; k < ncand; k++) {
        t->field_of_slot[s++] = (int32_t)(SAKSI_NFIXED + k);
        t->cand_label[k] = saksi_strdup(cand_labels[k]);
        if (!t->cand_label[k])
            goto fail;
    }
    t->nslots = s;
    /* Level 0 has exactly one region, the whole input. */
    if (level_intern(&t->build->level[0], 0, "all", 3) != 0)
        goto fail;
    return t;
fail:
    saksi_table_free(t);
    return NULL;
}

void saksi_table_free(saksi_table *t)
{
    if (!t)
        return;
    build_free(t->build);
    free(t->cols);
    free(t->field_of_slot);
    for (size_t k = 0; k < t->ncand && t->cand_label; k++)
        free(t->cand_label[k]);
    free(t->cand_label);
    free(t->id_chars);
    free(t->id_off);
    free(t->id_hash);
    free(t->src_line);
    free(t->src_file);
    free(t->stratum);
    for (int l = 0; l < SAKSI_NLEVELS; l++) {
        saksi_regions *rg = &t->regions[l];
        for (size_t r = 0; r < rg->n && rg->code; r++)
            free(rg->code[r]);
        free(rg->code);
        free(rg->parent);
        free(rg->first);
        free(rg->count);
        free(t->region_of[l]);
    }
    free(t);
}

static row_meta *meta_of(const struct saksi_table_build *b, size_t i)
{
    return &b->meta[i >> CHUNK_SHIFT][i & CHUNK_MASK];
}

static const int32_t *vals_of(const saksi_table *t, size_t i)
{
    return t->build->vals[i >> CHUNK_SHIFT] + (i & CHUNK_MASK) * t->nslots;
}

/* One more chunk of rows. */
static saksi_status table_grow(saksi_table *t, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    struct saksi_table_build *b = t->build;
    if (t->n >= MAX_STATIONS)
        SAKSI_FAIL(SAKSI_ERR_LIMIT, "more than %zu stations", MAX_STATIONS);
    if (b->nchunks == b->chunk_cap) {
        size_t cap = b->chunk_cap ? b->chunk_cap * 2 : 16;
        int32_t **v = saksi_realloc_array(b->vals, cap, sizeof *v);
        if (!v)
            SAKSI_ALLOC_FAIL("station chunks");
        b->vals = v;
        row_meta **m = saksi_realloc_array(b->meta, cap, sizeof *m);
        if (!m)
            SAKSI_ALLOC_FAIL("station chunks");
        b->meta = m;
        b->chunk_cap = cap;
    }
    int32_t *vals = saksi_alloc_large(CHUNK_ROWS, t->nslots * sizeof *vals);
    row_meta *meta = saksi_alloc_large(CHUNK_ROWS, sizeof *meta);
    if (!vals || !meta) {
        free(vals);
        free(meta);
        SAKSI_ALLOC_FAIL("station chunk");
    }
    b->vals[b->nchunks] = vals;
    b->meta[b->nchunks] = meta;
    b->nchunks++;
out:
    return rc;
}

/* Where an id goes in the duplicate index. Ids of one village differ only
 * in their last digits and usually arrive together, so the trailing digits
 * are added to the hash of the rest: consecutive stations land in
 * neighbouring slots and a probe mostly hits the cache (a fully mixed hash
 * made the probe miss on every row, half of the append time). */
static uint64_t index_hash(const char *id, size_t len)
{
    size_t k = len, digits = 0;
    uint64_t tail = 0, scale = 1;
    while (k > 0 && digits < 4 && id[k - 1] >= '0' && id[k - 1] <= '9') {
        tail += (uint64_t)(id[k - 1] - '0') * scale;
        scale *= 10;
        k--;
        digits++;
    }
    return saksi_hash_bytes(id, k) + tail;
}

/* Duplicate check and insertion of id as station t->n. Returns the row of
 * an earlier station with the same id, or SIZE_MAX when it is new. */
static size_t id_find(const saksi_table *t, const char *id, size_t len, uint64_t h)
{
    const hindex *ix = &t->build->ids;
    if (!ix->cap)
        return SIZE_MAX;
    for (size_t j = h & (ix->cap - 1); ix->e[j].item; j = (j + 1) & (ix->cap - 1)) {
        size_t r = ix->e[j].item - 1;
        if (ix->e[j].hash != h)
            continue;
        const char *other = t->id_chars + meta_of(t->build, r)->id_off;
        if (strncmp(other, id, len) == 0 && other[len] == 0)
            return r;
    }
    return SIZE_MAX;
}

static int is_tps_code(const char *id, size_t len)
{
    if (len != TPS_ID_LEN)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (id[i] < '0' || id[i] > '9')
            return 0;
    return 1;
}

/* Village-level build region of a station; interns every level on the way. */
static saksi_status resolve_leaf(saksi_table *t, const char *id, size_t idlen,
                                 const char *const regions[SAKSI_NLEVELS], uint32_t *leaf,
                                 saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    struct saksi_table_build *b = t->build;
    const char *code[SAKSI_NLEVELS];
    size_t len[SAKSI_NLEVELS];
    int tps = is_tps_code(id, idlen);
    for (int l = 1; l < SAKSI_NLEVELS; l++) {
        if (regions && regions[l]) {
            code[l] = regions[l];
            len[l] = strlen(regions[l]);
        } else if (tps) {
            code[l] = id;
            len[l] = tps_prefix[l];
        } else {
            code[l] = "";
            len[l] = 0;
        }
    }
    /* Rows come grouped by village in every real file: reuse the last one. */
    int same = b->have_last;
    for (int l = 1; l < SAKSI_NLEVELS && same; l++)
        same = strncmp(b->last_codes[l], code[l], len[l]) == 0 && b->last_codes[l][len[l]] == 0;
    if (same) {
        *leaf = b->last_leaf;
        goto out;
    }
    uint32_t parent = 0;
    for (int l = 1; l < SAKSI_NLEVELS; l++) {
        int64_t r = level_intern(&b->level[l], parent, code[l], len[l]);
        if (r < 0)
            SAKSI_ALLOC_FAIL("region index");
        parent = (uint32_t)r;
        char *copy = realloc(b->last_codes[l], len[l] + 1);
        if (!copy)
            SAKSI_ALLOC_FAIL("region cache");
        memcpy(copy, code[l], len[l]);
        copy[len[l]] = 0;
        b->last_codes[l] = copy;
    }
    b->last_leaf = parent;
    b->have_last = 1;
    *leaf = parent;
out:
    if (rc != SAKSI_OK)
        b->have_last = 0;
    return rc;
}

saksi_status saksi_table_append(saksi_table *t, const char *id, size_t idlen,
                                const char *const regions[SAKSI_NLEVELS], const int32_t *values,
                                uint32_t src_file, uint64_t src_line, uint64_t *first_line,
                                saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    struct saksi_table_build *b = t->build;
    if (!b)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "append to a finalized table");
    /* Readers quarantine longer codes; this guards the report's string
     * widths against any other caller. */
    if (idlen > SAKSI_MAX_CODE_BYTES)
        SAKSI_FAIL(SAKSI_ERR_LIMIT, "station id of %zu bytes (at most %d)", idlen,
                   SAKSI_MAX_CODE_BYTES);
    for (int l = 1; l < SAKSI_NLEVELS; l++)
        if (regions && regions[l] && strlen(regions[l]) > SAKSI_MAX_CODE_BYTES)
            SAKSI_FAIL(SAKSI_ERR_LIMIT, "%s code of %zu bytes (at most %d)", saksi_level_name(l),
                       strlen(regions[l]), SAKSI_MAX_CODE_BYTES);
    uint64_t h = saksi_hash_bytes(id, idlen), ih = index_hash(id, idlen);
    size_t dup = id_find(t, id, idlen, ih);
    if (dup != SIZE_MAX) {
        uint64_t line = meta_of(b, dup)->line;
        if (first_line)
            *first_line = line;
        SAKSI_FAIL(SAKSI_ERR_DATA, "duplicate station_id %.*s (first at line %llu)", (int)idlen,
                   id, (unsigned long long)line);
    }
    if (t->n == b->nchunks * CHUNK_ROWS)
        SAKSI_TRY(table_grow(t, err));
    uint32_t leaf = 0;
    SAKSI_TRY(resolve_leaf(t, id, idlen, regions, &leaf, err));

    if (b->id_len + idlen + 1 > b->id_cap) {
        size_t cap = b->id_cap ? b->id_cap : 1 << 16;
        while (cap < b->id_len + idlen + 1)
            cap *= 2;
        char *chars = realloc(t->id_chars, cap);
        if (!chars)
            SAKSI_ALLOC_FAIL("station ids");
        t->id_chars = chars;
        b->id_cap = cap;
    }
    if ((b->ids.n + 1) * 2 > b->ids.cap && hindex_grow(&b->ids) != 0)
        SAKSI_ALLOC_FAIL("station id index");

    size_t i = t->n;
    memcpy(t->id_chars + b->id_len, id, idlen);
    t->id_chars[b->id_len + idlen] = 0;
    *meta_of(b, i) = (row_meta){b->id_len, h, src_line, src_file, leaf};
    b->id_len += idlen + 1;
    if (idlen > t->id_maxlen)
        t->id_maxlen = idlen;
    int32_t *row = b->vals[i >> CHUNK_SHIFT] + (i & CHUNK_MASK) * t->nslots;
    for (size_t s = 0; s < t->nslots; s++)
        row[s] = values[t->field_of_slot[s]];
    size_t j = ih & (b->ids.cap - 1);
    while (b->ids.e[j].item)
        j = (j + 1) & (b->ids.cap - 1);
    b->ids.e[j] = (hentry){ih, (uint32_t)(i + 1)};
    b->ids.n++;
    t->n++;
out:
    return rc;
}

/* ------------------------------------------------------------------ */
/* Finalize: canonical order                                           */
/* ------------------------------------------------------------------ */

/* Sort key of a region: its parent's canonical rank, then its code. */
typedef struct region_key_t {
    uint32_t parent_rank;
    const char *code;
    uint32_t build;
} region_sort_key;

static int region_cmp(const void *a, const void *b)
{
    const region_sort_key *x = a, *y = b;
    if (x->parent_rank != y->parent_rank)
        return x->parent_rank < y->parent_rank ? -1 : 1;
    return strcmp(x->code, y->code);
}

typedef struct row_id {
    const char *id;
    size_t row;
} row_id;

static int row_id_cmp(const void *a, const void *b)
{
    return strcmp(((const row_id *)a)->id, ((const row_id *)b)->id);
}

/* rank[l][build region] = canonical index at each level. */
static saksi_status rank_regions(saksi_table *t, uint32_t *rank[SAKSI_NLEVELS], saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    region_sort_key *keys = NULL;
    struct saksi_table_build *b = t->build;
    rank[0][0] = 0;
    for (int l = 1; l < SAKSI_NLEVELS; l++) {
        level_build *lv = &b->level[l];
        free(keys);
        keys = saksi_malloc_array(lv->n, sizeof *keys);
        if (!keys)
            SAKSI_ALLOC_FAIL("region sort");
        for (size_t r = 0; r < lv->n; r++) {
            keys[r].parent_rank = rank[l - 1][lv->parent[r]];
            keys[r].code = lv->code[r];
            keys[r].build = (uint32_t)r;
        }
        qsort(keys, lv->n, sizeof *keys, region_cmp);
        for (size_t r = 0; r < lv->n; r++)
            rank[l][keys[r].build] = (uint32_t)r;
    }
out:
    free(keys);
    return rc;
}

/* Station permutation: counting sort by canonical village, then by id. */
static saksi_status station_order(saksi_table *t, const uint32_t *leaf_rank, size_t nleaf,
                                  size_t **order_out, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t *start = saksi_calloc_array(nleaf + 1, sizeof *start);
    size_t *order = saksi_malloc_array(t->n, sizeof *order);
    row_id *village = NULL;
    size_t village_cap = 0;
    if (!start || !order)
        SAKSI_ALLOC_FAIL("station sort");
    for (size_t i = 0; i < t->n; i++)
        start[leaf_rank[meta_of(t->build, i)->leaf] + 1]++;
    for (size_t r = 0; r < nleaf; r++)
        start[r + 1] += start[r];
    for (size_t i = 0; i < t->n; i++)
        order[start[leaf_rank[meta_of(t->build, i)->leaf]]++] = i;
    /* start[r] is now the end of village r; sort each village by id. */
    for (size_t r = 0, begin = 0; r < nleaf; begin = start[r], r++) {
        size_t m = start[r] - begin;
        if (m > village_cap) {
            free(village);
            village_cap = m * 2;
            village = saksi_malloc_array(village_cap, sizeof *village);
            if (!village)
                SAKSI_ALLOC_FAIL("station sort");
        }
        for (size_t k = 0; k < m; k++)
            village[k] = (row_id){t->id_chars + meta_of(t->build, order[begin + k])->id_off,
                                  order[begin + k]};
        qsort(village, m, sizeof *village, row_id_cmp);
        for (size_t k = 0; k < m; k++)
            order[begin + k] = village[k].row;
    }
    *order_out = order;
    order = NULL;
out:
    free(start);
    free(order);
    free(village);
    return rc;
}

/* Permute every per-station array by order (new row k = old row order[k]). */
static saksi_status permute_rows(saksi_table *t, const size_t *order, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t n = t->n;
    int32_t *cols = saksi_alloc_large(n ? n : 1, t->nslots * sizeof *cols);
    char *ids = saksi_alloc_large(t->build->id_len ? t->build->id_len : 1, 1);
    size_t *off = saksi_alloc_large(n, sizeof *off);
    uint64_t *hash = saksi_alloc_large(n, sizeof *hash);
    uint64_t *line = saksi_alloc_large(n, sizeof *line);
    uint32_t *file = saksi_alloc_large(n, sizeof *file);
    if (!cols || !ids || !off || !hash || !line || !file)
        SAKSI_ALLOC_FAIL("canonical order");
    /* One row read, nslots sequential write streams. */
    for (size_t k = 0; k < n; k++) {
        const int32_t *row = vals_of(t, order[k]);
        for (size_t s = 0; s < t->nslots; s++)
            cols[s * n + k] = row[s];
    }
    size_t pos = 0;
    for (size_t k = 0; k < n; k++) {
        const row_meta *m = meta_of(t->build, order[k]);
        const char *id = t->id_chars + m->id_off;
        size_t len = strlen(id) + 1;
        memcpy(ids + pos, id, len);
        off[k] = pos;
        pos += len;
        hash[k] = m->hash;
        line[k] = m->line;
        file[k] = m->file;
    }
#define SWAP(field, v)                                                                             \
    do {                                                                                           \
        free(t->field);                                                                            \
        t->field = v;                                                                              \
        v = NULL;                                                                                  \
    } while (0)
    SWAP(cols, cols);
    SWAP(id_chars, ids);
    SWAP(id_off, off);
    SWAP(id_hash, hash);
    SWAP(src_line, line);
    SWAP(src_file, file);
#undef SWAP
    t->stride = n;
out:
    free(cols);
    free(ids);
    free(off);
    free(hash);
    free(line);
    free(file);
    return rc;
}

/* Region tables and per-station region indices, from the canonical order. */
static saksi_status build_regions(saksi_table *t, uint32_t *rank[SAKSI_NLEVELS],
                                  const size_t *order, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    struct saksi_table_build *b = t->build;
    for (int l = 0; l < SAKSI_NLEVELS; l++) {
        level_build *lv = &b->level[l];
        saksi_regions *rg = &t->regions[l];
        rg->code = saksi_calloc_array(lv->n, sizeof *rg->code);
        rg->parent = saksi_calloc_array(lv->n, sizeof *rg->parent);
        rg->first = saksi_calloc_array(lv->n, sizeof *rg->first);
        rg->count = saksi_calloc_array(lv->n, sizeof *rg->count);
        t->region_of[l] = saksi_malloc_array(t->n, sizeof *t->region_of[l]);
        if (!rg->code || !rg->parent || !rg->first || !rg->count || !t->region_of[l])
            SAKSI_ALLOC_FAIL("region index");
        rg->n = lv->n;
        for (size_t r = 0; r < lv->n; r++) {
            uint32_t k = rank[l][r];
            rg->code[k] = lv->code[r];
            lv->code[r] = NULL; /* ownership moves to the table */
            rg->parent[k] = l > 0 ? rank[l - 1][lv->parent[r]] : 0;
        }
    }
    /* Walk stations in canonical order; a region's rows are contiguous. */
    for (size_t k = 0; k < t->n; k++) {
        uint32_t r = meta_of(b, order[k])->leaf;
        for (int l = SAKSI_NLEVELS - 1; l >= 0; l--) {
            uint32_t c = rank[l][r];
            saksi_regions *rg = &t->regions[l];
            if (rg->count[c]++ == 0)
                rg->first[c] = k;
            t->region_of[l][k] = c;
            if (l > 0)
                r = b->level[l].parent[r];
        }
    }
out:
    return rc;
}

saksi_status saksi_table_finalize(saksi_table *t, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    uint32_t *rank[SAKSI_NLEVELS] = {0};
    size_t *order = NULL;
    struct saksi_table_build *b = t->build;
    if (!b)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "table finalized twice");
    for (int l = 0; l < SAKSI_NLEVELS; l++) {
        rank[l] = saksi_malloc_array(b->level[l].n, sizeof *rank[l]);
        if (!rank[l])
            SAKSI_ALLOC_FAIL("region ranks");
    }
    SAKSI_TRY(rank_regions(t, rank, err));
    SAKSI_TRY(station_order(t, rank[SAKSI_NLEVELS - 1], b->level[SAKSI_NLEVELS - 1].n, &order, err));
    SAKSI_TRY(build_regions(t, rank, order, err));
    SAKSI_TRY(permute_rows(t, order, err));
    t->stratum = saksi_calloc_array(t->n, sizeof *t->stratum);
    if (!t->stratum)
        SAKSI_ALLOC_FAIL("strata");
    build_free(b);
    t->build = NULL;
out:
    for (int l = 0; l < SAKSI_NLEVELS; l++)
        free(rank[l]);
    free(order);
    return rc;
}
