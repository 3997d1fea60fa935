/*
 * csvio: CSV in and out, the only file that uses libcsv (and iconv).
 * Reading is streaming: bytes are fed in chunks of any size and each
 * record is handed to a callback with the physical line it starts on, so
 * memory stays flat however long the file.  Input is UTF-8 (BOM allowed)
 * or converted from a named encoding; the delimiter (comma, semicolon or
 * tab) is detected on the header line.  No file I/O: callers feed bytes.
 */
#ifndef TOCSIN_CSVIO_H
#define TOCSIN_CSVIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"

/* A physical line, or a record across quoted newlines, at most this. */
#define CSVIO_MAX_RECORD (1024 * 1024)
/* At most this many columns. */
#define CSVIO_MAX_COLUMNS 1024

struct csvio_row {
    size_t line;               /* 1-based line where the record starts */
    size_t n;                  /* number of fields */
    const char *const *fields; /* NUL-terminated, borrowed for the call */
    const size_t *lens;        /* their lengths */
    bool oversized;            /* a field passed TOCSIN_MAX_FIELD (it is
                                  given empty): the row is bad */
};

struct csvio_reader;

/*
 * A reader for the file named origin (used in messages, borrowed for the
 * reader's life).  encoding: NULL for UTF-8, else an iconv name such as
 * "cp1252".  fn is called for each record, the header included, with arg;
 * it returns 0 to go on, or a negative MERR_* code (err filled) to stop
 * the reading with that error.  *out: caller frees with
 * csvio_reader_free().  MERR_USAGE for an encoding iconv does not know.
 */
int csvio_reader_new(const char *origin, const char *encoding,
                     int (*fn)(void *arg, const struct csvio_row *row,
                               struct merr *err),
                     void *arg, struct csvio_reader **out, struct merr *err);

/*
 * Feed the next n bytes.  Errors name origin and line ("a.csv:7: ..."):
 * MERR_PARSE (not UTF-8, malformed), MERR_LIMIT (record too long, too
 * many columns), or what the callback returned.  After an error the
 * reader only fails.
 */
int csvio_reader_feed(struct csvio_reader *r, const char *p, size_t n,
                      struct merr *err);

/* End of input: the last record, unterminated quotes.  As feed. */
int csvio_reader_finish(struct csvio_reader *r, struct merr *err);

/* The delimiter detected (',' until the header line was read). */
char csvio_reader_delimiter(const struct csvio_reader *r);

/* Lines read so far. */
size_t csvio_reader_lines(const struct csvio_reader *r);

void csvio_reader_free(struct csvio_reader *r);

/*
 * The delimiter of a header line p[0..n): the most frequent of ',' ';'
 * and TAB outside quotes; comma on a tie or when there is none.
 */
char csvio_detect_delimiter(const char *p, size_t n);

/*
 * Write one record to f, RFC 4180 (every field quoted, CRLF).  MERR_IO.
 */
int csvio_write_row(FILE *f, const char *const *fields, const size_t *lens,
                    size_t n);

#endif
