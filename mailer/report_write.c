/*
 * report_write: an appeal's report, or the list of appeals, as text (for
 * a terminal), CSV (one row per language or appeal, RFC 4180 quoting by
 * libcsv) or JSON (jansson, keys named after the figures).  Writes into a
 * capped buffer; no file I/O.
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <csv.h>
#include <jansson.h>

#include "util.h"

/* Language columns per block of the text table (80 columns). */
#define TEXT_COLS 6

/* U+2068 FIRST STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE, UTF-8 */
#define TEXT_FSI "\xe2\x81\xa8"
#define TEXT_PDI "\xe2\x81\xa9"

static int64_t
figure(const struct report_figures *f, const struct report_field *fd)
{
    return *(const int64_t *)((const char *)f + fd->offset);
}

/* "2026-03-01 10:00:00 UTC" (without seconds: "2026-03-01 10:00"), or
 * "-" for 0 */
static void
text_time(int64_t t, bool seconds, char *out, size_t size)
{
    struct tm tm;
    time_t tt = (time_t)t;

    if (t <= 0) {
        (void)util_strlcpy(out, "-", size);
        return;
    }
    gmtime_r(&tt, &tm);
    if (strftime(out, size,
                 seconds ? "%Y-%m-%d %H:%M:%S UTC" : "%Y-%m-%d %H:%M",
                 &tm) == 0) {
        (void)util_strlcpy(out, "-", size);
    }
}

/* "13.3%", or "-" when nothing was sent */
static void
text_conversion(const struct report_figures *f, char *out, size_t size)
{
    double c;

    if (!report_conversion(f, &c)) {
        (void)util_strlcpy(out, "-", size);
        return;
    }
    (void)snprintf(out, size, "%.1f%%", c * 100.0);
}

/* x rounded to 1/scale, for JSON numbers that read well */
static double
rounded(double x, double scale)
{
    return (double)(int64_t)(x * scale + 0.5) / scale;
}

/* c is in one of the n ranges r (first, last) */
static bool
in_ranges(uint32_t c, const uint32_t (*r)[2], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (c >= r[i][0] && c <= r[i][1]) {
            return true;
        }
    }
    return false;
}

/*
 * Terminal columns of text (a domain shown in Unicode, a bounce reason),
 * and in *rtl whether it has right-to-left letters.  main() runs in the C
 * locale, where wcwidth() knows no character beyond ASCII, so the few
 * ranges that matter for domain names and mail servers' words are here:
 * combining marks take no column, East Asian wide characters two (as wcwidth()
 * says in a UTF-8 locale), everything else one.  Indic vowel signs count one:
 * an approximation, at worst a column or two off.  An invalid byte counts one.
 */
static size_t
text_width(const char *s, bool *rtl)
{
    static const uint32_t zero[][2] = {
        {0x0300, 0x036f}, {0x0483, 0x0489}, {0x0591, 0x05bd}, {0x05bf, 0x05bf},
        {0x05c1, 0x05c2}, {0x05c4, 0x05c5}, {0x05c7, 0x05c7}, {0x0610, 0x061a},
        {0x064b, 0x065f}, {0x0670, 0x0670}, {0x06d6, 0x06dc}, {0x06df, 0x06e4},
        {0x06e7, 0x06e8}, {0x06ea, 0x06ed}, {0x0e31, 0x0e31}, {0x0e34, 0x0e3a},
        {0x0e47, 0x0e4e}, {0x1ab0, 0x1aff}, {0x1dc0, 0x1dff}, {0x200b, 0x200f},
        {0x20d0, 0x20ff}, {0xfe00, 0xfe0f}, {0xfe20, 0xfe2f},
    };
    static const uint32_t wide[][2] = {
        {0x1100, 0x115f},   {0x2e80, 0x303e}, {0x3041, 0x33ff},
        {0x3400, 0x4dbf},   {0x4e00, 0x9fff}, {0xa000, 0xa4cf},
        {0xac00, 0xd7a3},   {0xf900, 0xfaff}, {0xfe30, 0xfe4f},
        {0xff00, 0xff60},   {0xffe0, 0xffe6}, {0x20000, 0x2fffd},
        {0x30000, 0x3fffd},
    };
    /* Hebrew to Arabic Extended-A, the presentation forms, and the
     * historic right-to-left scripts: strong R or AL (UAX #9) */
    static const uint32_t right[][2] = {
        {0x0590, 0x08ff},   {0xfb1d, 0xfdff},   {0xfe70, 0xfefe},
        {0x10800, 0x10fff}, {0x1e800, 0x1efff},
    };
    size_t n = strlen(s);
    size_t w = 0;

    *rtl = false;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        size_t len = util_utf8_decode(s + i, n - i, &c);

        if (len == 0) {
            c = (unsigned char)s[i]; /* an invalid byte is itself */
            len = 1;
        }
        i += len;
        if (in_ranges(c, right, TOCSIN_ARRAY_LEN(right))) {
            *rtl = true;
        }
        if (in_ranges(c, zero, TOCSIN_ARRAY_LEN(zero))) {
            continue;
        }
        w += in_ranges(c, wide, TOCSIN_ARRAY_LEN(wide)) ? 2 : 1;
    }
    return w;
}

