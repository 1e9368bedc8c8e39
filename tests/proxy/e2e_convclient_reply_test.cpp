// convclient against a scripted converter (a real listener in the converter
// namespace that sends crafted reply bytes): what the client puts in its SYN,
// and how it treats split, bare, invalid and error replies (CLI-0xx).

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "capture.hpp"
#include "convert_lab.hpp"
#include "packetgen/bytes.hpp"
#include "packetgen/convert.hpp"
#include "packetgen/tcp.hpp"

namespace convtest::proxytest {
namespace {

using std::chrono::milliseconds;

constexpr int kExitBadReply = 4;

class E2EScriptedConverterTest : public testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(lab_.error(), ""); }

  // The scripted converter sends `reply` (hex, '|' separates segments), then
  // "tail\n" after the client's FIN.
  ClientRun run(const std::string& reply, std::vector<std::string> extra = {}, const std::string& input = "early") {
    ServerScript script;
    script.address = addr::kConverter4;
    script.port = kConverterPort;
    script.greeting = "hex:" + reply;
    script.reply = "tail\n";
    script.in_converter_namespace = true;
    if (!lab_.start_server(script)) return {-1, "", lab_.error()};
    return lab_.run_client(client_args(false, addr::kServer4, kServerPort, std::move(extra)), input);
  }
  ConvertLab lab_;
};

TEST_F(E2EScriptedConverterTest, SynPayloadIsConvertMessageThenEarlyData) {
  const ClientRun result = run("01012263");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  // CLI-002/003/004/005/007/013/014: header, Base Connect with the IPv4-mapped
  // destination, then the application's bytes right after the message.
  const std::string received = lab_.server_received();
  EXPECT_EQ(packetgen::to_hex(packetgen::Bytes(received.begin(), received.end())),
            "01 06 22 63 0a 05 1f 90 00 00 00 00 00 00 00 00 00 00 ff ff c6 33 64 0a " +
                packetgen::to_hex(packetgen::Bytes{'e', 'a', 'r', 'l', 'y'}));
  EXPECT_EQ(result.out, "tail\n");  // header-only reply accepted (AMB-02)
}

TEST_F(E2EScriptedConverterTest, InfoCookieAndOptionsAreEncoded) {
  const ClientRun result =
      run("01012263", {"--info", "--cookie", "c1c2c3c4c5", "--option", "30", "--option", "34:0102030405060708"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const std::string received = lab_.server_received();
  const auto decoded = packetgen::convert::decode(
      packetgen::ByteView(reinterpret_cast<const std::uint8_t*>(received.data()), received.size()),
      {packetgen::convert::Direction::ClientToConverter, true, false});
  const auto* message = std::get_if<packetgen::convert::Decoded>(&decoded);
  ASSERT_NE(message, nullptr) << packetgen::to_hex(packetgen::Bytes(received.begin(), received.end()));
  EXPECT_NE(message->message.find<packetgen::convert::InfoTlv>(), nullptr);
  const auto* cookie = message->message.find<packetgen::convert::CookieTlv>();
  ASSERT_NE(cookie, nullptr);
  EXPECT_EQ(packetgen::to_hex(cookie->cookie), "c1 c2 c3 c4 c5 00 00 00");  // zero-padded
  const auto* connect = message->message.find<packetgen::convert::ConnectTlv>();
  ASSERT_NE(connect, nullptr);
  EXPECT_EQ(packetgen::to_hex(connect->tcp_options), "1e 02 22 0a 01 02 03 04 05 06 07 08");
  EXPECT_EQ(received.substr(message->size), "early");
}

TEST_F(E2EScriptedConverterTest, ReplySplitAcrossSegmentsIsStrippedExactly) {
  const ClientRun result = run("0103|2263|14020000|020405b4|414243", {"--print-reply"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "ABCtail\n");
  EXPECT_NE(result.err.find("extended-tcp-header: 02 04 05 b4"), std::string::npos) << result.err;
}

TEST_F(E2EScriptedConverterTest, NonZeroUnassignedFieldsAreIgnored) {
  // CLI-012 / CLI-017: bytes 2-3 of Supported and Extended TCP Header.
  const ClientRun result = run("01052263 1502ffff 1e000000 1402abcd 020405b4");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "tail\n");
}

TEST_F(E2EScriptedConverterTest, ErrorTlvInALaterSegmentIsReportedAndReset) {
  PacketCapture capture(lab_.topology().converter(), "t0");
  ASSERT_EQ(capture.error(), "");
  const ClientRun result = run("01022263|1e016100");
  EXPECT_EQ(result.exit_code, 14) << result.err;
  EXPECT_NE(result.err.find("Destination Unreachable (97), ICMP code 0"), std::string::npos);
  bool reset_seen = false;  // CLI-018
  for (const auto& packet : capture.drain(milliseconds(200), milliseconds(2000))) {
    const auto parsed = packetgen::tcp::parse(packet);
    if (parsed && parsed->segment.destination_port == kConverterPort &&
        (parsed->segment.flags & packetgen::tcp::flag::RST))
      reset_seen = true;
  }
  EXPECT_TRUE(reset_seen);
}

TEST_F(E2EScriptedConverterTest, IncompleteReplyTimesOut) {
  const ClientRun result = run("010322", {"--reply-timeout", "500"});
  EXPECT_EQ(result.exit_code, kExitBadReply) << result.err;
  EXPECT_NE(result.err.find("no complete Convert reply within 500 ms (3 bytes seen)"), std::string::npos) << result.err;
  EXPECT_EQ(result.out, "");
}

struct InvalidReply {
  const char* name;
  const char* hex;
  const char* rule;
};

class InvalidReplyTest : public E2EScriptedConverterTest, public testing::WithParamInterface<InvalidReply> {};

TEST_P(InvalidReplyTest, IsRefusedWithoutDeliveringData) {
  const ClientRun result = run(GetParam().hex);
  EXPECT_EQ(result.exit_code, kExitBadReply) << result.err;
  EXPECT_NE(result.err.find(GetParam().rule), std::string::npos) << result.err;
  EXPECT_EQ(result.out, "");  // the application never sees Convert bytes
}

std::string invalid_name(const testing::TestParamInfo<InvalidReply>& param_info) { return param_info.param.name; }

INSTANTIATE_TEST_SUITE_P(
    E2E, InvalidReplyTest,
    testing::Values(InvalidReply{"TotalLengthZero", "01002263 41424344", "TotalLengthZero"},  // CLI-006
                    InvalidReply{"DuplicateTlv", "01052263 14020000 020405b4 14020000 020405b4",
                                 "DuplicateTlv"},                                                 // CLI-010
                    InvalidReply{"ReservedType", "01022263 00010000", "ReservedType"},            // CLI-011
                    InvalidReply{"Overrun", "01022263 14050000 41424344", "TlvOverrunsMessage"},  // CLI-027
                    InvalidReply{"BadMagic", "01012264 41424344", "BadMagic"}),
    invalid_name);

}  // namespace
}  // namespace convtest::proxytest
