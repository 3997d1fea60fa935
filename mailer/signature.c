/*
 * signature: checks a signature webhook body and the fields it carries.
 * jansson reads the JSON; everything else is plain string checks.  No I/O.
 */
#include "signature.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "lang.h"
#include "util.h"

/*
 * ISO 3166-1 alpha-2, the 249 assigned codes (Debian's iso-codes), plus XK
 * (Kosovo, user-assigned but used by every petition platform).  Sorted
 * pairs: a binary search over them.
 */
static const char countries[] =
    "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQ"
    "BRBSBTBVBWBYBZCACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDM"
    "DODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGFGGGHGIGLGMGNGPGQGRGS"
    "GTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKN"
    "KPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQ"
    "MRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPM"
    "PNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSV"
    "SXSYSZTCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVI"
    "VNVUWFWSXKYEYTZAZMZW";

static char
upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static bool
is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool
signature_country_valid(const char *s)
{
    size_t lo = 0;
    size_t hi = (sizeof(countries) - 1) / 2;
    char a, b;

    if (s == NULL || !is_alpha(s[0]) || !is_alpha(s[1]) || s[2] != '\0') {
        return false;
    }
    a = upper(s[0]);
    b = upper(s[1]);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *c = countries + 2 * mid;

        if (c[0] == a && c[1] == b) {
            return true;
        }
        if (c[0] < a || (c[0] == a && c[1] < b)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return false;
}

/* A string member, "" when absent or JSON null (never NULL); err when
 * another type, or when required and empty. */
static int
get_string(json_t *obj, const char *path, const char *key, bool required,
           const char **out, struct merr *err)
{
    json_t *v = json_object_get(obj, key); /* borrowed */
    const char *text;

    *out = "";
    if (v == NULL || json_is_null(v)) {
        if (required) {
            return merr_set(err, MERR_INVALID, "%s%s: missing", path, key);
        }
        return 0;
    }
    if (!json_is_string(v)) {
        return merr_set(err, MERR_INVALID, "%s%s: not a string", path, key);
    }
    text = json_string_value(v); /* borrowed from v */
    if (text != NULL) {
        *out = text;
    }
    if (required && (*out)[0] == '\0') {
        return merr_set(err, MERR_INVALID, "%s%s: empty", path, key);
    }
    return 0;
}

/* Copy into a fixed field; too long or containing NUL/controls is an
 * error. */
static int
copy_field(const char *path, const char *key, const char *s, char *out,
           size_t size, struct merr *err)
{
    size_t n = strlen(s);

    if (n >= size) {
        return merr_set(err, MERR_INVALID, "%s%s: longer than %zu bytes", path,
                        key, size - 1);
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c < 0x20 || c == 0x7f) {
            return merr_set(err, MERR_INVALID, "%s%s: control character", path,
                            key);
        }
    }
    memcpy(out, s, n + 1);
    return 0;
}

static int
get_time(json_t *obj, const char *path, const char *key, int64_t *out,
         struct merr *err)
{
    const char *s = "";
    int rc = get_string(obj, path, key, true, &s, err);

    if (rc != 0) {
        return rc;
    }
    if (util_parse_rfc3339(s, out) != 0) {
        return merr_set(err, MERR_INVALID, "%s%s: not an RFC 3339 date-time",
                        path, key);
    }
    return 0;
}

/* The name: trimmed of spaces at both ends, non-empty. */
static int
get_name(json_t *data, struct signature_event *ev, struct merr *err)
{
    const char *s = "";
    size_t n;
    int rc = get_string(data, "data.", "name", true, &s, err);

    if (rc != 0) {
        return rc;
    }
    while (*s == ' ') {
        s++;
    }
    rc = copy_field("data.", "name", s, ev->name, sizeof(ev->name), err);
    if (rc != 0) {
        return rc;
    }
    n = strlen(ev->name);
    while (n > 0 && ev->name[n - 1] == ' ') {
        ev->name[--n] = '\0';
    }
    if (n == 0) {
        return merr_set(err, MERR_INVALID, "data.name: empty");
    }
    return 0;
}

