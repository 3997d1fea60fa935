/*
 * template: compiles Mustache source into a flat list of operations (the
 * spec's standalone-line rules, set delimiters and partial indentation
 * are all resolved here, once).  No I/O: partial sources come from the
 * caller's loader.  Rendering is in template_render.c.
 */
#include "template.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template_int.h"
#include "util.h"

#define MAX_PARTIALS 256 /* distinct partial names per template */
#define MAX_DELIM    16  /* bytes in a delimiter set by {{=...=}} */

struct parser {
    struct template *t;
    struct unit *u;
    bool indentable; /* partials: mark line starts with OP_INDENT */
    const char *src;
    size_t len;
    const char *otag; /* current delimiters, pointing into src or "{{" */
    size_t olen;
    const char *ctag;
    size_t clen;
    size_t text_start; /* pending literal text starts here */
    bool bol;          /* text_start is the start of a line */
    bool at_line_start;
    size_t line_pos; /* line numbers: counted up to line_pos */
    unsigned line;
    size_t open[TEMPLATE_MAX_DEPTH]; /* indexes of open SECTION ops */
    size_t nopen;
    struct merr *err;
};

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* Line number of src[pos]; positions only move forward. */
static unsigned
line_at(struct parser *p, size_t pos)
{
    for (; p->line_pos < pos; p->line_pos++) {
        if (p->src[p->line_pos] == '\n') {
            p->line++;
        }
    }
    return p->line;
}

/* First occurrence of needle in hay[from..len), or len. */
static size_t
find(const char *hay, size_t len, size_t from, const char *needle, size_t nl)
{
    const char *q;

    while (from < len && len - from >= nl) {
        q = memchr(hay + from, needle[0], len - from - nl + 1);
        if (q == NULL) {
            break;
        }
        from = (size_t)(q - hay);
        if (memcmp(q, needle, nl) == 0) {
            return from;
        }
        from++;
    }
    return len;
}

static struct op *
add_op(struct parser *p, enum op_kind kind, unsigned line)
{
    struct unit *u = p->u;
    struct op *op;

    if (u->nops == u->cap) {
        u->cap = u->cap == 0 ? 16 : u->cap * 2;
        u->ops = xrealloc(u->ops, u->cap * sizeof(*u->ops));
    }
    op = &u->ops[u->nops++];
    memset(op, 0, sizeof(*op));
    op->kind = kind;
    op->line = line;
    return op;
}

static void
flush_indent(struct parser *p, unsigned line)
{
    if (p->indentable && p->at_line_start) {
        (void)add_op(p, OP_INDENT, line);
    }
    p->at_line_start = false;
}

/* Literal text src[a..b); in partials, each line start gets OP_INDENT. */
static void
emit_text(struct parser *p, size_t a, size_t b)
{
    const char *nl;
    struct op *op;
    size_t end;

    while (a < b) {
        flush_indent(p, p->line);
        end = b;
        if (p->indentable) {
            nl = memchr(p->src + a, '\n', b - a);
            if (nl != NULL) {
                end = (size_t)(nl - p->src) + 1;
            }
        }
        op = add_op(p, OP_TEXT, p->line);
        op->s = p->src + a;
        op->n = end - a;
        p->at_line_start = p->src[end - 1] == '\n';
        a = end;
    }
}

static int
tag_error(struct parser *p, int code, unsigned line, const char *s, size_t n,
          const char *what)
{
    char shown[80];

    util_sanitize(s, n, shown, sizeof(shown));
    return merr_set(p->err, code, "%s:%u: %s: %s", p->u->name, line, shown,
                    what);
}

/*
 * Parse a name (already trimmed): "." or dot-separated non-empty parts,
 * without spaces or control characters.  Adds it to the unit's list.
 */
static int
parse_name(struct parser *p, const char *s, size_t n, unsigned line,
           const char *tag, size_t tagn, const struct tname **out)
{
    struct tname *nm;
    size_t nparts = 1;
    char *copy;
    size_t i;

    if (n == 0) {
        return tag_error(p, MERR_PARSE, line, tag, tagn, "empty name");
    }
    for (i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == ' ' || s[i] == 0x7f) {
            return tag_error(p, MERR_PARSE, line, tag, tagn,
                             "a name cannot contain spaces");
        }
        if (s[i] == '.') {
            nparts++;
        }
    }
    if (n == 1 && s[0] == '.') {
        nparts = 0;
    } else if (s[0] == '.' || s[n - 1] == '.' || find(s, n, 0, "..", 2) < n) {
        return tag_error(p, MERR_PARSE, line, tag, tagn,
                         "empty part in a dotted name");
    }
    nm = xmalloc(sizeof(*nm) + nparts * sizeof(nm->parts[0]) + 2 * (n + 1));
    nm->nparts = nparts;
    nm->len = n;
    copy = (char *)(nm->parts + nparts);
    memcpy(copy, s, n);
    copy[n] = '\0';
    nm->full = copy;
    copy += n + 1;
    memcpy(copy, s, n);
    copy[n] = '\0';
    /* split the second copy in place: "a.b" becomes "a\0b" */
    for (i = 0; i < nparts; i++) {
        nm->parts[i] = copy;
        while (*copy != '.' && *copy != '\0') {
            copy++;
        }
        *copy++ = '\0';
    }
    nm->next = p->u->names;
    p->u->names = nm;
    *out = nm;
    return 0;
}

