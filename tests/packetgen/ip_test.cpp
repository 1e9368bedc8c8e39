#include "packetgen/ip.hpp"

#include <gtest/gtest.h>

namespace pg = convtest::packetgen;
namespace ip = convtest::packetgen::ip;
using pg::hex;
using pg::to_hex;

namespace {

const ip::Endpoints kV4{ip::Address::must_parse("192.0.2.100"), ip::Address::must_parse("198.51.100.10")};
const ip::Endpoints kV6{ip::Address::must_parse("2001:db8:1::100"), ip::Address::must_parse("2001:db8:2::10")};

// Independent of packetgen's RFC 1071 code: a plain 64-bit sum folded at the end.
std::uint16_t reference_sum(const pg::Bytes& data) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < data.size(); ++i)
    sum += (i % 2 == 0) ? static_cast<std::uint64_t>(data[i]) << 8 : data[i];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

}  // namespace

TEST(IpAddress, ParsesAndFormatsBothFamilies) {
  const auto v4 = ip::Address::parse("192.0.2.1");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->family, ip::Family::V4);
  EXPECT_EQ(to_hex(v4->view()), "c0 00 02 01");
  EXPECT_EQ(v4->to_string(), "192.0.2.1");
  EXPECT_EQ(*v4, ip::Address::v4(0xc0000201));

  const auto v6 = ip::Address::parse("2001:DB8::1");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->family, ip::Family::V6);
  EXPECT_EQ(v6->view().size(), 16U);
  EXPECT_EQ(v6->to_string(), "2001:db8::1");

  EXPECT_FALSE(ip::Address::parse(""));
  EXPECT_FALSE(ip::Address::parse("192.0.2.256"));
  EXPECT_FALSE(ip::Address::parse("2001:db8::1::2"));
  EXPECT_FALSE(ip::Address::parse("192.0.2.1 "));
  EXPECT_FALSE(ip::Address::parse(std::string_view("192.0.2.1\0x", 11)));
}

TEST(IpWrap, Ipv4HeaderGolden) {
  // RFC 1071 worked by hand: the classic 20-byte header example.
  ip::Ipv4Fields fields;
  fields.id = 0x1c46;
  fields.ttl = 64;
  const ip::Endpoints addresses{ip::Address::must_parse("172.16.10.99"), ip::Address::must_parse("172.16.10.12")};
  const pg::Bytes packet = ip::wrap(ip::kProtoTcp, pg::Bytes(40, 0), addresses, fields);
  ASSERT_EQ(packet.size(), 60U);
  EXPECT_EQ(to_hex(pg::ByteView(packet).first(20)), "45 00 00 3c 1c 46 40 00 40 06 b1 e6 ac 10 0a 63 ac 10 0a 0c");
}

TEST(IpWrap, Ipv4ChecksumMatchesReferenceAndVerifies) {
  ip::Ipv4Fields fields;
  fields.tos = 0xb8;
  fields.ttl = 3;
  fields.id = 0xbeef;
  fields.dont_fragment = false;
  const pg::Bytes packet = ip::wrap(ip::kProtoIcmp, hex("01 02 03"), kV4, fields);
  const pg::Bytes header(packet.begin(), packet.begin() + 20);
  EXPECT_EQ(reference_sum(header), 0xffff);
  EXPECT_EQ(ip::internet_checksum(header), 0);
  EXPECT_EQ(packet[1], 0xb8);
  EXPECT_EQ(pg::get_u16(packet, 6), 0);
  EXPECT_EQ(packet[8], 3);
}

TEST(IpWrap, Ipv6HeaderGolden) {
  ip::Ipv6Fields fields;
  fields.traffic_class = 0xab;
  fields.flow_label = 0x12345;
  fields.hop_limit = 7;
  const pg::Bytes packet = ip::wrap(ip::kProtoTcp, hex("aa bb"), kV6, {}, fields);
  EXPECT_EQ(to_hex(packet),
            "6a b1 23 45 00 02 06 07 "
            "20 01 0d b8 00 01 00 00 00 00 00 00 00 00 01 00 "
            "20 01 0d b8 00 02 00 00 00 00 00 00 00 00 00 10 aa bb");
}

