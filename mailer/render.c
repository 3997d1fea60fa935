/*
 * render: an appeal's template set compiled once per language (one
 * recipient's message is rendered from it by render_emit.c; the text
 * part's wrapping is render_text.c).  The only file that includes cmark.
 * Reads the template files in render_set_new and does no I/O after that.
 *
 * How recipients stay cheap: per language, the templates are filled once
 * with the language's context in which every recipient value is a
 * marker (render_int.h); cmark and the layout run once on that, and the
 * result is cut at the markers.  Per recipient only the values are
 * inserted: raw in the text part, escaped in HTML, control characters
 * removed in the subject.  Sections on recipient values
 * ({{#subscriber.name}}) get one prepared variant per combination of
 * empty and non-empty values.  Values from the case and the subscriber
 * are always literal text: Markdown-escaped before cmark, HTML-escaped
 * in the layout, inserted escaped after it.
 */
#include "render.h"

#include <stdlib.h>
#include <string.h>

#include <cmark.h>

#include "render_int.h"
#include "template.h"
#include "util.h"

enum esc { ESC_NONE, ESC_MD, ESC_HTML };

/* ---- escaping -------------------------------------------------------- */

static int
esc_identity(struct buf *out, const char *s, size_t n, void *arg)
{
    (void)arg;
    return buf_add(out, s, n);
}

/*
 * Literal text as Markdown: every ASCII punctuation character
 * backslash-escaped (CommonMark 2.4 allows it for all of them), so no
 * emphasis, link, HTML, entity or block marker can start; spaces at the
 * start of a line dropped so that none becomes a code block.
 */
static int
render_md_escape(struct buf *out, const char *s, size_t n)
{
    bool line_start = false;
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (line_start && (c == ' ' || c == '\t')) {
            continue;
        }
        line_start = c == '\n';
        if (c == '\r') {
            continue;
        }
        if ((c >= '!' && c <= '/') || (c >= ':' && c <= '@') ||
            (c >= '[' && c <= '`') || (c >= '{' && c <= '~')) {
            rc = buf_addc(out, '\\');
        }
        if (rc == 0) {
            rc = buf_addc(out, (char)c);
        }
    }
    return rc;
}

/* Copy s without U+E000, the lead of our markers (render_int.h): a value
 * must never be taken for a recipient value. */
static int
strip_markers(struct buf *out, const char *s)
{
    const char *p = s;
    const char *hit;
    int rc = 0;

    for (hit = strstr(p, "\xEE\x80\x80"); rc == 0 && hit != NULL;
         hit = strstr(p, "\xEE\x80\x80")) {
        rc = buf_add(out, p, (size_t)(hit - p));
        p = hit + 3;
    }
    return rc == 0 ? buf_adds(out, p) : rc;
}

static json_t *
esc_string(const char *s, int esc)
{
    struct buf raw, b;
    json_t *j;

    buf_init(&raw, TOCSIN_MAX_RENDER);
    buf_init(&b, TOCSIN_MAX_RENDER);
    (void)strip_markers(&raw, s);
    if (esc == ESC_NONE) {
        j = json_string(buf_str(&raw));
    } else {
        if (esc == ESC_MD) {
            (void)render_md_escape(&b, buf_str(&raw), raw.len);
        } else {
            (void)buf_add_html(&b, buf_str(&raw), raw.len);
        }
        j = json_string(buf_str(&b));
    }
    buf_release(&raw);
    buf_release(&b);
    return j;
}

/* The subject or preheader for the layout: HTML-escaped, its markers
 * kept. */
static json_t *
html_string(const struct buf *u)
{
    struct buf b;
    json_t *j;

    buf_init(&b, TOCSIN_MAX_RENDER);
    (void)buf_add_html(&b, buf_str(u), u->len);
    j = json_string(buf_str(&b));
    buf_release(&b);
    return j;
}

/* A deep copy of v with every string escaped. */
static json_t *
esc_copy(json_t *v, int esc)
{
    json_t *o;
    const char *key;
    json_t *item;
    size_t i;

    if (json_is_string(v)) {
        return esc_string(json_string_value(v), esc);
    }
    if (json_is_object(v)) {
        o = json_object();
        json_object_foreach(v, key, item)
        {
            json_object_set_new(o, key, esc_copy(item, esc));
        }
        return o;
    }
    if (json_is_array(v)) {
        o = json_array();
        json_array_foreach(v, i, item)
        {
            json_array_append_new(o, esc_copy(item, esc));
        }
        return o;
    }
    return json_deep_copy(v);
}

