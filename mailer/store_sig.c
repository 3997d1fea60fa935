/*
 * store_sig: SQL for signatures, webhook events and unsubscribes (part of
 * the sqlite3 adapter).  The record functions run inside the caller's
 * transaction and never begin or commit one.
 */
#include "store_sig.h"

#include <string.h>

#include "store_int.h"
#include "util.h"

/* Run a statement that returns no row; MERR_DB. */
static int
step_done(struct store *st, sqlite3_stmt *s, const char *what, struct merr *err)
{
    int rc = 0;

    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = store_fail(st, err, what);
    }
    sqlite3_reset(s);
    return rc;
}

/* The appeal's seq and not_after (0 when unset); *found false if none. */
static int
find_appeal(struct store *st, const char *id, int64_t *seq, int64_t *not_after,
            bool *found, struct merr *err)
{
    static const char sql[] =
        "SELECT seq, coalesce(not_after, 0) FROM appeals WHERE id = ?1";
    sqlite3_stmt *s = NULL;
    int rc;

    *found = false;
    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *seq = sqlite3_column_int64(s, 0);
        *not_after = sqlite3_column_int64(s, 1);
        *found = true;
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = 0;
    } else {
        rc = store_fail(st, err, "find appeal");
    }
    sqlite3_reset(s);
    return rc;
}

/* A subscriber's id, email_key and profile for a signature. */
struct signer {
    int64_t id;
    char key[512];
    char name[512];
    char country[8];
    char language[64];
    int consent;
};

static void
copy_col(sqlite3_stmt *s, int col, char *out, size_t size)
{
    /* columns were checked on the way in; a longer one is cut, which
     * only affects a display copy */
    (void)util_strlcpy(out, store_col_text(s, col), size);
}

/* Look a subscriber up by id (key == NULL) or by email key. */
static int
find_signer(struct store *st, int64_t id, const char *key, struct signer *out,
            bool *found, struct merr *err)
{
    static const char by_id[] =
        "SELECT id, email_key, name, country, language, coalesce(consent, 0) "
        "FROM subscribers WHERE id = ?1";
    static const char by_key[] =
        "SELECT id, email_key, name, country, language, coalesce(consent, 0) "
        "FROM subscribers WHERE email_key = ?1";
    sqlite3_stmt *s = NULL;
    int rc;

    *found = false;
    rc = store_stmt(st, key == NULL ? by_id : by_key, &s, err);
    if (rc != 0) {
        return rc;
    }
    if (key == NULL) {
        sqlite3_bind_int64(s, 1, id);
    } else {
        store_bind_text(s, 1, key);
    }
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(s, 0);
        copy_col(s, 1, out->key, sizeof(out->key));
        copy_col(s, 2, out->name, sizeof(out->name));
        copy_col(s, 3, out->country, sizeof(out->country));
        copy_col(s, 4, out->language, sizeof(out->language));
        out->consent = sqlite3_column_int(s, 5);
        *found = true;
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = 0;
    } else {
        rc = store_fail(st, err, "find subscriber");
    }
    sqlite3_reset(s);
    return rc;
}

/* Insert the webhook id; *dup when it was there already. */
static int
record_event(struct store *st, const char *id, int64_t now, bool *dup,
             struct merr *err)
{
    static const char sql[] = "INSERT INTO webhook_events (id, received_at) "
                              "VALUES (?1, ?2) ON CONFLICT DO NOTHING";
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, id);
    sqlite3_bind_int64(s, 2, now);
    rc = step_done(st, s, "record webhook event", err);
    *dup = rc == 0 && sqlite3_changes(st->db) == 0;
    return rc;
}

/* The id of the "signers" list, created when missing. */
static int
signers_list(struct store *st, int64_t now, int64_t *id, struct merr *err)
{
    static const char ins[] = "INSERT INTO lists (name, trusted, created) "
                              "VALUES (?1, 0, ?2) ON CONFLICT DO NOTHING";
    static const char sel[] = "SELECT id FROM lists WHERE name = ?1";
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, ins, &s, err);
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, STORE_SIG_SIGNERS_LIST);
    sqlite3_bind_int64(s, 2, now);
    rc = step_done(st, s, "create signers list", err);
    if (rc != 0) {
        return rc;
    }
    rc = store_stmt(st, sel, &s, err);
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, STORE_SIG_SIGNERS_LIST);
    if (sqlite3_step(s) == SQLITE_ROW) {
        *id = sqlite3_column_int64(s, 0);
    } else {
        rc = store_fail(st, err, "signers list");
    }
    sqlite3_reset(s);
    return rc;
}

