/*
 * sender_loop: sender_run and sender_recover, the loop that claims rows,
 * hands messages to the transport and records what comes back, and the
 * recovery of a run that died.  The store through store_queue, the
 * network through transport, the journal through journal.
 */
#include "sender.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "log.h"
#include "queue.h"
#include "sender_int.h"
#include "store_subs.h"
#include "util.h"

/*
 * The loop keeps a few claimed and built messages ready per connection,
 * so that a connection that finishes gets its next message at once: the
 * claims are committed in batches (one fsync for many rows), and what
 * matters per message (handed over, what came back) goes to the journal
 * in microseconds.  At most window messages are with the transport.
 */
enum slot_state {
    SLOT_FREE = 0,
    SLOT_PICKED,   /* built, claim not committed yet */
    SLOT_READY,    /* claimed (committed "sending"), not handed over */
    SLOT_INFLIGHT, /* handed to the transport (started: with a relay) */
};

struct slot {
    enum slot_state st;        /* changed under the loop's jmu once submitted */
    bool started;              /* its transaction began (jmu) */
    bool journaled;            /* its outcome is in the journal (jmu) */
    struct journal_outcome jo; /* that outcome (jmu) */
    uint32_t gen;
    int64_t sub;
    unsigned attempts; /* with this one */
    int64_t first_try;
    char *email; /* owned */
    char *email_key;
    struct sender_msg b;
};

/* An outcome waiting for its commit, with its own copies. */
struct pending {
    struct store_queue_outcome o;
    struct journal_outcome jo;
    char reply[TRANSPORT_REPLY_MAX];
    char hash[TOKEN_HASH_HEX];
    char *email_key; /* owned */
};

struct loop {
    struct sender *s;
    const struct sender_run_opts *o;
    struct sender_stats *stats;
    struct slot *slots;
    size_t nslots;
    unsigned window; /* with the transport at most */
    size_t *readyq;  /* ready slots, in claim order (ring) */
    size_t rq_head;
    size_t nready;
    size_t nfree;
    size_t ninflight;
    struct pending *pend; /* nslots: outcomes for the next commit */
    size_t npend;
    struct pending *cpend; /* nslots: outcomes in the running commit */
    size_t ncpend;
    struct transport_outcome *outs;
    size_t *picked; /* slots picked, to claim */
    size_t npicked;
    size_t *claiming; /* slots claimed by the running commit */
    size_t nclaiming;
    size_t nunclaim; /* ready slots given back by it (stopping) */
    /* the running commit: its fsync happens in a thread while this one
     * goes on handing messages to the transport */
    pthread_t committer;
    bool committing;
    atomic_bool commit_done;
    int commit_rc;
    struct merr commit_err;
    int64_t *inflight; /* for the journal */
    const struct journal_outcome **jouts;
    bool threaded; /* the commit runs in its own thread */
    struct store_queue_row *rows;
    size_t nrows;
    size_t pos;
    int64_t after;
    bool deferred;
    bool exhausted;
    double last_commit;
    unsigned backlog; /* more than window may wait in the transport */
    /* the transport's "transaction starts" hook runs in its threads: it
     * and the journal's writers share this lock */
    pthread_mutex_t jmu;
    int hook_rc; /* a journal write failed in the hook */
    struct merr hook_err;
};

static void
slot_free(struct loop *l, struct slot *sl)
{
    free(sl->email);
    free(sl->email_key);
    sl->email = NULL;
    sl->email_key = NULL;
    pthread_mutex_lock(&l->jmu);
    sl->st = SLOT_FREE;
    sl->started = false;
    sl->journaled = false;
    pthread_mutex_unlock(&l->jmu);
    l->nfree++;
}

/*
 * The transport started a message's transaction: journaled now, so that
 * after a crash only messages that may have reached a relay are
 * uncertain (those still in the transport's backlog are queued again).
 */
static void
on_start(void *arg, uint64_t cookie)
{
    struct loop *l = arg;
    size_t idx = (size_t)(cookie & 0xffffffffu);
    struct slot *sl = idx < l->nslots ? &l->slots[idx] : NULL;

    pthread_mutex_lock(&l->jmu);
    if (sl != NULL && sl->st == SLOT_INFLIGHT && !sl->started &&
        sl->gen == (uint32_t)(cookie >> 32)) {
        sl->started = true;
        if (l->o->journal != NULL && l->hook_rc == 0) {
            l->hook_rc = journal_handed(l->o->journal, sl->sub, &l->hook_err);
        }
    }
    pthread_mutex_unlock(&l->jmu);
}

