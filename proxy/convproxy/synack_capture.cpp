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

void SynAckCapture::expect(const FlowKey& key, std::uint64_t since_generation) {
  const std::lock_guard lock(mutex_);
  std::optional<packetgen::Bytes> early;
  if (const auto found = unclaimed_.find(key); found != unclaimed_.end()) {
    if (found->second.generation >= since_generation) {
      early = std::move(found->second.options);
      ++stats_.adopted;
    }
    unclaimed_.erase(found);
  }
  expected_.insert_or_assign(key, std::move(early));
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
  if (!options) count_kernel_drops_locked();  // a drop is the first suspect
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

// One recvmmsg per batch: a drain usually finds one SYN-ACK, and a short
// batch means the queue is empty (no second call to hear EAGAIN).
void SynAckCapture::drain_locked() {
  constexpr std::size_t kBatch = 32;
  constexpr std::size_t kSnapBytes = 1500;  // a SYN-ACK, with any data it carries, within a common MTU
  constexpr int kMaxBatchesPerDrain = 128;
  const auto generation = generation_.fetch_add(1, std::memory_order_acq_rel) + 1;
  const auto now = Clock::now();
  std::array<std::array<std::uint8_t, kSnapBytes>, kBatch> buffers;  // only what recvmmsg wrote is read
  std::array<sockaddr_ll, kBatch> links{};
  std::array<iovec, kBatch> vectors{};
  std::array<mmsghdr, kBatch> messages{};
  for (int batch = 0; batch < kMaxBatchesPerDrain; ++batch) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      vectors[i] = iovec{buffers[i].data(), buffers[i].size()};
      messages[i] = mmsghdr{};
      messages[i].msg_hdr.msg_name = &links[i];
      messages[i].msg_hdr.msg_namelen = sizeof(sockaddr_ll);
      messages[i].msg_hdr.msg_iov = &vectors[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    const int n = ::recvmmsg(fd_.get(), messages.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) return;
    for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
      if (links[i].sll_pkttype == PACKET_OUTGOING) continue;
      const auto size = std::min<std::size_t>(messages[i].msg_len, kSnapBytes);
      record_locked(packetgen::ByteView(buffers[i].data(), size), generation, now);
    }
    prune_unclaimed_locked(now);
    if (static_cast<std::size_t>(n) < kBatch) return;
  }
}

void SynAckCapture::record_locked(packetgen::ByteView packet, std::uint64_t generation, Clock::time_point now) {
  const auto parsed = packetgen::tcp::parse(packet);
  if (!parsed) return;
  const auto& segment = parsed->segment;
  if ((segment.flags & kSynAckRst) != kSynAck) return;
  const FlowKey key{{packetgen::convert::connect_address(parsed->addresses.destination), segment.destination_port},
                    {packetgen::convert::connect_address(parsed->addresses.source), segment.source_port}};
  auto found = expected_.find(key);
  if (found == expected_.end())
    keep_unclaimed_locked(key, Unclaimed{segment.options, generation, now});
  else if (!found->second)
    found->second = segment.options;
}

void SynAckCapture::keep_unclaimed_locked(const FlowKey& key, Unclaimed seen) {
  unclaimed_order_.emplace_back(seen.read_at, key);
  unclaimed_.insert_or_assign(key, std::move(seen));
}

// Oldest first: past a second, or past the bound (a namespace whose SYN-ACKs
// mostly answer other programs' connects).
void SynAckCapture::prune_unclaimed_locked(Clock::time_point now) {
  constexpr auto kKeep = std::chrono::seconds(1);
  constexpr std::size_t kMaxUnclaimed = 4096;
  while (!unclaimed_order_.empty() &&
         (now - unclaimed_order_.front().first > kKeep || unclaimed_order_.size() > kMaxUnclaimed)) {
    const auto& [read_at, key] = unclaimed_order_.front();
    if (const auto found = unclaimed_.find(key); found != unclaimed_.end() && found->second.read_at == read_at)
      unclaimed_.erase(found);
    unclaimed_order_.pop_front();
  }
}

}  // namespace convtest::convproxy
