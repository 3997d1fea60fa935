/*
 * template_int: the compiled form of a template, shared by template.c
 * (which builds it) and template_render.c (which walks it).  Private to
 * those two files.
 */
#ifndef TOCSIN_TEMPLATE_INT_H
#define TOCSIN_TEMPLATE_INT_H

#include <stdbool.h>
#include <stddef.h>

enum op_kind {
    OP_TEXT,     /* s[0..n): literal bytes */
    OP_INDENT,   /* a line of a partial starts: write the indentation */
    OP_VAR,      /* {{name}}: escaped value */
    OP_RAW,      /* {{{name}}}, {{& name}}: value as is */
    OP_SECTION,  /* {{#name}}: body is ops (index + 1 .. arg) */
    OP_INVERTED, /* {{^name}}: body is ops (index + 1 .. arg) */
    OP_PARTIAL,  /* {{> name}}: partial number arg, indentation s[0..n) */
};

/* A tag's name, split on dots at compile time ("." has no parts). */
struct tname {
    struct tname *next; /* the unit's list, for freeing */
    const char *full;   /* as written, e.g. "case.name" */
    size_t len;
    size_t nparts;
    const char *parts[]; /* NUL-terminated strings, stored after */
};

struct op {
    enum op_kind kind;
    unsigned line;
    const char *s; /* TEXT: bytes; PARTIAL: indentation; others: the tag */
    size_t n;
    const struct tname *name; /* VAR, RAW, SECTION, INVERTED */
    size_t arg;               /* SECTION, INVERTED: end; PARTIAL: index */
};

/* One compiled source: the template itself or one partial. */
struct unit {
    char *name; /* for messages */
    char *src;  /* owned copy; TEXT ops point into it */
    size_t len;
    struct op *ops;
    size_t nops;
    size_t cap;
    struct tname *names;
};

struct partial {
    char *name;
    unsigned line;     /* first reference, for messages */
    const char *from;  /* name of the unit that first refers to it */
    struct unit *unit; /* NULL: no such partial (renders empty) */
};

struct template
{
    struct unit root;
    struct partial *partials;
    size_t npartials;
    size_t cap;
    bool strict;
};

#endif
