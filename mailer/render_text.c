/*
 * render_text: the text/plain part (filled Markdown, prose wrapped at 72
 * columns, URLs never broken) and the cutting of prepared output at the
 * recipient-value markers.  Pure text work: no cmark, no I/O.
 */
#include <stdlib.h>
#include <string.h>

#include "render_int.h"
#include "util.h"

#define PREFIX_MAX 64

static void
seg_push(struct render_segstr *ss, size_t *cap, size_t off, size_t len, int dyn,
         int mode)
{
    if (dyn < 0 && len == 0) {
        return;
    }
    if (ss->nsegs == *cap) {
        *cap = *cap == 0 ? 8 : *cap * 2;
        ss->segs = xrealloc(ss->segs, *cap * sizeof(*ss->segs));
    }
    ss->segs[ss->nsegs].off = off;
    ss->segs[ss->nsegs].len = len;
    ss->segs[ss->nsegs].dyn = dyn;
    ss->segs[ss->nsegs].mode = mode;
    ss->nsegs++;
}

/* Position of the last occurrence of needle in s[0..n), or -1 (ASCII
 * case-insensitive). */
static long
last_ci(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);

    for (size_t i = n; i >= m; i--) {
        size_t j;

        for (j = 0; j < m; j++) {
            char c = s[i - m + j];

            c = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
            if (c != needle[j]) {
                break;
            }
        }
        if (j == m) {
            return (long)(i - m);
        }
    }
    return -1;
}

/* Inside a tag (an attribute value) or in <title>, where <bdi> would be
 * text, not markup.  Attribute values never hold a raw "<" or ">":
 * cmark and the layout's Mustache escape them. */
static int
html_mode(const char *s, size_t pos)
{
    if (last_ci(s, pos, "<") > last_ci(s, pos, ">")) {
        return MODE_ATTR;
    }
    if (last_ci(s, pos, "<title") > last_ci(s, pos, "</title")) {
        return MODE_ATTR;
    }
    return MODE_HTML;
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* The marker at p (raw or percent-encoded): its index and length, or -1. */
static int
marker_at(const char *p, size_t avail, size_t *mlen)
{
    size_t lr = sizeof(RENDER_MARK_LEAD) - 1;
    size_t lp = sizeof(RENDER_MARK_LEAD_PCT) - 1;
    int hi, lo;

    if (avail > lr && memcmp(p, RENDER_MARK_LEAD, lr) == 0) {
        unsigned char b = (unsigned char)p[lr];

        if (b >= 0x80 && b < 0x80 + RENDER_MAX_MARKS) {
            *mlen = lr + 1;
            return b - 0x80;
        }
        return -1;
    }
    if (avail >= lp + 2 && memcmp(p, RENDER_MARK_LEAD_PCT, lp) == 0) {
        hi = hexval(p[lp]);
        lo = hexval(p[lp + 1]);
        if (hi >= 0 && lo >= 0 && hi * 16 + lo >= 0x80 &&
            hi * 16 + lo < 0x80 + RENDER_MAX_MARKS) {
            *mlen = lp + 2;
            return hi * 16 + lo - 0x80;
        }
    }
    return -1;
}

void
render_segstr_cut(const char *s, size_t n, bool html, struct render_segstr *out)
{
    size_t cap = 0;
    size_t lit = 0;
    size_t plen = sizeof(RENDER_URL_PREFIX) - 1;

    memset(out, 0, sizeof(*out));
    out->data = xmalloc(n + 1);
    memcpy(out->data, s, n);
    out->data[n] = '\0';
    out->len = n;
    for (size_t i = 0; i < n; i++) {
        size_t mlen = 0;
        size_t end = i;
        int dyn;

        /* both marker forms start with 0xEE or '%' */
        if (s[i] != '\xEE' && s[i] != '%') {
            continue;
        }
        dyn = marker_at(s + i, n - i, &mlen);
        if (dyn < 0) {
            continue;
        }
        if ((dyn == DYN_SIGN || dyn == DYN_UNSUB) && end - lit >= plen &&
            memcmp(s + end - plen, RENDER_URL_PREFIX, plen) == 0) {
            end -= plen;
        }
        seg_push(out, &cap, lit, end - lit, -1, 0);
        seg_push(out, &cap, 0, 0, dyn, html ? html_mode(s, i) : MODE_PLAIN);
        i += mlen - 1;
        lit = i + 1;
    }
    seg_push(out, &cap, lit, n - lit, -1, 0);
}

void
render_segstr_release(struct render_segstr *ss)
{
    if (ss == NULL) {
        return;
    }
    free(ss->data);
    free(ss->segs);
    memset(ss, 0, sizeof(*ss));
}

bool
render_segstr_has(const struct render_segstr *ss, int dyn)
{
    for (size_t i = 0; i < ss->nsegs; i++) {
        if (ss->segs[i].dyn == dyn) {
            return true;
        }
    }
    return false;
}

size_t
render_columns(const char *s, size_t n)
{
    size_t cols = 0;

    for (size_t i = 0; i < n; i++) {
        /* count every byte that is not a UTF-8 continuation byte */
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            cols++;
        }
    }
    return cols;
}

