/*
 * dsn_text: plain-text bounces of MTAs that send no RFC 3464 report
 * (qmail, Exim, old Sendmail, Exchange, Gmail, Yahoo, ...): the recipients
 * they name, each with the status and reason that follow it, and the
 * header lines of a returned copy pasted below them.  Part of dsn;
 * heuristics over untrusted text with bounded loops, no I/O.
 */
#include "dsn_int.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static char
lc(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* ---- plain-text bounces --------------------------------------------- */

/* Where the copy of the returned message starts in a text bounce. */
static const char *const copy_markers[] = {
    "this is a copy of the message",
    "below this line is a copy of the message",
    "original message follows",
    "----- original message -----",
    "original message headers",
    "--- returned message",
    "returned message ---",
    "----- unsent message follows",
    "unsent message below",
    "a copy of the original message",
    "the original message was:",
    "header of the original message",
    "------- failed message",
    "message headers follow",
    "content-type: message/rfc822",
    "content-type: text/rfc822-headers",
    NULL,
};

/* Header lines that start a returned copy when no marker announces it. */
static const char *const copy_fields[] = {
    "received:",   "return-path:",  "dkim-signature:",
    "message-id:", "mime-version:", NULL,
};

static size_t
copy_start(const char *p, size_t n)
{
    size_t end = n;

    for (size_t k = 0; copy_markers[k] != NULL; k++) {
        size_t at = dsn_find_ci(p, end, copy_markers[k]);

        if (at != (size_t)-1 && at < end) {
            end = at;
        }
    }
    for (size_t i = 0; i < end; i++) {
        if (i > 0 && p[i - 1] != '\n') {
            continue;
        }
        for (size_t k = 0; copy_fields[k] != NULL; k++) {
            if (dsn_starts_ci(p + i, end - i, copy_fields[k])) {
                return i;
            }
        }
    }
    return end;
}

static bool
local_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
           (c != '\0' && strchr(".!#$%&*+^_`{|}~-", c) != NULL);
}

static bool
domain_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
           c == '.' || c == '-';
}

struct cand {
    size_t start; /* first occurrence */
    size_t end;
    char addr[DSN_ADDR_MAX];
};

#define DSN_MAX_CANDIDATES 64
#define DSN_MAX_TRIES      1024

static const char *const not_recipients[] = {
    "postmaster@",  "mailer-daemon@", "mailer_daemon@",
    "mail-daemon@", "abuse@",         "bounces+",
    NULL,
};

/* Addresses that are the sender's or a system's, not a recipient's. */
static bool
excluded(const struct mime_msg *m, const char *p, size_t l, const char *addr,
         bool system_ok)
{
    static const char *const hdrs[] = {"From",        "To",     "Reply-To",
                                       "Return-Path", "Sender", "Cc"};
    static const char *const before[] = {
        "from:", "from", "sender:", "message-id:", "return-path:"};
    size_t w = l;
    const char *at = strchr(addr, '@');

    if ((!system_ok && dsn_has_any(addr, strlen(addr), not_recipients)) ||
        util_starts_with(addr, "bounces+") ||
        (at != NULL && dsn_find_ci(at, strlen(at), "bounce") != (size_t)-1)) {
        return true;
    }
    for (size_t k = 0; k < TOCSIN_ARRAY_LEN(hdrs); k++) {
        const char *v = mime_fields_get(&m->headers, hdrs[k]);

        if (v != NULL && dsn_find_ci(v, strlen(v), addr) != (size_t)-1) {
            return true;
        }
    }
    /* "MAIL FROM:<sender@...>" in a transcript */
    while (w > 0 && (p[w - 1] == '<' || p[w - 1] == ' ' || p[w - 1] == '"')) {
        w--;
    }
    for (size_t k = 0; k < TOCSIN_ARRAY_LEN(before); k++) {
        size_t len = strlen(before[k]);

        if (w >= len && dsn_starts_ci(p + w - len, len, before[k])) {
            return true;
        }
    }
    return false;
}

/* The distinct recipient addresses named in p[0..n), in order. */
static size_t
find_candidates(const struct mime_msg *m, const char *p, size_t n,
                struct cand *c, size_t max, bool system_ok)
{
    size_t count = 0;
    size_t tries = 0;
    size_t floor = 0; /* an address never reaches into the one before */

    /* each '@' costs a look at the headers: bound the work on junk */
    for (size_t i = 0; i < n && count < max && tries < DSN_MAX_TRIES; i++) {
        size_t l = i;
        size_t r = i + 1;
        bool dup = false;
        char addr[DSN_ADDR_MAX];

        if (p[i] != '@') {
            continue;
        }
        while (l > floor && i - l < 64 && local_char(p[l - 1])) {
            l--;
        }
        while (l < i && p[l] == '.') {
            l++;
        }
        while (r < n && r - i < 255 && domain_char(p[r])) {
            r++;
        }
        while (r > i + 1 && (p[r - 1] == '.' || p[r - 1] == '-')) {
            r--;
        }
        if (l == i || memchr(p + i + 1, '.', r - i - 1) == NULL ||
            r - l >= sizeof(addr)) {
            i = r > i ? r - 1 : i;
            continue;
        }
        memcpy(addr, p + l, r - l);
        addr[r - l] = '\0';
        i = r - 1;
        floor = r;
        tries++;
        if (excluded(m, p, l, addr, system_ok)) {
            continue;
        }
        for (size_t k = 0; k < count && !dup; k++) {
            dup = util_strcasecmp(c[k].addr, addr) == 0;
        }
        if (dup) {
            continue;
        }
        c[count].start = l;
        c[count].end = r;
        memcpy(c[count].addr, addr, sizeof(addr));
        count++;
    }
    return count;
}

