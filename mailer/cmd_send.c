/*
 * cmd_send: tocsin send APPEAL.json.  Options, the safety gates (check,
 * embargo, expiry, changed content, one sender per appeal), registering
 * or resuming the appeal, progress, Ctrl-C, the summary and exit status.
 * The sending itself is sender.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "appeal.h"
#include "buf.h"
#include "cmd.h"
#include "journal.h"
#include "lint.h"
#include "log.h"
#include "queue.h"
#include "send_print.h"
#include "sender.h"
#include "store_appeal.h"
#include "store_queue.h"
#include "transport.h"
#include "util.h"

/* Rows claimed ahead for the outbox (it has no connections). */
#define OUTBOX_WINDOW 64
/* Top domains shown by --dry-run. */
#define DRY_DOMAINS 10

struct send_args {
    const char *path;
    struct transport_opts topts;
    bool dry_run;
    const char *test_addr;
    bool wait;
    bool retry_now;
    bool resend_uncertain;
    bool allow_changed;
    bool json;
    int argc; /* the command line, for the resume hint */
    char **argv;
    int path_index;
};

/* Ctrl-C: the first stops claiming, the second leaves at once. */
static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
    static const char msg[] = "\ntocsin: interrupted again, stopping now "
                              "(messages in flight become uncertain)\n";

    (void)sig;
    if (interrupted) {
        /* the rows stay "sending" and are recovered as uncertain */
        (void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
        _exit(130);
    }
    interrupted = 1;
}

static void
catch_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* no SA_RESTART: waits return early */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Sleep until t (Unix time) or a signal.  false if interrupted. */
static bool
sleep_until(int64_t t)
{
    while (!interrupted && util_now() < t) {
        int64_t left = t - util_now();

        (void)usleep(left > 1 ? 1000000 : 200000);
    }
    return !interrupted;
}

static void
fmt_time(int64_t t, char *out, size_t size)
{
    util_format_rfc3339(t, out, size);
}

static int
parse_rate(const char *s, double *out)
{
    char *end = NULL;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || end == s || !(v > 0) || !isfinite(v)) {
        return MERR_INVALID;
    }
    if (*end != '\0' && strcmp(end, "/s") != 0) {
        return MERR_INVALID;
    }
    *out = v;
    return 0;
}

static int
parse_args(struct tocsin_ctx *ctx, int argc, char **argv, struct send_args *a)
{
    enum {
        OPT_SMTP = 256,
        OPT_TLS,
        OPT_CONNECTIONS,
        OPT_RATE,
        OPT_DRY_RUN,
        OPT_TEST,
        OPT_WAIT,
        OPT_RETRY_NOW,
        OPT_RESEND,
        OPT_ALLOW_CHANGED,
        OPT_JSON,
    };
    static const struct option opts[] = {
        {"smtp", required_argument, NULL, OPT_SMTP},
        {"tls", required_argument, NULL, OPT_TLS},
        {"connections", required_argument, NULL, OPT_CONNECTIONS},
        {"rate", required_argument, NULL, OPT_RATE},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"test", required_argument, NULL, OPT_TEST},
        {"wait", no_argument, NULL, OPT_WAIT},
        {"retry-now", no_argument, NULL, OPT_RETRY_NOW},
        {"resend-uncertain", no_argument, NULL, OPT_RESEND},
        {"allow-changed", no_argument, NULL, OPT_ALLOW_CHANGED},
        {"json", no_argument, NULL, OPT_JSON},
        {NULL, 0, NULL, 0},
    };
    uint64_t v;
    int c;

    memset(a, 0, sizeof(*a));
    a->argc = argc;
    a->argv = argv;
    for (;;) {
        c = getopt_long(argc, argv, "", opts, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_SMTP:
            a->topts.smtp_url = optarg;
            break;
        case OPT_TLS:
            a->topts.tls = optarg;
            break;
        case OPT_CONNECTIONS:
            if (util_parse_uint(optarg, 1000, &v) != 0 || v == 0) {
                return cmdline_error(ctx, "--connections: 1 to 1000");
            }
            a->topts.connections = (unsigned)v;
            break;
        case OPT_RATE:
            if (parse_rate(optarg, &a->topts.rate) != 0) {
                return cmdline_error(ctx, "--rate: a number of messages per "
                                          "second, e.g. 50/s");
            }
            break;
        case OPT_DRY_RUN:
            a->dry_run = true;
            break;
        case OPT_TEST:
            a->test_addr = optarg;
            break;
        case OPT_WAIT:
            a->wait = true;
            break;
        case OPT_RETRY_NOW:
            a->retry_now = true;
            break;
        case OPT_RESEND:
            a->resend_uncertain = true;
            break;
        case OPT_ALLOW_CHANGED:
            a->allow_changed = true;
            break;
        case OPT_JSON:
            a->json = true;
            break;
        default:
            return cmdline_error(ctx, "unknown option");
        }
    }
    if (optind + 1 != argc) {
        return cmdline_error(ctx, "expected one appeal file");
    }
    if (a->dry_run && a->test_addr != NULL) {
        return cmdline_error(ctx, "--dry-run and --test do not go together");
    }
    a->path = argv[optind];
    a->path_index = optind;
    return 0;
}

