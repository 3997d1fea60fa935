/*
 * web_links: the personal links of a message.  GET /s/TOKEN and
 * GET /u/TOKEN only show a page (mail scanners follow links: a GET never
 * changes anything); POST signs or unsubscribes, through the writer.  A
 * token that does not check, or names nobody, gets the same 404 page.
 * The petition's texts come from the appeal file as registered (the
 * appeals table's doc), parsed once per version and kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appeal.h"
#include "log.h"
#include "metrics.h"
#include "store_appeal.h"
#include "store_sig.h"
#include "store_subs.h"
#include "util.h"
#include "web_int.h"

/* One sign or unsubscribe request: what its page shows, and its job. */
struct link {
    struct writer_job job;
    int64_t seq;
    int64_t sub;
    bool found; /* the subscriber exists */
    bool signed_already;
    bool active; /* the subscriber's status is active */
    bool closed; /* the appeal is past not_after */
    char lang[64];
    char email_key[512];
    char hash[TOKEN_HASH_HEX];
    char *title;
    char *text;
    char *target;
    char *name;
    char *appeal_id;
};

static void
link_free(void *p)
{
    struct link *l = p;

    if (l == NULL) {
        return;
    }
    free(l->title);
    free(l->text);
    free(l->target);
    free(l->name);
    free(l->appeal_id);
    free(l);
}

static void
not_found(struct server_exchange *x)
{
    struct pages_view v;

    memset(&v, 0, sizeof(v));
    web_page(x, 404, PAGES_NOT_FOUND, &v);
}

static void
view_of(const struct web *w, const struct link *l, struct pages_view *v)
{
    memset(v, 0, sizeof(*v));
    v->lang = l->lang;
    v->rtl = appeal_is_rtl(l->lang);
    v->org = w->opt.org_name;
    v->title = l->title != NULL ? l->title : "";
    v->text = l->text != NULL ? l->text : "";
    v->target = l->target != NULL ? l->target : "";
    v->name = l->name != NULL ? l->name : "";
}

/* A parsed appeal, kept while its registered version does not change. */
struct cached_appeal {
    int64_t seq;
    char *content_hash;
    struct appeal *a; /* NULL when the registered doc does not parse */
    struct cached_appeal *next;
};

/* The cache entry of row, parsed now if new or changed.  Call with
 * appeal_mu held. */
static struct cached_appeal *
cached(struct web *w, const struct store_appeal *row)
{
    struct cached_appeal *c = w->appeals;
    struct merr err = {0};
    char origin[64];

    while (c != NULL && c->seq != row->seq) {
        c = c->next;
    }
    if (c != NULL && strcmp(c->content_hash, row->content_hash) == 0) {
        return c;
    }
    if (c == NULL) {
        c = xcalloc(1, sizeof(*c));
        c->seq = row->seq;
        c->next = w->appeals;
        w->appeals = c;
    }
    free(c->content_hash);
    appeal_free(c->a); /* nobody else holds it: the mutex is ours */
    c->a = NULL;
    c->content_hash = xstrdup(row->content_hash);
    (void)snprintf(origin, sizeof(origin), "appeal %s", row->id);
    if (appeal_parse(row->doc, strlen(row->doc), origin, &c->a, &err) != 0) {
        log_warn("%s: pages show its title only", err.msg);
    }
    return c;
}

/* The petition's texts in the language the subscriber gets the appeal
 * in (appeal_language: their tag, the fallbacks, else the default). */
