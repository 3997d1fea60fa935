/*
 * test_render: template sets per language, literal values (HTML,
 * Markdown, header injection), RTL and <bdi>, wrapping at 72 columns,
 * case fallback, partial names, sections on recipient values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "appeal.h"
#include "render.h"
#include "render_int.h"
#include "util.h"

#define EVIL "*Ana* [x](javascript:alert(1)) <script>"

static const char appeal_json[] =
    "{\"id\": \"t-1\", \"template\": \"t\", \"lists\": [\"l\"],"
    " \"languages\": [\"en\", \"fr\", \"ar\"], \"default_language\": \"en\","
    " \"case\": {\"name\": \"Leila <b>H</b>\","
    "   \"en\": {\"summary\": \"Held *since* [May](http://x.test) &amp; "
    "<i>more</i>\\n# not a heading\", \"only_en\": \"from en\","
    "     \"fake\": \"x\\uE000\\uE100y\","
    "     \"list\": [\"one\", \"two\"]},"
    "   \"fr\": {\"summary\": \"Détenue\"},"
    "   \"ar\": {\"summary\": \"محتجزة\", \"only_en\": \"عربي\"}},"
    " \"petition\": {\"target\": \"the Minister\", \"title\": {\"en\": "
    "\"Free her\", \"fr\": \"Libérez-la\", \"ar\": \"أطلقوا سراحها\"},"
    "   \"text\": {\"en\": \"Please\", \"fr\": \"SVP\", \"ar\": \"رجاء\"}}}";

static const char body[] =
    "{{#subscriber.name}}\n"
    "Dear {{subscriber.name}},\n"
    "{{/subscriber.name}}\n"
    "{{^subscriber.name}}\n"
    "Dear friend,\n"
    "{{/subscriber.name}}\n"
    "\n"
    "{{case.summary}}\n"
    "\n"
    "Only: {{case.only_en}}. City: {{subscriber.city}}. {{case.fake}}\n"
    "\n"
    "{{#case.list}}\n"
    "- {{.}}\n"
    "{{/case.list}}\n"
    "\n"
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod "
    "tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim "
    "veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip.\n"
    "\n"
    "Sign: <{{sign_url}}>\n"
    "\n"
    "[Stop]({{unsubscribe_url}}) {{> footer.md}}\n";

struct fixture {
    char *dir;
    struct config *cfg;
    struct appeal *a;
};

static void
write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    struct merr err = {0};

    assert_true(snprintf(path, sizeof(path), "%s/%s", dir, name) <
                (int)sizeof(path));
    assert_int_equal(
        util_write_file(path, text, strlen(text), 0644, false, &err), 0);
}

static void
write_lang(const char *tdir, const char *lang, const char *subject,
           const char *text)
{
    char name[32];
    char *src = NULL;
    size_t n = strlen(subject) + strlen(text) + 64;

    src = xmalloc(n);
    (void)snprintf(src, n, "subject: %s\npreheader: Pre {{lang}}\n\n%s",
                   subject, text);
    (void)snprintf(name, sizeof(name), "%s.md", lang);
    write_file(tdir, name, src);
    free(src);
}

static int
setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof(*f));
    struct merr err = {0};
    char tdir[512];

    f->dir = unit_tmpdir();
    (void)snprintf(tdir, sizeof(tdir), "%s/t", f->dir);
    if (util_mkdir_p(tdir, 0755, &err) != 0) {
        return -1;
    }
    write_lang(tdir, "en", "Urgent: {{petition.title}} {{subscriber.name}}",
               body);
    write_lang(tdir, "fr", "Urgent : {{petition.title}}", body);
    write_lang(tdir, "ar", "عاجل: {{petition.title}}", body);
    write_file(tdir, "footer.md", "Footer of {{organisation.name}}.");
    write_file(tdir, "layout.html",
               "<html lang=\"{{lang}}\" dir=\"{{dir}}\"><title>{{subject}}"
               "</title><body data-x=\"{{case.name}}\">{{{body}}}"
               "<p>{{subscriber.name}}</p></body></html>\n");
    f->cfg = xcalloc(1, sizeof(*f->cfg));
    f->cfg->templates_dir = xstrdup(f->dir);
    f->cfg->org_name = xstrdup("Org & Co");
    f->cfg->org_address = xstrdup("1 Road");
    f->cfg->org_website = xstrdup("https://org.test");
    if (appeal_parse(appeal_json, strlen(appeal_json), "t.json", &f->a, &err) !=
        0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    unit_rmtree(f->dir);
    free(f->dir);
    config_free(f->cfg);
    appeal_free(f->a);
    free(f);
    return 0;
}

static struct render_set *
set_for(struct fixture *f)
{
    struct render_set *rs = NULL;
    struct merr err = {0};

    if (render_set_new(f->a, f->cfg, &rs, &err) != 0) {
        fail_msg("render_set_new: %s", err.msg);
    }
    return rs;
}

static void
render_one(const struct render_set *rs, const char *lang, const char *name,
           const char *attrs, struct render_out *out)
{
    struct render_recipient r = {name, "ana@example.org",
                                 "https://act.test/s/TOKEN1",
                                 "https://act.test/u/TOKEN2?a=1&b=2", attrs};
    struct merr err = {0};

    if (render_message(rs, lang, &r, out, &err) != 0) {
        fail_msg("render_message: %s", err.msg);
    }
}

static void
test_render_literal_values(void **state)
{
    struct render_set *rs = set_for(*state);
    struct render_out o;

    render_out_init(&o);
    render_one(rs, "en", EVIL, NULL, &o);
    /* the text part has the characters as they are */
    assert_non_null(strstr(buf_str(&o.text), "Dear " EVIL ","));
    /* HTML: escaped, isolated, never markup */
    assert_non_null(strstr(buf_str(&o.html),
                           "Dear <bdi>*Ana* [x](javascript:alert(1)) "
                           "&lt;script&gt;</bdi>,"));
    assert_null(strstr(buf_str(&o.html), "<script"));
    assert_null(strstr(buf_str(&o.html), "<em>Ana"));
    assert_null(strstr(buf_str(&o.html), "href=\"javascript"));
    /* in <title> and in attributes: escaped, no <bdi> */
    assert_non_null(strstr(buf_str(&o.html), "<title>Urgent: Free her "
                                             "*Ana* [x](javascript:alert(1)) "
                                             "&lt;script&gt;</title>"));
    assert_non_null(
        strstr(buf_str(&o.html), "data-x=\"Leila &lt;b&gt;H&lt;/b&gt;\""));
    /* case text is literal too */
    assert_non_null(strstr(buf_str(&o.html),
                           "Held *since* [May](http://x.test) &amp;amp; "
                           "&lt;i&gt;more&lt;/i&gt;\n# not a heading"));
    assert_null(strstr(buf_str(&o.html), "<h1>"));
    /* a case value cannot pose as a recipient value */
    assert_non_null(strstr(buf_str(&o.text), "x\xEE\x84\x80y"));
    assert_null(strstr(buf_str(&o.text), "x" EVIL "y"));
    assert_non_null(strstr(buf_str(&o.text),
                           "Held *since* [May](http://x.test) &amp; "
                           "<i>more</i>"));
    /* links: HTML-escaped in href, whole in the text */
    assert_non_null(strstr(buf_str(&o.html),
                           "href=\"https://act.test/u/TOKEN2?a=1&amp;b=2\""));
    assert_non_null(strstr(buf_str(&o.html),
                           "<a href=\"https://act.test/s/TOKEN1\">"
                           "https://act.test/s/TOKEN1</a>"));
    assert_non_null(strstr(buf_str(&o.text), "<https://act.test/s/TOKEN1>"));
    assert_non_null(strstr(buf_str(&o.text), "Footer of Org & Co."));
    assert_non_null(strstr(buf_str(&o.html), "Footer of Org &amp; Co."));
    render_out_release(&o);
    render_set_free(rs);
}

