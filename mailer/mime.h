/*
 * mime: the RFC 5322 / MIME message of one delivery (the libetpan adapter
 * for building).  What is the same for every recipient of a language
 * (sender headers, MIME structure, boundary) is built once in
 * mime_lang_new; mime_build only encodes what varies.  The only module
 * that does RFC 2047 header encoding and transfer encoding.  No I/O here.
 *
 * The message: Date, Message-ID, From, To, Reply-To (when set), Subject,
 * MIME-Version, Content-Language, List-Id, List-Unsubscribe (https and
 * mailto), List-Unsubscribe-Post (RFC 8058), then multipart/alternative
 * with text/plain and text/html, both UTF-8, quoted-printable or base64
 * (whichever is smaller for the language).  CRLF line ends; no line over
 * 78 octets except where a single address or URL is longer (never 998).
 */
#ifndef TOCSIN_MIME_H
#define TOCSIN_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "render.h"
#include "token.h"

/* Buffers for mime_message_id and mime_verp. */
#define MIME_ID_MAX 320

/* What is the same for every message of one appeal (all borrowed). */
struct mime_identity {
    const char *from_name;     /* display name, UTF-8, may be "" */
    const char *from_addr;     /* addr@domain */
    const char *reply_to;      /* "Name <addr>" or addr; NULL or "" = none */
    const char *list_name;     /* List-Id phrase (organisation), may be "" */
    const char *list_id;       /* e.g. appeals.example.org */
    const char *bounce_domain; /* domain of bounces+TOKEN@DOMAIN */
    const char *base_url;      /* https://act.example.org, no trailing / */
};

/* What varies per message (all borrowed). */
struct mime_recipient {
    const char *name;           /* display name, UTF-8, may be "" */
    const char *email;          /* the address as sent */
    const char *token;          /* token_make() of appeal and subscriber */
    const char *message_id;     /* from mime_message_id() */
    const char *subject_prefix; /* e.g. "[TEST] ", or NULL */
};

enum mime_encoding {
    MIME_QP = 0,     /* quoted-printable */
    MIME_BASE64 = 1, /* base64 */
};

/* The fixed parts of one language; immutable once made (thread-safe). */
struct mime_lang;

/*
 * Build the fixed parts for language lang (a BCP 47 tag).  sample is one
 * rendered message of that language: the transfer encoding of each part
 * is chosen from it (the smaller of quoted-printable and base64).
 * *out: caller frees with mime_lang_free().  MERR_INVALID (an address or
 * the list id is unusable in a header, err says which).
 */
int mime_lang_new(const struct mime_identity *id, const char *lang,
                  const struct render_out *sample, struct mime_lang **out,
                  struct merr *err);

void mime_lang_free(struct mime_lang *ml);

/* The encoding chosen for the text (html false) or HTML part. */
enum mime_encoding mime_lang_encoding(const struct mime_lang *ml, bool html);

/*
 * The whole message for recipient r with the rendered parts ro and Date
 * date (Unix time), replacing the contents of out (CRLF line ends, not
 * dot-stuffed).  MERR_INVALID (the address or token cannot go into a
 * header), MERR_LIMIT (out->max).
 */
int mime_build(const struct mime_lang *ml, const struct mime_recipient *r,
               const struct render_out *ro, int64_t date, struct buf *out,
               struct merr *err);

/*
 * Our Message-ID for one appeal and subscriber, stable across retries:
 * "<tocsin.SEQ.SUBID.HASH@DOMAIN>", HASH being 16 hex digits of an
 * HMAC-SHA256 under the link key (so it reveals no token).  MERR_LIMIT if
 * it does not fit size (MIME_ID_MAX always does for a sane domain).
 */
int mime_message_id(const struct token_keys *k, int64_t seq, int64_t subid,
                    const char *domain, char *out, size_t size);

/*
 * The numbers of one of our Message-IDs (with or without the angle
 * brackets).  MERR_INVALID if it is not ours in shape.  The HASH is not
 * checked here (mime_message_id again gives the expected value).
 */
int mime_message_id_parse(const char *s, size_t n, int64_t *seq,
                          int64_t *subid);

/* The VERP envelope sender bounces+TOKEN@DOMAIN.  MERR_LIMIT. */
int mime_verp(const char *token, const char *domain, char *out, size_t size);

/* RFC 5322 date-time in UTC, e.g. "Sat, 28 Nov 2026 13:59:26 +0000". */
void mime_date(int64_t t, char *out, size_t size);

/*
 * Parse a built message with libetpan and check its shape: CRLF only, no
 * line over 998 octets, the headers above present, multipart/alternative
 * of text/plain and text/html in UTF-8.  A self-test run once per
 * language, and in tests.  MERR_INVALID with what is wrong.
 */
int mime_check(const char *msg, size_t len, struct merr *err);

/*
 * The encoders, exported for the tests.  They append to out and return 0
 * or MERR_LIMIT.
 *
 * mime_qp_append: quoted-printable (RFC 2045 section 6.7) of text with LF
 * or CRLF line ends: CRLF line breaks, lines of at most 76 characters.
 * mime_base64_append: base64 of text, bare LF turned into CRLF first (the
 * canonical form of text, RFC 2045 section 6.8), lines of 76 characters.
 */
int mime_qp_append(struct buf *out, const char *p, size_t n);
int mime_base64_append(struct buf *out, const char *p, size_t n);

/*
 * Append UTF-8 text s[0..n) as a header value that starts at column *col
 * (updated): as it is when it is plain ASCII, else as RFC 2047
 * encoded-words (UTF-8, Q or B, whichever is shorter), folded so lines
 * stay within 78 octets.  phrase: a display name (RFC 5322 phrase: quoted
 * when it holds specials); otherwise unstructured text (Subject).
 * Control characters become spaces.  MERR_LIMIT.
 */
int mime_header_append(struct buf *out, size_t *col, const char *s, size_t n,
                       bool phrase);

#endif
