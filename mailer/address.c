/*
 * address: RFC 5321 syntax of a mailbox (section 4.1.2: Mailbox,
 * Dot-string, Quoted-string; section 4.1.3 address literals; section
 * 4.5.3.1 lengths), domains lower-cased and converted between Unicode and
 * ASCII with libidn2.  Pure: no I/O.
 */
#include "address.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

#include "util.h"

#define IDN_FLAGS (IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL)

/* RFC 5322 section 3.2.3 atext, without ALPHA and DIGIT */
static bool
is_atext(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9')) {
        return true;
    }
    return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static bool
is_ldh(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* Dot-string: atoms of atext separated by single dots. */
static int
check_dot_string(const char *p, size_t n, struct merr *err)
{
    if (p[0] == '.' || p[n - 1] == '.') {
        return merr_set(err, MERR_INVALID,
                        "local part starts or ends with "
                        "a dot");
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];

        if (c == '.') {
            if (p[i + 1] == '.') {
                return merr_set(err, MERR_INVALID,
                                "consecutive dots in local part");
            }
        } else if (c >= 0x80) {
            return merr_set(err, MERR_INVALID,
                            "non-ASCII local part (needs SMTPUTF8, which "
                            "tocsin does not send)");
        } else if (c == ' ') {
            return merr_set(err, MERR_INVALID, "space in local part");
        } else if (!is_atext(c)) {
            return merr_set(err, MERR_INVALID,
                            "character '%c' not allowed in local part "
                            "without quotes",
                            c > 0x20 && c < 0x7f ? c : '?');
        }
    }
    return 0;
}

/* Quoted-string: DQUOTE *(qtextSMTP / quoted-pairSMTP) DQUOTE */
static int
check_quoted(const char *p, size_t n, struct merr *err)
{
    if (n < 2 || p[n - 1] != '"') {
        return merr_set(err, MERR_INVALID, "unterminated quoted local part");
    }
    for (size_t i = 1; i + 1 < n; i++) {
        unsigned char c = (unsigned char)p[i];

        if (c == '\\') {
            i++;
            c = (unsigned char)p[i];
            if (i + 1 >= n || c < 0x20 || c > 0x7e) {
                return merr_set(err, MERR_INVALID,
                                "bad escape in quoted local part");
            }
        } else if (c == '"') {
            return merr_set(err, MERR_INVALID, "stray quote in local part");
        } else if (c >= 0x80) {
            return merr_set(err, MERR_INVALID,
                            "non-ASCII local part (needs SMTPUTF8, which "
                            "tocsin does not send)");
        } else if (c < 0x20 || c == 0x7f) {
            return merr_set(err, MERR_INVALID,
                            "control character in local part");
        }
    }
    return 0;
}

/* An ASCII domain, lower-case: LDH labels of 1-63, two at least. */
static int
check_ascii_domain(const char *d, struct merr *err)
{
    size_t labels = 0;
    size_t len = strlen(d);
    const char *p = d;
    bool numeric_tld = true;

    if (len > ADDRESS_DOMAIN_MAX) {
        return merr_set(err, MERR_INVALID, "domain longer than %d octets",
                        ADDRESS_DOMAIN_MAX);
    }
    if (d[len - 1] == '.') {
        return merr_set(err, MERR_INVALID, "domain ends with a dot");
    }
    while (*p != '\0') {
        size_t n = strcspn(p, ".");

        if (n == 0) {
            return merr_set(err, MERR_INVALID, "empty label in domain");
        }
        if (n > 63) {
            return merr_set(err, MERR_INVALID,
                            "domain label longer than 63 octets");
        }
        if (p[0] == '-' || p[n - 1] == '-') {
            return merr_set(err, MERR_INVALID,
                            "domain label starts or ends with '-'");
        }
        numeric_tld = true;
        for (size_t i = 0; i < n; i++) {
            if (!is_ldh((unsigned char)p[i])) {
                return merr_set(err, MERR_INVALID,
                                "character '%c' not allowed in domain",
                                p[i] > 0x20 && p[i] < 0x7f ? p[i] : '?');
            }
            if (p[i] < '0' || p[i] > '9') {
                numeric_tld = false;
            }
        }
        labels++;
        p += n;
        if (*p == '.') {
            p++;
        }
    }
    if (labels < 2) {
        return merr_set(err, MERR_INVALID, "domain has no dot");
    }
    if (numeric_tld) {
        return merr_set(err, MERR_INVALID, "domain ends in a numeric label");
    }
    return 0;
}

/*
 * The domain d[0..n) into ascii (lower-case A-labels) and unicode.  The
 * fast path (plain ASCII, no "xn--") never calls libidn2.
 */
