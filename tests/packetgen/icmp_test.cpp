#include "packetgen/icmp.hpp"

#include <gtest/gtest.h>

#include "packetgen/tcp.hpp"
#include "packetgen/tcp_options.hpp"

namespace pg = convtest::packetgen;
namespace ip = convtest::packetgen::ip;
namespace icmp = convtest::packetgen::icmp;
namespace tcp = convtest::packetgen::tcp;
using pg::hex;
using pg::to_hex;

namespace {

const ip::Endpoints kProxyToServer{ip::Address::must_parse("192.0.2.1"), ip::Address::must_parse("198.51.100.10")};
const ip::Endpoints kProxyToServer6{ip::Address::must_parse("2001:db8:1::1"),
                                    ip::Address::must_parse("2001:db8:2::10")};

pg::Bytes proxy_syn(const ip::Endpoints& addresses, std::size_t payload_size = 0) {
  tcp::Segment syn;
  syn.source_port = 33000;
  syn.destination_port = 80;
  syn.seq = 1000;
  syn.flags = tcp::flag::SYN;
  syn.options = tcp::linux_syn_options(1460, 1, 7);
  syn.payload = pg::Bytes(payload_size, 0x42);
  return tcp::packet(syn, addresses);
}

std::uint16_t reference_sum(const pg::Bytes& data) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < data.size(); ++i)
    sum += (i % 2 == 0) ? static_cast<std::uint64_t>(data[i]) << 8 : data[i];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

}  // namespace

TEST(Icmp, V4PortUnreachableQuotesTheSyn) {
  const pg::Bytes syn = proxy_syn(kProxyToServer);
  const auto server = ip::Address::must_parse("198.51.100.10");
  const pg::Bytes packet = icmp::destination_unreachable(server, syn, 3);
  ASSERT_EQ(packet.size(), 20 + 8 + syn.size());
  const auto header = ip::parse_header(packet);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->protocol, ip::kProtoIcmp);
  EXPECT_EQ(header->addresses.source, server);
  EXPECT_EQ(header->addresses.destination, kProxyToServer.source);
  EXPECT_EQ(to_hex(pg::ByteView(packet).subspan(20, 2)), "03 03");
  EXPECT_EQ(to_hex(pg::ByteView(packet).subspan(24, 4)), "00 00 00 00");
  EXPECT_EQ(reference_sum(pg::Bytes(packet.begin() + 20, packet.end())), 0xffff);
  EXPECT_EQ(reference_sum(pg::Bytes(packet.begin(), packet.begin() + 20)), 0xffff);

  const auto parsed = icmp::parse(packet);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->type, icmp::kV4DestinationUnreachable);
  EXPECT_EQ(parsed->code, 3);
  EXPECT_TRUE(parsed->checksum_ok);
  EXPECT_EQ(parsed->quoted, syn);
  EXPECT_EQ(parsed->ttl, 64);
  // The quote is itself a parsable TCP packet.
  const auto quoted = tcp::parse(parsed->quoted);
  ASSERT_TRUE(quoted);
  EXPECT_EQ(quoted->segment.destination_port, 80);
}

TEST(Icmp, V6ChecksumCoversThePseudoHeader) {
  const pg::Bytes syn = proxy_syn(kProxyToServer6);
  const auto router = ip::Address::must_parse("2001:db8:1::fe");
  const pg::Bytes packet = icmp::destination_unreachable(router, syn, 4);
  ASSERT_EQ(packet.size(), 40 + 8 + syn.size());
  EXPECT_EQ(packet[6], ip::kProtoIcmpv6);
  EXPECT_EQ(to_hex(pg::ByteView(packet).subspan(40, 2)), "01 04");

  const pg::Bytes message(packet.begin() + 40, packet.end());
  pg::Bytes with_pseudo;
  pg::put_bytes(with_pseudo, router.view());
  pg::put_bytes(with_pseudo, kProxyToServer6.source.view());
  pg::put_u32(with_pseudo, static_cast<std::uint32_t>(message.size()));
  pg::put_u32(with_pseudo, ip::kProtoIcmpv6);
  pg::put_bytes(with_pseudo, message);
  EXPECT_EQ(reference_sum(with_pseudo), 0xffff);
  EXPECT_NE(reference_sum(message), 0xffff);  // the pseudo-header matters

  const auto parsed = icmp::parse(packet);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->type, icmp::kV6DestinationUnreachable);
  EXPECT_EQ(parsed->code, 4);
  EXPECT_TRUE(parsed->checksum_ok);
  EXPECT_EQ(parsed->quoted, syn);
  EXPECT_EQ(parsed->addresses.destination, kProxyToServer6.source);
}

