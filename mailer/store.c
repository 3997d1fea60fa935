/*
 * store: opening the database, numbered migrations, transactions and the
 * statement cache.  The per-area queries live in store_<area>.c.  No other
 * part of the program talks SQL.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store_int.h"
#include "util.h"

/*
 * Migrations, applied in order, each in its own transaction, and recorded
 * in schema_migrations.  Never edit one that has shipped: add a new one.
 */
static const char *const migrations[] = {
    /* 1: subscribers and lists (issue 2) */
    "CREATE TABLE lists ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  trusted INTEGER NOT NULL DEFAULT 0,"
    "  created INTEGER NOT NULL"
    ");"
    "CREATE TABLE subscribers ("
    "  id INTEGER PRIMARY KEY,"
    /* the address as it is sent: domain lower-case ASCII (A-labels) */
    "  email TEXT NOT NULL,"
    /* the mailbox identity: the whole address lower-cased, ASCII domain */
    "  email_key TEXT NOT NULL UNIQUE,"
    /* the address for people: domain in Unicode (U-labels) */
    "  email_display TEXT NOT NULL,"
    "  name TEXT NOT NULL DEFAULT '',"
    "  language TEXT NOT NULL DEFAULT '',"
    "  country TEXT NOT NULL DEFAULT '',"
    "  consent INTEGER,"
    "  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN"
    "    ('active','unsubscribed','bounced','complained','suppressed')),"
    "  attrs TEXT NOT NULL DEFAULT '{}',"
    "  soft_bounces INTEGER NOT NULL DEFAULT 0,"
    "  last_soft_bounce_day INTEGER,"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL"
    ");"
    "CREATE TABLE list_members ("
    "  list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
    "  subscriber_id INTEGER NOT NULL"
    "    REFERENCES subscribers(id) ON DELETE CASCADE,"
    "  added INTEGER NOT NULL,"
    "  PRIMARY KEY (list_id, subscriber_id)"
    ") WITHOUT ROWID;"
    "CREATE INDEX list_members_subscriber ON list_members(subscriber_id);"
    /* hash: keyed hash of email_key (token_person_hash); email_key is
     * NULL once the person has been forgotten. */
    "CREATE TABLE suppressions ("
    "  hash TEXT PRIMARY KEY,"
    "  email_key TEXT UNIQUE,"
    "  reason TEXT NOT NULL,"
    "  detail TEXT NOT NULL DEFAULT '',"
    "  created INTEGER NOT NULL"
    ") WITHOUT ROWID;",

    /* 2: appeals and the delivery queue (issue 4) */
    "CREATE TABLE appeals ("
    /* seq: the number carried in tokens; id: the slug of the file */
    "  seq INTEGER PRIMARY KEY,"
    "  id TEXT NOT NULL UNIQUE,"
    "  content_hash TEXT NOT NULL,"
    "  title TEXT NOT NULL DEFAULT '',"
    /* the appeal file as registered (JSON): pages are built from it */
    "  doc TEXT NOT NULL,"
    "  visibility TEXT NOT NULL DEFAULT 'public',"
    "  not_before INTEGER,"
    "  not_after INTEGER,"
    "  status TEXT NOT NULL DEFAULT 'registered',"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL"
    ");"
    "CREATE TABLE deliveries ("
    "  appeal_seq INTEGER NOT NULL REFERENCES appeals(seq),"
    "  subscriber_id INTEGER NOT NULL"
    "    REFERENCES subscribers(id) ON DELETE CASCADE,"
    "  email TEXT NOT NULL,"
    "  language TEXT NOT NULL DEFAULT '',"
    "  state TEXT NOT NULL CHECK (state IN ('queued','sending','sent',"
    "    'deferred','failed','uncertain','bounced','expired')),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  code INTEGER,"
    "  reply TEXT,"
    "  message_id TEXT,"
    "  relay TEXT,"
    "  content_hash TEXT,"
    "  next_try INTEGER,"
    "  sent_at INTEGER,"
    "  updated INTEGER NOT NULL,"
    "  PRIMARY KEY (appeal_seq, subscriber_id)"
    ") WITHOUT ROWID;"
    "CREATE INDEX deliveries_state ON deliveries(appeal_seq, state);"
    "CREATE INDEX deliveries_subscriber ON deliveries(subscriber_id);",

    /* 3: signatures and webhook events (issue 5) */
    "CREATE TABLE signatures ("
    "  id INTEGER PRIMARY KEY,"
    "  appeal_seq INTEGER NOT NULL REFERENCES appeals(seq),"
    "  subscriber_id INTEGER"
    "    REFERENCES subscribers(id) ON DELETE SET NULL,"
    /* one person signs once: the signer's email_key */
    "  person_key TEXT NOT NULL,"
    "  name TEXT NOT NULL DEFAULT '',"
    "  country TEXT NOT NULL DEFAULT '',"
    "  language TEXT NOT NULL DEFAULT '',"
    "  source TEXT NOT NULL CHECK (source IN ('link','webhook')),"
    "  event_id TEXT,"
    "  consent INTEGER NOT NULL DEFAULT 0,"
    "  signed_at INTEGER NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  UNIQUE (appeal_seq, person_key)"
    ");"
    "CREATE INDEX signatures_subscriber ON signatures(subscriber_id);"
    "CREATE TABLE webhook_events ("
    "  id TEXT PRIMARY KEY,"
    "  received_at INTEGER NOT NULL"
    ") WITHOUT ROWID;",

    /* 4: bounces (issue 6) */
    "CREATE TABLE bounces ("
    "  id INTEGER PRIMARY KEY,"
    "  appeal_seq INTEGER REFERENCES appeals(seq),"
    "  subscriber_id INTEGER"
    "    REFERENCES subscribers(id) ON DELETE SET NULL,"
    "  recipient TEXT,"
    "  kind TEXT NOT NULL CHECK (kind IN"
    "    ('hard','soft','complaint','autoreply','unknown')),"
    "  status TEXT NOT NULL DEFAULT '',"
    "  reason TEXT NOT NULL DEFAULT '',"
    /* the message it came from: Message-ID, else a digest of it */
    "  source TEXT NOT NULL,"
    "  received_at INTEGER NOT NULL,"
    "  UNIQUE (source, recipient)"
    ");"
    "CREATE INDEX bounces_delivery ON bounces(appeal_seq, subscriber_id);"
    "CREATE TABLE mailbox_seen ("
    "  key TEXT PRIMARY KEY,"
    "  processed_at INTEGER NOT NULL"
    ") WITHOUT ROWID;",

    /* 5: when a delivery was first tried, for the retry_hours limit
     * (issue 4) */
    "ALTER TABLE deliveries ADD COLUMN first_try INTEGER;",

    /* 6: a subscriber's bounces by date: the soft-bounce score counts
     * days from the bounces table (dated when they happened) */
    "CREATE INDEX bounces_subscriber ON bounces(subscriber_id, received_at);",
};

