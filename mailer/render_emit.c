/*
 * render_emit: one recipient's message from a compiled render_set (see
 * render.c): the prepared segments copied, the recipient's values
 * inserted (raw in the text part, escaped and isolated in HTML, on one
 * line in the subject).  No I/O, no allocation beyond the output
 * buffers; safe to call from several threads on one set.
 */
#include "render.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "render_int.h"
#include "util.h"

void
render_out_init(struct render_out *o)
{
    buf_init(&o->subject, TOCSIN_MAX_LINE);
    buf_init(&o->preheader, TOCSIN_MAX_LINE);
    buf_init(&o->text, TOCSIN_MAX_RENDER);
    buf_init(&o->html, TOCSIN_MAX_RENDER);
    buf_init(&o->scratch, TOCSIN_MAX_RENDER);
}

void
render_out_release(struct render_out *o)
{
    if (o == NULL) {
        return;
    }
    buf_release(&o->subject);
    buf_release(&o->preheader);
    buf_release(&o->text);
    buf_release(&o->html);
    buf_release(&o->scratch);
}

/* ---- per recipient ------------------------------------------------------ */

struct values {
    const char *v[DYN_ATTR0 + RENDER_MAX_ATTRS];
    char num[RENDER_MAX_ATTRS][32];
    json_t *attrs;
};

static int
put_value(struct buf *out, const struct values *vals,
          const struct render_seg *sg)
{
    const char *s =
        sg->dyn < DYN_ATTR0 + RENDER_MAX_ATTRS ? vals->v[sg->dyn] : NULL;
    size_t n;
    int rc;

    if (s == NULL) {
        s = "";
    }
    n = strlen(s);
    switch (sg->mode) {
    case MODE_HTML:
        if (sg->dyn == DYN_NAME || sg->dyn >= DYN_ATTR0) {
            /* a name may mix directions: isolate it (HTML bdi) */
            rc = buf_add(out, "<bdi>", 5);
            if (rc == 0) {
                rc = buf_add_html(out, s, n);
            }
            return rc == 0 ? buf_add(out, "</bdi>", 6) : rc;
        }
        return buf_add_html(out, s, n);
    case MODE_ATTR:
        return buf_add_html(out, s, n);
    default:
        return render_plain_copy(out, s, n);
    }
}

static int
emit(struct buf *out, const struct render_segstr *ss, const struct values *v)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < ss->nsegs; i++) {
        const struct render_seg *sg = &ss->segs[i];

        if (sg->dyn < 0) {
            rc = buf_add(out, ss->data + sg->off, sg->len);
        } else {
            rc = put_value(out, v, sg);
        }
    }
    return rc;
}

static unsigned
values_init(const struct render_set *rs, const struct render_recipient *r,
            struct values *v)
{
    unsigned mask = 0;

    memset(v, 0, sizeof(*v));
    v->v[DYN_NAME] = r->name != NULL ? r->name : "";
    v->v[DYN_EMAIL] = r->email != NULL ? r->email : "";
    v->v[DYN_SIGN] = r->sign_url != NULL ? r->sign_url : "";
    v->v[DYN_UNSUB] = r->unsubscribe_url != NULL ? r->unsubscribe_url : "";
    mask |= v->v[DYN_NAME][0] != '\0' ? 1u : 0u;
    if (rs->nattrs > 0 && r->attrs_json != NULL) {
        v->attrs = json_loads(r->attrs_json, 0, NULL);
    }
    for (size_t i = 0; i < rs->nattrs; i++) {
        json_t *a = json_object_get(v->attrs, rs->attrs[i]);
        const char *s = "";

        if (json_is_string(a)) {
            s = json_string_value(a);
        } else if (json_is_integer(a)) {
            (void)snprintf(v->num[i], sizeof(v->num[i]),
                           "%" JSON_INTEGER_FORMAT, json_integer_value(a));
            s = v->num[i];
        } else if (json_is_real(a)) {
            (void)snprintf(v->num[i], sizeof(v->num[i]), "%g",
                           json_real_value(a));
            s = v->num[i];
        } else if (json_is_true(a)) {
            s = "true";
        }
        v->v[DYN_ATTR0 + i] = s;
        mask |= s[0] != '\0' ? (2u << i) : 0u;
    }
    return mask;
}

static int
emit_text(struct render_out *out, const struct render_pieces *pc,
          const struct values *v)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < pc->n; i++) {
        const struct render_piece *p = &pc->v[i];

        if (!p->para) {
            rc = emit(&out->text, &p->s, v);
            continue;
        }
        buf_reset(&out->scratch);
        rc = emit(&out->scratch, &p->s, v);
        if (rc == 0) {
            rc = render_wrap(&out->text, buf_str(&out->scratch),
                             out->scratch.len, p->prefix1, p->prefix2,
                             RENDER_WIDTH);
        }
    }
    return rc;
}

int
render_message(const struct render_set *rs, const char *lang,
               const struct render_recipient *r, struct render_out *out,
               struct merr *err)
{
    const struct render_lang *rl = NULL;
    const struct render_variant *var;
    struct values v;
    unsigned mask;
    int rc;

    for (size_t i = 0; i < rs->nlangs && rl == NULL; i++) {
        if (strcmp(rs->langs[i].tag, lang) == 0) {
            rl = &rs->langs[i];
        }
    }
    if (rl == NULL) {
        return merr_set(err, MERR_INVALID, "no template for language \"%s\"",
                        lang);
    }
    mask = values_init(rs, r, &v);
    var = &rl->variants[mask];
    buf_reset(&out->subject);
    buf_reset(&out->preheader);
    buf_reset(&out->text);
    buf_reset(&out->html);
    rc = emit(&out->subject, &var->subject, &v);
    if (rc == 0) {
        rc = emit(&out->preheader, &var->preheader, &v);
    }
    if (rc == 0) {
        rc = emit_text(out, &var->text, &v);
    }
    if (rc == 0) {
        rc = emit(&out->html, &var->html, &v);
    }
    json_decref(v.attrs);
    if (rc != 0) {
        return merr_set(err, MERR_LIMIT, "%s: message too large", rl->path);
    }
    return 0;
}
