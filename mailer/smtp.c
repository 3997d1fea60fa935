/*
 * smtp: the SMTP pool over libcurl's multi interface, the only file that
 * includes curl.h.  Each sending thread owns a multi handle and a few easy
 * handles ("slots") that are reused message after message, so curl keeps
 * their connections alive; one recipient per transaction.  Which message
 * goes next, where, and what a result means is dispatch.c's business; this
 * file turns curl's results into dispatch results.
 */
#include "smtp.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "dispatch.h"
#include "log.h"
#include "util.h"

#ifndef UNITTESTS
struct smtp_relay {
    char *url;     /* what curl gets: with the EHLO name as its path */
    char *shown;   /* scheme://host:port, for people */
    long use_ssl;  /* CURLOPT_USE_SSL */
    bool loopback; /* 127.0.0.0/8, ::1, localhost */
};
#endif

struct slot {
    CURL *easy;
    struct worker *w;
    struct dispatch_job *job;
    struct curl_slist *rcpt;
    size_t off;
    bool eof; /* the read callback said EOF: all of it was handed over */
    char last[TRANSPORT_REPLY_MAX]; /* the last reply line */
    char fail[TRANSPORT_REPLY_MAX]; /* the last 4xx/5xx reply line */
    char errbuf[CURL_ERROR_SIZE];
};

struct worker {
    struct smtp_pool *pool;
    pthread_t thread;
    bool started;
    CURLM *multi;
    struct slot *slots;
    size_t nslots;
    size_t nfree;
    atomic_bool sleeping; /* in curl_multi_poll with a free slot */
};

