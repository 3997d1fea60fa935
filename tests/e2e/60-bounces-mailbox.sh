#!/bin/sh
# tocsin bounces over IMAP, POP3 and Maildir against real Postfix bounces
# served by a real Dovecot (tests/e2e/rig.sh).  The deliveries are written
# into the database by the test (as tocsin send records them, with our
# Message-IDs), and the messages are sent through Postfix with those
# Message-IDs from a VERP address: Postfix's RFC 3464 reports name them in
# their returned headers.  Also: TLS certificate refusals, --dry-run
# --json, running twice, one mailbox read by IMAP and then POP3.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/rig.sh"

need sqlite3 python3
rig_start alice

ws=$(workspace)
db=$ws/tocsin.db
T="--config $ws/tocsin.json"
export TOCSIN_MAILBOX_PASSWORD=$RIG_PASS

sqlite3 "$db" <<EOF
INSERT INTO subscribers (id, email, email_key, email_display, created, updated)
VALUES (1, 'alice@rig.test', 'alice@rig.test', 'alice@rig.test', 0, 0),
       (2, 'nobody1@rig.test', 'nobody1@rig.test', 'nobody1@rig.test', 0, 0),
       (3, 'nobody2@rig.test', 'nobody2@rig.test', 'nobody2@rig.test', 0, 0),
       (4, 'carol@soft.rig.test', 'carol@soft.rig.test', 'carol@soft.rig.test', 0, 0);
INSERT INTO appeals (seq, id, content_hash, doc, created, updated)
VALUES (1, '2026-014', 'h', '{}', 0, 0);
INSERT INTO deliveries (appeal_seq, subscriber_id, email, state, message_id, updated)
VALUES (1, 1, 'alice@rig.test', 'sent', '<tocsin.1.1.aaaa@example.org>', 0),
       (1, 2, 'nobody1@rig.test', 'sent', '<tocsin.1.2.bbbb@example.org>', 0),
       (1, 3, 'nobody2@rig.test', 'sent', '<tocsin.1.3.cccc@example.org>', 0),
       (1, 4, 'carol@soft.rig.test', 'sent', '<tocsin.1.4.dddd@example.org>', 0);
EOF

# One message per delivery, from a VERP address of the bounce domain
i=1
for to in alice@rig.test nobody1@rig.test nobody2@rig.test carol@soft.rig.test; do
    h=$(echo aaaa bbbb cccc dddd | cut -d' ' -f$i)
    cat >"$E2E_TMP/m$i.eml" <<EOF
From: Appeals <appeals@example.org>
To: <$to>
Subject: Free the defender
Date: Sat, 28 Nov 2026 10:00:00 +0000
Message-ID: <tocsin.1.$i.$h@example.org>

Please sign.
EOF
    rig_smtp "bounces+notatoken$i@$RIG_BOUNCE_DOMAIN" "$to" "$E2E_TMP/m$i.eml"
    i=$((i + 1))
done
rig_wait_mail 3
rig_wait_queue
assert_eq "$(rig_count "$RIG_DIR/mail/alice")" 1 "alice's mailbox"

imaps="imaps://$RIG_USER@127.0.0.1:$RIG_IMAPS_PORT/INBOX"
imap="imap://$RIG_USER@127.0.0.1:$RIG_IMAP_PORT/INBOX"
pop3s="pop3s://$RIG_USER@127.0.0.1:$RIG_POP3S_PORT"
pop3="pop3://$RIG_USER@127.0.0.1:$RIG_POP3_PORT"

note "certificates: refused without the test CA, and for another name"
unset TOCSIN_MAILBOX_CAFILE || true
expect_rc 69 $T bounces --imap "$imaps" --dry-run
assert_grep 'certificate' "$E2E_TMP/err"
expect_rc 69 $T bounces --pop3 "$pop3" --dry-run
assert_grep 'certificate' "$E2E_TMP/err"
export TOCSIN_MAILBOX_CAFILE=$RIG_CA
expect_rc 69 $T bounces --imap "imaps://$RIG_USER@127.0.0.2:$RIG_IMAPS_PORT/" --dry-run

