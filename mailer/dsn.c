/*
 * dsn: classify one returned message.  This file reads RFC 3464
 * delivery-status reports, finds what identifies our delivery and decides
 * the kind; dsn_feedback.c reads complaints and SES notifications,
 * dsn_text.c plain-text bounces, dsn_words.c what prose says.  No I/O, no
 * state, no libetpan (the message is parsed by mime_parse.c).
 */
#include "dsn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dsn_int.h"
#include "mime_parse.h"
#include "util.h"

/* The local part that carries our VERP token (DESIGN.md: bounces+TOKEN). */
#define DSN_VERP_PREFIX "bounces+"

const char *
dsn_kind_name(enum dsn_kind kind)
{
    switch (kind) {
    case DSN_HARD:
        return "hard";
    case DSN_SOFT:
        return "soft";
    case DSN_COMPLAINT:
        return "complaint";
    case DSN_AUTOREPLY:
        return "autoreply";
    default:
        return "unknown";
    }
}

void
dsn_report_free(struct dsn_report *r)
{
    if (r == NULL) {
        return;
    }
    free(r->rcpts);
    free(r);
}

struct dsn_recipient *
dsn_add_rcpt(struct dsn_report *r)
{
    static size_t alloc_step = 8;
    size_t alloc = (r->nrcpts + alloc_step - 1) / alloc_step * alloc_step;

    if (r->nrcpts >= DSN_MAX_RECIPIENTS) {
        r->cut = true;
        return NULL;
    }
    if (r->nrcpts == alloc) {
        r->rcpts = xrealloc(r->rcpts, (alloc + alloc_step) * sizeof(*r->rcpts));
    }
    memset(&r->rcpts[r->nrcpts], 0, sizeof(*r->rcpts));
    return &r->rcpts[r->nrcpts++];
}

/* ---- status codes ----------------------------------------------------- */

/* "c.s.d" at the start of s (after spaces): RFC 3463 section 2. */
static bool
parse_status(const char *s, int *cls, int *sub, int *det)
{
    uint64_t v[3];
    const char *p = s;

    while (*p == ' ' || *p == '\t') {
        p++;
    }
    for (int k = 0; k < 3; k++) {
        size_t digits = 0;

        v[k] = 0;
        while (*p >= '0' && *p <= '9' && digits < 3) {
            v[k] = v[k] * 10 + (uint64_t)(*p - '0');
            p++;
            digits++;
        }
        if (digits == 0 || (k < 2 && *p != '.')) {
            return false;
        }
        if (k < 2) {
            p++;
        }
    }
    if (*p >= '0' && *p <= '9') {
        return false;
    }
    *cls = (int)v[0];
    *sub = (int)v[1];
    *det = (int)v[2];
    return *cls == 2 || *cls == 4 || *cls == 5;
}

/* Class 5 codes that do not mean the address is bad (RFC 3463, RFC 7372):
 * a full mailbox, a message too big, a busy or looping system, a content
 * or policy block of the sender. */
static bool
permanent_but_soft(int sub, int det)
{
    switch (sub) {
    case 2:
        return det == 2 || det == 3;
    case 3:
        return det == 1 || det == 2 || det == 4;
    case 4:
        return det == 5 || det == 6 || det == 7;
    case 6:
        return true;
    case 7:
        /* 5.7.13 account disabled, 5.7.17/18 owner changed: the address */
        return det != 13 && det != 17 && det != 18;
    default:
        return false;
    }
}

enum dsn_kind
dsn_classify(const char *status, const char *text)
{
    enum dsn_kind tk = DSN_UNKNOWN;
    int cls = 0;
    int sub = 0;
    int det = 0;

    if (text != NULL) {
        tk = dsn_text_kind(text, strlen(text));
    }
    if (status == NULL || !parse_status(status, &cls, &sub, &det)) {
        return tk;
    }
    if (cls == 2) {
        return DSN_UNKNOWN;
    }
    if (cls == 4) {
        return DSN_SOFT;
    }
    if (permanent_but_soft(sub, det)) {
        /* "5.7.1 user unknown": the text knows better than policy codes */
        if (sub == 7 && tk == DSN_HARD) {
            return DSN_HARD;
        }
        return DSN_SOFT;
    }
    /* Generic codes (x.0.0, x.y.0 of "other", protocol errors): the text
     * says what happened, and without a clue a 5 is permanent. */
    if (det == 0 || sub == 5 || sub == 0) {
        return tk != DSN_UNKNOWN ? tk : DSN_HARD;
    }
    return DSN_HARD;
}

