/*
 * store_sig: signatures, webhook events and unsubscribes (the sqlite3
 * adapter's part for them).  The record functions write without beginning
 * a transaction: the caller (the server's writer thread) groups many of
 * them into one.  Reads serve the pages and "tocsin signatures".
 */
#ifndef TOCSIN_STORE_SIG_H
#define TOCSIN_STORE_SIG_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

/* The outcome of one record call (not an error: data). */
enum store_sig_result {
    STORE_SIG_STORED = 0,      /* a new row was written */
    STORE_SIG_DUPLICATE_EVENT, /* the webhook id was seen before */
    STORE_SIG_DUPLICATE,       /* this person already signed this appeal */
    STORE_SIG_UNKNOWN_APPEAL,  /* no appeal with that id */
    STORE_SIG_CLOSED,          /* signed after the appeal's not_after */
    STORE_SIG_UNKNOWN_SIGNER,  /* no subscriber and no address */
    STORE_SIG_NOT_FOUND,       /* the subscriber does not exist */
};

/* Name of the list that signers who consent to contact are added to. */
#define STORE_SIG_SIGNERS_LIST "signers"

/* A webhook signature, borrowed strings ("" when absent). */
struct store_sig_webhook {
    const char *event_id;      /* webhook-id */
    const char *appeal_id;     /* data.appeal */
    int64_t token_appeal;      /* from a valid data.token, else 0 */
    int64_t token_subscriber;  /* from a valid data.token, else 0 */
    const char *email;         /* data.email as sent (address.h) */
    const char *email_key;     /* its key */
    const char *email_display; /* its Unicode form */
    const char *person_hash;   /* token_person_hash(email_key), or "" */
    const char *name;
    const char *country;
    const char *language;
    int64_t signed_at;
    bool consent; /* data.consent_to_contact */
};

/*
 * Record a webhook signature, in this order: the appeal must exist
 * (else UNKNOWN_APPEAL, nothing written) and be open at signed_at (else
 * CLOSED); the signer is the token's subscriber when the token is for
 * this appeal and the subscriber exists, else the subscriber with that
 * email key, else a non-subscriber known by the email key (neither:
 * UNKNOWN_SIGNER); the event id is recorded (seen before: DUPLICATE_EVENT,
 * nothing else written); a non-subscriber with consent who is not
 * suppressed becomes an active subscriber in the "signers" list; the
 * signature is recorded once per appeal and person (else DUPLICATE).
 * *seq gets the appeal's seq when known.  Call inside a transaction.
 * MERR_DB.
 */
int store_sig_webhook(struct store *st, const struct store_sig_webhook *in,
                      int64_t now, enum store_sig_result *res, int64_t *seq,
                      struct merr *err);

/*
 * Record the signature of subscriber sub on appeal seq from a sign link
 * (NOT_FOUND when the subscriber is gone, DUPLICATE when they signed).
 * Call inside a transaction.  MERR_DB.
 */
int store_sig_link(struct store *st, int64_t seq, int64_t sub, int64_t now,
                   enum store_sig_result *res, struct merr *err);

/*
 * Unsubscribe subscriber sub at once: status "unsubscribed" (unless
 * already bounced, complained or suppressed) and a suppression (hash,
 * email_key, reason "unsubscribed", detail).  NOT_FOUND when the
 * subscriber is gone; repeating it changes nothing.  Call inside a
 * transaction.  MERR_DB.
 */
int store_sig_unsubscribe(struct store *st, int64_t sub, const char *email_key,
                          const char *hash, const char *detail, int64_t now,
                          enum store_sig_result *res, struct merr *err);

/*
 * A savepoint around one job of a group commit, so that a job that fails
 * is undone alone: store_sig_savepoint, then store_sig_release (keep) or
 * store_sig_rollback_to (undo; also releases).  MERR_DB.
 */
int store_sig_savepoint(struct store *st, struct merr *err);
int store_sig_release(struct store *st, struct merr *err);
void store_sig_rollback_to(struct store *st);

/*
 * Checkpoints: store_sig_manual_checkpoints turns SQLite's automatic
 * checkpoint off on st (the writer's connection), and
 * store_sig_checkpoint runs a PASSIVE one (never blocks a writer), on
 * another connection or on the writer's between transactions.  When not
 * NULL, *wal_frames gets the frames in the WAL and *copied those now in
 * the database (equal: the next write starts the WAL over).  MERR_DB.
 */
int store_sig_manual_checkpoints(struct store *st, struct merr *err);
int store_sig_checkpoint(struct store *st, int *wal_frames, int *copied,
                         struct merr *err);

/* true in *out if the person (email key) signed appeal seq.  MERR_DB. */
int store_sig_has_signed(struct store *st, int64_t seq, const char *person_key,
                         bool *out, struct merr *err);

/* true in *out if email_key or hash is in the suppressions.  MERR_DB. */
int store_sig_suppressed(struct store *st, const char *email_key,
                         const char *hash, bool *out, struct merr *err);

/* One signature for the export (borrowed strings, valid for the call). */
struct store_sig_row {
    const char *name;
    const char *country;
    const char *language;
    const char *source; /* "link" or "webhook" */
    const char *email;  /* the subscriber's address, else the signer's */
    int64_t signed_at;
};

/*
 * Call fn for each signature of appeal seq, oldest first; fn returning
 * non-zero stops the walk and is returned.  MERR_DB.
 */
int store_sig_each(struct store *st, int64_t seq,
                   int (*fn)(const struct store_sig_row *row, void *arg),
                   void *arg, struct merr *err);

/* Number of signatures of appeal seq.  MERR_DB. */
int store_sig_count(struct store *st, int64_t seq, int64_t *out,
                    struct merr *err);

#endif