int
render_wrap(struct buf *out, const char *s, size_t n, const char *p1,
            const char *p2, size_t width)
{
    const char *prefix = p1;
    size_t col = 0;
    bool line_has_word = false;
    size_t i = 0;
    int rc = 0;

    rc = buf_adds(out, prefix);
    col = render_columns(prefix, strlen(prefix));
    while (rc == 0 && i < n) {
        size_t start;
        size_t wcols;

        while (i < n && (s[i] == ' ' || s[i] == '\t')) {
            i++;
        }
        if (i >= n) {
            break;
        }
        start = i;
        while (i < n && s[i] != ' ' && s[i] != '\t') {
            i++;
        }
        wcols = render_columns(s + start, i - start);
        if (line_has_word && col + 1 + wcols > width) {
            /* a word never breaks: a long URL gets a line of its own */
            prefix = p2;
            rc = buf_addc(out, '\n');
            if (rc == 0) {
                rc = buf_adds(out, prefix);
            }
            col = render_columns(prefix, strlen(prefix));
            line_has_word = false;
        }
        if (rc == 0 && line_has_word) {
            rc = buf_addc(out, ' ');
            col++;
        }
        if (rc == 0) {
            rc = buf_add(out, s + start, i - start);
        }
        col += wcols;
        line_has_word = true;
    }
    if (rc == 0) {
        rc = buf_addc(out, '\n');
    }
    return rc;
}

/* One line for a header or the text part: control characters (CR and
 * LF above all, RFC 5322 section 2.2) become spaces. */
int
render_plain_copy(struct buf *out, const char *s, size_t n)
{
    size_t start = 0;
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c < 0x20 || c == 0x7f) {
            rc = buf_add(out, s + start, i - start);
            if (rc == 0) {
                rc = buf_addc(out, ' ');
            }
            start = i + 1;
        }
    }
    return rc == 0 ? buf_add(out, s + start, n - start) : rc;
}

/* ---- splitting filled Markdown into pieces ---------------------------- */

struct splitter {
    struct render_pieces *out;
    size_t cap;
    struct buf verb; /* verbatim lines not yet made a piece */
    struct buf para; /* the paragraph being collected */
    bool in_para;
    bool cont; /* after a hard break: the next line keeps p2 */
    char p1[PREFIX_MAX];
    char p2[PREFIX_MAX];
    char quote[PREFIX_MAX]; /* the quote prefix of the paragraph */
    char fence;             /* '`' or '~' inside a fenced block */
    size_t fence_len;
};

static void
piece_push(struct splitter *sp, bool para, const char *s, size_t n)
{
    struct render_pieces *o = sp->out;
    struct render_piece *pc;

    if (o->n == sp->cap) {
        sp->cap = sp->cap == 0 ? 8 : sp->cap * 2;
        o->v = xrealloc(o->v, sp->cap * sizeof(*o->v));
    }
    pc = &o->v[o->n++];
    memset(pc, 0, sizeof(*pc));
    pc->para = para;
    render_segstr_cut(s, n, false, &pc->s);
    if (para) {
        pc->prefix1 = xstrdup(sp->p1);
        pc->prefix2 = xstrdup(sp->p2);
    }
}

