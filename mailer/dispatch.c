/*
 * dispatch: backlog, relay choice, pacing and outcome policy of the SMTP
 * pool.  The sending threads in smtp.c ask for the next job and report
 * what each transaction came to; everything here runs under one mutex.
 * No network, no libcurl here.
 */
#include "dispatch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "pace.h"
#include "util.h"

struct relay_state {
    char *name;
    unsigned share;
    long current; /* smooth weighted round robin */
    struct pace_bucket bucket;
    struct pace_backoff backoff;
    unsigned timeouts; /* in a row */
    char last[TRANSPORT_REPLY_MAX];
};

struct dispatch {
    pthread_mutex_t mu;
    pthread_cond_t space; /* queued < capacity, or closed */
    pthread_cond_t ready; /* an outcome is waiting */
    struct dispatch_job *head;
    struct dispatch_job *tail;
    size_t queued; /* in the backlog or in a transaction */
    size_t capacity;
    unsigned max_tries;
    bool closed;
    struct relay_state *relays;
    size_t nrelays;
    struct pace_bucket overall;
    struct pace_domains domains;
    struct transport_outcome *out; /* out[first..first+nout) */
    size_t first;
    size_t nout;
    size_t capout;
    size_t want; /* the collector sleeps until this many outcomes wait */
    unsigned long ndone;
    void (*done_hook)(void *arg, const struct transport_outcome *o);
    void *done_arg;
};

struct dispatch *
dispatch_new(const struct dispatch_opts *opts, double now)
{
    struct dispatch *d = xcalloc(1, sizeof(*d));
    pthread_condattr_t ca;

    pthread_mutex_init(&d->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&d->space, &ca);
    pthread_cond_init(&d->ready, &ca);
    pthread_condattr_destroy(&ca);
    d->capacity = opts->capacity > 0 ? opts->capacity : 1;
    d->max_tries = opts->max_tries > 0 ? opts->max_tries : 1;
    d->nrelays = opts->nrelays;
    d->relays = xcalloc(d->nrelays, sizeof(*d->relays));
    for (size_t i = 0; i < d->nrelays; i++) {
        struct relay_state *r = &d->relays[i];

        r->name = xstrdup(opts->relays[i].name);
        r->share = opts->relays[i].share > 0 ? opts->relays[i].share : 1;
        pace_bucket_init(&r->bucket, opts->relays[i].rate, now);
        pace_backoff_init(&r->backoff);
    }
    pace_bucket_init(&d->overall, opts->rate, now);
    pace_domains_init(&d->domains, opts->domain_rates, opts->ndomain_rates,
                      now);
    return d;
}

void
dispatch_set_done_hook(struct dispatch *d,
                       void (*fn)(void *arg, const struct transport_outcome *o),
                       void *arg)
{
    pthread_mutex_lock(&d->mu);
    d->done_hook = fn;
    d->done_arg = arg;
    pthread_mutex_unlock(&d->mu);
}

void
dispatch_free(struct dispatch *d)
{
    struct dispatch_job *j;

    if (d == NULL) {
        return;
    }
    j = d->head;
    while (j != NULL) {
        struct dispatch_job *next = j->next;

        free(j);
        j = next;
    }
    for (size_t i = 0; i < d->nrelays; i++) {
        free(d->relays[i].name);
    }
    free(d->relays);
    pace_domains_release(&d->domains);
    free(d->out);
    pthread_cond_destroy(&d->space);
    pthread_cond_destroy(&d->ready);
    pthread_mutex_destroy(&d->mu);
    free(d);
}

/* One allocation for the job and its three strings. */
static struct dispatch_job *
job_new(const struct transport_msg *msg)
{
    size_t lf = strlen(msg->from) + 1;
    size_t lr = strlen(msg->rcpt) + 1;
    struct dispatch_job *j = xmalloc(sizeof(*j) + lf + lr + msg->len + 1);
    char *p = (char *)(j + 1);

    memset(j, 0, sizeof(*j));
    j->cookie = msg->cookie;
    j->from = p;
    memcpy(p, msg->from, lf);
    p += lf;
    j->rcpt = p;
    memcpy(p, msg->rcpt, lr);
    p += lr;
    j->data = p;
    memcpy(p, msg->data, msg->len);
    p[msg->len] = '\0';
    j->len = msg->len;
    j->domain = pace_domain_of(j->rcpt);
    return j;
}

