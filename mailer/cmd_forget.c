/*
 * cmd_forget: tocsin forget EMAIL.  Erase a person everywhere, keeping
 * only a keyed hash in the suppressions so no import brings them back.
 */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "lists.h"
#include "store_subs.h"

int
cmd_forget(struct tocsin_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct store_forget_counts n;
    char key[ADDRESS_MAX + 1];
    char hash[TOKEN_HASH_HEX];
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
    rc = store_forget(ctx->store, key, hash, &n, &ctx->err);
    if (rc == 0 && !ctx->quiet) {
        printf("forgot %s: %lld subscriber, %lld list memberships, "
               "%lld deliveries, %lld signatures, %lld bounces erased; "
               "only a keyed hash is kept, in the suppressions\n",
               key, (long long)n.subscribers, (long long)n.memberships,
               (long long)n.deliveries, (long long)n.signatures,
               (long long)n.bounces);
    }
    return rc;
}