static void
marker(char out[8], int dyn)
{
    memcpy(out, RENDER_MARK_LEAD, 5);
    out[5] = (char)(0x80 + dyn);
    out[6] = '\0';
}

static json_t *
marker_json(int dyn, bool url)
{
    char m[8];
    char s[sizeof(RENDER_URL_PREFIX) + 8];

    marker(m, dyn);
    (void)snprintf(s, sizeof(s), "%s%s", url ? RENDER_URL_PREFIX : "", m);
    return json_string(s);
}

/* ---- the context of one language ------------------------------------- */

/* case: shared fields, then the default language's, then lang's. */
static json_t *
case_context(const struct appeal *a, const char *lang, int esc)
{
    json_t *c = json_object();
    const char *key;
    json_t *v;
    json_t *def = appeal_case_lang(a, a->default_language);
    json_t *own = appeal_case_lang(a, lang);

    json_object_foreach(a->case_data, key, v)
    {
        if (!appeal_case_is_language_key(a, key, v)) {
            json_object_set_new(c, key, esc_copy(v, esc));
        }
    }
    json_object_foreach(def, key, v)
    {
        json_object_set_new(c, key, esc_copy(v, esc));
    }
    if (own != def) {
        json_object_foreach(own, key, v)
        {
            json_object_set_new(c, key, esc_copy(v, esc));
        }
    }
    return c;
}

static json_t *
make_context(const struct render_set *rs, const struct appeal *a,
             const struct config *cfg, const char *lang, unsigned mask, int esc)
{
    json_t *ctx = json_object();
    json_t *o;

    o = json_object();
    json_object_set_new(o, "id", esc_string(a->id, esc));
    json_object_set_new(ctx, "appeal", o);
    json_object_set_new(ctx, "lang", esc_string(lang, esc));
    json_object_set_new(ctx, "dir",
                        json_string(appeal_is_rtl(lang) ? "rtl" : "ltr"));
    json_object_set_new(ctx, "case", case_context(a, lang, esc));
    o = json_object();
    json_object_set_new(o, "title",
                        esc_string(appeal_petition_title(a, lang), esc));
    json_object_set_new(o, "text",
                        esc_string(appeal_petition_text(a, lang), esc));
    json_object_set_new(o, "target",
                        esc_string(appeal_petition_target(a, lang), esc));
    json_object_set_new(ctx, "petition", o);
    o = json_object();
    json_object_set_new(o, "name", esc_string(cfg->org_name, esc));
    json_object_set_new(o, "address", esc_string(cfg->org_address, esc));
    /* a URL: Markdown escapes would break <{{organisation.website}}> */
    json_object_set_new(
        o, "website",
        esc_string(cfg->org_website, esc == ESC_HTML ? ESC_HTML : ESC_NONE));
    json_object_set_new(ctx, "organisation", o);
    o = json_object();
    json_object_set_new(
        o, "name", (mask & 1) ? marker_json(DYN_NAME, false) : json_string(""));
    json_object_set_new(o, "email", marker_json(DYN_EMAIL, false));
    for (size_t i = 0; i < rs->nattrs; i++) {
        json_object_set_new(o, rs->attrs[i],
                            (mask & (2u << i))
                                ? marker_json(DYN_ATTR0 + (int)i, false)
                                : json_string(""));
    }
    json_object_set_new(ctx, "subscriber", o);
    json_object_set_new(ctx, "sign_url", marker_json(DYN_SIGN, true));
    json_object_set_new(ctx, "unsubscribe_url", marker_json(DYN_UNSUB, true));
    return ctx;
}

/* ---- loading and compiling ------------------------------------------- */

struct loader_arg {
    struct render_set *rs;
};