int
dispatch_submit(struct dispatch *d, const struct transport_msg *msg)
{
    struct dispatch_job *j = job_new(msg);

    pthread_mutex_lock(&d->mu);
    while (d->queued >= d->capacity && !d->closed) {
        pthread_cond_wait(&d->space, &d->mu);
    }
    if (d->tail == NULL) {
        d->head = j;
    } else {
        d->tail->next = j;
    }
    d->tail = j;
    d->queued++;
    pthread_mutex_unlock(&d->mu);
    return 0;
}

/* Locked.  Append an outcome and release the job. */
static void
finish(struct dispatch *d, struct dispatch_job *j, enum send_status st,
       int code, const char *text)
{
    struct transport_outcome *o;

    if (d->first + d->nout == d->capout) {
        if (d->first > 0) {
            memmove(d->out, d->out + d->first, d->nout * sizeof(*d->out));
            d->first = 0;
        }
        if (d->nout == d->capout) {
            d->capout = d->capout == 0 ? 64 : d->capout * 2;
            d->out = xrealloc(d->out, d->capout * sizeof(*d->out));
        }
    }
    o = &d->out[d->first + d->nout];
    memset(o, 0, sizeof(*o));
    o->cookie = j->cookie;
    o->status = st;
    o->code = code;
    o->relay = j->relay;
    o->tries = j->tries;
    util_sanitize(text, strlen(text), o->reply, sizeof(o->reply));
    /* RFC 3463 status after the code: "550 5.1.1 ..." */
    if (code >= 200 && strlen(o->reply) > 4) {
        const char *s = o->reply + 4;
        size_t n = strspn(s, "0123456789.");

        if (n >= 5 && n < sizeof(o->enhanced) && s[1] == '.' &&
            s[0] == o->reply[0]) {
            memcpy(o->enhanced, s, n);
            o->enhanced[n] = '\0';
        }
    }
    if (d->done_hook != NULL) {
        d->done_hook(d->done_arg, o);
    }
    d->nout++;
    d->queued--;
    free(j);
    if (++d->ndone % 1024 == 0) {
        pace_domains_prune(&d->domains);
    }
    pthread_cond_signal(&d->space);
    if (d->nout >= d->want) {
        pthread_cond_signal(&d->ready);
    }
}

static bool
all_failing(const struct dispatch *d, double now)
{
    for (size_t i = 0; i < d->nrelays; i++) {
        const struct relay_state *r = &d->relays[i];

        if (pace_backoff_ready(&r->backoff, now) ||
            r->backoff.fails < DISPATCH_GIVE_UP_FAILS) {
            return false;
        }
    }
    return true;
}

/* Locked.  Smooth weighted round robin (as nginx's upstreams) over the
 * relays that are neither backed off nor out of tokens; -1 and *wait
 * when none is. */
static int
choose_relay(struct dispatch *d, double now, double *wait)
{
    long total = 0;
    int best = -1;

    for (size_t i = 0; i < d->nrelays; i++) {
        struct relay_state *r = &d->relays[i];
        double w = pace_bucket_wait(&r->bucket, now);

        if (!pace_backoff_ready(&r->backoff, now)) {
            double b = r->backoff.until - now;

            w = b > w ? b : w;
        }
        if (w > 0) {
            *wait = w < *wait ? w : *wait;
            continue;
        }
        r->current += r->share;
        total += r->share;
        if (best < 0 || r->current > d->relays[best].current) {
            best = (int)i;
        }
    }
    if (best >= 0) {
        d->relays[best].current -= total;
    }
    return best;
}

