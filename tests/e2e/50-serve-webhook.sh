#!/bin/sh
# tocsin serve: the signature webhook, every refusal (status and JSON
# error body), duplicates by id and by person, the signer rules, metrics.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/serve_lib.sh"
need curl sqlite3 python3

serve_workspace
serve_start
assert_grep "^tocsin serve: listening on http://127.0.0.1:$PORT\$" \
    "$E2E_TMP/serve.log"

b="$E2E_TMP/body.json"
$PY "$HOOKPY" body 2026-014 Chloe@Example.NET "Chloé Martin" >"$b"

note "refusals"
req PUT /hooks/signatures
expect_http 405
assert_grep '^Allow: POST' "$E2E_TMP/hdr"
assert_grep '"error":"method_not_allowed"' "$E2E_TMP/resp"

req POST /hooks/signatures -H 'Content-Type: text/plain' --data-binary "@$b"
expect_http 415
assert_grep '"error":"unsupported_media_type"' "$E2E_TMP/resp"

head -c 70000 /dev/zero | tr '\0' 'x' >"$E2E_TMP/big"
req POST /hooks/signatures -H 'Content-Type: application/json' \
    --data-binary "@$E2E_TMP/big"
expect_http 413
assert_grep '"error":"payload_too_large"' "$E2E_TMP/resp"
# the same without Content-Length (chunked): refused while reading
req POST /hooks/signatures -H 'Content-Type: application/json' \
    -H 'Transfer-Encoding: chunked' --data-binary "@$E2E_TMP/big"
expect_http 413

req POST /hooks/signatures -H 'Content-Type: application/json' \
    --data-binary "@$b"
expect_http 400
assert_grep '"error":"missing_headers"' "$E2E_TMP/resp"

hook msg_bad "$b" "$(date +%s)" "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
expect_http 401
assert_grep '"error":"bad_signature"' "$E2E_TMP/resp"

# signed with another secret
other=$($PY "$HOOKPY" sign "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" \
    msg_other "$(date +%s)" "$b")
hook msg_other "$b" "$(date +%s)" "$other"
expect_http 401

# a correct signature over a stale or future timestamp
old=$(($(date +%s) - 600))
hook msg_old "$b" "$old"
expect_http 401
assert_grep '"error":"stale_timestamp"' "$E2E_TMP/resp"
hook msg_future "$b" $(($(date +%s) + 600))
expect_http 401

# a tampered body under a signature made for the original
sig=$($PY "$HOOKPY" sign "$SECRET" msg_t "$(date +%s)" "$b")
sed 's/Martin/Mallory/' "$b" >"$E2E_TMP/tampered.json"
hook msg_t "$E2E_TMP/tampered.json" "$(date +%s)" "$sig"
expect_http 401

printf '{"type": "signature.created", ' >"$E2E_TMP/broken.json"
hook msg_broken "$E2E_TMP/broken.json"
expect_http 400
assert_grep '"error":"bad_json"' "$E2E_TMP/resp"

sed 's/"country": "FR"/"country": "XX"/' "$b" >"$E2E_TMP/country.json"
hook msg_country "$E2E_TMP/country.json"
expect_http 400
assert_grep '"error":"invalid_fields"' "$E2E_TMP/resp"
assert_grep 'data.country' "$E2E_TMP/resp"

sed 's/, "consent_to_contact": false//' "$b" >"$E2E_TMP/noconsent.json"
hook msg_noconsent "$E2E_TMP/noconsent.json"
expect_http 400
assert_grep 'consent_to_contact: missing' "$E2E_TMP/resp"

$PY "$HOOKPY" body 2099-404 x@example.net X >"$E2E_TMP/unknown.json"
hook msg_unknown "$E2E_TMP/unknown.json"
expect_http 422
assert_grep '"error":"unknown_appeal"' "$E2E_TMP/resp"

assert_eq "$(sql 'SELECT count(*) FROM signatures')" 0 "nothing recorded"
assert_eq "$(sql 'SELECT count(*) FROM webhook_events')" 0 "no event recorded"

note "recorded once"
hook msg_1 "$b"
expect_http 200
assert_grep '^\{"status":"stored"\}$' "$E2E_TMP/resp"
assert_grep '^Content-Type: application/json' "$E2E_TMP/hdr"
hook msg_1 "$b"
expect_http 200
assert_grep '"status":"duplicate"' "$E2E_TMP/resp"
# the same person under a new delivery id (address case differs)
$PY "$HOOKPY" body 2026-014 chloe@example.net "Chloé" >"$E2E_TMP/again.json"
hook msg_2 "$E2E_TMP/again.json"
expect_http 200
assert_grep '"status":"duplicate"' "$E2E_TMP/resp"
assert_eq "$(sql "SELECT count(*) FROM signatures WHERE person_key = 'chloe@example.net'")" 1 "one signature"
assert_eq "$(sql "SELECT name || '|' || country || '|' || language || '|' || source FROM signatures")" \
    "Chloé Martin|FR|fr|webhook" "signature row"
