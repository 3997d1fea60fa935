/*
 * store_subs: subscribers, lists, list members and suppressions (the
 * sqlite3 adapter's part for them).  Import, export and the privacy
 * commands are built on these.
 */
#ifndef TOCSIN_STORE_SUBS_H
#define TOCSIN_STORE_SUBS_H

#include <stdbool.h>
#include <stddef.h>
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

/*
 * Lists.  store_list_ensure gives the id of list name, creating it.
 * store_list_find: MERR_NOTFOUND when there is no such list.
 * store_list_set_trusted: MERR_NOTFOUND.  All: MERR_DB.
 */
int store_list_ensure(struct store *st, const char *name, int64_t *id,
                      struct merr *err);
int store_list_find(struct store *st, const char *name, int64_t *id,
                    struct merr *err);
int store_list_set_trusted(struct store *st, const char *name, bool trusted,
                           struct merr *err);

/* One imported row.  Strings are borrowed for the call. */
struct store_import_row {
    const char *email;         /* as sent */
    const char *email_key;     /* identity */
    const char *email_display; /* for people */
    const char *name;          /* NULL: keep what is held */
    const char *language;      /* NULL: keep */
    const char *country;       /* NULL: keep */
    int consent;               /* 1, 0, or -1: keep */
    const char *attrs;         /* JSON object merged into what is held
                                  (RFC 7396), or NULL */
    const char *hash;          /* token_person_hash(email_key) */
};

enum store_upsert {
    STORE_ADDED,      /* new subscriber, or new in this list */
    STORE_UPDATED,    /* in the list already, fields changed */
    STORE_UNCHANGED,  /* in the list already, nothing changed */
    STORE_SUPPRESSED, /* suppressed or not active: left untouched */
};

/*
 * Insert or update one subscriber and make it a member of list_id, unless
 * the address is suppressed (by hash) or the subscriber is not active, in
 * which case nothing changes.  Call inside a transaction (one per import:
 * prepared statements are cached).  MERR_DB.
 */
int store_subscriber_upsert(struct store *st, int64_t list_id,
                            const struct store_import_row *row, int64_t now,
                            enum store_upsert *result, struct merr *err);

/* One list, for store_lists_each (borrowed for the call). */
struct store_list_summary {
    int64_t id;
    const char *name;
    bool trusted;
    int64_t created;
    int64_t members;
};

/*
 * Call fn for each list, by name.  fn returns 0 to go on, or an error
 * that stops the walk and is returned.  MERR_DB.
 */
int store_lists_each(struct store *st,
                     int (*fn)(void *arg, const struct store_list_summary *l),
                     void *arg, struct merr *err);

/*
 * Members of list_id counted by what ("status" or "language"), largest
 * first: fn(arg, value, count) per group.  MERR_DB.
 */
int store_list_counts(struct store *st, int64_t list_id, const char *what,
                      int (*fn)(void *arg, const char *value, int64_t count),
                      void *arg, struct merr *err);

/*
 * The attribute names used by list_id's members, in order of first use.
 * *keys: caller frees each and the array with free().  MERR_DB.
 */
int store_list_attr_keys(struct store *st, int64_t list_id, char ***keys,
                         size_t *n, struct merr *err);

/*
 * Call fn for each member of list_id, in the order they were first
 * added (the struct is borrowed for the call).  fn's error stops the walk
 * and is returned.  MERR_DB.
 */
int store_list_members_each(struct store *st, int64_t list_id,
                            int (*fn)(void *arg,
                                      const struct store_subscriber *s),
                            void *arg, struct merr *err);

/*
 * Suppress an address: record (hash, email_key, reason, detail) unless
 * the hash is there already (*added false then), and mark the subscriber
 * "suppressed" if it is active.  email_key may be NULL.  MERR_DB.
 */
int store_suppress(struct store *st, const char *hash, const char *email_key,
                   const char *reason, const char *detail, bool *added,
                   struct merr *err);

/* What forget erased, row counts per table. */
struct store_forget_counts {
    int64_t subscribers;
    int64_t memberships;
    int64_t deliveries;
    int64_t signatures;
    int64_t bounces;
};

/*
 * Erase a person everywhere (subscriber, memberships, deliveries,
 * signatures whose person_key is email_key, bounces for the address) and
 * keep only hash in the suppressions (email_key and detail cleared), in
 * one transaction.  MERR_DB.
 */
int store_forget(struct store *st, const char *email_key, const char *hash,
                 struct store_forget_counts *out, struct merr *err);

#endif
