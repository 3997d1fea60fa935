/*
 * cmd_bounces: placeholder until its issue lands.
 */
#include "cmd.h"

int
cmd_bounces(struct tocsin_ctx *ctx, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return merr_set(&ctx->err, MERR_USAGE, "bounces: not built yet");
}
