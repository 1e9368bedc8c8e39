#include <gtest/gtest.h>

#include "convproxy/convert_phase.hpp"
#include "packetgen/bytes.hpp"
#include "packetgen/convert_builder.hpp"

namespace convtest::convproxy {
namespace {

namespace convert = packetgen::convert;
using packetgen::Bytes;
using packetgen::hex;

const Address kClient = convert::ipv4_mapped("192.0.2.100");
const Address kStranger = convert::ipv4_mapped("203.0.113.50");
const packetgen::Bytes kSecret = hex("00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff");
constexpr std::int64_t kNow = 1'700'000'000;

convert::ConnectTlv connect_to(const char* address, std::uint16_t port, Bytes options = {}) {
  return convert::ConnectTlv{port, *convert::parse_address(address), std::move(options)};
}

convert::RawTlv raw_tlv(std::uint8_t type) {
  convert::RawTlv tlv;
  tlv.type = type;
  tlv.value = hex("00 00");
  return tlv;
}

Bytes message(std::vector<convert::Tlv> tlvs, Bytes app = {}) {
  auto encoded = convert::encode(convert::Message{std::move(tlvs)});
  EXPECT_TRUE(encoded);
  Bytes out = encoded.value();
  out.insert(out.end(), app.begin(), app.end());
  return out;
}

class ConvproxyConvertPhase : public ::testing::Test {
 protected:
  ConvproxyConvertPhase()
      : acl_({*Cidr::parse("192.0.2.0/24")}),
        self_({convert::ipv4_mapped("192.0.2.1")}, {}, 5124),
        jar_(kSecret, 3600) {
    context_.acl = &acl_;
    context_.self = &self_;
  }

  Decision run(const Bytes& stream, const Address& client = kClient) {
    return decide(stream, context_, ClientFacts{client, kNow});
  }

  convert::ErrorTlv error_of(const Bytes& stream, const Address& client = kClient) {
    const auto decision = run(stream, client);
    const auto* error = std::get_if<decision::SendError>(&decision);
    EXPECT_NE(error, nullptr) << "decision index " << decision.index();
    return error != nullptr ? error->error : convert::ErrorTlv{};
  }

  Acl acl_;
  SelfEndpoints self_;
  CookieJar jar_;
  PhaseContext context_;
};

TEST_F(ConvproxyConvertPhase, BaseConnectOpensDownstreamAndKnowsWhereDataStarts) {
  const auto stream = message({connect_to("198.51.100.7", 443)}, hex("68 65 6c 6c 6f"));
  const auto decision = run(stream);
  const auto* open = std::get_if<decision::OpenDownstream>(&decision);
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->destination, (Endpoint{convert::ipv4_mapped("198.51.100.7"), 443}));
  EXPECT_EQ(open->message_size, 24u);
  EXPECT_FALSE(open->info);
  EXPECT_EQ(open->options, DownstreamOptions{});
}

TEST_F(ConvproxyConvertPhase, InfoAndExtendedConnectInAnyOrder) {
  const auto stream = message({connect_to("2001:db8::1", 80, hex("1e 02 22 02")), convert::InfoTlv{}});
  const auto decision = run(stream);
  const auto* open = std::get_if<decision::OpenDownstream>(&decision);
  ASSERT_NE(open, nullptr);
  EXPECT_TRUE(open->info);
  EXPECT_TRUE(open->options.mptcp);
  EXPECT_TRUE(open->options.fast_open);
}

TEST_F(ConvproxyConvertPhase, InfoAloneIsAnswered) {
  EXPECT_TRUE(std::holds_alternative<decision::AnswerInfo>(run(message({convert::InfoTlv{}}))));
}

TEST_F(ConvproxyConvertPhase, PartialMessageWaits) {
  const auto stream = message({connect_to("198.51.100.7", 443)});
  for (std::size_t size : {0u, 1u, 4u, 10u, 23u})
    EXPECT_TRUE(std::holds_alternative<decision::WaitForMore>(run(Bytes(stream.begin(), stream.begin() + size))))
        << size;
}

TEST_F(ConvproxyConvertPhase, IncompleteMessageGetsMalformedWithEchoOrSilence) {
  EXPECT_TRUE(std::holds_alternative<decision::IgnoreSilently>(decide_incomplete({})));
  const auto partial = hex("01 06 22 63 0a 05");
  const auto decision = decide_incomplete(partial);
  const auto* error = std::get_if<decision::SendError>(&decision);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->error.code, convert::ErrorCode::MalformedMessage);
  EXPECT_EQ(error->error.bytes, partial);
}

