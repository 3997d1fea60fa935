/*
 * outbox: the Maildir transport, the default when no relay is configured.
 * One file per message, written into DIR/tmp under a unique name, fsynced,
 * then renamed into DIR/new (https://cr.yp.to/proto/maildir.html).  The
 * file starts with "Return-Path: <envelope sender>" as a delivery agent
 * would add, and has LF line ends as Maildir readers expect.  No network.
 */
#ifndef TOCSIN_OUTBOX_H
#define TOCSIN_OUTBOX_H

#include <stddef.h>

#include "err.h"
#include "transport.h"

struct outbox;

/*
 * Open (creating DIR, DIR/tmp, DIR/new, DIR/cur, mode 0700) the Maildir at
 * dir.  *out: caller frees with outbox_free().  MERR_IO; err names the
 * folder.
 */
int outbox_open(const char *dir, struct outbox **out, struct merr *err);

/*
 * Write one message and fill *res (cookie, SEND_OK, the file name under
 * new/ in res->reply).  The file is fsynced before the rename; the folder
 * new/ is fsynced by outbox_sync().  On a write failure nothing is left
 * in new/ and the return is MERR_IO (err names the file), res untouched.
 */
int outbox_write(struct outbox *ob, const struct transport_msg *msg,
                 struct transport_outcome *res, struct merr *err);

/* fsync DIR/new so that the renames so far survive a crash.  MERR_IO. */
int outbox_sync(struct outbox *ob, struct merr *err);

/* The folder, borrowed until outbox_free(). */
const char *outbox_dir(const struct outbox *ob);

/* NULL is fine. */
void outbox_free(struct outbox *ob);

#endif
