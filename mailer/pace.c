/*
 * pace: token buckets with automatic slow-down and speed-up, relay
 * backoff, and the per-domain table.  Pure logic on a time parameter;
 * no clock, no I/O, no locks here.
 */
#include "pace.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static double
burst_of(double rate)
{
    double b = rate * PACE_BURST_SECONDS;

    return b < 1.0 ? 1.0 : b;
}

static double
floor_of(const struct pace_bucket *b)
{
    if (b->limit > 0 && b->limit < PACE_FLOOR) {
        return b->limit;
    }
    return PACE_FLOOR;
}

void
pace_bucket_init(struct pace_bucket *b, double limit, double now)
{
    memset(b, 0, sizeof(*b));
    b->limit = limit > 0 ? limit : 0;
    b->rate = b->limit;
    b->tokens = b->rate > 0 ? burst_of(b->rate) : 0;
    b->stamp = now;
    b->changed = now - PACE_SLOW_GAP - PACE_SPEEDUP_AFTER;
    b->win_start = now;
}

static double
tokens_at(const struct pace_bucket *b, double now)
{
    double t = b->tokens;
    double cap = burst_of(b->rate);

    if (now > b->stamp) {
        t += (now - b->stamp) * b->rate;
    }
    return t > cap ? cap : t;
}

double
pace_bucket_wait(const struct pace_bucket *b, double now)
{
    double t;

    if (b->rate <= 0) {
        return 0;
    }
    t = tokens_at(b, now);
    if (t >= 1.0) {
        return 0;
    }
    return (1.0 - t) / b->rate;
}

void
pace_bucket_take(struct pace_bucket *b, double now)
{
    /* The rate seen over windows of about a second, so that a key with
     * no limit can be slowed to half of what it was really doing. */
    if (now - b->win_start >= 1.0) {
        b->seen = (double)b->win_count / (now - b->win_start);
        b->win_start = now;
        b->win_count = 0;
    }
    b->win_count++;
    if (b->rate <= 0) {
        return;
    }
    b->tokens = tokens_at(b, now) - 1.0;
    b->stamp = now;
}

static double
seen_rate(const struct pace_bucket *b, double now)
{
    double el = now - b->win_start;

    if (b->seen > 0) {
        return b->seen;
    }
    if (el >= 0.1 && b->win_count > 0) {
        return (double)b->win_count / el;
    }
    return 2 * PACE_FLOOR;
}

static void
set_rate(struct pace_bucket *b, double rate, double now)
{
    b->tokens = tokens_at(b, now);
    b->stamp = now;
    b->rate = rate;
    if (rate > 0 && b->tokens > burst_of(rate)) {
        b->tokens = burst_of(rate);
    }
    if (rate <= 0) {
        b->tokens = 0;
    }
    b->changed = now;
}

void
pace_bucket_slow(struct pace_bucket *b, double now)
{
    double cur = b->rate;
    double fl = floor_of(b);
    double next;

    if (now - b->changed < PACE_SLOW_GAP) {
        return;
    }
    if (cur <= 0) {
        /* Unlimited so far: start from what it was really doing, and
         * remember that as the point where the brake comes off. */
        cur = seen_rate(b, now);
        b->restore = cur;
    }
    next = cur / 2;
    if (next < fl) {
        next = fl;
    }
    set_rate(b, next, now);
}

void
pace_bucket_accept(struct pace_bucket *b, double now)
{
    double next;

    if (b->rate <= 0 || (b->limit > 0 && b->rate >= b->limit)) {
        return;
    }
    if (now - b->changed < PACE_SPEEDUP_AFTER) {
        return;
    }
    next = b->rate * PACE_SPEEDUP;
    if (b->limit > 0 && next >= b->limit) {
        next = b->limit;
    } else if (b->limit <= 0 && next >= b->restore) {
        next = 0;
        b->restore = 0;
    }
    set_rate(b, next, now);
}

bool
pace_bucket_plain(const struct pace_bucket *b)
{
    return b->rate == b->limit;
}

void
pace_backoff_init(struct pace_backoff *b)
{
    b->until = 0;
    b->delay = PACE_BACKOFF_FIRST;
    b->fails = 0;
}

