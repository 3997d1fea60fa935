/*
 * web: routes, the signature webhook (Standard Webhooks), /healthz and
 * /metrics, and the one log line per request.  Sign and unsubscribe links
 * are in web_links.c.  Nothing here writes the database except through
 * the writer, and no reply that says "stored" is built before the
 * writer's commit.
 */
#include "web.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "buf.h"
#include "log.h"
#include "metrics.h"
#include "signature.h"
#include "util.h"
#include "web_int.h"

#define JSON_TYPE "application/json"

/* One webhook request while it waits for the writer. */
struct hook {
    struct writer_job job;
    struct signature_event ev;
    char id[256];
    char hash[TOKEN_HASH_HEX];
    struct server_exchange *x;
};

/* One /healthz request while it waits for the writer. */
struct ping {
    struct writer_job job;
    struct server_exchange *x;
};

static void
json_reply(struct server_exchange *x, int status, const char *code,
           const char *message)
{
    json_t *o = NULL;
    char *text = NULL;

    o = json_pack("{s:s,s:s}", "error", code, "message", message);
    if (o != NULL) {
        text = json_dumps(o, JSON_COMPACT); /* caller frees */
    }
    if (text != NULL) {
        server_reply(x, status, JSON_TYPE, text, strlen(text));
    } else {
        server_reply(x, 500, JSON_TYPE, "{}", 2);
    }
    free(text);
    json_decref(o); /* NULL is fine */
}

static void
hook_refuse(struct server_exchange *x, int status, enum metrics_reason r,
            const char *code, const char *message)
{
    metrics_reject(r);
    json_reply(x, status, code, message);
}

void
web_page(struct server_exchange *x, int status, enum pages_kind kind,
         const struct pages_view *v)
{
    struct buf b;

    buf_init(&b, TOCSIN_MAX_RENDER);
    if (pages_render(kind, v, &b) != 0) {
        server_reply(x, 500, "text/plain; charset=utf-8", "page too large\n",
                     15);
    } else {
        server_reply(x, status, "text/html; charset=utf-8", buf_str(&b), b.len);
    }
    buf_release(&b);
}

/* A media type, without parameters, is exactly want (case-insensitive). */
static bool
media_type_is(const char *ctype, const char *want)
{
    size_t n = strlen(want);

    if (ctype == NULL) {
        return false;
    }
    while (*ctype == ' ') {
        ctype++;
    }
    if (strncasecmp(ctype, want, n) != 0) {
        return false;
    }
    ctype += n;
    while (*ctype == ' ') {
        ctype++;
    }
    return *ctype == '\0' || *ctype == ';';
}

/* A webhook-id we keep: 1-255 printable ASCII, no spaces. */
static bool
event_id_ok(const char *id)
{
    size_t n = strlen(id);

    if (n == 0 || n > 255) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (id[i] <= ' ' || id[i] > '~') {
            return false;
        }
    }
    return true;
}

static void
hook_done(struct writer_job *job, void *arg)
{
    (void)job;
    server_resume(arg);
}

static void
hook_answer(struct web *w, struct server_exchange *x, struct hook *h)
{
    if (h->job.rc != 0) {
        server_add_header(x, "Retry-After", "5");
        hook_refuse(x, 503, METRICS_R_STORE, "unavailable",
                    "the signature could not be stored; retry later");
        return;
    }
    switch (h->job.result) {
    case STORE_SIG_STORED:
        metrics_signature(METRICS_S_WEBHOOK);
        server_reply_canned(x, w->stored);
        break;
    case STORE_SIG_DUPLICATE_EVENT:
    case STORE_SIG_DUPLICATE:
        /* 200 so that the platform stops retrying */
        metrics_duplicate(METRICS_S_WEBHOOK);
        server_reply_canned(x, w->duplicate);
        break;
    case STORE_SIG_UNKNOWN_APPEAL:
        hook_refuse(x, 422, METRICS_R_UNKNOWN_APPEAL, "unknown_appeal",
                    "data.appeal: no such appeal");
        break;
    case STORE_SIG_CLOSED:
        hook_refuse(x, 422, METRICS_R_CLOSED, "appeal_closed",
                    "data.signed_at: after the appeal closed");
        break;
    case STORE_SIG_UNKNOWN_SIGNER:
    case STORE_SIG_NOT_FOUND:
        hook_refuse(x, 422, METRICS_R_FIELDS, "unknown_signer",
                    "data.token: no such subscriber, and no data.email");
        break;
    }
}

