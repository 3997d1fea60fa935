/*
 * smtp_bench: messages per second through the SMTP pool (smtp.c) into an
 * SMTP server: N copies of one pre-built message, each to its own
 * recipient, over C connections and T sending threads.  No rendering:
 * this measures the transport, as smtp-source does.  A measurement, not a
 * test.
 *
 *   smtp_bench URL N CONNECTIONS THREADS FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "smtp.h"
#include "util.h"

int
main(int argc, char **argv)
{
    struct smtp_relay_conf rel = {NULL, 1, 0};
    struct smtp_opts o;
    struct smtp_pool *p = NULL;
    struct transport_outcome out[256];
    struct merr err = {0};
    struct buf raw, msg;
    uint64_t n, conns, threads;
    size_t got = 0, ok = 0;
    char rcpt[64];
    double t0, t1;

    if (argc != 6 || util_parse_uint(argv[2], 100000000, &n) != 0 ||
        util_parse_uint(argv[3], 1024, &conns) != 0 ||
        util_parse_uint(argv[4], 256, &threads) != 0) {
        fprintf(stderr, "usage: smtp_bench URL N CONNECTIONS THREADS FILE\n");
        return 64;
    }
    buf_init(&raw, TOCSIN_MAX_MESSAGE);
    buf_init(&msg, TOCSIN_MAX_MESSAGE * 2);
    if (util_read_file(argv[5], TOCSIN_MAX_MESSAGE, &raw, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 66;
    }
    /* CRLF on the wire, whatever the file has. */
    for (size_t i = 0; i < raw.len; i++) {
        if (raw.data[i] == '\n' && (i == 0 || raw.data[i - 1] != '\r')) {
            (void)buf_addc(&msg, '\r');
        }
        (void)buf_addc(&msg, raw.data[i]);
    }
    memset(&o, 0, sizeof(o));
    rel.url = argv[1];
    o.relays = &rel;
    o.nrelays = 1;
    o.connections = (unsigned)conns;
    o.threads = (unsigned)threads;
    o.helo = "mailer.bench.local";
    if (smtp_pool_new(&o, &p, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 69;
    }
    t0 = util_clock();
    for (uint64_t i = 0; i < n; i++) {
        struct transport_msg m = {"bounce@act.openlifeline.example", rcpt,
                                  msg.data, msg.len, i};

        snprintf(rcpt, sizeof(rcpt), "subscriber%llu@example.net",
                 (unsigned long long)(100000 + i));
        (void)smtp_pool_submit(p, &m, &err);
        for (size_t k = smtp_pool_collect(p, out, 256, 0), j = 0; j < k;
             j++) {
            ok += out[j].status == SEND_OK;
            got++;
        }
    }
    while (got < n) {
        size_t k = smtp_pool_collect(p, out, 256, 100);

        for (size_t j = 0; j < k; j++) {
            ok += out[j].status == SEND_OK;
        }
        got += k;
    }
    t1 = util_clock();
    smtp_pool_free(p);
    printf("{\"msgs_per_s\": %.1f, \"n\": %llu, \"ok\": %zu, "
           "\"connections\": %llu, \"threads\": %llu, \"bytes\": %zu, "
           "\"wall_s\": %.3f}\n",
           (double)n / (t1 - t0), (unsigned long long)n, ok,
           (unsigned long long)conns, (unsigned long long)threads, msg.len,
           t1 - t0);
    buf_release(&raw);
    buf_release(&msg);
    return ok == n ? 0 : 1;
}
