/*
 * render: an appeal's template set (templates/NAME/LANG.md and
 * layout.html) compiled once per language, and the subject, preheader,
 * text/plain and text/html of one recipient.  Work that is the same for
 * every recipient of a language is done once, in render_set_new.  A
 * render_set is immutable after creation and may be used by several
 * threads at once (each with its own struct render_out).  No I/O after
 * render_set_new.
 */
#ifndef TOCSIN_RENDER_H
#define TOCSIN_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "appeal.h"
#include "buf.h"
#include "config.h"
#include "err.h"

struct render_set;

/* What varies per recipient.  All strings UTF-8; name may be "". */
struct render_recipient {
    const char *name;
    const char *email;           /* display form */
    const char *sign_url;        /* BASE/s/TOKEN */
    const char *unsubscribe_url; /* BASE/u/TOKEN */
    const char *attrs_json;      /* subscriber attributes (JSON object
                                    text) or NULL */
};

/* One rendered message; reuse it across recipients (render_message resets
 * it).  subject and preheader are single lines (no CR or LF). */
struct render_out {
    struct buf subject;
    struct buf preheader;
    struct buf text;    /* text/plain, LF line ends, wrapped at 72 */
    struct buf html;    /* text/html, the whole document */
    struct buf scratch; /* render's own working space */
};

void render_out_init(struct render_out *o);
void render_out_release(struct render_out *o);

/*
 * Load and compile the template set of appeal a from cfg->templates_dir
 * for each of a's languages.  *out: caller frees with render_set_free().
 * MERR_NOINPUT (a template file is missing, naming it), MERR_PARSE,
 * MERR_INVALID.
 */
int render_set_new(const struct appeal *a, const struct config *cfg,
                   struct render_set **out, struct merr *err);

void render_set_free(struct render_set *rs);

/*
 * Render the message in language lang (one of the appeal's languages, as
 * given by appeal_language) for recipient r into out.  MERR_INVALID (a
 * tag does not resolve), MERR_LIMIT.
 */
int render_message(const struct render_set *rs, const char *lang,
                   const struct render_recipient *r, struct render_out *out,
                   struct merr *err);

/* What check needs to know of one language's templates. */
struct render_lang_info {
    bool sign_in_text; /* {{sign_url}} reaches the text part */
    bool sign_in_html;
    bool unsub_in_text; /* {{unsubscribe_url}} reaches the text part */
    bool unsub_in_html;
    size_t subject_columns; /* characters, without recipient values */
};

/*
 * Compile the templates of one language of appeal a alone, as
 * render_set_new would, and describe them in *info.  Lets check report
 * every language's problem instead of the first.  Same errors as
 * render_set_new.
 */
int render_check_language(const struct appeal *a, const struct config *cfg,
                          const char *lang, struct render_lang_info *info,
                          struct merr *err);

#endif
