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

. "$(dirname "$0")/apt-install.sh"
# the package's post-install starts a system cluster where it can; the tests do not use it
apt_install setup-postgres \
    "the PostgreSQL tests need Debian's postgresql package (apt-get install postgresql, as root)" \
    postgresql postgresql-contrib
found || apt_fail "the postgresql package installed, but no initdb under /usr/lib/postgresql/*/bin"
echo "setup-postgres: installed $(ls /usr/lib/postgresql/*/bin/initdb | tail -1)"
