/*
 * fuzz_webhook: parse arbitrary bytes as a signature webhook body; when
 * they parse, check what signature.c promises about the fields (NUL-
 * terminated, within their caps, country and language well-formed).
 * libFuzzer.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "signature.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct signature_event ev;
    struct merr err;

    if (signature_parse((const char *)data, size, &ev, &err) != 0) {
        if (memchr(err.msg, '\0', sizeof(err.msg)) == NULL) {
            __builtin_trap();
        }
        return 0;
    }
    if (ev.appeal[0] == '\0' || ev.name[0] == '\0' ||
        strlen(ev.name) > SIGNATURE_MAX_NAME ||
        strlen(ev.language) > SIGNATURE_MAX_LANG ||
        (ev.email[0] == '\0' && ev.token[0] == '\0') ||
        (ev.email[0] != '\0' && strchr(ev.email_key, '@') == NULL) ||
        (ev.country[0] != '\0' && !signature_country_valid(ev.country))) {
        __builtin_trap();
    }
    for (const char *p = ev.name; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20) {
            __builtin_trap(); /* controls are refused */
        }
    }
    return 0;
}
