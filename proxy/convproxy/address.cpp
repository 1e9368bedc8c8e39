#include "convproxy/address.hpp"

#include <fmt/format.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace convtest::convproxy {

namespace convert = packetgen::convert;

bool is_ipv4(const Address& address) { return convert::is_ipv4_mapped(address); }

int family_of(const Address& address) { return is_ipv4(address) ? AF_INET : AF_INET6; }

Endpoint endpoint_from(const sockaddr_storage& storage) {
  Endpoint endpoint;
  if (storage.ss_family == AF_INET) {
    sockaddr_in v4{};
    std::memcpy(&v4, &storage, sizeof v4);
    endpoint.address = convert::ipv4_mapped(ntohl(v4.sin_addr.s_addr));
    endpoint.port = ntohs(v4.sin_port);
  } else if (storage.ss_family == AF_INET6) {
    sockaddr_in6 v6{};
    std::memcpy(&v6, &storage, sizeof v6);
    std::copy_n(v6.sin6_addr.s6_addr, 16, endpoint.address.begin());
    endpoint.port = ntohs(v6.sin6_port);
  }
  return endpoint;
}

socklen_t to_sockaddr(const Endpoint& endpoint, sockaddr_storage& storage) {
  storage = {};
  if (is_ipv4(endpoint.address)) {
    sockaddr_in v4{};
    v4.sin_family = AF_INET;
    v4.sin_port = htons(endpoint.port);
    std::memcpy(&v4.sin_addr.s_addr, endpoint.address.data() + 12, 4);
    std::memcpy(&storage, &v4, sizeof v4);
    return sizeof v4;
  }
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons(endpoint.port);
  std::copy_n(endpoint.address.begin(), 16, v6.sin6_addr.s6_addr);
  std::memcpy(&storage, &v6, sizeof v6);
  return sizeof v6;
}

std::string to_string(const Address& address) { return convert::format_address(address); }

std::string to_string(const Endpoint& endpoint) {
  if (is_ipv4(endpoint.address)) return fmt::format("{}:{}", to_string(endpoint.address), endpoint.port);
  return fmt::format("[{}]:{}", to_string(endpoint.address), endpoint.port);
}

}  // namespace convtest::convproxy
