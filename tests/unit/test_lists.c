/*
 * test_lists: dialect detection, the streaming reader (line numbers,
 * BOM, CRLF, quoted newlines, chunking, encodings), header mapping, row
 * checking, countries, consent, and the spreadsheet-formula rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "csvio.h"
#include "lists.h"
#include "util.h"

/* What the reader handed over: "LINE:f1|f2|...\n" per record. */
struct seen {
    struct buf out;
    int stop_at; /* return MERR_INVALID on this record (1-based), or 0 */
    int records;
};

static int
collect(void *arg, const struct csvio_row *row, struct merr *err)
{
    struct seen *s = arg;

    s->records++;
    if (s->records == s->stop_at) {
        return merr_set(err, MERR_INVALID, "stopped");
    }
    buf_addf(&s->out, "%zu:", row->line);
    for (size_t i = 0; i < row->n; i++) {
        buf_addf(&s->out, "%s%.*s", i ? "|" : "", (int)row->lens[i],
                 row->fields[i]);
    }
    buf_adds(&s->out, row->oversized ? "!\n" : "\n");
    return 0;
}

/* Read text through a reader fed step bytes at a time. */
static int
read_text(const char *text, size_t len, size_t step, const char *enc,
          struct seen *s, struct merr *err)
{
    struct csvio_reader *r = NULL;
    int rc;

    buf_init(&s->out, 1 << 20);
    rc = csvio_reader_new("t.csv", enc, collect, s, &r, err);
    for (size_t i = 0; rc == 0 && i < len; i += step) {
        rc = csvio_reader_feed(r, text + i, len - i < step ? len - i : step,
                               err);
    }
    if (rc == 0) {
        rc = csvio_reader_finish(r, err);
    }
    csvio_reader_free(r);
    return rc;
}

static void
expect_read(const char *text, const char *want)
{
    static const size_t steps[] = {1, 2, 3, 7, 4096};

    for (size_t k = 0; k < TOCSIN_ARRAY_LEN(steps); k++) {
        struct seen s = {0};
        struct merr err = {0};

        if (read_text(text, strlen(text), steps[k], NULL, &s, &err) != 0) {
            fail_msg("step %zu: %s", steps[k], err.msg);
        }
        assert_string_equal(buf_str(&s.out), want);
        buf_release(&s.out);
    }
}

static void
test_lists_detect_delimiter(void **state)
{
    (void)state;
    assert_int_equal(csvio_detect_delimiter("a,b,c\n", 6), ',');
    assert_int_equal(csvio_detect_delimiter("a;b;c\n", 6), ';');
    assert_int_equal(csvio_detect_delimiter("a\tb\tc", 5), '\t');
    /* the delimiter inside quotes does not count */
    assert_int_equal(csvio_detect_delimiter("\"a,b,c\";d;e", 11), ';');
    assert_int_equal(csvio_detect_delimiter("\"x;y;z\",d,e", 11), ',');
    /* only the first line counts */
    assert_int_equal(csvio_detect_delimiter("a,b\nc;d;e;f", 11), ',');
    /* a tie or nothing: comma */
    assert_int_equal(csvio_detect_delimiter("a;b,c", 5), ',');
    assert_int_equal(csvio_detect_delimiter("email", 5), ',');
}

static void
test_lists_reader_lines(void **state)
{
    (void)state;
    expect_read("email,name\na@x.org,A\nb@x.org,B\n",
                "1:email|name\n2:a@x.org|A\n3:b@x.org|B\n");
    /* CRLF, a BOM, no final newline */
    expect_read("\xef\xbb\xbf"
                "email;name\r\na@x.org;A\r\nb@x.org;B",
                "1:email|name\n2:a@x.org|A\n3:b@x.org|B\n");
    /* quoted newlines: the next record's line is still right */
    expect_read(
        "email,note\na@x.org,\"one\ntwo\r\nthree\"\nb@x.org,\"\"\"q\"\"\"\n",
        "1:email|note\n2:a@x.org|one\ntwo\r\nthree\n5:b@x.org|\"q\"\n");
    /* blank lines are skipped and counted */
    expect_read("email\n\na@x.org\n\r\n\nb@x.org\n",
                "1:email\n3:a@x.org\n6:b@x.org\n");
    /* tabs: spaces around fields are trimmed, tabs are delimiters */
    expect_read("email\tname\n a@x.org \t A B \n",
                "1:email|name\n2:a@x.org|A B\n");
}

