/*
 * metrics: the server's counters (atomic, any thread may count) and their
 * Prometheus text form for GET /metrics.  No I/O here.
 */
#ifndef TOCSIN_METRICS_H
#define TOCSIN_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Routes, the "route" label. */
enum metrics_route {
    METRICS_WEBHOOK = 0,
    METRICS_SIGN,
    METRICS_UNSUBSCRIBE,
    METRICS_HEALTHZ,
    METRICS_METRICS,
    METRICS_OTHER,
    METRICS_NROUTES,
};

/* Why a webhook was refused, the "reason" label. */
enum metrics_reason {
    METRICS_R_METHOD = 0,     /* not POST (405) */
    METRICS_R_TOO_LARGE,      /* body over the cap (413) */
    METRICS_R_CONTENT_TYPE,   /* not application/json (415) */
    METRICS_R_HEADERS,        /* webhook-* headers missing (400) */
    METRICS_R_TIMESTAMP,      /* outside the 5-minute window (401) */
    METRICS_R_SIGNATURE,      /* no valid signature (401) */
    METRICS_R_JSON,           /* not JSON (400) */
    METRICS_R_FIELDS,         /* a field missing or wrong (400) */
    METRICS_R_UNKNOWN_APPEAL, /* no such appeal (422) */
    METRICS_R_CLOSED,         /* signed after the appeal closed (422) */
    METRICS_R_STORE,          /* the database failed (503) */
    METRICS_NREASONS,
};

/* Signature sources, the "source" label. */
enum metrics_source {
    METRICS_S_LINK = 0,
    METRICS_S_WEBHOOK,
    METRICS_NSOURCES,
};

/* Count one finished request. */
void metrics_request(enum metrics_route route, int status);

/* Count one refused webhook. */
void metrics_reject(enum metrics_reason reason);

/* Count one signature committed, and one duplicate answered. */
void metrics_signature(enum metrics_source source);
void metrics_duplicate(enum metrics_source source);

/* Count one unsubscribe committed. */
void metrics_unsubscribe(void);

/* One group commit: its duration in seconds and how many jobs it held. */
void metrics_commit(double seconds, size_t jobs);

/* The writer finished a checkpoint itself and the WAL starts over; it
 * held the writer for seconds. */
void metrics_wal_restart(double seconds);

/* Append the Prometheus text exposition (format 0.0.4).  MERR_LIMIT. */
int metrics_render(struct buf *out);

/* Read one counter (tests). */
uint64_t metrics_requests(enum metrics_route route, int status);
uint64_t metrics_rejects(enum metrics_reason reason);
uint64_t metrics_wal_restarts(void);

/* Zero everything (tests, and each serve run). */
void metrics_reset(void);

#endif
