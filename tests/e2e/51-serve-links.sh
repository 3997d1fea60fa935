#!/bin/sh
# tocsin serve: sign and unsubscribe links (a GET changes nothing, a POST
# acts once, tampered tokens get a 404 that tells nothing, closed appeals
# record nothing), security headers, methods, /healthz, and
# tocsin signatures.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/serve_lib.sh"
need curl sqlite3 python3

serve_workspace
serve_start

note "health and headers"
req GET /healthz
expect_http 200
for h in "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'" \
    'X-Content-Type-Options: nosniff' 'Referrer-Policy: no-referrer'; do
    grep -qiF "$h" "$E2E_TMP/hdr" || fail "no header: $h"
done
req POST /healthz
expect_http 405
assert_grep '^Allow: GET, HEAD' "$E2E_TMP/hdr"
req GET /no/such/thing
expect_http 404
grep -qiF "X-Content-Type-Options: nosniff" "$E2E_TMP/hdr" || fail "404 headers"

ana=$(token 1 1)
karim=$(token 1 2)
olga=$(token 1 3)
sara=$(token 1 4)
# the test helper makes the tokens tocsin send put in the messages
assert_eq "$(outbox_link ana@example.org s)" "$URL/s/$ana" "Ana's sign link"
assert_eq "$(outbox_link sara@example.org u)" "$URL/u/$sara" "Sara's unsubscribe link"
before=$(sql 'SELECT count(*) FROM signatures')

note "sign: GET shows, changes nothing"
req GET "/s/$ana"
expect_http 200
assert_grep '<html lang="fr" dir="ltr">' "$E2E_TMP/resp"
assert_grep 'Signer la pétition' "$E2E_TMP/resp"
assert_grep '<form method="post" id="sign">' "$E2E_TMP/resp"
assert_grep '<h1>Libérez Leila Haddad</h1>' "$E2E_TMP/resp"
assert_grep 'la ministre de la Justice de la Kestrie' "$E2E_TMP/resp"
assert_grep 'je vous prie instamment' "$E2E_TMP/resp"
assert_no_grep '<script' "$E2E_TMP/resp"
req GET "/s/$karim"
expect_http 200
assert_grep '<html lang="ar" dir="rtl">' "$E2E_TMP/resp"
assert_grep 'وقّع العريضة' "$E2E_TMP/resp"
req GET "/s/$olga"
assert_grep '<html lang="ru" dir="ltr">' "$E2E_TMP/resp"
assert_grep 'Освободите Лейлу Хаддад' "$E2E_TMP/resp"
req GET "/s/$sara"
assert_grep '<html lang="fa" dir="rtl">' "$E2E_TMP/resp"
assert_grep 'امضای دادخواست' "$E2E_TMP/resp"
assert_grep 'وزیر دادگستری کستریا' "$E2E_TMP/resp"
# a HEAD (what link checkers send) changes nothing either
curl -s -I -o /dev/null "$URL/s/$ana"
assert_eq "$(sql 'SELECT count(*) FROM signatures')" "$before" "GET signed"

note "sign: POST records once"
req POST "/s/$ana" --data ''
expect_http 200
assert_grep 'id="signed"' "$E2E_TMP/resp"
req POST "/s/$ana" --data ''
expect_http 200
assert_grep 'id="already"' "$E2E_TMP/resp"
assert_eq "$(sql "SELECT count(*) FROM signatures WHERE subscriber_id = 1 AND source = 'link'")" 1 "one signature"
req GET "/s/$ana"
assert_grep 'id="already"' "$E2E_TMP/resp"
assert_no_grep 'id="sign"' "$E2E_TMP/resp"

note "tampered and unknown tokens"
bad=$(printf '%s' "$karim" | sed 's/.$/a/')
[ "$bad" != "$karim" ] || bad=$(printf '%s' "$karim" | sed 's/.$/b/')
for t in "$bad" "x" "$(token 1 999)" "$(token 99 1)"; do
    req GET "/s/$t"
    expect_http 404
    assert_no_grep 'Karim|Leila|Example Human' "$E2E_TMP/resp"
    req POST "/s/$t" --data ''
    expect_http 404
done
cp "$E2E_TMP/resp" "$E2E_TMP/nf1"
req GET /u/x
cmp -s "$E2E_TMP/resp" "$E2E_TMP/nf1" || fail "404 pages differ"

note "closed appeal"
closed=$(token 2 3)
req GET "/s/$closed"
expect_http 410
assert_grep 'Сбор подписей завершён' "$E2E_TMP/resp"
assert_grep 'An old appeal' "$E2E_TMP/resp"
req POST "/s/$closed" --data ''
expect_http 410
assert_eq "$(sql 'SELECT count(*) FROM signatures WHERE appeal_seq = 2')" 0 "closed recorded"

