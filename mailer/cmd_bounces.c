/*
 * cmd_bounces: tocsin bounces.  Reads the bounce mailbox (mailbox.c),
 * understands each message (dsn.c), finds whose delivery it was (VERP
 * token, then our Message-ID, then our links in the returned headers),
 * records it (store_bounce.c), then marks the message processed.  Each
 * message is recorded with its mailbox_seen key in the same transaction
 * (a batch of them), and marked only after the commit: a message counts
 * once or not at all.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bounce.h"
#include "buf.h"
#include "cmd.h"
#include "dsn.h"
#include "log.h"
#include "mailbox.h"
#include "store_appeal.h"
#include "store_bounce.h"
#include "token.h"
#include "util.h"

/* Messages recorded per transaction (one fsync per batch). */
#define BOUNCE_BATCH 64

struct bounce_counts {
    size_t listed;     /* messages not yet processed, as the mailbox says */
    size_t messages;   /* messages read and understood */
    size_t seen;       /* recorded before but not marked: marked now */
    size_t failed;     /* could not be read: left for the next run */
    size_t recipients; /* bounced recipients (JSON lines) */
    size_t kinds[5];   /* per enum dsn_kind */
    size_t matched;    /* recipients matched to a delivery */
    size_t recorded;   /* new bounce rows */
    size_t bounced;    /* deliveries that became bounced */
    size_t suppressed; /* addresses suppressed */
};

struct bounce_run {
    struct tocsin_ctx *ctx;
    struct mailbox *mb;
    bool dry_run;
    bool json;
    struct bounce_counts n;
    size_t pending[BOUNCE_BATCH]; /* recorded, to mark after the commit */
    size_t npending;
    int64_t cached_seq; /* appeal seq -> id, for the JSON lines */
    char *cached_id;
};

/* JSON strings must be UTF-8: replace what is not (untrusted text). */
static json_t *
jstr(const char *s)
{
    char clean[DSN_ADDR_MAX + DSN_REASON_MAX];

    if (util_utf8_valid(s, strlen(s), NULL)) {
        return json_string(s);
    }
    util_sanitize(s, strlen(s), clean, sizeof(clean));
    return json_string(clean);
}

/* The appeal's id for a seq (cached: reports come in runs). */
static const char *
appeal_id(struct bounce_run *r, int64_t seq)
{
    struct store_appeal a;
    struct merr err = {0};

    if (seq == r->cached_seq && r->cached_id != NULL) {
        return r->cached_id;
    }
    free(r->cached_id);
    r->cached_id = NULL;
    r->cached_seq = seq;
    if (store_appeal_get_seq(r->ctx->store, seq, &a, &err) == 0) {
        r->cached_id = xstrdup(a.id);
        store_appeal_release(&a);
    } else {
        char num[32];

        (void)snprintf(num, sizeof(num), "%lld", (long long)seq);
        r->cached_id = xstrdup(num);
    }
    return r->cached_id;
}

static void
print_line(struct bounce_run *r, const char *source, const char *kind,
           const struct dsn_recipient *rcpt, const struct store_bounce *b)
{
    json_t *o = json_object();
    json_t *d = json_null();
    char *s = NULL;
    char date[32];

    if (b->appeal_seq > 0 && b->subscriber_id > 0) {
        json_decref(d);
        d = json_object();
        json_object_set_new(d, "appeal", jstr(appeal_id(r, b->appeal_seq)));
        json_object_set_new(d, "subscriber", json_integer(b->subscriber_id));
    }
    /* json_object_set_new takes the references */
    json_object_set_new(o, "source", jstr(source));
    json_object_set_new(o, "kind", json_string(kind));
    json_object_set_new(o, "recipient",
                        rcpt != NULL && rcpt->address[0] != '\0'
                            ? jstr(rcpt->address)
                            : json_null());
    json_object_set_new(o, "status", jstr(rcpt != NULL ? rcpt->status : ""));
    json_object_set_new(o, "reason", jstr(rcpt != NULL ? rcpt->reason : ""));
    json_object_set_new(o, "delivery", d);
    util_format_rfc3339(b->received_at, date, sizeof(date));
    json_object_set_new(o, "date", json_string(date));
    s = json_dumps(o, JSON_COMPACT);
    if (s != NULL) {
        puts(s);
    }
    free(s); /* json_dumps allocates with malloc */
    json_decref(o);
}

