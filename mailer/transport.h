/*
 * transport: the one interface the queue uses to hand over messages, the
 * same for the SMTP pool (smtp.c) and the Maildir outbox (outbox.c): submit
 * one message for one recipient with an opaque cookie, collect outcomes
 * later.  SMTP results are data (SEND_*), not errors.  No library here.
 *
 * How the caller keeps "a row is marked sending and committed before its
 * SMTP transaction starts": claim a batch of rows, mark them sending,
 * commit, then submit them one by one (submit blocks while every
 * connection is busy); collect outcomes as they come (wait_ms 0 between
 * submits) and commit them in batches; at the end collect with a wait
 * until transport_inflight() is 0.
 */
#ifndef TOCSIN_TRANSPORT_H
#define TOCSIN_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

enum send_status {
    SEND_OK = 0,        /* accepted (2xx), or written to the outbox */
    SEND_TEMPFAIL = 1,  /* 4xx, timeout, refused or lost connection */
    SEND_PERMFAIL = 2,  /* 5xx: do not try again */
    SEND_UNCERTAIN = 3, /* the connection was lost or timed out after the
                           whole message was handed over and before the
                           reply: it may have been delivered */
};

/* Reply text kept per outcome, with its NUL (longer replies are cut). */
#define TRANSPORT_REPLY_MAX 256

/* One message for one recipient.  Everything is borrowed for the call. */
struct transport_msg {
    const char *from; /* envelope sender (bounces+TOKEN@DOMAIN) */
    const char *rcpt; /* the one recipient, an addr-spec */
    const char *data; /* headers, blank line, body; CRLF line ends; not
                         dot-stuffed (the SMTP side does that) */
    size_t len;
    uint64_t cookie; /* the caller's (a delivery id): returned as is */
};

struct transport_outcome {
    uint64_t cookie;
    enum send_status status;
    int code;          /* SMTP reply code (250, 451, 550); 0 when there was
                          no reply (refused connection, timeout, outbox) */
    char enhanced[16]; /* RFC 3463 status from the reply ("5.1.1"), or "" */
    char reply[TRANSPORT_REPLY_MAX]; /* the server's last reply line,
                                        sanitised, or what went wrong in
                                        our words; outbox: the file name */
    unsigned relay;                  /* index of the relay that answered */
    unsigned tries; /* SMTP transactions it took (421/drop retries) */
};

/* Names for log lines and summaries: "ok", "tempfail", ... (static). */
const char *transport_status_str(enum send_status s);

/* What the command line may override; zero/NULL fields take the config. */
struct transport_opts {
    const char *smtp_url; /* --smtp URL: one relay instead of smtp.relays */
    const char *tls;      /* --tls required|opportunistic|none */
    unsigned connections; /* --connections N */
    double rate;          /* --rate N/s; 0 = the config's smtp.rate */
    const char *outbox;   /* outbox folder instead of the config's */
    bool force_outbox;    /* use the outbox even when relays are set */
};

struct transport;

/*
 * Open the transport the configuration asks for: the SMTP pool when
 * opts->smtp_url or smtp.relays is set, else the Maildir outbox (created
 * when missing).  sec may be NULL (no AUTH).  *out: caller frees with
 * transport_free().  MERR_CONFIG (bad URL, bad --tls, a CA file
 * (smtp.ca_file, TOCSIN_SMTP_CAFILE) missing, unreadable or without a
 * PEM certificate), MERR_IO (outbox).
 */
int transport_open(const struct config *cfg, const struct secrets *sec,
                   const struct transport_opts *opts, struct transport **out,
                   struct merr *err);

/*
 * Hand over one message; the bytes are copied.  Blocks while every
 * connection is busy and the small backlog is full (never for the
 * outbox).  MERR_INVALID for an empty recipient or sender, MERR_LIMIT
 * past TOCSIN_MAX_MESSAGE.  An SMTP problem is never an error here: it
 * comes back as an outcome.
 */
int transport_submit(struct transport *t, const struct transport_msg *msg,
                     struct merr *err);

/*
 * Move up to max finished outcomes into out; returns how many.  Waits up
 * to wait_ms for the first one when none is ready (0: do not wait).
 * Every submitted message yields exactly one outcome.  For the outbox,
 * SEND_OK means the file is on disk (file and folder fsynced).
 */
size_t transport_collect(struct transport *t, struct transport_outcome *out,
                         size_t max, int wait_ms);

/*
 * Hooks for a caller that keeps a journal of its own: started(arg,
 * cookie) when a message's transaction starts (SMTP: a connection takes
 * it from the backlog, again on each retry; outbox: just before its file
 * is written), done(arg, outcome) when its final outcome is known, before
 * transport_collect() can return it.  SMTP calls them from its sending
 * threads (done with the dispatcher's lock held): they must be quick,
 * thread-safe, and must not call the transport.  Lets the caller tell,
 * after a crash, messages that may have reached a relay from those that
 * waited in the backlog.
 */
struct transport_hooks {
    void (*started)(void *arg, uint64_t cookie);
    void (*done)(void *arg, const struct transport_outcome *o);
    void *arg;
};

/* Set (h copied) or clear (NULL) the hooks, while nothing is in flight. */
void transport_set_hooks(struct transport *t, const struct transport_hooks *h);

/* Messages submitted whose outcome has not been collected yet. */
size_t transport_inflight(const struct transport *t);

/* true for the SMTP pool, false for the outbox. */
bool transport_is_smtp(const struct transport *t);

/*
 * One line for the user: "outbox ./outbox" or
 * "smtp://127.0.0.1:2525 (4 connections, tls opportunistic)".  Borrowed;
 * valid until transport_free().  Never holds credentials.
 */
const char *transport_describe(const struct transport *t);

/*
 * Stop at once: messages still in flight are abandoned (their rows stay
 * "sending" and become "uncertain" on the next start).  Drain with
 * transport_collect() first for a clean stop.  NULL is fine.
 */
void transport_free(struct transport *t);

#endif
