/*
 * mime_parse: the libetpan adapter for reading received messages into
 * struct mime_msg.  Parsing only (mime.c builds).  The input is untrusted:
 * every size, count and depth has a cap, and malformed MIME degrades to a
 * single text part instead of failing.  No I/O here.
 */
#include "mime_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "util.h"

/* ---- header fields ---------------------------------------------------- */

void
mime_fields_release(struct mime_fields *f)
{
    if (f == NULL) {
        return;
    }
    for (size_t i = 0; i < f->n; i++) {
        free(f->v[i].name);
        free(f->v[i].value);
    }
    free(f->v);
    f->v = NULL;
    f->n = 0;
    f->alloc = 0;
}

const char *
mime_fields_next(const struct mime_fields *f, const char *name, size_t *from)
{
    for (size_t i = from != NULL ? *from : 0; i < f->n; i++) {
        if (util_strcasecmp(f->v[i].name, name) == 0) {
            if (from != NULL) {
                *from = i + 1;
            }
            return f->v[i].value;
        }
    }
    if (from != NULL) {
        *from = f->n;
    }
    return NULL;
}

const char *
mime_fields_get(const struct mime_fields *f, const char *name)
{
    return mime_fields_next(f, name, NULL);
}

/* Unfold a raw value (RFC 5322 section 2.2.3): every line break and the
 * white space around it becomes one space; ends are trimmed. */
static char *
unfold(const char *v)
{
    size_t n = strlen(v);
    char *out;
    size_t o = 0;

    if (n > MIME_MAX_VALUE) {
        n = MIME_MAX_VALUE;
    }
    out = xmalloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        char c = v[i];

        if (c == '\r' || c == '\n') {
            while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t')) {
                o--;
            }
            while (i + 1 < n && (v[i + 1] == '\r' || v[i + 1] == '\n' ||
                                 v[i + 1] == ' ' || v[i + 1] == '\t')) {
                i++;
            }
            c = ' ';
        }
        if (c == '\t') {
            c = ' ';
        }
        if (c == '\0') {
            c = ' ';
        }
        out[o++] = c;
    }
    while (o > 0 && out[o - 1] == ' ') {
        o--;
    }
    out[o] = '\0';
    {
        size_t lead = 0;

        while (out[lead] == ' ') {
            lead++;
        }
        memmove(out, out + lead, o - lead + 1);
    }
    return out;
}

static void
fields_add(struct mime_fields *f, const char *name, const char *value)
{
    if (f->n == f->alloc) {
        f->alloc = f->alloc ? f->alloc * 2 : 16;
        f->v = xrealloc(f->v, f->alloc * sizeof(*f->v));
    }
    f->v[f->n].name = xstrdup(name);
    f->v[f->n].value = unfold(value);
    f->n++;
}

/* Index just past the end of the line that starts at i (past its LF). */
static size_t
line_end(const char *p, size_t n, size_t i)
{
    const char *lf = memchr(p + i, '\n', n - i);

    return lf != NULL ? (size_t)(lf - p) + 1 : n;
}

static bool
blank_line_at(const char *p, size_t n, size_t i)
{
    return p[i] == '\n' || (p[i] == '\r' && (i + 1 == n || p[i + 1] == '\n'));
}

