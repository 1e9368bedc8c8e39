#include "packetgen/tcp.hpp"

#include <gtest/gtest.h>

#include "packetgen/tcp_options.hpp"

namespace pg = convtest::packetgen;
namespace ip = convtest::packetgen::ip;
namespace tcp = convtest::packetgen::tcp;
using pg::hex;
using pg::to_hex;

namespace {

const ip::Endpoints kClientToProxy{ip::Address::must_parse("192.0.2.100"), ip::Address::must_parse("192.0.2.1")};
const ip::Endpoints kProxyToClient6{ip::Address::must_parse("2001:db8:1::1"),
                                    ip::Address::must_parse("2001:db8:1::100")};

tcp::Segment syn_with_tfo_and_mptcp() {
  tcp::Segment syn;
  syn.source_port = 40000;
  syn.destination_port = 5124;
  syn.seq = 0x01020304;
  syn.flags = tcp::flag::SYN;
  syn.window = 64240;
  syn.options = tcp::linux_syn_options(1460, 0x11223344, 7);
  pg::put_bytes(syn.options, tcp::fast_open_request());
  pg::put_bytes(syn.options, tcp::mptcp::mp_capable_syn());
  syn.payload = hex("68 65 6c 6c 6f");
  return syn;
}

tcp::Segment synack_with_cookie() {
  tcp::Segment synack;
  synack.source_port = 5124;
  synack.destination_port = 40000;
  synack.seq = 0xa0b0c0d0;
  synack.ack = 0x01020305;
  synack.flags = tcp::flag::SYN | tcp::flag::ACK;
  synack.window = 65160;
  synack.options = tcp::mss(1440);
  pg::put_bytes(synack.options, tcp::fast_open(hex("01 02 03 04 05 06 07 08")));
  pg::put_bytes(synack.options, tcp::mptcp::mp_capable_synack(0x0123456789abcdefULL));
  return synack;
}

tcp::Segment data_with_dss() {
  tcp::Segment data;
  data.source_port = 40000;
  data.destination_port = 5124;
  data.seq = 0x0102030a;
  data.ack = 0xa0b0c0d1;
  data.flags = tcp::flag::ACK | tcp::flag::PSH;
  data.window = 502;
  tcp::mptcp::Dss dss;
  dss.data_ack = 0x1122334455667788ULL;
  dss.mapping = tcp::mptcp::Dss::Mapping{0x99aabbccddeeff00ULL, 1, 3, std::nullopt};
  data.options = tcp::mptcp::dss(dss);
  data.payload = hex("61 62 63");
  return data;
}

// Independent checksum check: a 64-bit sum over an explicitly written
// pseudo-header, folded once at the end.
bool reference_checksum_ok(const ip::Endpoints& addresses, const pg::Bytes& segment) {
  pg::Bytes all;
  pg::put_bytes(all, addresses.source.view());
  pg::put_bytes(all, addresses.destination.view());
  if (addresses.source.family == ip::Family::V4) {
    pg::put_u16(all, 6);
    pg::put_u16(all, static_cast<std::uint16_t>(segment.size()));
  } else {
    pg::put_u32(all, static_cast<std::uint32_t>(segment.size()));
    pg::put_u32(all, 6);
  }
  pg::put_bytes(all, segment);
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < all.size(); ++i) sum += (i % 2 == 0) ? static_cast<std::uint64_t>(all[i]) << 8 : all[i];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return sum == 0xffff;
}

pg::Bytes tcp_part(const pg::Bytes& packet) {
  const auto header = ip::parse_header(packet);
  return pg::Bytes(packet.begin() + static_cast<std::ptrdiff_t>(header->header_size), packet.end());
}

}  // namespace

// The golden packets below were checked once with `tcpdump -vv` when they
// were written: it decoded every option and reported each checksum correct.
TEST(TcpGolden, Ipv4SynWithLinuxOptionsTfoRequestMpCapableAndData) {
  const pg::Bytes packet = tcp::packet(syn_with_tfo_and_mptcp(), kClientToProxy);
  EXPECT_EQ(to_hex(packet),
            "45 00 00 49 00 00 40 00 40 06 b6 49 c0 00 02 64 c0 00 02 01 "
            "9c 40 14 04 01 02 03 04 00 00 00 00 c0 02 fa f0 2b 12 00 00 "
            "02 04 05 b4 04 02 08 0a 11 22 33 44 00 00 00 00 01 03 03 07 "
            "22 02 1e 04 01 01 00 00 68 65 6c 6c 6f");
  EXPECT_TRUE(reference_checksum_ok(kClientToProxy, tcp_part(packet)));
}

