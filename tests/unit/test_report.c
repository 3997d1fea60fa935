/*
 * test_report: the figures assembled from a small database (per language
 * and in total), conversion, duration and rate, the formats (text, CSV,
 * JSON, HTML), HTML escaping of database values, address redaction in
 * bounce reasons, internationalised domains (Unicode, isolated when
 * right-to-left), and the edge cases: nothing sent, no signatures, no
 * appeal, a full output buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "unit.h"
#include "report.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#define T0 1772442000 /* 2026-03-02T09:00:00Z */

/*
 * Appeal a-1: en 3 (sent, bounced hard, failed), fr 2 (sent, queued);
 * a soft bounce and a complaint on en sent, fr sent unsubscribed; link
 * signatures by en sent and fr sent, a webhook one by a non-recipient in
 * de.  Appeal a-2 (title with markup) has nothing at all.
 */
static const char fixture_sql[] =
    "INSERT INTO subscribers (id, email, email_key, email_display, status,"
    " created, updated) VALUES"
    " (1, 'a@one.example', 'a@one.example', 'a', 'active', 0, 0),"
    " (2, 'b@two.example', 'b@two.example', 'b', 'bounced', 0, 0),"
    " (3, 'c@one.example', 'c@one.example', 'c', 'active', 0, 0),"
    " (4, 'd@one.example', 'd@one.example', 'd', 'unsubscribed', 0, 0),"
    " (5, 'e@two.example', 'e@two.example', 'e', 'active', 0, 0);"
    "INSERT INTO appeals (seq, id, content_hash, title, doc, status, created,"
    " updated) VALUES (1, 'a-1', 'h', 'Free them', '{}', 'done', 1772438400,"
    " 0), (2, 'a-2', 'h', '<script>alert(\"x\")</script> & co', '{}',"
    " 'registered', 1772524800, 0);"
    "INSERT INTO deliveries (appeal_seq, subscriber_id, email, language,"
    " state, sent_at, updated) VALUES"
    " (1, 1, 'a@one.example', 'en', 'sent', 1772442000, 0),"
    " (1, 2, 'b@two.example', 'en', 'bounced', 1772442060, 0),"
    " (1, 3, 'c@one.example', 'en', 'failed', NULL, 0),"
    " (1, 4, 'd@one.example', 'fr', 'sent', 1772442100, 0),"
    " (1, 5, 'e@two.example', 'fr', 'queued', NULL, 0);"
    "INSERT INTO bounces (appeal_seq, subscriber_id, recipient, kind, status,"
    " reason, source, received_at) VALUES"
    " (1, 2, 'b@two.example', 'hard', '5.1.1',"
    "  '550 <b@two.example>: no such user', 's1', 0),"
    " (1, NULL, 'x@two.example', 'hard', '5.1.1',"
    "  '550 <x@two.example>: no such user', 's2', 0),"
    " (1, 1, 'a@one.example', 'soft', '4.2.2', 'full', 's3', 0),"
    " (1, 1, 'a@one.example', 'complaint', '', 'abuse', 's4', 0),"
    " (1, 1, 'a@one.example', 'autoreply', '', 'away', 's5', 0);"
    "INSERT INTO signatures (appeal_seq, subscriber_id, person_key, language,"
    " source, signed_at, created) VALUES"
    " (1, 1, 'a@one.example', 'en', 'link', 1772445600, 0),"
    " (1, 4, 'd@one.example', 'fr', 'link', 1772445700, 0),"
    " (1, NULL, 'z@else.example', 'de', 'webhook', 1772456400, 0);";