struct dispatch_job *
dispatch_next(struct dispatch *d, double now, double *wait)
{
    struct dispatch_job *j;
    struct dispatch_job *prev = NULL;
    struct dispatch_job *found = NULL;
    double w;

    *wait = 1.0;
    pthread_mutex_lock(&d->mu);
    if (d->head != NULL && all_failing(d, now)) {
        char text[TRANSPORT_REPLY_MAX + 64];

        snprintf(text, sizeof(text), "no relay available: %s: %s",
                 d->relays[0].name, d->relays[0].last);
        while (d->head != NULL) {
            j = d->head;
            d->head = j->next;
            finish(d, j, SEND_TEMPFAIL, 0, text);
        }
        d->tail = NULL;
        goto out;
    }
    w = pace_bucket_wait(&d->overall, now);
    if (d->head == NULL || w > 0) {
        *wait = w > 0 ? w : *wait;
        goto out;
    }
    for (j = d->head; j != NULL; prev = j, j = j->next) {
        struct pace_bucket *db =
            pace_domains_get(&d->domains, j->domain, false, now);
        int r;

        if (db != NULL) {
            w = pace_bucket_wait(db, now);
            if (w > 0) {
                *wait = w < *wait ? w : *wait;
                continue;
            }
        }
        /* The relays do not depend on the message: none now, none for
         * the others either. */
        r = choose_relay(d, now, wait);
        if (r < 0) {
            break;
        }
        pace_bucket_take(&d->overall, now);
        if (db != NULL) {
            pace_bucket_take(db, now);
        }
        pace_bucket_take(&d->relays[r].bucket, now);
        if (prev == NULL) {
            d->head = j->next;
        } else {
            prev->next = j->next;
        }
        if (d->tail == j) {
            d->tail = prev;
        }
        j->next = NULL;
        j->relay = (unsigned)r;
        j->tries++;
        found = j;
        break;
    }
out:
    pthread_mutex_unlock(&d->mu);
    return found;
}

/* Locked.  Back to the front of the backlog, or an outcome when its
 * tries are used up. */
static void
retry(struct dispatch *d, struct dispatch_job *j, int code, const char *text)
{
    if (j->tries >= d->max_tries) {
        finish(d, j, SEND_TEMPFAIL, code, text);
        return;
    }
    j->next = d->head;
    d->head = j;
    if (d->tail == NULL) {
        d->tail = j;
    }
}

static void
relay_failed(struct relay_state *r, const char *text, double now)
{
    bool was_ready = pace_backoff_ready(&r->backoff, now);

    util_sanitize(text, strlen(text), r->last, sizeof(r->last));
    pace_backoff_fail(&r->backoff, now);
    if (was_ready) {
        log_info("relay %s: %s; skipped for %.0f s", r->name, r->last,
                 r->backoff.until - now);
    }
}

static void
slow(struct pace_bucket *b, const char *what, const char *name, int code,
     double now)
{
    double before = b->rate;

    pace_bucket_slow(b, now);
    if (b->rate == before) {
        return;
    }
    if (code > 0) {
        log_info("%s %s answered %d: slowed to %.1f messages/s", what, name,
                 code, b->rate);
    } else {
        log_info("%s %s dropped the connection: slowed to %.1f messages/s",
                 what, name, b->rate);
    }
}

