/*
 * server: libmicrohttpd with a pool of polling threads.  Per-request state
 * lives in *req_cls and is freed in the completion callback (the shape of
 * libmicrohttpd's largepost.c).  Work that must wait for the database is
 * done with suspend/resume, so a waiting request holds no thread.
 */
#include "server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "buf.h"
#include "log.h"
#include "util.h"

#define SERVER_MAX_HEADERS 4
/* After a 413 the rest of a body (chunked, so its size was not known) is
 * read and dropped up to this much; past it the connection is closed. */
#define SERVER_MAX_DROPPED (1024 * 1024)

struct server {
    struct MHD_Daemon *d;
    struct server_app app;
    bool trust_proxy;
    unsigned port;
    char address[80];
    MHD_socket quiesced; /* listen socket after quiesce, closed at stop */
    _Atomic long inflight;
};

struct server_exchange {
    struct server *srv;
    struct MHD_Connection *conn;
    const char *method; /* borrowed from libmicrohttpd for the request */
    const char *path;
    char client[INET6_ADDRSTRLEN];
    double start;
    struct buf body;
    size_t max_body;
    size_t dropped; /* body bytes read and dropped after an answer */
    bool overflow;
    bool deferred;        /* polling thread only */
    _Atomic bool resumed; /* set by server_resume from any thread */
    int status;
    struct MHD_Response *resp; /* built by server_reply, queued after */
    bool resp_shared;          /* a canned response: not ours to drop */
    const char *hname[SERVER_MAX_HEADERS];
    const char *hvalue[SERVER_MAX_HEADERS];
    size_t nheaders;
    int label;
    void *state;
    void (*state_free)(void *);
};

/* Every response: no scripts, no outside resources, no framing, no
 * referrer, nothing cached (pages carry personal links). */
static const char *const security_headers[][2] = {
    {"Content-Security-Policy",
     "default-src 'none'; style-src 'unsafe-inline'; "
     "frame-ancestors 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"X-Frame-Options", "DENY"},
    {"Cache-Control", "no-store"},
};

static void mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* libmicrohttpd's messages (its format strings) */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    size_t n;

    (void)cls;
    (void)vsnprintf(line, sizeof(line), fmt, ap);
    n = strlen(line);
    while (n > 0 && line[n - 1] == '\n') {
        line[--n] = '\0';
    }
    /* libmicrohttpd reports client misbehaviour here (timeouts, resets):
     * useful when debugging, noise otherwise */
    log_debug("http: %s", line);
}

static void
set_client(struct server_exchange *x)
{
    const union MHD_ConnectionInfo *ci;
    const char *fwd;

    x->client[0] = '\0';
    if (x->srv->trust_proxy) {
        fwd = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND,
                                          "X-Forwarded-For");
        if (fwd != NULL) {
            /* the last hop is the one our own proxy appended */
            const char *last = strrchr(fwd, ',');
            unsigned char tmp[sizeof(struct in6_addr)];
            char cand[INET6_ADDRSTRLEN];

            last = last != NULL ? last + 1 : fwd;
            while (*last == ' ') {
                last++;
            }
            if (util_strlcpy(cand, last, sizeof(cand)) == 0) {
                size_t n = strlen(cand);

                while (n > 0 && cand[n - 1] == ' ') {
                    cand[--n] = '\0';
                }
                if (inet_pton(AF_INET, cand, tmp) == 1 ||
                    inet_pton(AF_INET6, cand, tmp) == 1) {
                    memcpy(x->client, cand, n + 1);
                    return;
                }
            }
        }
    }
    ci = MHD_get_connection_info(x->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci == NULL || ci->client_addr == NULL) {
        return;
    }
    if (ci->client_addr->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const void *)ci->client_addr;

        (void)inet_ntop(AF_INET, &in->sin_addr, x->client, sizeof(x->client));
    } else if (ci->client_addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const void *)ci->client_addr;

        (void)inet_ntop(AF_INET6, &in6->sin6_addr, x->client,
                        sizeof(x->client));
    }
}

static void
exchange_free(struct server_exchange *x)
{
    if (x == NULL) {
        return;
    }
    if (x->state_free != NULL) {
        x->state_free(x->state);
    }
    if (x->resp != NULL && !x->resp_shared) {
        MHD_destroy_response(x->resp); /* only if it was never queued */
    }
    buf_release(&x->body);
    free(x);
}