void
mime_parse_fields(const char *p, size_t n, struct mime_fields *out,
                  size_t *used)
{
    size_t i = 0;

    while (i < n) {
        struct mailimf_fields *fl = NULL;
        size_t at = i;
        int r;

        if (blank_line_at(p, n, i)) {
            i = line_end(p, n, i);
            break;
        }
        /*
         * libetpan parses a run of fields and stops before the first
         * line that is not one.  It allocates the list and its strings;
         * mailimf_fields_free() frees them (we copy what we keep).
         */
        r = mailimf_optional_fields_parse(p, n, &at, &fl);
        if (r == MAILIMF_NO_ERROR && fl != NULL) {
            for (clistiter *c = clist_begin(fl->fld_list); c != NULL;
                 c = clist_next(c)) {
                struct mailimf_field *f = clist_content(c);
                struct mailimf_optional_field *of;

                if (f->fld_type != MAILIMF_FIELD_OPTIONAL_FIELD ||
                    out->n >= MIME_MAX_FIELDS) {
                    continue;
                }
                of = f->fld_data.fld_optional_field;
                fields_add(out, of->fld_name, of->fld_value);
            }
        }
        if (fl != NULL) {
            mailimf_fields_free(fl);
        }
        if (at > i) {
            i = at;
            continue;
        }
        /* Not a field (an mbox "From " line, junk): skip the line. */
        i = line_end(p, n, i);
    }
    if (used != NULL) {
        *used = i;
    }
}

int
mime_parse_date(const char *value, int64_t *out)
{
    struct mailimf_date_time *dt = NULL;
    size_t idx = 0;
    int year;
    int zone;
    int rc = MERR_INVALID;

    if (value == NULL) {
        return MERR_INVALID;
    }
    /* libetpan allocates the result; mailimf_date_time_free() frees it.
     * Text after the date (a "(UTC)" comment) is left unread. */
    if (mailimf_date_time_parse(value, strlen(value), &idx, &dt) !=
            MAILIMF_NO_ERROR ||
        dt == NULL) {
        goto out;
    }
    /* RFC 5322 4.3: two-digit years are 19xx from 50, else 20xx; three
     * digits add 1900 */
    year = dt->dt_year;
    if (year >= 0 && year < 50) {
        year += 2000;
    } else if (year >= 50 && year < 1000) {
        year += 1900;
    }
    /* the zone as written: +0130 is 130 */
    zone = dt->dt_zone;
    if (zone % 100 <= -60 || zone % 100 >= 60) {
        goto out;
    }
    rc = util_make_time(year, dt->dt_month, dt->dt_day, dt->dt_hour, dt->dt_min,
                        dt->dt_sec, zone / 100 * 60 + zone % 100, out);
out:
    if (dt != NULL) {
        mailimf_date_time_free(dt);
    }
    return rc;
}

char *
mime_parse_decode_words(const char *value)
{
    size_t idx = 0;
    char *res = NULL;
    char *copy;
    int r;

    /* libetpan allocates the result with malloc: we free() it. */
    r = mailmime_encoded_phrase_parse("iso-8859-1", value, strlen(value), &idx,
                                      "utf-8", &res);
    if (r != MAILIMF_NO_ERROR || res == NULL) {
        return xstrdup(value);
    }
    copy = xstrdup(res);
    free(res);
    return copy;
}

/* ---- MIME structure ------------------------------------------------- */

struct walk {
    struct mime_msg *m;
};

static void
lower_copy(char *dst, size_t size, const char *src)
{
    if (util_strlcpy(dst, src != NULL ? src : "", size) != 0) {
        dst[0] = '\0';
    }
    util_lower(dst);
}

static const char *
discrete_name(const struct mailmime_discrete_type *d)
{
    switch (d->dt_type) {
    case MAILMIME_DISCRETE_TYPE_TEXT:
        return "text";
    case MAILMIME_DISCRETE_TYPE_IMAGE:
        return "image";
    case MAILMIME_DISCRETE_TYPE_AUDIO:
        return "audio";
    case MAILMIME_DISCRETE_TYPE_VIDEO:
        return "video";
    case MAILMIME_DISCRETE_TYPE_APPLICATION:
        return "application";
    default:
        return d->dt_extension != NULL ? d->dt_extension : "x-unknown";
    }
}

static const char *
composite_name(const struct mailmime_composite_type *c)
{
    switch (c->ct_type) {
    case MAILMIME_COMPOSITE_TYPE_MESSAGE:
        return "message";
    case MAILMIME_COMPOSITE_TYPE_MULTIPART:
        return "multipart";
    default:
        return c->ct_token != NULL ? c->ct_token : "x-unknown";
    }
}

