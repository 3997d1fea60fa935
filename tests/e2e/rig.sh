# The mail rig for end-to-end tests: a real Postfix with its own
# configuration directory and a real Dovecot with its own configuration
# file, both on loopback, free ports, stopped by PID.  Source it after
# lib.sh:
#
#   . "$E2E_DIR/lib.sh"
#   . "$E2E_DIR/rig.sh"
#   rig_start [USER...]  # or: skips (77) when not root or not installed;
#                        # USERs get a mailbox (USER@rig.test delivered)
#
# With RIG_SUBMIT=1 set before rig_start, Postfix also listens on a
# submission port that relays only for clients that logged in, and takes
# a login only after STARTTLS (SASL through Dovecot's auth service).
#
# Then:
#   RIG_SMTP_PORT        Postfix smtpd (plain SMTP, 127.0.0.1)
#   RIG_SUBMIT_PORT      (RIG_SUBMIT=1) Postfix smtpd, syslog name
#                        postfix/submit: STARTTLS with a certificate for
#                        127.0.0.1 and localhost signed by RIG_CA, AUTH
#                        PLAIN/LOGIN after STARTTLS only, mail accepted
#                        only after AUTH; TLS and SASL logged
#   RIG_SMTP_USER RIG_SMTP_PASS  (RIG_SUBMIT=1) the login it takes
#   RIG_IMAP_PORT        Dovecot IMAP (STARTTLS), RIG_IMAPS_PORT (TLS)
#   RIG_POP3_PORT        Dovecot POP3 (STLS), RIG_POP3S_PORT (TLS)
#   RIG_CA               the test CA (PEM) that signed Dovecot's certificate
#   RIG_USER RIG_PASS    the bounce mailbox login (bounces / secret)
#   RIG_MAILDIR          the bounce mailbox as a Maildir
#   RIG_DOMAIN           recipients: USER@rig.test is delivered when USER is
#                        listed by rig_add_user, bounced (5.1.1) otherwise
#   RIG_SOFT_DOMAIN      every recipient here fails 4.2.2 and, tried only
#                        once, comes back as a failed (4.2.2) report
#   RIG_BOUNCE_DOMAIN    bounces+ANYTHING@RIG_BOUNCE_DOMAIN lands in the
#                        bounce mailbox (recipient_delimiter = +)
#
#   rig_add_user NAME    make NAME@rig.test an existing mailbox (after
#                        rig_start it reloads Postfix: slower)
#   rig_wait_mail N      wait until the bounce Maildir holds N messages
#   rig_wait_queue       wait until Postfix's queue is empty
#   rig_stop             stop both (also done at exit)
#
# Nothing here touches the system's Postfix or Dovecot configuration or
# any process the test did not start.

RIG_DOMAIN=rig.test
RIG_SOFT_DOMAIN=soft.rig.test
RIG_BOUNCE_DOMAIN=bounce.rig.test
RIG_USER=bounces
RIG_PASS=secret
# a password that appears nowhere else, so a test can look for leaks
RIG_SMTP_USER=mailer
RIG_SMTP_PASS=Vx7-relay-pw-q2Lm9
# one virtual uid/gid shared by Postfix's virtual delivery and Dovecot
RIG_VUID=5000

rig_need() {
    [ "$(id -u)" -eq 0 ] || skip "the Postfix/Dovecot rig needs root"
    need openssl
    for c in /usr/sbin/postfix /usr/sbin/postconf /usr/sbin/dovecot; do
        [ -x "$c" ] || skip "$c is not installed (make deps)"
    done
    id postfix >/dev/null 2>&1 || skip "no postfix user (make deps)"
    id dovenull >/dev/null 2>&1 || skip "no dovenull user (make deps)"
}