/*
 * Text padded to cols columns (a domain, a bounce reason).  Text with
 * right-to-left letters is put between U+2068 FIRST STRONG ISOLATE and
 * U+2069 POP DIRECTIONAL ISOLATE (UAX #9 section 2.7, what <bdi> is in
 * HTML): a terminal that applies the bidi algorithm then shows it right
 * to left in its column, and keeps the line left to right, instead of
 * carrying the counts that follow into the Arabic or Hebrew run and
 * moving them to the left.  Both marks take no column.  The padding
 * counts columns, not bytes; longer text is not cut.
 */
static int
text_cell(struct buf *out, const char *s, size_t cols)
{
    bool rtl;
    size_t w = text_width(s, &rtl);
    int rc;

    rc = buf_addf(out, "%s%s%s", rtl ? TEXT_FSI : "", s, rtl ? TEXT_PDI : "");
    for (size_t i = w; i < cols && rc == 0; i++) {
        rc = buf_addc(out, ' ');
    }
    return rc;
}

/* "  DOMAIN" padded to 40 columns. */
static int
text_domain(struct buf *out, const char *display)
{
    int rc = buf_adds(out, "  ");

    return rc != 0 ? rc : text_cell(out, display, 38);
}

/* The figure table: rows are figures, columns total and languages. */
static int
text_table(const struct report *r, struct buf *out)
{
    char conv[16];
    int rc = 0;

    for (size_t first = 0; first == 0 || first < r->nlangs;
         first += TEXT_COLS) {
        size_t last = first + TEXT_COLS;

        if (last > r->nlangs) {
            last = r->nlangs;
        }
        rc = buf_addf(out, "\n%-20s %10s", "", first == 0 ? "total" : "");
        for (size_t i = first; i < last && rc == 0; i++) {
            rc = buf_addf(out, " %9s", r->langs[i].language);
        }
        rc = rc != 0 ? rc : buf_adds(out, "\n");
        for (size_t k = 0; k < report_nfields && rc == 0; k++) {
            const struct report_field *fd = &report_fields[k];

            rc = buf_addf(out, "%-20s", fd->key);
            if (rc == 0 && first == 0) {
                rc = buf_addf(out, " %10lld", (long long)figure(&r->total, fd));
            } else if (rc == 0) {
                rc = buf_addf(out, " %10s", "");
            }
            for (size_t i = first; i < last && rc == 0; i++) {
                rc = buf_addf(out, " %9lld",
                              (long long)figure(&r->langs[i].f, fd));
            }
            rc = rc != 0 ? rc : buf_adds(out, "\n");
        }
        text_conversion(&r->total, conv, sizeof(conv));
        rc = rc != 0 ? rc
                     : buf_addf(out, "%-20s %10s", "conversion",
                                first == 0 ? conv : "");
        for (size_t i = first; i < last && rc == 0; i++) {
            text_conversion(&r->langs[i].f, conv, sizeof(conv));
            rc = buf_addf(out, " %9s", conv);
        }
        rc = rc != 0 ? rc : buf_adds(out, "\n");
        if (rc != 0 || r->nlangs == 0) {
            break;
        }
    }
    return rc;
}

