/*
 * pages: supporter-facing HTML.  Small, readable on a phone, one inline
 * stylesheet (the server's CSP allows nothing else), forms that work
 * without JavaScript.  Texts per language live in one table below.
 */
#include "pages.h"

#include <string.h>

#include "util.h"

/* The interface texts of one language. */
struct texts {
    const char *lang;
    const char *petition_to;
    const char *signing_as;
    const char *sign;
    const char *thanks_title;
    const char *thanks_body;
    const char *already;
    const char *closed_title;
    const char *closed_body;
    const char *unsub_title;
    const char *unsub_body;
    const char *unsub_button;
    const char *unsubbed_title;
    const char *unsubbed_body;
    const char *retry_title;
    const char *retry_body;
};

static const struct texts all_texts[] = {
    {"en", "Petition to", "Signing as", "Sign the petition",
     "Thank you for signing", "Your signature has been recorded.",
     "You have already signed this petition. Thank you.",
     "This appeal is closed",
     "It no longer accepts signatures. Thank you for your support.",
     "Unsubscribe", "Do you want to stop receiving appeals at this address?",
     "Unsubscribe", "You are unsubscribed",
     "You will not receive any more appeals from us at this address.",
     "Please try again",
     "We could not record this just now. Please try again in a minute."},
    {"fr", "Pétition adressée à", "Vous signez en tant que",
     "Signer la pétition", "Merci d'avoir signé",
     "Votre signature a bien été enregistrée.",
     "Vous avez déjà signé cette pétition. Merci.", "Cet appel est clos",
     "Il n'accepte plus de signatures. Merci de votre soutien.",
     "Désabonnement", "Voulez-vous ne plus recevoir d'appels à cette adresse ?",
     "Me désabonner", "Votre désabonnement est confirmé",
     "Vous ne recevrez plus d'appels de notre part à cette adresse.",
     "Veuillez réessayer",
     "Nous n'avons pas pu l'enregistrer pour le moment. Veuillez réessayer "
     "dans une minute."},
    {"es", "Petición dirigida a", "Firmas como", "Firmar la petición",
     "Gracias por firmar", "Tu firma ha quedado registrada.",
     "Ya has firmado esta petición. Gracias.",
     "Esta acción urgente está cerrada",
     "Ya no admite firmas. Gracias por tu apoyo.", "Darse de baja",
     "¿Quieres dejar de recibir llamamientos en esta dirección?",
     "Darme de baja", "Te has dado de baja",
     "No volverás a recibir llamamientos nuestros en esta dirección.",
     "Inténtalo de nuevo",
     "No hemos podido registrarlo ahora. Inténtalo de nuevo en un minuto."},
    {"ar", "عريضة موجهة إلى", "التوقيع باسم", "وقّع العريضة", "شكرًا لتوقيعك",
     "تم تسجيل توقيعك.", "لقد وقّعت هذه العريضة من قبل. شكرًا لك.",
     "هذا النداء مغلق", "لم يعد يقبل توقيعات. شكرًا لدعمك.", "إلغاء الاشتراك",
     "هل تريد التوقف عن تلقي النداءات على هذا العنوان؟", "إلغاء اشتراكي",
     "تم إلغاء اشتراكك", "لن تتلقى منا أي نداءات أخرى على هذا العنوان.",
     "يُرجى المحاولة مرة أخرى",
     "تعذّر تسجيل ذلك الآن. يُرجى المحاولة مرة أخرى بعد دقيقة."},
    {"ru", "Петиция адресована", "Вы подписываете как", "Подписать петицию",
     "Спасибо за подпись", "Ваша подпись учтена.",
     "Вы уже подписали эту петицию. Спасибо.", "Сбор подписей завершён",
     "Подписи больше не принимаются. Спасибо за вашу поддержку.", "Отписаться",
     "Вы хотите больше не получать призывы на этот адрес?", "Отписаться",
     "Вы отписаны",
     "Вы больше не будете получать от нас призывы на этот адрес.",
     "Попробуйте ещё раз",
     "Сейчас не удалось это сохранить. Попробуйте ещё раз через минуту."},
    /* Persian: \u200c is the zero-width non-joiner the words need */
    {"fa", "دادخواست خطاب به", "امضا به نام", "امضای دادخواست",
     "از امضای شما سپاسگزاریم", "امضای شما ثبت شد.",
     "شما پیش\u200cتر این دادخواست را امضا کرده\u200cاید. سپاس.",
     "این فراخوان بسته شده است",
     "دیگر امضا نمی\u200cپذیرد. از حمایت شما سپاسگزاریم.", "لغو اشتراک",
     "آیا می\u200cخواهید دیگر فراخوانی به این نشانی دریافت نکنید؟",
     "لغو اشتراک من", "اشتراک شما لغو شد",
     "از این پس هیچ فراخوانی از ما به این نشانی دریافت نخواهید کرد.",
     "لطفاً دوباره تلاش کنید",
     "اکنون ثبت آن ممکن نشد. لطفاً یک دقیقه دیگر دوباره تلاش کنید."},
};

