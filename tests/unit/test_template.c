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

/* Compile src (no partials); asserts success.  Caller frees. */
static struct template *
compile_ok(const char *src, bool strict)
{
    struct template_opts opts = {NULL, strict};
    struct template *t = NULL;
    struct merr err = {0};

    if (template_compile(src, strlen(src), "t.md", &opts, &t, &err) != 0) {
        fail_msg("%s: %s", src, err.msg);
    }
    return t;
}

static void
expect_compile_error(const char *src, int code, const char *msg)
{
    struct template *t = NULL;
    struct merr err = {0};

    assert_int_equal(template_compile(src, strlen(src), "t.md", NULL, &t, &err),
                     code);
    assert_null(t);
    assert_string_equal(err.msg, msg);
}

static void
test_template_values(void **state)
{
    (void)state;
    /* falsey as JavaScript's !!data: "", 0, 0.0, null, false, [] */
    expect("{{#s}}S{{/s}}{{#z}}Z{{/z}}{{#r}}R{{/r}}{{#n}}N{{/n}}"
           "{{#f}}F{{/f}}{{#l}}L{{/l}}|{{^s}}s{{/s}}{{^z}}z{{/z}}",
           "{\"s\": \"\", \"z\": 0, \"r\": 0.0, \"n\": null, \"f\": false, "
           "\"l\": []}",
           "|sz");
    /* truthy: " ", 1, -0.5, {}, [0], true */
    expect("{{#s}}S{{/s}}{{#z}}Z{{/z}}{{#r}}R{{/r}}{{#o}}O{{/o}}"
           "{{#l}}L{{.}}{{/l}}{{#t}}T{{/t}}",
           "{\"s\": \" \", \"z\": 1, \"r\": -0.5, \"o\": {}, \"l\": [0], "
           "\"t\": true}",
           "SZROL0T");
    /* numbers: integers without decimals, reals in shortest form */
    expect("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}}",
           "{\"a\": -42, \"b\": 1.5, \"c\": 0.1, \"d\": 1e21, \"e\": 2.0, "
           "\"f\": 9007199254740993}",
           "-42 1.5 0.1 1e+21 2 9007199254740993");
    expect("{{t}} {{f}} [{{n}}] {{o}} {{{l}}}",
           "{\"t\": true, \"f\": false, \"n\": null, \"o\": {\"k\": \"<\"}, "
           "\"l\": [1, \"a\"]}",
           "true false [] {&quot;k&quot;:&quot;&lt;&quot;} [1,\"a\"]");
    /* UTF-8 passes through untouched; only & < > " are escaped */
    expect("{{a}}", "{\"a\": \"\xd9\x84\xdb\x8c\xd9\x84\xd8\xa7 'x' & y\"}",
           "\xd9\x84\xdb\x8c\xd9\x84\xd8\xa7 'x' &amp; y");
    /* padding inside tags, and whitespace before the type character */
    expect("{{ # a }}[{{ & b }}]{{ / a }}", "{\"a\": 1, \"b\": \"<\"}", "[<]");
}

static void
test_template_parse_errors(void **state)
{
    (void)state;
    expect_compile_error("a\nb {{#x}}\nc", MERR_PARSE,
                         "t.md:2: {{#x}}: section not closed");
    expect_compile_error("{{#x}}\n{{/y}}", MERR_PARSE,
                         "t.md:2: {{/y}}: does not close {{#x}} (line 1)");
    expect_compile_error("\n\n{{/y}}", MERR_PARSE,
                         "t.md:3: {{/y}}: closes no open section");
    expect_compile_error("x {{name", MERR_PARSE,
                         "t.md:1: {{name: tag not closed");
    expect_compile_error("{{a b}}", MERR_PARSE,
                         "t.md:1: {{a b}}: a name cannot contain spaces");
    expect_compile_error("{{}}", MERR_PARSE, "t.md:1: {{}}: empty name");
    expect_compile_error("{{a..b}}", MERR_PARSE,
                         "t.md:1: {{a..b}}: empty part in a dotted name");
    expect_compile_error("{{=<% %>=}}\n<%x", MERR_PARSE,
                         "t.md:2: <%x: tag not closed");
    expect_compile_error("{{=<%=}}", MERR_PARSE,
                         "t.md:1: {{=<%=}}: expected two delimiters, as in "
                         "{{=<% %>=}}");
    expect_compile_error("ok\n\xff", MERR_PARSE, "t.md:2: invalid UTF-8");
}

