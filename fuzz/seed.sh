#!/usr/bin/env bash
# Rebuilds the seed corpora in fuzz/corpus/<target>/ from tests/transcripts, the Dovecot
# capture and tests/corpus (see fuzz/seed.rs). Stable Rust; no cargo-fuzz needed.
set -euo pipefail
cd "$(dirname "$0")"
cargo run --quiet --example seed
du -sh --apparent-size corpus
