/*
 * test_dispatch: the SMTP pool's scheduling on a fake clock: shares,
 * pacing, what each kind of result leads to (outcome or retry), relay
 * backoff and failover, slow-down and recovery, backpressure.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "unit.h"
#include "dispatch.h"

static struct dispatch *
make(const struct dispatch_relay_conf *relays, size_t n, double rate,
     size_t capacity)
{
    struct dispatch_opts o;

    memset(&o, 0, sizeof(o));
    o.relays = relays;
    o.nrelays = n;
    o.rate = rate;
    o.capacity = capacity;
    o.max_tries = 3;
    return dispatch_new(&o, 0);
}

static void
submit(struct dispatch *d, uint64_t cookie, const char *rcpt)
{
    struct transport_msg m = {"b@example.org", rcpt, "Subject: x\r\n\r\nx\r\n",
                              17, cookie};

    assert_int_equal(dispatch_submit(d, &m), 0);
}

static struct dispatch_job *
next(struct dispatch *d, double now)
{
    double wait;

    return dispatch_next(d, now, &wait);
}

static void
done(struct dispatch *d, struct dispatch_job *j, enum dispatch_kind k, int code,
     double now)
{
    struct dispatch_result r = {k, code, false, "text"};

    dispatch_done(d, j, &r, now);
}

static struct transport_outcome
one_outcome(struct dispatch *d)
{
    struct transport_outcome o[2];

    assert_int_equal(dispatch_collect(d, o, 2, 0), 1);
    return o[0];
}

static void
test_dispatch_shares(void **state)
{
    struct dispatch_relay_conf r[3] = {{"a", 5, 0}, {"b", 3, 0}, {"c", 2, 0}};
    struct dispatch *d = make(r, 3, 0, 100);
    unsigned per[3] = {0, 0, 0};
    struct transport_outcome out[100];

    (void)state;
    for (uint64_t i = 0; i < 100; i++) {
        submit(d, i, "x@example.net");
    }
    for (int i = 0; i < 100; i++) {
        struct dispatch_job *j = next(d, 1);

        assert_non_null(j);
        assert_string_equal(j->domain, "example.net");
        per[j->relay]++;
        done(d, j, DISPATCH_ACCEPTED, 250, 1);
    }
    assert_null(next(d, 1));
    assert_int_equal(per[0], 50);
    assert_int_equal(per[1], 30);
    assert_int_equal(per[2], 20);
    assert_int_equal(dispatch_inflight(d), 100);
    assert_int_equal(dispatch_collect(d, out, 100, 0), 100);
    assert_int_equal(out[0].status, SEND_OK);
    assert_true(out[99].cookie == 99);
    assert_int_equal(dispatch_inflight(d), 0);
    dispatch_free(d);
}

static void
test_dispatch_overall_rate(void **state)
{
    struct dispatch_relay_conf r = {"a", 1, 0};
    struct dispatch *d = make(&r, 1, 10, 100);
    struct dispatch_job *j;
    double wait = 0;
    unsigned n = 0;

    (void)state;
    for (uint64_t i = 0; i < 50; i++) {
        submit(d, i, "x@example.net");
    }
    /* 10 per second: about 20 in two seconds (plus a burst of one) */
    for (double t = 0; t < 2; t += 0.01) {
        for (;;) {
            j = dispatch_next(d, t, &wait);
            if (j == NULL) {
                break;
            }
            n++;
            done(d, j, DISPATCH_ACCEPTED, 250, t);
        }
        assert_true(wait > 0 && wait <= 0.1);
    }
    assert_in_range(n, 20, 21);
    dispatch_free(d);
}

static void
test_dispatch_domain_rate(void **state)
{
    struct dispatch_relay_conf r = {"a", 1, 0};
    char slow[] = "slow.example";
    struct config_domain_rate dr = {slow, 1};
    struct dispatch_opts o;
    struct dispatch *d;
    struct dispatch_job *j;

    (void)state;
    memset(&o, 0, sizeof(o));
    o.relays = &r;
    o.nrelays = 1;
    o.domain_rates = &dr;
    o.ndomain_rates = 1;
    o.capacity = 10;
    o.max_tries = 3;
    d = dispatch_new(&o, 0);
    submit(d, 1, "a@slow.example");
    submit(d, 2, "b@SLOW.example");
    submit(d, 3, "c@fast.example");
    j = next(d, 0);
    assert_true(j->cookie == 1);
    done(d, j, DISPATCH_ACCEPTED, 250, 0);
    /* the second slow one waits; the fast one goes past it */
    j = next(d, 0.1);
    assert_true(j->cookie == 3);
    done(d, j, DISPATCH_ACCEPTED, 250, 0.1);
    assert_null(next(d, 0.5));
    j = next(d, 1.0);
    assert_true(j->cookie == 2);
    done(d, j, DISPATCH_ACCEPTED, 250, 1.0);
    dispatch_free(d);
}

