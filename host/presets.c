/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * presets.c — presets (DESIGN §3 item 3): data files that adapt a real
 * layout to the canonical columns, with its parsing options, so that adding
 * a layout needs no code. Syntax in datasets/presets/README.md; this file
 * parses it, finds built-in presets and rules embedded at build time, binds
 * a preset to a header and converts the cells its options allow.
 */
#define _POSIX_C_SOURCE 200809L
#include "presets.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Largest preset file read. */
#define PRESET_MAX_BYTES ((size_t)1 << 20)

/* ------------------------------------------------------------------ */
/* Parsing                                                             */
/* ------------------------------------------------------------------ */

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s))
        (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

static saksi_status add_str(char ***list, size_t *n, const char *s, size_t len, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    char **l = saksi_realloc_array(*list, *n + 1, sizeof *l);
    if (!l) SAKSI_ALLOC_FAIL("a preset list");
    *list = l;
    if (!(l[*n] = strndup(s, len))) SAKSI_ALLOC_FAIL("a preset string");
    (*n)++;
out:
    return rc;
}

static saksi_status set_str(char **dst, const char *s, size_t len, saksi_error *err)
{
    free(*dst);
    *dst = strndup(s, len);
    return *dst ? SAKSI_OK
                : saksi_error_set(err, SAKSI_ERR_NOMEM, __FILE__, __LINE__, "out of memory");
}

/* A single character option: the character, or comma/semicolon/tab/pipe/
 * none. */
static int char_option(const char *v, size_t n, char *out)
{
    static const struct {
        const char *word;
        char c;
    } words[] = {{"comma", ','}, {"semicolon", ';'}, {"tab", '\t'}, {"pipe", '|'},
                 {"none", 0},    {"dot", '.'},       {"space", ' '}};
    for (size_t k = 0; k < sizeof words / sizeof *words; k++)
        if (strlen(words[k].word) == n && memcmp(v, words[k].word, n) == 0) {
            *out = words[k].c;
            return 1;
        }
    if (n == 1 && v[0] != '"' && v[0] != '\n' && v[0] != '\r') {
        *out = v[0];
        return 1;
    }
    return 0;
}

/* Split "a | b | c" (alternatives) of one term into t. */
static saksi_status parse_alts(saksi_preset_term *t, const char *s, size_t n, const char *where,
                               saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    while (n) {
        const char *bar = NULL;
        for (size_t i = 0; i + 3 <= n; i++)
            if (memcmp(s + i, " | ", 3) == 0) {
                bar = s + i;
                break;
            }
        const char *a = s;
        size_t an = bar ? (size_t)(bar - s) : n;
        trim(&a, &an);
        if (an >= 2 && a[0] == '"' && a[an - 1] == '"')
            a++, an -= 2; /* a quoted column name keeps its spaces */
        if (an == 0) SAKSI_FAIL(SAKSI_ERR_DATA, "%s: empty column name", where);
        if (t->nalt == SAKSI_PRESET_MAX_ALTS)
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s: more than %d alternatives", where,
                       SAKSI_PRESET_MAX_ALTS);
        if (!(t->alt[t->nalt++] = strndup(a, an))) SAKSI_ALLOC_FAIL("a preset term");
        if (!bar) break;
        n -= (size_t)(bar + 3 - s);
        s = bar + 3;
    }
out:
    return rc;
}

/* "canonical = term + term - term", terms split at " + " and " - ";
 * 'text' (single quotes) is a literal (station_id only). */
