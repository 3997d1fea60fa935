/*
 * cmd_preview: tocsin preview APPEAL.json [--lang L | --email E]
 * [--name N] [--html FILE | --raw]: what one language or one subscriber
 * will receive (subject, preheader, text part; the HTML into a file; or
 * with --raw the whole message as send builds it) and how many
 * subscribers get each language.  Writes nothing to the database.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "appeal.h"
#include "cmd.h"
#include "render.h"
#include "sender.h"
#include "store_appeal.h"
#include "store_audience.h"
#include "store_subs.h"
#include "util.h"

/* Links of a language preview: obviously not a subscriber's. */
#define PREVIEW_TOKEN "PREVIEW-NOT-A-REAL-TOKEN"

struct preview_opts {
    const char *lang;
    const char *email;
    const char *name;
    const char *html;
    bool raw;
};

/* The language summary: subscribers per appeal language, and how many
 * of them get it by fallback. */
static int
print_summary(struct tocsin_ctx *ctx, const struct appeal *a)
{
    struct store_lang_count *c = NULL;
    int64_t *total = xcalloc(a->nlanguages, sizeof(int64_t));
    int64_t *fb = xcalloc(a->nlanguages, sizeof(int64_t));
    int64_t all = 0;
    size_t n = 0;
    int rc;

    rc = store_audience_languages(ctx->store, a->lists, a->nlists, &c, &n,
                                  &ctx->err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        bool fell_back = false;
        const char *to = appeal_language(a, c[i].language, &fell_back);

        for (size_t j = 0; j < a->nlanguages; j++) {
            if (a->languages[j] == to) {
                total[j] += c[i].count;
                fb[j] += fell_back ? c[i].count : 0;
            }
        }
        all += c[i].count;
    }
    if (rc == 0) {
        printf("\nsubscribers by language (lists:");
        for (size_t i = 0; i < a->nlists; i++) {
            printf(" %s", a->lists[i]);
        }
        printf(")\n");
        for (size_t j = 0; j < a->nlanguages; j++) {
            printf("  %-8s %8lld", a->languages[j], (long long)total[j]);
            if (fb[j] > 0) {
                const char *sep = "";

                printf("  (%lld by fallback: ", (long long)fb[j]);
                for (size_t i = 0; i < n; i++) {
                    bool fell_back = false;

                    if (appeal_language(a, c[i].language, &fell_back) ==
                            a->languages[j] &&
                        fell_back) {
                        printf("%s%s %lld", sep,
                               c[i].language[0] != '\0' ? c[i].language
                                                        : "no language",
                               (long long)c[i].count);
                        sep = ", ";
                    }
                }
                printf(")");
            }
            printf("\n");
        }
        printf("  %-8s %8lld\n", "total", (long long)all);
    }
    store_lang_counts_free(c, n);
    free(total);
    free(fb);
    return rc;
}

/* The appeal's seq for real tokens: registered, else the next one. */
static int
appeal_seq(struct tocsin_ctx *ctx, const struct appeal *a, int64_t *seq)
{
    struct store_appeal sa;
    struct merr err = {0};
    int rc;

    memset(&sa, 0, sizeof(sa));
    rc = store_appeal_get(ctx->store, a->id, &sa, &err);
    if (rc == 0) {
        *seq = sa.seq;
        store_appeal_release(&sa);
        return 0;
    }
    if (rc != MERR_NOTFOUND) {
        ctx->err = err;
        return rc;
    }
    rc = store_audience_next_seq(ctx->store, seq, &ctx->err);
    if (rc == 0) {
        fprintf(stderr,
                "note: appeal %s is not registered yet (first send): links "
                "use the number it gets if it is the next one sent (%lld)\n",
                a->id, (long long)*seq);
    }
    return rc;
}