/* Partials come from the template's own folder only. */
static int
load_partial(void *arg, const char *name, struct buf *out, struct merr *err)
{
    struct loader_arg *la = arg;
    char *path = NULL;
    size_t before = out->len;
    int rc;

    if (!template_partial_name_ok(name)) {
        return merr_set(err, MERR_PARSE,
                        "%s: partial \"%s\" refused: it must be a file in "
                        "the template's folder",
                        la->rs->dir, name);
    }
    path = xmalloc(strlen(la->rs->dir) + strlen(name) + 2);
    (void)snprintf(path, strlen(la->rs->dir) + strlen(name) + 2, "%s/%s",
                   la->rs->dir, name);
    rc = util_read_file(path, TOCSIN_MAX_TEMPLATE, out, err);
    if (rc == 0 &&
        !util_utf8_valid(out->data + before, out->len - before, NULL)) {
        rc = merr_set(err, MERR_PARSE, "%s: not UTF-8", path);
    }
    if (rc == MERR_NOINPUT) {
        /* an appeal must not lose a paragraph silently */
        rc = merr_set(err, MERR_NOINPUT, "%s: no such partial", path);
    }
    if (rc == 0) {
        rc = buf_add(&la->rs->sources, out->data + before, out->len - before);
    }
    free(path);
    return rc;
}

/* Compile src as if it began on line `line` of its file, so that errors
 * name the right line. */
static int
compile_at(struct render_set *rs, const char *src, size_t len, size_t line,
           const char *name, struct template **out, struct merr *err)
{
    struct loader_arg la = {rs};
    struct template_loader loader = {load_partial, &la};
    struct template_opts opts = {&loader, true};
    struct buf b;
    int rc = 0;

    buf_init(&b, TOCSIN_MAX_TEMPLATE + 65536);
    for (size_t i = 1; rc == 0 && i < line; i++) {
        rc = buf_addc(&b, '\n');
    }
    if (rc == 0) {
        rc = buf_add(&b, src, len);
    }
    if (rc == 0) {
        rc = template_compile(buf_str(&b), b.len, name, &opts, out, err);
    } else {
        rc = merr_set(err, MERR_LIMIT, "%s: too large", name);
    }
    buf_release(&b);
    return rc;
}

static int
read_source(const char *path, struct buf *out, struct merr *err)
{
    size_t bad = 0;
    int rc;

    rc = util_read_file(path, TOCSIN_MAX_TEMPLATE, out, err);
    if (rc == 0 && !util_utf8_valid(out->data, out->len, &bad)) {
        rc = merr_set(err, MERR_PARSE, "%s: not UTF-8 (byte %zu)", path, bad);
    }
    return rc;
}

struct header {
    const char *p;
    size_t len;
    size_t line;
};

static void
trim(const char **p, size_t *n)
{
    while (*n > 0 && (**p == ' ' || **p == '\t')) {
        (*p)++;
        (*n)--;
    }
    while (*n > 0 && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t')) {
        (*n)--;
    }
}

/* "subject: ...", optional "preheader: ...", a blank line, the body. */
static int
parse_headers(const char *path, const char *src, size_t len,
              struct header *subject, struct header *pre, struct header *body,
              struct merr *err)
{
    size_t i = 0;
    size_t line = 1;

    memset(subject, 0, sizeof(*subject));
    memset(pre, 0, sizeof(*pre));
    memset(body, 0, sizeof(*body));
    if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) {
        i = 3;
    }
    for (;; line++) {
        const char *nl = memchr(src + i, '\n', len - i);
        size_t end = nl != NULL ? (size_t)(nl - src) : len;
        const char *l = src + i;
        size_t n = end - i;
        const char *colon;
        const char *v;
        size_t kn, vn;

        if (nl == NULL) {
            return merr_set(err, MERR_PARSE,
                            "%s:%zu: no blank line after the headers "
                            "(subject:, preheader:)",
                            path, line);
        }
        if (n > 0 && l[n - 1] == '\r') {
            n--;
        }
        i = end + 1;
        if (n == 0) {
            break;
        }
        colon = memchr(l, ':', n);
        if (colon == NULL) {
            return merr_set(err, MERR_PARSE,
                            "%s:%zu: expected a header such as \"subject: "
                            "...\", then a blank line",
                            path, line);
        }
        kn = (size_t)(colon - l);
        v = colon + 1;
        vn = n - kn - 1;
        trim(&l, &kn);
        trim(&v, &vn);
        if (kn == 7 && memcmp(l, "subject", 7) == 0) {
            *subject = (struct header){v, vn, line};
        } else if (kn == 9 && memcmp(l, "preheader", 9) == 0) {
            *pre = (struct header){v, vn, line};
        } else {
            return merr_set(err, MERR_PARSE,
                            "%s:%zu: unknown header \"%.*s\" (subject, "
                            "preheader)",
                            path, line, (int)kn, l);
        }
    }
    if (subject->p == NULL) {
        return merr_set(err, MERR_PARSE, "%s:1: no \"subject:\" header", path);
    }
    *body = (struct header){src + i, len - i, line + 1};
    return 0;
}

