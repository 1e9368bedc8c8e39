# Sourced by bench/proxy-bench.sh and bench/soak.sh: the three namespaces of
# a benchmark, their cleanup, and the build of what runs in them.
#
#   client ns c0 192.0.2.2 --veth-- p0 192.0.2.1  proxy ns  p1 198.51.100.1 --veth-- s0 198.51.100.2 server ns
#
# lab_init PREFIX sets ns_client, ns_proxy, ns_server (PREFIX-$$-c/p/s),
# scratch and pids, and installs the cleanup traps; lab_create builds the
# namespaces; lab_build BUILD_DIR sets convproxy and load (convload).

lab_init() {
  lab_prefix=$1
  ns_client=$lab_prefix-$$-c
  ns_proxy=$lab_prefix-$$-p
  ns_server=$lab_prefix-$$-s
  scratch=$(mktemp -d "/tmp/$lab_prefix-XXXXXX")
  pids=()
  trap lab_cleanup EXIT
  trap 'exit 130' INT TERM HUP PIPE
  lab_sweep_stale
}

lab_cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for ns in "$ns_client" "$ns_proxy" "$ns_server"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$scratch"
}

# Namespaces of earlier runs whose script died without cleaning up.
lab_sweep_stale() {
  local stale owner pid
  for stale in $(ip netns list | awk -v p="$lab_prefix" '$1 ~ "^" p "-[0-9]+-[cps]$" {print $1}'); do
    owner=${stale#"$lab_prefix"-}; owner=${owner%-*}
    if ! kill -0 "$owner" 2>/dev/null; then
      for pid in $(ip netns pids "$stale"); do kill "$pid" 2>/dev/null || true; done
      ip netns del "$stale" 2>/dev/null || true
    fi
  done
}

lab_create() {
  local ns
  for ns in "$ns_client" "$ns_proxy" "$ns_server"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # 0x207: TFO client and server, SYN data without a cookie (RFC 8803 App. A)
    ip netns exec "$ns" sysctl -qw net.ipv4.tcp_fastopen=519
  done
  ip link add c0 netns "$ns_client" type veth peer name p0 netns "$ns_proxy"
  ip link add p1 netns "$ns_proxy" type veth peer name s0 netns "$ns_server"
  ip -n "$ns_client" addr add 192.0.2.2/24 dev c0
  ip -n "$ns_proxy" addr add 192.0.2.1/24 dev p0
  ip -n "$ns_proxy" addr add 198.51.100.1/24 dev p1
  ip -n "$ns_server" addr add 198.51.100.2/24 dev s0
  ip -n "$ns_client" link set c0 up
  ip -n "$ns_proxy" link set p0 up
  ip -n "$ns_proxy" link set p1 up
  ip -n "$ns_server" link set s0 up
  ip -n "$ns_client" route add default via 192.0.2.1
  ip -n "$ns_server" route add default via 198.51.100.1
  ip netns exec "$ns_proxy" sysctl -qw net.ipv4.ip_forward=1
  for ns in "$ns_client" "$ns_proxy"; do
    ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
    ip netns exec "$ns" sysctl -qw net.ipv4.tcp_tw_reuse=1
  done
}

lab_build() {  # BUILD_DIR REPO; BENCH_NO_BUILD=1 takes the binaries as they are
  local build=$1 repo=$2
  if [ "${BENCH_NO_BUILD:-0}" = 1 ] && [ -x "$build/bin/convproxy" ] && [ -x "$build/bin/convload" ]; then
    convproxy=$build/bin/convproxy
    load=$build/bin/convload
    return
  fi
  if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake --preset release -S "$repo" >/dev/null
    build=$repo/build/release
  fi
  cmake --build "$build" -j 2 --target convproxy convload >/dev/null
  convproxy=$build/bin/convproxy
  load=$build/bin/convload
}
