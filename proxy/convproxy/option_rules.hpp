#pragma once
// RFC 8803 section 7: what the converter does with each TCP option a client
// requests in an Extended Connect, and what it announces as supported.

#include <cstdint>
#include <vector>

#include "packetgen/bytes.hpp"
#include "packetgen/result.hpp"

namespace convtest::convproxy {

// Announced in Supported TCP Extensions, in this order (section 7: MPTCP,
// SACK-Permitted, Timestamps, TFO).
std::vector<std::uint8_t> supported_kinds(bool mptcp_available);

// How the downstream socket must be set up for the requested options.
// SACK-Permitted and Timestamps are on by default in Linux: nothing to do.
struct DownstreamOptions {
  bool mptcp = false;                 // kind 30: IPPROTO_MPTCP toward the server
  bool fast_open = false;             // kind 34: TFO toward the server
  packetgen::Bytes fast_open_cookie;  // kind 34 with a value: the cookie to reuse
  friend bool operator==(const DownstreamOptions&, const DownstreamOptions&) = default;
};

// Error 33 material: the kinds to list, in order of first appearance.
struct UnsupportedOptions {
  std::vector<std::uint8_t> kinds;
};

struct OptionPolicy {
  bool mptcp_available = true;
  bool accept_tcp_ao = false;         // fault accept-tcp-ao
  bool reject_ignored_kinds = false;  // fault reject-ignored-options: 2, 3, 5 -> error 33
  bool drop_requested = false;        // fault drop-requested-options: no MPTCP / TFO downstream
  bool refuse_timestamps = false;     // fault refuse-listed-kind: 8 -> error 33, though listed
};

// The options field of a Connect TLV (well framed: the decoder checked it).
// AMB-33: kinds 0,1,2,3,5 ignored; supported kinds accepted; 29 and every
// other kind -> error 33. AMB-24: options past 40 bytes -> error 33.
packetgen::Result<DownstreamOptions, UnsupportedOptions> evaluate_options(packetgen::ByteView options,
                                                                          const OptionPolicy& policy);

}  // namespace convtest::convproxy
