#pragma once
// Middlebox emulation: value-type transforms applied by the Wire to packets
// of one direction of one path. Each reports what it changed, so a verdict
// can tell "the path altered the test" (INCONCLUSIVE when a case did not ask
// for it) from a PUT fault. Changed packets get correct checksums again.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "harness/endpoint/flow.hpp"
#include "packetgen/bytes.hpp"

namespace convtest::harness::emulate {

struct StripTfoOption {};  // removes option 34
// Removes every option 30, or only those of one subtype (e.g. DSS: a path
// that lets the handshake through and strips mappings afterwards).
struct StripMptcpOptions {
  std::optional<std::uint8_t> subtype;
};
struct StripSynPayload {};  // SYN keeps its header only
struct TruncateSynPayload {
  std::size_t keep = 0;
};                          // SYN keeps `keep` payload bytes
struct DropSynWithData {};  // SYN with payload never arrives
struct NopOptions {
  std::vector<std::uint8_t> kinds;
};  // overwrites those options with NOPs
struct ClampMss {
  std::uint16_t max = 536;
};  // lowers a larger MSS option
// Splits every non-SYN segment with payload at these payload offsets
// (ascending; offsets at or past the payload end are ignored).
struct Resegment {
  std::vector<std::size_t> offsets;
};

using Transform = std::variant<StripTfoOption, StripMptcpOptions, StripSynPayload, TruncateSynPayload, DropSynWithData,
                               NopOptions, ClampMss, Resegment>;

std::string describe(const Transform& transform);  // "strip TFO option"

// What a transform made of one IP packet.
struct TransformOutcome {
  std::vector<packetgen::Bytes> packets;  // 0 (dropped), 1, or several (re-segmented)
  std::string change;                     // empty: nothing was altered
  bool changed() const { return !change.empty(); }
};

// Non-TCP packets and packets a transform does not concern pass unchanged.
TransformOutcome apply_transform(const Transform& transform, packetgen::ByteView ip_packet);

struct MiddleboxRule {
  PathSide side = PathSide::ClientSide;
  Direction direction = Direction::ToPut;
  Transform transform;
  // Only the flow whose harness-side port is this one (e.g. one MPTCP
  // subflow); every flow when empty.
  std::optional<std::uint16_t> harness_port{};
};

// An ordered list of rules; a packet runs through every rule of its
// side and direction in order.
class Middlebox {
 public:
  Middlebox() = default;
  explicit Middlebox(std::vector<MiddleboxRule> rules) : rules_(std::move(rules)) {}
  void add(MiddleboxRule rule) { rules_.push_back(std::move(rule)); }
  bool empty() const { return rules_.empty(); }
  const std::vector<MiddleboxRule>& rules() const { return rules_; }

  // Changes are joined with "; ".
  TransformOutcome process(packetgen::ByteView ip_packet, PathSide side, Direction direction) const;

 private:
  std::vector<MiddleboxRule> rules_;
};

}  // namespace convtest::harness::emulate
