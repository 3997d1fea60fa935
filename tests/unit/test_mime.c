/*
 * test_mime: our encoders against libetpan's decoders (quoted-printable,
 * base64, RFC 2047 for Arabic, Chinese, Russian, emoji), folding, line
 * lengths, header injection, whole messages, Message-IDs.
 */
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "unit.h"
#include "buf.h"
#include "mime.h"
#include "render.h"
#include "token.h"
#include "util.h"

static const char *const texts[] = {
    "Hello,\n\nplain ASCII text.\n",
    "-- \nsignature line with a trailing space\n",
    "trailing spaces   \nand tabs\t\t\nend with space ",
    "= signs == everywhere =\n=3D is not decoded twice\n",
    "Libérez Ana Pérez, défenseure des droits humains, détenue à Genève.\n",
    "أطلقوا سراح المدافعة عن حقوق الإنسان فوراً\nسطر ثانٍ\n",
    "Освободите правозащитницу немедленно!\nВторая строка.\n",
    "释放人权捍卫者\n第二行\n",
    "emoji 🕊️✊🏽 in the text\n",
    "already\r\nCRLF\r\nlines\r\n",
    "a lone CR\rin the middle\n",
    ".leading dot\nFrom the start\n",
    "",
};

/* A long line: 300 characters, no spaces, mixed. */
static char long_line[1200];

static int
setup(void **state)
{
    size_t o = 0;

    (void)state;
    for (int i = 0; i < 100; i++) {
        memcpy(long_line + o, i % 3 == 0 ? "é" : "ab", 2);
        o += 2;
        long_line[o++] = i % 7 == 0 ? ' ' : 'x';
    }
    long_line[o] = '\0';
    return 0;
}

/* p with every bare LF made CRLF (the canonical form of text). */
static char *
crlf(const char *p, size_t n, size_t *len)
{
    struct buf b;

    buf_init(&b, 1 << 20);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r')) {
            assert_int_equal(buf_addc(&b, '\r'), 0);
        }
        assert_int_equal(buf_addc(&b, p[i]), 0);
    }
    *len = b.len;
    return buf_take(&b);
}

/* Every line ends in CRLF (but maybe the last) and is at most max long. */
static void
assert_lines(const char *p, size_t n, size_t max)
{
    size_t start = 0;

    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') {
            assert_true(i > 0 && p[i - 1] == '\r');
            assert_true(i - 1 - start <= max);
            start = i + 1;
        } else if (p[i] == '\r') {
            assert_true(i + 1 < n && p[i + 1] == '\n');
        }
    }
    assert_true(n - start <= max);
}

static void
check_qp(const char *text)
{
    struct buf b;
    size_t idx = 0;
    char *dec = NULL;
    size_t declen = 0;
    size_t want_len;
    char *want;

    buf_init(&b, 1 << 20);
    assert_int_equal(mime_qp_append(&b, text, strlen(text)), 0);
    assert_lines(b.data != NULL ? b.data : "", b.len, 76);
    /* no whitespace before a line end: it would be lost in transit */
    for (size_t i = 0; i + 1 < b.len; i++) {
        if (b.data[i + 1] == '\r') {
            assert_true(b.data[i] != ' ' && b.data[i] != '\t');
        }
    }
    if (b.len > 0) {
        assert_true(b.data[b.len - 1] != ' ');
    }
    assert_int_equal(mailmime_quoted_printable_body_parse(
                         buf_str(&b), b.len, &idx, &dec, &declen, 0),
                     MAILIMF_NO_ERROR);
    want = crlf(text, strlen(text), &want_len);
    assert_int_equal(declen, want_len);
    assert_memory_equal(dec, want, want_len);
    mmap_string_unref(dec); /* libetpan's result */
    free(want);
    buf_release(&b);
}

static void
test_mime_qp_roundtrip(void **state)
{
    (void)state;
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(texts); i++) {
        check_qp(texts[i]);
    }
    check_qp(long_line);
}

static void
test_mime_qp_signature(void **state)
{
    struct buf b;

    (void)state;
    /* libetpan 1.9.4 writes "-- " back as "--  "; ours must not */
    buf_init(&b, 1024);
    assert_int_equal(mime_qp_append(&b, "-- \nAna\n", 8), 0);
    assert_string_equal(buf_str(&b), "--=20\r\nAna\r\n");
    buf_release(&b);
}

