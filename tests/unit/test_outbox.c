/*
 * test_outbox: Maildir layout, one file per message with LF line ends and
 * a Return-Path, unique names, and the transport shape over it.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "unit.h"
#include "outbox.h"
#include "transport.h"
#include "config.h"

static size_t
count_files(const char *dir, const char *sub, char *first, size_t size)
{
    char path[512];
    DIR *d;
    struct dirent *e;
    size_t n = 0;

    snprintf(path, sizeof(path), "%s/%s", dir, sub);
    d = opendir(path);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        if (n == 0 && first != NULL) {
            snprintf(first, size, "%s/%s", path, e->d_name);
        }
        n++;
    }
    closedir(d);
    return n;
}

static void
test_outbox_write(void **state)
{
    char *tmp = unit_tmpdir();
    char dir[512];
    char file[1024];
    struct outbox *ob = NULL;
    struct transport_outcome res;
    struct merr err;
    struct transport_msg m = {
        .from = "bounces+abc@example.org",
        .rcpt = "ana@example.net",
        .data =
            "Subject: hi\r\nTo: ana@example.net\r\n\r\nline 1\r\nlone\rcr\r\n",
        .cookie = 42,
    };
    struct stat st;
    bool ok[1];
    char *got;
    size_t len;

    (void)state;
    m.len = strlen(m.data);
    snprintf(dir, sizeof(dir), "%s/deep/outbox", tmp);
    assert_int_equal(outbox_open(dir, &ob, &err), 0);
    assert_string_equal(outbox_dir(ob), dir);
    assert_int_equal(outbox_write(ob, &m, &res, &err), 0);
    /* written, not delivered: nothing in new/ before the sync */
    assert_int_equal(outbox_pending(ob), 1);
    assert_int_equal(count_files(dir, "new", NULL, 0), 0);
    assert_int_equal(count_files(dir, "tmp", NULL, 0), 1);
    ok[0] = false;
    assert_int_equal(outbox_sync(ob, ok, &err), 0);
    assert_true(ok[0]);
    assert_int_equal(outbox_pending(ob), 0);
    assert_int_equal(res.status, SEND_OK);
    assert_true(res.cookie == 42);
    assert_true(strncmp(res.reply, "new/", 4) == 0);
    assert_int_equal(count_files(dir, "new", file, sizeof(file)), 1);
    assert_int_equal(count_files(dir, "tmp", NULL, 0), 0);
    assert_int_equal(count_files(dir, "cur", NULL, 0), 0);
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    got = unit_slurp(file, &len);
    assert_string_equal(got, "Return-Path: <bounces+abc@example.org>\n"
                             "Subject: hi\nTo: ana@example.net\n\nline 1\n"
                             "lone\rcr\n");
    free(got);
    /* a second message gets another name */
    m.data = "Subject: x\r\n\r\nno final line end";
    m.len = strlen(m.data);
    assert_int_equal(outbox_write(ob, &m, &res, &err), 0);
    assert_int_equal(outbox_sync(ob, ok, &err), 0);
    assert_int_equal(count_files(dir, "new", NULL, 0), 2);
    /* written and never synced: removed, not delivered */
    assert_int_equal(outbox_write(ob, &m, &res, &err), 0);
    outbox_free(ob);
    assert_int_equal(count_files(dir, "new", NULL, 0), 2);
    assert_int_equal(count_files(dir, "tmp", NULL, 0), 0);
    outbox_free(NULL);
    unit_rmtree(tmp);
    free(tmp);
}

static void
test_outbox_unwritable(void **state)
{
    struct outbox *ob = NULL;
    struct merr err;

    (void)state;
    assert_int_equal(outbox_open("/proc/nope/outbox", &ob, &err), MERR_IO);
    assert_null(ob);
    assert_non_null(strstr(err.msg, "/proc/nope"));
}

static void
test_outbox_transport(void **state)
{
    char *tmp = unit_tmpdir();
    char dir[512];
    struct config cfg;
    struct transport *t = NULL;
    struct transport_opts opts;
    struct transport_outcome out[8];
    struct merr err;
    struct transport_msg m = {
        .from = "b@example.org",
        .rcpt = "x@example.net",
        .data = "Subject: x\r\n\r\nbody\r\n",
    };
    size_t n;

    (void)state;
    m.len = strlen(m.data);
    snprintf(dir, sizeof(dir), "%s/outbox", tmp);
    memset(&cfg, 0, sizeof(cfg));
    memset(&opts, 0, sizeof(opts));
    opts.outbox = dir;
    assert_int_equal(transport_open(&cfg, NULL, &opts, &t, &err), 0);
    assert_false(transport_is_smtp(t));
    assert_non_null(strstr(transport_describe(t), "outbox"));
    for (int i = 0; i < 5; i++) {
        m.cookie = (uint64_t)i + 100;
        assert_int_equal(transport_submit(t, &m, &err), 0);
    }
    assert_int_equal(transport_inflight(t), 5);
    /* a batch is synced when the caller waits (or it is full or old) */
    assert_int_equal(count_files(dir, "new", NULL, 0), 0);
    n = transport_collect(t, out, 3, 1);
    assert_int_equal(n, 3);
    assert_int_equal(count_files(dir, "new", NULL, 0), 5);
    assert_true(out[0].cookie == 100 && out[2].cookie == 102);
    n = transport_collect(t, out, 8, 0);
    assert_int_equal(n, 2);
    assert_true(out[1].cookie == 104);
    assert_int_equal(out[1].status, SEND_OK);
    assert_string_equal(transport_status_str(out[1].status), "ok");
    assert_int_equal(transport_inflight(t), 0);
    assert_int_equal(count_files(dir, "new", NULL, 0), 5);
    /* addresses that would break the envelope or the Return-Path */
    m.rcpt = "a b@example.net";
    assert_int_equal(transport_submit(t, &m, &err), MERR_INVALID);
    m.rcpt = "";
    assert_int_equal(transport_submit(t, &m, &err), MERR_INVALID);
    m.rcpt = "x@example.net";
    m.from = "a>\r\nX-Evil: 1";
    assert_int_equal(transport_submit(t, &m, &err), MERR_INVALID);
    transport_free(t);
    transport_free(NULL);
    unit_rmtree(tmp);
    free(tmp);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outbox_write),
        cmocka_unit_test(test_outbox_unwritable),
        cmocka_unit_test(test_outbox_transport),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
