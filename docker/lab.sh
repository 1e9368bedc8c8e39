#!/bin/sh
# The roles of the compose lab: each container of compose.yaml runs `lab ROLE`.
# Addresses follow the project's plan (docs/remote-put.md); the segments and
# why they look like this: README.md beside this file.
set -eu
role=${1:-}
[ $# -gt 0 ] && shift

log() { echo "lab $role: $*" >&2; }

# Docker leaves IPv6 addresses tentative for a moment; binding or routing
# through one fails.
wait_ipv6() {
  tries=0
  while ip -6 addr show tentative | grep -q inet6 && [ $tries -lt 50 ]; do
    tries=$((tries + 1))
    sleep 0.1
  done
}

# Docker's default route leads to the host's bridge: lab packets must take
# the lab's paths or none, never leave the host.
route_default_via() {
  ip -4 route del default 2>/dev/null || true
  ip -6 route del default 2>/dev/null || true
  [ -z "${1:-}" ] || ip -4 route replace default via "$1"
  [ -z "${2:-}" ] || ip -6 route replace default via "$2"
}

case $role in
converter-net)
  # Holds the converter's network namespace (compose.yaml: the converter
  # joins it), so that any converter image finds addresses, routes, sysctls
  # and offloads ready and only has to listen (docs/vendor-image.md).
  rm -f /run/lab-ready
  wait_ipv6
  route_default_via
  # Servers (and 203.0.113.0/24, 2001:db8:3::/64 for unreachable ones) lie
  # behind the gateway of the plan, exactly as remote-put.md asks of any PUT:
  # the middlebox in the demo, convtest's virtual gateway in the harness
  # profile. The demo's access segment is behind the same gateway.
  for prefix in 198.51.100.0/24 203.0.113.0/24 198.18.0.0/24; do
    ip -4 route replace "$prefix" via 192.0.2.254
  done
  for prefix in 2001:db8:2::/64 2001:db8:3::/64 2001:db8:4::/64; do
    ip -6 route replace "$prefix" via 2001:db8:1::fe
  done
  # A veth hands partial checksums and TSO super-segments to the capture,
  # which convtest would judge as wrong (remote-put.md, Checksum offload).
  dev=$(ip -o -4 addr show to 192.0.2.1 | awk '{print $2; exit}')
  ethtool -K "$dev" tx off tso off gso off >/dev/null 2>&1 ||
    log "warning: could not turn TX offload off on $dev (the harness may see bad checksums)"
  touch /run/lab-ready
  exec sleep infinity
  ;;

converter-ready)
  # The healthcheck of converter-net: its set-up is done and something
  # listens on the Convert port of the shared namespace (the converter).
  [ -e /run/lab-ready ] && ss -Hltn "sport = :${CONVERTER_PORT:-5124}" | grep -q .
  ;;

converter)
  # convproxy configured from the vendor-image contract's variables
  # (docs/vendor-image.md), like any converter image would be. The ACL,
  # cookie clients and limits are those put.json declares (the built-in
  # configuration of convtest's local lab, put_description.cpp).
  set -f
  for feature in $(echo "${CONVERTER_FEATURES:-}" | tr ',' ' '); do
    case $feature in
    mptcp | info | ipv6 | tfo | late-convert) ;; # convproxy always offers them
    acl | cookie | limit) ;;                     # configured below
    none) ;;
    *)
      log "unsupported feature '$feature' in CONVERTER_FEATURES"
      exit 77
      ;;
    esac
  done
  has() { case ",${CONVERTER_FEATURES:-}," in *",$1,"*) return 0 ;; esac; return 1; }
  set -- --listen "${CONVERTER_ADDRESS:-192.0.2.1}"
  if has ipv6 && [ -n "${CONVERTER_ADDRESS6:-}" ]; then set -- "$@" --listen "$CONVERTER_ADDRESS6"; fi
  has mptcp || set -- "$@" --tcp
  # Every client the lab plays or runs may use the converter: the harness's
  # on 192.0.2.0/24 and 2001:db8:1::/64, the demo's on the access segment.
  if has acl; then  # ... except 192.0.2.250 and 2001:db8:1::dead (acl_denied)
    set -- "$@" --allow 192.0.2.0/25 --allow 192.0.2.128/26 --allow 192.0.2.192/27 --allow 2001:db8:1::/113
  else
    set -- "$@" --allow 192.0.2.0/24 --allow 2001:db8:1::/64
  fi
  set -- "$@" --allow 127.0.0.0/8 --allow ::1 --allow 198.18.0.0/24 --allow 2001:db8:4::/64
  if has cookie; then  # cookie_clients .210, .211, ::c10, ::c11; cookie_max_age 2
    set -- "$@" --cookie-clients 192.0.2.208/28 --cookie-clients 2001:db8:1::c00/120 --cookie-rotation 1
  fi
  if has limit; then set -- "$@" --max-sessions 8 --max-pending-per-client 4; fi  # session_limit 8
  # Extra flags (e.g. --fault NAME) come from CONVPROXY_FLAGS; a flag given
  # twice is an error in convproxy.
  # shellcheck disable=SC2086
  exec convproxy "$@" --port "${CONVERTER_PORT:-5124}" --convert-timeout 1000 --connect-timeout 1500 \
    --log-level "${CONVERTER_LOG_LEVEL:-debug}" ${CONVPROXY_FLAGS:-}
  ;;

