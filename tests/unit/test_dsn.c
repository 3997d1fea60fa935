/*
 * test_dsn: bounce classification and identification, on hand-written
 * messages (tests/data/bounces) for every kind and MTA form, and on the
 * 629 real messages of the Sisimai corpus (../shared/conformance/bounces).
 */
#define _GNU_SOURCE /* memmem */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "dsn.h"
#include "mime.h"
#include "render.h"
#include "token.h"
#include "util.h"

static struct dsn_report *
parse_file(const char *name)
{
    char rel[256];
    struct dsn_report *r = NULL;
    struct merr err = {0};
    size_t len = 0;
    char *p;

    assert_true(snprintf(rel, sizeof(rel), "tests/data/bounces/%s", name) <
                (int)sizeof(rel));
    p = unit_slurp(unit_path(rel), &len);
    assert_int_equal(dsn_parse(p, len, &r, &err), 0);
    free(p);
    assert_non_null(r);
    return r;
}

static void
test_dsn_hard_rfc3464(void **state)
{
    struct dsn_report *r = parse_file("hard-rfc3464.eml");

    (void)state;
    assert_int_equal(r->kind, DSN_HARD);
    assert_true(r->has_status_part);
    assert_int_equal(r->nrcpts, 1);
    assert_string_equal(r->rcpts[0].address, "ana@example.net");
    assert_string_equal(r->rcpts[0].original, "ana@example.net");
    assert_string_equal(r->rcpts[0].status, "5.1.1");
    assert_string_equal(r->rcpts[0].action, "failed");
    assert_int_equal(r->rcpts[0].kind, DSN_HARD);
    assert_non_null(strstr(r->rcpts[0].reason, "User unknown"));
    assert_string_equal(r->status, "5.1.1");
    /* everything that identifies the delivery */
    assert_string_equal(r->token, "aebagbafaydqqcikbmgq2dioa4");
    assert_string_equal(r->token_header, "To");
    assert_string_equal(r->message_id, "<tocsin.14.123.k3j9@example.org>");
    assert_string_equal(r->returned_token, "aebagbafaydqqcikbmgq2dioa4");
    assert_string_equal(r->tocsin_header, "X-Tocsin-Appeal: 2026-014");
    assert_string_equal(r->own_message_id,
                        "<20261126100002.3F1A2C0A1B@mx.example.net>");
    assert_string_equal(r->subject, "Undelivered Mail Returned to Sender");
    assert_false(r->cut);
    dsn_report_free(r);
}

static void
test_dsn_soft_mailbox_full(void **state)
{
    struct dsn_report *r = parse_file("soft-mailbox-full.eml");

    (void)state;
    /* 5.2.2 is class 5 but the address is fine */
    assert_int_equal(r->kind, DSN_SOFT);
    assert_int_equal(r->nrcpts, 1);
    assert_string_equal(r->rcpts[0].address, "bo@example.com");
    assert_string_equal(r->rcpts[0].status, "5.2.2");
    /* not in To: found in Delivered-To */
    assert_string_equal(r->token, "mfrggzdfmztwq2lknnwg23tpoa");
    assert_string_equal(r->token_header, "Delivered-To");
    /* the Message-ID from a text/rfc822-headers part */
    assert_string_equal(r->message_id, "<tocsin.14.124.a8b2@example.org>");
    assert_string_equal(r->returned_token, "mfrggzdfmztwq2lknnwg23tpoa");
    dsn_report_free(r);
}

/* 2026-11-26T10:00:00Z, the day the hand-written bounces happened */
#define NOV26_10H 1795687200

