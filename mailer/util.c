/*
 * util: small shared helpers.  The clock and randomness live here so that
 * tests can wrap them (never call util_now/util_random from this file).
 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void
oom(size_t n)
{
    fprintf(stderr, "tocsin: out of memory (%zu bytes)\n", n);
    abort();
}

void *
xmalloc(size_t n)
{
    void *p = malloc(n == 0 ? 1 : n);

    if (p == NULL) {
        oom(n);
    }
    return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size);

    if (p == NULL) {
        oom(nmemb * size);
    }
    return p;
}

void *
xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n == 0 ? 1 : n);

    if (q == NULL) {
        oom(n);
    }
    return q;
}

char *
xstrdup(const char *s)
{
    return xmemdup(s, strlen(s) + 1);
}

char *
xstrndup(const char *s, size_t n)
{
    char *p;
    size_t len = strnlen(s, n);

    p = xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void *
xmemdup(const void *p, size_t n)
{
    void *q = xmalloc(n);

    memcpy(q, p, n);
    return q;
}

int
util_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    const char *p;

    if (s == NULL || *s == '\0') {
        return MERR_INVALID;
    }
    for (p = s; *p != '\0'; p++) {
        unsigned d;

        if (*p < '0' || *p > '9') {
            return MERR_INVALID;
        }
        d = (unsigned)(*p - '0');
        if (v > (max - d) / 10) {
            return MERR_INVALID;
        }
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int64_t
util_now(void)
{
#ifdef TOCSIN_DEBUG
    const char *fake = getenv("TOCSIN_FAKE_NOW");
    uint64_t v;

    if (fake != NULL && util_parse_uint(fake, INT64_MAX, &v) == 0) {
        return (int64_t)v;
    }
#endif
    return (int64_t)time(NULL);
}

double
util_clock(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
util_random(void *p, size_t n)
{
    unsigned char *q = p;

    while (n > 0) {
        ssize_t r = getrandom(q, n, 0);

        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            fprintf(stderr, "tocsin: getrandom: %s\n", strerror(errno));
            abort();
        }
        q += r;
        n -= (size_t)r;
    }
}

int
util_read_file(const char *path, size_t max, struct buf *out, struct merr *err)
{
    char chunk[65536];
    FILE *f = NULL;
    int rc = 0;
    size_t n;

    f = fopen(path, "rb");
    if (f == NULL) {
        return merr_set(err, errno == ENOENT ? MERR_NOINPUT : MERR_IO, "%s: %s",
                        path, strerror(errno));
    }
    if (out->max > max) {
        out->max = max;
    }
    for (;;) {
        n = fread(chunk, 1, sizeof(chunk), f);
        if (n > 0) {
            rc = buf_add(out, chunk, n);
            if (rc != 0) {
                rc = merr_set(err, MERR_LIMIT, "%s: larger than %zu bytes",
                              path, max);
                goto out;
            }
        }
        if (n < sizeof(chunk)) {
            break;
        }
    }
    if (ferror(f)) {
        rc = merr_set(err, MERR_IO, "%s: read error", path);
    }
out:
    fclose(f);
    return rc;
}

int
util_write_file(const char *path, const void *p, size_t n, mode_t mode,
                bool excl, struct merr *err)
{
    char tmp[PATH_MAX];
    const char *q = p;
    int fd = -1;
    int rc = 0;

    if (excl && access(path, F_OK) == 0) {
        return merr_set(err, MERR_EXISTS, "%s: already exists", path);
    }
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
        (int)sizeof(tmp)) {
        return merr_set(err, MERR_LIMIT, "%s: path too long", path);
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        return merr_set(err, MERR_IO, "%s: %s", tmp, strerror(errno));
    }
    /* open() honours the umask; the mode we were asked for is exact. */
    if (fchmod(fd, mode) != 0) {
        rc = merr_set(err, MERR_IO, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    while (n > 0) {
        ssize_t w = write(fd, q, n);

        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            rc = merr_set(err, MERR_IO, "%s: %s", tmp, strerror(errno));
            goto out;
        }
        q += w;
        n -= (size_t)w;
    }
    if (fsync(fd) != 0) {
        rc = merr_set(err, MERR_IO, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    if (excl) {
        /* link() fails if path appeared meanwhile: no overwrite race. */
        if (link(tmp, path) != 0) {
            rc = merr_set(err, errno == EEXIST ? MERR_EXISTS : MERR_IO,
                          "%s: %s", path, strerror(errno));
        }
    } else if (rename(tmp, path) != 0) {
        rc = merr_set(err, MERR_IO, "%s: %s", path, strerror(errno));
    }
out:
    close(fd);
    if (rc != 0 || excl) {
        unlink(tmp);
    }
    return rc;
}

int
util_mkdir_p(const char *path, mode_t mode, struct merr *err)
{
    char tmp[PATH_MAX];
    char *p;

    if (util_strlcpy(tmp, path, sizeof(tmp)) != 0) {
        return merr_set(err, MERR_LIMIT, "%s: path too long", path);
    }
    for (p = tmp + 1; *p != '\0'; p++) {
        if (*p != '/') {
            continue;
        }
        *p = '\0';
        if (mkdir(tmp, mode) != 0 && errno != EEXIST) {
            return merr_set(err, MERR_IO, "%s: %s", tmp, strerror(errno));
        }
        *p = '/';
    }
    if (mkdir(tmp, mode) != 0 && errno != EEXIST) {
        return merr_set(err, MERR_IO, "%s: %s", tmp, strerror(errno));
    }
    return 0;
}

int
util_strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);

    if (size == 0) {
        return MERR_LIMIT;
    }
    if (n >= size) {
        memcpy(dst, src, size - 1);
        dst[size - 1] = '\0';
        return MERR_LIMIT;
    }
    memcpy(dst, src, n + 1);
    return 0;
}