/* What the outcome t of slot sl means (queue_decide), as journaled. */
static void
decide(const struct loop *l, const struct slot *sl,
       const struct transport_outcome *t, int64_t now, struct queue_decision *d,
       struct journal_outcome *jo)
{
    struct queue_result r = {
        .status = t->status, .code = t->code, .enhanced = t->enhanced};
    struct queue_row_info info = {.attempts = sl->attempts,
                                  .first_try = sl->first_try};

    queue_decide(&r, &info, l->o->retry_hours, now, d);
    *jo = (struct journal_outcome){
        .subscriber_id = sl->sub,
        .state = (int)d->state,
        .code = t->code,
        .next_try = d->next_try,
        .suppress = d->suppress,
        .relay = t->relay,
    };
    (void)util_strlcpy(jo->reply, t->reply, sizeof(jo->reply));
}

/*
 * The transport has a message's final outcome: journaled at once, so
 * that a crash before this thread collects it does not make it
 * uncertain.  Runs in the transport's threads.
 */
static void
on_done(void *arg, const struct transport_outcome *t)
{
    struct loop *l = arg;
    size_t idx = (size_t)(t->cookie & 0xffffffffu);
    struct slot *sl = idx < l->nslots ? &l->slots[idx] : NULL;
    struct queue_decision d;

    pthread_mutex_lock(&l->jmu);
    if (sl != NULL && sl->st == SLOT_INFLIGHT && !sl->journaled &&
        sl->gen == (uint32_t)(t->cookie >> 32)) {
        decide(l, sl, t, util_now(), &d, &sl->jo);
        sl->journaled = true;
        if (l->o->journal != NULL && l->hook_rc == 0) {
            l->hook_rc = journal_outcome(l->o->journal, &sl->jo, &l->hook_err);
        }
    }
    pthread_mutex_unlock(&l->jmu);
}

/* Journal and queue the outcome of slot sl for the next commit. */
static int
add_pending(struct loop *l, struct slot *sl, const struct transport_outcome *t,
            int64_t now, struct merr *err)
{
    struct pending *p = &l->pend[l->npend++];
    const struct sender_run_opts *o = l->o;
    struct queue_decision d;
    bool journaled;
    int rc = 0;

    memset(p, 0, sizeof(*p));
    decide(l, sl, t, now, &d, &p->jo);
    (void)util_strlcpy(p->reply, t->reply, sizeof(p->reply));
    p->o.subscriber_id = sl->sub;
    p->o.state = d.state;
    p->o.code = t->code;
    p->o.reply = p->reply;
    p->o.relay = t->relay < o->nrelays ? o->relays[t->relay] : NULL;
    p->o.next_try = d.next_try;
    if (d.suppress) {
        token_person_hash(l->s->keys, sl->email_key, p->hash);
        p->email_key = sl->email_key;
        sl->email_key = NULL;
        p->o.suppress_hash = p->hash;
        p->o.email_key = p->email_key;
        l->stats->suppressed++;
    }
    pthread_mutex_lock(&l->jmu);
    journaled = sl->journaled;
    if (journaled) {
        p->jo = sl->jo; /* what a replay would record */
    } else if (o->journal != NULL) {
        rc = journal_outcome(o->journal, &p->jo, err);
    }
    pthread_mutex_unlock(&l->jmu);
    switch (d.state) {
    case QUEUE_SENT:
        l->stats->sent++;
        break;
    case QUEUE_DEFERRED:
        l->stats->deferred++;
        break;
    case QUEUE_UNCERTAIN:
        l->stats->uncertain++;
        log_warn("%s: uncertain: %s", sl->email, p->reply);
        break;
    default:
        l->stats->failed++;
        log_info("%s: %s: %s", sl->email, queue_state_str(d.state), p->reply);
        break;
    }
    if (sl->st == SLOT_INFLIGHT) {
        l->ninflight--;
    }
    slot_free(l, sl);
    return rc;
}

