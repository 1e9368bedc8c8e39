#pragma once
// Reading and writing the IP packets of a capture file (raw IP or Ethernet).

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "packetgen/bytes.hpp"
#include "packetgen/result.hpp"

namespace convtest::wireshark_test {

// Calls `visit` with each frame's number (1-based, as tshark counts) and its
// IP packet (empty when the frame is not IP). Errors name the file.
std::optional<std::string> for_each_ip_packet(const std::string& path,
                                              const std::function<void(std::size_t, packetgen::ByteView)>& visit);

// A raw-IP capture file written one packet at a time, one millisecond apart.
class CaptureWriter {
 public:
  static packetgen::Result<std::unique_ptr<CaptureWriter>, std::string> open(const std::string& path);
  ~CaptureWriter();
  CaptureWriter(const CaptureWriter&) = delete;
  CaptureWriter& operator=(const CaptureWriter&) = delete;
  void write(packetgen::ByteView packet);

 private:
  struct Handles;
  explicit CaptureWriter(std::unique_ptr<Handles> handles);
  std::unique_ptr<Handles> handles_;
  long packets_ = 0;
};

}  // namespace convtest::wireshark_test
