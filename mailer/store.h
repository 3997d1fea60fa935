/*
 * store: the database (SQLite, one file, WAL).  The store_*.c files are the
 * only ones that include sqlite3.h; other modules see struct store and the
 * functions declared in store.h and store_<area>.h.  This header holds the
 * core: open with migrations, transactions.
 */
#ifndef TOCSIN_STORE_H
#define TOCSIN_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

struct store;

enum store_open_flags {
    STORE_CREATE = 1 << 0,   /* create the file (mode 0600) if missing */
    STORE_READONLY = 1 << 1, /* open read-only, no migrations */
};

/*
 * Open (and with STORE_CREATE create, mode 0600) the database at path:
 * WAL, synchronous=FULL, foreign keys, busy timeout; numbered migrations
 * are applied in one transaction each.  ":memory:" opens a private
 * in-memory database (unit tests).  *out: caller frees with
 * store_close().  MERR_DB, MERR_NOINPUT (missing without STORE_CREATE).
 */
int store_open(const char *path, int flags, struct store **out,
               struct merr *err);

/* Finalize every cached statement and close.  NULL is fine. */
void store_close(struct store *st);

/* The schema version (number of migrations applied). */
int store_schema_version(struct store *st, int *out, struct merr *err);

/* The number of migrations this program knows. */
int store_latest_version(void);

/*
 * Transactions.  store_begin takes the write lock at once (BEGIN
 * IMMEDIATE) so a writer never fails half-way on a busy database.
 */
int store_begin(struct store *st, struct merr *err);
int store_commit(struct store *st, struct merr *err);
void store_rollback(struct store *st);

/* true between store_begin and store_commit/store_rollback. */
bool store_in_transaction(const struct store *st);

/* The path the store was opened with (borrowed). */
const char *store_path(const struct store *st);

/* Run a checkpoint and check the database is writable (for /healthz). */
int store_ping(struct store *st, struct merr *err);

#endif
