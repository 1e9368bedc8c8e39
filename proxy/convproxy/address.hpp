#pragma once
// Addresses inside convproxy are IPv6-shaped (IPv4 in the ::ffff:a.b.c.d
// form), like the Connect TLV, so that one type serves ACLs, cookies and
// destinations of both families.

#include <fmt/format.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "packetgen/convert.hpp"
#include "packetgen/ip.hpp"

namespace convtest::convproxy {

using Address = packetgen::convert::Ipv6Address;

struct Endpoint {
  Address address{};
  std::uint16_t port = 0;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
  friend auto operator<=>(const Endpoint&, const Endpoint&) = default;
};

bool is_ipv4(const Address& address);
int family_of(const Address& address);  // AF_INET or AF_INET6
Endpoint endpoint_from(const sockaddr_storage& storage);
socklen_t to_sockaddr(const Endpoint& endpoint, sockaddr_storage& storage);
std::string to_string(const Address& address);
std::string to_string(const Endpoint& endpoint);  // 192.0.2.1:5124, [2001:db8::1]:80

}  // namespace convtest::convproxy

// Log lines format endpoints only when their level is enabled.
template <>
struct fmt::formatter<convtest::convproxy::Endpoint> : fmt::formatter<std::string> {
  auto format(const convtest::convproxy::Endpoint& endpoint, fmt::format_context& context) const {
    return fmt::formatter<std::string>::format(convtest::convproxy::to_string(endpoint), context);
  }
};
