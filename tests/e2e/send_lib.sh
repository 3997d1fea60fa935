# Helpers for the tocsin send tests (35-49).  Source after lib.sh.
#
#   ws=$(send_ws)              workspace using the sample templates; the
#                              appeal is $ws/appeal.json (cases/example.json)
#   send_seed WS N [DOMAIN]    list "supporters" with N subscribers in
#                              en fr es ar ru (id 1..N, userI@DOMAIN)
#   sink_start NAME DUMPDIR [smtp-sink options...]  -> $SINK_PORT
#   send_check ARGS...         tests/e2e/send_check.py
#   q WS SQL                   one sqlite3 query on the workspace database

send_ws() {
    w=$(workspace)
    # the sample templates of the source tree; a test base URL
    sed -i "s|\"templates_dir\": \"templates\"|\"templates_dir\": \"$TOCSIN_SRC/templates\"|" \
        "$w/tocsin.json"
    cp "$TOCSIN_SRC/cases/example.json" "$w/appeal.json"
    echo "$w"
}

send_seed() {
    sqlite3 "$1/tocsin.db" <<EOF
INSERT OR IGNORE INTO lists (id, name, trusted, created)
    VALUES (1, 'supporters', 0, 0);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
INSERT OR IGNORE INTO subscribers (id, email, email_key, email_display, name, language,
    consent, status, created, updated)
SELECT i, 'user' || i || '@${3:-example.net}', 'user' || i || '@${3:-example.net}',
    'user' || i || '@${3:-example.net}',
    CASE i % 5 WHEN 0 THEN 'Ana Pérez' WHEN 1 THEN 'Zoë Martin'
        WHEN 2 THEN 'José Núñez' WHEN 3 THEN 'ليلى حداد' ELSE 'Анна Петрова' END,
    CASE i % 5 WHEN 0 THEN 'en' WHEN 1 THEN 'fr' WHEN 2 THEN 'es'
        WHEN 3 THEN 'ar' ELSE 'ru' END,
    1, 'active', 0, 0 FROM n;
INSERT OR IGNORE INTO list_members (list_id, subscriber_id, added)
    SELECT 1, id, 0 FROM subscribers;
EOF
}

q() {
    sqlite3 "$1/tocsin.db" "$2"
}

# smtp-sink on a free port, dumping every transaction into DUMPDIR.
sink_start() {
    name=$1
    dump=$2
    shift 2
    need smtp-sink
    mkdir -p "$dump"
    chmod 755 "$E2E_TMP"
    chmod 777 "$dump"
    SINK_PORT=$(free_port)
    if [ "$(id -u)" -eq 0 ]; then
        set -- -u nobody "$@"
    fi
    start_bg "$name" smtp-sink "$@" -d "$dump/%H%M%S." \
        "127.0.0.1:$SINK_PORT" 256
    wait_port "$SINK_PORT"
}

send_check() {
    python3 "$E2E_DIR/send_check.py" "$@"
}
