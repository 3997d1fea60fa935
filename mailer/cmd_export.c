/*
 * cmd_export: placeholder until its issue lands.
 */
#include "cmd.h"

int
cmd_export(struct tocsin_ctx *ctx, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return merr_set(&ctx->err, MERR_USAGE, "export: not built yet");
}
