#!/bin/sh
# suppress, person and forget: a suppressed or forgotten address is never
# brought back by an import; person shows everything held; forget erases
# the person everywhere (even from the database file's free pages) and
# keeps only a keyed hash.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"

ws=$(workspace)
cd "$ws"
db="$ws/tocsin.db"
sample="$TOCSIN_SRC/lists/sample-supporters.csv"
count() {
    sqlite3 "$db" "$1"
}

expect_rc 0 import supporters "$sample"

note "suppress"
expect_rc 0 suppress Claire.Dubois@Example.org --reason "asked by phone"
assert_grep 'suppressed claire.dubois@example.org' "$E2E_TMP/out"
assert_eq "$(count "SELECT status FROM subscribers
    WHERE email_key = 'claire.dubois@example.org'")" suppressed "status"
assert_eq "$(count "SELECT reason || '|' || detail FROM suppressions
    WHERE email_key = 'claire.dubois@example.org'")" "manual|asked by phone" "row"
expect_rc 0 suppress claire.dubois@example.org
assert_grep 'suppressed already' "$E2E_TMP/out"
# an address never imported can be suppressed ahead of time
expect_rc 0 suppress new.person@example.com
printf 'email,name\nnew.person@example.com,New\nclaire.dubois@example.org,Claire\n' \
    >"$E2E_TMP/again.csv"
expect_rc 0 import other "$E2E_TMP/again.csv" --json
assert_eq "$(cat "$E2E_TMP/out")" \
    '{"added":0,"updated":0,"unchanged":0,"suppressed":2,"invalid":0}' "kept out"
assert_eq "$(count "SELECT count(*) FROM subscribers
    WHERE email_key = 'new.person@example.com'")" 0 "not added"
expect_rc 0 import supporters "$sample"
assert_grep '59 unchanged, 1 suppressed' "$E2E_TMP/out"
expect_rc 65 suppress nobody
assert_grep 'is not an address' "$E2E_TMP/err"

note "a person with deliveries, a signature and a bounce"
who=irina.volkova@example.org
id=$(count "SELECT id FROM subscribers WHERE email_key = '$who'")
sqlite3 "$db" <<SQL
INSERT INTO appeals (seq, id, content_hash, doc, created, updated)
    VALUES (1, '2026-014', 'h', '{}', 0, 0);
INSERT INTO deliveries (appeal_seq, subscriber_id, email, language, state,
    message_id, updated) VALUES (1, $id, '$who', 'ru', 'sent', '<m1@x>', 0);
INSERT INTO signatures (appeal_seq, subscriber_id, person_key, name,
    country, language, source, signed_at, created)
    VALUES (1, $id, '$who', 'Ирина Волкова', 'RU', 'ru', 'link', 5, 5);
INSERT INTO bounces (appeal_seq, subscriber_id, recipient, kind, status,
    source, received_at) VALUES (1, $id, 'Irina.Volkova@example.org',
    'soft', '4.2.2', '<b1@x>', 6);
SQL
expect_rc 0 person IRINA.VOLKOVA@example.org
python3 - "$E2E_TMP/out" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["email"] == "irina.volkova@example.org", p
s = p["subscriber"]
assert s["name"] == "Ирина Волкова" and s["language"] == "ru", s
assert s["attrs"] == {"city": "Санкт-Петербург", "source": "website"}, s
assert [l["list"] for l in p["lists"]] == ["supporters"], p["lists"]
assert p["deliveries"][0]["appeal"] == "2026-014", p["deliveries"]
assert p["deliveries"][0]["message_id"] == "<m1@x>", p["deliveries"]
assert p["signatures"][0]["source"] == "link", p["signatures"]
assert p["bounces"][0]["status"] == "4.2.2", p["bounces"]
assert p["suppression"] is None
PY

note "forget"
expect_rc 0 forget Irina.Volkova@example.org
assert_grep 'forgot irina.volkova@example.org: 1 subscriber, 1 list memberships, 1 deliveries, 1 signatures, 1 bounces' "$E2E_TMP/out"
for t in subscribers deliveries signatures bounces; do
    assert_eq "$(count "SELECT count(*) FROM $t WHERE
        $(case $t in
            subscribers) echo "email_key = '$who'" ;;
            deliveries) echo "email = '$who'" ;;
            signatures) echo "person_key = '$who'" ;;
            bounces) echo "lower(recipient) = '$who'" ;;
        esac)")" 0 "$t"
done
assert_eq "$(count "SELECT count(*) FROM suppressions WHERE email_key IS NULL
    AND reason = 'forgotten' AND length(hash) = 64")" 1 "hash kept"
# not in the file either: no free page or WAL frame still holds it
for f in "$db" "$db-wal"; do
    [ -f "$f" ] || continue
    if grep -a -q -i -e 'irina.volkova' -e 'Ирина Волкова' "$f"; then
        fail "forgotten person still in $(basename "$f")"
    fi
done
expect_rc 0 person irina.volkova@example.org
python3 - "$E2E_TMP/out" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["subscriber"] is None and p["lists"] == [] and p["signatures"] == []
assert p["suppression"]["reason"] == "forgotten" and p["suppression"]["forgotten"] == 1
PY

note "forget, then re-import: stays out"
expect_rc 0 import supporters "$sample" --json
assert_eq "$(cat "$E2E_TMP/out")" \
    '{"added":0,"updated":0,"unchanged":58,"suppressed":2,"invalid":0}' "reimport"
assert_eq "$(count "SELECT count(*) FROM subscribers WHERE email_key = '$who'")" \
    0 "not back"
# forgetting someone never held still keeps them out
expect_rc 0 forget stranger@example.net
assert_grep '0 subscriber' "$E2E_TMP/out"
echo ok
