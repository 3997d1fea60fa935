/*
 * test_smtp: the libcurl side of the SMTP pool.  Relay URLs and TLS
 * levels, how curl's results are read, the options every connection gets
 * (through a --wrap of curl_easy_setopt: AUTH, a private CA, certificate
 * checks), and the pool against a real Postfix smtp-sink on 127.0.0.1: a
 * thousand messages each delivered exactly once, then faults (4xx, 5xx,
 * 421, dropped sessions, no reply after the final dot, a slow server, a
 * refused connection).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "unit.h"
#include "sink.h"
#include "dispatch.h"
#include "smtp.h"
#include "util.h"

/* ---- the curl_easy_setopt seam ---------------------------------------- */

CURLcode __real_curl_easy_setopt(CURL *h, CURLoption opt, ...);
CURLcode __wrap_curl_easy_setopt(CURL *h, CURLoption opt, ...);

static pthread_mutex_t seen_mu = PTHREAD_MUTEX_INITIALIZER;
static long seen_long[400];         /* last value per long option */
static char seen_user[64];          /* CURLOPT_USERNAME */
static unsigned long seen_password; /* times CURLOPT_PASSWORD was set */
static char seen_cainfo[256];       /* CURLOPT_CAINFO */
static unsigned long seen_ncainfo;  /* times CURLOPT_CAINFO was set */

CURLcode
__wrap_curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
    va_list ap;
    CURLcode rc;

    va_start(ap, opt);
    if (opt < CURLOPTTYPE_OBJECTPOINT) {
        long v = va_arg(ap, long);

        pthread_mutex_lock(&seen_mu);
        if ((int)opt < (int)TOCSIN_ARRAY_LEN(seen_long)) {
            seen_long[opt] = v;
        }
        pthread_mutex_unlock(&seen_mu);
        rc = __real_curl_easy_setopt(h, opt, v);
    } else if (opt < CURLOPTTYPE_OFF_T) {
        void *v = va_arg(ap, void *);

        pthread_mutex_lock(&seen_mu);
        if (opt == CURLOPT_USERNAME) {
            snprintf(seen_user, sizeof(seen_user), "%s", (const char *)v);
        } else if (opt == CURLOPT_PASSWORD) {
            seen_password++;
        } else if (opt == CURLOPT_CAINFO) {
            snprintf(seen_cainfo, sizeof(seen_cainfo), "%s", (const char *)v);
            seen_ncainfo++;
        }
        pthread_mutex_unlock(&seen_mu);
        rc = __real_curl_easy_setopt(h, opt, v);
    } else {
        curl_off_t v = va_arg(ap, curl_off_t);

        rc = __real_curl_easy_setopt(h, opt, v);
    }
    va_end(ap);
    return rc;
}

static long
seen(CURLoption opt)
{
    long v;

    pthread_mutex_lock(&seen_mu);
    v = seen_long[opt];
    pthread_mutex_unlock(&seen_mu);
    return v;
}

static void
seen_reset(void)
{
    pthread_mutex_lock(&seen_mu);
    memset(seen_long, 0xff, sizeof(seen_long));
    seen_user[0] = '\0';
    seen_password = 0;
    seen_cainfo[0] = '\0';
    seen_ncainfo = 0;
    pthread_mutex_unlock(&seen_mu);
}

/* ---- relay URLs and TLS ------------------------------------------------ */

