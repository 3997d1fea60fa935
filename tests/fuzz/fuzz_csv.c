/*
 * fuzz_csv: arbitrary bytes through the import path without a database:
 * the streaming CSV reader (fed in two pieces, as UTF-8 and as cp1252),
 * header mapping and row checking.  libFuzzer.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "csvio.h"
#include "lists.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct state {
    bool have_header;
    struct lists_header header;
    struct lists_subscriber sub;
};

static int
on_row(void *arg, const struct csvio_row *row, struct merr *err)
{
    struct state *s = arg;
    struct merr why = {0};

    if (!s->have_header) {
        if (lists_header_parse(&s->header, row->fields, row->lens, row->n,
                               err) != 0) {
            return MERR_INVALID;
        }
        s->have_header = true;
        return 0;
    }
    (void)lists_row_parse(&s->header, row->fields, row->lens, row->n, &s->sub,
                          &why);
    return 0;
}

static void
run(const uint8_t *data, size_t size, const char *encoding)
{
    struct csvio_reader *r = NULL;
    struct merr err = {0};
    struct state s;
    size_t half = size / 2;

    memset(&s, 0, sizeof(s));
    lists_subscriber_init(&s.sub);
    if (csvio_reader_new("fuzz.csv", encoding, on_row, &s, &r, &err) == 0 &&
        csvio_reader_feed(r, (const char *)data, half, &err) == 0 &&
        csvio_reader_feed(r, (const char *)data + half, size - half, &err) ==
            0) {
        (void)csvio_reader_finish(r, &err);
    }
    csvio_reader_free(r);
    lists_header_release(&s.header);
    lists_subscriber_release(&s.sub);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(data, size, NULL);
    run(data, size, "cp1252");
    return 0;
}
