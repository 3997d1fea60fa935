/*
 * template_bench: renders per second of one compiled Mustache body (about
 * 2.7 KB out, 90 tags, a section over a list) with a two-level context
 * stack (language, recipient), one core.  A measurement, not a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <jansson.h>

#include "buf.h"
#include "template.h"

#define RENDERS 300000

static const char body[] =
    "Dear {{name}},\n\n{{case.who}}, a human-rights defender in "
    "{{case.where}}, was arrested on {{case.date}}. We fear for "
    "{{case.pronoun}} safety. Please sign: {{{sign_url}}}\n"
    "{{#case.facts}}- {{.}}\n{{/case.facts}}\n";

int
main(void)
{
    struct template *t = NULL;
    struct merr err = {0};
    struct buf src, out;
    struct timespec a, b;
    json_t *lang, *rcpt;
    const json_t *stack[2];
    double secs;
    int i;

    buf_init(&src, 1 << 20);
    buf_init(&out, 1 << 22);
    for (i = 0; i < 12; i++) {
        (void)buf_adds(&src, body);
    }
    (void)buf_adds(&src, "Unsubscribe: {{{unsubscribe_url}}}\n");
    if (template_compile(src.data, src.len, "bench", NULL, &t, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    lang = json_pack("{s:{s:s, s:s, s:s, s:s, s:[sss]}}", "case", "who",
                     "Leila Ahmadi", "where", "Tehran", "date", "3 March",
                     "pronoun", "her", "facts", "held incommunicado",
                     "no access to a lawyer", "health at risk");
    rcpt = json_pack("{s:s, s:s, s:s}", "name", "Ana <Silva>", "sign_url",
                     "https://act.example.org/s/AAAAAAAAAAAAAAAAAAAAAAAA",
                     "unsubscribe_url",
                     "https://act.example.org/u/BBBBBBBBBBBBBBBBBBBBBBBB");
    stack[0] = lang;
    stack[1] = rcpt;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (i = 0; i < RENDERS; i++) {
        buf_reset(&out);
        if (template_render(t, stack, 2, NULL, NULL, &out, &err) != 0) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    printf("template: %zu-byte source, %zu bytes out, %d renders in %.2f s: "
           "%.0f renders/s (%.0f MB/s)\n",
           src.len, out.len, RENDERS, secs, RENDERS / secs,
           RENDERS * (double)out.len / secs / 1e6);
    template_free(t);
    json_decref(lang);
    json_decref(rcpt);
    buf_release(&src);
    buf_release(&out);
    return 0;
}