static int
record_message(struct bounce_run *r, size_t i, const struct buf *msg,
               const struct dsn_report *rep, struct merr *err)
{
    struct tocsin_ctx *ctx = r->ctx;
    const char *source = mailbox_source(r->mb, i);
    struct bounce_match m;
    char ident[BOUNCE_IDENTITY_MAX];
    int64_t now = util_now();
    size_t nr = rep->nrcpts > 0 ? rep->nrcpts : 1;
    int rc = 0;

    bounce_match_report(ctx->store, &ctx->keys, rep, &m);
    bounce_identity(rep, msg->data, msg->len, ident);
    if (!r->dry_run && !store_in_transaction(ctx->store)) {
        rc = store_begin(ctx->store, err);
        if (rc != 0) {
            goto out;
        }
    }
    for (size_t k = 0; k < nr; k++) {
        const struct dsn_recipient *rcpt =
            rep->nrcpts > 0 ? &rep->rcpts[k] : NULL;
        enum dsn_kind kind = rcpt != NULL ? rcpt->kind : rep->kind;
        struct store_bounce b;
        struct store_bounce_effect eff;

        /* a complaint or an auto-reply is one for every recipient */
        if (rep->kind == DSN_COMPLAINT || rep->kind == DSN_AUTOREPLY) {
            kind = rep->kind;
        }
        memset(&b, 0, sizeof(b));
        bounce_match_recipient(ctx->store, rep, &m,
                               rcpt != NULL ? rcpt->address : "", &b.appeal_seq,
                               &b.subscriber_id);
        b.recipient =
            rcpt != NULL && rcpt->address[0] != '\0' ? rcpt->address : NULL;
        b.kind = dsn_kind_name(kind);
        b.status = rcpt != NULL ? rcpt->status : "";
        b.reason = rcpt != NULL ? rcpt->reason : "";
        b.source = ident;
        /* when it happened, as the report says, not when we read it: a
         * backlog read in one run keeps its days (soft-bounce score) */
        b.received_at = bounce_date(ctx->store, rep, rcpt, b.appeal_seq,
                                    b.subscriber_id, now);
        r->n.recipients++;
        r->n.kinds[kind]++;
        if (b.appeal_seq > 0) {
            r->n.matched++;
        }
        if (r->json) {
            print_line(r, source, b.kind, rcpt, &b);
        }
        if (r->dry_run) {
            continue;
        }
        rc = store_bounce_record(ctx->store, &ctx->keys, &b,
                                 ctx->cfg->soft_bounce_threshold, &eff, err);
        if (rc != 0) {
            goto out;
        }
        r->n.recorded += eff.recorded;
        r->n.bounced += eff.bounced;
        r->n.suppressed += eff.suppressed;
        log_debug("bounce %s: %s %s (%s)", source, b.kind,
                  b.recipient != NULL ? b.recipient : "-",
                  m.how != NULL ? m.how : "no delivery");
    }
    if (!r->dry_run) {
        rc = store_bounce_set_seen(ctx->store, mailbox_key(r->mb, i), now, err);
    }
out:
    if (rc != 0) {
        store_rollback(ctx->store);
        r->npending = 0;
    }
    bounce_match_release(&m);
    return rc;
}

/*
 * Commit what was recorded, then mark those messages processed: a message
 * is marked only once its bounce is on disk.  A crash in between leaves
 * them recorded and unmarked; the next run marks them (mailbox_seen).
 */
