/*
 * test_store_bounce: what recording a bounce does to deliveries,
 * subscribers and suppressions, idempotence, the soft-bounce score (by
 * the days the bounces happened, not the day they are read), and the
 * lookups that match a bounce to its delivery.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "unit.h"
#include "store.h"
#include "store_bounce.h"
#include "store_int.h"
#include "token.h"
#include "util.h"

#define DAY 86400
#define T0  (20000 * (int64_t)DAY + 3600)

/*
 * The clock seam (Makefile: WRAP_test_store_bounce = util_now): the time
 * of the processing run, which differs from when the bounces happened
 * (their received_at).  A plain value, not mock(): store_open reads the
 * clock too.
 */
int64_t __wrap_util_now(void);
static int64_t fake_now = T0;

int64_t
__wrap_util_now(void)
{
    return fake_now;
}

struct fixture {
    struct store *st;
    struct token_keys keys;
};

static const char fixture_sql[] =
    "INSERT INTO subscribers (id, email, email_key, email_display, created,"
    " updated) VALUES"
    " (1, 'ana@example.org', 'ana@example.org', 'ana@example.org', 0, 0),"
    " (2, 'Bob@Example.org', 'bob@example.org', 'Bob@Example.org', 0, 0),"
    " (3, 'cy@example.org', 'cy@example.org', 'cy@example.org', 0, 0),"
    " (4, 'di@example.org', 'di@example.org', 'di@example.org', 0, 0);"
    "UPDATE subscribers SET status = 'unsubscribed' WHERE id = 4;"
    "INSERT INTO appeals (seq, id, content_hash, doc, created, updated)"
    " VALUES (7, 'a-7', 'h', '{}', 0, 0), (8, 'a-8', 'h', '{}', 0, 0);"
    "INSERT INTO deliveries (appeal_seq, subscriber_id, email, state,"
    " message_id, updated) VALUES"
    " (7, 1, 'ana@example.org', 'sent', '<tocsin.7.1.x@example.org>', 0),"
    " (7, 2, 'Bob@Example.org', 'sent', 'tocsin.7.2.x@example.org', 0),"
    " (7, 3, 'cy@example.org', 'sent', NULL, 0),"
    " (7, 4, 'di@example.org', 'sent', NULL, 0),"
    " (8, 1, 'ana@example.org', 'queued', NULL, 0);";

static int
setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof(*f));
    struct merr err = {0};

    f->st = unit_store(fixture_sql);
    if (f->st == NULL ||
        token_keys_init(&f->keys,
                        "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", &err) !=
            0) {
        return -1;
    }
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

static const char *
qs(struct fixture *f, const char *sql)
{
    static char out[256];
    sqlite3_stmt *s = NULL;

    out[0] = '\0';
    assert_int_equal(sqlite3_prepare_v2(f->st->db, sql, -1, &s, NULL),
                     SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL) {
        snprintf(out, sizeof(out), "%s", sqlite3_column_text(s, 0));
    }
    sqlite3_finalize(s);
    return out;
}

static void
record(struct fixture *f, const struct store_bounce *b,
       struct store_bounce_effect *eff)
{
    struct merr err = {0};

    assert_int_equal(store_begin(f->st, &err), 0);
    assert_int_equal(store_bounce_record(f->st, &f->keys, b, 3, eff, &err), 0);
    assert_int_equal(store_commit(f->st, &err), 0);
}