assert_eq "$(sql 'SELECT count(*) FROM webhook_events')" 2 "events"
# no consent: not subscribed
assert_eq "$(sql "SELECT count(*) FROM subscribers WHERE email_key = 'chloe@example.net'")" 0 "not subscribed"

note "signer rules"
# by address: the subscriber's row
$PY "$HOOKPY" body 2026-014 OLGA@example.org "Olga P" >"$E2E_TMP/olga.json"
hook msg_3 "$E2E_TMP/olga.json"
expect_http 200
assert_eq "$(sql "SELECT subscriber_id FROM signatures WHERE event_id = 'msg_3'")" 3 "matched by address"
# by token: Karim's token with another address
tok=$(token 1 2)
$PY "$HOOKPY" body 2026-014 k.other@example.net "Karim" false "$tok" >"$E2E_TMP/karim.json"
hook msg_4 "$E2E_TMP/karim.json"
expect_http 200
assert_eq "$(sql "SELECT subscriber_id || '|' || person_key FROM signatures WHERE event_id = 'msg_4'")" \
    "2|karim@example.org" "matched by token"
# consent: subscribed, in the signers list
$PY "$HOOKPY" body 2026-014 new@example.net "Nouveau" true >"$E2E_TMP/new.json"
hook msg_5 "$E2E_TMP/new.json"
expect_http 200
assert_eq "$(sql "SELECT s.status || '|' || s.consent || '|' || l.name FROM subscribers s JOIN list_members m ON m.subscriber_id = s.id JOIN lists l ON l.id = m.list_id WHERE s.email_key = 'new@example.net'")" \
    "active|1|signers" "subscribed with consent"
# a closed appeal
$PY "$HOOKPY" body 2025-001 late@example.net Late >"$E2E_TMP/late.json"
hook msg_6 "$E2E_TMP/late.json"
expect_http 422
assert_grep '"error":"appeal_closed"' "$E2E_TMP/resp"

note "metrics"
req GET /metrics
expect_http 200
for r in 'reason="method"} 1' 'reason="too_large"} 2' \
    'reason="content_type"} 1' 'reason="headers"} 1' \
    'reason="signature"} 3' 'reason="timestamp"} 2' 'reason="json"} 1' \
    'reason="fields"} 2' 'reason="unknown_appeal"} 1' 'reason="closed"} 1'; do
    grep -qF "tocsin_webhook_rejections_total{$r" "$E2E_TMP/resp" ||
        fail "metrics: no $r"
done
grep -qF 'tocsin_signatures_total{source="webhook"} 4' "$E2E_TMP/resp" ||
    fail "metrics: 4 webhook signatures"
grep -qF 'tocsin_signature_duplicates_total{source="webhook"} 2' "$E2E_TMP/resp" ||
    fail "metrics: 2 duplicates"
grep -qF 'tocsin_http_requests_total{route="webhook",status="200"} 6' "$E2E_TMP/resp" ||
    fail "metrics: 6 webhook 200s"
assert_grep '^tocsin_commit_seconds_count [1-9]' "$E2E_TMP/resp"

note "log"
# one line per request, no address and no token in it
assert_grep 'POST /hooks/signatures 200 ' "$E2E_TMP/serve.log"
assert_no_grep '@' "$E2E_TMP/serve.log"
assert_no_grep "$tok" "$E2E_TMP/serve.log"

stop_bg serve
assert_grep 'SIGTERM: stopping' "$E2E_TMP/serve.log"
assert_grep 'stopped$' "$E2E_TMP/serve.log"

note "no webhook secret, or one that is not base64"
cp "$WS/secrets.json" "$E2E_TMP/secrets.keep"
$PY - "$WS/secrets.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
del s["webhook_secret"]
json.dump(s, open(sys.argv[1], "w"))
PY
serve_start
hook msg_nosecret "$b"
expect_http 503
assert_grep '"error":"not_configured"' "$E2E_TMP/resp"
assert_grep 'no webhook_secret' "$E2E_TMP/serve.log"
stop_bg serve
if TOCSIN_WEBHOOK_SECRET='whsec_not*base64' timeout 10 "$TOCSIN" \
    --config "$WS/tocsin.json" serve --listen "127.0.0.1:$PORT" \
    >"$E2E_TMP/bad.out" 2>"$E2E_TMP/bad.err"; then
    fail "serve started with a webhook secret that is not base64"
fi
assert_grep 'webhook_secret: not "whsec_" and base64' "$E2E_TMP/bad.err"
cp "$E2E_TMP/secrets.keep" "$WS/secrets.json"
echo ok
