/*
 * test_log: the buffered mode of a server's log.  stderr goes to a file
 * for each test; lines must come out whole, in order, none lost: info
 * lines when the flusher runs, when 64 KiB have gathered or at stop, an
 * error at once and after the lines before it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "buf.h"
#include "log.h"
#include "util.h"

struct logfile {
    char path[64];
    int saved; /* the real stderr */
};

static int
setup(void **state)
{
    struct logfile *f = calloc(1, sizeof(*f));
    int fd;

    if (f == NULL) {
        return -1;
    }
    (void)snprintf(f->path, sizeof(f->path), "/tmp/tocsin-test-log-XXXXXX");
    fd = mkstemp(f->path);
    if (fd < 0) {
        free(f);
        return -1;
    }
    f->saved = dup(STDERR_FILENO);
    (void)dup2(fd, STDERR_FILENO);
    close(fd);
    log_set_timestamps(false);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct logfile *f = *state;

    log_buffer_stop();
    (void)dup2(f->saved, STDERR_FILENO);
    close(f->saved);
    unlink(f->path);
    free(f);
    return 0;
}

/* What the log file holds now (caller frees). */
static char *
contents(const struct logfile *f)
{
    struct buf b;
    struct merr err;
    char *s;

    buf_init(&b, 16 * 1024 * 1024);
    assert_int_equal(util_read_file(f->path, b.max, &b, &err), 0);
    s = xstrdup(buf_str(&b));
    buf_release(&b);
    return s;
}

static void
test_log_buffered_order(void **state)
{
    struct logfile *f = *state;
    char *s;

    /* an interval longer than the test: only stop, an error or a full
     * buffer writes */
    assert_int_equal(log_buffer_start(60 * 1000), 0);
    log_info("GET /a 200");
    log_info("GET /b 404");
    s = contents(f);
    assert_string_equal(s, ""); /* gathered, not written */
    free(s);
    log_error("disk full");
    s = contents(f);
    assert_string_equal(s, "tocsin: GET /a 200\ntocsin: GET /b 404\n"
                           "tocsin: error: disk full\n");
    free(s);
    log_info("GET /c 200");
    log_warn("slow");
    log_info("GET /d 200");
    log_buffer_stop();
    s = contents(f);
    assert_string_equal(s, "tocsin: GET /a 200\ntocsin: GET /b 404\n"
                           "tocsin: error: disk full\n"
                           "tocsin: GET /c 200\n"
                           "tocsin: warning: slow\n"
                           "tocsin: GET /d 200\n");
    free(s);
    /* unbuffered again: written at once */
    log_info("after");
    s = contents(f);
    assert_non_null(strstr(s, "tocsin: GET /d 200\ntocsin: after\n"));
    free(s);
}

static void
test_log_buffered_flusher(void **state)
{
    struct logfile *f = *state;
    struct timespec ms10 = {0, 10 * 1000 * 1000};
    char *s = NULL;

    assert_int_equal(log_buffer_start(20), 0);
    log_info("POST /hooks/signatures 200");
    /* the flusher writes it within its interval (2 s: a loaded machine) */
    for (int i = 0; i < 200; i++) {
        free(s);
        s = contents(f);
        if (s[0] != '\0') {
            break;
        }
        nanosleep(&ms10, NULL);
    }
    assert_string_equal(s, "tocsin: POST /hooks/signatures 200\n");
    free(s);
}

static void
test_log_buffered_full(void **state)
{
    struct logfile *f = *state;
    char want[64];
    char *s;
    char *p;

    /* 3,000 lines of about 40 bytes: more than the 64 KiB buffer */
    assert_int_equal(log_buffer_start(60 * 1000), 0);
    for (int i = 0; i < 3000; i++) {
        log_info("GET /s/... 200 line %05d", i);
    }
    s = contents(f);
    assert_true(strlen(s) > 32 * 1024); /* written when full */
    assert_true(strlen(s) < 3000 * 36); /* not all yet */
    free(s);
    log_buffer_stop();
    s = contents(f);
    p = s;
    for (int i = 0; i < 3000; i++) {
        int n = snprintf(want, sizeof(want),
                         "tocsin: GET /s/... 200 line %05d\n", i);

        assert_memory_equal(p, want, (size_t)n);
        p += n;
    }
    assert_string_equal(p, "");
    free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_log_buffered_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_log_buffered_flusher, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_log_buffered_full, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