struct smtp_pool {
    struct dispatch *d;
    struct smtp_relay *relays;
    size_t nrelays;
    struct worker *workers;
    size_t nworkers;
    atomic_bool stop;
    atomic_ulong seq; /* submissions so far, against lost wake-ups */
    atomic_uint next_wake;
    long timeout;
    long connect_timeout;
    char *user;
    char *password;
    char *ca_file; /* NULL: the system's CAs */
    char desc[512];
    struct transport_hooks hooks; /* the caller's (zero: none) */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void
init_curl(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int
smtp_tls_parse(const char *s, enum smtp_tls *out, struct merr *err)
{
    if (strcmp(s, "required") == 0) {
        *out = SMTP_TLS_REQUIRED;
    } else if (strcmp(s, "opportunistic") == 0) {
        *out = SMTP_TLS_OPPORTUNISTIC;
    } else if (strcmp(s, "none") == 0) {
        *out = SMTP_TLS_NONE;
    } else {
        return merr_set(err, MERR_CONFIG,
                        "tls: \"%s\" is not one of required, opportunistic, "
                        "none",
                        s);
    }
    return 0;
}

const char *
smtp_tls_str(enum smtp_tls t)
{
    switch (t) {
    case SMTP_TLS_AUTO:
        return "auto";
    case SMTP_TLS_REQUIRED:
        return "required";
    case SMTP_TLS_OPPORTUNISTIC:
        return "opportunistic";
    case SMTP_TLS_NONE:
        return "none";
    }
    return "?";
}

static bool
is_loopback(const char *host)
{
    struct in_addr a;

    if (inet_pton(AF_INET, host, &a) == 1) {
        return (ntohl(a.s_addr) >> 24) == 127;
    }
    return util_strcasecmp(host, "localhost") == 0 ||
           strcmp(host, "[::1]") == 0 || strcmp(host, "::1") == 0;
}

static const char *
ssl_name(long use_ssl)
{
    switch (use_ssl) {
    case CURLUSESSL_ALL:
        return "required";
    case CURLUSESSL_TRY:
        return "opportunistic";
    default:
        return "none";
    }
}

/*
 * Check one relay URL and work out what curl gets: the EHLO name as the
 * URL's path (curl's way of setting it), and the TLS level.  Credentials
 * in the URL are refused: they would come from the command line.
 */
TOCSIN_STATIC int
smtp_relay_parse(const char *url, const char *helo, enum smtp_tls tls,
                 struct smtp_relay *out, struct merr *err)
{
    CURLU *u = curl_url();
    char *scheme = NULL;
    char *host = NULL;
    char *port = NULL;
    char *user = NULL;
    char *path = NULL;
    char *full = NULL;
    char shown[300];
    bool smtps;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (u == NULL) {
        return merr_set(err, MERR_NET, "libcurl: cannot parse URLs");
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        rc = merr_set(err, MERR_CONFIG, "relay \"%s\": not a URL", url);
        goto out;
    }
    if (strcmp(scheme, "smtp") != 0 && strcmp(scheme, "smtps") != 0) {
        rc = merr_set(err, MERR_CONFIG,
                      "relay \"%s\": not an smtp:// or smtps:// URL", url);
        goto out;
    }
    if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
        rc = merr_set(err, MERR_CONFIG,
                      "relay %s://%s: credentials in the URL are refused; "
                      "use TOCSIN_SMTP_USER/TOCSIN_SMTP_PASSWORD or "
                      "secrets.json",
                      scheme, host);
        goto out;
    }
    smtps = strcmp(scheme, "smtps") == 0;
    if (smtps && tls == SMTP_TLS_NONE) {
        rc = merr_set(err, MERR_CONFIG,
                      "relay %s: smtps:// is TLS from the start; tls \"none\" "
                      "contradicts it",
                      url);
        goto out;
    }
    out->loopback = is_loopback(host);
    if (smtps || tls == SMTP_TLS_REQUIRED) {
        out->use_ssl = CURLUSESSL_ALL;
    } else if (tls == SMTP_TLS_OPPORTUNISTIC) {
        out->use_ssl = CURLUSESSL_TRY;
    } else if (tls == SMTP_TLS_NONE) {
        out->use_ssl = CURLUSESSL_NONE;
    } else {
        out->use_ssl = out->loopback ? CURLUSESSL_TRY : CURLUSESSL_ALL;
    }
    (void)curl_url_get(u, CURLUPART_PATH, &path, 0);
    if (helo != NULL && helo[0] != '\0' &&
        (path == NULL || strcmp(path, "/") == 0 || path[0] == '\0')) {
        char p[300];

        snprintf(p, sizeof(p), "/%s", helo);
        if (curl_url_set(u, CURLUPART_PATH, p, 0) != CURLUE_OK) {
            rc = merr_set(err, MERR_CONFIG, "smtp.helo: \"%s\" is not a name",
                          helo);
            goto out;
        }
    }
    if (curl_url_get(u, CURLUPART_URL, &full, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
            CURLUE_OK) {
        rc = merr_set(err, MERR_CONFIG, "relay \"%s\": not a URL", url);
        goto out;
    }
    snprintf(shown, sizeof(shown), "%s://%s:%s", scheme, host, port);
    out->url = xstrdup(full);
    out->shown = xstrdup(shown);
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(user);
    curl_free(path);
    curl_free(full);
    curl_url_cleanup(u);
    return rc;
}

/* Text into a fixed buffer, cut when long (replies are capped anyway). */
static void put(char *text, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
put(char *text, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(text, size, fmt, ap);
    va_end(ap);
}

/*
 * What a finished transaction came to.  res is the CURLcode, code the
 * last reply code curl saw, eof whether the read callback reached the
 * end of the message, fresh whether this transfer opened its connection.
 */
TOCSIN_STATIC void
smtp_classify(int res, long code, bool eof, bool fresh, const char *last,
              const char *errbuf, struct dispatch_result *out, char *text,
              size_t size)
{
    const char *why =
        errbuf[0] != '\0' ? errbuf : curl_easy_strerror((CURLcode)res);
    const char *lost = res == CURLE_RECV_ERROR || res == CURLE_SEND_ERROR ||
                               res == CURLE_GOT_NOTHING
                           ? "connection lost: "
                           : "";

    memset(out, 0, sizeof(*out));
    out->text = text;
    out->timeout = res == CURLE_OPERATION_TIMEDOUT;
    if (res == CURLE_OK) {
        out->kind = DISPATCH_ACCEPTED;
        out->code = (int)code;
        put(text, size, "%s", last);
        return;
    }
    switch (res) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_LOGIN_DENIED:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_REMOTE_ACCESS_DENIED:
        /* The relay, not this message: AUTH or TLS refused, or no
         * session at all.  Another relay (or later) may do. */
        out->kind = DISPATCH_NO_CONNECT;
        out->code = code >= 400 ? (int)code : 0;
        put(text, size, "%s%s%s", code >= 400 ? last : "",
            code >= 400 ? ": " : "", why);
        return;
    default:
        break;
    }
    if (code >= 400 && code < 600) {
        out->kind = DISPATCH_REPLY;
        out->code = (int)code;
        put(text, size, "%s", last[0] != '\0' ? last : why);
        return;
    }
    if (eof) {
        /* RFC 5321 4.5.3.2.6 / 6.1: the message went out whole; without
         * the reply to its end we cannot know whether it was taken. */
        out->kind = DISPATCH_LOST_AFTER_DATA;
        put(text, size,
            "no reply to the end of the message (%s%s): it may have been "
            "delivered",
            lost, why);
        return;
    }
    out->kind = fresh && code == 0 ? DISPATCH_NO_CONNECT : DISPATCH_DROPPED;
    put(text, size, "%s%s", lost, why);
}

static size_t
read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
    struct slot *s = arg;
    size_t room = size * nitems;
    size_t left = s->job->len - s->off;
    size_t n = left < room ? left : room;

    memcpy(buf, s->job->data + s->off, n);
    s->off += n;
    if (n == 0) {
        s->eof = true;
    }
    return n;
}

/* Every reply line comes here (curl passes SMTP responses as "headers").
 * Keep the last one, and the last failure apart: after a failure curl
 * ends the session, and "221 Bye" would hide the reason. */
static size_t
header_cb(char *buf, size_t size, size_t nitems, void *arg)
{
    struct slot *s = arg;
    size_t n = size * nitems;

    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
        n--;
    }
    util_sanitize(buf, n, s->last, sizeof(s->last));
    if (n >= 3 && (buf[0] == '4' || buf[0] == '5')) {
        memcpy(s->fail, s->last, sizeof(s->fail));
    }
    return size * nitems;
}

