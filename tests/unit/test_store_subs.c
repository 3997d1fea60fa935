/*
 * test_store_subs: upsert outcomes (added, updated, unchanged,
 * suppressed), "an empty cell keeps what is held", attribute merging,
 * lists and trust, suppression and forget.  In-memory database.
 */
#include <string.h>

#include <sqlite3.h>

#include "unit.h"
#include "store.h"
#include "store_subs.h"

static int
setup(void **state)
{
    struct store *st = NULL;
    struct merr err = {0};

    if (store_open(":memory:", STORE_CREATE, &st, &err) != 0) {
        return -1;
    }
    *state = st;
    return 0;
}

static int
teardown(void **state)
{
    store_close(*state);
    return 0;
}

static enum store_upsert
upsert(struct store *st, int64_t list, const char *key, const char *name,
       const char *attrs, const char *hash)
{
    struct store_import_row r;
    struct merr err = {0};
    enum store_upsert res = STORE_SUPPRESSED;

    memset(&r, 0, sizeof(r));
    r.email = r.email_key = r.email_display = key;
    r.name = name;
    r.consent = -1;
    r.attrs = attrs;
    r.hash = hash;
    if (store_subscriber_upsert(st, list, &r, 100, &res, &err) != 0) {
        fail_msg("%s", err.msg);
    }
    return res;
}

static void
test_store_subs_upsert(void **state)
{
    struct store *st = *state;
    struct store_subscriber s;
    struct merr err = {0};
    int64_t a = 0;
    int64_t b = 0;
    int64_t again = 0;

    assert_int_equal(store_list_ensure(st, "a", &a, &err), 0);
    assert_int_equal(store_list_ensure(st, "b", &b, &err), 0);
    assert_int_equal(store_list_ensure(st, "a", &again, &err), 0);
    assert_true(a == again && a != b);

    assert_int_equal(upsert(st, a, "x@example.org", "X", "{\"k\":\"1\"}", "h1"),
                     STORE_ADDED);
    assert_int_equal(upsert(st, a, "x@example.org", "X", "{\"k\":\"1\"}", "h1"),
                     STORE_UNCHANGED);
    /* NULL (an empty cell) keeps the name */
    assert_int_equal(upsert(st, a, "x@example.org", NULL, NULL, "h1"),
                     STORE_UNCHANGED);
    assert_int_equal(upsert(st, a, "x@example.org", "X Y", NULL, "h1"),
                     STORE_UPDATED);
    /* attributes merge */
    assert_int_equal(
        upsert(st, a, "x@example.org", NULL, "{\"j\":\"2\"}", "h1"),
        STORE_UPDATED);
    /* joining another list counts as added there */
    assert_int_equal(upsert(st, b, "x@example.org", NULL, NULL, "h1"),
                     STORE_ADDED);
    assert_int_equal(store_subscriber_find(st, "x@example.org", &s, &err), 0);
    assert_string_equal(s.name, "X Y");
    assert_string_equal(s.attrs, "{\"k\":\"1\",\"j\":\"2\"}");
    assert_int_equal(s.consent, -1);
    store_subscriber_release(&s);
}

static void
test_store_subs_suppressed(void **state)
{
    struct store *st = *state;
    struct store_subscriber s;
    struct merr err = {0};
    bool added = false;
    int64_t a = 0;

    assert_int_equal(store_list_ensure(st, "s", &a, &err), 0);
    /* suppressed ahead of time, by hash: never added */
    assert_int_equal(
        store_suppress(st, "h2", "y@example.org", "manual", "", &added, &err),
        0);
    assert_true(added);
    assert_int_equal(upsert(st, a, "y@example.org", "Y", NULL, "h2"),
                     STORE_SUPPRESSED);
    assert_int_equal(store_subscriber_find(st, "y@example.org", &s, &err),
                     MERR_NOTFOUND);
    /* suppressing a subscriber marks it; import leaves it alone */
    assert_int_equal(upsert(st, a, "z@example.org", "Z", NULL, "h3"),
                     STORE_ADDED);
    assert_int_equal(
        store_suppress(st, "h3", "z@example.org", "manual", "", &added, &err),
        0);
    assert_int_equal(
        store_suppress(st, "h3", "z@example.org", "manual", "", &added, &err),
        0);
    assert_false(added);
    assert_int_equal(store_subscriber_find(st, "z@example.org", &s, &err), 0);
    assert_string_equal(s.status, "suppressed");
    store_subscriber_release(&s);
    assert_int_equal(upsert(st, a, "z@example.org", "Zed", NULL, "other"),
                     STORE_SUPPRESSED);
}

static int
sum(void *arg, const char *value, int64_t count)
{
    (void)value;
    *(int64_t *)arg += count;
    return 0;
}

static void
test_store_subs_forget(void **state)
{
    struct store *st = *state;
    struct store_forget_counts n;
    struct store_subscriber s;
    struct merr err = {0};
    int64_t a = 0;
    int64_t total = 0;

    assert_int_equal(store_list_ensure(st, "f", &a, &err), 0);
    assert_int_equal(upsert(st, a, "w@example.org", "W", NULL, "h4"),
                     STORE_ADDED);
    assert_int_equal(upsert(st, a, "v@example.org", "V", NULL, "h5"),
                     STORE_ADDED);
    assert_int_equal(store_list_set_trusted(st, "f", true, &err), 0);
    assert_int_equal(store_list_set_trusted(st, "none", true, &err),
                     MERR_NOTFOUND);
    assert_int_equal(store_forget(st, "w@example.org", "h4", &n, &err), 0);
    assert_int_equal(n.subscribers, 1);
    assert_int_equal(n.memberships, 1);
    assert_int_equal(store_subscriber_find(st, "w@example.org", &s, &err),
                     MERR_NOTFOUND);
    assert_int_equal(store_list_counts(st, a, "status", sum, &total, &err), 0);
    assert_int_equal(total, 1);
    /* the hash stays, the address does not: a re-import is refused */
    assert_int_equal(upsert(st, a, "w@example.org", "W", NULL, "h4"),
                     STORE_SUPPRESSED);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_subs_upsert),
        cmocka_unit_test(test_store_subs_suppressed),
        cmocka_unit_test(test_store_subs_forget),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
