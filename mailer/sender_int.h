/*
 * sender_int: what sender.c and sender_loop.c share, nobody else: the
 * sender's layout and the building of one message.
 */
#ifndef TOCSIN_SENDER_INT_H
#define TOCSIN_SENDER_INT_H

#include "mime.h"
#include "render.h"
#include "sender.h"
#include "store_queue.h"

struct sender {
    const struct appeal *a;
    const struct config *cfg;
    const struct token_keys *keys;
    int64_t seq;
    struct render_set *rs;
    struct mime_lang **ml; /* one per appeal language */
    struct render_out ro;
    struct mime_identity id;
    char *from_name; /* owned */
    char *from_addr;
};

/* What one delivery's message needs from its row. */
struct sender_who {
    int64_t subscriber_id;
    const char *email;
    const char *email_display;
    const char *name;
    const char *language; /* the subscriber's tag */
    const char *attrs;
};

/* One message built: the buffer and what goes on the envelope. */
struct sender_msg {
    struct buf msg;
    const char *lang; /* the appeal language it is in (borrowed) */
    char mid[MIME_ID_MAX];
    char from[MIME_ID_MAX];
};

/*
 * Render and build w's message into b (its envelope sender and Message-ID
 * too), with subject_prefix (or NULL).  MERR_INVALID, MERR_LIMIT.
 */
int sender_build(struct sender *s, const struct sender_who *w,
                 const char *subject_prefix, struct sender_msg *b,
                 struct merr *err);

/* The recipient of a queue row (borrowing its strings). */
void sender_who_from_row(const struct store_queue_row *r, struct sender_who *w);

#endif
