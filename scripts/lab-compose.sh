#!/usr/bin/env bash
# lab-compose.sh [OPTIONS] harness [CONVTEST RUN ARGS...]
# lab-compose.sh [OPTIONS] demo
# lab-compose.sh [OPTIONS] shell [COMMAND...]
# lab-compose.sh [OPTIONS] image
# lab-compose.sh [OPTIONS] base
# lab-compose.sh clean | purge
#
# Runs the compose lab (docker/compose.yaml) under a real container engine,
# starting from a bare Debian 12 machine (root): installs what is missing
# from Debian packages, makes the debian:12 base image with debootstrap when
# no image registry answers, runs the engine in a network namespace of its
# own when the machine's addresses or routes overlap the lab's subnets,
# builds the image and runs one profile:
#   harness  the catalog (or the cases named by the arguments) against the
#            converter; exit code = convtest's; docker/out/report.json,
#            junit.xml and pcap/
#   demo     the four exchanges of docker/README.md; the client's transcript
#            is printed and kept in docker/out/demo.txt
#   image    only builds the image (from source unless --prebuilt): the
#            build vendors use, by itself
#   base     only installs the engine and makes the base image, the slow
#            part of a first run on a bare machine (the test command does
#            it while compiling)
#   shell    engine and images ready, runs COMMAND (default: an interactive
#            shell) with DOCKER_HOST and COMPOSE_PROJECT_NAME set, for compose
#            commands by hand (docker/README.md); cleans up when it ends
#   clean    stops what an interrupted run left (daemon, namespace)
#   purge    clean, then removes the engine's images and state
# Every run cleans up its daemon, namespace and networks on exit; images and
# the build cache stay for the next run (purge removes them).
#
# Options:
#   --prebuilt DIR       image from the binaries in DIR (convtest, convproxy,
#                        convclient) instead of compiling them in the image
#   --override FILE      an extra compose file, e.g. another converter image
#                        (docs/vendor-image.md); repeatable
#   --put FILE           the PUT description (default docker/put.json)
#   --load TAR           load an image tarball (`docker save`) into the
#                        engine first, e.g. a converter image; repeatable
#   --engine-netns MODE  auto (default): the machine's engine when one runs
#                        and the lab's subnets overlap nothing here, else a
#                        private engine in a namespace of its own; yes; no
#   --keep               demo: leave the lab up until Ctrl-C
# Environment: LAB_COMPOSE (a compose command, e.g. "docker-compose"; default:
# the Compose v2 plugin when present, else Debian's docker-compose),
# LAB_OUT_DIR (docker/out: the report, JUnit, pcaps, the demo's transcript),
# LAB_STATE_DIR (/var/lib/convtest-lab), LAB_RUN_DIR (/run/convtest-lab).
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"

# Debian's binaries first: a docker CLI elsewhere (/usr/local/bin) may be of
# another release than the engine this script installs and starts.
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:$PATH"
docker=/usr/bin/docker

project=convtest-lab
lab_image=convtest-lab:dev
netns=convtest-lab
state_dir=${LAB_STATE_DIR:-/var/lib/convtest-lab}
run_dir=${LAB_RUN_DIR:-/run/convtest-lab}
compose_file=$repo_root/docker/compose.yaml
# Every prefix the lab puts on a bridge or routes (compose.yaml, lab.sh).
lab_prefixes="192.0.2.0/24 198.51.100.0/24 203.0.113.0/24 198.18.0.0/24
  2001:db8:1::/64 2001:db8:2::/64 2001:db8:3::/64 2001:db8:4::/64"

prebuilt_dir='' put_file='' engine_netns=auto keep=0 profile='' out_dir=''
overrides=()
image_tarballs=()
compose=()
started=$SECONDS
# What this run started, for cleanup.
daemon_pid='' slirp_pid='' made_netns=0 engine_ready=0 staging_dir=''

log() { echo "lab-compose: $* (at $((SECONDS - started)) s)" >&2; }
die() {
  echo "lab-compose: $1" >&2
  exit "${2:-2}"
}

