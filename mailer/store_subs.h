/*
 * store_subs: subscribers, lists, list members and suppressions (the
 * sqlite3 adapter's part for them).  Import, export and the privacy
 * commands are built on these.
 */
#ifndef TOCSIN_STORE_SUBS_H
#define TOCSIN_STORE_SUBS_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

struct store_subscriber {
    int64_t id;
    char *email;         /* as sent: ASCII domain */
    char *email_key;     /* mailbox identity, lower-case */
    char *email_display; /* Unicode domain, for people */
    char *name;
    char *language; /* BCP 47, may be "" */
    char *country;  /* ISO 3166 alpha-2, may be "" */
    int consent;    /* 1, 0, or -1 when unknown */
    char *status;   /* active, unsubscribed, bounced, complained,
                       suppressed */
    char *attrs;    /* JSON object text */
    int64_t created;
    int64_t updated;
};

/* Free the strings of a filled struct; NULL or empty is fine. */
void store_subscriber_release(struct store_subscriber *s);

/*
 * Look a subscriber up by id or by email_key and fill *out (release with
 * store_subscriber_release).  MERR_NOTFOUND, MERR_DB.
 */
int store_subscriber_get(struct store *st, int64_t id,
                         struct store_subscriber *out, struct merr *err);
int store_subscriber_find(struct store *st, const char *email_key,
                          struct store_subscriber *out, struct merr *err);

#endif
