#pragma once
// A client's Convert message as a grammar: the fixed header's fields, TLVs
// as parts (a Connect TLV as port, address and TCP option blocks; any other
// TLV as its value bytes), each with an optional wrong Length, and the
// application data after the message. `convtest fuzz` generates, mutates and
// minimizes messages in this form; serialize() is the one place that lays
// them out in bytes, valid or not.

#include <cstdint>
#include <optional>
#include <vector>

#include "packetgen/bytes.hpp"
#include "packetgen/convert.hpp"

namespace convtest::packetgen::convert::grammar {

// One block of a Connect TLV's TCP Options field: Kind, Length (in bytes,
// RFC 793 style: Kind and Length included) and Value. `length` overrides the
// computed value to frame the block wrongly.
struct OptionBlock {
  std::uint8_t kind = 0;
  Bytes value{};
  std::optional<std::uint8_t> length{};
  friend bool operator==(const OptionBlock&, const OptionBlock&) = default;
};

struct ConnectParts {
  std::uint16_t port = 0;
  Ipv6Address address{};
  std::vector<OptionBlock> options{};
  friend bool operator==(const ConnectParts&, const ConnectParts&) = default;
};

struct Tlv {
  std::uint8_t type = 0;
  std::optional<ConnectParts> connect{};  // set: the value is built from these parts
  Bytes value{};                          // otherwise: the bytes after Type and Length
  std::optional<std::uint8_t> length_words{};
  bool pad = true;  // zero-pad the value to a whole word
  friend bool operator==(const Tlv&, const Tlv&) = default;
};

struct Message {
  std::uint8_t version = kVersion;
  std::uint16_t magic = kMagic;
  std::optional<std::uint8_t> total_length_words{};
  std::vector<Tlv> tlvs{};
  Bytes app_data{};  // after the message, not counted in Total Length
  friend bool operator==(const Message&, const Message&) = default;
};

// The bytes of the option blocks, without the field's zero padding.
Bytes serialize_options(const std::vector<OptionBlock>& blocks);
// The whole client stream: header, TLVs and application data.
Bytes serialize(const Message& message);
// A TLV's bytes after Type and Length, before padding (a Connect's built from its parts).
Bytes value_bytes(const Tlv& tlv);

// Grammar parts for the usual TLVs.
Tlv info_tlv();
Tlv connect_tlv(std::uint16_t port, const Ipv6Address& address, std::vector<OptionBlock> options = {});
Tlv cookie_tlv(Bytes cookie);

}  // namespace convtest::packetgen::convert::grammar
