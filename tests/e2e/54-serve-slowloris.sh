#!/bin/sh
# tocsin serve against slow clients: slowhttptest holds hundreds of
# connections open with headers sent a byte at a time (slowloris) from
# 127.0.0.1, while clients from another address (127.0.0.2) are still
# answered at once; a client that goes silent is dropped after the
# connection timeout.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/serve_lib.sh"
need curl sqlite3 python3 slowhttptest

serve_workspace
# a short timeout and a small per-address cap, so the test is short
$PY - "$WS/tocsin.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c.setdefault("server", {}).update(client_timeout=3, max_per_client=32,
                                  max_connections=512)
json.dump(c, open(p, "w"), indent=2)
PY
serve_start
# the probes come from another loopback address: the attacker's address
# has used up its own share of connections, not everyone's
$PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.2", 0))' 2>/dev/null ||
    skip "cannot bind 127.0.0.2 on the loopback interface"

start_bg slow slowhttptest -H -c 400 -r 200 -i 1 -l 60 -x 8 -p 2 \
    -u "$URL/healthz"
kill -0 "$(cat "$E2E_TMP/slow.pid")" 2>/dev/null || sleep 1
kill -0 "$(cat "$E2E_TMP/slow.pid")" || fail "slowhttptest did not run: $(tail -5 "$E2E_TMP/slow.log")"

# the attacker held no more than its share (waiting for it to build up:
# a loaded machine opens its connections more slowly)
established() {
    $PY - "$PORT" <<'PY'
import sys
port = int(sys.argv[1])
n = 0
for line in open("/proc/net/tcp").readlines()[1:]:
    f = line.split()
    local, st = f[1], f[3]
    if st == "01" and int(local.split(":")[1], 16) == port:
        n += 1
print(n)
PY
}
i=0
while :; do
    conns=$(established)
    [ "$conns" -le 40 ] || fail "$conns connections held (cap 32 per address)"
    [ "$conns" -lt 16 ] && [ $i -lt 40 ] || break
    sleep 0.5
    i=$((i + 1))
done
note "established connections to the server: $conns"
[ "$conns" -ge 16 ] || fail "the attack held only $conns connections"
sleep 1
conns=$(established)
[ "$conns" -le 40 ] || fail "$conns connections held (cap 32 per address)"

note "others are answered during the attack"
b="$E2E_TMP/b.json"
n=0
while [ $n -lt 10 ]; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 \
        -m 5 "$URL/healthz" || true)
    assert_eq "$code" 200 "probe $n during slowloris"
    $PY "$HOOKPY" body 2026-014 "during-$n@example.net" "D $n" >"$b"
    ts=$(date +%s)
    sig=$($PY "$HOOKPY" sign "$SECRET" "msg_during_$n" "$ts" "$b")
    code=$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 \
        -m 5 -H 'Content-Type: application/json' \
        -H "webhook-id: msg_during_$n" -H "webhook-timestamp: $ts" \
        -H "webhook-signature: $sig" --data-binary "@$b" \
        "$URL/hooks/signatures" || true)
    assert_eq "$code" 200 "webhook $n during slowloris"
    n=$((n + 1))
    sleep 0.3
done
kill -0 "$(cat "$E2E_TMP/slow.pid")" || fail "the attack ended before the probes"
assert_eq "$(sql "SELECT count(*) FROM signatures WHERE person_key GLOB 'during-*'")" 10 "recorded"
note "a silent client is dropped after the timeout"
$PY - "$PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])),
                             source_address=("127.0.0.2", 0))
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and then nothing
s.settimeout(8)
t0 = time.time()
data = s.recv(100)
took = time.time() - t0
assert took < 7, f"held for {took:.1f}s"
print(f"closed after {took:.1f}s: {data[:40]!r}")
PY
stop_bg slow
req GET /healthz
expect_http 200
echo ok
