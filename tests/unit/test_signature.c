/*
 * test_signature: the webhook body checks (signature.c), and the Standard
 * Webhooks verification as the webhook route uses it.
 */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "signature.h"
#include "token.h"

#define BODY_OK                                                               \
    "{\"type\":\"signature.created\",\"timestamp\":\"2026-11-28T12:00:00Z\"," \
    "\"data\":{\"appeal\":\"2026-014\",\"token\":null,"                       \
    "\"email\":\"Chloe.Martin@Example.NET\",\"name\":\"  Chloé Martin \","   \
    "\"country\":\"fr\",\"language\":\"pt_br\","                              \
    "\"signed_at\":\"2026-11-28T13:00:00+01:00\","                            \
    "\"consent_to_contact\":true}}"

static int
parse(const char *body, struct signature_event *ev, struct merr *err)
{
    memset(err, 0, sizeof(*err));
    return signature_parse(body, strlen(body), ev, err);
}

static void
test_signature_valid_body(void **state)
{
    struct signature_event ev;
    struct merr err;

    (void)state;
    assert_int_equal(parse(BODY_OK, &ev, &err), 0);
    assert_string_equal(ev.appeal, "2026-014");
    assert_string_equal(ev.token, "");
    assert_string_equal(ev.email, "Chloe.Martin@example.net");
    assert_string_equal(ev.email_key, "chloe.martin@example.net");
    assert_string_equal(ev.name, "Chloé Martin");
    assert_string_equal(ev.country, "FR");
    assert_string_equal(ev.language, "pt-BR");
    assert_true(ev.consent);
    /* 13:00+01:00 is 12:00Z, the same instant as timestamp */
    assert_int_equal(ev.signed_at, ev.timestamp);
    assert_int_equal(ev.timestamp, 1795867200);
}

/* Replace the first occurrence of from in BODY_OK with to, and parse. */
static int
parse_with(const char *from, const char *to, struct merr *err)
{
    static char body[2048];
    struct signature_event ev;
    const char *p = strstr(BODY_OK, from);
    size_t pre;

    assert_non_null(p);
    pre = (size_t)(p - BODY_OK);
    memcpy(body, BODY_OK, pre);
    body[pre] = '\0';
    assert_true(pre + strlen(to) + strlen(p + strlen(from)) < sizeof(body));
    memcpy(body + pre, to, strlen(to) + 1);
    memcpy(body + strlen(body), p + strlen(from), strlen(p + strlen(from)) + 1);
    return parse(body, &ev, err);
}

static void
test_signature_refusals(void **state)
{
    static const struct {
        const char *from;
        const char *to;
        const char *field;
    } cases[] = {
        {"signature.created", "signature.deleted", "type"},
        {"\"type\":\"signature.created\",", "", "type: missing"},
        {"2026-11-28T12:00:00Z", "yesterday", "timestamp"},
        {"2026-11-28T13:00:00+01:00", "2026-13-28T13:00:00Z", "signed_at"},
        {"\"appeal\":\"2026-014\"", "\"appeal\":14", "data.appeal"},
        {"\"appeal\":\"2026-014\"", "\"appeal\":\"\"", "data.appeal"},
        {"Chloe.Martin@Example.NET", "not-an-address", "data.email"},
        {"Chloe.Martin@Example.NET", "a@b", "data.email"},
        {"Chloe.Martin@Example.NET", "a b@example.org", "data.email"},
        {"\"email\":\"Chloe.Martin@Example.NET\",", "", "data.email: missing"},
        {"  Chloé Martin ", "   ", "data.name"},
        {"  Chloé Martin ", "Chlo\\u0007", "data.name"},
        {"\"fr\"", "\"FX\"", "data.country"},
        {"\"fr\"", "\"France\"", "data.country"},
        {"pt_br", "English", "data.language"},
        {"true}}", "\"yes\"}}", "data.consent_to_contact"},
        {",\"consent_to_contact\":true", "", "data.consent_to_contact"},
        {"\"token\":null", "\"token\":42", "data.token"},
    };
    struct merr err;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = parse_with(cases[i].from, cases[i].to, &err);

        if (rc != MERR_INVALID || strstr(err.msg, cases[i].field) == NULL) {
            fail_msg("case %zu (%s): rc %d, \"%s\"", i, cases[i].to, rc,
                     err.msg);
        }
    }
}

