#!/usr/bin/env sh
# Installs Debian's redis-server for the campaign (web-push-rs/queue) tests when it is missing.
# The tests start their own redis-server on a free loopback port with a temporary directory
# (AOF on, appendfsync always) and stop it by PID; the system service is not used.
set -e
if command -v redis-server >/dev/null 2>&1 || [ -n "$REDIS_SERVER" ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing redis-server (apt) for the campaign tests…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends redis-server >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq --no-install-recommends redis-server >/dev/null; }
  # The package starts a system service where an init system runs; the tests do not need it.
  if command -v service >/dev/null 2>&1; then service redis-server stop >/dev/null 2>&1 || true; fi
else
  echo "redis-server is missing and cannot be installed here (needs root and apt): install it, or set REDIS_SERVER=/path/to/redis-server" >&2
  exit 1
fi
