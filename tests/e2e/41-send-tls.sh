#!/bin/sh
# send through a real Postfix that takes a login only after STARTTLS and
# relays only for a client that logged in (the rig's submission port,
# RIG_SUBMIT=1): its certificate is signed by the rig's private CA, the
# login is checked by Dovecot's auth service.  Each step a real send of a
# small appeal:
#   e. a CA file that is missing or holds no certificate: exit 78 before
#      any connection, naming the file; nothing marked
#   a. TOCSIN_SMTP_CAFILE and the right password: every message delivered,
#      over TLS, after AUTH; smtp.ca_file relative to tocsin.json works too
#   b. no CA file: the certificate is not trusted, nothing reaches
#      Postfix, the deliveries are deferred, the error says why
#   d. --tls none with credentials: refused before any connection (a
#      password is never sent in clear); without credentials: no AUTH,
#      the relay refuses the recipients, nothing delivered or marked sent
#   c. a wrong password: 535, nothing delivered, deferred (not failed)
#   and the password never shows in tocsin's output or in ps.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/rig.sh"
. "$E2E_DIR/send_lib.sh"
need sqlite3 python3

N=5
users="tester"
i=1
while [ $i -le $N ]; do
    users="$users user$i"
    i=$((i + 1))
done
RIG_SUBMIT=1
# shellcheck disable=SC2086
rig_start $users

url="smtp://127.0.0.1:$RIG_SUBMIT_PORT"
TOCSIN_SMTP_USER=$RIG_SMTP_USER
TOCSIN_SMTP_PASSWORD=$RIG_SMTP_PASS
export TOCSIN_SMTP_USER TOCSIN_SMTP_PASSWORD
unset TOCSIN_SMTP_CAFILE || true
log=$RIG_DIR/postfix.log

# A workspace with N supporters at rig.test.
fresh() {
    w=$(send_ws)
    send_seed "$w" $N "$RIG_DOMAIN"
    echo "$w"
}

# Messages delivered to user1..userN.
delivered() {
    t=0
    k=1
    while [ $k -le $N ]; do
        t=$((t + $(rig_count "$RIG_DIR/mail/user$k")))
        k=$((k + 1))
    done
    echo $t
}

# The submission port's log lines since mark: steps look at their own.
mark() {
    wc -l <"$log" | tr -d ' '
}
since() {
    tail -n +"$(($1 + 1))" "$log" | grep 'postfix/submit/' >"$E2E_TMP/log" ||
        true
}

# The password must not be in what tocsin printed.
no_secret() {
    for f in "$E2E_TMP/out" "$E2E_TMP/err"; do
        if grep -qF -- "$RIG_SMTP_PASS" "$f"; then
            fail "$1: the SMTP password is in tocsin's output ($f)"
        fi
    done
}

count() {
    q "$1" "SELECT count(*) FROM deliveries WHERE state = '$2'"
}

ws=$(fresh)
cd "$ws"

note "e. a CA file that cannot be used: exit 78, nothing queued or sent"
m=$(mark)
TOCSIN_SMTP_CAFILE=$E2E_TMP/no-such-ca.pem expect_rc 78 send appeal.json \
    --smtp "$url" --tls required
assert_grep "TOCSIN_SMTP_CAFILE: $E2E_TMP/no-such-ca.pem: No such file" \
    "$E2E_TMP/err"
no_secret e1
echo "not a certificate" >not-a-ca.txt
sed -i 's|"ca_file": ""|"ca_file": "not-a-ca.txt"|' tocsin.json
expect_rc 78 send appeal.json --smtp "$url" --tls required
assert_grep "smtp.ca_file: .*not-a-ca.txt: no PEM certificate" "$E2E_TMP/err"
TOCSIN_SMTP_CAFILE=$E2E_TMP expect_rc 78 send appeal.json --smtp "$url" \
    --tls required
assert_grep "TOCSIN_SMTP_CAFILE: $E2E_TMP: not a file" "$E2E_TMP/err"
assert_eq "$(q "$ws" "SELECT count(*) FROM deliveries")" 0 "nothing queued"
sleep 0.5
since "$m"
assert_no_grep 'connect from' "$E2E_TMP/log"

note "a. the rig's CA and the right password: all delivered over TLS"
m=$(mark)
# the environment wins over the (unusable) smtp.ca_file
TOCSIN_SMTP_CAFILE=$RIG_CA expect_rc 0 send appeal.json --smtp "$url" \
    --tls required --json