static void
test_dsn_dates(void **state)
{
    struct dsn_report *r;

    (void)state;
    /* the report's Date ("(UTC)" comment and all) and its per-message
     * Arrival-Date; no Last-Attempt-Date */
    r = parse_file("hard-rfc3464.eml");
    assert_int_equal(r->date, NOV26_10H + 2);
    assert_int_equal(r->arrival_date, NOV26_10H + 1);
    assert_int_equal(r->rcpts[0].last_attempt, 0);
    dsn_report_free(r);
    /* per-recipient Last-Attempt-Date */
    r = parse_file("soft-mailbox-full.eml");
    assert_int_equal(r->rcpts[0].last_attempt, NOV26_10H + 300);
    assert_int_equal(r->arrival_date, NOV26_10H + 298);
    assert_int_equal(r->date, NOV26_10H + 300);
    dsn_report_free(r);
    /* an ARF report's Arrival-Date is the original message's, not a
     * delivery-status field: only the Date counts */
    r = parse_file("complaint-arf.eml");
    assert_int_equal(r->arrival_date, 0);
    assert_int_equal(r->date, NOV26_10H + 2 * 3600);
    dsn_report_free(r);
    /* a +0100 Date, and a report without Date */
    r = parse_file("autoreply-vacation.eml");
    assert_int_equal(r->date, NOV26_10H - 3600 + 5);
    dsn_report_free(r);
    r = parse_file("nothing-identifiable.eml");
    assert_int_equal(r->date, 0);
    assert_int_equal(r->arrival_date, 0);
    dsn_report_free(r);
}

static void
test_dsn_soft_delayed(void **state)
{
    struct dsn_report *r = parse_file("soft-delayed.eml");

    (void)state;
    assert_int_equal(r->kind, DSN_SOFT);
    assert_int_equal(r->nrcpts, 1);
    assert_string_equal(r->rcpts[0].action, "delayed");
    assert_string_equal(r->rcpts[0].status, "4.4.1");
    assert_string_equal(r->rcpts[0].reason,
                        "connect to mx.example.cn[198.51.100.7]:25: "
                        "Connection timed out");
    assert_string_equal(r->token, "nbswy3dpeb3w64tmmqqgc3te");
    assert_string_equal(r->token_header, "X-Original-To");
    assert_string_equal(r->message_id, "");
    dsn_report_free(r);
}

static void
test_dsn_several_recipients(void **state)
{
    struct dsn_report *r = parse_file("multi-recipients.eml");

    (void)state;
    assert_int_equal(r->kind, DSN_HARD);
    assert_int_equal(r->nrcpts, 3);
    assert_string_equal(r->rcpts[0].address, "dora@example.com");
    assert_int_equal(r->rcpts[0].kind, DSN_HARD);
    assert_string_equal(r->rcpts[1].address, "eve@example.com");
    assert_string_equal(r->rcpts[1].original, "Eve@Example.com");
    assert_string_equal(r->rcpts[1].status, "5.7.1");
    assert_int_equal(r->rcpts[1].kind, DSN_SOFT); /* a spam filter */
    /* the generic 5.0.0 gives way to the diagnostic's 5.4.4 */
    assert_string_equal(r->rcpts[2].status, "5.4.4");
    assert_int_equal(r->rcpts[2].kind, DSN_HARD);
    assert_string_equal(r->message_id, "<tocsin.15.7.zz01@example.org>");
    dsn_report_free(r);
}

static void
test_dsn_complaint_arf(void **state)
{
    struct dsn_report *r = parse_file("complaint-arf.eml");

    (void)state;
    assert_int_equal(r->kind, DSN_COMPLAINT);
    assert_string_equal(r->feedback_type, "abuse");
    assert_int_equal(r->nrcpts, 1);
    assert_string_equal(r->rcpts[0].address, "gina@example.net");
    assert_int_equal(r->rcpts[0].kind, DSN_COMPLAINT);
    /* the report went to abuse@, not to a VERP address */
    assert_string_equal(r->token, "");
    assert_string_equal(r->message_id, "<tocsin.14.200.q1w2@example.org>");
    assert_string_equal(r->returned_token, "mzxw6ytboi2gk3tpnrsxg5dfon2a");
    dsn_report_free(r);
}

