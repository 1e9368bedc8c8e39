#!/usr/bin/env bash
# repeat-runs.sh N [--convtest PATH] [--jobs J] [--keep DIR] [--role ROLE] [--dim DIM=VALUE]...
#
# Runs the whole catalog N times against the unfaulted convproxy (the built-in
# target; with --role client, the client catalog against convclient) and fails when a case does not PASS or when a verdict differs between
# runs (a flaky case). Each run uses its own seed (printed), so a seed-dependent
# verdict shows up as flaky too. Cases scoped to one profile are SKIP in the
# other and do not count. --dim narrows every run to those instances (ctest
# runs each case's base instance). The release checklist runs N=20.
set -euo pipefail
source "$(dirname "$0")/common.sh"

usage() {
  echo "usage: $0 N [--convtest PATH] [--jobs J] [--keep DIR] [--role ROLE] [--dim DIM=VALUE]..." >&2
  exit 3
}

[ $# -ge 1 ] || usage
runs=$1
shift
[[ $runs =~ ^[1-9][0-9]*$ ]] || usage
convtest="$repo_root/build/release/bin/convtest"
jobs=()
role=(--role converter)
dims=()
keep=""
while [ $# -gt 0 ]; do
  case $1 in
    --convtest) convtest=$2; shift 2 ;;
    --jobs) jobs=(--jobs "$2"); shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --dim) dims+=(--dim "$2"); shift 2 ;;
    --role) role=(--role "$2"); shift 2 ;;
    *) usage ;;
  esac
done
[ -x "$convtest" ] || { echo "repeat-runs: $convtest is not built (cmake --build --preset release)" >&2; exit 2; }
require_root_for "repeat-runs"

work=${keep:-$(mktemp -d -t convtest-repeat-runs.XXXXXX)}
mkdir -p "$work"
"$convtest" list "${role[@]}" --format json "${dims[@]}" >"$work/catalog.json"
base_seed=$(( $(date +%s) % 100000 ))
started=$SECONDS
for ((run = 1; run <= runs; run++)); do
  seed=$((base_seed + run))
  run_started=$SECONDS
  status=0
  "$convtest" run "${role[@]}" "${jobs[@]}" "${dims[@]}" --seed "$seed" --progress none --report "$work/run-$run.json" \
    >"$work/run-$run.log" 2>&1 || status=$?
  echo "run $run/$runs: seed $seed, exit $status, $((SECONDS - run_started)) s"
done

# One verdict sequence per case; everything but all-PASS (or all-SKIP for a
# profile-scoped case) is reported.
summary_status=0
python3 "$(dirname "$0")/repeat_runs_summary.py" "$work" "$runs" || summary_status=$?
echo "repeat-runs: $runs runs in $((SECONDS - started)) s"
if [ "$summary_status" -ne 0 ]; then
  echo "repeat-runs: FAILED; reports and logs kept in $work (each report has a repro line per case)"
  exit 1
fi
[ -n "$keep" ] || rm -rf "$work"
echo "repeat-runs: every case passed in every run"
