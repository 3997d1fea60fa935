/*
 * test_store_queue: enqueue from lists minus suppressions, streaming in
 * batches, claim, recovery of rows left sending, outcomes, counts.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "store.h"
#include "store_int.h"
#include "store_queue.h"
#include "util.h"

#define NOW 1795874366

static const char seed[] =
    "INSERT INTO lists (id, name, trusted, created) VALUES"
    " (1, 'a', 0, 0), (2, 'b', 1, 0);"
    "INSERT INTO subscribers (id, email, email_key, email_display, name,"
    " language, consent, status, created, updated) VALUES"
    " (1, 'ana@one.example', 'ana@one.example', 'ana@one.example', 'Ana',"
    "  'fr', 1, 'active', 0, 0),"
    " (2, 'bo@two.example', 'bo@two.example', 'bo@two.example', 'Bo',"
    "  'ar', NULL, 'active', 0, 0),"
    " (3, 'cy@one.example', 'cy@one.example', 'cy@one.example', 'Cy',"
    "  'en', 1, 'unsubscribed', 0, 0),"
    " (4, 'di@one.example', 'di@one.example', 'di@one.example', 'Di',"
    "  'en', 1, 'active', 0, 0),"
    " (5, 'ed@one.example', 'ed@one.example', 'ed@one.example', 'Ed',"
    "  'en', 0, 'active', 0, 0),"
    " (6, 'fa@two.example', 'fa@two.example', 'fa@two.example', 'Fa',"
    "  'ru', 1, 'active', 0, 0);"
    "INSERT INTO list_members (list_id, subscriber_id, added) VALUES"
    " (1, 1, 0), (1, 2, 0), (2, 2, 0), (1, 3, 0), (1, 4, 0), (1, 5, 0),"
    " (2, 6, 0);"
    "INSERT INTO suppressions (hash, email_key, reason, created) VALUES"
    " ('h4', 'di@one.example', 'manual', 0);"
    "INSERT INTO appeals (seq, id, content_hash, doc, created, updated)"
    " VALUES (1, 'x', 'h1', '{}', 0, 0);";

static int
setup(void **state)
{
    struct store *st = unit_store(seed);

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

static void
release_rows(struct store_queue_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        store_queue_row_release(&rows[i]);
    }
}

static const char *const list_a[] = {"a"};
static const char *const list_ab[] = {"a", "b"};

static void
test_store_queue_enqueue(void **state)
{
    struct store *st = *state;
    struct store_audience aud = {.lists = list_a, .nlists = 1};
    struct store_queue_row rows[4];
    struct merr err = {0};
    struct queue_counts c;
    int64_t after = 0;
    uint64_t added = 0;
    size_t n = 0;

    /* list a: Ana and Bo; Cy unsubscribed, Di suppressed, Ed no consent */
    assert_int_equal(store_queue_enqueue(st, 1, &aud, NOW, &added, &err), 0);
    assert_int_equal(added, 2);
    assert_int_equal(store_queue_enqueue(st, 1, &aud, NOW, &added, &err), 0);
    assert_int_equal(added, 0);
    /* both lists: Fa is new, Bo (in both) is not added twice */
    aud.lists = list_ab;
    aud.nlists = 2;
    assert_int_equal(store_queue_enqueue(st, 1, &aud, NOW, &added, &err), 0);
    assert_int_equal(added, 1);

    /* streamed in batches, in subscriber order */
    assert_int_equal(
        store_queue_next(st, 1, false, NOW, &after, rows, 2, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].subscriber_id, 1);
    assert_string_equal(rows[0].name, "Ana");
    assert_string_equal(rows[0].language, "fr");
    assert_int_equal(rows[1].subscriber_id, 2);
    release_rows(rows, n);
    assert_int_equal(
        store_queue_next(st, 1, false, NOW, &after, rows, 2, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].subscriber_id, 6);
    release_rows(rows, n);
    assert_int_equal(
        store_queue_next(st, 1, false, NOW, &after, rows, 2, &n, &err), 0);
    assert_int_equal(n, 0);

    assert_int_equal(store_queue_counts(st, 1, &aud, &c, &err), 0);
    assert_int_equal(c.by_state[QUEUE_QUEUED], 3);
    assert_int_equal(c.total, 3);
    assert_int_equal(c.suppressed, 3); /* Cy, Di, Ed */
    /* without the audience: the states only */
    assert_int_equal(store_queue_counts(st, 1, NULL, &c, &err), 0);
    assert_int_equal(c.by_state[QUEUE_QUEUED], 3);
    assert_int_equal(c.suppressed, 0);

    /* the audience of a dry run is the same people */
    after = 0;
    assert_int_equal(
        store_queue_audience_next(st, &aud, &after, rows, 4, &n, &err), 0);
    assert_int_equal(n, 3);
    release_rows(rows, n);
}

static void
claim(struct store *st, int64_t sub, bool want)
{
    struct merr err = {0};
    bool ok = !want;

    assert_int_equal(store_begin(st, &err), 0);
    assert_int_equal(
        store_queue_claim(st, 1, sub, "fr", "<m@x>", "h1", NOW, &ok, &err), 0);
    assert_int_equal(store_commit(st, &err), 0);
    assert_int_equal(ok, want);
}