static void
test_dsn_autoreply(void **state)
{
    struct dsn_report *r = parse_file("autoreply-rfc3834.eml");

    (void)state;
    assert_int_equal(r->kind, DSN_AUTOREPLY);
    assert_int_equal(r->nrcpts, 0);
    assert_string_equal(r->token, "gezdgnbvgy3tqojqgezdgnbvgy");
    dsn_report_free(r);

    r = parse_file("autoreply-vacation.eml");
    assert_int_equal(r->kind, DSN_AUTOREPLY);
    assert_string_equal(r->subject, "Abwesenheitsnotiz: Dringend");
    dsn_report_free(r);
}

/* One recipient named by a plain-text bounce. */
static void
check_text(const char *file, const char *addr, const char *status,
           enum dsn_kind kind, const char *token, const char *msgid)
{
    struct dsn_report *r = parse_file(file);

    assert_false(r->has_status_part);
    assert_int_equal(r->kind, kind);
    assert_true(r->nrcpts >= 1);
    assert_string_equal(r->rcpts[0].address, addr);
    assert_string_equal(r->rcpts[0].status, status);
    assert_int_equal(r->rcpts[0].kind, kind);
    assert_true(r->rcpts[0].reason[0] != '\0');
    assert_string_equal(r->token, token);
    assert_string_equal(r->message_id, msgid);
    dsn_report_free(r);
}

static void
test_dsn_text_bounces(void **state)
{
    struct dsn_report *r;

    (void)state;
    check_text("postfix-text.eml", "jo@example.com", "5.1.1", DSN_HARD,
               "ge3dmnzygezdgnbvgy3tqojq", "<tocsin.16.9.p0o9@example.org>");
    check_text("exim-text.eml", "kate@example.co.uk", "5.1.1", DSN_HARD,
               "mrqwgzlfmvzg63lfmnxw2ylj", "<tocsin.17.42.exim@example.org>");
    check_text("exchange-text.eml", "mia@contoso.example.com", "5.1.10",
               DSN_HARD, "nfxgc3lfmvzxi4tjnzts43dbnm",
               "<tocsin.19.77.ex01@example.org>");
    check_text("gmail-text.eml", "nadia@example.com", "5.1.1", DSN_HARD,
               "nbqxgzlmmfwgk3tdmvzwk4tj", "<tocsin.20.3.gm01@example.org>");
    check_text("qmail-text.eml", "lee@example.net", "5.1.1", DSN_HARD,
               "mfzgk5dfmvzxiyltmnuw2ylk", "<tocsin.18.5.qm01@example.org>");

    /* qmail names two; the second's mailbox is over quota */
    r = parse_file("qmail-text.eml");
    assert_int_equal(r->nrcpts, 2);
    assert_string_equal(r->rcpts[1].address, "max@example.net");
    assert_string_equal(r->rcpts[1].status, "4.2.2");
    assert_int_equal(r->rcpts[1].kind, DSN_SOFT);
    /* the reason is one clean line that stops before the next address */
    assert_null(strchr(r->rcpts[0].reason, '\n'));
    assert_null(strstr(r->rcpts[0].reason, "max@"));
    assert_true(r->rcpts[0].reason[strlen(r->rcpts[0].reason) - 1] != '<');
    assert_string_equal(r->returned_token, "mfzgk5dfmvzxiyltmnuw2ylk");
    dsn_report_free(r);
}

static void
test_dsn_nothing_identifiable(void **state)
{
    struct dsn_report *r = parse_file("nothing-identifiable.eml");

    (void)state;
    assert_int_equal(r->kind, DSN_HARD);
    assert_string_equal(r->rcpts[0].address, "omar@example.com");
    assert_string_equal(r->rcpts[0].status, "5.1.2");
    assert_string_equal(r->token, "");
    assert_string_equal(r->message_id, "");
    assert_string_equal(r->returned_token, "");
    assert_string_equal(r->tocsin_header, "");
    dsn_report_free(r);
}

