/*
 * pace: the pure pacing logic of the SMTP pool: token buckets (overall,
 * per relay, per destination domain) that slow down when a relay or a
 * domain answers 421/450/451/452/454 and speed up again as it accepts, and
 * the backoff of a relay that fails.  Time is a parameter (seconds, any
 * monotonic origin), so tests use a fake clock.  No I/O, no locking: the
 * caller serialises.
 */
#ifndef TOCSIN_PACE_H
#define TOCSIN_PACE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* A slowed-down key never goes below this rate (or its limit if lower). */
#define PACE_FLOOR 1.0
/* Tokens a bucket may hold: this many seconds of its rate, at least 1. */
#define PACE_BURST_SECONDS 0.05
/* Slow-downs closer together than this count as one (parallel replies). */
#define PACE_SLOW_GAP 1.0
/* A slowed key speeds up by PACE_SPEEDUP on an accept this long after the
 * last change. */
#define PACE_SPEEDUP_AFTER 5.0
#define PACE_SPEEDUP       1.5
/* Relay backoff: first delay, doubling up to the cap. */
#define PACE_BACKOFF_FIRST 1.0
#define PACE_BACKOFF_MAX   60.0

struct pace_bucket {
    double limit;   /* configured messages per second; 0 = unlimited */
    double rate;    /* current rate; 0 = unlimited */
    double restore; /* slowed from unlimited: the rate at which to let go */
    double tokens;
    double stamp;   /* time of the last refill */
    double changed; /* time of the last slow-down or speed-up */
    /* the rate actually seen, to slow down a key that had no limit */
    double win_start;
    double seen;
    unsigned win_count;
};

/* A bucket at limit (0 = unlimited), full. */
void pace_bucket_init(struct pace_bucket *b, double limit, double now);

/* Seconds until the next message may go: 0 when one may go now. */
double pace_bucket_wait(const struct pace_bucket *b, double now);

/* Count one message sent now (spends a token when limited). */
void pace_bucket_take(struct pace_bucket *b, double now);

/* A 421/45x answer: halve the rate (at most once per PACE_SLOW_GAP). */
void pace_bucket_slow(struct pace_bucket *b, double now);

/* A 2xx answer: speed a slowed bucket up again, back to its limit. */
void pace_bucket_accept(struct pace_bucket *b, double now);

/* true when the bucket runs at its limit and was never slowed (for a
 * domain without a configured rate: nothing to remember). */
bool pace_bucket_plain(const struct pace_bucket *b);

/* Relay health: skipped until "until" after a failure. */
struct pace_backoff {
    double until; /* skipped while now < until */
    double delay; /* the next failure's delay */
    unsigned fails;
};

void pace_backoff_init(struct pace_backoff *b);
/* A refused connection, 421, repeated timeouts: skip for delay, double it. */
void pace_backoff_fail(struct pace_backoff *b, double now);
/* A success: healthy again, delays start over. */
void pace_backoff_ok(struct pace_backoff *b);
/* true when the relay may be used at now. */
bool pace_backoff_ready(const struct pace_backoff *b, double now);

/*
 * Buckets per destination domain (lower-case ASCII): the configured ones
 * (smtp.domain_rates) and those slowed down by their answers; a domain
 * with neither costs nothing.  The table owns its entries.
 */
struct pace_domain;
struct pace_domains {
    struct pace_domain **slots;
    size_t nslots; /* power of two */
    size_t count;
};

/* Configure rates[0..n) at now (allocation aborts on exhaustion). */
void pace_domains_init(struct pace_domains *t,
                       const struct config_domain_rate *rates, size_t n,
                       double now);
void pace_domains_release(struct pace_domains *t);

/*
 * The bucket of domain (case-insensitive), or NULL when it has none;
 * with create, one is made (unlimited) for a domain to be slowed down.
 * Borrowed; valid until the next pace_domains_* call that creates or
 * drops.
 */
struct pace_bucket *pace_domains_get(struct pace_domains *t, const char *domain,
                                     bool create, double now);

/* Forget unconfigured domains that are back to unlimited. */
void pace_domains_prune(struct pace_domains *t);

/* The domain part of an address ("" when there is no '@'); borrowed
 * pointer into addr. */
const char *pace_domain_of(const char *addr);

#endif
