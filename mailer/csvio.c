/*
 * csvio: libcsv and iconv behind a streaming reader, and the CSV writer.
 * Input is split into physical lines before libcsv sees it, so that each
 * record gets its line number, UTF-8 is checked line by line, and a
 * runaway quote is stopped at CSVIO_MAX_RECORD instead of eating memory.
 */
#include "csvio.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "buf.h"
#include "util.h"

struct csvio_reader {
    const char *origin;
    int (*fn)(void *, const struct csvio_row *, struct merr *);
    void *arg;
    struct csv_parser parser;
    bool parser_ready;
    char delim;
    bool detected;
    iconv_t cd;          /* (iconv_t)-1 without --encoding */
    char conv_carry[16]; /* an incomplete multibyte sequence */
    size_t conv_carry_len;
    struct buf partial; /* a line split across feeds */
    size_t line;        /* lines processed */
    size_t rec_line;    /* where the current record started */
    size_t rec_bytes;   /* its size so far */
    bool in_record;
    /* the record being assembled: fields NUL-separated in one buffer */
    struct buf fields;
    size_t *offs;
    size_t *lens;
    const char **ptrs;
    size_t nfields;
    size_t cap;
    bool oversized;
    /* the first error sticks: libcsv calls back until the chunk ends */
    int rc;
    struct merr err;
};

char
csvio_detect_delimiter(const char *p, size_t n)
{
    static const char cands[] = {',', ';', '\t'};
    size_t counts[3] = {0, 0, 0};
    bool quoted = false;
    size_t best = 0;

    for (size_t i = 0; i < n && p[i] != '\n'; i++) {
        if (p[i] == '"') {
            quoted = !quoted;
        } else if (!quoted) {
            for (size_t k = 0; k < 3; k++) {
                if (p[i] == cands[k]) {
                    counts[k]++;
                }
            }
        }
    }
    for (size_t k = 1; k < 3; k++) {
        if (counts[k] > counts[best]) {
            best = k;
        }
    }
    return cands[best];
}

static int
only_space(unsigned char c)
{
    return c == CSV_SPACE;
}

static int fail(struct csvio_reader *r, int code, size_t line, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));

static int
fail(struct csvio_reader *r, int code, size_t line, const char *fmt, ...)
{
    char msg[MERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    r->rc = merr_set(&r->err, code, "%s:%zu: %s", r->origin, line, msg);
    return r->rc;
}

/* libcsv: one field ended (borrowed bytes, valid during the call) */
static void
on_field(void *s, size_t len, void *data)
{
    struct csvio_reader *r = data;

    if (r->rc != 0) {
        return;
    }
    if (!r->in_record) {
        r->in_record = true;
        r->rec_line = r->line + 1;
    }
    if (r->nfields == CSVIO_MAX_COLUMNS) {
        fail(r, MERR_LIMIT, r->rec_line, "more than %d columns",
             CSVIO_MAX_COLUMNS);
        return;
    }
    if (r->nfields == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 32;
        r->offs = xrealloc(r->offs, r->cap * sizeof(*r->offs));
        r->lens = xrealloc(r->lens, r->cap * sizeof(*r->lens));
        r->ptrs = xrealloc(r->ptrs, r->cap * sizeof(*r->ptrs));
    }
    if (len > TOCSIN_MAX_FIELD) {
        r->oversized = true;
        len = 0;
    }
    r->offs[r->nfields] = r->fields.len;
    r->lens[r->nfields] = len;
    /* the buffer is capped at CSVIO_MAX_RECORD plus a NUL per column,
     * which the record cap already bounds */
    if (buf_add(&r->fields, s != NULL ? s : "", len) != 0 ||
        buf_addc(&r->fields, '\0') != 0) {
        fail(r, MERR_LIMIT, r->rec_line, "record too long");
        return;
    }
    r->nfields++;
}

/* libcsv: the record ended (c is the terminator, -1 at the end) */
static void
on_record(int c, void *data)
{
    struct csvio_reader *r = data;
    struct csvio_row row;
    int rc;

    (void)c;
    if (r->rc != 0) {
        return;
    }
    for (size_t i = 0; i < r->nfields; i++) {
        r->ptrs[i] = r->fields.data + r->offs[i];
    }
    row.line = r->rec_line;
    row.n = r->nfields;
    row.fields = r->ptrs;
    row.lens = r->lens;
    row.oversized = r->oversized;
    rc = r->fn(r->arg, &row, &r->err);
    if (rc != 0) {
        r->rc = rc;
    }
    buf_reset(&r->fields);
    r->nfields = 0;
    r->oversized = false;
    r->in_record = false;
    r->rec_bytes = 0;
}

static bool
blank_line(const char *p, size_t n)
{
    return n == 0 || (n == 1 && p[0] == '\n') ||
           (n == 2 && p[0] == '\r' && p[1] == '\n');
}

/* One physical line p[0..n), with its '\n' unless it is the last. */
static int
process_line(struct csvio_reader *r, const char *p, size_t n)
{
    size_t lineno = r->line + 1;
    size_t bad = 0;

    if (r->line == 0) {
        if (n >= 2 &&
            ((unsigned char)p[0] == 0xff || (unsigned char)p[0] == 0xfe) &&
            ((unsigned char)p[1] == 0xfe || (unsigned char)p[1] == 0xff)) {
            return fail(r, MERR_PARSE, 1,
                        "UTF-16 text: save it as UTF-8, or use "
                        "--encoding UTF-16");
        }
        /* a UTF-8 byte order mark, as spreadsheets write it */
        if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
            p += 3;
            n -= 3;
        }
    }
    if (memchr(p, '\0', n) != NULL) {
        return fail(r, MERR_PARSE, lineno,
                    "NUL byte: not a text file (UTF-16? use --encoding "
                    "UTF-16)");
    }
    if (!util_utf8_valid(p, n, &bad)) {
        return fail(r, MERR_PARSE, lineno,
                    "not UTF-8 (byte 0x%02X at column %zu); for a Windows "
                    "export use --encoding cp1252",
                    (unsigned char)p[bad], bad + 1);
    }
    if (!r->detected) {
        r->delim = csvio_detect_delimiter(p, n);
        csv_set_delim(&r->parser, (unsigned char)r->delim);
        if (r->delim == '\t') {
            csv_set_space_func(&r->parser, only_space);
        }
        r->detected = true;
    }
    if (!r->in_record && !blank_line(p, n)) {
        r->in_record = true;
        r->rec_line = lineno;
    }
    if (r->in_record) {
        r->rec_bytes += n;
        if (r->rec_bytes > CSVIO_MAX_RECORD) {
            return fail(r, MERR_LIMIT, r->rec_line,
                        "record longer than %d bytes (an unterminated "
                        "quote?)",
                        CSVIO_MAX_RECORD);
        }
    }
    if (csv_parse(&r->parser, p, n, on_field, on_record, r) != n &&
        r->rc == 0) {
        return fail(r, MERR_PARSE, lineno, "%s",
                    csv_error(&r->parser) == CSV_EPARSE
                        ? "malformed quoting (a quote inside an unquoted "
                          "field, or text after a closing quote)"
                        : csv_strerror(csv_error(&r->parser)));
    }
    r->line++;
    return r->rc;
}

