#!/usr/bin/env bash
# proxy-bench: convproxy vs a direct (routed) connection vs HAProxy in TCP
# mode, measured in the same run, in network namespaces created here:
#
#   client ns c0 192.0.2.2 --veth-- p0 192.0.2.1  proxy ns  p1 198.51.100.1 --veth-- s0 198.51.100.2 server ns
#
# Figures: converted connections per second (100-byte responses, 32 in
# flight), time to the first response byte (sequential new connections), and
# single-stream relay throughput; the first two also with TCP Fast Open
# towards the server (HAProxy's `tfo`, a Connect TLV asking for TFO). Each round runs every arm back to back;
# ratios are ratios of medians. The client is pinned to CPU 0, the server to
# CPU 1, the proxies float: on a small machine the numbers say how much CPU a
# proxy takes from the others as much as how fast it is. So each
# connection-rate run also records what one connection cost: busy CPU time,
# the client's, the server's and the proxy's share, and the proxy
# namespace's TCP segments.
#
# Then memory: resident set size of convproxy and of HAProxy (each started
# fresh) holding N idle relayed connections, each checked with a 1-byte echo
# first; a linear fit over the N values gives the figure at 10,000. N stops
# at 9,950: the process here may hold 20,000 descriptors, two per connection.
#
# Usage: bench/proxy-bench.sh [BUILD_DIR]        (default: build/release)
# Then the time to first byte broken down (client SYN, downstream SYN,
# server SYN-ACK, reply, first relayed byte; bench/ttfb_breakdown.py) from
# kernel timestamps of the segments in the proxy namespace, and beside the
# MPTCP-client arm the same stream between two plain MPTCP sockets.
#
# Environment: BENCH_SECONDS (10), BENCH_ROUNDS (3), BENCH_TTFB_COUNT (2000),
#              BENCH_TRACE_COUNT (500, connections per arm for the breakdown),
#              BENCH_IDLE_COUNTS ("2500 5000 9950"; empty: skip memory),
#              BENCH_BASELINE=PATH: an earlier convproxy binary measured in the same
#              rounds (before/after of a change), BENCH_NO_DOCS=1 to leave
#              docs/benchmarks.md alone, BENCH_NO_BUILD=1 to use the built
#              binaries as they are.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$repo/build/release}
run_seconds=${BENCH_SECONDS:-10}
rounds=${BENCH_ROUNDS:-3}
ttfb_count=${BENCH_TTFB_COUNT:-2000}
trace_count=${BENCH_TRACE_COUNT:-500}
idle_counts=${BENCH_IDLE_COUNTS-2500 5000 9950}

if [ "$(id -u)" -ne 0 ]; then
  echo "proxy-bench needs root (CAP_NET_ADMIN for network namespaces)" >&2
  exit 2
fi
if ! command -v haproxy >/dev/null; then
  echo "== installing haproxy (Debian package)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy >/dev/null
fi

. "$repo/bench/lab.sh"
lab_init cpb
echo "== build: convproxy and the load generator ($build)"
lab_build "$build" "$repo"
echo "== namespaces"
lab_create

echo "== servers and proxies"
ip netns exec "$ns_server" taskset -c 1 "$load" serve 198.51.100.2 8080 5201 3600 7007 5202 &
pids+=($!)
server_pid=$!
cat > "$scratch/haproxy.cfg" <<CFG
global
    nbthread 2
    maxconn 5000
defaults
    mode tcp
    option splice-auto
    maxconn 5000
    timeout connect 5s
    timeout client 120s
    timeout server 120s
frontend fe_http
    bind 192.0.2.1:18080
    default_backend be_http
backend be_http
    server s 198.51.100.2:8080
frontend fe_sink
    bind 192.0.2.1:15201
    default_backend be_sink
backend be_sink
    server s 198.51.100.2:5201
frontend fe_http_tfo
    bind 192.0.2.1:18081
    default_backend be_http_tfo
backend be_http_tfo
    server s 198.51.100.2:8080 tfo
