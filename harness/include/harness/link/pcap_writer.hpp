#pragma once
// Writes a capture file from the exact bytes the harness sent and received
// (no re-serialisation, so wrong checksums and odd options stay as they were),
// nanosecond timestamps. Safe to share between threads.

#include <memory>
#include <mutex>
#include <string>

#include "harness/link/link.hpp"
#include "packetgen/bytes.hpp"
#include "packetgen/result.hpp"

namespace convtest::harness {

enum class CaptureLinkType {
  RawIp,     // DLT_RAW: each record is an IPv4 or IPv6 packet (TunLink)
  Ethernet,  // DLT_EN10MB: each record is an Ethernet frame (PcapL2Link)
};

class PcapWriter;
using PcapWriterResult = packetgen::Result<std::unique_ptr<PcapWriter>, std::string>;

class PcapWriter {
 public:
  // Creates or truncates `path`.
  static PcapWriterResult open(const std::string& path, CaptureLinkType type);
  ~PcapWriter();  // closes (and flushes) the file
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  void write(packetgen::ByteView record, WallClock::time_point when);
  // Flushes and closes; later writes are ignored. Idempotent.
  Status close();
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] CaptureLinkType type() const { return type_; }
  [[nodiscard]] std::size_t records() const;

 private:
  struct Handles;
  PcapWriter(std::string path, CaptureLinkType type, std::unique_ptr<Handles> handles);
  std::string path_;
  CaptureLinkType type_;
  mutable std::mutex mutex_;
  std::unique_ptr<Handles> handles_;
  std::size_t records_ = 0;
};

}  // namespace convtest::harness
