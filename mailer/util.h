/*
 * util: allocation that aborts on exhaustion, number parsing, time and
 * randomness seams, whole-file I/O, RFC 3339, UTF-8 and log sanitising.
 */
#ifndef TOCSIN_UTIL_H
#define TOCSIN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"

/* In unit tests, chosen static helpers become linkable (curl UNITTEST). */
#ifdef UNITTESTS
#define TOCSIN_STATIC
#else
#define TOCSIN_STATIC static
#endif

#define TOCSIN_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocators: print and abort on exhaustion, so never return NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void *xmemdup(const void *p, size_t n);

/*
 * Parse a decimal unsigned integer, the whole string, at most max.
 * MERR_INVALID on empty input, junk or overflow.
 */
int util_parse_uint(const char *s, uint64_t max, uint64_t *out);

/*
 * Unix time in seconds.  The seam for the clock: tests wrap it, and debug
 * builds honour TOCSIN_FAKE_NOW (seconds since the epoch).
 */
int64_t util_now(void);

/* Monotonic seconds, for rates and timeouts (not a seam). */
double util_clock(void);

/* Fill p with n random bytes (getrandom); the seam for randomness. */
void util_random(void *p, size_t n);

/*
 * Read a whole file into out (appended), at most max bytes.  MERR_NOINPUT
 * when it does not exist, MERR_IO, MERR_LIMIT; err names the file.
 */
int util_read_file(const char *path, size_t max, struct buf *out,
                   struct merr *err);

/*
 * Write a file atomically (temporary file in the same folder, fsync,
 * rename) with the given mode.  With excl, MERR_EXISTS if path exists.
 */
int util_write_file(const char *path, const void *p, size_t n, mode_t mode,
                    bool excl, struct merr *err);

/* Create a directory and its parents (mode for new ones).  MERR_IO. */
int util_mkdir_p(const char *path, mode_t mode, struct merr *err);

/* Copy with truncation as an error: MERR_LIMIT if src does not fit. */
int util_strlcpy(char *dst, const char *src, size_t size);

/* "2026-11-28T13:59:26Z" into out (at least 21 bytes). */
void util_format_rfc3339(int64_t t, char *out, size_t size);

/*
 * The Unix time of a civil date and time at a UTC offset in minutes
 * (+0100 is 60), fields checked (seconds up to 60, offsets under a day).
 * MERR_INVALID otherwise.
 */
int util_make_time(int Y, int M, int D, int h, int m, int sec, int offset,
                   int64_t *out);

/*
 * Parse an RFC 3339 date-time ("2026-11-28T13:59:26Z", offsets and
 * fractions allowed, fraction dropped).  MERR_INVALID otherwise.
 */
int util_parse_rfc3339(const char *s, int64_t *out);

/* The UTF-8 sequence at p[0..n): its length (1 to 4) with the code point
 * in *cp, or 0 when it is not valid UTF-8 (or n is 0). */
size_t util_utf8_decode(const char *p, size_t n, uint32_t *cp);

/* true if p[0..n) is valid UTF-8; *bad gets the offset of the first bad
 * byte (may be NULL). */
bool util_utf8_valid(const char *p, size_t n, size_t *bad);

/*
 * Copy untrusted text for a log line: control characters and invalid
 * bytes become '?', cut at size-1 bytes (marked with "...").
 */
void util_sanitize(const char *p, size_t n, char *out, size_t size);

/* ASCII lower-case in place. */
void util_lower(char *s);

/* Case-insensitive ASCII comparison (strcasecmp, locale-free). */
int util_strcasecmp(const char *a, const char *b);

/* true if s starts with prefix */
bool util_starts_with(const char *s, const char *prefix);

#endif
