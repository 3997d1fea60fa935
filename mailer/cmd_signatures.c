/*
 * cmd_signatures: tocsin signatures APPEAL: the petition for delivery to
 * its target (name, country, language, date), as CSV (libcsv quotes the
 * fields) or JSON.  Email addresses only with --with-emails.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <csv.h>
#include <jansson.h>

#include "cmd.h"
#include "store_appeal.h"
#include "store_sig.h"
#include "util.h"

struct out {
    bool json;
    bool emails;
    size_t n;
    int rc;
};

/*
 * One CSV field.  A cell that starts with = + - @ or a control character
 * is a formula to a spreadsheet (CSV injection): it gets a leading
 * apostrophe, which spreadsheets show as text and do not evaluate.
 */
static int
csv_field(const char *s, bool last)
{
    char cell[1024];
    const char *v = s;

    if (strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0') {
        if (snprintf(cell, sizeof(cell), "'%s", s) >= (int)sizeof(cell)) {
            return MERR_LIMIT;
        }
        v = cell;
    }
    if (csv_fwrite(stdout, v, strlen(v)) != 0 ||
        fputs(last ? "\r\n" : ",", stdout) == EOF) {
        return MERR_IO;
    }
    return 0;
}

static int
csv_row(const struct store_sig_row *r, struct out *o)
{
    char date[32];
    int rc;

    util_format_rfc3339(r->signed_at, date, sizeof(date));
    rc = csv_field(r->name, false);
    if (rc == 0) {
        rc = csv_field(r->country, false);
    }
    if (rc == 0) {
        rc = csv_field(r->language, false);
    }
    if (rc == 0) {
        rc = csv_field(date, !o->emails);
    }
    if (rc == 0 && o->emails) {
        rc = csv_field(r->email, true);
    }
    return rc;
}

static int
json_row(const struct store_sig_row *r, struct out *o)
{
    char date[32];
    json_t *obj;
    int rc = 0;

    util_format_rfc3339(r->signed_at, date, sizeof(date));
    obj = json_pack("{s:s,s:s,s:s,s:s}", "name", r->name, "country", r->country,
                    "language", r->language, "signed_at", date);
    if (obj == NULL) {
        return MERR_INVALID;
    }
    if (o->emails) {
        json_object_set_new(obj, "email", json_string(r->email));
    }
    if (fputs(o->n == 0 ? "\n    " : ",\n    ", stdout) == EOF ||
        json_dumpf(obj, stdout, JSON_COMPACT | JSON_ENSURE_ASCII) != 0) {
        rc = MERR_IO;
    }
    json_decref(obj);
    return rc;
}

static int
each(const struct store_sig_row *r, void *arg)
{
    struct out *o = arg;
    int rc = o->json ? json_row(r, o) : csv_row(r, o);

    o->n++;
    o->rc = rc;
    return rc;
}

int
cmd_signatures(struct tocsin_ctx *ctx, int argc, char **argv)
{
    enum { OPT_FORMAT = 256, OPT_EMAILS };
    static const struct option opts[] = {
        {"format", required_argument, NULL, OPT_FORMAT},
        {"with-emails", no_argument, NULL, OPT_EMAILS},
        {NULL, 0, NULL, 0},
    };
    struct store_appeal a;
    struct out o;
    json_t *id = NULL;
    int c;
    int rc;

    memset(&a, 0, sizeof(a));
    memset(&o, 0, sizeof(o));
    for (;;) {
        c = getopt_long(argc, argv, "", opts, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_FORMAT:
            if (strcmp(optarg, "json") == 0) {
                o.json = true;
            } else if (strcmp(optarg, "csv") != 0) {
                return cmdline_error(ctx, "--format: csv or json");
            }
            break;
        case OPT_EMAILS:
            o.emails = true;
            break;
        default:
            return cmdline_error(ctx, "unknown option");
        }
    }
    if (optind + 1 != argc) {
        return cmdline_error(ctx, "one APPEAL (its id) is needed");
    }
    rc = store_appeal_get(ctx->store, argv[optind], &a, &ctx->err);
    if (rc != 0) {
        goto out;
    }
    if (o.json) {
        id = json_string(a.id);
        printf("{\"appeal\": ");
        (void)json_dumpf(id, stdout, JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
        printf(", \"signatures\": [");
    } else {
        fputs(o.emails ? "name,country,language,signed_at,email\r\n"
                       : "name,country,language,signed_at\r\n",
              stdout);
    }
    rc = store_sig_each(ctx->store, a.seq, each, &o, &ctx->err);
    if (rc != 0 && o.rc != 0) {
        rc = merr_set(&ctx->err, o.rc, "signatures: cannot write the output");
    }
    if (rc == 0 && o.json) {
        printf("%s], \"count\": %zu}\n", o.n > 0 ? "\n  " : "", o.n);
    }
    if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
        rc = merr_set(&ctx->err, MERR_IO, "signatures: cannot write");
    }
out:
    json_decref(id);
    store_appeal_release(&a);
    return rc;
}
