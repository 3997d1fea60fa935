/*
 * lint: everything that keeps an appeal from being sent, and what a
 * sender should know first (tocsin check; tocsin send runs it too).
 * Reads the templates (through render) and the audience (through the
 * store); writes nothing.
 *
 * Error codes: appeal_invalid, missing_template, template_invalid,
 * unresolved_tag, template_limit, missing_case, missing_petition,
 * missing_sign_link, missing_unsubscribe_link, subject_empty,
 * subject_too_long, list_missing, list_empty, list_untrusted, expired,
 * invalid_sender.
 * Warning codes: language_fallback, case_fallback, not_before_future,
 * no_consent.
 */
#ifndef TOCSIN_LINT_H
#define TOCSIN_LINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "appeal.h"
#include "config.h"
#include "err.h"
#include "store.h"

#define LINT_MAX_SUBJECT 150 /* characters */

enum lint_severity { LINT_ERROR, LINT_WARNING };

struct lint_problem {
    int severity;     /* enum lint_severity */
    const char *code; /* static, e.g. "missing_template" */
    char *message;    /* one line, names the file or list */
};

/* The problems found, errors and warnings in the order found.  Owns its
 * messages. */
struct lint_report {
    struct lint_problem *v;
    size_t n;
    size_t cap;
    size_t nerrors;
    size_t nwarnings;
};

void lint_report_init(struct lint_report *r);
void lint_report_release(struct lint_report *r);

/* Add a problem (printf-style message); an identical one is not added
 * twice. */
void lint_add(struct lint_report *r, int severity, const char *code,
              const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Check appeal a against its templates (cfg->templates_dir), its lists
 * and audience in st (NULL: those checks are skipped) and the time now.
 * Problems go into rep (initialised by the caller); the appeal can be
 * sent when rep->nerrors is 0.  Returns 0 when the check ran, MERR_DB
 * when the store failed.
 */
int lint_appeal(const struct appeal *a, const struct config *cfg,
                struct store *st, int64_t now, struct lint_report *rep,
                struct merr *err);

#endif