static void
test_signature_not_json(void **state)
{
    struct signature_event ev;
    struct merr err;

    (void)state;
    assert_int_equal(parse("{\"type\": ", &ev, &err), MERR_PARSE);
    assert_non_null(strstr(err.msg, "body:1:"));
    assert_int_equal(parse("[1,2]", &ev, &err), MERR_INVALID);
    assert_int_equal(parse("", &ev, &err), MERR_PARSE);
    /* invalid UTF-8 is refused by the JSON reader */
    assert_int_equal(parse("{\"type\":\"\xff\"}", &ev, &err), MERR_PARSE);
    /* two members with the same name: refused, not "last one wins" */
    assert_int_equal(
        parse_with("\"name\":", "\"name\":\"Eve\",\"name\":", &err),
        MERR_PARSE);
    assert_int_equal(parse_with("{\"appeal\"", "[{\"appeal\"", &err),
                     MERR_PARSE);
}

static void
test_signature_token_without_email(void **state)
{
    struct signature_event ev;
    struct merr err;
    const char *body =
        "{\"type\":\"signature.created\",\"timestamp\":\"2026-11-28T12:00:"
        "00Z\","
        "\"data\":{\"appeal\":\"a\",\"token\":\"abc\",\"name\":\"N\","
        "\"signed_at\":\"2026-11-28T12:00:00Z\","
        "\"consent_to_contact\":false}}";

    (void)state;
    assert_int_equal(parse(body, &ev, &err), 0);
    assert_string_equal(ev.token, "abc");
    assert_string_equal(ev.email, "");
    assert_string_equal(ev.country, "");
    assert_string_equal(ev.language, "");
    assert_false(ev.consent);
}

