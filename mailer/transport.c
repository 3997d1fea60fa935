/*
 * transport: picks the SMTP pool or the Maildir outbox from the
 * configuration and the command line, and gives both the same
 * submit/collect shape.  No library here; smtp.c and outbox.c own theirs.
 */
#include "transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "log.h"
#include "outbox.h"
#include "smtp.h"
#include "util.h"

/* Outbox messages synced together, at most, and the longest a written
 * message waits for its sync (seconds). */
#define OUTBOX_SYNC_BATCH 256
#define OUTBOX_SYNC_DELAY 0.05

struct transport {
    struct smtp_pool *pool; /* either this */
    struct outbox *ob;      /* or this */
    /* outbox: messages written, waiting for the batch sync */
    struct transport_outcome *staged;
    size_t nstaged;
    double staged_since; /* util_clock() of the oldest one */
    bool *synced;
    /* outbox outcomes known, waiting for collect() */
    struct transport_outcome *done;
    size_t ndone;
    size_t capdone;
    char desc[512];
    struct transport_hooks hooks; /* zero: none */
};

const char *
transport_status_str(enum send_status s)
{
    switch (s) {
    case SEND_OK:
        return "ok";
    case SEND_TEMPFAIL:
        return "tempfail";
    case SEND_PERMFAIL:
        return "permfail";
    case SEND_UNCERTAIN:
        return "uncertain";
    }
    return "unknown";
}

/*
 * The relays' CA file, checked before anything is sent: a wrong path
 * would otherwise defer every message, one failed connection after
 * another, with curl's "error setting certificate file".
 */
