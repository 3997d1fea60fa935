/*
 * sink: Postfix's smtp-sink started by a test on 127.0.0.1 on a free
 * port, with a dump folder, and stopped by its PID.
 */
#ifndef TOCSIN_TEST_SINK_H
#define TOCSIN_TEST_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sink {
    pid_t pid;
    int port;
    char dir[256]; /* dump folder: one file per message */
    char url[64];  /* smtp://127.0.0.1:PORT */
};

/* true when the smtp-sink binary is installed. */
bool sink_available(void);

/*
 * Start smtp-sink with extra options (NULL-terminated, e.g. "-r", "RCPT",
 * NULL) dumping into a fresh folder; fails the test if it does not come
 * up.
 */
void sink_start(struct sink *s, const char *const *extra);

/* Stop it (SIGTERM, then wait) and remove the dump folder. */
void sink_stop(struct sink *s);

/* Stop every sink still running: a teardown, for tests that fail half
 * way.  Returns 0. */
int sink_stop_all(void **state);

/*
 * Count the dumped messages per recipient: counts[i] for recipient i
 * where recipients are "r<i>@<anything>", i < n.  Returns how many files
 * there were.
 */
size_t sink_count(const struct sink *s, unsigned *counts, size_t n);

/* The path of one dumped message (fails the test when there is none). */
void sink_first_file(const struct sink *s, char *path, size_t size);

/* A free TCP port on 127.0.0.1 (nothing listens there afterwards). */
int sink_free_port(void);

#endif
