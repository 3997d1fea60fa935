/*
 * report_html: the report as one self-contained, printable HTML page for
 * staff who are not engineers: big numbers, a delivery funnel and a chart
 * of signatures over time (inline SVG), a table per language, plain
 * words.  Inline CSS only: no script, no outside asset.  Every value from
 * the database is escaped.  No file I/O.
 */
#include "report.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lang.h"
#include "util.h"

/* At most this many bars in the chart; longer spans use wider buckets. */
#define CHART_BARS 72

/* A buffer that remembers its first failure, so the page reads as a
 * sequence of writes with one check at the end. */
struct page {
    struct buf *b;
    int rc;
};

static void
put(struct page *p, const char *s)
{
    if (p->rc == 0) {
        p->rc = buf_adds(p->b, s);
    }
}

static void __attribute__((format(printf, 2, 3)))
putf(struct page *p, const char *fmt, ...)
{
    va_list ap;

    if (p->rc != 0) {
        return;
    }
    va_start(ap, fmt);
    p->rc = buf_vaddf(p->b, fmt, ap);
    va_end(ap);
}

/* Escaped text. */
static void
esc(struct page *p, const char *s)
{
    if (p->rc == 0) {
        p->rc = buf_adds_html(p->b, s);
    }
}

/* A count with thousands separators. */
static void
num(struct page *p, int64_t n)
{
    char s[32];

    report_group_digits(n, s, sizeof(s));
    put(p, s);
}

/* "1 March 2026, 10:00 UTC" (with_time) or "1 March 2026"; English
 * month names whatever the locale, the page being lang="en". */
static void
human_time(int64_t t, bool with_time, char *out, size_t size)
{
    static const char *const months[] = {
        "January", "February", "March",     "April",   "May",      "June",
        "July",    "August",   "September", "October", "November", "December",
    };
    struct tm tm;
    time_t tt = (time_t)t;

    if (t <= 0) {
        (void)util_strlcpy(out, "not yet", size);
        return;
    }
    gmtime_r(&tt, &tm);
    if (with_time) {
        (void)snprintf(out, size, "%d %s %d, %02d:%02d UTC", tm.tm_mday,
                       months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
                       tm.tm_min);
    } else {
        (void)snprintf(out, size, "%d %s %d", tm.tm_mday, months[tm.tm_mon],
                       tm.tm_year + 1900);
    }
}

/* "13.3%", or "–" when nothing was sent */
static void
percent(struct page *p, int64_t part, int64_t whole)
{
    if (whole <= 0) {
        put(p, "&ndash;");
        return;
    }
    putf(p, "%.1f%%", 100.0 * (double)part / (double)whole);
}

/* English name of a language tag, NULL when we have none. */
static const char *
language_name(const char *tag)
{
    static const char *const names[][2] = {
        {"am", "Amharic"},    {"ar", "Arabic"},     {"az", "Azerbaijani"},
        {"bn", "Bengali"},    {"ca", "Catalan"},    {"cs", "Czech"},
        {"da", "Danish"},     {"de", "German"},     {"el", "Greek"},
        {"en", "English"},    {"es", "Spanish"},    {"fa", "Persian"},
        {"fi", "Finnish"},    {"fr", "French"},     {"ha", "Hausa"},
        {"he", "Hebrew"},     {"hi", "Hindi"},      {"hu", "Hungarian"},
        {"hy", "Armenian"},   {"id", "Indonesian"}, {"it", "Italian"},
        {"ja", "Japanese"},   {"ka", "Georgian"},   {"kk", "Kazakh"},
        {"ko", "Korean"},     {"ku", "Kurdish"},    {"ky", "Kyrgyz"},
        {"ms", "Malay"},      {"my", "Burmese"},    {"ne", "Nepali"},
        {"nl", "Dutch"},      {"no", "Norwegian"},  {"pl", "Polish"},
        {"ps", "Pashto"},     {"pt", "Portuguese"}, {"ro", "Romanian"},
        {"ru", "Russian"},    {"sk", "Slovak"},     {"so", "Somali"},
        {"sq", "Albanian"},   {"sr", "Serbian"},    {"sv", "Swedish"},
        {"sw", "Swahili"},    {"ta", "Tamil"},      {"tg", "Tajik"},
        {"th", "Thai"},       {"ti", "Tigrinya"},   {"tr", "Turkish"},
        {"uk", "Ukrainian"},  {"ur", "Urdu"},       {"uz", "Uzbek"},
        {"vi", "Vietnamese"}, {"zh", "Chinese"},
    };
    char primary[LANG_MAX];

    if (strcmp(tag, "und") == 0) {
        return "Not set";
    }
    if (lang_primary(tag, primary, sizeof(primary)) != 0) {
        return NULL;
    }
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(names); i++) {
        if (strcmp(primary, names[i][0]) == 0) {
            return names[i][1];
        }
    }
    return NULL;
}

