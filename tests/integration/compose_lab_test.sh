#!/usr/bin/env bash
# compose_lab_test.sh BIN_DIR [STATE_DIR]
# The compose lab under a real container engine (ctest: integration.compose_lab):
# scripts/lab-compose.sh with the binaries of this build copied into the image
# (Dockerfile target prebuilt), the engine always in a namespace of its own.
#   1. harness profile, a subset of the catalog: exit code 0, a schema-valid
#      report (checked by the script) with every instance PASS, JUnit, pcaps;
#   2. the same with an injected fault: convtest's exit code 1 comes through;
#   3. demo profile: the documented transcript (echo over IPv4 and IPv6,
#      Errors 96 and 97) and a capture.
# lab-compose.sh cleans up its daemon, namespace and networks on every exit;
# images stay in STATE_DIR for the next run.
set -euo pipefail
repo_root=$(cd "$(dirname "$0")/../.." && pwd)
bin_dir=$(realpath "$1")
export LAB_STATE_DIR=${2:-${LAB_STATE_DIR:-/var/lib/convtest-lab}}
export LAB_OUT_DIR
LAB_OUT_DIR=$(mktemp -d /tmp/compose-lab-test.XXXXXX)
trap 'rm -rf "$LAB_OUT_DIR"' EXIT

lab=("$repo_root/scripts/lab-compose.sh" --engine-netns yes --prebuilt "$bin_dir")
# A few cases of each kind: IPv4 and IPv6, MPTCP, the Extended TCP Header,
# errors from the server side (96, 97) and the converter's own (ACL, cookie,
# version, session limit), Info.
cases=connect-base-ipv4-early-data,connect-base-ipv6-early-data,mptcp-client-base-connect,ext-tcp-header-ipv6
cases+=,err-server-rst-96,err-icmp-unreachable-97,acl-denied-not-authorized,cookie-missing-error-3
cases+=,hdr-version-2,limit-sessions-resource-exceeded,info-alone-supported-then-fin
started=$SECONDS
failures=0

fail() {
  echo "compose_lab_test: FAIL: $*" >&2
  failures=$((failures + 1))
}
step() { echo "== compose_lab_test: $1 (at $((SECONDS - started)) s)"; }

step "harness profile, cases $cases"
rc=0
"${lab[@]}" harness --case "$cases" --progress plain || rc=$?
[ $rc -eq 0 ] || fail "harness profile: exit code $rc, expected 0"
python3 - "$LAB_OUT_DIR/report.json" <<'PY' || fail "harness profile: the report is not all PASS"
import json, sys
report = json.load(open(sys.argv[1]))
counts = report["summary"]["counts"]
total = sum(counts.values())
print(f"report: {total} instances, {counts['PASS']} PASS, exit code {report['summary']['exit_code']}")
sys.exit(0 if total >= 20 and counts["PASS"] == total and report["summary"]["exit_code"] == 0 else 1)
PY
grep -q '<testsuite' "$LAB_OUT_DIR/junit.xml" || fail "harness profile: no JUnit XML"
ls "$LAB_OUT_DIR"/pcap/*.pcap >/dev/null 2>&1 || fail "harness profile: no pcap"

step "harness profile with convproxy --fault wrong-reset-code"
rc=0
CONVPROXY_FLAGS='--fault wrong-reset-code' "${lab[@]}" harness --case 'err-server-rst-96' --progress none || rc=$?
[ $rc -eq 1 ] || fail "harness profile with a fault: exit code $rc, expected 1 (a FAIL)"

step "demo profile"
rc=0
"${lab[@]}" demo || rc=$?
[ $rc -eq 0 ] || fail "demo profile: exit code $rc"
transcript=$LAB_OUT_DIR/demo.txt
for expected in 'hello over IPv4' 'extended-tcp-header: ' 'hello over IPv6' \
  'converter refused: Connection Reset (96)' 'converter refused: Destination Unreachable (97)'; do
  grep -qF -- "$expected" "$transcript" || fail "demo: no '$expected' in the transcript"
done
[ "$(grep -c '^(exit code 0)' "$transcript")" -eq 2 ] || fail "demo: the two echoes did not both exit 0"
[ -s "$LAB_OUT_DIR/demo.pcap" ] || fail "demo: no capture"

step "done: $failures failure(s)"
[ $failures -eq 0 ]
