/*
 * smtp: the SMTP pool (libcurl multi).  Placeholder until the pool lands:
 * it refuses to start, so send falls back on nothing silently.
 */
#include "smtp.h"

#include <string.h>

int
smtp_tls_parse(const char *s, enum smtp_tls *out, struct merr *err)
{
    if (strcmp(s, "required") == 0) {
        *out = SMTP_TLS_REQUIRED;
    } else if (strcmp(s, "opportunistic") == 0) {
        *out = SMTP_TLS_OPPORTUNISTIC;
    } else if (strcmp(s, "none") == 0) {
        *out = SMTP_TLS_NONE;
    } else {
        return merr_set(err, MERR_CONFIG,
                        "tls: \"%s\" is not one of required, opportunistic, "
                        "none",
                        s);
    }
    return 0;
}

const char *
smtp_tls_str(enum smtp_tls t)
{
    switch (t) {
    case SMTP_TLS_AUTO:
        return "auto";
    case SMTP_TLS_REQUIRED:
        return "required";
    case SMTP_TLS_OPPORTUNISTIC:
        return "opportunistic";
    case SMTP_TLS_NONE:
        return "none";
    }
    return "?";
}

int
smtp_pool_new(const struct smtp_opts *opts, struct smtp_pool **out,
              struct merr *err)
{
    (void)opts;
    *out = NULL;
    return merr_set(err, MERR_CONFIG, "smtp: the SMTP pool is not built yet");
}

int
smtp_pool_submit(struct smtp_pool *p, const struct transport_msg *msg,
                 struct merr *err)
{
    (void)p;
    (void)msg;
    return merr_set(err, MERR_CONFIG, "smtp: the SMTP pool is not built yet");
}

size_t
smtp_pool_collect(struct smtp_pool *p, struct transport_outcome *out,
                  size_t max, int wait_ms)
{
    (void)p;
    (void)out;
    (void)max;
    (void)wait_ms;
    return 0;
}

size_t
smtp_pool_inflight(struct smtp_pool *p)
{
    (void)p;
    return 0;
}

const char *
smtp_pool_describe(const struct smtp_pool *p)
{
    (void)p;
    return "smtp";
}

void
smtp_pool_free(struct smtp_pool *p)
{
    (void)p;
}
