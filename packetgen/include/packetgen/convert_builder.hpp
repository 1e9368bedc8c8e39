#pragma once
// Deliberately malformed Convert messages: everything the strict encoder
// refuses. The conformance cases send exactly what this builds.

#include <cstdint>
#include <optional>

#include "packetgen/bytes.hpp"
#include "packetgen/convert.hpp"

namespace convtest::packetgen::convert {

// One TLV as raw parts. length_words overrides the computed Length byte;
// value holds the bytes after Type and Length and is zero-padded to a word
// unless pad is false.
struct RawTlv {
  std::uint8_t type = 0;
  Bytes value{};
  std::optional<std::uint8_t> length_words{};
  bool pad = true;
};

RawTlv raw(const Tlv& tlv);           // a valid TLV as raw parts, to be altered
Bytes encode_raw(const RawTlv& tlv);  // the TLV's bytes exactly as the builder adds them

class MessageBuilder {
 public:
  MessageBuilder() = default;
  static MessageBuilder from(const Message& message);  // start from a valid message

  MessageBuilder& version(std::uint8_t version);
  MessageBuilder& magic(std::uint16_t magic);
  MessageBuilder& total_length_words(std::uint8_t words);  // override the computed value
  MessageBuilder& add(const Tlv& tlv);
  MessageBuilder& add(RawTlv tlv);
  MessageBuilder& add_bytes(ByteView bytes);       // arbitrary bytes in the TLV area
  MessageBuilder& app_data(ByteView bytes);        // after the message (not counted in Total Length)
  MessageBuilder& truncate_to(std::size_t bytes);  // send only the first bytes

  Bytes build() const;

 private:
  std::uint8_t version_ = kVersion;
  std::uint16_t magic_ = kMagic;
  std::optional<std::uint8_t> total_length_words_;
  Bytes tlv_area_;
  Bytes app_data_;
  std::optional<std::size_t> truncate_to_;
};

// Connect TLV value parts for hand-made Connects (port, address, raw option
// bytes, padded or not).
RawTlv raw_connect(std::uint16_t port, const Ipv6Address& address, ByteView options = {}, bool pad = true);

}  // namespace convtest::packetgen::convert
