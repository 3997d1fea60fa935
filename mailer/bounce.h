/*
 * bounce: whose delivery a returned message is about (issue 6 item 2),
 * and the identity that makes it count once however it is read.  Domain
 * logic over a parsed report (dsn.h); the lookups go through the store.
 */
#ifndef TOCSIN_BOUNCE_H
#define TOCSIN_BOUNCE_H

#include <stddef.h>
#include <stdint.h>

#include "dsn.h"
#include "store.h"
#include "token.h"

/* The delivery a report is about; seq and sub 0 when none was found. */
struct bounce_match {
    int64_t seq;     /* appeal seq */
    int64_t sub;     /* subscriber id */
    char *email;     /* the delivery's address (owned), or NULL */
    const char *how; /* "token", "message-id", "returned headers", or
                        NULL (static strings) */
};

/*
 * Find the delivery: the VERP token of the address the bounce was sent to
 * (its MAC checked, the delivery existing), else our Message-ID in the
 * returned headers, else a token in our links there.  Fills *m; release
 * with bounce_match_release.  Lookup failures are "not found".
 */
void bounce_match_report(struct store *st, const struct token_keys *keys,
                         const struct dsn_report *rep, struct bounce_match *m);

/* Free what a match owns; NULL is fine. */
void bounce_match_release(struct bounce_match *m);

/*
 * The appeal and subscriber of one recipient address of the report
 * (may be ""): the matched delivery when it is the only recipient or the
 * same address; another recipient of a multi-recipient report is looked
 * up among the same appeal's deliveries; without a matched delivery, the
 * subscriber with that address (appeal 0).  Zeros when none.
 */
void bounce_match_recipient(struct store *st, const struct dsn_report *rep,
                            const struct bounce_match *m, const char *address,
                            int64_t *appeal_seq, int64_t *subscriber_id);

/* How far a bounce's date may stray before it is not believed: a day
 * covers a reporting MTA's wrong time zone and clock skew. */
#define BOUNCE_DATE_SLACK 86400

/* 2000-01-01T00:00:00Z: no bounce of ours is older. */
#define BOUNCE_DATE_MIN 946684800

/*
 * When the bounce of one recipient (may be NULL) happened, from the
 * report alone: the first believable of its Last-Attempt-Date, the
 * report's Arrival-Date and its Date header; now when none is.  A date is
 * believable from not_before (when the delivery was sent; 0: unknown,
 * BOUNCE_DATE_MIN) to now, each but BOUNCE_DATE_MIN widened by
 * BOUNCE_DATE_SLACK; a date within the slack is moved to the bound.
 */
int64_t bounce_pick_date(const struct dsn_report *rep,
                         const struct dsn_recipient *rcpt, int64_t not_before,
                         int64_t now);

/*
 * bounce_pick_date() with not_before from the store: the sent time of
 * the delivery (appeal_seq, subscriber_id) when it has one.  Lookup
 * failures count as no sent time.
 */
int64_t bounce_date(struct store *st, const struct dsn_report *rep,
                    const struct dsn_recipient *rcpt, int64_t appeal_seq,
                    int64_t subscriber_id, int64_t now);

/* Room for an identity: a Message-ID, or "sha256:" and 64 hex digits. */
#define BOUNCE_IDENTITY_MAX (DSN_ID_MAX + 16)

/*
 * The returned message's identity, the same whether it is read over IMAP,
 * POP3 or from a Maildir: its own Message-ID, else a digest of its bytes.
 */
void bounce_identity(const struct dsn_report *rep, const char *p, size_t n,
                     char out[BOUNCE_IDENTITY_MAX]);

#endif
