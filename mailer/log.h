/*
 * log: one-line messages on stderr.  Lines are lower-case, name the object,
 * and never carry secrets or tokens; untrusted text goes through
 * util_sanitize() first.
 */
#ifndef TOCSIN_LOG_H
#define TOCSIN_LOG_H

#include <stdbool.h>

enum log_level {
    LOG_ERROR = 0,
    LOG_WARN = 1,
    LOG_INFO = 2,
    LOG_DEBUG = 3,
};

/* Messages above level are dropped.  Default LOG_INFO. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* With timestamps (for long-running commands such as serve). */
void log_set_timestamps(bool on);

/*
 * Buffered mode, for a server's line per request: info and debug lines
 * gather in memory and are written every interval_ms (or when 64 KiB
 * have gathered) with one write(2); errors and warnings are written at
 * once, after the lines before them.  A process killed outright loses
 * at most interval_ms of info lines.  log_buffer_stop() writes the rest
 * and goes back to one write per line.  Returns -1 (and stays
 * unbuffered) when the flusher thread cannot start.
 */
int log_buffer_start(unsigned interval_ms);
void log_buffer_stop(void);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
