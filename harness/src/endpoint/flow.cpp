#include "harness/endpoint/flow.hpp"

#include <fmt/format.h>

namespace convtest::harness {

std::string_view name(Direction direction) { return direction == Direction::ToPut ? "to-put" : "from-put"; }

std::string_view name(PathSide side) { return side == PathSide::ClientSide ? "client-side" : "server-side"; }

std::string FlowKey::to_string() const {
  return fmt::format("{}.{} <-> {}.{}", local_address.to_string(), local_port, remote_address.to_string(), remote_port);
}

FlowKey inbound_key(const packetgen::tcp::Parsed& segment) {
  return {segment.addresses.destination, segment.segment.destination_port, segment.addresses.source,
          segment.segment.source_port};
}

bool is_bare_syn(const packetgen::tcp::Segment& segment) {
  namespace flag = packetgen::tcp::flag;
  return (segment.flags & flag::SYN) && !(segment.flags & (flag::ACK | flag::RST));
}

FlowKey outbound_key(const packetgen::tcp::Parsed& segment) {
  return {segment.addresses.source, segment.segment.source_port, segment.addresses.destination,
          segment.segment.destination_port};
}

}  // namespace convtest::harness
