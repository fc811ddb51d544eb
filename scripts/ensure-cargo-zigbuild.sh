#!/usr/bin/env sh
# Installs cargo-zigbuild (crates.io, pinned) and the Rust std of each target given as an
# argument (`rustup target add`), when missing. Targets may carry a glibc suffix
# (x86_64-unknown-linux-gnu.2.17): it is dropped for rustup.
set -e
ZIGBUILD_VERSION=${ZIGBUILD_VERSION:-0.24.1}

if ! cargo-zigbuild --version >/dev/null 2>&1; then
  echo "Installing cargo-zigbuild $ZIGBUILD_VERSION (crates.io)…" >&2
  cargo install --locked --version "$ZIGBUILD_VERSION" cargo-zigbuild >&2
fi

installed=$(rustup target list --installed)
for target in "$@"; do
  triple=${target%%.*}
  if ! printf '%s\n' "$installed" | grep -qx "$triple"; then
    echo "rustup target add $triple" >&2
    rustup target add "$triple" >&2
  fi
done
