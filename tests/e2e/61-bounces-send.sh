#!/bin/sh
# The whole loop: tocsin send through a real Postfix to a mix of existing
# and unknown users (and one whose domain fails 4.2.2), Postfix returns
# RFC 3464 reports to the VERP address, tocsin bounces reads them over IMAP
# and matches them by their token, suppresses the unknown users, counts the
# soft failure, and the next appeal is not sent to the suppressed ones.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/rig.sh"
. "$E2E_DIR/send_lib.sh"
need sqlite3 python3

rig_start user1 user2 user3 user4
ws=$(send_ws)
sed -i "s|\"bounce_domain\": \"example.org\"|\"bounce_domain\": \"$RIG_BOUNCE_DOMAIN\"|" \
    "$ws/tocsin.json"
# user1..user6@rig.test: 5 and 6 do not exist; 7 is at the soft domain
send_seed "$ws" 6 "$RIG_DOMAIN"
q "$ws" "INSERT INTO subscribers (id, email, email_key, email_display,
    language, consent, status, created, updated) VALUES (7,
    'user7@$RIG_SOFT_DOMAIN', 'user7@$RIG_SOFT_DOMAIN',
    'user7@$RIG_SOFT_DOMAIN', 'en', 1, 'active', 0, 0);
    INSERT INTO list_members (list_id, subscriber_id, added) VALUES (1, 7, 0);"
cd "$ws"
export TOCSIN_MAILBOX_PASSWORD=$RIG_PASS TOCSIN_MAILBOX_CAFILE=$RIG_CA
imaps="imaps://$RIG_USER@127.0.0.1:$RIG_IMAPS_PORT/INBOX"

expect_rc 0 send appeal.json --smtp "smtp://127.0.0.1:$RIG_SMTP_PORT" --json
assert_grep '"sent":7' "$E2E_TMP/out"
rig_wait_queue
rig_wait_mail 3
seq=$(q "$ws" "SELECT seq FROM appeals")
id=$(q "$ws" "SELECT id FROM appeals")

note "dry run: the three failures, matched by their VERP token"
expect_rc 0 bounces --imap "$imaps" --dry-run --json
python3 - "$E2E_TMP/out" "$id" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
appeal = sys.argv[2]
got = sorted((l["recipient"], l["kind"], l["status"],
              l["delivery"]["subscriber"]) for l in lines)
want = [("user5@rig.test", "hard", "5.1.1", 5),
        ("user6@rig.test", "hard", "5.1.1", 6),
        ("user7@soft.rig.test", "soft", "4.2.2", 7)]
assert got == want, got
assert all(l["delivery"]["appeal"] == appeal for l in lines), lines
PY

note "recorded: exactly the unknown users' deliveries bounced and suppressed"
expect_rc 0 --verbose bounces --imap "$imaps"
assert_grep '3 matched to deliveries' "$E2E_TMP/out"
# matched by the VERP token of the address the report was sent to
assert_eq "$(grep -c '(token)$' "$E2E_TMP/err")" 3 "matched by token"
assert_eq "$(q "$ws" "SELECT group_concat(subscriber_id) FROM (SELECT
    subscriber_id FROM deliveries WHERE state = 'bounced' ORDER BY 1)")" "5,6" \
    "bounced deliveries"
assert_eq "$(q "$ws" "SELECT count(*) FROM deliveries WHERE state = 'sent'")" 5 \
    "sent deliveries"
assert_eq "$(q "$ws" "SELECT group_concat(email_key) FROM (SELECT email_key
    FROM suppressions ORDER BY 1)")" "user5@rig.test,user6@rig.test" \
    "suppressions"
assert_eq "$(q "$ws" "SELECT status || ' ' || soft_bounces FROM subscribers
    WHERE id = 7")" "active 1" "soft bounce"
assert_eq "$(q "$ws" "SELECT count(*) FROM bounces WHERE appeal_seq = $seq")" 3
# dated by Postfix's reports: not before the send, not after this run
assert_eq "$(q "$ws" "SELECT count(*) FROM bounces b JOIN deliveries d
    USING (appeal_seq, subscriber_id) WHERE b.received_at >= d.sent_at
    AND b.received_at <= CAST(strftime('%s', 'now') AS INTEGER)")" 3 \
    "bounce dates"

note "again: nothing counted twice"
expect_rc 0 bounces --imap "$imaps" --json
assert_eq "$(wc -l <"$E2E_TMP/out" | tr -d ' ')" 0 "second run"
assert_eq "$(q "$ws" "SELECT count(*) FROM bounces")" 3 "bounce rows"

note "the next appeal skips the suppressed addresses"
python3 - appeal.json appeal2.json <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
a["id"] = a["id"] + "-followup"
json.dump(a, open(sys.argv[2], "w"), ensure_ascii=False, indent=2)
PY
expect_rc 0 send appeal2.json --smtp "smtp://127.0.0.1:$RIG_SMTP_PORT" --json
seq2=$(q "$ws" "SELECT max(seq) FROM appeals")
assert_eq "$(q "$ws" "SELECT group_concat(subscriber_id) FROM (SELECT
    subscriber_id FROM deliveries WHERE appeal_seq = $seq2 AND state = 'sent'
    ORDER BY 1)")" "1,2,3,4,7" "second appeal's deliveries"
rig_wait_queue
assert_eq "$(rig_count "$RIG_DIR/mail/user1")" 2 "user1 got both appeals"
echo ok
