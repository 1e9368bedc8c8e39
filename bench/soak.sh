#!/usr/bin/env bash
# soak: many connections with data through convproxy for a long time, in
# network namespaces created here (bench/lab.sh):
#
#   client ns c0 192.0.2.2 --veth-- p0 192.0.2.1  proxy ns  p1 198.51.100.1 --veth-- s0 198.51.100.2 server ns
#
# convload opens SOAK_RATE Convert connections per second (TCP clients, the
# message in the SYN) to an echo server behind convproxy for SOAK_MINUTES;
# each sends 1..SOAK_MAX_BYTES bytes, reads them back, compares SHA-256 of
# both, stays open SOAK_HOLD seconds and half-closes. Meanwhile convproxy's
# descriptors and resident memory are sampled every SOAK_SAMPLE seconds, and
# its warnings are counted by event (synack_not_captured above all; its
# SYN-ACK capture tally is read when it stops).
#
# Verdict (exit 1 when one fails): every connection ok, 0 bytes lost, 0
# synack_not_captured, descriptors back to the idle count at the end (plus
# the workers' spare pipes) and in the last tenth of the run within 20% of
# the second tenth (minute 10 and minute 2 by default), RSS in the last
# tenth within 10% (and 2 MiB) of the second tenth's.
#
# Usage: bench/soak.sh [BUILD_DIR]          (default: build/release; root)
# Environment: SOAK_MINUTES (10), SOAK_RATE (16/s: 9,600 connections in 10
#   minutes), SOAK_CONCURRENCY (512), SOAK_MAX_BYTES (262144), SOAK_HOLD (2),
#   SOAK_SAMPLE (10), SOAK_MPTCP=1 for MPTCP clients, SOAK_NO_DOCS=1 to leave
#   docs/benchmarks.md alone, BENCH_NO_BUILD=1 to use the built binaries as they are.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$repo/build/release}
minutes=${SOAK_MINUTES:-10}
rate=${SOAK_RATE:-16}
concurrency=${SOAK_CONCURRENCY:-512}
max_bytes=${SOAK_MAX_BYTES:-262144}
hold=${SOAK_HOLD:-2}
sample_every=${SOAK_SAMPLE:-10}
seconds=$(awk -v m="$minutes" 'BEGIN{printf "%d", m * 60}')

if [ "$(id -u)" -ne 0 ]; then
  echo "soak needs root (CAP_NET_ADMIN for network namespaces, CAP_NET_RAW for convproxy's SYN-ACK capture)" >&2
  exit 2
fi

. "$repo/bench/lab.sh"
lab_init csk
echo "== build: convproxy and convload ($build)"
lab_build "$build" "$repo"
echo "== namespaces"
lab_create

echo "== echo server and convproxy"
ip netns exec "$ns_server" "$load" serve 198.51.100.2 8080 5201 $((seconds + 120)) 7007 \
  >"$scratch/serve.log" 2>&1 &
pids+=($!)
ip netns exec "$ns_proxy" "$convproxy" --listen 192.0.2.1 --port 5124 --tcp --threads 2 --allow 192.0.2.0/24 \
  --max-pending-per-client 4096 --log-level info >"$scratch/convproxy.log" 2>&1 &
proxy_pid=$!
pids+=("$proxy_pid")
for _ in $(seq 50); do grep -q "convproxy ready" "$scratch/convproxy.log" && break; sleep 0.1; done
grep -q "convproxy ready" "$scratch/convproxy.log" || { cat "$scratch/convproxy.log"; exit 1; }

sample() {  # -> "seconds fds rss_kib"
  echo "$1 $(find "/proc/$proxy_pid/fd" -mindepth 1 -maxdepth 1 | wc -l) $(awk '/^VmRSS:/{print $2}' "/proc/$proxy_pid/status")"
}
samples=$scratch/samples.txt
sample 0 >"$samples"
idle_fds=$(awk '{print $2}' "$samples")

dest=198.51.100.2:7007
[ "${SOAK_MPTCP:-0}" = 1 ] && dest=$dest+mptcp
echo "== soak: $minutes min, $rate connections/s, up to $concurrency in flight, 1..$max_bytes bytes each, hold $hold s"
ip netns exec "$ns_client" timeout $((seconds + 180)) "$load" soak 192.0.2.1:5124 "$seconds" "$rate" \
  "$concurrency" "$max_bytes" "$hold" "$dest" >"$scratch/soak.txt" 2>&1 &
client_pid=$!
start=$(date +%s)
while kill -0 "$client_pid" 2>/dev/null; do
  sleep "$sample_every"
  kill -0 "$proxy_pid" 2>/dev/null || { echo "convproxy died" >&2; break; }
  sample $(($(date +%s) - start)) >>"$samples"
  progress=$(grep '^progress' "$scratch/soak.txt" | tail -1 || true)
  if [ -n "$progress" ] && [ "$progress" != "${shown:-}" ]; then echo "   $progress"; shown=$progress; fi
done
client_rc=0
wait "$client_pid" || client_rc=$?
sleep 2
kill -0 "$proxy_pid" 2>/dev/null && sample $(($(date +%s) - start)) >>"$samples"
final_fds=$(tail -1 "$samples" | awk '{print $2}')
kill -TERM "$proxy_pid" 2>/dev/null || true
wait "$proxy_pid" 2>/dev/null || true

