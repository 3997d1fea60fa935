/*
 * report: assembling an appeal's figures from store_report's grouped rows
 * (per language and in total), the derived values (conversion, duration,
 * rate), and the small formatting helpers the writers share.  No SQL, no
 * file I/O.  The writers are in report_write.c and report_html.c.
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "store_appeal.h"
#include "store_report.h"
#include "util.h"

#define OFF(n) offsetof(struct report_figures, n)

const struct report_field report_fields[] = {
    {"recipients", "Recipients", OFF(recipients)},
    {"queued", "Waiting to be sent", OFF(queued)},
    {"sending", "Being sent", OFF(sending)},
    {"sent", "Sent", OFF(sent)},
    {"deferred", "Delayed, will be retried", OFF(deferred)},
    {"failed", "Refused by the receiving server", OFF(failed)},
    {"uncertain", "Connection lost, may have arrived", OFF(uncertain)},
    {"expired", "Given up after retries", OFF(expired)},
    {"bounced", "Bounced back", OFF(bounced)},
    {"bounced_hard", "Bounced: address does not exist", OFF(bounced_hard)},
    {"bounced_soft", "Bounced: temporary problem", OFF(bounced_soft)},
    {"complaints", "Marked as spam", OFF(complaints)},
    {"unsubscribed", "Unsubscribed", OFF(unsubscribed)},
    {"signatures", "Signatures", OFF(signatures)},
    {"signatures_link", "Signed through the personal link",
     OFF(signatures_link)},
    {"signatures_webhook", "Signed on the petition platform",
     OFF(signatures_webhook)},
    {"unique_signers", "People who signed", OFF(unique_signers)},
    {"signers_mailed", "Signers who had received the appeal",
     OFF(signers_mailed)},
};
const size_t report_nfields = TOCSIN_ARRAY_LEN(report_fields);

int
report_format_parse(const char *name, enum report_format *out)
{
    static const struct {
        const char *name;
        enum report_format fmt;
    } names[] = {
        {"text", REPORT_TEXT},
        {"csv", REPORT_CSV},
        {"json", REPORT_JSON},
        {"html", REPORT_HTML},
    };

    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(names); i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].fmt;
            return 0;
        }
    }
    return MERR_USAGE;
}

bool
report_conversion(const struct report_figures *f, double *out)
{
    *out = 0;
    if (f->sent <= 0) {
        return false;
    }
    *out = (double)f->signers_mailed / (double)f->sent;
    return true;
}

int64_t
report_duration(const struct report *r)
{
    if (r->first_send <= 0 || r->last_send < r->first_send) {
        return 0;
    }
    return r->last_send - r->first_send;
}

bool
report_rate(const struct report *r, double *out)
{
    int64_t d = report_duration(r);

    *out = 0;
    if (d <= 0) {
        return false;
    }
    *out = (double)r->total.sent / (double)d;
    return true;
}

void
report_group_digits(int64_t n, char *out, size_t size)
{
    char digits[24];
    size_t len, o = 0;
    int w;

    w = snprintf(digits, sizeof(digits), "%lld", (long long)n);
    if (w < 0 || size == 0) {
        return;
    }
    len = (size_t)w;
    for (size_t i = 0; i < len && o + 1 < size; i++) {
        size_t left = len - i; /* digits from here to the end */

        if (i > 0 && digits[i - 1] != '-' && left % 3 == 0 && o + 2 < size) {
            out[o++] = ',';
        }
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

void
report_format_duration(int64_t secs, char *out, size_t size)
{
    long long s = secs < 0 ? 0 : (long long)secs;

    if (s < 60) {
        (void)snprintf(out, size, "%lld s", s);
    } else if (s < 3600) {
        (void)snprintf(out, size, "%lld min %02lld s", s / 60, s % 60);
    } else if (s < 86400) {
        (void)snprintf(out, size, "%lld h %02lld min", s / 3600, s % 3600 / 60);
    } else {
        (void)snprintf(out, size, "%lld d %02lld h", s / 86400,
                       s % 86400 / 3600);
    }
}

