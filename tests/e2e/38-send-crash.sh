#!/bin/sh
# kill -9 the sender at 10 random moments of a 2,000-recipient send.
# After resuming, every recipient got the appeal; nobody got it twice
# except deliveries reported uncertain, and there are at most
# connections x kills of those.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send_lib.sh"
need sqlite3 python3

N=2000
CONN=4
KILLS=10
ws=$(send_ws)
send_seed "$ws" $N
sink_start sink "$E2E_TMP/dump"
cd "$ws"
smtp="smtp://127.0.0.1:$SINK_PORT"

k=0
while [ $k -lt $KILLS ]; do
    "$TOCSIN" --quiet send appeal.json --smtp "$smtp" --connections $CONN \
        >/dev/null 2>>"$E2E_TMP/runs.err" &
    pid=$!
    # 0.06 to 0.26 s into the run (a run starts in about 0.05 s)
    ms=$(( 60 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 200 ))
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    k=$((k + 1))
    note "kill $k after ${ms} ms: $(q "$ws" "SELECT count(*) FROM deliveries WHERE state = 'sent'") sent, $(q "$ws" "SELECT count(*) FROM deliveries WHERE state IN ('sending', 'uncertain')") sending or uncertain"
done
sent=$(q "$ws" "SELECT count(*) FROM deliveries WHERE state = 'sent'")
[ "$sent" -lt $N ] || fail "the kills all came after the end"

note "resuming"
# resume: rows left sending become uncertain and are not resent
expect_rc 0 send appeal.json --smtp "$smtp" --connections $CONN
q "$ws" "SELECT email FROM deliveries WHERE state = 'uncertain'" >"$E2E_TMP/uncertain"
unc=$(wc -l <"$E2E_TMP/uncertain")
note "uncertain after $KILLS kills: $unc (at most $((CONN * KILLS)))"
[ "$unc" -le $((CONN * KILLS)) ] || fail "$unc uncertain, more than $CONN x $KILLS"
assert_eq "$(q "$ws" "SELECT count(*) FROM deliveries WHERE state = 'sent'")" $((N - unc)) "sent"

# the uncertain ones on request: then everyone has it, and the only
# duplicates are among the uncertain
expect_rc 0 send appeal.json --smtp "$smtp" --connections $CONN --resend-uncertain
note "checking $N recipients"
# smtp-sink drops the dumps of transactions cut by the kills: let it
sleep 1
send_check --db tocsin.db --dir "$E2E_TMP/dump" --expect $N \
    --dupes-ok "$E2E_TMP/uncertain"
echo ok
