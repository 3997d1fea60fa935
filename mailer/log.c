/*
 * log: stderr writer.  Each line is written with one write(2) call so that
 * lines from several threads do not interleave; in buffered mode (a
 * server's one line per request) info and debug lines are gathered and
 * written together, in order, by a flusher thread.
 */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* Buffered lines are written when this much has gathered, or at the
 * flusher's interval. */
#define LOG_BUFFER_SIZE (64 * 1024)

static enum log_level current = LOG_INFO;
static bool timestamps;

/* Buffered mode.  mu guards the buffer; wmu orders the writes, so that a
 * line written at once (an error) comes after the lines gathered before
 * it.  Lock order: wmu, then mu. */
static struct {
    atomic_bool on; /* read by every thread that logs */
    bool stop;
    unsigned interval_ms;
    pthread_t flusher;
    pthread_mutex_t mu;
    pthread_mutex_t wmu;
    pthread_cond_t cv; /* the flusher's sleep; signalled to stop */
    size_t len;
    char data[LOG_BUFFER_SIZE];
    char out[LOG_BUFFER_SIZE]; /* what is being written (wmu) */
} lb = {
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .wmu = PTHREAD_MUTEX_INITIALIZER,
    .cv = PTHREAD_COND_INITIALIZER,
};

void
log_set_level(enum log_level level)
{
    current = level;
}

enum log_level
log_get_level(void)
{
    return current;
}

void
log_set_timestamps(bool on)
{
    timestamps = on;
}

static void
write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, p, n);

        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return; /* nowhere to report it */
        }
        p += w;
        n -= (size_t)w;
    }
}

/* Write what has gathered; the caller holds wmu (not mu). */
static void
flush_locked(void)
{
    size_t n;

    pthread_mutex_lock(&lb.mu);
    n = lb.len;
    memcpy(lb.out, lb.data, n);
    lb.len = 0;
    pthread_mutex_unlock(&lb.mu);
    write_all(lb.out, n);
}

/* Write what has gathered; the caller holds neither lock. */
static void
flush(void)
{
    pthread_mutex_lock(&lb.wmu);
    flush_locked();
    pthread_mutex_unlock(&lb.wmu);
}

static void
buffered(enum log_level level, const char *line, size_t n)
{
    if (level <= LOG_WARN) {
        /* errors and warnings go out at once, after what came before */
        pthread_mutex_lock(&lb.wmu);
        flush_locked();
        write_all(line, n);
        pthread_mutex_unlock(&lb.wmu);
        return;
    }
    pthread_mutex_lock(&lb.mu);
    while (lb.len + n > sizeof(lb.data)) {
        pthread_mutex_unlock(&lb.mu);
        flush();
        pthread_mutex_lock(&lb.mu);
    }
    memcpy(lb.data + lb.len, line, n);
    lb.len += n;
    pthread_mutex_unlock(&lb.mu);
}

static void *
flusher(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lb.mu);
    while (!lb.stop) {
        struct timespec until;

        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)(lb.interval_ms % 1000) * 1000000L;
        until.tv_sec += (time_t)(lb.interval_ms / 1000) +
                        (time_t)(until.tv_nsec / 1000000000L);
        until.tv_nsec %= 1000000000L;
        (void)pthread_cond_timedwait(&lb.cv, &lb.mu, &until);
        if (lb.len > 0) {
            pthread_mutex_unlock(&lb.mu);
            flush();
            pthread_mutex_lock(&lb.mu);
        }
    }
    pthread_mutex_unlock(&lb.mu);
    return NULL;
}

int
log_buffer_start(unsigned interval_ms)
{
    if (atomic_load(&lb.on)) {
        return 0;
    }
    lb.interval_ms = interval_ms > 0 ? interval_ms : 1;
    lb.stop = false;
    lb.len = 0;
    if (pthread_create(&lb.flusher, NULL, flusher, NULL) != 0) {
        return -1; /* lines are written one by one, as before */
    }
    atomic_store(&lb.on, true);
    return 0;
}

void
log_buffer_stop(void)
{
    if (!atomic_load(&lb.on)) {
        return;
    }
    pthread_mutex_lock(&lb.mu);
    lb.stop = true;
    pthread_cond_signal(&lb.cv);
    pthread_mutex_unlock(&lb.mu);
    pthread_join(lb.flusher, NULL);
    atomic_store(&lb.on, false);
    flush();
}

static void emit(enum log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
emit(enum log_level level, const char *fmt, va_list ap)
{
    static const char *names[] = {"error: ", "warning: ", "", "debug: "};
    char line[2048];
    size_t n = 0;
    int w;

    if (level > current) {
        return;
    }
    if (timestamps) {
        char ts[32];

        util_format_rfc3339(util_now(), ts, sizeof(ts));
        w = snprintf(line, sizeof(line), "%s ", ts);
        n = w > 0 ? (size_t)w : 0;
    }
    w = snprintf(line + n, sizeof(line) - n, "tocsin: %s", names[level]);
    if (w > 0) {
        n += (size_t)w;
    }
    w = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    if (w > 0) {
        n += (size_t)w;
    }
    if (n >= sizeof(line) - 1) {
        /* a log line is cut, never dropped */
        n = sizeof(line) - 2;
    }
    line[n++] = '\n';
    if (atomic_load_explicit(&lb.on, memory_order_relaxed)) {
        buffered(level, line, n);
        return;
    }
    write_all(line, n);
}

void
log_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    emit(LOG_ERROR, fmt, ap);
    va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    emit(LOG_WARN, fmt, ap);
    va_end(ap);
}

void
log_info(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    emit(LOG_INFO, fmt, ap);
    va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    emit(LOG_DEBUG, fmt, ap);
    va_end(ap);
}
