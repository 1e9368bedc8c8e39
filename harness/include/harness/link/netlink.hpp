#pragma once
// Interface, address and route configuration over rtnetlink (libnl-route-3),
// so the lab never spawns `ip`. A NetlinkSocket acts on the namespace the
// calling thread was in when it was opened.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/link/link.hpp"
#include "packetgen/result.hpp"

namespace convtest::harness {

class NetlinkSocket {
 public:
  static packetgen::Result<NetlinkSocket, std::string> open();
  NetlinkSocket(NetlinkSocket&&) noexcept;
  NetlinkSocket& operator=(NetlinkSocket&&) noexcept;
  ~NetlinkSocket();

  [[nodiscard]] packetgen::Result<int, std::string> ifindex(std::string_view interface) const;
  // Sets IFF_UP, and the MTU when given.
  [[nodiscard]] Status set_up(std::string_view interface, std::optional<std::uint32_t> mtu = {}) const;
  // "192.0.2.1/24" or "2001:db8:1::1/64"; IPv6 addresses get IFA_F_NODAD so
  // they are usable at once instead of staying tentative.
  [[nodiscard]] Status add_address(int ifindex, std::string_view cidr) const;
  // A device route: "198.51.100.0/24" -> the interface, main table; with a
  // gateway ("192.0.2.254") the route goes via that next hop.
  [[nodiscard]] Status add_route(int ifindex, std::string_view cidr, std::string_view gateway = {}) const;
  // A veth pair: `name` here, `peer` created directly in the namespace of
  // `peer_netns_fd` (both down).
  [[nodiscard]] Status add_veth_pair(std::string_view name, std::string_view peer, int peer_netns_fd) const;
  [[nodiscard]] Status delete_link(std::string_view interface) const;
  // Names of every interface in the namespace.
  [[nodiscard]] packetgen::Result<std::vector<std::string>, std::string> interface_names() const;

 private:
  struct State;
  explicit NetlinkSocket(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace convtest::harness