CFG
ip netns exec "$ns_proxy" haproxy -db -f "$scratch/haproxy.cfg" >"$scratch/haproxy.log" 2>&1 &
pids+=($!)
declare -A proxy_pid=([haproxy]=$! [haproxy_tfo]=$!)  # arm -> the process whose CPU time a connection costs
proxy_flags=(--listen 192.0.2.1 --threads 2 --allow 192.0.2.0/24 --max-pending-per-client 4096
             --log-level warn)
ip netns exec "$ns_proxy" "$convproxy" "${proxy_flags[@]}" --port 5124 --tcp \
  >"$scratch/convproxy-tcp.log" 2>&1 &
pids+=($!)
proxy_pid[convproxy]=$!
proxy_pid[convproxy_tfo]=$!
ip netns exec "$ns_proxy" "$convproxy" "${proxy_flags[@]}" --port 5125 \
  >"$scratch/convproxy-mptcp.log" 2>&1 &
pids+=($!)
proxy_pid[convproxy_mptcp]=$!
# The smallest relay there is (convload_relay.cpp), with a TCP and with an
# MPTCP listener: what any user-space relay of one stream gets here.
ip netns exec "$ns_proxy" "$load" relay 192.0.2.1 5128+mptcp 198.51.100.2:5201 3600 &
pids+=($!)
ip netns exec "$ns_proxy" "$load" relay 192.0.2.1 5129 198.51.100.2:5201 3600 &
pids+=($!)
ip netns exec "$ns_proxy" "$load" relay 192.0.2.1 5130 198.51.100.2:8080 3600 &
pids+=($!)
proxy_pid[tcp_relay]=$!
if [ -n "${BENCH_BASELINE:-}" ]; then  # an earlier convproxy binary, TCP clients, measured in the same rounds
  ip netns exec "$ns_proxy" "$BENCH_BASELINE" "${proxy_flags[@]}" --port 5127 --tcp \
    >"$scratch/convproxy-baseline.log" 2>&1 &
  pids+=($!)
  proxy_pid[baseline]=$!
fi
sleep 1

# arm -> "TARGET_HTTP TARGET_SINK CONVERT_SUFFIX"
declare -A target=(
  [direct]="198.51.100.2:8080 198.51.100.2:5201 -"
  [haproxy]="192.0.2.1:18080 192.0.2.1:15201 -"
  [convproxy]="192.0.2.1:5124 192.0.2.1:5124 tcp"
  [convproxy_mptcp]="192.0.2.1:5125 192.0.2.1:5125 mptcp"
  [mptcp_direct]="- 198.51.100.2:5202+mptcp -"
  [mptcp_relay]="- 192.0.2.1:5128+mptcp -"
  [tcp_relay]="192.0.2.1:5130 192.0.2.1:5129 -"
  [haproxy_tfo]="192.0.2.1:18081 - -"
  [convproxy_tfo]="192.0.2.1:5124 - tcp+tfo"
  [baseline]="192.0.2.1:5127 192.0.2.1:5127 tcp"
)
arms=(direct haproxy convproxy convproxy_mptcp tcp_relay)
[ -n "${BENCH_BASELINE:-}" ] && arms+=(baseline)
# TCP Fast Open towards the server (connection rate and time to first byte
# only): HAProxy's server line with `tfo`, and a Connect TLV asking the
# converter for it, so the request rides in the converter's SYN as well.
tfo_arms=(haproxy_tfo convproxy_tfo)
# Two plain MPTCP sockets, no proxy: what the kernel's MPTCP path moves here;
# and the smallest relay of an MPTCP stream.
stream_arms=("${arms[@]}" mptcp_direct mptcp_relay)
client=(ip netns exec "$ns_client" timeout 90 taskset -c 0 "$load")
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
csv=$scratch/runs.csv
echo "round,test,arm,value,extra" >"$csv"