static int
collect(struct loop *l, int wait_ms, struct merr *err)
{
    size_t n;
    int64_t now;
    int rc = 0;

    if (l->ninflight == 0) {
        return 0;
    }
    n = transport_collect(l->o->tr, l->outs, l->window, wait_ms);
    now = util_now();
    for (size_t i = 0; i < n; i++) {
        uint64_t c = l->outs[i].cookie;
        size_t idx = (size_t)(c & 0xffffffffu);
        struct slot *sl = idx < l->nslots ? &l->slots[idx] : NULL;
        int r;

        if (sl == NULL || sl->st != SLOT_INFLIGHT ||
            sl->gen != (uint32_t)(c >> 32)) {
            log_error("transport returned an unknown message (%" PRIu64 ")", c);
            continue;
        }
        r = add_pending(l, sl, &l->outs[i], now, err);
        if (rc == 0) {
            rc = r;
        }
    }
    return rc;
}

static void
release_rows(struct loop *l)
{
    for (size_t i = 0; i < l->nrows; i++) {
        store_queue_row_release(&l->rows[i]);
    }
    l->nrows = 0;
    l->pos = 0;
}

/* Build messages for the next rows into free slots (not claimed yet). */
static int
pick(struct loop *l, int64_t now, struct merr *err)
{
    size_t idx = 0;
    int rc = 0;

    while (l->nfree > 0 && !l->exhausted) {
        struct store_queue_row *r;
        struct slot *sl;
        struct sender_who w;

        if (l->pos == l->nrows && l->committing) {
            break; /* the store is busy committing: more rows later */
        }
        if (l->pos == l->nrows) {
            release_rows(l);
            rc = store_queue_next(l->o->st, l->s->seq, l->deferred, now,
                                  &l->after, l->rows, l->o->batch, &l->nrows,
                                  err);
            if (rc != 0) {
                break;
            }
            if (l->nrows == 0) {
                l->exhausted = true;
                break;
            }
        }
        r = &l->rows[l->pos];
        while (l->slots[idx].st != SLOT_FREE) {
            idx++;
        }
        sl = &l->slots[idx];
        sender_who_from_row(r, &w);
        rc = sender_build(l->s, &w, NULL, &sl->b, err);
        if (rc != 0) {
            merr_prefix(err, "subscriber %" PRId64 " (%s)", r->subscriber_id,
                        r->email);
            break;
        }
        l->pos++;
        sl->st = SLOT_PICKED;
        sl->gen++;
        sl->sub = r->subscriber_id;
        sl->attempts = r->attempts + 1;
        sl->first_try = r->first_try > 0 ? r->first_try : now;
        sl->email = xstrdup(r->email);
        sl->email_key = xstrdup(r->email_key);
        l->stats->bytes += sl->b.msg.len;
        l->nfree--;
        l->picked[l->npicked++] = idx;
    }
    return rc;
}

static void *
commit_thread(void *arg)
{
    struct loop *l = arg;

    l->commit_rc = store_commit(l->o->st, &l->commit_err);
    atomic_store(&l->commit_done, true);
    return NULL;
}

/*
 * Start one transaction: the outcomes so far, the claims of the picked
 * rows and, with unclaim, the ready rows given back (stopping).  The
 * statements run here; the COMMIT (the fsync) in a thread.  The store is
 * not touched again until finish_commit().
 */
static int
start_commit(struct loop *l, int64_t now, bool unclaim, struct merr *err)
{
    struct store *st = l->o->st;
    int rc;

    if (unclaim) {
        /* stopping: rows built but not claimed are simply dropped */
        for (size_t i = 0; i < l->npicked; i++) {
            slot_free(l, &l->slots[l->picked[i]]);
        }
        l->npicked = 0;
    }
    rc = store_begin(st, err);
    for (size_t i = 0; i < l->npend && rc == 0; i++) {
        rc = store_queue_record(st, l->s->seq, &l->pend[i].o, 1, now, err);
    }
    for (size_t i = 0; i < l->npicked && rc == 0; i++) {
        struct slot *sl = &l->slots[l->picked[i]];
        bool ok = false;

        rc = store_queue_claim(st, l->s->seq, sl->sub, sl->b.lang, sl->b.mid,
                               l->s->a->content_hash, now, &ok, err);
        if (rc == 0 && !ok) {
            /* taken meanwhile (it should not be: the caller holds the
             * appeal's lock): never send it from here */
            slot_free(l, sl);
            l->picked[i] = SIZE_MAX;
        }
    }
    l->nunclaim = 0;
    for (size_t i = 0; unclaim && i < l->nready && rc == 0; i++) {
        size_t idx = l->readyq[(l->rq_head + i) % l->nslots];

        rc = store_queue_unclaim(st, l->s->seq, l->slots[idx].sub, err);
        l->nunclaim++;
    }
    if (rc != 0) {
        store_rollback(st);
        return rc;
    }
    /* what this commit carries */
    memcpy(l->cpend, l->pend, l->npend * sizeof(*l->pend));
    l->ncpend = l->npend;
    l->npend = 0;
    memcpy(l->claiming, l->picked, l->npicked * sizeof(*l->picked));
    l->nclaiming = l->npicked;
    l->npicked = 0;
    atomic_store(&l->commit_done, false);
    l->committing = true;
    l->threaded = pthread_create(&l->committer, NULL, commit_thread, l) == 0;
    if (!l->threaded) {
        (void)commit_thread(l); /* no thread: commit here */
    }
    return 0;
}

