#!/bin/sh
# The SMTP transport: tocsin's pool (bench/smtp_bench.c, 16 connections)
# against Postfix's smtp-source -d -s 16 (reused sessions), both into the
# same smtp-sink on 127.0.0.1, the same 8.6 KB message, in the same run.
#
#   SMTP_N=20000 SMTP_RUNS=3 SMTP_THREADS="2 4" sh bench/bench-smtp.sh
#
# The message is ../shared/peers' sample-node-fr.eml when a peers run left
# one in $PEERS_WORK/out, else a French multipart message of the same size
# written here.  Figures go to bench/out/smtp.txt.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cd "$top"
N=${SMTP_N:-20000}
RUNS=${SMTP_RUNS:-3}
CONNS=${SMTP_CONNS:-16}
THREADS=${SMTP_THREADS:-"2 4"}
SINK=/usr/sbin/smtp-sink
SOURCE=/usr/sbin/smtp-source
[ -x "$SINK" ] && [ -x "$SOURCE" ] || { echo "bench-smtp: needs postfix (make deps)"; exit 77; }

make --no-print-directory -s tocsin >/dev/null
mkdir -p build/bench "$here/out"
objs="build/rel/smtp.o build/rel/dispatch.o build/rel/pace.o build/rel/util.o \
build/rel/buf.o build/rel/err.o build/rel/log.o"
${CC:-cc} -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Imailer \
    -o build/bench/smtp_bench bench/smtp_bench.c $objs \
    $(pkg-config --libs libcurl) -lpthread

work=$(mktemp -d /tmp/tocsin-bench-smtp-XXXXXX)
sink_pid=""
cleanup() {
    if [ -n "$sink_pid" ]; then
        kill "$sink_pid" 2>/dev/null || true
        wait "$sink_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' INT TERM

msg="${PEERS_WORK:-${TMPDIR:-/tmp}/tocsin-peers}/out/sample-node-fr.eml"
if [ ! -s "$msg" ]; then
    msg="$work/sample-fr.eml"
    python3 - "$msg" <<'PY'
import sys
from email.message import EmailMessage
para = ("Leila Ahmadi, défenseuse des droits humains à Téhéran, a été arrêtée "
        "le 3 mars. Nous craignons pour sa sécurité : elle est détenue au "
        "secret, sans accès à un avocat. Signez l'appel aux autorités. ")
m = EmailMessage()
m["From"] = "Lifeline <appels@act.openlifeline.example>"
m["To"] = "Chloé Martin <subscriber100000@example.net>"
m["Subject"] = "Chloé, Leila Ahmadi doit être libérée"
m["Message-ID"] = "<bench.100000@act.openlifeline.example>"
m["List-Unsubscribe"] = "<https://act.openlifeline.example/u/100000/tok>"
m["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
m["Content-Language"] = "fr"
m.set_content(para * 14, cte="quoted-printable")
m.add_alternative("<html><body><p>" + para * 14 + "</p></body></html>",
                  subtype="html", cte="quoted-printable")
open(sys.argv[1], "wb").write(bytes(m))
PY
fi
bytes=$(wc -c <"$msg")

port=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
user=""
[ "$(id -u)" = 0 ] && user="-u nobody"
# As ../shared/peers/smtp/sink.sh runs it (counters with -c).
# shellcheck disable=SC2086
"$SINK" -c -4 -m 1024 -t 30 $user -h sink.bench.local \
    "inet:127.0.0.1:$port" 4096 >"$work/sink.log" 2>&1 &
sink_pid=$!
i=0
until python3 -c 'import socket,sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' "$port" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 50 ] || { echo "bench-smtp: smtp-sink did not start"; exit 1; }
    sleep 0.1
done
count() { tr '\r' '\n' <"$work/sink.log" | grep -o 'mesg=[0-9]*' | tail -1 | cut -d= -f2; }
now() { date +%s.%N; }

out="$here/out/smtp.txt"
{
    echo "# bench-smtp $(date -u +%FT%TZ) n=$N runs=$RUNS connections=$CONNS message=$bytes bytes ($(basename "$msg"))"
    echo "# $(nproc) CPUs; $(curl-config --version); $($SINK -h 2>&1 | head -0; dpkg-query -W -f='postfix ${Version}' postfix 2>/dev/null)"
} | tee "$out"
r=1
while [ $r -le "$RUNS" ]; do
    before=$(count || echo 0)
    t0=$(now)
    "$SOURCE" -d -s "$CONNS" -m "$N" -F "$msg" -f bounce@act.openlifeline.example \
        -t subscriber@example.net -M mailer.bench.local "127.0.0.1:$port"
    t1=$(now)
    sleep 0.3
    after=$(count)
    awk -v n=$((after - before)) -v a="$t0" -v b="$t1" -v r=$r -v c="$CONNS" \
        'BEGIN { printf "smtp-source sessions=%s run=%s msgs_per_s=%.1f sink=%d\n", c, r, n / (b - a), n }' | tee -a "$out"
    for t in $THREADS; do
        before=$(count)
        line=$(./build/bench/smtp_bench "smtp://127.0.0.1:$port" "$N" "$CONNS" "$t" "$msg")
        sleep 0.3
        after=$(count)
        echo "tocsin-pool threads=$t run=$r $line sink=$((after - before))" | tee -a "$out"
    done
    r=$((r + 1))
done