/* A signer who consents to contact becomes a subscriber (if not
 * suppressed); *id gets the new subscriber, or stays 0. */
static int
subscribe(struct store *st, const struct store_sig_webhook *in, int64_t now,
          int64_t *id, struct merr *err)
{
    static const char ins[] =
        "INSERT INTO subscribers (email, email_key, email_display, name, "
        "language, country, consent, status, created, updated) "
        "VALUES (?1, ?2, ?7, ?3, ?4, ?5, 1, 'active', ?6, ?6)";
    static const char member[] =
        "INSERT INTO list_members (list_id, subscriber_id, added) "
        "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING";
    sqlite3_stmt *s = NULL;
    int64_t list = 0;
    bool suppressed = false;
    int rc;

    rc = store_sig_suppressed(st, in->email_key, in->person_hash, &suppressed,
                              err);
    if (rc != 0 || suppressed) {
        return rc;
    }
    rc = signers_list(st, now, &list, err);
    if (rc == 0) {
        rc = store_stmt(st, ins, &s, err);
    }
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, in->email);
    store_bind_text(s, 2, in->email_key);
    store_bind_text(s, 3, in->name);
    store_bind_text(s, 4, in->language);
    store_bind_text(s, 5, in->country);
    sqlite3_bind_int64(s, 6, now);
    store_bind_text(s, 7, in->email_display);
    rc = step_done(st, s, "insert subscriber", err);
    if (rc != 0) {
        return rc;
    }
    *id = sqlite3_last_insert_rowid(st->db);
    rc = store_stmt(st, member, &s, err);
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, list);
    sqlite3_bind_int64(s, 2, *id);
    sqlite3_bind_int64(s, 3, now);
    return step_done(st, s, "add to signers list", err);
}

struct sig_row {
    int64_t seq;
    int64_t sub; /* 0: not a subscriber */
    const char *key;
    const char *name;
    const char *country;
    const char *language;
    const char *source;
    const char *event_id; /* NULL for links */
    bool consent;
    int64_t signed_at;
};

static int
insert_signature(struct store *st, const struct sig_row *r, int64_t now,
                 bool *dup, struct merr *err)
{
    static const char sql[] =
        "INSERT INTO signatures (appeal_seq, subscriber_id, person_key, name, "
        "country, language, source, event_id, consent, signed_at, created) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
        "ON CONFLICT (appeal_seq, person_key) DO NOTHING";
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, r->seq);
    if (r->sub != 0) {
        sqlite3_bind_int64(s, 2, r->sub);
    }
    store_bind_text(s, 3, r->key);
    store_bind_text(s, 4, r->name);
    store_bind_text(s, 5, r->country);
    store_bind_text(s, 6, r->language);
    store_bind_text(s, 7, r->source);
    store_bind_text(s, 8, r->event_id);
    sqlite3_bind_int(s, 9, r->consent ? 1 : 0);
    sqlite3_bind_int64(s, 10, r->signed_at);
    sqlite3_bind_int64(s, 11, now);
    rc = step_done(st, s, "insert signature", err);
    *dup = rc == 0 && sqlite3_changes(st->db) == 0;
    return rc;
}

int
store_sig_webhook(struct store *st, const struct store_sig_webhook *in,
                  int64_t now, enum store_sig_result *res, int64_t *seq,
                  struct merr *err)
{
    struct signer sub;
    struct sig_row row;
    int64_t not_after = 0;
    bool found = false;
    bool dup = false;
    int rc;

