#!/bin/sh
# preview: each language of the sample appeal (subject, RTL HTML, text
# wrapped at 72), one subscriber by email (fallback language, real
# token, literal name), and the language summary.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"
need sqlite3 python3

ws=$(workspace)
cp -r "$TOCSIN_SRC/templates" "$ws/"
cp -r "$TOCSIN_SRC/cases" "$ws/"
cd "$ws"
. "$TOCSIN_SRC/tests/data/appeal-audience.sh"

# Lines of the text part longer than 72 characters must be one word.
check_wrap() {
    python3 - "$1" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
body = text.split("\n\n", 1)[1].split("\nsubscribers by language")[0]
for line in body.split("\n"):
    if len(line) > 72 and " " in line.strip():
        sys.exit("line over 72 columns: %r" % line)
PY
}

note "one preview per language"
nb=$(printf '\302\240') # French puts a no-break space before ":"
for spec in "en|Urgent action: Free Leila Haddad|ltr" \
    "fr|Action urgente${nb}: Libérez Leila Haddad|ltr" \
    "es|Acción urgente: Liberen a Leila Haddad|ltr" \
    "ar|تحرّك عاجل: أطلقوا سراح ليلى حداد|rtl" \
    "ru|Срочная акция: Освободите Лейлу Хаддад|ltr"; do
    lang=${spec%%|*}
    rest=${spec#*|}
    subject=${rest%|*}
    dir=${rest##*|}
    expect_rc 0 preview cases/example.json --lang "$lang" --html "$lang.html"
    grep -qxF "subject: $subject" "$E2E_TMP/out" || fail "$lang: subject"
    assert_grep "^language: $lang" "$E2E_TMP/out"
    assert_grep "<html lang=\"$lang\" dir=\"$dir\">" "$lang.html"
    assert_grep '<a href="https://act.example.org/s/PREVIEW-NOT-A-REAL-TOKEN">' "$lang.html"
    assert_grep '<https://act.example.org/u/PREVIEW-NOT-A-REAL-TOKEN>' "$E2E_TMP/out"
    assert_grep "Rue de l'Exemple 1, 1000 Brussels, Belgium" "$E2E_TMP/out"
    check_wrap "$E2E_TMP/out"
done
expect_rc 0 preview cases/example.json --lang ar
assert_grep '^language: ar \(rtl\)$' "$E2E_TMP/out"
assert_grep '^مرحبًا،$' "$E2E_TMP/out"
expect_rc 0 preview cases/example.json --lang fr --name "Ana María"
assert_grep '^Bonjour Ana María,$' "$E2E_TMP/out"
# the default language without --lang; a tag the appeal lacks
expect_rc 0 preview cases/example.json
assert_grep '^language: en$' "$E2E_TMP/out"
assert_grep '^Dear friend,$' "$E2E_TMP/out"
expect_rc 0 preview cases/example.json --lang pt-BR
assert_grep '^note: pt-BR is not one of the appeal.s languages: subscribers with it get es$' \
    "$E2E_TMP/out"
assert_grep '^language: es$' "$E2E_TMP/out"

note "the language summary"
assert_grep '^  en +6  \(3 by fallback: fa 2, no language 1\)$' "$E2E_TMP/out"
assert_grep '^  fr +2$' "$E2E_TMP/out"
assert_grep '^  es +4  \(2 by fallback: pt-BR 2\)$' "$E2E_TMP/out"
assert_grep '^  ar +2  \(1 by fallback: ar-MA 1\)$' "$E2E_TMP/out"
assert_grep '^  ru +1$' "$E2E_TMP/out"
assert_grep '^  total +15$' "$E2E_TMP/out"

note "one subscriber: fallback language and a real token"
expect_rc 0 preview cases/example.json --email dariush@example.org --html fa.html
assert_grep '^subscriber: dariush@example.org \(language fa, gets en\)$' "$E2E_TMP/out"
assert_grep '^language: en$' "$E2E_TMP/out"
assert_grep '^Dear داریوش,$' "$E2E_TMP/out"
assert_grep '<https://act.example.org/s/[a-z2-7]+>' "$E2E_TMP/out"
assert_no_grep 'PREVIEW-NOT-A-REAL-TOKEN' "$E2E_TMP/out"
assert_grep 'Dear <bdi>داریوش</bdi>,' fa.html
assert_grep 'not registered yet' "$E2E_TMP/err"
expect_rc 0 preview cases/example.json --email Joao@Example.com.br
assert_grep '^subscriber: joao@example.com.br \(language pt-BR, gets es\)$' "$E2E_TMP/out"
assert_grep '^Hola, João Silva:$' "$E2E_TMP/out"
# a registered appeal: links carry its seq, no note
sqlite3 "$ws/tocsin.db" "INSERT INTO appeals (seq, id, content_hash, doc,
    created, updated) VALUES (7, '2026-014-leila-haddad', 'x', '{}', 1, 1)"
expect_rc 0 preview cases/example.json --email irina@example.org
assert_grep '^Здравствуйте, Ирина Петрова!$' "$E2E_TMP/out"
assert_no_grep 'not registered' "$E2E_TMP/err"

note "names are literal text in both parts"
expect_rc 0 preview cases/example.json --email evil@example.org --html evil.html
grep -qxF 'Dear *Ana* [x](javascript:alert(1)) <script>,' "$E2E_TMP/out" ||
    fail "text part: the name is not literal"
grep -qF 'Dear <bdi>*Ana* [x](javascript:alert(1)) &lt;script&gt;</bdi>,' evil.html ||
    fail "HTML part: the name is not escaped"
assert_no_grep '<script' evil.html
assert_no_grep 'href="javascript' evil.html

note "not mailed, unknown, usage"
expect_rc 0 preview cases/example.json --email gone@example.fr
assert_grep '^note: gone@example.fr is suppressed: not mailed$' "$E2E_TMP/out"
expect_rc 0 preview cases/example.json --email p1@example.org
assert_grep "^note: p1@example.org is not on the appeal's lists: not mailed$" "$E2E_TMP/out"
expect_rc 66 preview cases/example.json --email nobody@example.org
assert_grep 'no subscriber nobody@example.org' "$E2E_TMP/err"
expect_rc 64 preview cases/example.json --lang fr --email p1@example.org
expect_rc 64 preview
expect_rc 66 preview cases/nosuch.json
echo "ok"
