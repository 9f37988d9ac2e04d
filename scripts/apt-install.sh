#!/bin/sh
# Shared by the setup scripts: install Debian packages as root or with passwordless sudo.
#
#   . scripts/apt-install.sh
#   apt_install TAG "what the tests need" PACKAGE...
#
# Exits non-zero with a message naming TAG when apt-get is missing, root is needed, or the
# install fails; the caller checks that what it needs is there afterwards.

apt_fail() {
    echo "$APT_TAG: ERROR: $*" >&2
    echo "$APT_TAG: $APT_NEED; they skip without it, and fail when CI=true." >&2
    exit 1
}

apt_install() {
    APT_TAG=$1
    APT_NEED=$2
    shift 2
    command -v apt-get >/dev/null 2>&1 || apt_fail "$* missing and apt-get is not available (not a Debian system?)"
    SUDO=""
    if [ "$(id -u)" != "0" ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            SUDO="sudo -n"
        else
            apt_fail "installing $* needs root (run this script as root or with passwordless sudo)"
        fi
    fi
    echo "$APT_TAG: installing $* ..."
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q || apt_fail "apt-get update failed"
    $SUDO apt-get install -y -q --no-install-recommends "$@" || apt_fail "apt-get install $* failed"
}
