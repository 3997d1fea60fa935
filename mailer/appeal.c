/*
 * appeal: the appeal file parsed (jansson) and checked for shape, the
 * language each subscriber gets, and right-to-left detection.  Missing
 * translations are not errors here: lint.c reports them all at once.
 * No I/O beyond reading the file appeal_load is given.
 */
#include "appeal.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "lang.h"
#include "token.h"
#include "util.h"

#define APPEAL_MAX_ID 64

/* Fields of the file; anything else is refused (a typo in "not_after"
 * must not silently lift an embargo).  "note" and "_*" are comments. */
static const char *const known_fields[] = {
    "id",        "template", "lists",    "languages",  "default_language",
    "fallback",  "case",     "petition", "visibility", "not_before",
    "not_after", "from",     "reply_to", "note",
};

static char
lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Language tags compare without case, "_" the same as "-". */
static bool
tag_eq_n(const char *a, size_t alen, const char *b)
{
    size_t i;

    for (i = 0; i < alen && b[i] != '\0'; i++) {
        char x = a[i] == '_' ? '-' : lower(a[i]);
        char y = b[i] == '_' ? '-' : lower(b[i]);

        if (x != y) {
            return false;
        }
    }
    return i == alen && b[i] == '\0';
}

static bool
tag_eq(const char *a, const char *b)
{
    return tag_eq_n(a, strlen(a), b);
}

/* Length of the primary subtag ("pt-BR" -> 2). */
static size_t
primary_len(const char *tag)
{
    return strcspn(tag, "-_");
}

static const char *
find_language(const struct appeal *a, const char *tag, size_t len)
{
    for (size_t i = 0; i < a->nlanguages; i++) {
        if (tag_eq_n(tag, len, a->languages[i])) {
            return a->languages[i];
        }
    }
    return NULL;
}

/* A tag as we keep it: letters, digits, "-"; at most 35 characters. */
static bool
tag_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 35 || s[0] == '-' || s[0] == '_') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

static bool
slug_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > APPEAL_MAX_ID || s[0] == '-') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
            return false;
        }
    }
    return true;
}

/* A template name is one folder under templates/. */
static bool
folder_ok(const char *s)
{
    if (s[0] == '\0' || s[0] == '.' || strlen(s) > 128) {
        return false;
    }
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == '/' || *p == '\\' || (unsigned char)*p < 0x20) {
            return false;
        }
    }
    return true;
}

static int
bad(struct merr *err, const char *origin, const char *field, const char *what)
{
    (void)merr_set(err, MERR_INVALID, "%s: %s: %s", origin, field, what);
    return MERR_INVALID;
}

/* Optional string member: *out borrowed, NULL when absent. */
static int
get_string(json_t *root, const char *origin, const char *key, bool required,
           const char **out, struct merr *err)
{
    json_t *v = json_object_get(root, key);

    *out = NULL;
    if (v == NULL || json_is_null(v)) {
        if (!required) {
            return 0;
        }
        return bad(err, origin, key, "missing");
    }
    if (!json_is_string(v)) {
        return bad(err, origin, key, "must be a string");
    }
    *out = json_string_value(v);
    return 0;
}

static int
get_string_list(json_t *root, const char *origin, const char *key, char ***list,
                size_t *n, struct merr *err)
{
    json_t *v = json_object_get(root, key);
    size_t i;
    json_t *item;

    if (v == NULL) {
        return bad(err, origin, key, "missing");
    }
    if (!json_is_array(v) || json_array_size(v) == 0) {
        return bad(err, origin, key, "must be a list of at least one name");
    }
    *list = xcalloc(json_array_size(v), sizeof(char *));
    json_array_foreach(v, i, item)
    {
        const char *s = json_string_value(item);

        if (s == NULL || s[0] == '\0') {
            char field[64];

            (void)snprintf(field, sizeof(field), "%s[%zu]", key, i);
            return bad(err, origin, field, "must be a non-empty string");
        }
        (*list)[i] = xstrdup(s);
        *n = i + 1;
    }
    return 0;
}

