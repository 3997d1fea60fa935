/*
 * test_util: buf caps, number and date parsing, UTF-8, log sanitising.
 */
#include <string.h>

#include "unit.h"
#include "buf.h"
#include "util.h"

static void
test_util_parse_uint(void **state)
{
    uint64_t v = 0;

    (void)state;
    assert_int_equal(util_parse_uint("0", 10, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(util_parse_uint("10", 10, &v), 0);
    assert_int_equal(v, 10);
    assert_int_equal(util_parse_uint("11", 10, &v), MERR_INVALID);
    assert_int_equal(util_parse_uint("", 10, &v), MERR_INVALID);
    assert_int_equal(util_parse_uint("1x", 10, &v), MERR_INVALID);
    assert_int_equal(util_parse_uint("-1", 10, &v), MERR_INVALID);
    assert_int_equal(util_parse_uint(" 1", 10, &v), MERR_INVALID);
    assert_int_equal(util_parse_uint("18446744073709551615", UINT64_MAX, &v),
                     0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(util_parse_uint("18446744073709551616", UINT64_MAX, &v),
                     MERR_INVALID);
}

static void
test_util_rfc3339(void **state)
{
    char out[32];
    int64_t t = 0;

    (void)state;
    assert_int_equal(util_parse_rfc3339("1970-01-01T00:00:00Z", &t), 0);
    assert_int_equal(t, 0);
    assert_int_equal(util_parse_rfc3339("2026-11-28T13:59:26Z", &t), 0);
    assert_int_equal(t, 1795874366);
    util_format_rfc3339(t, out, sizeof(out));
    assert_string_equal(out, "2026-11-28T13:59:26Z");
    assert_int_equal(util_parse_rfc3339("2026-11-28T14:59:26.123+01:00", &t),
                     0);
    assert_int_equal(t, 1795874366);
    assert_int_equal(util_parse_rfc3339("2024-02-29T00:00:00-05:30", &t), 0);
    assert_int_equal(t, 1709184600);
    assert_int_equal(util_parse_rfc3339("2026-02-30T00:00:00Z", &t),
                     MERR_INVALID);
    assert_int_equal(util_parse_rfc3339("2026-11-28 13:59:26", &t),
                     MERR_INVALID);
    assert_int_equal(util_parse_rfc3339("2026-11-28T25:00:00Z", &t),
                     MERR_INVALID);
    assert_int_equal(util_parse_rfc3339("yesterday", &t), MERR_INVALID);
}

static void
test_util_utf8(void **state)
{
    size_t bad = 0;

    (void)state;
    assert_true(util_utf8_valid("abc", 3, NULL));
    assert_true(util_utf8_valid("\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85", 8, NULL));
    assert_true(util_utf8_valid("\xf0\x9f\x98\x80", 4, NULL));
    /* Windows-1252 e-acute */
    assert_false(util_utf8_valid("caf\xe9", 4, &bad));
    assert_int_equal(bad, 3);
    /* overlong "/" and a surrogate */
    assert_false(util_utf8_valid("\xc0\xaf", 2, NULL));
    assert_false(util_utf8_valid("\xed\xa0\x80", 3, NULL));
    /* truncated sequence */
    assert_false(util_utf8_valid("\xe2\x82", 2, NULL));
}

static void
test_util_sanitize(void **state)
{
    char out[16];

    (void)state;
    util_sanitize("a\r\nb\x1b[31m", 9, out, sizeof(out));
    assert_string_equal(out, "a??b?[31m");
    util_sanitize("0123456789abcdefghij", 20, out, sizeof(out));
    assert_int_equal(strlen(out), 15);
    assert_string_equal(out + 12, "...");
    util_sanitize("caf\xe9!", 5, out, sizeof(out));
    assert_string_equal(out, "caf?!");
}

static void
test_util_buf_cap(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 8);
    assert_int_equal(buf_adds(&b, "12345678"), 0);
    assert_int_equal(buf_addc(&b, '9'), MERR_LIMIT);
    assert_int_equal(b.len, 8);
    assert_string_equal(buf_str(&b), "12345678");
    buf_reset(&b);
    assert_int_equal(buf_addf(&b, "%d-%s", 42, "x"), 0);
    assert_string_equal(buf_str(&b), "42-x");
    assert_int_equal(buf_addf(&b, "%s", "toolong"), MERR_LIMIT);
    assert_string_equal(buf_str(&b), "42-x");
    buf_release(&b);
}

static void
test_util_strlcpy(void **state)
{
    char small[4];

    (void)state;
    assert_int_equal(util_strlcpy(small, "abc", sizeof(small)), 0);
    assert_string_equal(small, "abc");
    assert_int_equal(util_strlcpy(small, "abcd", sizeof(small)), MERR_LIMIT);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util_parse_uint),
        cmocka_unit_test(test_util_rfc3339),
        cmocka_unit_test(test_util_utf8),
        cmocka_unit_test(test_util_sanitize),
        cmocka_unit_test(test_util_buf_cap),
        cmocka_unit_test(test_util_strlcpy),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