/* 421: the relay slows down and is skipped, the message goes again. */
static void
test_dispatch_421_retry(void **state)
{
    struct dispatch_relay_conf r[2] = {{"a", 1, 0}, {"b", 1, 0}};
    struct dispatch *d = make(r, 2, 0, 10);
    struct dispatch_job *j;
    struct transport_outcome o;
    unsigned first;

    (void)state;
    submit(d, 7, "x@example.net");
    j = next(d, 10);
    first = j->relay;
    done(d, j, DISPATCH_REPLY, 421, 10);
    assert_int_equal(dispatch_collect(d, &o, 1, 0), 0);
    assert_true(dispatch_relay_rate(d, first) > 0);
    /* retried at once, on the other relay */
    j = next(d, 10);
    assert_non_null(j);
    assert_int_equal(j->relay, 1 - first);
    assert_int_equal(j->tries, 2);
    done(d, j, DISPATCH_ACCEPTED, 250, 10);
    o = one_outcome(d);
    assert_int_equal(o.status, SEND_OK);
    assert_int_equal(o.tries, 2);
    assert_int_equal(o.relay, 1 - first);
    dispatch_free(d);
}

/* A single relay answering 421 every time: deferred after max_tries. */
static void
test_dispatch_421_gives_up(void **state)
{
    struct dispatch_relay_conf r = {"a", 1, 0};
    struct dispatch *d = make(&r, 1, 0, 10);
    struct dispatch_job *j;
    struct transport_outcome o;
    double t = 0;
    int tries = 0;

    (void)state;
    submit(d, 1, "x@example.net");
    while (dispatch_collect(d, &o, 1, 0) == 0) {
        j = next(d, t);
        if (j != NULL) {
            tries++;
            done(d, j, DISPATCH_REPLY, 421, t);
        }
        t += 0.5;
        assert_true(t < 100);
    }
    assert_int_equal(tries, 3);
    assert_int_equal(o.status, SEND_TEMPFAIL);
    assert_int_equal(o.code, 421);
    assert_int_equal(o.tries, 3);
    dispatch_free(d);
}

/* Every relay keeps failing: the backlog is deferred at once. */
static void
test_dispatch_all_failing(void **state)
{
    struct dispatch_relay_conf r = {"a", 1, 0};
    struct dispatch *d = make(&r, 1, 0, 10);
    struct transport_outcome out[10];
    struct dispatch_job *j;
    double t = 0;
    size_t n = 0;

    (void)state;
    for (uint64_t i = 0; i < 5; i++) {
        submit(d, i, "x@example.net");
    }
    while (n < 5) {
        j = next(d, t);
        if (j != NULL) {
            done(d, j, DISPATCH_NO_CONNECT, 0, t);
        }
        n += dispatch_collect(d, out + n, 10 - n, 0);
        t += 0.25;
        assert_true(t < 30);
    }
    /* three failures (1 + 2 s of backoff), then no more waiting */
    assert_true(t < 5);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(out[i].status, SEND_TEMPFAIL);
    }
    assert_non_null(strstr(out[4].reply, "no relay available"));
    dispatch_free(d);
}

/* A relay that refuses the login (535) fails the session, not the
 * message: deferred, with no code the queue would take as permanent. */
static void
test_dispatch_auth_refused(void **state)
{
    struct dispatch_relay_conf r = {"a", 1, 0};
    struct dispatch *d = make(&r, 1, 0, 10);
    struct dispatch_result res = {DISPATCH_NO_CONNECT, 535, false,
                                  "535 5.7.8 Error: authentication failed"};
    struct transport_outcome o;
    struct dispatch_job *j;
    double t = 0;

    (void)state;
    submit(d, 1, "x@example.net");
    while (dispatch_collect(d, &o, 1, 0) == 0) {
        j = next(d, t);
        if (j != NULL) {
            dispatch_done(d, j, &res, t);
        }
        t += 0.25;
        assert_true(t < 30);
    }
    assert_int_equal(o.status, SEND_TEMPFAIL);
    assert_int_equal(o.code, 0);
    assert_string_equal(o.enhanced, "");
    assert_non_null(strstr(o.reply, "535 5.7.8"));
    dispatch_free(d);
}

