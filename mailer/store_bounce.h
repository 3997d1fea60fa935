/*
 * store_bounce: the bounces and mailbox_seen tables, and what a bounce
 * does to deliveries, subscribers and suppressions (the sqlite3 adapter's
 * part for them).  The caller holds the transaction: one per mailbox
 * message, with store_bounce_set_seen, so a message counts once or not at
 * all.
 */
#ifndef TOCSIN_STORE_BOUNCE_H
#define TOCSIN_STORE_BOUNCE_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "store.h"
#include "token.h"

/* One bounced recipient, as recorded.  All strings borrowed. */
struct store_bounce {
    int64_t appeal_seq;    /* the delivery's appeal, 0 when unknown */
    int64_t subscriber_id; /* the subscriber, 0 when unknown */
    const char *recipient; /* the address that failed, NULL if none found */
    const char *kind;      /* hard, soft, complaint, autoreply, unknown */
    const char *status;    /* RFC 3463 "5.1.1", or "" */
    const char *reason;    /* short text, or "" */
    const char *source;    /* the bounce message's identity (its
                              Message-ID, else a digest of it) */
    int64_t received_at;   /* when it happened (Unix time): the date the
                              report gives, checked (bounce_date) */
};

/* What recording did. */
struct store_bounce_effect {
    bool recorded;      /* a new row (false: this source and recipient were
                           recorded before, nothing else was done) */
    bool bounced;       /* the delivery went from sent to bounced */
    bool suppressed;    /* the subscriber was suppressed by this bounce */
    bool counted;       /* a soft bounce added to the subscriber's score */
    int64_t soft_score; /* the score afterwards (soft bounces) */
};

/*
 * Record b and apply it (subscriber_id != 0): hard bounce: the delivery
 * sent (or uncertain) becomes bounced, the subscriber's status bounced,
 * the address suppressed (reason "bounce", keyed hash from keys);
 * complaint: status complained, suppressed (reason "complaint"); soft: the
 * score grows by one for each UTC day of received_at that had no soft
 * bounce of the subscriber yet, whatever order they are recorded in, and
 * at soft_threshold the address is suppressed (reason "soft-bounces",
 * status bounced).
 * Statuses change only from active.  Idempotent: the same source and
 * recipient again does nothing.  Call inside a transaction.  MERR_DB.
 */
int store_bounce_record(struct store *st, const struct token_keys *keys,
                        const struct store_bounce *b, unsigned soft_threshold,
                        struct store_bounce_effect *eff, struct merr *err);

/*
 * The delivery whose Message-ID is message_id (with or without its angle
 * brackets).  MERR_NOTFOUND, MERR_DB.
 */
int store_bounce_find_message_id(struct store *st, const char *message_id,
                                 int64_t *appeal_seq, int64_t *subscriber_id,
                                 struct merr *err);

/*
 * Does the delivery (appeal_seq, subscriber_id) exist?  With email not
 * NULL, *email gets its address (caller frees with free()); with sent_at
 * not NULL, *sent_at when it was sent (0: no sent time).
 * MERR_NOTFOUND, MERR_DB.
 */
int store_bounce_find_delivery(struct store *st, int64_t appeal_seq,
                               int64_t subscriber_id, char **email,
                               int64_t *sent_at, struct merr *err);

/*
 * The subscriber of appeal_seq's delivery to address (case-insensitive);
 * with appeal_seq 0, the subscriber whose address it is.  MERR_NOTFOUND,
 * MERR_DB.
 */
int store_bounce_find_address(struct store *st, int64_t appeal_seq,
                              const char *address, int64_t *subscriber_id,
                              struct merr *err);

/* Has the mailbox message named key been processed?  MERR_DB. */
int store_bounce_seen(struct store *st, const char *key, bool *seen,
                      struct merr *err);

/* Remember that the mailbox message key was processed.  MERR_DB. */
int store_bounce_set_seen(struct store *st, const char *key, int64_t now,
                          struct merr *err);

#endif
