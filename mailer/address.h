/*
 * address: one email address checked against RFC 5321 and put in the
 * three forms tocsin keeps: as sent (ASCII domain), as shown (Unicode
 * domain) and as the mailbox identity (email_key).  The only file that
 * uses libidn2.  No I/O here.
 *
 * Decisions (README, "CSV format"): surrounding blanks are trimmed; the
 * local part is a dot-atom or a quoted string, ASCII only (a Unicode
 * local part needs SMTPUTF8 end to end, which tocsin does not send); the
 * domain needs at least two labels; address literals ("[192.0.2.1]"), a
 * trailing dot and consecutive dots are refused; an internationalised
 * domain is converted with IDNA2008 + UTS #46 (libidn2).
 */
#ifndef TOCSIN_ADDRESS_H
#define TOCSIN_ADDRESS_H

#include <stddef.h>

#include "err.h"

/* RFC 5321 section 4.5.3.1: local part 64, domain 255, path 256 octets,
 * so an address is at most 254 (RFC 3696 erratum 1690). */
#define ADDRESS_LOCAL_MAX  64
#define ADDRESS_DOMAIN_MAX 255
#define ADDRESS_MAX        254
/* The Unicode form: a U-label is at most 4 bytes per code point. */
#define ADDRESS_DISPLAY_MAX 1024

struct address {
    char email[ADDRESS_MAX + 1];           /* local@a-label.domain */
    char key[ADDRESS_MAX + 1];             /* email, all lower-case */
    char display[ADDRESS_DISPLAY_MAX + 1]; /* local@u-label.domain */
};

/*
 * Check the address in[0..len) and fill *out.  MERR_INVALID when it is
 * not an address we can send to; err->msg is the reason, without the
 * address itself (e.g. "no domain", "consecutive dots in local part").
 */
int address_parse(const char *in, size_t len, struct address *out,
                  struct merr *err);

/*
 * The Unicode form (U-labels) of the lower-case ASCII domain ascii into
 * out[0..size): A-labels ("xn--") decoded, other labels copied.
 * MERR_INVALID (err->msg says why) when an A-label is not Punycode or
 * out is too small; out is then unspecified.
 */
int address_domain_unicode(const char *ascii, char *out, size_t size,
                           struct merr *err);

/*
 * The same, for showing a stored domain to people: also MERR_INVALID
 * when a decoded label does not encode back to the stored A-label (RFC
 * 5891 section 5.4), so that no label that is not IDNA2008 (an empty
 * one, a bidi control) is shown.  On MERR_INVALID, show ascii as stored.
 */
int address_domain_display(const char *ascii, char *out, size_t size);

#endif