/* Readable on a phone; logical properties so that rtl needs nothing
 * more than dir="rtl". */
static const char css[] =
    "body{margin:0;background:#f5f4f0;color:#1b1b1b;"
    "font:1.0625rem/1.55 system-ui,-apple-system,'Segoe UI',Roboto,"
    "'Noto Sans','Noto Sans Arabic',Tahoma,sans-serif}"
    "main{max-width:36rem;margin:0 auto;padding:1.5rem 1.125rem 3rem}"
    ".org{color:#555;font-size:.9rem;margin:0 0 1rem}"
    "h1{font-size:1.5rem;line-height:1.3;margin:0 0 1rem}"
    ".target{border-inline-start:4px solid #b3261e;padding-inline-start:"
    ".75rem;margin:1rem 0}"
    ".target span{display:block;color:#555;font-size:.9rem}"
    ".as{color:#555}"
    "form{margin:1.5rem 0 0}"
    "button{display:block;width:100%;font:inherit;font-weight:600;"
    "padding:.8rem 1rem;border:0;border-radius:.4rem;background:#b3261e;"
    "color:#fff;cursor:pointer}"
    "button:focus{outline:3px solid #1b1b1b;outline-offset:2px}";

static const struct texts *
texts_for(const char *lang)
{
    char primary[16];
    size_t n = 0;

    if (lang != NULL) {
        while (lang[n] != '\0' && lang[n] != '-' && lang[n] != '_' &&
               n + 1 < sizeof(primary)) {
            char c = lang[n];

            primary[n] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
            n++;
        }
    }
    primary[n] = '\0';
    for (size_t i = 0; i < TOCSIN_ARRAY_LEN(all_texts); i++) {
        if (strcmp(all_texts[i].lang, primary) == 0) {
            return &all_texts[i];
        }
    }
    return NULL;
}

bool
pages_has_language(const char *lang)
{
    return texts_for(lang) != NULL;
}

/* Escaped text in a tag: <TAG>text</TAG>. */
static int
element(struct buf *out, const char *tag, const char *cls, const char *text)
{
    int rc;

    if (cls != NULL) {
        rc = buf_addf(out, "<%s class=\"%s\">", tag, cls);
    } else {
        rc = buf_addf(out, "<%s>", tag);
    }
    if (rc == 0) {
        rc = buf_adds_html(out, text);
    }
    if (rc == 0) {
        rc = buf_addf(out, "</%s>\n", tag);
    }
    return rc;
}

/* The petition text: blank lines separate paragraphs, a line break
 * inside one becomes <br>. */
static int
paragraphs(struct buf *out, const char *text)
{
    const char *p = text;
    int rc = 0;

    while (rc == 0 && *p != '\0') {
        const char *end = strstr(p, "\n\n");
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
        bool open = false;

        for (size_t i = 0; rc == 0 && i < n; i++) {
            char c[2] = {p[i], '\0'};

            if (!open && (p[i] == '\n' || p[i] == ' ' || p[i] == '\r')) {
                continue; /* no empty paragraphs */
            }
            if (!open) {
                rc = buf_adds(out, "<p>");
                open = true;
            }
            if (rc == 0) {
                rc = p[i] == '\n' ? buf_adds(out, "<br>")
                                  : buf_adds_html(out, c);
            }
        }
        if (rc == 0 && open) {
            rc = buf_adds(out, "</p>\n");
        }
        p += n;
        while (*p == '\n') {
            p++;
        }
    }
    return rc;
}

static int
head(struct buf *out, const struct pages_view *v, const char *title)
{
    const char *lang = v->lang != NULL && v->lang[0] != '\0' ? v->lang : "en";
    int rc = buf_adds(out, "<!DOCTYPE html>\n<html lang=\"");

    if (rc == 0) {
        rc = buf_adds_html(out, lang);
    }
    if (rc == 0) {
        rc = buf_addf(out,
                      "\" dir=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                      "<meta name=\"viewport\" content=\"width=device-width, "
                      "initial-scale=1\">\n"
                      "<meta name=\"robots\" content=\"noindex, nofollow\">\n"
                      "<title>",
                      v->rtl ? "rtl" : "ltr");
    }
    if (rc == 0) {
        rc = buf_adds_html(out, title);
    }
    if (rc == 0) {
        rc = buf_addf(out,
                      "</title>\n<style>%s</style>\n</head>\n<body>\n"
                      "<main>\n",
                      css);
    }
    if (rc == 0 && v->org != NULL && v->org[0] != '\0') {
        rc = element(out, "p", "org", v->org);
    }
    return rc;
}