static void
test_store_bounce_hard_suppresses(void **state)
{
    struct fixture *f = *state;
    struct store_bounce b = {7,         1,       "ana@example.org",
                             "hard",    "5.1.1", "user unknown",
                             "<b1@mx>", T0};
    struct store_bounce_effect eff;
    char hash[TOKEN_HASH_HEX];
    char sql[256];

    record(f, &b, &eff);
    assert_true(eff.recorded);
    assert_true(eff.bounced);
    assert_true(eff.suppressed);
    assert_string_equal(
        qs(f, "SELECT state FROM deliveries WHERE appeal_seq=7 AND "
              "subscriber_id=1"),
        "bounced");
    /* the other appeal's queued delivery is not touched */
    assert_string_equal(
        qs(f, "SELECT state FROM deliveries WHERE appeal_seq=8 AND "
              "subscriber_id=1"),
        "queued");
    assert_string_equal(qs(f, "SELECT status FROM subscribers WHERE id=1"),
                        "bounced");
    token_person_hash(&f->keys, "ana@example.org", hash);
    snprintf(sql, sizeof(sql),
             "SELECT reason FROM suppressions WHERE hash='%s' AND "
             "email_key='ana@example.org'",
             hash);
    assert_string_equal(qs(f, sql), "bounce");
    assert_int_equal(
        unit_int(f->st, "SELECT count(*) FROM bounces WHERE kind='hard' AND "
                        "status='5.1.1' AND appeal_seq=7 AND "
                        "subscriber_id=1"),
        1);

    /* the same bounce again (IMAP then POP3 of one mailbox): nothing */
    record(f, &b, &eff);
    assert_false(eff.recorded);
    assert_false(eff.suppressed);
    assert_int_equal(unit_int(f->st, "SELECT count(*) FROM bounces"), 1);
    assert_int_equal(unit_int(f->st, "SELECT count(*) FROM suppressions"), 1);
}

static void
test_store_bounce_complaint(void **state)
{
    struct fixture *f = *state;
    struct store_bounce b = {7,  2,       "bob@example.org", "complaint",
                             "", "abuse", "<c1@mx>",         T0};
    struct store_bounce_effect eff;

    record(f, &b, &eff);
    assert_true(eff.suppressed);
    assert_false(eff.bounced);
    assert_string_equal(qs(f, "SELECT status FROM subscribers WHERE id=2"),
                        "complained");
    assert_string_equal(
        qs(f, "SELECT reason FROM suppressions WHERE email_key='bob@"
              "example.org'"),
        "complaint");
    /* a complaint is not a bounce of the delivery */
    assert_string_equal(
        qs(f, "SELECT state FROM deliveries WHERE appeal_seq=7 AND "
              "subscriber_id=2"),
        "sent");
}

static void
test_store_bounce_soft_score(void **state)
{
    struct fixture *f = *state;
    struct store_bounce b = {
        7, 3, "cy@example.org", "soft", "4.2.2", "mailbox full", "<s1@mx>", T0};
    struct store_bounce_effect eff;

    record(f, &b, &eff);
    assert_true(eff.recorded);
    assert_true(eff.counted);
    assert_int_equal(eff.soft_score, 1);
    assert_false(eff.suppressed);
    /* another soft bounce the same day: recorded, not counted */
    b.source = "<s2@mx>";
    b.received_at = T0 + 3600;
    record(f, &b, &eff);
    assert_true(eff.recorded);
    assert_false(eff.counted);
    assert_int_equal(eff.soft_score, 1);
    /* the next day: 2; the day after: 3 = the threshold, suppressed */
    b.source = "<s3@mx>";
    b.received_at = T0 + DAY;
    record(f, &b, &eff);
    assert_int_equal(eff.soft_score, 2);
    assert_false(eff.suppressed);
    b.source = "<s4@mx>";
    b.received_at = T0 + 2 * DAY;
    record(f, &b, &eff);
    assert_int_equal(eff.soft_score, 3);
    assert_true(eff.suppressed);
    assert_string_equal(qs(f, "SELECT status FROM subscribers WHERE id=3"),
                        "bounced");
    assert_string_equal(
        qs(f, "SELECT reason FROM suppressions WHERE email_key='cy@"
              "example.org'"),
        "soft-bounces");
    /* soft bounces never mark the delivery bounced */
    assert_string_equal(
        qs(f, "SELECT state FROM deliveries WHERE appeal_seq=7 AND "
              "subscriber_id=3"),
        "sent");
}

