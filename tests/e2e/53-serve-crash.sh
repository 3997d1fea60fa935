#!/bin/sh
# tocsin serve killed with kill -9 during a surge and started again while
# the clients retry what was not acknowledged: every signature is recorded
# exactly once, none is lost, and the database is intact.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/serve_lib.sh"
need curl sqlite3 python3

serve_workspace
serve_start

$PY "$HOOKPY" surge --port "$PORT" --secret "$SECRET" --appeal 2026-014 \
    --n 5000 --clients 50 --dup-ratio 0.1 --prefix crash --deadline 60 \
    --out "$E2E_TMP/surge.json" >"$E2E_TMP/surge.log" 2>&1 &
client=$!
E2E_PIDS="$E2E_PIDS $client"

# kill it once a few hundred signatures are in
i=0
while [ "$(sql 'SELECT count(*) FROM signatures')" -lt 300 ]; do
    i=$((i + 1))
    [ $i -lt 400 ] || fail "the surge did not start"
    sleep 0.02
done
kill -9 "$(cat "$E2E_TMP/serve.pid")"
at_kill=$(sql 'SELECT count(*) FROM signatures')
note "killed with $at_kill signatures in"
sleep 0.5
start_bg serve2 "$TOCSIN" --config "$WS/tocsin.json" serve \
    --listen "127.0.0.1:$PORT"
wait_port "$PORT"

wait "$client" || fail "the clients gave up: $(cat "$E2E_TMP/surge.log")"
cat "$E2E_TMP/surge.json"
[ "$at_kill" -lt 5000 ] || fail "the kill came after the surge"
$PY - "$E2E_TMP/surge.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["errors"] == 0, s
assert s["acked"] == s["sent_events"], s
assert s["retries"] > 0, s  # something was in flight when it died
PY
ids=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["acked_ids"])' "$E2E_TMP/surge.json")
assert_eq "$(sql "SELECT count(*) FROM signatures")" 5000 "signatures"
assert_eq "$(sql "SELECT count(DISTINCT person_key) FROM signatures")" 5000 "distinct"
assert_eq "$(sql "SELECT count(*) FROM webhook_events")" "$ids" "events"
assert_eq "$(sql 'PRAGMA integrity_check')" ok "integrity"
echo ok
