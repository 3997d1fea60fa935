/*
 * queue: the delivery state machine (DESIGN.md "Delivery states"), what
 * a transport outcome means for a delivery (sent, deferred with a retry
 * time, failed, suppressed, uncertain), and the retry schedule.  Pure
 * logic: time comes in as an argument; no I/O, no database here (the rows
 * live in store_queue).
 */
#ifndef TOCSIN_QUEUE_H
#define TOCSIN_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "transport.h"

enum queue_state {
    QUEUE_QUEUED = 0, /* waiting for its first try */
    QUEUE_SENDING,    /* committed as handed to a transport */
    QUEUE_SENT,       /* accepted by the relay (2xx) or in the outbox */
    QUEUE_DEFERRED,   /* 4xx, timeout, refused: retried at next_try */
    QUEUE_FAILED,     /* 5xx, or still deferred after retry_hours */
    QUEUE_UNCERTAIN,  /* maybe delivered: not sent again unless asked */
    QUEUE_BOUNCED,    /* sent, then a DSN came back */
    QUEUE_EXPIRED,    /* not sent before the appeal's not_after */
    QUEUE_NSTATES
};

/* The name stored in deliveries.state ("queued", ...); static. */
const char *queue_state_str(enum queue_state s);

/* The state called s.  MERR_INVALID for an unknown name. */
int queue_state_parse(const char *s, enum queue_state *out);

/*
 * true if a delivery may move from one state to the other:
 *   queued -> sending, expired
 *   sending -> sent, deferred, failed, uncertain, queued (retry at once)
 *   deferred -> sending, failed, expired
 *   uncertain -> queued (--resend-uncertain)
 *   sent -> bounced
 */
bool queue_can_move(enum queue_state from, enum queue_state to);

/* Retry delays: 5 minutes after the first failure, doubling, at most an
 * hour. */
#define QUEUE_RETRY_FIRST 300
#define QUEUE_RETRY_MAX   3600

/*
 * Seconds to wait before try number attempts + 1 after attempts failed
 * tries (attempts >= 1): 300, 600, 1200, 2400, 3600, 3600, ...
 */
int64_t queue_retry_delay(unsigned attempts);

/* What the transport said about one try of one delivery. */
struct queue_result {
    enum send_status status;
    int code;             /* SMTP reply code, 0 when there was none */
    const char *enhanced; /* "5.1.1" or "" */
};

/* The delivery's history, for the decision. */
struct queue_row_info {
    unsigned attempts; /* tries so far, this one included */
    int64_t first_try; /* time of the first try (0: this is it) */
};

/* What to record. */
struct queue_decision {
    enum queue_state state; /* SENT, DEFERRED, FAILED or UNCERTAIN */
    int64_t next_try;       /* DEFERRED: when to try again */
    bool suppress;          /* never mail the address again (5.1.1-5.1.3) */
    bool gave_up;           /* FAILED because retry_hours passed */
};

/*
 * Map one outcome to the delivery's next state (issue 4 "Outcomes"):
 * 2xx (SEND_OK) -> sent; 4xx, timeouts, refused or dropped connections
 * (SEND_TEMPFAIL) -> deferred, retried after queue_retry_delay() until
 * retry_hours after the first try, then failed; 5xx (SEND_PERMFAIL) ->
 * failed, and with RFC 3463 status 5.1.1, 5.1.2 or 5.1.3 (bad mailbox,
 * bad domain, bad address syntax) also suppressed; SEND_UNCERTAIN ->
 * uncertain.  421 and dropped connections were already retried on a new
 * connection by the transport before they arrive here as SEND_TEMPFAIL.
 */
void queue_decide(const struct queue_result *r,
                  const struct queue_row_info *row, unsigned retry_hours,
                  int64_t now, struct queue_decision *out);

/*
 * true if an RFC 3463 status ("5.1.1", "5.1.10") means the address
 * itself is bad: 5.1.1, 5.1.2 or 5.1.3.
 */
bool queue_status_bad_address(const char *enhanced);

/* Counts of one appeal's deliveries, for summaries and --json. */
struct queue_counts {
    uint64_t by_state[QUEUE_NSTATES];
    uint64_t suppressed; /* list members not mailed: suppressed,
                            unsubscribed, bounced, no consent */
    uint64_t total;      /* all delivery rows */
    int64_t next_try;    /* earliest next_try of deferred rows, 0 = none */
};

#endif
