#include "harness/emulate/middlebox.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <type_traits>

#include "packetgen/ip.hpp"
#include "packetgen/tcp.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness::emulate {
namespace {

namespace pt = packetgen::tcp;
using packetgen::Bytes;
using packetgen::ByteView;

TransformOutcome unchanged(ByteView packet) { return {{Bytes(packet.begin(), packet.end())}, {}}; }

// Re-encodes a segment with a correct checksum and the original TTL.
Bytes reencode(const pt::Parsed& parsed, pt::Segment segment, ByteView original) {
  segment.checksum_mode = pt::ChecksumMode::Correct;
  segment.data_offset.reset();
  segment.pad_options = true;
  packetgen::ip::Ipv4Fields v4;
  packetgen::ip::Ipv6Fields v6;
  if (auto header = packetgen::ip::parse_header(original); header) {
    v4.ttl = header->ttl;
    v6.hop_limit = header->ttl;
  }
  return pt::packet(segment, parsed.addresses, v4, v6);
}

// Option area without the options `drop` selects; a malformed tail is kept.
template <class Drop>
std::pair<Bytes, std::size_t> remove_options(ByteView area, Drop drop) {
  const auto parsed = pt::parse_options(area);
  Bytes kept;
  std::size_t removed = 0;
  for (const auto& option : parsed.options) {
    if (drop(option)) {
      ++removed;
      continue;
    }
    packetgen::put_bytes(kept, option.bytes);
  }
  if (parsed.broken_at && *parsed.broken_at < area.size())
    kept.insert(kept.end(), area.begin() + static_cast<std::ptrdiff_t>(*parsed.broken_at), area.end());
  return {kept, removed};
}

struct Applier {
  const pt::Parsed& parsed;
  ByteView original;

  const pt::Segment& segment() const { return parsed.segment; }
  bool is_syn() const { return (segment().flags & pt::flag::SYN) != 0; }

  TransformOutcome one(pt::Segment changed, std::string change) const {
    return {{reencode(parsed, std::move(changed), original)}, std::move(change)};
  }

  TransformOutcome strip_kind(std::uint8_t kind, std::string_view what) const {
    auto [kept, removed] = remove_options(segment().options, [&](const pt::Option& o) { return o.kind == kind; });
    if (removed == 0) return unchanged(original);
    pt::Segment changed = segment();
    changed.options = std::move(kept);
    return one(std::move(changed), fmt::format("stripped {} {} option(s)", removed, what));
  }

  TransformOutcome operator()(const StripTfoOption&) const { return strip_kind(pt::kind::FastOpen, "TFO"); }
  TransformOutcome operator()(const StripMptcpOptions& s) const {
    if (!s.subtype) return strip_kind(pt::kind::Mptcp, "MPTCP");
    auto [kept, removed] = remove_options(segment().options, [&](const pt::Option& o) {
      return o.kind == pt::kind::Mptcp && o.bytes.size() > 2 && (o.bytes[2] >> 4) == *s.subtype;
    });
    if (removed == 0) return unchanged(original);
    pt::Segment changed = segment();
    changed.options = std::move(kept);
    return one(std::move(changed), fmt::format("stripped {} MPTCP subtype {} option(s)", removed, *s.subtype));
  }

  TransformOutcome truncate_syn(std::size_t keep) const {
    if (!is_syn() || segment().payload.size() <= keep) return unchanged(original);
    pt::Segment changed = segment();
    changed.payload.resize(keep);
    return one(std::move(changed), fmt::format("cut SYN payload from {} to {} bytes", segment().payload.size(), keep));
  }
  TransformOutcome operator()(const StripSynPayload&) const { return truncate_syn(0); }
  TransformOutcome operator()(const TruncateSynPayload& t) const { return truncate_syn(t.keep); }

  TransformOutcome operator()(const DropSynWithData&) const {
    if (!is_syn() || segment().payload.empty()) return unchanged(original);
    return {{}, fmt::format("dropped a SYN carrying {} payload bytes", segment().payload.size())};
  }

  TransformOutcome operator()(const NopOptions& n) const {
    const auto options = pt::parse_options(segment().options);
    pt::Segment changed = segment();
    std::vector<std::uint8_t> hit;
    for (const auto& option : options.options) {
      if (std::find(n.kinds.begin(), n.kinds.end(), option.kind) == n.kinds.end()) continue;
      if (option.kind == pt::kind::NOP) continue;
      std::fill_n(changed.options.begin() + static_cast<std::ptrdiff_t>(option.offset), option.bytes.size(),
                  pt::kind::NOP);
      hit.push_back(option.kind);
    }
    if (hit.empty()) return unchanged(original);
    return one(std::move(changed), fmt::format("overwrote option kind(s) {} with NOPs", fmt::join(hit, ",")));
  }

