#pragma once
// The harness's only view of the network: a link that carries whole IP
// packets to and from the PUT. TunLink (local lab) and PcapL2Link (a remote
// PUT on a real NIC) implement it, and MemoryLink joins two Links back to
// back for hermetic tests; everything above is link-agnostic.

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "packetgen/bytes.hpp"
#include "packetgen/result.hpp"

namespace convtest::harness {

using Clock = std::chrono::steady_clock;
using WallClock = std::chrono::system_clock;

struct Packet {
  packetgen::Bytes bytes;           // one IP packet (IPv4 or IPv6), exactly as on the wire
  WallClock::time_point timestamp;  // when it was read or written
};

struct Done {};
using Status = packetgen::Result<Done, std::string>;  // the error says what went wrong

class PcapWriter;  // harness/link/pcap_writer.hpp

class Link {
 public:
  virtual ~Link() = default;
  Link() = default;
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  // Writes one IP packet toward the PUT.
  virtual Status send(packetgen::ByteView ip_packet) = 0;
  // The next IP packet from the PUT, or nothing once `deadline` passes.
  // Non-IP frames (ARP, NDP answered internally) never come out of here.
  virtual std::optional<Packet> receive(Clock::time_point deadline) = 0;
  // Every packet in and out is also written here (nullptr: no capture).
  virtual void record_to(PcapWriter* writer) = 0;
  // Human-readable name for reports ("tun0 in netns convtest-3").
  virtual std::string describe() const = 0;

  // Runs `hook` (e.g. "send RST on every open flow") at the start of close(),
  // while the link can still send. Hooks run once, in registration order,
  // and are kept until then: a hook must not outlive what it captures (hold
  // a weak reference), and a link reused across cases keeps every hook.
  virtual void before_close(std::function<void(Link&)> hook) = 0;
  // Runs the before_close hooks, then releases the device. The link itself
  // sends nothing on close. Idempotent; destructors call it.
  virtual void close() = 0;
};

}  // namespace convtest::harness