/* A week's backlog read in one run, a week later, in no particular
 * order: each day a soft bounce happened counts once. */
static void
test_store_bounce_soft_backlog_days(void **state)
{
    struct fixture *f = *state;
    struct store_bounce b = {7,         3,           "cy@example.org",
                             "soft",    "4.2.2",     "mailbox full",
                             "<k1@mx>", T0 + 2 * DAY};
    struct store_bounce_effect eff;

    fake_now = T0 + 7 * DAY;
    record(f, &b, &eff);
    assert_true(eff.counted);
    assert_int_equal(eff.soft_score, 1);
    /* an earlier day after a later one still counts */
    b.source = "<k2@mx>";
    b.received_at = T0;
    record(f, &b, &eff);
    assert_true(eff.counted);
    assert_int_equal(eff.soft_score, 2);
    assert_false(eff.suppressed);
    b.source = "<k3@mx>";
    b.received_at = T0 + DAY + 5;
    record(f, &b, &eff);
    assert_true(eff.counted);
    assert_int_equal(eff.soft_score, 3);
    assert_true(eff.suppressed); /* threshold 3 */
    assert_string_equal(qs(f, "SELECT status FROM subscribers WHERE id=3"),
                        "bounced");
    assert_int_equal(
        unit_int(f->st, "SELECT soft_bounces FROM subscribers WHERE id=3"), 3);
    /* the latest day, not the last one recorded */
    assert_int_equal(
        unit_int(f->st,
                 "SELECT last_soft_bounce_day FROM subscribers WHERE id=3"),
        T0 / DAY + 2);
    /* the rows keep when it happened; the bookkeeping is the run's */
    assert_int_equal(unit_int(f->st, "SELECT received_at FROM bounces WHERE "
                                     "source='<k2@mx>'"),
                     T0);
    assert_int_equal(
        unit_int(f->st, "SELECT updated FROM subscribers WHERE id=3"),
        T0 + 7 * DAY);
    assert_int_equal(unit_int(f->st, "SELECT created FROM suppressions WHERE "
                                     "email_key='cy@example.org'"),
                     T0 + 7 * DAY);

    /* the same run again (or the same mailbox over POP3): nothing */
    b.source = "<k2@mx>";
    b.received_at = T0;
    record(f, &b, &eff);
    assert_false(eff.recorded);
    assert_false(eff.counted);
    assert_int_equal(
        unit_int(f->st, "SELECT soft_bounces FROM subscribers WHERE id=3"), 3);
    assert_int_equal(unit_int(f->st, "SELECT count(*) FROM bounces"), 3);
}

/* Three soft bounces of one day, read in one run: one increment. */
static void
test_store_bounce_soft_same_day(void **state)
{
    struct fixture *f = *state;
    struct store_bounce b = {7,         3,        "cy@example.org",
                             "soft",    "4.2.2",  "mailbox full",
                             "<m1@mx>", T0 + 7200};
    struct store_bounce_effect eff;

    fake_now = T0 + 7 * DAY;
    record(f, &b, &eff);
    assert_true(eff.counted);
    b.source = "<m2@mx>";
    b.received_at = T0 - 3600; /* the day's first second */
    record(f, &b, &eff);
    assert_true(eff.recorded);
    assert_false(eff.counted);
    b.source = "<m3@mx>";
    b.received_at = T0 + DAY - 3601; /* its last */
    record(f, &b, &eff);
    assert_true(eff.recorded);
    assert_false(eff.counted);
    assert_int_equal(eff.soft_score, 1);
    assert_false(eff.suppressed);
    assert_string_equal(qs(f, "SELECT status FROM subscribers WHERE id=3"),
                        "active");
    /* the next day counts again */
    b.source = "<m4@mx>";
    b.received_at = T0 + DAY;
    record(f, &b, &eff);
    assert_true(eff.counted);
    assert_int_equal(eff.soft_score, 2);
}

