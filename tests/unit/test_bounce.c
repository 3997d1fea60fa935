/*
 * test_bounce: matching a bounce report to its delivery (VERP token,
 * Message-ID, token in the returned headers), recipients of multi-
 * recipient reports, the identity of a returned message, and when a
 * bounce happened (report dates, checked against the clock and the send).
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

    f->st = unit_store(fixture_sql);
    if (f->st == NULL ||
        token_keys_init(&f->keys,
                        "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", &err) !=
            0) {
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

/* ---- when a bounce happened ------------------------------------------ */

/* 2026-11-28T12:00:00Z, the processing run's clock in these tests */
#define NOW  1795867200
#define HOUR 3600
#define DAY  86400

/*
 * A hand-written RFC 3464 report: Date header date_hdr, per-message
 * Arrival-Date arrival and per-recipient Last-Attempt-Date last (each
 * left out when NULL).
 */
static struct dsn_report *
parse_dsn(const char *date_hdr, const char *arrival, const char *last)
{
    struct dsn_report *r = NULL;
    struct merr err = {0};
    char msg[2048];
    int n;

    n = snprintf(msg, sizeof(msg),
                 "From: MAILER-DAEMON@mx.example.net\n"
                 "To: bounces+aebagbafaydqqcikbmgq2dioa4@example.org\n"
                 "%s%s%s"
                 "Subject: Undelivered Mail Returned to Sender\n"
                 "MIME-Version: 1.0\n"
                 "Content-Type: multipart/report; "
                 "report-type=delivery-status; boundary=\"B\"\n"
                 "\n"
                 "--B\n"
                 "Content-Type: text/plain\n"
                 "\n"
                 "Your message could not be delivered.\n"
                 "\n"
                 "--B\n"
                 "Content-Type: message/delivery-status\n"
                 "\n"
                 "Reporting-MTA: dns; mx.example.net\n"
                 "%s%s%s"
                 "\n"
                 "Final-Recipient: rfc822; cy@example.org\n"
                 "Action: delayed\n"
                 "Status: 4.2.2\n"
                 "%s%s%s"
                 "Diagnostic-Code: smtp; 452 4.2.2 mailbox full\n"
                 "\n"
                 "--B--\n",
                 date_hdr != NULL ? "Date: " : "",
                 date_hdr != NULL ? date_hdr : "", date_hdr != NULL ? "\n" : "",
                 arrival != NULL ? "Arrival-Date: " : "",
                 arrival != NULL ? arrival : "", arrival != NULL ? "\n" : "",
                 last != NULL ? "Last-Attempt-Date: " : "",
                 last != NULL ? last : "", last != NULL ? "\n" : "");
    assert_true(n > 0 && n < (int)sizeof(msg));
    assert_int_equal(dsn_parse(msg, (size_t)n, &r, &err), 0);
    assert_non_null(r);
    assert_int_equal(r->nrcpts, 1);
    assert_int_equal(r->kind, DSN_SOFT);
    return r;
}

/* The date of the report's first recipient, as cmd_bounces asks it. */
static int64_t
date_of(const struct dsn_report *r, int64_t not_before)
{
    return bounce_pick_date(r, &r->rcpts[0], not_before, NOW);
}

static void
test_bounce_date_last_attempt_first(void **state)
{
    struct dsn_report *r;

    (void)state;
    /* all three: Last-Attempt-Date (the 25th) over Arrival-Date (the
     * 24th) and Date (the 26th); zones are honoured */
    r = parse_dsn("Thu, 26 Nov 2026 08:00:00 +0000",
                  "Tue, 24 Nov 2026 10:00:00 +0000",
                  "Wed, 25 Nov 2026 12:30:00 +0200");
    assert_int_equal(date_of(r, 0), NOW - 3 * DAY - HOUR - 30 * 60);
    dsn_report_free(r);

    /* no Last-Attempt-Date: Arrival-Date, not the later Date */
    r = parse_dsn("Thu, 26 Nov 2026 08:00:00 +0000",
                  "Tue, 24 Nov 2026 10:00:00 +0000", NULL);
    assert_int_equal(date_of(r, 0), NOW - 4 * DAY - 2 * HOUR);
    dsn_report_free(r);

    /* a Last-Attempt-Date that is no date: as if absent */
    r = parse_dsn("Thu, 26 Nov 2026 08:00:00 +0000",
                  "Tue, 24 Nov 2026 10:00:00 +0000", "last tuesday");
    assert_int_equal(r->rcpts[0].last_attempt, 0);
    assert_int_equal(date_of(r, 0), NOW - 4 * DAY - 2 * HOUR);
    dsn_report_free(r);

    /* neither: the Date header */
    r = parse_dsn("Thu, 26 Nov 2026 08:00:00 -0100", NULL, NULL);
    assert_int_equal(date_of(r, 0), NOW - 2 * DAY - 3 * HOUR);
    dsn_report_free(r);
}

