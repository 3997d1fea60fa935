/*
 * store_queue: SQL for the deliveries table (part of the sqlite3
 * adapter).  Every statement is a cached one; rows are read in bounded
 * batches by keyset (subscriber id), so memory stays flat.
 */
#include "store_queue.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store_int.h"
#include "util.h"

/* The audience: members of the lists named in the JSON array ?1
 * (trusted ones only when ?2 is 1), active, consent not refused, not
 * suppressed.  "s" is the subscriber. */
#define AUDIENCE_WHERE                                       \
    "s.status = 'active' AND coalesce(s.consent, -1) != 0"   \
    " AND EXISTS (SELECT 1 FROM list_members m JOIN lists l" \
    "   ON l.id = m.list_id WHERE m.subscriber_id = s.id"    \
    "   AND l.name IN (SELECT value FROM json_each(?1))"     \
    "   AND (?2 = 0 OR l.trusted = 1))"                      \
    " AND NOT EXISTS (SELECT 1 FROM suppressions x"          \
    "   WHERE x.email_key = s.email_key)"

/* Subscribers who may no longer be mailed. */
#define UNSENDABLE                                                          \
    "(SELECT s.id FROM subscribers s WHERE s.status != 'active'"            \
    " OR coalesce(s.consent, -1) = 0 OR EXISTS (SELECT 1 FROM suppressions" \
    " x WHERE x.email_key = s.email_key))"

#define ROW_COLS                                                       \
    "s.id, s.email, s.email_key, s.email_display, s.name, s.language," \
    " s.attrs"

void
store_queue_row_release(struct store_queue_row *r)
{
    if (r == NULL) {
        return;
    }
    free(r->email);
    free(r->email_key);
    free(r->email_display);
    free(r->name);
    free(r->language);
    free(r->attrs);
    memset(r, 0, sizeof(*r));
}

/* The lists as a JSON array for json_each(); caller frees with free(). */
static char *
lists_json(const struct store_audience *aud)
{
    json_t *a = json_array();
    char *s;

    for (size_t i = 0; i < aud->nlists; i++) {
        /* json_array_append_new steals the new string's reference */
        json_array_append_new(a, json_string(aud->lists[i]));
    }
    s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return s != NULL ? s : xstrdup("[]");
}

static int
step_done(struct store *st, sqlite3_stmt *s, const char *what, struct merr *err)
{
    int rc = sqlite3_step(s);

    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        return store_fail(st, err, what);
    }
    return 0;
}

/* Run a statement bound to (seq) or (seq, t); *n its changes. */
static int
update_seq(struct store *st, const char *sql, int64_t seq, int64_t t,
           bool bind_t, uint64_t *n, const char *what, struct merr *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, seq);
    if (bind_t) {
        sqlite3_bind_int64(s, 2, t);
    }
    rc = step_done(st, s, what, err);
    if (rc == 0 && n != NULL) {
        *n = (uint64_t)sqlite3_changes(st->db);
    }
    return rc;
}

