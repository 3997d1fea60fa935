#!/bin/sh
# tocsin report: every figure of a database with known numbers, in text,
# CSV and JSON; the list of appeals; errors; the database left unchanged.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"
need sqlite3 python3

ws=$(workspace)
cfg="$ws/tocsin.json"
python3 "$E2E_DIR/report_fixture.py" >"$E2E_TMP/fixture.sql"
sqlite3 "$ws/tocsin.db" <"$E2E_TMP/fixture.sql"
sqlite3 "$ws/tocsin.db" .dump >"$E2E_TMP/before.sql"

# lines of $E2E_TMP/out, blanks squeezed, must hold each line of stdin
expect_lines() {
    tr -s ' ' <"$E2E_TMP/out" | sed 's/ *$//' >"$E2E_TMP/squeezed"
    while IFS= read -r line; do
        grep -qxF -- "$line" "$E2E_TMP/squeezed" ||
            fail "no line '$line' in the $1 report"
    done
}

note "text"
expect_rc 0 --config "$cfg" report 2026-014
expect_lines text <<'TXT'
appeal 2026-014
title Free Maryam Nasser & the <Tunis> 3
status done
created 2026-03-02 08:00:00 UTC
first_send 2026-03-02 09:00:00 UTC
last_send 2026-03-02 09:05:00 UTC
duration 5 min 00 s (300 s)
rate 1.23 messages per second
 total en fr es ar de
recipients 400 200 100 60 40 0
queued 4 4 0 0 0 0
sending 1 1 0 0 0 0
sent 370 180 93 59 38 0
deferred 10 5 3 0 2 0
failed 9 6 2 1 0 0
uncertain 3 2 1 0 0 0
expired 3 2 1 0 0 0
bounced 32 20 8 4 0 0
bounced_hard 32 20 8 4 0 0
bounced_soft 9 7 2 0 0 0
complaints 4 3 1 0 0 0
unsubscribed 8 5 2 1 0 0
signatures 73 39 18 8 5 3
signatures_link 58 30 15 8 5 0
signatures_webhook 15 9 3 0 0 3
unique_signers 73 39 18 8 5 3
signers_mailed 65 35 17 8 5 0
conversion 17.6% 19.4% 18.3% 13.6% 13.2% -
top_domains recipients sent bounced
 example.org 200 186 16
 example.com 100 90 10
 exemple.fr 50 46 4
 españa.es 30 29 2
 hard 5.1.1 550 5.1.1 <address>: user unknown 26
 soft 4.2.2 mailbox full 11
 hard 5.2.1 mailbox unavailable 5
 complaint - abuse report 4
 hard 5.7.1 account disabled 2
 unknown - unrecognised bounce 1
 2026-03-02 09:00:00 UTC 20
 2026-03-02 10:00:00 UTC 25
 2026-03-02 11:00:00 UTC 12
 2026-03-02 13:00:00 UTC 8
 2026-03-02 14:00:00 UTC 5
 2026-03-02 15:00:00 UTC 3
TXT
# internationalised domains in Unicode; the right-to-left one between
# U+2068 FIRST STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE, its
# counts in the same columns as the others'
fsi=$(printf '\342\201\250')
pdi=$(printf '\342\201\251')
assert_grep "^  ${fsi}مثال\.إختبار${pdi} {27} {9}20 {9}19 {10}0\$" "$E2E_TMP/out"
assert_grep '^  example\.org {27} {8}200 {8}186 {9}16$' "$E2E_TMP/out"
assert_no_grep 'xn--' "$E2E_TMP/out"
# autoreplies are not bounces; no address of a supporter is printed
assert_no_grep 'out of office' "$E2E_TMP/out"
assert_no_grep '@' "$E2E_TMP/out"
# the same by seq
expect_rc 0 --config "$cfg" report 1
assert_grep '^appeal +2026-014$' "$E2E_TMP/out"

note "csv"
expect_rc 0 --config "$cfg" report 2026-014 --format csv
python3 - "$E2E_TMP/out" <<'PY'
import csv, sys
raw = open(sys.argv[1], newline="").read()
assert raw.endswith("\r\n"), "CSV lines end in CRLF"
rows = list(csv.reader(raw.splitlines()))
keys = ("recipients queued sending sent deferred failed uncertain expired "
        "bounced bounced_hard bounced_soft complaints unsubscribed signatures "
        "signatures_link signatures_webhook unique_signers signers_mailed "
        "conversion").split()
