#include "convproxy/synack_capture.hpp"

#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "packetgen/tcp.hpp"

namespace convtest::convproxy {

namespace {

// Classic BPF over the network header (SOCK_DGRAM packet socket): accept
// unfragmented IPv4 or extension-less IPv6 TCP with SYN and ACK set. The
// offsets are those of the IP and TCP headers; packetgen parses the packets
// that pass.
constexpr std::uint32_t kSnap = 0xffff;
constexpr std::uint8_t kSynAck = 0x12;
constexpr std::uint8_t kSynAckRst = 0x16;

std::array<sock_filter, 19> synack_filter() {
  return {{
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),                    // 0: version/IHL
      BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 4),                   // 1: version
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 4, 0, 8),             // 2: v4 -> 3, else -> 11
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),                    // 3: protocol
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 13),  // 4: -> 5 / reject 18
      BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),                    // 5: flags + fragment offset
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 11, 0),      // 6: fragment -> reject 18
      BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),                   // 7: X = IPv4 header length
      BPF_STMT(BPF_LD | BPF_B | BPF_IND, 13),                   // 8: TCP flags
      BPF_STMT(BPF_ALU | BPF_AND | BPF_K, kSynAckRst),          // 9
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kSynAck, 6, 7),       // 10: accept 17 / reject 18
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 6),             // 11: v6 -> 12, else reject 18
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 6),                    // 12: next header
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 4),   // 13: -> 14 / reject 18
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 40 + 13),              // 14: TCP flags
      BPF_STMT(BPF_ALU | BPF_AND | BPF_K, kSynAckRst),          // 15
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kSynAck, 0, 1),       // 16: accept 17 / reject 18
      BPF_STMT(BPF_RET | BPF_K, kSnap),                         // 17: accept
      BPF_STMT(BPF_RET | BPF_K, 0),                             // 18: reject
  }};
}

}  // namespace

std::unique_ptr<SynAckCapture> SynAckCapture::open() {
  Fd fd(::socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL)));
  if (!fd) return nullptr;
  auto filter = synack_filter();
  sock_fprog program{static_cast<unsigned short>(filter.size()), filter.data()};
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) != 0) return nullptr;
  const int one = 1;
  ::setsockopt(fd.get(), SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
  // Hundreds of connects in flight queue hundreds of SYN-ACKs between two
  // drains; FORCE (CAP_NET_ADMIN) lifts net.core.rmem_max's cap.
  const int buffer = 8 << 20;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer) != 0)
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  return std::make_unique<SynAckCapture>(std::move(fd));
}

void SynAckCapture::forget(const FlowKey& key) {
  const std::lock_guard lock(mutex_);
  expected_.erase(key);
}

std::optional<packetgen::Bytes> SynAckCapture::take(const FlowKey& key) {
  const std::lock_guard lock(mutex_);
  drain_locked();
  const auto found = expected_.find(key);
  std::optional<packetgen::Bytes> options;
  if (found != expected_.end()) options = std::move(expected_.extract(found).mapped());
  ++(options ? stats_.captured : stats_.not_captured);
  return options;
}

CaptureStats SynAckCapture::stats() {
  const std::lock_guard lock(mutex_);
  count_kernel_drops_locked();
  return stats_;
}

// PACKET_STATISTICS counts since its last read; a drop means a SYN-ACK may
// be missing, so it is logged where it happens.
void SynAckCapture::count_kernel_drops_locked() {
  tpacket_stats counters{};
  socklen_t size = sizeof counters;
  if (::getsockopt(fd_.get(), SOL_PACKET, PACKET_STATISTICS, &counters, &size) != 0 || counters.tp_drops == 0) return;
  stats_.kernel_drops += counters.tp_drops;
  spdlog::warn("event=synack_capture_drops dropped={} total={}", counters.tp_drops, stats_.kernel_drops);
}

void SynAckCapture::drain_locked() {
  constexpr int kMaxPacketsPerDrain = 4096;
  std::array<std::uint8_t, 4096> buffer{};
  for (int i = 0; i < kMaxPacketsPerDrain; ++i) {
    sockaddr_ll link{};
    socklen_t link_size = sizeof link;
    const auto n = ::recvfrom(fd_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&link),
                              &link_size);
    if (n < 0) break;
    if (link.sll_pkttype == PACKET_OUTGOING || expected_.empty()) continue;
    const auto size = std::min(static_cast<std::size_t>(n), buffer.size());
    const auto parsed = packetgen::tcp::parse(packetgen::ByteView(buffer.data(), size));
    if (!parsed) continue;
    const auto& segment = parsed->segment;
    if ((segment.flags & kSynAckRst) != kSynAck) continue;
    const FlowKey key{{packetgen::convert::connect_address(parsed->addresses.destination), segment.destination_port},
                      {packetgen::convert::connect_address(parsed->addresses.source), segment.source_port}};
    auto found = expected_.find(key);
    if (found != expected_.end() && !found->second) found->second = segment.options;
  }
  count_kernel_drops_locked();
}

}  // namespace convtest::convproxy