static void
test_dsn_not_a_bounce(void **state)
{
    struct dsn_report *r = parse_file("not-a-bounce.eml");

    (void)state;
    /* a person's reply naming an address is not a bounce of it */
    assert_int_equal(r->kind, DSN_UNKNOWN);
    assert_int_equal(r->nrcpts, 0);
    dsn_report_free(r);
}

static void
test_dsn_classify(void **state)
{
    static const struct {
        const char *status;
        const char *text;
        enum dsn_kind kind;
    } cases[] = {
        {"5.1.1", NULL, DSN_HARD},
        {"5.1.2", "host not found", DSN_HARD},
        {"5.2.1", "mailbox disabled", DSN_HARD},
        {"5.2.2", "mailbox full", DSN_SOFT},
        {"5.2.2", NULL, DSN_SOFT},
        {"5.3.4", "message too big", DSN_SOFT},
        {"5.4.7", "delivery time expired", DSN_SOFT},
        {"5.7.1", "rejected as spam", DSN_SOFT},
        {"5.7.1", "blocked using zen.spamhaus.org", DSN_SOFT},
        {"5.7.1", "Recipient address rejected: User unknown", DSN_HARD},
        {"5.7.13", "account disabled", DSN_HARD},
        {"5.0.0", "550 user unknown", DSN_HARD},
        {"5.0.0", "552 quota exceeded", DSN_SOFT},
        {"5.0.0", NULL, DSN_HARD},
        {"4.2.2", "mailbox full", DSN_SOFT},
        {"4.4.1", NULL, DSN_SOFT},
        {"2.0.0", NULL, DSN_UNKNOWN},
        {"", "550 No such user here", DSN_HARD},
        {"", "Mailbox over quota", DSN_SOFT},
        {"", "nothing useful", DSN_UNKNOWN},
        {NULL, NULL, DSN_UNKNOWN},
        {"x.y.z", NULL, DSN_UNKNOWN},
        {"5.1", NULL, DSN_UNKNOWN},
    };

    (void)state;
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(cases); i++) {
        enum dsn_kind k = dsn_classify(cases[i].status, cases[i].text);

        if (k != cases[i].kind) {
            fail_msg("case %zu: %s/%s gave %s, want %s", i,
                     cases[i].status ? cases[i].status : "(null)",
                     cases[i].text ? cases[i].text : "(null)", dsn_kind_name(k),
                     dsn_kind_name(cases[i].kind));
        }
    }
    assert_string_equal(dsn_kind_name(DSN_COMPLAINT), "complaint");
}

static struct dsn_report *parse_buf(const struct buf *b);

/* ---- a message as mime.c builds it, returned -------------------------- */

/* Our message for appeal 14, subscriber 123, as sent (CRLF). */
static void
build_sent(const struct token_keys *k, struct buf *out, char *tok, char *mid)
{
    static const struct mime_identity id = {
        .from_name = "Example Network",
        .from_addr = "appeals@example.org",
        .list_name = "Example Network",
        .list_id = "appeals.example.org",
        .bounce_domain = "mail.example.org",
        .base_url = "https://act.example.org",
    };
    struct render_out ro;
    struct mime_lang *ml = NULL;
    struct mime_recipient r;
    struct merr err = {0};

    render_out_init(&ro);
    assert_int_equal(buf_adds(&ro.subject, "Free Maria"), 0);
    assert_int_equal(buf_adds(&ro.text, "Maria was arrested.\n"), 0);
    assert_int_equal(buf_adds(&ro.html, "<p>Maria was arrested.</p>\n"), 0);
    assert_int_equal(mime_lang_new(&id, "en", &ro, &ml, &err), 0);
    token_make(k, 14, 123, tok);
    assert_int_equal(
        mime_message_id(k, 14, 123, "mail.example.org", mid, MIME_ID_MAX), 0);
    r = (struct mime_recipient){.name = "Ana",
                                .email = "ana@example.net",
                                .token = tok,
                                .message_id = mid};
    assert_int_equal(mime_build(ml, &r, &ro, 1795874366, out, &err), 0);
    mime_lang_free(ml);
    render_out_release(&ro);
}

