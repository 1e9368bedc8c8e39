#include <gtest/gtest.h>

#include "packetgen/ip.hpp"

namespace convtest::packetgen::ip {
namespace {

Address at(const char* text) { return Address::must_parse(text); }

TEST(IpCidr, ParsesIpv4KeepingTheAddressAsWritten) {
  const auto cidr = Cidr::parse("192.0.2.77/24");
  ASSERT_TRUE(cidr) << cidr.error();
  EXPECT_EQ(cidr->address, at("192.0.2.77"));
  EXPECT_EQ(cidr->length, 24);
  EXPECT_EQ(cidr->to_string(), "192.0.2.77/24");
  EXPECT_EQ(cidr->network().to_string(), "192.0.2.0/24");
  EXPECT_EQ(cidr->network(), *Cidr::parse("192.0.2.0/24"));
}

TEST(IpCidr, ContainsOnlyItsPrefixAndFamily) {
  const auto cidr = *Cidr::parse("192.0.2.0/24");
  EXPECT_TRUE(cidr.contains(at("192.0.2.1")));
  EXPECT_TRUE(cidr.contains(at("192.0.2.255")));
  EXPECT_FALSE(cidr.contains(at("192.0.3.1")));
  EXPECT_FALSE(cidr.contains(at("2001:db8::1")));
  const auto all_v4 = *Cidr::parse("0.0.0.0/0");
  EXPECT_TRUE(all_v4.contains(at("203.0.113.1")));
  EXPECT_FALSE(all_v4.contains(at("::")));
  const auto odd = *Cidr::parse("192.0.2.100/31");
  EXPECT_TRUE(odd.contains(at("192.0.2.101")));
  EXPECT_FALSE(odd.contains(at("192.0.2.102")));
}

TEST(IpCidr, Ipv6PrefixesAndBareAddressesAsHostPrefixes) {
  const auto net = *Cidr::parse("2001:db8:1::/64");
  EXPECT_TRUE(net.contains(at("2001:db8:1::100")));
  EXPECT_FALSE(net.contains(at("2001:db8:2::1")));
  EXPECT_EQ(net.to_string(), "2001:db8:1::/64");
  const auto host = *Cidr::parse("10.1.2.3");
  EXPECT_EQ(host.length, 32);
  EXPECT_TRUE(host.contains(at("10.1.2.3")));
  EXPECT_FALSE(host.contains(at("10.1.2.4")));
  EXPECT_EQ(Cidr::parse("::1")->length, 128);
  EXPECT_EQ(max_prefix_length(Family::V4), 32);
  EXPECT_EQ(max_prefix_length(Family::V6), 128);
}

TEST(IpCidr, RejectsBadTextWithAReason) {
  for (const char* bad : {"", "/24", "192.0.2.0/33", "2001:db8::/129", "300.1.1.1", "192.0.2.0/", "192.0.2.0/2x", "x/8",
                          "192.0.2.0/-1", "192.0.2.0/+8", "192.0.2.0/24/8", "192.0.2.0 /24"}) {
    const auto parsed = Cidr::parse(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_NE(parsed.error().find(std::string("'") + bad + "'"), std::string::npos) << parsed.error();
  }
  EXPECT_NE(Cidr::parse("192.0.2.0/33").error().find("longer than 32"), std::string::npos);
}

TEST(IpCidr, AHandBuiltLengthBeyondTheFamilyIsBounded) {
  const Cidr oversized{at("192.0.2.1"), 200};
  EXPECT_TRUE(oversized.contains(at("192.0.2.1")));
  EXPECT_FALSE(oversized.contains(at("192.0.2.2")));
}

}  // namespace
}  // namespace convtest::packetgen::ip
