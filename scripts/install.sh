#!/usr/bin/env bash
# Builds convtest, convproxy and convclient and installs them with the
# schemas, the Wireshark dissector and the docs.
#
#   scripts/install.sh                 the .deb (cpack), installed with apt-get:
#                                      `apt-get remove convtest` takes it away
#   scripts/install.sh --deb-only      only build the .deb (build/release/packages/)
#   scripts/install.sh --prefix DIR    `cmake --install` under DIR (no package)
set -euo pipefail
source "$(dirname "$0")/common.sh"

mode=deb
prefix=
case "${1:-}" in
  "") ;;
  --deb-only) mode=deb-only ;;
  --prefix)
    mode=prefix
    prefix=${2:?--prefix needs a directory}
    ;;
  *)
    echo "usage: $0 [--deb-only | --prefix DIR]" >&2
    exit 3
    ;;
esac

if [ "$mode" = deb ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "installing the package needs root: run it as root (or with sudo), or give --prefix DIR" >&2
    exit 2
  fi
  "$repo_root/scripts/install-deps.sh"
fi
build_preset release convtest convproxy convclient
build_dir="$repo_root/build/release"

if [ "$mode" = prefix ]; then
  cmake --install "$build_dir" --prefix "$prefix" --strip
  "$prefix/bin/convtest" --version
  exit 0
fi

packages="$build_dir/packages"
rm -f "$packages"/convtest_*.deb
(cd "$build_dir" && cpack --config CPackConfig.cmake -B "$packages" >/dev/null)
deb=$(ls "$packages"/convtest_*.deb)
echo "package: $deb"
[ "$mode" = deb-only ] && exit 0
# apt-get resolves the package's Depends (the Debian 12 libraries it links).
apt-get install -y -qq "$deb"
convtest --version