static int
parse_languages(struct appeal *a, json_t *root, struct merr *err)
{
    const char *def = NULL;
    int rc;

    rc = get_string_list(root, a->origin, "languages", &a->languages,
                         &a->nlanguages, err);
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; i < a->nlanguages; i++) {
        char norm[LANG_MAX];
        int lrc = lang_normalize(a->languages[i], strlen(a->languages[i]), norm,
                                 sizeof(norm));

        /* an unknown but well-formed tag (MERR_NOTFOUND) is kept */
        if ((lrc != 0 && lrc != MERR_NOTFOUND) || !tag_ok(norm)) {
            char field[64];

            (void)snprintf(field, sizeof(field), "languages[%zu]", i);
            return merr_set(err, MERR_INVALID,
                            "%s: %s: \"%s\" is not a language tag", a->origin,
                            field, a->languages[i]);
        }
        free(a->languages[i]);
        a->languages[i] = xstrdup(norm);
        for (size_t j = 0; j < i; j++) {
            if (tag_eq(a->languages[j], norm)) {
                return merr_set(err, MERR_INVALID,
                                "%s: languages: \"%s\" listed twice", a->origin,
                                norm);
            }
        }
    }
    rc = get_string(root, a->origin, "default_language", true, &def, err);
    if (rc != 0) {
        return rc;
    }
    if (find_language(a, def, strlen(def)) == NULL) {
        return merr_set(err, MERR_INVALID,
                        "%s: default_language: \"%s\" is not one of languages",
                        a->origin, def);
    }
    a->default_language = xstrdup(find_language(a, def, strlen(def)));
    return 0;
}

static int
parse_fallback(struct appeal *a, json_t *root, struct merr *err)
{
    json_t *fb = json_object_get(root, "fallback");
    const char *key;
    json_t *v;

    if (fb == NULL || json_is_null(fb)) {
        return 0;
    }
    if (!json_is_object(fb)) {
        return bad(err, a->origin, "fallback",
                   "must be an object {\"TAG\": \"LANGUAGE\"}");
    }
    json_object_foreach(fb, key, v)
    {
        const char *to = json_string_value(v);

        if (!tag_ok(key)) {
            return merr_set(err, MERR_INVALID,
                            "%s: fallback: \"%s\" is not a language tag",
                            a->origin, key);
        }
        if (to == NULL || find_language(a, to, strlen(to)) == NULL) {
            return merr_set(err, MERR_INVALID,
                            "%s: fallback.%s: must name one of languages",
                            a->origin, key);
        }
    }
    a->fallback = json_incref(fb);
    return 0;
}

/* A text per language: an object {LANG: string} or one string for all. */
static int
check_texts(const struct appeal *a, json_t *v, const char *field, bool required,
            struct merr *err)
{
    const char *key;
    json_t *t;

    if (v == NULL || json_is_null(v)) {
        return required ? bad(err, a->origin, field, "missing") : 0;
    }
    if (json_is_string(v)) {
        return 0;
    }
    if (!json_is_object(v)) {
        return bad(err, a->origin, field,
                   "must be a string or an object {\"LANG\": \"text\"}");
    }
    json_object_foreach(v, key, t)
    {
        if (!json_is_string(t)) {
            return merr_set(err, MERR_INVALID, "%s: %s.%s: must be a string",
                            a->origin, field, key);
        }
    }
    return 0;
}

static int
parse_petition(struct appeal *a, json_t *root, struct merr *err)
{
    json_t *p = json_object_get(root, "petition");
    int rc;

    if (p == NULL) {
        return bad(err, a->origin, "petition", "missing");
    }
    if (!json_is_object(p)) {
        return bad(err, a->origin, "petition", "must be an object");
    }
    rc = check_texts(a, json_object_get(p, "target"), "petition.target", true,
                     err);
    if (rc == 0) {
        rc = check_texts(a, json_object_get(p, "title"), "petition.title", true,
                         err);
    }
    if (rc == 0) {
        rc = check_texts(a, json_object_get(p, "text"), "petition.text", true,
                         err);
    }
    if (rc == 0) {
        a->petition = json_incref(p);
    }
    return rc;
}

static int
parse_case(struct appeal *a, json_t *root, struct merr *err)
{
    json_t *c = json_object_get(root, "case");

    if (c == NULL) {
        return bad(err, a->origin, "case", "missing");
    }
    if (!json_is_object(c)) {
        return bad(err, a->origin, "case", "must be an object");
    }
    a->case_data = json_incref(c);
    return 0;
}

static int
parse_time(struct appeal *a, json_t *root, const char *key, int64_t *out,
           struct merr *err)
{
    const char *s = NULL;
    int rc;

    rc = get_string(root, a->origin, key, false, &s, err);
    if (rc != 0 || s == NULL) {
        return rc;
    }
    if (util_parse_rfc3339(s, out) != 0) {
        return merr_set(err, MERR_INVALID,
                        "%s: %s: \"%s\" is not an RFC 3339 time "
                        "(2026-11-28T14:00:00Z)",
                        a->origin, key, s);
    }
    return 0;
}

