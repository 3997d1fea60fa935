/*
 * mailbox: the libetpan adapter for mail stores (IMAP, POP3, Maildir).
 * TLS is always required on the network, and since libetpan accepts any
 * certificate, the peer's chain and name are checked here (with
 * token_verify_cert) before the password leaves.  No bounce logic here.
 */
#include "mailbox.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libetpan/libetpan.h>

#include "token.h"
#include "util.h"

#define MAILBOX_TIMEOUT   30
#define MAILBOX_MAX_CHAIN 16

struct mailbox_item {
    char *source;
    char *key;
    uint32_t uid;   /* IMAP */
    unsigned index; /* POP3 */
    char *mdir_uid; /* Maildir */
    int mdir_flags; /* Maildir flags when listed */
};

struct mailbox {
    struct mailbox_opts o;
    struct mailbox_url url;
    char *processed_folder; /* copy, or NULL */
    mailimap *imap;
    mailpop3 *pop3;
    struct maildir *md;
    uint32_t uidvalidity;
    struct mailbox_item *items;
    size_t n;
    bool need_expunge;            /* IMAP: messages flagged \Deleted by us */
    bool folder_checked;          /* IMAP: processed_folder created */
    struct mailimap_set *deleted; /* IMAP: their UIDs, for UID EXPUNGE */
};

/* -- TLS -------------------------------------------------------------- */

static bool
is_ip_literal(const char *host)
{
    unsigned char buf[16];

    return inet_pton(AF_INET, host, buf) == 1 ||
           inet_pton(AF_INET6, host, buf) == 1;
}

/* Called by libetpan before the handshake: send SNI (RFC 6066 section 3:
 * names only, never IP literals). */
static void
tls_setup(struct mailstream_ssl_context *ctx, void *data)
{
    struct mailbox *mb = data;

    if (!is_ip_literal(mb->url.host)) {
        /* copied by GnuTLS (gnutls_server_name_set) */
        (void)mailstream_ssl_set_server_name(ctx,
                                             (char *)(uintptr_t)mb->url.host);
    }
}

/* libetpan does not verify the peer: check chain and name ourselves. */
static int
verify_peer(struct mailbox *mb, mailstream *s, struct merr *err)
{
    struct token_der der[MAILBOX_MAX_CHAIN];
    carray *chain = NULL;
    size_t n = 0;
    int rc;

    if (s != NULL) {
        chain = mailstream_get_certificate_chain(s);
    }
    if (chain == NULL || carray_count(chain) == 0) {
        rc = merr_set(err, MERR_NET, "%s: no certificate from the server",
                      mb->url.host);
        goto out;
    }
    for (n = 0; n < carray_count(chain) && n < MAILBOX_MAX_CHAIN; n++) {
        MMAPString *str = carray_get(chain, (unsigned)n);

        der[n].data = (const unsigned char *)str->str;
        der[n].len = str->len;
    }
    rc = token_verify_cert(der, n, mb->url.host, mb->o.cafile, err);
    if (rc == MERR_INVALID) {
        merr_prefix(err, "TLS certificate refused");
        err->code = MERR_NET;
        rc = MERR_NET;
    }
out:
    if (chain != NULL) {
        /* frees the MMAPStrings and the array */
        mailstream_certificate_chain_free(chain);
    }
    return rc;
}

/* The server's last reply, cleaned for an error message. */
static const char *
reply_text(const char *r, char *out, size_t size)
{
    if (r == NULL) {
        return "no reply";
    }
    util_sanitize(r, strlen(r), out, size);
    return out;
}

/* -- IMAP ------------------------------------------------------------- */

