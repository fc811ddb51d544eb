#!/usr/bin/env sh
# Installs Debian's PostgreSQL server binaries when they are missing, for
# __test__/store-postgres.test.js (which runs its own server from them: initdb in a temp dir,
# a free loopback port, stopped by PID). Only the binaries are wanted: no cluster is created
# or started by the package. Set POSTGRES_BIN to a directory holding initdb and postgres to
# use another build.
set -e
if [ -n "$POSTGRES_BIN" ] || command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing postgresql (apt) for the PostgreSQL store test…"
  export DEBIAN_FRONTEND=noninteractive
  if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    mkdir -p /etc/postgresql-common
    echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf
  fi
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql >/dev/null; }
else
  # Not fatal: the test then skips and says why.
  echo "postgresql is missing and cannot be installed here (needs root and apt): the PostgreSQL store test will be skipped" >&2
fi