static void
language_cell(struct page *p, const char *tag)
{
    const char *name = language_name(tag);

    if (name != NULL) {
        esc(p, name);
        put(p, " <span class=\"tag\">");
        esc(p, tag);
        put(p, "</span>");
    } else {
        esc(p, tag);
    }
}

static const char css[] =
    ":root{--ink:#1f2933;--muted:#5f6b7a;--line:#d9dee5;--soft:#f4f6f9;"
    "--blue:#2563eb;--teal:#0e7490;--green:#15803d;--slate:#475569;"
    "--red:#b91c1c}"
    "*{box-sizing:border-box}"
    "body{margin:0;background:#eef1f5;color:var(--ink);"
    "font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,"
    "'Noto Sans',Arial,sans-serif}"
    "main{max-width:1080px;margin:0 auto;padding:32px 28px 48px}"
    "header{margin-bottom:24px}"
    ".org{margin:0;color:var(--muted);font-weight:600;letter-spacing:.04em;"
    "text-transform:uppercase;font-size:13px}"
    "h1{margin:4px 0 6px;font-size:32px;line-height:1.2}"
    ".meta{margin:0;color:var(--muted)}"
    "h2{margin:0 0 14px;font-size:20px}"
    "section{background:#fff;border:1px solid var(--line);border-radius:10px;"
    "padding:22px 24px;margin:0 0 20px;break-inside:avoid}"
    ".cards{display:grid;grid-template-columns:repeat(5,1fr);gap:14px;"
    "background:none;border:0;padding:0}"
    ".card{background:#fff;border:1px solid var(--line);border-radius:10px;"
    "padding:16px 18px;border-top:5px solid var(--c,var(--slate))}"
    ".card b{display:block;font-size:36px;line-height:1.1;"
    "font-variant-numeric:tabular-nums}"
    ".card span{color:var(--muted);font-size:14px}"
    ".note{color:var(--muted);font-size:14px;margin:10px 0 0}"
    "svg{display:block;width:100%;height:auto}"
    "svg text{font-family:inherit;fill:var(--ink)}"
    "table{width:100%;border-collapse:collapse;font-size:15px}"
    "th,td{padding:7px 10px;border-bottom:1px solid var(--line);"
    "text-align:right;font-variant-numeric:tabular-nums}"
    "th:first-child,td:first-child{text-align:left}"
    "thead th{font-size:13px;color:var(--muted);font-weight:600;"
    "vertical-align:bottom}"
    "tfoot td{font-weight:700;border-top:2px solid var(--ink);"
    "border-bottom:0}"
    "td.zero{color:#a0a9b4}"
    ".tag{color:var(--muted);font-size:13px}"
    ".grid2{display:grid;grid-template-columns:1fr 1fr;gap:0 20px;"
    "align-items:start}"
    ".reason{text-align:left;word-break:break-word}"
    "footer{color:var(--muted);font-size:13px;text-align:center;"
    "margin-top:8px}"
    "@media (max-width:800px){.cards{grid-template-columns:repeat(2,1fr)}"
    ".grid2{grid-template-columns:1fr}}"
    "@page{size:A4;margin:14mm}"
    ".wide{overflow-x:auto}"
    /* on paper (A4, about 700 CSS pixels wide): everything on the page
     * width, two columns kept, smaller type */
    "@media print{body{background:#fff;font-size:11px;"
    "-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "main{max-width:none;padding:0}"
    "section,.card{border-color:#bbb}"
    "section{padding:12px 14px;margin-bottom:10px}"
    "h1{font-size:22px}h2{font-size:15px;margin-bottom:8px}"
    ".cards{grid-template-columns:repeat(5,1fr);gap:8px}"
    ".card{padding:8px 10px}.card b{font-size:20px}.card span{font-size:10px}"
    ".grid2{grid-template-columns:1fr 1fr;gap:0 10px}"
    "table{font-size:10px}th,td{padding:3px 5px}thead th{font-size:9px}"
    ".note,.tag,footer{font-size:10px}.wide{overflow:visible}}";