static void
check_b64(const char *text)
{
    struct buf b;
    size_t idx = 0;
    char *dec = NULL;
    size_t declen = 0;
    size_t want_len;
    char *want;

    buf_init(&b, 1 << 20);
    assert_int_equal(mime_base64_append(&b, text, strlen(text)), 0);
    assert_lines(buf_str(&b), b.len, 76);
    assert_int_equal(
        mailmime_base64_body_parse(buf_str(&b), b.len, &idx, &dec, &declen),
        MAILIMF_NO_ERROR);
    want = crlf(text, strlen(text), &want_len);
    assert_int_equal(declen, want_len);
    assert_memory_equal(dec, want, want_len);
    mmap_string_unref(dec);
    free(want);
    buf_release(&b);
}

static void
test_mime_base64_roundtrip(void **state)
{
    (void)state;
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(texts); i++) {
        check_b64(texts[i]);
    }
    check_b64(long_line);
}

/*
 * Random texts for both encoders (their fast paths: runs of literals up
 * to the line's room, whole base64 lines without a line break), made of
 * the bytes that matter: letters, spaces and tabs (escaped before a line
 * end only), "=", CR, LF, dots and UTF-8; decoded with libetpan.  Fixed
 * seed: the same texts every run.
 */
static void
test_mime_encoders_random(void **state)
{
    static const char *const pieces[] = {
        "a",
        "Z",
        "9",
        " ",
        "\t",
        "=",
        "\n",
        "\r\n",
        "\r",
        ".",
        "-- ",
        "\xc3\xa9",
        "\xd8\xb3",
        "\xd0\x96",
        "\xe4\xb8\xad",
        "longwordlongwordlongwordlongwordlongword",
        "  ",
        "\n\n"};
    char text[1200];
    unsigned seed = 20261128;

    (void)state;
    for (int round = 0; round < 3000; round++) {
        size_t n = 0;
        size_t want = (size_t)(rand_r(&seed) % 600);

        while (n < want) {
            const char *p =
                pieces[(size_t)rand_r(&seed) % TOCSIN_ARRAY_LEN(pieces)];
            size_t k = strlen(p);

            if (n + k >= sizeof(text)) {
                break;
            }
            memcpy(text + n, p, k);
            n += k;
        }
        text[n] = '\0';
        check_qp(text);
        check_b64(text);
    }
}

/* Decode a header value with libetpan; caller frees. */
static char *
decode_header(const char *v, size_t n)
{
    size_t idx = 0;
    char *out = NULL;

    assert_int_equal(
        mailmime_encoded_phrase_parse("utf-8", v, n, &idx, "utf-8", &out),
        MAILIMF_NO_ERROR);
    return out;
}

/* The header value starting after "Subject: " unfolded. */
static char *
unfold(const char *p)
{
    struct buf b;

    buf_init(&b, 1 << 16);
    for (; *p != '\0'; p++) {
        if (p[0] == '\r' && p[1] == '\n') {
            p++;
            continue;
        }
        assert_int_equal(buf_addc(&b, *p), 0);
    }
    return buf_take(&b);
}

static void
check_header(const char *s, bool phrase, size_t col0)
{
    struct buf b;
    size_t col = col0;
    char *dec;
    char *flat;
    const char *p;

    buf_init(&b, 1 << 16);
    for (size_t i = 0; i < col0; i++) {
        assert_int_equal(buf_addc(&b, 'H'), 0);
    }
    assert_int_equal(mime_header_append(&b, &col, s, strlen(s), phrase), 0);
    /* every line within 78, continuation lines start with a space */
    assert_lines(buf_str(&b), b.len, 78);
    for (p = strstr(buf_str(&b), "\r\n"); p != NULL;
         p = strstr(p + 2, "\r\n")) {
        assert_true(p[2] == ' ');
    }
    /* encoded-words at most 75 characters */
    for (p = strstr(buf_str(&b), "=?"); p != NULL; p = strstr(p + 2, "=?")) {
        const char *e = strstr(p + 10, "?=");

        assert_non_null(e);
        assert_true(e + 2 - p <= 75);
        p = e;
    }
    flat = unfold(buf_str(&b) + col0);
    dec = decode_header(flat, strlen(flat));
    if (phrase && flat[0] == '"') {
        /* a quoted-string comes back with its quotes */
        assert_int_equal(strlen(dec), strlen(s) + 2);
    } else {
        assert_string_equal(dec, s);
    }
    free(dec);
    free(flat);
    buf_release(&b);
}

