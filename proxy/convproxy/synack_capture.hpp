#pragma once
// Sees the servers' SYN-ACKs for the converter's downstream connections, so
// that the Extended TCP Header TLV carries their options byte for byte
// (CONV-028, AMB-25). One AF_PACKET socket per worker with a classic BPF
// filter that keeps only incoming TCP segments with SYN and ACK set.

#include <map>
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

class SynAckCapture {
 public:
  // nullopt with errno set when the packet socket cannot be opened
  // (EPERM without CAP_NET_RAW).
  static std::optional<SynAckCapture> open();

  [[nodiscard]] int fd() const { return fd_.get(); }
  void expect(const FlowKey& key);
  void forget(const FlowKey& key);
  // Reads every queued packet; SYN-ACKs of expected flows are kept (first wins).
  void drain();
  // The options of the expected flow's SYN-ACK, once seen.
  [[nodiscard]] std::optional<packetgen::Bytes> options(const FlowKey& key) const;

 private:
  explicit SynAckCapture(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
  std::map<FlowKey, std::optional<packetgen::Bytes>> expected_;
};

}  // namespace convtest::convproxy