static int
text_lists(const struct report *r, struct buf *out)
{
    char t[40];
    int rc;

    rc = buf_addf(out, "\n%-40s %10s %10s %10s\n", "top_domains", "recipients",
                  "sent", "bounced");
    for (size_t i = 0; i < r->ndomains && rc == 0; i++) {
        const struct report_domain *d = &r->domains[i];

        rc = text_domain(out, d->display);
        rc = rc != 0 ? rc
                     : buf_addf(out, " %10lld %10lld %10lld\n",
                                (long long)d->recipients, (long long)d->sent,
                                (long long)d->bounced);
    }
    rc = rc != 0
             ? rc
             : buf_addf(out, "\n%-69s %10s\n", "top_bounce_reasons", "count");
    for (size_t i = 0; i < r->nreasons && rc == 0; i++) {
        const struct report_reason *x = &r->reasons[i];

        rc = buf_addf(out, "  %-9s %-8s ", x->kind,
                      x->status[0] != '\0' ? x->status : "-");
        rc = rc != 0 ? rc : text_cell(out, x->reason, 48);
        rc = rc != 0 ? rc : buf_addf(out, " %10lld\n", (long long)x->count);
    }
    rc = rc != 0 ? rc
                 : buf_addf(out, "\n%-40s %10s\n", "signatures_per_hour",
                            "signatures");
    for (size_t i = 0; i < r->nhours && rc == 0; i++) {
        text_time(r->hours[i].start, true, t, sizeof(t));
        rc = buf_addf(out, "  %-38s %10lld\n", t,
                      (long long)r->hours[i].signatures);
    }
    return rc;
}

static int
write_text(const struct report *r, struct buf *out)
{
    char t1[40], t2[40], dur[32];
    double rate;
    int rc;

    text_time(r->created, true, t1, sizeof(t1));
    rc = buf_addf(out, "%-20s %s\n%-20s %s\n%-20s %s\n%-20s %s\n", "appeal",
                  r->appeal, "title", r->title, "status", r->status, "created",
                  t1);
    text_time(r->first_send, true, t1, sizeof(t1));
    text_time(r->last_send, true, t2, sizeof(t2));
    report_format_duration(report_duration(r), dur, sizeof(dur));
    rc = rc != 0 ? rc
                 : buf_addf(out, "%-20s %s\n%-20s %s\n%-20s %s (%lld s)\n",
                            "first_send", t1, "last_send", t2, "duration", dur,
                            (long long)report_duration(r));
    if (rc == 0 && report_rate(r, &rate)) {
        rc = buf_addf(out, "%-20s %.2f messages per second\n", "rate", rate);
    } else if (rc == 0) {
        rc = buf_addf(out, "%-20s -\n", "rate");
    }
    rc = rc != 0 ? rc : text_table(r, out);
    return rc != 0 ? rc : text_lists(r, out);
}

/*
 * One RFC 4180 field, quoted by libcsv.  A cell starting with = + - @ or
 * a control character is a formula to a spreadsheet (CSV injection): it
 * gets a leading apostrophe, shown as text and never evaluated, as
 * "tocsin signatures" does.
 */
static int
csv_field(struct buf *out, const char *s)
{
    struct buf cell;
    size_t need;
    int rc;

    buf_init(&cell, TOCSIN_MAX_FIELD);
    if (s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL) {
        rc = buf_addc(&cell, '\'');
        rc = rc != 0 ? rc : buf_adds(&cell, s);
        if (rc != 0) {
            goto out;
        }
        s = buf_str(&cell);
    }
    need = csv_write(NULL, 0, s, strlen(s));
    rc = buf_grow(out, need);
    if (rc != 0) {
        goto out;
    }
    (void)csv_write(out->data + out->len, need, s, strlen(s));
    out->len += need;
    out->data[out->len] = '\0';
out:
    buf_release(&cell);
    return rc;
}

static int
csv_figures(struct buf *out, const struct report_figures *f)
{
    double c;
    int rc = 0;

    for (size_t k = 0; k < report_nfields && rc == 0; k++) {
        rc = buf_addf(out, ",%lld", (long long)figure(f, &report_fields[k]));
    }
    if (rc == 0 && report_conversion(f, &c)) {
        rc = buf_addf(out, ",%.4f", rounded(c, 10000));
    } else if (rc == 0) {
        rc = buf_adds(out, ",");
    }
    return rc != 0 ? rc : buf_adds(out, "\r\n");
}

static int
write_csv(const struct report *r, struct buf *out)
{
    int rc = buf_adds(out, "language");

    for (size_t k = 0; k < report_nfields && rc == 0; k++) {
        rc = buf_addf(out, ",%s", report_fields[k].key);
    }
    rc = rc != 0 ? rc : buf_adds(out, ",conversion\r\n");
    for (size_t i = 0; i < r->nlangs && rc == 0; i++) {
        rc = csv_field(out, r->langs[i].language);
        rc = rc != 0 ? rc : csv_figures(out, &r->langs[i].f);
    }
    return rc;
}

/* A JSON string of s; text that is not UTF-8 (the database should hold
 * none) has its bad bytes shown as '?' rather than being dropped. */
static json_t *
jstr(const char *s)
{
    json_t *v = json_string(s);
    char *clean = NULL;

    if (v == NULL) {
        clean = xmalloc(strlen(s) + 1);
        util_sanitize(s, strlen(s), clean, strlen(s) + 1);
        v = json_string(clean);
        free(clean);
    }
    return v;
}

