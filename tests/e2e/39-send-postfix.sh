#!/bin/sh
# send through a real Postfix (own configuration directory, loopback only)
# that delivers rig.test into local Maildirs: 200 supporters get one
# message each, checked as delivered; 5 unknown addresses bounce back to
# bounces+TOKEN@ (VERP) in the bounce mailbox.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/rig.sh"
. "$E2E_DIR/send_lib.sh"
need sqlite3 python3

users=""
i=1
while [ $i -le 200 ]; do
    users="$users user$i"
    i=$((i + 1))
done
# shellcheck disable=SC2086
rig_start $users

ws=$(send_ws)
# bounces come back to the rig's bounce mailbox
sed -i "s|\"bounce_domain\": \"example.org\"|\"bounce_domain\": \"$RIG_BOUNCE_DOMAIN\"|" \
    "$ws/tocsin.json"
send_seed "$ws" 205 "$RIG_DOMAIN"
cd "$ws"
expect_rc 0 send appeal.json --smtp "smtp://127.0.0.1:$RIG_SMTP_PORT" --json
assert_grep '"sent":205' "$E2E_TMP/out"
rig_wait_queue
rig_wait_mail 5

mkdir "$E2E_TMP/delivered"
i=1
while [ $i -le 200 ]; do
    n=$(rig_count "$RIG_DIR/mail/user$i")
    [ "$n" -eq 1 ] || fail "user$i@$RIG_DOMAIN has $n messages"
    cp "$RIG_DIR/mail/user$i"/new/* "$E2E_TMP/delivered/user$i"
    i=$((i + 1))
done
send_check --db tocsin.db --dir "$E2E_TMP/delivered" --kind maildir --expect 200
assert_grep 'status=sent \(delivered to maildir\)' "$RIG_DIR/postfix.log"

# the bounces carry our VERP address and Message-ID back
for f in "$RIG_MAILDIR"/new/*; do
    grep -q "^Delivered-To: bounces+[a-z2-7]*@$RIG_BOUNCE_DOMAIN" "$f" ||
        fail "bounce not addressed to a VERP address: $f"
    grep -q '<tocsin\.1\.20[1-5]\.[0-9a-f]*@' "$f" ||
        fail "bounce without our Message-ID: $f"
done
echo ok
