#include "harness/lab/addressing.hpp"

namespace convtest::harness::addressing {
namespace ip = packetgen::ip;
namespace {

ip::Address v6_with_low_bits(std::uint8_t third_group, std::uint16_t host) {
  // 2001:db8:<third_group>::<host>
  ip::Address address;
  address.family = ip::Family::V6;
  address.bytes = {0x20, 0x01, 0x0d, 0xb8, 0x00, third_group};
  address.bytes[14] = static_cast<std::uint8_t>(host >> 8);
  address.bytes[15] = static_cast<std::uint8_t>(host & 0xff);
  return address;
}

}  // namespace

ip::Address converter_v4() { return ip::Address::v4(0xc0000201); }
ip::Address converter_v6() { return v6_with_low_bits(1, 1); }
ip::Address client_v4(unsigned index) { return ip::Address::v4(0xc0000200 + 100 + index % kClientCount); }
ip::Address client_v6(unsigned index) { return v6_with_low_bits(1, static_cast<std::uint16_t>(0x100 + index % 256)); }
ip::Address fuzz_client_v4(unsigned index) { return ip::Address::v4(0xc0000200 + 2 + index % kFuzzClientCount4); }
ip::Address fuzz_client_v6(unsigned index) {
  return v6_with_low_bits(1, static_cast<std::uint16_t>(0x100 + index % kFuzzClientCount6));
}
ip::Address server_v4(std::uint8_t host) { return ip::Address::v4(0xc6336400U + host); }
ip::Address server_v6(std::uint16_t host) { return v6_with_low_bits(2, host); }
ip::Address unreachable_v4(std::uint8_t host) { return ip::Address::v4(0xcb007100U + host); }
ip::Address unreachable_v6(std::uint16_t host) { return v6_with_low_bits(3, host); }

std::vector<std::string> converter_prefixes() { return {"192.0.2.1/24", "2001:db8:1::1/64"}; }
std::vector<std::string> client_prefixes() { return {"192.0.2.100/24", "2001:db8:1::100/64"}; }
std::vector<std::string> routed_prefixes() {
  return {"198.51.100.0/24", "2001:db8:2::/64", "203.0.113.0/24", "2001:db8:3::/64"};
}

}  // namespace convtest::harness::addressing
