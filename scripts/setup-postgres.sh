#!/bin/sh
# Installs Debian's PostgreSQL server binaries for the PostgreSQL-backed tests, if missing.
#
# Idempotent: does nothing when initdb is already there (/usr/lib/postgresql/*/bin). Installs
# only the binaries; it never starts the system's own cluster for the tests. The tests start a
# throwaway server of their own on 127.0.0.1 from a temporary folder, and stop and remove it at
# the end of the run (src/undertow/store/pgserver.py, tests/conftest.py::pg_server).
#
# Exits non-zero with a message when the server is missing and cannot be installed.
set -eu

found() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }

if found; then
    echo "setup-postgres: $(ls /usr/lib/postgresql/*/bin/initdb | tail -1) present"
    exit 0
fi

fail() {
    echo "setup-postgres: ERROR: $*" >&2
    echo "setup-postgres: the PostgreSQL tests need Debian's postgresql package" \
        "(apt-get install postgresql, as root); they skip without it, and fail when CI=true." >&2
    exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "PostgreSQL is missing and apt-get is not available (not a Debian system?)"

SUDO=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        fail "PostgreSQL is missing and installing it needs root (run this script as root or with passwordless sudo)"
    fi
fi

echo "setup-postgres: installing Debian's postgresql ..."
export DEBIAN_FRONTEND=noninteractive
# the package's post-install starts a system cluster where it can; the tests do not use it
$SUDO apt-get update -q || fail "apt-get update failed"
$SUDO apt-get install -y -q --no-install-recommends postgresql postgresql-contrib || fail "apt-get install postgresql failed"
found || fail "the postgresql package installed, but no initdb under /usr/lib/postgresql/*/bin"
echo "setup-postgres: installed $(ls /usr/lib/postgresql/*/bin/initdb | tail -1)"