assert_grep "\"sent\":$N" "$E2E_TMP/out"
no_secret a
rig_wait_queue
assert_eq "$(delivered)" $N "messages delivered"
mkdir "$E2E_TMP/delivered"
i=1
while [ $i -le $N ]; do
    cp "$RIG_DIR/mail/user$i"/new/* "$E2E_TMP/delivered/user$i"
    i=$((i + 1))
done
send_check --db tocsin.db --dir "$E2E_TMP/delivered" --kind maildir --expect $N
assert_eq "$(count "$ws" sent)" $N "deliveries sent"
since "$m"
assert_grep 'TLS connection established from localhost\[127\.0\.0\.1\]' \
    "$E2E_TMP/log"
assert_grep "client=localhost\[127\.0\.0\.1\], sasl_method=(PLAIN|LOGIN), sasl_username=$RIG_SMTP_USER\$" \
    "$E2E_TMP/log"
assert_eq "$(grep -c "sasl_username=$RIG_SMTP_USER\$" "$E2E_TMP/log")" $N \
    "messages handed over after AUTH"
assert_no_grep 'authentication failed' "$E2E_TMP/log"

# smtp.ca_file from tocsin.json, relative to its folder; --test records
# nothing and mails one message per language
cp "$RIG_CA" relay-ca.pem
sed -i 's|"ca_file": "not-a-ca.txt"|"ca_file": "relay-ca.pem"|' tocsin.json
(cd / && expect_rc 0 --config "$ws/tocsin.json" send "$ws/appeal.json" \
    --smtp "$url" --tls required --test "tester@$RIG_DOMAIN")
no_secret a2
rig_wait_queue
[ "$(rig_count "$RIG_DIR/mail/tester")" -ge 1 ] ||
    fail "--test with smtp.ca_file: nothing delivered to tester"
sed -i 's|"ca_file": "relay-ca.pem"|"ca_file": ""|' tocsin.json

note "b. no CA file: the certificate is refused, nothing leaves"
ws=$(fresh)
cd "$ws"
m=$(mark)
expect_rc 75 send appeal.json --smtp "$url" --tls required
no_secret b
assert_grep 'certificate' "$E2E_TMP/err"
assert_eq "$(count "$ws" deferred)" $N "deliveries deferred"
assert_eq "$(q "$ws" "SELECT count(*) FROM deliveries WHERE state = 'deferred'
    AND reply LIKE '%certificate verification failed%'")" $N \
    "deferred with the certificate problem as reason"
sleep 0.5
since "$m"
assert_grep 'connect from' "$E2E_TMP/log"
assert_no_grep 'sasl_method=|client=localhost' "$E2E_TMP/log"
assert_eq "$(delivered)" $N "messages delivered (only step a's)"

note "d. --tls none with credentials: refused, nothing sent in clear"
ws=$(fresh)
cd "$ws"
m=$(mark)
set +e
TOCSIN_SMTP_CAFILE=$RIG_CA "$TOCSIN" send appeal.json --smtp "$url" \
    --tls none >"$E2E_TMP/out" 2>"$E2E_TMP/err"
rc=$?
set -e
no_secret d
assert_eq "$rc" 78 "exit status of --tls none with credentials"
assert_grep 'does not send them unencrypted' "$E2E_TMP/err"
assert_eq "$(count "$ws" sent)" 0 "deliveries sent"
since "$m"
assert_no_grep 'connect from' "$E2E_TMP/log"

note "d. --tls none without credentials: no AUTH, the relay refuses"
m=$(mark)
set +e
env -u TOCSIN_SMTP_USER -u TOCSIN_SMTP_PASSWORD TOCSIN_SMTP_CAFILE=$RIG_CA \
    "$TOCSIN" send appeal.json --smtp "$url" --tls none \
    >"$E2E_TMP/out" 2>"$E2E_TMP/err"
set -e
no_secret d
assert_grep '5.7.1 .*Access denied' "$E2E_TMP/err"
assert_eq "$(count "$ws" sent)" 0 "deliveries sent"
rig_wait_queue
since "$m"
assert_grep 'reject: RCPT from .*Access denied' "$E2E_TMP/log"
assert_no_grep 'sasl_method=|client=localhost|TLS connection established' \
    "$E2E_TMP/log"
assert_eq "$(delivered)" $N "messages delivered (only step a's)"

note "c. a wrong password: 535, deferred, nothing delivered"
ws=$(fresh)
cd "$ws"
m=$(mark)
# in the background, to look at ps while it runs
TOCSIN_SMTP_CAFILE=$RIG_CA TOCSIN_SMTP_PASSWORD=Wrong-pw-8kQz \
    "$TOCSIN" send appeal.json --smtp "$url" --tls required \
    >"$E2E_TMP/out" 2>"$E2E_TMP/err" &
pid=$!
E2E_PIDS="$E2E_PIDS $pid"
while kill -0 "$pid" 2>/dev/null; do
    if ps -eo args | grep -F -e "$RIG_SMTP_PASS" -e Wrong-pw-8kQz |
        grep -v grep >/dev/null; then
        fail "a password shows in ps"
    fi
    sleep 0.2
done
set +e
wait "$pid"
rc=$?
set -e
assert_eq "$rc" 75 "exit status with a wrong password"
no_secret c
if grep -qF Wrong-pw-8kQz "$E2E_TMP/out" "$E2E_TMP/err"; then
    fail "the wrong password is in tocsin's output"
fi
assert_grep '535 5\.7\.8 .*authentication failed' "$E2E_TMP/err"
assert_eq "$(count "$ws" deferred)" $N "deliveries deferred"
assert_eq "$(q "$ws" "SELECT count(*) FROM deliveries WHERE code >= 500")" 0 \
    "deliveries with a 5xx code"
since "$m"
assert_grep "authentication failed.*sasl_username=$RIG_SMTP_USER" \
    "$E2E_TMP/log"
assert_no_grep 'client=localhost' "$E2E_TMP/log"
assert_eq "$(delivered)" $N "messages delivered (only step a's)"
echo ok