  TransformOutcome operator()(const ClampMss& c) const {
    const auto options = pt::parse_options(segment().options);
    const auto* mss = options.find(pt::kind::MSS);
    if (mss == nullptr || !std::holds_alternative<pt::MssOption>(mss->value)) return unchanged(original);
    const auto value = std::get<pt::MssOption>(mss->value).value;
    if (value <= c.max) return unchanged(original);
    pt::Segment changed = segment();
    const auto clamped = pt::mss(c.max);
    std::copy(clamped.begin(), clamped.end(), changed.options.begin() + static_cast<std::ptrdiff_t>(mss->offset));
    return one(std::move(changed), fmt::format("clamped MSS {} to {}", value, c.max));
  }

  TransformOutcome operator()(const Resegment& r) const {
    const auto& payload = segment().payload;
    if (is_syn() || payload.empty()) return unchanged(original);
    std::vector<std::size_t> cuts;
    for (auto offset : r.offsets)
      if (offset > 0 && offset < payload.size() && (cuts.empty() || offset > cuts.back())) cuts.push_back(offset);
    if (cuts.empty()) return unchanged(original);
    cuts.push_back(payload.size());
    TransformOutcome outcome;
    std::size_t start = 0;
    for (std::size_t i = 0; i < cuts.size(); ++i) {
      const bool last = i + 1 == cuts.size();
      pt::Segment piece = segment();
      piece.seq = segment().seq + static_cast<std::uint32_t>(start);
      piece.payload.assign(payload.begin() + static_cast<std::ptrdiff_t>(start),
                           payload.begin() + static_cast<std::ptrdiff_t>(cuts[i]));
      if (!last) piece.flags = static_cast<std::uint8_t>(piece.flags & ~(pt::flag::FIN | pt::flag::PSH));
      outcome.packets.push_back(reencode(parsed, std::move(piece), original));
      start = cuts[i];
    }
    outcome.change = fmt::format("re-segmented {} payload bytes into {} segments", payload.size(), cuts.size());
    return outcome;
  }
};

}  // namespace

std::string describe(const Transform& transform) {
  return std::visit(
      [](const auto& t) -> std::string {
        using T = std::decay_t<decltype(t)>;
        if constexpr (std::is_same_v<T, StripTfoOption>)
          return "strip TFO option";
        else if constexpr (std::is_same_v<T, StripMptcpOptions>)
          return t.subtype ? fmt::format("strip MPTCP subtype {} options", *t.subtype) : "strip MPTCP options";
        else if constexpr (std::is_same_v<T, StripSynPayload>)
          return "strip SYN payload";
        else if constexpr (std::is_same_v<T, TruncateSynPayload>)
          return fmt::format("truncate SYN payload to {} bytes", t.keep);
        else if constexpr (std::is_same_v<T, DropSynWithData>)
          return "drop SYNs with data";
        else if constexpr (std::is_same_v<T, NopOptions>)
          return fmt::format("overwrite option kinds {} with NOPs", fmt::join(t.kinds, ","));
        else if constexpr (std::is_same_v<T, ClampMss>)
          return fmt::format("clamp MSS to {}", t.max);
        else
          return fmt::format("re-segment payload at offsets {}", fmt::join(t.offsets, ","));
      },
      transform);
}

TransformOutcome apply_transform(const Transform& transform, ByteView ip_packet) {
  auto parsed = pt::parse(ip_packet);
  if (!parsed) return unchanged(ip_packet);
  return std::visit(Applier{*parsed, ip_packet}, transform);
}

namespace {

bool concerns(const MiddleboxRule& rule, ByteView ip_packet) {
  if (!rule.harness_port) return true;
  const auto parsed = pt::parse(ip_packet);
  if (!parsed) return false;
  const auto port = rule.direction == Direction::ToPut ? parsed->segment.source_port : parsed->segment.destination_port;
  return port == *rule.harness_port;
}

}  // namespace

TransformOutcome Middlebox::process(ByteView ip_packet, PathSide side, Direction direction) const {
  TransformOutcome total = unchanged(ip_packet);
  for (const auto& rule : rules_) {
    if (rule.side != side || rule.direction != direction || !concerns(rule, ip_packet)) continue;
    TransformOutcome next;
    for (const auto& packet : total.packets) {
      auto outcome = apply_transform(rule.transform, packet);
      if (outcome.changed()) next.change += (next.change.empty() ? "" : "; ") + outcome.change;
      for (auto& p : outcome.packets) next.packets.push_back(std::move(p));
    }
    if (next.changed()) total.change += (total.change.empty() ? "" : "; ") + next.change;
    total.packets = std::move(next.packets);
  }
  return total;
}

}  // namespace convtest::harness::emulate