# A CA and a server certificate for 127.0.0.1 / localhost signed by it.
rig_certs() {
    d=$RIG_DIR/tls
    mkdir -p "$d"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=tocsin test CA" \
        -keyout "$d/ca.key" -out "$d/ca.pem" \
        -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign >/dev/null 2>&1
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -subj "/CN=localhost" \
        -keyout "$d/server.key" -out "$d/server.csr" >/dev/null 2>&1
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
        >"$d/ext.cnf"
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
        -CAcreateserial -days 2 -extfile "$d/ext.cnf" \
        -out "$d/server.pem" >/dev/null 2>&1
    chmod 644 "$d"/*.pem
    RIG_CA=$d/ca.pem
}

rig_postfix_conf() {
    pc=$RIG_DIR/postfix
    mkdir -p "$pc/etc" "$pc/spool" "$pc/data"
    chown postfix "$pc/data"
    cat >"$pc/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $pc/spool
data_directory = $pc/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.$RIG_DOMAIN
mydomain = $RIG_DOMAIN
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
relay_domains =
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
recipient_delimiter = +
smtpd_reject_unlisted_recipient = no
virtual_mailbox_domains = $RIG_DOMAIN, $RIG_BOUNCE_DOMAIN
virtual_mailbox_base = $RIG_DIR/mail
virtual_mailbox_maps = texthash:$pc/etc/vmailbox
virtual_uid_maps = static:$RIG_VUID
virtual_gid_maps = static:$RIG_VUID
virtual_minimum_uid = 100
transport_maps = texthash:$pc/etc/transport
maillog_file = $RIG_DIR/postfix.log
maillog_file_prefixes = $RIG_DIR
# the soft domain is tried once and then returned (RFC 3464 report)
maximal_queue_lifetime = 0
bounce_queue_lifetime = 0
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
delay_warning_time = 0
smtputf8_enable = no
biff = no
alias_maps =
alias_database =
local_recipient_maps =
EOF
    # no "smtp inet" on port 25: one smtpd on a free loopback port
    cat >"$pc/etc/master.cf" <<EOF
127.0.0.1:$RIG_SMTP_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
    if [ -n "${RIG_SUBMIT:-}" ]; then
        # Non-chrooted, so the SASL socket is an absolute path into
        # Dovecot's base_dir.  No permit_mynetworks here: 127.0.0.1 is in
        # mynetworks, and this port must relay for a login only.
        cat >>"$pc/etc/master.cf" <<EOF
127.0.0.1:$RIG_SUBMIT_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submit
  -o smtpd_tls_security_level=may
  -o smtpd_tls_cert_file=$RIG_DIR/tls/server.pem
  -o smtpd_tls_key_file=$RIG_DIR/tls/server.key
  -o smtpd_tls_loglevel=1
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_type=dovecot
  -o smtpd_sasl_path=$RIG_DIR/dovecot/run/auth-postfix
  -o smtpd_client_restrictions=
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
EOF
    fi
    printf '%s@%s %s/\n' "$RIG_USER" "$RIG_BOUNCE_DOMAIN" "$RIG_USER" \
        >"$pc/etc/vmailbox"
    # retry: is a soft failure (error: always bounces as 5.0.0)
    printf '%s retry:4.2.2 mailbox full (rig)\n' "$RIG_SOFT_DOMAIN" \
        >"$pc/etc/transport"
}

rig_add_user() {
    printf '%s@%s %s/\n' "$1" "$RIG_DOMAIN" "$1" >>"$RIG_DIR/postfix/etc/vmailbox"
    if [ -n "${RIG_POSTFIX_UP:-}" ]; then
        /usr/sbin/postfix -c "$RIG_DIR/postfix/etc" reload >/dev/null 2>&1
    fi
}

rig_dovecot_conf() {
    dc=$RIG_DIR/dovecot
    mkdir -p "$dc/run" "$dc/state"
    printf '%s:{PLAIN}%s\n' "$RIG_USER" "$RIG_PASS" >"$dc/users"
    if [ -n "${RIG_SUBMIT:-}" ]; then
        printf '%s:{PLAIN}%s\n' "$RIG_SMTP_USER" "$RIG_SMTP_PASS" >>"$dc/users"
    fi
    chmod 644 "$dc/users"
    cat >"$dc/dovecot.conf" <<EOF
base_dir = $dc/run
state_dir = $dc/state
instance_name = tocsin-rig-$$
log_path = $RIG_DIR/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <$RIG_DIR/tls/server.pem
ssl_key = <$RIG_DIR/tls/server.key
disable_plaintext_auth = yes
auth_failure_delay = 0
auth_mechanisms = plain login
mail_location = maildir:$RIG_DIR/mail/%n
first_valid_uid = $RIG_VUID
last_valid_uid = $RIG_VUID
mail_uid = $RIG_VUID
mail_gid = $RIG_VUID
pop3_uidl_format = %08Xu%08Xv
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $dc/users
}
userdb {
  driver = static
  args = uid=$RIG_VUID gid=$RIG_VUID home=$RIG_DIR/mail/%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $RIG_IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $RIG_IMAPS_PORT
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $RIG_POP3_PORT
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = $RIG_POP3S_PORT
    ssl = yes
  }
}
EOF
    if [ -n "${RIG_SUBMIT:-}" ]; then
        # Postfix's smtpd (user postfix) asks here whether a login is good
        cat >>"$dc/dovecot.conf" <<EOF
service auth {
  unix_listener auth-postfix {
    mode = 0660
    user = postfix
    group = postfix
  }
}
EOF
    fi
}

rig_start() {
    rig_need
    RIG_DIR=$E2E_TMP/rig
    mkdir -p "$RIG_DIR/mail"
    # Postfix's and Dovecot's unprivileged processes must reach their files
    chmod 755 "$E2E_TMP" "$RIG_DIR"
    chown "$RIG_VUID:$RIG_VUID" "$RIG_DIR/mail"
    RIG_MAILDIR=$RIG_DIR/mail/$RIG_USER
    RIG_SMTP_PORT=$(free_port)
    RIG_IMAP_PORT=$(free_port)
    RIG_IMAPS_PORT=$(free_port)
    RIG_POP3_PORT=$(free_port)
    RIG_POP3S_PORT=$(free_port)
    if [ -n "${RIG_SUBMIT:-}" ]; then
        RIG_SUBMIT_PORT=$(free_port)
    fi
    rig_certs
    rig_postfix_conf
    rig_dovecot_conf
    for u in "$@"; do
        rig_add_user "$u"
    done
    at_exit rig_stop
    /usr/sbin/postfix -c "$RIG_DIR/postfix/etc" start \
        >"$RIG_DIR/postfix-start.log" 2>&1 ||
        { cat "$RIG_DIR/postfix-start.log" >&2; fail "postfix did not start"; }
    RIG_POSTFIX_UP=1
    /usr/sbin/dovecot -c "$RIG_DIR/dovecot/dovecot.conf" \
        >"$RIG_DIR/dovecot-start.log" 2>&1 ||
        { cat "$RIG_DIR/dovecot-start.log" >&2; fail "dovecot did not start"; }
    RIG_DOVECOT_UP=1
    wait_port "$RIG_SMTP_PORT"
    wait_port "$RIG_IMAPS_PORT"
    wait_port "$RIG_POP3S_PORT"
    if [ -n "${RIG_SUBMIT:-}" ]; then
        wait_port "$RIG_SUBMIT_PORT"
        rig_wait_file "$RIG_DIR/dovecot/run/auth-postfix"
    fi
    note "rig: smtp $RIG_SMTP_PORT imap $RIG_IMAP_PORT imaps $RIG_IMAPS_PORT" \
        "pop3 $RIG_POP3_PORT pop3s $RIG_POP3S_PORT" \
        "${RIG_SUBMIT_PORT:+submit $RIG_SUBMIT_PORT}"
}

# Wait until a socket (or any file) exists.
rig_wait_file() {
    i=0
    while [ ! -e "$1" ]; do
        i=$((i + 1))
        [ $i -lt 100 ] || fail "$1 did not appear"
        sleep 0.1
    done
}

# The PID a daemon wrote, or nothing.
rig_pid() {
    [ -f "$1" ] && head -1 "$1" | tr -d ' '
}

rig_wait_gone() {
    i=0
    while [ -n "$1" ] && kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
}

rig_stop() {
    dpid=
    ppid=
    if [ -n "${RIG_DOVECOT_UP:-}" ]; then
        dpid=$(rig_pid "$RIG_DIR/dovecot/run/master.pid" || true)
        [ -z "$dpid" ] || kill "$dpid" 2>/dev/null || true
        RIG_DOVECOT_UP=
    fi
    if [ -n "${RIG_POSTFIX_UP:-}" ]; then
        ppid=$(rig_pid "$RIG_DIR/postfix/spool/pid/master.pid" || true)
        [ -z "$ppid" ] || kill "$ppid" 2>/dev/null || true
        RIG_POSTFIX_UP=
    fi
    # Dovecot takes 1-3 s to stop: wait before the folder is removed
    rig_wait_gone "$dpid"
    rig_wait_gone "$ppid"
}

# Number of messages in a Maildir (new and cur).
rig_count() {
    find "$1/new" "$1/cur" -type f 2>/dev/null | wc -l | tr -d ' '
}

rig_wait_mail() {
    i=0
    while [ "$(rig_count "$RIG_MAILDIR")" -lt "$1" ]; do
        i=$((i + 1))
        if [ $i -ge "${2:-150}" ]; then
            tail -20 "$RIG_DIR/postfix.log" >&2 || true
            fail "bounce mailbox: $(rig_count "$RIG_MAILDIR") messages, expected $1"
        fi
        sleep 0.1
    done
}

rig_wait_queue() {
    i=0
    while [ -n "$(find "$RIG_DIR/postfix/spool/incoming" \
        "$RIG_DIR/postfix/spool/active" "$RIG_DIR/postfix/spool/deferred" \
        "$RIG_DIR/postfix/spool/maildrop" -type f 2>/dev/null)" ]; do
        i=$((i + 1))
        [ $i -lt "${1:-150}" ] || fail "postfix queue not empty"
        sleep 0.1
    done
}

# Send a message through the rig with python's smtplib:
# rig_smtp FROM TO FILE
rig_smtp() {
    python3 - "$RIG_SMTP_PORT" "$1" "$2" "$3" <<'PY'
import smtplib, sys
port, sender, rcpt, path = sys.argv[1:5]
with open(path, "rb") as f:
    data = f.read()
with smtplib.SMTP("127.0.0.1", int(port), timeout=10) as s:
    s.sendmail(sender, [rcpt], data)
PY
}
