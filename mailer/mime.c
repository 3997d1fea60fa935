/*
 * mime: building messages.  libetpan writes the MIME structure headers of
 * each language once (mime_lang_new) and parses built messages for
 * mime_check; per recipient, mime_build only adds the headers that vary
 * and the encoded parts (encoders in mime_enc.c, see there why they are
 * ours).  No I/O here.
 */
#include "mime.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libetpan/libetpan.h>

#include "config.h"
#include "util.h"

/* Lines we fold headers to (RFC 5322 section 2.1.1 "SHOULD"). */
#define HDR_WIDTH 78

struct mime_lang {
    char *lang;
    char *head; /* fixed headers, through the first part's header */
    char *mid;  /* end of part 1, the second part's header */
    char *tail; /* the closing delimiter */
    size_t head_len;
    size_t mid_len;
    size_t tail_len;
    char *unsub_pre;  /* "List-Unsubscribe: <BASE/u/" */
    char *verp_local; /* ">, <mailto:bounces+" */
    char *verp_tail;  /* "@DOMAIN?subject=unsubscribe>" */
    enum mime_encoding enc_text;
    enum mime_encoding enc_html;
};

/* An address that may go into a header as it is. */
static bool
addr_ok(const char *a)
{
    const char *at = strrchr(a, '@');

    if (a[0] == '\0' || at == NULL || at == a || at[1] == '\0' ||
        strlen(a) > 254) {
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)a; *p != '\0'; p++) {
        if (*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>' || *p == '"' ||
            *p == '(' || *p == ')' || *p == ',' || *p == ';' || *p == '\\') {
            return false;
        }
    }
    return true;
}