/* The checks, in the order a platform can fix them; then queue. */
static void
hook_body(struct web *w, struct server_exchange *x)
{
    const char *id = server_header(x, "webhook-id");
    const char *ts = server_header(x, "webhook-timestamp");
    const char *sig = server_header(x, "webhook-signature");
    struct merr err = {0};
    struct hook *h = NULL;
    const char *body;
    uint64_t tsn = 0;
    size_t len = 0;
    int64_t tseq = 0, tsub = 0;
    int rc;

    body = server_body(x, &len);
    if (id == NULL || ts == NULL || sig == NULL) {
        hook_refuse(x, 400, METRICS_R_HEADERS, "missing_headers",
                    "webhook-id, webhook-timestamp and webhook-signature "
                    "are required");
        return;
    }
    if (!event_id_ok(id) || util_parse_uint(ts, INT64_MAX, &tsn) != 0) {
        hook_refuse(x, 400, METRICS_R_HEADERS, "bad_headers",
                    "webhook-id or webhook-timestamp is malformed");
        return;
    }
    rc = token_webhook_check(w->hook_key, id, ts, body, len, sig, util_now(),
                             &err);
    if (rc == MERR_LIMIT) {
        hook_refuse(x, 401, METRICS_R_TIMESTAMP, "stale_timestamp",
                    "webhook-timestamp is more than 5 minutes from now");
        return;
    }
    if (rc != 0) {
        hook_refuse(x, 401, METRICS_R_SIGNATURE, "bad_signature",
                    "no valid webhook-signature for this body");
        return;
    }
    h = xcalloc(1, sizeof(*h));
    server_set_state(x, h, free);
    rc = signature_parse(body, len, &h->ev, &err);
    if (rc != 0) {
        hook_refuse(x, 400,
                    rc == MERR_PARSE ? METRICS_R_JSON : METRICS_R_FIELDS,
                    rc == MERR_PARSE ? "bad_json" : "invalid_fields", err.msg);
        return;
    }
    if (h->ev.token[0] != '\0' &&
        token_check(w->opt.keys, h->ev.token, strlen(h->ev.token), &tseq,
                    &tsub) != 0) {
        /* a token we did not make: the address decides */
        tseq = 0;
        tsub = 0;
        if (h->ev.email_key[0] == '\0') {
            hook_refuse(x, 400, METRICS_R_FIELDS, "invalid_fields",
                        "data.token: not valid, and no data.email");
            return;
        }
    }
    memcpy(h->id, id, strlen(id) + 1);
    if (h->ev.consent && h->ev.email_key[0] != '\0') {
        token_person_hash(w->opt.keys, h->ev.email_key, h->hash);
    }
    h->x = x;
    h->job.kind = WRITER_WEBHOOK;
    h->job.webhook.event_id = h->id;
    h->job.webhook.appeal_id = h->ev.appeal;
    h->job.webhook.token_appeal = tseq;
    h->job.webhook.token_subscriber = tsub;
    h->job.webhook.email = h->ev.email;
    h->job.webhook.email_key = h->ev.email_key;
    h->job.webhook.email_display = h->ev.email_display;
    h->job.webhook.person_hash = h->hash;
    h->job.webhook.name = h->ev.name;
    h->job.webhook.country = h->ev.country;
    h->job.webhook.language = h->ev.language;
    h->job.webhook.signed_at = h->ev.signed_at;
    h->job.webhook.consent = h->ev.consent;
    h->job.done = hook_done;
    h->job.arg = x;
    /* suspend before queueing, so the resume can never come first */
    server_defer(x);
    writer_submit(w->writer, &h->job);
}

static void
webhook(struct web *w, struct server_exchange *x, enum server_phase phase)
{
    switch (phase) {
    case SERVER_HEADERS:
        if (strcmp(server_method(x), "POST") != 0) {
            server_add_header(x, "Allow", "POST");
            hook_refuse(x, 405, METRICS_R_METHOD, "method_not_allowed",
                        "use POST");
        } else if (!media_type_is(server_header(x, "Content-Type"),
                                  JSON_TYPE)) {
            hook_refuse(x, 415, METRICS_R_CONTENT_TYPE,
                        "unsupported_media_type",
                        "Content-Type must be application/json");
        } else if (w->hook_key == NULL) {
            hook_refuse(x, 503, METRICS_R_STORE, "not_configured",
                        "no webhook_secret is configured");
        } else {
            server_set_max_body(x, TOCSIN_MAX_WEBHOOK_BODY);
        }
        break;
    case SERVER_OVERFLOW:
        hook_refuse(x, 413, METRICS_R_TOO_LARGE, "payload_too_large",
                    "the body is over 64 KiB");
        break;
    case SERVER_BODY:
        hook_body(w, x);
        break;
    case SERVER_RESUMED:
        hook_answer(w, x, server_state(x));
        break;
    }
}

