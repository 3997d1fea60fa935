/*
 * writer: the one thread that writes the database while tocsin serve runs
 * (group commit).  Request threads queue jobs; the writer takes everything
 * queued, runs it in ONE transaction (WAL, synchronous=FULL), commits, and
 * only then reports each job done.  A reply that says "recorded" is built
 * after that report, so it is never sent before its row is on disk.
 */
#ifndef TOCSIN_WRITER_H
#define TOCSIN_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "store.h"
#include "store_sig.h"

enum writer_kind {
    WRITER_PING = 0,    /* nothing: proves the database takes a commit */
    WRITER_WEBHOOK,     /* store_sig_webhook(in.webhook) */
    WRITER_LINK,        /* store_sig_link(in.seq, in.subscriber) */
    WRITER_UNSUBSCRIBE, /* store_sig_unsubscribe(in.subscriber, ...) */
};

/*
 * One job.  The submitter owns it (and everything its pointers reach)
 * until done() is called; done runs on the writer thread and must be
 * short (it wakes the request up).
 */
struct writer_job {
    enum writer_kind kind;
    struct store_sig_webhook webhook; /* WRITER_WEBHOOK */
    int64_t seq;                      /* WRITER_LINK */
    int64_t subscriber;               /* WRITER_LINK, WRITER_UNSUBSCRIBE */
    const char *email_key;            /* WRITER_UNSUBSCRIBE */
    const char *hash;                 /* WRITER_UNSUBSCRIBE */
    const char *detail;               /* WRITER_UNSUBSCRIBE */

    /* results, valid in done() */
    int rc;                       /* 0, or MERR_DB: nothing was written */
    enum store_sig_result result; /* when rc == 0 */
    int64_t result_seq;           /* WRITER_WEBHOOK: the appeal's seq */

    void (*done)(struct writer_job *job, void *arg);
    void *arg;
    struct writer_job *next; /* the queue's link (the writer's) */
};

struct writer;

/*
 * Start the writer thread on its own connection to the database at path
 * (opened here, migrated already by the caller).  *out: caller frees it
 * with writer_free().  MERR_DB, MERR_IO.
 */
int writer_start(const char *path, struct writer **out, struct merr *err);

/*
 * Queue a job (any thread).  After writer_stop() has begun, the job is
 * done at once with rc MERR_TEMPFAIL.
 */
void writer_submit(struct writer *w, struct writer_job *job);

/*
 * Finish every queued job and stop the thread; later submissions are
 * refused (done at once, MERR_TEMPFAIL).  w stays valid.  Once only.
 */
void writer_stop(struct writer *w);

/* Stop (if not done yet), close the connection and free w.  NULL is
 * fine. */
void writer_free(struct writer *w);

#endif
