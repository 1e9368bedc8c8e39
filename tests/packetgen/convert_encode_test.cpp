// The strict encoder's refusals (one per EncodeRule) and randomized round
// trips over valid messages.
#include <gtest/gtest.h>

#include <random>

#include "packetgen/convert.hpp"

namespace convtest::packetgen::convert {
namespace convert_encode_test {  // named: in a unity build, its helpers meet those of other tests

const ConnectTlv kConnect{443, ipv4_mapped("192.0.2.1"), {}};

void expect_refused(const Message& message, EncodeRule rule, std::size_t index) {
  const auto encoded = encode(message);
  ASSERT_FALSE(encoded.ok());
  EXPECT_EQ(name(encoded.error().rule), name(rule));
  EXPECT_EQ(encoded.error().tlv_index, index);
}

TEST(ConvertEncodeRule, NoTlvs) { expect_refused(Message{}, EncodeRule::NoTlvs, 0); }

TEST(ConvertEncodeRule, MessageTooLong) {
  // 4 + 20 + 1000 > 1020 while the cookie TLV alone (1000 bytes) is fine.
  expect_refused(Message{{kConnect, CookieTlv{Bytes(996, 0xab)}}}, EncodeRule::MessageTooLong, 1);
  auto largest = encode(Message{{kConnect, CookieTlv{Bytes(992, 0xab)}}});
  ASSERT_TRUE(largest.ok());
  EXPECT_EQ(largest->size(), kMaxMessageSize);
  EXPECT_EQ((*largest)[1], 255);
}

TEST(ConvertEncodeRule, TlvTooLong) {
  expect_refused(Message{{kConnect, CookieTlv{Bytes(1020, 0xab)}}}, EncodeRule::TlvTooLong, 1);
}

TEST(ConvertEncodeRule, DuplicateTlv) {
  expect_refused(Message{{InfoTlv{}, kConnect, InfoTlv{}}}, EncodeRule::DuplicateTlv, 2);
}

TEST(ConvertEncodeRule, ForbiddenDestination) {
  for (const char* address : {"::1", "127.0.0.1", "ff02::1", "224.0.0.1", "255.255.255.255", "::", "0.0.0.0"})
    expect_refused(Message{{InfoTlv{}, ConnectTlv{80, *parse_address(address), {}}}}, EncodeRule::ForbiddenDestination,
                   1);
}

TEST(ConvertEncodeRule, BadConnectOptions) {
  for (const char* options : {"00", "01 04 02", "04 02 00", "04", "04 00", "08 01", "22 0A 01 02"}) {
    ConnectTlv connect = kConnect;
    connect.tcp_options = hex(options);
    expect_refused(Message{{connect}}, EncodeRule::BadConnectOptions, 0);
  }
}

TEST(ConvertEncodeRule, ErrorValueNotEmpty) {
  ErrorTlv reset = ErrorTlv::connection_reset();
  reset.value = 1;
  expect_refused(Message{{reset}}, EncodeRule::ErrorValueNotEmpty, 0);
  ErrorTlv denied = ErrorTlv::not_authorized();
  denied.value = 7;
  expect_refused(Message{{denied}}, EncodeRule::ErrorValueNotEmpty, 0);
}

TEST(ConvertEncodeRule, UnknownErrorCode) {
  ErrorTlv error;
  error.code = static_cast<ErrorCode>(4);
  expect_refused(Message{{error}}, EncodeRule::UnknownErrorCode, 0);
}

TEST(ConvertEncodeRule, UnusedErrorMember) {
  ErrorTlv list_with_value = ErrorTlv::unsupported_version({1});
  list_with_value.value = 3;
  expect_refused(Message{{list_with_value}}, EncodeRule::UnusedErrorMember, 0);
  ErrorTlv echo_with_list = ErrorTlv::malformed_message(hex("05 01 00 00"));
  echo_with_list.list = {1};
  expect_refused(Message{{echo_with_list}}, EncodeRule::UnusedErrorMember, 0);
  ErrorTlv single_with_bytes = ErrorTlv::resource_exceeded(30);
  single_with_bytes.bytes = hex("01");
  expect_refused(Message{{single_with_bytes}}, EncodeRule::UnusedErrorMember, 0);
}

TEST(ConvertEncodeRule, ListEndsWithZero) {
  expect_refused(Message{{SupportedTcpExtensionsTlv{{30, 0}}}}, EncodeRule::ListEndsWithZero, 0);
  expect_refused(Message{{ErrorTlv::unsupported_tcp_option({29, 0})}}, EncodeRule::ListEndsWithZero, 0);
}

TEST(ConvertEncodeRule, EveryRuleHasAName) {
  for (int rule = 0; rule <= static_cast<int>(EncodeRule::ListEndsWithZero); ++rule)
    EXPECT_NE(name(static_cast<EncodeRule>(rule)), "unknown encode rule");
  for (int rule = 0; rule <= static_cast<int>(DecodeRule::MissingConnect); ++rule)
    EXPECT_NE(name(static_cast<DecodeRule>(rule)), "unknown decode rule");
}

// ------------------------------------------------------------ round trips

class RandomMessages {
 public:
  explicit RandomMessages(std::uint32_t seed) : rng_(seed) {}

