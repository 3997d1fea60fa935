/*
 * mime_enc: the encoders of mime.c's hot path: quoted-printable, base64
 * and RFC 2047 encoded-words, writing straight into the message buffer.
 * Why ours and not libetpan's: measured here, a libetpan MIME tree per
 * recipient made 1,200-9,700 messages/s; its quoted-printable writer
 * formats each escaped byte separately and writes a space before a line
 * end twice ("-- " comes back as "--  "), its base64 writer makes a call
 * per 4 characters, and it has no RFC 2047 encoder.  These are tested
 * against libetpan's decoders (test_mime.c) and Python's email package
 * (e2e).  No I/O, no library here.
 */
#include "mime.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Lines we fold headers to (RFC 5322 section 2.1.1 "SHOULD"). */
#define HDR_WIDTH 78
/* An encoded-word is at most 75 characters (RFC 2047 section 2). */
#define EW_MAX 75
/* Encoded-word overhead: "=?utf-8?q?" and "?=". */
#define EW_OVERHEAD 12
/* Quoted-printable lines: at most 76 characters (RFC 2045 6.7 (5)). */
#define QP_LINE 76

static const char hex_upper[] = "0123456789ABCDEF";
static const char b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * Byte classes for quoted-printable: 0 literal, 1 escaped, 2 space or tab
 * (literal unless it ends a line), 3 LF, 4 CR.
 */
enum { QP_LIT = 0, QP_ESC = 1, QP_WS = 2, QP_LF = 3, QP_CR = 4 };
static unsigned char qp_class[256];
/* Q encoding: literal in a phrase (RFC 2047 section 5 (3)) and in
 * unstructured text such as Subject (section 5 (1)). */
static unsigned char q_literal[256];
static unsigned char q_literal_text[256];
/* RFC 5322 atext, for unquoted display names. */
static unsigned char atext[256];
static int tables_ready;

static void
tables_init(void)
{
    const char *specials = "!#$%&'*+-/=?^_`{|}~";

    if (tables_ready) {
        return;
    }
    for (int c = 0; c < 256; c++) {
        qp_class[c] = QP_ESC;
        if (c >= 33 && c <= 126 && c != '=') {
            qp_class[c] = QP_LIT;
        }
        q_literal[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') || c == '!' || c == '*' ||
                       c == '+' || c == '-' || c == '/';
        q_literal_text[c] =
            c > 32 && c < 127 && c != '=' && c != '?' && c != '_';
        atext[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                   (c >= '0' && c <= '9') ||
                   (c != 0 && strchr(specials, c) != NULL);
    }
    qp_class[' '] = QP_WS;
    qp_class['\t'] = QP_WS;
    qp_class['\n'] = QP_LF;
    qp_class['\r'] = QP_CR;
    tables_ready = 1;
}

/* Room for n more bytes; the caller writes at b->data + b->len. */
static int
reserve(struct buf *b, size_t n)
{
    return buf_grow(b, n);
}

/* The caller wrote up to end: set len and keep the NUL. */
static void
commit_to(struct buf *b, char *end)
{
    b->len = (size_t)(end - b->data);
    b->data[b->len] = '\0';
}

int
mime_qp_append(struct buf *out, const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t col = 0;
    char *o;
    int rc;

    tables_init();
    /* worst case: every byte escaped (3), plus a soft break ("=\r\n")
     * per 72 output characters */
    if (n > (SIZE_MAX - 64) / 4) {
        return MERR_LIMIT;
    }
    rc = reserve(out, 3 * n + 3 * (3 * n / 72 + 1) + 8);
    if (rc != 0) {
        return rc;
    }
    o = out->data + out->len;
    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i];
        unsigned cls = qp_class[c];
        size_t need;

        if (cls == QP_LIT) {
            /* the common case, a run of literals: copied with one table
             * look-up a byte, up to the room left on the line */
            size_t start;
            size_t end;

            if (col >= QP_LINE - 1) {
                *o++ = '=';
                *o++ = '\r';
                *o++ = '\n';
                col = 0;
            }
            end = i + (QP_LINE - 1 - col);
            if (end > n) {
                end = n;
            }
            start = i;
            do {
                *o++ = (char)s[i++];
            } while (i < end && qp_class[s[i]] == QP_LIT);
            col += i - start;
            i--; /* the loop's i++ */
            continue;
        }
        if (cls == QP_LF) {
            *o++ = '\r';
            *o++ = '\n';
            col = 0;
            continue;
        }
        if (cls == QP_CR) {
            if (i + 1 < n && s[i + 1] == '\n') {
                continue; /* CRLF: the LF writes the line break */
            }
            cls = QP_ESC; /* a lone CR is data */
        }
        if (cls == QP_WS) {
            /* whitespace at the end of a line would be stripped in
             * transit (RFC 2045 section 6.7 (3)): escape it there */
            bool at_end = i + 1 == n || s[i + 1] == '\n' ||
                          (s[i + 1] == '\r' && i + 2 < n && s[i + 2] == '\n');
            cls = at_end ? QP_ESC : QP_LIT;
        }
        need = cls == QP_LIT ? 1 : 3;
        /* keep room for the "=" of a soft line break */
        if (col + need > QP_LINE - 1) {
            *o++ = '=';
            *o++ = '\r';
            *o++ = '\n';
            col = 0;
        }
        if (cls == QP_LIT) {
            *o++ = (char)c;
        } else {
            *o++ = '=';
            *o++ = hex_upper[c >> 4];
            *o++ = hex_upper[c & 15];
        }
        col += need;
    }
    commit_to(out, o);
    return 0;
}

