#pragma once
// ICMP and ICMPv6 errors quoting a given IP packet (RFC 792, RFC 4443).

#include <cstddef>
#include <cstdint>
#include <optional>

#include "packetgen/bytes.hpp"
#include "packetgen/ip.hpp"

namespace convtest::packetgen::icmp {

inline constexpr std::uint8_t kV4DestinationUnreachable = 3;
inline constexpr std::uint8_t kV4TimeExceeded = 11;
inline constexpr std::uint8_t kV6DestinationUnreachable = 1;
inline constexpr std::uint8_t kV6TimeExceeded = 3;

inline constexpr std::size_t kHeaderSize = 8;     // type, code, checksum, 4 unused bytes
inline constexpr std::size_t kV4MaxQuote = 548;   // 576 - 20 - 8 (RFC 1812 4.3.2.3)
inline constexpr std::size_t kV6MaxQuote = 1232;  // 1280 - 40 - 8 (RFC 4443 2.4 c)

// A whole IP packet from `reporter` to the source of `offending_packet`,
// quoting as much of it as the RFC allows (IPv4: header + 8 bytes at least,
// we quote up to 548; IPv6: up to the 1280-byte minimum MTU).
// The reporter's family picks ICMP or ICMPv6. Returns an empty vector when
// the offending packet has no parsable IP header or is of the other family.
Bytes destination_unreachable(const ip::Address& reporter, ByteView offending_packet, std::uint8_t code);
Bytes time_exceeded(const ip::Address& reporter, ByteView offending_packet, std::uint8_t code = 0);
// Any type/code, for soft errors and oddities.
Bytes error(const ip::Address& reporter, ByteView offending_packet, std::uint8_t type, std::uint8_t code);

struct Parsed {
  ip::Endpoints addresses;
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  Bytes quoted;          // the quoted IP packet
  std::uint8_t ttl = 0;  // of the ICMP packet itself
  bool checksum_ok = false;
};
// Any ICMP (IP protocol 1) or ICMPv6 (58) message of at least 8 bytes;
// quoted holds every byte after the first 8. nullopt otherwise.
std::optional<Parsed> parse(ByteView ip_packet);

}  // namespace convtest::packetgen::icmp
