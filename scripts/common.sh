# Shared by the two README commands: install, configure and build a preset.
# shellcheck shell=bash
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# build_preset PRESET [TARGET...]
build_preset() {
  local preset=$1
  shift
  echo "== build: $preset $*"
  cmake --preset "$preset" -S "$repo_root" >/dev/null
  if [ $# -gt 0 ]; then
    cmake --build --preset "$preset" -j "$(nproc)" --target "$@"
  else
    cmake --build --preset "$preset" -j "$(nproc)"
  fi
}

require_root_for() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "$1 needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN for network namespaces and TUN devices): run it with sudo" >&2
    exit 2
  fi
}
