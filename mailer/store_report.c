/*
 * store_report: aggregate queries for reports (part of the sqlite3
 * adapter).  Read-only.  deliveries is clustered on (appeal_seq,
 * subscriber_id), so every query below reads one appeal's range and
 * groups it; signatures and bounces are reached through their
 * (appeal_seq, ...) indexes.  No figure is computed here.
 */
#include "store_report.h"

#include <stddef.h>

#include <sqlite3.h>

#include "store_int.h"

/* Both definitions of store_report.h, once, for every query. */
#define SENT_STATES "('sent','bounced')"

/*
 * Step s until done, calling row_fn(s, arg) for each row; s is reset
 * afterwards on every path.  MERR_DB, or what row_fn returned.
 */
static int
each_row(struct store *st, const char *sql, const int64_t *binds, int nbinds,
         const char *what, int (*row_fn)(sqlite3_stmt *s, void *arg), void *arg,
         struct merr *err)
{
    sqlite3_stmt *s = NULL;
    int rc = store_stmt(st, sql, &s, err);
    int step;

    if (rc != 0) {
        return rc;
    }
    for (int i = 0; i < nbinds; i++) {
        sqlite3_bind_int64(s, i + 1, binds[i]);
    }
    for (;;) {
        step = sqlite3_step(s);
        if (step == SQLITE_DONE) {
            break;
        }
        if (step != SQLITE_ROW) {
            rc = store_fail(st, err, what);
            break;
        }
        rc = row_fn(s, arg);
        if (rc != 0) {
            break;
        }
    }
    sqlite3_reset(s);
    return rc;
}

/* The caller's callback and its argument, behind each_row's row_fn. */
struct relay {
    union {
        int (*appeal)(void *, const struct store_report_appeal *);
        int (*state)(void *, const struct store_report_state *);
        int (*bounce)(void *, const struct store_report_bounce *);
        int (*sig)(void *, const struct store_report_sig *);
        int (*domain)(void *, const struct store_report_domain *);
        int (*reason)(void *, const struct store_report_reason *);
        int (*hour)(void *, const struct store_report_hour *);
    } fn;
    void *arg;
};

static int
appeal_row(sqlite3_stmt *s, void *arg)
{
    const struct relay *r = arg;
    struct store_report_appeal row;

    row.seq = sqlite3_column_int64(s, 0);
    row.id = store_col_text(s, 1);
    row.title = store_col_text(s, 2);
    row.status = store_col_text(s, 3);
    row.created = sqlite3_column_int64(s, 4);
    row.recipients = sqlite3_column_int64(s, 5);
    row.sent = sqlite3_column_int64(s, 6);
    row.bounced = sqlite3_column_int64(s, 7);
    row.signatures = sqlite3_column_int64(s, 8);
    row.signers_mailed = sqlite3_column_int64(s, 9);
    return r->fn.appeal(r->arg, &row);
}

int
store_report_appeals(struct store *st,
                     int (*fn)(void *arg,
                               const struct store_report_appeal *row),
                     void *arg, struct merr *err)
{
    /* correlated counts: each one is a range of deliveries_state or of
     * the signatures (appeal_seq, person_key) index */
    static const char sql[] =
        "SELECT a.seq, a.id, a.title, a.status, a.created,"
        " (SELECT count(*) FROM deliveries d WHERE d.appeal_seq = a.seq),"
        " (SELECT count(*) FROM deliveries d WHERE d.appeal_seq = a.seq"
        "   AND d.state IN " SENT_STATES "),"
        " (SELECT count(*) FROM deliveries d WHERE d.appeal_seq = a.seq"
        "   AND d.state = 'bounced'),"
        " (SELECT count(*) FROM signatures g WHERE g.appeal_seq = a.seq),"
        " (SELECT count(*) FROM signatures g JOIN deliveries d"
        "   ON d.appeal_seq = g.appeal_seq AND d.subscriber_id ="
        "   g.subscriber_id WHERE g.appeal_seq = a.seq"
        "   AND d.state IN " SENT_STATES ")"
        " FROM appeals a ORDER BY a.created, a.seq";
    struct relay r;

    r.fn.appeal = fn;
    r.arg = arg;
    return each_row(st, sql, NULL, 0, "report appeals", appeal_row, &r, err);
}

static int
state_row(sqlite3_stmt *s, void *arg)
{
    const struct relay *r = arg;
    struct store_report_state row;

    row.language = store_col_text(s, 0);
    row.state = store_col_text(s, 1);
    row.count = sqlite3_column_int64(s, 2);
    row.unsubscribed = sqlite3_column_int64(s, 3);
    row.first_sent = sqlite3_column_int64(s, 4);
    row.last_sent = sqlite3_column_int64(s, 5);
    return r->fn.state(r->arg, &row);
}

int
store_report_states(struct store *st, int64_t seq,
                    int (*fn)(void *arg, const struct store_report_state *row),
                    void *arg, struct merr *err)
{
    /* one pass over the appeal's deliveries; the subscriber lookup is by
     * primary key */
    static const char sql[] =
        "SELECT d.language, d.state, count(*),"
        " sum(s.status = 'unsubscribed'),"
        " coalesce(min(d.sent_at), 0), coalesce(max(d.sent_at), 0)"
        " FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id"
        " WHERE d.appeal_seq = ? GROUP BY d.language, d.state";
    struct relay r;
    const int64_t binds[] = {seq};

    r.fn.state = fn;
    r.arg = arg;
    return each_row(st, sql, binds, 1, "report deliveries", state_row, &r, err);
}

static int
bounce_row(sqlite3_stmt *s, void *arg)
{
    const struct relay *r = arg;
    struct store_report_bounce row;

    row.language = store_col_text(s, 0);
    row.kind = store_col_text(s, 1);
    row.deliveries = sqlite3_column_int64(s, 2);
    return r->fn.bounce(r->arg, &row);
}