/* A parameter's value, lower-case, without the quotes libetpan keeps. */
static void
param_copy(char *dst, size_t size, struct mailmime_content *ct,
           const char *name)
{
    char key[32];
    char *v;
    size_t o = 0;

    dst[0] = '\0';
    /* libetpan takes a non-const name; the value is borrowed from ct. */
    if (util_strlcpy(key, name, sizeof(key)) != 0) {
        return;
    }
    v = mailmime_content_param_get(ct, key);
    if (v == NULL) {
        return;
    }
    for (size_t i = 0; v[i] != '\0' && o + 1 < size; i++) {
        if (v[i] != '"') {
            dst[o++] = v[i];
        }
    }
    dst[o] = '\0';
    util_lower(dst);
}

static void
set_type(struct mime_part *part, struct mailmime_content *ct)
{
    const char *top = "text";
    const char *sub = "plain";
    char tmp[sizeof(part->type)];

    if (ct != NULL && ct->ct_type != NULL) {
        if (ct->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE &&
            ct->ct_type->tp_data.tp_discrete_type != NULL) {
            top = discrete_name(ct->ct_type->tp_data.tp_discrete_type);
        } else if (ct->ct_type->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE &&
                   ct->ct_type->tp_data.tp_composite_type != NULL) {
            top = composite_name(ct->ct_type->tp_data.tp_composite_type);
        }
        sub = ct->ct_subtype != NULL ? ct->ct_subtype : "";
    }
    if (snprintf(tmp, sizeof(tmp), "%s/%s", top, sub) >= (int)sizeof(tmp)) {
        tmp[0] = '\0';
    }
    lower_copy(part->type, sizeof(part->type), tmp);
    if (ct == NULL) {
        return;
    }
    param_copy(part->charset, sizeof(part->charset), ct, "charset");
    param_copy(part->report_type, sizeof(part->report_type), ct, "report-type");
}

static bool
wants_body(const struct mime_part *part)
{
    return util_starts_with(part->type, "text/") ||
           util_starts_with(part->type, "message/");
}

static bool
is_utf8_charset(const char *cs)
{
    return cs[0] == '\0' || strcmp(cs, "us-ascii") == 0 ||
           strcmp(cs, "utf-8") == 0 || strcmp(cs, "utf8") == 0 ||
           strcmp(cs, "ascii") == 0;
}

/* Keep at most MIME_MAX_BODY bytes of p as the part's body. */
static void
keep_body(struct mime_part *part, const char *p, size_t n)
{
    if (n > MIME_MAX_BODY) {
        n = MIME_MAX_BODY;
        part->body_cut = true;
    }
    part->body = xmalloc(n + 1);
    memcpy(part->body, p, n);
    part->body[n] = '\0';
    part->body_len = n;
}

/* Decode a leaf's body: transfer encoding, then charset for text. */
static void
decode_body(struct mime_part *part, const struct mailmime_data *d)
{
    const char *src;
    size_t len;
    char *dec = NULL;
    size_t dec_len = 0;
    size_t idx = 0;
    char *conv = NULL;
    char *padded = NULL;

    if (d == NULL || d->dt_type != MAILMIME_DATA_TEXT) {
        return;
    }
    /* The data points into our input buffer (libetpan does not copy). */
    src = d->dt_data.dt_text.dt_data;
    len = d->dt_data.dt_text.dt_length;
    if (src == NULL) {
        return;
    }
    if (d->dt_encoded &&
        d->dt_encoding == MAILMIME_MECHANISM_QUOTED_PRINTABLE) {
        /*
         * libetpan 1.9.4 reads one byte past the end of a quoted-printable
         * body that ends in "=" and one character (test_mime_parse_qp_tail):
         * hand it the body with a line break after it, so an "=" is never
         * in the last two bytes.
         */
        padded = xmalloc(len + 2);
        memcpy(padded, src, len);
        memcpy(padded + len, "\r\n", 2);
        src = padded;
        len += 2;
    }
    if (d->dt_encoded) {
        /* The result is an MMAPString: free with mmap_string_unref(). */
        if (mailmime_part_parse(src, len, &idx, d->dt_encoding, &dec,
                                &dec_len) == MAILIMF_NO_ERROR &&
            dec != NULL) {
            src = dec;
            len = dec_len;
        }
    }
    if (util_starts_with(part->type, "text/") &&
        !is_utf8_charset(part->charset)) {
        if (len > MIME_MAX_BODY) {
            len = MIME_MAX_BODY;
            part->body_cut = true;
        }
        /* charconv() mallocs the result (we free() it); on an unknown
         * charset the raw bytes stay and are sanitised by the reader. */
        if (charconv("utf-8", part->charset, src, len, &conv) ==
                MAIL_CHARCONV_NO_ERROR &&
            conv != NULL) {
            src = conv;
            len = strlen(conv);
        }
    }
    keep_body(part, src, len);
    free(padded);
    free(conv);
    if (dec != NULL) {
        mmap_string_unref(dec);
    }
}

