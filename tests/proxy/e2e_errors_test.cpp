// Every error path provoked for real and checked through convclient's exit
// code and message: server RST, ICMP from the router, silence, ACL, session
// limit, cookies, and crafted client messages.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "capture.hpp"
#include "convert_lab.hpp"
#include "packetgen/convert.hpp"
#include "packetgen/convert_builder.hpp"
#include "packetgen/tcp.hpp"

namespace convtest::proxytest {
namespace {

namespace convert = packetgen::convert;
using std::chrono::milliseconds;

constexpr int kExitValidation = 10;
constexpr int kExitMissingCookie = 11;
constexpr int kExitClientSide = 12;
constexpr int kExitConverterSide = 13;
constexpr int kExitDestination = 14;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class E2EErrorTest : public testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(lab_.error(), ""); }
  void start(const std::vector<std::string>& proxy_flags = {}) {
    ASSERT_TRUE(lab_.start_server()) << lab_.error();
    ASSERT_TRUE(lab_.start_proxy(proxy_flags)) << lab_.error();
  }
  ClientRun client(bool ipv6, const std::string& destination, std::uint16_t port, std::vector<std::string> extra = {}) {
    return lab_.run_client(client_args(ipv6, destination, port, std::move(extra)), "data");
  }
  ConvertLab lab_;
};

TEST_F(E2EErrorTest, ServerRstGivesConnectionResetAndClientResets) {
  start();
  PacketCapture capture(lab_.topology().client(), "c0");
  ASSERT_EQ(capture.error(), "");
  const ClientRun run = client(false, addr::kServer4, kClosedPort);
  EXPECT_EQ(run.exit_code, kExitDestination) << run.err << lab_.diagnostics();
  EXPECT_TRUE(contains(run.err, "converter refused: Connection Reset (96)")) << run.err;
  EXPECT_EQ(lab_.server_received(), "");
  // CLI-018: the client answers the Error TLV with an RST to the converter.
  bool client_sent_rst = false;
  for (const auto& packet : capture.drain(milliseconds(200), milliseconds(2000))) {
    const auto parsed = packetgen::tcp::parse(packet);
    if (parsed && parsed->segment.destination_port == kConverterPort &&
        (parsed->segment.flags & packetgen::tcp::flag::RST))
      client_sent_rst = true;
  }
  EXPECT_TRUE(client_sent_rst);
}

TEST_F(E2EErrorTest, ServerRstOverIpv6) {
  start();
  const ClientRun run = client(true, addr::kServer6, kClosedPort);
  EXPECT_EQ(run.exit_code, kExitDestination) << run.err << lab_.diagnostics();
  EXPECT_TRUE(contains(run.err, "Connection Reset (96)")) << run.err;
}

TEST_F(E2EErrorTest, IcmpHostUnreachableIsEchoed) {
  start();
  const ClientRun run = client(false, addr::kUnreachable4, 80);
  EXPECT_EQ(run.exit_code, kExitDestination) << run.err << lab_.diagnostics();
  EXPECT_TRUE(contains(run.err, "Destination Unreachable (97), ICMP code 1")) << run.err;
}

TEST_F(E2EErrorTest, IcmpAdminProhibitedIsEchoed) {
  start();
  const ClientRun run = client(false, addr::kProhibited4, 80);
  EXPECT_EQ(run.exit_code, kExitDestination) << run.err << lab_.diagnostics();
  EXPECT_TRUE(contains(run.err, "Destination Unreachable (97), ICMP code 13")) << run.err;
}

TEST_F(E2EErrorTest, Icmpv6NoRouteIsEchoed) {
  start();
  const ClientRun run = client(true, addr::kUnreachable6, 80);
  EXPECT_EQ(run.exit_code, kExitDestination) << run.err << lab_.diagnostics();
  EXPECT_TRUE(contains(run.err, "Destination Unreachable (97), ICMP code 0")) << run.err;
}

TEST_F(E2EErrorTest, Icmpv6AdminProhibitedIsEchoed) {
  start();
  const ClientRun run = client(true, addr::kProhibited6, 80);
  EXPECT_EQ(run.exit_code, kExitDestination) << run.err << lab_.diagnostics();
  EXPECT_TRUE(contains(run.err, "Destination Unreachable (97), ICMP code 1")) << run.err;
}

TEST_F(E2EErrorTest, SilentBlackholeGivesNetworkFailure) {
  start();
  const ClientRun run = client(false, addr::kBlackhole4, 80);
  EXPECT_EQ(run.exit_code, kExitConverterSide) << run.err << lab_.diagnostics();
  EXPECT_TRUE(contains(run.err, "Network Failure (65)")) << run.err;
}

TEST_F(E2EErrorTest, ClientOutsideTheAclIsNotAuthorized) {
  ASSERT_TRUE(lab_.start_server()) << lab_.error();
  // Only the ACL flags of this test: the lab's own --allow would admit the client.
  ASSERT_TRUE(lab_.start_proxy({"--allow", "192.0.2.200/32"}, false)) << lab_.error();
  const ClientRun run = client(false, addr::kServer4, kServerPort);
  EXPECT_EQ(run.exit_code, kExitClientSide) << run.err << lab_.diagnostics();
  EXPECT_TRUE(contains(run.err, "Not Authorized (32)")) << run.err;
  EXPECT_EQ(lab_.server_received(), "");
}

