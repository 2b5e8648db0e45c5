/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rules.c — the integrity rules language (datasets/rules/NAME.rules): parsing,
 * compilation to the flat program of saksi_shared.h for a table's column
 * layout, and the region scopes that turn rules off (exceptions) or assign
 * strata. Rules are data, not code (DESIGN §4).
 */
#define _POSIX_C_SOURCE 200809L
#include "analysis.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The built-in Indonesian rules, embedded by cmake/embed.cmake. */
extern const char saksi_src_rules_indonesia[];
extern const size_t saksi_src_rules_indonesia_len;
#define BUILTIN_RULES_NAME "built-in datasets/rules/indonesia.rules"

#define MAX_TOKENS 128
#define MAX_TOKEN_LEN 64

typedef struct lexer {
    const char *source;
    size_t line;
    size_t ntok;
    char tok[MAX_TOKENS][MAX_TOKEN_LEN];
    size_t pos; /* next token to consume */
} lexer;

static const char *const unit_names[SAKSI_NUNITS] = {"votes", "voters", "registered", "ballots"};

const char *saksi_rule_unit_name(int unit)
{
    return unit >= 0 && unit < SAKSI_NUNITS ? unit_names[unit] : "?";
}

static int is_ident_char(int c)
{
    return isalnum(c) || c == '_' || c == '.';
}

/* Split one line (comment already removed) into tokens. */
static saksi_status lex_line(lexer *lx, const char *s, size_t len, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    lx->ntok = 0;
    lx->pos = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        size_t tl = 0;
        if (isspace(c)) {
            i++;
            continue;
        }
        if (lx->ntok == MAX_TOKENS)
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s:%zu: more than %d tokens", lx->source, lx->line,
                       MAX_TOKENS);
        if (is_ident_char(c)) {
            while (i + tl < len && is_ident_char((unsigned char)s[i + tl]))
                tl++;
        } else if ((c == '=' || c == '<' || c == '>') && i + 1 < len && s[i + 1] == '=') {
            tl = 2;
        } else if (strchr("+-*/():", c)) {
            tl = 1;
        } else {
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s:%zu: unexpected character '%c'", lx->source, lx->line,
                       c);
        }
        if (tl >= MAX_TOKEN_LEN)
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s:%zu: token longer than %d characters", lx->source,
                       lx->line, MAX_TOKEN_LEN - 1);
        memcpy(lx->tok[lx->ntok], s + i, tl);
        lx->tok[lx->ntok][tl] = 0;
        lx->ntok++;
        i += tl;
    }
out:
    return rc;
}

static const char *peek(const lexer *lx)
{
    return lx->pos < lx->ntok ? lx->tok[lx->pos] : "";
}

static int accept(lexer *lx, const char *tok)
{
    if (strcmp(peek(lx), tok) != 0)
        return 0;
    lx->pos++;
    return 1;
}

static saksi_status expect(lexer *lx, const char *tok, saksi_error *err)
{
    if (accept(lx, tok))
        return SAKSI_OK;
    return saksi_error_set(err, SAKSI_ERR_DATA, __FILE__, __LINE__,
                           "%s:%zu: expected '%s' but found '%s'", lx->source, lx->line, tok,
                           *peek(lx) ? peek(lx) : "end of line");
}

/* A non-negative integer literal that fits int32. */
static int parse_int(const char *s, int32_t *v)
{
    char *end;
    if (!isdigit((unsigned char)s[0]))
        return 0;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (*end || errno || x > INT32_MAX)
        return 0;
    *v = (int32_t)x;
    return 1;
}

static saksi_status expect_int(lexer *lx, int32_t *v, saksi_error *err)
{
    if (parse_int(peek(lx), v)) {
        lx->pos++;
        return SAKSI_OK;
    }
    return saksi_error_set(err, SAKSI_ERR_DATA, __FILE__, __LINE__,
                           "%s:%zu: expected an integer but found '%s'", lx->source, lx->line,
                           *peek(lx) ? peek(lx) : "end of line");
}