/* UTF-8 bytes: cut into lines, joining those split across feeds. */
static int
feed_utf8(struct csvio_reader *r, const char *p, size_t n)
{
    while (n > 0 && r->rc == 0) {
        const char *nl = memchr(p, '\n', n);
        size_t len = nl != NULL ? (size_t)(nl - p) + 1 : n;

        if (nl == NULL || r->partial.len > 0) {
            if (buf_add(&r->partial, p, len) != 0) {
                return fail(r, MERR_LIMIT, r->line + 1,
                            "line longer than %d bytes", CSVIO_MAX_RECORD);
            }
            if (nl != NULL) {
                process_line(r, r->partial.data, r->partial.len);
                buf_reset(&r->partial);
            }
        } else {
            process_line(r, p, len);
        }
        p += len;
        n -= len;
    }
    return r->rc;
}

/* Convert with iconv, keeping an incomplete sequence for the next feed. */
static int
feed_converted(struct csvio_reader *r, const char *p, size_t n)
{
    char out[16384];
    char joined[64];
    size_t jn;

    /* finish a sequence cut at the previous feed's end first */
    while (r->conv_carry_len > 0 && n > 0) {
        char *in = joined;
        char *o = out;
        size_t inleft;
        size_t outleft = sizeof(out);
        size_t take = n < sizeof(joined) - r->conv_carry_len
                          ? n
                          : sizeof(joined) - r->conv_carry_len;

        memcpy(joined, r->conv_carry, r->conv_carry_len);
        memcpy(joined + r->conv_carry_len, p, take);
        jn = r->conv_carry_len + take;
        inleft = jn;
        if (iconv(r->cd, &in, &inleft, &o, &outleft) == (size_t)-1 &&
            errno != EINVAL && errno != E2BIG) {
            feed_utf8(r, out, sizeof(out) - outleft);
            return r->rc != 0 ? r->rc
                              : fail(r, MERR_PARSE, r->line + 1,
                                     "not valid in the encoding given");
        }
        feed_utf8(r, out, sizeof(out) - outleft);
        /* bytes of p consumed: what left joined, minus the old carry */
        if (jn - inleft < r->conv_carry_len) {
            /* still incomplete: keep it all */
            if (jn > sizeof(r->conv_carry)) {
                return fail(r, MERR_PARSE, r->line + 1,
                            "not valid in the encoding given");
            }
            memcpy(r->conv_carry, joined, jn);
            r->conv_carry_len = jn;
            return r->rc;
        }
        p += (jn - inleft) - r->conv_carry_len;
        n -= (jn - inleft) - r->conv_carry_len;
        r->conv_carry_len = 0;
    }
    while (n > 0 && r->rc == 0) {
        char *in = (char *)(uintptr_t)p; /* iconv's API is not const */
        char *o = out;
        size_t inleft = n;
        size_t outleft = sizeof(out);
        size_t done = iconv(r->cd, &in, &inleft, &o, &outleft);
        int e = errno;

        feed_utf8(r, out, sizeof(out) - outleft);
        p = in;
        n = inleft;
        if (done != (size_t)-1 || e == E2BIG) {
            continue;
        }
        if (e == EINVAL && n < sizeof(r->conv_carry)) {
            memcpy(r->conv_carry, p, n);
            r->conv_carry_len = n;
            break;
        }
        if (r->rc == 0) {
            fail(r, MERR_PARSE, r->line + 1,
                 "byte 0x%02X is not valid in the encoding given",
                 (unsigned char)p[0]);
        }
    }
    return r->rc;
}

