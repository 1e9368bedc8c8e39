#pragma once
// Expectations over the Wire's event log: wait for a packet or a stream
// event within a deadline, or assert that none comes. Every duration is
// multiplied by the time scale of the Timing passed in (no globals), so a
// slow or remote PUT is tested without editing cases. A miss renders
//   expected: <what> within <T>
//   observed: <what came instead>, with the last relevant packets
// in the manner of packetdrill and h2spec.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/endpoint/wire.hpp"

namespace convtest::harness::expect {

struct Timing {
  double time_scale = 1.0;
  std::optional<Clock::time_point> case_deadline;  // no wait goes past it

  Clock::duration scaled(Clock::duration base) const;
  Clock::time_point deadline_in(Clock::duration base) const;
};

std::string format_duration(Clock::duration duration);  // "250 ms", "1.5 s"

// A described predicate over logged packets. Setters chain:
//   PacketFilter().from_put().side(PathSide::ServerSide).bare_syn()
class PacketFilter {
 public:
  PacketFilter& from_put();
  PacketFilter& to_put();
  PacketFilter& side(PathSide side);
  PacketFilter& tcp();
  PacketFilter& icmp();
  PacketFilter& flags(std::uint8_t all_of, std::uint8_t none_of = 0);
  PacketFilter& bare_syn();  // SYN without ACK
  PacketFilter& syn_ack();
  PacketFilter& rst();
  PacketFilter& fin();
  PacketFilter& to(const packetgen::ip::Address& address, std::optional<std::uint16_t> port = std::nullopt);
  PacketFilter& from(const packetgen::ip::Address& address, std::optional<std::uint16_t> port = std::nullopt);
  PacketFilter& with_payload();
  PacketFilter& without_payload();
  PacketFilter& with_option(std::uint8_t kind);
  PacketFilter& without_option(std::uint8_t kind);
  PacketFilter& where(std::string description, std::function<bool(const WireEvent&)> predicate);
  // Packets a middlebox dropped are not seen by the PUT; they match only with this.
  PacketFilter& including_dropped();

  bool matches(const WireEvent& event) const;
  std::string describe() const;  // "TCP [S] from the PUT on the server side to 198.51.100.10.80"

 private:
  struct Clause {
    std::string text;
    std::function<bool(const WireEvent&)> test;
  };
  PacketFilter& add(std::string text, std::function<bool(const WireEvent&)> test);
  std::vector<Clause> clauses_;
  bool including_dropped_ = false;
};

struct Outcome {
  bool met = false;
  std::string expected;
  std::string observed;
  std::optional<WireEvent> event;  // the packet that met (or broke) the expectation
  Clock::duration waited{};

  explicit operator bool() const { return met; }
  std::string render() const;  // "expected: ...\nobserved: ..."
};

// Waits for a packet matching `filter` logged at index `since` or later
// (default: from now on).
Outcome wait_for_packet(Wire& wire, const Timing& timing, const PacketFilter& filter, Clock::duration timeout,
                        std::optional<std::size_t> since = std::nullopt);

// Runs the wire for the whole window; met when no packet matches.
Outcome expect_no_packet(Wire& wire, const Timing& timing, const PacketFilter& filter, Clock::duration window,
                         std::optional<std::size_t> since = std::nullopt);

// Waits for a condition over endpoint state (a stream event). `observe`
// describes the state when the wait fails.
Outcome wait_until(Wire& wire, const Timing& timing, std::string expected, const std::function<bool()>& condition,
                   const std::function<std::string()>& observe, Clock::duration timeout);

// Waits until `stream()` holds at least `count` bytes.
Outcome wait_for_bytes(Wire& wire, const Timing& timing, std::string what,
                       const std::function<const packetgen::Bytes&()>& stream, std::size_t count,
                       Clock::duration timeout);

// Every event from `since` on that matches, in order.
std::vector<const WireEvent*> matching(const Wire& wire, const PacketFilter& filter, std::size_t since = 0);

// The last `limit` non-noise packets logged from `since` on, one per line:
//   "  +0.001234 C> 192.0.2.100.40000 > 192.0.2.1.5124: Flags [S], ..."
// (C/S = client or server side, > toward the PUT, < from the PUT).
std::string recent_packets(const Wire& wire, std::size_t since = 0, std::size_t limit = 8);
std::string describe_event(const Wire& wire, const WireEvent& event);

}  // namespace convtest::harness::expect
