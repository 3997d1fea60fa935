#!/bin/sh
# Run every end-to-end test (tests/e2e/NN-name.sh) against $TOCSIN.
# E2E_ONLY=pattern runs only the matching scripts.  Exit 77 = skipped.
set -eu
LC_ALL=C TZ=UTC
export LC_ALL TZ

here=$(cd "$(dirname "$0")" && pwd)
: "${TOCSIN:?set TOCSIN to the tocsin binary}"
export TOCSIN E2E_DIR="$here"
top=$(cd "$here/../.." && pwd)
export TOCSIN_SRC="$top"
# init copies the sample appeal from here, whichever binary runs
TOCSIN_DATADIR="$top"
export TOCSIN_DATADIR

pass=0 fail=0 skip=0 failed=""
for t in "$here"/[0-9][0-9]-*.sh; do
    name=$(basename "$t" .sh)
    case "$name" in
    *${E2E_ONLY:-}*) ;;
    *) continue ;;
    esac
    log="$top/build/e2e/$name.log"
    mkdir -p "$top/build/e2e"
    start=$(date +%s)
    set +e
    timeout -k 10 900 sh "$t" >"$log" 2>&1
    rc=$?
    set -e
    secs=$(( $(date +%s) - start ))
    if [ $rc -eq 0 ]; then
        pass=$((pass + 1))
        echo "PASS $name (${secs}s)"
    elif [ $rc -eq 77 ]; then
        skip=$((skip + 1))
        echo "SKIP $name: $(grep '^SKIP:' "$log" | tail -1 | cut -c7-)"
    else
        fail=$((fail + 1))
        failed="$failed $name"
        echo "FAIL $name (exit $rc, ${secs}s); last lines of $log:"
        tail -25 "$log" | sed 's/^/    /'
    fi
done
echo "e2e: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] || { echo "e2e: failed:$failed"; exit 1; }
