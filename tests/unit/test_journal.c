/*
 * test_journal: the send journal read back: handed and outcomes, the last
 * outcome wins, rotation keeps what is in flight and what is not
 * committed (appended as a block, or a new file once the file is large),
 * a cut last line, a cut rotation block, a version 1 journal, another
 * boot's journal not trusted, what a process killed outright wrote, no
 * room for the file.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "journal.h"
#include "queue.h"
#include "util.h"

static char *
jpath(const char *dir)
{
    static char p[512];

    snprintf(p, sizeof(p), "%s/j", dir);
    return p;
}

/* Write text to the journal file: mode "w" replaces it, "a" appends. */
static void
put_text(const char *dir, const char *mode, const char *text)
{
    FILE *f = fopen(jpath(dir), mode);

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static struct journal_outcome
outcome(int64_t sub, int state, int code, const char *reply)
{
    struct journal_outcome o;

    memset(&o, 0, sizeof(o));
    o.subscriber_id = sub;
    o.state = state;
    o.code = code;
    o.next_try = 1795874666;
    o.suppress = code == 550;
    o.relay = 1;
    (void)util_strlcpy(o.reply, reply, sizeof(o.reply));
    return o;
}

/* Each test has a directory of its own for its journal. */
static int
setup(void **state)
{
    *state = unit_tmpdir();
    return *state == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
    unit_rmtree(*state);
    free(*state);
    return 0;
}

static void
test_journal_replay(void **state)
{
    const char *dir = *state;
    struct journal *j = NULL;
    struct journal_replay r;
    struct merr err = {0};
    struct journal_outcome o;

    assert_int_equal(journal_open(jpath(dir), &j, &err), 0);
    assert_int_equal(journal_handed(j, 1, &err), 0);
    assert_int_equal(journal_handed(j, 2, &err), 0);
    assert_int_equal(journal_handed(j, 3, &err), 0);
    o = outcome(1, QUEUE_SENT, 250, "250 2.0.0 Ok: queued\nas X");
    assert_int_equal(journal_outcome(j, &o, &err), 0);
    o = outcome(3, QUEUE_FAILED, 550, "550 5.1.1 unknown");
    assert_int_equal(journal_outcome(j, &o, &err), 0);
    journal_close(j, false);

    assert_int_equal(journal_read(jpath(dir), &r, &err), 0);
    assert_true(r.trusted);
    assert_int_equal(r.nhanded, 1); /* 2: handed, no outcome */
    assert_int_equal(r.handed[0], 2);
    assert_int_equal(r.noutcomes, 2);
    assert_int_equal(r.outcomes[0].subscriber_id, 1);
    assert_int_equal(r.outcomes[0].state, QUEUE_SENT);
    assert_int_equal(r.outcomes[0].relay, 1);
    /* the reply stays on its line */
    assert_string_equal(r.outcomes[0].reply, "250 2.0.0 Ok: queued?as X");
    assert_true(r.outcomes[1].suppress);
    assert_int_equal(r.outcomes[1].next_try, 1795874666);
    journal_replay_release(&r);
}

static void
test_journal_rotate(void **state)
{
    const char *dir = *state;
    struct journal *j = NULL;
    struct journal_replay r;
    struct merr err = {0};
    struct journal_outcome o = outcome(9, QUEUE_DEFERRED, 451, "451 later");
    const struct journal_outcome *outs[] = {&o};
    const int64_t inflight[] = {7, 8};

    assert_int_equal(journal_open(jpath(dir), &j, &err), 0);
    for (int64_t i = 1; i <= 10; i++) {
        assert_int_equal(journal_handed(j, i, &err), 0);
    }
    assert_int_equal(journal_rotate(j, inflight, 2, outs, 1, &err), 0);
    assert_int_equal(journal_handed(j, 11, &err), 0);
    journal_close(j, false);
    assert_int_equal(journal_read(jpath(dir), &r, &err), 0);
    assert_int_equal(r.nhanded, 3); /* 7, 8, 11 */
    assert_int_equal(r.noutcomes, 1);
    assert_int_equal(r.outcomes[0].subscriber_id, 9);
    journal_replay_release(&r);

    /* a clean end removes it: nothing to replay, trusted false */
    assert_int_equal(journal_open(jpath(dir), &j, &err), 0);
    journal_close(j, true);
    assert_int_equal(journal_read(jpath(dir), &r, &err), 0);
    assert_false(r.trusted);
    journal_replay_release(&r);
}

static void
test_journal_untrusted(void **state)
{
    const char *dir = *state;
    struct journal_replay r;
    struct merr err = {0};

    /* written before a reboot: not believed */
    put_text(dir, "w",
             "tocsin-journal 1 00000000-0000-0000-0000-000000000000\nh 1\n");
    assert_int_equal(journal_read(jpath(dir), &r, &err), 0);
    assert_false(r.trusted);
    assert_int_equal(r.nhanded, 0);
    journal_replay_release(&r);
    /* not a journal at all */
    put_text(dir, "w", "hello\n");
    assert_int_equal(journal_read(jpath(dir), &r, &err), MERR_PARSE);
}

static void
test_journal_cut_line(void **state)
{
    const char *dir = *state;
    struct journal *j = NULL;
    struct journal_replay r;
    struct merr err = {0};

    assert_int_equal(journal_open(jpath(dir), &j, &err), 0);
    assert_int_equal(journal_handed(j, 5, &err), 0);
    journal_close(j, false);
    /* the process died in the middle of a line */
    put_text(dir, "a", "o 5 2 25");
    assert_int_equal(journal_read(jpath(dir), &r, &err), 0);
    assert_true(r.trusted);
    assert_int_equal(r.nhanded, 1);
    assert_int_equal(r.noutcomes, 0);
    journal_replay_release(&r);
}

/* The journal's text: up to the first zero byte (the unwritten rest). */
static size_t
text_len(const char *path)
{
    FILE *f = fopen(path, "rb");
    size_t n = 0;
    int c;

    assert_non_null(f);
    while ((c = getc(f)) != EOF && c != 0) {
        n++;
    }
    fclose(f);
    return n;
}

/* This boot's id, as the journal records it. */
static void
this_boot(char *out, size_t size)
{
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

    assert_non_null(f);
    assert_non_null(fgets(out, (int)size, f));
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
}

static void
test_journal_cut_block(void **state)
{
    const char *dir = *state;
    struct journal *j = NULL;
    struct journal_replay r;
    struct merr err = {0};
    struct journal_outcome o = outcome(4, QUEUE_SENT, 250, "250 ok");
    const struct journal_outcome *outs[] = {&o};
    const int64_t inflight[] = {3};

    assert_int_equal(journal_open(jpath(dir), &j, &err), 0);
    for (int64_t i = 1; i <= 4; i++) {
        assert_int_equal(journal_handed(j, i, &err), 0);
    }
    /* two rotations: the last whole block and what follows it hold */
    assert_int_equal(journal_rotate(j, inflight, 1, outs, 1, &err), 0);
    assert_int_equal(journal_rotate(j, inflight, 1, NULL, 0, &err), 0);
    assert_int_equal(journal_handed(j, 5, &err), 0);
    journal_close(j, false);
    assert_int_equal(journal_read(jpath(dir), &r, &err), 0);
    assert_true(r.trusted);
    assert_int_equal(r.nhanded, 2); /* 3 and 5 */
    assert_int_equal(r.noutcomes, 0);
    journal_replay_release(&r);
    /* the process died while a rotation was written: the block has no
     * end, and what came before it still holds */
    put_text(dir, "a", "c\nh 9\no 3 2 250 0 0 1 250 ok\n");
    assert_int_equal(journal_read(jpath(dir), &r, &err), 0);
    assert_int_equal(r.nhanded, 2);
    assert_true(r.handed[0] == 3 || r.handed[1] == 3);
    assert_true(r.handed[0] == 5 || r.handed[1] == 5);
    assert_int_equal(r.noutcomes, 0);
    journal_replay_release(&r);
    /* its end written after all: the block is all that holds */
    put_text(dir, "a", "e\n");
    assert_int_equal(journal_read(jpath(dir), &r, &err), 0);
    assert_int_equal(r.nhanded, 1); /* 9 (3 came back) */
    assert_int_equal(r.handed[0], 9);
    assert_int_equal(r.noutcomes, 1);
    journal_replay_release(&r);
    /* an end without a start is not our writing */
    put_text(dir, "a", "e\n");
    assert_int_equal(journal_read(jpath(dir), &r, &err), MERR_PARSE);
}

static void
test_journal_compact(void **state)
{
    const char *dir = *state;
    struct journal *j = NULL;
    struct journal_replay r;
    struct merr err = {0};
    const int64_t inflight[] = {123456};
    size_t before;

    assert_int_equal(journal_open(jpath(dir), &j, &err), 0);
    /* a small journal: the rotation is appended */
    assert_int_equal(journal_handed(j, 1, &err), 0);
    before = text_len(jpath(dir));
    assert_int_equal(journal_rotate(j, inflight, 1, NULL, 0, &err), 0);
    assert_int_equal(text_len(jpath(dir)), before + strlen("c\nh 123456\ne\n"));
    /* past 4 MiB (450,000 lines of 10 bytes): the rotation starts a new,
     * small file */
    for (int64_t i = 1000000; i < 1450000; i++) {
        assert_int_equal(journal_handed(j, i, &err), 0);
    }
    assert_true(text_len(jpath(dir)) > 4 * 1024 * 1024);
    assert_int_equal(journal_rotate(j, inflight, 1, NULL, 0, &err), 0);
    assert_true(text_len(jpath(dir)) < 1024);
    assert_int_equal(journal_handed(j, 7, &err), 0);
    journal_close(j, false);
    assert_int_equal(journal_read(jpath(dir), &r, &err), 0);
    assert_true(r.trusted);
    assert_int_equal(r.nhanded, 2); /* 123456 and 7 */
    journal_replay_release(&r);
}

static void
test_journal_v1(void **state)
{
    const char *dir = *state;
    struct journal_replay r;
    struct merr err = {0};
    char boot[64];
    char text[256];

    /* left by the version before rotation blocks, in this boot */
    this_boot(boot, sizeof(boot));
    snprintf(text, sizeof(text),
             "tocsin-journal 1 %s\nh 1\nh 2\no 1 2 250 0 0 1 250 ok\n", boot);
    put_text(dir, "w", text);
    assert_int_equal(journal_read(jpath(dir), &r, &err), 0);
    assert_true(r.trusted);
    assert_int_equal(r.nhanded, 1);
    assert_int_equal(r.handed[0], 2);
    assert_int_equal(r.noutcomes, 1);
    journal_replay_release(&r);
    /* which has no blocks */
    put_text(dir, "a", "c\n");
    assert_int_equal(journal_read(jpath(dir), &r, &err), MERR_PARSE);
}

static void
test_journal_killed(void **state)
{
    const char *dir = *state;
    struct journal_replay r;
    struct merr err = {0};
    struct stat sb;
    int status = 0;
    pid_t pid;

    /* what a process killed outright copied into the mapping is there */
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct journal *j = NULL;
        struct journal_outcome o = outcome(1, QUEUE_SENT, 250, "250 ok");

        if (journal_open(jpath(dir), &j, &err) != 0 ||
            journal_handed(j, 1, &err) != 0 ||
            journal_handed(j, 2, &err) != 0 ||
            journal_outcome(j, &o, &err) != 0) {
            _exit(1);
        }
        raise(SIGKILL);
        _exit(2);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_int_equal(journal_read(jpath(dir), &r, &err), 0);
    assert_true(r.trusted);
    assert_int_equal(r.nhanded, 1);
    assert_int_equal(r.handed[0], 2);
    assert_int_equal(r.noutcomes, 1);
    assert_int_equal(r.outcomes[0].subscriber_id, 1);
    journal_replay_release(&r);
    /* a journal closed and kept has no unwritten rest */
    {
        struct journal *j = NULL;

        assert_int_equal(journal_open(jpath(dir), &j, &err), 0);
        assert_int_equal(journal_handed(j, 3, &err), 0);
        journal_close(j, false);
        assert_int_equal(stat(jpath(dir), &sb), 0);
        assert_int_equal((size_t)sb.st_size, text_len(jpath(dir)));
    }
}

static void
test_journal_no_room(void **state)
{
    const char *dir = *state;
    int status = 0;
    pid_t pid;

    /* no room for the journal (a file size limit stands in for a full
     * disk): an error from journal_open, not a signal on a store into
     * the mapping later */
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = {64 * 1024, 64 * 1024};
        struct journal *j = NULL;
        struct merr err = {0};
        int rc;

        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0) {
            _exit(3);
        }
        rc = journal_open(jpath(dir), &j, &err);
        _exit(rc == MERR_IO && j == NULL && strstr(err.msg, jpath(dir)) != NULL
                  ? 0
                  : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_journal_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal_rotate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal_untrusted, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_journal_cut_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal_cut_block, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_journal_compact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal_killed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal_no_room, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
