#!/bin/sh
# tocsin bounces on a local Maildir holding the hand-written bounces of
# tests/data/bounces (RFC 3464, MTA texts, ARF complaint, auto-replies,
# a report naming three recipients, a message that is no bounce): one
# JSON line per recipient, what each kind does to the subscribers that
# the addresses name, and --expunge.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"
need sqlite3 python3

ws=$(workspace)
db=$ws/tocsin.db
T="--config $ws/tocsin.json"
md=$E2E_TMP/bounces
mkdir -p "$md/new" "$md/cur" "$md/tmp"
for f in "$TOCSIN_SRC"/tests/data/bounces/*.eml; do
    cp "$f" "$md/new/1700000000.$(basename "$f" .eml).test"
done
# Two soft bounces of one address, one that happened two days ago and
# one today (only their Date headers say when), read in one run.
python3 - "$md/new" <<'PY'
import email.utils, sys, time
now = int(time.time())
for name, t in (("soft-two-days-ago", now - 2 * 86400 - 600),
                ("soft-today", now - 600)):
    open("%s/1700000000.%s.test" % (sys.argv[1], name), "w").write(
        "From: MAILER-DAEMON@mx.example.com\n"
        "To: bounces@example.org\n"
        "Subject: Delivery Status Notification (Delay)\n"
        "Date: %s\n"
        "Message-ID: <%s.%d@mx.example.com>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=delivery-status;"
        " boundary=b\n\n"
        "--b\nContent-Type: text/plain\n\nMailbox full.\n\n"
        "--b\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.example.com\n\n"
        "Final-Recipient: rfc822; fay@example.com\n"
        "Action: delayed\nStatus: 4.2.2\n"
        "Diagnostic-Code: smtp; 452 4.2.2 mailbox full\n\n--b--\n"
        % (email.utils.formatdate(t), name, t))
PY
n=$(ls "$md/new" | wc -l | tr -d ' ')
[ "$n" -ge 12 ] || fail "only $n test bounces"
two_days_ago=$(sqlite3 "$db" "SELECT CAST(strftime('%s', 'now') AS INTEGER) - 2 * 86400 - 600")

sqlite3 "$db" <<EOF
INSERT INTO subscribers (id, email, email_key, email_display, created, updated)
VALUES (1, 'ana@example.net', 'ana@example.net', 'ana@example.net', 0, 0),
       (2, 'gina@example.net', 'gina@example.net', 'gina@example.net', 0, 0),
       (3, 'eve@example.com', 'eve@example.com', 'eve@example.com', 0, 0),
       (4, 'keep@example.org', 'keep@example.org', 'keep@example.org', 0, 0),
       (5, 'fay@example.com', 'fay@example.com', 'fay@example.com', 0, 0);
EOF

note "--dry-run --json: one line per recipient, null when none was found"
expect_rc 0 $T bounces --maildir "$md" --dry-run --json
python3 - "$E2E_TMP/out" <<'PY'
import collections, json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
by = collections.defaultdict(list)
for l in lines:
    assert set(l) == {"source", "kind", "recipient", "status", "reason",
                      "delivery", "date"}, l
    assert l["delivery"] is None, l
    by[l["source"].split(".")[1]].append(l)
multi = by["multi-recipients"]
assert sorted(l["recipient"] for l in multi) == [
    "dora@example.com", "eve@example.com", "fred@example.com"], multi
assert [l["recipient"] for l in by["not-a-bounce"]] == [None]
assert by["not-a-bounce"][0]["kind"] == "unknown"
for name in ("autoreply-rfc3834", "autoreply-vacation"):
    assert [(l["kind"], l["recipient"]) for l in by[name]] == [
        ("autoreply", None)], by[name]
arf = by["complaint-arf"]
assert [(l["kind"], l["recipient"]) for l in arf] == [
    ("complaint", "gina@example.net")], arf
hard = by["hard-rfc3464"][0]
assert (hard["kind"], hard["recipient"], hard["status"]) == (
    "hard", "ana@example.net", "5.1.1"), hard
# dated by the bounce's own Date, in RFC 3339 UTC
import datetime, time
def when(l):
    t = datetime.datetime.strptime(l["date"], "%Y-%m-%dT%H:%M:%SZ")
    return t.replace(tzinfo=datetime.timezone.utc).timestamp()
now = time.time()
old, = by["soft-two-days-ago"]
new, = by["soft-today"]
assert (old["kind"], old["recipient"]) == ("soft", "fay@example.com"), old
assert abs(when(old) - (now - 2 * 86400 - 600)) < 120, old
assert abs(when(new) - (now - 600)) < 120, new
PY
assert_eq "$(sqlite3 "$db" "SELECT count(*) FROM bounces")" 0 "dry run"
assert_eq "$(ls "$md/new" | wc -l | tr -d ' ')" "$n" "dry run moved files"

note "recorded: the kinds act on the subscribers the addresses name"
expect_rc 0 $T bounces --maildir "$md"
assert_eq "$(sqlite3 "$db" "SELECT status FROM subscribers WHERE id=1")" bounced
assert_eq "$(sqlite3 "$db" "SELECT status FROM subscribers WHERE id=2")" complained
assert_eq "$(sqlite3 "$db" "SELECT status || ' ' || soft_bounces FROM \
    subscribers WHERE id=3")" "active 1" "soft bounce"
assert_eq "$(sqlite3 "$db" "SELECT status FROM subscribers WHERE id=4")" active
# a bounce is dated when it happened (its Date), not when it was read,
# and two days of soft bounces read in one run count twice
got=$(sqlite3 "$db" "SELECT received_at FROM bounces WHERE subscriber_id=5 \
    AND source LIKE '<soft-two-days-ago.%'")
[ "$got" -ge $((two_days_ago - 120)) ] && [ "$got" -le $((two_days_ago + 120)) ] ||
    fail "bounce of two days ago recorded at $got, not about $two_days_ago"
assert_eq "$(sqlite3 "$db" "SELECT count(DISTINCT received_at / 86400) FROM \
    bounces WHERE subscriber_id=5")" 2 "days of fay's bounces"
assert_eq "$(sqlite3 "$db" "SELECT status || ' ' || soft_bounces FROM \
    subscribers WHERE id=5")" "active 2" "soft bounces on two days"
assert_eq "$(sqlite3 "$db" "SELECT group_concat(email_key || ':' || reason) \
    FROM (SELECT * FROM suppressions ORDER BY email_key)")" \
    "ana@example.net:bounce,gina@example.net:complaint" "suppressions"
assert_eq "$(sqlite3 "$db" "SELECT count(*) FROM bounces WHERE kind='autoreply'")" 2
assert_eq "$(ls "$md/new" | wc -l | tr -d ' ')" 0 "new/ after marking"
assert_eq "$(ls "$md/cur" | grep -c ':2,S$')" "$n" "cur/ with the S flag"

note "again: nothing new; --expunge removes the processed messages"
expect_rc 0 $T bounces --maildir "$md"
assert_grep 'no new messages' "$E2E_TMP/out"
rows=$(sqlite3 "$db" "SELECT count(*) FROM bounces")
expect_rc 0 $T bounces --maildir "$md" --expunge
assert_eq "$(ls "$md/cur" | wc -l | tr -d ' ')" 0 "cur/ after --expunge"
assert_eq "$(sqlite3 "$db" "SELECT count(*) FROM bounces")" "$rows" "rows"
echo ok
