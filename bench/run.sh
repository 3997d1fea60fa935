#!/bin/sh
# make bench: every benchmark in bench/, figures into bench/out/.
# Benchmarks are measurements, not tests: nothing here fails on a figure.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/out"
for b in "$here"/bench-*.sh; do
    [ -e "$b" ] || continue
    echo "== $(basename "$b")"
    sh "$b"
done
