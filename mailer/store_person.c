/*
 * store_person: the SQL of a person's data (subject access) and of its
 * erasure (forget).  Part of the sqlite3 adapter; rows become JSON
 * generically, by column name and type.
 */
#include "store_person.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "store_subs.h"
#include "util.h"

/* Columns holding Unix times, shown as RFC 3339. */
static bool
is_time_column(const char *name)
{
    static const char *const names[] = {"created", "updated",   "added",
                                        "sent_at", "signed_at", "received_at"};

    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(names); i++) {
        if (strcmp(name, names[i]) == 0) {
            return true;
        }
    }
    return false;
}

static json_t *
column_json(sqlite3_stmt *s, int col)
{
    const char *name = sqlite3_column_name(s, col);
    char when[32];

    switch (sqlite3_column_type(s, col)) {
    case SQLITE_NULL:
        return json_null();
    case SQLITE_INTEGER:
        if (is_time_column(name)) {
            util_format_rfc3339(sqlite3_column_int64(s, col), when,
                                sizeof(when));
            return json_string(when);
        }
        return json_integer(sqlite3_column_int64(s, col));
    case SQLITE_FLOAT:
        return json_real(sqlite3_column_double(s, col));
    default:
        if (strcmp(name, "attrs") == 0) {
            json_t *v = json_loads(store_col_text(s, col), 0, NULL);

            if (v != NULL) {
                return v;
            }
        }
        /* json_stringn_nocheck would accept bad UTF-8: the text came from
         * checked input, and json_stringn returns NULL if not */
        return json_stringn(store_col_text(s, col),
                            (size_t)sqlite3_column_bytes(s, col));
    }
}

/*
 * Run sql with ?1 = key and, when it has a second parameter, ?2 = id;
 * append each row as an object to arr.  MERR_DB.
 */
static int
rows_json(struct store *st, const char *sql, const char *key, int64_t id,
          json_t *arr, struct merr *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, key);
    if (sqlite3_bind_parameter_count(s) > 1) {
        sqlite3_bind_int64(s, 2, id);
    }
    for (;;) {
        int step = sqlite3_step(s);
        json_t *obj;

        if (step == SQLITE_DONE) {
            break;
        }
        if (step != SQLITE_ROW) {
            rc = store_fail(st, err, "read person");
            break;
        }
        obj = json_object();
        for (int c = 0; c < sqlite3_column_count(s); c++) {
            /* set_new steals the value (a NULL value is refused) */
            json_object_set_new(obj, sqlite3_column_name(s, c),
                                column_json(s, c));
        }
        json_array_append_new(arr, obj);
    }
    sqlite3_reset(s);
    return rc;
}

int
store_person_json(struct store *st, const char *email_key, const char *hash,
                  json_t **out, struct merr *err)
{
    static const char sql_sub[] =
        "SELECT id, email, email_display, name, language, country, consent,"
        " status, attrs, created, updated FROM subscribers"
        " WHERE email_key = ?1";
    static const char sql_lists[] =
        "SELECT l.name AS list, m.added FROM list_members m"
        " JOIN lists l ON l.id = m.list_id"
        " WHERE m.subscriber_id = ?2 AND ?1 IS NOT NULL ORDER BY l.name";
    static const char sql_deliveries[] =
        "SELECT a.id AS appeal, d.email, d.language, d.state, d.attempts,"
        " d.code, d.reply, d.message_id, d.sent_at, d.updated"
        " FROM deliveries d JOIN appeals a ON a.seq = d.appeal_seq"
        " WHERE d.subscriber_id = ?2 AND ?1 IS NOT NULL ORDER BY a.seq";
    static const char sql_signatures[] =
        "SELECT a.id AS appeal, s.name, s.country, s.language, s.source,"
        " s.consent, s.signed_at FROM signatures s"
        " JOIN appeals a ON a.seq = s.appeal_seq"
        " WHERE s.person_key = ?1 OR s.subscriber_id = ?2 ORDER BY s.id";
    static const char sql_bounces[] =
        "SELECT a.id AS appeal, b.recipient, b.kind, b.status, b.reason,"
        " b.received_at FROM bounces b"
        " LEFT JOIN appeals a ON a.seq = b.appeal_seq"
        " WHERE b.subscriber_id = ?2 OR lower(b.recipient) = ?1"
        " ORDER BY b.id";
    static const char sql_supp[] =
        "SELECT reason, detail, created, email_key IS NULL AS forgotten"
        " FROM suppressions WHERE hash = ?1";
    static const struct {
        const char *key;
        const char *sql;
    } parts[] = {
        {"lists", sql_lists},
        {"deliveries", sql_deliveries},
        {"signatures", sql_signatures},
        {"bounces", sql_bounces},
    };
    json_t *doc = NULL;
    json_t *arr = NULL;
    int64_t id = 0;
    int rc;

    *out = NULL;
    doc = json_object();
    json_object_set_new(doc, "email", json_string(email_key));
    arr = json_array();
    rc = rows_json(st, sql_sub, email_key, 0, arr, err);
    if (rc != 0) {
        goto out;
    }
    if (json_array_size(arr) > 0) {
        json_t *sub = json_array_get(arr, 0); /* borrowed */

        id = json_integer_value(json_object_get(sub, "id"));
        json_object_set(doc, "subscriber", sub); /* takes a reference */
    } else {
        json_object_set_new(doc, "subscriber", json_null());
    }
    json_decref(arr);
    arr = NULL;
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(parts); i++) {
        arr = json_array();
        rc = rows_json(st, parts[i].sql, email_key, id, arr, err);
        if (rc != 0) {
            goto out;
        }
        json_object_set_new(doc, parts[i].key, arr); /* steals arr */
        arr = NULL;
    }
    arr = json_array();
    rc = rows_json(st, sql_supp, hash, 0, arr, err);
    if (rc != 0) {
        goto out;
    }
    json_object_set(doc, "suppression",
                    json_array_size(arr) > 0 ? json_array_get(arr, 0)
                                             : json_null());
    *out = doc;
    doc = NULL;
