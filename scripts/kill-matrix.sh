#!/usr/bin/env bash
# kill-matrix.sh [--client] [--build DIR] [--write] [--fault NAME]... [--ci]
#
# Runs the catalog against convproxy once per --fault (every fault convproxy
# offers, or those named) and compares the verdicts with
# tests/integration/kill_matrix.json; with --client, the client catalog
# against convclient's faults and tests/integration/client_kill_matrix.json.
# --write records the observed verdicts in that file instead: review
# `git diff` before committing it. ctest runs only each matrix's CI subset
# (docs/faults.md).
set -euo pipefail
source "$(dirname "$0")/common.sh"

build="$repo_root/build/release"
matrix="$repo_root/tests/integration/kill_matrix.json"
write_asked=false
write=()
passthrough=()
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --client) matrix="$repo_root/tests/integration/client_kill_matrix.json"; shift ;;
    --write) write_asked=true; shift ;;
    --fault) passthrough+=(--fault "$2"); shift 2 ;;
    --ci) passthrough+=(--ci); shift ;;
    *) echo "usage: $0 [--client] [--build DIR] [--write] [--fault NAME]... [--ci]" >&2; exit 3 ;;
  esac
done
if $write_asked; then write=(--write "$matrix"); fi
require_root_for "the kill matrix"
tool="$build/bin/kill_matrix"
[ -x "$tool" ] || { echo "kill-matrix: build the tool first: cmake --build $build --target kill_matrix" >&2; exit 2; }

work=$(mktemp -d -t convtest-kill-matrix.XXXXXX)
status=0
"$tool" --convtest "$build/bin/convtest" --matrix "$matrix" \
  --work-dir "$work" "${write[@]}" "${passthrough[@]}" || status=$?
if [ "$status" -eq 0 ]; then
  rm -rf "$work"
else
  echo "kill-matrix: reports and convtest logs kept in $work"
fi
exit "$status"
