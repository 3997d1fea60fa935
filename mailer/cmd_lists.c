/*
 * cmd_lists: tocsin lists [--json] [--trust NAME | --untrust NAME].
 * Each list with its members by status and by language; the trust mark
 * that restricted appeals require.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "store_subs.h"
#include "util.h"

struct show {
    struct tocsin_ctx *ctx;
    json_t *arr;   /* --json: the lists */
    json_t *group; /* --json: the object being filled */
    struct buf line;
    size_t n;
};

static int
add_count(void *arg, const char *value, int64_t count)
{
    struct show *sh = arg;

    if (sh->group != NULL) {
        json_object_set_new(sh->group, value, json_integer(count));
        return 0;
    }
    return buf_addf(&sh->line, "%s%s %lld", sh->line.len ? ", " : "",
                    value[0] != '\0' ? value : "(none)", (long long)count);
}

static int
counts(struct show *sh, int64_t id, const char *what, const char *label,
       json_t *obj)
{
    int rc;

    if (obj != NULL) {
        sh->group = json_object();
    }
    buf_reset(&sh->line);
    rc = store_list_counts(sh->ctx->store, id, what, add_count, sh,
                           &sh->ctx->err);
    if (obj != NULL) {
        json_object_set_new(obj, label, sh->group); /* steals group */
        sh->group = NULL;
    } else if (rc == 0 && sh->line.len > 0) {
        printf("  %-9s %s\n", what, buf_str(&sh->line));
    }
    return rc;
}

static int
show_list(void *arg, const struct store_list_summary *l)
{
    struct show *sh = arg;
    json_t *obj = NULL;
    char when[32];
    int rc;

    sh->n++;
    if (sh->arr != NULL) {
        util_format_rfc3339(l->created, when, sizeof(when));
        obj = json_pack("{s:s,s:b,s:s,s:I}", "name", l->name, "trusted",
                        l->trusted, "created", when, "members",
                        (json_int_t)l->members);
        json_array_append_new(sh->arr, obj); /* steals obj; still valid */
    } else {
        printf("%s%s: %lld member%s\n", l->name, l->trusted ? " (trusted)" : "",
               (long long)l->members, l->members == 1 ? "" : "s");
    }
    rc = counts(sh, l->id, "status", "status", obj);
    if (rc == 0) {
        rc = counts(sh, l->id, "language", "languages", obj);
    }
    return rc;
}

int
cmd_lists(struct tocsin_ctx *ctx, int argc, char **argv)
{
    enum { OPT_JSON = 256, OPT_TRUST, OPT_UNTRUST };
    static const struct option opts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"trust", required_argument, NULL, OPT_TRUST},
        {"untrust", required_argument, NULL, OPT_UNTRUST},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct show sh;
    const char *mark = NULL;
    bool trust = false;
    bool json = false;
    int c;
    int rc;

    memset(&sh, 0, sizeof(sh));
    for (;;) {
        c = getopt_long(argc, argv, "h", opts, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_JSON:
            json = true;
            break;
        case OPT_TRUST:
        case OPT_UNTRUST:
            if (mark != NULL) {
                return cmdline_error(ctx, "one --trust or --untrust at a "
                                          "time");
            }
            mark = optarg;
            trust = c == OPT_TRUST;
            break;
        case 'h':
            return cmdline_help(ctx);
        default:
            return cmdline_error(ctx, "unknown option");
        }
    }
    if (optind != argc) {
        return cmdline_error(ctx, "unexpected argument \"%s\"", argv[optind]);
    }
    if (mark != NULL) {
        rc = store_list_set_trusted(ctx->store, mark, trust, &ctx->err);
        if (rc == 0 && !ctx->quiet) {
            printf("list %s is %s\n", mark,
                   trust ? "trusted: restricted appeals may go to it"
                         : "not trusted");
        }
        return rc;
    }
    sh.ctx = ctx;
    buf_init(&sh.line, TOCSIN_MAX_LINE);
    if (json) {
        sh.arr = json_array();
    }
    rc = store_lists_each(ctx->store, show_list, &sh, &ctx->err);
    if (rc == 0 && json) {
        json_dumpf(sh.arr, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    } else if (rc == 0 && sh.n == 0) {
        printf("no lists yet (tocsin import LIST FILE.csv)\n");
    }
    json_decref(sh.arr);
    buf_release(&sh.line);
    return rc;
}
