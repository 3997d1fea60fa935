#!/bin/sh
# kill -9 the sender at random moments of a 5,000-recipient send to the
# Maildir outbox.  A message reaches outbox/new only after its batch is
# synced, so after resuming everyone has exactly one message in new/ and
# nothing is left uncertain but the batch being synced at a kill.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send_lib.sh"
need sqlite3 python3

N=5000
KILLS=6
ws=$(send_ws)
send_seed "$ws" $N
cd "$ws"

k=0
while [ $k -lt $KILLS ]; do
    "$TOCSIN" --quiet send appeal.json >/dev/null 2>>"$E2E_TMP/runs.err" &
    pid=$!
    ms=$(( 50 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 200 ))
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    k=$((k + 1))
    note "kill $k after ${ms} ms: $(q "$ws" "SELECT count(*) FROM deliveries WHERE state = 'sent'") sent, $(ls outbox/new | wc -l) files in new/"
done
[ "$(q "$ws" "SELECT count(*) FROM deliveries WHERE state = 'sent'")" -lt $N ] ||
    fail "the kills all came after the end"

expect_rc 0 send appeal.json
q "$ws" "SELECT email FROM deliveries WHERE state = 'uncertain'" >"$E2E_TMP/uncertain"
unc=$(wc -l <"$E2E_TMP/uncertain")
note "uncertain after $KILLS kills: $unc"
# at most one batch (the sender's window) per kill
[ "$unc" -le $((64 * KILLS)) ] || fail "$unc uncertain after $KILLS kills"
expect_rc 0 send appeal.json --resend-uncertain
files=$(ls outbox/new | wc -l)
note "$files files in outbox/new for $N recipients"
send_check --db tocsin.db --dir outbox/new --kind maildir --expect $N \
    --dupes-ok "$E2E_TMP/uncertain"
# nothing half-written is visible to a mail reader
[ -z "$(find outbox/new -size 0)" ] || fail "an empty file in outbox/new"
echo ok