    memset(&sub, 0, sizeof(sub));
    memset(&row, 0, sizeof(row));
    *seq = 0;
    rc = find_appeal(st, in->appeal_id, seq, &not_after, &found, err);
    if (rc != 0) {
        return rc;
    }
    if (!found) {
        *res = STORE_SIG_UNKNOWN_APPEAL;
        return 0;
    }
    if (not_after != 0 && in->signed_at > not_after) {
        *res = STORE_SIG_CLOSED;
        return 0;
    }
    /* who signed: the token's subscriber, else by address */
    found = false;
    if (in->token_subscriber != 0 && in->token_appeal == *seq) {
        rc = find_signer(st, in->token_subscriber, NULL, &sub, &found, err);
    }
    if (rc == 0 && !found && in->email_key[0] != '\0') {
        rc = find_signer(st, 0, in->email_key, &sub, &found, err);
    }
    if (rc != 0) {
        return rc;
    }
    if (!found && in->email_key[0] == '\0') {
        *res = STORE_SIG_UNKNOWN_SIGNER;
        return 0;
    }
    rc = record_event(st, in->event_id, now, &dup, err);
    if (rc != 0) {
        return rc;
    }
    if (dup) {
        *res = STORE_SIG_DUPLICATE_EVENT;
        return 0;
    }
    if (!found && in->consent) {
        rc = subscribe(st, in, now, &sub.id, err);
        if (rc != 0) {
            return rc;
        }
    }
    row.seq = *seq;
    row.sub = sub.id;
    row.key = found ? sub.key : in->email_key;
    row.name = in->name;
    row.country = in->country[0] != '\0' ? in->country : sub.country;
    row.language = in->language[0] != '\0' ? in->language : sub.language;
    row.source = "webhook";
    row.event_id = in->event_id;
    row.consent = in->consent;
    row.signed_at = in->signed_at;
    rc = insert_signature(st, &row, now, &dup, err);
    if (rc == 0) {
        *res = dup ? STORE_SIG_DUPLICATE : STORE_SIG_STORED;
    }
    return rc;
}

int
store_sig_link(struct store *st, int64_t seq, int64_t sub_id, int64_t now,
               enum store_sig_result *res, struct merr *err)
{
    struct signer sub;
    struct sig_row row;
    bool found = false;
    bool dup = false;
    int rc;

    memset(&sub, 0, sizeof(sub));
    memset(&row, 0, sizeof(row));
    rc = find_signer(st, sub_id, NULL, &sub, &found, err);
    if (rc != 0) {
        return rc;
    }
    if (!found) {
        *res = STORE_SIG_NOT_FOUND;
        return 0;
    }
    row.seq = seq;
    row.sub = sub.id;
    row.key = sub.key;
    row.name = sub.name;
    row.country = sub.country;
    row.language = sub.language;
    row.source = "link";
    row.consent = sub.consent == 1;
    row.signed_at = now;
    rc = insert_signature(st, &row, now, &dup, err);
    if (rc == 0) {
        *res = dup ? STORE_SIG_DUPLICATE : STORE_SIG_STORED;
    }
    return rc;
}

int
store_sig_unsubscribe(struct store *st, int64_t sub, const char *email_key,
                      const char *hash, const char *detail, int64_t now,
                      enum store_sig_result *res, struct merr *err)
{
    static const char upd[] =
        "UPDATE subscribers SET status = 'unsubscribed', updated = ?2 "
        "WHERE id = ?1 AND status = 'active'";
    static const char sup[] =
        "INSERT INTO suppressions (hash, email_key, reason, detail, created) "
        "VALUES (?1, ?2, 'unsubscribed', ?3, ?4) ON CONFLICT DO NOTHING";
    struct signer s0;
    sqlite3_stmt *s = NULL;
    bool found = false;
    int rc;

    rc = find_signer(st, sub, NULL, &s0, &found, err);
    if (rc != 0) {
        return rc;
    }
    if (!found) {
        *res = STORE_SIG_NOT_FOUND;
        return 0;
    }
    rc = store_stmt(st, upd, &s, err);
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, sub);
    sqlite3_bind_int64(s, 2, now);
    rc = step_done(st, s, "unsubscribe", err);
    if (rc == 0) {
        rc = store_stmt(st, sup, &s, err);
    }
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, hash);
    store_bind_text(s, 2, email_key);
    store_bind_text(s, 3, detail);
    sqlite3_bind_int64(s, 4, now);
    rc = step_done(st, s, "suppress", err);
    if (rc == 0) {
        *res = STORE_SIG_STORED;
    }
    return rc;
}

