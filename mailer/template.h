/*
 * template: a Mustache engine (the official spec's modules comments,
 * delimiters, interpolation, inverted, partials, sections).  Parse once,
 * render many: a compiled template is immutable and may be rendered by
 * several threads at once.  Data is jansson JSON.  No I/O here: partials
 * come through a loader the caller provides.
 */
#ifndef TOCSIN_TEMPLATE_H
#define TOCSIN_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "buf.h"
#include "err.h"

#define TEMPLATE_MAX_DEPTH 32 /* sections and partials nested */
/* Operations one render may execute: stops recursive partials and nested
 * sections over lists from running for ever without producing output. */
#define TEMPLATE_MAX_STEPS (16 * 1024 * 1024)

struct template;

/*
 * Partials: load(arg, name, out) appends the source of partial NAME to
 * out and returns 0, or MERR_NOTFOUND when there is none (rendered as
 * empty, as the spec says), or another MERR_* code (with err set) to fail.
 * Names that could leave the template's folder must be refused by the
 * loader (template_partial_name_ok helps).
 */
struct template_loader {
    int (*load)(void *arg, const char *name, struct buf *out, struct merr *err);
    void *arg;
};

/*
 * Escaping of {{name}} values (not of {{{name}}} or {{& name}}): append
 * the escaped form of s[0..n) to out.  Every {{name}} value goes through
 * it, numbers and true/false included (as their text).  Returns 0 or
 * MERR_LIMIT.
 */
typedef int (*template_escape_fn)(struct buf *out, const char *s, size_t n,
                                  void *arg);

struct template_opts {
    const struct template_loader *partials; /* NULL: no partials */
    /* strict: a name that resolves nowhere is an error naming the tag and
     * its line (appeals); otherwise it renders as empty (the spec). */
    bool strict;
};

/*
 * Compile src[0..len) (name is used in error messages, e.g. the file
 * name; a partial's messages use the partial's name).  src is copied.
 * Partials are loaded and compiled here, once each, whatever their
 * indentation (recursive partials are fine).  opts NULL: no partials,
 * not strict.  *out: caller frees with template_free().
 * MERR_PARSE with "NAME:LINE: {{tag}}: message" (also for invalid UTF-8),
 * MERR_LIMIT (sections nested over TEMPLATE_MAX_DEPTH, source over
 * TOCSIN_MAX_TEMPLATE, over 256 partials), or the loader's own code with
 * its message prefixed by "NAME:LINE: {{> partial}}: ".
 */
int template_compile(const char *src, size_t len, const char *name,
                     const struct template_opts *opts, struct template **out,
                     struct merr *err);

void template_free(struct template *t);

/*
 * Render with a context stack: names are looked up from stack[n-1] down
 * to stack[0] (so a recipient's context can sit on a language's context
 * without copying either); NULL entries are skipped.  A dotted name's
 * first part is looked up that way, the rest only inside the value found.
 * Sections treat false, null, "", 0 and [] as false (also a missing name,
 * even when strict).  escape NULL means HTML escaping as the spec wants
 * (& < > ").  Appends to out; allocates nothing else (except a temporary
 * when a list or object is printed as a value); t and the stack are only
 * read, so threads may share them.  Stops with MERR_LIMIT at out->max or
 * after TEMPLATE_MAX_STEPS operations.  On error out holds what was
 * written so far.  MERR_INVALID (strict: unknown name, "NAME:LINE:
 * {{tag}}: unknown name"), MERR_LIMIT ("NAME:LINE: ...").
 */
int template_render(const struct template *t, const json_t *const *stack,
                    size_t n, template_escape_fn escape, void *escape_arg,
                    struct buf *out, struct merr *err);

/* The HTML escaping the spec uses, as a template_escape_fn. */
int template_escape_html(struct buf *out, const char *s, size_t n, void *arg);

/*
 * true if NAME is a safe partial name: not empty, no "/", no "\", not
 * starting with ".", no NUL or control characters.
 */
bool template_partial_name_ok(const char *name);

#endif