static int
slot_init(struct slot *s, struct worker *w, const struct smtp_pool *p)
{
    CURL *e = curl_easy_init();

    if (e == NULL) {
        return MERR_NET;
    }
    s->easy = e;
    s->w = w;
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(e, CURLOPT_READDATA, s);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, s);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->errbuf);
    curl_easy_setopt(e, CURLOPT_PRIVATE, s);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    /* Off, a message waited for delayed ACKs: 29 messages/s here. */
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, p->connect_timeout);
    /* RFC 5321 4.5.3.2.6: wait 10 minutes for the reply to the final dot;
     * curl has one timeout for every reply. */
    curl_easy_setopt(e, CURLOPT_SERVER_RESPONSE_TIMEOUT, p->timeout);
    /* Whatever the CAs, the relay's certificate and name are checked
     * (curl's defaults, set so that nothing turns them off). */
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (p->ca_file != NULL) {
        curl_easy_setopt(e, CURLOPT_CAINFO, p->ca_file); /* curl copies it */
    }
    if (p->user != NULL) {
        curl_easy_setopt(e, CURLOPT_USERNAME, p->user);
        curl_easy_setopt(e, CURLOPT_PASSWORD,
                         p->password != NULL ? p->password : "");
    }
    return 0;
}

static void
slot_start(struct slot *s, struct dispatch_job *j)
{
    struct smtp_pool *p = s->w->pool;
    const struct smtp_relay *r = &p->relays[j->relay];
    char addr[1024];
    CURL *e = s->easy;

    s->job = j;
    s->off = 0;
    s->eof = false;
    s->last[0] = '\0';
    s->fail[0] = '\0';
    s->errbuf[0] = '\0';
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_USE_SSL, r->use_ssl);
    snprintf(addr, sizeof(addr), "<%s>", j->from);
    curl_easy_setopt(e, CURLOPT_MAIL_FROM, addr);
    snprintf(addr, sizeof(addr), "<%s>", j->rcpt);
    s->rcpt = curl_slist_append(NULL, addr);
    curl_easy_setopt(e, CURLOPT_MAIL_RCPT, s->rcpt);
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)j->len);
    s->w->nfree--;
    if (curl_multi_add_handle(s->w->multi, e) != CURLM_OK) {
        struct dispatch_result res = {DISPATCH_NO_CONNECT, 0, false,
                                      "libcurl refused the transfer"};

        curl_slist_free_all(s->rcpt);
        s->rcpt = NULL;
        s->job = NULL;
        s->w->nfree++;
        dispatch_done(p->d, j, &res, util_clock());
    }
}

