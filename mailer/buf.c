/*
 * buf: capped growable buffers.  Allocation failure aborts (util.c).
 */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

void
buf_init(struct buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void
buf_release(struct buf *b)
{
    if (b == NULL) {
        return;
    }
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void
buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data != NULL) {
        b->data[0] = '\0';
    }
}

int
buf_grow(struct buf *b, size_t n)
{
    size_t need;
    size_t ncap;

    if (n > b->max || b->len > b->max - n) {
        return MERR_LIMIT;
    }
    need = b->len + n + 1;
    if (need <= b->cap) {
        return 0;
    }
    ncap = b->cap < 64 ? 64 : b->cap;
    while (ncap < need) {
        ncap *= 2;
    }
    b->data = xrealloc(b->data, ncap);
    b->cap = ncap;
    return 0;
}

int
buf_add(struct buf *b, const void *p, size_t n)
{
    int rc;

    rc = buf_grow(b, n);
    if (rc != 0) {
        return rc;
    }
    if (n > 0) {
        memcpy(b->data + b->len, p, n);
    }
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int
buf_adds(struct buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

int
buf_addc(struct buf *b, char c)
{
    return buf_add(b, &c, 1);
}

int
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    int rc;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        return MERR_INVALID;
    }
    rc = buf_grow(b, (size_t)n);
    if (rc != 0) {
        return rc;
    }
    (void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int
buf_addf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = buf_vaddf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void
buf_truncate(struct buf *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->data[len] = '\0';
    }
}

char *
buf_take(struct buf *b)
{
    char *p;

    if (b->data == NULL) {
        p = xstrdup("");
    } else {
        p = b->data;
    }
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}

const char *
buf_str(const struct buf *b)
{
    return b->data != NULL ? b->data : "";
}

int
buf_add_html(struct buf *out, const char *s, size_t n)
{
    size_t start = 0;
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *rep = NULL;

        switch (s[i]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            break;
        }
        if (rep != NULL) {
            rc = buf_add(out, s + start, i - start);
            if (rc == 0) {
                rc = buf_adds(out, rep);
            }
            start = i + 1;
        }
    }
    return rc == 0 ? buf_add(out, s + start, n - start) : rc;
}

int
buf_adds_html(struct buf *b, const char *s)
{
    return buf_add_html(b, s, strlen(s));
}
