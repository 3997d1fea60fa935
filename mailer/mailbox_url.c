/*
 * mailbox_url: parsing mailbox URLs (imaps://user@host:port/FOLDER and
 * the like, RFC 3986 with percent-decoding).  No network, no libetpan.
 */
#include "mailbox.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static int
hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* RFC 3986 percent-decoding of p[0..n) into a new string, NULL if bad. */
static char *
pct_decode(const char *p, size_t n)
{
    char *out = xmalloc(n + 1);
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        if (p[i] == '%') {
            int hi = i + 2 < n ? hexval(p[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(p[i + 2]) : -1;

            /* a NUL byte would cut the string: refused like bad hex */
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                free(out);
                return NULL;
            }
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = p[i];
        }
    }
    out[o] = '\0';
    return out;
}

void
mailbox_url_release(struct mailbox_url *u)
{
    if (u == NULL) {
        return;
    }
    free(u->scheme);
    free(u->user);
    free(u->host);
    free(u->folder);
    memset(u, 0, sizeof(*u));
}

int
mailbox_url_parse(const char *url, struct mailbox_url *out, struct merr *err)
{
    static const struct {
        const char *scheme;
        uint16_t port;
        bool tls;
    } schemes[] = {
        {"imaps", 993, true},
        {"imap", 143, false},
        {"pop3s", 995, true},
        {"pop3", 110, false},
    };
    const char *p = strstr(url, "://");
    const char *auth, *end, *at, *hp, *colon;
    uint64_t port = 0;
    size_t i;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (p == NULL) {
        return merr_set(err, MERR_USAGE, "%s: not a URL (scheme://...)", url);
    }
    for (i = 0; i < TOCSIN_ARRAY_LEN(schemes); i++) {
        if (strlen(schemes[i].scheme) == (size_t)(p - url) &&
            strncmp(url, schemes[i].scheme, (size_t)(p - url)) == 0) {
            break;
        }
    }
    if (i == TOCSIN_ARRAY_LEN(schemes)) {
        return merr_set(err, MERR_USAGE, "%s: unknown scheme", url);
    }
    out->scheme = xstrdup(schemes[i].scheme);
    out->tls = schemes[i].tls;
    out->port = schemes[i].port;
    auth = p + 3;
    end = auth + strcspn(auth, "/?#");
    /* the last '@' of the authority ends the user (user@example.org@host) */
    at = NULL;
    for (const char *q = auth; q < end; q++) {
        if (*q == '@') {
            at = q;
        }
    }
    if (at == NULL || at == auth) {
        rc =
            merr_set(err, MERR_USAGE, "%s: no user (scheme://user@host/)", url);
        goto out;
    }
    out->user = pct_decode(auth, (size_t)(at - auth));
    if (out->user == NULL) {
        rc = merr_set(err, MERR_USAGE, "%s: bad %%-escape in user", url);
        goto out;
    }
    hp = at + 1;
    if (*hp == '[') {
        const char *rb = memchr(hp, ']', (size_t)(end - hp));

        if (rb == NULL) {
            rc = merr_set(err, MERR_USAGE, "%s: unclosed [", url);
            goto out;
        }
        out->host = xstrndup(hp + 1, (size_t)(rb - hp - 1));
        colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
        if (rb + 1 < end && colon == NULL) {
            rc = merr_set(err, MERR_USAGE, "%s: junk after ]", url);
            goto out;
        }
    } else {
        colon = memchr(hp, ':', (size_t)(end - hp));
        out->host = xstrndup(hp, (size_t)((colon != NULL ? colon : end) - hp));
    }
    if (out->host[0] == '\0') {
        rc = merr_set(err, MERR_USAGE, "%s: no host", url);
        goto out;
    }
    if (colon != NULL) {
        char num[8];
        size_t len = (size_t)(end - colon - 1);

        if (len == 0 || len >= sizeof(num)) {
            rc = merr_set(err, MERR_USAGE, "%s: bad port", url);
            goto out;
        }
        memcpy(num, colon + 1, len);
        num[len] = '\0';
        if (util_parse_uint(num, 65535, &port) != 0 || port == 0) {
            rc = merr_set(err, MERR_USAGE, "%s: bad port", url);
            goto out;
        }
        out->port = (uint16_t)port;
    }
    if (strpbrk(end, "?#") != NULL) {
        rc =
            merr_set(err, MERR_USAGE, "%s: query or fragment not allowed", url);
        goto out;
    }
    if (*end == '/' && end[1] != '\0') {
        out->folder = pct_decode(end + 1, strlen(end + 1));
        if (out->folder == NULL) {
            rc = merr_set(err, MERR_USAGE, "%s: bad %%-escape in folder", url);
            goto out;
        }
    } else {
        out->folder = xstrdup("INBOX");
    }
out:
    if (rc != 0) {
        mailbox_url_release(out);
    }
    return rc;
}