static int
lang_compile(struct render_set *rs, struct render_lang *rl, struct merr *err)
{
    struct header subject, pre, body;
    struct buf src;
    size_t n = strlen(rs->dir) + strlen(rl->tag) + 5;
    int rc;

    buf_init(&src, TOCSIN_MAX_TEMPLATE);
    rl->path = xmalloc(n);
    (void)snprintf(rl->path, n, "%s/%s.md", rs->dir, rl->tag);
    rc = read_source(rl->path, &src, err);
    if (rc == 0) {
        rc = buf_add(&rs->sources, src.data, src.len);
    }
    if (rc == 0) {
        rc = parse_headers(rl->path, buf_str(&src), src.len, &subject, &pre,
                           &body, err);
    }
    if (rc == 0) {
        rc = compile_at(rs, subject.p, subject.len, subject.line, rl->path,
                        &rl->subject, err);
    }
    if (rc == 0 && pre.p != NULL) {
        rc = compile_at(rs, pre.p, pre.len, pre.line, rl->path, &rl->preheader,
                        err);
    }
    if (rc == 0) {
        rc = compile_at(rs, body.p, body.len, body.line, rl->path, &rl->body,
                        err);
    }
    buf_release(&src);
    return rc;
}

/* Attributes the templates use: "subscriber.X" other than name, email. */
static int
scan_attrs(struct render_set *rs, struct merr *err)
{
    static const char needle[] = "subscriber.";
    const char *s = buf_str(&rs->sources);
    const char *p;

    for (p = strstr(s, needle); p != NULL; p = strstr(p, needle)) {
        const char *id = p + sizeof(needle) - 1;
        size_t n = strspn(id, "abcdefghijklmnopqrstuvwxyz"
                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
        bool seen = (n == 4 && memcmp(id, "name", 4) == 0) ||
                    (n == 5 && memcmp(id, "email", 5) == 0) || n == 0;

        for (size_t i = 0; !seen && i < rs->nattrs; i++) {
            seen =
                strlen(rs->attrs[i]) == n && memcmp(rs->attrs[i], id, n) == 0;
        }
        if (!seen) {
            if (rs->nattrs == RENDER_MAX_ATTRS) {
                return merr_set(err, MERR_LIMIT,
                                "%s: the templates use more than %d "
                                "subscriber attributes",
                                rs->dir, RENDER_MAX_ATTRS);
            }
            rs->attrs[rs->nattrs++] = xstrndup(id, n);
        }
        p = id + n;
    }
    return 0;
}

/* ---- variants ---------------------------------------------------------- */

static int
fill(const struct template *t, const json_t *ctx, struct buf *out,
     struct merr *err)
{
    const json_t *stack[1] = {ctx};

    buf_reset(out);
    return template_render(t, stack, 1, esc_identity, NULL, out, err);
}

/* A header line: control characters out, blanks trimmed. */
static void
one_line(const struct buf *in, struct buf *out)
{
    const char *p;
    size_t n;

    buf_reset(out);
    (void)render_plain_copy(out, buf_str(in), in->len);
    if (out->len == 0) {
        return;
    }
    p = out->data;
    n = out->len;
    trim(&p, &n);
    memmove(out->data, p, n);
    buf_truncate(out, n);
}

/* The body inside the layout: the layout's output with the body marker
 * replaced by cmark's HTML. */
static int
place_body(const struct render_lang *rl, const char *layout_path,
           const struct buf *page, const char *body, struct buf *out,
           struct merr *err)
{
    char m[8];
    const char *at;
    int rc;

    marker(m, DYN_BODY);
    at = strstr(buf_str(page), m);
    if (at == NULL) {
        return merr_set(err, MERR_PARSE,
                        "%s: the layout must contain {{{body}}} (for %s)",
                        layout_path, rl->tag);
    }
    buf_reset(out);
    rc = buf_add(out, page->data, (size_t)(at - page->data));
    if (rc == 0) {
        rc = buf_adds(out, body);
    }
    if (rc == 0) {
        rc = buf_adds(out, at + strlen(m));
    }
    return rc != 0
               ? merr_set(err, MERR_LIMIT, "%s: message too large", rl->path)
               : 0;
}

static int
variant_build(const struct render_set *rs, const struct appeal *a,
              const struct config *cfg, const struct render_lang *rl,
              unsigned mask, struct render_variant *v, struct merr *err)
{
    json_t *raw = make_context(rs, a, cfg, rl->tag, mask, ESC_NONE);
    json_t *md = make_context(rs, a, cfg, rl->tag, mask, ESC_MD);
    json_t *html = make_context(rs, a, cfg, rl->tag, mask, ESC_HTML);
    cmark_mem *mem = cmark_get_default_mem_allocator();
    char *body = NULL;
    struct buf t, u;
    const char *p;
    size_t n;
    int rc;

    buf_init(&t, TOCSIN_MAX_RENDER);
    buf_init(&u, TOCSIN_MAX_RENDER);
    rc = fill(rl->subject, raw, &t, err);
    if (rc == 0) {
        one_line(&t, &u);
        render_segstr_cut(buf_str(&u), u.len, false, &v->subject);
        json_object_set_new(html, "subject", html_string(&u));
        buf_reset(&u);
        if (rl->preheader != NULL) {
            rc = fill(rl->preheader, raw, &t, err);
            one_line(&t, &u);
        }
    }
    if (rc == 0) {
        render_segstr_cut(buf_str(&u), u.len, false, &v->preheader);
        json_object_set_new(html, "preheader", html_string(&u));
        rc = fill(rl->body, raw, &t, err);
    }
    if (rc == 0) {
        /* the text part: no blank lines around it, one final newline */
        p = buf_str(&t);
        n = t.len;
        while (n > 0 && (*p == '\n' || *p == '\r')) {
            p++;
            n--;
        }
        while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r' ||
                         p[n - 1] == ' ' || p[n - 1] == '\t')) {
            n--;
        }
        rc = render_text_split(p, n, &v->text);
        if (rc != 0) {
            rc = merr_set(err, rc, "%s: text part too large", rl->path);
        }
    }
    if (rc == 0) {
        rc = fill(rl->body, md, &t, err);
    }
    if (rc == 0) {
        /* cmark 0.30 is safe by default (raw HTML and javascript: links
         * dropped); CMARK_OPT_SAFE says so for older versions */
        body = cmark_markdown_to_html(buf_str(&t), t.len, CMARK_OPT_SAFE);
        json_object_set_new(html, "body", marker_json(DYN_BODY, false));
        rc = fill(rs->layout, html, &t, err);
    }
    if (rc == 0) {
        rc = place_body(rl, rs->layout_path, &t, body, &u, err);
    }
    if (rc == 0) {
        render_segstr_cut(buf_str(&u), u.len, true, &v->html);
    }
    if (body != NULL) {
        mem->free(body);
    }
    buf_release(&t);
    buf_release(&u);
    json_decref(raw);
    json_decref(md);
    json_decref(html);
    return rc;
}

