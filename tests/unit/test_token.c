/*
 * test_token: link tokens, person hashes, Standard Webhooks signatures.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "token.h"
#include "util.h"

/* The published Standard Webhooks test vector. */
#define SW_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SW_ID     "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define SW_TS     "1614265330"
#define SW_BODY   "{\"test\": 2432232314}"
#define SW_SIG    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
#define SW_NOW    1614265330

static int
setup(void **state)
{
    static struct token_keys k;
    struct merr err = {0};

    if (token_keys_init(&k, "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0", &err) !=
        0) {
        return -1;
    }
    *state = &k;
    return 0;
}

static void
test_token_roundtrip(void **state)
{
    const struct token_keys *k = *state;
    char tok[TOKEN_MAX];
    int64_t a = 0, s = 0;

    token_make(k, 14, 123456789, tok);
    assert_true(strlen(tok) < TOKEN_MAX);
    for (const char *p = tok; *p; p++) {
        assert_true((*p >= 'a' && *p <= 'z') || (*p >= '2' && *p <= '7'));
    }
    assert_int_equal(token_check(k, tok, strlen(tok), &a, &s), 0);
    assert_int_equal(a, 14);
    assert_int_equal(s, 123456789);
    /* upper case (a mail system folded the local part) still works */
    for (char *p = tok; *p; p++) {
        if (*p >= 'a' && *p <= 'z') {
            *p = (char)(*p - 'a' + 'A');
        }
    }
    assert_int_equal(token_check(k, tok, strlen(tok), &a, &s), 0);
    assert_int_equal(s, 123456789);
}

static void
test_token_tampered(void **state)
{
    const struct token_keys *k = *state;
    struct token_keys other;
    struct merr err = {0};
    char tok[TOKEN_MAX];
    char t2[TOKEN_MAX];
    int64_t a = 0, s = 0;
    size_t n;

    token_make(k, 1, 2, tok);
    n = strlen(tok);
    for (size_t i = 0; i < n; i++) {
        memcpy(t2, tok, n + 1);
        t2[i] = t2[i] == 'a' ? 'b' : 'a';
        assert_int_equal(token_check(k, t2, n, &a, &s), MERR_INVALID);
    }
    assert_int_equal(token_check(k, tok, n - 1, &a, &s), MERR_INVALID);
    assert_int_equal(token_check(k, "", 0, &a, &s), MERR_INVALID);
    assert_int_equal(token_check(k, "not/a+token", 11, &a, &s), MERR_INVALID);
    /* another secret does not accept it */
    assert_int_equal(token_keys_init(&other, "b3RoZXItb3RoZXItb3RoZXI=", &err),
                     0);
    assert_int_equal(token_check(&other, tok, n, &a, &s), MERR_INVALID);
    /* a secret too short or not base64 is refused */
    assert_int_equal(token_keys_init(&other, "c2hvcnQ=", &err), MERR_CONFIG);
    assert_int_equal(token_keys_init(&other, "!!!", &err), MERR_CONFIG);
}

static void
test_token_person_hash(void **state)
{
    const struct token_keys *k = *state;
    char h1[TOKEN_HASH_HEX], h2[TOKEN_HASH_HEX], h3[TOKEN_HASH_HEX];

    token_person_hash(k, "ana@example.org", h1);
    token_person_hash(k, "ana@example.org", h2);
    token_person_hash(k, "bob@example.org", h3);
    assert_int_equal(strlen(h1), 64);
    assert_string_equal(h1, h2);
    assert_string_not_equal(h1, h3);
    assert_null(strstr(h1, "ana"));
}

static void
test_token_webhook_vector(void **state)
{
    struct merr err = {0};
    char sig[128];

    (void)state;
    assert_int_equal(token_webhook_sign(SW_SECRET, SW_ID, SW_TS, SW_BODY,
                                        strlen(SW_BODY), sig, sizeof(sig)),
                     0);
    assert_string_equal(sig, SW_SIG);
    assert_int_equal(token_webhook_verify(SW_SECRET, SW_ID, SW_TS, SW_BODY,
                                          strlen(SW_BODY), SW_SIG, SW_NOW,
                                          &err),
                     0);
}