static void
test_smtp_relay_parse(void **state)
{
    struct smtp_relay r;
    struct merr err;

    (void)state;
    assert_int_equal(smtp_relay_parse("smtp://127.0.0.1:2525", "mailer.example",
                                      SMTP_TLS_AUTO, &r, &err),
                     0);
    assert_true(r.loopback);
    assert_int_equal(r.use_ssl, CURLUSESSL_TRY);
    assert_string_equal(r.url, "smtp://127.0.0.1:2525/mailer.example");
    assert_string_equal(r.shown, "smtp://127.0.0.1:2525");
    free(r.url);
    free(r.shown);

    assert_int_equal(smtp_relay_parse("smtp://relay.example.org", NULL,
                                      SMTP_TLS_AUTO, &r, &err),
                     0);
    assert_false(r.loopback);
    assert_int_equal(r.use_ssl, CURLUSESSL_ALL);
    assert_string_equal(r.shown, "smtp://relay.example.org:25");
    free(r.url);
    free(r.shown);

    /* explicit levels win over the loopback default */
    assert_int_equal(smtp_relay_parse("smtp://localhost:25", NULL,
                                      SMTP_TLS_REQUIRED, &r, &err),
                     0);
    assert_int_equal(r.use_ssl, CURLUSESSL_ALL);
    free(r.url);
    free(r.shown);
    assert_int_equal(
        smtp_relay_parse("smtp://[::1]:25", NULL, SMTP_TLS_NONE, &r, &err), 0);
    assert_true(r.loopback);
    assert_int_equal(r.use_ssl, CURLUSESSL_NONE);
    free(r.url);
    free(r.shown);
    assert_int_equal(smtp_relay_parse("smtps://relay.example.org", NULL,
                                      SMTP_TLS_OPPORTUNISTIC, &r, &err),
                     0);
    assert_int_equal(r.use_ssl, CURLUSESSL_ALL);
    assert_string_equal(r.shown, "smtps://relay.example.org:465");
    free(r.url);
    free(r.shown);

    /* a name that merely starts like a loopback address is not one */
    assert_int_equal(smtp_relay_parse("smtp://127.example.org", NULL,
                                      SMTP_TLS_AUTO, &r, &err),
                     0);
    assert_false(r.loopback);
    assert_int_equal(r.use_ssl, CURLUSESSL_ALL);
    free(r.url);
    free(r.shown);
    assert_int_equal(
        smtp_relay_parse("smtp://127.0.0.2:25", NULL, SMTP_TLS_AUTO, &r, &err),
        0);
    assert_true(r.loopback);
    free(r.url);
    free(r.shown);

    assert_int_equal(smtp_relay_parse("smtps://relay.example.org", NULL,
                                      SMTP_TLS_NONE, &r, &err),
                     MERR_CONFIG);
    assert_int_equal(smtp_relay_parse("http://relay.example.org", NULL,
                                      SMTP_TLS_AUTO, &r, &err),
                     MERR_CONFIG);
    assert_int_equal(smtp_relay_parse("smtp://bob:secret@relay.example.org",
                                      NULL, SMTP_TLS_AUTO, &r, &err),
                     MERR_CONFIG);
    assert_non_null(strstr(err.msg, "credentials"));
    assert_null(strstr(err.msg, "secret@"));
    assert_int_equal(
        smtp_relay_parse("not a url", NULL, SMTP_TLS_AUTO, &r, &err),
        MERR_CONFIG);
}

static void
test_smtp_tls_parse(void **state)
{
    enum smtp_tls t;
    struct merr err;

    (void)state;
    assert_int_equal(smtp_tls_parse("required", &t, &err), 0);
    assert_int_equal(t, SMTP_TLS_REQUIRED);
    assert_int_equal(smtp_tls_parse("opportunistic", &t, &err), 0);
    assert_int_equal(t, SMTP_TLS_OPPORTUNISTIC);
    assert_int_equal(smtp_tls_parse("none", &t, &err), 0);
    assert_string_equal(smtp_tls_str(t), "none");
    assert_int_equal(smtp_tls_parse("starttls", &t, &err), MERR_CONFIG);
}

/* ---- reading curl's results -------------------------------------------- */