static saksi_status expect_field(lexer *lx, int *field, saksi_error *err)
{
    int f = saksi_field_lookup(peek(lx));
    if (f >= 0) {
        lx->pos++;
        *field = f;
        return SAKSI_OK;
    }
    return saksi_error_set(err, SAKSI_ERR_DATA, __FILE__, __LINE__,
                           "%s:%zu: unknown field '%s' (fields are the canonical CSV names)",
                           lx->source, lx->line, *peek(lx) ? peek(lx) : "end of line");
}

/* One term: INT | INT '*' atom | atom, where atom is a field,
 * ceil(field * NUM / DEN) or sum(cand). sign is +1 or -1. */
static saksi_status parse_term(lexer *lx, int sign, saksi_rule_term *t, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    int32_t mul = 1;
    memset(t, 0, sizeof *t);
    if (parse_int(peek(lx), &mul)) {
        lx->pos++;
        if (!accept(lx, "*")) {
            t->kind = SAKSI_TERM_CONST;
            t->mul = sign * mul;
            goto out;
        }
    }
    t->mul = sign * mul;
    if (accept(lx, "ceil")) {
        t->kind = SAKSI_TERM_CEIL;
        SAKSI_TRY(expect(lx, "(", err));
        SAKSI_TRY(expect_field(lx, &t->field, err));
        SAKSI_TRY(expect(lx, "*", err));
        SAKSI_TRY(expect_int(lx, &t->num, err));
        SAKSI_TRY(expect(lx, "/", err));
        SAKSI_TRY(expect_int(lx, &t->den, err));
        SAKSI_TRY(expect(lx, ")", err));
        if (t->den == 0)
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s:%zu: ceil() divides by zero", lx->source, lx->line);
    } else if (accept(lx, "sum")) {
        t->kind = SAKSI_TERM_CAND_SUM;
        SAKSI_TRY(expect(lx, "(", err));
        SAKSI_TRY(expect(lx, "cand", err));
        SAKSI_TRY(expect(lx, ")", err));
    } else {
        t->kind = SAKSI_TERM_FIELD;
        SAKSI_TRY(expect_field(lx, &t->field, err));
    }
out:
    return rc;
}

/* EXPR: ['-'] term (('+' | '-') term)*, appended to terms with sign. */
static saksi_status parse_expr(lexer *lx, int sign, saksi_rule_term *terms, size_t *n,
                               saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    int s = accept(lx, "-") ? -sign : sign;
    for (;;) {
        if (*n == SAKSI_MAX_TERMS)
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s:%zu: more than %d terms", lx->source, lx->line,
                       SAKSI_MAX_TERMS);
        SAKSI_TRY(parse_term(lx, s, &terms[(*n)++], err));
        if (accept(lx, "+"))
            s = sign;
        else if (accept(lx, "-"))
            s = -sign;
        else
            break;
    }
out:
    return rc;
}

static saksi_status parse_op(lexer *lx, int *op, saksi_error *err)
{
    if (accept(lx, "=="))
        *op = SAKSI_OP_EQ;
    else if (accept(lx, "<="))
        *op = SAKSI_OP_LE;
    else if (accept(lx, ">="))
        *op = SAKSI_OP_GE;
    else
        return saksi_error_set(err, SAKSI_ERR_DATA, __FILE__, __LINE__,
                               "%s:%zu: expected ==, <= or >= but found '%s'", lx->source,
                               lx->line, *peek(lx) ? peek(lx) : "end of line");
    return SAKSI_OK;
}

/* EXPR OP EXPR as lhs - rhs. */
static saksi_status parse_comparison(lexer *lx, saksi_rule_term *terms, size_t *n, size_t *nlhs,
                                     int *op, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    *n = 0;
    SAKSI_TRY(parse_expr(lx, 1, terms, n, err));
    if (nlhs)
        *nlhs = *n;
    SAKSI_TRY(parse_op(lx, op, err));
    SAKSI_TRY(parse_expr(lx, -1, terms, n, err));
out:
    return rc;
}

static int find_rule(const saksi_rules *r, const char *name)
{
    for (size_t k = 0; k < r->nrules; k++)
        if (strcmp(r->rule[k].name, name) == 0)
            return (int)k;
    return -1;
}

