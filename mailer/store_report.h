/*
 * store_report: the read-only aggregate queries behind "tocsin report"
 * (part of the sqlite3 adapter).  Each query walks one appeal's rows
 * through the existing indexes and hands grouped rows to a callback; the
 * figures are assembled in report.c.  Nothing here writes.
 *
 * Definitions shared with report.c: a delivery counts as sent when it was
 * handed over (state sent, or bounced, which comes from sent); a signer
 * was mailed when a sent delivery of the same appeal went to them.
 */
#ifndef TOCSIN_STORE_REPORT_H
#define TOCSIN_STORE_REPORT_H

#include <stdint.h>

#include "err.h"
#include "store.h"

/* In every row, text is borrowed until the callback returns ("" for
 * NULL).  A callback returns 0 to go on or a negative MERR_* to stop the
 * query with that code. */

/* One appeal with its headline counts. */
struct store_report_appeal {
    int64_t seq;
    const char *id;
    const char *title;
    const char *status;
    int64_t created;
    int64_t recipients;     /* deliveries */
    int64_t sent;           /* state sent or bounced */
    int64_t bounced;        /* state bounced */
    int64_t signatures;     /* all signatures, any source */
    int64_t signers_mailed; /* signatures by people with a sent delivery */
};

/* Deliveries of one language in one state. */
struct store_report_state {
    const char *language; /* the delivery's language, "" when none */
    const char *state;
    int64_t count;
    int64_t unsubscribed; /* of those, subscribers now unsubscribed */
    int64_t first_sent;   /* min(sent_at), 0 when none */
    int64_t last_sent;    /* max(sent_at), 0 when none */
};

/* Deliveries of one language with at least one bounce of one kind. */
struct store_report_bounce {
    const char *language;
    const char *kind; /* hard, soft, complaint, autoreply, unknown */
    int64_t deliveries;
};

/* Signatures of one language from one source.  The language is the
 * delivery's when the signer was a recipient, else the signature's. */
struct store_report_sig {
    const char *language;
    const char *source; /* link, webhook */
    int64_t signatures;
    int64_t signers;        /* distinct people */
    int64_t signers_mailed; /* of those, with a sent delivery */
};

/* Deliveries to one destination domain (ASCII, lower-case). */
struct store_report_domain {
    const char *domain;
    int64_t recipients;
    int64_t sent;
    int64_t bounced;
};

/* Bounces (autoreplies left out) with the same kind, status and reason. */
struct store_report_reason {
    const char *kind;
    const char *status;
    const char *reason;
    int64_t count;
};

/* Signatures made in one hour (start, Unix time, a multiple of 3600). */
struct store_report_hour {
    int64_t start;
    int64_t signatures;
};

/* Every appeal, oldest first.  MERR_DB, or what fn returned. */
int store_report_appeals(struct store *st,
                         int (*fn)(void *arg,
                                   const struct store_report_appeal *row),
                         void *arg, struct merr *err);

/* Deliveries of appeal seq grouped by language and state.  MERR_DB, or
 * what fn returned (also for the functions below). */
int store_report_states(struct store *st, int64_t seq,
                        int (*fn)(void *arg,
                                  const struct store_report_state *row),
                        void *arg, struct merr *err);

/* Bounces matched to deliveries of appeal seq, by language and kind. */
int store_report_bounces(struct store *st, int64_t seq,
                         int (*fn)(void *arg,
                                   const struct store_report_bounce *row),
                         void *arg, struct merr *err);

/* Signatures of appeal seq by language and source. */
int store_report_signatures(struct store *st, int64_t seq,
                            int (*fn)(void *arg,
                                      const struct store_report_sig *row),
                            void *arg, struct merr *err);

/* The limit destination domains with the most recipients (ties by name). */
int store_report_domains(struct store *st, int64_t seq, int limit,
                         int (*fn)(void *arg,
                                   const struct store_report_domain *row),
                         void *arg, struct merr *err);

/* Every distinct (kind, status, reason) of appeal seq's bounces, most
 * frequent first; report.c merges them after removing addresses. */
int store_report_reasons(struct store *st, int64_t seq,
                         int (*fn)(void *arg,
                                   const struct store_report_reason *row),
                         void *arg, struct merr *err);

/* Signatures of appeal seq per hour, in time order, hours with none
 * left out. */
int store_report_hours(struct store *st, int64_t seq,
                       int (*fn)(void *arg,
                                 const struct store_report_hour *row),
                       void *arg, struct merr *err);

#endif