/* A domain for bounces+TOKEN@DOMAIN and Message-IDs. */
static bool
domain_ok(const char *d)
{
    size_t n = strlen(d);

    return n > 0 && n < 254 &&
           strspn(d, "abcdefghijklmnopqrstuvwxyz"
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789.-") == n;
}

/* "Name <addr>" or "<addr>" after "Field: " (col is the column). */
static int
add_mailbox(struct buf *b, size_t col, const char *name, const char *addr)
{
    int rc = 0;

    if (name != NULL && name[0] != '\0') {
        rc = mime_header_append(b, &col, name, strlen(name), true);
        if (rc == 0 && col + 3 + strlen(addr) > HDR_WIDTH) {
            rc = buf_add(b, "\r\n", 2);
            col = 0;
        }
        if (rc == 0) {
            rc = buf_addc(b, ' ');
        }
    }
    if (rc == 0) {
        rc = buf_addf(b, "<%s>\r\n", addr);
    }
    return rc;
}

/* A libetpan Content-Type with one parameter, written with CRLF. */
static int
etpan_content(MMAPString *s, const char *type, const char *pname,
              const char *pvalue)
{
    struct mailmime_content *ct = NULL;
    struct mailmime_parameter *p = NULL;
    int col = 0;
    int rc = MERR_INVALID;

    /* mailmime_content_new_with_str copies type; the tree owns p once it
     * is appended; mailmime_content_free frees both */
    ct = mailmime_content_new_with_str(type);
    if (ct == NULL) {
        goto out;
    }
    p = mailmime_param_new_with_data((char *)(uintptr_t)pname,
                                     (char *)(uintptr_t)pvalue);
    if (p == NULL || clist_append(ct->ct_parameters, p) != 0) {
        mailmime_parameter_free(p);
        goto out;
    }
    if (mailmime_content_write_mem(s, &col, ct) != MAILIMF_NO_ERROR) {
        goto out;
    }
    /* libetpan folds as "; CRLF SP": drop the space before the CRLF */
    for (size_t i = 1; i + 1 < s->len; i++) {
        if (s->str[i] == '\r' && s->str[i - 1] == ' ') {
            mmap_string_erase(s, i - 1, 1);
        }
    }
    rc = 0;
out:
    if (ct != NULL) {
        mailmime_content_free(ct);
    }
    return rc;
}

/* The header of one part: Content-Type and Content-Transfer-Encoding. */
static int
etpan_part_head(MMAPString *s, const char *type, enum mime_encoding enc)
{
    struct mailmime_fields *f = NULL;
    int col = 0;
    int rc;

    rc = etpan_content(s, type, "charset", "utf-8");
    if (rc != 0) {
        return rc;
    }
    /* mailmime_fields_new_encoding allocates; freed below */
    f = mailmime_fields_new_encoding(enc == MIME_BASE64
                                         ? MAILMIME_MECHANISM_BASE64
                                         : MAILMIME_MECHANISM_QUOTED_PRINTABLE);
    if (f == NULL) {
        return MERR_INVALID;
    }
    if (mailmime_fields_write_mem(s, &col, f) != MAILIMF_NO_ERROR) {
        rc = MERR_INVALID;
    }
    mailmime_fields_free(f);
    return rc;
}

/* Which encoding of text p[0..n) is smaller. */
static enum mime_encoding
smaller(const char *p, size_t n)
{
    struct buf a;
    struct buf b;
    enum mime_encoding e = MIME_QP;

    buf_init(&a, TOCSIN_MAX_MESSAGE);
    buf_init(&b, TOCSIN_MAX_MESSAGE);
    if (mime_qp_append(&a, p, n) == 0 && mime_base64_append(&b, p, n) == 0 &&
        b.len < a.len) {
        e = MIME_BASE64;
    }
    buf_release(&a);
    buf_release(&b);
    return e;
}

static int
build_fixed(struct mime_lang *ml, const struct mime_identity *id,
            struct merr *err)
{
    char *rname = NULL;
    char *raddr = NULL;
    unsigned char rnd[12];
    char boundary[48];
    MMAPString *s = NULL;
    struct buf b;
    size_t col;
    int rc = 0;

    buf_init(&b, TOCSIN_MAX_FIELD);
    /* the boundary: "=_" cannot occur in quoted-printable or base64
     * output (RFC 2045 section 6.7 note 4), so it never collides */
    util_random(rnd, sizeof(rnd));
    memcpy(boundary, "=_tocsin_", 9);
    for (size_t i = 0; i < sizeof(rnd); i++) {
        boundary[9 + 2 * i] = "0123456789abcdef"[rnd[i] >> 4];
        boundary[10 + 2 * i] = "0123456789abcdef"[rnd[i] & 15];
    }
    boundary[9 + 2 * sizeof(rnd)] = '\0';

    rc = buf_adds(&b, "From: ");
    if (rc == 0) {
        rc = add_mailbox(&b, 6, id->from_name, id->from_addr);
    }
    if (rc == 0 && id->reply_to != NULL && id->reply_to[0] != '\0') {
        if (config_split_from(id->reply_to, &rname, &raddr) != 0 ||
            !addr_ok(raddr)) {
            rc = merr_set(err, MERR_INVALID, "reply-to \"%s\": not an address",
                          id->reply_to);
            goto out;
        }
        rc = buf_adds(&b, "Reply-To: ");
        if (rc == 0) {
            rc = add_mailbox(&b, 10, rname, raddr);
        }
    }
    if (rc == 0) {
        rc = buf_addf(&b, "MIME-Version: 1.0\r\nContent-Language: %s\r\n",
                      ml->lang);
    }
    if (rc == 0) {
        rc = buf_adds(&b, "List-Id: ");
        col = 9;
        if (rc == 0 && id->list_name != NULL && id->list_name[0] != '\0') {
            rc = mime_header_append(&b, &col, id->list_name,
                                    strlen(id->list_name), true);
            if (rc == 0) {
                rc = buf_addc(&b, ' ');
            }
        }
    }
    if (rc == 0) {
        rc = buf_addf(&b,
                      "<%s>\r\n"
                      "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
                      id->list_id);
    }
    if (rc != 0) {
        rc = merr_set(err, rc, "mime: sender headers too long");
        goto out;
    }
    /* MIME structure, written by libetpan once per language */
    s = mmap_string_new("");
    if (s == NULL) {
        rc = merr_set(err, MERR_NOMEM, "mime: out of memory");
        goto out;
    }
    if (etpan_content(s, "multipart/alternative", "boundary", boundary) != 0 ||
        mmap_string_append(s, "\r\n--") == NULL ||
        mmap_string_append(s, boundary) == NULL ||
        mmap_string_append(s, "\r\n") == NULL ||
        etpan_part_head(s, "text/plain", ml->enc_text) != 0 ||
        mmap_string_append(s, "\r\n") == NULL) {
        rc = merr_set(err, MERR_INVALID, "mime: cannot write the structure");
        goto out;
    }
    rc = buf_add(&b, s->str, s->len);
    if (rc != 0) {
        goto out;
    }
    ml->head_len = b.len;
    ml->head = buf_take(&b);
    mmap_string_truncate(s, 0);
    if (mmap_string_append(s, "\r\n--") == NULL ||
        mmap_string_append(s, boundary) == NULL ||
        mmap_string_append(s, "\r\n") == NULL ||
        etpan_part_head(s, "text/html", ml->enc_html) != 0 ||
        mmap_string_append(s, "\r\n") == NULL) {
        rc = merr_set(err, MERR_INVALID, "mime: cannot write the structure");
        goto out;
    }
    ml->mid = xmemdup(s->str, s->len + 1);
    ml->mid_len = s->len;
    rc = buf_addf(&b, "\r\n--%s--\r\n", boundary);
    if (rc != 0) {
        goto out;
    }
    ml->tail_len = b.len;
    ml->tail = buf_take(&b);
out:
    if (s != NULL) {
        mmap_string_free(s);
    }
    free(rname);
    free(raddr);
    buf_release(&b);
    return rc;
}

int
mime_lang_new(const struct mime_identity *id, const char *lang,
              const struct render_out *sample, struct mime_lang **out,
              struct merr *err)
{
    struct mime_lang *ml = NULL;
    struct buf b;
    int rc = 0;

    *out = NULL;
    buf_init(&b, TOCSIN_MAX_FIELD);
    if (!addr_ok(id->from_addr)) {
        return merr_set(err, MERR_INVALID, "from \"%s\": not an address",
                        id->from_addr);
    }
    if (!domain_ok(id->bounce_domain)) {
        return merr_set(err, MERR_INVALID, "bounce_domain \"%s\": not a domain",
                        id->bounce_domain);
    }
    if (id->list_id[0] == '\0' || strpbrk(id->list_id, " \t\r\n<>") != NULL) {
        return merr_set(err, MERR_INVALID, "list_id \"%s\": not a list id",
                        id->list_id);
    }
    if (strpbrk(id->base_url, " \t\r\n<>\"") != NULL ||
        strpbrk(lang, " \t\r\n") != NULL) {
        return merr_set(err, MERR_INVALID, "base_url \"%s\": not a URL",
                        id->base_url);
    }
    ml = xcalloc(1, sizeof(*ml));
    ml->lang = xstrdup(lang);
    ml->enc_text = smaller(sample->text.data != NULL ? sample->text.data : "",
                           sample->text.len);
    ml->enc_html = smaller(sample->html.data != NULL ? sample->html.data : "",
                           sample->html.len);
    rc = build_fixed(ml, id, err);
    if (rc != 0) {
        goto out;
    }
    rc = buf_addf(&b, "List-Unsubscribe: <%s/u/", id->base_url);
    if (rc == 0) {
        ml->unsub_pre = buf_take(&b);
        rc = buf_addf(&b, "@%s?subject=unsubscribe>\r\n", id->bounce_domain);
    }
    if (rc == 0) {
        ml->verp_tail = buf_take(&b);
        ml->verp_local = xstrdup(">,\r\n <mailto:bounces+");
    }
    if (rc != 0) {
        rc = merr_set(err, rc, "mime: base_url too long");
        goto out;
    }
    *out = ml;
    ml = NULL;
out:
    mime_lang_free(ml);
    buf_release(&b);
    return rc;
}

void
mime_lang_free(struct mime_lang *ml)
{
    if (ml == NULL) {
        return;
    }
    free(ml->lang);
    free(ml->head);
    free(ml->mid);
    free(ml->tail);
    free(ml->unsub_pre);
    free(ml->verp_local);
    free(ml->verp_tail);
    free(ml);
}

enum mime_encoding
mime_lang_encoding(const struct mime_lang *ml, bool html)
{
    return html ? ml->enc_html : ml->enc_text;
}

void
mime_date(int64_t t, char *out, size_t size)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
                                       "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
                                         "May", "Jun", "Jul", "Aug",
                                         "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    (void)snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d +0000",
                   days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
                   tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Per-thread cache of the Date line: the same for a whole second. */
static _Thread_local int64_t date_cached = -1;
static _Thread_local char date_line[64];

int
mime_build(const struct mime_lang *ml, const struct mime_recipient *r,
           const struct render_out *ro, int64_t date, struct buf *out,
           struct merr *err)
{
    size_t col = 0;
    int rc;

    if (!addr_ok(r->email)) {
        return merr_set(err, MERR_INVALID, "\"%s\": not an address", r->email);
    }
    if (strspn(r->token, "abcdefghijklmnopqrstuvwxyz234567") !=
            strlen(r->token) ||
        r->token[0] == '\0' || strpbrk(r->message_id, " \t\r\n") != NULL) {
        return merr_set(err, MERR_INVALID, "%s: bad token or message id",
                        r->email);
    }
    if (date != date_cached) {
        char d[48];

        mime_date(date, d, sizeof(d));
        (void)snprintf(date_line, sizeof(date_line), "Date: %s\r\n", d);
        date_cached = date;
    }
    buf_reset(out);
    /* one allocation up front for the usual case */
    rc = buf_grow(out, ml->head_len + ml->mid_len + ml->tail_len +
                           ro->text.len * 11 / 10 + ro->html.len * 11 / 10 +
                           1024);
    if (rc == 0) {
        rc = buf_adds(out, date_line);
    }
    if (rc == 0) {
        rc = buf_adds(out, "Message-ID: ");
    }
    if (rc == 0) {
        rc = buf_adds(out, r->message_id);
    }
    if (rc == 0) {
        rc = buf_adds(out, "\r\nTo: ");
    }
    if (rc == 0) {
        rc = add_mailbox(out, 4, r->name, r->email);
    }
    if (rc == 0) {
        rc = buf_add(out, "Subject: ", 9);
        col = 9;
    }
    if (rc == 0 && r->subject_prefix != NULL) {
        rc = buf_adds(out, r->subject_prefix);
        col += strlen(r->subject_prefix);
    }
    if (rc == 0) {
        rc = mime_header_append(out, &col, buf_str(&ro->subject),
                                ro->subject.len, false);
    }
    if (rc == 0) {
        rc = buf_add(out, "\r\n", 2);
    }
    /* List-Unsubscribe: the https link and the mailto (RFC 2369) */
    if (rc == 0) {
        rc = buf_adds(out, ml->unsub_pre);
    }
    if (rc == 0) {
        rc = buf_adds(out, r->token);
    }
    if (rc == 0) {
        rc = buf_adds(out, ml->verp_local);
    }
    if (rc == 0) {
        rc = buf_adds(out, r->token);
    }
    if (rc == 0) {
        rc = buf_adds(out, ml->verp_tail);
    }
    if (rc == 0) {
        rc = buf_add(out, ml->head, ml->head_len);
    }
    if (rc == 0) {
        rc = ml->enc_text == MIME_BASE64
                 ? mime_base64_append(out, buf_str(&ro->text), ro->text.len)
                 : mime_qp_append(out, buf_str(&ro->text), ro->text.len);
    }
    if (rc == 0) {
        rc = buf_add(out, ml->mid, ml->mid_len);
    }
    if (rc == 0) {
        rc = ml->enc_html == MIME_BASE64
                 ? mime_base64_append(out, buf_str(&ro->html), ro->html.len)
                 : mime_qp_append(out, buf_str(&ro->html), ro->html.len);
    }
    if (rc == 0) {
        rc = buf_add(out, ml->tail, ml->tail_len);
    }
    if (rc != 0) {
        return merr_set(err, rc, "%s: message over %zu bytes", r->email,
                        out->max);
    }
    return 0;
}

int
mime_message_id(const struct token_keys *k, int64_t seq, int64_t subid,
                const char *domain, char *out, size_t size)
{
    unsigned char mac[32];
    char msg[64];
    char hex[17];
    int n;

    n = snprintf(msg, sizeof(msg), "message-id:%" PRId64 ":%" PRId64, seq,
                 subid);
    token_hmac(k->link, sizeof(k->link), msg, (size_t)n, mac);
    for (size_t i = 0; i < 8; i++) {
        hex[2 * i] = "0123456789abcdef"[mac[i] >> 4];
        hex[2 * i + 1] = "0123456789abcdef"[mac[i] & 15];
    }
    hex[16] = '\0';
    n = snprintf(out, size, "<tocsin.%" PRId64 ".%" PRId64 ".%s@%s>", seq,
                 subid, hex, domain);
    if (n < 0 || (size_t)n >= size) {
        return MERR_LIMIT;
    }
    return 0;
}

/* Parse decimal digits at *p up to stop; advances *p past stop. */
static int
parse_num(const char **p, const char *end, char stop, int64_t *out)
{
    char tmp[24];
    const char *q = *p;
    uint64_t v;
    size_t len;

    while (q < end && *q != stop) {
        q++;
    }
    len = (size_t)(q - *p);
    if (q == end || len == 0 || len >= sizeof(tmp)) {
        return MERR_INVALID;
    }
    memcpy(tmp, *p, len);
    tmp[len] = '\0';
    if (util_parse_uint(tmp, INT64_MAX, &v) != 0) {
        return MERR_INVALID;
    }
    *out = (int64_t)v;
    *p = q + 1;
    return 0;
}

int
mime_message_id_parse(const char *s, size_t n, int64_t *seq, int64_t *subid)
{
    const char *end = s + n;
    const char *p = s;

    if (n > 0 && s[0] == '<') {
        p++;
    }
    if ((size_t)(end - p) < 7 || memcmp(p, "tocsin.", 7) != 0) {
        return MERR_INVALID;
    }
    p += 7;
    if (parse_num(&p, end, '.', seq) != 0 ||
        parse_num(&p, end, '.', subid) != 0) {
        return MERR_INVALID;
    }
    if (end - p < 18 || strspn(p, "0123456789abcdef") < 16 || p[16] != '@') {
        return MERR_INVALID;
    }
    return 0;
}

int
mime_verp(const char *token, const char *domain, char *out, size_t size)
{
    int n = snprintf(out, size, "bounces+%s@%s", token, domain);

    if (n < 0 || (size_t)n >= size) {
        return MERR_LIMIT;
    }
    return 0;
}

/* CRLF only, no line over 998 octets (RFC 5322 section 2.1.1). */
static int
check_lines(const char *msg, size_t len, struct merr *err)
{
    size_t start = 0;
    size_t line = 1;

    for (size_t i = 0; i < len; i++) {
        if (msg[i] == '\n') {
            if (i == 0 || msg[i - 1] != '\r') {
                return merr_set(err, MERR_INVALID, "line %zu: bare LF", line);
            }
            if (i - 1 - start > 998) {
                return merr_set(err, MERR_INVALID,
                                "line %zu: %zu octets (over 998)", line,
                                i - 1 - start);
            }
            start = i + 1;
            line++;
        } else if (msg[i] == '\r' && (i + 1 == len || msg[i + 1] != '\n')) {
            return merr_set(err, MERR_INVALID, "line %zu: bare CR", line);
        } else if (msg[i] == '\0') {
            return merr_set(err, MERR_INVALID, "line %zu: NUL", line);
        }
    }
    if (len - start > 998) {
        return merr_set(err, MERR_INVALID, "line %zu: over 998 octets", line);
    }
    return 0;
}

/* true if the header block msg[0..len) has a field called name. */
static bool
has_field(const char *msg, size_t len, const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; i + n < len; i++) {
        if ((i == 0 || msg[i - 1] == '\n') && msg[i + n] == ':' &&
            strncasecmp(msg + i, name, n) == 0) {
            return true;
        }
        if (msg[i] == '\n' && i + 2 < len && msg[i + 1] == '\r') {
            break; /* end of the header block */
        }
    }
    return false;
}

