/*
 * cmd: what main.c hands to every command handler, the handlers, and the
 * helpers they share for --help and usage errors.
 */
#ifndef TOCSIN_CMD_H
#define TOCSIN_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "err.h"
#include "store.h"
#include "token.h"

struct tocsin_ctx;

/* What main prepares before the handler runs (the row's flags). */
enum cmd_needs {
    NEED_CONFIG = 1 << 0,  /* ctx->cfg loaded */
    NEED_SECRETS = 1 << 1, /* ctx->secrets and ctx->keys (implies CONFIG) */
    NEED_DB = 1 << 2,      /* ctx->store open, migrated (implies CONFIG) */
};

struct cmd_def {
    const char *name;
    int (*fn)(struct tocsin_ctx *, int, char **);
    int needs;
    const char *summary; /* one line for "tocsin help" */
    const char *help;    /* the full text of "tocsin help NAME" */
};

struct tocsin_ctx {
    const struct cmd_def *cmd; /* the command being run */
    const char *config_arg;    /* --config, or NULL */
    const char *db_arg;        /* --db, or NULL */
    struct config *cfg;        /* with NEED_CONFIG */
    struct secrets *secrets;   /* with NEED_SECRETS */
    struct token_keys keys;    /* with NEED_SECRETS */
    struct store *store;       /* with NEED_DB */
    struct merr err;           /* a handler's failure, printed by main */
    bool quiet;                /* --quiet: no progress, no summaries */
};

/*
 * Print the command's help (the table's text) to stdout; returns 0 so a
 * handler can "return cmdline_help(ctx);".
 */
int cmdline_help(const struct tocsin_ctx *ctx);

/*
 * Record a usage error for the command ("tocsin NAME: MESSAGE", then the
 * usage line): returns MERR_USAGE (exit 64).
 */
int cmdline_error(struct tocsin_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* true when stdout / stderr is a terminal */
bool cmdline_tty(FILE *f);

int cmd_init(struct tocsin_ctx *ctx, int argc, char **argv);
int cmd_import(struct tocsin_ctx *ctx, int argc, char **argv);
int cmd_lists(struct tocsin_ctx *ctx, int argc, char **argv);
int cmd_export(struct tocsin_ctx *ctx, int argc, char **argv);
int cmd_suppress(struct tocsin_ctx *ctx, int argc, char **argv);
int cmd_person(struct tocsin_ctx *ctx, int argc, char **argv);
int cmd_forget(struct tocsin_ctx *ctx, int argc, char **argv);
int cmd_render(struct tocsin_ctx *ctx, int argc, char **argv);
int cmd_check(struct tocsin_ctx *ctx, int argc, char **argv);
int cmd_preview(struct tocsin_ctx *ctx, int argc, char **argv);
int cmd_send(struct tocsin_ctx *ctx, int argc, char **argv);
int cmd_serve(struct tocsin_ctx *ctx, int argc, char **argv);
int cmd_bounces(struct tocsin_ctx *ctx, int argc, char **argv);
int cmd_report(struct tocsin_ctx *ctx, int argc, char **argv);
int cmd_signatures(struct tocsin_ctx *ctx, int argc, char **argv);

#endif
