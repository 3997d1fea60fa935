#!/bin/sh
# The Mustache engine alone: renders per second of one compiled body
# (bench/template_bench.c), against the release objects of "make".
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cd "$top"
make --no-print-directory -s tocsin >/dev/null
mkdir -p build/bench
${CC:-cc} -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Imailer \
    $(pkg-config --cflags jansson) -o build/bench/template_bench \
    bench/template_bench.c build/rel/template.o build/rel/template_render.o \
    build/rel/buf.o build/rel/util.o build/rel/err.o $(pkg-config --libs jansson)
./build/bench/template_bench | tee "$here/out/template.txt"
