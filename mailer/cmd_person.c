/*
 * cmd_person: tocsin person EMAIL.  Everything the database holds on a
 * person, as JSON, for a subject access request.
 */
#include <getopt.h>
#include <stdio.h>

#include <jansson.h>

#include "cmd.h"
#include "lists.h"
#include "store_person.h"

int
cmd_person(struct tocsin_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char key[ADDRESS_MAX + 1];
    char hash[TOKEN_HASH_HEX];
    json_t *doc = NULL;
    int c;
    int rc;

    for (;;) {
        c = getopt_long(argc, argv, "h", opts, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case 'h':
            return cmdline_help(ctx);
        default:
            return cmdline_error(ctx, "unknown option");
        }
    }
    if (argc - optind != 1) {
        return cmdline_error(ctx, "one EMAIL is required");
    }
    if (lists_email_key(argv[optind], key) != 0) {
        return merr_set(&ctx->err, MERR_INVALID, "\"%s\" is not an address",
                        argv[optind]);
    }
    token_person_hash(&ctx->keys, key, hash);
    rc = store_person_json(ctx->store, key, hash, &doc, &ctx->err);
    if (rc == 0) {
        json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        if (fflush(stdout) != 0) {
            rc = merr_set(&ctx->err, MERR_IO, "standard output: write failed");
        }
    }
    json_decref(doc);
    return rc;
}
