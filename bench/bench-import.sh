#!/bin/sh
# Import benchmark (a measurement, not a test): generate a CSV of
# $ROWS rows (default 1,000,000), import it into a fresh workspace, then
# import it again (every row unchanged), each under /usr/bin/time -v, and
# write the figures into bench/out/import.md (bench/RESULTS.md quotes
# them).
# Aim (issue 2): under 30 s and under 50 MB peak RSS for 1,000,000 rows.
set -eu
LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
tocsin="${TOCSIN:-$top/tocsin}"
rows="${ROWS:-1000000}"
out="$here/out"
work=$(mktemp -d /tmp/tocsin-bench-import-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

[ -x "$tocsin" ] || { echo "bench-import: build tocsin first (make)"; exit 1; }
[ -x /usr/bin/time ] || { echo "bench-import: needs /usr/bin/time (make deps)"; exit 1; }

echo "bench-import: generating $rows rows"
awk -v n="$rows" 'BEGIN {
    split("en fr es ar ru fa pt_BR", lang, " ")
    split("GB FR ES EG RU IR BR", cc, " ")
    print "email,name,language,country,consent,city,source"
    for (i = 0; i < n; i++) {
        k = i % 7 + 1
        printf "supporter.%d@example%d.org,Supporter Number %d,%s,%s,yes,City %d,web\n",
            i, i % 101, i, lang[k], cc[k], i % 997
    }
}' >"$work/big.csv"
size=$(stat -c %s "$work/big.csv")
"$tocsin" --quiet init "$work/ws" >/dev/null

run() {
    label=$1
    shift
    (cd "$work/ws" && /usr/bin/time -v "$tocsin" "$@" \
        >"$out/import-$label.out" 2>"$out/import-$label.time")
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, t, ":"); s = 0
        for (i = 1; i <= n; i++) s = s * 60 + t[i]
        printf "%.1f", s }' "$out/import-$label.time")
    rss=$(awk -F': ' '/Maximum resident set size/ {
        printf "%.1f", $2 / 1024 }' "$out/import-$label.time")
    echo "bench-import: $label: ${secs} s, ${rss} MB peak RSS: $(cat "$out/import-$label.out")"
    eval "secs_$label=\$secs rss_$label=\$rss"
}
run first import bench "$work/big.csv"
run again import bench "$work/big.csv"
dbsize=$(stat -c %s "$work/ws/tocsin.db")

cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
mkdir -p "$here/out"
results="$here/out/import.md"
section=$(cat <<EOT
## import

\`bench/bench-import.sh\`, $(date -u +%Y-%m-%d), tocsin $("$tocsin" --version | cut -d' ' -f2),
$(nproc) CPUs ($cpu), database on $(df -T "$work" | awk 'NR == 2 { print $2 }').
$rows rows, $((size / 1048576)) MB of CSV (7 columns, 7 languages), one
transaction, into a fresh database; then the same file again (every row
unchanged). Aim: under 30 s and under 50 MB.

| run | rows | wall time | peak RSS |
|---|---|---|---|
| first import (all added) | $rows | ${secs_first} s | ${rss_first} MB |
| same file again (all unchanged) | $rows | ${secs_again} s | ${rss_again} MB |

Database after the import: $((dbsize / 1048576)) MB.
EOT
)
printf '%s\n' "$section" >"$results"
echo "bench-import: wrote $results"