# What a connection costs, sampled around each connection-rate run: busy
# CPU time of the whole machine (/proc/stat: every process, the kernel and
# softirq), the server's and the proxy process's user and system time, and
# the TCP segments the proxy namespace sent and received. The client reports
# its own CPU time.
ticks() {  # PID -> "user system" clock ticks, "0 0" without a process
  if [ -n "$1" ]; then awk '{print $14, $15}' "/proc/$1/stat"; else echo "0 0"; fi
}
cpu_sample() {  # ARM -> "busy server_user server_sys proxy_user proxy_sys proxy_segments"
  echo "$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat) $(ticks "$server_pid") $(ticks "${proxy_pid[$1]:-}")" \
    "$(NSTAT_HISTORY=$scratch/nstat ip netns exec "$ns_proxy" nstat -az TcpInSegs TcpOutSegs | awk '$1 ~ /^Tcp/ {n += $2} END {print n + 0}')"
}

cost_per_connection() {  # BEFORE AFTER CLIENT_OUTPUT -> "busy_us=..;client_us=..;server_us=..;proxy_user_us=..;..."
  python3 - "$1" "$2" "$3" "$(getconf CLK_TCK)" <<'PY'
import re, sys
before, after = (list(map(int, x.split())) for x in sys.argv[1:3])
found = dict(re.findall(r"(\w+)=([0-9.]+)", sys.argv[3]))
n, hz = max(int(found.get("done", 0)), 1), int(sys.argv[4])
d = [a - b for a, b in zip(after, before)]
us = lambda ticks: ticks * 1e6 / hz / n
print(f"busy_us={us(d[0]):.1f};client_us={float(found.get('cpu_us', 'nan')) / n:.1f};server_us={us(d[1] + d[2]):.1f};"
      f"proxy_user_us={us(d[3]):.1f};proxy_sys_us={us(d[4]):.1f};proxy_segs={d[5] / n:.2f}")
PY
}

measure() {  # TEST ARM -> "value extra"
  local test=$1 arm=$2 http sink kind dest_http="" dest_sink="" out
  read -r http sink kind <<<"${target[$arm]}"
  if [ "$kind" = tcp ]; then dest_http=198.51.100.2:8080; dest_sink=198.51.100.2:5201; fi
  if [ "$kind" = tcp+tfo ]; then dest_http=198.51.100.2:8080+tfo; fi
  if [ "$kind" = mptcp ]; then dest_http=198.51.100.2:8080+mptcp; dest_sink=198.51.100.2:5201+mptcp; fi
  case $test in
    cps) local before after
         before=$(cpu_sample "$arm")
         out=$("${client[@]}" cps "$http" "$run_seconds" 32 $dest_http || true)
         after=$(cpu_sample "$arm")
         echo "$(grep -o 'cps=[0-9.]*' <<<"$out" | cut -d= -f2)" \
           "$(grep -o 'failed=[0-9]*' <<<"$out");$(cost_per_connection "$before" "$after" "$out")" ;;
    ttfb) out=$("${client[@]}" ttfb "$http" "$ttfb_count" $dest_http || true)
          echo "$(grep -o 'p50_us=[0-9.]*' <<<"$out" | cut -d= -f2) $(grep -o 'p99_us=[0-9.]*' <<<"$out")_$(grep -o 'fail=[0-9]*' <<<"$out")" ;;
    stream) out=$("${client[@]}" stream "$sink" "$run_seconds" $dest_sink || true)
            echo "$(grep -o 'gbit_s=[0-9.]*' <<<"$out" | cut -d= -f2) -" ;;
  esac
}

for round in $(seq 1 "$rounds"); do
  for test in cps ttfb stream; do
    test_arms=("${arms[@]}" "${tfo_arms[@]}")
    [ "$test" = stream ] && test_arms=("${stream_arms[@]}")
    for arm in "${test_arms[@]}"; do
      read -r value extra <<<"$(measure "$test" "$arm")"
      echo "$round,$test,$arm,${value:-NaN},$extra" | tee -a "$csv"
      sleep 1
    done
  done
done