static void
test_smtp_classify(void **state)
{
    struct dispatch_result r;
    char text[512];

    (void)state;
    smtp_classify(CURLE_OK, 250, true, false, "250 2.0.0 Ok: queued", "", &r,
                  text, sizeof(text));
    assert_int_equal(r.kind, DISPATCH_ACCEPTED);
    assert_int_equal(r.code, 250);
    assert_string_equal(r.text, "250 2.0.0 Ok: queued");

    /* a reply code decides, whatever curl's error */
    smtp_classify(CURLE_SEND_ERROR, 550, false, false, "550 5.1.1 no such user",
                  "RCPT failed: 550", &r, text, sizeof(text));
    assert_int_equal(r.kind, DISPATCH_REPLY);
    assert_int_equal(r.code, 550);
    assert_string_equal(r.text, "550 5.1.1 no such user");
    smtp_classify(CURLE_WEIRD_SERVER_REPLY, 451, true, false, "451 4.3.0 later",
                  "", &r, text, sizeof(text));
    assert_int_equal(r.kind, DISPATCH_REPLY);
    assert_int_equal(r.code, 451);

    /* no session: the relay's problem, not the message's */
    smtp_classify(CURLE_COULDNT_CONNECT, 0, false, true, "",
                  "Failed to connect to 127.0.0.1 port 1: Connection refused",
                  &r, text, sizeof(text));
    assert_int_equal(r.kind, DISPATCH_NO_CONNECT);
    assert_non_null(strstr(r.text, "refused"));
    smtp_classify(CURLE_LOGIN_DENIED, 535, false, true, "535 5.7.8 bad auth",
                  "", &r, text, sizeof(text));
    assert_int_equal(r.kind, DISPATCH_NO_CONNECT);
    assert_int_equal(r.code, 535);
    smtp_classify(CURLE_USE_SSL_FAILED, 250, false, true, "250 HELP", "", &r,
                  text, sizeof(text));
    assert_int_equal(r.kind, DISPATCH_NO_CONNECT);
    assert_int_equal(r.code, 0);
    smtp_classify(CURLE_OPERATION_TIMEDOUT, 0, false, true, "", "", &r, text,
                  sizeof(text));
    assert_int_equal(r.kind, DISPATCH_NO_CONNECT);
    assert_true(r.timeout);

    /* lost before the end of the message: not delivered, try again */
    smtp_classify(CURLE_RECV_ERROR, 250, false, false, "250 2.1.5 Ok", "", &r,
                  text, sizeof(text));
    assert_int_equal(r.kind, DISPATCH_DROPPED);
    assert_non_null(strstr(r.text, "connection lost"));
    /* a reused connection found dead says nothing at all: dropped too */
    smtp_classify(CURLE_RECV_ERROR, 0, false, false, "", "", &r, text,
                  sizeof(text));
    assert_int_equal(r.kind, DISPATCH_DROPPED);

    /* lost or timed out after the whole message: uncertain */
    smtp_classify(CURLE_RECV_ERROR, 354, true, false, "354 End data", "", &r,
                  text, sizeof(text));
    assert_int_equal(r.kind, DISPATCH_LOST_AFTER_DATA);
    assert_false(r.timeout);
    smtp_classify(CURLE_OPERATION_TIMEDOUT, 354, true, false, "354 End data",
                  "", &r, text, sizeof(text));
    assert_int_equal(r.kind, DISPATCH_LOST_AFTER_DATA);
    assert_true(r.timeout);
    assert_non_null(strstr(r.text, "may have been delivered"));
}

/* ---- the pool against smtp-sink ---------------------------------------- */

#define MSG_BODY                              \
    "From: Appeals <appeals@example.org>\r\n" \
    "Subject: Free Ana now\r\n"               \
    "MIME-Version: 1.0\r\n"                   \
    "\r\n"                                    \
    "Dear friend,\r\n"                        \
    ".a line that starts with a dot\r\n"      \
    ".\r\n"                                   \
    "the end\r\n"

struct run {
    struct transport_outcome *out; /* by cookie */
    size_t n;
    size_t got;
};

static void
pool_open(struct smtp_pool **p, const struct smtp_relay_conf *relays,
          size_t nrelays, unsigned conns, unsigned timeout)
{
    struct smtp_opts o;
    struct merr err;

    memset(&o, 0, sizeof(o));
    o.relays = relays;
    o.nrelays = nrelays;
    o.connections = conns;
    o.threads = conns > 1 ? 2 : 1;
    o.timeout = timeout;
    o.connect_timeout = 5;
    o.helo = "mailer.test";
    if (smtp_pool_new(&o, p, &err) != 0) {
        fail_msg("smtp_pool_new: %s", err.msg);
    }
}

