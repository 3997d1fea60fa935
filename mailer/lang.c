/*
 * lang: BCP 47 (RFC 5646) normalisation of the language tags found in
 * supporter lists, and the table of known primary languages.  The tables
 * are embedded (generated once from Debian's iso-codes); no I/O here.
 */
#include "lang.h"

#include <string.h>

#include "err.h"
#include "util.h"

/* ISO 639-1: every two-letter code, sorted, two characters each. */
static const char iso639_1[] =
    "aaabaeafakamanarasavayazbabebgbhbibmbnbobrbscacechcocrcscucvcyda"
    "dedvdzeeeleneoeseteufafffifjfofrfygagdglgngugvhahehihohrhthuhyhz"
    "iaidieigiiikioisitiujajvkakgkikjkkklkmknkokrkskukvkwkylalblgliln"
    "loltlulvmgmhmimkmlmnmrmsmtmynanbndnengnlnnnonrnvnyocojomorospapi"
    "plpsptqurmrnrorurwsascsdsesgsiskslsmsnsosqsrssstsusvswtatetgthti"
    "tktltntotrtstttwtyugukuruzvevivowawoxhyiyozazhzu";

static const char iso639_3to1[] =
    "aaraaabkabafrafakaakalbsqamhamaraararganarmhyasmasavaavaveaeaymay"
    "azeazbakbabambmbaqeubelbebenbnbihbhbisbibodbobosbsbrebrbulbgburmy"
    "catcacescschachchecechizhchucuchvcvcorkwcoscocrecrcymcyczecsdanda"
    "deudedivdvdutnldzodzellelengenepoeoesteteuseueweeefaofofasfafijfj"
    "finfifrafrfrefrfryfyfulffgeokagerdeglagdglegaglgglglvgvgreelgrngn"
    "gujguhaththauhahebheherhzhinhihmohohrvhrhunhuhyehyiboigiceisidoio"
    "iiiiiikuiuileieinaiaindidipkikislisitaitjavjvjpnjakalklkanknkasks"
    "katkakaukrkazkkkhmkmkikkikinrwkirkykomkvkonkgkorkokuakjkurkulaolo"
    "latlalavlvlimlilinlnlitltltzlblubluluglgmacmkmahmhmalmlmaomimarmr"
    "maymsmkdmkmlgmgmltmtmonmnmrimimsamsmyamynaunanavnvnblnrndendndong"
    "nepnenldnlnnonnnobnbnornonyanyociocojiojoriorormomossospanpaperfa"
    "plipipolplporptpuspsquequrohrmronrorumrorunrnrusrusagsgsansasinsi"
    "slksksloskslvslsmesesmosmsnasnsndsdsomsosotstspaessqisqsrdscsrpsr"
    "sswsssunsuswaswswesvtahtytamtatatttteltetgktgtgltlthathtibbotirti"
    "tontotsntntsotstuktkturtrtwitwuigugukrukurduruzbuzvenvevievivolvo"
    "welcywlnwawolwoxhoxhyidyiyoryozhazazhozhzulzu";

static const char extra3[] =
    "aceadyapcaryarzastawabalbhocebchrckbcmncrhdoifilfurgswhakhawhmnhne"
    "hsnkabkbdkmrkoklusmagmaimninanndsnqopbtprsrajsahsatscnscosdhshitmh"
    "tyvtzmwuuyuezgh";

/*
 * RFC 5646 section 2.2.1: deprecated two-letter codes and their
 * preferred values (old Java and Windows exports still carry them).
 */
static const char *const deprecated[][2] = {
    {"in", "id"}, {"iw", "he"}, {"ji", "yi"}, {"jw", "jv"}, {"mo", "ro"},
};

static bool
is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char
lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static char
upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/*
 * Binary search of key (klen characters) in a sorted table of records of
 * width characters whose first klen characters are the key.  Returns the
 * record or NULL.
 */
