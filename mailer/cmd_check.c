/*
 * cmd_check: placeholder until its issue lands.
 */
#include "cmd.h"

int
cmd_check(struct tocsin_ctx *ctx, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return merr_set(&ctx->err, MERR_USAGE, "check: not built yet");
}
