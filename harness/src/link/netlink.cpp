#include "harness/link/netlink.hpp"

#include <fmt/format.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <sys/socket.h>

#include "packetgen/ip.hpp"

namespace convtest::harness {
namespace {

using packetgen::failure;

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* object) const {
    if (object != nullptr) Free(object);
  }
};
void free_link(rtnl_link* link) { rtnl_link_put(link); }
void free_addr(rtnl_addr* addr) { rtnl_addr_put(addr); }
void free_route(rtnl_route* route) { rtnl_route_put(route); }
void free_nl_addr(nl_addr* addr) { nl_addr_put(addr); }
void free_cache(nl_cache* cache) { nl_cache_free(cache); }

using LinkPtr = std::unique_ptr<rtnl_link, Deleter<rtnl_link, free_link>>;
using AddrPtr = std::unique_ptr<rtnl_addr, Deleter<rtnl_addr, free_addr>>;
using RoutePtr = std::unique_ptr<rtnl_route, Deleter<rtnl_route, free_route>>;
using NlAddrPtr = std::unique_ptr<nl_addr, Deleter<nl_addr, free_nl_addr>>;
using CachePtr = std::unique_ptr<nl_cache, Deleter<nl_cache, free_cache>>;

std::string nl_failure(std::string_view what, int code) {
  std::string text = fmt::format("{}: {}", what, nl_geterror(code));
  if (code == -NLE_PERM) text += " (needs CAP_NET_ADMIN)";
  return text;
}

// An interface address or a route needs its prefix length written out: a
// bare address would silently become a host prefix, a likely mistake.
packetgen::Result<NlAddrPtr, std::string> parse_prefix(std::string_view text) {
  if (text.find('/') == std::string_view::npos) return failure(fmt::format("'{}' has no /prefix length", text));
  const auto cidr = packetgen::ip::Cidr::parse(text);
  if (!cidr) return failure(fmt::format("bad prefix {}", cidr.error()));
  const bool v4 = cidr->address.family == packetgen::ip::Family::V4;
  const auto bytes = cidr->address.view();
  NlAddrPtr built(nl_addr_build(v4 ? AF_INET : AF_INET6, bytes.data(), bytes.size()));
  if (!built) return failure(fmt::format("prefix '{}': out of memory", text));
  nl_addr_set_prefixlen(built.get(), cidr->length);
  return built;
}

}  // namespace

struct NetlinkSocket::State {
  nl_sock* socket = nullptr;
  ~State() {
    if (socket != nullptr) nl_socket_free(socket);
  }
};

NetlinkSocket::NetlinkSocket(std::unique_ptr<State> state) : state_(std::move(state)) {}
NetlinkSocket::NetlinkSocket(NetlinkSocket&&) noexcept = default;
NetlinkSocket& NetlinkSocket::operator=(NetlinkSocket&&) noexcept = default;
NetlinkSocket::~NetlinkSocket() = default;

packetgen::Result<NetlinkSocket, std::string> NetlinkSocket::open() {
  auto state = std::make_unique<State>();
  state->socket = nl_socket_alloc();
  if (state->socket == nullptr) return failure(std::string("netlink: out of memory"));
  if (const int code = nl_connect(state->socket, NETLINK_ROUTE); code < 0) {
    return failure(nl_failure("netlink connect", code));
  }
  return NetlinkSocket(std::move(state));
}

packetgen::Result<int, std::string> NetlinkSocket::ifindex(std::string_view interface) const {
  rtnl_link* found = nullptr;
  const std::string name(interface);
  if (const int code = rtnl_link_get_kernel(state_->socket, 0, name.c_str(), &found); code < 0) {
    return failure(nl_failure(fmt::format("interface {}", name), code));
  }
  const LinkPtr link(found);
  return rtnl_link_get_ifindex(link.get());
}

Status NetlinkSocket::set_up(std::string_view interface, std::optional<std::uint32_t> mtu) const {
  rtnl_link* found = nullptr;
  const std::string name(interface);
  if (const int code = rtnl_link_get_kernel(state_->socket, 0, name.c_str(), &found); code < 0) {
    return failure(nl_failure(fmt::format("interface {}", name), code));
  }
  const LinkPtr current(found);
  const LinkPtr change(rtnl_link_alloc());
  rtnl_link_set_flags(change.get(), IFF_UP);
  if (mtu) rtnl_link_set_mtu(change.get(), *mtu);
  if (const int code = rtnl_link_change(state_->socket, current.get(), change.get(), 0); code < 0) {
    return failure(nl_failure(fmt::format("set {} up", name), code));
  }
  return Done{};
}

