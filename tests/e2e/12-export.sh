#!/bin/sh
# tocsin export: CSV a spreadsheet opens safely (formula cells
# neutralised), and an export imports back unchanged (round trip).
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"

data="$TOCSIN_SRC/tests/data"
ws=$(workspace)
cd "$ws"

expect_rc 0 import supporters "$TOCSIN_SRC/lists/sample-supporters.csv"
expect_rc 0 import supporters "$data/formula.csv"
expect_rc 0 import supporters "$data/excel-semicolon-bom.csv"
expect_rc 0 export supporters
cp "$E2E_TMP/out" "$E2E_TMP/export1.csv"

note "the CSV: header, Unicode addresses, no formula a spreadsheet would run"
python3 - "$E2E_TMP/export1.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
head = rows[0]
assert head[:6] == ["email", "name", "language", "country", "consent", "status"], head
assert {"city", "source", "phone", "comment", "Notiz"} <= set(head[6:]), head
assert len(rows) == 1 + 60 + 3 + 4, len(rows)
by = {r[0]: dict(zip(head, r)) for r in rows[1:]}
assert "leser@bücher.example" in by
eve = by["eve@example.org"]
assert eve["name"].startswith("'="), eve
assert eve["phone"] == "'+44 20 7946 0000" and eve["comment"] == "'@SUM(A1:A9)", eve
mal = by["mallory@example.net"]
assert mal["name"] == "'-2+3" and mal["phone"] == "'=1+1", mal
for r in rows[1:]:
    for cell in r:
        assert cell == "" or cell[0] not in "=+-@\t\r", r
assert by["joao.silva@example.org"]["consent"] == "yes"
assert by["lukas.meier@example.net"]["Notiz"].replace("\r", "") == "Spender seit 2019;\nmonatlich"
PY

note "round trip: export, import into a fresh workspace, export again"
ws2=$(workspace)
cd "$ws2"
expect_rc 0 import copy "$E2E_TMP/export1.csv" --json
assert_eq "$(cat "$E2E_TMP/out")" \
    '{"added":67,"updated":0,"unchanged":0,"suppressed":0,"invalid":0}' "reimport"
expect_rc 0 export copy
cmp "$E2E_TMP/export1.csv" "$E2E_TMP/out" || fail "export after round trip differs"
# the same people, field for field
for c in email_key email email_display name language country consent attrs; do
    a=$(sqlite3 "$ws/tocsin.db" "SELECT group_concat($c, '|') FROM
        (SELECT $c FROM subscribers ORDER BY email_key)")
    b=$(sqlite3 "$ws2/tocsin.db" "SELECT group_concat($c, '|') FROM
        (SELECT $c FROM subscribers ORDER BY email_key)")
    assert_eq "$b" "$a" "column $c after round trip"
done

expect_rc 66 export nosuchlist
assert_grep 'no list "nosuchlist"' "$E2E_TMP/err"
expect_rc 64 export
echo ok