/* Queue the response server_reply built; drops our reference. */
static enum MHD_Result
queue(struct server_exchange *x)
{
    enum MHD_Result r;

    if (x->resp == NULL) {
        /* the application did not answer: a bug, not the client's */
        server_reply(x, 500, "text/plain; charset=utf-8", "internal error\n",
                     15);
    }
    r = MHD_queue_response(x->conn, (unsigned)x->status, x->resp);
    if (!x->resp_shared) {
        MHD_destroy_response(x->resp); /* libmicrohttpd keeps its own ref */
    }
    x->resp = NULL;
    return r;
}

static uint64_t
content_length(struct server_exchange *x, bool *present)
{
    const char *v = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_CONTENT_LENGTH);
    uint64_t n = 0;

    *present = v != NULL && util_parse_uint(v, UINT64_MAX, &n) == 0;
    return n;
}

static enum MHD_Result
first_call(struct server *s, struct MHD_Connection *conn, const char *url,
           const char *method, void **req_cls)
{
    struct server_exchange *x = xcalloc(1, sizeof(*x));
    bool has_len = false;
    uint64_t len;

    x->srv = s;
    x->conn = conn;
    x->method = method;
    x->path = url;
    x->start = util_clock();
    x->label = -1;
    buf_init(&x->body, 0);
    set_client(x);
    *req_cls = x;
    atomic_fetch_add(&s->inflight, 1);
    s->app.handle(s->app.app, x, SERVER_HEADERS);
    if (x->resp != NULL) {
        /* answered before the body (404, 405, 415...): libmicrohttpd
         * does not read a body it was not asked for */
        return queue(x);
    }
    len = content_length(x, &has_len);
    if (has_len && len > x->max_body) {
        x->overflow = true;
        s->app.handle(s->app.app, x, SERVER_OVERFLOW);
        return queue(x);
    }
    return MHD_YES;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
           const char *method, const char *version, const char *upload_data,
           size_t *upload_data_size, void **req_cls)
{
    struct server *s = cls;
    struct server_exchange *x = *req_cls;

    (void)version;
    if (x == NULL) {
        return first_call(s, conn, url, method, req_cls);
    }
    if (atomic_exchange(&x->resumed, false)) {
        s->app.handle(s->app.app, x, SERVER_RESUMED);
        return queue(x);
    }
    if (*upload_data_size != 0) {
        if (x->overflow || x->status != 0) {
            /* answered already: read and drop the rest (libmicrohttpd
             * cannot send a reply in the middle of an upload), up to a
             * limit past which the connection is simply closed */
            x->dropped += *upload_data_size;
            *upload_data_size = 0;
            return x->dropped > SERVER_MAX_DROPPED ? MHD_NO : MHD_YES;
        }
        if (x->body.len + *upload_data_size > x->max_body ||
            buf_add(&x->body, upload_data, *upload_data_size) != 0) {
            x->overflow = true;
            x->dropped = *upload_data_size;
            *upload_data_size = 0;
            s->app.handle(s->app.app, x, SERVER_OVERFLOW);
            return MHD_YES; /* queued after the upload */
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (x->resp != NULL) {
        return queue(x); /* the overflow's answer */
    }
    if (x->status != 0) {
        return MHD_YES; /* queued already; nothing more to do */
    }
    s->app.handle(s->app.app, x, SERVER_BODY);
    if (x->deferred) {
        /* suspended: the job may even be done already, but the resumed
         * call comes through libmicrohttpd's loop, after this return */
        x->deferred = false;
        return MHD_YES;
    }
    return queue(x);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct server *s = cls;
    struct server_exchange *x = *req_cls;

    (void)conn;
    if (x == NULL) {
        return;
    }
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
        x->status = 0; /* closed before an answer was sent: logged as 0 */
    }
    if (s->app.finished != NULL) {
        s->app.finished(s->app.app, x);
    }
    exchange_free(x);
    *req_cls = NULL;
    atomic_fetch_sub(&s->inflight, 1);
}

/* "127.0.0.1:8080", "[::1]:8080", ":8080" (all IPv4 addresses). */
static int
parse_listen(const char *listen, struct sockaddr_storage *ss, bool *v6,
             struct merr *err)
{
    char host[INET6_ADDRSTRLEN + 2];
    const char *colon = strrchr(listen, ':');
    uint64_t port = 0;
    size_t hlen;

    memset(ss, 0, sizeof(*ss));
    *v6 = false;
    if (colon == NULL || util_parse_uint(colon + 1, 65535, &port) != 0) {
        return merr_set(err, MERR_CONFIG,
                        "listen: \"%s\" is not ADDR:PORT (port 0-65535)",
                        listen);
    }
    hlen = (size_t)(colon - listen);
    if (hlen >= sizeof(host)) {
        return merr_set(err, MERR_CONFIG, "listen: \"%s\": address too long",
                        listen);
    }
    memcpy(host, listen, hlen);
    host[hlen] = '\0';
    if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

        host[hlen - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1) {
            return merr_set(err, MERR_CONFIG,
                            "listen: \"%s\" is not an IPv6 address", host + 1);
        }
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *v6 = true;
        return 0;
    }
    {
        struct sockaddr_in *in = (struct sockaddr_in *)ss;

        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        if (hlen == 0) {
            in->sin_addr.s_addr = htonl(INADDR_ANY);
        } else if (inet_pton(AF_INET, host, &in->sin_addr) != 1) {
            return merr_set(err, MERR_CONFIG,
                            "listen: \"%s\" is not an IPv4 address "
                            "(IPv6: [ADDR]:PORT)",
                            host);
        }
    }
    return 0;
}

