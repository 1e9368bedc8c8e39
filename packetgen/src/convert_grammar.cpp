#include "packetgen/convert_grammar.hpp"

#include "packetgen/convert_builder.hpp"

namespace convtest::packetgen::convert::grammar {
namespace {

constexpr std::size_t kOptionHeaderSize = 2;  // Kind and Length

RawTlv raw_parts(const Tlv& tlv) {
  RawTlv parts;
  if (tlv.connect) {
    parts = raw_connect(tlv.connect->port, tlv.connect->address, serialize_options(tlv.connect->options), tlv.pad);
  } else {
    parts.value = tlv.value;
    parts.pad = tlv.pad;
  }
  parts.type = tlv.type;
  parts.length_words = tlv.length_words;
  return parts;
}

}  // namespace

Bytes serialize_options(const std::vector<OptionBlock>& blocks) {
  Bytes out;
  for (const OptionBlock& block : blocks) {
    put_u8(out, block.kind);
    put_u8(out, block.length.value_or(static_cast<std::uint8_t>(kOptionHeaderSize + block.value.size())));
    put_bytes(out, block.value);
  }
  return out;
}

Bytes value_bytes(const Tlv& tlv) {
  if (!tlv.connect) return tlv.value;
  return raw_connect(tlv.connect->port, tlv.connect->address, serialize_options(tlv.connect->options), false).value;
}

Bytes serialize(const Message& message) {
  MessageBuilder builder;
  builder.version(message.version).magic(message.magic);
  if (message.total_length_words) builder.total_length_words(*message.total_length_words);
  for (const Tlv& tlv : message.tlvs) builder.add(raw_parts(tlv));
  builder.app_data(message.app_data);
  return builder.build();
}

Tlv info_tlv() {
  Tlv tlv;
  tlv.type = static_cast<std::uint8_t>(TlvType::Info);
  tlv.value = {0, 0};
  return tlv;
}

Tlv connect_tlv(std::uint16_t port, const Ipv6Address& address, std::vector<OptionBlock> options) {
  Tlv tlv;
  tlv.type = static_cast<std::uint8_t>(TlvType::Connect);
  tlv.connect = ConnectParts{port, address, std::move(options)};
  return tlv;
}

Tlv cookie_tlv(Bytes cookie) {
  Tlv tlv;
  tlv.type = static_cast<std::uint8_t>(TlvType::Cookie);
  tlv.value = {0, 0};
  put_bytes(tlv.value, cookie);
  return tlv;
}

}  // namespace convtest::packetgen::convert::grammar