static void
test_template_strict(void **state)
{
    struct template *t = NULL;
    struct merr err = {0};
    json_t *d = json_pack("{s:s, s:{s:s}, s:n}", "name", "Ana", "case", "who",
                          "Leila", "nothing");
    const json_t *stack[1] = {d};
    struct buf b;

    (void)state;
    buf_init(&b, 1024);
    /* resolved names, null values and sections over missing names are
     * fine */
    t = compile_ok("{{name}} {{case.who}}{{nothing}}{{#gone}}x{{/gone}}"
                   "{{^gone}}!{{/gone}}",
                   true);
    assert_int_equal(template_render(t, stack, 1, NULL, NULL, &b, &err), 0);
    assert_string_equal(buf_str(&b), "Ana Leila!");
    template_free(t);

    t = compile_ok("Dear {{name}},\n\n{{{ case.what }}}", true);
    buf_reset(&b);
    assert_int_equal(template_render(t, stack, 1, NULL, NULL, &b, &err),
                     MERR_INVALID);
    assert_string_equal(err.msg, "t.md:3: {{{ case.what }}}: unknown name");
    template_free(t);

    t = compile_ok("{{#case}}{{who}} {{nmae}}{{/case}}", true);
    buf_reset(&b);
    assert_int_equal(template_render(t, stack, 1, NULL, NULL, &b, &err),
                     MERR_INVALID);
    assert_string_equal(err.msg, "t.md:1: {{nmae}}: unknown name");
    template_free(t);

    /* not strict: the spec's empty string */
    t = compile_ok("[{{nmae}}]", false);
    buf_reset(&b);
    assert_int_equal(template_render(t, stack, 1, NULL, NULL, &b, &err), 0);
    assert_string_equal(buf_str(&b), "[]");
    template_free(t);
    buf_release(&b);
    json_decref(d);
}

