#!/bin/sh
# tocsin import on realistic and hostile files: the sample, a German Excel
# export (BOM, semicolons, CRLF, quoted newlines), duplicates, bad rows,
# Windows-1252, tabs, broken quoting, a huge field; --skip-invalid,
# --reject-file, --json, lists.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"

data="$TOCSIN_SRC/tests/data"
ws=$(workspace)
cd "$ws"
db="$ws/tocsin.db"
count() {
    sqlite3 "$db" "$1"
}

note "the sample list"
expect_rc 0 import supporters "$TOCSIN_SRC/lists/sample-supporters.csv" --json
assert_eq "$(cat "$E2E_TMP/out")" \
    '{"added":60,"updated":0,"unchanged":0,"suppressed":0,"invalid":0}' "json"
assert_eq "$(count "SELECT count(*) FROM list_members")" 60 "members"
# the IDN address: ASCII to send, Unicode to show, one key
assert_eq "$(count "SELECT email || ' ' || email_display FROM subscribers
    WHERE email_key LIKE 'leser@%'")" \
    "leser@xn--bcher-kva.example leser@bücher.example" "idn"
assert_eq "$(count "SELECT attrs FROM subscribers
    WHERE email_key = 'joao.silva@example.org'")" \
    '{"city":"São Paulo","source":"website"}' "attrs"
# importing again changes nothing
expect_rc 0 import supporters "$TOCSIN_SRC/lists/sample-supporters.csv"
assert_grep '^supporters: 0 added, 0 updated, 60 unchanged, 0 suppressed, 0 invalid$' "$E2E_TMP/out"

note "lists"
expect_rc 0 lists
assert_grep '^supporters: 60 members$' "$E2E_TMP/out"
assert_grep '^  status +active 60$' "$E2E_TMP/out"
assert_grep '^  language +en 10, ar 9, fr 9, es 8, fa 8, pt-BR 8, ru 8$' "$E2E_TMP/out"
expect_rc 0 lists --trust supporters
expect_rc 0 lists --json
python3 - "$E2E_TMP/out" <<'PY'
import json, sys
l = json.load(open(sys.argv[1]))
assert len(l) == 1 and l[0]["name"] == "supporters", l
assert l[0]["trusted"] is True and l[0]["members"] == 60, l
assert l[0]["status"] == {"active": 60}, l
assert l[0]["languages"]["pt-BR"] == 8 and sum(l[0]["languages"].values()) == 60
PY
expect_rc 0 lists --untrust supporters
assert_eq "$(count "SELECT trusted FROM lists WHERE name = 'supporters'")" 0 "untrust"
expect_rc 66 lists --trust nosuchlist
assert_grep 'no list "nosuchlist"' "$E2E_TMP/err"

note "German Excel export: BOM, semicolons, CRLF, Vorname + Nachname"
expect_rc 0 import de "$data/excel-semicolon-bom.csv"
assert_grep '^de: 4 added' "$E2E_TMP/out"
assert_eq "$(count "SELECT name || '|' || language || '|' || country FROM subscribers
    WHERE email_key = 'lukas.meier@example.net'")" "Lukas Meier|de-CH|CH" "row 3"
assert_eq "$(count "SELECT replace(json_extract(attrs, '$.Notiz'), char(13), '')
    FROM subscribers
    WHERE email_key = 'lukas.meier@example.net'")" "Spender seit 2019;
monatlich" "quoted newline"
assert_eq "$(count "SELECT consent FROM subscribers
    WHERE email_key = 'marie.dupont@example.com'")" 0 "nein"

note "duplicates: one mailbox whatever the case"
expect_rc 0 import dup "$data/duplicates.csv" --json
assert_eq "$(cat "$E2E_TMP/out")" \
    '{"added":2,"updated":2,"unchanged":1,"suppressed":0,"invalid":0}' "dups"
assert_eq "$(count "SELECT count(*) FROM subscribers
    WHERE email_key = 'rosa.parks@example.org'")" 1 "one rosa"
assert_eq "$(count "SELECT name FROM subscribers
    WHERE email_key = 'rosa.parks@example.org'")" "Rosa L. Parks" "last wins"

note "bad rows: nothing imported, each reported with its line"
before=$(count "SELECT count(*) FROM subscribers")
expect_rc 65 import bad "$data/bad-rows.csv"
for l in 3 4 5 6 7 8 9; do
    assert_grep "bad-rows.csv:$l: " "$E2E_TMP/err"