static void
test_signature_long_fields(void **state)
{
    char body[4096];
    char name[400];
    struct signature_event ev;
    struct merr err;

    (void)state;
    memset(name, 'x', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    (void)snprintf(body, sizeof(body),
                   "{\"type\":\"signature.created\",\"timestamp\":"
                   "\"2026-11-28T12:00:00Z\",\"data\":{\"appeal\":\"a\","
                   "\"email\":\"a@b.org\",\"name\":\"%s\",\"signed_at\":"
                   "\"2026-11-28T12:00:00Z\",\"consent_to_contact\":false}}",
                   name);
    assert_int_equal(parse(body, &ev, &err), MERR_INVALID);
    assert_non_null(strstr(err.msg, "data.name: longer than"));
}

static void
test_signature_country_list(void **state)
{
    (void)state;
    assert_true(signature_country_valid("FR"));
    assert_true(signature_country_valid("ad"));
    assert_true(signature_country_valid("ZW"));
    assert_true(signature_country_valid("XK"));
    assert_true(signature_country_valid("SS"));
    assert_false(signature_country_valid("UK"));
    assert_false(signature_country_valid("EU"));
    assert_false(signature_country_valid("F"));
    assert_false(signature_country_valid("FRA"));
    assert_false(signature_country_valid("1A"));
    assert_false(signature_country_valid(""));
}

/* data.email gets the three forms an import gives (address.c), so a
 * signer is matched with their subscriber row. */
static void
test_signature_email_forms(void **state)
{
    static const char *const bad[] = {"a@@b.org", "@b.org",   "a@b..org",
                                      "a@.b.org", "a@b.org.", "<a@b.org>"};
    struct signature_event ev;
    struct merr err;

    (void)state;
    assert_int_equal(parse_with("Chloe.Martin@Example.NET",
                                "Chloe@B\u00fccher.Example", &err),
                     0);
    assert_int_equal(parse(BODY_OK, &ev, &err), 0);
    assert_string_equal(ev.email_key, "chloe.martin@example.net");
    memset(&ev, 0, sizeof(ev));
    {
        const char *body =
            "{\"type\":\"signature.created\",\"timestamp\":"
            "\"2026-11-28T12:00:00Z\",\"data\":{\"appeal\":\"a\","
            "\"email\":\"Chloe@B\\u00fccher.Example\",\"name\":\"C\","
            "\"signed_at\":\"2026-11-28T12:00:00Z\","
            "\"consent_to_contact\":true}}";

        assert_int_equal(parse(body, &ev, &err), 0);
        assert_string_equal(ev.email, "Chloe@xn--bcher-kva.example");
        assert_string_equal(ev.email_key, "chloe@xn--bcher-kva.example");
        assert_string_equal(ev.email_display, "Chloe@b\xc3\xbc"
                                              "cher.example");
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = parse_with("Chloe.Martin@Example.NET", bad[i], &err);

        if (rc != MERR_INVALID || strstr(err.msg, "data.email: ") == NULL) {
            fail_msg("%s: rc %d, \"%s\"", bad[i], rc, err.msg);
        }
    }
}

/* The Standard Webhooks vector and its variations, as the route uses
 * token_webhook_verify (the list of unit cases). */
#define SW_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SW_ID     "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define SW_TS     "1614265330"
#define SW_BODY   "{\"test\": 2432232314}"
#define SW_SIG    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
#define SW_NOW    1614265330

static int
verify(const char *secret, const char *body, const char *sig, int64_t now)
{
    struct merr err = {0};

    return token_webhook_verify(secret, SW_ID, SW_TS, body, strlen(body), sig,
                                now, &err);
}

static void
test_signature_standard_webhooks(void **state)
{
    (void)state;
    assert_int_equal(verify(SW_SECRET, SW_BODY, SW_SIG, SW_NOW), 0);
    /* tampered body */
    assert_int_equal(
        verify(SW_SECRET, "{\"test\": 2432232315}", SW_SIG, SW_NOW),
        MERR_INVALID);
    /* wrong secret */
    assert_int_equal(verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSx", SW_BODY,
                            SW_SIG, SW_NOW),
                     MERR_INVALID);
    /* stale and future timestamps (5 minutes either way) */
    assert_int_equal(verify(SW_SECRET, SW_BODY, SW_SIG, SW_NOW + 301),
                     MERR_LIMIT);
    assert_int_equal(verify(SW_SECRET, SW_BODY, SW_SIG, SW_NOW - 301),
                     MERR_LIMIT);
    assert_int_equal(verify(SW_SECRET, SW_BODY, SW_SIG, SW_NOW + 300), 0);
    /* several signatures, one valid (key rotation) */
    assert_int_equal(
        verify(SW_SECRET, SW_BODY,
               "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= " SW_SIG
               " v2,xyz",
               SW_NOW),
        0);
    assert_int_equal(verify(SW_SECRET, SW_BODY,
                            "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= "
                            "v1,bm90IGl0",
                            SW_NOW),
                     MERR_INVALID);
    /* a signature under another version tag does not count */
    assert_int_equal(
        verify(SW_SECRET, SW_BODY,
               "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", SW_NOW),
        MERR_INVALID);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature_valid_body),
        cmocka_unit_test(test_signature_refusals),
        cmocka_unit_test(test_signature_not_json),
        cmocka_unit_test(test_signature_token_without_email),
        cmocka_unit_test(test_signature_long_fields),
        cmocka_unit_test(test_signature_country_list),
        cmocka_unit_test(test_signature_email_forms),
        cmocka_unit_test(test_signature_standard_webhooks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
