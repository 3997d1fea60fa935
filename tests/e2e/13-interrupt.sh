#!/bin/sh
# An import killed half-way (kill -9, the worst case) leaves the database
# exactly as it was: one transaction, WAL rolled back on the next open.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"

ws=$(workspace)
cd "$ws"
db="$ws/tocsin.db"

expect_rc 0 import supporters "$TOCSIN_SRC/lists/sample-supporters.csv"
before=$(sqlite3 "$db" "SELECT count(*) || '/' || (SELECT count(*) FROM
    list_members) || '/' || (SELECT count(*) FROM lists) FROM subscribers")

# big enough that the import is still running when we look
awk 'BEGIN {
    print "email,name,language,country,city"
    for (i = 0; i < 400000; i++)
        printf "person%d@example%d.org,Person %d,fr,FR,City %d\n", i, i % 50, i, i % 300
}' >"$E2E_TMP/big.csv"

start_bg import "$TOCSIN" import big "$E2E_TMP/big.csv"
pid=$(cat "$E2E_TMP/import.pid")
# wait until it has written a good part into the WAL, then kill it
i=0
while kill -0 "$pid" 2>/dev/null; do
    size=$(stat -c %s "$db-wal" 2>/dev/null || echo 0)
    [ "$size" -lt 8000000 ] || break
    i=$((i + 1))
    [ $i -lt 3000 ] || fail "the import wrote nothing"
    sleep 0.02
done
kill -0 "$pid" 2>/dev/null || fail "the import ended before it could be killed"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
note "killed with $(stat -c %s "$db-wal") bytes in the WAL"

after=$(sqlite3 "$db" "SELECT count(*) || '/' || (SELECT count(*) FROM
    list_members) || '/' || (SELECT count(*) FROM lists) FROM subscribers")
assert_eq "$after" "$before" "database after the kill"
assert_eq "$(sqlite3 "$db" 'PRAGMA integrity_check')" ok "integrity"
expect_rc 0 lists
assert_no_grep '^big' "$E2E_TMP/out"
# and the next import works
expect_rc 0 import supporters "$TOCSIN_SRC/lists/sample-supporters.csv"
assert_grep '60 unchanged' "$E2E_TMP/out"
echo ok
