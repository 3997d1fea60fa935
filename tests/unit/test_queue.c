/*
 * test_queue: the delivery state machine, retry delays with a fake clock,
 * and what each transport outcome becomes.
 */
#include <string.h>

#include "unit.h"
#include "queue.h"
#include "util.h"

/* The clock seam (Makefile: WRAP_test_queue = util_now). */
int64_t __wrap_util_now(void);

int64_t
__wrap_util_now(void)
{
    return (int64_t)mock();
}

#define T0 1795874366 /* 2026-11-28T13:59:26Z */

static void
test_queue_state_names(void **state)
{
    enum queue_state s;

    (void)state;
    for (unsigned i = 0; i < QUEUE_NSTATES; i++) {
        assert_int_equal(queue_state_parse(queue_state_str(i), &s), 0);
        assert_int_equal(s, i);
    }
    assert_string_equal(queue_state_str(QUEUE_UNCERTAIN), "uncertain");
    assert_int_equal(queue_state_parse("lost", &s), MERR_INVALID);
}

static void
test_queue_transitions(void **state)
{
    (void)state;
    assert_true(queue_can_move(QUEUE_QUEUED, QUEUE_SENDING));
    assert_true(queue_can_move(QUEUE_SENDING, QUEUE_SENT));
    assert_true(queue_can_move(QUEUE_SENDING, QUEUE_DEFERRED));
    assert_true(queue_can_move(QUEUE_SENDING, QUEUE_FAILED));
    assert_true(queue_can_move(QUEUE_SENDING, QUEUE_UNCERTAIN));
    assert_true(queue_can_move(QUEUE_DEFERRED, QUEUE_SENDING));
    assert_true(queue_can_move(QUEUE_DEFERRED, QUEUE_EXPIRED));
    assert_true(queue_can_move(QUEUE_UNCERTAIN, QUEUE_QUEUED));
    assert_true(queue_can_move(QUEUE_SENT, QUEUE_BOUNCED));
    /* never sent twice by accident */
    assert_false(queue_can_move(QUEUE_SENT, QUEUE_SENDING));
    assert_false(queue_can_move(QUEUE_SENT, QUEUE_QUEUED));
    assert_false(queue_can_move(QUEUE_UNCERTAIN, QUEUE_SENDING));
    assert_false(queue_can_move(QUEUE_FAILED, QUEUE_SENDING));
    assert_false(queue_can_move(QUEUE_EXPIRED, QUEUE_SENDING));
    assert_false(queue_can_move(QUEUE_QUEUED, QUEUE_SENT));
    assert_false(queue_can_move(QUEUE_BOUNCED, QUEUE_SENT));
}

static void
test_queue_retry_delays(void **state)
{
    (void)state;
    assert_int_equal(queue_retry_delay(1), 300);
    assert_int_equal(queue_retry_delay(2), 600);
    assert_int_equal(queue_retry_delay(3), 1200);
    assert_int_equal(queue_retry_delay(4), 2400);
    assert_int_equal(queue_retry_delay(5), 3600);
    assert_int_equal(queue_retry_delay(50), 3600);
    assert_int_equal(queue_retry_delay(0), 300);
}

static void
decide(enum send_status st, int code, const char *enh, unsigned attempts,
       int64_t first, struct queue_decision *d)
{
    struct queue_result r = {.status = st, .code = code, .enhanced = enh};
    struct queue_row_info row = {.attempts = attempts, .first_try = first};

    will_return(__wrap_util_now, T0 + (int64_t)attempts * 60);
    queue_decide(&r, &row, 48, util_now(), d);
}

static void
test_queue_outcomes(void **state)
{
    struct queue_decision d;

    (void)state;
    decide(SEND_OK, 250, "2.0.0", 1, 0, &d);
    assert_int_equal(d.state, QUEUE_SENT);
    assert_false(d.suppress);

    decide(SEND_TEMPFAIL, 451, "4.3.0", 1, 0, &d);
    assert_int_equal(d.state, QUEUE_DEFERRED);
    assert_int_equal(d.next_try, T0 + 60 + 300);

    /* a refused connection or a timeout has no code: deferred too */
    decide(SEND_TEMPFAIL, 0, "", 3, T0, &d);
    assert_int_equal(d.state, QUEUE_DEFERRED);
    assert_int_equal(d.next_try, T0 + 180 + 1200);

    decide(SEND_PERMFAIL, 550, "5.1.1", 1, 0, &d);
    assert_int_equal(d.state, QUEUE_FAILED);
    assert_true(d.suppress);
    decide(SEND_PERMFAIL, 550, "5.1.2", 1, 0, &d);
    assert_true(d.suppress);
    decide(SEND_PERMFAIL, 553, "5.1.3", 1, 0, &d);
    assert_true(d.suppress);
    /* a policy refusal fails the delivery but keeps the address */
    decide(SEND_PERMFAIL, 550, "5.7.1", 1, 0, &d);
    assert_int_equal(d.state, QUEUE_FAILED);
    assert_false(d.suppress);
    decide(SEND_PERMFAIL, 552, "5.2.2", 1, 0, &d);
    assert_false(d.suppress);
    decide(SEND_PERMFAIL, 550, "5.1.10", 1, 0, &d);
    assert_false(d.suppress);

    decide(SEND_UNCERTAIN, 0, "", 1, 0, &d);
    assert_int_equal(d.state, QUEUE_UNCERTAIN);
    /* uncertain stays uncertain even if a stray code came with it */
    decide(SEND_UNCERTAIN, 451, "", 1, 0, &d);
    assert_int_equal(d.state, QUEUE_UNCERTAIN);

    /* the reply code wins over a transport's guess */
    decide(SEND_TEMPFAIL, 554, "5.0.0", 1, 0, &d);
    assert_int_equal(d.state, QUEUE_FAILED);
    decide(SEND_PERMFAIL, 421, "4.7.0", 1, 0, &d);
    assert_int_equal(d.state, QUEUE_DEFERRED);
}

static void
test_queue_gives_up(void **state)
{
    struct queue_result r = {.status = SEND_TEMPFAIL, .code = 451};
    struct queue_row_info row = {.attempts = 1, .first_try = T0};
    struct queue_decision d;
    int64_t now = T0;
    unsigned tries = 1;

    (void)state;
    /* retry as the schedule says until 48 hours have passed */
    for (;;) {
        row.attempts = tries;
        queue_decide(&r, &row, 48, now, &d);
        if (d.state != QUEUE_DEFERRED) {
            break;
        }
        assert_true(d.next_try > now);
        assert_true(d.next_try - now <= QUEUE_RETRY_MAX);
        assert_true(d.next_try <= T0 + 48 * 3600);
        now = d.next_try;
        tries++;
    }
    assert_int_equal(d.state, QUEUE_FAILED);
    assert_true(d.gave_up);
    assert_int_equal(now, T0 + 48 * 3600);
    /* 300+600+1200+2400 then hourly: about 49 tries in 48 hours */
    assert_true(tries > 40 && tries < 60);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue_state_names),
        cmocka_unit_test(test_queue_transitions),
        cmocka_unit_test(test_queue_retry_delays),
        cmocka_unit_test(test_queue_outcomes),
        cmocka_unit_test(test_queue_gives_up),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