/* check first: refuse on errors, show warnings. */
static int
run_check(struct tocsin_ctx *ctx, const struct appeal *a, bool quiet)
{
    struct lint_report rep;
    int rc;

    lint_report_init(&rep);
    rc = lint_appeal(a, ctx->cfg, ctx->store, util_now(), &rep, &ctx->err);
    if (rc != 0) {
        goto out;
    }
    for (size_t i = 0; i < rep.n; i++) {
        if (rep.v[i].severity == LINT_ERROR || !quiet) {
            fprintf(stderr, "%s: %s: %s\n",
                    rep.v[i].severity == LINT_ERROR ? "error" : "warning",
                    rep.v[i].code, rep.v[i].message);
        }
    }
    if (rep.nerrors > 0) {
        rc = merr_set(&ctx->err, MERR_INVALID,
                      "%s: %zu problem%s (tocsin check %s); nothing sent",
                      a->origin, rep.nerrors, rep.nerrors == 1 ? "" : "s",
                      a->origin);
    }
out:
    lint_report_release(&rep);
    return rc;
}

static int
do_test(struct tocsin_ctx *ctx, const struct send_args *args,
        const struct appeal *a, int64_t seq)
{
    struct transport_outcome *res = NULL;
    struct transport *tr = NULL;
    struct sender *s = NULL;
    bool ok = true;
    int rc;

    rc = transport_open(ctx->cfg, ctx->secrets, &args->topts, &tr, &ctx->err);
    if (rc == 0) {
        rc = sender_new(a, ctx->cfg, &ctx->keys, seq, &s, &ctx->err);
    }
    if (rc != 0) {
        goto out;
    }
    res = xcalloc(a->nlanguages, sizeof(*res));
    rc = sender_test(s, tr, args->test_addr, res, &ctx->err);
    if (rc != 0) {
        goto out;
    }
    for (size_t i = 0; i < a->nlanguages; i++) {
        ok = ok && res[i].status == SEND_OK;
    }
    send_print_test(args->json, a, args->test_addr, res,
                    transport_describe(tr));
    if (!ok) {
        rc = merr_set(&ctx->err, MERR_TEMPFAIL,
                      "test to %s: not every language was accepted",
                      args->test_addr);
    }
out:
    free(res);
    sender_free(s);
    transport_free(tr);
    return rc;
}