static void
test_render_header_injection(void **state)
{
    struct render_set *rs = set_for(*state);
    struct render_out o;

    render_out_init(&o);
    render_one(rs, "en", "Ana\r\nBcc: victim@example.org\n", NULL, &o);
    assert_null(strchr(buf_str(&o.subject), '\r'));
    assert_null(strchr(buf_str(&o.subject), '\n'));
    assert_string_equal(buf_str(&o.subject),
                        "Urgent: Free her Ana  Bcc: victim@example.org ");
    assert_null(strchr(buf_str(&o.preheader), '\n'));
    render_out_release(&o);
    render_set_free(rs);
}

static void
test_render_rtl_dir(void **state)
{
    struct render_set *rs = set_for(*state);
    struct render_out o;

    render_out_init(&o);
    render_one(rs, "ar", "Ana", NULL, &o);
    assert_non_null(strstr(buf_str(&o.html), "<html lang=\"ar\" dir=\"rtl\">"));
    assert_string_equal(buf_str(&o.subject), "عاجل: أطلقوا سراحها");
    assert_string_equal(buf_str(&o.preheader), "Pre ar");
    assert_non_null(strstr(buf_str(&o.html), "<p><bdi>Ana</bdi></p>"));
    render_one(rs, "fr", "Ana", NULL, &o);
    assert_non_null(strstr(buf_str(&o.html), "<html lang=\"fr\" dir=\"ltr\">"));
    assert_true(appeal_is_rtl("fa-IR"));
    render_out_release(&o);
    render_set_free(rs);
}