static int
flush_batch(struct bounce_run *r, struct merr *err)
{
    int rc = 0;

    if (store_in_transaction(r->ctx->store)) {
        rc = store_commit(r->ctx->store, err);
    }
    for (size_t k = 0; rc == 0 && k < r->npending; k++) {
        rc = mailbox_mark(r->mb, r->pending[k], err);
        if (rc != 0) {
            merr_prefix(err, "%s recorded, not marked processed",
                        mailbox_source(r->mb, r->pending[k]));
        }
    }
    r->npending = 0;
    return rc;
}

static int
process_one(struct bounce_run *r, size_t i, struct buf *msg, struct merr *err)
{
    struct dsn_report *rep = NULL;
    const char *source = mailbox_source(r->mb, i);
    bool seen = false;
    int rc;

    rc = store_bounce_seen(r->ctx->store, mailbox_key(r->mb, i), &seen, err);
    if (rc != 0) {
        return rc;
    }
    if (!seen) {
        buf_reset(msg);
        rc = mailbox_fetch(r->mb, i, msg, err);
        if (rc == MERR_LIMIT) {
            /* left in the mailbox, unmarked, for a person to look at */
            log_warn("bounces: %s: %s (skipped)", source, err->msg);
            r->n.failed++;
            return 0;
        }
        if (rc != 0) {
            return rc;
        }
        rc = dsn_parse(msg->data, msg->len, &rep, err);
        if (rc != 0) {
            log_warn("bounces: %s: %s (skipped)", source, err->msg);
            r->n.failed++;
            return 0;
        }
        rc = record_message(r, i, msg, rep, err);
        dsn_report_free(rep);
        if (rc != 0) {
            return rc;
        }
        r->n.messages++;
        if (r->dry_run) {
            return 0;
        }
        r->pending[r->npending++] = i;
        return r->npending == BOUNCE_BATCH ? flush_batch(r, err) : 0;
    }
    if (r->dry_run || mailbox_is_marked(r->mb, i)) {
        return 0; /* processed before */
    }
    /* recorded by an earlier run that stopped before marking it */
    r->n.seen++;
    rc = mailbox_mark(r->mb, i, err);
    if (rc != 0) {
        merr_prefix(err, "%s recorded, not marked processed", source);
    }
    return rc;
}

static void
print_summary(const struct bounce_run *r)
{
    FILE *f = r->json ? stderr : stdout;

    if (r->ctx->quiet) {
        return;
    }
    if (r->n.messages == 0 && r->n.seen == 0 && r->n.failed == 0) {
        fprintf(f, "bounces: no new messages\n");
        return;
    }
    if (r->n.messages == 0) {
        goto rest;
    }
    fprintf(f,
            "bounces: %zu message%s read%s, %zu recipient%s (%zu hard, %zu "
            "soft, %zu complaint%s, %zu auto-repl%s, %zu unknown), %zu "
            "matched to deliveries\n",
            r->n.messages, r->n.messages == 1 ? "" : "s",
            r->dry_run ? " (dry run: nothing changed)" : "", r->n.recipients,
            r->n.recipients == 1 ? "" : "s", r->n.kinds[DSN_HARD],
            r->n.kinds[DSN_SOFT], r->n.kinds[DSN_COMPLAINT],
            r->n.kinds[DSN_COMPLAINT] == 1 ? "" : "s",
            r->n.kinds[DSN_AUTOREPLY],
            r->n.kinds[DSN_AUTOREPLY] == 1 ? "y" : "ies",
            r->n.kinds[DSN_UNKNOWN], r->n.matched);
    if (!r->dry_run) {
        fprintf(f,
                "bounces: %zu new, %zu deliveries marked bounced, %zu "
                "address%s suppressed\n",
                r->n.recorded, r->n.bounced, r->n.suppressed,
                r->n.suppressed == 1 ? "" : "es");
    }
rest:
    if (r->n.seen > 0) {
        fprintf(f, "bounces: %zu message%s recorded before, marked now\n",
                r->n.seen, r->n.seen == 1 ? "" : "s");
    }
    if (r->n.failed > 0) {
        fprintf(f, "bounces: %zu message%s left unread (see warnings)\n",
                r->n.failed, r->n.failed == 1 ? "" : "s");
    }
}