int
store_queue_enqueue(struct store *st, int64_t seq,
                    const struct store_audience *aud, int64_t now,
                    uint64_t *added, struct merr *err)
{
    static const char sql_add[] =
        "INSERT OR IGNORE INTO deliveries (appeal_seq, subscriber_id,"
        " email, language, state, updated)"
        " SELECT ?3, s.id, s.email, s.language, 'queued', ?4"
        " FROM subscribers s WHERE " AUDIENCE_WHERE;
    static const char sql_drop[] =
        "DELETE FROM deliveries WHERE appeal_seq = ?1 AND state = 'queued'"
        " AND subscriber_id IN " UNSENDABLE;
    static const char sql_fail[] =
        "UPDATE deliveries SET state = 'failed', next_try = NULL,"
        " reply = 'not retried: the address is suppressed', updated = ?2"
        " WHERE appeal_seq = ?1 AND state = 'deferred'"
        " AND subscriber_id IN " UNSENDABLE;
    sqlite3_stmt *s = NULL;
    char *lists = lists_json(aud);
    bool began = false;
    int rc;

    *added = 0;
    rc = store_begin(st, err);
    if (rc != 0) {
        goto out;
    }
    began = true;
    rc = store_stmt(st, sql_add, &s, err);
    if (rc != 0) {
        goto out;
    }
    store_bind_text(s, 1, lists);
    sqlite3_bind_int(s, 2, aud->trusted_only ? 1 : 0);
    sqlite3_bind_int64(s, 3, seq);
    sqlite3_bind_int64(s, 4, now);
    rc = step_done(st, s, "enqueue deliveries", err);
    if (rc != 0) {
        goto out;
    }
    *added = (uint64_t)sqlite3_changes(st->db);
    rc = update_seq(st, sql_drop, seq, 0, false, NULL, "drop suppressed", err);
    if (rc == 0) {
        rc = update_seq(st, sql_fail, seq, now, true, NULL, "fail suppressed",
                        err);
    }
    if (rc == 0) {
        rc = store_commit(st, err);
        began = false;
    }
out:
    if (began) {
        store_rollback(st);
    }
    free(lists);
    return rc;
}

int
store_queue_recover(struct store *st, int64_t seq, uint64_t *n,
                    struct merr *err)
{
    static const char sql[] =
        "UPDATE deliveries SET state = 'uncertain',"
        " reply = coalesce(reply, 'the sender stopped during the transaction')"
        " WHERE appeal_seq = ?1 AND state = 'sending'";

    return update_seq(st, sql, seq, 0, false, n, "recover sending rows", err);
}

int
store_queue_mark_uncertain(struct store *st, int64_t seq, int64_t subscriber_id,
                           uint64_t *n, struct merr *err)
{
    static const char sql[] =
        "UPDATE deliveries SET state = 'uncertain',"
        " reply = 'the sender stopped during the transaction'"
        " WHERE appeal_seq = ?1 AND subscriber_id = ?2 AND state = 'sending'";

    return update_seq(st, sql, seq, subscriber_id, true, n, "mark uncertain",
                      err);
}

int
store_queue_requeue_sending(struct store *st, int64_t seq, uint64_t *n,
                            struct merr *err)
{
    static const char sql[] =
        "UPDATE deliveries SET state = 'queued',"
        " first_try = CASE WHEN attempts <= 1 THEN NULL ELSE first_try END,"
        " attempts = max(attempts - 1, 0)"
        " WHERE appeal_seq = ?1 AND state = 'sending'";

    return update_seq(st, sql, seq, 0, false, n, "requeue sending", err);
}

int
store_queue_unclaim(struct store *st, int64_t seq, int64_t subscriber_id,
                    struct merr *err)
{
    static const char sql[] =
        "UPDATE deliveries SET state = 'queued',"
        " first_try = CASE WHEN attempts <= 1 THEN NULL ELSE first_try END,"
        " attempts = max(attempts - 1, 0)"
        " WHERE appeal_seq = ?1 AND subscriber_id = ?2 AND state = 'sending'";

    return update_seq(st, sql, seq, subscriber_id, true, NULL, "unclaim", err);
}

int
store_queue_requeue_uncertain(struct store *st, int64_t seq, uint64_t *n,
                              struct merr *err)
{
    static const char sql[] =
        "UPDATE deliveries SET state = 'queued', next_try = NULL"
        " WHERE appeal_seq = ?1 AND state = 'uncertain'";

    return update_seq(st, sql, seq, 0, false, n, "requeue uncertain", err);
}

int
store_queue_retry_now(struct store *st, int64_t seq, int64_t now, uint64_t *n,
                      struct merr *err)
{
    static const char sql[] =
        "UPDATE deliveries SET next_try = ?2"
        " WHERE appeal_seq = ?1 AND state = 'deferred' AND next_try > ?2";

    return update_seq(st, sql, seq, now, true, n, "retry deferred now", err);
}