/* ---- identification ------------------------------------------------- */

static bool
is_b32(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '2' && c <= '7');
}

/* Copy the base32 run at p (lower-case) if it is a plausible token. */
static bool
take_token(const char *p, size_t n, char out[TOKEN_MAX], char need_after)
{
    size_t k = 0;

    while (k < n && is_b32(p[k])) {
        k++;
    }
    if (k < 16 || k >= TOKEN_MAX) {
        return false;
    }
    if (need_after != '\0' && (k == n || p[k] != need_after)) {
        return false;
    }
    memcpy(out, p, k);
    out[k] = '\0';
    util_lower(out);
    return true;
}

/* The token of a bounces+TOKEN@ address anywhere in value. */
static bool
find_verp(const char *value, char out[TOKEN_MAX])
{
    size_t n = strlen(value);
    size_t off = 0;
    size_t plen = strlen(DSN_VERP_PREFIX);

    while (off < n) {
        size_t at = dsn_find_ci(value + off, n - off, DSN_VERP_PREFIX);

        if (at == (size_t)-1) {
            return false;
        }
        off += at + plen;
        if (take_token(value + off, n - off, out, '@')) {
            return true;
        }
    }
    return false;
}

/* The token of a BASE/u/TOKEN unsubscribe link anywhere in value. */
static bool
find_unsub(const char *value, char out[TOKEN_MAX])
{
    size_t n = strlen(value);
    size_t off = 0;

    while (off < n) {
        size_t at = dsn_find_ci(value + off, n - off, "/u/");

        if (at == (size_t)-1) {
            return false;
        }
        off += at + 3;
        if (take_token(value + off, n - off, out, '\0') &&
            (off + strlen(out) == n || !is_b32(value[off + strlen(out)]))) {
            return true;
        }
    }
    return false;
}

/* A Message-ID value: its first <...> if any, else the trimmed value. */
static void
set_msgid(char *dst, size_t size, const char *value)
{
    const char *lt = strchr(value, '<');
    const char *gt = lt != NULL ? strchr(lt, '>') : NULL;

    if (lt != NULL && gt != NULL) {
        util_sanitize(lt, (size_t)(gt - lt) + 1, dst, size);
    } else {
        util_sanitize(value, strlen(value), dst, size);
    }
}

void
dsn_returned_field(struct dsn_report *r, const char *name, const char *value)
{
    char tmp[DSN_REASON_MAX];

    if (util_strcasecmp(name, "Message-ID") == 0) {
        if (r->message_id[0] == '\0') {
            set_msgid(r->message_id, sizeof(r->message_id), value);
        }
    } else if (util_strcasecmp(name, "List-Unsubscribe") == 0) {
        if (r->returned_token[0] == '\0') {
            (void)find_unsub(value, r->returned_token);
        }
    } else if (util_strcasecmp(name, "Return-Path") == 0) {
        if (r->returned_token[0] == '\0') {
            (void)find_verp(value, r->returned_token);
        }
    } else if (r->tocsin_header[0] == '\0' &&
               dsn_starts_ci(name, strlen(name), "x-tocsin-")) {
        if (snprintf(tmp, sizeof(tmp), "%s: %s", name, value) <
            (int)sizeof(tmp)) {
            util_sanitize(tmp, strlen(tmp), r->tocsin_header,
                          sizeof(r->tocsin_header));
        }
    }
}

/* The VERP token in the headers naming where the bounce was sent. */
static void
find_own_token(struct dsn_report *r, const struct mime_msg *m)
{
    static const char *const names[] = {
        "To",          "Delivered-To",  "X-Original-To",
        "Envelope-To", "X-Envelope-To", "X-Rcpt-To",
        "Cc",
    };

    for (size_t k = 0; k < TOCSIN_ARRAY_LEN(names); k++) {
        size_t from = 0;
        const char *v;

        for (v = mime_fields_next(&m->headers, names[k], &from); v != NULL;
             v = mime_fields_next(&m->headers, names[k], &from)) {
            if (find_verp(v, r->token)) {
                (void)util_strlcpy(r->token_header, names[k],
                                   sizeof(r->token_header));
                return;
            }
        }
    }
}