static void
test_lists_reader_errors(void **state)
{
    struct seen s = {0};
    struct merr err = {0};
    const char *latin = "email,name\na@x.org,Ren\xe9\n";
    char *big = NULL;
    size_t n;

    (void)state;
    assert_int_equal(read_text(latin, strlen(latin), 4096, NULL, &s, &err),
                     MERR_PARSE);
    assert_non_null(strstr(err.msg, "t.csv:2: not UTF-8"));
    assert_non_null(strstr(err.msg, "--encoding cp1252"));
    buf_release(&s.out);

    /* converted with iconv, fed a byte at a time */
    memset(&s, 0, sizeof(s));
    assert_int_equal(read_text(latin, strlen(latin), 1, "cp1252", &s, &err), 0);
    assert_string_equal(buf_str(&s.out),
                        "1:email|name\n2:a@x.org|Ren\xc3\xa9\n");
    buf_release(&s.out);

    /* UTF-16 with a BOM, converted, cut between the bytes of a unit */
    memset(&s, 0, sizeof(s));
    assert_int_equal(read_text("\xff\xfe"
                               "e\0,\0x\0\n\0",
                               10, 3, "UTF-16", &s, &err),
                     0);
    assert_string_equal(buf_str(&s.out), "1:e|x\n");
    buf_release(&s.out);
    memset(&s, 0, sizeof(s));
    assert_int_equal(read_text("\xff\xfe"
                               "e\0",
                               4, 4096, NULL, &s, &err),
                     MERR_PARSE);
    assert_non_null(strstr(err.msg, "UTF-16"));
    buf_release(&s.out);

    memset(&s, 0, sizeof(s));
    assert_int_equal(read_text("email\n\"open\nx\n", 13, 5, NULL, &s, &err),
                     MERR_PARSE);
    assert_non_null(strstr(err.msg, "t.csv:2: quoted field not closed"));
    buf_release(&s.out);

    memset(&s, 0, sizeof(s));
    assert_int_equal(read_text("email\na\"b\n", 10, 4096, NULL, &s, &err),
                     MERR_PARSE);
    assert_non_null(strstr(err.msg, "t.csv:2: malformed quoting"));
    buf_release(&s.out);

    /* the callback's error stops the reading */
    memset(&s, 0, sizeof(s));
    s.stop_at = 2;
    assert_int_equal(read_text("email\na\nb\n", 10, 4096, NULL, &s, &err),
                     MERR_INVALID);
    assert_string_equal(err.msg, "stopped");
    buf_release(&s.out);

    /* a field over TOCSIN_MAX_FIELD marks the row; a runaway quote stops
     * at CSVIO_MAX_RECORD */
    n = TOCSIN_MAX_FIELD + 20;
    big = xmalloc(CSVIO_MAX_RECORD + 100);
    memcpy(big, "email\nx,", 8);
    memset(big + 8, 'y', n);
    memcpy(big + 8 + n, "\nz\n", 4);
    memset(&s, 0, sizeof(s));
    assert_int_equal(read_text(big, strlen(big), 65536, NULL, &s, &err), 0);
    assert_string_equal(buf_str(&s.out), "1:email\n2:x|!\n3:z\n");
    buf_release(&s.out);
    memcpy(big, "email\n\"", 7);
    memset(big + 7, 'y', CSVIO_MAX_RECORD + 50);
    big[CSVIO_MAX_RECORD + 57] = '\0';
    for (size_t i = 1000; i < CSVIO_MAX_RECORD; i += 1000) {
        big[i] = '\n';
    }
    memset(&s, 0, sizeof(s));
    assert_int_equal(read_text(big, strlen(big), 65536, NULL, &s, &err),
                     MERR_LIMIT);
    assert_non_null(strstr(err.msg, "t.csv:2: record longer"));
    buf_release(&s.out);
    free(big);
}