# quietly NAME COMMAND...: output to $run_dir/NAME.log, shown only on failure.
quietly() {
  local name=$1
  shift
  "$@" >"$run_dir/$name.log" 2>&1 || {
    tail -25 "$run_dir/$name.log" >&2
    die "$name failed (log $run_dir/$name.log)"
  }
}

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
  exit 3
}

parse_arguments() {
  while [ $# -gt 0 ]; do
    case $1 in
    --prebuilt) prebuilt_dir=$(cd "$2" && pwd) && shift 2 ;;
    --override) overrides+=("$(realpath "$2")") && shift 2 ;;
    --put) put_file=$(realpath "$2") && shift 2 ;;
    --load) image_tarballs+=("$(realpath "$2")") && shift 2 ;;
    --engine-netns) engine_netns=$2 && shift 2 ;;
    --keep) keep=1 && shift ;;
    -h | --help) usage ;;
    harness | demo | shell | image | base | clean | purge)
      profile=$1
      shift
      break
      ;;
    *) usage ;;
    esac
  done
  [ -n "$profile" ] || usage
  case $engine_netns in auto | yes | no) ;; *) usage ;; esac
  convtest_args=("$@")
  case $profile in harness | shell) ;; *) [ $# -eq 0 ] || usage ;; esac
}

# Root alone is not enough in a container: the engine mounts, makes
# namespaces and bridges. Name the first missing privilege.
require_privileges() {
  [ "$(id -u)" -eq 0 ] || die "needs root: run it with sudo"
  local caps bit name
  caps=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
  for bit_name in 12:CAP_NET_ADMIN 13:CAP_NET_RAW 21:CAP_SYS_ADMIN; do
    bit=${bit_name%%:*} name=${bit_name#*:}
    (((0x$caps >> bit) & 1)) || die "needs $name (the container engine creates namespaces, mounts and bridges)"
  done
}

# The lab's packages, from the machine's Debian repositories. Services stay
# stopped while installing: the packaged daemon would start in the
# machine's own namespace, where the lab may not belong.
install_missing_packages() {
  local packages=(docker.io iptables iproute2 procps debootstrap slirp4netns python3 python3-jsonschema) missing=() package
  [ -n "${LAB_COMPOSE:-}" ] || $docker compose version >/dev/null 2>&1 || packages+=(docker-compose)
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  log "installing ${missing[*]}"
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [ ! -e $policy ]; then
    printf '#!/bin/sh\nexit 101\n' >$policy && chmod 755 $policy && made_policy=1
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
  [ $made_policy -eq 0 ] || rm -f $policy
  [ $rc -eq 0 ] || die "apt-get could not install ${missing[*]}"
}

choose_compose() {
  if [ -n "${LAB_COMPOSE:-}" ]; then
    read -r -a compose <<<"$LAB_COMPOSE"
  elif $docker compose version >/dev/null 2>&1; then
    compose=("$docker" compose)
  else
    compose=(/usr/bin/docker-compose)
  fi
  log "compose: $("${compose[@]}" version 2>/dev/null | head -1)"
  compose+=(-p "$project" -f "$compose_file")
  local file
  for file in "${overrides[@]}"; do compose+=(-f "$file"); done
}

# Prints every address, route or gateway of this namespace inside one of the
# lab's prefixes: bridges for them here would shadow or steal those routes.
host_overlaps() {
  { ip -o addr show | awk '{print "addr", $4}'; ip -4 route show table all; ip -6 route show table all; } |
    python3 -c '
import ipaddress, sys
lab = [ipaddress.ip_network(p) for p in sys.argv[1].split()]
types = {"unicast", "local", "broadcast", "anycast", "multicast", "blackhole", "unreachable", "prohibit", "throw"}
def clash(text):
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return any(net.version == l.version and net.overlaps(l) for l in lab)
for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    if words[0] == "addr":
        candidates = words[1:2]
    else:
        if words[0] in types:
            words = words[1:]
        candidates = [w for w in words[:1] if w != "default"]
        candidates += [words[i + 1] for i, w in enumerate(words[:-1]) if w == "via"]
    if any(clash(c) for c in candidates):
        print("  " + line.strip())
' "$lab_prefixes"
}

# Holds the lock for the whole run: two runs would share names and state.
take_lock() {
  mkdir -p "$run_dir"
  exec 9>"$run_dir.lock"
  flock -n 9 || die "another lab-compose.sh is running (lock $run_dir.lock)"
}

# pid_of FILE PATTERN: the pid in FILE when that process still runs and its
# command line contains PATTERN (not some later process with the same pid).
pid_of() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$2" && echo "$pid"
}

