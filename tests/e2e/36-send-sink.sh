#!/bin/sh
# send to smtp-sink: a 1,000-recipient appeal in 5 languages, every
# message dumped; each recipient got exactly one, in the right language,
# with every header, and every message parses with no defect.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send_lib.sh"
need sqlite3 python3

ws=$(send_ws)
sed -i 's|"reply_to": ""|"reply_to": "Réseau Desk <desk@example.org>"|' "$ws/tocsin.json"
send_seed "$ws" 1000
sink_start sink "$E2E_TMP/dump"
cd "$ws"
expect_rc 0 send appeal.json --smtp "smtp://127.0.0.1:$SINK_PORT" \
    --connections 4 --json
python3 - "$E2E_TMP/out" <<'PY'
import json, sys
o = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
for k in ("queued", "sent", "deferred", "failed", "uncertain", "expired",
          "suppressed"):
    assert k in o, k
assert o["sent"] == 1000 and o["queued"] == 0 and o["failed"] == 0, o
PY
send_check --db tocsin.db --dir "$E2E_TMP/dump" --expect 1000 \
    --reply-to "Réseau Desk <desk@example.org>" >"$E2E_TMP/check"
cat "$E2E_TMP/check"
assert_eq "$(q "$ws" "SELECT count(*) FROM deliveries WHERE state = 'sent'")" 1000 "sent rows"
assert_eq "$(q "$ws" "SELECT count(DISTINCT language) FROM deliveries")" 5 "languages"
assert_eq "$(q "$ws" "SELECT status FROM appeals")" done "appeal status"

# running it again sends nobody twice
expect_rc 0 send appeal.json --smtp "smtp://127.0.0.1:$SINK_PORT" --json
assert_eq "$(find "$E2E_TMP/dump" -type f | wc -l)" 1000 "messages after a rerun"
echo ok
