/*
 * mime_parse: reading a received message (a bounce, a report, a reply)
 * into our own small types: header fields, a flat list of MIME parts with
 * their content type and decoded bodies.  The libetpan adapter for parsing
 * (building messages is mime.c).  Input is untrusted: sizes, part counts
 * and nesting are capped.  No I/O here.
 */
#ifndef TOCSIN_MIME_PARSE_H
#define TOCSIN_MIME_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Caps on untrusted input (STYLE.md section 6). */
#define MIME_MAX_INPUT   (32 * 1024 * 1024) /* whole message */
#define MIME_MAX_PARTS   128                /* parts kept per message */
#define MIME_MAX_FIELDS  512                /* header fields per block */
#define MIME_MAX_VALUE   (16 * 1024)        /* one unfolded field value */
#define MIME_MAX_BODY    (2 * 1024 * 1024)  /* decoded bytes kept per part */
#define MIME_MAX_NESTING 32                 /* multipart and rfc822 levels */

/* One header field: name as written, value unfolded and trimmed (raw:
 * RFC 2047 words are left encoded; see mime_parse_decode_words). */
struct mime_field {
    char *name;
    char *value;
};

/* A header block; owns its fields. */
struct mime_fields {
    struct mime_field *v;
    size_t n;
    size_t alloc;
};

enum mime_part_kind {
    MIME_PART_SINGLE,    /* a leaf: text, delivery-status, image, ... */
    MIME_PART_MULTIPART, /* its parts follow it in the list */
    MIME_PART_MESSAGE,   /* message/rfc822: its body's parts follow it */
};

struct mime_part {
    enum mime_part_kind kind;
    char type[96];        /* lower-case "type/subtype"; default text/plain */
    char charset[48];     /* lower-case charset parameter, or "" */
    char report_type[48]; /* lower-case report-type parameter, or "" */
    size_t depth;         /* 0 for the message itself */
    /*
     * Inside a returned message: true for the parts of a message/rfc822
     * part (and the part itself), whose text is not the report's own.
     */
    bool enclosed;
    /*
     * The header fields of an embedded message: set for message/rfc822
     * and text/rfc822-headers parts, empty otherwise.
     */
    struct mime_fields fields;
    /*
     * Decoded body (transfer encoding undone, text parts converted to UTF-8
     * when its charset is known), NUL-terminated, at most MIME_MAX_BODY
     * bytes (body_cut tells).  NULL for multiparts, for parsed
     * message/rfc822 parts, and for non-text leaves (images, archives).
     */
    char *body;
    size_t body_len;
    bool body_cut;
};

/* A parsed message; owns everything in it. */
struct mime_msg {
    struct mime_fields headers; /* the top-level header fields */
    struct mime_part *parts;    /* depth first; parts[0] is the message */
    size_t nparts;
    /* A cap was reached or the structure could not be parsed: some parts
     * or text are missing (parsing still gave what it could). */
    bool cut;
};

/*
 * Parse a whole message (CRLF or LF line ends; a leading mbox "From "
 * line is skipped).  Never fails on malformed input: what cannot be
 * parsed as MIME becomes one text/plain part.  *out: caller frees with
 * mime_msg_free().  MERR_LIMIT when n > MIME_MAX_INPUT (err says so).
 */
int mime_parse_message(const char *p, size_t n, struct mime_msg **out,
                       struct merr *err);

/* Free a parsed message; NULL is fine. */
void mime_msg_free(struct mime_msg *m);

/*
 * Parse one block of header fields from p[0..n) into out (appended),
 * tolerantly: lines that are not fields are skipped, at most
 * MIME_MAX_FIELDS are kept.  Stops after the blank line that ends the
 * block, or at the end; *used gets the bytes consumed (may be NULL).
 * Used for the groups of a message/delivery-status body and for
 * text/rfc822-headers.  Release out with mime_fields_release().
 */
void mime_parse_fields(const char *p, size_t n, struct mime_fields *out,
                       size_t *used);

/* Free the fields and empty the block; NULL is fine. */
void mime_fields_release(struct mime_fields *f);

/*
 * The value of the first field called name (case-insensitive), or NULL.
 * Borrowed from f.  With from, the search starts at index *from and
 * *from is set past the match, to walk repeated fields.
 */
const char *mime_fields_get(const struct mime_fields *f, const char *name);
const char *mime_fields_next(const struct mime_fields *f, const char *name,
                             size_t *from);

/*
 * The Unix time of an RFC 5322 date-time header value ("Thu, 26 Nov 2026
 * 10:00:02 +0000 (UTC)"; obsolete forms as libetpan reads them, two-digit
 * years per RFC 5322 4.3).  MERR_INVALID when it is not one or names an
 * impossible day or time.
 */
int mime_parse_date(const char *value, int64_t *out);

/*
 * Decode RFC 2047 encoded words of a header value into UTF-8.  Caller
 * frees with free().  On failure a copy of value is returned.
 */
char *mime_parse_decode_words(const char *value);

#endif
