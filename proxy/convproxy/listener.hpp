#pragma once
// Listening sockets: MPTCP by default (plain-TCP clients fall back by
// themselves), SO_REUSEPORT so that each worker owns one per address, and
// SYN data accepted without a TFO cookie (TCP_FASTOPEN + TCP_FASTOPEN_NO_COOKIE).

#include <cstdint>
#include <string>

#include "convproxy/address.hpp"
#include "convproxy/fd.hpp"
#include "packetgen/result.hpp"

namespace convtest::convproxy {

struct ListenerSetup {
  std::uint16_t port = 0;
  bool mptcp = true;
  bool accept_syn_data = true;  // off only with the no-syn-data fault
};

struct OpenedListener {
  Fd fd;
  bool mptcp = false;  // false when the kernel refused IPPROTO_MPTCP
};

packetgen::Result<OpenedListener, std::string> open_listener(const Address& address, const ListenerSetup& setup);

// True when the kernel can create MPTCP sockets (net.mptcp.enabled).
bool mptcp_supported();

// net.ipv4.tcp_fastopen of this network namespace, if readable.
std::optional<unsigned> tcp_fastopen_sysctl();

}  // namespace convtest::convproxy