static void
test_dispatch_no_connect_failover(void **state)
{
    struct dispatch_relay_conf r[2] = {{"a", 1, 0}, {"b", 1, 0}};
    struct dispatch *d = make(r, 2, 0, 10);
    struct dispatch_job *j;

    (void)state;
    submit(d, 1, "x@example.net");
    submit(d, 2, "y@example.net");
    j = next(d, 0);
    assert_int_equal(j->relay, 0);
    done(d, j, DISPATCH_NO_CONNECT, 0, 0);
    /* relay a is skipped while it recovers: both go to b */
    j = next(d, 0.1);
    assert_int_equal(j->relay, 1);
    assert_true(j->cookie == 1);
    done(d, j, DISPATCH_ACCEPTED, 250, 0.1);
    j = next(d, 0.2);
    assert_int_equal(j->relay, 1);
    done(d, j, DISPATCH_ACCEPTED, 250, 0.2);
    dispatch_free(d);
}

static void
test_dispatch_outcomes(void **state)
{
    struct dispatch_relay_conf r = {"a", 1, 0};
    struct dispatch *d = make(&r, 1, 0, 10);
    struct dispatch_job *j;
    struct dispatch_result res = {DISPATCH_REPLY, 550, false,
                                  "550 5.1.1 <x@example.net>: no such user"};
    struct transport_outcome o;

    (void)state;
    submit(d, 1, "x@example.net");
    j = next(d, 0);
    dispatch_done(d, j, &res, 0);
    o = one_outcome(d);
    assert_int_equal(o.status, SEND_PERMFAIL);
    assert_int_equal(o.code, 550);
    assert_string_equal(o.enhanced, "5.1.1");
    assert_string_equal(o.reply, "550 5.1.1 <x@example.net>: no such user");
    assert_int_equal(o.tries, 1);

    /* 450: deferred, and that domain slowed down */
    submit(d, 2, "x@grey.example");
    j = next(d, 10);
    assert_true(dispatch_domain_rate(d, "grey.example") < 0);
    done(d, j, DISPATCH_REPLY, 450, 10);
    o = one_outcome(d);
    assert_int_equal(o.status, SEND_TEMPFAIL);
    assert_int_equal(o.code, 450);
    assert_true(dispatch_domain_rate(d, "grey.example") > 0);
    assert_true(dispatch_relay_rate(d, 0) == 0);

    /* 452: deferred, and the relay slowed down */
    submit(d, 3, "x@example.net");
    j = next(d, 20);
    done(d, j, DISPATCH_REPLY, 452, 20);
    assert_int_equal(one_outcome(d).status, SEND_TEMPFAIL);
    assert_true(dispatch_relay_rate(d, 0) > 0);

    /* lost after the data: uncertain, never retried */
    submit(d, 4, "x@example.net");
    j = next(d, 30);
    done(d, j, DISPATCH_LOST_AFTER_DATA, 0, 30);
    o = one_outcome(d);
    assert_int_equal(o.status, SEND_UNCERTAIN);
    assert_int_equal(o.code, 0);
    assert_null(next(d, 40));

    /* dropped before the end: retried */
    submit(d, 5, "x@example.net");
    j = next(d, 50);
    done(d, j, DISPATCH_DROPPED, 0, 50);
    assert_int_equal(dispatch_collect(d, &o, 1, 0), 0);
    j = next(d, 60);
    assert_non_null(j);
    assert_true(j->cookie == 5);
    done(d, j, DISPATCH_ACCEPTED, 250, 60);
    assert_int_equal(one_outcome(d).status, SEND_OK);
    dispatch_free(d);
}