TEST(Icmp, TimeExceededAndGenericTypes) {
  const pg::Bytes syn = proxy_syn(kProxyToServer);
  const auto router = ip::Address::must_parse("192.0.2.254");
  auto parsed = icmp::parse(icmp::time_exceeded(router, syn));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->type, icmp::kV4TimeExceeded);
  EXPECT_EQ(parsed->code, 0);

  const auto router6 = ip::Address::must_parse("2001:db8:1::fe");
  parsed = icmp::parse(icmp::time_exceeded(router6, proxy_syn(kProxyToServer6), 1));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->type, icmp::kV6TimeExceeded);
  EXPECT_EQ(parsed->code, 1);

  parsed = icmp::parse(icmp::error(router, syn, 12, 1));  // parameter problem
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->type, 12);
  EXPECT_TRUE(parsed->checksum_ok);
}

TEST(Icmp, QuoteIsCappedPerFamily) {
  const auto server = ip::Address::must_parse("198.51.100.10");
  const pg::Bytes big4 = proxy_syn(kProxyToServer, 1400);
  const pg::Bytes reply4 = icmp::destination_unreachable(server, big4, 1);
  EXPECT_EQ(reply4.size(), 20 + 8 + icmp::kV4MaxQuote);
  EXPECT_TRUE(icmp::parse(reply4)->checksum_ok);
  EXPECT_EQ(icmp::parse(reply4)->quoted, pg::Bytes(big4.begin(), big4.begin() + 548));

  const auto server6 = ip::Address::must_parse("2001:db8:2::10");
  const pg::Bytes big6 = proxy_syn(kProxyToServer6, 1400);
  const pg::Bytes reply6 = icmp::destination_unreachable(server6, big6, 1);
  EXPECT_EQ(reply6.size(), 1280U);
  EXPECT_TRUE(icmp::parse(reply6)->checksum_ok);
}

TEST(Icmp, RefusesWhatItCannotQuote) {
  const auto server = ip::Address::must_parse("198.51.100.10");
  EXPECT_TRUE(icmp::destination_unreachable(server, hex("00 01 02"), 3).empty());
  EXPECT_TRUE(icmp::destination_unreachable(server, proxy_syn(kProxyToServer6), 3).empty());
}

TEST(Icmp, ParseRejectsNonIcmpAndShortMessages) {
  EXPECT_FALSE(icmp::parse(proxy_syn(kProxyToServer)));
  EXPECT_FALSE(icmp::parse({}));
  EXPECT_FALSE(icmp::parse(ip::wrap(ip::kProtoIcmp, hex("03 03 00 00 00 00 00"), kProxyToServer)));
  // ICMP (1) inside IPv6 is not ICMPv6.
  EXPECT_FALSE(icmp::parse(ip::wrap(ip::kProtoIcmp, pg::Bytes(8, 0), kProxyToServer6)));

  pg::Bytes corrupted =
      icmp::destination_unreachable(ip::Address::must_parse("198.51.100.10"), proxy_syn(kProxyToServer), 3);
  corrupted.back() ^= 0xff;
  const auto parsed = icmp::parse(corrupted);
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->checksum_ok);
}
