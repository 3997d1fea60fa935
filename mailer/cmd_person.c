/*
 * cmd_person: placeholder until its issue lands.
 */
#include "cmd.h"

int
cmd_person(struct tocsin_ctx *ctx, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return merr_set(&ctx->err, MERR_USAGE, "person: not built yet");
}
