#!/usr/bin/env bash
# Adds to the committed corpora fuzz/corpus/<target>/ the inputs of fuzz/work/<target>/
# (left by fuzz/run.sh) that reach edges the corpus doesn't: a set-cover merge on edge
# coverage only (no hit counters, no comparison features), which keeps the corpora small.
#   fuzz/merge.sh            # every target with a work corpus
#   fuzz/merge.sh mime       # one target
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTC_BOOTSTRAP=1
bin=fuzz/target/x86_64-unknown-linux-gnu/release
all=(framer command_parser response_parser command_roundtrip response_roundtrip client_machine server_session mime mutf7 fetch_view)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all[@]}"); fi
cargo fuzz build
for t in "${targets[@]}"; do
  [ -d "fuzz/work/$t" ] || continue
  before=$(ls "fuzz/corpus/$t" | wc -l)
  "$bin/$t" -merge=1 -set_cover_merge=1 -use_counters=0 -use_value_profile=0 -use_cmp=0 \
    "fuzz/corpus/$t" "fuzz/work/$t" >"fuzz/work/$t.merge.log" 2>&1
  echo "$t: $before -> $(ls "fuzz/corpus/$t" | wc -l) files"
done
du -sh --apparent-size fuzz/corpus
