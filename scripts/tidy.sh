#!/usr/bin/env bash
# tidy.sh [FILE...]
# Runs clang-tidy (.clang-tidy at the top) over the given sources, or over
# those changed against main, using the release build's compile commands.
set -euo pipefail
source "$(dirname "$0")/common.sh"

tidy=$(command -v clang-tidy-14 || command -v clang-tidy || true)
[ -n "$tidy" ] || { echo "tidy: clang-tidy not found: apt-get install clang-tidy-14" >&2; exit 2; }
database="$repo_root/build/release"
[ -f "$database/compile_commands.json" ] || { echo "tidy: configure first: cmake --preset release" >&2; exit 2; }

cd "$repo_root"
if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(git diff --name-only --diff-filter=d main -- '*.cpp')
fi
[ ${#files[@]} -gt 0 ] || { echo "tidy: no changed sources"; exit 0; }
"$tidy" -p "$database" --quiet "${files[@]}"