TEST_F(ConvproxyConvertPhase, WrongMagicIsIgnoredAndTotalLengthZeroResets) {
  const auto valid = message({connect_to("198.51.100.7", 443)});
  EXPECT_TRUE(std::holds_alternative<decision::IgnoreSilently>(
      run(convert::MessageBuilder::from(convert::Message{{connect_to("198.51.100.7", 443)}}).magic(0).build())));
  EXPECT_TRUE(std::holds_alternative<decision::IgnoreSilently>(run(hex("47 45 54 20 2f 20 48 54 54 50"))));
  auto zero = valid;
  zero[1] = 0;
  EXPECT_TRUE(std::holds_alternative<decision::ResetConnection>(run(zero)));
}

TEST_F(ConvproxyConvertPhase, UnsupportedVersionListsVersionOne) {
  for (const std::uint8_t version : std::initializer_list<std::uint8_t>{0, 2, 0x7f, 0xff}) {
    const auto stream =
        convert::MessageBuilder::from(convert::Message{{connect_to("198.51.100.7", 443)}}).version(version).build();
    const auto error = error_of(stream);
    EXPECT_EQ(error.code, convert::ErrorCode::UnsupportedVersion) << int(version);
    EXPECT_EQ(error.list, (std::vector<std::uint8_t>{1}));
  }
}

TEST_F(ConvproxyConvertPhase, ForbiddenDestinationsAreMalformedWithTheConnectEchoed) {
  for (const char* address :
       {"::1", "127.0.0.1", "127.9.9.9", "ff02::1", "224.0.0.251", "255.255.255.255", "::", "0.0.0.0"}) {
    const auto connect = connect_to(address, 80);
    const auto error = error_of(convert::MessageBuilder().add(connect).build());
    EXPECT_EQ(error.code, convert::ErrorCode::MalformedMessage) << address;
    EXPECT_EQ(error.bytes, convert::encode_tlv(connect)) << address;
  }
}

TEST_F(ConvproxyConvertPhase, PortZeroIsMalformed) {  // AMB-22
  const auto connect = connect_to("198.51.100.7", 0);
  const auto error = error_of(message({connect}));
  EXPECT_EQ(error.code, convert::ErrorCode::MalformedMessage);
  EXPECT_EQ(error.bytes, convert::encode_tlv(connect));
}

TEST_F(ConvproxyConvertPhase, DuplicateAndUnknownTlvs) {
  const auto connect = connect_to("198.51.100.7", 443);
  const auto duplicate = convert::MessageBuilder().add(connect).add(connect).build();
  EXPECT_EQ(error_of(duplicate).code, convert::ErrorCode::MalformedMessage);
  const auto unknown = convert::MessageBuilder().add(raw_tlv(5)).add(connect).build();
  const auto error = error_of(unknown);
  EXPECT_EQ(error.code, convert::ErrorCode::UnsupportedMessage);
  EXPECT_EQ(error.bytes, hex("05 01 00 00"));
  const auto reserved = convert::MessageBuilder().add(raw_tlv(0)).add(connect).build();
  EXPECT_EQ(error_of(reserved).code, convert::ErrorCode::UnsupportedMessage);
}

TEST_F(ConvproxyConvertPhase, ClientOutsideTheAclIsNotAuthorized) {
  EXPECT_EQ(error_of(message({connect_to("198.51.100.7", 443)}), kStranger).code, convert::ErrorCode::NotAuthorized);
}

TEST_F(ConvproxyConvertPhase, ConnectToTheConverterItselfIsNotAuthorized) {
  EXPECT_EQ(error_of(message({connect_to("192.0.2.1", 5124)})).code, convert::ErrorCode::NotAuthorized);
  EXPECT_TRUE(std::holds_alternative<decision::OpenDownstream>(run(message({connect_to("192.0.2.1", 80)}))));
}

// Issue 14, defect 5: a service of the converter's host bound to a wildcard
// address is reachable on every interface address, on any port.
TEST_F(ConvproxyConvertPhase, ConnectToAnAddressOfTheConvertersHostIsNotAuthorized) {
  const LocalAddresses local(LocalAddresses::kDefaultMaxAge, [] {
    return std::vector<InterfaceAddress>{{convert::ipv4_mapped("192.0.2.1"), 24},
                                         {*convert::parse_address("2001:db8:2::1"), 64}};
  });
  context_.local = &local;
  EXPECT_EQ(error_of(message({connect_to("192.0.2.1", 8081)})).code, convert::ErrorCode::NotAuthorized);
  EXPECT_EQ(error_of(message({connect_to("2001:db8:2::1", 8081)})).code, convert::ErrorCode::NotAuthorized);
  EXPECT_TRUE(std::holds_alternative<decision::OpenDownstream>(run(message({connect_to("198.51.100.7", 8081)}))));
  context_.faults.add(Fault::RelayToOwnHost);
  EXPECT_TRUE(std::holds_alternative<decision::OpenDownstream>(run(message({connect_to("192.0.2.1", 8081)}))));
}