static int
convert_domain(const char *d, size_t n, char *ascii, size_t asize,
               char *unicode, size_t usize, struct merr *err)
{
    char in[ADDRESS_DISPLAY_MAX + 1];
    char *out = NULL; /* libidn2 allocates; idn2_free */
    bool non_ascii = false;
    int rc;

    if (n >= sizeof(in)) {
        return merr_set(err, MERR_INVALID, "domain too long");
    }
    memcpy(in, d, n);
    in[n] = '\0';
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)in[i] >= 0x80) {
            non_ascii = true;
        }
    }
    if (non_ascii) {
        if (!util_utf8_valid(in, n, NULL)) {
            return merr_set(err, MERR_INVALID, "domain is not UTF-8");
        }
        if (in[n - 1] == '.') {
            return merr_set(err, MERR_INVALID, "domain ends with a dot");
        }
        rc = idn2_to_ascii_8z(in, &out, IDN_FLAGS);
        if (rc != IDN2_OK) {
            return merr_set(err, MERR_INVALID,
                            "bad internationalised "
                            "domain: %s",
                            idn2_strerror(rc));
        }
        rc = util_strlcpy(ascii, out, asize);
        idn2_free(out);
        out = NULL;
        if (rc != 0) {
            return merr_set(err, MERR_INVALID, "domain too long");
        }
    } else {
        if (util_strlcpy(ascii, in, asize) != 0) {
            return merr_set(err, MERR_INVALID, "domain too long");
        }
    }
    util_lower(ascii);
    rc = check_ascii_domain(ascii, err);
    if (rc != 0) {
        return rc;
    }
    /* A-labels: check they decode, and keep the Unicode form */
    return address_domain_unicode(ascii, unicode, usize, err);
}

int
address_domain_unicode(const char *ascii, char *out, size_t size,
                       struct merr *err)
{
    char *u = NULL; /* libidn2 allocates; idn2_free */
    int rc;

    if (strstr(ascii, "xn--") == NULL) {
        return util_strlcpy(out, ascii, size) != 0
                   ? merr_set(err, MERR_INVALID, "domain too long")
                   : 0;
    }
    rc = idn2_to_unicode_8z8z(ascii, &u, IDN_FLAGS);
    if (rc != IDN2_OK) {
        return merr_set(err, MERR_INVALID, "bad internationalised domain: %s",
                        idn2_strerror(rc));
    }
    rc = util_strlcpy(out, u, size);
    idn2_free(u);
    return rc != 0 ? merr_set(err, MERR_INVALID, "domain too long") : 0;
}

int
address_domain_display(const char *ascii, char *out, size_t size)
{
    struct merr err = {0};
    char *back = NULL; /* libidn2 allocates; idn2_free */
    int rc;

    rc = address_domain_unicode(ascii, out, size, &err);
    if (rc != 0 || strcmp(out, ascii) == 0) {
        return rc;
    }
    /*
     * RFC 5891 section 5.4: a putative A-label is valid only if its
     * decoded form encodes back to it.  idn2_to_unicode_8z8z decodes
     * Punycode without that check, so "xn--a" would show as an empty
     * label and an A-label of U+202E as a bidi override; those are shown
     * as stored instead.
     */
    rc = idn2_to_ascii_8z(out, &back, IDN_FLAGS);
    if (rc != IDN2_OK || strcmp(back, ascii) != 0) {
        rc = MERR_INVALID;
    } else {
        rc = 0;
    }
    idn2_free(back);
    return rc;
}

int
address_parse(const char *in, size_t len, struct address *out, struct merr *err)
{
    char ascii[ADDRESS_DOMAIN_MAX + 1];
    char unicode[ADDRESS_DISPLAY_MAX + 1];
    const char *at = NULL;
    size_t local_len;
    int rc;

    memset(out, 0, sizeof(*out));
    while (len > 0 && (in[0] == ' ' || in[0] == '\t')) {
        in++;
        len--;
    }
    while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\t')) {
        len--;
    }
    if (len == 0) {
        return merr_set(err, MERR_INVALID, "empty address");
    }
    if (memchr(in, '\0', len) != NULL) {
        return merr_set(err, MERR_INVALID, "NUL byte in address");
    }
    /* the last '@': a quoted local part may hold one */
    for (size_t i = len; i > 0; i--) {
        if (in[i - 1] == '@') {
            at = in + i - 1;
            break;
        }
    }
    if (at == NULL) {
        return merr_set(err, MERR_INVALID, "no '@'");
    }
    local_len = (size_t)(at - in);
    if (local_len == 0) {
        return merr_set(err, MERR_INVALID, "empty local part");
    }
    if (at + 1 == in + len) {
        return merr_set(err, MERR_INVALID, "no domain");
    }
    if (local_len > ADDRESS_LOCAL_MAX) {
        return merr_set(err, MERR_INVALID, "local part longer than %d octets",
                        ADDRESS_LOCAL_MAX);
    }
    if (in[0] == '"') {
        rc = check_quoted(in, local_len, err);
    } else {
        rc = check_dot_string(in, local_len, err);
    }
    if (rc != 0) {
        return rc;
    }
    if (at[1] == '[') {
        return merr_set(err, MERR_INVALID,
                        "address literals ([IP]) are not accepted");
    }
    rc = convert_domain(at + 1, len - local_len - 1, ascii, sizeof(ascii),
                        unicode, sizeof(unicode), err);
    if (rc != 0) {
        return rc;
    }
    if (local_len + 1 + strlen(ascii) > ADDRESS_MAX) {
        return merr_set(err, MERR_INVALID, "address longer than %d octets",
                        ADDRESS_MAX);
    }
    memcpy(out->email, in, local_len);
    out->email[local_len] = '@';
    memcpy(out->email + local_len + 1, ascii, strlen(ascii) + 1);
    memcpy(out->key, out->email, sizeof(out->key));
    util_lower(out->key);
    memcpy(out->display, in, local_len);
    out->display[local_len] = '@';
    if (util_strlcpy(out->display + local_len + 1, unicode,
                     sizeof(out->display) - local_len - 1) != 0) {
        return merr_set(err, MERR_INVALID, "domain too long");
    }
    return 0;
}
