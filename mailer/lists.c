/*
 * lists: header mapping, row checking and the spreadsheet-safety rule for
 * supporter lists.  The ISO 3166-1 table is embedded (generated once from
 * Debian's iso-codes).  No I/O, no database here.
 */
#include "lists.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util.h"

/* ISO 3166-1 alpha-2, sorted, two characters each. */
static const char iso3166[] =
    "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBS"
    "BTBVBWBYBZCACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEE"
    "EGEHERESETFIFJFKFMFOFRGAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHM"
    "HNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLC"
    "LILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNA"
    "NCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERORSRURW"
    "SASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTMTNTO"
    "TRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZW";

/* Header aliases, compared after dropping case, blanks, '-', '_', '.' */
static const struct {
    const char *alias;
    enum lists_field field;
} aliases[] = {
    {"email", LISTS_EMAIL},
    {"mail", LISTS_EMAIL},
    {"emailaddress", LISTS_EMAIL},
    {"mailaddress", LISTS_EMAIL},
    {"name", LISTS_NAME},
    {"fullname", LISTS_NAME},
    {"firstname", LISTS_FIRST_NAME},
    {"givenname", LISTS_FIRST_NAME},
    {"forename", LISTS_FIRST_NAME},
    {"lastname", LISTS_LAST_NAME},
    {"surname", LISTS_LAST_NAME},
    {"familyname", LISTS_LAST_NAME},
    {"language", LISTS_LANGUAGE},
    {"lang", LISTS_LANGUAGE},
    {"locale", LISTS_LANGUAGE},
    {"country", LISTS_COUNTRY},
    {"countrycode", LISTS_COUNTRY},
    {"consent", LISTS_CONSENT},
    {"optin", LISTS_CONSENT},
    {"status", LISTS_STATUS},
    /* what German, French, Spanish and Portuguese exports call them */
    {"courriel", LISTS_EMAIL},
    {"correo", LISTS_EMAIL},
    {"correoelectronico", LISTS_EMAIL},
    {"vorname", LISTS_FIRST_NAME},
    {"pr\xc3\xa9nom", LISTS_FIRST_NAME},
    {"prenom", LISTS_FIRST_NAME},
    {"nachname", LISTS_LAST_NAME},
    {"nom", LISTS_LAST_NAME},
    {"apellido", LISTS_LAST_NAME},
    {"apellidos", LISTS_LAST_NAME},
    {"sobrenome", LISTS_LAST_NAME},
    {"sprache", LISTS_LANGUAGE},
    {"langue", LISTS_LANGUAGE},
    {"idioma", LISTS_LANGUAGE},
    {"land", LISTS_COUNTRY},
    {"pays", LISTS_COUNTRY},
    {"pais", LISTS_COUNTRY},
    {"pa\xc3\xads", LISTS_COUNTRY},
    {"einwilligung", LISTS_CONSENT},
    {"consentement", LISTS_CONSENT},
    {"consentimiento", LISTS_CONSENT},
};

static const char *const field_names[] = {
    "email",    "name",    "first name", "last name",
    "language", "country", "consent",    "status",
};

static const char *const consent_yes[] = {
    "yes", "y",         "true", "1",  "x",  "oui",
    "si",  "s\xc3\xad", "sim",  "ja", "da", "\xd0\xb4\xd0\xb0",
};
static const char *const consent_no[] = {
    "no",  "n",    "false",
    "0",   "non",  "n\xc3\xa3o",
    "nao", "nein", "\xd0\xbd\xd0\xb5\xd1\x82",
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

static char
lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive (ASCII) equality of p[0..n) and the string s. */
static bool
equal_nocase(const char *p, size_t n, const char *s)
{
    if (strlen(s) != n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (lower(p[i]) != lower(s[i])) {
            return false;
        }
    }
    return true;
}

enum lists_field
lists_field_of(const char *name, size_t len)
{
    char key[32];
    size_t k = 0;

    trim(&name, &len);
    if (len == 0) {
        return LISTS_IGNORED;
    }
    for (size_t i = 0; i < len; i++) {
        char c = lower(name[i]);

        if (c == ' ' || c == '-' || c == '_' || c == '.') {
            continue;
        }
        if (k + 1 >= sizeof(key)) {
            return LISTS_ATTR;
        }
        key[k++] = c;
    }
    key[k] = '\0';
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(aliases); i++) {
        if (strcmp(key, aliases[i].alias) == 0) {
            return aliases[i].field;
        }
    }
    return LISTS_ATTR;
}

void
lists_header_release(struct lists_header *h)
{
    if (h == NULL) {
        return;
    }
    for (size_t i = 0; i < h->n; i++) {
        free(h->names[i]);
    }
    free(h->names);
    free(h->kind);
    memset(h, 0, sizeof(*h));
}

