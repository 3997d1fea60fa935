/*
 * template_render: walks a compiled template (template_int.h) against a
 * stack of JSON contexts.  Allocates nothing but output (and a temporary
 * only when a list or an object is printed as a value); no I/O.
 */
#include "template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template_int.h"
#include "util.h"

struct rstate {
    const struct template *t;
    const json_t *const *stack; /* the caller's, bottom first */
    size_t n;
    const json_t *pushed[TEMPLATE_MAX_DEPTH + 1]; /* sections, on top */
    size_t npushed;
    const struct op *indent[TEMPLATE_MAX_DEPTH + 1]; /* partial indents */
    size_t nindent;
    size_t depth;
    size_t steps; /* operations left (TEMPLATE_MAX_STEPS) */
    template_escape_fn escape;
    void *escape_arg;
    struct buf *out;
    struct merr *err;
};

static const json_t *
top(const struct rstate *rs)
{
    if (rs->npushed > 0) {
        return rs->pushed[rs->npushed - 1];
    }
    return rs->n > 0 ? rs->stack[rs->n - 1] : NULL;
}

/* The spec's name resolution; NULL when it resolves nowhere. */
static const json_t *
lookup(const struct rstate *rs, const struct tname *nm)
{
    const json_t *v = NULL;
    const json_t *c;
    size_t i;

    if (nm->nparts == 0) {
        return top(rs);
    }
    for (i = rs->npushed; v == NULL && i > 0; i--) {
        c = rs->pushed[i - 1];
        if (json_is_object(c)) {
            v = json_object_get(c, nm->parts[0]);
        }
    }
    for (i = rs->n; v == NULL && i > 0; i--) {
        c = rs->stack[i - 1];
        if (json_is_object(c)) {
            v = json_object_get(c, nm->parts[0]);
        }
    }
    /* later parts resolve only within the value found (spec step 5) */
    for (i = 1; v != NULL && i < nm->nparts; i++) {
        v = json_is_object(v) ? json_object_get(v, nm->parts[i]) : NULL;
    }
    return v;
}

/* Falsey as in the spec's "!!data": false, null, "", 0, empty list. */
static bool
truthy(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_FALSE:
    case JSON_NULL:
        return false;
    case JSON_STRING:
        return json_string_length(v) > 0;
    case JSON_INTEGER:
        return json_integer_value(v) != 0;
    case JSON_REAL:
        return json_real_value(v) < 0.0 || json_real_value(v) > 0.0;
    case JSON_ARRAY:
        return json_array_size(v) > 0;
    default:
        return true;
    }
}

static int
limit_error(const struct rstate *rs, const struct unit *u, const struct op *op,
            int rc)
{
    if (rc == MERR_LIMIT) {
        return merr_set(rs->err, rc, "%s:%u: output over %zu bytes", u->name,
                        op->line, rs->out->max);
    }
    return merr_set(rs->err, rc, "%s:%u: cannot write output", u->name,
                    op->line);
}

/*
 * Shortest decimal form that reads back as the same double ("1.21", not
 * "1.2099999999999999"), so reals print as the spec expects.
 */
static void
format_real(double d, char *out, size_t size)
{
    int prec;

    for (prec = 15; prec <= 17; prec++) {
        (void)snprintf(out, size, "%.*g", prec, d);
        if (strtod(out, NULL) == d) {
            break;
        }
    }
}

static int
write_value(struct rstate *rs, const json_t *v, bool escape)
{
    char num[40];
    const char *s = num;
    char *dumped = NULL;
    size_t n;
    int rc;

    switch (json_typeof(v)) {
    case JSON_STRING:
        s = json_string_value(v);
        n = json_string_length(v);
        break;
    case JSON_INTEGER:
        (void)snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
                       json_integer_value(v));
        n = strlen(num);
        break;
    case JSON_REAL:
        format_real(json_real_value(v), num, sizeof(num));
        n = strlen(num);
        break;
    case JSON_TRUE:
        s = "true";
        n = 4;
        break;
    case JSON_FALSE:
        s = "false";
        n = 5;
        break;
    case JSON_NULL:
        return 0;
    default:
        /* a list or an object printed as a value: its JSON text */
        dumped = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        s = dumped != NULL ? dumped : "";
        n = strlen(s);
        break;
    }
    if (escape) {
        rc = rs->escape(rs->out, s, n, rs->escape_arg);
    } else {
        rc = buf_add(rs->out, s, n);
    }
    free(dumped);
    return rc;
}

static int render_ops(struct rstate *rs, const struct unit *u, size_t from,
                      size_t to);

static int
enter(struct rstate *rs, const struct unit *u, const struct op *op)
{
    char shown[80];

    if (rs->depth == TEMPLATE_MAX_DEPTH) {
        if (op->kind == OP_PARTIAL) {
            (void)snprintf(shown, sizeof(shown), "{{> %s}}",
                           rs->t->partials[op->arg].name);
        } else {
            util_sanitize(op->s, op->n, shown, sizeof(shown));
        }
        return merr_set(rs->err, MERR_LIMIT,
                        "%s:%u: %s: nested more than %d deep (recursive "
                        "partial?)",
                        u->name, op->line, shown, TEMPLATE_MAX_DEPTH);
    }
    rs->depth++;
    return 0;
}

