#!/usr/bin/env bash
# Runs fuzz targets one at a time, a single job each, for FUZZ_SECONDS (default 60), with
# the IMAP dictionary; prints one summary line per target (executions, exec/s, coverage).
#   fuzz/run.sh                  # every target
#   FUZZ_SECONDS=600 fuzz/run.sh mime framer
# Needs cargo-fuzz (`cargo install cargo-fuzz`); the stable toolchain is enough, with
# RUSTC_BOOTSTRAP=1 (set here) for the sanitizer flags cargo-fuzz passes.
# New inputs go to fuzz/work/<target>/ (not committed); fuzz/corpus/<target>/ is read only.
# A crash stops that target, leaves its input in fuzz/artifacts/<target>/, and makes the
# script exit non-zero after the other targets ran.
set -uo pipefail
cd "$(dirname "$0")/.."
export RUSTC_BOOTSTRAP=1
secs=${FUZZ_SECONDS:-60}
all=(framer command_parser response_parser command_roundtrip response_roundtrip client_machine server_session mime mutf7 fetch_view client_body_stream)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all[@]}"); fi
cargo fuzz build || exit 1
mkdir -p fuzz/logs
failed=()
printf '%-20s %12s %10s %8s %8s %8s  %s\n' target executions exec/s cov ft corpus result
for t in "${targets[@]}"; do
  mkdir -p "fuzz/work/$t"
  log="fuzz/logs/$t.log"
  cargo fuzz run "$t" "fuzz/work/$t" "fuzz/corpus/$t" -- \
    -max_total_time="$secs" -dict=fuzz/imap.dict -timeout=10 -print_final_stats=1 >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")
  if [ $rc -ne 0 ]; then
    result="FAILED (rc $rc, see $log)"; failed+=("$t")
  elif [ -z "$execs" ] || [ "$execs" = 0 ]; then
    result="FAILED (no executions, see $log)"; failed+=("$t")
  else
    result=ok
  fi
  printf '%-20s %12s %10s %8s %8s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "crashed or failed: ${failed[*]}" >&2
  exit 1
fi