/* The relay comes back to full speed as it accepts again. */
static void
test_dispatch_recovery(void **state)
{
    struct dispatch_relay_conf r = {"a", 1, 100};
    struct dispatch *d = make(&r, 1, 0, 1000);
    struct dispatch_job *j;
    struct transport_outcome out[64];
    double t;

    (void)state;
    submit(d, 1, "x@example.net");
    j = next(d, 0);
    done(d, j, DISPATCH_REPLY, 452, 0);
    assert_true(dispatch_relay_rate(d, 0) == 50);
    for (t = 0; t < 60; t += 0.1) {
        submit(d, 2, "x@example.net");
        j = next(d, t);
        if (j != NULL) {
            done(d, j, DISPATCH_ACCEPTED, 250, t);
        }
        while (dispatch_collect(d, out, 64, 0) > 0) {
        }
    }
    assert_true(dispatch_relay_rate(d, 0) == 100);
    dispatch_free(d);
}

/* Three timeouts in a row count as a relay failure. */
static void
test_dispatch_timeouts(void **state)
{
    struct dispatch_relay_conf r[2] = {{"a", 1, 0}, {"b", 1000, 0}};
    struct dispatch *d = make(r, 2, 0, 10);
    struct dispatch_result res = {DISPATCH_LOST_AFTER_DATA, 0, true, "t"};
    struct transport_outcome out[4];
    struct dispatch_job *j;
    int on_a = 0;

    (void)state;
    /* send to "a" only by making "b" look busy: shares 1:1000, so pick
     * until "a" comes up, three times */
    for (uint64_t i = 0; on_a < 3 && i < 5000; i++) {
        submit(d, i, "x@example.net");
        j = next(d, 0);
        if (j->relay == 0) {
            on_a++;
            dispatch_done(d, j, &res, 0);
        } else {
            done(d, j, DISPATCH_ACCEPTED, 250, 0);
        }
        while (dispatch_collect(d, out, 4, 0) > 0) {
        }
    }
    assert_int_equal(on_a, 3);
    /* now "a" is skipped for a while */
    for (uint64_t i = 0; i < 3000; i++) {
        submit(d, i, "x@example.net");
        j = next(d, 0.5);
        assert_int_equal(j->relay, 1);
        done(d, j, DISPATCH_ACCEPTED, 250, 0.5);
        while (dispatch_collect(d, out, 4, 0) > 0) {
        }
    }
    dispatch_free(d);
}

struct bp {
    struct dispatch *d;
    volatile int submitted;
};

static void *
bp_thread(void *arg)
{
    struct bp *b = arg;

    submit(b->d, 99, "x@example.net");
    b->submitted = 1;
    return NULL;
}

/* Submitting blocks while capacity messages are queued or in flight. */
static void
test_dispatch_backpressure(void **state)
{
    struct dispatch_relay_conf r = {"a", 1, 0};
    struct dispatch *d = make(&r, 1, 0, 2);
    struct bp b = {d, 0};
    struct dispatch_job *j;
    pthread_t th;
    struct timespec ts = {0, 50 * 1000 * 1000};
    struct transport_outcome out[4];

    (void)state;
    submit(d, 1, "x@example.net");
    submit(d, 2, "x@example.net");
    assert_int_equal(pthread_create(&th, NULL, bp_thread, &b), 0);
    nanosleep(&ts, NULL);
    assert_int_equal(b.submitted, 0);
    j = next(d, 0);
    done(d, j, DISPATCH_ACCEPTED, 250, 0);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(b.submitted, 1);
    assert_int_equal(dispatch_inflight(d), 3);
    assert_true(dispatch_has_backlog(d));
    /* a job held by a slot at shutdown is simply dropped */
    j = next(d, 0);
    dispatch_abandon(d, j);
    assert_int_equal(dispatch_collect(d, out, 4, 10), 1);
    dispatch_free(d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dispatch_shares),
        cmocka_unit_test(test_dispatch_overall_rate),
        cmocka_unit_test(test_dispatch_domain_rate),
        cmocka_unit_test(test_dispatch_421_retry),
        cmocka_unit_test(test_dispatch_421_gives_up),
        cmocka_unit_test(test_dispatch_all_failing),
        cmocka_unit_test(test_dispatch_auth_refused),
        cmocka_unit_test(test_dispatch_no_connect_failover),
        cmocka_unit_test(test_dispatch_outcomes),
        cmocka_unit_test(test_dispatch_recovery),
        cmocka_unit_test(test_dispatch_timeouts),
        cmocka_unit_test(test_dispatch_backpressure),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
