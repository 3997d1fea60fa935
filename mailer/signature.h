/*
 * signature: the body of a signature webhook (JSON, read with jansson),
 * checked field by field and turned into a plain struct (addresses are
 * checked and keyed by address.c, as an import does).  No I/O here: the server
 * hands it bytes.
 */
#ifndef TOCSIN_SIGNATURE_H
#define TOCSIN_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "err.h"

/* Caps on the fields of one signature (bytes). */
#define SIGNATURE_MAX_APPEAL 128
#define SIGNATURE_MAX_NAME   200
#define SIGNATURE_MAX_LANG   63
#define SIGNATURE_MAX_TOKEN  64

/*
 * One "signature.created" event.  Strings are NUL-terminated copies
 * (owned by the struct, fixed size: nothing to free).
 */
struct signature_event {
    char appeal[SIGNATURE_MAX_APPEAL + 1]; /* data.appeal, the appeal id */
    char token[SIGNATURE_MAX_TOKEN + 1];   /* data.token, "" when absent */
    /* data.email in the forms of address.h, "" when absent */
    char email[ADDRESS_MAX + 1];                 /* as sent (ASCII domain) */
    char email_key[ADDRESS_MAX + 1];             /* mailbox identity */
    char email_display[ADDRESS_DISPLAY_MAX + 1]; /* Unicode domain */
    char name[SIGNATURE_MAX_NAME + 1];           /* data.name, trimmed */
    char country[3];                             /* ISO 3166 alpha-2 or "" */
    char language[SIGNATURE_MAX_LANG + 1];       /* BCP 47, normalised, or "" */
    int64_t timestamp;                           /* the event's "timestamp" */
    int64_t signed_at;                           /* data.signed_at */
    bool consent;                                /* data.consent_to_contact */
};

/*
 * Parse and check a webhook body:
 *   {"type": "signature.created", "timestamp": RFC3339,
 *    "data": {"appeal": ID, "token": null|STRING, "email": STRING,
 *             "name": STRING, "country": ISO 3166 alpha-2 (optional),
 *             "language": BCP 47 (optional), "signed_at": RFC3339,
 *             "consent_to_contact": BOOL}}
 * email may be left out only when a token is given.  Unknown members are
 * ignored.  *ev is filled on success.  MERR_PARSE (not JSON, err says
 * where), MERR_INVALID (a field is missing or wrong, err names it).
 */
int signature_parse(const char *body, size_t len, struct signature_event *ev,
                    struct merr *err);

/* true if s is an assigned ISO 3166-1 alpha-2 code (either case). */
bool signature_country_valid(const char *s);

#endif
