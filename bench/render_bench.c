/*
 * render_bench: messages rendered per second (subject, preheader, text
 * and HTML of one recipient; no MIME) for the sample appeal
 * (cases/example.json, templates/urgent-appeal), one core, languages in
 * turn, 1,000 distinct recipients.  A measurement, not a test.
 *
 *   render_bench [N]     (run from the top of the source tree)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "appeal.h"
#include "render.h"
#include "util.h"

#define RECIPIENTS 1000

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
    static const char *const names[] = {"Ana Souza", "", "كريم منصور",
                                        "Ирина Петрова", "Claire Dubois"};
    static char sign[RECIPIENTS][80], unsub[RECIPIENTS][80];
    static char email[RECIPIENTS][40];
    struct render_recipient r[RECIPIENTS];
    struct config cfg;
    struct appeal *a = NULL;
    struct render_set *rs = NULL;
    struct render_out out;
    struct merr err = {0};
    uint64_t n = 500000;
    double t0, t1, t2;
    size_t bytes = 0;

    if (argc > 1 && util_parse_uint(argv[1], 100000000, &n) != 0) {
        fprintf(stderr, "usage: render_bench [N]\n");
        return 64;
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.templates_dir = xstrdup("templates");
    cfg.org_name = xstrdup("Example Human Rights Network");
    cfg.org_address = xstrdup("Rue de l'Exemple 1, 1000 Brussels, Belgium");
    cfg.org_website = xstrdup("https://example.org");
    for (size_t i = 0; i < RECIPIENTS; i++) {
        (void)snprintf(email[i], sizeof(email[i]), "s%zu@example.org", i);
        (void)snprintf(sign[i], sizeof(sign[i]),
                       "https://act.example.org/s/%026zu", i * 7919);
        (void)snprintf(unsub[i], sizeof(unsub[i]),
                       "https://act.example.org/u/%026zu", i * 7919);
        r[i] = (struct render_recipient){names[i % 5], email[i], sign[i],
                                         unsub[i], "{}"};
    }
    t0 = now();
    if (appeal_load("cases/example.json", &a, &err) != 0 ||
        render_set_new(a, &cfg, &rs, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    t1 = now();
    render_out_init(&out);
    for (uint64_t i = 0; i < n; i++) {
        const char *lang = a->languages[i % a->nlanguages];

        if (render_message(rs, lang, &r[i % RECIPIENTS], &out, &err) != 0) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        bytes +=
            out.subject.len + out.preheader.len + out.text.len + out.html.len;
    }
    t2 = now();
    printf("render_set_new (5 languages): %.1f ms\n", (t1 - t0) * 1e3);
    printf("renders: %llu in %.3f s = %.0f per second, one core\n",
           (unsigned long long)n, t2 - t1, (double)n / (t2 - t1));
    printf("average output: %.0f bytes (subject + preheader + text + "
           "html)\n",
           (double)bytes / (double)n);
    render_out_release(&out);
    render_set_free(rs);
    appeal_free(a);
    free(cfg.templates_dir);
    free(cfg.org_name);
    free(cfg.org_address);
    free(cfg.org_website);
    return 0;
}
