/*
 * store_subs: SQL for subscribers, lists, members and suppressions (part
 * of the sqlite3 adapter).
 */
#include "store_subs.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "util.h"

#define SUB_COLS                                                     \
    "id, email, email_key, email_display, name, language, country, " \
    "coalesce(consent, -1), status, attrs, created, updated"

void
store_subscriber_release(struct store_subscriber *s)
{
    if (s == NULL) {
        return;
    }
    free(s->email);
    free(s->email_key);
    free(s->email_display);
    free(s->name);
    free(s->language);
    free(s->country);
    free(s->status);
    free(s->attrs);
    memset(s, 0, sizeof(*s));
}

/* Fill out from a row of SUB_COLS (caller releases). */
static void
fill(sqlite3_stmt *s, struct store_subscriber *out)
{
    out->id = sqlite3_column_int64(s, 0);
    out->email = xstrdup(store_col_text(s, 1));
    out->email_key = xstrdup(store_col_text(s, 2));
    out->email_display = xstrdup(store_col_text(s, 3));
    out->name = xstrdup(store_col_text(s, 4));
    out->language = xstrdup(store_col_text(s, 5));
    out->country = xstrdup(store_col_text(s, 6));
    out->consent = sqlite3_column_int(s, 7);
    out->status = xstrdup(store_col_text(s, 8));
    out->attrs = xstrdup(store_col_text(s, 9));
    out->created = sqlite3_column_int64(s, 10);
    out->updated = sqlite3_column_int64(s, 11);
}

static int
get_one(struct store *st, sqlite3_stmt *s, struct store_subscriber *out,
        struct merr *err)
{
    int rc = sqlite3_step(s);

    memset(out, 0, sizeof(*out));
    if (rc == SQLITE_ROW) {
        fill(s, out);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = merr_set(err, MERR_NOTFOUND, "no such subscriber");
    } else {
        rc = store_fail(st, err, "read subscriber");
    }
    sqlite3_reset(s);
    return rc;
}

int
store_subscriber_get(struct store *st, int64_t id, struct store_subscriber *out,
                     struct merr *err)
{
    static const char sql[] =
        "SELECT " SUB_COLS " FROM subscribers WHERE id = ?";
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, id);
    return get_one(st, s, out, err);
}

int
store_subscriber_find(struct store *st, const char *email_key,
                      struct store_subscriber *out, struct merr *err)
{
    static const char sql[] =
        "SELECT " SUB_COLS " FROM subscribers WHERE email_key = ?";
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, email_key);
    return get_one(st, s, out, err);
}

int
store_list_find(struct store *st, const char *name, int64_t *id,
                struct merr *err)
{
    static const char sql[] = "SELECT id FROM lists WHERE name = ?";
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, name);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(s, 0);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc =
            merr_set(err, MERR_NOTFOUND, "no list \"%s\" (tocsin lists)", name);
    } else {
        rc = store_fail(st, err, "find list");
    }
    sqlite3_reset(s);
    return rc;
}

int
store_list_ensure(struct store *st, const char *name, int64_t *id,
                  struct merr *err)
{
    static const char sql[] = "INSERT INTO lists (name, created) VALUES (?, ?)"
                              " ON CONFLICT (name) DO NOTHING";
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, name);
    sqlite3_bind_int64(s, 2, util_now());
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_fail(st, err, "add list");
    sqlite3_reset(s);
    if (rc != 0) {
        return rc;
    }
    return store_list_find(st, name, id, err);
}

int
store_list_set_trusted(struct store *st, const char *name, bool trusted,
                       struct merr *err)
{
    static const char sql[] = "UPDATE lists SET trusted = ? WHERE name = ?";
    sqlite3_stmt *s = NULL;
    int64_t id;
    int rc;

    rc = store_list_find(st, name, &id, err);
    if (rc == 0) {
        rc = store_stmt(st, sql, &s, err);
    }
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int(s, 1, trusted ? 1 : 0);
    store_bind_text(s, 2, name);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_fail(st, err, "trust");
    sqlite3_reset(s);
    return rc;
}

/* Step a statement that returns no row; reset it.  MERR_DB. */
static int
step_done(struct store *st, sqlite3_stmt *s, const char *what, struct merr *err)
{
    int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_fail(st, err, what);

    sqlite3_reset(s);
    return rc;
}

static int
is_suppressed(struct store *st, const char *hash, bool *out, struct merr *err)
{
    static const char sql[] = "SELECT 1 FROM suppressions WHERE hash = ?";
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, hash);
    rc = sqlite3_step(s);
    *out = rc == SQLITE_ROW;
    rc = (rc == SQLITE_ROW || rc == SQLITE_DONE)
             ? 0
             : store_fail(st, err, "read suppressions");
    sqlite3_reset(s);
    return rc;
}

