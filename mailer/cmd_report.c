/*
 * cmd_report: placeholder until its issue lands.
 */
#include "cmd.h"

int
cmd_report(struct tocsin_ctx *ctx, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return merr_set(&ctx->err, MERR_USAGE, "report: not built yet");
}