static void
test_store_queue_claim_and_recover(void **state)
{
    struct store *st = *state;
    struct store_audience aud = {.lists = list_ab, .nlists = 2};
    struct merr err = {0};
    struct queue_counts c;
    uint64_t n = 0;

    claim(st, 1, true);
    claim(st, 1, false); /* already sending: never twice */
    /* the run died: sending -> uncertain, not sent again */
    assert_int_equal(store_queue_recover(st, 1, &n, &err), 0);
    assert_int_equal(n, 1);
    claim(st, 1, false);
    assert_int_equal(store_queue_counts(st, 1, &aud, &c, &err), 0);
    assert_int_equal(c.by_state[QUEUE_UNCERTAIN], 1);
    /* unless asked */
    assert_int_equal(store_queue_requeue_uncertain(st, 1, &n, &err), 0);
    assert_int_equal(n, 1);
    claim(st, 1, true);
}

static void
test_store_queue_outcomes(void **state)
{
    struct store *st = *state;
    struct store_audience aud = {.lists = list_ab, .nlists = 2};
    struct store_queue_outcome o[2];
    struct store_queue_row rows[4];
    struct merr err = {0};
    struct queue_counts c;
    int64_t after = 0;
    uint64_t n64 = 0;
    size_t n = 0;

    claim(st, 2, true);
    memset(o, 0, sizeof(o));
    o[0] = (struct store_queue_outcome){.subscriber_id = 1,
                                        .state = QUEUE_SENT,
                                        .code = 250,
                                        .reply = "250 ok",
                                        .relay = "outbox"};
    o[1] = (struct store_queue_outcome){.subscriber_id = 2,
                                        .state = QUEUE_DEFERRED,
                                        .code = 451,
                                        .reply = "451 later",
                                        .next_try = NOW + 300};
    assert_int_equal(store_begin(st, &err), 0);
    assert_int_equal(store_queue_record(st, 1, o, 2, NOW, &err), 0);
    assert_int_equal(store_commit(st, &err), 0);

    /* not due yet, then due */
    assert_int_equal(
        store_queue_next(st, 1, true, NOW + 299, &after, rows, 4, &n, &err), 0);
    assert_int_equal(n, 0);
    after = 0;
    assert_int_equal(
        store_queue_next(st, 1, true, NOW + 300, &after, rows, 4, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].attempts, 1);
    assert_int_equal(rows[0].first_try, NOW);
    release_rows(rows, n);
    assert_int_equal(store_queue_counts(st, 1, &aud, &c, &err), 0);
    assert_int_equal(c.next_try, NOW + 300);
    assert_int_equal(store_queue_retry_now(st, 1, NOW + 1, &n64, &err), 0);
    assert_int_equal(n64, 1);

    /* 5.1.1 on the retry: failed and suppressed */
    claim(st, 2, true);
    o[0] = (struct store_queue_outcome){.subscriber_id = 2,
                                        .state = QUEUE_FAILED,
                                        .code = 550,
                                        .reply = "550 5.1.1 unknown",
                                        .suppress_hash = "h2",
                                        .email_key = "bo@two.example"};
    assert_int_equal(store_begin(st, &err), 0);
    assert_int_equal(store_queue_record(st, 1, o, 1, NOW, &err), 0);
    assert_int_equal(store_commit(st, &err), 0);
    assert_int_equal(store_queue_counts(st, 1, &aud, &c, &err), 0);
    assert_int_equal(c.by_state[QUEUE_SENT], 1);
    assert_int_equal(c.by_state[QUEUE_FAILED], 1);
    assert_int_equal(c.by_state[QUEUE_QUEUED], 1);

    /* the people who got another version */
    assert_int_equal(store_queue_count_other_hash(st, 1, "h1", &n64, &err), 0);
    assert_int_equal(n64, 0);
    assert_int_equal(store_queue_count_other_hash(st, 1, "h2", &n64, &err), 0);
    assert_int_equal(n64, 1);

    /* not_after passed: the rest expire */
    assert_int_equal(store_queue_expire(st, 1, NOW, &n64, &err), 0);
    assert_int_equal(n64, 1);
    assert_int_equal(store_queue_counts(st, 1, &aud, &c, &err), 0);
    assert_int_equal(c.by_state[QUEUE_EXPIRED], 1);
}

static void
test_store_queue_domains(void **state)
{
    struct store *st = *state;
    struct store_audience aud = {.lists = list_ab, .nlists = 2};
    struct store_queue_count d[4];
    struct merr err = {0};
    size_t n = 0;

    /* Bo was suppressed above: Ana (one.example), Fa (two.example) */
    assert_int_equal(store_queue_audience_domains(st, &aud, d, 4, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(d[0].key, "one.example");
    assert_int_equal(d[0].n, 1);
    for (size_t i = 0; i < n; i++) {
        free(d[i].key);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_queue_enqueue),
        cmocka_unit_test(test_store_queue_claim_and_recover),
        cmocka_unit_test(test_store_queue_outcomes),
        cmocka_unit_test(test_store_queue_domains),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
