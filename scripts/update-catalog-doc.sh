#!/usr/bin/env bash
# update-catalog-doc.sh [--build DIR]
# Regenerates docs/catalog.md from the case registry (`convtest list --format
# markdown`); the cases test CatalogDoc.MatchesTheRegistry fails while the
# committed file differs.
set -euo pipefail
source "$(dirname "$0")/common.sh"

build="$repo_root/build/release"
if [ "${1:-}" = "--build" ]; then build=$2; fi
convtest="$build/bin/convtest"
[ -x "$convtest" ] || { echo "update-catalog-doc: build convtest first: cmake --build $build --target convtest" >&2; exit 2; }
"$convtest" list --format markdown >"$repo_root/docs/catalog.md.new"
mv "$repo_root/docs/catalog.md.new" "$repo_root/docs/catalog.md"
echo "update-catalog-doc: wrote docs/catalog.md ($(grep -c '^| `' "$repo_root/docs/catalog.md") cases)"