static void
check_ours(const struct token_keys *k, const struct dsn_report *r,
           const char *tok, const char *mid, bool has_token)
{
    int64_t seq = 0;
    int64_t sub = 0;

    assert_int_equal(r->kind, DSN_HARD);
    assert_string_equal(r->rcpts[0].address, "ana@example.net");
    if (has_token) {
        assert_string_equal(r->token, tok);
        assert_int_equal(token_check(k, r->token, strlen(r->token), &seq, &sub),
                         0);
        assert_int_equal(seq, 14);
        assert_int_equal(sub, 123);
    }
    assert_string_equal(r->message_id, mid);
    assert_int_equal(
        mime_message_id_parse(r->message_id, strlen(r->message_id), &seq, &sub),
        0);
    assert_int_equal(sub, 123);
    assert_string_equal(r->returned_token, tok);
}

static void
test_dsn_our_message_returned(void **state)
{
    struct token_keys k;
    struct merr err = {0};
    struct buf sent;
    struct buf b;
    char tok[TOKEN_MAX];
    char mid[MIME_ID_MAX];
    const char *hdr_end;
    struct dsn_report *r;

    (void)state;
    assert_int_equal(
        token_keys_init(&k, "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0", &err), 0);
    buf_init(&sent, TOCSIN_MAX_MESSAGE);
    build_sent(&k, &sent, tok, mid);
    buf_init(&b, TOCSIN_MAX_MESSAGE);

    /* a DSN that returns the whole message (message/rfc822) */
    assert_int_equal(
        buf_addf(&b,
                 "From: MAILER-DAEMON@mx.example.net\r\n"
                 "To: bounces+%s@mail.example.org\r\n"
                 "Subject: Undelivered Mail Returned to Sender\r\n"
                 "Content-Type: multipart/report; report-type=delivery-status;"
                 " boundary=\"R\"\r\n\r\n"
                 "--R\r\nContent-Type: message/delivery-status\r\n\r\n"
                 "Final-Recipient: rfc822; ana@example.net\r\n"
                 "Action: failed\r\nStatus: 5.1.1\r\n\r\n"
                 "--R\r\nContent-Type: message/rfc822\r\n\r\n%s\r\n"
                 "--R--\r\n",
                 tok, buf_str(&sent)),
        0);
    r = parse_buf(&b);
    check_ours(&k, r, tok, mid, true);
    dsn_report_free(r);

    /* headers only, to an address without our token */
    hdr_end = strstr(buf_str(&sent), "\r\n\r\n");
    assert_non_null(hdr_end);
    buf_reset(&b);
    assert_int_equal(
        buf_addf(&b,
                 "From: MAILER-DAEMON@mx.example.net\r\n"
                 "To: appeals@example.org\r\n"
                 "Content-Type: multipart/report; report-type=delivery-status;"
                 " boundary=\"R\"\r\n\r\n"
                 "--R\r\nContent-Type: message/delivery-status\r\n\r\n"
                 "Final-Recipient: rfc822; ana@example.net\r\n"
                 "Action: failed\r\nStatus: 5.1.1\r\n\r\n"
                 "--R\r\nContent-Type: text/rfc822-headers\r\n\r\n%.*s\r\n"
                 "\r\n--R--\r\n",
                 (int)(hdr_end - buf_str(&sent)), buf_str(&sent)),
        0);
    r = parse_buf(&b);
    check_ours(&k, r, tok, mid, false);
    assert_string_equal(r->token, "");
    dsn_report_free(r);

    /* an Exim text bounce with the message pasted below it */
    buf_reset(&b);
    assert_int_equal(
        buf_addf(
            &b,
            "From: Mail Delivery System <Mailer-Daemon@mx.example.net>\n"
            "To: appeals@example.org\n"
            "Subject: Mail delivery failed: returning message to sender\n"
            "\nThis message was created automatically by mail delivery "
            "software.\n\nA message that you sent could not be delivered "
            "to one or more of its\nrecipients. This is a permanent error. "
            "The following address(es) failed:\n\n  ana@example.net\n"
            "    host mx.example.net [192.0.2.1]: 550 5.1.1 No such "
            "user\n\n------ This is a copy of the message, including all "
            "the headers. ------\n\n%s",
            buf_str(&sent)),
        0);
    r = parse_buf(&b);
    check_ours(&k, r, tok, mid, false);
    dsn_report_free(r);

    buf_release(&b);
    buf_release(&sent);
    token_keys_release(&k);
}