/* Send n messages to r<i>@d<i % 3>.example and collect every outcome. */
static void
pool_run(struct smtp_pool *p, size_t n, struct run *run)
{
    struct transport_outcome got[64];
    struct merr err;
    char rcpt[64];
    double start = util_clock();

    run->out = calloc(n, sizeof(*run->out));
    assert_non_null(run->out);
    run->n = n;
    run->got = 0;
    for (size_t i = 0; i < n; i++) {
        struct transport_msg m = {"bounces+t@example.org", rcpt, MSG_BODY,
                                  strlen(MSG_BODY), 1000 + i};

        snprintf(rcpt, sizeof(rcpt), "r%zu@d%zu.example", i, i % 3);
        assert_int_equal(smtp_pool_submit(p, &m, &err), 0);
    }
    while (run->got < n) {
        size_t k = smtp_pool_collect(p, got, TOCSIN_ARRAY_LEN(got), 200);

        for (size_t i = 0; i < k; i++) {
            uint64_t c = got[i].cookie - 1000;

            assert_true(c < n);
            /* exactly one outcome per message */
            assert_int_equal(run->out[c].cookie, 0);
            run->out[c] = got[i];
            run->got++;
        }
        if (util_clock() - start > 90) {
            fail_msg("only %zu outcomes of %zu after 90 s", run->got, n);
        }
    }
    assert_int_equal(smtp_pool_inflight(p), 0);
}

static void
test_smtp_sink_thousand(void **state)
{
    struct sink s;
    struct smtp_pool *p = NULL;
    struct smtp_relay_conf rel = {NULL, 1, 0};
    struct run run;
    unsigned counts[1000];
    size_t files;

    (void)state;
    seen_reset();
    sink_start(&s, NULL);
    rel.url = s.url;
    pool_open(&p, &rel, 1, 4, 0);
    assert_non_null(strstr(smtp_pool_describe(p), "4 connections"));
    assert_non_null(strstr(smtp_pool_describe(p), "tls opportunistic"));
    pool_run(p, 1000, &run);
    for (size_t i = 0; i < 1000; i++) {
        assert_int_equal(run.out[i].status, SEND_OK);
        assert_int_equal(run.out[i].code, 250);
        assert_string_equal(run.out[i].enhanced, "2.0.0");
        assert_int_equal(run.out[i].tries, 1);
    }
    /* what every connection was told */
    assert_int_equal(seen(CURLOPT_TCP_NODELAY), 1);
    assert_int_equal(seen(CURLOPT_SERVER_RESPONSE_TIMEOUT), 600);
    assert_int_equal(seen(CURLOPT_USE_SSL), CURLUSESSL_TRY);
    assert_int_equal(seen(CURLOPT_NOSIGNAL), 1);
    assert_int_equal(seen_password, 0);
    smtp_pool_free(p);
    files = sink_count(&s, counts, 1000);
    assert_int_equal(files, 1000);
    for (size_t i = 0; i < 1000; i++) {
        assert_int_equal(counts[i], 1);
    }
    free(run.out);
    sink_stop(&s);
}

/* Each dumped message came back whole, dots and all. */
static void
test_smtp_sink_content(void **state)
{
    struct sink s;
    struct smtp_pool *p = NULL;
    struct smtp_relay_conf rel = {NULL, 1, 0};
    struct run run;
    unsigned counts[1];
    char path[600];
    char *got;

    (void)state;
    sink_start(&s, NULL);
    rel.url = s.url;
    pool_open(&p, &rel, 1, 1, 0);
    pool_run(p, 1, &run);
    smtp_pool_free(p);
    assert_int_equal(sink_count(&s, counts, 1), 1);
    sink_first_file(&s, path, sizeof(path));
    got = unit_slurp(path, NULL);
    assert_non_null(strstr(got, "X-Helo-Args: mailer.test\n"));
    assert_non_null(strstr(got, "X-Mail-Args: <bounces+t@example.org>"));
    assert_non_null(strstr(got, "\n.a line that starts with a dot\n.\nthe "
                                "end\n"));
    free(got);
    free(run.out);
    sink_stop(&s);
}

