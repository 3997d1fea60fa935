/*
 * report: the figures of "tocsin report" (deliveries, bounces, signatures,
 * conversion, per language, domains, bounce reasons, signatures per hour,
 * send times) assembled from store_report's grouped rows, and written as
 * text, CSV, JSON or HTML into a buffer.  No SQL and no file I/O here; the
 * HTML page is built in report_html.c.
 */
#ifndef TOCSIN_REPORT_H
#define TOCSIN_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "store.h"

/* How many domains and bounce reasons a report lists. */
#define REPORT_TOP 10

enum report_format {
    REPORT_TEXT,
    REPORT_CSV,
    REPORT_JSON,
    REPORT_HTML,
};

/*
 * Counts for an appeal or one of its languages.  The delivery states add
 * up to recipients; "sent" counts the deliveries handed over to the relay
 * (so it includes "bounced", which comes from sent); bounced_hard,
 * bounced_soft and complaints count deliveries with such a bounce report;
 * unsubscribed counts recipients who are now unsubscribed.
 */
struct report_figures {
    int64_t recipients;
    int64_t queued;
    int64_t sending;
    int64_t sent;
    int64_t deferred;
    int64_t failed;
    int64_t uncertain;
    int64_t expired;
    int64_t bounced;
    int64_t bounced_hard;
    int64_t bounced_soft;
    int64_t complaints;
    int64_t unsubscribed;
    int64_t signatures;
    int64_t signatures_link;
    int64_t signatures_webhook;
    int64_t unique_signers;
    int64_t signers_mailed; /* signers who had been sent the appeal */
};

/* One column of the figures: its JSON/CSV key and a plain-words label. */
struct report_field {
    const char *key;
    const char *label;
    size_t offset; /* of the int64_t in struct report_figures */
};

/* The figure columns in report order (recipients ... signers_mailed). */
extern const struct report_field report_fields[];
extern const size_t report_nfields;

struct report_lang {
    char *language; /* BCP 47 tag; "und" when the delivery had none */
    struct report_figures f;
};

struct report_domain {
    char *domain;  /* as stored: lower-case ASCII, A-labels ("xn--...") */
    char *display; /* for people: U-labels, or domain when that does not
                      convert (address_domain_display) */
    int64_t recipients;
    int64_t sent;
    int64_t bounced;
};

struct report_reason {
    char *kind;   /* hard, soft, complaint, unknown */
    char *status; /* RFC 3463 code, may be "" */
    char *reason; /* addresses replaced by "<address>" */
    int64_t count;
};

struct report_hour {
    int64_t start; /* Unix time of the hour's start */
    int64_t signatures;
};

struct report {
    char *appeal; /* the appeal's id */
    char *title;
    char *status;
    int64_t created;
    struct report_figures total;
    struct report_lang *langs; /* by recipients, most first */
    size_t nlangs;
    struct report_domain *domains; /* at most REPORT_TOP */
    size_t ndomains;
    struct report_reason *reasons; /* at most REPORT_TOP, most first */
    size_t nreasons;
    struct report_hour *hours; /* hours with signatures, in order */
    size_t nhours;
    int64_t first_send; /* first and last sent_at, 0 when none */
    int64_t last_send;
};

struct report_list_row {
    char *appeal;
    char *title;
    char *status;
    int64_t created;
    struct report_figures f; /* recipients, sent, bounced, signatures and
                                signers_mailed only */
};

struct report_list {
    struct report_list_row *rows; /* oldest first */
    size_t n;
};

/* What the writers add around the figures (borrowed). */
struct report_opts {
    const char *org_name; /* HTML header; NULL or "" for none */
    int64_t generated;    /* when the report was made (Unix time) */
};

/*
 * Fill *out with the report of the appeal whose id (or seq) is appeal.
 * Release with report_release() (also after a failure).  MERR_NOTFOUND
 * when there is no such appeal, MERR_DB.
 */
int report_load(struct store *st, const char *appeal, struct report *out,
                struct merr *err);
void report_release(struct report *r);

/* Fill *out with one row per appeal.  report_list_release().  MERR_DB. */
int report_list_load(struct store *st, struct report_list *out,
                     struct merr *err);
void report_list_release(struct report_list *l);

/* "text", "csv", "json", "html".  MERR_USAGE for anything else. */
int report_format_parse(const char *name, enum report_format *out);

/*
 * Conversion: signers_mailed / sent.  false (and *out 0) when nothing
 * was sent.
 */
bool report_conversion(const struct report_figures *f, double *out);

/* last_send - first_send in seconds (0 when nothing was sent). */
int64_t report_duration(const struct report *r);

/* Messages sent per second over the send's duration; false when the
 * duration is 0 (nothing, or everything in the same second). */
bool report_rate(const struct report *r, double *out);

/*
 * Copy a bounce reason for a report, every address ("x@y", "<x@y>")
 * replaced by "<address>" so reports name no one and equal reasons
 * group.  Cut (with no error) at size - 1 bytes.
 */
void report_redact(const char *in, char *out, size_t size);

/*
 * Append the report, or the list, to out in the format fmt.  MERR_LIMIT
 * when out's cap is reached.
 */
int report_write(const struct report *r, enum report_format fmt,
                 const struct report_opts *o, struct buf *out,
                 struct merr *err);
int report_list_write(const struct report_list *l, enum report_format fmt,
                      const struct report_opts *o, struct buf *out,
                      struct merr *err);

/* report_html.c: the self-contained HTML page (report_write uses them). */
int report_html(const struct report *r, const struct report_opts *o,
                struct buf *out);
int report_list_html(const struct report_list *l, const struct report_opts *o,
                     struct buf *out);

/* Number with thousands separators ("1,234,567") into out (>= 28 bytes). */
void report_group_digits(int64_t n, char *out, size_t size);

/* "2 h 05 min", "45 s", "3 d 04 h" into out (>= 32 bytes). */
void report_format_duration(int64_t secs, char *out, size_t size);

#endif
