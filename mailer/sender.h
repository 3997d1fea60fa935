/*
 * sender: the engine of tocsin send.  It renders and builds each
 * delivery's message (render + mime, personal links and tokens), claims
 * rows in the store and hands messages to a transport, and records what
 * came back, keeping the queue's rule: a row is committed as "sending"
 * before its message is handed over, so that after a crash only the rows
 * in flight (at most the window) are uncertain.  Also the dry run (build
 * everything, send nothing) and test messages.  The command (cmd_send.c)
 * does options, safety gates and printing.
 */
#ifndef TOCSIN_SENDER_H
#define TOCSIN_SENDER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "appeal.h"
#include "buf.h"
#include "config.h"
#include "err.h"
#include "store.h"
#include "store_queue.h"
#include "token.h"
#include "transport.h"

struct sender;

/*
 * Compile the appeal's templates and build the fixed parts of each
 * language's message; one sample message per language is built and
 * checked (mime_check).  seq is the appeal's number in tokens (0 before it
 * is registered).  Everything given is borrowed and must outlive the
 * sender.  *out: caller frees with sender_free().  MERR_NOINPUT,
 * MERR_PARSE, MERR_INVALID (templates, sender addresses).
 */
int sender_new(const struct appeal *a, const struct config *cfg,
               const struct token_keys *keys, int64_t seq, struct sender **out,
               struct merr *err);

void sender_free(struct sender *s);

/* One recipient for sender_preview (all borrowed). */
struct sender_recipient {
    int64_t subscriber_id; /* 0: nobody in particular */
    const char *email;     /* the address as sent */
    const char *email_display;
    const char *name;     /* may be "" */
    const char *language; /* the subscriber's tag, may be "" */
    const char *attrs;    /* JSON object text, or NULL */
};

/*
 * The message r would get, as it goes on the wire (CRLF), after a
 * "Return-Path: <envelope sender>" line, replacing the contents of out
 * (tocsin preview --raw).  MERR_INVALID, MERR_LIMIT.
 */
int sender_preview(struct sender *s, const struct sender_recipient *r,
                   struct buf *out, struct merr *err);

/* Counts of one run (not of the whole appeal). */
struct sender_stats {
    uint64_t todo;      /* rows this run set out to send, when known */
    uint64_t submitted; /* handed to the transport */
    uint64_t sent;
    uint64_t deferred;
    uint64_t failed;
    uint64_t uncertain;
    uint64_t suppressed; /* failed with 5.1.1-5.1.3 */
    uint64_t bytes;      /* message bytes built */
    double started;      /* util_clock() at the start */
};

struct journal;

struct sender_run_opts {
    struct store *st;
    struct transport *tr;
    unsigned window;      /* messages with the transport at most (the
                             connections): after a crash at most this
                             many are uncertain */
    unsigned backlog;     /* more may wait in the transport for a free
                             connection (not uncertain after a crash:
                             the journal marks a message when its
                             transaction starts) */
    unsigned batch;       /* rows read from the store at a time */
    unsigned retry_hours; /* deferred rows fail after this */
    /* for deliveries.relay, by the outcome's relay index: URLs, or
     * {"outbox"} */
    const char *const *relays;
    size_t nrelays;
    int64_t not_after; /* stop claiming at this time; 0 = never */
    /* the send journal (journal.h), or NULL */
    struct journal *journal;
    /* set (by a signal handler) to stop claiming new rows */
    volatile sig_atomic_t *stop;
    /* called after each step; may print progress (rate-limit inside) */
    void (*progress)(void *arg, const struct sender_stats *st);
    void *progress_arg;
};

/*
 * Send the appeal's queued rows (deferred false) or its deferred rows due
 * now (deferred true), in subscriber order, until none is left, *stop is
 * set or not_after comes; every message handed over has its outcome
 * recorded before the return, and rows claimed but not handed over are
 * given back.  Rows are claimed in batches of a few per connection.  Adds to
 * *stats.  MERR_DB, MERR_INVALID (a message could not be built; err names the
 * subscriber; rows not yet claimed stay queued).
 */
int sender_run(struct sender *s, const struct sender_run_opts *o, bool deferred,
               struct sender_stats *stats, struct merr *err);

/* What recovery found. */
struct sender_recovery {
    uint64_t uncertain; /* handed over and no outcome: maybe delivered */
    uint64_t requeued;  /* claimed but never handed over: queued again */
    uint64_t replayed;  /* outcomes read back from the journal */
};

/*
 * Before a run: deliveries of appeal seq left "sending" by a run that
 * died.  With its journal (written in this boot), those it says came
 * back get that outcome, those it says were handed over become
 * uncertain, the others are queued again; without one, all are
 * uncertain.  One transaction.  The caller removes the journal after.
 * MERR_DB, MERR_IO, MERR_PARSE.
 */
int sender_recover(struct store *st, const struct token_keys *keys, int64_t seq,
                   const char *journal_path, struct sender_recovery *res,
                   struct merr *err);

/* One language's share in a dry run. */
struct sender_lang_count {
    const char *lang; /* borrowed from the appeal */
    uint64_t n;
    uint64_t fallback; /* of them, subscribers whose own language the
                          appeal lacks */
};

/*
 * Dry run: build every message of the audience (streamed from the store)
 * and count them by language (counts[i] for the appeal's languages[i],
 * ncounts = a->nlanguages) and bytes; send and write nothing.  MERR_DB,
 * MERR_INVALID.
 */
int sender_dry_run(struct sender *s, struct store *st,
                   const struct store_audience *aud, unsigned batch,
                   struct sender_lang_count *counts, struct sender_stats *stats,
                   struct merr *err);

/*
 * Test messages: one per language of the appeal to addr, "[TEST] " before
 * the subject, through tr; records nothing.  outcomes[i] gets language
 * i's outcome (a->nlanguages of them).  MERR_INVALID (addr).
 */
int sender_test(struct sender *s, struct transport *tr, const char *addr,
                struct transport_outcome *outcomes, struct merr *err);

#endif
