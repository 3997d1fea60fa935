/*
 * transport: picks the SMTP pool or the Maildir outbox from the
 * configuration and the command line, and gives both the same
 * submit/collect shape.  No library here; smtp.c and outbox.c own theirs.
 */
#include "transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "outbox.h"
#include "smtp.h"
#include "util.h"

struct transport {
    struct smtp_pool *pool; /* either this */
    struct outbox *ob;      /* or this */
    /* outbox outcomes waiting for the folder fsync and collect() */
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

static void
push_done(struct transport *t, const struct transport_outcome *o)
{
    if (t->ndone == t->capdone) {
        t->capdone = t->capdone == 0 ? 64 : t->capdone * 2;
        t->done = xrealloc(t->done, t->capdone * sizeof(*t->done));
    }
    t->done[t->ndone++] = *o;
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
    if (t->hooks.started != NULL) {
        t->hooks.started(t->hooks.arg, msg->cookie);
    }
    /* A failed write is an outcome like any other: the row is deferred
     * and tried again later. */
    if (outbox_write(t->ob, msg, &o, &werr) != 0) {
        memset(&o, 0, sizeof(o));
        o.cookie = msg->cookie;
        o.status = SEND_TEMPFAIL;
        o.tries = 1;
        util_sanitize(werr.msg, strlen(werr.msg), o.reply, sizeof(o.reply));
    }
    if (t->hooks.done != NULL) {
        t->hooks.done(t->hooks.arg, &o);
    }
    push_done(t, &o);
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
    struct merr err;
    size_t n;

    if (t->pool != NULL) {
        return smtp_pool_collect(t->pool, out, max, wait_ms);
    }
    n = t->ndone < max ? t->ndone : max;
    if (n == 0) {
        return 0;
    }
    /* One folder fsync for the whole batch of renames. */
    if (outbox_sync(t->ob, &err) != 0) {
        log_warn("%s", err.msg);
        for (size_t i = 0; i < t->ndone; i++) {
            if (t->done[i].status == SEND_OK) {
                t->done[i].status = SEND_UNCERTAIN;
            }
        }
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
    return t->ndone;
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
    free(t->done);
    free(t);
}