TEST(IpChecksum, TransportChecksumAgainstReference) {
  const pg::Bytes data = hex("12 34 56 78 9a bc de f0 00 00 11");
  for (const auto& addresses : {kV4, kV6}) {
    pg::Bytes pseudo;
    pg::put_bytes(pseudo, addresses.source.view());
    pg::put_bytes(pseudo, addresses.destination.view());
    if (addresses.source.family == ip::Family::V4) {
      pg::put_u16(pseudo, ip::kProtoTcp);
      pg::put_u16(pseudo, static_cast<std::uint16_t>(data.size()));
    } else {
      pg::put_u32(pseudo, static_cast<std::uint32_t>(data.size()));
      pg::put_u32(pseudo, ip::kProtoTcp);
    }
    pg::put_bytes(pseudo, data);
    const auto expected = static_cast<std::uint16_t>(~reference_sum(pseudo));
    EXPECT_EQ(ip::transport_checksum(ip::kProtoTcp, addresses, data), expected);

    pg::Bytes with_checksum = data;
    with_checksum[8] = static_cast<std::uint8_t>(expected >> 8);
    with_checksum[9] = static_cast<std::uint8_t>(expected);
    EXPECT_TRUE(ip::transport_checksum_valid(ip::kProtoTcp, addresses, with_checksum));
    EXPECT_EQ(ip::transport_checksum(ip::kProtoTcp, addresses, with_checksum), 0);
    with_checksum[0] ^= 0x01;
    EXPECT_FALSE(ip::transport_checksum_valid(ip::kProtoTcp, addresses, with_checksum));
  }
}

TEST(IpParse, Ipv4WithOptions) {
  pg::Bytes packet = ip::wrap(ip::kProtoTcp, hex("de ad be ef"), kV4);
  // Insert a 4-byte option block (NOP NOP NOP EOL) and fix IHL / length.
  packet.insert(packet.begin() + 20, {0x01, 0x01, 0x01, 0x00});
  packet[0] = 0x46;
  packet[3] = static_cast<std::uint8_t>(packet.size());
  const auto header = ip::parse_header(packet);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->header_size, 24U);
  EXPECT_EQ(header->total_size, 28U);
  EXPECT_EQ(header->protocol, ip::kProtoTcp);
  EXPECT_EQ(header->addresses, kV4);
  EXPECT_EQ(header->ttl, 64);
  EXPECT_FALSE(header->is_fragment);
}

TEST(IpParse, TotalSizeComesFromLengthFieldBoundedByBuffer) {
  pg::Bytes packet = ip::wrap(ip::kProtoTcp, pg::Bytes(10, 0x55), kV4);
  packet.resize(packet.size() + 6, 0);  // link padding after the packet
  auto header = ip::parse_header(packet);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->total_size, 30U);
  packet.resize(25);  // capture cut short
  header = ip::parse_header(packet);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->total_size, 25U);
}

TEST(IpParse, RejectsBrokenHeaders) {
  const pg::Bytes good = ip::wrap(ip::kProtoTcp, pg::Bytes(4, 0), kV4);
  EXPECT_EQ(ip::parse_header({}).error(), ip::HeaderRule::Empty);
  pg::Bytes bad_version = good;
  bad_version[0] = 0x55;
  EXPECT_EQ(ip::parse_header(bad_version).error(), ip::HeaderRule::BadVersion);
  EXPECT_EQ(ip::parse_header(pg::ByteView(good).first(19)).error(), ip::HeaderRule::Truncated);
  pg::Bytes short_ihl = good;
  short_ihl[0] = 0x44;
  EXPECT_EQ(ip::parse_header(short_ihl).error(), ip::HeaderRule::BadLength);
  pg::Bytes long_ihl = good;
  long_ihl[0] = 0x4f;
  EXPECT_EQ(ip::parse_header(long_ihl).error(), ip::HeaderRule::Truncated);
  pg::Bytes short_total = good;
  short_total[2] = 0;
  short_total[3] = 19;
  EXPECT_EQ(ip::parse_header(short_total).error(), ip::HeaderRule::BadLength);
  const pg::Bytes v6 = ip::wrap(ip::kProtoTcp, {}, kV6);
  EXPECT_EQ(ip::parse_header(pg::ByteView(v6).first(39)).error(), ip::HeaderRule::Truncated);
  EXPECT_EQ(ip::name(ip::HeaderRule::BadLength), "bad-length");
}