static void
page_head(struct page *p, const char *title, const char *appeal,
          const struct report_opts *o)
{
    put(p, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
           "<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, "
           "initial-scale=1\">\n<title>");
    esc(p, title);
    if (appeal != NULL) {
        put(p, " (");
        esc(p, appeal);
        put(p, ")");
    }
    putf(p, "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n<header>\n",
         css);
    if (o->org_name != NULL && o->org_name[0] != '\0') {
        put(p, "<p class=\"org\">");
        esc(p, o->org_name);
        put(p, "</p>\n");
    }
}

static void
page_foot(struct page *p, const struct report_opts *o)
{
    char t[64];

    human_time(o->generated, true, t, sizeof(t));
    putf(p,
         "<footer>Report made on %s by tocsin %s. All times are in UTC."
         "</footer>\n</main>\n</body>\n</html>\n",
         t, TOCSIN_VERSION);
}

/* A big number: card(), the number, card_end(label). */
static void
card(struct page *p, const char *color)
{
    putf(p, "<div class=\"card\" style=\"--c:var(--%s)\"><b>", color);
}

static void
card_end(struct page *p, const char *label)
{
    putf(p, "</b><span>%s</span></div>\n", label);
}

static void
cards(struct page *p, const struct report *r)
{
    const struct report_figures *f = &r->total;
    double c;

    put(p, "<section class=\"cards\">\n");
    card(p, "slate");
    num(p, f->recipients);
    card_end(p, "people the appeal went to");
    card(p, "blue");
    num(p, f->sent);
    card_end(p, "emails sent");
    card(p, "teal");
    num(p, f->sent - f->bounced);
    card_end(p, "arrived (did not bounce)");
    card(p, "green");
    num(p, f->unique_signers);
    card_end(p, "people signed the petition");
    card(p, "green");
    if (report_conversion(f, &c)) {
        putf(p, "%.1f%%", c * 100.0);
    } else {
        put(p, "&ndash;");
    }
    card_end(p, "of the people emailed signed");
    put(p, "</section>\n");
}

/* Recipients -> sent -> not bounced -> signed, as horizontal bars. */
static void
funnel(struct page *p, const struct report *r)
{
    const struct report_figures *f = &r->total;
    const struct {
        const char *label;
        const char *color;
        int64_t n;
    } steps[] = {
        {"The appeal went to", "#475569", f->recipients},
        {"Emails sent", "#2563eb", f->sent},
        {"Arrived (did not bounce)", "#0e7490", f->sent - f->bounced},
        {"Signed after receiving it", "#15803d", f->signers_mailed},
    };
    const double full = 640.0; /* bar width of the first step */
    int64_t others = f->unique_signers - f->signers_mailed;

    put(p, "<section>\n<h2>From email to signature</h2>\n"
           "<svg viewBox=\"0 0 1000 300\" role=\"img\" "
           "aria-label=\"Delivery funnel\">\n");
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(steps); i++) {
        double w = f->recipients > 0
                       ? full * (double)steps[i].n / (double)f->recipients
                       : 0;
        int y = (int)i * 74;

        if (steps[i].n > 0 && w < 3) {
            w = 3; /* a non-zero step stays visible */
        }
        putf(p, "<text x=\"0\" y=\"%d\" font-size=\"17\">%s</text>\n", y + 18,
             steps[i].label);
        putf(p,
             "<rect x=\"0\" y=\"%d\" width=\"%.1f\" height=\"34\" rx=\"5\" "
             "fill=\"%s\"/>\n",
             y + 28, w, steps[i].color);
        putf(p,
             "<text x=\"%.1f\" y=\"%d\" font-size=\"22\" "
             "font-weight=\"700\">",
             w + 14, y + 53);
        num(p, steps[i].n);
        put(p, "<tspan font-size=\"15\" font-weight=\"400\" fill=\"#5f6b7a\""
               "> &#160;");
        percent(p, steps[i].n, f->recipients);
        put(p, "</tspan></text>\n");
    }
    put(p, "</svg>\n<p class=\"note\">Percentages are of the people the "
           "appeal went to.");
    if (others > 0) {
        put(p, " Another ");
        num(p, others);
        put(p, others == 1 ? " person" : " people");
        put(p, " signed without receiving this email (for example through "
               "a shared link or the petition platform).");
    }
    put(p, "</p>\n</section>\n");
}

