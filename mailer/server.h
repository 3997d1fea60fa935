/*
 * server: the HTTP adapter (libmicrohttpd; the only file that includes
 * microhttpd.h).  It owns sockets, threads, limits, bodies and response
 * headers; what to answer is the application's business (web.c), which
 * sees only struct server_exchange.
 */
#ifndef TOCSIN_SERVER_H
#define TOCSIN_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct server;
struct server_exchange; /* one request and its response */

struct server_options {
    const char *listen; /* "ADDR:PORT", "[IPv6]:PORT"; port 0 = any */
    unsigned threads;   /* polling threads; 0 = one per CPU */
    unsigned max_connections;
    unsigned max_per_client; /* per client address; 0 = no limit */
    unsigned timeout;        /* seconds a client may stay silent */
    bool trust_proxy;        /* client address from X-Forwarded-For */
};

/* When the application's handle() is called for an exchange. */
enum server_phase {
    SERVER_HEADERS,  /* request line and headers are in, no body yet */
    SERVER_OVERFLOW, /* the body is over the cap: reply now (413) */
    SERVER_BODY,     /* the whole body is in */
    SERVER_RESUMED,  /* after server_defer(): the deferred work is done */
};

struct server_app {
    /*
     * Called in each phase on a polling thread.  It replies
     * (server_reply), or defers (SERVER_BODY only), or in SERVER_HEADERS
     * does nothing to have the body read (capped by server_set_max_body,
     * default 0).  In SERVER_BODY and SERVER_RESUMED it must reply or
     * defer; SERVER_OVERFLOW must reply.
     */
    void (*handle)(void *app, struct server_exchange *x,
                   enum server_phase phase);
    /* Called once per exchange when it is over (sent, or the client went
     * away), just before it is freed: logging and metrics. */
    void (*finished)(void *app, struct server_exchange *x);
    void *app;
};

/*
 * Listen and start the polling threads.  Prints nothing.  *out: caller
 * stops it with server_stop().  MERR_CONFIG (bad address), MERR_NET
 * (cannot listen).
 */
int server_start(const struct server_options *opt, const struct server_app *app,
                 struct server **out, struct merr *err);

/* The port it listens on (useful with port 0). */
unsigned server_port(const struct server *s);

/* The address it listens on, "ADDR:PORT" (borrowed, static in s). */
const char *server_address(const struct server *s);

/* Stop accepting new connections; requests in flight continue. */
void server_quiesce(struct server *s);

/* Wait until no request is in flight or ms have passed: true if idle. */
bool server_wait_idle(struct server *s, unsigned ms);

/* Stop the threads, close every connection, free s.  NULL is fine.  No
 * exchange may be deferred when it is called. */
void server_stop(struct server *s);

/* The request, borrowed for the exchange's life. */
const char *server_method(const struct server_exchange *x);
const char *server_path(const struct server_exchange *x);
const char *server_header(const struct server_exchange *x, const char *name);
const char *server_body(const struct server_exchange *x, size_t *len);
/* The client's address (X-Forwarded-For's last hop with trust_proxy). */
const char *server_client(const struct server_exchange *x);
/* Seconds since the request arrived. */
double server_elapsed(const struct server_exchange *x);

/* Cap the body of this request (bytes), in SERVER_HEADERS. */
void server_set_max_body(struct server_exchange *x, size_t max);

/*
 * The application's own state for this exchange: freed with free_fn (may
 * be NULL) when the exchange ends.  Borrowed by server_state().
 */
void server_set_state(struct server_exchange *x, void *state,
                      void (*free_fn)(void *));
void *server_state(const struct server_exchange *x);

/* A small integer label the application sets (its route) for finished. */
void server_set_label(struct server_exchange *x, int label);
int server_label(const struct server_exchange *x);

/* An extra response header (name and value are static strings or live as
 * long as the exchange); at most 4. */
void server_add_header(struct server_exchange *x, const char *name,
                       const char *value);

/*
 * Reply: status, content type, body copied.  Security headers are added
 * to every response (CSP, nosniff, no-referrer, no-store).  Once only.
 */
void server_reply(struct server_exchange *x, int status, const char *ctype,
                  const char *body, size_t len);

/*
 * A response built once and sent many times (no allocation per reply):
 * body is static.  Free it after server_stop().  Security headers as
 * server_reply.
 */
struct server_canned;
struct server_canned *server_canned_new(int status, const char *ctype,
                                        const char *body);
void server_canned_free(struct server_canned *c);
void server_reply_canned(struct server_exchange *x,
                         const struct server_canned *c);

/* The status replied, or 0 before any. */
int server_status(const struct server_exchange *x);

/*
 * Defer the reply (in SERVER_BODY): the connection waits without holding
 * a thread; someone calls server_resume(x) from any thread when the work
 * is done, and handle() runs again with SERVER_RESUMED.
 */
void server_defer(struct server_exchange *x);
void server_resume(struct server_exchange *x);

#endif