static saksi_status parse_rule(lexer *lx, saksi_rules *r, const char *text, size_t len,
                               saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (r->nrules == SAKSI_MAX_RULES)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s:%zu: more than %d rules", lx->source, lx->line,
                   SAKSI_MAX_RULES);
    saksi_rule *rule = &r->rule[r->nrules];
    memset(rule, 0, sizeof *rule);
    const char *name = peek(lx);
    if (!*name || !isalpha((unsigned char)name[0]))
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s:%zu: expected a rule name", lx->source, lx->line);
    if (find_rule(r, name) >= 0)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s:%zu: rule '%s' defined twice", lx->source, lx->line, name);
    snprintf(rule->name, sizeof rule->name, "%s", name);
    lx->pos++;
    if (accept(lx, "integrity"))
        rule->klass = SAKSI_CLASS_INTEGRITY;
    else if (accept(lx, "incomplete"))
        rule->klass = SAKSI_CLASS_INCOMPLETE;
    else
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s:%zu: rule class must be integrity or incomplete, not '%s'",
                   lx->source, lx->line, peek(lx));
    rule->unit = SAKSI_UNIT_VOTES;
    for (int u = 0; u < SAKSI_NUNITS; u++)
        if (accept(lx, saksi_rule_unit_name(u)))
            rule->unit = u;
    SAKSI_TRY(expect(lx, ":", err));
    /* Keep the text after ':' for reasons in the report. */
    const char *colon = memchr(text, ':', len);
    size_t tl = colon ? len - (size_t)(colon + 1 - text) : 0;
    const char *ts = colon ? colon + 1 : text;
    while (tl && isspace((unsigned char)*ts))
        ts++, tl--;
    while (tl && isspace((unsigned char)ts[tl - 1]))
        tl--;
    snprintf(rule->text, sizeof rule->text, "%.*s", (int)tl, ts);
    SAKSI_TRY(parse_comparison(lx, rule->term, &rule->nterms, &rule->nlhs, &rule->op, err));
    if (accept(lx, "when"))
        SAKSI_TRY(parse_comparison(lx, rule->guard, &rule->nguard, NULL, &rule->guard_op, err));
    if (lx->pos != lx->ntok)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s:%zu: unexpected '%s' after the rule", lx->source, lx->line,
                   peek(lx));
    r->nrules++;
out:
    return rc;
}

static int level_lookup(const char *name)
{
    for (int l = 1; l < SAKSI_NLEVELS; l++)
        if (strcmp(name, saksi_level_name(l)) == 0)
            return l;
    return strcmp(name, "station") == 0 ? SAKSI_NLEVELS : -1;
}

/* except RULE where LEVEL in CODE... | stratum NAME where LEVEL in CODE... */
static saksi_status parse_scope(lexer *lx, saksi_rules *r, int is_stratum, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (r->nscopes == SAKSI_MAX_SCOPE)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s:%zu: more than %d except/stratum lines", lx->source,
                   lx->line, SAKSI_MAX_SCOPE);
    saksi_rule_scope *sc = &r->scope[r->nscopes];
    memset(sc, 0, sizeof *sc);
    sc->rule = -1;
    sc->stratum = -1;
    const char *name = peek(lx);
    if (is_stratum) {
        for (int s = 1; s < SAKSI_NSTRATA; s++)
            if (strcmp(name, saksi_stratum_name(s)) == 0)
                sc->stratum = s;
        if (sc->stratum < 0)
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s:%zu: unknown stratum '%s' (special, overseas, noken)",
                       lx->source, lx->line, name);
    } else if ((sc->rule = find_rule(r, name)) < 0) {
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s:%zu: 'except' names unknown rule '%s'", lx->source,
                   lx->line, name);
    }
    lx->pos++;
    SAKSI_TRY(expect(lx, "where", err));
    if ((sc->level = level_lookup(peek(lx))) < 0)
        SAKSI_FAIL(SAKSI_ERR_DATA,
                   "%s:%zu: unknown level '%s' (province, regency, district, village, station)",
                   lx->source, lx->line, peek(lx));
    lx->pos++;
    SAKSI_TRY(expect(lx, "in", err));
    if (lx->pos == lx->ntok)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s:%zu: no codes after 'in'", lx->source, lx->line);
    sc->codes = saksi_calloc_array(lx->ntok - lx->pos, sizeof *sc->codes);
    if (!sc->codes)
        SAKSI_ALLOC_FAIL("rule scope");
    r->nscopes++; /* owned from here, freed with the rules */
    for (; lx->pos < lx->ntok; lx->pos++) {
        if (!(sc->codes[sc->ncodes] = saksi_strdup(lx->tok[lx->pos])))
            SAKSI_ALLOC_FAIL("rule scope");
        sc->ncodes++;
    }
