/*
 * dsn_feedback: complaints and provider notifications.  RFC 5965 feedback
 * reports, Hotmail's JMRP, Apple Mail's unsubscribe requests, and Amazon
 * SES JSON notifications (bounces, complaints, deliveries) as they arrive
 * by e-mail.  Part of dsn; no I/O.
 */
#include "dsn_int.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "util.h"

/* ---- RFC 5965 feedback reports ---------------------------------------- */

void
dsn_add_complaint(struct dsn_report *r, const char *addr)
{
    struct dsn_recipient *rc = dsn_add_rcpt(r);

    if (rc == NULL) {
        return;
    }
    dsn_set_address(rc->address, sizeof(rc->address), addr);
    rc->kind = DSN_COMPLAINT;
    if (r->feedback_type[0] != '\0') {
        dsn_set_reason(rc->reason, sizeof(rc->reason), r->feedback_type,
                       strlen(r->feedback_type));
    } else {
        (void)util_strlcpy(rc->reason, "complaint", sizeof(rc->reason));
    }
}

void
dsn_read_feedback(struct dsn_report *r, const char *p, size_t n)
{
    struct mime_fields g = {0};
    const char *v;
    size_t from = 0;

    mime_parse_fields(p, n, &g, NULL);
    v = mime_fields_get(&g, "Feedback-Type");
    util_sanitize(v != NULL ? v : "abuse", strlen(v != NULL ? v : "abuse"),
                  r->feedback_type, sizeof(r->feedback_type));
    util_lower(r->feedback_type);
    r->kind = DSN_COMPLAINT;
    for (v = mime_fields_next(&g, "Original-Rcpt-To", &from); v != NULL;
         v = mime_fields_next(&g, "Original-Rcpt-To", &from)) {
        dsn_add_complaint(r, v);
    }
    from = 0;
    for (v = mime_fields_next(&g, "Removal-Recipient", &from); v != NULL;
         v = mime_fields_next(&g, "Removal-Recipient", &from)) {
        dsn_add_complaint(r, v);
    }
    mime_fields_release(&g);
}

/* ---- Amazon SES notifications (JSON, often delivered by e-mail) ------- */

static const char *
jstr(json_t *obj, const char *key)
{
    /* borrowed reference; NULL when absent or not a string */
    return json_string_value(json_object_get(obj, key));
}

static void
ses_recipients(struct dsn_report *r, json_t *list, enum dsn_kind base)
{
    size_t i;
    json_t *it;

    json_array_foreach(list, i, it)
    {
        /* delivery notifications list bare addresses */
        const char *addr = json_is_string(it) ? json_string_value(it)
                                              : jstr(it, "emailAddress");
        const char *status = jstr(it, "status");
        const char *action = jstr(it, "action");
        const char *diag = jstr(it, "diagnosticCode");
        struct dsn_recipient *rc = dsn_add_rcpt(r);

        if (rc == NULL) {
            return;
        }
        dsn_set_address(rc->address, sizeof(rc->address),
                        addr != NULL ? addr : "");
        if (diag != NULL) {
            diag = dsn_typed_text(diag);
            dsn_set_reason(rc->reason, sizeof(rc->reason), diag, strlen(diag));
        }
        if (action != NULL) {
            util_sanitize(action, strlen(action), rc->action,
                          sizeof(rc->action));
            util_lower(rc->action);
        }
        dsn_set_status(rc, status, diag);
        if (rc->status[0] == '\0' && base == DSN_UNKNOWN) {
            (void)util_strlcpy(rc->status, "2.0.0", sizeof(rc->status));
            (void)util_strlcpy(rc->action, "delivered", sizeof(rc->action));
        }
        rc->kind = base;
        if (base == DSN_HARD && rc->status[0] != '\0') {
            rc->kind = dsn_classify(rc->status, diag);
        }
    }
}