static bool
imap_has_cap(mailimap *imap, const char *name)
{
    struct mailimap_capability_data *caps = NULL;
    bool found = false;

    if (imap->imap_connection_info != NULL) {
        caps = imap->imap_connection_info->imap_capability;
    }
    if (caps == NULL || caps->cap_list == NULL) {
        return false;
    }
    for (clistiter *it = clist_begin(caps->cap_list); it != NULL;
         it = clist_next(it)) {
        struct mailimap_capability *c = clist_content(it);

        if (c->cap_type == MAILIMAP_CAPABILITY_NAME &&
            util_strcasecmp(c->cap_data.cap_name, name) == 0) {
            found = true;
        }
    }
    return found;
}

/* Ask for CAPABILITY; libetpan keeps its own copy in the session. */
static int
imap_refresh_caps(struct mailbox *mb, struct merr *err)
{
    struct mailimap_capability_data *caps = NULL;

    if (mailimap_capability(mb->imap, &caps) != MAILIMAP_NO_ERROR) {
        return merr_set(err, MERR_NET, "%s: IMAP CAPABILITY failed",
                        mb->url.host);
    }
    mailimap_capability_data_free(caps); /* our duplicate */
    return 0;
}

static int
imap_list(struct mailbox *mb, struct merr *err)
{
    struct mailimap_search_key *key = NULL;
    clist *res = NULL;
    int rc = 0;
    size_t i = 0;

    /* UID SEARCH UNKEYWORD $TocsinProcessed (RFC 3501 section 6.4.4);
     * the key takes the string */
    key = mailimap_search_key_new_unkeyword(xstrdup(MAILBOX_KEYWORD));
    if (mailimap_uid_search(mb->imap, NULL, key, &res) != MAILIMAP_NO_ERROR) {
        char why[128];

        rc = merr_set(err, MERR_NET, "%s: IMAP SEARCH failed: %s", mb->url.host,
                      reply_text(mb->imap->imap_response, why, sizeof(why)));
        goto out;
    }
    mb->items = xcalloc(clist_count(res) + 1, sizeof(*mb->items));
    for (clistiter *it = clist_begin(res); it != NULL; it = clist_next(it)) {
        uint32_t uid = *(uint32_t *)clist_content(it);
        struct buf b;

        mb->items[i].uid = uid;
        buf_init(&b, 4096);
        (void)buf_addf(&b, "%u", uid);
        mb->items[i].source = buf_take(&b);
        /* no port: imap:// and imaps:// reach the same messages */
        (void)buf_addf(&b, "imap://%s@%s/%s;UIDVALIDITY=%u/;UID=%u",
                       mb->url.user, mb->url.host, mb->url.folder,
                       mb->uidvalidity, uid);
        mb->items[i].key = buf_take(&b);
        i++;
    }
    mb->n = i;
out:
    mailimap_search_key_free(key);
    if (res != NULL) {
        mailimap_search_result_free(res);
    }
    return rc;
}

