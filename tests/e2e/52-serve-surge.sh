#!/bin/sh
# tocsin serve under a surge: 5,000 signed webhooks from 50 concurrent
# clients, plus 10% duplicates (the same delivery again, or the same
# person under a new id) and retries: exactly the distinct signatures are
# recorded, and every request is answered 200.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/serve_lib.sh"
need curl sqlite3 python3

serve_workspace
serve_start

$PY "$HOOKPY" surge --port "$PORT" --secret "$SECRET" --appeal 2026-014 \
    --n 5000 --clients 50 --dup-ratio 0.1 --prefix surge \
    --out "$E2E_TMP/surge.json" >/dev/null ||
    fail "surge: $(cat "$E2E_TMP/surge.json")"
cat "$E2E_TMP/surge.json"
$PY - "$E2E_TMP/surge.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["errors"] == 0, s
assert s["acked"] == s["sent_events"] == 5500, s
assert s["stored"] == 5000 and s["duplicate"] == 500, s
assert s["non200"] == {}, s
PY
ids=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["acked_ids"])' "$E2E_TMP/surge.json")
assert_eq "$(sql "SELECT count(*) FROM signatures WHERE person_key GLOB 'surge-*'")" 5000 "signatures"
assert_eq "$(sql "SELECT count(DISTINCT person_key) FROM signatures")" 5000 "distinct"
assert_eq "$(sql "SELECT count(*) FROM webhook_events")" "$ids" "events"
req GET /metrics
grep -qF 'tocsin_signatures_total{source="webhook"} 5000' "$E2E_TMP/resp" ||
    fail "metrics: $(grep signatures_total "$E2E_TMP/resp")"
# many requests per commit: the group commit works
$PY - "$E2E_TMP/resp" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
commits = int(re.search(r"^tocsin_commit_seconds_count (\d+)$", t, re.M)[1])
jobs = int(re.search(r"^tocsin_commit_jobs_total (\d+)$", t, re.M)[1])
print(f"commits {commits}, jobs {jobs}, {jobs / commits:.1f} per commit")
assert jobs >= 5500 and commits < jobs, (commits, jobs)
PY
req GET /healthz
expect_http 200
echo ok