static void
test_token_webhook_refusals(void **state)
{
    static const char body2[] = "{\"test\": 2432232315}";
    struct merr err = {0};

    (void)state;
    /* tampered body */
    assert_int_equal(token_webhook_verify(SW_SECRET, SW_ID, SW_TS, body2,
                                          strlen(body2), SW_SIG, SW_NOW, &err),
                     MERR_INVALID);
    /* wrong secret */
    assert_int_equal(token_webhook_verify(
                         "whsec_dGhpcyBpcyBub3QgdGhlIHNlY3JldA==", SW_ID, SW_TS,
                         SW_BODY, strlen(SW_BODY), SW_SIG, SW_NOW, &err),
                     MERR_INVALID);
    /* stale and future timestamps, just past the 5 minutes */
    assert_int_equal(token_webhook_verify(SW_SECRET, SW_ID, SW_TS, SW_BODY,
                                          strlen(SW_BODY), SW_SIG, SW_NOW + 301,
                                          &err),
                     MERR_LIMIT);
    assert_int_equal(token_webhook_verify(SW_SECRET, SW_ID, SW_TS, SW_BODY,
                                          strlen(SW_BODY), SW_SIG, SW_NOW - 301,
                                          &err),
                     MERR_LIMIT);
    /* within the window either way */
    assert_int_equal(token_webhook_verify(SW_SECRET, SW_ID, SW_TS, SW_BODY,
                                          strlen(SW_BODY), SW_SIG, SW_NOW + 300,
                                          &err),
                     0);
    /* the id is signed too */
    assert_int_equal(token_webhook_verify(SW_SECRET, "msg_other", SW_TS,
                                          SW_BODY, strlen(SW_BODY), SW_SIG,
                                          SW_NOW, &err),
                     MERR_INVALID);
    /* junk header, v2 scheme, empty */
    assert_int_equal(token_webhook_verify(SW_SECRET, SW_ID, SW_TS, SW_BODY,
                                          strlen(SW_BODY), "garbage", SW_NOW,
                                          &err),
                     MERR_INVALID);
    assert_int_equal(
        token_webhook_verify(
            SW_SECRET, SW_ID, SW_TS, SW_BODY, strlen(SW_BODY),
            "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", SW_NOW, &err),
        MERR_INVALID);
    assert_int_equal(token_webhook_verify(SW_SECRET, SW_ID, SW_TS, SW_BODY,
                                          strlen(SW_BODY), "", SW_NOW, &err),
                     MERR_INVALID);
    assert_int_equal(token_webhook_verify(SW_SECRET, SW_ID, "soon", SW_BODY,
                                          strlen(SW_BODY), SW_SIG, SW_NOW,
                                          &err),
                     MERR_INVALID);
}

static void
test_token_webhook_several(void **state)
{
    struct merr err = {0};

    (void)state;
    /* key rotation: one valid signature among several suffices */
    assert_int_equal(
        token_webhook_verify(
            SW_SECRET, SW_ID, SW_TS, SW_BODY, strlen(SW_BODY),
            "v1,Ym9ndXNib2d1c2JvZ3VzYm9ndXNib2d1c2JvZ3VzYm8= " SW_SIG
            " v1a,xyz",
            SW_NOW, &err),
        0);
    assert_int_equal(
        token_webhook_verify(
            SW_SECRET, SW_ID, SW_TS, SW_BODY, strlen(SW_BODY),
            "v1,Ym9ndXNib2d1c2JvZ3VzYm9ndXNib2d1c2JvZ3VzYm8= v1,AAAA", SW_NOW,
            &err),
        MERR_INVALID);
}

/* token_webhook_check of SW_ID and SW_TS with key k. */
static int
check_sig(const struct token_webhook_key *k, const char *body, const char *sig,
          int64_t now)
{
    struct merr err = {0};

    return token_webhook_check(k, SW_ID, SW_TS, body, strlen(body), sig, now,
                               &err);
}

/* One key, made once, checks many messages (the server's way). */
static void
test_token_webhook_key(void **state)
{
    static const char body2[] = "{\"test\": 2432232315}";
    struct token_webhook_key *k = NULL;
    char sig2[128];

    (void)state;
    assert_int_equal(token_webhook_key_new("whsec_not*base64", &k),
                     MERR_CONFIG);
    assert_null(k);
    assert_int_equal(token_webhook_key_new(SW_SECRET, &k), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(check_sig(k, SW_BODY, SW_SIG, SW_NOW), 0);
        assert_int_equal(check_sig(k, body2, SW_SIG, SW_NOW), MERR_INVALID);
    }
    assert_int_equal(token_webhook_sign(SW_SECRET, SW_ID, SW_TS, body2,
                                        strlen(body2), sig2, sizeof(sig2)),
                     0);
    assert_int_equal(check_sig(k, body2, sig2, SW_NOW), 0);
    /* compared as text, as the reference libraries do: no padding, or the
     * last character's unused bits set (the same bytes once decoded), is
     * not the signature */
    assert_int_equal(check_sig(k, SW_BODY,
                               "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE",
                               SW_NOW),
                     MERR_INVALID);
    assert_int_equal(
        check_sig(k, SW_BODY,
                  "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OF=", SW_NOW),
        MERR_INVALID);
    assert_int_equal(check_sig(k, SW_BODY, SW_SIG, SW_NOW + 301), MERR_LIMIT);
    token_webhook_key_free(k);
}