/* ---- RFC 3464 delivery-status --------------------------------------- */

/* The text of a typed value ("smtp; 550 ..." gives "550 ..."). */
const char *
dsn_typed_text(const char *v)
{
    const char *semi = strchr(v, ';');

    if (semi == NULL || semi - v > 32 || memchr(v, ' ', (size_t)(semi - v))) {
        return v;
    }
    semi++;
    while (*semi == ' ') {
        semi++;
    }
    return semi;
}

void
dsn_set_status(struct dsn_recipient *rc, const char *status, const char *diag)
{
    int cls = 0;
    int sub = 0;
    int det = 0;
    char better[16];
    size_t k = 0;

    if (status != NULL && parse_status(status, &cls, &sub, &det)) {
        while (k + 1 < sizeof(rc->status) &&
               ((status[k] >= '0' && status[k] <= '9') || status[k] == '.' ||
                status[k] == ' ')) {
            k++;
        }
        util_sanitize(status, k, rc->status, sizeof(rc->status));
        /* strip the spaces parse_status skipped */
        {
            size_t lead = strspn(rc->status, " \t");

            memmove(rc->status, rc->status + lead,
                    strlen(rc->status + lead) + 1);
            rc->status[strcspn(rc->status, " \t")] = '\0';
        }
    }
    if (diag == NULL) {
        return;
    }
    /* A generic x.0.0 says less than the code in the diagnostic (SES:
     * "5.0.0" with "5.1.0 - Unknown address error"). */
    if (dsn_find_status(diag, strlen(diag), better, NULL) &&
        (rc->status[0] == '\0' ||
         (sub == 0 && det == 0 && better[0] == rc->status[0]))) {
        memcpy(rc->status, better, sizeof(rc->status));
    } else if (rc->status[0] == '\0' &&
               dsn_find_reply_code(diag, strlen(diag), better)) {
        memcpy(rc->status, better, sizeof(rc->status));
    }
}

static void
read_status_group(struct dsn_report *r, const struct mime_fields *g)
{
    const char *final = mime_fields_get(g, "Final-Recipient");
    const char *orig = mime_fields_get(g, "Original-Recipient");
    const char *action = mime_fields_get(g, "Action");
    const char *status = mime_fields_get(g, "Status");
    const char *diag = mime_fields_get(g, "Diagnostic-Code");
    struct dsn_recipient *rc;
    const char *why;
    int64_t when = 0;

    if (final == NULL && orig == NULL) {
        final = mime_fields_get(g, "X-Actual-Recipient");
    }
    if (final == NULL && orig == NULL && status == NULL) {
        /* the per-message group */
        if (r->arrival_date == 0 &&
            mime_parse_date(mime_fields_get(g, "Arrival-Date"), &when) == 0) {
            r->arrival_date = when;
        }
        return;
    }
    rc = dsn_add_rcpt(r);
    if (rc == NULL) {
        return;
    }
    if (final != NULL) {
        dsn_set_address(rc->address, sizeof(rc->address), final);
    }
    if (orig != NULL) {
        dsn_set_address(rc->original, sizeof(rc->original), orig);
    }
    if (rc->address[0] == '\0') {
        memcpy(rc->address, rc->original, sizeof(rc->address));
    }
    if (action != NULL) {
        size_t k = 0;

        while (k + 1 < sizeof(rc->action) &&
               ((action[k] >= 'a' && action[k] <= 'z') ||
                (action[k] >= 'A' && action[k] <= 'Z'))) {
            rc->action[k] = action[k];
            k++;
        }
        rc->action[k] = '\0';
        util_lower(rc->action);
    }
    if (diag != NULL) {
        diag = dsn_typed_text(diag);
    }
    dsn_set_status(rc, status, diag);
    if (rc->status[0] == '\0') {
        /* Status is required (RFC 3464 2.3.4); derive it from Action */
        const char *derived =
            strcmp(rc->action, "delayed") == 0 ? "4.0.0"
            : strcmp(rc->action, "failed") == 0 || rc->action[0] == '\0'
                ? "5.0.0"
                : "2.0.0";

        (void)util_strlcpy(rc->status, derived, sizeof(rc->status));
    }
    if (mime_parse_date(mime_fields_get(g, "Last-Attempt-Date"), &when) == 0) {
        rc->last_attempt = when;
    }
    why = diag != NULL && diag[0] != '\0' ? diag : status;
    if (why != NULL) {
        dsn_set_reason(rc->reason, sizeof(rc->reason), why, strlen(why));
    }
    if (strcmp(rc->action, "delayed") == 0) {
        rc->kind = DSN_SOFT;
    } else if (strcmp(rc->action, "delivered") == 0 ||
               strcmp(rc->action, "relayed") == 0 ||
               strcmp(rc->action, "expanded") == 0) {
        rc->kind = DSN_UNKNOWN;
    } else if (rc->status[0] == '2') {
        /* "failed" (or "expired") with a success code: the text decides */
        rc->kind =
            diag != NULL ? dsn_text_kind(diag, strlen(diag)) : DSN_UNKNOWN;
    } else {
        rc->kind = dsn_classify(rc->status, diag);
    }
}

