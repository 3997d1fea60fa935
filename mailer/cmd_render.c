/*
 * cmd_render: fill one Mustache template with JSON data and print the
 * result exactly (nothing added), so a template author can try it out.
 * Partials are files in one folder; names that could leave it are refused.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "cmd.h"
#include "template.h"
#include "util.h"

struct partials_dir {
    const char *dir;
};

/* template_loader: the file NAME in the partials folder. */
static int
load_partial(void *arg, const char *name, struct buf *out, struct merr *err)
{
    const struct partials_dir *pd = arg;
    char path[PATH_MAX];
    int rc;

    if (!template_partial_name_ok(name)) {
        return merr_set(err, MERR_INVALID,
                        "partial name refused (it could leave %s)", pd->dir);
    }
    if (snprintf(path, sizeof(path), "%s/%s", pd->dir, name) >=
        (int)sizeof(path)) {
        return merr_set(err, MERR_LIMIT, "%s/%s: path too long", pd->dir, name);
    }
    rc = util_read_file(path, TOCSIN_MAX_TEMPLATE, out, err);
    if (rc == MERR_NOINPUT) {
        /* the spec: a missing partial renders as the empty string */
        return MERR_NOTFOUND;
    }
    return rc;
}

/* The data: JSON text of any type, from path or standard input. */
static int
load_data(const char *path, json_t **out, struct merr *err)
{
    const char *shown = path != NULL ? path : "<stdin>";
    json_error_t jerr;
    struct buf b;
    int rc;

    buf_init(&b, TOCSIN_MAX_APPEAL);
    rc = util_read_file(path != NULL ? path : "/dev/stdin", TOCSIN_MAX_APPEAL,
                        &b, err);
    if (rc == MERR_IO) {
        rc = merr_set(err, MERR_NOINPUT, "%s: cannot read", shown);
    }
    if (rc != 0) {
        goto out;
    }
    *out = json_loadb(buf_str(&b), b.len,
                      JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
                      &jerr);
    if (*out == NULL) {
        rc = merr_set(err, MERR_PARSE, "%s:%d:%d: %s", shown, jerr.line,
                      jerr.column, jerr.text);
    }
out:
    buf_release(&b);
    return rc;
}

/* The folder of path ("." when it has none); out has size PATH_MAX. */
static int
folder_of(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL) {
        return util_strlcpy(out, ".", size);
    }
    if (slash == path) {
        return util_strlcpy(out, "/", size);
    }
    if ((size_t)(slash - path) >= size) {
        return MERR_LIMIT;
    }
    memcpy(out, path, (size_t)(slash - path));
    out[slash - path] = '\0';
    return 0;
}

int
cmd_render(struct tocsin_ctx *ctx, int argc, char **argv)
{
    enum { OPT_DATA = 256, OPT_PARTIALS, OPT_STRICT };
    static const struct option opts[] = {
        {"data", required_argument, NULL, OPT_DATA},
        {"partials", required_argument, NULL, OPT_PARTIALS},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char folder[PATH_MAX];
    const char *data_path = NULL;
    const char *partials = NULL;
    const char *path;
    struct partials_dir pd;
    struct template_loader ld = {load_partial, &pd};
    struct template_opts topts = {&ld, false};
    struct template *t = NULL;
    json_t *data = NULL;
    const json_t *stack[1];
    struct buf src, out;
    int c;
    int rc;

    buf_init(&src, TOCSIN_MAX_TEMPLATE);
    buf_init(&out, TOCSIN_MAX_RENDER);
    for (;;) {
        c = getopt_long(argc, argv, "h", opts, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_DATA:
            data_path = optarg;
            break;
        case OPT_PARTIALS:
            partials = optarg;
            break;
        case OPT_STRICT:
            topts.strict = true;
            break;
        case 'h':
            return cmdline_help(ctx);
        default:
            return cmdline_error(ctx, "unknown option");
        }
    }
    if (argc - optind != 1) {
        return cmdline_error(ctx, argc - optind == 0 ? "no TEMPLATE given"
                                                     : "too many arguments");
    }
    path = argv[optind];
    if (partials == NULL) {
        if (folder_of(path, folder, sizeof(folder)) != 0) {
            return merr_set(&ctx->err, MERR_LIMIT, "%s: path too long", path);
        }
        partials = folder;
    }
    pd.dir = partials;
    rc = util_read_file(path, TOCSIN_MAX_TEMPLATE, &src, &ctx->err);
    if (rc == MERR_IO) {
        /* a folder or an unreadable file: EX_NOINPUT, as sysexits says */
        rc = merr_set(&ctx->err, MERR_NOINPUT, "%s: cannot read", path);
    }
    if (rc != 0) {
        goto out;
    }
    rc = load_data(data_path, &data, &ctx->err);
    if (rc != 0) {
        goto out;
    }
    rc = template_compile(buf_str(&src), src.len, path, &topts, &t, &ctx->err);
    if (rc != 0) {
        goto out;
    }
    stack[0] = data;
    rc = template_render(t, stack, 1, NULL, NULL, &out, &ctx->err);
    if (rc != 0) {
        goto out;
    }
    if (fwrite(buf_str(&out), 1, out.len, stdout) != out.len ||
        fflush(stdout) != 0) {
        rc = merr_set(&ctx->err, MERR_IO, "standard output: write error");
    }
out:
    template_free(t);
    json_decref(data);
    buf_release(&src);
    buf_release(&out);
    return rc;
}
