/*
 * dispatch: the SMTP pool's scheduling, without libcurl: the backlog of
 * submitted messages, which one starts next and on which relay (shares,
 * backoff, pacing overall / per relay / per domain), what a transaction's
 * result means (an outcome, or a retry on another connection), and the
 * outcomes waiting to be collected.  Thread-safe (one mutex); time is a
 * parameter so unit tests drive it with a fake clock.  No I/O here.
 */
#ifndef TOCSIN_DISPATCH_H
#define TOCSIN_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "transport.h"

/* All relays failing this many times in a row: defer at once instead of
 * waiting for them. */
#define DISPATCH_GIVE_UP_FAILS 3
/* Timeouts in a row that count as a relay failure. */
#define DISPATCH_TIMEOUT_FAILS 3

struct dispatch_relay_conf {
    const char *name; /* for log lines and outcome texts */
    unsigned share;   /* >= 1 */
    double rate;      /* messages per second, 0 = unlimited */
};

struct dispatch_opts {
    const struct dispatch_relay_conf *relays; /* at least one */
    size_t nrelays;
    double rate; /* overall, 0 = unlimited */
    const struct config_domain_rate *domain_rates;
    size_t ndomain_rates;
    size_t capacity;    /* messages queued or in a transaction, >= 1 */
    unsigned max_tries; /* transactions per message, >= 1 */
};

/* One message in the pool, owned by the dispatcher except between
 * dispatch_next() and dispatch_done(), when a sending slot holds it. */
struct dispatch_job {
    struct dispatch_job *next;
    uint64_t cookie;
    char *from;
    char *rcpt;
    const char *domain; /* into rcpt */
    char *data;
    size_t len;
    unsigned tries; /* transactions started */
    unsigned relay; /* relay of the current transaction */
};

/* What one transaction came to, as the SMTP side saw it. */
enum dispatch_kind {
    DISPATCH_ACCEPTED,        /* a 2xx to the final dot */
    DISPATCH_REPLY,           /* a 4xx or 5xx reply (code) */
    DISPATCH_NO_CONNECT,      /* no usable session: refused, unreachable, TLS or
                                 AUTH failure, nothing said at all */
    DISPATCH_DROPPED,         /* lost or timed out before the whole message was
                                 handed over: not delivered */
    DISPATCH_LOST_AFTER_DATA, /* lost or timed out after all of it went
                                 out and before the reply: uncertain */
};

struct dispatch_result {
    enum dispatch_kind kind;
    int code;         /* the reply code, 0 when none */
    bool timeout;     /* it ended by a timeout */
    const char *text; /* the reply line or what went wrong (sanitised) */
};

struct dispatch;

/* A dispatcher at now.  Caller frees with dispatch_free(). */
struct dispatch *dispatch_new(const struct dispatch_opts *opts, double now);

/*
 * fn(arg, outcome) for every final outcome, called with the dispatcher's
 * lock held, before dispatch_collect() can return it (NULL fn: none).
 * Set it while nothing is queued.
 */
void dispatch_set_done_hook(struct dispatch *d,
                            void (*fn)(void *arg,
                                       const struct transport_outcome *o),
                            void *arg);

/* Jobs still held are dropped.  NULL is fine. */
void dispatch_free(struct dispatch *d);

/*
 * Copy msg into the backlog; blocks while capacity messages are queued or
 * in a transaction (returns at once after dispatch_close()).  Returns 0.
 */
int dispatch_submit(struct dispatch *d, const struct transport_msg *msg);

/*
 * The next message to start at now, its relay chosen and the pacing
 * tokens spent; NULL when none may start, with *wait the seconds until
 * one might (1 when the backlog is empty).  Messages that cannot go
 * anywhere (every relay failing) become SEND_TEMPFAIL outcomes here.
 */
struct dispatch_job *dispatch_next(struct dispatch *d, double now,
                                   double *wait);

/*
 * A transaction of job ended with r at now: the job becomes an outcome,
 * or goes back to the front of the backlog for another try (421, a
 * dropped session, no connection, while tries < max_tries).  Relays and
 * domains are slowed down, backed off or sped up accordingly.  The job
 * is the dispatcher's again.
 */
void dispatch_done(struct dispatch *d, struct dispatch_job *job,
                   const struct dispatch_result *r, double now);

/* Give up a job held by a slot at shutdown (no outcome). */
void dispatch_abandon(struct dispatch *d, struct dispatch_job *job);

/* As transport_collect(). */
size_t dispatch_collect(struct dispatch *d, struct transport_outcome *out,
                        size_t max, int wait_ms);

/* Submitted and not yet collected. */
size_t dispatch_inflight(struct dispatch *d);

/* true when a message is waiting in the backlog. */
bool dispatch_has_backlog(struct dispatch *d);

/* Wake every blocked dispatch_submit() and refuse new messages. */
void dispatch_close(struct dispatch *d);

/* The current rate of a relay (0 = unlimited), for tests and logs. */
double dispatch_relay_rate(struct dispatch *d, unsigned relay);

/* The current rate of a domain's bucket, -1 when it has none. */
double dispatch_domain_rate(struct dispatch *d, const char *domain);

#endif
