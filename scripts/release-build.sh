#!/usr/bin/env bash
# Builds the release binaries and puts each in its npm/<platform>/ package.
#
#   npm run release:build                       # the four Linux targets, cross-built from this machine
#   npm run release:build -- aarch64-unknown-linux-musl x86_64-apple-darwin
#
# Linux targets are cross-compiled with `napi build -x` (cargo-zigbuild + zig 0.14.x), glibc
# targets against glibc $WPRS_GLIBC_FLOOR (default 2.17, the floor napi-rs packages use), so
# one binary loads on any distribution from CentOS 7 / Debian 8 on. Other targets (macOS,
# Windows) build natively and must run on that OS (the release workflow's runners). What it
# needs (zig, cargo-zigbuild, rustup targets) it installs itself. Honours CARGO_TARGET_DIR.
# Output: artifacts/<target>/web-push-rs.<platform>.node, also copied into npm/<platform>/.
# Fails if a binary is over $WPRS_MAX_BINARY_BYTES (default 8 MB).
set -euo pipefail
cd "$(dirname "$0")/.."

GLIBC_FLOOR=${WPRS_GLIBC_FLOOR:-2.17}
MAX_BYTES=${WPRS_MAX_BINARY_BYTES:-8000000}
OUT=${WPRS_ARTIFACTS_DIR:-artifacts}
NAPI_CLI=node_modules/@napi-rs/cli/dist/cli.js
LINUX_TARGETS=(x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-unknown-linux-musl aarch64-unknown-linux-musl)

if [ $# -gt 0 ]; then targets=("$@"); else targets=("${LINUX_TARGETS[@]}"); fi
[ -f "$NAPI_CLI" ] || { echo "release-build: $NAPI_CLI is missing: run npm ci first" >&2; exit 1; }
napi() { node "$NAPI_CLI" "$@"; }

cross=()
for target in "${targets[@]}"; do
  case "$target" in
    *-linux-*) cross+=("$target") ;;
    *) rustup target list --installed | grep -qx "$target" || rustup target add "$target" ;;
  esac
done
if [ ${#cross[@]} -gt 0 ]; then
  ZIG_DIR=$(sh scripts/ensure-zig.sh)
  export PATH="$ZIG_DIR:$PATH"
  sh scripts/ensure-cargo-zigbuild.sh "${cross[@]}"
fi

size_of() { wc -c <"$1" | tr -d ' '; }

for target in "${targets[@]}"; do
  dir="$OUT/$target"
  rm -rf "$dir"
  mkdir -p "$dir"
  args=(build --platform --release --no-js --target "$target" --output-dir "$dir")
  case "$target" in
    *-linux-gnu) args=(build --platform --release --no-js -x --target "$target.$GLIBC_FLOOR" --output-dir "$dir") ;;
    *-linux-musl) args+=(-x) ;;
  esac
  echo "== $target: napi ${args[*]}" >&2
  start=$(date +%s)
  napi "${args[@]}"
  # napi writes a .d.ts next to the binary; the package's typings are the committed binding.d.ts.
  find "$dir" -type f ! -name '*.node' -delete
  binary=$(find "$dir" -name '*.node')
  [ -n "$binary" ] || { echo "release-build: no .node file for $target in $dir" >&2; exit 1; }
  bytes=$(size_of "$binary")
  echo "== $target: $(basename "$binary") $bytes bytes in $(( $(date +%s) - start )) s" >&2
  if [ "$bytes" -gt "$MAX_BYTES" ]; then
    echo "release-build: $binary is $bytes bytes, over the limit of $MAX_BYTES" >&2
    exit 1
  fi
  # Into its platform package. (The publish job gathers all seven with `napi artifacts`, which
  # insists on every configured target; here a subset is built.)
  platform=$(basename "$binary" .node)
  platform=${platform#web-push-rs.}
  [ -d "npm/$platform" ] || { echo "release-build: no package npm/$platform for $target" >&2; exit 1; }
  cp "$binary" "npm/$platform/"
  echo "== $target: copied to npm/$platform/" >&2
done