static saksi_status parse_map(saksi_preset_map *m, const char *v, size_t n, const char *where,
                              saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    int sign = 1;
    while (n) {
        size_t cut = n, next = n;
        int nsign = 1;
        for (size_t i = 0, q = 0; i < n; i++) {
            if (v[i] == '\'') q = !q;
            if (!q && i + 3 <= n && v[i] == ' ' && (v[i + 1] == '+' || v[i + 1] == '-') &&
                v[i + 2] == ' ') {
                cut = i;
                next = i + 3;
                nsign = v[i + 1] == '+' ? 1 : -1;
                break;
            }
        }
        if (m->nterm == SAKSI_PRESET_MAX_TERMS)
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s: more than %d terms", where, SAKSI_PRESET_MAX_TERMS);
        saksi_preset_term *t = &m->term[m->nterm++];
        t->sign = sign;
        const char *s = v;
        size_t sn = cut;
        trim(&s, &sn);
        if (sn >= 2 && s[0] == '\'' && s[sn - 1] == '\'') {
            t->literal = 1;
            t->nalt = 1;
            if (!(t->alt[0] = strndup(s + 1, sn - 2))) SAKSI_ALLOC_FAIL("a preset literal");
        } else {
            SAKSI_TRY(parse_alts(t, s, sn, where, err));
        }
        if (next >= n) break;
        v += next;
        n -= next;
        sign = nsign;
    }
    if (m->nterm == 0) SAKSI_FAIL(SAKSI_ERR_DATA, "%s: nothing after '='", where);
out:
    return rc;
}

static saksi_status add_map(saksi_preset_source *src, const char *key, size_t kn, const char *v,
                            size_t vn, unsigned line, const char *where, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    int arg;
    char canon[128];
    if (kn >= sizeof canon) SAKSI_FAIL(SAKSI_ERR_DATA, "%s: name too long", where);
    memcpy(canon, key, kn);
    canon[kn] = 0;
    if (saksi_colkind_of(canon, &arg) == SAKSI_COL_UNKNOWN)
        SAKSI_FAIL(SAKSI_ERR_DATA,
                   "%s: '%s' is neither an option nor a canonical column name (DESIGN §3)", where,
                   canon);
    for (size_t k = 0; k < src->nmap; k++)
        if (strcmp(src->map[k].canonical, canon) == 0)
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s: '%s' is mapped twice (first on line %u)", where, canon,
                       src->map[k].line);
    if (src->nmap == src->cap) {
        size_t cap = src->cap ? 2 * src->cap : 16;
        saksi_preset_map *m = saksi_realloc_array(src->map, cap, sizeof *m);
        if (!m) SAKSI_ALLOC_FAIL("preset mappings");
        src->map = m;
        src->cap = cap;
    }
    saksi_preset_map *m = &src->map[src->nmap++];
    memset(m, 0, sizeof *m);
    m->line = line;
    if (!(m->canonical = saksi_strdup(canon))) SAKSI_ALLOC_FAIL("a preset mapping");
    SAKSI_TRY(parse_map(m, v, vn, where, err));
    if (strcmp(canon, "station_id") != 0)
        for (size_t k = 0; k < m->nterm; k++)
            if (m->term[k].literal)
                SAKSI_FAIL(SAKSI_ERR_DATA, "%s: a literal is allowed in station_id only", where);
out:
    return rc;
}

static int key_is(const char *k, size_t kn, const char *word)
{
    return strlen(word) == kn && memcmp(k, word, kn) == 0;
}