int
csvio_reader_new(const char *origin, const char *encoding,
                 int (*fn)(void *arg, const struct csvio_row *row,
                           struct merr *err),
                 void *arg, struct csvio_reader **out, struct merr *err)
{
    struct csvio_reader *r = NULL;
    int rc = 0;

    *out = NULL;
    r = xcalloc(1, sizeof(*r));
    r->origin = origin;
    r->fn = fn;
    r->arg = arg;
    r->delim = ',';
    r->cd = (iconv_t)-1;
    buf_init(&r->partial, CSVIO_MAX_RECORD);
    buf_init(&r->fields, CSVIO_MAX_RECORD + CSVIO_MAX_COLUMNS);
    if (encoding != NULL) {
        r->cd = iconv_open("UTF-8", encoding);
        if (r->cd == (iconv_t)-1) {
            rc = merr_set(err, MERR_USAGE,
                          "unknown encoding \"%s\" (iconv -l lists them)",
                          encoding);
            goto out;
        }
    }
    /* STRICT: a quote inside an unquoted field or text after a closing
     * quote is an error, not a guess; STRICT_FINI (which needs STRICT):
     * so is a quote still open at the end */
    if (csv_init(&r->parser, CSV_APPEND_NULL | CSV_STRICT | CSV_STRICT_FINI) !=
        0) {
        rc = merr_set(err, MERR_NOMEM, "csv_init failed");
        goto out;
    }
    r->parser_ready = true;
    *out = r;
    r = NULL;
out:
    csvio_reader_free(r);
    return rc;
}

int
csvio_reader_feed(struct csvio_reader *r, const char *p, size_t n,
                  struct merr *err)
{
    if (r->rc == 0) {
        if (r->cd != (iconv_t)-1) {
            feed_converted(r, p, n);
        } else {
            feed_utf8(r, p, n);
        }
    }
    if (r->rc != 0 && err != NULL) {
        *err = r->err;
    }
    return r->rc;
}

int
csvio_reader_finish(struct csvio_reader *r, struct merr *err)
{
    if (r->rc == 0 && r->cd != (iconv_t)-1 && r->conv_carry_len > 0) {
        fail(r, MERR_PARSE, r->line + 1,
             "incomplete character at the end of the file");
    }
    if (r->rc == 0 && r->partial.len > 0) {
        process_line(r, r->partial.data, r->partial.len);
        buf_reset(&r->partial);
    }
    if (r->rc == 0 && csv_fini(&r->parser, on_field, on_record, r) != 0 &&
        r->rc == 0) {
        fail(r, MERR_PARSE, r->rec_line,
             "quoted field not closed before the end of the file");
    }
    if (r->rc != 0 && err != NULL) {
        *err = r->err;
    }
    return r->rc;
}

char
csvio_reader_delimiter(const struct csvio_reader *r)
{
    return r->delim;
}

size_t
csvio_reader_lines(const struct csvio_reader *r)
{
    return r->line;
}

void
csvio_reader_free(struct csvio_reader *r)
{
    if (r == NULL) {
        return;
    }
    if (r->parser_ready) {
        csv_free(&r->parser); /* frees libcsv's entry buffer */
    }
    if (r->cd != (iconv_t)-1) {
        iconv_close(r->cd);
    }
    buf_release(&r->partial);
    buf_release(&r->fields);
    free(r->offs);
    free(r->lens);
    free(r->ptrs);
    free(r);
}

int
csvio_write_row(FILE *f, const char *const *fields, const size_t *lens,
                size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && fputc(',', f) == EOF) {
            return MERR_IO;
        }
        /* csv_fwrite quotes the field and doubles its quotes */
        if (csv_fwrite(f, fields[i], lens[i]) != 0) {
            return MERR_IO;
        }
    }
    return fputs("\r\n", f) == EOF ? MERR_IO : 0;
}
