/*
 * mailbox: reading a bounce mailbox (libetpan adapter for mail stores):
 * IMAP (imaps:// or imap:// with STARTTLS), POP3 (pop3s:// or pop3://
 * with STLS) or a local Maildir.  It lists the messages not yet processed,
 * hands out their bytes with a stable source id, and marks them processed.
 * It knows nothing of bounces or of the database.
 */
#ifndef TOCSIN_MAILBOX_H
#define TOCSIN_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/* The IMAP keyword that marks a processed message (RFC 3501 flag-keyword). */
#define MAILBOX_KEYWORD "$TocsinProcessed"

enum mailbox_kind {
    MAILBOX_IMAP,
    MAILBOX_POP3,
    MAILBOX_MAILDIR,
};

struct mailbox_opts {
    enum mailbox_kind kind;
    const char *url;      /* imaps://user@host[:port]/FOLDER, pop3s://...,
                             or the Maildir's folder */
    const char *password; /* IMAP/POP3; borrowed */
    const char *cafile;   /* PEM CAs to trust instead of the system store,
                             or NULL */
    const char *processed_folder; /* IMAP: move processed messages here
                                     instead of setting MAILBOX_KEYWORD;
                                     NULL or "" for the keyword */
    bool expunge;                 /* delete processed messages */
    bool read_only;               /* never change the mailbox */
    unsigned timeout;             /* network timeout, seconds (0: 30) */
};

/*
 * The parts of a mailbox URL: scheme imap, imaps, pop3, pop3s; user and
 * folder are percent-decoded; port is the scheme's default when absent;
 * folder defaults to INBOX.  Caller releases with mailbox_url_release.
 * MERR_USAGE with err saying what is wrong.
 */
struct mailbox_url {
    char *scheme;
    char *user;
    char *host;
    uint16_t port;
    char *folder;
    bool tls; /* TLS from the first byte (imaps, pop3s) */
};
int mailbox_url_parse(const char *url, struct mailbox_url *out,
                      struct merr *err);
void mailbox_url_release(struct mailbox_url *u);

struct mailbox;

/*
 * Connect (TLS required, the certificate chain and host name verified
 * before the password is sent), log in, select the folder, and list the
 * messages not yet processed (IMAP: without MAILBOX_KEYWORD; POP3 and
 * Maildir: all).  *out: caller frees with mailbox_free().  MERR_USAGE (bad
 * URL), MERR_CONFIG (no password), MERR_NET (unreachable, TLS refused or
 * certificate not trusted, login failed), MERR_NOINPUT (no such Maildir
 * or folder), MERR_IO.
 */
int mailbox_open(const struct mailbox_opts *o, struct mailbox **out,
                 struct merr *err);

/* Number of messages listed by mailbox_open. */
size_t mailbox_count(const struct mailbox *mb);

/*
 * The source id of message i, for people: "UIDVALIDITY/UID" (IMAP), the
 * UIDL (POP3), the unique file name without its flags (Maildir).
 * Borrowed until mailbox_free.
 */
const char *mailbox_source(const struct mailbox *mb, size_t i);

/*
 * A key that names message i among all mailboxes, stable across runs and
 * the same with or without implicit TLS (for remembering what was
 * processed): "imap://user@host/FOLDER;UIDVALIDITY=V/;UID=U" (RFC 5092
 * shape), "pop3://user@host/UIDL", "maildir:UNIQUE".  Borrowed until
 * mailbox_free.
 */
const char *mailbox_key(const struct mailbox *mb, size_t i);

/*
 * Append the bytes of message i to out (IMAP: BODY.PEEK[], which leaves
 * \Seen alone).  MERR_NET, MERR_IO, MERR_LIMIT (past out's cap).
 */
int mailbox_fetch(struct mailbox *mb, size_t i, struct buf *out,
                  struct merr *err);

/*
 * Mark message i processed: IMAP sets MAILBOX_KEYWORD (and \Seen), or
 * moves it to processed_folder, or with expunge flags it \Deleted; POP3
 * deletes it with expunge (applied by mailbox_finish), else does nothing;
 * Maildir deletes it with expunge, else moves it to cur/ with the S flag.
 * Refused (MERR_INVALID) when opened read_only.  MERR_NET, MERR_IO.
 */
int mailbox_mark(struct mailbox *mb, size_t i, struct merr *err);

/*
 * true when mailbox_mark(mb, i) would change nothing: POP3 without
 * expunge, a Maildir message already in cur/ with the S flag.
 */
bool mailbox_is_marked(const struct mailbox *mb, size_t i);

/*
 * Finish cleanly: IMAP expunges what mailbox_mark flagged \Deleted (UID
 * EXPUNGE where the server has UIDPLUS) and logs out; POP3 sends QUIT,
 * which applies the deletions.  MERR_NET.
 */
int mailbox_finish(struct mailbox *mb, struct merr *err);

/* Disconnect (without QUIT: POP3 deletions not finished are dropped) and
 * free.  NULL is fine. */
void mailbox_free(struct mailbox *mb);

#endif