static int
imap_open(struct mailbox *mb, struct merr *err)
{
    char why[128];
    int r;

    mb->imap = mailimap_new(0, NULL);
    if (mb->imap == NULL) {
        return merr_set(err, MERR_NET, "mailimap_new failed");
    }
    mailimap_set_timeout(mb->imap, mb->o.timeout);
    if (mb->url.tls) {
        r = mailimap_ssl_connect_with_callback(mb->imap, mb->url.host,
                                               mb->url.port, tls_setup, mb);
    } else {
        r = mailimap_socket_connect(mb->imap, mb->url.host, mb->url.port);
    }
    if (r != MAILIMAP_NO_ERROR && r != MAILIMAP_NO_ERROR_AUTHENTICATED &&
        r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
        return merr_set(err, MERR_NET, "%s:%u: cannot connect%s", mb->url.host,
                        mb->url.port,
                        mb->url.tls ? " (or TLS handshake failed)" : "");
    }
    if (!mb->url.tls) {
        /* RFC 3501 section 6.2.1: STARTTLS, required here */
        if (imap_refresh_caps(mb, err) != 0) {
            return MERR_NET;
        }
        if (!imap_has_cap(mb->imap, "STARTTLS")) {
            return merr_set(err, MERR_NET,
                            "%s: the server offers no STARTTLS (TLS is "
                            "required; use imaps://)",
                            mb->url.host);
        }
        r = mailimap_socket_starttls_with_callback(mb->imap, tls_setup, mb);
        if (r != MAILIMAP_NO_ERROR) {
            return merr_set(err, MERR_NET, "%s: STARTTLS failed", mb->url.host);
        }
    }
    if (verify_peer(mb, mb->imap->imap_stream, err) != 0) {
        return MERR_NET;
    }
    if (mailimap_login(mb->imap, mb->url.user, mb->o.password) !=
        MAILIMAP_NO_ERROR) {
        return merr_set(err, MERR_NET, "%s: IMAP login as %s refused: %s",
                        mb->url.host, mb->url.user,
                        reply_text(mb->imap->imap_response, why, sizeof(why)));
    }
    /* capabilities may grow after login (MOVE, UIDPLUS) */
    if (imap_refresh_caps(mb, err) != 0) {
        return MERR_NET;
    }
    if (mb->o.read_only) {
        r = mailimap_examine(mb->imap, mb->url.folder);
    } else {
        r = mailimap_select(mb->imap, mb->url.folder);
    }
    if (r != MAILIMAP_NO_ERROR) {
        return merr_set(err, MERR_NOINPUT, "%s: cannot open folder %s: %s",
                        mb->url.host, mb->url.folder,
                        reply_text(mb->imap->imap_response, why, sizeof(why)));
    }
    mb->uidvalidity = mb->imap->imap_selection_info->sel_uidvalidity;
    return imap_list(mb, err);
}

static int
imap_fetch(struct mailbox *mb, const struct mailbox_item *it, struct buf *out,
           struct merr *err)
{
    struct mailimap_set *set = mailimap_set_new_single(it->uid);
    struct mailimap_fetch_type *ft = NULL;
    clist *res = NULL;
    bool got = false;
    int rc = 0;

    ft = mailimap_fetch_type_new_fetch_att_list_empty();
    /* BODY.PEEK[]: the whole message, without setting \Seen */
    mailimap_fetch_type_new_fetch_att_list_add(
        ft,
        mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
    if (mailimap_uid_fetch(mb->imap, set, ft, &res) != MAILIMAP_NO_ERROR) {
        rc = merr_set(err, MERR_NET, "%s: IMAP FETCH of UID %u failed",
                      mb->url.host, it->uid);
        goto out;
    }
    for (clistiter *m = clist_begin(res); m != NULL && !got;
         m = clist_next(m)) {
        struct mailimap_msg_att *att = clist_content(m);

        for (clistiter *a = clist_begin(att->att_list); a != NULL;
             a = clist_next(a)) {
            struct mailimap_msg_att_item *item = clist_content(a);
            struct mailimap_msg_att_body_section *sec;

            if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC ||
                item->att_data.att_static->att_type !=
                    MAILIMAP_MSG_ATT_BODY_SECTION) {
                continue;
            }
            sec = item->att_data.att_static->att_data.att_body_section;
            if (sec->sec_body_part != NULL) {
                rc = buf_add(out, sec->sec_body_part, sec->sec_length);
                if (rc != 0) {
                    merr_set(err, rc, "UID %u: message too large", it->uid);
                }
            }
            got = true;
            break;
        }
    }
    if (rc == 0 && !got) {
        rc = merr_set(err, MERR_NET, "%s: UID %u: no body in reply",
                      mb->url.host, it->uid);
    }
out:
    if (res != NULL) {
        mailimap_fetch_list_free(res);
    }
    mailimap_fetch_type_free(ft);
    mailimap_set_free(set);
    return rc;
}

static int
imap_store(struct mailbox *mb, uint32_t uid, struct mailimap_flag *f1,
           struct mailimap_flag *f2, struct merr *err)
{
    struct mailimap_set *set = mailimap_set_new_single(uid);
    struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
    struct mailimap_store_att_flags *sa = NULL;
    int rc = 0;