static int
foot(struct buf *out)
{
    return buf_adds(out, "</main>\n</body>\n</html>\n");
}

/* A form that POSTs back to the page's own URL (no action attribute),
 * so it works behind any proxy path. */
static int
form(struct buf *out, const char *id, const char *label)
{
    int rc = buf_addf(out,
                      "<form method=\"post\" id=\"%s\">\n"
                      "<button type=\"submit\" id=\"%s-button\">",
                      id, id);

    if (rc == 0) {
        rc = buf_adds_html(out, label);
    }
    if (rc == 0) {
        rc = buf_adds(out, "</button>\n</form>\n");
    }
    return rc;
}

static int
petition(struct buf *out, const struct pages_view *v, const struct texts *t)
{
    int rc = element(out, "h1", NULL, v->title);

    if (rc == 0 && v->target != NULL && v->target[0] != '\0') {
        rc = buf_adds(out, "<p class=\"target\"><span>");
        if (rc == 0) {
            rc = buf_adds_html(out, t->petition_to);
        }
        if (rc == 0) {
            rc = buf_adds(out, "</span>");
        }
        if (rc == 0) {
            rc = buf_adds_html(out, v->target);
        }
        if (rc == 0) {
            rc = buf_adds(out, "</p>\n");
        }
    }
    if (rc == 0 && v->text != NULL) {
        rc = paragraphs(out, v->text);
    }
    return rc;
}

static int
sign_page(struct buf *out, const struct pages_view *v, const struct texts *t)
{
    int rc = head(out, v, v->title);

    if (rc == 0) {
        rc = petition(out, v, t);
    }
    if (rc == 0 && v->name != NULL && v->name[0] != '\0') {
        rc = buf_adds(out, "<p class=\"as\">");
        if (rc == 0) {
            rc = buf_adds_html(out, t->signing_as);
        }
        if (rc == 0) {
            rc = buf_adds(out, " <strong>");
        }
        if (rc == 0) {
            rc = buf_adds_html(out, v->name);
        }
        if (rc == 0) {
            rc = buf_adds(out, "</strong></p>\n");
        }
    }
    if (rc == 0) {
        rc = form(out, "sign", t->sign);
    }
    return rc;
}

/* A page with a heading, one sentence and optionally the petition's
 * title under it. */
static int
message(struct buf *out, const struct pages_view *v, const char *title,
        const char *body, const char *id)
{
    int rc = head(out, v, title);

    if (rc == 0) {
        rc = buf_addf(out, "<h1 id=\"%s\">", id);
    }
    if (rc == 0) {
        rc = buf_adds_html(out, title);
    }
    if (rc == 0) {
        rc = buf_adds(out, "</h1>\n");
    }
    if (rc == 0) {
        rc = element(out, "p", NULL, body);
    }
    if (rc == 0 && v->title != NULL && v->title[0] != '\0') {
        rc = element(out, "p", "as", v->title);
    }
    return rc;
}

int
pages_render(enum pages_kind kind, const struct pages_view *v, struct buf *out)
{
    const struct texts *t = texts_for(v->lang);
    struct pages_view en;
    int rc = 0;

    if (t == NULL) {
        t = &all_texts[0];
    }
    switch (kind) {
    case PAGES_SIGN:
        rc = sign_page(out, v, t);
        break;
    case PAGES_SIGNED:
        rc = message(out, v, t->thanks_title, t->thanks_body, "signed");
        break;
    case PAGES_ALREADY:
        rc = message(out, v, t->thanks_title, t->already, "already");
        break;
    case PAGES_CLOSED:
        rc = message(out, v, t->closed_title, t->closed_body, "closed");
        break;
    case PAGES_UNSUBSCRIBE:
        rc = message(out, v, t->unsub_title, t->unsub_body, "confirm");
        if (rc == 0) {
            rc = form(out, "unsubscribe", t->unsub_button);
        }
        break;
    case PAGES_UNSUBSCRIBED:
        rc = message(out, v, t->unsubbed_title, t->unsubbed_body,
                     "unsubscribed");
        break;
    case PAGES_RETRY:
        rc = message(out, v, t->retry_title, t->retry_body, "retry");
        break;
    case PAGES_NOT_FOUND:
        /* the same page whatever was wrong: it must tell nothing */
        memset(&en, 0, sizeof(en));
        en.lang = "en";
        rc = head(out, &en, "Not found");
        if (rc == 0) {
            rc = buf_adds(out, "<h1>Not found</h1>\n");
        }
        break;
    }
    if (rc == 0) {
        rc = foot(out);
    }
    return rc;
}