/* One "key = value" line of the options or of a source section. */
static saksi_status parse_line(saksi_preset *p, saksi_preset_source *src, const char *k, size_t kn,
                               const char *v, size_t vn, unsigned line, const char *where,
                               saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    char c;
    if (key_is(k, kn, "delimiter") || key_is(k, kn, "thousands") || key_is(k, kn, "decimal")) {
        if (!char_option(v, vn, &c))
            SAKSI_FAIL(SAKSI_ERR_DATA,
                       "%s: '%.*s' is not one character (or comma, semicolon, "
                       "tab, pipe, dot, space, none)",
                       where, (int)vn, v);
        if (key_is(k, kn, "delimiter") && (c == 0 || c == ' '))
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s: the delimiter cannot be none or a space", where);
        if (k[0] == 'd' && k[1] == 'e' && k[2] == 'l')
            p->delimiter = c;
        else if (k[0] == 't')
            p->thousands = c;
        else
            p->decimal = c;
    } else if (key_is(k, kn, "header_row")) {
        char buf[32];
        snprintf(buf, sizeof buf, "%.*s", (int)(vn < 31 ? vn : 31), v);
        char *end;
        unsigned long h = strtoul(buf, &end, 10);
        if (*end || h < 1 || h > 1000000)
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s: header_row must be a line number >= 1", where);
        p->header_row = h;
    } else if (key_is(k, kn, "encoding")) {
        /* Every layout in the shared datasets is UTF-8 (checked); other
         * encodings are refused rather than read as mojibake. */
        if (!(vn == 5 && (strncasecmp(v, "utf-8", 5) == 0)) &&
            !(vn == 4 && strncasecmp(v, "utf8", 4) == 0))
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s: encoding '%.*s' is not supported (only utf-8)", where,
                       (int)vn, v);
    } else if (key_is(k, kn, "missing")) {
        SAKSI_TRY(add_str(&p->missing, &p->nmissing, v, vn, err));
        char num[16], *end;
        snprintf(num, sizeof num, "%.*s", (int)(vn < 15 ? vn : 15), v);
        long x = vn && vn < 12 ? strtol(num, &end, 10) : 0;
        if (vn && vn < 12 && !*end && x > INT32_MIN && x <= INT32_MAX) {
            if (p->nmissing_num == sizeof p->missing_num / sizeof *p->missing_num)
                SAKSI_FAIL(SAKSI_ERR_DATA, "%s: more than 8 numeric missing tokens", where);
            p->missing_num[p->nmissing_num++] = (int32_t)x;
        }
    } else if (key_is(k, kn, "missing_prefix")) {
        if (vn == 0) SAKSI_FAIL(SAKSI_ERR_DATA, "%s: empty missing_prefix", where);
        SAKSI_TRY(add_str(&p->missing_prefix, &p->nmissing_prefix, v, vn, err));
    } else if (key_is(k, kn, "ignore")) {
        saksi_preset_term t = {0};
        rc = parse_alts(&t, v, vn, where, err);
        for (size_t a = 0; a < t.nalt; a++) {
            if (rc == SAKSI_OK)
                rc = add_str(&p->ignore, &p->nignore, t.alt[a], strlen(t.alt[a]), err);
            free(t.alt[a]);
        }
    } else if (key_is(k, kn, "rules")) {
        SAKSI_TRY(set_str(&p->rules, v, vn, err));
    } else if (key_is(k, kn, "members")) {
        SAKSI_TRY(set_str(&p->members, v, vn, err));
    } else if (key_is(k, kn, "timestamp")) {
        SAKSI_TRY(set_str(&p->timestamp, v, vn, err));
    } else if (key_is(k, kn, "optional")) {
        if (!(vn == 10 && memcmp(v, "registered", 10) == 0))
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s: only 'optional = registered' exists", where);
        p->registered_optional = 1;
    } else if (key_is(k, kn, "filter")) {
        const char *eq = NULL;
        for (size_t i = 0; i + 4 <= vn; i++)
            if (memcmp(v + i, " == ", 4) == 0) eq = v + i;
        if (!eq) SAKSI_FAIL(SAKSI_ERR_DATA, "%s: expected 'filter = COLUMN == VALUE'", where);
        SAKSI_TRY(set_str(&p->filter_col, v, (size_t)(eq - v), err));
        SAKSI_TRY(set_str(&p->filter_val, eq + 4, vn - (size_t)(eq + 4 - v), err));
    } else if (key_is(k, kn, "source")) {
        snprintf(src->label, sizeof src->label, "%.*s", (int)vn, v);
    } else if (key_is(k, kn, "candidates")) {
        if (!(vn == 4 && memcmp(v, "rest", 4) == 0))
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s: only 'candidates = rest' exists", where);
        src->cand_rest = 1;
    } else {
        SAKSI_TRY(add_map(src, k, kn, v, vn, line, where, err));
    }
out:
    return rc;
}

