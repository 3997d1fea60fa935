/*
 * journal: the send journal, an append-only file next to the database
 * that says, per delivery, "handed to the transport" and "this came
 * back", copied into a shared mapping of the file, no fsync.  It
 * survives a crash of the process (the kernel has the bytes), not of the
 * machine: it records the boot it was written in and is trusted only
 * in that same boot.  With it, a restart after kill -9 knows which rows
 * left "sending" were never handed over (queued again), which came back
 * (recorded), and only the rest (at most one per connection) are
 * uncertain.  No database here: the caller applies what it reads.
 */
#ifndef TOCSIN_JOURNAL_H
#define TOCSIN_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "transport.h"

/* Calls on one journal must not overlap: the caller serialises them. */
struct journal;

/* One outcome as journaled. */
struct journal_outcome {
    int64_t subscriber_id;
    int state; /* enum queue_state */
    int code;
    int64_t next_try;
    bool suppress;
    unsigned relay;
    char reply[TRANSPORT_REPLY_MAX];
};

/*
 * Start a fresh journal at path (replacing any), mode 0600.  *out: caller
 * frees with journal_close().  MERR_IO.
 */
int journal_open(const char *path, struct journal **out, struct merr *err);

/* "handed": written before the message goes to the transport.  MERR_IO. */
int journal_handed(struct journal *j, int64_t subscriber_id, struct merr *err);

/* An outcome, written before it is queued for the database.  MERR_IO. */
int journal_outcome(struct journal *j, const struct journal_outcome *o,
                    struct merr *err);

/*
 * After a commit: the journal restarts holding only what the database
 * does not know yet: the deliveries still in flight (handed, no outcome)
 * and the outcomes not committed, appended as one block that replaces
 * what is before it (once the file is past 4 MiB, written to a new file
 * renamed over the old one instead).  MERR_IO, MERR_LIMIT.
 */
int journal_rotate(struct journal *j, const int64_t *inflight, size_t n,
                   const struct journal_outcome *const *outcomes, size_t nout,
                   struct merr *err);

/* Close; with remove, delete the file (a clean end).  NULL is fine. */
void journal_close(struct journal *j, bool remove);

/* What a journal left by a dead run says. */
struct journal_replay {
    bool trusted;    /* written in this boot: it can be believed */
    int64_t *handed; /* handed and no outcome after */
    size_t nhanded;
    struct journal_outcome *outcomes; /* the last outcome per delivery */
    size_t noutcomes;
};

/*
 * Read the journal at path.  A missing file or one from another boot
 * gives trusted false (then every row left "sending" is uncertain).  A
 * cut last line is ignored.  Release with journal_replay_release().
 * MERR_IO, MERR_PARSE (not a journal).
 */
int journal_read(const char *path, struct journal_replay *out,
                 struct merr *err);

void journal_replay_release(struct journal_replay *r);

#endif
