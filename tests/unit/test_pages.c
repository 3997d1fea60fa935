/*
 * test_pages: the supporter pages: escaping, lang and dir, texts per
 * language, no script or outside asset; and the metrics text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "buf.h"
#include "metrics.h"
#include "pages.h"

static char *
render(enum pages_kind kind, const struct pages_view *v)
{
    struct buf b;

    buf_init(&b, 1024 * 1024);
    assert_int_equal(pages_render(kind, v, &b), 0);
    return buf_take(&b);
}

static struct pages_view
view(const char *lang, bool rtl)
{
    struct pages_view v;

    memset(&v, 0, sizeof(v));
    v.lang = lang;
    v.rtl = rtl;
    v.org = "Org & <Co>";
    v.title = "Free \"Ana\" <script>alert(1)</script>";
    v.text = "First line\nsecond line\n\nSecond paragraph & more";
    v.target = "The Minister";
    v.name = "O'Brien";
    return v;
}

static void
test_pages_sign_escaped(void **state)
{
    struct pages_view v = view("en", false);
    char *html = render(PAGES_SIGN, &v);

    (void)state;
    assert_non_null(strstr(html, "<html lang=\"en\" dir=\"ltr\">"));
    assert_non_null(strstr(html, "Free &quot;Ana&quot; &lt;script&gt;"));
    assert_null(strstr(html, "<script"));
    assert_non_null(strstr(html, "Org &amp; &lt;Co&gt;"));
    assert_non_null(strstr(html, "O&#39;Brien"));
    assert_non_null(strstr(html, "<p>First line<br>second line</p>"));
    assert_non_null(strstr(html, "<p>Second paragraph &amp; more</p>"));
    assert_non_null(strstr(html, "<form method=\"post\" id=\"sign\">"));
    assert_non_null(strstr(html, "Sign the petition"));
    assert_non_null(strstr(html, "name=\"viewport\""));
    /* nothing from outside: no src, no href, no script */
    assert_null(strstr(html, "src="));
    assert_null(strstr(html, "href="));
    free(html);
}

static void
test_pages_languages(void **state)
{
    static const struct {
        const char *lang;
        bool rtl;
        const char *sign;
    } cases[] = {
        {"fr", false, "Signer la pétition"},
        {"es-MX", false, "Firmar la petición"},
        {"ar", true, "وقّع العريضة"},
        {"ru", false, "Подписать петицию"},
        {"fa", true, "امضای دادخواست"},
        {"de", false, "Sign the petition"}, /* no German texts: English */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pages_view v = view(cases[i].lang, cases[i].rtl);
        char *html = render(PAGES_SIGN, &v);
        char want[64];

        (void)snprintf(want, sizeof(want), "<html lang=\"%s\" dir=\"%s\">",
                       cases[i].lang, cases[i].rtl ? "rtl" : "ltr");
        assert_non_null(strstr(html, want));
        if (strstr(html, cases[i].sign) == NULL) {
            fail_msg("%s: no \"%s\"", cases[i].lang, cases[i].sign);
        }
        free(html);
    }
    assert_true(pages_has_language("ar-EG"));
    assert_false(pages_has_language("de"));
}

static void
test_pages_other_kinds(void **state)
{
    struct pages_view v = view("fr", false);
    char *html;

    (void)state;
    html = render(PAGES_SIGNED, &v);
    assert_non_null(strstr(html, "Merci d&#39;avoir signé"));
    assert_null(strstr(html, "<form"));
    free(html);
    html = render(PAGES_CLOSED, &v);
    assert_non_null(strstr(html, "Cet appel est clos"));
    free(html);
    html = render(PAGES_UNSUBSCRIBE, &v);
    assert_non_null(strstr(html, "id=\"unsubscribe\""));
    free(html);
    html = render(PAGES_UNSUBSCRIBED, &v);
    assert_non_null(strstr(html, "désabonnement est confirmé"));
    free(html);
    /* not found tells nothing: no title, no name, no organisation */
    html = render(PAGES_NOT_FOUND, &v);
    assert_non_null(strstr(html, "Not found"));
    assert_null(strstr(html, "Ana"));
    assert_null(strstr(html, "Brien"));
    assert_null(strstr(html, "Org"));
    free(html);
}

static void
test_pages_metrics_text(void **state)
{
    struct buf b;

    (void)state;
    metrics_reset();
    metrics_request(METRICS_WEBHOOK, 200);
    metrics_request(METRICS_WEBHOOK, 200);
    metrics_request(METRICS_SIGN, 599);
    metrics_reject(METRICS_R_SIGNATURE);
    metrics_signature(METRICS_S_LINK);
    metrics_commit(0.003, 12);
    buf_init(&b, 1024 * 1024);
    assert_int_equal(metrics_render(&b), 0);
    assert_non_null(strstr(
        buf_str(&b),
        "tocsin_http_requests_total{route=\"webhook\",status=\"200\"} 2\n"));
    assert_non_null(strstr(
        buf_str(&b),
        "tocsin_http_requests_total{route=\"sign\",status=\"other\"} 1\n"));
    assert_non_null(
        strstr(buf_str(&b),
               "tocsin_webhook_rejections_total{reason=\"signature\"} 1"));
    assert_non_null(
        strstr(buf_str(&b), "tocsin_signatures_total{source=\"link\"} 1"));
    assert_non_null(strstr(buf_str(&b),
                           "tocsin_commit_seconds_bucket{le=\"0.0025\"} 0\n"
                           "tocsin_commit_seconds_bucket{le=\"0.005\"} 1\n"));
    assert_non_null(strstr(buf_str(&b), "tocsin_commit_jobs_total 12\n"));
    assert_int_equal(metrics_requests(METRICS_WEBHOOK, 200), 2);
    buf_release(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pages_sign_escaped),
        cmocka_unit_test(test_pages_languages),
        cmocka_unit_test(test_pages_other_kinds),
        cmocka_unit_test(test_pages_metrics_text),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
