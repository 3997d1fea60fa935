/*
 * fuzz_appeal: parse arbitrary bytes as an appeal file; when they parse,
 * resolve a few subscriber languages and read the petition in each of
 * the appeal's languages.  libFuzzer.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "appeal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const tags[] = {"",      "en",         "pt-BR", "fa",
                                       "ar-EG", "zh_Hant_TW", "x-",    "-"};
    struct appeal *a = NULL;
    struct merr err;

    if (appeal_parse((const char *)data, size, "fuzz.json", &a, &err) != 0) {
        return 0;
    }
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
        bool fb = false;
        const char *l = appeal_language(a, tags[i], &fb);

        if (l == NULL || !appeal_has_language(a, l)) {
            __builtin_trap();
        }
    }
    for (size_t i = 0; i < a->nlanguages; i++) {
        (void)strlen(appeal_petition_title(a, a->languages[i]));
        (void)strlen(appeal_petition_text(a, a->languages[i]));
        (void)strlen(appeal_petition_target(a, a->languages[i]));
        (void)appeal_case_lang(a, a->languages[i]);
        (void)appeal_is_rtl(a->languages[i]);
    }
    appeal_free(a);
    return 0;
}
