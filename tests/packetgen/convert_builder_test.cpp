// The malformed-message builder and the catalog's standard stimuli: each
// form decodes to the rule it is meant to provoke.
#include "packetgen/convert_builder.hpp"

#include <gtest/gtest.h>

#include <set>

#include "packetgen/convert.hpp"
#include "packetgen/convert_malformed.hpp"

namespace convtest::packetgen::convert {
namespace {

const ConnectTlv kConnect{443, ipv4_mapped("192.0.2.1"), {}};

DecodeError decode_error(const Bytes& bytes, Direction direction = Direction::ClientToConverter) {
  DecodeOptions options{direction};
  options.stream_complete = true;
  DecodeOutcome outcome = decode(bytes, options);
  if (auto* error = std::get_if<DecodeError>(&outcome)) return *error;
  ADD_FAILURE() << "expected a DecodeError for " << to_hex(bytes);
  return DecodeError{DecodeRule::BadMagic, 9999, 0, 0};
}

void expect_rule(const MessageBuilder& builder, DecodeRule rule, std::size_t offset) {
  const Bytes bytes = builder.build();
  const DecodeError error = decode_error(bytes);
  EXPECT_EQ(name(error.rule), name(rule)) << to_hex(bytes);
  EXPECT_EQ(error.offset, offset) << to_hex(bytes);
}

MessageBuilder valid() { return MessageBuilder().add(kConnect); }

RawTlv raw_tlv(std::uint8_t type, Bytes value) {
  RawTlv tlv;
  tlv.type = type;
  tlv.value = std::move(value);
  return tlv;
}

TEST(ConvertBuilder, FromValidMessageEqualsEncoder) {
  const Message message{
      {InfoTlv{}, ConnectTlv{80, *parse_address("2001:db8::1"), hex("1E 02 22 02")}, CookieTlv{hex("01 02 03 04 05")}}};
  EXPECT_EQ(MessageBuilder::from(message).build(), *encode(message));
  EXPECT_EQ(to_hex(MessageBuilder().add(raw(InfoTlv{})).build()), "01 02 22 63 01 01 00 00");
}

TEST(ConvertBuilder, AppDataAndTruncation) {
  const Bytes bytes = valid().app_data(hex("68 69")).build();
  EXPECT_EQ(bytes.size(), 26U);
  EXPECT_EQ(bytes[1], 6);
  EXPECT_EQ(valid().truncate_to(10).build().size(), 10U);
  EXPECT_EQ(valid().truncate_to(100).build().size(), 24U);
}

TEST(ConvertBuilder, HeaderForms) {
  expect_rule(valid().version(2), DecodeRule::UnsupportedVersion, 0);
  expect_rule(valid().version(0), DecodeRule::UnsupportedVersion, 0);
  expect_rule(valid().magic(0), DecodeRule::BadMagic, 2);
  expect_rule(valid().total_length_words(0), DecodeRule::TotalLengthZero, 1);
  expect_rule(MessageBuilder(), DecodeRule::NoTlvs, 1);
}

TEST(ConvertBuilder, TotalLengthTooShortTooLongAndBeyondBytesSent) {
  expect_rule(valid().total_length_words(4), DecodeRule::TlvOverrunsMessage, 5);
  // Too long: the application data after the Connect is read as a TLV.
  expect_rule(valid().total_length_words(7).app_data(hex("0A 05 00 00")), DecodeRule::TlvOverrunsMessage, 25);
  // Longer than the bytes ever sent.
  expect_rule(valid().total_length_words(10), DecodeRule::TlvTruncated, 24);
}

TEST(ConvertBuilder, TlvLengthForms) {
  RawTlv zero = raw(kConnect);
  zero.length_words = 0;
  expect_rule(MessageBuilder().add(zero), DecodeRule::TlvLengthZero, 5);
  RawTlv past = raw(kConnect);
  past.length_words = 9;
  expect_rule(MessageBuilder().add(past), DecodeRule::TlvOverrunsMessage, 5);
}

TEST(ConvertBuilder, DuplicateTlvs) {
  expect_rule(valid().add(kConnect), DecodeRule::DuplicateTlv, 24);
  expect_rule(valid().add(InfoTlv{}).add(InfoTlv{}), DecodeRule::DuplicateTlv, 28);
}

TEST(ConvertBuilder, ReservedUnknownAndPrivateTypes) {
  expect_rule(MessageBuilder().add(raw_tlv(0, {0, 0})).add(kConnect), DecodeRule::ReservedType, 4);
  expect_rule(valid().add(raw_tlv(5, {0, 0})), DecodeRule::UnknownType, 24);
  expect_rule(valid().add(raw_tlv(200, hex("01 02 03 04 05 06"))), DecodeRule::UnknownType, 24);
}

TEST(ConvertBuilder, TlvsAClientMustNotSend) {
  expect_rule(valid().add(ErrorTlv::connection_reset()), DecodeRule::WrongDirection, 24);
  expect_rule(valid().add(SupportedTcpExtensionsTlv{{30}}), DecodeRule::WrongDirection, 24);
  expect_rule(valid().add(ExtendedTcpHeaderTlv{hex("01 01 01 00")}), DecodeRule::WrongDirection, 24);
}

TEST(ConvertBuilder, NonZeroFieldsAndPadding) {
  RawTlv info = raw(InfoTlv{});
  info.value = {0, 9};
  expect_rule(MessageBuilder().add(info).add(kConnect), DecodeRule::NonZeroField, 7);
  RawTlv reset = raw(ErrorTlv::connection_reset());
  reset.value = {96, 0, 0, 0, 0, 1};
  const Bytes bytes = MessageBuilder().add(reset).build();
  EXPECT_EQ(decode_error(bytes, Direction::ConverterToClient).rule, DecodeRule::NonZeroPadding);
  expect_rule(MessageBuilder().add(raw_connect(443, ipv4_mapped("192.0.2.1"), hex("04 02 00 01"))),
              DecodeRule::NonZeroPadding, 27);
}

TEST(ConvertBuilder, TruncatedAndUnpaddedConnect) {
  RawTlv cut = raw(kConnect);
  cut.value.resize(10);
  expect_rule(MessageBuilder().add(cut), DecodeRule::ConnectTooShort, 5);
  // Unpadded options: Total Length rounds up, the Connect TLV's own Length too.
  const Bytes unpadded =
      MessageBuilder().add(raw_connect(443, ipv4_mapped("192.0.2.1"), hex("03 03 07"), false)).build();
  EXPECT_EQ(unpadded.size(), 27U);
  EXPECT_EQ(unpadded[1], 7);
  EXPECT_EQ(decode_error(unpadded).rule, DecodeRule::TlvTruncated);
  // Sent only in part, while the peer waits for the rest.
  EXPECT_TRUE(std::holds_alternative<NeedMore>(decode(valid().truncate_to(12).build(), {})));
}

TEST(ConvertBuilder, ForbiddenDestinationsAndOptionBlocks) {
  expect_rule(MessageBuilder().add(raw_connect(80, ipv4_mapped("127.0.0.1"))), DecodeRule::ForbiddenDestination, 8);
  expect_rule(MessageBuilder().add(raw_connect(80, ipv4_mapped("192.0.2.1"), hex("01 01 04 02"))),
              DecodeRule::BadConnectOptionKind, 24);
  expect_rule(MessageBuilder().add(raw_connect(80, ipv4_mapped("192.0.2.1"), hex("04 05"))),
              DecodeRule::BadConnectOptionLength, 25);
  // TCP-AO is well framed: the decoder accepts it, a converter answers 33.
  const auto ao = decode(MessageBuilder().add(raw_connect(80, ipv4_mapped("192.0.2.1"), hex("1D 02"))).build(),
                         DecodeOptions{Direction::ClientToConverter});
  ASSERT_TRUE(std::holds_alternative<Decoded>(ao));
  EXPECT_EQ(std::get<Decoded>(ao).message.find<ConnectTlv>()->tcp_options, hex("1D 02"));
}

TEST(ConvertBuilder, MissingConnect) {
  expect_rule(MessageBuilder().add(CookieTlv{hex("01 02 03 04")}), DecodeRule::MissingConnect, 4);
}

// ------------------------------------------------------------ catalog lists

TEST(ConvertMalformed, ForbiddenDestinationsCoverEveryClassInBothForms) {
  std::set<std::string> labels;
  std::set<std::pair<AddressClass, bool>> forms;
  for (const auto& item : malformed::forbidden_destinations()) {
    EXPECT_TRUE(labels.insert(item.label).second) << item.label;
    EXPECT_EQ(classify(item.address), item.address_class) << item.label;
    EXPECT_EQ(item.rfc_mandated, item.address_class != AddressClass::Unspecified);
    forms.insert({item.address_class, is_ipv4_mapped(item.address)});
  }
  for (AddressClass cls : {AddressClass::Loopback, AddressClass::Multicast, AddressClass::Unspecified}) {
    EXPECT_TRUE(forms.count({cls, true})) << name(cls);
    EXPECT_TRUE(forms.count({cls, false})) << name(cls);
  }
  EXPECT_TRUE(forms.count({AddressClass::Broadcast, true}));  // IPv6 has no broadcast
}

TEST(ConvertMalformed, BadOptionBlocksDecodeAsLabelled) {
  std::set<std::string> labels;
  for (const auto& block : malformed::bad_option_blocks()) {
    EXPECT_TRUE(labels.insert(block.label).second) << block.label;
    const Bytes bytes = MessageBuilder().add(raw_connect(443, ipv4_mapped("192.0.2.1"), block.options)).build();
    const auto outcome = decode(bytes, DecodeOptions{Direction::ClientToConverter});
    if (!block.rule) {
      EXPECT_TRUE(std::holds_alternative<Decoded>(outcome)) << block.label;
      EXPECT_EQ(block.converter_answer, ErrorCode::UnsupportedTcpOption) << block.label;
      continue;
    }
    ASSERT_TRUE(std::holds_alternative<DecodeError>(outcome)) << block.label;
    EXPECT_EQ(std::get<DecodeError>(outcome).rule, *block.rule) << block.label;
    EXPECT_EQ(std::get<DecodeError>(outcome).offset, 24 + block.offset_in_field) << block.label;
    EXPECT_EQ(block.converter_answer, error_code_for(*block.rule)) << block.label;
  }
}

TEST(ConvertMalformed, ClientMessagesDecodeAsLabelled) {
  std::set<std::string> labels;
  std::set<DecodeRule> rules;
  const auto stimuli = malformed::malformed_client_messages(443, ipv4_mapped("192.0.2.1"));
  for (const auto& stimulus : stimuli) {
    EXPECT_TRUE(labels.insert(stimulus.label).second) << stimulus.label;
    EXPECT_FALSE(stimulus.requirement.empty()) << stimulus.label;
    const DecodeError error = decode_error(stimulus.bytes);
    EXPECT_EQ(name(error.rule), name(stimulus.rule)) << stimulus.label << ": " << to_hex(stimulus.bytes);
    EXPECT_EQ(error.offset, stimulus.offset) << stimulus.label << ": " << to_hex(stimulus.bytes);
    EXPECT_EQ(stimulus.converter_answer, error_code_for(stimulus.rule)) << stimulus.label;
    EXPECT_LE(error.culprit_offset + error.culprit_size, stimulus.bytes.size()) << stimulus.label;
    rules.insert(stimulus.rule);
  }
  // Every rule a client message can break appears in the catalog.
  for (int rule = 0; rule <= static_cast<int>(DecodeRule::MissingConnect); ++rule) {
    const auto r = static_cast<DecodeRule>(rule);
    if (r == DecodeRule::NonZeroField || r == DecodeRule::BadErrorCode) continue;  // AMB-23; T->C only
    EXPECT_TRUE(rules.count(r)) << name(r);
  }
  EXPECT_GE(stimuli.size(), malformed::forbidden_destinations().size() + 30);
}

}  // namespace
}  // namespace convtest::packetgen::convert
