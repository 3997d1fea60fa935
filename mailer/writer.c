/*
 * writer: group commit.  One thread owns the write connection; request
 * threads only queue jobs and are woken (by each job's done callback)
 * after the transaction that holds their row has committed.  Each job
 * runs in its own savepoint, so one bad job is undone alone.
 */
#include "writer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "util.h"

struct writer {
    struct store *st;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* signalled when a job is queued or on stop */
    struct writer_job *head;
    struct writer_job *tail;
    bool stopping;
    bool joined;
};

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

/* One transaction for the whole batch; every job gets rc and result. */
static void
run_batch(struct writer *w, struct writer_job *batch)
{
    struct merr err = {0};
    struct writer_job *j;
    double t0 = util_clock();
    int64_t now = util_now();
    size_t n = 0;
    int rc;

    rc = store_begin(w->st, &err);
    for (j = batch; j != NULL; j = j->next) {
        n++;
        j->rc = rc;
        if (rc != 0) {
            continue;
        }
        j->rc = store_sig_savepoint(w->st, &err);
        if (j->rc == 0) {
            j->rc = run_job(w->st, j, now, &err);
            if (j->rc == 0) {
                j->rc = store_sig_release(w->st, &err);
            } else {
                log_error("%s", err.msg);
                store_sig_rollback_to(w->st);
            }
        }
    }
    if (rc == 0) {
        rc = store_commit(w->st, &err);
        if (rc != 0) {
            store_rollback(w->st);
        }
    }
    if (rc != 0) {
        log_error("group commit of %zu: %s", n, err.msg);
        for (j = batch; j != NULL; j = j->next) {
            j->rc = MERR_DB;
        }
    } else {
        metrics_commit(util_clock() - t0, n);
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
    rc = store_open(path, 0, &w->st, err);
    if (rc != 0) {
        goto out;
    }
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        rc = merr_set(err, MERR_IO, "cannot start the writer thread");
        goto out;
    }
    *out = w;
    w = NULL;
out:
    if (w != NULL) {
        store_close(w->st);
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
    w->joined = true;
}

void
writer_free(struct writer *w)
{
    if (w == NULL) {
        return;
    }
    writer_stop(w);
    store_close(w->st);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