static int
header(const char *line, struct lists_header *h, struct merr *err)
{
    const char *fields[16];
    size_t lens[16];
    size_t n = 0;
    const char *p = line;

    for (;;) {
        size_t len = strcspn(p, ",");

        fields[n] = p;
        lens[n++] = len;
        if (p[len] == '\0') {
            break;
        }
        p += len + 1;
    }
    return lists_header_parse(h, fields, lens, n, err);
}

static void
test_lists_header_mapping(void **state)
{
    struct lists_header h;
    struct merr err = {0};

    (void)state;
    assert_int_equal(lists_field_of("E-Mail", 6), LISTS_EMAIL);
    assert_int_equal(lists_field_of(" EMAIL ", 7), LISTS_EMAIL);
    assert_int_equal(lists_field_of("Mail", 4), LISTS_EMAIL);
    assert_int_equal(lists_field_of("Email Address", 13), LISTS_EMAIL);
    assert_int_equal(lists_field_of("Full Name", 9), LISTS_NAME);
    assert_int_equal(lists_field_of("first_name", 10), LISTS_FIRST_NAME);
    assert_int_equal(lists_field_of("Last Name", 9), LISTS_LAST_NAME);
    assert_int_equal(lists_field_of("LOCALE", 6), LISTS_LANGUAGE);
    assert_int_equal(lists_field_of("lang", 4), LISTS_LANGUAGE);
    assert_int_equal(lists_field_of("Country", 7), LISTS_COUNTRY);
    assert_int_equal(lists_field_of("Opt-In", 6), LISTS_CONSENT);
    assert_int_equal(lists_field_of("Vorname", 7), LISTS_FIRST_NAME);
    assert_int_equal(lists_field_of("city", 4), LISTS_ATTR);
    assert_int_equal(lists_field_of(" ", 1), LISTS_IGNORED);

    assert_int_equal(header("City,E-Mail,First Name,Last Name,Lang", &h, &err),
                     0);
    assert_int_equal(h.col[LISTS_EMAIL], 1);
    assert_int_equal(h.col[LISTS_FIRST_NAME], 2);
    assert_int_equal(h.col[LISTS_LAST_NAME], 3);
    assert_int_equal(h.col[LISTS_NAME], -1);
    assert_int_equal(h.nattrs, 1);
    assert_string_equal(h.names[0], "City");
    lists_header_release(&h);

    /* a full name wins: first and last become attributes */
    assert_int_equal(header("email,name,first name", &h, &err), 0);
    assert_int_equal(h.col[LISTS_FIRST_NAME], -1);
    assert_int_equal(h.kind[2], LISTS_ATTR);
    lists_header_release(&h);

    assert_int_equal(header("name,language", &h, &err), MERR_INVALID);
    assert_non_null(strstr(err.msg, "no email column"));
    assert_int_equal(header("email,mail", &h, &err), MERR_INVALID);
    assert_non_null(strstr(err.msg, "columns 1 and 2 both hold the email"));
    assert_int_equal(header("email,city,City", &h, &err), MERR_INVALID);
    assert_non_null(strstr(err.msg, "both named"));
}

static int
row(const struct lists_header *h, const char *line, struct lists_subscriber *s,
    struct merr *err)
{
    const char *fields[16];
    size_t lens[16];
    size_t n = 0;
    const char *p = line;

    for (;;) {
        size_t len = strcspn(p, ",");

        fields[n] = p;
        lens[n++] = len;
        if (p[len] == '\0') {
            break;
        }
        p += len + 1;
    }
    return lists_row_parse(h, fields, lens, n, s, err);
}