/* Wait for the running commit (if any) and apply what it made true. */
static int
finish_commit(struct loop *l, struct merr *err)
{
    size_t n = 0;
    int rc;

    if (!l->committing) {
        return 0;
    }
    if (l->threaded) {
        pthread_join(l->committer, NULL);
    }
    l->committing = false;
    rc = l->commit_rc;
    if (rc != 0) {
        store_rollback(l->o->st);
        if (err != NULL) {
            *err = l->commit_err;
        }
        /* nothing it carried is true: outcomes wait for the next one
         * (and are in the journal), claims are dropped */
        for (size_t i = 0; i < l->ncpend; i++) {
            l->pend[l->npend++] = l->cpend[i];
        }
        l->ncpend = 0;
        for (size_t i = 0; i < l->nclaiming; i++) {
            if (l->claiming[i] != SIZE_MAX) {
                slot_free(l, &l->slots[l->claiming[i]]);
            }
        }
        l->nclaiming = 0;
        return rc;
    }
    l->last_commit = util_clock();
    for (size_t i = 0; i < l->ncpend; i++) {
        free(l->cpend[i].email_key);
    }
    l->ncpend = 0;
    for (size_t i = 0; i < l->nunclaim; i++) {
        slot_free(l, &l->slots[l->readyq[l->rq_head]]);
        l->rq_head = (l->rq_head + 1) % l->nslots;
        l->nready--;
    }
    l->nunclaim = 0;
    for (size_t i = 0; i < l->nclaiming; i++) {
        if (l->claiming[i] != SIZE_MAX) {
            l->slots[l->claiming[i]].st = SLOT_READY;
            l->readyq[(l->rq_head + l->nready) % l->nslots] = l->claiming[i];
            l->nready++;
        }
    }
    l->nclaiming = 0;
    /* the journal restarts with what the database does not know yet:
     * what is in flight, and the outcomes that came during the commit */
    if (l->o->journal != NULL) {
        pthread_mutex_lock(&l->jmu);
        size_t nj = 0;

        for (size_t i = 0; i < l->nslots; i++) {
            const struct slot *sl = &l->slots[i];

            if (sl->st == SLOT_INFLIGHT && sl->started) {
                l->inflight[n++] = sl->sub;
            }
            if (sl->st == SLOT_INFLIGHT && sl->journaled) {
                l->jouts[nj++] = &sl->jo;
            }
        }
        for (size_t i = 0; i < l->npend; i++) {
            l->jouts[nj++] = &l->pend[i].jo;
        }
        rc = journal_rotate(l->o->journal, l->inflight, n, l->jouts, nj, err);
        pthread_mutex_unlock(&l->jmu);
    }
    return rc;
}

/* Hand ready messages to the transport while it has room. */
static int
submit(struct loop *l, struct merr *err)
{
    int rc = 0;

    while (l->nready > l->nunclaim && l->ninflight < l->window + l->backlog &&
           rc == 0) {
        size_t idx = l->readyq[l->rq_head];
        struct slot *sl = &l->slots[idx];
        struct transport_msg m;
        struct merr serr = {0};

        l->rq_head = (l->rq_head + 1) % l->nslots;
        l->nready--;
        /* journaled by on_start when its transaction begins: a crash
         * after that makes the delivery uncertain, before it, queued
         * again */
        pthread_mutex_lock(&l->jmu);
        sl->st = SLOT_INFLIGHT;
        sl->started = false;
        pthread_mutex_unlock(&l->jmu);
        l->ninflight++;
        m = (struct transport_msg){
            .from = sl->b.from,
            .rcpt = sl->email,
            .data = sl->b.msg.data,
            .len = sl->b.msg.len,
            .cookie = ((uint64_t)sl->gen << 32) | idx,
        };
        if (transport_submit(l->o->tr, &m, &serr) != 0) {
            /* refused before any transaction: a permanent failure */
            struct transport_outcome t;

            memset(&t, 0, sizeof(t));
            t.cookie = m.cookie;
            t.status = SEND_PERMFAIL;
            util_sanitize(serr.msg, strlen(serr.msg), t.reply, sizeof(t.reply));
            rc = add_pending(l, sl, &t, util_now(), err);
            continue;
        }
        l->stats->submitted++;
    }
    return rc;
}