/* Characters that end a word of a bounce reason; an address is a word
 * with an '@' (an unquoted local part holds none of these). */
static bool
word_end(char c)
{
    return c == '\0' || strchr(" \t\r\n<>\"'()[],;:", c) != NULL;
}

void
report_redact(const char *in, char *out, size_t size)
{
    static const char mark[] = "<address>";
    size_t o = 0;
    const char *p = in;

    if (size == 0) {
        return;
    }
    while (*p != '\0' && o + 1 < size) {
        const char *end = p;
        bool at = false;

        if (word_end(*p)) {
            out[o++] = *p++;
            continue;
        }
        while (!word_end(*end)) {
            at = at || *end == '@';
            end++;
        }
        if (!at) {
            size_t n = (size_t)(end - p);

            if (n > size - 1 - o) {
                n = size - 1 - o;
            }
            memcpy(out + o, p, n);
            o += n;
            p = end;
            continue;
        }
        /* "<x@y>" becomes "<address>", not "<<address>>" */
        if (o > 0 && out[o - 1] == '<' && *end == '>') {
            o--;
            end++;
        }
        if (o + sizeof(mark) - 1 >= size) {
            break;
        }
        memcpy(out + o, mark, sizeof(mark) - 1);
        o += sizeof(mark) - 1;
        p = end;
    }
    out[o] = '\0';
}

/* The figures of language tag in r, added (zeroed) when new. */
static struct report_figures *
lang_figures(struct report *r, const char *tag)
{
    const char *t = tag[0] != '\0' ? tag : "und";

    for (size_t i = 0; i < r->nlangs; i++) {
        if (strcmp(r->langs[i].language, t) == 0) {
            return &r->langs[i].f;
        }
    }
    r->langs = xrealloc(r->langs, (r->nlangs + 1) * sizeof(r->langs[0]));
    memset(&r->langs[r->nlangs], 0, sizeof(r->langs[0]));
    r->langs[r->nlangs].language = xstrdup(t);
    return &r->langs[r->nlangs++].f;
}

static int
on_state(void *arg, const struct store_report_state *row)
{
    struct report *r = arg;
    struct report_figures *f = lang_figures(r, row->language);
    static const struct {
        const char *state;
        size_t offset;
    } states[] = {
        {"queued", OFF(queued)},   {"sending", OFF(sending)},
        {"sent", OFF(sent)},       {"deferred", OFF(deferred)},
        {"failed", OFF(failed)},   {"uncertain", OFF(uncertain)},
        {"expired", OFF(expired)}, {"bounced", OFF(bounced)},
    };

    f->recipients += row->count;
    f->unsubscribed += row->unsubscribed;
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(states); i++) {
        if (strcmp(row->state, states[i].state) == 0) {
            *(int64_t *)((char *)f + states[i].offset) += row->count;
        }
    }
    /* a bounced delivery had been sent (DESIGN.md: sent -> bounced) */
    if (strcmp(row->state, "bounced") == 0) {
        f->sent += row->count;
    }
    if (row->first_sent > 0 &&
        (r->first_send == 0 || row->first_sent < r->first_send)) {
        r->first_send = row->first_sent;
    }
    if (row->last_sent > r->last_send) {
        r->last_send = row->last_sent;
    }
    return 0;
}

static int
on_bounce(void *arg, const struct store_report_bounce *row)
{
    struct report_figures *f = lang_figures(arg, row->language);

    if (strcmp(row->kind, "hard") == 0) {
        f->bounced_hard += row->deliveries;
    } else if (strcmp(row->kind, "soft") == 0) {
        f->bounced_soft += row->deliveries;
    } else if (strcmp(row->kind, "complaint") == 0) {
        f->complaints += row->deliveries;
    }
    return 0;
}