/* RFC 3339 string, or JSON null for 0 */
static json_t *
json_time(int64_t t)
{
    char s[32];

    if (t <= 0) {
        return json_null();
    }
    util_format_rfc3339(t, s, sizeof(s));
    return json_string(s);
}

/* The figures and conversion as members of obj. */
static void
json_figures(json_t *obj, const struct report_figures *f)
{
    double c;

    for (size_t k = 0; k < report_nfields; k++) {
        json_object_set_new(obj, report_fields[k].key,
                            json_integer(figure(f, &report_fields[k])));
    }
    json_object_set_new(obj, "conversion",
                        report_conversion(f, &c) ? json_real(rounded(c, 1e4))
                                                 : json_null());
}

static json_t *
json_report(const struct report *r, const struct report_opts *o)
{
    json_t *root = json_object();
    json_t *arr;
    double rate;

    /* json_*_set_new steals the new reference: nothing to decref */
    json_object_set_new(root, "appeal", jstr(r->appeal));
    json_object_set_new(root, "title", jstr(r->title));
    json_object_set_new(root, "status", jstr(r->status));
    json_object_set_new(root, "created", json_time(r->created));
    json_object_set_new(root, "generated", json_time(o->generated));
    json_figures(root, &r->total);
    json_object_set_new(root, "first_send", json_time(r->first_send));
    json_object_set_new(root, "last_send", json_time(r->last_send));
    json_object_set_new(root, "duration_seconds",
                        json_integer(report_duration(r)));
    json_object_set_new(root, "rate_per_second",
                        report_rate(r, &rate) ? json_real(rounded(rate, 100))
                                              : json_null());
    arr = json_array();
    for (size_t i = 0; i < r->nlangs; i++) {
        json_t *l = json_object();

        json_object_set_new(l, "language", jstr(r->langs[i].language));
        json_figures(l, &r->langs[i].f);
        json_array_append_new(arr, l);
    }
    json_object_set_new(root, "languages", arr);
    arr = json_array();
    for (size_t i = 0; i < r->ndomains; i++) {
        const struct report_domain *d = &r->domains[i];
        json_t *x = json_object();

        json_object_set_new(x, "domain", jstr(d->domain));
        json_object_set_new(x, "domain_display", jstr(d->display));
        json_object_set_new(x, "recipients", json_integer(d->recipients));
        json_object_set_new(x, "sent", json_integer(d->sent));
        json_object_set_new(x, "bounced", json_integer(d->bounced));
        json_array_append_new(arr, x);
    }
    json_object_set_new(root, "top_domains", arr);
    arr = json_array();
    for (size_t i = 0; i < r->nreasons; i++) {
        const struct report_reason *b = &r->reasons[i];
        json_t *x = json_object();

        json_object_set_new(x, "kind", jstr(b->kind));
        json_object_set_new(x, "status", jstr(b->status));
        json_object_set_new(x, "reason", jstr(b->reason));
        json_object_set_new(x, "count", json_integer(b->count));
        json_array_append_new(arr, x);
    }
    json_object_set_new(root, "top_bounce_reasons", arr);
    arr = json_array();
    for (size_t i = 0; i < r->nhours; i++) {
        json_t *h = json_object();

        json_object_set_new(h, "hour", json_time(r->hours[i].start));
        json_object_set_new(h, "signatures",
                            json_integer(r->hours[i].signatures));
        json_array_append_new(arr, h);
    }
    json_object_set_new(root, "signatures_per_hour", arr);
    return root;
}

/* Dump root (consumed) into out with a final newline.  MERR_LIMIT,
 * MERR_INVALID when a string is not UTF-8 (jansson refuses it). */
static int
dump_json(json_t *root, struct buf *out, struct merr *err)
{
    char *s = NULL;
    int rc = 0;

    if (root == NULL) {
        return merr_set(err, MERR_INVALID,
                        "report: a value in the database is not UTF-8");
    }
    s = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
    if (s == NULL) {
        rc = merr_set(err, MERR_INVALID, "report: cannot write JSON");
        goto out;
    }
    rc = buf_adds(out, s);
    rc = rc != 0 ? rc : buf_adds(out, "\n");
    if (rc != 0) {
        merr_set(err, rc, "report: output too large");
    }
out:
    free(s); /* json_dumps allocates with malloc */
    json_decref(root);
    return rc;
}

