/*
 * main: set up, parse the global options, look up the command in the
 * table, prepare what its row asks for, run it, map the result to an exit
 * status (sysexits).  Nothing else: the work is in cmd_*.c.
 */
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cmd.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "store.h"
#include "token.h"
#include "util.h"

/* The commands (git's commands[] shape); help is written next to its row. */
static const struct cmd_def commands[] = {
    {"init", cmd_init, 0, "create a workspace: tocsin.json, database, secrets",
     "usage: tocsin init [DIR] [--no-samples]\n"
     "\n"
     "Create a workspace in DIR (default: the current folder): tocsin.json\n"
     "with every setting at its default, the database tocsin.db and\n"
     "secrets.json (link_secret, webhook_secret), both mode 0600.\n"
     "Refuses to overwrite an existing workspace.  Copies the sample appeal\n"
     "(cases/example.json, templates/urgent-appeal/,\n"
     "lists/sample-supporters.csv) unless --no-samples; files already\n"
     "there are kept.  The samples come from $TOCSIN_DATADIR, the\n"
     "program's own folder (a source tree) or the installed data folder.\n"
     "\n"
     "example: tocsin init ~/appeals\n"},
    {"import", cmd_import, NEED_DB | NEED_SECRETS,
     "load subscribers from a CSV file into a list",
     "usage: tocsin import LIST FILE.csv [--skip-invalid] [--reject-file F]\n"
     "                    [--encoding NAME] [--json]\n"
     "\n"
     "Load subscribers into LIST (created if new).  The header row names the\n"
     "columns (email required; name or first name + last name, language,\n"
     "country, consent optional; other columns are kept as attributes).\n"
     "Comma, semicolon or tab; UTF-8 with or without BOM.  FILE may be -\n"
     "for standard input.\n"
     "\n"
     "By default a file with any bad row imports nothing and every bad row\n"
     "is reported as FILE:LINE: reason (exit 65).\n"
     "\n"
     "  --skip-invalid    import the good rows, skip the bad ones\n"
     "  --reject-file F   write the skipped rows to F (CSV, with a reason)\n"
     "  --encoding NAME   convert from NAME (e.g. cp1252) to UTF-8 first\n"
     "  --json            print the summary as one JSON object\n"
     "\n"
     "example: tocsin import supporters lists/sample-supporters.csv\n"},
    {"lists", cmd_lists, NEED_DB, "lists with members by status and language",
     "usage: tocsin lists [--json] [--trust NAME | --untrust NAME]\n"
     "\n"
     "Show each list with its members by status and by language.\n"
     "\n"
     "  --trust NAME      mark list NAME trusted (restricted appeals may go\n"
     "                    only to trusted lists)\n"
     "  --untrust NAME    remove the mark\n"
     "  --json            JSON output\n"
     "\n"
     "example: tocsin lists --trust partners\n"},
    {"export", cmd_export, NEED_DB, "write a list as CSV to standard output",
     "usage: tocsin export LIST\n"
     "\n"
     "Write LIST as CSV to standard output (email, name, language, country,\n"
     "consent, status, then attributes).  Cells that a spreadsheet would\n"
     "run as a formula (starting with =, +, -, @, tab or CR) get a ' in\n"
     "front; import removes it again.\n"
     "\n"
     "example: tocsin export supporters > supporters.csv\n"},
    {"suppress", cmd_suppress, NEED_DB | NEED_SECRETS,
     "never mail an address again",
     "usage: tocsin suppress EMAIL [--reason TEXT]\n"
     "\n"
     "Add EMAIL to the suppressions: it is never mailed again, and no\n"
     "import brings it back.\n"
     "\n"
     "example: tocsin suppress ana@example.org --reason \"asked by phone\"\n"},
    {"person", cmd_person, NEED_DB | NEED_SECRETS,
     "show everything held on a person (JSON)",
     "usage: tocsin person EMAIL\n"
     "\n"
     "Print, as JSON, everything the database holds on EMAIL: subscriber\n"
     "fields and attributes, lists, deliveries, signatures, bounces,\n"
     "suppression.  For subject access requests.\n"
     "\n"
     "example: tocsin person ana@example.org\n"},
    {"forget", cmd_forget, NEED_DB | NEED_SECRETS, "erase a person everywhere",
     "usage: tocsin forget EMAIL\n"
     "\n"
     "Erase EMAIL everywhere (subscriber, list memberships, deliveries,\n"
     "signatures, bounces) and keep only a keyed hash in the suppressions,\n"
     "so that a later import cannot bring the person back.\n"
     "\n"
     "example: tocsin forget ana@example.org\n"},
    {"render", cmd_render, 0, "fill one Mustache template with JSON data",
     "usage: tocsin render TEMPLATE [--data FILE.json] [--partials DIR]\n"
     "                    [--strict]\n"
     "\n"
     "Print TEMPLATE filled as one Mustache template with the data (any JSON\n"
     "value; read from standard input without --data), exactly as it\n"
     "comes out.  {{> NAME}} reads the file NAME in DIR (default: the\n"
     "template's folder); a missing partial is empty.\n"
     "\n"
     "  --data FILE.json  the data (default: standard input)\n"
     "  --partials DIR    the folder of the partials\n"
     "  --strict          a name that resolves nowhere is an error\n"
     "\n"
     "example: tocsin render greeting.mustache --data ana.json\n"},
    {"check", cmd_check, NEED_DB, "lint an appeal before sending",
     "usage: tocsin check APPEAL.json [--json]\n"
     "\n"
     "Check that an appeal can be sent: translations, template tags, sign\n"
     "and unsubscribe links, subjects, lists, trust, dates.  Exit 0 when it\n"
     "can be sent (warnings allowed), 65 with the list of problems if not.\n"
     "\n"
     "  --json   {\"ok\": bool, \"errors\": [...], \"warnings\": [...]}\n"
     "\n"
     "example: tocsin check cases/example.json\n"},
    {"preview", cmd_preview, NEED_DB | NEED_SECRETS,
     "show what a language or a subscriber will receive",
     "usage: tocsin preview APPEAL.json [--lang L | --email E] [--name N]\n"
     "                     [--html FILE] [--raw]\n"
     "\n"
     "Print the subject, preheader and text part for one language (default:\n"
     "the appeal's default language) or one subscriber, and how many\n"
     "subscribers get each language (and how many of them by fallback).\n"
     "Links carry the subscriber's real token with --email, and the\n"
     "placeholder PREVIEW-NOT-A-REAL-TOKEN otherwise.\n"
     "\n"
     "  --lang L      the message in language L (as a subscriber with\n"
     "                language L would get it)\n"
     "  --email E     the message subscriber E will get\n"
     "  --name N      the subscriber name to show with --lang (default:\n"
     "                none, as for a subscriber without a name)\n"
     "  --html FILE   write the HTML part to FILE\n"
     "  --raw         print the whole RFC 5322 message instead\n"
     "\n"
     "example: tocsin preview cases/example.json --lang ar --html ar.html\n"},
    {"send", cmd_send, NEED_DB | NEED_SECRETS, "send an appeal",
     "usage: tocsin send APPEAL.json [--smtp URL] [--tls MODE]\n"
     "                  [--connections N] [--rate N/s] [--dry-run]\n"
     "                  [--test ADDRESS] [--wait] [--retry-now]\n"
     "                  [--resend-uncertain] [--allow-changed] [--json]\n"
     "\n"
     "Send the appeal to every subscriber of its lists, each in their\n"
     "language, exactly once.  Without --smtp or a relay in tocsin.json,\n"
     "messages go to the Maildir outbox (./outbox).  Running it again\n"
     "resumes where it stopped.\n"
     "\n"
     "  --smtp URL          relay: smtp://host:port (STARTTLS) or smtps://\n"
     "  --tls MODE          required (default), opportunistic (default on\n"
     "                      loopback) or none\n"
     "  --connections N     parallel SMTP connections (default 4)\n"
     "  --rate N/s          at most N messages per second overall\n"
     "  --dry-run           render and count everything, send nothing\n"
     "  --test ADDRESS      one message per language to ADDRESS, [TEST] in\n"
     "                      the subject; records nothing\n"
     "  --wait              wait for not_before, and retry deferred\n"
     "                      deliveries until they are done\n"
     "  --retry-now         retry deferred deliveries at once\n"
     "  --resend-uncertain  send again to deliveries left uncertain\n"
     "  --allow-changed     send although the appeal file changed\n"
     "  --json              print the summary as one JSON object\n"
     "\n"
     "Credentials come from TOCSIN_SMTP_USER / TOCSIN_SMTP_PASSWORD or\n"
     "secrets.json, never from the command line.  The relay's certificate\n"
     "is checked against the system's CAs, or the PEM file named by\n"
     "smtp.ca_file or TOCSIN_SMTP_CAFILE (a private CA).\n"
     "\n"
     "example: tocsin send cases/example.json --smtp smtp://relay:587\n"},
    {"serve", cmd_serve, NEED_DB | NEED_SECRETS,
     "web server: sign pages, unsubscribe, webhook, health, metrics",
     "usage: tocsin serve [--listen ADDR:PORT] [--trust-proxy] [--threads N]\n"
     "\n"
     "Serve the sign and unsubscribe pages, the signature webhook\n"
     "(POST /hooks/signatures), /healthz and /metrics.  Default listen\n"
     "address 127.0.0.1:8080.  Stops cleanly on SIGTERM or SIGINT.\n"
     "\n"
     "  --listen ADDR:PORT   address to listen on\n"
     "  --trust-proxy        take the client address from X-Forwarded-For\n"
     "                       (only behind your own reverse proxy)\n"
     "  --threads N          HTTP threads (default: 4 per CPU)\n"
     "\n"
     "example: tocsin serve --listen 127.0.0.1:8080\n"},
    {"bounces", cmd_bounces, NEED_DB | NEED_SECRETS,
     "read bounces from a mailbox and record them",
     "usage: tocsin bounces (--imap URL | --pop3 URL | --maildir DIR)\n"
     "                     [--dry-run] [--json] [--expunge]\n"
     "\n"
     "Read the bounce mailbox, record each bounce against its delivery,\n"
     "suppress hard bounces and complaints, and mark the messages\n"
     "processed (IMAP: the keyword $TocsinProcessed, or a move to\n"
     "bounces.processed_folder; POP3, Maildir: kept unless --expunge).\n"
     "Running it twice counts nothing twice.\n"
     "\n"
     "  --imap URL      imaps://user@host/FOLDER or imap:// (STARTTLS)\n"
     "  --pop3 URL      pop3s://user@host or pop3:// (STLS)\n"
     "  --maildir DIR   a local Maildir\n"
     "  --dry-run       change nothing\n"
     "  --json          one JSON object per bounced recipient\n"
     "  --expunge       delete processed messages\n"
     "\n"
     "The password comes from TOCSIN_MAILBOX_PASSWORD or secrets.json.\n"
     "TLS is required; the certificate is checked against the system's\n"
     "CAs, or the PEM file named by TOCSIN_MAILBOX_CAFILE.\n"
     "\n"
     "example: tocsin bounces --imap imaps://bounces@mail.example.org/INBOX\n"},
    {"report", cmd_report, NEED_DB, "delivery and signature report",
     "usage: tocsin report [APPEAL] [--format text|csv|json|html]\n"
     "                    [--output FILE]\n"
     "\n"
     "Without APPEAL, one line per appeal.  For one appeal: deliveries by\n"
     "state, bounces, complaints, unsubscribes, signatures, conversion, all\n"
     "per language; top domains and bounce reasons; signatures per hour;\n"
     "first and last send, duration and rate.  Reads the database only.\n"
     "\n"
     "  --format F     text (default), csv (one row per language), json\n"
     "                 (keys named after the figures), html (one page to\n"
     "                 open, print or send; no script, no outside file)\n"
     "  --json         the same as --format json\n"
     "  --output FILE  write FILE (mode 0600) instead of standard output\n"
     "\n"
     "An unknown APPEAL exits 66.\n"
     "\n"
     "example: tocsin report 2026-014 --format html --output report.html\n"},
    {"signatures", cmd_signatures, NEED_DB,
     "the petition's signatures, for its target",
     "usage: tocsin signatures APPEAL [--format csv|json] [--with-emails]\n"
     "\n"
     "Print the signatures of APPEAL: name, country, language, date.\n"
     "Email addresses only with --with-emails.\n"
     "\n"
     "example: tocsin signatures 2026-014 --format csv > petition.csv\n"},
};

