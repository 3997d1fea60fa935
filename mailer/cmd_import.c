/*
 * cmd_import: placeholder until its issue lands.
 */
#include "cmd.h"

int
cmd_import(struct tocsin_ctx *ctx, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return merr_set(&ctx->err, MERR_USAGE, "import: not built yet");
}