    /* the list owns the flags it holds, the store attribute the list */
    mailimap_flag_list_add(fl, f1);
    if (f2 != NULL) {
        mailimap_flag_list_add(fl, f2);
    }
    sa = mailimap_store_att_flags_new_add_flags_silent(fl);
    if (mailimap_uid_store(mb->imap, set, sa) != MAILIMAP_NO_ERROR) {
        char why[128];

        rc = merr_set(err, MERR_NET, "%s: IMAP STORE on UID %u failed: %s",
                      mb->url.host, uid,
                      reply_text(mb->imap->imap_response, why, sizeof(why)));
    }
    mailimap_store_att_flags_free(sa);
    mailimap_set_free(set);
    return rc;
}

static int
imap_mark(struct mailbox *mb, const struct mailbox_item *it, struct merr *err)
{
    struct mailimap_set *set = NULL;
    int rc = 0;

    if (mb->processed_folder != NULL && !mb->o.expunge) {
        if (!mb->folder_checked) {
            /* create it the first time; "already exists" is fine */
            (void)mailimap_create(mb->imap, mb->processed_folder);
            mb->folder_checked = true;
        }
        set = mailimap_set_new_single(it->uid);
        if (imap_has_cap(mb->imap, "MOVE")) {
            /* RFC 6851 */
            if (mailimap_uid_move(mb->imap, set, mb->processed_folder) !=
                MAILIMAP_NO_ERROR) {
                rc = merr_set(err, MERR_NET, "%s: cannot move UID %u to %s",
                              mb->url.host, it->uid, mb->processed_folder);
            }
            goto out;
        }
        if (mailimap_uid_copy(mb->imap, set, mb->processed_folder) !=
            MAILIMAP_NO_ERROR) {
            rc = merr_set(err, MERR_NET, "%s: cannot copy UID %u to %s",
                          mb->url.host, it->uid, mb->processed_folder);
            goto out;
        }
    }
    if (mb->o.expunge || mb->processed_folder != NULL) {
        rc = imap_store(mb, it->uid, mailimap_flag_new_deleted(), NULL, err);
        if (rc == 0) {
            mb->need_expunge = true;
            if (mb->deleted == NULL) {
                mb->deleted = mailimap_set_new_empty();
            }
            mailimap_set_add_single(mb->deleted, it->uid);
        }
        goto out;
    }
    rc = imap_store(mb, it->uid,
                    mailimap_flag_new_flag_keyword(xstrdup(MAILBOX_KEYWORD)),
                    mailimap_flag_new_seen(), err);
out:
    if (set != NULL) {
        mailimap_set_free(set);
    }
    return rc;
}

static int
imap_finish(struct mailbox *mb, struct merr *err)
{
    int r;

    if (mb->need_expunge) {
        /* RFC 4315 UID EXPUNGE leaves others' \Deleted messages alone */
        if (imap_has_cap(mb->imap, "UIDPLUS")) {
            r = mailimap_uid_expunge(mb->imap, mb->deleted);
        } else {
            r = mailimap_expunge(mb->imap);
        }
        if (r != MAILIMAP_NO_ERROR) {
            return merr_set(err, MERR_NET, "%s: IMAP EXPUNGE failed",
                            mb->url.host);
        }
        mb->need_expunge = false;
    }
    (void)mailimap_logout(mb->imap);
    return 0;
}

/* -- POP3 ------------------------------------------------------------- */

