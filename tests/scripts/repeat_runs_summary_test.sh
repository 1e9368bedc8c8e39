#!/usr/bin/env bash
# repeat-runs.sh's summary reads a report's environment problems where the
# report keeps them (summary.environment_problems) and flags flaky cases.
set -euo pipefail
summary=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo '[{"id": "a", "profile": "any"}, {"id": "b", "profile": "any"}]' >"$work/catalog.json"
cat >"$work/run-1.json" <<'JSON'
{"summary": {"environment_problems": ["the PUT does not start: not listening"]},
 "results": [{"id": "a", "verdict": "PASS"}, {"id": "b", "verdict": "PASS"}]}
JSON
cat >"$work/run-2.json" <<'JSON'
{"summary": {"environment_problems": []},
 "results": [{"id": "a", "verdict": "PASS"}, {"id": "b", "verdict": "FAIL"}]}
JSON
status=0
output=$(python3 "$summary" "$work" 2) || status=$?
echo "$output"
grep -q "run 1: environment problem: the PUT does not start: not listening" <<<"$output" ||
  { echo "FAIL: the environment problem of run 1 is not shown" >&2; exit 1; }
grep -q "flaky: b: PASS FAIL" <<<"$output" || { echo "FAIL: b is not reported flaky" >&2; exit 1; }
[ "$status" -eq 1 ] || { echo "FAIL: exit $status, not 1" >&2; exit 1; }
echo "ok"