Status NetlinkSocket::add_address(int ifindex, std::string_view cidr) const {
  auto local = parse_prefix(cidr);
  if (!local) return failure(local.error());
  const AddrPtr address(rtnl_addr_alloc());
  rtnl_addr_set_ifindex(address.get(), ifindex);
  rtnl_addr_set_family(address.get(), nl_addr_get_family(local->get()));
  rtnl_addr_set_prefixlen(address.get(), static_cast<int>(nl_addr_get_prefixlen(local->get())));
  if (const int code = rtnl_addr_set_local(address.get(), local->get()); code < 0) {
    return failure(nl_failure(fmt::format("address {}", cidr), code));
  }
  if (nl_addr_get_family(local->get()) == AF_INET6) rtnl_addr_set_flags(address.get(), IFA_F_NODAD);
  if (const int code = rtnl_addr_add(state_->socket, address.get(), 0); code < 0) {
    return failure(nl_failure(fmt::format("add address {}", cidr), code));
  }
  return Done{};
}

Status NetlinkSocket::add_route(int ifindex, std::string_view cidr, std::string_view gateway) const {
  auto destination = parse_prefix(cidr);
  if (!destination) return failure(destination.error());
  const RoutePtr route(rtnl_route_alloc());
  rtnl_route_set_family(route.get(), static_cast<std::uint8_t>(nl_addr_get_family(destination->get())));
  if (const int code = rtnl_route_set_dst(route.get(), destination->get()); code < 0) {
    return failure(nl_failure(fmt::format("route {}", cidr), code));
  }
  rtnl_nexthop* hop = rtnl_route_nh_alloc();
  rtnl_route_nh_set_ifindex(hop, ifindex);
  if (!gateway.empty()) {
    nl_addr* via = nullptr;
    const std::string text(gateway);
    if (const int code = nl_addr_parse(text.c_str(), nl_addr_get_family(destination->get()), &via); code < 0) {
      rtnl_route_nh_free(hop);
      return failure(nl_failure(fmt::format("bad gateway '{}'", text), code));
    }
    rtnl_route_nh_set_gateway(hop, via);
    nl_addr_put(via);
  }
  rtnl_route_add_nexthop(route.get(), hop);  // the route owns the nexthop now
  if (const int code = rtnl_route_add(state_->socket, route.get(), NLM_F_EXCL); code < 0) {
    return failure(nl_failure(fmt::format("add route {}", cidr), code));
  }
  return Done{};
}

Status NetlinkSocket::add_veth_pair(std::string_view name, std::string_view peer, int peer_netns_fd) const {
  const LinkPtr link(rtnl_link_veth_alloc());
  if (!link) return failure(std::string("veth: out of memory"));
  const std::string name_text(name);
  const std::string peer_text(peer);
  rtnl_link_set_name(link.get(), name_text.c_str());
  rtnl_link* peer_link = rtnl_link_veth_get_peer(link.get());
  rtnl_link_set_name(peer_link, peer_text.c_str());
  rtnl_link_set_ns_fd(peer_link, peer_netns_fd);
  rtnl_link_put(peer_link);
  if (const int code = rtnl_link_add(state_->socket, link.get(), NLM_F_CREATE | NLM_F_EXCL); code < 0) {
    return failure(nl_failure(fmt::format("add veth {} / {}", name_text, peer_text), code));
  }
  return Done{};
}

Status NetlinkSocket::delete_link(std::string_view interface) const {
  const LinkPtr link(rtnl_link_alloc());
  const std::string name(interface);
  rtnl_link_set_name(link.get(), name.c_str());
  if (const int code = rtnl_link_delete(state_->socket, link.get()); code < 0) {
    return failure(nl_failure(fmt::format("delete {}", name), code));
  }
  return Done{};
}

packetgen::Result<std::vector<std::string>, std::string> NetlinkSocket::interface_names() const {
  nl_cache* raw = nullptr;
  if (const int code = rtnl_link_alloc_cache(state_->socket, AF_UNSPEC, &raw); code < 0) {
    return failure(nl_failure("list interfaces", code));
  }
  const CachePtr cache(raw);
  std::vector<std::string> names;
  for (nl_object* object = nl_cache_get_first(cache.get()); object != nullptr; object = nl_cache_get_next(object)) {
    const char* name = rtnl_link_get_name(reinterpret_cast<rtnl_link*>(object));
    if (name != nullptr) names.emplace_back(name);
  }
  return names;
}

}  // namespace convtest::harness