int
server_start(const struct server_options *opt, const struct server_app *app,
             struct server **out, struct merr *err)
{
    struct sockaddr_storage ss;
    struct server *s = NULL;
    const union MHD_DaemonInfo *di;
    unsigned threads = opt->threads;
    unsigned flags;
    bool v6 = false;
    int rc;

    *out = NULL;
    rc = parse_listen(opt->listen, &ss, &v6, err);
    if (rc != 0) {
        return rc;
    }
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);

        threads = n > 0 ? (unsigned)n : 1;
    }
    s = xcalloc(1, sizeof(*s));
    s->app = *app;
    s->trust_proxy = opt->trust_proxy;
    s->quiesced = MHD_INVALID_SOCKET;
    /* epoll with "turbo" (fewer syscalls per request), as the no-op
     * ceiling in ../shared/peers/http/mhd204.c is built */
    flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO |
            MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (v6) {
        flags |= MHD_USE_IPv6;
    }
    /* the limits: a slow or greedy client cannot hold the server
     * (connection timeout, total and per-address connection caps, 32 KiB
     * of request line and headers, the body capped per route) */
    s->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
        mhd_log, NULL, MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_TIMEOUT,
        opt->timeout, MHD_OPTION_CONNECTION_LIMIT, opt->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        opt->trust_proxy ? 0u : opt->max_per_client,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_END);
    if (s->d == NULL) {
        rc = merr_set(err, MERR_NET, "cannot listen on %s", opt->listen);
        free(s);
        return rc;
    }
    di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di != NULL ? di->port : 0;
    {
        char host[INET6_ADDRSTRLEN + 2];
        const char *colon = strrchr(opt->listen, ':');
        size_t hlen = (size_t)(colon - opt->listen);

        memcpy(host, opt->listen, hlen);
        host[hlen] = '\0';
        (void)snprintf(s->address, sizeof(s->address), "%s:%u",
                       hlen == 0 ? "0.0.0.0" : host, s->port);
    }
    *out = s;
    return 0;
}

unsigned
server_port(const struct server *s)
{
    return s->port;
}

const char *
server_address(const struct server *s)
{
    return s->address;
}

void
server_quiesce(struct server *s)
{
    if (s->quiesced == MHD_INVALID_SOCKET) {
        s->quiesced = MHD_quiesce_daemon(s->d);
    }
}

bool
server_wait_idle(struct server *s, unsigned ms)
{
    struct timespec ts = {0, 10 * 1000 * 1000};

    for (unsigned waited = 0; atomic_load(&s->inflight) > 0; waited += 10) {
        if (waited >= ms) {
            return false;
        }
        nanosleep(&ts, NULL);
    }
    return true;
}

