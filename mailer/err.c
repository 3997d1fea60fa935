/*
 * err: struct merr helpers.  No allocation here, by design.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
merr_set(struct merr *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL) {
        return code;
    }
    err->code = code;
    va_start(ap, fmt);
    /* Truncation is acceptable here: this is the error path itself. */
    (void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

void
merr_prefix(struct merr *err, const char *fmt, ...)
{
    char prefix[MERR_MSG_MAX];
    char old[MERR_MSG_MAX];
    va_list ap;

    if (err == NULL) {
        return;
    }
    va_start(ap, fmt);
    (void)vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    /* truncation is accepted on the error path; the result is used so
     * that gcc knows it was considered */
    if (snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old) < 0) {
        err->msg[0] = '\0';
    }
}

const char *
merr_str(int code)
{
    switch (code) {
    case MERR_OK:
        return "success";
    case MERR_NOMEM:
        return "out of memory";
    case MERR_IO:
        return "input/output error";
    case MERR_PARSE:
        return "parse error";
    case MERR_DB:
        return "database error";
    case MERR_NET:
        return "network error";
    case MERR_LIMIT:
        return "limit exceeded";
    case MERR_INVALID:
        return "invalid input";
    case MERR_USAGE:
        return "usage error";
    case MERR_CONFIG:
        return "configuration error";
    case MERR_NOINPUT:
        return "no such file";
    case MERR_EXISTS:
        return "already exists";
    case MERR_TEMPFAIL:
        return "temporary failure";
    case MERR_INTERRUPTED:
        return "interrupted";
    case MERR_PERM:
        return "not permitted";
    case MERR_NOTFOUND:
        return "not found";
    default:
        return "unknown error";
    }
}
