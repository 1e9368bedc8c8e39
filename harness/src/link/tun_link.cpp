#include "harness/link/tun_link.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include "harness/link/netlink.hpp"
#include "harness/link/pcap_writer.hpp"
#include "packetgen/ip.hpp"

namespace convtest::harness {
namespace {

using packetgen::failure;

constexpr std::size_t kMaxPacket = 65536;

packetgen::Result<UniqueFd, std::string> create_tun(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ) return failure(fmt::format("bad interface name '{}'", name));
  UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return failure(privilege_error("open /dev/net/tun", errno, "CAP_NET_ADMIN"));
  ifreq request{};
  request.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::memcpy(request.ifr_name, name.data(), name.size());
  if (::ioctl(fd.get(), TUNSETIFF, &request) != 0) {
    return failure(privilege_error(fmt::format("TUNSETIFF {}", name), errno, "CAP_NET_ADMIN"));
  }
  return fd;
}

std::string route_table_key(const packetgen::ip::Address& address) {
  std::string key;
  for (const auto byte : address.bytes) key += fmt::format("{:02x}", byte);
  return key + " 80";  // the /128 host route, prefix length in hex
}

bool has_host_route(const std::string& key) {
  std::ifstream routes("/proc/thread-self/net/ipv6_route");
  std::string line;
  while (std::getline(routes, line)) {
    if (line.rfind(key, 0) == 0) return true;
  }
  return false;
}

// An IPv6 address, even with nodad, gets its local route from a kernel work
// item shortly after the netlink ack; until then the kernel drops packets to
// it (Ip6InAddrErrors). Wait, bounded, until every one is routable.
Status wait_ipv6_addresses_usable(const TunConfig& config) {
  std::vector<std::string> pending;
  for (const auto& cidr : config.addresses) {
    const auto prefix = packetgen::ip::Cidr::parse(cidr);
    if (prefix && prefix->address.family == packetgen::ip::Family::V6)
      pending.push_back(route_table_key(prefix->address));
  }
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  while (!pending.empty()) {
    std::erase_if(pending, has_host_route);
    if (pending.empty()) break;
    if (Clock::now() >= deadline) return failure(std::string("IPv6 address not usable after 2 s"));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return Done{};
}

// Runs inside the target namespace: the netlink socket belongs to it.
Status configure(const TunConfig& config, int& ifindex) {
  auto netlink = NetlinkSocket::open();
  if (!netlink) return failure(netlink.error());
  auto index = netlink->ifindex(config.name);
  if (!index) return failure(index.error());
  ifindex = *index;
  // Up first: the kernel refuses routes through a device that is down.
  if (auto up = netlink->set_up(config.name, config.mtu); !up) return up;
  for (const auto& address : config.addresses) {
    if (auto added = netlink->add_address(ifindex, address); !added) return added;
  }
  for (const auto& route : config.routes) {
    if (auto added = netlink->add_route(ifindex, route); !added) return added;
  }
  return wait_ipv6_addresses_usable(config);
}

}  // namespace

TunLink::TunLink(UniqueFd fd, std::string name, int ifindex, std::string netns_text)
    : fd_(std::move(fd)), name_(std::move(name)), ifindex_(ifindex), netns_text_(std::move(netns_text)) {}

TunLink::~TunLink() { close(); }

TunLinkResult TunLink::open(const Netns& netns, const TunConfig& config) {
  auto entered = netns.enter();
  if (!entered) return failure(entered.error());
  auto fd = create_tun(config.name);
  if (!fd) return failure(fd.error());
  int ifindex = 0;
  if (auto configured = configure(config, ifindex); !configured) {
    return failure(fmt::format("{} in {}: {}", config.name, netns.describe(), configured.error()));
  }
  return std::unique_ptr<TunLink>(new TunLink(std::move(*fd), config.name, ifindex, netns.describe()));
}

Status TunLink::send(packetgen::ByteView ip_packet) {
  if (!fd_) return failure(fmt::format("{}: link closed", describe()));
  const auto when = WallClock::now();
  const ssize_t written = ::write(fd_.get(), ip_packet.data(), ip_packet.size());
  if (written < 0) return failure(fmt::format("{}: write: {}", describe(), std::strerror(errno)));
  if (static_cast<std::size_t>(written) != ip_packet.size()) {
    return failure(fmt::format("{}: short write {} of {}", describe(), written, ip_packet.size()));
  }
  if (recorder_ != nullptr) recorder_->write(ip_packet, when);
  return Done{};
}

std::optional<Packet> TunLink::receive(Clock::time_point deadline) {
  if (!fd_) return std::nullopt;
  if (read_buffer_.size() != kMaxPacket) read_buffer_.resize(kMaxPacket);
  for (;;) {
    const ssize_t got = ::read(fd_.get(), read_buffer_.data(), read_buffer_.size());
    if (got >= 0) {
      const auto size = static_cast<std::ptrdiff_t>(got);
      Packet packet{packetgen::Bytes(read_buffer_.begin(), read_buffer_.begin() + size), WallClock::now()};
      if (recorder_ != nullptr) recorder_->write(packet.bytes, packet.timestamp);
      return packet;
    }
    if (errno != EAGAIN && errno != EINTR) {
      last_error_ = fmt::format("{}: read: {}", describe(), std::strerror(errno));
      return std::nullopt;
    }
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd waiting{fd_.get(), POLLIN, 0};
    const int ready = ::poll(&waiting, 1, static_cast<int>(std::min<long long>(left.count(), 60'000)));
    if (ready < 0 && errno != EINTR) {
      last_error_ = fmt::format("{}: poll: {}", describe(), std::strerror(errno));
      return std::nullopt;
    }
  }
}

void TunLink::record_to(PcapWriter* writer) { recorder_ = writer; }

std::string TunLink::describe() const { return fmt::format("{} in {}", name_, netns_text_); }

void TunLink::before_close(std::function<void(Link&)> hook) { close_hooks_.push_back(std::move(hook)); }

void TunLink::close() {
  if (!fd_) return;
  auto hooks = std::move(close_hooks_);
  close_hooks_.clear();
  for (auto& hook : hooks) hook(*this);
  fd_.reset();
}

}  // namespace convtest::harness