static void
test_bounce_date_plain_text(void **state)
{
    static const char msg[] =
        "From: MAILER-DAEMON (Mail Delivery System)\n"
        "To: bounces+ge3dmnzygezdgnbvgy3tqojq@example.org\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "Date: Mon, 23 Nov 2026 22:15:00 +0000 (UTC)\n"
        "\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients.\n"
        "\n"
        "<jo@example.com>: host mx.example.com said: 550 5.1.1\n"
        "    <jo@example.com>: Recipient address rejected: User unknown\n";
    struct dsn_report *r = NULL;
    struct merr err = {0};

    (void)state;
    assert_int_equal(dsn_parse(msg, sizeof(msg) - 1, &r, &err), 0);
    assert_false(r->has_status_part);
    assert_int_equal(r->nrcpts, 1);
    assert_int_equal(r->kind, DSN_HARD);
    /* no report fields: the bounce message's own Date */
    assert_int_equal(date_of(r, 0), NOW - 5 * DAY + 10 * HOUR + 15 * 60);
    /* a report without recipients dates the same way */
    assert_int_equal(bounce_pick_date(r, NULL, 0, NOW),
                     NOW - 5 * DAY + 10 * HOUR + 15 * 60);
    dsn_report_free(r);
}

static void
test_bounce_date_nonsense(void **state)
{
    struct dsn_report *r;

    (void)state;
    /* more than a day ahead of the clock: now */
    r = parse_dsn("Tue, 01 Dec 2026 12:00:00 +0000", NULL, NULL);
    assert_int_not_equal(r->date, 0);
    assert_int_equal(date_of(r, 0), NOW);
    dsn_report_free(r);
    /* a future Last-Attempt-Date is passed over for a sane Arrival-Date */
    r = parse_dsn(NULL, "Thu, 26 Nov 2026 12:00:00 +0000",
                  "Sat, 05 Dec 2026 12:00:00 +0000");
    assert_int_equal(date_of(r, 0), NOW - 2 * DAY);
    dsn_report_free(r);
    /* hours ahead (a wrong zone): not in the future, now */
    r = parse_dsn("Sat, 28 Nov 2026 20:00:00 +0000", NULL, NULL);
    assert_int_equal(date_of(r, 0), NOW);
    dsn_report_free(r);
    /* garbage, an impossible day, and no date at all: now */
    r = parse_dsn("yesterday around noon", NULL, NULL);
    assert_int_equal(r->date, 0);
    assert_int_equal(date_of(r, 0), NOW);
    dsn_report_free(r);
    r = parse_dsn("Mon, 31 Feb 2026 10:00:00 +0000", "soon", NULL);
    assert_int_equal(date_of(r, 0), NOW);
    dsn_report_free(r);
    r = parse_dsn(NULL, NULL, NULL);
    assert_int_equal(date_of(r, 0), NOW);
    dsn_report_free(r);
    /* before 2000 with no sent time to judge by: now */
    r = parse_dsn("Fri, 31 Dec 1999 23:59:59 +0000", NULL, NULL);
    assert_int_equal(date_of(r, 0), NOW);
    dsn_report_free(r);
}

static void
test_bounce_date_sent_time(void **state)
{
    struct fixture *f = *state;
    struct dsn_report *r;

    /* appeal 7 went to ana on the 25th at 12:00 */
    assert_int_equal(sqlite3_exec(f->st->db,
                                  "UPDATE deliveries SET sent_at = 1795608000"
                                  " WHERE appeal_seq = 7 AND subscriber_id = 1",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    /* a bounce dated the 20th: before it was sent, so now */
    r = parse_dsn("Fri, 20 Nov 2026 12:00:00 +0000", NULL, NULL);
    assert_int_equal(bounce_date(f->st, r, &r->rcpts[0], 7, 1, NOW), NOW);
    /* the same date for a delivery without a sent time: believed */
    assert_int_equal(bounce_date(f->st, r, &r->rcpts[0], 7, 2, NOW),
                     NOW - 8 * DAY);
    /* no delivery at all: believed too */
    assert_int_equal(bounce_date(f->st, r, &r->rcpts[0], 0, 3, NOW),
                     NOW - 8 * DAY);
    dsn_report_free(r);
    /* after it was sent: as it says */
    r = parse_dsn("Thu, 26 Nov 2026 09:00:00 +0000", NULL, NULL);
    assert_int_equal(bounce_date(f->st, r, &r->rcpts[0], 7, 1, NOW),
                     NOW - 2 * DAY - 3 * HOUR);
    dsn_report_free(r);
    /* seconds before the sent time (the MTA's Arrival-Date precedes our
     * record of the send; clocks differ): the sent time */
    r = parse_dsn(NULL, "Wed, 25 Nov 2026 11:59:58 +0000", NULL);
    assert_int_equal(bounce_date(f->st, r, &r->rcpts[0], 7, 1, NOW),
                     1795608000);
    dsn_report_free(r);
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
        cmocka_unit_test(test_bounce_date_last_attempt_first),
        cmocka_unit_test(test_bounce_date_plain_text),
        cmocka_unit_test(test_bounce_date_nonsense),
        cmocka_unit_test_setup_teardown(test_bounce_date_sent_time, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
