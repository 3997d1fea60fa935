#!/bin/sh
# tocsin report over what tocsin serve records: link and webhook
# signatures, a one-click unsubscribe, a signer who was never mailed and
# one who is not a subscriber; the report is read while serve runs.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/serve_lib.sh"
need curl sqlite3 python3

serve_workspace
# serve_workspace sends the appeal into the outbox; the figures below
# want these deliveries instead: Ana (fr), Karim (ar), Olga (ru) sent,
# Sara (fa) refused by her server.
now=$(date +%s)
sql "DELETE FROM deliveries"
sql "INSERT INTO deliveries (appeal_seq, subscriber_id, email, language,
  state, code, sent_at, updated) SELECT 1, id, email, language,
  CASE WHEN id = 4 THEN 'failed' ELSE 'sent' END,
  CASE WHEN id = 4 THEN 550 ELSE 250 END,
  CASE WHEN id = 4 THEN NULL ELSE $now + id END, $now FROM subscribers"
serve_start

note "signatures and an unsubscribe through serve"
req POST "/s/$(token 1 1)" --data ''
expect_http 200
req POST "/s/$(token 1 2)" --data ''
expect_http 200
$PY "$HOOKPY" body 2026-014 OLGA@example.org "Olga P" >"$E2E_TMP/olga.json"
hook msg_olga "$E2E_TMP/olga.json"
expect_http 200
$PY "$HOOKPY" body 2026-014 sara@example.org "Sara" >"$E2E_TMP/sara.json"
hook msg_sara "$E2E_TMP/sara.json"
expect_http 200
$PY "$HOOKPY" body 2026-014 Chloe@Example.NET "Chloé Martin" >"$E2E_TMP/chloe.json"
hook msg_chloe "$E2E_TMP/chloe.json"
expect_http 200
req POST "/u/$(token 1 3)" -H 'Content-Type: application/x-www-form-urlencoded' \
    --data 'List-Unsubscribe=One-Click'
expect_http 200
# a replayed webhook counts once
hook msg_chloe "$E2E_TMP/chloe.json"

note "the report, while serve runs"
expect_rc 0 --config "$WS/tocsin.json" report 2026-014 --json
python3 - "$E2E_TMP/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
want = dict(recipients=4, sent=3, failed=1, bounced=0, unsubscribed=1,
            signatures=5, signatures_link=2, signatures_webhook=3,
            unique_signers=5, signers_mailed=3, conversion=1.0)
for k, v in want.items():
    assert r[k] == v, (k, r[k], v)
langs = {l["language"]: l for l in r["languages"]}
assert sorted(langs) == ["ar", "fa", "fr", "ru"], sorted(langs)
# Chloé is not a subscriber: she counts in her signature's language
got = {k: (l["recipients"], l["sent"], l["signatures"], l["signers_mailed"],
           l["unsubscribed"]) for k, l in langs.items()}
assert got == {"fr": (1, 1, 2, 1, 0), "ar": (1, 1, 1, 1, 0),
               "ru": (1, 1, 1, 1, 1), "fa": (1, 0, 1, 0, 0)}, got
assert sum(h["signatures"] for h in r["signatures_per_hour"]) == 5
assert r["top_domains"] == [dict(domain="example.org",
                                 domain_display="example.org", recipients=4,
                                 sent=3, bounced=0)], r["top_domains"]
assert r["duration_seconds"] == 2, r["duration_seconds"]
PY
expect_rc 0 --config "$WS/tocsin.json" report
assert_grep '^2026-014 .* 4 +3 +0 +5 +100.0%$' "$E2E_TMP/out"
stop_bg serve