out:
    return rc;
}

saksi_status saksi_rules_parse(const char *text, size_t len, const char *source,
                               saksi_rules **out, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_rules *r = calloc(1, sizeof *r);
    lexer *lx = calloc(1, sizeof *lx);
    if (!r || !lx)
        SAKSI_ALLOC_FAIL("rules");
    snprintf(r->source, sizeof r->source, "%s", source);
    lx->source = r->source;
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        const char *line = text + pos;
        size_t ll = end - pos;
        const char *hash = memchr(line, '#', ll);
        if (hash)
            ll = (size_t)(hash - line);
        lx->line++;
        pos = end + 1;
        SAKSI_TRY(lex_line(lx, line, ll, err));
        if (lx->ntok == 0)
            continue;
        if (accept(lx, "rule"))
            SAKSI_TRY(parse_rule(lx, r, line, ll, err));
        else if (accept(lx, "except"))
            SAKSI_TRY(parse_scope(lx, r, 0, err));
        else if (accept(lx, "stratum"))
            SAKSI_TRY(parse_scope(lx, r, 1, err));
        else
            SAKSI_FAIL(SAKSI_ERR_DATA, "%s:%zu: expected rule, except or stratum, not '%s'",
                       lx->source, lx->line, peek(lx));
    }
    if (r->nrules == 0)
        SAKSI_FAIL(SAKSI_ERR_DATA, "%s: no rules", r->source);
    *out = r;
    r = NULL;
out:
    saksi_rules_free(r);
    free(lx);
    return rc;
}

saksi_status saksi_rules_load(const char *path, saksi_rules **out, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    char *buf = NULL;
    FILE *f = NULL;
    if (!path)
        return saksi_rules_parse(saksi_src_rules_indonesia, saksi_src_rules_indonesia_len,
                                 BUILTIN_RULES_NAME, out, err);
    f = fopen(path, "rb");
    if (!f)
        SAKSI_FAIL(SAKSI_ERR_NOINPUT, "cannot open rules file %s: %s", path, strerror(errno));
    size_t cap = 1 << 14, len = 0, got;
    if (!(buf = malloc(cap)))
        SAKSI_ALLOC_FAIL("rules file");
    while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            char *b2 = saksi_realloc_array(buf, cap, 2);
            if (!b2)
                SAKSI_ALLOC_FAIL("rules file");
            buf = b2;
            cap *= 2;
        }
    }
    if (ferror(f))
        SAKSI_FAIL(SAKSI_ERR_IO, "cannot read rules file %s", path);
    SAKSI_TRY(saksi_rules_parse(buf, len, path, out, err));
out:
    if (f)
        fclose(f);
    free(buf);
    return rc;
}

void saksi_rules_free(saksi_rules *r)
{
    if (!r)
        return;
    for (size_t s = 0; s < r->nscopes; s++) {
        for (size_t c = 0; c < r->scope[s].ncodes; c++)
            free(r->scope[s].codes[c]);
        free(r->scope[s].codes);
    }
    free(r);
}

/* ------------------------------------------------------------------ */
/* Compilation                                                         */
/* ------------------------------------------------------------------ */

static int term_present(const saksi_rule_term *t, const saksi_table *tab)
{
    if (t->kind == SAKSI_TERM_CONST || t->kind == SAKSI_TERM_CAND_SUM)
        return 1;
    return tab->slot_of_field[t->field] >= 0;
}

int saksi_rule_columns_present(const saksi_rule *rule, const saksi_table *t)
{
    for (size_t k = 0; k < rule->nterms; k++)
        if (!term_present(&rule->term[k], t))
            return 0;
    for (size_t k = 0; k < rule->nguard; k++)
        if (!term_present(&rule->guard[k], t))
            return 0;
    return 1;
}

