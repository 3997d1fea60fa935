/*
 * send_print: what tocsin send shows: progress on stderr (a bar on a
 * terminal, a log line every 5 seconds otherwise), the summary, the dry
 * run and test results, as text or one JSON object per line on stdout.
 */
#include "send_print.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "util.h"

void
send_print_progress(void *arg, const struct sender_stats *s)
{
    struct send_progress *p = arg;
    double now = util_clock();
    double el = now - s->started;
    double rate = el > 0 ? (double)s->submitted / el : 0;
    uint64_t done = s->sent + s->deferred + s->failed + s->uncertain;
    char eta[32] = "-";
    unsigned pct = 0;

    if (!p->on || now - p->last < (p->tty ? 0.2 : 5.0)) {
        return;
    }
    p->last = now;
    if (s->todo > 0) {
        pct = (unsigned)(done * 100 / s->todo);
        if (pct > 100) {
            pct = 100;
        }
        if (rate > 0 && s->todo > done) {
            unsigned left = (unsigned)((double)(s->todo - done) / rate);

            (void)snprintf(eta, sizeof(eta), "%u:%02u", left / 60, left % 60);
        }
    }
    if (p->tty) {
        char bar[21];

        for (unsigned i = 0; i < 20; i++) {
            bar[i] = i < pct / 5 ? '#' : '.';
        }
        bar[20] = '\0';
        p->drawn = true;
        fprintf(stderr,
                "\r[%s] %3u%%  sent %" PRIu64 "  deferred %" PRIu64
                "  failed %" PRIu64 "  %.0f/s  left %s ",
                bar, pct, s->sent, s->deferred, s->failed, rate, eta);
        fflush(stderr);
    } else {
        log_info("send: %s: %" PRIu64 "/%" PRIu64 " done, %" PRIu64
                 " sent, %" PRIu64 " deferred, %" PRIu64 " failed, %.0f/s",
                 p->id, done, s->todo, s->sent, s->deferred, s->failed, rate);
    }
}

void
send_print_progress_end(struct send_progress *p)
{
    if (p->drawn) {
        fputc('\n', stderr);
    }
}

void
send_print_json(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

    if (s != NULL) {
        puts(s);
    }
    free(s);
    json_decref(o);
}

void
send_print_summary(bool json, const struct appeal *a,
                   const struct queue_counts *c, const struct sender_stats *st,
                   const char *via, const char *outbox)
{
    double el = util_clock() - st->started;
    double rate = el > 0 ? (double)st->submitted / el : 0;
    char next[32] = "";

    if (c->next_try > 0) {
        util_format_rfc3339(c->next_try, next, sizeof(next));
    }
    if (json) {
        send_print_json(json_pack(
            "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s?, s:{s:I,"
            " s:I, s:I, s:I, s:I, s:f}, s:f}",
            "appeal", a->id, "queued",
            (json_int_t)(c->by_state[QUEUE_QUEUED] +
                         c->by_state[QUEUE_SENDING]),
            "sent", (json_int_t)c->by_state[QUEUE_SENT], "deferred",
            (json_int_t)c->by_state[QUEUE_DEFERRED], "failed",
            (json_int_t)c->by_state[QUEUE_FAILED], "uncertain",
            (json_int_t)c->by_state[QUEUE_UNCERTAIN], "expired",
            (json_int_t)c->by_state[QUEUE_EXPIRED], "suppressed",
            (json_int_t)c->suppressed, "bounced",
            (json_int_t)c->by_state[QUEUE_BOUNCED], "next_try",
            next[0] != '\0' ? next : NULL, "run", "submitted",
            (json_int_t)st->submitted, "sent", (json_int_t)st->sent, "deferred",
            (json_int_t)st->deferred, "failed", (json_int_t)st->failed,
            "uncertain", (json_int_t)st->uncertain, "seconds", el, "msgs_per_s",
            rate));
        return;
    }
    printf("appeal %s: %" PRIu64 " deliveries\n", a->id, c->total);
    printf("  sent       %10" PRIu64 "\n", c->by_state[QUEUE_SENT]);
    if (c->by_state[QUEUE_BOUNCED] > 0) {
        printf("  bounced    %10" PRIu64 "\n", c->by_state[QUEUE_BOUNCED]);
    }
    printf("  queued     %10" PRIu64 "\n",
           c->by_state[QUEUE_QUEUED] + c->by_state[QUEUE_SENDING]);
    printf("  deferred   %10" PRIu64 "%s%s%s\n", c->by_state[QUEUE_DEFERRED],
           next[0] != '\0' ? "  (next try " : "", next,
           next[0] != '\0' ? ")" : "");
    printf("  failed     %10" PRIu64 "\n", c->by_state[QUEUE_FAILED]);
    printf("  uncertain  %10" PRIu64 "%s\n", c->by_state[QUEUE_UNCERTAIN],
           c->by_state[QUEUE_UNCERTAIN] > 0
               ? "  (may have been delivered; not resent unless "
                 "--resend-uncertain)"
               : "");
    printf("  expired    %10" PRIu64 "\n", c->by_state[QUEUE_EXPIRED]);
    printf("  suppressed %10" PRIu64 "  (list members not mailed: "
           "unsubscribed, bounced, suppressed, no consent)\n",
           c->suppressed);
    printf("this run: %" PRIu64 " messages in %.1f s (%.0f/s) via %s\n",
           st->submitted, el, rate, via);
    if (outbox != NULL && st->submitted > 0) {
        printf("the messages are in %s/new\n", outbox);
    }
}