static void
ping_done(struct writer_job *job, void *arg)
{
    (void)job;
    server_resume(arg);
}

static void
healthz(struct web *w, struct server_exchange *x, enum server_phase phase)
{
    struct ping *p;

    if (phase == SERVER_RESUMED) {
        p = server_state(x);
        if (p->job.rc == 0) {
            server_reply(x, 200, "text/plain; charset=utf-8", "ok\n", 3);
        } else {
            server_reply(x, 503, "text/plain; charset=utf-8",
                         "database not writable\n", 22);
        }
        return;
    }
    if (phase != SERVER_BODY) {
        return; /* no body expected (cap 0 answers 413) */
    }
    /* a commit through the writer proves the database takes writes */
    p = xcalloc(1, sizeof(*p));
    server_set_state(x, p, free);
    p->x = x;
    p->job.kind = WRITER_PING;
    p->job.done = ping_done;
    p->job.arg = x;
    server_defer(x);
    writer_submit(w->writer, &p->job);
}

static void
metrics_page(struct server_exchange *x)
{
    struct buf b;

    buf_init(&b, 1024 * 1024);
    if (metrics_render(&b) != 0) {
        server_reply(x, 500, "text/plain; charset=utf-8", "too large\n", 10);
    } else {
        server_reply(x, 200, "text/plain; version=0.0.4; charset=utf-8",
                     buf_str(&b), b.len);
    }
    buf_release(&b);
}

/* The route of a path: its metrics label. */
static enum metrics_route
route_of(const char *path)
{
    if (strcmp(path, "/hooks/signatures") == 0) {
        return METRICS_WEBHOOK;
    }
    if (util_starts_with(path, "/s/")) {
        return METRICS_SIGN;
    }
    if (util_starts_with(path, "/u/")) {
        return METRICS_UNSUBSCRIBE;
    }
    if (strcmp(path, "/healthz") == 0) {
        return METRICS_HEALTHZ;
    }
    if (strcmp(path, "/metrics") == 0) {
        return METRICS_METRICS;
    }
    return METRICS_OTHER;
}