void
pace_backoff_fail(struct pace_backoff *b, double now)
{
    if (b->delay < PACE_BACKOFF_FIRST) {
        b->delay = PACE_BACKOFF_FIRST;
    }
    /* Failures reported while already skipped (other connections to the
     * same relay) do not stretch the delay again. */
    if (now < b->until) {
        return;
    }
    b->until = now + b->delay;
    b->delay *= 2;
    if (b->delay > PACE_BACKOFF_MAX) {
        b->delay = PACE_BACKOFF_MAX;
    }
    b->fails++;
}

void
pace_backoff_ok(struct pace_backoff *b)
{
    b->delay = PACE_BACKOFF_FIRST;
    b->fails = 0;
}

bool
pace_backoff_ready(const struct pace_backoff *b, double now)
{
    return now >= b->until;
}

/* The domain table: open hashing with chains. */
struct pace_domain {
    struct pace_domain *next;
    bool configured;
    struct pace_bucket bucket;
    char name[]; /* lower-case */
};

static size_t
hash_name(const char *s)
{
    /* FNV-1a over the lower-cased bytes. */
    size_t h = 14695981039346656037u;

    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c >= 'A' && c <= 'Z') {
            c = (unsigned char)(c - 'A' + 'a');
        }
        h ^= c;
        h *= 1099511628211u;
    }
    return h;
}

static void
grow(struct pace_domains *t)
{
    size_t n = t->nslots * 2;
    struct pace_domain **slots = xcalloc(n, sizeof(*slots));

    for (size_t i = 0; i < t->nslots; i++) {
        struct pace_domain *d = t->slots[i];

        while (d != NULL) {
            struct pace_domain *next = d->next;
            size_t h = hash_name(d->name) & (n - 1);

            d->next = slots[h];
            slots[h] = d;
            d = next;
        }
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = n;
}

static struct pace_domain *
add(struct pace_domains *t, const char *domain, double limit, double now)
{
    size_t len = strlen(domain);
    struct pace_domain *d = xcalloc(1, sizeof(*d) + len + 1);
    size_t h;

    memcpy(d->name, domain, len + 1);
    util_lower(d->name);
    pace_bucket_init(&d->bucket, limit, now);
    if (t->count + 1 > t->nslots) {
        grow(t);
    }
    h = hash_name(d->name) & (t->nslots - 1);
    d->next = t->slots[h];
    t->slots[h] = d;
    t->count++;
    return d;
}

void
pace_domains_init(struct pace_domains *t,
                  const struct config_domain_rate *rates, size_t n, double now)
{
    t->nslots = 16;
    t->count = 0;
    t->slots = xcalloc(t->nslots, sizeof(*t->slots));
    for (size_t i = 0; i < n; i++) {
        struct pace_domain *d = add(t, rates[i].domain, rates[i].rate, now);

        d->configured = true;
    }
}

void
pace_domains_release(struct pace_domains *t)
{
    if (t == NULL || t->slots == NULL) {
        return;
    }
    for (size_t i = 0; i < t->nslots; i++) {
        struct pace_domain *d = t->slots[i];

        while (d != NULL) {
            struct pace_domain *next = d->next;

            free(d);
            d = next;
        }
    }
    free(t->slots);
    t->slots = NULL;
    t->nslots = 0;
    t->count = 0;
}

struct pace_bucket *
pace_domains_get(struct pace_domains *t, const char *domain, bool create,
                 double now)
{
    size_t h = hash_name(domain) & (t->nslots - 1);
    struct pace_domain *d;

    for (d = t->slots[h]; d != NULL; d = d->next) {
        if (util_strcasecmp(d->name, domain) == 0) {
            return &d->bucket;
        }
    }
    if (!create || domain[0] == '\0') {
        return NULL;
    }
    d = add(t, domain, 0, now);
    return &d->bucket;
}

void
pace_domains_prune(struct pace_domains *t)
{
    for (size_t i = 0; i < t->nslots; i++) {
        struct pace_domain **pp = &t->slots[i];

        while (*pp != NULL) {
            struct pace_domain *d = *pp;

            if (!d->configured && pace_bucket_plain(&d->bucket)) {
                *pp = d->next;
                free(d);
                t->count--;
            } else {
                pp = &d->next;
            }
        }
    }
}

const char *
pace_domain_of(const char *addr)
{
    const char *at = strrchr(addr, '@');

    return at == NULL ? "" : at + 1;
}
