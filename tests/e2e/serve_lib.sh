# Helpers for the tocsin serve end-to-end tests (50-59).  Source after
# lib.sh.
#
#   serve_workspace            $WS: a workspace with appeals and subscribers
#   serve_start [ARGS]         start tocsin serve on a free port: $PORT, $URL
#   hook ID BODYFILE [TS]      POST a signed webhook: status in $E2E_TMP/code,
#                              body in $E2E_TMP/resp, headers in .../hdr
#   token SEQ SUB              a personal link token

HOOKPY="$E2E_DIR/webhook_client.py"
# Debian's interpreter when there is one: a version manager's shim costs
# a quarter second per call, and these tests call it often.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

# Appeals: 1 "2026-014" (the sample case, cases/example.json, with a
# Persian petition added), 2 "2025-001" closed (a doc that is not an
# appeal: its pages show the title only).  Subscribers, imported with
# tocsin import: 1 Ana (fr), 2 Karim (ar), 3 Olga (ru), 4 Sara (fa).
# TODO(serve): register the appeal with tocsin send once it lands.
serve_workspace() {
    WS=$(workspace)
    $PY - "$TOCSIN_SRC/cases/example.json" "$WS/appeal.json" <<'PY'
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
PY
    $PY - "$WS/tocsin.db" "$WS/appeal.json" <<'PY'
import sqlite3, sys
doc = open(sys.argv[2], encoding="utf-8").read()
c = sqlite3.connect(sys.argv[1])
c.execute("INSERT INTO appeals (seq, id, content_hash, title, doc, not_after,"
          " created, updated) VALUES (1, '2026-014', 'h1', 'Free Leila Haddad',"
          " ?, NULL, 0, 0)", (doc,))
c.execute("INSERT INTO appeals (seq, id, content_hash, title, doc, not_after,"
          " created, updated) VALUES (2, '2025-001', 'h2', 'An old appeal',"
          " '{}', 1000, 0, 0)")
c.commit()
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
    SECRET=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["webhook_secret"])' "$WS/secrets.json")
}

serve_start() {
    PORT=$(free_port)
    URL="http://127.0.0.1:$PORT"
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
