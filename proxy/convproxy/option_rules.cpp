#include "convproxy/option_rules.hpp"

#include <algorithm>

#include "packetgen/tcp.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::convproxy {

namespace kind = packetgen::tcp::kind;

std::vector<std::uint8_t> supported_kinds(bool mptcp_available) {
  if (mptcp_available) return {kind::Mptcp, kind::SackPermitted, kind::Timestamps, kind::FastOpen};
  return {kind::SackPermitted, kind::Timestamps, kind::FastOpen};
}

namespace {
bool ignored(std::uint8_t option_kind) {
  return option_kind == kind::EOL || option_kind == kind::NOP || option_kind == kind::MSS ||
         option_kind == kind::WindowScale || option_kind == kind::Sack;
}

void add_unique(std::vector<std::uint8_t>& kinds, std::uint8_t option_kind) {
  if (std::find(kinds.begin(), kinds.end(), option_kind) == kinds.end()) kinds.push_back(option_kind);
}
}  // namespace

packetgen::Result<DownstreamOptions, UnsupportedOptions> evaluate_options(packetgen::ByteView options,
                                                                          const OptionPolicy& policy) {
  DownstreamOptions downstream;
  UnsupportedOptions unsupported;
  UnsupportedOptions overflow;
  std::size_t placed_bytes = 0;
  for (const auto& option : packetgen::tcp::parse_options(options).options) {
    const std::uint8_t k = option.kind;
    if (ignored(k) && !(policy.reject_ignored_kinds && k != kind::EOL && k != kind::NOP)) continue;
    placed_bytes += option.bytes.size();
    if (placed_bytes > packetgen::tcp::kMaxOptionsSize) add_unique(overflow.kinds, k);
    if (k == kind::SackPermitted || (k == kind::Timestamps && !policy.refuse_timestamps)) continue;
    if (k == kind::Mptcp && policy.mptcp_available) {
      downstream.mptcp = !policy.drop_requested;
      continue;
    }
    if (k == kind::FastOpen && policy.drop_requested) continue;
    if (k == kind::FastOpen) {
      downstream.fast_open = true;
      if (const auto* tfo = std::get_if<packetgen::tcp::FastOpenOption>(&option.value))
        downstream.fast_open_cookie = tfo->cookie;
      continue;
    }
    if (k == kind::TcpAo && policy.accept_tcp_ao) continue;
    add_unique(unsupported.kinds, k);
  }
  for (const auto k : overflow.kinds) add_unique(unsupported.kinds, k);
  if (!unsupported.kinds.empty()) return packetgen::failure(std::move(unsupported));
  return downstream;
}

}  // namespace convtest::convproxy
