/*
 * metrics: process-wide counters with relaxed atomics (a counter needs no
 * ordering with anything else), rendered in the Prometheus text format.
 */
#include "metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* The status codes the server answers; anything else counts as "other". */
static const int statuses[] = {200, 204, 400, 401, 403, 404, 405, 408, 410,
                               411, 413, 415, 422, 429, 431, 500, 503, 0};
#define NSTATUS TOCSIN_ARRAY_LEN(statuses)

static const char *const route_names[METRICS_NROUTES] = {
    "webhook", "sign", "unsubscribe", "healthz", "metrics", "other",
};

static const char *const reason_names[METRICS_NREASONS] = {
    "method",         "too_large", "content_type", "headers",
    "timestamp",      "signature", "json",         "fields",
    "unknown_appeal", "closed",    "store",
};

static const char *const source_names[METRICS_NSOURCES] = {"link", "webhook"};

/* Commit latency buckets, seconds (upper bounds; +Inf implied). */
static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                 0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
#define NBUCKETS TOCSIN_ARRAY_LEN(buckets)

static _Atomic uint64_t requests[METRICS_NROUTES][NSTATUS];
static _Atomic uint64_t rejects[METRICS_NREASONS];
static _Atomic uint64_t signatures[METRICS_NSOURCES];
static _Atomic uint64_t duplicates[METRICS_NSOURCES];
static _Atomic uint64_t unsubscribes;
static _Atomic uint64_t commit_bucket[NBUCKETS + 1];
static _Atomic uint64_t commit_count;
static _Atomic uint64_t commit_usec; /* sum, microseconds */
static _Atomic uint64_t commit_jobs;
static _Atomic uint64_t restart_count;
static _Atomic uint64_t restart_usec; /* sum, microseconds */

static size_t
status_index(int status)
{
    for (size_t i = 0; i + 1 < NSTATUS; i++) {
        if (statuses[i] == status) {
            return i;
        }
    }
    return NSTATUS - 1;
}