  Message client() {
    Message message;
    if (chance()) message.tlvs.emplace_back(InfoTlv{});
    if (chance() || message.tlvs.empty()) message.tlvs.emplace_back(connect());
    if (chance()) message.tlvs.emplace_back(CookieTlv{bytes(4 * below(8))});
    shuffle(message);
    return message;
  }

  Message converter() {
    Message message;
    if (chance()) message.tlvs.emplace_back(SupportedTcpExtensionsTlv{list(below(12))});
    if (chance()) message.tlvs.emplace_back(ExtendedTcpHeaderTlv{bytes(4 * below(11))});
    if (chance()) message.tlvs.emplace_back(error());
    if (message.tlvs.empty() || chance()) message.tlvs.emplace_back(connect());
    shuffle(message);
    return message;
  }

 private:
  ConnectTlv connect() {
    ConnectTlv connect;
    connect.port = static_cast<std::uint16_t>(below(65536));
    do {
      for (auto& byte : connect.address) byte = static_cast<std::uint8_t>(below(256));
      if (chance()) connect.address = ipv4_mapped(static_cast<std::uint32_t>(rng_()));
    } while (classify(connect.address) != AddressClass::Ordinary);
    const std::size_t blocks = below(5);
    for (std::size_t i = 0; i < blocks; ++i) {
      const auto kind = static_cast<std::uint8_t>(2 + below(254));
      const std::size_t length = 2 + below(10);
      connect.tcp_options.push_back(kind);
      connect.tcp_options.push_back(static_cast<std::uint8_t>(length));
      const Bytes value = bytes(length - 2);
      connect.tcp_options.insert(connect.tcp_options.end(), value.begin(), value.end());
    }
    return connect;
  }

  ErrorTlv error() {
    switch (below(10)) {
      case 0: return ErrorTlv::unsupported_version(list(1 + below(4)));
      case 1: return ErrorTlv::malformed_message(bytes(4 * below(6)));
      case 2: return ErrorTlv::unsupported_message(bytes(4 * below(6)));
      case 3: return ErrorTlv::missing_cookie(bytes(4 * below(5)));
      case 4: return ErrorTlv::not_authorized();
      case 5: return ErrorTlv::unsupported_tcp_option(list(1 + below(6)));
      case 6: return ErrorTlv::resource_exceeded(static_cast<std::uint8_t>(below(256)));
      case 7: return ErrorTlv::network_failure(static_cast<std::uint8_t>(below(256)));
      case 8: return ErrorTlv::connection_reset();
      default: return ErrorTlv::destination_unreachable(static_cast<std::uint8_t>(below(16)));
    }
  }

  // A list whose last entry is never 0 (trailing zeros are padding).
  std::vector<std::uint8_t> list(std::size_t size) {
    std::vector<std::uint8_t> out(size);
    for (auto& entry : out) entry = static_cast<std::uint8_t>(below(256));
    if (!out.empty() && out.back() == 0) out.back() = 34;
    return out;
  }

  Bytes bytes(std::size_t size) {
    Bytes out(size);
    for (auto& byte : out) byte = static_cast<std::uint8_t>(below(256));
    return out;
  }

  void shuffle(Message& message) { std::shuffle(message.tlvs.begin(), message.tlvs.end(), rng_); }
  bool chance() { return below(2) == 0; }
  std::size_t below(std::size_t bound) { return std::uniform_int_distribution<std::size_t>(0, bound - 1)(rng_); }

  std::mt19937 rng_;
};

void expect_round_trip(const Message& message, Direction direction) {
  const auto encoded = encode(message);
  ASSERT_TRUE(encoded.ok()) << name(encoded.error().rule) << " at TLV " << encoded.error().tlv_index;
  EXPECT_EQ(encoded->size() % kWord, 0U);
  Bytes stream = *encoded;
  put_bytes(stream, hex("de ad be ef"));  // application data after the message
  const auto outcome = decode(stream, DecodeOptions{direction});
  ASSERT_TRUE(std::holds_alternative<Decoded>(outcome)) << to_hex(*encoded);
  const Decoded& decoded = std::get<Decoded>(outcome);
  EXPECT_EQ(decoded.message, message) << to_hex(*encoded);
  EXPECT_EQ(decoded.size, encoded->size());
}

TEST(ConvertRoundTrip, RandomClientMessages) {
  RandomMessages random(8803);
  for (int i = 0; i < 2000; ++i) expect_round_trip(random.client(), Direction::ClientToConverter);
}

TEST(ConvertRoundTrip, RandomConverterMessages) {
  RandomMessages random(0x2263);
  for (int i = 0; i < 2000; ++i) expect_round_trip(random.converter(), Direction::ConverterToClient);
}

TEST(ConvertRoundTrip, EncodeTlvMatchesTheMessageBody) {
  RandomMessages random(7);
  for (int i = 0; i < 200; ++i) {
    const Message message = random.converter();
    const auto encoded = encode(message);
    ASSERT_TRUE(encoded.ok());
    Bytes body;
    for (const Tlv& tlv : message.tlvs) put_bytes(body, encode_tlv(tlv));
    EXPECT_EQ(Bytes(encoded->begin() + 4, encoded->end()), body);
  }
}

}  // namespace convert_encode_test
}  // namespace convtest::packetgen::convert