static int
partial_index(struct parser *p, const char *s, size_t n, unsigned line,
              size_t *out)
{
    struct template *t = p->t;
    struct partial *pt;
    size_t i;

    for (i = 0; i < t->npartials; i++) {
        if (strlen(t->partials[i].name) == n &&
            memcmp(t->partials[i].name, s, n) == 0) {
            *out = i;
            return 0;
        }
    }
    if (t->npartials == MAX_PARTIALS) {
        return merr_set(p->err, MERR_LIMIT, "%s:%u: more than %d partials",
                        p->u->name, line, MAX_PARTIALS);
    }
    if (t->npartials == t->cap) {
        t->cap = t->cap == 0 ? 4 : t->cap * 2;
        t->partials = xrealloc(t->partials, t->cap * sizeof(*t->partials));
    }
    pt = &t->partials[t->npartials];
    pt->name = xstrndup(s, n);
    pt->line = line;
    pt->from = p->u->name;
    pt->unit = NULL;
    *out = t->npartials++;
    return 0;
}

/* {{=<% %>=}}: content s[0..n) between the two '='. */
static int
set_delimiters(struct parser *p, const char *s, size_t n, unsigned line,
               const char *tag, size_t tagn)
{
    size_t i = 0, a, b, c, d;

    while (i < n && is_space(s[i])) {
        i++;
    }
    a = i;
    while (i < n && !is_space(s[i])) {
        i++;
    }
    b = i;
    while (i < n && is_space(s[i])) {
        i++;
    }
    c = i;
    while (i < n && !is_space(s[i])) {
        i++;
    }
    d = i;
    while (i < n && is_space(s[i])) {
        i++;
    }
    if (a == b || c == d || i != n || find(s, n, 0, "=", 1) < n) {
        return tag_error(p, MERR_PARSE, line, tag, tagn,
                         "expected two delimiters, as in {{=<% %>=}}");
    }
    if (b - a > MAX_DELIM || d - c > MAX_DELIM) {
        return tag_error(p, MERR_PARSE, line, tag, tagn, "delimiter too long");
    }
    p->otag = s + a;
    p->olen = b - a;
    p->ctag = s + c;
    p->clen = d - c;
    return 0;
}

/*
 * A tag starts at src[at] (the opening delimiter).  Find its type, its
 * content [*cs, *ce) and the position after it (*end).
 */
static int
scan_tag(struct parser *p, size_t at, unsigned line, char *type, size_t *cs,
         size_t *ce, size_t *end)
{
    const char *src = p->src;
    size_t q = at + p->olen;
    size_t close;
    char want = '\0';

    while (q < p->len && is_space(src[q])) {
        q++;
    }
    *type = q < p->len ? src[q] : '\0';
    switch (*type) {
    case '{':
        want = '}';
        break;
    case '=':
        want = '=';
        break;
    case '!':
    case '#':
    case '^':
    case '/':
    case '>':
    case '&':
        break;
    default:
        *type = '\0';
        break;
    }
    if (*type != '\0') {
        q++;
    }
    close = q;
    for (;;) {
        close = find(src, p->len, close, p->ctag, p->clen);
        if (close == p->len) {
            return tag_error(p, MERR_PARSE, line, src + at,
                             p->len - at < 20 ? p->len - at : 20,
                             "tag not closed");
        }
        if (want == '\0' || (close > q && src[close - 1] == want)) {
            break;
        }
        close++;
    }
    *cs = q;
    *ce = want != '\0' ? close - 1 : close;
    *end = close + p->clen;
    return 0;
}

static int
open_section(struct parser *p, enum op_kind kind, const struct tname *nm,
             unsigned line, const char *tag, size_t tagn)
{
    struct op *op;

    if (p->nopen == TEMPLATE_MAX_DEPTH) {
        return tag_error(p, MERR_LIMIT, line, tag, tagn,
                         "sections nested too deeply");
    }
    op = add_op(p, kind, line);
    op->s = tag;
    op->n = tagn;
    op->name = nm;
    p->open[p->nopen++] = p->u->nops - 1;
    return 0;
}