static void
flush_verbatim(struct splitter *sp)
{
    if (sp->verb.len > 0) {
        piece_push(sp, false, sp->verb.data, sp->verb.len);
        buf_reset(&sp->verb);
    }
}

static bool
has_marker(const char *s, size_t n)
{
    size_t m = sizeof(RENDER_MARK_LEAD) - 1;

    for (size_t i = 0; i + m <= n; i++) {
        if (s[i] == '\xEE' && memcmp(s + i, RENDER_MARK_LEAD, m) == 0) {
            return true;
        }
    }
    return false;
}

/* End the paragraph: wrapped now when it holds no recipient value. */
static int
flush_para(struct splitter *sp)
{
    int rc = 0;

    if (!sp->in_para) {
        return 0;
    }
    sp->in_para = false;
    if (!has_marker(sp->para.data, sp->para.len)) {
        rc = render_wrap(&sp->verb, sp->para.data, sp->para.len, sp->p1, sp->p2,
                         RENDER_WIDTH);
    } else {
        flush_verbatim(sp);
        piece_push(sp, true, sp->para.data, sp->para.len);
    }
    buf_reset(&sp->para);
    return rc;
}

static bool
is_break_line(const char *s, size_t n)
{
    char c = n > 0 ? s[0] : 0;
    size_t count = 0;

    if (c != '-' && c != '*' && c != '_' && c != '=') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == c) {
            count++;
        } else if (s[i] != ' ' && s[i] != '\t') {
            return false;
        }
    }
    return count >= 3 || (c == '=' && count >= 1);
}

/* Lines kept as they are: headings, tables, HTML, rules, link reference
 * definitions. */
static bool
is_verbatim_line(const char *s, size_t n)
{
    if (n == 0) {
        return true;
    }
    if (s[0] == '#' || s[0] == '|' || s[0] == '<') {
        return true;
    }
    if (is_break_line(s, n)) {
        return true;
    }
    if (s[0] == '[') {
        const char *close = memchr(s, ']', n);

        return close != NULL && (size_t)(close - s) + 1 < n && close[1] == ':';
    }
    return false;
}

/* Length of a list marker and its space at s ("- ", "12. "), or 0. */
static size_t
list_marker(const char *s, size_t n)
{
    size_t i = 0;

    if (n >= 2 && (s[0] == '-' || s[0] == '*' || s[0] == '+') &&
        (s[1] == ' ' || s[1] == '\t')) {
        return 2;
    }
    while (i < n && i < 9 && s[i] >= '0' && s[i] <= '9') {
        i++;
    }
    if (i > 0 && i + 1 < n && (s[i] == '.' || s[i] == ')') &&
        (s[i + 1] == ' ' || s[i + 1] == '\t')) {
        return i + 2;
    }
    return 0;
}

static int
set_prefix(char *dst, const char *a, size_t alen, const char *b, size_t blen,
           size_t spaces)
{
    if (alen + blen + spaces >= PREFIX_MAX) {
        return MERR_LIMIT;
    }
    memcpy(dst, a, alen);
    memcpy(dst + alen, b, blen);
    memset(dst + alen + blen, ' ', spaces);
    dst[alen + blen + spaces] = '\0';
    return 0;
}

static bool
fence_line(const char *s, size_t n, char *ch, size_t *len)
{
    size_t i = 0;

    if (n < 3 || (s[0] != '`' && s[0] != '~')) {
        return false;
    }
    while (i < n && s[i] == s[0]) {
        i++;
    }
    if (i < 3) {
        return false;
    }
    *ch = s[0];
    *len = i;
    return true;
}

