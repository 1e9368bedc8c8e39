#include "convproxy/policy.hpp"

#include <fmt/format.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace convtest::convproxy {

namespace convert = packetgen::convert;

namespace {
std::uint8_t count_prefix_bits(const sockaddr* netmask) {
  if (netmask == nullptr) return 0;
  const std::uint8_t* bytes = nullptr;
  std::size_t size = 0;
  if (netmask->sa_family == AF_INET) {
    bytes = reinterpret_cast<const std::uint8_t*>(&reinterpret_cast<const sockaddr_in*>(netmask)->sin_addr);
    size = 4;
  } else if (netmask->sa_family == AF_INET6) {
    bytes = reinterpret_cast<const std::uint8_t*>(&reinterpret_cast<const sockaddr_in6*>(netmask)->sin6_addr);
    size = 16;
  }
  std::uint8_t bits = 0;
  for (std::size_t i = 0; i < size; ++i) bits = static_cast<std::uint8_t>(bits + __builtin_popcount(bytes[i]));
  return bits;
}
}  // namespace

std::vector<InterfaceAddress> interface_addresses() {
  std::vector<InterfaceAddress> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr) continue;
    const auto family = entry->ifa_addr->sa_family;
    if (family != AF_INET && family != AF_INET6) continue;
    sockaddr_storage storage{};
    std::memcpy(&storage, entry->ifa_addr, family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6));
    out.push_back({endpoint_from(storage).address, count_prefix_bits(entry->ifa_netmask)});
  }
  freeifaddrs(list);
  return out;
}

bool Acl::allows(const Address& client) const {
  return std::any_of(allowed_.begin(), allowed_.end(),
                     [&](const Cidr& cidr) { return cidr.contains(convert::ip_address(client)); });
}

std::string Acl::to_string() const {
  std::string out;
  for (const auto& cidr : allowed_) {
    if (!out.empty()) out += ",";
    out += cidr.to_string();
  }
  return out.empty() ? "none" : out;
}

bool is_wildcard(const Address& address) { return convert::classify(address) == convert::AddressClass::Unspecified; }

Acl default_acl(const std::vector<Address>& listen, const std::vector<InterfaceAddress>& interfaces) {
  std::vector<Cidr> allowed{*Cidr::parse("127.0.0.0/8"), *Cidr::parse("::1/128")};
  const auto add = [&](const Cidr& cidr) {
    if (std::find(allowed.begin(), allowed.end(), cidr) == allowed.end()) allowed.push_back(cidr);
  };
  for (const auto& configured : interfaces) {
    if (convert::classify(configured.address) == convert::AddressClass::Loopback) continue;
    const bool served = std::any_of(listen.begin(), listen.end(), [&](const Address& listening) {
      if (is_wildcard(listening)) return is_ipv4(listening) == is_ipv4(configured.address);
      return listening == configured.address;
    });
    if (served) add(Cidr{convert::ip_address(configured.address), configured.family_prefix}.network());
  }
  return Acl(std::move(allowed));
}

SelfEndpoints::SelfEndpoints(const std::vector<Address>& listen, const std::vector<InterfaceAddress>& interfaces,
                             std::uint16_t port)
    : port_(port) {
  for (const auto& listening : listen) {
    if (!is_wildcard(listening)) {
      addresses_.push_back(listening);
      continue;
    }
    for (const auto& configured : interfaces)
      if (is_ipv4(configured.address) == is_ipv4(listening)) addresses_.push_back(configured.address);
  }
}

bool SelfEndpoints::contains(const Endpoint& destination) const {
  if (destination.port != port_) return false;
  return std::find(addresses_.begin(), addresses_.end(), destination.address) != addresses_.end();
}

LocalAddresses::LocalAddresses(std::chrono::milliseconds max_age, Reader reader)
    : max_age_(max_age), reader_(std::move(reader)) {}

bool LocalAddresses::contains(const Address& address) const {
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  if (!read_at_ || now - *read_at_ >= max_age_) {
    addresses_.clear();
    for (const auto& configured : reader_()) addresses_.push_back(configured.address);
    read_at_ = now;
  }
  return std::find(addresses_.begin(), addresses_.end(), address) != addresses_.end();
}

}  // namespace convtest::convproxy
