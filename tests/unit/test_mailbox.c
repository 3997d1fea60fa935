/*
 * test_mailbox: mailbox URLs, and a Maildir listed, read, marked and
 * expunged.  IMAP and POP3 are tested end to end against Dovecot
 * (tests/e2e/6x-*.sh).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "unit.h"
#include "mailbox.h"
#include "util.h"

static void
test_mailbox_url_parse(void **state)
{
    struct mailbox_url u;
    struct merr err = {0};

    (void)state;
    assert_int_equal(
        mailbox_url_parse("imaps://bounces@mail.example.org/INBOX", &u, &err),
        0);
    assert_string_equal(u.scheme, "imaps");
    assert_string_equal(u.user, "bounces");
    assert_string_equal(u.host, "mail.example.org");
    assert_int_equal(u.port, 993);
    assert_string_equal(u.folder, "INBOX");
    assert_true(u.tls);
    mailbox_url_release(&u);

    /* user with @ escaped or not, port, folder with escapes */
    assert_int_equal(mailbox_url_parse("imap://b%40example.org@127.0.0.1:1143/"
                                       "Bounces%2FDone",
                                       &u, &err),
                     0);
    assert_string_equal(u.user, "b@example.org");
    assert_string_equal(u.host, "127.0.0.1");
    assert_int_equal(u.port, 1143);
    assert_string_equal(u.folder, "Bounces/Done");
    assert_false(u.tls);
    mailbox_url_release(&u);
    assert_int_equal(
        mailbox_url_parse("pop3s://b@example.org@[::1]:9950", &u, &err), 0);
    assert_string_equal(u.user, "b@example.org");
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 9950);
    assert_string_equal(u.folder, "INBOX");
    mailbox_url_release(&u);
    assert_int_equal(mailbox_url_parse("pop3://b@h", &u, &err), 0);
    assert_int_equal(u.port, 110);
    mailbox_url_release(&u);

    /* refusals: each says what is wrong */
    assert_int_equal(mailbox_url_parse("mail.example.org", &u, &err),
                     MERR_USAGE);
    assert_int_equal(mailbox_url_parse("http://a@b/", &u, &err), MERR_USAGE);
    assert_non_null(strstr(err.msg, "scheme"));
    assert_int_equal(mailbox_url_parse("imaps://host/INBOX", &u, &err),
                     MERR_USAGE);
    assert_non_null(strstr(err.msg, "user"));
    assert_int_equal(mailbox_url_parse("imaps://u@:99/", &u, &err), MERR_USAGE);
    assert_int_equal(mailbox_url_parse("imaps://u@h:0/", &u, &err), MERR_USAGE);
    assert_int_equal(mailbox_url_parse("imaps://u@h:70000/", &u, &err),
                     MERR_USAGE);
    assert_int_equal(mailbox_url_parse("imaps://u@h:99x/", &u, &err),
                     MERR_USAGE);
    assert_int_equal(mailbox_url_parse("imaps://u%zz@h/", &u, &err),
                     MERR_USAGE);
    assert_int_equal(mailbox_url_parse("imaps://u%00@h/", &u, &err),
                     MERR_USAGE);
    assert_int_equal(mailbox_url_parse("imaps://u@h/INBOX?x", &u, &err),
                     MERR_USAGE);
    assert_int_equal(mailbox_url_parse("imaps://u@[::1/", &u, &err),
                     MERR_USAGE);
}

static void
put(const char *dir, const char *sub, const char *name, const char *text)
{
    char path[1024];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static bool
exists(const char *dir, const char *sub, const char *name)
{
    char path[1024];
    struct stat sb;

    snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
    return stat(path, &sb) == 0;
}

static char *
make_maildir(void)
{
    char *dir = unit_tmpdir();
    char path[1024];

    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir,
                 i == 0   ? "new"
                 : i == 1 ? "cur"
                          : "tmp");
        assert_int_equal(mkdir(path, 0700), 0);
    }
    put(dir, "new", "1700000001.M1P1.host", "Subject: one\n\nfirst\n");
    put(dir, "cur", "1700000002.M2P2.host:2,", "Subject: two\n\nsecond\n");
    return dir;
}

static size_t
find(const struct mailbox *mb, const char *source)
{
    for (size_t i = 0; i < mailbox_count(mb); i++) {
        if (strcmp(mailbox_source(mb, i), source) == 0) {
            return i;
        }
    }
    fail_msg("no message %s", source);
    return 0;
}