static void
slot_finish(struct slot *s, CURLcode rc)
{
    struct worker *w = s->w;
    struct dispatch_job *j = s->job;
    struct dispatch_result res;
    char text[TRANSPORT_REPLY_MAX + CURL_ERROR_SIZE];
    long code = 0;
    long fresh = 0;

    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(s->easy, CURLINFO_NUM_CONNECTS, &fresh);
    smtp_classify((int)rc, code, s->eof, fresh > 0,
                  code >= 400 && s->fail[0] != '\0' ? s->fail : s->last,
                  s->errbuf, &res, text, sizeof(text));
    curl_multi_remove_handle(w->multi, s->easy);
    curl_slist_free_all(s->rcpt);
    s->rcpt = NULL;
    s->job = NULL;
    w->nfree++;
    dispatch_done(w->pool->d, j, &res, util_clock());
}

static struct slot *
free_slot(struct worker *w)
{
    for (size_t i = 0; i < w->nslots; i++) {
        if (w->slots[i].job == NULL) {
            return &w->slots[i];
        }
    }
    return NULL;
}

/* Start what may start; returns the seconds until more might. */
static double
fill(struct worker *w)
{
    double wait = 1.0;

    while (w->nfree > 0) {
        struct dispatch_job *j = dispatch_next(w->pool->d, util_clock(), &wait);

        if (j == NULL) {
            break;
        }
        if (w->pool->hooks.started != NULL) {
            w->pool->hooks.started(w->pool->hooks.arg, j->cookie);
        }
        slot_start(free_slot(w), j);
    }
    return wait;
}

static int
reap(struct worker *w)
{
    CURLMsg *m;
    int left;
    int n = 0;

    for (;;) {
        m = curl_multi_info_read(w->multi, &left);
        if (m == NULL) {
            break;
        }
        if (m->msg == CURLMSG_DONE) {
            struct slot *s = NULL;

            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            slot_finish(s, m->data.result);
            n++;
        }
    }
    return n;
}

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    struct smtp_pool *p = w->pool;
    int running;

    while (!atomic_load(&p->stop)) {
        unsigned long seq = atomic_load(&p->seq);
        double wait = fill(w);
        int ms;

        curl_multi_perform(w->multi, &running);
        if (reap(w) > 0) {
            continue;
        }
        ms = (int)(wait * 1000) + 1;
        ms = ms < 1 ? 1 : ms > 1000 ? 1000 : ms;
        if (w->nfree > 0) {
            atomic_store(&w->sleeping, true);
            /* A message submitted since fill() looked would be missed. */
            if (atomic_load(&p->seq) != seq) {
                atomic_store(&w->sleeping, false);
                continue;
            }
        }
        curl_multi_poll(w->multi, NULL, 0, ms, NULL);
        atomic_store(&w->sleeping, false);
    }
    for (size_t i = 0; i < w->nslots; i++) {
        struct slot *s = &w->slots[i];

        if (s->job != NULL) {
            curl_multi_remove_handle(w->multi, s->easy);
            curl_slist_free_all(s->rcpt);
            s->rcpt = NULL;
            dispatch_abandon(p->d, s->job);
            s->job = NULL;
        }
    }
    return NULL;
}