static void
test_store_bounce_keeps_other_status(void **state)
{
    struct fixture *f = *state;
    struct store_bounce b = {7,       4,      "di@example.org", "hard",
                             "5.1.1", "gone", "<d1@mx>",        T0};
    struct store_bounce_effect eff;

    record(f, &b, &eff);
    /* unsubscribed stays unsubscribed, but the address is suppressed */
    assert_string_equal(qs(f, "SELECT status FROM subscribers WHERE id=4"),
                        "unsubscribed");
    assert_int_equal(
        unit_int(f->st, "SELECT count(*) FROM suppressions WHERE email_key='di@"
                        "example.org'"),
        1);
    assert_true(eff.suppressed);
}

static void
test_store_bounce_unmatched_and_null_recipient(void **state)
{
    struct fixture *f = *state;
    struct store_bounce b = {0, 0, NULL, "unknown", "", "", "<u1@mx>", T0};
    struct store_bounce_effect eff;

    record(f, &b, &eff);
    assert_true(eff.recorded);
    assert_false(eff.suppressed);
    /* NULL recipients are not distinct for us, unlike in UNIQUE */
    record(f, &b, &eff);
    assert_false(eff.recorded);
    assert_int_equal(unit_int(f->st,
                              "SELECT count(*) FROM bounces WHERE recipient IS "
                              "NULL"),
                     1);
    assert_int_equal(unit_int(f->st, "SELECT count(*) FROM suppressions"), 0);
}

static void
test_store_bounce_lookups(void **state)
{
    struct fixture *f = *state;
    struct merr err = {0};
    int64_t seq = 0, sub = 0;
    char *email = NULL;
    bool seen = true;

    /* Message-IDs stored with or without angle brackets */
    assert_int_equal(store_bounce_find_message_id(
                         f->st, "<tocsin.7.1.x@example.org>", &seq, &sub, &err),
                     0);
    assert_int_equal(seq, 7);
    assert_int_equal(sub, 1);
    assert_int_equal(store_bounce_find_message_id(
                         f->st, "<tocsin.7.2.x@example.org>", &seq, &sub, &err),
                     0);
    assert_int_equal(sub, 2);
    assert_int_equal(
        store_bounce_find_message_id(f->st, "<nope@x>", &seq, &sub, &err),
        MERR_NOTFOUND);
    assert_int_equal(
        store_bounce_find_delivery(f->st, 7, 2, &email, NULL, &err), 0);
    assert_string_equal(email, "Bob@Example.org");
    free(email);
    assert_int_equal(store_bounce_find_delivery(f->st, 8, 2, NULL, NULL, &err),
                     MERR_NOTFOUND);
    assert_int_equal(
        store_bounce_find_address(f->st, 7, "BOB@example.ORG", &sub, &err), 0);
    assert_int_equal(sub, 2);
    assert_int_equal(
        store_bounce_find_address(f->st, 0, "Cy@Example.org", &sub, &err), 0);
    assert_int_equal(sub, 3);
    assert_int_equal(
        store_bounce_find_address(f->st, 8, "cy@example.org", &sub, &err),
        MERR_NOTFOUND);

    assert_int_equal(store_bounce_seen(f->st, "maildir:1.2.h", &seen, &err), 0);
    assert_false(seen);
    assert_int_equal(store_bounce_set_seen(f->st, "maildir:1.2.h", T0, &err),
                     0);
    assert_int_equal(store_bounce_set_seen(f->st, "maildir:1.2.h", T0, &err),
                     0);
    assert_int_equal(store_bounce_seen(f->st, "maildir:1.2.h", &seen, &err), 0);
    assert_true(seen);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_bounce_hard_suppresses,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_bounce_complaint, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_bounce_soft_score, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_bounce_soft_backlog_days,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_bounce_soft_same_day, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_bounce_keeps_other_status,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_store_bounce_unmatched_and_null_recipient, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_bounce_lookups, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
