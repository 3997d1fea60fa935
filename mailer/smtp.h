/*
 * smtp: a pool of SMTP connections over libcurl's multi interface, the
 * only file that includes curl.h.  Several sending threads, each with its
 * own multi handle and a few easy handles ("slots"), each slot reused for
 * many messages so curl keeps its connection alive; one recipient per
 * transaction.  Several relays with shares, skipped while they recover;
 * pacing overall, per relay and per destination domain (pace.c).  The
 * queue normally uses it through transport.h.
 */
#ifndef TOCSIN_SMTP_H
#define TOCSIN_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "transport.h"

enum smtp_tls {
    SMTP_TLS_AUTO = 0,      /* required, opportunistic on a loopback host */
    SMTP_TLS_REQUIRED,      /* STARTTLS (or smtps://) or no mail */
    SMTP_TLS_OPPORTUNISTIC, /* STARTTLS when offered */
    SMTP_TLS_NONE,          /* never */
};

struct smtp_relay_conf {
    const char *url; /* smtp://host[:port] (STARTTLS) or smtps://host[:port] */
    unsigned share;  /* relative share of the messages, >= 1 */
    double rate;     /* messages per second, 0 = unlimited */
};

struct smtp_opts {
    const struct smtp_relay_conf *relays; /* at least one */
    size_t nrelays;
    enum smtp_tls tls;
    unsigned connections; /* total, shared by the threads; 0 = 4 */
    unsigned threads;     /* sending threads; 0 = automatic */
    double rate;          /* overall messages per second, 0 = unlimited */
    const struct config_domain_rate *domain_rates;
    size_t ndomain_rates;
    unsigned timeout;         /* seconds to wait for any reply, notably the
                                 one to the final dot; 0 = 600 */
    unsigned connect_timeout; /* seconds; 0 = 30 */
    const char *helo;         /* EHLO name; NULL or "" = libcurl's */
    const char *user;         /* AUTH, from secrets; NULL = none */
    const char *password;
    const char *ca_file; /* PEM CAs to check the relays' certificates
                            against instead of the system's; NULL or "" =
                            the system's.  Checked by the caller */
    unsigned max_tries;  /* transactions per message on 421 or a dropped
                            connection before SEND_TEMPFAIL; 0 = 3 */
};

/* Parse "required" etc.  MERR_CONFIG for anything else. */
int smtp_tls_parse(const char *s, enum smtp_tls *out, struct merr *err);

/* "required", "opportunistic", "none", "auto" (static). */
const char *smtp_tls_str(enum smtp_tls t);

struct smtp_pool;

/*
 * Check the relays, initialise libcurl (once per process, here, before
 * any thread starts) and start the sending threads.  Nothing connects
 * until the first message.  *out: caller frees with smtp_pool_free().
 * MERR_CONFIG (not a URL, not smtp:// or smtps://, credentials in the
 * URL, tls "none" with smtps://), MERR_NET (libcurl could not start).
 * Relay problems met later (refused, TLS or AUTH failing) are outcomes.
 */
int smtp_pool_new(const struct smtp_opts *opts, struct smtp_pool **out,
                  struct merr *err);

/* As transport_submit(): copies the message; blocks while full. */
int smtp_pool_submit(struct smtp_pool *p, const struct transport_msg *msg,
                     struct merr *err);

/* As transport_collect(). */
size_t smtp_pool_collect(struct smtp_pool *p, struct transport_outcome *out,
                         size_t max, int wait_ms);

/* Submitted and not yet collected. */
size_t smtp_pool_inflight(struct smtp_pool *p);

/* As transport_set_hooks(). */
void smtp_pool_set_hooks(struct smtp_pool *p, const struct transport_hooks *h);

/*
 * "smtp://127.0.0.1:2525 (4 connections, tls opportunistic)", or the first
 * relay and "+N more".  Borrowed; valid until smtp_pool_free().
 */
const char *smtp_pool_describe(const struct smtp_pool *p);

#ifdef UNITTESTS
/* Seams for test_smtp (static in the program). */
struct smtp_relay {
    char *url;     /* what curl gets: with the EHLO name as its path */
    char *shown;   /* scheme://host:port, for people */
    long use_ssl;  /* CURLOPT_USE_SSL value */
    bool loopback; /* 127.0.0.0/8, ::1, localhost */
};
struct dispatch_result;
int smtp_relay_parse(const char *url, const char *helo, enum smtp_tls tls,
                     struct smtp_relay *out, struct merr *err);
void smtp_classify(int res, long code, bool eof, bool fresh, const char *last,
                   const char *errbuf, struct dispatch_result *out, char *text,
                   size_t size);
#endif

/*
 * Stop the threads; transfers in flight are dropped and their outcomes
 * lost (see transport_free()).  NULL is fine.
 */
void smtp_pool_free(struct smtp_pool *p);

#endif
