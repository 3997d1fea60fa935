/*
 * store_audience: what check and preview need to know of an appeal's
 * audience (the sqlite3 adapter's part for it): do its lists exist, are
 * they trusted, whom they reach, by language.  "Reachable" means an
 * active subscriber whose address is not suppressed; a subscriber on
 * several of the lists counts once.  Read-only.
 */
#ifndef TOCSIN_STORE_AUDIENCE_H
#define TOCSIN_STORE_AUDIENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

struct store_list_info {
    bool exists;
    bool trusted;
    int64_t members;   /* every member, whatever their status */
    int64_t reachable; /* active and not suppressed */
};

/* Fill *out for list NAME (exists false when there is none).  MERR_DB. */
int store_audience_list(struct store *st, const char *name,
                        struct store_list_info *out, struct merr *err);

struct store_lang_count {
    char *language; /* as stored (BCP 47), "" when unknown */
    int64_t count;
};

/*
 * Reachable subscribers on any of lists[0..nlists), counted by language,
 * most numerous first.  *out: caller frees with
 * store_lang_counts_free(*out, *n).  MERR_DB.
 */
int store_audience_languages(struct store *st, char *const *lists,
                             size_t nlists, struct store_lang_count **out,
                             size_t *n, struct merr *err);
void store_lang_counts_free(struct store_lang_count *c, size_t n);

/* Reachable subscribers on the lists whose consent is recorded as no.
 * MERR_DB. */
int store_audience_no_consent(struct store *st, char *const *lists,
                              size_t nlists, int64_t *out, struct merr *err);

/* Whether subscriber id is on one of the lists (*member) and reachable
 * (active, not suppressed).  MERR_DB. */
int store_audience_member(struct store *st, int64_t id, char *const *lists,
                          size_t nlists, bool *member, bool *reachable,
                          struct merr *err);

/* The seq the next appeal registered will get.  MERR_DB. */
int store_audience_next_seq(struct store *st, int64_t *out, struct merr *err);

#endif
