#!/bin/sh
# make demo: the main job on the embedded defaults, in ./demo.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
tocsin="$top/tocsin"
demo="$top/demo"

if [ -e "$demo/tocsin.json" ]; then
    echo "demo: $demo exists; remove it (rm -rf demo) for a fresh demo"
else
    "$tocsin" init "$demo"
fi
cd "$demo"
# the demo uses the sample templates of the source tree
sed -i 's|"templates_dir": "templates"|"templates_dir": "../templates"|' tocsin.json
"$tocsin" import supporters "$top/lists/sample-supporters.csv"
"$tocsin" lists