static int
check_data(json_t *data, struct signature_event *ev, struct merr *err)
{
    const char *s = "";
    json_t *v;
    int rc;

    rc = get_string(data, "data.", "appeal", true, &s, err);
    if (rc == 0) {
        rc = copy_field("data.", "appeal", s, ev->appeal, sizeof(ev->appeal),
                        err);
    }
    if (rc == 0) {
        rc = get_string(data, "data.", "token", false, &s, err);
    }
    if (rc == 0 && s[0] != '\0') {
        rc = copy_field("data.", "token", s, ev->token, sizeof(ev->token), err);
    }
    if (rc == 0) {
        rc = get_string(data, "data.", "email", ev->token[0] == '\0', &s, err);
    }
    if (rc == 0 && s[0] != '\0') {
        struct address addr;
        struct merr aerr = {0};

        /* the same checks and key as an import, so that a signer is
         * matched with their subscriber row */
        if (address_parse(s, strlen(s), &addr, &aerr) != 0) {
            return merr_set(err, MERR_INVALID, "data.email: %s", aerr.msg);
        }
        memcpy(ev->email, addr.email, sizeof(ev->email));
        memcpy(ev->email_key, addr.key, sizeof(ev->email_key));
        memcpy(ev->email_display, addr.display, sizeof(ev->email_display));
    }
    if (rc == 0) {
        rc = get_name(data, ev, err);
    }
    if (rc == 0) {
        rc = get_string(data, "data.", "country", false, &s, err);
    }
    if (rc == 0 && s[0] != '\0') {
        if (!signature_country_valid(s)) {
            return merr_set(err, MERR_INVALID,
                            "data.country: not an ISO 3166 alpha-2 code");
        }
        ev->country[0] = upper(s[0]);
        ev->country[1] = upper(s[1]);
        ev->country[2] = '\0';
    }
    if (rc == 0) {
        rc = get_string(data, "data.", "language", false, &s, err);
    }
    if (rc == 0 && s[0] != '\0') {
        /* well-formed is enough: an unknown primary language
         * (MERR_NOTFOUND) is still a tag the platform may send */
        int lrc =
            lang_normalize(s, strlen(s), ev->language, sizeof(ev->language));

        if (lrc != 0 && lrc != MERR_NOTFOUND) {
            ev->language[0] = '\0';
            return merr_set(err, MERR_INVALID,
                            "data.language: not a BCP 47 language tag");
        }
    }
    if (rc == 0) {
        rc = get_time(data, "data.", "signed_at", &ev->signed_at, err);
    }
    if (rc != 0) {
        return rc;
    }
    v = json_object_get(data, "consent_to_contact"); /* borrowed */
    if (v == NULL) {
        return merr_set(err, MERR_INVALID, "data.consent_to_contact: missing");
    }
    if (!json_is_boolean(v)) {
        return merr_set(err, MERR_INVALID,
                        "data.consent_to_contact: not true or false");
    }
    ev->consent = json_is_true(v);
    return 0;
}

int
signature_parse(const char *body, size_t len, struct signature_event *ev,
                struct merr *err)
{
    json_error_t jerr;
    json_t *root = NULL;
    json_t *data;
    const char *type = "";
    int rc;

    memset(ev, 0, sizeof(*ev));
    /* JSON_REJECT_DUPLICATES: two "email" members are an attack, not a
     * typo; jansson also refuses invalid UTF-8 and NUL escapes here */
    root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        rc = merr_set(err, MERR_PARSE, "body:%d:%d: %s", jerr.line, jerr.column,
                      jerr.text);
        goto out;
    }
    if (!json_is_object(root)) {
        rc = merr_set(err, MERR_INVALID, "body: not a JSON object");
        goto out;
    }
    rc = get_string(root, "", "type", true, &type, err);
    if (rc != 0) {
        goto out;
    }
    if (strcmp(type, "signature.created") != 0) {
        char t[64];

        util_sanitize(type, strlen(type), t, sizeof(t));
        rc = merr_set(err, MERR_INVALID,
                      "type: \"%s\" is not \"signature.created\"", t);
        goto out;
    }
    rc = get_time(root, "", "timestamp", &ev->timestamp, err);
    if (rc != 0) {
        goto out;
    }
    data = json_object_get(root, "data"); /* borrowed */
    if (!json_is_object(data)) {
        rc = merr_set(err, MERR_INVALID, "data: missing or not an object");
        goto out;
    }
    rc = check_data(data, ev, err);
out:
    json_decref(root); /* NULL is fine */
    return rc;
}
