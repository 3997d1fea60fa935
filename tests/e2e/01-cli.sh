#!/bin/sh
# The command line: help, version, exit codes, init and its refusals.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"

expect_rc 0 --version
assert_grep '^tocsin [0-9]+\.[0-9]+\.[0-9]+$' "$E2E_TMP/out"

expect_rc 0 help
for c in init import lists export suppress person forget render check \
    preview send serve bounces report signatures; do
    assert_grep "^  $c " "$E2E_TMP/out"
done

# "tocsin help CMD" and "tocsin CMD --help" print the same text
"$TOCSIN" help import >"$E2E_TMP/h1"
"$TOCSIN" import --help >"$E2E_TMP/h2"
cmp -s "$E2E_TMP/h1" "$E2E_TMP/h2" || fail "help import differs from import --help"
assert_grep '^usage: tocsin import LIST FILE.csv' "$E2E_TMP/h1"

expect_rc 64 nosuchcommand
assert_grep 'no command "nosuchcommand"' "$E2E_TMP/err"
expect_rc 64
expect_rc 64 --no-such-option lists

# init: files, modes, refusal to overwrite
d="$E2E_TMP/ws"
expect_rc 0 init "$d"
for f in tocsin.json tocsin.db secrets.json; do
    [ -f "$d/$f" ] || fail "init did not create $f"
done
assert_eq "$(stat -c %a "$d/tocsin.db")" 600 "tocsin.db mode"
assert_eq "$(stat -c %a "$d/secrets.json")" 600 "secrets.json mode"
python3 - "$d/secrets.json" <<'PY'
import base64, json, sys
s = json.load(open(sys.argv[1]))
assert len(base64.b64decode(s["link_secret"])) == 32, "link_secret"
assert s["webhook_secret"].startswith("whsec_"), "webhook_secret prefix"
assert len(base64.b64decode(s["webhook_secret"][6:])) == 32, "webhook_secret"
PY
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$d/tocsin.json"
[ "$(sqlite3 "$d/tocsin.db" 'PRAGMA journal_mode')" = wal ] || fail "not WAL"
sqlite3 "$d/tocsin.db" 'SELECT count(*) FROM schema_migrations' >"$E2E_TMP/n"
[ "$(cat "$E2E_TMP/n")" -ge 1 ] || fail "no migrations recorded"

# the sample appeal comes with it, byte for byte
for f in cases/example.json lists/sample-supporters.csv \
    templates/urgent-appeal/en.md templates/urgent-appeal/ar.md \
    templates/urgent-appeal/layout.html; do
    cmp -s "$TOCSIN_SRC/$f" "$d/$f" || fail "init did not copy $f"
done
assert_grep 'copied the sample appeal' "$E2E_TMP/out"
# --no-samples: none; a file of the user's own is kept
d2="$E2E_TMP/ws-bare"
expect_rc 0 init "$d2" --no-samples
[ ! -e "$d2/cases" ] && [ ! -e "$d2/templates" ] || fail "--no-samples copied samples"
d3="$E2E_TMP/ws-own"
mkdir -p "$d3/cases"
echo '{"mine": true}' >"$d3/cases/example.json"
expect_rc 0 init "$d3"
assert_eq "$(cat "$d3/cases/example.json")" '{"mine": true}' "init kept the user's file"
[ -f "$d3/templates/urgent-appeal/fr.md" ] || fail "init did not copy the templates"
# a data folder without the samples: a warning, the workspace all the same
d4="$E2E_TMP/ws-nodata"
(TOCSIN_DATADIR="$E2E_TMP/nowhere" && export TOCSIN_DATADIR && expect_rc 0 init "$d4")
assert_grep 'no sample appeal found' "$E2E_TMP/err"
[ -f "$d4/tocsin.db" ] && [ ! -e "$d4/cases" ] || fail "init without samples"

cp "$d/secrets.json" "$E2E_TMP/secrets.before"
expect_rc 73 init "$d"
assert_grep 'workspace exists' "$E2E_TMP/err"
cmp -s "$d/secrets.json" "$E2E_TMP/secrets.before" || fail "init overwrote secrets"

# commands find tocsin.json by --config, TOCSIN_CONFIG, or the current folder
(cd "$E2E_TMP" && expect_rc 78 lists)
assert_grep 'tocsin.json: not found' "$E2E_TMP/err"

# a world-readable secrets file is refused
chmod 644 "$d/secrets.json"
expect_rc 77 --config "$d/tocsin.json" suppress x@example.org
assert_grep 'chmod 600' "$E2E_TMP/err"
chmod 600 "$d/secrets.json"

# a broken tocsin.json names the file, line and column
printf '{\n  "database": "x.db",\n  oops\n}\n' >"$E2E_TMP/bad.json"
expect_rc 65 --config "$E2E_TMP/bad.json" lists
assert_grep 'bad.json:3:' "$E2E_TMP/err"
echo ok