note "--dry-run --json over IMAP (STARTTLS): three lines, nothing changed"
expect_rc 0 $T bounces --imap "$imap" --dry-run --json
cp "$E2E_TMP/out" "$E2E_TMP/dry.json"
python3 - "$E2E_TMP/dry.json" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 3, lines
by = {l["recipient"]: l for l in lines}
for who, sub in (("nobody1@rig.test", 2), ("nobody2@rig.test", 3)):
    l = by[who]
    assert l["kind"] == "hard", l
    assert l["status"] == "5.1.1", l
    assert l["delivery"] == {"appeal": "2026-014", "subscriber": sub}, l
    assert l["reason"], l
    assert l["source"].isdigit(), l
c = by["carol@soft.rig.test"]
assert c["kind"] == "soft" and c["status"] == "4.2.2", c
assert c["delivery"] == {"appeal": "2026-014", "subscriber": 4}, c
assert set(lines[0]) == {"source", "kind", "recipient", "status", "reason",
                         "delivery", "date"}, lines[0]
# dated by Postfix's report (RFC 3339, UTC): it bounced moments ago
import datetime, time
for l in lines:
    t = datetime.datetime.strptime(l["date"], "%Y-%m-%dT%H:%M:%SZ")
    t = t.replace(tzinfo=datetime.timezone.utc).timestamp()
    assert abs(t - time.time()) < 3600, l
PY
assert_eq "$(sqlite3 "$db" "SELECT count(*) FROM bounces")" 0 "dry run recorded"
assert_eq "$(sqlite3 "$db" "SELECT count(*) FROM deliveries WHERE state='sent'")" 4 \
    "dry run changed deliveries"
assert_eq "$(sqlite3 "$db" "SELECT count(*) FROM mailbox_seen")" 0 "dry run seen"

note "IMAP over TLS: record, suppress, mark"
expect_rc 0 $T bounces --imap "$imaps"
assert_grep '3 messages read' "$E2E_TMP/out"
assert_grep '2 deliveries marked bounced, 2 addresses suppressed' "$E2E_TMP/out"
assert_eq "$(sqlite3 "$db" "SELECT group_concat(subscriber_id) FROM (SELECT \
    subscriber_id FROM deliveries WHERE state='bounced' ORDER BY 1)")" "2,3" \
    "bounced deliveries"
assert_eq "$(sqlite3 "$db" "SELECT group_concat(email_key) FROM (SELECT \
    email_key FROM suppressions WHERE reason='bounce' ORDER BY 1)")" \
    "nobody1@rig.test,nobody2@rig.test" "suppressions"
assert_eq "$(sqlite3 "$db" "SELECT status || ',' || soft_bounces FROM \
    subscribers WHERE id=4")" "active,1" "soft bounce score"
assert_eq "$(sqlite3 "$db" "SELECT status FROM subscribers WHERE id=1")" active
assert_eq "$(sqlite3 "$db" "SELECT count(*) FROM bounces")" 3 "bounce rows"
# the messages carry the keyword now: Dovecot keeps keywords per Maildir
assert_grep '\$TocsinProcessed' "$RIG_MAILDIR/dovecot-keywords"

note "again over IMAP: nothing is listed, nothing counted twice"
expect_rc 0 $T bounces --imap "$imaps" --json
assert_eq "$(wc -l <"$E2E_TMP/out" | tr -d ' ')" 0 "second IMAP run output"
assert_eq "$(sqlite3 "$db" "SELECT count(*) FROM bounces")" 3 "bounce rows"