/* A round step for the chart's value axis: 1, 2, 5, 10, 20, 50, ... */
static int64_t
axis_step(int64_t max)
{
    int64_t step = 1;

    while (max / step > 5) {
        if (max / (step * 2) <= 5) {
            return step * 2;
        }
        if (max / (step * 5) <= 5) {
            return step * 5;
        }
        step *= 10;
    }
    return step;
}

/* The width of a chart bar in seconds: the first of these round periods
 * that gives at most CHART_BARS bars, then doubled as long as needed.
 * All divide a day or are whole days, so bars start at round times. */
static int64_t
bar_size(int64_t from, int64_t to, int64_t *start)
{
    static const int hours[] = {1, 2, 3, 4, 6, 8, 12, 24, 48, 168};
    int64_t size = 3600;

    for (size_t i = 0;; i++) {
        size =
            i < TOCSIN_ARRAY_LEN(hours) ? (int64_t)hours[i] * 3600 : size * 2;
        *start = from / size * size;
        if ((to - *start + size - 1) / size <= CHART_BARS) {
            return size;
        }
    }
}

/* "hour", "6 hours", "day", "2 days", "week" */
static void
period_name(int64_t size, char *out, size_t len)
{
    if (size == 3600) {
        (void)util_strlcpy(out, "hour", len);
    } else if (size < 86400) {
        (void)snprintf(out, len, "%lld hours", (long long)(size / 3600));
    } else if (size == 86400) {
        (void)util_strlcpy(out, "day", len);
    } else if (size == 7 * 86400) {
        (void)util_strlcpy(out, "week", len);
    } else {
        (void)snprintf(out, len, "%lld days", (long long)(size / 86400));
    }
}

/* The time axis label of the bar starting at t.  With dates (labels a
 * day or more apart) the date, with the year under it when it changed;
 * else the hour, with the date under it when the day changed.  *last:
 * that year or day (days since the epoch), -1 at first. */
static void
time_label(struct page *p, int64_t t, bool dates, double x, int y,
           int64_t *last)
{
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static const char style[] =
        "text-anchor=\"middle\" fill=\"#5f6b7a\" font-size";
    struct tm tm;
    time_t tt = (time_t)t;

    gmtime_r(&tt, &tm);
    if (dates) {
        putf(p, "<text x=\"%.1f\" y=\"%d\" %s=\"13\">%d %s</text>\n", x, y + 18,
             style, tm.tm_mday, mon[tm.tm_mon]);
        if (tm.tm_year != *last) {
            putf(p, "<text x=\"%.1f\" y=\"%d\" %s=\"12\">%d</text>\n", x,
                 y + 35, style, tm.tm_year + 1900);
        }
        *last = tm.tm_year;
        return;
    }
    putf(p, "<text x=\"%.1f\" y=\"%d\" %s=\"13\">%02d:00</text>\n", x, y + 18,
         style, tm.tm_hour);
    if (t / 86400 != *last) {
        putf(p, "<text x=\"%.1f\" y=\"%d\" %s=\"12\">%d %s %d</text>\n", x,
             y + 35, style, tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900);
    }
    *last = t / 86400;
}

/* Signatures over time: bars per period (an hour, or longer for long
 * appeals) on the left scale, the running total as a line on its own
 * scale on the right. */