static void
fault_run(const char *const *extra, size_t n, unsigned conns, unsigned timeout,
          struct run *run)
{
    struct sink s;
    struct smtp_pool *p = NULL;
    struct smtp_relay_conf rel = {NULL, 1, 0};

    sink_start(&s, extra);
    rel.url = s.url;
    pool_open(&p, &rel, 1, conns, timeout);
    pool_run(p, n, run);
    smtp_pool_free(p);
    sink_stop(&s);
}

static void
test_smtp_sink_tempfail(void **state)
{
    const char *const extra[] = {"-r", "RCPT", NULL};
    struct run run;

    (void)state;
    fault_run(extra, 6, 2, 0, &run);
    for (size_t i = 0; i < run.n; i++) {
        assert_int_equal(run.out[i].status, SEND_TEMPFAIL);
        assert_int_equal(run.out[i].code, 450);
        assert_string_equal(run.out[i].enhanced, "4.3.0");
        assert_non_null(strstr(run.out[i].reply, "450 4.3.0"));
    }
    free(run.out);
}

static void
test_smtp_sink_permfail(void **state)
{
    const char *const extra[] = {"-f", "RCPT", "-B",
                                 "550 5.1.1 Error: no such user", NULL};
    struct run run;

    (void)state;
    fault_run(extra, 6, 2, 0, &run);
    for (size_t i = 0; i < run.n; i++) {
        assert_int_equal(run.out[i].status, SEND_PERMFAIL);
        assert_int_equal(run.out[i].code, 550);
        assert_string_equal(run.out[i].enhanced, "5.1.1");
        assert_string_equal(run.out[i].reply, "550 5.1.1 Error: no such user");
        assert_int_equal(run.out[i].tries, 1);
    }
    free(run.out);
}

/* No reply after the final dot: the message may be there; never resent. */
static void
test_smtp_sink_no_reply_after_dot(void **state)
{
    const char *const extra[] = {"-q", ".", NULL};
    struct run run;

    (void)state;
    fault_run(extra, 6, 2, 0, &run);
    for (size_t i = 0; i < run.n; i++) {
        assert_int_equal(run.out[i].status, SEND_UNCERTAIN);
        assert_int_equal(run.out[i].tries, 1);
        assert_non_null(strstr(run.out[i].reply, "may have been delivered"));
    }
    free(run.out);
}

/* The reply to the final dot never comes in time: uncertain as well. */
static void
test_smtp_sink_timeout_after_dot(void **state)
{
    const char *const extra[] = {"-W", ".:3", NULL};
    struct run run;

    (void)state;
    fault_run(extra, 1, 1, 1, &run);
    assert_int_equal(run.out[0].status, SEND_UNCERTAIN);
    assert_non_null(strstr(run.out[0].reply, "timeout"));
    free(run.out);
}

/* A slow server (1 s before answering DATA) gets everything through. */
static void
test_smtp_sink_slow(void **state)
{
    const char *const extra[] = {"-w", "1", NULL};
    struct run run;

    (void)state;
    fault_run(extra, 8, 4, 0, &run);
    for (size_t i = 0; i < run.n; i++) {
        assert_int_equal(run.out[i].status, SEND_OK);
    }
    free(run.out);
}

/* Every session ends in 421: retried, then deferred, none lost. */
static void
test_smtp_sink_421_only(void **state)
{
    const char *const extra[] = {"-Q", "RCPT", NULL};
    struct run run;

    (void)state;
    fault_run(extra, 4, 2, 0, &run);
    for (size_t i = 0; i < run.n; i++) {
        assert_int_equal(run.out[i].status, SEND_TEMPFAIL);
        assert_non_null(strstr(run.out[i].reply, "421"));
    }
    free(run.out);
}

/*
 * Two relays, one answering 421 (or dropping the session) to every RCPT:
 * everything arrives at the other, exactly once.
 */