static int
setup(void **state)
{
    struct store *st = unit_store(fixture_sql);

    if (st == NULL) {
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

static const struct report_lang *
find_lang(const struct report *r, const char *tag)
{
    for (size_t i = 0; i < r->nlangs; i++) {
        if (strcmp(r->langs[i].language, tag) == 0) {
            return &r->langs[i];
        }
    }
    fail_msg("no language %s in the report", tag);
    return NULL;
}

static void
test_report_figures(void **state)
{
    struct report r;
    struct merr err = {0};
    const struct report_lang *en, *fr, *de;
    double c;

    assert_int_equal(report_load(*state, "a-1", &r, &err), 0);
    assert_string_equal(r.appeal, "a-1");
    assert_int_equal(r.nlangs, 3);
    /* most recipients first */
    assert_string_equal(r.langs[0].language, "en");
    en = find_lang(&r, "en");
    fr = find_lang(&r, "fr");
    de = find_lang(&r, "de");
    assert_int_equal(en->f.recipients, 3);
    assert_int_equal(en->f.sent, 2); /* sent + bounced */
    assert_int_equal(en->f.bounced, 1);
    assert_int_equal(en->f.failed, 1);
    assert_int_equal(en->f.bounced_hard, 1); /* the unmatched one is not */
    assert_int_equal(en->f.bounced_soft, 1);
    assert_int_equal(en->f.complaints, 1);
    assert_int_equal(en->f.signatures_link, 1);
    assert_int_equal(en->f.signers_mailed, 1);
    assert_int_equal(fr->f.recipients, 2);
    assert_int_equal(fr->f.queued, 1);
    assert_int_equal(fr->f.unsubscribed, 1);
    assert_int_equal(fr->f.signers_mailed, 1);
    assert_int_equal(de->f.recipients, 0);
    assert_int_equal(de->f.signatures_webhook, 1);
    assert_int_equal(de->f.signers_mailed, 0);
    assert_false(report_conversion(&de->f, &c));
    assert_int_equal(r.total.recipients, 5);
    assert_int_equal(r.total.sent, 3);
    assert_int_equal(r.total.signatures, 3);
    assert_int_equal(r.total.unique_signers, 3);
    assert_int_equal(r.total.signers_mailed, 2);
    assert_true(report_conversion(&r.total, &c));
    assert_true(c > 0.6666 && c < 0.6667);
    assert_int_equal(r.first_send, 1772442000);
    assert_int_equal(r.last_send, 1772442100);
    assert_int_equal(report_duration(&r), 100);
    assert_true(report_rate(&r, &c));
    assert_true(c > 0.0299 && c < 0.0301);
    /* domains: one.example 3 recipients, two.example 2 */
    assert_int_equal(r.ndomains, 2);
    assert_string_equal(r.domains[0].domain, "one.example");
    assert_int_equal(r.domains[0].recipients, 3);
    assert_int_equal(r.domains[1].bounced, 1);
    /* the two hard bounces merge once their addresses are gone; the
     * autoreply is left out */
    assert_int_equal(r.nreasons, 3);
    assert_string_equal(r.reasons[0].reason, "550 <address>: no such user");
    assert_int_equal(r.reasons[0].count, 2);
    /* hours 10:00 (2) and 13:00 (1) */
    assert_int_equal(r.nhours, 2);
    assert_int_equal(r.hours[0].start, T0 + 3600);
    assert_int_equal(r.hours[0].signatures, 2);
    assert_int_equal(r.hours[1].start, T0 + 4 * 3600);
    report_release(&r);
}

static void
test_report_not_found(void **state)
{
    struct report r;
    struct merr err = {0};

    assert_int_equal(report_load(*state, "nope", &r, &err), MERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "nope"));
    report_release(&r);
    /* the seq works too */
    assert_int_equal(report_load(*state, "1", &r, &err), 0);
    assert_string_equal(r.appeal, "a-1");
    report_release(&r);
}

static void
test_report_conversion_math(void **state)
{
    struct report_figures f = {0};
    struct report r = {0};
    double c;

    (void)state;
    assert_false(report_conversion(&f, &c));
    assert_true(c == 0);
    f.sent = 370;
    f.signers_mailed = 65;
    assert_true(report_conversion(&f, &c));
    assert_true(c > 0.17567 && c < 0.17568);
    /* nothing sent, or everything in one second: no rate */
    assert_int_equal(report_duration(&r), 0);
    assert_false(report_rate(&r, &c));
    r.first_send = r.last_send = T0;
    r.total.sent = 10;
    assert_false(report_rate(&r, &c));
    r.last_send = T0 + 4;
    assert_true(report_rate(&r, &c));
    assert_true(c == 2.5);
}

/* Everything zero: every format is written, without NaN or a chart. */
static void
test_report_zero_sends(void **state)
{
    static const enum report_format fmts[] = {REPORT_TEXT, REPORT_CSV,
                                              REPORT_JSON, REPORT_HTML};
    struct report_opts o = {"Org", T0};
    struct report r;
    struct merr err = {0};
    struct buf b;
    json_t *j;

    assert_int_equal(report_load(*state, "a-2", &r, &err), 0);
    assert_int_equal(r.nlangs, 0);
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(fmts); i++) {
        buf_init(&b, TOCSIN_MAX_REPORT);
        assert_int_equal(report_write(&r, fmts[i], &o, &b, &err), 0);
        assert_null(strstr(buf_str(&b), "nan"));
        if (fmts[i] == REPORT_JSON) {
            j = json_loads(buf_str(&b), 0, NULL);
            assert_non_null(j);
            assert_true(json_is_null(json_object_get(j, "conversion")));
            assert_true(json_is_null(json_object_get(j, "rate_per_second")));
            assert_true(json_is_null(json_object_get(j, "first_send")));
            assert_int_equal(json_integer_value(json_object_get(j, "sent")), 0);
            json_decref(j);
        }
        if (fmts[i] == REPORT_HTML) {
            assert_non_null(strstr(buf_str(&b), "No signatures yet."));
        }
        if (fmts[i] == REPORT_CSV) {
            /* the header only */
            assert_non_null(strstr(buf_str(&b), "language,recipients,"));
            assert_null(strchr(strchr(buf_str(&b), '\n') + 1, '\n'));
        }
        buf_release(&b);
    }
    report_release(&r);
}

