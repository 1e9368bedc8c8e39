#!/usr/bin/env bash
# kill-matrix.sh [--build DIR] [--write] [--fault NAME]... [--ci]
#
# Runs the catalog against convproxy once per --fault (every fault convproxy
# offers, or those named) and compares the verdicts with
# tests/integration/kill_matrix.json. --write records the observed verdicts
# in that file instead: review `git diff` before committing it. ctest runs
# only the matrix's CI subset (docs/faults.md).
set -euo pipefail
source "$(dirname "$0")/common.sh"

build="$repo_root/build/release"
write=()
passthrough=()
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --write) write=(--write "$repo_root/tests/integration/kill_matrix.json"); shift ;;
    --fault) passthrough+=(--fault "$2"); shift 2 ;;
    --ci) passthrough+=(--ci); shift ;;
    *) echo "usage: $0 [--build DIR] [--write] [--fault NAME]... [--ci]" >&2; exit 3 ;;
  esac
done
require_root_for "the kill matrix"
tool="$build/bin/kill_matrix"
[ -x "$tool" ] || { echo "kill-matrix: build the tool first: cmake --build $build --target kill_matrix" >&2; exit 2; }

work=$(mktemp -d -t convtest-kill-matrix.XXXXXX)
status=0
"$tool" --convtest "$build/bin/convtest" --matrix "$repo_root/tests/integration/kill_matrix.json" \
  --work-dir "$work" "${write[@]}" "${passthrough[@]}" || status=$?
if [ "$status" -eq 0 ]; then
  rm -rf "$work"
else
  echo "kill-matrix: reports and convtest logs kept in $work"
fi
exit "$status"
