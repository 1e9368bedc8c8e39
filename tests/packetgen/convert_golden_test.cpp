// Golden byte vectors: every TLV type and every error code, starting with
// the worked examples of the requirement catalog (section 1.7) verbatim.
#include <gtest/gtest.h>

#include "packetgen/convert.hpp"

namespace convtest::packetgen::convert {
namespace {

// The catalog separates fields with '|'; hex() knows only spaces and colons.
Bytes spec_hex(std::string text) {
  std::erase(text, '|');
  return hex(text);
}

Decoded decode_ok(const Bytes& bytes, Direction direction) {
  DecodeOutcome outcome = decode(bytes, DecodeOptions{direction});
  if (auto* error = std::get_if<DecodeError>(&outcome))
    ADD_FAILURE() << "decode failed: " << name(error->rule) << " at " << error->offset;
  if (std::holds_alternative<NeedMore>(outcome)) ADD_FAILURE() << "decode wants more bytes";
  if (auto* decoded = std::get_if<Decoded>(&outcome)) return *decoded;
  return {};
}

// Encodes `message`, expects exactly `golden`, and decodes `golden` back to `message`.
void expect_golden(const Message& message, const Bytes& golden, Direction direction) {
  auto encoded = encode(message);
  ASSERT_TRUE(encoded.ok()) << name(encoded.error().rule);
  EXPECT_EQ(to_hex(*encoded), to_hex(golden));
  const Decoded decoded = decode_ok(golden, direction);
  EXPECT_EQ(decoded.message, message);
  EXPECT_EQ(decoded.size, golden.size());
  EXPECT_EQ(decoded.version, kVersion);
}

void expect_error_golden(const ErrorTlv& error, const char* golden) {
  expect_golden(Message{{error}}, hex(golden), Direction::ConverterToClient);
}

TEST(ConvertGolden, ExampleA_BaseConnectWithHello) {
  const Bytes stream = hex("01 06 22 63 0A 05 01 BB 00 00 00 00 00 00 00 00 00 00 FF FF C6 33 64 07 68 65 6C 6C 6F");
  const Message message{{ConnectTlv{443, ipv4_mapped("198.51.100.7"), {}}}};
  const Decoded decoded = decode_ok(stream, Direction::ClientToConverter);
  EXPECT_EQ(decoded.message, message);
  ASSERT_EQ(decoded.size, 24U);
  EXPECT_EQ(to_hex(ByteView(stream).subspan(decoded.size)), to_hex(hex("68 65 6C 6C 6F")));
  auto encoded = encode(message);
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(*encoded, Bytes(stream.begin(), stream.begin() + 24));
}

TEST(ConvertGolden, ExampleB_InfoAndExtendedConnect) {
  const Message message{{InfoTlv{}, ConnectTlv{80, *parse_address("2001:db8::1"), hex("1E 02 22 02")}}};
  expect_golden(message,
                spec_hex("01 08 22 63 | 01 01 00 00 | 0A 06 00 50 | 20 01 0D B8 00 00 00 00 00 00 00 00 00 00 00 "
                         "01 | 1E 02 22 02"),
                Direction::ClientToConverter);
}

TEST(ConvertGolden, ExampleC_SupportedAndExtendedTcpHeader) {
  const Bytes server_options = hex("02 04 05 B4 04 02 08 0A 00 00 12 34 00 00 00 00 01 03 03 07");
  const Message message{{SupportedTcpExtensionsTlv{{30, 4, 8, 34}}, ExtendedTcpHeaderTlv{server_options}}};
  expect_golden(message,
                hex("01 09 22 63 15 02 00 00 1E 04 08 22 14 06 00 00 02 04 05 B4 04 02 08 0A 00 00 12 34 "
                    "00 00 00 00 01 03 03 07"),
                Direction::ConverterToClient);
}

TEST(ConvertGolden, ExampleD_HeaderOnlyReply) {
  EXPECT_EQ(encode_header_only(), hex("01 01 22 63"));
  const Decoded decoded = decode_ok(hex("01 01 22 63"), Direction::ConverterToClient);
  EXPECT_TRUE(decoded.message.tlvs.empty());
  EXPECT_EQ(decoded.size, 4U);
}

TEST(ConvertGolden, ExampleE_ConnectionReset) {
  expect_error_golden(ErrorTlv::connection_reset(), "01 02 22 63 1E 01 60 00");
}
TEST(ConvertGolden, ExampleE_UnsupportedVersion) {
  expect_error_golden(ErrorTlv::unsupported_version({1}), "01 02 22 63 1E 01 00 01");
}
TEST(ConvertGolden, ExampleE_UnsupportedTcpOptionAo) {
  expect_error_golden(ErrorTlv::unsupported_tcp_option({29}), "01 02 22 63 1E 01 21 1D");
}
TEST(ConvertGolden, ExampleE_DestinationUnreachable) {
  expect_error_golden(ErrorTlv::destination_unreachable(3), "01 02 22 63 1E 01 61 03");
}
TEST(ConvertGolden, ExampleE_ResourceExceeded) {
  expect_error_golden(ErrorTlv::resource_exceeded(60), "01 02 22 63 1E 01 40 3C");
}
TEST(ConvertGolden, ExampleE_NotAuthorized) {
  expect_error_golden(ErrorTlv::not_authorized(), "01 02 22 63 1E 01 20 00");
}
TEST(ConvertGolden, ExampleE_MissingCookie) {
  expect_error_golden(ErrorTlv::missing_cookie(hex("c1 c2 c3 c4 c5 c6 c7 c8")),
                      "01 04 22 63 1E 03 03 00 c1 c2 c3 c4 c5 c6 c7 c8");
}
TEST(ConvertGolden, ExampleE_MalformedEchoingLoopbackConnect) {
  const Bytes echo = hex("0A 05 00 50 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01");
  expect_error_golden(ErrorTlv::malformed_message(echo),
                      "01 07 22 63 1E 06 01 00 0A 05 00 50 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01");
}

TEST(ConvertGolden, UnsupportedMessageEchoingType5) {
  expect_error_golden(ErrorTlv::unsupported_message(hex("05 01 00 00")), "01 03 22 63 1E 02 02 00 05 01 00 00");
}
TEST(ConvertGolden, UnsupportedTcpOptionTwoKindsPadded) {
  expect_error_golden(ErrorTlv::unsupported_tcp_option({0xFD, 0xFE}), "01 03 22 63 1E 02 21 FD FE 00 00 00");
}
TEST(ConvertGolden, NetworkFailureDefaultBackoff) {
  expect_error_golden(ErrorTlv::network_failure(0), "01 02 22 63 1E 01 41 00");
}
TEST(ConvertGolden, UnsupportedVersionListOfTwo) {
  expect_error_golden(ErrorTlv::unsupported_version({1, 2}), "01 03 22 63 1E 02 00 01 02 00 00 00");
}

TEST(ConvertGolden, InfoAlone) {
  expect_golden(Message{{InfoTlv{}}}, hex("01 02 22 63 01 01 00 00"), Direction::ClientToConverter);
}

TEST(ConvertGolden, ExtendedConnectIpv4WithTfoCookieAndSackPermitted) {
  const Message message{{ConnectTlv{8080, ipv4_mapped("192.0.2.1"), hex("22 0A 01 02 03 04 05 06 07 08 04 02")}}};
  expect_golden(message,
                hex("01 09 22 63 0A 08 1F 90 00 00 00 00 00 00 00 00 00 00 FF FF C0 00 02 01 "
                    "22 0A 01 02 03 04 05 06 07 08 04 02"),
                Direction::ClientToConverter);
}

TEST(ConvertGolden, ExtendedConnectOddOptionLengthIsZeroPadded) {
  const Message message{{ConnectTlv{443, ipv4_mapped("192.0.2.1"), hex("03 03 07")}}};
  expect_golden(message, hex("01 07 22 63 0A 06 01 BB 00 00 00 00 00 00 00 00 00 00 FF FF C0 00 02 01 03 03 07 00"),
                Direction::ClientToConverter);
}

TEST(ConvertGolden, CookieAndConnect) {
  const Message message{{ConnectTlv{443, ipv4_mapped("192.0.2.1"), {}}, CookieTlv{hex("de ad be ef 01 02 03 04")}}};
  expect_golden(message,
                hex("01 09 22 63 0A 05 01 BB 00 00 00 00 00 00 00 00 00 00 FF FF C0 00 02 01 "
                    "16 03 00 00 de ad be ef 01 02 03 04"),
                Direction::ClientToConverter);
}

TEST(ConvertGolden, IncomingConnectFromConverter) {
  const Message message{{ConnectTlv{50000, *parse_address("2001:db8::99"), {}}}};
  expect_golden(message, hex("01 06 22 63 0A 05 C3 50 20 01 0D B8 00 00 00 00 00 00 00 00 00 00 00 99"),
                Direction::ConverterToClient);
}

TEST(ConvertGolden, EmptySupportedList) {
  expect_golden(Message{{SupportedTcpExtensionsTlv{}}}, hex("01 02 22 63 15 01 00 00"), Direction::ConverterToClient);
}

TEST(ConvertGolden, EncodeTlvAloneHasNoHeader) {
  EXPECT_EQ(encode_tlv(InfoTlv{}), hex("01 01 00 00"));
  EXPECT_EQ(encode_tlv(CookieTlv{hex("aa")}), hex("16 02 00 00 aa 00 00 00"));
}

TEST(ConvertGolden, NamesAndShapes) {
  EXPECT_EQ(name(TlvType::ExtendedTcpHeader), "Extended TCP Header");
  EXPECT_EQ(name(ErrorCode::DestinationUnreachable), "Destination Unreachable");
  EXPECT_EQ(value_shape(ErrorCode::UnsupportedVersion), ErrorValueShape::ByteList);
  EXPECT_EQ(value_shape(ErrorCode::UnsupportedTcpOption), ErrorValueShape::ByteList);
  EXPECT_EQ(value_shape(ErrorCode::MissingCookie), ErrorValueShape::ZeroThenBytes);
  EXPECT_EQ(value_shape(ErrorCode::UnsupportedMessage), ErrorValueShape::ZeroThenBytes);
  EXPECT_EQ(value_shape(ErrorCode::ConnectionReset), ErrorValueShape::SingleByte);
  int known_codes = 0;
  int known_types = 0;
  for (int value = 0; value < 256; ++value) {
    known_codes += is_known_error_code(static_cast<std::uint8_t>(value)) ? 1 : 0;
    known_types += is_known_tlv_type(static_cast<std::uint8_t>(value)) ? 1 : 0;
  }
  EXPECT_EQ(known_codes, 10);
  EXPECT_EQ(known_types, 6);
  EXPECT_EQ(type_of(Tlv{ErrorTlv::not_authorized()}), TlvType::Error);
}

}  // namespace
}  // namespace convtest::packetgen::convert
