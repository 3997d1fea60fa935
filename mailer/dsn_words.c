/*
 * dsn_words: what prose in bounces says.  Case-insensitive search, RFC
 * 3463 codes and SMTP replies written in sentences, the phrases of user
 * unknown, mailbox full, spam blocks, bounce and auto-reply subjects, and
 * one-line reasons.  Part of dsn; bounded loops, fixed outputs, no I/O.
 */
#include "dsn_int.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- small text tools --------------------------------------------------- */

static char
lc(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

size_t
dsn_find_ci(const char *p, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    char first;

    if (k == 0) {
        return 0;
    }
    if (k > n) {
        return (size_t)-1;
    }
    first = lc(needle[0]);
    for (size_t i = 0; i + k <= n; i++) {
        size_t j = 1;

        if (lc(p[i]) != first) {
            continue;
        }
        while (j < k && lc(p[i + j]) == lc(needle[j])) {
            j++;
        }
        if (j == k) {
            return i;
        }
    }
    return (size_t)-1;
}

bool
dsn_starts_ci(const char *p, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);

    if (k > n) {
        return false;
    }
    for (size_t i = 0; i < k; i++) {
        if (lc(p[i]) != lc(prefix[i])) {
            return false;
        }
    }
    return true;
}

bool
dsn_has_any(const char *p, size_t n, const char *const *needles)
{
    for (size_t i = 0; needles[i] != NULL; i++) {
        if (dsn_find_ci(p, n, needles[i]) != (size_t)-1) {
            return true;
        }
    }
    return false;
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool
dsn_find_status(const char *p, size_t n, char out[16], size_t *at)
{
    for (size_t i = 0; i + 5 <= n; i++) {
        size_t j = i + 2;
        size_t d1 = 0;
        size_t d2 = 0;

        if ((p[i] != '4' && p[i] != '5') || p[i + 1] != '.') {
            continue;
        }
        if (i > 0 && (is_digit(p[i - 1]) || p[i - 1] == '.')) {
            continue;
        }
        while (j < n && is_digit(p[j]) && d1 < 4) {
            j++;
            d1++;
        }
        if (d1 == 0 || d1 > 3 || j >= n || p[j] != '.') {
            continue;
        }
        j++;
        while (j < n && is_digit(p[j]) && d2 < 4) {
            j++;
            d2++;
        }
        if (d2 == 0 || d2 > 3) {
            continue;
        }
        /* not the start of an address or version "5.1.1.2" */
        if (j < n && (is_digit(p[j]) ||
                      (p[j] == '.' && j + 1 < n && is_digit(p[j + 1])))) {
            continue;
        }
        memcpy(out, p + i, j - i);
        out[j - i] = '\0';
        if (at != NULL) {
            *at = i;
        }
        return true;
    }
    return false;
}

bool
dsn_find_reply_code(const char *p, size_t n, char out[16])
{
    for (size_t i = 0; i + 3 <= n; i++) {
        char after = i + 3 < n ? p[i + 3] : ' ';

        if ((p[i] != '4' && p[i] != '5') || !is_digit(p[i + 1]) ||
            !is_digit(p[i + 2])) {
            continue;
        }
        if (i > 0 && (is_digit(p[i - 1]) || p[i - 1] == '.' ||
                      (lc(p[i - 1]) >= 'a' && lc(p[i - 1]) <= 'z'))) {
            continue;
        }
        if (after != ' ' && after != '-' && after != '\r' && after != '\n') {
            continue;
        }
        out[0] = p[i];
        memcpy(out + 1, ".0.0", 5);
        return true;
    }
    return false;
}

void
dsn_set_reason(char *dst, size_t size, const char *p, size_t n)
{
    char tmp[DSN_REASON_MAX * 2];
    size_t o = 0;
    bool space = true; /* drops leading white space */

    for (size_t i = 0; i < n && o + 1 < sizeof(tmp); i++) {
        char c = p[i];

        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            if (!space) {
                tmp[o++] = ' ';
            }
            space = true;
            continue;
        }
        space = false;
        tmp[o++] = c;
    }
    /* what ends a reason before the next address: "<", rulers */
    while (o > 0 && strchr(" <-=*#_", tmp[o - 1]) != NULL) {
        o--;
    }
    util_sanitize(tmp, o, dst, size);
}

