/*
 * dsn_int: what the files of dsn share: dsn.c (RFC 3464 reports,
 * identification, the verdict), dsn_feedback.c (complaints, SES JSON),
 * dsn_words.c (what prose says) and dsn_text.c (plain-text bounces).
 * Not for other modules.
 */
#ifndef TOCSIN_DSN_INT_H
#define TOCSIN_DSN_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "dsn.h"
#include "mime_parse.h"

/* Text looked at per message for prose patterns (bounce text, reasons). */
#define DSN_MAX_TEXT (256 * 1024)

/* Offset of the first case-insensitive (ASCII) match of needle in
 * p[0..n), or (size_t)-1. */
size_t dsn_find_ci(const char *p, size_t n, const char *needle);

/* true if p[0..n) starts with prefix (case-insensitive, ASCII). */
bool dsn_starts_ci(const char *p, size_t n, const char *prefix);

/* true if p[0..n) contains any of the NULL-terminated needles. */
bool dsn_has_any(const char *p, size_t n, const char *const *needles);

/*
 * The first RFC 3463 status of class 4 or 5 in p[0..n) ("5.1.1"), not
 * part of a longer dotted number; *at gets its offset (may be NULL).
 */
bool dsn_find_status(const char *p, size_t n, char out[16], size_t *at);

/* The first SMTP reply code 4xx/5xx in p[0..n) as "5.0.0"/"4.0.0". */
bool dsn_find_reply_code(const char *p, size_t n, char out[16]);

/* A kind from prose alone, or DSN_UNKNOWN when it says nothing. */
enum dsn_kind dsn_text_kind(const char *p, size_t n);

/* One line of reason text: whitespace collapsed, sanitised, cut. */
void dsn_set_reason(char *dst, size_t size, const char *p, size_t n);

/* Copy an address, without "rfc822;", spaces and angle brackets. */
void dsn_set_address(char *dst, size_t size, const char *value);

/* Append a recipient (NULL when DSN_MAX_RECIPIENTS is reached: r->cut). */
struct dsn_recipient *dsn_add_rcpt(struct dsn_report *r);

/* Text of an HTML body (tags dropped, a few entities decoded), appended
 * to out up to its cap. */
void dsn_html_to_text(const char *p, size_t n, struct buf *out);

/* The message's headers say it is an auto-reply (RFC 3834, vacation). */
bool dsn_is_autoreply(const struct mime_msg *m, const char *subject);

/* From, Subject or the text say a mail system returned a message. */
bool dsn_looks_like_bounce(const struct mime_msg *m, const char *subject,
                           const char *text, size_t n);

/*
 * A plain-text bounce: find the recipients named in text[0..n) (up to
 * the copy of the returned message), each with its status and reason.
 * Adds at least one recipient (address "" when none is named).
 */
void dsn_text_bounce(struct dsn_report *r, const struct mime_msg *m,
                     const char *text, size_t n);

/* Scan text for header lines of an inline copy of the returned message
 * (Message-ID, List-Unsubscribe, Return-Path, X-Tocsin-*). */
void dsn_scan_inline_headers(struct dsn_report *r, const char *text, size_t n);

/* Identification from one header field of the returned message. */
void dsn_returned_field(struct dsn_report *r, const char *name,
                        const char *value);

/* The text of a typed value: "smtp; 550 ..." gives "550 ...". */
const char *dsn_typed_text(const char *v);

/* A recipient's status from its Status value (may be NULL), improved by
 * the more specific code a diagnostic text may carry (may be NULL). */
void dsn_set_status(struct dsn_recipient *rc, const char *status,
                    const char *diag);

/* dsn_feedback.c: complaints and provider notifications. */
void dsn_add_complaint(struct dsn_report *r, const char *addr);
void dsn_read_feedback(struct dsn_report *r, const char *p, size_t n);
bool dsn_read_ses(struct dsn_report *r, const char *p, size_t n);
bool dsn_other_complaint(struct dsn_report *r, const struct mime_msg *m);
void dsn_complaint_from_returned(struct dsn_report *r,
                                 const struct mime_msg *m);

#endif
