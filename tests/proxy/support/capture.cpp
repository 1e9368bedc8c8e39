#include "capture.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "packetgen/tcp.hpp"

namespace convtest::proxytest {

namespace {

// Enters a named namespace for the calling thread; leaves it on scope exit.
class NetnsScope {
 public:
  explicit NetnsScope(const std::string& netns) : home_(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) {
    const int target = ::open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
    entered_ = target >= 0 && home_ >= 0 && ::setns(target, CLONE_NEWNET) == 0;
    if (target >= 0) ::close(target);
  }
  ~NetnsScope() {
    if (entered_) ::setns(home_, CLONE_NEWNET);
    if (home_ >= 0) ::close(home_);
  }
  NetnsScope(const NetnsScope&) = delete;
  NetnsScope& operator=(const NetnsScope&) = delete;
  bool entered() const { return entered_; }

 private:
  int home_;
  bool entered_ = false;
};

}  // namespace

PacketCapture::PacketCapture(const std::string& netns, const std::string& interface) {
  NetnsScope scope(netns);
  if (!scope.entered()) {
    error_ = fmt::format("cannot enter namespace {}: {}", netns, std::strerror(errno));
    return;
  }
  // SOCK_DGRAM: the kernel strips the link-layer header, we get IP packets.
  fd_ = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (fd_ < 0) {
    error_ = fmt::format("AF_PACKET socket (needs CAP_NET_RAW): {}", std::strerror(errno));
    return;
  }
  sockaddr_ll where{};
  where.sll_family = AF_PACKET;
  where.sll_protocol = htons(ETH_P_ALL);
  where.sll_ifindex = static_cast<int>(::if_nametoindex(interface.c_str()));
  if (where.sll_ifindex == 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&where), sizeof where) != 0)
    error_ = fmt::format("cannot bind capture to {}: {}", interface, std::strerror(errno));
}

PacketCapture::~PacketCapture() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<packetgen::Bytes> PacketCapture::drain(std::chrono::milliseconds quiet,
                                                   std::chrono::milliseconds deadline) {
  std::vector<packetgen::Bytes> packets;
  const auto end = std::chrono::steady_clock::now() + deadline;
  std::array<std::uint8_t, 65536> buffer{};
  while (fd_ >= 0 && std::chrono::steady_clock::now() < end) {
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(quiet.count())) <= 0) break;
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n > 0) packets.emplace_back(buffer.begin(), buffer.begin() + n);
  }
  return packets;
}

std::optional<packetgen::Bytes> syn_ack_options(const std::vector<packetgen::Bytes>& packets,
                                                std::uint16_t source_port) {
  using namespace packetgen::tcp;
  for (const auto& packet : packets) {
    const auto parsed = parse(packet);
    if (!parsed) continue;
    const Segment& segment = parsed->segment;
    if (segment.source_port == source_port && (segment.flags & flag::SYN) && (segment.flags & flag::ACK))
      return segment.options;
  }
  return std::nullopt;
}

}  // namespace convtest::proxytest