saksi_status saksi_preset_parse(const char *text, size_t len, const char *origin,
                                saksi_preset **out, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_preset *p = calloc(1, sizeof *p);
    char where[600];
    *out = NULL;
    if (!p) SAKSI_ALLOC_FAIL("a preset");
    snprintf(p->origin, sizeof p->origin, "%s", origin);
    p->delimiter = ',';
    p->header_row = 1;
    p->nsrc = 1;
    snprintf(p->src[0].label, sizeof p->src[0].label, "primary");
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) text += 3, len -= 3;
    if (saksi_utf8_invalid_at(text, len) < len)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s: not valid UTF-8", origin);
    unsigned line = 0;
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        const char *s = text + pos;
        size_t n = (nl ? (size_t)(nl - text) : len) - pos;
        pos += n + 1;
        line++;
        snprintf(where, sizeof where, "%s:%u", origin, line);
        trim(&s, &n);
        if (n == 0 || s[0] == '#') continue;
        if (s[0] == '[') {
            if (n < 9 || memcmp(s, "[compare]", 9) != 0 || n != 9)
                SAKSI_FAIL(SAKSI_ERR_DATA, "%s: the only section is [compare]", where);
            if (p->nsrc == SAKSI_PRESET_MAX_SOURCES)
                SAKSI_FAIL(SAKSI_ERR_DATA, "%s: a second [compare] section", where);
            snprintf(p->src[p->nsrc].label, sizeof p->src[0].label, "compare");
            p->nsrc++;
            continue;
        }
        const char *eq = memchr(s, '=', n);
        if (!eq) SAKSI_FAIL(SAKSI_ERR_DATA, "%s: expected 'key = value'", where);
        const char *k = s, *v = eq + 1;
        size_t kn = (size_t)(eq - s), vn = n - kn - 1;
        trim(&k, &kn);
        trim(&v, &vn);
        if (kn == 0) SAKSI_FAIL(SAKSI_ERR_DATA, "%s: empty key", where);
        saksi_preset_source *src = &p->src[p->nsrc - 1];
        /* Options belong before any [compare] section. */
        if (p->nsrc > 1 && !key_is(k, kn, "source") && !key_is(k, kn, "candidates")) {
            int arg;
            char key[128];
            snprintf(key, sizeof key, "%.*s", (int)kn, k);
            if (saksi_colkind_of(key, &arg) == SAKSI_COL_UNKNOWN)
                SAKSI_FAIL(SAKSI_ERR_DATA, "%s: '%s' belongs before [compare]", where, key);
        }
        SAKSI_TRY(parse_line(p, src, k, kn, v, vn, line, where, err));
    }
    if (p->thousands && p->thousands == p->decimal)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s: thousands and decimal separators are the same", origin);
    if (p->thousands == p->delimiter || (p->decimal && p->decimal == p->delimiter))
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s: a separator equals the delimiter", origin);
    *out = p;
    p = NULL;
out:
    saksi_preset_free(p);
    return rc;
}

static const saksi_embedded_file *embedded(const saksi_embedded_file *list, size_t n,
                                           const char *name)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(list[k].name, name) == 0) return &list[k];
    return NULL;
}

/* A whole small file. */
static saksi_status slurp(const char *path, const char *what, char **text, size_t *len,
                          saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    *text = NULL;
    if (!f) SAKSI_FAIL(SAKSI_ERR_NOINPUT, "cannot open %s %s: %s", what, path, strerror(errno));
    if (!(buf = malloc(PRESET_MAX_BYTES + 1))) SAKSI_ALLOC_FAIL(what);
    *len = fread(buf, 1, PRESET_MAX_BYTES + 1, f);
    if (ferror(f)) SAKSI_FAIL(SAKSI_ERR_IO, "cannot read %s %s", what, path);
    if (*len > PRESET_MAX_BYTES)
        SAKSI_FAIL(SAKSI_ERR_LIMIT, "%s %s is larger than %zu bytes", what, path, PRESET_MAX_BYTES);
    buf[*len] = 0;
    *text = buf;
    buf = NULL;
out:
    free(buf);
    if (f) fclose(f);
    return rc;
}

