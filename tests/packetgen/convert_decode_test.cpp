// One rejection per DecodeRule (rule, offset and culprit), direction rules,
// incremental decoding and the rule -> error code mapping.
#include <gtest/gtest.h>

#include "packetgen/convert.hpp"
#include "packetgen/convert_builder.hpp"

namespace convtest::packetgen::convert {
namespace convert_decode_test {  // named: in a unity build, its helpers meet those of other tests

constexpr auto kClient = Direction::ClientToConverter;
constexpr auto kConverter = Direction::ConverterToClient;

// Base Connect to 192.0.2.1:443, 20 bytes.
const char* const kConnect = "0A 05 01 BB 00 00 00 00 00 00 00 00 00 00 FF FF C0 00 02 01";

Bytes message(const std::string& tlvs) {
  const Bytes area = hex(tlvs);
  Bytes out{kVersion, static_cast<std::uint8_t>((area.size() + 4 + 3) / 4), 0x22, 0x63};
  put_bytes(out, area);
  return out;
}

DecodeError decode_error(const Bytes& bytes, DecodeOptions options) {
  DecodeOutcome outcome = decode(bytes, options);
  if (auto* error = std::get_if<DecodeError>(&outcome)) return *error;
  ADD_FAILURE() << "expected a DecodeError for " << to_hex(bytes);
  return DecodeError{DecodeRule::BadMagic, 9999, 0, 0};
}

void expect_rule(const Bytes& bytes, DecodeRule rule, std::size_t offset, Direction direction = kClient) {
  const DecodeError error = decode_error(bytes, DecodeOptions{direction});
  EXPECT_EQ(name(error.rule), name(rule)) << to_hex(bytes);
  EXPECT_EQ(error.offset, offset) << to_hex(bytes);
  EXPECT_LE(error.culprit_offset + error.culprit_size, bytes.size());
}

TEST(ConvertDecodeRule, BadMagic) {
  const Bytes bytes = hex(std::string("01 06 00 00 ") + kConnect);
  expect_rule(bytes, DecodeRule::BadMagic, 2);
  const DecodeError error = decode_error(bytes, {});
  EXPECT_EQ(error.culprit_offset, 0U);
  EXPECT_EQ(error.culprit_size, 4U);
}

TEST(ConvertDecodeRule, MagicIsCheckedBeforeVersionAndLength) {
  expect_rule(hex("00 00 00 00"), DecodeRule::BadMagic, 2);
  expect_rule(hex("02 00 63 22"), DecodeRule::BadMagic, 2);
}

TEST(ConvertDecodeRule, UnsupportedVersion) {
  for (std::uint8_t version : std::initializer_list<std::uint8_t>{0, 2, 0x7f, 0xff}) {
    Bytes bytes = message(kConnect);
    bytes[0] = version;
    expect_rule(bytes, DecodeRule::UnsupportedVersion, 0);
  }
  expect_rule(hex("02 00 22 63"), DecodeRule::UnsupportedVersion, 0);  // version before length
}

TEST(ConvertDecodeRule, AcceptAnyVersionReportsTheVersion) {
  Bytes bytes = message(kConnect);
  bytes[0] = 2;
  DecodeOptions options;
  options.accept_any_version = true;
  const auto outcome = decode(bytes, options);
  ASSERT_TRUE(std::holds_alternative<Decoded>(outcome));
  EXPECT_EQ(std::get<Decoded>(outcome).version, 2);
}

TEST(ConvertDecodeRule, TotalLengthZero) {
  expect_rule(hex(std::string("01 00 22 63 ") + kConnect), DecodeRule::TotalLengthZero, 1);
}

TEST(ConvertDecodeRule, NoTlvsFromClientButHeaderOnlyReplyIsFine) {
  expect_rule(hex("01 01 22 63"), DecodeRule::NoTlvs, 1);
  expect_rule(hex("01 01 22 63"), DecodeRule::NoTlvs, 1, Direction::Any);
  EXPECT_TRUE(std::holds_alternative<Decoded>(decode(hex("01 01 22 63"), DecodeOptions{kConverter})));
}

TEST(ConvertDecodeRule, TlvTruncatedOnlyWhenTheStreamIsComplete) {
  const Bytes bytes = hex(std::string("01 08 22 63 ") + kConnect + " 16 02 00");  // cookie cut short
  DecodeOptions options{kClient};
  EXPECT_TRUE(std::holds_alternative<NeedMore>(decode(bytes, options)));
  options.stream_complete = true;
  const DecodeError error = decode_error(bytes, options);
  EXPECT_EQ(error.rule, DecodeRule::TlvTruncated);
  EXPECT_EQ(error.offset, bytes.size());
  EXPECT_EQ(error.culprit_offset, 24U);
  EXPECT_EQ(error.culprit_size, 3U);
  const DecodeError short_header = decode_error(hex("01 06"), options);
  EXPECT_EQ(short_header.rule, DecodeRule::TlvTruncated);
  EXPECT_EQ(short_header.offset, 2U);
}

TEST(ConvertDecodeRule, TlvLengthZero) {
  const Bytes bytes = message(std::string(kConnect) + " 16 00 00 00");
  expect_rule(bytes, DecodeRule::TlvLengthZero, 25);
  const DecodeError error = decode_error(bytes, DecodeOptions{kClient});
  EXPECT_EQ(error.culprit_offset, 24U);
  EXPECT_EQ(error.culprit_size, 4U);
}

TEST(ConvertDecodeRule, TlvOverrunsMessage) {
  Bytes bytes = message(kConnect);
  bytes[1] = 3;  // Total Length shorter than the Connect TLV
  expect_rule(bytes, DecodeRule::TlvOverrunsMessage, 5);
  expect_rule(message(std::string(kConnect) + " 16 02 00 00"), DecodeRule::TlvOverrunsMessage, 25);
}

TEST(ConvertDecodeRule, ReservedType) {
  const Bytes bytes = message(std::string("00 01 00 00 ") + kConnect);
  expect_rule(bytes, DecodeRule::ReservedType, 4);
  const DecodeError error = decode_error(bytes, DecodeOptions{kClient});
  EXPECT_EQ(error.culprit_offset, 4U);
  EXPECT_EQ(error.culprit_size, 4U);
}

TEST(ConvertDecodeRule, UnknownTypeIncludingPrivateUse) {
  for (int type : {2, 5, 9, 11, 19, 23, 29, 31, 191, 192, 255}) {
    Bytes bytes = message(std::string(kConnect) + " 00 01 00 00");
    bytes[24] = static_cast<std::uint8_t>(type);
    expect_rule(bytes, DecodeRule::UnknownType, 24);
    expect_rule(bytes, DecodeRule::UnknownType, 24, Direction::Any);
  }
}

TEST(ConvertDecodeRule, WrongDirectionClientToConverter) {
  expect_rule(message(std::string(kConnect) + " 1E 01 20 00"), DecodeRule::WrongDirection, 24);
  expect_rule(message(std::string(kConnect) + " 14 01 00 00"), DecodeRule::WrongDirection, 24);
  expect_rule(message(std::string(kConnect) + " 15 01 00 00"), DecodeRule::WrongDirection, 24);
}

TEST(ConvertDecodeRule, WrongDirectionConverterToClient) {
  expect_rule(message("1E 01 60 00 01 01 00 00"), DecodeRule::WrongDirection, 8, kConverter);
  expect_rule(message("16 02 00 00 c1 c2 c3 c4"), DecodeRule::WrongDirection, 4, kConverter);
}

TEST(ConvertDecodeRule, AnyDirectionAcceptsEveryKnownType) {
  const Bytes bytes =
      message(std::string("01 01 00 00 ") + kConnect + " 14 01 00 00 15 01 00 00 16 01 00 00 1E 01 60 00");
  const auto outcome = decode(bytes, DecodeOptions{Direction::Any});
  ASSERT_TRUE(std::holds_alternative<Decoded>(outcome));
  EXPECT_EQ(std::get<Decoded>(outcome).message.tlvs.size(), 6U);
}

TEST(ConvertDecodeRule, DuplicateTlv) {
  expect_rule(message(std::string(kConnect) + " " + kConnect), DecodeRule::DuplicateTlv, 24);
  expect_rule(message(std::string("01 01 00 00 01 01 00 00 ") + kConnect), DecodeRule::DuplicateTlv, 8);
}

TEST(ConvertDecodeRule, BadInfoLength) {
  expect_rule(message(std::string("01 02 00 00 00 00 00 00 ") + kConnect), DecodeRule::BadInfoLength, 5);
}

TEST(ConvertDecodeRule, ConnectTooShort) {
  expect_rule(message("0A 04 01 BB 00 00 00 00 00 00 00 00 00 00 FF FF"), DecodeRule::ConnectTooShort, 5);
}

TEST(ConvertDecodeRule, ForbiddenDestinationOnlyFromClient) {
  const Bytes bytes = message("0A 05 00 50 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01");
  expect_rule(bytes, DecodeRule::ForbiddenDestination, 8);
  EXPECT_TRUE(std::holds_alternative<Decoded>(decode(bytes, DecodeOptions{kConverter})));
  EXPECT_TRUE(std::holds_alternative<Decoded>(decode(bytes, DecodeOptions{Direction::Any})));
}

TEST(ConvertDecodeRule, ForbiddenDestinationEveryClass) {
  for (const char* address : {"::1", "127.0.0.1", "127.255.0.1", "ff02::1", "ff0e::1", "224.0.0.251", "239.1.1.1",
                              "255.255.255.255", "::", "0.0.0.0", "0.1.2.3"}) {
    const Bytes bytes = encode_tlv(ConnectTlv{80, *parse_address(address), {}});
    Bytes full = hex("01 06 22 63");
    put_bytes(full, bytes);
    expect_rule(full, DecodeRule::ForbiddenDestination, 8);
  }
}

TEST(ConvertDecodeRule, BadConnectOptionKind) {
  expect_rule(message(std::string(kConnect).replace(3, 2, "06") + " 01 04 02 00"), DecodeRule::BadConnectOptionKind,
              24);
  expect_rule(message(std::string(kConnect).replace(3, 2, "07") + " 04 02 00 00 08 02 00 00"),
              DecodeRule::BadConnectOptionKind, 26);  // a zero word is EOL, not padding
}

TEST(ConvertDecodeRule, BadConnectOptionLength) {
  const std::string extended = std::string(kConnect).replace(3, 2, "06");
  expect_rule(message(extended + " 04 00 00 00"), DecodeRule::BadConnectOptionLength, 25);
  expect_rule(message(extended + " 08 01 00 00"), DecodeRule::BadConnectOptionLength, 25);
  expect_rule(message(extended + " 22 0A 01 02"), DecodeRule::BadConnectOptionLength, 25);
  expect_rule(message(extended + " 03 03 0E 22"), DecodeRule::BadConnectOptionLength, 27);
}

TEST(ConvertDecodeRule, NonZeroPaddingInConnectOptions) {
  const Bytes bytes = message(std::string(kConnect).replace(3, 2, "06") + " 04 02 00 07");
  expect_rule(bytes, DecodeRule::NonZeroPadding, 27);
  DecodeOptions lenient{kClient};
  lenient.check_zero_fields = false;
  const auto outcome = decode(bytes, lenient);
  ASSERT_TRUE(std::holds_alternative<Decoded>(outcome));
  EXPECT_EQ(std::get<Decoded>(outcome).message.find<ConnectTlv>()->tcp_options, hex("04 02"));
}

TEST(ConvertDecodeRule, NonZeroPaddingAfterSingleByteErrorValue) {
  expect_rule(message("1E 02 40 3C 00 00 01 00"), DecodeRule::NonZeroPadding, 10, kConverter);
}

TEST(ConvertDecodeRule, NonZeroFieldInEveryZeroField) {
  expect_rule(message(std::string("01 01 00 01 ") + kConnect), DecodeRule::NonZeroField, 7);
  expect_rule(message(std::string(kConnect) + " 16 02 01 00 c1 c2 c3 c4"), DecodeRule::NonZeroField, 26);
  expect_rule(message("15 02 00 01 1E 04 08 22"), DecodeRule::NonZeroField, 7, kConverter);
  expect_rule(message("14 02 80 00 02 04 05 B4"), DecodeRule::NonZeroField, 6, kConverter);
  expect_rule(message("1E 01 01 05"), DecodeRule::NonZeroField, 7, kConverter);  // Malformed byte 3
  expect_rule(message("1E 02 03 01 c1 c2 c3 c4"), DecodeRule::NonZeroField, 7, kConverter);
  expect_rule(message("1E 01 20 01"), DecodeRule::NonZeroField, 7, kConverter);  // Not Authorized
  expect_rule(message("1E 01 60 FF"), DecodeRule::NonZeroField, 7, kConverter);  // Connection Reset
}

TEST(ConvertDecodeRule, ZeroFieldsAreIgnoredWhenNotChecked) {
  DecodeOptions lenient{kClient};
  lenient.check_zero_fields = false;
  const auto outcome = decode(message(std::string("01 01 ff ff ") + kConnect + " 16 02 12 34 c1 c2 c3 c4"), lenient);
  ASSERT_TRUE(std::holds_alternative<Decoded>(outcome));
  EXPECT_EQ(std::get<Decoded>(outcome).message.find<CookieTlv>()->cookie, hex("c1 c2 c3 c4"));
}

TEST(ConvertDecodeRule, BadErrorCode) {
  for (int code : {4, 31, 34, 63, 66, 95, 98, 128, 192, 255}) {
    Bytes bytes = message("1E 01 00 00");
    bytes[6] = static_cast<std::uint8_t>(code);
    expect_rule(bytes, DecodeRule::BadErrorCode, 6, kConverter);
  }
}

TEST(ConvertDecodeRule, MissingConnect) {
  const Bytes bytes = message("16 02 00 00 c1 c2 c3 c4");
  expect_rule(bytes, DecodeRule::MissingConnect, 4);
  const DecodeError error = decode_error(bytes, DecodeOptions{kClient});
  EXPECT_EQ(error.culprit_offset, 0U);
  EXPECT_EQ(error.culprit_size, bytes.size());
  // Info alone is a legitimate question (AMB-10).
  EXPECT_TRUE(std::holds_alternative<Decoded>(decode(message("01 01 00 00"), DecodeOptions{kClient})));
}

TEST(ConvertDecodeRule, EveryRuleHasAnErrorCodeMapping) {
  EXPECT_EQ(error_code_for(DecodeRule::BadMagic), std::nullopt);
  EXPECT_EQ(error_code_for(DecodeRule::TotalLengthZero), std::nullopt);
  EXPECT_EQ(error_code_for(DecodeRule::UnsupportedVersion), ErrorCode::UnsupportedVersion);
  EXPECT_EQ(error_code_for(DecodeRule::ReservedType), ErrorCode::UnsupportedMessage);
  EXPECT_EQ(error_code_for(DecodeRule::UnknownType), ErrorCode::UnsupportedMessage);
  EXPECT_EQ(error_code_for(DecodeRule::WrongDirection), ErrorCode::UnsupportedMessage);
  for (DecodeRule rule :
       {DecodeRule::NoTlvs, DecodeRule::TlvTruncated, DecodeRule::TlvLengthZero, DecodeRule::TlvOverrunsMessage,
        DecodeRule::DuplicateTlv, DecodeRule::BadInfoLength, DecodeRule::ConnectTooShort,
        DecodeRule::ForbiddenDestination, DecodeRule::BadConnectOptionKind, DecodeRule::BadConnectOptionLength,
        DecodeRule::NonZeroPadding, DecodeRule::NonZeroField, DecodeRule::BadErrorCode, DecodeRule::MissingConnect})
    EXPECT_EQ(error_code_for(rule), ErrorCode::MalformedMessage) << name(rule);
}

// ------------------------------------------------------------ incremental

TEST(ConvertDecodeIncremental, EveryProperPrefixNeedsMore) {
  const Bytes full = message(std::string("01 01 00 00 ") + kConnect + " 16 02 00 00 c1 c2 c3 c4");
  for (std::size_t length = 0; length < full.size(); ++length) {
    const auto outcome = decode(ByteView(full).first(length), DecodeOptions{kClient});
    ASSERT_TRUE(std::holds_alternative<NeedMore>(outcome)) << "prefix " << length;
    const std::size_t expected = length < kHeaderSize ? kHeaderSize - length : full.size() - length;
    EXPECT_EQ(std::get<NeedMore>(outcome).bytes, expected) << "prefix " << length;
  }
  EXPECT_TRUE(std::holds_alternative<Decoded>(decode(full, DecodeOptions{kClient})));
}

TEST(ConvertDecodeIncremental, ApplicationDataIsNeverInterpreted) {
  Bytes stream = message(kConnect);
  put_bytes(stream, hex("0A 05 00 00 FF FF FF FF"));  // looks like a TLV, is app data
  const auto outcome = decode(stream, DecodeOptions{kClient});
  ASSERT_TRUE(std::holds_alternative<Decoded>(outcome));
  EXPECT_EQ(std::get<Decoded>(outcome).size, 24U);
  EXPECT_EQ(std::get<Decoded>(outcome).message.tlvs.size(), 1U);
}

TEST(ConvertDecodeIncremental, PrefixOfMalformedMessageIsNeedMoreOrTheSameError) {
  const Bytes full = message(std::string(kConnect) + " 05 01 00 00 16 02 00 00 c1 c2 c3 c4");
  const DecodeError final_error = decode_error(full, DecodeOptions{kClient});
  for (std::size_t length = kHeaderSize; length <= full.size(); ++length) {
    const auto outcome = decode(ByteView(full).first(length), DecodeOptions{kClient});
    if (std::holds_alternative<NeedMore>(outcome)) continue;
    ASSERT_TRUE(std::holds_alternative<DecodeError>(outcome));
    EXPECT_EQ(std::get<DecodeError>(outcome).rule, final_error.rule);
    EXPECT_EQ(std::get<DecodeError>(outcome).offset, final_error.offset);
  }
  // The unknown TLV is reported as soon as it has fully arrived, before the rest.
  EXPECT_TRUE(std::holds_alternative<NeedMore>(decode(ByteView(full).first(27), DecodeOptions{kClient})));
  EXPECT_TRUE(std::holds_alternative<DecodeError>(decode(ByteView(full).first(28), DecodeOptions{kClient})));
}

}  // namespace convert_decode_test
}  // namespace convtest::packetgen::convert