static int
parse_top(struct appeal *a, json_t *root, struct merr *err)
{
    const char *s = NULL;
    const char *key;
    json_t *v;
    int rc;

    json_object_foreach(root, key, v)
    {
        bool known = key[0] == '_';

        for (size_t i = 0; i < TOCSIN_ARRAY_LEN(known_fields); i++) {
            known = known || strcmp(key, known_fields[i]) == 0;
        }
        if (!known) {
            return bad(err, a->origin, key, "unknown field");
        }
    }
    rc = get_string(root, a->origin, "id", true, &s, err);
    if (rc != 0) {
        return rc;
    }
    if (!slug_ok(s)) {
        return bad(err, a->origin, "id",
                   "must be a slug: a-z, 0-9 and \"-\", at most 64");
    }
    a->id = xstrdup(s);
    rc = get_string(root, a->origin, "template", true, &s, err);
    if (rc != 0) {
        return rc;
    }
    if (!folder_ok(s)) {
        return bad(err, a->origin, "template", "must be a folder name");
    }
    a->template_name = xstrdup(s);
    rc = get_string(root, a->origin, "visibility", false, &s, err);
    if (rc != 0) {
        return rc;
    }
    if (s != NULL && strcmp(s, "restricted") != 0 && strcmp(s, "public") != 0) {
        return bad(err, a->origin, "visibility",
                   "must be \"public\" or \"restricted\"");
    }
    a->restricted = s != NULL && strcmp(s, "restricted") == 0;
    rc = get_string(root, a->origin, "from", false, &s, err);
    if (rc != 0) {
        return rc;
    }
    a->from = s != NULL ? xstrdup(s) : NULL;
    rc = get_string(root, a->origin, "reply_to", false, &s, err);
    if (rc != 0) {
        return rc;
    }
    a->reply_to = s != NULL ? xstrdup(s) : NULL;
    return 0;
}

int
appeal_parse(const char *text, size_t len, const char *origin,
             struct appeal **out, struct merr *err)
{
    struct appeal *a = NULL;
    json_t *root = NULL;
    json_error_t jerr;
    char hash[TOKEN_SHA256_HEX];
    int rc = 0;

    *out = NULL;
    a = xcalloc(1, sizeof(*a));
    a->origin = xstrdup(origin);
    if (!util_utf8_valid(text, len, NULL)) {
        rc = merr_set(err, MERR_PARSE, "%s: not valid UTF-8", origin);
        goto out;
    }
    /* duplicate keys are refused: one of two "not_after" would win
     * silently */
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        rc = merr_set(err, MERR_PARSE, "%s:%d:%d: %s", origin, jerr.line,
                      jerr.column, jerr.text);
        goto out;
    }
    if (!json_is_object(root)) {
        rc = merr_set(err, MERR_PARSE, "%s:1:1: the appeal must be an object",
                      origin);
        goto out;
    }
    rc = parse_top(a, root, err);
    if (rc == 0) {
        rc = get_string_list(root, origin, "lists", &a->lists, &a->nlists, err);
    }
    if (rc == 0) {
        rc = parse_languages(a, root, err);
    }
    if (rc == 0) {
        rc = parse_fallback(a, root, err);
    }
    if (rc == 0) {
        rc = parse_case(a, root, err);
    }
    if (rc == 0) {
        rc = parse_petition(a, root, err);
    }
    if (rc == 0) {
        rc = parse_time(a, root, "not_before", &a->not_before, err);
    }
    if (rc == 0) {
        rc = parse_time(a, root, "not_after", &a->not_after, err);
    }
    if (rc == 0 && a->not_before != 0 && a->not_after != 0 &&
        a->not_after <= a->not_before) {
        rc = bad(err, origin, "not_after", "must be later than not_before");
    }
    if (rc != 0) {
        goto out;
    }
    token_sha256_hex(text, len, hash);
    a->content_hash = xstrdup(hash);
    a->text = xstrndup(text, len);
    *out = a;
    a = NULL;
out:
    json_decref(root);
    appeal_free(a);
    return rc;
}

int
appeal_load(const char *path, struct appeal **out, struct merr *err)
{
    struct buf b;
    int rc;

    *out = NULL;
    buf_init(&b, TOCSIN_MAX_APPEAL);
    rc = util_read_file(path, TOCSIN_MAX_APPEAL, &b, err);
    if (rc == 0) {
        rc = appeal_parse(buf_str(&b), b.len, path, out, err);
    }
    buf_release(&b);
    return rc;
}

