#include <gtest/gtest.h>

#include "convproxy/downstream.hpp"
#include "convproxy/faults.hpp"
#include "convproxy/policy.hpp"

namespace convtest::convproxy {
namespace {

namespace convert = packetgen::convert;

Address addr(const char* text) { return *convert::parse_address(text); }

// Prefix parsing is packetgen's (ip_cidr_test.cpp); here: an ACL of IP-layer
// prefixes matches the IPv4-mapped client addresses convproxy works with.
TEST(ConvproxyAcl, MatchesMappedClientsAgainstPrefixesOfTheirFamily) {
  const Acl acl({*Cidr::parse("192.0.2.0/24"), *Cidr::parse("2001:db8:1::/64"), *Cidr::parse("10.1.2.3")});
  EXPECT_TRUE(acl.allows(addr("192.0.2.1")));
  EXPECT_TRUE(acl.allows(addr("::ffff:192.0.2.255")));
  EXPECT_FALSE(acl.allows(addr("192.0.3.1")));
  EXPECT_TRUE(acl.allows(addr("2001:db8:1::100")));
  EXPECT_FALSE(acl.allows(addr("2001:db8:2::1")));
  EXPECT_TRUE(acl.allows(addr("10.1.2.3")));
  EXPECT_FALSE(acl.allows(addr("10.1.2.4")));
  EXPECT_EQ(acl.to_string(), "192.0.2.0/24,2001:db8:1::/64,10.1.2.3/32");
  const Acl all_v4({*Cidr::parse("0.0.0.0/0")});
  EXPECT_TRUE(all_v4.allows(addr("203.0.113.1")));
  EXPECT_FALSE(all_v4.allows(addr("2001:db8::1")));
}

TEST(ConvproxyAcl, DefaultAllowsLoopbackAndTheListenSubnetsOnly) {
  const std::vector<InterfaceAddress> interfaces{
      {addr("127.0.0.1"), 8}, {addr("192.0.2.1"), 24}, {addr("198.51.100.2"), 24}, {addr("2001:db8:1::1"), 64}};
  const auto acl = default_acl({addr("192.0.2.1")}, interfaces);
  EXPECT_TRUE(acl.allows(addr("192.0.2.100")));
  EXPECT_TRUE(acl.allows(addr("127.0.0.1")));
  EXPECT_TRUE(acl.allows(addr("::1")));
  EXPECT_FALSE(acl.allows(addr("198.51.100.7")));  // the server side is not a client realm
  EXPECT_FALSE(acl.allows(addr("2001:db8:1::5")));
  EXPECT_FALSE(acl.allows(addr("203.0.113.1")));
}

TEST(ConvproxyAcl, WildcardListenCoversEveryInterfaceOfItsFamily) {
  const std::vector<InterfaceAddress> interfaces{
      {addr("192.0.2.1"), 24}, {addr("198.51.100.2"), 24}, {addr("2001:db8:1::1"), 64}};
  const auto acl = default_acl({addr("0.0.0.0")}, interfaces);
  EXPECT_TRUE(acl.allows(addr("198.51.100.7")));
  EXPECT_FALSE(acl.allows(addr("2001:db8:1::5")));
}

TEST(ConvproxyAcl, ExplicitListIsUsedAsGiven) {
  const Acl acl({*Cidr::parse("203.0.113.0/28")});
  EXPECT_TRUE(acl.allows(addr("203.0.113.15")));
  EXPECT_FALSE(acl.allows(addr("203.0.113.16")));
  EXPECT_FALSE(Acl().allows(addr("127.0.0.1")));
}

TEST(ConvproxySelfEndpoints, ListenAddressAndPortIsSelf) {
  const SelfEndpoints self({addr("192.0.2.1")}, {{addr("192.0.2.1"), 24}, {addr("198.51.100.2"), 24}}, 5124);
  EXPECT_TRUE(self.contains({addr("192.0.2.1"), 5124}));
  EXPECT_FALSE(self.contains({addr("192.0.2.1"), 80}));
  EXPECT_FALSE(self.contains({addr("198.51.100.2"), 5124}));  // not listening there
}

TEST(ConvproxySelfEndpoints, WildcardListenMakesEveryLocalAddressSelf) {
  const SelfEndpoints self({addr("::")}, {{addr("2001:db8:1::1"), 64}, {addr("192.0.2.1"), 24}}, 5124);
  EXPECT_TRUE(self.contains({addr("2001:db8:1::1"), 5124}));
  EXPECT_FALSE(self.contains({addr("192.0.2.1"), 5124}));  // the IPv6 socket is IPV6_V6ONLY
}

TEST(ConvproxyLocalAddresses, ReadsTheInterfacesAgainOnlyOnceTheListIsOld) {
  int reads = 0;
  std::vector<InterfaceAddress> interfaces{{addr("192.0.2.1"), 24}};
  const auto reader = [&] {
    ++reads;
    return interfaces;
  };
  const LocalAddresses cached(std::chrono::hours(1), reader);
  EXPECT_TRUE(cached.contains(addr("192.0.2.1")));
  interfaces.push_back({addr("2001:db8:2::1"), 64});
  EXPECT_FALSE(cached.contains(addr("2001:db8:2::1")));  // not re-read yet
  EXPECT_EQ(reads, 1);
  const LocalAddresses fresh(std::chrono::milliseconds(0), reader);
  EXPECT_TRUE(fresh.contains(addr("2001:db8:2::1")));
  EXPECT_FALSE(fresh.contains(addr("198.51.100.7")));
  EXPECT_EQ(reads, 3);
}

TEST(ConvproxyLocalAddresses, TheHostsOwnInterfacesAreLocal) {
  const LocalAddresses local;
  EXPECT_TRUE(local.contains(addr("127.0.0.1")));  // lo is on every Linux host
  for (const auto& configured : interface_addresses()) EXPECT_TRUE(local.contains(configured.address));
}

TEST(ConvproxyFaults, EveryNameParsesBackAndUnknownNamesFail) {
  for (const auto& info : all_faults()) {
    EXPECT_EQ(parse_fault(info.name), info.fault);
    EXPECT_EQ(name(info.fault), info.name);
    EXPECT_FALSE(info.breaks.empty());
  }
  EXPECT_EQ(all_faults().size(), 50u);
  EXPECT_FALSE(parse_fault("no-such-fault"));
  FaultSet set;
  EXPECT_EQ(set.to_string(), "none");
  set.add(Fault::IgnoreAcl);
  set.add(Fault::NoSynData);
  EXPECT_TRUE(set.has(Fault::IgnoreAcl));
  EXPECT_FALSE(set.has(Fault::AcceptLoopback));
  EXPECT_EQ(set.to_string(), "no-syn-data,ignore-acl");
}

TEST(ConvproxySynPolicy, ZeroRetriesAbandonsTheAttemptBeforeTheKernelWouldRetransmit) {
  using std::chrono::milliseconds;
  const auto single = syn_policy(0, milliseconds(5000), false);
  EXPECT_EQ(single.syncnt, 1);
  EXPECT_EQ(single.connect_deadline, kSingleSynWindow);
  EXPECT_LT(single.connect_deadline, milliseconds(1000));  // the kernel's initial RTO
  EXPECT_EQ(syn_policy(0, milliseconds(300), false).connect_deadline, milliseconds(300));
}

TEST(ConvproxySynPolicy, RetriesOrTheFaultKeepTheKernelsRetransmissionsAndTheFullTimeout) {
  using std::chrono::milliseconds;
  const auto configured = syn_policy(5, milliseconds(5000), false);
  EXPECT_EQ(configured.syncnt, 5);
  EXPECT_EQ(configured.connect_deadline, milliseconds(5000));
  const auto faulted = syn_policy(0, milliseconds(1500), true);
  EXPECT_GT(faulted.syncnt, 1);
  EXPECT_EQ(faulted.connect_deadline, milliseconds(1500));
}

}  // namespace
}  // namespace convtest::convproxy
