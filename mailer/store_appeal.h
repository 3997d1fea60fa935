/*
 * store_appeal: the appeals table.  An appeal is registered when it is
 * first sent; its seq is the number carried in tokens.
 */
#ifndef TOCSIN_STORE_APPEAL_H
#define TOCSIN_STORE_APPEAL_H

#include <stdint.h>

#include "err.h"
#include "store.h"

struct store_appeal {
    int64_t seq;
    char *id;           /* the slug of the appeal file */
    char *content_hash; /* hash of the appeal as registered */
    char *title;        /* petition title in the default language */
    char *doc;          /* the appeal file as registered (JSON text) */
    char *visibility;   /* "public" or "restricted" */
    int64_t not_before; /* 0 when not set */
    int64_t not_after;  /* 0 when not set */
    char *status;       /* registered, sending, done */
    int64_t created;
    int64_t updated;
};

/* Free the strings of a filled struct; NULL or empty is fine. */
void store_appeal_release(struct store_appeal *a);

/*
 * Look an appeal up by its slug or its seq and fill *out (release with
 * store_appeal_release).  MERR_NOTFOUND, MERR_DB.
 */
int store_appeal_get(struct store *st, const char *id, struct store_appeal *out,
                     struct merr *err);
int store_appeal_get_seq(struct store *st, int64_t seq,
                         struct store_appeal *out, struct merr *err);

/*
 * Insert a new appeal (a->id, content_hash, title, doc, visibility,
 * not_before, not_after; status "registered") and set a->seq.
 * MERR_EXISTS if the id is taken, MERR_DB.
 */
int store_appeal_insert(struct store *st, struct store_appeal *a,
                        struct merr *err);

/*
 * Replace the registered content (content_hash, title, doc, visibility,
 * not_before, not_after) of appeal a->seq.  MERR_NOTFOUND, MERR_DB.
 */
int store_appeal_update(struct store *st, const struct store_appeal *a,
                        struct merr *err);

/* Set the status of appeal seq.  MERR_NOTFOUND, MERR_DB. */
int store_appeal_set_status(struct store *st, int64_t seq, const char *status,
                            struct merr *err);

#endif
