/*
 * test_store_sig: recording signatures, webhook events and unsubscribes,
 * and the rules of who signed (store_sig.c), on an in-memory database.
 */
#include <string.h>

#include "unit.h"
#include "store.h"
#include "store_int.h"
#include "store_sig.h"

static int
setup(void **state)
{
    struct store *st = NULL;
    struct merr err = {0};

    if (store_open(":memory:", STORE_CREATE, &st, &err) != 0) {
        return -1;
    }
    if (store_exec(st,
                   "INSERT INTO appeals (seq, id, content_hash, title, doc, "
                   "not_after, created, updated) VALUES "
                   "(1, '2026-014', 'h', 'Free Ana', '{}', NULL, 0, 0),"
                   "(2, '2025-001', 'h', 'Old', '{}', 1000, 0, 0);"
                   "INSERT INTO subscribers (id, email, email_key, "
                   "email_display, name, language, country, consent, "
                   "created, updated) VALUES "
                   "(7, 'Ana@example.org', 'ana@example.org', "
                   "'Ana@example.org', 'Ana', 'fr', 'FR', 1, 0, 0),"
                   "(8, 'bo@example.org', 'bo@example.org', "
                   "'bo@example.org', 'Bo', 'ar', 'EG', NULL, 0, 0);"
                   "INSERT INTO suppressions (hash, email_key, reason, "
                   "created) VALUES ('h-eve', NULL, 'erased', 0);",
                   &err) != 0) {
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

static struct store_sig_webhook
hook(const char *id, const char *email)
{
    struct store_sig_webhook in;

    memset(&in, 0, sizeof(in));
    in.event_id = id;
    in.appeal_id = "2026-014";
    in.email = email;
    in.email_key = email;
    in.email_display = email;
    in.person_hash = "";
    in.name = "Someone";
    in.country = "";
    in.language = "";
    in.signed_at = 2000;
    return in;
}

static enum store_sig_result
record(struct store *st, const struct store_sig_webhook *in)
{
    enum store_sig_result r = STORE_SIG_NOT_FOUND;
    struct merr err = {0};
    int64_t seq = 0;

    assert_int_equal(store_sig_webhook(st, in, 3000, &r, &seq, &err), 0);
    return r;
}

static void
test_store_sig_webhook_rules(void **state)
{
    struct store *st = *state;
    struct store_sig_webhook in;

    /* unknown appeal: nothing written, not even the event */
    in = hook("e0", "x@example.net");
    in.appeal_id = "nope";
    assert_int_equal(record(st, &in), STORE_SIG_UNKNOWN_APPEAL);
    assert_int_equal(unit_int(st, "SELECT count(*) FROM webhook_events"), 0);

    /* a non-subscriber without consent: signs, is not subscribed */
    in = hook("e1", "x@example.net");
    assert_int_equal(record(st, &in), STORE_SIG_STORED);
    assert_int_equal(unit_int(st, "SELECT count(*) FROM subscribers"), 2);
    /* the same delivery again, then the same person under a new id */
    assert_int_equal(record(st, &in), STORE_SIG_DUPLICATE_EVENT);
    in.event_id = "e2";
    assert_int_equal(record(st, &in), STORE_SIG_DUPLICATE);
    assert_int_equal(unit_int(st, "SELECT count(*) FROM signatures"), 1);
    assert_int_equal(unit_int(st, "SELECT count(*) FROM webhook_events"), 2);

    /* matched by address: the subscriber's row */
    in = hook("e3", "ana@example.org");
    assert_int_equal(record(st, &in), STORE_SIG_STORED);
    assert_int_equal(unit_int(st, "SELECT subscriber_id FROM signatures "
                                  "WHERE event_id = 'e3'"),
                     7);

    /* a token for appeal 1 and subscriber 8, with another address: the
     * token decides */
    in = hook("e4", "someone-else@example.net");
    in.token_appeal = 1;
    in.token_subscriber = 8;
    assert_int_equal(record(st, &in), STORE_SIG_STORED);
    assert_int_equal(unit_int(st, "SELECT subscriber_id FROM signatures "
                                  "WHERE event_id = 'e4'"),
                     8);
    assert_int_equal(unit_int(st, "SELECT count(*) FROM signatures WHERE "
                                  "person_key = 'bo@example.org'"),
                     1);

    /* a token for another appeal does not count: the address decides */
    in = hook("e5", "z@example.net");
    in.token_appeal = 2;
    in.token_subscriber = 7;
    assert_int_equal(record(st, &in), STORE_SIG_STORED);
    assert_int_equal(unit_int(st, "SELECT count(*) FROM signatures WHERE "
                                  "subscriber_id IS NULL"),
                     2);

    /* no token that resolves, no address */
    in = hook("e6", "");
    in.token_appeal = 1;
    in.token_subscriber = 999;
    assert_int_equal(record(st, &in), STORE_SIG_UNKNOWN_SIGNER);

    /* closed appeal (not_after 1000 < signed_at 2000) */
    in = hook("e7", "late@example.net");
    in.appeal_id = "2025-001";
    assert_int_equal(record(st, &in), STORE_SIG_CLOSED);
    assert_int_equal(unit_int(st, "SELECT count(*) FROM webhook_events "
                                  "WHERE id = 'e7'"),
                     0);
}

static void
test_store_sig_consent(void **state)
{
    struct store *st = *state;
    struct store_sig_webhook in;

    in = hook("c1", "new@example.net");
    in.consent = true;
    in.language = "es";
    in.country = "AR";
    assert_int_equal(record(st, &in), STORE_SIG_STORED);
    assert_int_equal(unit_int(st,
                              "SELECT count(*) FROM subscribers WHERE "
                              "email_key = 'new@example.net' AND consent = 1 "
                              "AND status = 'active' AND language = 'es'"),
                     1);
    assert_int_equal(unit_int(st, "SELECT count(*) FROM list_members m JOIN "
                                  "lists l ON l.id = m.list_id WHERE "
                                  "l.name = 'signers'"),
                     1);
    /* a forgotten person (hash in suppressions) is not subscribed again */
    in = hook("c2", "eve@example.net");
    in.consent = true;
    in.person_hash = "h-eve";
    assert_int_equal(record(st, &in), STORE_SIG_STORED);
    assert_int_equal(unit_int(st, "SELECT count(*) FROM subscribers WHERE "
                                  "email_key = 'eve@example.net'"),
                     0);
}

static void
test_store_sig_link_and_unsubscribe(void **state)
{
    struct store *st = *state;
    enum store_sig_result r = STORE_SIG_STORED;
    struct merr err = {0};
    bool yes = false;

    /* Ana signed appeal 1 by webhook already: one person signs once,
     * whatever the source */
    assert_int_equal(store_sig_link(st, 1, 7, 100, &r, &err), 0);
    assert_int_equal(r, STORE_SIG_DUPLICATE);
    assert_int_equal(store_sig_link(st, 2, 7, 100, &r, &err), 0);
    assert_int_equal(r, STORE_SIG_STORED);
    assert_int_equal(store_sig_link(st, 2, 7, 101, &r, &err), 0);
    assert_int_equal(r, STORE_SIG_DUPLICATE);
    assert_int_equal(store_sig_link(st, 1, 999, 101, &r, &err), 0);
    assert_int_equal(r, STORE_SIG_NOT_FOUND);
    assert_int_equal(store_sig_has_signed(st, 1, "ana@example.org", &yes, &err),
                     0);
    assert_true(yes);
    assert_int_equal(store_sig_has_signed(st, 2, "bo@example.org", &yes, &err),
                     0);
    assert_false(yes);
    assert_int_equal(unit_int(st, "SELECT count(*) FROM signatures WHERE "
                                  "source = 'link' AND name = 'Ana' AND "
                                  "language = 'fr' AND consent = 1"),
                     1);

    assert_int_equal(store_sig_unsubscribe(st, 8, "bo@example.org", "h-bo",
                                           "one-click", 100, &r, &err),
                     0);
    assert_int_equal(r, STORE_SIG_STORED);
    /* twice changes nothing */
    assert_int_equal(store_sig_unsubscribe(st, 8, "bo@example.org", "h-bo",
                                           "one-click", 101, &r, &err),
                     0);
    assert_int_equal(unit_int(st,
                              "SELECT count(*) FROM subscribers WHERE id = 8 "
                              "AND status = 'unsubscribed'"),
                     1);
    assert_int_equal(unit_int(st,
                              "SELECT count(*) FROM suppressions WHERE "
                              "hash = 'h-bo' AND email_key = "
                              "'bo@example.org' AND reason = 'unsubscribed'"),
                     1);
    assert_int_equal(store_sig_suppressed(st, "bo@example.org", "", &yes, &err),
                     0);
    assert_true(yes);
    assert_int_equal(
        store_sig_unsubscribe(st, 999, "x", "h-x", "", 100, &r, &err), 0);
    assert_int_equal(r, STORE_SIG_NOT_FOUND);
}

static int
collect(const struct store_sig_row *row, void *arg)
{
    int *n = arg;

    if (strcmp(row->name, "Ana") == 0 || row->email[0] == 'A') {
        /* a subscriber's signature shows their address as they have it */
        assert_string_equal(row->email, "Ana@example.org");
    }
    assert_int_equal(row->signed_at, 2000);
    (*n)++;
    return 0;
}

static void
test_store_sig_export(void **state)
{
    struct store *st = *state;
    struct merr err = {0};
    int64_t n = 0;
    int seen = 0;

    assert_int_equal(store_sig_count(st, 1, &n, &err), 0);
    assert_int_equal(store_sig_each(st, 1, collect, &seen, &err), 0);
    assert_int_equal(seen, n);
    assert_true(n >= 5);
}

static void
test_store_sig_savepoint(void **state)
{
    struct store *st = *state;
    struct merr err = {0};
    struct store_sig_webhook in;
    int64_t before = unit_int(st, "SELECT count(*) FROM signatures");

    assert_int_equal(store_begin(st, &err), 0);
    assert_int_equal(store_sig_savepoint(st, &err), 0);
    in = hook("sp1", "undone@example.net");
    assert_int_equal(record(st, &in), STORE_SIG_STORED);
    store_sig_rollback_to(st);
    assert_int_equal(store_sig_savepoint(st, &err), 0);
    in = hook("sp2", "kept@example.net");
    assert_int_equal(record(st, &in), STORE_SIG_STORED);
    assert_int_equal(store_sig_release(st, &err), 0);
    assert_int_equal(store_commit(st, &err), 0);
    assert_int_equal(unit_int(st, "SELECT count(*) FROM signatures"),
                     before + 1);
    assert_int_equal(unit_int(st, "SELECT count(*) FROM webhook_events WHERE "
                                  "id = 'sp1'"),
                     0);
}

int
main(void)
{
    /* in order: each builds on the rows the previous ones wrote */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_sig_webhook_rules),
        cmocka_unit_test(test_store_sig_consent),
        cmocka_unit_test(test_store_sig_link_and_unsubscribe),
        cmocka_unit_test(test_store_sig_export),
        cmocka_unit_test(test_store_sig_savepoint),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