static int
subscriber_recipient(struct tocsin_ctx *ctx, const struct appeal *a,
                     const char *email, struct store_subscriber *sub,
                     char *sign, char *unsub, size_t size, const char **lang)
{
    char tok[TOKEN_MAX];
    struct address addr;
    bool fell_back = false;
    bool member = false, reachable = false;
    int64_t seq = 0;
    int rc;

    /* the mailbox identity, as import keeps it */
    rc = address_parse(email, strlen(email), &addr, &ctx->err);
    if (rc != 0) {
        merr_prefix(&ctx->err, "%s", email);
        return rc;
    }
    rc = store_subscriber_find(ctx->store, addr.key, sub, &ctx->err);
    if (rc == MERR_NOTFOUND) {
        return merr_set(&ctx->err, MERR_NOTFOUND, "no subscriber %s", email);
    }
    if (rc == 0) {
        rc = appeal_seq(ctx, a, &seq);
    }
    if (rc == 0) {
        rc = store_audience_member(ctx->store, sub->id, a->lists, a->nlists,
                                   &member, &reachable, &ctx->err);
    }
    if (rc != 0) {
        return rc;
    }
    token_make(&ctx->keys, seq, sub->id, tok);
    (void)snprintf(sign, size, "%s/s/%s", ctx->cfg->base_url, tok);
    (void)snprintf(unsub, size, "%s/u/%s", ctx->cfg->base_url, tok);
    *lang = appeal_language(a, sub->language, &fell_back);
    printf("subscriber: %s (language %s%s%s)\n", sub->email_display,
           sub->language[0] != '\0' ? sub->language : "not set",
           fell_back ? ", gets " : "", fell_back ? *lang : "");
    if (!member) {
        printf("note: %s is not on the appeal's lists: not mailed\n", email);
    } else if (strcmp(sub->status, "active") != 0) {
        printf("note: %s is %s: not mailed\n", email, sub->status);
    } else if (!reachable) {
        printf("note: %s is suppressed: not mailed\n", email);
    }
    return 0;
}

/*
 * --raw: the whole message, as tocsin send would hand it over (CRLF),
 * after a Return-Path line with its envelope sender.  For --lang, a
 * recipient who is nobody (subscriber 0: the server refuses its links).
 */
static int
run_raw(struct tocsin_ctx *ctx, const char *path, const struct preview_opts *po)
{
    struct store_subscriber sub;
    struct sender_recipient r;
    struct sender *snd = NULL;
    struct appeal *a = NULL;
    struct address addr;
    struct buf out;
    int64_t seq = 0;
    int rc;

    memset(&sub, 0, sizeof(sub));
    buf_init(&out, TOCSIN_MAX_MESSAGE + 4096);
    rc = appeal_load(path, &a, &ctx->err);
    if (rc == 0) {
        rc = appeal_seq(ctx, a, &seq);
    }
    if (rc == 0 && po->email != NULL) {
        rc = address_parse(po->email, strlen(po->email), &addr, &ctx->err);
        if (rc == 0) {
            rc = store_subscriber_find(ctx->store, addr.key, &sub, &ctx->err);
        }
        if (rc == MERR_NOTFOUND) {
            rc = merr_set(&ctx->err, MERR_NOTFOUND, "no subscriber %s",
                          po->email);
        }
    }
    if (rc != 0) {
        goto out;
    }
    if (po->email != NULL) {
        r = (struct sender_recipient){sub.id,   sub.email,    sub.email_display,
                                      sub.name, sub.language, sub.attrs};
    } else {
        r = (struct sender_recipient){0,
                                      "supporter@example.org",
                                      "supporter@example.org",
                                      po->name != NULL ? po->name : "",
                                      po->lang != NULL ? po->lang
                                                       : a->default_language,
                                      NULL};
    }
    rc = sender_new(a, ctx->cfg, &ctx->keys, seq, &snd, &ctx->err);
    if (rc == 0) {
        rc = sender_preview(snd, &r, &out, &ctx->err);
    }
    if (rc == 0 && fwrite(out.data, 1, out.len, stdout) != out.len) {
        rc = merr_set(&ctx->err, MERR_IO, "stdout: write failed");
    }
out:
    sender_free(snd);
    buf_release(&out);
    store_subscriber_release(&sub);
    appeal_free(a);
    return rc;
}