void
dispatch_done(struct dispatch *d, struct dispatch_job *j,
              const struct dispatch_result *res, double now)
{
    struct relay_state *r;
    struct pace_bucket *db;
    const char *text = res->text != NULL ? res->text : "";
    int code = res->code;

    pthread_mutex_lock(&d->mu);
    r = &d->relays[j->relay];
    if (res->timeout) {
        if (++r->timeouts >= DISPATCH_TIMEOUT_FAILS) {
            relay_failed(r, text, now);
            r->timeouts = 0;
        }
    } else if (res->kind != DISPATCH_NO_CONNECT) {
        r->timeouts = 0;
    }
    switch (res->kind) {
    case DISPATCH_ACCEPTED:
        pace_backoff_ok(&r->backoff);
        pace_bucket_accept(&r->bucket, now);
        db = pace_domains_get(&d->domains, j->domain, false, now);
        if (db != NULL) {
            pace_bucket_accept(db, now);
        }
        finish(d, j, SEND_OK, code, text);
        break;
    case DISPATCH_REPLY:
        if (code == 421) {
            /* RFC 5321 4.2.2: the service is closing the channel. */
            slow(&r->bucket, "relay", r->name, code, now);
            relay_failed(r, text, now);
            retry(d, j, code, text);
        } else if (code == 450 || code == 451) {
            db = pace_domains_get(&d->domains, j->domain, true, now);
            slow(db, "domain", j->domain, code, now);
            finish(d, j, SEND_TEMPFAIL, code, text);
        } else if (code == 452 || code == 454) {
            slow(&r->bucket, "relay", r->name, code, now);
            finish(d, j, SEND_TEMPFAIL, code, text);
        } else if (code >= 500 && code < 600) {
            finish(d, j, SEND_PERMFAIL, code, text);
        } else {
            finish(d, j, SEND_TEMPFAIL, code, text);
        }
        break;
    case DISPATCH_NO_CONNECT:
        /* The relay refused the session (AUTH 535, TLS), not this
         * message: no code in the outcome, or the queue would read a
         * 535 as a permanent failure of the delivery.  The reply stays
         * in the text. */
        relay_failed(r, text, now);
        retry(d, j, 0, text);
        break;
    case DISPATCH_DROPPED:
        slow(&r->bucket, "relay", r->name, code, now);
        retry(d, j, 0, text);
        break;
    case DISPATCH_LOST_AFTER_DATA:
        finish(d, j, SEND_UNCERTAIN, 0, text);
        break;
    }
    pthread_mutex_unlock(&d->mu);
}

void
dispatch_abandon(struct dispatch *d, struct dispatch_job *j)
{
    pthread_mutex_lock(&d->mu);
    d->queued--;
    pthread_cond_signal(&d->space);
    pthread_mutex_unlock(&d->mu);
    free(j);
}

size_t
dispatch_collect(struct dispatch *d, struct transport_outcome *out, size_t max,
                 int wait_ms)
{
    size_t n;

    pthread_mutex_lock(&d->mu);
    if (d->nout == 0 && wait_ms > 0) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += wait_ms / 1000;
        ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        /* Woken per outcome, the caller would run once per message:
         * it sleeps until a quarter of what is out has come back (the
         * backlog keeps the connections busy meanwhile), or until the
         * deadline when fewer come. */
        d->want = d->queued / 4 > 1 ? d->queued / 4 : 1;
        while (d->nout < d->want) {
            if (pthread_cond_timedwait(&d->ready, &d->mu, &ts) != 0) {
                break;
            }
        }
        d->want = 1;
    }
    n = d->nout < max ? d->nout : max;
    if (n > 0) {
        memcpy(out, d->out + d->first, n * sizeof(*out));
    }
    d->first += n;
    d->nout -= n;
    if (d->nout == 0) {
        d->first = 0;
    }
    pthread_mutex_unlock(&d->mu);
    return n;
}

size_t
dispatch_inflight(struct dispatch *d)
{
    size_t n;

    pthread_mutex_lock(&d->mu);
    n = d->queued + d->nout;
    pthread_mutex_unlock(&d->mu);
    return n;
}

bool
dispatch_has_backlog(struct dispatch *d)
{
    bool b;

    pthread_mutex_lock(&d->mu);
    b = d->head != NULL;
    pthread_mutex_unlock(&d->mu);
    return b;
}

void
dispatch_close(struct dispatch *d)
{
    pthread_mutex_lock(&d->mu);
    d->closed = true;
    pthread_cond_broadcast(&d->space);
    pthread_mutex_unlock(&d->mu);
}

double
dispatch_relay_rate(struct dispatch *d, unsigned relay)
{
    double r;

    pthread_mutex_lock(&d->mu);
    r = d->relays[relay].bucket.rate;
    pthread_mutex_unlock(&d->mu);
    return r;
}

double
dispatch_domain_rate(struct dispatch *d, const char *domain)
{
    struct pace_bucket *b;
    double r = -1;

    pthread_mutex_lock(&d->mu);
    b = pace_domains_get(&d->domains, domain, false, 0);
    if (b != NULL) {
        r = b->rate;
    }
    pthread_mutex_unlock(&d->mu);
    return r;
}
