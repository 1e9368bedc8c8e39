#pragma once
// Sees the servers' SYN-ACKs for the converter's downstream connections, so
// that the Extended TCP Header TLV carries their options byte for byte
// (CONV-028, AMB-25). One AF_PACKET socket for the whole process, with a
// classic BPF filter that keeps only incoming TCP segments with SYN and ACK
// set: one socket per worker would queue (and wake up) every SYN-ACK once per
// worker. Workers share it; every member function is thread-safe. It is not
// polled: a session drains it when its connect completes (the SYN-ACK is
// queued before TCP processes it), which also keeps the queue short, since
// in a converter's namespace incoming SYN-ACKs answer its own connects.
//
// A flow's key (its local port) exists only once connect() has run, and on a
// fast path the SYN-ACK is back before connect() returns; another worker's
// drain may read it before the flow is expected. Such a SYN-ACK is kept as
// unclaimed, with the number of the drain that read it, and expect() adopts
// it when that drain began at or after the generation the session noted
// before its connect() (an older one answered an earlier connection on the
// same 4-tuple). Unclaimed SYN-ACKs are forgotten after a second: the
// kernel does not reuse a 4-tuple that soon after TIME_WAIT. (Dropping them
// instead lost about 3% of SYN-ACKs with 16 connects in flight.)

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "convproxy/address.hpp"
#include "convproxy/fd.hpp"
#include "packetgen/bytes.hpp"

namespace convtest::convproxy {

struct FlowKey {
  Endpoint local;   // the downstream socket's address and port
  Endpoint remote;  // the server
  friend auto operator<=>(const FlowKey&, const FlowKey&) = default;
};

struct CaptureStats {
  std::uint64_t captured = 0;      // SYN-ACKs handed to their flow
  std::uint64_t not_captured = 0;  // flows whose SYN-ACK was not seen
  std::uint64_t kernel_drops = 0;  // packets the socket's queue dropped
  std::uint64_t adopted = 0;       // captured after another drain read them early
};

class SynAckCapture {
 public:
  // Nothing, with errno set, when the packet socket cannot be opened (EPERM
  // without CAP_NET_RAW).
  static std::unique_ptr<SynAckCapture> open();

  [[nodiscard]] int fd() const { return fd_.get(); }
  // Read before connect(): SYN-ACKs read by drains from this one on may
  // answer it.
  [[nodiscard]] std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  void expect(const FlowKey& key, std::uint64_t since_generation);
  void forget(const FlowKey& key);
  // Reads every queued packet (SYN-ACKs of expected flows are kept, first
  // wins), then hands over and forgets the options of this flow's SYN-ACK.
  [[nodiscard]] std::optional<packetgen::Bytes> take(const FlowKey& key);
  [[nodiscard]] CaptureStats stats();

  explicit SynAckCapture(Fd fd) : fd_(std::move(fd)) {}

 private:
  using Clock = std::chrono::steady_clock;
  struct Unclaimed {
    packetgen::Bytes options;
    std::uint64_t generation = 0;
    Clock::time_point read_at;
  };

  void drain_locked();
  void record_locked(packetgen::ByteView packet, std::uint64_t generation, Clock::time_point now);
  void keep_unclaimed_locked(const FlowKey& key, Unclaimed seen);
  void prune_unclaimed_locked(Clock::time_point now);
  void count_kernel_drops_locked();

  Fd fd_;
  std::atomic<std::uint64_t> generation_{0};
  std::mutex mutex_;
  std::map<FlowKey, std::optional<packetgen::Bytes>> expected_;
  std::map<FlowKey, Unclaimed> unclaimed_;
  std::deque<std::pair<Clock::time_point, FlowKey>> unclaimed_order_;
  CaptureStats stats_;
};

}  // namespace convtest::convproxy
