#!/bin/sh
# A real browser on a sign link taken from a message tocsin send wrote to
# the outbox: headless Chromium loads the page (right language and
# direction, nothing recorded), then, driven through chromedriver, clicks
# Sign: exactly one signature is recorded.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/serve_lib.sh"
need curl sqlite3 python3
[ -x /usr/bin/chromium ] || skip "chromium is not installed (make deps)"
command -v chromedriver >/dev/null 2>&1 || skip "chromedriver is not installed (make deps)"

serve_workspace
serve_start
karim=$(outbox_link karim@example.org s)
ana=$(outbox_link ana@example.org s)
note "links from the outbox: ${karim%/s/*}/s/..."
case "$karim" in "$URL"/s/*) ;; *) fail "the link does not point at the server" ;; esac

note "loading (--dump-dom) records nothing"
profile=$(mktemp -d "$E2E_TMP/chromium-XXXXXX")
timeout 60 /usr/bin/chromium --headless --no-sandbox --disable-gpu \
    --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$profile" \
    --dump-dom "$karim" >"$E2E_TMP/dom.html" 2>"$E2E_TMP/chromium.err" ||
    fail "chromium: $(tail -3 "$E2E_TMP/chromium.err")"
assert_grep '<html lang="ar" dir="rtl">' "$E2E_TMP/dom.html"
assert_grep 'وقّع العريضة' "$E2E_TMP/dom.html"
assert_eq "$(sql 'SELECT count(*) FROM signatures')" 0 "loading signed"

note "clicking Sign records one signature"
dport=$(free_port)
start_bg driver chromedriver --port="$dport" --allowed-ips=127.0.0.1
wait_port "$dport"
profile=$(mktemp -d "$E2E_TMP/chromium-XXXXXX")
$PY "$E2E_DIR/browser.py" open "$dport" "$profile" "$ana" >"$E2E_TMP/open.json"
cat "$E2E_TMP/open.json"
$PY - "$E2E_TMP/open.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["lang"] == "fr" and p["dir"] == "ltr", p
assert p["button"] == "Signer la pétition", p
assert p["h1"] == "Libérez Leila Haddad", p
PY
assert_eq "$(sql 'SELECT count(*) FROM signatures')" 0 "opening signed"

profile=$(mktemp -d "$E2E_TMP/chromium-XXXXXX")
$PY "$E2E_DIR/browser.py" click "$dport" "$profile" "$karim" \
    "#sign-button" "#signed" >"$E2E_TMP/click.json"
cat "$E2E_TMP/click.json"
$PY - "$E2E_TMP/click.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["lang"] == "ar" and p["dir"] == "rtl", p
assert p["after"] is True, p
assert p["lang_after"] == "ar" and p["dir_after"] == "rtl", p
assert p["h1_after"] == "شكرًا لتوقيعك", p
PY
assert_eq "$(sql "SELECT count(*) || '|' || min(subscriber_id) || '|' || min(source) FROM signatures")" \
    "1|2|link" "one signature by Karim"
echo ok
