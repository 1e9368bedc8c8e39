// convclient -> convproxy -> plain TCP server, real kernels in namespaces:
// every byte compared both ways, early data in the SYN, half-close.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "convert_lab.hpp"

namespace convtest::proxytest {
namespace {

struct RelayCase {
  bool ipv6;
  bool mptcp;
};

std::string case_name(const testing::TestParamInfo<RelayCase>& info) {
  return fmt::format("{}_{}", info.param.ipv6 ? "IPv6" : "IPv4", info.param.mptcp ? "Mptcp" : "Tcp");
}

// More than the early-data limit, so part rides in the SYN and the rest is
// relayed after the handshake; every byte value appears.
std::string client_input() {
  std::string input;
  for (int i = 0; i < 3000; ++i) input.push_back(static_cast<char>((i * 7 + 3) % 256));
  return input;
}

class RelayTest : public testing::TestWithParam<RelayCase> {};

TEST_P(RelayTest, BytesArriveExactlyBothWaysWithEarlyDataAndHalfClose) {
  const auto [ipv6, mptcp] = GetParam();
  ConvertLab lab;
  ASSERT_EQ(lab.error(), "");
  ServerScript server;
  server.address = ipv6 ? addr::kServer6 : addr::kServer4;
  ASSERT_TRUE(lab.start_server(server)) << lab.error();
  ASSERT_TRUE(lab.start_proxy()) << lab.error();

  std::vector<std::string> extra{"--early-data-limit", "1000"};
  if (!mptcp) extra.push_back("--tcp");
  const std::string input = client_input();
  const ClientRun run = lab.run_client(client_args(ipv6, server.address, kServerPort, extra), input);

  EXPECT_EQ(run.exit_code, 0) << run.err << lab.diagnostics();
  // The server got the early data and the rest, nothing of the Convert message.
  EXPECT_EQ(lab.server_received(), input) << lab.diagnostics();
  // The greeting came before the client's FIN, the reply after it (half-close).
  EXPECT_EQ(run.out, server.greeting + server.reply) << run.err;
  EXPECT_NE(run.err.find("SYN carries"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("1000 early data"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find(mptcp ? "upstream connection is MPTCP" : "upstream connection is plain TCP"),
            std::string::npos)
      << run.err;
}

INSTANTIATE_TEST_SUITE_P(E2E, RelayTest,
                         testing::Values(RelayCase{false, true}, RelayCase{false, false}, RelayCase{true, true},
                                         RelayCase{true, false}),
                         case_name);

TEST(E2ERelay, EarlyDataFlagAndEmptyInput) {
  ConvertLab lab;
  ASSERT_EQ(lab.error(), "");
  ServerScript server;
  server.greeting = "";
  ASSERT_TRUE(lab.start_server(server)) << lab.error();
  ASSERT_TRUE(lab.start_proxy()) << lab.error();
  const ClientRun run =
      lab.run_client(client_args(false, addr::kServer4, kServerPort, {"--early-data", "GET / HTTP/1.0\r\n\r\n"}));
  EXPECT_EQ(run.exit_code, 0) << run.err << lab.diagnostics();
  EXPECT_EQ(lab.server_received(), "GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(run.out, server.reply);
}

// The converter bridges families: IPv4 upstream, IPv6 server, and back.
TEST(E2ERelay, CrossFamilyBothWays) {
  for (const bool client_ipv6 : {false, true}) {
    ConvertLab lab;
    ASSERT_EQ(lab.error(), "");
    ServerScript server;
    server.address = client_ipv6 ? addr::kServer4 : addr::kServer6;
    ASSERT_TRUE(lab.start_server(server)) << lab.error();
    ASSERT_TRUE(lab.start_proxy()) << lab.error();
    const ClientRun run = lab.run_client(client_args(client_ipv6, server.address, kServerPort), "across");
    EXPECT_EQ(run.exit_code, 0) << run.err << lab.diagnostics();
    EXPECT_EQ(lab.server_received(), "across");
    EXPECT_EQ(run.out, server.greeting + server.reply);
  }
}

}  // namespace
}  // namespace convtest::proxytest
