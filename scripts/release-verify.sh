#!/usr/bin/env bash
# Checks the Linux release binaries that release-build.sh put in npm/<platform>/:
#
#   npm run release:verify                          # all four Linux targets
#   npm run release:verify -- aarch64-unknown-linux-gnu
#
# For each: size <= $WPRS_MAX_BINARY_BYTES (8 MB); readelf: the right machine, and the shared
# libraries it needs are only the C library's (glibc: libc/libm/libdl/libpthread/librt/libgcc_s
# and the loader, with no symbol version above GLIBC_$WPRS_GLIBC_FLOOR; musl: only musl's
# libc, no glibc symbol versions). Then the smoke test (scripts/release-smoke.js: keys,
# encrypt + decrypt against http_ece, VAPID verify, a send to the local push service):
#   linux-x64-gnu    with this machine's node;
#   linux-arm64-gnu  with an arm64 node under qemu-user (scripts/ensure-qemu.sh);
#   *-musl           readelf only: no musl Node.js is published on the registries this
#                    machine reaches (the release workflow runs the x64 one on Alpine).
set -euo pipefail
cd "$(dirname "$0")/.."

GLIBC_FLOOR=${WPRS_GLIBC_FLOOR:-2.17}
MAX_BYTES=${WPRS_MAX_BINARY_BYTES:-8000000}
ALL=(x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-unknown-linux-musl aarch64-unknown-linux-musl)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${ALL[@]}"); fi

fail() { echo "release-verify: $*" >&2; exit 1; }
command -v readelf >/dev/null 2>&1 || fail "readelf is missing (Debian: apt-get install binutils)"

# x86_64-unknown-linux-gnu -> linux-x64-gnu
platform_of() {
  local arch abi
  case "$1" in
    x86_64-*) arch=x64 ;;
    aarch64-*) arch=arm64 ;;
    *) fail "not a Linux target this script checks: $1" ;;
  esac
  case "$1" in
    *-linux-gnu) abi=gnu ;;
    *-linux-musl) abi=musl ;;
    *) fail "not a Linux target this script checks: $1" ;;
  esac
  echo "linux-$arch-$abi"
}

# "a.b" <= "c.d" for glibc versions
version_le() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$1" ]; }

for target in "${targets[@]}"; do
  platform=$(platform_of "$target")
  node_file="npm/$platform/web-push-rs.$platform.node"
  [ -f "$node_file" ] || fail "$node_file is missing: run npm run release:build -- $target"
  bytes=$(wc -c <"$node_file" | tr -d ' ')
  [ "$bytes" -le "$MAX_BYTES" ] || fail "$node_file is $bytes bytes, over $MAX_BYTES"

  machine=$(readelf -h "$node_file" | sed -n 's/^ *Machine: *//p')
  case "$platform" in
    linux-x64-*) [ "$machine" = "Advanced Micro Devices X86-64" ] || fail "$node_file is for '$machine', not x86-64" ;;
    linux-arm64-*) [ "$machine" = "AArch64" ] || fail "$node_file is for '$machine', not AArch64" ;;
  esac

  needed=$(readelf -d "$node_file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
  glibc_versions=$(readelf -V "$node_file" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tr '\n' ' ' || true)
  case "$platform" in
    *-gnu)
      for lib in $needed; do
        case "$lib" in
          libc.so.6 | libm.so.6 | libdl.so.2 | libpthread.so.0 | librt.so.1 | libgcc_s.so.1 | ld-linux-x86-64.so.2 | ld-linux-aarch64.so.1) ;;
          *) fail "$node_file needs $lib, not part of glibc" ;;
        esac
      done
      newest=$(echo "$glibc_versions" | tr ' ' '\n' | grep . | tail -n1)
      [ -n "$newest" ] || fail "$node_file has no GLIBC symbol versions: not a glibc build?"
      version_le "$newest" "$GLIBC_FLOOR" || fail "$node_file needs GLIBC_$newest, newer than the floor $GLIBC_FLOOR"
      libc_note="glibc >= $newest"
      ;;
    *-musl)
      [ -z "$glibc_versions" ] || fail "$node_file has glibc symbol versions ($glibc_versions): not a musl build"
      for lib in $needed; do
        case "$lib" in
          libc.so | libc.musl-*.so.1 | ld-musl-*.so.1) ;;
          *) fail "$node_file needs $lib; a musl build needs only musl's libc" ;;
        esac
      done
      libc_note="musl"
      ;;
  esac
  echo "== $platform: $bytes bytes, $machine, needs: ${needed:-nothing}($libc_note)"

  start=$(date +%s)
  case "$platform" in
    linux-x64-gnu)
      if [ "$(uname -m)" = x86_64 ]; then
        node scripts/release-smoke.js "$node_file"
      else
        echo "   (not an x86_64 machine: smoke test skipped)"
      fi
      ;;
    linux-arm64-gnu)
      if [ "$(uname -m)" = aarch64 ]; then
        node scripts/release-smoke.js "$node_file"
      else
        node_arm64=$(sh scripts/ensure-qemu.sh)
        qemu-aarch64-static -L /usr/aarch64-linux-gnu "$node_arm64" scripts/release-smoke.js "$node_file"
      fi
      ;;
    *-musl)
      echo "   (musl: readelf checks only; no musl Node.js from the registries here)"
      ;;
  esac
  echo "== $platform: verified in $(( $(date +%s) - start )) s"
done
