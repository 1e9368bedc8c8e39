#!/usr/bin/env bash
# README command (a): install what is missing, build, and run the whole
# conformance catalog against the reference converter (convproxy) in a local
# lab of network namespaces. Extra arguments go to `convtest run`.
set -euo pipefail
source "$(dirname "$0")/common.sh"
require_root_for "the lab"
"$repo_root/scripts/install-deps.sh"
build_preset release convtest convproxy convclient
mkdir -p "$repo_root/out"
exec "$repo_root/build/release/bin/convtest" run --report "$repo_root/out/report.json" "$@"