TEST_F(ConvproxyConvertPhase, UnsupportedOptionsAreListed) {
  const auto error = error_of(message({connect_to("198.51.100.7", 443, hex("1d 02 fd 02"))}));
  EXPECT_EQ(error.code, convert::ErrorCode::UnsupportedTcpOption);
  EXPECT_EQ(error.list, (std::vector<std::uint8_t>{29, 253}));
}

TEST_F(ConvproxyConvertPhase, PrecedenceFramingThenAuthorizationThenOptions) {  // AMB-18
  const auto bad_option = connect_to("198.51.100.7", 443, hex("1d 02"));
  // Framing beats authorisation.
  const auto framing = convert::MessageBuilder().add(bad_option).add(bad_option).build();
  EXPECT_EQ(error_of(framing, kStranger).code, convert::ErrorCode::MalformedMessage);
  // Authorisation beats option checks.
  EXPECT_EQ(error_of(message({bad_option}), kStranger).code, convert::ErrorCode::NotAuthorized);
  // Cookie beats option checks.
  context_.cookies = &jar_;
  EXPECT_EQ(error_of(message({bad_option})).code, convert::ErrorCode::MissingCookie);
}

TEST_F(ConvproxyConvertPhase, CookieMode) {
  context_.cookies = &jar_;
  const auto connect = connect_to("198.51.100.7", 443);
  const auto missing = error_of(message({connect}));
  EXPECT_EQ(missing.code, convert::ErrorCode::MissingCookie);
  EXPECT_EQ(missing.bytes, jar_.issue(kClient, kNow));
  EXPECT_TRUE(
      std::holds_alternative<decision::OpenDownstream>(run(message({convert::CookieTlv{missing.bytes}, connect}))));
  auto forged = missing.bytes;
  forged[3] ^= 1;
  EXPECT_EQ(error_of(message({convert::CookieTlv{forged}, connect})).code, convert::ErrorCode::NotAuthorized);
  const auto other_client = convert::ipv4_mapped("192.0.2.101");
  EXPECT_EQ(error_of(message({convert::CookieTlv{missing.bytes}, connect}), other_client).code,
            convert::ErrorCode::NotAuthorized);
}

TEST_F(ConvproxyConvertPhase, CookieWithoutCookieModeIsIgnored) {  // AMB-16
  EXPECT_TRUE(std::holds_alternative<decision::OpenDownstream>(
      run(message({convert::CookieTlv{hex("01 02 03 04")}, connect_to("198.51.100.7", 443)}))));
}

TEST_F(ConvproxyConvertPhase, FaultsRelaxExactlyTheirRule) {
  const auto connect = connect_to("198.51.100.7", 443);
  const auto unknown = convert::MessageBuilder().add(raw_tlv(5)).add(connect).app_data(hex("aa")).build();
  context_.faults.add(Fault::SkipUnknownTlv);
  auto decision = run(unknown);
  auto* open = std::get_if<decision::OpenDownstream>(&decision);
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->message_size, 28u);  // the skipped TLV still is not application data

  context_.faults.add(Fault::AcceptDuplicateConnect);
  EXPECT_TRUE(std::holds_alternative<decision::OpenDownstream>(
      run(convert::MessageBuilder().add(connect).add(connect).build())));

  context_.faults.add(Fault::AcceptLoopback);
  decision = run(convert::MessageBuilder().add(connect_to("127.0.0.1", 80)).build());
  open = std::get_if<decision::OpenDownstream>(&decision);
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->destination.address, convert::ipv4_mapped("127.0.0.1"));

  context_.faults.add(Fault::IgnoreAcl);
  EXPECT_TRUE(std::holds_alternative<decision::OpenDownstream>(run(message({connect}), kStranger)));

  context_.faults.add(Fault::AcceptVersion2);
  const auto v2 = convert::MessageBuilder::from(convert::Message{{connect}}).version(2).build();
  EXPECT_TRUE(std::holds_alternative<decision::OpenDownstream>(run(v2)));
  const auto v3 = convert::MessageBuilder::from(convert::Message{{connect}}).version(3).build();
  EXPECT_EQ(error_of(v3).code, convert::ErrorCode::UnsupportedVersion);
}

}  // namespace
}  // namespace convtest::convproxy
