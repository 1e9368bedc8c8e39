#!/usr/bin/env bash
# Installs, from Debian 12 packages, whatever convtest needs and the machine
# lacks. Idempotent: with everything present it only checks and returns.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libtins-dev libpcap-dev nlohmann-json3-dev libgtest-dev libgmock-dev libssl-dev
  libcli11-dev libfmt-dev libspdlog-dev libnl-3-dev libnl-route-3-dev
  clang-14 libclang-rt-14-dev clang-format-14 lld
  iproute2 ethtool kmod procps python3 python3-jsonschema libxml2-utils ccache
  tshark
  # The HTML report pages are tested in headless Chromium through Selenium.
  chromium chromium-driver python3-selenium
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (or with sudo) to install them" >&2
  exit 2
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark's wireshark-common asks whether non-root users may capture: no.
echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