static int
do_dry_run(struct tocsin_ctx *ctx, const struct send_args *args,
           const struct appeal *a, const struct store_audience *aud,
           int64_t seq)
{
    struct sender_lang_count *counts = NULL;
    struct store_queue_count dom[DRY_DOMAINS];
    struct sender_stats st;
    struct sender *s = NULL;
    size_t ndom = 0;
    double el;
    int rc;

    memset(&st, 0, sizeof(st));
    rc = sender_new(a, ctx->cfg, &ctx->keys, seq, &s, &ctx->err);
    if (rc != 0) {
        return rc;
    }
    counts = xcalloc(a->nlanguages, sizeof(*counts));
    st.started = util_clock();
    rc = sender_dry_run(s, ctx->store, aud, ctx->cfg->batch_size, counts, &st,
                        &ctx->err);
    el = util_clock() - st.started;
    if (rc == 0) {
        rc = store_queue_audience_domains(ctx->store, aud, dom, DRY_DOMAINS,
                                          &ndom, &ctx->err);
    }
    if (rc != 0) {
        goto out;
    }
    send_print_dry_run(args->json, a, counts, dom, ndom, &st, el);
out:
    for (size_t i = 0; i < ndom; i++) {
        free(dom[i].key);
    }
    free(counts);
    sender_free(s);
    return rc;
}

/* The registered content of an appeal: what serve builds pages from. */
static void
set_content(struct store_appeal *sa, const struct appeal *a)
{
    free(sa->content_hash);
    free(sa->title);
    free(sa->doc);
    free(sa->visibility);
    sa->content_hash = xstrdup(a->content_hash);
    sa->title = xstrdup(appeal_petition_title(a, a->default_language));
    sa->doc = xstrdup(a->text);
    sa->visibility = xstrdup(a->restricted ? "restricted" : "public");
    sa->not_before = a->not_before;
    sa->not_after = a->not_after;
}

/*
 * Register the appeal, or resume it: the same content, or a change the
 * user allowed (which becomes the registered version).
 */
static int
register_appeal(struct tocsin_ctx *ctx, const struct send_args *args,
                const struct appeal *a, int64_t *seq)
{
    struct store_appeal sa;
    uint64_t earlier = 0;
    int rc;

    memset(&sa, 0, sizeof(sa));
    rc = store_appeal_get(ctx->store, a->id, &sa, &ctx->err);
    if (rc == MERR_NOTFOUND) {
        memset(&ctx->err, 0, sizeof(ctx->err));
        sa.id = xstrdup(a->id);
        set_content(&sa, a);
        rc = store_appeal_insert(ctx->store, &sa, &ctx->err);
        *seq = sa.seq;
        store_appeal_release(&sa);
        return rc;
    }
    if (rc != 0) {
        return rc;
    }
    *seq = sa.seq;
    if (strcmp(sa.content_hash, a->content_hash) != 0) {
        rc = store_queue_count_other_hash(ctx->store, sa.seq, a->content_hash,
                                          &earlier, &ctx->err);
        if (rc == 0 && !args->allow_changed) {
            rc = merr_set(&ctx->err, MERR_INVALID,
                          "%s: changed since appeal %s began sending; %" PRIu64
                          " people got the earlier version; --allow-changed "
                          "sends this version to the rest",
                          a->origin, a->id, earlier);
        } else if (rc == 0) {
            log_warn("%s: changed: %" PRIu64 " people got the earlier version,"
                     " the rest get this one",
                     a->origin, earlier);
            set_content(&sa, a);
            rc = store_appeal_update(ctx->store, &sa, &ctx->err);
        }
    }
    store_appeal_release(&sa);
    return rc;
}

/* One sender per appeal at a time: a lock file next to the database,
 * released by the kernel however the process ends. */
static int
lock_appeal(struct tocsin_ctx *ctx, const struct appeal *a, int64_t seq,
            int *fd)
{
    char path[4096];
    struct flock fl;

    if (snprintf(path, sizeof(path), "%s.send-%" PRId64 ".lock",
                 ctx->cfg->database, seq) >= (int)sizeof(path)) {
        return merr_set(&ctx->err, MERR_LIMIT, "database path too long");
    }
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (*fd < 0) {
        return merr_set(&ctx->err, MERR_IO, "%s: %s", path, strerror(errno));
    }
    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(*fd, F_SETLK, &fl) != 0) {
        return merr_set(&ctx->err, MERR_TEMPFAIL,
                        "appeal %s is being sent by another tocsin send "
                        "(%s)",
                        a->id, path);
    }
    return 0;
}

