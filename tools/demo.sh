#!/bin/sh
# make demo: the main job on the embedded defaults, in ./demo: a
# workspace, the sample supporters, the sample appeal checked and sent
# into the Maildir outbox (no mail server needed), the summary, and where
# the messages are.  Running it again resumes: nobody gets it twice.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
tocsin="$top/tocsin"
demo="$top/demo"

if [ -e "$demo/tocsin.json" ]; then
    echo "demo: using the existing $demo (rm -rf demo for a fresh one)"
else
    # with the sample appeal: cases/, templates/, lists/ in the workspace
    TOCSIN_DATADIR=$top "$tocsin" init "$demo"
fi
cd "$demo"
echo
echo "== tocsin import supporters lists/sample-supporters.csv"
"$tocsin" import supporters lists/sample-supporters.csv
echo
echo "== tocsin lists"
"$tocsin" lists
echo
echo "== tocsin check cases/example.json"
"$tocsin" check cases/example.json
echo
echo "== tocsin send cases/example.json"
"$tocsin" send cases/example.json
echo
n=$(find outbox/new -type f | wc -l)
first=$(find outbox/new -type f | sort | head -1)
echo "demo: $n messages in $demo/outbox/new (a Maildir: any mail client"
echo "      can open it, e.g. mutt -f $demo/outbox)"
if [ -n "$first" ]; then
    echo "      one of them: less $demo/$first"
fi
