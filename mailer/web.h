/*
 * web: what tocsin serve answers (the application behind server.c):
 * routes, the signature webhook, sign and unsubscribe links, /healthz and
 * /metrics.  It reads through a pool of read-only connections and writes
 * only through the group-commit writer.
 */
#ifndef TOCSIN_WEB_H
#define TOCSIN_WEB_H

#include <stdbool.h>

#include "err.h"
#include "server.h"
#include "token.h"

/* Body caps per route. */
#define WEB_MAX_FORM_BODY (4 * 1024)

struct web_options {
    const char *database;       /* path; migrated already */
    const char *webhook_secret; /* "whsec_..." (may be NULL: 503) */
    const struct token_keys *keys;
    const char *org_name;
    unsigned readers; /* read connections in the pool */
};

struct web;

/*
 * Open the read pool and start the writer.  Borrowed: everything in opt
 * must outlive the web.  *out: caller frees with web_free().  MERR_DB,
 * MERR_CONFIG (the webhook secret is not base64).
 */
int web_new(const struct web_options *opt, struct web **out, struct merr *err);

/* The server_app that serves w. */
struct server_app web_app(struct web *w);

/*
 * Stop the writer after it has finished what is queued (every waiting
 * request is then resumed), then close the pool.  Call after the server
 * has stopped accepting, before server_stop().  NULL is fine.
 */
void web_stop_writer(struct web *w);

/* Free w (after server_stop).  NULL is fine. */
void web_free(struct web *w);

/*
 * The client address for a log line with its host part cut (IPv4 /24,
 * IPv6 /48): enough to see an abusive network, not to identify a
 * supporter.  out needs 46 bytes.
 */
void web_anonymise(const char *addr, char *out, size_t size);

#endif