void
dsn_set_address(char *dst, size_t size, const char *value)
{
    const char *v = value;
    const char *lt;
    const char *gt;
    const char *semi = strchr(v, ';');
    size_t n;

    /* "rfc822; user@example.org": the address type goes */
    if (semi != NULL && (size_t)(semi - v) < 16 && strchr(v, '@') > semi) {
        v = semi + 1;
    }
    lt = strchr(v, '<');
    gt = lt != NULL ? strchr(lt, '>') : NULL;
    if (lt != NULL && gt != NULL && gt > lt + 1) {
        v = lt + 1;
        n = (size_t)(gt - v);
    } else {
        while (*v == ' ' || *v == '\t' || *v == '<' || *v == '"') {
            v++;
        }
        n = strcspn(v, " \t,>\"");
    }
    util_sanitize(v, n, dst, size);
}

void
dsn_html_to_text(const char *p, size_t n, struct buf *out)
{
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&lt;", '<'},   {"&gt;", '>'},   {"&amp;", '&'},
                {"&quot;", '"'}, {"&nbsp;", ' '}, {"&#64;", '@'},
                {"&#39;", '\''}};
    size_t room;

    for (size_t i = 0; i < n; i++) {
        room = out->max - out->len;
        if (room < 2) {
            return;
        }
        if (p[i] == '<') {
            const char *gt = memchr(p + i, '>', n - i);
            size_t end = gt != NULL ? (size_t)(gt - p) : n;

            /* block ends become line breaks, other tags nothing */
            if (dsn_starts_ci(p + i, end - i, "<br") ||
                dsn_starts_ci(p + i, end - i, "</p") ||
                dsn_starts_ci(p + i, end - i, "</div") ||
                dsn_starts_ci(p + i, end - i, "</tr")) {
                (void)buf_addc(out, '\n');
            }
            i = end;
            continue;
        }
        if (p[i] == '&') {
            bool done = false;

            for (size_t k = 0; k < TOCSIN_ARRAY_LEN(ents); k++) {
                size_t len = strlen(ents[k].ent);

                if (i + len <= n && dsn_starts_ci(p + i, len, ents[k].ent)) {
                    (void)buf_addc(out, ents[k].c);
                    i += len - 1;
                    done = true;
                    break;
                }
            }
            if (done) {
                continue;
            }
        }
        (void)buf_addc(out, p[i]);
    }
}

/* ---- what prose says ------------------------------------------------ */

/* Full mailboxes and oversize messages: the address is fine. */
static const char *const full_words[] = {
    "mailbox full",
    "mailbox is full",
    "mailbox was full",
    "quota",
    "exceeded storage",
    "storage allocation",
    "insufficient storage",
    "out of storage",
    "mailbox size limit",
    "full mailbox",
    "mailfolder is full",
    "too many messages",
    "message too large",
    "message size exceeds",
    "exceeds the size",
    "message is too big",
    "size limit",
    "exceeded",
    NULL,
};

/* The address does not exist or is closed. */
static const char *const unknown_words[] = {
    "user unknown",
    "unknown user",
    "no such user",
    "no such recipient",
    "no such mailbox",
    "unknown recipient",
    "recipient unknown",
    "recipient not found",
    "recipient address rejected",
    "invalid recipient",
    "invalid mailbox",
    "invalid address",
    "address rejected",
    "does not exist",
    "doesn't exist",
    "not exist",
    "no mailbox",
    "mailbox not found",
    "mailbox unavailable",
    "mailbox is unavailable",
    "mailbox unknown",
    "mailbox disabled",
    "mailbox is disabled",
    "user not found",
    "address not found",
    "couldn't be found",
    "could not be found",
    "unrouteable address",
    "unroutable address",
    "unknown address",
    "no such address",
    "not our customer",
    "account disabled",
    "account has been disabled",
    "account is disabled",
    "account is inactive",
    "account has been deleted",
    "account expired",
    "host not found",
    "domain not found",
    "no such domain",
    "host or domain name not found",
    "name or service not known",
    "unknown local part",
    "addressee unknown",
    "not a registered",
    "not listed in",
    "recipnotfound",
    "is not a valid mailbox",
    "bad destination mailbox",
    "no longer available",
    "no valid recipients",
    "user doesn't have",
    "user does not exist",
    "mailbox does not",
    "not found in directory",
    "unknown or illegal alias",
    "not found",
    "lookup failure",
    "no mx record",
    "could not find a gateway",
    "malformed",
    NULL,
};

/* Not the address's fault: filters, policy, limits, transient trouble. */
static const char *const soft_words[] = {
    "spam",
    "blacklist",
    "blocklist",
    "black list",
    "block list",
    "blocked",
    "spamhaus",
    "rbl",
    "reputation",
    "policy",
    "content rejected",
    "dmarc",
    "not authorized",
    "unauthenticated",
    "rate limit",
    "too many",
    "try again",
    "temporar",
    "greylist",
    "graylist",
    "deferred",
    "delayed",
    "will retry",
    "still trying",
    "retry",
    "timed out",
    "timeout",
    "connection refused",
    "not accepting",
    "mail loop",
    "loop detected",
    "virus",
    "relay access denied",
    "relaying denied",
    "expired",
    NULL,
};