int
store_latest_version(void)
{
    return (int)TOCSIN_ARRAY_LEN(migrations);
}

int
store_fail(struct store *st, struct merr *err, const char *what)
{
    return merr_set(err, MERR_DB, "%s: %s: %s", st->path, what,
                    sqlite3_errmsg(st->db));
}

int
store_exec(struct store *st, const char *sql, struct merr *err)
{
    char *msg = NULL;
    int rc;

    rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        merr_set(err, MERR_DB, "%s: %s", st->path,
                 msg != NULL ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg); /* sqlite3_exec allocates the message */
        return MERR_DB;
    }
    return 0;
}

int
store_stmt(struct store *st, const char *sql, sqlite3_stmt **out,
           struct merr *err)
{
    sqlite3_stmt *s = NULL;

    *out = NULL;
    for (size_t i = 0; i < st->ncache; i++) {
        if (st->cache[i].sql == sql) {
            s = st->cache[i].stmt;
            sqlite3_reset(s);
            sqlite3_clear_bindings(s);
            *out = s;
            return 0;
        }
    }
    if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s,
                           NULL) != SQLITE_OK) {
        return store_fail(st, err, "prepare");
    }
    if (st->ncache == STORE_STMT_CACHE) {
        /* full: evict the oldest (finalize: we own it) */
        sqlite3_finalize(st->cache[0].stmt);
        memmove(&st->cache[0], &st->cache[1],
                (STORE_STMT_CACHE - 1) * sizeof(st->cache[0]));
        st->ncache--;
    }
    st->cache[st->ncache].sql = sql;
    st->cache[st->ncache].stmt = s;
    st->ncache++;
    *out = s;
    return 0;
}

int
store_bind_text(sqlite3_stmt *s, int idx, const char *text)
{
    if (text == NULL) {
        return sqlite3_bind_null(s, idx);
    }
    /* SQLITE_STATIC: the caller keeps text alive until the step */
    return sqlite3_bind_text(s, idx, text, -1, SQLITE_STATIC);
}

const char *
store_col_text(sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);

    return t != NULL ? (const char *)t : "";
}

