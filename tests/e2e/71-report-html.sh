#!/bin/sh
# tocsin report --format html: one self-contained page (no script, no
# outside asset, values escaped) that headless Chromium renders without
# errors; the screenshot is kept in build/e2e/ for people to look at.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"
need sqlite3 python3
chromium=/usr/bin/chromium
[ -x "$chromium" ] || skip "chromium is not installed (make deps)"

ws=$(workspace)
cfg="$ws/tocsin.json"
python3 "$E2E_DIR/report_fixture.py" >"$E2E_TMP/fixture.sql"
sqlite3 "$ws/tocsin.db" <"$E2E_TMP/fixture.sql"
# a title and a bounce reason that try to inject markup
sqlite3 "$ws/tocsin.db" "UPDATE appeals SET title =
  '<script>alert(1)</script><img src=x onerror=alert(2)>' WHERE seq = 2;
  INSERT INTO bounces (appeal_seq, subscriber_id, recipient, kind, status,
  reason, source, received_at) VALUES (2, 1, 'x', 'hard', '5.0.0',
  '<iframe src=//evil.example>', 'inj', 0);"

html="$E2E_TMP/report.html"
expect_rc 0 --config "$cfg" report 2026-014 --format html --output "$html"
expect_rc 0 --config "$cfg" report 2026-015 --format html --output "$E2E_TMP/inj.html"
expect_rc 0 --config "$cfg" report --format html --output "$E2E_TMP/list.html"

note "self-contained, escaped"
for f in "$html" "$E2E_TMP/inj.html" "$E2E_TMP/list.html"; do
    assert_grep '^<html lang="en">$' "$f"
    assert_grep '@media print' "$f"
    python3 - "$f" <<'PY'
import sys
from html.parser import HTMLParser
BANNED = {"script", "iframe", "img", "link", "object", "embed", "frame",
          "base", "form", "image", "use", "foreignobject"}
class Check(HTMLParser):
    def handle_starttag(self, tag, attrs):
        assert tag not in BANNED, "element <%s> in %s" % (tag, sys.argv[1])
        for k, v in attrs:
            assert k not in ("src", "href", "xlink:href", "action") and \
                not k.startswith("on"), "attribute %s=%r" % (k, v)
            assert "url(" not in (v or ""), "url() in %s" % k
    def handle_data(self, data):
        if self.lasttag == "style":
            assert "url(" not in data and "@import" not in data, "outside CSS"
Check().feed(open(sys.argv[1], encoding="utf-8").read())
PY
done
assert_grep '&lt;script&gt;alert\(1\)&lt;/script&gt;&lt;img src=x' "$E2E_TMP/inj.html"
assert_grep '&lt;iframe src=//evil.example&gt;' "$E2E_TMP/inj.html"
assert_grep 'Free Maryam Nasser &amp; the &lt;Tunis&gt; 3' "$html"
assert_grep '<svg[^>]*aria-label="Delivery funnel"' "$html"
assert_grep '<svg[^>]*aria-label="Signatures per hour"' "$html"
# internationalised domains in Unicode, each isolated in <bdi> so that the
# right-to-left one cannot reorder its row; the stored form on hover
assert_grep '<td><bdi title="xn--espaa-rta.es">españa.es</bdi></td>' "$html"
assert_grep '<td><bdi title="xn--mgbh0fb.xn--kgbechtv">مثال\.إختبار</bdi></td>' "$html"
assert_grep '<td><bdi>example\.org</bdi></td>' "$html"

# Render a page with headless Chromium: screenshot, DOM, and its log.
render() {
    name=$1
    page=$2
    prof="$E2E_TMP/chromium-$name"
    mkdir -p "$prof"
    set -- --headless --no-sandbox --disable-gpu --disable-quic \
        --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --user-data-dir="$prof" \
        --enable-logging=stderr --v=0
    timeout 90 "$chromium" "$@" --window-size=1200,3000 \
        --screenshot="$E2E_TMP/$name.png" "file://$page" \
        >/dev/null 2>"$E2E_TMP/$name.shot.log" ||
        fail "chromium could not take the screenshot of $name"
    timeout 90 "$chromium" "$@" --dump-dom "file://$page" \
        >"$E2E_TMP/$name.dom" 2>"$E2E_TMP/$name.dom.log" ||
        fail "chromium could not load $name"
    [ -s "$E2E_TMP/$name.png" ] || fail "no screenshot of $name"
    # the page's own problems: console messages, blocked or failed loads
    for log in "$E2E_TMP/$name.shot.log" "$E2E_TMP/$name.dom.log"; do
        assert_no_grep 'CONSOLE|Uncaught|Refused to|net::ERR_|Failed to load' "$log"
    done
    mkdir -p "$TOCSIN_SRC/build/e2e"
    cp "$E2E_TMP/$name.png" "$TOCSIN_SRC/build/e2e/report-$name.png"
}

note "rendered by chromium"
render appeal "$html"
dom="$E2E_TMP/appeal.dom"
for text in 'From email to signature' 'Signatures over time' 'By language' \
    'What happened to each email' 'Why emails bounced' 'Where the emails went' \
    '>400<' '>370<' '>338<' '>73<' '>17.6%<' 'English <span class="tag">en</span>' \
    'German <span class="tag">de</span>' '2 March 2026, 09:05 UTC' '5 min 00 s' \
    '>españa.es</bdi>' '>مثال.إختبار</bdi>'; do
    grep -qF -- "$text" "$dom" || fail "the rendered page lacks '$text'"
done
python3 - "$E2E_TMP/appeal.png" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", data[16:24])
assert (w, h) == (1200, 3000), (w, h)
assert len(data) > 50000, "the screenshot looks empty"
PY
render list "$E2E_TMP/list.html"
grep -qF '2026-016' "$E2E_TMP/list.dom" || fail "list page lacks an appeal"
render injected "$E2E_TMP/inj.html"
grep -qF '&lt;script&gt;alert(1)' "$E2E_TMP/injected.dom" ||
    fail "the injected title is not shown as text"