/* The groups of a delivery-status body (RFC 3464 section 2.1). */
static void
read_status_body(struct dsn_report *r, const char *p, size_t n)
{
    size_t i = 0;

    while (i < n) {
        struct mime_fields g = {0};
        size_t used = 0;

        mime_parse_fields(p + i, n - i, &g, &used);
        read_status_group(r, &g);
        mime_fields_release(&g);
        if (used == 0) {
            break;
        }
        i += used;
    }
    r->has_status_part = true;
}

/*
 * A delivery-status report pasted as text (a forwarded bounce, or a MIME
 * structure too broken to parse): its Content-Type line, then the groups
 * up to the next boundary line.
 */
static bool
read_inline_status(struct dsn_report *r, const char *p, size_t n)
{
    size_t at = dsn_find_ci(p, n, "message/delivery-status");
    size_t ls;
    size_t start;
    size_t end;

    while (at != (size_t)-1) {
        /* a Content-Type line is short: look back a little only */
        ls = at;
        while (ls > 0 && at - ls < 64 && p[ls - 1] != '\n') {
            ls--;
        }
        while (ls < at && (p[ls] == ' ' || p[ls] == '\t')) {
            ls++;
        }
        if (dsn_starts_ci(p + ls, at - ls, "content-type")) {
            break;
        }
        start = at + 1;
        at = dsn_find_ci(p + start, n - start, "message/delivery-status");
        at = at == (size_t)-1 ? at : at + start;
    }
    if (at == (size_t)-1) {
        return false;
    }
    /* skip the rest of the part's MIME header block */
    start = at;
    while (start < n) {
        const char *lf = memchr(p + start, '\n', n - start);

        if (lf == NULL) {
            return false;
        }
        start = (size_t)(lf - p) + 1;
        if (start < n && (p[start] == '\n' || p[start] == '\r')) {
            break;
        }
    }
    end = dsn_find_ci(p + start, n - start, "\n--");
    end = end == (size_t)-1 ? n : start + end + 1;
    read_status_body(r, p + start, end - start);
    return true;
}

/* ---- the whole message ---------------------------------------------- */

/* Append at most what fits under the cap (text is for patterns only). */
static void
text_add(struct buf *t, const char *p, size_t n)
{
    size_t room = t->max > t->len + 1 ? t->max - t->len - 1 : 0;

    (void)buf_add(t, p, n < room ? n : room);
    (void)buf_addc(t, '\n');
}

static void
set_summary(struct dsn_report *r)
{
    bool hard = false;
    bool soft = false;

    if (r->kind == DSN_UNKNOWN) {
        for (size_t i = 0; i < r->nrcpts; i++) {
            hard = hard || r->rcpts[i].kind == DSN_HARD;
            soft = soft || r->rcpts[i].kind == DSN_SOFT;
        }
        r->kind = hard ? DSN_HARD : soft ? DSN_SOFT : DSN_UNKNOWN;
    }
    for (size_t i = 0; i < r->nrcpts; i++) {
        if (r->rcpts[i].kind == r->kind || i + 1 == r->nrcpts) {
            memcpy(r->status, r->rcpts[i].status, sizeof(r->status));
            memcpy(r->reason, r->rcpts[i].reason, sizeof(r->reason));
            break;
        }
    }
}

