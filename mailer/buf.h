/*
 * buf: growable, always NUL-terminated, always capped byte buffer.
 * Going over the cap is MERR_LIMIT, never a silent truncation.
 */
#ifndef TOCSIN_BUF_H
#define TOCSIN_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* Caps, named in one place (STYLE.md section 6). */
#define TOCSIN_MAX_LINE         (64 * 1024)
#define TOCSIN_MAX_FIELD        (64 * 1024)
#define TOCSIN_MAX_CONFIG       (1024 * 1024)
#define TOCSIN_MAX_APPEAL       (4 * 1024 * 1024)
#define TOCSIN_MAX_TEMPLATE     (1024 * 1024)
#define TOCSIN_MAX_RENDER       (4 * 1024 * 1024)
#define TOCSIN_MAX_MESSAGE      (8 * 1024 * 1024)
#define TOCSIN_MAX_WEBHOOK_BODY (64 * 1024)
#define TOCSIN_MAX_MAILBOX_MSG  (32 * 1024 * 1024)
#define TOCSIN_MAX_REPLY        1024
#define TOCSIN_MAX_REPORT       (16 * 1024 * 1024)
#define TOCSIN_MAX_CA_FILE      (16 * 1024 * 1024) /* a system bundle: 200 KB */

struct buf {
    char *data; /* NUL-terminated; NULL until the first add */
    size_t len; /* bytes used, without the NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* cap on len */
};

/* Prepare an empty buffer that refuses to grow past max bytes. */
void buf_init(struct buf *b, size_t max);

/* Free the contents; b may be reused after buf_init().  NULL is fine. */
void buf_release(struct buf *b);

/* Empty the buffer, keeping its allocation. */
void buf_reset(struct buf *b);

/* Append; MERR_LIMIT when the result would pass max (b unchanged). */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
/* Append n bytes of s (or the string s) escaped for HTML text and
 * attribute values: & < > " ' as entities. */
int buf_add_html(struct buf *b, const char *s, size_t n);
int buf_adds_html(struct buf *b, const char *s);
int buf_addf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Make room for n more bytes; MERR_LIMIT past max. */
int buf_grow(struct buf *b, size_t n);

/* Shorten to len (len <= b->len). */
void buf_truncate(struct buf *b, size_t len);

/*
 * Take the contents: caller frees with free().  Never NULL (an empty
 * buffer gives ""), b is left empty and may be reused.
 */
char *buf_take(struct buf *b);

/* The contents, borrowed until the next change; "" when empty. */
const char *buf_str(const struct buf *b);

#endif
