/*
 * test_bounce: matching a bounce report to its delivery (VERP token,
 * Message-ID, token in the returned headers), recipients of multi-
 * recipient reports, and the identity of a returned message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "unit.h"
#include "bounce.h"
#include "store.h"
#include "store_int.h"
#include "token.h"
#include "util.h"

struct fixture {
    struct store *st;
    struct token_keys keys;
    struct dsn_report rep;
    struct dsn_recipient rcpts[3];
};

static const char fixture_sql[] =
    "INSERT INTO subscribers (id, email, email_key, email_display, created,"
    " updated) VALUES"
    " (1, 'ana@example.org', 'ana@example.org', 'ana@example.org', 0, 0),"
    " (2, 'bob@example.org', 'bob@example.org', 'bob@example.org', 0, 0),"
    " (3, 'cy@example.org', 'cy@example.org', 'cy@example.org', 0, 0);"
    "INSERT INTO appeals (seq, id, content_hash, doc, created, updated)"
    " VALUES (7, 'a-7', 'h', '{}', 0, 0);"
    "INSERT INTO deliveries (appeal_seq, subscriber_id, email, state,"
    " message_id, updated) VALUES"
    " (7, 1, 'ana@example.org', 'sent', '<tocsin.7.1.x@example.org>', 0),"
    " (7, 2, 'bob@example.org', 'sent', '<tocsin.7.2.x@example.org>', 0);";

static int
setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof(*f));
    struct merr err = {0};

    if (store_open(":memory:", STORE_CREATE, &f->st, &err) != 0 ||
        token_keys_init(&f->keys,
                        "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", &err) !=
            0 ||
        sqlite3_exec(f->st->db, fixture_sql, NULL, NULL, NULL) != SQLITE_OK) {
        return -1;
    }
    f->rep.rcpts = f->rcpts;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    store_close(f->st);
    token_keys_release(&f->keys);
    free(f);
    return 0;
}

static void
test_bounce_match_token(void **state)
{
    struct fixture *f = *state;
    struct bounce_match m;

    token_make(&f->keys, 7, 2, f->rep.token);
    /* the token wins over a Message-ID naming another delivery */
    snprintf(f->rep.message_id, sizeof(f->rep.message_id),
             "<tocsin.7.1.x@example.org>");
    bounce_match_report(f->st, &f->keys, &f->rep, &m);
    assert_int_equal(m.seq, 7);
    assert_int_equal(m.sub, 2);
    assert_string_equal(m.how, "token");
    assert_string_equal(m.email, "bob@example.org");
    bounce_match_release(&m);

    /* tampered: the Message-ID is used instead */
    f->rep.token[3] = f->rep.token[3] == 'a' ? 'b' : 'a';
    bounce_match_report(f->st, &f->keys, &f->rep, &m);
    assert_int_equal(m.sub, 1);
    assert_string_equal(m.how, "message-id");
    assert_string_equal(m.email, "ana@example.org");
    bounce_match_release(&m);

    /* a valid token for a delivery that does not exist: not a match */
    token_make(&f->keys, 7, 3, f->rep.token);
    f->rep.message_id[0] = '\0';
    bounce_match_report(f->st, &f->keys, &f->rep, &m);
    assert_int_equal(m.seq, 0);
    assert_null(m.how);
    assert_null(m.email);
    bounce_match_release(&m);
}

static void
test_bounce_match_returned_headers(void **state)
{
    struct fixture *f = *state;
    struct bounce_match m;

    /* a Message-ID that is not ours, then our unsubscribe link's token */
    snprintf(f->rep.message_id, sizeof(f->rep.message_id), "<other@x>");
    token_make(&f->keys, 7, 1, f->rep.returned_token);
    bounce_match_report(f->st, &f->keys, &f->rep, &m);
    assert_int_equal(m.seq, 7);
    assert_int_equal(m.sub, 1);
    assert_string_equal(m.how, "returned headers");
    bounce_match_release(&m);

    f->rep.returned_token[0] = '\0';
    bounce_match_report(f->st, &f->keys, &f->rep, &m);
    assert_int_equal(m.seq, 0);
    assert_int_equal(m.sub, 0);
    bounce_match_release(&m);
}

static void
test_bounce_match_recipients(void **state)
{
    struct fixture *f = *state;
    struct bounce_match m;
    int64_t seq = -1, sub = -1;

    token_make(&f->keys, 7, 1, f->rep.token);
    bounce_match_report(f->st, &f->keys, &f->rep, &m);

    /* one recipient: the delivery's, whatever address the report names
     * (forwarded mail bounces with the final address) */
    f->rep.nrcpts = 1;
    bounce_match_recipient(f->st, &f->rep, &m, "ana@new.example", &seq, &sub);
    assert_int_equal(seq, 7);
    assert_int_equal(sub, 1);

    /* several: each looked up in the same appeal by address */
    f->rep.nrcpts = 3;
    bounce_match_recipient(f->st, &f->rep, &m, "ANA@example.org", &seq, &sub);
    assert_int_equal(sub, 1);
    bounce_match_recipient(f->st, &f->rep, &m, "bob@example.org", &seq, &sub);
    assert_int_equal(seq, 7);
    assert_int_equal(sub, 2);
    /* cy was not mailed in appeal 7 */
    bounce_match_recipient(f->st, &f->rep, &m, "cy@example.org", &seq, &sub);
    assert_int_equal(seq, 0);
    assert_int_equal(sub, 0);
    bounce_match_release(&m);

    /* no delivery matched: a subscriber's address still names them */
    f->rep.token[0] = '\0';
    bounce_match_report(f->st, &f->keys, &f->rep, &m);
    bounce_match_recipient(f->st, &f->rep, &m, "Cy@Example.org", &seq, &sub);
    assert_int_equal(seq, 0);
    assert_int_equal(sub, 3);
    bounce_match_recipient(f->st, &f->rep, &m, "nobody@example.org", &seq,
                           &sub);
    assert_int_equal(sub, 0);
    bounce_match_recipient(f->st, &f->rep, &m, "", &seq, &sub);
    assert_int_equal(sub, 0);
    bounce_match_release(&m);
}

static void
test_bounce_identity(void **state)
{
    struct fixture *f = *state;
    char a[BOUNCE_IDENTITY_MAX], b[BOUNCE_IDENTITY_MAX];
    char c[BOUNCE_IDENTITY_MAX];

    /* the report's own Message-ID, however the bytes differ (CRLF/LF) */
    snprintf(f->rep.own_message_id, sizeof(f->rep.own_message_id),
             "<20261128.ABC@mx.example>");
    bounce_identity(&f->rep, "x\r\n", 3, a);
    bounce_identity(&f->rep, "x\n", 2, b);
    assert_string_equal(a, "<20261128.ABC@mx.example>");
    assert_string_equal(a, b);

    /* else a digest of the bytes: stable, and different for others */
    f->rep.own_message_id[0] = '\0';
    bounce_identity(&f->rep, "one", 3, a);
    bounce_identity(&f->rep, "one", 3, b);
    bounce_identity(&f->rep, "two", 3, c);
    assert_true(util_starts_with(a, "sha256:"));
    assert_int_equal(strlen(a), 7 + 64);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bounce_match_token, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bounce_match_returned_headers,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounce_match_recipients, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bounce_identity, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