static void
petition_texts(struct web *w, struct link *l, const struct store_appeal *row,
               const struct store_subscriber *s)
{
    struct cached_appeal *c;
    const char *lang;

    pthread_mutex_lock(&w->appeal_mu);
    c = cached(w, row);
    if (c->a != NULL) {
        lang = appeal_language(c->a, s->language, NULL);
        l->title = xstrdup(appeal_petition_title(c->a, lang));
        l->text = xstrdup(appeal_petition_text(c->a, lang));
        l->target = xstrdup(appeal_petition_target(c->a, lang));
    } else {
        lang = s->language[0] != '\0' ? s->language : "en";
        l->title = xstrdup(row->title);
        l->text = xstrdup("");
        l->target = xstrdup("");
    }
    (void)util_strlcpy(l->lang, lang, sizeof(l->lang));
    pthread_mutex_unlock(&w->appeal_mu);
}

/*
 * Check the token in the path and read what the page needs.  false when
 * a reply was made (404, or 503 when the database fails).
 */
static bool
load(struct web *w, struct server_exchange *x, struct link *l, bool appeal)
{
    const char *tok = server_path(x) + 3; /* after "/s/" or "/u/" */
    struct store_appeal a;
    struct store_subscriber s;
    struct merr err = {0};
    struct store *st;
    bool ok = false;
    int rc;

    memset(&a, 0, sizeof(a));
    memset(&s, 0, sizeof(s));
    if (token_check(w->opt.keys, tok, strlen(tok), &l->seq, &l->sub) != 0) {
        not_found(x);
        return false;
    }
    st = web_reader_get(w);
    rc = appeal ? store_appeal_get_seq(st, l->seq, &a, &err) : 0;
    if (rc == 0) {
        rc = store_subscriber_get(st, l->sub, &s, &err);
    }
    if (rc == 0) {
        l->found = true;
        l->active = strcmp(s.status, "active") == 0;
        (void)util_strlcpy(l->email_key, s.email_key, sizeof(l->email_key));
        (void)util_strlcpy(l->lang, s.language, sizeof(l->lang));
        l->name = xstrdup(s.name);
        if (appeal) {
            rc = store_sig_has_signed(st, l->seq, s.email_key,
                                      &l->signed_already, &err);
        }
    }
    web_reader_put(w, st);
    if (rc == MERR_NOTFOUND && !appeal) {
        ok = true; /* unsubscribing someone who is gone: nothing to do */
    } else if (rc == MERR_NOTFOUND) {
        not_found(x);
    } else if (rc != 0) {
        struct pages_view v;

        log_error("%s", err.msg);
        view_of(w, l, &v);
        server_add_header(x, "Retry-After", "5");
        web_page(x, 503, PAGES_RETRY, &v);
    } else {
        if (appeal) {
            l->closed = a.not_after != 0 && util_now() > a.not_after;
            l->appeal_id = xstrdup(a.id);
            petition_texts(w, l, &a, &s);
        }
        ok = true;
    }
    store_appeal_release(&a);
    store_subscriber_release(&s);
    return ok;
}

static void
link_done(struct writer_job *job, void *arg)
{
    (void)job;
    server_resume(arg);
}

static void
submit(struct web *w, struct server_exchange *x, struct link *l,
       enum writer_kind kind)
{
    l->job.kind = kind;
    l->job.seq = l->seq;
    l->job.subscriber = l->sub;
    l->job.email_key = l->email_key;
    l->job.hash = l->hash;
    l->job.detail = "one-click";
    l->job.done = link_done;
    l->job.arg = x;
    server_defer(x);
    writer_submit(w->writer, &l->job);
}

/* GET, HEAD and POST only; a small form body at most. */
static bool
headers_ok(struct server_exchange *x)
{
    const char *m = server_method(x);

    if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 &&
        strcmp(m, "POST") != 0) {
        server_add_header(x, "Allow", "GET, HEAD, POST");
        server_reply(x, 405, "text/plain; charset=utf-8",
                     "method not allowed\n", 19);
        return false;
    }
    server_set_max_body(x, WEB_MAX_FORM_BODY);
    return true;
}

static bool
is_post(const struct server_exchange *x)
{
    return strcmp(server_method(x), "POST") == 0;
}

