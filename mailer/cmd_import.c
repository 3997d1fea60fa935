/*
 * cmd_import: tocsin import LIST FILE.csv.  Streams the file through the
 * CSV reader, checks each row (lists), and upserts the good ones in one
 * transaction: a failed or interrupted import leaves the database as it
 * was.  Bad rows are reported as FILE:LINE: reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd.h"
#include "csvio.h"
#include "lists.h"
#include "store_subs.h"
#include "util.h"

/* Bad rows and unknown languages shown one by one; then a count. */
#define SHOW_MAX 20
#define CHUNK    (64 * 1024)

struct import {
    struct tocsin_ctx *ctx;
    const char *origin;
    bool skip_invalid;
    FILE *reject;
    const char *reject_path;
    int64_t list_id;
    int64_t now;
    bool have_header;
    struct lists_header header;
    struct lists_subscriber sub;
    size_t counts[4]; /* by enum store_upsert */
    size_t invalid;
    size_t unknown_lang;
};

static int
write_reject(struct import *im, const struct csvio_row *row, const char *reason,
             struct merr *err)
{
    const char *fields[CSVIO_MAX_COLUMNS + 1];
    size_t lens[CSVIO_MAX_COLUMNS + 1];

    if (im->reject == NULL) {
        return 0;
    }
    for (size_t i = 0; i < row->n; i++) {
        fields[i] = row->fields[i];
        lens[i] = row->lens[i];
    }
    fields[row->n] = reason;
    lens[row->n] = strlen(reason);
    if (csvio_write_row(im->reject, fields, lens, row->n + 1) != 0) {
        return merr_set(err, MERR_IO, "%s: %s", im->reject_path,
                        strerror(errno));
    }
    return 0;
}

static int
bad_row(struct import *im, const struct csvio_row *row, const char *reason,
        struct merr *err)
{
    im->invalid++;
    if (im->invalid <= SHOW_MAX) {
        fprintf(stderr, "%s:%zu: %s\n", im->origin, row->line, reason);
    }
    return write_reject(im, row, reason, err);
}

static int
on_header(struct import *im, const struct csvio_row *row, struct merr *err)
{
    const char *fields[CSVIO_MAX_COLUMNS + 1];
    size_t lens[CSVIO_MAX_COLUMNS + 1];
    int rc;

    rc = lists_header_parse(&im->header, row->fields, row->lens, row->n, err);
    if (rc != 0) {
        merr_prefix(err, "%s:%zu", im->origin, row->line);
        return rc;
    }
    im->have_header = true;
    if (im->reject == NULL) {
        return 0;
    }
    for (size_t i = 0; i < row->n; i++) {
        fields[i] = row->fields[i];
        lens[i] = row->lens[i];
    }
    fields[row->n] = "reason";
    lens[row->n] = strlen("reason");
    if (csvio_write_row(im->reject, fields, lens, row->n + 1) != 0) {
        return merr_set(err, MERR_IO, "%s: %s", im->reject_path,
                        strerror(errno));
    }
    return 0;
}

static int
on_row(void *arg, const struct csvio_row *row, struct merr *err)
{
    struct import *im = arg;
    struct lists_subscriber *s = &im->sub;
    struct store_import_row r;
    struct merr why = {0};
    char hash[TOKEN_HASH_HEX];
    enum store_upsert res;
    int rc;

    if (!im->have_header) {
        return on_header(im, row, err);
    }
    if (row->oversized) {
        return bad_row(im, row, "a field is longer than 64 KiB", err);
    }
    rc = lists_row_parse(&im->header, row->fields, row->lens, row->n, s, &why);
    if (rc != 0) {
        return bad_row(im, row, why.msg, err);
    }
    if (s->empty) {
        return 0;
    }
    if (s->language_unknown) {
        im->unknown_lang++;
        if (im->unknown_lang <= SHOW_MAX) {
            fprintf(stderr, "%s:%zu: unknown language \"%s\" (kept)\n",
                    im->origin, row->line, s->language);
        }
    }
    /* once a row is bad and bad rows are not skipped, nothing will be
     * committed: only check the rest */
    if (im->invalid > 0 && !im->skip_invalid) {
        return 0;
    }
    token_person_hash(&im->ctx->keys, s->addr.key, hash);
    r.email = s->addr.email;
    r.email_key = s->addr.key;
    r.email_display = s->addr.display;
    r.name = s->has_name ? buf_str(&s->name) : NULL;
    r.language = s->has_language ? s->language : NULL;
    r.country = s->has_country ? s->country : NULL;
    r.consent = s->consent;
    r.attrs = s->attrs;
    r.hash = hash;
    rc = store_subscriber_upsert(im->ctx->store, im->list_id, &r, im->now, &res,
                                 err);
    if (rc == 0) {
        im->counts[res]++;
    }
    return rc;
}

static int
read_all(struct import *im, FILE *in, const char *encoding, struct merr *err)
{
    struct csvio_reader *r = NULL;
    char *chunk = NULL;
    int rc;

    rc = csvio_reader_new(im->origin, encoding, on_row, im, &r, err);
    if (rc != 0) {
        return rc;
    }
    chunk = xmalloc(CHUNK);
    for (;;) {
        size_t n = fread(chunk, 1, CHUNK, in);

        if (n > 0) {
            rc = csvio_reader_feed(r, chunk, n, err);
            if (rc != 0) {
                goto out;
            }
        }
        if (n < CHUNK) {
            break;
        }
    }
    if (ferror(in)) {
        rc = merr_set(err, MERR_IO, "%s: %s", im->origin, strerror(errno));
        goto out;
    }
    rc = csvio_reader_finish(r, err);
    if (rc == 0 && !im->have_header) {
        rc = merr_set(err, MERR_INVALID,
                      "%s: empty file (a header row is "
                      "expected)",
                      im->origin);
    }
out:
    free(chunk);
    csvio_reader_free(r);
    return rc;
}

