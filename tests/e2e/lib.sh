# Shared helpers for the end-to-end tests.  Source it after "set -eu".
#
#   . "$E2E_DIR/lib.sh"
#   ws=$(workspace)           # a fresh tocsin workspace (tocsin init)
#   port=$(free_port)
#   start_bg NAME cmd args    # background process, stopped by PID on exit
#   wait_port PORT
#   fail "message"; skip "why"; assert_eq A B "what"; assert_grep RE FILE
#
# Everything listens on 127.0.0.1.  Processes started here are stopped by
# their PID when the test exits (trap), never by name.

LC_ALL=C
TZ=UTC
export LC_ALL TZ
: "${TOCSIN:?set TOCSIN to the tocsin binary}"
: "${TOCSIN_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
E2E_NAME=$(basename "$0" .sh)
E2E_TMP=$(mktemp -d "/tmp/tocsin-e2e-$E2E_NAME-XXXXXX")
E2E_PIDS=""
E2E_CLEANUPS=""

e2e_cleanup() {
    rc=$?
    for c in $E2E_CLEANUPS; do
        "$c" || true
    done
    for p in $E2E_PIDS; do
        kill "$p" 2>/dev/null || true
    done
    for p in $E2E_PIDS; do
        i=0
        while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        kill -9 "$p" 2>/dev/null || true
    done
    if [ $rc -eq 0 ] || [ $rc -eq 77 ]; then
        rm -rf "$E2E_TMP"
    else
        echo "e2e: kept $E2E_TMP for inspection" >&2
    fi
    exit $rc
}
trap e2e_cleanup EXIT
trap 'exit 143' INT TERM

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

skip() {
    echo "SKIP: $*"
    exit 77
}

note() {
    echo "--- $*"
}

# Register a function to run at exit (before PIDs are stopped).
at_exit() {
    E2E_CLEANUPS="$E2E_CLEANUPS $1"
}

assert_eq() {
    [ "$1" = "$2" ] || fail "${3:-values differ}: got '$1', expected '$2'"
}

assert_grep() {
    grep -qE -- "$1" "$2" || fail "no line matching /$1/ in $2"
}

assert_no_grep() {
    if grep -qE -- "$1" "$2"; then
        fail "unexpected line matching /$1/ in $2: $(grep -E -- "$1" "$2" | head -1)"
    fi
}

# Run tocsin expecting an exit status: expect_rc STATUS args...
# stdout goes to $E2E_TMP/out, stderr to $E2E_TMP/err.
expect_rc() {
    want=$1
    shift
    set +e
    "$TOCSIN" "$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err"
    got=$?
    set -e
    if [ "$got" != "$want" ]; then
        echo "stdout:" >&2
        head -40 "$E2E_TMP/out" >&2
        echo "stderr:" >&2
        head -40 "$E2E_TMP/err" >&2
        fail "tocsin $*: exit $got, expected $want"
    fi
}

# A fresh workspace: tocsin init in a new folder, path printed.
workspace() {
    d=$(mktemp -d "$E2E_TMP/ws-XXXXXX")
    "$TOCSIN" --quiet init "$d" >/dev/null
    echo "$d"
}

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

wait_port() {
    i=0
    while ! python3 -c 'import socket,sys
s = socket.socket()
s.settimeout(0.2)
s.connect(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt "${2:-100}" ] || fail "nothing listens on 127.0.0.1:$1"
        sleep 0.1
    done
}

# start_bg LOGNAME command args...: run in the background, remember the
# PID (echoed into $E2E_TMP/LOGNAME.pid), log to $E2E_TMP/LOGNAME.log.
start_bg() {
    name=$1
    shift
    "$@" >"$E2E_TMP/$name.log" 2>&1 &
    pid=$!
    E2E_PIDS="$E2E_PIDS $pid"
    echo "$pid" >"$E2E_TMP/$name.pid"
}

# Stop a process started by start_bg, by its PID.
stop_bg() {
    pid=$(cat "$E2E_TMP/$1.pid")
    kill "$pid" 2>/dev/null || true
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -9 "$pid" 2>/dev/null || true
}

need() {
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || skip "$c is not installed (make deps)"
    done
}