static void
test_report_html_escaping(void **state)
{
    struct report_opts o = {"<b>Org</b>", T0};
    struct report r;
    struct report_list l;
    struct merr err = {0};
    struct buf b;

    buf_init(&b, 1024);
    assert_int_equal(buf_adds_html(&b, "<a href=\"x\">'&'</a>"), 0);
    assert_string_equal(buf_str(&b),
                        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/"
                        "a&gt;");
    buf_release(&b);

    assert_int_equal(report_load(*state, "a-2", &r, &err), 0);
    buf_init(&b, TOCSIN_MAX_REPORT);
    assert_int_equal(report_write(&r, REPORT_HTML, &o, &b, &err), 0);
    assert_null(strstr(buf_str(&b), "<script"));
    assert_null(strstr(buf_str(&b), "<b>Org"));
    assert_non_null(strstr(buf_str(&b),
                           "&lt;script&gt;alert(&quot;x&quot;)&lt;/script"
                           "&gt; &amp; co"));
    assert_non_null(strstr(buf_str(&b), "<html lang=\"en\">"));
    /* self-contained: nothing fetched from elsewhere */
    assert_null(strstr(buf_str(&b), "http://"));
    assert_null(strstr(buf_str(&b), "https://"));
    assert_null(strstr(buf_str(&b), "<link"));
    assert_non_null(strstr(buf_str(&b), "@media print"));
    buf_release(&b);
    report_release(&r);

    assert_int_equal(report_list_load(*state, &l, &err), 0);
    buf_init(&b, TOCSIN_MAX_REPORT);
    assert_int_equal(report_list_write(&l, REPORT_HTML, &o, &b, &err), 0);
    assert_null(strstr(buf_str(&b), "<script"));
    buf_release(&b);
    report_list_release(&l);
}

static void
test_report_formats(void **state)
{
    struct report_opts o = {NULL, T0};
    struct report r;
    struct merr err = {0};
    struct buf b;
    json_t *j, *langs;

    assert_int_equal(report_load(*state, "a-1", &r, &err), 0);
    buf_init(&b, TOCSIN_MAX_REPORT);
    assert_int_equal(report_write(&r, REPORT_CSV, &o, &b, &err), 0);
    assert_true(util_starts_with(buf_str(&b), "language,recipients,queued,"));
    assert_non_null(strstr(buf_str(&b),
                           "\r\n\"en\",3,0,0,2,0,1,0,0,1,1,1,1,0,1,1,0,1,1,"
                           "0.5000\r\n"));
    assert_non_null(strstr(buf_str(&b), "\r\n\"de\",0,"));
    buf_reset(&b);
    assert_int_equal(report_write(&r, REPORT_JSON, &o, &b, &err), 0);
    j = json_loads(buf_str(&b), 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "recipients")), 5);
    assert_true(json_real_value(json_object_get(j, "conversion")) == 0.6667);
    assert_int_equal(json_integer_value(json_object_get(j, "duration_seconds")),
                     100);
    langs = json_object_get(j, "languages");
    assert_int_equal(json_array_size(langs), 3);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(langs, 0), "language")),
                        "en");
    assert_int_equal(json_array_size(json_object_get(j, "top_domains")), 2);
    assert_int_equal(json_array_size(json_object_get(j, "top_bounce_reasons")),
                     3);
    assert_int_equal(json_array_size(json_object_get(j, "signatures_per_hour")),
                     2);
    json_decref(j);
    buf_reset(&b);
    assert_int_equal(report_write(&r, REPORT_TEXT, &o, &b, &err), 0);
    assert_non_null(strstr(buf_str(&b), "\nrecipients                    5"));
    assert_non_null(strstr(buf_str(&b), "\nconversion                66.7%"));
    buf_release(&b);
    report_release(&r);
}