/* The command line again, for "resume with". */
static void
resume_hint(const struct send_args *args, char *out, size_t size)
{
    struct buf b;

    buf_init(&b, 4096);
    (void)buf_addf(&b, "tocsin send %s", args->path);
    for (int i = 1; i < args->argc; i++) {
        if (i == args->path_index ||
            strcmp(args->argv[i], "--resend-uncertain") == 0 ||
            strcmp(args->argv[i], "--retry-now") == 0) {
            continue;
        }
        (void)buf_addf(&b, " %s", args->argv[i]);
    }
    (void)util_strlcpy(out, buf_str(&b), size);
    buf_release(&b);
}

/* The journal of appeal seq's sends, next to the database. */
static int
journal_path(struct tocsin_ctx *ctx, int64_t seq, char *out, size_t size)
{
    if (snprintf(out, size, "%s.send-%" PRId64 ".journal", ctx->cfg->database,
                 seq) >= (int)size) {
        return merr_set(&ctx->err, MERR_LIMIT, "database path too long");
    }
    return 0;
}

/*
 * Rows an earlier run left "sending": settled from its journal (see
 * sender_recover); then a fresh journal for this run.
 */
static int
recover(struct tocsin_ctx *ctx, const struct appeal *a, int64_t seq,
        struct journal **jn)
{
    struct sender_recovery r;
    char path[4096];
    int rc;

    rc = journal_path(ctx, seq, path, sizeof(path));
    if (rc == 0) {
        rc = sender_recover(ctx->store, &ctx->keys, seq, path, &r, &ctx->err);
    }
    if (rc != 0) {
        return rc;
    }
    if (r.uncertain > 0) {
        log_warn("%s: %" PRIu64 " deliveries were in flight when an earlier "
                 "run stopped: now uncertain (not resent unless "
                 "--resend-uncertain)",
                 a->id, r.uncertain);
    }
    if (r.requeued + r.replayed > 0) {
        log_info("%s: an earlier run stopped: %" PRIu64 " outcomes recovered "
                 "from its journal, %" PRIu64 " deliveries queued again",
                 a->id, r.replayed, r.requeued);
    }
    return journal_open(path, jn, &ctx->err);
}

