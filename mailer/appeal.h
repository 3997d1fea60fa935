/*
 * appeal: the appeal file (JSON) parsed and checked for shape, and the
 * language a subscriber gets.  No I/O beyond reading the file it is given.
 *
 * The file (documented in README.md):
 *   id                slug, [a-z0-9][a-z0-9-]*
 *   template          name of templates/NAME/
 *   lists             list names
 *   languages         BCP 47 tags the appeal is written in
 *   default_language  one of languages
 *   fallback          optional {"pt-BR": "pt", "fa": "en"}
 *   case              shared fields, plus one object per language tag with
 *                     that language's fields (which override shared ones)
 *   petition          {"target": ..., "title": {LANG: ...},
 *                      "text": {LANG: ...}}
 *   visibility        "public" (default) or "restricted"
 *   not_before, not_after  optional RFC 3339
 *   from, reply_to    optional overrides of the sender
 */
#ifndef TOCSIN_APPEAL_H
#define TOCSIN_APPEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct appeal {
    char *origin; /* file name, for messages */
    char *id;
    char *template_name;
    char **lists;
    size_t nlists;
    char **languages; /* normalised BCP 47 case (pt-BR, zh-Hant) */
    size_t nlanguages;
    char *default_language;
    json_t *fallback;   /* object, or NULL */
    json_t *case_data;  /* the "case" object (owned) */
    json_t *petition;   /* the "petition" object (owned) */
    bool restricted;    /* visibility "restricted" */
    int64_t not_before; /* 0 when not set */
    int64_t not_after;  /* 0 when not set */
    char *from;         /* override, or NULL */
    char *reply_to;     /* override, or NULL */
    char *content_hash; /* SHA-256 hex of the file's bytes */
    char *text;         /* the file's text, as read */
};

/*
 * Read and parse an appeal file.  Syntax errors say "FILE:LINE:COL: ...",
 * content errors "FILE: petition.title.fr: missing".  *out: caller frees
 * with appeal_free().  MERR_NOINPUT, MERR_PARSE, MERR_INVALID.
 */
int appeal_load(const char *path, struct appeal **out, struct merr *err);

/* The same from text already in memory (origin names it in errors). */
int appeal_parse(const char *text, size_t len, const char *origin,
                 struct appeal **out, struct merr *err);

void appeal_free(struct appeal *a);

/*
 * The appeal language a subscriber with language tag lang (may be "" or
 * NULL) gets: the exact tag, else the fallback map, else the primary
 * subtag (pt-BR -> pt), else default_language.  *fell_back (may be NULL)
 * is true unless it was the exact tag.  Borrowed from a: always an
 * element of a->languages, so callers may compare pointers.
 */
const char *appeal_language(const struct appeal *a, const char *lang,
                            bool *fell_back);

/* true if lang is one of the appeal's languages. */
bool appeal_has_language(const struct appeal *a, const char *lang);

/*
 * The case object of one language (case.LANG), or NULL when the appeal
 * has none.  Borrowed from a.
 */
json_t *appeal_case_lang(const struct appeal *a, const char *lang);

/* true if case member KEY (value v) is one of the per-language objects
 * rather than a field shared by all languages. */
bool appeal_case_is_language_key(const struct appeal *a, const char *key,
                                 const json_t *v);

/* true if petition FIELD ("title", "text", "target") has a text for
 * lang itself (a single string counts for every language). */
bool appeal_petition_has(const struct appeal *a, const char *field,
                         const char *lang);

/*
 * Petition texts for one of the appeal's languages, falling back to the
 * default language; borrowed from a, never NULL ("" when absent).
 */
const char *appeal_petition_title(const struct appeal *a, const char *lang);
const char *appeal_petition_text(const struct appeal *a, const char *lang);
const char *appeal_petition_target(const struct appeal *a, const char *lang);

/* true for right-to-left languages (ar, fa, he, ur, ps, ckb, dv, yi and
 * their regional tags). */
bool appeal_is_rtl(const char *lang);

#endif