static void
wake_one(struct smtp_pool *p)
{
    unsigned start = atomic_fetch_add(&p->next_wake, 1);

    for (size_t k = 0; k < p->nworkers; k++) {
        struct worker *w = &p->workers[(start + k) % p->nworkers];

        if (atomic_exchange(&w->sleeping, false)) {
            curl_multi_wakeup(w->multi);
            return;
        }
    }
}

/*
 * One sending thread more than there are cores: a thread spends part of
 * its time waiting in poll, and the one that runs the command builds
 * messages meanwhile.  Measured on 2 cores into smtp-sink with 16
 * connections (bench/bench-send.sh): 2 threads 11,155 messages/s, 3
 * threads 11,301 (median of 5); the pool alone (bench/bench-smtp.sh)
 * 14,830 with 2, 16,102 with 3, 15,193 with 4.
 */
static unsigned
auto_threads(unsigned connections)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned t = cpus > 0 ? (unsigned)cpus + 1 : 1;

    return t < connections ? t : connections;
}

static int
start_workers(struct smtp_pool *p, unsigned connections, unsigned threads,
              struct merr *err)
{
    sigset_t all;
    sigset_t old;
    int rc = 0;

    p->nworkers = threads;
    p->workers = xcalloc(threads, sizeof(*p->workers));
    for (size_t i = 0; i < threads; i++) {
        struct worker *w = &p->workers[i];
        size_t n = connections / threads + (i < connections % threads);

        w->pool = p;
        atomic_init(&w->sleeping, false);
        w->multi = curl_multi_init();
        if (w->multi == NULL) {
            return merr_set(err, MERR_NET, "libcurl: no multi handle");
        }
        curl_multi_setopt(w->multi, CURLMOPT_MAXCONNECTS,
                          (long)(n * p->nrelays));
        w->slots = xcalloc(n, sizeof(*w->slots));
        w->nslots = n;
        w->nfree = n;
        for (size_t k = 0; k < n; k++) {
            if (slot_init(&w->slots[k], w, p) != 0) {
                return merr_set(err, MERR_NET, "libcurl: no easy handle");
            }
        }
    }
    /* Sending threads take no signals: Ctrl-C reaches the thread that
     * runs the command, and a SIGPIPE from a dead socket (TLS writes
     * included) stays pending instead of killing the process. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (size_t i = 0; i < threads && rc == 0; i++) {
        if (pthread_create(&p->workers[i].thread, NULL, worker_main,
                           &p->workers[i]) != 0) {
            rc = merr_set(err, MERR_NET, "cannot start a sending thread");
        } else {
            p->workers[i].started = true;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

int
smtp_pool_new(const struct smtp_opts *o, struct smtp_pool **out,
              struct merr *err)
{
    struct smtp_pool *p = NULL;
    struct dispatch_relay_conf *dr = NULL;
    struct dispatch_opts dopt;
    unsigned conns = o->connections > 0 ? o->connections : 4;
    unsigned threads = o->threads > 0 ? o->threads : auto_threads(conns);
    int rc = 0;

    *out = NULL;
    if (o->nrelays == 0) {
        return merr_set(err, MERR_CONFIG, "smtp: no relay");
    }
    pthread_once(&curl_once, init_curl);
    if (curl_init_rc != CURLE_OK) {
        return merr_set(err, MERR_NET, "libcurl: %s",
                        curl_easy_strerror(curl_init_rc));
    }
    threads = threads > conns ? conns : threads;
    p = xcalloc(1, sizeof(*p));
    atomic_init(&p->stop, false);
    atomic_init(&p->seq, 0);
    atomic_init(&p->next_wake, 0);
    p->timeout = o->timeout > 0 ? (long)o->timeout : 600;
    p->connect_timeout = o->connect_timeout > 0 ? (long)o->connect_timeout : 30;
    p->user = o->user != NULL ? xstrdup(o->user) : NULL;
    p->password = o->password != NULL ? xstrdup(o->password) : NULL;
    if (o->ca_file != NULL && o->ca_file[0] != '\0') {
        p->ca_file = xstrdup(o->ca_file);
    }
    p->relays = xcalloc(o->nrelays, sizeof(*p->relays));
    dr = xcalloc(o->nrelays, sizeof(*dr));
    for (size_t i = 0; i < o->nrelays; i++) {
        rc = smtp_relay_parse(o->relays[i].url, o->helo, o->tls, &p->relays[i],
                              err);
        if (rc != 0) {
            goto out;
        }
        p->nrelays = i + 1;
        dr[i].name = p->relays[i].shown;
        dr[i].share = o->relays[i].share;
        dr[i].rate = o->relays[i].rate;
        if (p->user != NULL && p->relays[i].use_ssl != CURLUSESSL_ALL &&
            !p->relays[i].loopback) {
            log_warn("relay %s: tls %s: the SMTP password may cross the "
                     "network in clear",
                     p->relays[i].shown, ssl_name(p->relays[i].use_ssl));
        }
    }
    memset(&dopt, 0, sizeof(dopt));
    dopt.relays = dr;
    dopt.nrelays = o->nrelays;
    dopt.rate = o->rate;
    dopt.domain_rates = o->domain_rates;
    dopt.ndomain_rates = o->ndomain_rates;
    /* A backlog as deep as the connections, so a slot never waits for the
     * caller to render the next message. */
    dopt.capacity = (size_t)conns * 2;
    dopt.max_tries = o->max_tries > 0 ? o->max_tries : 3;
    p->d = dispatch_new(&dopt, util_clock());
    snprintf(p->desc, sizeof(p->desc), "%s%s (%u connection%s, tls %s)",
             p->relays[0].shown, p->nrelays > 1 ? " and more" : "", conns,
             conns == 1 ? "" : "s", ssl_name(p->relays[0].use_ssl));
    rc = start_workers(p, conns, threads, err);
    if (rc != 0) {
        goto out;
    }
    *out = p;
    p = NULL;
out:
    free(dr);
    smtp_pool_free(p);
    return rc;
}