TEST(IpParse, Ipv4Fragments) {
  pg::Bytes packet = ip::wrap(ip::kProtoTcp, pg::Bytes(8, 0), kV4);
  packet[6] = 0x20;  // MF, offset 0
  auto header = ip::parse_header(packet);
  ASSERT_TRUE(header);
  EXPECT_TRUE(header->is_fragment);
  EXPECT_TRUE(header->first_fragment);
  packet[6] = 0x00;
  packet[7] = 0x03;  // offset 24 bytes
  header = ip::parse_header(packet);
  ASSERT_TRUE(header);
  EXPECT_TRUE(header->is_fragment);
  EXPECT_FALSE(header->first_fragment);
}

namespace {

// An IPv6 packet whose payload is `chain` (extension headers + upper layer).
pg::Bytes ipv6_with_chain(std::uint8_t first_next_header, const pg::Bytes& chain) {
  pg::Bytes packet = ip::wrap(first_next_header, chain, kV6);
  return packet;
}

}  // namespace

TEST(IpParse, Ipv6SkipsExtensionHeaders) {
  pg::Bytes chain;
  // Hop-by-hop, 8 bytes: next = routing, len 0, PadN.
  pg::put_bytes(chain, hex("2b 00 01 04 00 00 00 00"));
  // Routing, 24 bytes (len 2): next = destination options.
  pg::put_bytes(chain, hex("3c 02 00 01 00 00 00 00"));
  pg::put_bytes(chain, pg::Bytes(16, 0x11));
  // Destination options, 16 bytes (len 1): next = fragment.
  pg::put_bytes(chain, hex("2c 01 01 0a 00 00 00 00 00 00 00 00 00 00 00 00"));
  // Fragment: next = AH, offset 0, M = 1.
  pg::put_bytes(chain, hex("33 00 00 01 12 34 56 78"));
  // AH: next = TCP, payload len 4 -> (4 + 2) * 4 = 24 bytes.
  pg::put_bytes(chain, hex("06 04 00 00"));
  pg::put_bytes(chain, pg::Bytes(20, 0x22));
  const std::size_t upper = chain.size();
  pg::put_bytes(chain, pg::Bytes(20, 0x33));

  const pg::Bytes packet = ipv6_with_chain(ip::kIpv6HopByHop, chain);
  const auto header = ip::parse_header(packet);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->protocol, ip::kProtoTcp);
  EXPECT_EQ(header->header_size, 40 + upper);
  EXPECT_EQ(header->total_size, packet.size());
  EXPECT_TRUE(header->is_fragment);
  EXPECT_TRUE(header->first_fragment);
  EXPECT_EQ(header->addresses, kV6);
}

TEST(IpParse, Ipv6NonFirstFragmentStopsAtFragmentHeader) {
  const pg::Bytes chain = hex("06 00 00 08 12 34 56 78 aa bb cc dd");
  const auto header = ip::parse_header(ipv6_with_chain(ip::kIpv6Fragment, chain));
  ASSERT_TRUE(header);
  EXPECT_EQ(header->protocol, ip::kIpv6Fragment);
  EXPECT_FALSE(header->first_fragment);
}

TEST(IpParse, Ipv6TruncatedExtensionChain) {
  // Destination options claiming 16 bytes with only 8 present.
  const pg::Bytes chain = hex("06 01 00 00 00 00 00 00");
  EXPECT_EQ(ip::parse_header(ipv6_with_chain(ip::kIpv6DestinationOptions, chain)).error(), ip::HeaderRule::Truncated);
  // Fewer than 8 bytes for an extension header.
  EXPECT_EQ(ip::parse_header(ipv6_with_chain(ip::kIpv6HopByHop, hex("06 00 00"))).error(), ip::HeaderRule::Truncated);
  // No next header: the chain ends at 59 with nothing after it.
  const auto none = ip::parse_header(ipv6_with_chain(ip::kIpv6NoNext, {}));
  ASSERT_TRUE(none);
  EXPECT_EQ(none->protocol, ip::kIpv6NoNext);
  EXPECT_EQ(none->header_size, 40U);
}