static struct mime_part *
add_part(struct walk *w, size_t depth, bool enclosed)
{
    struct mime_msg *m = w->m;
    struct mime_part *part;

    if (m->nparts >= MIME_MAX_PARTS) {
        m->cut = true;
        return NULL;
    }
    /* Allocated once at its cap, so a part pointer stays valid while
     * its children are added. */
    if (m->parts == NULL) {
        m->parts = xcalloc(MIME_MAX_PARTS, sizeof(*m->parts));
    }
    part = &m->parts[m->nparts++];
    memset(part, 0, sizeof(*part));
    part->depth = depth;
    part->enclosed = enclosed;
    return part;
}

static void walk_mime(struct walk *w, struct mailmime *mm, size_t depth,
                      bool enclosed);

/* An embedded message: its header fields, then its body's parts. */
static void
walk_message(struct walk *w, struct mailmime *mm, struct mime_part *part,
             size_t depth)
{
    const struct mailmime_data *d = mm->mm_body;

    part->kind = MIME_PART_MESSAGE;
    if (d != NULL && d->dt_type == MAILMIME_DATA_TEXT &&
        d->dt_data.dt_text.dt_data != NULL) {
        mime_parse_fields(d->dt_data.dt_text.dt_data,
                          d->dt_data.dt_text.dt_length, &part->fields, NULL);
    }
    if (mm->mm_data.mm_message.mm_msg_mime != NULL) {
        walk_mime(w, mm->mm_data.mm_message.mm_msg_mime, depth + 1, true);
    }
}

static void
walk_mime(struct walk *w, struct mailmime *mm, size_t depth, bool enclosed)
{
    struct mime_part *part;

    if (depth > MIME_MAX_NESTING + 1) {
        w->m->cut = true;
        return;
    }
    part = add_part(w, depth, enclosed);
    if (part == NULL) {
        return;
    }
    set_type(part, mm->mm_content_type);
    switch (mm->mm_type) {
    case MAILMIME_MULTIPLE:
        part->kind = MIME_PART_MULTIPART;
        for (clistiter *c = clist_begin(mm->mm_data.mm_multipart.mm_mp_list);
             c != NULL; c = clist_next(c)) {
            walk_mime(w, clist_content(c), depth + 1, enclosed);
        }
        break;
    case MAILMIME_MESSAGE:
        part->enclosed = true;
        walk_message(w, mm, part, depth);
        break;
    default:
        part->kind = MIME_PART_SINGLE;
        if (!wants_body(part)) {
            break;
        }
        decode_body(part, mm->mm_body);
        if (strcmp(part->type, "text/rfc822-headers") == 0 ||
            strcmp(part->type, "message/rfc822") == 0) {
            /* headers only, or an rfc822 message libetpan left encoded */
            part->enclosed = true;
            if (part->body != NULL) {
                mime_parse_fields(part->body, part->body_len, &part->fields,
                                  NULL);
            }
        }
        break;
    }
}