/* Three bytes as four base64 characters. */
static char *
b64_triple(char *o, const unsigned char *in)
{
    unsigned v = (unsigned)in[0] << 16 | (unsigned)in[1] << 8 | in[2];

    o[0] = b64_chars[v >> 18];
    o[1] = b64_chars[(v >> 12) & 63];
    o[2] = b64_chars[(v >> 6) & 63];
    o[3] = b64_chars[v & 63];
    return o + 4;
}

/* k (1 to 3) bytes, padded with '=' to four characters. */
static char *
b64_group(char *o, const unsigned char *in, size_t k)
{
    unsigned v = (unsigned)in[0] << 16;

    if (k > 1) {
        v |= (unsigned)in[1] << 8;
    }
    if (k > 2) {
        v |= in[2];
    }
    *o++ = b64_chars[(v >> 18) & 63];
    *o++ = b64_chars[(v >> 12) & 63];
    *o++ = k > 1 ? b64_chars[(v >> 6) & 63] : '=';
    *o++ = k > 2 ? b64_chars[v & 63] : '=';
    return o;
}

int
mime_base64_append(struct buf *out, const char *p, size_t n)
{
    /* 57 input bytes make one 76-character line */
    unsigned char line[57];
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    bool pending_lf = false;
    bool first = true;
    char *o;
    int rc;

    /* worst case: every byte an LF (doubled), 4/3, plus CRLF per line */
    if (n > (SIZE_MAX - 64) / 4) {
        return MERR_LIMIT;
    }
    rc = reserve(out, (2 * n / 3 + 1) * 4 + (2 * n / 57 + 1) * 2 + 8);
    if (rc != 0) {
        return rc;
    }
    o = out->data + out->len;
    while (i < n || pending_lf) {
        size_t k = 0;

        if (!first) {
            *o++ = '\r';
            *o++ = '\n';
        }
        first = false;
        if (!pending_lf && n - i >= sizeof(line) &&
            memchr(s + i, '\n', sizeof(line)) == NULL) {
            /* a whole line with no line break in it (most of a body in
             * a long-word script): encoded straight from the text */
            for (size_t j = 0; j < sizeof(line); j += 3) {
                o = b64_triple(o, s + i + j);
            }
            i += sizeof(line);
            continue;
        }
        /* gather one line of canonical (CRLF) text */
        while (k < sizeof(line) && (i < n || pending_lf)) {
            if (pending_lf) {
                line[k++] = '\n';
                pending_lf = false;
            } else if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) {
                line[k++] = '\r';
                pending_lf = true;
                i++;
            } else {
                line[k++] = s[i++];
            }
        }
        for (size_t j = 0; j < k; j += 3) {
            o = b64_group(o, line + j, k - j < 3 ? k - j : 3);
        }
    }
    commit_to(out, o);
    return 0;
}