TEST(TcpGolden, Ipv6SynAckWithCookieAndMpCapableKey) {
  const pg::Bytes packet = tcp::packet(synack_with_cookie(), kProxyToClient6);
  EXPECT_EQ(to_hex(packet),
            "60 00 00 00 00 30 06 40 "
            "20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 01 "
            "20 01 0d b8 00 01 00 00 00 00 00 00 00 00 01 00 "
            "14 04 9c 40 a0 b0 c0 d0 01 02 03 05 c0 12 fe 88 d7 f6 00 00 "
            "02 04 05 a0 22 0a 01 02 03 04 05 06 07 08 "
            "1e 0c 01 01 01 23 45 67 89 ab cd ef 00 00");
  EXPECT_TRUE(reference_checksum_ok(kProxyToClient6, tcp_part(packet)));
}

TEST(TcpGolden, DssSegmentOverBothFamilies) {
  const pg::Bytes v4 = tcp::packet(data_with_dss(), kClientToProxy);
  EXPECT_EQ(to_hex(tcp_part(v4)),
            "9c 40 14 04 01 02 03 0a a0 b0 c0 d1 c0 18 01 f6 5d 32 00 00 "
            "1e 1a 20 0f 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff 00 "
            "00 00 00 01 00 03 00 00 61 62 63");
  const ip::Endpoints v6_addresses{kProxyToClient6.source, kProxyToClient6.destination};
  const pg::Bytes v6 = tcp::packet(data_with_dss(), v6_addresses);
  const pg::Bytes v6_tcp = tcp_part(v6);
  EXPECT_EQ(to_hex(pg::ByteView(v6_tcp).subspan(16, 2)), "85 23");
  EXPECT_TRUE(reference_checksum_ok(kClientToProxy, tcp_part(v4)));
  EXPECT_TRUE(reference_checksum_ok(v6_addresses, v6_tcp));
}

TEST(TcpEncode, EmptyTfoOptionIsTwoBytesWithAndWithoutPayload) {
  // libtins 4.0 counts a zero-length option as 1 byte and writes 2: the
  // payload's first byte was overwritten and an empty payload threw.
  tcp::Segment syn;
  syn.flags = tcp::flag::SYN;
  syn.options = tcp::fast_open_request();
  const pg::Bytes without = tcp::encode(syn, kClientToProxy);
  ASSERT_EQ(without.size(), 24U);
  EXPECT_EQ(without[12] >> 4, 6);
  EXPECT_EQ(to_hex(pg::ByteView(without).subspan(20)), "22 02 00 00");

  syn.payload = hex("47 45 54");
  const pg::Bytes with = tcp::encode(syn, kClientToProxy);
  ASSERT_EQ(with.size(), 27U);
  EXPECT_EQ(with[12] >> 4, 6);
  EXPECT_EQ(to_hex(pg::ByteView(with).subspan(20)), "22 02 00 00 47 45 54");

  const auto parsed = tcp::parse(ip::wrap(ip::kProtoTcp, with, kClientToProxy));
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->checksum_ok);
  EXPECT_EQ(parsed->segment.payload, hex("47 45 54"));
  const auto options = tcp::parse_options(parsed->segment.options);
  const tcp::Option* tfo = options.find(tcp::kind::FastOpen);
  ASSERT_NE(tfo, nullptr);
  EXPECT_FALSE(tfo->malformed);
  ASSERT_TRUE(std::holds_alternative<tcp::FastOpenOption>(tfo->value));
  EXPECT_TRUE(std::get<tcp::FastOpenOption>(tfo->value).cookie.empty());
}

TEST(TcpEncode, EveryHeaderField) {
  tcp::Segment segment;
  segment.source_port = 0x1234;
  segment.destination_port = 0xfedc;
  segment.seq = 0xdeadbeef;
  segment.ack = 0x01234567;
  segment.flags = 0xff;
  segment.window = 0x0102;
  segment.urgent_pointer = 0x0304;
  segment.reserved_bits = 0x0f;
  const pg::Bytes bytes = tcp::encode(segment, kClientToProxy);
  ASSERT_EQ(bytes.size(), 20U);
  EXPECT_EQ(to_hex(pg::ByteView(bytes).first(16)), "12 34 fe dc de ad be ef 01 23 45 67 5f ff 01 02");
  EXPECT_EQ(to_hex(pg::ByteView(bytes).subspan(18)), "03 04");
  EXPECT_TRUE(reference_checksum_ok(kClientToProxy, bytes));
}

