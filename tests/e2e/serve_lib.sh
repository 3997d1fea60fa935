# Helpers for the tocsin serve end-to-end tests (50-59).  Source after
# lib.sh.
#
#   serve_workspace            $WS: a workspace with appeals, subscribers,
#                              the appeal sent; $PORT, $URL chosen
#   serve_start [ARGS]         start tocsin serve on $PORT
#   outbox_link EMAIL s|u      a personal link from the sent message
#   hook ID BODYFILE [TS]      POST a signed webhook: status in $E2E_TMP/code,
#                              body in $E2E_TMP/resp, headers in .../hdr
#   token SEQ SUB              a personal link token

HOOKPY="$E2E_DIR/webhook_client.py"
# Debian's interpreter when there is one: a version manager's shim costs
# a quarter second per call, and these tests call it often.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

# A workspace as a user has it: the sample appeal (cases/example.json,
# id 2026-014, with a Persian version added), four supporters imported
# with tocsin import (1 Ana fr, 2 Karim ar, 3 Olga ru, 4 Sara fa), and
# the appeal sent with tocsin send into the Maildir outbox, its links
# pointing at the server the test will start ($PORT, $URL).  Appeal 2
# "2025-001" is closed and its registered doc is not an appeal (its pages
# show the title only); nothing can send a closed appeal, so it is
# written with sqlite3.
serve_workspace() {
    WS=$(workspace)
    PORT=$(free_port)
    URL="http://127.0.0.1:$PORT"
    cp -r "$TOCSIN_SRC/templates" "$WS/"
    # the Persian message is the English one: these tests look at pages
    cp "$WS/templates/urgent-appeal/en.md" "$WS/templates/urgent-appeal/fa.md"
    $PY - "$TOCSIN_SRC/cases/example.json" "$WS/appeal.json" \
        "$WS/tocsin.json" "$URL" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["id"] = "2026-014"
d["languages"].append("fa")
d.get("fallback", {}).pop("fa", None)
d["case"]["fa"] = dict(d["case"]["en"])
p = d["petition"]
p["title"]["fa"] = "لیلا حداد را آزاد کنید"
p["text"]["fa"] = "خانم وزیر، از شما می‌خواهم لیلا حداد را فوراً آزاد کنید."
p["target"]["fa"] = "وزیر دادگستری کستریا"
json.dump(d, open(sys.argv[2], "w"), ensure_ascii=False, indent=1)
c = json.load(open(sys.argv[3]))
c["base_url"] = sys.argv[4]
json.dump(c, open(sys.argv[3], "w"), indent=2)
PY
    cat >"$WS/supporters.csv" <<'CSV'
email,name,language,country,consent
ana@example.org,Ana Lima,fr,FR,yes
karim@example.org,Karim,ar,EG,yes
olga@example.org,Olga,ru,RU,yes
sara@example.org,Sara,fa,IR,yes
CSV
    "$TOCSIN" --quiet --config "$WS/tocsin.json" import supporters \
        "$WS/supporters.csv" >/dev/null
    [ "$(sqlite3 "$WS/tocsin.db" "SELECT group_concat(id) FROM (SELECT id FROM subscribers ORDER BY id)")" = "1,2,3,4" ] ||
        fail "import gave other subscriber ids"
    (cd "$WS" && "$TOCSIN" --quiet send appeal.json >/dev/null) ||
        fail "tocsin send failed"
    [ "$(ls "$WS/outbox/new" | wc -l)" = 4 ] || fail "send wrote no 4 messages"
    [ "$(sqlite3 "$WS/tocsin.db" "SELECT seq FROM appeals WHERE id = '2026-014'")" = 1 ] ||
        fail "the appeal was not registered as 1"
    sqlite3 "$WS/tocsin.db" "INSERT INTO appeals (seq, id, content_hash,
        title, doc, not_after, created, updated) VALUES (2, '2025-001',
        'h2', 'An old appeal', '{}', 1000, 0, 0)"
    SECRET=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["webhook_secret"])' "$WS/secrets.json")
}

# outbox_link EMAIL s|u: the sign (s) or unsubscribe (u) link of the
# message tocsin send wrote to EMAIL, from its decoded text part
outbox_link() {
    $PY - "$WS/outbox/new" "$1" "$2" <<'PY'
import email, email.policy, os, re, sys
d, to, kind = sys.argv[1:4]
for f in os.listdir(d):
    m = email.message_from_binary_file(open(os.path.join(d, f), "rb"),
                                       policy=email.policy.default)
    if to not in str(m["To"]):
        continue
    text = m.get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"https?://[^\s]+/%s/[a-z2-7]+" % kind, text)
    if found:
        print(found.group(0))
        sys.exit(0)
sys.exit("no /%s/ link in the message to %s" % (kind, to))
PY
}

serve_start() {
    start_bg serve "$TOCSIN" --config "$WS/tocsin.json" serve \
        --listen "127.0.0.1:$PORT" "$@"
    wait_port "$PORT"
}

serve_restart() {
    stop_bg serve
    start_bg serve "$TOCSIN" --config "$WS/tocsin.json" serve \
        --listen "127.0.0.1:$PORT" "$@"
    wait_port "$PORT"
}

token() {
    $PY "$HOOKPY" token "$WS/secrets.json" "$1" "$2"
}

sql() {
    sqlite3 "$WS/tocsin.db" "$1"
}

# hook ID BODYFILE [TIMESTAMP [SIGNATURE]]
hook() {
    ts=${3:-$(date +%s)}
    sig=${4:-$($PY "$HOOKPY" sign "$SECRET" "$1" "$ts" "$2")}
    curl -s -o "$E2E_TMP/resp" -D "$E2E_TMP/hdr" -w '%{http_code}' \
        -H 'Content-Type: application/json' -H "webhook-id: $1" \
        -H "webhook-timestamp: $ts" -H "webhook-signature: $sig" \
        --data-binary "@$2" "$URL/hooks/signatures" >"$E2E_TMP/code"
}

# expect_http CODE: the last request's status
expect_http() {
    got=$(cat "$E2E_TMP/code")
    [ "$got" = "$1" ] || fail "HTTP $got, expected $1: $(head -c 300 "$E2E_TMP/resp")"
}

# get METHOD PATH [curl args]: status into code, body into resp
req() {
    m=$1
    p=$2
    shift 2
    curl -s -o "$E2E_TMP/resp" -D "$E2E_TMP/hdr" -w '%{http_code}' \
        -X "$m" "$@" "$URL$p" >"$E2E_TMP/code"
}
