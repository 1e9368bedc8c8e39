#pragma once
// Flow identity and the two paths of a case: the harness plays the client on
// one side of the PUT and the legacy server on the other.

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "packetgen/ip.hpp"
#include "packetgen/tcp.hpp"

namespace convtest::harness {

// Which way a packet crossed the link.
enum class Direction : std::uint8_t { ToPut, FromPut };

// Which path of the PUT a packet belongs to.
enum class PathSide : std::uint8_t {
  ClientSide,  // harness client <-> PUT (the upstream of RFC 8803)
  ServerSide,  // PUT <-> harness legacy server (the downstream)
};

std::string_view name(Direction direction);
std::string_view name(PathSide side);

// A TCP 4-tuple seen from the harness: `local` is the harness-owned address.
struct FlowKey {
  packetgen::ip::Address local_address;
  std::uint16_t local_port = 0;
  packetgen::ip::Address remote_address;
  std::uint16_t remote_port = 0;

  friend bool operator==(const FlowKey&, const FlowKey&) = default;
  friend auto operator<=>(const FlowKey&, const FlowKey&) = default;
  std::string to_string() const;  // "192.0.2.100.40000 <-> 192.0.2.1.5124"
};

// The flow of a segment the PUT sent (local = its destination).
FlowKey inbound_key(const packetgen::tcp::Parsed& segment);
// The flow of a segment the harness sent (local = its source).
FlowKey outbound_key(const packetgen::tcp::Parsed& segment);
// A SYN that opens a connection: no ACK, no RST.
bool is_bare_syn(const packetgen::tcp::Segment& segment);

// TCP sequence-space comparisons (RFC 9293 modular arithmetic).
constexpr bool seq_before(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) < 0; }
constexpr bool seq_before_or_equal(std::uint32_t a, std::uint32_t b) { return !seq_before(b, a); }

}  // namespace convtest::harness