static void
failover(const char *const *bad_extra)
{
    struct sink bad;
    struct sink good;
    struct smtp_pool *p = NULL;
    struct smtp_relay_conf rel[2] = {{NULL, 1, 0}, {NULL, 1, 0}};
    struct run run;
    unsigned counts[200];
    unsigned retried = 0;

    sink_start(&bad, bad_extra);
    sink_start(&good, NULL);
    rel[0].url = bad.url;
    rel[1].url = good.url;
    pool_open(&p, rel, 2, 4, 0);
    pool_run(p, 200, &run);
    smtp_pool_free(p);
    for (size_t i = 0; i < run.n; i++) {
        assert_int_equal(run.out[i].status, SEND_OK);
        assert_int_equal(run.out[i].relay, 1);
        retried += run.out[i].tries > 1;
    }
    assert_true(retried > 0);
    assert_int_equal(sink_count(&good, counts, 200), 200);
    for (size_t i = 0; i < 200; i++) {
        assert_int_equal(counts[i], 1);
    }
    assert_int_equal(sink_count(&bad, counts, 200), 0);
    free(run.out);
    sink_stop(&bad);
    sink_stop(&good);
}

static void
test_smtp_sink_421_failover(void **state)
{
    const char *const extra[] = {"-Q", "RCPT", NULL};

    (void)state;
    failover(extra);
}

static void
test_smtp_sink_dropped_failover(void **state)
{
    const char *const extra[] = {"-q", "RCPT", NULL};

    (void)state;
    failover(extra);
}

/* Shares: two healthy relays at 3:1 get about that split. */
static void
test_smtp_sink_shares(void **state)
{
    struct sink a;
    struct sink b;
    struct smtp_pool *p = NULL;
    struct smtp_relay_conf rel[2] = {{NULL, 3, 0}, {NULL, 1, 0}};
    struct run run;
    size_t per[2] = {0, 0};
    unsigned counts[400];

    (void)state;
    sink_start(&a, NULL);
    sink_start(&b, NULL);
    rel[0].url = a.url;
    rel[1].url = b.url;
    pool_open(&p, rel, 2, 4, 0);
    pool_run(p, 400, &run);
    smtp_pool_free(p);
    for (size_t i = 0; i < run.n; i++) {
        assert_int_equal(run.out[i].status, SEND_OK);
        per[run.out[i].relay]++;
    }
    assert_int_equal(per[0], 300);
    assert_int_equal(per[1], 100);
    assert_int_equal(sink_count(&a, counts, 400), 300);
    assert_int_equal(sink_count(&b, counts, 400), 100);
    free(run.out);
    sink_stop(&a);
    sink_stop(&b);
}

/* Nothing listens: deferred, with curl's reason, and quickly. */
static void
test_smtp_refused(void **state)
{
    struct smtp_pool *p = NULL;
    char url[64];
    struct smtp_relay_conf rel = {url, 1, 0};
    struct run run;

    (void)state;
    snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", sink_free_port());
    pool_open(&p, &rel, 1, 2, 0);
    pool_run(p, 6, &run);
    smtp_pool_free(p);
    for (size_t i = 0; i < run.n; i++) {
        assert_int_equal(run.out[i].status, SEND_TEMPFAIL);
        assert_int_equal(run.out[i].code, 0);
        assert_true(strstr(run.out[i].reply, "onnect") != NULL ||
                    strstr(run.out[i].reply, "refused") != NULL);
    }
    free(run.out);
}

/* Credentials go to curl from the options, never from the URL. */
static void
test_smtp_auth_options(void **state)
{
    struct sink s;
    struct smtp_pool *p = NULL;
    struct smtp_relay_conf rel = {NULL, 1, 0};
    struct smtp_opts o;
    struct merr err;
    struct run run;
    const char *const extra[] = {"-a", NULL};

    (void)state;
    seen_reset();
    /* -a: no AUTH announced, so curl sends the mail without logging in
     * (smtp-sink would refuse any login). */
    sink_start(&s, extra);
    rel.url = s.url;
    memset(&o, 0, sizeof(o));
    o.relays = &rel;
    o.nrelays = 1;
    o.connections = 1;
    o.tls = SMTP_TLS_NONE;
    o.user = "mailer";
    o.password = "s3cret";
    assert_int_equal(smtp_pool_new(&o, &p, &err), 0);
    pool_run(p, 2, &run);
    assert_int_equal(run.out[0].status, SEND_OK);
    assert_string_equal(seen_user, "mailer");
    assert_int_equal(seen_password, 1);
    assert_int_equal(seen(CURLOPT_USE_SSL), CURLUSESSL_NONE);
    smtp_pool_free(p);
    free(run.out);
    sink_stop(&s);
}