static int
migrate(struct store *st, struct merr *err)
{
    static const char sql_version[] =
        "SELECT coalesce(max(version), 0) FROM schema_migrations";
    static const char sql_record[] =
        "INSERT INTO schema_migrations (version, applied) VALUES (?, ?)";
    sqlite3_stmt *s = NULL;
    int version = 0;
    int rc;

    rc = store_exec(st,
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version INTEGER PRIMARY KEY,"
                    " applied INTEGER NOT NULL)",
                    err);
    if (rc != 0) {
        return rc;
    }
    rc = store_stmt(st, sql_version, &s, err);
    if (rc != 0) {
        return rc;
    }
    if (sqlite3_step(s) == SQLITE_ROW) {
        version = sqlite3_column_int(s, 0);
    }
    sqlite3_reset(s);
    if (version > store_latest_version()) {
        return merr_set(err, MERR_DB,
                        "%s: schema version %d is newer than this tocsin "
                        "knows (%d): upgrade tocsin",
                        st->path, version, store_latest_version());
    }
    for (int v = version; v < store_latest_version(); v++) {
        rc = store_begin(st, err);
        if (rc != 0) {
            return rc;
        }
        rc = store_exec(st, migrations[v], err);
        if (rc == 0) {
            rc = store_stmt(st, sql_record, &s, err);
        }
        if (rc == 0) {
            sqlite3_bind_int(s, 1, v + 1);
            sqlite3_bind_int64(s, 2, util_now());
            if (sqlite3_step(s) != SQLITE_DONE) {
                rc = store_fail(st, err, "record migration");
            }
            sqlite3_reset(s);
        }
        if (rc == 0) {
            rc = store_commit(st, err);
        }
        if (rc != 0) {
            store_rollback(st);
            merr_prefix(err, "migration %d", v + 1);
            return rc;
        }
    }
    return 0;
}

int
store_open(const char *path, int flags, struct store **out, struct merr *err)
{
    struct store *st = NULL;
    int oflags;
    int rc = 0;

    *out = NULL;
    /* ":memory:" is SQLite's private in-memory database (unit tests) */
    if (strcmp(path, ":memory:") != 0 && access(path, F_OK) != 0) {
        int fd;

        if (!(flags & STORE_CREATE)) {
            return merr_set(err, MERR_NOINPUT,
                            "%s: no database (run \"tocsin init\")", path);
        }
        /* create it ourselves so that it is 0600 from the first byte */
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST) {
            return merr_set(err, MERR_IO, "%s: %s", path, strerror(errno));
        }
        if (fd >= 0) {
            close(fd);
        }
    }
    st = xcalloc(1, sizeof(*st));
    st->path = xstrdup(path);
    oflags =
        (flags & STORE_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (sqlite3_open_v2(path, &st->db, oflags | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        rc = store_fail(st, err, "open");
        goto out;
    }
    sqlite3_busy_timeout(st->db, 10000);
    sqlite3_extended_result_codes(st->db, 1);
    if (!(flags & STORE_READONLY)) {
        rc = store_exec(st,
                        "PRAGMA journal_mode=WAL;"
                        "PRAGMA synchronous=FULL;",
                        err);
        if (rc != 0) {
            goto out;
        }
    }
    rc = store_exec(st, "PRAGMA foreign_keys=ON;", err);
    if (rc != 0) {
        goto out;
    }
    if (!(flags & STORE_READONLY)) {
        rc = migrate(st, err);
        if (rc != 0) {
            goto out;
        }
    }
    /* the -wal and -shm files hold the same data: same mode as the db */
    if (!(flags & STORE_READONLY)) {
        char side[4096];

        if (snprintf(side, sizeof(side), "%s-wal", path) < (int)sizeof(side)) {
            (void)chmod(side, 0600);
        }
        if (snprintf(side, sizeof(side), "%s-shm", path) < (int)sizeof(side)) {
            (void)chmod(side, 0600);
        }
    }
    *out = st;
    st = NULL;
out:
    store_close(st);
    return rc;
}

void
store_close(struct store *st)
{
    if (st == NULL) {
        return;
    }
    if (st->in_tx) {
        store_rollback(st);
    }
    for (size_t i = 0; i < st->ncache; i++) {
        sqlite3_finalize(st->cache[i].stmt);
    }
    /* sqlite3_close_v2 accepts NULL */
    sqlite3_close_v2(st->db);
    free(st->path);
    free(st);
}

int
store_schema_version(struct store *st, int *out, struct merr *err)
{
    static const char sql[] =
        "SELECT coalesce(max(version), 0) FROM schema_migrations";
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    if (sqlite3_step(s) != SQLITE_ROW) {
        rc = store_fail(st, err, "schema version");
    } else {
        *out = sqlite3_column_int(s, 0);
    }
    sqlite3_reset(s);
    return rc;
}

int
store_begin(struct store *st, struct merr *err)
{
    int rc = store_exec(st, "BEGIN IMMEDIATE", err);

    if (rc == 0) {
        st->in_tx = true;
    }
    return rc;
}

int
store_commit(struct store *st, struct merr *err)
{
    int rc = store_exec(st, "COMMIT", err);

    if (rc == 0) {
        st->in_tx = false;
    }
    return rc;
}

void
store_rollback(struct store *st)
{
    if (st->in_tx) {
        (void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        st->in_tx = false;
    }
}

bool
store_in_transaction(const struct store *st)
{
    return st->in_tx;
}

const char *
store_path(const struct store *st)
{
    return st->path;
}

int
store_ping(struct store *st, struct merr *err)
{
    int rc = store_begin(st, err);

    if (rc != 0) {
        return rc;
    }
    /* a write lock was taken: the database is writable */
    return store_commit(st, err);
}