void
util_format_rfc3339(int64_t t, char *out, size_t size)
{
    struct tm tm;
    time_t tt = (time_t)t;

    gmtime_r(&tt, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
digits(const char **p, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9') {
            return -1;
        }
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int
util_make_time(int Y, int M, int D, int h, int m, int sec, int offset,
               int64_t *out)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (Y < 0 || Y > 9999 || M < 1 || M > 12 || D < 1 || D > mdays[M - 1] ||
        h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60 ||
        offset <= -24 * 60 || offset >= 24 * 60) {
        return MERR_INVALID;
    }
    *out = days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 + h * 3600 +
           m * 60 + sec - (int64_t)offset * 60;
    return 0;
}

int
util_parse_rfc3339(const char *s, int64_t *out)
{
    int Y, M, D, h, m, sec, oh = 0, om = 0, sign = 0;
    const char *p = s;

    if (s == NULL || digits(&p, 4, &Y) || *p++ != '-' || digits(&p, 2, &M) ||
        *p++ != '-' || digits(&p, 2, &D)) {
        return MERR_INVALID;
    }
    if (*p != 'T' && *p != 't' && *p != ' ') {
        return MERR_INVALID;
    }
    p++;
    if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &m) || *p++ != ':' ||
        digits(&p, 2, &sec)) {
        return MERR_INVALID;
    }
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9') {
            return MERR_INVALID;
        }
        while (*p >= '0' && *p <= '9') {
            p++;
        }
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '+' ? 1 : -1;
        p++;
        if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om)) {
            return MERR_INVALID;
        }
    } else {
        return MERR_INVALID;
    }
    if (*p != '\0' || oh > 23 || om > 59) {
        return MERR_INVALID;
    }
    return util_make_time(Y, M, D, h, m, sec, sign * (oh * 60 + om), out);
}

size_t
util_utf8_decode(const char *p, size_t n, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t len;
    uint32_t c;

    if (n == 0) {
        return 0;
    }
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        c = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        c = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        c = s[0] & 0x07;
    } else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (s[k] & 0x3f);
    }
    /* overlong forms, surrogates, beyond U+10FFFF */
    if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10ffff ||
        (c >= 0xd800 && c <= 0xdfff)) {
        return 0;
    }
    *cp = c;
    return len;
}

bool
util_utf8_valid(const char *p, size_t n, size_t *bad)
{
    size_t i = 0;

    while (i < n) {
        uint32_t cp;
        size_t len = util_utf8_decode(p + i, n - i, &cp);

        if (len == 0) {
            if (bad != NULL) {
                *bad = i;
            }
            return false;
        }
        i += len;
    }
    return true;
}

void
util_sanitize(const char *p, size_t n, char *out, size_t size)
{
    size_t o = 0;
    size_t i = 0;

    if (size == 0) {
        return;
    }
    while (i < n && o + 1 < size) {
        unsigned char c = (unsigned char)p[i];

        if (c < 0x20 || c == 0x7f) {
            out[o++] = '?';
            i++;
        } else if (c < 0x80) {
            out[o++] = (char)c;
            i++;
        } else {
            size_t len = 1;

            while (i + len < n && len < 4 &&
                   ((unsigned char)p[i + len] & 0xc0) == 0x80) {
                len++;
            }
            if (!util_utf8_valid(p + i, len, NULL)) {
                out[o++] = '?';
                i++;
            } else if (o + len + 1 <= size) {
                memcpy(out + o, p + i, len);
                o += len;
                i += len;
            } else {
                break;
            }
        }
    }
    out[o] = '\0';
    if (i < n && size >= 4) {
        size_t at = o + 4 <= size ? o : size - 4;

        /* do not cut a UTF-8 sequence in half */
        while (at > 0 && ((unsigned char)out[at] & 0xc0) == 0x80) {
            at--;
        }
        memcpy(out + at, "...", 4);
    }
}

void
util_lower(char *s)
{
    for (; *s != '\0'; s++) {
        if (*s >= 'A' && *s <= 'Z') {
            *s = (char)(*s - 'A' + 'a');
        }
    }
}

int
util_strcasecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = (unsigned char)*a, cb = (unsigned char)*b;

        if (ca >= 'A' && ca <= 'Z') {
            ca += 'a' - 'A';
        }
        if (cb >= 'A' && cb <= 'Z') {
            cb += 'a' - 'A';
        }
        if (ca != cb || ca == 0) {
            return ca - cb;
        }
    }
}

bool
util_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}
