#pragma once
// IPv4 / IPv6 addressing and the IP layer around TCP and ICMP.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "packetgen/bytes.hpp"
#include "packetgen/result.hpp"

namespace convtest::packetgen::ip {

enum class Family : std::uint8_t { V4, V6 };

struct Address {
  Family family = Family::V4;
  std::array<std::uint8_t, 16> bytes{};  // V4 uses the first 4 bytes

  static Address v4(std::uint32_t host_order);
  static std::optional<Address> parse(std::string_view text);
  static Address must_parse(std::string_view text);  // aborts on bad text: tests/tables only
  std::string to_string() const;
  ByteView view() const;  // 4 or 16 bytes
  friend bool operator==(const Address&, const Address&) = default;
  friend auto operator<=>(const Address&, const Address&) = default;
};

// Address bits of a family: the longest prefix length (32 or 128).
std::uint8_t max_prefix_length(Family family);

// An address with a prefix length, as in "192.0.2.1/24" or "2001:db8::/32".
// The address is kept as written, so an interface address keeps its host
// bits; network() clears them. An address without "/length" is a host
// prefix (/32, /128).
struct Cidr {
  Address address;
  std::uint8_t length = 0;  // at most max_prefix_length(address.family)

  // Errors name what is wrong with the text; never throws.
  static Result<Cidr, std::string> parse(std::string_view text);
  [[nodiscard]] Cidr network() const;  // host bits cleared
  // Same family and the first `length` bits equal: a prefix never contains
  // an address of the other family (0.0.0.0/0 is not ::/0).
  [[nodiscard]] bool contains(const Address& other) const;
  [[nodiscard]] std::string to_string() const;  // "192.0.2.1/24"
  friend bool operator==(const Cidr&, const Cidr&) = default;
};

struct Endpoints {
  Address source;
  Address destination;
  friend bool operator==(const Endpoints&, const Endpoints&) = default;
};

struct Ipv4Fields {
  std::uint8_t ttl = 64;
  std::uint16_t id = 0;
  bool dont_fragment = true;
  std::uint8_t tos = 0;
};
struct Ipv6Fields {
  std::uint8_t hop_limit = 64;
  std::uint32_t flow_label = 0;
  std::uint8_t traffic_class = 0;
};

inline constexpr std::uint8_t kProtoIcmp = 1;
inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoIcmpv6 = 58;

// IP header + payload (total length and IPv4 header checksum computed).
// The source address's family decides IPv4 or IPv6.
Bytes wrap(std::uint8_t protocol, ByteView payload, const Endpoints& addresses, const Ipv4Fields& v4 = {},
           const Ipv6Fields& v6 = {});

// The one's complement sum of RFC 1071 over the pseudo-header + data.
// The result is the value to store in the checksum field when `data` holds
// zero there; over data that already carries a valid checksum it is 0.
std::uint16_t transport_checksum(std::uint8_t protocol, const Endpoints& addresses, ByteView data);

// RFC 1071 over `data` alone (IPv4 header, ICMPv4), same convention.
std::uint16_t internet_checksum(ByteView data);

// True when `data` (checksum field included) sums to all ones with its
// pseudo-header: the receiver's check.
bool transport_checksum_valid(std::uint8_t protocol, const Endpoints& addresses, ByteView data);

inline constexpr std::size_t kIpv4HeaderSize = 20;
inline constexpr std::size_t kIpv6HeaderSize = 40;

struct Header {
  Endpoints addresses;
  std::uint8_t protocol = 0;    // IPv6: the upper-layer protocol after extension headers
  std::size_t header_size = 0;  // where the upper-layer payload starts
  std::size_t total_size = 0;   // from the header's length field, bounded by the buffer
  std::uint8_t ttl = 0;
  // IPv4 with MF or a fragment offset, IPv6 with a Fragment header. When the
  // offset is not zero the upper-layer header is not in this packet, and
  // protocol is left at what the header chain says (IPv6: 44).
  bool is_fragment = false;
  bool first_fragment = true;
};

// IPv4 options are skipped by IHL. IPv6 hop-by-hop (0), routing (43),
// fragment (44), destination options (60) and AH (51) headers are skipped.
// Truncated: the buffer ends inside a header; BadLength: IHL < 5 or a
// length field smaller than the header it describes.
enum class HeaderRule : std::uint8_t { Empty, BadVersion, Truncated, BadLength };
std::string_view name(HeaderRule rule);
Result<Header, HeaderRule> parse_header(ByteView packet);

// Next-header values of the IPv6 extension headers parse_header skips.
inline constexpr std::uint8_t kIpv6HopByHop = 0;
inline constexpr std::uint8_t kIpv6Routing = 43;
inline constexpr std::uint8_t kIpv6Fragment = 44;
inline constexpr std::uint8_t kIpv6Auth = 51;
inline constexpr std::uint8_t kIpv6NoNext = 59;
inline constexpr std::uint8_t kIpv6DestinationOptions = 60;

}  // namespace convtest::packetgen::ip