static void
chart(struct page *p, const struct report *r)
{
    enum { X0 = 56, Y0 = 20, W = 860, H = 240 };
    int64_t buckets[CHART_BARS] = {0};
    int64_t first, size, max = 0, total = 0, running = 0, last_day = -1;
    int64_t step;
    size_t n, label_every;
    char period[32];
    double bw;

    put(p, "<section>\n<h2>Signatures over time</h2>\n");
    if (r->nhours == 0) {
        put(p, "<p>No signatures yet.</p>\n</section>\n");
        return;
    }
    size = bar_size(r->hours[0].start, r->hours[r->nhours - 1].start + 3600,
                    &first);
    n = (size_t)((r->hours[r->nhours - 1].start + 3600 - first + size - 1) /
                 size);
    for (size_t i = 0; i < r->nhours; i++) {
        buckets[(r->hours[i].start - first) / size] += r->hours[i].signatures;
        total += r->hours[i].signatures;
    }
    for (size_t i = 0; i < n; i++) {
        max = buckets[i] > max ? buckets[i] : max;
    }
    step = axis_step(max);
    max = (max + step - 1) / step * step;
    bw = (double)W / (double)n;
    period_name(size, period, sizeof(period));
    putf(p,
         "<svg viewBox=\"0 0 1000 %d\" role=\"img\" "
         "aria-label=\"Signatures per %s\">\n",
         H + Y0 + 50, period);
    for (int64_t v = 0; v <= max; v += step) {
        int y = Y0 + H - (int)((double)H * (double)v / (double)max);

        putf(p,
             "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\"/>"
             "<text x=\"%d\" y=\"%d\" font-size=\"13\" text-anchor=\"end\" "
             "fill=\"#5f6b7a\">%lld</text>\n",
             X0, X0 + W, y, y, v == 0 ? "#8a94a3" : "#e3e7ed", X0 - 8, y + 4,
             (long long)v);
    }
    label_every = n <= 12 ? 1 : (n + 11) / 12;
    for (size_t i = 0; i < n; i++) {
        double h = (double)H * (double)buckets[i] / (double)max;

        putf(p,
             "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
             "fill=\"#2563eb\" rx=\"2\"><title>%lld</title></rect>\n",
             X0 + bw * (double)i + bw * 0.12, Y0 + H - h, bw * 0.76, h,
             (long long)buckets[i]);
        if (i % label_every == 0) {
            time_label(p, first + (int64_t)i * size,
                       size * (int64_t)label_every >= 86400,
                       X0 + bw * ((double)i + 0.5), Y0 + H, &last_day);
        }
    }
    putf(p,
         "<polyline fill=\"none\" stroke=\"#15803d\" stroke-width=\"3\" "
         "stroke-linejoin=\"round\" points=\"%d,%d ",
         X0, Y0 + H);
    for (size_t i = 0; i < n; i++) {
        running += buckets[i];
        putf(p, "%.1f,%.1f ", X0 + bw * ((double)i + 1),
             Y0 + H - (double)H * (double)running / (double)total);
    }
    putf(p,
         "\"/>\n<text x=\"%d\" y=\"%d\" font-size=\"13\" "
         "fill=\"#15803d\">0</text>\n<text x=\"%d\" y=\"%d\" "
         "font-size=\"13\" fill=\"#15803d\" font-weight=\"700\">",
         X0 + W + 8, Y0 + H + 4, X0 + W + 8, Y0 + 4);
    num(p, total);
    put(p, "</text>\n</svg>\n");
    putf(p,
         "<p class=\"note\"><b style=\"color:#2563eb\">Blue bars</b>: "
         "signatures per %s (scale on the left). <b style=\"color:#15803d\">"
         "Green line</b>: all signatures so far, reaching ",
         period);
    num(p, total);
    put(p, " (scale on the right).</p>\n</section>\n");
}

/* A table cell with a count; zeros are greyed. */
static void
cell(struct page *p, int64_t n)
{
    put(p, n == 0 ? "<td class=\"zero\">" : "<td>");
    num(p, n);
    put(p, "</td>");
}

