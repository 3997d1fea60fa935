/*
 * store_appeal: SQL for the appeals table (part of the sqlite3 adapter).
 */
#include "store_appeal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "util.h"

#define APPEAL_COLS                                                            \
    "seq, id, content_hash, title, doc, visibility, coalesce(not_before, 0), " \
    "coalesce(not_after, 0), status, created, updated"

void
store_appeal_release(struct store_appeal *a)
{
    if (a == NULL) {
        return;
    }
    free(a->id);
    free(a->content_hash);
    free(a->title);
    free(a->doc);
    free(a->visibility);
    free(a->status);
    memset(a, 0, sizeof(*a));
}

static void
fill(sqlite3_stmt *s, struct store_appeal *a)
{
    a->seq = sqlite3_column_int64(s, 0);
    a->id = xstrdup(store_col_text(s, 1));
    a->content_hash = xstrdup(store_col_text(s, 2));
    a->title = xstrdup(store_col_text(s, 3));
    a->doc = xstrdup(store_col_text(s, 4));
    a->visibility = xstrdup(store_col_text(s, 5));
    a->not_before = sqlite3_column_int64(s, 6);
    a->not_after = sqlite3_column_int64(s, 7);
    a->status = xstrdup(store_col_text(s, 8));
    a->created = sqlite3_column_int64(s, 9);
    a->updated = sqlite3_column_int64(s, 10);
}

static int
get_one(struct store *st, sqlite3_stmt *s, const char *what,
        struct store_appeal *out, struct merr *err)
{
    int rc = sqlite3_step(s);

    memset(out, 0, sizeof(*out));
    if (rc == SQLITE_ROW) {
        fill(s, out);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = merr_set(err, MERR_NOTFOUND, "no appeal %s", what);
    } else {
        rc = store_fail(st, err, "read appeal");
    }
    sqlite3_reset(s);
    return rc;
}

int
store_appeal_get(struct store *st, const char *id, struct store_appeal *out,
                 struct merr *err)
{
    static const char sql[] =
        "SELECT " APPEAL_COLS " FROM appeals WHERE id = ?";
    sqlite3_stmt *s = NULL;
    char what[128];
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, id);
    if (snprintf(what, sizeof(what), "\"%s\"", id) >= (int)sizeof(what)) {
        what[sizeof(what) - 1] = '\0';
    }
    return get_one(st, s, what, out, err);
}

int
store_appeal_get_seq(struct store *st, int64_t seq, struct store_appeal *out,
                     struct merr *err)
{
    static const char sql[] =
        "SELECT " APPEAL_COLS " FROM appeals WHERE seq = ?";
    sqlite3_stmt *s = NULL;
    char what[32];
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, seq);
    (void)snprintf(what, sizeof(what), "#%lld", (long long)seq);
    return get_one(st, s, what, out, err);
}

static void
bind_content(sqlite3_stmt *s, const struct store_appeal *a)
{
    store_bind_text(s, 1, a->content_hash);
    store_bind_text(s, 2, a->title != NULL ? a->title : "");
    store_bind_text(s, 3, a->doc);
    store_bind_text(s, 4, a->visibility != NULL ? a->visibility : "public");
    if (a->not_before != 0) {
        sqlite3_bind_int64(s, 5, a->not_before);
    }
    if (a->not_after != 0) {
        sqlite3_bind_int64(s, 6, a->not_after);
    }
    sqlite3_bind_int64(s, 7, util_now());
}

int
store_appeal_insert(struct store *st, struct store_appeal *a, struct merr *err)
{
    static const char sql[] =
        "INSERT INTO appeals (content_hash, title, doc, visibility, "
        "not_before, not_after, created, updated, id, status) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, 'registered')";
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    bind_content(s, a);
    store_bind_text(s, 8, a->id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        a->seq = sqlite3_last_insert_rowid(st->db);
        rc = 0;
    } else if (rc == SQLITE_CONSTRAINT_UNIQUE) {
        rc = merr_set(err, MERR_EXISTS, "appeal \"%s\" exists already", a->id);
    } else {
        rc = store_fail(st, err, "insert appeal");
    }
    sqlite3_reset(s);
    return rc;
}

int
store_appeal_update(struct store *st, const struct store_appeal *a,
                    struct merr *err)
{
    static const char sql[] =
        "UPDATE appeals SET content_hash = ?1, title = ?2, doc = ?3, "
        "visibility = ?4, not_before = ?5, not_after = ?6, updated = ?7 "
        "WHERE seq = ?8";
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    bind_content(s, a);
    sqlite3_bind_int64(s, 8, a->seq);
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = store_fail(st, err, "update appeal");
    } else if (sqlite3_changes(st->db) == 0) {
        rc = merr_set(err, MERR_NOTFOUND, "no appeal #%lld", (long long)a->seq);
    }
    sqlite3_reset(s);
    return rc;
}

int
store_appeal_set_status(struct store *st, int64_t seq, const char *status,
                        struct merr *err)
{
    static const char sql[] =
        "UPDATE appeals SET status = ?1, updated = ?2 WHERE seq = ?3";
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, status);
    sqlite3_bind_int64(s, 2, util_now());
    sqlite3_bind_int64(s, 3, seq);
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = store_fail(st, err, "appeal status");
    } else if (sqlite3_changes(st->db) == 0) {
        rc = merr_set(err, MERR_NOTFOUND, "no appeal #%lld", (long long)seq);
    }
    sqlite3_reset(s);
    return rc;
}
