#pragma once
// Value rules of each TLV type, applied once the whole TLV is available and
// its framing, type and direction have been checked.

#include <variant>

#include "convert_internal.hpp"

namespace convtest::packetgen::convert::detail {

// `tlv` is the whole TLV (Type and Length included, Length checked);
// `offset` is where it starts in the message, for error offsets.
std::variant<Tlv, DecodeError> decode_tlv_value(ByteView tlv, std::size_t offset, const DecodeOptions& options);

}  // namespace convtest::packetgen::convert::detail
