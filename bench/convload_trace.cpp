// convload trace: kernel timestamps of the TCP segments that mark a
// connection's way through a proxy, for the time-to-first-byte breakdown of
// bench/proxy-bench.sh. Run in the proxy's namespace; one line per segment
// that has SYN or payload:
//
//   NANOSECONDS IFNAME in|out SRC SPORT DST DPORT FLAGS PAYLOAD_BYTES FIRST_PAYLOAD_BYTES_HEX
//
// Bounded by SECONDS; output is flushed per line, so a SIGTERM loses nothing.

#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#include "convload.hpp"
#include "packetgen/tcp.hpp"

namespace convload {

namespace {

constexpr std::uint8_t kSyn = 0x02;
constexpr std::size_t kPayloadShown = 4;

std::string hex_prefix(const convtest::packetgen::Bytes& payload) {
  std::string out;
  for (std::size_t i = 0; i < payload.size() && i < kPayloadShown; ++i) {
    std::array<char, 3> byte{};
    std::snprintf(byte.data(), byte.size(), "%02x", payload[i]);
    out += byte.data();
  }
  return out.empty() ? "-" : out;
}

std::int64_t timestamp_ns(msghdr& message) {
  for (cmsghdr* cmsg = CMSG_FIRSTHDR(&message); cmsg != nullptr; cmsg = CMSG_NXTHDR(&message, cmsg)) {
    if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SO_TIMESTAMPNS) continue;
    timespec stamp{};
    std::memcpy(&stamp, CMSG_DATA(cmsg), sizeof stamp);
    return static_cast<std::int64_t>(stamp.tv_sec) * 1'000'000'000 + stamp.tv_nsec;
  }
  return 0;
}

void print_segment(std::FILE* out, std::int64_t when, const sockaddr_ll& link, convtest::packetgen::ByteView packet) {
  const auto parsed = convtest::packetgen::tcp::parse(packet);
  if (!parsed) return;
  const auto& segment = parsed->segment;
  if ((segment.flags & kSyn) == 0 && segment.payload.empty()) return;
  std::array<char, IF_NAMESIZE> name{};
  if (::if_indextoname(static_cast<unsigned>(link.sll_ifindex), name.data()) == nullptr) name[0] = '?';
  std::fprintf(out, "%lld %s %s %s %u %s %u %u %zu %s\n", static_cast<long long>(when), name.data(),
               link.sll_pkttype == PACKET_OUTGOING ? "out" : "in", parsed->addresses.source.to_string().c_str(),
               segment.source_port, parsed->addresses.destination.to_string().c_str(), segment.destination_port,
               segment.flags, segment.payload.size(), hex_prefix(segment.payload).c_str());
}

}  // namespace

int run_trace(double seconds, const std::string& path) {
  const int fd = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (fd < 0) {
    std::perror("packet socket");
    return 1;
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
  std::FILE* out = std::fopen(path.c_str(), "w");
  if (out == nullptr) return 1;
  std::setvbuf(out, nullptr, _IOLBF, 0);
  std::array<std::uint8_t, 65536> buffer{};
  std::array<char, 256> control{};
  const auto start = Clock::now();
  while (seconds_since(start) < seconds) {
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, 100) <= 0) continue;
    for (;;) {
      sockaddr_ll link{};
      iovec iov{buffer.data(), buffer.size()};
      msghdr message{};
      message.msg_name = &link;
      message.msg_namelen = sizeof link;
      message.msg_iov = &iov;
      message.msg_iovlen = 1;
      message.msg_control = control.data();
      message.msg_controllen = control.size();
      const ssize_t n = ::recvmsg(fd, &message, MSG_DONTWAIT);
      if (n <= 0) break;
      print_segment(out, timestamp_ns(message), link,
                    convtest::packetgen::ByteView(buffer.data(), std::min(static_cast<std::size_t>(n), buffer.size())));
    }
  }
  std::fclose(out);
  ::close(fd);
  return 0;
}

}  // namespace convload
