/*
 * cmdline: helpers every command handler shares (help, usage errors).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

int
cmdline_help(const struct tocsin_ctx *ctx)
{
    fputs(ctx->cmd->help, stdout);
    return 0;
}

int
cmdline_error(struct tocsin_ctx *ctx, const char *fmt, ...)
{
    char msg[MERR_MSG_MAX];
    const char *usage = ctx->cmd->help;
    const char *nl;
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* the first line of the help is the usage line */
    nl = strchr(usage, '\n');
    return merr_set(&ctx->err, MERR_USAGE, "%s: %s\n%.*s", ctx->cmd->name, msg,
                    nl != NULL ? (int)(nl - usage) : (int)strlen(usage), usage);
}

bool
cmdline_tty(FILE *f)
{
    return isatty(fileno(f)) == 1;
}
