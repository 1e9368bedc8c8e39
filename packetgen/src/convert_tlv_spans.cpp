// TLV framing of a Convert message without value rules (RFC 8803 section 6).
#include "convert_internal.hpp"
#include "packetgen/convert.hpp"

namespace convtest::packetgen::convert {

Result<std::vector<TlvSpan>, DecodeError> tlv_spans(ByteView message) {
  if (message.size() < kHeaderSize) return failure(DecodeError{DecodeRule::TlvTruncated, message.size(), 0, 0});
  if (get_u16(message, 2) != kMagic) return failure(DecodeError{DecodeRule::BadMagic, 2, 0, kHeaderSize});
  if (message[1] == 0) return failure(DecodeError{DecodeRule::TotalLengthZero, 1, 0, kHeaderSize});
  const std::size_t size = std::size_t{message[1]} * kWord;
  if (message.size() < size) return failure(DecodeError{DecodeRule::TlvTruncated, message.size(), 0, size});
  std::vector<TlvSpan> spans;
  for (std::size_t offset = kHeaderSize; offset < size;) {
    const std::size_t length = std::size_t{message[offset + 1]} * kWord;
    if (length == 0) return failure(DecodeError{DecodeRule::TlvLengthZero, offset + 1, offset, kWord});
    if (offset + length > size)
      return failure(DecodeError{DecodeRule::TlvOverrunsMessage, offset + 1, offset, size - offset});
    spans.push_back({message[offset], offset, length});
    offset += length;
  }
  return spans;
}

}  // namespace convtest::packetgen::convert