static void
test_report_list(void **state)
{
    struct report_opts o = {NULL, T0};
    struct report_list l;
    struct merr err = {0};
    struct buf b;

    assert_int_equal(report_list_load(*state, &l, &err), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.rows[0].appeal, "a-1");
    assert_int_equal(l.rows[0].f.recipients, 5);
    assert_int_equal(l.rows[0].f.sent, 3);
    assert_int_equal(l.rows[0].f.bounced, 1);
    assert_int_equal(l.rows[0].f.signatures, 3);
    assert_int_equal(l.rows[0].f.signers_mailed, 2);
    assert_int_equal(l.rows[1].f.recipients, 0);
    buf_init(&b, TOCSIN_MAX_REPORT);
    assert_int_equal(report_list_write(&l, REPORT_CSV, &o, &b, &err), 0);
    assert_non_null(strstr(buf_str(&b), "\r\n\"a-1\",\"Free them\",\"done\","
                                        "2026-03-02T08:00:00Z,5,3,1,3,2,"
                                        "0.6667\r\n"));
    /* nothing sent: an empty conversion */
    assert_non_null(strstr(buf_str(&b), ",0,0,0,0,0,\r\n"));
    buf_release(&b);
    report_list_release(&l);

    /* a title a spreadsheet would take for a formula stays text */
    assert_int_equal(sqlite3_exec(((struct store *)*state)->db,
                                  "UPDATE appeals SET title = '=1+1' "
                                  "WHERE seq = 1",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(report_list_load(*state, &l, &err), 0);
    buf_init(&b, TOCSIN_MAX_REPORT);
    assert_int_equal(report_list_write(&l, REPORT_CSV, &o, &b, &err), 0);
    assert_non_null(strstr(buf_str(&b), "\"a-1\",\"'=1+1\","));
    buf_release(&b);
    report_list_release(&l);
    assert_int_equal(sqlite3_exec(((struct store *)*state)->db,
                                  "UPDATE appeals SET title = 'Free them' "
                                  "WHERE seq = 1",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
}

static void
test_report_output_cap(void **state)
{
    struct report_opts o = {NULL, T0};
    struct report r;
    struct merr err = {0};
    struct buf b;

    assert_int_equal(report_load(*state, "a-1", &r, &err), 0);
    buf_init(&b, 100);
    assert_int_equal(report_write(&r, REPORT_HTML, &o, &b, &err), MERR_LIMIT);
    assert_int_equal(report_write(&r, REPORT_JSON, &o, &b, &err), MERR_LIMIT);
    buf_release(&b);
    report_release(&r);
}

static void
test_report_redact_addresses(void **state)
{
    char out[128];

    (void)state;
    report_redact("550 5.1.1 <bob@example.org>: Recipient address rejected",
                  out, sizeof(out));
    assert_string_equal(out, "550 5.1.1 <address>: Recipient address rejected");
    report_redact("user bob@example.org unknown, to=<a+b=c@x.example>", out,
                  sizeof(out));
    assert_string_equal(out, "user <address> unknown, to=<address>");
    report_redact("mailbox full", out, sizeof(out));
    assert_string_equal(out, "mailbox full");
    report_redact("", out, sizeof(out));
    assert_string_equal(out, "");
    /* cut, never overrun */
    report_redact("abcdefghij", out, 5);
    assert_string_equal(out, "abcd");
    report_redact("x a@b", out, 6);
    assert_string_equal(out, "x ");
}

static void
test_report_helpers(void **state)
{
    char s[32];
    enum report_format f;

    (void)state;
    report_group_digits(0, s, sizeof(s));
    assert_string_equal(s, "0");
    report_group_digits(999, s, sizeof(s));
    assert_string_equal(s, "999");
    report_group_digits(1000, s, sizeof(s));
    assert_string_equal(s, "1,000");
    report_group_digits(1234567, s, sizeof(s));
    assert_string_equal(s, "1,234,567");
    report_group_digits(-123456, s, sizeof(s));
    assert_string_equal(s, "-123,456");
    report_format_duration(45, s, sizeof(s));
    assert_string_equal(s, "45 s");
    report_format_duration(300, s, sizeof(s));
    assert_string_equal(s, "5 min 00 s");
    report_format_duration(7500, s, sizeof(s));
    assert_string_equal(s, "2 h 05 min");
    report_format_duration(3 * 86400 + 4 * 3600, s, sizeof(s));
    assert_string_equal(s, "3 d 04 h");
    assert_int_equal(report_format_parse("html", &f), 0);
    assert_int_equal(f, REPORT_HTML);
    assert_int_equal(report_format_parse("xml", &f), MERR_USAGE);
}

/* Count of non-overlapping occurrences of needle in hay. */
static size_t
count(const char *hay, const char *needle)
{
    size_t n = 0;

    for (const char *p = strstr(hay, needle); p != NULL;
         p = strstr(p + strlen(needle), needle)) {
        n++;
    }
    return n;
}

/* Signatures over 30 days: 12-hour bars from midnight, date labels;
 * over 400 days: weeks. */
static void
test_report_html_chart_periods(void **state)
{
    struct store *st = *state;
    struct report_opts o = {NULL, T0};
    struct report r;
    struct merr err = {0};
    struct buf b;
    char sql[256];

    assert_int_equal(sqlite3_exec(st->db,
                                  "INSERT INTO appeals (seq, id, content_hash,"
                                  " doc, created, updated) VALUES"
                                  " (3, 'a-3', 'h', '{}', 0, 0)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    for (int k = 0; k < 60; k++) {
        (void)snprintf(sql, sizeof(sql),
                       "INSERT INTO signatures (appeal_seq, person_key,"
                       " source, signed_at, created) VALUES"
                       " (3, 'p%d', 'webhook', %d, 0)",
                       k, T0 + k * 43200);
        assert_int_equal(sqlite3_exec(st->db, sql, NULL, NULL, NULL),
                         SQLITE_OK);
    }
    assert_int_equal(report_load(st, "a-3", &r, &err), 0);
    buf_init(&b, TOCSIN_MAX_REPORT);
    assert_int_equal(report_write(&r, REPORT_HTML, &o, &b, &err), 0);
    assert_non_null(
        strstr(buf_str(&b), "aria-label=\"Signatures per 12 hours\""));
    /* 2 March 00:00 to 31 March 12:00: 60 bars, after 4 funnel bars */
    assert_int_equal(count(buf_str(&b), "<rect "), 4 + 60);
    assert_non_null(strstr(buf_str(&b), ">2 Mar</text>"));
    assert_non_null(strstr(buf_str(&b), ">2026</text>"));
    report_release(&r);
    buf_release(&b);

    assert_int_equal(sqlite3_exec(st->db,
                                  "UPDATE signatures SET signed_at ="
                                  " 1772442000 + (signed_at - 1772442000) * 14"
                                  " WHERE appeal_seq = 3",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(report_load(st, "a-3", &r, &err), 0);
    buf_init(&b, TOCSIN_MAX_REPORT);
    assert_int_equal(report_write(&r, REPORT_HTML, &o, &b, &err), 0);
    assert_non_null(strstr(buf_str(&b), "aria-label=\"Signatures per week\""));
    assert_true(count(buf_str(&b), "<rect ") <= 4 + 72);
    assert_non_null(strstr(buf_str(&b), ">2027</text>"));
    report_release(&r);
    buf_release(&b);
}

/*
 * Appeal i-1: recipients at müller.de (3, one bounced), at مثال.إختبار
 * (2), and one each at an ASCII domain, a domain with markup, an "xn--"
 * label that is Punycode but no A-label (shown as stored) and 例子.中国
 * (two columns a character on a terminal).
 */
static const char idn_sql[] =
    "INSERT INTO subscribers (id, email, email_key, email_display, created,"
    " updated) VALUES"
    " (1, 'a@xn--mller-kva.de', 'a@xn--mller-kva.de', 'a', 0, 0),"
    " (2, 'b@xn--mller-kva.de', 'b@xn--mller-kva.de', 'b', 0, 0),"
    " (3, 'c@xn--mller-kva.de', 'c@xn--mller-kva.de', 'c', 0, 0),"
    " (4, 'd@xn--mgbh0fb.xn--kgbechtv', 'd@xn--mgbh0fb.xn--kgbechtv', 'd',"
    "  0, 0),"
    " (5, 'e@xn--mgbh0fb.xn--kgbechtv', 'e@xn--mgbh0fb.xn--kgbechtv', 'e',"
    "  0, 0),"
    " (6, 'f@plain.example', 'f@plain.example', 'f', 0, 0),"
    " (7, 'g@x<b>.example', 'g@x<b>.example', 'g', 0, 0),"
    " (8, 'h@xn--a.example', 'h@xn--a.example', 'h', 0, 0),"
    " (9, 'i@xn--fsqu00a.xn--fiqs8s', 'i@xn--fsqu00a.xn--fiqs8s', 'i', 0,"
    "  0);"
    "INSERT INTO appeals (seq, id, content_hash, title, doc, status, created,"
    " updated) VALUES (1, 'i-1', 'h', 'IDN', '{}', 'done', 1772438400, 0);"
    "INSERT INTO deliveries (appeal_seq, subscriber_id, email, language,"
    " state, sent_at, updated) SELECT 1, id, email, 'en',"
    " CASE id WHEN 1 THEN 'bounced' ELSE 'sent' END, 1772442000 + id, 0"
    " FROM subscribers;"
    "INSERT INTO bounces (appeal_seq, subscriber_id, recipient, kind, status,"
    " reason, source, received_at) VALUES"
    " (1, 1, 'a@xn--mller-kva.de', 'soft', '4.2.2',"
    "  'Почтовый ящик переполнен', 's1', 0),"
    " (1, 4, 'd@xn--mgbh0fb.xn--kgbechtv', 'hard', '5.1.1',"
    "  'المستخدم غير موجود', 's2', 0),"
    " (1, 9, 'i@xn--fsqu00a.xn--fiqs8s', 'hard', '5.1.1',"
    "  '用户不存在', 's3', 0);";

static int
setup_idn(void **state)
{
    struct store *st = unit_store(idn_sql);

    if (st == NULL) {
        return -1;
    }
    *state = st;
    return 0;
}

/* The JSON entry i of top_domains has domain and domain_display. */
static void
assert_json_domain(json_t *domains, size_t i, const char *domain,
                   const char *display)
{
    json_t *d = json_array_get(domains, i);

    assert_non_null(d);
    assert_string_equal(json_string_value(json_object_get(d, "domain")),
                        domain);
    assert_string_equal(json_string_value(json_object_get(d, "domain_display")),
                        display);
}

static void
test_report_idn_domains(void **state)
{
    struct report_opts o = {NULL, T0};
    struct report r;
    struct merr err = {0};
    struct buf b;
    json_t *j, *domains;

    assert_int_equal(report_load(*state, "i-1", &r, &err), 0);
    assert_int_equal(r.ndomains, 6);
    /* most recipients first, then the stored (ASCII) order */
    assert_string_equal(r.domains[0].domain, "xn--mller-kva.de");
    assert_string_equal(r.domains[0].display, "müller.de");
    assert_int_equal(r.domains[0].bounced, 1);
    assert_string_equal(r.domains[1].domain, "xn--mgbh0fb.xn--kgbechtv");
    assert_string_equal(r.domains[1].display, "مثال.إختبار");
    assert_string_equal(r.domains[2].display, "plain.example");
    assert_string_equal(r.domains[3].display, "x<b>.example");
    assert_string_equal(r.domains[4].display, "xn--a.example");
    assert_string_equal(r.domains[5].display, "例子.中国");

    /* text: Unicode, the Arabic domain between U+2068 and U+2069, the
     * counts in the same column whatever the bytes per character */
    buf_init(&b, TOCSIN_MAX_REPORT);
    assert_int_equal(report_write(&r, REPORT_TEXT, &o, &b, &err), 0);
    assert_non_null(strstr(buf_str(&b),
                           "\n  müller.de                             "
                           "          3          3          1\n"));
    assert_non_null(strstr(
        buf_str(&b), "\n  \u2068مثال.إختبار\u2069                           "
                     "          2          2          0\n"));
    assert_non_null(strstr(buf_str(&b),
                           "\n  plain.example                         "
                           "          1          1          0\n"));
    assert_non_null(strstr(buf_str(&b),
                           "\n  xn--a.example                         "
                           "          1          1          0\n"));
    assert_non_null(strstr(buf_str(&b),
                           "\n  例子.中国                             "
                           "          1          1          0\n"));
    /* bounce reasons: the count in the same column too */
    assert_non_null(strstr(buf_str(&b), "\n  soft      4.2.2    Почтовый ящик "
                                        "переполнен                        "
                                        "          1\n"));
    assert_non_null(strstr(buf_str(&b),
                           "\n  hard      5.1.1    \u2068المستخدم غير "
                           "موجود\u2069                              "
                           "          1\n"));
    assert_non_null(strstr(buf_str(&b), "\n  hard      5.1.1    用户不存在  "
                                        "                                    "
                                        "          1\n"));
    assert_null(strstr(buf_str(&b), "xn--mller"));
    buf_reset(&b);

    /* JSON: domain as stored for scripts, domain_display for people */
    assert_int_equal(report_write(&r, REPORT_JSON, &o, &b, &err), 0);
    j = json_loads(buf_str(&b), 0, NULL);
    assert_non_null(j);
    domains = json_object_get(j, "top_domains");
    assert_int_equal(json_array_size(domains), 6);
    assert_json_domain(domains, 0, "xn--mller-kva.de", "müller.de");
    assert_json_domain(domains, 1, "xn--mgbh0fb.xn--kgbechtv", "مثال.إختبار");
    assert_json_domain(domains, 2, "plain.example", "plain.example");
    assert_json_domain(domains, 3, "x<b>.example", "x<b>.example");
    assert_json_domain(domains, 4, "xn--a.example", "xn--a.example");
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(domains, 0), "recipients")),
                     3);
    json_decref(j);
    buf_reset(&b);

    /* HTML: each domain isolated in <bdi>, escaped, the ASCII form in
     * the title when it differs */
    assert_int_equal(report_write(&r, REPORT_HTML, &o, &b, &err), 0);
    assert_non_null(strstr(buf_str(&b), "<td><bdi title=\"xn--mller-kva.de\">"
                                        "müller.de</bdi></td>"));
    assert_non_null(strstr(buf_str(&b),
                           "<td><bdi title=\"xn--mgbh0fb.xn--kgbechtv\">"
                           "مثال.إختبار</bdi></td>"));
    assert_non_null(strstr(buf_str(&b), "<td><bdi>plain.example</bdi></td>"));
    assert_non_null(
        strstr(buf_str(&b), "<td><bdi>x&lt;b&gt;.example</bdi></td>"));
    assert_non_null(strstr(buf_str(&b), "<td><bdi>xn--a.example</bdi></td>"));
    assert_null(strstr(buf_str(&b), "x<b>"));
    buf_release(&b);
    report_release(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_figures),
        cmocka_unit_test(test_report_not_found),
        cmocka_unit_test(test_report_conversion_math),
        cmocka_unit_test(test_report_zero_sends),
        cmocka_unit_test(test_report_html_escaping),
        cmocka_unit_test(test_report_formats),
        cmocka_unit_test(test_report_list),
        cmocka_unit_test(test_report_output_cap),
        cmocka_unit_test(test_report_redact_addresses),
        cmocka_unit_test(test_report_helpers),
        /* its own database */
        cmocka_unit_test_setup_teardown(test_report_idn_domains, setup_idn,
                                        teardown),
        /* last: it adds an appeal */
        cmocka_unit_test(test_report_html_chart_periods),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