static void
loop_release(struct loop *l)
{
    pthread_mutex_destroy(&l->jmu);
    release_rows(l);
    for (size_t i = 0; i < l->nslots; i++) {
        free(l->slots[i].email);
        free(l->slots[i].email_key);
        buf_release(&l->slots[i].b.msg);
    }
    for (size_t i = 0; i < l->npend; i++) {
        free(l->pend[i].email_key);
    }
    for (size_t i = 0; i < l->ncpend; i++) {
        free(l->cpend[i].email_key);
    }
    free(l->slots);
    free(l->readyq);
    free(l->pend);
    free(l->cpend);
    free(l->claiming);
    free(l->outs);
    free(l->picked);
    free(l->inflight);
    free(l->jouts);
    free(l->rows);
}

/* Whether to commit now: claims are needed, or outcomes have waited. */
static bool
want_commit(const struct loop *l, bool stopping)
{
    if (l->committing) {
        return false;
    }
    if (stopping) {
        return l->npend > 0 || l->nready > 0 || l->npicked > 0;
    }
    if (l->npicked > 0 && l->nready < l->window) {
        return true;
    }
    if (l->npend == 0) {
        return false;
    }
    /* outcomes are in the journal already: a commit for every few of
     * them would only cost CPU (2 windows: 620 commits for 20,000
     * messages, 4 windows: 160) */
    return l->npend >= 4 * (size_t)l->window || l->ninflight == 0 ||
           util_clock() - l->last_commit > 0.1;
}

int
sender_run(struct sender *s, const struct sender_run_opts *o, bool deferred,
           struct sender_stats *stats, struct merr *err)
{
    struct loop l;
    bool stopping = false;
    unsigned turns = 0;
    int rc = 0;

