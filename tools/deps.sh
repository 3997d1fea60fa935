#!/bin/sh
# Install, with apt, every package tocsin's build, tests and test servers
# need. Idempotent: a no-op when everything is present. Debian 12.
#
# libetpan-dev pulls libcurl4-gnutls-dev, which conflicts with
# libcurl4-openssl-dev: we use the GnuTLS flavour throughout.
set -eu

PKGS="build-essential pkg-config
libcurl4-gnutls-dev libetpan-dev libjansson-dev libsqlite3-dev
libmicrohttpd-dev libcmark-dev libidn2-dev libgnutls28-dev libcsv-dev
libcmocka-dev
sqlite3 clang clang-format clang-tools libclang-rt-14-dev
python3 curl ca-certificates openssl iproute2 procps time
postfix dovecot-imapd dovecot-pop3d
chromium chromium-driver wrk slowhttptest"

missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in
    *"ok installed"*) ;;
    *) missing="$missing $p" ;;
    esac
done

if [ -z "$missing" ]; then
    echo "deps: all packages present"
    exit 0
fi

echo "deps: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "deps: need root (or sudo) to install:$missing" >&2
        exit 77
    fi
fi
export DEBIAN_FRONTEND=noninteractive
# Postfix is only used by the tests, with their own configuration
# directories: install it without setting up a system mail daemon.
echo "postfix postfix/main_mailer_type select No configuration" |
    $SUDO debconf-set-selections
$SUDO apt-get update -q
had_dovecot=$(dpkg-query -W -f='${Status}' dovecot-core 2>/dev/null || true)
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
# Dovecot too is only for the tests (their own configuration, loopback):
# its package starts a system daemon on every address (110, 143, 993,
# 995).  If this run installed it, stop that daemon and keep it off.
case "$had_dovecot" in
*"ok installed"*) ;;
*)
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        $SUDO systemctl disable --now dovecot.service dovecot.socket \
            >/dev/null 2>&1 || true
    elif [ -x /etc/init.d/dovecot ]; then
        $SUDO /etc/init.d/dovecot stop >/dev/null 2>&1 || true
        $SUDO update-rc.d dovecot disable >/dev/null 2>&1 || true
    fi
    ;;
esac
echo "deps: done"