static const char global_usage[] =
    "usage: tocsin [--config FILE] [--db FILE] [--quiet] [--verbose]\n"
    "              COMMAND [ARGS]\n"
    "       tocsin help [COMMAND]\n"
    "       tocsin --version\n";

static void
print_overview(FILE *f)
{
    fputs(global_usage, f);
    fputs("\ncommands:\n", f);
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(commands); i++) {
        fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
    }
    fputs(
        "\n"
        "  --config FILE   use FILE instead of ./tocsin.json ($TOCSIN_CONFIG)\n"
        "  --db FILE       use FILE as the database\n"
        "  --quiet         no progress output\n"
        "  --verbose       debug messages\n"
        "\n"
        "\"tocsin help COMMAND\" or \"tocsin COMMAND --help\" for details.\n",
        f);
}

static const struct cmd_def *
find_command(const char *name)
{
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(commands); i++) {
        if (strcmp(commands[i].name, name) == 0) {
            return &commands[i];
        }
    }
    return NULL;
}

/* msmtp's net_exitcode() idea: one place maps errors to sysexits. */
static int
exit_code(int rc)
{
    switch (rc) {
    case 0:
        return EX_OK;
    case MERR_USAGE:
        return EX_USAGE;
    case MERR_PARSE:
    case MERR_INVALID:
    case MERR_LIMIT:
        return EX_DATAERR;
    case MERR_NOINPUT:
    case MERR_NOTFOUND:
        return EX_NOINPUT;
    case MERR_NET:
        return EX_UNAVAILABLE;
    case MERR_IO:
        return EX_IOERR;
    case MERR_EXISTS:
        return EX_CANTCREAT;
    case MERR_TEMPFAIL:
        return EX_TEMPFAIL;
    case MERR_PERM:
        return EX_NOPERM;
    case MERR_CONFIG:
        return EX_CONFIG;
    case MERR_INTERRUPTED:
        return 130;
    case MERR_NOMEM:
        return EX_OSERR;
    case MERR_DB:
    default:
        return EX_SOFTWARE;
    }
}