int
store_report_bounces(struct store *st, int64_t seq,
                     int (*fn)(void *arg,
                               const struct store_report_bounce *row),
                     void *arg, struct merr *err)
{
    /* a delivery bounced twice (two reports, or a soft then a hard one)
     * counts once per kind */
    static const char sql[] =
        "SELECT d.language, b.kind, count(DISTINCT b.subscriber_id)"
        " FROM bounces b JOIN deliveries d ON d.appeal_seq = b.appeal_seq"
        " AND d.subscriber_id = b.subscriber_id"
        " WHERE b.appeal_seq = ? GROUP BY d.language, b.kind";
    struct relay r;
    const int64_t binds[] = {seq};

    r.fn.bounce = fn;
    r.arg = arg;
    return each_row(st, sql, binds, 1, "report bounces", bounce_row, &r, err);
}

static int
sig_row(sqlite3_stmt *s, void *arg)
{
    const struct relay *r = arg;
    struct store_report_sig row;

    row.language = store_col_text(s, 0);
    row.source = store_col_text(s, 1);
    row.signatures = sqlite3_column_int64(s, 2);
    row.signers = sqlite3_column_int64(s, 3);
    row.signers_mailed = sqlite3_column_int64(s, 4);
    return r->fn.sig(r->arg, &row);
}

int
store_report_signatures(struct store *st, int64_t seq,
                        int (*fn)(void *arg,
                                  const struct store_report_sig *row),
                        void *arg, struct merr *err)
{
    static const char sql[] =
        "SELECT CASE WHEN d.subscriber_id IS NULL THEN g.language"
        "   ELSE d.language END AS lang, g.source, count(*),"
        " count(DISTINCT g.person_key),"
        " count(DISTINCT CASE WHEN d.state IN " SENT_STATES
        "   THEN g.person_key END)"
        " FROM signatures g LEFT JOIN deliveries d"
        " ON d.appeal_seq = g.appeal_seq AND d.subscriber_id = g.subscriber_id"
        " WHERE g.appeal_seq = ? GROUP BY lang, g.source";
    struct relay r;
    const int64_t binds[] = {seq};

    r.fn.sig = fn;
    r.arg = arg;
    return each_row(st, sql, binds, 1, "report signatures", sig_row, &r, err);
}

static int
domain_row(sqlite3_stmt *s, void *arg)
{
    const struct relay *r = arg;
    struct store_report_domain row;

    row.domain = store_col_text(s, 0);
    row.recipients = sqlite3_column_int64(s, 1);
    row.sent = sqlite3_column_int64(s, 2);
    row.bounced = sqlite3_column_int64(s, 3);
    return r->fn.domain(r->arg, &row);
}

int
store_report_domains(struct store *st, int64_t seq, int limit,
                     int (*fn)(void *arg,
                               const struct store_report_domain *row),
                     void *arg, struct merr *err)
{
    /* the address is stored with its domain lower-case ASCII (A-labels):
     * the text after the '@' groups it, no lower() or IDNA needed.  The
     * first '@' rather than the last: finding the last one in SQL took
     * twice the time on a million rows, and only a quoted local part
     * (RFC 5321 section 4.1.2) can hold an '@'. */
    static const char sql[] =
        "SELECT substr(email, instr(email, '@') + 1) AS dom, count(*),"
        " sum(state IN " SENT_STATES "), sum(state = 'bounced')"
        " FROM deliveries WHERE appeal_seq = ?"
        " GROUP BY dom ORDER BY 2 DESC, dom LIMIT ?";
    struct relay r;
    const int64_t binds[] = {seq, limit};

    r.fn.domain = fn;
    r.arg = arg;
    return each_row(st, sql, binds, 2, "report domains", domain_row, &r, err);
}

static int
reason_row(sqlite3_stmt *s, void *arg)
{
    const struct relay *r = arg;
    struct store_report_reason row;

    row.kind = store_col_text(s, 0);
    row.status = store_col_text(s, 1);
    row.reason = store_col_text(s, 2);
    row.count = sqlite3_column_int64(s, 3);
    return r->fn.reason(r->arg, &row);
}

int
store_report_reasons(struct store *st, int64_t seq,
                     int (*fn)(void *arg,
                               const struct store_report_reason *row),
                     void *arg, struct merr *err)
{
    static const char sql[] =
        "SELECT kind, status, reason, count(*) FROM bounces"
        " WHERE appeal_seq = ? AND kind <> 'autoreply'"
        " GROUP BY kind, status, reason ORDER BY 4 DESC";
    struct relay r;
    const int64_t binds[] = {seq};

    r.fn.reason = fn;
    r.arg = arg;
    return each_row(st, sql, binds, 1, "report bounce reasons", reason_row, &r,
                    err);
}

static int
hour_row(sqlite3_stmt *s, void *arg)
{
    const struct relay *r = arg;
    struct store_report_hour row;

    row.start = sqlite3_column_int64(s, 0) * 3600;
    row.signatures = sqlite3_column_int64(s, 1);
    return r->fn.hour(r->arg, &row);
}

int
store_report_hours(struct store *st, int64_t seq,
                   int (*fn)(void *arg, const struct store_report_hour *row),
                   void *arg, struct merr *err)
{
    static const char sql[] =
        "SELECT signed_at / 3600 AS h, count(*) FROM signatures"
        " WHERE appeal_seq = ? GROUP BY h ORDER BY h";
    struct relay r;
    const int64_t binds[] = {seq};

    r.fn.hour = fn;
    r.arg = arg;
    return each_row(st, sql, binds, 1, "report signatures per hour", hour_row,
                    &r, err);
}