echo "== time to first byte, traced in the proxy namespace ($trace_count connections per arm)"
breakdown_args=()
trace_arms=(direct haproxy convproxy haproxy_tfo convproxy_tfo)
[ -n "${BENCH_BASELINE:-}" ] && trace_arms+=(baseline)
for arm in "${trace_arms[@]}"; do
  read -r http _ kind <<<"${target[$arm]}"
  dest="" mode=plain
  if [ "$kind" = tcp ]; then dest=198.51.100.2:8080; mode=convert; fi
  if [ "$kind" = tcp+tfo ]; then dest=198.51.100.2:8080+tfo; mode=convert; fi
  ip netns exec "$ns_proxy" "$load" trace 120 "$scratch/trace-$arm.txt" &
  tracer=$!
  sleep 0.5
  "${client[@]}" ttfb "$http" "$trace_count" $dest >"$scratch/trace-$arm.ttfb" || true
  sleep 0.2
  kill "$tracer" 2>/dev/null || true
  wait "$tracer" 2>/dev/null || true
  breakdown_args+=("$arm=$scratch/trace-$arm.txt:${http##*:}:$mode")
done
breakdown=$(python3 "$repo/bench/ttfb_breakdown.py" "${breakdown_args[@]}")

echo "== results"
section=$(python3 - "$csv" "$(uname -r)" "$(haproxy -v | head -1 | awk '{print $3}')" \
  "$run_seconds" "$rounds" "$ttfb_count" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import csv, statistics, sys, datetime
path, kernel, haproxy, seconds, rounds, count, load_before, load_after = sys.argv[1:]
rows = list(csv.DictReader(open(path)))
def values(test, arm):
    return [float(r["value"]) for r in rows if r["test"] == test and r["arm"] == arm and r["value"] != "NaN"]
def med(test, arm):
    v = values(test, arm)
    return statistics.median(v) if v else float("nan")
def fmt(x, digits):
    return "n/a" if x != x else f"{x:,.{digits}f}"
figures = [("cps", "new connections/s (100 B response, 32 in flight)", 0),
           ("ttfb", "time to first byte p50, µs (sequential new connections)", 1),
           ("stream", "1-stream relay throughput, Gbit/s", 2)]
out = []
out.append(f"Run: {datetime.date.today()}, kernel {kernel}, HAProxy {haproxy} (TCP mode, "
           f"splice-auto, nbthread 2), convproxy --threads 2; {rounds} rounds, {seconds} s per load run, "
           f"{count} connections for TTFB; medians (min–max). Load average before/after: "
           f"{load_before} / {load_after} (other work on the machine shows up here).")
out.append("")
out.append("| figure | direct | HAProxy | smallest relay | convproxy (TCP client) | convproxy (MPTCP client) | convproxy/HAProxy | convproxy/direct |")
out.append("|---|---|---|---|---|---|---|---|")
for test, label, digits in figures:
    cells = []
    for arm in ["direct", "haproxy", "tcp_relay", "convproxy", "convproxy_mptcp"]:
        v = values(test, arm)
        cells.append(f"{fmt(med(test, arm), digits)} ({fmt(min(v), digits)}–{fmt(max(v), digits)})" if v else "n/a")
    c, h, d = med(test, "convproxy"), med(test, "haproxy"), med(test, "direct")
    out.append(f"| {label} | " + " | ".join(cells) + f" | **{c / h:.2f}** | {c / d:.2f} |")
def costs(arm, key):
    found = []
    for r in rows:
        if r["test"] != "cps" or r["arm"] != arm:
            continue
        fields = dict(f.split("=", 1) for f in (r["extra"] or "").split(";") if "=" in f)
        if key in fields:
            found.append(float(fields[key]))
    return statistics.median(found) if found else float("nan")
cost_arms = [("direct", "direct"), ("haproxy", "HAProxy"), ("tcp_relay", "smallest relay"),
             ("convproxy", "convproxy (TCP client)"), ("haproxy_tfo", "HAProxy, TFO to the server"),
             ("convproxy_tfo", "convproxy, TFO to the server")] + ([("baseline", "baseline binary")] if values("cps", "baseline") else [])
out.append("")
out.append("What one connection of the connection-rate runs costs, in µs of CPU time (medians over the rounds): the "
           "whole machine's busy time, the client's and the server's processes, what remains for the proxy (busy "
           "time minus client and server: its process, and the kernel's work outside any process, e.g. softirq), the "
           "proxy process's own user and system time, and the TCP segments the proxy namespace sent and received:")
out.append("")
out.append("| arm | busy | client | server | proxy's share | proxy process user | proxy process system | proxy segments (in + out) |")
out.append("|---|---|---|---|---|---|---|---|")
def share(arm):
    return costs(arm, "busy_us") - costs(arm, "client_us") - costs(arm, "server_us")
for arm, label in cost_arms:
    segs = costs(arm, "proxy_segs")
    out.append(f"| {label} | {fmt(costs(arm, 'busy_us'), 1)} | {fmt(costs(arm, 'client_us'), 1)} | "
               f"{fmt(costs(arm, 'server_us'), 1)} | {fmt(share(arm), 1)} | {fmt(costs(arm, 'proxy_user_us'), 1)} | "
               f"{fmt(costs(arm, 'proxy_sys_us'), 1)} | {fmt(segs, 2) if segs > 0 else '–'} |")
hb = costs("haproxy", "busy_us")
ends = costs("haproxy", "client_us") + costs("haproxy", "server_us")
out.append("")
out.append(f"At 1.3× HAProxy's rate on saturated cores a connection may cost at most {fmt(hb / 1.3, 1)} µs of busy time; "
           f"the client and the server take {fmt(ends, 1)} µs of it (HAProxy arm), which leaves a converter's share "
           f"**{fmt(hb / 1.3 - ends, 1)} µs**, against HAProxy's {fmt(share('haproxy'), 1)} µs, the smallest relay's "
           f"{fmt(share('tcp_relay'), 1)} µs and convproxy's {fmt(share('convproxy'), 1)} µs; the direct path's share "
           f"(routing only) is {fmt(share('direct'), 1)} µs.")
if values("ttfb", "convproxy_tfo"):
    out.append("")
    out.append("With TCP Fast Open towards the server (HAProxy's server line with `tfo`; a Connect TLV that asks the "
               "converter for TFO, so the request rides in the converter's SYN too):")
    out.append("")
    out.append("| figure | HAProxy, TFO | convproxy, TFO | convproxy TFO / HAProxy TFO | convproxy TFO / HAProxy | convproxy TFO / direct |")
    out.append("|---|---|---|---|---|---|")
    for test, label, digits in figures[:2]:
        ht, ct, h, d = med(test, "haproxy_tfo"), med(test, "convproxy_tfo"), med(test, "haproxy"), med(test, "direct")
        out.append(f"| {label} | {fmt(ht, digits)} | {fmt(ct, digits)} | **{ct / ht:.2f}** | **{ct / h:.2f}** | {ct / d:.2f} |")
if values("cps", "baseline"):
    out.append("")
    out.append("The same rounds with the earlier convproxy binary given as BENCH_BASELINE (TCP clients), "
               "against the one built here:")
    out.append("")
    out.append("| figure | baseline binary | this convproxy | this/baseline | baseline/HAProxy | this/HAProxy |")
    out.append("|---|---|---|---|---|---|")
    for test, label, digits in figures:
        b, c, h = med(test, "baseline"), med(test, "convproxy"), med(test, "haproxy")
        out.append(f"| {label} | {fmt(b, digits)} | {fmt(c, digits)} | **{c / b:.2f}** | {b / h:.2f} | {c / h:.2f} |")
if values("cps", "tcp_relay"):
    rc, rs, h = med("cps", "tcp_relay"), med("stream", "tcp_relay"), med("cps", "haproxy")
    out.append("")
    out.append(f"The smallest relay (`convload relay`: two epoll loops copying with recv/send, plain TCP from the client, "
               f"no Convert, no splice, no limits) is what any user-space TCP relay must at least pay here: "
               f"{fmt(rc, 0)} new connections/s (**{rc / h:.2f}× HAProxy's**; convproxy / it: "
               f"**{med('cps', 'convproxy') / rc:.2f}**) and {fmt(rs, 2)} Gbit/s for one stream "
               f"(**{rs / med('stream', 'direct'):.2f}× the direct path**; convproxy / it: "
               f"**{med('stream', 'convproxy') / rs:.2f}**).")
mptcp = values("stream", "mptcp_direct")
if mptcp:
    m, cm, d = med("stream", "mptcp_direct"), med("stream", "convproxy_mptcp"), med("stream", "direct")
    out.append("")
    out.append(f"MPTCP without a proxy (one stream between two plain MPTCP sockets, client to server namespace, "
               f"routed by the proxy namespace): {fmt(m, 2)} Gbit/s ({fmt(min(mptcp), 2)}–{fmt(max(mptcp), 2)}), "
               f"{m / d:.3f}× the TCP direct path. convproxy's MPTCP arm / this baseline: **{cm / m:.2f}**.")
    relay = values("stream", "mptcp_relay")
    if relay:
        r = med("stream", "mptcp_relay")
        out.append("")
        out.append(f"The smallest relay of an MPTCP stream (`convload relay`: MPTCP listener, recv/send epoll loops, "
                   f"TCP to the server): {fmt(r, 2)} Gbit/s ({fmt(min(relay), 2)}–{fmt(max(relay), 2)}). "
                   f"convproxy's MPTCP arm / this relay: **{cm / r:.2f}**.")
out.append("")
out.append("Raw runs (round, test, arm, value, extra):")
out.append("```")
out.extend(open(path).read().strip().splitlines())
out.append("```")
print("\n".join(out))
PY
)
section+=$'\n\n'"Time to first byte, broken down (a separate run of $trace_count sequential connections per arm, "
section+="segments timestamped by the kernel in the proxy namespace by \`convload trace\`; p0 faces the client, p1 the server):"
section+=$'\n\n'"$breakdown"
echo "$section"