void
server_stop(struct server *s)
{
    if (s == NULL) {
        return;
    }
    MHD_stop_daemon(s->d);
    /* after MHD_stop_daemon: the threads no longer use it */
    if (s->quiesced != MHD_INVALID_SOCKET) {
        close(s->quiesced);
    }
    free(s);
}

const char *
server_method(const struct server_exchange *x)
{
    return x->method;
}

const char *
server_path(const struct server_exchange *x)
{
    return x->path;
}

const char *
server_header(const struct server_exchange *x, const char *name)
{
    return MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, name);
}

const char *
server_body(const struct server_exchange *x, size_t *len)
{
    *len = x->body.len;
    return buf_str(&x->body);
}

const char *
server_client(const struct server_exchange *x)
{
    return x->client;
}

double
server_elapsed(const struct server_exchange *x)
{
    return util_clock() - x->start;
}

void
server_set_max_body(struct server_exchange *x, size_t max)
{
    x->max_body = max;
    x->body.max = max;
}

void
server_set_state(struct server_exchange *x, void *state,
                 void (*free_fn)(void *))
{
    x->state = state;
    x->state_free = free_fn;
}

void *
server_state(const struct server_exchange *x)
{
    return x->state;
}

void
server_set_label(struct server_exchange *x, int label)
{
    x->label = label;
}

int
server_label(const struct server_exchange *x)
{
    return x->label;
}

void
server_add_header(struct server_exchange *x, const char *name,
                  const char *value)
{
    if (x->nheaders < SERVER_MAX_HEADERS) {
        x->hname[x->nheaders] = name;
        x->hvalue[x->nheaders] = value;
        x->nheaders++;
    }
}

static void
add_common_headers(struct MHD_Response *r, const char *ctype)
{
    (void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(security_headers); i++) {
        (void)MHD_add_response_header(r, security_headers[i][0],
                                      security_headers[i][1]);
    }
}

struct server_canned {
    struct MHD_Response *r;
    int status;
};

struct server_canned *
server_canned_new(int status, const char *ctype, const char *body)
{
    struct server_canned *c = xcalloc(1, sizeof(*c));

    /* PERSISTENT: body is static and outlives the response */
    c->r = MHD_create_response_from_buffer(
        strlen(body), (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);
    if (c->r == NULL) {
        log_error("http: cannot build a response");
        abort(); /* only out of memory gets here */
    }
    add_common_headers(c->r, ctype);
    c->status = status;
    return c;
}

void
server_canned_free(struct server_canned *c)
{
    if (c == NULL) {
        return;
    }
    MHD_destroy_response(c->r);
    free(c);
}

void
server_reply_canned(struct server_exchange *x, const struct server_canned *c)
{
    if (x->resp != NULL || x->status != 0) {
        return; /* once only */
    }
    /* libmicrohttpd counts references under its own lock: one response
     * may be queued on many connections from many threads */
    x->resp = c->r;
    x->resp_shared = true;
    x->status = c->status;
}

void
server_reply(struct server_exchange *x, int status, const char *ctype,
             const char *body, size_t len)
{
    struct MHD_Response *r;

    if (x->resp != NULL || x->status != 0) {
        return; /* once only */
    }
    /* MUST_COPY: the body may live on the caller's stack */
    r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
                                        MHD_RESPMEM_MUST_COPY);
    if (r == NULL) {
        log_error("http: cannot build a response");
        abort(); /* only out of memory gets here */
    }
    add_common_headers(r, ctype);
    for (size_t i = 0; i < x->nheaders; i++) {
        (void)MHD_add_response_header(r, x->hname[i], x->hvalue[i]);
    }
    if (x->overflow) {
        /* the rest of the body is not read: the connection cannot be
         * reused */
        (void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    }
    x->resp = r;
    x->status = status;
}

int
server_status(const struct server_exchange *x)
{
    return x->status;
}

void
server_defer(struct server_exchange *x)
{
    x->deferred = true;
    MHD_suspend_connection(x->conn);
}

void
server_resume(struct server_exchange *x)
{
    atomic_store(&x->resumed, true);
    MHD_resume_connection(x->conn);
}
