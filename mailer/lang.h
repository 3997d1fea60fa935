/*
 * lang: language tags.  Normalises what spreadsheets hold ("pt_BR",
 * "FR", "zh_hant_tw", "fr_FR.UTF-8") to BCP 47 (RFC 5646) case and
 * separators, and tells known primary languages (ISO 639-1 plus common
 * 3-letter codes) from unknown ones.  Pure functions, no I/O.
 */
#ifndef TOCSIN_LANG_H
#define TOCSIN_LANG_H

#include <stdbool.h>
#include <stddef.h>

/* Longest tag we keep (RFC 5646 section 4.4.1 advises at least 35). */
#define LANG_MAX 64

/*
 * Normalise the language tag in[0..len) into out (size bytes):
 * surrounding blanks trimmed, '_' -> '-', a POSIX locale's ".charset" and
 * "@modifier" dropped, language lower-case, script title-case, region
 * upper-case, the rest lower-case; a 3-letter code with a 2-letter
 * equivalent becomes the 2-letter one (eng -> en, fre -> fr) and
 * deprecated codes their replacement (iw -> he).
 *
 * Returns 0 for a well-formed tag whose primary language is known, and
 * for empty input (out = "").  MERR_NOTFOUND for a well-formed tag with
 * an unknown primary language (out holds it normalised); MERR_INVALID
 * for input that is not a tag ("English", "en--US"): out then holds the
 * trimmed input unchanged, so the caller can keep and report it.
 * MERR_LIMIT when out is too small (out = "").
 */
int lang_normalize(const char *in, size_t len, char *out, size_t size);

/*
 * The primary language subtag of tag ("pt-BR" -> "pt") into out.
 * MERR_LIMIT when it does not fit (out = "").
 */
int lang_primary(const char *tag, char *out, size_t size);

/* true if the primary subtag of a normalised tag is a known language. */
bool lang_known(const char *tag);

#endif
