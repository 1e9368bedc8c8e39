// The Extended TCP Header TLV must carry the server's SYN-ACK options byte
// for byte (CONV-028, AMB-25): captured in the server namespace, compared
// with what convclient --print-reply decoded.

#include <gtest/gtest.h>

#include <regex>

#include "capture.hpp"
#include "convert_lab.hpp"
#include "packetgen/bytes.hpp"

namespace convtest::proxytest {
namespace {

using std::chrono::milliseconds;

std::string printed_extended_header(const std::string& err) {
  std::smatch match;
  if (!std::regex_search(err, match, std::regex("extended-tcp-header: ([0-9a-f ]*)"))) return "?";
  return match[1];
}

class ExtendedHeaderTest : public testing::TestWithParam<bool> {};

TEST_P(ExtendedHeaderTest, EqualsTheServersSynAckOptions) {
  const bool ipv6 = GetParam();
  ConvertLab lab;
  ASSERT_EQ(lab.error(), "");
  ServerScript server;
  server.address = ipv6 ? addr::kServer6 : addr::kServer4;
  ASSERT_TRUE(lab.start_server(server)) << lab.error();
  ASSERT_TRUE(lab.start_proxy()) << lab.error();
  PacketCapture capture(lab.topology().server(), Topology::kServerInterface);
  ASSERT_EQ(capture.error(), "");

  // Extended Connect (SACK-permitted, no value): the TLV is then a MUST.
  const ClientRun run =
      lab.run_client(client_args(ipv6, server.address, kServerPort, {"--option", "4", "--print-reply"}), "ping");
  ASSERT_EQ(run.exit_code, 0) << run.err << lab.diagnostics();
  const auto options = syn_ack_options(capture.drain(milliseconds(200), milliseconds(3000)), kServerPort);
  ASSERT_TRUE(options.has_value()) << "no SYN-ACK from the server captured";
  ASSERT_FALSE(options->empty());
  EXPECT_EQ(printed_extended_header(run.err), packetgen::to_hex(*options)) << run.err;
}

std::string family_name(const testing::TestParamInfo<bool>& param_info) { return param_info.param ? "IPv6" : "IPv4"; }

INSTANTIATE_TEST_SUITE_P(E2E, ExtendedHeaderTest, testing::Values(false, true), family_name);

// Info (AMB-10): the reply lists the converted extensions; a converter
// offering MPTCP conversion must list kind 30 (CONV-I09 / section 7.5).
TEST(E2EReplyContents, InfoGetsSupportedExtensionsListingMptcp) {
  ConvertLab lab;
  ASSERT_EQ(lab.error(), "");
  ASSERT_TRUE(lab.start_server()) << lab.error();
  ASSERT_TRUE(lab.start_proxy()) << lab.error();
  const ClientRun run =
      lab.run_client(client_args(false, addr::kServer4, kServerPort, {"--info", "--print-reply"}), "ping");
  ASSERT_EQ(run.exit_code, 0) << run.err << lab.diagnostics();
  std::smatch match;
  ASSERT_TRUE(std::regex_search(run.err, match, std::regex("supported-tcp-extensions: ([0-9 ]*)"))) << run.err;
  EXPECT_TRUE(std::regex_search(std::string(match[1]), std::regex("(^| )30( |$)"))) << match[1];
  EXPECT_EQ(lab.server_received(), "ping");
}

}  // namespace
}  // namespace convtest::proxytest
