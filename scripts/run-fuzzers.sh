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
for target in "${targets[@]}"; do
  name=$(basename "$target")
  corpus="$work/$name"
  mkdir -p "$corpus"
  seeds="$repo_root/packetgen/fuzz/corpus/${name#fuzz_}"
  [ -d "$seeds" ] && cp -r "$seeds"/. "$corpus"/
  echo "run-fuzzers: $name for ${seconds}s ($(ls "$corpus" | wc -l) seeds)"
  status=0
  "$target" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$artifacts/$name-" \
    "$corpus" >"$work/$name.log" 2>&1 || status=$?
  grep -E 'stat::number_of_executed_units|Done ' "$work/$name.log" || true
  failing=("$artifacts/$name"-*)
  if [ "$status" -ne 0 ] || [ ${#failing[@]} -gt 0 ]; then
    tail -n 40 "$work/$name.log" >&2
    echo "run-fuzzers: $name failed (exit $status); inputs kept: ${failing[*]:-none}" >&2
    exit 1
  fi
done
echo "run-fuzzers: ${#targets[@]} targets ran clean"
