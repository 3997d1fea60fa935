/*
 * render_int: what render.c and render_text.c share and nobody else
 * sees: prepared output cut into literal bytes and recipient values
 * (markers), and the plain-text wrapping at 72 columns.
 */
#ifndef TOCSIN_RENDER_INT_H
#define TOCSIN_RENDER_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "template.h"

#define RENDER_WIDTH 72

/*
 * Recipient values are rendered once per language as markers: two
 * private-use code points, U+E000 then U+E100 + index (UTF-8
 * EE 80 80 EE 84 80+i); cmark percent-encodes them in link
 * destinations, so both forms are recognised.  URL values carry
 * RENDER_URL_PREFIX before the marker so that Markdown autolinks
 * (<{{sign_url}}>) still parse; the prefix is dropped when cutting.
 */
#define RENDER_MARK_LEAD     "\xEE\x80\x80\xEE\x84"
#define RENDER_MARK_LEAD_PCT "%EE%80%80%EE%84%"
#define RENDER_URL_PREFIX    "https://tocsin.invalid/"
#define RENDER_MAX_MARKS     64

#define RENDER_MAX_ATTRS 5

/* The values a message is filled with per recipient. */
enum render_dyn {
    DYN_NAME,
    DYN_EMAIL,
    DYN_SIGN,
    DYN_UNSUB,
    DYN_ATTR0, /* subscriber attributes used by the templates */
    DYN_BODY = RENDER_MAX_MARKS - 1 /* the body inside the layout */
};

/* How a value is inserted. */
enum render_mode {
    MODE_PLAIN, /* text part, subject: control characters become spaces */
    MODE_HTML,  /* HTML text: escaped, names isolated with <bdi> */
    MODE_ATTR,  /* inside a tag or <title>: escaped only */
};

struct render_seg {
    size_t off; /* literal: bytes [off, off+len) of the text */
    size_t len;
    int dyn;  /* -1 for a literal, else enum render_dyn */
    int mode; /* enum render_mode, for values */
};

/* A prepared string: its bytes and the segments covering them. */
struct render_segstr {
    char *data;
    size_t len;
    struct render_seg *segs;
    size_t nsegs;
};

/* A piece of the text part: verbatim lines (values substituted), or a
 * paragraph wrapped per recipient after substitution. */
struct render_piece {
    bool para;
    struct render_segstr s;
    char *prefix1; /* before the first line ("- ", "> ") */
    char *prefix2; /* before the next ones ("  ", "> ") */
};

struct render_pieces {
    struct render_piece *v;
    size_t n;
};

/*
 * Cut s[0..n) at the markers into *out (which takes a copy of s).  With
 * html, values inside a tag or in <title> get MODE_ATTR, others
 * MODE_HTML; otherwise MODE_PLAIN.  URL values lose RENDER_URL_PREFIX.
 */
void render_segstr_cut(const char *s, size_t n, bool html,
                       struct render_segstr *out);
void render_segstr_release(struct render_segstr *ss);

/* true if ss holds a value of kind dyn. */
bool render_segstr_has(const struct render_segstr *ss, int dyn);

/*
 * Split filled Markdown into pieces: paragraphs (prose, list items,
 * quotes) to wrap, and verbatim lines (headings, code, tables, blank
 * lines).  Paragraphs without markers are wrapped here, once.  Caller
 * releases *out with render_pieces_release().  MERR_LIMIT.
 */
int render_text_split(const char *md, size_t len, struct render_pieces *out);
void render_pieces_release(struct render_pieces *p);

/*
 * Wrap the words of s[0..n) (split at spaces and tabs; never inside a
 * word, so URLs stay whole) into lines of at most width columns
 * (characters), the first starting with p1, the others with p2; each
 * line ends with LF.  Appends to out.  MERR_LIMIT.
 */
int render_wrap(struct buf *out, const char *s, size_t n, const char *p1,
                const char *p2, size_t width);

/* Columns of s[0..n): UTF-8 characters. */
size_t render_columns(const char *s, size_t n);

/* One line for a header or the text part: control characters (CR and LF
 * above all) become spaces.  MERR_LIMIT. */
int render_plain_copy(struct buf *out, const char *s, size_t n);

/* ---- the compiled set (render.c builds it, render_emit.c reads it) ---- */

struct render_variant {
    struct render_segstr subject;
    struct render_segstr preheader;
    struct render_segstr html;
    struct render_pieces text;
};

struct render_lang {
    char *tag;
    char *path; /* templates/NAME/LANG.md */
    struct template *subject;
    struct template *preheader; /* NULL when there is none */
    struct template *body;
    struct render_variant *variants; /* 1 << (1 + nattrs) */
};

struct render_set {
    char *dir; /* templates/NAME */
    char *layout_path;
    struct template *layout;
    struct buf sources; /* every source read, scanned for attributes */
    char *attrs[RENDER_MAX_ATTRS];
    size_t nattrs;
    size_t nvariants;
    struct render_lang *langs;
    size_t nlangs;
};

#endif