static void emit_terms(int32_t *p, size_t *at, const saksi_rule_term *terms, size_t n,
                       const saksi_table *t)
{
    for (size_t k = 0; k < n; k++) {
        const saksi_rule_term *x = &terms[k];
        int32_t slot = (x->kind == SAKSI_TERM_FIELD || x->kind == SAKSI_TERM_CEIL)
                           ? t->slot_of_field[x->field]
                           : 0;
        p[(*at)++] = x->kind;
        p[(*at)++] = slot;
        p[(*at)++] = x->mul;
        p[(*at)++] = x->num;
        p[(*at)++] = x->kind == SAKSI_TERM_CEIL ? x->den : 1;
    }
}

saksi_status saksi_rules_compile(const saksi_rules *r, const saksi_table *t, int32_t **prog,
                                 size_t *prog_len, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    size_t len = SAKSI_PROG_HEADER + r->nrules, at;
    for (size_t k = 0; k < r->nrules; k++)
        len += SAKSI_RULE_HEADER + SAKSI_TERM_WORDS * (r->rule[k].nterms + r->rule[k].nguard);
    int32_t *p = saksi_calloc_array(len, sizeof *p);
    if (!p)
        SAKSI_ALLOC_FAIL("rule program");
    p[0] = (int32_t)r->nrules;
    p[1] = (int32_t)t->ncand;
    p[2] = t->first_cand_slot;
    at = SAKSI_PROG_HEADER + r->nrules;
    for (size_t k = 0; k < r->nrules; k++) {
        const saksi_rule *rule = &r->rule[k];
        int present = saksi_rule_columns_present(rule, t);
        p[SAKSI_PROG_HEADER + k] = (int32_t)at;
        p[at++] = rule->op;
        p[at++] = present ? (int32_t)rule->nterms : -1;
        p[at++] = rule->guard_op;
        p[at++] = present ? (int32_t)rule->nguard : 0;
        if (!present)
            continue;
        emit_terms(p, &at, rule->term, rule->nterms, t);
        emit_terms(p, &at, rule->guard, rule->nguard, t);
    }
    *prog = p;
    *prog_len = at;
out:
    return rc;
}

/* ------------------------------------------------------------------ */
/* Region scopes                                                       */
/* ------------------------------------------------------------------ */

static int scope_matches_code(const saksi_rule_scope *sc, const char *code)
{
    for (size_t c = 0; c < sc->ncodes; c++)
        if (strcmp(sc->codes[c], code) == 0)
            return 1;
    return 0;
}

static int scope_matches_id(const saksi_rule_scope *sc, const char *id)
{
    for (size_t c = 0; c < sc->ncodes; c++)
        if (strncmp(sc->codes[c], id, strlen(sc->codes[c])) == 0)
            return 1;
    return 0;
}

static void apply_to_rows(const saksi_rule_scope *sc, saksi_table *t, uint32_t *enabled,
                          size_t begin, size_t end)
{
    for (size_t i = begin; i < end; i++) {
        if (sc->rule >= 0)
            enabled[i] &= ~(1u << sc->rule);
        else
            t->stratum[i] = (uint8_t)sc->stratum;
    }
}

saksi_status saksi_rules_apply_scopes(const saksi_rules *r, saksi_table *t, uint32_t *enabled,
                                      saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    uint32_t all = r->nrules >= 32 ? 0xFFFFFFFFu : (1u << r->nrules) - 1u;
    if (!t->stratum)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "scopes applied to a table that is not finalized");
    for (size_t i = 0; i < t->n; i++)
        enabled[i] = all;
    /* Regions are contiguous rows, so a matching region is one range. */
    for (size_t s = 0; s < r->nscopes; s++) {
        const saksi_rule_scope *sc = &r->scope[s];
        if (sc->level == SAKSI_NLEVELS) {
            for (size_t i = 0; i < t->n; i++)
                if (scope_matches_id(sc, saksi_table_id(t, i)))
                    apply_to_rows(sc, t, enabled, i, i + 1);
            continue;
        }
        const saksi_regions *rg = &t->regions[sc->level];
        for (size_t k = 0; k < rg->n; k++)
            if (scope_matches_code(sc, rg->code[k]))
                apply_to_rows(sc, t, enabled, rg->first[k], rg->first[k] + rg->count[k]);
    }
out:
    return rc;
}