static int
on_sig(void *arg, const struct store_report_sig *row)
{
    struct report_figures *f = lang_figures(arg, row->language);

    f->signatures += row->signatures;
    if (strcmp(row->source, "link") == 0) {
        f->signatures_link += row->signatures;
    } else if (strcmp(row->source, "webhook") == 0) {
        f->signatures_webhook += row->signatures;
    }
    /* one signature per person and appeal: the sources do not overlap */
    f->unique_signers += row->signers;
    f->signers_mailed += row->signers_mailed;
    return 0;
}

static int
on_domain(void *arg, const struct store_report_domain *row)
{
    struct report *r = arg;
    struct report_domain *d;
    char display[ADDRESS_DISPLAY_MAX + 1];

    r->domains = xrealloc(r->domains, (r->ndomains + 1) * sizeof(*d));
    d = &r->domains[r->ndomains++];
    d->domain = xstrdup(row->domain);
    if (address_domain_display(row->domain, display, sizeof(display)) == 0) {
        d->display = xstrdup(display);
    } else {
        d->display = xstrdup(row->domain);
    }
    d->recipients = row->recipients;
    d->sent = row->sent;
    d->bounced = row->bounced;
    return 0;
}

static int
on_reason(void *arg, const struct store_report_reason *row)
{
    struct report *r = arg;
    struct report_reason *x;
    char redacted[TOCSIN_MAX_REPLY];
    char clean[TOCSIN_MAX_REPLY];

    /* the reason comes from a remote server: no addresses, no control
     * characters, valid UTF-8, whatever the format */
    report_redact(row->reason, redacted, sizeof(redacted));
    util_sanitize(redacted, strlen(redacted), clean, sizeof(clean));
    r->reasons = xrealloc(r->reasons, (r->nreasons + 1) * sizeof(*x));
    x = &r->reasons[r->nreasons++];
    x->kind = xstrdup(row->kind);
    x->status = xstrdup(row->status);
    x->reason = xstrdup(clean);
    x->count = row->count;
    return 0;
}

static int
on_hour(void *arg, const struct store_report_hour *row)
{
    struct report *r = arg;

    r->hours = xrealloc(r->hours, (r->nhours + 1) * sizeof(r->hours[0]));
    r->hours[r->nhours].start = row->start;
    r->hours[r->nhours].signatures = row->signatures;
    r->nhours++;
    return 0;
}

static int
reason_key_cmp(const void *a, const void *b)
{
    const struct report_reason *x = a, *y = b;
    int c = strcmp(x->kind, y->kind);

    if (c == 0) {
        c = strcmp(x->status, y->status);
    }
    if (c == 0) {
        c = strcmp(x->reason, y->reason);
    }
    return c;
}

static int
reason_count_cmp(const void *a, const void *b)
{
    const struct report_reason *x = a, *y = b;

    if (x->count != y->count) {
        return x->count > y->count ? -1 : 1;
    }
    return reason_key_cmp(a, b);
}

static void
reason_free(struct report_reason *x)
{
    free(x->kind);
    free(x->status);
    free(x->reason);
}

/* Reasons that are equal once redacted are one reason; keep the top. */
static void
merge_reasons(struct report *r)
{
    size_t o = 0;

    if (r->nreasons == 0) {
        return;
    }
    qsort(r->reasons, r->nreasons, sizeof(r->reasons[0]), reason_key_cmp);
    for (size_t i = 1; i < r->nreasons; i++) {
        if (reason_key_cmp(&r->reasons[o], &r->reasons[i]) == 0) {
            r->reasons[o].count += r->reasons[i].count;
            reason_free(&r->reasons[i]);
        } else {
            r->reasons[++o] = r->reasons[i];
        }
    }
    r->nreasons = o + 1;
    qsort(r->reasons, r->nreasons, sizeof(r->reasons[0]), reason_count_cmp);
    while (r->nreasons > REPORT_TOP) {
        reason_free(&r->reasons[--r->nreasons]);
    }
}

static int
lang_cmp(const void *a, const void *b)
{
    const struct report_lang *x = a, *y = b;

    if (x->f.recipients != y->f.recipients) {
        return x->f.recipients > y->f.recipients ? -1 : 1;
    }
    if (x->f.signatures != y->f.signatures) {
        return x->f.signatures > y->f.signatures ? -1 : 1;
    }
    return strcmp(x->language, y->language);
}

