#!/bin/sh
# send without a relay: the Maildir outbox.  Dry run and test messages
# record nothing; the real send reaches every active subscriber once,
# resumes, refuses a changed appeal, an embargo, a failing check, and a
# second sender.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send_lib.sh"
need sqlite3 python3

ws=$(send_ws)
send_seed "$ws" 23
# not mailed: unsubscribed, suppressed, consent refused
q "$ws" "UPDATE subscribers SET status = 'unsubscribed' WHERE id = 21;
  UPDATE subscribers SET consent = 0 WHERE id = 22;
  INSERT INTO suppressions (hash, email_key, reason, created)
    VALUES ('x', 'user23@example.net', 'manual', 0);"
cd "$ws"
new=outbox/new

note "dry run: everything built and counted, nothing recorded"
expect_rc 0 send appeal.json --dry-run --json
python3 - "$E2E_TMP/out" <<'PY'
import json, sys
o = json.loads(open(sys.argv[1]).read())
assert o["dry_run"] and o["messages"] == 20, o
assert {k: v["n"] for k, v in o["languages"].items()} == \
    {"en": 4, "fr": 4, "es": 4, "ar": 4, "ru": 4}, o
assert o["domains"] == {"example.net": 20}, o
PY
assert_eq "$(q "$ws" 'SELECT count(*) FROM appeals')" 0 "appeals after --dry-run"
[ ! -d "$new" ] || [ -z "$(ls "$new")" ] || fail "dry run wrote messages"

note "test messages: one per language, [TEST], nothing recorded"
expect_rc 0 send appeal.json --test desk@example.org
assert_eq "$(ls "$new" | wc -l)" 5 "test messages"
grep -l '^Subject: \[TEST\]' "$new"/* | wc -l >"$E2E_TMP/n"
assert_eq "$(cat "$E2E_TMP/n")" 5 "[TEST] subjects"
grep -h '^Content-Language:' "$new"/* | sort | tr '\n' ' ' >"$E2E_TMP/l"
assert_eq "$(cat "$E2E_TMP/l")" "Content-Language: ar Content-Language: en Content-Language: es Content-Language: fr Content-Language: ru " "test languages"
assert_eq "$(q "$ws" 'SELECT count(*) FROM appeals')" 0 "appeals after --test"
rm -f "$new"/*

note "the send itself"
expect_rc 0 send appeal.json --json
python3 - "$E2E_TMP/out" <<'PY'
import json, sys
o = json.loads(open(sys.argv[1]).read())
want = {"queued": 0, "sent": 20, "deferred": 0, "failed": 0, "uncertain": 0,
        "expired": 0, "suppressed": 3}
assert {k: o[k] for k in want} == want, o
PY
assert_eq "$(ls "$new" | wc -l)" 20 "messages in the outbox"
send_check --db tocsin.db --dir "$new" --kind maildir --expect 20
assert_eq "$(q "$ws" "SELECT count(*) FROM deliveries WHERE relay = 'outbox' AND reply != ''")" 20 "relay and file recorded"

note "preview --raw is the message send built"
expect_rc 0 preview appeal.json --email user3@example.net --raw
mid=$(q "$ws" "SELECT message_id FROM deliveries WHERE subscriber_id = 3")
assert_grep "^Message-ID: $mid" "$E2E_TMP/out"
sent=$(grep -l "^Message-ID: $mid" "$new"/*)
assert_eq "$(grep '^Return-Path:' "$sent")" "$(grep '^Return-Path:' "$E2E_TMP/out" | tr -d '\r')" "envelope sender"
assert_grep '^Content-Language: ar' "$E2E_TMP/out"
python3 /dev/stdin "$E2E_TMP/out" <<'PY'
import email, sys
from email import policy
raw = open(sys.argv[1], "rb").read()
assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b""), "CRLF only"
m = email.message_from_bytes(raw, policy=policy.default)
d = list(m.defects) + [x for p in m.walk() for x in p.defects]
assert not d, d
assert m.get_content_type() == "multipart/alternative"
PY
expect_rc 64 preview appeal.json --raw --html x.html

note "again: nobody twice; newcomers only"
expect_rc 0 send appeal.json
assert_eq "$(ls "$new" | wc -l)" 20 "messages after a rerun"
send_seed "$ws" 26
expect_rc 0 send appeal.json
assert_eq "$(ls "$new" | wc -l)" 23 "messages after newcomers"
send_check --db tocsin.db --dir "$new" --kind maildir --expect 23

note "a changed appeal is refused unless allowed"
sed -i 's/Lawyer Leila Haddad held incommunicado/Lawyer Leila Haddad still held incommunicado/' appeal.json
expect_rc 65 send appeal.json
assert_grep 'changed since appeal .* began sending; 23 people got the earlier version' "$E2E_TMP/err"
expect_rc 0 send appeal.json --allow-changed
[ "$(q "$ws" 'SELECT content_hash FROM appeals')" = \
  "$(sha256sum appeal.json | cut -d' ' -f1)" ] || fail "new content not registered"

note "check runs first: a missing list refuses, nothing recorded"
sed 's/"id": "2026-014-leila-haddad"/"id": "2026-015-nolist"/; s/"lists": \["supporters"\]/"lists": ["nosuch"]/' \
    "$TOCSIN_SRC/cases/example.json" >nolist.json
expect_rc 65 send nolist.json
assert_grep 'nothing sent' "$E2E_TMP/err"
assert_eq "$(q "$ws" "SELECT count(*) FROM appeals WHERE id = '2026-015-nolist'")" 0 "refused appeal registered"

note "an embargo refuses (75) without --wait"
python3 - "$TOCSIN_SRC/cases/example.json" later.json <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
a["id"] = "2026-016-later"
a["not_before"] = "2099-01-01T00:00:00Z"
json.dump(a, open(sys.argv[2], "w"), ensure_ascii=False)
PY
expect_rc 75 send later.json
assert_grep 'embargoed until 2099-01-01T00:00:00Z' "$E2E_TMP/err"

note "one sender per appeal"
python3 - tocsin.db.send-1.lock "$TOCSIN" <<'PY' >"$E2E_TMP/lock.out" 2>&1
import fcntl, subprocess, sys
with open(sys.argv[1], "w") as f:
    fcntl.lockf(f, fcntl.LOCK_EX)
    r = subprocess.run([sys.argv[2], "send", "appeal.json"],
                       capture_output=True, text=True)
    print(r.returncode, r.stderr)
PY
assert_grep '^75 ' "$E2E_TMP/lock.out"
assert_grep 'being sent by another tocsin send' "$E2E_TMP/lock.out"
echo ok
