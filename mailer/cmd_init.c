/*
 * cmd_init: create a workspace (tocsin.json, tocsin.db, secrets.json),
 * with the sample appeal in it unless --no-samples.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "config.h"
#include "log.h"
#include "samples.h"
#include "store.h"
#include "token.h"
#include "util.h"

static int
join(char *out, size_t size, const char *dir, const char *name)
{
    if (snprintf(out, size, "%s/%s", dir, name) >= (int)size) {
        return MERR_LIMIT;
    }
    return 0;
}

static int
write_secrets(const char *path, struct merr *err)
{
    char link[128];
    char hook[128];
    struct buf b;
    int rc;

    buf_init(&b, 4096);
    rc = token_random_base64(32, link, sizeof(link));
    if (rc == 0) {
        rc = token_random_base64(32, hook, sizeof(hook));
    }
    if (rc == 0) {
        rc = buf_addf(&b,
                      "{\n"
                      "  \"link_secret\": \"%s\",\n"
                      "  \"webhook_secret\": \"whsec_%s\"\n"
                      "}\n",
                      link, hook);
    }
    if (rc != 0) {
        rc = merr_set(err, rc, "%s: cannot make secrets", path);
    } else {
        rc = util_write_file(path, b.data, b.len, 0600, true, err);
    }
    explicit_bzero(link, sizeof(link));
    explicit_bzero(hook, sizeof(hook));
    if (b.data != NULL) {
        explicit_bzero(b.data, b.len);
    }
    buf_release(&b);
    return rc;
}

int
cmd_init(struct tocsin_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"no-samples", no_argument, NULL, 'S'},
        {NULL, 0, NULL, 0},
    };
    char data[PATH_MAX];
    bool samples = true;
    unsigned copied = 0;
    char cfg_path[PATH_MAX], db_path[PATH_MAX], sec_path[PATH_MAX];
    const char *dir = ".";
    const char *cfg_text = config_default_text();
    struct store *st = NULL;
    bool made_cfg = false, made_sec = false;
    int c;
    int rc;

    for (;;) {
        c = getopt_long(argc, argv, "h", opts, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case 'h':
            return cmdline_help(ctx);
        case 'S':
            samples = false;
            break;
        default:
            return cmdline_error(ctx, "unknown option");
        }
    }
    if (argc - optind > 1) {
        return cmdline_error(ctx, "too many arguments");
    }
    if (argc - optind == 1) {
        dir = argv[optind];
    }
    if (join(cfg_path, sizeof(cfg_path), dir, CONFIG_FILE) != 0 ||
        join(db_path, sizeof(db_path), dir, "tocsin.db") != 0 ||
        join(sec_path, sizeof(sec_path), dir, SECRETS_FILE) != 0) {
        return merr_set(&ctx->err, MERR_LIMIT, "%s: path too long", dir);
    }
    rc = util_mkdir_p(dir, 0755, &ctx->err);
    if (rc != 0) {
        return rc;
    }
    /* all or nothing: refuse before writing anything */
    if (access(cfg_path, F_OK) == 0 || access(db_path, F_OK) == 0 ||
        access(sec_path, F_OK) == 0) {
        return merr_set(&ctx->err, MERR_EXISTS,
                        "%s: a workspace exists here already (tocsin.json, "
                        "tocsin.db or secrets.json); not overwriting",
                        dir);
    }
    rc = write_secrets(sec_path, &ctx->err);
    if (rc != 0) {
        goto out;
    }
    made_sec = true;
    rc = util_write_file(cfg_path, cfg_text, strlen(cfg_text), 0644, true,
                         &ctx->err);
    if (rc != 0) {
        goto out;
    }
    made_cfg = true;
    rc = store_open(db_path, STORE_CREATE, &st, &ctx->err);
    if (rc != 0) {
        goto out;
    }
    /* the workspace exists from here on: a sample that cannot be
     * copied is a warning, not a reason to undo it */
    if (samples && samples_find(data, sizeof(data)) == 0) {
        struct merr serr = {0};

        if (samples_copy(data, dir, &copied, &serr) != 0) {
            log_warn("sample appeal not copied: %s", serr.msg);
        }
    } else if (samples) {
        log_warn("no sample appeal found to copy (TOCSIN_DATADIR, or "
                 "make install); see the README");
    }
    if (!ctx->quiet) {
        printf("created %s (settings), %s (database, mode 0600) and %s "
               "(secrets, mode 0600)\n",
               cfg_path, db_path, sec_path);
        if (copied > 0) {
            printf(
                "copied the sample appeal (%u files): cases/example.json, "
                "templates/urgent-appeal/, lists/sample-supporters.csv\n"
                "next: edit the sender and organisation in %s, then, in "
                "%s:\n"
                "      tocsin import supporters lists/sample-supporters.csv\n"
                "      tocsin check cases/example.json\n"
                "      tocsin send cases/example.json\n",
                copied, cfg_path, dir);
        } else {
            printf("next: edit the sender and organisation in %s, then\n"
                   "      tocsin import LIST FILE.csv\n",
                   cfg_path);
        }
    }
out:
    store_close(st);
    if (rc != 0) {
        if (made_cfg) {
            unlink(cfg_path);
        }
        if (made_sec) {
            unlink(sec_path);
        }
        if (st == NULL && rc != MERR_EXISTS) {
            unlink(db_path);
        }
    }
    return rc;
}
