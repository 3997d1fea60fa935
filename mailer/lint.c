/*
 * lint: the checks of tocsin check, one function per concern, every
 * problem collected (never only the first).  No output here: the
 * caller prints the report.
 */
#include "lint.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "address.h"
#include "render.h"
#include "store_audience.h"
#include "util.h"

void
lint_report_init(struct lint_report *r)
{
    memset(r, 0, sizeof(*r));
}

void
lint_report_release(struct lint_report *r)
{
    if (r == NULL) {
        return;
    }
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].message);
    }
    free(r->v);
    memset(r, 0, sizeof(*r));
}

void
lint_add(struct lint_report *r, int severity, const char *code, const char *fmt,
         ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->v[i].message, msg) == 0) {
            return;
        }
    }
    if (r->n == r->cap) {
        r->cap = r->cap == 0 ? 16 : r->cap * 2;
        r->v = xrealloc(r->v, r->cap * sizeof(*r->v));
    }
    r->v[r->n].severity = severity;
    r->v[r->n].code = code;
    r->v[r->n].message = xstrdup(msg);
    r->n++;
    if (severity == LINT_ERROR) {
        r->nerrors++;
    } else {
        r->nwarnings++;
    }
}

/* The case and petition texts of one language. */
static void
check_texts(const struct appeal *a, const char *lang, struct lint_report *r)
{
    static const char *const fields[] = {"title", "text", "target"};
    json_t *def = appeal_case_lang(a, a->default_language);
    json_t *own = appeal_case_lang(a, lang);
    char missing[512];
    size_t used = 0;
    const char *key;
    json_t *v;

    if (own == NULL) {
        lint_add(r, LINT_ERROR, "missing_case", "%s: case.%s: missing",
                 a->origin, lang);
    }
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(fields); i++) {
        if (!appeal_petition_has(a, fields[i], lang)) {
            lint_add(r, LINT_ERROR, "missing_petition",
                     "%s: petition.%s.%s: missing", a->origin, fields[i], lang);
        }
    }
    if (own == NULL || own == def) {
        return;
    }
    missing[0] = '\0';
    json_object_foreach(def, key, v)
    {
        int n;

        if (json_object_get(own, key) != NULL) {
            continue;
        }
        n = snprintf(missing + used, sizeof(missing) - used, "%scase.%s",
                     used > 0 ? ", " : "", key);
        if (n < 0 || (size_t)n >= sizeof(missing) - used) {
            break;
        }
        used += (size_t)n;
    }
    if (used > 0) {
        lint_add(r, LINT_WARNING, "case_fallback", "%s: %s: %s taken from %s",
                 a->origin, lang, missing, a->default_language);
    }
}

static const char *
template_code(int rc)
{
    switch (rc) {
    case MERR_NOINPUT:
        return "missing_template";
    case MERR_INVALID:
        return "unresolved_tag";
    case MERR_LIMIT:
        return "template_limit";
    default:
        return "template_invalid";
    }
}

static void
check_templates(const struct appeal *a, const struct config *cfg,
                const char *lang, struct lint_report *r)
{
    struct render_lang_info info;
    struct merr err = {0};
    int rc;

    rc = render_check_language(a, cfg, lang, &info, &err);
    if (rc != 0) {
        lint_add(r, LINT_ERROR, template_code(rc), "%s", err.msg);
        return;
    }
    if (!info.sign_in_text || !info.sign_in_html) {
        lint_add(r, LINT_ERROR, "missing_sign_link",
                 "%s/%s/%s.md: no {{sign_url}} in the %s part",
                 cfg->templates_dir, a->template_name, lang,
                 !info.sign_in_text ? "text" : "HTML");
    }
    if (!info.unsub_in_text || !info.unsub_in_html) {
        lint_add(r, LINT_ERROR, "missing_unsubscribe_link",
                 "%s/%s/%s.md: no {{unsubscribe_url}} in the %s part",
                 cfg->templates_dir, a->template_name, lang,
                 !info.unsub_in_text ? "text" : "HTML");
    }
    if (info.subject_columns == 0) {
        lint_add(r, LINT_ERROR, "subject_empty", "%s/%s/%s.md: empty subject",
                 cfg->templates_dir, a->template_name, lang);
    } else if (info.subject_columns > LINT_MAX_SUBJECT) {
        lint_add(r, LINT_ERROR, "subject_too_long",
                 "%s/%s/%s.md: the subject has %zu characters (at most %d)",
                 cfg->templates_dir, a->template_name, lang,
                 info.subject_columns, LINT_MAX_SUBJECT);
    }
}

