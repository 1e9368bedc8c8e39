#include "packetgen/ip.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace convtest::packetgen::ip {
namespace {

constexpr std::uint16_t kDontFragment = 0x4000;
constexpr std::uint16_t kMoreFragments = 0x2000;
constexpr std::uint16_t kFragmentOffsetMask = 0x1fff;

// 32-bit accumulator of 16-bit big-endian words; an odd tail byte is the
// high byte of a zero-padded word (RFC 1071).
std::uint32_t add_words(std::uint32_t sum, ByteView data) {
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) {
    sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
    sum = (sum & 0xffff) + (sum >> 16);
  }
  if (i < data.size()) {
    sum += static_cast<std::uint32_t>(data[i] << 8);
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return sum;
}

std::uint16_t fold(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

std::uint32_t pseudo_header_sum(std::uint8_t protocol, const Endpoints& addresses, std::size_t length) {
  Bytes pseudo;
  put_bytes(pseudo, addresses.source.view());
  put_bytes(pseudo, addresses.destination.view());
  if (addresses.source.family == Family::V4) {
    put_u8(pseudo, 0);
    put_u8(pseudo, protocol);
    put_u16(pseudo, static_cast<std::uint16_t>(length));
  } else {
    put_u32(pseudo, static_cast<std::uint32_t>(length));
    put_bytes(pseudo, std::array<std::uint8_t, 3>{});
    put_u8(pseudo, protocol);
  }
  return add_words(0, pseudo);
}

// The destination written with the source's width, so a mixed pair never
// produces a header of the wrong size.
ByteView address_bytes(const Address& address, Family family) {
  return ByteView(address.bytes).first(family == Family::V4 ? 4 : 16);
}

Bytes ipv4_header(std::uint8_t protocol, std::size_t payload_size, const Endpoints& addresses,
                  const Ipv4Fields& fields) {
  Bytes header;
  header.reserve(kIpv4HeaderSize);
  put_u8(header, 0x45);
  put_u8(header, fields.tos);
  put_u16(header, static_cast<std::uint16_t>(kIpv4HeaderSize + payload_size));
  put_u16(header, fields.id);
  put_u16(header, fields.dont_fragment ? kDontFragment : 0);
  put_u8(header, fields.ttl);
  put_u8(header, protocol);
  put_u16(header, 0);
  put_bytes(header, address_bytes(addresses.source, Family::V4));
  put_bytes(header, address_bytes(addresses.destination, Family::V4));
  const std::uint16_t checksum = internet_checksum(header);
  header[10] = static_cast<std::uint8_t>(checksum >> 8);
  header[11] = static_cast<std::uint8_t>(checksum);
  return header;
}

Bytes ipv6_header(std::uint8_t protocol, std::size_t payload_size, const Endpoints& addresses,
                  const Ipv6Fields& fields) {
  Bytes header;
  header.reserve(kIpv6HeaderSize);
  put_u32(header, 6U << 28 | static_cast<std::uint32_t>(fields.traffic_class) << 20 | (fields.flow_label & 0xfffff));
  put_u16(header, static_cast<std::uint16_t>(payload_size));
  put_u8(header, protocol);
  put_u8(header, fields.hop_limit);
  put_bytes(header, address_bytes(addresses.source, Family::V6));
  put_bytes(header, address_bytes(addresses.destination, Family::V6));
  return header;
}

Address address_at(ByteView packet, std::size_t offset, Family family) {
  Address address;
  address.family = family;
  const std::size_t width = family == Family::V4 ? 4 : 16;
  std::copy_n(packet.begin() + static_cast<std::ptrdiff_t>(offset), width, address.bytes.begin());
  return address;
}

Result<Header, HeaderRule> parse_ipv4(ByteView packet) {
  if (packet.size() < kIpv4HeaderSize) return failure(HeaderRule::Truncated);
  const std::size_t header_size = static_cast<std::size_t>(packet[0] & 0x0f) * 4;
  if (header_size < kIpv4HeaderSize) return failure(HeaderRule::BadLength);
  if (header_size > packet.size()) return failure(HeaderRule::Truncated);
  const std::size_t total_length = get_u16(packet, 2);
  if (total_length < header_size) return failure(HeaderRule::BadLength);
  const std::uint16_t fragment = get_u16(packet, 6);

  Header header;
  header.addresses = {address_at(packet, 12, Family::V4), address_at(packet, 16, Family::V4)};
  header.protocol = packet[9];
  header.header_size = header_size;
  header.total_size = std::min(total_length, packet.size());
  header.ttl = packet[8];
  header.is_fragment = (fragment & (kMoreFragments | kFragmentOffsetMask)) != 0;
  header.first_fragment = (fragment & kFragmentOffsetMask) == 0;
  return header;
}

bool is_skipped_extension(std::uint8_t next_header) {
  return next_header == kIpv6HopByHop || next_header == kIpv6Routing || next_header == kIpv6Fragment ||
         next_header == kIpv6Auth || next_header == kIpv6DestinationOptions;
}

std::size_t extension_size(std::uint8_t type, std::uint8_t length_byte) {
  if (type == kIpv6Fragment) return 8;
  if (type == kIpv6Auth) return (static_cast<std::size_t>(length_byte) + 2) * 4;
  return (static_cast<std::size_t>(length_byte) + 1) * 8;
}

Result<Header, HeaderRule> parse_ipv6(ByteView packet) {
  if (packet.size() < kIpv6HeaderSize) return failure(HeaderRule::Truncated);
  Header header;
  header.addresses = {address_at(packet, 8, Family::V6), address_at(packet, 24, Family::V6)};
  header.ttl = packet[7];
  header.total_size = std::min(kIpv6HeaderSize + get_u16(packet, 4), packet.size());

  std::uint8_t next = packet[6];
  std::size_t offset = kIpv6HeaderSize;
  // Each extension header is at least 8 bytes, so the chain ends within the
  // packet after at most total_size / 8 steps.
  while (is_skipped_extension(next)) {
    if (offset + 8 > header.total_size) return failure(HeaderRule::Truncated);
    const std::size_t size = extension_size(next, packet[offset + 1]);
    if (offset + size > header.total_size) return failure(HeaderRule::Truncated);
    if (next == kIpv6Fragment) {
      header.is_fragment = true;
      header.first_fragment = (get_u16(packet, offset + 2) & 0xfff8) == 0;
      if (!header.first_fragment) {
        header.protocol = kIpv6Fragment;
        header.header_size = offset;
        return header;
      }
    }
    next = packet[offset];
    offset += size;
  }
  header.protocol = next;
  header.header_size = offset;
  return header;
}

}  // namespace

Address Address::v4(std::uint32_t host_order) {
  Address address;
  address.family = Family::V4;
  address.bytes[0] = static_cast<std::uint8_t>(host_order >> 24);
  address.bytes[1] = static_cast<std::uint8_t>(host_order >> 16);
  address.bytes[2] = static_cast<std::uint8_t>(host_order >> 8);
  address.bytes[3] = static_cast<std::uint8_t>(host_order);
  return address;
}

std::optional<Address> Address::parse(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return std::nullopt;  // inet_pton would stop there
  const std::string terminated(text);
  Address address;
  if (inet_pton(AF_INET, terminated.c_str(), address.bytes.data()) == 1) {
    address.family = Family::V4;
    return address;
  }
  if (inet_pton(AF_INET6, terminated.c_str(), address.bytes.data()) == 1) {
    address.family = Family::V6;
    return address;
  }
  return std::nullopt;
}

Address Address::must_parse(std::string_view text) {
  std::optional<Address> address = parse(text);
  if (!address) {
    std::fprintf(stderr, "packetgen::ip: malformed address \"%.*s\"\n", static_cast<int>(text.size()), text.data());
    std::abort();
  }
  return *address;
}

std::string Address::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  const int af = family == Family::V4 ? AF_INET : AF_INET6;
  if (inet_ntop(af, bytes.data(), text, sizeof text) == nullptr) return {};
  return text;
}

