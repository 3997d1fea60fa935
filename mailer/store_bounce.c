/*
 * store_bounce: SQL for bounces and mailbox_seen, and the effect of a
 * bounce on deliveries, subscribers and suppressions (part of the sqlite3
 * adapter).  Policy lives in the header's contract; no parsing here.
 */
#include "store_bounce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "util.h"

/* Step a statement that returns no row, then reset it.  MERR_DB. */
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

static int
already_recorded(struct store *st, const struct store_bounce *b, bool *found,
                 struct merr *err)
{
    /* "IS": a NULL recipient matches a NULL recipient (UNIQUE does not) */
    static const char sql[] =
        "SELECT 1 FROM bounces WHERE source = ? AND recipient IS ?";
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, b->source);
    store_bind_text(s, 2, b->recipient);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        *found = rc == SQLITE_ROW;
        rc = 0;
    } else {
        rc = store_fail(st, err, "look up bounce");
    }
    sqlite3_reset(s);
    return rc;
}

static int
insert_bounce(struct store *st, const struct store_bounce *b, int64_t *id,
              struct merr *err)
{
    static const char sql[] =
        "INSERT INTO bounces (appeal_seq, subscriber_id, recipient, kind,"
        " status, reason, source, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    if (b->appeal_seq > 0) {
        sqlite3_bind_int64(s, 1, b->appeal_seq);
    }
    if (b->subscriber_id > 0) {
        sqlite3_bind_int64(s, 2, b->subscriber_id);
    }
    store_bind_text(s, 3, b->recipient);
    store_bind_text(s, 4, b->kind);
    store_bind_text(s, 5, b->status != NULL ? b->status : "");
    store_bind_text(s, 6, b->reason != NULL ? b->reason : "");
    store_bind_text(s, 7, b->source);
    sqlite3_bind_int64(s, 8, b->received_at);
    rc = step_done(st, s, "record bounce", err);
    if (rc == 0) {
        *id = sqlite3_last_insert_rowid(st->db);
    }
    return rc;
}

/* DESIGN.md: sent -> bounced.  An uncertain delivery was handed over after
 * all, since it came back. */
static int
mark_delivery(struct store *st, const struct store_bounce *b, int64_t now,
              bool *changed, struct merr *err)
{
    static const char sql[] =
        "UPDATE deliveries SET state = 'bounced', reply = ?, updated = ?"
        " WHERE appeal_seq = ? AND subscriber_id = ?"
        " AND state IN ('sent', 'uncertain')";
    sqlite3_stmt *s = NULL;
    char reply[TOCSIN_MAX_REPLY];
    int rc;

    *changed = false;
    if (b->appeal_seq <= 0) {
        return 0;
    }
    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    /* a diagnostic for people: cutting a long one is fine */
    (void)snprintf(reply, sizeof(reply), "bounce %s %s",
                   b->status != NULL ? b->status : "",
                   b->reason != NULL ? b->reason : "");
    store_bind_text(s, 1, reply);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_int64(s, 3, b->appeal_seq);
    sqlite3_bind_int64(s, 4, b->subscriber_id);
    rc = step_done(st, s, "mark delivery bounced", err);
    if (rc == 0) {
        *changed = sqlite3_changes(st->db) > 0;
    }
    return rc;
}

/*
 * Suppress the subscriber's address (keyed hash, as forget keeps it) and
 * set its status from active to status.  *changed: a suppression or a
 * status was new.
 */
static int
suppress(struct store *st, const struct token_keys *keys, int64_t sub,
         const char *status, const char *reason, const char *detail,
         int64_t now, bool *changed, struct merr *err)
{
    static const char sql_key[] =
        "SELECT email_key FROM subscribers WHERE id = ?";
    static const char sql_supp[] =
        "INSERT OR IGNORE INTO suppressions (hash, email_key, reason, detail,"
        " created) VALUES (?, ?, ?, ?, ?)";
    static const char sql_status[] =
        "UPDATE subscribers SET status = ?, updated = ?"
        " WHERE id = ? AND status = 'active'";
    sqlite3_stmt *s = NULL;
    char hash[TOKEN_HASH_HEX];
    char *email_key = NULL;
    int rc;

    *changed = false;
    rc = store_stmt(st, sql_key, &s, err);
    if (rc != 0) {
        goto out;
    }
    sqlite3_bind_int64(s, 1, sub);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        email_key = xstrdup(store_col_text(s, 0));
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = 0; /* forgotten meanwhile: nothing to suppress */
    } else {
        rc = store_fail(st, err, "read subscriber");
    }
    sqlite3_reset(s);
    if (rc != 0 || email_key == NULL) {
        goto out;
    }
    token_person_hash(keys, email_key, hash);
    rc = store_stmt(st, sql_supp, &s, err);
    if (rc != 0) {
        goto out;
    }
    store_bind_text(s, 1, hash);
    store_bind_text(s, 2, email_key);
    store_bind_text(s, 3, reason);
    store_bind_text(s, 4, detail);
    sqlite3_bind_int64(s, 5, now);
    rc = step_done(st, s, "suppress", err);
    if (rc != 0) {
        goto out;
    }
    *changed = sqlite3_changes(st->db) > 0;
    rc = store_stmt(st, sql_status, &s, err);
    if (rc != 0) {
        goto out;
    }
    store_bind_text(s, 1, status);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_int64(s, 3, sub);
    rc = step_done(st, s, "set subscriber status", err);
    if (rc == 0 && sqlite3_changes(st->db) > 0) {
        *changed = true;
    }
