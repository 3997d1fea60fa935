/*
 * test_appeal: the appeal file (syntax and content errors with their
 * place), the content hash, language resolution, right-to-left tags.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "appeal.h"
#include "token.h"
#include "util.h"

#define MINIMAL                                                         \
    "\"id\": \"a-1\", \"template\": \"t\", \"lists\": [\"l\"],"         \
    " \"languages\": [\"en\", \"fr\", \"pt\", \"pt-BR\", \"ar\"],"      \
    " \"default_language\": \"en\", \"fallback\": {\"fa\": \"fr\"},"    \
    " \"case\": {\"name\": \"X\", \"en\": {\"s\": \"e\"}},"             \
    " \"petition\": {\"target\": \"T\", \"title\": {\"en\": \"Free\", " \
    "\"fr\": \"Libérez\"}, \"text\": {\"en\": \"Please\"}}"

static struct appeal *
parse_ok(const char *text)
{
    struct appeal *a = NULL;
    struct merr err = {0};

    if (appeal_parse(text, strlen(text), "x.json", &a, &err) != 0) {
        fail_msg("appeal_parse: %s", err.msg);
    }
    return a;
}

static void
expect_error(const char *text, int code, const char *msg)
{
    struct appeal *a = NULL;
    struct merr err = {0};

    assert_int_equal(appeal_parse(text, strlen(text), "cases/x.json", &a, &err),
                     code);
    assert_null(a);
    if (strcmp(err.msg, msg) != 0) {
        fail_msg("got \"%s\", expected \"%s\"", err.msg, msg);
    }
}

static void
test_appeal_sample_file(void **state)
{
    struct appeal *a = NULL;
    struct merr err = {0};
    char *text;
    size_t len;
    char hash[TOKEN_SHA256_HEX];

    (void)state;
    assert_int_equal(appeal_load(unit_path("cases/example.json"), &a, &err), 0);
    assert_string_equal(a->template_name, "urgent-appeal");
    assert_int_equal(a->nlanguages, 5);
    assert_string_equal(a->default_language, "en");
    assert_false(a->restricted);
    text = unit_slurp(unit_path("cases/example.json"), &len);
    token_sha256_hex(text, len, hash);
    assert_string_equal(a->content_hash, hash);
    assert_memory_equal(a->text, text, len);
    assert_string_equal(appeal_language(a, "pt-BR", NULL), "es");
    assert_string_equal(appeal_language(a, "fa", NULL), "en");
    free(text);
    appeal_free(a);
}

static void
test_appeal_syntax_error_place(void **state)
{
    (void)state;
    expect_error("{\n  \"id\": \"a\",\n  \"lists\": [\"l\",]\n}", MERR_PARSE,
                 "cases/x.json:3:17: unexpected token near ']'");
    expect_error("[1]", MERR_PARSE,
                 "cases/x.json:1:1: the appeal must be an object");
    expect_error("{\"id\": \"a\", \"id\": \"b\"}", MERR_PARSE,
                 "cases/x.json:1:16: duplicate object key near '\"id\"'");
}

static void
test_appeal_content_errors(void **state)
{
    (void)state;
    expect_error("{\"template\": \"t\"}", MERR_INVALID,
                 "cases/x.json: id: missing");
    expect_error("{\"id\": \"A b\"}", MERR_INVALID,
                 "cases/x.json: id: must be a slug: a-z, 0-9 and \"-\", at "
                 "most 64");
    expect_error("{" MINIMAL ", \"not_afer\": \"2026-01-01T00:00:00Z\"}",
                 MERR_INVALID, "cases/x.json: not_afer: unknown field");
    expect_error("{\"id\": \"a\", \"template\": \"../etc\"}", MERR_INVALID,
                 "cases/x.json: template: must be a folder name");
    expect_error("{\"id\": \"a\", \"template\": \"t\", \"lists\": [\"l\"],"
                 " \"languages\": [\"en\"], \"default_language\": \"de\"}",
                 MERR_INVALID,
                 "cases/x.json: default_language: \"de\" is not one of "
                 "languages");
    expect_error("{" MINIMAL ", \"not_before\": \"tomorrow\"}", MERR_INVALID,
                 "cases/x.json: not_before: \"tomorrow\" is not an RFC 3339 "
                 "time (2026-11-28T14:00:00Z)");
    expect_error("{" MINIMAL ", \"visibility\": \"secret\"}", MERR_INVALID,
                 "cases/x.json: visibility: must be \"public\" or "
                 "\"restricted\"");
    expect_error("{\"id\": \"a\", \"template\": \"t\", \"lists\": [\"l\"],"
                 " \"languages\": [\"en\"], \"default_language\": \"en\","
                 " \"fallback\": {\"fa\": \"de\"}}",
                 MERR_INVALID,
                 "cases/x.json: fallback.fa: must name one of languages");
    expect_error("{\"id\": \"a\", \"template\": \"t\", \"lists\": [\"l\"],"
                 " \"languages\": [\"en\"], \"default_language\": \"en\","
                 " \"case\": {}, \"petition\": {\"target\": \"T\","
                 " \"title\": {\"en\": 3}, \"text\": \"x\"}}",
                 MERR_INVALID,
                 "cases/x.json: petition.title.en: must be a "
                 "string");
    expect_error("{\"id\": \"a\", \"template\": \"t\", \"lists\": [],"
                 " \"languages\": [\"en\"]}",
                 MERR_INVALID,
                 "cases/x.json: lists: must be a list of at least one name");
}

static void
test_appeal_fields(void **state)
{
    struct appeal *a;

    (void)state;
    a = parse_ok("{" MINIMAL ", \"visibility\": \"restricted\","
                 " \"not_before\": \"2026-11-28T14:00:00+01:00\","
                 " \"reply_to\": \"r@example.org\", \"note\": \"fiction\","
                 " \"_comment\": 1}");
    assert_true(a->restricted);
    assert_int_equal(a->not_before, 1795870800);
    assert_int_equal(a->not_after, 0);
    assert_string_equal(a->reply_to, "r@example.org");
    assert_null(a->from);
    assert_string_equal(appeal_petition_title(a, "fr"), "Libérez");
    /* petition text falls back to the default language */
    assert_string_equal(appeal_petition_text(a, "fr"), "Please");
    assert_true(appeal_petition_has(a, "title", "fr"));
    assert_false(appeal_petition_has(a, "text", "fr"));
    /* one string is every language's */
    assert_true(appeal_petition_has(a, "target", "ar"));
    assert_string_equal(appeal_petition_target(a, "ar"), "T");
    assert_non_null(appeal_case_lang(a, "en"));
    assert_null(appeal_case_lang(a, "fr"));
    appeal_free(a);
}