TEST(TcpEncode, UnpaddedAndMalformedOptionsAreWrittenAsGiven) {
  tcp::Segment segment;
  segment.options = hex("22 00 01");  // TFO with length 0, then a NOP
  segment.pad_options = false;
  segment.payload = hex("aa");
  const pg::Bytes bytes = tcp::encode(segment, kClientToProxy);
  ASSERT_EQ(bytes.size(), 24U);
  EXPECT_EQ(bytes[12] >> 4, 6);  // rounded up: the header claims the payload byte
  EXPECT_EQ(to_hex(pg::ByteView(bytes).subspan(20)), "22 00 01 aa");
  EXPECT_TRUE(reference_checksum_ok(kClientToProxy, bytes));
}

TEST(TcpEncode, DataOffsetOverride) {
  tcp::Segment segment;
  segment.options = tcp::mss(1460);
  segment.data_offset = 4;
  pg::Bytes bytes = tcp::encode(segment, kClientToProxy);
  EXPECT_EQ(bytes[12], 0x40);
  EXPECT_EQ(bytes.size(), 24U);
  segment.data_offset = 15;
  bytes = tcp::encode(segment, kClientToProxy);
  EXPECT_EQ(bytes[12], 0xf0);

  // Longer than 40 option bytes: the computed offset saturates at 15.
  tcp::Segment oversized;
  oversized.options = pg::Bytes(44, tcp::kind::NOP);
  bytes = tcp::encode(oversized, kClientToProxy);
  EXPECT_EQ(bytes[12] >> 4, 15);
  EXPECT_EQ(bytes.size(), 64U);
}

TEST(TcpChecksum, WrongAndExplicitModes) {
  tcp::Segment segment = syn_with_tfo_and_mptcp();
  const pg::Bytes correct = tcp::encode(segment, kClientToProxy);
  segment.checksum_mode = tcp::ChecksumMode::Wrong;
  const pg::Bytes wrong = tcp::encode(segment, kClientToProxy);
  EXPECT_NE(pg::get_u16(wrong, 16), pg::get_u16(correct, 16));
  EXPECT_FALSE(reference_checksum_ok(kClientToProxy, wrong));
  segment.checksum_mode = tcp::ChecksumMode::Explicit;
  segment.checksum = 0xabcd;
  EXPECT_EQ(pg::get_u16(tcp::encode(segment, kClientToProxy), 16), 0xabcd);

  const auto parsed = tcp::parse(ip::wrap(ip::kProtoTcp, wrong, kClientToProxy));
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->checksum_ok);
}

TEST(TcpChecksum, WrongModeStillWrongWhenCorrectIsZero) {
  // Search the urgent pointer for a segment whose correct checksum is 0x0000
  // (one of 65536 values gives it), where ~0 = 0xffff would still verify.
  tcp::Segment segment;
  segment.flags = tcp::flag::ACK;
  bool found = false;
  for (std::uint32_t urgent = 0; urgent <= 0xffff && !found; ++urgent) {
    segment.urgent_pointer = static_cast<std::uint16_t>(urgent);
    segment.checksum_mode = tcp::ChecksumMode::Correct;
    found = pg::get_u16(tcp::encode(segment, kClientToProxy), 16) == 0;
  }
  ASSERT_TRUE(found);
  segment.checksum_mode = tcp::ChecksumMode::Wrong;
  const pg::Bytes wrong = tcp::encode(segment, kClientToProxy);
  EXPECT_FALSE(reference_checksum_ok(kClientToProxy, wrong));
  EXPECT_EQ(tcp::corrupted_checksum(0xffff), 0xfffe);
  EXPECT_EQ(tcp::corrupted_checksum(0x1234), 0xedcb);
}

TEST(TcpParse, RoundTripOverBothFamilies) {
  for (const auto& addresses : {kClientToProxy, kProxyToClient6}) {
    for (const tcp::Segment& original : {syn_with_tfo_and_mptcp(), synack_with_cookie(), data_with_dss()}) {
      const pg::Bytes packet = tcp::packet(original, addresses);
      const auto parsed = tcp::parse(packet);
      ASSERT_TRUE(parsed);
      EXPECT_TRUE(parsed->checksum_ok);
      EXPECT_EQ(parsed->addresses, addresses);
      const tcp::Segment& got = parsed->segment;
      EXPECT_EQ(got.source_port, original.source_port);
      EXPECT_EQ(got.destination_port, original.destination_port);
      EXPECT_EQ(got.seq, original.seq);
      EXPECT_EQ(got.ack, original.ack);
      EXPECT_EQ(got.flags, original.flags);
      EXPECT_EQ(got.window, original.window);
      EXPECT_EQ(got.payload, original.payload);
      pg::Bytes padded = original.options;
      pg::pad_to(padded, 4);
      EXPECT_EQ(got.options, padded);
      EXPECT_EQ(parsed->header_words, (20 + padded.size()) / 4);
      EXPECT_EQ(parsed->ip.ttl, 64);
      // The parsed segment re-encodes to the very same bytes.
      EXPECT_EQ(tcp::packet(got, parsed->addresses), packet);
    }
  }
}

