/*
 * test_writer: the group-commit writer (writer.c) on a database file:
 * every job is done only after its row is committed, and under a steady
 * stream of jobs the WAL starts over instead of growing without end.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "unit.h"
#include "metrics.h"
#include "store.h"
#include "store_int.h"
#include "writer.h"

/* writer.c's threshold (a global in the test build, TOCSIN_STATIC) */
extern size_t writer_restart_jobs;

#define WAVE 64

struct fixture {
    char *dir;
    char db[512];
    struct writer *w;
    struct store *reader; /* a second connection, as a reader of the page */
};

/* What a done() callback saw. */
struct seen {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t done;
    size_t visible; /* jobs whose row another connection could read */
    size_t failed;
    struct store *reader;
};

struct job {
    struct writer_job wj;
    char id[48];
    char key[64];
    struct seen *seen;
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct store *st = NULL;
    struct merr err = {0};

    if (f == NULL) {
        return -1;
    }
    f->dir = unit_tmpdir();
    snprintf(f->db, sizeof(f->db), "%s/tocsin.db", f->dir);
    if (store_open(f->db, STORE_CREATE, &st, &err) != 0 ||
        store_exec(st,
                   "INSERT INTO appeals (seq, id, content_hash, title, doc, "
                   "created, updated) VALUES (1, '2026-014', 'h', 'T', '{}', "
                   "0, 0)",
                   &err) != 0) {
        store_close(st);
        return -1;
    }
    store_close(st);
    if (writer_start(f->db, &f->w, &err) != 0 ||
        store_open(f->db, 0, &f->reader, &err) != 0) {
        return -1;
    }
    metrics_reset();
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    writer_free(f->w);
    store_close(f->reader);
    unit_rmtree(f->dir);
    free(f->dir);
    free(f);
    writer_restart_jobs = 16000;
    return 0;
}

/* Rows another connection sees for webhook id (test ids: no quotes). */
static int64_t
count_event(struct store *st, const char *id)
{
    char sql[128];

    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM signatures WHERE event_id = '%s'", id);
    return unit_int(st, sql);
}

/* Runs on the writer thread, after the commit. */
static void
job_done(struct writer_job *wj, void *arg)
{
    struct job *j = arg;
    struct seen *sn = j->seen;

    (void)wj;
    pthread_mutex_lock(&sn->mu);
    if (j->wj.rc != 0 || j->wj.result != STORE_SIG_STORED) {
        sn->failed++;
    } else if (sn->reader != NULL && count_event(sn->reader, j->id) == 1) {
        sn->visible++;
    }
    sn->done++;
    pthread_cond_signal(&sn->cv);
    pthread_mutex_unlock(&sn->mu);
}

/* Submit n webhook jobs numbered from first, WAVE at a time (as WAVE
 * clients would: each waits for its answer), and wait for them all. */
static void
run_jobs(struct writer *w, size_t first, size_t n, struct seen *sn)
{
    struct job *jobs = calloc(WAVE, sizeof(*jobs));

    assert_non_null(jobs);
    for (size_t base = 0; base < n; base += WAVE) {
        size_t k = n - base < WAVE ? n - base : WAVE;
        size_t target;

        pthread_mutex_lock(&sn->mu);
        target = sn->done + k;
        pthread_mutex_unlock(&sn->mu);
        for (size_t i = 0; i < k; i++) {
            struct job *j = &jobs[i];

            memset(j, 0, sizeof(*j));
            snprintf(j->id, sizeof(j->id), "msg_%zu", first + base + i);
            /* random-looking keys, as real addresses are */
            snprintf(j->key, sizeof(j->key), "%08zx@example.org",
                     (first + base + i) * 2654435761u % 4294967291u);
            j->seen = sn;
            j->wj.kind = WRITER_WEBHOOK;
            j->wj.webhook.event_id = j->id;
            j->wj.webhook.appeal_id = "2026-014";
            j->wj.webhook.email = j->key;
            j->wj.webhook.email_key = j->key;
            j->wj.webhook.email_display = j->key;
            j->wj.webhook.person_hash = "";
            j->wj.webhook.name = "N";
            j->wj.webhook.country = "FR";
            j->wj.webhook.language = "fr";
            j->wj.webhook.signed_at = 1;
            j->wj.done = job_done;
            j->wj.arg = j;
            writer_submit(w, &j->wj);
        }
        pthread_mutex_lock(&sn->mu);
        while (sn->done < target) {
            pthread_cond_wait(&sn->cv, &sn->mu);
        }
        pthread_mutex_unlock(&sn->mu);
    }
    free(jobs);
}

static void
seen_init(struct seen *sn, struct store *reader)
{
    memset(sn, 0, sizeof(*sn));
    pthread_mutex_init(&sn->mu, NULL);
    pthread_cond_init(&sn->cv, NULL);
    sn->reader = reader;
}

static void
seen_fini(struct seen *sn)
{
    pthread_cond_destroy(&sn->cv);
    pthread_mutex_destroy(&sn->mu);
}

/* done() is called after the commit: another connection sees the row. */
static void
test_writer_done_after_commit(void **state)
{
    struct fixture *f = *state;
    struct seen sn;

    seen_init(&sn, f->reader);
    run_jobs(f->w, 0, 500, &sn);
    assert_int_equal(sn.done, 500);
    assert_int_equal(sn.failed, 0);
    assert_int_equal(sn.visible, 500);
    seen_fini(&sn);
}

static off_t
file_size(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? st.st_size : -1;
}

/*
 * A steady stream of 20 x writer_restart_jobs jobs: the writer finishes
 * a checkpoint now and then and the WAL starts over, so the file stays
 * near the size of restart_jobs jobs' pages.  Without that (before),
 * nothing but the background checkpointer ran and the WAL held every
 * job's pages.
 */
static void
test_writer_wal_starts_over(void **state)
{
    struct fixture *f = *state;
    struct seen sn;
    char wal[600];
    size_t n;
    off_t size;
    off_t per_job;

    writer_restart_jobs = 400;
    n = 20 * writer_restart_jobs;
    seen_init(&sn, NULL);
    run_jobs(f->w, 1000, n, &sn);
    assert_int_equal(sn.done, n);
    assert_int_equal(sn.failed, 0);
    snprintf(wal, sizeof(wal), "%s-wal", f->db);
    size = file_size(wal);
    assert_true(size > 0);
    /* every job dirties at least one index page of its own (random
     * keys): had the WAL not started over it would be over n pages */
    per_job = size / (off_t)n;
    printf("# WAL %lld bytes after %zu jobs, %llu restarts\n", (long long)size,
           n, (unsigned long long)metrics_wal_restarts());
    assert_true(metrics_wal_restarts() >= 10);
    assert_true(size < (off_t)(4 * writer_restart_jobs) * 4120);
    assert_true(per_job < 4096 / 4);
    seen_fini(&sn);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_writer_done_after_commit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_writer_wal_starts_over, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