/* The bounce's text up to the returned copy, and what it says as a
 * whole (worked out once, when a recipient's own text says nothing). */
struct region {
    const char *p;
    size_t n;
    const char *subject;
    bool done;
    char status[16];
    enum dsn_kind kind;
};

static void
region_read(struct region *g)
{
    if (g->done) {
        return;
    }
    g->done = true;
    if (!dsn_find_status(g->p, g->n, g->status, NULL)) {
        (void)dsn_find_reply_code(g->p, g->n, g->status);
    }
    g->kind = dsn_text_kind(g->p, g->n);
    if (g->kind == DSN_UNKNOWN) {
        g->kind = dsn_text_kind(g->subject, strlen(g->subject));
    }
}

/* Status, reason and kind from the text that follows an address. */
static void
read_segment(struct dsn_recipient *rc, const char *p, size_t n,
             struct region *g, const char *line, size_t line_len)
{
    size_t at = 0;
    size_t from = 0;
    char *seg;

    if (n > 2000) {
        n = 2000;
    }
    if (dsn_find_status(p, n, rc->status, &at)) {
        from = at;
    } else if (!dsn_find_reply_code(p, n, rc->status)) {
        region_read(g);
        memcpy(rc->status, g->status, sizeof(rc->status));
    }
    /* the reason starts at the line that carries the status */
    while (from > 0 && p[from - 1] != '\n') {
        from--;
    }
    /* from the first word: no rulers, quotes or colons */
    while (from < n && !(lc(p[from]) >= 'a' && lc(p[from]) <= 'z') &&
           !is_digit(p[from]) && p[from] != '#' && (p[from] & 0x80) == 0) {
        from++;
    }
    dsn_set_reason(rc->reason, sizeof(rc->reason), p + from, n - from);
    if (rc->reason[0] == '\0') {
        /* "Unknown user: someone@example.org": the reason came first */
        dsn_set_reason(rc->reason, sizeof(rc->reason), line, line_len);
    }
    seg = xstrndup(p, n);
    rc->kind = dsn_classify(rc->status, seg);
    free(seg);
    if (rc->kind == DSN_UNKNOWN && rc->status[0] == '\0') {
        region_read(g);
        rc->kind = g->kind;
    }
}

void
dsn_text_bounce(struct dsn_report *r, const struct mime_msg *m,
                const char *text, size_t n)
{
    struct cand *c = xcalloc(DSN_MAX_CANDIDATES, sizeof(*c));
    size_t rn = copy_start(text, n);
    struct region g = {text, rn, r->subject, false, "", DSN_UNKNOWN};
    size_t count = find_candidates(m, text, rn, c, DSN_MAX_CANDIDATES, false);
    struct dsn_recipient *rc;

    /* a bounce for postmaster@ itself names no other address */
    if (count == 0) {
        count = find_candidates(m, text, rn, c, DSN_MAX_CANDIDATES, true);
    }

    for (size_t k = 0; k < count; k++) {
        size_t end = k + 1 < count ? c[k + 1].start : rn;
        size_t ls = c[k].start;

        if (end < c[k].end) {
            end = c[k].end;
        }
        while (ls > 0 && text[ls - 1] != '\n') {
            ls--;
        }
        rc = dsn_add_rcpt(r);
        if (rc == NULL) {
            break;
        }
        (void)util_strlcpy(rc->address, c[k].addr, sizeof(rc->address));
        read_segment(rc, text + c[k].end, end - c[k].end, &g, text + ls,
                     c[k].start - ls);
    }
    if (count == 0) {
        rc = dsn_add_rcpt(r);
        if (rc != NULL) {
            read_segment(rc, text, rn, &g, "", 0);
        }
    }
    free(c);
}

void
dsn_scan_inline_headers(struct dsn_report *r, const char *text, size_t n)
{
    static const char *const names[] = {
        "message-id:", "list-unsubscribe:", "return-path:", "x-tocsin-"};
    size_t i = 0;

    while (i < n) {
        const char *lf = memchr(text + i, '\n', n - i);
        size_t end = lf != NULL ? (size_t)(lf - text) : n;

        for (size_t k = 0; k < TOCSIN_ARRAY_LEN(names); k++) {
            const char *c;
            size_t colon;
            char name[64];
            char *value;

            if (!dsn_starts_ci(text + i, end - i, names[k])) {
                continue;
            }
            c = memchr(text + i, ':', end - i);
            colon = c != NULL ? (size_t)(c - (text + i)) : sizeof(name);
            if (colon >= sizeof(name)) {
                break;
            }
            memcpy(name, text + i, colon);
            name[colon] = '\0';
            value = xstrndup(text + i + colon + 1, end - i - colon - 1);
            dsn_returned_field(r, name, value);
            free(value);
            break;
        }
        i = end + 1;
    }
}