static int
insert_subscriber(struct store *st, const struct store_import_row *row,
                  int64_t now, int64_t *id, struct merr *err)
{
    /* json_patch: attributes are kept in SQLite's canonical form, so that
     * the update's comparison below sees no change when there is none */
    static const char sql[] =
        "INSERT INTO subscribers (email, email_key, email_display, name,"
        " language, country, consent, attrs, created, updated)"
        " VALUES (?1, ?2, ?3, coalesce(?4, ''), coalesce(?5, ''),"
        " coalesce(?6, ''), ?7, coalesce(json_patch('{}', ?8), '{}'),"
        " ?9, ?9)";
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, row->email);
    store_bind_text(s, 2, row->email_key);
    store_bind_text(s, 3, row->email_display);
    store_bind_text(s, 4, row->name);
    store_bind_text(s, 5, row->language);
    store_bind_text(s, 6, row->country);
    if (row->consent >= 0) {
        sqlite3_bind_int(s, 7, row->consent);
    }
    store_bind_text(s, 8, row->attrs);
    sqlite3_bind_int64(s, 9, now);
    rc = step_done(st, s, "add subscriber", err);
    *id = sqlite3_last_insert_rowid(st->db);
    return rc;
}

/* Update what the row gives; *changed if anything differed. */
static int
update_subscriber(struct store *st, int64_t id,
                  const struct store_import_row *row, int64_t now,
                  bool *changed, struct merr *err)
{
    static const char sql[] =
        "UPDATE subscribers SET email = ?2, email_display = ?3,"
        " name = coalesce(?4, name), language = coalesce(?5, language),"
        " country = coalesce(?6, country), consent = coalesce(?7, consent),"
        " attrs = coalesce(json_patch(attrs, ?8), attrs), updated = ?9"
        " WHERE id = ?1 AND (email IS NOT ?2 OR email_display IS NOT ?3"
        " OR name IS NOT coalesce(?4, name)"
        " OR language IS NOT coalesce(?5, language)"
        " OR country IS NOT coalesce(?6, country)"
        " OR consent IS NOT coalesce(?7, consent)"
        " OR attrs IS NOT coalesce(json_patch(attrs, ?8), attrs))";
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, id);
    store_bind_text(s, 2, row->email);
    store_bind_text(s, 3, row->email_display);
    store_bind_text(s, 4, row->name);
    store_bind_text(s, 5, row->language);
    store_bind_text(s, 6, row->country);
    if (row->consent >= 0) {
        sqlite3_bind_int(s, 7, row->consent);
    }
    store_bind_text(s, 8, row->attrs);
    sqlite3_bind_int64(s, 9, now);
    rc = step_done(st, s, "update subscriber", err);
    *changed = rc == 0 && sqlite3_changes(st->db) > 0;
    return rc;
}

int
store_subscriber_upsert(struct store *st, int64_t list_id,
                        const struct store_import_row *row, int64_t now,
                        enum store_upsert *result, struct merr *err)
{
    static const char sql_find[] =
        "SELECT id, status = 'active' FROM subscribers WHERE email_key = ?";
    static const char sql_member[] =
        "INSERT OR IGNORE INTO list_members (list_id, subscriber_id, added)"
        " VALUES (?, ?, ?)";
    sqlite3_stmt *s = NULL;
    bool suppressed = false;
    bool changed = false;
    bool found = false;
    int64_t id = 0;
    int rc;

    *result = STORE_SUPPRESSED;
    rc = is_suppressed(st, row->hash, &suppressed, err);
    if (rc != 0 || suppressed) {
        return rc;
    }
    rc = store_stmt(st, sql_find, &s, err);
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, row->email_key);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        found = true;
        id = sqlite3_column_int64(s, 0);
        suppressed = sqlite3_column_int(s, 1) == 0;
        rc = 0;
    } else {
        rc = rc == SQLITE_DONE ? 0 : store_fail(st, err, "find subscriber");
    }
    sqlite3_reset(s);
    if (rc != 0 || suppressed) {
        /* an unsubscribed, bounced or suppressed person stays so */
        return rc;
    }
    if (found) {
        rc = update_subscriber(st, id, row, now, &changed, err);
    } else {
        rc = insert_subscriber(st, row, now, &id, err);
    }
    if (rc == 0) {
        rc = store_stmt(st, sql_member, &s, err);
    }
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, list_id);
    sqlite3_bind_int64(s, 2, id);
    sqlite3_bind_int64(s, 3, now);
    rc = step_done(st, s, "add member", err);
    if (rc != 0) {
        return rc;
    }
    if (!found || sqlite3_changes(st->db) > 0) {
        *result = STORE_ADDED;
    } else {
        *result = changed ? STORE_UPDATED : STORE_UNCHANGED;
    }
    return 0;
}

int
store_lists_each(struct store *st,
                 int (*fn)(void *arg, const struct store_list_summary *l),
                 void *arg, struct merr *err)
{
    static const char sql[] =
        "SELECT l.id, l.name, l.trusted, l.created,"
        " (SELECT count(*) FROM list_members m WHERE m.list_id = l.id)"
        " FROM lists l ORDER BY l.name";
    struct store_list_summary l;
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    while (rc == 0) {
        int step = sqlite3_step(s);

        if (step == SQLITE_DONE) {
            break;
        }
        if (step != SQLITE_ROW) {
            rc = store_fail(st, err, "read lists");
            break;
        }
        l.id = sqlite3_column_int64(s, 0);
        l.name = store_col_text(s, 1);
        l.trusted = sqlite3_column_int(s, 2) != 0;
        l.created = sqlite3_column_int64(s, 3);
        l.members = sqlite3_column_int64(s, 4);
        rc = fn(arg, &l);
    }
    if (s != NULL) {
        sqlite3_reset(s);
    }
    return rc;
}