int
smtp_pool_submit(struct smtp_pool *p, const struct transport_msg *msg,
                 struct merr *err)
{
    (void)err;
    dispatch_submit(p->d, msg);
    atomic_fetch_add(&p->seq, 1);
    wake_one(p);
    return 0;
}

void
smtp_pool_set_hooks(struct smtp_pool *p, const struct transport_hooks *h)
{
    if (h != NULL) {
        p->hooks = *h;
    } else {
        memset(&p->hooks, 0, sizeof(p->hooks));
    }
    dispatch_set_done_hook(p->d, p->hooks.done, p->hooks.arg);
}

size_t
smtp_pool_collect(struct smtp_pool *p, struct transport_outcome *out,
                  size_t max, int wait_ms)
{
    return dispatch_collect(p->d, out, max, wait_ms);
}

size_t
smtp_pool_inflight(struct smtp_pool *p)
{
    return dispatch_inflight(p->d);
}

const char *
smtp_pool_describe(const struct smtp_pool *p)
{
    return p->desc;
}

void
smtp_pool_free(struct smtp_pool *p)
{
    if (p == NULL) {
        return;
    }
    atomic_store(&p->stop, true);
    if (p->d != NULL) {
        dispatch_close(p->d);
    }
    for (size_t i = 0; i < p->nworkers; i++) {
        if (p->workers[i].multi != NULL) {
            curl_multi_wakeup(p->workers[i].multi);
        }
    }
    for (size_t i = 0; i < p->nworkers; i++) {
        struct worker *w = &p->workers[i];

        if (w->started) {
            pthread_join(w->thread, NULL);
        }
        for (size_t k = 0; k < w->nslots; k++) {
            curl_easy_cleanup(w->slots[k].easy);
        }
        free(w->slots);
        if (w->multi != NULL) {
            curl_multi_cleanup(w->multi);
        }
    }
    free(p->workers);
    dispatch_free(p->d);
    for (size_t i = 0; i < p->nrelays; i++) {
        free(p->relays[i].url);
        free(p->relays[i].shown);
    }
    free(p->relays);
    free(p->user);
    free(p->ca_file);
    if (p->password != NULL) {
        memset(p->password, 0, strlen(p->password));
        free(p->password);
    }
    free(p);
}