/* ---- untrusted input -------------------------------------------------- */

static struct dsn_report *
parse_buf(const struct buf *b)
{
    struct dsn_report *r = NULL;
    struct merr err = {0};

    assert_int_equal(dsn_parse(buf_str(b), b->len, &r, &err), 0);
    assert_non_null(r);
    return r;
}

static void
test_dsn_empty_and_junk(void **state)
{
    struct dsn_report *r = NULL;
    struct merr err = {0};
    char junk[4096];
    uint32_t x = 12345;

    (void)state;
    assert_int_equal(dsn_parse("", 0, &r, &err), 0);
    assert_int_equal(r->kind, DSN_UNKNOWN);
    assert_int_equal(r->nrcpts, 0);
    dsn_report_free(r);
    for (size_t i = 0; i < sizeof(junk); i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (char)(x >> 16);
    }
    assert_int_equal(dsn_parse(junk, sizeof(junk), &r, &err), 0);
    dsn_report_free(r);
    dsn_report_free(NULL);
}

static void
test_dsn_too_big(void **state)
{
    size_t n = MIME_MAX_INPUT + 1;
    char *p = xcalloc(1, n);
    struct dsn_report *r = NULL;
    struct merr err = {0};

    (void)state;
    assert_int_equal(dsn_parse(p, n, &r, &err), MERR_LIMIT);
    assert_null(r);
    assert_non_null(strstr(err.msg, "cap"));
    free(p);
}

static void
test_dsn_deep_nesting(void **state)
{
    struct buf b;
    struct dsn_report *r;

    (void)state;
    buf_init(&b, 1 << 20);
    assert_int_equal(buf_adds(&b, "From: MAILER-DAEMON@x.example\n"), 0);
    for (int i = 0; i < 500; i++) {
        assert_int_equal(buf_addf(&b,
                                  "Content-Type: multipart/mixed; "
                                  "boundary=\"b%d\"\n\n--b%d\n",
                                  i, i),
                         0);
    }
    assert_int_equal(buf_adds(&b, "\n550 5.1.1 <x@y.example> unknown\n"), 0);
    r = parse_buf(&b);
    assert_true(r->cut); /* libetpan was not handed 500 levels */
    dsn_report_free(r);
    buf_release(&b);
}

static void
test_dsn_many_recipients(void **state)
{
    struct buf b;
    struct dsn_report *r;

    (void)state;
    buf_init(&b, 1 << 20);
    assert_int_equal(
        buf_adds(&b, "From: MAILER-DAEMON@x.example\n"
                     "Content-Type: multipart/report; boundary=\"B\"\n\n"
                     "--B\nContent-Type: message/delivery-status\n\n"
                     "Reporting-MTA: dns; x.example\n"),
        0);
    for (int i = 0; i < 300; i++) {
        assert_int_equal(buf_addf(&b,
                                  "\nFinal-Recipient: rfc822; u%d@example.org"
                                  "\nAction: failed\nStatus: 5.1.1\n",
                                  i),
                         0);
    }
    assert_int_equal(buf_adds(&b, "\n--B--\n"), 0);
    r = parse_buf(&b);
    assert_int_equal(r->nrcpts, DSN_MAX_RECIPIENTS);
    assert_true(r->cut);
    assert_string_equal(r->rcpts[255].address, "u255@example.org");
    dsn_report_free(r);
    buf_release(&b);
}

