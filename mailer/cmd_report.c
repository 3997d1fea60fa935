/*
 * cmd_report: "tocsin report [APPEAL]": the figures of one appeal, or one
 * line per appeal, as text, CSV, JSON or HTML, on standard output or into
 * a file.  Reads the database only.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"
#include "report.h"
#include "util.h"

int
cmd_report(struct tocsin_ctx *ctx, int argc, char **argv)
{
    enum { OPT_FORMAT = 256, OPT_OUTPUT, OPT_JSON };
    static const struct option opts[] = {
        {"format", required_argument, NULL, OPT_FORMAT},
        {"output", required_argument, NULL, OPT_OUTPUT},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    enum report_format fmt = REPORT_TEXT;
    const char *output = NULL;
    struct report_opts o = {NULL, 0};
    struct report r = {0};
    struct report_list l = {0};
    struct buf out;
    int c;
    int rc;

    buf_init(&out, TOCSIN_MAX_REPORT);
    for (;;) {
        c = getopt_long(argc, argv, "h", opts, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_FORMAT:
            if (report_format_parse(optarg, &fmt) != 0) {
                return cmdline_error(ctx,
                                     "--format %s: use text, csv, json or "
                                     "html",
                                     optarg);
            }
            break;
        case OPT_OUTPUT:
            output = optarg;
            break;
        case OPT_JSON:
            fmt = REPORT_JSON;
            break;
        case 'h':
            return cmdline_help(ctx);
        default:
            return cmdline_error(ctx, "unknown option");
        }
    }
    if (argc - optind > 1) {
        return cmdline_error(ctx, "too many arguments");
    }
    o.org_name = ctx->cfg->org_name;
    o.generated = util_now();
    if (argc - optind == 1) {
        rc = report_load(ctx->store, argv[optind], &r, &ctx->err);
        if (rc == 0) {
            rc = report_write(&r, fmt, &o, &out, &ctx->err);
        }
    } else {
        rc = report_list_load(ctx->store, &l, &ctx->err);
        if (rc == 0) {
            rc = report_list_write(&l, fmt, &o, &out, &ctx->err);
        }
    }
    if (rc != 0) {
        goto out;
    }
    if (output != NULL) {
        /* 0600: a report names a case, which may put people at risk */
        rc = util_write_file(output, out.data, out.len, 0600, false, &ctx->err);
    } else if (fwrite(buf_str(&out), 1, out.len, stdout) != out.len ||
               fflush(stdout) != 0) {
        rc = merr_set(&ctx->err, MERR_IO, "report: cannot write the output");
    }
out:
    report_release(&r);
    report_list_release(&l);
    buf_release(&out);
    return rc;
}
