/*
 * send_print: the output of tocsin send (progress, summary, dry run,
 * test), apart from the command's logic.  Writes to stdout and stderr
 * only.
 */
#ifndef TOCSIN_SEND_PRINT_H
#define TOCSIN_SEND_PRINT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "appeal.h"
#include "queue.h"
#include "sender.h"
#include "store_queue.h"
#include "transport.h"

/* Progress state; zero it, then set on, tty, last (util_clock()), id. */
struct send_progress {
    bool on;
    bool tty;
    bool drawn; /* a bar is on the terminal line */
    double last;
    const char *id; /* the appeal, borrowed */
};

/* A sender_run_opts progress callback; arg is a struct send_progress. */
void send_print_progress(void *arg, const struct sender_stats *s);

/* End the bar's line if one was drawn. */
void send_print_progress_end(struct send_progress *p);

/* Print o on one line and drop the reference (o is stolen). */
void send_print_json(json_t *o);

/*
 * The summary of the whole appeal (c) and of this run (st), sent via
 * "via"; outbox names the outbox folder when that was the transport.
 */
void send_print_summary(bool json, const struct appeal *a,
                        const struct queue_counts *c,
                        const struct sender_stats *st, const char *via,
                        const char *outbox);

/* The dry run: counts per language, top domains, el seconds. */
void send_print_dry_run(bool json, const struct appeal *a,
                        const struct sender_lang_count *counts,
                        const struct store_queue_count *dom, size_t ndom,
                        const struct sender_stats *st, double el);

/* The outcome of each language's test message. */
void send_print_test(bool json, const struct appeal *a, const char *addr,
                     const struct transport_outcome *res, const char *via);

#endif