static void
test_dsn_many_parts(void **state)
{
    struct buf b;
    struct dsn_report *r;

    (void)state;
    buf_init(&b, 1 << 20);
    assert_int_equal(
        buf_adds(&b, "From: x@example.org\n"
                     "Content-Type: multipart/mixed; boundary=\"B\"\n\n"),
        0);
    for (int i = 0; i < 400; i++) {
        assert_int_equal(buf_addf(&b, "--B\n\npart %d\n", i), 0);
    }
    assert_int_equal(buf_adds(&b, "--B--\n"), 0);
    r = parse_buf(&b);
    assert_true(r->cut);
    dsn_report_free(r);
    buf_release(&b);
}

static void
test_dsn_sanitised(void **state)
{
    struct buf b;
    struct dsn_report *r;

    (void)state;
    buf_init(&b, 1 << 20);
    assert_int_equal(
        buf_adds(&b,
                 "From: MAILER-DAEMON@x.example\n"
                 "To: bounces+"
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                 "aaaaaaaaaaaaaaaaaaaa@x.example\n"
                 "Content-Type: multipart/report; boundary=\"B\"\n\n"
                 "--B\nContent-Type: message/delivery-status\n\n"
                 "Final-Recipient: rfc822; a\x1b[31m@example.org\n"
                 "Action: failed\nStatus: 5.1.1\n"
                 "Diagnostic-Code: smtp; 550 \x01\x7f\xff bad "),
        0);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(buf_adds(&b, "very long reason "), 0);
    }
    assert_int_equal(buf_adds(&b, "\n\n--B--\n"), 0);
    r = parse_buf(&b);
    assert_int_equal(r->nrcpts, 1);
    for (const char *p = r->rcpts[0].reason; *p != '\0'; p++) {
        assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
    }
    assert_true(
        util_utf8_valid(r->rcpts[0].reason, strlen(r->rcpts[0].reason), NULL));
    assert_non_null(strstr(r->rcpts[0].reason, "..."));
    assert_null(strchr(r->rcpts[0].address, 0x1b));
    /* a token longer than any we make is not taken */
    assert_string_equal(r->token, "");
    dsn_report_free(r);
    buf_release(&b);
}

/* Inputs that once crashed fuzz_dsn: tests/data/bounces/fuzz-*.eml (crash-* is
 * git-ignored). */
static void
test_dsn_fuzz_crashes(void **state)
{
    struct dirent **names = NULL;
    int count =
        scandir(unit_path("tests/data/bounces"), &names, NULL, alphasort);
    size_t seen = 0;

    (void)state;
    assert_true(count > 0);
    for (int i = 0; i < count; i++) {
        if (util_starts_with(names[i]->d_name, "fuzz-")) {
            dsn_report_free(parse_file(names[i]->d_name));
            seen++;
        }
        free(names[i]);
    }
    free(names);
    assert_true(seen >= 1);
}

/* ---- the Sisimai corpus ------------------------------------------------ */

static bool
has_recipient_group(const char *p, size_t n)
{
    static const char *const keys[] = {
        "\nFinal-Recipient:", "\nfinal-recipient:", "\nOriginal-Recipient:"};

    for (size_t k = 0; k < TOCSIN_ARRAY_LEN(keys); k++) {
        if (memmem(p, n, keys[k], strlen(keys[k])) != NULL) {
            return true;
        }
    }
    return false;
}