TEST(TcpParse, KeepsReservedBitsAndBrokenChecksum) {
  tcp::Segment segment;
  segment.reserved_bits = 0x5;
  segment.checksum_mode = tcp::ChecksumMode::Explicit;
  segment.checksum = 0x0001;
  const auto parsed = tcp::parse(tcp::packet(segment, kProxyToClient6));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->segment.reserved_bits, 0x5);
  EXPECT_EQ(parsed->segment.checksum, 0x0001);
  EXPECT_FALSE(parsed->checksum_ok);
}

TEST(TcpParse, TypedErrors) {
  const pg::Bytes good = tcp::packet(syn_with_tfo_and_mptcp(), kClientToProxy);
  EXPECT_EQ(tcp::parse({}).error().rule, tcp::ParseRule::NotIp);
  EXPECT_EQ(tcp::parse(pg::ByteView(good).first(10)).error().rule, tcp::ParseRule::TruncatedIp);

  const pg::Bytes icmp_packet = ip::wrap(ip::kProtoIcmp, pg::Bytes(8, 0), kClientToProxy);
  const auto not_tcp = tcp::parse(icmp_packet);
  EXPECT_EQ(not_tcp.error().rule, tcp::ParseRule::NotTcp);
  EXPECT_EQ(not_tcp.error().offset, 20U);

  // Cut inside the TCP header: bounded by the buffer, not the length field.
  const auto truncated = tcp::parse(pg::ByteView(good).first(30));
  EXPECT_EQ(truncated.error().rule, tcp::ParseRule::TruncatedTcp);

  pg::Bytes small_offset = good;
  small_offset[20 + 12] = 0x40;
  const auto bad_small = tcp::parse(small_offset);
  EXPECT_EQ(bad_small.error().rule, tcp::ParseRule::BadDataOffset);
  EXPECT_EQ(bad_small.error().offset, 32U);

  pg::Bytes large_offset = tcp::packet(tcp::Segment{}, kClientToProxy);
  large_offset[20 + 12] = 0xf0;
  EXPECT_EQ(tcp::parse(large_offset).error().rule, tcp::ParseRule::BadDataOffset);

  pg::Bytes later_fragment = good;
  later_fragment[6] = 0x00;
  later_fragment[7] = 0x10;
  EXPECT_EQ(tcp::parse(later_fragment).error().rule, tcp::ParseRule::NotTcp);
  EXPECT_EQ(tcp::name(tcp::ParseRule::BadDataOffset), "bad-data-offset");
}

TEST(TcpParse, EveryPrefixOfAPacketIsHandled) {
  const pg::Bytes packet = tcp::packet(synack_with_cookie(), kProxyToClient6);
  for (std::size_t size = 0; size <= packet.size(); ++size) {
    const auto parsed = tcp::parse(pg::ByteView(packet).first(size));
    if (size == packet.size()) {
      EXPECT_TRUE(parsed);
    } else if (parsed) {
      // A prefix that still holds a whole TCP header parses; the checksum
      // then covers fewer bytes and fails.
      EXPECT_FALSE(parsed->checksum_ok);
    }
  }
}

TEST(TcpParse, SkipsIpv6ExtensionHeadersBeforeTcp) {
  const pg::Bytes segment = tcp::encode(synack_with_cookie(), kProxyToClient6);
  pg::Bytes chain = hex("3c 00 01 04 00 00 00 00");      // hop-by-hop -> destination options
  pg::put_bytes(chain, hex("06 00 01 04 00 00 00 00"));  // destination options -> TCP
  pg::put_bytes(chain, segment);
  const auto parsed = tcp::parse(ip::wrap(ip::kIpv6HopByHop, chain, kProxyToClient6));
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->checksum_ok);
  EXPECT_EQ(parsed->ip.header_size, 56U);
  EXPECT_EQ(parsed->segment.seq, 0xa0b0c0d0);
}

TEST(TcpFlags, Text) {
  EXPECT_EQ(tcp::flags_text(tcp::flag::SYN | tcp::flag::ACK), "SA");
  EXPECT_EQ(tcp::flags_text(tcp::flag::FIN | tcp::flag::PSH | tcp::flag::ACK), "FPA");
  EXPECT_EQ(tcp::flags_text(tcp::flag::RST), "R");
  EXPECT_EQ(tcp::flags_text(0xff), "FSRPAUEC");
  EXPECT_EQ(tcp::flags_text(0), "");
}