void
send_print_dry_run(bool json, const struct appeal *a,
                   const struct sender_lang_count *counts,
                   const struct store_queue_count *dom, size_t ndom,
                   const struct sender_stats *st, double el)
{
    if (json) {
        json_t *l = json_object();
        json_t *d = json_object();

        for (size_t i = 0; i < a->nlanguages; i++) {
            json_object_set_new(l, counts[i].lang,
                                json_pack("{s:I, s:I}", "n",
                                          (json_int_t)counts[i].n, "fallback",
                                          (json_int_t)counts[i].fallback));
        }
        for (size_t i = 0; i < ndom; i++) {
            json_object_set_new(d, dom[i].key,
                                json_integer((json_int_t)dom[i].n));
        }
        send_print_json(json_pack("{s:s, s:b, s:I, s:I, s:f, s:o, s:o}",
                                  "appeal", a->id, "dry_run", 1, "messages",
                                  (json_int_t)st->submitted, "bytes",
                                  (json_int_t)st->bytes, "msgs_per_s",
                                  el > 0 ? (double)st->submitted / el : 0.0,
                                  "languages", l, "domains", d));
    } else {
        printf("dry run: appeal %s, %" PRIu64 " messages built in %.2f s "
               "(%.0f/s), %.1f MB; nothing sent, nothing recorded\n",
               a->id, st->submitted, el,
               el > 0 ? (double)st->submitted / el : 0.0,
               (double)st->bytes / 1e6);
        for (size_t i = 0; i < a->nlanguages; i++) {
            printf("  %-8s %8" PRIu64, counts[i].lang, counts[i].n);
            if (counts[i].fallback > 0) {
                printf("  (%" PRIu64 " of them by fallback)",
                       counts[i].fallback);
            }
            putchar('\n');
        }
        if (ndom > 0) {
            printf("top domains:\n");
        }
        for (size_t i = 0; i < ndom; i++) {
            printf("  %-30s %8" PRIu64 "\n", dom[i].key, dom[i].n);
        }
    }
}

void
send_print_test(bool json, const struct appeal *a, const char *addr,
                const struct transport_outcome *res, const char *via)
{
    json_t *langs = json_object();

    for (size_t i = 0; i < a->nlanguages; i++) {
        json_object_set_new(langs, a->languages[i],
                            json_string(transport_status_str(res[i].status)));
        if (!json) {
            printf("test %s to %s: %s%s%s\n", a->languages[i], addr,
                   transport_status_str(res[i].status),
                   res[i].reply[0] != '\0' ? ": " : "", res[i].reply);
        }
    }
    if (json) {
        /* "o" steals langs */
        send_print_json(json_pack("{s:s, s:o, s:s}", "test", addr, "languages",
                                  langs, "via", via));
    } else {
        json_decref(langs);
        printf("via %s; nothing was recorded\n", via);
    }
}