# ---------------------------------------------------------------- idle memory
kib() { awk -v key="$1:" '$1 == key {print $2}' "/proc/$2/status"; }

start_idle_proxy() {  # ARM -> pid of a fresh proxy listening on 192.0.2.1:5126
  local arm=$1
  if [ "$arm" = haproxy ]; then
    cat > "$scratch/haproxy-idle.cfg" <<CFG
global
    nbthread 2
    maxconn 9970
    maxpipes 8
defaults
    mode tcp
    option splice-auto
    maxconn 9970
    timeout connect 5s
    timeout client 600s
    timeout server 600s
frontend fe_echo
    bind 192.0.2.1:5126
    default_backend be_echo
backend be_echo
    server s 198.51.100.2:7007
CFG
    ip netns exec "$ns_proxy" haproxy -db -f "$scratch/haproxy-idle.cfg" >>"$scratch/haproxy-idle.log" 2>&1 &
  else
    ip netns exec "$ns_proxy" "$convproxy" --listen 192.0.2.1 --threads 2 --allow 192.0.2.0/24 --log-level warn \
      --port 5126 --max-sessions 20000 --max-pending-per-client 20000 --idle-timeout 600 \
      >>"$scratch/convproxy-idle.log" 2>&1 &
  fi
  echo $!
}

