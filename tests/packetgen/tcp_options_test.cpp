#include "packetgen/tcp_options.hpp"

#include <gtest/gtest.h>

namespace pg = convtest::packetgen;
namespace tcp = convtest::packetgen::tcp;
using pg::hex;
using pg::to_hex;

TEST(TcpOptionBuilders, GoldenBytes) {
  EXPECT_EQ(to_hex(tcp::mss(1460)), "02 04 05 b4");
  EXPECT_EQ(to_hex(tcp::window_scale(7)), "03 03 07");
  EXPECT_EQ(to_hex(tcp::sack_permitted()), "04 02");
  EXPECT_EQ(to_hex(tcp::sack({{0x01020304, 0x05060708}, {0xa0a0a0a0, 0xb0b0b0b0}})),
            "05 12 01 02 03 04 05 06 07 08 a0 a0 a0 a0 b0 b0 b0 b0");
  EXPECT_EQ(to_hex(tcp::timestamps(0x11223344, 0x55667788)), "08 0a 11 22 33 44 55 66 77 88");
  EXPECT_EQ(to_hex(tcp::nop()), "01");
  EXPECT_EQ(to_hex(tcp::eol()), "00");
}

TEST(TcpOptionBuilders, FastOpenBytesFromTheCatalog) {
  EXPECT_EQ(to_hex(tcp::fast_open_request()), "22 02");
  EXPECT_EQ(to_hex(tcp::fast_open(hex("11 22 33 44 55 66 77 88"))), "22 0a 11 22 33 44 55 66 77 88");
  EXPECT_EQ(to_hex(tcp::fast_open(hex("de ad be ef"))), "22 06 de ad be ef");
}

TEST(TcpOptionBuilders, RawOptionsWithAnyLengthByte) {
  EXPECT_EQ(to_hex(tcp::raw_option(0xfe, hex("aa bb"))), "fe 04 aa bb");
  EXPECT_EQ(to_hex(tcp::raw_option(tcp::kind::FastOpen, 0, {})), "22 00");
  EXPECT_EQ(to_hex(tcp::raw_option(tcp::kind::MSS, 1, hex("05"))), "02 01 05");
  EXPECT_EQ(to_hex(tcp::raw_option(tcp::kind::Timestamps, 40, hex("01 02"))), "08 28 01 02");
}

TEST(TcpOptionBuilders, LinuxSynOptions) {
  EXPECT_EQ(to_hex(tcp::linux_syn_options(1460, 0xaabbccdd, 7)),
            "02 04 05 b4 04 02 08 0a aa bb cc dd 00 00 00 00 01 03 03 07");
}

TEST(TcpOptionParse, DecodesEveryKnownKind) {
  pg::Bytes area = tcp::linux_syn_options(1460, 0xaabbccdd, 7);
  pg::put_bytes(area, tcp::sack({{1, 2}}));
  pg::put_bytes(area, tcp::fast_open(hex("01 02 03 04")));
  pg::put_bytes(area, tcp::raw_option(0xfd, hex("99")));
  pg::put_bytes(area, tcp::eol());
  pg::put_bytes(area, hex("ff ff"));  // after EOL: not parsed

  const tcp::ParsedOptions parsed = tcp::parse_options(area);
  EXPECT_TRUE(parsed.ended_by_eol);
  EXPECT_FALSE(parsed.broken_at);
  const std::vector<std::uint8_t> kinds{2, 4, 8, 3, 5, 34, 0xfd};
  EXPECT_EQ(parsed.kinds(), kinds);
  ASSERT_EQ(parsed.options.size(), 9U);  // 7 + NOP + EOL
  for (const tcp::Option& option : parsed.options) EXPECT_FALSE(option.malformed);

  const tcp::Option* mss = parsed.find(tcp::kind::MSS);
  ASSERT_NE(mss, nullptr);
  EXPECT_EQ(mss->offset, 0U);
  EXPECT_EQ(std::get<tcp::MssOption>(mss->value).value, 1460);
  EXPECT_TRUE(std::holds_alternative<tcp::SackPermittedOption>(parsed.find(4)->value));
  const auto& ts = std::get<tcp::TimestampsOption>(parsed.find(tcp::kind::Timestamps)->value);
  EXPECT_EQ(ts.tsval, 0xaabbccdd);
  EXPECT_EQ(ts.tsecr, 0U);
  EXPECT_EQ(parsed.options[3].kind, tcp::kind::NOP);
  EXPECT_EQ(parsed.options[3].offset, 16U);
  const tcp::Option* ws = parsed.find(tcp::kind::WindowScale);
  EXPECT_EQ(ws->offset, 17U);
  EXPECT_EQ(std::get<tcp::WindowScaleOption>(ws->value).shift, 7);
  const auto& sack = std::get<tcp::SackOption>(parsed.find(tcp::kind::Sack)->value);
  ASSERT_EQ(sack.blocks.size(), 1U);
  EXPECT_EQ(sack.blocks[0], (std::pair<std::uint32_t, std::uint32_t>{1, 2}));
  const tcp::Option* tfo = parsed.find(tcp::kind::FastOpen);
  EXPECT_EQ(std::get<tcp::FastOpenOption>(tfo->value).cookie, hex("01 02 03 04"));
  EXPECT_EQ(tfo->bytes, hex("22 06 01 02 03 04"));
  const tcp::Option* unknown = parsed.find(0xfd);
  EXPECT_TRUE(std::holds_alternative<tcp::UnknownOption>(unknown->value));
  EXPECT_EQ(unknown->bytes, hex("fd 03 99"));
  EXPECT_EQ(parsed.options.back().kind, tcp::kind::EOL);
  EXPECT_EQ(parsed.find(tcp::kind::Mptcp), nullptr);
}

