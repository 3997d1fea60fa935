/*
 * cmd_send: placeholder until its issue lands.
 */
#include "cmd.h"

int
cmd_send(struct tocsin_ctx *ctx, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return merr_set(&ctx->err, MERR_USAGE, "send: not built yet");
}
