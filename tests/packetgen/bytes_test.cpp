#include "packetgen/bytes.hpp"

#include <gtest/gtest.h>

namespace convtest::packetgen {
namespace {

TEST(Bytes, ParseHexIgnoresSeparatorsAndCase) {
  const HexParse parsed = parse_hex("01:02 aB\nFF\t0c");
  ASSERT_TRUE(parsed.ok);
  EXPECT_EQ(parsed.bytes, (Bytes{0x01, 0x02, 0xab, 0xff, 0x0c}));
}

TEST(Bytes, ParseHexRejectsOddDigitsAndGarbage) {
  EXPECT_FALSE(parse_hex("012").ok);
  EXPECT_FALSE(parse_hex("0g").ok);
  EXPECT_TRUE(parse_hex("0g").bytes.empty());
  EXPECT_TRUE(parse_hex("").ok);
}

TEST(Bytes, ToHexIsLowerCaseSpaceSeparated) {
  EXPECT_EQ(to_hex(Bytes{0x0a, 0xff, 0x00}), "0a ff 00");
  EXPECT_EQ(to_hex(Bytes{}), "");
}

TEST(Bytes, BigEndianPutAndGetRoundTrip) {
  Bytes out;
  put_u8(out, 0x01);
  put_u16(out, 0x2263);
  put_u32(out, 0xdeadbeef);
  put_u64(out, 0x0102030405060708ULL);
  EXPECT_EQ(to_hex(out), "01 22 63 de ad be ef 01 02 03 04 05 06 07 08");
  EXPECT_EQ(get_u16(out, 1), 0x2263);
  EXPECT_EQ(get_u32(out, 3), 0xdeadbeefU);
  EXPECT_EQ(get_u64(out, 7), 0x0102030405060708ULL);
}

TEST(Bytes, PadToAddsZerosUpToAlignment) {
  Bytes out{1, 2, 3, 4, 5};
  pad_to(out, 4);
  EXPECT_EQ(out, (Bytes{1, 2, 3, 4, 5, 0, 0, 0}));
  pad_to(out, 4);
  EXPECT_EQ(out.size(), 8U);
  Bytes appended;
  put_bytes(appended, out);
  EXPECT_EQ(appended, out);
}

TEST(BytesDeathTest, HexAbortsOnMalformedLiteral) { EXPECT_DEATH(hex("zz"), "malformed literal"); }

}  // namespace
}  // namespace convtest::packetgen