out:
    json_decref(arr);
    json_decref(doc);
    return rc;
}

/* Run a DELETE with ?1 = key, ?2 = id; add the rows removed to *count. */
static int
erase(struct store *st, const char *sql, const char *key, int64_t id,
      int64_t *count, struct merr *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, key);
    if (sqlite3_bind_parameter_count(s) > 1) {
        sqlite3_bind_int64(s, 2, id);
    }
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = store_fail(st, err, "forget");
    } else if (count != NULL) {
        *count += sqlite3_changes(st->db);
    }
    sqlite3_reset(s);
    return rc;
}

int
store_forget(struct store *st, const char *email_key, const char *hash,
             struct store_forget_counts *out, struct merr *err)
{
    static const char sql_id[] =
        "SELECT coalesce((SELECT id FROM subscribers WHERE email_key = ?1),"
        " 0)";
    /* signatures and bounces first: their subscriber_id would otherwise
     * be set NULL by the subscriber's deletion and the link lost */
    static const char sql_sig[] =
        "DELETE FROM signatures WHERE person_key = ?1 OR subscriber_id = ?2";
    static const char sql_bounces[] =
        "DELETE FROM bounces WHERE lower(recipient) = ?1"
        " OR subscriber_id = ?2";
    static const char sql_deliveries[] =
        "DELETE FROM deliveries WHERE subscriber_id = ?2 AND ?1 IS NOT NULL";
    static const char sql_members[] =
        "DELETE FROM list_members WHERE subscriber_id = ?2 AND ?1 IS NOT "
        "NULL";
    static const char sql_sub[] = "DELETE FROM subscribers WHERE id = ?2"
                                  " AND email_key = ?1";
    /* older rows of the address (made under another link secret) */
    static const char sql_old[] =
        "DELETE FROM suppressions WHERE email_key = ?1";
    static const char sql_keep[] =
        "INSERT INTO suppressions (hash, email_key, reason, detail, created)"
        " VALUES (?1, NULL, 'forgotten', '', ?2) ON CONFLICT (hash) DO"
        " UPDATE SET email_key = NULL, reason = 'forgotten', detail = ''";
    sqlite3_stmt *s = NULL;
    int64_t id = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    /* erased means erased: deleted content is overwritten with zeros,
     * not left in free pages */
    rc = store_exec(st, "PRAGMA secure_delete=ON", err);
    if (rc == 0) {
        rc = store_begin(st, err);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_stmt(st, sql_id, &s, err);
    if (rc != 0) {
        goto out;
    }
    store_bind_text(s, 1, email_key);
    if (sqlite3_step(s) == SQLITE_ROW) {
        id = sqlite3_column_int64(s, 0);
    } else {
        rc = store_fail(st, err, "forget");
    }
    sqlite3_reset(s);
    if (rc == 0) {
        rc = erase(st, sql_sig, email_key, id, &out->signatures, err);
    }
    if (rc == 0) {
        rc = erase(st, sql_bounces, email_key, id, &out->bounces, err);
    }
    if (rc == 0) {
        rc = erase(st, sql_deliveries, email_key, id, &out->deliveries, err);
    }
    if (rc == 0) {
        rc = erase(st, sql_members, email_key, id, &out->memberships, err);
    }
    if (rc == 0) {
        rc = erase(st, sql_sub, email_key, id, &out->subscribers, err);
    }
    if (rc == 0) {
        rc = erase(st, sql_old, email_key, 0, NULL, err);
    }
    if (rc == 0) {
        rc = store_stmt(st, sql_keep, &s, err);
    }
    if (rc == 0) {
        store_bind_text(s, 1, hash);
        sqlite3_bind_int64(s, 2, util_now());
        if (sqlite3_step(s) != SQLITE_DONE) {
            rc = store_fail(st, err, "forget");
        }
        sqlite3_reset(s);
    }
    if (rc == 0) {
        rc = store_commit(st, err);
    }
    if (rc == 0) {
        /* older page images in the WAL still hold the person: copy the
         * zeroed pages back and empty the WAL.  Busy readers may keep
         * some frames; the next checkpoint overwrites them. */
        (void)sqlite3_wal_checkpoint_v2(st->db, NULL,
                                        SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    }
out:
    if (rc != 0) {
        store_rollback(st);
    }
    return rc;
}