static int
do_send(struct tocsin_ctx *ctx, const struct send_args *args,
        const struct appeal *a, const struct store_audience *aud)
{
    struct sender_run_opts ro;
    struct sender_stats st;
    struct queue_counts c;
    struct send_progress pg;
    struct transport *tr = NULL;
    struct sender *s = NULL;
    struct journal *jn = NULL;
    const char **relays = NULL;
    const char *outbox = NULL;
    int64_t seq = 0;
    uint64_t n = 0;
    bool counted = false; /* c is up to date */
    int lockfd = -1;
    int rc;

    memset(&st, 0, sizeof(st));
    memset(&c, 0, sizeof(c));
    st.started = util_clock();
    /* first: a relay URL, CA file or outbox that cannot be used stops the
     * run before the appeal is registered or anyone is queued */
    rc = transport_open(ctx->cfg, ctx->secrets, &args->topts, &tr, &ctx->err);
    if (rc == 0) {
        rc = register_appeal(ctx, args, a, &seq);
    }
    if (rc == 0) {
        rc = lock_appeal(ctx, a, seq, &lockfd);
    }
    if (rc == 0) {
        rc = recover(ctx, a, seq, &jn);
    }
    if (rc == 0 && args->resend_uncertain) {
        rc = store_queue_requeue_uncertain(ctx->store, seq, &n, &ctx->err);
        if (rc == 0 && n > 0) {
            log_info("%s: %" PRIu64 " uncertain deliveries queued again", a->id,
                     n);
        }
    }
    if (rc == 0 && args->retry_now) {
        rc = store_queue_retry_now(ctx->store, seq, util_now(), &n, &ctx->err);
    }
    if (rc == 0 && a->not_after > 0 && util_now() >= a->not_after) {
        goto expire;
    }
    if (rc == 0) {
        rc = store_queue_enqueue(ctx->store, seq, aud, util_now(), &n,
                                 &ctx->err);
    }
    if (rc == 0) {
        rc = store_appeal_set_status(ctx->store, seq, "sending", &ctx->err);
    }
    if (rc == 0) {
        rc = sender_new(a, ctx->cfg, &ctx->keys, seq, &s, &ctx->err);
    }
    if (rc == 0) {
        /* how many to send; the audience left out is counted at the end
         * (12 ms for 20,000 subscribers) */
        rc = store_queue_counts(ctx->store, seq, NULL, &c, &ctx->err);
    }
    if (rc != 0) {
        goto out;
    }
    memset(&ro, 0, sizeof(ro));
    ro.st = ctx->store;
    ro.tr = tr;
    ro.batch = ctx->cfg->batch_size > 0 ? ctx->cfg->batch_size : 500;
    ro.retry_hours = ctx->cfg->retry_hours;
    ro.not_after = a->not_after;
    ro.stop = &interrupted;
    ro.journal = jn;
    if (transport_is_smtp(tr)) {
        /* one transaction per connection: after a crash at most this
         * many deliveries are uncertain */
        ro.window = args->topts.connections > 0 ? args->topts.connections
                                                : ctx->cfg->connections;
        if (args->topts.smtp_url != NULL) {
            relays = xcalloc(1, sizeof(*relays));
            relays[0] = args->topts.smtp_url;
            ro.nrelays = 1;
        } else {
            relays = xcalloc(ctx->cfg->nrelays, sizeof(*relays));
            for (size_t i = 0; i < ctx->cfg->nrelays; i++) {
                relays[i] = ctx->cfg->relays[i].url;
            }
            ro.nrelays = ctx->cfg->nrelays;
        }
    } else {
        ro.window = OUTBOX_WINDOW;
        relays = xcalloc(1, sizeof(*relays));
        relays[0] = "outbox";
        ro.nrelays = 1;
        outbox = ctx->cfg->outbox;
    }
    if (ro.window == 0) {
        ro.window = 4;
    }
    /* the pool keeps a backlog as deep as its connections, so that a
     * connection never waits for this thread to hand over the next
     * message */
    ro.backlog = transport_is_smtp(tr) ? ro.window : 0;
    ro.relays = relays;
    pg = (struct send_progress){.on = !ctx->quiet,
                                .tty = cmdline_tty(stderr),
                                .last = util_clock(),
                                .id = a->id};
    ro.progress = send_print_progress;
    ro.progress_arg = &pg;
    st.todo = c.by_state[QUEUE_QUEUED];
    if (!ctx->quiet) {
        log_info("send: %s: %" PRIu64 " to send via %s", a->id, st.todo,
                 transport_is_smtp(tr) ? transport_describe(tr) : "the outbox");
    }
    for (;;) {
        rc = sender_run(s, &ro, false, &st, &ctx->err);
        if (rc == 0 && !interrupted) {
            rc = sender_run(s, &ro, true, &st, &ctx->err);
        }
        if (rc == 0) {
            rc = store_queue_counts(ctx->store, seq, aud, &c, &ctx->err);
            counted = rc == 0;
        }
        if (rc != 0 || interrupted || !args->wait ||
            c.by_state[QUEUE_DEFERRED] == 0 ||
            (a->not_after > 0 && util_now() >= a->not_after)) {
            break;
        }
        if (!ctx->quiet) {
            char t[32];

            fmt_time(c.next_try, t, sizeof(t));
            log_info("send: %s: %" PRIu64 " deferred; waiting until %s", a->id,
                     c.by_state[QUEUE_DEFERRED], t);
        }
        if (!sleep_until(a->not_after > 0 && a->not_after < c.next_try
                             ? a->not_after
                             : c.next_try)) {
            break;
        }
    }
    send_print_progress_end(&pg);
    if (rc != 0) {
        goto out;
    }
expire:
    if (a->not_after > 0 && util_now() >= a->not_after) {
        rc = store_queue_expire(ctx->store, seq, util_now(), &n, &ctx->err);
        if (rc != 0) {
            goto out;
        }
        log_warn("%s: closed at its not_after time: %" PRIu64
                 " deliveries expired",
                 a->id, n);
        counted = false;
    }
    /* the counts just made still hold unless rows expired (20 ms for
     * 20,000 deliveries) */
    if (!counted) {
        rc = store_queue_counts(ctx->store, seq, aud, &c, &ctx->err);
        if (rc != 0) {
            goto out;
        }
    }
    if (c.by_state[QUEUE_QUEUED] + c.by_state[QUEUE_DEFERRED] +
            c.by_state[QUEUE_SENDING] ==
        0) {
        rc = store_appeal_set_status(ctx->store, seq, "done", &ctx->err);
        if (rc != 0) {
            goto out;
        }
    }
    send_print_summary(args->json, a, &c, &st,
                       tr == NULL              ? "-"
                       : transport_is_smtp(tr) ? transport_describe(tr)
                                               : "the outbox",
                       outbox);
    if (interrupted) {
        char hint[1024];

        resume_hint(args, hint, sizeof(hint));
        rc = merr_set(&ctx->err, MERR_INTERRUPTED,
                      "interrupted: the messages in flight were recorded; "
                      "resume with: %s",
                      hint);
    } else if (c.by_state[QUEUE_DEFERRED] > 0 && !args->wait) {
        char t[32];

        fmt_time(c.next_try, t, sizeof(t));
        rc = merr_set(&ctx->err, MERR_TEMPFAIL,
                      "%" PRIu64 " deliveries deferred: run tocsin send %s "
                      "again after %s (or with --wait)",
                      c.by_state[QUEUE_DEFERRED], args->path, t);
    }
out:
    /* a clean end leaves nothing in flight: the journal has no use */
    journal_close(jn, rc == 0 || rc == MERR_TEMPFAIL || rc == MERR_INTERRUPTED);
    if (lockfd >= 0) {
        close(lockfd);
    }
    free(relays);
    sender_free(s);
    transport_free(tr);
    return rc;
}

