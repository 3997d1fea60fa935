/*
 * log: stderr writer.  Each line is written with one write(2) call so that
 * lines from several threads do not interleave.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static enum log_level current = LOG_INFO;
static bool timestamps;

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
    (void)!write(STDERR_FILENO, line, n);
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