static int
close_section(struct parser *p, const char *s, size_t n, unsigned line,
              const char *tag, size_t tagn)
{
    struct op *op;
    char shown[80];
    char want[80];

    if (p->nopen == 0) {
        return tag_error(p, MERR_PARSE, line, tag, tagn,
                         "closes no open section");
    }
    op = &p->u->ops[p->open[p->nopen - 1]];
    if (op->name->len != n || memcmp(op->name->full, s, n) != 0) {
        util_sanitize(tag, tagn, shown, sizeof(shown));
        util_sanitize(op->s, op->n, want, sizeof(want));
        return merr_set(p->err, MERR_PARSE,
                        "%s:%u: %s: does not close %s (line %u)", p->u->name,
                        line, shown, want, op->line);
    }
    op->arg = p->u->nops;
    p->nopen--;
    return 0;
}

/*
 * Whether the tag src[at..end) stands alone on its line (only blanks
 * around it): then the whole line goes, from *ls to *next.
 */
static bool
standalone_at(const struct parser *p, size_t at, size_t end, size_t *ls,
              size_t *next)
{
    const char *src = p->src;
    size_t a = at;
    size_t q = end;

    while (a > p->text_start && is_blank(src[a - 1])) {
        a--;
    }
    if (a > p->text_start ? src[a - 1] != '\n' : !p->bol) {
        return false;
    }
    while (q < p->len && is_blank(src[q])) {
        q++;
    }
    if (q == p->len) {
        *next = q;
    } else if (src[q] == '\n') {
        *next = q + 1;
    } else if (src[q] == '\r' && q + 1 < p->len && src[q + 1] == '\n') {
        *next = q + 2;
    } else {
        return false;
    }
    *ls = a;
    return true;
}

static int
partial_tag(struct parser *p, const char *s, size_t n, unsigned line,
            const char *tag, size_t tagn, const char *indent, size_t indentn)
{
    struct op *op;
    size_t idx = 0;
    size_t i;
    int rc;

    if (n == 0) {
        return tag_error(p, MERR_PARSE, line, tag, tagn, "empty name");
    }
    for (i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == ' ' || s[i] == 0x7f) {
            return tag_error(p, MERR_PARSE, line, tag, tagn,
                             "a partial name cannot contain spaces");
        }
    }
    rc = partial_index(p, s, n, line, &idx);
    if (rc != 0) {
        return rc;
    }
    op = add_op(p, OP_PARTIAL, line);
    op->s = indent;
    op->n = indentn;
    op->arg = idx;
    return 0;
}

static int
parse(struct parser *p)
{
    const struct tname *nm = NULL;
    const char *src = p->src;
    const char *tag;
    size_t at, cs = 0, ce = 0, end = 0, ls = 0, next = 0, tagn;
    unsigned line;
    bool alone;
    char type;
    int rc = 0;
    struct op *op;

    for (;;) {
        at = find(src, p->len, p->text_start, p->otag, p->olen);
        if (at == p->len) {
            break;
        }
        line = line_at(p, at);
        rc = scan_tag(p, at, line, &type, &cs, &ce, &end);
        if (rc != 0) {
            goto out;
        }
        while (cs < ce && is_space(src[cs])) {
            cs++;
        }
        while (ce > cs && is_space(src[ce - 1])) {
            ce--;
        }
        tag = src + at;
        tagn = end - at;
        alone = type != '\0' && type != '{' && type != '&' &&
                standalone_at(p, at, end, &ls, &next);
        if (alone) {
            emit_text(p, p->text_start, ls);
            p->text_start = next;
            p->bol = true;
        } else {
            emit_text(p, p->text_start, at);
            p->text_start = end;
            p->bol = false;
            flush_indent(p, line);
        }
        switch (type) {
        case '!':
            break;
        case '=':
            rc = set_delimiters(p, src + cs, ce - cs, line, tag, tagn);
            break;
        case '#':
        case '^':
            rc = parse_name(p, src + cs, ce - cs, line, tag, tagn, &nm);
            if (rc == 0) {
                rc = open_section(p, type == '#' ? OP_SECTION : OP_INVERTED, nm,
                                  line, tag, tagn);
            }
            break;
        case '/':
            rc = close_section(p, src + cs, ce - cs, line, tag, tagn);
            break;
        case '>':
            rc = partial_tag(p, src + cs, ce - cs, line, tag, tagn,
                             alone ? src + ls : NULL, alone ? at - ls : 0);
            break;
        default:
            rc = parse_name(p, src + cs, ce - cs, line, tag, tagn, &nm);
            if (rc == 0) {
                op = add_op(p, type == '\0' ? OP_VAR : OP_RAW, line);
                op->s = tag;
                op->n = tagn;
                op->name = nm;
            }
            break;
        }
        if (rc != 0) {
            goto out;
        }
    }
    emit_text(p, p->text_start, p->len);
    if (p->nopen > 0) {
        op = &p->u->ops[p->open[p->nopen - 1]];
        rc = tag_error(p, MERR_PARSE, op->line, op->s, op->n,
                       "section not closed");
    }
out:
    return rc;
}

