#include <gtest/gtest.h>

#include "convproxy/option_rules.hpp"
#include "packetgen/bytes.hpp"

namespace convtest::convproxy {
namespace {

using packetgen::hex;

TEST(ConvproxyOptionRules, SupportedKindsListMptcpSackTimestampsTfo) {
  EXPECT_EQ(supported_kinds(true), (std::vector<std::uint8_t>{30, 4, 8, 34}));
  EXPECT_EQ(supported_kinds(false), (std::vector<std::uint8_t>{4, 8, 34}));
}

TEST(ConvproxyOptionRules, EmptyOptionsNeedNothingSpecial) {
  const auto result = evaluate_options({}, {});
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, DownstreamOptions{});
}

TEST(ConvproxyOptionRules, MssWindowScaleAndSackAreIgnored) {  // AMB-33, CONV-047/051/054
  const auto options = hex("02 04 01 90 03 03 0e 05 0a 00 00 00 01 00 00 00 02");
  const auto result = evaluate_options(options, {});
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, DownstreamOptions{});
}

TEST(ConvproxyOptionRules, SupportedKindsSetUpTheDownstreamSocket) {
  const auto result = evaluate_options(hex("04 02 08 02 1e 02 22 02"), {});
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->mptcp);
  EXPECT_TRUE(result->fast_open);
  EXPECT_TRUE(result->fast_open_cookie.empty());
}

TEST(ConvproxyOptionRules, TfoCookieIsKeptForCopying) {  // CONV-060
  const auto result = evaluate_options(hex("22 0a 01 02 03 04 05 06 07 08"), {});
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->fast_open);
  EXPECT_EQ(result->fast_open_cookie, hex("01 02 03 04 05 06 07 08"));
}

TEST(ConvproxyOptionRules, TcpAoIsRefusedUnlessTheFaultIsOn) {  // CONV-062
  const auto refused = evaluate_options(hex("1d 02"), {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kinds, (std::vector<std::uint8_t>{29}));
  EXPECT_TRUE(evaluate_options(hex("1d 02"), OptionPolicy{true, true}));
}

TEST(ConvproxyOptionRules, EveryUnsupportedKindIsListedOnceInOrder) {  // CONV-042
  const auto result = evaluate_options(hex("fd 03 01 04 02 fe 02 fd 02"), {});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kinds, (std::vector<std::uint8_t>{253, 254}));
}

TEST(ConvproxyOptionRules, MptcpIsUnsupportedWhenTheKernelLacksIt) {
  const auto result = evaluate_options(hex("1e 02"), OptionPolicy{false, false});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kinds, (std::vector<std::uint8_t>{30}));
}

TEST(ConvproxyOptionRules, OptionsPastFortyBytesAreRefused) {  // AMB-24
  // TFO with a 16-byte cookie (18) + SACK-perm (2) + TS (2) + MPTCP (2) = 24
  // bytes fit; another 18-byte TFO-sized private option does not.
  packetgen::Bytes options = hex("22 12 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 04 02 08 02 1e 02");
  ASSERT_TRUE(evaluate_options(options, {}));
  const auto extra = hex("22 12 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f");
  options.insert(options.end(), extra.begin(), extra.end());
  const auto result = evaluate_options(options, {});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kinds, (std::vector<std::uint8_t>{34}));
}

TEST(ConvproxyOptionRules, IgnoredKindsDoNotCountTowardFortyBytes) {
  // 40 bytes of SACK blocks are ignored, then a supported option still fits.
  packetgen::Bytes options = hex("05 22");
  options.resize(34, 0x11);
  const auto tail = hex("04 02 08 02");
  options.insert(options.end(), tail.begin(), tail.end());
  EXPECT_TRUE(evaluate_options(options, {}));
}

}  // namespace
}  // namespace convtest::convproxy
