/*
 * sender: per delivery, render + mime into a message (personal links,
 * token, Message-ID, VERP sender); the dry run, test messages and the
 * preview.  The sending loop is sender_loop.c.  The store only through
 * store_queue, the network only through transport.
 */
#include "sender.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "render.h"
#include "sender_int.h"
#include "util.h"

/* Room for BASE/s/TOKEN. */
#define URL_MAX 1024

static size_t
lang_index(const struct appeal *a, const char *lang)
{
    for (size_t i = 0; i < a->nlanguages; i++) {
        if (strcmp(a->languages[i], lang) == 0) {
            return i;
        }
    }
    return 0;
}

/* Render and build the message for w into b. */
int
sender_build(struct sender *s, const struct sender_who *w,
             const char *subject_prefix, struct sender_msg *b, struct merr *err)
{
    char tok[TOKEN_MAX];
    char sign[URL_MAX];
    char unsub[URL_MAX];
    struct render_recipient rr;
    struct mime_recipient mr;
    size_t li;
    int rc;

    b->lang = appeal_language(s->a, w->language, NULL);
    li = lang_index(s->a, b->lang);
    token_make(s->keys, s->seq, w->subscriber_id, tok);
    if (snprintf(sign, sizeof(sign), "%s/s/%s", s->cfg->base_url, tok) >=
            (int)sizeof(sign) ||
        snprintf(unsub, sizeof(unsub), "%s/u/%s", s->cfg->base_url, tok) >=
            (int)sizeof(unsub)) {
        return merr_set(err, MERR_LIMIT, "base_url too long");
    }
    rr = (struct render_recipient){
        .name = w->name,
        .email = w->email_display,
        .sign_url = sign,
        .unsubscribe_url = unsub,
        .attrs_json = w->attrs,
    };
    rc = render_message(s->rs, b->lang, &rr, &s->ro, err);
    if (rc != 0) {
        return rc;
    }
    rc = mime_message_id(s->keys, s->seq, w->subscriber_id,
                         s->cfg->bounce_domain, b->mid, sizeof(b->mid));
    if (rc == 0) {
        rc = mime_verp(tok, s->cfg->bounce_domain, b->from, sizeof(b->from));
    }
    if (rc != 0) {
        return merr_set(err, rc, "bounce_domain too long");
    }
    mr = (struct mime_recipient){
        .name = w->name,
        .email = w->email,
        .token = tok,
        .message_id = b->mid,
        .subject_prefix = subject_prefix,
    };
    return mime_build(s->ml[li], &mr, &s->ro, util_now(), &b->msg, err);
}

static int
identity(struct sender *s, struct merr *err)
{
    const char *from = s->a->from != NULL ? s->a->from : s->cfg->from;
    int rc;

    if (s->a->from == NULL) {
        s->from_name = xstrdup(s->cfg->from_name);
        s->from_addr = xstrdup(s->cfg->from_addr);
    } else {
        rc = config_split_from(from, &s->from_name, &s->from_addr);
        if (rc != 0) {
            return merr_set(err, MERR_INVALID, "%s: from \"%s\": no address",
                            s->a->origin, from);
        }
    }
    s->id = (struct mime_identity){
        .from_name = s->from_name,
        .from_addr = s->from_addr,
        .reply_to = s->a->reply_to != NULL ? s->a->reply_to : s->cfg->reply_to,
        .list_name = s->cfg->org_name,
        .list_id = s->cfg->list_id,
        .bounce_domain = s->cfg->bounce_domain,
        .base_url = s->cfg->base_url,
    };
    return 0;
}

int
sender_new(const struct appeal *a, const struct config *cfg,
           const struct token_keys *keys, int64_t seq, struct sender **out,
           struct merr *err)
{
    /* a sample recipient: the encoding of each part is chosen from it */
    const struct sender_who sample = {
        .subscriber_id = 1,
        .email = "ana@example.org",
        .email_display = "ana@example.org",
        .name = "Ana",
        .language = "",
        .attrs = NULL,
    };
    struct sender *s = xcalloc(1, sizeof(*s));
    struct sender_msg b;
    int rc;