static void
variant_release(struct render_variant *v)
{
    render_segstr_release(&v->subject);
    render_segstr_release(&v->preheader);
    render_segstr_release(&v->html);
    render_pieces_release(&v->text);
}

/* ---- the set ------------------------------------------------------------ */

static int
set_new(const struct appeal *a, const struct config *cfg,
        const char *const *langs, size_t nlangs, struct render_set **out,
        struct merr *err)
{
    struct render_set *rs = xcalloc(1, sizeof(*rs));
    struct buf src;
    size_t n;
    int rc;

    *out = NULL;
    buf_init(&src, TOCSIN_MAX_TEMPLATE);
    buf_init(&rs->sources, 16 * TOCSIN_MAX_TEMPLATE);
    n = strlen(cfg->templates_dir) + strlen(a->template_name) + 2;
    rs->dir = xmalloc(n);
    (void)snprintf(rs->dir, n, "%s/%s", cfg->templates_dir, a->template_name);
    n = strlen(rs->dir) + sizeof("/layout.html");
    rs->layout_path = xmalloc(n);
    (void)snprintf(rs->layout_path, n, "%s/layout.html", rs->dir);
    rs->langs = xcalloc(nlangs, sizeof(*rs->langs));
    rs->nlangs = nlangs;
    for (size_t i = 0; i < nlangs; i++) {
        rs->langs[i].tag = xstrdup(langs[i]);
    }
    rc = read_source(rs->layout_path, &src, err);
    if (rc == 0) {
        rc = buf_add(&rs->sources, src.data, src.len);
    }
    if (rc == 0) {
        rc = compile_at(rs, src.data, src.len, 1, rs->layout_path, &rs->layout,
                        err);
    }
    for (size_t i = 0; rc == 0 && i < nlangs; i++) {
        rc = lang_compile(rs, &rs->langs[i], err);
    }
    if (rc == 0) {
        rc = scan_attrs(rs, err);
    }
    rs->nvariants = 1u << (1 + rs->nattrs);
    for (size_t i = 0; rc == 0 && i < nlangs; i++) {
        struct render_lang *rl = &rs->langs[i];

        rl->variants = xcalloc(rs->nvariants, sizeof(*rl->variants));
        for (unsigned m = 0; rc == 0 && m < rs->nvariants; m++) {
            rc = variant_build(rs, a, cfg, rl, m, &rl->variants[m], err);
        }
    }
    buf_release(&src);
    buf_release(&rs->sources);
    if (rc != 0) {
        render_set_free(rs);
        return rc;
    }
    *out = rs;
    return 0;
}