static void
add(_Atomic uint64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static uint64_t
get(_Atomic uint64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

void
metrics_request(enum metrics_route route, int status)
{
    if ((unsigned)route < METRICS_NROUTES) {
        add(&requests[route][status_index(status)], 1);
    }
}

void
metrics_reject(enum metrics_reason reason)
{
    if ((unsigned)reason < METRICS_NREASONS) {
        add(&rejects[reason], 1);
    }
}

void
metrics_signature(enum metrics_source source)
{
    if ((unsigned)source < METRICS_NSOURCES) {
        add(&signatures[source], 1);
    }
}

void
metrics_duplicate(enum metrics_source source)
{
    if ((unsigned)source < METRICS_NSOURCES) {
        add(&duplicates[source], 1);
    }
}

void
metrics_unsubscribe(void)
{
    add(&unsubscribes, 1);
}

void
metrics_commit(double seconds, size_t jobs)
{
    size_t i = 0;

    while (i < NBUCKETS && seconds > buckets[i]) {
        i++;
    }
    add(&commit_bucket[i], 1);
    add(&commit_count, 1);
    add(&commit_usec, (uint64_t)(seconds * 1e6));
    add(&commit_jobs, jobs);
}

void
metrics_wal_restart(double seconds)
{
    add(&restart_count, 1);
    add(&restart_usec, (uint64_t)(seconds * 1e6));
}

uint64_t
metrics_requests(enum metrics_route route, int status)
{
    return get(&requests[route][status_index(status)]);
}

uint64_t
metrics_rejects(enum metrics_reason reason)
{
    return get(&rejects[reason]);
}

uint64_t
metrics_wal_restarts(void)
{
    return get(&restart_count);
}

void
metrics_reset(void)
{
    for (size_t r = 0; r < METRICS_NROUTES; r++) {
        for (size_t s = 0; s < NSTATUS; s++) {
            atomic_store(&requests[r][s], 0);
        }
    }
    for (size_t i = 0; i < METRICS_NREASONS; i++) {
        atomic_store(&rejects[i], 0);
    }
    for (size_t i = 0; i < METRICS_NSOURCES; i++) {
        atomic_store(&signatures[i], 0);
        atomic_store(&duplicates[i], 0);
    }
    for (size_t i = 0; i <= NBUCKETS; i++) {
        atomic_store(&commit_bucket[i], 0);
    }
    atomic_store(&unsubscribes, 0);
    atomic_store(&commit_count, 0);
    atomic_store(&commit_usec, 0);
    atomic_store(&commit_jobs, 0);
    atomic_store(&restart_count, 0);
    atomic_store(&restart_usec, 0);
}

static int
render_requests(struct buf *out)
{
    int rc = buf_adds(out, "# HELP tocsin_http_requests_total HTTP requests "
                           "answered, by route and status.\n"
                           "# TYPE tocsin_http_requests_total counter\n");

    for (size_t r = 0; rc == 0 && r < METRICS_NROUTES; r++) {
        for (size_t s = 0; rc == 0 && s < NSTATUS; s++) {
            uint64_t n = get(&requests[r][s]);
            char code[16];

            if (n == 0) {
                continue;
            }
            if (statuses[s] == 0) {
                (void)util_strlcpy(code, "other", sizeof(code));
            } else {
                (void)snprintf(code, sizeof(code), "%d", statuses[s]);
            }
            rc = buf_addf(out,
                          "tocsin_http_requests_total{route=\"%s\","
                          "status=\"%s\"} %llu\n",
                          route_names[r], code, (unsigned long long)n);
        }
    }
    return rc;
}

static int
render_counters(struct buf *out)
{
    int rc = buf_adds(out, "# HELP tocsin_signatures_total Signatures "
                           "committed, by source.\n"
                           "# TYPE tocsin_signatures_total counter\n");

    for (size_t i = 0; rc == 0 && i < METRICS_NSOURCES; i++) {
        rc = buf_addf(out, "tocsin_signatures_total{source=\"%s\"} %llu\n",
                      source_names[i], (unsigned long long)get(&signatures[i]));
    }
    if (rc == 0) {
        rc = buf_adds(out, "# HELP tocsin_signature_duplicates_total "
                           "Signatures answered as already recorded.\n"
                           "# TYPE tocsin_signature_duplicates_total "
                           "counter\n");
    }
    for (size_t i = 0; rc == 0 && i < METRICS_NSOURCES; i++) {
        rc = buf_addf(out,
                      "tocsin_signature_duplicates_total{source=\"%s\"} "
                      "%llu\n",
                      source_names[i], (unsigned long long)get(&duplicates[i]));
    }
    if (rc == 0) {
        rc = buf_adds(out, "# HELP tocsin_webhook_rejections_total Webhook "
                           "requests refused, by reason.\n"
                           "# TYPE tocsin_webhook_rejections_total counter\n");
    }
    for (size_t i = 0; rc == 0 && i < METRICS_NREASONS; i++) {
        rc = buf_addf(out,
                      "tocsin_webhook_rejections_total{reason=\"%s\"} %llu\n",
                      reason_names[i], (unsigned long long)get(&rejects[i]));
    }
    if (rc == 0) {
        rc = buf_addf(out,
                      "# HELP tocsin_unsubscribes_total One-click "
                      "unsubscribes committed.\n"
                      "# TYPE tocsin_unsubscribes_total counter\n"
                      "tocsin_unsubscribes_total %llu\n",
                      (unsigned long long)get(&unsubscribes));
    }
    return rc;
}

static int
render_commits(struct buf *out)
{
    uint64_t cum = 0;
    int rc = buf_adds(out, "# HELP tocsin_commit_seconds Duration of each "
                           "group commit (one transaction, fsync "
                           "included).\n"
                           "# TYPE tocsin_commit_seconds histogram\n");

    for (size_t i = 0; rc == 0 && i <= NBUCKETS; i++) {
        cum += get(&commit_bucket[i]);
        if (i < NBUCKETS) {
            rc = buf_addf(out, "tocsin_commit_seconds_bucket{le=\"%g\"} %llu\n",
                          buckets[i], (unsigned long long)cum);
        } else {
            rc = buf_addf(out,
                          "tocsin_commit_seconds_bucket{le=\"+Inf\"} %llu\n",
                          (unsigned long long)cum);
        }
    }
    if (rc == 0) {
        rc = buf_addf(
            out,
            "tocsin_commit_seconds_sum %.6f\n"
            "tocsin_commit_seconds_count %llu\n"
            "# HELP tocsin_commit_jobs_total Requests committed by the "
            "group commits.\n"
            "# TYPE tocsin_commit_jobs_total counter\n"
            "tocsin_commit_jobs_total %llu\n"
            "# HELP tocsin_wal_restarts_total Checkpoints the writer "
            "finished itself, after which the WAL starts over.\n"
            "# TYPE tocsin_wal_restarts_total counter\n"
            "tocsin_wal_restarts_total %llu\n"
            "# HELP tocsin_wal_restart_seconds_total Time the writer spent "
            "in them.\n"
            "# TYPE tocsin_wal_restart_seconds_total counter\n"
            "tocsin_wal_restart_seconds_total %.6f\n",
            (double)get(&commit_usec) / 1e6,
            (unsigned long long)get(&commit_count),
            (unsigned long long)get(&commit_jobs),
            (unsigned long long)get(&restart_count),
            (double)get(&restart_usec) / 1e6);
    }
    return rc;
}

int
metrics_render(struct buf *out)
{
    int rc = render_requests(out);

    if (rc == 0) {
        rc = render_counters(out);
    }
    if (rc == 0) {
        rc = render_commits(out);
    }
    return rc;
}