static int
exec_cached(struct store *st, const char *sql, struct merr *err)
{
    sqlite3_stmt *s = NULL;
    int rc = store_stmt(st, sql, &s, err);

    if (rc == 0) {
        rc = step_done(st, s, sql, err);
    }
    return rc;
}

int
store_sig_savepoint(struct store *st, struct merr *err)
{
    static const char sql[] = "SAVEPOINT job";

    return exec_cached(st, sql, err);
}

int
store_sig_release(struct store *st, struct merr *err)
{
    static const char sql[] = "RELEASE job";

    return exec_cached(st, sql, err);
}

void
store_sig_rollback_to(struct store *st)
{
    /* ROLLBACK TO keeps the savepoint open: release it too */
    (void)store_exec(st, "ROLLBACK TO job; RELEASE job", NULL);
}

int
store_sig_manual_checkpoints(struct store *st, struct merr *err)
{
    return store_exec(st, "PRAGMA wal_autocheckpoint=0", err);
}

int
store_sig_checkpoint(struct store *st, int *wal_frames, int *copied,
                     struct merr *err)
{
    int rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                       wal_frames, copied);

    /* BUSY: another checkpoint runs; it will be done next time */
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        return store_fail(st, err, "checkpoint");
    }
    return 0;
}

int
store_sig_has_signed(struct store *st, int64_t seq, const char *person_key,
                     bool *out, struct merr *err)
{
    static const char sql[] = "SELECT 1 FROM signatures "
                              "WHERE appeal_seq = ?1 AND person_key = ?2";
    sqlite3_stmt *s = NULL;
    int rc;

    *out = false;
    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, seq);
    store_bind_text(s, 2, person_key);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        *out = rc == SQLITE_ROW;
        rc = 0;
    } else {
        rc = store_fail(st, err, "read signatures");
    }
    sqlite3_reset(s);
    return rc;
}

int
store_sig_suppressed(struct store *st, const char *email_key, const char *hash,
                     bool *out, struct merr *err)
{
    static const char sql[] = "SELECT 1 FROM suppressions "
                              "WHERE hash = ?1 OR email_key = ?2";
    sqlite3_stmt *s = NULL;
    int rc;

    *out = false;
    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, hash);
    store_bind_text(s, 2, email_key);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        *out = rc == SQLITE_ROW;
        rc = 0;
    } else {
        rc = store_fail(st, err, "read suppressions");
    }
    sqlite3_reset(s);
    return rc;
}

int
store_sig_each(struct store *st, int64_t seq,
               int (*fn)(const struct store_sig_row *row, void *arg), void *arg,
               struct merr *err)
{
    static const char sql[] =
        "SELECT g.name, g.country, g.language, g.source, "
        "coalesce(s.email_display, g.person_key), g.signed_at "
        "FROM signatures g LEFT JOIN subscribers s ON s.id = g.subscriber_id "
        "WHERE g.appeal_seq = ?1 ORDER BY g.signed_at, g.id";
    struct store_sig_row row;
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, seq);
    for (;;) {
        int step = sqlite3_step(s);

        if (step == SQLITE_DONE) {
            break;
        }
        if (step != SQLITE_ROW) {
            rc = store_fail(st, err, "read signatures");
            break;
        }
        row.name = store_col_text(s, 0);
        row.country = store_col_text(s, 1);
        row.language = store_col_text(s, 2);
        row.source = store_col_text(s, 3);
        row.email = store_col_text(s, 4);
        row.signed_at = sqlite3_column_int64(s, 5);
        rc = fn(&row, arg);
        if (rc != 0) {
            break;
        }
    }
    sqlite3_reset(s);
    return rc;
}

int
store_sig_count(struct store *st, int64_t seq, int64_t *out, struct merr *err)
{
    static const char sql[] =
        "SELECT count(*) FROM signatures WHERE appeal_seq = ?1";
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, seq);
    if (sqlite3_step(s) == SQLITE_ROW) {
        *out = sqlite3_column_int64(s, 0);
    } else {
        rc = store_fail(st, err, "count signatures");
    }
    sqlite3_reset(s);
    return rc;
}
