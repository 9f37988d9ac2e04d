#!/bin/sh
# Installs Debian's chromium for the browser tests (tests/test_browser.py), if it is missing.
#
# Idempotent: does nothing when /usr/bin/chromium is already there. Never runs
# `playwright install` (it downloads a browser from a CDN, which a closed network refuses);
# playwright drives this Debian build through executable_path="/usr/bin/chromium".
#
# Exits non-zero with a message when chromium is missing and cannot be installed.
set -eu

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    echo "setup-browser: $CHROMIUM present ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
    exit 0
fi

fail() {
    echo "setup-browser: ERROR: $*" >&2
    echo "setup-browser: the browser tests need Debian's chromium at $CHROMIUM" \
        "(apt-get install chromium, as root); they skip without it, and fail when CI=true." >&2
    exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "$CHROMIUM is missing and apt-get is not available (not a Debian system?)"

SUDO=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        fail "$CHROMIUM is missing and installing it needs root (run this script as root or with passwordless sudo)"
    fi
fi

echo "setup-browser: installing Debian's chromium ..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q || fail "apt-get update failed"
$SUDO apt-get install -y -q --no-install-recommends chromium || fail "apt-get install chromium failed"

[ -x "$CHROMIUM" ] || fail "the chromium package installed, but $CHROMIUM is still missing"
echo "setup-browser: installed $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
