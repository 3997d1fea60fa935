#!/bin/sh
# The signature webhook: tocsin serve against the no-op libmicrohttpd
# ceiling (answers 204 without work) and the Node http + better-sqlite3
# peer, under the same load (wrk -t2 -c64 with ../shared/peers/http/
# signature.lua: Standard Webhooks signed, a distinct id and person per
# request), in the same run of ../shared/peers/run-peers.sh
# (ONLY=http,project).  tocsin commits every signature (WAL,
# synchronous=FULL) before it answers 200.
#
#   HTTP_RUNS=3 HTTP_DURATION=10s sh bench/bench-webhook.sh
#   HTTP_RUNS=3 HTTP_ROUNDS=5 sh bench/bench-webhook.sh  (and 5 rounds of 1)
#
# Output: bench/out/webhook.txt (the peers' median table) and the raw
# files under $PEERS_WORK/out.  Skips with a message when ../shared/peers
# is absent.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
peers=${PEERS_DIR:-$top/../shared/peers}
if [ ! -x "$peers/run-peers.sh" ]; then
    echo "bench-webhook: $peers/run-peers.sh not found: skipped"
    exit 0
fi
command -v sqlite3 >/dev/null 2>&1 || { echo "bench-webhook: needs sqlite3"; exit 0; }

make -C "$top" --no-print-directory -s tocsin >/dev/null
mkdir -p "$here/out"
work=$(mktemp -d /tmp/tocsin-bench-webhook-XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 143' INT TERM

# a workspace with the appeal the load names
ws="$work/ws"
"$top/tocsin" --quiet init "$ws" >/dev/null
appeal=${WEBHOOK_APPEAL:-2026-014}
sqlite3 "$ws/tocsin.db" "INSERT INTO appeals (id, content_hash, title, doc,
    created, updated) VALUES ('$appeal', 'bench', 'Bench appeal', '{}', 0, 0)"

WEBHOOK_SECRET=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["webhook_secret"])' "$ws/secrets.json")
WEBHOOK_APPEAL=$appeal
PROJECT_WEBHOOK_DB="$ws/tocsin.db"
PROJECT_WEBHOOK_KEEP_DB=1
# exec: the harness stops the server by its PID
PROJECT_WEBHOOK_CMD="cd '$ws' && exec '$top/tocsin' serve --listen \"\$WEBHOOK_LISTEN\""
export WEBHOOK_SECRET WEBHOOK_APPEAL PROJECT_WEBHOOK_DB PROJECT_WEBHOOK_KEEP_DB \
    PROJECT_WEBHOOK_CMD
ONLY=${BENCH_ONLY:-http,project} HTTP_RUNS=${HTTP_RUNS:-3} bash "$peers/run-peers.sh" |
    tee "$here/out/webhook.txt"

# HTTP_ROUNDS=N: N more invocations of one run each (ceiling, Node,
# tocsin), so that the ceiling and tocsin are measured a minute apart,
# not three; the ratio of each round, and their median.
rounds=${HTTP_ROUNDS:-0}
r=1
while [ "$r" -le "$rounds" ]; do
    ONLY=http,project HTTP_RUNS=1 bash "$peers/run-peers.sh" >"$work/round.txt" 2>&1
    python3 - "$work/round.txt" "$r" <<'PY' | tee -a "$here/out/webhook.txt"
import json, sys
rps = {}
for line in open(sys.argv[1]):
    if line.startswith('{'):
        o = json.loads(line)
        rps[o['bench']] = o['rps']
c, t = rps.get('http-ceiling-mhd204'), rps.get('http-project')
if c and t:
    print('round %s: ceiling %.0f req/s, tocsin %.0f req/s, ratio %.3f'
          % (sys.argv[2], c, t, t / c))
else:
    print('round %s: no figures' % sys.argv[2])
PY
    r=$((r + 1))
done
if [ "$rounds" -gt 0 ]; then
    grep "^round .* ratio " "$here/out/webhook.txt" | awk '{print $NF}' | sort -n |
        awk '{v[NR] = $1} END {if (NR) printf "rounds: %d, median ratio %.3f (min %.3f, max %.3f)\n", NR, (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR]}' |
        tee -a "$here/out/webhook.txt"
fi
echo "bench-webhook: signatures stored: $(sqlite3 "$ws/tocsin.db" 'SELECT count(*) FROM signatures')"