static void
test_mime_rfc2047(void **state)
{
    static const char *const values[] = {
        "Free Ana Pérez now",
        "أطلقوا سراح المدافعة عن حقوق الإنسان فوراً قبل فوات الأوان يا أصدقاء",
        "立即释放人权捍卫者王女士，她因和平表达而被拘留已经三十天了",
        "Освободите правозащитницу Анну Петрову немедленно — она в опасности",
        "\U0001F54A\uFE0F\u270A\U0001F3FD\U0001F54A\uFE0F\u270A\U0001F3FD"
        "\U0001F54A\uFE0F\u270A\U0001F3FD\U0001F54A\uFE0F\u270A\U0001F3FD"
        "\U0001F54A\uFE0F\u270A\U0001F3FD\U0001F54A\uFE0F\u270A\U0001F3FD",
        "plain ASCII subject",
        "looks like =?utf-8?q?an_encoded_word?= but is not",
        "A very long plain ASCII subject that certainly needs folding because "
        "it goes on and on past the seventy-eight column limit of RFC 5322",
        "Ана",
        "Zoë",
    };

    (void)state;
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(values); i++) {
        check_header(values[i], false, 9);
        check_header(values[i], true, 4);
        check_header(values[i], false, 60);
    }
}

static void
test_mime_phrase_quoting(void **state)
{
    struct buf b;
    size_t col = 4;

    (void)state;
    buf_init(&b, 1024);
    assert_int_equal(mime_header_append(&b, &col, "Ana Pérez", 10, true), 0);
    assert_string_equal(buf_str(&b), "=?utf-8?q?Ana_P=C3=A9rez?=");
    buf_reset(&b);
    col = 4;
    assert_int_equal(
        mime_header_append(&b, &col, "O'Hara, Pat \"P\"", 15, true), 0);
    assert_string_equal(buf_str(&b), "\"O'Hara, Pat \\\"P\\\"\"");
    buf_reset(&b);
    col = 4;
    assert_int_equal(mime_header_append(&b, &col, "Ana Maria", 9, true), 0);
    assert_string_equal(buf_str(&b), "Ana Maria");
    buf_release(&b);
}

static void
test_mime_no_header_injection(void **state)
{
    struct buf b;
    size_t col = 9;
    const char *evil = "Hi\r\nBcc: victim@example.org\nX: y";

    (void)state;
    buf_init(&b, 1024);
    assert_int_equal(mime_header_append(&b, &col, evil, strlen(evil), false),
                     0);
    /* the only line breaks are folds (CRLF + space) */
    for (const char *p = strchr(buf_str(&b), '\n'); p != NULL;
         p = strchr(p + 1, '\n')) {
        assert_true(p[-1] == '\r' && p[1] == ' ');
    }
    assert_null(strstr(buf_str(&b), "\nBcc"));
    buf_release(&b);
}

static struct render_out *
sample_out(const char *subject, const char *text, const char *html)
{
    static struct render_out o;

    buf_release(&o.subject);
    buf_release(&o.preheader);
    buf_release(&o.text);
    buf_release(&o.html);
    buf_init(&o.subject, 4096);
    buf_init(&o.preheader, 4096);
    buf_init(&o.text, 1 << 20);
    buf_init(&o.html, 1 << 20);
    assert_int_equal(buf_adds(&o.subject, subject), 0);
    assert_int_equal(buf_adds(&o.text, text), 0);
    assert_int_equal(buf_adds(&o.html, html), 0);
    return &o;
}

static const struct mime_identity ident = {
    .from_name = "Réseau Exemple",
    .from_addr = "appeals@example.org",
    .reply_to = "Desk <desk@example.org>",
    .list_name = "Example Network",
    .list_id = "appeals.example.org",
    .bounce_domain = "example.org",
    .base_url = "https://act.example.org",
};