static void
sign_answer(struct web *w, struct server_exchange *x, struct link *l)
{
    struct pages_view v;

    view_of(w, l, &v);
    if (l->job.rc != 0) {
        server_add_header(x, "Retry-After", "5");
        web_page(x, 503, PAGES_RETRY, &v);
    } else if (l->job.result == STORE_SIG_NOT_FOUND) {
        not_found(x);
    } else if (l->job.result == STORE_SIG_DUPLICATE) {
        metrics_duplicate(METRICS_S_LINK);
        web_page(x, 200, PAGES_ALREADY, &v);
    } else {
        metrics_signature(METRICS_S_LINK);
        web_page(x, 200, PAGES_SIGNED, &v);
    }
}

void
web_sign(struct web *w, struct server_exchange *x, enum server_phase phase)
{
    struct pages_view v;
    struct link *l;

    switch (phase) {
    case SERVER_HEADERS:
        (void)headers_ok(x);
        return;
    case SERVER_OVERFLOW:
        server_reply(x, 413, "text/plain; charset=utf-8", "too large\n", 10);
        return;
    case SERVER_RESUMED:
        sign_answer(w, x, server_state(x));
        return;
    case SERVER_BODY:
        break;
    }
    l = xcalloc(1, sizeof(*l));
    server_set_state(x, l, link_free);
    if (!load(w, x, l, true)) {
        return;
    }
    view_of(w, l, &v);
    if (l->closed) {
        /* past not_after: shown, and nothing recorded */
        web_page(x, 410, PAGES_CLOSED, &v);
    } else if (!is_post(x)) {
        web_page(x, 200, l->signed_already ? PAGES_ALREADY : PAGES_SIGN, &v);
    } else {
        submit(w, x, l, WRITER_LINK);
    }
}

static void
unsub_answer(struct web *w, struct server_exchange *x, struct link *l)
{
    struct pages_view v;

    view_of(w, l, &v);
    if (l->job.rc != 0) {
        server_add_header(x, "Retry-After", "5");
        web_page(x, 503, PAGES_RETRY, &v);
        return;
    }
    if (l->job.result == STORE_SIG_STORED && l->active) {
        metrics_unsubscribe();
    }
    web_page(x, 200, PAGES_UNSUBSCRIBED, &v);
}

void
web_unsubscribe(struct web *w, struct server_exchange *x,
                enum server_phase phase)
{
    struct pages_view v;
    struct link *l;

    switch (phase) {
    case SERVER_HEADERS:
        (void)headers_ok(x);
        return;
    case SERVER_OVERFLOW:
        server_reply(x, 413, "text/plain; charset=utf-8", "too large\n", 10);
        return;
    case SERVER_RESUMED:
        unsub_answer(w, x, server_state(x));
        return;
    case SERVER_BODY:
        break;
    }
    l = xcalloc(1, sizeof(*l));
    server_set_state(x, l, link_free);
    if (!load(w, x, l, false)) {
        return;
    }
    view_of(w, l, &v);
    if (!l->found) {
        /* gone (forgotten): already suppressed, nothing to do */
        web_page(x, 200, PAGES_UNSUBSCRIBED, &v);
    } else if (!is_post(x)) {
        web_page(x, 200, l->active ? PAGES_UNSUBSCRIBE : PAGES_UNSUBSCRIBED,
                 &v);
    } else {
        /* RFC 8058: a POST unsubscribes at once, whatever its body
         * ("List-Unsubscribe=One-Click" from a mail client, or the
         * page's form) */
        token_person_hash(w->opt.keys, l->email_key, l->hash);
        submit(w, x, l, WRITER_UNSUBSCRIBE);
    }
}

void
web_links_release(struct web *w)
{
    struct cached_appeal *c = w->appeals;

    while (c != NULL) {
        struct cached_appeal *next = c->next;

        appeal_free(c->a);
        free(c->content_hash);
        free(c);
        c = next;
    }
    w->appeals = NULL;
}