note "the same mailbox over POP3 (STLS): listed again, counted once"
expect_rc 0 $T bounces --pop3 "$pop3" --json
assert_eq "$(wc -l <"$E2E_TMP/out" | tr -d ' ')" 3 "POP3 lines"
assert_eq "$(sqlite3 "$db" "SELECT count(*) FROM bounces")" 3 "bounce rows"
assert_eq "$(sqlite3 "$db" "SELECT soft_bounces FROM subscribers WHERE id=4")" 1 \
    "soft score after POP3"
assert_eq "$(sqlite3 "$db" "SELECT count(*) FROM mailbox_seen")" 6 "seen keys"
# POP3 without --expunge leaves the messages; again: nothing listed anew
expect_rc 0 $T bounces --pop3 "$pop3s" --json
assert_eq "$(wc -l <"$E2E_TMP/out" | tr -d ' ')" 0 "second POP3 run output"
assert_grep 'no new messages' "$E2E_TMP/err"
assert_eq "$(rig_count "$RIG_MAILDIR")" 3 "messages kept without --expunge"

note "Maildir: the same files, counted once; --expunge deletes them"
expect_rc 0 $T bounces --maildir "$RIG_MAILDIR" --json
assert_eq "$(wc -l <"$E2E_TMP/out" | tr -d ' ')" 3 "Maildir lines"
assert_eq "$(sqlite3 "$db" "SELECT count(*) FROM bounces")" 3 "bounce rows"
expect_rc 0 $T bounces --pop3 "$pop3s" --expunge
assert_eq "$(rig_count "$RIG_MAILDIR")" 0 "POP3 --expunge"

note "IMAP with bounces.processed_folder: processed messages move there"
cat >"$E2E_TMP/m5.eml" <<EOF
From: Appeals <appeals@example.org>
To: <nobody3@rig.test>
Subject: Free the defender
Message-ID: <tocsin.1.5.eeee@example.org>

Please sign.
EOF
rig_smtp "bounces+x5@$RIG_BOUNCE_DOMAIN" nobody3@rig.test "$E2E_TMP/m5.eml"
rig_wait_mail 1
python3 - "$ws/tocsin.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c.setdefault("bounces", {})["processed_folder"] = "Processed"
json.dump(c, open(p, "w"), indent=2)
PY
expect_rc 0 $T bounces --imap "$imaps" --json
assert_eq "$(wc -l <"$E2E_TMP/out" | tr -d ' ')" 1 "processed_folder run"
assert_grep '"recipient":"nobody3@rig.test","status":"5.1.1"' "$E2E_TMP/out"
assert_grep '"delivery":null' "$E2E_TMP/out"
assert_eq "$(rig_count "$RIG_MAILDIR")" 0 "INBOX after the move"
assert_eq "$(rig_count "$RIG_MAILDIR/.Processed")" 1 "Processed folder"

note "IMAP --expunge deletes processed messages"
rig_smtp "bounces+x6@$RIG_BOUNCE_DOMAIN" nobody4@rig.test "$E2E_TMP/m5.eml"
rig_wait_mail 1
expect_rc 0 $T bounces --imap "$imaps" --expunge
assert_grep '1 message read' "$E2E_TMP/out"
assert_eq "$(rig_count "$RIG_MAILDIR")" 0 "INBOX after --expunge"
assert_eq "$(rig_count "$RIG_MAILDIR/.Processed")" 1 "Processed folder"

note "a wrong password (last: Dovecot slows down later logins)"
(
    TOCSIN_MAILBOX_PASSWORD=wrong
    expect_rc 69 $T bounces --imap "$imaps" --dry-run
)
assert_grep 'login' "$E2E_TMP/err"

note "usage errors"
expect_rc 64 $T bounces
expect_rc 64 $T bounces --imap "$imaps" --maildir "$RIG_MAILDIR"
expect_rc 64 $T bounces --imap "ftp://x@y/"
expect_rc 64 $T bounces --maildir "$RIG_MAILDIR" --dry-run --expunge
expect_rc 66 $T bounces --maildir "$E2E_TMP/nope"
echo ok
