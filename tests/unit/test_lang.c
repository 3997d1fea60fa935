/*
 * test_lang: BCP 47 normalisation, known and unknown languages, primary
 * subtags.
 */
#include <string.h>

#include "unit.h"
#include "err.h"
#include "lang.h"

static int
norm(const char *in, char *out)
{
    return lang_normalize(in, strlen(in), out, LANG_MAX);
}

static void
test_lang_normalize_case(void **state)
{
    char out[LANG_MAX];

    (void)state;
    assert_int_equal(norm("pt_BR", out), 0);
    assert_string_equal(out, "pt-BR");
    assert_int_equal(norm("FR", out), 0);
    assert_string_equal(out, "fr");
    assert_int_equal(norm("zh_hant_tw", out), 0);
    assert_string_equal(out, "zh-Hant-TW");
    assert_int_equal(norm("SR-LATN-rs", out), 0);
    assert_string_equal(out, "sr-Latn-RS");
    assert_int_equal(norm("es-419", out), 0);
    assert_string_equal(out, "es-419");
    assert_int_equal(norm("  en-gb\t", out), 0);
    assert_string_equal(out, "en-GB");
    assert_int_equal(norm("de-CH-1996", out), 0);
    assert_string_equal(out, "de-CH-1996");
    /* after a singleton everything is lower-case */
    assert_int_equal(norm("en-US-x-TWAIN", out), 0);
    assert_string_equal(out, "en-US-x-twain");
}

static void
test_lang_normalize_locale(void **state)
{
    char out[LANG_MAX];

    (void)state;
    assert_int_equal(norm("fr_FR.UTF-8", out), 0);
    assert_string_equal(out, "fr-FR");
    assert_int_equal(norm("de_DE@euro", out), 0);
    assert_string_equal(out, "de-DE");
}

static void
test_lang_normalize_three_letter(void **state)
{
    char out[LANG_MAX];

    (void)state;
    /* a 3-letter code with a 2-letter equivalent: the shortest */
    assert_int_equal(norm("eng", out), 0);
    assert_string_equal(out, "en");
    assert_int_equal(norm("fre", out), 0);
    assert_string_equal(out, "fr");
    assert_int_equal(norm("FAS-ir", out), 0);
    assert_string_equal(out, "fa-IR");
    assert_int_equal(norm("per", out), 0);
    assert_string_equal(out, "fa");
    /* deprecated codes */
    assert_int_equal(norm("iw", out), 0);
    assert_string_equal(out, "he");
    /* common languages without a 2-letter code */
    assert_int_equal(norm("ckb", out), 0);
    assert_string_equal(out, "ckb");
    assert_int_equal(norm("FIL", out), 0);
    assert_string_equal(out, "fil");
    assert_int_equal(norm("yue-HK", out), 0);
    assert_string_equal(out, "yue-HK");
}

static void
test_lang_normalize_unknown(void **state)
{
    char out[LANG_MAX];

    (void)state;
    /* well-formed, unknown language: normalised, reported */
    assert_int_equal(norm("XX", out), MERR_NOTFOUND);
    assert_string_equal(out, "xx");
    assert_int_equal(norm("qqq_ZZ", out), MERR_NOTFOUND);
    assert_string_equal(out, "qqq-ZZ");
    /* not a tag: kept as given */
    assert_int_equal(norm("English", out), MERR_INVALID);
    assert_string_equal(out, "English");
    assert_int_equal(norm("en--US", out), MERR_INVALID);
    assert_string_equal(out, "en--US");
    assert_int_equal(norm("en-", out), MERR_INVALID);
    assert_int_equal(norm("e", out), MERR_INVALID);
    assert_int_equal(norm("en-U1", out), MERR_INVALID);
    assert_int_equal(norm("fr FR", out), MERR_INVALID);
    assert_string_equal(out, "fr FR");
    assert_int_equal(norm("en-toolongvariant", out), MERR_INVALID);
    assert_int_equal(norm(".UTF-8", out), MERR_INVALID);
    /* empty is no language, not an error */
    assert_int_equal(norm("  ", out), 0);
    assert_string_equal(out, "");
}

static void
test_lang_normalize_limit(void **state)
{
    char small[4];
    char big[200];

    (void)state;
    assert_int_equal(lang_normalize("pt-BR", 5, small, sizeof(small)),
                     MERR_LIMIT);
    assert_string_equal(small, "");
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(lang_normalize(big, strlen(big), small, sizeof(small)),
                     MERR_LIMIT);
}

static void
test_lang_primary_and_known(void **state)
{
    char out[LANG_MAX];

    (void)state;
    assert_int_equal(lang_primary("pt-BR", out, sizeof(out)), 0);
    assert_string_equal(out, "pt");
    assert_int_equal(lang_primary("fr", out, sizeof(out)), 0);
    assert_string_equal(out, "fr");
    assert_int_equal(lang_primary("", out, sizeof(out)), 0);
    assert_string_equal(out, "");
    assert_int_equal(lang_primary("zh-Hant", out, 2), MERR_LIMIT);
    assert_true(lang_known("ar"));
    assert_true(lang_known("fa-IR"));
    assert_true(lang_known("RU"));
    assert_true(lang_known("zu"));
    assert_true(lang_known("aa"));
    assert_false(lang_known("xx"));
    assert_false(lang_known(""));
    assert_false(lang_known("-en"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lang_normalize_case),
        cmocka_unit_test(test_lang_normalize_locale),
        cmocka_unit_test(test_lang_normalize_three_letter),
        cmocka_unit_test(test_lang_normalize_unknown),
        cmocka_unit_test(test_lang_normalize_limit),
        cmocka_unit_test(test_lang_primary_and_known),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
