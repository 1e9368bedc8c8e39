#include "packetgen/tcp.hpp"

#include <algorithm>

namespace convtest::packetgen::tcp {
namespace {

constexpr std::size_t kChecksumOffset = 16;
constexpr std::size_t kDataOffsetByte = 12;
constexpr std::uint8_t kMaxHeaderWords = 15;

std::uint8_t computed_data_offset(std::size_t option_bytes) {
  const std::size_t words = (kHeaderSize + option_bytes + 3) / 4;
  return static_cast<std::uint8_t>(std::min<std::size_t>(words, kMaxHeaderWords));
}

Bytes option_area(const Segment& segment) {
  Bytes options = segment.options;
  if (segment.pad_options) pad_to(options, 4);
  return options;
}

void store_checksum(Bytes& tcp_bytes, std::uint16_t checksum) {
  tcp_bytes[kChecksumOffset] = static_cast<std::uint8_t>(checksum >> 8);
  tcp_bytes[kChecksumOffset + 1] = static_cast<std::uint8_t>(checksum);
}

std::uint16_t chosen_checksum(const Segment& segment, const ip::Endpoints& addresses, ByteView tcp_bytes) {
  switch (segment.checksum_mode) {
    case ChecksumMode::Explicit: return segment.checksum;
    case ChecksumMode::Wrong: return corrupted_checksum(ip::transport_checksum(ip::kProtoTcp, addresses, tcp_bytes));
    case ChecksumMode::Correct: break;
  }
  return ip::transport_checksum(ip::kProtoTcp, addresses, tcp_bytes);
}

ParseRule rule_for(ip::HeaderRule rule) {
  return rule == ip::HeaderRule::Truncated ? ParseRule::TruncatedIp : ParseRule::NotIp;
}

Segment decode_fields(ByteView tcp_bytes, std::uint8_t words) {
  Segment segment;
  segment.source_port = get_u16(tcp_bytes, 0);
  segment.destination_port = get_u16(tcp_bytes, 2);
  segment.seq = get_u32(tcp_bytes, 4);
  segment.ack = get_u32(tcp_bytes, 8);
  segment.data_offset = words;
  segment.reserved_bits = tcp_bytes[kDataOffsetByte] & 0x0f;
  segment.flags = tcp_bytes[13];
  segment.window = get_u16(tcp_bytes, 14);
  segment.checksum = get_u16(tcp_bytes, kChecksumOffset);
  segment.checksum_mode = ChecksumMode::Explicit;
  segment.urgent_pointer = get_u16(tcp_bytes, 18);
  const std::size_t header_size = static_cast<std::size_t>(words) * 4;
  segment.options.assign(tcp_bytes.begin() + kHeaderSize, tcp_bytes.begin() + static_cast<std::ptrdiff_t>(header_size));
  segment.payload.assign(tcp_bytes.begin() + static_cast<std::ptrdiff_t>(header_size), tcp_bytes.end());
  return segment;
}

}  // namespace

std::string flags_text(std::uint8_t flags) {
  static constexpr char letters[] = "FSRPAUEC";
  std::string text;
  for (std::size_t bit = 0; bit < 8; ++bit)
    if (flags & (1U << bit)) text.push_back(letters[bit]);
  return text;
}

std::uint16_t corrupted_checksum(std::uint16_t correct) {
  // 0x0000 and 0xffff are the two one's complement zeros: swapping one for
  // the other would still verify.
  if (correct == 0x0000 || correct == 0xffff) return static_cast<std::uint16_t>(correct ^ 0x0001);
  return static_cast<std::uint16_t>(~correct);
}

std::string_view name(ParseRule rule) {
  switch (rule) {
    case ParseRule::NotIp: return "not-ip";
    case ParseRule::TruncatedIp: return "truncated-ip";
    case ParseRule::NotTcp: return "not-tcp";
    case ParseRule::TruncatedTcp: return "truncated-tcp";
    case ParseRule::BadDataOffset: return "bad-data-offset";
  }
  return "unknown";
}

Bytes encode(const Segment& segment, const ip::Endpoints& addresses) {
  const Bytes options = option_area(segment);
  const std::uint8_t words = segment.data_offset.value_or(computed_data_offset(options.size()));
  Bytes out;
  out.reserve(kHeaderSize + options.size() + segment.payload.size());
  put_u16(out, segment.source_port);
  put_u16(out, segment.destination_port);
  put_u32(out, segment.seq);
  put_u32(out, segment.ack);
  put_u8(out, static_cast<std::uint8_t>((words & 0x0f) << 4 | (segment.reserved_bits & 0x0f)));
  put_u8(out, segment.flags);
  put_u16(out, segment.window);
  put_u16(out, 0);
  put_u16(out, segment.urgent_pointer);
  put_bytes(out, options);
  put_bytes(out, segment.payload);
  store_checksum(out, chosen_checksum(segment, addresses, out));
  return out;
}

Bytes packet(const Segment& segment, const ip::Endpoints& addresses, const ip::Ipv4Fields& v4,
             const ip::Ipv6Fields& v6) {
  return ip::wrap(ip::kProtoTcp, encode(segment, addresses), addresses, v4, v6);
}

Result<Parsed, ParseError> parse(ByteView ip_packet) {
  auto header = ip::parse_header(ip_packet);
  if (!header) return failure(ParseError{rule_for(header.error()), 0});
  if (header->protocol != ip::kProtoTcp || !header->first_fragment)
    return failure(ParseError{ParseRule::NotTcp, header->header_size});

  const std::size_t start = header->header_size;
  const ByteView tcp_bytes = ip_packet.subspan(start, header->total_size - start);
  if (tcp_bytes.size() < kHeaderSize) return failure(ParseError{ParseRule::TruncatedTcp, header->total_size});
  const auto words = static_cast<std::uint8_t>(tcp_bytes[kDataOffsetByte] >> 4);
  const std::size_t header_size = static_cast<std::size_t>(words) * 4;
  if (header_size < kHeaderSize || header_size > tcp_bytes.size())
    return failure(ParseError{ParseRule::BadDataOffset, start + kDataOffsetByte});

  Parsed parsed;
  parsed.addresses = header->addresses;
  parsed.segment = decode_fields(tcp_bytes, words);
  parsed.checksum_ok = ip::transport_checksum_valid(ip::kProtoTcp, header->addresses, tcp_bytes);
  parsed.header_words = words;
  parsed.ip = *header;
  return parsed;
}

}  // namespace convtest::packetgen::tcp