done
assert_no_grep 'bad-rows.csv:(2|10):' "$E2E_TMP/err"
assert_grep 'bad-rows.csv:3: invalid address "bob@": no domain' "$E2E_TMP/err"
assert_grep '7 bad rows; nothing imported' "$E2E_TMP/err"
assert_eq "$(count "SELECT count(*) FROM subscribers")" "$before" "nothing added"
assert_eq "$(count "SELECT count(*) FROM lists WHERE name = 'bad'")" 0 "no list"

note "--skip-invalid with a reject file"
expect_rc 0 import bad "$data/bad-rows.csv" --skip-invalid \
    --reject-file "$E2E_TMP/rejects.csv" --json
assert_eq "$(cat "$E2E_TMP/out")" \
    '{"added":2,"updated":0,"unchanged":0,"suppressed":0,"invalid":7}' "skip"
assert_eq "$(stat -c %a "$E2E_TMP/rejects.csv")" 600 "reject file mode"
python3 - "$E2E_TMP/rejects.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0] == ["email", "name", "language", "country", "consent", "reason"], rows[0]
assert len(rows) == 8, rows
assert rows[1][:5] == ["bob@", "Bob", "en", "GB", "yes"], rows[1]
assert "no domain" in rows[1][5], rows[1]
assert rows[6][5:] == ["extra", "6 fields, the header has 5"], rows[6]
PY

note "quoted newlines keep line numbers right"
expect_rc 65 import q "$data/quoted-newlines.csv"
assert_grep 'quoted-newlines.csv:10: invalid address "not-an-address"' "$E2E_TMP/err"

note "Windows-1252: refused with the line and a hint, or converted"
expect_rc 65 import win "$data/cp1252.csv"
assert_grep 'cp1252.csv:3: not UTF-8 .*--encoding cp1252' "$E2E_TMP/err"
expect_rc 0 import win "$data/cp1252.csv" --encoding cp1252
assert_grep '^win: 4 added' "$E2E_TMP/out"
assert_eq "$(count "SELECT name || '|' || json_extract(attrs, '$.donation')
    FROM subscribers WHERE email_key = 'rene.lefevre@example.net'")" \
    "René Lefèvre|20 €" "converted"
expect_rc 64 import win "$data/cp1252.csv" --encoding no-such-charset
assert_grep 'unknown encoding' "$E2E_TMP/err"

note "tabs, locales and unknown languages (kept and reported)"
expect_rc 0 import tabs "$data/tabs-languages.tsv"
assert_grep 'tabs-languages.tsv:4: unknown language "klingon" \(kept\)' "$E2E_TMP/err"
assert_grep 'tabs-languages.tsv:5: unknown language "xx" \(kept\)' "$E2E_TMP/err"
assert_eq "$(count "SELECT group_concat(language, ' ') FROM
    (SELECT language FROM subscribers WHERE email_key LIKE '_.%@example.org'
     ORDER BY email_key)")" "pt-BR zh-Hant-TW klingon xx fr" "languages"

note "broken files: one line naming file and line, nothing imported"
before=$(count "SELECT count(*) FROM subscribers")
expect_rc 65 import broken "$data/unterminated.csv"
assert_grep 'unterminated.csv:3: quoted field not closed' "$E2E_TMP/err"
expect_rc 65 import broken "$data/no-email.csv"
assert_grep 'no-email.csv:1: no email column' "$E2E_TMP/err"
printf '' >"$E2E_TMP/empty.csv"
expect_rc 65 import broken "$E2E_TMP/empty.csv"
assert_grep 'empty file' "$E2E_TMP/err"
expect_rc 66 import broken "$E2E_TMP/missing.csv"
python3 - "$E2E_TMP/huge.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("email,name,notes\n")
    f.write("ok.one@example.org,One,short\n")
    f.write("huge@example.org,Huge,\"" + "x" * 200000 + "\"\n")
    f.write("ok.two@example.org,Two,short\n")
PY
expect_rc 65 import broken "$E2E_TMP/huge.csv"
assert_grep 'huge.csv:3: a field is longer than 64 KiB' "$E2E_TMP/err"
assert_eq "$(count "SELECT count(*) FROM subscribers")" "$before" "unchanged"
expect_rc 0 import broken "$E2E_TMP/huge.csv" --skip-invalid
assert_grep '^broken: 2 added' "$E2E_TMP/out"

note "many bad rows: the first 20, then a count"
python3 - "$E2E_TMP/many.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("email\n")
    for i in range(50):
        f.write("bad%d@\n" % i)
PY
expect_rc 65 import many "$E2E_TMP/many.csv"
assert_eq "$(grep -c 'many.csv:[0-9]*: invalid address' "$E2E_TMP/err")" 20 "first 20"
assert_grep 'many.csv: 30 more bad rows' "$E2E_TMP/err"
echo ok