static int
check_ca_file(const struct config *cfg, struct merr *err)
{
    const char *what =
        cfg->smtp_ca_file_env ? "TOCSIN_SMTP_CAFILE" : "smtp.ca_file";
    const char *path = cfg->smtp_ca_file;
    struct merr rerr = {0};
    struct stat st;
    struct buf b;
    int rc;

    if (stat(path, &st) != 0) {
        return merr_set(err, MERR_CONFIG, "%s: %s: %s", what, path,
                        strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        return merr_set(err, MERR_CONFIG, "%s: %s: not a file", what, path);
    }
    buf_init(&b, TOCSIN_MAX_CA_FILE);
    rc = util_read_file(path, TOCSIN_MAX_CA_FILE, &b, &rerr);
    if (rc != 0) {
        rc = merr_set(err, MERR_CONFIG, "%s: %s", what, rerr.msg);
    } else if (strstr(buf_str(&b), "-----BEGIN CERTIFICATE-----") == NULL) {
        rc = merr_set(err, MERR_CONFIG,
                      "%s: %s: no PEM certificate in it (a DER file? "
                      "openssl x509 -inform der converts it)",
                      what, path);
    }
    buf_release(&b);
    return rc;
}

static int
open_smtp(struct transport *t, const struct config *cfg,
          const struct secrets *sec, const struct transport_opts *opts,
          struct merr *err)
{
    struct smtp_relay_conf *relays = NULL;
    struct smtp_opts so;
    const char *tls = opts->tls;
    int rc;

    memset(&so, 0, sizeof(so));
    if (opts->smtp_url != NULL) {
        relays = xcalloc(1, sizeof(*relays));
        relays[0].url = opts->smtp_url;
        relays[0].share = 1;
        so.nrelays = 1;
    } else {
        relays = xcalloc(cfg->nrelays, sizeof(*relays));
        for (size_t i = 0; i < cfg->nrelays; i++) {
            relays[i].url = cfg->relays[i].url;
            relays[i].share = cfg->relays[i].share;
            relays[i].rate = cfg->relays[i].rate;
        }
        so.nrelays = cfg->nrelays;
    }
    so.relays = relays;
    /* The config's "required" (the default tocsin init writes) becomes
     * opportunistic for a loopback relay; --tls insists. */
    if (tls != NULL) {
        rc = smtp_tls_parse(tls, &so.tls, err);
    } else {
        rc = smtp_tls_parse(cfg->smtp_tls, &so.tls, err);
        if (rc == 0 && so.tls == SMTP_TLS_REQUIRED) {
            so.tls = SMTP_TLS_AUTO;
        }
    }
    /* a password is never sent in the clear: and a relay that offers
     * AUTH only after STARTTLS would be sent to without logging in,
     * refusing (and failing) every recipient */
    if (rc == 0 && so.tls == SMTP_TLS_NONE && sec != NULL &&
        ((sec->smtp_user != NULL && sec->smtp_user[0] != '\0') ||
         (sec->smtp_password != NULL && sec->smtp_password[0] != '\0'))) {
        rc = merr_set(err, MERR_CONFIG,
                      "SMTP credentials are set (TOCSIN_SMTP_USER or "
                      "secrets.json) and tls is \"none\": tocsin does not "
                      "send them unencrypted; use --tls required or "
                      "opportunistic, or unset them");
    }
    if (rc == 0 && cfg->smtp_ca_file[0] != '\0') {
        rc = check_ca_file(cfg, err);
        so.ca_file = cfg->smtp_ca_file;
    }
    if (rc != 0) {
        goto out;
    }
    so.connections =
        opts->connections > 0 ? opts->connections : cfg->connections;
    so.rate = opts->rate > 0 ? opts->rate : cfg->rate;
    so.domain_rates = cfg->domain_rates;
    so.ndomain_rates = cfg->ndomain_rates;
    so.timeout = cfg->smtp_timeout;
    so.helo = cfg->helo;
    if (sec != NULL) {
        so.user = sec->smtp_user;
        so.password = sec->smtp_password;
    }
    rc = smtp_pool_new(&so, &t->pool, err);
    if (rc == 0) {
        (void)util_strlcpy(t->desc, smtp_pool_describe(t->pool),
                           sizeof(t->desc));
    }
out:
    free(relays);
    return rc;
}

int
transport_open(const struct config *cfg, const struct secrets *sec,
               const struct transport_opts *opts, struct transport **out,
               struct merr *err)
{
    struct transport_opts none;
    struct transport *t = NULL;
    const char *dir;
    int rc;

    *out = NULL;
    if (opts == NULL) {
        memset(&none, 0, sizeof(none));
        opts = &none;
    }
    t = xcalloc(1, sizeof(*t));
    if (!opts->force_outbox && (opts->smtp_url != NULL || cfg->nrelays > 0)) {
        rc = open_smtp(t, cfg, sec, opts, err);
    } else {
        dir = opts->outbox != NULL ? opts->outbox : cfg->outbox;
        rc = outbox_open(dir, &t->ob, err);
        if (rc == 0) {
            t->staged = xcalloc(OUTBOX_BATCH_MAX, sizeof(*t->staged));
            t->synced = xcalloc(OUTBOX_BATCH_MAX, sizeof(*t->synced));
            snprintf(t->desc, sizeof(t->desc), "outbox %s", dir);
        }
    }
    if (rc != 0) {
        goto out;
    }
    *out = t;
    t = NULL;
out:
    transport_free(t);
    return rc;
}

/* Refuse what would break an SMTP command line or a Return-Path header. */
static int
check_addr(const char *what, const char *a, struct merr *err)
{
    if (a == NULL || a[0] == '\0') {
        return merr_set(err, MERR_INVALID, "empty %s address", what);
    }
    /* RFC 5321 4.5.3.1: 64 octets of local part, 255 of domain. */
    if (strlen(a) > 320) {
        return merr_set(err, MERR_INVALID, "%s address too long", what);
    }
    for (const char *p = a; *p != '\0'; p++) {
        if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>') {
            return merr_set(err, MERR_INVALID, "bad character in %s address",
                            what);
        }
    }
    return 0;
}

/* An outbox outcome is known: tell the hook, queue it for collect(). */
static void
finish(struct transport *t, const struct transport_outcome *o)
{
    if (t->hooks.done != NULL) {
        t->hooks.done(t->hooks.arg, o);
    }
    if (t->ndone == t->capdone) {
        t->capdone = t->capdone == 0 ? 64 : t->capdone * 2;
        t->done = xrealloc(t->done, t->capdone * sizeof(*t->done));
    }
    t->done[t->ndone++] = *o;
}

/* One sync for every message written since the last: only now are they
 * delivered (in new/), or deferred if the sync failed. */
