/*
 * web_int: what web.c and web_links.c share and nobody else sees: the
 * struct web layout, the read pool, and page replies.
 */
#ifndef TOCSIN_WEB_INT_H
#define TOCSIN_WEB_INT_H

#include <pthread.h>

#include "pages.h"
#include "server.h"
#include "store.h"
#include "token.h"
#include "web.h"
#include "writer.h"

struct cached_appeal;

struct web {
    struct web_options opt;
    struct writer *writer;
    pthread_mutex_t pool_mu;
    pthread_cond_t pool_cv;
    struct store **readers; /* all of them, owned */
    size_t nreaders;
    struct store **idle; /* the ones not lent out */
    size_t nidle;
    pthread_mutex_t appeal_mu;          /* guards the parsed-appeal cache */
    struct cached_appeal *appeals;      /* web_links.c's cache */
    struct server_canned *stored;       /* 200 {"status":"stored"} */
    struct server_canned *duplicate;    /* 200 {"status":"duplicate"} */
    struct token_webhook_key *hook_key; /* NULL without a webhook secret */
};

/*
 * Borrow a read-only connection (waits for one when all are lent out);
 * give it back with web_reader_put.
 */
struct store *web_reader_get(struct web *w);
void web_reader_put(struct web *w, struct store *st);

/* Reply with a rendered page (HTML). */
void web_page(struct server_exchange *x, int status, enum pages_kind kind,
              const struct pages_view *v);

/* The sign (/s/TOKEN) and unsubscribe (/u/TOKEN) routes, per phase. */
void web_sign(struct web *w, struct server_exchange *x,
              enum server_phase phase);
void web_unsubscribe(struct web *w, struct server_exchange *x,
                     enum server_phase phase);

/* Free web_links.c's cache. */
void web_links_release(struct web *w);

#endif
