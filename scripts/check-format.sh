#!/usr/bin/env bash
# check-format.sh [--fix]
# Every tracked C++ file must be laid out by clang-format (.clang-format at
# the top). Without --fix it lists the files that differ and fails; with
# --fix it rewrites them.
set -euo pipefail
source "$(dirname "$0")/common.sh"

formatter=$(command -v clang-format-14 || command -v clang-format || true)
[ -n "$formatter" ] || { echo "check-format: clang-format not found: run scripts/install-deps.sh" >&2; exit 2; }

mapfile -t files < <(git -C "$repo_root" ls-files '*.cpp' '*.hpp' '*.h')
cd "$repo_root"
if [ "${1:-}" = "--fix" ]; then
  "$formatter" -i "${files[@]}"
  echo "check-format: formatted ${#files[@]} files"
  exit 0
fi

# One run over all files; each difference is reported as "FILE:LINE:COL: error".
if ! report=$("$formatter" --dry-run --Werror "${files[@]}" 2>&1); then
  grep -o '^[^:]*:[0-9]*:[0-9]*: error' <<<"$report" | cut -d: -f1,2 | sort -u -t: -k1,1 |
    sed 's/^/check-format: not laid out by clang-format: /' >&2
  echo "check-format: run scripts/check-format.sh --fix" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files laid out by clang-format"
