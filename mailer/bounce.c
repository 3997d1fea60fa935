/*
 * bounce: matching a parsed bounce report to our delivery.  No parsing
 * here (dsn.c) and no SQL (store_bounce.c).
 */
#include "bounce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_bounce.h"
#include "util.h"

/* A token names a delivery only if its MAC is right and the row exists. */
static bool
match_token(struct store *st, const struct token_keys *keys, const char *tok,
            struct bounce_match *m)
{
    struct merr err = {0};
    int64_t seq = 0, sub = 0;

    if (tok[0] == '\0' ||
        token_check(keys, tok, strlen(tok), &seq, &sub) != 0) {
        return false;
    }
    if (store_bounce_find_delivery(st, seq, sub, &m->email, NULL, &err) != 0) {
        return false;
    }
    m->seq = seq;
    m->sub = sub;
    return true;
}

void
bounce_match_report(struct store *st, const struct token_keys *keys,
                    const struct dsn_report *rep, struct bounce_match *m)
{
    struct merr err = {0};

    memset(m, 0, sizeof(*m));
    if (match_token(st, keys, rep->token, m)) {
        m->how = "token";
        return;
    }
    if (rep->message_id[0] != '\0' &&
        store_bounce_find_message_id(st, rep->message_id, &m->seq, &m->sub,
                                     &err) == 0) {
        (void)store_bounce_find_delivery(st, m->seq, m->sub, &m->email, NULL,
                                         &err);
        m->how = "message-id";
        return;
    }
    m->seq = 0;
    m->sub = 0;
    if (match_token(st, keys, rep->returned_token, m)) {
        m->how = "returned headers";
    }
}

void
bounce_match_release(struct bounce_match *m)
{
    if (m == NULL) {
        return;
    }
    free(m->email);
    memset(m, 0, sizeof(*m));
}

void
bounce_match_recipient(struct store *st, const struct dsn_report *rep,
                       const struct bounce_match *m, const char *address,
                       int64_t *appeal_seq, int64_t *subscriber_id)
{
    struct merr err = {0};
    int64_t sub = 0;

    *appeal_seq = 0;
    *subscriber_id = 0;
    if (m->seq > 0) {
        if (rep->nrcpts <= 1 || address[0] == '\0' ||
            (m->email != NULL && util_strcasecmp(address, m->email) == 0)) {
            *appeal_seq = m->seq;
            *subscriber_id = m->sub;
        } else if (store_bounce_find_address(st, m->seq, address, &sub, &err) ==
                   0) {
            *appeal_seq = m->seq;
            *subscriber_id = sub;
        }
        return;
    }
    /* no delivery: the address may still be a subscriber's */
    if (address[0] != '\0' &&
        store_bounce_find_address(st, 0, address, &sub, &err) == 0) {
        *subscriber_id = sub;
    }
}

/* t moved into [lo, hi] if it is within the slack below lo (lo_slack)
 * or above hi (BOUNCE_DATE_SLACK); 0 if it is further out. */
static int64_t
believe(int64_t t, int64_t lo, int64_t lo_slack, int64_t hi)
{
    if (t <= 0 || t < lo - lo_slack || t > hi + BOUNCE_DATE_SLACK) {
        return 0;
    }
    return t < lo ? lo : t > hi ? hi : t;
}

int64_t
bounce_pick_date(const struct dsn_report *rep, const struct dsn_recipient *rcpt,
                 int64_t not_before, int64_t now)
{
    /* RFC 3464: the last attempt is when this recipient failed, the
     * arrival when the reporting MTA got the message; the Date header
     * when the report was written (non-DSN bounces have only that). */
    const int64_t cand[] = {rcpt != NULL ? rcpt->last_attempt : 0,
                            rep->arrival_date, rep->date};
    int64_t lo = not_before > 0 ? not_before : BOUNCE_DATE_MIN;
    /* a sent time is our clock and the date the remote's: allow skew (an
     * Arrival-Date can precede the moment we recorded the delivery sent) */
    int64_t lo_slack = not_before > 0 ? BOUNCE_DATE_SLACK : 0;

    if (lo > now) {
        return now; /* our own clock went back: nothing to judge by */
    }
    for (size_t k = 0; k < TOCSIN_ARRAY_LEN(cand); k++) {
        int64_t t = believe(cand[k], lo, lo_slack, now);

        if (t > 0) {
            return t;
        }
    }
    return now;
}

int64_t
bounce_date(struct store *st, const struct dsn_report *rep,
            const struct dsn_recipient *rcpt, int64_t appeal_seq,
            int64_t subscriber_id, int64_t now)
{
    struct merr err = {0};
    int64_t sent = 0;

    if (appeal_seq > 0 && subscriber_id > 0 &&
        store_bounce_find_delivery(st, appeal_seq, subscriber_id, NULL, &sent,
                                   &err) != 0) {
        sent = 0;
    }
    return bounce_pick_date(rep, rcpt, sent, now);
}

void
bounce_identity(const struct dsn_report *rep, const char *p, size_t n,
                char out[BOUNCE_IDENTITY_MAX])
{
    char hex[TOKEN_SHA256_HEX];

    if (rep->own_message_id[0] != '\0' &&
        util_strlcpy(out, rep->own_message_id, BOUNCE_IDENTITY_MAX) == 0) {
        return;
    }
    token_sha256_hex(p, n, hex);
    (void)snprintf(out, BOUNCE_IDENTITY_MAX, "sha256:%s", hex);
}
