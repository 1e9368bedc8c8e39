#!/usr/bin/env bash
# Runs every libFuzzer target in BIN_DIR for SECONDS each, starting from its
# seed corpus (copied, so the repository's corpus is never modified). Failing
# inputs are kept in BIN_DIR/../artifacts/ for reproduction.
set -euo pipefail
bin_dir=$1
seconds=$2
repo_root=$(cd "$(dirname "$0")/.." && pwd)
artifacts="$bin_dir/../artifacts"
mkdir -p "$artifacts"

shopt -s nullglob
targets=("$bin_dir"/fuzz_*)
if [ ${#targets[@]} -eq 0 ]; then
  echo "run-fuzzers: no fuzz targets in $bin_dir" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One target: fuzz from a copy of its seed corpus, record its exit status.
fuzz_one() {
  local target=$1 name corpus seeds status=0
  name=$(basename "$target")
  corpus="$work/$name"
  mkdir -p "$corpus"
  seeds="$repo_root/packetgen/fuzz/corpus/${name#fuzz_}"
  [ -d "$seeds" ] && cp -r "$seeds"/. "$corpus"/
  echo "run-fuzzers: $name for ${seconds}s ($(ls "$corpus" | wc -l) seeds)"
  "$target" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$artifacts/$name-" \
    "$corpus" >"$work/$name.log" 2>&1 || status=$?
  echo "$status" >"$work/$name.status"
}

# libFuzzer runs on one core: one target per core at a time, each for its full time.
cores=$(nproc)
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$cores" ]; do wait -n || true; done
  fuzz_one "$target" &
done
wait

failed=0
for target in "${targets[@]}"; do
  name=$(basename "$target")
  status=$(cat "$work/$name.status" 2>/dev/null || echo "no status")
  grep -E 'stat::number_of_executed_units|Done ' "$work/$name.log" | sed "s/^/$name: /" || true
  failing=("$artifacts/$name"-*)
  if [ "$status" != 0 ] || [ ${#failing[@]} -gt 0 ]; then
    tail -n 40 "$work/$name.log" >&2
    echo "run-fuzzers: $name failed (exit $status); inputs kept: ${failing[*]:-none}" >&2
    failed=1
  fi
done
[ "$failed" -eq 0 ] || exit 1
echo "run-fuzzers: ${#targets[@]} targets ran clean"
