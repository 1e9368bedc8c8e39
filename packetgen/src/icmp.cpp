#include "packetgen/icmp.hpp"

#include <algorithm>

namespace convtest::packetgen::icmp {
namespace {

constexpr std::size_t kChecksumOffset = 2;

std::uint16_t message_checksum(ip::Family family, const ip::Endpoints& addresses, ByteView message) {
  return family == ip::Family::V4 ? ip::internet_checksum(message)
                                  : ip::transport_checksum(ip::kProtoIcmpv6, addresses, message);
}

bool checksum_verifies(ip::Family family, const ip::Endpoints& addresses, ByteView message) {
  return message_checksum(family, addresses, message) == 0;
}

}  // namespace

Bytes error(const ip::Address& reporter, ByteView offending_packet, std::uint8_t type, std::uint8_t code) {
  const auto offending = ip::parse_header(offending_packet);
  if (!offending || offending->addresses.source.family != reporter.family) return {};

  const ip::Endpoints addresses{reporter, offending->addresses.source};
  const bool v4 = reporter.family == ip::Family::V4;
  const std::size_t quote = std::min(offending_packet.size(), v4 ? kV4MaxQuote : kV6MaxQuote);

  Bytes message{type, code, 0, 0, 0, 0, 0, 0};
  put_bytes(message, offending_packet.first(quote));
  const std::uint16_t checksum = message_checksum(reporter.family, addresses, message);
  message[kChecksumOffset] = static_cast<std::uint8_t>(checksum >> 8);
  message[kChecksumOffset + 1] = static_cast<std::uint8_t>(checksum);
  return ip::wrap(v4 ? ip::kProtoIcmp : ip::kProtoIcmpv6, message, addresses);
}

Bytes destination_unreachable(const ip::Address& reporter, ByteView offending_packet, std::uint8_t code) {
  const bool v4 = reporter.family == ip::Family::V4;
  return error(reporter, offending_packet, v4 ? kV4DestinationUnreachable : kV6DestinationUnreachable, code);
}

Bytes time_exceeded(const ip::Address& reporter, ByteView offending_packet, std::uint8_t code) {
  const bool v4 = reporter.family == ip::Family::V4;
  return error(reporter, offending_packet, v4 ? kV4TimeExceeded : kV6TimeExceeded, code);
}

std::optional<Parsed> parse(ByteView ip_packet) {
  const auto header = ip::parse_header(ip_packet);
  if (!header || !header->first_fragment) return std::nullopt;
  const ip::Family family = header->addresses.source.family;
  const std::uint8_t expected = family == ip::Family::V4 ? ip::kProtoIcmp : ip::kProtoIcmpv6;
  if (header->protocol != expected) return std::nullopt;
  const ByteView message = ip_packet.subspan(header->header_size, header->total_size - header->header_size);
  if (message.size() < kHeaderSize) return std::nullopt;

  Parsed parsed;
  parsed.addresses = header->addresses;
  parsed.type = message[0];
  parsed.code = message[1];
  parsed.quoted.assign(message.begin() + kHeaderSize, message.end());
  parsed.ttl = header->ttl;
  parsed.checksum_ok = checksum_verifies(family, header->addresses, message);
  return parsed;
}

}  // namespace convtest::packetgen::icmp