int
lists_header_parse(struct lists_header *h, const char *const *fields,
                   const size_t *lens, size_t n, struct merr *err)
{
    int rc = 0;

    memset(h, 0, sizeof(*h));
    for (size_t f = 0; f < TOCSIN_ARRAY_LEN(h->col); f++) {
        h->col[f] = -1;
    }
    h->n = n;
    h->kind = xcalloc(n ? n : 1, sizeof(*h->kind));
    h->names = xcalloc(n ? n : 1, sizeof(*h->names));
    for (size_t i = 0; i < n; i++) {
        const char *p = fields[i];
        size_t len = lens[i];
        enum lists_field f;

        trim(&p, &len);
        h->names[i] = xstrndup(p, len);
        f = lists_field_of(p, len);
        h->kind[i] = f;
        if (f == LISTS_ATTR) {
            h->nattrs++;
        }
        for (size_t j = 0; j < i && f != LISTS_IGNORED; j++) {
            if (util_strcasecmp(h->names[j], h->names[i]) == 0) {
                rc = merr_set(err, MERR_INVALID,
                              "columns %zu and %zu are both named \"%s\"",
                              j + 1, i + 1, h->names[i]);
                goto out;
            }
        }
        if (f < LISTS_ATTR) {
            if (h->col[f] >= 0) {
                rc = merr_set(err, MERR_INVALID,
                              "columns %d and %zu both hold the %s",
                              h->col[f] + 1, i + 1, field_names[f]);
                goto out;
            }
            h->col[f] = (int)i;
        }
    }
    if (h->col[LISTS_EMAIL] < 0) {
        rc = merr_set(err, MERR_INVALID,
                      "no email column in the header row (one named "
                      "email, e-mail or mail is required)");
        goto out;
    }
    if (h->col[LISTS_NAME] >= 0) {
        /* a full name wins: first and last names are kept as attributes */
        for (int f = LISTS_FIRST_NAME; f <= LISTS_LAST_NAME; f++) {
            if (h->col[f] >= 0) {
                h->kind[h->col[f]] = LISTS_ATTR;
                h->nattrs++;
                h->col[f] = -1;
            }
        }
    }
out:
    if (rc != 0) {
        lists_header_release(h);
    }
    return rc;
}

int
lists_country_parse(const char *p, size_t n, char out[3])
{
    char code[3];
    size_t lo = 0;
    size_t hi = sizeof(iso3166) / 2;

    trim(&p, &n);
    if (n != 2) {
        return MERR_INVALID;
    }
    for (size_t i = 0; i < 2; i++) {
        char c = p[i];

        if (c >= 'a' && c <= 'z') {
            c = (char)(c - 'a' + 'A');
        }
        if (c < 'A' || c > 'Z') {
            return MERR_INVALID;
        }
        code[i] = c;
    }
    code[2] = '\0';
    /* exceptionally reserved, and what British lists say */
    if (memcmp(code, "UK", 2) == 0) {
        memcpy(code, "GB", 2);
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(code, iso3166 + 2 * mid, 2);

        if (c == 0) {
            memcpy(out, code, 3);
            return 0;
        }
        if (c < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return MERR_INVALID;
}

int
lists_consent_parse(const char *p, size_t n, int *out)
{
    trim(&p, &n);
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(consent_yes); i++) {
        if (equal_nocase(p, n, consent_yes[i])) {
            *out = 1;
            return 0;
        }
    }
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(consent_no); i++) {
        if (equal_nocase(p, n, consent_no[i])) {
            *out = 0;
            return 0;
        }
    }
    return MERR_INVALID;
}

bool
lists_cell_is_formula(const char *p, size_t n)
{
    return n > 0 && strchr("=+-@\t\r", p[0]) != NULL && p[0] != '\0';
}

void
lists_subscriber_init(struct lists_subscriber *s)
{
    memset(s, 0, sizeof(*s));
    buf_init(&s->name, TOCSIN_MAX_FIELD);
}

void
lists_subscriber_release(struct lists_subscriber *s)
{
    if (s == NULL) {
        return;
    }
    buf_release(&s->name);
    free(s->attrs);
    s->attrs = NULL;
}

/* A cell, trimmed, with an export's "'" guard removed. */
static void
cell(const char *const *fields, const size_t *lens, size_t n, int col,
     const char **p, size_t *len)
{
    *p = "";
    *len = 0;
    if (col < 0 || (size_t)col >= n) {
        return;
    }
    *p = fields[col];
    *len = lens[col];
    trim(p, len);
    if (*len > 1 && (*p)[0] == '\'' &&
        lists_cell_is_formula(*p + 1, *len - 1)) {
        (*p)++;
        (*len)--;
    }
}

/* Append a name part with control characters (quoted newlines) as
 * spaces. */
static int
add_name(struct buf *b, const char *p, size_t n)
{
    int rc = 0;

    if (n > 0 && b->len > 0) {
        rc = buf_addc(b, ' ');
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        unsigned char c = (unsigned char)p[i];

        rc = buf_addc(b, (c < 0x20 || c == 0x7f) ? ' ' : (char)c);
    }
    return rc;
}

