/*
 * outbox: the Maildir transport, the default when no relay is configured.
 * One file per message, written into DIR/tmp under a unique name; a batch
 * is made durable at once and renamed into DIR/new
 * (https://cr.yp.to/proto/maildir.html).  The file starts with "Return-Path:
 * <envelope sender>" as a delivery agent would add, and has LF line ends as
 * Maildir readers expect.  No network.
 */
#ifndef TOCSIN_OUTBOX_H
#define TOCSIN_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "transport.h"

struct outbox;

/* Messages written and not yet synced, at most. */
#define OUTBOX_BATCH_MAX 1024
/* A Maildir file name, at most, with its NUL. */
#define OUTBOX_NAME_MAX 160

/*
 * Open (creating DIR, DIR/tmp, DIR/new, DIR/cur, mode 0700) the Maildir at
 * dir.  *out: caller frees with outbox_free().  MERR_IO; err names the
 * folder.
 */
int outbox_open(const char *dir, struct outbox **out, struct merr *err);

/*
 * Write one message into tmp/ and fill *res (cookie, SEND_OK, the file
 * name it will have under new/ in res->reply).  It is not delivered until
 * outbox_sync(): only then is the outcome true.  On a write failure
 * nothing is left behind and the return is MERR_IO (err names the file),
 * MERR_LIMIT when OUTBOX_BATCH_MAX messages wait for a sync; res
 * untouched.
 */
int outbox_write(struct outbox *ob, const struct transport_msg *msg,
                 struct transport_outcome *res, struct merr *err);

/* Messages written since the last outbox_sync(). */
size_t outbox_pending(const struct outbox *ob);

/*
 * Deliver every message written since the last sync, in order: one
 * syncfs for their data, the renames into new/, an fsync of new/.
 * ok[i] (ok has outbox_pending() entries) tells which reached new/; the
 * others were removed.  MERR_IO when any did not (err says why).
 */
int outbox_sync(struct outbox *ob, bool *ok, struct merr *err);

/*
 * outbox_sync in two steps, for a caller that records the moment of
 * delivery in between: outbox_sync_data() makes the written files durable
 * (on failure they are removed and nothing is pending: MERR_IO);
 * outbox_publish() renames them into new/ (delivery) and fsyncs new/,
 * with ok[] as for outbox_sync().
 */
int outbox_sync_data(struct outbox *ob, struct merr *err);
int outbox_publish(struct outbox *ob, bool *ok, struct merr *err);

/* The folder, borrowed until outbox_free(). */
const char *outbox_dir(const struct outbox *ob);

/* NULL is fine. */
void outbox_free(struct outbox *ob);

#endif
