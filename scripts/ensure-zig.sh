#!/usr/bin/env sh
# Makes zig 0.14.x available for cargo-zigbuild and prints the directory that holds `zig`
# (callers put it first on PATH). zig comes from PyPI's `ziglang` wheel, installed into a
# private venv under $WPRS_TOOLS_DIR (default ~/.cache/web-push-rs). The version is pinned:
# zig >= 0.16's `zig ar` cannot create archives, which breaks aws-lc-sys (aws-lc-rs issue #993).
set -e
ZIG_VERSION=${ZIG_VERSION:-0.14.1}
TOOLS=${WPRS_TOOLS_DIR:-$HOME/.cache/web-push-rs}
BIN="$TOOLS/bin"

if command -v zig >/dev/null 2>&1; then
  case "$(zig version)" in
    0.14.*) dirname "$(command -v zig)"; exit 0 ;;
  esac
fi
if [ -x "$BIN/zig" ] && [ "$("$BIN/zig" version)" = "$ZIG_VERSION" ]; then
  echo "$BIN"
  exit 0
fi

echo "Installing zig $ZIG_VERSION (PyPI ziglang) into $TOOLS/zig-venv…" >&2
mkdir -p "$BIN"
python3 -m venv "$TOOLS/zig-venv" >&2
"$TOOLS/zig-venv/bin/pip" install -q --disable-pip-version-check "ziglang==$ZIG_VERSION" >&2
ZIG=$("$TOOLS/zig-venv/bin/python" -c 'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')
# zig finds its lib/ next to its real path, so a symlink is enough.
ln -sf "$ZIG" "$BIN/zig"
"$BIN/zig" version >&2
echo "$BIN"
