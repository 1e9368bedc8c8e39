# Shared by the two README commands: install, configure and build a preset.
# shellcheck shell=bash
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# build_preset PRESET [TARGET...]
build_preset() {
  local preset=$1
  shift
  # A rebuild (another clone, a second run) reuses what ccache holds.
  if command -v ccache >/dev/null 2>&1; then
    export CMAKE_C_COMPILER_LAUNCHER=ccache CMAKE_CXX_COMPILER_LAUNCHER=ccache
    export CCACHE_BASEDIR="$repo_root" CCACHE_NOHASHDIR=1
  fi
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