static void
unit_release(struct unit *u)
{
    struct tname *nm, *next;

    if (u == NULL) {
        return;
    }
    for (nm = u->names; nm != NULL; nm = next) {
        next = nm->next;
        free(nm);
    }
    free(u->ops);
    free(u->src);
    free(u->name);
    memset(u, 0, sizeof(*u));
}

static int
unit_compile(struct template *t, struct unit *u, const char *src, size_t len,
             const char *name, bool indentable, struct merr *err)
{
    struct parser p;
    size_t bad = 0;
    unsigned line = 1;
    size_t i;

    u->name = xstrdup(name);
    u->src = xmalloc(len + 1);
    if (len > 0) {
        memcpy(u->src, src, len);
    }
    u->src[len] = '\0';
    u->len = len;
    if (!util_utf8_valid(src, len, &bad)) {
        for (i = 0; i < bad; i++) {
            line += src[i] == '\n';
        }
        return merr_set(err, MERR_PARSE, "%s:%u: invalid UTF-8", name, line);
    }
    memset(&p, 0, sizeof(p));
    p.t = t;
    p.u = u;
    p.indentable = indentable;
    p.src = u->src;
    p.len = len;
    p.otag = "{{";
    p.olen = 2;
    p.ctag = "}}";
    p.clen = 2;
    p.bol = true;
    p.at_line_start = true;
    p.line = 1;
    p.err = err;
    return parse(&p);
}

/* Load and compile every partial named so far (the list grows as we go). */
static int
compile_partials(struct template *t, const struct template_loader *ld,
                 struct merr *err)
{
    struct partial *pt;
    struct unit *u = NULL;
    struct buf b;
    int rc = 0;
    size_t i;

    buf_init(&b, TOCSIN_MAX_TEMPLATE);
    for (i = 0; i < t->npartials; i++) {
        buf_reset(&b);
        rc = ld->load(ld->arg, t->partials[i].name, &b, err);
        if (rc == MERR_NOTFOUND) {
            rc = 0;
            continue;
        }
        if (rc != 0) {
            pt = &t->partials[i];
            if (rc == MERR_LIMIT && err->code != MERR_LIMIT) {
                merr_set(err, rc, "partial too large (over %d bytes)",
                         TOCSIN_MAX_TEMPLATE);
            }
            merr_prefix(err, "%s:%u: {{> %s}}", pt->from, pt->line, pt->name);
            goto out;
        }
        u = xcalloc(1, sizeof(*u));
        /* t->partials may move while the partial compiles */
        rc = unit_compile(t, u, buf_str(&b), b.len, t->partials[i].name, true,
                          err);
        if (rc != 0) {
            unit_release(u);
            free(u);
            goto out;
        }
        t->partials[i].unit = u;
    }
out:
    buf_release(&b);
    return rc;
}

int
template_compile(const char *src, size_t len, const char *name,
                 const struct template_opts *opts, struct template **out,
                 struct merr *err)
{
    static const struct template_opts defaults = {NULL, false};
    struct template *t = NULL;
    int rc;

    *out = NULL;
    if (opts == NULL) {
        opts = &defaults;
    }
    if (len > TOCSIN_MAX_TEMPLATE) {
        return merr_set(err, MERR_LIMIT, "%s: template over %d bytes", name,
                        TOCSIN_MAX_TEMPLATE);
    }
    t = xcalloc(1, sizeof(*t));
    t->strict = opts->strict;
    rc = unit_compile(t, &t->root, src, len, name, false, err);
    if (rc == 0 && opts->partials != NULL) {
        rc = compile_partials(t, opts->partials, err);
    }
    if (rc != 0) {
        template_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

void
template_free(struct template *t)
{
    size_t i;

    if (t == NULL) {
        return;
    }
    unit_release(&t->root);
    for (i = 0; i < t->npartials; i++) {
        unit_release(t->partials[i].unit);
        free(t->partials[i].unit);
        free(t->partials[i].name);
    }
    free(t->partials);
    free(t);
}

bool
template_partial_name_ok(const char *name)
{
    const unsigned char *s = (const unsigned char *)name;

    if (name == NULL || s[0] == '\0' || s[0] == '.') {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (*s < 0x20 || *s == 0x7f || *s == '/' || *s == '\\') {
            return false;
        }
    }
    return true;
}