/* The part's type is text/SUBTYPE with charset utf-8. */
static bool
is_text_utf8(struct mailmime *m, const char *subtype)
{
    struct mailmime_content *ct = m->mm_content_type;
    struct mailmime_type *t = ct != NULL ? ct->ct_type : NULL;
    bool charset = false;

    if (t == NULL || t->tp_type != MAILMIME_TYPE_DISCRETE_TYPE ||
        t->tp_data.tp_discrete_type->dt_type != MAILMIME_DISCRETE_TYPE_TEXT ||
        util_strcasecmp(ct->ct_subtype, subtype) != 0) {
        return false;
    }
    for (clistiter *it = clist_begin(ct->ct_parameters); it != NULL;
         it = clist_next(it)) {
        struct mailmime_parameter *p = clist_content(it);

        if (util_strcasecmp(p->pa_name, "charset") == 0 &&
            util_strcasecmp(p->pa_value, "utf-8") == 0) {
            charset = true;
        }
    }
    return charset;
}

int
mime_check(const char *msg, size_t len, struct merr *err)
{
    static const char *const optional[] = {
        "MIME-Version",     "Content-Language",      "List-Id",
        "List-Unsubscribe", "List-Unsubscribe-Post",
    };
    struct mailmime *m = NULL;
    struct mailimf_fields *f;
    struct mailmime *body;
    clistiter *it;
    size_t idx = 0;
    unsigned want = 0;
    int rc;

    rc = check_lines(msg, len, err);
    if (rc != 0) {
        return rc;
    }
    /* mailmime_parse allocates the tree; mailmime_free frees it */
    if (mailmime_parse(msg, len, &idx, &m) != MAILIMF_NO_ERROR) {
        return merr_set(err, MERR_INVALID, "libetpan cannot parse it");
    }
    if (m->mm_type != MAILMIME_MESSAGE ||
        m->mm_data.mm_message.mm_fields == NULL) {
        rc = merr_set(err, MERR_INVALID, "not a message");
        goto out;
    }
    f = m->mm_data.mm_message.mm_fields;
    for (it = clist_begin(f->fld_list); it != NULL; it = clist_next(it)) {
        struct mailimf_field *fld = clist_content(it);

        switch (fld->fld_type) {
        case MAILIMF_FIELD_ORIG_DATE:
            want |= 1;
            break;
        case MAILIMF_FIELD_FROM:
            want |= 2;
            break;
        case MAILIMF_FIELD_TO:
            want |= 4;
            break;
        case MAILIMF_FIELD_SUBJECT:
            want |= 8;
            break;
        case MAILIMF_FIELD_MESSAGE_ID:
            want |= 16;
            break;
        default:
            break;
        }
    }
    if (want != 31) {
        rc = merr_set(err, MERR_INVALID,
                      "missing one of Date, From, To, Subject, Message-ID");
        goto out;
    }
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(optional); i++) {
        if (!has_field(msg, len, optional[i])) {
            rc = merr_set(err, MERR_INVALID, "no %s header", optional[i]);
            goto out;
        }
    }
    body = m->mm_data.mm_message.mm_msg_mime;
    if (body == NULL || body->mm_type != MAILMIME_MULTIPLE ||
        util_strcasecmp(body->mm_content_type->ct_subtype, "alternative") !=
            0 ||
        clist_count(body->mm_data.mm_multipart.mm_mp_list) != 2) {
        rc = merr_set(err, MERR_INVALID,
                      "not multipart/alternative with two parts");
        goto out;
    }
    it = clist_begin(body->mm_data.mm_multipart.mm_mp_list);
    if (!is_text_utf8(clist_content(it), "plain") ||
        !is_text_utf8(clist_content(clist_next(it)), "html")) {
        rc = merr_set(err, MERR_INVALID,
                      "parts are not text/plain and text/html in utf-8");
        goto out;
    }
    rc = 0;
out:
    mailmime_free(m);
    return rc;
}