static void
test_lists_row_parse(void **state)
{
    struct lists_header h;
    struct lists_subscriber s;
    struct merr err = {0};

    (void)state;
    lists_subscriber_init(&s);
    assert_int_equal(
        header("email,first name,last name,lang,country,opt-in,city,phone", &h,
               &err),
        0);
    assert_int_equal(
        row(&h, " Ana@Example.ORG ,Ana, Silva ,pt_BR,br,Yes,Recife,", &s, &err),
        0);
    assert_false(s.empty);
    assert_string_equal(s.addr.key, "ana@example.org");
    assert_string_equal(buf_str(&s.name), "Ana Silva");
    assert_string_equal(s.language, "pt-BR");
    assert_false(s.language_unknown);
    assert_string_equal(s.country, "BR");
    assert_int_equal(s.consent, 1);
    assert_string_equal(s.attrs, "{\"city\":\"Recife\"}");

    /* empty cells: nothing given (the database keeps what it has) */
    assert_int_equal(row(&h, "bo@example.net,,,,,,,", &s, &err), 0);
    assert_false(s.has_name);
    assert_false(s.has_language);
    assert_false(s.has_country);
    assert_int_equal(s.consent, -1);
    assert_null(s.attrs);

    /* fewer fields than the header is fine; an export's "'" goes */
    assert_int_equal(row(&h, "cy@example.net,'=x,,klingon", &s, &err), 0);
    assert_string_equal(buf_str(&s.name), "=x");
    assert_true(s.language_unknown);
    assert_string_equal(s.language, "klingon");

    assert_int_equal(row(&h, ",,,,,,,", &s, &err), 0);
    assert_true(s.empty);

    assert_int_equal(row(&h, "bob@,,,,,,,", &s, &err), MERR_INVALID);
    assert_string_equal(err.msg, "invalid address \"bob@\": no domain");
    assert_int_equal(row(&h, "a@example.org,,,,ZZ", &s, &err), MERR_INVALID);
    assert_non_null(strstr(err.msg, "unknown country \"ZZ\""));
    assert_int_equal(row(&h, "a@example.org,,,,,maybe", &s, &err),
                     MERR_INVALID);
    assert_non_null(strstr(err.msg, "consent \"maybe\""));
    assert_int_equal(row(&h, "a@example.org,,,,,,,,extra", &s, &err),
                     MERR_INVALID);
    assert_non_null(strstr(err.msg, "9 fields, the header has 8"));
    lists_header_release(&h);
    lists_subscriber_release(&s);
}

static void
test_lists_country_consent_formula(void **state)
{
    char c[3];
    int v = -1;
    char key[ADDRESS_MAX + 1];

    (void)state;
    assert_int_equal(lists_country_parse("fr", 2, c), 0);
    assert_string_equal(c, "FR");
    assert_int_equal(lists_country_parse(" UK ", 4, c), 0);
    assert_string_equal(c, "GB");
    assert_int_equal(lists_country_parse("ZW", 2, c), 0);
    assert_int_equal(lists_country_parse("XX", 2, c), MERR_INVALID);
    assert_int_equal(lists_country_parse("France", 6, c), MERR_INVALID);
    assert_int_equal(lists_country_parse("F1", 2, c), MERR_INVALID);

    assert_int_equal(lists_consent_parse("YES", 3, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(lists_consent_parse("n\xc3\xa3o", 4, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(lists_consent_parse("\xd0\xb4\xd0\xb0", 4, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(lists_consent_parse("0", 1, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(lists_consent_parse("perhaps", 7, &v), MERR_INVALID);

    assert_true(lists_cell_is_formula("=1+1", 4));
    assert_true(lists_cell_is_formula("+33", 3));
    assert_true(lists_cell_is_formula("-2", 2));
    assert_true(lists_cell_is_formula("@SUM(A1)", 8));
    assert_true(lists_cell_is_formula("\tx", 2));
    assert_true(lists_cell_is_formula("\rx", 2));
    assert_false(lists_cell_is_formula("Ana", 3));
    assert_false(lists_cell_is_formula("", 0));

    assert_int_equal(lists_email_key(" Ana@Example.org", key), 0);
    assert_string_equal(key, "ana@example.org");
    assert_int_equal(lists_email_key("Odd..Local@Example.org", key), 0);
    assert_string_equal(key, "odd..local@example.org");
    assert_int_equal(lists_email_key("nobody", key), MERR_INVALID);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lists_detect_delimiter),
        cmocka_unit_test(test_lists_reader_lines),
        cmocka_unit_test(test_lists_reader_errors),
        cmocka_unit_test(test_lists_header_mapping),
        cmocka_unit_test(test_lists_row_parse),
        cmocka_unit_test(test_lists_country_consent_formula),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
