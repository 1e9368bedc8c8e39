#include "convert_internal.hpp"

namespace convtest::packetgen::convert::detail {
namespace {

constexpr std::uint8_t kEol = 0;
constexpr std::uint8_t kNop = 1;
constexpr std::size_t kMinOptionLength = 2;

OptionScan fault_at(std::size_t blocks_end, DecodeRule rule, std::size_t offset) {
  return OptionScan{blocks_end, OptionFault{rule, offset}};
}

}  // namespace

OptionScan scan_option_blocks(ByteView field, bool allow_padding, bool check_padding) {
  std::size_t pos = 0;
  while (pos < field.size()) {
    const std::uint8_t kind = field[pos];
    const std::size_t tail = field.size() - pos;
    if (kind == kEol && allow_padding && tail < kWord) {
      if (check_padding) {
        if (auto bad = first_non_zero(field, pos, field.size())) return fault_at(pos, DecodeRule::NonZeroPadding, *bad);
      }
      return OptionScan{pos, std::nullopt};
    }
    if (kind == kEol || kind == kNop) return fault_at(pos, DecodeRule::BadConnectOptionKind, pos);
    if (tail < kMinOptionLength) return fault_at(pos, DecodeRule::BadConnectOptionLength, pos);
    const std::size_t length = field[pos + 1];
    if (length < kMinOptionLength || length > tail) return fault_at(pos, DecodeRule::BadConnectOptionLength, pos + 1);
    pos += length;
  }
  return OptionScan{pos, std::nullopt};
}

std::optional<std::size_t> first_non_zero(ByteView bytes, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to && i < bytes.size(); ++i)
    if (bytes[i] != 0) return i;
  return std::nullopt;
}

std::vector<std::uint8_t> strip_trailing_zeros(ByteView bytes) {
  std::size_t end = bytes.size();
  while (end > 0 && bytes[end - 1] == 0) --end;
  return {bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(end)};
}

}  // namespace convtest::packetgen::convert::detail