static void
print_summary(struct import *im, const char *list, bool json)
{
    if (json) {
        json_t *o =
            json_pack("{s:I,s:I,s:I,s:I,s:I}", "added",
                      (json_int_t)im->counts[STORE_ADDED], "updated",
                      (json_int_t)im->counts[STORE_UPDATED], "unchanged",
                      (json_int_t)im->counts[STORE_UNCHANGED], "suppressed",
                      (json_int_t)im->counts[STORE_SUPPRESSED], "invalid",
                      (json_int_t)im->invalid);

        json_dumpf(o, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(o);
        return;
    }
    if (im->ctx->quiet) {
        return;
    }
    printf("%s: %zu added, %zu updated, %zu unchanged, %zu suppressed, "
           "%zu invalid\n",
           list, im->counts[STORE_ADDED], im->counts[STORE_UPDATED],
           im->counts[STORE_UNCHANGED], im->counts[STORE_SUPPRESSED],
           im->invalid);
}

static FILE *
open_reject(const char *path, struct merr *err)
{
    FILE *f = NULL;
    /* the rows are personal data: owner only */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    if (fd < 0) {
        merr_set(err, MERR_IO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    f = fdopen(fd, "w");
    if (f == NULL) {
        merr_set(err, MERR_IO, "%s: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

int
cmd_import(struct tocsin_ctx *ctx, int argc, char **argv)
{
    enum { OPT_SKIP = 256, OPT_REJECT, OPT_ENCODING, OPT_JSON };
    static const struct option opts[] = {
        {"skip-invalid", no_argument, NULL, OPT_SKIP},
        {"reject-file", required_argument, NULL, OPT_REJECT},
        {"encoding", required_argument, NULL, OPT_ENCODING},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct import im;
    const char *encoding = NULL;
    const char *list;
    const char *path;
    FILE *in = NULL;
    bool json = false;
    bool refused = false;
    int c;
    int rc;

    memset(&im, 0, sizeof(im));
    for (;;) {
        c = getopt_long(argc, argv, "h", opts, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_SKIP:
            im.skip_invalid = true;
            break;
        case OPT_REJECT:
            im.reject_path = optarg;
            break;
        case OPT_ENCODING:
            encoding = optarg;
            break;
        case OPT_JSON:
            json = true;
            break;
        case 'h':
            return cmdline_help(ctx);
        default:
            return cmdline_error(ctx, "unknown option");
        }
    }
    if (argc - optind != 2) {
        return cmdline_error(ctx, "LIST and FILE.csv are required");
    }
    list = argv[optind];
    path = argv[optind + 1];
    if (list[0] == '\0' || strlen(list) > 100) {
        return cmdline_error(ctx, "a list name has 1 to 100 characters");
    }
    im.ctx = ctx;
    im.origin = path;
    im.now = util_now();
    lists_subscriber_init(&im.sub);
    if (strcmp(path, "-") == 0) {
        in = stdin;
        im.origin = "<stdin>";
    } else {
        in = fopen(path, "rb");
        if (in == NULL) {
            rc = merr_set(&ctx->err, errno == ENOENT ? MERR_NOINPUT : MERR_IO,
                          "%s: %s", path, strerror(errno));
            goto out;
        }
    }
    if (im.reject_path != NULL) {
        im.reject = open_reject(im.reject_path, &ctx->err);
        if (im.reject == NULL) {
            rc = ctx->err.code;
            goto out;
        }
    }
    rc = store_begin(ctx->store, &ctx->err);
    if (rc == 0) {
        rc = store_list_ensure(ctx->store, list, &im.list_id, &ctx->err);
    }
    if (rc == 0) {
        rc = read_all(&im, in, encoding, &ctx->err);
    }
    if (rc == 0 && im.invalid > 0 && !im.skip_invalid) {
        if (im.invalid > SHOW_MAX) {
            fprintf(stderr, "%s: %zu more bad rows\n", im.origin,
                    im.invalid - SHOW_MAX);
        }
        memset(im.counts, 0, sizeof(im.counts));
        refused = true;
        rc = merr_set(&ctx->err, MERR_INVALID,
                      "%s: %zu bad row%s; nothing imported (fix, or "
                      "use --skip-invalid to import the good rows)",
                      im.origin, im.invalid, im.invalid == 1 ? "" : "s");
    } else if (rc == 0 && im.invalid > SHOW_MAX) {
        fprintf(stderr, "%s: %zu more bad rows skipped\n", im.origin,
                im.invalid - SHOW_MAX);
    }
    if (im.unknown_lang > SHOW_MAX) {
        fprintf(stderr, "%s: %zu more rows with an unknown language\n",
                im.origin, im.unknown_lang - SHOW_MAX);
    }
    if (im.reject != NULL) {
        FILE *f = im.reject;

        im.reject = NULL;
        if (fclose(f) != 0 && rc == 0) {
            rc = merr_set(&ctx->err, MERR_IO, "%s: %s", im.reject_path,
                          strerror(errno));
        }
    }
    if (rc == 0) {
        rc = store_commit(ctx->store, &ctx->err);
    }
    if (rc == 0 || refused) {
        print_summary(&im, list, json);
    }
out:
    if (rc != 0) {
        store_rollback(ctx->store);
    }
    if (im.reject != NULL) {
        fclose(im.reject);
    }
    if (in != NULL && in != stdin) {
        fclose(in);
    }
    lists_header_release(&im.header);
    lists_subscriber_release(&im.sub);
    return rc;
}
