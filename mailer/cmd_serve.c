/*
 * cmd_serve: tocsin serve.  Starts the web application and the HTTP
 * server, prints the address, and on SIGTERM or SIGINT stops accepting,
 * finishes the requests in flight, commits what is queued, and exits.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "util.h"
#include "web.h"

/* How long in-flight requests get to finish after a stop signal. */
#define SERVE_DRAIN_MS 10000
/* How often the request lines gathered in memory are written: a server
 * killed outright loses at most this much of its request log. */
#define SERVE_LOG_FLUSH_MS 100
/* Default polling threads at most (--threads may ask for up to 256). */
#define SERVE_MAX_THREADS 64

int
cmd_serve(struct tocsin_ctx *ctx, int argc, char **argv)
{
    enum { OPT_LISTEN = 256, OPT_TRUST_PROXY, OPT_THREADS };
    static const struct option opts[] = {
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"trust-proxy", no_argument, NULL, OPT_TRUST_PROXY},
        {"threads", required_argument, NULL, OPT_THREADS},
        {NULL, 0, NULL, 0},
    };
    struct server_options so;
    struct web_options wo;
    struct server_app app;
    struct server *srv = NULL;
    struct web *web = NULL;
    sigset_t stop;
    uint64_t threads = 0;
    int sig = 0;
    int c;
    int rc;

    memset(&so, 0, sizeof(so));
    so.listen = ctx->cfg->listen;
    so.trust_proxy = ctx->cfg->trust_proxy;
    for (;;) {
        c = getopt_long(argc, argv, "", opts, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_LISTEN:
            so.listen = optarg;
            break;
        case OPT_TRUST_PROXY:
            so.trust_proxy = true;
            break;
        case OPT_THREADS:
            if (util_parse_uint(optarg, 256, &threads) != 0 || threads == 0) {
                return cmdline_error(ctx, "--threads: 1 to 256");
            }
            break;
        default:
            return cmdline_error(ctx, "unknown option");
        }
    }
    if (optind < argc) {
        return cmdline_error(ctx, "unexpected argument \"%s\"", argv[optind]);
    }
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);

        /* four per CPU: a polling thread that the scheduler puts aside
         * (the load generator, the writer, other work on the box) then
         * delays only a quarter of the connections; measured 15-25%
         * more webhooks per second than one per CPU on 2 vCPUs */
        threads = n > 0 ? 4 * (uint64_t)n : 4;
        if (threads > SERVE_MAX_THREADS) {
            threads = SERVE_MAX_THREADS;
        }
    }
    so.threads = (unsigned)threads;
    so.max_connections = ctx->cfg->max_connections;
    so.max_per_client = ctx->cfg->max_per_client;
    so.timeout = ctx->cfg->client_timeout;

    /* every thread started from here on inherits the blocked signals;
     * only sigwait below receives them */
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    log_set_timestamps(true);
    /* a line per request: gathered, written every SERVE_LOG_FLUSH_MS */
    (void)log_buffer_start(SERVE_LOG_FLUSH_MS);
    metrics_reset();
    memset(&wo, 0, sizeof(wo));
    wo.database = ctx->cfg->database;
    wo.webhook_secret = ctx->secrets->webhook_secret;
    wo.keys = &ctx->keys;
    wo.org_name = ctx->cfg->org_name;
    wo.readers = so.threads + 1;
    if (wo.webhook_secret == NULL) {
        log_warn("no webhook_secret: POST /hooks/signatures answers 503");
    }
    rc = web_new(&wo, &web, &ctx->err);
    if (rc != 0) {
        goto out;
    }
    app = web_app(web);
    rc = server_start(&so, &app, &srv, &ctx->err);
    if (rc != 0) {
        goto out;
    }
    printf("tocsin serve: listening on http://%s\n", server_address(srv));
    fflush(stdout);
    log_info("serving %s with %u threads", store_path(ctx->store), so.threads);

    if (sigwait(&stop, &sig) != 0) {
        sig = SIGTERM;
    }
    log_info("%s: stopping after the requests in flight",
             sig == SIGINT ? "SIGINT" : "SIGTERM");
    server_quiesce(srv);
    if (!server_wait_idle(srv, SERVE_DRAIN_MS)) {
        log_warn("requests still in flight after %d s: closing them",
                 SERVE_DRAIN_MS / 1000);
    }
    /* whatever is still queued is committed and answered */
    web_stop_writer(web);
    (void)server_wait_idle(srv, 2000);
    log_info("stopped");
out:
    server_stop(srv);
    web_free(web);
    log_buffer_stop(); /* no thread logs any more */
    return rc;
}