out:
    free(email_key);
    return rc;
}

/*
 * One increment per UTC day the soft bounces happened, at most, for the
 * soft bounce just inserted (row id, dated at; now for "updated"): it counts
 * when it is the subscriber's only soft bounce that day.  The bounces table
 * says which days counted, so a backlog read in any order counts each day once
 * (last_soft_bounce_day is kept as the latest such day, for people).
 * *score gets the score afterwards.
 */
static int
count_soft(struct store *st, int64_t sub, int64_t id, int64_t at, int64_t now,
           bool *counted, int64_t *score, struct merr *err)
{
    static const char sql_day[] =
        "SELECT 1 FROM bounces WHERE subscriber_id = ? AND received_at >= ?"
        " AND received_at < ? AND kind = 'soft' AND id <> ? LIMIT 1";
    static const char sql_inc[] =
        "UPDATE subscribers SET soft_bounces = soft_bounces + 1,"
        " last_soft_bounce_day = max(coalesce(last_soft_bounce_day, ?1), ?1),"
        " updated = ?2 WHERE id = ?3";
    static const char sql_get[] =
        "SELECT soft_bounces FROM subscribers WHERE id = ?";
    int64_t day = at / 86400;
    sqlite3_stmt *s = NULL;
    bool other = false;
    int rc;

    *counted = false;
    *score = 0;
    rc = store_stmt(st, sql_day, &s, err);
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, sub);
    sqlite3_bind_int64(s, 2, day * 86400);
    sqlite3_bind_int64(s, 3, (day + 1) * 86400);
    sqlite3_bind_int64(s, 4, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        other = rc == SQLITE_ROW;
        rc = 0;
    } else {
        rc = store_fail(st, err, "look up soft bounces of the day");
    }
    sqlite3_reset(s);
    if (rc != 0) {
        return rc;
    }
    if (!other) {
        rc = store_stmt(st, sql_inc, &s, err);
        if (rc != 0) {
            return rc;
        }
        sqlite3_bind_int64(s, 1, day);
        sqlite3_bind_int64(s, 2, now);
        sqlite3_bind_int64(s, 3, sub);
        rc = step_done(st, s, "count soft bounce", err);
        if (rc != 0) {
            return rc;
        }
        *counted = sqlite3_changes(st->db) > 0;
    }
    rc = store_stmt(st, sql_get, &s, err);
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, sub);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *score = sqlite3_column_int64(s, 0);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = 0;
    } else {
        rc = store_fail(st, err, "read soft bounces");
    }
    sqlite3_reset(s);
    return rc;
}

int
store_bounce_record(struct store *st, const struct token_keys *keys,
                    const struct store_bounce *b, unsigned soft_threshold,
                    struct store_bounce_effect *eff, struct merr *err)
{
    char detail[256];
    bool found = false;
    int64_t id = 0;
    /* when tocsin acted, for the bookkeeping columns (received_at is when
     * the bounce happened) */
    int64_t now = util_now();
    int rc;

    memset(eff, 0, sizeof(*eff));
    rc = already_recorded(st, b, &found, err);
    if (rc != 0 || found) {
        return rc;
    }
    rc = insert_bounce(st, b, &id, err);
    if (rc != 0) {
        return rc;
    }
    eff->recorded = true;
    if (b->subscriber_id <= 0) {
        return 0;
    }
    /* a diagnostic for people: cutting a long one is fine */
    (void)snprintf(detail, sizeof(detail), "%s%s%s",
                   b->status != NULL ? b->status : "",
                   b->status != NULL && b->status[0] != '\0' ? " " : "",
                   b->reason != NULL ? b->reason : "");
    if (strcmp(b->kind, "hard") == 0) {
        rc = mark_delivery(st, b, now, &eff->bounced, err);
        if (rc == 0) {
            rc = suppress(st, keys, b->subscriber_id, "bounced", "bounce",
                          detail, now, &eff->suppressed, err);
        }
    } else if (strcmp(b->kind, "complaint") == 0) {
        rc = suppress(st, keys, b->subscriber_id, "complained", "complaint",
                      detail, now, &eff->suppressed, err);
    } else if (strcmp(b->kind, "soft") == 0) {
        rc = count_soft(st, b->subscriber_id, id, b->received_at, now,
                        &eff->counted, &eff->soft_score, err);
        if (rc == 0 && eff->counted && soft_threshold > 0 &&
            eff->soft_score >= (int64_t)soft_threshold) {
            rc = suppress(st, keys, b->subscriber_id, "bounced", "soft-bounces",
                          detail, now, &eff->suppressed, err);
        }
    }
    return rc;
}