static const char *
table_find(const char *table, size_t width, const char *key, size_t klen)
{
    size_t lo = 0;
    size_t hi = strlen(table) / width;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *rec = table + mid * width;
        int c = strncmp(key, rec, klen);

        if (c == 0) {
            return rec;
        }
        if (c < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return NULL;
}

/* p[0..n) is a lower-case primary subtag: is it a known language? */
static bool
primary_known(const char *p, size_t n)
{
    if (n == 2) {
        return table_find(iso639_1, 2, p, 2) != NULL;
    }
    if (n == 3) {
        return table_find(extra3, 3, p, 3) != NULL;
    }
    return false;
}

bool
lang_known(const char *tag)
{
    char p[LANG_MAX];
    size_t n = strcspn(tag, "-");

    if (n == 0 || n >= sizeof(p)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        p[i] = lower(tag[i]);
    }
    return primary_known(p, n);
}

int
lang_primary(const char *tag, char *out, size_t size)
{
    size_t n = strcspn(tag, "-_");

    if (n >= size) {
        if (size > 0) {
            out[0] = '\0';
        }
        return MERR_LIMIT;
    }
    memcpy(out, tag, n);
    out[n] = '\0';
    return 0;
}

/*
 * Case one subtag in place by its position and shape (RFC 5646 section
 * 2.1.1): script title-case, region upper-case, everything else
 * lower-case; after a singleton (extension or private use) all
 * lower-case.  Returns false if the subtag is not well-formed there.
 */
static bool
case_subtag(char *s, size_t n, int index, bool *after_singleton)
{
    bool alpha = true;
    bool digit = true;

    if (n == 0 || n > 8) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_alpha(s[i])) {
            alpha = false;
        }
        if (!is_digit(s[i])) {
            digit = false;
        }
        if (!is_alpha(s[i]) && !is_digit(s[i])) {
            return false;
        }
        s[i] = lower(s[i]);
    }
    if (index == 0) {
        /* the language: 2-3 letters (4-8 letter languages are reserved
         * or registered-only; none exist, and "English" is no tag) */
        return alpha && (n == 2 || n == 3);
    }
    if (*after_singleton) {
        return true;
    }
    if (n == 1) {
        *after_singleton = true;
        return true;
    }
    if (n == 4 && alpha) {
        s[0] = upper(s[0]);
    } else if ((n == 2 && alpha) || (n == 3 && digit)) {
        s[0] = upper(s[0]);
        s[1] = upper(s[1]);
    } else if (n < 4 && !(n == 3 && alpha)) {
        /* variants are 5-8 characters, or a digit and 3 characters */
        return false;
    } else if (n == 4 && !is_digit(s[0])) {
        return false;
    }
    return true;
}

/* Replace a 3-letter or deprecated primary at out[0..*n) by its
 * preferred form, shifting the rest of the tag. */
static void
prefer_primary(char *out, size_t *n)
{
    const char *rec = NULL;
    size_t taglen = strlen(out);

    if (*n == 3) {
        rec = table_find(iso639_3to1, 5, out, 3);
        if (rec != NULL) {
            out[0] = rec[3];
            out[1] = rec[4];
        }
    } else if (*n == 2) {
        for (size_t i = 0; i < TOCSIN_ARRAY_LEN(deprecated); i++) {
            if (memcmp(out, deprecated[i][0], 2) == 0) {
                out[0] = deprecated[i][1][0];
                out[1] = deprecated[i][1][1];
            }
        }
    }
    if (rec != NULL) {
        memmove(out + 2, out + 3, taglen - 3 + 1);
        *n = 2;
    }
}

int
lang_normalize(const char *in, size_t len, char *out, size_t size)
{
    size_t start = 0;
    size_t end = len;
    size_t cut;
    size_t pos = 0;
    size_t primary_len = 0;
    bool after_singleton = false;
    bool ok = true;
    int index = 0;

    if (size == 0) {
        return MERR_LIMIT;
    }
    out[0] = '\0';
    while (start < end && (in[start] == ' ' || in[start] == '\t')) {
        start++;
    }
    while (end > start && (in[end - 1] == ' ' || in[end - 1] == '\t')) {
        end--;
    }
    if (end - start >= size) {
        return MERR_LIMIT;
    }
    memcpy(out, in + start, end - start);
    out[end - start] = '\0';
    if (out[0] == '\0') {
        return 0;
    }
    /* a POSIX locale: "fr_FR.UTF-8", "de_DE@euro" */
    cut = strcspn(out, ".@");
    if (cut == 0) {
        return MERR_INVALID;
    }
    out[cut] = '\0';
    while (ok && out[pos] != '\0') {
        size_t n = strcspn(out + pos, "-_");

        if (out[pos + n] == '_') {
            out[pos + n] = '-';
        }
        ok = case_subtag(out + pos, n, index, &after_singleton);
        if (index == 0) {
            primary_len = n;
        }
        pos += n;
        if (out[pos] == '-') {
            pos++;
            /* a trailing separator is not a tag */
            ok = ok && out[pos] != '\0';
        }
        index++;
    }
    if (!ok) {
        /* keep what was given, for the caller to keep and report */
        memcpy(out, in + start, end - start);
        out[end - start] = '\0';
        return MERR_INVALID;
    }
    prefer_primary(out, &primary_len);
    return primary_known(out, primary_len) ? 0 : MERR_NOTFOUND;
}