static void
test_appeal_language_resolution(void **state)
{
    struct appeal *a;
    bool fb = false;

    (void)state;
    a = parse_ok("{" MINIMAL "}");
    /* exact */
    assert_string_equal(appeal_language(a, "fr", &fb), "fr");
    assert_false(fb);
    assert_string_equal(appeal_language(a, "pt-BR", &fb), "pt-BR");
    assert_false(fb);
    /* case and separator do not matter */
    assert_string_equal(appeal_language(a, "PT_br", &fb), "pt-BR");
    assert_false(fb);
    /* the fallback map comes before the primary subtag */
    assert_string_equal(appeal_language(a, "fa", &fb), "fr");
    assert_true(fb);
    /* primary subtag */
    assert_string_equal(appeal_language(a, "pt-PT", &fb), "pt");
    assert_true(fb);
    assert_string_equal(appeal_language(a, "ar-EG", &fb), "ar");
    assert_true(fb);
    /* default */
    assert_string_equal(appeal_language(a, "de", &fb), "en");
    assert_true(fb);
    assert_string_equal(appeal_language(a, "", &fb), "en");
    assert_true(fb);
    assert_string_equal(appeal_language(a, NULL, NULL), "en");
    assert_true(appeal_has_language(a, "ar"));
    assert_false(appeal_has_language(a, "fa"));
    appeal_free(a);
}

static void
test_appeal_languages_normalised(void **state)
{
    struct appeal *a;

    (void)state;
    a = parse_ok("{\"id\": \"a\", \"template\": \"t\", \"lists\": [\"l\"],"
                 " \"languages\": [\"EN\", \"pt_br\", \"zh-hant-tw\"],"
                 " \"default_language\": \"en\", \"case\": {},"
                 " \"petition\": {\"target\": \"T\", \"title\": \"t\","
                 " \"text\": \"x\"}}");
    assert_string_equal(a->languages[0], "en");
    assert_string_equal(a->languages[1], "pt-BR");
    assert_string_equal(a->languages[2], "zh-Hant-TW");
    appeal_free(a);
    expect_error("{\"id\": \"a\", \"template\": \"t\", \"lists\": [\"l\"],"
                 " \"languages\": [\"en\", \"EN\"]}",
                 MERR_INVALID, "cases/x.json: languages: \"en\" listed twice");
    expect_error("{\"id\": \"a\", \"template\": \"t\", \"lists\": [\"l\"],"
                 " \"languages\": [\"English\"]}",
                 MERR_INVALID,
                 "cases/x.json: languages[0]: \"English\" is not a language "
                 "tag");
}

static void
test_appeal_rtl(void **state)
{
    static const char *const rtl[] = {
        "ar",    "fa",    "he",    "ur",    "ps", "ckb",     "dv",        "yi",
        "ar-EG", "fa-IR", "he-IL", "ur-PK", "AR", "az-Arab", "pa-Arab-PK"};
    static const char *const ltr[] = {"en",  "fr",      "ru",      "pt-BR",
                                      "",    "ku-Latn", "ar-Latn", "arn",
                                      "hea", "zh-Hant"};

    (void)state;
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(rtl); i++) {
        if (!appeal_is_rtl(rtl[i])) {
            fail_msg("%s should be right-to-left", rtl[i]);
        }
    }
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(ltr); i++) {
        if (appeal_is_rtl(ltr[i])) {
            fail_msg("%s should be left-to-right", ltr[i]);
        }
    }
    assert_false(appeal_is_rtl(NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appeal_sample_file),
        cmocka_unit_test(test_appeal_syntax_error_place),
        cmocka_unit_test(test_appeal_content_errors),
        cmocka_unit_test(test_appeal_fields),
        cmocka_unit_test(test_appeal_language_resolution),
        cmocka_unit_test(test_appeal_languages_normalised),
        cmocka_unit_test(test_appeal_rtl),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