static void
analyse(struct dsn_report *r, const struct mime_msg *m, const char *raw,
        size_t rawn)
{
    struct buf text;
    struct buf html;
    const char *v;
    char *subject = NULL;
    bool ses = false;
    int64_t when = 0;

    buf_init(&text, DSN_MAX_TEXT);
    buf_init(&html, DSN_MAX_TEXT);
    r->cut = m->cut;
    v = mime_fields_get(&m->headers, "Subject");
    subject = mime_parse_decode_words(v != NULL ? v : "");
    util_sanitize(subject, strlen(subject), r->subject, sizeof(r->subject));
    v = mime_fields_get(&m->headers, "Message-ID");
    if (v != NULL) {
        set_msgid(r->own_message_id, sizeof(r->own_message_id), v);
    }
    find_own_token(r, m);
    if (mime_parse_date(mime_fields_get(&m->headers, "Date"), &when) == 0) {
        r->date = when;
    }

    for (size_t i = 0; i < m->nparts; i++) {
        const struct mime_part *pt = &m->parts[i];

        for (size_t k = 0; k < pt->fields.n; k++) {
            dsn_returned_field(r, pt->fields.v[k].name, pt->fields.v[k].value);
        }
        if (pt->enclosed || pt->body == NULL) {
            continue;
        }
        if (strcmp(pt->type, "message/delivery-status") == 0 ||
            strcmp(pt->type, "message/global-delivery-status") == 0) {
            read_status_body(r, pt->body, pt->body_len);
        } else if (strcmp(pt->type, "message/feedback-report") == 0) {
            dsn_read_feedback(r, pt->body, pt->body_len);
        } else if (strcmp(pt->type, "text/html") == 0) {
            text_add(&html, pt->body, pt->body_len);
        } else if (util_starts_with(pt->type, "text/")) {
            text_add(&text, pt->body, pt->body_len);
        }
    }
    if (text.len == 0 && html.len > 0) {
        dsn_html_to_text(html.data, html.len, &text);
    }
    if (r->kind != DSN_COMPLAINT && !r->has_status_part) {
        if (!read_inline_status(r, buf_str(&text), text.len)) {
            (void)read_inline_status(r, raw, rawn);
        }
    }
    if (r->kind != DSN_COMPLAINT && !r->has_status_part) {
        const char *t = buf_str(&text);
        size_t brace = strspn(t, " \t\r\n");

        if (t[brace] == '{' &&
            dsn_find_ci(t, text.len, "\"notificationType\"") != (size_t)-1) {
            ses = dsn_read_ses(r, t + brace, text.len - brace);
        }
    }
    if (r->kind != DSN_COMPLAINT && !r->has_status_part && !ses) {
        (void)dsn_other_complaint(r, m);
    }
    if (r->kind == DSN_COMPLAINT) {
        if (r->nrcpts == 0) {
            dsn_complaint_from_returned(r, m);
        }
    } else if (ses) {
        /* the notification said it all */
    } else if (r->has_status_part) {
        /* a report without recipient groups: the text names them */
        if (r->nrcpts == 0) {
            dsn_text_bounce(r, m, buf_str(&text), text.len);
        }
    } else if (dsn_is_autoreply(m, subject) &&
               !dsn_looks_like_bounce(m, subject, NULL, 0)) {
        r->kind = DSN_AUTOREPLY;
    } else if (dsn_looks_like_bounce(m, subject, buf_str(&text), text.len)) {
        dsn_text_bounce(r, m, buf_str(&text), text.len);
    }
    if (r->message_id[0] == '\0' || r->returned_token[0] == '\0') {
        dsn_scan_inline_headers(r, buf_str(&text), text.len);
    }
    set_summary(r);
    free(subject);
    buf_release(&text);
    buf_release(&html);
}

int
dsn_parse(const char *p, size_t n, struct dsn_report **out, struct merr *err)
{
    struct mime_msg *m = NULL;
    struct dsn_report *r = NULL;
    int rc;

    *out = NULL;
    rc = mime_parse_message(p, n, &m, err);
    if (rc != 0) {
        goto out;
    }
    r = xcalloc(1, sizeof(*r));
    analyse(r, m, p, n);
    *out = r;

out:
    mime_msg_free(m);
    return rc;
}
