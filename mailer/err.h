/*
 * err: error codes shared by every module, and struct merr, a code plus a
 * fixed message buffer so that reporting an error never allocates.
 */
#ifndef TOCSIN_ERR_H
#define TOCSIN_ERR_H

/* Negative codes; 0 is success.  main.c maps them to sysexits codes. */
enum merr_code {
    MERR_OK = 0,
    MERR_NOMEM = -1,        /* never returned: x* allocators abort */
    MERR_IO = -2,           /* a file or socket read/write failed */
    MERR_PARSE = -3,        /* input is malformed (CSV, JSON, template) */
    MERR_DB = -4,           /* the database refused or is corrupt */
    MERR_NET = -5,          /* a network peer is unreachable or failed */
    MERR_LIMIT = -6,        /* a size or depth cap was reached */
    MERR_INVALID = -7,      /* input is well-formed but not acceptable */
    MERR_USAGE = -8,        /* bad command line */
    MERR_CONFIG = -9,       /* configuration missing or wrong */
    MERR_NOINPUT = -10,     /* an input file does not exist */
    MERR_EXISTS = -11,      /* refusing to overwrite */
    MERR_TEMPFAIL = -12,    /* try again later (deferred work remains) */
    MERR_INTERRUPTED = -13, /* stopped by a signal, resumable */
    MERR_PERM = -14,        /* not allowed (file mode, trust) */
    MERR_NOTFOUND = -15,    /* the named object does not exist */
};

#define MERR_MSG_MAX 256

struct merr {
    int code;
    char msg[MERR_MSG_MAX];
};

/*
 * Set code and message (printf-style; truncated to fit, never allocates).
 * Returns code, so callers can write "return merr_set(err, ...)".
 * err may be NULL.
 */
int merr_set(struct merr *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix the existing message with "PREFIX: " (e.g. a file name). */
void merr_prefix(struct merr *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Static name of a code, e.g. "parse error". */
const char *merr_str(int code);

#endif
