/*
 * store_audience: SQL for an appeal's audience (part of the sqlite3
 * adapter).  The appeal's lists are bound as one JSON array and read
 * with json_each, so one prepared statement serves any number of them.
 */
#include "store_audience.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store_int.h"
#include "util.h"

/* An active subscriber s whose address is not suppressed. */
#define REACHABLE                                   \
    "s.status = 'active' AND NOT EXISTS (SELECT 1 " \
    "FROM suppressions x WHERE x.email_key = s.email_key)"

/* Subscriber s is on one of the lists in ?1 (a JSON array of names). */
#define ON_LISTS                                                   \
    "EXISTS (SELECT 1 FROM list_members m JOIN lists l ON "        \
    "l.id = m.list_id WHERE m.subscriber_id = s.id AND l.name IN " \
    "(SELECT value FROM json_each(?1)))"

int
store_audience_list(struct store *st, const char *name,
                    struct store_list_info *out, struct merr *err)
{
    static const char sql[] =
        "SELECT l.trusted,"
        " (SELECT count(*) FROM list_members m WHERE m.list_id = l.id),"
        " (SELECT count(*) FROM list_members m JOIN subscribers s"
        "  ON s.id = m.subscriber_id WHERE m.list_id = l.id AND " REACHABLE
        ") FROM lists l WHERE l.name = ?";
    sqlite3_stmt *s = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    store_bind_text(s, 1, name);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->exists = true;
        out->trusted = sqlite3_column_int(s, 0) != 0;
        out->members = sqlite3_column_int64(s, 1);
        out->reachable = sqlite3_column_int64(s, 2);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = 0;
    } else {
        rc = store_fail(st, err, "read list");
    }
    sqlite3_reset(s);
    return rc;
}

/* The list names as a JSON array text; caller frees with free(). */
static char *
lists_json(char *const *lists, size_t nlists)
{
    json_t *a = json_array();
    char *text;

    for (size_t i = 0; i < nlists; i++) {
        json_array_append_new(a, json_string(lists[i]));
    }
    text = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    if (text == NULL) {
        text = xstrdup("[]");
    }
    return text;
}

int
store_audience_languages(struct store *st, char *const *lists, size_t nlists,
                         struct store_lang_count **out, size_t *n,
                         struct merr *err)
{
    static const char sql[] =
        "SELECT s.language, count(*) FROM subscribers s WHERE " REACHABLE
        " AND " ON_LISTS " GROUP BY s.language"
        " ORDER BY count(*) DESC, s.language";
    struct store_lang_count *v = NULL;
    size_t cap = 0, used = 0;
    sqlite3_stmt *s = NULL;
    char *names = NULL;
    int rc;

    *out = NULL;
    *n = 0;
    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    names = lists_json(lists, nlists);
    store_bind_text(s, 1, names);
    for (;;) {
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW) {
            break;
        }
        if (used == cap) {
            cap = cap == 0 ? 16 : cap * 2;
            v = xrealloc(v, cap * sizeof(*v));
        }
        v[used].language = xstrdup(store_col_text(s, 0));
        v[used].count = sqlite3_column_int64(s, 1);
        used++;
    }
    if (rc != SQLITE_DONE) {
        rc = store_fail(st, err, "count subscribers by language");
        store_lang_counts_free(v, used);
    } else {
        rc = 0;
        *out = v;
        *n = used;
    }
    sqlite3_reset(s);
    free(names);
    return rc;
}

void
store_lang_counts_free(struct store_lang_count *c, size_t n)
{
    for (size_t i = 0; c != NULL && i < n; i++) {
        free(c[i].language);
    }
    free(c);
}

static int
count_one(struct store *st, const char *sql, const char *names, int64_t id,
          int64_t *out, struct merr *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    *out = 0;
    rc = store_stmt(st, sql, &s, err);
    if (rc != 0) {
        return rc;
    }
    if (names != NULL) {
        store_bind_text(s, 1, names);
    }
    if (sqlite3_bind_parameter_count(s) >= 2) {
        sqlite3_bind_int64(s, 2, id);
    }
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(s, 0);
        rc = 0;
    } else {
        rc = store_fail(st, err, "count subscribers");
    }
    sqlite3_reset(s);
    return rc;
}

int
store_audience_no_consent(struct store *st, char *const *lists, size_t nlists,
                          int64_t *out, struct merr *err)
{
    static const char sql[] =
        "SELECT count(*) FROM subscribers s WHERE " REACHABLE " AND " ON_LISTS
        " AND s.consent = 0";
    char *names = lists_json(lists, nlists);
    int rc = count_one(st, sql, names, 0, out, err);

    free(names);
    return rc;
}

int
store_audience_member(struct store *st, int64_t id, char *const *lists,
                      size_t nlists, bool *member, bool *reachable,
                      struct merr *err)
{
    static const char on_lists[] =
        "SELECT count(*) FROM subscribers s WHERE " ON_LISTS " AND s.id = ?2";
    static const char can_mail[] =
        "SELECT count(*) FROM subscribers s WHERE "
        "?1 IS NOT NULL AND s.id = ?2 AND " REACHABLE;
    char *names = lists_json(lists, nlists);
    int64_t n = 0, m = 0;
    int rc = count_one(st, on_lists, names, id, &n, err);

    if (rc == 0) {
        rc = count_one(st, can_mail, names, id, &m, err);
    }
    free(names);
    *member = n > 0;
    *reachable = m > 0;
    return rc;
}

int
store_audience_next_seq(struct store *st, int64_t *out, struct merr *err)
{
    /* seq is an INTEGER PRIMARY KEY without AUTOINCREMENT: the next one
     * is max + 1 */
    static const char sql[] = "SELECT coalesce(max(seq), 0) + 1 FROM appeals";

    return count_one(st, sql, NULL, 0, out, err);
}