    *out = NULL;
    buf_init(&b.msg, TOCSIN_MAX_MESSAGE);
    s->a = a;
    s->cfg = cfg;
    s->keys = keys;
    s->seq = seq;
    render_out_init(&s->ro);
    s->ml = xcalloc(a->nlanguages, sizeof(*s->ml));
    rc = identity(s, err);
    if (rc == 0) {
        rc = render_set_new(a, cfg, &s->rs, err);
    }
    for (size_t i = 0; i < a->nlanguages && rc == 0; i++) {
        struct sender_who w = sample;
        char sign[URL_MAX];

        w.language = a->languages[i];
        (void)snprintf(sign, sizeof(sign), "%s/s/%032d", cfg->base_url, 0);
        rc = render_message(s->rs, a->languages[i],
                            &(struct render_recipient){
                                .name = w.name,
                                .email = w.email,
                                .sign_url = sign,
                                .unsubscribe_url = sign,
                            },
                            &s->ro, err);
        if (rc == 0) {
            rc = mime_lang_new(&s->id, a->languages[i], &s->ro, &s->ml[i], err);
        }
        /* self-test: the first message of each language must parse */
        if (rc == 0) {
            rc = sender_build(s, &w, NULL, &b, err);
        }
        if (rc == 0) {
            rc = mime_check(b.msg.data, b.msg.len, err);
            if (rc != 0) {
                merr_prefix(err, "%s: message in %s", a->origin,
                            a->languages[i]);
            }
        }
    }
    buf_release(&b.msg);
    if (rc != 0) {
        sender_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void
sender_free(struct sender *s)
{
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; s->ml != NULL && i < s->a->nlanguages; i++) {
        mime_lang_free(s->ml[i]);
    }
    free(s->ml);
    render_set_free(s->rs);
    render_out_release(&s->ro);
    free(s->from_name);
    free(s->from_addr);
    free(s);
}

void
sender_who_from_row(const struct store_queue_row *r, struct sender_who *w)
{
    *w = (struct sender_who){
        .subscriber_id = r->subscriber_id,
        .email = r->email,
        .email_display = r->email_display,
        .name = r->name,
        .language = r->language,
        .attrs = r->attrs,
    };
}

int
sender_dry_run(struct sender *s, struct store *st,
               const struct store_audience *aud, unsigned batch,
               struct sender_lang_count *counts, struct sender_stats *stats,
               struct merr *err)
{
    struct store_queue_row *rows =
        xcalloc(batch > 0 ? batch : 1, sizeof(*rows));
    struct sender_msg b;
    int64_t after = 0;
    size_t n = 0;
    int rc;

    buf_init(&b.msg, TOCSIN_MAX_MESSAGE);
    for (size_t i = 0; i < s->a->nlanguages; i++) {
        counts[i].lang = s->a->languages[i];
        counts[i].n = 0;
        counts[i].fallback = 0;
    }
    for (;;) {
        rc = store_queue_audience_next(st, aud, &after, rows,
                                       batch > 0 ? batch : 1, &n, err);
        if (rc != 0 || n == 0) {
            break;
        }
        for (size_t i = 0; i < n && rc == 0; i++) {
            struct sender_who w;
            bool fell = false;
            size_t li;

            sender_who_from_row(&rows[i], &w);
            rc = sender_build(s, &w, NULL, &b, err);
            if (rc != 0) {
                merr_prefix(err, "subscriber %" PRId64 " (%s)",
                            rows[i].subscriber_id, rows[i].email);
                break;
            }
            (void)appeal_language(s->a, w.language, &fell);
            li = lang_index(s->a, b.lang);
            counts[li].n++;
            counts[li].fallback += fell ? 1 : 0;
            stats->bytes += b.msg.len;
            stats->submitted++;
        }
        for (size_t i = 0; i < n; i++) {
            store_queue_row_release(&rows[i]);
        }
        if (rc != 0) {
            break;
        }
    }
    buf_release(&b.msg);
    free(rows);
    return rc;
}

int
sender_preview(struct sender *s, const struct sender_recipient *r,
               struct buf *out, struct merr *err)
{
    struct sender_who w = {
        .subscriber_id = r->subscriber_id,
        .email = r->email,
        .email_display = r->email_display,
        .name = r->name,
        .language = r->language,
        .attrs = r->attrs,
    };
    struct sender_msg b;
    int rc;

    buf_init(&b.msg, TOCSIN_MAX_MESSAGE);
    rc = sender_build(s, &w, NULL, &b, err);
    if (rc == 0) {
        buf_reset(out);
        rc = buf_addf(out, "Return-Path: <%s>\r\n", b.from);
    }
    if (rc == 0) {
        rc = buf_add(out, b.msg.data, b.msg.len);
    }
    if (rc == MERR_LIMIT) {
        rc = merr_set(err, rc, "message over %zu bytes", out->max);
    }
    buf_release(&b.msg);
    return rc;
}

int
sender_test(struct sender *s, struct transport *tr, const char *addr,
            struct transport_outcome *outcomes, struct merr *err)
{
    struct sender_msg b;
    size_t got = 0;
    size_t want = s->a->nlanguages;
    int rc = 0;

    buf_init(&b.msg, TOCSIN_MAX_MESSAGE);
    for (size_t i = 0; i < want && rc == 0; i++) {
        struct sender_who w = {
            .subscriber_id = 0,
            .email = addr,
            .email_display = addr,
            .name = "",
            .language = s->a->languages[i],
        };
        struct transport_msg m;

        rc = sender_build(s, &w, "[TEST] ", &b, err);
        if (rc != 0) {
            break;
        }
        m = (struct transport_msg){.from = b.from,
                                   .rcpt = addr,
                                   .data = b.msg.data,
                                   .len = b.msg.len,
                                   .cookie = i};
        rc = transport_submit(tr, &m, err);
        if (rc == 0) {
            got++;
        }
    }
    /* every submitted message yields exactly one outcome */
    want = got;
    got = 0;
    while (got < want) {
        struct transport_outcome t;

        if (transport_collect(tr, &t, 1, 1000) == 1 && t.cookie < want) {
            outcomes[t.cookie] = t;
            got++;
        }
    }
    buf_release(&b.msg);
    return rc;
}