/* Length of the UTF-8 sequence starting with byte c (1 for bad bytes). */
static size_t
utf8_len(unsigned char c)
{
    if (c >= 0xf0 && c <= 0xf4) {
        return 4;
    }
    if (c >= 0xe0) {
        return c <= 0xef ? 3 : 1;
    }
    if (c >= 0xc2) {
        return 2;
    }
    return 1;
}

/* Q-encoded length of one byte (lit: q_literal or q_literal_text). */
static size_t
q_len(const unsigned char *lit, unsigned char c)
{
    return (lit[c] || c == ' ') ? 1 : 3;
}

static char *
q_put(char *o, const unsigned char *lit, unsigned char c)
{
    if (c == ' ') {
        *o++ = '_';
    } else if (lit[c]) {
        *o++ = (char)c;
    } else {
        *o++ = '=';
        *o++ = hex_upper[c >> 4];
        *o++ = hex_upper[c & 15];
    }
    return o;
}

/*
 * Encoded-words for s[0..n), whole characters per word (RFC 2047 section
 * 5 (3)), folded between words.  s has no control characters.
 */
static int
encode_words(struct buf *out, size_t *col, const unsigned char *s, size_t n,
             bool phrase)
{
    const unsigned char *lit = phrase ? q_literal : q_literal_text;
    size_t qlen = 0;
    bool use_b;
    size_t i = 0;
    bool first = true;
    char *o;
    int rc;

    for (size_t k = 0; k < n; k++) {
        qlen += q_len(lit, s[k]);
    }
    use_b = (n + 2) / 3 * 4 < qlen;
    /* each word adds at most 12 + 3 folding bytes; words hold >= 1 byte */
    rc = reserve(out, (use_b ? (n + 2) / 3 * 4 : qlen) + (n + 1) * 20 + 32);
    if (rc != 0) {
        return rc;
    }
    o = out->data + out->len;
    while (i < n) {
        size_t avail;
        size_t used = 0;
        size_t start = i;

        /* a word must fit after a separating space; fold if too little
         * room is left on this line for a useful word */
        avail = HDR_WIDTH > *col + 1 + EW_OVERHEAD
                    ? HDR_WIDTH - *col - 1 - EW_OVERHEAD
                    : 0;
        if (avail < 16) {
            *o++ = '\r';
            *o++ = '\n';
            *o++ = ' ';
            *col = 1;
            first = true; /* no space needed after the fold */
            avail = HDR_WIDTH - 1 - EW_OVERHEAD;
        }
        if (avail > EW_MAX - EW_OVERHEAD) {
            avail = EW_MAX - EW_OVERHEAD;
        }
        if (avail < 12) {
            avail = 12; /* one 4-byte character always fits */
        }
        /* take whole characters while they fit */
        while (i < n) {
            size_t cl = utf8_len(s[i]);
            size_t add = 0;

            if (i + cl > n) {
                cl = n - i;
            }
            if (use_b) {
                add = ((i - start) + cl + 2) / 3 * 4 - used;
            } else {
                for (size_t k = 0; k < cl; k++) {
                    add += q_len(lit, s[i + k]);
                }
            }
            if (used + add > avail && i > start) {
                break;
            }
            used += add;
            i += cl;
        }
        if (!first) {
            *o++ = ' ';
            (*col)++;
        }
        first = false;
        memcpy(o, use_b ? "=?utf-8?b?" : "=?utf-8?q?", 10);
        o += 10;
        if (use_b) {
            for (size_t k = start; k < i; k += 3) {
                o = b64_group(o, s + k, i - k < 3 ? i - k : 3);
            }
        } else {
            for (size_t k = start; k < i; k++) {
                o = q_put(o, lit, s[k]);
            }
        }
        *o++ = '?';
        *o++ = '=';
        *col += used + EW_OVERHEAD;
    }
    commit_to(out, o);
    return 0;
}

