/*
 * pages: the HTML pages tocsin serve shows supporters (sign, thank you,
 * closed, unsubscribe, not found, try again) and their texts in each
 * language it knows.  Plain HTML with inline CSS, no script, no outside
 * asset; every value is HTML-escaped.  No I/O here.
 */
#ifndef TOCSIN_PAGES_H
#define TOCSIN_PAGES_H

#include <stdbool.h>

#include "buf.h"

/* What a page shows; borrowed strings, "" when unknown. */
struct pages_view {
    const char *lang;   /* BCP 47 tag of the content (the html lang) */
    bool rtl;           /* right-to-left script (dir="rtl") */
    const char *org;    /* the organisation's name */
    const char *title;  /* petition title */
    const char *text;   /* petition text (blank lines make paragraphs) */
    const char *target; /* whom the petition is addressed to */
    const char *name;   /* the signer's name, or "" */
};

enum pages_kind {
    PAGES_SIGN,         /* the petition and a Sign button (a POST form) */
    PAGES_SIGNED,       /* thank you, the signature is recorded */
    PAGES_ALREADY,      /* signed before */
    PAGES_CLOSED,       /* the appeal is past its end */
    PAGES_UNSUBSCRIBE,  /* confirm with an Unsubscribe button */
    PAGES_UNSUBSCRIBED, /* done */
    PAGES_RETRY,        /* the database is busy: try again */
    PAGES_NOT_FOUND,    /* tells nothing (unknown or tampered link) */
};

/*
 * Append the whole page of the given kind to out.  The interface texts
 * are in v->lang's language when pages knows it (en, fr, es, ar, ru, fa),
 * else in English.  MERR_LIMIT.
 */
int pages_render(enum pages_kind kind, const struct pages_view *v,
                 struct buf *out);

/* true if pages has interface texts for lang's primary language. */
bool pages_has_language(const char *lang);

#endif
