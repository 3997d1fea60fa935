/*
 * cmd_suppress: tocsin suppress EMAIL [--reason TEXT].  The address is
 * never mailed again, and no import brings it back.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "lists.h"
#include "store_subs.h"
#include "util.h"

int
cmd_suppress(struct tocsin_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        {"reason", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char key[ADDRESS_MAX + 1];
    char hash[TOKEN_HASH_HEX];
    const char *reason = "";
    bool added = false;
    int c;
    int rc;

    for (;;) {
        c = getopt_long(argc, argv, "r:h", opts, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case 'r':
            reason = optarg;
            break;
        case 'h':
            return cmdline_help(ctx);
        default:
            return cmdline_error(ctx, "unknown option");
        }
    }
    if (argc - optind != 1) {
        return cmdline_error(ctx, "one EMAIL is required");
    }
    if (strlen(reason) > 1000 ||
        !util_utf8_valid(reason, strlen(reason), NULL)) {
        return cmdline_error(ctx, "--reason: at most 1000 bytes of UTF-8");
    }
    if (lists_email_key(argv[optind], key) != 0) {
        return merr_set(&ctx->err, MERR_INVALID, "\"%s\" is not an address",
                        argv[optind]);
    }
    token_person_hash(&ctx->keys, key, hash);
    rc = store_begin(ctx->store, &ctx->err);
    if (rc == 0) {
        rc = store_suppress(ctx->store, hash, key, "manual", reason, &added,
                            &ctx->err);
    }
    if (rc == 0) {
        rc = store_commit(ctx->store, &ctx->err);
    }
    if (rc != 0) {
        store_rollback(ctx->store);
        return rc;
    }
    if (!ctx->quiet) {
        printf(added ? "suppressed %s: it will not be mailed again\n"
                     : "%s was suppressed already\n",
               key);
    }
    return 0;
}