static void
lang_row(struct page *p, const struct report_figures *f)
{
    cell(p, f->recipients);
    cell(p, f->sent);
    cell(p, f->bounced);
    cell(p, f->complaints);
    cell(p, f->unsubscribed);
    cell(p, f->unique_signers);
    cell(p, f->signers_mailed);
    put(p, "<td>");
    percent(p, f->signers_mailed, f->sent);
    put(p, "</td></tr>\n");
}

static void
languages(struct page *p, const struct report *r)
{
    put(p, "<section>\n<h2>By language</h2>\n<div class=\"wide\"><table>\n"
           "<thead><tr>"
           "<th>Language</th><th>Went to</th><th>Sent</th>"
           "<th>Bounced</th><th>Marked as spam</th><th>Unsubscribed</th>"
           "<th>Signed</th><th>Signed after the email</th>"
           "<th>Conversion</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < r->nlangs; i++) {
        put(p, "<tr><td>");
        language_cell(p, r->langs[i].language);
        put(p, "</td>");
        lang_row(p, &r->langs[i].f);
    }
    put(p, "</tbody>\n<tfoot><tr><td>All languages</td>");
    lang_row(p, &r->total);
    put(p, "</tfoot>\n</table></div>\n<p class=\"note\">Conversion: people who "
           "signed after receiving the email, out of the emails sent.</p>\n"
           "</section>\n");
}

/* Two-column table rows label | count for fields from..to of the figures. */
static void
field_rows(struct page *p, const struct report_figures *f, const char *from,
           const char *to)
{
    bool on = false;

    for (size_t k = 0; k < report_nfields; k++) {
        const struct report_field *fd = &report_fields[k];

        on = on || strcmp(fd->key, from) == 0;
        if (!on) {
            continue;
        }
        putf(p, "<tr><td>%s</td>", fd->label);
        cell(p, *(const int64_t *)((const char *)f + fd->offset));
        put(p, "</tr>\n");
        if (strcmp(fd->key, to) == 0) {
            break;
        }
    }
}

static void
details(struct page *p, const struct report *r)
{
    char t[64], d[32];
    double rate;

    put(p, "<div class=\"grid2\">\n<section>\n<h2>What happened to each "
           "email</h2>\n<table>\n");
    field_rows(p, &r->total, "recipients", "unsubscribed");
    put(p, "</table>\n</section>\n<div>\n<section>\n<h2>Signatures</h2>\n"
           "<table>\n");
    field_rows(p, &r->total, "signatures", "signers_mailed");
    put(p, "</table>\n</section>\n<section>\n<h2>Sending</h2>\n<table>\n");
    human_time(r->first_send, true, t, sizeof(t));
    putf(p, "<tr><td>Started</td><td>%s</td></tr>\n", t);
    human_time(r->last_send, true, t, sizeof(t));
    putf(p, "<tr><td>Finished</td><td>%s</td></tr>\n", t);
    report_format_duration(report_duration(r), d, sizeof(d));
    putf(p, "<tr><td>Took</td><td>%s</td></tr>\n", d);
    if (report_rate(r, &rate)) {
        putf(p, "<tr><td>Speed</td><td>%.1f emails per second</td></tr>\n",
             rate);
    }
    put(p, "</table>\n</section>\n</div>\n</div>\n");
}

