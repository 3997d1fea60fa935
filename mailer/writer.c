/*
 * writer: group commit.  One thread owns the write connection; request
 * threads only queue jobs and are woken (by each job's done callback)
 * after the transaction that holds their row has committed.  Each job
 * runs in its own savepoint, so one bad job is undone alone.
 */
#include "writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "metrics.h"
#include "util.h"

/*
 * SQLite checkpoints the WAL inside the commit that crosses its
 * threshold, which would stall every request waiting on that commit.
 * The writer turns that off and a second thread checkpoints (PASSIVE:
 * it never blocks the writer) after this many jobs, or every second.
 */
#define WRITER_CHECKPOINT_JOBS 4000

/*
 * Under a steady surge the checkpointer never catches up with the
 * writer, and SQLite only goes back to the start of the WAL after a
 * checkpoint that copied every frame: the WAL grew without end (300 MB
 * in a minute), and as every commit extended the file its fdatasync
 * cost more (commits of 0.85 ms instead of 0.5).  So after this many
 * jobs the writer finishes the checkpoint itself, between two
 * transactions (2 to 4 ms, as the checkpointer has copied most frames
 * already), and the next commit writes from the start of the WAL again.
 */
#define WRITER_RESTART_JOBS 16000

/* The tests lower it (TOCSIN_STATIC: a global in their builds). */
TOCSIN_STATIC size_t writer_restart_jobs = WRITER_RESTART_JOBS;

struct writer {
    struct store *st;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* signalled when a job is queued or on stop */
    struct writer_job *head;
    struct writer_job *tail;
    bool stopping;
    bool joined;
    size_t frames_since_checkpoint; /* writer thread only */
    size_t jobs_since_restart;      /* writer thread only */

    struct store *ckpt_st; /* the checkpointer's own connection */
    pthread_t ckpt_thread;
    pthread_cond_t ckpt_cv; /* guarded by mu */
    bool ckpt_wake;
    bool ckpt_started;
};

static void
wake_checkpointer(struct writer *w)
{
    w->frames_since_checkpoint = 0;
    pthread_mutex_lock(&w->mu);
    w->ckpt_wake = true;
    pthread_cond_signal(&w->ckpt_cv);
    pthread_mutex_unlock(&w->mu);
}