int
render_set_new(const struct appeal *a, const struct config *cfg,
               struct render_set **out, struct merr *err)
{
    return set_new(a, cfg, (const char *const *)a->languages, a->nlanguages,
                   out, err);
}

void
render_set_free(struct render_set *rs)
{
    if (rs == NULL) {
        return;
    }
    for (size_t i = 0; i < rs->nlangs; i++) {
        struct render_lang *rl = &rs->langs[i];

        for (size_t m = 0; rl->variants != NULL && m < rs->nvariants; m++) {
            variant_release(&rl->variants[m]);
        }
        free(rl->variants);
        template_free(rl->subject);
        template_free(rl->preheader);
        template_free(rl->body);
        free(rl->tag);
        free(rl->path);
    }
    free(rs->langs);
    for (size_t i = 0; i < rs->nattrs; i++) {
        free(rs->attrs[i]);
    }
    template_free(rs->layout);
    buf_release(&rs->sources);
    free(rs->dir);
    free(rs->layout_path);
    free(rs);
}

int
render_check_language(const struct appeal *a, const struct config *cfg,
                      const char *lang, struct render_lang_info *info,
                      struct merr *err)
{
    struct render_set *rs = NULL;
    const struct render_variant *full, *none;
    const char *langs[1] = {lang};
    int rc;

    memset(info, 0, sizeof(*info));
    rc = set_new(a, cfg, langs, 1, &rs, err);
    if (rc != 0) {
        return rc;
    }
    full = &rs->langs[0].variants[rs->nvariants - 1];
    none = &rs->langs[0].variants[0];
    for (size_t i = 0; i < full->text.n; i++) {
        info->sign_in_text |= render_segstr_has(&full->text.v[i].s, DYN_SIGN);
        info->unsub_in_text |= render_segstr_has(&full->text.v[i].s, DYN_UNSUB);
    }
    info->sign_in_html = render_segstr_has(&full->html, DYN_SIGN);
    info->unsub_in_html = render_segstr_has(&full->html, DYN_UNSUB);
    /* the subject without any recipient value */
    for (size_t i = 0; i < none->subject.nsegs; i++) {
        const struct render_seg *sg = &none->subject.segs[i];

        if (sg->dyn < 0) {
            info->subject_columns +=
                render_columns(none->subject.data + sg->off, sg->len);
        }
    }
    render_set_free(rs);
    return 0;
}