static void
domains_and_reasons(struct page *p, const struct report *r)
{
    put(p, "<div class=\"grid2\">\n<section>\n<h2>Where the emails "
           "went</h2>\n");
    if (r->ndomains == 0) {
        put(p, "<p>No emails yet.</p>\n");
    } else {
        put(p, "<table>\n<thead><tr><th>Email provider</th><th>Went to</th>"
               "<th>Sent</th><th>Bounced</th></tr></thead>\n<tbody>\n");
    }
    for (size_t i = 0; i < r->ndomains; i++) {
        const struct report_domain *d = &r->domains[i];

        /* <bdi>: an Arabic or Hebrew domain is laid out on its own and
         * cannot reorder the row; the stored ASCII form on hover */
        put(p, "<tr><td><bdi");
        if (strcmp(d->display, d->domain) != 0) {
            put(p, " title=\"");
            esc(p, d->domain);
            put(p, "\"");
        }
        put(p, ">");
        esc(p, d->display);
        put(p, "</bdi></td>");
        cell(p, d->recipients);
        cell(p, d->sent);
        cell(p, d->bounced);
        put(p, "</tr>\n");
    }
    if (r->ndomains > 0) {
        put(p, "</tbody>\n</table>\n");
    }
    put(p, "</section>\n<section>\n<h2>Why emails bounced</h2>\n");
    if (r->nreasons == 0) {
        put(p, "<p>No bounces.</p>\n");
    } else {
        put(p, "<table>\n<thead><tr><th>Kind</th><th class=\"reason\">"
               "Reason given by the receiving server</th><th>Emails</th>"
               "</tr></thead>\n<tbody>\n");
    }
    for (size_t i = 0; i < r->nreasons; i++) {
        const struct report_reason *x = &r->reasons[i];
        const char *kind = strcmp(x->kind, "hard") == 0   ? "permanent"
                           : strcmp(x->kind, "soft") == 0 ? "temporary"
                           : strcmp(x->kind, "complaint") == 0
                               ? "spam complaint"
                               : "unclear";

        putf(p, "<tr><td>%s</td><td class=\"reason\">", kind);
        esc(p, x->reason[0] != '\0' ? x->reason : "(none given)");
        if (x->status[0] != '\0') {
            put(p, " <span class=\"tag\">");
            esc(p, x->status);
            put(p, "</span>");
        }
        put(p, "</td>");
        cell(p, x->count);
        put(p, "</tr>\n");
    }
    if (r->nreasons > 0) {
        put(p, "</tbody>\n</table>\n");
    }
    put(p, "</section>\n</div>\n");
}

int
report_html(const struct report *r, const struct report_opts *o,
            struct buf *out)
{
    struct page p = {out, 0};
    const char *title = r->title[0] != '\0' ? r->title : r->appeal;
    char t[64];

    page_head(&p, title, r->appeal, o);
    put(&p, "<h1>");
    esc(&p, title);
    put(&p, "</h1>\n<p class=\"meta\">Appeal <b>");
    esc(&p, r->appeal);
    put(&p, "</b>");
    if (r->created > 0) {
        human_time(r->created, false, t, sizeof(t));
        putf(&p, " &middot; created %s", t);
    }
    put(&p, " &middot; status: ");
    esc(&p, r->status);
    put(&p, "</p>\n</header>\n");
    cards(&p, r);
    funnel(&p, r);
    chart(&p, r);
    languages(&p, r);
    details(&p, r);
    domains_and_reasons(&p, r);
    page_foot(&p, o);
    return p.rc;
}

int
report_list_html(const struct report_list *l, const struct report_opts *o,
                 struct buf *out)
{
    struct page p = {out, 0};
    char t[64];

    page_head(&p, "Appeals", NULL, o);
    put(&p, "<h1>Appeals</h1>\n</header>\n<section>\n");
    if (l->n == 0) {
        put(&p, "<p>No appeal has been sent yet.</p>\n");
    } else {
        put(&p, "<table>\n<thead><tr><th>Appeal</th><th>Created</th>"
                "<th>Went to</th><th>Sent</th><th>Bounced</th>"
                "<th>Signatures</th><th>Conversion</th></tr></thead>\n"
                "<tbody>\n");
    }
    for (size_t i = 0; i < l->n; i++) {
        const struct report_list_row *x = &l->rows[i];

        put(&p, "<tr><td><b>");
        esc(&p, x->appeal);
        put(&p, "</b><br><span class=\"tag\">");
        esc(&p, x->title);
        human_time(x->created, false, t, sizeof(t));
        putf(&p, "</span></td><td>%s</td>", t);
        cell(&p, x->f.recipients);
        cell(&p, x->f.sent);
        cell(&p, x->f.bounced);
        cell(&p, x->f.signatures);
        put(&p, "<td>");
        percent(&p, x->f.signers_mailed, x->f.sent);
        put(&p, "</td></tr>\n");
    }
    if (l->n > 0) {
        put(&p, "</tbody>\n</table>\n");
    }
    put(&p, "</section>\n");
    page_foot(&p, o);
    return p.rc;
}