static void
test_render_sections_on_recipient(void **state)
{
    struct render_set *rs = set_for(*state);
    struct render_out o;

    render_out_init(&o);
    render_one(rs, "en", "", NULL, &o);
    assert_true(util_starts_with(buf_str(&o.text), "Dear friend,\n"));
    assert_string_equal(buf_str(&o.subject), "Urgent: Free her");
    assert_non_null(strstr(buf_str(&o.text), "City: ."));
    render_one(rs, "en", "Ana", "{\"city\": \"Lyon\", \"n\": 3}", &o);
    assert_true(util_starts_with(buf_str(&o.text), "Dear Ana,\n"));
    assert_non_null(strstr(buf_str(&o.text), "City: Lyon."));
    assert_non_null(strstr(buf_str(&o.html), "City: <bdi>Lyon</bdi>."));
    render_out_release(&o);
    render_set_free(rs);
}

static void
test_render_case_fallback(void **state)
{
    struct render_set *rs = set_for(*state);
    struct render_out o;

    render_out_init(&o);
    render_one(rs, "fr", "Ana", NULL, &o);
    /* fr has no only_en nor list: the default language's */
    assert_non_null(strstr(buf_str(&o.text), "Only: from en."));
    assert_non_null(strstr(buf_str(&o.text), "- one\n- two\n"));
    assert_non_null(strstr(buf_str(&o.text), "Détenue"));
    render_one(rs, "ar", "Ana", NULL, &o);
    assert_non_null(strstr(buf_str(&o.text), "Only: عربي."));
    render_out_release(&o);
    render_set_free(rs);
}

static void
test_render_wrap_72(void **state)
{
    struct render_set *rs = set_for(*state);
    struct render_out o;
    const char *p;
    char longname[200];

    memset(longname, 'n', 120);
    longname[120] = '\0';
    render_out_init(&o);
    render_one(rs, "en", longname, NULL, &o);
    p = buf_str(&o.text);
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);

        /* a line passes 72 only when it is one word (a URL, the name) */
        if (render_columns(p, n) > RENDER_WIDTH) {
            assert_null(memchr(p, ' ', n));
        }
        p = nl != NULL ? nl + 1 : p + n;
    }
    assert_non_null(strstr(buf_str(&o.text),
                           "Lorem ipsum dolor sit amet, consectetur "
                           "adipiscing elit, sed do eiusmod\ntempor"));
    render_out_release(&o);
    render_set_free(rs);
}