/* Plain ASCII words, folded at spaces (s printable ASCII, no "=?"). */
static int
plain_words(struct buf *out, size_t *col, const char *s, size_t n)
{
    size_t i = 0;
    int rc = 0;

    while (i < n && rc == 0) {
        size_t j = i;

        while (j < n && s[j] != ' ') {
            j++;
        }
        /* s[i..j) is a word; s[j] a space or the end */
        if (i > 0 && *col + (j - i) + 1 > HDR_WIDTH) {
            rc = buf_add(out, "\r\n", 2);
            *col = 0;
        }
        if (rc == 0 && i > 0) {
            rc = buf_addc(out, ' ');
            (*col)++;
        }
        if (rc == 0) {
            rc = buf_add(out, s + i, j - i);
            *col += j - i;
        }
        i = j + 1;
        if (j == n) {
            break;
        }
    }
    return rc;
}

/* true if s[0..n) holds the two bytes a b in a row */
static bool
has_pair(const unsigned char *s, size_t n, unsigned char a, unsigned char b)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] == a && s[i + 1] == b) {
            return true;
        }
    }
    return false;
}

int
mime_header_append(struct buf *out, size_t *col, const char *s, size_t n,
                   bool phrase)
{
    unsigned char small[512];
    unsigned char *clean = NULL;
    bool ascii = true;
    bool atoms = true;
    size_t word = 0;
    size_t longest = 0;
    int rc = 0;

    tables_init();
    clean = n <= sizeof(small) ? small : xmalloc(n);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        /* control characters (CR, LF above all) never reach a header */
        if (c < 0x20 || c == 0x7f) {
            c = ' ';
        }
        clean[i] = c;
        if (c >= 0x80) {
            ascii = false;
        }
        if (c != ' ' && !atext[c]) {
            atoms = false;
        }
        word = c == ' ' ? 0 : word + 1;
        if (word > longest) {
            longest = word;
        }
    }
    if (ascii && n > 0 &&
        (clean[0] == ' ' || clean[n - 1] == ' ' ||
         has_pair(clean, n, ' ', ' '))) {
        atoms = false; /* spaces would not survive folding as atoms */
    }
    if (ascii && has_pair(clean, n, '=', '?')) {
        ascii = false; /* would read as an encoded-word: encode it */
    }
    if (ascii && longest + 2 > HDR_WIDTH - 1) {
        ascii = false; /* a word too long to fold: encoded-words split */
    }
    if (!ascii) {
        rc = encode_words(out, col, clean, n, phrase);
    } else if (!phrase || atoms) {
        if (!phrase && n > 0 &&
            (clean[0] == ' ' || clean[n - 1] == ' ' ||
             has_pair(clean, n, ' ', ' '))) {
            rc = encode_words(out, col, clean, n, phrase);
        } else {
            rc = plain_words(out, col, (const char *)clean, n);
        }
    } else if (n + 2 + *col > HDR_WIDTH) {
        /* a quoted string does not fold well: encoded-words do */
        rc = encode_words(out, col, clean, n, phrase);
    } else {
        /* a phrase with specials: quoted-string (RFC 5322 section 3.2.4) */
        rc = buf_addc(out, '"');
        for (size_t i = 0; i < n && rc == 0; i++) {
            if (clean[i] == '"' || clean[i] == '\\') {
                rc = buf_addc(out, '\\');
                (*col)++;
            }
            if (rc == 0) {
                rc = buf_addc(out, (char)clean[i]);
            }
        }
        if (rc == 0) {
            rc = buf_addc(out, '"');
        }
        *col += n + 2;
    }
    if (clean != small) {
        free(clean);
    }
    return rc;
}
