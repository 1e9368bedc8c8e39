// Connect TLV addresses: IPv4-mapped form, text conversion and the
// destination classes RFC 8803 section 6.2.5 forbids.
#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "packetgen/convert.hpp"

namespace convtest::packetgen::convert {
namespace {

constexpr std::size_t kMappedPrefixSize = 12;
constexpr std::array<std::uint8_t, kMappedPrefixSize> kMappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
constexpr std::uint8_t kIpv6MulticastFirstByte = 0xff;

AddressClass classify_ipv4(const Ipv6Address& mapped) {
  const std::uint8_t first = mapped[kMappedPrefixSize];
  const bool all_ones =
      std::all_of(mapped.begin() + kMappedPrefixSize, mapped.end(), [](std::uint8_t byte) { return byte == 0xff; });
  if (all_ones) return AddressClass::Broadcast;
  if (first == 0) return AddressClass::Unspecified;  // 0.0.0.0/8: "this network"
  if (first == 127) return AddressClass::Loopback;
  if (first >= 224 && first <= 239) return AddressClass::Multicast;
  return AddressClass::Ordinary;
}

AddressClass classify_ipv6(const Ipv6Address& address) {
  if (address[0] == kIpv6MulticastFirstByte) return AddressClass::Multicast;
  const bool leading_zero =
      std::all_of(address.begin(), address.end() - 1, [](std::uint8_t byte) { return byte == 0; });
  if (leading_zero && address.back() == 0) return AddressClass::Unspecified;
  if (leading_zero && address.back() == 1) return AddressClass::Loopback;
  return AddressClass::Ordinary;
}

}  // namespace

Ipv6Address ipv4_mapped(std::uint32_t ipv4_host_order) {
  Ipv6Address address{};
  std::copy(kMappedPrefix.begin(), kMappedPrefix.end(), address.begin());
  for (std::size_t i = 0; i < 4; ++i)
    address[kMappedPrefixSize + i] = static_cast<std::uint8_t>(ipv4_host_order >> (24 - 8 * i));
  return address;
}

Ipv6Address ipv4_mapped(std::string_view dotted) {
  const std::string text(dotted);
  in_addr parsed{};
  if (inet_pton(AF_INET, text.c_str(), &parsed) != 1) {
    std::fprintf(stderr, "convert::ipv4_mapped: malformed IPv4 literal \"%s\"\n", text.c_str());
    std::abort();
  }
  return ipv4_mapped(ntohl(parsed.s_addr));
}

std::optional<Ipv6Address> parse_address(std::string_view text) {
  const std::string owned(text);
  in_addr v4{};
  if (inet_pton(AF_INET, owned.c_str(), &v4) == 1) return ipv4_mapped(ntohl(v4.s_addr));
  Ipv6Address address{};
  if (inet_pton(AF_INET6, owned.c_str(), address.data()) == 1) return address;
  return std::nullopt;
}

std::string format_address(const Ipv6Address& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (is_ipv4_mapped(address)) {
    std::snprintf(text, sizeof text, "%u.%u.%u.%u", unsigned{address[12]}, unsigned{address[13]}, unsigned{address[14]},
                  unsigned{address[15]});
    return text;
  }
  inet_ntop(AF_INET6, address.data(), text, sizeof text);
  return text;
}

bool is_ipv4_mapped(const Ipv6Address& address) {
  return std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), address.begin());
}

Ipv6Address connect_address(const ip::Address& address) {
  if (address.family == ip::Family::V6) return address.bytes;
  Ipv6Address mapped{};
  std::copy(kMappedPrefix.begin(), kMappedPrefix.end(), mapped.begin());
  std::copy_n(address.bytes.begin(), 4, mapped.begin() + kMappedPrefixSize);
  return mapped;
}

ip::Address ip_address(const Ipv6Address& address) {
  ip::Address converted;
  if (is_ipv4_mapped(address)) {
    converted.family = ip::Family::V4;
    std::copy_n(address.begin() + kMappedPrefixSize, 4, converted.bytes.begin());
  } else {
    converted.family = ip::Family::V6;
    converted.bytes = address;
  }
  return converted;
}

AddressClass classify(const Ipv6Address& address) {
  return is_ipv4_mapped(address) ? classify_ipv4(address) : classify_ipv6(address);
}

}  // namespace convtest::packetgen::convert
