/*
 * lists: the meaning of a supporter list's rows.  Maps header names to
 * fields (case-insensitive, with the usual aliases), checks one row and
 * turns it into a subscriber (address, name, language, country, consent,
 * other columns as attributes), and makes cells safe for spreadsheets.
 * Domain logic: handed fields, no I/O, no database.
 */
#ifndef TOCSIN_LISTS_H
#define TOCSIN_LISTS_H

#include <stdbool.h>
#include <stddef.h>

#include "address.h"
#include "buf.h"
#include "err.h"
#include "lang.h"

enum lists_field {
    LISTS_EMAIL = 0,
    LISTS_NAME,
    LISTS_FIRST_NAME,
    LISTS_LAST_NAME,
    LISTS_LANGUAGE,
    LISTS_COUNTRY,
    LISTS_CONSENT,
    LISTS_STATUS, /* tocsin's own (export writes it): ignored on import */
    LISTS_ATTR,   /* any other column: kept as an attribute */
    LISTS_IGNORED /* a column without a name */
};

struct lists_header {
    size_t n;               /* columns */
    enum lists_field *kind; /* per column */
    char **names;           /* per column, as written, trimmed */
    int col[LISTS_ATTR];    /* column of each known field, or -1 */
    size_t nattrs;          /* columns kept as attributes */
};

/*
 * Map the header row.  Fills *h (release with lists_header_release).
 * MERR_INVALID (err says why): no email column, a field given twice, two
 * columns with the same name.
 */
int lists_header_parse(struct lists_header *h, const char *const *fields,
                       const size_t *lens, size_t n, struct merr *err);

void lists_header_release(struct lists_header *h);

/* The field a header name stands for ("E-Mail" -> LISTS_EMAIL). */
enum lists_field lists_field_of(const char *name, size_t len);

/* One row, checked.  Reused from row to row: no allocation per row
 * except the attributes' JSON. */
struct lists_subscriber {
    bool empty; /* every cell empty: skip the row */
    struct address addr;
    bool has_name;   /* NULL-means-keep: false = keep what the */
    struct buf name; /*   database holds */
    bool has_language;
    char language[LANG_MAX]; /* normalised, or kept as given */
    bool language_unknown;   /* given, not a known language */
    bool has_country;
    char country[3]; /* ISO 3166 alpha-2 */
    int consent;     /* 1, 0, or -1 when not given */
    char *attrs;     /* JSON object of the non-empty attribute
                        cells, or NULL when none */
};

void lists_subscriber_init(struct lists_subscriber *s);
void lists_subscriber_release(struct lists_subscriber *s);

/*
 * Check a data row against the header and fill *s.  Returns 0 (s->empty
 * set for a row of empty cells), or MERR_INVALID with the reason in err
 * (e.g. "invalid address \"bob@\": no domain").
 */
int lists_row_parse(const struct lists_header *h, const char *const *fields,
                    const size_t *lens, size_t n, struct lists_subscriber *s,
                    struct merr *err);

/*
 * An ISO 3166-1 alpha-2 code, any case, into out ("fr" -> "FR"; "UK" ->
 * "GB").  MERR_INVALID for anything else.
 */
int lists_country_parse(const char *p, size_t n, char out[3]);

/*
 * A consent cell: yes/no, y/n, true/false, 1/0, x, and yes in a few
 * languages (oui, si, sí, sim, ja, da, да; non, não, nein, нет).
 * *out = 1 or 0.  MERR_INVALID otherwise.
 */
int lists_consent_parse(const char *p, size_t n, int *out);

/*
 * true if a spreadsheet would run the cell as a formula: it starts with
 * '=', '+', '-', '@', TAB or CR (OWASP "CSV injection").  Export prefixes
 * such a cell with "'", and import removes that prefix again.
 */
bool lists_cell_is_formula(const char *p, size_t n);

/*
 * The email_key of an address typed by staff (person, forget, suppress):
 * the checked address's key, or for something that is not a valid
 * address (it may still sit in bounces or signatures) the trimmed input
 * lower-cased.  MERR_INVALID without an '@', MERR_LIMIT if too long.
 */
int lists_email_key(const char *in, char out[ADDRESS_MAX + 1]);

#endif