int
store_queue_expire(struct store *st, int64_t seq, int64_t now, uint64_t *n,
                   struct merr *err)
{
    static const char sql[] =
        "UPDATE deliveries SET state = 'expired', next_try = NULL,"
        " updated = ?2"
        " WHERE appeal_seq = ?1 AND state IN ('queued', 'deferred')";

    return update_seq(st, sql, seq, now, true, n, "expire deliveries", err);
}

/* Fill rows from a statement whose first columns are ROW_COLS, then
 * attempts and first_try. */
static int
read_rows(struct store *st, sqlite3_stmt *s, int64_t *after,
          struct store_queue_row *rows, size_t max, size_t *n, struct merr *err)
{
    int rc = 0;

    *n = 0;
    while (*n < max) {
        struct store_queue_row *r = &rows[*n];

        rc = sqlite3_step(s);
        if (rc == SQLITE_DONE) {
            rc = 0;
            break;
        }
        if (rc != SQLITE_ROW) {
            rc = store_fail(st, err, "read deliveries");
            break;
        }
        r->subscriber_id = sqlite3_column_int64(s, 0);
        r->email = xstrdup(store_col_text(s, 1));
        r->email_key = xstrdup(store_col_text(s, 2));
        r->email_display = xstrdup(store_col_text(s, 3));
        r->name = xstrdup(store_col_text(s, 4));
        r->language = xstrdup(store_col_text(s, 5));
        r->attrs = xstrdup(store_col_text(s, 6));
        r->attempts = (unsigned)sqlite3_column_int(s, 7);
        r->first_try = sqlite3_column_int64(s, 8);
        *after = r->subscriber_id;
        (*n)++;
        rc = 0;
    }
    sqlite3_reset(s);
    if (rc != 0) {
        for (size_t i = 0; i < *n; i++) {
            store_queue_row_release(&rows[i]);
        }
        *n = 0;
    }
    return rc;
}

int
store_queue_next(struct store *st, int64_t seq, bool deferred, int64_t now,
                 int64_t *after, struct store_queue_row *rows, size_t max,
                 size_t *n, struct merr *err)
{
    /* the (appeal_seq, state) index holds the primary key, so each is a
     * range scan in subscriber order */
    static const char sql_queued[] =
        "SELECT " ROW_COLS ", d.attempts, coalesce(d.first_try, 0)"
        " FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id"
        " WHERE d.appeal_seq = ?1 AND d.state = 'queued'"
        " AND d.subscriber_id > ?2 ORDER BY d.subscriber_id LIMIT ?3";
    static const char sql_deferred[] =
        "SELECT " ROW_COLS ", d.attempts, coalesce(d.first_try, 0)"
        " FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id"
        " WHERE d.appeal_seq = ?1 AND d.state = 'deferred'"
        " AND d.subscriber_id > ?2 AND coalesce(d.next_try, 0) <= ?4"
        " ORDER BY d.subscriber_id LIMIT ?3";
    sqlite3_stmt *s = NULL;
    int rc;

    *n = 0;
    rc = store_stmt(st, deferred ? sql_deferred : sql_queued, &s, err);
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, seq);
    sqlite3_bind_int64(s, 2, *after);
    sqlite3_bind_int64(s, 3, (int64_t)max);
    if (deferred) {
        sqlite3_bind_int64(s, 4, now);
    }
    return read_rows(st, s, after, rows, max, n, err);
}

int
store_queue_audience_next(struct store *st, const struct store_audience *aud,
                          int64_t *after, struct store_queue_row *rows,
                          size_t max, size_t *n, struct merr *err)
{
    static const char sql[] =
        "SELECT " ROW_COLS ", 0, 0 FROM subscribers s"
        " WHERE s.id > ?3 AND " AUDIENCE_WHERE " ORDER BY s.id LIMIT ?4";
    sqlite3_stmt *s = NULL;
    char *lists = lists_json(aud);
    int rc;

    *n = 0;
    rc = store_stmt(st, sql, &s, err);
    if (rc == 0) {
        store_bind_text(s, 1, lists);
        sqlite3_bind_int(s, 2, aud->trusted_only ? 1 : 0);
        sqlite3_bind_int64(s, 3, *after);
        sqlite3_bind_int64(s, 4, (int64_t)max);
        rc = read_rows(st, s, after, rows, max, n, err);
    }
    free(lists);
    return rc;
}