static void
test_mailbox_maildir_read_and_mark(void **state)
{
    char *dir = make_maildir();
    struct mailbox_opts o = {.kind = MAILBOX_MAILDIR, .url = dir};
    struct mailbox *mb = NULL;
    struct merr err = {0};
    struct buf b;
    size_t i;

    (void)state;
    assert_int_equal(mailbox_open(&o, &mb, &err), 0);
    assert_int_equal(mailbox_count(mb), 2);
    i = find(mb, "1700000001.M1P1.host");
    assert_string_equal(mailbox_key(mb, i), "maildir:1700000001.M1P1.host");
    buf_init(&b, TOCSIN_MAX_MAILBOX_MSG);
    assert_int_equal(mailbox_fetch(mb, i, &b, &err), 0);
    assert_string_equal(buf_str(&b), "Subject: one\n\nfirst\n");
    buf_reset(&b);
    i = find(mb, "1700000002.M2P2.host");
    assert_int_equal(mailbox_fetch(mb, i, &b, &err), 0);
    assert_string_equal(buf_str(&b), "Subject: two\n\nsecond\n");
    buf_release(&b);

    /* processed without expunge: moved to cur/ with the S flag */
    assert_int_equal(mailbox_mark(mb, find(mb, "1700000001.M1P1.host"), &err),
                     0);
    assert_int_equal(mailbox_mark(mb, find(mb, "1700000002.M2P2.host"), &err),
                     0);
    assert_int_equal(mailbox_finish(mb, &err), 0);
    mailbox_free(mb);
    assert_false(exists(dir, "new", "1700000001.M1P1.host"));
    assert_true(exists(dir, "cur", "1700000001.M1P1.host:2,S"));
    assert_true(exists(dir, "cur", "1700000002.M2P2.host:2,S"));

    /* still listed (the caller remembers what it processed), same ids */
    assert_int_equal(mailbox_open(&o, &mb, &err), 0);
    assert_int_equal(mailbox_count(mb), 2);
    (void)find(mb, "1700000001.M1P1.host");
    mailbox_free(mb);
    unit_rmtree(dir);
    free(dir);
}

static void
test_mailbox_maildir_expunge(void **state)
{
    char *dir = make_maildir();
    struct mailbox_opts o = {
        .kind = MAILBOX_MAILDIR, .url = dir, .expunge = true};
    struct mailbox *mb = NULL;
    struct merr err = {0};

    (void)state;
    assert_int_equal(mailbox_open(&o, &mb, &err), 0);
    assert_int_equal(mailbox_mark(mb, find(mb, "1700000001.M1P1.host"), &err),
                     0);
    mailbox_free(mb);
    assert_false(exists(dir, "new", "1700000001.M1P1.host"));
    assert_int_equal(mailbox_open(&o, &mb, &err), 0);
    assert_int_equal(mailbox_count(mb), 1);
    mailbox_free(mb);
    unit_rmtree(dir);
    free(dir);
}

static void
test_mailbox_read_only_and_refusals(void **state)
{
    char *dir = make_maildir();
    struct mailbox_opts o = {
        .kind = MAILBOX_MAILDIR, .url = dir, .read_only = true};
    struct mailbox *mb = NULL;
    struct merr err = {0};
    char missing[1024];

    (void)state;
    assert_int_equal(mailbox_open(&o, &mb, &err), 0);
    assert_int_equal(mailbox_mark(mb, 0, &err), MERR_INVALID);
    mailbox_free(mb);
    assert_true(exists(dir, "new", "1700000001.M1P1.host"));

    snprintf(missing, sizeof(missing), "%s/nope", dir);
    o.url = missing;
    assert_int_equal(mailbox_open(&o, &mb, &err), MERR_NOINPUT);
    assert_null(mb);
    assert_non_null(strstr(err.msg, "not a Maildir"));

    /* network mailboxes: the kind must match the URL, a password is
     * needed; both refused before any connection */
    o.kind = MAILBOX_IMAP;
    o.url = "pop3s://u@127.0.0.1:1/";
    o.password = "x";
    assert_int_equal(mailbox_open(&o, &mb, &err), MERR_USAGE);
    o.url = "imaps://u@127.0.0.1:1/";
    o.password = NULL;
    assert_int_equal(mailbox_open(&o, &mb, &err), MERR_CONFIG);
    assert_non_null(strstr(err.msg, "TOCSIN_MAILBOX_PASSWORD"));
    unit_rmtree(dir);
    free(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mailbox_url_parse),
        cmocka_unit_test(test_mailbox_maildir_read_and_mark),
        cmocka_unit_test(test_mailbox_maildir_expunge),
        cmocka_unit_test(test_mailbox_read_only_and_refusals),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
