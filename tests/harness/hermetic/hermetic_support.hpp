#pragma once
// What the hermetic tests share: a peer scripted by the test on the far end
// of a MemoryLink, and two Wires joined in memory on one ManualClock.

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "harness/endpoint/tcp_connection.hpp"
#include "harness/endpoint/wire.hpp"
#include "harness/link/memory_link.hpp"
#include "harness/link/time_source.hpp"
#include "packetgen/tcp.hpp"

namespace convtest::harness::hermetic {

inline packetgen::Bytes text_bytes(std::string_view text) { return packetgen::Bytes(text.begin(), text.end()); }
inline std::string text_of(const packetgen::Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }
inline packetgen::ip::Address address(std::string_view text) { return packetgen::ip::Address::must_parse(text); }

inline std::size_t count_events(const TcpConnection& tcp, TcpEvent::Kind kind) {
  return static_cast<std::size_t>(
      std::count_if(tcp.events().begin(), tcp.events().end(), [&](const TcpEvent& e) { return e.kind == kind; }));
}

// The far end of a link, played by the test: it reads what the harness sent
// and answers with segments packetgen builds. It keeps no TCP state; every
// number it sends is the test's choice.
class ScriptedPeer {
 public:
  // `flow` as the peer sees it: local is the peer's address and port.
  ScriptedPeer(MemoryLink& link, const FlowKey& flow) : link_(link), flow_(flow) {}

  // Every TCP segment that arrived since the last call, oldest first.
  std::vector<packetgen::tcp::Segment> take() {
    std::vector<packetgen::tcp::Segment> segments;
    while (auto packet = link_.receive(Clock::time_point{}))
      if (auto parsed = packetgen::tcp::parse(packet->bytes); parsed) segments.push_back(std::move(parsed->segment));
    return segments;
  }

  // A segment of the flow; the test changes whatever else it needs.
  packetgen::tcp::Segment segment(std::uint8_t flags, std::uint32_t seq, std::uint32_t ack,
                                  std::string_view payload = {}) const {
    packetgen::tcp::Segment segment;
    segment.source_port = flow_.local_port;
    segment.destination_port = flow_.remote_port;
    segment.flags = flags;
    segment.seq = seq;
    segment.ack = ack;
    segment.payload = text_bytes(payload);
    return segment;
  }

  void send(const packetgen::tcp::Segment& segment) {
    const packetgen::ip::Endpoints addresses{flow_.local_address, flow_.remote_address};
    EXPECT_TRUE(link_.send(packetgen::tcp::packet(segment, addresses)).ok());
  }

 private:
  MemoryLink& link_;
  FlowKey flow_;
};

// In-flight hooks (MemoryLink::set_in_flight_hook). Each acts once, on the
// packets `picks` chooses; every other packet passes untouched.
using PacketFilter = std::function<bool(const packetgen::Bytes&)>;

// Loses the first packet picked.
inline InFlightHook lose_first(PacketFilter picks) {
  return [picks = std::move(picks), acted = false](packetgen::Bytes packet) mutable -> std::vector<packetgen::Bytes> {
    if (acted || !picks(packet)) return {std::move(packet)};
    acted = true;
    return {};
  };
}

// Holds back the first packet picked until the second one has passed: the
// two arrive swapped.
inline InFlightHook swap_first_two(PacketFilter picks) {
  return [picks = std::move(picks), held = std::optional<packetgen::Bytes>(),
          acted = false](packetgen::Bytes packet) mutable -> std::vector<packetgen::Bytes> {
    if (acted || !picks(packet)) return {std::move(packet)};
    if (!held) {
      held = std::move(packet);
      return {};
    }
    acted = true;
    return {std::move(packet), *std::move(held)};
  };
}

inline bool carries_payload(const packetgen::Bytes& packet) {
  auto parsed = packetgen::tcp::parse(packet);
  return parsed && !parsed->segment.payload.empty();
}

// Two Wires joined by a MemoryLink pair on one ManualClock, for the
// harness's endpoints on both ends. Declare it before those endpoints.
struct JoinedWires {
  ManualClock clock;
  MemoryLinkPair links = make_memory_link_pair();
  Wire left{*links.left, {}, clock};
  Wire right{*links.right, {}, clock};

  // Lets both Wires handle everything in flight; only when both ends are
  // idle does the clock jump, to the earlier timer of the two or the
  // deadline. A Wire's own run_until() would jump while the other end
  // still had packets to answer.
  bool run_until(Clock::time_point deadline, const std::function<bool()>& done) {
    for (;;) {
      left.poll();
      right.poll();
      if (done()) return true;
      if (links.left->pending() > 0 || links.right->pending() > 0) continue;
      if (clock.now() >= deadline) return false;
      auto wake = deadline;
      for (const auto& due : {left.next_timer(), right.next_timer()})
        if (due && *due < wake) wake = *due;
      clock.advance_to(wake);
    }
  }
};

}  // namespace convtest::harness::hermetic
