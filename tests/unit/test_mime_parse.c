/*
 * test_mime_parse: reading received messages into our own types (header
 * fields, flat part list, decoded bodies) with libetpan underneath.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "mime_parse.h"
#include "util.h"

static struct mime_msg *
parse(const char *s)
{
    struct mime_msg *m = NULL;
    struct merr err = {0};

    assert_int_equal(mime_parse_message(s, strlen(s), &m, &err), 0);
    assert_non_null(m);
    return m;
}

static void
test_mime_parse_fields(void **state)
{
    struct mime_fields f = {0};
    const char *block = "From MAILER-DAEMON Thu Nov 26 10:00:00 2026\n"
                        "Subject: one\n  two\r\n\tthree  \n"
                        "not a field line\n"
                        "Delivered-To: a@example.org\n"
                        "Delivered-To: b@example.org\n"
                        "\n"
                        "Body: not a field\n";
    size_t used = 0;
    size_t from = 0;

    (void)state;
    mime_parse_fields(block, strlen(block), &f, &used);
    assert_int_equal(f.n, 3);
    /* unfolded, trimmed */
    assert_string_equal(mime_fields_get(&f, "subject"), "one two three");
    assert_string_equal(mime_fields_next(&f, "Delivered-To", &from),
                        "a@example.org");
    assert_string_equal(mime_fields_next(&f, "Delivered-To", &from),
                        "b@example.org");
    assert_null(mime_fields_next(&f, "Delivered-To", &from));
    assert_null(mime_fields_get(&f, "Body"));
    assert_string_equal(block + used, "Body: not a field\n");
    mime_fields_release(&f);
    mime_fields_release(NULL);
}

static void
test_mime_parse_structure(void **state)
{
    struct mime_msg *m = parse(
        "From MAILER-DAEMON Thu Nov 26 10:00:00 2026\n"
        "From: MAILER-DAEMON@example.net\n"
        "Subject: report\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=\"Delivery-Status\";\n"
        " boundary=\"XX\"\n"
        "\n"
        "--XX\n"
        "Content-Type: text/plain; charset=iso-8859-1\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
        "Zustellung fehlgeschlagen: Empf=E4nger unbekannt\n"
        "--XX\n"
        "Content-Type: message/delivery-status\n"
        "\n"
        "Final-Recipient: rfc822; x@example.org\n"
        "--XX\n"
        "Content-Type: image/png\n"
        "Content-Transfer-Encoding: base64\n"
        "\n"
        "iVBORw0KGgo=\n"
        "--XX\n"
        "Content-Type: message/rfc822\n"
        "\n"
        "Message-ID: <tocsin.1.2.x@example.org>\n"
        "Content-Type: text/plain\n"
        "Content-Transfer-Encoding: base64\n"
        "\n"
        "SGVsbG8=\n"
        "--XX--\n");

    (void)state;
    assert_string_equal(mime_fields_get(&m->headers, "Subject"), "report");
    assert_int_equal(m->nparts, 6);
    assert_int_equal(m->parts[0].kind, MIME_PART_MULTIPART);
    assert_string_equal(m->parts[0].type, "multipart/report");
    assert_string_equal(m->parts[0].report_type, "delivery-status");
    assert_null(m->parts[0].body);
    /* quoted-printable latin-1, now UTF-8 */
    assert_string_equal(m->parts[1].type, "text/plain");
    assert_string_equal(m->parts[1].charset, "iso-8859-1");
    assert_int_equal(m->parts[1].depth, 1);
    assert_non_null(strstr(m->parts[1].body, "Empf\xc3\xa4nger"));
    assert_false(m->parts[1].enclosed);
    assert_string_equal(m->parts[2].type, "message/delivery-status");
    assert_non_null(strstr(m->parts[2].body, "Final-Recipient"));
    /* images are not decoded */
    assert_string_equal(m->parts[3].type, "image/png");
    assert_null(m->parts[3].body);
    /* the returned message: its header fields, then its body */
    assert_int_equal(m->parts[4].kind, MIME_PART_MESSAGE);
    assert_true(m->parts[4].enclosed);
    assert_string_equal(mime_fields_get(&m->parts[4].fields, "Message-ID"),
                        "<tocsin.1.2.x@example.org>");
    assert_int_equal(m->parts[5].depth, 2);
    assert_true(m->parts[5].enclosed);
    assert_string_equal(m->parts[5].body, "Hello");
    assert_false(m->cut);
    mime_msg_free(m);
}

static void
test_mime_parse_not_mime(void **state)
{
    struct mime_msg *m = parse("Subject: plain\n\nJust text.\n");

    (void)state;
    assert_int_equal(m->nparts, 1);
    assert_string_equal(m->parts[0].type, "text/plain");
    assert_string_equal(m->parts[0].body, "Just text.\n");
    mime_msg_free(m);

    /* no header at all */
    m = parse("no headers here");
    assert_int_equal(m->nparts, 1);
    mime_msg_free(m);
    mime_msg_free(NULL);
}

/*
 * libetpan 1.9.4 reads one byte past the end of a quoted-printable body
 * that ends in "=" and one more character (found by fuzz_dsn).
 */
static void
test_mime_parse_qp_tail(void **state)
{
    static const char *const tails[] = {"=4", "=", "=\r", "=A=", "x=4"};

    (void)state;
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(tails); i++) {
        char msg[256];
        struct mime_msg *m = NULL;
        struct merr err = {0};
        int n = snprintf(msg, sizeof(msg),
                         "Content-Type: text/plain\n"
                         "Content-Transfer-Encoding: quoted-printable\n\n"
                         "caf=C3=A9%s",
                         tails[i]);
        /* exactly the bytes, no NUL after them, as a mailbox hands them */
        char *p = xmemdup(msg, (size_t)n);

        assert_int_equal(mime_parse_message(p, (size_t)n, &m, &err), 0);
        assert_true(util_starts_with(m->parts[0].body, "caf\xc3\xa9"));
        mime_msg_free(m);
        free(p);
    }
}

static void
test_mime_parse_decode_words(void **state)
{
    char *s;

    (void)state;
    s = mime_parse_decode_words("=?UTF-8?Q?Abwesenheitsnotiz=3A_Hallo?=");
    assert_string_equal(s, "Abwesenheitsnotiz: Hallo");
    free(s);
    s = mime_parse_decode_words(
        "=?ISO-8859-1?B?Uulwb25zZSBhdXRvbWF0aXF1ZQ==?=");
    assert_string_equal(s, "R\xc3\xa9ponse automatique");
    free(s);
    s = mime_parse_decode_words("plain");
    assert_string_equal(s, "plain");
    free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mime_parse_fields),
        cmocka_unit_test(test_mime_parse_structure),
        cmocka_unit_test(test_mime_parse_not_mime),
        cmocka_unit_test(test_mime_parse_qp_tail),
        cmocka_unit_test(test_mime_parse_decode_words),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
