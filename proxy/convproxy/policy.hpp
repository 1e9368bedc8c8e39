#pragma once
// Who may use the converter (client ACL) and where it may connect to
// (destination policy). A converter must not be an open relay.

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "convproxy/address.hpp"
#include "packetgen/ip.hpp"

namespace convtest::convproxy {

// ACL prefixes are in the IP layer's form (192.0.2.0/24, not
// ::ffff:192.0.2.0/120): match them with convert::ip_address(client).
using Cidr = packetgen::ip::Cidr;

// An address configured on an interface, with its on-link prefix length in
// its own family (24 for 192.0.2.1/24).
struct InterfaceAddress {
  Address address{};
  std::uint8_t family_prefix = 0;
};

std::vector<InterfaceAddress> interface_addresses();  // getifaddrs(); empty on failure

class Acl {
 public:
  Acl() = default;
  explicit Acl(std::vector<Cidr> allowed) : allowed_(std::move(allowed)) {}
  [[nodiscard]] bool allows(const Address& client) const;
  [[nodiscard]] const std::vector<Cidr>& allowed() const { return allowed_; }
  [[nodiscard]] std::string to_string() const;

 private:
  std::vector<Cidr> allowed_;
};

// The default when no --allow is given: loopback plus the on-link subnets of
// the listen addresses (of every interface when listening on a wildcard).
Acl default_acl(const std::vector<Address>& listen, const std::vector<InterfaceAddress>& interfaces);

bool is_wildcard(const Address& address);  // :: or 0.0.0.0

// The converter's own listening endpoints: a Connect to one of them would
// loop through the converter (AMB-22: Not Authorized).
class SelfEndpoints {
 public:
  SelfEndpoints() = default;
  SelfEndpoints(const std::vector<Address>& listen, const std::vector<InterfaceAddress>& interfaces,
                std::uint16_t port);
  [[nodiscard]] bool contains(const Endpoint& destination) const;

 private:
  std::vector<Address> addresses_;
  std::uint16_t port_ = 0;
};

// Every address of the converter's own host. A Connect to one of them, on
// any port, would reach a service of the host through the converter (one
// bound to a wildcard address is reachable on every interface address):
// refused with Not Authorized unless --allow-local-destinations (AMB-22).
// Interfaces come and go, so the list is read again when it is older than
// `max_age`; one read (getifaddrs) costs tens of microseconds, a lookup in
// the cached list well under one (docs/benchmarks.md).
class LocalAddresses {
 public:
  using Reader = std::function<std::vector<InterfaceAddress>()>;
  static constexpr std::chrono::milliseconds kDefaultMaxAge{1000};

  explicit LocalAddresses(std::chrono::milliseconds max_age = kDefaultMaxAge, Reader reader = interface_addresses);
  // Safe from any worker thread.
  [[nodiscard]] bool contains(const Address& address) const;

 private:
  using Clock = std::chrono::steady_clock;
  std::chrono::milliseconds max_age_;
  Reader reader_;
  mutable std::mutex mutex_;
  mutable std::vector<Address> addresses_;
  mutable std::optional<Clock::time_point> read_at_;
};

}  // namespace convtest::convproxy
