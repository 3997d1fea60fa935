/*
 * test_address: RFC 5321 syntax, lengths, case, IDN both ways, and the
 * decisions on edge cases (see address.h).
 */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "address.h"
#include "err.h"

static int
parse(const char *s, struct address *a, struct merr *err)
{
    return address_parse(s, strlen(s), a, err);
}

static void
ok(const char *in, const char *email, const char *key, const char *display)
{
    struct address a;
    struct merr err = {0};

    if (parse(in, &a, &err) != 0) {
        fail_msg("%s: %s", in, err.msg);
    }
    assert_string_equal(a.email, email);
    assert_string_equal(a.key, key);
    assert_string_equal(a.display, display);
}

static void
bad(const char *in, const char *reason)
{
    struct address a;
    struct merr err = {0};

    if (parse(in, &a, &err) != MERR_INVALID) {
        fail_msg("accepted: %s", in);
    }
    if (strstr(err.msg, reason) == NULL) {
        fail_msg("%s: reason \"%s\", expected \"%s\"", in, err.msg, reason);
    }
}

static void
test_address_plain(void **state)
{
    (void)state;
    ok("ana@example.org", "ana@example.org", "ana@example.org",
       "ana@example.org");
    /* domain lower-cased, local part kept; the key is all lower-case */
    ok("Ana.Silva@Example.ORG", "Ana.Silva@example.org",
       "ana.silva@example.org", "Ana.Silva@example.org");
    ok("  bob+appeals@example.net\t", "bob+appeals@example.net",
       "bob+appeals@example.net", "bob+appeals@example.net");
    ok("o'neil@example.com", "o'neil@example.com", "o'neil@example.com",
       "o'neil@example.com");
    ok("a!#$%&*+-/=?^_`{|}~@sub.example.co.uk",
       "a!#$%&*+-/=?^_`{|}~@sub.example.co.uk",
       "a!#$%&*+-/=?^_`{|}~@sub.example.co.uk",
       "a!#$%&*+-/=?^_`{|}~@sub.example.co.uk");
}

static void
test_address_quoted(void **state)
{
    (void)state;
    ok("\"ana silva\"@example.org", "\"ana silva\"@example.org",
       "\"ana silva\"@example.org", "\"ana silva\"@example.org");
    ok("\"a@b\"@example.org", "\"a@b\"@example.org", "\"a@b\"@example.org",
       "\"a@b\"@example.org");
    ok("\"a\\\"b\"@example.org", "\"a\\\"b\"@example.org",
       "\"a\\\"b\"@example.org", "\"a\\\"b\"@example.org");
    ok("\"a..b\"@example.org", "\"a..b\"@example.org", "\"a..b\"@example.org",
       "\"a..b\"@example.org");
    bad("\"ana@example.org", "quote");
    bad("\"a\"b\"@example.org", "stray quote");
    bad("\"a\\\"@example.org", "escape");
}

static void
test_address_idn(void **state)
{
    (void)state;
    /* Unicode domain: sent as A-labels, shown in Unicode */
    ok("leser@bücher.example", "leser@xn--bcher-kva.example",
       "leser@xn--bcher-kva.example", "leser@bücher.example");
    /* case folded by UTS #46 mapping */
    ok("leser@BÜCHER.example", "leser@xn--bcher-kva.example",
       "leser@xn--bcher-kva.example", "leser@bücher.example");
    /* A-labels given: decoded for display */
    ok("leser@XN--BCHER-KVA.example", "leser@xn--bcher-kva.example",
       "leser@xn--bcher-kva.example", "leser@bücher.example");
    ok("user@пример.example", "user@xn--e1afmkfd.example",
       "user@xn--e1afmkfd.example", "user@пример.example");
    bad("leser@xn--zz.example", "internationalised");
    bad("leser@b\xfc"
        "cher.example",
        "UTF-8");
}