static void
row_attrs(const struct lists_header *h, const char *const *fields,
          const size_t *lens, size_t n, struct lists_subscriber *s)
{
    json_t *obj = NULL;

    for (size_t i = 0; i < h->n && i < n; i++) {
        const char *p;
        size_t len;

        if (h->kind[i] != LISTS_ATTR) {
            continue;
        }
        cell(fields, lens, n, (int)i, &p, &len);
        if (len == 0) {
            continue;
        }
        if (obj == NULL) {
            obj = json_object();
        }
        /* json_object_set_new steals the string; values are UTF-8 (the
         * reader checked) so json_stringn does not fail */
        json_object_set_new(obj, h->names[i], json_stringn(p, len));
    }
    if (obj != NULL) {
        s->attrs = json_dumps(obj, JSON_COMPACT);
        json_decref(obj);
    }
}

int
lists_row_parse(const struct lists_header *h, const char *const *fields,
                const size_t *lens, size_t n, struct lists_subscriber *s,
                struct merr *err)
{
    char shown[80];
    const char *p;
    size_t len;
    bool empty = true;
    int rc;

    s->empty = false;
    s->has_name = s->has_language = s->has_country = false;
    s->language_unknown = false;
    s->consent = -1;
    s->language[0] = s->country[0] = '\0';
    buf_reset(&s->name);
    free(s->attrs);
    s->attrs = NULL;
    for (size_t i = 0; i < n && empty; i++) {
        p = fields[i];
        len = lens[i];
        trim(&p, &len);
        empty = len == 0;
    }
    if (empty) {
        s->empty = true;
        return 0;
    }
    if (n > h->n) {
        return merr_set(err, MERR_INVALID, "%zu fields, the header has %zu", n,
                        h->n);
    }
    cell(fields, lens, n, h->col[LISTS_EMAIL], &p, &len);
    rc = address_parse(p, len, &s->addr, err);
    if (rc != 0) {
        char reason[MERR_MSG_MAX];

        util_sanitize(p, len, shown, sizeof(shown));
        (void)util_strlcpy(reason, err->msg, sizeof(reason));
        return merr_set(err, MERR_INVALID, "invalid address \"%s\": %s", shown,
                        reason);
    }
    if (h->col[LISTS_NAME] >= 0) {
        cell(fields, lens, n, h->col[LISTS_NAME], &p, &len);
        rc = add_name(&s->name, p, len);
    } else {
        cell(fields, lens, n, h->col[LISTS_FIRST_NAME], &p, &len);
        rc = add_name(&s->name, p, len);
        cell(fields, lens, n, h->col[LISTS_LAST_NAME], &p, &len);
        if (rc == 0) {
            rc = add_name(&s->name, p, len);
        }
    }
    if (rc != 0) {
        return merr_set(err, MERR_INVALID, "name too long");
    }
    s->has_name = s->name.len > 0;
    cell(fields, lens, n, h->col[LISTS_LANGUAGE], &p, &len);
    if (len > 0) {
        rc = lang_normalize(p, len, s->language, sizeof(s->language));
        if (rc == MERR_LIMIT) {
            return merr_set(err, MERR_INVALID, "language too long");
        }
        s->has_language = true;
        s->language_unknown = rc != 0;
    }
    cell(fields, lens, n, h->col[LISTS_COUNTRY], &p, &len);
    if (len > 0) {
        if (lists_country_parse(p, len, s->country) != 0) {
            util_sanitize(p, len, shown, sizeof(shown));
            return merr_set(err, MERR_INVALID,
                            "unknown country \"%s\" (an ISO 3166 code such "
                            "as FR is expected)",
                            shown);
        }
        s->has_country = true;
    }
    cell(fields, lens, n, h->col[LISTS_CONSENT], &p, &len);
    if (len > 0 && lists_consent_parse(p, len, &s->consent) != 0) {
        util_sanitize(p, len, shown, sizeof(shown));
        return merr_set(err, MERR_INVALID,
                        "consent \"%s\" is neither yes nor no", shown);
    }
    row_attrs(h, fields, lens, n, s);
    return 0;
}

int
lists_email_key(const char *in, char out[ADDRESS_MAX + 1])
{
    struct address a;
    struct merr err = {0};
    size_t n = strlen(in);

    if (address_parse(in, n, &a, &err) == 0) {
        memcpy(out, a.key, sizeof(a.key));
        return 0;
    }
    trim(&in, &n);
    if (memchr(in, '@', n) == NULL) {
        return MERR_INVALID;
    }
    if (n > ADDRESS_MAX) {
        return MERR_LIMIT;
    }
    memcpy(out, in, n);
    out[n] = '\0';
    util_lower(out);
    return 0;
}