note "methods and bodies"
req PUT "/s/$ana"
expect_http 405
assert_grep '^Allow: GET, HEAD, POST' "$E2E_TMP/hdr"
head -c 10000 /dev/zero | tr '\0' 'a' >"$E2E_TMP/form"
req POST "/s/$karim" --data-binary "@$E2E_TMP/form"
expect_http 413
assert_eq "$(sql 'SELECT count(*) FROM signatures WHERE subscriber_id = 2')" 0 "413 signed"

note "unsubscribe"
req GET "/u/$olga"
expect_http 200
assert_grep 'id="unsubscribe"' "$E2E_TMP/resp"
assert_grep '<html lang="ru"' "$E2E_TMP/resp"
assert_eq "$(sql 'SELECT status FROM subscribers WHERE id = 3')" active "GET unsubscribed"
# RFC 8058 one-click, as a mail client sends it
req POST "/u/$olga" -H 'Content-Type: application/x-www-form-urlencoded' \
    --data 'List-Unsubscribe=One-Click'
expect_http 200
assert_grep 'Вы отписаны' "$E2E_TMP/resp"
assert_eq "$(sql 'SELECT status FROM subscribers WHERE id = 3')" unsubscribed "status"
assert_eq "$(sql "SELECT reason || '|' || email_key FROM suppressions")" \
    "unsubscribed|olga@example.org" "suppression"
assert_eq "$(sql "SELECT length(hash) FROM suppressions")" 64 "hash kept"
req POST "/u/$olga" --data ''
expect_http 200
assert_eq "$(sql 'SELECT count(*) FROM suppressions')" 1 "twice"
# without a body (the page's form)
req POST "/u/$sara"
expect_http 200
assert_grep 'dir="rtl"' "$E2E_TMP/resp"
assert_eq "$(sql 'SELECT status FROM subscribers WHERE id = 4')" unsubscribed "sara"
req GET "/u/$sara"
assert_grep 'id="unsubscribed"' "$E2E_TMP/resp"

note "tocsin signatures"
req POST "/s/$karim" --data ''
expect_http 200
$PY "$HOOKPY" body 2026-014 w@example.net "Wei, \"W\"" >"$E2E_TMP/w.json"
hook msg_w "$E2E_TMP/w.json"
expect_http 200
expect_rc 0 --config "$WS/tocsin.json" signatures 2026-014
assert_grep '^name,country,language,signed_at' "$E2E_TMP/out"
assert_grep '^"Ana Lima","FR","fr","20[0-9-]+T[0-9:]+Z"' "$E2E_TMP/out"
assert_grep '^"Karim","EG","ar",' "$E2E_TMP/out"
assert_grep '^"Wei, ""W""","FR","fr",' "$E2E_TMP/out"
assert_no_grep '@' "$E2E_TMP/out"
assert_eq "$(wc -l <"$E2E_TMP/out")" 4 "rows"
expect_rc 0 --config "$WS/tocsin.json" signatures 2026-014 --with-emails
assert_grep '^name,country,language,signed_at,email' "$E2E_TMP/out"
assert_grep '"ana@example.org"' "$E2E_TMP/out"
expect_rc 0 --config "$WS/tocsin.json" signatures 2026-014 --format json
$PY -c 'import json,sys
d = json.load(open(sys.argv[1]))
assert d["appeal"] == "2026-014" and d["count"] == 3, d
assert all("email" not in s for s in d["signatures"]), d
assert {s["name"] for s in d["signatures"]} == {"Ana Lima", "Karim", "Wei, \"W\""}, d
' "$E2E_TMP/out"
# a name that a spreadsheet would run as a formula is defused (the
# signature keeps the name given when signing, so change it there)
sqlite3 "$WS/tocsin.db" "UPDATE signatures SET name = '=cmd|calc' WHERE subscriber_id = 2"
expect_rc 0 --config "$WS/tocsin.json" signatures 2026-014
assert_grep "^\"'=cmd\\|calc\"," "$E2E_TMP/out"
expect_rc 66 --config "$WS/tocsin.json" signatures 2099-404
assert_grep 'no appeal "2099-404"' "$E2E_TMP/err"
expect_rc 64 --config "$WS/tocsin.json" signatures 2026-014 --format xml

note "log"
assert_no_grep "$ana|$olga|$karim" "$E2E_TMP/serve.log"
assert_no_grep '@' "$E2E_TMP/serve.log"
assert_grep 'POST /s/\.\.\. 200 ' "$E2E_TMP/serve.log"
req GET /metrics
grep -qF 'tocsin_signatures_total{source="link"} 2' "$E2E_TMP/resp" ||
    fail "metrics: link signatures"
grep -qF 'tocsin_unsubscribes_total 2' "$E2E_TMP/resp" || fail "metrics: unsubscribes"
echo ok