static int
pop3_open(struct mailbox *mb, struct merr *err)
{
    carray *tab = NULL;
    size_t i = 0;
    int r;

    mb->pop3 = mailpop3_new(0, NULL);
    if (mb->pop3 == NULL) {
        return merr_set(err, MERR_NET, "mailpop3_new failed");
    }
    mailpop3_set_timeout(mb->pop3, mb->o.timeout);
    if (mb->url.tls) {
        r = mailpop3_ssl_connect_with_callback(mb->pop3, mb->url.host,
                                               mb->url.port, tls_setup, mb);
    } else {
        r = mailpop3_socket_connect(mb->pop3, mb->url.host, mb->url.port);
    }
    if (r != MAILPOP3_NO_ERROR) {
        return merr_set(err, MERR_NET, "%s:%u: cannot connect%s", mb->url.host,
                        mb->url.port,
                        mb->url.tls ? " (or TLS handshake failed)" : "");
    }
    if (!mb->url.tls) {
        /* RFC 2595 section 4: STLS, required here */
        r = mailpop3_socket_starttls_with_callback(mb->pop3, tls_setup, mb);
        if (r != MAILPOP3_NO_ERROR) {
            return merr_set(err, MERR_NET,
                            "%s: STLS failed (TLS is required; use pop3s://)",
                            mb->url.host);
        }
    }
    if (verify_peer(mb, mb->pop3->pop3_stream, err) != 0) {
        return MERR_NET;
    }
    if (mailpop3_user(mb->pop3, mb->url.user) != MAILPOP3_NO_ERROR ||
        mailpop3_pass(mb->pop3, mb->o.password) != MAILPOP3_NO_ERROR) {
        char why[128];

        return merr_set(err, MERR_NET, "%s: POP3 login as %s refused: %s",
                        mb->url.host, mb->url.user,
                        reply_text(mb->pop3->pop3_response, why, sizeof(why)));
    }
    /* LIST and UIDL (RFC 1939 section 7); the table stays the session's */
    if (mailpop3_list(mb->pop3, &tab) != MAILPOP3_NO_ERROR) {
        return merr_set(err, MERR_NET, "%s: POP3 LIST failed", mb->url.host);
    }
    mb->items = xcalloc(carray_count(tab) + 1, sizeof(*mb->items));
    for (unsigned k = 0; k < carray_count(tab); k++) {
        struct mailpop3_msg_info *mi = carray_get(tab, k);
        struct buf b;

        if (mi == NULL || mi->msg_deleted) {
            continue;
        }
        if (mi->msg_uidl == NULL) {
            return merr_set(err, MERR_NET,
                            "%s: the server gives no UIDL (needed to "
                            "remember what was processed)",
                            mb->url.host);
        }
        mb->items[i].index = mi->msg_index;
        mb->items[i].source = xstrdup(mi->msg_uidl);
        buf_init(&b, 4096);
        (void)buf_addf(&b, "pop3://%s@%s/%s", mb->url.user, mb->url.host,
                       mi->msg_uidl);
        mb->items[i].key = buf_take(&b);
        i++;
    }
    mb->n = i;
    return 0;
}

static int
pop3_fetch(struct mailbox *mb, const struct mailbox_item *it, struct buf *out,
           struct merr *err)
{
    char *msg = NULL;
    size_t len = 0;
    int rc;

    if (mailpop3_retr(mb->pop3, it->index, &msg, &len) != MAILPOP3_NO_ERROR) {
        return merr_set(err, MERR_NET, "%s: POP3 RETR %u failed", mb->url.host,
                        it->index);
    }
    rc = buf_add(out, msg, len);
    if (rc != 0) {
        merr_set(err, rc, "%s: message too large", it->source);
    }
    mailpop3_retr_free(msg);
    return rc;
}

/* -- Maildir ---------------------------------------------------------- */

static int
by_source(const void *a, const void *b)
{
    const struct mailbox_item *x = a;
    const struct mailbox_item *y = b;

    return strcmp(x->source, y->source);
}