static void
test_render_wrap_units(void **state)
{
    struct buf b;
    const char *url = "https://act.example.org/s/"
                      "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstu";

    (void)state;
    buf_init(&b, 4096);
    assert_int_equal(render_wrap(&b, "aaa bbb ccc", 11, "- ", "  ", 7), 0);
    assert_string_equal(buf_str(&b), "- aaa\n  bbb\n  ccc\n");
    buf_reset(&b);
    assert_int_equal(render_wrap(&b, url, strlen(url), "", "", 72), 0);
    assert_int_equal(b.len, strlen(url) + 1);
    assert_memory_equal(buf_str(&b), url, strlen(url));
    /* columns are characters, not bytes */
    assert_int_equal(render_columns("été", strlen("été")), 3);
    buf_release(&b);
}

static void
test_render_text_split_blocks(void **state)
{
    static const char md[] =
        "# A heading that is long enough to pass the limit of seventy-two "
        "columns\n"
        "\n"
        "```\n"
        "code line that is long enough to pass the limit of seventy-two "
        "columns\n"
        "```\n"
        "> quoted text quoted text quoted text quoted text quoted text quoted "
        "text\n";
    struct render_pieces p;
    struct buf b;

    (void)state;
    buf_init(&b, 4096);
    assert_int_equal(render_text_split(md, strlen(md), &p), 0);
    for (size_t i = 0; i < p.n; i++) {
        assert_false(p.v[i].para);
        assert_int_equal(buf_add(&b, p.v[i].s.data, p.v[i].s.len), 0);
    }
    assert_string_equal(
        buf_str(&b),
        "# A heading that is long enough to pass the limit of seventy-two "
        "columns\n\n```\ncode line that is long enough to pass the limit of "
        "seventy-two columns\n```\n> quoted text quoted text quoted text "
        "quoted text quoted text quoted\n> text\n");
    render_pieces_release(&p);
    buf_release(&b);
}

static void
test_render_partial_names(void **state)
{
    struct fixture *f = *state;
    struct render_set *rs = NULL;
    struct merr err = {0};
    char tdir[512];

    (void)snprintf(tdir, sizeof(tdir), "%s/t", f->dir);
    write_lang(tdir, "fr", "x", "{{> ../secret}}\n{{sign_url}}\n");
    assert_int_equal(render_set_new(f->a, f->cfg, &rs, &err), MERR_PARSE);
    assert_non_null(strstr(err.msg, "partial \"../secret\" refused"));
    write_lang(tdir, "fr", "x", "{{> nosuch.md}}\n");
    assert_int_equal(render_set_new(f->a, f->cfg, &rs, &err), MERR_NOINPUT);
    assert_non_null(strstr(err.msg, "nosuch.md: no such partial"));
    assert_null(rs);
    write_lang(tdir, "fr", "Urgent : {{petition.title}}", body);
}

static void
test_render_unresolved_tag(void **state)
{
    struct fixture *f = *state;
    struct render_set *rs = NULL;
    struct render_lang_info info;
    struct merr err = {0};
    char tdir[512];

    (void)snprintf(tdir, sizeof(tdir), "%s/t", f->dir);
    write_lang(tdir, "fr", "x", "line\n\n{{case.nosuch}}\n");
    assert_int_equal(render_set_new(f->a, f->cfg, &rs, &err), MERR_INVALID);
    /* the file's own line: two headers, a blank line, then line 6 */
    assert_non_null(strstr(err.msg, "fr.md:6:"));
    assert_int_equal(render_check_language(f->a, f->cfg, "en", &info, &err), 0);
    assert_true(info.sign_in_text && info.sign_in_html);
    assert_true(info.unsub_in_text && info.unsub_in_html);
    assert_int_equal(info.subject_columns, strlen("Urgent: Free her"));
    write_lang(tdir, "fr", "Urgent : {{petition.title}}", body);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_literal_values),
        cmocka_unit_test(test_render_header_injection),
        cmocka_unit_test(test_render_rtl_dir),
        cmocka_unit_test(test_render_sections_on_recipient),
        cmocka_unit_test(test_render_case_fallback),
        cmocka_unit_test(test_render_wrap_72),
        cmocka_unit_test(test_render_wrap_units),
        cmocka_unit_test(test_render_text_split_blocks),
        cmocka_unit_test(test_render_partial_names),
        cmocka_unit_test(test_render_unresolved_tag),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
