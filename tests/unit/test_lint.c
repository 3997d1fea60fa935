/*
 * test_lint: the checks that need no database (texts, templates, links,
 * subjects, dates, sender), on the sample templates and broken ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "appeal.h"
#include "lint.h"
#include "util.h"

#define NOW 1795000000 /* 2026-11-18 */

static struct config *
config_for(const char *templates)
{
    struct config *cfg = xcalloc(1, sizeof(*cfg));

    cfg->templates_dir = xstrdup(templates);
    cfg->org_name = xstrdup("Org");
    cfg->org_address = xstrdup("1 Road");
    cfg->org_website = xstrdup("https://org.test");
    return cfg;
}

/* The codes found, errors then warnings, space-separated, in *out. */
static void
lint_file(const char *path, const char *templates, int64_t now, char *out,
          size_t size)
{
    struct config *cfg = config_for(templates);
    struct appeal *a = NULL;
    struct lint_report rep;
    struct merr err = {0};
    size_t used = 0;

    lint_report_init(&rep);
    if (appeal_load(unit_path(path), &a, &err) != 0) {
        fail_msg("%s", err.msg);
    }
    assert_int_equal(lint_appeal(a, cfg, NULL, now, &rep, &err), 0);
    out[0] = '\0';
    for (int sev = LINT_ERROR; sev <= LINT_WARNING; sev++) {
        for (size_t i = 0; i < rep.n; i++) {
            if (rep.v[i].severity == sev) {
                used += (size_t)snprintf(out + used, size - used, "%s%s",
                                         used > 0 ? " " : "", rep.v[i].code);
            }
        }
    }
    lint_report_release(&rep);
    appeal_free(a);
    config_free(cfg);
}

static void
test_lint_sample_is_clean(void **state)
{
    char codes[512];

    (void)state;
    lint_file("cases/example.json", "templates", NOW, codes, sizeof(codes));
    assert_string_equal(codes, "");
}

static void
test_lint_missing_language(void **state)
{
    char codes[512];

    (void)state;
    lint_file("tests/data/appeals/missing-language.json", "templates", NOW,
              codes, sizeof(codes));
    assert_string_equal(codes, "missing_case missing_petition "
                               "missing_petition missing_petition "
                               "missing_template case_fallback");
}

static void
test_lint_broken_templates(void **state)
{
    char codes[512];

    (void)state;
    lint_file("tests/data/appeals/broken-templates.json",
              "tests/data/templates", NOW, codes, sizeof(codes));
    assert_string_equal(codes, "unresolved_tag missing_sign_link "
                               "missing_unsubscribe_link subject_too_long "
                               "subject_empty");
}

static void
test_lint_layout_missing_once(void **state)
{
    char codes[512];

    (void)state;
    /* no such template folder: one message for the layout, not one per
     * language */
    lint_file("tests/data/appeals/embargo.json", "/nonexistent", NOW, codes,
              sizeof(codes));
    assert_string_equal(codes, "missing_template not_before_future");
}

static void
test_lint_dates_and_sender(void **state)
{
    char codes[512];

    (void)state;
    lint_file("tests/data/appeals/expired.json", "templates", NOW, codes,
              sizeof(codes));
    assert_string_equal(codes, "expired");
    /* before not_after: fine */
    lint_file("tests/data/appeals/expired.json", "templates", 1580000000, codes,
              sizeof(codes));
    assert_string_equal(codes, "");
    lint_file("tests/data/appeals/sender.json", "templates", NOW, codes,
              sizeof(codes));
    assert_string_equal(codes, "invalid_sender invalid_sender");
}

static void
test_lint_report_dedup(void **state)
{
    struct lint_report r;

    (void)state;
    lint_report_init(&r);
    lint_add(&r, LINT_ERROR, "x", "same %d", 1);
    lint_add(&r, LINT_ERROR, "x", "same %d", 1);
    lint_add(&r, LINT_WARNING, "y", "other");
    assert_int_equal(r.n, 2);
    assert_int_equal(r.nerrors, 1);
    assert_int_equal(r.nwarnings, 1);
    lint_report_release(&r);
    lint_report_release(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lint_sample_is_clean),
        cmocka_unit_test(test_lint_missing_language),
        cmocka_unit_test(test_lint_broken_templates),
        cmocka_unit_test(test_lint_layout_missing_once),
        cmocka_unit_test(test_lint_dates_and_sender),
        cmocka_unit_test(test_lint_report_dedup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
