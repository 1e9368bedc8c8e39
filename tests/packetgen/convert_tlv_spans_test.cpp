// tlv_spans: TLV framing only, so a TLV's bytes can be located even in a
// message whose values the decoder rejects.
#include <gtest/gtest.h>

#include "packetgen/convert.hpp"

namespace convtest::packetgen::convert {
namespace {

// Info (1 word), then a base Connect (5 words), then 4 bytes after the message.
const char* const kInfoThenConnect =
    "01 07 22 63 01 01 00 00 0A 05 01 BB 00 00 00 00 00 00 00 00 00 00 FF FF C0 00 02 01 DE AD BE EF";

TEST(ConvertTlvSpans, WalksEveryTlvWithinTotalLength) {
  const auto spans = tlv_spans(hex(kInfoThenConnect));
  ASSERT_TRUE(spans) << name(spans.error().rule);
  const std::vector<TlvSpan> expected{{1, 4, 4}, {10, 8, 20}};
  EXPECT_EQ(*spans, expected);
}

TEST(ConvertTlvSpans, IgnoresValueRulesTheDecoderApplies) {
  // Reserved type 0 and an unknown type 200: framing is fine.
  const auto spans = tlv_spans(hex("01 03 22 63 00 01 00 00 C8 01 FF FF"));
  ASSERT_TRUE(spans);
  EXPECT_EQ(spans->size(), 2U);
  EXPECT_EQ(spans->at(1).type, 200);
  EXPECT_TRUE(tlv_spans(hex("01 01 22 63"))->empty()) << "header only: no TLVs";
}

TEST(ConvertTlvSpans, FramingErrorsAreValuesWithOffsets) {
  const auto rule_of = [](const char* text) { return tlv_spans(hex(text)).error(); };
  EXPECT_EQ(rule_of("01 02 22").rule, DecodeRule::TlvTruncated);
  EXPECT_EQ(rule_of("01 02 00 00 01 01 00 00").rule, DecodeRule::BadMagic);
  EXPECT_EQ(rule_of("01 00 22 63").rule, DecodeRule::TotalLengthZero);
  EXPECT_EQ(rule_of("01 03 22 63 01 01 00 00").rule, DecodeRule::TlvTruncated);
  const auto zero = rule_of("01 03 22 63 01 01 00 00 0A 00 00 00");
  EXPECT_EQ(zero.rule, DecodeRule::TlvLengthZero);
  EXPECT_EQ(zero.offset, 9U);
  const auto overrun = rule_of("01 03 22 63 01 01 00 00 0A 05 00 00");
  EXPECT_EQ(overrun.rule, DecodeRule::TlvOverrunsMessage);
  EXPECT_EQ(overrun.culprit_offset, 8U);
  EXPECT_EQ(overrun.culprit_size, 4U);
  EXPECT_FALSE(tlv_spans({})) << "empty input";
}

}  // namespace
}  // namespace convtest::packetgen::convert
