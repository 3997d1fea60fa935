/*
 * store_person: everything the database holds on one person, as JSON,
 * for subject access requests (tocsin person).  Erasure is
 * store_forget() in store_subs.h.
 */
#ifndef TOCSIN_STORE_PERSON_H
#define TOCSIN_STORE_PERSON_H

#include <jansson.h>

#include "err.h"
#include "store.h"

/*
 * Build {"email", "subscriber", "lists", "deliveries", "signatures",
 * "bounces", "suppression"} for email_key (hash: its person hash, for the
 * suppression of a forgotten address).  Absent parts are null or [].
 * Times are RFC 3339.  *out: caller frees with json_decref().  MERR_DB.
 */
int store_person_json(struct store *st, const char *email_key, const char *hash,
                      json_t **out, struct merr *err);

#endif
