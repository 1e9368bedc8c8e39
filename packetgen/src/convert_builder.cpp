// Raw assembly of Convert messages, valid or not: no rule is enforced here.
#include "packetgen/convert_builder.hpp"

#include "convert_internal.hpp"

namespace convtest::packetgen::convert {
namespace {

constexpr std::size_t kTlvHeaderSize = 2;

// Length and Total Length are single bytes: a builder asked for more keeps
// the low byte, which is itself a malformed stimulus.
std::uint8_t low_byte(std::size_t value) { return static_cast<std::uint8_t>(value); }

}  // namespace

RawTlv raw(const Tlv& tlv) {
  const Bytes bytes = encode_tlv(tlv);
  RawTlv parts;
  parts.type = bytes[0];
  parts.value.assign(bytes.begin() + kTlvHeaderSize, bytes.end());
  return parts;
}

RawTlv raw_connect(std::uint16_t port, const Ipv6Address& address, ByteView options, bool pad) {
  RawTlv parts;
  parts.type = static_cast<std::uint8_t>(TlvType::Connect);
  put_u16(parts.value, port);
  put_bytes(parts.value, address);
  put_bytes(parts.value, options);
  parts.pad = pad;
  return parts;
}

MessageBuilder MessageBuilder::from(const Message& message) {
  MessageBuilder builder;
  for (const Tlv& tlv : message.tlvs) builder.add(tlv);
  return builder;
}

MessageBuilder& MessageBuilder::version(std::uint8_t version) {
  version_ = version;
  return *this;
}

MessageBuilder& MessageBuilder::magic(std::uint16_t magic) {
  magic_ = magic;
  return *this;
}

MessageBuilder& MessageBuilder::total_length_words(std::uint8_t words) {
  total_length_words_ = words;
  return *this;
}

MessageBuilder& MessageBuilder::add(const Tlv& tlv) { return add(raw(tlv)); }

Bytes encode_raw(const RawTlv& tlv) {
  Bytes out;
  const std::size_t unpadded = kTlvHeaderSize + tlv.value.size();
  put_u8(out, tlv.type);
  put_u8(out, tlv.length_words.value_or(low_byte(detail::words_for(unpadded))));
  put_bytes(out, tlv.value);
  if (tlv.pad) {
    for (std::size_t i = unpadded; i % kWord != 0; ++i) put_u8(out, 0);
  }
  return out;
}

MessageBuilder& MessageBuilder::add(RawTlv tlv) {
  put_bytes(tlv_area_, encode_raw(tlv));
  return *this;
}

MessageBuilder& MessageBuilder::add_bytes(ByteView bytes) {
  put_bytes(tlv_area_, bytes);
  return *this;
}

MessageBuilder& MessageBuilder::app_data(ByteView bytes) {
  put_bytes(app_data_, bytes);
  return *this;
}

MessageBuilder& MessageBuilder::truncate_to(std::size_t bytes) {
  truncate_to_ = bytes;
  return *this;
}

Bytes MessageBuilder::build() const {
  Bytes out;
  put_u8(out, version_);
  put_u8(out, total_length_words_.value_or(low_byte(detail::words_for(kHeaderSize + tlv_area_.size()))));
  put_u16(out, magic_);
  put_bytes(out, tlv_area_);
  put_bytes(out, app_data_);
  if (truncate_to_ && *truncate_to_ < out.size()) out.resize(*truncate_to_);
  return out;
}

}  // namespace convtest::packetgen::convert