static void *
checkpointer_main(void *arg)
{
    struct writer *w = arg;
    struct merr err = {0};

    pthread_mutex_lock(&w->mu);
    while (!w->joined) {
        struct timespec until;

        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        while (!w->ckpt_wake && !w->joined) {
            if (pthread_cond_timedwait(&w->ckpt_cv, &w->mu, &until) ==
                ETIMEDOUT) {
                break;
            }
        }
        w->ckpt_wake = false;
        pthread_mutex_unlock(&w->mu);
        if (store_sig_checkpoint(w->ckpt_st, NULL, NULL, &err) != 0) {
            log_warn("checkpoint: %s", err.msg);
        }
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static int
run_job(struct store *st, struct writer_job *j, int64_t now, struct merr *err)
{
    switch (j->kind) {
    case WRITER_PING:
        j->result = STORE_SIG_STORED;
        return 0;
    case WRITER_WEBHOOK:
        return store_sig_webhook(st, &j->webhook, now, &j->result,
                                 &j->result_seq, err);
    case WRITER_LINK:
        return store_sig_link(st, j->seq, j->subscriber, now, &j->result, err);
    case WRITER_UNSUBSCRIBE:
        return store_sig_unsubscribe(st, j->subscriber, j->email_key, j->hash,
                                     j->detail, now, &j->result, err);
    }
    return merr_set(err, MERR_INVALID, "unknown job kind");
}

/*
 * Run every job of the batch in the open transaction.  With savepoints,
 * a job that fails is undone alone; without, the first failure stops
 * the batch (rc of that job) and the caller rolls everything back.
 */
static int
run_jobs(struct writer *w, struct writer_job *batch, int64_t now,
         bool savepoints)
{
    struct merr err = {0};
    int rc = 0;

    for (struct writer_job *j = batch; j != NULL; j = j->next) {
        if (savepoints) {
            j->rc = store_sig_savepoint(w->st, &err);
            if (j->rc != 0) {
                return j->rc;
            }
        }
        j->rc = run_job(w->st, j, now, &err);
        if (j->rc != 0) {
            log_error("%s", err.msg);
            if (!savepoints) {
                return j->rc;
            }
            store_sig_rollback_to(w->st);
        } else if (savepoints) {
            rc = store_sig_release(w->st, &err);
            if (rc != 0) {
                return rc;
            }
        }
    }
    return rc;
}

/* Finish the checkpoint on the writer's connection (see above). */
static void
restart_wal(struct writer *w)
{
    struct merr err = {0};
    double t0 = util_clock();
    int frames = 0;
    int copied = 0;

    if (store_sig_checkpoint(w->st, &frames, &copied, &err) != 0) {
        log_warn("checkpoint: %s", err.msg);
        w->jobs_since_restart = 0;
    } else if (frames >= 0 && frames == copied) {
        metrics_wal_restart(util_clock() - t0);
        w->jobs_since_restart = 0;
    } else {
        /* a reader still uses older frames, or another checkpoint runs
         * (both -1): try again a little later */
        w->jobs_since_restart = writer_restart_jobs * 3 / 4;
    }
}

/*
 * One transaction for the whole batch; every job gets rc and result.
 * The common case runs without savepoints (two statements fewer per
 * job); if a job fails, the batch is rolled back and run again with a
 * savepoint around each job, so that only the failing one is lost.
 */
static void
run_batch(struct writer *w, struct writer_job *batch)
{
    struct merr err = {0};
    struct writer_job *j;
    double t0 = util_clock();
    int64_t now = util_now();
    size_t n = 0;
    int rc;

    for (j = batch; j != NULL; j = j->next) {
        n++;
    }
    rc = store_begin(w->st, &err);
    if (rc == 0) {
        rc = run_jobs(w, batch, now, false);
        if (rc != 0) {
            store_rollback(w->st);
            rc = store_begin(w->st, &err);
            if (rc == 0) {
                rc = run_jobs(w, batch, now, true);
            }
        }
    }
    if (rc == 0) {
        rc = store_commit(w->st, &err);
    }
    if (rc != 0) {
        store_rollback(w->st);
        log_error("group commit of %zu: %s", n, err.msg);
        for (j = batch; j != NULL; j = j->next) {
            j->rc = MERR_DB;
        }
        return;
    }
    metrics_commit(util_clock() - t0, n);
    w->jobs_since_restart += n;
    w->frames_since_checkpoint += n;
    if (w->frames_since_checkpoint >= WRITER_CHECKPOINT_JOBS) {
        wake_checkpointer(w);
    }
}

static void *
writer_main(void *arg)
{
    struct writer *w = arg;

    for (;;) {
        struct writer_job *batch;
        struct writer_job *next;

        pthread_mutex_lock(&w->mu);
        while (w->head == NULL && !w->stopping) {
            pthread_cond_wait(&w->cv, &w->mu);
        }
        batch = w->head;
        w->head = NULL;
        w->tail = NULL;
        pthread_mutex_unlock(&w->mu);
        if (batch == NULL) {
            break; /* stopping, and nothing left */
        }
        run_batch(w, batch);
        /* done() may free the job: read next first */
        for (struct writer_job *j = batch; j != NULL; j = next) {
            next = j->next;
            j->done(j, j->arg);
        }
        /* after the answers: they need not wait for it */
        if (w->jobs_since_restart >= writer_restart_jobs) {
            restart_wal(w);
        }
    }
    return NULL;
}

int
writer_start(const char *path, struct writer **out, struct merr *err)
{
    struct writer *w = NULL;
    int rc;

    *out = NULL;
    w = xcalloc(1, sizeof(*w));
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    pthread_cond_init(&w->ckpt_cv, NULL);
    rc = store_open(path, 0, &w->st, err);
    if (rc == 0) {
        rc = store_open(path, 0, &w->ckpt_st, err);
    }
    if (rc == 0) {
        rc = store_sig_manual_checkpoints(w->st, err);
    }
    if (rc != 0) {
        goto out;
    }
    if (pthread_create(&w->ckpt_thread, NULL, checkpointer_main, w) != 0) {
        rc = merr_set(err, MERR_IO, "cannot start the checkpoint thread");
        goto out;
    }
    w->ckpt_started = true;
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        rc = merr_set(err, MERR_IO, "cannot start the writer thread");
        goto out;
    }
    *out = w;
    w = NULL;
out:
    if (w != NULL) {
        if (w->ckpt_started) {
            pthread_mutex_lock(&w->mu);
            w->joined = true;
            pthread_cond_signal(&w->ckpt_cv);
            pthread_mutex_unlock(&w->mu);
            pthread_join(w->ckpt_thread, NULL);
        }
        store_close(w->ckpt_st);
        store_close(w->st);
        pthread_cond_destroy(&w->ckpt_cv);
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
    }
    return rc;
}

void
writer_submit(struct writer *w, struct writer_job *job)
{
    bool refused;

    job->next = NULL;
    job->rc = 0;
    pthread_mutex_lock(&w->mu);
    refused = w->stopping;
    if (!refused) {
        if (w->tail != NULL) {
            w->tail->next = job;
        } else {
            w->head = job;
        }
        w->tail = job;
        pthread_cond_signal(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    if (refused) {
        job->rc = MERR_TEMPFAIL;
        job->done(job, job->arg);
    }
}

void
writer_stop(struct writer *w)
{
    if (w == NULL || w->joined) {
        return;
    }
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    /* the thread drains the queue before it exits */
    pthread_join(w->thread, NULL);
    pthread_mutex_lock(&w->mu);
    w->joined = true;
    pthread_cond_signal(&w->ckpt_cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->ckpt_thread, NULL);
}

void
writer_free(struct writer *w)
{
    if (w == NULL) {
        return;
    }
    writer_stop(w);
    store_close(w->ckpt_st);
    store_close(w->st); /* the last connection: SQLite checkpoints */
    pthread_cond_destroy(&w->ckpt_cv);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