static bool
has_prefix_ci(const char *p, size_t n, const char *s)
{
    size_t k = strlen(s);

    if (n < k) {
        return false;
    }
    for (size_t i = 0; i < k; i++) {
        if ((p[i] | 0x20) != s[i]) {
            return false;
        }
    }
    return true;
}

/*
 * An upper bound on the nesting libetpan would recurse into: every level
 * needs a "multipart" or "message" content type.  libetpan has no depth
 * limit of its own, so deeper input is not handed to it.
 */
static size_t
count_composites(const char *p, size_t n)
{
    size_t count = 0;

    for (size_t i = 0; i + 7 <= n; i++) {
        size_t len;
        size_t j;

        if ((p[i] | 0x20) != 'm') {
            continue;
        }
        if (has_prefix_ci(p + i, n - i, "multipart")) {
            len = 9;
        } else if (has_prefix_ci(p + i, n - i, "message")) {
            len = 7;
        } else {
            continue;
        }
        j = i + len;
        while (j < n &&
               (p[j] == ' ' || p[j] == '\t' || p[j] == '\r' || p[j] == '\n')) {
            j++;
        }
        /* a comment may sit between the type and its slash */
        if (j < n && (p[j] == '/' || p[j] == '(')) {
            count++;
        }
    }
    return count;
}

/* What cannot be parsed as MIME: the body after the headers as text. */
static void
add_fallback(struct walk *w, const char *p, size_t n, size_t hdr_end)
{
    struct mime_part *part = add_part(w, 0, false);

    if (part == NULL) {
        return;
    }
    part->kind = MIME_PART_SINGLE;
    lower_copy(part->type, sizeof(part->type), "text/plain");
    keep_body(part, p + hdr_end, n - hdr_end);
}

int
mime_parse_message(const char *p, size_t n, struct mime_msg **out,
                   struct merr *err)
{
    struct mime_msg *m = NULL;
    struct mailmime *mm = NULL;
    struct walk w;
    size_t hdr_end = 0;
    size_t idx = 0;
    int rc = 0;

    *out = NULL;
    if (n > MIME_MAX_INPUT) {
        rc = merr_set(err, MERR_LIMIT, "message of %zu bytes over the %d cap",
                      n, MIME_MAX_INPUT);
        goto out;
    }
    /* A Maildir or mbox export may start with the mbox "From " line. */
    if (n >= 5 && memcmp(p, "From ", 5) == 0) {
        size_t e = line_end(p, n, 0);

        p += e;
        n -= e;
    }
    m = xcalloc(1, sizeof(*m));
    w.m = m;
    mime_parse_fields(p, n, &m->headers, &hdr_end);
    if (count_composites(p, n) > MIME_MAX_NESTING) {
        m->cut = true;
    } else if (mailmime_parse(p, n, &idx, &mm) != MAILIMF_NO_ERROR) {
        /* nothing was allocated: mailmime_parse frees on failure */
        mm = NULL;
        m->cut = true;
    } else if (mm->mm_type == MAILMIME_MESSAGE &&
               mm->mm_data.mm_message.mm_msg_mime != NULL) {
        walk_mime(&w, mm->mm_data.mm_message.mm_msg_mime, 0, false);
    }
    if (m->nparts == 0) {
        add_fallback(&w, p, n, hdr_end);
    }
    *out = m;
    m = NULL;

out:
    /* mailmime_free() frees the whole tree; bodies pointed into p. */
    if (mm != NULL) {
        mailmime_free(mm);
    }
    mime_msg_free(m);
    return rc;
}

void
mime_msg_free(struct mime_msg *m)
{
    if (m == NULL) {
        return;
    }
    mime_fields_release(&m->headers);
    for (size_t i = 0; i < m->nparts; i++) {
        mime_fields_release(&m->parts[i].fields);
        free(m->parts[i].body);
    }
    free(m->parts);
    free(m);
}