int
report_write(const struct report *r, enum report_format fmt,
             const struct report_opts *o, struct buf *out, struct merr *err)
{
    int rc = 0;

    switch (fmt) {
    case REPORT_TEXT:
        rc = write_text(r, out);
        break;
    case REPORT_CSV:
        rc = write_csv(r, out);
        break;
    case REPORT_JSON:
        return dump_json(json_report(r, o), out, err);
    case REPORT_HTML:
        rc = report_html(r, o, out);
        break;
    }
    if (rc != 0) {
        return merr_set(err, rc, "report: output too large");
    }
    return 0;
}

static int
list_text(const struct report_list *l, struct buf *out)
{
    char t[40], conv[16];
    int rc;

    rc = buf_addf(out, "%-20s %-20s %10s %10s %8s %10s %10s\n", "appeal",
                  "created", "recipients", "sent", "bounced", "signatures",
                  "conversion");
    for (size_t i = 0; i < l->n && rc == 0; i++) {
        const struct report_list_row *x = &l->rows[i];

        text_time(x->created, false, t, sizeof(t));
        text_conversion(&x->f, conv, sizeof(conv));
        rc = buf_addf(out, "%-20s %-20s %10lld %10lld %8lld %10lld %10s\n",
                      x->appeal, t, (long long)x->f.recipients,
                      (long long)x->f.sent, (long long)x->f.bounced,
                      (long long)x->f.signatures, conv);
    }
    return rc;
}

static int
list_csv(const struct report_list *l, struct buf *out)
{
    char t[32];
    double c;
    int rc;

    rc = buf_adds(out, "appeal,title,status,created,recipients,sent,bounced,"
                       "signatures,signers_mailed,conversion\r\n");
    for (size_t i = 0; i < l->n && rc == 0; i++) {
        const struct report_list_row *x = &l->rows[i];

        util_format_rfc3339(x->created, t, sizeof(t));
        rc = csv_field(out, x->appeal);
        rc = rc != 0 ? rc : buf_adds(out, ",");
        rc = rc != 0 ? rc : csv_field(out, x->title);
        rc = rc != 0 ? rc : buf_adds(out, ",");
        rc = rc != 0 ? rc : csv_field(out, x->status);
        rc = rc != 0
                 ? rc
                 : buf_addf(out, ",%s,%lld,%lld,%lld,%lld,%lld,", t,
                            (long long)x->f.recipients, (long long)x->f.sent,
                            (long long)x->f.bounced, (long long)x->f.signatures,
                            (long long)x->f.signers_mailed);
        if (rc == 0 && report_conversion(&x->f, &c)) {
            rc = buf_addf(out, "%.4f", rounded(c, 10000));
        }
        rc = rc != 0 ? rc : buf_adds(out, "\r\n");
    }
    return rc;
}

static json_t *
list_json(const struct report_list *l, const struct report_opts *o)
{
    json_t *root = json_object();
    json_t *arr = json_array();
    double c;

    json_object_set_new(root, "generated", json_time(o->generated));
    for (size_t i = 0; i < l->n; i++) {
        const struct report_list_row *x = &l->rows[i];
        json_t *a = json_object();

        json_object_set_new(a, "appeal", jstr(x->appeal));
        json_object_set_new(a, "title", jstr(x->title));
        json_object_set_new(a, "status", jstr(x->status));
        json_object_set_new(a, "created", json_time(x->created));
        json_object_set_new(a, "recipients", json_integer(x->f.recipients));
        json_object_set_new(a, "sent", json_integer(x->f.sent));
        json_object_set_new(a, "bounced", json_integer(x->f.bounced));
        json_object_set_new(a, "signatures", json_integer(x->f.signatures));
        json_object_set_new(a, "signers_mailed",
                            json_integer(x->f.signers_mailed));
        json_object_set_new(a, "conversion",
                            report_conversion(&x->f, &c)
                                ? json_real(rounded(c, 1e4))
                                : json_null());
        json_array_append_new(arr, a);
    }
    json_object_set_new(root, "appeals", arr);
    return root;
}

int
report_list_write(const struct report_list *l, enum report_format fmt,
                  const struct report_opts *o, struct buf *out,
                  struct merr *err)
{
    int rc = 0;

    switch (fmt) {
    case REPORT_TEXT:
        rc = list_text(l, out);
        break;
    case REPORT_CSV:
        rc = list_csv(l, out);
        break;
    case REPORT_JSON:
        return dump_json(list_json(l, o), out, err);
    case REPORT_HTML:
        rc = report_list_html(l, o, out);
        break;
    }
    if (rc != 0) {
        return merr_set(err, rc, "report: output too large");
    }
    return 0;
}