static void
test_dsn_corpus(void **state)
{
    const char *dir = unit_conformance("bounces");
    size_t kinds[DSN_AUTOREPLY + 1] = {0};
    size_t files = 0;
    size_t with_status = 0;
    size_t rcpts = 0;
    struct dirent **names = NULL;
    int count;

    (void)state;
    if (dir == NULL) {
        print_message("skipped: ../shared/conformance/bounces is absent\n");
        skip();
    }
    count = scandir(dir, &names, NULL, alphasort);
    assert_true(count > 0);
    for (int i = 0; i < count; i++) {
        const char *name = names[i]->d_name;
        char path[1024];
        struct dsn_report *r = NULL;
        struct merr err = {0};
        size_t len = 0;
        char *p;

        if (strstr(name, ".eml") == NULL) {
            free(names[i]);
            continue;
        }
        assert_true(snprintf(path, sizeof(path), "%s/%s", dir, name) <
                    (int)sizeof(path));
        p = unit_slurp(path, &len);
        if (dsn_parse(p, len, &r, &err) != 0) {
            fail_msg("%s: %s", name, err.msg);
        }
        files++;
        kinds[r->kind]++;
        rcpts += r->nrcpts;
        /* every recipient a delivery-status part names comes out with its
         * address and status code */
        if (r->has_status_part && has_recipient_group(p, len)) {
            with_status++;
            if (r->nrcpts == 0) {
                fail_msg("%s: delivery-status part, no recipient", name);
            }
            for (size_t k = 0; k < r->nrcpts; k++) {
                if (r->rcpts[k].address[0] == '\0' ||
                    r->rcpts[k].status[0] == '\0') {
                    fail_msg("%s: recipient %zu without address or status",
                             name, k);
                }
            }
        }
        if (util_starts_with(name, "arf-") && r->kind != DSN_COMPLAINT) {
            fail_msg("%s: not recognised as a complaint", name);
        }
        if (util_starts_with(name, "rfc3834-") && r->kind != DSN_AUTOREPLY) {
            fail_msg("%s: not recognised as an auto-reply", name);
        }
        dsn_report_free(r);
        free(p);
        free(names[i]);
    }
    free(names);
    print_message("corpus: %zu messages, %zu with delivery-status parts, "
                  "%zu recipients; hard %zu, soft %zu, complaint %zu, "
                  "autoreply %zu, unknown %zu\n",
                  files, with_status, rcpts, kinds[DSN_HARD], kinds[DSN_SOFT],
                  kinds[DSN_COMPLAINT], kinds[DSN_AUTOREPLY],
                  kinds[DSN_UNKNOWN]);
    assert_true(files >= 600);
    assert_true(with_status >= 300);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dsn_hard_rfc3464),
        cmocka_unit_test(test_dsn_soft_mailbox_full),
        cmocka_unit_test(test_dsn_dates),
        cmocka_unit_test(test_dsn_soft_delayed),
        cmocka_unit_test(test_dsn_several_recipients),
        cmocka_unit_test(test_dsn_complaint_arf),
        cmocka_unit_test(test_dsn_autoreply),
        cmocka_unit_test(test_dsn_text_bounces),
        cmocka_unit_test(test_dsn_nothing_identifiable),
        cmocka_unit_test(test_dsn_not_a_bounce),
        cmocka_unit_test(test_dsn_our_message_returned),
        cmocka_unit_test(test_dsn_classify),
        cmocka_unit_test(test_dsn_empty_and_junk),
        cmocka_unit_test(test_dsn_too_big),
        cmocka_unit_test(test_dsn_deep_nesting),
        cmocka_unit_test(test_dsn_many_recipients),
        cmocka_unit_test(test_dsn_many_parts),
        cmocka_unit_test(test_dsn_sanitised),
        cmocka_unit_test(test_dsn_fuzz_crashes),
        cmocka_unit_test(test_dsn_corpus),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
