#!/usr/bin/env bash
# What CI runs for fuzzing (.ci/run calls it after `cargo test --workspace`, which has
# already replayed every corpus through tests/fuzz_corpus_replay.rs):
# each target for FUZZ_SECONDS (default 30) under cargo-fuzz on the stable toolchain.
# If cargo-fuzz can't be installed or can't build, it says so loudly and replays the
# corpora instead, so this never silently does nothing. A crash fails the run.
set -uo pipefail
cd "$(dirname "$0")/.."
export FUZZ_SECONDS=${FUZZ_SECONDS:-30}
replay() {
  echo "!! FUZZING SKIPPED: $1; replaying the corpora instead" >&2
  cargo test --test fuzz_corpus_replay
  exit $?
}
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  start=$SECONDS
  cargo install cargo-fuzz --locked || replay "cargo install cargo-fuzz failed"
  echo "cargo-fuzz installed in $((SECONDS - start)) s"
fi
RUSTC_BOOTSTRAP=1 cargo fuzz build || replay "cargo fuzz build failed"
echo "== fuzzing each target for ${FUZZ_SECONDS} s"
fuzz/run.sh