/* A name (no '/', no extension) is looked up among the embedded files. */
static int is_name(const char *s)
{
    return !strchr(s, '/') && !strchr(s, '.');
}

saksi_status saksi_preset_load(const char *name, saksi_preset **out, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    char *text = NULL, origin[512];
    size_t len = 0;
    if (!name || !out) SAKSI_FAIL(SAKSI_ERR_USAGE, "saksi_preset_load: NULL argument");
    if (is_name(name)) {
        const saksi_embedded_file *f =
            embedded(saksi_embedded_presets, saksi_embedded_presets_n, name);
        if (!f) {
            char known[1024];
            size_t u = 0;
            known[0] = 0;
            for (size_t k = 0; k < saksi_embedded_presets_n && u < sizeof known; k++)
                u += (size_t)snprintf(known + u, sizeof known - u, "%s%s", k ? ", " : "",
                                      saksi_embedded_presets[k].name);
            SAKSI_FAIL(SAKSI_ERR_USAGE, "no built-in preset '%s' (built-in: %s; or give a path)",
                       name, known);
        }
        snprintf(origin, sizeof origin, "built-in datasets/presets/%s.preset", name);
        SAKSI_TRY(saksi_preset_parse(f->text, f->len, origin, out, err));
    } else {
        SAKSI_TRY(slurp(name, "preset", &text, &len, err));
        SAKSI_TRY(saksi_preset_parse(text, len, name, out, err));
    }
    const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    size_t bl = strcspn(base, ".");
    snprintf((*out)->name, sizeof(*out)->name, "%.*s", (int)bl, base);
out:
    free(text);
    return rc;
}

saksi_status saksi_preset_rules_text(const char *rules, char **text, size_t *len, char *source,
                                     size_t source_len, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (is_name(rules)) {
        const saksi_embedded_file *f =
            embedded(saksi_embedded_rules, saksi_embedded_rules_n, rules);
        if (!f)
            SAKSI_FAIL(SAKSI_ERR_DATA, "no built-in rules '%s' (datasets/rules/%s.rules)", rules,
                       rules);
        if (!(*text = malloc(f->len + 1))) SAKSI_ALLOC_FAIL("rules");
        memcpy(*text, f->text, f->len + 1);
        *len = f->len;
        snprintf(source, source_len, "built-in datasets/rules/%s.rules", rules);
    } else {
        SAKSI_TRY(slurp(rules, "rules file", text, len, err));
        snprintf(source, source_len, "%s", rules);
    }
out:
    return rc;
}

void saksi_preset_free(saksi_preset *p)
{
    if (!p) return;
    for (size_t s = 0; s < p->nsrc; s++) {
        for (size_t k = 0; k < p->src[s].nmap; k++) {
            saksi_preset_map *m = &p->src[s].map[k];
            for (size_t t = 0; t < m->nterm; t++)
                for (size_t a = 0; a < m->term[t].nalt; a++)
                    free(m->term[t].alt[a]);
            free(m->canonical);
        }
        free(p->src[s].map);
    }
    char **lists[] = {p->missing, p->missing_prefix, p->ignore};
    size_t ns[] = {p->nmissing, p->nmissing_prefix, p->nignore};
    for (size_t l = 0; l < 3; l++) {
        for (size_t k = 0; k < ns[l]; k++)
            free(lists[l][k]);
        free(lists[l]);
    }
    free(p->rules);
    free(p->members);
    free(p->filter_col);
    free(p->filter_val);
    free(p->timestamp);
    free(p);
}

size_t saksi_preset_nsources(const saksi_preset *p)
{
    return p->nsrc;
}

const char *saksi_preset_source_label(const saksi_preset *p, size_t s)
{
    return s < p->nsrc ? p->src[s].label : "";
}

const char *saksi_preset_name(const saksi_preset *p)
{
    return p->name;
}

const char *saksi_preset_origin(const saksi_preset *p)
{
    return p->origin;
}