int
store_queue_claim(struct store *st, int64_t seq, int64_t subscriber_id,
                  const char *language, const char *message_id,
                  const char *content_hash, int64_t now, bool *claimed,
                  struct merr *err)
{
    static const char sql[] =
        "UPDATE deliveries SET state = 'sending', attempts = attempts + 1,"
        " language = ?3, message_id = ?4, content_hash = ?5,"
        " first_try = coalesce(first_try, ?6), updated = ?6"
        " WHERE appeal_seq = ?1 AND subscriber_id = ?2"
        " AND state IN ('queued', 'deferred')";
    sqlite3_stmt *s = NULL;
    int rc;

    *claimed = false;
    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, seq);
    sqlite3_bind_int64(s, 2, subscriber_id);
    store_bind_text(s, 3, language);
    store_bind_text(s, 4, message_id);
    store_bind_text(s, 5, content_hash);
    sqlite3_bind_int64(s, 6, now);
    rc = step_done(st, s, "claim delivery", err);
    if (rc == 0) {
        *claimed = sqlite3_changes(st->db) == 1;
    }
    return rc;
}

static int
suppress(struct store *st, const struct store_queue_outcome *o,
         const char *detail, int64_t now, struct merr *err)
{
    static const char sql_add[] =
        "INSERT OR IGNORE INTO suppressions (hash, email_key, reason,"
        " detail, created) VALUES (?1, ?2, 'bounce', ?3, ?4)";
    static const char sql_status[] =
        "UPDATE subscribers SET status = 'bounced', updated = ?2"
        " WHERE id = ?1 AND status = 'active'";
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql_add, &s, err);
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, o->suppress_hash);
    store_bind_text(s, 2, o->email_key);
    store_bind_text(s, 3, detail);
    sqlite3_bind_int64(s, 4, now);
    rc = step_done(st, s, "add suppression", err);
    if (rc != 0) {
        return rc;
    }
    rc = store_stmt(st, sql_status, &s, err);
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, o->subscriber_id);
    sqlite3_bind_int64(s, 2, now);
    return step_done(st, s, "mark subscriber bounced", err);
}

int
store_queue_record(struct store *st, int64_t seq,
                   const struct store_queue_outcome *o, size_t n, int64_t now,
                   struct merr *err)
{
    static const char sql[] =
        "UPDATE deliveries SET state = ?3, code = ?4, reply = ?5, relay = ?6,"
        " next_try = ?7, sent_at = CASE WHEN ?3 = 'sent' THEN ?8"
        " ELSE sent_at END, updated = ?8"
        " WHERE appeal_seq = ?1 AND subscriber_id = ?2 AND state = 'sending'";
    sqlite3_stmt *s = NULL;
    int rc = 0;

    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = store_stmt(st, sql, &s, err);
        if (rc != 0) {
            break;
        }
        sqlite3_bind_int64(s, 1, seq);
        sqlite3_bind_int64(s, 2, o[i].subscriber_id);
        store_bind_text(s, 3, queue_state_str(o[i].state));
        if (o[i].code > 0) {
            sqlite3_bind_int(s, 4, o[i].code);
        }
        store_bind_text(s, 5, o[i].reply);
        store_bind_text(s, 6, o[i].relay);
        if (o[i].state == QUEUE_DEFERRED) {
            sqlite3_bind_int64(s, 7, o[i].next_try);
        }
        sqlite3_bind_int64(s, 8, now);
        rc = step_done(st, s, "record outcome", err);
        if (rc == 0 && o[i].suppress_hash != NULL) {
            rc = suppress(st, &o[i], o[i].reply, now, err);
        }
    }
    return rc;
}