measure_idle() {  # ARM N -> "rss_before_kib rss_kib hwm_kib ok"
  local arm=$1 n=$2 pid client_pid ready=$scratch/idle-ready dest="" waited=0 rss0 rss hwm
  rm -f "$ready"
  pid=$(start_idle_proxy "$arm")
  sleep 1
  rss0=$(kib VmRSS "$pid")
  [ "$arm" = convproxy ] && dest=198.51.100.2:7007
  ip netns exec "$ns_client" timeout 300 "$load" idle 192.0.2.1:5126 "$n" 240 "$ready" $dest \
    >>"$scratch/idle-client.log" 2>&1 &
  client_pid=$!
  while [ ! -s "$ready" ] && [ "$waited" -lt 150 ] && kill -0 "$client_pid" 2>/dev/null; do
    sleep 1
    waited=$((waited + 1))
  done
  sleep 2
  rss=$(kib VmRSS "$pid")
  hwm=$(kib VmHWM "$pid")
  local ok
  ok=$(grep -o 'ok=[0-9]*' "$ready" 2>/dev/null | cut -d= -f2)
  kill "$client_pid" 2>/dev/null || true
  wait "$client_pid" 2>/dev/null || true
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  sleep 1
  echo "$rss0 $rss $hwm ${ok:-0}"
}