static int
maildir_open(struct mailbox *mb, struct merr *err)
{
    struct stat sb;
    char sub[4096];
    size_t i = 0;

    for (int k = 0; k < 2; k++) {
        if (snprintf(sub, sizeof(sub), "%s/%s", mb->o.url,
                     k == 0 ? "new" : "cur") >= (int)sizeof(sub)) {
            return merr_set(err, MERR_USAGE, "%s: path too long", mb->o.url);
        }
        if (stat(sub, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            return merr_set(err, MERR_NOINPUT,
                            "%s: not a Maildir (no %s folder)", mb->o.url,
                            k == 0 ? "new" : "cur");
        }
    }
    mb->md = maildir_new(mb->o.url);
    if (mb->md == NULL || maildir_update(mb->md) != MAILDIR_NO_ERROR) {
        return merr_set(err, MERR_IO, "%s: cannot read the Maildir", mb->o.url);
    }
    mb->items =
        xcalloc(carray_count(mb->md->mdir_msg_list) + 1, sizeof(*mb->items));
    for (unsigned k = 0; k < carray_count(mb->md->mdir_msg_list); k++) {
        struct maildir_msg *m = carray_get(mb->md->mdir_msg_list, k);
        struct buf b;

        mb->items[i].mdir_uid = xstrdup(m->msg_uid);
        mb->items[i].mdir_flags = m->msg_flags;
        mb->items[i].source = xstrdup(m->msg_uid);
        buf_init(&b, 4096);
        (void)buf_addf(&b, "maildir:%s", m->msg_uid);
        mb->items[i].key = buf_take(&b);
        i++;
    }
    mb->n = i;
    /* oldest first: Maildir unique names start with the delivery time */
    qsort(mb->items, mb->n, sizeof(*mb->items), by_source);
    return 0;
}

static int
maildir_fetch(struct mailbox *mb, const struct mailbox_item *it,
              struct buf *out, struct merr *err)
{
    char *path = maildir_message_get(mb->md, it->mdir_uid);
    int rc;

    if (path == NULL) {
        return merr_set(err, MERR_IO, "%s: %s: gone", mb->o.url, it->source);
    }
    rc = util_read_file(path, out->max - out->len, out, err);
    free(path); /* allocated by libetpan with malloc */
    return rc;
}

static int
maildir_mark(struct mailbox *mb, const struct mailbox_item *it,
             struct merr *err)
{
    int r;

    if (mb->o.expunge) {
        r = maildir_message_remove(mb->md, it->mdir_uid);
    } else {
        /* new/ to cur/ with the S flag (Maildir "info" ":2,S") */
        r = maildir_message_change_flags(mb->md, it->mdir_uid,
                                         (it->mdir_flags & ~MAILDIR_FLAG_NEW) |
                                             MAILDIR_FLAG_SEEN);
    }
    if (r != MAILDIR_NO_ERROR) {
        return merr_set(err, MERR_IO, "%s: %s: cannot %s", mb->o.url,
                        it->source, mb->o.expunge ? "delete" : "mark");
    }
    return 0;
}

/* -- the interface ---------------------------------------------------- */

int
mailbox_open(const struct mailbox_opts *o, struct mailbox **out,
             struct merr *err)
{
    struct mailbox *mb = NULL;
    int rc = 0;

    *out = NULL;
    mb = xcalloc(1, sizeof(*mb));
    mb->o = *o;
    if (mb->o.timeout == 0) {
        mb->o.timeout = MAILBOX_TIMEOUT;
    }
    if (o->processed_folder != NULL && o->processed_folder[0] != '\0') {
        mb->processed_folder = xstrdup(o->processed_folder);
    }
    if (o->kind == MAILBOX_MAILDIR) {
        rc = maildir_open(mb, err);
        goto out;
    }
    rc = mailbox_url_parse(o->url, &mb->url, err);
    if (rc != 0) {
        goto out;
    }
    if ((o->kind == MAILBOX_IMAP) != util_starts_with(mb->url.scheme, "imap")) {
        rc = merr_set(err, MERR_USAGE, "%s: expected a %s URL", o->url,
                      o->kind == MAILBOX_IMAP ? "imap(s)://" : "pop3(s)://");
        goto out;
    }
    if (o->password == NULL || o->password[0] == '\0') {
        rc = merr_set(err, MERR_CONFIG,
                      "no mailbox password: set TOCSIN_MAILBOX_PASSWORD or "
                      "mailbox_password in secrets.json");
        goto out;
    }
    /* a stalled server must not hang the run (connect, then each read) */
    mailstream_network_delay.tv_sec = (time_t)mb->o.timeout;
    mailstream_network_delay.tv_usec = 0;
    if (o->kind == MAILBOX_IMAP) {
        rc = imap_open(mb, err);
    } else {
        rc = pop3_open(mb, err);
    }
out:
    if (rc != 0) {
        mailbox_free(mb);
        return rc;
    }
    *out = mb;
    return 0;
}

size_t
mailbox_count(const struct mailbox *mb)
{
    return mb->n;
}

const char *
mailbox_source(const struct mailbox *mb, size_t i)
{
    return mb->items[i].source;
}

const char *
mailbox_key(const struct mailbox *mb, size_t i)
{
    return mb->items[i].key;
}

int
mailbox_fetch(struct mailbox *mb, size_t i, struct buf *out, struct merr *err)
{
    const struct mailbox_item *it = &mb->items[i];

    if (mb->imap != NULL) {
        return imap_fetch(mb, it, out, err);
    }
    if (mb->pop3 != NULL) {
        return pop3_fetch(mb, it, out, err);
    }
    return maildir_fetch(mb, it, out, err);
}

int
mailbox_mark(struct mailbox *mb, size_t i, struct merr *err)
{
    const struct mailbox_item *it = &mb->items[i];

    if (mb->o.read_only) {
        return merr_set(err, MERR_INVALID, "mailbox opened read-only");
    }
    if (mb->imap != NULL) {
        return imap_mark(mb, it, err);
    }
    if (mb->pop3 != NULL) {
        if (!mb->o.expunge) {
            return 0; /* POP3 has no flags: remembered by the caller */
        }
        if (mailpop3_dele(mb->pop3, it->index) != MAILPOP3_NO_ERROR) {
            return merr_set(err, MERR_NET, "%s: POP3 DELE %u failed",
                            mb->url.host, it->index);
        }
        return 0;
    }
    return maildir_mark(mb, it, err);
}

bool
mailbox_is_marked(const struct mailbox *mb, size_t i)
{
    int f = mb->items[i].mdir_flags;

    if (mb->o.expunge || mb->imap != NULL) {
        return false;
    }
    if (mb->pop3 != NULL) {
        return true;
    }
    return (f & MAILDIR_FLAG_SEEN) && !(f & MAILDIR_FLAG_NEW);
}

int
mailbox_finish(struct mailbox *mb, struct merr *err)
{
    int rc = 0;

    if (mb->imap != NULL) {
        rc = imap_finish(mb, err);
    } else if (mb->pop3 != NULL) {
        /* RFC 1939 section 6: deletions happen at QUIT (UPDATE state) */
        if (mailpop3_quit(mb->pop3) != MAILPOP3_NO_ERROR) {
            rc = merr_set(err, MERR_NET, "%s: POP3 QUIT failed", mb->url.host);
        }
    }
    return rc;
}

void
mailbox_free(struct mailbox *mb)
{
    if (mb == NULL) {
        return;
    }
    for (size_t i = 0; i < mb->n; i++) {
        free(mb->items[i].source);
        free(mb->items[i].key);
        free(mb->items[i].mdir_uid);
    }
    free(mb->items);
    if (mb->deleted != NULL) {
        mailimap_set_free(mb->deleted);
    }
    if (mb->imap != NULL) {
        mailimap_free(mb->imap); /* closes the stream if still open */
    }
    if (mb->pop3 != NULL) {
        mailpop3_free(mb->pop3);
    }
    if (mb->md != NULL) {
        maildir_free(mb->md);
    }
    free(mb->processed_folder);
    mailbox_url_release(&mb->url);
    free(mb);
}
