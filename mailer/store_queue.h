/*
 * store_queue: the deliveries table (the sqlite3 adapter's part for the
 * send queue).  Rows are filled from an appeal's lists in one
 * transaction, streamed in batches (never all at once), claimed as
 * "sending" and committed before their messages go out, and given their
 * outcomes in batched transactions.  The caller owns the transactions
 * (store_begin/store_commit) around claim and record, so one commit can
 * carry the outcomes of finished messages and the claim of the next ones.
 */
#ifndef TOCSIN_STORE_QUEUE_H
#define TOCSIN_STORE_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "queue.h"
#include "store.h"

/* Who gets an appeal: its lists (and only trusted ones if restricted). */
struct store_audience {
    const char *const *lists;
    size_t nlists;
    bool trusted_only;
};

/* One delivery to send, with what rendering needs.  Strings are owned by
 * the row (store_queue_row_release). */
struct store_queue_row {
    int64_t subscriber_id;
    char *email;         /* the address as sent */
    char *email_key;     /* for suppressions */
    char *email_display; /* for people (Unicode domain) */
    char *name;
    char *language; /* the subscriber's tag, may be "" */
    char *attrs;    /* JSON object text */
    unsigned attempts;
    int64_t first_try; /* 0 before the first try */
};

void store_queue_row_release(struct store_queue_row *r);

/*
 * Enqueue (INSERT OR IGNORE: running it again adds only newcomers) one
 * delivery per active subscriber with consent not refused, member of one
 * of the audience's lists and not in the suppressions; and drop what
 * became unsendable since: queued rows of subscribers now suppressed or
 * inactive are deleted, deferred ones become failed.  One transaction.
 * *added: rows new this time.  MERR_DB.
 */
int store_queue_enqueue(struct store *st, int64_t seq,
                        const struct store_audience *aud, int64_t now,
                        uint64_t *added, struct merr *err);

/*
 * Rows left "sending" by a run that died become "uncertain" (the relay
 * may have them).  *n: how many.  MERR_DB.
 */
int store_queue_recover(struct store *st, int64_t seq, uint64_t *n,
                        struct merr *err);

/* One row left sending becomes uncertain (*n: 0 or 1).  MERR_DB. */
int store_queue_mark_uncertain(struct store *st, int64_t seq,
                               int64_t subscriber_id, uint64_t *n,
                               struct merr *err);

/*
 * Rows left sending that were never handed over: queued again, their
 * attempt not counted.  MERR_DB.
 */
int store_queue_requeue_sending(struct store *st, int64_t seq, uint64_t *n,
                                struct merr *err);

/*
 * Give back one claimed row that was not handed over (inside the caller's
 * transaction): sending -> queued, its attempt not counted.  MERR_DB.
 */
int store_queue_unclaim(struct store *st, int64_t seq, int64_t subscriber_id,
                        struct merr *err);

/* --resend-uncertain: uncertain rows become queued again.  MERR_DB. */
int store_queue_requeue_uncertain(struct store *st, int64_t seq, uint64_t *n,
                                  struct merr *err);

/* --retry-now: deferred rows are due now.  MERR_DB. */
int store_queue_retry_now(struct store *st, int64_t seq, int64_t now,
                          uint64_t *n, struct merr *err);

/* not_after passed: queued and deferred rows become expired.  MERR_DB. */
int store_queue_expire(struct store *st, int64_t seq, int64_t now, uint64_t *n,
                       struct merr *err);

/*
 * Up to max rows to send, in subscriber order after subscriber id
 * *after (updated to the last row's): queued rows when deferred is false,
 * else deferred rows due at now.  Fills rows[0..*n) (release each with
 * store_queue_row_release).  MERR_DB.
 */
int store_queue_next(struct store *st, int64_t seq, bool deferred, int64_t now,
                     int64_t *after, struct store_queue_row *rows, size_t max,
                     size_t *n, struct merr *err);

/*
 * The audience itself (what enqueue would add, from nothing), for
 * --dry-run: the same streaming as store_queue_next over subscribers.
 */
int store_queue_audience_next(struct store *st,
                              const struct store_audience *aud, int64_t *after,
                              struct store_queue_row *rows, size_t max,
                              size_t *n, struct merr *err);

/*
 * Claim one row (inside the caller's transaction): queued or deferred ->
 * sending, attempts + 1, first try time, the language it goes out in,
 * its Message-ID and the appeal's content hash.  *claimed false when the
 * row was no longer claimable (skip it).  MERR_DB.
 */
int store_queue_claim(struct store *st, int64_t seq, int64_t subscriber_id,
                      const char *language, const char *message_id,
                      const char *content_hash, int64_t now, bool *claimed,
                      struct merr *err);

/* One outcome to record. */
struct store_queue_outcome {
    int64_t subscriber_id;
    enum queue_state state; /* sent, deferred, failed, uncertain, queued */
    int code;               /* 0 = none */
    const char *reply;      /* sanitised, may be "" */
    const char *relay;      /* which relay, or "outbox", may be NULL */
    int64_t next_try;       /* deferred */
    /* suppression (5.1.1-5.1.3): hash and email_key, else NULL */
    const char *suppress_hash;
    const char *email_key;
};

/*
 * Record outcomes (inside the caller's transaction) of rows that are
 * "sending": state, code, reply, next_try, sent_at; and add the
 * suppressions (the subscriber becomes "bounced").  MERR_DB.
 */
int store_queue_record(struct store *st, int64_t seq,
                       const struct store_queue_outcome *o, size_t n,
                       int64_t now, struct merr *err);

/*
 * Counts of the appeal's deliveries by state, the audience members with
 * no delivery (suppressed, unsubscribed, ...; not counted when aud is
 * NULL), and the earliest retry.  MERR_DB.
 */
int store_queue_counts(struct store *st, int64_t seq,
                       const struct store_audience *aud,
                       struct queue_counts *out, struct merr *err);

/*
 * How many rows were sent (or bounced) with a content hash other than
 * hash: people who got an earlier version of the appeal.  MERR_DB.
 */
int store_queue_count_other_hash(struct store *st, int64_t seq,
                                 const char *hash, uint64_t *n,
                                 struct merr *err);

/* Per-language and per-domain counts for --dry-run (the audience). */
struct store_queue_count {
    char *key; /* language tag or domain, owned */
    uint64_t n;
};

/*
 * The audience's top max domains by count into out[0..*n) (free each key
 * with free()).  MERR_DB.
 */
int store_queue_audience_domains(struct store *st,
                                 const struct store_audience *aud,
                                 struct store_queue_count *out, size_t max,
                                 size_t *n, struct merr *err);

#endif