static int
run(struct tocsin_ctx *ctx, const char *path, const struct preview_opts *po)
{
    struct store_subscriber sub;
    struct render_set *rs = NULL;
    struct appeal *a = NULL;
    struct render_out out;
    struct render_recipient r;
    char sign[512], unsub[512];
    const char *lang = NULL;
    int rc;

    memset(&sub, 0, sizeof(sub));
    memset(&r, 0, sizeof(r));
    render_out_init(&out);
    rc = appeal_load(path, &a, &ctx->err);
    if (rc == 0) {
        rc = render_set_new(a, ctx->cfg, &rs, &ctx->err);
    }
    if (rc != 0) {
        goto out;
    }
    if (po->email != NULL) {
        rc = subscriber_recipient(ctx, a, po->email, &sub, sign, unsub,
                                  sizeof(sign), &lang);
        if (rc != 0) {
            goto out;
        }
        r = (struct render_recipient){sub.name, sub.email_display, sign, unsub,
                                      sub.attrs};
    } else {
        bool fell_back = false;

        lang = appeal_language(a, po->lang, &fell_back);
        if (po->lang != NULL && fell_back) {
            printf("note: %s is not one of the appeal's languages: "
                   "subscribers with it get %s\n",
                   po->lang, lang);
        }
        (void)snprintf(sign, sizeof(sign), "%s/s/%s", ctx->cfg->base_url,
                       PREVIEW_TOKEN);
        (void)snprintf(unsub, sizeof(unsub), "%s/u/%s", ctx->cfg->base_url,
                       PREVIEW_TOKEN);
        r = (struct render_recipient){po->name != NULL ? po->name : "",
                                      "supporter@example.org", sign, unsub,
                                      NULL};
    }
    rc = render_message(rs, lang, &r, &out, &ctx->err);
    if (rc != 0) {
        goto out;
    }
    printf("language: %s%s\n", lang, appeal_is_rtl(lang) ? " (rtl)" : "");
    printf("subject: %s\n", buf_str(&out.subject));
    printf("preheader: %s\n\n", buf_str(&out.preheader));
    fputs(buf_str(&out.text), stdout);
    if (po->html != NULL) {
        rc = util_write_file(po->html, out.html.data, out.html.len, 0644, false,
                             &ctx->err);
        if (rc != 0) {
            goto out;
        }
        printf("\nhtml: written to %s\n", po->html);
    }
    rc = print_summary(ctx, a);
out:
    store_subscriber_release(&sub);
    render_out_release(&out);
    render_set_free(rs);
    appeal_free(a);
    return rc;
}

int
cmd_preview(struct tocsin_ctx *ctx, int argc, char **argv)
{
    enum { OPT_LANG = 256, OPT_EMAIL, OPT_NAME, OPT_HTML, OPT_RAW };
    static const struct option opts[] = {
        {"lang", required_argument, NULL, OPT_LANG},
        {"email", required_argument, NULL, OPT_EMAIL},
        {"name", required_argument, NULL, OPT_NAME},
        {"html", required_argument, NULL, OPT_HTML},
        {"raw", no_argument, NULL, OPT_RAW},
        {NULL, 0, NULL, 0},
    };
    struct preview_opts po = {NULL, NULL, NULL, NULL, false};
    int c;

    for (;;) {
        c = getopt_long(argc, argv, "", opts, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_LANG:
            po.lang = optarg;
            break;
        case OPT_EMAIL:
            po.email = optarg;
            break;
        case OPT_NAME:
            po.name = optarg;
            break;
        case OPT_HTML:
            po.html = optarg;
            break;
        case OPT_RAW:
            po.raw = true;
            break;
        default:
            return cmdline_error(ctx, "unknown option");
        }
    }
    if (optind + 1 != argc) {
        return cmdline_error(ctx, "expected one appeal file");
    }
    if (po.lang != NULL && po.email != NULL) {
        return cmdline_error(ctx, "--lang and --email exclude each other");
    }
    if (po.name != NULL && po.email != NULL) {
        return cmdline_error(ctx, "--name is for --lang previews");
    }
    if (po.raw && po.html != NULL) {
        return cmdline_error(ctx, "--raw prints the whole message; no --html");
    }
    if (po.raw) {
        return run_raw(ctx, argv[optind], &po);
    }
    return run(ctx, argv[optind], &po);
}