int
cmd_send(struct tocsin_ctx *ctx, int argc, char **argv)
{
    struct send_args args;
    struct store_audience aud;
    struct store_appeal sa;
    struct appeal *a = NULL;
    int64_t seq = 0;
    int rc;

    rc = parse_args(ctx, argc, argv, &args);
    if (rc != 0) {
        return rc;
    }
    rc = appeal_load(args.path, &a, &ctx->err);
    if (rc != 0) {
        return rc;
    }
    catch_signals();
    aud = (struct store_audience){.lists = (const char *const *)a->lists,
                                  .nlists = a->nlists,
                                  .trusted_only = a->restricted};
    /* a registered appeal whose time is over: close it, nothing to check */
    rc = store_appeal_get(ctx->store, a->id, &sa, &ctx->err);
    if (rc == 0) {
        seq = sa.seq;
        store_appeal_release(&sa);
    } else if (rc == MERR_NOTFOUND) {
        rc = 0;
        memset(&ctx->err, 0, sizeof(ctx->err));
    }
    if (rc == 0 &&
        !(seq > 0 && a->not_after > 0 && util_now() >= a->not_after &&
          !args.dry_run && args.test_addr == NULL)) {
        rc = run_check(ctx, a, ctx->quiet || args.json);
    }
    if (rc != 0) {
        goto out;
    }
    if (args.test_addr != NULL) {
        rc = do_test(ctx, &args, a, seq);
        goto out;
    }
    if (args.dry_run) {
        rc = do_dry_run(ctx, &args, a, &aud, seq);
        goto out;
    }
    if (a->not_before > 0 && util_now() < a->not_before) {
        char t[32];

        fmt_time(a->not_before, t, sizeof(t));
        if (!args.wait) {
            rc = merr_set(&ctx->err, MERR_TEMPFAIL,
                          "%s: embargoed until %s: run again then, or "
                          "with --wait",
                          a->origin, t);
            goto out;
        }
        if (!ctx->quiet) {
            log_info("send: %s: embargoed, waiting until %s", a->id, t);
        }
        if (!sleep_until(a->not_before)) {
            rc = merr_set(&ctx->err, MERR_INTERRUPTED,
                          "interrupted before the embargo ended; nothing "
                          "sent");
            goto out;
        }
    }
    rc = do_send(ctx, &args, a, &aud);
out:
    appeal_free(a);
    return rc;
}