bool
dsn_read_ses(struct dsn_report *r, const char *p, size_t n)
{
    struct buf b;
    json_t *root = NULL;
    json_t *mail;
    json_t *obj;
    const char *type;
    const char *sub;
    size_t i;
    json_t *it;
    bool ok = false;

    buf_init(&b, n + 1);
    /* SNS folds long lines as "!" CRLF SP; JSON has no raw line breaks in
     * strings, so the fold can be taken out everywhere. */
    for (size_t k = 0; k < n; k++) {
        if (p[k] == '!' && k + 2 < n && p[k + 1] == '\n' && p[k + 2] == ' ') {
            k += 2;
            continue;
        }
        if (p[k] == '!' && k + 3 < n && p[k + 1] == '\r' && p[k + 2] == '\n' &&
            p[k + 3] == ' ') {
            k += 3;
            continue;
        }
        (void)buf_addc(&b, p[k]);
    }
    /* json_loadb ignores what follows the object (the SNS footer) with
     * JSON_DISABLE_EOF_CHECK; the root is ours to json_decref(). */
    root = json_loadb(buf_str(&b), b.len, JSON_DISABLE_EOF_CHECK, NULL);
    type = jstr(root, "notificationType");
    if (!json_is_object(root) || type == NULL) {
        goto out;
    }
    ok = true;
    if (strcmp(type, "Bounce") == 0) {
        obj = json_object_get(root, "bounce");
        sub = jstr(obj, "bounceType");
        ses_recipients(r, json_object_get(obj, "bouncedRecipients"),
                       sub != NULL && strcmp(sub, "Transient") == 0 ? DSN_SOFT
                       : sub != NULL && strcmp(sub, "Permanent") == 0
                           ? DSN_HARD
                           : DSN_UNKNOWN);
        r->has_status_part = true;
    } else if (strcmp(type, "Complaint") == 0) {
        obj = json_object_get(root, "complaint");
        sub = jstr(obj, "complaintFeedbackType");
        util_sanitize(sub != NULL ? sub : "abuse",
                      strlen(sub != NULL ? sub : "abuse"), r->feedback_type,
                      sizeof(r->feedback_type));
        r->kind = DSN_COMPLAINT;
        json_array_foreach(json_object_get(obj, "complainedRecipients"), i, it)
        {
            dsn_add_complaint(r, jstr(it, "emailAddress") != NULL
                                     ? jstr(it, "emailAddress")
                                     : "");
        }
    } else {
        ses_recipients(
            r, json_object_get(json_object_get(root, "delivery"), "recipients"),
            DSN_UNKNOWN);
    }
    mail = json_object_get(root, "mail");
    json_array_foreach(json_object_get(mail, "headers"), i, it)
    {
        const char *name = jstr(it, "name");
        const char *value = jstr(it, "value");

        if (name != NULL && value != NULL) {
            dsn_returned_field(r, name, value);
        }
    }

out:
    json_decref(root);
    buf_release(&b);
    return ok;
}

/* A complaint that names nobody: the recipient of the returned message
 * (Hotmail's JMRP names it in X-HmXmrOriginalRecipient), else its To. */
void
dsn_complaint_from_returned(struct dsn_report *r, const struct mime_msg *m)
{
    static const char *const names[] = {"X-HmXmrOriginalRecipient", "To"};

    for (size_t k = 0; k < TOCSIN_ARRAY_LEN(names); k++) {
        for (size_t i = 0; i < m->nparts; i++) {
            const char *to = mime_fields_get(&m->parts[i].fields, names[k]);

            if (to != NULL) {
                dsn_add_complaint(r, to);
                return;
            }
        }
    }
}

/*
 * Complaints that are not RFC 5965 reports: Hotmail/Outlook JMRP (a
 * message/rfc822 from staff@hotmail.com) and the unsubscribe request
 * Apple Mail sends (X-Apple-Unsubscribe), which also means "stop".
 */
bool
dsn_other_complaint(struct dsn_report *r, const struct mime_msg *m)
{
    const char *v = mime_fields_get(&m->headers, "X-Apple-Unsubscribe");

    if (v != NULL && util_strcasecmp(v, "true") == 0) {
        (void)util_strlcpy(r->feedback_type, "unsubscribe",
                           sizeof(r->feedback_type));
        v = mime_fields_get(&m->headers, "From");
        dsn_add_complaint(r, v != NULL ? v : "");
        r->kind = DSN_COMPLAINT;
        return true;
    }
    if (dsn_find_ci(r->subject, strlen(r->subject),
                    "complaint about message") == (size_t)-1) {
        return false;
    }
    (void)util_strlcpy(r->feedback_type, "abuse", sizeof(r->feedback_type));
    r->kind = DSN_COMPLAINT;
    return true;
}