assert rows[0] == ["language"] + keys, rows[0]
want = {
    "en": "200 4 1 180 5 6 2 2 20 20 7 3 5 39 30 9 39 35 0.1944",
    "fr": "100 0 0 93 3 2 1 1 8 8 2 1 2 18 15 3 18 17 0.1828",
    "es": "60 0 0 59 0 1 0 0 4 4 0 0 1 8 8 0 8 8 0.1356",
    "ar": "40 0 0 38 2 0 0 0 0 0 0 0 0 5 5 0 5 5 0.1316",
    "de": "0 0 0 0 0 0 0 0 0 0 0 0 0 3 0 3 3 0 ",
}
got = {r[0]: " ".join(r[1:]) for r in rows[1:]}
assert [r[0] for r in rows[1:]] == ["en", "fr", "es", "ar", "de"], got
for lang, line in want.items():
    assert got[lang] == line, (lang, got[lang], line)
PY

note "json"
expect_rc 0 --config "$cfg" report 2026-014 --format json
cp "$E2E_TMP/out" "$E2E_TMP/report.json"
expect_rc 0 --config "$cfg" report 2026-014 --json
grep -v '"generated"' "$E2E_TMP/out" >"$E2E_TMP/a.json"
grep -v '"generated"' "$E2E_TMP/report.json" >"$E2E_TMP/b.json"
cmp -s "$E2E_TMP/a.json" "$E2E_TMP/b.json" || fail "--json differs from --format json"
python3 - "$E2E_TMP/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
total = dict(appeal="2026-014", title="Free Maryam Nasser & the <Tunis> 3",
             status="done", created="2026-03-02T08:00:00Z",
             recipients=400, queued=4, sending=1, sent=370, deferred=10,
             failed=9, uncertain=3, expired=3, bounced=32, bounced_hard=32,
             bounced_soft=9, complaints=4, unsubscribed=8, signatures=73,
             signatures_link=58, signatures_webhook=15, unique_signers=73,
             signers_mailed=65, conversion=0.1757,
             first_send="2026-03-02T09:00:00Z",
             last_send="2026-03-02T09:05:00Z", duration_seconds=300,
             rate_per_second=1.23)
for k, v in total.items():
    assert r[k] == v, (k, r[k], v)
keys = ("recipients queued sending sent deferred failed uncertain expired "
        "bounced bounced_hard bounced_soft complaints unsubscribed signatures "
        "signatures_link signatures_webhook unique_signers signers_mailed "
        "conversion").split()
want = {
    "en": [200, 4, 1, 180, 5, 6, 2, 2, 20, 20, 7, 3, 5, 39, 30, 9, 39, 35,
           0.1944],
    "fr": [100, 0, 0, 93, 3, 2, 1, 1, 8, 8, 2, 1, 2, 18, 15, 3, 18, 17,
           0.1828],
    "es": [60, 0, 0, 59, 0, 1, 0, 0, 4, 4, 0, 0, 1, 8, 8, 0, 8, 8, 0.1356],
    "ar": [40, 0, 0, 38, 2, 0, 0, 0, 0, 0, 0, 0, 0, 5, 5, 0, 5, 5, 0.1316],
    "de": [0] * 13 + [3, 0, 3, 3, 0, None],
}
langs = r["languages"]
assert [l["language"] for l in langs] == ["en", "fr", "es", "ar", "de"]
for l in langs:
    assert [l[k] for k in keys] == want[l["language"]], l
# per-language figures add up to the totals
for k in keys[:-1]:
    assert sum(l[k] for l in langs) == r[k], k