static void
test_address_edge_cases(void **state)
{
    (void)state;
    bad("", "empty");
    bad("   ", "empty");
    bad("ana", "no '@'");
    bad("ana@", "no domain");
    bad("@example.org", "empty local part");
    bad("ana@example", "no dot");
    bad("ana@example.org.", "ends with a dot");
    bad("ana@bücher.example.", "ends with a dot");
    bad("ana@example..org", "empty label");
    bad("ana@.example.org", "empty label");
    bad("ana..silva@example.org", "consecutive dots");
    bad(".ana@example.org", "starts or ends with a dot");
    bad("ana.@example.org", "starts or ends with a dot");
    bad("ana silva@example.org", "space");
    bad("ana@exa mple.org", "not allowed in domain");
    bad("ana@-example.org", "starts or ends with '-'");
    bad("ana@example_org.net", "not allowed in domain");
    bad("ana@[192.0.2.1]", "literal");
    bad("ana@192.0.2.1", "numeric");
    bad("jos\xc3\xa9@example.org", "SMTPUTF8");
    bad("ana,bob@example.org", "not allowed");
    bad("ana@example.org@", "no domain");
    bad("<ana@example.org>", "not allowed");
}

static void
test_address_lengths(void **state)
{
    char local[80];
    char label[80];
    char addr[400];
    struct address a;
    struct merr err = {0};

    (void)state;
    memset(local, 'a', 64);
    local[64] = '\0';
    snprintf(addr, sizeof(addr), "%s@example.org", local);
    assert_int_equal(parse(addr, &a, &err), 0);
    local[64] = 'a';
    local[65] = '\0';
    snprintf(addr, sizeof(addr), "%s@example.org", local);
    bad(addr, "local part longer than 64");
    memset(label, 'b', 63);
    label[63] = '\0';
    snprintf(addr, sizeof(addr), "x@%s.example", label);
    assert_int_equal(parse(addr, &a, &err), 0);
    label[63] = 'b';
    label[64] = '\0';
    snprintf(addr, sizeof(addr), "x@%s.example", label);
    bad(addr, "label longer than 63");
    /* 64 + 1 + 189 = 254 accepted, 255 refused */
    memset(local, 'a', 64);
    local[64] = '\0';
    label[63] = '\0';
    memset(label, 'c', 63);
    snprintf(addr, sizeof(addr), "%s@%s.%s.%.*s.org", local, label, label,
             189 - 63 - 63 - 4 - 2, label);
    assert_int_equal(strlen(addr), 254);
    assert_int_equal(parse(addr, &a, &err), 0);
    snprintf(addr, sizeof(addr), "%s@%s.%s.%.*s.org", local, label, label,
             189 - 63 - 63 - 4 - 2 + 1, label);
    bad(addr, "longer than 254");
}

/* The Unicode form of a stored domain, for reports. */
static void
test_address_domain_display(void **state)
{
    char u[ADDRESS_DISPLAY_MAX + 1];
    struct merr err = {0};

    (void)state;
    assert_int_equal(address_domain_display("xn--mller-kva.de", u, sizeof(u)),
                     0);
    assert_string_equal(u, "müller.de");
    assert_int_equal(
        address_domain_display("xn--mgbh0fb.xn--kgbechtv", u, sizeof(u)), 0);
    assert_string_equal(u, "مثال.إختبار");
    assert_int_equal(address_domain_display("plain.example", u, sizeof(u)), 0);
    assert_string_equal(u, "plain.example");
    /* not Punycode */
    assert_int_equal(address_domain_display("xn--zz.example", u, sizeof(u)),
                     MERR_INVALID);
    /* Punycode, but not an A-label: an empty label, a bidi override
     * (U+202E) between two letters */
    assert_int_equal(address_domain_display("xn--a.example", u, sizeof(u)),
                     MERR_INVALID);
    assert_int_equal(address_domain_display("xn--ab-g4t.example", u, sizeof(u)),
                     MERR_INVALID);
    /* too small for the Unicode form */
    assert_int_equal(address_domain_display("xn--mller-kva.de", u, 5),
                     MERR_INVALID);
    /* the decoding alone, as the import uses it */
    assert_int_equal(
        address_domain_unicode("xn--mller-kva.de", u, sizeof(u), &err), 0);
    assert_string_equal(u, "müller.de");
    assert_int_equal(
        address_domain_unicode("xn--zz.example", u, sizeof(u), &err),
        MERR_INVALID);
    assert_non_null(strstr(err.msg, "internationalised"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_address_plain),
        cmocka_unit_test(test_address_quoted),
        cmocka_unit_test(test_address_idn),
        cmocka_unit_test(test_address_edge_cases),
        cmocka_unit_test(test_address_lengths),
        cmocka_unit_test(test_address_domain_display),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
