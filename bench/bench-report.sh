#!/bin/sh
# tocsin report on a large appeal: REPORT_N deliveries (default 1,000,000)
# in 10 languages over 500 domains, 2% bounced, 10% signed, in a fresh
# workspace; wall and CPU time and peak memory of each format,
# REPORT_RUNS runs.
# A measurement, not a test.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
N=${REPORT_N:-1000000}
RUNS=${REPORT_RUNS:-5}
make -C "$top" --no-print-directory -s tocsin >/dev/null
tocsin="$top/tocsin"
tmp=$(mktemp -d /tmp/tocsin-bench-report-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$tocsin" --quiet init "$tmp/ws" >/dev/null
db="$tmp/ws/tocsin.db"

t0=$(date +%s.%N)
sqlite3 "$db" <<SQL
PRAGMA journal_mode=WAL;
BEGIN;
INSERT INTO appeals (seq, id, content_hash, title, doc, status, created,
  updated) VALUES (1, 'big', 'h', 'A large appeal', '{}', 'done', 0, 0);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO subscribers (id, email, email_key, email_display, language,
  status, created, updated)
SELECT i, 'u' || i || '@d' || (i % 500) || '.example',
  'u' || i || '@d' || (i % 500) || '.example',
  'u' || i || '@d' || (i % 500) || '.example',
  substr('enfresarrufaptdetrzh', (i % 10) * 2 + 1, 2),
  CASE WHEN i % 97 = 0 THEN 'unsubscribed' ELSE 'active' END, 0, 0 FROM n;
INSERT INTO deliveries (appeal_seq, subscriber_id, email, language, state,
  sent_at, updated)
SELECT 1, id, email, language,
  CASE WHEN id % 50 = 0 THEN 'bounced' WHEN id % 333 = 0 THEN 'failed'
       WHEN id % 211 = 0 THEN 'deferred' ELSE 'sent' END,
  CASE WHEN id % 333 = 0 OR (id % 211 = 0 AND id % 50 <> 0) THEN NULL
       ELSE 1772442000 + id / 300 END, 0
FROM subscribers;
INSERT INTO bounces (appeal_seq, subscriber_id, recipient, kind, status,
  reason, source, received_at)
SELECT 1, id, email, CASE WHEN id % 100 = 0 THEN 'soft' ELSE 'hard' END,
  '5.1.1', '550 5.1.1 <' || email || '>: user unknown', 'b' || id, 0
FROM subscribers WHERE id % 50 = 0;
INSERT INTO signatures (appeal_seq, subscriber_id, person_key, language,
  source, signed_at, created)
SELECT 1, id, email_key, language,
  CASE WHEN id % 3 = 0 THEN 'webhook' ELSE 'link' END,
  1772442000 + (id * 37) % (48 * 3600), 0
FROM subscribers WHERE id % 10 = 1;
COMMIT;
SQL
echo "database: $N deliveries built in $(echo "$(date +%s.%N) - $t0" | bc) s, $(du -h "$db" | cut -f1)"

# wall time is what a user waits; CPU time (user + sys) and peak memory
# say more on a busy machine
run() {
    i=0
    : >"$tmp/times"
    while [ $i -lt "$RUNS" ]; do
        /usr/bin/time -f "%e %U %S %M" -o "$tmp/one" \
            "$tocsin" --config "$tmp/ws/tocsin.json" report "$@" >/dev/null
        cat "$tmp/one" >>"$tmp/times"
        i=$((i + 1))
    done
    cpu=$(awk '{ print $2 + $3 }' "$tmp/times" | sort -n |
        awk '{ c[NR] = $1 } END { print c[int((NR + 1) / 2)] }')
    sort -n "$tmp/times" | awk -v what="$*" -v cpu="$cpu" '
        { t[NR] = $1; if ($4 > m) m = $4 }
        END { printf "%-24s wall median %.2f s (%.2f-%.2f), " \
              "cpu median %.2f s, peak %d MB\n", what, t[int((NR + 1) / 2)],
              t[1], t[NR], cpu, m / 1024 }'
}

{
    echo "tocsin report, $N deliveries, $RUNS runs, $(nproc) CPUs"
    run big --format text
    run big --format csv
    run big --format json
    run big --format html
    run --format text
} | tee "$here/out/report.txt"
