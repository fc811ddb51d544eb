#!/usr/bin/env sh
# Installs Debian's firefox-esr for the real-browser end-to-end test when it is missing.
# (The test drives it with puppeteer-core over WebDriver BiDi; no browser is downloaded.)
set -e
if command -v firefox-esr >/dev/null 2>&1 || command -v firefox >/dev/null 2>&1 || [ -n "$FIREFOX" ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing firefox-esr (apt) for the browser test…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq firefox-esr >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq firefox-esr >/dev/null; }
else
  echo "firefox-esr is missing and cannot be installed here (needs root and apt): install it, or set FIREFOX=/path/to/firefox" >&2
  exit 1
fi