# domain as stored (ASCII, for scripts), domain_display for people
assert r["top_domains"] == [
    dict(domain="example.org", domain_display="example.org", recipients=200,
         sent=186, bounced=16),
    dict(domain="example.com", domain_display="example.com", recipients=100,
         sent=90, bounced=10),
    dict(domain="exemple.fr", domain_display="exemple.fr", recipients=50,
         sent=46, bounced=4),
    dict(domain="xn--espaa-rta.es", domain_display="españa.es",
         recipients=30, sent=29, bounced=2),
    dict(domain="xn--mgbh0fb.xn--kgbechtv", domain_display="مثال.إختبار",
         recipients=20, sent=19, bounced=0),
], r["top_domains"]
assert [(b["kind"], b["status"], b["reason"], b["count"])
        for b in r["top_bounce_reasons"]] == [
    ("hard", "5.1.1", "550 5.1.1 <address>: user unknown", 26),
    ("soft", "4.2.2", "mailbox full", 11),
    ("hard", "5.2.1", "mailbox unavailable", 5),
    ("complaint", "", "abuse report", 4),
    ("hard", "5.7.1", "account disabled", 2),
    ("unknown", "", "unrecognised bounce", 1),
], r["top_bounce_reasons"]
assert [(h["hour"], h["signatures"]) for h in r["signatures_per_hour"]] == [
    ("2026-03-02T09:00:00Z", 20), ("2026-03-02T10:00:00Z", 25),
    ("2026-03-02T11:00:00Z", 12), ("2026-03-02T13:00:00Z", 8),
    ("2026-03-02T14:00:00Z", 5), ("2026-03-02T15:00:00Z", 3),
], r["signatures_per_hour"]
PY

note "the list of appeals"
expect_rc 0 --config "$cfg" report
expect_lines list <<'TXT'
appeal created recipients sent bounced signatures conversion
2026-014 2026-03-02 08:00 400 370 32 73 17.6%
2026-015 2026-03-03 09:00 10 10 1 2 20.0%
2026-016 2026-03-04 09:00 0 0 0 0 -
TXT
expect_rc 0 --config "$cfg" report --format csv
python3 - "$E2E_TMP/out" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="").read().splitlines()))
assert rows == [
    "appeal title status created recipients sent bounced signatures "
    "signers_mailed conversion".split(),
    ["2026-014", "Free Maryam Nasser & the <Tunis> 3", "done",
     "2026-03-02T08:00:00Z", "400", "370", "32", "73", "65", "0.1757"],
    ["2026-015", "Stop the deportation", "done", "2026-03-03T09:00:00Z",
     "10", "10", "1", "2", "2", "0.2000"],
    ["2026-016", "Not sent yet", "registered", "2026-03-04T09:00:00Z",
     "0", "0", "0", "0", "0", ""],
], rows
PY
expect_rc 0 --config "$cfg" report --format json
python3 - "$E2E_TMP/out" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["appeals"]
assert [(x["appeal"], x["recipients"], x["sent"], x["bounced"],
         x["signatures"], x["signers_mailed"], x["conversion"]) for x in a] == [
    ("2026-014", 400, 370, 32, 73, 65, 0.1757),
    ("2026-015", 10, 10, 1, 2, 2, 0.2),
    ("2026-016", 0, 0, 0, 0, 0, None)], a
PY

note "an appeal with nothing sent"
expect_rc 0 --config "$cfg" report 2026-016
assert_grep '^recipients +0$' "$E2E_TMP/out"
assert_grep '^conversion +-$' "$E2E_TMP/out"
assert_grep '^rate +-$' "$E2E_TMP/out"

note "--output"
expect_rc 0 --config "$cfg" report 2026-014 --format csv --output "$E2E_TMP/r.csv"
[ ! -s "$E2E_TMP/out" ] || fail "--output also printed the report"
assert_eq "$(stat -c %a "$E2E_TMP/r.csv")" 600 "report file mode"
assert_grep '^"en",200,' "$E2E_TMP/r.csv"

note "errors"
expect_rc 66 --config "$cfg" report 2026-999
assert_grep 'no appeal "2026-999"' "$E2E_TMP/err"
[ "$(wc -l <"$E2E_TMP/err")" -eq 1 ] || fail "more than one error line"
expect_rc 64 --config "$cfg" report 2026-014 --format xml
assert_grep 'text, csv, json or html' "$E2E_TMP/err"
expect_rc 64 --config "$cfg" report a b
expect_rc 0 report --help
assert_grep '^usage: tocsin report' "$E2E_TMP/out"

# a report changes nothing
sqlite3 "$ws/tocsin.db" .dump >"$E2E_TMP/after.sql"
cmp -s "$E2E_TMP/before.sql" "$E2E_TMP/after.sql" ||
    fail "the report changed the database"
