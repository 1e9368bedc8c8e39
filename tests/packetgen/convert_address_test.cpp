#include <gtest/gtest.h>

#include "packetgen/convert.hpp"

namespace convtest::packetgen::convert {
namespace {

TEST(ConvertAddress, Ipv4MappedForm) {
  const Ipv6Address mapped = ipv4_mapped("198.51.100.7");
  EXPECT_EQ(to_hex(mapped), "00 00 00 00 00 00 00 00 00 00 ff ff c6 33 64 07");
  EXPECT_EQ(ipv4_mapped(0xC6336407U), mapped);
  EXPECT_TRUE(is_ipv4_mapped(mapped));
  EXPECT_FALSE(is_ipv4_mapped(*parse_address("2001:db8::1")));
}

TEST(ConvertAddress, ConnectAddressMapsIpv4AndKeepsIpv6) {
  const auto v4 = ip::Address::must_parse("198.51.100.7");
  EXPECT_EQ(connect_address(v4), ipv4_mapped("198.51.100.7"));
  const auto v6 = ip::Address::must_parse("2001:db8:2::10");
  EXPECT_EQ(connect_address(v6), *parse_address("2001:db8:2::10"));
}

TEST(ConvertAddress, IpAddressUnmapsIpv4MappedOnly) {
  EXPECT_EQ(ip_address(ipv4_mapped("192.0.2.1")), ip::Address::must_parse("192.0.2.1"));
  EXPECT_EQ(ip_address(*parse_address("2001:db8::1")), ip::Address::must_parse("2001:db8::1"));
  EXPECT_EQ(ip_address(*parse_address("::")), ip::Address::must_parse("::"));
  for (const char* text : {"203.0.113.9", "2001:db8:1::100", "::1"}) {
    const auto address = ip::Address::must_parse(text);
    EXPECT_EQ(ip_address(connect_address(address)), address) << text;
  }
}

TEST(ConvertAddress, ParseAndFormat) {
  EXPECT_EQ(format_address(*parse_address("192.0.2.1")), "192.0.2.1");
  EXPECT_EQ(format_address(*parse_address("::ffff:192.0.2.1")), "192.0.2.1");
  EXPECT_EQ(format_address(*parse_address("2001:DB8:0::1")), "2001:db8::1");
  EXPECT_EQ(format_address(*parse_address("::")), "::");
  EXPECT_EQ(parse_address("192.0.2"), std::nullopt);
  EXPECT_EQ(parse_address("2001:db8::g"), std::nullopt);
  EXPECT_EQ(parse_address(""), std::nullopt);
  EXPECT_EQ(parse_address("example.org"), std::nullopt);  // RFC 8803 carries no names
}

TEST(ConvertAddress, Classify) {
  const auto cls = [](const char* text) { return classify(*parse_address(text)); };
  EXPECT_EQ(cls("192.0.2.1"), AddressClass::Ordinary);
  EXPECT_EQ(cls("2001:db8::1"), AddressClass::Ordinary);
  EXPECT_EQ(cls("10.0.0.1"), AddressClass::Ordinary);
  EXPECT_EQ(cls("240.0.0.1"), AddressClass::Ordinary);
  EXPECT_EQ(cls("255.255.255.254"), AddressClass::Ordinary);
  EXPECT_EQ(cls("::2"), AddressClass::Ordinary);
  EXPECT_EQ(cls("::127.0.0.1"), AddressClass::Ordinary);  // IPv4-compatible is plain IPv6 (AMB-22)
  EXPECT_EQ(cls("fe80::1"), AddressClass::Ordinary);
  EXPECT_EQ(cls("::1"), AddressClass::Loopback);
  EXPECT_EQ(cls("127.0.0.1"), AddressClass::Loopback);
  EXPECT_EQ(cls("127.255.255.255"), AddressClass::Loopback);
  EXPECT_EQ(cls("ff02::1"), AddressClass::Multicast);
  EXPECT_EQ(cls("ff0e::1"), AddressClass::Multicast);
  EXPECT_EQ(cls("224.0.0.0"), AddressClass::Multicast);
  EXPECT_EQ(cls("239.255.255.255"), AddressClass::Multicast);
  EXPECT_EQ(cls("223.255.255.255"), AddressClass::Ordinary);
  EXPECT_EQ(cls("255.255.255.255"), AddressClass::Broadcast);
  EXPECT_EQ(cls("::"), AddressClass::Unspecified);
  EXPECT_EQ(cls("0.0.0.0"), AddressClass::Unspecified);
  EXPECT_EQ(cls("0.255.0.1"), AddressClass::Unspecified);
  EXPECT_EQ(name(AddressClass::Broadcast), "broadcast");
}

TEST(ConvertAddressDeathTest, MappedFromBadLiteralAborts) {
  EXPECT_DEATH(ipv4_mapped(std::string_view("300.1.1.1")), "malformed IPv4");
}

}  // namespace
}  // namespace convtest::packetgen::convert