static void
flush_outbox(struct transport *t)
{
    struct merr err = {0};
    int rc;

    /* The data first: nothing is delivered yet, a crash here leaves the
     * rows to be sent again.  Then "started" (journaled by the caller),
     * then the renames into new/ that deliver: only a crash among those
     * makes a delivery uncertain. */
    rc = outbox_sync_data(t->ob, &err);
    if (rc == 0 && t->hooks.started != NULL) {
        for (size_t i = 0; i < t->nstaged; i++) {
            t->hooks.started(t->hooks.arg, t->staged[i].cookie);
        }
    }
    if (rc == 0) {
        rc = outbox_publish(t->ob, t->synced, &err);
    } else {
        memset(t->synced, 0, t->nstaged * sizeof(*t->synced));
    }
    if (rc != 0) {
        log_warn("%s", err.msg);
    }
    for (size_t i = 0; i < t->nstaged; i++) {
        struct transport_outcome *o = &t->staged[i];

        if (!t->synced[i]) {
            o->status = SEND_TEMPFAIL;
            util_sanitize(err.msg, strlen(err.msg), o->reply, sizeof(o->reply));
        }
        finish(t, o);
    }
    t->nstaged = 0;
}

int
transport_submit(struct transport *t, const struct transport_msg *msg,
                 struct merr *err)
{
    struct transport_outcome o;
    struct merr werr;
    int rc;

    rc = check_addr("sender", msg->from, err);
    if (rc == 0) {
        rc = check_addr("recipient", msg->rcpt, err);
    }
    if (rc != 0) {
        return rc;
    }
    if (msg->len > TOCSIN_MAX_MESSAGE) {
        return merr_set(err, MERR_LIMIT, "message for %s: %zu bytes, over %d",
                        msg->rcpt, msg->len, TOCSIN_MAX_MESSAGE);
    }
    if (t->pool != NULL) {
        return smtp_pool_submit(t->pool, msg, err);
    }
    if (outbox_pending(t->ob) == OUTBOX_BATCH_MAX) {
        flush_outbox(t);
    }
    /* A failed write is an outcome like any other: the row is deferred
     * and tried again later.  A message written to tmp/ is not started
     * yet: until the batch sync nothing can have been delivered, so a
     * crash before it leaves the row to be sent again, not uncertain. */
    if (outbox_write(t->ob, msg, &o, &werr) != 0) {
        if (t->hooks.started != NULL) {
            t->hooks.started(t->hooks.arg, msg->cookie);
        }
        memset(&o, 0, sizeof(o));
        o.cookie = msg->cookie;
        o.status = SEND_TEMPFAIL;
        o.tries = 1;
        util_sanitize(werr.msg, strlen(werr.msg), o.reply, sizeof(o.reply));
        finish(t, &o);
        return 0;
    }
    if (t->nstaged == 0) {
        t->staged_since = util_clock();
    }
    t->staged[t->nstaged++] = o;
    return 0;
}

void
transport_set_hooks(struct transport *t, const struct transport_hooks *h)
{
    if (h != NULL) {
        t->hooks = *h;
    } else {
        memset(&t->hooks, 0, sizeof(t->hooks));
    }
    if (t->pool != NULL) {
        smtp_pool_set_hooks(t->pool, h);
    }
}

size_t
transport_collect(struct transport *t, struct transport_outcome *out,
                  size_t max, int wait_ms)
{
    size_t n;

    if (t->pool != NULL) {
        return smtp_pool_collect(t->pool, out, max, wait_ms);
    }
    /* Sync in batches: when asked to wait, when a batch is full, or when
     * the oldest message has waited long enough. */
    if (t->nstaged > 0 &&
        (wait_ms > 0 || t->nstaged >= OUTBOX_SYNC_BATCH ||
         util_clock() - t->staged_since > OUTBOX_SYNC_DELAY)) {
        flush_outbox(t);
    }
    n = t->ndone < max ? t->ndone : max;
    if (n == 0) {
        return 0;
    }
    memcpy(out, t->done, n * sizeof(*out));
    memmove(t->done, t->done + n, (t->ndone - n) * sizeof(*t->done));
    t->ndone -= n;
    return n;
}

size_t
transport_inflight(const struct transport *t)
{
    if (t->pool != NULL) {
        return smtp_pool_inflight(t->pool);
    }
    return t->nstaged + t->ndone;
}

bool
transport_is_smtp(const struct transport *t)
{
    return t->pool != NULL;
}

const char *
transport_describe(const struct transport *t)
{
    return t->desc;
}

void
transport_free(struct transport *t)
{
    if (t == NULL) {
        return;
    }
    smtp_pool_free(t->pool);
    outbox_free(t->ob);
    free(t->staged);
    free(t->synced);
    free(t->done);
    free(t);
}