int
store_bounce_find_message_id(struct store *st, const char *message_id,
                             int64_t *appeal_seq, int64_t *subscriber_id,
                             struct merr *err)
{
    static const char sql[] = "SELECT appeal_seq, subscriber_id FROM deliveries"
                              " WHERE message_id IN (?, ?) LIMIT 1";
    sqlite3_stmt *s = NULL;
    char *bare = NULL;
    size_t len = strlen(message_id);
    int rc;

    if (len >= 2 && message_id[0] == '<' && message_id[len - 1] == '>') {
        bare = xstrndup(message_id + 1, len - 2);
    } else {
        bare = xstrdup(message_id);
    }
    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        goto out;
    }
    store_bind_text(s, 1, message_id);
    store_bind_text(s, 2, bare);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *appeal_seq = sqlite3_column_int64(s, 0);
        *subscriber_id = sqlite3_column_int64(s, 1);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = merr_set(err, MERR_NOTFOUND, "no delivery with Message-ID %s",
                      message_id);
    } else {
        rc = store_fail(st, err, "find Message-ID");
    }
    sqlite3_reset(s);
out:
    free(bare);
    return rc;
}

int
store_bounce_find_delivery(struct store *st, int64_t appeal_seq,
                           int64_t subscriber_id, char **email,
                           int64_t *sent_at, struct merr *err)
{
    static const char sql[] = "SELECT email, coalesce(sent_at, 0)"
                              " FROM deliveries"
                              " WHERE appeal_seq = ? AND subscriber_id = ?";
    sqlite3_stmt *s = NULL;
    int rc;

    if (sent_at != NULL) {
        *sent_at = 0;
    }
    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, appeal_seq);
    sqlite3_bind_int64(s, 2, subscriber_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        if (email != NULL) {
            *email = xstrdup(store_col_text(s, 0));
        }
        if (sent_at != NULL) {
            *sent_at = sqlite3_column_int64(s, 1);
        }
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = merr_set(err, MERR_NOTFOUND, "no delivery %lld/%lld",
                      (long long)appeal_seq, (long long)subscriber_id);
    } else {
        rc = store_fail(st, err, "find delivery");
    }
    sqlite3_reset(s);
    return rc;
}

int
store_bounce_find_address(struct store *st, int64_t appeal_seq,
                          const char *address, int64_t *subscriber_id,
                          struct merr *err)
{
    static const char sql_delivery[] =
        "SELECT subscriber_id FROM deliveries"
        " WHERE appeal_seq = ? AND lower(email) = lower(?) LIMIT 1";
    static const char sql_sub[] =
        "SELECT id FROM subscribers WHERE email_key = lower(?)";
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, appeal_seq > 0 ? sql_delivery : sql_sub, &s, err);
    if (rc != 0) {
        return rc;
    }
    if (appeal_seq > 0) {
        sqlite3_bind_int64(s, 1, appeal_seq);
        store_bind_text(s, 2, address);
    } else {
        store_bind_text(s, 1, address);
    }
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *subscriber_id = sqlite3_column_int64(s, 0);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = merr_set(err, MERR_NOTFOUND, "no subscriber %s", address);
    } else {
        rc = store_fail(st, err, "find address");
    }
    sqlite3_reset(s);
    return rc;
}

int
store_bounce_seen(struct store *st, const char *key, bool *seen,
                  struct merr *err)
{
    static const char sql[] = "SELECT 1 FROM mailbox_seen WHERE key = ?";
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, key);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        *seen = rc == SQLITE_ROW;
        rc = 0;
    } else {
        rc = store_fail(st, err, "look up mailbox_seen");
    }
    sqlite3_reset(s);
    return rc;
}

int
store_bounce_set_seen(struct store *st, const char *key, int64_t now,
                      struct merr *err)
{
    static const char sql[] = "INSERT OR IGNORE INTO mailbox_seen (key,"
                              " processed_at) VALUES (?, ?)";
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, key);
    sqlite3_bind_int64(s, 2, now);
    return step_done(st, s, "remember mailbox message", err);
}
