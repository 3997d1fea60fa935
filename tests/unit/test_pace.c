/*
 * test_pace: token buckets, slow-down and speed-up, relay backoff and the
 * per-domain table, on a fake clock (time is a parameter).
 */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "pace.h"

/* Messages a bucket lets through in [0, secs) when asked every 1 ms. */
static unsigned
run_for(struct pace_bucket *b, double start, double secs)
{
    unsigned n = 0;

    for (double t = start; t < start + secs; t += 0.001) {
        while (pace_bucket_wait(b, t) == 0) {
            pace_bucket_take(b, t);
            n++;
        }
    }
    return n;
}

static void
test_pace_unlimited(void **state)
{
    struct pace_bucket b;

    (void)state;
    pace_bucket_init(&b, 0, 0);
    for (int i = 0; i < 10000; i++) {
        assert_true(pace_bucket_wait(&b, 0) == 0);
        pace_bucket_take(&b, 0);
    }
    assert_true(pace_bucket_plain(&b));
}

static void
test_pace_rate(void **state)
{
    struct pace_bucket b;
    unsigned n;

    (void)state;
    pace_bucket_init(&b, 100, 0);
    n = run_for(&b, 0, 10);
    /* 100/s for 10 s, plus the initial burst of 5 */
    assert_in_range(n, 1000, 1006);

    pace_bucket_init(&b, 2, 0);
    pace_bucket_take(&b, 0);
    /* one token spent, the next comes after half a second */
    assert_true(pace_bucket_wait(&b, 0) > 0.49);
    assert_true(pace_bucket_wait(&b, 0) < 0.51);
    assert_true(pace_bucket_wait(&b, 0.5) == 0);
}

static void
test_pace_slow_and_recover(void **state)
{
    struct pace_bucket b;
    double t = 100;

    (void)state;
    pace_bucket_init(&b, 64, 0);
    pace_bucket_slow(&b, t);
    assert_true(b.rate == 32);
    /* parallel 421s within a second count once */
    pace_bucket_slow(&b, t + 0.5);
    assert_true(b.rate == 32);
    pace_bucket_slow(&b, t + 1.5);
    assert_true(b.rate == 16);
    for (int i = 0; i < 20; i++) {
        pace_bucket_slow(&b, t + 3 + i * 2);
    }
    assert_true(b.rate == PACE_FLOOR);
    assert_false(pace_bucket_plain(&b));
    t = t + 50;
    /* one step up, then nothing until PACE_SPEEDUP_AFTER has passed */
    pace_bucket_accept(&b, t);
    assert_true(b.rate == PACE_FLOOR * PACE_SPEEDUP);
    pace_bucket_accept(&b, t + 1);
    assert_true(b.rate == PACE_FLOOR * PACE_SPEEDUP);
    for (int i = 1; i < 20; i++) {
        pace_bucket_accept(&b, t + i * PACE_SPEEDUP_AFTER);
    }
    assert_true(b.rate == 64);
    assert_true(pace_bucket_plain(&b));
}

static void
test_pace_slow_unlimited(void **state)
{
    struct pace_bucket b;
    double t;
    unsigned n;

    (void)state;
    pace_bucket_init(&b, 0, 0);
    /* 200 messages per second for 3 s */
    for (t = 0; t < 3; t += 0.005) {
        pace_bucket_take(&b, t);
    }
    pace_bucket_slow(&b, t);
    assert_in_range((unsigned)b.rate, 95, 105);
    n = run_for(&b, t, 2);
    assert_in_range(n, 190, 215);
    /* it lets go when it reaches the rate it was slowed from */
    for (int i = 1; i < 10; i++) {
        pace_bucket_accept(&b, t + i * PACE_SPEEDUP_AFTER);
    }
    assert_true(b.rate == 0);
    assert_true(pace_bucket_plain(&b));
}

static void
test_pace_low_limit_floor(void **state)
{
    struct pace_bucket b;

    (void)state;
    pace_bucket_init(&b, 0.5, 0);
    pace_bucket_slow(&b, 10);
    /* never below its own limit when the limit is under the floor */
    assert_true(b.rate == 0.5);
}

static void
test_pace_backoff(void **state)
{
    struct pace_backoff b;

    (void)state;
    pace_backoff_init(&b);
    assert_true(pace_backoff_ready(&b, 0));
    pace_backoff_fail(&b, 10);
    assert_false(pace_backoff_ready(&b, 10.5));
    assert_true(pace_backoff_ready(&b, 11));
    /* a failure seen while skipped does not stretch the delay */
    pace_backoff_fail(&b, 10.9);
    assert_true(pace_backoff_ready(&b, 11));
    pace_backoff_fail(&b, 11);
    assert_false(pace_backoff_ready(&b, 12.9));
    assert_true(pace_backoff_ready(&b, 13));
    for (int i = 0; i < 20; i++) {
        pace_backoff_fail(&b, 1000 + i * 100);
    }
    assert_true(b.until == 1000 + 19 * 100 + PACE_BACKOFF_MAX);
    pace_backoff_ok(&b);
    pace_backoff_fail(&b, 5000);
    assert_true(b.until == 5000 + PACE_BACKOFF_FIRST);
}

static void
test_pace_domains(void **state)
{
    char d1[] = "gmail.com";
    char d2[] = "Yahoo.COM";
    struct config_domain_rate rates[] = {{d1, 10}, {d2, 5}};
    struct pace_domains t;
    struct pace_bucket *b;
    char name[64];

    (void)state;
    pace_domains_init(&t, rates, 2, 0);
    b = pace_domains_get(&t, "GMAIL.com", false, 0);
    assert_non_null(b);
    assert_true(b->limit == 10);
    assert_non_null(pace_domains_get(&t, "yahoo.com", false, 0));
    assert_null(pace_domains_get(&t, "example.org", false, 0));
    /* many slowed domains: the table grows and finds them all */
    for (int i = 0; i < 500; i++) {
        snprintf(name, sizeof(name), "d%d.example", i);
        b = pace_domains_get(&t, name, true, 0);
        assert_non_null(b);
        if (i % 2 == 0) {
            pace_bucket_slow(b, 10);
        }
    }
    assert_int_equal(t.count, 502);
    pace_domains_prune(&t);
    /* the configured two and the 250 slowed ones stay */
    assert_int_equal(t.count, 252);
    assert_non_null(pace_domains_get(&t, "d4.example", false, 0));
    assert_null(pace_domains_get(&t, "d5.example", false, 0));
    assert_non_null(pace_domains_get(&t, "gmail.com", false, 0));
    pace_domains_release(&t);
    pace_domains_release(NULL);
}

static void
test_pace_domain_of(void **state)
{
    (void)state;
    assert_string_equal(pace_domain_of("a@b.example"), "b.example");
    assert_string_equal(pace_domain_of("\"a@x\"@b.example"), "b.example");
    assert_string_equal(pace_domain_of("nobody"), "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pace_unlimited),
        cmocka_unit_test(test_pace_rate),
        cmocka_unit_test(test_pace_slow_and_recover),
        cmocka_unit_test(test_pace_slow_unlimited),
        cmocka_unit_test(test_pace_low_limit_floor),
        cmocka_unit_test(test_pace_backoff),
        cmocka_unit_test(test_pace_domains),
        cmocka_unit_test(test_pace_domain_of),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
