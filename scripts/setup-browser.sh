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

. "$(dirname "$0")/apt-install.sh"
apt_install setup-browser \
    "the browser tests need Debian's chromium at $CHROMIUM (apt-get install chromium, as root)" chromium
[ -x "$CHROMIUM" ] || apt_fail "the chromium package installed, but $CHROMIUM is still missing"
echo "setup-browser: installed $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