int
store_queue_counts(struct store *st, int64_t seq,
                   const struct store_audience *aud, struct queue_counts *out,
                   struct merr *err)
{
    static const char sql_states[] =
        "SELECT state, count(*), min(CASE WHEN state = 'deferred'"
        " THEN next_try END) FROM deliveries WHERE appeal_seq = ?1"
        " GROUP BY state";
    /* list members the appeal does not go to (suppressed, unsubscribed,
     * bounced, no consent) */
    static const char sql_skipped[] =
        "SELECT count(*) FROM subscribers s WHERE EXISTS (SELECT 1"
        " FROM list_members m JOIN lists l ON l.id = m.list_id"
        " WHERE m.subscriber_id = s.id"
        " AND l.name IN (SELECT value FROM json_each(?1))"
        " AND (?2 = 0 OR l.trusted = 1))"
        " AND NOT EXISTS (SELECT 1 FROM deliveries d"
        " WHERE d.appeal_seq = ?3 AND d.subscriber_id = s.id)";
    sqlite3_stmt *s = NULL;
    char *lists = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = store_stmt(st, sql_states, &s, err);
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, seq);
    for (;;) {
        enum queue_state q;
        uint64_t c;

        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW) {
            break;
        }
        c = (uint64_t)sqlite3_column_int64(s, 1);

        if (queue_state_parse(store_col_text(s, 0), &q) == 0) {
            out->by_state[q] = c;
        }
        out->total += c;
        if (sqlite3_column_type(s, 2) != SQLITE_NULL) {
            out->next_try = sqlite3_column_int64(s, 2);
        }
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        return store_fail(st, err, "count deliveries");
    }
    if (aud == NULL) {
        return 0;
    }
    rc = store_stmt(st, sql_skipped, &s, err);
    if (rc != 0) {
        return rc;
    }
    lists = lists_json(aud);
    store_bind_text(s, 1, lists);
    sqlite3_bind_int(s, 2, aud->trusted_only ? 1 : 0);
    sqlite3_bind_int64(s, 3, seq);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->suppressed = (uint64_t)sqlite3_column_int64(s, 0);
        rc = 0;
    } else {
        rc = store_fail(st, err, "count suppressed");
    }
    sqlite3_reset(s);
    free(lists);
    return rc;
}

int
store_queue_count_other_hash(struct store *st, int64_t seq, const char *hash,
                             uint64_t *n, struct merr *err)
{
    static const char sql[] =
        "SELECT count(*) FROM deliveries WHERE appeal_seq = ?1"
        " AND state IN ('sent', 'bounced', 'uncertain')"
        " AND content_hash IS NOT NULL AND content_hash != ?2";
    sqlite3_stmt *s = NULL;
    int rc;

    *n = 0;
    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, seq);
    store_bind_text(s, 2, hash);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *n = (uint64_t)sqlite3_column_int64(s, 0);
        rc = 0;
    } else {
        rc = store_fail(st, err, "count earlier versions");
    }
    sqlite3_reset(s);
    return rc;
}

int
store_queue_audience_domains(struct store *st, const struct store_audience *aud,
                             struct store_queue_count *out, size_t max,
                             size_t *n, struct merr *err)
{
    static const char sql[] =
        "SELECT lower(substr(s.email, instr(s.email, '@') + 1)) AS dom,"
        " count(*) AS c FROM subscribers s WHERE " AUDIENCE_WHERE
        " GROUP BY dom ORDER BY c DESC, dom LIMIT ?3";
    sqlite3_stmt *s = NULL;
    char *lists = lists_json(aud);
    int rc;

    *n = 0;
    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        goto out;
    }
    store_bind_text(s, 1, lists);
    sqlite3_bind_int(s, 2, aud->trusted_only ? 1 : 0);
    sqlite3_bind_int64(s, 3, (int64_t)max);
    rc = SQLITE_DONE;
    while (*n < max) {
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW) {
            break;
        }
        out[*n].key = xstrdup(store_col_text(s, 0));
        out[*n].n = (uint64_t)sqlite3_column_int64(s, 1);
        (*n)++;
    }
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE
             ? 0
             : store_fail(st, err, "count domains");
    sqlite3_reset(s);
out:
    free(lists);
    return rc;
}