static bool
is_get(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

static void
handle(void *app, struct server_exchange *x, enum server_phase phase)
{
    struct web *w = app;
    enum metrics_route route;
    struct pages_view nf;

    if (phase == SERVER_HEADERS) {
        server_set_label(x, route_of(server_path(x)));
    }
    route = (enum metrics_route)server_label(x);
    switch (route) {
    case METRICS_WEBHOOK:
        webhook(w, x, phase);
        return;
    case METRICS_SIGN:
        web_sign(w, x, phase);
        return;
    case METRICS_UNSUBSCRIBE:
        web_unsubscribe(w, x, phase);
        return;
    case METRICS_HEALTHZ:
    case METRICS_METRICS:
        if (phase == SERVER_HEADERS && !is_get(server_method(x))) {
            server_add_header(x, "Allow", "GET, HEAD");
            server_reply(x, 405, "text/plain; charset=utf-8",
                         "method not allowed\n", 19);
        } else if (phase == SERVER_OVERFLOW) {
            server_reply(x, 413, "text/plain; charset=utf-8",
                         "body not allowed\n", 17);
        } else if (route == METRICS_HEALTHZ) {
            healthz(w, x, phase);
        } else if (phase == SERVER_BODY) {
            metrics_page(x);
        }
        return;
    case METRICS_OTHER:
    case METRICS_NROUTES:
        break;
    }
    memset(&nf, 0, sizeof(nf));
    if (phase == SERVER_HEADERS) {
        web_page(x, 404, PAGES_NOT_FOUND, &nf);
    }
}

void
web_anonymise(const char *addr, char *out, size_t size)
{
    unsigned char a[16];

    if (inet_pton(AF_INET, addr, a) == 1) {
        a[3] = 0;
        if (inet_ntop(AF_INET, a, out, (socklen_t)size) != NULL) {
            return;
        }
    } else if (inet_pton(AF_INET6, addr, a) == 1) {
        memset(a + 6, 0, 10);
        if (inet_ntop(AF_INET6, a, out, (socklen_t)size) != NULL) {
            return;
        }
    }
    (void)util_strlcpy(out, "-", size);
}

static void
finished(void *app, struct server_exchange *x)
{
    static const char *const shown[METRICS_NROUTES] = {
        "/hooks/signatures", "/s/...", "/u/...", "/healthz", "/metrics", NULL,
    };
    int label = server_label(x);
    enum metrics_route route =
        label >= 0 && label < METRICS_NROUTES ? label : METRICS_OTHER;
    char path[80];
    char method[16];
    char client[48];

    (void)app;
    metrics_request(route, server_status(x));
    if (log_get_level() < LOG_INFO) {
        return;
    }
    /* never a token (links are shown as /s/...) nor an address */
    if (shown[route] != NULL) {
        (void)util_strlcpy(path, shown[route], sizeof(path));
    } else {
        util_sanitize(server_path(x), strlen(server_path(x)), path,
                      sizeof(path));
    }
    util_sanitize(server_method(x), strlen(server_method(x)), method,
                  sizeof(method));
    web_anonymise(server_client(x), client, sizeof(client));
    log_info("%s %s %d %.1fms %s", method, path, server_status(x),
             server_elapsed(x) * 1000.0, client);
}

struct store *
web_reader_get(struct web *w)
{
    struct store *st;

    pthread_mutex_lock(&w->pool_mu);
    while (w->nidle == 0) {
        pthread_cond_wait(&w->pool_cv, &w->pool_mu);
    }
    st = w->idle[--w->nidle];
    pthread_mutex_unlock(&w->pool_mu);
    return st;
}

void
web_reader_put(struct web *w, struct store *st)
{
    pthread_mutex_lock(&w->pool_mu);
    w->idle[w->nidle++] = st;
    pthread_cond_signal(&w->pool_cv);
    pthread_mutex_unlock(&w->pool_mu);
}

int
web_new(const struct web_options *opt, struct web **out, struct merr *err)
{
    struct token_webhook_key *key = NULL;
    struct web *w = NULL;
    int rc = 0;

    *out = NULL;
    if (opt->webhook_secret != NULL &&
        token_webhook_key_new(opt->webhook_secret, &key) != 0) {
        return merr_set(err, MERR_CONFIG,
                        "webhook_secret: not \"whsec_\" and base64");
    }
    w = xcalloc(1, sizeof(*w));
    w->hook_key = key;
    w->opt = *opt;
    pthread_mutex_init(&w->pool_mu, NULL);
    pthread_cond_init(&w->pool_cv, NULL);
    pthread_mutex_init(&w->appeal_mu, NULL);
    w->stored = server_canned_new(200, JSON_TYPE, "{\"status\":\"stored\"}");
    w->duplicate =
        server_canned_new(200, JSON_TYPE, "{\"status\":\"duplicate\"}");
    w->nreaders = opt->readers > 0 ? opt->readers : 1;
    w->readers = xcalloc(w->nreaders, sizeof(*w->readers));
    w->idle = xcalloc(w->nreaders, sizeof(*w->idle));
    for (size_t i = 0; i < w->nreaders; i++) {
        rc = store_open(opt->database, STORE_READONLY, &w->readers[i], err);
        if (rc != 0) {
            goto out;
        }
        w->idle[w->nidle++] = w->readers[i];
    }
    rc = writer_start(opt->database, &w->writer, err);
    if (rc != 0) {
        goto out;
    }
    *out = w;
    w = NULL;
out:
    web_free(w);
    return rc;
}

struct server_app
web_app(struct web *w)
{
    struct server_app a;

    a.handle = handle;
    a.finished = finished;
    a.app = w;
    return a;
}

void
web_stop_writer(struct web *w)
{
    if (w != NULL) {
        writer_stop(w->writer);
    }
}

void
web_free(struct web *w)
{
    if (w == NULL) {
        return;
    }
    writer_free(w->writer);
    for (size_t i = 0; i < w->nreaders; i++) {
        store_close(w->readers[i]);
    }
    web_links_release(w);
    server_canned_free(w->stored);
    server_canned_free(w->duplicate);
    token_webhook_key_free(w->hook_key);
    free(w->readers);
    free(w->idle);
    pthread_mutex_destroy(&w->appeal_mu);
    pthread_cond_destroy(&w->pool_cv);
    pthread_mutex_destroy(&w->pool_mu);
    free(w);
}