TEST(TcpOptionParse, EmptyTfoIsACookieRequest) {
  const auto parsed = tcp::parse_options(hex("22 02 01 01"));
  ASSERT_EQ(parsed.options.size(), 3U);
  EXPECT_FALSE(parsed.options[0].malformed);
  EXPECT_TRUE(std::get<tcp::FastOpenOption>(parsed.options[0].value).cookie.empty());
}

TEST(TcpOptionParse, WrongLengthsForTheKindAreMalformedButSkipped) {
  // TFO with a 2-byte cookie, TFO with an odd cookie, MSS of 3 bytes, WS of
  // 4 bytes, SACK with a partial block, timestamps of 8 bytes, SACK-perm 3.
  const pg::Bytes area =
      hex("22 04 aa bb  22 07 01 02 03 04 05  02 03 05  03 04 07 00  05 06 01 02 03 04"
          "  08 08 01 02 03 04 05 06  04 03 00  22 14 00 00 00 00 00 00 00 00 00 00"
          " 00 00 00 00 00 00 00 00");
  const auto parsed = tcp::parse_options(area);
  EXPECT_FALSE(parsed.broken_at);
  ASSERT_EQ(parsed.options.size(), 8U);
  for (const tcp::Option& option : parsed.options) {
    EXPECT_TRUE(option.malformed) << to_hex(option.bytes);
    EXPECT_TRUE(std::holds_alternative<tcp::UnknownOption>(option.value));
  }
  EXPECT_EQ(parsed.options[1].offset, 4U);
  EXPECT_EQ(parsed.options[1].bytes.size(), 7U);
  EXPECT_EQ(parsed.options[7].bytes.size(), 20U);  // TFO with an 18-byte cookie: too long
}

TEST(TcpOptionParse, LengthZeroStopsWithBrokenAt) {
  const auto parsed = tcp::parse_options(hex("01 22 00 02 04 05 b4"));
  ASSERT_EQ(parsed.broken_at, std::optional<std::size_t>(2));
  ASSERT_EQ(parsed.options.size(), 2U);
  EXPECT_EQ(parsed.options[0].kind, tcp::kind::NOP);
  const tcp::Option& broken = parsed.options[1];
  EXPECT_EQ(broken.kind, tcp::kind::FastOpen);
  EXPECT_TRUE(broken.malformed);
  EXPECT_EQ(broken.offset, 1U);
  EXPECT_EQ(broken.bytes, hex("22 00 02 04 05 b4"));
  EXPECT_FALSE(parsed.ended_by_eol);
}

TEST(TcpOptionParse, LengthOneStops) {
  const auto parsed = tcp::parse_options(hex("02 01 05 b4"));
  EXPECT_EQ(parsed.broken_at, std::optional<std::size_t>(1));
  ASSERT_EQ(parsed.options.size(), 1U);
  EXPECT_TRUE(parsed.options[0].malformed);
}

TEST(TcpOptionParse, OverrunStops) {
  const auto parsed = tcp::parse_options(hex("02 04 05 b4 08 0a 01 02 03"));
  EXPECT_EQ(parsed.broken_at, std::optional<std::size_t>(5));
  ASSERT_EQ(parsed.options.size(), 2U);
  EXPECT_FALSE(parsed.options[0].malformed);
  EXPECT_TRUE(parsed.options[1].malformed);
  EXPECT_EQ(parsed.options[1].bytes, hex("08 0a 01 02 03"));
}

TEST(TcpOptionParse, KindWithoutLengthByteAtTheEnd) {
  const auto parsed = tcp::parse_options(hex("01 01 01 02"));
  EXPECT_EQ(parsed.broken_at, std::optional<std::size_t>(4));
  ASSERT_EQ(parsed.options.size(), 4U);
  EXPECT_TRUE(parsed.options[3].malformed);
  EXPECT_EQ(parsed.options[3].bytes, hex("02"));
}

TEST(TcpOptionParse, EolInTheMiddleEndsTheArea) {
  const auto parsed = tcp::parse_options(hex("02 04 05 b4 00 03 03 07"));
  EXPECT_TRUE(parsed.ended_by_eol);
  EXPECT_FALSE(parsed.broken_at);
  ASSERT_EQ(parsed.options.size(), 2U);
  EXPECT_EQ(parsed.options[1].kind, tcp::kind::EOL);
  EXPECT_EQ(parsed.options[1].offset, 4U);
  EXPECT_EQ(parsed.find(tcp::kind::WindowScale), nullptr);
}

TEST(TcpOptionParse, EmptyArea) {
  const auto parsed = tcp::parse_options({});
  EXPECT_TRUE(parsed.options.empty());
  EXPECT_FALSE(parsed.ended_by_eol);
  EXPECT_FALSE(parsed.broken_at);
}

TEST(TcpOptionParse, EveryTruncationOfAValidAreaIsSafe) {
  pg::Bytes area = tcp::linux_syn_options(1400, 1, 9);
  pg::put_bytes(area, tcp::fast_open(hex("00 11 22 33 44 55 66 77")));
  pg::put_bytes(area, tcp::mptcp::mp_capable_ack(1, 2));
  for (std::size_t size = 0; size <= area.size(); ++size) {
    const auto parsed = tcp::parse_options(pg::ByteView(area).first(size));
    std::size_t covered = 0;
    for (const tcp::Option& option : parsed.options) {
      EXPECT_EQ(option.offset, covered);
      covered += option.bytes.size();
    }
    EXPECT_EQ(covered, size);  // every byte accounted for, nothing beyond
    EXPECT_EQ(parsed.broken_at.has_value(), size != area.size() && covered != 0 && parsed.options.back().malformed);
  }
}