static int
render_section(struct rstate *rs, const struct unit *u, size_t i,
               const json_t *v)
{
    const struct op *op = &u->ops[i];
    size_t k, count = 1;
    int rc;

    rc = enter(rs, u, op);
    if (rc != 0) {
        return rc;
    }
    if (op->kind == OP_INVERTED) {
        /* nothing to push: the body renders once in the same context */
        rc = render_ops(rs, u, i + 1, op->arg);
        rs->depth--;
        return rc;
    }
    if (json_is_array(v)) {
        count = json_array_size(v);
    }
    for (k = 0; rc == 0 && k < count; k++) {
        rs->pushed[rs->npushed++] = json_is_array(v) ? json_array_get(v, k) : v;
        rc = render_ops(rs, u, i + 1, op->arg);
        rs->npushed--;
    }
    rs->depth--;
    return rc;
}

static int
render_partial(struct rstate *rs, const struct unit *u, const struct op *op)
{
    const struct unit *pu = rs->t->partials[op->arg].unit;
    int rc;

    if (pu == NULL) {
        return 0;
    }
    rc = enter(rs, u, op);
    if (rc != 0) {
        return rc;
    }
    rs->indent[rs->nindent++] = op;
    rc = render_ops(rs, pu, 0, pu->nops);
    rs->nindent--;
    rs->depth--;
    return rc;
}

static int
unknown_name(const struct rstate *rs, const struct unit *u, const struct op *op)
{
    char shown[80];

    util_sanitize(op->s, op->n, shown, sizeof(shown));
    return merr_set(rs->err, MERR_INVALID, "%s:%u: %s: unknown name", u->name,
                    op->line, shown);
}

static int
render_ops(struct rstate *rs, const struct unit *u, size_t from, size_t to)
{
    const struct op *op;
    const json_t *v;
    size_t i, k;
    int rc = 0;

    for (i = from; i < to; i++) {
        op = &u->ops[i];
        if (rs->steps == 0) {
            return merr_set(rs->err, MERR_LIMIT,
                            "%s:%u: more than %d steps (partials or sections "
                            "over lists nested too much?)",
                            u->name, op->line, TEMPLATE_MAX_STEPS);
        }
        rs->steps--;
        switch (op->kind) {
        case OP_TEXT:
            rc = buf_add(rs->out, op->s, op->n);
            break;
        case OP_INDENT:
            for (k = 0; rc == 0 && k < rs->nindent; k++) {
                rc = buf_add(rs->out, rs->indent[k]->s, rs->indent[k]->n);
            }
            break;
        case OP_VAR:
        case OP_RAW:
            v = lookup(rs, op->name);
            if (v == NULL) {
                if (rs->t->strict) {
                    return unknown_name(rs, u, op);
                }
                break;
            }
            rc = write_value(rs, v, op->kind == OP_VAR);
            break;
        case OP_SECTION:
        case OP_INVERTED:
            v = lookup(rs, op->name);
            if ((op->kind == OP_SECTION) == (v != NULL && truthy(v))) {
                rc = render_section(rs, u, i, v);
                if (rc != 0) {
                    return rc; /* err is set */
                }
            }
            i = op->arg - 1;
            break;
        case OP_PARTIAL:
            rc = render_partial(rs, u, op);
            if (rc != 0) {
                return rc;
            }
            break;
        }
        if (rc != 0) {
            return limit_error(rs, u, op, rc);
        }
    }
    return 0;
}

int
template_render(const struct template *t, const json_t *const *stack, size_t n,
                template_escape_fn escape, void *escape_arg, struct buf *out,
                struct merr *err)
{
    struct rstate rs;

    rs.t = t;
    rs.stack = stack;
    rs.n = n;
    rs.npushed = 0;
    rs.nindent = 0;
    rs.depth = 0;
    rs.steps = TEMPLATE_MAX_STEPS;
    rs.escape = escape != NULL ? escape : template_escape_html;
    rs.escape_arg = escape_arg;
    rs.out = out;
    rs.err = err;
    return render_ops(&rs, &t->root, 0, t->root.nops);
}

/* Exactly the spec's escaping (& " < >), which its interpolation tests
 * check byte for byte: not buf_add_html(), which also escapes ' for the
 * messages and pages tocsin writes itself. */
int
template_escape_html(struct buf *out, const char *s, size_t n, void *arg)
{
    const char *rep;
    size_t run = 0;
    size_t i;
    int rc;

    (void)arg;
    for (i = 0; i < n; i++) {
        switch (s[i]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        default:
            continue;
        }
        rc = buf_add(out, s + run, i - run);
        if (rc == 0) {
            rc = buf_adds(out, rep);
        }
        if (rc != 0) {
            return rc;
        }
        run = i + 1;
    }
    return buf_add(out, s + run, n - run);
}
