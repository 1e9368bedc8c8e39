#include <gtest/gtest.h>

#include "convproxy/reply.hpp"
#include "packetgen/bytes.hpp"

namespace convtest::convproxy {
namespace {

namespace convert = packetgen::convert;
using packetgen::hex;

const packetgen::Bytes kSynAckOptions = hex("02 04 05 b4 04 02 08 0a 00 00 00 01 00 00 00 02 01 03 03 07");

TEST(ConvproxyReply, InfoAndExtendedHeaderLikeTheSpecExample) {
  const auto reply = success_reply(std::vector<std::uint8_t>{30, 4, 8, 34}, kSynAckOptions, {});
  EXPECT_EQ(reply, hex("01 09 22 63 15 02 00 00 1e 04 08 22 14 06 00 00 "
                       "02 04 05 b4 04 02 08 0a 00 00 00 01 00 00 00 02 01 03 03 07"));
}

TEST(ConvproxyReply, BaseConnectStillGetsTheExtendedHeader) {  // AMB-02
  const auto reply = success_reply(std::nullopt, hex("02 04 05 b4"), {});
  EXPECT_EQ(reply, hex("01 03 22 63 14 02 00 00 02 04 05 b4"));
}

TEST(ConvproxyReply, InfoAloneIsHeaderPlusSupported) {
  EXPECT_EQ(success_reply(std::vector<std::uint8_t>{30, 4, 8, 34}, std::nullopt, {}),
            hex("01 03 22 63 15 02 00 00 1e 04 08 22"));
  EXPECT_EQ(success_reply(std::vector<std::uint8_t>{4, 8, 34}, std::nullopt, {}),
            hex("01 03 22 63 15 02 00 00 04 08 22 00"));
}

TEST(ConvproxyReply, NothingToSayIsAHeaderOnlyMessage) {
  EXPECT_EQ(success_reply(std::nullopt, std::nullopt, {}), hex("01 01 22 63"));
}

TEST(ConvproxyReply, ErrorTlvsMatchTheSpecExamples) {
  EXPECT_EQ(error_reply(convert::ErrorTlv::connection_reset(), {}), hex("01 02 22 63 1e 01 60 00"));
  EXPECT_EQ(error_reply(convert::ErrorTlv::unsupported_version({1}), {}), hex("01 02 22 63 1e 01 00 01"));
  EXPECT_EQ(error_reply(convert::ErrorTlv::unsupported_tcp_option({29}), {}), hex("01 02 22 63 1e 01 21 1d"));
  EXPECT_EQ(error_reply(convert::ErrorTlv::unsupported_tcp_option({253, 254}), {}),
            hex("01 03 22 63 1e 02 21 fd fe 00 00 00"));
  EXPECT_EQ(error_reply(convert::ErrorTlv::destination_unreachable(3), {}), hex("01 02 22 63 1e 01 61 03"));
  EXPECT_EQ(error_reply(convert::ErrorTlv::resource_exceeded(60), {}), hex("01 02 22 63 1e 01 40 3c"));
  EXPECT_EQ(error_reply(convert::ErrorTlv::not_authorized(), {}), hex("01 02 22 63 1e 01 20 00"));
  EXPECT_EQ(error_reply(convert::ErrorTlv::missing_cookie(hex("c1 c2 c3 c4 c5 c6 c7 c8")), {}),
            hex("01 04 22 63 1e 03 03 00 c1 c2 c3 c4 c5 c6 c7 c8"));
}

TEST(ConvproxyReply, EchoIsTheCulpritWhenItFits) {
  const auto culprit = hex("0a 05 00 50 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01");
  const auto reply = error_reply(echo_error(convert::ErrorCode::MalformedMessage, culprit), {});
  EXPECT_EQ(reply, hex("01 07 22 63 1e 06 01 00 0a 05 00 50 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01"));
}

TEST(ConvproxyReply, LongEchoIsCutOnAWordSoTotalLengthFits) {  // AMB-05
  packetgen::Bytes culprit(1016, 0xab);
  const auto reply = error_reply(echo_error(convert::ErrorCode::UnsupportedMessage, culprit), {});
  ASSERT_EQ(reply.size(), convert::kMaxMessageSize);
  EXPECT_EQ(reply[1], 255);
  EXPECT_EQ(reply[6], 2);
  EXPECT_EQ(packetgen::Bytes(reply.begin() + 8, reply.end()), packetgen::Bytes(kMaxEcho, 0xab));
}

TEST(ConvproxyReply, WrongMagicFault) {
  ReplyFaults faults;
  faults.wrong_magic = true;
  EXPECT_EQ(error_reply(convert::ErrorTlv::connection_reset(), faults), hex("01 02 00 00 1e 01 60 00"));
}

TEST(ConvproxyReply, WrongTotalLengthFault) {
  ReplyFaults faults;
  faults.wrong_total_length = true;
  EXPECT_EQ(error_reply(convert::ErrorTlv::connection_reset(), faults), hex("01 03 22 63 1e 01 60 00"));
}

TEST(ConvproxyReply, NonzeroPaddingFault) {
  ReplyFaults faults;
  faults.nonzero_padding = true;
  EXPECT_EQ(error_reply(convert::ErrorTlv::unsupported_tcp_option({253, 254}), faults),
            hex("01 03 22 63 1e 02 21 fd fe a5 a5 a5"));
}

TEST(ConvproxyReply, ExtendedHeaderFaults) {
  ReplyFaults missing;
  missing.no_extended_header = true;
  EXPECT_EQ(success_reply(std::nullopt, kSynAckOptions, missing), hex("01 01 22 63"));
  ReplyFaults reordered;
  reordered.reorder_extended_header = true;
  EXPECT_EQ(success_reply(std::nullopt, kSynAckOptions, reordered),
            hex("01 07 22 63 14 06 00 00 03 03 07 01 08 0a 00 00 00 01 00 00 00 02 04 02 02 04 05 b4"));
}

TEST(ConvproxyReply, ReversedOptionsKeepEveryByte) {
  EXPECT_EQ(reversed_options(hex("02 04 05 b4 01 01 04 02")), hex("04 02 01 01 02 04 05 b4"));
  EXPECT_EQ(reversed_options(hex("02 04 05 b4 00 00 00 00")), hex("02 04 05 b4 00 00 00 00"));
}

}  // namespace
}  // namespace convtest::convproxy