struct key_run {
    const struct token_webhook_key *k;
    int bad;
};

static void *
key_thread(void *arg)
{
    struct key_run *r = arg;

    for (int i = 0; i < 2000; i++) {
        if (check_sig(r->k, SW_BODY, SW_SIG, SW_NOW) != 0) {
            r->bad++;
        }
        if (check_sig(r->k, "{}", SW_SIG, SW_NOW) != MERR_INVALID) {
            r->bad++;
        }
    }
    return NULL;
}

/* The server's request threads share one key. */
static void
test_token_webhook_key_threads(void **state)
{
    struct token_webhook_key *k = NULL;
    struct key_run runs[4];
    pthread_t t[4];

    (void)state;
    assert_int_equal(token_webhook_key_new(SW_SECRET, &k), 0);
    for (int i = 0; i < 4; i++) {
        runs[i] = (struct key_run){k, 0};
        assert_int_equal(pthread_create(&t[i], NULL, key_thread, &runs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(runs[i].bad, 0);
    }
    token_webhook_key_free(k);
}

static void
verify(const char *der_file, const char *host, const char *cafile, int want)
{
    struct merr err = {0};
    struct token_der d;
    size_t len = 0;
    char *der = unit_slurp(unit_path(der_file), &len);
    int rc;

    d.data = (const unsigned char *)der;
    d.len = len;
    rc = token_verify_cert(&d, 1, host, cafile, &err);
    if (rc != want) {
        fail_msg("%s for %s: got %d (%s), want %d", der_file, host, rc, err.msg,
                 want);
    }
    free(der);
}

static void
test_token_verify_cert(void **state)
{
    const char *ca = "tests/data/tls/ca.pem";

    (void)state;
    verify("tests/data/tls/server.der", "localhost", ca, 0);
    verify("tests/data/tls/server.der", "mail.example.test", ca, 0);
    verify("tests/data/tls/server.der", "127.0.0.1", ca, 0);
    /* a name or address the certificate does not carry */
    verify("tests/data/tls/server.der", "mail.example.org", ca, MERR_INVALID);
    verify("tests/data/tls/server.der", "127.0.0.2", ca, MERR_INVALID);
    /* not signed by a trusted CA: another CA, the system store */
    verify("tests/data/tls/server.der", "localhost",
           "tests/data/tls/other-ca.pem", MERR_INVALID);
    verify("tests/data/tls/server.der", "localhost", NULL, MERR_INVALID);
    verify("tests/data/tls/self.der", "localhost", ca, MERR_INVALID);
    verify("tests/data/tls/expired.der", "localhost", ca, MERR_INVALID);
    /* a CA file without certificates is a configuration error */
    verify("tests/data/tls/server.der", "localhost", "tests/data/tls/README",
           MERR_CONFIG);
}

static void
test_token_verify_cert_message(void **state)
{
    struct merr err = {0};
    struct token_der d;
    size_t len = 0;
    char *der = unit_slurp(unit_path("tests/data/tls/self.der"), &len);

    (void)state;
    d.data = (const unsigned char *)der;
    d.len = len;
    assert_int_equal(
        token_verify_cert(&d, 1, "localhost", "tests/data/tls/ca.pem", &err),
        MERR_INVALID);
    assert_non_null(strstr(err.msg, "localhost"));
    assert_non_null(strstr(err.msg, "trusted"));
    assert_int_equal(token_verify_cert(&d, 0, "localhost", NULL, &err),
                     MERR_INVALID);
    free(der);
}

static void
test_token_sha256_vector(void **state)
{
    char hex[TOKEN_SHA256_HEX];

    (void)state;
    /* FIPS 180-2 appendix B.1 */
    token_sha256_hex("abc", 3, hex);
    assert_string_equal(
        hex,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_roundtrip),
        cmocka_unit_test(test_token_tampered),
        cmocka_unit_test(test_token_person_hash),
        cmocka_unit_test(test_token_webhook_vector),
        cmocka_unit_test(test_token_webhook_refusals),
        cmocka_unit_test(test_token_webhook_several),
        cmocka_unit_test(test_token_webhook_key),
        cmocka_unit_test(test_token_webhook_key_threads),
        cmocka_unit_test(test_token_verify_cert),
        cmocka_unit_test(test_token_verify_cert_message),
        cmocka_unit_test(test_token_sha256_vector),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