/* Recursive partials stop at TEMPLATE_MAX_DEPTH with MERR_LIMIT. */
static void
test_template_depth_cap(void **state)
{
    struct merr err = {0};
    json_t *parts = json_pack("{s:s}", "loop", "x{{>loop}}");
    json_t *d = json_object();
    struct buf src;
    char *got = NULL;
    size_t i;

    (void)state;
    assert_int_equal(run("{{>loop}}", parts, d, false, &got, &err), MERR_LIMIT);
    assert_string_equal(err.msg, "loop:1: {{> loop}}: nested more than 32 "
                                 "deep (recursive partial?)");
    free(got);

    /* sections nested too deeply are refused when compiling */
    buf_init(&src, 4096);
    for (i = 0; i <= TEMPLATE_MAX_DEPTH; i++) {
        assert_int_equal(buf_adds(&src, "{{#a}}"), 0);
    }
    assert_int_equal(run(buf_str(&src), NULL, d, false, &got, &err),
                     MERR_LIMIT);
    assert_string_equal(err.msg, "t:1: {{#a}}: sections nested too deeply");
    free(got);

    /* 10^20 iterations within the depth cap: stopped by the step cap */
    buf_reset(&src);
    for (i = 0; i < 20; i++) {
        assert_int_equal(buf_adds(&src, "{{#l}}"), 0);
    }
    for (i = 0; i < 20; i++) {
        assert_int_equal(buf_adds(&src, "{{/l}}"), 0);
    }
    json_object_set_new(
        d, "l", json_pack("[iiiiiiiiii]", 0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
    assert_int_equal(run(buf_str(&src), NULL, d, false, &got, &err),
                     MERR_LIMIT);
    assert_string_equal(err.msg, "t:1: more than 16777216 steps (partials "
                                 "or sections over lists nested too much?)");
    free(got);
    buf_release(&src);
    json_decref(parts);
    json_decref(d);
}

static void
test_template_output_cap(void **state)
{
    struct template *t = compile_ok("{{#l}}{{{s}}}{{/l}}", false);
    struct merr err = {0};
    json_t *d =
        json_pack("{s:[iiii], s:s}", "l", 1, 2, 3, 4, "s", "0123456789");
    const json_t *stack[1] = {d};
    struct buf b;

    (void)state;
    buf_init(&b, 35);
    assert_int_equal(template_render(t, stack, 1, NULL, NULL, &b, &err),
                     MERR_LIMIT);
    assert_string_equal(err.msg, "t.md:1: output over 35 bytes");
    assert_true(b.len <= 35);
    buf_release(&b);
    buf_init(&b, 40);
    assert_int_equal(template_render(t, stack, 1, NULL, NULL, &b, &err), 0);
    assert_int_equal(b.len, 40);
    buf_release(&b);
    template_free(t);
    json_decref(d);
}

static void
test_template_partial_names(void **state)
{
    (void)state;
    assert_true(template_partial_name_ok("footer"));
    assert_true(template_partial_name_ok("footer.en.md"));
    assert_true(template_partial_name_ok("sign-box_2"));
    assert_false(template_partial_name_ok(NULL));
    assert_false(template_partial_name_ok(""));
    assert_false(template_partial_name_ok(".."));
    assert_false(template_partial_name_ok(".hidden"));
    assert_false(template_partial_name_ok("../secrets.json"));
    assert_false(template_partial_name_ok("a/../../b"));
    assert_false(template_partial_name_ok("/etc/passwd"));
    assert_false(template_partial_name_ok("a\\b"));
    assert_false(template_partial_name_ok("a\nb"));
    assert_false(template_partial_name_ok("a\x7f"));
}

/* A loader that refuses: the error names the tag and where it is. */
static int
load_refuse(void *arg, const char *name, struct buf *out, struct merr *err)
{
    (void)arg;
    (void)out;
    return merr_set(err, MERR_INVALID, "refused %s", name);
}

static void
test_template_loader_error(void **state)
{
    struct template_loader ld = {load_refuse, NULL};
    struct template_opts opts = {&ld, false};
    struct template *t = NULL;
    struct merr err = {0};
    const char *src = "one\n{{> ../x }}";

    (void)state;
    assert_int_equal(
        template_compile(src, strlen(src), "t.md", &opts, &t, &err),
        MERR_INVALID);
    assert_null(t);
    assert_string_equal(err.msg, "t.md:2: {{> ../x}}: refused ../x");
}

static void
test_template_stack(void **state)
{
    struct template *t = NULL;
    struct merr err = {0};
    json_t *lang = json_pack("{s:s, s:s, s:{s:s}}", "greeting", "Bonjour",
                             "name", "LANG", "case", "who", "Leila");
    json_t *rcpt = json_pack("{s:s, s:{s:s}}", "name", "Ana", "case", "x", "y");
    const json_t *stack[3] = {lang, NULL, rcpt};
    struct buf b;

    (void)state;
    buf_init(&b, 1024);
    /* the top (recipient) shadows the bottom (language); a NULL entry
     * is skipped; dotted names resolve in the first context that has
     * the first part, so case.who is not found under rcpt's "case" */
    t = compile_ok("{{greeting}} {{name}}, [{{case.who}}] {{case.x}}", false);
    assert_int_equal(template_render(t, stack, 3, NULL, NULL, &b, &err), 0);
    assert_string_equal(buf_str(&b), "Bonjour Ana, [] y");
    /* render many: the same template, another recipient */
    json_object_set_new(rcpt, "name", json_string("Bo"));
    buf_reset(&b);
    assert_int_equal(template_render(t, stack, 3, NULL, NULL, &b, &err), 0);
    assert_string_equal(buf_str(&b), "Bonjour Bo, [] y");
    template_free(t);

    /* sections push on top of the caller's stack */
    t = compile_ok("{{#case}}{{who}}/{{greeting}}{{/case}}", false);
    buf_reset(&b);
    assert_int_equal(template_render(t, stack, 1, NULL, NULL, &b, &err), 0);
    assert_string_equal(buf_str(&b), "Leila/Bonjour");
    template_free(t);
    buf_release(&b);
    json_decref(lang);
    json_decref(rcpt);
}

/* An escape callback that brackets every value, counting the calls. */
static int
escape_brackets(struct buf *out, const char *s, size_t n, void *arg)
{
    int rc;

    (*(int *)arg)++;
    rc = buf_addc(out, '[');
    if (rc == 0) {
        rc = buf_add(out, s, n);
    }
    if (rc == 0) {
        rc = buf_addc(out, ']');
    }
    return rc;
}

static void
test_template_escape_callback(void **state)
{
    struct template *t = compile_ok("{{a}} {{{a}}} {{&a}} {{n}}", false);
    struct merr err = {0};
    json_t *d = json_pack("{s:s, s:i}", "a", "*x* <y>", "n", 7);
    const json_t *stack[1] = {d};
    int calls = 0;
    struct buf b;

    (void)state;
    buf_init(&b, 1024);
    assert_int_equal(
        template_render(t, stack, 1, escape_brackets, &calls, &b, &err), 0);
    /* only {{name}} goes through the callback, numbers included */
    assert_string_equal(buf_str(&b), "[*x* <y>] *x* <y> *x* <y> [7]");
    assert_int_equal(calls, 2);
    buf_reset(&b);
    assert_int_equal(template_escape_html(&b, "a&b<c>d\"e'f", 11, NULL), 0);
    assert_string_equal(buf_str(&b), "a&amp;b&lt;c&gt;d&quot;e'f");
    buf_release(&b);
    template_free(t);
    json_decref(d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template_spec),
        cmocka_unit_test(test_template_values),
        cmocka_unit_test(test_template_parse_errors),
        cmocka_unit_test(test_template_strict),
        cmocka_unit_test(test_template_depth_cap),
        cmocka_unit_test(test_template_output_cap),
        cmocka_unit_test(test_template_partial_names),
        cmocka_unit_test(test_template_loader_error),
        cmocka_unit_test(test_template_stack),
        cmocka_unit_test(test_template_escape_callback),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
