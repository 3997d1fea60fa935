/*
 * dsn: understanding one returned message.  RFC 3464 delivery status
 * notifications with RFC 3463 status codes, the plain-text bounces of the
 * common MTAs and providers, Amazon SES notifications, RFC 5965 (ARF)
 * complaints and RFC 3834 auto-replies; and what identifies our delivery
 * in it (VERP token, returned Message-ID, our own headers).  Domain logic:
 * it is handed the bytes of one message, does no I/O and keeps no state.
 */
#ifndef TOCSIN_DSN_H
#define TOCSIN_DSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mime_parse.h"
#include "token.h"

/* What a message, or one recipient in it, says. */
enum dsn_kind {
    DSN_UNKNOWN = 0, /* not understood, or not a failure (delivered) */
    DSN_HARD,        /* permanent: suppress the address */
    DSN_SOFT,        /* temporary, or not the address's fault (full, spam
                        filter, policy): count, suppress past a threshold */
    DSN_COMPLAINT,   /* the recipient reported us as spam (ARF) */
    DSN_AUTOREPLY,   /* vacation, out of office: ignore */
};

/* Caps on what one report holds. */
#define DSN_MAX_RECIPIENTS 256
#define DSN_ADDR_MAX       320 /* RFC 5321 path limit plus room */
#define DSN_REASON_MAX     200
#define DSN_ID_MAX         256

struct dsn_recipient {
    /* Final-Recipient (else Original-Recipient, else the address named in
     * the text), without "rfc822;" and angle brackets; may be "". */
    char address[DSN_ADDR_MAX];
    char original[DSN_ADDR_MAX]; /* Original-Recipient, or "" */
    char status[16];             /* RFC 3463 "5.1.1", or "" if none */
    char action[16];             /* lower-case Action ("failed"...), or "" */
    enum dsn_kind kind;
    /* Short reason (Diagnostic-Code, else the bounce's text), one line,
     * sanitised (util_sanitize): safe to log and store. */
    char reason[DSN_REASON_MAX];
    /* Last-Attempt-Date (RFC 3464 2.3.7) as Unix time, 0 when absent or
     * not a date.  Not checked against any clock: see bounce_date(). */
    int64_t last_attempt;
};

struct dsn_report {
    /* The message as a whole: complaint or autoreply when it is one;
     * else hard if any recipient is hard, else soft if any is soft. */
    enum dsn_kind kind;
    struct dsn_recipient *rcpts; /* owned; nrcpts of them */
    size_t nrcpts;
    /* The status and reason of the first recipient of that kind (for a
     * message that names no recipient: what its text says), or "". */
    char status[16];
    char reason[DSN_REASON_MAX];
    /* A message/delivery-status part (or an inline copy of one) was read;
     * its recipients then all carry a status. */
    bool has_status_part;
    /* What identifies our delivery, best first.  None of it is checked:
     * run token_check() on tokens, match message_id against the store. */
    char token[TOKEN_MAX];              /* VERP token of bounces+TOKEN@ in To,
                                           Delivered-To, X-Original-To, ... or "" */
    char token_header[32];              /* the header it came from, or "" */
    char message_id[DSN_ID_MAX];        /* Message-ID of the returned message,
                                           with its angle brackets, or "" */
    char returned_token[TOKEN_MAX];     /* token in the returned headers: a
                                           List-Unsubscribe /u/TOKEN link or
                                           a bounces+TOKEN@ Return-Path */
    char tocsin_header[DSN_REASON_MAX]; /* first X-Tocsin-* field of the
                                           returned headers, "Name: value" */
    /* About the report itself. */
    char own_message_id[DSN_ID_MAX]; /* its Message-ID, or "" */
    char subject[DSN_REASON_MAX];    /* decoded, sanitised */
    char feedback_type[32];          /* ARF Feedback-Type ("abuse"), or "" */
    /* When, as Unix time, 0 when absent or not a date (unchecked): the
     * delivery-status Arrival-Date (RFC 3464 2.2.5) and the report's own
     * Date header (RFC 5322 3.6.1). */
    int64_t arrival_date;
    int64_t date;
    bool cut; /* a cap was reached: some parts or recipients left out */
};

/*
 * Parse and classify one message p[0..n) (untrusted bytes).  Anything
 * that is not understood gives kind DSN_UNKNOWN, not an error.  *out:
 * caller frees with dsn_report_free().  MERR_LIMIT when the message is
 * over MIME_MAX_INPUT.
 */
int dsn_parse(const char *p, size_t n, struct dsn_report **out,
              struct merr *err);

/* Free a report; NULL is fine. */
void dsn_report_free(struct dsn_report *r);

/*
 * Kind of an RFC 3463 status ("5.1.1") given its diagnostic text (may be
 * NULL): 2.x.x gives DSN_UNKNOWN, 4.x.x DSN_SOFT, 5.x.x DSN_HARD except
 * where the failure is not the address's (5.2.2 mailbox full, 5.7.x
 * policy and spam blocks, 5.3.4 too big, ...) which give DSN_SOFT; the
 * text refines generic codes ("5.0.0 user unknown" is hard).
 */
enum dsn_kind dsn_classify(const char *status, const char *text);

/* "hard", "soft", "complaint", "autoreply", "unknown" (static). */
const char *dsn_kind_name(enum dsn_kind kind);

#endif
