#pragma once
// Pieces shared by the Convert encoder and decoder, so that both apply the
// same framing rules. Not part of the public API.

#include <cstddef>
#include <optional>

#include "packetgen/bytes.hpp"
#include "packetgen/convert.hpp"

namespace convtest::packetgen::convert::detail {

inline constexpr std::size_t kConnectOptionsOffset = 20;  // port + address precede the options
inline constexpr std::size_t kMaxTlvWords = 255;

// A fault found in a Connect TCP Options field; offset is relative to the
// start of the field.
struct OptionFault {
  DecodeRule rule;
  std::size_t offset = 0;
};

struct OptionScan {
  std::size_t blocks_end = 0;  // where the option blocks stop (padding starts)
  std::optional<OptionFault> fault;
};

// Walks Kind/Len blocks. With allow_padding, a zero byte that starts the
// last (at most 3) bytes of the field begins the word padding; any other
// zero byte is an EOL, which RFC 8803 forbids in a Connect TLV.
OptionScan scan_option_blocks(ByteView field, bool allow_padding, bool check_padding);

// Number of padded words a TLV with `bytes` bytes (Type and Length included) occupies.
constexpr std::size_t words_for(std::size_t bytes) { return (bytes + kWord - 1) / kWord; }

// Index of the first non-zero byte in bytes[from, to), if any.
std::optional<std::size_t> first_non_zero(ByteView bytes, std::size_t from, std::size_t to);

// Bytes with the trailing zero bytes (list padding) removed.
std::vector<std::uint8_t> strip_trailing_zeros(ByteView bytes);

}  // namespace convtest::packetgen::convert::detail
