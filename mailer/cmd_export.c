/*
 * cmd_export: tocsin export LIST.  The list as CSV on standard output
 * (RFC 4180, UTF-8, comma): email (Unicode domain), name, language,
 * country, consent, status, then one column per attribute.  A cell a
 * spreadsheet would run as a formula gets a "'" in front (import removes
 * it again, so an export imports back unchanged).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "csvio.h"
#include "lists.h"
#include "store_subs.h"
#include "util.h"

#define FIXED_COLS 6

struct export
{
    char **keys;
    size_t nkeys;
    const char **fields;
    size_t *lens;
    struct buf guarded; /* "'" + cell, for cells that need it */
};

/* Put cell i, guarded if needed.  Guarded cells live in ex->guarded,
 * whose data may move: offsets are fixed up in write_row. */
static void
set_cell(struct export *ex, size_t i, const char *p, size_t n, size_t *goff)
{
    if (lists_cell_is_formula(p, n)) {
        goff[i] = ex->guarded.len + 1;
        (void)buf_addc(&ex->guarded, '\'');
        (void)buf_add(&ex->guarded, p, n);
        ex->fields[i] = NULL;
        ex->lens[i] = n + 1;
        return;
    }
    goff[i] = 0;
    ex->fields[i] = p;
    ex->lens[i] = n;
}

static int
write_member(void *arg, const struct store_subscriber *s)
{
    struct export *ex = arg;
    size_t n = FIXED_COLS + ex->nkeys;
    size_t goff[FIXED_COLS + 256];
    const char *consent = s->consent == 1 ? "yes" : s->consent == 0 ? "no" : "";
    json_t *attrs = json_loads(s->attrs, 0, NULL); /* owned; may be NULL */
    int rc;

    buf_reset(&ex->guarded);
    set_cell(ex, 0, s->email_display, strlen(s->email_display), goff);
    set_cell(ex, 1, s->name, strlen(s->name), goff);
    set_cell(ex, 2, s->language, strlen(s->language), goff);
    set_cell(ex, 3, s->country, strlen(s->country), goff);
    set_cell(ex, 4, consent, strlen(consent), goff);
    set_cell(ex, 5, s->status, strlen(s->status), goff);
    for (size_t k = 0; k < ex->nkeys; k++) {
        json_t *v = json_object_get(attrs, ex->keys[k]); /* borrowed */
        const char *t = json_is_string(v) ? json_string_value(v) : "";
        size_t tn = json_is_string(v) ? json_string_length(v) : 0;

        set_cell(ex, FIXED_COLS + k, t, tn, goff);
    }
    for (size_t i = 0; i < n; i++) {
        if (goff[i] != 0) {
            ex->fields[i] = ex->guarded.data + goff[i] - 1;
        }
    }
    rc = csvio_write_row(stdout, ex->fields, ex->lens, n);
    json_decref(attrs);
    return rc;
}

int
cmd_export(struct tocsin_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *const fixed[FIXED_COLS] = {
        "email", "name", "language", "country", "consent", "status"};
    struct export ex;
    int64_t id;
    size_t n;
    int c;
    int rc;

    memset(&ex, 0, sizeof(ex));
    for (;;) {
        c = getopt_long(argc, argv, "h", opts, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case 'h':
            return cmdline_help(ctx);
        default:
            return cmdline_error(ctx, "unknown option");
        }
    }
    if (argc - optind != 1) {
        return cmdline_error(ctx, "one LIST is required");
    }
    buf_init(&ex.guarded, 2 * (size_t)CSVIO_MAX_RECORD);
    rc = store_list_find(ctx->store, argv[optind], &id, &ctx->err);
    if (rc == 0) {
        rc = store_list_attr_keys(ctx->store, id, &ex.keys, &ex.nkeys,
                                  &ctx->err);
    }
    if (rc == 0 && ex.nkeys > 256) {
        rc = merr_set(&ctx->err, MERR_LIMIT,
                      "list %s: more than 256 attribute columns", argv[optind]);
    }
    if (rc != 0) {
        goto out;
    }
    n = FIXED_COLS + ex.nkeys;
    ex.fields = xcalloc(n, sizeof(*ex.fields));
    ex.lens = xcalloc(n, sizeof(*ex.lens));
    for (size_t i = 0; i < n; i++) {
        ex.fields[i] = i < FIXED_COLS ? fixed[i] : ex.keys[i - FIXED_COLS];
        ex.lens[i] = strlen(ex.fields[i]);
    }
    rc = csvio_write_row(stdout, ex.fields, ex.lens, n);
    if (rc == 0) {
        rc = store_list_members_each(ctx->store, id, write_member, &ex,
                                     &ctx->err);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        rc = merr_set(&ctx->err, MERR_IO, "standard output: write failed");
    }
out:
    for (size_t i = 0; i < ex.nkeys; i++) {
        free(ex.keys[i]);
    }
    free(ex.keys);
    free(ex.fields);
    free(ex.lens);
    buf_release(&ex.guarded);
    return rc;
}