/* A failure with no more detail. */
static const char *const perm_words[] = {
    "permanent",
    "fatal",
    "failed permanently",
    "given up",
    "giving up",
    "could not be delivered",
    "undeliverable",
    "undelivered",
    "delivery failed",
    "was not delivered",
    "wasn't delivered",
    "rejected",
    "failed",
    NULL,
};

enum dsn_kind
dsn_text_kind(const char *p, size_t n)
{
    if (dsn_has_any(p, n, full_words)) {
        return DSN_SOFT;
    }
    if (dsn_has_any(p, n, unknown_words)) {
        return DSN_HARD;
    }
    if (dsn_has_any(p, n, soft_words)) {
        return DSN_SOFT;
    }
    if (dsn_has_any(p, n, perm_words)) {
        return DSN_HARD;
    }
    return DSN_UNKNOWN;
}

/* ---- is it a bounce, an auto-reply? --------------------------------- */

static const char *const daemon_words[] = {
    "mailer-daemon", "mailer_daemon",      "mail-daemon",
    "maildaemon",    "postmaster",         "post_master",
    "mail delivery", "mail administrator", NULL,
};

static const char *const bounce_subjects[] = {
    "undeliver",
    "undelivered",
    "delivery status notification",
    "returned mail",
    "mail delivery failed",
    "delivery failure",
    "failure notice",
    "delivery notification",
    "returned to sender",
    "could not be delivered",
    "delivery has failed",
    "mail system error",
    "could not send message",
    "delayed mail",
    "delivery delayed",
    "nondeliverable",
    "non remis",
    "unzustellbar",
    "non recapitabile",
    "no se puede entregar",
    "not delivered",
    "delivery problem",
    "mail delivery",
    "bounce",
    NULL,
};

static const char *const bounce_phrases[] = {
    "could not be delivered",
    "delivery has failed",
    "permanent error",
    "failed permanently",
    "was not delivered",
    "wasn't delivered",
    "delivery to the following recipient",
    "unable to deliver",
    "following address(es) failed",
    "wasn't able to deliver",
    "did not reach the following recipient",
    "delivery failed",
    "undeliverable",
    "permanent fatal errors",
    "couldn't be delivered",
    "message not delivered",
    "not be delivered",
    "returned mail",
    "delivery status notification",
    "transcript of session",
    NULL,
};

bool
dsn_looks_like_bounce(const struct mime_msg *m, const char *subject,
                      const char *text, size_t n)
{
    const char *from = mime_fields_get(&m->headers, "From");

    if (from != NULL && dsn_has_any(from, strlen(from), daemon_words)) {
        return true;
    }
    if (dsn_has_any(subject, strlen(subject), bounce_subjects)) {
        return true;
    }
    return text != NULL && dsn_has_any(text, n, bounce_phrases);
}

static const char *const autoreply_subjects[] = {
    "out of office",
    "out of the office",
    "automatic reply",
    "auto reply",
    "auto-reply",
    "autoreply",
    "autorespon",
    "auto response",
    "auto-response",
    "vacation",
    "away until",
    "away from",
    "abwesenheit",
    "automatische antwort",
    "réponse automatique",
    "respuesta automática",
    "risposta automatica",
    "automatisch antwoord",
    "resposta automática",
    "autosvar",
    "fuera de la oficina",
    "on leave",
    "absence",
    NULL,
};

bool
dsn_is_autoreply(const struct mime_msg *m, const char *subject)
{
    const char *v = mime_fields_get(&m->headers, "Auto-Submitted");

    /* RFC 3834 section 5: "auto-replied" marks a response */
    if (v != NULL && dsn_starts_ci(v, strlen(v), "auto-replied")) {
        return true;
    }
    if (mime_fields_get(&m->headers, "X-Autoreply") != NULL ||
        mime_fields_get(&m->headers, "X-Autorespond") != NULL ||
        mime_fields_get(&m->headers, "X-Autoreply-From") != NULL) {
        return true;
    }
    v = mime_fields_get(&m->headers, "Precedence");
    if (v != NULL && dsn_find_ci(v, strlen(v), "auto_reply") != (size_t)-1) {
        return true;
    }
    return dsn_has_any(subject, strlen(subject), autoreply_subjects);
}