stop_pid() {  # stop_pid PID SECONDS: TERM, then KILL after SECONDS
  local pid=$1 tries=$(($2 * 10))
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null && [ $tries -gt 0 ]; do
    sleep 0.1
    tries=$((tries - 1))
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# What an interrupted run left: its daemon (and the containerd it
# supervised), slirp4netns, the namespace.
clean_leftovers() {
  local pid
  if pid=$(pid_of "$run_dir/dockerd.pid" "$run_dir/daemon.json"); then
    log "stopping the engine a previous run left (pid $pid)"
    stop_pid "$pid" 30
  fi
  for pid in $(pgrep -f -- "$run_dir/exec/containerd" || true); do stop_pid "$pid" 10; done
  if pid=$(pid_of "$run_dir/slirp4netns.pid" slirp4netns); then stop_pid "$pid" 5; fi
  rm -f "$run_dir/dockerd.pid" "$run_dir/slirp4netns.pid"
  if ip netns list | grep -qw "^$netns"; then
    log "removing the namespace $netns a previous run left"
    ip netns del "$netns"
  fi
}

use_private_netns() {
  [ "$engine_netns" != yes ] || return 0
  local overlaps
  overlaps=$(host_overlaps)
  [ -n "$overlaps" ] || return 1
  log "this machine's addresses or routes overlap the lab's subnets:"
  echo "$overlaps" >&2
  if [ "$engine_netns" = no ]; then
    log "warning: --engine-netns no: the lab's bridges will shadow these routes while it runs"
    return 1
  fi
  log "so the engine runs in a network namespace of its own ($netns), outbound through slirp4netns"
  return 0
}

# A namespace for the engine, with outbound traffic through slirp4netns (a
# user-mode stack: 10.0.2.100 on tap0, DNS at 10.0.2.3, nothing routed from
# the machine into the namespace).
make_engine_netns() {
  [ -e /dev/net/tun ] || die "needs /dev/net/tun (slirp4netns) for the engine's namespace"
  ip netns add "$netns"
  made_netns=1
  ip -n "$netns" link set lo up
  slirp4netns --configure --mtu=65520 --disable-host-loopback --netns-type=path \
    "/run/netns/$netns" tap0 >"$run_dir/slirp4netns.log" 2>&1 &
  slirp_pid=$!
  echo "$slirp_pid" >"$run_dir/slirp4netns.pid"
  local tries=100
  until ip -n "$netns" -4 addr show dev tap0 2>/dev/null | grep -q 'inet '; do
    tries=$((tries - 1))
    if [ $tries -eq 0 ] || ! kill -0 "$slirp_pid" 2>/dev/null; then
      die "slirp4netns did not configure tap0: $(tail -3 "$run_dir/slirp4netns.log")"
    fi
    sleep 0.1
  done
}

# A private dockerd: its own data, exec root, socket and containerd
# namespace, so it never meets the machine's own engine.
start_private_daemon() {
  local in_netns=$1 dns=
  [ "$in_netns" = 0 ] || dns='"dns": ["10.0.2.3"],'
  mkdir -p "$state_dir/docker" "$run_dir/exec"
  cat >"$run_dir/daemon.json" <<EOF
{
  "data-root": "$state_dir/docker",
  "exec-root": "$run_dir/exec",
  "pidfile": "$run_dir/dockerd.pid",
  "hosts": ["unix://$run_dir/docker.sock"],
  "containerd-namespace": "$project",
  "containerd-plugins-namespace": "$project-plugins",
  $dns
  "features": {"buildkit": true}
}
EOF
  local launcher=()
  # nsenter, not `ip netns exec`: that remounts /sys and hides the cgroups.
  [ "$in_netns" = 0 ] || launcher=(nsenter "--net=/run/netns/$netns" --)
  setsid "${launcher[@]}" dockerd --config-file "$run_dir/daemon.json" >"$run_dir/dockerd.log" 2>&1 &
  daemon_pid=$!
  export DOCKER_HOST="unix://$run_dir/docker.sock"
  local deadline=$((SECONDS + 60))
  until $docker info >/dev/null 2>&1; do
    kill -0 "$daemon_pid" 2>/dev/null || die "dockerd exited: $(tail -5 "$run_dir/dockerd.log")"
    [ $SECONDS -lt $deadline ] || die "dockerd did not answer within 60 s: $(tail -5 "$run_dir/dockerd.log")"
    sleep 0.5
  done
  log "engine: dockerd $($docker version -f '{{.Server.Version}}') (log $run_dir/dockerd.log)"
}

# Without an overlap, the machine's own engine when one runs (its bridges
# can be watched from the machine). A private engine goes in its own
# namespace unless told otherwise: deleting the namespace removes every
# bridge and firewall rule it made, where dockerd itself would leave
# docker0 and its iptables chains behind.
start_engine() {
  if use_private_netns; then
    make_engine_netns
    start_private_daemon 1
  elif DOCKER_HOST=unix:///var/run/docker.sock $docker info >/dev/null 2>&1; then
    export DOCKER_HOST=unix:///var/run/docker.sock
    log "engine: the machine's dockerd (no overlap with the lab's subnets)"
  elif [ "$engine_netns" = auto ]; then
    log "no engine runs on this machine: a private one, in a network namespace of its own ($netns)"
    make_engine_netns
    start_private_daemon 1
  else
    log "warning: --engine-netns no: a private dockerd in this namespace leaves docker0 and its iptables chains behind"
    start_private_daemon 0
  fi
  engine_ready=1
}

# The first Debian repository apt uses for bookworm: debootstrap's mirror.
debian_mirror() {
  # shellcheck disable=SC2016 # apt's format, not the shell's
  apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(ORIGIN)' |
    awk '$2 == "bookworm" && $3 == "Debian" {print $1; exit}'
}

# apt inside the image uses the machine's Debian repositories and settings:
# when the mirror is a dated snapshot, its Release files have expired.
configure_rootfs_apt() {
  local rootfs=$1
  rm -f "$rootfs/etc/apt/sources.list"
  # shellcheck disable=SC2016 # apt's format, not the shell's
  apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(ORIGIN) $(COMPONENT)' |
    awk '$3 == "Debian" && $2 ~ /^bookworm/ {print "deb " $1 " " $2 " " $4}' |
    sort -u >"$rootfs/etc/apt/sources.list.d/lab-host.list"
  apt-config dump | grep -E '^Acquire::(Check-Valid-Until|Check-Date|https?::Proxy)' \
    >"$rootfs/etc/apt/apt.conf.d/99lab-host" || true
}

# debian:12 and debian:12-slim, which docker/Dockerfile starts from: kept
# from an earlier run, pulled, or made from the Debian mirror.
ensure_base_image() {
  if $docker image inspect debian:12 >/dev/null 2>&1; then
    $docker image inspect debian:12-slim >/dev/null 2>&1 || $docker tag debian:12 debian:12-slim
    return 0
  fi
  if timeout 60 $docker pull -q debian:12 >/dev/null 2>&1 && timeout 60 $docker pull -q debian:12-slim >/dev/null 2>&1; then
    log "base image: pulled debian:12 and debian:12-slim"
    return 0
  fi
  local mirror rootfs=$state_dir/rootfs
  mirror=$(debian_mirror)
  [ -n "$mirror" ] || die "no image registry answers, and apt has no Debian bookworm repository for debootstrap"
  log "base image: no registry answers; debootstrap --variant=minbase bookworm from $mirror"
  rm -rf "$rootfs"
  quietly debootstrap debootstrap --variant=minbase bookworm "$rootfs" "$mirror"
  configure_rootfs_apt "$rootfs"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | $docker import -c 'CMD ["bash"]' - debian:12 >/dev/null
  $docker tag debian:12 debian:12-slim
  rm -rf "$rootfs"
  log "base image: debian:12 and debian:12-slim imported"
}

# The Debian packages of the shared libraries the binaries load: a
# sanitizer build needs libasan8 and libubsan1 in the image.
runtime_packages_of() {
  # One dpkg query for all (each call reads the whole database); with
  # /usr merged, a library's path may be registered with or without /usr.
  ldd "$@" | awk '/=> \// {p = $3; sub("^/usr", "", p); print p; print "/usr" p}' | sort -u |
    { xargs dpkg -S 2>/dev/null || true; } | cut -d: -f1 | sort -u | tr '\n' ' '
}

build_lab_image() {
  export DOCKER_BUILDKIT=1 COMPOSE_DOCKER_CLI_BUILD=1
  if [ -n "$prebuilt_dir" ]; then
    local binaries=("$prebuilt_dir/convtest" "$prebuilt_dir/convproxy" "$prebuilt_dir/convclient") extra
    ls "${binaries[@]}" >/dev/null
    staging_dir=$(mktemp -d)
    mkdir -p "$staging_dir/docker" "$staging_dir/prebuilt/bin"
    cp "$repo_root/docker/lab.sh" "$staging_dir/docker/"
    cp "${binaries[@]}" "$staging_dir/prebuilt/bin/"
    extra=$(runtime_packages_of "${binaries[@]}")
    log "image: $lab_image from the binaries in $prebuilt_dir"
    quietly image-build $docker build -f "$repo_root/docker/Dockerfile" --target prebuilt \
      --build-arg EXTRA_PACKAGES="$extra" -t "$lab_image" "$staging_dir"
  else
    log "image: $lab_image from source (docker/Dockerfile, target lab)"
    quietly image-build $docker build -f "$repo_root/docker/Dockerfile" -t "$lab_image" "$repo_root"
  fi
  # An override may build its converter image (FROM this one).
  [ ${#overrides[@]} -eq 0 ] || quietly compose-build "${compose[@]}" --profile harness build converter
  log "image: built"
}

# container_of SERVICE: its container, running or not (labels every Compose sets).
container_of() {
  $docker ps -aq --filter "label=com.docker.compose.project=$project" \
    --filter "label=com.docker.compose.service=$1" | head -1
}

# Healthy converter-net = the converter listens. A converter that exits
# instead: 77 is the contract's "unsupported" (docs/vendor-image.md).
wait_converter_ready() {
  local deadline=$((SECONDS + 90)) net converter state code
  while :; do
    net=$(container_of converter-net) converter=$(container_of converter)
    state=$($docker inspect -f '{{.State.Health.Status}}' "$net" 2>/dev/null || echo missing)
    [ "$state" != healthy ] || return 0
    if [ -n "$converter" ] && [ "$($docker inspect -f '{{.State.Running}}' "$converter")" = false ]; then
      code=$($docker inspect -f '{{.State.ExitCode}}' "$converter")
      $docker logs --tail 20 "$converter" >&2 || true
      [ "$code" != 77 ] || die "the converter image says it cannot serve this configuration (exit code 77, see its log above)"
      die "the converter exited with code $code before listening"
    fi
    [ $SECONDS -lt $deadline ] || die "the converter did not listen on its port within 90 s (converter-net: $state)"
    sleep 1
  done
}

# The PUT description must be one convtest reads, and declare the features
# the converter is asked for (CONVERTER_FEATURES): different lists would
# judge what was not asked for.
check_put_file() {
  local features
  features=${CONVERTER_FEATURES:-$(sed -n 's/^CONVERTER_FEATURES=//p' "$repo_root/docker/.env")}
  python3 - "$repo_root/reports/schema/put-v1.schema.json" "$CONVTEST_PUT_FILE" "$features" <<'EOF' ||
import json, sys, jsonschema
put = json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(put)
asked = {f for f in sys.argv[3].split(",") if f and f != "none"}
if set(put.get("features", [])) != asked:
    sys.exit(f"CONVERTER_FEATURES ({sys.argv[3]}) differs from its features ({','.join(put.get('features', []))})")
EOF
    die "the PUT description $CONVTEST_PUT_FILE does not fit (above)"
}

load_images() {
  local tarball
  for tarball in "${image_tarballs[@]}"; do
    log "image: loading $tarball"
    quietly image-load $docker load -i "$tarball"
  done
}

validate_report() {
  local report=$out_dir/report.json
  [ -s "$report" ] || {
    log "no report at $report"
    return 1
  }
  python3 -c 'import json, sys, jsonschema
jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))' \
    "$repo_root/reports/schema/report-v1.schema.json" "$report" && log "report: $report validates against report-v1.schema.json"
}

run_harness() {
  rm -rf "$out_dir/report.json" "$out_dir/junit.xml" "$out_dir/pcap"
  mkdir -p "$out_dir"
  "${compose[@]}" --profile harness up -d converter
  wait_converter_ready
  log "harness: convtest run --remote ${convtest_args[*]}"
  local rc=0
  "${compose[@]}" --profile harness run --rm -T harness "${convtest_args[@]}" || rc=$?
  validate_report || [ $rc -ne 0 ] || rc=2
  log "harness: exit code $rc"
  return $rc
}

run_demo() {
  rm -f "$out_dir/demo.pcap" "$out_dir/demo.txt"
  mkdir -p "$out_dir"
  "${compose[@]}" --profile demo up -d
  wait_converter_ready
  local client deadline=$((SECONDS + 120))
  client=$(container_of client)
  until $docker logs "$client" 2>&1 | grep -q '^demo done'; do
    [ "$($docker inspect -f '{{.State.Running}}' "$client")" = true ] || break
    [ $SECONDS -lt $deadline ] || break
    sleep 1
  done
  $docker logs "$client" >"$out_dir/demo.txt" 2>&1 || true
  cat "$out_dir/demo.txt"
  grep -q '^demo done' "$out_dir/demo.txt" || die "the demo did not finish within 120 s" 1
  if [ $keep -eq 1 ]; then
    log "the lab stays up until Ctrl-C; in another shell:"
    echo "  DOCKER_HOST=$DOCKER_HOST ${compose[*]} exec client convclient --converter 192.0.2.1:5124 198.51.100.10 7" >&2
    while :; do sleep 3600; done
  fi
}

run_shell() {
  [ ${#convtest_args[@]} -gt 0 ] || convtest_args=(bash -i)
  log "engine ready: DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}; compose: ${compose[*]}"
  # Debian's docker first on PATH (see the top), the lab's project name.
  COMPOSE_PROJECT_NAME=$project "${convtest_args[@]}"
}

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [ "$engine_ready" -eq 1 ] && [ ${#compose[@]} -gt 0 ]; then
    timeout 120 "${compose[@]}" --profile demo --profile harness down --remove-orphans -t 5 >/dev/null 2>&1 ||
      log "warning: compose down failed"
  fi
  [ -z "$daemon_pid" ] || stop_pid "$daemon_pid" 30
  [ -z "$slirp_pid" ] || stop_pid "$slirp_pid" 5
  [ "$made_netns" -eq 0 ] || ip netns del "$netns" 2>/dev/null
  [ -z "$staging_dir" ] || rm -rf "$staging_dir"
  rm -f "$run_dir/dockerd.pid" "$run_dir/slirp4netns.pid"
  exit "$rc"
}

main() {
  parse_arguments "$@"
  require_privileges
  take_lock
  clean_leftovers
  if [ "$profile" = clean ]; then return 0; fi
  if [ "$profile" = purge ]; then
    rm -rf "$state_dir"
    log "removed $state_dir"
    return 0
  fi
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  export CONVTEST_PUT_FILE=${put_file:-$repo_root/docker/put.json}
  mkdir -p "${LAB_OUT_DIR:=$repo_root/docker/out}"
  out_dir=$(realpath "$LAB_OUT_DIR")
  export LAB_OUT_DIR=$out_dir
  install_missing_packages
  check_put_file
  choose_compose
  start_engine
  ensure_base_image
  if [ "$profile" = base ]; then
    log "engine and base image ready"
    return 0
  fi
  load_images
  build_lab_image
  log "profile $profile"
  case $profile in
  harness) run_harness ;;
  demo) run_demo ;;
  shell) run_shell ;;
  image) $docker image ls "$lab_image" ;;
  esac
}

# On one line: bash reads a script as it runs it, so an edit to this file
# during a run cannot feed it new lines after main returns.
main "$@"; exit