verdict=0
summary=$(python3 - "$scratch/soak.txt" "$samples" "$scratch/convproxy.log" "$idle_fds" "$final_fds" \
  "$minutes" "$rate" "$concurrency" "$max_bytes" "$hold" "$client_rc" "${SOAK_MPTCP:-0}" <<'PY'
import collections, datetime, re, statistics, sys
soak_path, samples_path, log_path, idle_fds, final_fds, minutes, rate, conc, max_bytes, hold, rc, mptcp = sys.argv[1:]
lines = [l for l in open(soak_path).read().splitlines() if l.startswith("soak ")]
result = dict(re.findall(r"(\w+)=([\d.]+)", lines[-1])) if lines else {}
samples = [tuple(map(int, l.split())) for l in open(samples_path) if l.strip()]
log = open(log_path).read()
warnings = collections.Counter(re.findall(r"level=warn\w* program=convproxy event=(\w+)", log))
stats = dict(re.findall(r"(captured|not_captured|kernel_drops)=(\d+)", "".join(re.findall(r"event=synack_capture_stats.*", log))))
SPARE_PIPE_FDS = 2 * 8 * 2  # two workers keep up to 8 spare splice pipes each (Worker::kSparePipes)
def window(lo, hi):
    return [s for s in samples if lo <= s[0] < hi]
total = float(minutes) * 60
early = window(total * 0.1, total * 0.2) or samples[1:2] or samples
late = window(total * 0.9, total) or samples[-1:]
fd_second, fd_last = max(s[1] for s in early), max(s[1] for s in late)
rss_second, rss_last = max(s[2] for s in early), max(s[2] for s in late)
conns, ok = int(result.get("connections", 0)), int(result.get("ok", 0))
up, down = int(result.get("bytes_up", 0)), int(result.get("bytes_down", 0))
not_captured = int(stats.get("not_captured", -1))
checks = [
    ("every connection ok", conns > 0 and ok == conns and rc == "0"),
    ("0 bytes lost (bytes back == bytes sent, SHA-256 equal per connection)", up == down and result.get("mismatch") == "0"),
    ("0 synack_not_captured", warnings["synack_not_captured"] == 0 and not_captured == 0),
    (f"descriptors back to idle (plus at most {SPARE_PIPE_FDS} of the workers' spare pipes)",
     int(idle_fds) <= int(final_fds) <= int(idle_fds) + SPARE_PIPE_FDS),
    ("descriptors flat (last tenth of the run within 20% and 16 of the second tenth: connections in flight vary)",
     fd_last <= max(fd_second * 1.2, fd_second + 16)),
    ("RSS flat (last tenth within 10% and 2 MiB of the second tenth)", rss_last <= max(rss_second * 1.10, rss_second + 2048)),
]
out = [f"Run: {datetime.date.today()}, {minutes} min, {rate} new connections/s, up to {conc} in flight, "
       f"1..{int(max_bytes):,} bytes each echoed back, held {hold} s, {'MPTCP' if mptcp == '1' else 'TCP'} clients; "
       f"convproxy --tcp --threads 2.", "",
       "| figure | value |", "|---|---|",
       f"| connections (ok / failed) | {conns:,} ({ok:,} / {conns - ok:,}) |",
       f"| bytes sent / echoed back | {up:,} / {down:,} |",
       f"| failures by kind | " + ", ".join(f"{k} {result.get(k, '?')}" for k in ("connect_failed", "reset", "mismatch", "bad_reply", "timeout")) + " |",
       f"| SYN-ACKs captured / not captured / dropped by the kernel | {stats.get('captured', '?')} / {stats.get('not_captured', '?')} / {stats.get('kernel_drops', '?')} |",
       f"| convproxy warnings by event | " + (", ".join(f"{k} {v}" for k, v in sorted(warnings.items())) or "none") + " |",
       f"| descriptors: idle, max in the 2nd tenth of the run, max in the last tenth, after | {idle_fds}, {fd_second}, {fd_last}, {final_fds} |",
       f"| RSS KiB: start, max in the 2nd tenth, max in the last tenth, max overall | {samples[0][2]:,}, {rss_second:,}, {rss_last:,}, {max(s[2] for s in samples):,} |",
       ""]
out += [f"- {'PASS' if good else 'FAIL'}: {name}" for name, good in checks]
print("\n".join(out))
sys.exit(0 if all(good for _, good in checks) else 1)
PY
) || verdict=$?
echo "$summary"
echo "(samples: seconds fds rss_kib)"
awk '{printf "%s%s", (NR>1?" | ":""), $0} END{print ""}' "$samples"

if [ "${SOAK_NO_DOCS:-0}" != 1 ]; then
  python3 - "$repo/docs/benchmarks.md" "$summary" <<'PY'
import re, sys
path, section = sys.argv[1:]
begin, end = "<!-- soak:begin -->", "<!-- soak:end -->"
text = open(path).read()
if begin not in text:
    text += f"\n{begin}\n{end}\n"
text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: f"{begin}\n{section}\n{end}", text, flags=re.S)
open(path, "w").write(text)
PY
  echo "== wrote the figures to docs/benchmarks.md"
fi
exit "$verdict"