/*
 * A private CA reaches every connection as CURLOPT_CAINFO; without one
 * curl keeps the system's.  Certificates are checked either way.  The
 * options are set when the pool starts: nothing needs to listen.
 */
static void
test_smtp_ca_file_option(void **state)
{
    struct smtp_pool *p = NULL;
    struct smtp_relay_conf rel = {"smtp://127.0.0.1:1", 1, 0};
    struct smtp_opts o;
    struct merr err;

    (void)state;
    seen_reset();
    memset(&o, 0, sizeof(o));
    o.relays = &rel;
    o.nrelays = 1;
    o.connections = 3;
    o.tls = SMTP_TLS_REQUIRED;
    o.ca_file = "/etc/tocsin/relay-ca.pem";
    assert_int_equal(smtp_pool_new(&o, &p, &err), 0);
    smtp_pool_free(p);
    assert_string_equal(seen_cainfo, "/etc/tocsin/relay-ca.pem");
    assert_int_equal(seen_ncainfo, 3);
    assert_int_equal(seen(CURLOPT_SSL_VERIFYPEER), 1);
    assert_int_equal(seen(CURLOPT_SSL_VERIFYHOST), 2);

    /* NULL and "" both mean the system's CAs: CAINFO is left alone */
    seen_reset();
    o.ca_file = NULL;
    assert_int_equal(smtp_pool_new(&o, &p, &err), 0);
    smtp_pool_free(p);
    o.ca_file = "";
    assert_int_equal(smtp_pool_new(&o, &p, &err), 0);
    smtp_pool_free(p);
    assert_int_equal(seen_ncainfo, 0);
    assert_int_equal(seen(CURLOPT_SSL_VERIFYPEER), 1);
    assert_int_equal(seen(CURLOPT_SSL_VERIFYHOST), 2);
}

static int
need_sink(void **state)
{
    (void)state;
    if (!sink_available()) {
        /* make deps installs postfix; without it these cannot run */
        print_message("smtp-sink not installed: skipping\n");
        skip();
    }
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_smtp_relay_parse),
        cmocka_unit_test(test_smtp_tls_parse),
        cmocka_unit_test(test_smtp_classify),
        cmocka_unit_test_setup_teardown(test_smtp_sink_thousand, need_sink,
                                        sink_stop_all),
        cmocka_unit_test_setup_teardown(test_smtp_sink_content, need_sink,
                                        sink_stop_all),
        cmocka_unit_test_setup_teardown(test_smtp_sink_tempfail, need_sink,
                                        sink_stop_all),
        cmocka_unit_test_setup_teardown(test_smtp_sink_permfail, need_sink,
                                        sink_stop_all),
        cmocka_unit_test_setup_teardown(test_smtp_sink_no_reply_after_dot,
                                        need_sink, sink_stop_all),
        cmocka_unit_test_setup_teardown(test_smtp_sink_timeout_after_dot,
                                        need_sink, sink_stop_all),
        cmocka_unit_test_setup_teardown(test_smtp_sink_slow, need_sink,
                                        sink_stop_all),
        cmocka_unit_test_setup_teardown(test_smtp_sink_421_only, need_sink,
                                        sink_stop_all),
        cmocka_unit_test_setup_teardown(test_smtp_sink_421_failover, need_sink,
                                        sink_stop_all),
        cmocka_unit_test_setup_teardown(test_smtp_sink_dropped_failover,
                                        need_sink, sink_stop_all),
        cmocka_unit_test_setup_teardown(test_smtp_sink_shares, need_sink,
                                        sink_stop_all),
        cmocka_unit_test(test_smtp_refused),
        cmocka_unit_test_setup_teardown(test_smtp_auth_options, need_sink,
                                        sink_stop_all),
        cmocka_unit_test(test_smtp_ca_file_option),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