int
cmd_bounces(struct tocsin_ctx *ctx, int argc, char **argv)
{
    enum {
        LONGONLYOPT_IMAP = 256,
        LONGONLYOPT_POP3,
        LONGONLYOPT_MAILDIR,
        LONGONLYOPT_DRY_RUN,
        LONGONLYOPT_JSON,
        LONGONLYOPT_EXPUNGE,
    };
    static const struct option opts[] = {
        {"imap", required_argument, NULL, LONGONLYOPT_IMAP},
        {"pop3", required_argument, NULL, LONGONLYOPT_POP3},
        {"maildir", required_argument, NULL, LONGONLYOPT_MAILDIR},
        {"dry-run", no_argument, NULL, LONGONLYOPT_DRY_RUN},
        {"json", no_argument, NULL, LONGONLYOPT_JSON},
        {"expunge", no_argument, NULL, LONGONLYOPT_EXPUNGE},
        {NULL, 0, NULL, 0},
    };
    struct mailbox_opts mo;
    struct bounce_run r;
    struct buf msg;
    int nsources = 0;
    int c;
    int rc = 0;

    memset(&mo, 0, sizeof(mo));
    memset(&r, 0, sizeof(r));
    r.ctx = ctx;
    buf_init(&msg, TOCSIN_MAX_MAILBOX_MSG);
    for (;;) {
        c = getopt_long(argc, argv, "", opts, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case LONGONLYOPT_IMAP:
        case LONGONLYOPT_POP3:
        case LONGONLYOPT_MAILDIR:
            mo.kind = c == LONGONLYOPT_IMAP   ? MAILBOX_IMAP
                      : c == LONGONLYOPT_POP3 ? MAILBOX_POP3
                                              : MAILBOX_MAILDIR;
            mo.url = optarg;
            nsources++;
            break;
        case LONGONLYOPT_DRY_RUN:
            r.dry_run = true;
            break;
        case LONGONLYOPT_JSON:
            r.json = true;
            break;
        case LONGONLYOPT_EXPUNGE:
            mo.expunge = true;
            break;
        default:
            return cmdline_error(ctx, "unknown option");
        }
    }
    if (optind < argc) {
        return cmdline_error(ctx, "unexpected argument \"%s\"", argv[optind]);
    }
    if (nsources != 1) {
        return cmdline_error(ctx, "give one of --imap, --pop3, --maildir");
    }
    if (r.dry_run && mo.expunge) {
        return cmdline_error(ctx, "--dry-run and --expunge contradict");
    }
    mo.password = ctx->secrets->mailbox_password;
    /* a private CA (tests, in-house servers); else the system store */
    mo.cafile = getenv("TOCSIN_MAILBOX_CAFILE");
    if (mo.cafile != NULL && mo.cafile[0] == '\0') {
        mo.cafile = NULL;
    }
    mo.processed_folder = ctx->cfg->processed_folder;
    mo.read_only = r.dry_run;
    rc = mailbox_open(&mo, &r.mb, &ctx->err);
    if (rc != 0) {
        goto out;
    }
    r.n.listed = mailbox_count(r.mb);
    for (size_t i = 0; i < mailbox_count(r.mb); i++) {
        rc = process_one(&r, i, &msg, &ctx->err);
        if (rc != 0) {
            goto out;
        }
    }
    rc = flush_batch(&r, &ctx->err);
    if (rc == 0) {
        rc = mailbox_finish(r.mb, &ctx->err);
    }
    if (rc == 0) {
        print_summary(&r);
    }
out:
    fflush(stdout);
    /* a failed batch is not committed: those messages stay unmarked */
    store_rollback(ctx->store);
    mailbox_free(r.mb);
    free(r.cached_id);
    buf_release(&msg);
    return rc;
}