ByteView Address::view() const { return address_bytes(*this, family); }

Bytes wrap(std::uint8_t protocol, ByteView payload, const Endpoints& addresses, const Ipv4Fields& v4,
           const Ipv6Fields& v6) {
  Bytes packet = addresses.source.family == Family::V4 ? ipv4_header(protocol, payload.size(), addresses, v4)
                                                       : ipv6_header(protocol, payload.size(), addresses, v6);
  put_bytes(packet, payload);
  return packet;
}

std::uint16_t internet_checksum(ByteView data) { return static_cast<std::uint16_t>(~fold(add_words(0, data))); }

std::uint16_t transport_checksum(std::uint8_t protocol, const Endpoints& addresses, ByteView data) {
  const std::uint32_t sum = add_words(pseudo_header_sum(protocol, addresses, data.size()), data);
  return static_cast<std::uint16_t>(~fold(sum));
}

bool transport_checksum_valid(std::uint8_t protocol, const Endpoints& addresses, ByteView data) {
  return fold(add_words(pseudo_header_sum(protocol, addresses, data.size()), data)) == 0xffff;
}

std::string_view name(HeaderRule rule) {
  switch (rule) {
    case HeaderRule::Empty: return "empty";
    case HeaderRule::BadVersion: return "bad-version";
    case HeaderRule::Truncated: return "truncated";
    case HeaderRule::BadLength: return "bad-length";
  }
  return "unknown";
}

Result<Header, HeaderRule> parse_header(ByteView packet) {
  if (packet.empty()) return failure(HeaderRule::Empty);
  switch (packet[0] >> 4) {
    case 4: return parse_ipv4(packet);
    case 6: return parse_ipv6(packet);
    default: return failure(HeaderRule::BadVersion);
  }
}

}  // namespace convtest::packetgen::ip