void
appeal_free(struct appeal *a)
{
    if (a == NULL) {
        return;
    }
    free(a->origin);
    free(a->id);
    free(a->template_name);
    for (size_t i = 0; i < a->nlists; i++) {
        free(a->lists[i]);
    }
    free(a->lists);
    for (size_t i = 0; i < a->nlanguages; i++) {
        free(a->languages[i]);
    }
    free(a->languages);
    free(a->default_language);
    json_decref(a->fallback);
    json_decref(a->case_data);
    json_decref(a->petition);
    free(a->from);
    free(a->reply_to);
    free(a->content_hash);
    free(a->text);
    free(a);
}

/* The default language as an element of a->languages. */
static const char *
default_lang(const struct appeal *a)
{
    const char *d =
        find_language(a, a->default_language, strlen(a->default_language));

    return d != NULL ? d : a->default_language;
}

const char *
appeal_language(const struct appeal *a, const char *lang, bool *fell_back)
{
    const char *found = NULL;
    const char *key;
    json_t *v;

    if (fell_back != NULL) {
        *fell_back = true;
    }
    if (lang == NULL || lang[0] == '\0') {
        return default_lang(a);
    }
    found = find_language(a, lang, strlen(lang));
    if (found != NULL) {
        if (fell_back != NULL) {
            *fell_back = false;
        }
        return found;
    }
    json_object_foreach(a->fallback, key, v)
    {
        const char *to = json_string_value(v);

        if (tag_eq(key, lang) && to != NULL) {
            found = find_language(a, to, strlen(to));
            if (found != NULL) {
                return found;
            }
        }
    }
    found = find_language(a, lang, primary_len(lang));
    return found != NULL ? found : default_lang(a);
}

bool
appeal_has_language(const struct appeal *a, const char *lang)
{
    return lang != NULL && find_language(a, lang, strlen(lang)) != NULL;
}

json_t *
appeal_case_lang(const struct appeal *a, const char *lang)
{
    const char *key;
    json_t *v;

    json_object_foreach(a->case_data, key, v)
    {
        if (json_is_object(v) && tag_eq(key, lang)) {
            return v;
        }
    }
    return NULL;
}

bool
appeal_case_is_language_key(const struct appeal *a, const char *key,
                            const json_t *v)
{
    return json_is_object(v) && find_language(a, key, strlen(key)) != NULL;
}

/* One of the petition's texts in lang, else in the default language. */
static const char *
petition_text(const struct appeal *a, const char *field, const char *lang,
              bool *found)
{
    json_t *v = json_object_get(a->petition, field);
    const char *key;
    json_t *t;
    const char *def = NULL;

    *found = false;
    if (json_is_string(v)) {
        *found = true;
        return json_string_value(v);
    }
    json_object_foreach(v, key, t)
    {
        if (lang != NULL && tag_eq(key, lang)) {
            *found = true;
            return json_string_value(t);
        }
        if (tag_eq(key, a->default_language)) {
            def = json_string_value(t);
        }
    }
    return def != NULL ? def : "";
}

bool
appeal_petition_has(const struct appeal *a, const char *field, const char *lang)
{
    bool found = false;

    (void)petition_text(a, field, lang, &found);
    return found;
}

const char *
appeal_petition_title(const struct appeal *a, const char *lang)
{
    bool found;

    return petition_text(a, "title", lang, &found);
}

const char *
appeal_petition_text(const struct appeal *a, const char *lang)
{
    bool found;

    return petition_text(a, "text", lang, &found);
}

const char *
appeal_petition_target(const struct appeal *a, const char *lang)
{
    bool found;

    return petition_text(a, "target", lang, &found);
}

bool
appeal_is_rtl(const char *lang)
{
    /* primary languages written right to left (iw and ji: the
     * deprecated codes of he and yi) */
    static const char *const rtl[] = {"ar",  "fa", "he", "ur", "ps",
                                      "ckb", "dv", "yi", "iw", "ji"};
    /* scripts written right to left, for tags that name one */
    static const char *const rtl_scripts[] = {"arab", "hebr", "thaa",
                                              "syrc", "nkoo", "adlm"};
    const char *p;
    size_t n;

    if (lang == NULL || lang[0] == '\0') {
        return false;
    }
    /* a script subtag decides (az-Arab is RTL, ku-Latn is not) */
    for (p = lang + primary_len(lang); *p != '\0'; p += n) {
        p++;
        n = primary_len(p);
        if (n == 4) {
            for (size_t i = 0; i < TOCSIN_ARRAY_LEN(rtl_scripts); i++) {
                if (tag_eq_n(p, 4, rtl_scripts[i])) {
                    return true;
                }
            }
            return false;
        }
    }
    n = primary_len(lang);
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(rtl); i++) {
        if (tag_eq_n(lang, n, rtl[i])) {
            return true;
        }
    }
    return false;
}
