#!/usr/bin/env bash
# README command (b): install what is missing, build, run every test.
# Stages: warnings-as-errors build + ctest; ASan+UBSan build + ctest; the
# libFuzzer targets for a bounded time under ASan+UBSan.
set -euo pipefail
source "$(dirname "$0")/common.sh"
require_root_for "the test suite"
"$repo_root/scripts/install-deps.sh"

fuzz_seconds=${CONVTEST_FUZZ_SECONDS:-30}
started=$SECONDS

build_preset ci
build_preset asan
build_preset fuzz fuzzers

echo "== fuzz: ${fuzz_seconds}s per target"
"$repo_root/scripts/run-fuzzers.sh" "$repo_root/build/fuzz/bin" "$fuzz_seconds"

echo "== tests: release build"
ctest --preset ci
echo "== tests: ASan + UBSan build"
ctest --preset asan
echo "run-tests: all stages passed in $((SECONDS - started)) s"
