/*
 * store_int: what the store_*.c files share and nobody else sees: the
 * struct store layout and the prepared-statement cache.
 */
#ifndef TOCSIN_STORE_INT_H
#define TOCSIN_STORE_INT_H

#include <sqlite3.h>

#include "err.h"
#include "store.h"

#define STORE_STMT_CACHE 64

struct store_cached {
    const char *sql; /* static string, compared by pointer */
    sqlite3_stmt *stmt;
};

struct store {
    sqlite3 *db;
    char *path;
    bool in_tx;
    struct store_cached cache[STORE_STMT_CACHE];
    size_t ncache;
};

/*
 * A cached prepared statement for sql (a string literal: the cache is keyed
 * by its address), reset and with bindings cleared.  Borrowed: valid until
 * store_close(); never finalize it.  MERR_DB.
 */
int store_stmt(struct store *st, const char *sql, sqlite3_stmt **out,
               struct merr *err);

/* Run SQL without results (may hold several statements).  MERR_DB. */
int store_exec(struct store *st, const char *sql, struct merr *err);

/* Fill err from the connection's last error: "what: sqlite message". */
int store_fail(struct store *st, struct merr *err, const char *what);

/* Bind text, or NULL when s is NULL. */
int store_bind_text(sqlite3_stmt *s, int idx, const char *text);

/* Column text as "" when NULL (borrowed until the next step/reset). */
const char *store_col_text(sqlite3_stmt *s, int col);

#endif
