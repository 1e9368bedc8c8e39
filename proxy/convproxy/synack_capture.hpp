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

#include <atomic>
#include <cstdint>
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
};

class SynAckCapture {
 public:
  // Drains wait while it lives (see above); expect() the flow before it ends.
  class Registration {
   public:
    explicit Registration(SynAckCapture& capture) : capture_(capture), lock_(capture.mutex_) {}
    void expect(const FlowKey& key) { capture_.expected_.emplace(key, std::nullopt); }

   private:
    SynAckCapture& capture_;
    std::lock_guard<std::mutex> lock_;
  };

  // Nothing, with errno set, when the packet socket cannot be opened (EPERM
  // without CAP_NET_RAW).
  static std::unique_ptr<SynAckCapture> open();

  [[nodiscard]] int fd() const { return fd_.get(); }
  void forget(const FlowKey& key);
  // Reads every queued packet (SYN-ACKs of expected flows are kept, first
  // wins), then hands over and forgets the options of this flow's SYN-ACK.
  [[nodiscard]] std::optional<packetgen::Bytes> take(const FlowKey& key);
  [[nodiscard]] CaptureStats stats();

  explicit SynAckCapture(Fd fd) : fd_(std::move(fd)) {}

 private:
  void drain_locked();
  void count_kernel_drops_locked();

  Fd fd_;
  std::mutex mutex_;
  std::map<FlowKey, std::optional<packetgen::Bytes>> expected_;
  CaptureStats stats_;
};

}  // namespace convtest::convproxy