static int
prepare(struct tocsin_ctx *ctx)
{
    char *path = NULL;
    int needs = ctx->cmd->needs;
    int rc;

    if (needs & (NEED_DB | NEED_SECRETS)) {
        needs |= NEED_CONFIG;
    }
    if (!(needs & NEED_CONFIG)) {
        return 0;
    }
    rc = config_find(ctx->config_arg, &path, &ctx->err);
    if (rc == 0) {
        rc = config_load(path, &ctx->cfg, &ctx->err);
    }
    free(path);
    if (rc != 0) {
        return rc;
    }
    if (ctx->db_arg != NULL) {
        free(ctx->cfg->database);
        ctx->cfg->database = xstrdup(ctx->db_arg);
    }
    if (needs & NEED_SECRETS) {
        rc = secrets_load(ctx->cfg, &ctx->secrets, &ctx->err);
        if (rc == 0) {
            rc = token_keys_init(&ctx->keys, ctx->secrets->link_secret,
                                 &ctx->err);
        }
        if (rc != 0) {
            return rc;
        }
    }
    if (needs & NEED_DB) {
        rc = store_open(ctx->cfg->database, 0, &ctx->store, &ctx->err);
    }
    return rc;
}

int
main(int argc, char **argv)
{
    enum { OPT_CONFIG = 256, OPT_DB, OPT_VERSION };
    static const struct option opts[] = {
        {"config", required_argument, NULL, OPT_CONFIG},
        {"db", required_argument, NULL, OPT_DB},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"version", no_argument, NULL, OPT_VERSION},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct tocsin_ctx ctx;
    const struct cmd_def *cmd;
    int first;
    int c;
    int rc;

    memset(&ctx, 0, sizeof(ctx));
    setlocale(LC_ALL, "C");
    signal(SIGPIPE, SIG_IGN);
    /* "+": stop at the command name, its options are its own */
    for (;;) {
        c = getopt_long(argc, argv, "+qvh", opts, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_CONFIG:
            ctx.config_arg = optarg;
            break;
        case OPT_DB:
            ctx.db_arg = optarg;
            break;
        case 'q':
            ctx.quiet = true;
            log_set_level(LOG_WARN);
            break;
        case 'v':
            log_set_level(LOG_DEBUG);
            break;
        case OPT_VERSION:
            printf("tocsin %s\n", TOCSIN_VERSION);
            return EX_OK;
        case 'h':
            print_overview(stdout);
            return EX_OK;
        default:
            fputs(global_usage, stderr);
            return EX_USAGE;
        }
    }
    if (optind >= argc) {
        print_overview(stderr);
        return EX_USAGE;
    }
    if (strcmp(argv[optind], "help") == 0) {
        if (optind + 1 >= argc) {
            print_overview(stdout);
            return EX_OK;
        }
        cmd = find_command(argv[optind + 1]);
        if (cmd == NULL) {
            fprintf(stderr, "tocsin: no command \"%s\" (tocsin help)\n",
                    argv[optind + 1]);
            return EX_USAGE;
        }
        fputs(cmd->help, stdout);
        return EX_OK;
    }
    cmd = find_command(argv[optind]);
    if (cmd == NULL) {
        fprintf(stderr, "tocsin: no command \"%s\" (tocsin help)\n",
                argv[optind]);
        return EX_USAGE;
    }
    ctx.cmd = cmd;
    first = optind;
    /* "COMMAND --help" needs no workspace */
    for (int i = optind + 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            break;
        }
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cmd->help, stdout);
            rc = 0;
            goto out;
        }
    }
    rc = prepare(&ctx);
    if (rc == 0) {
        /* handlers parse their own options from a fresh getopt state */
        optind = 0;
        rc = cmd->fn(&ctx, argc - first, argv + first);
    }
out:
    if (rc != 0 && ctx.err.msg[0] != '\0') {
        fprintf(stderr, "tocsin: %s\n", ctx.err.msg);
    }
    store_close(ctx.store);
    secrets_free(ctx.secrets);
    token_keys_release(&ctx.keys);
    config_free(ctx.cfg);
    return exit_code(rc);
}