idle_section=""
if [ -n "$idle_counts" ]; then
  echo "== idle connections: ${idle_counts}"
  idle_csv=$scratch/idle.csv
  echo "arm,n,rss_before_kib,rss_kib,hwm_kib,ok" >"$idle_csv"
  for arm in convproxy haproxy; do
    for n in $idle_counts; do
      read -r rss0 rss hwm ok <<<"$(measure_idle "$arm" "$n")"
      echo "$arm,$n,$rss0,$rss,$hwm,$ok" | tee -a "$idle_csv"
    done
  done
  idle_section=$(python3 - "$idle_csv" <<'PY'
import csv, sys, datetime
rows = list(csv.DictReader(open(sys.argv[1])))
def fit(arm):
    points = [(int(r["n"]), int(r["rss_kib"])) for r in rows if r["arm"] == arm and int(r["ok"]) == int(r["n"])]
    if len(points) < 2:
        return None
    mean_n = sum(n for n, _ in points) / len(points)
    mean_r = sum(r for _, r in points) / len(points)
    slope = sum((n - mean_n) * (r - mean_r) for n, r in points) / sum((n - mean_n) ** 2 for n, _ in points)
    return mean_r - slope * mean_n, slope
out = [f"Run: {datetime.date.today()}. Each proxy started fresh per N, N connections opened in batches of 100 "
       "(each checked by a 1-byte echo through the proxy), then RSS read from /proc while all N sit idle. "
       "HAProxy: maxconn 9970, maxpipes 8, splice-auto, nbthread 2; convproxy: --threads 2, TCP clients.", "",
       "| proxy | N | connections up | RSS before, KiB | RSS with N idle, KiB | peak RSS (VmHWM), KiB |",
       "|---|---|---|---|---|---|"]
for r in rows:
    out.append(f"| {r['arm']} | {int(r['n']):,} | {int(r['ok']):,} | {int(r['rss_before_kib']):,} | "
               f"{int(r['rss_kib']):,} | {int(r['hwm_kib']):,} |")
out.append("")
fits = {arm: fit(arm) for arm in ("convproxy", "haproxy")}
for arm, line in fits.items():
    if line:
        base, slope = line
        out.append(f"- {arm}: RSS = {base:,.0f} KiB + {slope:.3f} KiB x N; at 10,000 idle connections "
                   f"{(base + slope * 10000) / 1024:.1f} MiB.")
    else:
        out.append(f"- {arm}: not enough complete runs for a fit.")
if all(fits.values()):
    c, h = fits["convproxy"], fits["haproxy"]
    out.append(f"- convproxy/HAProxy at 10,000: **{(c[0] + c[1] * 10000) / (h[0] + h[1] * 10000):.2f}**; "
               f"per connection {c[1] / h[1]:.2f}.")
print("\n".join(out))
PY
)
  echo "$idle_section"
fi

replace_block() {  # FILE NAME TEXT: the text between <!-- NAME:begin --> and <!-- NAME:end -->
  python3 - "$1" "$2" "$3" <<'PY'
import sys, re
path, name, section = sys.argv[1:]
begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
text = open(path).read()
if begin not in text:
    text += f"\n{begin}\n{end}\n"
block = f"{begin}\n{section}\n{end}"
text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
open(path, "w").write(text)
PY
}

if [ "${BENCH_NO_DOCS:-0}" != 1 ]; then
  replace_block "$repo/docs/benchmarks.md" proxy-bench "$section"
  [ -z "$idle_section" ] || replace_block "$repo/docs/benchmarks.md" idle-rss "$idle_section"
  echo "== wrote the figures to docs/benchmarks.md"
fi
