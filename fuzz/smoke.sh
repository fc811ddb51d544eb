#!/usr/bin/env bash
# Fuzz smoke test: builds every target, writes the seed corpora, runs each target for
# FUZZ_SECONDS (default 30) and exits non-zero if any of them finds a crash.
#
#   fuzz/smoke.sh                   # from anywhere in the repository
#   FUZZ_SECONDS=300 fuzz/smoke.sh  # longer
#   FUZZ_JOBS=2 fuzz/smoke.sh       # cargo build jobs (default 1: the machine has 2 cores)
#
# The machine has a stable toolchain only: RUSTC_BOOTSTRAP=1 lets it take the nightly flags
# cargo-fuzz passes (-Zsanitizer=address, sancov). Builds go to fuzz/target, crashes to
# fuzz/artifacts/<target>, the corpus to fuzz/corpus/<target> (all gitignored).
set -euo pipefail

cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-30}"
export RUSTC_BOOTSTRAP=1
export CARGO_BUILD_JOBS="${FUZZ_JOBS:-1}"
targets=(decrypt_aes128gcm decrypt_aesgcm parse_keys push_service_checks)

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

start=$(date +%s)
echo "== building ${#targets[@]} targets (debug assertions + AddressSanitizer)"
cargo fuzz build -a

echo "== seeds"
node fuzz/build-corpus.js

failed=()
for target in "${targets[@]}"; do
  echo "== ${target}: ${seconds}s"
  # -max_len: above the 4096-byte push message, so the 413 path and long bodies are reached.
  if ! cargo fuzz run -a "$target" -- \
      -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
      -dict=fuzz/web-push.dict -print_final_stats=1 2>&1 | tail -n 25; then
    failed+=("$target")
  fi
done

echo "== done in $(( $(date +%s) - start ))s"
if (( ${#failed[@]} )); then
  echo "crashes in: ${failed[*]} (inputs in fuzz/artifacts/<target>/)" >&2
  exit 1
fi
echo "no crash in ${targets[*]}"