    memset(&l, 0, sizeof(l));
    l.s = s;
    l.o = o;
    l.stats = stats;
    l.deferred = deferred;
    l.window = o->window > 0 ? o->window : 1;
    l.backlog = o->backlog;
    pthread_mutex_init(&l.jmu, NULL);
    /* ready messages for every connection several times over, so that
     * the transport never waits for a commit */
    l.nslots = 8 * (size_t)l.window;
    l.nfree = l.nslots;
    l.slots = xcalloc(l.nslots, sizeof(*l.slots));
    for (size_t i = 0; i < l.nslots; i++) {
        buf_init(&l.slots[i].b.msg, TOCSIN_MAX_MESSAGE);
    }
    l.readyq = xcalloc(l.nslots, sizeof(*l.readyq));
    l.pend = xcalloc(l.nslots, sizeof(*l.pend));
    l.cpend = xcalloc(l.nslots, sizeof(*l.cpend));
    l.outs = xcalloc(l.window, sizeof(*l.outs));
    l.picked = xcalloc(l.nslots, sizeof(*l.picked));
    l.claiming = xcalloc(l.nslots, sizeof(*l.claiming));
    l.inflight = xcalloc(l.nslots, sizeof(*l.inflight));
    l.jouts = xcalloc(2 * l.nslots, sizeof(*l.jouts));
    l.rows = xcalloc(o->batch > 0 ? o->batch : 1, sizeof(*l.rows));
    l.last_commit = util_clock();
    atomic_init(&l.commit_done, false);
    transport_set_hooks(o->tr, &(struct transport_hooks){
                                   .started = on_start,
                                   .done = on_done,
                                   .arg = &l,
                               });
    for (;;) {
        int64_t now = util_now();
        bool can_submit;

        if ((o->stop != NULL && *o->stop) ||
            (o->not_after > 0 && now >= o->not_after)) {
            stopping = true;
        }
        if (l.committing && atomic_load(&l.commit_done)) {
            rc = finish_commit(&l, err);
        }
        if (rc == 0 && !stopping) {
            rc = submit(&l, err);
        }
        /* build the next messages while the connections are busy; the
         * store is needed only to read more rows */
        if (rc == 0 && !stopping && l.nfree >= l.window &&
            (l.pos < l.nrows || !l.committing)) {
            rc = pick(&l, now, err);
        }
        if (rc == 0 && want_commit(&l, stopping)) {
            rc = start_commit(&l, now, stopping, err);
        }
        if (rc != 0) {
            break;
        }
        /* wait for an outcome only when nothing else can be done; while
         * a commit runs, look at it every millisecond */
        can_submit = !stopping && l.nready > l.nunclaim &&
                     l.ninflight < l.window + l.backlog;
        rc = collect(&l, can_submit ? 0 : l.committing ? 1 : 200, err);
        pthread_mutex_lock(&l.jmu);
        if (rc == 0 && l.hook_rc != 0) {
            rc = merr_set(err, l.hook_rc, "%s", l.hook_err.msg);
        }
        pthread_mutex_unlock(&l.jmu);
        if (rc != 0) {
            break;
        }
        /* progress rate-limits itself; spare it most turns */
        if (o->progress != NULL && (++turns & 31) == 0) {
            o->progress(o->progress_arg, stats);
        }
        if ((l.exhausted || stopping) && l.ninflight == 0 && l.npend == 0 &&
            l.nready == 0 && l.npicked == 0 && !l.committing) {
            break;
        }
    }
    if (rc != 0) {
        /* drain what is in flight and record it if the store lets us;
         * what cannot be recorded is in the journal for the next run */
        struct merr e2 = {0};

        (void)finish_commit(&l, &e2);
        for (int i = 0; i < 3000 && l.ninflight > 0; i++) {
            (void)collect(&l, 200, &e2);
        }
        for (size_t i = 0; i < l.npicked; i++) {
            slot_free(&l, &l.slots[l.picked[i]]);
        }
        l.npicked = 0;
        if (start_commit(&l, util_now(), true, &e2) != 0 ||
            finish_commit(&l, &e2) != 0) {
            log_error("%s", e2.msg);
        }
    }
    (void)finish_commit(&l, NULL);
    transport_set_hooks(o->tr, NULL);
    loop_release(&l);
    return rc;
}

int
sender_recover(struct store *st, const struct token_keys *keys, int64_t seq,
               const char *journal_path, struct sender_recovery *res,
               struct merr *err)
{
    struct journal_replay jr;
    bool began = false;
    uint64_t n = 0;
    int rc;

    memset(res, 0, sizeof(*res));
    rc = journal_read(journal_path, &jr, err);
    if (rc != 0) {
        return rc;
    }
    if (!jr.trusted) {
        /* no journal, or one from before a reboot: every row left
         * sending may have gone out */
        rc = store_queue_recover(st, seq, &res->uncertain, err);
        goto out;
    }
    rc = store_begin(st, err);
    if (rc != 0) {
        goto out;
    }
    began = true;
    for (size_t i = 0; i < jr.noutcomes && rc == 0; i++) {
        const struct journal_outcome *jo = &jr.outcomes[i];
        struct store_queue_outcome o = {
            .subscriber_id = jo->subscriber_id,
            .state = (enum queue_state)jo->state,
            .code = jo->code,
            .reply = jo->reply,
            .next_try = jo->next_try,
        };
        struct store_subscriber sub;
        char hash[TOKEN_HASH_HEX];

        memset(&sub, 0, sizeof(sub));
        if (jo->suppress &&
            store_subscriber_get(st, jo->subscriber_id, &sub, err) == 0) {
            token_person_hash(keys, sub.email_key, hash);
            o.suppress_hash = hash;
            o.email_key = sub.email_key;
        }
        rc = store_queue_record(st, seq, &o, 1, util_now(), err);
        store_subscriber_release(&sub);
        res->replayed++;
    }
    for (size_t i = 0; i < jr.nhanded && rc == 0; i++) {
        rc = store_queue_mark_uncertain(st, seq, jr.handed[i], &n, err);
        res->uncertain += n;
    }
    if (rc == 0) {
        /* claimed and never handed over: they can go as if new */
        rc = store_queue_requeue_sending(st, seq, &res->requeued, err);
    }
    if (rc == 0) {
        rc = store_commit(st, err);
        began = false;
    }
out:
    if (began) {
        store_rollback(st);
    }
    journal_replay_release(&jr);
    return rc;
}