static void
test_mime_build(void **state)
{
    struct token_keys k;
    struct merr err = {0};
    struct mime_lang *ml = NULL;
    struct render_out *ro;
    struct mime_recipient r;
    char mid[MIME_ID_MAX];
    char tok[TOKEN_MAX];
    struct buf out;
    const char *m;

    (void)state;
    assert_int_equal(
        token_keys_init(&k, "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0", &err), 0);
    ro = sample_out("Libérez Ana, {name}", "Bonjour Ana,\n\n-- \nfin\n",
                    "<html lang=\"fr\"><body><p>Bonjour</p></body></html>\n");
    assert_int_equal(mime_lang_new(&ident, "fr", ro, &ml, &err), 0);
    assert_int_equal(mime_lang_encoding(ml, false), MIME_QP);
    token_make(&k, 7, 42, tok);
    assert_int_equal(
        mime_message_id(&k, 7, 42, "example.org", mid, sizeof(mid)), 0);
    r = (struct mime_recipient){.name = "Zoë Dupont",
                                .email = "zoe@example.net",
                                .token = tok,
                                .message_id = mid};
    buf_init(&out, TOCSIN_MAX_MESSAGE);
    assert_int_equal(mime_build(ml, &r, ro, 1795874366, &out, &err), 0);
    m = buf_str(&out);
    if (mime_check(m, out.len, &err) != 0) {
        fail_msg("%s\n%s", err.msg, m);
    }
    assert_non_null(strstr(m, "Date: Sat, 28 Nov 2026 13:59:26 +0000\r\n"));
    assert_non_null(strstr(m, "To: =?utf-8?q?Zo=C3=AB_Dupont?= "
                              "<zoe@example.net>\r\n"));
    assert_non_null(strstr(m, "Reply-To: Desk <desk@example.org>\r\n"));
    assert_non_null(strstr(m, "List-Id: Example Network "
                              "<appeals.example.org>\r\n"));
    assert_non_null(strstr(m, "List-Unsubscribe-Post: "
                              "List-Unsubscribe=One-Click\r\n"));
    assert_non_null(strstr(m, "Content-Language: fr\r\n"));
    assert_non_null(strstr(m, "<mailto:bounces+"));
    assert_non_null(strstr(m, tok));
    assert_non_null(strstr(m, "--=20\r\nfin"));
    assert_non_null(strstr(m, "multipart/alternative"));

    /* Arabic and Russian bodies are smaller in base64 */
    mime_lang_free(ml);
    ro =
        sample_out("أطلقوا سراح", "أطلقوا سراح المدافعة عن حقوق الإنسان فوراً\n",
                   "<p>Освободите правозащитницу немедленно</p>\n");
    assert_int_equal(mime_lang_new(&ident, "ar", ro, &ml, &err), 0);
    assert_int_equal(mime_lang_encoding(ml, false), MIME_BASE64);
    assert_int_equal(mime_lang_encoding(ml, true), MIME_BASE64);
    r.subject_prefix = "[TEST] ";
    assert_int_equal(mime_build(ml, &r, ro, 1795874366, &out, &err), 0);
    assert_int_equal(mime_check(buf_str(&out), out.len, &err), 0);
    assert_non_null(strstr(buf_str(&out), "Subject: [TEST] =?utf-8?b?"));

    /* an address that could inject a header is refused */
    r.email = "x@example.org>\r\nBcc: y@example.org";
    assert_int_equal(mime_build(ml, &r, ro, 1795874366, &out, &err),
                     MERR_INVALID);
    mime_lang_free(ml);
    buf_release(&out);
    token_keys_release(&k);
}

static void
test_mime_check_refuses(void **state)
{
    struct merr err = {0};
    const char *bare = "From: a@b\nTo: c@d\n\nhi\n";

    (void)state;
    assert_int_equal(mime_check(bare, strlen(bare), &err), MERR_INVALID);
    assert_non_null(strstr(err.msg, "bare LF"));
}

static void
test_mime_message_id(void **state)
{
    struct token_keys k;
    struct merr err = {0};
    char a[MIME_ID_MAX];
    char b[MIME_ID_MAX];
    int64_t seq = 0;
    int64_t sub = 0;

    (void)state;
    assert_int_equal(
        token_keys_init(&k, "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0", &err), 0);
    assert_int_equal(mime_message_id(&k, 3, 99, "example.org", a, sizeof(a)),
                     0);
    assert_int_equal(mime_message_id(&k, 3, 99, "example.org", b, sizeof(b)),
                     0);
    assert_string_equal(a, b); /* stable across retries */
    assert_true(util_starts_with(a, "<tocsin.3.99."));
    assert_int_equal(mime_message_id_parse(a, strlen(a), &seq, &sub), 0);
    assert_int_equal(seq, 3);
    assert_int_equal(sub, 99);
    assert_int_equal(mime_message_id_parse(a + 1, strlen(a) - 2, &seq, &sub),
                     0);
    assert_int_equal(mime_message_id_parse("<other.3.99.x@y>", 16, &seq, &sub),
                     MERR_INVALID);
    assert_int_equal(mime_message_id(&k, 3, 100, "example.org", b, sizeof(b)),
                     0);
    assert_string_not_equal(a, b);
    assert_int_equal(mime_message_id(&k, 3, 99, "example.org", b, 10),
                     MERR_LIMIT);
    assert_int_equal(mime_verp("abc", "example.org", b, sizeof(b)), 0);
    assert_string_equal(b, "bounces+abc@example.org");
    token_keys_release(&k);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mime_qp_roundtrip),
        cmocka_unit_test(test_mime_qp_signature),
        cmocka_unit_test(test_mime_base64_roundtrip),
        cmocka_unit_test(test_mime_encoders_random),
        cmocka_unit_test(test_mime_rfc2047),
        cmocka_unit_test(test_mime_phrase_quoting),
        cmocka_unit_test(test_mime_no_header_injection),
        cmocka_unit_test(test_mime_build),
        cmocka_unit_test(test_mime_check_refuses),
        cmocka_unit_test(test_mime_message_id),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
