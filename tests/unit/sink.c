/*
 * sink: smtp-sink for the SMTP tests (see sink.h).
 */
#include "sink.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "util.h"

#define SINK_BIN "/usr/sbin/smtp-sink"

/* Copies of every sink running, so that the teardown of a test that
 * failed half way (its own struct sink gone with its stack) stops it. */
static struct sink running[8];

bool
sink_available(void)
{
    return access(SINK_BIN, X_OK) == 0;
}

int
sink_free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int port;

    assert_true(fd >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static bool
can_connect(int port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    bool ok;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((unsigned short)port);
    ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

void
sink_start(struct sink *s, const char *const *extra)
{
    const char *argv[40];
    char dump[300];
    char addr[64];
    char tmpl[] = "/tmp/tocsin-sink-XXXXXX";
    size_t n = 0;
    struct timespec ts = {0, 20 * 1000 * 1000};

    memset(s, 0, sizeof(s[0]));
    assert_non_null(mkdtemp(tmpl));
    snprintf(s->dir, sizeof(s->dir), "%s", tmpl);
    /* smtp-sink drops to nobody when run as root; let it write. */
    assert_int_equal(chmod(s->dir, 0777), 0);
    s->port = sink_free_port();
    snprintf(s->url, sizeof(s->url), "smtp://127.0.0.1:%d", s->port);
    snprintf(dump, sizeof(dump), "%s/", s->dir);
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", s->port);
    argv[n++] = SINK_BIN;
    argv[n++] = "-4";
    if (geteuid() == 0) {
        argv[n++] = "-u";
        argv[n++] = "nobody";
    }
    argv[n++] = "-m";
    argv[n++] = "256";
    argv[n++] = "-d";
    argv[n++] = dump;
    for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 36; i++) {
        argv[n++] = extra[i];
    }
    argv[n++] = addr;
    argv[n++] = "256";
    argv[n] = NULL;
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        int fd = open("/dev/null", O_RDWR);

        dup2(fd, 1);
        dup2(fd, 2);
        char *args[40];

        /* execv wants writable strings; the copies die with the child. */
        for (size_t i = 0; i <= n; i++) {
            args[i] = argv[i] != NULL ? strdup(argv[i]) : NULL;
        }
        execv(SINK_BIN, args);
        _exit(127);
    }
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(running); i++) {
        if (running[i].pid == 0) {
            running[i] = *s;
            break;
        }
    }
    for (int i = 0; i < 250; i++) {
        if (can_connect(s->port)) {
            return;
        }
        nanosleep(&ts, NULL);
    }
    fail_msg("smtp-sink did not come up on port %d", s->port);
}

void
sink_stop(struct sink *s)
{
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(running); i++) {
        if (s != &running[i] && s->pid > 0 && running[i].pid == s->pid) {
            running[i].pid = 0;
            running[i].dir[0] = '\0';
        }
    }
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        (void)waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
    if (s->dir[0] != '\0') {
        unit_rmtree(s->dir);
        s->dir[0] = '\0';
    }
}

int
sink_stop_all(void **state)
{
    (void)state;
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(running); i++) {
        if (running[i].pid > 0) {
            sink_stop(&running[i]);
        }
    }
    return 0;
}

size_t
sink_count(const struct sink *s, unsigned *counts, size_t n)
{
    DIR *d = opendir(s->dir);
    struct dirent *e;
    size_t files = 0;
    char path[600];
    char line[1024];

    assert_non_null(d);
    memset(counts, 0, n * sizeof(*counts));
    while ((e = readdir(d)) != NULL) {
        FILE *f;

        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", s->dir, e->d_name);
        f = fopen(path, "r");
        if (f == NULL) {
            continue;
        }
        files++;
        while (fgets(line, sizeof(line), f) != NULL) {
            unsigned long i;
            char *end;

            if (strncmp(line, "X-Rcpt-Args: <r", 15) != 0) {
                continue;
            }
            errno = 0;
            i = strtoul(line + 15, &end, 10);
            if (errno == 0 && *end == '@' && i < n) {
                counts[i]++;
            }
        }
        fclose(f);
    }
    closedir(d);
    return files;
}

void
sink_first_file(const struct sink *s, char *path, size_t size)
{
    DIR *d = opendir(s->dir);
    struct dirent *e;

    assert_non_null(d);
    path[0] = '\0';
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') {
            snprintf(path, size, "%s/%s", s->dir, e->d_name);
            break;
        }
    }
    closedir(d);
    assert_true(path[0] != '\0');
}
