#!/usr/bin/env bash
# README command (b): install what is missing, build, run every test.
# One build runs the tests: ASan + UBSan with warnings as errors (a second,
# optimised build of the same tests doubled CI time and found nothing the
# sanitized one misses). First the layout check (seconds), then the libFuzzer
# targets for a bounded time.
set -euo pipefail
source "$(dirname "$0")/common.sh"
require_root_for "the test suite"
"$repo_root/scripts/install-deps.sh"

fuzz_seconds=${CONVTEST_FUZZ_SECONDS:-20}
started=$SECONDS

stage_times=()
stage_name=""
stage_started=$SECONDS
# Prints where the run is, and keeps how long the previous stage took.
stage() {
  [ -n "$stage_name" ] && stage_times+=("$(printf '%5d s  %s' $((SECONDS - stage_started)) "$stage_name")")
  stage_name=$1
  stage_started=$SECONDS
  echo "== $1 (at $((SECONDS - started)) s)"
}

# The compose lab's first run on a bare machine installs the engine and makes
# its base image (about two minutes, mostly waiting on the package
# registry): done in the background while compiling, before its test needs it.
base_image_log=$(mktemp)
"$repo_root/scripts/lab-compose.sh" --engine-netns yes base >"$base_image_log" 2>&1 &
base_image_pid=$!
trap 'kill "$base_image_pid" 2>/dev/null || true; rm -f "$base_image_log"' EXIT

stage "layout: clang-format"
"$repo_root/scripts/check-format.sh"
stage "build: ASan + UBSan, warnings as errors"
build_preset asan
stage "build: libFuzzer targets (clang)"
build_preset fuzz fuzzers

stage "fuzz: ${fuzz_seconds}s per target"
"$repo_root/scripts/run-fuzzers.sh" "$repo_root/build/fuzz/bin" "$fuzz_seconds"

stage "compose lab: engine and base image (made while compiling)"
wait "$base_image_pid" || {
  echo "run-tests: the compose lab's base image could not be made now; its test will try again:"
  tail -5 "$base_image_log"
}

stage "tests: ASan + UBSan build"
ctest --preset asan
stage "done"
echo "run-tests: stage times"
printf '  %s\n' "${stage_times[@]}"
echo "run-tests: all stages passed in $((SECONDS - started)) s"