int
store_list_counts(struct store *st, int64_t list_id, const char *what,
                  int (*fn)(void *arg, const char *value, int64_t count),
                  void *arg, struct merr *err)
{
    static const char sql_status[] =
        "SELECT s.status, count(*) FROM list_members m"
        " JOIN subscribers s ON s.id = m.subscriber_id"
        " WHERE m.list_id = ? GROUP BY 1 ORDER BY 2 DESC, 1";
    static const char sql_language[] =
        "SELECT s.language, count(*) FROM list_members m"
        " JOIN subscribers s ON s.id = m.subscriber_id"
        " WHERE m.list_id = ? GROUP BY 1 ORDER BY 2 DESC, 1";
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, strcmp(what, "status") == 0 ? sql_status : sql_language,
                    &s, err);
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, list_id);
    while (rc == 0) {
        int step = sqlite3_step(s);

        if (step == SQLITE_DONE) {
            break;
        }
        if (step != SQLITE_ROW) {
            rc = store_fail(st, err, "count members");
            break;
        }
        rc = fn(arg, store_col_text(s, 0), sqlite3_column_int64(s, 1));
    }
    sqlite3_reset(s);
    return rc;
}

int
store_list_attr_keys(struct store *st, int64_t list_id, char ***keys, size_t *n,
                     struct merr *err)
{
    static const char sql[] =
        /* by first use: the first subscriber that has the key, then the
         * key's place in that subscriber's object */
        "SELECT j.key FROM list_members m"
        " JOIN subscribers s ON s.id = m.subscriber_id, json_each(s.attrs) j"
        " WHERE m.list_id = ? GROUP BY j.key"
        " ORDER BY min(s.id * 4294967296 + j.id)";
    sqlite3_stmt *s = NULL;
    char **out = NULL;
    size_t count = 0;
    int rc;

    *keys = NULL;
    *n = 0;
    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, list_id);
    for (;;) {
        int step = sqlite3_step(s);

        if (step == SQLITE_DONE) {
            break;
        }
        if (step != SQLITE_ROW) {
            rc = store_fail(st, err, "read attributes");
            break;
        }
        out = xrealloc(out, (count + 1) * sizeof(*out));
        out[count++] = xstrdup(store_col_text(s, 0));
    }
    sqlite3_reset(s);
    if (rc != 0) {
        for (size_t i = 0; i < count; i++) {
            free(out[i]);
        }
        free(out);
        return rc;
    }
    *keys = out;
    *n = count;
    return 0;
}

int
store_list_members_each(struct store *st, int64_t list_id,
                        int (*fn)(void *arg, const struct store_subscriber *s),
                        void *arg, struct merr *err)
{
    static const char sql[] =
        "SELECT " SUB_COLS " FROM subscribers WHERE id IN"
        " (SELECT subscriber_id FROM list_members WHERE list_id = ?)"
        " ORDER BY id";
    struct store_subscriber sub;
    sqlite3_stmt *s = NULL;
    int rc;

    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, list_id);
    while (rc == 0) {
        int step = sqlite3_step(s);

        if (step == SQLITE_DONE) {
            break;
        }
        if (step != SQLITE_ROW) {
            rc = store_fail(st, err, "read members");
            break;
        }
        fill(s, &sub);
        rc = fn(arg, &sub);
        store_subscriber_release(&sub);
    }
    sqlite3_reset(s);
    return rc;
}

int
store_suppress(struct store *st, const char *hash, const char *email_key,
               const char *reason, const char *detail, bool *added,
               struct merr *err)
{
    static const char sql_add[] =
        "INSERT INTO suppressions (hash, email_key, reason, detail, created)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
    static const char sql_status[] =
        "UPDATE subscribers SET status = 'suppressed', updated = ?"
        " WHERE email_key = ? AND status = 'active'";
    sqlite3_stmt *s = NULL;
    int rc;

    *added = false;
    rc = store_stmt(st, sql_add, &s, err);
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, hash);
    store_bind_text(s, 2, email_key);
    store_bind_text(s, 3, reason);
    store_bind_text(s, 4, detail != NULL ? detail : "");
    sqlite3_bind_int64(s, 5, util_now());
    rc = step_done(st, s, "add suppression", err);
    if (rc != 0) {
        return rc;
    }
    *added = sqlite3_changes(st->db) > 0;
    if (email_key == NULL) {
        return 0;
    }
    rc = store_stmt(st, sql_status, &s, err);
    if (rc != 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, util_now());
    store_bind_text(s, 2, email_key);
    return step_done(st, s, "suppress subscriber", err);
}