static int
split_line(struct splitter *sp, const char *line, size_t n)
{
    size_t ind = 0;
    const char *r;
    size_t rn, q = 0, lm;
    char fch;
    size_t flen;
    bool hard;
    int rc = 0;

    while (ind < n && line[ind] == ' ') {
        ind++;
    }
    r = line + ind;
    rn = n - ind;
    if (sp->fence != 0) {
        if (fence_line(r, rn, &fch, &flen) && fch == sp->fence &&
            flen >= sp->fence_len) {
            sp->fence = 0;
        }
        rc = buf_add(&sp->verb, line, n);
        return rc == 0 ? buf_addc(&sp->verb, '\n') : rc;
    }
    if ((ind < 4 && fence_line(r, rn, &fch, &flen)) || rn == 0 ||
        (ind >= 4 && !sp->in_para) || (ind < 4 && is_verbatim_line(r, rn))) {
        rc = flush_para(sp);
        sp->cont = false;
        if (ind < 4 && fence_line(r, rn, &fch, &flen)) {
            sp->fence = fch;
            sp->fence_len = flen;
        }
        if (rc == 0) {
            rc = buf_add(&sp->verb, line, n);
        }
        return rc == 0 ? buf_addc(&sp->verb, '\n') : rc;
    }
    /* block quote markers, then a list marker */
    while (q < rn && r[q] == '>') {
        q++;
        if (q < rn && r[q] == ' ') {
            q++;
        }
    }
    lm = list_marker(r + q, rn - q);
    hard = (n >= 2 && line[n - 1] == ' ' && line[n - 2] == ' ') ||
           (n >= 1 && line[n - 1] == '\\');
    if (lm > 0 || (q > 0 && (!sp->in_para || strncmp(sp->quote, r, q) != 0 ||
                             strlen(sp->quote) != q))) {
        rc = flush_para(sp);
        if (rc == 0) {
            rc = set_prefix(sp->p1, line, ind + q, r + q, lm, 0);
        }
        if (rc == 0) {
            rc = set_prefix(sp->p2, line, ind + q, "", 0, lm);
        }
        if (rc == 0) {
            rc = set_prefix(sp->quote, r, q, "", 0, 0);
        }
        sp->in_para = true;
    } else if (!sp->in_para && !sp->cont) {
        rc = set_prefix(sp->p1, line, ind, "", 0, 0);
        if (rc == 0) {
            rc = set_prefix(sp->p2, line, ind, "", 0, 0);
        }
        sp->quote[0] = '\0';
        sp->in_para = true;
    }
    sp->in_para = true;
    sp->cont = false;
    if (rc == 0 && sp->para.len > 0) {
        rc = buf_addc(&sp->para, ' ');
    }
    if (rc == 0) {
        rc = buf_add(&sp->para, r + q + lm, rn - q - lm);
    }
    if (rc == 0 && hard) {
        /* a hard line break ends the line here; the paragraph goes on
         * with the continuation prefix */
        rc = flush_para(sp);
        if (rc == 0) {
            memcpy(sp->p1, sp->p2, sizeof(sp->p1));
            sp->cont = true;
        }
    }
    return rc;
}

int
render_text_split(const char *md, size_t len, struct render_pieces *out)
{
    struct splitter sp;
    size_t i = 0;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    memset(&sp, 0, sizeof(sp));
    sp.out = out;
    buf_init(&sp.verb, TOCSIN_MAX_RENDER);
    buf_init(&sp.para, TOCSIN_MAX_RENDER);
    while (rc == 0 && i < len) {
        const char *nl = memchr(md + i, '\n', len - i);
        size_t end = nl != NULL ? (size_t)(nl - md) : len;
        size_t n = end - i;

        if (n > 0 && md[i + n - 1] == '\r') {
            n--;
        }
        rc = split_line(&sp, md + i, n);
        i = end + 1;
    }
    if (rc == 0) {
        rc = flush_para(&sp);
    }
    if (rc == 0) {
        flush_verbatim(&sp);
    }
    buf_release(&sp.verb);
    buf_release(&sp.para);
    if (rc != 0) {
        render_pieces_release(out);
    }
    return rc;
}

void
render_pieces_release(struct render_pieces *p)
{
    if (p == NULL) {
        return;
    }
    for (size_t i = 0; i < p->n; i++) {
        render_segstr_release(&p->v[i].s);
        free(p->v[i].prefix1);
        free(p->v[i].prefix2);
    }
    free(p->v);
    memset(p, 0, sizeof(*p));
}