middlebox)
  rm -f /run/lab-ready  # a restarted container is not ready before its rules
  wait_ipv6
  # No default route: destinations the lab does not route (203.0.113.0/24)
  # get ICMP net unreachable, which the converter echoes as error 97.
  route_default_via
  if [ -n "${MIDDLEBOX_STRIP_OPTIONS:-}" ]; then
    # Only on the access segment (client <-> converter), where RFC 8803 §8
    # puts the middleboxes; TCPOPTSTRIP is the host kernel's xt_TCPOPTSTRIP,
    # which a container cannot load.
    strip() {  # strip IPTABLES ACCESS_PREFIX
      for side in -s -d; do
        "$1" -t mangle -A FORWARD "$side" "$2" -p tcp --tcp-flags SYN SYN \
          -j TCPOPTSTRIP --strip-options "$MIDDLEBOX_STRIP_OPTIONS" || {
          log "TCPOPTSTRIP failed: load xt_TCPOPTSTRIP on the host (see README.md)"
          exit 1
        }
      done
    }
    strip iptables 198.18.0.0/24
    strip ip6tables 2001:db8:4::/64
    log "stripping TCP option kinds $MIDDLEBOX_STRIP_OPTIONS from SYNs and SYN-ACKs of the access segment"
  fi
  touch /run/lab-ready
  if [ "${MIDDLEBOX_CAPTURE:-1}" = 1 ]; then
    mkdir -p out
    # Every packet twice (in and out of the router): before and after any
    # stripping. -Z root: tcpdump would open the file as user tcpdump.
    exec tcpdump -i any -n -l -U -Z root -w out/demo.pcap --print 'tcp or icmp or (icmp6 and ip6[40] < 128)'
  fi
  exec sleep infinity
  ;;

server)
  wait_ipv6
  # A legacy server knows nothing of the converter; its answers go back
  # through the router like any host's.
  route_default_via 198.51.100.254 2001:db8:2::fe
  log "echo server on port 7: plain TCP, no Convert, no MPTCP"
  exec socat -d -d TCP6-LISTEN:7,ipv6only=0,reuseaddr,fork PIPE
  ;;

client)
  wait_ipv6
  route_default_via 198.18.0.254 2001:db8:4::fe
  demo() {
    title=$1 input=$2
    shift 2
    printf '\n=== %s\n$ convclient %s\n' "$title" "$*"
    rc=0
    printf '%b' "$input" | convclient "$@" 2>&1 || rc=$?  # in order with the transcript
    printf '(exit code %s)\n' "$rc"
  }
  demo "IPv4 echo: MPTCP to the converter, plain TCP to the server" 'hello over IPv4\n' \
    --converter 192.0.2.1:5124 --info --print-reply 198.51.100.10 7
  demo "IPv6 echo" 'hello over IPv6\n' --converter '[2001:db8:1::1]:5124' --print-reply 2001:db8:2::10 7
  demo "closed port: the server resets, the converter says Connection Reset (96)" '' \
    --converter 192.0.2.1:5124 198.51.100.10 9
  demo "no route: the router's ICMP comes back as Destination Unreachable (97)" '' \
    --converter 192.0.2.1:5124 203.0.113.10 80
  printf '\ndemo done; try (compose exec client ...): convclient --converter 192.0.2.1:5124 198.51.100.10 7\n'
  exec sleep infinity
  ;;

harness)
  # convtest plays every other host of this link (clients, servers, the
  # gateway 192.0.2.254) from its own MAC: this kernel must own none of the
  # lab's addresses (remote-put.md). IPv6 is off through compose already.
  ip -4 addr flush dev eth0
  ip -6 addr flush dev eth0 scope global 2>/dev/null || true
  mkdir -p out
  # A repro line from the report, pasted as is.
  [ "${1:-}" = convtest ] && exec "$@"
  exec convtest run --remote --iface eth0 --put /lab/put.json --junit out/junit.xml --pcap-dir out/pcap "$@"
  ;;

*)
  echo "usage: lab converter-net|converter-ready|converter|middlebox|server|client|harness [convtest arguments]" >&2
  exit 2
  ;;
esac
