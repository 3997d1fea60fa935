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

static int
get_one(struct store *st, sqlite3_stmt *s, struct store_subscriber *out,
        struct merr *err)
{
    int rc = sqlite3_step(s);

    memset(out, 0, sizeof(*out));
    if (rc == SQLITE_ROW) {
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
