#pragma once
// The converter's Convert replies (success, Info, errors), with the
// reply-shaping faults applied here and nowhere else.

#include <cstdint>
#include <optional>
#include <vector>

#include "convproxy/faults.hpp"
#include "packetgen/bytes.hpp"
#include "packetgen/convert.hpp"

namespace convtest::convproxy {

struct ReplyFaults {
  bool wrong_magic = false;
  bool wrong_total_length = false;
  bool nonzero_padding = false;
  bool reorder_extended_header = false;
  bool no_extended_header = false;
  bool version_zero = false;
  bool duplicate_tlvs = false;
  bool nonzero_unassigned = false;
  bool advertise_forbidden_kinds = false;
  bool no_mptcp_in_supported = false;
  bool advertise_unassigned_kind = false;
  bool no_error_echo = false;
  bool wrong_version_list = false;
  bool nonzero_not_authorized = false;
  bool empty_missing_cookie = false;

  static ReplyFaults from(const FaultSet& faults);
};

// The largest echo that keeps Total Length <= 255 (AMB-05): header, Error
// TLV head (type, length, code, zero) and the echo.
inline constexpr std::size_t kMaxEcho = packetgen::convert::kMaxMessageSize - 2 * packetgen::convert::kWord;

// Malformed / Unsupported Message echoing `culprit`, cut on a word boundary.
packetgen::convert::ErrorTlv echo_error(packetgen::convert::ErrorCode code, packetgen::ByteView culprit);

// Header + Supported TCP Extensions (when `supported`) + Extended TCP Header
// (when `extended_header`). Neither: a header-only reply.
packetgen::Bytes success_reply(const std::optional<std::vector<std::uint8_t>>& supported,
                               const std::optional<packetgen::Bytes>& extended_header, const ReplyFaults& faults);

packetgen::Bytes error_reply(const packetgen::convert::ErrorTlv& error, const ReplyFaults& faults);

// The option blocks of `options` in reverse order (fault reorder-ext-header-options).
packetgen::Bytes reversed_options(packetgen::ByteView options);

}  // namespace convtest::convproxy
