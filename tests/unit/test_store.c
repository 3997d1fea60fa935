/*
 * test_store: migrations, reopening, refusing a newer schema, file mode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "unit.h"
#include "store.h"
#include "util.h"

static void
test_store_migrations_memory(void **state)
{
    struct store *st = NULL;
    struct merr err = {0};
    int v = -1;

    (void)state;
    assert_int_equal(store_open(":memory:", STORE_CREATE, &st, &err), 0);
    assert_int_equal(store_schema_version(st, &v, &err), 0);
    assert_int_equal(v, store_latest_version());
    assert_true(v >= 4);
    store_close(st);
}

static void
test_store_reopen_and_mode(void **state)
{
    char *dir = unit_tmpdir();
    char path[512];
    struct store *st = NULL;
    struct merr err = {0};
    struct stat sb;
    int v = -1;

    (void)state;
    snprintf(path, sizeof(path), "%s/t.db", dir);
    /* without STORE_CREATE a missing file is an error */
    assert_int_equal(store_open(path, 0, &st, &err), MERR_NOINPUT);
    assert_null(st);
    assert_int_equal(store_open(path, STORE_CREATE, &st, &err), 0);
    store_close(st);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    /* reopening applies nothing twice */
    assert_int_equal(store_open(path, 0, &st, &err), 0);
    assert_int_equal(store_schema_version(st, &v, &err), 0);
    assert_int_equal(v, store_latest_version());
    store_close(st);
    unit_rmtree(dir);
    free(dir);
}

static void
test_store_newer_schema_refused(void **state)
{
    char *dir = unit_tmpdir();
    char path[512];
    struct store *st = NULL;
    struct merr err = {0};
    sqlite3 *db = NULL;

    (void)state;
    snprintf(path, sizeof(path), "%s/t.db", dir);
    assert_int_equal(store_open(path, STORE_CREATE, &st, &err), 0);
    store_close(st);
    st = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO schema_migrations VALUES "
                                  "(999, 0)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_open(path, 0, &st, &err), MERR_DB);
    assert_null(st);
    assert_non_null(strstr(err.msg, "newer"));
    unit_rmtree(dir);
    free(dir);
}

static void
test_store_transactions(void **state)
{
    struct store *st = NULL;
    struct merr err = {0};

    (void)state;
    assert_int_equal(store_open(":memory:", STORE_CREATE, &st, &err), 0);
    assert_false(store_in_transaction(st));
    assert_int_equal(store_begin(st, &err), 0);
    assert_true(store_in_transaction(st));
    store_rollback(st);
    assert_false(store_in_transaction(st));
    assert_int_equal(store_ping(st, &err), 0);
    store_close(st);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_migrations_memory),
        cmocka_unit_test(test_store_reopen_and_mode),
        cmocka_unit_test(test_store_newer_schema_refused),
        cmocka_unit_test(test_store_transactions),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
