/*
 * fuzz_dsn: libFuzzer target for bounce parsing (mime_parse.c through
 * libetpan, then dsn.c): any bytes must parse without a crash, a hang or
 * a leak, and every text that comes out must be NUL-terminated.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dsn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dsn_report *r = NULL;
    struct merr err = {0};
    size_t sum = 0;

    if (dsn_parse((const char *)data, size, &r, &err) != 0) {
        return 0;
    }
    sum += strlen(r->subject) + strlen(r->reason) + strlen(r->token);
    sum += strlen(r->message_id) + strlen(r->returned_token);
    for (size_t i = 0; i < r->nrcpts; i++) {
        sum += strlen(r->rcpts[i].address) + strlen(r->rcpts[i].reason);
        sum += strlen(r->rcpts[i].status) + strlen(r->rcpts[i].action);
    }
    (void)sum;
    dsn_report_free(r);
    return 0;
}
