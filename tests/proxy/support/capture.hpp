#pragma once
// An AF_PACKET capture opened inside a namespace (the socket keeps that
// namespace after the thread returns to its own), used to see the server's
// real SYN-ACK.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "packetgen/bytes.hpp"

namespace convtest::proxytest {

class PacketCapture {
 public:
  PacketCapture(const std::string& netns, const std::string& interface);
  PacketCapture(const PacketCapture&) = delete;
  PacketCapture& operator=(const PacketCapture&) = delete;
  ~PacketCapture();

  const std::string& error() const { return error_; }
  // The IP packets seen (both directions) until nothing arrives for `quiet`
  // or the deadline passes.
  std::vector<packetgen::Bytes> drain(std::chrono::milliseconds quiet, std::chrono::milliseconds deadline);

 private:
  int fd_ = -1;
  std::string error_;
};

// The option bytes of the first SYN-ACK sent from source_port in packets.
std::optional<packetgen::Bytes> syn_ack_options(const std::vector<packetgen::Bytes>& packets,
                                                std::uint16_t source_port);

}  // namespace convtest::proxytest