static void
add_figures(struct report_figures *sum, const struct report_figures *f)
{
    for (size_t i = 0; i < report_nfields; i++) {
        size_t off = report_fields[i].offset;

        *(int64_t *)((char *)sum + off) +=
            *(const int64_t *)((const char *)f + off);
    }
}

int
report_load(struct store *st, const char *appeal, struct report *out,
            struct merr *err)
{
    struct store_appeal a;
    uint64_t seq;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = store_appeal_get(st, appeal, &a, err);
    if (rc == MERR_NOTFOUND && util_parse_uint(appeal, INT64_MAX, &seq) == 0) {
        rc = store_appeal_get_seq(st, (int64_t)seq, &a, err);
    }
    if (rc == MERR_NOTFOUND) {
        rc =
            merr_set(err, MERR_NOTFOUND,
                     "no appeal \"%s\" (\"tocsin report\" lists them)", appeal);
    }
    if (rc != 0) {
        return rc;
    }
    out->appeal = xstrdup(a.id);
    out->title = xstrdup(a.title);
    out->status = xstrdup(a.status);
    out->created = a.created;
    rc = store_report_states(st, a.seq, on_state, out, err);
    if (rc == 0) {
        rc = store_report_bounces(st, a.seq, on_bounce, out, err);
    }
    if (rc == 0) {
        rc = store_report_signatures(st, a.seq, on_sig, out, err);
    }
    if (rc == 0) {
        rc = store_report_domains(st, a.seq, REPORT_TOP, on_domain, out, err);
    }
    if (rc == 0) {
        rc = store_report_reasons(st, a.seq, on_reason, out, err);
    }
    if (rc == 0) {
        rc = store_report_hours(st, a.seq, on_hour, out, err);
    }
    store_appeal_release(&a);
    if (rc != 0) {
        return rc;
    }
    merge_reasons(out);
    if (out->nlangs > 0) {
        qsort(out->langs, out->nlangs, sizeof(out->langs[0]), lang_cmp);
    }
    for (size_t i = 0; i < out->nlangs; i++) {
        add_figures(&out->total, &out->langs[i].f);
    }
    return 0;
}

void
report_release(struct report *r)
{
    if (r == NULL) {
        return;
    }
    free(r->appeal);
    free(r->title);
    free(r->status);
    for (size_t i = 0; i < r->nlangs; i++) {
        free(r->langs[i].language);
    }
    free(r->langs);
    for (size_t i = 0; i < r->ndomains; i++) {
        free(r->domains[i].domain);
        free(r->domains[i].display);
    }
    free(r->domains);
    for (size_t i = 0; i < r->nreasons; i++) {
        reason_free(&r->reasons[i]);
    }
    free(r->reasons);
    free(r->hours);
    memset(r, 0, sizeof(*r));
}

static int
on_appeal(void *arg, const struct store_report_appeal *row)
{
    struct report_list *l = arg;
    struct report_list_row *x;

    l->rows = xrealloc(l->rows, (l->n + 1) * sizeof(*x));
    x = &l->rows[l->n++];
    memset(x, 0, sizeof(*x));
    x->appeal = xstrdup(row->id);
    x->title = xstrdup(row->title);
    x->status = xstrdup(row->status);
    x->created = row->created;
    x->f.recipients = row->recipients;
    x->f.sent = row->sent;
    x->f.bounced = row->bounced;
    x->f.signatures = row->signatures;
    x->f.signers_mailed = row->signers_mailed;
    return 0;
}

int
report_list_load(struct store *st, struct report_list *out, struct merr *err)
{
    memset(out, 0, sizeof(*out));
    return store_report_appeals(st, on_appeal, out, err);
}

void
report_list_release(struct report_list *l)
{
    if (l == NULL) {
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        free(l->rows[i].appeal);
        free(l->rows[i].title);
        free(l->rows[i].status);
    }
    free(l->rows);
    memset(l, 0, sizeof(*l));
}