TEST_F(E2EErrorTest, SessionLimitGivesResourceExceeded) {
  ServerScript server;
  server.connections = 2;
  ASSERT_TRUE(lab_.start_server(server)) << lab_.error();
  ASSERT_TRUE(lab_.start_proxy({"--max-sessions", "1", "--backoff", "7"})) << lab_.error();
  auto holder = lab_.start_client(client_args(false, addr::kServer4, kServerPort), "holder");
  ASSERT_TRUE(holder) << holder.error();
  ASSERT_TRUE(holder->write_stdin("first session\n"));
  // The first session is relaying once its bytes reach the server.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (lab_.server_received().empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(10));
  ASSERT_EQ(lab_.server_received(), "first session\n") << lab_.diagnostics();

  const ClientRun refused = client(false, addr::kServer4, kServerPort);
  EXPECT_EQ(refused.exit_code, kExitConverterSide) << refused.err << lab_.diagnostics();
  EXPECT_TRUE(contains(refused.err, "Resource Exceeded (64), retry after 7 s")) << refused.err;

  holder->close_stdin();
  const auto ended = holder->wait_for(std::chrono::seconds(5));
  EXPECT_TRUE(ended && ended->success()) << (ended ? ended->to_string() : "still running") << lab_.diagnostics();
}

TEST_F(E2EErrorTest, CookieIsRequiredThenAcceptedAndACorruptOneRefused) {
  start({"--cookie-secret", "00112233445566778899aabbccddeeff"});
  const ClientRun first = client(false, addr::kServer4, kServerPort);
  EXPECT_EQ(first.exit_code, kExitMissingCookie) << first.err << lab_.diagnostics();
  std::smatch match;
  ASSERT_TRUE(std::regex_search(first.err, match, std::regex("--cookie ([0-9a-f]+)"))) << first.err;
  const std::string cookie = match[1];

  const ClientRun with_cookie = client(false, addr::kServer4, kServerPort, {"--cookie", cookie});
  EXPECT_EQ(with_cookie.exit_code, 0) << with_cookie.err << lab_.diagnostics();
  EXPECT_EQ(lab_.server_received(), "data");

  std::string corrupt = cookie;
  corrupt[0] = corrupt[0] == '0' ? '1' : '0';
  const ClientRun refused = client(false, addr::kServer4, kServerPort, {"--cookie", corrupt});
  EXPECT_EQ(refused.exit_code, kExitClientSide) << refused.err << lab_.diagnostics();
  EXPECT_TRUE(contains(refused.err, "Not Authorized (32)")) << refused.err;
}

// A crafted client: --raw-message replaces the Convert message.
std::string base_connect_hex(const convert::MessageBuilder& builder) { return packetgen::to_hex(builder.build()); }

convert::Message connect_to_server() {
  return convert::Message{{convert::ConnectTlv{kServerPort, convert::ipv4_mapped(addr::kServer4), {}}}};
}

TEST_F(E2EErrorTest, Version2GivesUnsupportedVersionListingVersion1) {
  start();
  const auto message = convert::MessageBuilder::from(connect_to_server()).version(2);
  const ClientRun run = client(false, addr::kServer4, kServerPort, {"--raw-message", base_connect_hex(message)});
  EXPECT_EQ(run.exit_code, kExitValidation) << run.err << lab_.diagnostics();
  EXPECT_TRUE(contains(run.err, "Unsupported Version (0), converter supports version(s) 1")) << run.err;
  EXPECT_EQ(lab_.server_received(), "");
}

TEST_F(E2EErrorTest, LoopbackDestinationGivesMalformedMessage) {
  start();
  convert::MessageBuilder message;
  message.add(convert::raw_connect(80, convert::ipv4_mapped("127.0.0.1")));
  const ClientRun run = client(false, addr::kServer4, kServerPort, {"--raw-message", base_connect_hex(message)});
  EXPECT_EQ(run.exit_code, kExitValidation) << run.err << lab_.diagnostics();
  EXPECT_TRUE(contains(run.err, "Malformed Message (1)")) << run.err;
}

TEST_F(E2EErrorTest, UnknownTlvGivesUnsupportedMessage) {
  start();
  auto message = convert::MessageBuilder::from(connect_to_server());
  message.add(convert::RawTlv{7, packetgen::Bytes{0, 0}, std::nullopt, true});
  const ClientRun run = client(false, addr::kServer4, kServerPort, {"--raw-message", base_connect_hex(message)});
  EXPECT_EQ(run.exit_code, kExitValidation) << run.err << lab_.diagnostics();
  EXPECT_TRUE(contains(run.err, "Unsupported Message (2)")) << run.err;
}

TEST_F(E2EErrorTest, TcpAoGivesUnsupportedTcpOption) {
  start();
  const ClientRun run = client(false, addr::kServer4, kServerPort, {"--option", "29:0000"});
  EXPECT_EQ(run.exit_code, kExitClientSide) << run.err << lab_.diagnostics();
  EXPECT_TRUE(contains(run.err, "Unsupported TCP Option (33), option kind(s) 29")) << run.err;
}

TEST_F(E2EErrorTest, ClientRefusesLoopbackDestinationItself) {
  start();
  const ClientRun run = client(false, "127.0.0.1", 80);
  EXPECT_EQ(run.exit_code, 2) << run.err;  // CLI-015: never asks the converter
  EXPECT_TRUE(contains(run.err, "127.0.0.1 is a loopback address")) << run.err;
}

}  // namespace
}  // namespace convtest::proxytest
