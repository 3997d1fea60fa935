/*
 * cmd_check: tocsin check APPEAL.json [--json].  Runs lint_appeal and
 * prints every problem; exit 0 when the appeal can be sent (warnings
 * allowed), 65 otherwise.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "appeal.h"
#include "cmd.h"
#include "lint.h"
#include "util.h"

static void
print_json(const struct lint_report *rep)
{
    json_t *root = json_object();
    json_t *errors = json_array();
    json_t *warnings = json_array();
    char *text;

    for (size_t i = 0; i < rep->n; i++) {
        json_t *p = json_pack("{s:s, s:s}", "code", rep->v[i].code, "message",
                              rep->v[i].message);

        json_array_append_new(
            rep->v[i].severity == LINT_ERROR ? errors : warnings, p);
    }
    json_object_set_new(root, "ok", json_boolean(rep->nerrors == 0));
    json_object_set_new(root, "errors", errors);
    json_object_set_new(root, "warnings", warnings);
    text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text != NULL) {
        puts(text);
    }
    free(text);
    json_decref(root);
}

static void
print_text(const struct lint_report *rep)
{
    /* errors first: they are what must be fixed */
    for (int sev = LINT_ERROR; sev <= LINT_WARNING; sev++) {
        for (size_t i = 0; i < rep->n; i++) {
            if (rep->v[i].severity == sev) {
                printf("%s: %s: %s\n", sev == LINT_ERROR ? "error" : "warning",
                       rep->v[i].code, rep->v[i].message);
            }
        }
    }
}

int
cmd_check(struct tocsin_ctx *ctx, int argc, char **argv)
{
    enum { OPT_JSON = 256 };
    static const struct option opts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {NULL, 0, NULL, 0},
    };
    struct lint_report rep;
    struct appeal *a = NULL;
    bool json = false;
    const char *path;
    int c;
    int rc;

    lint_report_init(&rep);
    for (;;) {
        c = getopt_long(argc, argv, "", opts, NULL);
        if (c == -1) {
            break;
        }
        if (c != OPT_JSON) {
            return cmdline_error(ctx, "unknown option");
        }
        json = true;
    }
    if (optind + 1 != argc) {
        return cmdline_error(ctx, "expected one appeal file");
    }
    path = argv[optind];
    rc = appeal_load(path, &a, &ctx->err);
    if (rc == MERR_PARSE || rc == MERR_INVALID) {
        /* a broken file is a problem to report like the others */
        lint_add(&rep, LINT_ERROR, "appeal_invalid", "%s", ctx->err.msg);
        rc = 0;
    } else if (rc != 0) {
        goto out;
    } else {
        rc = lint_appeal(a, ctx->cfg, ctx->store, util_now(), &rep, &ctx->err);
        if (rc != 0) {
            goto out;
        }
    }
    if (json) {
        print_json(&rep);
    } else {
        print_text(&rep);
    }
    if (rep.nerrors > 0) {
        rc = merr_set(&ctx->err, MERR_INVALID,
                      "%s cannot be sent: %zu error%s, %zu warning%s", path,
                      rep.nerrors, rep.nerrors == 1 ? "" : "s", rep.nwarnings,
                      rep.nwarnings == 1 ? "" : "s");
    } else if (!json && !ctx->quiet) {
        printf("%s can be sent (%zu warning%s)\n", path, rep.nwarnings,
               rep.nwarnings == 1 ? "" : "s");
    }
out:
    lint_report_release(&rep);
    appeal_free(a);
    return rc;
}
