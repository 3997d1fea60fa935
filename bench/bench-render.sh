#!/bin/sh
# Rendering alone: messages per second (subject + preheader + text + HTML
# of one recipient, no MIME) for the sample appeal, one core
# (bench/render_bench.c), against the release objects of "make".
# RENDER_N sets the number of renders (default 500000).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cd "$top"
make --no-print-directory -s tocsin >/dev/null
mkdir -p build/bench "$here/out"
objs=$(ls build/rel/*.o | grep -v '/main\.o$')
pkgs="libcurl libetpan jansson sqlite3 libmicrohttpd libcmark libidn2 gnutls"
# shellcheck disable=SC2046,SC2086
${CC:-cc} -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Imailer \
    $(pkg-config --cflags $pkgs) -o build/bench/render_bench \
    bench/render_bench.c $objs \
    $(pkg-config --libs $pkgs | tr ' ' '\n' | grep -v '^-specs=' | tr '\n' ' ') \
    -lcsv -lpthread
./build/bench/render_bench "${RENDER_N:-500000}" | tee "$here/out/render.txt"