static int
check_lists(const struct appeal *a, struct store *st, struct lint_report *r,
            struct merr *err)
{
    for (size_t i = 0; i < a->nlists; i++) {
        struct store_list_info li;
        int rc = store_audience_list(st, a->lists[i], &li, err);

        if (rc != 0) {
            return rc;
        }
        if (!li.exists) {
            lint_add(r, LINT_ERROR, "list_missing",
                     "list \"%s\" does not exist (tocsin import %s FILE.csv)",
                     a->lists[i], a->lists[i]);
            continue;
        }
        if (li.reachable == 0) {
            lint_add(r, LINT_ERROR, "list_empty",
                     "list \"%s\" has nobody to mail (%lld member%s, none "
                     "active and not suppressed)",
                     a->lists[i], (long long)li.members,
                     li.members == 1 ? "" : "s");
        }
        if (a->restricted && !li.trusted) {
            lint_add(r, LINT_ERROR, "list_untrusted",
                     "restricted appeal: list \"%s\" is not trusted "
                     "(tocsin lists --trust %s)",
                     a->lists[i], a->lists[i]);
        }
    }
    return 0;
}

static const char *
people(int64_t n)
{
    return n == 1 ? "subscriber" : "subscribers";
}

static int
check_audience(const struct appeal *a, struct store *st, struct lint_report *r,
               struct merr *err)
{
    struct store_lang_count *c = NULL;
    size_t n = 0;
    int64_t no_consent = 0;
    int rc;

    rc = store_audience_languages(st, a->lists, a->nlists, &c, &n, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        bool fell_back = false;
        const char *to = appeal_language(a, c[i].language, &fell_back);

        if (!fell_back) {
            continue;
        }
        if (c[i].language[0] == '\0') {
            lint_add(r, LINT_WARNING, "language_fallback",
                     "%lld %s without a language will get %s",
                     (long long)c[i].count, people(c[i].count), to);
        } else {
            lint_add(r, LINT_WARNING, "language_fallback",
                     "%lld %s with language %s will get %s",
                     (long long)c[i].count, people(c[i].count), c[i].language,
                     to);
        }
    }
    store_lang_counts_free(c, n);
    if (rc == 0) {
        rc = store_audience_no_consent(st, a->lists, a->nlists, &no_consent,
                                       err);
    }
    if (rc == 0 && no_consent > 0) {
        lint_add(r, LINT_WARNING, "no_consent",
                 "%lld %s on the lists %s consent recorded as no",
                 (long long)no_consent, people(no_consent),
                 no_consent == 1 ? "has" : "have");
    }
    return rc;
}

/* The from and reply_to overrides must be addresses we can send with. */
static void
check_sender(const struct appeal *a, const char *field, const char *value,
             struct lint_report *r)
{
    struct address addr;
    struct merr err = {0};
    char *name = NULL;
    char *mailbox = NULL;

    if (value == NULL) {
        return;
    }
    if (config_split_from(value, &name, &mailbox) != 0) {
        lint_add(r, LINT_ERROR, "invalid_sender",
                 "%s: %s: \"%s\" holds no address", a->origin, field, value);
    } else if (address_parse(mailbox, strlen(mailbox), &addr, &err) != 0) {
        lint_add(r, LINT_ERROR, "invalid_sender", "%s: %s: \"%s\": %s",
                 a->origin, field, value, err.msg);
    }
    free(name);
    free(mailbox);
}

static void
check_dates(const struct appeal *a, int64_t now, struct lint_report *r)
{
    char when[32];

    if (a->not_after != 0 && a->not_after <= now) {
        util_format_rfc3339(a->not_after, when, sizeof(when));
        lint_add(r, LINT_ERROR, "expired", "%s: not_after %s has passed",
                 a->origin, when);
    }
    if (a->not_before != 0 && a->not_before > now) {
        util_format_rfc3339(a->not_before, when, sizeof(when));
        lint_add(r, LINT_WARNING, "not_before_future",
                 "%s: embargoed until not_before %s (send waits or refuses "
                 "until then)",
                 a->origin, when);
    }
}

int
lint_appeal(const struct appeal *a, const struct config *cfg, struct store *st,
            int64_t now, struct lint_report *rep, struct merr *err)
{
    int rc = 0;

    for (size_t i = 0; i < a->nlanguages; i++) {
        check_texts(a, a->languages[i], rep);
        check_templates(a, cfg, a->languages[i], rep);
    }
    if (st != NULL) {
        rc = check_lists(a, st, rep, err);
        if (rc == 0) {
            rc = check_audience(a, st, rep, err);
        }
    }
    check_sender(a, "from", a->from, rep);
    check_sender(a, "reply_to", a->reply_to, rep);
    check_dates(a, now, rep);
    return rc;
}
